//! A recorded pgoutput stream for the pgoutput benchmark: a workload of mixed column types
//! (bigint, int, text, numeric, timestamptz, jsonb, bytea, text[], int[], boolean, float8)
//! with inserts, updates and deletes runs on the live test server, and the slot's messages are
//! read with `pg_logical_slot_peek_binary_changes` (protocol 1, text values).
//!
//! Shared (by `#[path]`) between the benchmark, which records on demand, and the tests, which
//! check the recording. File layout: `CDCPGO1\n`, then per message its LSN (u64, big endian),
//! its length (u32, big endian) and its bytes. The file lives under `target/bench-data/` and
//! is never committed.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};

use async_io::Async;
use bytes::Bytes;
use cdc_postgres::{Config, Connection, Format, Param};
use cdc_testkit::Postgres;

const MAGIC: &[u8] = b"CDCPGO1\n";

/// Rows the benchmark's recording inserts (updates and deletes follow, see [`Workload`]).
pub(crate) const BENCH_ROWS: u64 = 120_000;

/// The workload: `rows` inserted in transactions of `batch`, then every 4th row updated and
/// every 12th deleted, also in transactions of `batch`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Workload {
    pub(crate) rows: u64,
    pub(crate) batch: u64,
}

impl Workload {
    pub(crate) fn updated(&self) -> u64 {
        self.rows / 4
    }

    pub(crate) fn deleted(&self) -> u64 {
        self.rows / 12
    }
}

pub(crate) const TABLE_DDL: &str = "CREATE TABLE bench_rows (
    id bigint PRIMARY KEY,
    qty int,
    name text,
    price numeric(12,2),
    created timestamptz,
    doc jsonb,
    payload bytea,
    tags text[],
    scores int[],
    flag boolean,
    ratio float8
)";

/// `target/bench-data/pgoutput-v1-text.bin` of this workspace.
pub(crate) fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("bench-data")
        .join("pgoutput-v1-text.bin")
}

/// True when a test server is configured (`scripts/services up` wrote its env file, or the
/// `CDC_TEST_PG_*` variables are set).
pub(crate) fn server_configured() -> bool {
    std::env::var_os("CDC_TEST_PG_HOST").is_some()
        || Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/services/env")
            .exists()
}

fn statements(w: Workload) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 1;
    while start <= w.rows {
        let end = (start + w.batch - 1).min(w.rows);
        out.push(format!(
            "INSERT INTO bench_rows SELECT g, \
               CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 31 % 100000)::int END, \
               'name ' || md5(g::text), \
               ((g * 7919) % 10000000)::numeric / 100, \
               timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second 250 ms', \
               jsonb_build_object('id', g, 'tag', 't' || (g % 13), 'nested', \
                 jsonb_build_object('ok', g % 2 = 0, 'n', g * 1.5)), \
               decode(md5(g::text), 'hex'), \
               ARRAY['a' || g % 5, 'b' || g % 3, 'long tag ' || g], \
               ARRAY[g % 100, g % 1000, g % 10]::int[], \
               g % 3 = 0, \
               g / 7.0 \
             FROM generate_series({start}, {end}) AS g"
        ));
        start = end + 1;
    }
    let mut start = 1;
    while start <= w.rows {
        let end = (start + 4 * w.batch - 1).min(w.rows);
        out.push(format!(
            "UPDATE bench_rows SET qty = coalesce(qty, 0) + 1, price = price * 2, \
               doc = doc || '{{\"updated\": true}}' \
             WHERE id BETWEEN {start} AND {end} AND id % 4 = 0"
        ));
        start = end + 1;
    }
    let mut start = 1;
    while start <= w.rows {
        let end = (start + 12 * w.batch - 1).min(w.rows);
        out.push(format!(
            "DELETE FROM bench_rows WHERE id BETWEEN {start} AND {end} AND id % 12 = 0"
        ));
        start = end + 1;
    }
    out
}

async fn connect(pg: &Postgres, db: &str) -> Connection<Async<TcpStream>> {
    let ip: std::net::IpAddr = pg
        .host()
        .parse()
        .expect("test server host is an IP address");
    let tcp = Async::<TcpStream>::connect((ip, pg.port()))
        .await
        .expect("connect to the test server");
    let config = Config::new(pg.user()).dbname(db);
    Connection::connect(tcp, &config)
        .await
        .expect("start a session on the test server")
}

/// Runs the workload in a fresh database and returns the slot's messages as `(lsn, data)`.
pub(crate) fn record(w: Workload) -> Vec<(u64, Bytes)> {
    let pg = Postgres::from_env();
    let db = pg.fresh_database("bench_pgoutput");
    let slot = format!("{}_s", db.name());
    db.exec(TABLE_DDL);
    db.exec(&format!(
        "CREATE PUBLICATION p FOR TABLE bench_rows; \
         SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')"
    ));
    async_io::block_on(async {
        let mut conn = connect(&pg, db.name()).await;
        for sql in statements(w) {
            conn.batch_execute(&sql).await.expect("workload statement");
        }
        let rows = conn
            .execute_sql(
                "SELECT lsn, data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, \
                 'proto_version', '1', 'publication_names', 'p')",
                &[Param::Text(&slot)],
                Format::Binary,
            )
            .await
            .expect("peek the slot");
        rows.rows
            .iter()
            .map(|r| {
                let lsn = r.get_bytes(0).expect("lsn");
                let lsn = u64::from_be_bytes(lsn.try_into().expect("8-byte pg_lsn"));
                (lsn, r.get_raw(1).expect("data"))
            })
            .collect()
    })
}

pub(crate) fn encode(messages: &[(u64, Bytes)]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for (lsn, data) in messages {
        out.extend_from_slice(&lsn.to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
    }
    out
}

pub(crate) fn decode(file: &[u8]) -> Result<Vec<(u64, Bytes)>, String> {
    let body = file
        .strip_prefix(MAGIC)
        .ok_or("not a pgoutput capture (bad magic)")?;
    let all = Bytes::copy_from_slice(body);
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < all.len() {
        let head = all.get(pos..pos + 12).ok_or("truncated message header")?;
        let lsn = u64::from_be_bytes(head[..8].try_into().map_err(|_| "header")?);
        let len = u32::from_be_bytes(head[8..].try_into().map_err(|_| "header")?) as usize;
        let start = pos + 12;
        if start + len > all.len() {
            return Err(format!("truncated message at byte {pos}"));
        }
        out.push((lsn, all.slice(start..start + len)));
        pos = start + len;
    }
    Ok(out)
}

/// Records the benchmark's stream into `path`.
pub(crate) fn record_to(path: &Path) -> std::io::Result<usize> {
    let messages = record(Workload {
        rows: BENCH_ROWS,
        batch: 1000,
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = encode(&messages);
    std::fs::write(path, &bytes)?;
    Ok(messages.len())
}
