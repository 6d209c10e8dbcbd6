//! A bounds-checked little-endian reader over a byte slice: every read either succeeds or
//! returns [`ErrorKind::Truncated`], never panics.

use crate::error::{Error, ErrorKind, Result};

/// Reads fields front to back from a byte slice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Bytes read so far.
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    #[cold]
    fn truncated(&self, needed: usize) -> Error {
        Error::new(ErrorKind::Truncated {
            needed,
            available: self.remaining(),
        })
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.truncated(n))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| self.truncated(n))?;
        self.pos = end;
        Ok(s)
    }

    /// The range of the next `n` bytes, consumed (for zero-copy slicing of a `Bytes`).
    #[inline]
    pub(crate) fn take_range(&mut self, n: usize) -> Result<std::ops::Range<usize>> {
        let start = self.pos;
        self.take(n)?;
        Ok(start..self.pos)
    }

    #[inline]
    pub(crate) fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    #[inline]
    pub(crate) fn take_rest(&mut self) -> &'a [u8] {
        let s = self.rest();
        self.pos = self.buf.len();
        s
    }

    #[inline]
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn u48(&mut self) -> Result<u64> {
        let [a, b, c, d, e, f] = self.array()?;
        Ok(u64::from_le_bytes([a, b, c, d, e, f, 0, 0]))
    }

    #[inline]
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Unsigned little-endian integer of `n` (1..=8) bytes.
    #[inline]
    pub(crate) fn uint_n(&mut self, n: usize) -> Result<u64> {
        let s = self.take(n)?;
        Ok(s.iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// MySQL length-encoded integer (packed integer): 1, 3, 4 or 9 bytes.
    #[inline]
    pub(crate) fn packed_int(&mut self) -> Result<u64> {
        match self.u8()? {
            b @ 0..=0xfa => Ok(u64::from(b)),
            0xfc => Ok(u64::from(self.u16()?)),
            0xfd => Ok(u64::from(self.u24()?)),
            0xfe => self.u64(),
            _ => Err(Error::malformed("invalid packed integer prefix 0xfb/0xff")),
        }
    }

    /// A packed integer that must fit in `usize` and be at most the bytes left (a length).
    #[inline]
    pub(crate) fn packed_len(&mut self) -> Result<usize> {
        let n = self.packed_int()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.remaining())
            .ok_or_else(|| self.truncated(usize::try_from(n).unwrap_or(usize::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fail_cleanly_past_the_end() {
        let mut c = Cursor::new(&[1, 2, 3]);
        assert_eq!(c.u16().unwrap(), 0x0201);
        assert!(matches!(
            c.u16().unwrap_err().kind(),
            ErrorKind::Truncated {
                needed: 2,
                available: 1
            }
        ));
        assert_eq!(c.u8().unwrap(), 3);
        assert!(c.take(usize::MAX).is_err());
    }

    #[test]
    fn packed_integers() {
        assert_eq!(Cursor::new(&[0xfa]).packed_int().unwrap(), 250);
        assert_eq!(
            Cursor::new(&[0xfc, 0x34, 0x12]).packed_int().unwrap(),
            0x1234
        );
        assert_eq!(
            Cursor::new(&[0xfd, 1, 2, 3]).packed_int().unwrap(),
            0x030201
        );
        assert_eq!(
            Cursor::new(&[0xfe, 1, 0, 0, 0, 0, 0, 0, 0x80])
                .packed_int()
                .unwrap(),
            0x8000_0000_0000_0001
        );
        assert!(Cursor::new(&[0xfb]).packed_int().is_err());
        assert!(Cursor::new(&[0x05, 1]).packed_len().is_err());
    }
}
