//! Decode errors: what went wrong, and where (LSN, message type, relation, column).

use std::borrow::Cow;
use std::fmt;

use cdc_model::Lsn;

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
    /// Bytes were left over after a message that has a fixed layout.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// A replication (CopyData) message type this decoder does not know.
    #[error("unknown replication message type {0:#04x}")]
    UnknownReplicationMessage(u8),
    /// A pgoutput message type this decoder does not know. Unknown messages may change rows,
    /// so they are not skipped.
    #[error("unknown pgoutput message type {0:#04x}")]
    UnknownMessage(u8),
    /// A message that the negotiated protocol version does not have (stream messages before
    /// v2, two-phase messages before v3).
    #[error("message needs protocol version {needed}, negotiated {negotiated}")]
    ProtocolVersion {
        /// The lowest version that has the message.
        needed: u32,
        /// The version the decoder was configured with.
        negotiated: u32,
    },
    /// A protocol version this decoder does not speak (it knows 1 to 4).
    #[error("unsupported protocol version {0} (1 to 4 are known)")]
    UnsupportedVersion(u32),
    /// A message arrived that is not allowed in the current stream state (Stream Start inside a
    /// stream, Stream Stop outside one, ...).
    #[error("unexpected in this stream state: {0}")]
    StreamState(&'static str),
    /// A row message names a relation id no Relation message defined.
    #[error("no Relation message for relation id {0}")]
    UnknownRelation(u32),
    /// A tuple has a different number of columns than its Relation message.
    #[error("tuple has {got} columns, relation has {expected}")]
    ColumnCount {
        /// Columns in the Relation message.
        expected: usize,
        /// Columns in the tuple.
        got: usize,
    },
    /// A column value could not be read as its type.
    #[error("bad {type_name} value: {reason}")]
    BadValue {
        /// The PostgreSQL type.
        type_name: Cow<'static, str>,
        /// Why.
        reason: Cow<'static, str>,
    },
    /// Any other violation of the format.
    #[error("{0}")]
    Malformed(Cow<'static, str>),
}

/// A decode error with the position it happened at.
///
/// ```
/// use cdc_model::Lsn;
/// use cdc_pgoutput::{Error, ErrorKind};
/// let e = Error::new(ErrorKind::UnknownRelation(16384)).at_lsn(Lsn(0x16_B374_D848)).in_message(b'I');
/// assert_eq!(e.to_string(), "no Relation message for relation id 16384 (at 16/B374D848, message 'I' Insert)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    context: Box<Context>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Context {
    lsn: Option<Lsn>,
    message_type: Option<u8>,
    relation: Option<String>,
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

    /// Shorthand for [`ErrorKind::BadValue`].
    pub fn bad_value(
        type_name: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Error {
        Error::new(ErrorKind::BadValue {
            type_name: type_name.into(),
            reason: reason.into(),
        })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// WAL position of the message (the XLogData start), when known.
    pub fn lsn(&self) -> Option<Lsn> {
        self.context.lsn
    }

    /// Type byte of the pgoutput or replication message being decoded, when known.
    pub fn message_type(&self) -> Option<u8> {
        self.context.message_type
    }

    /// `schema.table` (or `relation id N`) of the row being decoded, when known.
    pub fn relation(&self) -> Option<&str> {
        self.context.relation.as_deref()
    }

    /// Index (and name, when known) of the column being decoded.
    pub fn column(&self) -> Option<(usize, Option<&str>)> {
        self.context
            .column
            .as_ref()
            .map(|(i, n)| (*i, n.as_deref()))
    }

    /// Sets the LSN unless one is set.
    pub fn at_lsn(mut self, lsn: Lsn) -> Error {
        self.context.lsn.get_or_insert(lsn);
        self
    }

    /// Sets the message type unless one is set.
    pub fn in_message(mut self, type_byte: u8) -> Error {
        self.context.message_type.get_or_insert(type_byte);
        self
    }

    /// Sets the relation unless one is set.
    pub fn in_relation(mut self, relation: impl FnOnce() -> String) -> Error {
        if self.context.relation.is_none() {
            self.context.relation = Some(relation());
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

    /// True when the input ended early.
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
        if let Some(lsn) = c.lsn {
            parts.push(format!("at {lsn}"));
        }
        if let Some(t) = c.message_type {
            parts.push(format!(
                "message '{}' {}",
                char::from(t).escape_default(),
                crate::message::message_type_name(t)
            ));
        }
        if let Some(r) = &c.relation {
            parts.push(format!("relation {r}"));
        }
        if let Some((i, name)) = &c.column {
            match name {
                Some(n) => parts.push(format!("column {i} \"{n}\"")),
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
