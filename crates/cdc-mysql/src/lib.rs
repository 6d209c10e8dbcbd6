//! A MySQL/MariaDB client over `futures::io`: the handshake and authentication
//! (`mysql_native_password`, `caching_sha2_password`, MariaDB `client_ed25519`), text and
//! binary (prepared statement) queries with typed server errors, and binlog replication
//! streams decoded by [`cdc_mysql_binlog`].
//!
//! It owns no runtime and opens no sockets: hand it any `AsyncRead + AsyncWrite + Unpin`
//! stream (TCP, Unix socket, TLS — see [`Connection::connect_tls`]). Handshake structures and
//! the authentication plugins come from [`mysql_common`].
//!
//! ```no_run
//! # async fn demo<S: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin>(tcp: S)
//! # -> Result<(), cdc_mysql::Error> {
//! use cdc_mysql::{Config, Connection};
//!
//! let config: Config = "mysql://root@127.0.0.1:3306/shop".parse()?;
//! let mut conn = Connection::connect(tcp, &config).await?;
//! for row in conn.query_rows("SELECT id, name FROM customers").await? {
//!     let id = row.value(0)?; // an exact cdc_model::Value
//!     let name = row.get_str(1); // None is SQL NULL
//! }
//! # Ok(()) }
//! ```
//!
//! Replication: the connection becomes a [`futures::Stream`] of decoded events, each with
//! its file/offset and transaction GTID; [`BinlogStream::checkpoint`] is where to resume
//! after a dropped connection ([`Error::is_retryable`]) with nothing lost or repeated.
//!
//! ```no_run
//! # async fn demo<S: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin>(conn: cdc_mysql::Connection<S>)
//! # -> Result<(), cdc_mysql::Error> {
//! use cdc_mysql::{BinlogOptions, StartPosition};
//! use futures::StreamExt;
//!
//! let start = StartPosition::MariaGtid("0-1-42".parse().expect("a GTID position"));
//! let mut stream = conn.binlog_stream(&BinlogOptions::new(1001, start)).await?;
//! while let Some(event) = stream.next().await {
//!     let event = event?; // on a retryable error: reconnect from stream.checkpoint()
//!     if event.ends_transaction {
//!         let _resume_here = stream.checkpoint().clone();
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Snapshots: [`consistent_snapshot`] opens one consistent read view on several sessions and
//! returns the binlog position it matches; [`read_table`] reads a table in parallel
//! primary-key chunks as exact values.
//!
//! Change events: [`ChangeStream`] (module [`changes`]) turns a binlog stream into
//! [`cdc_model::ChangeEvent`]s with the schema in force at each position, kept by the sans-IO
//! [`cdc_mysql_schema`] history from the catalog and the DDL in the binlog; its persistable
//! [`changes::Checkpoint`] resumes exactly, schema history included.
//!
//! Not here: DDL parsing and schema history (a separate sans-IO crate), chunking on
//! non-integer or composite keys, the MySQL compressed protocol, `LOAD DATA LOCAL INFILE`.

pub mod changes;
mod config;
mod connection;
mod error;
mod replication;
mod row;
mod snapshot;
mod wire;

pub use changes::{ChangeDecoder, ChangeError, ChangeOptions, ChangeStream, TableFilter};
pub use config::{Config, SslMode};
pub use connection::{Connection, Param, ResultSet, RowReader, ServerInfo, Statement};
pub use error::{Error, ErrorKind, Result, ServerError, codes};
pub use replication::{
    BINLOG_DUMP_NON_BLOCK, BINLOG_SEND_ANNOTATE_ROWS_EVENT, BINLOG_THROUGH_GTID,
    BINLOG_THROUGH_POSITION, BinlogEvent, BinlogOptions, BinlogStream, Checkpoint, StartPosition,
    TxGtid, encode_gtid_set,
};
pub use row::{Row, RowFormat, to_value};
pub use snapshot::{
    ReadStats, TableRead, consistent_snapshot, end_snapshot, quote_ident, read_table,
};
pub use wire::{BINARY_COLLATION, Column, Columns, OkPacket, column_flags, column_types};
