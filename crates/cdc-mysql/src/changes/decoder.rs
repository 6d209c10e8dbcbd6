//! The sans-IO core of a change stream: binlog events in, change events out.

use std::collections::HashMap;
use std::sync::Arc;

use cdc_model::{
    BinlogPosition, Change, ChangeEvent, Ddl, RowImage, SourcePosition, TableId, TableSchema,
    Timestamp, TxnId, TxnMeta,
};
use cdc_mysql_binlog::{Decoder, Event, EventData, Query, RowsKind, TableMap};
use cdc_mysql_schema::ddl::{self, AlterSpec, IgnoredKind, Statement};
use cdc_mysql_schema::{SchemaHistory, ShadowRows};

use super::error::ChangeError;
use super::filter::TableFilter;
use crate::replication::{BinlogEvent, TxGtid};

/// The transaction being read.
#[derive(Debug)]
struct Txn {
    id: Option<TxnId>,
    /// Position of its first event (GTID event, or BEGIN).
    start: BinlogPosition,
    commit_time: Option<Timestamp>,
    /// Ordinal of the next event; 0 until `Begin` is emitted.
    next: u64,
}

/// Turns binlog events into [`ChangeEvent`]s, keeping the schema history as DDL goes by.
///
/// It does no I/O: feed it every event of a binlog stream in order ([`ChangeDecoder::on_event`])
/// with the stream's decoder, whose table schemas it keeps up to date.
///
/// - QUERY events with DDL on followed databases go to the [`SchemaHistory`] at their position
///   and come out as [`Change::Ddl`] (or [`Change::Truncate`] for `TRUNCATE TABLE`) when they
///   concern a selected table or a followed database;
/// - TABLE_MAP events of selected tables are checked against the tracked schema;
/// - rows of selected tables come out as inserts, updates and deletes with row images aligned
///   with the schema in force; rows of other tables are never decoded;
/// - a transaction's events are framed by [`Change::Begin`] and [`Change::Commit`], emitted
///   only when it has at least one change for the consumer.
#[derive(Debug)]
pub struct ChangeDecoder {
    history: SchemaHistory,
    filter: TableFilter,
    shadow_rows: ShadowRows,
    /// Routed schema per table id of the current TABLE_MAPs (`None`: not followed).
    maps: HashMap<u64, Option<Arc<TableSchema>>>,
    txn: Option<Txn>,
    catalog_read_at: Option<BinlogPosition>,
}

impl ChangeDecoder {
    /// A decoder continuing `history` (its head is the schema at the first event to come),
    /// following what `filter` selects, routing shadow-table rows per `shadow_rows`.
    pub fn new(history: SchemaHistory, filter: TableFilter, shadow_rows: ShadowRows) -> Self {
        let mut filter = filter;
        filter.case_insensitive |= history.current().options().case_insensitive_names;
        ChangeDecoder {
            history,
            filter,
            shadow_rows,
            maps: HashMap::new(),
            txn: None,
            catalog_read_at: None,
        }
    }

    /// Makes DDL on followed databases before `position` an error (the base schemas were read
    /// from the catalog there).
    pub fn set_catalog_read_at(&mut self, position: Option<BinlogPosition>) {
        self.catalog_read_at = position;
    }

    /// The schema history (its head is the schema after the last event fed).
    pub fn history(&self) -> &SchemaHistory {
        &self.history
    }

    /// The filter in force.
    pub fn filter(&self) -> &TableFilter {
        &self.filter
    }

    /// Supplies the schema of every tracked table to `decoder`: call before the first event.
    pub fn prepare(&self, decoder: &mut Decoder) {
        cdc_mysql_schema::binlog::supply_all(decoder, self.history.current());
    }

    /// True when the rows of `table` are emitted (under the shadow-table policy).
    fn selected(&self, table: &TableId) -> bool {
        if !self.filter.selects(table) {
            return false;
        }
        self.shadow_rows == ShadowRows::Keep
            || self
                .history
                .current()
                .options()
                .shadow_tables
                .classify(&table.name)
                .is_none()
    }

    fn txn_meta(&mut self) -> Option<(Option<TxnMeta>, Option<Timestamp>)> {
        let t = self.txn.as_mut()?;
        let meta = t.id.clone().map(|id| TxnMeta {
            id,
            ordinal: t.next,
        });
        t.next += 1;
        Some((meta, t.commit_time))
    }

    /// Emits `change` at `position`, after the transaction's `Begin` if not yet emitted.
    fn emit(&mut self, position: &BinlogPosition, change: Change, out: &mut Vec<ChangeEvent>) {
        let Some(t) = self.txn.as_ref() else {
            return;
        };
        if t.next == 0 {
            let start = t.start.clone();
            if let Some((txn, commit_time)) = self.txn_meta() {
                out.push(ChangeEvent {
                    position: SourcePosition::Binlog(start),
                    txn,
                    commit_time,
                    change: Change::Begin,
                });
            }
        }
        if let Some((txn, commit_time)) = self.txn_meta() {
            out.push(ChangeEvent {
                position: SourcePosition::Binlog(position.clone()),
                txn,
                commit_time,
                change,
            });
        }
    }

    fn open_txn(&mut self, ev: &BinlogEvent) {
        let header_time = Some(Timestamp::from_unix_parts(
            i64::from(ev.event.header.timestamp),
            0,
        ));
        let (id, commit_time) = match &ev.event.data {
            EventData::MariaGtid(_) => (
                ev.gtid.clone().map(|g| match g {
                    TxGtid::Mariadb(g) => TxnId::MariadbGtid(g),
                    TxGtid::Mysql(g) => TxnId::MysqlGtid(g),
                }),
                header_time,
            ),
            EventData::Gtid(g) => (
                g.gtid.clone().map(TxnId::MysqlGtid),
                g.immediate_commit_timestamp
                    .and_then(|us| i64::try_from(us).ok())
                    .map(|us| {
                        Timestamp::from_unix_parts(
                            us.div_euclid(1_000_000),
                            us.rem_euclid(1_000_000) as u32,
                        )
                    })
                    .or(header_time),
            ),
            _ => (None, header_time),
        };
        self.txn = Some(Txn {
            id,
            start: ev.position.clone(),
            commit_time,
            next: 0,
        });
    }

    /// Feeds one event of the stream; the change events it gives go to `out`. `decoder` is
    /// the stream's decoder: DDL supplies it the new schemas before the next event decodes.
    pub fn on_event(
        &mut self,
        ev: &BinlogEvent,
        decoder: &mut Decoder,
        out: &mut Vec<ChangeEvent>,
    ) -> Result<(), ChangeError> {
        match &ev.event.data {
            EventData::MariaGtid(_) | EventData::Gtid(_) => self.open_txn(ev),
            EventData::Heartbeat { .. } if self.txn.is_none() => {
                out.push(ChangeEvent {
                    position: SourcePosition::Binlog(ev.position.clone()),
                    txn: None,
                    commit_time: None,
                    change: Change::Heartbeat,
                });
            }
            EventData::Query(q) => {
                if self.txn.is_none() {
                    self.open_txn(ev);
                }
                if !q.is_transaction_control() {
                    self.on_query(q, &ev.position, decoder, out)?;
                }
            }
            EventData::TableMap(tm) => {
                if self.txn.is_none() {
                    self.open_txn(ev);
                }
                self.on_table_map(tm, &ev.position)?;
            }
            EventData::Rows(_) => {
                if self.txn.is_none() {
                    self.open_txn(ev);
                }
                self.on_rows(&ev.event, &ev.position, out)?;
            }
            EventData::TransactionPayload(p) => {
                if self.txn.is_none() {
                    self.open_txn(ev);
                }
                // the inner events need the decoder only while they are read
                let inner: Vec<Event> = decoder
                    .payload_events(p)
                    .collect::<Result<_, _>>()
                    .map_err(crate::Error::from)?;
                for e in &inner {
                    match &e.data {
                        EventData::TableMap(tm) => self.on_table_map(tm, &ev.position)?,
                        EventData::Rows(_) => self.on_rows(e, &ev.position, out)?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if ev.ends_transaction {
            if let Some(t) = &self.txn
                && t.next > 0
            {
                // the Commit sits where the next transaction starts: the resume point
                let end = match ev.event.header.log_pos {
                    0 => ev.position.clone(),
                    p => BinlogPosition::new(ev.position.file.clone(), u64::from(p)),
                };
                if let Some((txn, commit_time)) = self.txn_meta() {
                    out.push(ChangeEvent {
                        position: SourcePosition::Binlog(end),
                        txn,
                        commit_time,
                        change: Change::Commit,
                    });
                }
            }
            self.txn = None;
            self.maps.clear();
        }
        Ok(())
    }

    /// True when a statement of `stmt` run in `default_db` touches a followed database.
    fn concerns_followed(&self, stmt: &Statement, default_db: &str) -> bool {
        statement_databases(stmt, default_db)
            .iter()
            .any(|d| self.filter.covers_database(d))
    }

    fn on_query(
        &mut self,
        q: &Query,
        position: &BinlogPosition,
        decoder: &mut Decoder,
        out: &mut Vec<ChangeEvent>,
    ) -> Result<(), ChangeError> {
        let sql = q.query_text();
        let pos = SourcePosition::Binlog(position.clone());
        let stmt = match ddl::parse(&sql) {
            Ok(s) => s,
            Err(e) => {
                // A statement this crate cannot parse: harmless unless it may concern a
                // followed database.
                let dbs: Vec<&str> = match &q.status.updated_db_names {
                    Some(names) => names.iter().map(String::as_str).collect(),
                    None => vec![q.schema.as_str()],
                };
                if dbs
                    .iter()
                    .any(|d| !d.is_empty() && self.filter.covers_database(d))
                    || (dbs.iter().all(|d| d.is_empty()) && self.filter.named_databases().is_none())
                {
                    return Err(ChangeError::schema(Some(&pos), e));
                }
                return Ok(());
            }
        };
        if let Statement::Ignored(kind) = &stmt {
            if *kind == IgnoredKind::Dml
                && q.error_code == 0
                && !q.schema.is_empty()
                && self.filter.covers_database(&q.schema)
            {
                return Err(ChangeError::StatementDml {
                    position: pos,
                    database: q.schema.clone(),
                });
            }
            return Ok(());
        }
        if !self.concerns_followed(&stmt, &q.schema) {
            return Ok(());
        }
        if let Some(at) = &self.catalog_read_at
            && position < at
        {
            return Err(ChangeError::SchemaChangedBeforeCatalogRead {
                position: pos,
                catalog_read_at: SourcePosition::Binlog(at.clone()),
            });
        }
        let outcome =
            cdc_mysql_schema::binlog::apply_query_event(&mut self.history, decoder, q, &pos)
                .map_err(|e| ChangeError::schema(Some(&pos), e))?;
        self.maps.clear();

        use cdc_mysql_schema::Change as C;
        let mut truncated = Vec::new();
        let mut relevant = false;
        for c in &outcome.changes {
            match c {
                C::Truncated(t) => {
                    if self.selected(t) {
                        truncated.push(t.clone());
                    }
                }
                C::Created(t) | C::Altered(t) | C::Dropped(t) => relevant |= self.selected(t),
                C::Renamed { from, to } => relevant |= self.selected(from) || self.selected(to),
                C::ShadowCutOver { table, shadow, old } => {
                    relevant |= self.selected(table)
                        || self.selected(shadow)
                        || old.as_ref().is_some_and(|o| self.selected(o));
                }
                C::DatabaseCreated(d) | C::DatabaseAltered(d) | C::DatabaseDropped(d) => {
                    relevant |= self.filter.covers_database(d);
                }
            }
        }
        if !truncated.is_empty() {
            self.emit(
                position,
                Change::Truncate {
                    tables: truncated,
                    cascade: false,
                    restart_identity: false,
                },
                out,
            );
        } else if relevant {
            self.emit(
                position,
                Change::Ddl(Ddl {
                    schema: (!q.schema.is_empty()).then(|| q.schema.clone()),
                    statement: sql.into_owned(),
                }),
                out,
            );
        }
        Ok(())
    }

    fn on_table_map(
        &mut self,
        tm: &TableMap,
        position: &BinlogPosition,
    ) -> Result<(), ChangeError> {
        let id = TableId::new(tm.schema.clone(), tm.table.clone());
        let routed = if self.filter.covers_database(&tm.schema) {
            self.history
                .current()
                .route_rows(&id, self.shadow_rows)
                .filter(|r| self.filter.selects(r))
        } else {
            None
        };
        let Some(routed) = routed else {
            self.maps.insert(tm.table_id, None);
            return Ok(());
        };
        let pos = || SourcePosition::Binlog(position.clone());
        let schema =
            self.history
                .current()
                .schema(&id)
                .ok_or_else(|| ChangeError::UnknownTable {
                    table: id.clone(),
                    position: pos(),
                })?;
        cdc_mysql_schema::binlog::check_table_map(tm, &schema).map_err(|e| {
            // before the catalog read, a misfit means the table changed in between
            if let Some(at) = &self.catalog_read_at
                && position < at
            {
                return ChangeError::SchemaChangedBeforeCatalogRead {
                    position: pos(),
                    catalog_read_at: SourcePosition::Binlog(at.clone()),
                };
            }
            ChangeError::TableMapMismatch {
                table: id.clone(),
                position: pos(),
                detail: match e.kind() {
                    cdc_mysql_schema::ErrorKind::TableMapMismatch { detail, .. } => detail.clone(),
                    other => other.to_string(),
                },
            }
        })?;
        let schema = if routed == id {
            schema
        } else {
            let mut s = (*schema).clone();
            s.id = routed;
            Arc::new(s)
        };
        self.maps.insert(tm.table_id, Some(schema));
        Ok(())
    }

    fn on_rows(
        &mut self,
        event: &Event,
        position: &BinlogPosition,
        out: &mut Vec<ChangeEvent>,
    ) -> Result<(), ChangeError> {
        let EventData::Rows(r) = &event.data else {
            return Ok(());
        };
        let pos = || SourcePosition::Binlog(position.clone());
        let table = match self.maps.get(&r.table_id) {
            Some(Some(t)) => t.clone(),
            Some(None) => return Ok(()), // not followed: never decoded
            None => {
                return Err(ChangeError::NoTableMap {
                    table_id: r.table_id,
                    position: pos(),
                });
            }
        };
        for row in r.rows() {
            let row = row.map_err(|e| ChangeError::Rows {
                table: table.id.clone(),
                position: pos(),
                source: e,
            })?;
            let image = |v: Option<Vec<cdc_model::Value>>| RowImage::new(v.unwrap_or_default());
            let change = match r.kind {
                RowsKind::Write => Change::Insert {
                    table: table.clone(),
                    after: image(row.after),
                },
                RowsKind::Update | RowsKind::PartialUpdate => Change::Update {
                    table: table.clone(),
                    before: row.before.map(RowImage::new),
                    after: image(row.after),
                },
                RowsKind::Delete => Change::Delete {
                    table: table.clone(),
                    before: image(row.before),
                },
            };
            self.emit(position, change, out);
        }
        Ok(())
    }
}

/// The databases a statement run in `default_db` touches.
fn statement_databases(stmt: &Statement, default_db: &str) -> Vec<String> {
    let db = |n: &ddl::Name| n.database.clone().unwrap_or_else(|| default_db.to_string());
    let mut out = Vec::new();
    match stmt {
        Statement::CreateTable { name, .. } | Statement::Truncate(name) => out.push(db(name)),
        Statement::CreateTableLike { name, like, .. } => {
            out.push(db(name));
            out.push(db(like));
        }
        Statement::AlterTable { name, specs, .. } => {
            out.push(db(name));
            for s in specs {
                if let AlterSpec::RenameTable(to) = s {
                    out.push(db(to));
                }
            }
        }
        Statement::DropTables { names, .. } => out.extend(names.iter().map(db)),
        Statement::RenameTables(pairs) => {
            for (a, b) in pairs {
                out.push(db(a));
                out.push(db(b));
            }
        }
        Statement::CreateIndex { table, .. } | Statement::DropIndex { table, .. } => {
            out.push(db(table))
        }
        Statement::CreateDatabase { name, .. } | Statement::DropDatabase { name, .. } => {
            out.push(name.clone())
        }
        Statement::AlterDatabase { name, .. } => {
            out.push(name.clone().unwrap_or_else(|| default_db.to_string()))
        }
        Statement::Ignored(_) => {}
        #[allow(unreachable_patterns)]
        _ => out.push(default_db.to_string()),
    }
    out
}
