//! MySQL/MariaDB and PostgreSQL columns to MaxCompute (2.0 type system).
//!
//! Integers become `BIGINT` and floats `DOUBLE` (the layout DTS writes, and exact for every
//! source value); `DECIMAL` keeps its precision while MaxCompute's `DECIMAL(38,18)` limits
//! allow, and becomes its exact decimal text in `STRING` beyond them.

use cdc_model::{Column, ColumnType};

use crate::issue::{IssueKind, Reporter};
use crate::mapping::{ColumnMapping, Mapper};

/// MaxCompute's `DECIMAL` limits.
pub const MAX_DECIMAL_PRECISION: u32 = 38;
/// MaxCompute's largest `DECIMAL` scale.
pub const MAX_DECIMAL_SCALE: u32 = 18;
/// The default largest `STRING`/`BINARY` value, 8 MiB.
pub const MAX_VALUE_BYTES: u64 = 8 * 1024 * 1024;

pub(crate) fn map(mapper: &Mapper, column: &Column, r: &mut Reporter<'_>) -> ColumnMapping {
    let from_mysql = mapper.source().is_mysql_family();
    ColumnMapping::new(mc_type(from_mysql, &column.ty, r), Vec::new())
}

fn too_long(r: &mut Reporter<'_>, max: Option<u64>) {
    if max.is_none_or(|m| m > MAX_VALUE_BYTES) {
        r.lossy(
            IssueKind::LengthLimit,
            "MaxCompute rejects STRING/BINARY values over 8 MiB (odps.sql.cfile2.field.maxsize); \
             longer source values fail",
        );
    }
}

fn zero_dates(from_mysql: bool, r: &mut Reporter<'_>) {
    if from_mysql {
        r.lossy(
            IssueKind::ZeroDateToNull,
            "MySQL zero dates (0000-00-00, and dates with a zero month or day) become NULL",
        );
    }
}

/// PostgreSQL dates and timestamps span 4713 BC..5874897 AD (timestamps ..294276 AD) plus
/// `infinity` and `-infinity`; MaxCompute `DATE`, `DATETIME` and `TIMESTAMP` hold years
/// 0001..9999 only.
fn pg_temporal_range(from_mysql: bool, r: &mut Reporter<'_>, target: &str) {
    if !from_mysql {
        r.lossy(
            IssueKind::TemporalRange,
            format!(
                "MaxCompute {target} holds years 0001..9999 only: PostgreSQL infinity,                  -infinity, BC dates and years after 9999 have no {target} value and are                  rejected"
            ),
        );
    }
}

fn mc_type(from_mysql: bool, ty: &ColumnType, r: &mut Reporter<'_>) -> Option<String> {
    let s = |t: &str| Some(t.to_owned());
    match ty {
        ColumnType::Bool => s("BOOLEAN"),
        ColumnType::TinyInt { .. }
        | ColumnType::SmallInt { .. }
        | ColumnType::MediumInt { .. }
        | ColumnType::Int { .. }
        | ColumnType::BigInt { unsigned: false }
        | ColumnType::Year => s("BIGINT"),
        ColumnType::BigInt { unsigned: true } => {
            r.note(
                IssueKind::UnsignedWidened,
                "BIGINT UNSIGNED exceeds BIGINT: DECIMAL(20,0)",
            );
            s("DECIMAL(20,0)")
        }
        ColumnType::Float | ColumnType::Double => s("DOUBLE"),
        ColumnType::Decimal { precision, scale } => {
            let scale = scale.unwrap_or(0);
            match precision {
                Some(p)
                    if *p <= MAX_DECIMAL_PRECISION && scale <= MAX_DECIMAL_SCALE && scale <= *p =>
                {
                    Some(format!("DECIMAL({p},{scale})"))
                }
                _ => {
                    r.note(
                        IssueKind::NumericRange,
                        format!(
                            "{ty} exceeds MaxCompute DECIMAL({MAX_DECIMAL_PRECISION},\
                             {MAX_DECIMAL_SCALE}): kept exact as its decimal text in STRING"
                        ),
                    );
                    s("STRING")
                }
            }
        }
        ColumnType::Date => {
            zero_dates(from_mysql, r);
            pg_temporal_range(from_mysql, r, "DATE");
            s("DATE")
        }
        ColumnType::DateTime { precision } => {
            zero_dates(from_mysql, r);
            if precision.is_some_and(|p| p > 3) || (!from_mysql && precision.is_none()) {
                r.lossy(
                    IssueKind::FractionalSecondsCut,
                    "MaxCompute DATETIME keeps milliseconds: further fractional digits are cut",
                );
            }
            pg_temporal_range(from_mysql, r, "DATETIME");
            s("DATETIME")
        }
        ColumnType::Timestamp { .. } => {
            zero_dates(from_mysql, r);
            pg_temporal_range(from_mysql, r, "TIMESTAMP");
            s("TIMESTAMP")
        }
        ColumnType::Time { .. } | ColumnType::TimeTz { .. } | ColumnType::Interval => {
            r.note(
                IssueKind::TypeNotInTarget,
                format!("MaxCompute has no {ty} type: its text form in STRING"),
            );
            s("STRING")
        }
        ColumnType::Char { .. }
        | ColumnType::VarChar {
            length: Some(_), ..
        } => s("STRING"),
        ColumnType::VarChar { length: None, .. } => {
            too_long(r, None);
            s("STRING")
        }
        ColumnType::Text { max_bytes, .. } => {
            too_long(r, *max_bytes);
            s("STRING")
        }
        ColumnType::Binary { .. } | ColumnType::VarBinary { .. } => s("BINARY"),
        ColumnType::Blob { max_bytes } => {
            too_long(r, *max_bytes);
            s("BINARY")
        }
        ColumnType::Bit { varying: true, .. } => {
            r.note(
                IssueKind::TypeNotInTarget,
                "bit varying as its text form ('0101') in STRING",
            );
            s("STRING")
        }
        ColumnType::Bit { length, .. } => match length.unwrap_or(1) {
            1 => s("BOOLEAN"),
            2..=63 => s("BIGINT"),
            64 => {
                r.note(
                    IssueKind::UnsignedWidened,
                    "BIT(64) values reach 2^64-1: DECIMAL(20,0)",
                );
                s("DECIMAL(20,0)")
            }
            n => {
                // PostgreSQL bit(n) goes up to 83886080 bits; no number type holds them.
                r.note(
                    IssueKind::TypeNotInTarget,
                    format!("bit({n}) as its text form ('0101...') in STRING"),
                );
                s("STRING")
            }
        },
        ColumnType::Enum { .. } => s("STRING"),
        ColumnType::Set { .. } => {
            r.note(
                IssueKind::EnumSetAsText,
                "SET as STRING holding the comma-separated members",
            );
            s("STRING")
        }
        ColumnType::Json | ColumnType::Jsonb => {
            r.note(IssueKind::JsonRepresentation, "JSON as its text in STRING");
            too_long(r, None);
            s("STRING")
        }
        ColumnType::Geometry { srid, .. } => {
            if srid.is_some() {
                r.note(
                    IssueKind::Spatial,
                    "spatial values as WKB in BINARY; the column's SRID is the declared one",
                );
            } else {
                r.lossy(
                    IssueKind::Spatial,
                    "spatial values as WKB in BINARY: each value's SRID is not kept",
                );
            }
            s("BINARY")
        }
        ColumnType::Vector { .. } => s("ARRAY<FLOAT>"),
        ColumnType::Uuid
        | ColumnType::Inet
        | ColumnType::Cidr
        | ColumnType::MacAddr
        | ColumnType::MacAddr8 => s("STRING"),
        ColumnType::Money => {
            r.note(
                IssueKind::TypeNotInTarget,
                "money as its text form (with currency symbol) in STRING",
            );
            s("STRING")
        }
        ColumnType::Array { element } => {
            let e = mc_type(from_mysql, element, r)?;
            Some(format!("ARRAY<{e}>"))
        }
        ColumnType::Domain { base, .. } => mc_type(from_mysql, base, r),
        ColumnType::Other { name, .. } => {
            r.note(
                IssueKind::UnknownType,
                format!("unknown type {name}: its text form in STRING"),
            );
            s("STRING")
        }
    }
}
