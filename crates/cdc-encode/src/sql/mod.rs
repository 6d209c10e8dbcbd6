//! SQL apply batches for PostgreSQL/AnalyticDB and MySQL targets, sans-IO.
//!
//! Two layers:
//!
//! 1. [`Batcher`] (dialect-neutral) takes row changes in source order and coalesces them into
//!    the net effect per row key: a list of [`Step`]s (delete these keys, upsert these full
//!    rows, update this one row in place) that leaves a target in the same state as applying
//!    the changes one by one.
//! 2. A dialect renders steps as statements: [`pg::PgEncoder`] gives SQL text plus binary
//!    parameters for PostgreSQL's extended query protocol ([`pg::PgStatement`]), and
//!    [`pg::BinaryCopy`] encodes full-load rows in the binary `COPY` format;
//!    [`mysql::MySqlEncoder`] gives SQL text with exact literals.
//!
//! The caller owns the connection, the transaction boundaries and when to flush.
//!
//! ```
//! use std::sync::Arc;
//! use cdc_model::*;
//! use cdc_encode::sql::{Batcher, Step, mysql::MySqlEncoder, pg::PgEncoder};
//!
//! let mut t = TableSchema::new(TableId::new("shop", "orders"), vec![
//!     Column::new("id", ColumnType::Int { unsigned: false }).not_null(),
//!     Column::new("note", ColumnType::Text { max_bytes: None, charset: None }),
//! ]);
//! t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
//! let t = Arc::new(t);
//! let row = |id, note: &str| RowImage::new(vec![Value::Int(id), Value::text(note)]);
//!
//! let mut batch = Batcher::new();
//! batch.push(&Change::Insert { table: t.clone(), after: row(1, "new") })?;
//! batch.push(&Change::Update { table: t.clone(), before: Some(row(1, "new")), after: row(1, "paid") })?;
//! batch.push(&Change::Insert { table: t.clone(), after: row(2, "x") })?;
//! batch.push(&Change::Delete { table: t.clone(), before: row(2, "x") })?;
//! let steps = batch.flush();
//! // Key 2 ends deleted, key 1 ends as its last image.
//! assert!(matches!(&steps[0], Step::Delete { keys, .. } if keys.len() == 1));
//! assert!(matches!(&steps[1], Step::Upsert { rows, .. } if rows == &vec![row(1, "paid")]));
//!
//! let mysql = MySqlEncoder::new().statements(&steps)?;
//! assert_eq!(mysql[0], "DELETE FROM `shop`.`orders` WHERE `id` IN (2)");
//! assert_eq!(mysql[1], "INSERT INTO `shop`.`orders` (`id`,`note`) VALUES (1,'paid') \
//!     ON DUPLICATE KEY UPDATE `note`=VALUES(`note`)");
//!
//! let pg = PgEncoder::new().statements(&steps)?;
//! assert_eq!(pg[1].sql, "INSERT INTO \"shop\".\"orders\" (\"id\",\"note\") VALUES \
//!     ($1::int4,$2::text) ON CONFLICT (\"id\") DO UPDATE SET \"note\"=EXCLUDED.\"note\"");
//! # Ok::<(), cdc_encode::sql::Error>(())
//! ```

use std::fmt;

use cdc_model::{Operation, TableId, Value};

mod batch;
pub mod mysql;
pub mod pg;

pub use batch::{Batcher, Step};

/// An encoding failure: which table and column, and what went wrong.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("{table}{}: {kind}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct Error {
    /// The source table.
    pub table: TableId,
    /// The column, when the failure belongs to one.
    pub column: Option<String>,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(table: &TableId, column: Option<&str>, kind: ErrorKind) -> Error {
        Error {
            table: table.clone(),
            column: column.map(str::to_owned),
            kind,
        }
    }
}

/// The kinds of [`Error`], to match on.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ErrorKind {
    /// An update or delete of a table with neither a primary key nor a `NOT NULL` unique key.
    #[error("the table has neither a primary key nor a NOT NULL unique key")]
    NoKey,
    /// A key column of an image is `NULL` or was not sent.
    #[error("a key column is {0}")]
    BadKey(&'static str),
    /// A full row was needed (insert, upsert, COPY) but a column was not sent
    /// ([`Value::Unchanged`]) or is a partial JSON update.
    #[error("the value was not sent by the source ({0}) where a full row is needed")]
    Incomplete(&'static str),
    /// A row image's length differs from the table's column count.
    #[error("the row has {got} values but the table has {expected} columns")]
    RowLength {
        /// Values in the image.
        got: usize,
        /// Columns in the schema.
        expected: usize,
    },
    /// This value kind has no exact representation in the target type.
    #[error("a {value} value cannot be written as {target}")]
    Unsupported {
        /// The value's kind (`decimal`, `text`, ...).
        value: &'static str,
        /// The target type.
        target: String,
    },
    /// The value is outside what the target type holds, or not valid for it.
    #[error("{0}")]
    Invalid(String),
    /// A change that is not an insert, update or delete (truncate, DDL) was given to a batcher.
    #[error("a {0:?} change is not a row change; flush and apply it separately")]
    NotARowChange(Operation),
    /// A name that cannot be quoted (it holds a NUL character).
    #[error("identifier {0:?} holds a NUL character")]
    BadIdentifier(String),
}

/// The short kind name of a value, for error messages.
pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Unchanged => "unchanged",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::UInt(_) => "unsigned integer",
        Value::Float(_) => "float",
        Value::Double(_) => "double",
        Value::Decimal(_) => "decimal",
        Value::Year(_) => "year",
        Value::Date(_) => "date",
        Value::Time(_) => "time",
        Value::DateTime(_) => "datetime",
        Value::Timestamp(_) => "timestamp",
        Value::TimeTz(_) => "timetz",
        Value::Interval(_) => "interval",
        Value::Text(_) => "text",
        Value::Bytes(_) => "binary",
        Value::Bit(_) => "bit",
        Value::Enum(_) => "enum",
        Value::Set(_) => "set",
        Value::Json(_) => "json",
        Value::JsonPatch(_) => "partial json",
        Value::Geometry(_) => "geometry",
        Value::Uuid(_) => "uuid",
        Value::Inet(_) => "inet",
        Value::MacAddr(_) => "macaddr",
        Value::Money(_) => "money",
        Value::Vector(_) => "vector",
        Value::Array(_) => "array",
    }
}

/// A quoted identifier: `"a""b"` (PostgreSQL) or `` `a``b` `` (MySQL).
pub(crate) struct Quoted<'a> {
    name: &'a str,
    quote: char,
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char(self.quote)?;
        for c in self.name.chars() {
            if c == self.quote {
                f.write_char(c)?;
            }
            f.write_char(c)?;
        }
        f.write_char(self.quote)
    }
}

/// Quotes `name` with `quote`, or fails when the name holds a NUL (no server accepts one).
pub(crate) fn quote_ident(name: &str, quote: char) -> Result<String, ErrorKind> {
    if name.contains('\0') {
        return Err(ErrorKind::BadIdentifier(name.to_owned()));
    }
    Ok(Quoted { name, quote }.to_string())
}
