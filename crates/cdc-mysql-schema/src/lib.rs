//! Sans-IO schema history for MySQL and MariaDB sources.
//!
//! A change-data-capture reader needs the schema each row event was written with: under
//! `binlog_row_metadata=MINIMAL` (the default) the binlog carries no column names, no ENUM/SET
//! labels and no keys, and the schema changes as DDL statements go by. This crate keeps that
//! schema without doing any I/O — the client runs queries and feeds their rows and the binlog's
//! QUERY events in:
//!
//! 1. [`catalog`]: the `information_schema` queries ([`catalog::COLUMNS_SQL`] and friends) and
//!    [`catalog::from_rows`], which turns their rows into [`cdc_model::TableSchema`]s with exact
//!    [`cdc_model::ColumnType`]s; [`catalog::from_show_create`] reads `SHOW CREATE TABLE` text.
//! 2. [`SchemaTracker`]: applies QUERY-event statements (`CREATE TABLE [LIKE]`, `ALTER TABLE`
//!    in all its column, key, rename and character-set forms, `DROP`/`RENAME`/`TRUNCATE TABLE`,
//!    `CREATE/DROP INDEX`, `CREATE/ALTER/DROP DATABASE`), qualified by the event's default
//!    database; every other statement is classified ([`ddl::IgnoredKind`]) and ignored; a
//!    schema change it cannot follow is an [`Error`] naming the statement and the line and
//!    column in it, never a silently wrong schema.
//! 3. [`SchemaHistory`]: the schema of every table from each [`cdc_model::SourcePosition`] on;
//!    "schema of T at P", JSON round trip for restarts, rewinding and pruning.
//! 4. [`ShadowTables`]: gh-ost (`_t_gho`, `_t_ghc`, `_t_del`) and pt-osc (`_t_new`, `_t_old`)
//!    shadow tables; the cut-over `RENAME` is reported as [`Change::ShadowCutOver`] and
//!    [`SchemaTracker::route_rows`] maps or skips shadow-table rows.
//! 5. [`binlog`]: feeding tracked schemas to [`cdc_mysql_binlog::Decoder::supply_schema`], and
//!    checking a schema against a TABLE_MAP.
//!
//! ```
//! use cdc_model::{SourcePosition, TableId};
//! use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaHistory, SchemaTracker, TrackerOptions};
//!
//! let mut tracker = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
//! tracker.seed_database("shop", DatabaseDef {
//!     charset: "utf8mb4".into(),
//!     collation: "utf8mb4_general_ci".into(),
//! });
//! let mut history = SchemaHistory::new(tracker);
//! let at = |s: &str| s.parse::<SourcePosition>().unwrap();
//! history.apply(&at("mysql-bin.000001:400"), "shop",
//!     "CREATE TABLE orders (id INT UNSIGNED NOT NULL PRIMARY KEY, state ENUM('new','paid'))").unwrap();
//! history.apply(&at("mysql-bin.000001:900"), "shop",
//!     "ALTER TABLE orders ADD COLUMN note VARCHAR(40) CHARACTER SET latin1 AFTER id, ALGORITHM=INPLACE, LOCK=NONE").unwrap();
//!
//! let orders = TableId::new("shop", "orders");
//! let before = history.schema_at(&orders, &at("mysql-bin.000001:600")).unwrap();
//! let after = history.schema_at(&orders, &at("mysql-bin.000001:900")).unwrap();
//! assert_eq!(before.columns.len(), 2);
//! assert_eq!(after.columns[1].name, "note");
//! assert_eq!(after.columns[1].collation.as_deref(), Some("latin1_swedish_ci"));
//! ```
//!
//! # The DDL parser: sqlparser's tokenizer, our grammar
//!
//! sqlparser 0.63's `MySqlDialect` was evaluated as the statement parser and rejects too much
//! of what real MySQL/MariaDB servers log (pinned by the test
//! `sqlparser_mysql_dialect_still_rejects_these_statements`, so an upgrade that fixes them is
//! noticed): column attributes `ZEROFILL`, `NATIONAL VARCHAR`, `LONG VARCHAR`, `CHAR(3) BINARY`,
//! `CHARSET x` (as a column attribute), MariaDB `PERSISTENT` and `COMPRESSED`, `COLUMN_FORMAT`,
//! `WITHOUT SYSTEM VERSIONING`; `PRIMARY KEY USING BTREE (a)`; `PARTITION BY` and `WITH SYSTEM
//! VERSIONING` after a table body; and in `ALTER TABLE`: `CONVERT TO CHARACTER SET`,
//! `DEFAULT CHARSET=`, `COMMENT=`, `ENGINE=`, `FORCE`, `RENAME t2` (without `TO`), `DROP KEY`,
//! `RENAME INDEX a TO b`, `ADD COLUMN (a INT, b INT)`, `ALTER ONLINE|IGNORE TABLE`, and
//! MariaDB's `IF [NOT] EXISTS` on `ADD/MODIFY/CHANGE COLUMN` and `ADD/DROP INDEX`; also
//! `CREATE SCHEMA d CHARACTER SET ...`, `ALTER DATABASE`, `CREATE USER 'u'@'%'` and stored
//! routine bodies, which must be classified rather than fail. (It does accept
//! `ALGORITHM=INPLACE, LOCK=NONE`.)
//!
//! So the statements are lexed with sqlparser's MySQL tokenizer (quoting, backslash escapes,
//! comments) and parsed by this crate's own recursive-descent grammar ([`ddl`]) covering the
//! statements that change table schemas; executable comments (`/*!50100 ... */`, MariaDB
//! `/*M!...*/`) are unwrapped first, because the server ran their text. Expressions (defaults,
//! generated columns, checks) are kept as canonical token text, not interpreted.
//!
//! # What a tracked schema holds, and what it does not
//!
//! Tracked and catalog-read schemas are built by the same rules so that they compare equal:
//! `native_type` is the server's `COLUMN_TYPE` spelling for the [`Flavor`] (display widths on
//! MariaDB and MySQL 5.7); literal defaults are converted to the column's type as the server
//! stores them; `CURRENT_TIMESTAMP`/`NOW()` defaults are `current_timestamp()`/
//! `current_timestamp(n)`; expressions and generated columns compare as canonical token text
//! (quoting, case and spacing removed); unique keys and indexes are ordered by name. Not
//! tracked: foreign keys (and the indexes InnoDB creates for them), check constraints,
//! whether a generated column is stored, SRIDs, `explicit_defaults_for_timestamp=OFF`'s
//! implicit `TIMESTAMP` defaults (ON is assumed, the default since MySQL 8.0 and MariaDB
//! 10.10), MariaDB sequences and temporary tables (never logged in row format), and
//! `ALTER TABLE` specifications that depend on each other within one statement in ways a
//! left-to-right application does not reproduce (swapping two column names in one statement).
//! `CREATE TABLE ... SELECT` without a column list is an error (row-based binlogs log it with
//! its columns).

pub mod binlog;
pub mod catalog;
mod charset;
pub mod ddl;
mod error;
mod history;
mod osc;
mod tracker;
mod types;

pub use catalog::{Catalog, CatalogRows};
pub use charset::{CharsetInfo, Charsets, Flavor};
pub use error::{Error, ErrorKind, Result, TextPos};
pub use history::SchemaHistory;
pub use osc::{ShadowPattern, ShadowRole, ShadowRows, ShadowTables};
pub use tracker::{Change, DatabaseDef, Outcome, SchemaTracker, TableDef, TrackerOptions};
