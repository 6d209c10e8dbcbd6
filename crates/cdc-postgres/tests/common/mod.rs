//! Helpers shared by the live tests: a TCP connection to the test server, a timeout.
#![allow(dead_code, unreachable_pub)]

pub mod instance;

use std::future::Future;
use std::net::TcpStream;
use std::time::Duration;

use async_io::{Async, Timer};
use cdc_postgres::{Config, Connection, ReplicationMode};
use cdc_testkit::PgDatabase;
use futures::future::{Either, select};

pub type Conn = Connection<Async<TcpStream>>;

/// Runs `fut` on the test thread; panics when it takes longer than `secs`.
pub fn run<T>(secs: u64, fut: impl Future<Output = T>) -> T {
    async_io::block_on(async {
        let timer = Timer::after(Duration::from_secs(secs));
        match select(Box::pin(fut), timer).await {
            Either::Left((v, _)) => v,
            Either::Right(_) => panic!("timed out after {secs} s"),
        }
    })
}

pub async fn tcp(host: &str, port: u16) -> Async<TcpStream> {
    Async::<TcpStream>::connect((host.parse::<std::net::IpAddr>().unwrap(), port))
        .await
        .unwrap()
}

/// The URL of `db`, as a `Config`.
pub fn config(db: &PgDatabase) -> Config {
    db.url().parse().unwrap()
}

pub async fn connect(db: &PgDatabase) -> Conn {
    connect_with(db, config(db)).await
}

pub async fn connect_replication(db: &PgDatabase) -> Conn {
    connect_with(db, config(db).replication(ReplicationMode::Database)).await
}

pub async fn connect_with(db: &PgDatabase, config: Config) -> Conn {
    let stream = tcp(db.server().host(), db.server().port()).await;
    Connection::connect(stream, &config).await.unwrap()
}
