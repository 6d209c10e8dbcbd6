//! What a mapping could not carry over faithfully, as data.

use std::fmt;

use cdc_model::TableId;
use serde::{Deserialize, Serialize};

/// How much a reported case matters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Every value arrives unchanged, but the target behaves differently in a way users should
    /// know (a wider type, a CHECK instead of a type, a trigger instead of a column attribute).
    Note,
    /// The column or object is created, but some source values change on the way or are
    /// rejected by the target (the reason says which).
    Lossy,
    /// The target cannot hold it: the column, default, index or key is left out.
    Unsupported,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Lossy => "lossy",
            Severity::Unsupported => "unsupported",
        })
    }
}

/// Which case a reported [`Issue`] is, so callers can match on it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IssueKind {
    /// MySQL zero or partly-zero dates (`0000-00-00`, `2024-00-10`) become `NULL`.
    ZeroDateToNull,
    /// MySQL `TIME` holds -838:59:59..838:59:59; the target type only a time of day.
    TimeOutOfRange,
    /// `TINYINT(1)` mapped to `boolean`: every non-zero value becomes `true`.
    TinyIntAsBoolean,
    /// An unsigned integer became a wider signed type (plus a CHECK keeping its range).
    UnsignedWidened,
    /// The target's numeric type cannot hold the source's precision or scale.
    NumericRange,
    /// Fractional seconds beyond the target's precision are cut.
    FractionalSecondsCut,
    /// Values longer than the target allows are rejected.
    LengthLimit,
    /// Dates and timestamps the target's range cannot hold (PostgreSQL `infinity`, BC dates,
    /// years past 9999 on MaxCompute).
    TemporalRange,
    /// Strings holding NUL characters, which the target's text types cannot store.
    NulCharacter,
    /// The character set or collation differs on the target.
    Collation,
    /// JSON is stored normalised (key order, duplicate keys, white space) or as text.
    JsonRepresentation,
    /// `ENUM` or `SET` stored as text (with a CHECK when possible) instead of a native type.
    EnumSetAsText,
    /// Spatial values stored as WKB bytes or need an extension.
    Spatial,
    /// The target needs an extension installed for this type.
    ExtensionRequired,
    /// The source type does not exist in the target (and is mapped to a stand-in or left out).
    TypeNotInTarget,
    /// The source type is unknown to this crate (`ColumnType::Other`).
    UnknownType,
    /// Auto-increment cannot be reproduced exactly (range, type, or missing identity columns).
    AutoIncrement,
    /// `ON UPDATE CURRENT_TIMESTAMP` reproduced by a trigger, or not at all.
    OnUpdate,
    /// A default the target cannot express is dropped.
    Default,
    /// A generated column's expression is not carried over (the column holds replicated
    /// values), or its kind (STORED or VIRTUAL) differs on the target or is not known.
    Generated,
    /// A column attribute (invisible, zerofill, SRID) is dropped.
    ColumnAttribute,
    /// A prefix index (`KEY (name(10))`) is translated or widened.
    PrefixIndex,
    /// An index method (FULLTEXT, SPATIAL, HASH, gin...) the target lacks.
    IndexMethod,
    /// A key the target cannot create (e.g. an AnalyticDB unique key without the distribution
    /// key).
    Key,
    /// A foreign key the target does not create or enforce.
    ForeignKey,
    /// A table property (distribution, comments) the target differs on.
    Table,
    /// Partitioning the target does not reproduce (the table is created unpartitioned), or
    /// reproduces in its own form (AnalyticDB's Greenplum 6 syntax, which names the partition
    /// tables itself).
    Partitioning,
    /// An enum or domain type created from what the model knows (a domain whose definition is
    /// not in [`cdc_model::TableSchema::domains`] is created without its constraints and
    /// default).
    UserType,
    /// A name longer than the target allows, or two names that collide after mapping.
    Name,
    /// A DDL statement, or a clause of one, that is not translated for this pair: nothing is
    /// run for it on the target.
    Ddl,
    /// `FIRST`/`AFTER` column placement the target cannot reproduce: the column goes last.
    ColumnPosition,
    /// A view or routine's `DEFINER` is dropped and `SQL SECURITY` made `INVOKER` (users are
    /// not migrated).
    Definer,
}

/// One case the mapping reports instead of guessing: where, what, and why.
///
/// ```
/// use cdc_model::{Column, ColumnType, TableId};
/// use cdc_typemap::{Dialect, IssueKind, Mapper, Severity};
///
/// let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15).unwrap();
/// let t = TableId::new("shop", "orders");
/// let m = mapper.map_column(&t, &Column::new("at", ColumnType::Time { precision: None }));
/// assert_eq!(m.target_type.as_deref(), Some("time(0) without time zone"));
/// let issue = &m.issues[0];
/// assert_eq!((issue.kind, issue.severity), (IssueKind::TimeOutOfRange, Severity::Lossy));
/// assert_eq!(issue.column.as_deref(), Some("at"));
/// assert_eq!(issue.source_type.as_deref(), Some("time"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Issue {
    /// The source table.
    pub table: TableId,
    /// The source column, when the case is about one column.
    pub column: Option<String>,
    /// The source type (the source's own spelling when known), for column cases.
    pub source_type: Option<String>,
    /// How much it matters.
    pub severity: Severity,
    /// Which case.
    pub kind: IssueKind,
    /// What happens, in words.
    pub reason: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.table)?;
        if let Some(c) = &self.column {
            write!(f, ".{c}")?;
        }
        if let Some(t) = &self.source_type {
            write!(f, " ({t})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Collects issues for one table and column.
pub(crate) struct Reporter<'a> {
    pub(crate) table: &'a TableId,
    pub(crate) column: Option<&'a str>,
    pub(crate) source_type: Option<String>,
    pub(crate) issues: Vec<Issue>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(
        table: &'a TableId,
        column: Option<&'a str>,
        source_type: Option<String>,
    ) -> Reporter<'a> {
        Reporter {
            table,
            column,
            source_type,
            issues: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, severity: Severity, kind: IssueKind, reason: impl Into<String>) {
        self.issues.push(Issue {
            table: self.table.clone(),
            column: self.column.map(str::to_owned),
            source_type: self.source_type.clone(),
            severity,
            kind,
            reason: reason.into(),
        });
    }

    pub(crate) fn note(&mut self, kind: IssueKind, reason: impl Into<String>) {
        self.push(Severity::Note, kind, reason);
    }

    pub(crate) fn lossy(&mut self, kind: IssueKind, reason: impl Into<String>) {
        self.push(Severity::Lossy, kind, reason);
    }

    pub(crate) fn unsupported(&mut self, kind: IssueKind, reason: impl Into<String>) {
        self.push(Severity::Unsupported, kind, reason);
    }
}
