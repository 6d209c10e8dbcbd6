//! Live: password authentication (cleartext, md5, SCRAM-SHA-256) against a throwaway
//! PostgreSQL 15 with a pg_hba.conf of its own. The shared test server trusts every local
//! connection, so it never asks for a password.
//!
//! The instance is `common::instance`'s, stopped when the test ends, even on failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cdc_postgres::{Config, Connection, ErrorKind, SqlState};
use common::instance::{Instance, Setup};
use common::{run, tcp};

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
    // Each user gets one method; `postgres` stays trust over TCP for setup.
    let inst = Instance::start(&Setup {
        label: "auth",
        hba: "local all all trust\n\
              host all postgres 127.0.0.1/32 trust\n\
              host all cleartext_user 127.0.0.1/32 password\n\
              host all md5_user 127.0.0.1/32 md5\n\
              host all scram_user 127.0.0.1/32 scram-sha-256\n",
        settings: &[],
        files: &[],
    });
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
