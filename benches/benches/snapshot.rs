//! cdc-mysql snapshot reads from the live MariaDB test server on loopback
//! (`scripts/services up` first; without it the bench says so and measures nothing).
//!
//! One iteration: a consistent snapshot on N worker sessions (`FLUSH TABLES WITH READ LOCK`,
//! position, `START TRANSACTION WITH CONSISTENT SNAPSHOT`, `UNLOCK TABLES`), the whole table
//! read in 5,000-key chunks spread over the workers with every value converted to a
//! `cdc_model::Value`, and `COMMIT`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpStream;

use async_io::Async;
use cdc_mysql::{Config, Connection, TableRead, consistent_snapshot, end_snapshot, read_table};
use cdc_testkit::MariaDb;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

type Conn = Connection<Async<TcpStream>>;

const ROWS: u64 = 200_000;

async fn connect(server: &MariaDb) -> Conn {
    let tcp = Async::<TcpStream>::connect((
        server.host().parse::<std::net::IpAddr>().unwrap(),
        server.port(),
    ))
    .await
    .unwrap();
    let config: Config = server.url().parse().unwrap();
    Connection::connect(tcp, &config).await.unwrap()
}

fn snapshot_read(c: &mut Criterion) {
    // cdc-testkit panics with instructions when no server is configured
    let server = match std::panic::catch_unwind(MariaDb::from_env) {
        Ok(s) => s,
        Err(_) => {
            eprintln!("snapshot bench skipped: no MariaDB test server (scripts/services up)");
            return;
        }
    };
    let db = server.fresh_database("bench_snapshot");
    db.exec(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, n INT, s VARCHAR(40), d DECIMAL(12,3), \
         dt DATETIME(6), f DOUBLE, tx TEXT)",
    );
    db.exec(&format!(
        "INSERT INTO t SELECT seq, seq * 7, CONCAT('customer name ', seq), seq / 1000, \
         '2024-01-01 00:00:00' + INTERVAL seq SECOND, seq / 8, REPEAT('x', seq % 64) \
         FROM seq_1_to_{ROWS}"
    ));
    let table = TableRead {
        schema: db.name().into(),
        table: "t".into(),
        key: "id".into(),
        chunk_keys: 5_000,
    };
    for workers in [1usize, 4] {
        let (mut lock, mut conns) = async_io::block_on(async {
            let lock = connect(&server).await;
            let mut conns = Vec::new();
            for _ in 0..workers {
                conns.push(connect(&server).await);
            }
            (lock, conns)
        });
        let mut read = || {
            async_io::block_on(async {
                consistent_snapshot(&mut lock, &mut conns).await.unwrap();
                let stats = read_table(&mut conns, &table, |_, v| {
                    std::hint::black_box(v);
                    Ok(())
                })
                .await
                .unwrap();
                end_snapshot(&mut conns).await.unwrap();
                stats
            })
        };
        let stats = read();
        assert_eq!(stats.rows, ROWS);
        let mut g = c.benchmark_group("snapshot_read");
        g.sample_size(10);
        g.throughput(Throughput::Elements(stats.rows));
        g.bench_function(format!("rows/{workers}_workers"), |b| b.iter(&mut read));
        g.throughput(Throughput::Bytes(stats.bytes));
        g.bench_function(format!("bytes/{workers}_workers"), |b| b.iter(&mut read));
        g.finish();
    }
}

criterion_group!(benches, snapshot_read);
criterion_main!(benches);
