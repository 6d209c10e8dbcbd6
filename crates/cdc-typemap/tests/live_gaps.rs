//! Live checks of partitioned tables, domains with constraints, generated columns of the
//! source's kind and MariaDB's JSON: the source objects are created on PostgreSQL 15 or
//! MariaDB 10.11, read back from the catalog into the model, the generated DDL runs on the
//! same server under other names, and the target's catalog is read back the same way and
//! compared with the source's (plus rows routed or checked by both).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cdc_model::{
    Column, ColumnType, DomainCheck, DomainDef, GeneratedKind, Index, Partition, PartitionStrategy,
    Partitioning, TableId, TableSchema,
};
use cdc_testkit::{MariaDb, PgDatabase, Postgres};
use cdc_typemap::ddl::{self, DdlOptions, TableDdl};
use cdc_typemap::{Dialect, IssueKind, Mapper};

fn run_pg(db: &PgDatabase, d: &TableDdl) {
    for s in d.schema_statements() {
        db.exec(s);
    }
}

fn one(db: &PgDatabase, sql: &str) -> Option<String> {
    let rows = db.query(sql);
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    rows[0][0].clone()
}

/// The partitioning of `schema.table` as PostgreSQL's catalog says: `pg_partitioned_table`
/// for the strategy, `pg_get_partkeydef` for the key, `pg_inherits` and
/// `pg_get_expr(relpartbound)` for the partitions, recursively. Partition schemas are kept
/// only when they differ from the parent's, as the model wants.
fn pg_partitioning(db: &PgDatabase, schema: &str, table: &str) -> Option<Partitioning> {
    let rel = format!("'\"{schema}\".\"{table}\"'::regclass");
    let rows = db.query(&format!(
        "SELECT partstrat::text, pg_get_partkeydef(partrelid) FROM pg_partitioned_table \
         WHERE partrelid = {rel}"
    ));
    let row = rows.first()?;
    let strategy = match row[0].as_deref().unwrap() {
        "r" => PartitionStrategy::Range,
        "l" => PartitionStrategy::List,
        "h" => PartitionStrategy::Hash,
        other => panic!("strategy {other}"),
    };
    let def = row[1].clone().unwrap();
    let key = def
        .split_once(" (")
        .and_then(|(_, k)| k.strip_suffix(')'))
        .unwrap()
        .to_owned();
    let mut p = Partitioning::new(strategy, key);
    let children = db.query(&format!(
        "SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid) \
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE i.inhparent = {rel} ORDER BY n.nspname, c.relname"
    ));
    for c in children {
        let (cs, cn) = (c[0].clone().unwrap(), c[1].clone().unwrap());
        let mut part = Partition::new(cn.clone(), c[2].clone().unwrap());
        if cs != schema {
            part.schema = Some(cs.clone());
        }
        part.subpartitioning = pg_partitioning(db, &cs, &cn).map(Box::new);
        p.partitions.push(part);
    }
    Some(p)
}

/// The same partitioning with partition schemas renamed.
fn rename_schemas(p: &Partitioning, map: &[(&str, &str)]) -> Partitioning {
    let mut p = p.clone();
    for part in &mut p.partitions {
        if let Some(s) = &part.schema {
            let to = map.iter().find(|(f, _)| f == s).map(|(_, t)| *t).unwrap();
            part.schema = Some(to.to_owned());
        }
        if let Some(sub) = &part.subpartitioning {
            part.subpartitioning = Some(Box::new(rename_schemas(sub, map)));
        }
    }
    p
}

/// Rows and the (schema-less) partition PostgreSQL routed each to.
fn routed(db: &PgDatabase, schema: &str, table: &str, key: &str) -> Vec<Vec<Option<String>>> {
    db.query(&format!(
        "SELECT c.relname, t.{key}::text FROM \"{schema}\".\"{table}\" t \
         JOIN pg_class c ON c.oid = t.tableoid ORDER BY 2, 1"
    ))
}

fn text() -> ColumnType {
    ColumnType::Text {
        max_bytes: None,
        charset: None,
    }
}

#[test]
fn postgres_partitioned_tables_are_recreated_with_the_same_catalog_and_routing() {
    let db = Postgres::from_env().fresh_database("typemap_part_pg");
    db.exec(
        "CREATE SCHEMA src; CREATE SCHEMA src_arch; CREATE SCHEMA tgt; CREATE SCHEMA tgt_arch;
         CREATE TABLE src.events (id bigint NOT NULL, \"At\" date NOT NULL, region text,
             PRIMARY KEY (id, \"At\")) PARTITION BY RANGE (\"At\");
         CREATE TABLE src_arch.events_old PARTITION OF src.events
             FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
         CREATE TABLE src.events_2024 PARTITION OF src.events
             FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY HASH (id);
         CREATE TABLE src.events_2024_h0 PARTITION OF src.events_2024
             FOR VALUES WITH (modulus 2, remainder 0);
         CREATE TABLE src.events_2024_h1 PARTITION OF src.events_2024
             FOR VALUES WITH (modulus 2, remainder 1);
         CREATE TABLE src.events_def PARTITION OF src.events DEFAULT;
         CREATE TABLE src.regions (id int, name text) PARTITION BY LIST (lower(name));
         CREATE TABLE src.regions_eu PARTITION OF src.regions FOR VALUES IN ('eu', 'uk');
         CREATE TABLE src.regions_null PARTITION OF src.regions FOR VALUES IN (NULL, 'x,y');",
    );
    let mut events = TableSchema::new(
        TableId::new("src", "events"),
        vec![
            Column::new("id", ColumnType::BigInt { unsigned: false }).not_null(),
            Column::new("At", ColumnType::Date).not_null(),
            Column::new("region", text()),
        ],
    );
    events.primary_key = Some(Index::new(Some("events_pkey"), &["id", "At"], true));
    events.partitioning = pg_partitioning(&db, "src", "events");
    let mut regions = TableSchema::new(
        TableId::new("src", "regions"),
        vec![
            Column::new("id", ColumnType::Int { unsigned: false }),
            Column::new("name", text()),
        ],
    );
    regions.partitioning = pg_partitioning(&db, "src", "regions");
    // The reader saw the whole tree.
    let ev = events.partitioning.as_ref().unwrap();
    assert_eq!(ev.to_string(), "RANGE (\"At\")");
    assert_eq!(ev.partitions.len(), 3);
    let names: Vec<_> = ev.partitions.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["events_2024", "events_def", "events_old"]);
    assert_eq!(ev.partitions[2].schema.as_deref(), Some("src_arch"));
    assert_eq!(
        ev.partitions[0]
            .subpartitioning
            .as_ref()
            .unwrap()
            .partitions
            .len(),
        2
    );
    assert_eq!(
        regions.partitioning.as_ref().unwrap().to_string(),
        "LIST (lower(name))"
    );

    let mapper = Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap();
    let mut o = DdlOptions::default();
    o.names.schemas.insert("src".into(), "tgt".into());
    o.names.schemas.insert("src_arch".into(), "tgt_arch".into());
    for t in [&events, &regions] {
        let d = ddl::create_table(&mapper, t, &o);
        assert!(d.issues.is_empty(), "{:?}", d.issues);
        run_pg(&db, &d);
        let want = rename_schemas(
            t.partitioning.as_ref().unwrap(),
            &[("src_arch", "tgt_arch")],
        );
        assert_eq!(
            pg_partitioning(&db, "tgt", &t.id.name).as_ref(),
            Some(&want),
            "{}",
            t.id
        );
    }
    // The same rows land in the same partitions on both sides.
    for schema in ["src", "tgt"] {
        db.exec(&format!(
            "INSERT INTO {schema}.events VALUES (1, '2023-05-01', 'eu'), (2, '2024-03-01', 'us'),
                 (3, '2024-07-01', NULL), (4, '2030-01-01', 'eu'), (5, '0100-01-01 BC', 'x');
             INSERT INTO {schema}.regions VALUES (1, 'EU'), (2, 'uk'), (3, NULL), (4, 'X,Y');"
        ));
    }
    for (table, key) in [("events", "id"), ("regions", "id")] {
        let src = routed(&db, "src", table, key);
        assert_eq!(src.len(), if table == "events" { 5 } else { 4 });
        assert_eq!(src, routed(&db, "tgt", table, key), "{table}");
    }
    // A value outside every list partition is rejected by both.
    for schema in ["src", "tgt"] {
        assert!(
            db.try_exec(&format!("INSERT INTO {schema}.regions VALUES (9, 'mars')"))
                .is_err()
        );
    }
    // The primary key created on the partitioned parent reached every leaf.
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM pg_index WHERE indisprimary AND indrelid IN \
             ('tgt_arch.events_old'::regclass, 'tgt.events_2024_h0'::regclass, \
              'tgt.events_2024_h1'::regclass, 'tgt.events_def'::regclass)"
        )
        .as_deref(),
        Some("4")
    );
}

/// A domain's definition as PostgreSQL's catalog says: `pg_type` for base type, NOT NULL and
/// default, `pg_constraint` with `pg_get_constraintdef` for the CHECKs.
fn pg_domain(db: &PgDatabase, schema: &str, name: &str, model_name: &str) -> DomainDef {
    let rows = db.query(&format!(
        "SELECT format_type(t.typbasetype, t.typtypmod), t.typnotnull::text, t.typdefault, \
                co.collname \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_collation co ON co.oid = t.typcollation AND t.typcollation <> 100 \
         WHERE n.nspname = '{schema}' AND t.typname = '{name}' AND t.typtype = 'd'"
    ));
    let r = &rows[0];
    let base = match r[0].as_deref().unwrap() {
        "integer" => ColumnType::Int { unsigned: false },
        "text" => text(),
        other => panic!("base {other}"),
    };
    let mut d = DomainDef::new(model_name, base);
    d.not_null = r[1].as_deref() == Some("true");
    d.default = r[2].clone();
    d.collation = r[3].clone();
    for c in db.query(&format!(
        "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c \
         JOIN pg_type t ON t.oid = c.contypid JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = '{schema}' AND t.typname = '{name}' AND c.contype = 'c' \
         ORDER BY conname"
    )) {
        let def = c[1].clone().unwrap();
        let expr = def.strip_prefix("CHECK ").unwrap();
        d.checks
            .push(DomainCheck::new(c[0].as_deref(), expr.to_owned()));
    }
    d
}

#[test]
fn postgres_domains_are_recreated_with_their_constraints() {
    let db = Postgres::from_env().fresh_database("typemap_domain_pg");
    db.exec(
        "CREATE SCHEMA src; CREATE SCHEMA tgt;
         CREATE DOMAIN src.posint AS integer DEFAULT 7 NOT NULL
             CONSTRAINT posint_positive CHECK (VALUE > 0) CONSTRAINT posint_small CHECK (VALUE < 1000);
         CREATE DOMAIN src.code AS text COLLATE \"C\" CHECK (VALUE ~ '^[A-Z]{2}$');",
    );
    let domain = |name: &str, base: ColumnType| ColumnType::Domain {
        name: name.into(),
        base: Box::new(base),
    };
    let mut t = TableSchema::new(
        TableId::new("src", "things"),
        vec![
            Column::new("id", ColumnType::Int { unsigned: false }).not_null(),
            Column::new("n", domain("posint", ColumnType::Int { unsigned: false })),
            Column::new("c", domain("code", text())),
        ],
    );
    t.domains = vec![
        pg_domain(&db, "src", "posint", "posint"),
        pg_domain(&db, "src", "code", "code"),
    ];
    assert_eq!(t.domains[0].checks.len(), 2);
    assert!(t.domains[0].not_null);
    assert_eq!(t.domains[1].collation.as_deref(), Some("C"));
    let mapper = Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap();
    let mut o = DdlOptions::default();
    o.names.schemas.insert("src".into(), "tgt".into());
    let d = ddl::create_table(&mapper, &t, &o);
    assert!(
        d.issues.iter().all(|i| i.kind != IssueKind::UserType),
        "{:?}",
        d.issues
    );
    run_pg(&db, &d);
    for name in ["posint", "code"] {
        assert_eq!(
            pg_domain(&db, "tgt", name, name),
            *t.domain(name).unwrap(),
            "{name}"
        );
    }
    // The constraints act: default, NOT NULL, both CHECKs, the pattern.
    db.exec("INSERT INTO tgt.things (id, c) VALUES (1, 'AB')");
    assert_eq!(
        one(&db, "SELECT n::text FROM tgt.things").as_deref(),
        Some("7")
    );
    for bad in [
        "INSERT INTO tgt.things (id, n) VALUES (2, 0)",
        "INSERT INTO tgt.things (id, n) VALUES (2, 1000)",
        "INSERT INTO tgt.things (id, n) VALUES (2, NULL)",
        "INSERT INTO tgt.things (id, c) VALUES (2, 'abc')",
    ] {
        assert!(db.try_exec(bad).is_err(), "{bad}");
    }
    // Without the definition the domain is bare, and that is reported.
    t.domains.clear();
    let mut o2 = DdlOptions::default();
    o2.names.schemas.insert("src".into(), "tgt2".into());
    let d = ddl::create_table(&mapper, &t, &o2);
    db.exec("CREATE SCHEMA tgt2");
    run_pg(&db, &d);
    assert_eq!(
        pg_domain(&db, "tgt2", "posint", "posint"),
        DomainDef::new("posint", ColumnType::Int { unsigned: false })
    );
    assert_eq!(
        d.issues
            .iter()
            .filter(|i| i.kind == IssueKind::UserType)
            .count(),
        2
    );
}

#[test]
fn postgres_generated_columns_are_recreated_stored_and_compute_on_the_target() {
    let db = Postgres::from_env().fresh_database("typemap_gen_pg");
    db.exec(
        "CREATE SCHEMA src; CREATE SCHEMA tgt;
         CREATE TABLE src.g (a int, twice int GENERATED ALWAYS AS (a * 2) STORED);",
    );
    let read = |schema: &str| {
        db.query(&format!(
            "SELECT a.attname, a.attgenerated::text, pg_get_expr(d.adbin, d.adrelid) \
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid \
             AND d.adnum = a.attnum WHERE a.attrelid = '{schema}.g'::regclass AND a.attnum > 0 \
             ORDER BY a.attnum"
        ))
    };
    let src = read("src");
    let expr = src[1][2].clone().unwrap();
    let t = TableSchema::new(
        TableId::new("src", "g"),
        vec![
            Column::new("a", ColumnType::Int { unsigned: false }),
            // As cdc-postgres's catalog gives it: the expression, the kind not said.
            Column {
                generated: Some(expr),
                ..Column::new("twice", ColumnType::Int { unsigned: false })
            },
        ],
    );
    let mapper = Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap();
    let mut o = DdlOptions::default();
    o.names.schemas.insert("src".into(), "tgt".into());
    let d = ddl::create_table(&mapper, &t, &o);
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    run_pg(&db, &d);
    assert_eq!(read("tgt"), src);
    // A row replicated without the generated column (as pgoutput sends it) gets its value.
    db.exec("INSERT INTO tgt.g (a) VALUES (21)");
    assert_eq!(
        one(&db, "SELECT twice::text FROM tgt.g").as_deref(),
        Some("42")
    );
}

#[test]
fn mariadb_gets_generated_columns_of_the_source_kind() {
    let db = MariaDb::from_env().fresh_database("typemap_gen_maria");
    let generated = |name: &str, kind: Option<GeneratedKind>| {
        let mut c = Column::new(name, ColumnType::Int { unsigned: false });
        c.generated = Some("`a` * 2".into());
        c.generated_kind = kind;
        c
    };
    let t = TableSchema::new(
        TableId::new("src", "g"),
        vec![
            Column::new("a", ColumnType::Int { unsigned: false }),
            generated("s", Some(GeneratedKind::Stored)),
            generated("v", Some(GeneratedKind::Virtual)),
            generated("u", None),
        ],
    );
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::MARIADB_1011).unwrap();
    let mut o = DdlOptions::default();
    o.names.schemas.insert("src".into(), db.name().into());
    let d = ddl::create_table(&mapper, &t, &o);
    for s in d.schema_statements() {
        db.exec(s);
    }
    let cols = db.query(
        "SELECT COLUMN_NAME, EXTRA, GENERATION_EXPRESSION FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'g' ORDER BY ORDINAL_POSITION",
    );
    let row = |n: &str, e: &str, g: Option<&str>| {
        vec![Some(n.to_owned()), Some(e.to_owned()), g.map(str::to_owned)]
    };
    assert_eq!(
        cols,
        vec![
            row("a", "", None),
            row("s", "STORED GENERATED", Some("`a` * 2")),
            row("v", "VIRTUAL GENERATED", Some("`a` * 2")),
            row("u", "VIRTUAL GENERATED", Some("`a` * 2")),
        ]
    );
    // Only the column whose kind the model did not say is reported.
    let reported: Vec<_> = d
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::Generated)
        .map(|i| i.column.clone().unwrap())
        .collect();
    assert_eq!(reported, ["u"]);
    db.exec("INSERT INTO g (a) VALUES (5)");
    assert_eq!(
        db.query("SELECT s, v, u FROM g"),
        vec![vec![
            Some("10".into()),
            Some("10".into()),
            Some("10".into())
        ]]
    );
}

#[test]
fn mysql_json_on_mariadb_is_longtext_with_json_valid_keeping_key_order_and_duplicates() {
    let db = MariaDb::from_env().fresh_database("typemap_json_maria");
    let t = TableSchema::new(
        TableId::new("src", "j"),
        vec![Column::new("doc", ColumnType::Json)],
    );
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::MARIADB_1011).unwrap();
    let mut o = DdlOptions::default();
    o.names.schemas.insert("src".into(), db.name().into());
    let d = ddl::create_table(&mapper, &t, &o);
    let notes: Vec<_> = d
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::JsonRepresentation)
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].severity, cdc_typemap::Severity::Note);
    for s in d.schema_statements() {
        db.exec(s);
    }
    // What the note says: LONGTEXT with a json_valid CHECK ...
    assert_eq!(
        db.query(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'j'"
        ),
        vec![vec![Some("longtext".into())]]
    );
    let check = db.query(
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'j'",
    );
    assert_eq!(check.len(), 1);
    assert!(
        check[0][0].as_deref().unwrap().contains("json_valid"),
        "{check:?}"
    );
    assert!(db.try_exec("INSERT INTO j VALUES ('{\"a\":')").is_err());
    // ... which keeps key order, white space and duplicate keys as written (MySQL would
    // store {"a": 3, "b": 1}).
    let doc = r#"{"b": 1,  "a": 2, "a": 3}"#;
    db.exec(&format!("INSERT INTO j VALUES ('{doc}')"));
    assert_eq!(
        db.query("SELECT doc FROM j"),
        vec![vec![Some(doc.to_owned())]]
    );
    assert_eq!(
        db.query("SELECT doc = '{\"a\": 3, \"b\": 1}' FROM j"),
        vec![vec![Some("0".into())]]
    );
}

#[test]
fn mysql_partitioning_reaches_mariadb() {
    let db = MariaDb::from_env().fresh_database("typemap_part_maria");
    let int = |n: &str| Column::new(n, ColumnType::Int { unsigned: false }).not_null();
    let region = Column::new(
        "region",
        ColumnType::VarChar {
            length: Some(8),
            charset: None,
        },
    )
    .not_null();
    let table = |name: &str, p: Partitioning, cols: Vec<Column>| {
        let mut t = TableSchema::new(TableId::new("src", name), cols);
        t.partitioning = Some(p);
        t
    };
    let mut range_cols = Partitioning::new(PartitionStrategy::Range, "`y`, `id`")
        .partition(Partition::new("p0", "VALUES LESS THAN (2000,0)"))
        .partition(Partition::new("p1", "VALUES LESS THAN (MAXVALUE,MAXVALUE)"));
    range_cols.columns = true;
    let list = Partitioning::new(PartitionStrategy::List, "`y` MOD 3")
        .partition(Partition::new("l0", "VALUES IN (0)"))
        .partition(Partition::new("l12", "VALUES IN (1,2)"));
    let hash = Partitioning::new(PartitionStrategy::Hash, "`id`")
        .partition(Partition::new("h0", ""))
        .partition(Partition::new("h1", ""))
        .partition(Partition::new("h2", ""));
    let mut key = Partitioning::new(PartitionStrategy::Key, "`region`")
        .partition(Partition::new("k0", ""))
        .partition(Partition::new("k1", ""));
    key.linear = true;
    let tables = [
        table("rc", range_cols, vec![int("id"), int("y")]),
        table("li", list, vec![int("id"), int("y")]),
        table("ha", hash, vec![int("id"), int("y")]),
        table("ke", key, vec![int("id"), region]),
    ];
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::MARIADB_1011).unwrap();
    let mut o = DdlOptions::default();
    o.names.schemas.insert("src".into(), db.name().into());
    for t in &tables {
        let d = ddl::create_table(&mapper, t, &o);
        assert!(d.issues.is_empty(), "{:?}", d.issues);
        for s in d.schema_statements() {
            db.exec(s);
        }
        let parts = db.query(&format!(
            "SELECT PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION, \
                    PARTITION_DESCRIPTION FROM information_schema.PARTITIONS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{}' \
             ORDER BY PARTITION_ORDINAL_POSITION",
            t.id.name
        ));
        let p = t.partitioning.as_ref().unwrap();
        let method = format!(
            "{}{}{}",
            if p.linear { "LINEAR " } else { "" },
            p.strategy.keyword(),
            if p.columns { " COLUMNS" } else { "" }
        );
        assert_eq!(parts.len(), p.partitions.len(), "{}", t.id);
        for (row, part) in parts.iter().zip(&p.partitions) {
            assert_eq!(row[0].as_deref(), Some(part.name.as_str()));
            assert_eq!(row[1].as_deref(), Some(method.as_str()));
            // MariaDB prints the key without spaces after commas.
            assert_eq!(
                row[2].as_deref(),
                Some(p.key.replace(", ", ",").as_str()),
                "{}",
                t.id
            );
            // The description is the bound's value list without its parentheses.
            let want = part
                .bound
                .strip_prefix("VALUES LESS THAN ")
                .or_else(|| part.bound.strip_prefix("VALUES IN "))
                .map(|v| v.trim_start_matches('(').trim_end_matches(')').to_owned());
            assert_eq!(row[3], want, "{}", t.id);
        }
    }
}
