//! Property tests: every position and value prints to text (and serde JSON) and parses back to
//! itself; no parser panics on any input.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use cdc_model::*;
use proptest::prelude::*;

fn uuid() -> impl Strategy<Value = Uuid> {
    // a small pool, so sets share sources and tags and exercise merging
    prop_oneof![
        Just(Uuid([0x3e; 16])),
        Just(Uuid([0xa1; 16])),
        any::<[u8; 16]>().prop_map(Uuid),
    ]
}

fn tag() -> impl Strategy<Value = Option<GtidTag>> {
    prop_oneof![
        Just(None),
        "[a-z_][a-z0-9_]{0,31}".prop_map(|t| Some(GtidTag::new(&t).unwrap())),
        Just(Some(GtidTag::new("blue").unwrap())),
    ]
}

fn interval() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![
        (1u64..50, 0u64..10).prop_map(|(a, len)| (a, a + len)),
        (1u64..=GNO_MAX, 0u64..3).prop_map(|(a, len)| (a, a.saturating_add(len).min(GNO_MAX))),
    ]
}

fn gtid_set() -> impl Strategy<Value = GtidSet> {
    prop::collection::vec((uuid(), tag(), interval()), 0..12).prop_map(|parts| {
        let mut set = GtidSet::new();
        for (u, t, (a, b)) in parts {
            set.add(u, t.as_ref(), a, b).unwrap();
        }
        set
    })
}

fn maria_position() -> impl Strategy<Value = MariaGtidPosition> {
    prop::collection::vec((any::<u32>(), any::<u32>(), any::<u64>()), 0..6).prop_map(|gs| {
        let mut p = MariaGtidPosition::new();
        for (domain, server_id, sequence) in gs {
            p.advance(MariaGtid {
                domain,
                server_id,
                sequence,
            });
        }
        p
    })
}

fn binlog_position() -> impl Strategy<Value = BinlogPosition> {
    ("[a-zA-Z][a-zA-Z0-9_-]{0,12}\\.[0-9]{6}", any::<u64>())
        .prop_map(|(f, o)| BinlogPosition::new(f, o))
}

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        8 => (any::<bool>(), "[0-9]{1,65}", 0u16..40)
            .prop_map(|(n, d, s)| Decimal::from_parts(n, &d, s).unwrap()),
        1 => Just(Decimal::NAN),
        1 => Just(Decimal::INFINITY),
        1 => Just(Decimal::NEG_INFINITY),
    ]
}

fn date() -> impl Strategy<Value = Date> {
    prop_oneof![
        (-4713i64 * 366..5_874_897i64 * 365).prop_map(Date::from_days_since_epoch),
        (0i32..=9999, 0u8..=12).prop_map(|(y, m)| Date::new(y, m, 0)),
        Just(Date::ZERO),
        Just(Date::INFINITY),
        Just(Date::NEG_INFINITY),
    ]
}

fn time() -> impl Strategy<Value = Time> {
    (-(838i64 * 3600 + 59 * 60 + 59) * 1_000_000..=(838i64 * 3600 + 59 * 60 + 59) * 1_000_000)
        .prop_map(|m| Time::from_micros(m).unwrap())
}

fn datetime() -> impl Strategy<Value = DateTime> {
    prop_oneof![
        (-62_135_596_800_000_000i64..253_402_300_799_999_999).prop_map(DateTime::from_unix_micros),
        Just(DateTime::ZERO),
        Just(DateTime::INFINITY),
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (-210_866_803_200_000_000i64..9_214_646_400_000_000_000i64)
            .prop_map(Timestamp::from_unix_micros),
        Just(Timestamp::ZERO),
        Just(Timestamp::INFINITY),
        Just(Timestamp::NEG_INFINITY),
    ]
}

fn leaf_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::Unchanged),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<u64>().prop_map(Value::UInt),
        any::<f32>()
            .prop_filter("NaN != NaN", |v| !v.is_nan())
            .prop_map(Value::Float),
        any::<f64>()
            .prop_filter("NaN != NaN", |v| !v.is_nan())
            .prop_map(Value::Double),
        decimal().prop_map(Value::Decimal),
        (0u16..=2155).prop_map(Value::Year),
        date().prop_map(Value::Date),
        time().prop_map(Value::Time),
        datetime().prop_map(Value::DateTime),
        timestamp().prop_map(Value::Timestamp),
        (any::<i32>(), any::<i32>(), any::<i64>()).prop_map(|(months, days, micros)| {
            Value::Interval(Interval {
                months,
                days,
                micros,
            })
        }),
        ".*".prop_map(Value::text),
        prop::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| Value::Text(Text::new(Bytes::from(b), Charset::Latin1))),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| Value::Bytes(Bytes::from(b))),
        (any::<u64>(), 1u32..=64).prop_map(|(v, n)| Value::Bit(BitString::from_u64(v, n))),
        (any::<Option<u16>>(), proptest::option::of("[a-z]{1,8}"))
            .prop_map(|(index, label)| Value::Enum(EnumValue { index, label })),
        any::<u64>().prop_map(|bits| Value::Set(SetValue { bits, labels: None })),
        "\\{\"[a-z]{0,5}\": [0-9]{1,5}\\}".prop_map(Value::Json),
        (any::<u32>(), prop::collection::vec(any::<u8>(), 0..40)).prop_map(|(srid, w)| {
            Value::Geometry(Geometry {
                srid,
                wkb: Bytes::from(w),
            })
        }),
        any::<[u8; 16]>().prop_map(|u| Value::Uuid(Uuid(u))),
        (any::<[u8; 4]>(), 0u8..=32, any::<bool>()).prop_map(|(a, prefix, cidr)| {
            Value::Inet(Inet {
                addr: std::net::IpAddr::from(a),
                prefix,
                cidr,
            })
        }),
        any::<i64>().prop_map(Value::Money),
        prop::collection::vec(any::<f32>().prop_filter("NaN", |v| !v.is_nan()), 0..8)
            .prop_map(Value::Vector),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf_value().prop_recursive(2, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(|elements| {
            Value::Array(Array {
                dims: vec![ArrayDim {
                    len: elements.len() as u32,
                    lower_bound: 1,
                }],
                elements,
            })
        })
    })
}

proptest! {
    #[test]
    fn gtid_set_text_round_trip(set in gtid_set()) {
        let text = set.to_string();
        let back: GtidSet = text.parse().unwrap();
        prop_assert_eq!(&back, &set);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn gtid_set_union_contains_both_and_orders_after_them(a in gtid_set(), b in gtid_set()) {
        let mut u = a.clone();
        u.union_with(&b);
        prop_assert!(a.is_subset(&u) && b.is_subset(&u));
        prop_assert!(a <= u && b <= u);
        prop_assert_eq!(u.transaction_count() >= a.transaction_count(), true);
    }

    #[test]
    fn gtid_insert_then_contains(set in gtid_set(), u in uuid(), t in tag(), gno in 1u64..=GNO_MAX) {
        let g = Gtid { source: u, tag: t, gno };
        let mut s = set;
        s.insert(&g);
        prop_assert!(s.contains(&g));
        let back: Gtid = g.to_string().parse().unwrap();
        prop_assert_eq!(back, g);
    }

    #[test]
    fn maria_position_round_trip(p in maria_position()) {
        let back: MariaGtidPosition = p.to_string().parse().unwrap();
        prop_assert_eq!(back, p);
    }

    #[test]
    fn lsn_round_trip(v in any::<u64>()) {
        let back: Lsn = Lsn(v).to_string().parse().unwrap();
        prop_assert_eq!(back, Lsn(v));
    }

    #[test]
    fn binlog_position_round_trip(p in binlog_position()) {
        let back: BinlogPosition = p.to_string().parse().unwrap();
        prop_assert_eq!(back, p);
    }

    #[test]
    fn source_position_detects_its_own_kind(
        p in prop_oneof![
            binlog_position().prop_map(SourcePosition::Binlog),
            gtid_set().prop_filter("non-empty", |s| !s.is_empty()).prop_map(SourcePosition::MysqlGtid),
            maria_position().prop_filter("non-empty", |s| !s.gtids().is_empty()).prop_map(SourcePosition::MariadbGtid),
            any::<u64>().prop_map(|v| SourcePosition::Lsn(Lsn(v))),
        ]
    ) {
        let back: SourcePosition = p.to_string().parse().unwrap();
        prop_assert_eq!(&back, &p);
        let json = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(serde_json::from_str::<SourcePosition>(&json).unwrap(), p);
    }

    #[test]
    fn decimal_text_round_trip(d in decimal()) {
        let back: Decimal = d.to_string().parse().unwrap();
        prop_assert_eq!(back, d);
    }

    #[test]
    fn decimal_from_i128_agrees_with_text(v in any::<i128>(), scale in 0u16..40) {
        let d = Decimal::from_i128(v, scale);
        let back: Decimal = d.to_string().parse().unwrap();
        prop_assert_eq!(back.unscaled_i128(), Some(v));
        prop_assert_eq!(back.scale(), scale);
    }

    #[test]
    fn temporal_text_round_trips(d in date(), t in time(), dt in datetime(), ts in timestamp()) {
        prop_assert_eq!(d.to_string().parse::<Date>().unwrap(), d);
        prop_assert_eq!(t.to_string().parse::<Time>().unwrap(), t);
        prop_assert_eq!(dt.to_string().parse::<DateTime>().unwrap(), dt);
        prop_assert_eq!(ts.to_string().parse::<Timestamp>().unwrap(), ts);
    }

    #[test]
    fn datetime_micros_round_trip(m in -62_135_596_800_000_000i64..253_402_300_799_999_999) {
        prop_assert_eq!(DateTime::from_unix_micros(m).to_unix_micros(), Some(m));
    }

    #[test]
    fn value_json_round_trip(v in value()) {
        let json = serde_json::to_string(&v).unwrap();
        let back: Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, v);
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,80}") {
        let _ = s.parse::<SourcePosition>();
        let _ = s.parse::<GtidSet>();
        let _ = s.parse::<MariaGtidPosition>();
        let _ = s.parse::<BinlogPosition>();
        let _ = s.parse::<Lsn>();
        let _ = s.parse::<Decimal>();
        let _ = s.parse::<Date>();
        let _ = s.parse::<Time>();
        let _ = s.parse::<DateTime>();
        let _ = s.parse::<Timestamp>();
        let _ = s.parse::<TimeTz>();
        let _ = s.parse::<Uuid>();
    }
}

#[test]
fn non_finite_floats_survive_json() {
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let json = serde_json::to_string(&Value::Double(v)).unwrap();
        let Value::Double(back) = serde_json::from_str(&json).unwrap() else {
            panic!("not a double: {json}");
        };
        assert_eq!(back.to_bits(), v.to_bits(), "{json}");
    }
    let json = serde_json::to_string(&Value::Float(f32::NAN)).unwrap();
    assert_eq!(json, r#"{"float":"NaN"}"#);
}

#[test]
fn change_event_json_keeps_schema_and_values() {
    use std::sync::Arc;
    let table = Arc::new(TableSchema::new(
        TableId::new("db", "t"),
        vec![
            Column::new("id", ColumnType::Int { unsigned: false }).not_null(),
            Column::new("v", ColumnType::Json),
        ],
    ));
    let ev = ChangeEvent {
        position: "0-1-7".parse().unwrap(),
        txn: Some(TxnMeta {
            id: TxnId::Xid(99),
            ordinal: 3,
        }),
        commit_time: Some(Timestamp::from_unix_parts(1, 500)),
        change: Change::Delete {
            table,
            before: RowImage::new(vec![Value::Int(1), Value::Json("{\"a\": 1}".into())]),
        },
    };
    let json = serde_json::to_string(&ev).unwrap();
    assert!(json.contains(r#""op":"delete""#), "{json}");
    assert!(json.contains(r#""mariadb_gtid":"0-1-7""#), "{json}");
    assert_eq!(serde_json::from_str::<ChangeEvent>(&json).unwrap(), ev);
}
