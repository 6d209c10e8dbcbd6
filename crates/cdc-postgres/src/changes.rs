//! Logical replication as a stream of [`cdc_model::ChangeEvent`]s: a [`ReplicationStream`]
//! glued to the sans-IO [`cdc_pgoutput::Decoder`].
//!
//! # Positions and resuming
//!
//! PostgreSQL resumes a logical slot at transaction granularity: `START_REPLICATION` at LSN
//! `L` (or the slot's `confirmed_flush_lsn`, whichever is later) sends every transaction whose
//! commit record starts at or after `L`, from its beginning. So the events of a committed
//! transaction carry these [`SourcePosition::Lsn`]s:
//!
//! | event | position | `txn.ordinal` |
//! |---|---|---|
//! | `Begin` | the commit LSN (`final_lsn` of the Begin message) | 0 |
//! | row changes, truncates | the commit LSN | 1, 2, … in stream order |
//! | `Commit` | the transaction's **end LSN** (end of its commit record) | last |
//!
//! Transactions arrive in commit order, and a commit record starts at or after the end of the
//! one before it, so positions never go down. But they can repeat across transactions: when
//! two transactions commit back to back, the second commit record starts exactly where the
//! first one ends, and the second transaction's `Begin` has the position of the first one's
//! `Commit`. So `(position, ordinal)` is **not** a key: compared with it, the second
//! transaction's first events sort before the first one's `Commit`. The key that strictly
//! increases along the stream is `(position of the transaction's Begin, ordinal)` — the
//! commit LSN and the index within the transaction.
//!
//! Passing a `Commit` event's position to [`ChangeStream::confirm`] is exact: after a restart
//! the server sends the transactions after that one and nothing before it. A consumer that
//! crashed half-way through a transaction gets the whole transaction again and can skip the
//! events whose `(Begin position, ordinal)` it already applied.
//!
//! # Streamed transactions (protocol 2+, `streaming on`)
//!
//! A transaction whose changes exceed the walsender's `logical_decoding_work_mem` is sent in
//! chunks while it is still running, between [`PgEvent::StreamStart`] and
//! [`PgEvent::StreamStop`]. This stream does **not** buffer them: each change is yielded as
//! soon as it arrives, as a [`PgEvent::Pending`] tagged with the top-level `xid` and the
//! `subxid` it was made in. The consumer's contract:
//!
//! - a `Pending` change takes effect when a [`Change::Commit`] event with
//!   `txn.id == TxnId::Xid(xid)` arrives (the Stream Commit; its position is the end LSN,
//!   as for any commit);
//! - it is void after a [`PgEvent::StreamAbort`] with the same `xid` and either
//!   `subxid == xid` (the whole transaction rolled back) or the same `subxid` (a rolled-back
//!   subtransaction);
//! - the position of a `Pending` change is the LSN of its WAL record, which orders it within
//!   its transaction but is not a resume point (streamed chunks of different transactions
//!   interleave). Do not [`confirm`](ChangeStream::confirm) anything from inside a streamed
//!   transaction: a restart sends the whole transaction again.
//!
//! # Two-phase commit (protocol 3+, `two_phase on`)
//!
//! The changes of a prepared transaction arrive at `PREPARE TRANSACTION`, between
//! [`PgEvent::BeginPrepare`] and [`PgEvent::Prepare`], also as [`PgEvent::Pending`]; they take
//! effect at [`PgEvent::CommitPrepared`] and are void after [`PgEvent::RollbackPrepared`] of
//! the same `xid`. Streamed transactions that get prepared end with a `Prepare` whose
//! `streamed` flag is set.

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use cdc_model::{Change, ChangeEvent, Lsn, SourcePosition, Timestamp, TxnId, TxnMeta};
use cdc_pgoutput::{
    BeginPrepare, CommitPrepared, Decoder, PgOutputMessage, PrepareMessage, ProtocolOptions,
    ReplicationMessage, RollbackPrepared, TypeRegistry, XLogData,
};
use futures::Stream;
use futures::io::{AsyncRead, AsyncWrite};

use crate::connection::Connection;
use crate::error::{Error, ErrorKind, Result};
use crate::replication::ReplicationStream;

/// What a [`ChangeStream`] yields.
#[derive(Clone, Debug, PartialEq)]
pub enum PgEvent {
    /// An event of a committed transaction: `Begin`, a row change or truncate, `Commit`; also
    /// the `Commit` of a streamed transaction. See the [module docs](self) for positions.
    Change(ChangeEvent),
    /// A change of a transaction that has not committed yet (streamed or prepared): it takes
    /// effect at the commit of `xid` and is void after its abort (see the [module docs](self)).
    /// `event.txn` names the top-level `xid`; `event.commit_time` is `None`.
    Pending {
        /// The top-level transaction.
        xid: u32,
        /// The (sub)transaction the change was made in (equal to `xid` outside
        /// subtransactions).
        subxid: u32,
        /// The change.
        event: ChangeEvent,
    },
    /// A chunk of a streamed (in-progress) transaction begins.
    StreamStart {
        /// The streamed transaction.
        xid: u32,
        /// True for its first chunk.
        first_segment: bool,
    },
    /// The current chunk of a streamed transaction ends.
    StreamStop {
        /// The streamed transaction.
        xid: u32,
    },
    /// A streamed transaction, or one of its subtransactions, rolled back: its `Pending`
    /// changes (of `subxid`, or all of them when `subxid == xid`) are void.
    StreamAbort {
        /// The top-level transaction.
        xid: u32,
        /// The aborted (sub)transaction.
        subxid: u32,
        /// LSN of the abort (protocol 4 with parallel streaming only).
        abort_lsn: Option<Lsn>,
        /// Time of the abort (protocol 4 with parallel streaming only).
        abort_time: Option<Timestamp>,
    },
    /// A two-phase transaction's prepared changes begin.
    BeginPrepare(BeginPrepare),
    /// A transaction was prepared (`PREPARE TRANSACTION`); its changes await
    /// `CommitPrepared` or `RollbackPrepared`.
    Prepare {
        /// The message.
        prepare: PrepareMessage,
        /// True for a Stream Prepare (the transaction was streamed before).
        streamed: bool,
    },
    /// A prepared transaction committed: its `Pending` changes take effect.
    CommitPrepared(CommitPrepared),
    /// A prepared transaction rolled back: its `Pending` changes are void.
    RollbackPrepared(RollbackPrepared),
    /// A message from `pg_logical_emit_message` (with the `messages` option).
    Message {
        /// LSN of the message.
        lsn: Lsn,
        /// The transaction it was emitted in (`None` for non-transactional messages).
        xid: Option<u32>,
        /// Transactional messages are delivered with their transaction at its commit (or
        /// inside a stream); non-transactional ones at once.
        transactional: bool,
        /// The prefix.
        prefix: String,
        /// The content.
        content: Bytes,
    },
    /// The transaction being sent was replicated from another node.
    Origin {
        /// Its commit LSN on the origin.
        commit_lsn: Lsn,
        /// The origin's name.
        name: String,
    },
    /// A primary keepalive: the server has sent everything up to `wal_end` that concerns this
    /// slot *when no transaction is open* (keepalives may also arrive inside a large
    /// transaction). Positions of later events may be lower than `wal_end`: it is progress,
    /// not a resume point.
    Keepalive {
        /// The server's WAL end.
        wal_end: Lsn,
        /// The server's clock.
        server_time: Timestamp,
    },
}

/// `START_REPLICATION` options for pgoutput.
///
/// ```
/// use cdc_postgres::ChangeStreamOptions;
/// let o = ChangeStreamOptions::for_server_version(150004, &["cdc_pub"]);
/// assert_eq!((o.proto_version, o.streaming, o.binary, o.messages), (3, true, true, true));
/// assert!(!o.two_phase); // opt-in: it changes the slot for good
/// let o = ChangeStreamOptions::for_server_version(130010, &["cdc_pub"]);
/// assert_eq!((o.proto_version, o.streaming, o.binary), (1, false, false));
/// assert_eq!(o.to_options(), [
///     ("proto_version".to_owned(), "1".to_owned()),
///     ("publication_names".to_owned(), "\"cdc_pub\"".to_owned()),
/// ]);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChangeStreamOptions {
    /// Publications to stream (`publication_names`).
    pub publications: Vec<String>,
    /// `proto_version`: 1 (PostgreSQL 10+), 2 (14+, streaming), 3 (15+, two-phase), 4 (16+,
    /// parallel streaming).
    pub proto_version: u32,
    /// `binary`: values in their binary send form (14+). Exact and cheaper to decode.
    pub binary: bool,
    /// `messages`: deliver `pg_logical_emit_message` messages (14+).
    pub messages: bool,
    /// `streaming`: send large in-progress transactions in chunks (14+, protocol 2+).
    pub streaming: bool,
    /// `two_phase`: send prepared transactions at `PREPARE` (15+, protocol 3+). Enabling it
    /// marks the slot two-phase for good, so it is off unless asked for.
    pub two_phase: bool,
}

impl ChangeStreamOptions {
    /// The newest options a server of `server_version_num` (e.g. `150004`) supports, with
    /// `two_phase` off.
    pub fn for_server_version(server_version_num: u32, publications: &[&str]) -> Self {
        let major = server_version_num / 10_000;
        let proto_version = match major {
            0..=13 => 1,
            14 => 2,
            15 => 3,
            _ => 4,
        };
        ChangeStreamOptions {
            publications: publications.iter().map(|p| (*p).to_owned()).collect(),
            proto_version,
            binary: major >= 14,
            messages: major >= 14,
            streaming: major >= 14,
            two_phase: false,
        }
    }

    /// The protocol options the decoder needs (parallel streaming is never requested).
    pub fn protocol(&self) -> ProtocolOptions {
        ProtocolOptions::version(self.proto_version)
    }

    /// The `(name, value)` pairs for `START_REPLICATION`; options that are off are left
    /// out, so older servers that do not know them are not bothered.
    pub fn to_options(&self) -> Vec<(String, String)> {
        let names: Vec<String> = self
            .publications
            .iter()
            .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
            .collect();
        let mut out = vec![
            ("proto_version".to_owned(), self.proto_version.to_string()),
            ("publication_names".to_owned(), names.join(",")),
        ];
        for (on, name) in [
            (self.binary, "binary"),
            (self.messages, "messages"),
            (self.streaming, "streaming"),
            (self.two_phase, "two_phase"),
        ] {
            if on {
                out.push((name.to_owned(), "on".to_owned()));
            }
        }
        out
    }
}

/// `server_version_num` of a session, from its `server_version` parameter (`15.4 (Debian …)`
/// is 150004, `9.6.24` is 90624).
///
/// ```
/// assert_eq!(cdc_postgres::parse_server_version("15.4 (Debian 15.4-1)"), Some(150004));
/// assert_eq!(cdc_postgres::parse_server_version("16beta2"), Some(160000));
/// assert_eq!(cdc_postgres::parse_server_version("9.6.24"), Some(90624));
/// assert_eq!(cdc_postgres::parse_server_version("x"), None);
/// ```
pub fn parse_server_version(text: &str) -> Option<u32> {
    let numeric: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = numeric.split('.').filter(|p| !p.is_empty());
    let major: u32 = parts.next()?.parse().ok()?;
    let second: u32 = parts.next().map_or(Ok(0), str::parse).ok()?;
    if major >= 10 {
        major.checked_mul(10_000)?.checked_add(second)
    } else {
        let third: u32 = parts.next().map_or(Ok(0), str::parse).ok()?;
        Some(major * 10_000 + second * 100 + third)
    }
}

#[derive(Clone, Copy, Debug)]
struct OpenTxn {
    xid: u32,
    commit_lsn: Lsn,
    commit_time: Timestamp,
    ordinal: u64,
}

/// The sans-IO half of a [`ChangeStream`]: replication messages in, [`PgEvent`]s out.
///
/// It wraps a [`Decoder`] and tracks the transaction, stream and prepare state needed to give
/// every event its position, transaction and commit time (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct ChangeDecoder {
    decoder: Decoder,
    txn: Option<OpenTxn>,
    /// Open streamed transactions: the last ordinal handed out.
    streams: HashMap<u32, u64>,
    /// The prepared transaction being received (between Begin Prepare and Prepare).
    preparing: Option<(u32, u64)>,
}

impl ChangeDecoder {
    /// A decoder for the negotiated protocol.
    pub fn new(options: ProtocolOptions) -> std::result::Result<Self, cdc_pgoutput::Error> {
        Ok(ChangeDecoder {
            decoder: Decoder::new(options)?,
            txn: None,
            streams: HashMap::new(),
            preparing: None,
        })
    }

    /// The pgoutput decoder (relations, types).
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The pgoutput decoder, e.g. to register enums and domains before their rows arrive.
    pub fn decoder_mut(&mut self) -> &mut Decoder {
        &mut self.decoder
    }

    /// Translates one replication message.
    pub fn on_message(
        &mut self,
        msg: &ReplicationMessage,
    ) -> std::result::Result<Option<PgEvent>, cdc_pgoutput::Error> {
        match msg {
            ReplicationMessage::Keepalive(k) => Ok(Some(PgEvent::Keepalive {
                wal_end: k.wal_end,
                server_time: k.server_time,
            })),
            ReplicationMessage::XLogData(x) => self.on_xlogdata(x),
        }
    }

    /// Translates the pgoutput message of one XLogData.
    pub fn on_xlogdata(
        &mut self,
        x: &XLogData,
    ) -> std::result::Result<Option<PgEvent>, cdc_pgoutput::Error> {
        let in_stream = self.decoder.parser().in_stream();
        let decoded = self.decoder.decode_xlogdata(x)?;
        let position = |lsn: Lsn| SourcePosition::Lsn(lsn);
        let event = match decoded.message {
            PgOutputMessage::Begin(b) => {
                self.txn = Some(OpenTxn {
                    xid: b.xid,
                    commit_lsn: b.final_lsn,
                    commit_time: b.commit_time,
                    ordinal: 0,
                });
                Some(PgEvent::Change(ChangeEvent {
                    position: position(b.final_lsn),
                    txn: Some(TxnMeta {
                        id: TxnId::Xid(u64::from(b.xid)),
                        ordinal: 0,
                    }),
                    commit_time: Some(b.commit_time),
                    change: Change::Begin,
                }))
            }
            PgOutputMessage::Commit(c) => {
                let txn = self.txn.take().ok_or_else(|| {
                    cdc_pgoutput::Error::malformed("Commit without Begin").at_lsn(x.wal_start)
                })?;
                Some(PgEvent::Change(ChangeEvent {
                    position: position(c.end_lsn),
                    txn: Some(TxnMeta {
                        id: TxnId::Xid(u64::from(txn.xid)),
                        ordinal: txn.ordinal + 1,
                    }),
                    commit_time: Some(c.commit_time),
                    change: Change::Commit,
                }))
            }
            PgOutputMessage::StreamStart(s) => {
                self.streams.entry(s.xid).or_insert(0);
                Some(PgEvent::StreamStart {
                    xid: s.xid,
                    first_segment: s.first_segment,
                })
            }
            PgOutputMessage::StreamStop => in_stream.map(|xid| PgEvent::StreamStop { xid }),
            PgOutputMessage::StreamCommit(c) => {
                let last = self.streams.remove(&c.xid).unwrap_or(0);
                Some(PgEvent::Change(ChangeEvent {
                    position: position(c.end_lsn),
                    txn: Some(TxnMeta {
                        id: TxnId::Xid(u64::from(c.xid)),
                        ordinal: last + 1,
                    }),
                    commit_time: Some(c.commit_time),
                    change: Change::Commit,
                }))
            }
            PgOutputMessage::StreamAbort(a) => {
                if a.xid == a.subxid {
                    self.streams.remove(&a.xid);
                }
                Some(PgEvent::StreamAbort {
                    xid: a.xid,
                    subxid: a.subxid,
                    abort_lsn: a.abort_lsn,
                    abort_time: a.abort_time,
                })
            }
            PgOutputMessage::BeginPrepare(b) => {
                self.preparing = Some((b.xid, 0));
                Some(PgEvent::BeginPrepare(b))
            }
            PgOutputMessage::Prepare(p) => {
                self.preparing = None;
                Some(PgEvent::Prepare {
                    prepare: p,
                    streamed: false,
                })
            }
            PgOutputMessage::StreamPrepare(p) => {
                self.streams.remove(&p.xid);
                Some(PgEvent::Prepare {
                    prepare: p,
                    streamed: true,
                })
            }
            PgOutputMessage::CommitPrepared(c) => Some(PgEvent::CommitPrepared(c)),
            PgOutputMessage::RollbackPrepared(r) => Some(PgEvent::RollbackPrepared(r)),
            PgOutputMessage::Message(m) => Some(PgEvent::Message {
                lsn: m.lsn,
                xid: decoded.xid,
                transactional: m.transactional,
                prefix: m.prefix,
                content: m.content,
            }),
            PgOutputMessage::Origin(o) => Some(PgEvent::Origin {
                commit_lsn: o.commit_lsn,
                name: o.name,
            }),
            PgOutputMessage::Relation(_) | PgOutputMessage::Type(_) => None,
            PgOutputMessage::Insert(_)
            | PgOutputMessage::Update(_)
            | PgOutputMessage::Delete(_)
            | PgOutputMessage::Truncate(_) => {
                let Some(change) = decoded.change else {
                    return Ok(None);
                };
                Some(self.row_event(x.wal_start, in_stream, decoded.xid, change)?)
            }
        };
        Ok(event)
    }

    fn row_event(
        &mut self,
        record_lsn: Lsn,
        in_stream: Option<u32>,
        own_xid: Option<u32>,
        change: Change,
    ) -> std::result::Result<PgEvent, cdc_pgoutput::Error> {
        let pending = |xid: u32, ordinal: u64| PgEvent::Pending {
            xid,
            subxid: own_xid.unwrap_or(xid),
            event: ChangeEvent {
                position: SourcePosition::Lsn(record_lsn),
                txn: Some(TxnMeta {
                    id: TxnId::Xid(u64::from(xid)),
                    ordinal,
                }),
                commit_time: None,
                change: change.clone(),
            },
        };
        if let Some(xid) = in_stream {
            let ordinal = self.streams.entry(xid).or_insert(0);
            *ordinal += 1;
            return Ok(pending(xid, *ordinal));
        }
        if let Some((xid, ordinal)) = self.preparing.as_mut() {
            *ordinal += 1;
            let (xid, ordinal) = (*xid, *ordinal);
            return Ok(pending(xid, ordinal));
        }
        let txn = self.txn.as_mut().ok_or_else(|| {
            cdc_pgoutput::Error::malformed("row change outside a transaction").at_lsn(record_lsn)
        })?;
        txn.ordinal += 1;
        Ok(PgEvent::Change(ChangeEvent {
            position: SourcePosition::Lsn(txn.commit_lsn),
            txn: Some(TxnMeta {
                id: TxnId::Xid(u64::from(txn.xid)),
                ordinal: txn.ordinal,
            }),
            commit_time: Some(txn.commit_time),
            change,
        }))
    }
}

/// Logical replication with pgoutput as a [`Stream`] of [`PgEvent`]s.
///
/// Built on a [`ReplicationStream`], so polling it also sends standby status updates (see
/// there); [`confirm`](Self::confirm) is what moves the slot's flush position.
///
/// ```no_run
/// # async fn demo<S: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin>(repl: cdc_postgres::Connection<S>)
/// # -> Result<(), cdc_postgres::Error> {
/// use cdc_model::{Change, SourcePosition};
/// use cdc_postgres::{ChangeStream, ChangeStreamOptions, PgEvent};
/// use futures::StreamExt;
///
/// let version = repl.server_version_num().unwrap_or(100000);
/// let options = ChangeStreamOptions::for_server_version(version, &["cdc_pub"]);
/// let mut changes = ChangeStream::start(repl, "cdc_slot", cdc_model::Lsn::INVALID, &options).await?;
/// while let Some(event) = changes.next().await {
///     if let PgEvent::Change(e) = event? {
///         // apply e ...; once the commit is durable:
///         if let (Change::Commit, SourcePosition::Lsn(end)) = (&e.change, &e.position) {
///             changes.confirm(*end);
///         }
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ChangeStream<S> {
    inner: ReplicationStream<S>,
    decoder: ChangeDecoder,
    options: ChangeStreamOptions,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// `server_version_num` from the session's `server_version` parameter.
    pub fn server_version_num(&self) -> Option<u32> {
        self.parameter("server_version")
            .and_then(parse_server_version)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> ChangeStream<S> {
    /// Starts streaming `slot` from `start_lsn` (`Lsn::INVALID`: from the slot's confirmed
    /// position) on a `replication=database` connection.
    pub async fn start(
        conn: Connection<S>,
        slot: &str,
        start_lsn: Lsn,
        options: &ChangeStreamOptions,
    ) -> Result<ChangeStream<S>> {
        let decoder = ChangeDecoder::new(options.protocol()).map_err(decode_error)?;
        let pairs = options.to_options();
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let inner = conn
            .start_logical_replication(slot, start_lsn, &refs)
            .await?;
        Ok(ChangeStream {
            inner,
            decoder,
            options: options.clone(),
        })
    }

    /// The options streaming was started with.
    pub fn options(&self) -> &ChangeStreamOptions {
        &self.options
    }

    /// The caller has durably applied everything up to `lsn`, normally a `Commit` event's
    /// position (its end LSN). The slot's flush position follows at the next status update;
    /// it only moves forward, and only to confirmed positions (plus the idle advance of
    /// [`Feedback`](crate::Feedback)).
    pub fn confirm(&mut self, lsn: Lsn) {
        self.inner.confirm_flushed(lsn);
    }

    /// Sends a status update now (e.g. after [`confirm`](Self::confirm), before a planned stop).
    pub async fn send_feedback_now(&mut self) -> Result<()> {
        self.inner.send_feedback_now().await
    }

    /// The sans-IO decoder (to register user-defined types, look at relations).
    pub fn decoder_mut(&mut self) -> &mut ChangeDecoder {
        &mut self.decoder
    }

    /// The registry of user-defined types. pgoutput names a user-defined type in a Type
    /// message but does not say what it is, so enums, domains and arrays of them decode as
    /// raw values unless registered here before their tables' Relation messages arrive, e.g.
    /// with a snapshot's [`SnapshotReader::types`](crate::SnapshotReader::types):
    /// `*changes.types_mut() = snapshot.types().clone()`.
    pub fn types_mut(&mut self) -> &mut TypeRegistry {
        self.decoder.decoder.types_mut()
    }

    /// The underlying replication stream (feedback state, timers).
    pub fn replication_stream_mut(&mut self) -> &mut ReplicationStream<S> {
        &mut self.inner
    }

    /// Stops streaming and returns the connection.
    pub async fn stop(self) -> Result<Connection<S>> {
        self.inner.stop().await
    }
}

fn decode_error(e: cdc_pgoutput::Error) -> Error {
    Error::new(ErrorKind::Decode(e))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for ChangeStream<S> {
    type Item = Result<PgEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<PgEvent>>> {
        let this = self.get_mut();
        loop {
            let payload = match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(p)) => p,
            };
            let event = ReplicationMessage::parse(&payload)
                .and_then(|m| this.decoder.on_message(&m))
                .map_err(decode_error);
            match event {
                Err(e) => return Poll::Ready(Some(Err(e))),
                Ok(Some(ev)) => return Poll::Ready(Some(Ok(ev))),
                Ok(None) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use cdc_model::Value;

    fn xlog(lsn: u64, data: Vec<u8>) -> ReplicationMessage {
        ReplicationMessage::XLogData(XLogData {
            wal_start: Lsn(lsn),
            wal_end: Lsn(lsn),
            server_time: Timestamp::from_unix_parts(0, 0),
            data: Bytes::from(data),
        })
    }

    fn relation() -> Vec<u8> {
        let mut r = vec![b'R'];
        r.extend_from_slice(&7u32.to_be_bytes());
        r.extend_from_slice(b"public\0t\0d");
        r.extend_from_slice(&1i16.to_be_bytes());
        r.extend_from_slice(b"\x01id\0");
        r.extend_from_slice(&23u32.to_be_bytes());
        r.extend_from_slice(&(-1i32).to_be_bytes());
        r
    }

    fn insert(stream_xid: Option<u32>, v: &str) -> Vec<u8> {
        let mut i = vec![b'I'];
        if let Some(x) = stream_xid {
            i.extend_from_slice(&x.to_be_bytes());
        }
        i.extend_from_slice(&7u32.to_be_bytes());
        i.extend_from_slice(b"N\0\x01t");
        i.extend_from_slice(&(v.len() as i32).to_be_bytes());
        i.extend_from_slice(v.as_bytes());
        i
    }

    fn begin(final_lsn: u64, xid: u32) -> Vec<u8> {
        let mut b = vec![b'B'];
        b.extend_from_slice(&final_lsn.to_be_bytes());
        b.extend_from_slice(&0i64.to_be_bytes());
        b.extend_from_slice(&xid.to_be_bytes());
        b
    }

    fn commit(commit_lsn: u64, end_lsn: u64) -> Vec<u8> {
        let mut c = vec![b'C', 0];
        c.extend_from_slice(&commit_lsn.to_be_bytes());
        c.extend_from_slice(&end_lsn.to_be_bytes());
        c.extend_from_slice(&0i64.to_be_bytes());
        c
    }

    fn change(ev: Option<PgEvent>) -> ChangeEvent {
        match ev {
            Some(PgEvent::Change(e)) => e,
            other => panic!("not a change: {other:?}"),
        }
    }

    #[test]
    fn committed_transaction_positions_are_commit_lsn_then_end_lsn() {
        let mut d = ChangeDecoder::new(ProtocolOptions::version(1)).unwrap();
        assert_eq!(d.on_message(&xlog(0x10, relation())).unwrap(), None);
        let b = change(d.on_message(&xlog(0x10, begin(0x200, 42))).unwrap());
        assert_eq!(b.position, SourcePosition::Lsn(Lsn(0x200)));
        assert_eq!(
            b.txn,
            Some(TxnMeta {
                id: TxnId::Xid(42),
                ordinal: 0
            })
        );
        let i1 = change(d.on_message(&xlog(0x20, insert(None, "1"))).unwrap());
        let i2 = change(d.on_message(&xlog(0x30, insert(None, "2"))).unwrap());
        assert_eq!(i1.position, SourcePosition::Lsn(Lsn(0x200)));
        assert_eq!(i2.txn.as_ref().unwrap().ordinal, 2);
        let Change::Insert { after, .. } = &i2.change else {
            panic!()
        };
        assert_eq!(after.values, [Value::Int(2)]);
        let c = change(d.on_message(&xlog(0x228, commit(0x200, 0x228))).unwrap());
        assert_eq!(c.position, SourcePosition::Lsn(Lsn(0x228)));
        assert_eq!(c.change, Change::Commit);
        assert_eq!(c.txn.unwrap().ordinal, 3);
        // a row outside a transaction is an error, not a made-up position
        assert!(d.on_message(&xlog(0x300, insert(None, "3"))).is_err());
    }

    #[test]
    fn streamed_changes_are_pending_and_tagged_with_their_xids() {
        let mut d = ChangeDecoder::new(ProtocolOptions::version(2)).unwrap();
        d.on_message(&xlog(0x10, relation())).unwrap();
        let mut start = vec![b'S'];
        start.extend_from_slice(&9u32.to_be_bytes());
        start.push(1);
        assert_eq!(
            d.on_message(&xlog(0x20, start)).unwrap(),
            Some(PgEvent::StreamStart {
                xid: 9,
                first_segment: true
            })
        );
        let mut sub = vec![b'I'];
        sub.extend_from_slice(&10u32.to_be_bytes());
        sub.extend_from_slice(&insert(None, "5")[1..]);
        let Some(PgEvent::Pending { xid, subxid, event }) =
            d.on_message(&xlog(0x30, insert(Some(9), "4"))).unwrap()
        else {
            panic!()
        };
        assert_eq!((xid, subxid), (9, 9));
        assert_eq!(event.position, SourcePosition::Lsn(Lsn(0x30)));
        assert_eq!(event.commit_time, None);
        let Some(PgEvent::Pending { xid, subxid, event }) = d.on_message(&xlog(0x40, sub)).unwrap()
        else {
            panic!()
        };
        assert_eq!((xid, subxid, event.txn.unwrap().ordinal), (9, 10, 2));
        assert_eq!(
            d.on_message(&xlog(0x50, b"E".to_vec())).unwrap(),
            Some(PgEvent::StreamStop { xid: 9 })
        );
        // abort of the subtransaction
        let mut abort = vec![b'A'];
        abort.extend_from_slice(&9u32.to_be_bytes());
        abort.extend_from_slice(&10u32.to_be_bytes());
        assert!(matches!(
            d.on_message(&xlog(0x60, abort)).unwrap(),
            Some(PgEvent::StreamAbort {
                xid: 9,
                subxid: 10,
                ..
            })
        ));
        // stream commit
        let mut c = vec![b'c'];
        c.extend_from_slice(&9u32.to_be_bytes());
        c.push(0);
        c.extend_from_slice(&0x500u64.to_be_bytes());
        c.extend_from_slice(&0x528u64.to_be_bytes());
        c.extend_from_slice(&0i64.to_be_bytes());
        let e = change(d.on_message(&xlog(0x528, c)).unwrap());
        assert_eq!(e.position, SourcePosition::Lsn(Lsn(0x528)));
        assert_eq!(
            e.txn,
            Some(TxnMeta {
                id: TxnId::Xid(9),
                ordinal: 3
            })
        );
    }

    #[test]
    fn prepared_transactions_are_pending_until_commit_prepared() {
        let mut d = ChangeDecoder::new(ProtocolOptions::version(3)).unwrap();
        d.on_message(&xlog(0x10, relation())).unwrap();
        let two_phase = |tag: u8, flags: bool, xid: u32| {
            let mut m = vec![tag];
            if flags {
                m.push(0);
            }
            m.extend_from_slice(&0x300u64.to_be_bytes());
            m.extend_from_slice(&0x328u64.to_be_bytes());
            m.extend_from_slice(&0i64.to_be_bytes());
            m.extend_from_slice(&xid.to_be_bytes());
            m.extend_from_slice(b"gid-1\0");
            m
        };
        assert!(matches!(
            d.on_message(&xlog(0x20, two_phase(b'b', false, 77))).unwrap(),
            Some(PgEvent::BeginPrepare(b)) if b.xid == 77 && b.gid == "gid-1"
        ));
        let Some(PgEvent::Pending { xid, subxid, event }) =
            d.on_message(&xlog(0x30, insert(None, "1"))).unwrap()
        else {
            panic!()
        };
        assert_eq!((xid, subxid, event.txn.unwrap().ordinal), (77, 77, 1));
        assert!(matches!(
            d.on_message(&xlog(0x300, two_phase(b'P', true, 77))).unwrap(),
            Some(PgEvent::Prepare { streamed: false, prepare }) if prepare.xid == 77
        ));
        assert!(matches!(
            d.on_message(&xlog(0x400, two_phase(b'K', true, 77))).unwrap(),
            Some(PgEvent::CommitPrepared(c)) if c.xid == 77 && c.end_lsn == Lsn(0x328)
        ));
        // after the prepare, rows need a transaction again
        assert!(d.on_message(&xlog(0x500, insert(None, "2"))).is_err());
    }

    #[test]
    fn logical_messages_and_keepalives_pass_through() {
        let mut d = ChangeDecoder::new(ProtocolOptions::version(2)).unwrap();
        let mut m = vec![b'M', 0];
        m.extend_from_slice(&0x77u64.to_be_bytes());
        m.extend_from_slice(b"pfx\0");
        m.extend_from_slice(&3u32.to_be_bytes());
        m.extend_from_slice(b"abc");
        assert_eq!(
            d.on_message(&xlog(0x77, m)).unwrap(),
            Some(PgEvent::Message {
                lsn: Lsn(0x77),
                xid: None,
                transactional: false,
                prefix: "pfx".into(),
                content: Bytes::from_static(b"abc"),
            })
        );
        let k = ReplicationMessage::Keepalive(cdc_pgoutput::PrimaryKeepalive {
            wal_end: Lsn(0x99),
            server_time: Timestamp::from_unix_parts(1, 0),
            reply_requested: true,
        });
        assert!(matches!(
            d.on_message(&k).unwrap(),
            Some(PgEvent::Keepalive {
                wal_end: Lsn(0x99),
                ..
            })
        ));
    }

    #[test]
    fn options_follow_the_server_version() {
        let o = ChangeStreamOptions::for_server_version(160002, &["a\"b", "c"]);
        assert_eq!(o.proto_version, 4);
        let opts = o.to_options();
        assert_eq!(opts[1].1, "\"a\"\"b\",\"c\"");
        assert!(opts.contains(&("streaming".to_owned(), "on".to_owned())));
        assert!(!opts.iter().any(|(k, _)| k == "two_phase"));
        assert_eq!(
            ChangeStreamOptions::for_server_version(140000, &["p"]).proto_version,
            2
        );
    }
}
