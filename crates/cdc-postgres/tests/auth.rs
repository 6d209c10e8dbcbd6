//! Live: password authentication (cleartext, md5, SCRAM-SHA-256) against a throwaway
//! PostgreSQL 15 with a pg_hba.conf of its own. The shared test server trusts every local
//! connection, so it never asks for a password.
//!
//! The instance is made like `scripts/services` makes its own (initdb and pg_ctl from
//! /usr/lib/postgresql/15/bin, as the `postgres` user when running as root), on a free
//! port, and stopped (its directory removed) when the test ends, even on failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cdc_postgres::{Config, Connection, ErrorKind, SqlState};
use common::{run, tcp};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

struct Instance {
    dir: PathBuf,
    port: u16,
    started: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn as_pg(program: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

fn check(mut cmd: Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Instance {
    fn start() -> Instance {
        let dir = std::env::temp_dir().join(format!("cdc-pg-auth-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            check(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&dir);
                    c
                },
                "chown",
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut inst = Instance {
            dir,
            port,
            started: false,
        };
        let data = inst.dir.join("data");
        let mut initdb = as_pg(&format!("{PG_BIN}/initdb"));
        initdb
            .current_dir(&inst.dir)
            .arg("-D")
            .arg(&data)
            .args([
                "--auth-local=trust",
                "--auth-host=reject",
                "-U",
                "postgres",
                "-E",
                "UTF8",
            ])
            .args(["--locale=C.UTF-8", "-N"]);
        check(initdb, "initdb");
        // Each user gets one method; `postgres` stays trust over TCP for setup.
        let hba = "local all all trust\n\
                   host all postgres 127.0.0.1/32 trust\n\
                   host all cleartext_user 127.0.0.1/32 password\n\
                   host all md5_user 127.0.0.1/32 md5\n\
                   host all scram_user 127.0.0.1/32 scram-sha-256\n";
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off",
            inst.port,
            inst.dir.display()
        );
        let mut ctl = as_pg(&format!("{PG_BIN}/pg_ctl"));
        ctl.current_dir(&inst.dir)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(inst.dir.join("server.log"))
            .args(["-w", "-t", "30", "-s", "-o", &opts, "start"]);
        inst.started = true;
        check(ctl, "pg_ctl start");
        inst
    }

    fn psql(&self, sql: &str) {
        let mut c = Command::new("psql");
        c.arg("--no-psqlrc")
            .arg("--set=ON_ERROR_STOP=1")
            .arg(format!("--host={}", self.dir.display()))
            .arg(format!("--port={}", self.port))
            .args([
                "--username=postgres",
                "--dbname=postgres",
                "--quiet",
                "-c",
                sql,
            ]);
        check(c, "psql");
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if self.started {
            let mut ctl = as_pg(&format!("{PG_BIN}/pg_ctl"));
            ctl.current_dir(&self.dir)
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w", "-s", "stop"])
                .stdin(Stdio::null());
            let _ = ctl.status();
        }
        if Path::new(&self.dir).starts_with(std::env::temp_dir()) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

async fn try_login(port: u16, user: &str, password: Option<&str>) -> cdc_postgres::Result<String> {
    let mut config = Config::new(user).dbname("postgres");
    if let Some(p) = password {
        config = config.password(p);
    }
    let mut conn = Connection::connect(tcp("127.0.0.1", port).await, &config).await?;
    let rows = conn.query_rows("SELECT current_user").await?;
    Ok(rows[0][0].clone().unwrap())
}

#[test]
fn password_methods_cleartext_md5_and_scram() {
    let inst = Instance::start();
    inst.psql(
        "SET password_encryption = 'scram-sha-256'; \
         CREATE ROLE cleartext_user LOGIN PASSWORD 'clear pw'; \
         CREATE ROLE scram_user LOGIN PASSWORD 'sçram pw'; \
         SET password_encryption = 'md5'; \
         CREATE ROLE md5_user LOGIN PASSWORD 'md5 pw';",
    );
    run(30, async {
        for (user, pw) in [
            ("cleartext_user", "clear pw"),
            ("md5_user", "md5 pw"),
            ("scram_user", "sçram pw"),
        ] {
            assert_eq!(try_login(inst.port, user, Some(pw)).await.unwrap(), user);
            let e = try_login(inst.port, user, Some("wrong")).await.unwrap_err();
            assert_eq!(e.code(), Some(SqlState::INVALID_PASSWORD), "{user}: {e}");
            assert_eq!(e.context(), Some("startup"));
            let e = try_login(inst.port, user, None).await.unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::Auth(_)), "{user}: {e}");
        }
        // pg_hba rejects unknown users with 28000
        let e = try_login(inst.port, "nobody", Some("x")).await.unwrap_err();
        assert_eq!(
            e.code(),
            Some(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
            "{e}"
        );
    });
}
