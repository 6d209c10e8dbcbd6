//! The direct DTS Avro writer and the generic `apache-avro` path write identical bytes for
//! every record kind and value class.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;

use cdc_benches::encode::{DtsGeneric, generated_events};
use cdc_encode::dts_avro::{DtsAvroEncoder, DtsAvroOptions};
use cdc_model::*;

fn extra_events() -> Vec<ChangeEvent> {
    let t = Arc::new(TableSchema::new(
        TableId::new("s", "extra"),
        vec![
            Column::new("f", ColumnType::Float),
            Column::new(
                "b",
                ColumnType::Bit {
                    length: Some(3),
                    varying: false,
                },
            ),
            Column::new("t", ColumnType::Time { precision: Some(6) }),
            Column::new("y", ColumnType::Year),
            Column::new(
                "e",
                ColumnType::Enum {
                    name: None,
                    labels: vec!["x".into()],
                },
            ),
            Column::new(
                "st",
                ColumnType::Set {
                    labels: vec!["p".into(), "q".into()],
                },
            ),
            Column::new("j", ColumnType::Json),
            Column::new(
                "g",
                ColumnType::Geometry {
                    kind: GeometryKind::Polygon,
                    srid: Some(4326),
                },
            ),
            Column::new("vb", ColumnType::VarBinary { length: 3 }),
            Column::new("u", ColumnType::Uuid),
        ],
    ));
    let row = RowImage::new(vec![
        Value::Float(-0.125),
        Value::Bit(BitString::from_u64(5, 3)),
        Value::Time("-12:00:00.000001".parse().unwrap()),
        Value::Year(1901),
        Value::Enum(EnumValue {
            index: Some(1),
            label: Some("x".into()),
        }),
        Value::Set(SetValue {
            bits: 2,
            labels: Some(vec!["q".into()]),
        }),
        Value::Json("[1,{\"a\":null}]".into()),
        Value::Geometry(Geometry {
            srid: 4326,
            wkb: Bytes::from_static(b"\x01\x03\0\0\0\0\0\0\0"),
        }),
        Value::Unchanged,
        Value::Uuid(Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap()),
    ]);
    let pos = |o| SourcePosition::Binlog(BinlogPosition::new("b.000001", o));
    let ev = |o, change| ChangeEvent {
        position: pos(o),
        txn: None,
        commit_time: None,
        change,
    };
    vec![
        ev(1, Change::Begin),
        ev(
            2,
            Change::Insert {
                table: t.clone(),
                after: row.clone(),
            },
        ),
        ev(
            3,
            Change::Update {
                table: t.clone(),
                before: None,
                after: row.clone(),
            },
        ),
        ev(
            4,
            Change::Delete {
                table: t.clone(),
                before: row,
            },
        ),
        ev(
            5,
            Change::Truncate {
                tables: vec![t.id.clone()],
                cascade: true,
                restart_identity: true,
            },
        ),
        ev(6, Change::Commit),
        ev(
            7,
            Change::Ddl(Ddl {
                schema: None,
                statement: "DROP TABLE s.extra".into(),
            }),
        ),
        ev(8, Change::Heartbeat),
    ]
}

#[test]
fn direct_writer_and_apache_avro_write_identical_bytes() {
    let generic = DtsGeneric::new().unwrap();
    let writer = generic.writer().unwrap();
    let mut direct = DtsAvroEncoder::new(DtsAvroOptions {
        source_version: "8.0.36".into(),
        ..DtsAvroOptions::default()
    });
    let mut events = generated_events(500);
    events.extend(extra_events());
    let mut total = 0;
    for (i, e) in events.iter().enumerate() {
        let rec = direct.record(e).unwrap();
        let mut ours = Vec::new();
        rec.write(&mut ours);
        let theirs = DtsGeneric::encode(&writer, &rec).unwrap();
        assert_eq!(ours, theirs, "event {i}: {:?}", e.change.operation());
        total += ours.len();
    }
    assert!(total > 500 * 200, "{total} bytes");
}
