//! A bounds-checked big-endian (network order) reader over [`Bytes`]: every read either
//! succeeds or returns [`ErrorKind::Truncated`], never panics. Byte fields are zero-copy
//! slices of the input.

use bytes::Bytes;

use crate::error::{Error, ErrorKind, Result};

/// Reads fields front to back.
#[derive(Clone, Debug)]
pub(crate) struct Cursor<'a> {
    buf: &'a Bytes,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a Bytes) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn truncated(&self, needed: usize) -> Error {
        Error::new(ErrorKind::Truncated {
            needed,
            available: self.remaining(),
        })
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.truncated(n))?;
        let buf: &'a Bytes = self.buf;
        let s = buf.get(self.pos..end).ok_or_else(|| self.truncated(n))?;
        self.pos = end;
        Ok(s)
    }

    /// The next `n` bytes as a slice of the input `Bytes`, consumed.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<Bytes> {
        let start = self.pos;
        self.take(n)?;
        Ok(self.buf.slice(start..self.pos))
    }

    /// The bytes not read yet, not consumed.
    #[inline]
    pub(crate) fn peek_rest(&self) -> &'a [u8] {
        let buf: &'a Bytes = self.buf;
        buf.get(self.pos..).unwrap_or_default()
    }

    /// Skips `skip` bytes and returns the `len` after them as a slice of the input, consumed;
    /// `None` (nothing consumed) when they are not all there.
    #[inline]
    pub(crate) fn skip_then_bytes(&mut self, skip: usize, len: usize) -> Option<Bytes> {
        let start = self.pos.checked_add(skip)?;
        let end = start.checked_add(len)?;
        if end > self.buf.len() {
            return None;
        }
        self.pos = end;
        Some(self.buf.slice(start..end))
    }

    /// Everything left, consumed.
    pub(crate) fn rest(&mut self) -> Bytes {
        let start = self.pos.min(self.buf.len());
        self.pos = self.buf.len();
        self.buf.slice(start..)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    pub(crate) fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A NUL-terminated string (the terminator is consumed, not returned), as UTF-8.
    pub(crate) fn cstr(&mut self) -> Result<String> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(nul) = rest.iter().position(|b| *b == 0) else {
            return Err(Error::malformed("string without a NUL terminator"));
        };
        let s = self.take(nul)?;
        self.pos = self.pos.saturating_add(1);
        String::from_utf8(s.to_vec()).map_err(|_| Error::malformed("string is not UTF-8"))
    }

    /// Fails with [`ErrorKind::TrailingBytes`] unless everything was read.
    pub(crate) fn finish(&self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(Error::new(ErrorKind::TrailingBytes(n))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fail_cleanly_past_the_end() {
        let b = Bytes::from_static(&[0, 1, 2, b'a', 0, b'b']);
        let mut c = Cursor::new(&b);
        assert_eq!(c.u16().unwrap(), 1);
        assert!(c.i64().unwrap_err().is_truncated());
        assert_eq!(c.u8().unwrap(), 2);
        assert_eq!(c.cstr().unwrap(), "a");
        assert!(c.cstr().is_err());
        assert!(c.take(usize::MAX).is_err());
        assert_eq!(c.rest(), Bytes::from_static(b"b"));
        c.finish().unwrap();
    }
}
