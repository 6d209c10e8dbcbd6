//! pgoutput decoding: cdc-pgoutput against pg_walstream's connection-free parser, on a stream
//! recorded from the live PostgreSQL 15 test server (protocol 1, text values): 120,000 rows of
//! an 11-column table (bigint, int, text, numeric(12,2), timestamptz, jsonb, bytea, text[],
//! int[], boolean, float8) inserted in transactions of 1,000, then 30,000 updated and 10,000
//! deleted (see `benches/common/pgoutput_capture.rs`).
//!
//! The recording lives in `target/bench-data/pgoutput-v1-text.bin` (never committed). When it
//! is missing the benchmark records it, which needs the test server (`scripts/services up`);
//! without one it prints how to get it and measures nothing.
//!
//! - `messages`: every message parsed into its typed protocol message (tuples as raw text
//!   slices, no relation cache): ours `MessageParser::parse`, pg_walstream
//!   `LogicalReplicationParser::parse_wal_message_bytes`.
//! - `rows`: every message through a decoder with a relation cache: ours `Decoder::decode`
//!   turns each tuple into a `RowImage` of typed `cdc_model::Value`s (integers, decimals,
//!   timestamps, JSON, bytea and arrays parsed); pg_walstream's `PgOutputDecoder` builds a
//!   `ChangeEvent` whose `RowData` maps column names to the still-untyped text values.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../common/pgoutput_capture.rs"]
mod capture;

use std::hint::black_box;

use bytes::Bytes;
use cdc_model::Change;
use cdc_pgoutput::{Decoder, MessageParser, ProtocolOptions};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use pg_walstream::{EventType, LogicalReplicationParser, Lsn, PgOutputDecoder};

fn load() -> Option<Vec<(u64, Bytes)>> {
    let path = capture::default_path();
    if !path.exists() {
        if !capture::server_configured() {
            eprintln!(
                "pgoutput bench: skipped: no recording at {} and no test server to record it; \
                 run `scripts/services up` and then this benchmark again",
                path.display()
            );
            return None;
        }
        eprintln!("pgoutput bench: recording {} ...", path.display());
        let n = capture::record_to(&path).unwrap();
        eprintln!("pgoutput bench: recorded {n} messages");
    }
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(capture::decode(&file).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Inserts, updates and deletes as our decoder sees them.
fn ours_census(messages: &[(u64, Bytes)]) -> [u64; 3] {
    let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
    let mut n = [0; 3];
    for (_, m) in messages {
        match d.decode(m).unwrap().change {
            Some(Change::Insert { .. }) => n[0] += 1,
            Some(Change::Update { .. }) => n[1] += 1,
            Some(Change::Delete { .. }) => n[2] += 1,
            _ => {}
        }
    }
    n
}

/// The same, as pg_walstream sees them.
fn peer_census(messages: &[(u64, Bytes)]) -> [u64; 3] {
    let mut d = PgOutputDecoder::with_protocol_version(1);
    let mut n = [0; 3];
    for (lsn, m) in messages {
        if let Some(e) = d.decode_message(m.clone(), Lsn::new(*lsn)).unwrap() {
            match e.event_type {
                EventType::Insert { .. } => n[0] += 1,
                EventType::Update { .. } => n[1] += 1,
                EventType::Delete { .. } => n[2] += 1,
                _ => {}
            }
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let Some(messages) = load() else { return };
    let bytes: u64 = messages.iter().map(|(_, m)| m.len() as u64).sum();
    let census = ours_census(&messages);
    assert_eq!(
        census,
        peer_census(&messages),
        "both decoders see the same rows"
    );
    eprintln!(
        "pgoutput bench: {} messages, {bytes} bytes, {} inserts, {} updates, {} deletes",
        messages.len(),
        census[0],
        census[1],
        census[2]
    );

    let mut g = c.benchmark_group("pgoutput/v1-text");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("ours/messages", |b| {
        b.iter(|| {
            let mut p = MessageParser::new(ProtocolOptions::version(1)).unwrap();
            for (_, m) in &messages {
                black_box(p.parse(m).unwrap());
            }
        })
    });
    g.bench_function("pg_walstream/messages", |b| {
        b.iter(|| {
            let mut p = LogicalReplicationParser::with_protocol_version(1);
            for (_, m) in &messages {
                black_box(p.parse_wal_message_bytes(m.clone()).unwrap());
            }
        })
    });
    g.bench_function("ours/rows", |b| {
        b.iter(|| {
            let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
            for (_, m) in &messages {
                black_box(d.decode(m).unwrap());
            }
        })
    });
    g.bench_function("pg_walstream/rows", |b| {
        b.iter(|| {
            let mut d = PgOutputDecoder::with_protocol_version(1);
            for (lsn, m) in &messages {
                black_box(d.decode_message(m.clone(), Lsn::new(*lsn)).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
