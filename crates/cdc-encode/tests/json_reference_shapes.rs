//! Canal JSON and Debezium JSON compared field by field with the messages Flink CDC emitted
//! for the inventory database (`../shared/formats/examples/`).
//!
//! Each reference line is turned into the change event it describes (typed with the inventory
//! schema), encoded, and every field of the reference is checked in our output. Where our
//! format deliberately differs from Flink's simplified dialect the test checks the documented
//! rule instead:
//! - Canal values are strings (Flink writes JSON numbers): compared by parsed value;
//! - Canal `old` holds only changed columns (Flink repeats all): every column we leave out
//!   must be unchanged;
//! - geometry: Flink writes GeoJSON-like text; Canal carries MySQL's SRID + WKB as ISO-8859-1
//!   text and Debezium a `{wkb, srid}` struct — both are decoded and their point and SRID
//!   compared.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use bytes::Bytes;
use cdc_encode::canal::CanalEncoder;
use cdc_encode::common::MessageKind;
use cdc_encode::debezium::{DebeziumEncoder, DebeziumOptions};
use cdc_model::*;
use serde_json::{Value as J, json};

const DB: &str = "$databaseName";

fn examples(name: &str) -> Vec<J> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/formats/examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared folder beside the checkout)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn products(with_new_col: bool) -> Arc<TableSchema> {
    let mut name = Column::new(
        "name",
        ColumnType::VarChar {
            length: Some(255),
            charset: Some(Charset::Utf8mb4),
        },
    )
    .not_null();
    name.default = Some(ColumnDefault::Literal("flink".into()));
    let mut enum_c = Column::new(
        "enum_c",
        ColumnType::Enum {
            name: None,
            labels: vec!["red".into(), "white".into()],
        },
    );
    enum_c.default = Some(ColumnDefault::Literal("red".into()));
    let mut id = Column::new("id", ColumnType::Int { unsigned: false }).not_null();
    id.auto_increment = true;
    let mut cols = vec![
        id,
        name,
        Column::new(
            "description",
            ColumnType::VarChar {
                length: Some(512),
                charset: Some(Charset::Utf8mb4),
            },
        ),
        Column::new("weight", ColumnType::Float),
        enum_c,
        Column::new("json_c", ColumnType::Json),
        Column::new(
            "point_c",
            ColumnType::Geometry {
                kind: GeometryKind::Point,
                srid: None,
            },
        ),
    ];
    if with_new_col {
        cols.push(Column::new("new_col", ColumnType::Int { unsigned: false }));
    }
    let mut t = TableSchema::new(TableId::new(DB, "products"), cols);
    t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    Arc::new(t)
}

fn customers() -> Arc<TableSchema> {
    let vc = |n| ColumnType::VarChar {
        length: Some(n),
        charset: Some(Charset::Utf8mb4),
    };
    let mut name = Column::new("name", vc(255)).not_null();
    name.default = Some(ColumnDefault::Literal("flink".into()));
    let mut t = TableSchema::new(
        TableId::new(DB, "customers"),
        vec![
            Column::new("id", ColumnType::Int { unsigned: false }).not_null(),
            name,
            Column::new("address", vc(1024)),
            Column::new("phone_number", vc(512)),
        ],
    );
    t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    Arc::new(t)
}

fn table_for(name: &str, row: &J) -> Arc<TableSchema> {
    match name {
        "customers" => customers(),
        "products" => products(row.get("new_col").is_some()),
        other => panic!("unknown table {other}"),
    }
}

fn point_wkb(x: f64, y: f64) -> Vec<u8> {
    let mut w = vec![1u8, 1, 0, 0, 0];
    w.extend_from_slice(&x.to_le_bytes());
    w.extend_from_slice(&y.to_le_bytes());
    w
}

/// Flink's `{"coordinates":[x,y],"type":"Point","srid":s}` as (x, y, srid).
fn geojson_point(s: &str) -> (f64, f64, u32) {
    let g: J = serde_json::from_str(s).unwrap();
    assert_eq!(g["type"], "Point");
    (
        g["coordinates"][0].as_f64().unwrap(),
        g["coordinates"][1].as_f64().unwrap(),
        u32::try_from(g["srid"].as_u64().unwrap()).unwrap(),
    )
}

/// A model value from a reference JSON value in column `c`.
fn value(c: &Column, v: &J) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    match &c.ty {
        ColumnType::Int { .. } => Value::Int(v.as_i64().unwrap()),
        ColumnType::Float => Value::Float(v.as_f64().unwrap() as f32),
        ColumnType::VarChar { .. } => Value::text(v.as_str().unwrap()),
        ColumnType::Enum { labels, .. } => {
            let l = v.as_str().unwrap();
            Value::Enum(EnumValue {
                index: labels.iter().position(|x| x == l).map(|i| i as u16 + 1),
                label: Some(l.into()),
            })
        }
        ColumnType::Json => Value::Json(v.as_str().unwrap().into()),
        ColumnType::Geometry { .. } => {
            let (x, y, srid) = geojson_point(v.as_str().unwrap());
            Value::Geometry(Geometry {
                srid,
                wkb: Bytes::from(point_wkb(x, y)),
            })
        }
        other => panic!("no conversion for {other}"),
    }
}

fn row(t: &TableSchema, obj: &J) -> RowImage {
    let o = obj.as_object().unwrap();
    assert_eq!(
        o.keys().collect::<Vec<_>>().len(),
        t.columns.len(),
        "reference row has every column: {obj}"
    );
    RowImage::new(t.columns.iter().map(|c| value(c, &o[&c.name])).collect())
}

fn event(change: Change, n: u64) -> ChangeEvent {
    ChangeEvent {
        position: SourcePosition::Binlog(BinlogPosition::new("mysql-bin.000003", 1000 + n)),
        txn: None,
        commit_time: Some(Timestamp::from_unix_parts(1_700_000_000, 0)),
        change,
    }
}

fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64 {c}"),
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk.iter().filter(|c| **c != b'=').count();
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= u32::from(if *c == b'=' { 0 } else { val(*c) }) << (18 - 6 * i);
        }
        out.extend(acc.to_be_bytes()[1..n].iter());
    }
    out
}

/// (x, y) of a WKB point.
fn wkb_point(w: &[u8]) -> (f64, f64) {
    assert_eq!(&w[..5], &[1, 1, 0, 0, 0], "little-endian WKB point");
    (
        f64::from_le_bytes(w[5..13].try_into().unwrap()),
        f64::from_le_bytes(w[13..21].try_into().unwrap()),
    )
}

/// Canal: a reference value against our string (or null).
fn canal_value_matches(col: &str, reference: &J, ours: &J) {
    match reference {
        J::Null => assert!(ours.is_null(), "{col}: {ours}"),
        J::Number(n) => {
            let s = ours
                .as_str()
                .unwrap_or_else(|| panic!("{col}: not a string: {ours}"));
            if col.ends_with(".weight") {
                assert_eq!(
                    s.parse::<f32>().unwrap(),
                    n.as_f64().unwrap() as f32,
                    "{col}"
                );
            } else {
                assert_eq!(s, n.to_string(), "{col}");
            }
        }
        J::String(r) if col.ends_with(".point_c") => {
            let bytes: Vec<u8> = ours
                .as_str()
                .unwrap()
                .chars()
                .map(|c| c as u32 as u8)
                .collect();
            let srid = u32::from_le_bytes(bytes[..4].try_into().unwrap());
            let (x, y) = wkb_point(&bytes[4..]);
            assert_eq!((x, y, srid), geojson_point(r), "{col}");
        }
        J::String(r) => assert_eq!(ours.as_str(), Some(r.as_str()), "{col}"),
        other => panic!("{col}: unexpected reference {other}"),
    }
}

fn debezium_value_matches(col: &str, reference: &J, ours: &J) {
    match reference {
        J::Null => assert!(ours.is_null(), "{col}: {ours}"),
        J::Number(n) if col.ends_with(".weight") => {
            assert_eq!(
                ours.as_f64().unwrap() as f32,
                n.as_f64().unwrap() as f32,
                "{col}"
            )
        }
        J::Number(_) => assert_eq!(ours, reference, "{col}"),
        J::String(r) if col.ends_with(".point_c") => {
            let (x, y) = wkb_point(&b64decode(ours["wkb"].as_str().unwrap()));
            let srid = u32::try_from(ours["srid"].as_u64().unwrap()).unwrap();
            assert_eq!((x, y, srid), geojson_point(r), "{col}");
        }
        J::String(_) => assert_eq!(ours, reference, "{col}"),
        other => panic!("{col}: unexpected reference {other}"),
    }
}

fn compare_rows(what: &str, reference: &J, ours: &J, cmp: fn(&str, &J, &J)) {
    let (r, o) = (reference.as_object().unwrap(), ours.as_object().unwrap());
    assert_eq!(
        r.keys().collect::<Vec<_>>(),
        o.keys().collect::<Vec<_>>(),
        "{what}: columns"
    );
    for (k, rv) in r {
        cmp(&format!("{what}.{k}"), rv, &o[k]);
    }
}

#[test]
fn canal_json_matches_flink_reference_field_by_field() {
    let refs = examples("flinkcdc-canal-json.txt");
    assert!(refs.len() >= 20);
    let mut enc = CanalEncoder::new(1);
    for (n, r) in refs.iter().enumerate() {
        let data = &r["data"][0];
        let t = table_for(r["table"].as_str().unwrap(), data);
        let change = match r["type"].as_str().unwrap() {
            "INSERT" => Change::Insert {
                table: t.clone(),
                after: row(&t, data),
            },
            "UPDATE" => Change::Update {
                table: t.clone(),
                before: Some(row(&t, &r["old"][0])),
                after: row(&t, data),
            },
            "DELETE" => Change::Delete {
                table: t.clone(),
                before: row(&t, data),
            },
            other => panic!("{other}"),
        };
        let msgs = enc
            .encode(&event(change, n as u64), 1_700_000_000_999)
            .unwrap();
        assert_eq!(msgs.len(), 1);
        assert_eq!(
            msgs[0].kind,
            MessageKind::Row {
                table: t.id.clone()
            }
        );
        let ours: J = serde_json::from_slice(msgs[0].value.as_ref().unwrap()).unwrap();
        let line = format!("line {n}");
        for k in ["type", "database", "table", "pkNames"] {
            assert_eq!(ours[k], r[k], "{line}: {k}");
        }
        assert_eq!(ours["data"].as_array().unwrap().len(), 1);
        compare_rows(&line, data, &ours["data"][0], canal_value_matches);
        // `old`: ours lists exactly the changed columns, with the reference's old values.
        if r["old"].is_null() {
            assert!(ours["old"].is_null(), "{line}: old");
        } else {
            let (rold, rnew, oold) = (
                r["old"][0].as_object().unwrap(),
                data.as_object().unwrap(),
                ours["old"][0].as_object().unwrap(),
            );
            for (k, rv) in rold {
                if rv == &rnew[k] {
                    assert!(!oold.contains_key(k), "{line}: unchanged {k} in old");
                } else {
                    canal_value_matches(&format!("{line}.old.{k}"), rv, &oold[k]);
                }
            }
            assert!(!oold.is_empty(), "{line}: an update changes something");
        }
        // Fields the Flink dialect leaves out, by the documented rules.
        assert_eq!(ours["isDdl"], false);
        assert_eq!(ours["sql"], "");
        assert_eq!(ours["es"], 1_700_000_000_000i64);
        assert_eq!(ours["ts"], 1_700_000_000_999i64);
        assert_eq!(ours["id"], n as i64 + 1);
        let cols: Vec<&String> = data.as_object().unwrap().keys().collect();
        assert_eq!(
            ours["mysqlType"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            cols
        );
        assert_eq!(
            ours["sqlType"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            cols
        );
        assert_eq!(ours["mysqlType"]["id"], "int");
        assert_eq!(ours["sqlType"]["id"], 4);
        if t.id.name == "products" {
            assert_eq!(ours["mysqlType"]["enum_c"], "enum('red','white')");
            assert_eq!(ours["mysqlType"]["weight"], "float");
            assert_eq!(ours["sqlType"]["weight"], 7);
            assert_eq!(ours["mysqlType"]["point_c"], "point");
        }
    }
}

fn debezium_events(refs: &[J], payload_of: fn(&J) -> &J) -> Vec<(ChangeEvent, usize)> {
    refs.iter()
        .enumerate()
        .map(|(n, r)| {
            let p = payload_of(r);
            let image = if p["after"].is_null() {
                &p["before"]
            } else {
                &p["after"]
            };
            let t = table_for(p["source"]["table"].as_str().unwrap(), image);
            let change = match p["op"].as_str().unwrap() {
                "c" => Change::Insert {
                    table: t.clone(),
                    after: row(&t, &p["after"]),
                },
                "u" => Change::Update {
                    table: t.clone(),
                    before: Some(row(&t, &p["before"])),
                    after: row(&t, &p["after"]),
                },
                "d" => Change::Delete {
                    table: t.clone(),
                    before: row(&t, &p["before"]),
                },
                other => panic!("{other}"),
            };
            (event(change, n as u64), n)
        })
        .collect()
}

fn check_debezium_payload(line: &str, reference: &J, ours: &J) {
    assert_eq!(ours["op"], reference["op"], "{line}: op");
    assert_eq!(
        ours["source"]["db"], reference["source"]["db"],
        "{line}: db"
    );
    assert_eq!(
        ours["source"]["table"], reference["source"]["table"],
        "{line}: table"
    );
    for side in ["before", "after"] {
        if reference[side].is_null() {
            assert!(ours[side].is_null(), "{line}: {side}");
        } else {
            compare_rows(
                &format!("{line}.{side}"),
                &reference[side],
                &ours[side],
                debezium_value_matches,
            );
        }
    }
    assert_eq!(ours["source"]["connector"], "mysql");
    assert_eq!(ours["source"]["file"], "mysql-bin.000003");
    assert!(ours["source"]["pos"].as_u64().unwrap() >= 1000);
    assert_eq!(ours["ts_ms"], 1_700_000_000_999i64);
}

#[test]
fn debezium_json_matches_flink_reference_field_by_field() {
    let refs = examples("flinkcdc-debezium-json.txt");
    assert!(refs.len() >= 20);
    let mut enc = DebeziumEncoder::new(DebeziumOptions::default());
    for (ev, n) in debezium_events(&refs, |r| r) {
        let msgs = enc.encode(&ev, 1_700_000_000_999).unwrap();
        let r = &refs[n];
        // A delete is followed by its tombstone.
        let expect = if r["op"] == "d" { 2 } else { 1 };
        assert_eq!(msgs.len(), expect, "line {n}");
        let ours: J = serde_json::from_slice(msgs[0].value.as_ref().unwrap()).unwrap();
        check_debezium_payload(&format!("line {n}"), r, &ours);
        let key: J = serde_json::from_slice(msgs[0].key.as_ref().unwrap()).unwrap();
        let image = if r["after"].is_null() {
            &r["before"]
        } else {
            &r["after"]
        };
        assert_eq!(key, json!({"id": image["id"]}), "line {n}: key");
        if expect == 2 {
            assert!(matches!(msgs[1].kind, MessageKind::Tombstone { .. }));
            assert_eq!(msgs[1].value, None);
            assert_eq!(msgs[1].key, msgs[0].key);
        }
    }
}

#[test]
fn debezium_json_with_schema_matches_flink_reference_field_by_field() {
    let refs = examples("flinkcdc-debezium-json-with-schema.txt");
    assert!(refs.len() >= 20);
    let mut enc = DebeziumEncoder::new(DebeziumOptions {
        with_schema: true,
        ..DebeziumOptions::default()
    });
    for (ev, n) in debezium_events(&refs, |r| &r["payload"]) {
        let msgs = enc.encode(&ev, 1_700_000_000_999).unwrap();
        let r = &refs[n];
        let ours: J = serde_json::from_slice(msgs[0].value.as_ref().unwrap()).unwrap();
        let line = format!("line {n}");
        check_debezium_payload(&line, &r["payload"], &ours["payload"]);
        assert_eq!(ours["schema"]["type"], "struct");
        assert_eq!(ours["schema"]["optional"], false);
        for (i, side) in ["before", "after"].iter().enumerate() {
            let rs = &r["schema"]["fields"][i];
            let os = &ours["schema"]["fields"][i];
            assert_eq!(os["field"], *side);
            assert_eq!(os["type"], rs["type"]);
            assert_eq!(os["optional"], rs["optional"]);
            let rf = rs["fields"].as_array().unwrap();
            let of = os["fields"].as_array().unwrap();
            assert_eq!(rf.len(), of.len(), "{line}: {side} field count");
            for (a, b) in rf.iter().zip(of) {
                let name = a["field"].as_str().unwrap();
                assert_eq!(b["field"], a["field"], "{line}: {side} field order");
                assert_eq!(b["optional"], a["optional"], "{line}: {name} optional");
                assert_eq!(b.get("default"), a.get("default"), "{line}: {name} default");
                if name == "point_c" {
                    // Flink's own GeoJSON string; Debezium's geometry struct.
                    assert_eq!(b["type"], "struct");
                    assert_eq!(b["name"], "io.debezium.data.geometry.Geometry");
                } else {
                    assert_eq!(b["type"], a["type"], "{line}: {name} type");
                }
            }
        }
        // The payload's top-level fields must all be described by the schema.
        let described: Vec<&str> = ours["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        let present: Vec<&str> = ours["payload"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut d = described.clone();
        d.sort_unstable();
        let mut p = present.clone();
        p.sort_unstable();
        assert_eq!(d, p, "{line}: schema describes the payload");
    }
}

#[test]
fn debezium_key_change_is_delete_tombstone_create_with_key_headers() {
    let t = customers();
    let r = |id: i64| {
        RowImage::new(vec![
            Value::Int(id),
            Value::text("n"),
            Value::Null,
            Value::text("1"),
        ])
    };
    let mut enc = DebeziumEncoder::new(DebeziumOptions::default());
    let begin = event(Change::Begin, 0);
    let msgs = enc.encode(&begin, 5).unwrap();
    assert_eq!(msgs[0].kind, MessageKind::Transaction);
    let mut upd = event(
        Change::Update {
            table: t.clone(),
            before: Some(r(1)),
            after: r(2),
        },
        1,
    );
    upd.txn = Some(TxnMeta {
        id: TxnId::MariadbGtid("0-1-9".parse().unwrap()),
        ordinal: 1,
    });
    let msgs = enc.encode(&upd, 5).unwrap();
    assert_eq!(msgs.len(), 3);
    let v0: J = serde_json::from_slice(msgs[0].value.as_ref().unwrap()).unwrap();
    let v2: J = serde_json::from_slice(msgs[2].value.as_ref().unwrap()).unwrap();
    assert_eq!(v0["op"], "d");
    assert_eq!(v0["before"]["id"], 1);
    assert_eq!(msgs[0].key.as_deref(), Some(&br#"{"id":1}"#[..]));
    assert_eq!(
        msgs[0].headers,
        vec![("__debezium.newkey".to_string(), br#"{"id":2}"#.to_vec())]
    );
    assert_eq!(msgs[1].value, None);
    assert_eq!(msgs[1].key.as_deref(), Some(&br#"{"id":1}"#[..]));
    assert_eq!(v2["op"], "c");
    assert_eq!(v2["after"]["id"], 2);
    assert_eq!(
        msgs[2].headers,
        vec![("__debezium.oldkey".to_string(), br#"{"id":1}"#.to_vec())]
    );
    assert_eq!(v0["transaction"]["total_order"], 1);
    assert_eq!(v2["transaction"]["total_order"], 2);
    assert_eq!(v2["transaction"]["data_collection_order"], 2);
    assert_eq!(v2["source"]["gtid"], "0-1-9");
    let end = enc.encode(&event(Change::Commit, 2), 5).unwrap();
    let e: J = serde_json::from_slice(end[0].value.as_ref().unwrap()).unwrap();
    assert_eq!(e["status"], "END");
    assert_eq!(e["event_count"], 2);
    assert_eq!(
        e["data_collections"],
        json!([{"data_collection": format!("{DB}.customers"), "event_count": 2}])
    );
}

#[test]
fn canal_ddl_and_truncate_messages() {
    let mut enc = CanalEncoder::new(7);
    let ddl = event(
        Change::Ddl(Ddl {
            schema: Some("shop".into()),
            statement: "ALTER TABLE products ADD COLUMN new_col INT DEFAULT 1".into(),
        }),
        0,
    );
    let m = enc.encode(&ddl, 42).unwrap();
    let v: J = serde_json::from_slice(m[0].value.as_ref().unwrap()).unwrap();
    assert_eq!(
        v,
        json!({"data": null, "database": "shop", "es": 1_700_000_000_000i64, "id": 7,
            "isDdl": true, "mysqlType": null, "old": null, "pkNames": null,
            "sql": "ALTER TABLE products ADD COLUMN new_col INT DEFAULT 1", "sqlType": null,
            "table": "products", "ts": 42, "type": "ALTER"})
    );
    let tr = event(
        Change::Truncate {
            tables: vec![TableId::new("a", "x"), TableId::new("b", "y")],
            cascade: false,
            restart_identity: false,
        },
        1,
    );
    let m = enc.encode(&tr, 42).unwrap();
    assert_eq!(m.len(), 2);
    let v: J = serde_json::from_slice(m[1].value.as_ref().unwrap()).unwrap();
    assert_eq!(v["type"], "TRUNCATE");
    assert_eq!(v["database"], "b");
    assert_eq!(v["table"], "y");
    assert_eq!(v["id"], 9);
    assert!(enc.encode(&event(Change::Begin, 2), 42).unwrap().is_empty());
}

#[test]
fn value_rendering_rules_of_both_json_formats() {
    let cols = vec![
        Column::new(
            "dec",
            ColumnType::Decimal {
                precision: Some(5),
                scale: Some(2),
            },
        ),
        Column::new("d", ColumnType::Date),
        Column::new("zd", ColumnType::Date),
        Column::new("t", ColumnType::Time { precision: Some(1) }),
        Column::new("dt3", ColumnType::DateTime { precision: Some(3) }),
        Column::new("dt6", ColumnType::DateTime { precision: Some(6) }),
        Column::new("ts", ColumnType::Timestamp { precision: Some(3) }),
        Column::new("bin", ColumnType::VarBinary { length: 4 }),
        Column::new(
            "b1",
            ColumnType::Bit {
                length: Some(1),
                varying: false,
            },
        ),
        Column::new(
            "b12",
            ColumnType::Bit {
                length: Some(12),
                varying: false,
            },
        ),
        Column::new(
            "s",
            ColumnType::Set {
                labels: vec!["a".into(), "b".into()],
            },
        ),
        Column::new("y", ColumnType::Year),
        Column::new("bu", ColumnType::BigInt { unsigned: true }),
        Column::new("dbl", ColumnType::Double),
        Column::new(
            "l1",
            ColumnType::VarChar {
                length: Some(4),
                charset: Some(Charset::Latin1),
            },
        ),
    ];
    let t = Arc::new(TableSchema::new(TableId::new("s", "v"), cols));
    let after = RowImage::new(vec![
        Value::Decimal("-1.50".parse().unwrap()),
        Value::Date("2024-02-29".parse().unwrap()),
        Value::Date(Date::ZERO),
        Value::Time("-01:00:00.25".parse().unwrap()),
        Value::DateTime("1970-01-01 00:00:01.999".parse().unwrap()),
        Value::DateTime("1969-12-31 23:59:59.999999".parse().unwrap()),
        Value::Timestamp(Timestamp::from_unix_micros(1_700_000_000_123_456)),
        Value::Bytes(Bytes::from_static(b"\x00\xff\x10")),
        Value::Bit(BitString::from_u64(1, 1)),
        Value::Bit(BitString::from_u64(0x801, 12)),
        Value::Set(SetValue {
            bits: 3,
            labels: Some(vec!["a".into(), "b".into()]),
        }),
        Value::Year(0),
        Value::UInt(u64::MAX),
        Value::Double(1e21),
        Value::Text(Text::new(Bytes::from_static(b"\xe9\x80"), Charset::Latin1)),
    ]);
    let ev = event(Change::Insert { table: t, after }, 0);
    let canal = CanalEncoder::new(1).encode(&ev, 0).unwrap();
    let c: J = serde_json::from_slice(canal[0].value.as_ref().unwrap()).unwrap();
    assert_eq!(
        c["data"][0],
        json!({"dec": "-1.50", "d": "2024-02-29", "zd": "0000-00-00", "t": "-01:00:00.2",
            "dt3": "1970-01-01 00:00:01.999", "dt6": "1969-12-31 23:59:59.999999",
            "ts": "2023-11-14 22:13:20.123", "bin": "\u{0}\u{ff}\u{10}", "b1": "1", "b12": "2049",
            "s": "a,b", "y": "0000", "bu": "18446744073709551615", "dbl": "1.0E21", "l1": "é€"})
    );
    let dbz = DebeziumEncoder::new(DebeziumOptions::default())
        .encode(&ev, 0)
        .unwrap();
    let d: J = serde_json::from_slice(dbz[0].value.as_ref().unwrap()).unwrap();
    let after = &d["after"];
    assert_eq!(after["dec"], "-1.50");
    assert_eq!(after["d"], 19782);
    assert_eq!(after["zd"], J::Null);
    assert_eq!(after["t"], -3_600_250_000i64);
    assert_eq!(after["dt3"], 1999);
    assert_eq!(after["dt6"], -1);
    assert_eq!(after["ts"], "2023-11-14T22:13:20.123Z");
    assert_eq!(after["bin"], "AP8Q");
    assert_eq!(after["b1"], true);
    assert_eq!(after["b12"], "AQg="); // 0x0801 little-endian: 01 08
    assert_eq!(after["s"], "a,b");
    assert_eq!(after["y"], 0);
    assert_eq!(after["bu"].to_string(), "18446744073709551615");
    assert_eq!(after["dbl"], 1e21);
    assert_eq!(after["l1"], "é€");
    // The raw text keeps Java's spelling of the double.
    let raw = String::from_utf8(dbz[0].value.clone().unwrap()).unwrap();
    assert!(raw.contains("\"dbl\":1.0E21"), "{raw}");
}
