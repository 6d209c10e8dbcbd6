//! Live: binlog streams as change events with the schema in force at each position, against
//! the MariaDB from `scripts/services up`.
//!
//! - DDL mid-stream under `binlog_row_metadata=MINIMAL` (add/drop/rename column, type
//!   changes, rename table, truncate), interleaved with row changes: every row change is
//!   compared with the server's own `SELECT` of the row before and after it.
//! - Resume: streams stopped after every few events and restarted from the persisted JSON
//!   checkpoint (also paired with the later history) give exactly the events of one
//!   uninterrupted stream.
//! - A gh-ost cut-over, under each shadow-table policy.
//! - Snapshot + stream: a consistent snapshot of a table under concurrent writes plus the
//!   change events from the snapshot's position equal the final table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::BTreeMap;

use cdc_model::{BinlogPosition, Change, ChangeEvent, SourcePosition, TableId, TxnId, Value};
use cdc_mysql::changes::{Checkpoint, TableFilter};
use cdc_mysql::{BinlogOptions, ChangeOptions, ChangeStream, StartPosition, TableRead};
use cdc_mysql_binlog::EventData;
use cdc_mysql_schema::ShadowRows;
use cdc_testkit::{MariaDb, MariaDbDatabase};
use common::{Conn, connect, run};
use futures::StreamExt;

/// A server id no other test process uses at the same time.
fn server_id(n: u32) -> u32 {
    1000 + (std::process::id() % 100_000) * 10 + n
}

fn here(server: &MariaDb) -> cdc_mysql::Checkpoint {
    let (file, offset) = server.current_binlog();
    cdc_mysql::Checkpoint {
        binlog: BinlogPosition::new(file, offset),
        mariadb_gtid: None,
        mysql_gtid: None,
    }
}

/// Exact text of a value (`None` for NULL), as the `mariadb` client prints it.
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
        other => Some(format!("<{other:?}>")),
    }
}

type NamedRow = Vec<(String, Option<String>)>;

/// What a change event says, in terms a `SELECT` can confirm.
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    Row {
        table: String,
        before: Option<NamedRow>,
        after: Option<NamedRow>,
    },
    Ddl(String),
    Truncate(Vec<String>),
}

fn named(table: &cdc_model::TableSchema, row: &cdc_model::RowImage) -> NamedRow {
    assert_eq!(table.columns.len(), row.len(), "{}", table.id);
    table
        .columns
        .iter()
        .zip(&row.values)
        .map(|(c, v)| (c.name.clone(), text(v)))
        .collect()
}

fn seen(ev: &ChangeEvent) -> Option<Seen> {
    Some(match &ev.change {
        Change::Insert { table, after } => Seen::Row {
            table: table.id.name.clone(),
            before: None,
            after: Some(named(table, after)),
        },
        Change::Update {
            table,
            before,
            after,
        } => Seen::Row {
            table: table.id.name.clone(),
            before: before.as_ref().map(|b| named(table, b)),
            after: Some(named(table, after)),
        },
        Change::Delete { table, before } => Seen::Row {
            table: table.id.name.clone(),
            before: Some(named(table, before)),
            after: None,
        },
        Change::Ddl(d) => Seen::Ddl(d.statement.clone()),
        Change::Truncate { tables, .. } => {
            Seen::Truncate(tables.iter().map(|t| t.name.clone()).collect())
        }
        _ => return None,
    })
}

/// The server's view of one row: column names in order and the values' text.
fn select_row(server: &MariaDb, db: &str, table: &str, id: i64) -> NamedRow {
    let cols = server.query(
        Some(db),
        &format!(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' ORDER BY ORDINAL_POSITION"
        ),
    );
    let names: Vec<String> = cols.iter().map(|r| r[0].clone().unwrap()).collect();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let row = server.query(
        Some(db),
        &format!("SELECT {list} FROM `{table}` WHERE id = {id}"),
    );
    assert_eq!(row.len(), 1, "row {id} of {table}");
    names.into_iter().zip(row[0].clone()).collect()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Op {
    Insert,
    Update,
    Delete,
}

enum Step {
    /// A DDL statement and whether it gives a change event (`Truncate` for TRUNCATE).
    Ddl(&'static str, bool),
    /// SQL changing rows, then (table, id, what happens to it) for each row change the
    /// stream must show, in binlog order.
    Rows(&'static str, Vec<(&'static str, i64, Op)>),
}

/// Runs the steps, returning what the stream must show, from `SELECT`s around each step.
fn run_steps(server: &MariaDb, db: &str, steps: &[Step]) -> Vec<Seen> {
    let mut expected = Vec::new();
    for step in steps {
        match step {
            Step::Ddl(sql, emits) => {
                server.exec(Some(db), sql);
                if *emits {
                    if let Some(t) = sql.strip_prefix("TRUNCATE TABLE ") {
                        expected.push(Seen::Truncate(vec![t.to_string()]));
                    } else {
                        expected.push(Seen::Ddl(sql.to_string()));
                    }
                }
            }
            Step::Rows(sql, rows) => {
                let befores: Vec<Option<NamedRow>> = rows
                    .iter()
                    .map(|(t, id, op)| (*op != Op::Insert).then(|| select_row(server, db, t, *id)))
                    .collect();
                server.exec(Some(db), sql);
                for ((t, id, op), before) in rows.iter().zip(befores) {
                    let after = (*op != Op::Delete).then(|| select_row(server, db, t, *id));
                    expected.push(Seen::Row {
                        table: t.to_string(),
                        before,
                        after,
                    });
                }
            }
        }
    }
    expected
}

/// Checks the framing of a list of events: transactions are `Begin` (ordinal 0), changes,
/// `Commit`, with one GTID each and consecutive ordinals; positions never go down.
fn check_framing(events: &[ChangeEvent]) {
    let mut open: Option<(TxnId, u64)> = None;
    let mut last: Option<SourcePosition> = None;
    for (i, ev) in events.iter().enumerate() {
        if let Some(l) = &last {
            assert!(ev.position >= *l, "event {i} goes back: {ev:?}");
        }
        last = Some(ev.position.clone());
        let txn = ev
            .txn
            .clone()
            .unwrap_or_else(|| panic!("event {i} has no txn"));
        assert!(matches!(txn.id, TxnId::MariadbGtid(_)), "{txn:?}");
        assert!(ev.commit_time.is_some());
        match (&ev.change, &mut open) {
            (Change::Begin, None) => {
                assert_eq!(txn.ordinal, 0);
                open = Some((txn.id, 0));
            }
            (Change::Begin, Some(_)) => panic!("event {i}: Begin inside a transaction"),
            (_, None) => panic!("event {i} outside a transaction: {ev:?}"),
            (change, Some((id, n))) => {
                assert_eq!(txn.id, *id, "event {i}");
                *n += 1;
                assert_eq!(txn.ordinal, *n, "event {i}");
                if matches!(change, Change::Commit) {
                    open = None;
                }
            }
        }
    }
    assert!(open.is_none(), "the last transaction is not committed");
}

/// Every event of a non-blocking stream from `cp`, each with the stream's position after it.
async fn collect(
    conn: Conn,
    opts: &ChangeOptions,
    cp: &Checkpoint,
) -> (
    Vec<(ChangeEvent, cdc_mysql::Checkpoint)>,
    cdc_mysql_schema::SchemaHistory,
) {
    let mut stream = ChangeStream::start(conn, opts, cp).await.unwrap();
    let mut out = Vec::new();
    while let Some(ev) = stream.next().await {
        let ev = ev.unwrap_or_else(|e| panic!("{e}"));
        out.push((ev, stream.position().clone()));
    }
    (out, stream.history().clone())
}

/// `binlog_row_metadata=MINIMAL` for one test: set under the test server's settings lock, so
/// the tests that change binlog globals run one after the other, and restored on drop.
struct Minimal {
    server: MariaDb,
    was: String,
    /// Released after `drop` restored the setting (fields drop after `Drop::drop`).
    _lock: cdc_testkit::BinlogSettingsLock,
}

impl Drop for Minimal {
    fn drop(&mut self) {
        let sql = format!("SET GLOBAL binlog_row_metadata = '{}'", self.was);
        if let Err(e) = self.server.try_exec(None, &sql) {
            eprintln!("could not restore binlog_row_metadata: {e}");
        }
    }
}

fn minimal_metadata(server: &MariaDb) -> Minimal {
    let lock = server.lock_binlog_settings();
    let was = server.query(None, "SELECT @@GLOBAL.binlog_row_metadata")[0][0]
        .clone()
        .unwrap();
    server.exec(None, "SET GLOBAL binlog_row_metadata = 'MINIMAL'");
    Minimal {
        server: server.clone(),
        was,
        _lock: lock,
    }
}

fn ddl_steps() -> Vec<Step> {
    use Op::*;
    use Step::*;
    vec![
        Rows(
            "INSERT INTO t VALUES (2, 'two', 'z', 2.25, 5)",
            vec![("t", 2, Insert)],
        ),
        Rows(
            "UPDATE t SET a = 'uno' WHERE id = 1",
            vec![("t", 1, Update)],
        ),
        Ddl("ALTER TABLE t ADD COLUMN b INT AFTER id", true),
        Rows(
            "INSERT INTO t (id, b, a) VALUES (3, 30, 'three')",
            vec![("t", 3, Insert)],
        ),
        Rows("UPDATE t SET b = 11 WHERE id = 1", vec![("t", 1, Update)]),
        Ddl("ALTER TABLE t DROP COLUMN a", true),
        Rows("DELETE FROM t WHERE id = 2", vec![("t", 2, Delete)]),
        Ddl("ALTER TABLE t CHANGE COLUMN b bee BIGINT UNSIGNED", true),
        Rows(
            "INSERT INTO t (id, bee, e) VALUES (4, 18446744073709551615, 'x')",
            vec![("t", 4, Insert)],
        ),
        Ddl(
            "ALTER TABLE t MODIFY n DECIMAL(10,4), RENAME COLUMN e TO state",
            true,
        ),
        Rows(
            "UPDATE t SET n = 123.4567, state = 'y' WHERE id = 3",
            vec![("t", 3, Update)],
        ),
        Ddl("RENAME TABLE t TO t2", true),
        Rows(
            "INSERT INTO t2 (id, bee, n) VALUES (5, 55, 5.5)",
            vec![("t2", 5, Insert)],
        ),
        Rows(
            "BEGIN; INSERT INTO t2 (id) VALUES (6); UPDATE t2 SET bee = 56 WHERE id = 5; \
             INSERT INTO skip_me VALUES (1, 1); DELETE FROM t2 WHERE id = 1; COMMIT",
            vec![("t2", 6, Insert), ("t2", 5, Update), ("t2", 1, Delete)],
        ),
        Ddl(
            "ALTER TABLE t2 ADD COLUMN s SET('p','q') FIRST, \
             ADD COLUMN c VARCHAR(5) CHARACTER SET latin1",
            true,
        ),
        Rows(
            "INSERT INTO t2 (id, s, c) VALUES (7, 'p,q', 'äé')",
            vec![("t2", 7, Insert)],
        ),
        Ddl("TRUNCATE TABLE t2", true),
        Rows(
            "INSERT INTO t2 (id, bee, state) VALUES (8, 8, 'z')",
            vec![("t2", 8, Insert)],
        ),
        // excluded table: its DDL and rows give nothing
        Ddl("ALTER TABLE skip_me ADD COLUMN w INT", false),
        Rows("INSERT INTO skip_me VALUES (2, 2, 2)", vec![]),
        Rows(
            "UPDATE t2 SET c = 'ok' WHERE id = 8",
            vec![("t2", 8, Update)],
        ),
    ]
}

fn setup_ddl_db(server: &MariaDb, label: &str) -> MariaDbDatabase {
    let db = server.fresh_database(label);
    db.exec(
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(10), \
         e ENUM('x','y','z') DEFAULT 'x', n DECIMAL(6,2), u INT UNSIGNED)",
    );
    db.exec("INSERT INTO t VALUES (1, 'one', 'y', 1.50, 4000000000)");
    db.exec("CREATE TABLE skip_me (id INT PRIMARY KEY, v INT)");
    db.exec("CREATE TABLE done (id INT PRIMARY KEY)");
    db
}

fn ddl_filter(db: &str) -> TableFilter {
    TableFilter::all()
        .include_database(db)
        .exclude_table(TableId::new(db, "skip_me"))
}

#[test]
fn minimal_metadata_rows_decode_with_the_schema_in_force_while_ddl_runs_mid_stream() {
    let server = MariaDb::from_env();
    let _restore = minimal_metadata(&server);
    let db = setup_ddl_db(&server, "chg_minimal");
    let name = db.name().to_string();
    let start = here(&server);
    let opts = ChangeOptions::new(server_id(1)).filter(ddl_filter(&name));

    run(180, async {
        let mut conn = connect(&server, None).await;
        let cp = Checkpoint::from_catalog(&mut conn, &opts, &start)
            .await
            .unwrap();
        let mut stream = ChangeStream::start(conn, &opts, &cp).await.unwrap();

        // The workload runs while the stream reads; a row in `done` ends it.
        let (srv, n) = (server.clone(), name.clone());
        let workload = std::thread::spawn(move || {
            let expected = run_steps(&srv, &n, &ddl_steps());
            srv.exec(Some(&n), "INSERT INTO done VALUES (1)");
            expected
        });
        let mut events = Vec::new();
        let mut seen_done = false;
        while let Some(ev) = stream.next().await {
            let ev = ev.unwrap_or_else(|e| panic!("{e}"));
            if let Change::Insert { table, .. } = &ev.change
                && table.id.name == "done"
            {
                seen_done = true;
            }
            let commit = matches!(ev.change, Change::Commit);
            if commit {
                // a Commit's position is the resume point, and the stream says so now
                assert_eq!(
                    SourcePosition::Binlog(stream.position().binlog.clone()),
                    ev.position
                );
            }
            events.push(ev);
            if commit && seen_done {
                break;
            }
        }
        let end = stream.position().binlog.clone();
        let expected = workload.join().unwrap();
        check_framing(&events);
        let got: Vec<Seen> = events
            .iter()
            .filter_map(seen)
            .filter(|s| !matches!(s, Seen::Row { table, .. } if table == "done"))
            .collect();
        let mismatches: Vec<String> = got
            .iter()
            .zip(&expected)
            .enumerate()
            .filter(|(_, (g, e))| g != e)
            .map(|(i, (g, e))| format!("change {i}:\n  streamed {g:?}\n  expected {e:?}"))
            .collect();
        assert!(
            mismatches.is_empty() && got.len() == expected.len(),
            "{} changes streamed, {} expected\n{}",
            got.len(),
            expected.len(),
            mismatches.join("\n")
        );
        // The rows of the renamed table carry the schema in force: t2 from the RENAME on.
        let tables: Vec<&str> = events
            .iter()
            .filter_map(|e| e.change.table().map(|t| t.id.name.as_str()))
            .filter(|t| *t != "done")
            .collect();
        let first_t2 = tables.iter().position(|t| *t == "t2").unwrap();
        assert!(tables[..first_t2].iter().all(|t| *t == "t"));
        assert!(tables[first_t2..].iter().all(|t| *t == "t2"));

        // The binlog really had MINIMAL metadata for these events: without supplied schemas,
        // no column names.
        let conn = connect(&server, None).await;
        let mut raw = conn
            .binlog_stream(
                &BinlogOptions::new(server_id(2), StartPosition::Binlog(start.binlog.clone()))
                    .non_blocking(true),
            )
            .await
            .unwrap();
        let mut maps = 0;
        while let Some(ev) = raw.next().await {
            let ev = ev.unwrap();
            if ev.position >= end {
                break;
            }
            if let EventData::TableMap(tm) = &ev.event.data
                && tm.schema == name
            {
                maps += 1;
                assert!(
                    tm.columns.iter().all(|c| c.name.is_none()),
                    "TABLE_MAP of {} at {} has column names: not MINIMAL",
                    tm.table,
                    ev.position
                );
            }
        }
        assert!(maps >= 10, "{maps} TABLE_MAPs");
    });
}

/// A small deterministic generator (the seed is printed on failure).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below.max(1) as u64) as usize
    }
}

#[test]
fn a_restart_from_any_persisted_checkpoint_loses_and_repeats_nothing_after_later_ddl() {
    let server = MariaDb::from_env();
    let _restore = minimal_metadata(&server);
    let db = setup_ddl_db(&server, "chg_resume");
    let name = db.name().to_string();
    let start = here(&server);
    let opts = ChangeOptions::new(server_id(3))
        .filter(ddl_filter(&name))
        .non_blocking(true);
    run(300, async {
        let mut conn = connect(&server, None).await;
        let cp0 = Checkpoint::from_catalog(&mut conn, &opts, &start)
            .await
            .unwrap();
        // All the DDL runs before any stream reads: every restart below happens after DDL
        // that comes later in the binlog than its checkpoint.
        let expected = run_steps(&server, &name, &ddl_steps());

        let (full, later_history) = collect(connect(&server, None).await, &opts, &cp0).await;
        let full_events: Vec<ChangeEvent> = full.iter().map(|(e, _)| e.clone()).collect();
        check_framing(&full_events);
        let got: Vec<Seen> = full_events.iter().filter_map(seen).collect();
        assert_eq!(got, expected);
        // The history at the end holds every DDL: a checkpoint made of it and an old
        // position must rewind it.
        assert!(later_history.last_position().is_some());

        // every stop point: before the first event, inside and between transactions, after
        // the last
        let stops = 0..=full.len();
        for k in stops {
            let ctx = format!("stop after {k} of {} events", full.len());
            // First run: read k events, then persist the checkpoint as JSON and drop it all.
            let mut stream = ChangeStream::start(connect(&server, None).await, &opts, &cp0)
                .await
                .unwrap();
            let mut first = Vec::new();
            for _ in 0..k {
                first.push(stream.next().await.unwrap().unwrap());
            }
            let json = stream.checkpoint().unwrap().to_json().unwrap();
            let position = stream.position().clone();
            drop(stream);
            // A consumer keeps what it received up to the last Commit.
            let kept = first
                .iter()
                .rposition(|e| matches!(e.change, Change::Commit))
                .map_or(0, |i| i + 1);
            if kept > 0 {
                // at or after the last Commit (transactions with nothing selected may follow)
                assert!(
                    first[kept - 1].position <= SourcePosition::Binlog(position.binlog.clone()),
                    "{ctx}"
                );
            }
            // nothing the consumer dropped lies before the resume point
            if let Some((next, _)) = full.get(kept) {
                assert!(
                    SourcePosition::Binlog(position.binlog.clone()) <= next.position,
                    "{ctx}"
                );
            }
            first.truncate(kept);

            let cp = Checkpoint::from_json(&json).unwrap();
            let (rest, _) = collect(connect(&server, None).await, &opts, &cp).await;
            let mut resumed = first.clone();
            resumed.extend(rest.into_iter().map(|(e, _)| e));
            assert!(
                resumed == full_events,
                "{ctx}: resumed stream differs:\n{:?}\nvs\n{:?}",
                resumed.iter().filter_map(seen).collect::<Vec<_>>(),
                expected
            );

            // The same position with the history as it was at the end of the binlog.
            let cp = Checkpoint::new(&position, &later_history).unwrap();
            let (rest, _) = collect(connect(&server, None).await, &opts, &cp).await;
            let mut resumed = first;
            resumed.extend(rest.into_iter().map(|(e, _)| e));
            assert!(
                resumed == full_events,
                "{ctx}: resumed with the later history differs"
            );
        }
    });
}

fn rows_of(events: &[ChangeEvent]) -> Vec<(String, &'static str, NamedRow)> {
    events
        .iter()
        .filter_map(|e| {
            Some(match &e.change {
                Change::Insert { table, after } => {
                    (table.id.name.clone(), "insert", named(table, after))
                }
                Change::Update { table, after, .. } => {
                    (table.id.name.clone(), "update", named(table, after))
                }
                Change::Delete { table, before } => {
                    (table.id.name.clone(), "delete", named(table, before))
                }
                Change::Ddl(d) => (d.statement.clone(), "ddl", vec![]),
                _ => return None,
            })
        })
        .collect()
}

fn row(cols: &[(&str, Option<&str>)]) -> NamedRow {
    cols.iter()
        .map(|(c, v)| (c.to_string(), v.map(str::to_string)))
        .collect()
}

#[test]
fn gh_ost_cut_over_follows_the_shadow_table_policy() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("chg_ghost");
    let name = db.name().to_string();
    db.exec("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(10), n INT)");
    db.exec("INSERT INTO t VALUES (1, 'a1', 1), (2, 'a2', 2)");
    let start = here(&server);
    let statements = [
        "CREATE TABLE `_t_ghc` (id BIGINT NOT NULL PRIMARY KEY, hint VARCHAR(64))",
        "INSERT INTO `_t_ghc` VALUES (1, 'state')",
        "CREATE TABLE `_t_gho` LIKE `t`",
        "ALTER TABLE `_t_gho` ADD COLUMN z INT NOT NULL DEFAULT 9, DROP COLUMN n",
        "INSERT INTO `_t_gho` (id, a) SELECT id, a FROM t",
        "UPDATE t SET a = 'changed' WHERE id = 2",
        "UPDATE `_t_gho` SET a = 'changed' WHERE id = 2",
        "RENAME TABLE `t` TO `_t_del`, `_t_gho` TO `t`",
        "INSERT INTO t (id, a, z) VALUES (10, 'new', 100)",
        "DROP TABLE `_t_del`",
        "DROP TABLE `_t_ghc`",
    ];
    run(120, async {
        let base = ChangeOptions::new(server_id(4))
            .filter(TableFilter::all().include_database(&name))
            .non_blocking(true);
        let mut conn = connect(&server, None).await;
        let cp = Checkpoint::from_catalog(&mut conn, &base, &start)
            .await
            .unwrap();
        for s in statements {
            db.exec(s);
        }
        let old =
            |id: &str, a: &str, n: &str| row(&[("id", Some(id)), ("a", Some(a)), ("n", Some(n))]);
        let new =
            |id: &str, a: &str, z: &str| row(&[("id", Some(id)), ("a", Some(a)), ("z", Some(z))]);
        let ddl = |i: usize| (statements[i].to_string(), "ddl", vec![]);
        let rename = ddl(7);
        let s = |t: &str| t.to_string();

        let skip = vec![
            (s("t"), "update", old("2", "changed", "2")),
            rename.clone(),
            (s("t"), "insert", new("10", "new", "100")),
        ];
        let map = vec![
            (s("t"), "insert", new("1", "a1", "9")),
            (s("t"), "insert", new("2", "a2", "9")),
            (s("t"), "update", old("2", "changed", "2")),
            (s("t"), "update", new("2", "changed", "9")),
            rename.clone(),
            (s("t"), "insert", new("10", "new", "100")),
        ];
        let keep = vec![
            ddl(0),
            (
                s("_t_ghc"),
                "insert",
                row(&[("id", Some("1")), ("hint", Some("state"))]),
            ),
            ddl(2),
            ddl(3),
            (s("_t_gho"), "insert", new("1", "a1", "9")),
            (s("_t_gho"), "insert", new("2", "a2", "9")),
            (s("t"), "update", old("2", "changed", "2")),
            (s("_t_gho"), "update", new("2", "changed", "9")),
            rename,
            (s("t"), "insert", new("10", "new", "100")),
            // the server logs single-table drops with a comment
            (
                s("DROP TABLE `_t_del` /* generated by server */"),
                "ddl",
                vec![],
            ),
            (
                s("DROP TABLE `_t_ghc` /* generated by server */"),
                "ddl",
                vec![],
            ),
        ];
        for (policy, want) in [
            (ShadowRows::Skip, skip),
            (ShadowRows::MapToOriginal, map),
            (ShadowRows::Keep, keep),
        ] {
            let opts = base.clone().shadow_rows(policy);
            let (events, _) = collect(connect(&server, None).await, &opts, &cp).await;
            let events: Vec<ChangeEvent> = events.into_iter().map(|(e, _)| e).collect();
            check_framing(&events);
            assert_eq!(rows_of(&events), want, "policy {policy:?}");
        }
    });
}

/// The text of every row of `table`, by `id`.
fn rows_by_id(rows: impl IntoIterator<Item = Vec<Value>>) -> BTreeMap<i64, Vec<Option<String>>> {
    rows.into_iter()
        .map(|r| {
            let id = r[0].as_i128().unwrap() as i64;
            (id, r.iter().map(text).collect())
        })
        .collect()
}

#[test]
fn snapshot_plus_change_events_equal_the_final_table() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("chg_snap");
    let name = db.name().to_string();
    db.exec("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(20), n INT, d DECIMAL(8,2))");
    let values: Vec<String> = (1..=300)
        .map(|i| format!("({i}, 'r{i}', {}, {i}.25)", i * 7 % 13))
        .collect();
    db.exec(&format!("INSERT INTO t VALUES {}", values.join(", ")));

    // Writes run before, during and after the snapshot.
    let (srv, n) = (server.clone(), name.clone());
    let workload = std::thread::spawn(move || {
        let mut rng = Lcg(7);
        for round in 0..120 {
            let id = 1 + rng.next(400);
            let sql = match rng.next(4) {
                0 => format!("REPLACE INTO t VALUES ({id}, 'w{round}', {round}, {round}.5)"),
                1 => format!(
                    "UPDATE t SET n = n + 1, a = 'u{round}' WHERE id BETWEEN {id} AND {}",
                    id + 3
                ),
                2 => format!("DELETE FROM t WHERE id = {id}"),
                _ => format!(
                    "BEGIN; UPDATE t SET d = d + 1 WHERE id = {id}; \
                     INSERT IGNORE INTO t VALUES ({}, 'b{round}', NULL, NULL); COMMIT",
                    400 + round
                ),
            };
            srv.exec(Some(&n), &sql);
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(300));

    run(180, async {
        let mut lock = connect(&server, None).await;
        let mut workers = vec![connect(&server, None).await, connect(&server, None).await];
        let position = cdc_mysql::consistent_snapshot(&mut lock, &mut workers)
            .await
            .unwrap();
        let opts = ChangeOptions::new(server_id(5))
            .filter(TableFilter::all().include_table(TableId::new(&name, "t")))
            .non_blocking(true);
        let cp = Checkpoint::from_catalog(&mut lock, &opts, &position)
            .await
            .unwrap();
        let mut snapshot = Vec::new();
        cdc_mysql::read_table(
            &mut workers,
            &TableRead {
                schema: name.clone(),
                table: "t".into(),
                key: "id".into(),
                chunk_keys: 64,
            },
            |_, row| {
                snapshot.push(row);
                Ok(())
            },
        )
        .await
        .unwrap();
        cdc_mysql::end_snapshot(&mut workers).await.unwrap();
        let mut table = rows_by_id(snapshot);
        let at_snapshot = table.clone();

        workload.join().unwrap();
        let (events, _) = collect(connect(&server, None).await, &opts, &cp).await;
        let events: Vec<ChangeEvent> = events.into_iter().map(|(e, _)| e).collect();
        check_framing(&events);
        let mut applied = 0;
        for ev in &events {
            let key = |r: &cdc_model::RowImage| r.values[0].as_i128().unwrap() as i64;
            let texts = |r: &cdc_model::RowImage| r.values.iter().map(text).collect::<Vec<_>>();
            match &ev.change {
                Change::Insert { after, .. } => {
                    let old = table.insert(key(after), texts(after));
                    assert!(
                        old.is_none(),
                        "insert of an existing row at {}",
                        ev.position
                    );
                }
                Change::Update { before, after, .. } => {
                    let before = before.as_ref().unwrap();
                    let old = table.remove(&key(before));
                    assert_eq!(old, Some(texts(before)), "update at {}", ev.position);
                    table.insert(key(after), texts(after));
                }
                Change::Delete { before, .. } => {
                    let old = table.remove(&key(before));
                    assert_eq!(old, Some(texts(before)), "delete at {}", ev.position);
                }
                Change::Begin | Change::Commit => continue,
                other => panic!("unexpected {other:?}"),
            }
            applied += 1;
        }
        let mut conn = connect(&server, None).await;
        let final_rows = conn
            .query_rows(&format!("SELECT * FROM `{name}`.t ORDER BY id"))
            .await
            .unwrap();
        let final_table = rows_by_id(final_rows.iter().map(|r| r.values().unwrap()));
        assert!(
            applied > 0 && at_snapshot != final_table,
            "no writes after the snapshot"
        );
        assert!(
            table == final_table,
            "snapshot + changes differ from the final table"
        );
        // every change is of `t`
        assert!(events.iter().all(|e| {
            e.change
                .table()
                .is_none_or(|t| t.id == TableId::new(&name, "t"))
        }));
    });
}

#[test]
fn a_schema_that_does_not_fit_the_table_map_is_an_error_naming_table_and_position() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("chg_mismatch");
    let name = db.name().to_string();
    db.exec("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(10))");
    db.exec("CREATE TABLE other (id INT NOT NULL PRIMARY KEY)");
    let start = here(&server);
    run(60, async {
        let opts = ChangeOptions::new(server_id(6))
            .filter(TableFilter::all().include_database(&name))
            .non_blocking(true);
        let mut conn = connect(&server, None).await;
        let cp = Checkpoint::from_catalog(&mut conn, &opts, &start)
            .await
            .unwrap();
        // A history that is wrong about `t`: a column the table does not have.
        let mut history = cp.history().unwrap();
        history
            .apply(
                &SourcePosition::Binlog(BinlogPosition::new(
                    start.binlog.file.clone(),
                    start.binlog.offset - 1,
                )),
                &name,
                "ALTER TABLE t ADD COLUMN bogus INT",
            )
            .unwrap();
        let wrong = Checkpoint::new(&start, &history).unwrap();
        db.exec("INSERT INTO other VALUES (1)");
        let (file, at) = server.current_binlog();
        db.exec("INSERT INTO t VALUES (1, 'x')");

        let mut stream = ChangeStream::start(connect(&server, None).await, &opts, &wrong)
            .await
            .unwrap();
        let mut ok = Vec::new();
        let err = loop {
            match stream.next().await {
                Some(Ok(ev)) => ok.push(ev),
                Some(Err(e)) => break e,
                None => panic!("no error"),
            }
        };
        match &err {
            cdc_mysql::ChangeError::TableMapMismatch {
                table,
                position: SourcePosition::Binlog(p),
                detail,
            } => {
                assert_eq!(*table, TableId::new(&name, "t"));
                assert_eq!(p.file, file);
                assert!(p.offset >= at, "{p} before the INSERT at {at}");
                assert!(detail.contains("columns"), "{detail}");
            }
            other => panic!("{other}"),
        }
        assert!(!err.is_retryable());
        assert!(err.to_string().contains(&format!("{name}.t")), "{err}");
        // the row of `other` before it came through; nothing after the error
        assert!(ok.iter().any(|e| matches!(&e.change,
            Change::Insert { table, .. } if table.id.name == "other")));
        assert!(stream.next().await.is_none());

        // The same wrong history with `t` not selected: its TABLE_MAP is not checked and its
        // rows are not decoded.
        let opts = opts.filter(
            TableFilter::all()
                .include_database(&name)
                .exclude_table(TableId::new(&name, "t")),
        );
        let (events, _) = collect(connect(&server, None).await, &opts, &wrong).await;
        assert!(
            events
                .iter()
                .all(|(e, _)| e.change.table().is_none_or(|t| t.id.name == "other"))
        );
    });
}

#[test]
fn ddl_between_the_start_position_and_the_catalog_read_is_an_error() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("chg_race");
    let name = db.name().to_string();
    db.exec("CREATE TABLE t (id INT NOT NULL PRIMARY KEY)");
    let start = here(&server);
    db.exec("INSERT INTO t VALUES (1)");
    db.exec("ALTER TABLE t ADD COLUMN a INT");
    run(60, async {
        let opts = ChangeOptions::new(server_id(7))
            .filter(TableFilter::all().include_database(&name))
            .non_blocking(true);
        let mut conn = connect(&server, None).await;
        let cp = Checkpoint::from_catalog(&mut conn, &opts, &start)
            .await
            .unwrap();
        assert!(cp.catalog_read_at.is_some());
        // survives the JSON round trip
        let cp = Checkpoint::from_json(&cp.to_json().unwrap()).unwrap();
        let mut stream = ChangeStream::start(conn, &opts, &cp).await.unwrap();
        let err = loop {
            match stream.next().await {
                Some(Ok(_)) => {}
                Some(Err(e)) => break e,
                None => panic!("no error"),
            }
        };
        assert!(
            matches!(
                err,
                cdc_mysql::ChangeError::SchemaChangedBeforeCatalogRead { .. }
            ),
            "{err}"
        );
    });
}

#[test]
fn an_idle_stream_yields_heartbeats_at_its_position() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("chg_idle");
    let name = db.name().to_string();
    let start = here(&server);
    run(60, async {
        let mut opts =
            ChangeOptions::new(server_id(8)).filter(TableFilter::all().include_database(&name));
        opts.heartbeat = Some(std::time::Duration::from_millis(100));
        let mut conn = connect(&server, None).await;
        let cp = Checkpoint::from_catalog(&mut conn, &opts, &start)
            .await
            .unwrap();
        let mut stream = ChangeStream::start(conn, &opts, &cp).await.unwrap();
        loop {
            let ev = stream.next().await.unwrap().unwrap();
            if ev.change == Change::Heartbeat {
                assert!(ev.txn.is_none());
                assert!(ev.position >= SourcePosition::Binlog(start.binlog.clone()));
                break;
            }
        }
    });
}
