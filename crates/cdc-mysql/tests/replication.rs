//! Live: binlog streams from MariaDB by file/offset and by GTID, positions and checkpoints,
//! heartbeats, typed server errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use cdc_model::{BinlogPosition, MariaGtidPosition, Value};
use cdc_mysql::{BinlogEvent, BinlogOptions, StartPosition, codes};
use cdc_mysql_binlog::{EventData, RowsKind};
use cdc_testkit::{MariaDb, MariaDbDatabase};
use common::{connect, run};
use futures::StreamExt;

/// A server id no other test uses at the same time (the resume and snapshot tests use
/// n = 6..9 of their own process ids).
fn server_id(n: u32) -> u32 {
    1000 + (std::process::id() % 100_000) * 10 + n
}

fn gtid_binlog_pos(server: &MariaDb) -> MariaGtidPosition {
    server.query(None, "SELECT @@gtid_binlog_pos")[0][0]
        .clone()
        .unwrap_or_default()
        .parse()
        .unwrap()
}

fn here(server: &MariaDb) -> BinlogPosition {
    let (file, offset) = server.current_binlog();
    BinlogPosition::new(file, offset)
}

/// The `id`s (first column) of the rows inserted into `db`'s tables by `event`.
fn inserted_ids(db: &MariaDbDatabase, event: &BinlogEvent, out: &mut Vec<i64>) {
    if let EventData::Rows(r) = &event.event.data
        && r.table.schema == db.name()
        && r.kind == RowsKind::Write
    {
        for row in r.rows() {
            match &row.unwrap().after.unwrap()[0] {
                Value::Int(i) => out.push(*i),
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn non_blocking_stream_from_a_file_offset_ends_at_the_binlog_end() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("repl_file");
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
    let start = here(&server);
    for i in 0..5 {
        db.exec(&format!(
            "INSERT INTO t VALUES ({}, 'a'), ({}, NULL)",
            2 * i,
            2 * i + 1
        ));
    }
    db.exec("ALTER TABLE t ADD COLUMN w INT");
    db.exec("BEGIN; INSERT INTO t VALUES (100, 'x', 1); UPDATE t SET v = 'b' WHERE id = 0; COMMIT");
    let end = here(&server);
    let end_gtid = gtid_binlog_pos(&server);
    run(60, async {
        let conn = connect(&server, None).await;
        let opts = BinlogOptions::new(server_id(1), StartPosition::Binlog(start.clone()))
            .non_blocking(true);
        let mut stream = conn.binlog_stream(&opts).await.unwrap();
        let mut ids = Vec::new();
        let mut commits = 0;
        let mut last_checkpoint = None;
        let mut saw_ddl = false;
        let mut prev_end = None;
        while let Some(ev) = stream.next().await {
            let ev = ev.unwrap();
            assert_eq!(ev.position.offset, ev.event.offset);
            // real events follow each other without gaps
            if ev.event.header.log_pos != 0 && !matches!(ev.event.data, EventData::Heartbeat { .. })
            {
                if let Some(p) = prev_end
                    && ev.position.file == start.file
                {
                    assert_eq!(ev.position.offset, p, "{ev:?}");
                }
                prev_end = Some(u64::from(ev.event.header.log_pos));
            }
            if let EventData::Query(q) = &ev.event.data
                && q.query_text().contains("ADD COLUMN w")
            {
                saw_ddl = true;
                assert!(ev.ends_transaction, "DDL is a unit of its own");
                assert!(ev.gtid.is_some());
            }
            if matches!(ev.event.data, EventData::Rows(_)) {
                assert!(!ev.ends_transaction);
                assert!(ev.gtid.is_some());
            }
            if matches!(ev.event.data, EventData::Xid(_)) {
                assert!(ev.ends_transaction);
                commits += 1;
            }
            inserted_ids(&db, &ev, &mut ids);
            if ev.ends_transaction {
                last_checkpoint = Some(stream.checkpoint().clone());
            }
        }
        assert!(saw_ddl);
        assert!(commits >= 6, "{commits}");
        assert_eq!(ids, (0..10).chain([100]).collect::<Vec<_>>());
        // other tests may have written meanwhile: the checkpoint is at or after our end
        let cp = last_checkpoint.unwrap();
        assert!(cp.binlog >= end, "{} < {end}", cp.binlog);
        let gtid = cp.mariadb_gtid.clone().unwrap();
        let ours = end_gtid.get(0).unwrap();
        assert!(
            gtid.get(0).unwrap().sequence >= ours.sequence,
            "{gtid} vs {end_gtid}"
        );
    });
}

#[test]
fn a_mariadb_gtid_start_sends_exactly_the_later_transactions() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("repl_gtid");
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)");
    db.exec("INSERT INTO t VALUES (1), (2)");
    // the file position first: other tests may commit between the two reads, and the first
    // transaction after the GTID position is then still at or after this offset
    let start_file = here(&server);
    let start = gtid_binlog_pos(&server);
    db.exec("INSERT INTO t VALUES (3)");
    db.exec("INSERT INTO t VALUES (4), (5)");
    run(60, async {
        let conn = connect(&server, None).await;
        let opts = BinlogOptions::new(server_id(2), StartPosition::MariaGtid(start.clone()))
            .non_blocking(true);
        let mut stream = conn.binlog_stream(&opts).await.unwrap();
        let mut ids = Vec::new();
        let mut first_gtid = None;
        while let Some(ev) = stream.next().await {
            let ev = ev.unwrap();
            if first_gtid.is_none()
                && let EventData::MariaGtid(g) = &ev.event.data
            {
                first_gtid = Some(g.gtid);
                // the first transaction streamed comes right after the start position
                assert!(ev.position >= start_file, "{} < {start_file}", ev.position);
            }
            inserted_ids(&db, &ev, &mut ids);
        }
        assert_eq!(ids, [3, 4, 5]);
        let g = first_gtid.unwrap();
        assert_eq!(g.sequence, start.get(g.domain).unwrap().sequence + 1);
        assert!(stream.checkpoint().mariadb_gtid.as_ref().unwrap() > &start);
    });
}

#[test]
fn a_missing_binlog_file_is_error_1236_and_not_retryable() {
    let server = MariaDb::from_env();
    run(30, async {
        let conn = connect(&server, None).await;
        let opts = BinlogOptions::new(
            server_id(3),
            StartPosition::Binlog(BinlogPosition::new("mysql-bin.999999", 4)),
        );
        let mut stream = conn.binlog_stream(&opts).await.unwrap();
        let e = stream.next().await.unwrap().unwrap_err();
        assert_eq!(
            e.code(),
            Some(codes::ER_MASTER_FATAL_ERROR_READING_BINLOG),
            "{e}"
        );
        assert!(!e.is_retryable());
        assert!(stream.next().await.is_none());

        // a GTID the server never had (a domain it does not know, strict mode)
        let conn = connect(&server, None).await;
        let opts = BinlogOptions::new(
            server_id(3),
            StartPosition::MariaGtid("0-1-999999999".parse().unwrap()),
        );
        let mut stream = conn.binlog_stream(&opts).await.unwrap();
        let e = stream.next().await.unwrap().unwrap_err();
        assert_eq!(
            e.code(),
            Some(codes::ER_MASTER_FATAL_ERROR_READING_BINLOG),
            "{e}"
        );
    });
}

#[test]
fn an_idle_blocking_stream_gets_heartbeats_then_new_writes() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("repl_hb");
    db.exec("CREATE TABLE t (id INT PRIMARY KEY)");
    run(60, async {
        let conn = connect(&server, None).await;
        let opts = BinlogOptions::new(server_id(4), StartPosition::Binlog(here(&server)))
            .heartbeat(Duration::from_millis(200));
        let mut stream = conn.binlog_stream(&opts).await.unwrap();
        let mut heartbeats = 0;
        while heartbeats < 2 {
            let ev = stream.next().await.unwrap().unwrap();
            if let EventData::Heartbeat { file, .. } = &ev.event.data {
                assert!(file.starts_with("mysql-bin."), "{file}");
                assert!(!ev.ends_transaction);
                heartbeats += 1;
            }
        }
        let writer = {
            let server = server.clone();
            let name = db.name().to_owned();
            std::thread::spawn(move || server.exec(Some(&name), "INSERT INTO t VALUES (7)"))
        };
        let mut ids = Vec::new();
        while ids.is_empty() {
            let ev = stream.next().await.unwrap().unwrap();
            inserted_ids(&db, &ev, &mut ids);
        }
        assert_eq!(ids, [7]);
        writer.join().unwrap();
    });
}

#[test]
fn a_second_replica_with_the_same_server_id_displaces_the_first() {
    let server = MariaDb::from_env();
    run(60, async {
        let id = server_id(5);
        let conn = connect(&server, None).await;
        let opts = BinlogOptions::new(id, StartPosition::Binlog(here(&server)))
            .heartbeat(Duration::from_millis(100));
        let mut first = conn.binlog_stream(&opts).await.unwrap();
        // wait until the first dump runs
        while !matches!(
            first.next().await.unwrap().unwrap().event.data,
            EventData::Heartbeat { .. }
        ) {}
        let conn = connect(&server, None).await;
        let mut second = conn.binlog_stream(&opts).await.unwrap();
        let ev = second.next().await.unwrap().unwrap();
        assert!(matches!(ev.event.data, EventData::Rotate(_)), "{ev:?}");
        // the first stream ends with an error, not silently
        let err = loop {
            match first.next().await {
                Some(Ok(_)) => continue,
                Some(Err(e)) => break e,
                None => panic!("the displaced stream ended without an error"),
            }
        };
        assert_eq!(err.code(), Some(codes::ER_SLAVE_SAME_ID), "{err}");
        assert!(!err.is_retryable());
    });
}
