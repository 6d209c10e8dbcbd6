//! Test support for the live tests: the throwaway MariaDB 10.11 and PostgreSQL 15 servers that
//! `scripts/services up` starts, and a fresh database per test.
//!
//! It talks to the servers through the real command-line clients (`mariadb`, `psql`), so it
//! depends on nothing but `std` and shares no code with the crates it helps to test.
//!
//! ```no_run
//! use cdc_testkit::{MariaDb, Postgres};
//!
//! let mariadb = MariaDb::from_env();
//! let db = mariadb.fresh_database("example"); // dropped again when `db` goes out of scope
//! db.exec("CREATE TABLE t (id INT PRIMARY KEY, note TEXT); INSERT INTO t VALUES (1, NULL), (2, 'NULL')");
//! assert_eq!(
//!     db.query("SELECT id, note FROM t ORDER BY id"),
//!     vec![
//!         vec![Some("1".to_string()), None],
//!         vec![Some("2".to_string()), Some("NULL".to_string())],
//!     ],
//! );
//!
//! let pg = Postgres::from_env();
//! let db = pg.fresh_database("example");
//! assert_eq!(db.query("SELECT 'é🐘', NULL"), vec![vec![Some("é🐘".to_string()), None]]);
//! ```
//!
//! # Where the servers are
//!
//! Each server is described by `CDC_TEST_*` environment variables (the ones `scripts/services
//! up` writes to `target/services/env`):
//!
//! | variable | meaning |
//! |---|---|
//! | `CDC_TEST_MARIADB_HOST`, `CDC_TEST_MARIADB_PORT`, `CDC_TEST_MARIADB_USER` | MariaDB over TCP (no password) |
//! | `CDC_TEST_MARIADB_SOCKET` | its Unix socket |
//! | `CDC_TEST_MARIADB_DATADIR` | its data directory, which holds the binlog files |
//! | `CDC_TEST_MARIADB_URL` | `mysql://root@127.0.0.1:PORT` |
//! | `CDC_TEST_PG_HOST`, `CDC_TEST_PG_PORT`, `CDC_TEST_PG_USER` | PostgreSQL over TCP (trust auth) |
//! | `CDC_TEST_PG_SOCKET_DIR` | its Unix socket directory |
//! | `CDC_TEST_PG_URL` | `postgres://postgres@127.0.0.1:PORT/postgres` |
//!
//! When `CDC_TEST_MARIADB_PORT` (or `CDC_TEST_PG_PORT`) is not set, that server's variables are
//! read from `target/services/env` of the workspace, found by walking up from
//! `CARGO_MANIFEST_DIR` and the current directory to the directory holding `scripts/services`.
//! So `scripts/services up && cargo test` works without sourcing anything. With neither, the
//! constructors panic and say how to start the servers.
//!
//! Set `CDC_TEST_KEEP_DATABASES=1` to keep the fresh databases after the test for inspection.
//!
//! # Panics
//!
//! This is test support: every failure (a server that is down, SQL that fails, output that
//! cannot be read) panics with a message that says what was run and what the server said.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod config;
mod csv;
mod mariadb;
mod names;
mod postgres;
mod process;
mod xml;

pub use mariadb::{BinlogSettingsLock, MariaDb, MariaDbDatabase};
pub use postgres::{PgDatabase, Postgres};

/// A result set as the clients print it: rows of columns, `None` for SQL `NULL`, every other
/// value as the server's text form (so `Some("NULL")` is the four-letter string).
pub type Rows = Vec<Vec<Option<String>>>;
