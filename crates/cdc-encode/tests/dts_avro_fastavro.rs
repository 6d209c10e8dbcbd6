//! DTS Avro records decoded by an independent reader: Python's `fastavro.schemaless_reader`
//! with the published schema. Every field of every record is compared with what the source
//! events say, for a value of every MySQL type class and every record kind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use bytes::Bytes;
use cdc_encode::dts_avro::{DTS_RECORD_SCHEMA, DtsAvroEncoder, DtsAvroOptions};
use cdc_model::*;
use serde_json::{Value as J, json};

const READER: &str = r#"
import fastavro, io, json, sys
named = {}
parsed = None
for s in json.loads(open(sys.argv[1]).read()):
    parsed = fastavro.parse_schema(s, named_schemas=named)
data = sys.stdin.buffer.read()
buf = io.BytesIO(data)
def plain(v):
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, tuple):
        return [v[0], plain(v[1])]
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v
out = []
while buf.tell() < len(data):
    out.append(plain(fastavro.schemaless_reader(buf, parsed, return_named_type=True)))
print(json.dumps(out))
"#;

fn col(name: &str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

fn table() -> Arc<TableSchema> {
    let mut t = TableSchema::new(
        TableId::new("shop", "every_type"),
        vec![
            col("id", ColumnType::Int { unsigned: false }).not_null(),
            col("ti", ColumnType::TinyInt { unsigned: false }),
            col("tu", ColumnType::TinyInt { unsigned: true }),
            col("si", ColumnType::SmallInt { unsigned: false }),
            col("mi", ColumnType::MediumInt { unsigned: true }),
            col("bi", ColumnType::BigInt { unsigned: false }),
            col("bu", ColumnType::BigInt { unsigned: true }),
            col(
                "b10",
                ColumnType::Bit {
                    length: Some(10),
                    varying: false,
                },
            ),
            col("f", ColumnType::Float),
            col("d", ColumnType::Double),
            col(
                "dec",
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
            col("y", ColumnType::Year),
            col("dt", ColumnType::Date),
            col("tm", ColumnType::Time { precision: Some(3) }),
            col("dtt", ColumnType::DateTime { precision: Some(6) }),
            col("ts", ColumnType::Timestamp { precision: Some(6) }),
            col(
                "c",
                ColumnType::Char {
                    length: Some(4),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
            col(
                "vc",
                ColumnType::VarChar {
                    length: Some(20),
                    charset: Some(Charset::Latin1),
                },
            ),
            col("bin", ColumnType::Binary { length: 4 }),
            col("vb", ColumnType::VarBinary { length: 8 }),
            col(
                "tx",
                ColumnType::Text {
                    max_bytes: Some(65_535),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
            col(
                "bl",
                ColumnType::Blob {
                    max_bytes: Some(16_777_215),
                },
            ),
            col(
                "e",
                ColumnType::Enum {
                    name: None,
                    labels: vec!["red".into(), "white".into()],
                },
            ),
            col(
                "s",
                ColumnType::Set {
                    labels: vec!["a".into(), "b".into(), "c".into()],
                },
            ),
            col("j", ColumnType::Json),
            col(
                "g",
                ColumnType::Geometry {
                    kind: GeometryKind::Point,
                    srid: None,
                },
            ),
            col("n", ColumnType::Int { unsigned: false }),
        ],
    );
    t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    t.unique_keys = vec![Index::new(Some("uk_c"), &["c", "vc"], true)];
    Arc::new(t)
}

fn point_wkb(x: f64, y: f64) -> Vec<u8> {
    let mut w = vec![1u8, 1, 0, 0, 0];
    w.extend_from_slice(&x.to_le_bytes());
    w.extend_from_slice(&y.to_le_bytes());
    w
}

fn row(id: i64, dec: &str, tm: &str, n: Value) -> RowImage {
    RowImage::new(vec![
        Value::Int(id),
        Value::Int(-128),
        Value::UInt(255),
        Value::Int(-32768),
        Value::UInt(16_777_215),
        Value::Int(i64::MIN),
        Value::UInt(u64::MAX),
        Value::Bit(BitString::from_u64(0b10_0000_0001, 10)),
        Value::Float(5.3),
        Value::Double(-2.5e-300),
        Value::Decimal(dec.parse().unwrap()),
        Value::Year(2155),
        Value::Date(Date::ZERO),
        Value::Time(tm.parse().unwrap()),
        Value::DateTime("2024-02-29 23:59:59.000123".parse().unwrap()),
        Value::Timestamp(Timestamp::from_unix_micros(1_700_000_000_123_456)),
        Value::text("héé"),
        Value::Text(Text::new(Bytes::from_static(b"caf\xe9"), Charset::Latin1)),
        Value::Bytes(Bytes::from_static(b"\x00\x01\xfe\xff")),
        Value::Bytes(Bytes::from_static(b"")),
        Value::text("long text 🐘"),
        Value::Bytes(Bytes::from_static(b"\x89PNG")),
        Value::Enum(EnumValue {
            index: Some(2),
            label: Some("white".into()),
        }),
        Value::Set(SetValue {
            bits: 0b101,
            labels: Some(vec!["a".into(), "c".into()]),
        }),
        Value::Json(r#"{"k": [1, 2]}"#.into()),
        Value::Geometry(Geometry {
            srid: 4326,
            wkb: Bytes::from(point_wkb(1.0, 2.0)),
        }),
        n,
    ])
}

fn hex(b: &[u8]) -> J {
    json!({"$bytes": b.iter().map(|x| format!("{x:02x}")).collect::<String>()})
}

fn ns(name: &str) -> String {
    format!("com.alibaba.dts.formats.avro.{name}")
}

fn nullable(v: Option<i64>) -> J {
    v.map_or(J::Null, |v| json!(v))
}

/// What fastavro must read for `row(id, dec, tm, n)`, written out by hand.
fn expected_image(id: i64, dec: &str, tm: [Option<i64>; 4], n: J) -> J {
    let int = |p: i64, v: &str| json!([ns("Integer"), {"precision": p, "value": v}]);
    let mut geo = 4326u32.to_le_bytes().to_vec();
    geo.extend(point_wkb(1.0, 2.0));
    json!([
        int(10, &id.to_string()),
        int(3, "-128"),
        int(3, "255"),
        int(5, "-32768"),
        int(8, "16777215"),
        int(19, "-9223372036854775808"),
        int(20, "18446744073709551615"),
        int(10, "513"),
        [ns("Float"), {"value": f64::from(5.3f32), "precision": 12, "scale": 31}],
        [ns("Float"), {"value": -2.5e-300, "precision": 22, "scale": 31}],
        [ns("Decimal"), {"value": dec, "precision": 10, "scale": 2}],
        [ns("DateTime"), {"year": 2155, "month": null, "day": null, "hour": null, "minute": null, "second": null, "millis": null}],
        [ns("DateTime"), {"year": 0, "month": 0, "day": 0, "hour": null, "minute": null, "second": null, "millis": null}],
        [ns("DateTime"), {"year": null, "month": null, "day": null, "hour": nullable(tm[0]), "minute": nullable(tm[1]), "second": nullable(tm[2]), "millis": nullable(tm[3])}],
        [ns("DateTime"), {"year": 2024, "month": 2, "day": 29, "hour": 23, "minute": 59, "second": 59, "millis": 123}],
        [ns("Timestamp"), {"timestamp": 1_700_000_000i64, "millis": 123_456}],
        [ns("Character"), {"charset": "utf8mb4", "value": hex("héé".as_bytes())}],
        [ns("Character"), {"charset": "latin1", "value": hex(b"caf\xe9")}],
        [ns("Character"), {"charset": "binary", "value": hex(b"\x00\x01\xfe\xff")}],
        [ns("Character"), {"charset": "binary", "value": hex(b"")}],
        [ns("BinaryObject"), {"type": "TEXT", "value": hex("long text 🐘".as_bytes())}],
        [ns("BinaryObject"), {"type": "MEDIUMBLOB", "value": hex(b"\x89PNG")}],
        [ns("TextObject"), {"type": "ENUM", "value": "white"}],
        [ns("TextObject"), {"type": "SET", "value": "a,c"}],
        [ns("TextObject"), {"type": "JSON", "value": r#"{"k": [1, 2]}"#}],
        [ns("BinaryGeometry"), {"type": "POINT", "value": hex(&geo)}],
        n,
    ])
}

fn fields_json(t: &TableSchema) -> J {
    // MySQL binlog type codes, by hand.
    let codes = [
        3, 1, 1, 2, 9, 8, 8, 16, 4, 5, 246, 13, 10, 19, 18, 17, 254, 15, 254, 15, 252, 252, 247,
        248, 245, 255, 3,
    ];
    assert_eq!(codes.len(), t.columns.len());
    J::Array(
        t.columns
            .iter()
            .zip(codes)
            .map(|(c, code)| json!({"name": c.name, "dataTypeNumber": code}))
            .collect(),
    )
}

struct Case {
    event: ChangeEvent,
    expected: J,
}

#[test]
fn fastavro_reads_every_record_kind_and_value_class() {
    let t = table();
    let gtid: MariaGtid = "0-1-42".parse().unwrap();
    let txn = |ordinal| {
        Some(TxnMeta {
            id: TxnId::MariadbGtid(gtid),
            ordinal,
        })
    };
    let commit = Some(Timestamp::from_unix_parts(1_700_000_123, 456_789));
    let pos = |off: u64| SourcePosition::Binlog(BinlogPosition::new("mysql-bin.000007", off));
    let ev = |off, ordinal, change| ChangeEvent {
        position: pos(off),
        txn: txn(ordinal),
        commit_time: commit,
        change,
    };
    let pk_uk = r#"{"PRIMARY":["id"],"uk_c":["c","vc"]}"#;
    let base = |id: i64, off: u64, op: &str| {
        json!({
            "version": 3,
            "id": id,
            "sourceTimestamp": 1_700_000_123i64,
            "sourcePosition": format!("mysql-bin.000007:{off}"),
            "safeSourcePosition": "mysql-bin.000007:100",
            "sourceTxid": "0-1-42",
            "source": {"sourceType": "MySQL", "version": "10.11.6-MariaDB"},
            "operation": op,
            "objectName": null,
            "processTimestamps": null,
            "tags": {},
            "fields": null,
            "beforeImages": null,
            "afterImages": null,
            "bornTimestamp": 1_700_000_123_456i64,
        })
    };
    let with = |mut b: J, pairs: Vec<(&str, J)>| {
        for (k, v) in pairs {
            b[k] = v;
        }
        b
    };
    let row_fields = |b: J| {
        with(
            b,
            vec![
                ("objectName", json!("shop.every_type")),
                ("tags", json!({"pk_uk_info": pk_uk})),
                ("fields", fields_json(&t)),
            ],
        )
    };
    let empty_none = json!([ns("EmptyObject"), "NONE"]);
    let mut unchanged_after = row(2, "0.05", "-00:00:01.5", Value::Int(9));
    unchanged_after.values[20] = Value::Unchanged;
    let mut unchanged_expected = expected_image(
        2,
        "0.05",
        [Some(0), Some(0), Some(-1), Some(500_000)],
        json!([ns("Integer"), {"precision": 10, "value": "9"}]),
    );
    unchanged_expected[20] = empty_none.clone();

    let cases = vec![
        Case {
            event: ev(100, 0, Change::Begin),
            expected: base(500, 100, "BEGIN"),
        },
        Case {
            event: ev(
                200,
                1,
                Change::Insert {
                    table: t.clone(),
                    after: row(1, "-12345678.90", "838:59:59.999", Value::Null),
                },
            ),
            expected: with(
                row_fields(base(501, 200, "INSERT")),
                vec![(
                    "afterImages",
                    expected_image(
                        1,
                        "-12345678.90",
                        [Some(838), Some(59), Some(59), Some(999_000)],
                        J::Null,
                    ),
                )],
            ),
        },
        Case {
            event: ev(
                300,
                2,
                Change::Update {
                    table: t.clone(),
                    before: Some(row(1, "-12345678.90", "838:59:59.999", Value::Null)),
                    after: unchanged_after.clone(),
                },
            ),
            expected: with(
                row_fields(base(502, 300, "UPDATE")),
                vec![
                    (
                        "beforeImages",
                        expected_image(
                            1,
                            "-12345678.90",
                            [Some(838), Some(59), Some(59), Some(999_000)],
                            J::Null,
                        ),
                    ),
                    ("afterImages", unchanged_expected.clone()),
                ],
            ),
        },
        Case {
            event: ev(
                400,
                3,
                Change::Update {
                    table: t.clone(),
                    before: None,
                    after: unchanged_after.clone(),
                },
            ),
            expected: with(
                row_fields(base(503, 400, "UPDATE")),
                vec![("afterImages", unchanged_expected.clone())],
            ),
        },
        Case {
            event: ev(
                500,
                4,
                Change::Delete {
                    table: t.clone(),
                    before: unchanged_after.clone(),
                },
            ),
            expected: with(
                row_fields(base(504, 500, "DELETE")),
                vec![("beforeImages", unchanged_expected.clone())],
            ),
        },
        Case {
            event: ev(
                600,
                5,
                Change::Truncate {
                    tables: vec![TableId::new("shop", "every_type")],
                    cascade: false,
                    restart_identity: false,
                },
            ),
            expected: with(
                base(505, 600, "DDL"),
                vec![
                    ("objectName", json!("shop.every_type")),
                    ("afterImages", json!("TRUNCATE TABLE `shop`.`every_type`")),
                ],
            ),
        },
        Case {
            event: ev(700, 6, Change::Commit),
            expected: base(506, 700, "COMMIT"),
        },
        Case {
            event: ChangeEvent {
                position: pos(800),
                txn: None,
                commit_time: None,
                change: Change::Ddl(Ddl {
                    schema: Some("shop".into()),
                    statement: "ALTER TABLE every_type ADD COLUMN z INT".into(),
                }),
            },
            expected: with(
                base(507, 800, "DDL"),
                vec![
                    ("safeSourcePosition", json!("mysql-bin.000007:800")),
                    ("sourceTxid", json!("")),
                    ("sourceTimestamp", json!(0)),
                    ("bornTimestamp", json!(0)),
                    ("objectName", json!("shop")),
                    (
                        "afterImages",
                        json!("ALTER TABLE every_type ADD COLUMN z INT"),
                    ),
                ],
            ),
        },
        Case {
            event: ChangeEvent {
                position: pos(900),
                txn: None,
                commit_time: None,
                change: Change::Heartbeat,
            },
            expected: with(
                base(508, 900, "HEARTBEAT"),
                vec![
                    ("safeSourcePosition", json!("mysql-bin.000007:900")),
                    ("sourceTxid", json!("")),
                    ("sourceTimestamp", json!(0)),
                    ("bornTimestamp", json!(0)),
                ],
            ),
        },
    ];

    let mut enc = DtsAvroEncoder::new(DtsAvroOptions {
        version: 3,
        first_id: 500,
        source_type: None,
        source_version: "10.11.6-MariaDB".into(),
    });
    let mut stream = Vec::new();
    for c in &cases {
        enc.encode_into(&c.event, &mut stream).unwrap();
    }
    let dir = env!("CARGO_TARGET_TMPDIR");
    let schema_path = std::path::Path::new(&dir).join("dts_record.avsc");
    std::fs::write(&schema_path, DTS_RECORD_SCHEMA).unwrap();
    let out = support::run_python(READER, &[schema_path.to_str().unwrap()], &stream);
    let decoded: Vec<J> = serde_json::from_str(&out).unwrap();
    assert_eq!(decoded.len(), cases.len(), "records read back");
    for (i, (got, c)) in decoded.iter().zip(&cases).enumerate() {
        let exp = &c.expected;
        let (g, e) = (got.as_object().unwrap(), exp.as_object().unwrap());
        assert_eq!(
            g.keys().collect::<Vec<_>>(),
            e.keys().collect::<Vec<_>>(),
            "record {i}: field set"
        );
        for (k, ev) in e {
            if let (Some(ga), Some(ea)) = (g[k].as_array(), ev.as_array())
                && ga.len() == ea.len()
                && ga.len() > 2
            {
                for (j, (gv, evv)) in ga.iter().zip(ea).enumerate() {
                    assert_eq!(
                        gv,
                        evv,
                        "record {i} ({:?}) field {k}[{j}]",
                        c.event.change.operation()
                    );
                }
            }
            assert_eq!(
                &g[k],
                ev,
                "record {i} ({:?}) field {k}",
                c.event.change.operation()
            );
        }
    }
}

#[test]
fn postgres_positions_default_to_postgresql_source_and_infinity_is_an_error() {
    let t = Arc::new(TableSchema::new(
        TableId::new("public", "t"),
        vec![Column::new("at", ColumnType::Timestamp { precision: None })],
    ));
    let event = ChangeEvent {
        position: "16/B374D848".parse().unwrap(),
        txn: Some(TxnMeta {
            id: TxnId::Xid(777),
            ordinal: 1,
        }),
        commit_time: None,
        change: Change::Insert {
            table: t.clone(),
            after: RowImage::new(vec![Value::Timestamp(Timestamp::from_unix_micros(-1))]),
        },
    };
    let mut enc = DtsAvroEncoder::new(DtsAvroOptions::default());
    let mut buf = Vec::new();
    enc.encode_into(&event, &mut buf).unwrap();
    let dir = env!("CARGO_TARGET_TMPDIR");
    let schema_path = std::path::Path::new(&dir).join("dts_record_pg.avsc");
    std::fs::write(&schema_path, DTS_RECORD_SCHEMA).unwrap();
    let out = support::run_python(READER, &[schema_path.to_str().unwrap()], &buf);
    let decoded: Vec<J> = serde_json::from_str(&out).unwrap();
    assert_eq!(decoded[0]["source"]["sourceType"], "PostgreSQL");
    assert_eq!(decoded[0]["sourceTxid"], "777");
    assert_eq!(decoded[0]["sourcePosition"], "16/B374D848");
    // One microsecond before the epoch: seconds floor to -1, the fraction stays positive.
    assert_eq!(
        decoded[0]["afterImages"][0],
        json!([ns("Timestamp"), {"timestamp": -1, "millis": 999_999}])
    );

    let inf = ChangeEvent {
        change: Change::Insert {
            table: t,
            after: RowImage::new(vec![Value::Timestamp(Timestamp::INFINITY)]),
        },
        ..event
    };
    let before = buf.len();
    let err = enc.encode_into(&inf, &mut buf).unwrap_err();
    assert!(err.to_string().contains("public.t.at"), "{err}");
    assert_eq!(buf.len(), before, "nothing written on error");
}

#[test]
fn bundled_schema_is_the_published_one() {
    let shared = support::workspace().join("../shared/formats/dts_record.avsc");
    if let Ok(published) = std::fs::read_to_string(&shared) {
        assert_eq!(published, DTS_RECORD_SCHEMA);
    }
}
