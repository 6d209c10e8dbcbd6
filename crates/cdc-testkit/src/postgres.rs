//! The PostgreSQL test server, reached with the `psql` command-line client.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::config::{self, Settings};
use crate::process::{excerpt, run};
use crate::{Rows, csv, names};

/// The PostgreSQL test server.
///
/// Cheap to clone; every call runs `psql` once, over TCP, as the configured user (trust
/// authentication), with client encoding UTF-8.
#[derive(Clone, Debug)]
pub struct Postgres {
    host: String,
    port: u16,
    user: String,
    socket_dir: Option<PathBuf>,
}

impl Postgres {
    /// The server described by the `CDC_TEST_PG_*` variables, or by `target/services/env`
    /// when they are not set (see the [crate docs](crate)).
    ///
    /// # Panics
    ///
    /// When neither is there: the message says to run `scripts/services up`.
    pub fn from_env() -> Postgres {
        let settings = Settings::load("PG");
        Postgres {
            host: settings.require("HOST").to_string(),
            port: settings.port(),
            user: settings.require("USER").to_string(),
            socket_dir: config::path(&settings, "SOCKET_DIR"),
        }
    }

    /// The host to connect to (`127.0.0.1`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user (`postgres`, a superuser).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The directory of the server's Unix socket, if known.
    pub fn socket_dir(&self) -> Option<&Path> {
        self.socket_dir.as_deref()
    }

    /// `postgres://USER@HOST:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{}@{}:{}/{db}", self.user, self.host, self.port)
    }

    /// Runs `sql` (one or more `;`-separated statements, each in its own transaction unless
    /// it says otherwise) in database `db`.
    ///
    /// # Panics
    ///
    /// When a statement fails, with the server's error message.
    pub fn exec(&self, db: &str, sql: &str) {
        if let Err(e) = self.try_exec(db, sql) {
            panic!("{e}");
        }
    }

    /// Like [`Postgres::exec`], but returns the failure (psql's stderr and the SQL) for tests
    /// that expect an error.
    pub fn try_exec(&self, db: &str, sql: &str) -> Result<(), String> {
        run(self.command(db), sql)
            .map(drop)
            .map_err(|e| self.failure(db, sql, &e))
    }

    /// Runs the single query `sql` (a `SELECT`, `VALUES`, or DML with `RETURNING`; a trailing
    /// `;` is allowed) in database `db` and returns its rows: `None` for SQL `NULL`, the exact
    /// text of every other value (`bytea` as `\x...` hex).
    ///
    /// # Panics
    ///
    /// When the query fails, with the server's error message.
    pub fn query(&self, db: &str, sql: &str) -> Rows {
        let body = sql.trim_end().trim_end_matches(';');
        let copy = format!("COPY ({body}\n) TO STDOUT (FORMAT csv, FORCE_QUOTE *)");
        let out = run(self.command(db), &copy)
            .unwrap_or_else(|e| panic!("{}", self.failure(db, sql, &e)));
        csv::parse_rows(&out).unwrap_or_else(|e| {
            panic!(
                "cdc-testkit: cannot read the CSV output of\n{}\n: {e}\noutput:\n{}",
                excerpt(sql),
                String::from_utf8_lossy(&out)
            )
        })
    }

    /// Creates a database with a unique name built from `label` (safe across threads and the
    /// parallel processes of nextest). When the returned value is dropped, the database's
    /// replication slots are dropped (their connections terminated first), then the database.
    pub fn fresh_database(&self, label: &str) -> PgDatabase {
        let name = names::unique(label);
        self.exec("postgres", &format!("CREATE DATABASE \"{name}\""));
        PgDatabase {
            server: self.clone(),
            name,
        }
    }

    fn command(&self, db: &str) -> Command {
        let mut cmd = Command::new("psql");
        cmd.arg("--no-psqlrc")
            .arg("--quiet")
            .arg("--set=ON_ERROR_STOP=1")
            .arg(format!("--host={}", self.host))
            .arg(format!("--port={}", self.port))
            .arg(format!("--username={}", self.user))
            .arg(format!("--dbname={db}"))
            .env("PGCLIENTENCODING", "UTF8")
            .env("PGCONNECT_TIMEOUT", "10")
            .env("PGAPPNAME", "cdc-testkit")
            .env_remove("PGOPTIONS")
            .env_remove("PGSERVICE")
            .env_remove("PGPASSWORD");
        cmd
    }

    fn failure(&self, db: &str, sql: &str, error: &str) -> String {
        format!(
            "cdc-testkit: PostgreSQL at {}:{} (database {db}) failed on\n{}\n: {error}\n\
             (the test servers come from `scripts/services up`; `scripts/services status` \
             tells whether they are running)",
            self.host,
            self.port,
            excerpt(sql)
        )
    }

    /// Terminates the database's connections, drops its replication slots, drops it.
    fn drop_database(&self, name: &str) -> Result<(), String> {
        let teardown = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid();\n\
             SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
                 WHERE database = '{name}';\n\
             DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE);"
        );
        // A terminated walsender may hold its slot for a moment: an active slot cannot be
        // dropped, so try again until it lets go.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.try_exec("postgres", &teardown) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() < deadline && e.contains("is active for PID") => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A database created by [`Postgres::fresh_database`], dropped together with its replication
/// slots on drop (unless `CDC_TEST_KEEP_DATABASES` is set).
#[derive(Debug)]
pub struct PgDatabase {
    server: Postgres,
    name: String,
}

impl PgDatabase {
    /// The database name (plain `[a-z0-9_]`, no quoting needed; also usable as a prefix for
    /// unique replication slot names, which are server-wide).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server it lives on.
    pub fn server(&self) -> &Postgres {
        &self.server
    }

    /// `postgres://USER@HOST:PORT/NAME`.
    pub fn url(&self) -> String {
        self.server.url(&self.name)
    }

    /// [`Postgres::exec`] in this database.
    pub fn exec(&self, sql: &str) {
        self.server.exec(&self.name, sql);
    }

    /// [`Postgres::try_exec`] in this database.
    pub fn try_exec(&self, sql: &str) -> Result<(), String> {
        self.server.try_exec(&self.name, sql)
    }

    /// [`Postgres::query`] in this database.
    pub fn query(&self, sql: &str) -> Rows {
        self.server.query(&self.name, sql)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if config::keep_databases() {
            eprintln!("cdc-testkit: keeping PostgreSQL database {}", self.name);
            return;
        }
        if let Err(e) = self.server.drop_database(&self.name) {
            if std::thread::panicking() {
                eprintln!("{e}");
            } else {
                panic!("{e}");
            }
        }
    }
}
