//! A binlog stream as a stream of [`cdc_model::ChangeEvent`]s: a [`BinlogStream`] glued to
//! the schema history of [`cdc_mysql_schema`].
//!
//! # Starting and resuming
//!
//! A stream starts from a [`Checkpoint`]: a binlog position with its GTIDs and the schema
//! history in force there. The first one comes from [`Checkpoint::from_catalog`], which reads
//! the followed databases' schemas from `information_schema` (typically right after
//! [`crate::consistent_snapshot`], whose position it is given). Later ones come from
//! [`ChangeStream::checkpoint`]; persisted as JSON, they restart the stream exactly where the
//! consumer stopped, and rows after them decode with the schema in force at their positions
//! even when more DDL followed in the binlog (the history is rewound to the checkpoint and
//! the DDL read again). [`Checkpoint::new`] pairs any position with a history, for instance
//! an old position with a newer history.
//!
//! Streams always start at the checkpoint's binlog file and offset on the server that wrote
//! the positions; GTIDs are carried along (MariaDB GTID position, MySQL GTID set) but not
//! used to find the position on another server after a failover.
//!
//! # Events and positions
//!
//! Every event's position is a [`SourcePosition::Binlog`]. A transaction with something for
//! the consumer gives:
//!
//! | event | position | `txn.ordinal` |
//! |---|---|---|
//! | [`Change::Begin`] | its first event (the GTID event, or `BEGIN`) | 0 |
//! | row changes, [`Change::Ddl`], [`Change::Truncate`] | the rows or QUERY event (rows of one event share it) | 1, 2, … |
//! | [`Change::Commit`] | the end of the transaction: where the next one starts | last |
//!
//! `txn.id` is the transaction's GTID (MariaDB or MySQL); without GTIDs `txn` is `None`.
//! `commit_time` is the GTID event's time: whole seconds on MariaDB, MySQL 8's
//! `immediate_commit_timestamp` in microseconds. DDL statements are transactions of their
//! own (`Begin`, `Ddl`, `Commit`). Transactions with nothing selected give no events at all,
//! but move [`ChangeStream::position`] on. Server heartbeats between transactions are
//! [`Change::Heartbeat`] events at the stream's position.
//!
//! Positions never go down along the stream. Resuming is only at transaction boundaries:
//! [`ChangeStream::position`] and [`ChangeStream::checkpoint`] move when the consumer has
//! received a transaction's `Commit` (the `Commit`'s position is the checkpoint's binlog
//! position). A consumer that persists a checkpoint after applying a `Commit` and restarts
//! from it gets neither a lost nor a repeated event.
//!
//! # Schemas
//!
//! Row changes carry the [`cdc_model::TableSchema`] in force at their position, from the
//! history; the binlog decoder is supplied the same schemas, so rows decode with column
//! names, signedness, character sets and ENUM/SET labels under `binlog_row_metadata=MINIMAL`.
//! Every TABLE_MAP of a selected table is checked against the tracked schema and a mismatch
//! is an error naming the table and position ([`ChangeError::TableMapMismatch`]), never rows
//! put on the wrong columns. Rows of tables the [`TableFilter`] does not select are never
//! decoded.
//!
//! gh-ost and pt-online-schema-change shadow tables are handled per
//! [`ChangeOptions::shadow_rows`]: skipped (the default; their DDL gives no events, the
//! cut-over `RENAME` gives a [`Change::Ddl`] of the original table, whose rows carry the new
//! schema from then on), mapped to the original table (rows of `_t_gho` come out as `t`'s,
//! with the shadow table's schema), or kept as ordinary tables.
//!
//! Not here: XA transactions are emitted at `XA PREPARE` (an `XA ROLLBACK` later does not
//! undo them); a statement touching followed and unfollowed databases at once fails when
//! the tracker does not know the unfollowed tables; foreign keys and CHECK constraints are
//! not tracked (see [`cdc_mysql_schema`]).
//!
//! [`SourcePosition::Binlog`]: cdc_model::SourcePosition::Binlog
//! [`Change::Begin`]: cdc_model::Change::Begin
//! [`Change::Commit`]: cdc_model::Change::Commit
//! [`Change::Ddl`]: cdc_model::Change::Ddl
//! [`Change::Truncate`]: cdc_model::Change::Truncate
//! [`Change::Heartbeat`]: cdc_model::Change::Heartbeat

mod checkpoint;
mod decoder;
mod error;
mod filter;

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use cdc_model::ChangeEvent;
use cdc_mysql_schema::{SchemaHistory, ShadowRows, ShadowTables};
use futures::io::{AsyncRead, AsyncWrite};
use futures::{Stream, StreamExt};

pub use checkpoint::Checkpoint;
pub use decoder::ChangeDecoder;
pub use error::ChangeError;
pub use filter::TableFilter;

use crate::connection::Connection;
use crate::replication::{self, BinlogOptions, BinlogStream, StartPosition};

/// How to open a [`ChangeStream`].
#[derive(Clone, Debug)]
pub struct ChangeOptions {
    /// This replica's server id (unique among the source's replicas).
    pub server_id: u32,
    /// The databases and tables followed.
    pub filter: TableFilter,
    /// What to do with rows of gh-ost/pt-osc shadow tables.
    pub shadow_rows: ShadowRows,
    /// The shadow-table name patterns, for [`Checkpoint::from_catalog`] (a checkpoint's
    /// history keeps the patterns it was created with).
    pub shadow_tables: ShadowTables,
    /// End the stream at the end of the binlog instead of waiting for more.
    pub non_blocking: bool,
    /// Ask the server for heartbeats after this much idle time.
    pub heartbeat: Option<Duration>,
}

impl ChangeOptions {
    /// Options for replica `server_id`: everything followed, shadow-table rows skipped,
    /// gh-ost/pt-osc patterns, blocking, no heartbeats.
    pub fn new(server_id: u32) -> ChangeOptions {
        ChangeOptions {
            server_id,
            filter: TableFilter::all(),
            shadow_rows: ShadowRows::Skip,
            shadow_tables: ShadowTables::default(),
            non_blocking: false,
            heartbeat: None,
        }
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: TableFilter) -> ChangeOptions {
        self.filter = filter;
        self
    }

    /// Sets the shadow-table row policy.
    pub fn shadow_rows(mut self, policy: ShadowRows) -> ChangeOptions {
        self.shadow_rows = policy;
        self
    }

    /// Ends the stream at the end of the binlog.
    pub fn non_blocking(mut self, on: bool) -> ChangeOptions {
        self.non_blocking = on;
        self
    }
}

/// The change events of a binlog dump, as a [`Stream`] of [`ChangeEvent`]s. Errors are final
/// (the stream ends after one); on a retryable one ([`ChangeError::is_retryable`]) start a new
/// stream from [`checkpoint`](Self::checkpoint).
#[derive(Debug)]
pub struct ChangeStream<S> {
    binlog: BinlogStream<S>,
    decoder: ChangeDecoder,
    queue: VecDeque<ChangeEvent>,
    /// The resume point once the queue is drained.
    pending: Option<replication::Checkpoint>,
    position: replication::Checkpoint,
    catalog_read_at: Option<cdc_model::BinlogPosition>,
    /// The MySQL GTID set at the start, which the binlog stream's own sets add to.
    base_mysql_gtid: Option<cdc_model::GtidSet>,
    done: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> ChangeStream<S> {
    /// Starts a binlog dump on `conn` at `checkpoint` with its schema history.
    pub async fn start(
        conn: Connection<S>,
        options: &ChangeOptions,
        checkpoint: &Checkpoint,
    ) -> Result<ChangeStream<S>, ChangeError> {
        let history = checkpoint.history()?;
        let mut decoder = ChangeDecoder::new(history, options.filter.clone(), options.shadow_rows);
        let catalog_read_at = checkpoint
            .catalog_read_at
            .clone()
            .filter(|at| *at > checkpoint.binlog);
        decoder.set_catalog_read_at(catalog_read_at.clone());
        let mut opts = BinlogOptions::new(
            options.server_id,
            StartPosition::Binlog(checkpoint.binlog.clone()),
        )
        .non_blocking(options.non_blocking);
        opts.heartbeat = options.heartbeat;
        opts.mariadb_gtid_at_start = checkpoint.mariadb_gtid.clone();
        let mut binlog = conn.binlog_stream(&opts).await?;
        decoder.prepare(binlog.decoder_mut());
        Ok(ChangeStream {
            binlog,
            decoder,
            queue: VecDeque::new(),
            pending: None,
            position: checkpoint.position(),
            catalog_read_at,
            base_mysql_gtid: checkpoint.mysql_gtid.clone(),
            done: false,
        })
    }

    /// The resume point after the last transaction whose events were all yielded.
    pub fn position(&self) -> &replication::Checkpoint {
        &self.position
    }

    /// A persistable checkpoint at [`position`](Self::position) with the schema history.
    pub fn checkpoint(&self) -> Result<Checkpoint, ChangeError> {
        let mut cp = Checkpoint::new(&self.position, self.decoder.history())?;
        cp.catalog_read_at = self.catalog_read_at.clone().filter(|at| *at > cp.binlog);
        Ok(cp)
    }

    /// The schema history (its head is the schema after the last event read, which may be
    /// ahead of the events yielded).
    pub fn history(&self) -> &SchemaHistory {
        self.decoder.history()
    }

    /// The underlying binlog stream.
    pub fn binlog_stream(&self) -> &BinlogStream<S> {
        &self.binlog
    }

    fn stream_checkpoint(&self) -> replication::Checkpoint {
        let mut cp = self.binlog.checkpoint().clone();
        if let Some(base) = &self.base_mysql_gtid {
            let mut set = base.clone();
            if let Some(seen) = &cp.mysql_gtid {
                set.union_with(seen);
            }
            cp.mysql_gtid = Some(set);
        }
        cp
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for ChangeStream<S> {
    type Item = Result<ChangeEvent, ChangeError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(ev) = this.queue.pop_front() {
                if this.queue.is_empty()
                    && let Some(cp) = this.pending.take()
                {
                    this.position = cp;
                }
                return Poll::Ready(Some(Ok(ev)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            let ev = match ready!(this.binlog.poll_next_unpin(cx)) {
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Some(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
                Some(Ok(ev)) => ev,
            };
            let mut out = Vec::new();
            if let Err(e) = this
                .decoder
                .on_event(&ev, this.binlog.decoder_mut(), &mut out)
            {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
            if ev.ends_transaction {
                let cp = this.stream_checkpoint();
                if out.is_empty() {
                    this.position = cp;
                } else {
                    this.pending = Some(cp);
                }
            }
            this.queue.extend(out);
        }
    }
}
