//! The v4 common event header, the file magic, checksums and framing.

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind, Result};

/// The four bytes every binlog file starts with: `\xfe b i n`.
pub const MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];

/// Length of the v4 common event header.
pub const HEADER_LEN: usize = 19;

/// Length of the CRC32 checksum trailer.
pub const CHECKSUM_LEN: usize = 4;

/// Header flag: the binlog file is in use (set in FORMAT_DESCRIPTION while the file is open).
pub const FLAG_BINLOG_IN_USE: u16 = 0x1;
/// Header flag: an artificial event (e.g. the fake ROTATE a server sends first).
pub const FLAG_ARTIFICIAL: u16 = 0x20;
/// Header flag: an event a replica may skip when it does not know its type.
pub const FLAG_IGNORABLE: u16 = 0x80;

/// The 19-byte header in front of every event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventHeader {
    /// Seconds since the Unix epoch when the statement began.
    pub timestamp: u32,
    /// Event type code (see [`crate::codes`]), in the standard numbering: the decoder translates
    /// the codes of pre-GA 5.1 servers, which numbered row events differently.
    pub type_code: u8,
    /// Id of the server that wrote the event.
    pub server_id: u32,
    /// Size of the whole event: header, body and checksum.
    pub event_size: u32,
    /// Position of the next event in the file (0 for artificial and in-payload events).
    pub log_pos: u32,
    /// Flags (`FLAG_*`).
    pub flags: u16,
}

impl EventHeader {
    /// Parses the header from the first 19 bytes of `buf`.
    pub fn parse(buf: &[u8]) -> Result<EventHeader> {
        let mut c = Cursor::new(buf);
        let h = EventHeader {
            timestamp: c.u32()?,
            type_code: c.u8()?,
            server_id: c.u32()?,
            event_size: c.u32()?,
            log_pos: c.u32()?,
            flags: c.u16()?,
        };
        if (h.event_size as usize) < HEADER_LEN {
            return Err(Error::malformed(format!(
                "event size {} is smaller than the {HEADER_LEN}-byte header",
                h.event_size
            )));
        }
        Ok(h)
    }

    /// True when the artificial-event flag is set.
    pub fn is_artificial(&self) -> bool {
        self.flags & FLAG_ARTIFICIAL != 0
    }
}

/// How big the next event in `buf` is: `Ok(Some(n))` when `buf` starts with a whole event of
/// `n` bytes, `Ok(None)` when more bytes are needed, an error when the header is invalid.
///
/// This is the framing step of a stream: feed it the unconsumed bytes, split off `n` bytes
/// when it says so.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let h = EventHeader::parse(buf)?;
    let n = h.event_size as usize;
    Ok((buf.len() >= n).then_some(n))
}

/// Verifies the CRC32 trailer of a whole event. For FORMAT_DESCRIPTION events the
/// "binlog in use" flag is cleared before computing, as the server does, because the server
/// rewrites that flag in place when it closes the file.
pub fn verify_checksum(event: &[u8]) -> Result<()> {
    let body_end = event
        .len()
        .checked_sub(CHECKSUM_LEN)
        .filter(|n| *n >= HEADER_LEN)
        .ok_or_else(|| Error::malformed("event too short for a checksum"))?;
    let (data, trailer) = event.split_at(body_end);
    let stored = u32::from_le_bytes(
        trailer
            .try_into()
            .map_err(|_| Error::malformed("event too short for a checksum"))?,
    );
    let mut hasher = crc32fast::Hasher::new();
    let is_fde = data.get(4) == Some(&crate::codes::FORMAT_DESCRIPTION);
    match (is_fde, data.get(17)) {
        (true, Some(flags_lo)) if flags_lo & (FLAG_BINLOG_IN_USE as u8) != 0 => {
            hasher.update(data.get(..17).unwrap_or_default());
            hasher.update(&[flags_lo & !(FLAG_BINLOG_IN_USE as u8)]);
            hasher.update(data.get(18..).unwrap_or_default());
        }
        _ => hasher.update(data),
    }
    let computed = hasher.finalize();
    if computed != stored {
        return Err(ErrorKind::Checksum { stored, computed }.into());
    }
    Ok(())
}
