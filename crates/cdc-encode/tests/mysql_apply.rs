//! Live (MariaDB): a full load by multi-row INSERTs, then random streams of changes applied in
//! batches as upserts, deletes and in-place updates, read back and compared with the source's
//! rows value by value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use cdc_encode::sql::mysql::{MySqlEncoder, MySqlOptions};
use cdc_encode::sql::{Batcher, Step};
use cdc_model::*;
use cdc_testkit::{MariaDb, MariaDbDatabase};
use common::{Rng, Source};

const DDL: &str = "CREATE TABLE t (k1 INT, k2 VARCHAR(20), d DECIMAL(30,10), s VARCHAR(100), \
    l VARCHAR(20) CHARACTER SET latin1, b VARBINARY(20), dt DATETIME(6), dd DATE, tm TIME(6), \
    db DOUBLE, fl FLOAT, bt BIT(10), e ENUM('x','y','z'), st SET('a','b','c'), j JSON, \
    ts TIMESTAMP(6) NULL, u BIGINT UNSIGNED, PRIMARY KEY (k1, k2))";

// Text with NUL characters is read as hex: the client's XML output cannot carry NUL.
const SELECT: &str = "SELECT k1, k2, d, HEX(s), l, HEX(b), dt, dd, tm, db, CAST(fl AS DOUBLE), bt+0, \
    e, st, j, UNIX_TIMESTAMP(ts), u FROM t";

fn table() -> Arc<TableSchema> {
    use ColumnType as C;
    let vc = |n| C::VarChar {
        length: Some(n),
        charset: None,
    };
    let cols = vec![
        Column::new("k1", C::Int { unsigned: false }).not_null(),
        Column::new("k2", vc(20)).not_null(),
        Column::new(
            "d",
            C::Decimal {
                precision: Some(30),
                scale: Some(10),
            },
        ),
        Column::new("s", vc(100)),
        Column::new(
            "l",
            C::VarChar {
                length: Some(20),
                charset: Some(Charset::Latin1),
            },
        ),
        Column::new("b", C::VarBinary { length: 20 }),
        Column::new("dt", C::DateTime { precision: Some(6) }),
        Column::new("dd", C::Date),
        Column::new("tm", C::Time { precision: Some(6) }),
        Column::new("db", C::Double),
        Column::new("fl", C::Float),
        Column::new(
            "bt",
            C::Bit {
                length: Some(10),
                varying: false,
            },
        ),
        Column::new(
            "e",
            C::Enum {
                name: None,
                labels: vec!["x".into(), "y".into(), "z".into()],
            },
        ),
        Column::new(
            "st",
            C::Set {
                labels: vec!["a".into(), "b".into(), "c".into()],
            },
        ),
        Column::new("j", C::Json),
        Column::new("ts", C::Timestamp { precision: Some(6) }),
        Column::new("u", C::BigInt { unsigned: true }),
    ];
    let mut t = TableSchema::new(TableId::new("ignored", "t"), cols);
    t.primary_key = Some(Index::new(None, &["k1", "k2"], true));
    Arc::new(t)
}

fn random_key(rng: &mut Rng) -> Vec<Value> {
    vec![
        Value::Int(rng.below(8) as i64 - 2),
        Value::text(["a", "b", "é 'x'\\"][rng.below(3) as usize]),
    ]
}

fn random_row(rng: &mut Rng, key: &[Value]) -> RowImage {
    const CHARS: &[&str] = &[
        "a", "Z", "'", "\"", "\\", "\n", "\r", "\t", "\0", "\x1a", "é", "🐘", " ", "%", "_",
    ];
    let mut s = String::new();
    for _ in 0..rng.below(20) {
        s.push_str(CHARS[rng.below(CHARS.len() as u64) as usize]);
    }
    let latin1: Vec<u8> = (0..rng.below(10))
        .map(|_| [b'a', b'\'', b'\\', 0xe9, 0x80, 0xff][rng.below(6) as usize])
        .collect();
    let bin: Vec<u8> = (0..rng.below(20)).map(|_| rng.next() as u8).collect();
    let unscaled = (rng.next() as i128 * rng.below(1 << 40) as i128) % 10i128.pow(29);
    let dt = match rng.below(10) {
        0 => DateTime::ZERO,
        1 => "2024-00-10 10:00:00.5".parse().unwrap(),
        // 1000-01-01 .. 9999-12-31
        _ => DateTime::from_unix_micros(
            -30_610_224_000_000_000 + (rng.below(284_012_524_800_000_000) as i64),
        ),
    };
    let dd = if rng.chance(10) { Date::ZERO } else { dt.date };
    let tm =
        Time::from_micros(rng.below(2 * 3_020_399_000_000) as i64 - 3_020_399_000_000).unwrap();
    let db = loop {
        let d = f64::from_bits(rng.next());
        if d.is_finite() && d != 0.0 {
            break d;
        }
    };
    let fl = loop {
        let f = f32::from_bits(rng.next() as u32);
        if f.is_finite() && f != 0.0 {
            break f;
        }
    };
    let idx = 1 + rng.below(3) as u16;
    let labels = ["x", "y", "z"];
    let e = EnumValue {
        index: Some(idx),
        label: rng
            .chance(50)
            .then(|| labels[usize::from(idx - 1)].to_string()),
    };
    let bits = rng.below(8);
    let st = SetValue {
        bits,
        labels: rng.chance(50).then(|| {
            ["a", "b", "c"]
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, l)| l.to_string())
                .collect()
        }),
    };
    let j = format!(
        "{{\"k\": {}, \"s\": {}}}",
        rng.next() as i32,
        json_string(&s)
    );
    let ts = Timestamp::from_unix_micros(1_000_000 + rng.below(2_147_000_000_000_000) as i64);
    let values = vec![
        Value::Decimal(Decimal::from_i128(unscaled, 10)),
        Value::text(s),
        Value::Text(Text::new(Bytes::from(latin1), Charset::Latin1)),
        Value::Bytes(Bytes::from(bin)),
        Value::DateTime(dt),
        Value::Date(dd),
        Value::Time(tm),
        Value::Double(db),
        Value::Float(fl),
        Value::Bit(BitString::from_u64(rng.below(1024), 10)),
        Value::Enum(e),
        Value::Set(st),
        Value::Json(j),
        Value::Timestamp(ts),
        Value::UInt(rng.next()),
    ];
    let mut row = vec![key[0].clone(), key[1].clone()];
    for v in values {
        row.push(if rng.chance(10) { Value::Null } else { v });
    }
    RowImage::new(row)
}

/// A JSON string literal (control characters as `\u00XX`).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn frac6(micros: u32) -> String {
    format!("{micros:06}")
}

/// What `SELECT` prints for a source value (after the float columns are normalised).
fn expected(col: usize, v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Text(t) if col == 3 => t.bytes.iter().map(|x| format!("{x:02X}")).collect(),
        Value::Text(t) => t.to_utf8().unwrap().into_owned(),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        Value::DateTime(dt) => format!(
            "{} {:02}:{:02}:{:02}.{}",
            dt.date,
            dt.hour,
            dt.minute,
            dt.second,
            frac6(dt.micros)
        ),
        Value::Date(d) => d.to_string(),
        Value::Time(t) => format!(
            "{}{:02}:{:02}:{:02}.{}",
            if t.negative && t.total_micros() != 0 {
                "-"
            } else {
                ""
            },
            t.hours,
            t.minutes,
            t.seconds,
            frac6(t.micros)
        ),
        Value::Double(d) => format!("{d:e}"),
        Value::Float(f) => format!("{:e}", f64::from(*f)),
        Value::Bit(b) => b.to_u64().unwrap().to_string(),
        Value::Enum(e) => ["x", "y", "z"][usize::from(e.index.unwrap() - 1)].to_string(),
        Value::Set(s) => ["a", "b", "c"]
            .iter()
            .enumerate()
            .filter(|(i, _)| s.bits & (1 << i) != 0)
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join(","),
        Value::Json(j) => j.clone(),
        Value::Timestamp(t) => {
            let m = t.unix_micros();
            format!("{}.{}", m / 1_000_000, frac6((m % 1_000_000) as u32))
        }
        other => panic!("column {col}: no expectation for {other:?}"),
    })
}

fn read_back(db: &MariaDbDatabase) -> Vec<Vec<Option<String>>> {
    let mut rows = db.query(SELECT);
    for r in &mut rows {
        if let Some(d) = &r[9] {
            r[9] = Some(format!("{:e}", d.parse::<f64>().unwrap()));
        }
        if let Some(f) = &r[10] {
            let f = f.parse::<f64>().unwrap() as f32;
            r[10] = Some(format!("{:e}", f64::from(f)));
        }
    }
    rows.sort_by(|a, b| {
        let k =
            |r: &Vec<Option<String>>| (r[0].clone().unwrap().parse::<i64>().unwrap(), r[1].clone());
        k(a).cmp(&k(b))
    });
    rows
}

fn source_rows(source: &Source) -> Vec<Vec<Option<String>>> {
    let mut rows: Vec<Vec<Option<String>>> = source
        .rows
        .values()
        .map(|r| {
            r.values
                .iter()
                .enumerate()
                .map(|(i, v)| expected(i, v))
                .collect()
        })
        .collect();
    rows.sort_by(|a, b| {
        let k =
            |r: &Vec<Option<String>>| (r[0].clone().unwrap().parse::<i64>().unwrap(), r[1].clone());
        k(a).cmp(&k(b))
    });
    rows
}

fn run_sql(db: &MariaDbDatabase, statements: &[String]) {
    let mut sql: String = MySqlEncoder::session_setup().join(";\n");
    sql.push_str(";\nSTART TRANSACTION;\n");
    for s in statements {
        sql.push_str(s);
        sql.push_str(";\n");
    }
    sql.push_str("COMMIT;\n");
    db.exec(&sql);
}

#[test]
fn full_load_then_random_batches_reproduce_the_source_rows_exactly() {
    let db = MariaDb::from_env().fresh_database("enc_my_apply");
    db.exec(DDL);
    let table = table();
    let mut encoder = MySqlEncoder::with_options(MySqlOptions {
        max_rows: 5,
        max_statement_bytes: 2000,
    });
    encoder
        .register(cdc_encode::sql::mysql::MySqlTable::for_schema(&table).renamed(db.name(), "t"));
    let mut source = Source::new(table.clone());
    let mut rng = Rng(0x5EED_0002);

    // Full load: 12 rows as plain multi-row INSERTs.
    while source.rows.len() < 12 {
        let k = random_key(&mut rng);
        if !source
            .rows
            .contains_key(&format!("{:?}", k.iter().collect::<Vec<_>>()))
        {
            let after = random_row(&mut rng, &k);
            source.apply(&Change::Insert {
                table: table.clone(),
                after,
            });
        }
    }
    let load: Vec<RowImage> = source.rows.values().cloned().collect();
    let statements = encoder.insert_statements(&table, &load).unwrap();
    assert!(statements.len() >= 3, "12 rows at 5 per statement");
    run_sql(&db, &statements);
    assert_eq!(read_back(&db), source_rows(&source));

    let mut batcher = Batcher::new();
    let mut kinds = [0usize; 3];
    for _ in 0..50 {
        for _ in 0..1 + rng.below(30) {
            let c = source.random_change(&mut rng, &random_key, &random_row);
            batcher.push(&c).unwrap();
        }
        let steps = batcher.flush();
        for s in &steps {
            kinds[match s {
                Step::Delete { .. } => 0,
                Step::Upsert { .. } => 1,
                Step::Update { .. } => 2,
            }] += 1;
        }
        run_sql(&db, &encoder.statements(&steps).unwrap());
        assert_eq!(read_back(&db), source_rows(&source));
    }
    assert!(kinds.iter().all(|&k| k > 0), "{kinds:?}");
}

#[test]
fn interleaved_changes_and_key_changes_in_one_batch() {
    let db = MariaDb::from_env().fresh_database("enc_my_keys");
    db.exec(DDL);
    let table = table();
    let mut encoder = MySqlEncoder::new();
    encoder
        .register(cdc_encode::sql::mysql::MySqlTable::for_schema(&table).renamed(db.name(), "t"));
    let mut source = Source::new(table.clone());
    let mut rng = Rng(11);
    let key = |id: i64, s: &str| vec![Value::Int(id), Value::text(s)];
    let mut batcher = Batcher::new();
    let apply = |source: &mut Source, batcher: &mut Batcher, c: Change| {
        source.apply(&c);
        batcher.push(&c).unwrap();
    };
    let r10 = random_row(&mut rng, &key(10, "a"));
    apply(
        &mut source,
        &mut batcher,
        Change::Insert {
            table: table.clone(),
            after: r10.clone(),
        },
    );
    run_sql(&db, &encoder.statements(&batcher.flush()).unwrap());

    let a1 = random_row(&mut rng, &key(1, "a"));
    let a2 = random_row(&mut rng, &key(2, "b"));
    let a1b = random_row(&mut rng, &key(1, "a"));
    let ka1 = source.key_only(&a1);
    apply(
        &mut source,
        &mut batcher,
        Change::Insert {
            table: table.clone(),
            after: a1.clone(),
        },
    );
    let mut p = ka1.clone();
    p.values[3] = Value::text("partial 'update'");
    apply(
        &mut source,
        &mut batcher,
        Change::Update {
            table: table.clone(),
            before: None,
            after: p,
        },
    );
    apply(
        &mut source,
        &mut batcher,
        Change::Update {
            table: table.clone(),
            before: Some(ka1.clone()),
            after: a2.clone(),
        },
    );
    apply(
        &mut source,
        &mut batcher,
        Change::Insert {
            table: table.clone(),
            after: a1b,
        },
    );
    apply(
        &mut source,
        &mut batcher,
        Change::Delete {
            table: table.clone(),
            before: a2,
        },
    );
    // a partial key change of a row only the target holds
    let kr10 = source.key_only(&r10);
    let mut moved = kr10.clone();
    moved.values[0] = Value::Int(11);
    moved.values[2] = Value::Decimal("-0.0000000001".parse().unwrap());
    apply(
        &mut source,
        &mut batcher,
        Change::Update {
            table: table.clone(),
            before: Some(kr10),
            after: moved,
        },
    );
    let steps = batcher.flush();
    assert!(matches!(steps.last(), Some(Step::Update { .. })));
    run_sql(&db, &encoder.statements(&steps).unwrap());
    assert_eq!(read_back(&db), source_rows(&source));
    assert_eq!(source.rows.len(), 2);
}
