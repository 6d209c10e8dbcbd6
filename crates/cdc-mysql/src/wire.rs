//! Small sans-IO pieces of the client/server protocol: a cursor over a packet payload
//! (length-encoded integers and strings), `OK`/`EOF` packets, column definitions.

use std::sync::Arc;

use crate::error::{Error, Result};

/// Reads a packet payload front to back; every read checks the length.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Cursor<'a> {
        Cursor { buf, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                Error::protocol(format!(
                    "packet too short: {n} bytes needed at {}, {} left",
                    self.pos,
                    self.remaining()
                ))
            })?;
        let s = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        s
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        <[u8; N]>::try_from(s).map_err(|_| Error::protocol("short read"))
    }

    /// A length-encoded integer; `None` for the `0xFB` NULL marker.
    pub(crate) fn lenenc_or_null(&mut self) -> Result<Option<u64>> {
        let first = self.u8()?;
        Ok(Some(match first {
            0xFB => return Ok(None),
            0xFC => u64::from(self.u16()?),
            0xFD => {
                let b: [u8; 3] = self.array()?;
                u64::from(b[0]) | u64::from(b[1]) << 8 | u64::from(b[2]) << 16
            }
            0xFE => self.u64()?,
            0xFF => return Err(Error::protocol("0xFF is not a length-encoded integer")),
            n => u64::from(n),
        }))
    }

    pub(crate) fn lenenc(&mut self) -> Result<u64> {
        self.lenenc_or_null()?
            .ok_or_else(|| Error::protocol("unexpected NULL length"))
    }

    pub(crate) fn lenenc_bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.lenenc()?;
        self.take(usize::try_from(n).map_err(|_| Error::protocol("length overflows"))?)
    }
}

pub(crate) fn put_lenenc(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=250 => out.push(n as u8),
        251..=0xFFFF => {
            out.push(0xFC);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xFF_FFFF => {
            out.push(0xFD);
            out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
        }
        _ => {
            out.push(0xFE);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

pub(crate) fn put_lenenc_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_lenenc(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Server status flags (`SERVER_STATUS_*`) this crate looks at.
pub(crate) mod status {
    pub(crate) const IN_TRANS: u16 = 0x0001;
    pub(crate) const MORE_RESULTS_EXISTS: u16 = 0x0008;
}

/// What an `OK` packet (or the `EOF`/`OK` that ends a result set) reported.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct OkPacket {
    /// Rows changed, deleted or inserted (for `UPDATE`, rows matched when the client asked
    /// for found rows; this client does not).
    pub affected_rows: u64,
    /// `LAST_INSERT_ID()` of the statement, when it generated one.
    pub last_insert_id: u64,
    /// Server status flags (`SERVER_STATUS_*`).
    pub status: u16,
    /// Number of warnings (`SHOW WARNINGS`).
    pub warnings: u16,
    /// Human-readable information (`Records: 3  Duplicates: 0  Warnings: 0`).
    pub info: String,
}

impl OkPacket {
    /// Parses an OK packet (`0x00` or, ending a result set with `CLIENT_DEPRECATE_EOF`,
    /// `0xFE` header).
    pub(crate) fn parse(payload: &[u8]) -> Result<OkPacket> {
        let mut c = Cursor::new(payload);
        let header = c.u8()?;
        if header != 0x00 && header != 0xFE {
            return Err(Error::protocol(format!(
                "OK packet with header {header:#04x}"
            )));
        }
        let affected_rows = c.lenenc()?;
        let last_insert_id = c.lenenc()?;
        let status = c.u16()?;
        let warnings = c.u16()?;
        // The info string (CLIENT_SESSION_TRACK is not requested, so it is the rest).
        let info = String::from_utf8_lossy(c.rest()).into_owned();
        Ok(OkPacket {
            affected_rows,
            last_insert_id,
            status,
            warnings,
            info,
        })
    }

    /// An old-style `EOF` packet: `0xFE`, warnings, status.
    pub(crate) fn parse_eof(payload: &[u8]) -> Result<OkPacket> {
        let mut c = Cursor::new(payload);
        if c.u8()? != 0xFE {
            return Err(Error::protocol("EOF packet expected"));
        }
        // A 4.0 server's EOF is one byte; protocol 4.1 adds warnings and status.
        let (warnings, status) = if c.remaining() >= 4 {
            (c.u16()?, c.u16()?)
        } else {
            (0, 0)
        };
        Ok(OkPacket {
            status,
            warnings,
            ..OkPacket::default()
        })
    }

    /// Whether another result set follows.
    pub fn more_results(&self) -> bool {
        self.status & status::MORE_RESULTS_EXISTS != 0
    }
}

/// True for a packet that ends a result set's rows or column list: `0xFE` and shorter than a
/// full packet (a row starting with `0xFE` is a value of 16 MiB or more).
pub(crate) fn is_eof_or_ok_terminator(payload: &[u8]) -> bool {
    payload.first() == Some(&0xFE) && payload.len() < 0xFF_FFFF
}

/// MySQL column types (`MYSQL_TYPE_*`) as result set metadata reports them.
pub mod column_types {
    #![allow(missing_docs)]
    pub const DECIMAL: u8 = 0;
    pub const TINY: u8 = 1;
    pub const SHORT: u8 = 2;
    pub const LONG: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const DOUBLE: u8 = 5;
    pub const NULL: u8 = 6;
    pub const TIMESTAMP: u8 = 7;
    pub const LONGLONG: u8 = 8;
    pub const INT24: u8 = 9;
    pub const DATE: u8 = 10;
    pub const TIME: u8 = 11;
    pub const DATETIME: u8 = 12;
    pub const YEAR: u8 = 13;
    pub const NEWDATE: u8 = 14;
    pub const VARCHAR: u8 = 15;
    pub const BIT: u8 = 16;
    pub const TIMESTAMP2: u8 = 17;
    pub const DATETIME2: u8 = 18;
    pub const TIME2: u8 = 19;
    pub const VECTOR: u8 = 242;
    pub const JSON: u8 = 245;
    pub const NEWDECIMAL: u8 = 246;
    pub const ENUM: u8 = 247;
    pub const SET: u8 = 248;
    pub const TINY_BLOB: u8 = 249;
    pub const MEDIUM_BLOB: u8 = 250;
    pub const LONG_BLOB: u8 = 251;
    pub const BLOB: u8 = 252;
    pub const VAR_STRING: u8 = 253;
    pub const STRING: u8 = 254;
    pub const GEOMETRY: u8 = 255;
}

/// Column definition flags (`*_FLAG`) this crate exposes.
pub mod column_flags {
    /// `NOT NULL`.
    pub const NOT_NULL: u16 = 0x0001;
    /// Part of the primary key.
    pub const PRI_KEY: u16 = 0x0002;
    /// Part of a unique key.
    pub const UNIQUE_KEY: u16 = 0x0004;
    /// Part of a non-unique key.
    pub const MULTIPLE_KEY: u16 = 0x0008;
    /// A BLOB or TEXT column.
    pub const BLOB: u16 = 0x0010;
    /// Unsigned number.
    pub const UNSIGNED: u16 = 0x0020;
    /// ZEROFILL.
    pub const ZEROFILL: u16 = 0x0040;
    /// Binary string (or binary collation).
    pub const BINARY: u16 = 0x0080;
    /// An `ENUM` column.
    pub const ENUM: u16 = 0x0100;
    /// `AUTO_INCREMENT`.
    pub const AUTO_INCREMENT: u16 = 0x0200;
    /// A `TIMESTAMP` column.
    pub const TIMESTAMP: u16 = 0x0400;
    /// A `SET` column.
    pub const SET: u16 = 0x0800;
}

/// The collation id of the `binary` character set: a string column with it holds bytes.
pub const BINARY_COLLATION: u16 = 63;

/// A result set column (a `ColumnDefinition41` packet).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Column {
    /// Database of the table the column comes from (empty for expressions).
    pub schema: String,
    /// Table alias (empty for expressions).
    pub table: String,
    /// Original table name.
    pub org_table: String,
    /// Column label (alias).
    pub name: String,
    /// Original column name.
    pub org_name: String,
    /// Collation id of the values (63 = binary).
    pub collation: u16,
    /// Maximum display length.
    pub length: u32,
    /// Type code (see [`column_types`]).
    pub column_type: u8,
    /// Flags (see [`column_flags`]).
    pub flags: u16,
    /// Number of decimals (scale of a DECIMAL, fractional seconds of a temporal; 31 or 39
    /// for "not fixed").
    pub decimals: u8,
}

impl Column {
    pub(crate) fn parse(payload: &[u8]) -> Result<Column> {
        let mut c = Cursor::new(payload);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let catalog = c.lenenc_bytes()?;
        if catalog != b"def" {
            return Err(Error::protocol("column definition without catalog `def`"));
        }
        let schema = text(c.lenenc_bytes()?);
        let table = text(c.lenenc_bytes()?);
        let org_table = text(c.lenenc_bytes()?);
        let name = text(c.lenenc_bytes()?);
        let org_name = text(c.lenenc_bytes()?);
        let fixed = c.lenenc()?;
        if fixed < 0x0C {
            return Err(Error::protocol("column definition with a short fixed part"));
        }
        let collation = c.u16()?;
        let length = c.u32()?;
        let column_type = c.u8()?;
        let flags = c.u16()?;
        let decimals = c.u8()?;
        Ok(Column {
            schema,
            table,
            org_table,
            name,
            org_name,
            collation,
            length,
            column_type,
            flags,
            decimals,
        })
    }

    /// Whether the column is an unsigned number.
    pub fn is_unsigned(&self) -> bool {
        self.flags & column_flags::UNSIGNED != 0
    }

    /// Whether a string column holds bytes (the binary collation).
    pub fn is_binary(&self) -> bool {
        self.collation == BINARY_COLLATION
    }
}

/// A row's columns, shared by the rows of one result set.
pub type Columns = Arc<[Column]>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lenenc_round_trips_at_every_width() {
        for n in [
            0,
            250,
            251,
            0xFFFF,
            0x1_0000,
            0xFF_FFFF,
            0x100_0000,
            u64::MAX,
        ] {
            let mut b = Vec::new();
            put_lenenc(&mut b, n);
            let mut c = Cursor::new(&b);
            assert_eq!(c.lenenc().unwrap(), n);
            assert!(c.is_empty());
        }
        assert_eq!(Cursor::new(&[0xFB]).lenenc_or_null().unwrap(), None);
        assert!(Cursor::new(&[0xFC, 1]).lenenc().is_err());
        assert!(Cursor::new(&[0xFF]).lenenc().is_err());
    }

    #[test]
    fn ok_and_eof_packets() {
        let ok = OkPacket::parse(&[0, 3, 0xFC, 0x10, 0x27, 0x0A, 0, 1, 0, b'h', b'i']).unwrap();
        assert_eq!(ok.affected_rows, 3);
        assert_eq!(ok.last_insert_id, 10_000);
        assert!(ok.more_results());
        assert_eq!(ok.warnings, 1);
        assert_eq!(ok.info, "hi");
        let eof = OkPacket::parse_eof(&[0xFE, 2, 0, 0x02, 0]).unwrap();
        assert_eq!((eof.warnings, eof.status), (2, 2));
        assert!(OkPacket::parse(&[0, 1]).is_err());
        assert!(is_eof_or_ok_terminator(&[0xFE, 0, 0, 0, 0]));
        assert!(!is_eof_or_ok_terminator(&[0x00]));
    }
}
