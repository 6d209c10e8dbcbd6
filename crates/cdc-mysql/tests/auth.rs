//! Live: authentication plugins against MariaDB (mysql_native_password, client_ed25519 via
//! an auth switch request), wrong passwords as typed errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cdc_mysql::{Config, Connection, ErrorKind, codes};
use cdc_testkit::MariaDb;
use common::{run, tcp};

fn unique(label: &str) -> String {
    format!("{label}_{}_{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

async fn try_connect(server: &MariaDb, config: &Config) -> cdc_mysql::Result<common::Conn> {
    Connection::connect(tcp(server.host(), server.port()).await, config).await
}

fn check_user(server: &MariaDb, user: &str, password: &str) {
    run(30, async {
        let config = Config::new(user).password(password);
        let mut conn = try_connect(server, &config).await.unwrap();
        let row = conn
            .query_first("SELECT CURRENT_USER()")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.get_str(0), Some(format!("{user}@127.0.0.1").as_str()));

        let e = try_connect(server, &Config::new(user).password("wrong"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(codes::ER_ACCESS_DENIED_ERROR), "{e}");
        assert_eq!(e.context(), Some("authentication"));
        assert!(!e.is_retryable());

        let e = try_connect(server, &Config::new(user)).await.unwrap_err();
        assert_eq!(e.code(), Some(codes::ER_ACCESS_DENIED_ERROR), "{e}");
    });
}

#[test]
fn mysql_native_password_with_and_without_the_right_password() {
    let server = MariaDb::from_env();
    let user = unique("native");
    server.exec(
        None,
        &format!("CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'pässword'"),
    );
    check_user(&server, &user, "pässword");
    server.exec(None, &format!("DROP USER '{user}'@'127.0.0.1'"));
}

#[test]
fn client_ed25519_after_an_auth_switch_request() {
    let server = MariaDb::from_env();
    let installed = server.query(
        None,
        "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'",
    );
    if installed[0][0].as_deref() == Some("0") {
        // concurrent tests may race to install it; an "already installed" error is fine
        let _ = server.try_exec(None, "INSTALL SONAME 'auth_ed25519'");
    }
    let user = unique("ed");
    server.exec(
        None,
        &format!(
            "CREATE USER '{user}'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('s3cret')"
        ),
    );
    check_user(&server, &user, "s3cret");
    server.exec(None, &format!("DROP USER '{user}'@'127.0.0.1'"));
}

#[test]
fn connecting_to_a_database_and_to_a_missing_one() {
    let server = MariaDb::from_env();
    run(30, async {
        let config = Config::new(server.user()).database("mysql");
        let mut conn = try_connect(&server, &config).await.unwrap();
        let row = conn
            .query_first("SELECT DATABASE()")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.get_str(0), Some("mysql"));
        let e = try_connect(
            &server,
            &Config::new(server.user()).database("no_such_db_x"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), Some(codes::ER_BAD_DB_ERROR), "{e}");
    });
}

#[test]
fn tls_is_refused_when_the_server_offers_none() {
    // The test server runs without certificates, so it does not advertise CLIENT_SSL.
    let server = MariaDb::from_env();
    run(30, async {
        let stream = tcp(server.host(), server.port()).await;
        let r: cdc_mysql::Result<common::Conn> =
            Connection::connect_tls(stream, &Config::new(server.user()), async |s| Ok(s)).await;
        let e = r.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Config(_)), "{e}");
    });
}
