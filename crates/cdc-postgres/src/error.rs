//! Errors: I/O, protocol violations, authentication failures, and the server's own errors
//! ([`DbError`]) with every field of an `ErrorResponse`.

use std::borrow::Cow;
use std::fmt;

use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend::ErrorFields;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading from or writing to the stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The server closed the connection.
    #[error("the server closed the connection")]
    Closed,
    /// The server answered with an `ErrorResponse`.
    #[error("{0}")]
    Db(Box<DbError>),
    /// Authentication could not proceed (unsupported method, missing password, SCRAM
    /// verification failed).
    #[error("authentication failed: {0}")]
    Auth(Cow<'static, str>),
    /// The configuration or a connection URL is invalid.
    #[error("invalid configuration: {0}")]
    Config(Cow<'static, str>),
    /// The server sent something the protocol does not allow at this point, or a message that
    /// does not parse.
    #[error("protocol error: {0}")]
    Protocol(Cow<'static, str>),
    /// A call that needs a state the connection is not in (e.g. a query on a connection that
    /// streams replication, or a statement with the wrong number of parameters).
    #[error("{0}")]
    Usage(Cow<'static, str>),
    /// A pgoutput message or one of its values could not be decoded (change streams).
    #[error("pgoutput: {0}")]
    Decode(#[source] cdc_pgoutput::Error),
    /// A binary COPY stream could not be read (snapshot reads).
    #[error("binary COPY: {0}")]
    CopyBinary(#[source] crate::snapshot::CopyBinaryError),
}

/// An error of this crate, with what the connection was doing when it happened.
///
/// ```
/// use cdc_postgres::{Error, ErrorKind};
/// let e = Error::new(ErrorKind::Closed).during("COPY OUT");
/// assert_eq!(e.to_string(), "the server closed the connection (during COPY OUT)");
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    during: Option<Cow<'static, str>>,
}

impl Error {
    /// An error with no context yet.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind, during: None }
    }

    /// Sets what the connection was doing, unless already set.
    pub fn during(mut self, what: impl Into<Cow<'static, str>>) -> Error {
        self.during.get_or_insert_with(|| what.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// What the connection was doing, when known.
    pub fn context(&self) -> Option<&str> {
        self.during.as_deref()
    }

    /// The server's error, when this is one.
    pub fn as_db_error(&self) -> Option<&DbError> {
        match &self.kind {
            ErrorKind::Db(e) => Some(e),
            _ => None,
        }
    }

    /// The server's SQLSTATE, when this is a server error.
    pub fn code(&self) -> Option<SqlState> {
        self.as_db_error().map(|e| e.code)
    }

    pub(crate) fn protocol(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Protocol(msg.into()))
    }

    pub(crate) fn auth(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Auth(msg.into()))
    }

    pub(crate) fn config(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Config(msg.into()))
    }

    pub(crate) fn usage(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Usage(msg.into()))
    }

    pub(crate) fn unexpected(what: &str) -> Error {
        Error::protocol(format!("unexpected message {what}"))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io(e))
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        Error::new(ErrorKind::Db(Box::new(e)))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(d) = &self.during {
            write!(f, " (during {d})")?;
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

// ---------------------------------------------------------------------------------------------

/// A five-character SQLSTATE code, matchable against the constants on this type.
///
/// ```
/// use cdc_postgres::SqlState;
/// let code = SqlState::new("23505").unwrap();
/// assert_eq!(code, SqlState::UNIQUE_VIOLATION);
/// assert_eq!(code.class(), "23");
/// assert!(matches!(code, SqlState::UNIQUE_VIOLATION));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SqlState([u8; 5]);

impl SqlState {
    /// `00000` successful completion (also what notices without a code report).
    pub const SUCCESSFUL_COMPLETION: SqlState = SqlState(*b"00000");
    /// `01000` warning.
    pub const WARNING: SqlState = SqlState(*b"01000");
    /// `08P01` protocol violation.
    pub const PROTOCOL_VIOLATION: SqlState = SqlState(*b"08P01");
    /// `0A000` feature not supported.
    pub const FEATURE_NOT_SUPPORTED: SqlState = SqlState(*b"0A000");
    /// `22P02` invalid text representation.
    pub const INVALID_TEXT_REPRESENTATION: SqlState = SqlState(*b"22P02");
    /// `22012` division by zero.
    pub const DIVISION_BY_ZERO: SqlState = SqlState(*b"22012");
    /// `23502` not-null violation.
    pub const NOT_NULL_VIOLATION: SqlState = SqlState(*b"23502");
    /// `23503` foreign-key violation.
    pub const FOREIGN_KEY_VIOLATION: SqlState = SqlState(*b"23503");
    /// `23505` unique violation.
    pub const UNIQUE_VIOLATION: SqlState = SqlState(*b"23505");
    /// `23514` check violation.
    pub const CHECK_VIOLATION: SqlState = SqlState(*b"23514");
    /// `25P02` in failed SQL transaction.
    pub const IN_FAILED_SQL_TRANSACTION: SqlState = SqlState(*b"25P02");
    /// `28000` invalid authorization specification.
    pub const INVALID_AUTHORIZATION_SPECIFICATION: SqlState = SqlState(*b"28000");
    /// `28P01` invalid password.
    pub const INVALID_PASSWORD: SqlState = SqlState(*b"28P01");
    /// `3D000` invalid catalog name (no such database).
    pub const INVALID_CATALOG_NAME: SqlState = SqlState(*b"3D000");
    /// `40001` serialization failure.
    pub const SERIALIZATION_FAILURE: SqlState = SqlState(*b"40001");
    /// `40P01` deadlock detected.
    pub const DEADLOCK_DETECTED: SqlState = SqlState(*b"40P01");
    /// `42601` syntax error.
    pub const SYNTAX_ERROR: SqlState = SqlState(*b"42601");
    /// `42501` insufficient privilege.
    pub const INSUFFICIENT_PRIVILEGE: SqlState = SqlState(*b"42501");
    /// `42703` undefined column.
    pub const UNDEFINED_COLUMN: SqlState = SqlState(*b"42703");
    /// `42P01` undefined table.
    pub const UNDEFINED_TABLE: SqlState = SqlState(*b"42P01");
    /// `42704` undefined object.
    pub const UNDEFINED_OBJECT: SqlState = SqlState(*b"42704");
    /// `42710` duplicate object (e.g. a replication slot that exists).
    pub const DUPLICATE_OBJECT: SqlState = SqlState(*b"42710");
    /// `55000` object not in prerequisite state (e.g. `wal_level` too low).
    pub const OBJECT_NOT_IN_PREREQUISITE_STATE: SqlState = SqlState(*b"55000");
    /// `55006` object in use (e.g. a replication slot active for another process).
    pub const OBJECT_IN_USE: SqlState = SqlState(*b"55006");
    /// `57014` query canceled.
    pub const QUERY_CANCELED: SqlState = SqlState(*b"57014");
    /// `57P01` admin shutdown.
    pub const ADMIN_SHUTDOWN: SqlState = SqlState(*b"57P01");
    /// `XX000` internal error.
    pub const INTERNAL_ERROR: SqlState = SqlState(*b"XX000");

    /// A code from its text; `None` unless it is five ASCII digits or upper-case letters.
    pub fn new(code: &str) -> Option<SqlState> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            .then_some(SqlState(bytes))
    }

    /// The code's text (`"23505"`).
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (see `new`).
        std::str::from_utf8(&self.0).unwrap_or("?????")
    }

    /// The class: the first two characters (`"23"`, integrity constraint violation).
    pub fn class(&self) -> &str {
        self.as_str().get(..2).unwrap_or("")
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqlState({})", self.as_str())
    }
}

/// Severity of a server error or notice (the non-localized `V` field; `S` when the server is
/// older than 9.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Severity {
    /// `PANIC`.
    Panic,
    /// `FATAL`: the session ends.
    Fatal,
    /// `ERROR`: the statement failed.
    Error,
    /// `WARNING`.
    Warning,
    /// `NOTICE`.
    Notice,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `LOG`.
    Log,
    /// A value this crate does not know (the text is in [`DbError::severity_text`]).
    Other,
}

impl Severity {
    fn parse(s: &str) -> Severity {
        match s {
            "PANIC" => Severity::Panic,
            "FATAL" => Severity::Fatal,
            "ERROR" => Severity::Error,
            "WARNING" => Severity::Warning,
            "NOTICE" => Severity::Notice,
            "DEBUG" => Severity::Debug,
            "INFO" => Severity::Info,
            "LOG" => Severity::Log,
            _ => Severity::Other,
        }
    }
}

/// Where in a statement an error was found.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ErrorPosition {
    /// A 1-based character position in the statement the client sent (`P`).
    Original(u32),
    /// A position in an internally generated query (`p`, with the query from `q`).
    Internal {
        /// 1-based character position in `query`.
        position: u32,
        /// The internal query.
        query: String,
    },
}

/// An `ErrorResponse` or `NoticeResponse` from the server, every field kept.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DbError {
    /// Parsed severity.
    pub severity: Severity,
    /// Severity as sent (possibly localized when the server is older than 9.6).
    pub severity_text: String,
    /// SQLSTATE code (`C`).
    pub code: SqlState,
    /// Primary message (`M`).
    pub message: String,
    /// Detail (`D`).
    pub detail: Option<String>,
    /// Hint (`H`).
    pub hint: Option<String>,
    /// Error position (`P`, or `p` and `q`).
    pub position: Option<ErrorPosition>,
    /// Context, a call stack of sorts (`W`).
    pub where_: Option<String>,
    /// Schema name (`s`).
    pub schema: Option<String>,
    /// Table name (`t`).
    pub table: Option<String>,
    /// Column name (`c`).
    pub column: Option<String>,
    /// Data type name (`d`).
    pub datatype: Option<String>,
    /// Constraint name (`n`).
    pub constraint: Option<String>,
    /// Server source file (`F`).
    pub file: Option<String>,
    /// Server source line (`L`).
    pub line: Option<u32>,
    /// Server source routine (`R`).
    pub routine: Option<String>,
}

impl DbError {
    pub(crate) fn parse(mut fields: ErrorFields<'_>) -> Result<DbError> {
        let mut severity_local = None;
        let mut severity_v = None;
        let mut code = None;
        let mut message = None;
        let mut e = DbError {
            severity: Severity::Other,
            severity_text: String::new(),
            code: SqlState::SUCCESSFUL_COMPLETION,
            message: String::new(),
            detail: None,
            hint: None,
            position: None,
            where_: None,
            schema: None,
            table: None,
            column: None,
            datatype: None,
            constraint: None,
            file: None,
            line: None,
            routine: None,
        };
        let mut internal_pos = None;
        let mut internal_query = None;
        let bad = |what: &str| Error::protocol(format!("bad {what} field in an error response"));
        while let Some(field) = fields
            .next()
            .map_err(|e| Error::protocol(format!("malformed error response: {e}")))?
        {
            let v = String::from_utf8_lossy(field.value_bytes()).into_owned();
            match field.type_() {
                b'S' => severity_local = Some(v),
                b'V' => severity_v = Some(v),
                b'C' => code = Some(SqlState::new(&v).ok_or_else(|| bad("SQLSTATE"))?),
                b'M' => message = Some(v),
                b'D' => e.detail = Some(v),
                b'H' => e.hint = Some(v),
                b'P' => {
                    e.position = Some(ErrorPosition::Original(
                        v.parse().map_err(|_| bad("position"))?,
                    ))
                }
                b'p' => internal_pos = Some(v.parse().map_err(|_| bad("internal position"))?),
                b'q' => internal_query = Some(v),
                b'W' => e.where_ = Some(v),
                b's' => e.schema = Some(v),
                b't' => e.table = Some(v),
                b'c' => e.column = Some(v),
                b'd' => e.datatype = Some(v),
                b'n' => e.constraint = Some(v),
                b'F' => e.file = Some(v),
                b'L' => e.line = Some(v.parse().map_err(|_| bad("line"))?),
                b'R' => e.routine = Some(v),
                // Fields added by future servers are ignored, as the protocol asks.
                _ => {}
            }
        }
        let severity_text = severity_v
            .or(severity_local)
            .ok_or_else(|| Error::protocol("error response without a severity"))?;
        e.severity = Severity::parse(&severity_text);
        e.severity_text = severity_text;
        e.code = code.ok_or_else(|| Error::protocol("error response without a SQLSTATE"))?;
        e.message = message.ok_or_else(|| Error::protocol("error response without a message"))?;
        if let (None, Some(position)) = (&e.position, internal_pos) {
            e.position = Some(ErrorPosition::Internal {
                position,
                query: internal_query.unwrap_or_default(),
            });
        }
        Ok(e)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity_text, self.code, self.message)?;
        if let Some(d) = &self.detail {
            write!(f, "; DETAIL: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "; HINT: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

impl From<cdc_pgoutput::Error> for Error {
    fn from(e: cdc_pgoutput::Error) -> Self {
        Error::protocol(e.to_string())
    }
}
