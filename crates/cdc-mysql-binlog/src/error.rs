//! Decode errors: what went wrong, and where (file, offset, event, table, column).

use std::borrow::Cow;
use std::fmt;

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended before a field did.
    #[error("truncated: needed {needed} more bytes, {available} available")]
    Truncated {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// The input is not a binlog file (wrong magic number).
    #[error("not a binlog file: bad magic number")]
    BadMagic,
    /// A CRC32 event checksum did not match.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// The checksum in the event.
        stored: u32,
        /// The checksum of the event's bytes.
        computed: u32,
    },
    /// An event type this decoder does not know, which may carry row changes; dropping it
    /// silently could lose data.
    #[error("unknown event type {0} (it may change rows, so it is not skipped)")]
    UnknownEvent(u8),
    /// A column type code this decoder does not know.
    #[error("unsupported column type {0}")]
    UnsupportedColumnType(u8),
    /// A rows event names a table id no TABLE_MAP event defined.
    #[error("rows event for table id {0} without a preceding TABLE_MAP")]
    UnknownTable(u64),
    /// The binlog is encrypted (MariaDB START_ENCRYPTION); decryption is not supported.
    #[error("encrypted binlog (START_ENCRYPTION_EVENT): decryption is not supported")]
    Encrypted,
    /// Decompressing a compressed event or payload failed.
    #[error("decompression failed: {0}")]
    Decompress(String),
    /// Reading the input failed.
    #[error("read failed: {0}")]
    Io(String),
    /// Any other violation of the format.
    #[error("{0}")]
    Malformed(Cow<'static, str>),
}

/// A decode error with the position it happened at.
///
/// ```
/// use cdc_mysql_binlog::{Error, ErrorKind};
/// let e = Error::new(ErrorKind::BadMagic).at_offset(0).in_file("mysql-bin.000001");
/// assert_eq!(e.to_string(), "not a binlog file: bad magic number (at mysql-bin.000001:0)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    context: Box<Context>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Context {
    file: Option<String>,
    offset: Option<u64>,
    event_type: Option<u8>,
    table: Option<String>,
    column: Option<(usize, Option<String>)>,
}

impl Error {
    /// An error with no position yet.
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            kind,
            context: Box::default(),
        }
    }

    /// Shorthand for [`ErrorKind::Malformed`].
    pub fn malformed(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Malformed(msg.into()))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The binlog file, when known.
    pub fn file(&self) -> Option<&str> {
        self.context.file.as_deref()
    }

    /// Byte offset of the event in its file (or stream), when known.
    pub fn offset(&self) -> Option<u64> {
        self.context.offset
    }

    /// Type code of the event being decoded, when known.
    pub fn event_type(&self) -> Option<u8> {
        self.context.event_type
    }

    /// `db.table` of the rows being decoded, when known.
    pub fn table(&self) -> Option<&str> {
        self.context.table.as_deref()
    }

    /// Index (and name, when known) of the column being decoded.
    pub fn column(&self) -> Option<(usize, Option<&str>)> {
        self.context
            .column
            .as_ref()
            .map(|(i, n)| (*i, n.as_deref()))
    }

    /// Sets the file name unless one is set.
    pub fn in_file(mut self, file: &str) -> Error {
        self.context.file.get_or_insert_with(|| file.to_owned());
        self
    }

    /// Sets the event offset unless one is set.
    pub fn at_offset(mut self, offset: u64) -> Error {
        self.context.offset.get_or_insert(offset);
        self
    }

    /// Sets the event type unless one is set.
    pub fn in_event(mut self, type_code: u8) -> Error {
        self.context.event_type.get_or_insert(type_code);
        self
    }

    /// Sets the table unless one is set.
    pub fn in_table(mut self, table: impl FnOnce() -> String) -> Error {
        if self.context.table.is_none() {
            self.context.table = Some(table());
        }
        self
    }

    /// Sets the column unless one is set.
    pub fn in_column(mut self, index: usize, name: Option<&str>) -> Error {
        self.context
            .column
            .get_or_insert_with(|| (index, name.map(str::to_owned)));
        self
    }

    /// True when more input could complete what failed (a truncated event at the end of a file
    /// that is still being written).
    pub fn is_truncated(&self) -> bool {
        matches!(self.kind, ErrorKind::Truncated { .. })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        let c = &self.context;
        let mut parts: Vec<String> = Vec::new();
        match (&c.file, c.offset) {
            (Some(file), Some(off)) => parts.push(format!("at {file}:{off}")),
            (None, Some(off)) => parts.push(format!("at offset {off}")),
            (Some(file), None) => parts.push(format!("in {file}")),
            (None, None) => {}
        }
        if let Some(t) = c.event_type {
            parts.push(format!("event {}", crate::event_type_name(t)));
        }
        if let Some(t) = &c.table {
            parts.push(format!("table {t}"));
        }
        if let Some((i, name)) = &c.column {
            match name {
                Some(n) => parts.push(format!("column {i} `{n}`")),
                None => parts.push(format!("column {i}")),
            }
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
