//! Errors: I/O, protocol violations, authentication failures, binlog decoding, and the
//! server's own errors ([`ServerError`]) with code, SQLSTATE and message.

use std::borrow::Cow;
use std::fmt;

/// MySQL/MariaDB server error codes this crate names (the numbers in `ERROR 1146 (42S02)`).
pub mod codes {
    /// `ER_CON_COUNT_ERROR`: too many connections.
    pub const ER_CON_COUNT_ERROR: u16 = 1040;
    /// `ER_ACCESS_DENIED_ERROR`: bad user or password.
    pub const ER_ACCESS_DENIED_ERROR: u16 = 1045;
    /// `ER_BAD_DB_ERROR`: unknown database.
    pub const ER_BAD_DB_ERROR: u16 = 1049;
    /// `ER_SERVER_SHUTDOWN`: the server is shutting down.
    pub const ER_SERVER_SHUTDOWN: u16 = 1053;
    /// `ER_DUP_ENTRY`: duplicate key.
    pub const ER_DUP_ENTRY: u16 = 1062;
    /// `ER_PARSE_ERROR`: SQL syntax error.
    pub const ER_PARSE_ERROR: u16 = 1064;
    /// `ER_NO_SUCH_TABLE`.
    pub const ER_NO_SUCH_TABLE: u16 = 1146;
    /// `ER_UNKNOWN_SYSTEM_VARIABLE`.
    pub const ER_UNKNOWN_SYSTEM_VARIABLE: u16 = 1193;
    /// `ER_LOCK_WAIT_TIMEOUT`.
    pub const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;
    /// `ER_LOCK_DEADLOCK`.
    pub const ER_LOCK_DEADLOCK: u16 = 1213;
    /// `ER_MASTER_FATAL_ERROR_READING_BINLOG`: the dump cannot go on — the requested binlog
    /// file or GTID was purged or never existed, another replica took over this server id
    /// (MySQL), or the position is inside an event.
    pub const ER_MASTER_FATAL_ERROR_READING_BINLOG: u16 = 1236;
    /// `ER_QUERY_INTERRUPTED`.
    pub const ER_QUERY_INTERRUPTED: u16 = 1317;
    /// `ER_CONNECTION_KILLED` (MariaDB): the connection was killed.
    pub const ER_CONNECTION_KILLED: u16 = 1927;
    /// `ER_SLAVE_SAME_ID` (MariaDB): another replica with this server id connected, and
    /// the server dropped this one. (MySQL reports it as
    /// [`ER_MASTER_FATAL_ERROR_READING_BINLOG`].)
    pub const ER_SLAVE_SAME_ID: u16 = 4052;
    /// `ER_UNKNOWN_COM_ERROR`: unknown command.
    pub const ER_UNKNOWN_COM_ERROR: u16 = 1047;
    /// `ER_UNKNOWN_STMT_HANDLER`: unknown prepared statement handler.
    pub const ER_UNKNOWN_STMT_HANDLER: u16 = 1243;
}

/// An `ERR` packet: what the server said went wrong.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServerError {
    /// Error code (see [`codes`]).
    pub code: u16,
    /// Five-character SQLSTATE, when the server sent one (always with `CLIENT_PROTOCOL_41`).
    pub sql_state: Option<String>,
    /// The message.
    pub message: String,
}

impl ServerError {
    /// Parses an `ERR` packet payload (starting with `0xFF`).
    pub(crate) fn parse(payload: &[u8]) -> Option<ServerError> {
        let rest = payload.strip_prefix(&[0xFF])?;
        let code = u16::from_le_bytes(rest.get(..2)?.try_into().ok()?);
        let rest = rest.get(2..)?;
        let (sql_state, msg) = match rest.split_first() {
            Some((b'#', tail)) if tail.len() >= 5 => (
                Some(String::from_utf8_lossy(tail.get(..5)?).into_owned()),
                tail.get(5..)?,
            ),
            _ => (None, rest),
        };
        Some(ServerError {
            code,
            sql_state,
            message: String::from_utf8_lossy(msg).into_owned(),
        })
    }

    /// Whether retrying on a new connection may succeed: the server shut down, killed the
    /// connection, had no connection slot free, or a transaction lost a deadlock or lock wait.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code,
            codes::ER_CON_COUNT_ERROR
                | codes::ER_SERVER_SHUTDOWN
                | codes::ER_LOCK_WAIT_TIMEOUT
                | codes::ER_LOCK_DEADLOCK
                | codes::ER_QUERY_INTERRUPTED
                | codes::ER_CONNECTION_KILLED
        )
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sql_state {
            Some(s) => write!(f, "ERROR {} ({s}): {}", self.code, self.message),
            None => write!(f, "ERROR {}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for ServerError {}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading from or writing to the stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The server closed the connection (end of stream).
    #[error("the server closed the connection")]
    Closed,
    /// The server answered with an `ERR` packet.
    #[error("{0}")]
    Server(Box<ServerError>),
    /// Authentication could not proceed (unsupported plugin, missing password or key).
    #[error("authentication failed: {0}")]
    Auth(Cow<'static, str>),
    /// The configuration or a connection URL is invalid.
    #[error("invalid configuration: {0}")]
    Config(Cow<'static, str>),
    /// The server sent something the protocol does not allow here, or that does not parse.
    #[error("protocol error: {0}")]
    Protocol(Cow<'static, str>),
    /// A binlog event from the replication stream did not decode.
    #[error("binlog: {0}")]
    Binlog(#[from] cdc_mysql_binlog::Error),
    /// A value did not convert to the requested type.
    #[error("value: {0}")]
    Value(Cow<'static, str>),
    /// A call that needs a state the connection is not in, or arguments that do not fit.
    #[error("{0}")]
    Usage(Cow<'static, str>),
}

/// An error of this crate, with what the connection was doing when it happened.
///
/// ```
/// use cdc_mysql::{Error, ErrorKind};
/// let e = Error::new(ErrorKind::Closed).during("binlog dump");
/// assert_eq!(e.to_string(), "the server closed the connection (during binlog dump)");
/// assert!(e.is_retryable());
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
    pub fn server_error(&self) -> Option<&ServerError> {
        match &self.kind {
            ErrorKind::Server(e) => Some(e),
            _ => None,
        }
    }

    /// The server's error code, when this is a server error.
    pub fn code(&self) -> Option<u16> {
        self.server_error().map(|e| e.code)
    }

    /// Whether the same request may succeed on a new connection: the link broke (I/O error,
    /// connection closed) or the server reported a transient condition
    /// ([`ServerError::is_transient`]). Replication resumes from the last position it
    /// reported; protocol, decoding, configuration and other server errors are not retryable.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Io(_) | ErrorKind::Closed => true,
            ErrorKind::Server(e) => e.is_transient(),
            _ => false,
        }
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

    pub(crate) fn value(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Value(msg.into()))
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

impl From<ServerError> for Error {
    fn from(e: ServerError) -> Self {
        Error::new(ErrorKind::Server(Box::new(e)))
    }
}

impl From<cdc_mysql_binlog::Error> for Error {
    fn from(e: cdc_mysql_binlog::Error) -> Self {
        Error::new(ErrorKind::Binlog(e))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn err_packets_parse_with_and_without_sqlstate() {
        let mut p = vec![0xFF, 0x7A, 0x04, b'#'];
        p.extend_from_slice(b"42S02Table 'x.y' doesn't exist");
        let e = ServerError::parse(&p).unwrap();
        assert_eq!(e.code, codes::ER_NO_SUCH_TABLE);
        assert_eq!(e.sql_state.as_deref(), Some("42S02"));
        assert_eq!(e.message, "Table 'x.y' doesn't exist");
        assert_eq!(
            e.to_string(),
            "ERROR 1146 (42S02): Table 'x.y' doesn't exist"
        );
        let e = ServerError::parse(&[0xFF, 0x10, 0x04, b'T', b'o']).unwrap();
        assert_eq!(
            (e.code, e.sql_state, e.message.as_str()),
            (1040, None, "To")
        );
        assert!(ServerError::parse(&[0xFF, 1]).is_none());
        assert!(ServerError::parse(&[0x00, 1, 2]).is_none());
    }

    #[test]
    fn retryable_errors_are_broken_links_and_transient_server_errors() {
        assert!(
            Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset)).is_retryable()
        );
        let server = |code| {
            Error::from(ServerError {
                code,
                sql_state: None,
                message: String::new(),
            })
        };
        assert!(server(codes::ER_CONNECTION_KILLED).is_retryable());
        assert!(!server(codes::ER_MASTER_FATAL_ERROR_READING_BINLOG).is_retryable());
        assert!(!Error::protocol("x").is_retryable());
    }
}
