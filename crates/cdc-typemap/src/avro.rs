//! Avro schemas (as JSON) for columns and tables of any source, for the Kafka and lake
//! encoders.
//!
//! | source type | Avro |
//! |---|---|
//! | boolean | `boolean` |
//! | integers up to 32 bits, unsigned up to 24 bits, YEAR | `int` |
//! | INT UNSIGNED, BIGINT | `long` |
//! | BIGINT UNSIGNED | `bytes` decimal(20,0) |
//! | FLOAT / DOUBLE | `float` / `double` |
//! | DECIMAL(p,s) | `bytes` decimal(p,s); unconstrained numeric: `string` |
//! | DATE | `int` date |
//! | DATETIME / timestamp | `long` local-timestamp-micros |
//! | TIMESTAMP / timestamptz | `long` timestamp-micros |
//! | PostgreSQL time | `long` time-micros; MySQL TIME: `long` signed microseconds |
//! | text, ENUM, SET, JSON, inet, ... | `string` (uuid: `string` uuid) |
//! | binary, blobs, spatial (WKB) | `bytes` |
//! | BIT(n ≤ 63), BIT without a length (BIT(1)) | `long`; wider or varying: `bytes` |
//! | VECTOR, arrays | `array` |
//!
//! Nullable columns are `["null", T]` unions with a `null` default; so are MySQL date
//! columns, whose zero dates become null.

use cdc_model::{Column, ColumnType, TableSchema};
use serde_json::{Value as Json, json};

use crate::dialect::Dialect;
use crate::issue::{Issue, IssueKind, Reporter};
use crate::mapping::source_type;

/// The Avro schema of one column (a `["null", T]` union when nullable), and what it reports.
///
/// ```
/// use cdc_model::{Column, ColumnType, TableId};
/// use cdc_typemap::{Dialect, avro};
/// use serde_json::json;
///
/// let t = TableId::new("shop", "orders");
/// let c = Column::new("total", ColumnType::Decimal { precision: Some(10), scale: Some(2) });
/// let (schema, issues) = avro::column_schema(Dialect::MYSQL_80, &t, &c);
/// assert_eq!(schema, json!(["null",
///     {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}]));
/// assert!(issues.is_empty());
/// ```
pub fn column_schema(
    source: Dialect,
    table: &cdc_model::TableId,
    column: &Column,
) -> (Json, Vec<Issue>) {
    let mut r = Reporter::new(table, Some(&column.name), Some(source_type(column)));
    let t = type_schema(source.is_mysql_family(), &column.ty, &mut r);
    let t = if nullable(source, column) {
        json!(["null", t])
    } else {
        t
    };
    (t, r.issues)
}

/// An Avro record schema for a table: one field per column, names made Avro-legal (letters,
/// digits, `_`, not starting with a digit; changed names are reported).
///
/// ```
/// use cdc_model::{Column, ColumnType, TableId, TableSchema};
/// use cdc_typemap::{Dialect, avro};
///
/// let t = TableSchema::new(TableId::new("shop", "order-lines"), vec![
///     Column::new("id", ColumnType::Int { unsigned: false }).not_null(),
/// ]);
/// let (schema, issues) = avro::record_schema(Dialect::MYSQL_80, &t);
/// assert_eq!(schema["name"], "order_lines");
/// assert_eq!(schema["namespace"], "shop");
/// assert_eq!(schema["fields"][0]["type"], "int");
/// assert_eq!(issues.len(), 1); // the table name changed
/// ```
pub fn record_schema(source: Dialect, table: &TableSchema) -> (Json, Vec<Issue>) {
    let mut issues = Vec::new();
    let mut tr = Reporter::new(&table.id, None, None);
    let name = avro_name(&table.id.name, &mut tr, "table");
    let namespace = avro_name(&table.id.schema, &mut tr, "schema");
    let mut fields = Vec::new();
    for c in &table.columns {
        let (t, mut i) = column_schema(source, &table.id, c);
        issues.append(&mut i);
        let mut cr = Reporter::new(&table.id, Some(&c.name), Some(source_type(c)));
        let fname = avro_name(&c.name, &mut cr, "column");
        issues.append(&mut cr.issues);
        let mut f = serde_json::Map::new();
        f.insert("name".into(), json!(fname));
        f.insert("type".into(), t);
        if nullable(source, c) {
            f.insert("default".into(), Json::Null);
        }
        if let Some(doc) = &c.comment {
            f.insert("doc".into(), json!(doc));
        }
        fields.push(Json::Object(f));
    }
    issues.append(&mut tr.issues);
    (
        json!({"type": "record", "name": name, "namespace": namespace, "fields": fields}),
        issues,
    )
}

/// Nullable columns, and MySQL date columns (zero dates become null even in NOT NULL ones).
fn nullable(source: Dialect, column: &Column) -> bool {
    column.nullable
        || (source.is_mysql_family()
            && matches!(
                column.ty,
                ColumnType::Date | ColumnType::DateTime { .. } | ColumnType::Timestamp { .. }
            ))
}

fn avro_name(name: &str, r: &mut Reporter<'_>, what: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out != name {
        r.note(
            IssueKind::Name,
            format!("{what} name {name} is not a legal Avro name: {out}"),
        );
    }
    out
}

fn decimal(precision: u32, scale: u32) -> Json {
    json!({"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale})
}

fn type_schema(from_mysql: bool, ty: &ColumnType, r: &mut Reporter<'_>) -> Json {
    match ty {
        ColumnType::Bool => json!("boolean"),
        ColumnType::TinyInt { .. }
        | ColumnType::SmallInt { .. }
        | ColumnType::MediumInt { .. }
        | ColumnType::Int { unsigned: false }
        | ColumnType::Year => json!("int"),
        ColumnType::Int { unsigned: true } | ColumnType::BigInt { unsigned: false } => {
            json!("long")
        }
        ColumnType::BigInt { unsigned: true } => decimal(20, 0),
        ColumnType::Float => json!("float"),
        ColumnType::Double => json!("double"),
        ColumnType::Decimal {
            precision: Some(p),
            scale,
        } if scale.unwrap_or(0) <= *p => decimal(*p, scale.unwrap_or(0)),
        ColumnType::Decimal {
            precision: Some(_), ..
        } => {
            // Avro requires scale <= precision; PostgreSQL allows numeric(2,5).
            r.note(
                IssueKind::NumericRange,
                format!("{ty} has a scale above its precision, which an Avro decimal cannot: its exact text as string"),
            );
            json!("string")
        }
        ColumnType::Decimal {
            precision: None, ..
        } => {
            r.note(
                IssueKind::NumericRange,
                "unconstrained numeric has no Avro decimal precision: its exact text as string",
            );
            json!("string")
        }
        ColumnType::Date => {
            zero(from_mysql, r);
            json!({"type": "int", "logicalType": "date"})
        }
        ColumnType::Time { .. } if from_mysql => {
            r.note(
                IssueKind::TimeOutOfRange,
                "MySQL TIME as signed microseconds (long): it spans -838:59:59..838:59:59, \
                 beyond Avro's time-of-day",
            );
            json!("long")
        }
        ColumnType::Time { .. } => json!({"type": "long", "logicalType": "time-micros"}),
        ColumnType::DateTime { .. } => {
            zero(from_mysql, r);
            json!({"type": "long", "logicalType": "local-timestamp-micros"})
        }
        ColumnType::Timestamp { .. } => {
            zero(from_mysql, r);
            json!({"type": "long", "logicalType": "timestamp-micros"})
        }
        ColumnType::TimeTz { .. } | ColumnType::Interval => {
            r.note(
                IssueKind::TypeNotInTarget,
                format!("{ty} has no Avro type: its text form as string"),
            );
            json!("string")
        }
        ColumnType::Uuid => json!({"type": "string", "logicalType": "uuid"}),
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
        | ColumnType::MacAddr8 => json!("string"),
        ColumnType::Other { name, .. } => {
            r.note(
                IssueKind::UnknownType,
                format!("unknown type {name}: its text form as string"),
            );
            json!("string")
        }
        ColumnType::Money => {
            r.note(
                IssueKind::TypeNotInTarget,
                "money as a long in the currency's smallest unit (cents)",
            );
            json!("long")
        }
        ColumnType::Binary { .. } | ColumnType::VarBinary { .. } | ColumnType::Blob { .. } => {
            json!("bytes")
        }
        ColumnType::Geometry { srid, .. } => {
            if srid.is_none() {
                r.lossy(
                    IssueKind::Spatial,
                    "spatial values as WKB bytes: each value's SRID is not kept",
                );
            }
            json!("bytes")
        }
        // `BIT` without a length is `BIT(1)` in MySQL and PostgreSQL alike.
        ColumnType::Bit {
            length,
            varying: false,
        } if length.unwrap_or(1) <= 63 => json!("long"),
        ColumnType::Bit { .. } => {
            r.note(
                IssueKind::TypeNotInTarget,
                "bit string as bytes (most significant bit first)",
            );
            json!("bytes")
        }
        ColumnType::Vector { .. } => json!({"type": "array", "items": "float"}),
        ColumnType::Array { element } => {
            json!({"type": "array", "items": ["null", type_schema(from_mysql, element, r)]})
        }
        ColumnType::Domain { base, .. } => type_schema(from_mysql, base, r),
    }
}

fn zero(from_mysql: bool, r: &mut Reporter<'_>) {
    if from_mysql {
        r.lossy(
            IssueKind::ZeroDateToNull,
            "MySQL zero dates have no Avro value: they become null",
        );
    }
}
