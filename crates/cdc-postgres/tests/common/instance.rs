//! A throwaway PostgreSQL 15 of a test's own, for what the shared server cannot show: its own
//! pg_hba.conf, settings such as `ssl=on`, files in its data directory.
//!
//! It is made like `scripts/services` makes its own (initdb and pg_ctl from
//! /usr/lib/postgresql/15/bin, as the `postgres` user when running as root), listens on
//! 127.0.0.1 on a free port, and is stopped (its directory removed) when dropped, even when
//! the test fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Instance {
    pub dir: PathBuf,
    pub port: u16,
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

fn check(mut cmd: Command, what: &str) -> String {
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
    String::from_utf8(out.stdout).unwrap()
}

/// What to start: pg_hba.conf, extra `-c name=value` settings, and files to put into the
/// data directory (mode 0600, owned by the server's user) before the server starts.
pub struct Setup<'a> {
    pub label: &'a str,
    pub hba: &'a str,
    pub settings: &'a [(&'a str, &'a str)],
    pub files: &'a [(&'a str, &'a [u8])],
}

impl Instance {
    pub fn start(setup: &Setup<'_>) -> Instance {
        let dir =
            std::env::temp_dir().join(format!("cdc-pg-{}-{}", setup.label, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        chown_to_pg(&dir);
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
        let data = inst.data();
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
        std::fs::write(data.join("pg_hba.conf"), setup.hba).unwrap();
        for (name, contents) in setup.files {
            let path = data.join(name);
            std::fs::write(&path, contents).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            chown_to_pg(&path);
        }
        let mut opts = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off",
            inst.port,
            inst.dir.display()
        );
        for (name, value) in setup.settings {
            opts.push_str(&format!(" -c {name}={value}"));
        }
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

    /// Runs `sql` as `postgres` over the Unix socket; returns the unaligned, tuples-only
    /// output.
    pub fn psql(&self, sql: &str) -> String {
        let mut c = Command::new("psql");
        c.arg("--no-psqlrc")
            .arg("--set=ON_ERROR_STOP=1")
            .arg(format!("--host={}", self.dir.display()))
            .arg(format!("--port={}", self.port))
            .args([
                "--username=postgres",
                "--dbname=postgres",
                "--quiet",
                "--no-align",
                "--tuples-only",
                "-c",
                sql,
            ]);
        check(c, "psql")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }
}

fn chown_to_pg(path: &Path) {
    if is_root() {
        let mut c = Command::new("chown");
        c.arg("postgres:postgres").arg(path);
        check(c, "chown");
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
