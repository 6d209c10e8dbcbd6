//! Incremental DDL: one source DDL statement in, the target statements and what they could not
//! carry over out.
//!
//! Which statements each pair translates follows the lists of supported incremental DDL of
//! the managed services this workspace reproduces:
//!
//! | pair | translated | how |
//! |---|---|---|
//! | MySQL/MariaDB → MySQL/MariaDB | `CREATE`/`ALTER`/`DROP`/`RENAME`/`TRUNCATE TABLE`, `CREATE`/`DROP INDEX`, `CREATE`/`ALTER`/`DROP VIEW`, `CREATE`/`DROP PROCEDURE`/`FUNCTION` | the statement text with table, column and database names rewritten by the [`NamePolicy`] (every other byte kept); views and routines lose `DEFINER` and get `SQL SECURITY INVOKER` |
//! | MySQL/MariaDB → PostgreSQL/AnalyticDB | `CREATE`/`ALTER`/`DROP`/`RENAME`/`TRUNCATE TABLE`, `CREATE`/`DROP INDEX` | parsed by `cdc-mysql-schema`, each `ALTER TABLE` specification applied to a copy of the source schema and the difference written as PostgreSQL statements, types through the [`Mapper`] |
//! | MySQL/MariaDB → MaxCompute | `ALTER TABLE ... ADD COLUMN` | `ALTER TABLE <t>_base ADD COLUMNS (...)` and the same on `<t>_log`, so both keep the source's columns |
//! | PostgreSQL → PostgreSQL | `CREATE`/`DROP`/`TRUNCATE TABLE`, `CREATE`/`DROP INDEX`, `ALTER TABLE` (`RENAME TO`, `ADD COLUMN [DEFAULT]`, `ALTER COLUMN TYPE`, `DROP COLUMN`, `ADD CONSTRAINT [CHECK]`, `ALTER COLUMN SET/DROP DEFAULT`, `SET/DROP NOT NULL`, `RENAME COLUMN`, `DROP CONSTRAINT`) | parsed with sqlparser's PostgreSQL dialect, names rewritten in the tree, rendered again |
//!
//! A statement outside its pair's list gives no statements and an [`IssueKind::Ddl`] issue of
//! [`Severity::Unsupported`]; statements that change no schema (DML, transaction control,
//! accounts) give nothing at all. A statement that does not parse, or that names a table the
//! source schema does not have, is a [`TranslateError`] naming the statement: it is never
//! skipped silently.
//!
//! ```
//! use cdc_model::TableId;
//! use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaTracker, TrackerOptions};
//! use cdc_typemap::translate::Translator;
//! use cdc_typemap::{Dialect, IssueKind, Mapper, NamePolicy};
//!
//! let mut tracker = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
//! tracker.seed_database("shop", DatabaseDef {
//!     charset: "utf8mb4".into(), collation: "utf8mb4_general_ci".into() });
//! tracker.apply("shop", "CREATE TABLE orders (id INT PRIMARY KEY, note TEXT)").unwrap();
//!
//! let mut names = NamePolicy::default();
//! names.rename_column(TableId::new("shop", "orders"), "note", "memo");
//! let t = Translator::new(Mapper::new(Dialect::MARIADB_1011, Dialect::POSTGRES_15)?, names)?;
//! let out = t.mysql(&tracker, "shop",
//!     "ALTER TABLE orders ADD COLUMN qty INT UNSIGNED NOT NULL DEFAULT 1 AFTER id, DROP note")?;
//! assert_eq!(out.statements, [
//!     "ALTER TABLE \"shop\".\"orders\" ADD COLUMN \"qty\" bigint DEFAULT '1' NOT NULL \
//!      CHECK (\"qty\" BETWEEN 0 AND 4294967295)",
//!     "ALTER TABLE \"shop\".\"orders\" DROP COLUMN \"memo\"",
//! ]);
//! assert!(out.issues.iter().any(|i| i.kind == IssueKind::ColumnPosition));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use cdc_model::TableId;
use cdc_mysql_schema::SchemaTracker;
use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;
use crate::issue::{Issue, IssueKind, Severity};
use crate::mapping::Mapper;
use crate::naming::NamePolicy;

mod mysql_pg;
mod mysql_text;
mod pg;

/// What one source statement becomes on the target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    /// Target statements, to run in order (none when nothing is to be done).
    pub statements: Vec<String>,
    /// Everything not carried over exactly: mapping cases of added or changed columns, clauses
    /// the target cannot express, statements the pair does not translate.
    pub issues: Vec<Issue>,
}

/// Why a statement could not be translated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranslateError {
    /// The statement does not parse.
    #[error("cannot parse {dialect} statement `{statement}`: {reason}")]
    Parse {
        /// The source engine.
        dialect: Dialect,
        /// The statement (shortened).
        statement: String,
        /// The parser's message.
        reason: String,
    },
    /// The statement cannot be applied to the source schema (an unknown table or column, a
    /// duplicate column ...): the schema the target statements would be derived from is
    /// unknown.
    #[error("cannot follow statement `{statement}` on the source schema: {reason}")]
    Schema {
        /// The statement (shortened).
        statement: String,
        /// What the schema tracker says.
        reason: String,
    },
    /// The statement names no database and none is in force.
    #[error(
        "statement `{statement}` names table {table} without a database and there is no default database"
    )]
    NoDatabase {
        /// The statement (shortened).
        statement: String,
        /// The unqualified table name.
        table: String,
    },
    /// The mapper's pair has no DDL translation.
    #[error("no DDL translation from {from} to {to}")]
    UnsupportedPair {
        /// The source engine.
        from: Dialect,
        /// The target engine.
        to: Dialect,
    },
}

/// Longest statement excerpt kept in an error.
const EXCERPT: usize = 300;

pub(crate) fn excerpt(sql: &str) -> String {
    let sql = sql.trim();
    let mut s: String = sql.chars().take(EXCERPT).collect();
    if s.len() < sql.len() {
        s.push_str("...");
    }
    s
}

/// Translates source DDL for one source/target pair, with the [`Mapper`]'s type mapping and
/// a [`NamePolicy`] for target names.
#[derive(Clone, Debug)]
pub struct Translator {
    mapper: Mapper,
    names: NamePolicy,
}

impl Translator {
    /// A translator for the mapper's pair: MySQL/MariaDB to MySQL/MariaDB, PostgreSQL,
    /// AnalyticDB or MaxCompute; PostgreSQL to PostgreSQL or AnalyticDB.
    pub fn new(mapper: Mapper, names: NamePolicy) -> Result<Translator, TranslateError> {
        let (s, t) = (mapper.source(), mapper.target());
        let ok = if s.is_mysql_family() {
            true
        } else {
            matches!(s, Dialect::PostgreSql(_)) && t.is_postgres_family()
        };
        if !ok {
            return Err(TranslateError::UnsupportedPair { from: s, to: t });
        }
        Ok(Translator { mapper, names })
    }

    /// The mapper.
    pub fn mapper(&self) -> &Mapper {
        &self.mapper
    }

    /// The name policy.
    pub fn names(&self) -> &NamePolicy {
        &self.names
    }

    /// Translates one MySQL/MariaDB statement (a binlog QUERY event's text) run with default
    /// database `default_db` (may be empty). `tracker` holds the source schema *before* the
    /// statement; the caller applies the statement to it afterwards. Only the PostgreSQL and
    /// MaxCompute targets read it (to know the columns a statement changes); the MySQL target
    /// rewrites names in the text.
    pub fn mysql(
        &self,
        tracker: &SchemaTracker,
        default_db: &str,
        sql: &str,
    ) -> Result<Translation, TranslateError> {
        let source = self.mapper.source();
        if !source.is_mysql_family() {
            return Err(TranslateError::UnsupportedPair {
                from: source,
                to: self.mapper.target(),
            });
        }
        let target = self.mapper.target();
        if target.is_mysql_family() {
            mysql_text::translate(self, default_db, sql)
        } else {
            mysql_pg::translate(self, tracker, default_db, sql)
        }
    }

    /// Translates the query text of one captured PostgreSQL DDL command (a
    /// `cdc_postgres::ddl_capture::DdlEvent`'s `query`, which may hold several statements),
    /// run with `current_schema` as the schema of unqualified names.
    pub fn postgres(
        &self,
        current_schema: &str,
        query: &str,
    ) -> Result<Translation, TranslateError> {
        let source = self.mapper.source();
        if !matches!(source, Dialect::PostgreSql(_)) || !self.mapper.target().is_postgres_family() {
            return Err(TranslateError::UnsupportedPair {
                from: source,
                to: self.mapper.target(),
            });
        }
        pg::translate(self, current_schema, query)
    }
}

/// A statement-level issue.
pub(crate) fn issue(
    table: &TableId,
    column: Option<&str>,
    severity: Severity,
    kind: IssueKind,
    reason: impl Into<String>,
) -> Issue {
    Issue {
        table: table.clone(),
        column: column.map(str::to_owned),
        source_type: None,
        severity,
        kind,
        reason: reason.into(),
    }
}
