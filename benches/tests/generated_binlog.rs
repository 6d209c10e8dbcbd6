//! The synthetic MySQL 8.0 binlog of `cdc_benches::generate_mysql8_binlog` is exact: our decoder
//! (checksums verified) and the independent `mysql_common` decoder both read back every event
//! and every value the generator meant to write, and when `mariadb-binlog` is installed,
//! MariaDB's own tool decodes it to the same values with checksums verified.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cdc_benches::{
    GENERATED_COLUMNS, GENERATED_SCHEMA, GENERATED_TABLE, GeneratedBinlog, GeneratedRow,
    ROWS_PER_UPDATE, ROWS_PER_WRITE, generate_mysql8_binlog,
};
use cdc_mysql_binlog::{BinlogBytes, EventData, RowsKind};

/// About 40 transactions: writes and updates, every NULL pattern many times over.
fn small() -> GeneratedBinlog {
    generate_mysql8_binlog(800_000)
}

fn row_id(values: &[cdc_model::Value]) -> u64 {
    match values.first() {
        Some(cdc_model::Value::Int(id)) => *id as u64,
        other => panic!("id column is {other:?}"),
    }
}

#[test]
fn shape_and_size() {
    let g = generate_mysql8_binlog(3_000_000);
    assert!(
        g.bytes.len() >= 3_000_000 && g.bytes.len() < 3_100_000,
        "{}",
        g.bytes.len()
    );
    assert_eq!(g.events, 2 + 5 * g.transactions);
    let updates = g.transactions / 5;
    assert_eq!(g.updated, updates * ROWS_PER_UPDATE);
    assert_eq!(g.inserted, (g.transactions - updates) * ROWS_PER_WRITE);
}

#[test]
fn our_decoder_reads_back_every_value() {
    let g = small();
    let mut events = BinlogBytes::new(g.bytes.clone().into(), "binlog.000001").unwrap();
    assert!(events.decoder().verify_checksums());
    let (mut n_events, mut inserted, mut updated, mut xids, mut gtids) = (0u64, 0, 0, 0, 0);
    let mut end = 4u64;
    for ev in events {
        let ev = ev.unwrap();
        assert_eq!(ev.offset, end, "events are contiguous");
        end += u64::from(ev.header.event_size);
        assert_eq!(u64::from(ev.header.log_pos), end, "next position");
        n_events += 1;
        match &ev.data {
            EventData::FormatDescription(f) => {
                assert!(format!("{f:?}").contains("8.0.36"), "{f:?}");
            }
            EventData::Gtid(_) => gtids += 1,
            EventData::Xid(_) => xids += 1,
            EventData::TableMap(tm) => {
                assert_eq!(
                    (tm.schema.as_str(), tm.table.as_str()),
                    (GENERATED_SCHEMA, GENERATED_TABLE)
                );
                assert_eq!(tm.columns.len(), GENERATED_COLUMNS.len());
                assert_eq!(tm.primary_key.first().map(|k| k.0), Some(0));
            }
            EventData::Rows(r) => {
                for row in r.rows() {
                    let row = row.unwrap();
                    match r.kind {
                        RowsKind::Write => {
                            assert!(row.before.is_none());
                            let after = row.after.unwrap();
                            let id = row_id(&after);
                            assert_eq!(after, GeneratedRow::inserted(id).values(), "row {id}");
                            inserted += 1;
                        }
                        RowsKind::Update => {
                            let before = row.before.unwrap();
                            let id = row_id(&before);
                            assert_eq!(before, GeneratedRow::inserted(id).values(), "row {id}");
                            let after = row.after.unwrap();
                            assert_eq!(after, GeneratedRow::updated(id).values(), "row {id}");
                            updated += 1;
                        }
                        other => panic!("unexpected {other:?}"),
                    }
                }
            }
            _ => {}
        }
    }
    assert_eq!(end, g.bytes.len() as u64);
    assert_eq!(n_events, g.events);
    assert_eq!((gtids, xids), (g.transactions, g.transactions));
    assert_eq!((inserted, updated), (g.inserted, g.updated));
}

/// What mysql_common makes of a row: integers, strings of decimals and timestamps, `Date`s.
fn mysql_common_expected(r: &GeneratedRow) -> Vec<mysql_common::Value> {
    use mysql_common::Value as V;
    let bytes = |s: Option<&[u8]>| s.map_or(V::NULL, |s| V::Bytes(s.to_vec()));
    let date = |d: &cdc_model::Date| (d.year as u16, d.month, d.day);
    vec![
        V::Int(r.id),
        r.qty.map_or(V::NULL, |q| V::Int(q.into())),
        V::UInt(r.status.into()),
        bytes(r.name.as_deref().map(str::as_bytes)),
        bytes(r.country.as_deref().map(str::as_bytes)),
        r.price_cents.map_or(V::NULL, |c| {
            let sign = if c < 0 { "-" } else { "" };
            V::Bytes(format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100).into_bytes())
        }),
        r.created.map_or(V::NULL, |t| {
            let (y, m, d) = date(&t.date);
            V::Date(y, m, d, t.hour, t.minute, t.second, t.micros)
        }),
        V::Bytes(r.updated.to_string().into_bytes()),
        r.score.map_or(V::NULL, V::Double),
        bytes(r.note.as_deref().map(str::as_bytes)),
        bytes(r.payload.as_deref()),
        r.birthday.map_or(V::NULL, |b| {
            let (y, m, d) = date(&b);
            V::Date(y, m, d, 0, 0, 0, 0)
        }),
    ]
}

/// mysql_common prints DECIMALs with the zeros of their leading groups (`0000000000.54`) and
/// unsigned TINYINTs as `Int`; normalise those before comparing.
fn normalise(values: Vec<mysql_common::Value>) -> Vec<mysql_common::Value> {
    use mysql_common::Value as V;
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| match (i, v) {
            (2, V::Int(n)) => V::UInt(n as u64),
            (5, V::Bytes(b)) => {
                let s = String::from_utf8(b).unwrap();
                let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
                let trimmed = digits.trim_start_matches('0');
                let trimmed = if trimmed.starts_with('.') {
                    format!("0{trimmed}")
                } else {
                    trimmed.to_string()
                };
                V::Bytes(format!("{sign}{trimmed}").into_bytes())
            }
            (_, v) => v,
        })
        .collect()
}

#[test]
fn mysql_common_reads_back_every_value() {
    use mysql_common::binlog::events::EventData as McData;
    use mysql_common::binlog::{EventStreamReader, consts::BinlogVersion};
    let g = small();
    let mut input = g.bytes.get(4..).unwrap();
    let mut reader = EventStreamReader::new(BinlogVersion::Version4);
    let (mut n_events, mut inserted, mut updated) = (0u64, 0u64, 0u64);
    while let Some(ev) = reader.read(&mut input).unwrap() {
        n_events += 1;
        let Some(McData::RowsEvent(rows)) = ev.read_data().unwrap() else {
            continue;
        };
        let tme = reader.get_tme(rows.table_id()).unwrap();
        assert_eq!(tme.database_name(), GENERATED_SCHEMA);
        assert_eq!(tme.table_name(), GENERATED_TABLE);
        for row in rows.rows(tme) {
            let (before, after) = row.unwrap();
            let after = normalise(after.unwrap().unwrap().into_iter().map(value).collect());
            let id = match after.first() {
                Some(mysql_common::Value::Int(id)) => *id as u64,
                other => panic!("id is {other:?}"),
            };
            match before {
                None => {
                    assert_eq!(
                        after,
                        mysql_common_expected(&GeneratedRow::inserted(id)),
                        "row {id}"
                    );
                    inserted += 1;
                }
                Some(before) => {
                    let before = normalise(before.unwrap().into_iter().map(value).collect());
                    assert_eq!(
                        before,
                        mysql_common_expected(&GeneratedRow::inserted(id)),
                        "row {id}"
                    );
                    assert_eq!(
                        after,
                        mysql_common_expected(&GeneratedRow::updated(id)),
                        "row {id}"
                    );
                    updated += 1;
                }
            }
        }
    }
    assert!(input.is_empty());
    assert_eq!(n_events, g.events);
    assert_eq!((inserted, updated), (g.inserted, g.updated));
}

fn value(v: mysql_common::binlog::value::BinlogValue<'_>) -> mysql_common::Value {
    match v {
        mysql_common::binlog::value::BinlogValue::Value(v) => v,
        other => panic!("not a plain value: {other:?}"),
    }
}

/// Every event's CRC32 matches its bytes (mysql_common does not check them; ours does above).
#[test]
fn checksums_and_positions() {
    let g = small();
    let mut pos = 4usize;
    while pos < g.bytes.len() {
        let header = &g.bytes[pos..pos + 19];
        let size = u32::from_le_bytes(header[9..13].try_into().unwrap()) as usize;
        let next = u32::from_le_bytes(header[13..17].try_into().unwrap()) as usize;
        assert_eq!(next, pos + size);
        let event = &g.bytes[pos..pos + size];
        let (body, crc) = event.split_at(size - 4);
        assert_eq!(crc32fast::hash(body).to_le_bytes(), crc);
        pos = next;
    }
    assert_eq!(pos, g.bytes.len());
}

/// MariaDB's `mariadb-binlog -vv` (an independent C++ decoder), checksums verified, prints the
/// values the generator wrote. Skipped when the tool is not installed.
#[test]
fn mariadb_binlog_agrees() {
    let g = generate_mysql8_binlog(150_000);
    let dir = std::env::temp_dir().join(format!("cdc-benches-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("binlog.000001");
    std::fs::write(&path, &g.bytes).unwrap();
    let out = std::process::Command::new("mariadb-binlog")
        .args([
            "--no-defaults",
            "--verify-binlog-checksum",
            "--base64-output=decode-rows",
            "-vv",
        ])
        .arg(&path)
        .output();
    std::fs::remove_dir_all(&dir).ok();
    let Ok(out) = out else {
        eprintln!("mariadb-binlog not installed; skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Rows as lists of `@N=value` texts, in order.
    let mut images: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("###   @") {
            let (n, rest) = rest.split_once('=').unwrap();
            let value = rest.rsplit_once(" /* ").unwrap().0.to_string();
            let n: usize = n.parse().unwrap();
            if n == 1 {
                images.push(Vec::new());
            }
            images.last_mut().unwrap().push(value);
        }
    }
    let mut expected: Vec<Vec<String>> = Vec::new();
    let mut id = 1;
    let mut last_batch = 1;
    for t in 0..g.transactions {
        if t % 5 == 4 {
            for i in last_batch..last_batch + ROWS_PER_UPDATE {
                expected.push(mariadb_text(&GeneratedRow::inserted(i)));
                expected.push(mariadb_text(&GeneratedRow::updated(i)));
            }
        } else {
            last_batch = id;
            for _ in 0..ROWS_PER_WRITE {
                expected.push(mariadb_text(&GeneratedRow::inserted(id)));
                id += 1;
            }
        }
    }
    assert_eq!(images.len(), expected.len());
    for (got, want) in images.iter().zip(&expected) {
        assert_eq!(got.len(), 12, "{got:?}");
        for (c, (g, w)) in got.iter().zip(want).enumerate() {
            match (c, w.as_str()) {
                (_, "NULL") => assert_eq!(g, "NULL", "column {c} of {got:?}"),
                // DOUBLE is printed with %.20g: compare the numbers
                (8, w) => assert_eq!(g.parse::<f64>().unwrap(), w.parse::<f64>().unwrap()),
                // BLOB bytes are printed with escapes: compare only that it is not NULL
                (10, _) => assert_ne!(g, "NULL"),
                (_, w) => assert_eq!(g, w, "column {c} of {got:?}"),
            }
        }
    }
}

/// How `mariadb-binlog -vv` prints a row (without its signedness metadata: it shows negative
/// readings of unsigned bits with the unsigned value in parentheses).
fn mariadb_text(r: &GeneratedRow) -> Vec<String> {
    let quoted = |s: &Option<String>| s.as_ref().map_or("NULL".to_string(), |s| format!("'{s}'"));
    let null = || "NULL".to_string();
    vec![
        r.id.to_string(),
        r.qty.map_or_else(null, |q| {
            if q < 0 {
                format!("{q} ({})", q as u32)
            } else {
                q.to_string()
            }
        }),
        if r.status > 127 {
            format!("{} ({})", r.status as i8, r.status)
        } else {
            r.status.to_string()
        },
        quoted(&r.name),
        quoted(&r.country),
        r.price_cents.map_or_else(null, |c| {
            let sign = if c < 0 { "-" } else { "" };
            format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
        }),
        r.created.map_or_else(null, |t| {
            format!(
                "'{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}'",
                t.date.year, t.date.month, t.date.day, t.hour, t.minute, t.second, t.micros
            )
        }),
        r.updated.to_string(),
        r.score.map_or_else(null, |s| s.to_string()),
        quoted(&r.note),
        r.payload
            .as_ref()
            .map_or_else(null, |_| "bytes".to_string()),
        r.birthday.map_or_else(null, |d| {
            format!("'{:04}:{:02}:{:02}'", d.year, d.month, d.day)
        }),
    ]
}
