//! MySQL/MariaDB to PostgreSQL and MaxCompute incremental DDL: each ALTER TABLE
//! specification applied to the source schema and written as the target's statements.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cdc_model::TableId;
use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaTracker, TrackerOptions};
use cdc_typemap::translate::{TranslateError, Translation, Translator};
use cdc_typemap::{Dialect, IssueKind, Mapper, NamePolicy, Severity};

fn tracker() -> SchemaTracker {
    let mut t = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
    t.seed_database(
        "shop",
        DatabaseDef {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        },
    );
    t.apply(
        "shop",
        "CREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         note VARCHAR(20) DEFAULT 'x', qty TINYINT UNSIGNED NOT NULL DEFAULT 1, \
         placed DATETIME NULL, UNIQUE KEY uk_note (note), KEY ix_placed (placed))",
    )
    .unwrap();
    t
}

fn policy() -> NamePolicy {
    let mut p = NamePolicy::default();
    p.schemas.insert("shop".into(), "sales".into());
    p.rename_column(TableId::new("shop", "orders"), "note", "memo");
    p
}

fn to(target: Dialect) -> Translator {
    Translator::new(
        Mapper::new(Dialect::MARIADB_1011, target).unwrap(),
        policy(),
    )
    .unwrap()
}

fn pg(sql: &str) -> Translation {
    to(Dialect::POSTGRES_15)
        .mysql(&tracker(), "shop", sql)
        .unwrap()
}

fn has(t: &Translation, kind: IssueKind, severity: Severity) -> bool {
    t.issues
        .iter()
        .any(|i| i.kind == kind && i.severity == severity)
}

const T: &str = "ALTER TABLE \"sales\".\"orders\"";

#[test]
fn create_table_is_schema_migration_ddl() {
    let t = pg(
        "CREATE TABLE items (id BIGINT PRIMARY KEY, sku CHAR(8) NOT NULL, at TIME, KEY ix_sku (sku(4)))",
    );
    assert_eq!(
        t.statements,
        [
            "CREATE TABLE \"sales\".\"items\" (\n  \"id\" bigint NOT NULL,\n  \"sku\" character(8) NOT NULL,\n  \"at\" time(0) without time zone,\n  PRIMARY KEY (\"id\")\n)",
            "CREATE INDEX \"items_ix_sku\" ON \"sales\".\"items\" ((left(\"sku\", 4)))",
        ]
    );
    assert!(has(&t, IssueKind::TimeOutOfRange, Severity::Lossy));
    assert!(has(&t, IssueKind::PrefixIndex, Severity::Note));
    // LIKE copies the tracked schema.
    let t = pg("CREATE TABLE IF NOT EXISTS orders2 LIKE orders");
    assert!(t.statements[0].starts_with("CREATE TABLE IF NOT EXISTS \"sales\".\"orders2\" ("));
    // IF NOT EXISTS over an existing table: nothing.
    assert!(
        pg("CREATE TABLE IF NOT EXISTS orders (a INT)")
            .statements
            .is_empty()
    );
}

#[test]
fn add_drop_rename_columns() {
    let t = pg(
        "ALTER TABLE orders ADD COLUMN c INT UNSIGNED NOT NULL DEFAULT 5 FIRST, DROP COLUMN placed, RENAME COLUMN qty TO amount",
    );
    assert_eq!(
        t.statements,
        [
            format!(
                "{T} ADD COLUMN \"c\" bigint DEFAULT '5' NOT NULL CHECK (\"c\" BETWEEN 0 AND 4294967295)"
            ),
            "DROP INDEX IF EXISTS \"sales\".\"orders_ix_placed\"".to_owned(),
            format!("{T} DROP COLUMN \"placed\""),
            format!("{T} RENAME COLUMN \"qty\" TO \"amount\""),
            format!("{T} RENAME CONSTRAINT \"orders_qty_check\" TO \"orders_amount_check\""),
        ]
    );
    assert!(has(&t, IssueKind::ColumnPosition, Severity::Note));
    assert!(has(&t, IssueKind::UnsignedWidened, Severity::Note));
}

#[test]
fn modify_and_change_column_are_type_null_default_and_check_changes() {
    let t = pg(
        "ALTER TABLE orders MODIFY qty SMALLINT NULL, CHANGE note title VARCHAR(40) NOT NULL DEFAULT 'n' AFTER id",
    );
    assert_eq!(
        t.statements,
        [
            // TINYINT UNSIGNED was smallint already (with a CHECK for its range).
            format!("{T} DROP CONSTRAINT IF EXISTS \"orders_qty_check\""),
            format!("{T} ALTER COLUMN \"qty\" DROP DEFAULT"),
            format!("{T} ALTER COLUMN \"qty\" DROP NOT NULL"),
            format!("{T} RENAME COLUMN \"memo\" TO \"title\""),
            format!("{T} ALTER COLUMN \"title\" DROP DEFAULT"),
            format!(
                "{T} ALTER COLUMN \"title\" TYPE character varying(40) USING \"title\"::character varying(40)"
            ),
            format!("{T} ALTER COLUMN \"title\" SET NOT NULL"),
            format!("{T} ALTER COLUMN \"title\" SET DEFAULT 'n'"),
        ]
    );
    assert!(has(&t, IssueKind::ColumnPosition, Severity::Note));
}

#[test]
fn defaults_keys_and_table_renames() {
    let t =
        pg("ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'z', ALTER COLUMN qty DROP DEFAULT");
    assert_eq!(
        t.statements,
        [
            format!("{T} ALTER COLUMN \"memo\" SET DEFAULT 'z'"),
            format!("{T} ALTER COLUMN \"qty\" DROP DEFAULT"),
        ]
    );
    let t = pg(
        "ALTER TABLE orders DROP INDEX uk_note, ADD INDEX ix_q (qty, note(3)), DROP PRIMARY KEY, ADD PRIMARY KEY (id, qty)",
    );
    assert_eq!(
        t.statements,
        [
            format!("{T} DROP CONSTRAINT IF EXISTS \"orders_uk_note\""),
            "CREATE INDEX \"orders_ix_q\" ON \"sales\".\"orders\" (\"qty\", (left(\"memo\", 3)))"
                .to_owned(),
            format!("{T} DROP CONSTRAINT IF EXISTS \"orders_pkey\""),
            format!("{T} ADD PRIMARY KEY (\"id\", \"qty\")"),
        ]
    );
    let t = pg("CREATE UNIQUE INDEX u2 ON orders (qty)");
    assert_eq!(
        t.statements,
        [format!("{T} ADD CONSTRAINT \"orders_u2\" UNIQUE (\"qty\")")]
    );
    let t = pg("DROP INDEX ix_placed ON orders");
    assert_eq!(
        t.statements,
        ["DROP INDEX IF EXISTS \"sales\".\"orders_ix_placed\""]
    );
    // Renames carry the names schema migration gave indexes and constraints along.
    let t = pg("RENAME TABLE orders TO shop.orders_old");
    assert_eq!(
        t.statements,
        [
            format!("{T} RENAME TO \"orders_old\""),
            "ALTER TABLE \"sales\".\"orders_old\" RENAME CONSTRAINT \"orders_pkey\" TO \"orders_old_pkey\"".to_owned(),
            "ALTER TABLE \"sales\".\"orders_old\" RENAME CONSTRAINT \"orders_uk_note\" TO \"orders_old_uk_note\"".to_owned(),
            "ALTER TABLE \"sales\".\"orders_old\" RENAME CONSTRAINT \"orders_id_check\" TO \"orders_old_id_check\"".to_owned(),
            "ALTER TABLE \"sales\".\"orders_old\" RENAME CONSTRAINT \"orders_qty_check\" TO \"orders_old_qty_check\"".to_owned(),
            "ALTER INDEX \"sales\".\"orders_ix_placed\" RENAME TO \"orders_old_ix_placed\"".to_owned(),
        ]
    );
    let t = pg("ALTER TABLE orders RENAME other.o2");
    assert_eq!(t.statements[0], format!("{T} SET SCHEMA \"other\""));
    assert_eq!(
        t.statements[1],
        "ALTER TABLE \"other\".\"orders\" RENAME TO \"o2\""
    );
}

#[test]
fn drop_and_truncate() {
    assert_eq!(
        pg("DROP TABLE IF EXISTS orders, shop.gone").statements,
        ["DROP TABLE IF EXISTS \"sales\".\"orders\", \"sales\".\"gone\""]
    );
    assert_eq!(
        pg("TRUNCATE orders").statements,
        ["TRUNCATE TABLE \"sales\".\"orders\""]
    );
}

#[test]
fn what_postgres_cannot_express_is_reported() {
    let t = pg(
        "ALTER TABLE orders ADD COLUMN upd TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3) AFTER id",
    );
    assert!(t.statements.iter().any(|s| s.starts_with("CREATE TRIGGER")));
    assert!(has(&t, IssueKind::OnUpdate, Severity::Note));
    assert!(has(&t, IssueKind::ColumnPosition, Severity::Note));
    let t = pg("ALTER TABLE orders CONVERT TO CHARACTER SET latin1");
    assert!(has(&t, IssueKind::Collation, Severity::Note));
    let t = pg("ALTER TABLE orders ADD FULLTEXT INDEX ft (note)");
    assert!(t.statements.is_empty());
    assert!(has(&t, IssueKind::IndexMethod, Severity::Unsupported));
    let t = pg("CREATE VIEW v AS SELECT 1");
    assert!(t.statements.is_empty());
    assert!(has(&t, IssueKind::Ddl, Severity::Unsupported));
    assert_eq!(pg("INSERT INTO orders VALUES ()"), Translation::default());
}

#[test]
fn failures_name_the_statement() {
    let tr = to(Dialect::POSTGRES_15);
    let e = tr
        .mysql(&tracker(), "shop", "ALTER TABLE nope ADD c INT")
        .unwrap_err();
    assert!(
        matches!(&e, TranslateError::Schema { statement, .. } if statement.contains("nope")),
        "{e}"
    );
    let e = tr
        .mysql(&tracker(), "shop", "ALTER TABLE orders ADD COLUMN qty INT")
        .unwrap_err();
    assert!(matches!(e, TranslateError::Schema { .. }), "{e}");
    let e = tr
        .mysql(&tracker(), "shop", "ALTER TABLE orders FROB")
        .unwrap_err();
    assert!(matches!(e, TranslateError::Parse { .. }), "{e}");
}

#[test]
fn maxcompute_takes_add_column_on_base_and_log() {
    let tr = to(Dialect::MAXCOMPUTE);
    let t = tr
        .mysql(&tracker(), "shop", "ALTER TABLE orders ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 0 COMMENT 'unit price' AFTER id, DROP COLUMN placed")
        .unwrap();
    assert_eq!(
        t.statements,
        [
            "ALTER TABLE `orders_base` ADD COLUMNS (`price` DECIMAL(10,2) COMMENT 'unit price')",
            "ALTER TABLE `orders_log` ADD COLUMNS (`price` DECIMAL(10,2) COMMENT 'unit price')",
        ]
    );
    assert!(has(&t, IssueKind::ColumnPosition, Severity::Note));
    assert!(has(&t, IssueKind::ColumnAttribute, Severity::Note));
    assert!(has(&t, IssueKind::Ddl, Severity::Unsupported));
    for sql in [
        "TRUNCATE orders",
        "CREATE TABLE x (a INT)",
        "DROP TABLE orders",
        "ALTER TABLE orders MODIFY qty INT",
    ] {
        let t = tr.mysql(&tracker(), "shop", sql).unwrap();
        assert!(t.statements.is_empty(), "{sql}");
        assert!(has(&t, IssueKind::Ddl, Severity::Unsupported), "{sql}");
    }
}
