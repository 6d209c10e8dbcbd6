//! Change events: what sources produce and targets consume.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::position::{Gtid, MariaGtid, SourcePosition};
use crate::schema::{TableId, TableSchema};
use crate::temporal::Timestamp;
use crate::value::Value;

/// The values of one row, aligned with the columns of the table's [`TableSchema`]: value `i`
/// belongs to column `i`. Columns the source did not send are [`Value::Unchanged`].
///
/// ```
/// use cdc_model::{RowImage, Value};
/// let row = RowImage::new(vec![Value::Int(1), Value::Unchanged]);
/// assert_eq!(row.get(0), Some(&Value::Int(1)));
/// assert!(!row.is_complete());
/// ```
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RowImage {
    /// The values, one per column.
    pub values: Vec<Value>,
}

impl RowImage {
    /// A row from its values.
    pub fn new(values: Vec<Value>) -> RowImage {
        RowImage { values }
    }

    /// Value of column `i`.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the row has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// True when no value is [`Value::Unchanged`].
    pub fn is_complete(&self) -> bool {
        !self.values.iter().any(Value::is_unchanged)
    }
}

impl From<Vec<Value>> for RowImage {
    fn from(values: Vec<Value>) -> Self {
        RowImage { values }
    }
}

/// A transaction's identity at the source.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnId {
    /// A numeric transaction id: PostgreSQL `xid`, or the MySQL XID of the commit.
    Xid(u64),
    /// A MySQL GTID.
    MysqlGtid(Gtid),
    /// A MariaDB GTID.
    MariadbGtid(MariaGtid),
}

impl fmt::Display for TxnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxnId::Xid(x) => write!(f, "{x}"),
            TxnId::MysqlGtid(g) => write!(f, "{g}"),
            TxnId::MariadbGtid(g) => write!(f, "{g}"),
        }
    }
}

/// Which transaction an event belongs to, and where in it.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct TxnMeta {
    /// The transaction.
    pub id: TxnId,
    /// 0-based index of this event among the transaction's events (BEGIN is 0).
    pub ordinal: u64,
}

/// The kind of a change, for filters and per-table DML/DDL selection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A row was inserted.
    Insert,
    /// A row was updated.
    Update,
    /// A row was deleted.
    Delete,
    /// Tables were truncated.
    Truncate,
    /// A schema change.
    Ddl,
    /// A transaction began.
    Begin,
    /// A transaction committed.
    Commit,
    /// The source is alive and has nothing to say.
    Heartbeat,
}

impl Operation {
    /// True for insert, update and delete.
    pub fn is_dml(&self) -> bool {
        matches!(
            self,
            Operation::Insert | Operation::Update | Operation::Delete
        )
    }
}

/// A schema change, as the source's SQL.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Ddl {
    /// The default schema (MySQL current database) the statement ran in.
    pub schema: Option<String>,
    /// The statement text.
    pub statement: String,
}

/// What changed.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Change {
    /// Start of a transaction.
    Begin,
    /// End of a transaction.
    Commit,
    /// Nothing changed; the source is alive at this position.
    Heartbeat,
    /// A row was inserted.
    Insert {
        /// The table, with the schema in force at this position.
        table: Arc<TableSchema>,
        /// The new row.
        after: RowImage,
    },
    /// A row was updated.
    Update {
        /// The table, with the schema in force at this position.
        table: Arc<TableSchema>,
        /// The old row: full, key-only (other columns [`Value::Unchanged`]), or `None` when the
        /// source sent no old image (PostgreSQL with the default replica identity and an
        /// unchanged key).
        before: Option<RowImage>,
        /// The new row; columns the source did not send are [`Value::Unchanged`].
        after: RowImage,
    },
    /// A row was deleted.
    Delete {
        /// The table, with the schema in force at this position.
        table: Arc<TableSchema>,
        /// The old row (full, or key-only).
        before: RowImage,
    },
    /// Tables were emptied.
    Truncate {
        /// The tables.
        tables: Vec<TableId>,
        /// PostgreSQL `CASCADE`.
        cascade: bool,
        /// PostgreSQL `RESTART IDENTITY`.
        restart_identity: bool,
    },
    /// A schema change.
    Ddl(Ddl),
}

impl Change {
    /// The kind of change.
    pub fn operation(&self) -> Operation {
        match self {
            Change::Begin => Operation::Begin,
            Change::Commit => Operation::Commit,
            Change::Heartbeat => Operation::Heartbeat,
            Change::Insert { .. } => Operation::Insert,
            Change::Update { .. } => Operation::Update,
            Change::Delete { .. } => Operation::Delete,
            Change::Truncate { .. } => Operation::Truncate,
            Change::Ddl(_) => Operation::Ddl,
        }
    }

    /// The table schema of a row change.
    pub fn table(&self) -> Option<&Arc<TableSchema>> {
        match self {
            Change::Insert { table, .. }
            | Change::Update { table, .. }
            | Change::Delete { table, .. } => Some(table),
            _ => None,
        }
    }
}

/// One change at a source position: the unit every source produces and every target consumes.
///
/// ```
/// use std::sync::Arc;
/// use cdc_model::*;
/// let table = Arc::new(TableSchema::new(
///     TableId::new("shop", "orders"),
///     vec![Column::new("id", ColumnType::Int { unsigned: false }).not_null()],
/// ));
/// let ev = ChangeEvent {
///     position: "mysql-bin.000003:154".parse().unwrap(),
///     txn: Some(TxnMeta { id: TxnId::MariadbGtid("0-1-7".parse().unwrap()), ordinal: 1 }),
///     commit_time: Some(Timestamp::from_unix_parts(1_700_000_000, 0)),
///     change: Change::Insert { table, after: RowImage::new(vec![Value::Int(42)]) },
/// };
/// assert_eq!(ev.change.operation(), Operation::Insert);
/// let json = serde_json::to_string(&ev).unwrap();
/// assert_eq!(serde_json::from_str::<ChangeEvent>(&json).unwrap(), ev);
/// ```
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Where the event sits in the source's stream.
    pub position: SourcePosition,
    /// The transaction it belongs to, when the source tells.
    pub txn: Option<TxnMeta>,
    /// Commit time of its transaction (for MySQL, the event time, in whole seconds unless the
    /// source records microseconds).
    pub commit_time: Option<Timestamp>,
    /// What changed.
    pub change: Change,
}
