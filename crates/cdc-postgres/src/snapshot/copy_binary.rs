//! A sans-IO parser of PostgreSQL's binary COPY format (`COPY ... TO STDOUT (FORMAT binary)`):
//! the 11-byte signature, flags and header extension, then tuples (a 16-bit field count, and
//! per field a 32-bit length, -1 for NULL, and that many bytes of the type's send form), then
//! the trailer (a field count of -1).
//!
//! Bytes go in as they arrive ([`CopyBinaryParser::push`]), in pieces of any size; tuples come
//! out as soon as they are whole ([`CopyBinaryParser::next_tuple`]), their fields zero-copy
//! slices of the buffer. Every violation of the format is a [`CopyBinaryError`] that says
//! what and at which byte offset of the stream; nothing panics.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

/// The 11-byte signature that opens every binary COPY stream.
pub const COPY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Flag bits 16..31 are critical: a reader that does not know one must stop. Bit 16 (every
/// tuple carries an OID, servers before 12 with `WITH OIDS`) is not supported either.
const CRITICAL_FLAGS: u32 = 0xFFFF_0000;
/// Header extensions larger than this are refused (PostgreSQL defines none).
const MAX_HEADER_EXTENSION: u32 = 1 << 20;

/// What was wrong with a binary COPY stream.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyBinaryErrorKind {
    /// The stream does not start with [`COPY_SIGNATURE`].
    #[error("bad signature (not a binary COPY stream)")]
    BadSignature,
    /// Critical flag bits this reader does not know (or OIDs, which it does not support).
    #[error("unsupported header flags {0:#010x}")]
    UnsupportedFlags(u32),
    /// A header extension larger than any this reader accepts.
    #[error("header extension of {0} bytes")]
    HeaderExtensionTooLong(u32),
    /// A tuple's field count is negative (other than the trailer's -1).
    #[error("bad field count {0}")]
    BadFieldCount(i16),
    /// A tuple has a different number of fields than expected.
    #[error("tuple has {got} fields, expected {expected}")]
    FieldCountMismatch {
        /// Fields the caller expected.
        expected: usize,
        /// Fields in the tuple.
        got: usize,
    },
    /// A field length below -1.
    #[error("bad field length {0}")]
    BadFieldLength(i32),
    /// Bytes after the trailer.
    #[error("{0} bytes after the trailer")]
    TrailingData(usize),
    /// The stream ended before its trailer (or in the middle of a header or tuple).
    #[error("the stream ended before the trailer ({0} bytes of an incomplete item left)")]
    Truncated(usize),
}

/// A binary COPY format error and the byte offset (from the start of the stream) of the item
/// it was found in.
///
/// ```
/// use cdc_postgres::{CopyBinaryErrorKind, CopyBinaryParser};
/// let mut p = CopyBinaryParser::new();
/// p.push(bytes::Bytes::from_static(b"PGCOPY\nXXXXXXXXXXXXXXX"));
/// let e = p.next_tuple().unwrap_err();
/// assert_eq!(e.kind(), &CopyBinaryErrorKind::BadSignature);
/// assert_eq!(e.offset(), 0);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CopyBinaryError {
    kind: CopyBinaryErrorKind,
    offset: u64,
}

impl CopyBinaryError {
    pub(super) fn new(kind: CopyBinaryErrorKind, offset: u64) -> Self {
        CopyBinaryError { kind, offset }
    }

    /// What was wrong.
    pub fn kind(&self) -> &CopyBinaryErrorKind {
        &self.kind
    }

    /// Byte offset in the stream of the header or tuple that was wrong.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for CopyBinaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind, self.offset)
    }
}

impl std::error::Error for CopyBinaryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Header,
    Tuples,
    Done,
    Failed,
}

/// Incremental parser of a binary COPY stream: bytes go in as they arrive, in pieces of any
/// size; tuples come out as soon as they are whole, their fields zero-copy slices. Every format
/// violation is a [`CopyBinaryError`] with the byte offset of the item it was found in.
///
/// ```
/// use bytes::Bytes;
/// use cdc_postgres::CopyBinaryParser;
///
/// let mut stream = b"PGCOPY\n\xff\r\n\0".to_vec();
/// stream.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // flags, header extension length
/// stream.extend_from_slice(&[0, 2]); // a tuple of 2 fields
/// stream.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 42]); // int4 42
/// stream.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]); // NULL
/// stream.extend_from_slice(&[0xff, 0xff]); // trailer
///
/// let mut p = CopyBinaryParser::new().expect_fields(2);
/// let (a, b) = stream.split_at(13); // any split works
/// p.push(Bytes::copy_from_slice(a));
/// assert_eq!(p.next_tuple()?, None); // needs more bytes
/// p.push(Bytes::copy_from_slice(b));
/// let tuple = p.next_tuple()?.unwrap();
/// assert_eq!(tuple, vec![Some(Bytes::from_static(&[0, 0, 0, 42])), None]);
/// assert_eq!(p.next_tuple()?, None);
/// p.finish()?; // the trailer was seen and nothing follows
/// # Ok::<(), cdc_postgres::CopyBinaryError>(())
/// ```
#[derive(Debug)]
pub struct CopyBinaryParser {
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    offset: u64,
    state: State,
    expected_fields: Option<usize>,
    tuples: u64,
}

impl Default for CopyBinaryParser {
    fn default() -> Self {
        Self::new()
    }
}

impl CopyBinaryParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        CopyBinaryParser {
            buf: BytesMut::new(),
            offset: 0,
            state: State::Header,
            expected_fields: None,
            tuples: 0,
        }
    }

    /// Requires every tuple to have `n` fields.
    pub fn expect_fields(mut self, n: usize) -> Self {
        self.expected_fields = Some(n);
        self
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: Bytes) {
        if self.buf.is_empty() {
            // Reuse the chunk's storage when nothing is pending (the common case of one
            // CopyData message per tuple still needs a copy into the parser's buffer, but
            // only one).
            self.buf = BytesMut::from(data);
        } else {
            self.buf.extend_from_slice(&data);
        }
    }

    /// Tuples returned so far.
    pub fn tuples(&self) -> u64 {
        self.tuples
    }

    /// True once the trailer has been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn fail(&mut self, kind: CopyBinaryErrorKind) -> CopyBinaryError {
        self.state = State::Failed;
        CopyBinaryError::new(kind, self.offset)
    }

    fn consume(&mut self, n: usize) -> BytesMut {
        self.offset += n as u64;
        self.buf.split_to(n)
    }

    /// The next whole tuple (`None` for NULL fields), or `Ok(None)` when more bytes are needed
    /// or the trailer has been read.
    pub fn next_tuple(&mut self) -> Result<Option<Vec<Option<Bytes>>>, CopyBinaryError> {
        loop {
            match self.state {
                State::Failed => {
                    return Err(CopyBinaryError::new(
                        CopyBinaryErrorKind::Truncated(self.buf.len()),
                        self.offset,
                    ));
                }
                State::Done => {
                    if !self.buf.is_empty() {
                        let n = self.buf.len();
                        return Err(self.fail(CopyBinaryErrorKind::TrailingData(n)));
                    }
                    return Ok(None);
                }
                State::Header => {
                    if !self.read_header()? {
                        return Ok(None);
                    }
                }
                State::Tuples => return self.read_tuple(),
            }
        }
    }

    /// Reads the header when it is all there; false when more bytes are needed.
    fn read_header(&mut self) -> Result<bool, CopyBinaryError> {
        let b = &self.buf[..];
        // Check the signature as far as it has arrived, so garbage fails early.
        let seen = b.len().min(COPY_SIGNATURE.len());
        if b.get(..seen) != COPY_SIGNATURE.get(..seen) {
            return Err(self.fail(CopyBinaryErrorKind::BadSignature));
        }
        let Some(fixed) = b.get(11..19) else {
            return Ok(false);
        };
        let mut fixed = fixed;
        let flags = fixed.get_u32();
        let ext_len = fixed.get_u32();
        if flags & CRITICAL_FLAGS != 0 {
            return Err(self.fail(CopyBinaryErrorKind::UnsupportedFlags(flags)));
        }
        if ext_len > MAX_HEADER_EXTENSION {
            return Err(self.fail(CopyBinaryErrorKind::HeaderExtensionTooLong(ext_len)));
        }
        let total = 19 + ext_len as usize;
        if self.buf.len() < total {
            return Ok(false);
        }
        self.consume(total);
        self.state = State::Tuples;
        Ok(true)
    }

    fn read_tuple(&mut self) -> Result<Option<Vec<Option<Bytes>>>, CopyBinaryError> {
        let b = &self.buf[..];
        let Some(mut head) = b.get(..2) else {
            return Ok(None);
        };
        let count = head.get_i16();
        if count == -1 {
            self.consume(2);
            self.state = State::Done;
            if !self.buf.is_empty() {
                let n = self.buf.len();
                return Err(self.fail(CopyBinaryErrorKind::TrailingData(n)));
            }
            return Ok(None);
        }
        if count < 0 {
            return Err(self.fail(CopyBinaryErrorKind::BadFieldCount(count)));
        }
        let count = count as usize;
        if let Some(expected) = self.expected_fields
            && expected != count
        {
            return Err(self.fail(CopyBinaryErrorKind::FieldCountMismatch {
                expected,
                got: count,
            }));
        }
        // First pass: find the fields' ranges without consuming, so an incomplete tuple
        // leaves the buffer as it was.
        let mut at = 2usize;
        let mut ranges: Vec<Option<(usize, usize)>> = Vec::with_capacity(count);
        for _ in 0..count {
            let Some(mut len) = b.get(at..at + 4) else {
                return Ok(None);
            };
            let len = len.get_i32();
            at += 4;
            match len {
                -1 => ranges.push(None),
                l if l < -1 => return Err(self.fail(CopyBinaryErrorKind::BadFieldLength(l))),
                l => {
                    let l = l as usize;
                    if b.len() < at + l {
                        return Ok(None);
                    }
                    ranges.push(Some((at, l)));
                    at += l;
                }
            }
        }
        let tuple = self.consume(at).freeze();
        self.tuples += 1;
        Ok(Some(
            ranges
                .into_iter()
                .map(|r| r.map(|(start, len)| tuple.slice(start..start + len)))
                .collect(),
        ))
    }

    /// Checks that the stream ended properly: the trailer was read and nothing follows it.
    pub fn finish(&self) -> Result<(), CopyBinaryError> {
        match self.state {
            State::Done if self.buf.is_empty() => Ok(()),
            State::Done => Err(CopyBinaryError::new(
                CopyBinaryErrorKind::TrailingData(self.buf.len()),
                self.offset,
            )),
            _ => Err(CopyBinaryError::new(
                CopyBinaryErrorKind::Truncated(self.buf.len()),
                self.offset,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn header() -> Vec<u8> {
        let mut h = COPY_SIGNATURE.to_vec();
        h.extend_from_slice(&[0; 8]);
        h
    }

    fn tuple(fields: &[Option<&[u8]>]) -> Vec<u8> {
        let mut t = (fields.len() as i16).to_be_bytes().to_vec();
        for f in fields {
            match f {
                None => t.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(b) => {
                    t.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    t.extend_from_slice(b);
                }
            }
        }
        t
    }

    fn stream() -> Vec<u8> {
        let mut s = header();
        s.extend(tuple(&[Some(b"abc"), None, Some(b"")]));
        s.extend(tuple(&[Some(b"x"), Some(b"yz"), None]));
        s.extend_from_slice(&[0xff, 0xff]);
        s
    }

    fn parse_all(p: &mut CopyBinaryParser) -> Result<Vec<Vec<Option<Bytes>>>, CopyBinaryError> {
        let mut out = Vec::new();
        while let Some(t) = p.next_tuple()? {
            out.push(t);
        }
        Ok(out)
    }

    #[test]
    fn every_split_point_gives_the_same_tuples() {
        let s = stream();
        let mut whole = CopyBinaryParser::new().expect_fields(3);
        whole.push(Bytes::from(s.clone()));
        let expected = parse_all(&mut whole).unwrap();
        whole.finish().unwrap();
        assert_eq!(expected.len(), 2);
        assert_eq!(expected[0][0].as_deref(), Some(&b"abc"[..]));
        assert_eq!(expected[0][1], None);
        assert_eq!(expected[0][2].as_deref(), Some(&b""[..]));
        for cut in 0..=s.len() {
            for cut2 in cut..=s.len() {
                let mut p = CopyBinaryParser::new();
                let mut got = Vec::new();
                for piece in [&s[..cut], &s[cut..cut2], &s[cut2..]] {
                    p.push(Bytes::copy_from_slice(piece));
                    got.extend(parse_all(&mut p).unwrap());
                }
                assert_eq!(got, expected, "cuts {cut} {cut2}");
                p.finish().unwrap();
            }
        }
    }

    #[test]
    fn header_extension_is_skipped() {
        let mut s = COPY_SIGNATURE.to_vec();
        s.extend_from_slice(&0u32.to_be_bytes());
        s.extend_from_slice(&3u32.to_be_bytes());
        s.extend_from_slice(b"ext");
        s.extend(tuple(&[Some(b"1")]));
        s.extend_from_slice(&[0xff, 0xff]);
        let mut p = CopyBinaryParser::new();
        p.push(Bytes::from(s));
        assert_eq!(parse_all(&mut p).unwrap().len(), 1);
        p.finish().unwrap();
    }

    fn error_of(s: Vec<u8>, fields: Option<usize>) -> CopyBinaryError {
        let mut p = CopyBinaryParser::new();
        if let Some(n) = fields {
            p = p.expect_fields(n);
        }
        p.push(Bytes::from(s));
        match parse_all(&mut p) {
            Err(e) => {
                // a failed parser stays failed
                assert!(p.next_tuple().is_err());
                e
            }
            Ok(_) => p.finish().unwrap_err(),
        }
    }

    #[test]
    fn malformed_streams_are_typed_errors_with_offsets() {
        // not a binary COPY at all (text COPY output)
        let e = error_of(b"1\tabc\n".to_vec(), None);
        assert_eq!(e.kind(), &CopyBinaryErrorKind::BadSignature);
        assert_eq!(e.offset(), 0);
        // OIDs flag and unknown critical flags
        let mut s = COPY_SIGNATURE.to_vec();
        s.extend_from_slice(&(1u32 << 16).to_be_bytes());
        s.extend_from_slice(&[0; 4]);
        assert_eq!(
            error_of(s, None).kind(),
            &CopyBinaryErrorKind::UnsupportedFlags(1 << 16)
        );
        // absurd header extension
        let mut s = COPY_SIGNATURE.to_vec();
        s.extend_from_slice(&[0; 4]);
        s.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            error_of(s, None).kind(),
            &CopyBinaryErrorKind::HeaderExtensionTooLong(u32::MAX)
        );
        // negative field count
        let mut s = header();
        s.extend_from_slice(&(-2i16).to_be_bytes());
        let e = error_of(s, None);
        assert_eq!(e.kind(), &CopyBinaryErrorKind::BadFieldCount(-2));
        assert_eq!(e.offset(), 19);
        // field length below -1, in the second tuple
        let mut s = header();
        s.extend(tuple(&[Some(b"ok")]));
        s.extend_from_slice(&1i16.to_be_bytes());
        s.extend_from_slice(&(-7i32).to_be_bytes());
        let e = error_of(s, None);
        assert_eq!(e.kind(), &CopyBinaryErrorKind::BadFieldLength(-7));
        assert_eq!(e.offset(), 19 + 2 + 4 + 2);
        // wrong number of fields
        let mut s = header();
        s.extend(tuple(&[Some(b"a"), Some(b"b")]));
        assert_eq!(
            error_of(s, Some(3)).kind(),
            &CopyBinaryErrorKind::FieldCountMismatch {
                expected: 3,
                got: 2
            }
        );
        // data after the trailer
        let mut s = stream();
        s.push(0);
        assert_eq!(
            error_of(s, None).kind(),
            &CopyBinaryErrorKind::TrailingData(1)
        );
        // the stream ends inside a tuple, or without a trailer
        let s = stream();
        let e = error_of(s[..s.len() - 4].to_vec(), None);
        assert!(matches!(e.kind(), CopyBinaryErrorKind::Truncated(n) if *n > 0));
        let e = error_of(s[..s.len() - 2].to_vec(), None);
        assert_eq!(e.kind(), &CopyBinaryErrorKind::Truncated(0));
        // an empty stream has no header
        assert_eq!(
            error_of(Vec::new(), None).kind(),
            &CopyBinaryErrorKind::Truncated(0)
        );
        assert!(
            error_of(stream()[..5].to_vec(), None)
                .to_string()
                .contains("at byte 0")
        );
    }
}
