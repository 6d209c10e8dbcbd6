//! Live: a binlog stream under a running workload, interrupted at random points — by
//! cutting the TCP link (a loopback proxy shuts it down) or by the consumer stopping — and
//! resumed from its last checkpoint, by file/offset and by MariaDB GTID. The inserted ids
//! must arrive exactly once and in commit order, and every event received must equal the
//! event at the same offset of the binlog file on disk (decoded by cdc-mysql-binlog from the
//! server's data directory): nothing lost, repeated or altered in transit.
//!
//! The random points come from a seed that is printed; `CDC_RESUME_SEED=<n>` replays one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use cdc_model::{BinlogPosition, Value};
use cdc_mysql::{BinlogOptions, Connection, StartPosition};
use cdc_mysql_binlog::{
    BinlogBytes, Event, EventData, FLAG_ARTIFICIAL, FLAG_BINLOG_IN_USE, RowsKind,
};
use cdc_testkit::{MariaDb, MariaDbDatabase};
use common::{Proxy, config, run, tcp};
use futures::StreamExt;

const BATCHES: i64 = 20;
/// Per batch: 5 autocommit inserts and 5 transactions of 3 inserts.
const IDS_PER_BATCH: i64 = 20;

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn seed() -> u64 {
    let s = std::env::var("CDC_RESUME_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("CDC_RESUME_SEED={s}");
    s
}

/// Inserts ids 1..=BATCHES*IDS_PER_BATCH in commit order, rotating the binlog half way.
fn workload(server: MariaDb, db: String) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut id = 0;
        for b in 0..BATCHES {
            let mut sql = String::new();
            for _ in 0..5 {
                id += 1;
                sql.push_str(&format!("INSERT INTO t VALUES ({id}, REPEAT('x', {id}));"));
                sql.push_str("BEGIN;");
                for _ in 0..3 {
                    id += 1;
                    sql.push_str(&format!("INSERT INTO t VALUES ({id}, NULL);"));
                }
                sql.push_str("COMMIT;");
            }
            server.exec(Some(&db), &sql);
            if b == BATCHES / 2 {
                server.flush_binary_logs();
            }
            std::thread::sleep(Duration::from_millis(15));
        }
    })
}

fn row_ids(db: &MariaDbDatabase, ev: &Event, out: &mut Vec<i64>) {
    if let EventData::Rows(r) = &ev.data
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

/// Events a dump sends from the start of a file whatever the GTID it starts from.
fn opens_file(e: &Event) -> bool {
    matches!(
        e.data,
        EventData::FormatDescription(_)
            | EventData::MariaGtidList(_)
            | EventData::BinlogCheckpoint(_)
    )
}

fn resume_under_workload(label: &str, by_gtid: bool, server_id: u32) {
    let server = MariaDb::from_env();
    let db = server.fresh_database(label);
    db.exec("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)");
    let proxy = Proxy::start(&server);
    let mut rng = Rng(seed());
    let (file, offset) = server.current_binlog();
    let mut start = if by_gtid {
        let pos = server.query(None, "SELECT @@gtid_binlog_pos")[0][0]
            .clone()
            .unwrap();
        StartPosition::MariaGtid(pos.parse().unwrap())
    } else {
        StartPosition::Binlog(BinlogPosition::new(file, offset))
    };
    let writer = workload(server.clone(), db.name().to_owned());
    let total = (BATCHES * IDS_PER_BATCH) as usize;

    let mut ids: Vec<i64> = Vec::new();
    // committed events by position (real events only: artificial ones have log_pos 0)
    let mut received: BTreeMap<BinlogPosition, Event> = BTreeMap::new();
    let (mut cuts, mut stops, mut mid_transaction) = (0, 0, 0);
    run(120, async {
        let cfg = config(&server, None);
        while ids.len() < total {
            let stream = tcp("127.0.0.1", proxy.port()).await;
            let conn = Connection::connect(stream, &cfg).await.unwrap();
            let opts =
                BinlogOptions::new(server_id, start.clone()).heartbeat(Duration::from_millis(200));
            let mut stream = conn.binlog_stream(&opts).await.unwrap();
            let mut pending_ids = Vec::new();
            let mut pending_events = Vec::new();
            // interrupt after a random number of events, a few times per run
            let mut countdown = if cuts + stops < 6 {
                1 + rng.next(60)
            } else {
                u64::MAX
            };
            loop {
                let ev = match stream.next().await {
                    Some(Ok(ev)) => ev,
                    Some(Err(e)) => {
                        assert!(e.is_retryable(), "not retryable after a cut: {e}");
                        break;
                    }
                    None => panic!("a blocking stream ended"),
                };
                row_ids(&db, &ev.event, &mut pending_ids);
                if ev.event.header.flags & FLAG_ARTIFICIAL == 0
                    && ev.event.header.log_pos != 0
                    && !matches!(ev.event.data, EventData::Heartbeat { .. })
                {
                    pending_events.push((ev.position.clone(), ev.event.clone()));
                }
                if ev.ends_transaction {
                    ids.append(&mut pending_ids);
                    for (pos, event) in pending_events.drain(..) {
                        if let Some(old) = received.insert(pos.clone(), event.clone()) {
                            // only the events that open a file may come twice: a dump (by
                            // GTID, from the start of the file holding the GTID) sends them
                            // before the first transaction it streams
                            assert!(opens_file(&old), "{pos} received twice: {old:?}");
                            assert_eq!(old, event, "{pos} differs when sent again");
                        }
                    }
                    if ids.len() >= total {
                        break;
                    }
                }
                countdown = countdown.saturating_sub(1);
                if countdown == 0 {
                    if !pending_ids.is_empty() {
                        mid_transaction += 1;
                    }
                    if rng.next(2) == 0 {
                        cuts += 1;
                        proxy.cut();
                        // what was read after the checkpoint is dropped with the stream
                    } else {
                        stops += 1;
                        break;
                    }
                }
            }
            let cp = stream.checkpoint().clone();
            start = if by_gtid {
                cp.start_gtid().expect("a GTID checkpoint")
            } else {
                cp.start_binlog()
            };
        }
    });
    writer.join().unwrap();
    eprintln!("{label}: {cuts} cuts, {stops} stops, {mid_transaction} inside a transaction");
    assert!(cuts + stops >= 1);
    assert_eq!(
        ids,
        (1..=total as i64).collect::<Vec<_>>(),
        "lost, repeated or reordered ids"
    );

    // every event received is the event in the file at that offset, and none was skipped
    // from the first transaction on (a GTID dump also sends the events that open the file
    // it starts in, but none of the transactions before its GTID)
    let first = received
        .iter()
        .find(|(_, e)| !opens_file(e))
        .map(|(p, _)| p.clone())
        .unwrap();
    let last = received.keys().next_back().unwrap().clone();
    let mut compared = 0;
    for file in server.binlog_files() {
        if file < first.file || file > last.file {
            continue;
        }
        let data = std::fs::read(server.binlog_dir().join(&file)).unwrap();
        for ev in BinlogBytes::new(data.into(), file.as_str()).unwrap() {
            let Ok(ev) = ev else { break }; // the file being written may end mid-event
            let pos = BinlogPosition::new(file.clone(), ev.offset);
            if pos > last || (pos < first && !received.contains_key(&pos)) {
                continue;
            }
            let got = received
                .get(&pos)
                .unwrap_or_else(|| panic!("event at {pos} not received: {ev:?}"));
            let mut header = ev.header;
            let mut got_header = got.header;
            if matches!(ev.data, EventData::FormatDescription(_)) {
                // the in-use flag of a file's FDE depends on when it was read: set while the
                // server writes the file, clear once it rotated (on disk and in a dump alike)
                header.flags &= !FLAG_BINLOG_IN_USE;
                got_header.flags &= !FLAG_BINLOG_IN_USE;
            }
            assert_eq!(got_header, header, "{pos}");
            assert_eq!(got.data, ev.data, "{pos}");
            compared += 1;
        }
    }
    assert_eq!(
        compared,
        received.len(),
        "received events the files do not have"
    );
}

#[test]
fn resume_by_file_offset_after_cuts_and_stops_loses_and_repeats_nothing() {
    resume_under_workload(
        "resume_file",
        false,
        1000 + (std::process::id() % 100_000) * 10 + 6,
    );
}

#[test]
fn resume_by_gtid_after_cuts_and_stops_loses_and_repeats_nothing() {
    resume_under_workload(
        "resume_gtid",
        true,
        1000 + (std::process::id() % 100_000) * 10 + 7,
    );
}
