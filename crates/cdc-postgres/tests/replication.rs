//! Live: replication commands, exported snapshots, logical streaming with feedback,
//! restart from the confirmed LSN.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use async_io::{Async, Timer};
use cdc_model::Lsn;
use cdc_postgres::{
    ErrorKind, Format, ReplicationMessage, ReplicationMode, ReplicationStream, SnapshotAction,
    SqlState,
};
use cdc_testkit::{PgDatabase, Postgres};
use common::{config, connect, connect_replication, connect_with, run};
use futures::StreamExt;
use futures::future::{Either, select};

type Stream = ReplicationStream<Async<std::net::TcpStream>>;

#[test]
fn identify_system_and_slot_with_an_exported_snapshot() {
    let db = Postgres::from_env().fresh_database("pg_repl_cmds");
    db.exec("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)");
    let slot = format!("{}_export", db.name());
    run(30, async {
        let mut repl = connect_replication(&db).await;
        let id = repl.identify_system().await.unwrap();
        assert_eq!(id.dbname.as_deref(), Some(db.name()));
        assert!(id.timeline >= 1);
        assert!(id.xlogpos > Lsn::INVALID);
        assert!(id.systemid.parse::<u64>().is_ok(), "{}", id.systemid);

        let created = repl
            .create_replication_slot(&slot, "pgoutput", false, SnapshotAction::Export)
            .await
            .unwrap();
        assert_eq!(created.slot_name, slot);
        assert!(created.consistent_point >= id.xlogpos);
        assert_eq!(created.output_plugin.as_deref(), Some("pgoutput"));
        let snapshot = created.snapshot_name.expect("an exported snapshot");

        // committed after the slot's consistent point: not in the snapshot
        db.exec("INSERT INTO t VALUES (4), (5)");
        let mut other = connect(&db).await;
        other
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '{snapshot}'"
            ))
            .await
            .unwrap();
        assert_eq!(
            other.query_rows("SELECT count(*) FROM t").await.unwrap(),
            [[Some("3".into())]]
        );
        other.batch_execute("COMMIT").await.unwrap();
        assert_eq!(
            other.query_rows("SELECT count(*) FROM t").await.unwrap(),
            [[Some("5".into())]]
        );

        // a temporary slot
        let tmp = format!("{slot}_tmp");
        let t = repl
            .create_replication_slot(&tmp, "pgoutput", true, SnapshotAction::NoExport)
            .await
            .unwrap();
        assert_eq!(t.snapshot_name, None);
        assert_eq!(
            db.query(&format!(
                "SELECT temporary FROM pg_replication_slots WHERE slot_name = '{tmp}'"
            )),
            [[Some("t".into())]]
        );
        repl.drop_replication_slot(&tmp, false).await.unwrap();

        // a second slot of the same name (an error in a walsender also drops its temporary
        // slots, which is why the exported slot above is a permanent one)
        let e = repl
            .create_replication_slot(&slot, "pgoutput", true, SnapshotAction::NoExport)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(SqlState::DUPLICATE_OBJECT), "{e}");
        // the walsender only speaks the simple protocol
        assert!(matches!(
            repl.execute_sql("SELECT 1", &[], Format::Text)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Usage(_)
        ));
        // plain SQL works on a replication=database session
        assert_eq!(
            repl.query_rows("SELECT 1").await.unwrap(),
            [[Some("1".into())]]
        );

        repl.drop_replication_slot(&slot, false).await.unwrap();
        // replication commands need a replication session
        let mut normal = connect(&db).await;
        assert!(matches!(
            normal.identify_system().await.unwrap_err().kind(),
            ErrorKind::Usage(_)
        ));
    });
    assert!(
        db.query(&format!(
            "SELECT 1 FROM pg_replication_slots WHERE slot_name = '{slot}'"
        ))
        .is_empty()
    );
}

/// What the test reads from pgoutput: inserted ids per transaction, and each commit's end LSN.
#[derive(Debug, Default)]
struct Seen {
    /// (ids inserted, commit end LSN)
    txns: Vec<(Vec<i64>, Lsn)>,
    current: Vec<i64>,
    xlogdata: usize,
    reply_requests: usize,
}

fn be_u64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

impl Seen {
    /// Minimal pgoutput v1: Begin, Insert (first column as text), Commit.
    fn take(&mut self, payload: &bytes::Bytes) {
        match ReplicationMessage::parse(payload).unwrap() {
            ReplicationMessage::XLogData(cdc_pgoutput::XLogData {
                wal_start, data, ..
            }) => {
                self.xlogdata += 1;
                match data[0] {
                    b'B' => self.current.clear(),
                    b'I' => {
                        // 'I', relid u32, 'N', ncols i16, then 't' len i32 text
                        assert_eq!(data[5], b'N');
                        assert_eq!(data[8], b't');
                        let len = u32::from_be_bytes(data[9..13].try_into().unwrap()) as usize;
                        let id = std::str::from_utf8(&data[13..13 + len]).unwrap();
                        self.current.push(id.parse().unwrap());
                    }
                    b'C' => {
                        let end = Lsn(be_u64(&data, 10));
                        // a commit's XLogData starts at the transaction's end LSN
                        assert_eq!(wal_start, end);
                        self.txns.push((std::mem::take(&mut self.current), end));
                    }
                    _ => {}
                }
            }
            ReplicationMessage::Keepalive(cdc_pgoutput::PrimaryKeepalive {
                reply_requested,
                ..
            }) => {
                self.reply_requests += usize::from(reply_requested);
            }
        }
    }

    fn ids(&self) -> Vec<i64> {
        self.txns
            .iter()
            .flat_map(|(ids, _)| ids.iter().copied())
            .collect()
    }
}

/// Reads until `done(seen)` or `secs` pass (then panics).
async fn read_until(stream: &mut Stream, seen: &mut Seen, secs: u64, done: impl Fn(&Seen) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match select(stream.next(), Timer::after(left)).await {
            Either::Left((Some(item), _)) => seen.take(&item.unwrap()),
            Either::Left((None, _)) => panic!("stream ended"),
            Either::Right(_) => panic!("timed out; seen {seen:?}"),
        }
    }
}

/// Reads for `d`, whatever comes.
async fn read_for(stream: &mut Stream, seen: &mut Seen, d: Duration) {
    let deadline = Instant::now() + d;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match select(stream.next(), Timer::after(left)).await {
            Either::Left((Some(item), _)) => seen.take(&item.unwrap()),
            Either::Left((None, _)) => panic!("stream ended"),
            Either::Right(_) => return,
        }
    }
}

fn confirmed_flush(db: &PgDatabase, slot: &str) -> Lsn {
    let rows = db.query(&format!(
        "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{slot}'"
    ));
    rows[0][0].as_deref().unwrap().parse().unwrap()
}

fn wait_inactive(db: &PgDatabase, slot: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.query(&format!(
        "SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'"
    ))[0][0]
        .as_deref()
        != Some("f")
    {
        assert!(Instant::now() < deadline, "slot stays active");
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn replication_session(db: &PgDatabase) -> common::Conn {
    // A short wal_sender_timeout makes the server ask for replies every second: the stream
    // must answer them or be disconnected.
    let mut c = config(db).replication(ReplicationMode::Database);
    c.options = Some("-c wal_sender_timeout=2s".into());
    connect_with(db, c).await
}

const PGOUTPUT: &[(&str, &str)] = &[("proto_version", "1"), ("publication_names", "p")];

#[test]
fn streaming_confirms_flush_and_restarts_exactly_after_the_confirmed_lsn() {
    let db = Postgres::from_env().fresh_database("pg_repl_stream");
    db.exec("CREATE TABLE t (id int8 PRIMARY KEY, note text); CREATE PUBLICATION p FOR TABLE t");
    let slot = format!("{}_s", db.name());
    run(90, async {
        let mut repl = replication_session(&db).await;
        let created = repl
            .create_replication_slot(&slot, "pgoutput", false, SnapshotAction::NoExport)
            .await
            .unwrap();
        for i in 1..=5 {
            db.exec(&format!("INSERT INTO t VALUES ({i}, 'row {i}')"));
        }
        let mut stream = repl
            .start_logical_replication(&slot, Lsn::INVALID, PGOUTPUT)
            .await
            .unwrap();
        let mut seen = Seen::default();
        read_until(&mut stream, &mut seen, 20, |s| s.txns.len() == 5).await;
        assert_eq!(seen.ids(), [1, 2, 3, 4, 5]);
        assert!(
            seen.txns
                .iter()
                .all(|(ids, end)| ids.len() == 1 && *end > created.consistent_point)
        );

        // confirm the third transaction only
        let third = seen.txns[2].1;
        stream.confirm_flushed(third);
        stream.send_feedback_now().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while confirmed_flush(&db, &slot) != third {
            assert!(confirmed_flush(&db, &slot) < third);
            assert!(
                Instant::now() < deadline,
                "confirmed_flush_lsn never reached {third}"
            );
            read_for(&mut stream, &mut seen, Duration::from_millis(50)).await;
        }

        // keep streaming past wal_sender_timeout: keepalives asking for replies are answered,
        // and with transactions 4 and 5 unconfirmed the flush position stays put
        read_for(&mut stream, &mut seen, Duration::from_secs(4)).await;
        assert!(seen.reply_requests >= 2, "{seen:?}");
        assert_eq!(confirmed_flush(&db, &slot), third);
        assert_eq!(stream.feedback().flushed(), third);

        // kill the connection without a goodbye
        drop(stream);
        wait_inactive(&db, &slot);
        assert_eq!(confirmed_flush(&db, &slot), third);

        // restart from the confirmed LSN: 4 and 5 again, then a new one; nothing before
        let repl = replication_session(&db).await;
        let mut stream = repl
            .start_logical_replication(&slot, third, PGOUTPUT)
            .await
            .unwrap();
        db.exec("INSERT INTO t VALUES (6, 'row 6')");
        let mut again = Seen::default();
        read_until(&mut stream, &mut again, 20, |s| s.ids().contains(&6)).await;
        assert_eq!(again.ids(), [4, 5, 6]);

        // everything confirmed: an idle keepalive may now move the flush position beyond
        let last = again.txns[2].1;
        stream.confirm_flushed(last);
        read_until(&mut stream, &mut again, 10, |_| true).await;
        read_for(&mut stream, &mut again, Duration::from_secs(2)).await;
        assert!(stream.feedback().flushed() >= last);
        assert!(confirmed_flush(&db, &slot) >= last);

        // orderly stop, then the connection takes commands again
        let mut repl = stream.stop().await.unwrap();
        repl.drop_replication_slot(&slot, true).await.unwrap();
    });
}
