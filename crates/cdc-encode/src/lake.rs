//! MaxCompute layout (feature `lake`): Arrow record batches for `<t>_base` (full data) and
//! `<t>_log` (incremental changes), and a rolling Parquet writer over any
//! [`std::io::Write`].
//!
//! # The log table
//!
//! Like DTS's MaxCompute incremental log tables, `<t>_log` holds the source columns followed
//! by five metadata columns:
//!
//! | column | Arrow type | meaning |
//! |---|---|---|
//! | `record_id` | `Int64` | increases by one per change; both rows of an `UPDATE` share it |
//! | `operation_flag` | `Utf8` | `I`, `U` or `D` |
//! | `utc_timestamp` | `Timestamp(µs, "UTC")` | the change's commit time (`NULL` when the source gave none) |
//! | `before_flag` | `Utf8` | `Y` when the row holds the values before the change |
//! | `after_flag` | `Utf8` | `Y` when the row holds the values after the change |
//!
//! An insert is one row (`N`/`Y`), a delete one row (`Y`/`N`) holding the deleted values, an
//! update two rows with the same `record_id`: first the before image (`Y`/`N`), then the after
//! image (`N`/`Y`). The caller keeps the next `record_id` (it is part of a checkpoint) and
//! passes it in. Images must be complete: a column the source did not send
//! ([`Value::Unchanged`]) or a missing before image is an error, since the layout has no way
//! to say "unknown" (PostgreSQL sources need `REPLICA IDENTITY FULL`, MySQL sources
//! `binlog_row_image=FULL`).
//!
//! An optional partition column (a `Utf8` column with one value per batch, such as a day
//! `20240501` the caller derives from its own clock or the commit time) is appended last.
//!
//! # Types
//!
//! [`arrow_type`] is the one place a source column's Arrow type is chosen (a type-mapping crate
//! will take this over). Values never lose precision: where Arrow has no exact type the value
//! goes as its exact text.
//!
//! ```
//! use std::sync::Arc;
//! use cdc_model::*;
//! use cdc_encode::lake::{LakeTable, RollPolicy, RollingWriter};
//!
//! let t = Arc::new(TableSchema::new(TableId::new("shop", "orders"), vec![
//!     Column::new("id", ColumnType::Int { unsigned: false }),
//!     Column::new("total", ColumnType::Decimal { precision: Some(10), scale: Some(2) }),
//! ]));
//! let layout = LakeTable::new(&t, None)?;
//! let row = |id, total: &str| RowImage::new(vec![Value::Int(id), Value::Decimal(total.parse().unwrap())]);
//! let event = ChangeEvent {
//!     position: "mysql-bin.000001:4".parse()?,
//!     txn: None,
//!     commit_time: Some(Timestamp::from_unix_parts(1_700_000_000, 0)),
//!     change: Change::Update { table: t.clone(), before: Some(row(1, "9.99")), after: row(1, "10.00") },
//! };
//! let mut next_id = 1;
//! let batch = layout.log_batch(&[event], &mut next_id, None)?;
//! assert_eq!(batch.num_rows(), 2);
//! assert_eq!(next_id, 2);
//!
//! let mut writer = RollingWriter::new(layout.log_schema(), RollPolicy::default(), |_| Ok(Vec::new()));
//! writer.write(&batch, 0, None)?;
//! let files = writer.finish()?;
//! assert!(files[0].sink.starts_with(b"PAR1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Write;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder,
    Float64Builder, Int8Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use cdc_model::{
    Change, ChangeEvent, Column, ColumnType, Decimal, RowImage, TableId, TableSchema, Value,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::sql::kind_name;

/// A lake encoding or writing failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value that cannot be written to its column.
    #[error("{table}, column {column}: {reason}")]
    Value {
        /// The source table.
        table: TableId,
        /// The column.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// A change that does not fit the layout (other table, incomplete image, not a row change).
    #[error("{table}: {reason}")]
    Change {
        /// The source table.
        table: TableId,
        /// What is wrong.
        reason: String,
    },
    /// Arrow refused the batch.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Parquet writing failed (including the sink's I/O errors).
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Opening a sink failed.
    #[error("opening file {sequence}: {source}")]
    Open {
        /// The file's sequence number.
        sequence: u64,
        /// The sink's error.
        source: std::io::Error,
    },
}

/// The Arrow type for a source column: the one place this choice is made.
///
/// Integers by width (unsigned ones one size up, `BIGINT UNSIGNED` as `Decimal128(20, 0)`),
/// `FLOAT`/`DOUBLE` as `Float32`/`Float64`, `DECIMAL(p,s)` with `p <= 38` as
/// `Decimal128(p, s)`; wider or unconstrained decimals, `TIME` (a signed duration in MySQL),
/// `timetz`, `interval`, text, enums, sets, JSON, UUIDs, network addresses, bit strings (as
/// `0`/`1` digits), vectors and arrays as `Utf8` of their exact text; `DATE` as `Date32`,
/// `DATETIME` as `Timestamp(µs)` without zone, `TIMESTAMP` as `Timestamp(µs, "UTC")`; binary
/// strings and spatial values (WKB) as `Binary`; `money` as `Decimal128(20, 2)`. MySQL zero
/// dates become `NULL`.
pub fn arrow_type(column: &Column) -> DataType {
    type_of(&column.ty)
}

fn type_of(ty: &ColumnType) -> DataType {
    match ty {
        ColumnType::Bool => DataType::Boolean,
        ColumnType::TinyInt { unsigned: false } => DataType::Int8,
        ColumnType::TinyInt { unsigned: true } | ColumnType::SmallInt { unsigned: false } => {
            DataType::Int16
        }
        ColumnType::SmallInt { unsigned: true }
        | ColumnType::MediumInt { .. }
        | ColumnType::Int { unsigned: false } => DataType::Int32,
        ColumnType::Int { unsigned: true } | ColumnType::BigInt { unsigned: false } => {
            DataType::Int64
        }
        ColumnType::BigInt { unsigned: true } => DataType::Decimal128(20, 0),
        ColumnType::Float => DataType::Float32,
        ColumnType::Double => DataType::Float64,
        ColumnType::Decimal {
            precision: Some(p),
            scale,
        } if *p >= 1 && *p <= 38 && scale.unwrap_or(0) <= *p => {
            DataType::Decimal128(*p as u8, scale.unwrap_or(0) as i8)
        }
        ColumnType::Money => DataType::Decimal128(20, 2),
        ColumnType::Year => DataType::Int16,
        ColumnType::Date => DataType::Date32,
        ColumnType::DateTime { .. } => DataType::Timestamp(TimeUnit::Microsecond, None),
        ColumnType::Timestamp { .. } => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        ColumnType::Binary { .. }
        | ColumnType::VarBinary { .. }
        | ColumnType::Blob { .. }
        | ColumnType::Geometry { .. } => DataType::Binary,
        ColumnType::Domain { base, .. } => type_of(base),
        _ => DataType::Utf8,
    }
}

/// The `<t>_base` and `<t>_log` layouts of one source table.
#[derive(Clone, Debug)]
pub struct LakeTable {
    table: Arc<TableSchema>,
    types: Vec<DataType>,
    base: SchemaRef,
    log: SchemaRef,
    partition: Option<String>,
}

impl LakeTable {
    /// The layouts for `table`, with an optional partition column appended to both.
    pub fn new(
        table: &Arc<TableSchema>,
        partition_column: Option<&str>,
    ) -> Result<LakeTable, Error> {
        let types: Vec<DataType> = table.columns.iter().map(arrow_type).collect();
        let mut fields: Vec<Field> = table
            .columns
            .iter()
            .zip(&types)
            .map(|(c, t)| Field::new(&c.name, t.clone(), true))
            .collect();
        let mut log = fields.clone();
        log.extend([
            Field::new("record_id", DataType::Int64, false),
            Field::new("operation_flag", DataType::Utf8, false),
            Field::new(
                "utc_timestamp",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Field::new("before_flag", DataType::Utf8, false),
            Field::new("after_flag", DataType::Utf8, false),
        ]);
        if let Some(p) = partition_column {
            fields.push(Field::new(p, DataType::Utf8, false));
            log.push(Field::new(p, DataType::Utf8, false));
        }
        for name in fields.iter().chain(&log).map(Field::name) {
            if fields.iter().filter(|f| f.name() == name).count() > 1
                || log.iter().filter(|f| f.name() == name).count() > 1
            {
                return Err(Error::Change {
                    table: table.id.clone(),
                    reason: format!("column name {name:?} is used twice in the lake layout"),
                });
            }
        }
        Ok(LakeTable {
            table: table.clone(),
            types,
            base: Arc::new(Schema::new(fields)),
            log: Arc::new(Schema::new(log)),
            partition: partition_column.map(str::to_owned),
        })
    }

    /// `<name>_base`.
    pub fn base_name(&self) -> String {
        format!("{}_base", self.table.id.name)
    }

    /// `<name>_log`.
    pub fn log_name(&self) -> String {
        format!("{}_log", self.table.id.name)
    }

    /// The Arrow schema of `<t>_base`.
    pub fn base_schema(&self) -> SchemaRef {
        self.base.clone()
    }

    /// The Arrow schema of `<t>_log`.
    pub fn log_schema(&self) -> SchemaRef {
        self.log.clone()
    }

    fn partition_value<'a>(&self, partition: Option<&'a str>) -> Result<Option<&'a str>, Error> {
        match (&self.partition, partition) {
            (Some(_), Some(v)) => Ok(Some(v)),
            (None, None) => Ok(None),
            (Some(p), None) => {
                Err(self.change_error(format!("partition column {p} needs a value")))
            }
            (None, Some(_)) => Err(self.change_error("no partition column was declared".into())),
        }
    }

    fn change_error(&self, reason: String) -> Error {
        Error::Change {
            table: self.table.id.clone(),
            reason,
        }
    }

    /// A `<t>_base` batch of full rows.
    pub fn base_batch(
        &self,
        rows: &[RowImage],
        partition: Option<&str>,
    ) -> Result<RecordBatch, Error> {
        let partition = self.partition_value(partition)?;
        let mut cols = self.builders(rows.len())?;
        for row in rows {
            self.append_row(&mut cols, row)?;
        }
        let mut arrays: Vec<ArrayRef> = cols.into_iter().map(Builder::finish).collect();
        if let Some(p) = partition {
            let mut b = StringBuilder::new();
            for _ in 0..rows.len() {
                b.append_value(p);
            }
            arrays.push(Arc::new(b.finish()));
        }
        Ok(RecordBatch::try_new(self.base.clone(), arrays)?)
    }

    /// A `<t>_log` batch of row changes of this table; `next_record_id` is the id of the first
    /// change and is advanced past the last. `Begin`, `Commit` and heartbeats are skipped;
    /// other tables, truncates and DDL are errors. On error `next_record_id` is unchanged.
    pub fn log_batch(
        &self,
        events: &[ChangeEvent],
        next_record_id: &mut i64,
        partition: Option<&str>,
    ) -> Result<RecordBatch, Error> {
        let partition = self.partition_value(partition)?;
        let mut cols = self.builders(events.len())?;
        let mut record_id = Int64Builder::new();
        let mut op = StringBuilder::new();
        let mut ts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        let mut before_flag = StringBuilder::new();
        let mut after_flag = StringBuilder::new();
        let mut id = *next_record_id;
        let mut rows = 0usize;
        for ev in events {
            let images: Vec<(&RowImage, &str, &str)> = match &ev.change {
                Change::Begin | Change::Commit | Change::Heartbeat => continue,
                Change::Insert { table, after } => {
                    self.same_table(table)?;
                    vec![(after, "N", "Y")]
                }
                Change::Delete { table, before } => {
                    self.same_table(table)?;
                    vec![(before, "Y", "N")]
                }
                Change::Update {
                    table,
                    before,
                    after,
                } => {
                    self.same_table(table)?;
                    let before = before.as_ref().ok_or_else(|| {
                        self.change_error(format!("update at {} has no before image", ev.position))
                    })?;
                    vec![(before, "Y", "N"), (after, "N", "Y")]
                }
                other => {
                    return Err(self.change_error(format!(
                        "a {:?} change has no place in a log table",
                        other.operation()
                    )));
                }
            };
            let flag = match ev.change {
                Change::Insert { .. } => "I",
                Change::Update { .. } => "U",
                _ => "D",
            };
            for (image, b, a) in images {
                self.append_row(&mut cols, image)?;
                record_id.append_value(id);
                op.append_value(flag);
                match ev.commit_time {
                    Some(t) if !t.is_zero() && !t.is_infinite() => ts.append_value(t.unix_micros()),
                    _ => ts.append_null(),
                }
                before_flag.append_value(b);
                after_flag.append_value(a);
                rows += 1;
            }
            id = id
                .checked_add(1)
                .ok_or_else(|| self.change_error("record_id overflow".into()))?;
        }
        let mut arrays: Vec<ArrayRef> = cols.into_iter().map(Builder::finish).collect();
        arrays.push(Arc::new(record_id.finish()));
        arrays.push(Arc::new(op.finish()));
        arrays.push(Arc::new(ts.finish()));
        arrays.push(Arc::new(before_flag.finish()));
        arrays.push(Arc::new(after_flag.finish()));
        if let Some(p) = partition {
            let mut b = StringBuilder::new();
            for _ in 0..rows {
                b.append_value(p);
            }
            arrays.push(Arc::new(b.finish()));
        }
        let batch = RecordBatch::try_new(self.log.clone(), arrays)?;
        *next_record_id = id;
        Ok(batch)
    }

    fn same_table(&self, table: &Arc<TableSchema>) -> Result<(), Error> {
        if Arc::ptr_eq(table, &self.table) || **table == *self.table {
            Ok(())
        } else {
            Err(self.change_error(format!(
                "a change of {} (or of another schema version) was given to this layout",
                table.id
            )))
        }
    }

    fn builders(&self, capacity: usize) -> Result<Vec<Builder>, Error> {
        self.types
            .iter()
            .map(|t| Builder::new(t, capacity))
            .collect()
    }

    fn append_row(&self, cols: &mut [Builder], row: &RowImage) -> Result<(), Error> {
        if row.len() != cols.len() {
            return Err(self.change_error(format!(
                "a row has {} values, the table {} columns",
                row.len(),
                cols.len()
            )));
        }
        // Check the whole row first so a failing value leaves no partial row behind.
        for ((b, v), c) in cols.iter().zip(&row.values).zip(&self.table.columns) {
            b.check(v).map_err(|reason| Error::Value {
                table: self.table.id.clone(),
                column: c.name.clone(),
                reason,
            })?;
        }
        for (b, v) in cols.iter_mut().zip(&row.values) {
            b.append(v);
        }
        Ok(())
    }
}

/// One column being built.
enum Builder {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder, u8, i8),
    Date(Date32Builder),
    Ts(TimestampMicrosecondBuilder),
    Bin(BinaryBuilder),
    Str(StringBuilder),
}

/// What a value becomes in its column: checked first, appended after.
enum Cell {
    Null,
    Bool(bool),
    Int(i128),
    F32(f32),
    F64(f64),
    Str(String),
    Bin(Vec<u8>),
}

impl Builder {
    fn new(ty: &DataType, n: usize) -> Result<Builder, Error> {
        Ok(match ty {
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(n)),
            DataType::Int8 => Builder::I8(Int8Builder::with_capacity(n)),
            DataType::Int16 => Builder::I16(Int16Builder::with_capacity(n)),
            DataType::Int32 => Builder::I32(Int32Builder::with_capacity(n)),
            DataType::Int64 => Builder::I64(Int64Builder::with_capacity(n)),
            DataType::Float32 => Builder::F32(Float32Builder::with_capacity(n)),
            DataType::Float64 => Builder::F64(Float64Builder::with_capacity(n)),
            DataType::Decimal128(p, s) => Builder::Dec(
                Decimal128Builder::with_capacity(n).with_precision_and_scale(*p, *s)?,
                *p,
                *s,
            ),
            DataType::Date32 => Builder::Date(Date32Builder::with_capacity(n)),
            DataType::Timestamp(_, tz) => {
                let b = TimestampMicrosecondBuilder::with_capacity(n);
                Builder::Ts(match tz {
                    Some(tz) => b.with_timezone(tz.as_ref()),
                    None => b,
                })
            }
            DataType::Binary => Builder::Bin(BinaryBuilder::with_capacity(n, n * 16)),
            _ => Builder::Str(StringBuilder::with_capacity(n, n * 16)),
        })
    }

    /// The cell for `v`, or why it does not fit.
    fn cell(&self, v: &Value) -> Result<Cell, String> {
        let unsupported = || format!("a {} value does not fit this column", kind_name(v));
        if let Value::Null = v {
            return Ok(Cell::Null);
        }
        if let Value::Unchanged | Value::JsonPatch(_) = v {
            return Err(format!(
                "the source did not send this column ({}); log and base rows need full images",
                kind_name(v)
            ));
        }
        Ok(match self {
            Builder::Bool(_) => match v {
                Value::Bool(b) => Cell::Bool(*b),
                _ => return Err(unsupported()),
            },
            Builder::I8(_) | Builder::I16(_) | Builder::I32(_) | Builder::I64(_) => {
                Cell::Int(v.as_i128().ok_or_else(unsupported)?)
            }
            Builder::F32(_) => match v {
                Value::Float(f) => Cell::F32(*f),
                _ => return Err(unsupported()),
            },
            Builder::F64(_) => match v {
                Value::Double(d) => Cell::F64(*d),
                Value::Float(f) => Cell::F64(f64::from(*f)),
                _ => return Err(unsupported()),
            },
            Builder::Dec(_, p, s) => {
                let d = match v {
                    Value::Decimal(d) => d.clone(),
                    Value::Money(m) => Decimal::from_i128(i128::from(*m), 2),
                    _ => Decimal::from_i128(v.as_i128().ok_or_else(unsupported)?, 0),
                };
                Cell::Int(rescale(&d, *p, *s)?)
            }
            Builder::Date(_) => match v {
                Value::Date(d) if d.month == 0 || d.day == 0 => Cell::Null,
                Value::Date(d) => {
                    let days = d
                        .days_since_epoch()
                        .ok_or_else(|| format!("{d} is not a calendar date"))?;
                    Cell::Int(i128::from(days))
                }
                _ => return Err(unsupported()),
            },
            Builder::Ts(_) => match v {
                Value::DateTime(dt) if dt.date.month == 0 || dt.date.day == 0 => Cell::Null,
                Value::DateTime(dt) => Cell::Int(i128::from(
                    dt.to_unix_micros()
                        .ok_or_else(|| format!("{dt} is not a calendar date and time"))?,
                )),
                Value::Timestamp(t) if t.is_zero() => Cell::Null,
                Value::Timestamp(t) if t.is_infinite() => {
                    return Err(format!("{t} has no Arrow timestamp"));
                }
                Value::Timestamp(t) => Cell::Int(i128::from(t.unix_micros())),
                _ => return Err(unsupported()),
            },
            Builder::Bin(_) => match v {
                Value::Bytes(b) => Cell::Bin(b.to_vec()),
                Value::Text(t) => Cell::Bin(t.bytes.to_vec()),
                Value::Geometry(g) => Cell::Bin(g.wkb.to_vec()),
                _ => return Err(unsupported()),
            },
            Builder::Str(_) => Cell::Str(match v {
                Value::Text(t) => t
                    .to_utf8()
                    .ok_or_else(|| {
                        format!("text in {} cannot be converted to UTF-8", t.charset.name())
                    })?
                    .into_owned(),
                Value::Json(s) => s.clone(),
                Value::Enum(e) => match (&e.label, e.index) {
                    (Some(l), _) => l.clone(),
                    (None, _) => return Err("enum value without its label".into()),
                },
                Value::Set(s) => match &s.labels {
                    Some(l) => l.join(","),
                    None => return Err("set value without its labels".into()),
                },
                Value::Bytes(_) | Value::MacAddr(_) | Value::Geometry(_) => {
                    return Err(unsupported());
                }
                other => other.to_string(),
            }),
        })
    }

    fn check(&self, v: &Value) -> Result<(), String> {
        let cell = self.cell(v)?;
        let range = |ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(format!("{v} is out of range for its Arrow type"))
            }
        };
        match (self, cell) {
            (Builder::I8(_), Cell::Int(i)) => range(i8::try_from(i).is_ok()),
            (Builder::I16(_), Cell::Int(i)) => range(i16::try_from(i).is_ok()),
            (Builder::I32(_) | Builder::Date(_), Cell::Int(i)) => range(i32::try_from(i).is_ok()),
            (Builder::I64(_) | Builder::Ts(_), Cell::Int(i)) => range(i64::try_from(i).is_ok()),
            _ => Ok(()),
        }
    }

    /// Appends a value [`Builder::check`] accepted.
    fn append(&mut self, v: &Value) {
        let Ok(cell) = self.cell(v) else {
            return;
        };
        match (self, cell) {
            (Builder::Bool(b), Cell::Bool(x)) => b.append_value(x),
            (Builder::I8(b), Cell::Int(i)) => b.append_option(i8::try_from(i).ok()),
            (Builder::I16(b), Cell::Int(i)) => b.append_option(i16::try_from(i).ok()),
            (Builder::I32(b), Cell::Int(i)) => b.append_option(i32::try_from(i).ok()),
            (Builder::I64(b), Cell::Int(i)) => b.append_option(i64::try_from(i).ok()),
            (Builder::F32(b), Cell::F32(x)) => b.append_value(x),
            (Builder::F64(b), Cell::F64(x)) => b.append_value(x),
            (Builder::Dec(b, ..), Cell::Int(i)) => b.append_value(i),
            (Builder::Date(b), Cell::Int(i)) => b.append_option(i32::try_from(i).ok()),
            (Builder::Ts(b), Cell::Int(i)) => b.append_option(i64::try_from(i).ok()),
            (Builder::Bin(b), Cell::Bin(x)) => b.append_value(x),
            (Builder::Str(b), Cell::Str(s)) => b.append_value(s),
            (b, _) => b.append_null(),
        }
    }

    fn append_null(&mut self) {
        match self {
            Builder::Bool(b) => b.append_null(),
            Builder::I8(b) => b.append_null(),
            Builder::I16(b) => b.append_null(),
            Builder::I32(b) => b.append_null(),
            Builder::I64(b) => b.append_null(),
            Builder::F32(b) => b.append_null(),
            Builder::F64(b) => b.append_null(),
            Builder::Dec(b, ..) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Ts(b) => b.append_null(),
            Builder::Bin(b) => b.append_null(),
            Builder::Str(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Bool(mut b) => Arc::new(b.finish()),
            Builder::I8(mut b) => Arc::new(b.finish()),
            Builder::I16(mut b) => Arc::new(b.finish()),
            Builder::I32(mut b) => Arc::new(b.finish()),
            Builder::I64(mut b) => Arc::new(b.finish()),
            Builder::F32(mut b) => Arc::new(b.finish()),
            Builder::F64(mut b) => Arc::new(b.finish()),
            Builder::Dec(mut b, ..) => Arc::new(b.finish()),
            Builder::Date(mut b) => Arc::new(b.finish()),
            Builder::Ts(mut b) => Arc::new(b.finish()),
            Builder::Bin(mut b) => Arc::new(b.finish()),
            Builder::Str(mut b) => Arc::new(b.finish()),
        }
    }
}

/// The unscaled value of `d` at scale `s`, when it is exact and has at most `p` digits.
fn rescale(d: &Decimal, p: u8, s: i8) -> Result<i128, String> {
    if d.is_nan() || d.is_infinite() {
        return Err(format!("{d} has no Arrow decimal"));
    }
    let target = u32::try_from(s).map_err(|_| "negative scale".to_string())?;
    let from = u32::from(d.scale());
    let digits = d.digits();
    let (keep, dropped) = if from > target {
        let cut = (from - target) as usize;
        let at = digits.len().saturating_sub(cut);
        (
            digits.get(..at).unwrap_or(""),
            digits.get(at..).unwrap_or(""),
        )
    } else {
        (digits, "")
    };
    if dropped.bytes().any(|b| b != b'0') {
        return Err(format!("{d} has more than {s} digits after the point"));
    }
    let keep = if keep.is_empty() { "0" } else { keep };
    let mut v: i128 = keep
        .parse()
        .map_err(|_| format!("{d} has more than {p} digits"))?;
    for _ in from..target {
        v = v
            .checked_mul(10)
            .ok_or_else(|| format!("{d} has more than {p} digits"))?;
    }
    if v.unsigned_abs().to_string().len() > usize::from(p) {
        return Err(format!("{d} has more than {p} digits"));
    }
    Ok(if d.is_negative() { -v } else { v })
}

/// When a [`RollingWriter`] closes a file and starts the next.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RollPolicy {
    /// Close once a file holds this many rows.
    pub max_rows: Option<u64>,
    /// Close once a file's written plus buffered bytes reach this.
    pub max_bytes: Option<u64>,
    /// Close once a file has been open this long (microseconds of the caller's clock, as
    /// passed to [`RollingWriter::write`] and [`RollingWriter::tick`]).
    pub max_age_micros: Option<i64>,
}

/// What identifies a file a [`RollingWriter`] opens.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FileInfo {
    /// 0, 1, 2, ... in the order files are opened.
    pub sequence: u64,
    /// The partition value its rows carry, if any.
    pub partition: Option<String>,
    /// The caller's time when it was opened (microseconds).
    pub opened_at: i64,
}

/// A closed Parquet file: its sink (holding the whole file) and what is in it.
#[derive(Debug)]
pub struct FinishedFile<W> {
    /// Which file.
    pub info: FileInfo,
    /// The sink, after the footer was written and flushed.
    pub sink: W,
    /// Rows in the file.
    pub rows: u64,
}

struct OpenFile<W: Write + Send> {
    info: FileInfo,
    writer: ArrowWriter<W>,
    rows: u64,
}

/// Writes record batches of one schema as Parquet files, starting a new file by rows, bytes,
/// age or partition value. Sans-IO in the sense that matters: it never opens files or reads a
/// clock: `open` makes a sink for each new file, time is the `now` the caller passes, and
/// closed files come back from [`RollingWriter::take_finished`] / [`RollingWriter::finish`].
pub struct RollingWriter<W: Write + Send, F> {
    schema: SchemaRef,
    policy: RollPolicy,
    open: F,
    props: WriterProperties,
    current: Option<OpenFile<W>>,
    finished: Vec<FinishedFile<W>>,
    sequence: u64,
}

impl<W, F> RollingWriter<W, F>
where
    W: Write + Send,
    F: FnMut(&FileInfo) -> std::io::Result<W>,
{
    /// A writer of `schema` (Snappy-compressed Parquet) that asks `open` for each new sink.
    pub fn new(schema: SchemaRef, policy: RollPolicy, open: F) -> RollingWriter<W, F> {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by("cdc-encode".into())
            .build();
        RollingWriter {
            schema,
            policy,
            open,
            props,
            current: None,
            finished: Vec::new(),
            sequence: 0,
        }
    }

    /// Writes `batch` (rows of `partition`) at time `now`. A file whose partition differs or
    /// that is too old is closed first; one that reaches the row or byte limit after it.
    pub fn write(
        &mut self,
        batch: &RecordBatch,
        now: i64,
        partition: Option<&str>,
    ) -> Result<(), Error> {
        self.tick(now)?;
        if self
            .current
            .as_ref()
            .is_some_and(|f| f.info.partition.as_deref() != partition)
        {
            self.close_current()?;
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if self.current.is_none() {
            let info = FileInfo {
                sequence: self.sequence,
                partition: partition.map(str::to_owned),
                opened_at: now,
            };
            let sink = (self.open)(&info).map_err(|source| Error::Open {
                sequence: info.sequence,
                source,
            })?;
            self.sequence += 1;
            let writer = ArrowWriter::try_new(sink, self.schema.clone(), Some(self.props.clone()))?;
            self.current = Some(OpenFile {
                info,
                writer,
                rows: 0,
            });
        }
        let full = match &mut self.current {
            Some(f) => {
                f.writer.write(batch)?;
                f.rows += batch.num_rows() as u64;
                let bytes = (f.writer.bytes_written() + f.writer.in_progress_size()) as u64;
                self.policy.max_rows.is_some_and(|m| f.rows >= m)
                    || self.policy.max_bytes.is_some_and(|m| bytes >= m)
            }
            None => false,
        };
        if full {
            self.close_current()?;
        }
        Ok(())
    }

    /// Closes the open file if it is older than the policy allows at time `now`.
    pub fn tick(&mut self, now: i64) -> Result<(), Error> {
        let old = match (&self.current, self.policy.max_age_micros) {
            (Some(f), Some(age)) => now.saturating_sub(f.info.opened_at) >= age,
            _ => false,
        };
        if old {
            self.close_current()?;
        }
        Ok(())
    }

    /// Takes the files closed so far.
    pub fn take_finished(&mut self) -> Vec<FinishedFile<W>> {
        std::mem::take(&mut self.finished)
    }

    /// Closes the open file and returns every file not yet taken.
    pub fn finish(mut self) -> Result<Vec<FinishedFile<W>>, Error> {
        self.close_current()?;
        Ok(self.finished)
    }

    fn close_current(&mut self) -> Result<(), Error> {
        if let Some(f) = self.current.take() {
            let mut sink = f.writer.into_inner()?;
            sink.flush().map_err(|e| Error::Parquet(e.into()))?;
            self.finished.push(FinishedFile {
                info: f.info,
                sink,
                rows: f.rows,
            });
        }
        Ok(())
    }
}

impl<W: Write + Send, F> std::fmt::Debug for RollingWriter<W, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RollingWriter")
            .field("policy", &self.policy)
            .field("sequence", &self.sequence)
            .field("open", &self.current.as_ref().map(|c| (&c.info, c.rows)))
            .field("finished", &self.finished.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_rescale_exactly_or_fail() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(rescale(&d("1.5"), 10, 2), Ok(150));
        assert_eq!(rescale(&d("-1.500"), 10, 2), Ok(-150));
        assert_eq!(rescale(&d("0.00"), 3, 2), Ok(0));
        assert!(rescale(&d("1.505"), 10, 2).is_err());
        assert!(rescale(&d("123.4"), 3, 1).is_err());
        assert!(rescale(&Decimal::NAN, 10, 2).is_err());
    }
}
