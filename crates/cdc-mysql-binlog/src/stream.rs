//! Events from a replication stream (`COM_BINLOG_DUMP` / `COM_BINLOG_DUMP_GTID`), sans-IO.
//!
//! The server sends each event as the payload of one or more protocol packets: a status byte
//! `0x00` then the event bytes. A packet payload of exactly `0xFFFFFF` bytes means the next
//! packet continues it (events over 16 MiB). `0xFE` with a short payload ends the stream
//! (`NON_BLOCK` dumps); `0xFF` is a server error. The caller reads packets from its socket,
//! strips the 4-byte packet header and hands the payloads to [`PacketAssembler::push`].

use bytes::{Bytes, BytesMut};

use crate::error::{Error, ErrorKind, Result};

/// Largest payload of one protocol packet; a payload this long continues in the next packet.
pub const MAX_PACKET_PAYLOAD: usize = 0xFF_FFFF;

/// What a replication packet (or run of packets) held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamItem {
    /// One whole event (header, body, checksum), ready for [`crate::Decoder::decode`].
    Event(Bytes),
    /// The server ended the stream (EOF packet).
    End,
    /// The server reported an error (`ERR` packet): e.g. 1236 when the requested binlog was
    /// purged.
    ServerError {
        /// MySQL error code.
        code: u16,
        /// SQLSTATE, when sent.
        sql_state: Option<String>,
        /// Message.
        message: String,
    },
}

/// Reassembles replication packets into events.
///
/// ```
/// use cdc_mysql_binlog::{PacketAssembler, StreamItem};
/// let mut asm = PacketAssembler::new();
/// let event = vec![7u8; 30];
/// let mut payload = vec![0x00];
/// payload.extend_from_slice(&event);
/// assert_eq!(asm.push(&payload).unwrap(), Some(StreamItem::Event(event.into())));
/// assert_eq!(asm.push(&[0xfe, 0, 0, 2, 0]).unwrap(), Some(StreamItem::End));
/// ```
#[derive(Debug, Default)]
pub struct PacketAssembler {
    partial: Option<BytesMut>,
}

impl PacketAssembler {
    /// A fresh assembler.
    pub fn new() -> PacketAssembler {
        PacketAssembler::default()
    }

    /// True while an event is split over packets and more are expected.
    pub fn is_partial(&self) -> bool {
        self.partial.is_some()
    }

    /// Feeds one packet payload (without the 4-byte packet header). Returns the item it
    /// completes, or `None` when the event continues in the next packet.
    pub fn push(&mut self, payload: &[u8]) -> Result<Option<StreamItem>> {
        let continues = payload.len() == MAX_PACKET_PAYLOAD;
        if let Some(buf) = &mut self.partial {
            buf.extend_from_slice(payload);
            if continues {
                return Ok(None);
            }
            let whole = self
                .partial
                .take()
                .map(BytesMut::freeze)
                .unwrap_or_default();
            return Ok(Some(StreamItem::Event(whole)));
        }
        let (&status, rest) = payload
            .split_first()
            .ok_or_else(|| Error::malformed("empty replication packet"))?;
        match status {
            0x00 => {
                if continues {
                    let mut buf = BytesMut::with_capacity(2 * MAX_PACKET_PAYLOAD);
                    buf.extend_from_slice(rest);
                    self.partial = Some(buf);
                    return Ok(None);
                }
                Ok(Some(StreamItem::Event(Bytes::copy_from_slice(rest))))
            }
            0xFE if payload.len() < 9 => Ok(Some(StreamItem::End)),
            0xFF => Ok(Some(parse_err(rest)?)),
            other => Err(Error::new(ErrorKind::Malformed(
                format!("unexpected replication packet status byte {other:#04x}").into(),
            ))),
        }
    }
}

fn parse_err(rest: &[u8]) -> Result<StreamItem> {
    let code = rest
        .get(..2)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map(u16::from_le_bytes)
        .ok_or_else(|| Error::malformed("ERR packet without an error code"))?;
    let rest = rest.get(2..).unwrap_or_default();
    let (sql_state, msg) = match rest.split_first() {
        Some((b'#', tail)) if tail.len() >= 5 => (
            Some(String::from_utf8_lossy(tail.get(..5).unwrap_or_default()).into_owned()),
            tail.get(5..).unwrap_or_default(),
        ),
        _ => (None, rest),
    };
    Ok(StreamItem::ServerError {
        code,
        sql_state,
        message: String::from_utf8_lossy(msg).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_over_16_mib_is_joined_from_its_packets() {
        let event: Vec<u8> = (0..(MAX_PACKET_PAYLOAD * 2 + 100))
            .map(|i| i as u8)
            .collect();
        let mut stream = vec![0u8];
        stream.extend_from_slice(&event);
        let mut asm = PacketAssembler::new();
        let mut out = None;
        for chunk in stream.chunks(MAX_PACKET_PAYLOAD) {
            out = asm.push(chunk).unwrap();
            if out.is_none() {
                assert!(asm.is_partial());
            }
        }
        assert_eq!(out, Some(StreamItem::Event(event.into())));
        assert!(!asm.is_partial());
    }

    #[test]
    fn an_event_of_exactly_one_full_packet_ends_with_an_empty_packet() {
        let mut payload = vec![0u8];
        payload.extend(std::iter::repeat_n(9u8, MAX_PACKET_PAYLOAD - 1));
        let mut asm = PacketAssembler::new();
        assert_eq!(asm.push(&payload).unwrap(), None);
        match asm.push(&[]).unwrap() {
            Some(StreamItem::Event(e)) => assert_eq!(e.len(), MAX_PACKET_PAYLOAD - 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_errors_are_typed() {
        let mut p = vec![0xff, 0xd4, 0x04, b'#'];
        p.extend_from_slice(b"HY000Could not find first log file name in binary log index file");
        assert_eq!(
            PacketAssembler::new().push(&p).unwrap(),
            Some(StreamItem::ServerError {
                code: 1236,
                sql_state: Some("HY000".into()),
                message: "Could not find first log file name in binary log index file".into(),
            })
        );
        assert!(PacketAssembler::new().push(&[]).is_err());
        assert!(PacketAssembler::new().push(&[0x42]).is_err());
        assert!(PacketAssembler::new().push(&[0xff, 1]).is_err());
    }
}
