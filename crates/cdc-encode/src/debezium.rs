//! Debezium JSON: the change-event envelope of Debezium's MySQL and PostgreSQL connectors as
//! Kafka Connect's `JsonConverter` writes it, with (`schemas.enable=true`) or without the
//! `schema` block.
//!
//! # Messages
//!
//! | event | messages |
//! |---|---|
//! | insert | envelope `op` `c` (`r` when [`DebeziumOptions::snapshot`]) |
//! | update, same key | envelope `op` `u` |
//! | update that changes the key | envelope `d` for the old row, a tombstone for the old key, envelope `c` for the new row; the delete carries header `__debezium.newkey`, the create `__debezium.oldkey` (the other key's JSON), as Debezium does |
//! | delete | envelope `op` `d`, then a tombstone (key, no value) unless [`DebeziumOptions::tombstones`] is off |
//! | truncate | envelope `op` `t` per table, `before`/`after` null, no key |
//! | DDL | a schema-change event `{source, ts_ms, databaseName, schemaName, ddl, tableChanges}` (`tableChanges` empty: the statement is not parsed) |
//! | BEGIN / COMMIT | transaction metadata `{status: BEGIN|END, id, event_count, data_collections, ts_ms}`; END counts the transaction's row events per table |
//! | heartbeat | `{"ts_ms": …}` with key `{"serverName": …}` |
//!
//! The envelope is `{before, after, source, op, ts_ms, transaction}`. `ts_ms` is the time the
//! caller passes in (the encoder reads no clock). `transaction` is `{id, total_order,
//! data_collection_order}` when the event belongs to a known transaction, else `null`.
//! Message keys are `{"<pk column>": value, …}` over the identity columns (primary key, else
//! the first not-null unique key); tables without one have no key.
//!
//! `source`, MySQL: `version, connector "mysql", name, ts_ms, snapshot, db, sequence (null),
//! table, server_id, gtid, file, pos, row (0), thread (null), query (null)`. `file`/`pos` come
//! from a binlog-coordinate position (`""`/0 for GTID-only positions); `gtid` is the
//! transaction's GTID text. PostgreSQL: `version, connector "postgresql", name, ts_ms,
//! snapshot, db, sequence (null), schema, table, txId, lsn, xmin (null)`. `ts_ms` in `source`
//! is the commit time (0 when unknown).
//!
//! # Values
//!
//! Rendered as Debezium does with `decimal.handling.mode=string`,
//! `time.precision.mode=adaptive_time_microseconds`, `binary.handling.mode=bytes`,
//! `interval.handling.mode=string`:
//!
//! | value | JSON | Connect schema |
//! |---|---|---|
//! | boolean, `BIT(1)` | `true`/`false` | `boolean` |
//! | integers | number (`BIGINT UNSIGNED` printed exactly, beyond `i64` too) | `int16` (TINYINT, SMALLINT), `int32` (MEDIUMINT, INT; `int64` unsigned), `int64` |
//! | `FLOAT`, `DOUBLE` | number as Java (Jackson) prints it: shortest round trip, `1.0`, `1.0E7` (NaN/±Infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`) | `float`, `double` |
//! | `DECIMAL`, money | string of the exact digits (`"1.50"`, money `"12.34"`) | `string` |
//! | `YEAR` | number | `int32` `io.debezium.time.Year` |
//! | `DATE` | days since 1970-01-01 | `int32` `io.debezium.time.Date` |
//! | `TIME` | signed microseconds | `int64` `io.debezium.time.MicroTime` |
//! | `DATETIME(0..3)` | milliseconds since the epoch, read as UTC | `int64` `io.debezium.time.Timestamp` |
//! | `DATETIME(4..6)` (and undeclared precision) | microseconds | `int64` `io.debezium.time.MicroTimestamp` |
//! | `TIMESTAMP` | ISO-8601 UTC string, fraction to the declared precision (`2023-11-14T22:13:20.123Z`); PostgreSQL `infinity`/`-infinity` as those words | `string` `io.debezium.time.ZonedTimestamp` |
//! | `timetz` | ISO-8601 UTC time (`12:05:06.789Z`) | `string` `io.debezium.time.ZonedTime` |
//! | `interval` | ISO-8601 duration | `string` `io.debezium.time.Interval` |
//! | MySQL zero dates | `null` (as Debezium does) | |
//! | text, JSON, UUID, inet, MAC | string | `string` (`io.debezium.data.Json`, `io.debezium.data.Uuid`) |
//! | binary | base64 string | `bytes` |
//! | `BIT(n>1)` | base64 of the bits, little-endian bytes | `bytes` `io.debezium.data.Bits` |
//! | `ENUM`, `SET` | the label(s), comma-joined | `string` `io.debezium.data.Enum` / `EnumSet` with `allowed` |
//! | geometry | `{"wkb": base64 WKB, "srid": n}` | `struct` `io.debezium.data.geometry.Geometry` |
//! | vector, array | JSON array of the elements (multi-dimensional arrays flattened row-major) | `array` |
//! | not sent ([`Value::Unchanged`]) | `"__debezium_unavailable_value"` | |
//!
//! A partial JSON update has no Debezium form: [`EncodeErrorKind::Unrepresentable`](crate::common::EncodeErrorKind::Unrepresentable).

use std::fmt::Write as _;

use cdc_model::{
    Change, ChangeEvent, Column, ColumnDefault, ColumnType, SourcePosition, TableId, TableSchema,
    TxnId, Value,
};
use serde_json::{Value as J, json};

use crate::canal::push_json_str;
use crate::common::{
    self, EncodeError, Message, MessageKind, base64, push_fraction, unrepresentable,
};

const FORMAT: &str = "debezium-json";

/// The placeholder Debezium writes for a value the source did not send.
pub const UNAVAILABLE_VALUE: &str = "__debezium_unavailable_value";

/// Which Debezium connector's `source` block to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `io.debezium.connector.mysql` (MySQL and MariaDB).
    MySql,
    /// `io.debezium.connector.postgresql`.
    Postgres,
}

/// Settings of a [`DebeziumEncoder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebeziumOptions {
    /// The logical server name (`topic.prefix`): `source.name` and the schema names.
    pub server_name: String,
    /// Write the Kafka Connect `schema` block (`{"schema": …, "payload": …}`).
    pub with_schema: bool,
    /// Encode inserts as snapshot reads (`op` `r`, `source.snapshot` `"true"`).
    pub snapshot: bool,
    /// Follow each delete with a tombstone.
    pub tombstones: bool,
    /// The connector; `None` picks PostgreSQL for LSN positions and MySQL otherwise.
    pub connector: Option<Connector>,
    /// MySQL `source.server_id`.
    pub server_id: u64,
    /// PostgreSQL `source.db` (the database name; MySQL uses the table's schema).
    pub database: String,
    /// `source.version`.
    pub version: String,
}

impl Default for DebeziumOptions {
    fn default() -> Self {
        DebeziumOptions {
            server_name: "cdc".into(),
            with_schema: false,
            snapshot: false,
            tombstones: true,
            connector: None,
            server_id: 0,
            database: String::new(),
            version: concat!("cdc-encode-", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

#[derive(Debug, Clone)]
struct TxnState {
    id: String,
    total: u64,
    per_table: Vec<(TableId, u64)>,
}

/// Turns change events into Debezium JSON messages. Keeps the current transaction's event
/// counts (for `transaction` blocks and END events); feed it events in stream order.
#[derive(Debug, Clone)]
pub struct DebeziumEncoder {
    options: DebeziumOptions,
    txn: Option<TxnState>,
}

impl DebeziumEncoder {
    /// An encoder with these settings.
    pub fn new(options: DebeziumOptions) -> DebeziumEncoder {
        DebeziumEncoder { options, txn: None }
    }

    /// The messages of `event`; `now_ms` is the processing time written to `ts_ms`.
    pub fn encode(
        &mut self,
        event: &ChangeEvent,
        now_ms: i64,
    ) -> Result<Vec<Message>, EncodeError> {
        let connector = self.options.connector.unwrap_or(match event.position {
            SourcePosition::Lsn(_) => Connector::Postgres,
            _ => Connector::MySql,
        });
        let commit_ms = event
            .commit_time
            .filter(|t| !t.is_zero() && !t.is_infinite())
            .map(|t| t.unix_micros().div_euclid(1000));
        let ctx = Ctx {
            o: &self.options,
            event,
            connector,
            commit_ms,
            now_ms,
        };
        let mut out = Vec::new();
        match &event.change {
            Change::Begin => {
                let id = txn_id(event);
                self.txn = Some(TxnState {
                    id: id.clone(),
                    total: 0,
                    per_table: Vec::new(),
                });
                let v = json!({"status": "BEGIN", "id": id, "event_count": null,
                    "data_collections": null, "ts_ms": commit_ms.unwrap_or(now_ms)});
                out.push(ctx.plain(MessageKind::Transaction, Some(json!({"id": id})), v));
            }
            Change::Commit => {
                let st = self.txn.take();
                let id = st.as_ref().map_or_else(|| txn_id(event), |s| s.id.clone());
                let (count, cols) = st.map_or((0, Vec::new()), |s| {
                    (
                        s.total,
                        s.per_table
                            .iter()
                            .map(|(t, n)| json!({"data_collection": t.to_string(), "event_count": n}))
                            .collect(),
                    )
                });
                let v = json!({"status": "END", "id": id, "event_count": count,
                    "data_collections": cols, "ts_ms": commit_ms.unwrap_or(now_ms)});
                out.push(ctx.plain(MessageKind::Transaction, Some(json!({"id": id})), v));
            }
            Change::Heartbeat => {
                out.push(ctx.plain(
                    MessageKind::Heartbeat,
                    Some(json!({"serverName": self.options.server_name})),
                    json!({"ts_ms": commit_ms.unwrap_or(now_ms)}),
                ));
            }
            Change::Ddl(ddl) => {
                let db = ddl.schema.clone().unwrap_or_default();
                let mut v = Vec::new();
                v.extend_from_slice(b"{\"source\":");
                ctx.source(&mut v, &db, None, None);
                let _ = write!(Bytes(&mut v), ",\"ts_ms\":{now_ms},\"databaseName\":");
                push_json_str(&mut v, &db);
                v.extend_from_slice(b",\"schemaName\":null,\"ddl\":");
                push_json_str(&mut v, &ddl.statement);
                v.extend_from_slice(b",\"tableChanges\":[]}");
                let key = serde_json::to_vec(&json!({"databaseName": db})).unwrap_or_default();
                out.push(ctx.message(
                    MessageKind::Ddl {
                        schema: ddl.schema.clone(),
                    },
                    Some(key),
                    Vec::new(),
                    Some(v),
                    Vec::new(),
                ));
            }
            Change::Truncate { tables, .. } => {
                for t in tables {
                    let order = count(&mut self.txn, t);
                    let v = ctx.envelope(None, t, None, None, "t", order)?;
                    out.push(ctx.message(
                        MessageKind::Row { table: t.clone() },
                        None,
                        Vec::new(),
                        Some(v),
                        Vec::new(),
                    ));
                }
            }
            Change::Insert { table, after } => {
                let order = count(&mut self.txn, &table.id);
                let op = if self.options.snapshot { "r" } else { "c" };
                out.push(ctx.row(table, None, Some(&after.values), op, order, Vec::new())?);
            }
            Change::Update {
                table,
                before,
                after,
            } => {
                let before_vals = before.as_ref().map(|b| &b.values[..]);
                let old_key = before_vals
                    .map(|b| ctx.key(table, b))
                    .transpose()?
                    .flatten();
                let new_key = ctx.key(table, &after.values)?;
                let key_changed = match (&old_key, &new_key) {
                    (Some(o), Some(n)) => {
                        o.1 != n.1 && !o.1.contains(&None) && !n.1.contains(&None)
                    }
                    _ => false,
                };
                if key_changed {
                    let (Some(b), Some((old_bytes, _)), Some((new_bytes, _))) =
                        (before_vals, &old_key, &new_key)
                    else {
                        return Ok(out);
                    };
                    let order = count(&mut self.txn, &table.id);
                    out.push(ctx.row(
                        table,
                        Some(b),
                        None,
                        "d",
                        order,
                        vec![("__debezium.newkey".into(), new_bytes.clone())],
                    )?);
                    if self.options.tombstones {
                        out.push(ctx.tombstone(table, old_bytes.clone(), b)?);
                    }
                    let order = count(&mut self.txn, &table.id);
                    out.push(ctx.row(
                        table,
                        None,
                        Some(&after.values),
                        "c",
                        order,
                        vec![("__debezium.oldkey".into(), old_bytes.clone())],
                    )?);
                } else {
                    let order = count(&mut self.txn, &table.id);
                    out.push(ctx.row(
                        table,
                        before_vals,
                        Some(&after.values),
                        "u",
                        order,
                        Vec::new(),
                    )?);
                }
            }
            Change::Delete { table, before } => {
                let order = count(&mut self.txn, &table.id);
                out.push(ctx.row(table, Some(&before.values), None, "d", order, Vec::new())?);
                if self.options.tombstones
                    && let Some((k, _)) = ctx.key(table, &before.values)?
                {
                    out.push(ctx.tombstone(table, k, &before.values)?);
                }
            }
        }
        Ok(out)
    }
}

/// Counts one more event of `table` in the open transaction; returns the transaction block's
/// `(id, total_order, data_collection_order)`.
fn count(txn: &mut Option<TxnState>, table: &TableId) -> Option<(String, u64, u64)> {
    let st = txn.as_mut()?;
    st.total += 1;
    let n = match st.per_table.iter_mut().find(|(t, _)| t == table) {
        Some((_, n)) => {
            *n += 1;
            *n
        }
        None => {
            st.per_table.push((table.clone(), 1));
            1
        }
    };
    Some((st.id.clone(), st.total, n))
}

fn txn_id(event: &ChangeEvent) -> String {
    event
        .txn
        .as_ref()
        .map_or_else(|| event.position.to_string(), |t| t.id.to_string())
}

/// `fmt::Write` over a byte vector.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

struct Ctx<'a> {
    o: &'a DebeziumOptions,
    event: &'a ChangeEvent,
    connector: Connector,
    commit_ms: Option<i64>,
    now_ms: i64,
}

/// A key document and the identity values it was built from (`None` for values not sent).
type Key = (Vec<u8>, Vec<Option<String>>);

impl Ctx<'_> {
    fn message(
        &self,
        kind: MessageKind,
        key: Option<Vec<u8>>,
        identity: Vec<String>,
        value: Option<Vec<u8>>,
        headers: Vec<(String, Vec<u8>)>,
    ) -> Message {
        Message {
            kind,
            key,
            identity,
            value,
            headers,
            position: self.event.position.to_string(),
            timestamp_ms: self.commit_ms,
        }
    }

    fn plain(&self, kind: MessageKind, key: Option<J>, value: J) -> Message {
        let key = key.and_then(|k| serde_json::to_vec(&k).ok());
        self.message(
            kind,
            key,
            Vec::new(),
            serde_json::to_vec(&value).ok(),
            Vec::new(),
        )
    }

    fn row(
        &self,
        table: &TableSchema,
        before: Option<&[Value]>,
        after: Option<&[Value]>,
        op: &str,
        order: Option<(String, u64, u64)>,
        headers: Vec<(String, Vec<u8>)>,
    ) -> Result<Message, EncodeError> {
        let image = after.or(before).unwrap_or(&[]);
        let key = self.key(table, image)?.map(|k| k.0);
        let identity = common::identity_text(FORMAT, table, image)?;
        let v = self.envelope(Some(table), &table.id, before, after, op, order)?;
        Ok(self.message(
            MessageKind::Row {
                table: table.id.clone(),
            },
            key,
            identity,
            Some(v),
            headers,
        ))
    }

    fn tombstone(
        &self,
        table: &TableSchema,
        key: Vec<u8>,
        image: &[Value],
    ) -> Result<Message, EncodeError> {
        let identity = common::identity_text(FORMAT, table, image)?;
        Ok(self.message(
            MessageKind::Tombstone {
                table: table.id.clone(),
            },
            Some(key),
            identity,
            None,
            Vec::new(),
        ))
    }

    /// The key document over the identity columns, or `None` when the table has none.
    fn key(&self, table: &TableSchema, image: &[Value]) -> Result<Option<Key>, EncodeError> {
        let cols = common::identity_columns(table);
        if cols.is_empty() {
            return Ok(None);
        }
        let mut payload = Vec::with_capacity(32);
        let mut ident = Vec::with_capacity(cols.len());
        payload.push(b'{');
        for (n, i) in cols.iter().enumerate() {
            let (Some(c), Some(v)) = (table.columns.get(*i), image.get(*i)) else {
                continue;
            };
            if n > 0 {
                payload.push(b',');
            }
            push_json_str(&mut payload, &c.name);
            payload.push(b':');
            push_value(&mut payload, table, c, v)?;
            ident.push((!v.is_unchanged()).then(|| format!("{v:?}")));
        }
        payload.push(b'}');
        if !self.o.with_schema {
            return Ok(Some((payload, ident)));
        }
        let fields: Vec<J> = cols
            .iter()
            .filter_map(|i| table.columns.get(*i))
            .map(field_schema)
            .collect();
        let schema = json!({"type": "struct", "fields": fields, "optional": false,
            "name": format!("{}.{}.{}.Key", self.o.server_name, table.id.schema, table.id.name)});
        let mut out = Vec::with_capacity(payload.len() + 256);
        out.extend_from_slice(b"{\"schema\":");
        let _ = serde_json::to_writer(&mut out, &schema);
        out.extend_from_slice(b",\"payload\":");
        out.extend_from_slice(&payload);
        out.push(b'}');
        Ok(Some((out, ident)))
    }

    fn source(&self, out: &mut Vec<u8>, db: &str, table: Option<&str>, schema: Option<&str>) {
        let o = self.o;
        let ts = self.commit_ms.unwrap_or(0);
        let snapshot = if o.snapshot { "true" } else { "false" };
        match self.connector {
            Connector::MySql => {
                out.extend_from_slice(b"{\"version\":");
                push_json_str(out, &o.version);
                out.extend_from_slice(b",\"connector\":\"mysql\",\"name\":");
                push_json_str(out, &o.server_name);
                let _ = write!(
                    Bytes(out),
                    ",\"ts_ms\":{ts},\"snapshot\":\"{snapshot}\",\"db\":"
                );
                push_json_str(out, db);
                out.extend_from_slice(b",\"sequence\":null,\"table\":");
                opt_str(out, table);
                let _ = write!(Bytes(out), ",\"server_id\":{},\"gtid\":", o.server_id);
                let gtid = match self.event.txn.as_ref().map(|t| &t.id) {
                    Some(TxnId::MysqlGtid(g)) => Some(g.to_string()),
                    Some(TxnId::MariadbGtid(g)) => Some(g.to_string()),
                    _ => None,
                };
                opt_str(out, gtid.as_deref());
                let (file, pos) = match &self.event.position {
                    SourcePosition::Binlog(b) => (b.file.as_str(), b.offset),
                    _ => ("", 0),
                };
                out.extend_from_slice(b",\"file\":");
                push_json_str(out, file);
                let _ = write!(
                    Bytes(out),
                    ",\"pos\":{pos},\"row\":0,\"thread\":null,\"query\":null}}"
                );
            }
            Connector::Postgres => {
                out.extend_from_slice(b"{\"version\":");
                push_json_str(out, &o.version);
                out.extend_from_slice(b",\"connector\":\"postgresql\",\"name\":");
                push_json_str(out, &o.server_name);
                let _ = write!(
                    Bytes(out),
                    ",\"ts_ms\":{ts},\"snapshot\":\"{snapshot}\",\"db\":"
                );
                push_json_str(out, &o.database);
                out.extend_from_slice(b",\"sequence\":null,\"schema\":");
                opt_str(out, schema.or(Some(db)));
                out.extend_from_slice(b",\"table\":");
                opt_str(out, table);
                out.extend_from_slice(b",\"txId\":");
                match self.event.txn.as_ref().map(|t| &t.id) {
                    Some(TxnId::Xid(x)) => {
                        let _ = write!(Bytes(out), "{x}");
                    }
                    _ => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\"lsn\":");
                match &self.event.position {
                    SourcePosition::Lsn(l) => {
                        let _ = write!(Bytes(out), "{}", l.0);
                    }
                    _ => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\"xmin\":null}");
            }
        }
    }

    fn envelope(
        &self,
        table: Option<&TableSchema>,
        id: &TableId,
        before: Option<&[Value]>,
        after: Option<&[Value]>,
        op: &str,
        order: Option<(String, u64, u64)>,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(512);
        if self.o.with_schema {
            out.extend_from_slice(b"{\"schema\":");
            let _ = serde_json::to_writer(&mut out, &self.envelope_schema(table, id));
            out.extend_from_slice(b",\"payload\":");
        }
        out.extend_from_slice(b"{\"before\":");
        self.image(&mut out, table, before)?;
        out.extend_from_slice(b",\"after\":");
        self.image(&mut out, table, after)?;
        out.extend_from_slice(b",\"source\":");
        let schema = matches!(self.connector, Connector::Postgres).then_some(id.schema.as_str());
        let db = match self.connector {
            Connector::MySql => id.schema.as_str(),
            Connector::Postgres => self.o.database.as_str(),
        };
        self.source(&mut out, db, Some(&id.name), schema);
        out.extend_from_slice(b",\"op\":");
        push_json_str(&mut out, op);
        let _ = write!(
            Bytes(&mut out),
            ",\"ts_ms\":{},\"transaction\":",
            self.now_ms
        );
        match order {
            Some((tid, total, per)) => {
                out.extend_from_slice(b"{\"id\":");
                push_json_str(&mut out, &tid);
                let _ = write!(
                    Bytes(&mut out),
                    ",\"total_order\":{total},\"data_collection_order\":{per}}}"
                );
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
        if self.o.with_schema {
            out.push(b'}');
        }
        Ok(out)
    }

    fn image(
        &self,
        out: &mut Vec<u8>,
        table: Option<&TableSchema>,
        values: Option<&[Value]>,
    ) -> Result<(), EncodeError> {
        let (Some(table), Some(values)) = (table, values) else {
            out.extend_from_slice(b"null");
            return Ok(());
        };
        common::check_width(FORMAT, table, values)?;
        out.push(b'{');
        for (i, (c, v)) in table.columns.iter().zip(values).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_json_str(out, &c.name);
            out.push(b':');
            push_value(out, table, c, v)?;
        }
        out.push(b'}');
        Ok(())
    }

    fn envelope_schema(&self, table: Option<&TableSchema>, id: &TableId) -> J {
        let prefix = format!("{}.{}.{}", self.o.server_name, id.schema, id.name);
        let row = |field: &str| match table {
            Some(t) => json!({"type": "struct",
                "fields": t.columns.iter().map(field_schema).collect::<Vec<_>>(),
                "optional": true, "name": format!("{prefix}.Value"), "field": field}),
            None => json!({"type": "struct", "fields": [], "optional": true,
                "name": format!("{prefix}.Value"), "field": field}),
        };
        let s = |name: &str, optional: bool| json!({"type": "string", "optional": optional, "field": name});
        let i64f = |name: &str, optional: bool| json!({"type": "int64", "optional": optional, "field": name});
        let snapshot = json!({"type": "string", "optional": true, "name": "io.debezium.data.Enum",
            "version": 1, "parameters": {"allowed": "true,last,false,incremental"},
            "default": "false", "field": "snapshot"});
        let (source_name, source_fields) = match self.connector {
            Connector::MySql => (
                "io.debezium.connector.mysql.Source",
                vec![
                    s("version", false),
                    s("connector", false),
                    s("name", false),
                    i64f("ts_ms", false),
                    snapshot,
                    s("db", false),
                    s("sequence", true),
                    s("table", true),
                    i64f("server_id", false),
                    s("gtid", true),
                    s("file", false),
                    i64f("pos", false),
                    json!({"type": "int32", "optional": false, "field": "row"}),
                    i64f("thread", true),
                    s("query", true),
                ],
            ),
            Connector::Postgres => (
                "io.debezium.connector.postgresql.Source",
                vec![
                    s("version", false),
                    s("connector", false),
                    s("name", false),
                    i64f("ts_ms", false),
                    snapshot,
                    s("db", false),
                    s("sequence", true),
                    s("schema", false),
                    s("table", false),
                    i64f("txId", true),
                    i64f("lsn", true),
                    i64f("xmin", true),
                ],
            ),
        };
        json!({
            "type": "struct",
            "fields": [
                row("before"),
                row("after"),
                {"type": "struct", "fields": source_fields, "optional": false,
                 "name": source_name, "field": "source"},
                s("op", false),
                i64f("ts_ms", true),
                {"type": "struct", "fields": [
                    s("id", false), i64f("total_order", false), i64f("data_collection_order", false)],
                 "optional": true, "name": "event.block", "version": 1, "field": "transaction"},
            ],
            "optional": false,
            "name": format!("{prefix}.Envelope"),
            "version": 1,
        })
    }
}

fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn base(ty: &ColumnType) -> &ColumnType {
    match ty {
        ColumnType::Domain { base: b, .. } => base(b),
        t => t,
    }
}

/// `(connect type, logical name, parameters)` of a column type.
fn connect_type(ty: &ColumnType) -> (&'static str, Option<&'static str>, Option<J>) {
    match base(ty) {
        ColumnType::Bool => ("boolean", None, None),
        ColumnType::Bit {
            length: Some(1), ..
        } => ("boolean", None, None),
        ColumnType::Bit { length, .. } => (
            "bytes",
            Some("io.debezium.data.Bits"),
            Some(json!({"length": length.unwrap_or(0).to_string()})),
        ),
        ColumnType::TinyInt { .. } | ColumnType::SmallInt { .. } => ("int16", None, None),
        ColumnType::MediumInt { .. } | ColumnType::Int { unsigned: false } => ("int32", None, None),
        ColumnType::Int { unsigned: true } | ColumnType::BigInt { .. } => ("int64", None, None),
        ColumnType::Float => ("float", None, None),
        ColumnType::Double => ("double", None, None),
        ColumnType::Decimal { .. } | ColumnType::Money => ("string", None, None),
        ColumnType::Year => ("int32", Some("io.debezium.time.Year"), None),
        ColumnType::Date => ("int32", Some("io.debezium.time.Date"), None),
        ColumnType::Time { .. } => ("int64", Some("io.debezium.time.MicroTime"), None),
        ColumnType::DateTime { precision } => match precision {
            Some(p) if *p <= 3 => ("int64", Some("io.debezium.time.Timestamp"), None),
            _ => ("int64", Some("io.debezium.time.MicroTimestamp"), None),
        },
        ColumnType::Timestamp { .. } => ("string", Some("io.debezium.time.ZonedTimestamp"), None),
        ColumnType::TimeTz { .. } => ("string", Some("io.debezium.time.ZonedTime"), None),
        ColumnType::Interval => ("string", Some("io.debezium.time.Interval"), None),
        ColumnType::Binary { .. } | ColumnType::VarBinary { .. } | ColumnType::Blob { .. } => {
            ("bytes", None, None)
        }
        ColumnType::Enum { labels, .. } => (
            "string",
            Some("io.debezium.data.Enum"),
            Some(json!({"allowed": labels.join(",")})),
        ),
        ColumnType::Set { labels } => (
            "string",
            Some("io.debezium.data.EnumSet"),
            Some(json!({"allowed": labels.join(",")})),
        ),
        ColumnType::Json | ColumnType::Jsonb => ("string", Some("io.debezium.data.Json"), None),
        ColumnType::Uuid => ("string", Some("io.debezium.data.Uuid"), None),
        ColumnType::Geometry { .. } => ("struct", Some("io.debezium.data.geometry.Geometry"), None),
        ColumnType::Vector { .. } | ColumnType::Array { .. } => ("array", None, None),
        _ => ("string", None, None),
    }
}

fn field_schema(c: &Column) -> J {
    let (ty, name, params) = connect_type(&c.ty);
    let mut f = serde_json::Map::new();
    f.insert("type".into(), json!(ty));
    f.insert("optional".into(), json!(c.nullable));
    if let Some(n) = name {
        f.insert("name".into(), json!(n));
        f.insert("version".into(), json!(1));
    }
    if let Some(p) = params {
        f.insert("parameters".into(), p);
    }
    match ty {
        "struct" => {
            f.insert(
                "fields".into(),
                json!([{"type": "bytes", "optional": false, "field": "wkb"},
                       {"type": "int32", "optional": true, "field": "srid"}]),
            );
        }
        "array" => {
            let item = match base(&c.ty) {
                ColumnType::Array { element } => connect_type(element).0,
                _ => "float",
            };
            f.insert("items".into(), json!({"type": item, "optional": true}));
        }
        _ => {}
    }
    if let Some(ColumnDefault::Literal(d)) = &c.default {
        let v = match ty {
            "string" => Some(json!(d)),
            "int16" | "int32" | "int64" => d.parse::<i64>().ok().map(|n| json!(n)),
            "float" | "double" => d.parse::<f64>().ok().map(|n| json!(n)),
            "boolean" => match d.as_str() {
                "1" | "true" | "b'1'" => Some(json!(true)),
                "0" | "false" | "b'0'" => Some(json!(false)),
                _ => None,
            },
            _ => None,
        };
        if let Some(v) = v {
            f.insert("default".into(), v);
        }
    }
    f.insert("field".into(), json!(c.name));
    J::Object(f)
}

fn push_float(out: &mut Vec<u8>, v: f64, single: bool) {
    if v.is_finite() {
        out.extend_from_slice(crate::canal::java_float_text(v, single).as_bytes());
    } else {
        push_json_str(out, &common::float_text(v, single));
    }
}

/// One value as Debezium's JSON (module docs list the rules).
fn push_value(
    out: &mut Vec<u8>,
    table: &TableSchema,
    c: &Column,
    v: &Value,
) -> Result<(), EncodeError> {
    let ty = base(&c.ty);
    let mut w = Bytes(out);
    match v {
        Value::Null => w.0.extend_from_slice(b"null"),
        Value::Unchanged => push_json_str(w.0, UNAVAILABLE_VALUE),
        Value::JsonPatch(_) => {
            return Err(unrepresentable(
                FORMAT,
                table,
                c,
                "a partial JSON update without its old document",
            ));
        }
        Value::Bool(b) => w.0.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => {
            let _ = write!(w, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(w, "{u}");
        }
        Value::Float(f) => push_float(w.0, f64::from(*f), true),
        Value::Double(d) => push_float(w.0, *d, false),
        Value::Decimal(d) => push_json_str(w.0, &d.to_string()),
        Value::Year(y) => {
            let _ = write!(w, "{y}");
        }
        Value::Date(d) => match d.days_since_epoch() {
            Some(days) => {
                let _ = write!(w, "{days}");
            }
            None if d.is_infinite() => push_json_str(w.0, &d.to_string()),
            None => w.0.extend_from_slice(b"null"),
        },
        Value::Time(t) => {
            let _ = write!(w, "{}", t.total_micros());
        }
        Value::DateTime(dt) => match dt.to_unix_micros() {
            Some(us) => {
                let ms = matches!(ty, ColumnType::DateTime { precision: Some(p) } if *p <= 3);
                let _ = if ms {
                    write!(w, "{}", us.div_euclid(1000))
                } else {
                    write!(w, "{us}")
                };
            }
            None if dt.date.is_infinite() => push_json_str(w.0, &dt.to_string()),
            None => w.0.extend_from_slice(b"null"),
        },
        Value::Timestamp(ts) => {
            if ts.is_zero() {
                w.0.extend_from_slice(b"null");
            } else if ts.is_infinite() {
                push_json_str(w.0, &ts.to_string());
            } else {
                let dt = ts.to_utc();
                let mut s = String::with_capacity(28);
                let _ = write!(
                    s,
                    "{}T{:02}:{:02}:{:02}",
                    dt.date, dt.hour, dt.minute, dt.second
                );
                push_fraction(&mut s, dt.micros, common::temporal_precision(ty));
                s.push('Z');
                push_json_str(w.0, &s);
            }
        }
        Value::TimeTz(t) => {
            let day = 86_400_000_000i64;
            let utc =
                (t.time.total_micros() - i64::from(t.offset_seconds) * 1_000_000).rem_euclid(day);
            let (h, m, s, us) = (
                utc / 3_600_000_000,
                utc / 60_000_000 % 60,
                utc / 1_000_000 % 60,
                utc % 1_000_000,
            );
            let mut st = format!("{h:02}:{m:02}:{s:02}");
            push_fraction(
                &mut st,
                u32::try_from(us).unwrap_or(0),
                common::temporal_precision(ty),
            );
            st.push('Z');
            push_json_str(w.0, &st);
        }
        Value::Bytes(b) => push_json_str(w.0, &base64(b)),
        Value::Bit(b) => {
            if matches!(
                ty,
                ColumnType::Bit {
                    length: Some(1),
                    ..
                }
            ) {
                w.0.extend_from_slice(if b.to_u64() == Some(1) {
                    b"true"
                } else {
                    b"false"
                });
            } else {
                let le: Vec<u8> = b.bytes.iter().rev().copied().collect();
                push_json_str(w.0, &base64(&le));
            }
        }
        Value::Geometry(g) => {
            w.0.extend_from_slice(b"{\"wkb\":");
            push_json_str(w.0, &base64(&g.wkb));
            let _ = write!(w, ",\"srid\":{}}}", g.srid);
        }
        Value::Vector(x) => {
            w.0.push(b'[');
            for (i, f) in x.iter().enumerate() {
                if i > 0 {
                    w.0.push(b',');
                }
                push_float(w.0, f64::from(*f), true);
            }
            w.0.push(b']');
        }
        Value::Array(a) => {
            let elem_col = match ty {
                ColumnType::Array { element } => Column::new(c.name.clone(), (**element).clone()),
                _ => Column::new(
                    c.name.clone(),
                    ColumnType::Other {
                        name: "text".into(),
                        oid: None,
                    },
                ),
            };
            out.push(b'[');
            for (i, e) in a.elements.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_value(out, table, &elem_col, e)?;
            }
            out.push(b']');
        }
        other => {
            // Text, JSON, enums, sets, UUIDs, inet, MAC, money, interval: their text form.
            let s = common::value_text(other, ty, common::BinaryText::Base64)
                .map_err(|what| unrepresentable(FORMAT, table, c, what))?
                .unwrap_or_default();
            push_json_str(w.0, &s);
        }
    }
    Ok(())
}
