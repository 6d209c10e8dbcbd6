//! MaxCompute-layout Parquet files (`<t>_base`, `<t>_log`) read back by two independent
//! readers, pyarrow and duckdb (installed by `scripts/install-python-deps`), and compared
//! value by value with the source rows and changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use cdc_encode::lake::{FinishedFile, LakeTable, RollPolicy, RollingWriter};
use cdc_model::*;
use serde_json::{Value as Json, json};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CDC_TEST_PYTHON") {
        return p.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = root.join("target/pyenv/bin/python");
    if !p.is_file() {
        panic!(
            "pyarrow/duckdb are not installed: run scripts/install-python-deps \
             (or set CDC_TEST_PYTHON to a python with both)"
        );
    }
    p
}

/// Writes the files to a fresh directory and returns what pyarrow and duckdb read from them.
fn read_back(label: &str, files: &[FinishedFile<Vec<u8>>]) -> (Json, Vec<PathBuf>) {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lake-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            let p = dir.join(format!(
                "{}-{:04}.parquet",
                f.info.partition.as_deref().unwrap_or("none"),
                f.info.sequence
            ));
            std::fs::write(&p, &f.sink).unwrap();
            p
        })
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_parquet.py");
    let out = Command::new(python())
        .arg(script)
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), paths)
}

fn table() -> Arc<TableSchema> {
    use ColumnType as C;
    let mut t = TableSchema::new(
        TableId::new("shop", "orders"),
        vec![
            Column::new("id", C::Int { unsigned: false }).not_null(),
            Column::new("tiny", C::TinyInt { unsigned: true }),
            Column::new("big", C::BigInt { unsigned: true }),
            Column::new("f", C::Float),
            Column::new("d", C::Double),
            Column::new(
                "amount",
                C::Decimal {
                    precision: Some(12),
                    scale: Some(4),
                },
            ),
            Column::new(
                "wide",
                C::Decimal {
                    precision: Some(50),
                    scale: Some(10),
                },
            ),
            Column::new(
                "name",
                C::VarChar {
                    length: Some(40),
                    charset: None,
                },
            ),
            Column::new(
                "l1",
                C::VarChar {
                    length: Some(10),
                    charset: Some(Charset::Latin1),
                },
            ),
            Column::new("bin", C::VarBinary { length: 16 }),
            Column::new("dt", C::DateTime { precision: Some(6) }),
            Column::new("dd", C::Date),
            Column::new("ts", C::Timestamp { precision: Some(6) }),
            Column::new("tm", C::Time { precision: Some(6) }),
            Column::new("js", C::Json),
            Column::new(
                "e",
                C::Enum {
                    name: None,
                    labels: vec!["new".into(), "paid".into()],
                },
            ),
            Column::new("yr", C::Year),
        ],
    );
    t.primary_key = Some(Index::new(None, &["id"], true));
    Arc::new(t)
}

fn row(i: i64) -> RowImage {
    let n = |v: Value| if i % 7 == 3 { Value::Null } else { v };
    RowImage::new(vec![
        Value::Int(i),
        n(Value::UInt((i * 37 % 256) as u64)),
        n(Value::UInt(u64::MAX - i as u64)),
        n(Value::Float(0.1 * i as f32 - 3.0)),
        n(Value::Double(if i == 1 {
            1e-310
        } else {
            -1.0 / (i as f64 + 0.3)
        })),
        n(Value::Decimal(Decimal::from_i128(
            i as i128 * 12_345_679 - 500_000_000,
            4,
        ))),
        n(Value::Decimal(Decimal::from_i128(
            (i as i128 - 20) * 10i128.pow(36) + 7,
            10,
        ))),
        n(Value::text(format!("order \"{i}\" é🐘 'x'\n"))),
        n(Value::Text(Text::new(
            Bytes::from(vec![b'c', b'a', 0xe9, 0x80]),
            Charset::Latin1,
        ))),
        n(Value::Bytes(Bytes::from(vec![0u8, 0xff, i as u8]))),
        n(Value::DateTime(if i == 2 {
            DateTime::ZERO
        } else {
            DateTime::from_unix_micros(-2_000_000_000_000_000 + i * 123_456_789_123)
        })),
        n(Value::Date(if i == 2 {
            Date::ZERO
        } else {
            Date::from_days_since_epoch(i * 1000 - 30_000)
        })),
        n(Value::Timestamp(Timestamp::from_unix_micros(
            1_700_000_000_000_001 + i * 1_000_003,
        ))),
        n(Value::Time(
            Time::from_micros(i * 7_777_777_777 - 100_000_000_000).unwrap(),
        )),
        n(Value::Json(format!("{{\"i\": {i}, \"a\": [1.50, null]}}"))),
        n(Value::Enum(EnumValue {
            index: Some(1 + (i % 2) as u16),
            label: Some(["new", "paid"][(i % 2) as usize].into()),
        })),
        n(Value::Year(1901 + i as u16)),
    ])
}

/// What the readers print for a source value in its column (see read_parquet.py).
fn expected(col: usize, v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => json!(i),
        Value::UInt(u) if col == 2 => json!(u.to_string()),
        Value::UInt(u) => json!(u),
        Value::Year(y) => json!(y),
        Value::Float(f) => json!(format!("{:016x}", f64::from(*f).to_bits())),
        Value::Double(d) => json!(format!("{:016x}", d.to_bits())),
        Value::Decimal(d) => json!(d.to_string()),
        Value::Text(t) => json!(t.to_utf8().unwrap()),
        Value::Json(s) => json!(s),
        Value::Bytes(b) => json!(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        Value::DateTime(dt) if dt.is_zero() => Json::Null,
        Value::DateTime(dt) => json!(dt.to_unix_micros().unwrap()),
        Value::Date(d) if d.is_zero() => Json::Null,
        Value::Date(d) => json!(d.days_since_epoch().unwrap()),
        Value::Timestamp(t) => json!(t.unix_micros()),
        Value::Time(t) => json!(t.to_string()),
        Value::Enum(e) => json!(e.label.clone().unwrap()),
        other => panic!("no expectation for {other:?}"),
    }
}

fn expected_row(r: &RowImage) -> Vec<Json> {
    r.values
        .iter()
        .enumerate()
        .map(|(i, v)| expected(i, v))
        .collect()
}

/// Both readers saw exactly `want` (rows across all files in order) with these columns.
fn check(read: &Json, columns: &[String], want: &[Vec<Json>]) {
    for reader in ["pyarrow", "duckdb"] {
        let files = read[reader].as_array().unwrap();
        let mut rows = Vec::new();
        for f in files {
            let cols: Vec<String> = f["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect();
            assert_eq!(cols, columns, "{reader}");
            rows.extend(
                f["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_array().unwrap().clone()),
            );
        }
        assert_eq!(rows.len(), want.len(), "{reader}");
        for (i, (got, want)) in rows.iter().zip(want).enumerate() {
            for (c, (g, w)) in got.iter().zip(want).enumerate() {
                assert_eq!(g, w, "{reader}: row {i}, column {}", columns[c]);
            }
        }
    }
}

#[test]
fn base_table_files_roll_by_rows_and_read_back_exactly_in_pyarrow_and_duckdb() {
    let t = table();
    let layout = LakeTable::new(&t, Some("pt")).unwrap();
    assert_eq!(layout.base_name(), "orders_base");
    let rows: Vec<RowImage> = (0..50).map(row).collect();
    let policy = RollPolicy {
        max_rows: Some(20),
        ..RollPolicy::default()
    };
    let mut opened = Vec::new();
    let mut w = RollingWriter::new(layout.base_schema(), policy, |info| {
        opened.push(info.clone());
        Ok(Vec::new())
    });
    for chunk in rows.chunks(10) {
        let batch = layout.base_batch(chunk, Some("20240501")).unwrap();
        w.write(&batch, 0, Some("20240501")).unwrap();
    }
    let files = w.finish().unwrap();
    assert_eq!(
        files.iter().map(|f| f.rows).collect::<Vec<_>>(),
        [20, 20, 10]
    );
    assert_eq!(opened.len(), 3);

    let (read, _) = read_back("base", &files);
    let mut columns: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
    columns.push("pt".into());
    let want: Vec<Vec<Json>> = rows
        .iter()
        .map(|r| {
            let mut e = expected_row(r);
            e.push(json!("20240501"));
            e
        })
        .collect();
    check(&read, &columns, &want);
}

#[test]
fn log_table_updates_are_two_rows_sharing_a_record_id_and_files_roll_by_partition_and_time() {
    let t = table();
    let layout = LakeTable::new(&t, Some("pt")).unwrap();
    assert_eq!(layout.log_name(), "orders_log");
    let at = |s: i64| Some(Timestamp::from_unix_parts(1_714_521_600 + s, 250_000));
    let ev = |s: i64, change: Change| ChangeEvent {
        position: format!("mysql-bin.000007:{}", 1000 + s).parse().unwrap(),
        txn: None,
        commit_time: at(s),
        change,
    };
    let mut events = Vec::new();
    for i in 0..6 {
        events.push(ev(
            i,
            Change::Insert {
                table: t.clone(),
                after: row(i),
            },
        ));
    }
    events.push(ev(6, Change::Begin));
    for i in 0..4 {
        events.push(ev(
            10 + i,
            Change::Update {
                table: t.clone(),
                before: Some(row(i)),
                after: row(i + 100),
            },
        ));
    }
    events.push(ev(
        20,
        Change::Delete {
            table: t.clone(),
            before: row(5),
        },
    ));
    let mut no_time = ev(
        21,
        Change::Delete {
            table: t.clone(),
            before: row(4),
        },
    );
    no_time.commit_time = None;
    events.push(no_time);

    // Written in three calls: two on one day's partition, the last on the next day; the
    // second call comes after the file's age limit.
    let policy = RollPolicy {
        max_age_micros: Some(60_000_000),
        ..RollPolicy::default()
    };
    let mut w = RollingWriter::new(layout.log_schema(), policy, |_| Ok(Vec::new()));
    let mut next_id = 1000;
    let b1 = layout
        .log_batch(&events[..4], &mut next_id, Some("20240501"))
        .unwrap();
    w.write(&b1, 0, Some("20240501")).unwrap();
    let b2 = layout
        .log_batch(&events[4..9], &mut next_id, Some("20240501"))
        .unwrap();
    w.write(&b2, 90_000_000, Some("20240501")).unwrap();
    let b3 = layout
        .log_batch(&events[9..], &mut next_id, Some("20240502"))
        .unwrap();
    w.write(&b3, 100_000_000, Some("20240502")).unwrap();
    let files = w.finish().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[2].info.partition.as_deref(), Some("20240502"));
    assert_eq!(
        next_id,
        1000 + 12,
        "one record_id per change, Begin skipped"
    );

    // The layout, derived here from the changes independently of the encoder.
    let mut want = Vec::new();
    let mut id = 1000;
    for (n, e) in events.iter().enumerate() {
        let pt = if n < 9 { "20240501" } else { "20240502" };
        let ts = e.commit_time.map_or(Json::Null, |t| json!(t.unix_micros()));
        let rows: Vec<(&RowImage, &str, &str, &str)> = match &e.change {
            Change::Insert { after, .. } => vec![(after, "I", "N", "Y")],
            Change::Update { before, after, .. } => {
                vec![
                    (before.as_ref().unwrap(), "U", "Y", "N"),
                    (after, "U", "N", "Y"),
                ]
            }
            Change::Delete { before, .. } => vec![(before, "D", "Y", "N")],
            _ => continue,
        };
        for (r, op, b, a) in rows {
            let mut v = expected_row(r);
            v.extend([
                json!(id),
                json!(op),
                ts.clone(),
                json!(b),
                json!(a),
                json!(pt),
            ]);
            want.push(v);
        }
        id += 1;
    }
    assert_eq!(want.len(), 6 + 8 + 2);
    let (read, _) = read_back("log", &files);
    let mut columns: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
    for c in [
        "record_id",
        "operation_flag",
        "utc_timestamp",
        "before_flag",
        "after_flag",
        "pt",
    ] {
        columns.push(c.into());
    }
    check(&read, &columns, &want);
}

#[test]
fn incomplete_images_and_foreign_tables_are_refused_without_advancing_record_ids() {
    let t = table();
    let layout = LakeTable::new(&t, None).unwrap();
    let mut partial = row(1);
    partial.values[3] = Value::Unchanged;
    let ev = |change| ChangeEvent {
        position: "mysql-bin.000001:4".parse().unwrap(),
        txn: None,
        commit_time: None,
        change,
    };
    let mut next = 5;
    let bad = [
        ev(Change::Insert {
            table: t.clone(),
            after: partial,
        }),
        ev(Change::Update {
            table: t.clone(),
            before: None,
            after: row(1),
        }),
        ev(Change::Truncate {
            tables: vec![t.id.clone()],
            cascade: false,
            restart_identity: false,
        }),
    ];
    for b in bad {
        let events = [
            ev(Change::Insert {
                table: t.clone(),
                after: row(2),
            }),
            b,
        ];
        assert!(layout.log_batch(&events, &mut next, None).is_err());
        assert_eq!(next, 5);
    }
    let mut other = (*t).clone();
    other.id = TableId::new("shop", "other");
    let events = [ev(Change::Insert {
        table: Arc::new(other),
        after: row(2),
    })];
    assert!(layout.log_batch(&events, &mut next, None).is_err());
    assert!(
        layout.log_batch(&[], &mut next, Some("x")).is_err(),
        "no partition column declared"
    );
    let mut big = row(1);
    big.values[5] = Value::Decimal("0.00001".parse().unwrap());
    let e = layout.base_batch(&[big], None).unwrap_err();
    assert!(e.to_string().contains("amount"), "{e}");
}
