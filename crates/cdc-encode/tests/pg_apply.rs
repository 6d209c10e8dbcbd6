//! Live: batched upserts and deletes with binary parameters reach the same table state as
//! applying every change one by one as plain SQL, and as the source's own rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use cdc_encode::sql::pg::{PgEncoder, PgOptions};
use cdc_encode::sql::{Batcher, Step};
use cdc_model::*;
use cdc_testkit::{PgDatabase, Postgres};
use common::{Rng, Source, connect, execute, run};

const DDL: &str = "(id int8, sub text, v numeric, note text, ts timestamptz, j jsonb, n int4, \
                   bin bytea, PRIMARY KEY (id, sub))";

fn table() -> Arc<TableSchema> {
    use ColumnType as C;
    let text = C::Text {
        max_bytes: None,
        charset: None,
    };
    let mut t = TableSchema::new(
        TableId::new("public", "got"),
        vec![
            Column::new("id", C::BigInt { unsigned: false }).not_null(),
            Column::new("sub", text.clone()).not_null(),
            Column::new(
                "v",
                C::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            Column::new("note", text),
            Column::new("ts", C::Timestamp { precision: None }),
            Column::new("j", C::Jsonb),
            Column::new("n", C::Int { unsigned: false }),
            Column::new("bin", C::Blob { max_bytes: None }),
        ],
    );
    t.primary_key = Some(Index::new(None, &["id", "sub"], true));
    Arc::new(t)
}

fn random_key(rng: &mut Rng) -> Vec<Value> {
    vec![
        Value::Int(rng.below(8) as i64 - 2),
        Value::text(["a", "B", "é 'x'"][rng.below(3) as usize]),
    ]
}

fn random_row(rng: &mut Rng, key: &[Value]) -> RowImage {
    const CHARS: &[&str] = &[
        "a", "Z", "'", "\"", "\\", "\n", "\t", "é", "🐘", " ", ",", "{",
    ];
    let mut note = String::new();
    for _ in 0..rng.below(12) {
        note.push_str(CHARS[rng.below(CHARS.len() as u64) as usize]);
    }
    let unscaled = (rng.next() as i128) * if rng.chance(50) { -1 } else { 1 };
    let nullable = |rng: &mut Rng, v: Value| if rng.chance(15) { Value::Null } else { v };
    let bin: Vec<u8> = (0..rng.below(10)).map(|_| rng.next() as u8).collect();
    let ts = match rng.below(20) {
        0 => Timestamp::INFINITY,
        1 => Timestamp::NEG_INFINITY,
        _ => Timestamp::from_unix_micros(
            rng.below(8_000_000_000_000_000) as i64 - 2_000_000_000_000_000,
        ),
    };
    let v = Value::Decimal(Decimal::from_i128(unscaled, rng.below(25) as u16));
    let j = Value::Json(format!(
        "{{\"k\": {}, \"s\": {:?}, \"a\": [1.50, null]}}",
        rng.next() as i32,
        note
    ));
    let n = Value::Int(rng.next() as i32 as i64);
    let values = vec![
        v,
        Value::text(note.clone()),
        Value::Timestamp(ts),
        j,
        n,
        Value::Bytes(Bytes::from(bin)),
    ];
    let mut row = vec![key[0].clone(), key[1].clone()];
    for v in values {
        row.push(nullable(rng, v));
    }
    RowImage::new(row)
}

/// A PostgreSQL literal of `v`, through the type's text input (the independent path).
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => format!("'{d}'::numeric"),
        Value::Text(_) | Value::Json(_) => format!("$q${}$q$", v.as_str().unwrap()),
        Value::Timestamp(t) => format!("'{t}'::timestamptz"),
        Value::Bytes(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("'\\x{hex}'::bytea")
        }
        other => panic!("no literal for {other:?}"),
    }
}

const NAMES: [&str; 8] = ["id", "sub", "v", "note", "ts", "j", "n", "bin"];

/// The change as one plain SQL statement against table `want`.
fn one_by_one(change: &Change) -> String {
    let cond = |row: &RowImage, fallback: &RowImage| {
        [0, 1]
            .iter()
            .map(|&i| {
                let v = if row.values[i].is_unchanged() {
                    &fallback.values[i]
                } else {
                    &row.values[i]
                };
                format!("{} = {}", NAMES[i], literal(v))
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    match change {
        Change::Insert { after, .. } => format!(
            "INSERT INTO want VALUES ({});",
            after
                .values
                .iter()
                .map(literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Change::Delete { before, .. } => {
            format!("DELETE FROM want WHERE {};", cond(before, before))
        }
        Change::Update { before, after, .. } => {
            let set: Vec<String> = after
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_unchanged())
                .map(|(i, v)| format!("{} = {}", NAMES[i], literal(v)))
                .collect();
            if set.is_empty() {
                return String::new();
            }
            format!(
                "UPDATE want SET {} WHERE {};",
                set.join(", "),
                cond(before.as_ref().unwrap_or(after), after)
            )
        }
        _ => String::new(),
    }
}

/// Applies `batches` of changes through the batcher and the encoder, each batch in one
/// transaction, and the same changes one by one to `want`; then compares both tables.
fn apply_and_compare(db: &PgDatabase, batches: &[Vec<Change>], source: &Source) -> Vec<Step> {
    db.exec(&format!("CREATE TABLE got {DDL}; CREATE TABLE want {DDL}"));
    let plain: String = batches.iter().flatten().map(one_by_one).collect();
    db.exec(&plain);
    let mut all_steps = Vec::new();
    run(120, async {
        let mut conn = connect(db).await;
        for s in PgEncoder::session_setup() {
            conn.batch_execute(s).await.unwrap();
        }
        let mut encoder = PgEncoder::with_options(PgOptions {
            max_rows: 7,
            ..PgOptions::default()
        });
        let mut batcher = Batcher::new();
        for batch in batches {
            for c in batch {
                batcher.push(c).unwrap();
            }
            let steps = batcher.flush();
            conn.batch_execute("BEGIN").await.unwrap();
            for s in encoder.statements(&steps).unwrap() {
                execute(&mut conn, &s).await;
            }
            conn.batch_execute("COMMIT").await.unwrap();
            all_steps.extend(steps);
        }
    });
    let cols = NAMES.map(|n| format!("{n}::text")).join(", ");
    let got = db.query(&format!("SELECT {cols} FROM got ORDER BY id, sub"));
    let want = db.query(&format!("SELECT {cols} FROM want ORDER BY id, sub"));
    assert_eq!(got, want);
    assert_eq!(got.len(), source.rows.len());
    all_steps
}

#[test]
fn random_streams_applied_in_batches_equal_one_by_one_application() {
    let db = Postgres::from_env().fresh_database("enc_pg_apply");
    let mut source = Source::new(table());
    let mut rng = Rng(0x5EED_0001);
    let mut batches = Vec::new();
    for _ in 0..60 {
        let n = 1 + rng.below(40);
        batches.push(
            (0..n)
                .map(|_| source.random_change(&mut rng, &random_key, &random_row))
                .collect::<Vec<_>>(),
        );
    }
    let steps = apply_and_compare(&db, &batches, &source);
    // The stream exercised every kind of step.
    assert!(steps.iter().any(|s| matches!(s, Step::Delete { .. })));
    assert!(
        steps
            .iter()
            .any(|s| matches!(s, Step::Upsert { rows, .. } if rows.len() > 7))
    );
    assert!(steps.iter().any(|s| matches!(s, Step::Update { .. })));
}

#[test]
fn interleaved_changes_of_one_key_and_key_changes_in_one_batch() {
    let db = Postgres::from_env().fresh_database("enc_pg_keys");
    let t = table();
    let mut source = Source::new(t.clone());
    let mut rng = Rng(7);
    let row =
        |rng: &mut Rng, id: i64, sub: &str| random_row(rng, &[Value::Int(id), Value::text(sub)]);
    let mut changes = Vec::new();
    let mut push = |source: &mut Source, c: Change| {
        source.apply(&c);
        changes.push(c);
    };
    // Rows the target holds before the batch (their own batch).
    let r10 = row(&mut rng, 10, "x");
    push(
        &mut source,
        Change::Insert {
            table: t.clone(),
            after: r10.clone(),
        },
    );
    let first = changes.clone();
    changes.clear();
    let mut push = |source: &mut Source, c: Change| {
        source.apply(&c);
        changes.push(c);
    };
    // insert, partial update, key change, re-insert of the old key, delete of the new key
    let a1 = row(&mut rng, 1, "a");
    push(
        &mut source,
        Change::Insert {
            table: t.clone(),
            after: a1.clone(),
        },
    );
    let mut p = source.key_only(&a1);
    p.values[2] = Value::Decimal("2.50".parse().unwrap());
    push(
        &mut source,
        Change::Update {
            table: t.clone(),
            before: None,
            after: RowImage::new(
                p.values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if i < 2 {
                            a1.values[i].clone()
                        } else {
                            v.clone()
                        }
                    })
                    .collect(),
            ),
        },
    );
    let a2 = row(&mut rng, 2, "a");
    let ka1 = source.key_only(&a1);
    push(
        &mut source,
        Change::Update {
            table: t.clone(),
            before: Some(ka1),
            after: a2.clone(),
        },
    );
    let a1b = row(&mut rng, 1, "a");
    push(
        &mut source,
        Change::Insert {
            table: t.clone(),
            after: a1b.clone(),
        },
    );
    push(
        &mut source,
        Change::Delete {
            table: t.clone(),
            before: a2.clone(),
        },
    );
    // insert, delete, insert again
    let c3 = row(&mut rng, 3, "a");
    let kc3 = source.key_only(&c3);
    push(
        &mut source,
        Change::Insert {
            table: t.clone(),
            after: c3.clone(),
        },
    );
    push(
        &mut source,
        Change::Delete {
            table: t.clone(),
            before: kc3.clone(),
        },
    );
    let c3b = row(&mut rng, 3, "a");
    push(
        &mut source,
        Change::Insert {
            table: t.clone(),
            after: c3b,
        },
    );
    // a partial key change of a row only the target knows: an in-place UPDATE
    let kr10 = source.key_only(&r10);
    let mut k11 = source.key_only(&r10);
    k11.values[0] = Value::Int(11);
    k11.values[3] = Value::text("moved");
    push(
        &mut source,
        Change::Update {
            table: t.clone(),
            before: Some(kr10),
            after: k11,
        },
    );
    // and a key change back into a freed key, full image
    let x10 = row(&mut rng, 10, "x");
    push(
        &mut source,
        Change::Update {
            table: t.clone(),
            before: Some(kc3),
            after: x10,
        },
    );
    let steps = apply_and_compare(&db, &[first, changes], &source);
    assert!(
        steps
            .iter()
            .any(|s| matches!(s, Step::Update { key, .. } if key[0] == Value::Int(10)))
    );
    assert_eq!(source.rows.len(), 3);
}
