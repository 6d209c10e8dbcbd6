//! Live: the change stream. Large transactions stream before their commit (and aborted ones
//! are reported), and a killed consumer resumes exactly after the commit it confirmed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_io::{Async, Timer};
use cdc_model::{Change, ChangeEvent, Lsn, SourcePosition, TxnId, Value};
use cdc_postgres::{ChangeStream, ChangeStreamOptions, PgEvent, ReplicationMode, SnapshotAction};
use cdc_testkit::{PgDatabase, Postgres};
use common::{Conn, config, connect, connect_with, run};
use futures::StreamExt;
use futures::future::{Either, select};

type Changes = ChangeStream<Async<std::net::TcpStream>>;

/// A walsender session that spills (and streams) transactions above 64 kB.
async fn replication_session(db: &PgDatabase, work_mem_64k: bool) -> Conn {
    let mut c = config(db).replication(ReplicationMode::Database);
    let mut opts = String::from("-c wal_sender_timeout=5s");
    if work_mem_64k {
        opts.push_str(" -c logical_decoding_work_mem=64kB");
    }
    c.options = Some(opts);
    connect_with(db, c).await
}

/// The next event, or a panic after `secs`.
async fn next_event(changes: &mut Changes, secs: u64) -> PgEvent {
    match select(changes.next(), Timer::after(Duration::from_secs(secs))).await {
        Either::Left((Some(ev), _)) => ev.unwrap(),
        Either::Left((None, _)) => panic!("the change stream ended"),
        Either::Right(_) => panic!("no event for {secs} s"),
    }
}

/// The current transaction's xid (the low 32 bits of the 64-bit id).
async fn current_xid(w: &mut Conn) -> u32 {
    let rows = w
        .query_rows("SELECT pg_current_xact_id()::text")
        .await
        .unwrap();
    let full: u64 = rows[0][0].as_deref().unwrap().parse().unwrap();
    (full & 0xFFFF_FFFF) as u32
}

fn id_of(change: &Change) -> i64 {
    match change {
        Change::Insert { after, .. } => match after.values[0] {
            Value::Int(i) => i,
            ref v => panic!("id {v:?}"),
        },
        other => panic!("not an insert: {other:?}"),
    }
}

fn xid_of(e: &ChangeEvent) -> u32 {
    match e.txn.as_ref().map(|t| &t.id) {
        Some(TxnId::Xid(x)) => *x as u32,
        other => panic!("no xid: {other:?}"),
    }
}

/// Applies the streaming contract of the module docs: pending changes wait for the commit of
/// their xid and vanish with an abort of their xid or subxid.
#[derive(Default, Debug)]
struct Consumer {
    pending: HashMap<u32, Vec<(u32, i64)>>,
    applied: Vec<i64>,
    log: Vec<String>,
}

impl Consumer {
    fn take(&mut self, ev: &PgEvent) {
        match ev {
            PgEvent::Pending { xid, subxid, event } => {
                self.pending
                    .entry(*xid)
                    .or_default()
                    .push((*subxid, id_of(&event.change)));
            }
            PgEvent::StreamAbort { xid, subxid, .. } => {
                self.log.push(format!("abort {xid}/{subxid}"));
                if xid == subxid {
                    self.pending.remove(xid);
                } else if let Some(p) = self.pending.get_mut(xid) {
                    p.retain(|(s, _)| s != subxid);
                }
            }
            PgEvent::StreamStart { xid, first_segment } => {
                self.log.push(format!("start {xid} {first_segment}"));
            }
            PgEvent::StreamStop { xid } => self.log.push(format!("stop {xid}")),
            PgEvent::Message {
                transactional,
                prefix,
                content,
                xid,
                ..
            } => self.log.push(format!(
                "message {prefix} {} {transactional} {}",
                String::from_utf8_lossy(content),
                xid.is_some()
            )),
            PgEvent::Change(e) => match &e.change {
                Change::Commit => {
                    let xid = xid_of(e);
                    self.log.push(format!("commit {xid}"));
                    if let Some(p) = self.pending.remove(&xid) {
                        self.applied.extend(p.into_iter().map(|(_, id)| id));
                    }
                }
                Change::Begin => {}
                c => self.applied.push(id_of(c)),
            },
            _ => {}
        }
    }

    fn pending_of(&self, xid: u32) -> usize {
        self.pending.get(&xid).map_or(0, Vec::len)
    }
}

async fn read_until(
    changes: &mut Changes,
    consumer: &mut Consumer,
    secs: u64,
    done: impl Fn(&Consumer) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(consumer) {
        assert!(Instant::now() < deadline, "timed out: {:?}", consumer.log);
        let ev = next_event(changes, secs).await;
        consumer.take(&ev);
    }
}

#[test]
fn large_transactions_stream_before_their_commit_and_aborts_are_reported() {
    let db = Postgres::from_env().fresh_database("pg_chg_streamed");
    db.exec("CREATE TABLE big (id int8 PRIMARY KEY, pad text); CREATE PUBLICATION p FOR TABLE big");
    let slot = format!("{}_s", db.name());
    run(120, async {
        let mut repl = replication_session(&db, true).await;
        assert_eq!(
            repl.query_rows("SHOW logical_decoding_work_mem")
                .await
                .unwrap(),
            [[Some("64kB".to_owned())]]
        );
        let version = repl.server_version_num().unwrap();
        assert!(version >= 140000, "streaming needs PostgreSQL 14+");
        repl.create_replication_slot(&slot, "pgoutput", false, SnapshotAction::NoExport)
            .await
            .unwrap();
        let options = ChangeStreamOptions::for_server_version(version, &["p"]);
        assert!(options.streaming && options.proto_version >= 2);
        let mut changes = ChangeStream::start(repl, &slot, Lsn::INVALID, &options)
            .await
            .unwrap();
        let mut consumer = Consumer::default();
        let mut w = connect(&db).await;
        let fill = |from: i64, to: i64| {
            format!(
                "INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series({from}, {to}) g"
            )
        };

        // 1. A transaction of ~600 kB, left open: its changes reach the consumer while the
        //    server has not committed it, so neither side buffered the whole transaction.
        w.batch_execute(&format!("BEGIN; {}", fill(1, 2000)))
            .await
            .unwrap();
        let xid1 = current_xid(&mut w).await;
        read_until(&mut changes, &mut consumer, 30, |c| {
            c.pending_of(xid1) >= 500
        })
        .await;
        assert!(
            consumer.log.contains(&format!("start {xid1} true")),
            "{:?}",
            consumer.log
        );
        assert!(!consumer.log.contains(&format!("commit {xid1}")));
        assert!(consumer.applied.is_empty());
        w.batch_execute("COMMIT").await.unwrap();
        read_until(&mut changes, &mut consumer, 30, |c| {
            c.log.contains(&format!("commit {xid1}"))
        })
        .await;
        assert_eq!(consumer.applied, (1..=2000).collect::<Vec<i64>>());
        // stream chunks came before the commit, and a chunk was closed before it
        let pos = |s: &str| consumer.log.iter().position(|l| l == s).unwrap();
        assert!(pos(&format!("stop {xid1}")) < pos(&format!("commit {xid1}")));

        // 2. A streamed transaction that rolls back is reported as aborted.
        w.batch_execute(&format!("BEGIN; {}", fill(10_001, 12_000)))
            .await
            .unwrap();
        let xid2 = current_xid(&mut w).await;
        read_until(&mut changes, &mut consumer, 30, |c| {
            c.pending_of(xid2) >= 500
        })
        .await;
        w.batch_execute("ROLLBACK").await.unwrap();
        read_until(&mut changes, &mut consumer, 30, |c| {
            c.log.contains(&format!("abort {xid2}/{xid2}"))
        })
        .await;
        assert_eq!(consumer.pending_of(xid2), 0);

        // 3. A rolled-back subtransaction inside a committed streamed transaction: only its
        //    changes are void.
        w.batch_execute(&format!(
            "BEGIN; INSERT INTO big VALUES (20000, 'kept'); SAVEPOINT s; {}; \
             ROLLBACK TO SAVEPOINT s; INSERT INTO big VALUES (20001, 'kept too')",
            fill(30_001, 32_000)
        ))
        .await
        .unwrap();
        let xid3 = current_xid(&mut w).await;
        w.batch_execute("COMMIT").await.unwrap();
        read_until(&mut changes, &mut consumer, 30, |c| {
            c.log.contains(&format!("commit {xid3}"))
        })
        .await;
        assert!(
            consumer
                .log
                .iter()
                .any(|l| l.starts_with(&format!("abort {xid3}/"))
                    && *l != format!("abort {xid3}/{xid3}")),
            "{:?}",
            consumer.log
        );
        let mut expected: Vec<i64> = (1..=2000).collect();
        expected.extend([20000, 20001]);
        assert_eq!(consumer.applied, expected);

        // 4. Logical messages, outside and inside a transaction
        w.batch_execute(
            "SELECT pg_logical_emit_message(false, 'cdc', 'now'); \
             BEGIN; SELECT pg_logical_emit_message(true, 'cdc', 'at commit'); COMMIT",
        )
        .await
        .unwrap();
        read_until(&mut changes, &mut consumer, 30, |c| {
            c.log
                .contains(&"message cdc at commit true true".to_owned())
        })
        .await;
        assert!(
            consumer
                .log
                .contains(&"message cdc now false false".to_owned()),
            "{:?}",
            consumer.log
        );

        // what the consumer applied is what the table holds
        let rows = db.query("SELECT id FROM big ORDER BY id");
        let in_table: Vec<i64> = rows
            .iter()
            .map(|r| r[0].as_deref().unwrap().parse().unwrap())
            .collect();
        assert_eq!(in_table, expected);
        changes.stop().await.unwrap();
    });
}

/// One committed transaction as the consumer saw it.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Txn {
    xid: u32,
    ids: Vec<i64>,
}

/// Reads committed transactions until there are `n`; returns them with their end LSNs.
async fn read_txns(changes: &mut Changes, n: usize) -> Vec<(Txn, Lsn)> {
    let mut out = Vec::new();
    let mut current: Option<Txn> = None;
    let mut last: Option<(Lsn, u64)> = None;
    let mut begin_pos = Lsn::INVALID;
    while out.len() < n {
        let ev = next_event(changes, 30).await;
        let PgEvent::Change(e) = ev else {
            continue;
        };
        // (Begin position, ordinal) grows strictly along the stream
        let SourcePosition::Lsn(pos) = e.position else {
            panic!()
        };
        if e.change == Change::Begin {
            begin_pos = pos;
        }
        let key = (begin_pos, e.txn.as_ref().unwrap().ordinal);
        assert!(last < Some(key), "{last:?} then {key:?}");
        last = Some(key);
        assert!(e.commit_time.is_some());
        match &e.change {
            Change::Begin => {
                assert!(current.is_none());
                current = Some(Txn {
                    xid: xid_of(&e),
                    ids: Vec::new(),
                });
            }
            Change::Commit => {
                let t = current.take().unwrap();
                assert_eq!(t.xid, xid_of(&e));
                out.push((t, pos));
            }
            c => current.as_mut().unwrap().ids.push(id_of(c)),
        }
    }
    out
}

/// Runs transaction `i` of the workload (ids `i*100 + 1 ..= i*100 + 1 + i % 4`) and returns
/// it with its xid.
async fn workload_txn(w: &mut Conn, i: i64) -> Txn {
    let ids: Vec<i64> = (0..=(i % 4)).map(|k| i * 100 + 1 + k).collect();
    let values: Vec<String> = ids.iter().map(|id| format!("({id}, 'txn {i}')")).collect();
    w.batch_execute(&format!(
        "BEGIN; INSERT INTO t VALUES {}",
        values.join(", ")
    ))
    .await
    .unwrap();
    let xid = current_xid(w).await;
    w.batch_execute("COMMIT").await.unwrap();
    Txn { xid, ids }
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

#[test]
fn a_killed_consumer_resumes_after_the_commit_it_confirmed_without_loss_or_repeats() {
    let db = Postgres::from_env().fresh_database("pg_chg_resume");
    db.exec("CREATE TABLE t (id int8 PRIMARY KEY, note text); CREATE PUBLICATION p FOR TABLE t");
    let slot = format!("{}_s", db.name());
    run(120, async {
        let mut repl = replication_session(&db, false).await;
        let version = repl.server_version_num().unwrap();
        repl.create_replication_slot(&slot, "pgoutput", false, SnapshotAction::NoExport)
            .await
            .unwrap();
        let options = ChangeStreamOptions::for_server_version(version, &["p"]);
        let mut w = connect(&db).await;
        let mut written = Vec::new();
        for i in 1..=20 {
            written.push(workload_txn(&mut w, i).await);
        }

        // consume 14 transactions, confirm the 10th only
        let mut changes = ChangeStream::start(repl, &slot, Lsn::INVALID, &options)
            .await
            .unwrap();
        let first = read_txns(&mut changes, 14).await;
        let seen: Vec<Txn> = first.iter().map(|(t, _)| t.clone()).collect();
        assert_eq!(seen, written[..14]);
        let confirmed = first[9].1;
        changes.confirm(confirmed);
        changes.send_feedback_now().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while confirmed_flush(&db, &slot) != confirmed {
            assert!(Instant::now() < deadline, "confirmed_flush_lsn never moved");
            // keep polling so the session stays serviced
            let _ = select(changes.next(), Timer::after(Duration::from_millis(50))).await;
        }

        // kill it: drop the socket, no CopyDone, no Terminate
        drop(changes);
        wait_inactive(&db, &slot);
        assert_eq!(confirmed_flush(&db, &slot), confirmed);

        // more work while nobody listens
        for i in 21..=30 {
            written.push(workload_txn(&mut w, i).await);
        }

        // resume from the slot: transactions 11..=30, each once, in order
        let repl = replication_session(&db, false).await;
        let mut changes = ChangeStream::start(repl, &slot, Lsn::INVALID, &options)
            .await
            .unwrap();
        let second = read_txns(&mut changes, 20).await;
        let resumed: Vec<Txn> = second.iter().map(|(t, _)| t.clone()).collect();
        assert_eq!(resumed, written[10..30]);
        assert!(second.iter().all(|(_, end)| *end > confirmed));
        // the unconfirmed ones came again with the same end LSNs
        for (a, b) in first[10..].iter().zip(&second) {
            assert_eq!(a, b);
        }
        // and nothing else is pending: a marker transaction is next
        let marker = workload_txn(&mut w, 99).await;
        let next = read_txns(&mut changes, 1).await;
        assert_eq!(next[0].0, marker);
        changes.stop().await.unwrap();
    });
}

#[test]
fn protocol_1_sends_whole_transactions_at_commit_and_back_to_back_commits_share_a_position() {
    let db = Postgres::from_env().fresh_database("pg_chg_v1");
    db.exec("CREATE TABLE t (id int8 PRIMARY KEY, note text); CREATE PUBLICATION p FOR TABLE t");
    let slot = format!("{}_s", db.name());
    run(120, async {
        // a small logical_decoding_work_mem: the large transaction below spills to disk
        let mut repl = replication_session(&db, true).await;
        repl.create_replication_slot(&slot, "pgoutput", false, SnapshotAction::NoExport)
            .await
            .unwrap();
        // what a PostgreSQL 13 gets: protocol 1, no streaming, text values
        let options = ChangeStreamOptions::for_server_version(130_000, &["p"]);
        assert_eq!((options.proto_version, options.streaming), (1, false));
        let mut changes = ChangeStream::start(repl, &slot, Lsn::INVALID, &options)
            .await
            .unwrap();
        let mut w1 = connect(&db).await;
        let mut w2 = connect(&db).await;

        // a ~600 kB transaction with a rolled-back subtransaction
        w1.batch_execute(
            "BEGIN; INSERT INTO t SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 2000) g; \
             SAVEPOINT s; INSERT INTO t SELECT g, 'void' FROM generate_series(5001, 6000) g; \
             ROLLBACK TO SAVEPOINT s; INSERT INTO t VALUES (2001, 'kept'); COMMIT",
        )
        .await
        .unwrap();
        // pairs of transactions that commit back to back
        let mut pairs = Vec::new();
        for k in 0..5_i64 {
            let (a, b) = (10_000 + 2 * k, 10_001 + 2 * k);
            w1.batch_execute(&format!("BEGIN; INSERT INTO t VALUES ({a}, 'a')"))
                .await
                .unwrap();
            w2.batch_execute(&format!("BEGIN; INSERT INTO t VALUES ({b}, 'b')"))
                .await
                .unwrap();
            w1.batch_execute("COMMIT").await.unwrap();
            w2.batch_execute("COMMIT").await.unwrap();
            pairs.push((a, b));
        }

        // 1 + 10 transactions, whole, in commit order; nothing pending or streamed
        let mut txns: Vec<(Lsn, Vec<i64>, Lsn)> = Vec::new();
        let mut open: Option<(Lsn, Vec<i64>)> = None;
        let mut last: Option<(Lsn, u64)> = None;
        while txns.len() < 11 {
            let e = match next_event(&mut changes, 30).await {
                PgEvent::Change(e) => e,
                PgEvent::Keepalive { .. } => continue,
                other => panic!("protocol 1 sent {other:?}"),
            };
            let SourcePosition::Lsn(pos) = e.position else {
                panic!()
            };
            let ordinal = e.txn.as_ref().unwrap().ordinal;
            match &e.change {
                Change::Begin => {
                    assert!(open.is_none());
                    open = Some((pos, Vec::new()));
                }
                Change::Commit => {
                    let (begin, ids) = open.take().unwrap();
                    txns.push((begin, ids, pos));
                }
                c => open.as_mut().unwrap().1.push(id_of(c)),
            }
            let key = (
                open.as_ref()
                    .map_or_else(|| txns.last().unwrap().0, |o| o.0),
                ordinal,
            );
            assert!(last < Some(key), "{last:?} then {key:?}");
            last = Some(key);
        }
        let mut big: Vec<i64> = (1..=2000).collect();
        big.push(2001);
        assert_eq!(txns[0].1, big);
        for (i, (a, b)) in pairs.iter().enumerate() {
            assert_eq!(txns[1 + 2 * i].1, [*a]);
            assert_eq!(txns[2 + 2 * i].1, [*b]);
        }
        // positions never go down, and a back-to-back commit starts where the previous
        // transaction's Commit is: the same position, so (position, ordinal) alone is no key
        let mut shared = 0;
        for pair in txns.windows(2) {
            let (prev_end, next_begin) = (pair[0].2, pair[1].0);
            assert!(next_begin >= prev_end, "{next_begin} before {prev_end}");
            shared += usize::from(next_begin == prev_end);
        }
        assert!(shared > 0, "no back-to-back commit in {txns:?}");
        changes.stop().await.unwrap();
    });
}
