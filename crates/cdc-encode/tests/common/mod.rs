//! Helpers shared by the live tests: a PostgreSQL connection, a timeout, a seeded generator.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::TcpStream;
use std::time::Duration;

use async_io::{Async, Timer};
use cdc_encode::sql::pg::{PgParam, PgStatement};
use cdc_postgres::{Config, Connection, Format, Param};
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

pub async fn connect(db: &PgDatabase) -> Conn {
    let config: Config = db.url().parse().unwrap();
    let host: std::net::IpAddr = db.server().host().parse().unwrap();
    let stream = Async::<TcpStream>::connect((host, db.server().port()))
        .await
        .unwrap();
    Connection::connect(stream, &config).await.unwrap()
}

/// Executes one encoded statement with its binary/text parameters.
pub async fn execute(conn: &mut Conn, s: &PgStatement) {
    let params: Vec<Param<'_>> = s
        .params
        .iter()
        .map(|p| match p {
            PgParam::Null => Param::Null,
            PgParam::Binary(b) => Param::Binary(b),
            PgParam::Text(t) => Param::Text(t),
        })
        .collect();
    if let Err(e) = conn.execute_sql(&s.sql, &params, Format::Text).await {
        panic!("{e}\nSQL: {}", s.sql);
    }
}

/// xorshift64*: a small deterministic generator, so a failing seed can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

use std::collections::BTreeMap;
use std::sync::Arc;

use cdc_model::{Change, RowImage, TableSchema, Value};

/// A source that makes valid row changes (inserts of absent keys, updates and deletes of
/// present ones, key changes to absent keys, partial images) and remembers the rows it holds.
pub struct Source {
    pub table: Arc<TableSchema>,
    pub key_cols: Vec<usize>,
    /// The source's rows by key (`Debug` of the key values), in key order.
    pub rows: BTreeMap<String, RowImage>,
}

impl Source {
    pub fn new(table: Arc<TableSchema>) -> Source {
        let key_cols = table.identity_columns().unwrap();
        Source {
            table,
            key_cols,
            rows: BTreeMap::new(),
        }
    }

    fn key_of(&self, row: &RowImage) -> String {
        let k: Vec<&Value> = self.key_cols.iter().map(|&c| &row.values[c]).collect();
        format!("{k:?}")
    }

    /// A key-only image of `row` (other columns not sent).
    pub fn key_only(&self, row: &RowImage) -> RowImage {
        RowImage::new(
            (0..row.len())
                .map(|i| {
                    if self.key_cols.contains(&i) {
                        row.values[i].clone()
                    } else {
                        Value::Unchanged
                    }
                })
                .collect(),
        )
    }

    /// Applies a change to the source's rows, as the source database would.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Insert { after, .. } => {
                let k = self.key_of(after);
                assert!(self.rows.insert(k, after.clone()).is_none());
            }
            Change::Delete { before, .. } => {
                let k = self.key_of(before);
                assert!(self.rows.remove(&k).is_some());
            }
            Change::Update { before, after, .. } => {
                let old_key = self.key_of(before.as_ref().unwrap_or(after));
                let old = self.rows.remove(&old_key).unwrap();
                let new = RowImage::new(
                    old.values
                        .iter()
                        .zip(&after.values)
                        .map(|(o, a)| {
                            if a.is_unchanged() {
                                o.clone()
                            } else {
                                a.clone()
                            }
                        })
                        .collect(),
                );
                let k = self.key_of(&new);
                assert!(self.rows.insert(k, new).is_none());
            }
            _ => {}
        }
    }

    /// One random valid change. `key` makes a random key (as a full row's key values), `row`
    /// a random full row with that key.
    pub fn random_change(
        &mut self,
        rng: &mut Rng,
        key: &dyn Fn(&mut Rng) -> Vec<Value>,
        row: &dyn Fn(&mut Rng, &[Value]) -> RowImage,
    ) -> Change {
        let table = self.table.clone();
        loop {
            let k = key(rng);
            let probe = {
                let mut r = vec![Value::Null; table.columns.len()];
                for (n, &c) in self.key_cols.iter().enumerate() {
                    r[c] = k[n].clone();
                }
                RowImage::new(r)
            };
            let ks = self.key_of(&probe);
            let Some(current) = self.rows.get(&ks).cloned() else {
                let change = Change::Insert {
                    table: table.clone(),
                    after: row(rng, &k),
                };
                self.apply(&change);
                return change;
            };
            let before = if rng.chance(50) {
                Some(current.clone())
            } else if rng.chance(50) {
                Some(self.key_only(&current))
            } else {
                None
            };
            let partial = |rng: &mut Rng, full: RowImage, keep_key: bool| {
                RowImage::new(
                    full.values
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let is_key = self.key_cols.contains(&i);
                            if (is_key && keep_key) || (!is_key && rng.chance(50)) {
                                v
                            } else {
                                Value::Unchanged
                            }
                        })
                        .collect(),
                )
            };
            let change = match rng.below(10) {
                0..=2 => Change::Update {
                    table: table.clone(),
                    before,
                    after: row(rng, &k),
                },
                3..=4 => {
                    let full = row(rng, &k);
                    // The key columns themselves may be left out of a same-key update.
                    let keep_key = before.is_none() || rng.chance(50);
                    Change::Update {
                        table: table.clone(),
                        before,
                        after: partial(rng, full, keep_key),
                    }
                }
                5..=6 => {
                    let k2 = key(rng);
                    let mut p2 = probe.clone();
                    for (n, &c) in self.key_cols.iter().enumerate() {
                        p2.values[c] = k2[n].clone();
                    }
                    if self.rows.contains_key(&self.key_of(&p2)) {
                        continue;
                    }
                    let full = row(rng, &k2);
                    let after = if rng.chance(50) {
                        full
                    } else {
                        partial(rng, full, true)
                    };
                    Change::Update {
                        table: table.clone(),
                        // A key change always comes with the old key.
                        before: Some(if rng.chance(50) {
                            current.clone()
                        } else {
                            self.key_only(&current)
                        }),
                        after,
                    }
                }
                _ => Change::Delete {
                    table: table.clone(),
                    before: if rng.chance(50) {
                        current.clone()
                    } else {
                        self.key_only(&current)
                    },
                },
            };
            self.apply(&change);
            return change;
        }
    }
}
