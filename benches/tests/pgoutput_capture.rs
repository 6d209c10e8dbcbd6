//! The pgoutput benchmark's recording is what the workload wrote: a small recording (same
//! statements, fewer rows) decodes, with our decoder and with pg_walstream, to exactly the
//! inserted, updated and deleted rows, with the values the SQL computed; and the file layout
//! round-trips. The full recording is made by the benchmark itself, or with
//! `cargo test -p cdc-benches --test pgoutput_capture -- --ignored` (writes
//! `target/bench-data/pgoutput-v1-text.bin`).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../common/pgoutput_capture.rs"]
mod capture;

use capture::Workload;
use cdc_model::{Change, Value};
use cdc_pgoutput::{Decoder, ProtocolOptions};

#[test]
fn a_small_recording_holds_exactly_the_workload() {
    let w = Workload {
        rows: 2400,
        batch: 200,
    };
    let messages = capture::record(w);
    let file = capture::encode(&messages);
    assert_eq!(capture::decode(&file).unwrap(), messages);

    let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
    let (mut inserted, mut updated, mut deleted, mut commits) = (vec![], vec![], vec![], 0);
    for (_, m) in &messages {
        match d.decode(m).unwrap().change {
            Some(Change::Insert { table, after }) => {
                assert_eq!(table.id.to_string(), "public.bench_rows");
                let Value::Int(id) = after.values[0] else {
                    panic!("{:?}", after.values[0])
                };
                // qty: NULL for every 7th row, else id * 31 % 100000
                let qty = if id % 7 == 0 {
                    Value::Null
                } else {
                    Value::Int(id * 31 % 100_000)
                };
                assert_eq!(after.values[1], qty, "row {id}");
                assert_eq!(after.values[9], Value::Bool(id % 3 == 0), "row {id}");
                assert_eq!(after.values.len(), 11);
                inserted.push(id);
            }
            Some(Change::Update { after, .. }) => {
                let Value::Int(id) = after.values[0] else {
                    panic!()
                };
                let qty = if id % 7 == 0 {
                    1
                } else {
                    id * 31 % 100_000 + 1
                };
                assert_eq!(after.values[1], Value::Int(qty), "row {id}");
                updated.push(id);
            }
            Some(Change::Delete { before, .. }) => {
                let Value::Int(id) = before.values[0] else {
                    panic!()
                };
                deleted.push(id);
            }
            Some(Change::Commit) => commits += 1,
            _ => {}
        }
    }
    // deletes (and updates) follow the heap's physical order, not the ids'
    updated.sort_unstable();
    deleted.sort_unstable();
    assert_eq!(inserted, (1..=2400).collect::<Vec<i64>>());
    assert_eq!(updated, (1..=600).map(|i| i * 4).collect::<Vec<i64>>());
    assert_eq!(deleted, (1..=200).map(|i| i * 12).collect::<Vec<i64>>());
    // 12 insert, 3 update and 1 delete transactions
    assert_eq!(commits, 16);

    // The peer decoder sees the same rows.
    let mut peer = pg_walstream::PgOutputDecoder::with_protocol_version(1);
    let mut kinds = [0usize; 3];
    for (lsn, m) in &messages {
        if let Some(e) = peer
            .decode_message(m.clone(), pg_walstream::Lsn::new(*lsn))
            .unwrap()
        {
            match e.event_type {
                pg_walstream::EventType::Insert { .. } => kinds[0] += 1,
                pg_walstream::EventType::Update { .. } => kinds[1] += 1,
                pg_walstream::EventType::Delete { .. } => kinds[2] += 1,
                _ => {}
            }
        }
    }
    assert_eq!(kinds, [2400, 600, 200]);
}

/// Writes the benchmark's full recording.
#[test]
#[ignore = "writes target/bench-data/pgoutput-v1-text.bin (about 160,000 row changes)"]
fn record_the_benchmark_stream() {
    let path = capture::default_path();
    let n = capture::record_to(&path).unwrap();
    eprintln!("recorded {n} messages to {}", path.display());
}
