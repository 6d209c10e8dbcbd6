//! Live proof against the MariaDB from `scripts/services up`, with
//! `binlog_row_metadata=MINIMAL` (no column names, no ENUM/SET labels in the binlog):
//!
//! 1. A sequence of DDL (add/drop/modify/change/rename column, keys, rename table, convert
//!    character set, a gh-ost style shadow-table cut-over, drops) interleaved with row changes.
//!    After every DDL, the tracker's schema of every table of the database equals the one built
//!    from a fresh `information_schema` read (the independent oracle: the server's catalog).
//! 2. The binlog file is then read with `BinlogBytes`; a `SchemaHistory` is fed only from its
//!    QUERY events (seeded from the catalog as it was before the first DDL), the decoder gets
//!    the tracked schemas, every TABLE_MAP is checked against them, and every row before and
//!    after every DDL must decode with the column names and values the server's own `SELECT`
//!    returned right after the change. The history's schema at each DDL's position must equal
//!    the catalog snapshot taken after that DDL, also after a JSON round trip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::sync::Arc;

use cdc_model::{SourcePosition, TableId, TableSchema, Value};
use cdc_mysql_binlog::{BinlogBytes, EventData};
use cdc_mysql_schema::catalog::{self, CatalogRows};
use cdc_mysql_schema::{
    Charsets, Flavor, SchemaHistory, SchemaTracker, ShadowRows, TableDef, TrackerOptions,
};
use cdc_testkit::{MariaDb, MariaDbDatabase};

fn catalog_rows(server: &MariaDb, db: &str) -> CatalogRows {
    let q = |sql: &str| server.query(None, &catalog::restrict(sql, &[db]));
    CatalogRows {
        schemata: q(catalog::SCHEMATA_SQL),
        tables: q(catalog::TABLES_SQL),
        columns: q(catalog::COLUMNS_SQL),
        statistics: q(catalog::STATISTICS_SQL),
    }
}

fn options(server: &MariaDb) -> TrackerOptions {
    let mut o = TrackerOptions::new(Flavor::from_version(
        server.query(None, "SELECT VERSION()")[0][0]
            .as_deref()
            .unwrap(),
    ));
    assert_eq!(o.flavor, Flavor::MariaDb);
    o.charsets
        .load_rows(&server.query(None, catalog::CHARACTER_SETS_SQL))
        .unwrap();
    o
}

/// Tables of `db` from a fresh catalog read.
fn catalog_tables(server: &MariaDb, db: &str) -> BTreeMap<String, TableDef> {
    let c = catalog::from_rows(Flavor::MariaDb, &catalog_rows(server, db)).unwrap();
    c.tables
        .into_iter()
        .map(|t| (t.schema.id.name.clone(), t))
        .collect()
}

fn tracked_tables(t: &SchemaTracker, db: &str) -> BTreeMap<String, TableDef> {
    t.tables()
        .filter(|d| d.schema.id.schema == db)
        .map(|d| (d.schema.id.name.clone(), (**d).clone()))
        .collect()
}

/// A readable difference between two table sets (empty when equal).
fn diff(want: &BTreeMap<String, TableDef>, got: &BTreeMap<String, TableDef>) -> String {
    let mut out = String::new();
    let names: std::collections::BTreeSet<_> = want.keys().chain(got.keys()).collect();
    for n in names {
        match (want.get(n), got.get(n)) {
            (Some(w), Some(g)) if w == g => {}
            (Some(w), Some(g)) => {
                if (w.charset.as_ref(), w.collation.as_ref())
                    != (g.charset.as_ref(), g.collation.as_ref())
                {
                    out += &format!(
                        "  {n}: table default catalog {:?}/{:?}, tracked {:?}/{:?}\n",
                        w.charset, w.collation, g.charset, g.collation
                    );
                }
                let (ws, gs) = (&w.schema, &g.schema);
                for i in 0..ws.columns.len().max(gs.columns.len()) {
                    let (a, b) = (ws.columns.get(i), gs.columns.get(i));
                    if a != b {
                        out +=
                            &format!("  {n} column {i}:\n    catalog {a:?}\n    tracked {b:?}\n");
                    }
                }
                if ws.primary_key != gs.primary_key {
                    out += &format!(
                        "  {n} primary key: catalog {:?}, tracked {:?}\n",
                        ws.primary_key, gs.primary_key
                    );
                }
                if ws.unique_keys != gs.unique_keys || ws.indexes != gs.indexes {
                    out += &format!(
                        "  {n} keys: catalog {:?} {:?}\n    tracked {:?} {:?}\n",
                        ws.unique_keys, ws.indexes, gs.unique_keys, gs.indexes
                    );
                }
                if ws.comment != gs.comment {
                    out += &format!("  {n} comment: {:?} vs {:?}\n", ws.comment, gs.comment);
                }
            }
            (Some(_), None) => out += &format!("  {n}: in the catalog, not tracked\n"),
            (None, Some(_)) => out += &format!("  {n}: tracked, not in the catalog\n"),
            (None, None) => {}
        }
    }
    out
}

/// Exact text of the values the test uses (`None` for NULL); temporal values are not
/// compared (`*`).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Decimal(d) => Some(d.to_string()),
        Value::Text(t) => Some(
            t.to_utf8()
                .map(|s| s.into_owned())
                .unwrap_or_else(|| format!("<bytes in {:?}>", t.charset)),
        ),
        Value::Bytes(b) => Some(format!("<bytes {b:?}>")),
        Value::Enum(e) => Some(
            e.label
                .clone()
                .unwrap_or_else(|| format!("<enum #{:?}>", e.index)),
        ),
        Value::Set(s) => Some(
            s.labels
                .as_ref()
                .map(|l| l.join(","))
                .unwrap_or_else(|| format!("<set bits {}>", s.bits)),
        ),
        Value::DateTime(_) | Value::Timestamp(_) | Value::Date(_) | Value::Time(_) => {
            Some("*".into())
        }
        other => Some(format!("<{other:?}>")),
    }
}

type NamedRow = Vec<(String, Option<String>)>;

/// The server's view of one row: column names in order and the values' text.
fn select_row(db: &MariaDbDatabase, table: &str, id: i64) -> NamedRow {
    let cols = db.query(&format!(
        "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' ORDER BY ORDINAL_POSITION"
    ));
    let names: Vec<String> = cols.iter().map(|r| r[0].clone().unwrap()).collect();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let row = db.query(&format!("SELECT {list} FROM `{table}` WHERE id = {id}"));
    assert_eq!(row.len(), 1, "row {id} of {table}");
    names
        .into_iter()
        .zip(cols)
        .zip(row[0].clone())
        .map(|((n, c), v)| {
            let temporal = matches!(
                c[1].as_deref(),
                Some("datetime" | "timestamp" | "date" | "time")
            );
            (
                n,
                if temporal && v.is_some() {
                    Some("*".into())
                } else {
                    v
                },
            )
        })
        .collect()
}

/// One expected row change: table, kind, before and after images.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    table: String,
    before: Option<NamedRow>,
    after: Option<NamedRow>,
}

struct Restore {
    server: MariaDb,
    sql: String,
}

impl Drop for Restore {
    fn drop(&mut self) {
        if let Err(e) = self.server.try_exec(None, &self.sql) {
            eprintln!("could not restore binlog_row_metadata: {e}");
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Insert,
    Update,
    Delete,
}

enum Step {
    Ddl(&'static str),
    /// SQL changing rows, then (table, id, what happens to it) of each row it changes, in the
    /// order the server logs them.
    Rows(&'static str, Vec<(&'static str, i64, Op)>),
}

#[test]
fn tracked_schemas_match_the_catalog_after_every_ddl_and_decode_minimal_binlog_rows() {
    let server = MariaDb::from_env();
    // other tests change the same global: hold it until this test restored it
    let _lock = server.lock_binlog_settings();
    let was = server.query(None, "SELECT @@GLOBAL.binlog_row_metadata")[0][0]
        .clone()
        .unwrap();
    server.exec(None, "SET GLOBAL binlog_row_metadata = 'MINIMAL'");
    let _restore = Restore {
        server: server.clone(),
        sql: format!("SET GLOBAL binlog_row_metadata = '{was}'"),
    };
    let db = server.fresh_database("schema_live");
    let name = db.name().to_string();
    let opts = options(&server);

    // The state before the first DDL: the snapshot the history starts from.
    let base = catalog::from_rows(Flavor::MariaDb, &catalog_rows(&server, &name)).unwrap();
    let mut direct = SchemaTracker::from_catalog(opts.clone(), &base);

    server.flush_binary_logs();
    let (file, start) = server.current_binlog();

    use Step::*;
    let steps = vec![
        Ddl(
            "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(10), \
             e ENUM('x','y','z') DEFAULT 'x', n DECIMAL(6,2) DEFAULT 1.5, u INT UNSIGNED, \
             ts DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3), l VARCHAR(5) CHARACTER SET latin1, \
             KEY (a)) COMMENT 'first'",
        ),
        Rows(
            "INSERT INTO t (id, a, e, n, u, l) VALUES (1, 'one', 'y', 2.25, 4000000000, 'lat')",
            vec![("t", 1, Op::Insert)],
        ),
        Ddl("ALTER TABLE t ADD COLUMN b INT AFTER id, ADD COLUMN s SET('p','q') FIRST"),
        Rows(
            "INSERT INTO t (id, b, a, s) VALUES (2, 20, 'two', 'p,q')",
            vec![("t", 2, Op::Insert)],
        ),
        Ddl("ALTER TABLE t DROP COLUMN a"),
        Rows(
            "INSERT INTO t (id, b) VALUES (3, 30)",
            vec![("t", 3, Op::Insert)],
        ),
        Ddl(
            "ALTER TABLE t CHANGE COLUMN b bee BIGINT UNSIGNED DEFAULT 7, \
             MODIFY e ENUM('x','y','z','w') AFTER id",
        ),
        Rows(
            "INSERT INTO t (id, bee, e) VALUES (4, 44, 'w')",
            vec![("t", 4, Op::Insert)],
        ),
        Ddl("ALTER TABLE t RENAME COLUMN bee TO b2, ALGORITHM=INPLACE, LOCK=NONE"),
        Ddl(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c TEXT, ADD UNIQUE KEY uk (b2), \
             ADD INDEX ix (c(10)), ADD COLUMN IF NOT EXISTS b2 INT",
        ),
        Rows(
            "INSERT INTO t (id, b2, c) VALUES (5, 55, 'text')",
            vec![("t", 5, Op::Insert)],
        ),
        Ddl("RENAME TABLE t TO t2"),
        Rows(
            "INSERT INTO t2 (id, b2) VALUES (6, 66)",
            vec![("t2", 6, Op::Insert)],
        ),
        Ddl("CREATE TABLE other LIKE t2"),
        Ddl("ALTER TABLE t2 RENAME TO t3, DEFAULT CHARSET = latin1"),
        Ddl(
            "ALTER TABLE t3 ADD COLUMN lat VARCHAR(4), MODIFY COLUMN n DECIMAL(8,3) NOT NULL DEFAULT '2.5'",
        ),
        Rows(
            "UPDATE t3 SET b2 = 67, lat = 'abc' WHERE id = 6",
            vec![("t3", 6, Op::Update)],
        ),
        Ddl("ALTER TABLE t3 CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
        Rows(
            "INSERT INTO t3 (id, b2, c, lat) VALUES (8, 88, 'é and 😀', 'ü')",
            vec![("t3", 8, Op::Insert)],
        ),
        // gh-ost: shadow copy, altered, filled, swapped in.
        Ddl("CREATE TABLE `_t3_gho` LIKE `t3`"),
        Ddl("ALTER TABLE `_t3_gho` ADD COLUMN z INT NOT NULL DEFAULT 9, DROP COLUMN l"),
        Rows(
            "INSERT INTO `_t3_gho` (id, s, e, b2, n, u, ts, c, lat) \
             SELECT id, s, e, b2, n, u, ts, c, lat FROM t3",
            vec![],
        ),
        Ddl("RENAME TABLE `t3` TO `_t3_del`, `_t3_gho` TO `t3`"),
        Rows(
            "INSERT INTO t3 (id, b2, z) VALUES (7, 77, 70)",
            vec![("t3", 7, Op::Insert)],
        ),
        Rows("DELETE FROM t3 WHERE id = 1", vec![("t3", 1, Op::Delete)]),
        Ddl("DROP TABLE `_t3_del`"),
        Ddl("DROP TABLE IF EXISTS other, nope"),
        Ddl("CREATE INDEX iz ON t3 (z)"),
        Ddl("ALTER TABLE t3 DROP INDEX iz, DROP PRIMARY KEY, ADD PRIMARY KEY (id, b2)"),
        Rows(
            "INSERT INTO t3 (id, b2) VALUES (9, 99)",
            vec![("t3", 9, Op::Insert)],
        ),
    ];

    let mut failures = Vec::new();
    let mut expected: Vec<Expected> = Vec::new();
    // After each DDL: the catalog's tables (the oracle for the history's answers).
    let mut snapshots: Vec<BTreeMap<String, TableDef>> = Vec::new();
    for step in &steps {
        match step {
            Ddl(sql) => {
                db.exec(sql);
                if let Err(e) = direct.apply(&name, sql) {
                    failures.push(format!("tracker failed on `{sql}`: {e}"));
                    continue;
                }
                let want = catalog_tables(&server, &name);
                let got = tracked_tables(&direct, &name);
                let d = diff(&want, &got);
                if !d.is_empty() {
                    failures.push(format!("after `{sql}` the tracked schema differs:\n{d}"));
                }
                snapshots.push(want);
            }
            Rows(sql, rows) => {
                let befores: Vec<Option<NamedRow>> = rows
                    .iter()
                    .map(|(table, id, op)| (*op != Op::Insert).then(|| select_row(&db, table, *id)))
                    .collect();
                db.exec(sql);
                for ((table, id, op), before) in rows.iter().zip(befores) {
                    let after = (*op != Op::Delete).then(|| select_row(&db, table, *id));
                    expected.push(Expected {
                        table: table.to_string(),
                        before,
                        after,
                    });
                }
            }
        }
    }
    let (end_file, _) = server.current_binlog();
    // Other live tests may rotate the binlog meanwhile: read every file from ours to the last.
    let files = server.binlog_files();
    let first = files.iter().position(|f| *f == file).unwrap();
    let last = files.iter().position(|f| *f == end_file).unwrap();

    // --- The binlog, with the tracker fed only from its QUERY events -----------------------
    let mut history = SchemaHistory::new(SchemaTracker::from_catalog(opts.clone(), &base));
    let mut ddl_positions = Vec::new();
    let mut decoded: Vec<Expected> = Vec::new();
    let mut table_maps = 0;
    for file in &files[first..=last] {
        let data = std::fs::read(server.binlog_dir().join(file)).unwrap();
        let mut events = BinlogBytes::new(data.into(), file).unwrap();
        cdc_mysql_schema::binlog::supply_all(events.decoder(), history.current());
        loop {
            let Some((ev, decoder)) = events.next_with_decoder() else {
                break;
            };
            let ev = ev.unwrap_or_else(|e| panic!("decoding {file}: {e}"));
            if *file == files[first] && ev.offset < start {
                continue;
            }
            let pos = SourcePosition::Binlog(cdc_model::BinlogPosition::new(file, ev.offset));
            match &ev.data {
                EventData::Query(q) if q.schema == name => {
                    match cdc_mysql_schema::binlog::apply_query_event(
                        &mut history,
                        decoder,
                        q,
                        &pos,
                    ) {
                        Ok(o) if o.ignored.is_none() => ddl_positions.push(pos.clone()),
                        Ok(_) => {}
                        Err(e) => failures.push(format!("history failed at {pos}: {e}")),
                    }
                }
                EventData::TableMap(tm) if tm.schema == name => {
                    table_maps += 1;
                    let id = TableId::new(&tm.schema, &tm.table);
                    match history.current().schema(&id) {
                        Some(s) => {
                            if let Err(e) = cdc_mysql_schema::binlog::check_table_map(tm, &s) {
                                failures.push(format!("at {pos}: {e}"));
                            }
                        }
                        None => {
                            failures.push(format!("TABLE_MAP of untracked table {id} at {pos}"))
                        }
                    }
                    // MINIMAL metadata: the names can only have come from the supplied schema.
                    assert!(tm.columns.iter().all(|c| c.name.is_some()), "{id} at {pos}");
                }
                EventData::Rows(r) if r.table.schema == name => {
                    let id = TableId::new(&r.table.schema, &r.table.table);
                    if history
                        .current()
                        .route_rows(&id, ShadowRows::Skip)
                        .is_none()
                    {
                        continue;
                    }
                    let names: Vec<String> = r
                        .table
                        .columns
                        .iter()
                        .map(|c| c.name.as_deref().unwrap_or("?").to_string())
                        .collect();
                    let named = |img: Option<Vec<Value>>| {
                        img.map(|vals| {
                            names
                                .iter()
                                .cloned()
                                .zip(vals.iter().map(text))
                                .collect::<NamedRow>()
                        })
                    };
                    for row in r.rows() {
                        let row = row.unwrap_or_else(|e| panic!("rows at {pos}: {e}"));
                        decoded.push(Expected {
                            table: r.table.table.clone(),
                            before: named(row.before),
                            after: named(row.after),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    assert!(table_maps > 0);

    // Rows: each decoded change against the server's SELECT after it.
    if decoded.len() != expected.len() {
        failures.push(format!(
            "decoded {} row changes, expected {}:\n{decoded:#?}",
            decoded.len(),
            expected.len()
        ));
    }
    for (i, (d, e)) in decoded.iter().zip(&expected).enumerate() {
        if d != e {
            failures.push(format!(
                "row change {i}:\n  decoded  {d:?}\n  expected {e:?}"
            ));
        }
    }

    // The history: the schema at each DDL's position is the catalog snapshot taken after it,
    // also after a JSON round trip; the head is the final catalog.
    let restored = SchemaHistory::from_json(&history.to_json().unwrap()).unwrap();
    if ddl_positions.len() != snapshots.len() {
        failures.push(format!(
            "{} DDL statements in the binlog, {} run",
            ddl_positions.len(),
            snapshots.len()
        ));
    }
    for (h, label) in [(&history, "history"), (&restored, "restored history")] {
        for (pos, snap) in ddl_positions.iter().zip(&snapshots) {
            let at = h.tracker_at(pos);
            let d = diff(snap, &tracked_tables(&at, &name));
            if !d.is_empty() {
                failures.push(format!("{label} at {pos} differs from the catalog:\n{d}"));
            }
            for (t, def) in snap {
                let got: Option<Arc<TableSchema>> = h.schema_at(&TableId::new(&name, t), pos);
                if got.as_deref() != Some(&*def.schema) {
                    failures.push(format!("{label}: schema_at({t}, {pos}) differs"));
                }
            }
        }
    }
    let d = diff(
        &catalog_tables(&server, &name),
        &tracked_tables(history.current(), &name),
    );
    if !d.is_empty() {
        failures.push(format!("history head differs from the final catalog:\n{d}"));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn built_in_charsets_match_the_servers_character_sets() {
    let server = MariaDb::from_env();
    let rows = server.query(None, catalog::CHARACTER_SETS_SQL);
    let mut from_server = Charsets::built_in(Flavor::MariaDb);
    from_server.load_rows(&rows).unwrap();
    let built_in = Charsets::built_in(Flavor::MariaDb);
    for (name, info) in from_server.iter() {
        if name == "gb18030" {
            continue;
        }
        assert_eq!(built_in.get(name), Some(info), "character set {name}");
    }
    assert_eq!(
        rows.len(),
        from_server.iter().count() - 1,
        "gb18030 is MySQL-only"
    );
}

#[test]
fn show_create_table_gives_the_same_schema_as_the_catalog() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("schema_show");
    db.exec(
        "CREATE TABLE t (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, \
         a VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL DEFAULT 'it''s', \
         j JSON, e ENUM('a','b') DEFAULT NULL, d DECIMAL(5,2) DEFAULT -1.5, \
         ts TIMESTAMP(6) NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \
         g INT AS (id * 2) VIRTUAL, inv INT INVISIBLE, bl MEDIUMBLOB, bt BIT(3) DEFAULT b'11', \
         f FLOAT(7,2) UNSIGNED, y YEAR, u UUID, PRIMARY KEY (id), UNIQUE KEY (a, e), \
         KEY k (d DESC)) DEFAULT CHARSET=utf8mb3 COMMENT='x'",
    );
    let opts = options(&server);
    let cat = catalog_tables(&server, db.name());
    let text = db.query("SHOW CREATE TABLE t")[0][1].clone().unwrap();
    let dbdef = catalog::from_rows(Flavor::MariaDb, &catalog_rows(&server, db.name()))
        .unwrap()
        .databases[0]
        .1
        .clone();
    let mut def = catalog::from_show_create(&opts, db.name(), &dbdef, &text).unwrap();
    // The text does not name the database; the table lands in the one given.
    assert_eq!(def.schema.id, TableId::new(db.name(), "t"));
    let mut want = BTreeMap::new();
    want.insert("t".to_string(), def.clone());
    let d = diff(&cat, &want);
    assert!(d.is_empty(), "SHOW CREATE TABLE:\n{text}\ndiffers:\n{d}");
    // And the same DDL applied to a tracker gives the same.
    let mut t = SchemaTracker::new(opts);
    t.seed_database(db.name(), dbdef);
    t.apply(db.name(), &text).unwrap();
    def = (**t.table(&TableId::new(db.name(), "t")).unwrap()).clone();
    assert_eq!(Some(&def), cat.get("t"));
}
