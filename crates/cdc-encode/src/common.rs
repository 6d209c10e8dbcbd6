//! What the encoders share: errors, the encoded [`Message`] every format returns, MySQL type
//! knowledge derived from [`ColumnType`], and the source's text form of a [`Value`].
//!
//! # MySQL type knowledge (to be replaced by `cdc-typemap`)
//!
//! DTS Avro needs the MySQL binlog type code of every column, Canal JSON its declared type
//! (`mysqlType`) and a `java.sql.Types` code (`sqlType`). Until the workspace's type-mapping
//! crate exists they are derived here, in one place, from [`ColumnType`]:
//!
//! | [`ColumnType`] | [`mysql_type_code`] | [`java_sql_type`] |
//! |---|---|---|
//! | `Bool` | 1 `TINY` | 16 `BOOLEAN` |
//! | `TinyInt` | 1 `TINY` | -6 `TINYINT` |
//! | `SmallInt` | 2 `SHORT` | 5 `SMALLINT` |
//! | `MediumInt` | 9 `INT24` | 4 `INTEGER` |
//! | `Int` | 3 `LONG` | 4 `INTEGER` (unsigned: -5 `BIGINT`) |
//! | `BigInt` | 8 `LONGLONG` | -5 `BIGINT` (unsigned: 3 `DECIMAL`) |
//! | `Float` | 4 `FLOAT` | 7 `REAL` |
//! | `Double` | 5 `DOUBLE` | 8 `DOUBLE` |
//! | `Decimal` | 246 `NEWDECIMAL` | 3 `DECIMAL` |
//! | `Year` | 13 `YEAR` | 12 `VARCHAR` |
//! | `Date` | 10 `DATE` | 91 `DATE` |
//! | `Time` | 19 `TIME2` | 92 `TIME` |
//! | `DateTime` | 18 `DATETIME2` | 93 `TIMESTAMP` |
//! | `Timestamp` | 17 `TIMESTAMP2` | 93 `TIMESTAMP` |
//! | `Char` | 254 `STRING` | 1 `CHAR` |
//! | `VarChar` | 15 `VARCHAR` | 12 `VARCHAR` |
//! | `Text` | 252 `BLOB` | 2005 `CLOB` |
//! | `Binary` | 254 `STRING` | -2 `BINARY` |
//! | `VarBinary` | 15 `VARCHAR` | -3 `VARBINARY` |
//! | `Blob` | 252 `BLOB` | 2004 `BLOB` |
//! | `Bit` | 16 `BIT` | -7 `BIT` |
//! | `Enum` | 247 `ENUM` | 4 `INTEGER` |
//! | `Set` | 248 `SET` | -7 `BIT` |
//! | `Json`, `Jsonb` | 245 `JSON` | 12 `VARCHAR` |
//! | `Geometry` | 255 `GEOMETRY` | -2 `BINARY` |
//! | `Vector` | 242 `VECTOR` | -4 `LONGVARBINARY` |
//! | `Domain` | as its base type | as its base type |
//! | every other PostgreSQL-only type | 253 `VAR_STRING` | 12 `VARCHAR` (`Array`: 2003 `ARRAY`) |
//!
//! The temporal codes are the ones MySQL 5.6+ and MariaDB 10.1+ write in their binlogs for
//! columns created by them (`TIME2`/`DATETIME2`/`TIMESTAMP2`), `DATE` is 10 as in a binlog's
//! table map (never the internal `NEWDATE` 14). The `sqlType` codes follow Canal's MySQL
//! mapping.
//!
//! # Text form of values
//!
//! [`value_text`] renders a value the way the source's own client prints it; Canal JSON uses it
//! for every value and the Kafka layer for keys. The rules:
//!
//! - integers in decimal; `BIT` as the unsigned integer of its bits; PostgreSQL `boolean` as
//!   `true`/`false`;
//! - `FLOAT`/`DOUBLE` as the shortest decimal that reads back to the same float, never with an
//!   exponent (`5.3`, `100000000000000000000`); `NaN`, `Infinity`, `-Infinity`;
//! - `DECIMAL` with exactly its digits and scale (`1.50`);
//! - `YEAR` as four digits (`0000` for the zero year);
//! - `DATE` as `YYYY-MM-DD`; `TIME` as `[-]HH:MM:SS`; `DATETIME` as `YYYY-MM-DD HH:MM:SS`; all
//!   with as many fraction digits as the column's declared precision (six, only when non-zero,
//!   when the column does not say); zero dates as MySQL prints them (`0000-00-00 00:00:00`);
//! - `TIMESTAMP` as its UTC date and time, formatted like `DATETIME`;
//! - text converted to UTF-8 from its character set (U+FFFD for what cannot be converted);
//! - binary data, and geometry (MySQL's internal form: 4-byte little-endian SRID then WKB), in
//!   the caller's [`BinaryText`] style;
//! - `ENUM` as its label (its 1-based index when the label is unknown); `SET` as its labels
//!   joined by `,` (the decimal bitmap when unknown); JSON as its text;
//! - PostgreSQL types as PostgreSQL prints them (`uuid`, `inet`, `interval` in ISO 8601,
//!   `money` as units with two decimals, arrays as `{a,b}`), MAC addresses as `08:00:2b:01:02:03`;
//!   `VECTOR` as `[1,2.5]`.
//!
//! A partial JSON update ([`Value::JsonPatch`]) has no text form: it is an
//! [`EncodeErrorKind::Unrepresentable`]. [`Value::Unchanged`] has none either; each format says how
//! it shows a column the source did not send.

use std::fmt::Write as _;

use cdc_model::{Column, ColumnType, TableId, TableSchema, Value};

/// An encoding failure: what could not be encoded, and where. [`EncodeError::kind`] tells
/// which failure it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct EncodeError(Box<EncodeErrorKind>);

impl EncodeError {
    /// Which failure this is, with its details.
    pub fn kind(&self) -> &EncodeErrorKind {
        &self.0
    }
}

impl From<EncodeErrorKind> for EncodeError {
    fn from(k: EncodeErrorKind) -> Self {
        EncodeError(Box::new(k))
    }
}

/// The kinds of [`EncodeError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeErrorKind {
    /// The value has no representation in the target format (e.g. a partial JSON update, a
    /// PostgreSQL infinity in a DTS `Timestamp`).
    #[error("{format}: {table}.{column}: cannot encode {what}")]
    Unrepresentable {
        /// The target format.
        format: &'static str,
        /// The table.
        table: TableId,
        /// The column.
        column: String,
        /// What could not be encoded.
        what: String,
    },
    /// A value does not belong to its column's type class.
    #[error("{format}: {table}.{column}: a {value_kind} value in a column of type {column_type}")]
    TypeMismatch {
        /// The target format.
        format: &'static str,
        /// The table.
        table: TableId,
        /// The column.
        column: String,
        /// The column's type.
        column_type: String,
        /// The kind of value found.
        value_kind: &'static str,
    },
    /// A row image does not have one value per column of its table.
    #[error("{format}: {table}: row image has {values} values for {columns} columns")]
    RowWidth {
        /// The target format.
        format: &'static str,
        /// The table.
        table: TableId,
        /// Values in the image.
        values: usize,
        /// Columns in the schema.
        columns: usize,
    },
}

/// What an encoded message is about, so the Kafka layer can pick its topic and partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKind {
    /// A row change (or a truncate) of `table`.
    Row {
        /// The table.
        table: TableId,
    },
    /// A Debezium tombstone for a deleted row of `table` (the value is `None`).
    Tombstone {
        /// The table.
        table: TableId,
    },
    /// A schema change; `table` when the statement names one.
    Ddl {
        /// The schema (database) the statement ran in.
        schema: Option<String>,
    },
    /// Transaction boundary (BEGIN/COMMIT records, Debezium transaction metadata).
    Transaction,
    /// A heartbeat.
    Heartbeat,
}

/// One encoded message: what every format encoder returns, ready for a file or for
/// [`crate::kafka`] routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// What the message is about.
    pub kind: MessageKind,
    /// The format's key (Debezium's key document), when the format defines one.
    pub key: Option<Vec<u8>>,
    /// The row identity as text values of the identity columns (primary key, else the first
    /// not-null unique key) of the row the message is about; empty when there is none. The
    /// Kafka layer hashes it for key-based partitioning.
    pub identity: Vec<String>,
    /// The payload; `None` for a tombstone.
    pub value: Option<Vec<u8>>,
    /// Format-specific headers (name, value).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The source position of the event, as text.
    pub position: String,
    /// The event's commit time in milliseconds since the Unix epoch, when known.
    pub timestamp_ms: Option<i64>,
}

/// The MySQL binlog column type code for a column type (see the module table).
pub fn mysql_type_code(ty: &ColumnType) -> u8 {
    match ty {
        ColumnType::Bool | ColumnType::TinyInt { .. } => 1,
        ColumnType::SmallInt { .. } => 2,
        ColumnType::MediumInt { .. } => 9,
        ColumnType::Int { .. } => 3,
        ColumnType::BigInt { .. } => 8,
        ColumnType::Float => 4,
        ColumnType::Double => 5,
        ColumnType::Decimal { .. } => 246,
        ColumnType::Year => 13,
        ColumnType::Date => 10,
        ColumnType::Time { .. } => 19,
        ColumnType::DateTime { .. } => 18,
        ColumnType::Timestamp { .. } => 17,
        ColumnType::Char { .. } | ColumnType::Binary { .. } => 254,
        ColumnType::VarChar { .. } | ColumnType::VarBinary { .. } => 15,
        ColumnType::Text { .. } | ColumnType::Blob { .. } => 252,
        ColumnType::Bit { .. } => 16,
        ColumnType::Enum { .. } => 247,
        ColumnType::Set { .. } => 248,
        ColumnType::Json | ColumnType::Jsonb => 245,
        ColumnType::Geometry { .. } => 255,
        ColumnType::Vector { .. } => 242,
        ColumnType::Domain { base, .. } => mysql_type_code(base),
        ColumnType::TimeTz { .. }
        | ColumnType::Interval
        | ColumnType::Uuid
        | ColumnType::Inet
        | ColumnType::Cidr
        | ColumnType::MacAddr
        | ColumnType::MacAddr8
        | ColumnType::Money
        | ColumnType::Array { .. }
        | ColumnType::Other { .. } => 253,
    }
}

/// The `java.sql.Types` code Canal reports for a column type (see the module table).
pub fn java_sql_type(ty: &ColumnType) -> i32 {
    match ty {
        ColumnType::Bool => 16,
        ColumnType::TinyInt { .. } => -6,
        ColumnType::SmallInt { .. } => 5,
        ColumnType::MediumInt { .. } => 4,
        ColumnType::Int { unsigned: false } => 4,
        ColumnType::Int { unsigned: true } => -5,
        ColumnType::BigInt { unsigned: false } => -5,
        ColumnType::BigInt { unsigned: true } => 3,
        ColumnType::Float => 7,
        ColumnType::Double => 8,
        ColumnType::Decimal { .. } => 3,
        ColumnType::Year => 12,
        ColumnType::Date => 91,
        ColumnType::Time { .. } => 92,
        ColumnType::DateTime { .. } | ColumnType::Timestamp { .. } => 93,
        ColumnType::Char { .. } => 1,
        ColumnType::VarChar { .. } => 12,
        ColumnType::Text { .. } => 2005,
        ColumnType::Binary { .. } => -2,
        ColumnType::VarBinary { .. } => -3,
        ColumnType::Blob { .. } => 2004,
        ColumnType::Bit { .. } => -7,
        ColumnType::Enum { .. } => 4,
        ColumnType::Set { .. } => -7,
        ColumnType::Json | ColumnType::Jsonb => 12,
        ColumnType::Geometry { .. } => -2,
        ColumnType::Vector { .. } => -4,
        ColumnType::Array { .. } => 2003,
        ColumnType::Domain { base, .. } => java_sql_type(base),
        ColumnType::TimeTz { .. }
        | ColumnType::Interval
        | ColumnType::Uuid
        | ColumnType::Inet
        | ColumnType::Cidr
        | ColumnType::MacAddr
        | ColumnType::MacAddr8
        | ColumnType::Money
        | ColumnType::Other { .. } => 12,
    }
}

/// The column's declared type as the source spells it: [`Column::native_type`] when the
/// source's catalog gave one (`int(11)`), else the model's MySQL-like spelling
/// (`varchar(255)`, `enum('red','white')`, `bigint unsigned`).
pub fn declared_type(column: &Column) -> String {
    match &column.native_type {
        Some(t) => t.clone(),
        None => column.ty.to_string(),
    }
}

/// How [`value_text`] renders binary data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryText {
    /// Each byte as the character of the same number (ISO-8859-1), as Canal does.
    Latin1,
    /// Lower-case hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// The identity columns of a table: the primary key, else the first unique key whose columns
/// are all `NOT NULL` (see [`TableSchema::identity_columns`]).
pub fn identity_columns(table: &TableSchema) -> Vec<usize> {
    table.identity_columns().unwrap_or_default()
}

/// Checks that a row image has one value per column.
pub(crate) fn check_width(
    format: &'static str,
    table: &TableSchema,
    values: &[Value],
) -> Result<(), EncodeError> {
    if values.len() == table.columns.len() {
        Ok(())
    } else {
        Err(EncodeErrorKind::RowWidth {
            format,
            table: table.id.clone(),
            values: values.len(),
            columns: table.columns.len(),
        }
        .into())
    }
}

/// The text values of the identity columns of a row (columns the row lacks or did not send are
/// skipped; SQL NULL is the empty string).
pub(crate) fn identity_text(
    format: &'static str,
    table: &TableSchema,
    values: &[Value],
) -> Result<Vec<String>, EncodeError> {
    let mut out = Vec::new();
    for i in identity_columns(table) {
        if let (Some(col), Some(v)) = (table.columns.get(i), values.get(i)) {
            match value_text(v, &col.ty, BinaryText::Hex) {
                Ok(Some(t)) => out.push(t),
                Ok(None) => out.push(String::new()),
                Err(what) => return Err(unrepresentable(format, table, col, what)),
            }
        }
    }
    Ok(out)
}

pub(crate) fn unrepresentable(
    format: &'static str,
    table: &TableSchema,
    column: &Column,
    what: impl Into<String>,
) -> EncodeError {
    EncodeErrorKind::Unrepresentable {
        format,
        table: table.id.clone(),
        column: column.name.clone(),
        what: what.into(),
    }
    .into()
}

pub(crate) fn mismatch(
    format: &'static str,
    table: &TableSchema,
    column: &Column,
    value: &Value,
) -> EncodeError {
    EncodeErrorKind::TypeMismatch {
        format,
        table: table.id.clone(),
        column: column.name.clone(),
        column_type: column.ty.to_string(),
        value_kind: value_kind(value),
    }
    .into()
}

/// A short name of a value's variant, for error messages.
pub fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unchanged => "unchanged",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
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
        Value::Bytes(_) => "bytes",
        Value::Bit(_) => "bit",
        Value::Enum(_) => "enum",
        Value::Set(_) => "set",
        Value::Json(_) => "json",
        Value::JsonPatch(_) => "json patch",
        Value::Geometry(_) => "geometry",
        Value::Uuid(_) => "uuid",
        Value::Inet(_) => "inet",
        Value::MacAddr(_) => "macaddr",
        Value::Money(_) => "money",
        Value::Vector(_) => "vector",
        Value::Array(_) => "array",
    }
}

/// The declared fractional-second precision of a temporal column type.
pub(crate) fn temporal_precision(ty: &ColumnType) -> Option<u8> {
    match ty {
        ColumnType::Time { precision }
        | ColumnType::TimeTz { precision }
        | ColumnType::DateTime { precision }
        | ColumnType::Timestamp { precision } => *precision,
        ColumnType::Domain { base, .. } => temporal_precision(base),
        _ => None,
    }
}

/// Appends `.ffffff` cut to `precision` digits (nothing for 0; when `precision` is unknown, six
/// digits only when the fraction is non-zero).
pub(crate) fn push_fraction(out: &mut String, micros: u32, precision: Option<u8>) {
    match precision {
        Some(0) => {}
        Some(p) => {
            let p = u32::from(p.min(6));
            let v = micros / 10u32.pow(6 - p);
            let _ = write!(out, ".{v:0width$}", width = p as usize);
        }
        None if micros != 0 => {
            let _ = write!(out, ".{micros:06}");
        }
        None => {}
    }
}

/// MySQL's internal geometry bytes: 4-byte little-endian SRID, then WKB.
pub(crate) fn mysql_geometry_bytes(g: &cdc_model::Geometry) -> Vec<u8> {
    let mut v = Vec::with_capacity(4 + g.wkb.len());
    v.extend_from_slice(&g.srid.to_le_bytes());
    v.extend_from_slice(&g.wkb);
    v
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |i: u32| char::from(ALPHABET.get((i & 63) as usize).copied().unwrap_or(b'='));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk.first().copied().unwrap_or(0));
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let n = (b0 << 16) | (b1 << 8) | b2;
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}

fn binary_text(bytes: &[u8], style: BinaryText) -> String {
    match style {
        BinaryText::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
        BinaryText::Hex => {
            let mut s = String::with_capacity(bytes.len() * 2);
            for b in bytes {
                let _ = write!(s, "{b:02x}");
            }
            s
        }
        BinaryText::Base64 => base64(bytes),
    }
}

/// Shortest round-trip text of a float, never with an exponent; `NaN`, `Infinity`, `-Infinity`.
pub(crate) fn float_text(v: f64, single: bool) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if single {
        #[allow(clippy::cast_possible_truncation)]
        let f = v as f32;
        format!("{f}")
    } else {
        format!("{v}")
    }
}

/// The source's text form of `value` in a column of type `ty` (module docs list the rules).
/// `Ok(None)` for SQL NULL; `Err` with a description for values that have no text form
/// ([`Value::Unchanged`], [`Value::JsonPatch`]).
pub fn value_text(
    value: &Value,
    ty: &ColumnType,
    binary: BinaryText,
) -> Result<Option<String>, String> {
    let s = match value {
        Value::Null => return Ok(None),
        Value::Unchanged => return Err("a value the source did not send".to_owned()),
        Value::JsonPatch(_) => {
            return Err("a partial JSON update without its old document".to_owned());
        }
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Int(v) => v.to_string(),
        Value::UInt(v) => v.to_string(),
        Value::Float(v) => float_text(f64::from(*v), true),
        Value::Double(v) => float_text(*v, false),
        Value::Decimal(d) => d.to_string(),
        Value::Year(y) => format!("{y:04}"),
        Value::Date(d) => d.to_string(),
        Value::Time(t) => {
            let mut s = String::with_capacity(16);
            if t.negative {
                s.push('-');
            }
            let _ = write!(s, "{:02}:{:02}:{:02}", t.hours, t.minutes, t.seconds);
            push_fraction(&mut s, t.micros, temporal_precision(ty));
            s
        }
        Value::DateTime(dt) => datetime_text(dt, temporal_precision(ty)),
        Value::Timestamp(ts) => {
            if ts.is_zero() {
                let mut s = "0000-00-00 00:00:00".to_owned();
                push_fraction(&mut s, 0, temporal_precision(ty));
                s
            } else {
                datetime_text(&ts.to_utc(), temporal_precision(ty))
            }
        }
        Value::TimeTz(t) => t.to_string(),
        Value::Interval(i) => i.to_string(),
        Value::Text(t) => t.to_utf8_lossy().into_owned(),
        Value::Bytes(b) => binary_text(b, binary),
        Value::Bit(b) => match b.to_u64() {
            Some(v) => v.to_string(),
            None => b.to_string(),
        },
        Value::Enum(e) => match (&e.label, e.index) {
            (Some(l), _) => l.clone(),
            (None, Some(i)) => i.to_string(),
            (None, None) => String::new(),
        },
        Value::Set(s) => match &s.labels {
            Some(l) => l.join(","),
            None => s.bits.to_string(),
        },
        Value::Json(j) => j.clone(),
        Value::Geometry(g) => binary_text(&mysql_geometry_bytes(g), binary),
        Value::Uuid(u) => u.to_string(),
        Value::Inet(i) => i.to_string(),
        Value::MacAddr(m) => {
            let mut s = String::with_capacity(m.len() * 3);
            for (i, b) in m.iter().enumerate() {
                if i > 0 {
                    s.push(':');
                }
                let _ = write!(s, "{b:02x}");
            }
            s
        }
        Value::Money(cents) => {
            let sign = if *cents < 0 { "-" } else { "" };
            let abs = cents.unsigned_abs();
            format!("{sign}{}.{:02}", abs / 100, abs % 100)
        }
        Value::Vector(v) => {
            let mut s = String::from("[");
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(&float_text(f64::from(*x), true));
            }
            s.push(']');
            s
        }
        Value::Array(_) => value.to_string(),
    };
    Ok(Some(s))
}

fn datetime_text(dt: &cdc_model::DateTime, precision: Option<u8>) -> String {
    if dt.date.is_infinite() {
        return dt.date.to_string();
    }
    let mut s = String::with_capacity(26);
    let _ = write!(
        s,
        "{} {:02}:{:02}:{:02}",
        dt.date, dt.hour, dt.minute, dt.second
    );
    push_fraction(&mut s, dt.micros, precision);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn fractions_follow_declared_precision() {
        let ty = ColumnType::DateTime { precision: Some(3) };
        let v = Value::DateTime("2024-01-02 03:04:05.123456".parse().unwrap());
        assert_eq!(
            value_text(&v, &ty, BinaryText::Hex).unwrap().unwrap(),
            "2024-01-02 03:04:05.123"
        );
        let ty0 = ColumnType::DateTime { precision: Some(0) };
        assert_eq!(
            value_text(&v, &ty0, BinaryText::Hex).unwrap().unwrap(),
            "2024-01-02 03:04:05"
        );
        let t = Value::Time("-01:02:03.5".parse().unwrap());
        let tt = ColumnType::Time { precision: Some(2) };
        assert_eq!(
            value_text(&t, &tt, BinaryText::Hex).unwrap().unwrap(),
            "-01:02:03.50"
        );
    }

    #[test]
    fn floats_print_shortest_without_exponent() {
        assert_eq!(float_text(f64::from(5.3f32), true), "5.3");
        assert_eq!(float_text(1e20, false), "100000000000000000000");
        assert_eq!(float_text(f64::NAN, false), "NaN");
    }
}
