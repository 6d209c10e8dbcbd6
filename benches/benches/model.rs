//! cdc-model parsers: GTID sets (parsed on every checkpoint load and every GTID event when a
//! stream tracks its executed set) and decimals.
#![allow(missing_docs)]

use std::hint::black_box;

use cdc_benches::gtid_set_text;
use cdc_model::{Decimal, Gtid, GtidSet};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn gtid_sets(c: &mut Criterion) {
    let mut g = c.benchmark_group("gtid_set");
    let text = gtid_set_text(8, 64);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse_8_sources_64_intervals", |b| {
        b.iter(|| black_box(&text).parse::<GtidSet>())
    });
    let set: GtidSet = text.parse().unwrap_or_default();
    g.bench_function("print_8_sources_64_intervals", |b| {
        b.iter(|| black_box(&set).to_string())
    });
    let uuid = set.iter().next().map(|(u, _, _)| u).unwrap_or_default();
    g.throughput(Throughput::Elements(1));
    g.bench_function("insert_next_gtid", |b| {
        let mut s = GtidSet::new();
        let mut gno = 0u64;
        b.iter(|| {
            gno += 1;
            s.insert(black_box(&Gtid {
                source: uuid,
                tag: None,
                gno,
            }));
        })
    });
    g.finish();
}

fn decimals(c: &mut Criterion) {
    let mut g = c.benchmark_group("decimal");
    let text = "-12345678901234567890123456789012345.123456789012345678901234567890";
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_65_digits", |b| {
        b.iter(|| black_box(text).parse::<Decimal>())
    });
    let d: Decimal = text.parse().unwrap_or(Decimal::NAN);
    g.bench_function("print_65_digits", |b| b.iter(|| black_box(&d).to_string()));
    g.finish();
}

criterion_group!(benches, gtid_sets, decimals);
criterion_main!(benches);
