//! Helpers shared by the live tests: a TCP connection to the test server, a timeout.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::TcpStream;
use std::time::Duration;

use async_io::{Async, Timer};
use cdc_mysql::{Config, Connection};
use cdc_testkit::MariaDb;
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

/// The test server's URL as a `Config` (root, no password), in database `db` if given.
pub fn config(server: &MariaDb, db: Option<&str>) -> Config {
    let mut c: Config = server.url().parse().unwrap();
    c.database = db.map(str::to_owned);
    c
}

pub async fn connect(server: &MariaDb, db: Option<&str>) -> Conn {
    connect_with(server, &config(server, db)).await
}

pub async fn connect_with(server: &MariaDb, config: &Config) -> Conn {
    let stream = tcp(server.host(), server.port()).await;
    Connection::connect(stream, config).await.unwrap()
}
