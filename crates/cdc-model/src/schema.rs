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
        }
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
