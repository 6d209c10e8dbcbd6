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

/// A loopback TCP proxy to the test server that can cut every link it carries, as a network
/// failure would (both directions shut down at once).
pub struct Proxy {
    port: u16,
    links: std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    pub fn start(server: &MariaDb) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = (server.host().to_owned(), server.port());
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::<TcpStream>::new()));
        let l = links.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)) else {
                    return;
                };
                {
                    let mut links = l.lock().unwrap();
                    links.push(client.try_clone().unwrap());
                    links.push(server.try_clone().unwrap());
                }
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(client, server));
                std::thread::spawn(move || pump(s2, c2));
            }
        });
        Proxy { port, links }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shuts down every link opened so far.
    pub fn cut(&self) {
        for s in self.links.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Both);
    let _ = from.shutdown(std::net::Shutdown::Both);
}
