//! Arrow data types for columns and tables of any source (feature `arrow`), for the lake
//! encoders.
//!
//! Integers keep width and sign (MEDIUMINT widens to 32 bits); DECIMAL(p ≤ 38) is
//! `Decimal128`, wider `Decimal256`; DATETIME is a zone-less microsecond `Timestamp`,
//! TIMESTAMP one in `UTC`; MySQL TIME is a microsecond `Duration` (it is signed and spans
//! 838 hours), PostgreSQL time `Time64`; BINARY(n) and uuid are fixed-size binary; VECTOR(n)
//! is a fixed-size list of `Float32`; arrays are lists.

use std::sync::Arc;

use arrow_schema::{DataType, Field, IntervalUnit, Schema, TimeUnit};
use cdc_model::{Column, ColumnType, TableSchema};

use crate::dialect::Dialect;
use crate::issue::{Issue, IssueKind, Reporter};
use crate::mapping::source_type;

/// The Arrow field for one column (nullable as the column is, and always for MySQL date
/// columns, whose zero dates become null), and what it reports.
///
/// ```
/// use arrow_schema::{DataType, TimeUnit};
/// use cdc_model::{Column, ColumnType, TableId};
/// use cdc_typemap::{Dialect, arrow};
///
/// let t = TableId::new("shop", "orders");
/// let c = Column::new("at", ColumnType::Timestamp { precision: Some(6) }).not_null();
/// let (field, issues) = arrow::field(Dialect::MYSQL_80, &t, &c);
/// assert_eq!(field.data_type(), &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
/// assert!(field.is_nullable()); // zero dates
/// assert_eq!(issues.len(), 1);
/// ```
pub fn field(source: Dialect, table: &cdc_model::TableId, column: &Column) -> (Field, Vec<Issue>) {
    let from_mysql = source.is_mysql_family();
    let mut r = Reporter::new(table, Some(&column.name), Some(source_type(column)));
    let dt = data_type(from_mysql, &column.ty, &mut r);
    let zero_dates = from_mysql
        && matches!(
            column.ty,
            ColumnType::Date | ColumnType::DateTime { .. } | ColumnType::Timestamp { .. }
        );
    (
        Field::new(&column.name, dt, column.nullable || zero_dates),
        r.issues,
    )
}

/// The Arrow schema of a table, one field per column.
pub fn schema(source: Dialect, table: &TableSchema) -> (Schema, Vec<Issue>) {
    let mut issues = Vec::new();
    let fields: Vec<Field> = table
        .columns
        .iter()
        .map(|c| {
            let (f, mut i) = field(source, &table.id, c);
            issues.append(&mut i);
            f
        })
        .collect();
    (Schema::new(fields), issues)
}

fn data_type(from_mysql: bool, ty: &ColumnType, r: &mut Reporter<'_>) -> DataType {
    match ty {
        ColumnType::Bool => DataType::Boolean,
        ColumnType::TinyInt { unsigned: false } => DataType::Int8,
        ColumnType::TinyInt { unsigned: true } => DataType::UInt8,
        ColumnType::SmallInt { unsigned: false } => DataType::Int16,
        ColumnType::SmallInt { unsigned: true } => DataType::UInt16,
        ColumnType::MediumInt { unsigned: false } | ColumnType::Int { unsigned: false } => {
            DataType::Int32
        }
        ColumnType::MediumInt { unsigned: true } | ColumnType::Int { unsigned: true } => {
            DataType::UInt32
        }
        ColumnType::BigInt { unsigned: false } => DataType::Int64,
        ColumnType::BigInt { unsigned: true } => DataType::UInt64,
        ColumnType::Float => DataType::Float32,
        ColumnType::Double => DataType::Float64,
        ColumnType::Decimal {
            precision: Some(p),
            scale,
        } => {
            let scale = scale.unwrap_or(0);
            // Arrow decimals need 0 <= scale <= precision; PostgreSQL allows numeric(2,5).
            let s = i8::try_from(scale).ok().filter(|_| scale <= *p);
            match (u8::try_from(*p), s) {
                (Ok(p), Some(s)) if p <= 38 => DataType::Decimal128(p, s),
                (Ok(p), Some(s)) if p <= 76 => DataType::Decimal256(p, s),
                _ => {
                    r.note(
                        IssueKind::NumericRange,
                        format!(
                            "{ty} has no Arrow decimal (precision up to 76, scale up to the \
                             precision): its exact text as Utf8"
                        ),
                    );
                    DataType::Utf8
                }
            }
        }
        ColumnType::Decimal {
            precision: None, ..
        } => {
            r.note(
                IssueKind::NumericRange,
                "unconstrained numeric has no Arrow decimal precision: its exact text as Utf8",
            );
            DataType::Utf8
        }
        ColumnType::Year => DataType::Int16,
        ColumnType::Date => {
            zero(from_mysql, r);
            DataType::Date32
        }
        ColumnType::Time { .. } if from_mysql => DataType::Duration(TimeUnit::Microsecond),
        ColumnType::Time { .. } => DataType::Time64(TimeUnit::Microsecond),
        ColumnType::DateTime { .. } => {
            zero(from_mysql, r);
            DataType::Timestamp(TimeUnit::Microsecond, None)
        }
        ColumnType::Timestamp { .. } => {
            zero(from_mysql, r);
            DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
        }
        ColumnType::Interval => DataType::Interval(IntervalUnit::MonthDayNano),
        ColumnType::TimeTz { .. } => {
            r.note(
                IssueKind::TypeNotInTarget,
                "time with time zone has no Arrow type: its text form as Utf8",
            );
            DataType::Utf8
        }
        ColumnType::Char { .. }
        | ColumnType::VarChar { .. }
        | ColumnType::Text { .. }
        | ColumnType::Enum { .. }
        | ColumnType::Set { .. }
        | ColumnType::Json
        | ColumnType::Jsonb
        | ColumnType::Inet
        | ColumnType::Cidr
        | ColumnType::MacAddr
        | ColumnType::MacAddr8 => DataType::Utf8,
        ColumnType::Other { name, .. } => {
            r.note(
                IssueKind::UnknownType,
                format!("unknown type {name}: its text form as Utf8"),
            );
            DataType::Utf8
        }
        ColumnType::Money => {
            r.note(
                IssueKind::TypeNotInTarget,
                "money as Int64 in the currency's smallest unit (cents)",
            );
            DataType::Int64
        }
        ColumnType::Uuid => DataType::FixedSizeBinary(16),
        ColumnType::Binary { length } => match i32::try_from(*length) {
            Ok(n) if n > 0 => DataType::FixedSizeBinary(n),
            _ => DataType::Binary,
        },
        ColumnType::VarBinary { .. } | ColumnType::Blob { .. } => DataType::Binary,
        ColumnType::Geometry { srid, .. } => {
            if srid.is_none() {
                r.lossy(
                    IssueKind::Spatial,
                    "spatial values as WKB bytes: each value's SRID is not kept",
                );
            }
            DataType::Binary
        }
        // `BIT` without a length is `BIT(1)`.
        ColumnType::Bit {
            length,
            varying: false,
        } if length.unwrap_or(1) <= 64 => DataType::UInt64,
        ColumnType::Bit { .. } => {
            r.note(
                IssueKind::TypeNotInTarget,
                "bit string as Binary (most significant bit first)",
            );
            DataType::Binary
        }
        ColumnType::Vector { dimensions } => match i32::try_from(*dimensions) {
            Ok(n) => {
                DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, false)), n)
            }
            Err(_) => DataType::List(Arc::new(Field::new("item", DataType::Float32, false))),
        },
        ColumnType::Array { element } => DataType::List(Arc::new(Field::new(
            "item",
            data_type(from_mysql, element, r),
            true,
        ))),
        ColumnType::Domain { base, .. } => data_type(from_mysql, base, r),
    }
}

fn zero(from_mysql: bool, r: &mut Reporter<'_>) {
    if from_mysql {
        r.lossy(
            IssueKind::ZeroDateToNull,
            "MySQL zero dates have no Arrow value: they become null",
        );
    }
}
