//! cdc-encode: change events to DTS Avro, Canal JSON and Debezium JSON. Input: 10,000 row
//! events on the 12-column generated table (four inserts and one full-image update per
//! transaction), already in memory as `cdc_model::ChangeEvent`s. Throughput is the bytes the
//! encoder writes; rows/s is 10,000 divided by the time.
//!
//! `dts_avro/direct` is the crate's own Avro binary writer; `dts_avro/apache_avro` builds the
//! same record, turns it into `apache_avro::types::Value` and writes it with
//! a `GenericDatumWriter` built once (tests/dts_avro_generic.rs checks the bytes are identical).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use cdc_benches::encode::{DtsGeneric, generated_events};
use cdc_encode::canal::CanalEncoder;
use cdc_encode::debezium::{DebeziumEncoder, DebeziumOptions};
use cdc_encode::dts_avro::{DtsAvroEncoder, DtsAvroOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: usize = 10_000;

fn encoders(c: &mut Criterion) {
    let events = generated_events(ROWS);
    let mut g = c.benchmark_group("encode_10k_rows");

    // Output sizes, for the throughput of each function.
    let mut size = 0usize;
    let mut dts = DtsAvroEncoder::new(DtsAvroOptions::default());
    let mut buf = Vec::new();
    for e in &events {
        buf.clear();
        dts.encode_into(e, &mut buf).unwrap();
        size += buf.len();
    }
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("dts_avro/direct", |b| {
        let mut enc = DtsAvroEncoder::new(DtsAvroOptions::default());
        let mut buf = Vec::with_capacity(4096);
        b.iter(|| {
            for e in &events {
                buf.clear();
                enc.encode_into(black_box(e), &mut buf).unwrap();
                black_box(&buf);
            }
        })
    });
    let generic = DtsGeneric::new().unwrap();
    let writer = generic.writer().unwrap();
    g.bench_function("dts_avro/apache_avro", |b| {
        let mut enc = DtsAvroEncoder::new(DtsAvroOptions::default());
        b.iter(|| {
            for e in &events {
                let rec = enc.record(black_box(e)).unwrap();
                black_box(DtsGeneric::encode(&writer, &rec).unwrap());
            }
        })
    });

    let size: usize = {
        let mut enc = CanalEncoder::new(1);
        events
            .iter()
            .flat_map(|e| enc.encode(e, 0).unwrap())
            .map(|m| m.value.map_or(0, |v| v.len()))
            .sum()
    };
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("canal_json", |b| {
        let mut enc = CanalEncoder::new(1);
        b.iter(|| {
            for e in &events {
                black_box(enc.encode(black_box(e), 1_700_000_000_000).unwrap());
            }
        })
    });

    for (name, with_schema) in [("debezium_json", false), ("debezium_json+schema", true)] {
        let opts = DebeziumOptions {
            with_schema,
            ..DebeziumOptions::default()
        };
        let size: usize = {
            let mut enc = DebeziumEncoder::new(opts.clone());
            events
                .iter()
                .flat_map(|e| enc.encode(e, 0).unwrap())
                .map(|m| m.value.map_or(0, |v| v.len()) + m.key.map_or(0, |k| k.len()))
                .sum()
        };
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(name, |b| {
            let mut enc = DebeziumEncoder::new(opts.clone());
            b.iter(|| {
                for e in &events {
                    black_box(enc.encode(black_box(e), 1_700_000_000_000).unwrap());
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, encoders);
criterion_main!(benches);
