//! Glue to the binlog decoder: tracked schemas go to
//! [`Decoder::supply_schema`](cdc_mysql_binlog::Decoder::supply_schema), so rows decode with
//! column names, ENUM/SET labels, signedness and character sets even under
//! `binlog_row_metadata=MINIMAL`, and a schema that does not fit a TABLE_MAP is an error
//! instead of names put on the wrong columns.

use cdc_model::{ColumnType, SourcePosition, TableId, TableSchema};
use cdc_mysql_binlog::{Decoder, Query, TableMap, types};

use crate::error::{Error, ErrorKind, Result};
use crate::history::SchemaHistory;
use crate::tracker::{Outcome, SchemaTracker};

/// Supplies every table the tracker knows.
pub fn supply_all(decoder: &mut Decoder, tracker: &SchemaTracker) {
    for def in tracker.tables() {
        decoder.supply_schema(def.schema.clone());
    }
}

/// Supplies the tables a statement created, altered or renamed (their new schemas).
pub fn supply_changes(decoder: &mut Decoder, tracker: &SchemaTracker, outcome: &Outcome) {
    for id in outcome.affected_tables() {
        if let Some(def) = tracker.table(&id) {
            decoder.supply_schema(def.schema.clone());
        }
    }
}

/// Applies a QUERY event at `position` to the history (its default database qualifies
/// unqualified names) and supplies the changed tables to the decoder.
///
/// QUERY events the source logged with an error code are applied too: the server logs a
/// statement that failed part-way (a multi-table `DROP TABLE`) with the part that took effect.
pub fn apply_query_event(
    history: &mut SchemaHistory,
    decoder: &mut Decoder,
    query: &Query,
    position: &SourcePosition,
) -> Result<Outcome> {
    let outcome = history.apply(position, &query.schema, &query.query_text())?;
    supply_changes(decoder, history.current(), &outcome);
    Ok(outcome)
}

/// The TABLE_MAP type codes a column of type `ty` may be logged with (`None`: any).
fn expected_codes(ty: &ColumnType) -> Option<&'static [u8]> {
    use types::*;
    Some(match ty {
        ColumnType::TinyInt { .. } | ColumnType::Bool => &[TINY],
        ColumnType::SmallInt { .. } => &[SHORT],
        ColumnType::MediumInt { .. } => &[INT24],
        ColumnType::Int { .. } => &[LONG],
        ColumnType::BigInt { .. } => &[LONGLONG],
        ColumnType::Float => &[FLOAT],
        ColumnType::Double => &[DOUBLE],
        ColumnType::Decimal { .. } => &[NEWDECIMAL, DECIMAL],
        ColumnType::Year => &[YEAR],
        ColumnType::Date => &[DATE, NEWDATE],
        ColumnType::Time { .. } => &[TIME, TIME2],
        ColumnType::DateTime { .. } => &[DATETIME, DATETIME2],
        ColumnType::Timestamp { .. } => &[TIMESTAMP, TIMESTAMP2],
        ColumnType::Char { .. } | ColumnType::Binary { .. } => &[STRING],
        ColumnType::VarChar { .. } | ColumnType::VarBinary { .. } => &[VARCHAR, VAR_STRING],
        ColumnType::Text { .. } | ColumnType::Blob { .. } => {
            &[BLOB, TINY_BLOB, MEDIUM_BLOB, LONG_BLOB]
        }
        ColumnType::Bit { .. } => &[BIT],
        ColumnType::Enum { .. } => &[ENUM, STRING],
        ColumnType::Set { .. } => &[SET, STRING],
        ColumnType::Json => &[JSON],
        ColumnType::Geometry { .. } => &[GEOMETRY],
        ColumnType::Vector { .. } => &[VECTOR],
        ColumnType::Uuid | ColumnType::Inet => &[STRING],
        _ => return None,
    })
}

/// Checks that `schema` fits the TABLE_MAP `tm` column by column (count, type code, and the
/// length-prefix size of TEXT/BLOB columns), so a stale or wrong schema is caught before it
/// names the columns of a row.
pub fn check_table_map(tm: &TableMap, schema: &TableSchema) -> Result<()> {
    let table = TableId::new(tm.schema.clone(), tm.table.clone());
    let fail = |detail: String| {
        Err(Error::new(ErrorKind::TableMapMismatch {
            table: table.clone(),
            detail,
        }))
    };
    if tm.columns.len() != schema.columns.len() {
        return fail(format!(
            "TABLE_MAP has {} columns, the schema {}",
            tm.columns.len(),
            schema.columns.len()
        ));
    }
    for (i, (desc, col)) in tm.columns.iter().zip(&schema.columns).enumerate() {
        if let Some(codes) = expected_codes(&col.ty)
            && !codes.contains(&desc.type_code)
        {
            return fail(format!(
                "column {i} ({}, {}) is logged with type code {}",
                col.name, col.ty, desc.type_code
            ));
        }
        let prefix = match &col.ty {
            ColumnType::Text { max_bytes, .. } | ColumnType::Blob { max_bytes } => {
                match max_bytes {
                    Some(255) => Some(1),
                    Some(65_535) => Some(2),
                    Some(16_777_215) => Some(3),
                    Some(_) => Some(4),
                    None => None,
                }
            }
            _ => None,
        };
        if let Some(p) = prefix
            && desc.type_code == types::BLOB
            && desc.meta != p
        {
            return fail(format!(
                "column {i} ({}, {}) is logged with a {}-byte length",
                col.name, col.ty, desc.meta
            ));
        }
    }
    Ok(())
}
