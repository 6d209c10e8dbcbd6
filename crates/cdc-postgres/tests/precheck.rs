//! Live: prechecks fail and pass on a real server — a table without a key, a role without
//! privileges, a missing or partial publication, foreign slots — and the SQL in their hints
//! is what fixes them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cdc_postgres::Config;
use cdc_postgres::catalog::TableSelection;
use cdc_postgres::precheck::{Check, CheckId, Level, PrecheckTask, run as precheck};
use cdc_testkit::{PgDatabase, Postgres};
use common::{connect, connect_with, run};

fn checks(db: &PgDatabase, task: &PrecheckTask) -> Vec<Check> {
    run(30, async {
        let mut conn = connect(db).await;
        precheck(&mut conn, task).await.unwrap()
    })
}

fn checks_as(db: &PgDatabase, user: &str, task: &PrecheckTask) -> Vec<Check> {
    run(30, async {
        let config = Config::new(user).dbname(db.name());
        let mut conn = connect_with(db, config).await;
        precheck(&mut conn, task).await.unwrap()
    })
}

fn get<'a>(checks: &'a [Check], id: CheckId, object: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.id == id && c.object.as_deref() == Some(object))
        .unwrap_or_else(|| panic!("no {id} check for {object}: {checks:#?}"))
}

fn global(checks: &[Check], id: CheckId) -> &Check {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} check: {checks:#?}"))
}

/// The SQL part of a hint like `ALTER TABLE … ; (or add a primary key)`.
fn hint_sql(c: &Check) -> String {
    let h = c.hint.as_deref().unwrap();
    let end = h.find(';').unwrap();
    h[..=end].to_owned()
}

/// A role that exists for one test (roles are server-wide), dropped with its grants.
struct Role<'a> {
    db: &'a PgDatabase,
    name: String,
}

impl Drop for Role<'_> {
    fn drop(&mut self) {
        let r = &self.name;
        self.db
            .try_exec(&format!(
                "DROP OWNED BY \"{r}\"; DROP ROLE IF EXISTS \"{r}\""
            ))
            .ok();
    }
}

#[test]
fn a_ready_source_passes_every_check() {
    let db = Postgres::from_env().fresh_database("pg_pre_ok");
    db.exec(
        "CREATE TABLE t (id int PRIMARY KEY, v text); \
         CREATE TABLE f (a int, b text); ALTER TABLE f REPLICA IDENTITY FULL; \
         CREATE TABLE ev (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at); \
         CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2020-01-01') TO ('2021-01-01'); \
         CREATE PUBLICATION p FOR TABLE t, f, ev",
    );
    let task = PrecheckTask::new("p", format!("{}_slot", db.name())).with_tables(
        TableSelection::new()
            .table("public", "t")
            .table("public", "f")
            .table("public", "ev"),
    );
    let c = checks(&db, &task);
    assert!(c.iter().all(|c| c.passed), "{c:#?}");
    assert_eq!(global(&c, CheckId::WalLevel).observed, "logical");
    assert!(
        global(&c, CheckId::ServerVersion)
            .observed
            .starts_with("15.")
    );
    assert_eq!(
        global(&c, CheckId::ProtocolVersions).observed,
        "1 (base), 2 (streaming of large transactions), 3 (two-phase commit)"
    );
    assert_eq!(
        get(&c, CheckId::ReplicationPrivilege, "postgres").observed,
        "superuser"
    );
    assert_eq!(
        get(&c, CheckId::Slot, &task.slot).observed,
        "does not exist (will be created)"
    );
    assert_eq!(
        get(&c, CheckId::ReplicaIdentity, "public.t").observed,
        "DEFAULT (primary key)"
    );
    assert_eq!(
        get(&c, CheckId::ReplicaIdentity, "public.f").observed,
        "FULL"
    );
    // the partitioned table is checked through its partition
    assert_eq!(
        get(
            &c,
            CheckId::ReplicaIdentity,
            "public.ev_1 (partition of public.ev)"
        )
        .observed,
        "DEFAULT (primary key)"
    );
    assert_eq!(
        get(&c, CheckId::PartitionRouting, "public.ev").observed,
        "changes arrive under each partition's name"
    );
    for t in ["public.t", "public.f", "public.ev"] {
        assert!(get(&c, CheckId::PublicationCoversTable, t).passed);
        assert!(get(&c, CheckId::SelectPrivilege, t).passed);
    }
    assert_eq!(
        get(&c, CheckId::Publication, "p").observed,
        "exists, 4 tables"
    );
}

#[test]
fn a_table_without_a_key_fails_until_its_hint_is_applied() {
    let db = Postgres::from_env().fresh_database("pg_pre_ri");
    db.exec(
        "CREATE TABLE \"No Key\" (a int, b text); \
         CREATE TABLE nothing (id int PRIMARY KEY); \
         ALTER TABLE nothing REPLICA IDENTITY NOTHING; \
         CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at); \
         CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
    );
    let task = PrecheckTask::new("p", "unused_slot").with_tables(
        TableSelection::new()
            .table("public", "No Key")
            .table("public", "nothing")
            .table("public", "ev"),
    );
    let c = checks(&db, &task);
    let nokey = get(&c, CheckId::ReplicaIdentity, "public.No Key");
    assert!(nokey.is_blocking());
    assert_eq!(nokey.observed, "DEFAULT without a primary key");
    assert_eq!(
        nokey.hint.as_deref(),
        Some("ALTER TABLE \"public\".\"No Key\" REPLICA IDENTITY FULL; (or add a primary key)")
    );
    let nothing = get(&c, CheckId::ReplicaIdentity, "public.nothing");
    assert!(nothing.is_blocking());
    assert_eq!(nothing.observed, "NOTHING");
    let part = get(
        &c,
        CheckId::ReplicaIdentity,
        "public.ev_1 (partition of public.ev)",
    );
    assert!(part.is_blocking());

    for fix in [nokey, nothing, part] {
        db.exec(&hint_sql(fix));
    }
    db.exec("CREATE UNIQUE INDEX nothing_id ON nothing (id); ALTER TABLE nothing REPLICA IDENTITY USING INDEX nothing_id");
    let c = checks(&db, &task);
    let ri: Vec<(&str, bool, &str)> = c
        .iter()
        .filter(|c| c.id == CheckId::ReplicaIdentity)
        .map(|c| (c.object.as_deref().unwrap(), c.passed, c.observed.as_str()))
        .collect();
    assert_eq!(
        ri,
        [
            ("public.No Key", true, "FULL"),
            ("public.ev_1 (partition of public.ev)", true, "FULL"),
            ("public.nothing", true, "USING INDEX \"nothing_id\""),
        ]
    );
}

#[test]
fn a_role_without_privileges_fails_until_granted() {
    let db = Postgres::from_env().fresh_database("pg_pre_role");
    let role = Role {
        db: &db,
        name: format!("{}_r", db.name()),
    };
    db.exec(&format!(
        "CREATE ROLE \"{}\" LOGIN; CREATE TABLE t (id int PRIMARY KEY)",
        role.name
    ));
    let task =
        PrecheckTask::new("p", "some_slot").with_tables(TableSelection::new().table("public", "t"));
    let c = checks_as(&db, &role.name, &task);
    let repl = get(&c, CheckId::ReplicationPrivilege, &role.name);
    assert!(repl.is_blocking());
    assert_eq!(repl.observed, "neither REPLICATION nor superuser");
    assert_eq!(
        repl.hint.as_deref(),
        Some(format!("ALTER ROLE \"{}\" REPLICATION;", role.name).as_str())
    );
    let select = get(&c, CheckId::SelectPrivilege, "public.t");
    assert!(select.is_blocking());
    assert_eq!(
        select.hint.as_deref(),
        Some(format!("GRANT SELECT ON \"public\".\"t\" TO \"{}\";", role.name).as_str())
    );
    let publication = get(&c, CheckId::Publication, "p");
    assert!(publication.is_blocking());
    assert_eq!(
        publication.observed,
        "does not exist; the role lacks CREATE on the database"
    );
    assert!(
        publication
            .hint
            .as_deref()
            .unwrap()
            .starts_with(&format!("GRANT CREATE ON DATABASE \"{}\"", db.name()))
    );

    // The hints, run by a superuser.
    db.exec(&hint_sql(repl));
    db.exec(&hint_sql(select));
    db.exec(&hint_sql(publication));
    let c = checks_as(&db, &role.name, &task);
    assert!(get(&c, CheckId::ReplicationPrivilege, &role.name).passed);
    assert_eq!(
        get(&c, CheckId::ReplicationPrivilege, &role.name).observed,
        "REPLICATION"
    );
    assert!(get(&c, CheckId::SelectPrivilege, "public.t").passed);
    // CREATE on the database is not enough: CREATE PUBLICATION … FOR TABLE needs ownership
    let publication = get(&c, CheckId::Publication, "p");
    assert!(publication.is_blocking());
    assert_eq!(
        publication.observed,
        "does not exist; the role does not own public.t"
    );
    db.exec(&format!("ALTER TABLE t OWNER TO \"{}\"", role.name));
    let c = checks_as(&db, &role.name, &task);
    assert!(c.iter().all(|c| c.passed), "{c:#?}");
    drop(role);
}

#[test]
fn publication_missing_then_partial_then_covering() {
    let db = Postgres::from_env().fresh_database("pg_pre_pub");
    db.exec("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)");
    let task = PrecheckTask::new("my pub", "s1").with_tables(
        TableSelection::new()
            .table("public", "a")
            .table("public", "b")
            .table("public", "ghost"),
    );
    let c = checks(&db, &task);
    let ghost = get(&c, CheckId::TableExists, "public.ghost");
    assert!(ghost.is_blocking());
    let p = get(&c, CheckId::Publication, "my pub");
    assert!(p.passed);
    assert_eq!(p.observed, "does not exist; the role can create it");
    assert!(!c.iter().any(|c| c.id == CheckId::PublicationCoversTable));

    db.exec("CREATE PUBLICATION \"my pub\" FOR TABLE a WITH (publish = 'insert, update')");
    let c = checks(&db, &task);
    assert!(get(&c, CheckId::PublicationCoversTable, "public.a").passed);
    let b = get(&c, CheckId::PublicationCoversTable, "public.b");
    assert!(b.is_blocking());
    assert_eq!(
        b.hint.as_deref(),
        Some("ALTER PUBLICATION \"my pub\" ADD TABLE \"public\".\"b\";")
    );
    let ops = get(&c, CheckId::PublicationOperations, "my pub");
    assert!(!ops.passed);
    assert_eq!(ops.level, Level::Warning);
    assert_eq!(ops.observed, "insert, update");

    db.exec(&hint_sql(b));
    db.exec(&ops.hint.clone().unwrap());
    let c = checks(&db, &task);
    assert!(get(&c, CheckId::PublicationCoversTable, "public.b").passed);
    assert!(get(&c, CheckId::PublicationOperations, "my pub").passed);
    let failed: Vec<_> = c.iter().filter(|c| !c.passed).collect();
    assert_eq!(failed.len(), 1, "only the missing table: {failed:#?}");
}

#[test]
fn existing_slots_are_checked_for_plugin_and_activity() {
    let db = Postgres::from_env().fresh_database("pg_pre_slot");
    let wrong = format!("{}_td", db.name());
    let right = format!("{}_po", db.name());
    db.exec(&format!(
        "SELECT pg_create_logical_replication_slot('{wrong}', 'test_decoding'); \
         SELECT pg_create_logical_replication_slot('{right}', 'pgoutput')"
    ));
    let c = checks(&db, &PrecheckTask::new("p", &wrong));
    let s = get(&c, CheckId::Slot, &wrong);
    assert!(s.is_blocking());
    assert_eq!(s.observed, "a logical slot with plugin test_decoding");
    db.exec(&hint_sql(s).replace("choose another slot name, or drop it: ", ""));

    let c = checks(&db, &PrecheckTask::new("p", &right));
    let s = get(&c, CheckId::Slot, &right);
    assert!(s.passed);
    assert_eq!(
        s.observed,
        "a pgoutput slot of this database (will be resumed)"
    );
    assert!(global(&c, CheckId::MaxReplicationSlots).passed);
    assert!(
        global(&c, CheckId::MaxReplicationSlots)
            .observed
            .ends_with(" of 20 slots in use")
    );
    assert!(global(&c, CheckId::MaxWalSenders).passed);

    let c = checks(&db, &PrecheckTask::new("p", "Not-Valid"));
    assert!(get(&c, CheckId::Slot, "Not-Valid").is_blocking());
}
