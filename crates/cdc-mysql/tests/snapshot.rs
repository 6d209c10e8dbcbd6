//! Live: a consistent snapshot taken while writes run, read in parallel key chunks, plus the
//! binlog stream from the snapshot's position, reproduces the table exactly (compared with
//! a final SELECT); by file/offset and by GTID.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use cdc_model::Value;
use cdc_mysql::{BinlogOptions, TableRead, consistent_snapshot, end_snapshot, read_table};
use cdc_mysql_binlog::{EventData, RowsKind};
use cdc_testkit::MariaDb;
use common::{connect, run};
use futures::StreamExt;

const TABLE: &str = "CREATE TABLE t (
    id BIGINT PRIMARY KEY, n INT, s VARCHAR(40), d DECIMAL(12,3), dt DATETIME(6),
    ts TIMESTAMP(3) NULL, f DOUBLE, b VARBINARY(16), tx TEXT
)";

fn values_sql(id: i64, round: i64) -> String {
    let s = if id % 7 == 0 {
        "NULL".to_string()
    } else {
        format!("'row {id} é round {round}'")
    };
    let d = format!("{}.{:03}", id - 500, round % 1000);
    let ts = if id % 5 == 0 {
        "NULL".to_string()
    } else {
        format!("FROM_UNIXTIME({})", 1_700_000_000 + id)
    };
    let tx = if id % 3 == 0 {
        "''".to_string()
    } else {
        format!("REPEAT('t', {})", id % 50)
    };
    let (n, day, us, f, b) = (
        id * round,
        1 + id % 28,
        (id * 37 + round) % 1_000_000,
        id as f64 / 8.0,
        id % 256,
    );
    format!(
        "({id}, {n}, {s}, {d}, '2024-01-{day:02} 10:00:00.{us:06}', {ts}, {f}, x'{b:02x}ff', {tx})"
    )
}

fn writer(server: MariaDb, db: String) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for round in 1..=40i64 {
            let mut sql = String::from("BEGIN;");
            let new = 3000 + round * 10;
            for id in new..new + 10 {
                sql.push_str(&format!("INSERT INTO t VALUES {};", values_sql(id, round)));
            }
            sql.push_str(&format!(
                "UPDATE t SET n = n + 1, s = CONCAT(IFNULL(s, 'null'), '+') WHERE id % 97 = {};",
                round % 97
            ));
            sql.push_str(&format!(
                "DELETE FROM t WHERE id BETWEEN {} AND {};",
                round * 50,
                round * 50 + 3
            ));
            // a primary key change
            sql.push_str(&format!(
                "UPDATE t SET id = id + 100000 WHERE id = {};",
                round * 50 + 10
            ));
            sql.push_str("COMMIT;");
            server.exec(Some(&db), &sql);
        }
    })
}

fn key(v: &[Value]) -> i64 {
    match v[0] {
        Value::Int(i) => i,
        ref other => panic!("{other:?}"),
    }
}

fn snapshot_then_stream(label: &str, by_gtid: bool, server_id: u32) {
    let server = MariaDb::from_env();
    let db = server.fresh_database(label);
    db.exec(TABLE);
    for chunk in (0..3000).collect::<Vec<i64>>().chunks(500) {
        let rows: Vec<String> = chunk.iter().map(|&id| values_sql(id, 0)).collect();
        db.exec(&format!("INSERT INTO t VALUES {}", rows.join(",")));
    }
    let writes = writer(server.clone(), db.name().to_owned());
    run(120, async {
        let mut lock = connect(&server, None).await;
        let mut workers = Vec::new();
        for _ in 0..4 {
            workers.push(connect(&server, None).await);
        }
        let position = consistent_snapshot(&mut lock, &mut workers).await.unwrap();
        let mut table: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        let stats = read_table(
            &mut workers,
            &TableRead {
                schema: db.name().into(),
                table: "t".into(),
                key: "id".into(),
                chunk_keys: 250,
            },
            |_, row| {
                assert!(table.insert(key(&row), row).is_none(), "a row read twice");
                Ok(())
            },
        )
        .await
        .unwrap();
        end_snapshot(&mut workers).await.unwrap();
        assert_eq!(stats.rows as usize, table.len());
        assert!(stats.chunks >= 12, "{stats:?}");
        writes.join().unwrap();

        // the changes committed after the snapshot, applied to it
        let start = if by_gtid {
            position.start_gtid().unwrap()
        } else {
            position.start_binlog()
        };
        let opts = BinlogOptions::new(server_id, start).non_blocking(true);
        let mut stream = connect(&server, None)
            .await
            .binlog_stream(&opts)
            .await
            .unwrap();
        let mut changes = 0;
        while let Some(ev) = stream.next().await {
            let ev = ev.unwrap();
            let EventData::Rows(r) = &ev.event.data else {
                continue;
            };
            if r.table.schema != db.name() {
                continue;
            }
            for row in r.rows() {
                let row = row.unwrap();
                changes += 1;
                match r.kind {
                    RowsKind::Write => {
                        let after = row.after.unwrap();
                        assert!(
                            table.insert(key(&after), after).is_none(),
                            "insert of a row the snapshot has"
                        );
                    }
                    RowsKind::Update => {
                        let before = row.before.unwrap();
                        let old = table
                            .remove(&key(&before))
                            .expect("update of a row the snapshot lacks");
                        assert_eq!(old, before, "the before image is the snapshot's row");
                        let after = row.after.unwrap();
                        table.insert(key(&after), after);
                    }
                    RowsKind::Delete => {
                        let before = row.before.unwrap();
                        assert_eq!(table.remove(&key(&before)), Some(before));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        assert!(changes > 400, "{changes} changes");
        let mut conn = connect(&server, Some(db.name())).await;
        conn.execute("SET time_zone = '+00:00'").await.unwrap();
        let fin: BTreeMap<i64, Vec<Value>> = conn
            .query_rows("SELECT * FROM t")
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let v = r.values().unwrap();
                (key(&v), v)
            })
            .collect();
        assert_eq!(table.len(), fin.len());
        for (k, v) in &fin {
            assert_eq!(table.get(k), Some(v), "row {k}");
        }
    });
}

#[test]
fn snapshot_under_writes_plus_stream_from_its_file_offset_reproduces_the_table() {
    snapshot_then_stream(
        "snap_file",
        false,
        1000 + (std::process::id() % 100_000) * 10 + 8,
    );
}

#[test]
fn snapshot_under_writes_plus_stream_from_its_gtid_reproduces_the_table() {
    snapshot_then_stream(
        "snap_gtid",
        true,
        1000 + (std::process::id() % 100_000) * 10 + 9,
    );
}
