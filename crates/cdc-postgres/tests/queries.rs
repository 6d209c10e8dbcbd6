//! Live: startup, simple and extended queries, server errors with every field, notices.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cdc_postgres::{
    ErrorKind, ErrorPosition, Format, Param, Severity, SimpleQueryMessage, SqlState,
    TransactionStatus,
};
use cdc_testkit::Postgres;
use common::{connect, run};

#[test]
fn trust_connection_reports_parameters_and_backend_key() {
    let db = Postgres::from_env().fresh_database("pg_startup");
    run(20, async {
        let conn = connect(&db).await;
        assert!(conn.parameter("server_version").unwrap().starts_with("15"));
        assert_eq!(conn.parameter("client_encoding"), Some("UTF8"));
        assert!(conn.backend_key().is_some());
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        conn.close().await.unwrap();
    });
}

#[test]
fn simple_query_returns_rows_nulls_and_command_tags() {
    let db = Postgres::from_env().fresh_database("pg_simple");
    run(20, async {
        let mut conn = connect(&db).await;
        let msgs = conn
            .simple_query(
                "CREATE TABLE t (id int PRIMARY KEY, note text); \
                 INSERT INTO t VALUES (1, 'é🐘'), (2, NULL); \
                 SELECT id, note FROM t ORDER BY id",
            )
            .await
            .unwrap();
        let tags: Vec<_> = msgs
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::CommandComplete(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(tags, ["CREATE TABLE", "INSERT 0 2", "SELECT 2"]);
        let rows: Vec<_> = msgs
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].columns()[1].name, "note");
        assert_eq!(rows[0].get(1), Some("é🐘"));
        assert_eq!(rows[0].get_by_name("id"), Some("1"));
        assert!(rows[1].is_null(1));
        assert_eq!(rows[1].get(1), None);

        assert!(matches!(
            conn.simple_query("").await.unwrap()[..],
            [SimpleQueryMessage::EmptyQuery]
        ));
        conn.batch_execute("BEGIN").await.unwrap();
        assert_eq!(conn.transaction_status(), TransactionStatus::InTransaction);
        assert!(conn.batch_execute("SELECT 1/0").await.is_err());
        assert_eq!(conn.transaction_status(), TransactionStatus::Failed);
        conn.batch_execute("ROLLBACK").await.unwrap();
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
    });
}

#[test]
fn unique_violation_carries_every_error_field() {
    let db = Postgres::from_env().fresh_database("pg_errors");
    db.exec(
        "CREATE SCHEMA s; \
         CREATE TABLE s.items (id int CONSTRAINT items_pk PRIMARY KEY, name text NOT NULL); \
         INSERT INTO s.items VALUES (1, 'a')",
    );
    run(20, async {
        let mut conn = connect(&db).await;
        let check = |e: &cdc_postgres::Error| {
            let db = e.as_db_error().expect("a server error");
            assert_eq!(db.code, SqlState::UNIQUE_VIOLATION);
            assert_eq!(db.code.as_str(), "23505");
            assert_eq!(db.severity, Severity::Error);
            assert_eq!(db.severity_text, "ERROR");
            assert!(db.message.contains("items_pk"), "{}", db.message);
            assert_eq!(db.detail.as_deref(), Some("Key (id)=(1) already exists."));
            assert_eq!(db.schema.as_deref(), Some("s"));
            assert_eq!(db.table.as_deref(), Some("items"));
            assert_eq!(db.constraint.as_deref(), Some("items_pk"));
            assert_eq!(db.column, None);
            assert!(db.file.is_some() && db.line.is_some() && db.routine.is_some());
        };
        // simple protocol
        let e = conn
            .batch_execute("INSERT INTO s.items VALUES (1, 'b')")
            .await
            .unwrap_err();
        check(&e);
        assert_eq!(e.code(), Some(SqlState::UNIQUE_VIOLATION));
        // extended protocol
        let e = conn
            .execute_sql(
                "INSERT INTO s.items VALUES ($1, $2)",
                &[Param::Text("1"), Param::Text("b")],
                Format::Text,
            )
            .await
            .unwrap_err();
        check(&e);

        // not-null violation names the column and data type
        let e = conn
            .batch_execute("INSERT INTO s.items VALUES (2, NULL)")
            .await
            .unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(db.code, SqlState::NOT_NULL_VIOLATION);
        assert_eq!(db.column.as_deref(), Some("name"));
        assert_eq!(db.table.as_deref(), Some("items"));

        // syntax error position, hint on an undefined column
        let e = conn.batch_execute("SELECT 1 +").await.unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(db.code, SqlState::SYNTAX_ERROR);
        assert_eq!(db.position, Some(ErrorPosition::Original(11)));
        let e = conn
            .batch_execute("SELECT nam FROM s.items")
            .await
            .unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(db.code, SqlState::UNDEFINED_COLUMN);
        assert!(db.hint.as_deref().unwrap().contains("name"), "{db:?}");

        // an error in a function body has an internal position and a context
        let e = conn
            .batch_execute(
                "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ \
                 BEGIN RETURN (SELECT nope FROM s.items); END $$; SELECT f()",
            )
            .await
            .unwrap_err();
        let db = e.as_db_error().unwrap();
        assert!(
            matches!(&db.position, Some(ErrorPosition::Internal { query, .. }) if query.contains("nope")),
            "{db:?}"
        );
        assert!(
            db.where_
                .as_deref()
                .unwrap()
                .contains("PL/pgSQL function f()")
        );

        // the connection is still usable
        assert_eq!(
            conn.query_rows("SELECT count(*) FROM s.items")
                .await
                .unwrap(),
            vec![vec![Some("1".to_string())]]
        );
    });
}

#[test]
fn notices_are_queued() {
    let db = Postgres::from_env().fresh_database("pg_notice");
    run(20, async {
        let mut conn = connect(&db).await;
        conn.batch_execute(
            "DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful' USING HINT = 'h'; END $$",
        )
        .await
        .unwrap();
        let notices = conn.take_notices();
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert_eq!(notices[0].message, "hello 42");
        assert_eq!(notices[0].severity, Severity::Notice);
        assert_eq!(notices[0].code, SqlState::SUCCESSFUL_COMPLETION);
        assert_eq!(notices[1].severity, Severity::Warning);
        assert_eq!(notices[1].code, SqlState::WARNING);
        assert_eq!(notices[1].hint.as_deref(), Some("h"));
        assert!(conn.take_notices().is_empty());
    });
}

#[test]
fn extended_query_with_text_and_binary_params_and_results() {
    let db = Postgres::from_env().fresh_database("pg_extended");
    db.exec("CREATE TABLE t (id int8 PRIMARY KEY, note text, data bytea)");
    run(20, async {
        let mut conn = connect(&db).await;
        let ins = conn
            .prepare("INSERT INTO t VALUES ($1, $2, $3)")
            .await
            .unwrap();
        assert_eq!(ins.params(), &[20, 25, 17]); // int8, text, bytea
        assert!(ins.columns().is_empty());
        let r = conn
            .execute(
                &ins,
                &[
                    Param::Binary(&7i64.to_be_bytes()),
                    Param::Text("seven"),
                    Param::Binary(&[0, 1, 255]),
                ],
                Format::Text,
            )
            .await
            .unwrap();
        assert_eq!(r.rows_affected(), Some(1));
        conn.execute(
            &ins,
            &[Param::Text("8"), Param::Null, Param::Null],
            Format::Text,
        )
        .await
        .unwrap();
        // wrong parameter count is refused before sending
        assert!(matches!(
            conn.execute(&ins, &[Param::Null], Format::Text)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Usage(_)
        ));

        let sel = conn
            .prepare("SELECT id, note, data FROM t WHERE id >= $1 ORDER BY id")
            .await
            .unwrap();
        assert_eq!(sel.columns().len(), 3);
        let text = conn
            .execute(&sel, &[Param::Text("0")], Format::Text)
            .await
            .unwrap();
        assert_eq!(text.command_tag, "SELECT 2");
        assert_eq!(
            text.rows[0].to_strings(),
            [
                Some("7".into()),
                Some("seven".into()),
                Some("\\x0001ff".into())
            ]
        );
        assert_eq!(text.rows[1].to_strings(), [Some("8".into()), None, None]);
        let bin = conn
            .execute(&sel, &[Param::Text("0")], Format::Binary)
            .await
            .unwrap();
        assert_eq!(bin.columns[0].format, Format::Binary);
        assert_eq!(bin.rows[0].get_bytes(0), Some(&7i64.to_be_bytes()[..]));
        assert_eq!(bin.rows[0].get_bytes(2), Some(&[0u8, 1, 255][..]));
        conn.close_statement(sel).await.unwrap();

        // unnamed statement in one round trip, with a description of the portal
        let r = conn
            .execute_sql(
                "SELECT $1::int4 + 1 AS n",
                &[Param::Binary(&41i32.to_be_bytes())],
                Format::Binary,
            )
            .await
            .unwrap();
        assert_eq!(r.columns[0].name, "n");
        assert_eq!(r.rows[0].get_bytes(0), Some(&42i32.to_be_bytes()[..]));

        // a failed prepare leaves the connection usable
        assert_eq!(
            conn.prepare("SELECT * FROM missing")
                .await
                .unwrap_err()
                .code(),
            Some(SqlState::UNDEFINED_TABLE)
        );
        assert_eq!(
            conn.query_rows("SELECT 1").await.unwrap(),
            vec![vec![Some("1".into())]]
        );
    });
}

#[test]
fn a_dropped_query_future_does_not_desynchronize_the_connection() {
    let db = Postgres::from_env().fresh_database("pg_dropped");
    run(20, async {
        let mut conn = connect(&db).await;
        {
            // poll once, then drop: the query is sent but its answer not read
            let fut = conn.simple_query("SELECT generate_series(1, 100000)");
            let mut fut = Box::pin(fut);
            let waker = futures::task::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            let _ = fut.as_mut().poll(&mut cx);
        }
        assert_eq!(
            conn.query_rows("SELECT 'next'").await.unwrap(),
            vec![vec![Some("next".into())]]
        );
    });
}

use std::future::Future;
