//! The DDL tracker on arbitrary statements (separated by NUL bytes): never panics; a statement
//! that fails changes nothing; every tracked table keeps distinct column names and keys over
//! its own columns; the history survives a JSON round trip.
#![no_main]

use cdc_model::{BinlogPosition, SourcePosition};
use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaHistory, SchemaTracker, TrackerOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let flavor = match data.first() {
        Some(b) if b % 3 == 1 => Flavor::MySql8,
        Some(b) if b % 3 == 2 => Flavor::MySql57,
        _ => Flavor::MariaDb,
    };
    let mut tracker = SchemaTracker::new(TrackerOptions::new(flavor));
    tracker.seed_database(
        "d",
        DatabaseDef {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        },
    );
    let mut history = SchemaHistory::new(tracker);
    for (i, stmt) in data.split(|b| *b == 0).enumerate() {
        let sql = String::from_utf8_lossy(stmt);
        let _ = cdc_mysql_schema::ddl::canonical_expression(&sql);
        let pos = SourcePosition::Binlog(BinlogPosition::new("bin.000001", i as u64));
        let before = history.current().clone();
        if let Err(e) = history.apply(&pos, "d", &sql) {
            assert_eq!(history.current(), &before, "failed statement changed state: {e}");
            let _ = e.to_string();
        }
        for def in history.current().tables() {
            let s = &def.schema;
            let mut names: Vec<String> = s.columns.iter().map(|c| c.name.to_lowercase()).collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "duplicate column names in {}", s.id);
            let keys = s.primary_key.iter().chain(&s.unique_keys).chain(&s.indexes);
            for ix in keys {
                for k in &ix.columns {
                    assert!(
                        k.column.starts_with('(') || s.column(&k.column).is_some(),
                        "index {:?} of {} names missing column {}",
                        ix.name,
                        s.id,
                        k.column
                    );
                }
            }
        }
    }
    let json = history.to_json().expect("history serialises");
    let back = SchemaHistory::from_json(&json).expect("history deserialises");
    assert_eq!(back.current(), history.current());
});
