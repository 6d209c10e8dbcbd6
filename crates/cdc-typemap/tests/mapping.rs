//! One test per mapping row, including the reported failures.
#![allow(clippy::unwrap_used)]

use cdc_model::{Charset, Column, ColumnType, GeometryKind, TableId};
use cdc_typemap::{
    Check, Dialect, EnumAs, IssueKind, MapOptions, Mapper, SetAs, Severity, SpatialAs, TypeDef,
    Version,
};

fn t() -> TableId {
    TableId::new("shop", "orders")
}

fn native(name: &str, native: &str, ty: ColumnType) -> Column {
    let mut c = Column::new(name, ty);
    c.native_type = Some(native.to_owned());
    c
}

/// (target type, [(kind, severity)]).
fn map(
    src: Dialect,
    dst: Dialect,
    opts: MapOptions,
    c: &Column,
) -> (Option<String>, Vec<(IssueKind, Severity)>) {
    let m = Mapper::with_options(src, dst, opts)
        .unwrap()
        .map_column(&t(), c);
    for i in &m.issues {
        assert_eq!(i.table, t());
        assert_eq!(i.column.as_deref(), Some(c.name.as_str()));
        assert!(i.source_type.is_some());
        assert!(!i.reason.is_empty());
    }
    (
        m.target_type,
        m.issues.iter().map(|i| (i.kind, i.severity)).collect(),
    )
}

fn my_pg(c: &Column) -> (Option<String>, Vec<(IssueKind, Severity)>) {
    map(
        Dialect::MYSQL_80,
        Dialect::POSTGRES_15,
        MapOptions::default(),
        c,
    )
}

fn ty(ty: ColumnType) -> Column {
    Column::new("c", ty)
}

const NOTE: Severity = Severity::Note;
const LOSSY: Severity = Severity::Lossy;
const UNSUP: Severity = Severity::Unsupported;

#[test]
fn pairs_outside_the_supported_set_are_refused() {
    assert!(Mapper::new(Dialect::POSTGRES_15, Dialect::MYSQL_80).is_err());
    assert!(Mapper::new(Dialect::MAXCOMPUTE, Dialect::POSTGRES_15).is_err());
    assert!(Mapper::new(Dialect::ANALYTICDB, Dialect::POSTGRES_15).is_err());
    let e = Mapper::new(Dialect::POSTGRES_15, Dialect::MARIADB_1011).unwrap_err();
    assert!(e.to_string().contains("PostgreSQL 15 to MariaDB 10.11"));
}

#[test]
fn mysql_to_pg_tinyint1_is_smallint_unless_asked_and_then_reported() {
    let c = native("b", "tinyint(1)", ColumnType::TinyInt { unsigned: false });
    assert_eq!(my_pg(&c), (Some("smallint".into()), vec![]));
    let opts = MapOptions {
        tinyint1_as_boolean: true,
        ..MapOptions::default()
    };
    assert_eq!(
        map(Dialect::MYSQL_80, Dialect::POSTGRES_15, opts.clone(), &c),
        (
            Some("boolean".into()),
            vec![(IssueKind::TinyIntAsBoolean, LOSSY)]
        )
    );
    // TINYINT(4) stays a number even with the option.
    let c4 = native("b", "tinyint(4)", ColumnType::TinyInt { unsigned: false });
    assert_eq!(
        map(Dialect::MYSQL_80, Dialect::POSTGRES_15, opts, &c4).0,
        Some("smallint".into())
    );
}

#[test]
fn mysql_to_pg_unsigned_integers_widen_with_a_range_check() {
    let cases = [
        (ColumnType::TinyInt { unsigned: true }, "smallint", "255"),
        (ColumnType::SmallInt { unsigned: true }, "integer", "65535"),
        (
            ColumnType::MediumInt { unsigned: true },
            "integer",
            "16777215",
        ),
        (ColumnType::Int { unsigned: true }, "bigint", "4294967295"),
        (
            ColumnType::BigInt { unsigned: true },
            "numeric(20,0)",
            "18446744073709551615",
        ),
    ];
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15).unwrap();
    for (src, want, max) in cases {
        let m = mapper.map_column(&t(), &ty(src.clone()));
        assert_eq!(m.target_type.as_deref(), Some(want), "{src}");
        assert_eq!(
            m.check,
            Some(Check::Range {
                min: "0".into(),
                max: max.into()
            })
        );
        assert_eq!(m.issues[0].kind, IssueKind::UnsignedWidened);
        assert_eq!(m.issues[0].severity, NOTE);
    }
    for (src, want) in [
        (ColumnType::TinyInt { unsigned: false }, "smallint"),
        (ColumnType::SmallInt { unsigned: false }, "smallint"),
        (ColumnType::MediumInt { unsigned: false }, "integer"),
        (ColumnType::Int { unsigned: false }, "integer"),
        (ColumnType::BigInt { unsigned: false }, "bigint"),
        (ColumnType::Year, "smallint"),
        (ColumnType::Float, "real"),
        (ColumnType::Double, "double precision"),
    ] {
        assert_eq!(my_pg(&ty(src)), (Some(want.into()), vec![]));
    }
}

#[test]
fn mysql_to_pg_bigint_unsigned_auto_increment_is_a_bigint_identity_with_a_report() {
    let mut c = ty(ColumnType::BigInt { unsigned: true });
    c.auto_increment = true;
    assert_eq!(
        my_pg(&c),
        (
            Some("bigint".into()),
            vec![(IssueKind::AutoIncrement, LOSSY)]
        )
    );
}

#[test]
fn mysql_to_pg_decimals_keep_precision_up_to_65() {
    let d = |p, s| ColumnType::Decimal {
        precision: Some(p),
        scale: Some(s),
    };
    assert_eq!(my_pg(&ty(d(65, 30))).0.as_deref(), Some("numeric(65,30)"));
    assert_eq!(my_pg(&ty(d(10, 0))).0.as_deref(), Some("numeric(10,0)"));
    assert!(my_pg(&ty(d(65, 30))).1.is_empty());
}

#[test]
fn mysql_to_pg_temporals_report_zero_dates_and_time_range() {
    let zero = vec![(IssueKind::ZeroDateToNull, LOSSY)];
    assert_eq!(
        my_pg(&ty(ColumnType::Date)),
        (Some("date".into()), zero.clone())
    );
    assert_eq!(
        my_pg(&ty(ColumnType::DateTime { precision: None })),
        (Some("timestamp(0) without time zone".into()), zero.clone())
    );
    assert_eq!(
        my_pg(&ty(ColumnType::Timestamp { precision: Some(6) })),
        (Some("timestamp(6) with time zone".into()), zero)
    );
    assert_eq!(
        my_pg(&ty(ColumnType::Time { precision: Some(3) })),
        (
            Some("time(3) without time zone".into()),
            vec![(IssueKind::TimeOutOfRange, LOSSY)]
        )
    );
    let opts = MapOptions {
        time_as_interval: true,
        ..MapOptions::default()
    };
    assert_eq!(
        map(
            Dialect::MYSQL_80,
            Dialect::POSTGRES_15,
            opts,
            &ty(ColumnType::Time { precision: None })
        ),
        (Some("interval".into()), vec![])
    );
}

#[test]
fn mysql_to_pg_strings_and_binaries() {
    let vc = |n| ColumnType::VarChar {
        length: Some(n),
        charset: Some(Charset::Latin1),
    };
    assert_eq!(
        my_pg(&ty(vc(20))).0.as_deref(),
        Some("character varying(20)")
    );
    assert_eq!(
        my_pg(&ty(vc(0))),
        (
            Some("character varying(1)".into()),
            vec![
                (IssueKind::TypeNotInTarget, NOTE),
                (IssueKind::NulCharacter, LOSSY)
            ]
        )
    );
    assert_eq!(
        my_pg(&ty(ColumnType::Char {
            length: Some(3),
            charset: None
        }))
        .0
        .as_deref(),
        Some("character(3)")
    );
    for max in [255, 65_535, 16_777_215, 4_294_967_295] {
        assert_eq!(
            my_pg(&ty(ColumnType::Text {
                max_bytes: Some(max),
                charset: None
            }))
            .0
            .as_deref(),
            Some("text")
        );
        assert_eq!(
            my_pg(&ty(ColumnType::Blob {
                max_bytes: Some(max)
            }))
            .0
            .as_deref(),
            Some("bytea")
        );
    }
    assert_eq!(
        my_pg(&ty(ColumnType::Binary { length: 16 })).0.as_deref(),
        Some("bytea")
    );
    // A case-insensitive collation is noted.
    let mut c = ty(vc(5));
    c.collation = Some("latin1_swedish_ci".into());
    assert_eq!(
        my_pg(&c).1,
        vec![
            (IssueKind::NulCharacter, LOSSY),
            (IssueKind::Collation, NOTE)
        ]
    );
}

#[test]
fn mysql_to_pg_bit_enum_set_json() {
    assert_eq!(
        my_pg(&ty(ColumnType::Bit {
            length: Some(10),
            varying: false
        }))
        .0
        .as_deref(),
        Some("bit(10)")
    );
    let labels = vec!["a".to_owned(), "b".to_owned()];
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15).unwrap();
    let e = ty(ColumnType::Enum {
        name: None,
        labels: labels.clone(),
    });
    let m = mapper.map_column(&t(), &e);
    assert_eq!(m.target_type.as_deref(), Some("text"));
    assert_eq!(m.check, Some(Check::OneOf(labels.clone())));
    let pg_enum = Mapper::with_options(
        Dialect::MYSQL_80,
        Dialect::POSTGRES_15,
        MapOptions {
            enum_as: EnumAs::PgEnum,
            ..MapOptions::default()
        },
    )
    .unwrap()
    .map_column(&t(), &e);
    assert_eq!(pg_enum.target_type.as_deref(), Some("orders_c"));
    assert_eq!(
        pg_enum.type_def,
        Some(TypeDef::Enum {
            name: "orders_c".into(),
            labels: labels.clone()
        })
    );
    let s = ty(ColumnType::Set {
        labels: labels.clone(),
    });
    assert_eq!(
        my_pg(&s),
        (
            Some("text".into()),
            vec![
                (IssueKind::EnumSetAsText, NOTE),
                (IssueKind::NulCharacter, LOSSY)
            ]
        )
    );
    let arr = Mapper::with_options(
        Dialect::MYSQL_80,
        Dialect::POSTGRES_15,
        MapOptions {
            set_as: SetAs::TextArray,
            ..MapOptions::default()
        },
    )
    .unwrap()
    .map_column(&t(), &s);
    assert_eq!(arr.target_type.as_deref(), Some("text[]"));
    assert_eq!(arr.check, Some(Check::SubsetOf(labels)));
    assert_eq!(
        my_pg(&ty(ColumnType::Json)),
        (
            Some("jsonb".into()),
            vec![(IssueKind::JsonRepresentation, LOSSY)]
        )
    );
    let json = map(
        Dialect::MYSQL_80,
        Dialect::POSTGRES_15,
        MapOptions {
            jsonb: false,
            ..MapOptions::default()
        },
        &ty(ColumnType::Json),
    );
    assert_eq!(json, (Some("json".into()), vec![]));
}

#[test]
fn mysql_to_pg_spatial_needs_postgis_or_becomes_wkb() {
    let point = ty(ColumnType::Geometry {
        kind: GeometryKind::Point,
        srid: Some(4326),
    });
    let m = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15)
        .unwrap()
        .map_column(&t(), &point);
    assert_eq!(m.target_type.as_deref(), Some("geometry(Point,4326)"));
    assert_eq!(m.extension.as_deref(), Some("postgis"));
    let any = ty(ColumnType::Geometry {
        kind: GeometryKind::Geometry,
        srid: None,
    });
    assert_eq!(my_pg(&any).0.as_deref(), Some("geometry"));
    let wkb = MapOptions {
        spatial: SpatialAs::Wkb,
        ..MapOptions::default()
    };
    assert_eq!(
        map(Dialect::MYSQL_80, Dialect::POSTGRES_15, wkb, &any),
        (Some("bytea".into()), vec![(IssueKind::Spatial, LOSSY)])
    );
}

#[test]
fn mysql_to_pg_mariadb_types_and_unknown_types() {
    let maria = Dialect::MARIADB_1011;
    let pg = Dialect::POSTGRES_15;
    let o = MapOptions::default();
    assert_eq!(
        map(maria, pg, o.clone(), &ty(ColumnType::Uuid))
            .0
            .as_deref(),
        Some("uuid")
    );
    assert_eq!(
        map(
            maria,
            pg,
            o.clone(),
            &native("i", "inet6", ColumnType::Inet)
        ),
        (Some("inet".into()), vec![])
    );
    assert_eq!(
        map(
            maria,
            pg,
            o.clone(),
            &ty(ColumnType::Other {
                name: "sdo_geo".into(),
                oid: None
            })
        ),
        (None, vec![(IssueKind::UnknownType, UNSUP)])
    );
    assert_eq!(
        map(maria, pg, o, &ty(ColumnType::Vector { dimensions: 3 })).0,
        Some("real[]".into())
    );
}

#[test]
fn analyticdb_uses_the_same_types() {
    let m = Mapper::new(Dialect::MYSQL_80, Dialect::ANALYTICDB).unwrap();
    let c = ty(ColumnType::Int { unsigned: true });
    assert_eq!(
        m.map_column(&t(), &c).target_type.as_deref(),
        Some("bigint")
    );
}

#[test]
fn pg_to_pg_is_identity_including_arrays_enums_domains() {
    let m = Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap();
    let map = |c: ColumnType| m.map_column(&t(), &ty(c));
    assert_eq!(
        map(ColumnType::Int { unsigned: true })
            .target_type
            .as_deref(),
        Some("oid")
    );
    assert_eq!(
        map(ColumnType::Time { precision: None })
            .target_type
            .as_deref(),
        Some("time without time zone")
    );
    assert!(
        map(ColumnType::DateTime { precision: None })
            .issues
            .is_empty()
    );
    assert_eq!(
        map(ColumnType::Array {
            element: Box::new(ColumnType::VarChar {
                length: Some(10),
                charset: None
            })
        })
        .target_type
        .as_deref(),
        Some("character varying(10)[]")
    );
    let e = map(ColumnType::Enum {
        name: Some("mood".into()),
        labels: vec!["sad".into()],
    });
    assert_eq!(e.target_type.as_deref(), Some("mood"));
    assert!(matches!(e.type_def, Some(TypeDef::Enum { .. })));
    let d = map(ColumnType::Domain {
        name: "posint".into(),
        base: Box::new(ColumnType::Int { unsigned: false }),
    });
    assert_eq!(
        d.type_def,
        Some(TypeDef::Domain {
            name: "posint".into(),
            base: "integer".into()
        })
    );
    let o = map(ColumnType::Other {
        name: "tsvector".into(),
        oid: None,
    });
    assert_eq!(o.target_type.as_deref(), Some("tsvector"));
    assert_eq!(o.issues[0].severity, NOTE);
}

fn my_my(src: Dialect, dst: Dialect, c: &Column) -> cdc_typemap::ColumnMapping {
    Mapper::new(src, dst).unwrap().map_column(&t(), c)
}

#[test]
fn mysql_to_mysql_same_version_is_identity() {
    let m80 = Dialect::MYSQL_80;
    for (c, want) in [
        (
            native("a", "int(10) unsigned", ColumnType::Int { unsigned: true }),
            "int unsigned",
        ),
        (
            native("a", "tinyint(1)", ColumnType::TinyInt { unsigned: false }),
            "tinyint(1)",
        ),
        (
            native(
                "a",
                "int(5) unsigned zerofill",
                ColumnType::Int { unsigned: true },
            ),
            "int unsigned zerofill",
        ),
        (native("a", "float(10,2)", ColumnType::Float), "float(10,2)"),
        (
            native(
                "a",
                "datetime(6)",
                ColumnType::DateTime { precision: Some(6) },
            ),
            "datetime(6)",
        ),
        (
            ty(ColumnType::Enum {
                name: None,
                labels: vec!["x".into(), "it's".into()],
            }),
            "enum('x','it''s')",
        ),
        (
            ty(ColumnType::Text {
                max_bytes: Some(16_777_215),
                charset: None,
            }),
            "mediumtext",
        ),
        (ty(ColumnType::Json), "json"),
    ] {
        let m = my_my(m80, m80, &c);
        assert_eq!(m.target_type.as_deref(), Some(want));
        assert!(m.issues.is_empty(), "{:?}", m.issues);
    }
}

#[test]
fn mysql_57_to_80_spells_utf8_as_utf8mb3() {
    let mut c = ty(ColumnType::VarChar {
        length: Some(10),
        charset: Some(Charset::Utf8mb3),
    });
    c.collation = Some("utf8_general_ci".into());
    let m = my_my(Dialect::MYSQL_57, Dialect::MYSQL_80, &c);
    assert_eq!(m.charset.as_deref(), Some("utf8mb3"));
    assert_eq!(m.collation.as_deref(), Some("utf8mb3_general_ci"));
    assert_eq!(m.issues[0].kind, IssueKind::Collation);
    let back = my_my(Dialect::MYSQL_80, Dialect::MYSQL_57, &c);
    assert_eq!(back.charset.as_deref(), Some("utf8"));
    assert_eq!(back.collation.as_deref(), Some("utf8_general_ci"));
}

#[test]
fn mysql_80_collations_missing_elsewhere_are_replaced_and_reported() {
    let mut c = ty(ColumnType::VarChar {
        length: Some(10),
        charset: Some(Charset::Utf8mb4),
    });
    c.collation = Some("utf8mb4_0900_ai_ci".into());
    let to_maria = my_my(Dialect::MYSQL_80, Dialect::MARIADB_1011, &c);
    assert_eq!(
        to_maria.collation.as_deref(),
        Some("utf8mb4_uca1400_nopad_ai_ci")
    );
    assert_eq!(
        (to_maria.issues[0].kind, to_maria.issues[0].severity),
        (IssueKind::Collation, LOSSY)
    );
    let to_57 = my_my(Dialect::MYSQL_80, Dialect::MYSQL_57, &c);
    assert_eq!(to_57.collation.as_deref(), Some("utf8mb4_unicode_520_ci"));
    let same = my_my(Dialect::MYSQL_80, Dialect::MYSQL_80, &c);
    assert_eq!(same.collation.as_deref(), Some("utf8mb4_0900_ai_ci"));
    assert!(same.issues.is_empty());
}

#[test]
fn mariadb_types_into_mysql_become_text_forms() {
    let maria = Dialect::MARIADB_1011;
    let m = my_my(maria, Dialect::MYSQL_80, &ty(ColumnType::Uuid));
    assert_eq!(m.target_type.as_deref(), Some("char(36)"));
    assert_eq!(m.issues[0].kind, IssueKind::TypeNotInTarget);
    let i4 = native("i", "inet4", ColumnType::Inet);
    assert_eq!(
        my_my(maria, Dialect::MYSQL_80, &i4).target_type.as_deref(),
        Some("varchar(45)")
    );
    assert_eq!(
        my_my(maria, maria, &i4).target_type.as_deref(),
        Some("inet4")
    );
    let json = my_my(Dialect::MYSQL_80, maria, &ty(ColumnType::Json));
    assert_eq!(json.issues[0].kind, IssueKind::JsonRepresentation);
    let v = my_my(
        Dialect::MYSQL_80,
        Dialect::MYSQL_80,
        &ty(ColumnType::Vector { dimensions: 4 }),
    );
    assert_eq!(v.target_type.as_deref(), Some("varbinary(16)"));
    let v9 = my_my(
        Dialect::MySql(Version::new(9, 0)),
        Dialect::MySql(Version::new(9, 0)),
        &ty(ColumnType::Vector { dimensions: 4 }),
    );
    assert_eq!(v9.target_type.as_deref(), Some("vector(4)"));
    let pg_only = my_my(maria, maria, &ty(ColumnType::Interval));
    assert_eq!(pg_only.target_type, None);
    assert_eq!(pg_only.issues[0].severity, UNSUP);
}

#[test]
fn mysql_srid_attribute_per_target() {
    let g = ty(ColumnType::Geometry {
        kind: GeometryKind::Point,
        srid: Some(4326),
    });
    let m80 = Dialect::MYSQL_80;
    assert_eq!(
        my_my(m80, m80, &g).target_type.as_deref(),
        Some("point srid 4326")
    );
    assert_eq!(
        my_my(m80, Dialect::MARIADB_1011, &g).target_type.as_deref(),
        Some("point ref_system_id=4326")
    );
    let m = my_my(m80, Dialect::MYSQL_57, &g);
    assert_eq!(m.target_type.as_deref(), Some("point"));
    assert_eq!(m.issues[0].kind, IssueKind::ColumnAttribute);
}

fn mc(c: ColumnType) -> (Option<String>, Vec<(IssueKind, Severity)>) {
    map(
        Dialect::MYSQL_80,
        Dialect::MAXCOMPUTE,
        MapOptions::default(),
        &ty(c),
    )
}

#[test]
fn mysql_to_maxcompute_types_and_limits() {
    assert_eq!(
        mc(ColumnType::Int { unsigned: true }).0.as_deref(),
        Some("BIGINT")
    );
    assert_eq!(
        mc(ColumnType::BigInt { unsigned: true }).0.as_deref(),
        Some("DECIMAL(20,0)")
    );
    assert_eq!(mc(ColumnType::Float).0.as_deref(), Some("DOUBLE"));
    let d = |p, s| ColumnType::Decimal {
        precision: Some(p),
        scale: Some(s),
    };
    assert_eq!(mc(d(38, 18)), (Some("DECIMAL(38,18)".into()), vec![]));
    assert_eq!(
        mc(d(65, 30)),
        (Some("STRING".into()), vec![(IssueKind::NumericRange, NOTE)])
    );
    assert_eq!(
        mc(d(20, 19)),
        (Some("STRING".into()), vec![(IssueKind::NumericRange, NOTE)])
    );
    assert_eq!(
        mc(ColumnType::DateTime { precision: Some(6) }),
        (
            Some("DATETIME".into()),
            vec![
                (IssueKind::ZeroDateToNull, LOSSY),
                (IssueKind::FractionalSecondsCut, LOSSY)
            ]
        )
    );
    assert_eq!(
        mc(ColumnType::DateTime { precision: Some(3) }).1,
        vec![(IssueKind::ZeroDateToNull, LOSSY)]
    );
    assert_eq!(
        mc(ColumnType::Timestamp { precision: Some(6) })
            .0
            .as_deref(),
        Some("TIMESTAMP")
    );
    assert_eq!(
        mc(ColumnType::Text {
            max_bytes: Some(65_535),
            charset: None
        }),
        (Some("STRING".into()), vec![])
    );
    assert_eq!(
        mc(ColumnType::Text {
            max_bytes: Some(4_294_967_295),
            charset: None
        }),
        (Some("STRING".into()), vec![(IssueKind::LengthLimit, LOSSY)])
    );
    assert_eq!(
        mc(ColumnType::Blob {
            max_bytes: Some(16_777_215)
        }),
        (Some("BINARY".into()), vec![(IssueKind::LengthLimit, LOSSY)])
    );
    let bit = |n| ColumnType::Bit {
        length: Some(n),
        varying: false,
    };
    assert_eq!(mc(bit(1)).0.as_deref(), Some("BOOLEAN"));
    assert_eq!(mc(bit(10)).0.as_deref(), Some("BIGINT"));
    assert_eq!(mc(bit(64)).0.as_deref(), Some("DECIMAL(20,0)"));
    assert_eq!(
        mc(ColumnType::Vector { dimensions: 2 }).0.as_deref(),
        Some("ARRAY<FLOAT>")
    );
    assert_eq!(
        mc(ColumnType::Time { precision: None }),
        (
            Some("STRING".into()),
            vec![(IssueKind::TypeNotInTarget, NOTE)]
        )
    );
    assert_eq!(mc(ColumnType::Bool).0.as_deref(), Some("BOOLEAN"));
}

#[test]
fn every_mapping_is_total_over_the_corpora() {
    use cdc_typemap::corpus;
    let pairs = [
        (Dialect::MYSQL_80, Dialect::POSTGRES_15),
        (Dialect::MYSQL_80, Dialect::ANALYTICDB),
        (Dialect::MYSQL_57, Dialect::MYSQL_80),
        (Dialect::MYSQL_80, Dialect::MARIADB_1011),
        (Dialect::MYSQL_80, Dialect::MAXCOMPUTE),
    ];
    for (s, d) in pairs {
        let m = Mapper::new(s, d).unwrap();
        for c in corpus::mysql_columns() {
            let r = m.map_column(&t(), &c.column);
            // Either a type, or an Unsupported report saying why not.
            assert!(
                r.target_type.is_some() || r.issues.iter().any(|i| i.severity == UNSUP),
                "{s} -> {d}: {}",
                c.column.name
            );
        }
    }
    for d in [
        Dialect::POSTGRES_15,
        Dialect::ANALYTICDB,
        Dialect::MAXCOMPUTE,
    ] {
        let m = Mapper::new(Dialect::POSTGRES_15, d).unwrap();
        for c in corpus::postgres_columns() {
            let r = m.map_column(&t(), &c.column);
            assert!(r.target_type.is_some(), "{d}: {}", c.column.name);
        }
    }
}

#[test]
fn pg_numeric_with_scale_above_precision_is_exact_text_where_decimals_cannot_hold_it() {
    // PostgreSQL 15 accepts numeric(2,5) (values below 0.001); Arrow, Avro and MaxCompute
    // decimals need scale <= precision.
    let c = Column::new(
        "c",
        ColumnType::Decimal {
            precision: Some(2),
            scale: Some(5),
        },
    );
    let (mc, issues) = map(
        Dialect::POSTGRES_15,
        Dialect::MAXCOMPUTE,
        MapOptions::default(),
        &c,
    );
    assert_eq!(mc.as_deref(), Some("STRING"));
    assert_eq!(issues, [(IssueKind::NumericRange, NOTE)]);
    let (avro, issues) = cdc_typemap::avro::column_schema(Dialect::POSTGRES_15, &t(), &c);
    assert_eq!(avro, serde_json::json!(["null", "string"]));
    assert_eq!(issues[0].kind, IssueKind::NumericRange);
    let (field, issues) = cdc_typemap::arrow::field(Dialect::POSTGRES_15, &t(), &c);
    assert_eq!(field.data_type(), &arrow_schema::DataType::Utf8);
    assert_eq!(issues[0].kind, IssueKind::NumericRange);
    // a scale beyond i8 is not clamped to 127 either
    let wide = ColumnType::Decimal {
        precision: Some(60),
        scale: Some(200),
    };
    let (field, _) = cdc_typemap::arrow::field(Dialect::POSTGRES_15, &t(), &Column::new("w", wide));
    assert_eq!(field.data_type(), &arrow_schema::DataType::Utf8);
    // in range, unchanged
    let ok = Column::new(
        "ok",
        ColumnType::Decimal {
            precision: Some(5),
            scale: Some(5),
        },
    );
    let (field, issues) = cdc_typemap::arrow::field(Dialect::POSTGRES_15, &t(), &ok);
    assert_eq!(field.data_type(), &arrow_schema::DataType::Decimal128(5, 5));
    assert!(issues.is_empty());
}

#[test]
fn pg_bit_wider_than_64_reaches_maxcompute_as_text_not_as_a_too_small_decimal() {
    let (mc, issues) = map(
        Dialect::POSTGRES_15,
        Dialect::MAXCOMPUTE,
        MapOptions::default(),
        &ty(ColumnType::Bit {
            length: Some(100),
            varying: false,
        }),
    );
    assert_eq!(mc.as_deref(), Some("STRING"));
    assert_eq!(issues, [(IssueKind::TypeNotInTarget, NOTE)]);
    let (mc, _) = map(
        Dialect::POSTGRES_15,
        Dialect::MAXCOMPUTE,
        MapOptions::default(),
        &ty(ColumnType::Bit {
            length: Some(64),
            varying: false,
        }),
    );
    assert_eq!(mc.as_deref(), Some("DECIMAL(20,0)"));
}

#[test]
fn pg_dates_and_timestamps_to_maxcompute_report_infinity_bc_and_years_past_9999() {
    let pg_mc = |c: ColumnType| {
        map(
            Dialect::POSTGRES_15,
            Dialect::MAXCOMPUTE,
            MapOptions::default(),
            &ty(c),
        )
    };
    for (c, want) in [
        (ColumnType::Date, "DATE"),
        (ColumnType::DateTime { precision: Some(3) }, "DATETIME"),
        (ColumnType::Timestamp { precision: Some(6) }, "TIMESTAMP"),
        (
            ColumnType::Array {
                element: Box::new(ColumnType::Date),
            },
            "ARRAY<DATE>",
        ),
        (
            ColumnType::Domain {
                name: "d".into(),
                base: Box::new(ColumnType::Timestamp { precision: None }),
            },
            "TIMESTAMP",
        ),
    ] {
        let (target, issues) = pg_mc(c.clone());
        assert_eq!(target.as_deref(), Some(want), "{c}");
        assert_eq!(issues, [(IssueKind::TemporalRange, LOSSY)], "{c}");
    }
    // The reason names the cases.
    let m = Mapper::new(Dialect::POSTGRES_15, Dialect::MAXCOMPUTE)
        .unwrap()
        .map_column(&t(), &ty(ColumnType::Date));
    for word in ["infinity", "BC", "9999"] {
        assert!(m.issues[0].reason.contains(word), "{}", m.issues[0].reason);
    }
    // MySQL's ranges (DATE/DATETIME 1000..9999, TIMESTAMP 1970..2038) fit: only zero dates.
    for c in [
        ColumnType::Date,
        ColumnType::DateTime { precision: Some(3) },
        ColumnType::Timestamp { precision: None },
    ] {
        assert_eq!(mc(c).1, [(IssueKind::ZeroDateToNull, LOSSY)]);
    }
    // PostgreSQL to PostgreSQL keeps the whole range.
    let (_, issues) = map(
        Dialect::POSTGRES_15,
        Dialect::POSTGRES_15,
        MapOptions::default(),
        &ty(ColumnType::Date),
    );
    assert!(issues.is_empty());
}

#[test]
fn bit_without_a_length_is_bit_1_in_avro_and_arrow() {
    for src in [Dialect::MYSQL_80, Dialect::POSTGRES_15] {
        let bare = ty(ColumnType::Bit {
            length: None,
            varying: false,
        });
        let one = ty(ColumnType::Bit {
            length: Some(1),
            varying: false,
        });
        let (a, ai) = cdc_typemap::avro::column_schema(src, &t(), &bare);
        let (b, bi) = cdc_typemap::avro::column_schema(src, &t(), &one);
        assert_eq!(a, serde_json::json!(["null", "long"]));
        assert_eq!((a, ai), (b, bi));
        let (fa, _) = cdc_typemap::arrow::field(src, &t(), &bare);
        assert_eq!(fa.data_type(), &arrow_schema::DataType::UInt64);
    }
    // Unbounded bit varying stays bytes, with its note.
    let (v, issues) = cdc_typemap::avro::column_schema(
        Dialect::POSTGRES_15,
        &t(),
        &ty(ColumnType::Bit {
            length: None,
            varying: true,
        }),
    );
    assert_eq!(v, serde_json::json!(["null", "bytes"]));
    assert_eq!(issues[0].kind, IssueKind::TypeNotInTarget);
}

#[test]
fn mysql_json_into_mariadb_is_a_note_on_key_order_and_duplicate_keys() {
    let m = my_my(
        Dialect::MYSQL_80,
        Dialect::MARIADB_1011,
        &ty(ColumnType::Json),
    );
    assert_eq!(m.target_type.as_deref(), Some("json"));
    assert_eq!(m.issues.len(), 1);
    let i = &m.issues[0];
    assert_eq!((i.kind, i.severity), (IssueKind::JsonRepresentation, NOTE));
    for word in ["LONGTEXT", "json_valid", "key order", "duplicate keys"] {
        assert!(i.reason.contains(word), "{}", i.reason);
    }
    // MariaDB to MariaDB and MySQL to MySQL: nothing to say.
    assert!(
        my_my(
            Dialect::MARIADB_1011,
            Dialect::MARIADB_1011,
            &ty(ColumnType::Json)
        )
        .issues
        .is_empty()
    );
    assert!(
        my_my(Dialect::MYSQL_80, Dialect::MYSQL_80, &ty(ColumnType::Json))
            .issues
            .is_empty()
    );
}
