//! MySQL 8.4's self-describing event serialization, used by GTID_TAGGED_LOG_EVENT and the
//! tagged form of PREVIOUS_GTIDS.
//!
//! A message is: format version (varlen), message size in bytes counted from the message's
//! first byte (varlen), the id of the last field a reader must understand (varlen), then
//! fields as `field id (varlen)` + data. Integers are "varlen": the number of trailing one bits
//! of the first byte, plus one, is the byte count (9 when the first byte is `0xff`); the value
//! is the little-endian bytes shifted right by that count (for 9 bytes, the 8 bytes after the
//! first). Signed integers are zig-zag encoded (sign in the lowest bit).

use cdc_model::{Gtid, GtidTag, Uuid};

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::events::{GtidEvent, LogicalClock};

/// Reads an unsigned variable-length integer.
pub(crate) fn read_varlen_u64(c: &mut Cursor<'_>) -> Result<u64> {
    let first = *c
        .rest()
        .first()
        .ok_or_else(|| Error::malformed("missing variable-length integer"))?;
    let n = (first.trailing_ones() + 1) as usize;
    if n == 9 {
        c.skip(1)?;
        return c.u64();
    }
    let raw = c.uint_n(n)?;
    Ok(raw >> n)
}

/// Reads a signed (zig-zag) variable-length integer.
fn read_varlen_i64(c: &mut Cursor<'_>) -> Result<i64> {
    let u = read_varlen_u64(c)?;
    let magnitude = (u >> 1) as i64;
    Ok(if u & 1 == 0 {
        magnitude
    } else {
        -magnitude - 1
    })
}

fn read_u32(c: &mut Cursor<'_>) -> Result<u32> {
    u32::try_from(read_varlen_u64(c)?).map_err(|_| Error::malformed("value out of u32 range"))
}

/// Parses a GTID_TAGGED_LOG_EVENT body (checksum already removed).
pub(crate) fn parse_tagged_gtid(body: &[u8]) -> Result<GtidEvent> {
    let mut c = Cursor::new(body);
    let _format_version = read_varlen_u64(&mut c)?;
    let size = usize::try_from(read_varlen_u64(&mut c)?)
        .ok()
        .filter(|s| *s <= body.len())
        .ok_or_else(|| Error::malformed("tagged GTID message size exceeds the event"))?;
    let mut c = Cursor::new(body.get(..size).unwrap_or_default());
    read_varlen_u64(&mut c)?;
    read_varlen_u64(&mut c)?;
    let last_non_ignorable = read_varlen_u64(&mut c)?;

    let mut flags = 0u8;
    let mut uuid: Option<Uuid> = None;
    let mut gno: Option<i64> = None;
    let mut tag: Option<GtidTag> = None;
    let mut clock = LogicalClock::default();
    let mut has_clock = false;
    let mut immediate: Option<u64> = None;
    let mut original: Option<u64> = None;
    let mut length: Option<u64> = None;
    let mut imm_version: Option<u32> = None;
    let mut orig_version: Option<u32> = None;
    while !c.is_empty() {
        let field = read_varlen_u64(&mut c)?;
        match field {
            0 => {
                flags = u8::try_from(read_varlen_u64(&mut c)?)
                    .map_err(|_| Error::malformed("GTID flags out of range"))?
            }
            1 => {
                let mut b = [0u8; 16];
                for slot in &mut b {
                    *slot = u8::try_from(read_varlen_u64(&mut c)?)
                        .map_err(|_| Error::malformed("UUID byte out of range"))?;
                }
                uuid = Some(Uuid(b));
            }
            2 => gno = Some(read_varlen_i64(&mut c)?),
            3 => {
                let n = usize::try_from(read_varlen_u64(&mut c)?)
                    .map_err(|_| Error::malformed("tag length"))?;
                let text = std::str::from_utf8(c.take(n)?)
                    .map_err(|_| Error::malformed("GTID tag is not UTF-8"))?;
                if !text.is_empty() {
                    tag = Some(GtidTag::new(text).map_err(|e| Error::malformed(e.to_string()))?);
                }
            }
            4 => {
                clock.last_committed = read_varlen_i64(&mut c)?;
                has_clock = true;
            }
            5 => {
                clock.sequence_number = read_varlen_i64(&mut c)?;
                has_clock = true;
            }
            6 => immediate = Some(read_varlen_u64(&mut c)?),
            7 => original = Some(read_varlen_u64(&mut c)?),
            8 => length = Some(read_varlen_u64(&mut c)?),
            9 => imm_version = Some(read_u32(&mut c)?),
            10 => orig_version = Some(read_u32(&mut c)?),
            11 => {
                read_varlen_u64(&mut c)?; // commit group ticket
            }
            unknown if unknown <= last_non_ignorable => {
                return Err(Error::malformed(format!(
                    "tagged GTID event has field {unknown}, which must be understood"
                )));
            }
            // An ignorable field from a newer server: its type is unknown, so stop here.
            _ => break,
        }
    }
    let uuid = uuid.ok_or_else(|| Error::malformed("tagged GTID event without a UUID"))?;
    let gno = gno.ok_or_else(|| Error::malformed("tagged GTID event without a number"))?;
    let gno = u64::try_from(gno)
        .ok()
        .filter(|g| (1..=cdc_model::GNO_MAX).contains(g))
        .ok_or_else(|| Error::malformed(format!("GTID transaction number {gno} out of range")))?;
    Ok(GtidEvent {
        gtid: Some(Gtid {
            source: uuid,
            tag,
            gno,
        }),
        flags,
        logical_clock: has_clock.then_some(clock),
        immediate_commit_timestamp: immediate,
        original_commit_timestamp: original.or(immediate),
        transaction_length: length,
        immediate_server_version: imm_version,
        original_server_version: orig_version.or(imm_version),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varlen_examples_from_the_format_description() {
        // 65535 unsigned: 3 bytes, "00000111 11111111 11111011" big-endian as printed
        let mut c = Cursor::new(&[0xfb, 0xff, 0x07]);
        assert_eq!(read_varlen_u64(&mut c).unwrap(), 65535);
        // 65535 signed, and -65535, -65536
        assert_eq!(
            read_varlen_i64(&mut Cursor::new(&[0xf3, 0xff, 0x0f])).unwrap(),
            65535
        );
        assert_eq!(
            read_varlen_i64(&mut Cursor::new(&[0xeb, 0xff, 0x0f])).unwrap(),
            -65535
        );
        assert_eq!(
            read_varlen_i64(&mut Cursor::new(&[0xfb, 0xff, 0x0f])).unwrap(),
            -65536
        );
        // nine bytes: first byte 0xff, then the full value
        let mut nine = vec![0xff];
        nine.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(read_varlen_u64(&mut Cursor::new(&nine)).unwrap(), u64::MAX);
        assert!(read_varlen_u64(&mut Cursor::new(&[0x01])).is_err());
    }
}
