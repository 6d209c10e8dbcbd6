//! The MariaDB test server, reached with the `mariadb` command-line client.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::{self, Settings};
use crate::process::{excerpt, run};
use crate::{Rows, names, xml};

/// Held exclusive use of the test server's global binlog settings; see
/// [`MariaDb::lock_binlog_settings`]. Dropping it releases the lock.
#[derive(Debug)]
pub struct BinlogSettingsLock {
    _file: std::fs::File,
}

/// The MariaDB test server: where it listens and where it keeps its binlogs.
///
/// Cheap to clone; every call runs the `mariadb` client once, over TCP, as the configured
/// user without a password, with `utf8mb4` as the connection character set.
#[derive(Clone, Debug)]
pub struct MariaDb {
    host: String,
    port: u16,
    user: String,
    socket: Option<PathBuf>,
    datadir: Option<PathBuf>,
}

impl MariaDb {
    /// The server described by the `CDC_TEST_MARIADB_*` variables, or by
    /// `target/services/env` when they are not set (see the [crate docs](crate)).
    ///
    /// # Panics
    ///
    /// When neither is there: the message says to run `scripts/services up`.
    pub fn from_env() -> MariaDb {
        let settings = Settings::load("MARIADB");
        MariaDb {
            host: settings.require("HOST").to_string(),
            port: settings.port(),
            user: settings.require("USER").to_string(),
            socket: config::path(&settings, "SOCKET"),
            datadir: config::path(&settings, "DATADIR"),
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

    /// The user (`root`, no password).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// `mysql://USER@HOST:PORT`, without a database.
    pub fn url(&self) -> String {
        format!("mysql://{}@{}:{}", self.user, self.host, self.port)
    }

    /// The server's Unix socket, if known.
    pub fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    /// The directory holding the binlog files (the server's data directory).
    ///
    /// # Panics
    ///
    /// When `CDC_TEST_MARIADB_DATADIR` is not configured.
    pub fn binlog_dir(&self) -> &Path {
        self.datadir.as_deref().unwrap_or_else(|| {
            panic!(
                "cdc-testkit: CDC_TEST_MARIADB_DATADIR is not set, so the binlog directory is \
                 unknown; use the env written by `scripts/services up`"
            )
        })
    }

    /// Exclusive use of the server's global binlog settings (`binlog_row_metadata`,
    /// `binlog_row_image`, `log_bin_compress`, ...) until the guard drops.
    ///
    /// Tests run in parallel processes against one server, and a `SET GLOBAL` of one test
    /// changes what every other test's events look like. A test that changes such a setting,
    /// or that needs the defaults `scripts/services` started with while it writes, takes this
    /// lock first, changes the setting, and restores it before dropping the guard (declare the
    /// guard before the value that restores, so it drops after it). The lock is a file lock
    /// beside the server's data directory, so it also holds across test binaries.
    ///
    /// # Panics
    ///
    /// When the lock file cannot be created or locked.
    pub fn lock_binlog_settings(&self) -> BinlogSettingsLock {
        let dir = self.binlog_dir();
        let path = dir.parent().unwrap_or(dir).join("binlog-settings.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cdc-testkit: cannot open {}: {e}", path.display()));
        file.lock()
            .unwrap_or_else(|e| panic!("cdc-testkit: cannot lock {}: {e}", path.display()));
        BinlogSettingsLock { _file: file }
    }

    /// Runs `sql` (one or more `;`-separated statements) in database `db`, or in none.
    ///
    /// # Panics
    ///
    /// When a statement fails, with the server's error message.
    pub fn exec(&self, db: Option<&str>, sql: &str) {
        if let Err(e) = self.try_exec(db, sql) {
            panic!("{e}");
        }
    }

    /// Like [`MariaDb::exec`], but returns the failure (the client's stderr and the SQL) for
    /// tests that expect an error.
    pub fn try_exec(&self, db: Option<&str>, sql: &str) -> Result<(), String> {
        run(self.command(db, false), sql)
            .map(drop)
            .map_err(|e| self.failure(db, sql, &e))
    }

    /// Runs `sql` in database `db` (or none) and returns the rows it selects: `None` for SQL
    /// `NULL`, the exact text of every other value. Several statements that return rows give
    /// their rows one after the other. Select binary values as `HEX(col)`: text must be UTF-8.
    ///
    /// # Panics
    ///
    /// When a statement fails, with the server's error message.
    pub fn query(&self, db: Option<&str>, sql: &str) -> Rows {
        let out = run(self.command(db, true), sql)
            .unwrap_or_else(|e| panic!("{}", self.failure(db, sql, &e)));
        xml::parse_rows(&out).unwrap_or_else(|e| {
            panic!(
                "cdc-testkit: cannot read the output of `mariadb --xml` for\n{}\n: {e}\n\
                 output:\n{}",
                excerpt(sql),
                String::from_utf8_lossy(&out)
            )
        })
    }

    /// Creates a database with a unique name built from `label` (safe across threads and
    /// the parallel processes of nextest); it is dropped when the returned value is dropped.
    pub fn fresh_database(&self, label: &str) -> MariaDbDatabase {
        let name = names::unique(label);
        self.exec(
            None,
            &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"),
        );
        MariaDbDatabase {
            server: self.clone(),
            name,
        }
    }

    /// The binlog file being written and the position its next event will start at, from
    /// `SHOW MASTER STATUS`.
    ///
    /// # Panics
    ///
    /// When binary logging is off.
    pub fn current_binlog(&self) -> (String, u64) {
        let rows = self.query(None, "SHOW MASTER STATUS");
        let row = rows
            .first()
            .unwrap_or_else(|| panic!("cdc-testkit: SHOW MASTER STATUS is empty: binlog is off"));
        let file = row.first().cloned().flatten().expect("binlog file name");
        let pos = row
            .get(1)
            .cloned()
            .flatten()
            .and_then(|p| p.parse().ok())
            .expect("binlog position");
        (file, pos)
    }

    /// The names of all binlog files, oldest first, from `SHOW BINARY LOGS`.
    pub fn binlog_files(&self) -> Vec<String> {
        self.query(None, "SHOW BINARY LOGS")
            .into_iter()
            .map(|row| row.into_iter().next().flatten().expect("binlog file name"))
            .collect()
    }

    /// `FLUSH BINARY LOGS`: closes the current binlog file (ending it with a rotate event)
    /// and starts the next one.
    pub fn flush_binary_logs(&self) {
        self.exec(None, "FLUSH BINARY LOGS");
    }

    fn command(&self, db: Option<&str>, xml: bool) -> Command {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults")
            .arg("--protocol=TCP")
            .arg(format!("--host={}", self.host))
            .arg(format!("--port={}", self.port))
            .arg(format!("--user={}", self.user))
            .arg("--default-character-set=utf8mb4")
            .arg("--connect-timeout=10")
            .arg("--batch")
            // No client commands but DELIMITER, and "\r\n" kept as is: the SQL is sent exactly.
            .arg("--binary-mode")
            .env_remove("MYSQL_PWD")
            .env_remove("MYSQL_HOST")
            .env_remove("MYSQL_TCP_PORT");
        if xml {
            cmd.arg("--xml");
        }
        if let Some(db) = db {
            cmd.arg(format!("--database={db}"));
        }
        cmd
    }

    fn failure(&self, db: Option<&str>, sql: &str, error: &str) -> String {
        format!(
            "cdc-testkit: MariaDB at {}:{} (database {}) failed on\n{}\n: {error}\n\
             (the test servers come from `scripts/services up`; `scripts/services status` \
             tells whether they are running)",
            self.host,
            self.port,
            db.unwrap_or("none"),
            excerpt(sql)
        )
    }
}

/// A database created by [`MariaDb::fresh_database`], dropped on drop (unless
/// `CDC_TEST_KEEP_DATABASES` is set).
#[derive(Debug)]
pub struct MariaDbDatabase {
    server: MariaDb,
    name: String,
}

impl MariaDbDatabase {
    /// The database name (plain `[a-z0-9_]`, no quoting needed).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server it lives on.
    pub fn server(&self) -> &MariaDb {
        &self.server
    }

    /// [`MariaDb::exec`] in this database.
    pub fn exec(&self, sql: &str) {
        self.server.exec(Some(&self.name), sql);
    }

    /// [`MariaDb::try_exec`] in this database.
    pub fn try_exec(&self, sql: &str) -> Result<(), String> {
        self.server.try_exec(Some(&self.name), sql)
    }

    /// [`MariaDb::query`] in this database.
    pub fn query(&self, sql: &str) -> Rows {
        self.server.query(Some(&self.name), sql)
    }
}

impl Drop for MariaDbDatabase {
    fn drop(&mut self) {
        if config::keep_databases() {
            eprintln!("cdc-testkit: keeping MariaDB database {}", self.name);
            return;
        }
        let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        if let Err(e) = self.server.try_exec(None, &sql) {
            if std::thread::panicking() {
                eprintln!("{e}");
            } else {
                panic!("{e}");
            }
        }
    }
}
