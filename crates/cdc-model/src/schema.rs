//! Column types, columns, keys and table schemas.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::value::Charset;

/// A column's type as the source declares it, with every parameter a mapping needs.
///
/// One enum covers both source families; where a MySQL and a PostgreSQL type mean the same
/// thing they share a variant (`INT` and `int4` are both [`ColumnType::Int`]), and the source's
/// own spelling is kept in [`Column::native_type`] for same-engine migrations.
///
/// ```
/// use cdc_model::{Charset, ColumnType};
/// let t = ColumnType::VarChar { length: Some(20), charset: Some(Charset::Utf8mb4) };
/// assert_eq!(t.to_string(), "varchar(20)");
/// assert_eq!(ColumnType::BigInt { unsigned: true }.to_string(), "bigint unsigned");
/// assert_eq!(ColumnType::Decimal { precision: Some(65), scale: Some(30) }.to_string(),
///            "decimal(65,30)");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ColumnType {
    /// PostgreSQL `boolean`.
    Bool,
    /// MySQL `TINYINT` (8 bits).
    TinyInt {
        /// `UNSIGNED`.
        unsigned: bool,
    },
    /// MySQL `SMALLINT`, PostgreSQL `int2` (16 bits).
    SmallInt {
        /// `UNSIGNED`.
        unsigned: bool,
    },
    /// MySQL `MEDIUMINT` (24 bits).
    MediumInt {
        /// `UNSIGNED`.
        unsigned: bool,
    },
    /// MySQL `INT`, PostgreSQL `int4`; unsigned also stands for PostgreSQL `oid` (32 bits).
    Int {
        /// `UNSIGNED`.
        unsigned: bool,
    },
    /// MySQL `BIGINT`, PostgreSQL `int8` (64 bits).
    BigInt {
        /// `UNSIGNED`.
        unsigned: bool,
    },
    /// IEEE single precision (MySQL `FLOAT`, PostgreSQL `float4`).
    Float,
    /// IEEE double precision (MySQL `DOUBLE`, PostgreSQL `float8`).
    Double,
    /// Exact decimal. PostgreSQL's unconstrained `numeric` has neither precision nor scale.
    Decimal {
        /// Total digits (MySQL up to 65, PostgreSQL up to 1000).
        precision: Option<u32>,
        /// Digits after the point.
        scale: Option<u32>,
    },
    /// MySQL `YEAR`.
    Year,
    /// A date.
    Date,
    /// MySQL `TIME(fsp)`, PostgreSQL `time(p)`.
    Time {
        /// Fractional-second digits, 0..=6 (`None`: the source's default).
        precision: Option<u8>,
    },
    /// PostgreSQL `timetz(p)`.
    TimeTz {
        /// Fractional-second digits.
        precision: Option<u8>,
    },
    /// MySQL `DATETIME(fsp)`, PostgreSQL `timestamp(p)`.
    DateTime {
        /// Fractional-second digits.
        precision: Option<u8>,
    },
    /// MySQL `TIMESTAMP(fsp)`, PostgreSQL `timestamptz(p)`.
    Timestamp {
        /// Fractional-second digits.
        precision: Option<u8>,
    },
    /// PostgreSQL `interval`.
    Interval,
    /// Fixed-length characters (`CHAR(n)`, `bpchar(n)`).
    Char {
        /// Length in characters.
        length: Option<u32>,
        /// Character set, when the source tells it per column.
        charset: Option<Charset>,
    },
    /// Variable-length characters (`VARCHAR(n)`, `character varying(n)`).
    VarChar {
        /// Maximum length in characters (`None`: unbounded).
        length: Option<u32>,
        /// Character set, when the source tells it per column.
        charset: Option<Charset>,
    },
    /// Long text: MySQL `TINYTEXT`..`LONGTEXT` (by `max_bytes`), PostgreSQL `text` (unbounded).
    Text {
        /// Largest length in bytes: 255, 65535, 16777215, 4294967295, or `None` for unbounded.
        max_bytes: Option<u64>,
        /// Character set.
        charset: Option<Charset>,
    },
    /// MySQL `BINARY(n)`.
    Binary {
        /// Length in bytes.
        length: u32,
    },
    /// MySQL `VARBINARY(n)`.
    VarBinary {
        /// Maximum length in bytes.
        length: u32,
    },
    /// MySQL `TINYBLOB`..`LONGBLOB` (by `max_bytes`), PostgreSQL `bytea` (unbounded).
    Blob {
        /// Largest length in bytes, or `None` for unbounded.
        max_bytes: Option<u64>,
    },
    /// `BIT(n)`; with `varying`, PostgreSQL `varbit(n)`.
    Bit {
        /// Length in bits (the maximum, when varying; `None` for unbounded `varbit`).
        length: Option<u32>,
        /// PostgreSQL `bit varying`.
        varying: bool,
    },
    /// `ENUM`: MySQL inline members, or a PostgreSQL enum type.
    Enum {
        /// PostgreSQL type name (schema-qualified when not in the search path).
        name: Option<String>,
        /// Member labels in order (may be empty when the source did not say).
        labels: Vec<String>,
    },
    /// MySQL `SET`.
    Set {
        /// Member labels in order.
        labels: Vec<String>,
    },
    /// MySQL `JSON`, PostgreSQL `json`.
    Json,
    /// PostgreSQL `jsonb`.
    Jsonb,
    /// A spatial type.
    Geometry {
        /// Which geometry the column holds.
        kind: GeometryKind,
        /// SRID constraint, if the column declares one.
        srid: Option<u32>,
    },
    /// MySQL 9 `VECTOR(n)`.
    Vector {
        /// Number of dimensions.
        dimensions: u32,
    },
    /// UUID (PostgreSQL `uuid`, MariaDB `UUID`).
    Uuid,
    /// PostgreSQL `inet`, MariaDB `INET6`/`INET4`.
    Inet,
    /// PostgreSQL `cidr`.
    Cidr,
    /// PostgreSQL `macaddr`.
    MacAddr,
    /// PostgreSQL `macaddr8`.
    MacAddr8,
    /// PostgreSQL `money`.
    Money,
    /// PostgreSQL array of `element`.
    Array {
        /// Element type.
        element: Box<ColumnType>,
    },
    /// PostgreSQL domain over `base`.
    Domain {
        /// Domain name.
        name: String,
        /// The underlying type.
        base: Box<ColumnType>,
    },
    /// A type this model has no variant for, kept by name (and PostgreSQL type OID). Values of it
    /// arrive as text, never dropped.
    Other {
        /// The source's type name.
        name: String,
        /// PostgreSQL type OID, if any.
        oid: Option<u32>,
    },
}

/// The kinds of spatial values (OGC simple features).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryKind {
    /// Any geometry.
    Geometry,
    /// POINT.
    Point,
    /// LINESTRING.
    LineString,
    /// POLYGON.
    Polygon,
    /// MULTIPOINT.
    MultiPoint,
    /// MULTILINESTRING.
    MultiLineString,
    /// MULTIPOLYGON.
    MultiPolygon,
    /// GEOMETRYCOLLECTION.
    GeometryCollection,
}

impl GeometryKind {
    /// The SQL name, lower case (`point`, `geometrycollection`).
    pub fn name(&self) -> &'static str {
        match self {
            GeometryKind::Geometry => "geometry",
            GeometryKind::Point => "point",
            GeometryKind::LineString => "linestring",
            GeometryKind::Polygon => "polygon",
            GeometryKind::MultiPoint => "multipoint",
            GeometryKind::MultiLineString => "multilinestring",
            GeometryKind::MultiPolygon => "multipolygon",
            GeometryKind::GeometryCollection => "geometrycollection",
        }
    }
}

impl fmt::Display for ColumnType {
    /// A short, engine-neutral spelling (MySQL-like), for messages and reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uns = |u: &bool| if *u { " unsigned" } else { "" };
        let prec = |f: &mut fmt::Formatter<'_>, name: &str, p: &Option<u8>| match p {
            Some(p) => write!(f, "{name}({p})"),
            None => f.write_str(name),
        };
        let len = |f: &mut fmt::Formatter<'_>, name: &str, l: Option<u32>| match l {
            Some(l) => write!(f, "{name}({l})"),
            None => f.write_str(name),
        };
        match self {
            ColumnType::Bool => f.write_str("boolean"),
            ColumnType::TinyInt { unsigned } => write!(f, "tinyint{}", uns(unsigned)),
            ColumnType::SmallInt { unsigned } => write!(f, "smallint{}", uns(unsigned)),
            ColumnType::MediumInt { unsigned } => write!(f, "mediumint{}", uns(unsigned)),
            ColumnType::Int { unsigned } => write!(f, "int{}", uns(unsigned)),
            ColumnType::BigInt { unsigned } => write!(f, "bigint{}", uns(unsigned)),
            ColumnType::Float => f.write_str("float"),
            ColumnType::Double => f.write_str("double"),
            ColumnType::Decimal { precision, scale } => match (precision, scale) {
                (Some(p), Some(s)) => write!(f, "decimal({p},{s})"),
                (Some(p), None) => write!(f, "decimal({p})"),
                _ => f.write_str("decimal"),
            },
            ColumnType::Year => f.write_str("year"),
            ColumnType::Date => f.write_str("date"),
            ColumnType::Time { precision } => prec(f, "time", precision),
            ColumnType::TimeTz { precision } => prec(f, "timetz", precision),
            ColumnType::DateTime { precision } => prec(f, "datetime", precision),
            ColumnType::Timestamp { precision } => prec(f, "timestamp", precision),
            ColumnType::Interval => f.write_str("interval"),
            ColumnType::Char { length, .. } => len(f, "char", *length),
            ColumnType::VarChar { length, .. } => len(f, "varchar", *length),
            ColumnType::Text { max_bytes, .. } => f.write_str(match max_bytes {
                Some(255) => "tinytext",
                Some(65_535) => "text",
                Some(16_777_215) => "mediumtext",
                Some(_) => "longtext",
                None => "text",
            }),
            ColumnType::Binary { length } => write!(f, "binary({length})"),
            ColumnType::VarBinary { length } => write!(f, "varbinary({length})"),
            ColumnType::Blob { max_bytes } => f.write_str(match max_bytes {
                Some(255) => "tinyblob",
                Some(65_535) => "blob",
                Some(16_777_215) => "mediumblob",
                Some(_) => "longblob",
                None => "bytea",
            }),
            ColumnType::Bit { length, varying } => {
                len(f, if *varying { "varbit" } else { "bit" }, *length)
            }
            ColumnType::Enum { name: Some(n), .. } => f.write_str(n),
            ColumnType::Enum { labels, .. } => write!(f, "enum({})", quoted_list(labels)),
            ColumnType::Set { labels } => write!(f, "set({})", quoted_list(labels)),
            ColumnType::Json => f.write_str("json"),
            ColumnType::Jsonb => f.write_str("jsonb"),
            ColumnType::Geometry { kind, .. } => f.write_str(kind.name()),
            ColumnType::Vector { dimensions } => write!(f, "vector({dimensions})"),
            ColumnType::Uuid => f.write_str("uuid"),
            ColumnType::Inet => f.write_str("inet"),
            ColumnType::Cidr => f.write_str("cidr"),
            ColumnType::MacAddr => f.write_str("macaddr"),
            ColumnType::MacAddr8 => f.write_str("macaddr8"),
            ColumnType::Money => f.write_str("money"),
            ColumnType::Array { element } => write!(f, "{element}[]"),
            ColumnType::Domain { name, .. } => f.write_str(name),
            ColumnType::Other { name, .. } => f.write_str(name),
        }
    }
}

fn quoted_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",")
}

/// A column's default.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnDefault {
    /// A literal value, as the source's catalog writes it (`0`, `abc`, `2024-01-01`).
    Literal(String),
    /// An expression (`CURRENT_TIMESTAMP`, `nextval('t_id_seq'::regclass)`, `(uuid())`).
    Expression(String),
}

/// One column of a table.
///
/// ```
/// use cdc_model::{Column, ColumnType};
/// let c = Column::new("id", ColumnType::BigInt { unsigned: false }).not_null();
/// assert!(!c.nullable);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Column {
    /// Column name as the source spells it.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// The source's own spelling of the type (`int(10) unsigned`, `character varying(20)`),
    /// when read from its catalog.
    pub native_type: Option<String>,
    /// May hold NULL.
    pub nullable: bool,
    /// The default, if any.
    pub default: Option<ColumnDefault>,
    /// MySQL `ON UPDATE CURRENT_TIMESTAMP`.
    pub on_update_current_timestamp: bool,
    /// MySQL `AUTO_INCREMENT`, PostgreSQL `serial` or identity.
    pub auto_increment: bool,
    /// Generation expression of a generated column.
    pub generated: Option<String>,
    /// Whether a generated column is stored or computed on read, when the source says
    /// (`None`: not known, or not a generated column). PostgreSQL up to 17 has only stored
    /// generated columns; MySQL and MariaDB have both (MariaDB calls stored `PERSISTENT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_kind: Option<GeneratedKind>,
    /// MySQL invisible column.
    pub invisible: bool,
    /// Collation name, when the source names one.
    pub collation: Option<String>,
    /// Column comment.
    pub comment: Option<String>,
}

impl Column {
    /// A nullable column with no default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            native_type: None,
            nullable: true,
            default: None,
            on_update_current_timestamp: false,
            auto_increment: false,
            generated: None,
            generated_kind: None,
            invisible: false,
            collation: None,
            comment: None,
        }
    }

    /// The same column, `NOT NULL`.
    pub fn not_null(mut self) -> Column {
        self.nullable = false;
        self
    }

    /// The same column, generated from `expression` and stored or virtual as `kind` says.
    ///
    /// ```
    /// use cdc_model::{Column, ColumnType, GeneratedKind};
    /// let c = Column::new("total", ColumnType::Int { unsigned: false })
    ///     .with_generated("price * qty", GeneratedKind::Stored);
    /// assert_eq!(c.generated.as_deref(), Some("price * qty"));
    /// assert_eq!(c.generated_kind, Some(GeneratedKind::Stored));
    /// ```
    pub fn with_generated(mut self, expression: impl Into<String>, kind: GeneratedKind) -> Column {
        self.generated = Some(expression.into());
        self.generated_kind = Some(kind);
        self
    }
}

/// How a generated column keeps its values ([`Column::generated_kind`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratedKind {
    /// Computed on write and stored (`STORED`; MariaDB also `PERSISTENT`).
    Stored,
    /// Computed when read, not stored (`VIRTUAL`, MySQL's default).
    Virtual,
}

/// A table's identity: schema (for MySQL, the database) and name.
///
/// ```
/// use cdc_model::TableId;
/// let t = TableId::new("shop", "orders");
/// assert_eq!(t.to_string(), "shop.orders");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct TableId {
    /// MySQL database or PostgreSQL schema.
    pub schema: String,
    /// Table name.
    pub name: String,
}

impl TableId {
    /// A table id from schema and name.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> TableId {
        TableId {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for TableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// One column of a key or index.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct KeyColumn {
    /// Column name.
    pub column: String,
    /// MySQL prefix length (`KEY (name(10))`).
    pub prefix_len: Option<u32>,
    /// Descending order.
    pub descending: bool,
}

impl KeyColumn {
    /// A whole-column, ascending key part.
    pub fn new(column: impl Into<String>) -> KeyColumn {
        KeyColumn {
            column: column.into(),
            prefix_len: None,
            descending: false,
        }
    }
}

/// A primary key, unique key or secondary index.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Index {
    /// Index or constraint name.
    pub name: Option<String>,
    /// Key parts in order.
    pub columns: Vec<KeyColumn>,
    /// Unique.
    pub unique: bool,
    /// Access method (`BTREE`, `HASH`, `gin`, `FULLTEXT`, `SPATIAL`), when not the default.
    pub method: Option<String>,
}

impl Index {
    /// A default-method index over whole columns.
    pub fn new(name: Option<&str>, columns: &[&str], unique: bool) -> Index {
        Index {
            name: name.map(str::to_owned),
            columns: columns.iter().map(|c| KeyColumn::new(*c)).collect(),
            unique,
            method: None,
        }
    }
}

/// What a foreign key does when its parent row changes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForeignKeyAction {
    /// `NO ACTION` (the default).
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

/// A foreign key.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub referenced_table: TableId,
    /// Referenced columns, paired with `columns`.
    pub referenced_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: ForeignKeyAction,
    /// `ON UPDATE`.
    pub on_update: ForeignKeyAction,
}

/// A table definition: columns in ordinal order, keys, indexes and foreign keys.
///
/// Row images ([`crate::RowImage`]) are aligned with `columns`: value `i` belongs to column `i`.
///
/// ```
/// use cdc_model::{Column, ColumnType, Index, TableId, TableSchema};
/// let mut t = TableSchema::new(TableId::new("shop", "orders"), vec![
///     Column::new("id", ColumnType::BigInt { unsigned: false }).not_null(),
///     Column::new("sku", ColumnType::VarChar { length: Some(32), charset: None }),
/// ]);
/// t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
/// assert_eq!(t.column_index("sku"), Some(1));
/// assert_eq!(t.identity_columns(), Some(vec![0]));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct TableSchema {
    /// The table.
    pub id: TableId,
    /// Columns in ordinal order.
    pub columns: Vec<Column>,
    /// Primary key.
    pub primary_key: Option<Index>,
    /// Unique keys other than the primary key.
    pub unique_keys: Vec<Index>,
    /// Non-unique secondary indexes.
    pub indexes: Vec<Index>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Table comment.
    pub comment: Option<String>,
    /// How the table is partitioned, when it is and the source said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<Partitioning>,
    /// Definitions of the PostgreSQL domains the columns use ([`ColumnType::Domain`] names
    /// them), when the source's catalog was read for them. A domain used by a column but not
    /// listed here is known only by its name and base type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<DomainDef>,
}

impl TableSchema {
    /// A table with these columns and no keys.
    pub fn new(id: TableId, columns: Vec<Column>) -> TableSchema {
        TableSchema {
            id,
            columns,
            primary_key: None,
            unique_keys: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            comment: None,
            partitioning: None,
            domains: Vec::new(),
        }
    }

    /// The definition of the domain named `name` in [`TableSchema::domains`].
    pub fn domain(&self, name: &str) -> Option<&DomainDef> {
        self.domains.iter().find(|d| d.name == name)
    }

    /// Position of the column named `name` (exact match).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The columns that identify a row: the primary key, else the first unique key whose
    /// columns are all `NOT NULL`. `None` when the table has neither (such tables need a full
    /// row image to be replicated safely).
    pub fn identity_columns(&self) -> Option<Vec<usize>> {
        let resolve = |ix: &Index| -> Option<Vec<usize>> {
            ix.columns
                .iter()
                .map(|k| self.column_index(&k.column))
                .collect()
        };
        if let Some(pk) = &self.primary_key {
            return resolve(pk);
        }
        self.unique_keys.iter().find_map(|uk| {
            let cols = resolve(uk)?;
            cols.iter()
                .all(|i| self.columns.get(*i).is_some_and(|c| !c.nullable))
                .then_some(cols)
        })
    }
}

/// How rows are distributed over partitions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionStrategy {
    /// By ranges of the key (`RANGE`; MySQL also `RANGE COLUMNS`).
    Range,
    /// By lists of key values (`LIST`; MySQL also `LIST COLUMNS`).
    List,
    /// By a hash of the key (`HASH`; MySQL also `LINEAR HASH`).
    Hash,
    /// MySQL `KEY` (`LINEAR KEY`): by the server's own hash of the listed columns.
    Key,
}

impl PartitionStrategy {
    /// The SQL keyword: `RANGE`, `LIST`, `HASH` or `KEY`.
    pub fn keyword(&self) -> &'static str {
        match self {
            PartitionStrategy::Range => "RANGE",
            PartitionStrategy::List => "LIST",
            PartitionStrategy::Hash => "HASH",
            PartitionStrategy::Key => "KEY",
        }
    }
}

/// A table's partitioning: the strategy, the key, and the partitions with their bounds.
///
/// Texts are kept as the source's catalog prints them, so a same-engine migration can
/// re-create them unchanged:
///
/// - PostgreSQL: `key` is what `pg_get_partkeydef` prints inside the parentheses (`created`,
///   `region, lower(name)`), each partition is a table (`schema` set when it differs from the
///   parent's), and `bound` is `pg_get_expr(relpartbound, oid)` (`FOR VALUES FROM ('2024-01-01')
///   TO ('2025-01-01')`, `FOR VALUES IN (1, 2)`, `FOR VALUES WITH (modulus 4, remainder 0)`,
///   `DEFAULT`). A partition that is itself partitioned carries its `subpartitioning`.
/// - MySQL/MariaDB: `key` is the expression or column list in the `PARTITION BY` clause,
///   `columns` marks `RANGE COLUMNS`/`LIST COLUMNS`, `linear` marks `LINEAR HASH`/`LINEAR KEY`,
///   partitions are named parts of the table (`schema` is `None`), and `bound` is the
///   partition's `VALUES LESS THAN (...)` / `VALUES IN (...)` clause (empty for HASH and KEY).
///
/// ```
/// use cdc_model::{Partition, PartitionStrategy, Partitioning};
/// let p = Partitioning::new(PartitionStrategy::Range, "created")
///     .partition(Partition::new("orders_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"));
/// assert_eq!(p.to_string(), "RANGE (created)");
/// assert_eq!(p.partitions[0].name, "orders_2024");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Partitioning {
    /// The strategy.
    pub strategy: PartitionStrategy,
    /// The partition key: expressions or columns, comma-separated, without the enclosing
    /// parentheses.
    pub key: String,
    /// MySQL `RANGE COLUMNS` / `LIST COLUMNS` (the key is a column list compared as a tuple).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub columns: bool,
    /// MySQL `LINEAR HASH` / `LINEAR KEY`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub linear: bool,
    /// The partitions, in the source's order.
    pub partitions: Vec<Partition>,
}

impl Partitioning {
    /// A partitioning with no partitions yet.
    pub fn new(strategy: PartitionStrategy, key: impl Into<String>) -> Partitioning {
        Partitioning {
            strategy,
            key: key.into(),
            columns: false,
            linear: false,
            partitions: Vec::new(),
        }
    }

    /// The same partitioning with `partition` added last.
    pub fn partition(mut self, partition: Partition) -> Partitioning {
        self.partitions.push(partition);
        self
    }
}

impl fmt::Display for Partitioning {
    /// `RANGE (created)`, `LIST COLUMNS (region)`, `LINEAR HASH (id)`: the strategy and key as
    /// a `PARTITION BY` clause names them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.linear {
            f.write_str("LINEAR ")?;
        }
        f.write_str(self.strategy.keyword())?;
        if self.columns {
            f.write_str(" COLUMNS")?;
        }
        write!(f, " ({})", self.key)
    }
}

/// One partition of a partitioned table.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Partition {
    /// The partition's name (PostgreSQL: its table name).
    pub name: String,
    /// PostgreSQL: the partition table's schema, when it differs from the parent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The bound clause as the source prints it (see [`Partitioning`]).
    pub bound: String,
    /// PostgreSQL: the partition's own partitioning, when it is partitioned too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subpartitioning: Option<Box<Partitioning>>,
}

impl Partition {
    /// A partition in the parent's schema, not partitioned itself.
    pub fn new(name: impl Into<String>, bound: impl Into<String>) -> Partition {
        Partition {
            name: name.into(),
            schema: None,
            bound: bound.into(),
            subpartitioning: None,
        }
    }
}

/// A PostgreSQL domain's definition: base type, `NOT NULL`, default and CHECK constraints.
///
/// ```
/// use cdc_model::{ColumnType, DomainCheck, DomainDef};
/// let d = DomainDef::new("posint", ColumnType::Int { unsigned: false })
///     .check(DomainCheck::new(Some("posint_check"), "VALUE > 0"));
/// assert_eq!(d.checks[0].expression, "VALUE > 0");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct DomainDef {
    /// The domain's name, as [`ColumnType::Domain`] spells it (schema-qualified when not in
    /// the search path).
    pub name: String,
    /// The underlying type.
    pub base: ColumnType,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The default expression (`pg_type.typdefault` text), if any.
    pub default: Option<String>,
    /// Collation name, when the domain declares one.
    pub collation: Option<String>,
    /// CHECK constraints in name order.
    pub checks: Vec<DomainCheck>,
}

impl DomainDef {
    /// A nullable domain without default or constraints.
    pub fn new(name: impl Into<String>, base: ColumnType) -> DomainDef {
        DomainDef {
            name: name.into(),
            base,
            not_null: false,
            default: None,
            collation: None,
            checks: Vec::new(),
        }
    }

    /// The same domain with `check` added last.
    pub fn check(mut self, check: DomainCheck) -> DomainDef {
        self.checks.push(check);
        self
    }
}

/// One CHECK constraint of a domain.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct DomainCheck {
    /// Constraint name.
    pub name: Option<String>,
    /// The boolean expression over `VALUE`, without the `CHECK` keyword, as the source prints
    /// it (PostgreSQL: `pg_get_constraintdef` after `CHECK `, e.g. `((VALUE > 0))`; a target
    /// declares it as `CHECK (expression)`).
    pub expression: String,
}

impl DomainCheck {
    /// A CHECK with this name and expression.
    pub fn new(name: Option<&str>, expression: impl Into<String>) -> DomainCheck {
        DomainCheck {
            name: name.map(str::to_owned),
            expression: expression.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn partitioned() -> TableSchema {
        let mut t = TableSchema::new(
            TableId::new("app", "events"),
            vec![
                Column::new("id", ColumnType::BigInt { unsigned: false }).not_null(),
                Column::new("total", ColumnType::Int { unsigned: false })
                    .with_generated("id * 2", GeneratedKind::Virtual),
                Column::new(
                    "p",
                    ColumnType::Domain {
                        name: "posint".into(),
                        base: Box::new(ColumnType::Int { unsigned: false }),
                    },
                ),
            ],
        );
        let mut sub = Partitioning::new(PartitionStrategy::Hash, "id");
        sub.partitions.push(Partition::new(
            "e_2024_h0",
            "FOR VALUES WITH (modulus 2, remainder 0)",
        ));
        let mut y2024 = Partition::new("e_2024", "FOR VALUES FROM (0) TO (100)");
        y2024.schema = Some("other".into());
        y2024.subpartitioning = Some(Box::new(sub));
        t.partitioning = Some(
            Partitioning::new(PartitionStrategy::Range, "id")
                .partition(y2024)
                .partition(Partition::new("e_rest", "DEFAULT")),
        );
        t.domains = vec![
            DomainDef::new("posint", ColumnType::Int { unsigned: false })
                .check(DomainCheck::new(Some("posint_check"), "(VALUE > 0)")),
        ];
        t
    }

    #[test]
    fn new_fields_round_trip_through_json() {
        let t = partitioned();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<TableSchema>(&json).unwrap(), t);
        assert!(json.contains("\"generated_kind\":\"virtual\""), "{json}");
        assert!(json.contains("\"strategy\":\"range\""), "{json}");
        assert_eq!(t.domain("posint").unwrap().checks.len(), 1);
        assert!(t.domain("other").is_none());
    }

    #[test]
    fn schemas_without_the_new_fields_serialize_as_before_and_still_parse() {
        let t = TableSchema::new(
            TableId::new("s", "t"),
            vec![Column::new("a", ColumnType::Int { unsigned: false })],
        );
        let json = serde_json::to_string(&t).unwrap();
        for field in ["generated_kind", "partitioning", "domains"] {
            assert!(!json.contains(field), "{json}");
        }
        // A schema written before the fields existed.
        let old = r#"{"id":{"schema":"s","name":"t"},"columns":[{"name":"a",
            "type":{"type":"int","unsigned":false},"native_type":null,"nullable":true,
            "default":null,"on_update_current_timestamp":false,"auto_increment":false,
            "generated":null,"invisible":false,"collation":null,"comment":null}],
            "primary_key":null,"unique_keys":[],"indexes":[],"foreign_keys":[],"comment":null}"#;
        assert_eq!(serde_json::from_str::<TableSchema>(old).unwrap(), t);
    }

    #[test]
    fn partitioning_prints_its_clause() {
        let mut p = Partitioning::new(PartitionStrategy::List, "region");
        assert_eq!(p.to_string(), "LIST (region)");
        p.columns = true;
        assert_eq!(p.to_string(), "LIST COLUMNS (region)");
        let mut h = Partitioning::new(PartitionStrategy::Key, "id");
        h.linear = true;
        assert_eq!(h.to_string(), "LINEAR KEY (id)");
    }
}
