//! Live: COPY out and in, text and binary, errors, abort, abandoned streams.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cdc_postgres::{BINARY_COPY_HEADER, BINARY_COPY_TRAILER, Format, SqlState};
use cdc_testkit::Postgres;
use common::{connect, run};
use futures::io::AsyncWriteExt;
use futures::{StreamExt, TryStreamExt};

const ROWS: usize = 10_000;

#[test]
fn copy_in_then_out_round_trips_10k_text_rows() {
    let db = Postgres::from_env().fresh_database("pg_copy_text");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, note text, n numeric)");
    let mut expected = Vec::new();
    for i in 0..ROWS {
        let note = if i % 7 == 0 {
            "\\N".to_string()
        } else {
            format!("row\\t{i} é")
        };
        expected.extend_from_slice(format!("{i}\t{note}\t{i}.{:02}\n", i % 100).as_bytes());
    }
    run(60, async {
        let mut conn = connect(&db).await;
        let mut sink = conn.copy_in("COPY t FROM STDIN").await.unwrap();
        assert_eq!(sink.format().format, Format::Text);
        // uneven chunks: rows span CopyData messages
        for chunk in expected.chunks(1000) {
            sink.send(chunk).await.unwrap();
        }
        assert_eq!(sink.finish().await.unwrap(), ROWS as u64);

        let mut out = conn.copy_out("COPY t TO STDOUT").await.unwrap();
        let mut got = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = out.next().await {
            got.extend_from_slice(&chunk.unwrap());
            chunks += 1;
        }
        assert_eq!(out.rows(), Some(ROWS as u64));
        assert_eq!(chunks, ROWS);
        assert_eq!(got, expected);
    });
    assert_eq!(
        db.query("SELECT count(*), count(note) FROM t")[0],
        [Some("10000".into()), Some("8571".into())]
    );
}

#[test]
fn binary_copy_round_trips_through_the_async_write_interface() {
    let db = Postgres::from_env().fresh_database("pg_copy_bin");
    db.exec(
        "CREATE TABLE a (id int8, b bytea, t timestamptz); CREATE TABLE b (LIKE a); \
         INSERT INTO a SELECT g, decode(md5(g::text), 'hex'), '2024-01-01'::timestamptz + g * interval '1 s' \
         FROM generate_series(1, 10000) g",
    );
    run(60, async {
        let mut conn = connect(&db).await;
        let out = conn
            .copy_out("COPY a TO STDOUT (FORMAT binary)")
            .await
            .unwrap();
        assert_eq!(out.format().format, Format::Binary);
        let data: Vec<bytes::Bytes> = out.try_collect().await.unwrap();
        let data: Vec<u8> = data.concat();
        assert!(data.starts_with(BINARY_COPY_HEADER));
        assert!(data.ends_with(BINARY_COPY_TRAILER));

        let mut sink = conn
            .copy_in("COPY b FROM STDIN (FORMAT binary)")
            .await
            .unwrap();
        sink.write_all(&data).await.unwrap();
        sink.close().await.unwrap();
        drop(sink);
    });
    assert_eq!(
        db.query("SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM b) x UNION ALL SELECT count(*) FROM b"),
        vec![vec![Some("0".into())], vec![Some("10000".into())]]
    );
}

#[test]
fn copy_errors_abort_and_abandonment_leave_the_connection_usable() {
    let db = Postgres::from_env().fresh_database("pg_copy_err");
    db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 5000)");
    run(60, async {
        let mut conn = connect(&db).await;
        // bad data: the server's error comes back from finish
        let mut sink = conn.copy_in("COPY t FROM STDIN").await.unwrap();
        sink.send(b"6000\nnot a number\n").await.unwrap();
        let e = sink.finish().await.unwrap_err();
        assert_eq!(e.code(), Some(SqlState::INVALID_TEXT_REPRESENTATION));
        assert!(
            e.as_db_error()
                .unwrap()
                .where_
                .as_deref()
                .unwrap()
                .contains("COPY t, line 2")
        );

        // abort
        let mut sink = conn.copy_in("COPY t FROM STDIN").await.unwrap();
        sink.send(b"7000\n").await.unwrap();
        sink.abort("changed my mind").await.unwrap();

        // abandoned COPY FROM (dropped without finish) is failed by the next call
        let mut sink = conn.copy_in("COPY t FROM STDIN").await.unwrap();
        sink.send(b"8000\n").await.unwrap();
        drop(sink);

        // abandoned COPY TO after one chunk
        let mut out = conn.copy_out("COPY t TO STDOUT").await.unwrap();
        assert_eq!(&out.next().await.unwrap().unwrap()[..], b"1\n");
        drop(out);

        // not a COPY
        assert!(conn.copy_out("SELECT 1").await.is_err());
        // a COPY through simple_query is refused, not hung
        assert!(conn.simple_query("COPY t FROM STDIN").await.is_err());

        assert_eq!(
            conn.query_rows("SELECT count(*), max(id) FROM t")
                .await
                .unwrap(),
            vec![vec![Some("5000".into()), Some("5000".into())]]
        );
    });
}
