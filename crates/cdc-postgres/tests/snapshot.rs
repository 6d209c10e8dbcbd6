//! Live: a consistent snapshot read by three workers in chunks while a writer keeps changing
//! the tables, plus the change stream from the slot's consistent point, equals the tables'
//! final contents value for value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_io::Timer;
use bytes::Bytes;
use cdc_model::{Change, RowImage, TableId, TableSchema, TxnId, Value};
use cdc_pgoutput::{TypeRegistry, decode_text_value};
use cdc_postgres::{
    ChangeStream, ChangeStreamOptions, ChunkRange, Chunking, PgEvent, RowBatch, SnapshotReader,
};
use cdc_testkit::Postgres;
use common::{Conn, connect, connect_replication, run};
use futures::future::{Either, join, join_all, select};
use futures::{StreamExt, TryStreamExt};

const SCHEMA: &str = "
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE items (
    id int8 PRIMARY KEY,
    amount numeric(20,6),
    ratio numeric,
    at timestamptz,
    label text,
    blob bytea,
    doc jsonb,
    nums int4[],
    tags text[],
    feeling mood,
    day date,
    score float8,
    flag bool,
    ref uuid,
    big text
);
CREATE TABLE counters (id int4 PRIMARY KEY, v int8 NOT NULL, note varchar(40));
CREATE TABLE done (id int4 PRIMARY KEY);
CREATE PUBLICATION p FOR TABLE items, counters, done;
";

/// Row `i` of `items`: every column a function of `i`, some NULL, some out-of-line TOAST.
fn item_values(i: i64) -> String {
    let null_or = |cond: bool, v: String| if cond { "NULL".to_owned() } else { v };
    let feelings = ["sad", "ok", "happy"];
    format!(
        "({i}, {amount}, {ratio}, {at}, {label}, {blob}, {doc}, {nums}, {tags}, {feeling}, \
         {day}, {score}, {flag}, {uuid}, {big})",
        amount = null_or(i % 7 == 0, format!("{}.{:06}", i * 13 - 500, i % 1_000_000)),
        ratio = null_or(i % 11 == 0, format!("'{}e-{}'::numeric", i * 7 + 1, i % 30)),
        at = null_or(
            i % 5 == 0,
            format!(
                "'2024-03-01 12:00:00.123456+02'::timestamptz + interval '{i} minutes 7 microseconds'"
            )
        ),
        label = null_or(i % 3 == 0, format!("'label ''{i}'' ünïcode ✓'")),
        blob = null_or(i % 4 == 0, format!("'\\x00ff{:04x}'::bytea", i % 65536)),
        doc = null_or(
            i % 6 == 0,
            format!(
                "'{{\"i\": {i}, \"nested\": {{\"a\": [1, 2.5, null, \"x\"]}}, \"s\": \"q\\\"uote\"}}'::jsonb"
            )
        ),
        nums = null_or(i % 8 == 0, format!("ARRAY[{i}, NULL, -{i}]::int4[]")),
        tags = null_or(
            i % 9 == 0,
            format!("ARRAY['a {i}', NULL, 'c\"d', '']::text[]")
        ),
        feeling = null_or(i % 10 == 0, format!("'{}'", feelings[(i % 3) as usize])),
        day = null_or(i % 12 == 0, format!("'2000-02-28'::date + {i}")),
        score = null_or(i % 13 == 0, format!("{}.25e{}", i, i % 20)),
        flag = null_or(i % 14 == 0, (i % 2 == 0).to_string()),
        uuid = null_or(i % 15 == 0, format!("md5('{i}')::uuid")),
        // ~12 kB of incompressible text every 20th row: stored out of line, so updates that
        // do not touch it send it as unchanged
        big = null_or(
            i % 20 != 1,
            format!("(SELECT string_agg(md5('{i}' || g), '') FROM generate_series(1, 380) g)")
        ),
    )
}

/// A tiny deterministic generator for the writer.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// One writer step: a transaction of one to three inserts, updates or deletes.
fn writer_step(rng: &mut Lcg, next_id: &mut i64) -> String {
    let mut sql = String::from("BEGIN;");
    for _ in 0..=rng.next(3) {
        let id = 1 + rng.next(*next_id as u64 - 1) as i64;
        let stmt = match rng.next(10) {
            0..=2 => {
                *next_id += 1;
                format!("INSERT INTO items VALUES {};", item_values(*next_id))
            }
            3..=4 => format!(
                "UPDATE items SET amount = amount + 1.5, label = 'upd ' || id, at = now(), \
                 nums = nums || {id} WHERE id = {id};"
            ),
            5 => format!(
                "UPDATE items SET doc = NULL, feeling = 'happy', tags = ARRAY['x'] WHERE id = {id};"
            ),
            6 => format!("DELETE FROM items WHERE id = {id};"),
            7 => format!(
                "UPDATE counters SET v = v + {id}, note = 'n' || {id} WHERE id = {};",
                1 + id % 500
            ),
            8 => format!(
                "INSERT INTO counters VALUES ({}, {id}, NULL) ON CONFLICT (id) DO UPDATE SET v = 0;",
                500 + id
            ),
            _ => format!("UPDATE items SET id = id + 1000000 WHERE id = {id};"),
        };
        sql.push_str(&stmt);
    }
    sql.push_str("COMMIT");
    sql
}

/// In-memory copy of the tables: key (first column) to row.
type Tables = HashMap<TableId, BTreeMap<i64, Vec<Value>>>;

fn key(row: &RowImage) -> i64 {
    match row.values[0] {
        Value::Int(i) => i,
        ref v => panic!("key {v:?}"),
    }
}

/// Applies one committed change strictly: inserting an existing key, or updating or deleting
/// a missing one, means the snapshot and the stream overlap or leave a gap.
fn apply(tables: &mut Tables, change: &Change, stats: &mut usize) {
    *stats += 1;
    match change {
        Change::Insert { table, after } => {
            let t = tables.entry(table.id.clone()).or_default();
            let k = key(after);
            assert!(
                t.insert(k, after.values.clone()).is_none(),
                "{}: insert of existing key {k}",
                table.id
            );
        }
        Change::Update {
            table,
            before,
            after,
        } => {
            let t = tables.entry(table.id.clone()).or_default();
            let old_key = before.as_ref().map_or_else(|| key(after), key);
            let old = t
                .remove(&old_key)
                .unwrap_or_else(|| panic!("{}: update of missing key {old_key}", table.id));
            let merged: Vec<Value> = after
                .values
                .iter()
                .zip(old)
                .map(|(new, old)| if new.is_unchanged() { old } else { new.clone() })
                .collect();
            let k = key(after);
            assert!(t.insert(k, merged).is_none(), "{}: key {k} taken", table.id);
        }
        Change::Delete { table, before } => {
            let t = tables.entry(table.id.clone()).or_default();
            let k = key(before);
            assert!(
                t.remove(&k).is_some(),
                "{}: delete of missing key {k}",
                table.id
            );
        }
        other => panic!("unexpected change {other:?}"),
    }
}

/// The table's final contents through the text protocol, decoded by the text decoders (an
/// independent path from the binary COPY and binary pgoutput values being checked).
async fn final_rows(
    conn: &mut Conn,
    schema: &TableSchema,
    types: &TypeRegistry,
    oids: &[u32],
) -> BTreeMap<i64, Vec<Value>> {
    let cols: Vec<String> = schema
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let rows = conn
        .query_rows(&format!(
            "SELECT {} FROM {}.{} ORDER BY 1",
            cols.join(", "),
            schema.id.schema,
            schema.id.name
        ))
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| {
            let values: Vec<Value> = r
                .into_iter()
                .zip(oids)
                .map(|(v, oid)| match v {
                    None => Value::Null,
                    Some(text) => {
                        decode_text_value(&types.value_kind(*oid), &Bytes::from(text)).unwrap()
                    }
                })
                .collect();
            (key(&RowImage::new(values.clone())), values)
        })
        .collect()
}

#[test]
fn snapshot_under_concurrent_writes_plus_stream_equals_the_final_tables() {
    let db = Postgres::from_env().fresh_database("pg_snapshot_eq");
    db.exec(SCHEMA);
    let initial: Vec<String> = (1..=3000).map(item_values).collect();
    for part in initial.chunks(500) {
        db.exec(&format!("INSERT INTO items VALUES {}", part.join(", ")));
    }
    db.exec("INSERT INTO counters SELECT g, g * 10, 'c' || g FROM generate_series(1, 500) g");
    let slot = format!("{}_s", db.name());

    run(240, async {
        let stop = Cell::new(false);
        let steps = Cell::new(0u64);
        let mut w = connect(&db).await;
        let writer = async {
            let mut rng = Lcg(42);
            let mut next_id = 3000i64;
            while !stop.get() {
                let sql = writer_step(&mut rng, &mut next_id);
                w.batch_execute(&sql).await.unwrap();
                steps.set(steps.get() + 1);
            }
        };
        let wait_steps = |n: u64| {
            let target = steps.get() + n;
            let steps = &steps;
            async move {
                let deadline = Instant::now() + Duration::from_secs(60);
                while steps.get() < target {
                    assert!(Instant::now() < deadline, "the writer is stuck");
                    Timer::after(Duration::from_millis(5)).await;
                }
            }
        };
        let reader = async {
            wait_steps(50).await;
            let repl = connect_replication(&db).await;
            let workers = join_all((0..3).map(|_| connect(&db))).await;
            let mut snap = SnapshotReader::begin(repl, workers, &slot, false)
                .await
                .unwrap();
            let before_read = steps.get();
            let items = snap
                .plan(
                    &TableId::new("public", "items"),
                    Chunking::Ctid { pages: 16 },
                )
                .await
                .unwrap();
            let counters = snap
                .plan(
                    &TableId::new("public", "counters"),
                    Chunking::PrimaryKey { rows: 100 },
                )
                .await
                .unwrap();
            assert!(items.chunks.len() >= 4, "{:?}", items.chunks);
            assert!(
                counters.chunks.len() >= 4
                    && counters
                        .chunks
                        .iter()
                        .all(|c| matches!(c, ChunkRange::Key { .. })),
                "{:?}",
                counters.chunks
            );
            let plans = [items, counters];
            let batches: Vec<RowBatch> = snap.read(&plans).try_collect().await.unwrap();
            // the writer kept going while the snapshot was read
            assert!(steps.get() > before_read, "no concurrent writes");
            let consistent_point = snap.consistent_point();
            let types = snap.types().clone();
            let (repl, _workers) = snap.finish().await.unwrap();
            wait_steps(50).await;
            stop.set(true);
            (repl, plans, batches, consistent_point, types)
        };
        let ((), (repl, plans, batches, consistent_point, types)) = join(writer, reader).await;

        // the snapshot: every chunk once, every row once
        let mut tables: Tables = HashMap::new();
        let mut snapshot_rows = 0;
        for plan in &plans {
            let n = batches
                .iter()
                .filter(|b| Arc::ptr_eq(&b.table, &plan.schema))
                .count();
            assert_eq!(n, plan.chunks.len());
        }
        for b in &batches {
            let t = tables.entry(b.table.id.clone()).or_default();
            for row in &b.rows {
                assert_eq!(row.len(), b.table.columns.len());
                snapshot_rows += 1;
                assert!(
                    t.insert(key(row), row.values.clone()).is_none(),
                    "row {} read twice",
                    key(row)
                );
            }
        }
        assert!(snapshot_rows >= 3500, "{snapshot_rows}");
        let snapshot_copy = tables.clone();

        // the stream from the consistent point, until the marker transaction
        db.exec("INSERT INTO done VALUES (1)");
        let version = repl.server_version_num().unwrap();
        let options = ChangeStreamOptions::for_server_version(version, &["p"]);
        let mut changes = ChangeStream::start(repl, &slot, consistent_point, &options)
            .await
            .unwrap();
        // enums, domains: pgoutput does not describe them, the snapshot did
        *changes.types_mut() = types.clone();
        let mut pending: HashMap<u64, Vec<Change>> = HashMap::new();
        let mut applied = 0usize;
        'stream: loop {
            let ev = match select(changes.next(), Timer::after(Duration::from_secs(30))).await {
                Either::Left((Some(ev), _)) => ev.unwrap(),
                _ => panic!("the stream stopped before the marker"),
            };
            match ev {
                PgEvent::Change(e) => match &e.change {
                    Change::Begin => {}
                    Change::Commit => {
                        let Some(TxnId::Xid(x)) = e.txn.map(|t| t.id) else {
                            panic!()
                        };
                        for c in pending.remove(&x).unwrap_or_default() {
                            apply(&mut tables, &c, &mut applied);
                        }
                    }
                    Change::Insert { table, .. } if table.id.name == "done" => break 'stream,
                    c => apply(&mut tables, c, &mut applied),
                },
                PgEvent::Pending { xid, event, .. } => pending
                    .entry(u64::from(xid))
                    .or_default()
                    .push(event.change),
                PgEvent::StreamAbort { .. } => panic!("the writer never aborts"),
                _ => {}
            }
        }
        // the 50 writer steps after the snapshot alone hold about 100 changes
        assert!(applied >= 50, "only {applied} changes streamed");
        assert_ne!(tables, snapshot_copy);

        // the result equals the final tables, every value
        let mut check = connect(&db).await;
        for plan in &plans {
            let stmt = check
                .prepare(&format!(
                    "SELECT * FROM {}.{} LIMIT 0",
                    plan.schema.id.schema, plan.schema.id.name
                ))
                .await
                .unwrap();
            let oids: Vec<u32> = stmt.columns().iter().map(|c| c.type_oid).collect();
            let expected = final_rows(&mut check, &plan.schema, &types, &oids).await;
            let got = tables.remove(&plan.schema.id).unwrap_or_default();
            assert_eq!(got.len(), expected.len(), "{}: row count", plan.schema.id);
            for ((gk, gv), (ek, ev)) in got.iter().zip(&expected) {
                assert_eq!(gk, ek, "{}: keys differ", plan.schema.id);
                assert_eq!(gv, ev, "{}: row {gk} differs", plan.schema.id);
            }
        }
        changes.stop().await.unwrap();
    });
}

#[test]
fn a_failed_snapshot_import_is_the_servers_error_and_leaves_no_slot() {
    let server = Postgres::from_env();
    let db = server.fresh_database("pg_snap_import");
    let other = server.fresh_database("pg_snap_other");
    let slot = format!("{}_s", db.name());
    run(60, async {
        // no worker: a usage error before anything is created
        let repl = connect_replication(&db).await;
        let e = SnapshotReader::begin(repl, Vec::new(), &slot, false)
            .await
            .unwrap_err();
        assert!(matches!(e.kind(), cdc_postgres::ErrorKind::Usage(_)), "{e}");

        // a worker in another database cannot import the snapshot
        let repl = connect_replication(&db).await;
        let workers = vec![connect(&db).await, connect(&other).await];
        let e = SnapshotReader::begin(repl, workers, &slot, false)
            .await
            .unwrap_err();
        assert_eq!(
            e.code().map(|c| c.as_str().to_owned()).as_deref(),
            Some("0A000"),
            "{e}"
        );
        assert_eq!(e.context(), Some("importing the exported snapshot"));
        assert!(e.to_string().contains("different database"), "{e}");
    });
    let left = db.query(&format!(
        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"
    ));
    assert_eq!(left[0][0].as_deref(), Some("0"), "slot {slot} left behind");
}

/// The `id` values of a table's rows as read in chunks, with how often each came.
fn ids_read(batches: &[RowBatch], table: &str) -> BTreeMap<i64, usize> {
    let mut seen = BTreeMap::new();
    for b in batches.iter().filter(|b| b.table.id.name == table) {
        for r in &b.rows {
            let Value::Int(id) = r.values[0] else {
                panic!("id {:?}", r.values[0])
            };
            *seen.entry(id).or_insert(0) += 1;
        }
    }
    seen
}

#[test]
fn chunk_edges_read_every_row_once_for_negative_boundary_empty_and_single_row_tables() {
    let db = Postgres::from_env().fresh_database("pg_snap_edges");
    // keys on both sides of zero, at the extremes of int4 and int2, and dense runs around
    // the chunk bounds the planner will pick; a table with no key; an empty and a one-row
    // table
    db.exec(
        "CREATE TABLE k4 (id int4 PRIMARY KEY, pad text);
         INSERT INTO k4 SELECT g, repeat('x', 200) FROM generate_series(-1000, 1000) g;
         INSERT INTO k4 VALUES (-2147483648, 'min'), (2147483647, 'max');
         CREATE TABLE k2 (id int2 PRIMARY KEY);
         INSERT INTO k2 SELECT g FROM generate_series(-32768, -32700) g
                   UNION ALL SELECT g FROM generate_series(32700, 32767) g;
         CREATE TABLE nokey (id int8, pad text);
         INSERT INTO nokey SELECT g % 500, repeat('y', 300) FROM generate_series(1, 3000) g;
         CREATE TABLE dense (id int8 PRIMARY KEY);
         INSERT INTO dense SELECT g FROM generate_series(1, 100) g;
         CREATE TABLE empty (id int8 PRIMARY KEY);
         CREATE TABLE one (id int8 PRIMARY KEY);
         INSERT INTO one VALUES (-7);",
    );
    let slot = format!("{}_s", db.name());
    run(120, async {
        let repl = connect_replication(&db).await;
        let workers = join_all((0..2).map(|_| connect(&db))).await;
        let mut snap = SnapshotReader::begin(repl, workers, &slot, true)
            .await
            .unwrap();
        let t = |n: &str| TableId::new("public", n);
        let mut plans = vec![
            snap.plan(&t("k4"), Chunking::PrimaryKey { rows: 97 })
                .await
                .unwrap(),
            snap.plan(&t("k2"), Chunking::PrimaryKey { rows: 10 })
                .await
                .unwrap(),
            snap.plan(&t("nokey"), Chunking::Ctid { pages: 3 })
                .await
                .unwrap(),
        ];
        // the key planner splits evenly between min and max: with int4's extremes in k4
        // almost every row is in one middle chunk
        let dense = snap
            .plan(&t("dense"), Chunking::PrimaryKey { rows: 30 })
            .await
            .unwrap();
        // 1..=100 in 4 chunks: the bounds 26, 51 and 76 are keys of existing rows
        let bounds: Vec<(Option<i64>, Option<i64>)> = dense
            .chunks
            .iter()
            .map(|c| match c {
                ChunkRange::Key { from, to, .. } => (*from, *to),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            bounds,
            [
                (None, Some(26)),
                (Some(26), Some(51)),
                (Some(51), Some(76)),
                (Some(76), None)
            ]
        );
        plans.push(dense);
        assert!(plans[0].chunks.len() >= 3, "{:?}", plans[0].chunks);
        assert!(plans[1].chunks.len() >= 3, "{:?}", plans[1].chunks);
        assert!(plans[2].chunks.len() >= 3, "{:?}", plans[2].chunks);
        assert!(matches!(
            plans[2].chunks[0],
            ChunkRange::Pages { from: 0, .. }
        ));
        // a table without a usable key falls back to page ranges
        let fallback = snap
            .plan(&t("nokey"), Chunking::PrimaryKey { rows: 10 })
            .await
            .unwrap();
        assert!(matches!(
            fallback.chunks[0],
            ChunkRange::All | ChunkRange::Pages { .. }
        ));
        for name in ["empty", "one"] {
            for chunking in [
                Chunking::PrimaryKey { rows: 1 },
                Chunking::Ctid { pages: 1 },
            ] {
                let p = snap.plan(&t(name), chunking).await.unwrap();
                assert_eq!(p.chunks, [ChunkRange::All], "{name} {chunking:?}");
                plans.push(p);
            }
        }
        let batches: Vec<RowBatch> = snap.read(&plans).try_collect().await.unwrap();
        assert_eq!(
            batches.len(),
            plans.iter().map(|p| p.chunks.len()).sum::<usize>()
        );

        let mut k4: Vec<i64> = (-1000..=1000).collect();
        k4.extend([-2_147_483_648, 2_147_483_647]);
        k4.sort_unstable();
        let seen = ids_read(&batches, "dense");
        assert!(seen.values().all(|n| *n == 1), "read twice: {seen:?}");
        assert_eq!(
            seen.into_keys().collect::<Vec<_>>(),
            (1..=100).collect::<Vec<_>>()
        );
        let per_chunk: Vec<usize> = batches
            .iter()
            .filter(|b| b.table.id.name == "dense")
            .map(|b| b.rows.len())
            .collect();
        assert_eq!(per_chunk.iter().sum::<usize>(), 100);
        assert!(per_chunk.iter().all(|n| *n == 25), "{per_chunk:?}");
        let seen = ids_read(&batches, "k4");
        assert!(seen.values().all(|n| *n == 1), "read twice: {seen:?}");
        assert_eq!(seen.into_keys().collect::<Vec<_>>(), k4);
        let k2: Vec<i64> = (-32768..=-32700).chain(32700..=32767).collect();
        let seen = ids_read(&batches, "k2");
        assert!(seen.values().all(|n| *n == 1));
        assert_eq!(seen.into_keys().collect::<Vec<_>>(), k2);
        // nokey: 3000 rows, ids 0..500 six times each
        let seen = ids_read(&batches, "nokey");
        assert_eq!(seen.len(), 500);
        assert!(seen.values().all(|n| *n == 6), "{seen:?}");
        assert!(ids_read(&batches, "empty").is_empty());
        // "one" was planned twice, so read twice
        assert_eq!(ids_read(&batches, "one"), BTreeMap::from([(-7, 2)]));
        let (repl, workers) = snap.finish().await.unwrap();
        assert_eq!(workers.len(), 2);
        drop(repl);
    });
}
