//! The mapper: one source column in, one target column type (or none) and the reported
//! cases out.

use cdc_model::{Column, ColumnType, TableId};
use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;
use crate::issue::{Issue, Reporter};
use crate::{to_maxcompute, to_mysql, to_pg};

/// How `ENUM` columns reach PostgreSQL-family targets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnumAs {
    /// `text` with `CHECK (col IN (labels))`: no new type to manage, labels can be added by
    /// replacing the CHECK (the default).
    #[default]
    CheckedText,
    /// A PostgreSQL enum type named `<table>_<column>` (what pgloader does).
    PgEnum,
}

/// How `SET` columns reach PostgreSQL-family targets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetAs {
    /// `text` holding MySQL's comma-separated form (`a,c`), exactly as MySQL prints it (the
    /// default).
    #[default]
    Text,
    /// `text[]` with `CHECK (col <@ ARRAY[labels])`.
    TextArray,
}

/// How spatial columns reach PostgreSQL-family targets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpatialAs {
    /// PostGIS `geometry(kind, srid)`; the target needs the `postgis` extension (the default).
    #[default]
    PostGis,
    /// `bytea` holding the WKB, for targets without PostGIS.
    Wkb,
}

/// Choices where more than one faithful mapping exists. The defaults are the mappings that
/// lose nothing; every choice that can lose values reports it.
///
/// ```
/// use cdc_typemap::MapOptions;
/// let o = MapOptions { tinyint1_as_boolean: true, ..MapOptions::default() };
/// assert!(o.jsonb);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MapOptions {
    /// MySQL `TINYINT(1)` becomes `boolean` (reported as lossy: 2 becomes `true`). Default:
    /// `false`, `smallint`.
    pub tinyint1_as_boolean: bool,
    /// MySQL `TIME` becomes `interval`, which holds its whole range. Default: `false`, `time`
    /// (values outside a day are reported).
    pub time_as_interval: bool,
    /// ENUM representation on PostgreSQL targets.
    pub enum_as: EnumAs,
    /// SET representation on PostgreSQL targets.
    pub set_as: SetAs,
    /// MySQL `JSON` becomes `jsonb` (default) or `json`.
    pub jsonb: bool,
    /// Spatial representation on PostgreSQL targets.
    pub spatial: SpatialAs,
}

impl Default for MapOptions {
    fn default() -> MapOptions {
        MapOptions {
            tinyint1_as_boolean: false,
            time_as_interval: false,
            enum_as: EnumAs::default(),
            set_as: SetAs::default(),
            jsonb: true,
            spatial: SpatialAs::default(),
        }
    }
}

/// A constraint the mapping adds so the target keeps the source type's domain.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// `col BETWEEN min AND max` (unsigned integers widened to a signed type).
    Range {
        /// Smallest value, as a decimal literal.
        min: String,
        /// Largest value, as a decimal literal.
        max: String,
    },
    /// `col IN (labels)` (ENUM as text).
    OneOf(Vec<String>),
    /// `col <@ ARRAY[labels]` (SET as `text[]`).
    SubsetOf(Vec<String>),
}

impl Check {
    /// The CHECK expression (PostgreSQL syntax) over the already quoted column name.
    ///
    /// ```
    /// use cdc_typemap::Check;
    /// let c = Check::OneOf(vec!["a".into(), "it's".into()]);
    /// assert_eq!(c.to_sql("\"e\""), "\"e\" IN ('a', 'it''s')");
    /// ```
    pub fn to_sql(&self, quoted_column: &str) -> String {
        match self {
            Check::Range { min, max } => format!("{quoted_column} BETWEEN {min} AND {max}"),
            Check::OneOf(labels) => format!("{quoted_column} IN ({})", literal_list(labels)),
            Check::SubsetOf(labels) => {
                format!("{quoted_column} <@ ARRAY[{}]::text[]", literal_list(labels))
            }
        }
    }
}

fn literal_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| crate::naming::string_literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type the target needs before the table can be created.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeDef {
    /// `CREATE TYPE name AS ENUM (labels)`.
    Enum {
        /// Type name (unquoted; quote it with the target's rules).
        name: String,
        /// Labels in order.
        labels: Vec<String>,
    },
    /// `CREATE DOMAIN name AS base`.
    Domain {
        /// Domain name.
        name: String,
        /// The base type, already in target syntax.
        base: String,
    },
}

/// What one source column becomes on the target.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The target type as the target's catalog spells it (PostgreSQL: `format_type`, e.g.
    /// `character varying(20)`; MySQL: `COLUMN_TYPE`, e.g. `int(10) unsigned` without
    /// width; MaxCompute: `DECIMAL(20,0)`). `None` when the target cannot hold the column;
    /// an [`Issue`] with [`crate::Severity::Unsupported`] says why.
    pub target_type: Option<String>,
    /// MySQL targets: `CHARACTER SET` of the column.
    pub charset: Option<String>,
    /// Collation to declare on the target column.
    pub collation: Option<String>,
    /// A CHECK keeping the source domain.
    pub check: Option<Check>,
    /// A type to create first.
    pub type_def: Option<TypeDef>,
    /// An extension the target needs (`postgis`).
    pub extension: Option<String>,
    /// Everything lossy, unsupported or noteworthy about this column.
    pub issues: Vec<Issue>,
}

impl ColumnMapping {
    pub(crate) fn new(target_type: Option<String>, issues: Vec<Issue>) -> ColumnMapping {
        ColumnMapping {
            target_type,
            charset: None,
            collation: None,
            check: None,
            type_def: None,
            extension: None,
            issues,
        }
    }
}

/// A source/target pair this crate has no mapping for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnsupportedPair {
    /// The source.
    pub source: Dialect,
    /// The target.
    pub target: Dialect,
}

impl std::fmt::Display for UnsupportedPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no type mapping from {} to {}: supported are MySQL/MariaDB to MySQL/MariaDB, \
             PostgreSQL, AnalyticDB and MaxCompute, and PostgreSQL to PostgreSQL, AnalyticDB \
             and MaxCompute",
            self.source, self.target
        )
    }
}

impl std::error::Error for UnsupportedPair {}

/// Maps columns from one engine to another.
///
/// The mapping is total: every [`ColumnType`] gives a [`ColumnMapping`], and every case that is
/// not an exact copy is reported as an [`Issue`] in it.
///
/// ```
/// use cdc_model::{Column, ColumnType, TableId};
/// use cdc_typemap::{Check, Dialect, Mapper};
///
/// let mapper = Mapper::new(Dialect::MYSQL_80, Dialect::POSTGRES_15)?;
/// let t = TableId::new("shop", "orders");
/// let m = mapper.map_column(&t, &Column::new("n", ColumnType::Int { unsigned: true }));
/// assert_eq!(m.target_type.as_deref(), Some("bigint"));
/// assert_eq!(m.check, Some(Check::Range { min: "0".into(), max: "4294967295".into() }));
/// # Ok::<(), cdc_typemap::UnsupportedPair>(())
/// ```
#[derive(Clone, Debug)]
pub struct Mapper {
    source: Dialect,
    target: Dialect,
    options: MapOptions,
}

impl Mapper {
    /// A mapper with the default [`MapOptions`].
    pub fn new(source: Dialect, target: Dialect) -> Result<Mapper, UnsupportedPair> {
        Mapper::with_options(source, target, MapOptions::default())
    }

    /// A mapper with these options.
    pub fn with_options(
        source: Dialect,
        target: Dialect,
        options: MapOptions,
    ) -> Result<Mapper, UnsupportedPair> {
        let ok = match (source, target) {
            (s, t) if s.is_mysql_family() => {
                t.is_mysql_family() || t.is_postgres_family() || t == Dialect::MaxCompute
            }
            (Dialect::PostgreSql(_), t) => t.is_postgres_family() || t == Dialect::MaxCompute,
            _ => false,
        };
        if ok {
            Ok(Mapper {
                source,
                target,
                options,
            })
        } else {
            Err(UnsupportedPair { source, target })
        }
    }

    /// The source engine.
    pub fn source(&self) -> Dialect {
        self.source
    }

    /// The target engine.
    pub fn target(&self) -> Dialect {
        self.target
    }

    /// The options.
    pub fn options(&self) -> &MapOptions {
        &self.options
    }

    /// Maps one column of `table`.
    pub fn map_column(&self, table: &TableId, column: &Column) -> ColumnMapping {
        let mut r = Reporter::new(table, Some(&column.name), Some(source_type(column)));
        let mut m = if self.target.is_postgres_family() {
            to_pg::map(self, table, column, &mut r)
        } else if self.target.is_mysql_family() {
            to_mysql::map(self, column, &mut r)
        } else {
            to_maxcompute::map(self, column, &mut r)
        };
        m.issues.append(&mut r.issues);
        m
    }

    /// Maps a bare type (no column attributes), for tables and docs. `column` names it in
    /// reports.
    pub fn map_type(&self, table: &TableId, column: &str, ty: &ColumnType) -> ColumnMapping {
        self.map_column(table, &Column::new(column, ty.clone()))
    }
}

/// The source's spelling of the column type: its catalog spelling when known.
pub(crate) fn source_type(column: &Column) -> String {
    column
        .native_type
        .clone()
        .unwrap_or_else(|| column.ty.to_string())
}

/// MySQL `TINYINT(1)`, the usual boolean stand-in.
pub(crate) fn is_tinyint1(column: &Column) -> bool {
    matches!(column.ty, ColumnType::TinyInt { .. })
        && column
            .native_type
            .as_deref()
            .is_some_and(|n| n.trim().to_ascii_lowercase().starts_with("tinyint(1)"))
}

/// The largest value of an unsigned MySQL integer type, and the next wider signed type's
/// name in PostgreSQL.
pub(crate) fn unsigned_max(ty: &ColumnType) -> Option<&'static str> {
    match ty {
        ColumnType::TinyInt { unsigned: true } => Some("255"),
        ColumnType::SmallInt { unsigned: true } => Some("65535"),
        ColumnType::MediumInt { unsigned: true } => Some("16777215"),
        ColumnType::Int { unsigned: true } => Some("4294967295"),
        ColumnType::BigInt { unsigned: true } => Some("18446744073709551615"),
        _ => None,
    }
}
