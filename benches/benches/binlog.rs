//! MySQL binlog decoding: cdc-mysql-binlog against mysql_common's binlog reader, on a real
//! MySQL 5.5 file (the Sakila sample database loaded with row-based logging: WRITE_ROWS v1, no
//! checksums) and on a generated 64 MB MySQL 8.0 file (CRC32, WRITE/UPDATE_ROWS v2 of a
//! 12-column table with optional metadata; see `cdc_benches::generate_mysql8_binlog`).
//!
//! Per input, one group with throughput in bytes and events:
//! - `framing`: every event framed and its body decoded (table maps, rows-event headers), no
//!   row values;
//! - `rows`: the same plus every row image decoded into values (`cdc_model::Value` for ours,
//!   `mysql_common::Value` for mysql_common);
//! - `ours/*` skip checksums like mysql_common (which never verifies them); `ours/*+crc` verify
//!   each event's CRC32 as our decoder does by default.
//!
//! All inputs are built in memory before timing starts.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::io::Read;

use bytes::Bytes;
use cdc_benches::generate_mysql8_binlog;
use cdc_mysql_binlog::{BinlogBytes, EventData};
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use mysql_common::binlog::EventStreamReader;
use mysql_common::binlog::consts::BinlogVersion;
use mysql_common::binlog::events::EventData as McEventData;
use mysql_common::binlog::value::BinlogValue;

const SAKILA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/mysql-binlog/mysql-bin.sakila.gz"
);
/// Size of the generated input.
const GENERATED_LEN: usize = 64 << 20;

fn sakila() -> Bytes {
    let gz = std::fs::read(SAKILA).unwrap_or_else(|e| panic!("{SAKILA}: {e}"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    Bytes::from(out)
}

/// Events and row images our decoder finds (checked against mysql_common's count below).
fn census(data: &Bytes) -> (u64, u64) {
    let (mut events, mut rows) = (0, 0);
    for ev in BinlogBytes::new(data.clone(), "binlog.000001").unwrap() {
        let ev = ev.unwrap();
        events += 1;
        if let EventData::Rows(r) = &ev.data {
            rows += r.rows().count() as u64;
        }
    }
    (events, rows)
}

fn ours_framing(data: &Bytes, verify: bool) -> u64 {
    let mut events = BinlogBytes::new(data.clone(), "binlog.000001").unwrap();
    events.decoder().set_verify_checksums(verify);
    let mut n = 0;
    for ev in events {
        black_box(ev.unwrap());
        n += 1;
    }
    n
}

fn ours_rows(data: &Bytes, verify: bool) -> u64 {
    let mut events = BinlogBytes::new(data.clone(), "binlog.000001").unwrap();
    events.decoder().set_verify_checksums(verify);
    let mut n = 0;
    for ev in events {
        let ev = ev.unwrap();
        if let EventData::Rows(r) = &ev.data {
            for row in r.rows() {
                black_box(row.unwrap());
                n += 1;
            }
        }
    }
    n
}

fn mysql_common_framing(data: &[u8]) -> u64 {
    let mut input = &data[4..];
    let mut reader = EventStreamReader::new(BinlogVersion::Version4);
    let mut n = 0;
    while let Some(ev) = reader.read(&mut input).unwrap() {
        black_box(ev.read_data().unwrap());
        n += 1;
    }
    n
}

fn plain(v: BinlogValue<'_>) -> mysql_common::Value {
    match v {
        BinlogValue::Value(v) => v,
        other => panic!("JSON in a benchmark input: {other:?}"),
    }
}

fn mysql_common_rows(data: &[u8]) -> u64 {
    let mut input = &data[4..];
    let mut reader = EventStreamReader::new(BinlogVersion::Version4);
    let mut n = 0;
    while let Some(ev) = reader.read(&mut input).unwrap() {
        let Some(McEventData::RowsEvent(rows)) = ev.read_data().unwrap() else {
            continue;
        };
        let tme = reader.get_tme(rows.table_id()).unwrap();
        for row in rows.rows(tme) {
            let (before, after) = row.unwrap();
            for image in [before, after].into_iter().flatten() {
                let values: Vec<mysql_common::Value> =
                    image.unwrap().into_iter().map(plain).collect();
                black_box(values);
            }
            n += 1;
        }
    }
    n
}

fn bench_input(g: &mut BenchmarkGroup<'_, WallTime>, data: &Bytes) {
    let (events, rows) = census(data);
    assert_eq!(
        mysql_common_framing(data),
        events,
        "mysql_common sees the same events"
    );
    assert_eq!(
        mysql_common_rows(data),
        rows,
        "mysql_common sees the same rows"
    );
    assert_eq!(ours_rows(data, true), rows);
    eprintln!("{} bytes, {events} events, {rows} rows", data.len());
    g.throughput(Throughput::ElementsAndBytes {
        elements: events,
        bytes: data.len() as u64,
    });
    g.bench_function("ours/framing", |b| {
        b.iter(|| ours_framing(black_box(data), false))
    });
    g.bench_function("ours/framing+crc", |b| {
        b.iter(|| ours_framing(black_box(data), true))
    });
    g.bench_function("mysql_common/framing", |b| {
        b.iter(|| mysql_common_framing(black_box(data)))
    });
    g.bench_function("ours/rows", |b| {
        b.iter(|| ours_rows(black_box(data), false))
    });
    g.bench_function("ours/rows+crc", |b| {
        b.iter(|| ours_rows(black_box(data), true))
    });
    g.bench_function("mysql_common/rows", |b| {
        b.iter(|| mysql_common_rows(black_box(data)))
    });
}

fn binlog_sakila(c: &mut Criterion) {
    let data = sakila();
    let mut g = c.benchmark_group("binlog_sakila");
    bench_input(&mut g, &data);
    g.finish();
}

fn binlog_generated(c: &mut Criterion) {
    let data = Bytes::from(generate_mysql8_binlog(GENERATED_LEN).bytes);
    let mut g = c.benchmark_group("binlog_generated");
    // one pass takes tens to hundreds of milliseconds: ten equal samples
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    bench_input(&mut g, &data);
    g.finish();
}

criterion_group!(benches, binlog_sakila, binlog_generated);
criterion_main!(benches);
