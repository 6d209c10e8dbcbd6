//! A consistent snapshot over several sessions, read in primary-key chunks in parallel, and
//! the binlog position where the incremental stream continues.

use std::cell::RefCell;

use cdc_model::{BinlogPosition, Value};
use futures::io::{AsyncRead, AsyncWrite};

use crate::connection::Connection;
use crate::error::{Error, Result, codes};
use crate::replication::Checkpoint;
use crate::row::Row;

/// Quotes an identifier with backticks.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Opens one consistent snapshot on every connection of `workers` and returns the binlog
/// position it corresponds to: the stream started there (see
/// [`Checkpoint::start_binlog`], [`Checkpoint::start_gtid`]) carries exactly the changes
/// committed after the snapshot.
///
/// `lock` briefly takes `FLUSH TABLES WITH READ LOCK` (the `RELOAD` privilege), reads the
/// position (`SHOW MASTER STATUS`, or `SHOW BINARY LOG STATUS` on MySQL 8.4; the GTID
/// position `@@gtid_binlog_pos` on MariaDB, `@@global.gtid_executed` on MySQL), starts
/// `START TRANSACTION WITH CONSISTENT SNAPSHOT` on every worker, then `UNLOCK TABLES`. Writes
/// wait only for that long. Each worker's session gets `time_zone = '+00:00'`, so
/// `TIMESTAMP` values read as UTC instants.
pub async fn consistent_snapshot<S: AsyncRead + AsyncWrite + Unpin>(
    lock: &mut Connection<S>,
    workers: &mut [Connection<S>],
) -> Result<Checkpoint> {
    for w in workers.iter_mut() {
        w.execute(
            "SET SESSION time_zone = '+00:00'; \
             SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        )
        .await?;
    }
    lock.execute("FLUSH TABLES WITH READ LOCK")
        .await
        .map_err(|e| e.during("snapshot lock"))?;
    let result = async {
        let position = read_position(lock).await?;
        for w in workers.iter_mut() {
            w.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                .await
                .map_err(|e| e.during("starting the snapshot transaction"))?;
        }
        Ok::<_, Error>(position)
    }
    .await;
    // unlock whatever happened
    let unlocked = lock.execute("UNLOCK TABLES").await;
    let position = result?;
    unlocked?;
    Ok(position)
}

async fn read_position<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
) -> Result<Checkpoint> {
    let status = match conn.query_first("SHOW MASTER STATUS").await {
        Err(e) if e.code() == Some(codes::ER_PARSE_ERROR) => {
            conn.query_first("SHOW BINARY LOG STATUS").await?
        }
        other => other?,
    };
    let row = status.ok_or_else(|| Error::usage("binary logging is off on the server"))?;
    let file = row
        .get_str(0)
        .ok_or_else(|| Error::protocol("SHOW MASTER STATUS without a file"))?
        .to_owned();
    let offset = row
        .get_str(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| Error::protocol("SHOW MASTER STATUS without a position"))?;
    let mut cp = Checkpoint {
        binlog: BinlogPosition::new(file, offset),
        mariadb_gtid: None,
        mysql_gtid: None,
    };
    let parse_err = |what: &str, e: cdc_model::ParseError| {
        Error::protocol(format!("the server's {what} does not parse: {e}"))
    };
    if conn.server().mariadb {
        if let Some(r) = conn.query_first("SELECT @@gtid_binlog_pos").await? {
            cp.mariadb_gtid = Some(
                r.get_str(0)
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| parse_err("gtid_binlog_pos", e))?,
            );
        }
    } else if let Some(r) = conn.query_first("SELECT @@global.gtid_executed").await? {
        let text = r.get_str(0).unwrap_or_default();
        cp.mysql_gtid = Some(text.parse().map_err(|e| parse_err("gtid_executed", e))?);
    }
    Ok(cp)
}

/// One table to read: schema, name, and the integer column its chunks are cut along.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TableRead {
    /// Database.
    pub schema: String,
    /// Table.
    pub table: String,
    /// An integer primary key column (unique, so chunks never overlap).
    pub key: String,
    /// Key values per chunk (the chunk is `key BETWEEN lo AND lo + chunk_keys - 1`).
    pub chunk_keys: u64,
}

/// What a chunked read returned.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReadStats {
    /// Rows read.
    pub rows: u64,
    /// Bytes of row values received (packet payloads).
    pub bytes: u64,
    /// Chunks read.
    pub chunks: u64,
}

/// Reads `table` inside the snapshot the `workers` hold (from [`consistent_snapshot`]), in
/// key ranges of `chunk_keys` spread over the workers, which run in parallel. `on_row`
/// gets every row's values (exact [`Value`]s converted by column type) with the index of its
/// chunk; rows of one chunk come in key order, chunks in any order.
pub async fn read_table<S: AsyncRead + AsyncWrite + Unpin>(
    workers: &mut [Connection<S>],
    table: &TableRead,
    on_row: impl FnMut(u64, Vec<Value>) -> Result<()>,
) -> Result<ReadStats> {
    let first = workers
        .first_mut()
        .ok_or_else(|| Error::usage("no worker connection"))?;
    let name = format!(
        "{}.{}",
        quote_ident(&table.schema),
        quote_ident(&table.table)
    );
    let key = quote_ident(&table.key);
    let bounds = first
        .query_first(&format!("SELECT MIN({key}), MAX({key}) FROM {name}"))
        .await?
        .ok_or_else(|| Error::protocol("MIN/MAX returned no row"))?;
    let int = |i: usize| -> Result<Option<i128>> {
        match bounds.value(i)? {
            Value::Null => Ok(None),
            v => v
                .as_i128()
                .map(Some)
                .ok_or_else(|| Error::usage(format!("key `{}` is not an integer", table.key))),
        }
    };
    let (Some(lo), Some(hi)) = (int(0)?, int(1)?) else {
        return Ok(ReadStats::default()); // empty table
    };
    let step = i128::from(table.chunk_keys.max(1));
    let chunks: Vec<(i128, i128)> = {
        let mut v = Vec::new();
        let mut start = lo;
        while start <= hi {
            let end = (start + step - 1).min(hi);
            v.push((start, end));
            start = end + 1;
        }
        v
    };
    let n = workers.len();
    let on_row = RefCell::new(on_row);
    let stats = RefCell::new(ReadStats::default());
    let jobs = workers.iter_mut().enumerate().map(|(w, conn)| {
        let chunks = &chunks;
        let (name, key, on_row, stats) = (&name, &key, &on_row, &stats);
        async move {
            for (i, (a, b)) in chunks.iter().enumerate().skip(w).step_by(n) {
                let sql =
                    format!("SELECT * FROM {name} WHERE {key} BETWEEN {a} AND {b} ORDER BY {key}");
                let mut rows = conn
                    .query_iter(&sql)
                    .await
                    .map_err(|e| e.during(format!("reading {name} chunk {a}..={b}")))?;
                let mut count = 0;
                let mut bytes = 0;
                while let Some(row) = rows.next().await? {
                    bytes += row_bytes(&row);
                    count += 1;
                    let values = row.values()?;
                    // the borrow ends before the next await
                    (on_row.borrow_mut())(i as u64, values)?;
                }
                let mut s = stats.borrow_mut();
                s.rows += count;
                s.bytes += bytes;
                s.chunks += 1;
            }
            Ok::<(), Error>(())
        }
    });
    for r in futures::future::join_all(jobs).await {
        r?;
    }
    Ok(stats.into_inner())
}

fn row_bytes(row: &Row) -> u64 {
    (0..row.len())
        .map(|i| row.get(i).map_or(1, |b| b.len() as u64 + 1))
        .sum()
}

/// Commits (ends) the snapshot transaction on every worker.
pub async fn end_snapshot<S: AsyncRead + AsyncWrite + Unpin>(
    workers: &mut [Connection<S>],
) -> Result<()> {
    for w in workers.iter_mut() {
        w.execute("COMMIT").await?;
    }
    Ok(())
}
