//! Decompression of MariaDB compressed events (`log_bin_compress`): a one-byte header
//! (bit 7 set, bits 4-6 the algorithm, 0 = zlib; bits 0-2 how many bytes of big-endian
//! uncompressed length follow), the length, then a zlib stream.

use std::io::Read;

use crate::error::{Error, ErrorKind, Result};

/// Largest uncompressed size accepted (MariaDB's own limit is 4 GiB - 1; a larger claim is a
/// corrupt header, and we refuse to allocate for it up front).
const MAX_UNCOMPRESSED: usize = 1 << 32;

pub(crate) fn maria_uncompress(src: &[u8]) -> Result<Vec<u8>> {
    let (&head, rest) = src
        .split_first()
        .ok_or_else(|| Error::malformed("empty compressed payload"))?;
    if head & 0x80 == 0 || (head >> 4) & 0x07 != 0 {
        return Err(Error::malformed(format!(
            "unknown compression header byte {head:#04x}"
        )));
    }
    let lenlen = usize::from(head & 0x07);
    if !(1..=4).contains(&lenlen) {
        return Err(Error::malformed("compressed length must take 1 to 4 bytes"));
    }
    let len_bytes = rest
        .get(..lenlen)
        .ok_or_else(|| Error::malformed("compressed payload shorter than its length"))?;
    let len = len_bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    if len > MAX_UNCOMPRESSED {
        return Err(Error::malformed(
            "compressed payload claims more than 4 GiB",
        ));
    }
    let stream = rest.get(lenlen..).unwrap_or_default();
    let mut out = Vec::with_capacity(len.min(1 << 24));
    flate2::read::ZlibDecoder::new(stream)
        .take(len as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::new(ErrorKind::Decompress(e.to_string())))?;
    if out.len() != len {
        return Err(Error::new(ErrorKind::Decompress(format!(
            "expected {len} bytes, got {}",
            out.len()
        ))));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        let body = z.finish().unwrap();
        let len = (data.len() as u32).to_be_bytes();
        let mut out = vec![0x80 | 4];
        out.extend_from_slice(&len);
        out.extend(body);
        out
    }

    #[test]
    fn round_trips_zlib_payloads() {
        let data = b"INSERT INTO t VALUES (1), (2), (3)".repeat(10);
        assert_eq!(maria_uncompress(&compress(&data)).unwrap(), data);
    }

    #[test]
    fn rejects_bad_headers_and_lengths() {
        assert!(maria_uncompress(&[]).is_err());
        assert!(maria_uncompress(&[0x01, 0]).is_err());
        assert!(maria_uncompress(&[0x85]).is_err());
        let mut bad = compress(b"abc");
        bad[4] = 9; // claims 9 bytes, holds 3
        assert!(maria_uncompress(&bad).is_err());
    }
}
