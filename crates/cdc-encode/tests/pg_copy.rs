//! Live: binary COPY of every value kind, checked against PostgreSQL's own text input of the
//! same values.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use bytes::BytesMut;
use cdc_encode::sql::pg::{BinaryCopy, PgOptions, PgTable, PgType, ZeroDates};
use cdc_model::*;
use cdc_testkit::Postgres;
use common::{connect, run};

fn dec(s: &str) -> Value {
    Value::Decimal(s.parse().unwrap())
}

fn arr(dims: &[(u32, i32)], elements: Vec<Value>) -> Value {
    Value::Array(Array {
        dims: dims
            .iter()
            .map(|&(len, lower_bound)| ArrayDim { len, lower_bound })
            .collect(),
        elements,
    })
}

fn columns() -> Vec<(&'static str, ColumnType, &'static str)> {
    use ColumnType as C;
    vec![
        ("id", C::Int { unsigned: false }, "int4 PRIMARY KEY"),
        ("b", C::Bool, "bool"),
        ("i2", C::SmallInt { unsigned: false }, "int2"),
        ("i8", C::BigInt { unsigned: false }, "int8"),
        ("u8", C::BigInt { unsigned: true }, "numeric"),
        ("f4", C::Float, "float4"),
        ("f8", C::Double, "float8"),
        (
            "num",
            C::Decimal {
                precision: None,
                scale: None,
            },
            "numeric",
        ),
        ("mo", C::Money, "money"),
        ("d", C::Date, "date"),
        ("t", C::Time { precision: None }, "time"),
        ("ttz", C::TimeTz { precision: None }, "timetz"),
        ("ts", C::DateTime { precision: None }, "timestamp"),
        ("tstz", C::Timestamp { precision: None }, "timestamptz"),
        ("iv", C::Interval, "interval"),
        (
            "tx",
            C::Text {
                max_bytes: None,
                charset: None,
            },
            "text",
        ),
        (
            "vc",
            C::VarChar {
                length: Some(50),
                charset: None,
            },
            "varchar(50)",
        ),
        (
            "bp",
            C::Char {
                length: Some(5),
                charset: None,
            },
            "char(5)",
        ),
        ("by", C::Blob { max_bytes: None }, "bytea"),
        ("u", C::Uuid, "uuid"),
        ("js", C::Json, "json"),
        ("jb", C::Jsonb, "jsonb"),
        ("ip", C::Inet, "inet"),
        ("cd", C::Cidr, "cidr"),
        ("mac", C::MacAddr, "macaddr"),
        ("mac8", C::MacAddr8, "macaddr8"),
        (
            "bt",
            C::Bit {
                length: Some(9),
                varying: false,
            },
            "bit(9)",
        ),
        (
            "vb",
            C::Bit {
                length: None,
                varying: true,
            },
            "varbit",
        ),
        (
            "e",
            C::Enum {
                name: Some("mood".into()),
                labels: vec!["sad".into(), "happy".into()],
            },
            "mood",
        ),
        (
            "ia",
            C::Array {
                element: Box::new(C::Int { unsigned: false }),
            },
            "int4[]",
        ),
        (
            "ta",
            C::Array {
                element: Box::new(C::Text {
                    max_bytes: None,
                    charset: None,
                }),
            },
            "text[]",
        ),
        (
            "na",
            C::Array {
                element: Box::new(C::Decimal {
                    precision: None,
                    scale: None,
                }),
            },
            "numeric[]",
        ),
        ("vec", C::Vector { dimensions: 3 }, "real[]"),
        (
            "geo",
            C::Geometry {
                kind: GeometryKind::Point,
                srid: None,
            },
            "bytea",
        ),
        ("yr", C::Year, "int2"),
        (
            "st",
            C::Set {
                labels: vec!["a".into(), "b".into(), "c".into()],
            },
            "text",
        ),
        (
            "l1",
            C::VarChar {
                length: Some(20),
                charset: Some(Charset::Latin1),
            },
            "text",
        ),
        // MySQL TIME (a signed duration) into interval, chosen by the caller.
        ("mt", C::Time { precision: Some(6) }, "interval"),
    ]
}

/// Rows as (value, PostgreSQL literal) per column.
fn rows() -> Vec<Vec<(Value, &'static str)>> {
    let point_le =
        b"\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40";
    let r1 = vec![
        (Value::Int(1), "1"),
        (Value::Bool(true), "true"),
        (Value::Int(-32768), "-32768"),
        (Value::Int(i64::MAX), "9223372036854775807"),
        (Value::UInt(u64::MAX), "18446744073709551615"),
        (Value::Float(3.402_823_5e38), "3.4028235e38"),
        (Value::Double(1e-310), "1e-310"),
        (
            dec("-12345678901234567890.000000000000000000012345"),
            "-12345678901234567890.000000000000000000012345",
        ),
        (Value::Money(-12345), "-123.45"),
        (Value::Date(Date::new(-44, 3, 15)), "0045-03-15 BC"),
        (Value::Time("24:00:00".parse().unwrap()), "24:00:00"),
        (
            Value::TimeTz("12:34:56.789+05:30".parse().unwrap()),
            "12:34:56.789+05:30",
        ),
        (
            Value::DateTime("1900-01-01 00:00:00.000001".parse().unwrap()),
            "1900-01-01 00:00:00.000001",
        ),
        (
            Value::Timestamp(Timestamp::from_unix_micros(1_700_000_000_123_456)),
            "2023-11-14 22:13:20.123456+00",
        ),
        (
            Value::Interval(Interval {
                months: 14,
                days: -3,
                micros: -3_723_000_004,
            }),
            "1 year 2 mons -3 days -01:02:03.000004",
        ),
        (
            Value::text("é🐘 \"q\" \\ back\ttab\nline 'x'"),
            "é🐘 \"q\" \\ back\ttab\nline 'x'",
        ),
        (Value::text("varchar ✓"), "varchar ✓"),
        (Value::text("ab"), "ab"),
        (
            Value::Bytes(Bytes::from_static(b"\x00\x01\x02\xff'")),
            "\\x000102ff27",
        ),
        (
            Value::Uuid(Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap()),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ),
        (
            Value::Json("{\"b\": [1, 2.50, null],  \"a\": \"x\"}".into()),
            "{\"b\": [1, 2.50, null],  \"a\": \"x\"}",
        ),
        (
            Value::Json("{\"b\": [1, 2.50], \"a\": {\"c\": \"é\"}}".into()),
            "{\"b\": [1, 2.50], \"a\": {\"c\": \"é\"}}",
        ),
        (
            Value::Inet(Inet {
                addr: "192.168.1.5".parse().unwrap(),
                prefix: 24,
                cidr: false,
            }),
            "192.168.1.5/24",
        ),
        (
            Value::Inet(Inet {
                addr: "10.0.0.0".parse().unwrap(),
                prefix: 8,
                cidr: true,
            }),
            "10.0.0.0/8",
        ),
        (
            Value::MacAddr(Bytes::from_static(&[8, 0, 0x2b, 1, 2, 3])),
            "08:00:2b:01:02:03",
        ),
        (
            Value::MacAddr(Bytes::from_static(&[8, 0, 0x2b, 1, 2, 3, 4, 5])),
            "08:00:2b:01:02:03:04:05",
        ),
        (
            Value::Bit(BitString::from_u64(0b1_0101_0101, 9)),
            "101010101",
        ),
        (Value::Bit(BitString::from_u64(0b101, 3)), "101"),
        (
            Value::Enum(EnumValue {
                index: Some(2),
                label: Some("happy".into()),
            }),
            "happy",
        ),
        (
            arr(
                &[(2, 1), (2, 1)],
                vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Null],
            ),
            "{{1,2},{3,NULL}}",
        ),
        (
            arr(
                &[(3, 0)],
                vec![Value::text("a"), Value::Null, Value::text("b,\"c")],
            ),
            "[0:2]={a,NULL,\"b,\\\"c\"}",
        ),
        (
            arr(&[(2, 1)], vec![dec("1.50"), Value::Decimal(Decimal::NAN)]),
            "{1.50,NaN}",
        ),
        (Value::Vector(vec![1.5, -0.25, 3e-5]), "{1.5,-0.25,3e-05}"),
        (
            Value::Geometry(Geometry {
                srid: 4326,
                wkb: Bytes::from_static(point_le),
            }),
            "\\x0101000020e6100000000000000000f03f0000000000000040",
        ),
        (Value::Year(2155), "2155"),
        (
            Value::Set(SetValue {
                bits: 0b101,
                labels: Some(vec!["a".into(), "c".into()]),
            }),
            "a,c",
        ),
        (
            Value::Text(Text::new(
                Bytes::from_static(b"caf\xe9 \x80"),
                Charset::Latin1,
            )),
            "café €",
        ),
        (
            Value::Time("-838:59:59.000001".parse().unwrap()),
            "-838:59:59.000001",
        ),
    ];
    let r2 = vec![
        (Value::Int(2), "2"),
        (Value::Bool(false), "false"),
        (Value::Int(32767), "32767"),
        (Value::Int(i64::MIN), "-9223372036854775808"),
        (Value::UInt(0), "0"),
        (Value::Float(f32::NAN), "NaN"),
        (Value::Double(f64::NEG_INFINITY), "-Infinity"),
        (dec("0.000"), "0.000"),
        (Value::Money(i64::MIN), "-92233720368547758.08"),
        (Value::Date(Date::INFINITY), "infinity"),
        (Value::Time("00:00:00".parse().unwrap()), "00:00:00"),
        (
            Value::TimeTz("23:59:59.999999-08".parse().unwrap()),
            "23:59:59.999999-08",
        ),
        (Value::DateTime(DateTime::NEG_INFINITY), "-infinity"),
        (Value::Timestamp(Timestamp::INFINITY), "infinity"),
        (Value::Interval(Interval::default()), "00:00:00"),
        (Value::text(""), ""),
        (Value::text("x"), "x"),
        (Value::text(""), ""),
        (Value::Bytes(Bytes::new()), "\\x"),
        (
            Value::Uuid(Uuid::default()),
            "00000000-0000-0000-0000-000000000000",
        ),
        (Value::Json("[]".into()), "[]"),
        (Value::Json("null".into()), "null"),
        (
            Value::Inet(Inet {
                addr: "::1".parse().unwrap(),
                prefix: 128,
                cidr: false,
            }),
            "::1",
        ),
        (
            Value::Inet(Inet {
                addr: "2001:db8::".parse().unwrap(),
                prefix: 32,
                cidr: true,
            }),
            "2001:db8::/32",
        ),
        (
            Value::MacAddr(Bytes::from_static(&[0xff; 6])),
            "ff:ff:ff:ff:ff:ff",
        ),
        (
            Value::MacAddr(Bytes::from_static(&[0; 8])),
            "00:00:00:00:00:00:00:00",
        ),
        (Value::Bit(BitString::from_u64(0, 9)), "000000000"),
        (
            Value::Bit(BitString {
                len: 0,
                bytes: Bytes::new(),
            }),
            "",
        ),
        (
            Value::Enum(EnumValue {
                index: None,
                label: Some("sad".into()),
            }),
            "sad",
        ),
        (arr(&[], vec![]), "{}"),
        (arr(&[(1, 1)], vec![Value::text("NULL")]), "{\"NULL\"}"),
        (
            arr(&[(1, 1)], vec![Value::Decimal(Decimal::NEG_INFINITY)]),
            "{-Infinity}",
        ),
        (Value::Vector(vec![]), "{}"),
        (
            Value::Geometry(Geometry {
                srid: 0,
                wkb: Bytes::from_static(point_le),
            }),
            "\\x0101000000000000000000f03f0000000000000040",
        ),
        (Value::Year(0), "0"),
        (
            Value::Set(SetValue {
                bits: 0,
                labels: Some(vec![]),
            }),
            "",
        ),
        (Value::Text(Text::new(Bytes::new(), Charset::Latin1)), ""),
        (Value::Time("00:00:00".parse().unwrap()), "00:00:00"),
    ];
    let n = r1.len();
    let mut nulls = vec![(Value::Int(3), "3")];
    nulls.extend((1..n).map(|_| (Value::Null, "NULL")));
    // MySQL zero dates become NULL (the default policy).
    let mut zeros = vec![(Value::Int(4), "4")];
    zeros.extend((1..n).map(|_| (Value::Null, "NULL")));
    zeros[9] = (Value::Date(Date::ZERO), "NULL");
    zeros[12] = (
        Value::DateTime("2024-00-10 10:00:00".parse().unwrap()),
        "NULL",
    );
    zeros[13] = (Value::Timestamp(Timestamp::ZERO), "NULL");
    vec![r1, r2, nulls, zeros]
}

fn schema() -> Arc<TableSchema> {
    let mut t = TableSchema::new(
        TableId::new("public", "src"),
        columns()
            .into_iter()
            .map(|(n, ty, _)| Column::new(n, ty))
            .collect(),
    );
    t.primary_key = Some(Index::new(None, &["id"], true));
    Arc::new(t)
}

fn literal(l: &str) -> String {
    if l == "NULL" {
        "NULL".into()
    } else {
        format!("$lit${l}$lit$")
    }
}

#[test]
fn binary_copy_of_every_value_kind_equals_postgres_text_input() {
    let db = Postgres::from_env().fresh_database("enc_pg_copy");
    let cols = columns();
    let ddl: Vec<String> = cols
        .iter()
        .map(|(n, _, t)| format!("\"{n}\" {t}"))
        .collect();
    db.exec(&format!(
        "CREATE TYPE mood AS ENUM ('sad', 'happy'); \
         CREATE TABLE got ({}); CREATE TABLE want (LIKE got)",
        ddl.join(", ")
    ));
    let rows = rows();
    for r in &rows {
        assert_eq!(r.len(), cols.len());
        let lits: Vec<String> = r
            .iter()
            .zip(&cols)
            .map(|((_, l), (_, _, t))| {
                let ty = t.split(' ').next().unwrap();
                format!("{}::{ty}", literal(l))
            })
            .collect();
        db.exec(&format!("INSERT INTO want VALUES ({})", lits.join(", ")));
    }

    let schema = schema();
    let mut table = PgTable::for_schema(&schema).renamed("public", "got");
    assert!(table.set_type(cols.len() - 1, PgType::Interval));
    let copy = BinaryCopy::new(&table, PgOptions::default());
    let mut data = BytesMut::new();
    copy.header(&mut data);
    for r in &rows {
        let image = RowImage::new(r.iter().map(|(v, _)| v.clone()).collect());
        copy.row(&image, &mut data).unwrap();
    }
    copy.trailer(&mut data);
    run(60, async {
        let mut conn = connect(&db).await;
        let mut sink = conn
            .copy_in(&table.copy_statement().unwrap())
            .await
            .unwrap();
        // Uneven chunks: tuples span CopyData messages.
        for chunk in data.chunks(97) {
            sink.send(chunk).await.unwrap();
        }
        assert_eq!(sink.finish().await.unwrap(), rows.len() as u64);
    });

    let names: Vec<String> = cols
        .iter()
        .map(|(n, _, _)| format!("\"{n}\"::text"))
        .collect();
    let select = |t: &str| db.query(&format!("SELECT {} FROM {t} ORDER BY id", names.join(", ")));
    let (got, want) = (select("got"), select("want"));
    assert_eq!(got.len(), rows.len());
    for (g, w) in got.iter().zip(&want) {
        for ((gv, wv), (name, _, _)) in g.iter().zip(w).zip(&cols) {
            assert_eq!(gv, wv, "column {name} of row {:?}", g[0]);
        }
    }
    // And PostgreSQL agrees the rows are equal as values, not only as text.
    assert_eq!(
        db.query("SELECT count(*) FROM got g JOIN want w ON g.id = w.id AND g::text = w::text"),
        vec![vec![Some(rows.len().to_string())]]
    );
}

#[test]
fn copy_refuses_values_the_target_cannot_hold_and_leaves_the_buffer_whole() {
    let schema = schema();
    let table = PgTable::for_schema(&schema);
    let strict = PgOptions {
        zero_dates: ZeroDates::Error,
        ..PgOptions::default()
    };
    let copy = BinaryCopy::new(&table, strict);
    let mut row: Vec<Value> = rows()[2].iter().map(|(v, _)| v.clone()).collect();
    let mut out = BytesMut::new();
    copy.header(&mut out);
    let cases: Vec<(usize, Value, &str)> = vec![
        (2, Value::Int(40_000), "i2"),
        (9, Value::Date(Date::ZERO), "d"),
        (10, Value::Time("-00:00:01".parse().unwrap()), "t"),
        (15, Value::text("nul\0byte"), "tx"),
        (
            15,
            Value::Text(Text::new(
                Bytes::from_static(b"\x81"),
                Charset::Other("gbk".into()),
            )),
            "tx",
        ),
        (3, Value::Unchanged, "i8"),
        (
            28,
            Value::Enum(EnumValue {
                index: Some(1),
                label: None,
            }),
            "e",
        ),
        (19, Value::text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "u"),
    ];
    for (col, v, name) in cases {
        let saved = std::mem::replace(&mut row[col], v);
        let e = copy.row(&RowImage::new(row.clone()), &mut out).unwrap_err();
        assert_eq!(e.column.as_deref(), Some(name), "{e}");
        assert_eq!(out.len(), 19, "a failed row appends nothing");
        row[col] = saved;
    }
    copy.row(&RowImage::new(row), &mut out).unwrap();
}
