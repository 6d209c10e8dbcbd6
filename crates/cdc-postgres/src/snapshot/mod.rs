//! A consistent snapshot of tables, read in parallel, that ends exactly where a logical
//! replication slot's change stream begins.
//!
//! 1. On a `replication=database` connection, `CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT`
//!    creates the slot and exports the snapshot of its consistent point. That connection is
//!    kept, idle, until every worker has imported the snapshot (running anything else on it
//!    would end the export).
//! 2. Each worker connection runs `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
//!    SET TRANSACTION SNAPSHOT '<name>'`: all workers now see the database exactly as of the
//!    slot's consistent point.
//! 3. Each table is described inside that snapshot (columns and type OIDs from a prepared
//!    `SELECT cols FROM t LIMIT 0`, user-defined types from `pg_type`) and split into
//!    chunks: ranges of heap pages (`ctid`) or of an integer primary key.
//! 4. Chunks are read as `COPY (SELECT cols FROM t WHERE chunk) TO STDOUT (FORMAT binary)`
//!    by the workers in parallel (at most one chunk per worker at a time), parsed by the
//!    sans-IO [`CopyBinaryParser`] and decoded into exact [`cdc_model::Value`]s by
//!    cdc-pgoutput's binary value decoders — the same decoders a `binary` change stream uses,
//!    so snapshot rows and streamed rows compare equal.
//!
//! The change stream then starts at [`SnapshotReader::consistent_point`]: it delivers exactly
//! the transactions that committed after the snapshot.
//!
//! Parallelism is plain `futures` combinators (`buffer_unordered`, `try_join_all`) on the
//! caller's executor: no task is spawned and no runtime is needed.

mod copy_binary;

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use cdc_model::{Column, Index, Lsn, RowImage, TableId, TableSchema};
use cdc_pgoutput::{TypeInfo, TypeRegistry, ValueKind, decode_binary_value};
use futures::io::{AsyncRead, AsyncWrite};
use futures::{Stream, StreamExt};

pub use copy_binary::{COPY_SIGNATURE, CopyBinaryError, CopyBinaryErrorKind, CopyBinaryParser};

use crate::connection::Connection;
use crate::error::{Error, ErrorKind, Result};
use crate::replication::{ReplicationSlot, SnapshotAction};

/// Quotes an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an SQL string literal (standard_conforming_strings).
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `"schema"."table"`.
fn qualified(id: &TableId) -> String {
    format!("{}.{}", ident(&id.schema), ident(&id.name))
}

/// How a table is split for parallel reading.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Chunking {
    /// One chunk for the whole table.
    None,
    /// Ranges of `pages` heap pages (`ctid >= '(a,0)' AND ctid < '(b,0)'`), the last range
    /// open-ended. Works for every table, with or without a key; PostgreSQL 14+ reads each
    /// range with a TID range scan.
    Ctid {
        /// Pages per chunk (8 KiB each by default).
        pages: u64,
    },
    /// Ranges of a single-column integer primary key of about `rows` rows each, split evenly
    /// between its minimum and maximum (first and last ranges open-ended). Tables without
    /// such a key fall back to [`Chunking::Ctid`] with 1024 pages.
    PrimaryKey {
        /// Rows per chunk, aimed at.
        rows: u64,
    },
}

/// Which rows of a table one chunk reads.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ChunkRange {
    /// Every row.
    All,
    /// Heap pages `from..to` (`to` `None`: to the end).
    Pages {
        /// First page.
        from: u64,
        /// Page after the last (`None`: to the end of the table).
        to: Option<u64>,
    },
    /// Key values `from..to` of `column` (`None`: unbounded on that side).
    Key {
        /// The key column.
        column: String,
        /// Lowest key (inclusive).
        from: Option<i64>,
        /// Highest key (exclusive).
        to: Option<i64>,
    },
}

impl ChunkRange {
    /// The `WHERE` condition, if any.
    pub fn condition(&self) -> Option<String> {
        match self {
            ChunkRange::All => None,
            ChunkRange::Pages { from, to } => Some(match to {
                Some(to) => format!("ctid >= '({from},0)'::tid AND ctid < '({to},0)'::tid"),
                None => format!("ctid >= '({from},0)'::tid"),
            }),
            ChunkRange::Key { column, from, to } => {
                let c = ident(column);
                match (from, to) {
                    (None, None) => None,
                    (Some(f), None) => Some(format!("{c} >= {f}")),
                    (None, Some(t)) => Some(format!("{c} < {t}")),
                    (Some(f), Some(t)) => Some(format!("{c} >= {f} AND {c} < {t}")),
                }
            }
        }
    }
}

/// A table described inside the snapshot, with its chunks.
#[derive(Clone, Debug)]
pub struct TablePlan {
    /// The table's schema as the snapshot sees it: the columns read (generated and dropped
    /// columns excluded, as pgoutput excludes them), their model types, `NOT NULL`, the
    /// primary key. Row images are aligned with its columns.
    pub schema: Arc<TableSchema>,
    /// The chunks.
    pub chunks: Vec<ChunkRange>,
    kinds: Arc<[ValueKind]>,
}

impl TablePlan {
    /// The `COPY` statement of chunk `range`.
    pub fn copy_statement(&self, range: &ChunkRange) -> String {
        let cols: Vec<String> = self.schema.columns.iter().map(|c| ident(&c.name)).collect();
        let mut sql = format!(
            "COPY (SELECT {} FROM ONLY {}",
            cols.join(", "),
            qualified(&self.schema.id)
        );
        if let Some(cond) = range.condition() {
            sql.push_str(" WHERE ");
            sql.push_str(&cond);
        }
        sql.push_str(") TO STDOUT (FORMAT binary)");
        sql
    }

    /// Decodes one tuple of a binary COPY of this table.
    pub fn decode_row(&self, fields: &[Option<Bytes>]) -> Result<RowImage> {
        decode_row(&self.schema, &self.kinds, fields)
    }
}

/// Decodes the fields of one binary COPY tuple into a row of `schema`, value `i` with
/// `kinds[i]`; errors name the table and column.
pub fn decode_row(
    schema: &TableSchema,
    kinds: &[ValueKind],
    fields: &[Option<Bytes>],
) -> Result<RowImage> {
    if fields.len() != kinds.len() {
        return Err(
            Error::new(ErrorKind::CopyBinary(CopyBinaryError::field_count(
                kinds.len(),
                fields.len(),
            )))
            .during(format!("snapshot of {}", schema.id)),
        );
    }
    let mut values = Vec::with_capacity(fields.len());
    for (i, (field, kind)) in fields.iter().zip(kinds).enumerate() {
        let v = match field {
            None => cdc_model::Value::Null,
            Some(b) => decode_binary_value(kind, b).map_err(|e| {
                let name = schema.columns.get(i).map(|c| c.name.as_str());
                Error::new(ErrorKind::Decode(
                    e.in_relation(|| schema.id.to_string()).in_column(i, name),
                ))
            })?,
        };
        values.push(v);
    }
    Ok(RowImage::new(values))
}

/// The rows of one chunk.
#[derive(Clone, Debug)]
pub struct RowBatch {
    /// The table.
    pub table: Arc<TableSchema>,
    /// Which rows.
    pub range: ChunkRange,
    /// The rows, aligned with `table.columns`.
    pub rows: Vec<RowImage>,
}

/// A snapshot in progress: the slot, its exported snapshot, and the worker sessions that
/// imported it. See the [module docs](self).
#[derive(Debug)]
pub struct SnapshotReader<S> {
    replication: Connection<S>,
    slot: ReplicationSlot,
    workers: Mutex<Vec<Connection<S>>>,
    worker_count: usize,
    types: TypeRegistry,
}

impl<S: AsyncRead + AsyncWrite + Unpin> SnapshotReader<S> {
    /// Creates logical slot `slot_name` (pgoutput) with an exported snapshot on `replication`
    /// (a `replication=database` session) and imports the snapshot into every worker (normal
    /// sessions to the same database, at least one). When a worker cannot import it (a
    /// session to another database, say), the server's error is returned and the slot is
    /// dropped again.
    pub async fn begin(
        mut replication: Connection<S>,
        mut workers: Vec<Connection<S>>,
        slot_name: &str,
        temporary: bool,
    ) -> Result<SnapshotReader<S>> {
        if workers.is_empty() {
            return Err(Error::usage(
                "a snapshot needs at least one worker connection",
            ));
        }
        let slot = replication
            .create_replication_slot(slot_name, "pgoutput", temporary, SnapshotAction::Export)
            .await?;
        let name = slot
            .snapshot_name
            .clone()
            .ok_or_else(|| Error::protocol("EXPORT_SNAPSHOT returned no snapshot name"))?;
        let sql = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}",
            literal(&name)
        );
        let imported =
            futures::future::try_join_all(workers.iter_mut().map(|w| w.batch_execute(&sql))).await;
        if let Err(e) = imported {
            // A permanent slot nobody reads would hold WAL back for good: drop it (a temporary
            // one goes with the session). The import error is what the caller needs to see.
            if !temporary {
                let _ = replication.drop_replication_slot(slot_name, false).await;
            }
            return Err(e.during("importing the exported snapshot"));
        }
        // Every worker holds the snapshot now; the replication session may move on.
        let worker_count = workers.len();
        Ok(SnapshotReader {
            replication,
            slot,
            workers: Mutex::new(workers),
            worker_count,
            types: TypeRegistry::new(),
        })
    }

    /// The slot's consistent point: the change stream from here on holds exactly the
    /// transactions the snapshot does not.
    pub fn consistent_point(&self) -> Lsn {
        self.slot.consistent_point
    }

    /// The slot as created.
    pub fn slot(&self) -> &ReplicationSlot {
        &self.slot
    }

    /// Number of worker sessions.
    pub fn worker_count(&self) -> usize {
        self.worker_count
    }

    /// User-defined types registered so far (enums, domains, arrays of them).
    pub fn types(&self) -> &TypeRegistry {
        &self.types
    }

    fn take_worker(&self) -> Result<Connection<S>> {
        self.workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .ok_or_else(|| Error::usage("no snapshot worker left (a read was abandoned)"))
    }

    fn return_worker(&self, conn: Connection<S>) {
        self.workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }

    /// Describes `table` inside the snapshot and splits it by `chunking`.
    pub async fn plan(&mut self, table: &TableId, chunking: Chunking) -> Result<TablePlan> {
        let mut conn = self.take_worker()?;
        let result = plan_table(&mut conn, &mut self.types, table, chunking).await;
        self.return_worker(conn);
        result.map_err(|e| e.during(format!("planning the snapshot of {table}")))
    }

    /// Reads every chunk of `plans`, up to one chunk per worker at a time, yielding each
    /// chunk's rows when it is complete (in completion order). Dropping the stream early
    /// loses the workers of the chunks in flight.
    pub fn read<'a>(&'a self, plans: &'a [TablePlan]) -> impl Stream<Item = Result<RowBatch>> + 'a {
        let jobs = plans
            .iter()
            .flat_map(|p| p.chunks.iter().map(move |c| (p, c)));
        futures::stream::iter(jobs)
            .map(move |(plan, range)| self.read_chunk(plan, range))
            .buffer_unordered(self.worker_count)
    }

    async fn read_chunk(&self, plan: &TablePlan, range: &ChunkRange) -> Result<RowBatch> {
        let mut conn = self.take_worker()?;
        let result = read_chunk_on(&mut conn, plan, range).await;
        self.return_worker(conn);
        result.map_err(|e| e.during(format!("snapshot of {} ({range:?})", plan.schema.id)))
    }

    /// Ends the snapshot transactions and returns the replication session (ready for
    /// `START_REPLICATION` at [`consistent_point`](Self::consistent_point); a temporary slot
    /// lives as long as it does) and the worker sessions.
    pub async fn finish(self) -> Result<(Connection<S>, Vec<Connection<S>>)> {
        let mut workers = self
            .workers
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        futures::future::try_join_all(workers.iter_mut().map(|w| w.batch_execute("COMMIT")))
            .await?;
        Ok((self.replication, workers))
    }
}

async fn read_chunk_on<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
    plan: &TablePlan,
    range: &ChunkRange,
) -> Result<RowBatch> {
    let sql = plan.copy_statement(range);
    let mut out = conn.copy_out(&sql).await?;
    let mut parser = CopyBinaryParser::new().expect_fields(plan.kinds.len());
    let mut rows = Vec::new();
    let copy_error = |e: CopyBinaryError| Error::new(ErrorKind::CopyBinary(e));
    while let Some(chunk) = out.next().await {
        parser.push(chunk?);
        while let Some(tuple) = parser.next_tuple().map_err(copy_error)? {
            rows.push(plan.decode_row(&tuple)?);
        }
    }
    parser.finish().map_err(copy_error)?;
    Ok(RowBatch {
        table: plan.schema.clone(),
        range: range.clone(),
        rows,
    })
}

async fn plan_table<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
    types: &mut TypeRegistry,
    table: &TableId,
    chunking: Chunking,
) -> Result<TablePlan> {
    let regclass = format!("{}::regclass", literal(&qualified(table)));
    // Columns as pgoutput sends them: not dropped, not generated, in attribute order.
    let attrs = conn
        .query_rows(&format!(
            "SELECT a.attname, a.attnotnull FROM pg_attribute a \
             WHERE a.attrelid = {regclass} AND a.attnum > 0 AND NOT a.attisdropped \
             AND a.attgenerated = '' ORDER BY a.attnum"
        ))
        .await?;
    if attrs.is_empty() {
        return Err(Error::usage(format!("{table} has no columns to read")));
    }
    let names: Vec<String> = attrs
        .iter()
        .map(|r| r.first().cloned().flatten().unwrap_or_default())
        .collect();
    let select: Vec<String> = names.iter().map(|n| ident(n)).collect();
    let stmt = conn
        .prepare(&format!(
            "SELECT {} FROM ONLY {} LIMIT 0",
            select.join(", "),
            qualified(table)
        ))
        .await?;
    let described = stmt.columns().to_vec();
    conn.close_statement(stmt).await?;
    if described.len() != names.len() {
        return Err(Error::protocol(format!(
            "{table}: {} columns described, {} expected",
            described.len(),
            names.len()
        )));
    }
    register_types(conn, types, described.iter().map(|c| c.type_oid)).await?;

    let mut columns = Vec::with_capacity(names.len());
    let mut kinds = Vec::with_capacity(names.len());
    for (attr, col) in attrs.iter().zip(&described) {
        let mut c = Column::new(
            col.name.clone(),
            types.column_type(col.type_oid, col.type_modifier),
        );
        c.native_type = types.name(col.type_oid);
        if attr.get(1).cloned().flatten().as_deref() == Some("t") {
            c = c.not_null();
        }
        columns.push(c);
        kinds.push(types.value_kind(col.type_oid));
    }
    let mut schema = TableSchema::new(table.clone(), columns);
    let pk_rows = conn
        .query_rows(&format!(
            "SELECT a.attname, a.atttypid::int4 FROM pg_index i \
             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = {regclass} AND i.indisprimary ORDER BY k.n"
        ))
        .await?;
    let pk: Vec<(String, u32)> = pk_rows
        .iter()
        .filter_map(|r| {
            let name = r.first()?.clone()?;
            let oid = r.get(1)?.as_deref()?.parse().ok()?;
            Some((name, oid))
        })
        .collect();
    if !pk.is_empty() {
        let names: Vec<&str> = pk.iter().map(|(n, _)| n.as_str()).collect();
        schema.primary_key = Some(Index::new(None, &names, true));
    }

    let chunks = match chunking {
        Chunking::None => vec![ChunkRange::All],
        Chunking::Ctid { pages } => page_chunks(conn, &regclass, pages).await?,
        Chunking::PrimaryKey { rows } => match pk.as_slice() {
            [(column, oid)]
                if matches!(
                    *oid,
                    cdc_pgoutput::oid::INT2 | cdc_pgoutput::oid::INT4 | cdc_pgoutput::oid::INT8
                ) =>
            {
                key_chunks(conn, table, column, rows).await?
            }
            _ => page_chunks(conn, &regclass, 1024).await?,
        },
    };
    Ok(TablePlan {
        schema: Arc::new(schema),
        chunks,
        kinds: kinds.into(),
    })
}

async fn page_chunks<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
    regclass: &str,
    pages_per_chunk: u64,
) -> Result<Vec<ChunkRange>> {
    let rows = conn
        .query_rows(&format!(
            "SELECT pg_relation_size({regclass}) / current_setting('block_size')::int8"
        ))
        .await?;
    let pages: u64 = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::protocol("pg_relation_size gave no number"))?;
    Ok(split_pages(pages, pages_per_chunk))
}

/// Page ranges of `pages_per_chunk` covering `pages` pages, the last one open-ended (pages
/// added after the count hold no row the snapshot sees, but an open end costs nothing).
fn split_pages(pages: u64, pages_per_chunk: u64) -> Vec<ChunkRange> {
    let per = pages_per_chunk.max(1);
    if pages <= per {
        return vec![ChunkRange::All];
    }
    let mut out = Vec::new();
    let mut from = 0;
    while from + per < pages {
        out.push(ChunkRange::Pages {
            from,
            to: Some(from + per),
        });
        from += per;
    }
    out.push(ChunkRange::Pages { from, to: None });
    out
}

async fn key_chunks<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
    table: &TableId,
    column: &str,
    rows_per_chunk: u64,
) -> Result<Vec<ChunkRange>> {
    let c = ident(column);
    let r = conn
        .query_rows(&format!(
            "SELECT min({c})::int8, max({c})::int8, count(*) FROM ONLY {}",
            qualified(table)
        ))
        .await?;
    let field = |i: usize| -> Option<i64> { r.first()?.get(i)?.as_deref()?.parse().ok() };
    let (Some(min), Some(max), Some(count)) = (field(0), field(1), field(2)) else {
        return Ok(vec![ChunkRange::All]);
    };
    Ok(split_keys(
        column,
        min,
        max,
        count.unsigned_abs(),
        rows_per_chunk,
    ))
}

/// Even key ranges over `min..=max` for `count` rows of about `rows_per_chunk` each; the
/// first and last ranges are open-ended.
fn split_keys(
    column: &str,
    min: i64,
    max: i64,
    count: u64,
    rows_per_chunk: u64,
) -> Vec<ChunkRange> {
    let n = count.div_ceil(rows_per_chunk.max(1)).max(1);
    let span = i128::from(max) - i128::from(min) + 1;
    if n <= 1 || span <= 1 {
        return vec![ChunkRange::All];
    }
    let n = i128::from(n).min(span);
    let mut bounds: Vec<i64> = (1..n)
        .filter_map(|k| i64::try_from(i128::from(min) + span * k / n).ok())
        .collect();
    bounds.dedup();
    let mut out = Vec::with_capacity(bounds.len() + 1);
    let mut from = None;
    for b in bounds {
        out.push(ChunkRange::Key {
            column: column.to_owned(),
            from,
            to: Some(b),
        });
        from = Some(b);
    }
    out.push(ChunkRange::Key {
        column: column.to_owned(),
        from,
        to: None,
    });
    out
}

/// First OID of user-defined objects; below it everything is built in.
const FIRST_NORMAL_OID: u32 = 16384;

/// Registers the user-defined types among `oids` (and the types they are built on) from
/// `pg_type` and `pg_enum`.
async fn register_types<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
    types: &mut TypeRegistry,
    oids: impl Iterator<Item = u32>,
) -> Result<()> {
    let mut todo: Vec<u32> = oids
        .filter(|o| *o >= FIRST_NORMAL_OID && types.get(*o).is_none())
        .collect();
    // Domains over domains and arrays of domains: a few rounds at most.
    for _ in 0..8 {
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = todo.iter().map(u32::to_string).collect();
        let rows = conn
            .query_rows(&format!(
                "SELECT t.oid::int8, t.typtype::text, t.typcategory::text, \
                 CASE WHEN n.nspname IN ('public', 'pg_catalog') THEN quote_ident(t.typname) \
                      ELSE quote_ident(n.nspname) || '.' || quote_ident(t.typname) END, \
                 t.typbasetype::int8, t.typtypmod, t.typelem::int8, \
                 (SELECT array_to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder))::text \
                  FROM pg_enum e WHERE e.enumtypid = t.oid) \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.oid IN ({})",
                list.join(",")
            ))
            .await?;
        let mut next = Vec::new();
        for r in rows {
            let get = |i: usize| r.get(i).cloned().flatten();
            let num = |i: usize| get(i).and_then(|s| s.parse::<i64>().ok());
            let (Some(oid), Some(typtype), Some(category), Some(name)) =
                (num(0), get(1), get(2), get(3))
            else {
                continue;
            };
            let Ok(oid) = u32::try_from(oid) else {
                continue;
            };
            let info = match (typtype.as_str(), category.as_str()) {
                ("e", _) => {
                    let labels: Vec<String> = get(7)
                        .map(|j| parse_json_string_array(&j))
                        .unwrap_or_default();
                    TypeInfo::Enum { name, labels }
                }
                ("d", _) => {
                    let base = num(4).and_then(|b| u32::try_from(b).ok()).unwrap_or(0);
                    let typmod = num(5).and_then(|m| i32::try_from(m).ok()).unwrap_or(-1);
                    next.push(base);
                    TypeInfo::Domain {
                        name,
                        base_oid: base,
                        base_typmod: typmod,
                    }
                }
                (_, "A") => {
                    let elem = num(6).and_then(|e| u32::try_from(e).ok()).unwrap_or(0);
                    next.push(elem);
                    TypeInfo::Array {
                        name,
                        element_oid: elem,
                    }
                }
                _ => {
                    // composite, range and other types: kept as bytes under their name
                    types.note_name(oid, name);
                    continue;
                }
            };
            types.register(oid, info);
        }
        todo = next
            .into_iter()
            .filter(|o| *o >= FIRST_NORMAL_OID && types.get(*o).is_none())
            .collect();
    }
    Ok(())
}

/// Reads a JSON array of strings (as `array_to_json` prints enum labels).
fn parse_json_string_array(json: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = json.trim().chars().peekable();
    if chars.next() != Some('[') {
        return out;
    }
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('b') => s.push('\u{8}'),
                    Some('f') => s.push('\u{c}'),
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        if let Some(ch) =
                            u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            s.push(ch);
                        }
                    }
                    Some(other) => s.push(other),
                    None => break,
                },
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

impl CopyBinaryError {
    fn field_count(expected: usize, got: usize) -> CopyBinaryError {
        CopyBinaryError::new(CopyBinaryErrorKind::FieldCountMismatch { expected, got }, 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn page_ranges_cover_everything_and_end_open() {
        assert_eq!(split_pages(0, 10), [ChunkRange::All]);
        assert_eq!(split_pages(10, 10), [ChunkRange::All]);
        assert_eq!(
            split_pages(25, 10),
            [
                ChunkRange::Pages {
                    from: 0,
                    to: Some(10)
                },
                ChunkRange::Pages {
                    from: 10,
                    to: Some(20)
                },
                ChunkRange::Pages { from: 20, to: None },
            ]
        );
        assert_eq!(
            ChunkRange::Pages {
                from: 3,
                to: Some(9)
            }
            .condition()
            .unwrap(),
            "ctid >= '(3,0)'::tid AND ctid < '(9,0)'::tid"
        );
    }

    #[test]
    fn key_ranges_are_contiguous_and_open_at_both_ends() {
        let r = split_keys("id", 1, 100, 100, 30);
        assert_eq!(r.len(), 4);
        let mut prev: Option<i64> = None;
        for (i, c) in r.iter().enumerate() {
            let ChunkRange::Key { from, to, .. } = c else {
                panic!()
            };
            assert_eq!(*from, prev, "chunk {i} starts where {} ended", i.max(1) - 1);
            prev = *to;
        }
        assert_eq!(prev, None);
        assert_eq!(split_keys("id", 5, 5, 1, 30), [ChunkRange::All]);
        // extreme keys do not overflow
        let r = split_keys("id", i64::MIN, i64::MAX, 1000, 100);
        assert_eq!(r.len(), 10);
        assert_eq!(
            ChunkRange::Key {
                column: "a\"b".into(),
                from: Some(-3),
                to: Some(7)
            }
            .condition()
            .unwrap(),
            "\"a\"\"b\" >= -3 AND \"a\"\"b\" < 7"
        );
    }

    #[test]
    fn enum_labels_from_json() {
        assert_eq!(
            parse_json_string_array(r#"["sad","ok \"x\"","caf\u00e9"]"#),
            ["sad", "ok \"x\"", "café"]
        );
        assert!(parse_json_string_array("null").is_empty());
    }
}
