//! cdc-encode: PostgreSQL binary COPY encoding, upsert batch building (batcher + PostgreSQL
//! and MySQL statements), and MaxCompute-layout Parquet writing, over one 10-column table of
//! typical OLTP types.
#![allow(missing_docs)]
// Inputs are built from constants; a failure there is a broken benchmark, not a result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use bytes::BytesMut;
use cdc_encode::lake::{LakeTable, RollPolicy, RollingWriter};
use cdc_encode::sql::Batcher;
use cdc_encode::sql::mysql::MySqlEncoder;
use cdc_encode::sql::pg::{BinaryCopy, PgEncoder, PgOptions, PgTable};
use cdc_model::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: usize = 10_000;

fn table() -> Arc<TableSchema> {
    use ColumnType as C;
    let mut t = TableSchema::new(
        TableId::new("shop", "orders"),
        vec![
            Column::new("id", C::BigInt { unsigned: false }).not_null(),
            Column::new("customer", C::Int { unsigned: false }),
            Column::new(
                "sku",
                C::VarChar {
                    length: Some(32),
                    charset: None,
                },
            ),
            Column::new(
                "total",
                C::Decimal {
                    precision: Some(12),
                    scale: Some(2),
                },
            ),
            Column::new("placed", C::DateTime { precision: Some(6) }),
            Column::new("updated", C::Timestamp { precision: Some(6) }),
            Column::new(
                "note",
                C::Text {
                    max_bytes: Some(65_535),
                    charset: None,
                },
            ),
            Column::new("blob", C::Blob { max_bytes: None }),
            Column::new("ratio", C::Double),
            Column::new("ship", C::Date),
        ],
    );
    t.primary_key = Some(Index::new(None, &["id"], true));
    Arc::new(t)
}

fn row(i: i64) -> RowImage {
    RowImage::new(vec![
        Value::Int(i),
        Value::Int(i % 977),
        Value::text(format!("SKU-{:08}", i * 7)),
        Value::Decimal(Decimal::from_i128(i128::from(i) * 1999 % 100_000_000, 2)),
        Value::DateTime(DateTime::from_unix_micros(
            1_600_000_000_000_000 + i * 1_000_123,
        )),
        Value::Timestamp(Timestamp::from_unix_micros(
            1_700_000_000_000_000 + i * 999_983,
        )),
        Value::text(format!(
            "order {i} for customer {}, leave at the door",
            i % 977
        )),
        Value::Bytes(Bytes::from(vec![(i % 251) as u8; 24])),
        Value::Double(i as f64 / 7.0),
        Value::Date(Date::from_days_since_epoch(18_000 + i % 3000)),
    ])
}

fn rows() -> Vec<RowImage> {
    (0..ROWS as i64).map(row).collect()
}

/// 10,000 changes: inserts of 6,000 keys, then updates and deletes of some of them, so the
/// batcher coalesces per key.
fn changes(t: &Arc<TableSchema>) -> Vec<Change> {
    let mut out = Vec::with_capacity(ROWS);
    for i in 0..6000 {
        out.push(Change::Insert {
            table: t.clone(),
            after: row(i),
        });
    }
    for i in 0..3000 {
        let k = (i * 7) % 6000;
        out.push(Change::Update {
            table: t.clone(),
            before: Some(row(k)),
            after: row(k),
        });
    }
    for i in 0..1000 {
        out.push(Change::Delete {
            table: t.clone(),
            before: row(i * 5),
        });
    }
    out
}

fn copy_binary(c: &mut Criterion) {
    let t = table();
    let pg = PgTable::for_schema(&t);
    let rows = rows();
    let copy = BinaryCopy::new(&pg, PgOptions::default());
    let mut out = BytesMut::with_capacity(4 << 20);
    copy.header(&mut out);
    for r in &rows {
        copy.row(r, &mut out).unwrap();
    }
    copy.trailer(&mut out);
    eprintln!("copy_binary: {} rows -> {} bytes", rows.len(), out.len());
    let mut g = c.benchmark_group("copy_binary");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("10k_rows_10_columns", |b| {
        b.iter(|| {
            out.clear();
            copy.header(&mut out);
            for r in black_box(&rows) {
                copy.row(r, &mut out).unwrap();
            }
            copy.trailer(&mut out);
            out.len()
        })
    });
    g.finish();
}

fn upsert_batches(c: &mut Criterion) {
    let t = table();
    let changes = changes(&t);
    let mut g = c.benchmark_group("upsert_batch");
    g.throughput(Throughput::Elements(changes.len() as u64));
    g.bench_function("batcher_only_10k_changes", |b| {
        b.iter(|| {
            let mut batcher = Batcher::new();
            for ch in black_box(&changes) {
                batcher.push(ch).unwrap();
            }
            batcher.flush().len()
        })
    });
    let mut batcher = Batcher::new();
    for ch in &changes {
        batcher.push(ch).unwrap();
    }
    let steps = batcher.flush();
    let pg_bytes: usize = PgEncoder::new()
        .statements(&steps)
        .unwrap()
        .iter()
        .map(|s| {
            s.sql.len()
                + s.params
                    .iter()
                    .map(|p| match p {
                        cdc_encode::sql::pg::PgParam::Binary(b) => b.len(),
                        cdc_encode::sql::pg::PgParam::Text(t) => t.len(),
                        cdc_encode::sql::pg::PgParam::Null => 0,
                    })
                    .sum::<usize>()
        })
        .sum();
    let my_bytes: usize = MySqlEncoder::new()
        .statements(&steps)
        .unwrap()
        .iter()
        .map(String::len)
        .sum();
    eprintln!(
        "upsert_batch: pg {pg_bytes} bytes of SQL + parameters, mysql {my_bytes} bytes of SQL"
    );
    g.bench_function("pg_10k_changes", |b| {
        b.iter(|| {
            let mut batcher = Batcher::new();
            for ch in black_box(&changes) {
                batcher.push(ch).unwrap();
            }
            PgEncoder::new().statements(&batcher.flush()).unwrap().len()
        })
    });
    g.bench_function("mysql_10k_changes", |b| {
        b.iter(|| {
            let mut batcher = Batcher::new();
            for ch in black_box(&changes) {
                batcher.push(ch).unwrap();
            }
            MySqlEncoder::new()
                .statements(&batcher.flush())
                .unwrap()
                .len()
        })
    });
    g.finish();
}

fn parquet(c: &mut Criterion) {
    let t = table();
    let layout = LakeTable::new(&t, None).unwrap();
    let rows = rows();
    let events: Vec<ChangeEvent> = changes(&t)
        .into_iter()
        .map(|change| ChangeEvent {
            position: "mysql-bin.000001:4".parse().unwrap(),
            txn: None,
            commit_time: Some(Timestamp::from_unix_parts(1_700_000_000, 0)),
            change,
        })
        .collect();
    let write = |batch: &arrow::record_batch::RecordBatch| {
        let mut w = RollingWriter::new(batch.schema(), RollPolicy::default(), |_| {
            Ok(Vec::with_capacity(2 << 20))
        });
        w.write(batch, 0, None).unwrap();
        w.finish()
            .unwrap()
            .iter()
            .map(|f| f.sink.len())
            .sum::<usize>()
    };
    let base = layout.base_batch(&rows, None).unwrap();
    eprintln!("parquet: base file {} bytes", write(&base));
    let mut next = 0;
    let log = layout.log_batch(&events, &mut next, None).unwrap();
    eprintln!(
        "parquet: log file {} bytes, {} rows",
        write(&log),
        log.num_rows()
    );
    let mut g = c.benchmark_group("parquet");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("base_10k_rows_encode_and_write", |b| {
        b.iter(|| write(&layout.base_batch(black_box(&rows), None).unwrap()))
    });
    g.bench_function("log_10k_changes_encode_and_write", |b| {
        b.iter(|| {
            let mut next = 0;
            write(
                &layout
                    .log_batch(black_box(&events), &mut next, None)
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, copy_binary, upsert_batches, parquet);
criterion_main!(benches);
