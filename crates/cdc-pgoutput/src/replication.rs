//! Streaming replication framing: the CopyData payloads of a `START_REPLICATION` stream.
//!
//! The server sends [`XLogData`] (`'w'`) and [`PrimaryKeepalive`] (`'k'`); the client answers
//! with [`StandbyStatusUpdate`] (`'r'`) and, for physical standbys, [`HotStandbyFeedback`]
//! (`'h'`). Times on the wire are microseconds since 2000-01-01 00:00:00 UTC, the PostgreSQL
//! epoch; here they are [`Timestamp`]s.

use bytes::Bytes;
use cdc_model::{Lsn, Timestamp};

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind, Result};

/// Microseconds between the Unix epoch (1970-01-01) and the PostgreSQL epoch (2000-01-01).
pub const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// A PostgreSQL timestamp (microseconds since 2000-01-01 UTC) as a [`Timestamp`];
/// `i64::MAX`/`i64::MIN` are `infinity`/`-infinity`. `None` when the instant cannot be
/// represented (beyond about year 294 000).
///
/// ```
/// use cdc_pgoutput::timestamp_from_pg;
/// assert_eq!(timestamp_from_pg(0).unwrap().to_string(), "2000-01-01 00:00:00Z");
/// ```
pub fn timestamp_from_pg(micros: i64) -> Option<Timestamp> {
    match micros {
        i64::MAX => Some(Timestamp::INFINITY),
        i64::MIN => Some(Timestamp::NEG_INFINITY),
        m => m
            .checked_add(PG_EPOCH_OFFSET_MICROS)
            .filter(|u| *u != i64::MAX && *u != i64::MIN && *u != Timestamp::ZERO.unix_micros())
            .map(Timestamp::from_unix_micros),
    }
}

/// A [`Timestamp`] as PostgreSQL microseconds since 2000-01-01 UTC (the inverse of
/// [`timestamp_from_pg`]); saturates at the infinities.
pub fn timestamp_to_pg(t: Timestamp) -> i64 {
    if t == Timestamp::INFINITY {
        i64::MAX
    } else if t == Timestamp::NEG_INFINITY {
        i64::MIN
    } else {
        t.unix_micros().saturating_sub(PG_EPOCH_OFFSET_MICROS)
    }
}

fn read_time(c: &mut Cursor<'_>) -> Result<Timestamp> {
    let raw = c.i64()?;
    timestamp_from_pg(raw).ok_or_else(|| Error::malformed("timestamp out of range"))
}

/// `XLogData` (`'w'`): a chunk of WAL, for logical replication one pgoutput message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct XLogData {
    /// Start of the data in the WAL.
    pub wal_start: Lsn,
    /// Current end of WAL on the server.
    pub wal_end: Lsn,
    /// The server's clock at transmission.
    pub server_time: Timestamp,
    /// The data (a pgoutput message), a slice of the CopyData payload.
    pub data: Bytes,
}

/// Primary keepalive (`'k'`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PrimaryKeepalive {
    /// Current end of WAL on the server.
    pub wal_end: Lsn,
    /// The server's clock at transmission.
    pub server_time: Timestamp,
    /// The server asks for a [`StandbyStatusUpdate`] soon, to avoid a timeout disconnect.
    pub reply_requested: bool,
}

/// A message from the server inside the replication COPY stream.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ReplicationMessage {
    /// WAL data.
    XLogData(XLogData),
    /// Keepalive.
    Keepalive(PrimaryKeepalive),
}

impl ReplicationMessage {
    /// Parses one CopyData payload (`'w'` or `'k'`). `data` of an [`XLogData`] is a
    /// zero-copy slice of `payload`.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use cdc_pgoutput::ReplicationMessage;
    /// let mut p = vec![b'k'];
    /// p.extend_from_slice(&0x0000_0001_0000_0028u64.to_be_bytes());
    /// p.extend_from_slice(&0i64.to_be_bytes());
    /// p.push(1);
    /// let ReplicationMessage::Keepalive(k) = ReplicationMessage::parse(&Bytes::from(p))? else {
    ///     unreachable!()
    /// };
    /// assert_eq!(k.wal_end.to_string(), "1/28");
    /// assert!(k.reply_requested);
    /// # Ok::<(), cdc_pgoutput::Error>(())
    /// ```
    pub fn parse(payload: &Bytes) -> Result<ReplicationMessage> {
        let mut c = Cursor::new(payload);
        let tag = c.u8()?;
        let parsed = (|| match tag {
            b'w' => {
                let wal_start = Lsn(c.u64()?);
                let wal_end = Lsn(c.u64()?);
                let server_time = read_time(&mut c)?;
                Ok(ReplicationMessage::XLogData(XLogData {
                    wal_start,
                    wal_end,
                    server_time,
                    data: c.rest(),
                }))
            }
            b'k' => {
                let wal_end = Lsn(c.u64()?);
                let server_time = read_time(&mut c)?;
                let reply_requested = match c.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(Error::malformed("keepalive reply flag is not 0 or 1")),
                };
                c.finish()?;
                Ok(ReplicationMessage::Keepalive(PrimaryKeepalive {
                    wal_end,
                    server_time,
                    reply_requested,
                }))
            }
            t => Err(Error::new(ErrorKind::UnknownReplicationMessage(t))),
        })();
        parsed.map_err(|e| e.in_message(tag))
    }
}

/// Standby status update (`'r'`): tells the server how far the client has written, flushed
/// and applied, so it can recycle WAL and advance the slot.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StandbyStatusUpdate {
    /// Last WAL byte + 1 received and written.
    pub write: Lsn,
    /// Last WAL byte + 1 flushed (durably stored by the client).
    pub flush: Lsn,
    /// Last WAL byte + 1 applied.
    pub apply: Lsn,
    /// The client's clock at transmission.
    pub client_time: Timestamp,
    /// Ask the server to reply immediately (with a keepalive).
    pub reply_requested: bool,
}

impl StandbyStatusUpdate {
    /// Length of the encoded message.
    pub const LEN: usize = 34;

    /// Appends the CopyData payload to `out`.
    ///
    /// ```
    /// use cdc_model::{Lsn, Timestamp};
    /// use cdc_pgoutput::StandbyStatusUpdate;
    /// let u = StandbyStatusUpdate {
    ///     write: Lsn(0x10), flush: Lsn(0x10), apply: Lsn(0),
    ///     client_time: Timestamp::from_unix_micros(946_684_800_000_001),
    ///     reply_requested: false,
    /// };
    /// let mut out = Vec::new();
    /// u.encode(&mut out);
    /// assert_eq!(out.len(), StandbyStatusUpdate::LEN);
    /// assert_eq!(out[0], b'r');
    /// assert_eq!(out[25..33], 1i64.to_be_bytes());
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(Self::LEN);
        out.push(b'r');
        out.extend_from_slice(&self.write.0.to_be_bytes());
        out.extend_from_slice(&self.flush.0.to_be_bytes());
        out.extend_from_slice(&self.apply.0.to_be_bytes());
        out.extend_from_slice(&timestamp_to_pg(self.client_time).to_be_bytes());
        out.push(u8::from(self.reply_requested));
    }

    /// The CopyData payload.
    pub fn to_bytes(&self) -> Bytes {
        let mut v = Vec::with_capacity(Self::LEN);
        self.encode(&mut v);
        Bytes::from(v)
    }
}

/// Hot standby feedback (`'h'`): a physical standby's oldest transaction ids, so the primary
/// keeps the rows its queries still need.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HotStandbyFeedback {
    /// The client's clock at transmission.
    pub client_time: Timestamp,
    /// The standby's current global xmin (0 for none).
    pub xmin: u32,
    /// Epoch of `xmin`.
    pub xmin_epoch: u32,
    /// The lowest catalog xmin of any replication slot on the standby.
    pub catalog_xmin: u32,
    /// Epoch of `catalog_xmin`.
    pub catalog_xmin_epoch: u32,
}

impl HotStandbyFeedback {
    /// Length of the encoded message.
    pub const LEN: usize = 25;

    /// Appends the CopyData payload to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(Self::LEN);
        out.push(b'h');
        out.extend_from_slice(&timestamp_to_pg(self.client_time).to_be_bytes());
        for v in [
            self.xmin,
            self.xmin_epoch,
            self.catalog_xmin,
            self.catalog_xmin_epoch,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// The CopyData payload.
    pub fn to_bytes(&self) -> Bytes {
        let mut v = Vec::with_capacity(Self::LEN);
        self.encode(&mut v);
        Bytes::from(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xlogdata_parses_and_slices_data() {
        let mut p = vec![b'w'];
        p.extend_from_slice(&0x0000_0016_B374_D848u64.to_be_bytes());
        p.extend_from_slice(&0x0000_0016_B374_D900u64.to_be_bytes());
        p.extend_from_slice(&(-PG_EPOCH_OFFSET_MICROS + 1_700_000_000_000_000).to_be_bytes());
        p.extend_from_slice(b"Bdata");
        let m = ReplicationMessage::parse(&Bytes::from(p)).unwrap();
        let ReplicationMessage::XLogData(x) = m else {
            panic!("{m:?}")
        };
        assert_eq!(x.wal_start.to_string(), "16/B374D848");
        assert_eq!(x.wal_end.to_string(), "16/B374D900");
        assert_eq!(
            x.server_time,
            Timestamp::from_unix_micros(1_700_000_000_000_000)
        );
        assert_eq!(&x.data[..], b"Bdata");
    }

    #[test]
    fn keepalive_rejects_truncation_and_trailing_bytes() {
        let mut p = vec![b'k'];
        p.extend_from_slice(&[0; 16]);
        let short = Bytes::from(p.clone());
        assert!(
            ReplicationMessage::parse(&short)
                .unwrap_err()
                .is_truncated()
        );
        p.push(0);
        let ok = ReplicationMessage::parse(&Bytes::from(p.clone())).unwrap();
        assert_eq!(
            ok,
            ReplicationMessage::Keepalive(PrimaryKeepalive {
                wal_end: Lsn(0),
                server_time: timestamp_from_pg(0).unwrap(),
                reply_requested: false
            })
        );
        p.push(0);
        let e = ReplicationMessage::parse(&Bytes::from(p)).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::TrailingBytes(1));
        assert_eq!(e.message_type(), Some(b'k'));
        let e = ReplicationMessage::parse(&Bytes::from_static(b"x")).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::UnknownReplicationMessage(b'x'));
        assert!(ReplicationMessage::parse(&Bytes::new()).is_err());
    }

    #[test]
    fn status_update_and_feedback_encode_the_documented_layout() {
        let u = StandbyStatusUpdate {
            write: Lsn(1),
            flush: Lsn(2),
            apply: Lsn(3),
            client_time: Timestamp::INFINITY,
            reply_requested: true,
        };
        let b = u.to_bytes();
        assert_eq!(b.len(), StandbyStatusUpdate::LEN);
        assert_eq!(&b[1..9], &1u64.to_be_bytes());
        assert_eq!(&b[9..17], &2u64.to_be_bytes());
        assert_eq!(&b[17..25], &3u64.to_be_bytes());
        assert_eq!(&b[25..33], &i64::MAX.to_be_bytes());
        assert_eq!(b[33], 1);
        let h = HotStandbyFeedback {
            client_time: timestamp_from_pg(5).unwrap(),
            xmin: 7,
            xmin_epoch: 1,
            catalog_xmin: 9,
            catalog_xmin_epoch: 2,
        };
        let b = h.to_bytes();
        assert_eq!(b.len(), HotStandbyFeedback::LEN);
        assert_eq!(b[0], b'h');
        assert_eq!(&b[1..9], &5i64.to_be_bytes());
        assert_eq!(&b[9..13], &7u32.to_be_bytes());
        assert_eq!(&b[21..25], &2u32.to_be_bytes());
    }

    #[test]
    fn pg_epoch_conversion_is_exact() {
        assert_eq!(
            timestamp_from_pg(-PG_EPOCH_OFFSET_MICROS),
            Some(Timestamp::from_unix_micros(0))
        );
        assert_eq!(timestamp_from_pg(i64::MAX), Some(Timestamp::INFINITY));
        assert_eq!(timestamp_from_pg(i64::MIN), Some(Timestamp::NEG_INFINITY));
        assert_eq!(timestamp_from_pg(i64::MAX - 1), None);
        for m in [0, 1, -1, 123_456_789_012] {
            assert_eq!(timestamp_to_pg(timestamp_from_pg(m).unwrap()), m);
        }
    }
}
