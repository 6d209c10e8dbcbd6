//! # cdc-typemap
//!
//! How a column of one database becomes a column of another, and the DDL that creates the
//! target tables. Plain functions over [`cdc_model::TableSchema`]s: no I/O.
//!
//! - [`Mapper`]: per (source, target) pair, maps each [`cdc_model::Column`] to a
//!   [`ColumnMapping`] — the target type as the target's catalog spells it, the CHECK or type
//!   it needs, and every lossy, unsupported or noteworthy case as an [`Issue`] (table, column,
//!   source type, [`Severity`], [`IssueKind`], reason). Pairs: MySQL/MariaDB to
//!   MySQL/MariaDB, PostgreSQL, AnalyticDB for PostgreSQL and MaxCompute; PostgreSQL to
//!   PostgreSQL, AnalyticDB and MaxCompute.
//! - [`avro`]: Avro schema JSON for any column type; `arrow` (feature `arrow`): Arrow
//!   `DataType`s.
//! - [`NamePolicy`], [`quote_ident`], [`is_reserved`], [`fit_identifier`]: target names.
//! - [`ddl`]: `CREATE TABLE` (with keys, defaults, identity, generated columns of the
//!   source's kind, comments, indexes, domains with their constraints, partitions, and
//!   foreign keys to add after the load) for PostgreSQL, AnalyticDB, MySQL/MariaDB, and
//!   MaxCompute `_base`/`_log` tables.
//! - [`translate`]: incremental DDL — one source DDL statement (a MySQL binlog QUERY event, a
//!   captured PostgreSQL command) to the target's statements, with the same mapping, names
//!   and reported issues.
//!
//! The mapping tables, generated from this code (a test fails when they drift), are in
//! [`mappings`] (`MAPPING.md` beside this crate), with where they differ from pgloader's
//! defaults and why.
//!
//! ```
//! use cdc_model::{Column, ColumnType, TableId};
//! use cdc_typemap::{Dialect, IssueKind, Mapper};
//!
//! let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15)?;
//! let t = TableId::new("shop", "orders");
//! let placed = Column::new("placed", ColumnType::DateTime { precision: Some(3) });
//! let m = mapper.map_column(&t, &placed);
//! assert_eq!(m.target_type.as_deref(), Some("timestamp(3) without time zone"));
//! assert_eq!(m.issues[0].kind, IssueKind::ZeroDateToNull);
//! # Ok::<(), cdc_typemap::UnsupportedPair>(())
//! ```

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod avro;
pub mod corpus;
pub mod ddl;
mod dialect;
pub mod mappings {
    #![doc = include_str!("../MAPPING.md")]
}
mod issue;
mod mapping;
mod naming;
mod to_maxcompute;
mod to_mysql;
mod to_pg;
pub mod translate;

pub use dialect::{Dialect, Version};
pub use issue::{Issue, IssueKind, Severity};
pub use mapping::{
    Check, ColumnMapping, EnumAs, MapOptions, Mapper, SetAs, SpatialAs, TypeDef, UnsupportedPair,
};
pub use naming::{
    Case, NamePolicy, fit_identifier, identifier_len, is_reserved, needs_quoting, quote_ident,
    quote_literal, quote_table, reserved_words,
};
pub use to_maxcompute::{MAX_DECIMAL_PRECISION, MAX_DECIMAL_SCALE, MAX_VALUE_BYTES};
