//! Binlog replication: registering as a replica, `COM_BINLOG_DUMP` (file/offset, MariaDB
//! GTID) and `COM_BINLOG_DUMP_GTID` (MySQL GTID sets), and the stream of decoded events with
//! their positions.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use cdc_model::{BinlogPosition, Gtid, GtidSet, MariaGtid, MariaGtidPosition};
use cdc_mysql_binlog::{
    Decoder, Event, EventData, FLAG_ARTIFICIAL, HEADER_LEN, PacketAssembler, StreamItem,
};
use futures::Stream;
use futures::io::{AsyncRead, AsyncWrite};

use crate::connection::{Connection, State};
use crate::error::{Error, Result, ServerError};

const COM_BINLOG_DUMP: u8 = 0x12;
const COM_REGISTER_SLAVE: u8 = 0x15;
const COM_BINLOG_DUMP_GTID: u8 = 0x1E;

/// `BINLOG_DUMP_NON_BLOCK`: the server ends the stream at the end of the binlog instead of
/// waiting for new events.
pub const BINLOG_DUMP_NON_BLOCK: u16 = 0x01;
/// `BINLOG_SEND_ANNOTATE_ROWS_EVENT` (MariaDB): send ANNOTATE_ROWS events.
pub const BINLOG_SEND_ANNOTATE_ROWS_EVENT: u16 = 0x02;
/// `BINLOG_THROUGH_POSITION` (MySQL, `COM_BINLOG_DUMP_GTID`).
pub const BINLOG_THROUGH_POSITION: u16 = 0x02;
/// `BINLOG_THROUGH_GTID` (MySQL, `COM_BINLOG_DUMP_GTID`): a GTID set follows.
pub const BINLOG_THROUGH_GTID: u16 = 0x04;
/// `MARIA_SLAVE_CAPABILITY_GTID`: the replica understands GTID events.
const MARIA_SLAVE_CAPABILITY_GTID: u32 = 4;

/// Where a binlog dump starts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum StartPosition {
    /// At a file and offset (4 is the first event after the magic); MySQL and MariaDB.
    Binlog(BinlogPosition),
    /// After the transactions of a MariaDB GTID position (`@slave_connect_state`).
    MariaGtid(MariaGtidPosition),
    /// After the transactions of a MySQL GTID set (`COM_BINLOG_DUMP_GTID`); the server sends
    /// every transaction not in the set.
    MysqlGtid(GtidSet),
}

/// How to open a binlog stream.
#[derive(Clone, Debug)]
pub struct BinlogOptions {
    /// This replica's server id: unique among the source's replicas (a second replica with
    /// the same id makes the server drop the first).
    pub server_id: u32,
    /// Where to start.
    pub start: StartPosition,
    /// End the stream at the end of the binlog (`BINLOG_DUMP_NON_BLOCK`) instead of waiting
    /// for new events.
    pub non_blocking: bool,
    /// Ask the server for a heartbeat event after this much idle time (`None`: the server's
    /// default, which for a client that sets nothing is no heartbeats).
    pub heartbeat: Option<Duration>,
    /// The MariaDB GTID position in force at `start` when it is a file/offset, so that
    /// checkpoints carry a complete GTID position; domains not given here appear once a
    /// transaction of theirs is seen.
    pub mariadb_gtid_at_start: Option<MariaGtidPosition>,
    /// Verify event checksums (on by default).
    pub verify_checksums: bool,
    /// Host name reported with `COM_REGISTER_SLAVE` (`SHOW SLAVE HOSTS`).
    pub report_host: String,
}

impl BinlogOptions {
    /// Options for replica `server_id` starting at `start`, blocking, no heartbeat request,
    /// checksums verified.
    pub fn new(server_id: u32, start: StartPosition) -> BinlogOptions {
        BinlogOptions {
            server_id,
            start,
            non_blocking: false,
            heartbeat: None,
            mariadb_gtid_at_start: None,
            verify_checksums: true,
            report_host: "cdc-mysql".into(),
        }
    }

    /// Ends the stream at the end of the binlog.
    pub fn non_blocking(mut self, on: bool) -> BinlogOptions {
        self.non_blocking = on;
        self
    }

    /// Requests heartbeats after `period` of idle time.
    pub fn heartbeat(mut self, period: Duration) -> BinlogOptions {
        self.heartbeat = Some(period);
        self
    }
}

/// The GTID of a transaction.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TxGtid {
    /// A MySQL GTID.
    Mysql(Gtid),
    /// A MariaDB GTID.
    Mariadb(MariaGtid),
}

/// A point to resume from: the end of the last complete transaction (or of the last event
/// outside any transaction). Any of its forms can start a new stream
/// ([`Checkpoint::start_binlog`], [`Checkpoint::start_gtid`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Checkpoint {
    /// File and offset of the next event to read.
    pub binlog: BinlogPosition,
    /// MariaDB GTID position: the last transaction per domain (MariaDB sources).
    pub mariadb_gtid: Option<MariaGtidPosition>,
    /// Every MySQL GTID seen, added to the set the stream started from (MySQL sources
    /// streamed with GTIDs).
    pub mysql_gtid: Option<GtidSet>,
}

impl Checkpoint {
    /// A start position at the file and offset.
    pub fn start_binlog(&self) -> StartPosition {
        StartPosition::Binlog(self.binlog.clone())
    }

    /// A start position by GTID (MariaDB position or MySQL set), when known.
    pub fn start_gtid(&self) -> Option<StartPosition> {
        if let Some(p) = &self.mariadb_gtid {
            return Some(StartPosition::MariaGtid(p.clone()));
        }
        self.mysql_gtid.clone().map(StartPosition::MysqlGtid)
    }
}

/// One event of the stream with where it was.
#[derive(Clone, Debug)]
pub struct BinlogEvent {
    /// The decoded event (its `offset` is its start in [`position`](Self::position)'s file).
    pub event: Event,
    /// File and offset of the event's first byte. Artificial events (flagged
    /// `LOG_EVENT_ARTIFICIAL_F` or with `log_pos` 0: the ROTATE a dump starts with, MariaDB's
    /// GTID_LIST before a GTID dump's first transaction, heartbeats) are not in the file and
    /// carry the position the stream is at.
    pub position: BinlogPosition,
    /// The GTID of the transaction the event belongs to, when the binlog has GTIDs.
    pub gtid: Option<TxGtid>,
    /// True when this event completes a transaction (or is a complete unit outside one):
    /// once it is processed, [`BinlogStream::checkpoint`] is a resume point after it.
    pub ends_transaction: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tx {
    /// Between transactions.
    Outside,
    /// After a GTID event: BEGIN (MySQL) or the first event (MariaDB) comes next.
    AfterGtid,
    /// Inside BEGIN ... COMMIT/XID.
    Inside,
    /// A single-statement transaction (DDL, MariaDB standalone): the next QUERY ends it.
    Standalone,
}

/// The decoded events of a binlog dump, as a [`Stream`]. Items are [`BinlogEvent`]s;
/// errors are final (the stream ends after one). Connection loss is an error whose
/// [`Error::is_retryable`] is true: open a new connection and start again from
/// [`checkpoint`](Self::checkpoint) — nothing is lost or repeated.
#[derive(Debug)]
pub struct BinlogStream<S> {
    conn: Connection<S>,
    assembler: PacketAssembler,
    decoder: Decoder,
    file: String,
    /// Offset of the next event in `file`.
    next_offset: u64,
    tx: Tx,
    current_gtid: Option<TxGtid>,
    mariadb_gtid: Option<MariaGtidPosition>,
    mysql_gtid: Option<GtidSet>,
    checkpoint: Checkpoint,
    done: bool,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// `COM_REGISTER_SLAVE` body.
pub(crate) fn register_slave_body(server_id: u32, host: &str, port: u16) -> Vec<u8> {
    let mut b = Vec::with_capacity(32);
    b.extend_from_slice(&server_id.to_le_bytes());
    let short = |b: &mut Vec<u8>, s: &[u8]| {
        let s = s.get(..255).unwrap_or(s);
        b.push(s.len() as u8);
        b.extend_from_slice(s);
    };
    short(&mut b, host.as_bytes());
    short(&mut b, b""); // user
    short(&mut b, b""); // password
    b.extend_from_slice(&port.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes()); // replication rank
    b.extend_from_slice(&0u32.to_le_bytes()); // master id
    b
}

/// `COM_BINLOG_DUMP` body (without the command byte).
pub(crate) fn binlog_dump_body(server_id: u32, flags: u16, file: &str, offset: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(10 + file.len());
    b.extend_from_slice(&offset.to_le_bytes());
    b.extend_from_slice(&flags.to_le_bytes());
    b.extend_from_slice(&server_id.to_le_bytes());
    b.extend_from_slice(file.as_bytes());
    b
}

/// Encodes a MySQL GTID set as the server does (`Gtid_set::encode`): the count of
/// (UUID, tag) entries, then per entry the UUID, the tag when the set has any (MySQL 8.3+
/// tagged format), and the intervals with exclusive ends.
pub fn encode_gtid_set(set: &GtidSet) -> Vec<u8> {
    let tagged = set.iter().any(|(_, tag, _)| tag.is_some());
    let entries: Vec<_> = set.iter().collect();
    let n = entries.len() as u64;
    let mut b = Vec::new();
    let head = if tagged {
        // format byte first and last, the count in between
        (1u64 << 56) | (n << 8) | 1
    } else {
        n
    };
    b.extend_from_slice(&head.to_le_bytes());
    for (uuid, tag, intervals) in entries {
        b.extend_from_slice(uuid.as_bytes());
        if tagged {
            let tag = tag.unwrap_or("");
            // mysql::serialization varlen: small values are `n << 1` in one byte (tags are
            // at most 32 characters)
            b.push((tag.len() as u8) << 1);
            b.extend_from_slice(tag.as_bytes());
        }
        b.extend_from_slice(&(intervals.len() as u64).to_le_bytes());
        for iv in intervals {
            b.extend_from_slice(&iv.start.to_le_bytes());
            b.extend_from_slice(&iv.end.saturating_add(1).to_le_bytes());
        }
    }
    b
}

/// `COM_BINLOG_DUMP_GTID` body (without the command byte).
pub(crate) fn binlog_dump_gtid_body(
    server_id: u32,
    flags: u16,
    file: &str,
    offset: u64,
    set: &GtidSet,
) -> Vec<u8> {
    let data = encode_gtid_set(set);
    let mut b = Vec::with_capacity(26 + file.len() + data.len());
    b.extend_from_slice(&(flags | BINLOG_THROUGH_GTID).to_le_bytes());
    b.extend_from_slice(&server_id.to_le_bytes());
    b.extend_from_slice(&(file.len() as u32).to_le_bytes());
    b.extend_from_slice(file.as_bytes());
    b.extend_from_slice(&offset.to_le_bytes());
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&data);
    b
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Registers as a replica and starts a binlog dump; the connection becomes the stream.
    ///
    /// Before the dump it sets the session variables a replica sets: the checksum
    /// algorithm it accepts (`@master_binlog_checksum`, `@source_binlog_checksum`: the
    /// server's own), the heartbeat period, and on MariaDB `@mariadb_slave_capability` (GTID
    /// events) and, for a GTID start, `@slave_connect_state` with
    /// `@slave_gtid_strict_mode`.
    pub async fn binlog_stream(mut self, opts: &BinlogOptions) -> Result<BinlogStream<S>> {
        let mariadb = self.server().mariadb;
        let mut set = String::from(
            "SET @master_binlog_checksum = @@global.binlog_checksum, \
             @source_binlog_checksum = @@global.binlog_checksum",
        );
        if let Some(hb) = opts.heartbeat {
            let ns = hb.as_nanos().max(1_000_000);
            set.push_str(&format!(
                ", @master_heartbeat_period = {ns}, @source_heartbeat_period = {ns}"
            ));
        }
        if mariadb {
            set.push_str(&format!(
                ", @mariadb_slave_capability = {MARIA_SLAVE_CAPABILITY_GTID}"
            ));
            if let StartPosition::MariaGtid(p) = &opts.start {
                set.push_str(&format!(
                    ", @slave_connect_state = {}, @slave_gtid_strict_mode = 1, \
                     @slave_gtid_ignore_duplicates = 0",
                    quote(&p.to_string())
                ));
            }
        } else if matches!(opts.start, StartPosition::MariaGtid(_)) {
            return Err(Error::usage("a MariaDB GTID start needs a MariaDB server"));
        }
        self.execute(&set)
            .await
            .map_err(|e| e.during("replica session setup"))?;

        self.send_command(
            COM_REGISTER_SLAVE,
            &register_slave_body(opts.server_id, &opts.report_host, 0),
        )
        .await?;
        self.read_ok()
            .await
            .map_err(|e| e.during("COM_REGISTER_SLAVE"))?;

        let mut flags = 0u16;
        if opts.non_blocking {
            flags |= BINLOG_DUMP_NON_BLOCK;
        }
        let (file, offset, mariadb_gtid, mysql_gtid) = match &opts.start {
            StartPosition::Binlog(p) => {
                if mariadb {
                    flags |= BINLOG_SEND_ANNOTATE_ROWS_EVENT;
                }
                let offset = u32::try_from(p.offset).map_err(|_| {
                    Error::usage("COM_BINLOG_DUMP takes offsets below 4 GiB; start by GTID")
                })?;
                let body = binlog_dump_body(opts.server_id, flags, &p.file, offset);
                self.send_command(COM_BINLOG_DUMP, &body).await?;
                let gtid = if mariadb {
                    Some(opts.mariadb_gtid_at_start.clone().unwrap_or_default())
                } else {
                    None
                };
                (p.file.clone(), p.offset, gtid, None)
            }
            StartPosition::MariaGtid(p) => {
                flags |= BINLOG_SEND_ANNOTATE_ROWS_EVENT;
                // the server finds the file from @slave_connect_state
                let body = binlog_dump_body(opts.server_id, flags, "", 4);
                self.send_command(COM_BINLOG_DUMP, &body).await?;
                (String::new(), 4, Some(p.clone()), None)
            }
            StartPosition::MysqlGtid(set) => {
                let body = binlog_dump_gtid_body(opts.server_id, flags, "", 4, set);
                self.send_command(COM_BINLOG_DUMP_GTID, &body).await?;
                (String::new(), 4, None, Some(set.clone()))
            }
        };
        let mut decoder = Decoder::new();
        decoder.set_verify_checksums(opts.verify_checksums);
        if !file.is_empty() {
            decoder.set_file(file.clone());
        }
        let checkpoint = Checkpoint {
            binlog: BinlogPosition::new(file.clone(), offset),
            mariadb_gtid: mariadb_gtid.clone(),
            mysql_gtid: mysql_gtid.clone(),
        };
        Ok(BinlogStream {
            conn: self,
            assembler: PacketAssembler::new(),
            decoder,
            file,
            next_offset: offset,
            tx: Tx::Outside,
            current_gtid: None,
            mariadb_gtid,
            mysql_gtid,
            checkpoint,
            done: false,
        })
    }
}

fn header_u32(raw: &[u8], at: usize) -> u32 {
    raw.get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

impl<S: AsyncRead + AsyncWrite + Unpin> BinlogStream<S> {
    /// The resume point after the last complete transaction yielded so far.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The server's connection id for this dump (to `KILL` it from another session).
    pub fn connection_id(&self) -> u32 {
        self.conn.server().connection_id
    }

    /// The decoder (e.g. to supply table schemas for `binlog_row_metadata=MINIMAL`).
    pub fn decoder_mut(&mut self) -> &mut Decoder {
        &mut self.decoder
    }

    fn on_event(&mut self, raw: Bytes) -> Result<BinlogEvent> {
        let size = u64::from(header_u32(&raw, 9));
        let log_pos = u64::from(header_u32(&raw, 13));
        if raw.len() < HEADER_LEN {
            return Err(Error::protocol("replication event shorter than its header"));
        }
        let flags = raw
            .get(17..19)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_le_bytes)
            .unwrap_or(0);
        // log_pos is where the next event starts. Artificial events (flagged, or with
        // log_pos 0: the ROTATE a dump starts with, MariaDB's GTID_LIST sent before a GTID
        // dump's first transaction) are not in the file: they sit at the current position.
        let artificial = log_pos == 0 || flags & FLAG_ARTIFICIAL != 0;
        let offset = if artificial {
            self.next_offset
        } else {
            log_pos.saturating_sub(size)
        };
        let event = self.decoder.decode(raw, offset)?;
        let position = BinlogPosition::new(self.file.clone(), offset);
        let mut ends = false;
        match &event.data {
            EventData::Rotate(r) => {
                self.file.clone_from(&r.next_file);
                self.next_offset = r.position;
                ends = self.tx == Tx::Outside;
            }
            EventData::Heartbeat { .. } => {}
            data => {
                if log_pos != 0 {
                    self.next_offset = log_pos;
                }
                ends = self.track_transaction(data, &event);
            }
        }
        let gtid = match self.tx {
            Tx::Outside if !ends => None,
            _ => self.current_gtid.clone(),
        };
        if ends {
            if let Some(g) = self.current_gtid.take() {
                match g {
                    TxGtid::Mariadb(g) => self
                        .mariadb_gtid
                        .get_or_insert_with(Default::default)
                        .advance(g),
                    TxGtid::Mysql(g) => self.mysql_gtid.get_or_insert_with(GtidSet::new).insert(&g),
                }
            }
            self.tx = Tx::Outside;
            self.checkpoint = Checkpoint {
                binlog: BinlogPosition::new(self.file.clone(), self.next_offset),
                mariadb_gtid: self.mariadb_gtid.clone(),
                mysql_gtid: self.mysql_gtid.clone(),
            };
        }
        Ok(BinlogEvent {
            event,
            position,
            gtid,
            ends_transaction: ends,
        })
    }

    /// Moves the transaction state machine; true when `data` completes a unit.
    fn track_transaction(&mut self, data: &EventData, event: &Event) -> bool {
        match data {
            EventData::MariaGtid(g) => {
                self.current_gtid = Some(TxGtid::Mariadb(MariaGtid {
                    domain: g.gtid.domain,
                    server_id: event.header.server_id,
                    sequence: g.gtid.sequence,
                }));
                self.tx = if g.is_standalone() {
                    Tx::Standalone
                } else {
                    Tx::Inside
                };
                false
            }
            EventData::Gtid(g) => {
                self.current_gtid = g.gtid.clone().map(TxGtid::Mysql);
                self.tx = Tx::AfterGtid;
                false
            }
            EventData::Query(q) => {
                let text = q.query.as_ref();
                let starts = |kw: &[u8]| {
                    text.len() >= kw.len()
                        && text
                            .get(..kw.len())
                            .is_some_and(|h| h.eq_ignore_ascii_case(kw))
                };
                match self.tx {
                    Tx::Outside | Tx::AfterGtid if starts(b"BEGIN") || starts(b"XA START") => {
                        self.tx = Tx::Inside;
                        false
                    }
                    Tx::Inside => starts(b"COMMIT") || starts(b"ROLLBACK"),
                    // DDL or a standalone statement: a unit of its own
                    Tx::Outside | Tx::AfterGtid | Tx::Standalone => true,
                }
            }
            EventData::Xid(_) | EventData::XaPrepare(_) => true,
            // row events and their companions belong to the open transaction
            EventData::TableMap(_)
            | EventData::Rows(_)
            | EventData::RowsQuery(_)
            | EventData::AnnotateRows(_)
            | EventData::Intvar { .. }
            | EventData::Rand { .. }
            | EventData::UserVar(_)
            | EventData::TransactionPayload(_) => false,
            // FORMAT_DESCRIPTION, GTID lists, checkpoints, STOP...: complete when between
            // transactions
            _ => self.tx == Tx::Outside,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for BinlogStream<S> {
    type Item = Result<BinlogEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            let payload = match ready!(this.conn.poll_packet(cx)) {
                Ok(p) => p,
                Err(e) => {
                    this.done = true;
                    this.conn.state = State::Broken;
                    return Poll::Ready(Some(Err(
                        e.during(format!("binlog dump at {}", this.checkpoint.binlog))
                    )));
                }
            };
            let item = match this.assembler.push(&payload) {
                Ok(Some(item)) => item,
                Ok(None) => continue,
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
            };
            return Poll::Ready(match item {
                StreamItem::Event(raw) => match this.on_event(raw) {
                    Ok(ev) => Some(Ok(ev)),
                    Err(e) => {
                        this.done = true;
                        Some(Err(e))
                    }
                },
                StreamItem::End => {
                    this.done = true;
                    None
                }
                StreamItem::ServerError {
                    code,
                    sql_state,
                    message,
                } => {
                    this.done = true;
                    Some(Err(Error::from(ServerError {
                        code,
                        sql_state,
                        message,
                    })
                    .during("binlog dump")))
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn register_slave_and_binlog_dump_bodies() {
        let b = register_slave_body(7, "h", 3306);
        assert_eq!(
            b,
            [
                7, 0, 0, 0, 1, b'h', 0, 0, 0xEA, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0
            ]
        );
        let b = binlog_dump_body(0x0102_0304, BINLOG_DUMP_NON_BLOCK, "mysql-bin.000002", 4);
        assert_eq!(&b[..10], [4, 0, 0, 0, 1, 0, 4, 3, 2, 1]);
        assert_eq!(&b[10..], b"mysql-bin.000002");
    }

    #[test]
    fn gtid_set_encoding_matches_the_servers_layout() {
        let set: GtidSet = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7"
            .parse()
            .unwrap();
        let b = encode_gtid_set(&set);
        let mut want = 1u64.to_le_bytes().to_vec();
        want.extend_from_slice(&[
            0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42,
            0x95, 0x62,
        ]);
        want.extend_from_slice(&2u64.to_le_bytes());
        for v in [1u64, 6, 7, 8] {
            want.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(b, want);
        assert_eq!(encode_gtid_set(&GtidSet::new()), 0u64.to_le_bytes());
    }

    #[test]
    fn tagged_gtid_sets_use_the_tagged_format() {
        let set: GtidSet = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2:blue:3"
            .parse()
            .unwrap();
        let b = encode_gtid_set(&set);
        // two entries (untagged, then `blue`): format 1 in the first and last byte
        assert_eq!(&b[..8], [1, 2, 0, 0, 0, 0, 0, 1]);
        assert_eq!(b[8 + 16], 0); // untagged: empty tag
        let blue = 8 + 16 + 1 + 8 + 16;
        assert_eq!(&b[blue + 16..blue + 16 + 5], [8, b'b', b'l', b'u', b'e']);
    }

    #[test]
    fn binlog_dump_gtid_body_layout() {
        let set: GtidSet = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5".parse().unwrap();
        let b = binlog_dump_gtid_body(9, BINLOG_DUMP_NON_BLOCK, "", 4, &set);
        assert_eq!(&b[..2], [5, 0]); // NON_BLOCK | THROUGH_GTID
        assert_eq!(&b[2..6], [9, 0, 0, 0]);
        assert_eq!(&b[6..10], [0, 0, 0, 0]); // empty file name
        assert_eq!(&b[10..18], 4u64.to_le_bytes());
        let data = encode_gtid_set(&set);
        assert_eq!(&b[18..22], (data.len() as u32).to_le_bytes());
        assert_eq!(&b[22..], data);
    }
}
