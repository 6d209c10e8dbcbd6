//! Reading events from a whole binlog file in memory (zero-copy) or from any `std::io::Read`
//! (plain or gzip-compressed), with their positions.

use std::io::Read;

use bytes::Bytes;

use crate::decoder::{Decoder, Event, read_event};
use crate::error::{Error, ErrorKind, Result};
use crate::header::{MAGIC, frame_len};

/// Events of a binlog held in memory, decoded one by one; each event's bytes are slices of the
/// input, so row values borrow from it without copying.
///
/// ```no_run
/// use cdc_mysql_binlog::BinlogBytes;
/// let data = std::fs::read("mysql-bin.000001").unwrap();
/// for event in BinlogBytes::new(data.into(), "mysql-bin.000001").unwrap() {
///     let event = event.unwrap();
///     println!("{} {:?}", event.offset, event.header.type_code);
/// }
/// ```
#[derive(Debug)]
pub struct BinlogBytes {
    data: Bytes,
    pos: usize,
    decoder: Decoder,
    done: bool,
}

impl BinlogBytes {
    /// Starts after the magic number of a whole binlog file named `file` (the name is used in
    /// positions and errors). Gzip-compressed input is inflated first.
    pub fn new(data: Bytes, file: &str) -> Result<BinlogBytes> {
        let data = if data.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&data[..])
                .read_to_end(&mut out)
                .map_err(|e| Error::new(ErrorKind::Decompress(e.to_string())).in_file(file))?;
            Bytes::from(out)
        } else {
            data
        };
        if !data.starts_with(&MAGIC) {
            return Err(Error::new(ErrorKind::BadMagic).in_file(file).at_offset(0));
        }
        let mut decoder = Decoder::new();
        decoder.set_file(file);
        decoder.set_follow_rotations(false);
        Ok(BinlogBytes {
            data,
            pos: MAGIC.len(),
            decoder,
            done: false,
        })
    }

    /// The decoder, e.g. to supply schemas or decode transaction payloads.
    pub fn decoder(&mut self) -> &mut Decoder {
        &mut self.decoder
    }

    /// Byte offset of the next event.
    pub fn position(&self) -> u64 {
        self.pos as u64
    }

    /// The next event and the decoder (to read a transaction payload's events with).
    pub fn next_with_decoder(&mut self) -> Option<(Result<Event>, &mut Decoder)> {
        let ev = self.next()?;
        Some((ev, &mut self.decoder))
    }
}

impl Iterator for BinlogBytes {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        let offset = self.pos as u64;
        let fail = |e: Error, dec: &Decoder| {
            let e = e.at_offset(offset);
            match dec.file() {
                Some(f) => e.in_file(f),
                None => e,
            }
        };
        let n = match frame_len(rest) {
            Ok(Some(n)) => n,
            Ok(None) => {
                self.done = true;
                let needed = if rest.len() < crate::header::HEADER_LEN {
                    crate::header::HEADER_LEN
                } else {
                    crate::header::EventHeader::parse(rest)
                        .map(|h| h.event_size as usize)
                        .unwrap_or(0)
                };
                return Some(Err(fail(
                    Error::new(ErrorKind::Truncated {
                        needed,
                        available: rest.len(),
                    }),
                    &self.decoder,
                )));
            }
            Err(e) => {
                self.done = true;
                return Some(Err(fail(e, &self.decoder)));
            }
        };
        let raw = self.data.slice(self.pos..self.pos + n);
        self.pos += n;
        let r = self.decoder.decode(raw, offset);
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

/// Events read from any `std::io::Read` (a file, a pipe, a gzip stream), one event in memory
/// at a time.
#[derive(Debug)]
pub struct BinlogReader<R> {
    input: R,
    pos: u64,
    decoder: Decoder,
    done: bool,
}

impl<R: Read> BinlogReader<R> {
    /// Reads and checks the magic number; `file` names the input in positions and errors.
    pub fn new(mut input: R, file: &str) -> Result<BinlogReader<R>> {
        let mut magic = [0u8; 4];
        input
            .read_exact(&mut magic)
            .map_err(|_| Error::new(ErrorKind::BadMagic).in_file(file).at_offset(0))?;
        if magic != MAGIC {
            return Err(Error::new(ErrorKind::BadMagic).in_file(file).at_offset(0));
        }
        let mut decoder = Decoder::new();
        decoder.set_file(file);
        decoder.set_follow_rotations(false);
        Ok(BinlogReader {
            input,
            pos: MAGIC.len() as u64,
            decoder,
            done: false,
        })
    }

    /// The decoder, e.g. to supply schemas or decode transaction payloads.
    pub fn decoder(&mut self) -> &mut Decoder {
        &mut self.decoder
    }
}

impl<R: Read> Iterator for BinlogReader<R> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let offset = self.pos;
        match read_event(&mut self.input) {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(raw)) => {
                self.pos += raw.len() as u64;
                let r = self.decoder.decode(raw, offset);
                if r.is_err() {
                    self.done = true;
                }
                Some(r)
            }
            Err(e) => {
                self.done = true;
                let e = e.at_offset(offset);
                Some(Err(match self.decoder.file() {
                    Some(f) => e.in_file(f),
                    None => e,
                }))
            }
        }
    }
}
