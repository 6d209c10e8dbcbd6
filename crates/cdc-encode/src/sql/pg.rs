//! PostgreSQL / AnalyticDB for PostgreSQL: binary `COPY` for full loads, batched upserts and
//! deletes with binary parameters for incremental changes.
//!
//! Every value is sent in PostgreSQL's binary (`send`/`recv`) format of the target column's
//! type ([`PgType`]), so nothing passes through a float or a locale-dependent string: numerics
//! as base-10000 digits with their display scale, timestamps as microseconds from 2000-01-01,
//! intervals as months/days/microseconds, and so on. Values the target type cannot hold
//! exactly are errors ([`ErrorKind::Invalid`], [`ErrorKind::Unsupported`]), never rounded.
//! Types this module cannot encode in binary ([`PgType::Other`]) go as text parameters in
//! statements and are refused by `COPY`.
//!
//! Text must reach the server as UTF-8 (the connection's `client_encoding` must be `UTF8`):
//! latin1 text is converted exactly, other character sets are refused.
//!
//! ```
//! use std::sync::Arc;
//! use cdc_model::*;
//! use cdc_encode::sql::pg::{BinaryCopy, PgOptions, PgTable};
//!
//! let t = TableSchema::new(TableId::new("public", "t"), vec![
//!     Column::new("id", ColumnType::Int { unsigned: false }),
//!     Column::new("price", ColumnType::Decimal { precision: Some(10), scale: Some(2) }),
//! ]);
//! let table = PgTable::for_schema(&t);
//! assert_eq!(table.copy_statement()?, "COPY \"public\".\"t\" (\"id\",\"price\") FROM STDIN (FORMAT binary)");
//! let mut copy = BinaryCopy::new(&table, PgOptions::default());
//! let mut out = bytes::BytesMut::new();
//! copy.header(&mut out);
//! copy.row(&RowImage::new(vec![Value::Int(7), Value::Decimal("123.45".parse()?)]), &mut out)?;
//! copy.trailer(&mut out);
//! assert_eq!(&out[19..], &[
//!     0, 2,                                  // two fields
//!     0, 0, 0, 4, 0, 0, 0, 7,                // int4 7
//!     0, 0, 0, 12, 0, 2, 0, 0, 0, 0, 0, 2,   // numeric: 2 digits, weight 0, +, dscale 2
//!     0, 123, 0x11, 0x94,                    // 123 | 4500
//!     0xff, 0xff,                            // trailer
//! ][..]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use bytes::{BufMut, Bytes, BytesMut};
use cdc_model::{
    Array, BitString, Column, ColumnType, Date, DateTime, Decimal, RowImage, TableId, TableSchema,
    Timestamp, Value,
};

use super::{Error, ErrorKind, Step, kind_name, quote_ident};

/// The binary `COPY` signature, flags and header-extension length.
pub const COPY_HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The binary `COPY` trailer (a field count of -1).
pub const COPY_TRAILER: &[u8; 2] = &[0xff, 0xff];

/// Microseconds from 1970-01-01 to PostgreSQL's epoch 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A PostgreSQL column type, as far as encoding a value for it goes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum PgType {
    /// `boolean`.
    Bool,
    /// `smallint`.
    Int2,
    /// `integer`.
    Int4,
    /// `bigint`.
    Int8,
    /// `oid`.
    Oid,
    /// `real`.
    Float4,
    /// `double precision`.
    Float8,
    /// `numeric`.
    Numeric,
    /// `money`.
    Money,
    /// `date`.
    Date,
    /// `time`.
    Time,
    /// `timetz`.
    TimeTz,
    /// `timestamp` (without time zone).
    Timestamp,
    /// `timestamptz`.
    Timestamptz,
    /// `interval`.
    Interval,
    /// `text`.
    Text,
    /// `varchar`.
    Varchar,
    /// `bpchar` (`char(n)`).
    Bpchar,
    /// `bytea`.
    Bytea,
    /// `uuid`.
    Uuid,
    /// `json`.
    Json,
    /// `jsonb`.
    Jsonb,
    /// `inet`.
    Inet,
    /// `cidr`.
    Cidr,
    /// `macaddr`.
    MacAddr,
    /// `macaddr8`.
    MacAddr8,
    /// `bit(n)`.
    Bit,
    /// `varbit`.
    VarBit,
    /// An enum type; its binary form is the label.
    Enum {
        /// The type's name as SQL, written verbatim in casts (quote it: `"public"."mood"`).
        type_name: String,
        /// Its OID, needed only for arrays of it.
        oid: Option<u32>,
    },
    /// An array of `element`.
    Array(Box<PgType>),
    /// Any other type: values are sent as text parameters (their input syntax) and cannot be
    /// copied in binary.
    Other {
        /// The type's name as SQL, written verbatim in casts.
        type_name: String,
    },
}

impl PgType {
    /// The default target type for a source column, used when the caller does not set one
    /// (a type-mapping crate will supply these later; this is the one place they are chosen).
    ///
    /// Integers take the smallest PostgreSQL type holding every value of the source type
    /// (`INT UNSIGNED` → `bigint`, `BIGINT UNSIGNED` → `numeric`); MySQL `TIME` → `time`,
    /// `DATETIME` → `timestamp`, `TIMESTAMP` → `timestamptz`; MySQL `ENUM`/`SET` → `text`;
    /// binary strings and spatial values (as EWKB: PostGIS is not assumed) → `bytea`;
    /// `VECTOR` → `real[]`; domains → their base type.
    pub fn for_column(column: &Column) -> PgType {
        if column
            .native_type
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("oid"))
        {
            return PgType::Oid;
        }
        PgType::for_type(&column.ty)
    }

    fn for_type(ty: &ColumnType) -> PgType {
        match ty {
            ColumnType::Bool => PgType::Bool,
            ColumnType::TinyInt { .. } => PgType::Int2,
            ColumnType::SmallInt { unsigned: false } => PgType::Int2,
            ColumnType::SmallInt { unsigned: true } | ColumnType::MediumInt { .. } => PgType::Int4,
            ColumnType::Int { unsigned: false } => PgType::Int4,
            ColumnType::Int { unsigned: true } | ColumnType::BigInt { unsigned: false } => {
                PgType::Int8
            }
            ColumnType::BigInt { unsigned: true } | ColumnType::Decimal { .. } => PgType::Numeric,
            ColumnType::Float => PgType::Float4,
            ColumnType::Double => PgType::Float8,
            ColumnType::Year => PgType::Int2,
            ColumnType::Date => PgType::Date,
            ColumnType::Time { .. } => PgType::Time,
            ColumnType::TimeTz { .. } => PgType::TimeTz,
            ColumnType::DateTime { .. } => PgType::Timestamp,
            ColumnType::Timestamp { .. } => PgType::Timestamptz,
            ColumnType::Interval => PgType::Interval,
            ColumnType::Char { .. } => PgType::Bpchar,
            ColumnType::VarChar { .. } => PgType::Varchar,
            ColumnType::Text { .. } | ColumnType::Set { .. } => PgType::Text,
            ColumnType::Enum { name: None, .. } => PgType::Text,
            ColumnType::Enum { name: Some(n), .. } => PgType::Enum {
                type_name: n
                    .split('.')
                    .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
                    .collect::<Vec<_>>()
                    .join("."),
                oid: None,
            },
            ColumnType::Binary { .. }
            | ColumnType::VarBinary { .. }
            | ColumnType::Blob { .. }
            | ColumnType::Geometry { .. } => PgType::Bytea,
            ColumnType::Bit { varying: false, .. } => PgType::Bit,
            ColumnType::Bit { varying: true, .. } => PgType::VarBit,
            ColumnType::Json => PgType::Json,
            ColumnType::Jsonb => PgType::Jsonb,
            ColumnType::Vector { .. } => PgType::Array(Box::new(PgType::Float4)),
            ColumnType::Uuid => PgType::Uuid,
            ColumnType::Inet => PgType::Inet,
            ColumnType::Cidr => PgType::Cidr,
            ColumnType::MacAddr => PgType::MacAddr,
            ColumnType::MacAddr8 => PgType::MacAddr8,
            ColumnType::Money => PgType::Money,
            ColumnType::Array { element } => PgType::Array(Box::new(PgType::for_type(element))),
            ColumnType::Domain { base, .. } => PgType::for_type(base),
            ColumnType::Other { name, .. } => PgType::Other {
                type_name: name.clone(),
            },
        }
    }

    /// The type's OID, when fixed (built-in types, enums with a known OID).
    pub fn oid(&self) -> Option<u32> {
        Some(match self {
            PgType::Bool => 16,
            PgType::Bytea => 17,
            PgType::Int8 => 20,
            PgType::Int2 => 21,
            PgType::Int4 => 23,
            PgType::Text => 25,
            PgType::Oid => 26,
            PgType::Json => 114,
            PgType::Float4 => 700,
            PgType::Float8 => 701,
            PgType::Cidr => 650,
            PgType::MacAddr8 => 774,
            PgType::Money => 790,
            PgType::MacAddr => 829,
            PgType::Inet => 869,
            PgType::Bpchar => 1042,
            PgType::Varchar => 1043,
            PgType::Date => 1082,
            PgType::Time => 1083,
            PgType::Timestamp => 1114,
            PgType::Timestamptz => 1184,
            PgType::Interval => 1186,
            PgType::TimeTz => 1266,
            PgType::Bit => 1560,
            PgType::VarBit => 1562,
            PgType::Numeric => 1700,
            PgType::Uuid => 2950,
            PgType::Jsonb => 3802,
            PgType::Enum { oid, .. } => return *oid,
            PgType::Array(e) => match **e {
                PgType::Bool => 1000,
                PgType::Bytea => 1001,
                PgType::Int2 => 1005,
                PgType::Int4 => 1007,
                PgType::Text => 1009,
                PgType::Bpchar => 1014,
                PgType::Varchar => 1015,
                PgType::Int8 => 1016,
                PgType::Float4 => 1021,
                PgType::Float8 => 1022,
                PgType::Oid => 1028,
                PgType::MacAddr => 1040,
                PgType::Inet => 1041,
                PgType::Json => 199,
                PgType::Cidr => 651,
                PgType::MacAddr8 => 775,
                PgType::Money => 791,
                PgType::Timestamp => 1115,
                PgType::Date => 1182,
                PgType::Time => 1183,
                PgType::Timestamptz => 1185,
                PgType::Interval => 1187,
                PgType::Numeric => 1231,
                PgType::TimeTz => 1270,
                PgType::Bit => 1561,
                PgType::VarBit => 1563,
                PgType::Uuid => 2951,
                PgType::Jsonb => 3807,
                _ => return None,
            },
            PgType::Other { .. } => return None,
        })
    }

    /// The type as SQL, for casts (`int4`, `numeric`, `"public"."mood"`, `int4[]`).
    pub fn sql_name(&self) -> String {
        let s = match self {
            PgType::Bool => "bool",
            PgType::Int2 => "int2",
            PgType::Int4 => "int4",
            PgType::Int8 => "int8",
            PgType::Oid => "oid",
            PgType::Float4 => "float4",
            PgType::Float8 => "float8",
            PgType::Numeric => "numeric",
            PgType::Money => "money",
            PgType::Date => "date",
            PgType::Time => "time",
            PgType::TimeTz => "timetz",
            PgType::Timestamp => "timestamp",
            PgType::Timestamptz => "timestamptz",
            PgType::Interval => "interval",
            PgType::Text => "text",
            PgType::Varchar => "varchar",
            PgType::Bpchar => "bpchar",
            PgType::Bytea => "bytea",
            PgType::Uuid => "uuid",
            PgType::Json => "json",
            PgType::Jsonb => "jsonb",
            PgType::Inet => "inet",
            PgType::Cidr => "cidr",
            PgType::MacAddr => "macaddr",
            PgType::MacAddr8 => "macaddr8",
            PgType::Bit => "bit",
            PgType::VarBit => "varbit",
            PgType::Enum { type_name, .. } | PgType::Other { type_name } => {
                return type_name.clone();
            }
            PgType::Array(e) => return format!("{}[]", e.sql_name()),
        };
        s.to_owned()
    }

    /// True when values of this type can be encoded in binary.
    pub fn is_binary(&self) -> bool {
        match self {
            PgType::Other { .. } => false,
            PgType::Array(e) => e.is_binary(),
            _ => true,
        }
    }
}

/// What to do with MySQL's zero and partly-zero dates (`0000-00-00`, `2024-00-10`), which
/// PostgreSQL has no value for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ZeroDates {
    /// Write `NULL` (what DTS does for PostgreSQL targets).
    #[default]
    Null,
    /// Refuse the row with [`ErrorKind::Invalid`].
    Error,
}

/// Encoding options.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PgOptions {
    /// Zero dates.
    pub zero_dates: ZeroDates,
    /// Most rows in one `INSERT` or `DELETE` (also bounded by 65,535 parameters per statement).
    pub max_rows: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            zero_dates: ZeroDates::Null,
            max_rows: 1000,
        }
    }
}

/// A target column: name and type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PgColumn {
    /// The column's name in the target.
    pub name: String,
    /// Its type in the target.
    pub ty: PgType,
}

/// A target table: its name, its columns (aligned with the source schema's columns) and key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PgTable {
    source: TableId,
    schema: String,
    name: String,
    columns: Vec<PgColumn>,
    key: Vec<usize>,
}

impl PgTable {
    /// The target for a source table: same schema, table and column names, types from
    /// [`PgType::for_column`], key from [`TableSchema::identity_columns`] (empty when none).
    pub fn for_schema(schema: &TableSchema) -> PgTable {
        PgTable {
            source: schema.id.clone(),
            schema: schema.id.schema.clone(),
            name: schema.id.name.clone(),
            columns: schema
                .columns
                .iter()
                .map(|c| PgColumn {
                    name: c.name.clone(),
                    ty: PgType::for_column(c),
                })
                .collect(),
            key: schema.identity_columns().unwrap_or_default(),
        }
    }

    /// The same table under another schema and name in the target.
    pub fn renamed(mut self, schema: impl Into<String>, name: impl Into<String>) -> PgTable {
        self.schema = schema.into();
        self.name = name.into();
        self
    }

    /// Sets the target type of column `column` (by source position); false when there is no
    /// such column.
    pub fn set_type(&mut self, column: usize, ty: PgType) -> bool {
        match self.columns.get_mut(column) {
            Some(c) => {
                c.ty = ty;
                true
            }
            None => false,
        }
    }

    /// Renames column `column` (by source position) in the target; false when there is no
    /// such column.
    pub fn rename_column(&mut self, column: usize, name: impl Into<String>) -> bool {
        match self.columns.get_mut(column) {
            Some(c) => {
                c.name = name.into();
                true
            }
            None => false,
        }
    }

    /// The source table this target belongs to.
    pub fn source(&self) -> &TableId {
        &self.source
    }

    /// The target columns.
    pub fn columns(&self) -> &[PgColumn] {
        &self.columns
    }

    /// `"schema"."name"`.
    pub fn qualified_name(&self) -> Result<String, Error> {
        let q = |s: &str| quote_ident(s, '"').map_err(|k| Error::new(&self.source, None, k));
        Ok(format!("{}.{}", q(&self.schema)?, q(&self.name)?))
    }

    fn column_list(&self, cols: impl Iterator<Item = usize>) -> Result<String, Error> {
        let mut s = String::new();
        for (n, i) in cols.enumerate() {
            if n > 0 {
                s.push(',');
            }
            s.push_str(&self.quoted_column(i)?);
        }
        Ok(s)
    }

    fn quoted_column(&self, i: usize) -> Result<String, Error> {
        let name = self.columns.get(i).map_or("", |c| c.name.as_str());
        quote_ident(name, '"').map_err(|k| Error::new(&self.source, Some(name), k))
    }

    /// `COPY "schema"."name" ("a","b",...) FROM STDIN (FORMAT binary)`, for
    /// [`BinaryCopy`]'s data.
    pub fn copy_statement(&self) -> Result<String, Error> {
        Ok(format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            self.qualified_name()?,
            self.column_list(0..self.columns.len())?
        ))
    }

    fn check_len(&self, row: &RowImage) -> Result<(), Error> {
        if row.len() != self.columns.len() {
            return Err(Error::new(
                &self.source,
                None,
                ErrorKind::RowLength {
                    got: row.len(),
                    expected: self.columns.len(),
                },
            ));
        }
        Ok(())
    }
}

/// Encodes full rows in PostgreSQL's binary `COPY` format, for
/// [`PgTable::copy_statement`]: [`BinaryCopy::header`] once, [`BinaryCopy::row`] per row,
/// [`BinaryCopy::trailer`] once. The output may be sent in chunks of any size.
#[derive(Debug)]
pub struct BinaryCopy<'a> {
    table: &'a PgTable,
    options: PgOptions,
}

impl<'a> BinaryCopy<'a> {
    /// An encoder for rows of `table`.
    pub fn new(table: &'a PgTable, options: PgOptions) -> BinaryCopy<'a> {
        BinaryCopy { table, options }
    }

    /// Appends the file header.
    pub fn header(&self, out: &mut BytesMut) {
        out.extend_from_slice(COPY_HEADER);
    }

    /// Appends one tuple. On error nothing is appended.
    pub fn row(&self, row: &RowImage, out: &mut BytesMut) -> Result<(), Error> {
        self.table.check_len(row)?;
        let start = out.len();
        out.put_i16(self.table.columns.len() as i16);
        for (v, c) in row.values.iter().zip(&self.table.columns) {
            if let Err(kind) = encode_field(v, &c.ty, &self.options, out) {
                out.truncate(start);
                return Err(Error::new(&self.table.source, Some(&c.name), kind));
            }
        }
        Ok(())
    }

    /// Appends the trailer.
    pub fn trailer(&self, out: &mut BytesMut) {
        out.extend_from_slice(COPY_TRAILER);
    }
}

/// A parameter of a [`PgStatement`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PgParam {
    /// SQL `NULL`.
    Null,
    /// The type's binary format.
    Binary(Bytes),
    /// The type's text input syntax (only for [`PgType::Other`]).
    Text(String),
}

/// One statement for the extended query protocol: SQL whose parameters `$1..$n` carry casts to
/// their types, and the parameters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PgStatement {
    /// The SQL text.
    pub sql: String,
    /// One parameter per placeholder, in order.
    pub params: Vec<PgParam>,
}

/// Turns [`Step`]s into PostgreSQL statements.
///
/// Upserts are `INSERT ... VALUES (...),(...) ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c`,
/// deletes `DELETE ... WHERE key IN (...)`, in-place updates `UPDATE ... SET ... WHERE key`.
/// The conflict target is the source's key, so the target table needs a unique index on
/// exactly those columns (its primary key).
#[derive(Debug, Default)]
pub struct PgEncoder {
    tables: HashMap<TableId, PgTable>,
    options: PgOptions,
}

impl PgEncoder {
    /// An encoder with default options, every table mapped by [`PgTable::for_schema`].
    pub fn new() -> PgEncoder {
        PgEncoder::default()
    }

    /// An encoder with these options.
    pub fn with_options(options: PgOptions) -> PgEncoder {
        PgEncoder {
            tables: HashMap::new(),
            options,
        }
    }

    /// Uses `table` for changes of its source table (renames, chosen types).
    pub fn register(&mut self, table: PgTable) {
        self.tables.insert(table.source.clone(), table);
    }

    /// What to run once per session before applying: triggers and foreign-key checks off for
    /// replicated changes (needs superuser or a role allowed to set it), UTF-8 text.
    pub fn session_setup() -> &'static [&'static str] {
        &[
            "SET client_encoding = 'UTF8'",
            "SET session_replication_role = replica",
        ]
    }

    /// The statements for `steps`, in order.
    pub fn statements(&mut self, steps: &[Step]) -> Result<Vec<PgStatement>, Error> {
        let mut out = Vec::new();
        let mut buf = BytesMut::with_capacity(4096);
        for step in steps {
            let schema = step.table();
            let table = self
                .tables
                .entry(schema.id.clone())
                .or_insert_with(|| PgTable::for_schema(schema));
            match step {
                Step::Upsert { rows, .. } => {
                    let per_row = table.columns.len().max(1);
                    let chunk = self.options.max_rows.clamp(1, (65_535 / per_row).max(1));
                    for rows in rows.chunks(chunk) {
                        out.push(upsert(table, rows, &self.options, &mut buf)?);
                    }
                }
                Step::Delete { keys, .. } => {
                    let per_row = table.key.len().max(1);
                    let chunk = self.options.max_rows.clamp(1, (65_535 / per_row).max(1));
                    for keys in keys.chunks(chunk) {
                        out.push(delete(table, keys, &self.options, &mut buf)?);
                    }
                }
                Step::Update { key, row, .. } => {
                    if let Some(s) = update(table, key, row, &self.options, &mut buf)? {
                        out.push(s);
                    }
                }
            }
        }
        Ok(out)
    }
}

fn need_key(table: &PgTable) -> Result<(), Error> {
    if table.key.is_empty() {
        return Err(Error::new(&table.source, None, ErrorKind::NoKey));
    }
    Ok(())
}

/// Appends `$n::type` for the next parameter and encodes `v` into `params`.
fn param(
    table: &PgTable,
    col: usize,
    v: &Value,
    options: &PgOptions,
    sql: &mut String,
    params: &mut Vec<PgParam>,
    buf: &mut BytesMut,
) -> Result<(), Error> {
    let Some(c) = table.columns.get(col) else {
        return Err(Error::new(
            &table.source,
            None,
            ErrorKind::Invalid(format!("no column {col}")),
        ));
    };
    let err = |kind| Error::new(&table.source, Some(&c.name), kind);
    let _ = write!(sql, "${}::{}", params.len() + 1, c.ty.sql_name());
    if !c.ty.is_binary() {
        params.push(match v {
            Value::Null => PgParam::Null,
            Value::Text(t) => PgParam::Text(
                t.to_utf8()
                    .ok_or_else(|| {
                        err(ErrorKind::Invalid(format!(
                            "text in {} cannot be converted to UTF-8",
                            t.charset.name()
                        )))
                    })?
                    .into_owned(),
            ),
            other => {
                return Err(err(ErrorKind::Unsupported {
                    value: kind_name(other),
                    target: c.ty.sql_name(),
                }));
            }
        });
        return Ok(());
    }
    buf.clear();
    let written = encode(v, &c.ty, options, buf).map_err(err)?;
    params.push(if written {
        PgParam::Binary(buf.split().freeze())
    } else {
        PgParam::Null
    });
    Ok(())
}

fn upsert(
    table: &PgTable,
    rows: &[RowImage],
    options: &PgOptions,
    buf: &mut BytesMut,
) -> Result<PgStatement, Error> {
    need_key(table)?;
    let n = table.columns.len();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        table.qualified_name()?,
        table.column_list(0..n)?
    );
    let mut params = Vec::with_capacity(rows.len() * n);
    for (r, row) in rows.iter().enumerate() {
        table.check_len(row)?;
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for (i, v) in row.values.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            param(table, i, v, options, &mut sql, &mut params, buf)?;
        }
        sql.push(')');
    }
    let _ = write!(
        sql,
        " ON CONFLICT ({}) DO ",
        table.column_list(table.key.iter().copied())?
    );
    let rest: Vec<usize> = (0..n).filter(|i| !table.key.contains(i)).collect();
    if rest.is_empty() {
        sql.push_str("NOTHING");
    } else {
        sql.push_str("UPDATE SET ");
        for (k, &i) in rest.iter().enumerate() {
            if k > 0 {
                sql.push(',');
            }
            let c = table.quoted_column(i)?;
            let _ = write!(sql, "{c}=EXCLUDED.{c}");
        }
    }
    Ok(PgStatement { sql, params })
}

fn delete(
    table: &PgTable,
    keys: &[Vec<Value>],
    options: &PgOptions,
    buf: &mut BytesMut,
) -> Result<PgStatement, Error> {
    need_key(table)?;
    let single = table.key.len() == 1;
    let cols = table.column_list(table.key.iter().copied())?;
    let mut sql = if single {
        format!("DELETE FROM {} WHERE {cols} IN (", table.qualified_name()?)
    } else {
        format!(
            "DELETE FROM {} WHERE ({cols}) IN (",
            table.qualified_name()?
        )
    };
    let mut params = Vec::with_capacity(keys.len() * table.key.len());
    for (r, key) in keys.iter().enumerate() {
        if r > 0 {
            sql.push(',');
        }
        if !single {
            sql.push('(');
        }
        for (n, &col) in table.key.iter().enumerate() {
            if n > 0 {
                sql.push(',');
            }
            let v = key.get(n).unwrap_or(&Value::Unchanged);
            param(table, col, v, options, &mut sql, &mut params, buf)?;
        }
        if !single {
            sql.push(')');
        }
    }
    sql.push(')');
    Ok(PgStatement { sql, params })
}

fn update(
    table: &PgTable,
    key: &[Value],
    row: &RowImage,
    options: &PgOptions,
    buf: &mut BytesMut,
) -> Result<Option<PgStatement>, Error> {
    need_key(table)?;
    table.check_len(row)?;
    let mut sql = format!("UPDATE {} SET ", table.qualified_name()?);
    let mut params = Vec::new();
    let mut any = false;
    for (i, v) in row.values.iter().enumerate() {
        if v.is_unchanged() {
            continue;
        }
        if any {
            sql.push(',');
        }
        any = true;
        let _ = write!(sql, "{}=", table.quoted_column(i)?);
        param(table, i, v, options, &mut sql, &mut params, buf)?;
    }
    if !any {
        return Ok(None);
    }
    sql.push_str(" WHERE ");
    for (n, &col) in table.key.iter().enumerate() {
        if n > 0 {
            sql.push_str(" AND ");
        }
        let _ = write!(sql, "{}=", table.quoted_column(col)?);
        let v = key.get(n).unwrap_or(&Value::Unchanged);
        param(table, col, v, options, &mut sql, &mut params, buf)?;
    }
    Ok(Some(PgStatement { sql, params }))
}

/// Appends a length-prefixed field (`-1` for `NULL`), as `COPY` and arrays want.
fn encode_field(
    v: &Value,
    ty: &PgType,
    options: &PgOptions,
    out: &mut BytesMut,
) -> Result<bool, ErrorKind> {
    let at = out.len();
    out.put_i32(-1);
    if !encode(v, ty, options, out)? {
        return Ok(false);
    }
    let len = out.len() - at - 4;
    let len = i32::try_from(len)
        .map_err(|_| ErrorKind::Invalid(format!("a value of {len} bytes is over 2 GiB")))?;
    if let Some(slot) = out.get_mut(at..at + 4) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    Ok(true)
}

/// Encodes one value in the binary format of `ty`. Returns false (and appends nothing) when
/// the value is `NULL`, or becomes `NULL` (a zero date under [`ZeroDates::Null`]).
pub fn encode(
    v: &Value,
    ty: &PgType,
    options: &PgOptions,
    out: &mut BytesMut,
) -> Result<bool, ErrorKind> {
    let unsupported = || ErrorKind::Unsupported {
        value: kind_name(v),
        target: ty.sql_name(),
    };
    let zero = |what: &str| match options.zero_dates {
        ZeroDates::Null => Ok(false),
        ZeroDates::Error => Err(ErrorKind::Invalid(format!(
            "the zero {what} {v} has no PostgreSQL value"
        ))),
    };
    match (ty, v) {
        (_, Value::Null) => return Ok(false),
        (_, Value::Unchanged) => return Err(ErrorKind::Incomplete("unchanged")),
        (_, Value::JsonPatch(_)) => return Err(ErrorKind::Incomplete("partial json")),
        (PgType::Bool, Value::Bool(b)) => out.put_u8(u8::from(*b)),
        (PgType::Bool, Value::Int(i @ 0..=1)) => out.put_u8(*i as u8),
        (PgType::Bool, Value::UInt(u @ 0..=1)) => out.put_u8(*u as u8),
        (PgType::Int2 | PgType::Int4 | PgType::Int8 | PgType::Oid, _) => {
            let i = v.as_i128().ok_or_else(unsupported)?;
            let range = || ErrorKind::Invalid(format!("{i} is out of range for {}", ty.sql_name()));
            match ty {
                PgType::Int2 => out.put_i16(i16::try_from(i).map_err(|_| range())?),
                PgType::Int4 => out.put_i32(i32::try_from(i).map_err(|_| range())?),
                PgType::Oid => out.put_u32(u32::try_from(i).map_err(|_| range())?),
                _ => out.put_i64(i64::try_from(i).map_err(|_| range())?),
            }
        }
        (PgType::Float4, Value::Float(f)) => out.put_f32(*f),
        (PgType::Float4, Value::Double(d)) => {
            let f = *d as f32;
            if f64::from(f).to_bits() != d.to_bits() && !d.is_nan() {
                return Err(ErrorKind::Invalid(format!("{d} is not exactly a real")));
            }
            out.put_f32(f);
        }
        (PgType::Float8, Value::Float(f)) => out.put_f64(f64::from(*f)),
        (PgType::Float8, Value::Double(d)) => out.put_f64(*d),
        (PgType::Numeric, Value::Decimal(d)) => numeric(d, out)?,
        (PgType::Numeric, Value::Int(_) | Value::UInt(_) | Value::Year(_)) => {
            let i = v.as_i128().ok_or_else(unsupported)?;
            numeric(&Decimal::from_i128(i, 0), out)?;
        }
        (PgType::Money, Value::Money(m)) => out.put_i64(*m),
        (PgType::Date, Value::Date(d)) => {
            if *d == Date::INFINITY {
                out.put_i32(i32::MAX);
            } else if *d == Date::NEG_INFINITY {
                out.put_i32(i32::MIN);
            } else if d.month == 0 || d.day == 0 {
                return zero("date");
            } else {
                out.put_i32(pg_days(*d)?);
            }
        }
        (PgType::Time, Value::Time(t)) => {
            let m = t.total_micros();
            if !(0..=MICROS_PER_DAY).contains(&m) {
                return Err(ErrorKind::Invalid(format!(
                    "{t} is out of range for time (00:00:00 to 24:00:00)"
                )));
            }
            out.put_i64(m);
        }
        (PgType::TimeTz, Value::TimeTz(t)) => {
            out.put_i64(t.time.total_micros());
            // PostgreSQL stores the zone as seconds west of UTC.
            out.put_i32(-t.offset_seconds);
        }
        (PgType::Timestamp, Value::DateTime(dt)) => match datetime_micros(dt)? {
            Some(m) => out.put_i64(m),
            None => return zero("datetime"),
        },
        (PgType::Timestamp | PgType::Timestamptz, Value::Timestamp(ts)) => {
            if ts.is_zero() {
                return zero("timestamp");
            }
            out.put_i64(timestamp_micros(*ts)?);
        }
        (PgType::Interval, Value::Interval(i)) => {
            out.put_i64(i.micros);
            out.put_i32(i.days);
            out.put_i32(i.months);
        }
        (PgType::Interval, Value::Time(t)) => {
            out.put_i64(t.total_micros());
            out.put_i32(0);
            out.put_i32(0);
        }
        (
            PgType::Text
            | PgType::Varchar
            | PgType::Bpchar
            | PgType::Json
            | PgType::Jsonb
            | PgType::Enum { .. },
            _,
        ) => {
            if matches!(ty, PgType::Jsonb) {
                out.put_u8(1);
            }
            text_like(v, ty, out)?;
        }
        (PgType::Bytea, Value::Bytes(b)) => out.extend_from_slice(b),
        (PgType::Bytea, Value::Text(t)) => out.extend_from_slice(&t.bytes),
        (PgType::Bytea, Value::Geometry(g)) => ewkb(g.srid, &g.wkb, out)?,
        (PgType::Uuid, Value::Uuid(u)) => out.extend_from_slice(u.as_bytes()),
        (PgType::Inet | PgType::Cidr, Value::Inet(i)) => {
            let (family, bytes): (u8, Vec<u8>) = match i.addr {
                IpAddr::V4(a) => (2, a.octets().to_vec()),
                IpAddr::V6(a) => (3, a.octets().to_vec()),
            };
            if usize::from(i.prefix) > bytes.len() * 8 {
                return Err(ErrorKind::Invalid(format!(
                    "prefix /{} is too long",
                    i.prefix
                )));
            }
            out.put_u8(family);
            out.put_u8(i.prefix);
            out.put_u8(u8::from(matches!(ty, PgType::Cidr)));
            out.put_u8(bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        (PgType::MacAddr, Value::MacAddr(m)) if m.len() == 6 => out.extend_from_slice(m),
        (PgType::MacAddr8, Value::MacAddr(m)) if m.len() == 8 => out.extend_from_slice(m),
        (PgType::Bit | PgType::VarBit, Value::Bit(b)) => bit(b, out)?,
        (PgType::Array(e), Value::Array(a)) => array(a, e, options, out)?,
        (PgType::Array(e), Value::Vector(xs)) if **e == PgType::Float4 => {
            let a = Array {
                dims: vec![cdc_model::ArrayDim {
                    len: u32::try_from(xs.len())
                        .map_err(|_| ErrorKind::Invalid("vector too long".into()))?,
                    lower_bound: 1,
                }],
                elements: xs.iter().map(|x| Value::Float(*x)).collect(),
            };
            array(&a, e, options, out)?;
        }
        _ => return Err(unsupported()),
    }
    Ok(true)
}

/// Text, JSON and enum labels: UTF-8 without NUL.
fn text_like(v: &Value, ty: &PgType, out: &mut BytesMut) -> Result<(), ErrorKind> {
    let mut put = |s: &str| {
        if s.contains('\0') {
            return Err(ErrorKind::Invalid(
                "PostgreSQL text cannot hold a NUL character".into(),
            ));
        }
        out.extend_from_slice(s.as_bytes());
        Ok(())
    };
    match v {
        Value::Text(t) => match t.to_utf8() {
            Some(s) => put(&s),
            None => Err(ErrorKind::Invalid(format!(
                "text in {} cannot be converted to UTF-8",
                t.charset.name()
            ))),
        },
        Value::Json(s) => put(s),
        Value::Enum(e) => match &e.label {
            Some(l) => put(l),
            None => Err(ErrorKind::Invalid(format!(
                "enum member #{} has no known label",
                e.index.unwrap_or(0)
            ))),
        },
        Value::Set(s) if !matches!(ty, PgType::Enum { .. }) => match &s.labels {
            Some(l) => put(&l.join(",")),
            None => Err(ErrorKind::Invalid(format!(
                "set value {:#b} has no known labels",
                s.bits
            ))),
        },
        Value::Uuid(u) if !matches!(ty, PgType::Enum { .. }) => put(&u.to_string()),
        other => Err(ErrorKind::Unsupported {
            value: kind_name(other),
            target: ty.sql_name(),
        }),
    }
}

fn pg_days(d: Date) -> Result<i32, ErrorKind> {
    let days = d
        .days_since_epoch()
        .ok_or_else(|| ErrorKind::Invalid(format!("{d} is not a calendar date")))?;
    i32::try_from(days - PG_EPOCH_DAYS)
        .map_err(|_| ErrorKind::Invalid(format!("{d} is out of range for date")))
}

/// Microseconds from 2000-01-01 of a wall-clock time, `None` for a zero or partly-zero date.
fn datetime_micros(dt: &DateTime) -> Result<Option<i64>, ErrorKind> {
    if dt.date == cdc_model::Date::INFINITY {
        return Ok(Some(i64::MAX));
    }
    if dt.date == cdc_model::Date::NEG_INFINITY {
        return Ok(Some(i64::MIN));
    }
    if dt.date.month == 0 || dt.date.day == 0 {
        return Ok(None);
    }
    let m = dt
        .to_unix_micros()
        .ok_or_else(|| ErrorKind::Invalid(format!("{dt} is not a calendar date and time")))?;
    m.checked_sub(PG_EPOCH_MICROS)
        .map(Some)
        .ok_or_else(|| ErrorKind::Invalid(format!("{dt} is out of range")))
}

fn timestamp_micros(ts: Timestamp) -> Result<i64, ErrorKind> {
    if ts == Timestamp::INFINITY {
        return Ok(i64::MAX);
    }
    if ts == Timestamp::NEG_INFINITY {
        return Ok(i64::MIN);
    }
    ts.unix_micros()
        .checked_sub(PG_EPOCH_MICROS)
        .ok_or_else(|| ErrorKind::Invalid(format!("{ts} is out of range")))
}

/// `numeric`'s binary form: digit count, weight, sign, display scale, base-10000 digits.
fn numeric(d: &Decimal, out: &mut BytesMut) -> Result<(), ErrorKind> {
    let special = |out: &mut BytesMut, sign: u16| {
        out.put_i16(0);
        out.put_i16(0);
        out.put_u16(sign);
        out.put_u16(0);
    };
    if d.is_nan() {
        special(out, 0xC000);
        return Ok(());
    }
    if d.is_infinite() {
        special(
            out,
            if *d == Decimal::NEG_INFINITY {
                0xF000
            } else {
                0xD000
            },
        );
        return Ok(());
    }
    let digits = d.digits().as_bytes();
    let scale = usize::from(d.scale());
    if scale > 0x3FFF {
        return Err(ErrorKind::Invalid(format!(
            "numeric scale {scale} is over PostgreSQL's 16383"
        )));
    }
    // Decimal digits of the integer part and of the fraction (the fraction left-padded with
    // the zeros the scale implies).
    let int_len = digits.len().saturating_sub(scale);
    let frac_zeros = scale.saturating_sub(digits.len());
    let int_pad = (4 - int_len % 4) % 4;
    let frac_len = scale;
    let frac_pad = (4 - frac_len % 4) % 4;
    let total = int_pad + int_len + frac_len + frac_pad;
    let digit = |pos: usize| -> i16 {
        // pos indexes the padded sequence: int_pad zeros, integer digits, fraction zeros,
        // digits, frac_pad zeros.
        let p = pos.wrapping_sub(int_pad);
        if pos < int_pad {
            return 0;
        }
        let in_digits = if p < int_len {
            Some(p)
        } else {
            let f = p - int_len;
            if f < frac_zeros || f >= frac_len {
                None
            } else {
                Some(int_len + f - frac_zeros)
            }
        };
        in_digits
            .and_then(|i| digits.get(i))
            .map_or(0, |b| i16::from(b - b'0'))
    };
    let mut groups: Vec<i16> = (0..total / 4)
        .map(|g| {
            let b = g * 4;
            digit(b) * 1000 + digit(b + 1) * 100 + digit(b + 2) * 10 + digit(b + 3)
        })
        .collect();
    let mut weight = ((int_pad + int_len) / 4) as i64 - 1;
    let lead = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..lead);
    weight -= lead as i64;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let weight = i16::try_from(weight)
        .map_err(|_| ErrorKind::Invalid(format!("{d} is out of range for numeric")))?;
    let n = i16::try_from(groups.len())
        .map_err(|_| ErrorKind::Invalid(format!("{d} has too many digits for numeric")))?;
    out.put_i16(n);
    out.put_i16(weight);
    out.put_u16(if d.is_negative() && n > 0 { 0x4000 } else { 0 });
    out.put_u16(scale as u16);
    for g in groups {
        out.put_i16(g);
    }
    Ok(())
}

/// `bit`/`varbit`: bit count, then the bits left-aligned (the model right-aligns them).
fn bit(b: &BitString, out: &mut BytesMut) -> Result<(), ErrorKind> {
    let len = i32::try_from(b.len).map_err(|_| ErrorKind::Invalid("bit string too long".into()))?;
    out.put_i32(len);
    let mut bytes = vec![0u8; (b.len as usize).div_ceil(8)];
    for i in 0..b.len {
        match b.bit(i) {
            Some(true) => {
                if let Some(byte) = bytes.get_mut((i / 8) as usize) {
                    *byte |= 0x80 >> (i % 8);
                }
            }
            Some(false) => {}
            None => {
                return Err(ErrorKind::Invalid(format!(
                    "bit string of {} bits has only {} bytes",
                    b.len,
                    b.bytes.len()
                )));
            }
        }
    }
    out.extend_from_slice(&bytes);
    Ok(())
}

/// PostGIS extended WKB: the WKB with the SRID flag and the SRID after the type, in the WKB's
/// own byte order (plain WKB when the SRID is 0).
fn ewkb(srid: u32, wkb: &[u8], out: &mut BytesMut) -> Result<(), ErrorKind> {
    if srid == 0 {
        out.extend_from_slice(wkb);
        return Ok(());
    }
    let (Some(&order), Some(ty), Some(rest)) = (wkb.first(), wkb.get(1..5), wkb.get(5..)) else {
        return Err(ErrorKind::Invalid("WKB shorter than 5 bytes".into()));
    };
    let mut t = [0u8; 4];
    t.copy_from_slice(ty);
    let little = match order {
        0 => false,
        1 => true,
        _ => return Err(ErrorKind::Invalid(format!("bad WKB byte order {order}"))),
    };
    let ty = if little {
        u32::from_le_bytes(t)
    } else {
        u32::from_be_bytes(t)
    } | 0x2000_0000;
    out.put_u8(order);
    if little {
        out.put_u32_le(ty);
        out.put_u32_le(srid);
    } else {
        out.put_u32(ty);
        out.put_u32(srid);
    }
    out.extend_from_slice(rest);
    Ok(())
}

fn array(
    a: &Array,
    elem: &PgType,
    options: &PgOptions,
    out: &mut BytesMut,
) -> Result<(), ErrorKind> {
    let oid = elem.oid().ok_or_else(|| {
        ErrorKind::Invalid(format!(
            "arrays of {} need the element type's OID",
            elem.sql_name()
        ))
    })?;
    let count = a
        .dims
        .iter()
        .try_fold(1usize, |n, d| n.checked_mul(d.len as usize));
    let count = if a.dims.is_empty() { Some(0) } else { count };
    if count != Some(a.elements.len()) {
        return Err(ErrorKind::Invalid(format!(
            "array dimensions do not match its {} elements",
            a.elements.len()
        )));
    }
    let ndim =
        i32::try_from(a.dims.len()).map_err(|_| ErrorKind::Invalid("too many dims".into()))?;
    out.put_i32(ndim);
    let flags_at = out.len();
    out.put_i32(0);
    out.put_u32(oid);
    for d in &a.dims {
        out.put_i32(i32::try_from(d.len).map_err(|_| ErrorKind::Invalid("array too long".into()))?);
        out.put_i32(d.lower_bound);
    }
    let mut has_null = false;
    for e in &a.elements {
        has_null |= !encode_field(e, elem, options, out)?;
    }
    if has_null && let Some(slot) = out.get_mut(flags_at..flags_at + 4) {
        slot.copy_from_slice(&1i32.to_be_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Vec<u8> {
        let mut out = BytesMut::new();
        numeric(&s.parse().unwrap(), &mut out).unwrap();
        out.to_vec()
    }

    fn be(parts: &[i16]) -> Vec<u8> {
        parts.iter().flat_map(|p| p.to_be_bytes()).collect()
    }

    #[test]
    fn numeric_groups_align_at_the_decimal_point() {
        // ndigits, weight, sign, dscale, digits
        assert_eq!(num("0.05"), be(&[1, -1, 0, 2, 500]));
        assert_eq!(num("-12345678.9"), be(&[3, 1, 0x4000, 1, 1234, 5678, 9000]));
        assert_eq!(num("10000"), be(&[1, 1, 0, 0, 1]));
        assert_eq!(num("0.00"), be(&[0, 0, 0, 2]));
        assert_eq!(num("0.000000001"), be(&[1, -3, 0, 9, 1000]));
        assert_eq!(num("NaN"), be(&[0, 0, 0xC000u16 as i16, 0]));
        assert_eq!(num("-Infinity"), be(&[0, 0, 0xF000u16 as i16, 0]));
    }

    #[test]
    fn bit_strings_are_left_aligned() {
        let mut out = BytesMut::new();
        bit(&BitString::from_u64(0b1_0000_0001, 9), &mut out).unwrap();
        assert_eq!(&out[..], &[0, 0, 0, 9, 0b1000_0000, 0b1000_0000]);
    }

    #[test]
    fn out_of_range_integers_and_inexact_floats_are_errors() {
        let o = PgOptions::default();
        let mut out = BytesMut::new();
        assert!(matches!(
            encode(&Value::UInt(40_000), &PgType::Int2, &o, &mut out),
            Err(ErrorKind::Invalid(_))
        ));
        assert!(encode(&Value::Double(0.1), &PgType::Float4, &o, &mut out).is_err());
        assert!(encode(&Value::Double(0.5), &PgType::Float4, &o, &mut out).unwrap());
        assert!(
            !encode(
                &Value::Date(Date::ZERO),
                &PgType::Date,
                &PgOptions::default(),
                &mut out
            )
            .unwrap()
        );
        let strict = PgOptions {
            zero_dates: ZeroDates::Error,
            ..PgOptions::default()
        };
        assert!(encode(&Value::Date(Date::ZERO), &PgType::Date, &strict, &mut out).is_err());
    }
}
