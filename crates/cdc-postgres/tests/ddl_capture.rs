//! Live: the DDL capture's event triggers put DDL into the pgoutput stream as transactional
//! messages, in commit order relative to row changes; rolled-back DDL leaves nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use cdc_model::{Change, Ddl, Value};
use cdc_pgoutput::{Decoder, PgOutputMessage, ProtocolOptions};
use cdc_postgres::ddl_capture::{DdlCapture, DdlEventKind};
use cdc_testkit::{PgDatabase, Postgres};
use common::{connect, run};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The slot's stream (proto 1, messages on), rendered one line per event.
fn stream(db: &PgDatabase, slot: &str, capture: &DdlCapture) -> Vec<String> {
    let rows = db.query(&format!(
        "SELECT encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('{slot}', NULL, \
         NULL, 'proto_version', '1', 'publication_names', 'p', 'messages', 'true')"
    ));
    let mut decoder = Decoder::new(ProtocolOptions::version(1)).unwrap();
    let mut out = Vec::new();
    for r in rows {
        let d = decoder
            .decode(&Bytes::from(hex(r[0].as_deref().unwrap())))
            .unwrap();
        match (&d.message, &d.change) {
            (PgOutputMessage::Begin(_), _) => out.push("begin".to_owned()),
            (PgOutputMessage::Commit(_), _) => out.push("commit".to_owned()),
            (PgOutputMessage::Message(m), _) => {
                let e = capture.parse_message(m).unwrap().expect("our prefix");
                let kind = match e.event {
                    DdlEventKind::CommandEnd => "ddl",
                    DdlEventKind::Drop => "drop",
                };
                // toast objects are named by OID: left out; `*` marks what the user dropped
                let objects: Vec<String> = e
                    .objects
                    .iter()
                    .filter(|o| o.schema.as_deref() != Some("pg_toast"))
                    .map(|o| {
                        let star = if o.original == Some(true) { "*" } else { "" };
                        format!("{star}{} {}", o.object_type, o.identity)
                    })
                    .collect();
                out.push(format!(
                    "{kind} {} [{}] {:?}",
                    e.tag,
                    objects.join(", "),
                    e.query
                ));
            }
            (_, Some(Change::Insert { table, after })) => {
                let vals: Vec<String> = after
                    .values
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => i.to_string(),
                        Value::Null => "null".into(),
                        other => other.as_str().map_or(format!("{other:?}"), str::to_owned),
                    })
                    .collect();
                out.push(format!("insert {} ({})", table.id, vals.join(", ")));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn ddl_arrives_in_commit_order_with_row_changes_and_rollbacks_leave_nothing() {
    let db = Postgres::from_env().fresh_database("pg_ddl_cap");
    let capture = DdlCapture::new("cdc.ddl");
    let slot = format!("{}_s", db.name());
    run(30, async {
        let mut conn = connect(&db).await;
        // installing twice is harmless
        capture.install(&mut conn).await.unwrap();
        capture.install(&mut conn).await.unwrap();
    });
    let triggers = db.query("SELECT evtname, evtevent FROM pg_event_trigger ORDER BY 1");
    assert_eq!(
        triggers,
        [
            [Some("cdc_ddl_capture_drop".into()), Some("sql_drop".into())],
            [
                Some("cdc_ddl_capture_end".into()),
                Some("ddl_command_end".into())
            ],
        ]
    );
    db.exec(&format!(
        "CREATE PUBLICATION p FOR ALL TABLES; \
         SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')"
    ));

    // psql sends statement by statement, so current_query() is each statement
    db.exec(
        "BEGIN; \
         CREATE TABLE a (id int PRIMARY KEY, v text); \
         INSERT INTO a VALUES (1, 'x'); \
         COMMIT; \
         BEGIN; \
         INSERT INTO a VALUES (2, 'y'); \
         ALTER TABLE a ADD COLUMN w int; \
         INSERT INTO a VALUES (3, 'z', 3); \
         COMMIT; \
         BEGIN; \
         CREATE TABLE ghost (x int); \
         INSERT INTO a VALUES (99, 'rolled back', 0); \
         ROLLBACK;",
    );
    // A DDL transaction that starts first but commits after another one.
    run(30, async {
        let mut first = connect(&db).await;
        let mut second = connect(&db).await;
        first.batch_execute("BEGIN").await.unwrap();
        first
            .batch_execute("CREATE TABLE late (id int)")
            .await
            .unwrap();
        second
            .batch_execute("INSERT INTO a VALUES (4, 'meanwhile', 4)")
            .await
            .unwrap();
        first
            .batch_execute("INSERT INTO late VALUES (7)")
            .await
            .unwrap();
        first.batch_execute("COMMIT").await.unwrap();
    });
    db.exec("DROP TABLE a");

    let got = stream(&db, &slot, &capture);
    let expected = [
        "begin",
        "ddl CREATE TABLE [table public.a, index public.a_pkey] \"CREATE TABLE a (id int PRIMARY KEY, v text);\"",
        "insert public.a (1, x)",
        "commit",
        "begin",
        "insert public.a (2, y)",
        "ddl ALTER TABLE [table public.a] \"ALTER TABLE a ADD COLUMN w int;\"",
        "insert public.a (3, z, 3)",
        "commit",
        "begin",
        "insert public.a (4, meanwhile, 4)",
        "commit",
        "begin",
        "ddl CREATE TABLE [table public.late] \"CREATE TABLE late (id int)\"",
        "insert public.late (7)",
        "commit",
        "begin",
        "drop DROP TABLE [*table public.a, type public.a, type public.a[], table constraint a_pkey on public.a, index public.a_pkey] \"DROP TABLE a\"",
        "ddl DROP TABLE [] \"DROP TABLE a\"",
        "commit",
    ];
    assert_eq!(got, expected, "{got:#?}");
    assert!(!got.iter().any(|l| l.contains("ghost") || l.contains("99")));

    // The model change and the event's context.
    let rows = db.query(&format!(
        "SELECT encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('{slot}', NULL, \
         NULL, 'proto_version', '1', 'publication_names', 'p', 'messages', 'true')"
    ));
    let mut decoder = Decoder::new(ProtocolOptions::version(1)).unwrap();
    let first_ddl = rows
        .iter()
        .find_map(|r| {
            match decoder
                .decode(&Bytes::from(hex(r[0].as_deref().unwrap())))
                .unwrap()
                .message
            {
                PgOutputMessage::Message(m) => Some(capture.parse_message(&m).unwrap().unwrap()),
                _ => None,
            }
        })
        .unwrap();
    assert_eq!(first_ddl.database, db.name());
    assert_eq!(first_ddl.user, "postgres");
    assert_eq!(first_ddl.search_path, "\"$user\", public");
    assert_eq!(first_ddl.current_schema.as_deref(), Some("public"));
    assert_eq!(
        first_ddl.objects[0].command_tag.as_deref(),
        Some("CREATE TABLE")
    );
    assert_eq!(first_ddl.objects[0].in_extension, Some(false));
    assert_eq!(
        first_ddl.to_change(),
        Some(Change::Ddl(Ddl {
            schema: Some("public".into()),
            statement: "CREATE TABLE a (id int PRIMARY KEY, v text);".into(),
        }))
    );

    // Uninstalled: DDL no longer emits messages; uninstalling again is harmless.
    run(30, async {
        let mut conn = connect(&db).await;
        capture.uninstall(&mut conn).await.unwrap();
        capture.uninstall(&mut conn).await.unwrap();
    });
    let before = stream(&db, &slot, &capture).len();
    db.exec("CREATE TABLE after_uninstall (x int)");
    assert_eq!(stream(&db, &slot, &capture).len(), before);
    assert!(db.query("SELECT 1 FROM pg_event_trigger").is_empty());
}

#[test]
fn a_custom_prefix_schema_and_name_are_used_and_other_prefixes_are_ignored() {
    let db = Postgres::from_env().fresh_database("pg_ddl_pfx");
    db.exec("CREATE SCHEMA \"Cap Ture\"");
    let capture = DdlCapture::new("it's \"mine\"")
        .schema("Cap Ture")
        .name("My Trigger");
    let slot = format!("{}_s", db.name());
    run(30, async {
        let mut conn = connect(&db).await;
        capture.install(&mut conn).await.unwrap();
    });
    db.exec(&format!(
        "CREATE PUBLICATION p FOR ALL TABLES; \
         SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')"
    ));
    db.exec(
        "BEGIN; \
         SELECT pg_logical_emit_message(true, 'someone else', 'hello'); \
         CREATE TABLE t (x int); \
         COMMIT;",
    );
    let rows = db.query(&format!(
        "SELECT encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('{slot}', NULL, \
         NULL, 'proto_version', '1', 'publication_names', 'p', 'messages', 'true')"
    ));
    let mut decoder = Decoder::new(ProtocolOptions::version(1)).unwrap();
    let mut prefixes = Vec::new();
    let mut ours = Vec::new();
    for r in rows {
        if let PgOutputMessage::Message(m) = decoder
            .decode(&Bytes::from(hex(r[0].as_deref().unwrap())))
            .unwrap()
            .message
        {
            prefixes.push(m.prefix.clone());
            if let Some(e) = capture.parse_message(&m).unwrap() {
                ours.push(e);
            }
        }
    }
    assert_eq!(prefixes, ["someone else", "it's \"mine\""]);
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].tag, "CREATE TABLE");
    assert_eq!(ours[0].objects[0].identity, "public.t");
    let functions = db.query(
        "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.prorettype = 'event_trigger'::regtype AND n.nspname <> 'pg_catalog'",
    );
    assert_eq!(
        functions,
        [[Some("Cap Ture".into()), Some("My Trigger".into())]]
    );
}
