//! A PostgreSQL client over `futures::io`: startup and authentication (trust, cleartext, md5,
//! SCRAM-SHA-256 and -PLUS), simple and extended queries with typed server errors, COPY in
//! both directions, and logical replication with standby feedback as a sans-IO state machine.
//!
//! It owns no runtime and opens no sockets: hand it any `AsyncRead + AsyncWrite + Unpin`
//! stream (TCP, Unix socket, TLS — see [`request_tls`]). Message encoding, SCRAM and md5 come
//! from [`postgres-protocol`](postgres_protocol).
//!
//! ```no_run
//! # async fn demo<S: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin>(tcp: S, tcp2: S)
//! # -> Result<(), cdc_postgres::Error> {
//! use cdc_model::Lsn;
//! use cdc_postgres::{Config, Connection, ReplicationMessage, SnapshotAction};
//! use futures::StreamExt;
//!
//! // A normal session.
//! let config: Config = "postgres://postgres@127.0.0.1:5432/shop".parse()?;
//! let mut conn = Connection::connect(tcp, &config).await?;
//! let rows = conn.query_rows("SELECT id, name FROM customers").await?;
//!
//! // A walsender session: a slot, then its changes.
//! let config: Config = "postgres://postgres@127.0.0.1/shop?replication=database".parse()?;
//! let mut repl = Connection::connect(tcp2, &config).await?;
//! let slot = repl
//!     .create_replication_slot("cdc", "pgoutput", false, SnapshotAction::NoExport)
//!     .await?;
//! let mut stream = repl
//!     .start_logical_replication(
//!         "cdc",
//!         slot.consistent_point,
//!         &[("proto_version", "1"), ("publication_names", "cdc_pub")],
//!     )
//!     .await?;
//! while let Some(payload) = stream.next().await {
//!     if let ReplicationMessage::XLogData(x) = ReplicationMessage::parse(&payload?)? {
//!         // decode `x.data` (cdc-pgoutput); after a commit is durably applied:
//!         stream.confirm_flushed(x.wal_start);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! On top of that: [`ChangeStream`] turns the replication stream into `cdc_model::ChangeEvent`s
//! (module [`changes`]), and [`SnapshotReader`] reads tables in parallel from the exported
//! snapshot of a new slot, ending exactly where its change stream begins (module
//! [`snapshot`]). Around them: [`catalog`] reads tables into `cdc_model::TableSchema` plus
//! PostgreSQL's extras (replica identity, partitions, sequences, indexes, user types),
//! [`precheck`] turns what the server reports into serializable checks with fix hints, and
//! [`ddl_capture`] installs event triggers that put each DDL command into the stream as a
//! transactional logical message, in commit order.

pub mod catalog;
pub mod changes;
mod config;
mod connection;
mod copy;
pub mod ddl_capture;
mod error;
pub mod feedback;
pub mod precheck;
mod replication;
pub mod snapshot;
mod tls;

pub use config::{Config, ReplicationMode, SslMode};
pub use connection::{
    BackendKey, Column, Connection, Format, Notification, Param, QueryResult, Row,
    SimpleQueryMessage, Statement, TransactionStatus, rows_affected,
};
pub use copy::{BINARY_COPY_HEADER, BINARY_COPY_TRAILER, CopyFormat, CopyIn, CopyOut};
pub use error::{DbError, Error, ErrorKind, ErrorPosition, Result, Severity, SqlState};
pub use feedback::{DEFAULT_FEEDBACK_INTERVAL, Feedback, StandbyStatusUpdate};
pub use replication::{
    IdentifySystem, ReplicationMessage, ReplicationSlot, ReplicationStream, SnapshotAction,
};
pub use tls::{EndPointHash, request_tls, tls_server_end_point_hash};

pub use changes::{
    ChangeDecoder, ChangeStream, ChangeStreamOptions, PgEvent, parse_server_version,
};
pub use snapshot::{
    ChunkRange, Chunking, CopyBinaryError, CopyBinaryErrorKind, CopyBinaryParser, RowBatch,
    SnapshotReader, TablePlan,
};

/// PostgreSQL object identifiers (type OIDs in [`Column`] and [`Statement`]).
pub use postgres_protocol::Oid;
