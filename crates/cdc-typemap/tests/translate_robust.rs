//! Every prefix of real DDL through every translator: a result or a typed error, never a
//! panic.
#![allow(clippy::unwrap_used)]

use cdc_model::TableId;
use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaTracker, TrackerOptions};
use cdc_typemap::translate::Translator;
use cdc_typemap::{Dialect, Mapper, NamePolicy};

const MYSQL: &[&str] = &[
    "CREATE TABLE `o` (id INT UNSIGNED NOT NULL AUTO_INCREMENT, note VARCHAR(20) DEFAULT 'x' COMMENT 'n', t DATETIME(3) ON UPDATE CURRENT_TIMESTAMP(3), PRIMARY KEY (id), KEY k (note(4) DESC), CONSTRAINT f FOREIGN KEY (id) REFERENCES p (q), CHECK (note <> '')) ENGINE=InnoDB",
    "ALTER TABLE o ADD COLUMN c INT AFTER note, CHANGE note n2 TEXT FIRST, RENAME COLUMN t TO t2, DROP INDEX k, ADD UNIQUE (c), /*!50100 ALGORITHM=COPY */ LOCK=NONE",
    "CREATE DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW v AS SELECT a.id FROM o a JOIN shop.p b ON a.id = b.q",
    "CREATE DEFINER=root@localhost FUNCTION f(x INT) RETURNS varchar(10) CHARSET utf8mb4 RETURN 'a'",
    "RENAME TABLE o TO o2, p TO o",
];

const PG: &[&str] = &[
    "CREATE TABLE o (id bigint PRIMARY KEY, note text DEFAULT 'x' CHECK (o.note <> ''), r int REFERENCES p (q))",
    "ALTER TABLE o ADD COLUMN c int DEFAULT 0, ALTER COLUMN note TYPE varchar(9) USING note::varchar(9), ADD CONSTRAINT k CHECK (c > 0), RENAME TO o2",
    "CREATE UNIQUE INDEX ix ON o (lower(note), id DESC) WHERE id > 0",
];

fn prefixes(s: &str) -> impl Iterator<Item = &str> {
    s.char_indices().map(move |(i, _)| &s[..i])
}

#[test]
fn prefixes_of_ddl_never_panic() {
    let mut tracker = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
    tracker.seed_database(
        "shop",
        DatabaseDef {
            charset: "utf8mb4".into(),
            collation: "utf8mb4_general_ci".into(),
        },
    );
    tracker
        .apply("shop", "CREATE TABLE o (id INT UNSIGNED PRIMARY KEY, note VARCHAR(20), t DATETIME, KEY k (note))")
        .unwrap();
    tracker
        .apply("shop", "CREATE TABLE p (q INT PRIMARY KEY)")
        .unwrap();
    let mut names = NamePolicy::default();
    names.schemas.insert("shop".into(), "s2".into());
    names.schemas.insert("public".into(), "s2".into());
    names.rename_column(TableId::new("shop", "o"), "note", "memo");
    names.rename_column(TableId::new("public", "o"), "note", "memo");
    for target in [
        Dialect::MARIADB_1011,
        Dialect::POSTGRES_15,
        Dialect::ANALYTICDB,
        Dialect::MAXCOMPUTE,
    ] {
        let tr = Translator::new(
            Mapper::new(Dialect::MARIADB_1011, target).unwrap(),
            names.clone(),
        )
        .unwrap();
        for sql in MYSQL {
            for p in prefixes(sql) {
                let _ = tr.mysql(&tracker, "shop", p);
            }
        }
    }
    let tr = Translator::new(
        Mapper::new(Dialect::POSTGRES_15, Dialect::POSTGRES_15).unwrap(),
        names,
    )
    .unwrap();
    for sql in PG {
        for p in prefixes(sql) {
            let _ = tr.postgres("public", p);
        }
    }
}
