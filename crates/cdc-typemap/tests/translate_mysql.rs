//! MySQL/MariaDB to MySQL/MariaDB incremental DDL: names rewritten in the text, every other
//! byte kept; views and routines made SQL SECURITY INVOKER.
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
    t
}

/// shop -> sales; shop.orders -> sales.orders_t; orders.note -> memo; items.sku -> code.
fn policy() -> NamePolicy {
    let mut p = NamePolicy::default();
    p.schemas.insert("shop".into(), "sales".into());
    p.rename_table(
        TableId::new("shop", "orders"),
        TableId::new("sales", "orders_t"),
    );
    p.rename_column(TableId::new("shop", "orders"), "note", "memo");
    p.rename_column(TableId::new("shop", "items"), "sku", "code");
    p
}

fn tr() -> Translator {
    Translator::new(
        Mapper::new(Dialect::MARIADB_1011, Dialect::MARIADB_1011).unwrap(),
        policy(),
    )
    .unwrap()
}

fn one(sql: &str) -> Translation {
    tr().mysql(&tracker(), "shop", sql).unwrap()
}

fn stmt(sql: &str) -> String {
    let t = one(sql);
    assert_eq!(t.statements.len(), 1, "{t:?}");
    t.statements[0].clone()
}

#[test]
fn create_table_renames_table_columns_and_keeps_the_rest() {
    assert_eq!(
        stmt(
            "CREATE TABLE orders (\n  id INT NOT NULL AUTO_INCREMENT, -- the key\n  note VARCHAR(20) CHARACTER SET latin1 DEFAULT 'x,y',\n  total DECIMAL(10,2) AS (id * 2) STORED,\n  PRIMARY KEY (id),\n  KEY ix_note (note(5) DESC, id),\n  CONSTRAINT chk CHECK (note <> ''),\n  CONSTRAINT fk FOREIGN KEY (id) REFERENCES items (sku)\n) ENGINE=InnoDB /* keep */ DEFAULT CHARSET=utf8mb4;"
        ),
        "CREATE TABLE `sales`.`orders_t` (\n  id INT NOT NULL AUTO_INCREMENT, -- the key\n  `memo` VARCHAR(20) CHARACTER SET latin1 DEFAULT 'x,y',\n  total DECIMAL(10,2) AS (id * 2) STORED,\n  PRIMARY KEY (id),\n  KEY ix_note (`memo`(5) DESC, id),\n  CONSTRAINT chk CHECK (`memo` <> ''),\n  CONSTRAINT fk FOREIGN KEY (id) REFERENCES `sales`.`items` (`code`)\n) ENGINE=InnoDB /* keep */ DEFAULT CHARSET=utf8mb4"
    );
}

#[test]
fn create_table_like_and_qualified_names() {
    assert_eq!(
        stmt("CREATE TABLE IF NOT EXISTS shop.orders_copy LIKE `shop`.`orders`"),
        "CREATE TABLE IF NOT EXISTS `sales`.`orders_copy` LIKE `sales`.`orders_t`"
    );
    // A database the policy does not map keeps its name; a written qualifier that is already
    // the target name is left byte for byte.
    assert_eq!(
        stmt("CREATE TABLE other.t (a INT)"),
        "CREATE TABLE other.t (a INT)"
    );
}

#[test]
fn alter_table_specs_rename_each_column_position() {
    assert_eq!(
        stmt(
            "ALTER TABLE orders ADD COLUMN qty INT AFTER note, DROP COLUMN note, MODIFY note TEXT FIRST, CHANGE note note2 INT, CHANGE id note BIGINT, RENAME COLUMN note TO n2, ALTER COLUMN note SET DEFAULT 'a', ADD INDEX ix (note), ADD (a INT, note INT), ALGORITHM=INPLACE, LOCK=NONE"
        ),
        "ALTER TABLE `sales`.`orders_t` ADD COLUMN qty INT AFTER `memo`, DROP COLUMN `memo`, MODIFY `memo` TEXT FIRST, CHANGE `memo` note2 INT, CHANGE id `memo` BIGINT, RENAME COLUMN `memo` TO n2, ALTER COLUMN `memo` SET DEFAULT 'a', ADD INDEX ix (`memo`), ADD (a INT, `memo` INT), ALGORITHM=INPLACE, LOCK=NONE"
    );
    assert_eq!(
        stmt("ALTER TABLE orders RENAME TO shop.items"),
        "ALTER TABLE `sales`.`orders_t` RENAME TO `sales`.`items`"
    );
    assert_eq!(
        stmt("ALTER TABLE orders DROP PRIMARY KEY, DROP INDEX note, ADD UNIQUE KEY note (note)"),
        "ALTER TABLE `sales`.`orders_t` DROP PRIMARY KEY, DROP INDEX note, ADD UNIQUE KEY note (`memo`)"
    );
}

#[test]
fn drop_rename_truncate_and_indexes() {
    assert_eq!(
        stmt("DROP TABLE IF EXISTS orders, shop.items"),
        "DROP TABLE IF EXISTS `sales`.`orders_t`, `sales`.`items`"
    );
    assert_eq!(
        stmt("RENAME TABLE orders TO orders_old, items TO orders"),
        "RENAME TABLE `sales`.`orders_t` TO `sales`.`orders_old`, `sales`.`items` TO `sales`.`orders_t`"
    );
    assert_eq!(stmt("TRUNCATE orders"), "TRUNCATE `sales`.`orders_t`");
    assert_eq!(
        stmt("TRUNCATE TABLE items"),
        "TRUNCATE TABLE `sales`.`items`"
    );
    assert_eq!(
        stmt("CREATE UNIQUE INDEX ux ON orders (note(10), (lower(note)))"),
        "CREATE UNIQUE INDEX ux ON `sales`.`orders_t` (`memo`(10), (lower(`memo`)))"
    );
    assert_eq!(
        stmt("DROP INDEX ux ON orders"),
        "DROP INDEX ux ON `sales`.`orders_t`"
    );
}

#[test]
fn executable_comments_are_unwrapped_because_the_server_ran_them() {
    assert_eq!(
        stmt("ALTER TABLE orders /*!50100 ADD COLUMN note2 INT */"),
        "ALTER TABLE `sales`.`orders_t`   ADD COLUMN note2 INT"
    );
}

#[test]
fn views_lose_their_definer_and_become_invoker() {
    let t = one(
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW v_orders AS SELECT o.id FROM orders o JOIN shop.items i ON i.id = o.id",
    );
    assert_eq!(
        t.statements,
        [
            "CREATE ALGORITHM=UNDEFINED SQL SECURITY INVOKER VIEW `sales`.`v_orders` AS SELECT o.id FROM `sales`.`orders_t` o JOIN `sales`.`items` i ON i.id = o.id"
        ]
    );
    assert!(t.issues.iter().any(|i| i.kind == IssueKind::Definer));
    // Both tables have renamed columns: the body's column references are not rewritten, and
    // that is reported.
    assert_eq!(
        t.issues
            .iter()
            .filter(|i| i.kind == IssueKind::Ddl && i.severity == Severity::Unsupported)
            .count(),
        2
    );
    // Without SQL SECURITY: it is added.
    assert_eq!(
        stmt("CREATE OR REPLACE DEFINER='u'@'%' VIEW shop.v AS SELECT 1"),
        "CREATE OR REPLACE SQL SECURITY INVOKER VIEW `sales`.`v` AS SELECT 1"
    );
    assert_eq!(
        stmt("ALTER DEFINER=CURRENT_USER() VIEW v AS SELECT 2"),
        "ALTER SQL SECURITY INVOKER VIEW `sales`.`v` AS SELECT 2"
    );
    assert_eq!(
        stmt("DROP VIEW IF EXISTS v, shop.w"),
        "DROP VIEW IF EXISTS `sales`.`v`, `sales`.`w`"
    );
}

#[test]
fn routines_lose_their_definer_and_become_invoker() {
    assert_eq!(
        stmt("CREATE DEFINER=`root`@`%` PROCEDURE p(IN x INT)\nBEGIN\n  SELECT x FROM dual;\nEND"),
        "CREATE PROCEDURE `sales`.`p`(IN x INT) SQL SECURITY INVOKER\nBEGIN\n  SELECT x FROM dual;\nEND"
    );
    assert_eq!(
        stmt(
            "CREATE DEFINER=root@localhost FUNCTION shop.f(x INT) RETURNS varchar(10) CHARSET utf8mb4 DETERMINISTIC SQL SECURITY DEFINER RETURN concat(x, '')"
        ),
        "CREATE FUNCTION `sales`.`f`(x INT) RETURNS varchar(10) CHARSET utf8mb4 DETERMINISTIC SQL SECURITY INVOKER RETURN concat(x, '')"
    );
    assert_eq!(
        stmt("CREATE FUNCTION f2() RETURNS INT RETURN 1"),
        "CREATE FUNCTION `sales`.`f2`() RETURNS INT SQL SECURITY INVOKER RETURN 1"
    );
    assert_eq!(
        stmt("DROP PROCEDURE IF EXISTS p"),
        "DROP PROCEDURE IF EXISTS `sales`.`p`"
    );
}

#[test]
fn statements_outside_the_list_are_reported_not_run() {
    for sql in [
        "CREATE DEFINER=root@localhost TRIGGER tr BEFORE INSERT ON orders FOR EACH ROW SET NEW.id = 1",
        "CREATE DATABASE d2",
        "CREATE TEMPORARY TABLE tmp (a INT)",
    ] {
        let t = one(sql);
        assert!(t.statements.is_empty(), "{sql}: {t:?}");
        assert!(
            t.issues
                .iter()
                .any(|i| i.kind == IssueKind::Ddl && i.severity == Severity::Unsupported),
            "{sql}: {t:?}"
        );
    }
    // Not DDL: nothing at all.
    for sql in [
        "BEGIN",
        "INSERT INTO orders VALUES (1)",
        "GRANT ALL ON *.* TO u",
    ] {
        assert_eq!(one(sql), Translation::default(), "{sql}");
    }
}

#[test]
fn failures_are_typed_errors_naming_the_statement() {
    let e = tr()
        .mysql(&tracker(), "shop", "ALTER TABLE orders ADD COLUMN")
        .unwrap_err();
    assert!(
        matches!(&e, TranslateError::Parse { statement, .. } if statement == "ALTER TABLE orders ADD COLUMN"),
        "{e:?}"
    );
    let e = tr().mysql(&tracker(), "", "TRUNCATE t").unwrap_err();
    assert!(
        matches!(&e, TranslateError::NoDatabase { table, .. } if table == "t"),
        "{e:?}"
    );
    assert!(e.to_string().contains("TRUNCATE t"));
}

#[test]
fn case_policy_applies_to_table_names() {
    let mut p = NamePolicy {
        case: cdc_typemap::Case::Lower,
        ..NamePolicy::default()
    };
    p.rename_column(TableId::new("Shop", "Orders"), "Note", "memo");
    let t = Translator::new(
        Mapper::new(Dialect::MYSQL_80, Dialect::MYSQL_80).unwrap(),
        p,
    )
    .unwrap();
    let out = t
        .mysql(
            &tracker(),
            "Shop",
            "ALTER TABLE Orders DROP Note, DROP Other",
        )
        .unwrap();
    assert_eq!(
        out.statements,
        ["ALTER TABLE `shop`.`orders` DROP `memo`, DROP `other`"]
    );
}
