//! PostgreSQL to PostgreSQL incremental DDL: the seed's ALTER TABLE list plus CREATE, DROP
//! and TRUNCATE TABLE and CREATE INDEX, with table and column renames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cdc_model::TableId;
use cdc_typemap::translate::{TranslateError, Translation, Translator};
use cdc_typemap::{Dialect, IssueKind, Mapper, NamePolicy, Severity};

fn tr() -> Translator {
    let mut p = NamePolicy::default();
    p.schemas.insert("public".into(), "dst".into());
    p.rename_table(
        TableId::new("public", "orders"),
        TableId::new("dst", "orders_t"),
    );
    p.rename_column(TableId::new("public", "orders"), "note", "memo");
    p.rename_column(TableId::new("public", "items"), "sku", "Code");
    Translator::new(
        Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap(),
        p,
    )
    .unwrap()
}

fn pg(sql: &str) -> Translation {
    tr().postgres("public", sql).unwrap()
}

fn one(sql: &str) -> String {
    let t = pg(sql);
    assert_eq!(t.statements.len(), 1, "{t:?}");
    assert!(t.issues.is_empty(), "{t:?}");
    t.statements[0].clone()
}

#[test]
fn create_table_renames_everywhere() {
    assert_eq!(
        one(
            "CREATE TABLE Orders (id bigint PRIMARY KEY, note text NOT NULL DEFAULT 'x' CHECK (note <> ''), item_id int REFERENCES items (sku), CONSTRAINT u UNIQUE (note, id), FOREIGN KEY (item_id) REFERENCES public.items (sku))"
        ),
        "CREATE TABLE \"dst\".\"orders_t\" (id BIGINT PRIMARY KEY, \"memo\" TEXT NOT NULL DEFAULT 'x' CHECK (\"memo\" <> ''), item_id INT REFERENCES \"dst\".\"items\" (\"Code\"), CONSTRAINT u UNIQUE (\"memo\", id), FOREIGN KEY (item_id) REFERENCES \"dst\".\"items\"(\"Code\"))"
    );
    // A quoted mixed-case name is another table than the folded one.
    assert_eq!(
        one("CREATE TABLE \"Orders\" (a int)"),
        "CREATE TABLE \"dst\".\"Orders\" (a INT)"
    );
}

#[test]
fn the_seed_alter_table_list() {
    let cases = [
        (
            "ALTER TABLE orders RENAME TO orders_old",
            "ALTER TABLE \"dst\".\"orders_t\" RENAME TO \"orders_old\"",
        ),
        (
            "ALTER TABLE orders ADD COLUMN note2 varchar(10)",
            "ALTER TABLE \"dst\".\"orders_t\" ADD COLUMN note2 VARCHAR(10)",
        ),
        (
            "ALTER TABLE public.orders ADD COLUMN note int DEFAULT 0",
            "ALTER TABLE \"dst\".\"orders_t\" ADD COLUMN \"memo\" INT DEFAULT 0",
        ),
        (
            "ALTER TABLE orders ALTER COLUMN note TYPE varchar(40) USING note::varchar(40)",
            "ALTER TABLE \"dst\".\"orders_t\" ALTER COLUMN \"memo\" TYPE VARCHAR(40) USING \"memo\"::VARCHAR(40)",
        ),
        (
            "ALTER TABLE orders DROP COLUMN note",
            "ALTER TABLE \"dst\".\"orders_t\" DROP COLUMN \"memo\"",
        ),
        (
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES items (sku)",
            "ALTER TABLE \"dst\".\"orders_t\" ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES \"dst\".\"items\"(\"Code\")",
        ),
        (
            "ALTER TABLE orders ADD CONSTRAINT c CHECK (note IS NOT NULL AND orders.note <> 'a')",
            "ALTER TABLE \"dst\".\"orders_t\" ADD CONSTRAINT c CHECK (\"memo\" IS NOT NULL AND \"orders_t\".\"memo\" <> 'a')",
        ),
        (
            "ALTER TABLE orders ALTER COLUMN note DROP DEFAULT",
            "ALTER TABLE \"dst\".\"orders_t\" ALTER COLUMN \"memo\" DROP DEFAULT",
        ),
        // Beyond the list, the same kind of change.
        (
            "ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'n', ALTER COLUMN note SET NOT NULL",
            "ALTER TABLE \"dst\".\"orders_t\" ALTER COLUMN \"memo\" SET DEFAULT 'n', ALTER COLUMN \"memo\" SET NOT NULL",
        ),
        (
            "ALTER TABLE orders RENAME COLUMN note TO body",
            "ALTER TABLE \"dst\".\"orders_t\" RENAME COLUMN \"memo\" TO body",
        ),
        (
            "ALTER TABLE orders DROP CONSTRAINT c",
            "ALTER TABLE \"dst\".\"orders_t\" DROP CONSTRAINT c",
        ),
    ];
    for (sql, want) in cases {
        assert_eq!(one(sql), want, "{sql}");
    }
}

#[test]
fn drop_truncate_and_indexes() {
    assert_eq!(
        one("DROP TABLE IF EXISTS orders, other.t"),
        "DROP TABLE IF EXISTS \"dst\".\"orders_t\", \"other\".\"t\""
    );
    assert_eq!(
        one("TRUNCATE TABLE orders, items"),
        "TRUNCATE TABLE \"dst\".\"orders_t\", \"dst\".\"items\""
    );
    assert_eq!(
        one("CREATE UNIQUE INDEX ix ON orders (lower(note), id DESC)"),
        "CREATE UNIQUE INDEX \"ix\" ON \"dst\".\"orders_t\"(lower(\"memo\"), id DESC)"
    );
    assert_eq!(one("DROP INDEX public.ix"), "DROP INDEX \"dst\".\"ix\"");
}

#[test]
fn several_statements_in_one_query_and_non_ddl() {
    let t = pg("BEGIN; ALTER TABLE orders DROP COLUMN note; INSERT INTO orders VALUES (1); COMMIT");
    assert_eq!(
        t.statements,
        ["ALTER TABLE \"dst\".\"orders_t\" DROP COLUMN \"memo\""]
    );
}

#[test]
fn operations_outside_the_list_are_reported() {
    let t = pg("ALTER TABLE orders ENABLE ROW LEVEL SECURITY, ADD COLUMN x int");
    assert_eq!(
        t.statements,
        ["ALTER TABLE \"dst\".\"orders_t\" ADD COLUMN x INT"]
    );
    assert!(
        t.issues
            .iter()
            .any(|i| i.kind == IssueKind::Ddl && i.severity == Severity::Unsupported)
    );
    for sql in [
        "CREATE VIEW v AS SELECT 1",
        "CREATE SEQUENCE s",
        "ALTER TABLE orders OWNER TO bob",
    ] {
        let t = pg(sql);
        assert!(t.statements.is_empty(), "{sql}");
        assert!(t.issues.iter().any(|i| i.kind == IssueKind::Ddl), "{sql}");
    }
}

#[test]
fn parse_failures_are_typed_errors_naming_the_statement() {
    let e = tr()
        .postgres("public", "ALTER TABLE orders FROBNICATE")
        .unwrap_err();
    assert!(
        matches!(&e, TranslateError::Parse { statement, .. } if statement == "ALTER TABLE orders FROBNICATE"),
        "{e:?}"
    );
    let e = Translator::new(
        Mapper::new(Dialect::POSTGRES_15, Dialect::MAXCOMPUTE).unwrap(),
        NamePolicy::default(),
    )
    .unwrap_err();
    assert!(matches!(e, TranslateError::UnsupportedPair { .. }));
}
