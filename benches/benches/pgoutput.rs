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
//! - `rows-text` (ours only): the like-for-like row of pg_walstream's `rows`: our parser and a
//!   relation cache, each tuple a `RowImage` of `Value::Text` slices of the message in a
//!   `Change` with the table's schema, no value typed.
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

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use cdc_model::{Change, Charset, RowImage, Text, Value};
use cdc_pgoutput::{
    Decoder, MessageParser, PgOutputMessage, ProtocolOptions, Relation, TupleData, TupleValue,
    TypeRegistry,
};
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

/// Our parser with a relation cache, leaving values as text: each tuple becomes a `RowImage`
/// of `Value::Text` slices of the message (NULL and unchanged kept), in a `Change` holding
/// the relation's `Arc<TableSchema>` — the same work as pg_walstream's `PgOutputDecoder`,
/// which maps column names to untyped text.
struct TextRows {
    parser: MessageParser,
    types: TypeRegistry,
    relations: HashMap<u32, Arc<Relation>>,
}

impl TextRows {
    fn new() -> TextRows {
        TextRows {
            parser: MessageParser::new(ProtocolOptions::version(1)).unwrap(),
            types: TypeRegistry::new(),
            relations: HashMap::new(),
        }
    }

    fn row(t: &TupleData) -> RowImage {
        RowImage::new(
            t.values
                .iter()
                .map(|v| match v {
                    TupleValue::Null => Value::Null,
                    TupleValue::Unchanged => Value::Unchanged,
                    TupleValue::Text(b) | TupleValue::Binary(b) => {
                        Value::Text(Text::new(b.clone(), Charset::Utf8mb4))
                    }
                })
                .collect(),
        )
    }

    fn rel(&self, id: u32) -> &Arc<Relation> {
        self.relations.get(&id).expect("relation announced")
    }

    fn decode(&mut self, data: &Bytes) -> (PgOutputMessage, Option<Change>) {
        let m = self.parser.parse(data).unwrap();
        let change = match &m {
            PgOutputMessage::Relation(r) => {
                self.relations
                    .insert(r.id, Arc::new(Relation::new(r, &self.types)));
                None
            }
            PgOutputMessage::Insert(i) => Some(Change::Insert {
                table: self.rel(i.relation_id).schema.clone(),
                after: Self::row(&i.new),
            }),
            PgOutputMessage::Update(u) => Some(Change::Update {
                table: self.rel(u.relation_id).schema.clone(),
                before: u.old.as_ref().map(|(_, t)| Self::row(t)),
                after: Self::row(&u.new),
            }),
            PgOutputMessage::Delete(d) => Some(Change::Delete {
                table: self.rel(d.relation_id).schema.clone(),
                before: Self::row(&d.old),
            }),
            _ => None,
        };
        (m, change)
    }
}

fn count(n: &mut [u64; 3], change: Option<&Change>) {
    match change {
        Some(Change::Insert { .. }) => n[0] += 1,
        Some(Change::Update { .. }) => n[1] += 1,
        Some(Change::Delete { .. }) => n[2] += 1,
        _ => {}
    }
}

/// Inserts, updates and deletes as our decoder sees them. (The census functions are not
/// inlined so that a profiler can attribute one full pass of each decoder to them.)
#[inline(never)]
fn ours_census(messages: &[(u64, Bytes)]) -> [u64; 3] {
    let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
    let mut n = [0; 3];
    for (_, m) in messages {
        count(&mut n, d.decode(m).unwrap().change.as_ref());
    }
    n
}

/// The same, from our parser with values left as text.
#[inline(never)]
fn ours_text_census(messages: &[(u64, Bytes)]) -> [u64; 3] {
    let mut d = TextRows::new();
    let mut n = [0; 3];
    for (_, m) in messages {
        count(&mut n, d.decode(m).1.as_ref());
    }
    n
}

/// The same, as pg_walstream sees them.
#[inline(never)]
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
    assert_eq!(
        census,
        ours_text_census(&messages),
        "text rows see them too"
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
    g.bench_function("ours/rows-text", |b| {
        b.iter(|| {
            let mut d = TextRows::new();
            for (_, m) in &messages {
                black_box(d.decode(m));
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
