//! Live round trips: the generated DDL runs on real MariaDB 10.11 and PostgreSQL 15 servers,
//! and the created tables' catalogs are read back and compared with the mapping.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cdc_model::{
    Charset, Column, ColumnDefault, ColumnType, ForeignKey, ForeignKeyAction, Index, KeyColumn,
    TableId, TableSchema,
};
use cdc_testkit::{MariaDb, Postgres};
use cdc_typemap::corpus::{self, CorpusColumn};
use cdc_typemap::ddl::{self, DdlOptions, TableDdl};
use cdc_typemap::{Dialect, MapOptions, Mapper, SpatialAs, is_reserved, reserved_words};

fn live(cols: Vec<CorpusColumn>) -> Vec<CorpusColumn> {
    cols.into_iter().filter(|c| c.live).collect()
}

fn options_into(schema: &str) -> DdlOptions {
    let mut o = DdlOptions::default();
    o.names.schemas.insert("corpus".into(), schema.into());
    o
}

fn run_pg(db: &cdc_testkit::PgDatabase, d: &TableDdl) {
    for s in d
        .schema_statements()
        .chain(d.after_load.iter().map(String::as_str))
    {
        db.exec(s);
    }
}

fn run_maria(db: &cdc_testkit::MariaDbDatabase, d: &TableDdl) {
    for s in d
        .schema_statements()
        .chain(d.after_load.iter().map(String::as_str))
    {
        db.exec(s);
    }
}

fn pg_columns(db: &cdc_testkit::PgDatabase, table: &str) -> Vec<(String, String)> {
    db.query(&format!(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute \
         WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
    ))
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
    .collect()
}

/// Column name, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME.
type MariaColumn = (String, String, Option<String>, Option<String>);

fn maria_columns(db: &cdc_testkit::MariaDbDatabase, table: &str) -> Vec<MariaColumn> {
    db.query(&format!(
        "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' \
         ORDER BY ORDINAL_POSITION"
    ))
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap(), r[2].clone(), r[3].clone()))
    .collect()
}

/// MariaDB's COLUMN_TYPE as MySQL 8 spells it: integer display widths dropped (except
/// `tinyint(1)`), `year(4)` as `year`.
fn mysql8_spelling(t: &str) -> String {
    let mut s = t.to_owned();
    for int in ["tinyint", "smallint", "mediumint", "int", "bigint"] {
        if let Some(rest) = s.strip_prefix(&format!("{int}(")) {
            if let Some(end) = rest.find(')') {
                let width = &rest[..end];
                if !(int == "tinyint" && width == "1") {
                    s = format!("{int}{}", &rest[end + 1..]);
                }
            }
            break;
        }
    }
    if s == "year(4)" {
        s = "year".into();
    }
    s
}

#[test]
fn mysql_corpus_round_trips_through_mariadb() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("typemap_my_my");
    let cols = live(corpus::mysql_columns());
    let table = corpus::table(TableId::new("corpus", "all_types"), &cols);
    let mapper = Mapper::new(Dialect::MARIADB_1011, Dialect::MARIADB_1011).unwrap();
    let d = ddl::create_table(&mapper, &table, &options_into(db.name()));
    run_maria(&db, &d);
    let got = maria_columns(&db, "all_types");
    assert_eq!(got.len(), cols.len());
    for (c, (name, ty, charset, collation)) in cols.iter().zip(&got) {
        let m = mapper.map_column(&table.id, &c.column);
        assert_eq!(name, &c.column.name);
        let want = m.target_type.clone().unwrap();
        // MariaDB's JSON is an alias of LONGTEXT.
        let want = if want == "json" {
            "longtext".into()
        } else {
            want
        };
        assert_eq!(mysql8_spelling(ty), want, "column {name}");
        // Same engine and version: the catalog spells it exactly as the source did (the
        // corpus spells JSON as MySQL does; MariaDB's catalog says longtext).
        let native = c.column.native_type.clone().unwrap();
        let native = if native == "json" {
            "longtext".into()
        } else {
            native
        };
        assert_eq!(ty, &native, "column {name}");
        if let Some(cs) = &m.charset {
            assert_eq!(charset.as_ref(), Some(cs), "column {name}");
        }
        if let Some(coll) = &m.collation {
            assert_eq!(collation.as_ref(), Some(coll), "column {name}");
        }
        assert!(
            m.issues.is_empty(),
            "identity reports nothing: {:?}",
            m.issues
        );
    }
}

#[test]
fn mysql80_collations_and_utf8_map_to_ones_mariadb_accepts() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("typemap_my80_maria");
    let vc = |name: &str, cs: Charset, coll: &str| {
        let mut c = Column::new(
            name,
            ColumnType::VarChar {
                length: Some(10),
                charset: Some(cs),
            },
        );
        c.collation = Some(coll.into());
        c
    };
    let mut id = Column::new("id", ColumnType::Int { unsigned: false }).not_null();
    id.auto_increment = true;
    let mut table = TableSchema::new(
        TableId::new("corpus", "colls"),
        vec![
            id,
            vc("a", Charset::Utf8mb4, "utf8mb4_0900_ai_ci"),
            vc("b", Charset::Utf8mb4, "utf8mb4_0900_as_cs"),
            vc("c", Charset::Utf8mb4, "utf8mb4_0900_bin"),
            vc("d", Charset::Utf8mb3, "utf8_general_ci"),
            vc("e", Charset::Utf8mb4, "utf8mb4_de_pb_0900_ai_ci"),
        ],
    );
    table.primary_key = Some(Index::new(None, &["id"], true));
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::MARIADB_1011).unwrap();
    let d = ddl::create_table(&mapper, &table, &options_into(db.name()));
    run_maria(&db, &d);
    let got = maria_columns(&db, "colls");
    for (c, (name, _, charset, collation)) in table.columns.iter().zip(&got).skip(1) {
        let m = mapper.map_column(&table.id, c);
        assert_eq!(charset, &m.charset, "{name}");
        assert_eq!(collation, &m.collation, "{name}");
    }
    assert_eq!(got[4].2.as_deref(), Some("utf8mb3"));
}

#[test]
fn mysql_corpus_round_trips_into_postgres() {
    let server = Postgres::from_env();
    let db = server.fresh_database("typemap_my_pg");
    let cols = live(corpus::mysql_columns());
    let table = corpus::table(TableId::new("corpus", "all_types"), &cols);
    // The test server has no PostGIS: spatial columns as WKB.
    let opts = MapOptions {
        spatial: SpatialAs::Wkb,
        ..MapOptions::default()
    };
    let mapper = Mapper::with_options(Dialect::MARIADB_1011, Dialect::POSTGRES_15, opts).unwrap();
    let d = ddl::create_table(&mapper, &table, &options_into("public"));
    run_pg(&db, &d);
    let got = pg_columns(&db, "public.all_types");
    assert_eq!(got.len(), cols.len());
    for (c, (name, ty)) in cols.iter().zip(&got) {
        let m = mapper.map_column(&table.id, &c.column);
        assert_eq!(name, &c.column.name);
        assert_eq!(Some(ty), m.target_type.as_ref(), "column {name}");
    }
    // The id is an identity column, and the unsigned/enum CHECKs exist.
    let identity = db.query(
        "SELECT attidentity FROM pg_attribute WHERE attrelid = 'public.all_types'::regclass \
         AND attname = 'id'",
    );
    assert_eq!(identity, vec![vec![Some("d".into())]]);
    let checks = db.query(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.all_types'::regclass \
         AND contype = 'c'",
    );
    let expected = cols
        .iter()
        .filter(|c| mapper.map_column(&table.id, &c.column).check.is_some())
        .count();
    assert_eq!(checks, vec![vec![Some(expected.to_string())]]);
    // The CHECKs hold the source domain: 256 does not fit TINYINT UNSIGNED, an unknown label
    // not the ENUM.
    assert!(
        db.try_exec("INSERT INTO all_types (c_utinyint) VALUES (256)")
            .is_err()
    );
    db.exec("INSERT INTO all_types (c_utinyint, c_enum) VALUES (255, 'it''s')");
    assert!(
        db.try_exec("INSERT INTO all_types (c_enum) VALUES ('huge')")
            .is_err()
    );
}

#[test]
fn postgres_corpus_round_trips_into_postgres() {
    let server = Postgres::from_env();
    let db = server.fresh_database("typemap_pg_pg");
    let cols = live(corpus::postgres_columns());
    let table = corpus::table(TableId::new("corpus", "all_types"), &cols);
    let mapper = Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap();
    let d = ddl::create_table(&mapper, &table, &options_into("public"));
    run_pg(&db, &d);
    let got = pg_columns(&db, "public.all_types");
    assert_eq!(got.len(), cols.len());
    for (c, (name, ty)) in cols.iter().zip(&got) {
        let m = mapper.map_column(&table.id, &c.column);
        assert_eq!(Some(ty), m.target_type.as_ref(), "column {name}");
        // Identity: the catalog spells it as the source's catalog did.
        assert_eq!(Some(ty), c.column.native_type.as_ref(), "column {name}");
    }
    let labels = db.query(
        "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum \
         WHERE enumtypid = 'public.mood'::regtype",
    );
    assert_eq!(labels, vec![vec![Some("sad,ok,happy".into())]]);
}

/// A table with keys, indexes, defaults, ON UPDATE, comments and a foreign key.
fn orders() -> (TableSchema, TableSchema) {
    let mut cid = Column::new("id", ColumnType::Int { unsigned: true }).not_null();
    cid.auto_increment = true;
    let mut customers = TableSchema::new(
        TableId::new("corpus", "customers"),
        vec![
            cid,
            Column::new(
                "email",
                ColumnType::VarChar {
                    length: Some(200),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
        ],
    );
    customers.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));

    let mut id = Column::new("id", ColumnType::BigInt { unsigned: false }).not_null();
    id.auto_increment = true;
    let mut created = Column::new("created", ColumnType::DateTime { precision: Some(6) });
    created.default = Some(ColumnDefault::Expression("current_timestamp(6)".into()));
    let mut updated = Column::new("updated", ColumnType::Timestamp { precision: None });
    updated.default = Some(ColumnDefault::Expression("current_timestamp()".into()));
    updated.on_update_current_timestamp = true;
    let mut status = Column::new(
        "status",
        ColumnType::VarChar {
            length: Some(16),
            charset: Some(Charset::Utf8mb4),
        },
    )
    .not_null();
    status.default = Some(ColumnDefault::Literal("new".into()));
    status.comment = Some("order state, it's free text".into());
    let mut shipped = Column::new("shipped", ColumnType::Date);
    shipped.default = Some(ColumnDefault::Literal("0000-00-00".into()));
    let mut orders = TableSchema::new(
        TableId::new("corpus", "orders"),
        vec![
            id,
            Column::new("customer_id", ColumnType::Int { unsigned: true }),
            Column::new(
                "title",
                ColumnType::Text {
                    max_bytes: Some(65_535),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
            status,
            created,
            updated,
            shipped,
        ],
    );
    orders.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    orders.unique_keys = vec![Index::new(
        Some("uk_status_created"),
        &["status", "created"],
        true,
    )];
    let mut title_prefix = Index::new(Some("ix_title"), &[], false);
    title_prefix.columns = vec![KeyColumn {
        column: "title".into(),
        prefix_len: Some(20),
        descending: false,
    }];
    let mut created_desc = Index::new(Some("ix_created"), &[], false);
    created_desc.columns = vec![KeyColumn {
        column: "created".into(),
        prefix_len: None,
        descending: true,
    }];
    orders.indexes = vec![title_prefix, created_desc];
    orders.foreign_keys = vec![ForeignKey {
        name: Some("fk_customer".into()),
        columns: vec!["customer_id".into()],
        referenced_table: TableId::new("corpus", "customers"),
        referenced_columns: vec!["id".into()],
        on_delete: ForeignKeyAction::SetNull,
        on_update: ForeignKeyAction::Cascade,
    }];
    orders.comment = Some("orders placed".into());
    (customers, orders)
}

#[test]
fn keys_defaults_triggers_and_foreign_keys_on_postgres() {
    let server = Postgres::from_env();
    let db = server.fresh_database("typemap_keys_pg");
    let (customers, orders) = orders();
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15).unwrap();
    let o = options_into("public");
    let dc = ddl::create_table(&mapper, &customers, &o);
    let d = ddl::create_table(&mapper, &orders, &o);
    run_pg(&db, &dc);
    run_pg(&db, &d);
    let indexes = db
        .query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1");
    let names: Vec<_> = indexes.iter().map(|r| r[0].clone().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            "orders_ix_created",
            "orders_ix_title",
            "orders_pkey",
            "orders_uk_status_created"
        ]
    );
    assert!(
        indexes[1][1]
            .as_ref()
            .unwrap()
            .contains("\"left\"(title, 20)")
    );
    assert!(indexes[0][1].as_ref().unwrap().contains("created DESC"));
    let fk = db.query(
        "SELECT confdeltype, confupdtype FROM pg_constraint WHERE conname = 'orders_fk_customer'",
    );
    assert_eq!(fk, vec![vec![Some("n".into()), Some("c".into())]]);
    // Defaults: the literal, CURRENT_TIMESTAMP; the zero date default is dropped.
    db.exec("INSERT INTO customers (email) VALUES ('a@example.com')");
    db.exec("INSERT INTO orders (customer_id, title) VALUES (1, 'first')");
    let row = db.query(
        "SELECT status, created IS NOT NULL, shipped IS NULL, updated IS NOT NULL FROM orders",
    );
    assert_eq!(
        row,
        vec![vec![
            Some("new".into()),
            Some("t".into()),
            Some("t".into()),
            Some("t".into())
        ]]
    );
    // ON UPDATE CURRENT_TIMESTAMP: the trigger moves `updated` when another column changes.
    db.exec("UPDATE orders SET updated = '2000-01-01 00:00:00+00'");
    db.exec("UPDATE orders SET title = 'second'");
    let moved = db.query("SELECT updated > '2000-01-02' FROM orders");
    assert_eq!(moved, vec![vec![Some("t".into())]]);
    let comment = db.query(
        "SELECT col_description('public.orders'::regclass, 4), \
         obj_description('public.orders'::regclass, 'pg_class')",
    );
    assert_eq!(
        comment,
        vec![vec![
            Some("order state, it's free text".into()),
            Some("orders placed".into())
        ]]
    );
    assert!(
        d.issues
            .iter()
            .any(|i| i.kind == cdc_typemap::IssueKind::PrefixIndex)
    );
    assert!(
        d.issues
            .iter()
            .any(|i| i.kind == cdc_typemap::IssueKind::Default)
    );
}

#[test]
fn keys_defaults_and_foreign_keys_on_mariadb() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("typemap_keys_maria");
    let (customers, orders) = orders();
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::MARIADB_1011).unwrap();
    let o = options_into(db.name());
    run_maria(&db, &ddl::create_table(&mapper, &customers, &o));
    run_maria(&db, &ddl::create_table(&mapper, &orders, &o));
    let stats = db.query(
        "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART, COLLATION FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' \
         ORDER BY INDEX_NAME, SEQ_IN_INDEX",
    );
    let s = |v: &[Option<&str>]| v.iter().map(|x| x.map(str::to_owned)).collect::<Vec<_>>();
    assert!(stats.contains(&s(&[
        Some("ix_title"),
        Some("title"),
        Some("20"),
        Some("A")
    ])));
    assert!(stats.contains(&s(&[Some("ix_created"), Some("created"), None, Some("D")])));
    assert!(stats.contains(&s(&[
        Some("uk_status_created"),
        Some("created"),
        None,
        Some("A")
    ])));
    let cols = db.query(
        "SELECT COLUMN_NAME, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION",
    );
    assert_eq!(cols[0][2].as_deref(), Some("auto_increment"));
    assert_eq!(cols[3][1].as_deref(), Some("'new'"));
    assert_eq!(cols[3][3].as_deref(), Some("order state, it's free text"));
    assert_eq!(cols[4][1].as_deref(), Some("current_timestamp(6)"));
    assert_eq!(cols[5][2].as_deref(), Some("on update current_timestamp()"));
    let fk = db.query(
        "SELECT UPDATE_RULE, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'fk_customer'",
    );
    assert_eq!(
        fk,
        vec![vec![Some("CASCADE".into()), Some("SET NULL".into())]]
    );
}

#[test]
fn postgres_reserved_words_are_exactly_pg_get_keywords_reserved_classes() {
    let server = Postgres::from_env();
    let rows = server.query("postgres", "SELECT word, catcode FROM pg_get_keywords()");
    assert!(rows.len() > 400, "{} keywords", rows.len());
    let wrong: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let word = r[0].as_deref().unwrap();
            let reserved = matches!(r[1].as_deref(), Some("R" | "T"));
            (is_reserved(Dialect::POSTGRES_15, word) != reserved)
                .then(|| format!("{word} (catcode {:?})", r[1]))
        })
        .collect();
    assert!(wrong.is_empty(), "differ from PostgreSQL 15: {wrong:?}");
    // and nothing else is listed
    let mut server_words: Vec<&str> = rows
        .iter()
        .filter(|r| matches!(r[1].as_deref(), Some("R" | "T")))
        .map(|r| r[0].as_deref().unwrap())
        .collect();
    server_words.sort_unstable();
    assert_eq!(reserved_words(Dialect::POSTGRES_15), server_words);
}

/// Tries every keyword of the server as an unquoted column name, in one procedure call, and
/// leaves the rejected ones in table `rejected`.
const MARIADB_KEYWORD_PROBE: &str = r"
CREATE TABLE rejected (w VARCHAR(64) PRIMARY KEY);
DELIMITER //
CREATE PROCEDURE probe()
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE w VARCHAR(64);
  DECLARE cur CURSOR FOR SELECT LOWER(WORD) FROM information_schema.KEYWORDS
    WHERE WORD REGEXP '^[A-Za-z_][A-Za-z0-9_]*$';
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  OPEN cur;
  words: LOOP
    FETCH cur INTO w;
    IF done THEN LEAVE words; END IF;
    BEGIN
      DECLARE CONTINUE HANDLER FOR SQLEXCEPTION INSERT IGNORE INTO rejected VALUES (w);
      EXECUTE IMMEDIATE CONCAT('CREATE TEMPORARY TABLE probe (', w, ' INT)');
      DROP TEMPORARY TABLE IF EXISTS probe;
    END;
  END LOOP;
  CLOSE cur;
END//
DELIMITER ;
CALL probe();
";

#[test]
fn mariadb_reserved_words_are_the_keywords_mariadb_rejects_unquoted() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("tm_keywords");
    db.exec(MARIADB_KEYWORD_PROBE);
    let words = |sql: &str| -> Vec<String> {
        db.query(sql)
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect()
    };
    let rejected = words("SELECT w FROM rejected ORDER BY w");
    let keywords = words(
        "SELECT LOWER(WORD) FROM information_schema.KEYWORDS \
         WHERE WORD REGEXP '^[A-Za-z_][A-Za-z0-9_]*$'",
    );
    assert!(rejected.len() > 200 && keywords.len() > 500);
    assert!(rejected.iter().any(|w| w == "select") && !rejected.iter().any(|w| w == "window"));
    // on the documentation's list, but accepted unquoted by 10.11
    let documented_only = [
        "general",
        "ignore_server_ids",
        "master_heartbeat_period",
        "slow",
    ];
    let mut wrong = Vec::new();
    for w in &keywords {
        let listed = is_reserved(Dialect::MARIADB_1011, w);
        let is_rejected = rejected.contains(w);
        if is_rejected != listed && !(listed && documented_only.contains(&w.as_str())) {
            wrong.push(format!("{w} (rejected: {is_rejected})"));
        }
    }
    for w in reserved_words(Dialect::MARIADB_1011) {
        if !rejected.iter().any(|r| r == w) && !documented_only.contains(&w) {
            wrong.push(format!("{w} (listed, accepted unquoted)"));
        }
    }
    assert!(wrong.is_empty(), "differ from MariaDB: {wrong:?}");
}

#[test]
fn enum_and_set_labels_with_backslashes_and_quotes_reach_mariadb_unchanged() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("tm_enum_escape");
    let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::MARIADB_1011).unwrap();
    let t = TableId::new("s", "e");
    let labels = vec![r"a\b".to_owned(), "it's".to_owned(), r"c\".to_owned()];
    let e = mapper.map_type(&t, "e", &ColumnType::Enum { name: None, labels });
    let s = mapper.map_type(
        &t,
        "s",
        &ColumnType::Set {
            labels: vec![r"x\y".to_owned()],
        },
    );
    let (e, s) = (e.target_type.unwrap(), s.target_type.unwrap());
    assert_eq!(e, r"enum('a\\b','it''s','c\\')");
    db.exec(&format!("CREATE TABLE e (e {e}, s {s})"));
    let columns = maria_columns(&db, "e");
    assert_eq!(columns[0].1, e);
    assert_eq!(columns[1].1, s);
    // the labels themselves are the source's: a\b is 61 5C 62, not a backspace
    db.exec(r"INSERT INTO e VALUES (1, 1), (2, NULL), (3, NULL)");
    let hex: Vec<String> = db
        .query("SELECT HEX(e) FROM e ORDER BY e")
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(hex, ["615C62", "69742773", "635C"]);
    assert_eq!(
        db.query("SELECT HEX(s) FROM e WHERE s IS NOT NULL")[0][0].as_deref(),
        Some("785C79")
    );
}

// ----- incremental DDL translation -------------------------------------------------------

use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaTracker, TrackerOptions};
use cdc_typemap::translate::{Translation, Translator};
use cdc_typemap::{IssueKind, NamePolicy};

fn maria_tracker(db: &str) -> SchemaTracker {
    let mut t = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
    t.seed_database(
        db,
        DatabaseDef {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        },
    );
    t
}

/// Runs `sql` on the source, translates it against the tracked schema before it, advances the
/// tracker, and returns the translation.
fn source_step(
    src: &cdc_testkit::MariaDbDatabase,
    tracker: &mut SchemaTracker,
    tr: &Translator,
    sql: &str,
) -> Translation {
    src.exec(sql);
    let out = tr.mysql(tracker, src.name(), sql).unwrap();
    tracker.apply(src.name(), sql).unwrap();
    out
}

/// Index name, key part order, column, prefix length of a MariaDB table.
fn maria_index_parts(db: &cdc_testkit::MariaDbDatabase, table: &str) -> Vec<Vec<Option<String>>> {
    db.query(&format!(
        "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, NON_UNIQUE FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' ORDER BY INDEX_NAME, SEQ_IN_INDEX"
    ))
}

#[test]
fn mysql_ddl_replayed_on_a_second_mariadb_database_gives_the_same_catalog() {
    let server = MariaDb::from_env();
    let src = server.fresh_database("ddlx_my_src");
    let dst = server.fresh_database("ddlx_my_dst");
    let s = src.name().to_owned();
    let mut names = NamePolicy::default();
    names.schemas.insert(s.clone(), dst.name().into());
    names.rename_table(
        TableId::new(&s, "orders"),
        TableId::new(dst.name(), "orders_t"),
    );
    names.rename_column(TableId::new(&s, "orders"), "note", "memo");
    let tr = Translator::new(
        Mapper::new(Dialect::MARIADB_1011, Dialect::MARIADB_1011).unwrap(),
        names.clone(),
    )
    .unwrap();
    let mut tracker = maria_tracker(&s);
    let workload = [
        "CREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         note VARCHAR(20) CHARACTER SET latin1 DEFAULT 'x', \
         placed DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), \
         KEY ix_note (note(5)), CONSTRAINT chk_note CHECK (note <> 'bad')) ENGINE=InnoDB",
        "CREATE TABLE items (id INT NOT NULL PRIMARY KEY, order_id INT UNSIGNED, sku CHAR(8) NOT NULL, \
         CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id))",
        "CREATE TABLE scratch (a INT)",
        "ALTER TABLE orders ADD COLUMN qty SMALLINT NOT NULL DEFAULT 1 AFTER id, \
         MODIFY note VARCHAR(40) CHARACTER SET utf8mb4, ADD UNIQUE KEY uk_note (note), ALGORITHM=COPY",
        "ALTER TABLE orders ADD COLUMN total DECIMAL(12,2) AS (qty * 2) VIRTUAL, ALTER COLUMN note SET DEFAULT 'y'",
        "ALTER TABLE orders CHANGE note memo_src VARCHAR(40) NOT NULL DEFAULT ''",
        "CREATE INDEX ix_sku ON items (sku(4) DESC, id)",
        "CREATE DEFINER=root@localhost SQL SECURITY DEFINER VIEW v_orders AS SELECT id, qty FROM orders",
        "CREATE DEFINER=`root`@`localhost` PROCEDURE count_orders() SELECT COUNT(*) FROM orders",
        "CREATE DEFINER=root@localhost FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
        "TRUNCATE TABLE items",
        "DROP INDEX ix_sku ON items",
        "RENAME TABLE items TO items2",
        "ALTER TABLE items2 ADD COLUMN price DECIMAL(10,2) UNSIGNED FIRST, RENAME COLUMN sku TO sku2",
        "DROP TABLE scratch",
    ];
    for sql in workload {
        let out = source_step(&src, &mut tracker, &tr, sql);
        assert_eq!(out.statements.len(), 1, "{sql}: {out:?}");
        for st in &out.statements {
            dst.try_exec(st)
                .unwrap_or_else(|e| panic!("{sql}\n-> {st}\n{e}"));
        }
    }
    // Tables: the target has the renamed ones and no scratch table.
    let tables = |db: &cdc_testkit::MariaDbDatabase| {
        db.query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME")
    };
    let rename = |t: &str| {
        if t == "orders" {
            "orders_t".to_string()
        } else {
            t.to_string()
        }
    };
    let want: Vec<Vec<Option<String>>> = tables(&src)
        .into_iter()
        .map(|r| vec![r[0].as_deref().map(rename), r[1].clone()])
        .collect();
    let mut want = want;
    want.sort();
    assert_eq!(tables(&dst), want);
    // Columns and keys, with the policy's names.
    for (s_table, d_table) in [("orders", "orders_t"), ("items2", "items2")] {
        let src_cols = maria_columns(&src, s_table);
        let want: Vec<MariaColumn> = src_cols
            .into_iter()
            .map(|(n, t, cs, co)| (names.column(&TableId::new(&s, s_table), &n), t, cs, co))
            .collect();
        assert_eq!(maria_columns(&dst, d_table), want, "{s_table}");
        assert_eq!(
            maria_index_parts(&dst, d_table),
            maria_index_parts(&src, s_table),
            "{s_table}"
        );
    }
    // Defaults, generated columns and ON UPDATE came through byte for byte.
    let extra = |db: &cdc_testkit::MariaDbDatabase, t: &str| {
        db.query(&format!("SELECT COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, EXTRA, GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{t}' ORDER BY ORDINAL_POSITION"))
    };
    assert_eq!(extra(&dst, "orders_t"), extra(&src, "orders"));
    // The check constraint and the foreign key exist on the target, against the renamed table.
    let fk = dst.query("SELECT CONSTRAINT_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()");
    assert_eq!(
        fk,
        vec![vec![Some("fk_order".into()), Some("orders_t".into())]]
    );
    let chk = dst.query("SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()");
    assert_eq!(chk, vec![vec![Some("chk_note".into())]]);
    // Views and routines: DEFINER on the source, INVOKER on the target.
    let view = |db: &cdc_testkit::MariaDbDatabase| {
        db.query("SELECT TABLE_NAME, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()")
    };
    assert_eq!(
        view(&src),
        vec![vec![Some("v_orders".into()), Some("DEFINER".into())]]
    );
    assert_eq!(
        view(&dst),
        vec![vec![Some("v_orders".into()), Some("INVOKER".into())]]
    );
    let routines = |db: &cdc_testkit::MariaDbDatabase| {
        db.query("SELECT ROUTINE_NAME, SECURITY_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME")
    };
    assert_eq!(
        routines(&src),
        vec![
            vec![Some("count_orders".into()), Some("DEFINER".into())],
            vec![Some("twice".into()), Some("DEFINER".into())]
        ]
    );
    assert_eq!(
        routines(&dst),
        vec![
            vec![Some("count_orders".into()), Some("INVOKER".into())],
            vec![Some("twice".into()), Some("INVOKER".into())]
        ]
    );
    // The view reads the renamed table on the target.
    dst.exec("INSERT INTO orders_t (id, qty) VALUES (1, 3)");
    assert_eq!(
        dst.query("SELECT qty FROM v_orders"),
        vec![vec![Some("3".into())]]
    );
    assert_eq!(dst.query("SELECT twice(4)"), vec![vec![Some("8".into())]]);
}

/// The parts of a PostgreSQL schema's catalog that DDL decides, with the schema name taken
/// out: columns (sorted by table and name, since added columns go last), constraints,
/// indexes and triggers.
fn pg_catalog(db: &cdc_testkit::PgDatabase, schema: &str) -> Vec<Vec<Option<String>>> {
    let q = |sql: &str| -> Vec<Vec<Option<String>>> {
        db.query(&sql.replace("$S", schema))
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| {
                        v.map(|v| {
                            v.replace(&format!("{schema}."), "S.")
                                .replace(&format!("\"{schema}\"."), "S.")
                        })
                    })
                    .collect()
            })
            .collect()
    };
    let mut out = q(
        "SELECT 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), \
         a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE n.nspname = '$S' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY c.relname, a.attname",
    );
    out.extend(q(
        "SELECT 'constraint', c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid) \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$S' \
         ORDER BY c.relname, k.conname",
    ));
    out.extend(q(
        "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes \
         WHERE schemaname = '$S' ORDER BY tablename, indexname",
    ));
    out.extend(q(
        "SELECT 'trigger', c.relname, t.tgname FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = '$S' AND NOT t.tgisinternal ORDER BY c.relname, t.tgname",
    ));
    out
}

#[test]
fn mysql_ddl_replayed_on_postgres_converges_to_schema_migration_of_the_final_schema() {
    let maria = MariaDb::from_env();
    let src = maria.fresh_database("ddlx_my_pg_src");
    let pg = Postgres::from_env();
    let db = pg.fresh_database("ddlx_my_pg");
    db.exec("CREATE SCHEMA live");
    db.exec("CREATE SCHEMA expect");
    let s = src.name().to_owned();
    let mut names = NamePolicy::default();
    names.schemas.insert(s.clone(), "live".into());
    names.rename_column(TableId::new(&s, "orders"), "note", "memo");
    let mapper = Mapper::new(Dialect::MARIADB_1011, Dialect::POSTGRES_15).unwrap();
    let tr = Translator::new(mapper.clone(), names.clone()).unwrap();
    let mut tracker = maria_tracker(&s);
    let workload = [
        "CREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         note VARCHAR(20) DEFAULT 'x', qty TINYINT UNSIGNED NOT NULL DEFAULT 1, placed DATETIME NULL, \
         UNIQUE KEY uk_note (note), KEY ix_placed (placed))",
        "ALTER TABLE orders ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 0 AFTER id, \
         ADD COLUMN state ENUM('new','paid') NOT NULL DEFAULT 'new'",
        "ALTER TABLE orders MODIFY qty SMALLINT NULL, CHANGE note title VARCHAR(40) NOT NULL DEFAULT 'n'",
        "ALTER TABLE orders ALTER COLUMN price SET DEFAULT 1.5, ADD INDEX ix_q (qty, title(3)), \
         DROP INDEX uk_note, ADD UNIQUE KEY uk_title (title)",
        "ALTER TABLE orders ADD COLUMN upd TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) \
         ON UPDATE CURRENT_TIMESTAMP(3) FIRST, CONVERT TO CHARACTER SET utf8mb4",
        "CREATE TABLE items (id BIGINT PRIMARY KEY, sku CHAR(8) NOT NULL, n INT, KEY ix_sku (sku(4)))",
        "CREATE INDEX ix_sku2 ON items (sku, id DESC)",
        "CREATE UNIQUE INDEX ux_n ON items (n)",
        "RENAME TABLE items TO items2",
        "ALTER TABLE items2 DROP COLUMN sku, MODIFY n BIGINT UNSIGNED",
        "ALTER TABLE orders RENAME COLUMN qty TO amount, DROP COLUMN placed",
        "ALTER TABLE orders MODIFY price DECIMAL(12,3) NOT NULL DEFAULT 0",
        "TRUNCATE items2",
        "CREATE TABLE gone (a INT)",
        "DROP TABLE gone",
        "DROP INDEX ix_placed_none ON orders",
    ];
    let mut issues = Vec::new();
    for sql in workload {
        if sql.contains("ix_placed_none") {
            // A statement the source rejects never reaches the binlog, and the translator
            // refuses it too.
            assert!(src.try_exec(sql).is_err());
            assert!(tr.mysql(&tracker, &s, sql).is_err());
            continue;
        }
        let out = source_step(&src, &mut tracker, &tr, sql);
        assert!(!out.statements.is_empty(), "{sql}");
        for st in &out.statements {
            db.try_exec(st)
                .unwrap_or_else(|e| panic!("{sql}\n-> {st}\n{e}"));
        }
        issues.extend(out.issues);
    }
    // What PostgreSQL cannot express was reported.
    for kind in [
        IssueKind::ColumnPosition,
        IssueKind::OnUpdate,
        IssueKind::Collation,
    ] {
        assert!(
            issues.iter().any(|i| i.kind == kind),
            "{kind:?}: {issues:#?}"
        );
    }
    // Schema migration of the final source schema into another schema is the oracle.
    let mut expect_opts = DdlOptions {
        names: names.clone(),
        ..DdlOptions::default()
    };
    expect_opts.names.schemas.insert(s.clone(), "expect".into());
    let mut tables: Vec<_> = tracker.tables().map(|t| t.schema.clone()).collect();
    tables.sort_by(|a, b| a.id.name.cmp(&b.id.name));
    assert_eq!(
        tables
            .iter()
            .map(|t| t.id.name.as_str())
            .collect::<Vec<_>>(),
        ["items2", "orders"]
    );
    for t in &tables {
        // The tracked schema is the source's: same column names as its catalog.
        let cat: Vec<String> = maria_columns(&src, &t.id.name)
            .into_iter()
            .map(|c| c.0)
            .collect();
        let tracked: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        assert_eq!(cat, tracked);
        run_pg(&db, &ddl::create_table(&mapper, t, &expect_opts));
    }
    let live = pg_catalog(&db, "live");
    let expect = pg_catalog(&db, "expect");
    assert_eq!(live, expect);
    // Not a vacuous comparison: renamed keys, changed indexes, the ON UPDATE trigger.
    let has = |kind: &str, table: &str, name: &str| {
        live.iter().any(|r| {
            r[0].as_deref() == Some(kind)
                && r[1].as_deref() == Some(table)
                && r[2].as_deref() == Some(name)
        })
    };
    assert!(has("constraint", "items2", "items2_pkey"));
    assert!(has("constraint", "items2", "items2_ux_n"));
    assert!(has("constraint", "items2", "items2_n_check"));
    assert!(has("index", "items2", "items2_ix_sku2"));
    assert!(!has("index", "items2", "items2_ix_sku"));
    assert!(has("constraint", "orders", "orders_state_check"));
    assert!(!has("constraint", "orders", "orders_qty_check"));
    assert!(has("column", "orders", "amount"));
    assert!(has("index", "orders", "orders_ix_q"));
    assert!(has("trigger", "orders", "orders_upd_on_update"));
    assert!(has("column", "orders", "title"));
    // And the types are the mapping's.
    for t in &tables {
        let target = names.table(&t.id);
        let mut got = pg_columns(&db, &format!("live.{}", target.name));
        got.sort();
        let mut want: Vec<(String, String)> = t
            .columns
            .iter()
            .map(|c| {
                (
                    names.column(&t.id, &c.name),
                    mapper.map_column(&t.id, c).target_type.unwrap(),
                )
            })
            .collect();
        want.sort();
        assert_eq!(got, want);
    }
}

/// `text` with the identifier `from` (a whole word of `[A-Za-z0-9_]`) replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        out.push_str(&rest[..i]);
        let before = out.chars().last();
        let after = rest[i + from.len()..].chars().next();
        if before.is_some_and(is_word) || after.is_some_and(is_word) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn postgres_ddl_replayed_with_renames_gives_the_renamed_catalog() {
    let pg = Postgres::from_env();
    let db = pg.fresh_database("ddlx_pg_pg");
    db.exec("CREATE SCHEMA src");
    db.exec("CREATE SCHEMA dst");
    let mut names = NamePolicy::default();
    names.schemas.insert("src".into(), "dst".into());
    names.rename_table(
        TableId::new("src", "orders"),
        TableId::new("dst", "orders_t"),
    );
    names.rename_column(TableId::new("src", "orders"), "note", "memo");
    let tr = Translator::new(
        Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap(),
        names,
    )
    .unwrap();
    let workload = [
        "CREATE TABLE orders (id bigint PRIMARY KEY, note text NOT NULL DEFAULT 'x', qty int CHECK (qty > 0))",
        "CREATE TABLE items (id int PRIMARY KEY, sku varchar(8))",
        "ALTER TABLE orders ADD COLUMN item_id int",
        "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new'",
        "ALTER TABLE orders ALTER COLUMN qty TYPE bigint",
        "ALTER TABLE orders ADD CONSTRAINT fk_item FOREIGN KEY (item_id) REFERENCES items (id)",
        "ALTER TABLE orders ADD CONSTRAINT chk_note CHECK (note <> '' AND orders.note <> 'bad')",
        "ALTER TABLE orders ALTER COLUMN note DROP DEFAULT",
        "CREATE INDEX ix_note ON orders (lower(note), qty DESC)",
        "ALTER TABLE items DROP COLUMN sku",
        "ALTER TABLE items RENAME TO items2",
        "TRUNCATE orders",
        "CREATE TABLE gone (a int)",
        "DROP TABLE gone",
    ];
    for sql in workload {
        db.exec(&format!("SET search_path TO src; {sql}"));
        let out = tr.postgres("src", sql).unwrap();
        assert_eq!(out.statements.len(), 1, "{sql}: {out:?}");
        assert!(out.issues.is_empty(), "{sql}: {out:?}");
        // The target session's search path is not the source's: names are qualified.
        db.try_exec(&out.statements[0])
            .unwrap_or_else(|e| panic!("{sql}\n-> {}\n{e}", out.statements[0]));
    }
    // The source catalog with the policy's names is the target catalog.
    let explicit = ["fk_item", "chk_note", "ix_note"];
    let want: Vec<Vec<Option<String>>> = pg_catalog(&db, "src")
        .into_iter()
        .map(|r| {
            let orders = r[1].as_deref() == Some("orders");
            r.iter()
                .enumerate()
                .map(|(i, v)| {
                    let v = v.clone()?;
                    Some(match (i, orders) {
                        (1, true) => "orders_t".to_owned(),
                        (2, true) if r[0].as_deref() == Some("column") => {
                            if v == "note" {
                                "memo".into()
                            } else {
                                v
                            }
                        }
                        (2, true) if !explicit.contains(&v.as_str()) => {
                            v.replacen("orders_", "orders_t_", 1)
                        }
                        (3.., true) => {
                            let v = replace_word(
                                &replace_word(&v, "note", "memo"),
                                "orders",
                                "orders_t",
                            );
                            // An index definition names the index: auto names follow the table.
                            match r[2].as_deref() {
                                Some(n) if !explicit.contains(&n) => v.replacen(
                                    &format!("INDEX {n} "),
                                    &format!("INDEX {} ", n.replacen("orders_", "orders_t_", 1)),
                                    1,
                                ),
                                _ => v,
                            }
                        }
                        _ => v,
                    })
                })
                .collect()
        })
        .collect();
    let mut want = want;
    want.sort();
    let mut got = pg_catalog(&db, "dst");
    got.sort();
    assert_eq!(got, want);
    // 6 columns, 5 constraints, 3 indexes; the renamed column in the CHECK and the index.
    assert_eq!(got.len(), 14);
    assert!(got.iter().any(|r| r[2].as_deref() == Some("chk_note")
        && r[4].as_deref().is_some_and(|d| d.contains("memo <> 'bad'"))));
    // No table was created anywhere else (unqualified names would have gone to public).
    assert_eq!(
        db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
        vec![vec![Some("0".into())]]
    );
}
