//! Every real binlog file in `../shared/fixtures/mysql-binlog/` (written by MySQL 5.1–9.x and
//! MariaDB servers) decodes completely: events counted per type (the expected counts come from
//! an independent walk of the files' framing), every row of every rows event decoded, every
//! transaction payload's events decoded. The damaged files give clear errors with offsets.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use cdc_mysql_binlog::{BinlogBytes, Error, ErrorKind, EventData};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/mysql-binlog")
        .join(name)
}

/// Decoded totals of one file.
#[derive(Debug, Default)]
struct Totals {
    top: BTreeMap<u8, usize>,
    in_payloads: BTreeMap<u8, usize>,
    rows: usize,
}

fn decode_file(name: &str) -> (Totals, Option<Error>) {
    let path = fixture(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared fixtures must sit beside the checkout)",
            path.display()
        )
    });
    let mut t = Totals::default();
    let mut events = match BinlogBytes::new(data.into(), name) {
        Ok(e) => e,
        Err(e) => return (t, Some(e)),
    };
    while let Some((ev, decoder)) = events.next_with_decoder() {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => return (t, Some(e)),
        };
        *t.top.entry(ev.header.type_code).or_default() += 1;
        match &ev.data {
            EventData::Rows(r) => {
                for row in r.rows() {
                    if let Err(e) = row {
                        return (t, Some(e.at_offset(ev.offset)));
                    }
                    t.rows += 1;
                }
            }
            EventData::TransactionPayload(p) => {
                for inner in decoder.payload_events(p) {
                    let inner = match inner {
                        Ok(i) => i,
                        Err(e) => return (t, Some(e)),
                    };
                    *t.in_payloads.entry(inner.header.type_code).or_default() += 1;
                    if let EventData::Rows(r) = &inner.data {
                        for row in r.rows() {
                            if let Err(e) = row {
                                return (t, Some(e));
                            }
                            t.rows += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (t, None)
}

/// (file, expected top-level event counts by type code) for every undamaged fixture.
const COMPLETE: &[(&str, &[(u8, usize)])] = &[
    (
        "binlog-invisible-columns.000001",
        &[
            (2, 5),
            (3, 1),
            (15, 1),
            (16, 3),
            (19, 3),
            (30, 2),
            (31, 1),
            (33, 5),
            (35, 1),
        ],
    ),
    (
        "binlog_56_gtid_reserved_word.000001",
        &[(2, 9), (3, 1), (15, 1), (19, 1), (30, 1), (33, 6), (35, 1)],
    ),
    (
        "binlog_savepoint.000001",
        &[(2, 8), (4, 1), (15, 2), (16, 1)],
    ),
    (
        "binlog_transaction.000001",
        &[(2, 17), (4, 1), (15, 1), (16, 1)],
    ),
    (
        "binlog_transaction_previous_GTID_no_tag.000001",
        &[(4, 1), (15, 1), (35, 1)],
    ),
    (
        "binlog_transaction_with_GTID.000001",
        &[(2, 5), (3, 1), (15, 1), (33, 3), (35, 1)],
    ),
    (
        "binlog_transaction_with_GTID_TAG.000001",
        &[
            (2, 1),
            (4, 1),
            (15, 1),
            (16, 1),
            (19, 1),
            (30, 1),
            (35, 1),
            (42, 1),
        ],
    ),
    (
        "binlog_transaction_with_anonymous_GTID.000001",
        &[(2, 3), (4, 1), (15, 1), (16, 1), (34, 2), (35, 1)],
    ),
    (
        "bug11747887-bin.000003",
        &[(2, 5), (3, 1), (14, 1), (15, 1), (16, 1)],
    ),
    ("bug16266.000001", &[(2, 4), (3, 1), (15, 1)]),
    (
        "bug27213339-bin.000001",
        &[(2, 46), (3, 1), (15, 1), (34, 46), (35, 1)],
    ),
    ("bug32407.001", &[(2, 3), (4, 1), (15, 1), (19, 1), (30, 1)]),
    (
        "bug33029-slave-relay-bin.000001",
        &[(2, 28), (3, 1), (4, 1), (5, 11), (15, 2)],
    ),
    ("bug40482-bin.000001", &[(4, 1), (15, 1), (26, 1)]),
    (
        "json-opaque.binlog",
        &[(2, 3), (15, 1), (16, 1), (19, 8), (30, 8), (34, 3), (35, 1)],
    ),
    (
        "json.binlog.000001",
        &[
            (2, 8),
            (15, 1),
            (16, 6),
            (19, 6),
            (30, 4),
            (31, 1),
            (34, 8),
            (35, 1),
            (39, 1),
        ],
    ),
    (
        "mariadb-bin.000001",
        &[
            (15, 1),
            (16, 2),
            (19, 2),
            (23, 2),
            (160, 2),
            (161, 1),
            (162, 2),
            (163, 1),
        ],
    ),
    ("master-bin.000001", &[(3, 1), (15, 1), (35, 1)]),
    (
        "minimal_row_metadata.000001",
        &[
            (2, 1),
            (4, 1),
            (15, 1),
            (16, 1),
            (19, 1),
            (30, 1),
            (34, 1),
            (35, 1),
        ],
    ),
    (
        "mysql-bin.checksum-crc32",
        &[
            (2, 60),
            (4, 1),
            (15, 1),
            (16, 60),
            (19, 60),
            (30, 34),
            (31, 20),
            (32, 6),
            (34, 60),
            (35, 1),
        ],
    ),
    (
        "mysql-bin.checksum-none",
        &[
            (2, 40),
            (3, 1),
            (15, 1),
            (16, 36),
            (19, 36),
            (30, 34),
            (31, 2),
            (34, 40),
            (35, 1),
        ],
    ),
    (
        "mysql-bin.sakila.gz",
        &[(2, 54), (15, 1), (16, 15), (19, 18), (23, 1374)],
    ),
    (
        "mysql-enum-string-set.000001",
        &[
            (2, 5),
            (15, 1),
            (16, 3),
            (19, 3),
            (30, 1),
            (31, 1),
            (32, 1),
            (33, 5),
            (35, 1),
        ],
    ),
    (
        "mysql_type_bit.000001",
        &[(2, 3), (15, 1), (16, 1), (19, 1), (30, 1), (33, 3), (35, 1)],
    ),
    (
        "rpl_atomic_ddl_rollback_full.000001",
        &[(2, 4), (3, 1), (15, 1), (33, 4), (35, 1)],
    ),
    (
        "rpl_atomic_ddl_rollback_table.000001",
        &[(2, 2), (3, 1), (15, 1), (33, 2), (35, 1)],
    ),
    (
        "rpl_atomic_ddl_rollback_view.000001",
        &[(2, 2), (3, 1), (15, 1), (33, 2), (35, 1)],
    ),
    (
        "rpl_cross_version_default_utf8mb4_collation.000001",
        &[(2, 7), (3, 1), (5, 2), (15, 1), (16, 2), (34, 5), (35, 1)],
    ),
    (
        "rpl_unfiltered_hidden_gcol.000001",
        &[
            (2, 3),
            (3, 1),
            (4, 2),
            (15, 2),
            (16, 1),
            (19, 1),
            (30, 1),
            (34, 3),
            (35, 1),
        ],
    ),
    (
        "slave-relay-bin.000001",
        &[(2, 2), (15, 1), (34, 2), (35, 1)],
    ),
    (
        "time_issue.000001",
        &[
            (2, 1),
            (4, 1),
            (15, 1),
            (16, 1),
            (19, 1),
            (30, 1),
            (34, 1),
            (35, 1),
        ],
    ),
    (
        "transaction_compression.000001",
        &[(4, 1), (15, 1), (34, 1), (35, 1), (40, 1)],
    ),
    (
        "update-full-row.binlog",
        &[(2, 2), (4, 1), (15, 1), (19, 2), (23, 2), (24, 1), (25, 1)],
    ),
    (
        "update-partial-row.binlog",
        &[(2, 2), (4, 1), (15, 1), (19, 2), (23, 2), (24, 1), (25, 1)],
    ),
    (
        "vector.binlog",
        &[
            (2, 10),
            (3, 1),
            (15, 1),
            (16, 3),
            (19, 6),
            (30, 5),
            (32, 1),
            (34, 10),
            (35, 1),
        ],
    ),
    // pre-GA numbering, translated: raw 16-19 are TABLE_MAP and the three rows events
    (
        "ver_5_1-wl2325_r.001",
        &[(2, 3), (3, 1), (15, 1), (19, 3), (20, 1), (21, 1), (22, 1)],
    ),
    // pre-GA numbering, translated: raw 20-22 are XID, BEGIN_LOAD_QUERY, EXECUTE_LOAD_QUERY
    (
        "ver_5_1-wl2325_s.001",
        &[
            (2, 6),
            (3, 1),
            (5, 1),
            (9, 1),
            (13, 1),
            (14, 1),
            (15, 1),
            (16, 1),
            (17, 1),
            (18, 1),
        ],
    ),
    (
        "ver_5_1_23.001",
        &[
            (2, 9),
            (3, 1),
            (5, 1),
            (9, 1),
            (13, 1),
            (14, 1),
            (15, 1),
            (16, 1),
            (17, 1),
            (18, 1),
            (19, 3),
            (23, 1),
            (24, 1),
            (25, 1),
        ],
    ),
    (
        "ver_trunk_row_v2.001",
        &[
            (2, 24),
            (4, 1),
            (5, 1),
            (9, 1),
            (13, 1),
            (14, 1),
            (15, 1),
            (16, 2),
            (17, 1),
            (18, 1),
            (19, 3),
            (30, 1),
            (31, 1),
            (32, 1),
        ],
    ),
    (
        "write-full-row.binlog",
        &[(2, 2), (4, 1), (15, 1), (19, 2), (23, 2), (25, 1)],
    ),
    (
        "write-partial-row.binlog",
        &[(2, 2), (4, 1), (15, 1), (19, 2), (23, 3), (25, 1)],
    ),
];

#[test]
fn every_undamaged_fixture_decodes_completely_with_expected_event_counts() {
    let mut failures = Vec::new();
    for (name, expected) in COMPLETE {
        let (t, err) = decode_file(name);
        if let Some(e) = err {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        let expected: BTreeMap<u8, usize> = expected.iter().copied().collect();
        if t.top != expected {
            failures.push(format!("{name}: counts {:?}, expected {expected:?}", t.top));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn damaged_files_give_clear_errors_with_offsets() {
    // (file, offset of the bad event, what the message says)
    let cases = [
        ("binlog_truncated_event.000001", 4, "truncated"),
        ("binlog_truncated_prev_gtid_event.000001", 120, "truncated"),
        (
            "corrupt-relay-bin.000624",
            91204,
            "QUERY status variables claim 16949 bytes, only 139 are left",
        ),
    ];
    for (name, offset, words) in cases {
        let (_, err) = decode_file(name);
        let err = err.unwrap_or_else(|| panic!("{name} decoded without error"));
        assert_eq!(err.offset(), Some(offset), "{name}: {err}");
        assert_eq!(err.file(), Some(name), "{name}: {err}");
        assert!(err.to_string().contains(words), "{name}: {err}");
    }
    let (t, _) = decode_file("corrupt-relay-bin.000624");
    assert_eq!(
        t.top.values().sum::<usize>(),
        872,
        "every event before the bad one decodes"
    );
}

#[test]
fn a_truncated_file_is_reported_as_truncated_so_a_tail_reader_can_wait() {
    let (_, err) = decode_file("binlog_truncated_prev_gtid_event.000001");
    let err = err.unwrap();
    assert!(err.is_truncated());
    assert!(matches!(
        err.kind(),
        ErrorKind::Truncated {
            needed: 19,
            available: 9
        }
    ));
}

/// (table, before image, after image), values as display strings.
type ShownRow = (String, Option<Vec<String>>, Option<Vec<String>>);

/// All rows of the rows events of a fixture, in order.
fn rows_of(name: &str) -> Vec<ShownRow> {
    let data = std::fs::read(fixture(name)).unwrap();
    let mut out = Vec::new();
    let show = |v: &Option<Vec<cdc_model::Value>>| {
        v.as_ref()
            .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
    };
    let mut events = BinlogBytes::new(data.into(), name).unwrap();
    while let Some((ev, dec)) = events.next_with_decoder() {
        let ev = ev.unwrap();
        let mut handle = |data: &EventData| {
            if let EventData::Rows(r) = data {
                for row in r.rows() {
                    let row = row.unwrap();
                    out.push((r.table.full_name(), show(&row.before), show(&row.after)));
                }
            }
        };
        if let EventData::TransactionPayload(p) = &ev.data {
            for inner in dec.payload_events(p) {
                handle(&inner.unwrap().data);
            }
        } else {
            handle(&ev.data);
        }
    }
    out
}

fn strs(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn mysql_values_decode_as_the_server_wrote_them() {
    // negative TIME2 (oracle: mariadb-binlog -vv prints '-507:48:27')
    assert_eq!(rows_of("time_issue.000001")[0].2, strs(&["-507:48:27"]));
    // BIT(8) value b'00100000' with a utf8mb4 CHAR beside it
    assert_eq!(
        rows_of("mysql_type_bit.000001")[0].2,
        strs(&["100", "foo", "00100000"])
    );
    // DECIMAL(10,2) keeps its scale; a tagged-GTID transaction inside MySQL 9.6
    assert_eq!(
        rows_of("binlog_transaction_with_GTID_TAG.000001")[0].2,
        strs(&["3", "100", "250.00"])
    );
    // a row inside a zstd TRANSACTION_PAYLOAD
    assert_eq!(rows_of("transaction_compression.000001")[0].2, strs(&["1"]));
    // VECTOR columns, and a NULL between two of them
    let v = rows_of("vector.binlog");
    assert_eq!(v[0].2, strs(&["1", "[1.1,2.2,3.3]"]));
    assert_eq!(
        v[2].2,
        strs(&["1", "[1.1,2.2]", "NULL", "[1.1,2.2,3.3,4.4]"])
    );
}

#[test]
fn json_binary_renders_like_mysql_and_partial_updates_become_patches() {
    let rows = rows_of("json.binlog.000001");
    assert_eq!(
        rows[0].2,
        strs(&[
            "1",
            r#"{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}"#,
            "Joe",
            "24"
        ])
    );
    // A PARTIAL_UPDATE_ROWS event under a MINIMAL before image: there is no old document to
    // apply the diff to, so the edit itself is the value.
    let partial = rows
        .iter()
        .find(|(_, b, _)| b.as_ref().is_some_and(|b| b[1] == "<unchanged>"))
        .expect("a partial update");
    assert_eq!(
        partial.2,
        strs(&["<unchanged>", "JSON_REPLACE($.age, 26)", "Joe", "26"])
    );
}

#[test]
fn gtid_events_and_sets_decode_with_tags() {
    let data = std::fs::read(fixture("binlog_transaction_with_GTID_TAG.000001")).unwrap();
    let mut gtids = Vec::new();
    let mut previous = None;
    for ev in BinlogBytes::new(data.into(), "x").unwrap() {
        match ev.unwrap().data {
            EventData::Gtid(g) => gtids.push(g),
            EventData::PreviousGtids(s) => previous = Some(s.to_string()),
            _ => {}
        }
    }
    assert_eq!(
        previous.as_deref(),
        Some("55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2")
    );
    let g = &gtids[0];
    assert_eq!(
        g.gtid.as_ref().unwrap().to_string(),
        "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3"
    );
    assert_eq!(g.transaction_length, Some(296));
    assert_eq!(g.immediate_server_version, Some(90600));
    assert_eq!(g.logical_clock.map(|c| c.sequence_number), Some(1));
}

#[test]
fn mariadb_events_decode() {
    let data = std::fs::read(fixture("mariadb-bin.000001")).unwrap();
    let mut seen = Vec::new();
    for ev in BinlogBytes::new(data.into(), "mariadb-bin.000001").unwrap() {
        match ev.unwrap().data {
            EventData::MariaGtid(g) => seen.push(format!("gtid {}", g.gtid)),
            EventData::MariaGtidList(l) => seen.push(format!("list {}", l.len())),
            EventData::BinlogCheckpoint(f) => seen.push(format!("checkpoint {f}")),
            EventData::AnnotateRows(q) => {
                seen.push(format!("annotate {}", String::from_utf8_lossy(&q)))
            }
            _ => {}
        }
    }
    assert!(seen.iter().any(|s| s.starts_with("gtid 0-1-")), "{seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.starts_with("checkpoint mariadb-bin.000001")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|s| s.starts_with("annotate insert into outbox")),
        "{seen:?}"
    );
}
