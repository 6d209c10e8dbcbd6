//! Schema history by position, its JSON form, rewinding and pruning; the decoder glue.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use cdc_model::{Column, ColumnType, SourcePosition, TableId, TableSchema};
use cdc_mysql_binlog::{ColumnDesc, TableMap, types};
use cdc_mysql_schema::{
    DatabaseDef, ErrorKind, Flavor, SchemaHistory, SchemaTracker, TrackerOptions,
};

fn p(s: &str) -> SourcePosition {
    s.parse().unwrap()
}

fn history() -> SchemaHistory {
    let mut t = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
    t.seed_database(
        "d",
        DatabaseDef {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        },
    );
    t.apply("d", "CREATE TABLE base (a INT)").unwrap();
    let mut h = SchemaHistory::new(t);
    h.apply(&p("bin.000001:100"), "d", "CREATE TABLE t (a INT)")
        .unwrap();
    h.apply(&p("bin.000001:200"), "d", "ALTER TABLE t ADD b INT")
        .unwrap();
    h.apply(&p("bin.000002:4"), "d", "BEGIN").unwrap();
    h.apply(&p("bin.000002:300"), "d", "RENAME TABLE t TO u")
        .unwrap();
    h.apply(&p("bin.000002:400"), "d", "ALTER TABLE base ADD z INT")
        .unwrap();
    h.apply(&p("bin.000002:500"), "d", "DROP TABLE u").unwrap();
    h
}

fn cols(h: &SchemaHistory, t: &str, at: &str) -> Option<usize> {
    h.schema_at(&TableId::new("d", t), &p(at))
        .map(|s| s.columns.len())
}

#[test]
fn schema_at_answers_with_the_version_in_force_at_each_position() {
    let h = history();
    assert_eq!(cols(&h, "t", "bin.000001:99"), None);
    assert_eq!(cols(&h, "t", "bin.000001:100"), Some(1));
    assert_eq!(cols(&h, "t", "bin.000001:199"), Some(1));
    assert_eq!(cols(&h, "t", "bin.000001:200"), Some(2));
    assert_eq!(cols(&h, "t", "bin.000002:299"), Some(2));
    assert_eq!(cols(&h, "t", "bin.000002:300"), None, "renamed away");
    assert_eq!(cols(&h, "u", "bin.000002:300"), Some(2));
    assert_eq!(cols(&h, "u", "bin.000002:500"), None, "dropped");
    assert_eq!(
        cols(&h, "base", "bin.000000:1"),
        Some(1),
        "the base is in force before all"
    );
    assert_eq!(cols(&h, "base", "bin.000002:400"), Some(2));
    assert!(h.current().table(&TableId::new("d", "u")).is_none());
}

#[test]
fn positions_must_not_go_back_and_a_failed_statement_records_nothing() {
    let mut h = history();
    let e = h
        .apply(&p("bin.000001:150"), "d", "ALTER TABLE base ADD y INT")
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::OutOfOrder { .. }), "{e}");
    let n = h.version_count();
    let e = h
        .apply(&p("bin.000003:4"), "d", "ALTER TABLE base DROP nope")
        .unwrap_err();
    assert_eq!(e.position(), Some(&p("bin.000003:4")));
    assert!(e.to_string().contains("bin.000003:4"), "{e}");
    assert_eq!(h.version_count(), n);
}

#[test]
fn json_round_trip_keeps_every_answer_and_the_head() {
    let h = history();
    let json = h.to_json().unwrap();
    assert!(
        json.contains("\"bin.000001:200\""),
        "positions are their text: {json}"
    );
    let back = SchemaHistory::from_json(&json).unwrap();
    for at in [
        "bin.000001:99",
        "bin.000001:100",
        "bin.000001:250",
        "bin.000002:350",
        "bin.000002:450",
        "bin.000009:1",
    ] {
        for t in ["t", "u", "base"] {
            assert_eq!(
                back.schema_at(&TableId::new("d", t), &p(at)),
                h.schema_at(&TableId::new("d", t), &p(at)),
                "{t} at {at}"
            );
        }
    }
    assert_eq!(back.current(), h.current());
    assert_eq!(back.last_position(), h.last_position());
    assert!(matches!(
        SchemaHistory::from_json("{").unwrap_err().kind(),
        ErrorKind::Json(_)
    ));
}

#[test]
fn a_restart_from_an_old_position_rewinds_and_replays() {
    let mut h = history();
    h.rewind_to(&p("bin.000001:250"));
    assert_eq!(h.last_position(), Some(&p("bin.000001:250")));
    assert_eq!(
        h.current()
            .schema(&TableId::new("d", "t"))
            .unwrap()
            .columns
            .len(),
        2
    );
    assert!(h.current().table(&TableId::new("d", "u")).is_none());
    assert_eq!(
        cols(&h, "u", "bin.000002:300"),
        None,
        "later versions are gone"
    );
    // The same statements apply again.
    h.apply(&p("bin.000002:300"), "d", "RENAME TABLE t TO u")
        .unwrap();
    assert_eq!(cols(&h, "u", "bin.000002:300"), Some(2));
    // tracker_at gives the state to continue from, without rewinding.
    let t = history().tracker_at(&p("bin.000002:350"));
    assert!(t.table(&TableId::new("d", "u")).is_some());
    assert!(t.table(&TableId::new("d", "t")).is_none());
}

#[test]
fn pruning_keeps_what_positions_from_there_on_need() {
    let mut h = history();
    let before = h.version_count();
    h.prune_before(&p("bin.000002:350"));
    assert!(h.version_count() < before);
    // Answers at and after the prune point are unchanged.
    assert_eq!(cols(&h, "u", "bin.000002:350"), Some(2));
    assert_eq!(cols(&h, "base", "bin.000002:350"), Some(1));
    assert_eq!(cols(&h, "base", "bin.000002:400"), Some(2));
    assert_eq!(cols(&h, "u", "bin.000002:500"), None);
    // `t` was renamed away before the prune point: gone entirely.
    assert_eq!(cols(&h, "t", "bin.000001:200"), None);
    h.prune_before(&p("bin.000009:1"));
    assert_eq!(cols(&h, "u", "bin.000009:1"), None);
    assert_eq!(cols(&h, "base", "bin.000009:1"), Some(2));
}

#[test]
fn gtid_positions_work_as_keys_too() {
    let mut t = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
    t.seed_database(
        "d",
        DatabaseDef {
            charset: "latin1".into(),
            collation: "latin1_swedish_ci".into(),
        },
    );
    let mut h = SchemaHistory::new(t);
    h.apply(&p("0-1-5"), "d", "CREATE TABLE t (a INT)").unwrap();
    h.apply(&p("0-1-9"), "d", "ALTER TABLE t ADD b INT")
        .unwrap();
    assert_eq!(cols(&h, "t", "0-1-7"), Some(1));
    assert_eq!(cols(&h, "t", "0-1-9"), Some(2));
    let back = SchemaHistory::from_json(&h.to_json().unwrap()).unwrap();
    assert_eq!(cols(&back, "t", "0-1-7"), Some(1));
}

fn table_map(codes: &[(u8, u16)]) -> TableMap {
    TableMap {
        table_id: 1,
        flags: 0,
        schema: "d".into(),
        table: "t".into(),
        columns: codes.iter().map(|(c, m)| ColumnDesc::new(*c, *m)).collect(),
        primary_key: Vec::new(),
    }
}

#[test]
fn a_schema_that_does_not_fit_the_table_map_is_an_error() {
    use cdc_mysql_schema::binlog::check_table_map;
    let schema = TableSchema::new(
        TableId::new("d", "t"),
        vec![
            Column::new("id", ColumnType::Int { unsigned: false }),
            Column::new(
                "body",
                ColumnType::Text {
                    max_bytes: Some(65_535),
                    charset: None,
                },
            ),
        ],
    );
    check_table_map(&table_map(&[(types::LONG, 0), (types::BLOB, 2)]), &schema).unwrap();
    let e = check_table_map(&table_map(&[(types::LONG, 0)]), &schema).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::TableMapMismatch { .. }),
        "{e}"
    );
    let e = check_table_map(
        &table_map(&[(types::LONGLONG, 0), (types::BLOB, 2)]),
        &schema,
    )
    .unwrap_err();
    assert!(e.to_string().contains("column 0 (id"), "{e}");
    let e =
        check_table_map(&table_map(&[(types::LONG, 0), (types::BLOB, 3)]), &schema).unwrap_err();
    assert!(e.to_string().contains("3-byte length"), "{e}");
}

#[test]
fn the_decoder_gets_the_schemas_a_statement_changed() {
    let mut h = history();
    let mut dec = cdc_mysql_binlog::Decoder::new();
    cdc_mysql_schema::binlog::supply_all(&mut dec, h.current());
    let o = h
        .apply(&p("bin.000003:4"), "d", "CREATE TABLE n (x INT)")
        .unwrap();
    cdc_mysql_schema::binlog::supply_changes(&mut dec, h.current(), &o);
    // (The decoder has no getter for supplied schemas; that rows decode with them is proven
    // by the live test.)
    assert_eq!(o.affected_tables(), vec![TableId::new("d", "n")]);
}
