//! Errors: what went wrong and where (statement, line:column in it, table, column, position).

use cdc_model::{SourcePosition, TableId};

/// Where in a statement's text something is: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TextPos {
    /// Line, from 1 (0 when unknown).
    pub line: u64,
    /// Column in characters, from 1 (0 when unknown).
    pub column: u64,
}

impl std::fmt::Display for TextPos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The statement text could not be tokenized or does not follow the grammar this crate
    /// understands for a statement that changes table schemas.
    #[error("cannot parse: {0}")]
    Syntax(String),
    /// The statement is a schema change this crate does not model (it is never skipped
    /// silently, since the schema after it would be wrong).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A statement names a table the tracker does not know.
    #[error("unknown table {0}")]
    UnknownTable(TableId),
    /// A statement names a column the table does not have.
    #[error("table {table} has no column {column}")]
    UnknownColumn {
        /// The table.
        table: TableId,
        /// The column.
        column: String,
    },
    /// A statement adds a column the table already has.
    #[error("table {table} already has a column {column}")]
    DuplicateColumn {
        /// The table.
        table: TableId,
        /// The column.
        column: String,
    },
    /// A statement names an index the table does not have.
    #[error("table {table} has no index {index}")]
    UnknownIndex {
        /// The table.
        table: TableId,
        /// The index.
        index: String,
    },
    /// The statement has no database qualifier and the QUERY event no default database.
    #[error("table {0} is not qualified by a database and there is no default database")]
    NoDatabase(String),
    /// A character set or collation this crate cannot resolve (no default collation, or no
    /// maximum character length for it): seed the tracker with `information_schema` rows.
    #[error("unknown character set or collation {0}")]
    UnknownCharset(String),
    /// The default character set of a database is unknown (the tracker was not seeded with it
    /// and no server default was configured).
    #[error("the default character set of database {0} is unknown")]
    UnknownDatabaseCharset(String),
    /// A catalog row has too few columns or a value that does not parse.
    #[error("bad catalog row: {0}")]
    Catalog(String),
    /// A history entry would go before the last recorded position.
    #[error("position {position} is before the last recorded position {last}")]
    OutOfOrder {
        /// The position given.
        position: SourcePosition,
        /// The last position recorded.
        last: SourcePosition,
    },
    /// A schema does not fit a TABLE_MAP event (column count or type).
    #[error("schema of {table} does not fit its TABLE_MAP: {detail}")]
    TableMapMismatch {
        /// The table.
        table: TableId,
        /// What differs.
        detail: String,
    },
    /// Serialised history could not be read or written.
    #[error("history JSON: {0}")]
    Json(String),
}

/// An error with the statement (shortened) and where in it, and the source position when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    statement: Option<String>,
    at: Option<TextPos>,
    position: Option<SourcePosition>,
}

/// Longest statement excerpt kept in an error.
const EXCERPT: usize = 300;

impl Error {
    /// An error of `kind` with no context yet.
    pub fn new(kind: ErrorKind) -> Error {
        Error(Box::new(Inner {
            kind,
            statement: None,
            at: None,
            position: None,
        }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The statement (its first 300 characters), when the error is about one.
    pub fn statement(&self) -> Option<&str> {
        self.0.statement.as_deref()
    }

    /// Where in the statement, when known.
    pub fn at(&self) -> Option<TextPos> {
        self.0.at
    }

    /// The source position of the statement, when known.
    pub fn position(&self) -> Option<&SourcePosition> {
        self.0.position.as_ref()
    }

    pub(crate) fn at_text(mut self, at: TextPos) -> Error {
        if self.0.at.is_none() && at.line > 0 {
            self.0.at = Some(at);
        }
        self
    }

    pub(crate) fn in_statement(mut self, sql: &str) -> Error {
        if self.0.statement.is_none() {
            let mut s: String = sql.chars().take(EXCERPT).collect();
            if s.len() < sql.len() {
                s.push_str("...");
            }
            self.0.statement = Some(s);
        }
        self
    }

    pub(crate) fn at_position(mut self, pos: &SourcePosition) -> Error {
        if self.0.position.is_none() {
            self.0.position = Some(pos.clone());
        }
        self
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.kind)?;
        if let Some(at) = &self.0.at {
            write!(f, " at {at}")?;
        }
        if let Some(s) = &self.0.statement {
            write!(f, " in statement `{s}`")?;
        }
        if let Some(p) = &self.0.position {
            write!(f, " (source position {p})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
