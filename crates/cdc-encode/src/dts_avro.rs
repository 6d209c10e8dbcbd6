//! DTS Avro: the record format of Alibaba Cloud DTS subscriptions (schema namespace
//! `com.alibaba.dts.formats.avro`, [`DTS_RECORD_SCHEMA`]).
//!
//! Each [`ChangeEvent`] becomes one schemaless Avro binary `Record` (no magic byte, no schema
//! id), written directly by a small Avro binary writer: zig-zag varints for `int`/`long`,
//! length-prefixed `string`/`bytes`, unions as their branch index, arrays and maps as one
//! block followed by the end marker `0`. `cdc-benches` checks these bytes equal what the
//! `apache-avro` crate writes for the same record, and the tests decode them with Python's
//! `fastavro`.
//!
//! ```
//! use std::sync::Arc;
//! use cdc_model::*;
//! use cdc_encode::dts_avro::{DtsAvroEncoder, DtsAvroOptions};
//!
//! let t = Arc::new(TableSchema::new(
//!     TableId::new("shop", "orders"),
//!     vec![Column::new("id", ColumnType::Int { unsigned: false }).not_null()],
//! ));
//! let event = ChangeEvent {
//!     position: "mysql-bin.000003:154".parse()?,
//!     txn: None,
//!     commit_time: Some(Timestamp::from_unix_parts(1_700_000_000, 0)),
//!     change: Change::Insert { table: t, after: RowImage::new(vec![Value::Int(7)]) },
//! };
//! let mut enc = DtsAvroEncoder::new(DtsAvroOptions::default());
//! let mut buf = Vec::new();
//! enc.encode_into(&event, &mut buf).unwrap();
//! assert_eq!(buf[0], 0); // version 0 as a zig-zag varint
//! # Ok::<(), cdc_model::ParseError>(())
//! ```
//!
//! # Record fields
//!
//! | field | value |
//! |---|---|
//! | `version` | [`DtsAvroOptions::version`] (default 0) |
//! | `id` | a counter per encoder, from [`DtsAvroOptions::first_id`], one per record |
//! | `sourceTimestamp` | commit time in whole seconds (0 when unknown) |
//! | `sourcePosition` | the event's [`SourcePosition`] text (`mysql-bin.000003:154`, a GTID set, `16/B374D848`) |
//! | `safeSourcePosition` | where a consumer may restart without losing this record: the position of the BEGIN of the record's transaction, or the record's own position outside a transaction |
//! | `sourceTxid` | the transaction id's text (`0-1-7`, a MySQL GTID, a PostgreSQL xid), `""` when unknown |
//! | `source` | [`DtsAvroOptions::source_type`] (by default PostgreSQL for LSN positions, else MySQL) and [`DtsAvroOptions::source_version`] |
//! | `operation` | INSERT, UPDATE, DELETE, DDL (also for truncates), BEGIN, COMMIT, HEARTBEAT |
//! | `objectName` | `db.table` for row changes; for DDL the statement's schema (`null` when unknown); `null` for BEGIN/COMMIT/HEARTBEAT |
//! | `processTimestamps` | `null` |
//! | `tags` | `pk_uk_info` for row changes: a JSON object from key name (`PRIMARY` for the primary key) to its column names, e.g. `{"PRIMARY":["id"],"uk_email":["email"]}`; empty map otherwise |
//! | `fields` | row changes: every column as `{name, dataTypeNumber}` with the MySQL type code of [`crate::common::mysql_type_code`]; `null` otherwise |
//! | `beforeImages` | UPDATE/DELETE: one value per column; `null` for INSERT and for an UPDATE whose source sent no old image |
//! | `afterImages` | INSERT/UPDATE: one value per column; DDL: the statement as a `string`; `null` otherwise |
//! | `bornTimestamp` | commit time in milliseconds (0 when unknown) |
//!
//! A truncate becomes a DDL record whose statement is `TRUNCATE TABLE `db`.`t`[, ...]`
//! (with PostgreSQL's `CASCADE`/`RESTART IDENTITY` when set); its `objectName` is the table
//! when there is one, else `null`.
//!
//! # Values
//!
//! The union branch is chosen by the column's MySQL type code:
//!
//! | codes | branch | content |
//! |---|---|---|
//! | 1, 2, 3, 8, 9, 16 | `Integer` | `value`: the decimal text (`BIT`: its unsigned integer; PostgreSQL boolean: `1`/`0`); `precision`: the type's largest number of decimal digits (3, 5, 7 or 8 unsigned, 10, 19 or 20 unsigned; `BIT(n)`: n; boolean: 1) |
//! | 4, 5 | `Float` | `value`; `precision` 12 (`FLOAT`) or 22 (`DOUBLE`) and `scale` 31, as MySQL's result-set metadata reports floats without a fixed scale |
//! | 0, 246 | `Decimal` | `value`: the exact digits with their scale; `precision`/`scale` declared (from the value when the column does not declare them) |
//! | 7, 17 | `Timestamp` | `timestamp`: seconds since the epoch; `millis`: the sub-second part **in microseconds** (0..=999999), so `TIMESTAMP(6)` survives; MySQL's zero timestamp is `{0, 0}` |
//! | 10–14, 18, 19 | `DateTime` | the fields the type has, others `null`: DATE year/month/day; YEAR year; DATETIME all; TIME hour/minute/second/millis. `millis` is again microseconds. A negative TIME carries its sign on its first non-zero field (`-01:30:00` is hour −1, minute 30). Zero dates are zeros. |
//! | 15, 253, 254 | `Character` | `charset`: the column's (else the text's) MySQL charset name, `binary` for `BINARY`/`VARBINARY`; `value`: the source's bytes unconverted. PostgreSQL-only types are their text form, charset `utf8mb4` |
//! | 249–252, 242 | `BinaryObject` | `type`: the type name upper-cased (`BLOB`, `MEDIUMTEXT`, `BYTEA`, `VECTOR`); `value`: the bytes (text unconverted; a vector as little-endian floats) |
//! | 245, 247, 248 | `TextObject` | `type` `JSON`/`ENUM`/`SET`; `value`: the JSON text, the enum label, the set's labels joined by `,` |
//! | 255 | `BinaryGeometry` | `type`: the geometry kind upper-cased (`POINT`); `value`: MySQL's internal form, 4-byte little-endian SRID then WKB |
//!
//! SQL NULL is the union's `null`; a column the source did not send ([`Value::Unchanged`]) is
//! `EmptyObject` `NONE`. Values outside their column's class are an
//! [`EncodeErrorKind::TypeMismatch`](crate::common::EncodeErrorKind::TypeMismatch); values the record cannot hold (PostgreSQL infinities, partial
//! JSON updates) are an [`EncodeErrorKind::Unrepresentable`](crate::common::EncodeErrorKind::Unrepresentable). `TimestampWithTimeZone` and
//! `TextGeometry` are never written.

use std::borrow::Cow;
use std::fmt::Write as _;

use cdc_model::{Change, ChangeEvent, Column, ColumnType, SourcePosition, TableSchema, Value};

use crate::common::{
    self, BinaryText, EncodeError, Message, MessageKind, mismatch, mysql_type_code, unrepresentable,
};

const FORMAT: &str = "dts-avro";

/// The published DTS Avro schema (`dts_record.avsc`): a JSON list of named types whose last
/// entry is `com.alibaba.dts.formats.avro.Record`.
pub const DTS_RECORD_SCHEMA: &str = include_str!("../schema/dts_record.avsc");

/// The schema's `SourceType` enum, in symbol order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DtsSourceType {
    MySql = 0,
    Oracle,
    SqlServer,
    PostgreSql,
    MongoDb,
    Redis,
    Db2,
    Ppas,
    Drds,
    Hbase,
    Hdfs,
    File,
    Other,
}

impl DtsSourceType {
    /// The schema's symbol.
    pub fn symbol(self) -> &'static str {
        [
            "MySQL",
            "Oracle",
            "SQLServer",
            "PostgreSQL",
            "MongoDB",
            "Redis",
            "DB2",
            "PPAS",
            "DRDS",
            "HBASE",
            "HDFS",
            "FILE",
            "OTHER",
        ]
        .get(self as usize)
        .copied()
        .unwrap_or("OTHER")
    }
}

/// The schema's `Operation` enum, in symbol order (only the first nine are produced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DtsOperation {
    Insert = 0,
    Update,
    Delete,
    Ddl,
    Begin,
    Commit,
    Rollback,
    Abort,
    Heartbeat,
}

impl DtsOperation {
    /// The schema's symbol.
    pub fn symbol(self) -> &'static str {
        [
            "INSERT",
            "UPDATE",
            "DELETE",
            "DDL",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "ABORT",
            "HEARTBEAT",
        ]
        .get(self as usize)
        .copied()
        .unwrap_or("NOOP")
    }
}

/// Settings of a [`DtsAvroEncoder`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DtsAvroOptions {
    /// The record `version` field.
    pub version: i32,
    /// The first record `id`; each record takes the next.
    pub first_id: i64,
    /// The `source.sourceType`; `None` picks PostgreSQL for LSN positions and MySQL otherwise.
    pub source_type: Option<DtsSourceType>,
    /// The `source.version` text (the source server's version).
    pub source_version: String,
}

/// One value of an image: a branch of the schema's value union.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum DtsValue<'a> {
    /// Branch 0: SQL NULL.
    Null,
    /// Branch 1.
    Integer { precision: i32, value: String },
    /// Branch 2.
    Character {
        charset: Cow<'a, str>,
        value: Cow<'a, [u8]>,
    },
    /// Branch 3.
    Decimal {
        value: String,
        precision: i32,
        scale: i32,
    },
    /// Branch 4.
    Float {
        value: f64,
        precision: i32,
        scale: i32,
    },
    /// Branch 5.
    Timestamp { timestamp: i64, millis: i32 },
    /// Branch 6: `[year, month, day, hour, minute, second, millis]`.
    DateTime([Option<i32>; 7]),
    /// Branch 8.
    BinaryGeometry {
        kind: &'static str,
        value: Cow<'a, [u8]>,
    },
    /// Branch 10.
    BinaryObject { kind: String, value: Cow<'a, [u8]> },
    /// Branch 11.
    TextObject {
        kind: &'static str,
        value: Cow<'a, str>,
    },
    /// Branch 12, `EmptyObject`: `false` is `NULL`, `true` is `NONE` (not sent).
    Empty { none: bool },
}

impl DtsValue<'_> {
    /// The value union's branch index.
    pub fn branch(&self) -> i64 {
        match self {
            DtsValue::Null => 0,
            DtsValue::Integer { .. } => 1,
            DtsValue::Character { .. } => 2,
            DtsValue::Decimal { .. } => 3,
            DtsValue::Float { .. } => 4,
            DtsValue::Timestamp { .. } => 5,
            DtsValue::DateTime(_) => 6,
            DtsValue::BinaryGeometry { .. } => 8,
            DtsValue::BinaryObject { .. } => 10,
            DtsValue::TextObject { .. } => 11,
            DtsValue::Empty { .. } => 12,
        }
    }
}

/// `fields`, `beforeImages` or `afterImages`: null, a string, or an array.
#[derive(Debug, Clone, PartialEq)]
pub enum DtsUnion<T> {
    /// Branch 0.
    Null,
    /// Branch 1.
    Text(String),
    /// Branch 2.
    Array(Vec<T>),
}

/// One `Record`, borrowing from the event it was built from. [`DtsRecord::write`] writes its
/// Avro binary; the benchmark's generic path turns the same record into an `apache-avro`
/// value.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct DtsRecord<'a> {
    pub version: i32,
    pub id: i64,
    pub source_timestamp: i64,
    pub source_position: String,
    pub safe_source_position: String,
    pub source_txid: String,
    pub source_type: DtsSourceType,
    pub source_version: &'a str,
    pub operation: DtsOperation,
    pub object_name: Option<String>,
    pub tags: Vec<(&'static str, String)>,
    /// `{name, dataTypeNumber}` per column.
    pub fields: DtsUnion<(&'a str, i32)>,
    pub before_images: DtsUnion<DtsValue<'a>>,
    pub after_images: DtsUnion<DtsValue<'a>>,
    pub born_timestamp: i64,
}

/// Turns change events into DTS Avro records. Holds the record counter and the current
/// transaction's start position (for `safeSourcePosition`); feed it events in stream order.
#[derive(Debug, Clone)]
pub struct DtsAvroEncoder {
    options: DtsAvroOptions,
    next_id: i64,
    txn_start: Option<String>,
}

impl DtsAvroEncoder {
    /// An encoder with these settings.
    pub fn new(options: DtsAvroOptions) -> DtsAvroEncoder {
        DtsAvroEncoder {
            next_id: options.first_id,
            options,
            txn_start: None,
        }
    }

    /// Builds the record for `event` (advancing the id counter and transaction state).
    pub fn record<'a>(&'a mut self, event: &'a ChangeEvent) -> Result<DtsRecord<'a>, EncodeError> {
        let position = event.position.to_string();
        let safe = match &event.change {
            Change::Begin => {
                self.txn_start = Some(position.clone());
                position.clone()
            }
            Change::Commit => self.txn_start.take().unwrap_or_else(|| position.clone()),
            _ => self.txn_start.clone().unwrap_or_else(|| position.clone()),
        };
        let source_type = self.options.source_type.unwrap_or(match event.position {
            SourcePosition::Lsn(_) => DtsSourceType::PostgreSql,
            _ => DtsSourceType::MySql,
        });
        let micros = event
            .commit_time
            .filter(|t| !t.is_zero() && !t.is_infinite())
            .map(|t| t.unix_micros());
        let mut rec = DtsRecord {
            version: self.options.version,
            id: self.next_id,
            source_timestamp: micros.map_or(0, |m| m.div_euclid(1_000_000)),
            source_position: position,
            safe_source_position: safe,
            source_txid: event
                .txn
                .as_ref()
                .map(|t| t.id.to_string())
                .unwrap_or_default(),
            source_type,
            source_version: &self.options.source_version,
            operation: DtsOperation::Heartbeat,
            object_name: None,
            tags: Vec::new(),
            fields: DtsUnion::Null,
            before_images: DtsUnion::Null,
            after_images: DtsUnion::Null,
            born_timestamp: micros.map_or(0, |m| m.div_euclid(1000)),
        };
        self.next_id = self.next_id.wrapping_add(1);
        match &event.change {
            Change::Begin => rec.operation = DtsOperation::Begin,
            Change::Commit => rec.operation = DtsOperation::Commit,
            Change::Heartbeat => rec.operation = DtsOperation::Heartbeat,
            Change::Ddl(ddl) => {
                rec.operation = DtsOperation::Ddl;
                rec.object_name = ddl.schema.clone();
                rec.after_images = DtsUnion::Text(ddl.statement.clone());
            }
            Change::Truncate {
                tables,
                cascade,
                restart_identity,
            } => {
                rec.operation = DtsOperation::Ddl;
                if let [only] = tables.as_slice() {
                    rec.object_name = Some(only.to_string());
                }
                let mut sql = String::from("TRUNCATE TABLE ");
                for (i, t) in tables.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    let _ = write!(sql, "`{}`.`{}`", t.schema, t.name);
                }
                if *restart_identity {
                    sql.push_str(" RESTART IDENTITY");
                }
                if *cascade {
                    sql.push_str(" CASCADE");
                }
                rec.after_images = DtsUnion::Text(sql);
            }
            Change::Insert { table, after } => {
                rec.operation = DtsOperation::Insert;
                row_common(&mut rec, table);
                rec.after_images = DtsUnion::Array(image(table, &after.values)?);
            }
            Change::Update {
                table,
                before,
                after,
            } => {
                rec.operation = DtsOperation::Update;
                row_common(&mut rec, table);
                if let Some(b) = before {
                    rec.before_images = DtsUnion::Array(image(table, &b.values)?);
                }
                rec.after_images = DtsUnion::Array(image(table, &after.values)?);
            }
            Change::Delete { table, before } => {
                rec.operation = DtsOperation::Delete;
                row_common(&mut rec, table);
                rec.before_images = DtsUnion::Array(image(table, &before.values)?);
            }
        }
        Ok(rec)
    }

    /// Appends the Avro binary of `event`'s record to `out`. On error `out` is unchanged.
    pub fn encode_into(
        &mut self,
        event: &ChangeEvent,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let rec = self.record(event)?;
        rec.write(out);
        Ok(())
    }

    /// The record of `event` as a [`Message`] (no key; `identity` holds the row's key values).
    pub fn encode(&mut self, event: &ChangeEvent) -> Result<Message, EncodeError> {
        let mut value = Vec::with_capacity(256);
        self.encode_into(event, &mut value)?;
        message(event, value)
    }
}

/// The [`Message`] wrapper shared by the formats whose key is left to the Kafka layer.
fn message(event: &ChangeEvent, value: Vec<u8>) -> Result<Message, EncodeError> {
    let (kind, identity) = match &event.change {
        Change::Insert { table, after: row }
        | Change::Update {
            table, after: row, ..
        }
        | Change::Delete { table, before: row } => {
            let ident = match &event.change {
                Change::Update {
                    before: Some(b), ..
                } if !b.values.iter().all(Value::is_unchanged) => b,
                _ => row,
            };
            (
                MessageKind::Row {
                    table: table.id.clone(),
                },
                common::identity_text(FORMAT, table, &ident.values)?,
            )
        }
        Change::Truncate { tables, .. } => match tables.first() {
            Some(t) => (MessageKind::Row { table: t.clone() }, Vec::new()),
            None => (MessageKind::Ddl { schema: None }, Vec::new()),
        },
        Change::Ddl(d) => (
            MessageKind::Ddl {
                schema: d.schema.clone(),
            },
            Vec::new(),
        ),
        Change::Begin | Change::Commit => (MessageKind::Transaction, Vec::new()),
        Change::Heartbeat => (MessageKind::Heartbeat, Vec::new()),
    };
    Ok(Message {
        kind,
        key: None,
        identity,
        value: Some(value),
        headers: Vec::new(),
        position: event.position.to_string(),
        timestamp_ms: event
            .commit_time
            .filter(|t| !t.is_zero() && !t.is_infinite())
            .map(|t| t.unix_micros().div_euclid(1000)),
    })
}

fn row_common<'a>(rec: &mut DtsRecord<'a>, table: &'a TableSchema) {
    rec.object_name = Some(format!("{}.{}", table.id.schema, table.id.name));
    rec.tags.push(("pk_uk_info", pk_uk_info(table)));
    rec.fields = DtsUnion::Array(
        table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), i32::from(mysql_type_code(&c.ty))))
            .collect(),
    );
}

/// `{"PRIMARY":["id"],"uk_name":["a","b"]}`: the primary key and unique keys by name.
fn pk_uk_info(table: &TableSchema) -> String {
    let mut map = serde_json::Map::new();
    if let Some(pk) = &table.primary_key {
        map.insert(
            "PRIMARY".to_owned(),
            pk.columns.iter().map(|k| k.column.clone()).collect(),
        );
    }
    for (i, uk) in table.unique_keys.iter().enumerate() {
        let name = uk.name.clone().unwrap_or_else(|| format!("uk_{i}"));
        map.insert(name, uk.columns.iter().map(|k| k.column.clone()).collect());
    }
    serde_json::Value::Object(map).to_string()
}

fn image<'a>(
    table: &'a TableSchema,
    values: &'a [Value],
) -> Result<Vec<DtsValue<'a>>, EncodeError> {
    common::check_width(FORMAT, table, values)?;
    table
        .columns
        .iter()
        .zip(values)
        .map(|(c, v)| dts_value(table, c, v))
        .collect()
}

fn integer_precision(ty: &ColumnType) -> i32 {
    match ty {
        ColumnType::Bool => 1,
        ColumnType::TinyInt { .. } => 3,
        ColumnType::SmallInt { .. } => 5,
        ColumnType::MediumInt { unsigned } => {
            if *unsigned {
                8
            } else {
                7
            }
        }
        ColumnType::Int { .. } => 10,
        ColumnType::BigInt { unsigned } => {
            if *unsigned {
                20
            } else {
                19
            }
        }
        ColumnType::Bit { length, .. } => length.map_or(1, |l| i32::try_from(l).unwrap_or(64)),
        ColumnType::Domain { base, .. } => integer_precision(base),
        _ => 0,
    }
}

fn base_type(ty: &ColumnType) -> &ColumnType {
    match ty {
        ColumnType::Domain { base, .. } => base_type(base),
        t => t,
    }
}

/// Sign carried by the first non-zero of hour, minute, second, micros.
fn time_fields(t: &cdc_model::Time) -> [Option<i32>; 7] {
    let mut parts = [
        i32::from(t.hours),
        i32::from(t.minutes),
        i32::from(t.seconds),
        i32::try_from(t.micros).unwrap_or(0),
    ];
    if t.negative
        && let Some(p) = parts.iter_mut().find(|p| **p != 0)
    {
        *p = -*p;
    }
    let [h, m, s, us] = parts;
    [None, None, None, Some(h), Some(m), Some(s), Some(us)]
}

/// One value, by its column's MySQL type code (see the module docs).
pub fn dts_value<'a>(
    table: &TableSchema,
    col: &'a Column,
    v: &'a Value,
) -> Result<DtsValue<'a>, EncodeError> {
    let ty = base_type(&col.ty);
    let code = mysql_type_code(ty);
    let bad = || mismatch(FORMAT, table, col, v);
    match v {
        Value::Null => return Ok(DtsValue::Null),
        Value::Unchanged => return Ok(DtsValue::Empty { none: true }),
        Value::JsonPatch(_) => {
            return Err(unrepresentable(
                FORMAT,
                table,
                col,
                "a partial JSON update without its old document",
            ));
        }
        _ => {}
    }
    Ok(match code {
        1 | 2 | 3 | 8 | 9 | 16 => {
            let value = match v {
                Value::Int(i) => i.to_string(),
                Value::UInt(u) => u.to_string(),
                Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
                Value::Bit(b) => b.to_u64().ok_or_else(bad)?.to_string(),
                _ => return Err(bad()),
            };
            DtsValue::Integer {
                precision: integer_precision(ty),
                value,
            }
        }
        4 | 5 => {
            let value = match v {
                Value::Float(f) => f64::from(*f),
                Value::Double(d) => *d,
                _ => return Err(bad()),
            };
            DtsValue::Float {
                value,
                precision: if code == 4 { 12 } else { 22 },
                scale: 31,
            }
        }
        0 | 246 => {
            let Value::Decimal(d) = v else {
                return Err(bad());
            };
            let (dp, ds) = match ty {
                ColumnType::Decimal { precision, scale } => (*precision, *scale),
                _ => (None, None),
            };
            let scale = ds.map_or(i32::from(d.scale()), |s| i32::try_from(s).unwrap_or(0));
            let precision = dp.map_or_else(
                || i32::try_from(d.precision()).unwrap_or(0).max(scale),
                |p| i32::try_from(p).unwrap_or(0),
            );
            DtsValue::Decimal {
                value: d.to_string(),
                precision,
                scale,
            }
        }
        7 | 17 => {
            let Value::Timestamp(t) = v else {
                return Err(bad());
            };
            if t.is_infinite() {
                return Err(unrepresentable(
                    FORMAT,
                    table,
                    col,
                    format!("timestamp {t}"),
                ));
            }
            let micros = if t.is_zero() { 0 } else { t.unix_micros() };
            DtsValue::Timestamp {
                timestamp: micros.div_euclid(1_000_000),
                millis: i32::try_from(micros.rem_euclid(1_000_000)).unwrap_or(0),
            }
        }
        10..=14 | 18 | 19 => match v {
            Value::Date(d) => {
                if d.is_infinite() {
                    return Err(unrepresentable(FORMAT, table, col, format!("date {d}")));
                }
                DtsValue::DateTime([
                    Some(d.year),
                    Some(i32::from(d.month)),
                    Some(i32::from(d.day)),
                    None,
                    None,
                    None,
                    None,
                ])
            }
            Value::DateTime(dt) => {
                if dt.date.is_infinite() {
                    return Err(unrepresentable(
                        FORMAT,
                        table,
                        col,
                        format!("datetime {dt}"),
                    ));
                }
                DtsValue::DateTime([
                    Some(dt.date.year),
                    Some(i32::from(dt.date.month)),
                    Some(i32::from(dt.date.day)),
                    Some(i32::from(dt.hour)),
                    Some(i32::from(dt.minute)),
                    Some(i32::from(dt.second)),
                    Some(i32::try_from(dt.micros).unwrap_or(0)),
                ])
            }
            Value::Time(t) => DtsValue::DateTime(time_fields(t)),
            Value::Year(y) => {
                DtsValue::DateTime([Some(i32::from(*y)), None, None, None, None, None, None])
            }
            Value::Int(y) if code == 13 => DtsValue::DateTime([
                Some(i32::try_from(*y).map_err(|_| bad())?),
                None,
                None,
                None,
                None,
                None,
                None,
            ]),
            _ => return Err(bad()),
        },
        15 | 253 | 254 => match v {
            Value::Text(t) => DtsValue::Character {
                charset: Cow::Borrowed(column_charset(ty).unwrap_or(t.charset.name())),
                value: Cow::Borrowed(&t.bytes),
            },
            Value::Bytes(b) => DtsValue::Character {
                charset: Cow::Borrowed("binary"),
                value: Cow::Borrowed(b),
            },
            other => {
                let text = common::value_text(other, ty, BinaryText::Hex)
                    .map_err(|what| unrepresentable(FORMAT, table, col, what))?
                    .unwrap_or_default();
                DtsValue::Character {
                    charset: Cow::Borrowed("utf8mb4"),
                    value: Cow::Owned(text.into_bytes()),
                }
            }
        },
        242 | 249..=252 => {
            let value = match v {
                Value::Bytes(b) => Cow::Borrowed(&b[..]),
                Value::Text(t) => Cow::Borrowed(&t.bytes[..]),
                Value::Vector(x) => Cow::Owned(x.iter().flat_map(|f| f.to_le_bytes()).collect()),
                _ => return Err(bad()),
            };
            DtsValue::BinaryObject {
                kind: ty.to_string().to_ascii_uppercase(),
                value,
            }
        }
        245 | 247 | 248 => {
            let kind = match code {
                245 => "JSON",
                247 => "ENUM",
                _ => "SET",
            };
            let value = match v {
                Value::Json(j) => Cow::Borrowed(j.as_str()),
                Value::Text(t) => t.to_utf8_lossy(),
                Value::Enum(_) | Value::Set(_) => Cow::Owned(
                    common::value_text(v, ty, BinaryText::Hex)
                        .map_err(|what| unrepresentable(FORMAT, table, col, what))?
                        .unwrap_or_default(),
                ),
                _ => return Err(bad()),
            };
            DtsValue::TextObject { kind, value }
        }
        255 => {
            let kind = match ty {
                ColumnType::Geometry { kind, .. } => geometry_kind_upper(*kind),
                _ => "GEOMETRY",
            };
            let value = match v {
                Value::Geometry(g) => Cow::Owned(common::mysql_geometry_bytes(g)),
                Value::Bytes(b) => Cow::Borrowed(&b[..]),
                _ => return Err(bad()),
            };
            DtsValue::BinaryGeometry { kind, value }
        }
        _ => return Err(bad()),
    })
}

fn geometry_kind_upper(kind: cdc_model::GeometryKind) -> &'static str {
    use cdc_model::GeometryKind as G;
    match kind {
        G::Geometry => "GEOMETRY",
        G::Point => "POINT",
        G::LineString => "LINESTRING",
        G::Polygon => "POLYGON",
        G::MultiPoint => "MULTIPOINT",
        G::MultiLineString => "MULTILINESTRING",
        G::MultiPolygon => "MULTIPOLYGON",
        G::GeometryCollection => "GEOMETRYCOLLECTION",
    }
}

fn column_charset(ty: &ColumnType) -> Option<&str> {
    match ty {
        ColumnType::Char { charset, .. }
        | ColumnType::VarChar { charset, .. }
        | ColumnType::Text { charset, .. } => charset.as_ref().map(|c| c.name()),
        ColumnType::Binary { .. } | ColumnType::VarBinary { .. } => Some("binary"),
        _ => None,
    }
}

// --- Avro binary -------------------------------------------------------------------------

/// Appends an Avro `long` (zig-zag varint); `int` is written the same way.
#[inline]
pub fn write_long(out: &mut Vec<u8>, v: i64) {
    let mut n = ((v << 1) ^ (v >> 63)) as u64;
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Appends an Avro `bytes` (or `string`): length, then the bytes.
#[inline]
pub fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_long(out, b.len() as i64);
    out.extend_from_slice(b);
}

impl DtsRecord<'_> {
    /// Appends the record's Avro binary to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        write_long(out, i64::from(self.version));
        write_long(out, self.id);
        write_long(out, self.source_timestamp);
        write_bytes(out, self.source_position.as_bytes());
        write_bytes(out, self.safe_source_position.as_bytes());
        write_bytes(out, self.source_txid.as_bytes());
        write_long(out, self.source_type as i64);
        write_bytes(out, self.source_version.as_bytes());
        write_long(out, self.operation as i64);
        match &self.object_name {
            None => write_long(out, 0),
            Some(n) => {
                write_long(out, 1);
                write_bytes(out, n.as_bytes());
            }
        }
        write_long(out, 0); // processTimestamps: null
        if !self.tags.is_empty() {
            write_long(out, self.tags.len() as i64);
            for (k, v) in &self.tags {
                write_bytes(out, k.as_bytes());
                write_bytes(out, v.as_bytes());
            }
        }
        write_long(out, 0);
        write_union(out, &self.fields, |out, (name, code)| {
            write_bytes(out, name.as_bytes());
            write_long(out, i64::from(*code));
        });
        write_union(out, &self.before_images, write_value);
        write_union(out, &self.after_images, write_value);
        write_long(out, self.born_timestamp);
    }
}

fn write_union<T>(out: &mut Vec<u8>, u: &DtsUnion<T>, item: impl Fn(&mut Vec<u8>, &T)) {
    match u {
        DtsUnion::Null => write_long(out, 0),
        DtsUnion::Text(s) => {
            write_long(out, 1);
            write_bytes(out, s.as_bytes());
        }
        DtsUnion::Array(items) => {
            write_long(out, 2);
            if !items.is_empty() {
                write_long(out, items.len() as i64);
                for it in items {
                    item(out, it);
                }
            }
            write_long(out, 0);
        }
    }
}

fn write_opt_int(out: &mut Vec<u8>, v: Option<i32>) {
    match v {
        None => write_long(out, 0),
        Some(v) => {
            write_long(out, 1);
            write_long(out, i64::from(v));
        }
    }
}

fn write_value(out: &mut Vec<u8>, v: &DtsValue<'_>) {
    write_long(out, v.branch());
    match v {
        DtsValue::Null => {}
        DtsValue::Integer { precision, value } => {
            write_long(out, i64::from(*precision));
            write_bytes(out, value.as_bytes());
        }
        DtsValue::Character { charset, value } => {
            write_bytes(out, charset.as_bytes());
            write_bytes(out, value);
        }
        DtsValue::Decimal {
            value,
            precision,
            scale,
        } => {
            write_bytes(out, value.as_bytes());
            write_long(out, i64::from(*precision));
            write_long(out, i64::from(*scale));
        }
        DtsValue::Float {
            value,
            precision,
            scale,
        } => {
            out.extend_from_slice(&value.to_le_bytes());
            write_long(out, i64::from(*precision));
            write_long(out, i64::from(*scale));
        }
        DtsValue::Timestamp { timestamp, millis } => {
            write_long(out, *timestamp);
            write_long(out, i64::from(*millis));
        }
        DtsValue::DateTime(parts) => {
            for p in parts {
                write_opt_int(out, *p);
            }
        }
        DtsValue::BinaryGeometry { kind, value } => {
            write_bytes(out, kind.as_bytes());
            write_bytes(out, value);
        }
        DtsValue::BinaryObject { kind, value } => {
            write_bytes(out, kind.as_bytes());
            write_bytes(out, value);
        }
        DtsValue::TextObject { kind, value } => {
            write_bytes(out, kind.as_bytes());
            write_bytes(out, value.as_bytes());
        }
        DtsValue::Empty { none } => write_long(out, i64::from(*none)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_varints_match_the_avro_spec() {
        for (v, bytes) in [
            (0i64, vec![0u8]),
            (-1, vec![1]),
            (1, vec![2]),
            (-2, vec![3]),
            (63, vec![0x7e]),
            (64, vec![0x80, 0x01]),
            (-65, vec![0x81, 0x01]),
            (
                i64::MAX,
                vec![0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
            (
                i64::MIN,
                vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ] {
            let mut out = Vec::new();
            write_long(&mut out, v);
            assert_eq!(out, bytes, "{v}");
        }
    }

    #[test]
    fn negative_time_carries_sign_on_first_nonzero_field() {
        let t: cdc_model::Time = "-00:30:05".parse().unwrap();
        assert_eq!(
            time_fields(&t),
            [None, None, None, Some(0), Some(-30), Some(5), Some(0)]
        );
    }
}
