//! Replication commands on a `replication=database` session, and the logical replication
//! stream with its standby feedback.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use cdc_model::Lsn;
use futures::Stream;
use futures::io::{AsyncRead, AsyncWrite};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;

use crate::config::ReplicationMode;
use crate::connection::{Backend, Connection, State};
use crate::error::{DbError, Error, Result};
use crate::feedback::Feedback;
/// Replication CopyData payloads (`'w'` XLogData, `'k'` keepalive) are parsed by the
/// sans-IO decoder crate; re-exported here for callers of [`ReplicationStream`].
pub use cdc_pgoutput::ReplicationMessage;

/// The answer to `IDENTIFY_SYSTEM`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IdentifySystem {
    /// The cluster's system identifier (a 64-bit number, as text).
    pub systemid: String,
    /// Current timeline.
    pub timeline: u32,
    /// Current WAL flush location.
    pub xlogpos: Lsn,
    /// The database connected to (`None` on a physical replication session).
    pub dbname: Option<String>,
}

/// What `CREATE_REPLICATION_SLOT ... LOGICAL` does with the snapshot at the slot's
/// consistent point.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SnapshotAction {
    /// Export it (`EXPORT_SNAPSHOT`): its name is returned and other sessions can
    /// `SET TRANSACTION SNAPSHOT` to it until this session runs another command.
    Export,
    /// Use it in this session's current transaction (`USE_SNAPSHOT`; the session must be
    /// inside `BEGIN ISOLATION LEVEL REPEATABLE READ` with nothing run yet).
    Use,
    /// Do neither (`NOEXPORT_SNAPSHOT`).
    NoExport,
}

/// The answer to `CREATE_REPLICATION_SLOT`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReplicationSlot {
    /// The slot's name.
    pub slot_name: String,
    /// The LSN from which the slot streams: changes committed after it.
    pub consistent_point: Lsn,
    /// The exported snapshot's name ([`SnapshotAction::Export`] only).
    pub snapshot_name: Option<String>,
    /// The output plugin.
    pub output_plugin: Option<String>,
}

/// Quotes an identifier for a replication command.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal (standard_conforming_strings: only `'` needs doubling).
fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    fn check_replication(&self) -> Result<()> {
        if self.replication_mode() != ReplicationMode::Database {
            return Err(Error::usage(
                "replication commands need a replication=database connection",
            ));
        }
        Ok(())
    }

    async fn single_row(&mut self, command: &str) -> Result<crate::Row> {
        self.simple_query(command)
            .await?
            .into_iter()
            .find_map(|m| match m {
                crate::SimpleQueryMessage::Row(r) => Some(r),
                _ => None,
            })
            .ok_or_else(|| Error::protocol(format!("{command} returned no row")))
    }

    /// `IDENTIFY_SYSTEM`.
    pub async fn identify_system(&mut self) -> Result<IdentifySystem> {
        self.check_replication()?;
        let row = self.single_row("IDENTIFY_SYSTEM").await?;
        let field = |i: usize, what: &str| {
            row.get(i)
                .ok_or_else(|| Error::protocol(format!("IDENTIFY_SYSTEM without {what}")))
        };
        Ok(IdentifySystem {
            systemid: field(0, "systemid")?.to_owned(),
            timeline: field(1, "timeline")?
                .parse()
                .map_err(|_| Error::protocol("IDENTIFY_SYSTEM: bad timeline"))?,
            xlogpos: parse_lsn(field(2, "xlogpos")?)?,
            dbname: row.get(3).map(str::to_owned),
        })
    }

    /// `CREATE_REPLICATION_SLOT name [TEMPORARY] LOGICAL plugin {EXPORT|USE|NOEXPORT}_SNAPSHOT`.
    ///
    /// A temporary slot disappears when the session ends, and also when any command of this
    /// session fails (the walsender drops its temporary slots on error). With [`SnapshotAction::Export`] the
    /// snapshot stays importable only until this session runs its next command.
    pub async fn create_replication_slot(
        &mut self,
        name: &str,
        plugin: &str,
        temporary: bool,
        snapshot: SnapshotAction,
    ) -> Result<ReplicationSlot> {
        self.check_replication()?;
        let command = format!(
            "CREATE_REPLICATION_SLOT {}{} LOGICAL {} {}",
            quote_ident(name),
            if temporary { " TEMPORARY" } else { "" },
            quote_ident(plugin),
            match snapshot {
                SnapshotAction::Export => "EXPORT_SNAPSHOT",
                SnapshotAction::Use => "USE_SNAPSHOT",
                SnapshotAction::NoExport => "NOEXPORT_SNAPSHOT",
            }
        );
        let row = self
            .single_row(&command)
            .await
            .map_err(|e| e.during(format!("CREATE_REPLICATION_SLOT {name}")))?;
        Ok(ReplicationSlot {
            slot_name: row
                .get(0)
                .ok_or_else(|| Error::protocol("CREATE_REPLICATION_SLOT without slot_name"))?
                .to_owned(),
            consistent_point: parse_lsn(row.get(1).ok_or_else(|| {
                Error::protocol("CREATE_REPLICATION_SLOT without consistent_point")
            })?)?,
            snapshot_name: row.get(2).map(str::to_owned),
            output_plugin: row.get(3).map(str::to_owned),
        })
    }

    /// `DROP_REPLICATION_SLOT name [WAIT]`: with `wait`, waits for a session using the slot
    /// to let go instead of failing.
    pub async fn drop_replication_slot(&mut self, name: &str, wait: bool) -> Result<()> {
        self.check_replication()?;
        let command = format!(
            "DROP_REPLICATION_SLOT {}{}",
            quote_ident(name),
            if wait { " WAIT" } else { "" }
        );
        self.batch_execute(&command)
            .await
            .map_err(|e| e.during(format!("DROP_REPLICATION_SLOT {name}")))
    }

    /// `START_REPLICATION SLOT slot LOGICAL start_lsn (options)` and the stream of its
    /// messages. `start_lsn` `0/0` starts at the slot's `confirmed_flush_lsn`; an earlier
    /// position than that is moved up to it by the server. Options go to the output plugin,
    /// e.g. `[("proto_version", "1"), ("publication_names", "my_pub")]` for pgoutput.
    ///
    /// The connection moves into the stream; [`ReplicationStream::stop`] gives it back.
    pub async fn start_logical_replication(
        mut self,
        slot: &str,
        start_lsn: Lsn,
        options: &[(&str, &str)],
    ) -> Result<ReplicationStream<S>> {
        self.check_replication()?;
        let mut command = format!(
            "START_REPLICATION SLOT {} LOGICAL {start_lsn}",
            quote_ident(slot)
        );
        if !options.is_empty() {
            let opts: Vec<String> = options
                .iter()
                .map(|(k, v)| format!("{} {}", quote_ident(k), quote_literal(v)))
                .collect();
            command.push_str(&format!(" ({})", opts.join(", ")));
        }
        self.send_query(&command).await?;
        let mut error: Option<Error> = None;
        loop {
            match self.read_message().await? {
                Backend::CopyBoth => {
                    self.state = State::CopyBoth;
                    break;
                }
                Backend::Msg(Message::ErrorResponse(body)) => {
                    error.get_or_insert(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return Err(error
                        .unwrap_or_else(|| Error::protocol("START_REPLICATION did not stream"))
                        .during(format!("START_REPLICATION SLOT {slot}")));
                }
                _ => {}
            }
        }
        Ok(ReplicationStream {
            conn: self,
            feedback: Feedback::new(Instant::now()),
            state: StreamState::Streaming,
        })
    }
}

fn parse_lsn(s: &str) -> Result<Lsn> {
    s.parse()
        .map_err(|e| Error::protocol(format!("bad LSN from the server: {e}")))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum StreamState {
    Streaming,
    /// We sent CopyDone; waiting for the server's.
    Stopping,
    /// ReadyForQuery seen or a fatal error: nothing more.
    Done,
}

/// The messages of a logical replication session: a [`Stream`] of raw CopyData payloads
/// (`'w'` XLogData and `'k'` keepalives, see [`ReplicationMessage::parse`]), with standby
/// status updates sent by a [`Feedback`] state machine.
///
/// # Feedback and backpressure
///
/// Polling the stream (`next().await`) also sends what the feedback state machine has due:
/// a reply to a keepalive that asked for one is queued before that keepalive is yielded, and
/// the timed update (every 10 s by default) is sent on the first poll after it is due. The
/// flush position is only what you pass to [`confirm_flushed`](Self::confirm_flushed), plus
/// the idle advance described in [`Feedback`](crate::feedback).
///
/// The stream owns no timer and no task, so it does nothing between polls. A consumer that
/// stops polling for longer than the server's `wal_sender_timeout` (60 s by default) gets
/// disconnected: the keepalive asking for a reply sits unread in the socket. A consumer
/// that is busy elsewhere can keep the session alive from its own timer with
/// [`send_feedback_if_due`](Self::send_feedback_if_due) (or
/// [`poll_feedback`](Self::poll_feedback)), using [`Feedback::deadline`] for when; that
/// sends the timed update but cannot answer keepalives it has not read. While unread, data
/// waits in the kernel's socket buffers and then on the server, which is the backpressure.
#[derive(Debug)]
pub struct ReplicationStream<S> {
    conn: Connection<S>,
    feedback: Feedback,
    state: StreamState,
}

impl<S: AsyncRead + AsyncWrite + Unpin> ReplicationStream<S> {
    /// The feedback state machine.
    pub fn feedback(&self) -> &Feedback {
        &self.feedback
    }

    /// The feedback state machine, e.g. to change its interval.
    pub fn feedback_mut(&mut self) -> &mut Feedback {
        &mut self.feedback
    }

    /// The caller has durably processed everything up to `lsn` (normally a transaction's end
    /// LSN from its commit message). Reported at the next update.
    pub fn confirm_flushed(&mut self, lsn: Lsn) {
        self.feedback.confirm_flushed(lsn);
    }

    /// Queues the update that is due at `now`, if any, and writes out what is queued.
    /// `Ready(Ok(()))` once nothing is left to write.
    pub fn poll_feedback(&mut self, cx: &mut Context<'_>, now: Instant) -> Poll<Result<()>> {
        if self.state != StreamState::Streaming {
            return Poll::Ready(Ok(()));
        }
        if let Some(update) = self.feedback.poll_transmit(now) {
            let bytes = update.encode(SystemTime::now());
            frontend::CopyData::new(&bytes[..])?.write(&mut self.conn.wbuf);
        }
        self.conn.poll_flush_buf(cx)
    }

    /// Sends the standby status update if one is due at `now`; true when one was sent.
    pub async fn send_feedback_if_due(&mut self, now: Instant) -> Result<bool> {
        let due = self.feedback.is_due(now);
        std::future::poll_fn(|cx| self.poll_feedback(cx, now)).await?;
        Ok(due)
    }

    /// Sends a standby status update now (e.g. right after confirming, before stopping).
    pub async fn send_feedback_now(&mut self) -> Result<()> {
        let now = Instant::now();
        self.feedback.request_update(now);
        std::future::poll_fn(|cx| self.poll_feedback(cx, now)).await
    }

    /// Ends streaming: sends a last status update and CopyDone, reads (and discards) what the
    /// server still sends, and returns the connection for further commands.
    pub async fn stop(mut self) -> Result<Connection<S>> {
        if self.state == StreamState::Streaming {
            self.send_feedback_now().await?;
            frontend::copy_done(&mut self.conn.wbuf);
            self.state = StreamState::Stopping;
            self.conn.state = State::Busy;
            self.conn.flush().await?;
        }
        if self.state != StreamState::Done {
            self.conn.drain_to_ready().await?;
        }
        Ok(self.conn)
    }

    /// Services feedback without letting a full socket stop the read side.
    fn service_feedback(&mut self, cx: &mut Context<'_>) -> Result<()> {
        match self.poll_feedback(cx, Instant::now()) {
            Poll::Ready(r) => r,
            Poll::Pending => Ok(()),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for ReplicationStream<S> {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        let this = self.get_mut();
        if this.state == StreamState::Done {
            return Poll::Ready(None);
        }
        if let Err(e) = this.service_feedback(cx) {
            this.state = StreamState::Done;
            return Poll::Ready(Some(Err(e.during("replication feedback"))));
        }
        loop {
            let msg = match ready!(this.conn.poll_message(cx)) {
                Ok(m) => m,
                Err(e) => {
                    this.state = StreamState::Done;
                    return Poll::Ready(Some(Err(e.during("replication"))));
                }
            };
            match msg {
                Backend::Msg(Message::CopyData(body)) => {
                    let payload = body.into_bytes();
                    match ReplicationMessage::parse(&payload) {
                        Ok(ReplicationMessage::XLogData(x)) => {
                            this.feedback.on_xlog_data(x.wal_start, x.wal_end)
                        }
                        Ok(ReplicationMessage::Keepalive(k)) => {
                            this.feedback.on_keepalive(
                                k.wal_end,
                                k.reply_requested,
                                Instant::now(),
                            );
                            if k.reply_requested
                                && let Err(e) = this.service_feedback(cx)
                            {
                                this.state = StreamState::Done;
                                return Poll::Ready(Some(Err(e.during("replication feedback"))));
                            }
                        }
                        Err(e) => return Poll::Ready(Some(Err(e.into()))),
                    }
                    return Poll::Ready(Some(Ok(payload)));
                }
                // The server ends streaming (e.g. timeline switch, shutdown): answer so it can
                // proceed to CommandComplete and ReadyForQuery.
                Backend::Msg(Message::CopyDone) if this.state == StreamState::Streaming => {
                    frontend::copy_done(&mut this.conn.wbuf);
                    this.state = StreamState::Stopping;
                    this.conn.state = State::Busy;
                    if let Poll::Ready(Err(e)) = this.conn.poll_flush_buf(cx) {
                        this.state = StreamState::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                Backend::Msg(Message::ErrorResponse(body)) => {
                    this.state = StreamState::Done;
                    this.conn.state = State::Busy;
                    let e = DbError::parse(body.fields()).map_or_else(|e| e, Error::from);
                    return Poll::Ready(Some(Err(e.during("replication"))));
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    this.conn.ready(body.status());
                    this.state = StreamState::Done;
                    return Poll::Ready(None);
                }
                // CommandComplete and the result set of a timeline switch
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
