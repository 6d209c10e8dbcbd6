//! Catalog rows to schemas, with rows written the way each server prints them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use cdc_model::{Charset, ColumnDefault, ColumnType};
use cdc_mysql_schema::catalog::{CatalogRows, from_rows};
use cdc_mysql_schema::{ErrorKind, Flavor};

fn r(cells: &[Option<&str>]) -> Vec<Option<String>> {
    cells.iter().map(|c| c.map(str::to_string)).collect()
}

/// A COLUMNS row: name, pos, default, nullable, data type, column type, char len, precision,
/// scale, fsp, charset, collation, extra, comment, generation.
#[allow(clippy::too_many_arguments)]
fn col(
    name: &str,
    pos: &str,
    default: Option<&str>,
    nullable: &str,
    dt: &str,
    ct: &str,
    cs: Option<&str>,
    coll: Option<&str>,
    extra: &str,
    generation: &str,
) -> Vec<Option<String>> {
    let len = match dt {
        "varchar" => Some("20"),
        _ => None,
    };
    r(&[
        Some("d"),
        Some("t"),
        Some(name),
        Some(pos),
        default,
        Some(nullable),
        Some(dt),
        Some(ct),
        len,
        None,
        None,
        None,
        cs,
        coll,
        Some(extra),
        Some(""),
        Some(generation),
    ])
}

fn rows(columns: Vec<Vec<Option<String>>>) -> CatalogRows {
    CatalogRows {
        schemata: vec![r(&[Some("d"), Some("utf8mb4"), Some("utf8mb4_general_ci")])],
        tables: vec![r(&[
            Some("d"),
            Some("t"),
            Some("utf8mb4_general_ci"),
            Some(""),
        ])],
        columns,
        statistics: vec![
            r(&[
                Some("d"),
                Some("t"),
                Some("PRIMARY"),
                Some("0"),
                Some("1"),
                Some("id"),
                None,
                Some("A"),
                Some("BTREE"),
            ]),
            r(&[
                Some("d"),
                Some("t"),
                Some("k"),
                Some("1"),
                Some("1"),
                Some("a"),
                Some("5"),
                Some("D"),
                Some("BTREE"),
            ]),
            r(&[
                Some("d"),
                Some("t"),
                Some("u"),
                Some("0"),
                Some("2"),
                Some("id"),
                None,
                Some("A"),
                Some("BTREE"),
            ]),
            r(&[
                Some("d"),
                Some("t"),
                Some("u"),
                Some("0"),
                Some("1"),
                Some("a"),
                None,
                Some("A"),
                Some("BTREE"),
            ]),
        ],
    }
}

#[test]
fn mariadb_defaults_tell_null_the_string_from_sql_null() {
    let c = from_rows(
        Flavor::MariaDb,
        &rows(vec![
            col(
                "id",
                "1",
                None,
                "NO",
                "int",
                "int(10) unsigned",
                None,
                None,
                "auto_increment",
                "",
            ),
            col(
                "a",
                "2",
                Some("NULL"),
                "YES",
                "varchar",
                "varchar(20)",
                Some("utf8mb4"),
                Some("utf8mb4_general_ci"),
                "",
                "",
            ),
            col(
                "b",
                "3",
                Some("'NULL'"),
                "YES",
                "varchar",
                "varchar(20)",
                Some("latin1"),
                Some("latin1_bin"),
                "",
                "",
            ),
            col(
                "c",
                "4",
                Some("'it''s'"),
                "YES",
                "varchar",
                "varchar(20)",
                Some("utf8mb4"),
                Some("utf8mb4_general_ci"),
                "",
                "",
            ),
            col(
                "ts",
                "5",
                Some("current_timestamp()"),
                "NO",
                "timestamp",
                "timestamp",
                None,
                None,
                "on update current_timestamp()",
                "",
            ),
            col(
                "n",
                "6",
                Some("-1.50"),
                "YES",
                "decimal",
                "decimal(5,2)",
                None,
                None,
                "",
                "",
            ),
            col(
                "g",
                "7",
                None,
                "YES",
                "int",
                "int(11)",
                None,
                None,
                "VIRTUAL GENERATED",
                "`id` + 1",
            ),
            col(
                "e",
                "8",
                Some("'x'"),
                "YES",
                "enum",
                "enum('x','y''z')",
                Some("utf8mb4"),
                Some("utf8mb4_general_ci"),
                "INVISIBLE",
                "",
            ),
        ]),
    )
    .unwrap();
    assert_eq!(c.databases[0].1.collation, "utf8mb4_general_ci");
    let s = &c.tables[0].schema;
    assert_eq!(c.tables[0].charset.as_deref(), Some("utf8mb4"));
    let col = |n: &str| s.column(n).unwrap();
    assert!(col("id").auto_increment && !col("id").nullable);
    assert_eq!(col("id").ty, ColumnType::Int { unsigned: true });
    assert_eq!(col("a").default, None, "MariaDB's NULL is no default");
    assert_eq!(
        col("b").default,
        Some(ColumnDefault::Literal("NULL".into()))
    );
    assert_eq!(
        col("b").ty,
        ColumnType::VarChar {
            length: Some(20),
            charset: Some(Charset::Latin1)
        }
    );
    assert_eq!(
        col("c").default,
        Some(ColumnDefault::Literal("it's".into()))
    );
    assert_eq!(
        col("ts").default,
        Some(ColumnDefault::Expression("current_timestamp()".into()))
    );
    assert!(col("ts").on_update_current_timestamp);
    assert_eq!(
        col("n").default,
        Some(ColumnDefault::Literal("-1.50".into()))
    );
    assert_eq!(col("g").generated.as_deref(), Some("id + 1"));
    assert!(col("e").invisible);
    assert_eq!(
        col("e").ty,
        ColumnType::Enum {
            name: None,
            labels: vec!["x".into(), "y'z".into()]
        }
    );
    let pk = s.primary_key.as_ref().unwrap();
    assert_eq!(pk.columns[0].column, "id");
    assert_eq!(s.indexes[0].columns[0].prefix_len, Some(5));
    assert!(s.indexes[0].columns[0].descending);
    let u: Vec<_> = s.unique_keys[0]
        .columns
        .iter()
        .map(|k| k.column.as_str())
        .collect();
    assert_eq!(
        u,
        ["a", "id"],
        "parts in SEQ_IN_INDEX order as the rows come"
    );
}

#[test]
fn mysql8_defaults_use_default_generated() {
    let c = from_rows(
        Flavor::MySql8,
        &rows(vec![
            col("id", "1", None, "NO", "int", "int", None, None, "", ""),
            col(
                "a",
                "2",
                None,
                "YES",
                "varchar",
                "varchar(20)",
                Some("utf8mb4"),
                Some("utf8mb4_0900_ai_ci"),
                "",
                "",
            ),
            col(
                "ts",
                "3",
                Some("CURRENT_TIMESTAMP(3)"),
                "YES",
                "datetime",
                "datetime(3)",
                None,
                None,
                "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)",
                "",
            ),
            col(
                "x",
                "4",
                Some("abc"),
                "YES",
                "varchar",
                "varchar(20)",
                Some("utf8mb4"),
                Some("utf8mb4_0900_ai_ci"),
                "",
                "",
            ),
            col("j", "5", None, "YES", "json", "json", None, None, "", ""),
        ]),
    )
    .unwrap();
    let s = &c.tables[0].schema;
    assert_eq!(s.column("a").unwrap().default, None);
    assert_eq!(
        s.column("ts").unwrap().default,
        Some(ColumnDefault::Expression("current_timestamp(3)".into()))
    );
    assert_eq!(
        s.column("x").unwrap().default,
        Some(ColumnDefault::Literal("abc".into()))
    );
    assert_eq!(s.column("j").unwrap().ty, ColumnType::Json);
}

#[test]
fn short_or_unreadable_rows_are_errors_naming_the_row() {
    let mut bad = rows(vec![]);
    bad.tables.push(r(&[Some("d")]));
    let e = from_rows(Flavor::MariaDb, &bad).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Catalog(m) if m.contains("TABLES row 1")),
        "{e}"
    );
    let mut bad = rows(vec![col(
        "id", "1", None, "NO", "int", "int", None, None, "", "",
    )]);
    bad.statistics[1][6] = Some("five".into());
    let e = from_rows(Flavor::MariaDb, &bad).unwrap_err();
    assert!(
        e.to_string()
            .contains("STATISTICS row 1: column 6 is not a number"),
        "{e}"
    );
}
