//! Errors of change streams: the client's, and schema problems with table and position.

use cdc_model::{SourcePosition, TableId};

/// What went wrong while turning binlog events into change events.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// The connection, the server or the binlog decoder failed (see
    /// [`crate::Error::is_retryable`]).
    #[error(transparent)]
    Client(#[from] crate::Error),
    /// A DDL statement could not be followed, or the catalog could not be read into schemas.
    #[error("schema history{}: {source}", at(.position))]
    Schema {
        /// The QUERY event's position, when the error came from the stream.
        position: Option<SourcePosition>,
        /// The tracker's error (it names the statement and where in it).
        source: cdc_mysql_schema::Error,
    },
    /// A TABLE_MAP names a followed table the schema history does not hold.
    #[error("TABLE_MAP at {position} names {table}, which the schema history does not hold")]
    UnknownTable {
        /// The table.
        table: TableId,
        /// The TABLE_MAP event's position.
        position: SourcePosition,
    },
    /// A TABLE_MAP does not fit the schema the history holds for its table: rows would be
    /// decoded with the wrong columns.
    #[error("TABLE_MAP of {table} at {position} does not fit the tracked schema: {detail}")]
    TableMapMismatch {
        /// The table.
        table: TableId,
        /// The TABLE_MAP event's position.
        position: SourcePosition,
        /// What differs.
        detail: String,
    },
    /// A row of a followed table did not decode.
    #[error("rows of {table} at {position}: {source}")]
    Rows {
        /// The table.
        table: TableId,
        /// The rows event's position.
        position: SourcePosition,
        /// The decoder's error.
        source: cdc_mysql_binlog::Error,
    },
    /// A rows event refers to a table id no TABLE_MAP of this stream announced.
    #[error("rows event at {position} for table id {table_id} without a TABLE_MAP")]
    NoTableMap {
        /// The table id.
        table_id: u64,
        /// The rows event's position.
        position: SourcePosition,
    },
    /// A DDL statement on a followed database was logged after the start position but before
    /// the catalog was read (or a TABLE_MAP logged before the read does not fit the catalog's
    /// schema): the catalog already shows the change, so the rows before it cannot be
    /// decoded. Start again from a position after it.
    #[error(
        "the schema changed at {position}, between the start position and the catalog read \
         (the catalog was read at {catalog_read_at}): start again from a later position"
    )]
    SchemaChangedBeforeCatalogRead {
        /// The DDL's position.
        position: SourcePosition,
        /// Where the binlog was when the catalog had been read.
        catalog_read_at: SourcePosition,
    },
    /// A followed database has a DML statement logged as a statement (binlog_format
    /// STATEMENT or MIXED): its rows are not in the binlog.
    #[error("statement-based DML at {position} in database `{database}`: set binlog_format=ROW")]
    StatementDml {
        /// The QUERY event's position.
        position: SourcePosition,
        /// Its default database.
        database: String,
    },
    /// A checkpoint could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

fn at(p: &Option<SourcePosition>) -> String {
    match p {
        Some(p) => format!(" at {p}"),
        None => String::new(),
    }
}

impl ChangeError {
    /// Whether a new connection started from the last checkpoint may succeed (the link broke
    /// or the server reported a transient condition). Schema errors are not retryable: the
    /// same events would fail the same way.
    pub fn is_retryable(&self) -> bool {
        match self {
            ChangeError::Client(e) => e.is_retryable(),
            _ => false,
        }
    }

    pub(crate) fn schema(position: Option<&SourcePosition>, e: cdc_mysql_schema::Error) -> Self {
        ChangeError::Schema {
            position: position.cloned(),
            source: e,
        }
    }
}
