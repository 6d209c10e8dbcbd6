//! Live: text and binary protocol queries against MariaDB, compared with the `mariadb`
//! command-line client (cdc-testkit) as the oracle.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cdc_model::{Charset, Date, DateTime, Decimal, Text, Time, Value};
use cdc_mysql::{ErrorKind, Param, codes};
use cdc_testkit::MariaDb;
use common::{connect, run};

#[test]
fn text_rows_keep_null_apart_from_the_string_null() {
    let server = MariaDb::from_env();
    run(30, async {
        let mut conn = connect(&server, None).await;
        assert!(conn.server().mariadb, "{:?}", conn.server());
        let rows = conn
            .query_rows("SELECT 1 AS one, NULL AS n, 'NULL' AS s, '' AS e, _utf8mb4'é🐘' AS u")
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.columns()[0].name, "one");
        assert_eq!(r.value(0).unwrap(), Value::Int(1));
        assert!(r.is_null(1));
        assert_eq!(r.value(1).unwrap(), Value::Null);
        assert_eq!(r.get_str(2), Some("NULL"));
        assert_eq!(r.get_str(3), Some(""));
        assert!(!r.is_null(3));
        assert_eq!(
            r.value(4).unwrap(),
            Value::Text(Text::new("é🐘".into(), Charset::Utf8mb4))
        );
    });
}

#[test]
fn multi_statements_return_every_result() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("my_multi");
    run(30, async {
        let mut conn = connect(&server, Some(db.name())).await;
        let results = conn
            .query(
                "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT);\
                 INSERT INTO t (v) VALUES ('a'), ('b'), (NULL);\
                 SELECT id, v FROM t ORDER BY id;\
                 SELECT COUNT(*) FROM t",
            )
            .await
            .unwrap();
        assert_eq!(results.len(), 4);
        assert!(results[0].columns.is_none());
        assert_eq!(results[1].ok.affected_rows, 3);
        assert_eq!(results[1].ok.last_insert_id, 1);
        let rows: Vec<_> = results[2].rows.iter().map(|r| r.to_strings()).collect();
        assert_eq!(rows, db.query("SELECT id, v FROM t ORDER BY id"));
        assert_eq!(results[3].rows[0].get_str(0), Some("3"));
        // a failing statement ends the batch with its error; the connection stays usable
        let e = conn
            .query("SELECT 1; SELECT * FROM missing_table; SELECT 2")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(codes::ER_NO_SUCH_TABLE));
        assert_eq!(
            conn.query_rows("SELECT 7").await.unwrap()[0].get_str(0),
            Some("7")
        );
    });
}

#[test]
fn server_errors_are_typed() {
    let server = MariaDb::from_env();
    run(30, async {
        let mut conn = connect(&server, None).await;
        let e = conn.query("SELEKT 1").await.unwrap_err();
        let se = e.server_error().expect("a server error");
        assert_eq!(se.code, codes::ER_PARSE_ERROR);
        assert_eq!(se.sql_state.as_deref(), Some("42000"));
        assert!(se.message.contains("SELEKT"), "{se}");
        assert!(!e.is_retryable());
        let e = conn
            .query("SELECT * FROM mysql.no_such_table")
            .await
            .unwrap_err();
        assert_eq!(
            e.server_error().unwrap().sql_state.as_deref(),
            Some("42S02")
        );
        let e = conn.prepare("SELECT ?? FROM").await.unwrap_err();
        assert_eq!(e.code(), Some(codes::ER_PARSE_ERROR));
        conn.ping().await.unwrap();
        conn.quit().await.unwrap();
    });
}

#[test]
fn an_abandoned_result_set_is_read_away_before_the_next_command() {
    let server = MariaDb::from_env();
    run(30, async {
        let mut conn = connect(&server, Some("mysql")).await;
        {
            let mut rows = conn
                .query_iter("SELECT seq FROM seq_1_to_5000; SELECT 'second'")
                .await
                .unwrap();
            assert!(rows.columns().is_some());
            assert_eq!(rows.next().await.unwrap().unwrap().get_str(0), Some("1"));
        }
        assert_eq!(
            conn.query_rows("SELECT 42").await.unwrap()[0].get_str(0),
            Some("42")
        );
        let mut rows = conn.query_iter("SELECT seq FROM seq_1_to_3").await.unwrap();
        let mut n = 0;
        while let Some(r) = rows.next().await.unwrap() {
            n += 1;
            assert_eq!(r.value(0).unwrap(), Value::UInt(n));
        }
        assert_eq!(n, 3);
    });
}

const TYPES_TABLE: &str = "CREATE TABLE types (
    id INT PRIMARY KEY,
    ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, bi BIGINT,
    bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(20,6), y YEAR,
    dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6),
    vc VARCHAR(20), ch CHAR(3) CHARACTER SET latin1, vb VARBINARY(8), bl BLOB, tx TEXT,
    en ENUM('x','y'), bt BIT(10), js JSON
)";

#[test]
fn binary_protocol_values_match_text_protocol_values() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("my_types");
    db.exec(TYPES_TABLE);
    db.exec(
        "INSERT INTO types VALUES
         (1, -128, 255, -32768, -8388608, -9223372036854775808, 18446744073709551615,
          1.5, -2.25, -12345678901234.123456, 2155, '0000-00-00', '2024-02-29 23:59:59.000001',
          '1970-01-01 00:00:01.5', '-838:59:59', 'é🐘', 'abc', x'00ff', x'010203', 'NULL',
          'y', b'1010101010', '{\"a\": [1, 2]}'),
         (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
          NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    );
    run(30, async {
        let mut conn = connect(&server, Some(db.name())).await;
        conn.execute("SET time_zone = '+00:00'").await.unwrap();
        let text = conn
            .query_rows("SELECT * FROM types ORDER BY id")
            .await
            .unwrap();
        let stmt = conn
            .prepare("SELECT * FROM types WHERE id >= ? ORDER BY id")
            .await
            .unwrap();
        assert_eq!(stmt.params().len(), 1);
        assert_eq!(stmt.columns().len(), 23);
        let binary = conn
            .execute_statement(&stmt, &[Param::Int(0)])
            .await
            .unwrap();
        let binary = &binary[0].rows;
        assert_eq!(text.len(), 2);
        assert_eq!(binary.len(), 2);
        for (t, b) in text.iter().zip(binary) {
            assert_eq!(t.values().unwrap(), b.values().unwrap());
        }
        // the text rows are what the command-line client prints
        let cli = db.query(
            "SELECT id, ti, tu, si, mi, bi, bu, f, d, dec1, y, dt, dtm, ts, tm, vc, ch, \
             HEX(vb), HEX(bl), tx, en, HEX(bt), js FROM types ORDER BY id",
        );
        let mine: Vec<_> = text.iter().map(|r| r.to_strings()).collect();
        // (binary columns differ only in how the CLI would print bytes; compare the rest)
        for (m, c) in mine.iter().zip(&cli) {
            for i in (0..23).filter(|&i| ![17, 18, 21].contains(&i)) {
                assert_eq!(m[i], c[i], "column {i}");
            }
        }
        let v = text[0].values().unwrap();
        assert_eq!(v[1], Value::Int(-128));
        assert_eq!(v[2], Value::UInt(255));
        assert_eq!(v[5], Value::Int(i64::MIN));
        assert_eq!(v[6], Value::UInt(u64::MAX));
        assert_eq!(v[7], Value::Float(1.5));
        assert_eq!(
            v[9],
            Value::Decimal("-12345678901234.123456".parse::<Decimal>().unwrap())
        );
        assert_eq!(v[10], Value::Year(2155));
        assert_eq!(v[11], Value::Date(Date::ZERO));
        assert_eq!(
            v[12],
            Value::DateTime(DateTime {
                date: Date::new(2024, 2, 29),
                hour: 23,
                minute: 59,
                second: 59,
                micros: 1
            })
        );
        assert_eq!(
            v[13],
            Value::Timestamp(cdc_model::Timestamp::from_unix_micros(1_500_000))
        );
        assert_eq!(
            v[14],
            Value::Time(Time {
                negative: true,
                hours: 838,
                minutes: 59,
                seconds: 59,
                micros: 0
            })
        );
        // the server converts results to the connection's character set (utf8mb4)
        assert_eq!(
            v[16],
            Value::Text(Text::new("abc".into(), Charset::Utf8mb4))
        );
        assert_eq!(v[17], Value::Bytes(bytes::Bytes::from_static(b"\x00\xff")));
        assert_eq!(
            v[19],
            Value::Text(Text::new("NULL".into(), Charset::Utf8mb4))
        );
        assert_eq!(
            v[21],
            Value::Bit(cdc_model::BitString::from_u64(0b1010101010, 10))
        );
        assert!(text[1].values().unwrap()[1..].iter().all(Value::is_null));
        conn.close(stmt).await.unwrap();
        assert_eq!(conn.query_rows("SELECT 1").await.unwrap().len(), 1);
    });
}

#[test]
fn prepared_statements_bind_every_parameter_kind() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("my_params");
    db.exec("CREATE TABLE p (id BIGINT PRIMARY KEY, u BIGINT UNSIGNED, d DOUBLE, s TEXT, b BLOB, n INT)");
    run(30, async {
        let mut conn = connect(&server, Some(db.name())).await;
        let ins = conn
            .prepare("INSERT INTO p VALUES (?, ?, ?, ?, ?, ?)")
            .await
            .unwrap();
        let r = conn
            .execute_statement(
                &ins,
                &[
                    Param::Int(-5),
                    Param::UInt(u64::MAX),
                    Param::Double(0.1),
                    Param::Text("it's 'quoted' é"),
                    Param::Bytes(&[0, 1, 2, 255]),
                    Param::Null,
                ],
            )
            .await
            .unwrap();
        assert_eq!(r[0].ok.affected_rows, 1);
        let e = conn
            .execute_statement(&ins, &[Param::Int(1)])
            .await
            .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Usage(_)), "{e}");
        let e = conn
            .execute_statement(
                &ins,
                &[
                    Param::Int(-5),
                    Param::Null,
                    Param::Null,
                    Param::Null,
                    Param::Null,
                    Param::Null,
                ],
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(codes::ER_DUP_ENTRY));
        conn.close(ins).await.unwrap();
        assert_eq!(
            db.query("SELECT id, u, d, s, HEX(b), n FROM p"),
            vec![vec![
                Some("-5".into()),
                Some("18446744073709551615".into()),
                Some("0.1".into()),
                Some("it's 'quoted' é".into()),
                Some("000102FF".into()),
                None
            ]]
        );
    });
}

#[test]
fn values_over_16_mib_cross_packet_boundaries_both_ways() {
    let server = MariaDb::from_env();
    server.exec(None, "SET GLOBAL max_allowed_packet = 67108864");
    let db = server.fresh_database("my_big");
    db.exec("CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB)");
    run(120, async {
        let mut conn = connect(&server, Some(db.name())).await;
        let big: Vec<u8> = (0..(0xFF_FFFF + 1000)).map(|i| (i % 251) as u8).collect();
        let ins = conn.prepare("INSERT INTO big VALUES (?, ?)").await.unwrap();
        conn.execute_statement(&ins, &[Param::Int(1), Param::Bytes(&big)])
            .await
            .unwrap();
        // exactly one full packet of payload: the writer must add an empty packet
        let stmt = conn
            .prepare("SELECT b FROM big WHERE id = ?")
            .await
            .unwrap();
        let rows = conn
            .execute_statement(&stmt, &[Param::Int(1)])
            .await
            .unwrap();
        assert_eq!(rows[0].rows[0].get(0).unwrap(), &big[..]);
        let text = conn
            .query_rows("SELECT b, LENGTH(b) FROM big")
            .await
            .unwrap();
        assert_eq!(text[0].get(0).unwrap(), &big[..]);
        assert_eq!(text[0].get_str(1), Some(big.len().to_string().as_str()));
        // a command of exactly 0xFFFFFF bytes
        let mut sql = b"SELECT LENGTH('".to_vec();
        let pad = 0xFF_FFFF - 1 - sql.len() - 2;
        sql.extend(std::iter::repeat_n(b'x', pad));
        sql.extend_from_slice(b"')");
        let sql = String::from_utf8(sql).unwrap();
        assert_eq!(sql.len() + 1, 0xFF_FFFF);
        let r = conn.query_rows(&sql).await.unwrap();
        assert_eq!(r[0].get_str(0), Some(pad.to_string().as_str()));
    });
}
