//! Table schemas from `information_schema` rows, and from `SHOW CREATE TABLE` text.
//!
//! The client runs the queries below and hands over their rows: one `Vec<Option<String>>` per
//! row, the columns in the order the query selects them, `None` for SQL `NULL` (kept apart
//! from the string `"NULL"`, which MariaDB's `COLUMN_DEFAULT` uses for "default NULL").
//!
//! Keys come from `STATISTICS`, which lists the primary key (`INDEX_NAME = 'PRIMARY'`), unique
//! keys (`NON_UNIQUE = 0`) and the other indexes with their parts, prefix lengths and order;
//! `TABLE_CONSTRAINTS`/`KEY_COLUMN_USAGE` add nothing to that for these keys (they matter for
//! foreign keys, which this crate does not track).

use std::collections::BTreeMap;
use std::sync::Arc;

use cdc_model::{
    Charset, Column, ColumnDefault, ColumnType, GeometryKind, Index, KeyColumn, TableId,
    TableSchema,
};

use crate::charset::Flavor;
use crate::ddl::{canonical_expression, current_timestamp_canonical};
use crate::error::{Error, ErrorKind, Result};
use crate::tracker::{DatabaseDef, TableDef, normalize_keys};
use crate::types::{LONG, MEDIUM, SMALL, TINY};

/// Databases that hold no user tables.
const SYSTEM: &str = "('information_schema','performance_schema','mysql','sys')";

/// Databases: `SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME`.
pub const SCHEMATA_SQL: &str = "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, \
     DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA \
     WHERE SCHEMA_NAME NOT IN ('information_schema','performance_schema','mysql','sys') \
     ORDER BY SCHEMA_NAME";

/// Base tables: `TABLE_SCHEMA, TABLE_NAME, TABLE_COLLATION, TABLE_COMMENT`.
pub const TABLES_SQL: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_COLLATION, TABLE_COMMENT \
     FROM information_schema.TABLES \
     WHERE TABLE_TYPE IN ('BASE TABLE','SYSTEM VERSIONED') \
     AND TABLE_SCHEMA NOT IN ('information_schema','performance_schema','mysql','sys') \
     ORDER BY TABLE_SCHEMA, TABLE_NAME";

/// Columns: `TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT,
/// IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION,
/// NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA,
/// COLUMN_COMMENT, GENERATION_EXPRESSION`.
pub const COLUMNS_SQL: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, \
     COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, \
     NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME, COLLATION_NAME, \
     EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA NOT IN ('information_schema','performance_schema','mysql','sys') \
     ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION";

/// Index parts: `TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME,
/// SUB_PART, COLLATION, INDEX_TYPE`.
pub const STATISTICS_SQL: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, \
     SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE \
     FROM information_schema.STATISTICS \
     WHERE TABLE_SCHEMA NOT IN ('information_schema','performance_schema','mysql','sys') \
     ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

/// Character sets: `CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME, MAXLEN`, for
/// [`crate::Charsets::load_rows`].
pub const CHARACTER_SETS_SQL: &str = "SELECT CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME, MAXLEN \
     FROM information_schema.CHARACTER_SETS ORDER BY CHARACTER_SET_NAME";

/// One of the queries above restricted to the given databases (`TABLE_SCHEMA IN (...)`, or
/// `SCHEMA_NAME IN (...)` for [`SCHEMATA_SQL`]); names are quoted as SQL string literals.
///
/// ```
/// use cdc_mysql_schema::catalog::{restrict, COLUMNS_SQL};
/// let sql = restrict(COLUMNS_SQL, &["shop", "it's"]);
/// assert!(sql.contains("TABLE_SCHEMA IN ('shop','it''s')"));
/// ```
pub fn restrict(query: &str, databases: &[&str]) -> String {
    let list = databases
        .iter()
        .map(|d| format!("'{}'", d.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",");
    let col = if query.contains("information_schema.SCHEMATA") {
        "SCHEMA_NAME"
    } else {
        "TABLE_SCHEMA"
    };
    query.replace(
        &format!("{col} NOT IN {SYSTEM}"),
        &format!("{col} IN ({list})"),
    )
}

/// The rows of the catalog queries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogRows {
    /// Rows of [`SCHEMATA_SQL`].
    pub schemata: Vec<Vec<Option<String>>>,
    /// Rows of [`TABLES_SQL`].
    pub tables: Vec<Vec<Option<String>>>,
    /// Rows of [`COLUMNS_SQL`].
    pub columns: Vec<Vec<Option<String>>>,
    /// Rows of [`STATISTICS_SQL`].
    pub statistics: Vec<Vec<Option<String>>>,
}

/// Databases and tables read from the catalog.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// Databases with their defaults.
    pub databases: Vec<(String, DatabaseDef)>,
    /// Tables, ordered by database and name.
    pub tables: Vec<TableDef>,
}

struct Row<'a> {
    what: &'static str,
    index: usize,
    row: &'a [Option<String>],
}

impl<'a> Row<'a> {
    fn opt(&self, c: usize) -> Result<Option<&'a str>> {
        match self.row.get(c) {
            Some(v) => Ok(v.as_deref()),
            None => Err(self.bad(c, "is missing")),
        }
    }

    fn req(&self, c: usize) -> Result<&'a str> {
        self.opt(c)?.ok_or_else(|| self.bad(c, "is NULL"))
    }

    fn num(&self, c: usize) -> Result<Option<u64>> {
        match self.opt(c)? {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.bad(c, "is not a number")),
        }
    }

    fn bad(&self, c: usize, what: &str) -> Error {
        Error::new(ErrorKind::Catalog(format!(
            "{} row {}: column {} {what}",
            self.what, self.index, c
        )))
    }
}

fn rows<'a>(what: &'static str, rows: &'a [Vec<Option<String>>]) -> impl Iterator<Item = Row<'a>> {
    rows.iter()
        .enumerate()
        .map(move |(index, row)| Row { what, index, row })
}

/// Builds databases and tables from the catalog rows. Columns and index rows of tables not in
/// `tables` (views) are ignored.
pub fn from_rows(flavor: Flavor, r: &CatalogRows) -> Result<Catalog> {
    let mut databases = Vec::new();
    for row in rows("SCHEMATA", &r.schemata) {
        databases.push((
            row.req(0)?.to_string(),
            DatabaseDef {
                charset: row.req(1)?.to_ascii_lowercase(),
                collation: row.req(2)?.to_ascii_lowercase(),
            },
        ));
    }
    let charsets = crate::Charsets::built_in(flavor);
    let mut tables: BTreeMap<(String, String), TableDef> = BTreeMap::new();
    for row in rows("TABLES", &r.tables) {
        let id = TableId::new(row.req(0)?, row.req(1)?);
        let collation = row.opt(2)?.map(str::to_ascii_lowercase);
        let charset = match &collation {
            Some(c) => charsets.charset_of_collation(c).ok(),
            None => None,
        };
        let mut schema = TableSchema::new(id.clone(), Vec::new());
        schema.comment = row.opt(3)?.filter(|c| !c.is_empty()).map(str::to_string);
        tables.insert(
            (id.schema, id.name),
            TableDef {
                schema: Arc::new(schema),
                charset,
                collation,
            },
        );
    }
    for row in rows("COLUMNS", &r.columns) {
        let key = (row.req(0)?.to_string(), row.req(1)?.to_string());
        let Some(t) = tables.get_mut(&key) else {
            continue;
        };
        let col = column_from_row(flavor, &row)?;
        Arc::make_mut(&mut t.schema).columns.push(col);
    }
    // SEQ_IN_INDEX of the parts placed so far, per (table, index): parts go in that order
    // whatever order the rows come in.
    let mut seqs: BTreeMap<(String, String, String), Vec<u64>> = BTreeMap::new();
    for row in rows("STATISTICS", &r.statistics) {
        let key = (row.req(0)?.to_string(), row.req(1)?.to_string());
        let Some(t) = tables.get_mut(&key) else {
            continue;
        };
        let name = row.req(2)?.to_string();
        let seq = row.num(4)?.ok_or_else(|| row.bad(4, "is NULL"))?;
        let placed = seqs
            .entry((key.0.clone(), key.1.clone(), name.clone()))
            .or_default();
        let at = placed.partition_point(|s| *s < seq);
        placed.insert(at, seq);
        let non_unique = row.req(3)? != "0";
        let column = match row.opt(5)? {
            Some(c) => c.to_string(),
            // A functional key part (MySQL 8): its expression is not in STATISTICS on every
            // server, so the part is named by what is known.
            None => "()".to_string(),
        };
        let prefix = row.num(6)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let descending = row.opt(7)? == Some("D");
        let method = match row.opt(8)?.map(str::to_ascii_uppercase).as_deref() {
            Some("FULLTEXT") => Some("FULLTEXT".to_string()),
            Some("SPATIAL") => Some("SPATIAL".to_string()),
            _ => None,
        };
        let part = KeyColumn {
            column,
            prefix_len: prefix,
            descending,
        };
        let s = Arc::make_mut(&mut t.schema);
        let list: &mut Vec<Index> = if name == "PRIMARY" {
            let pk = s.primary_key.get_or_insert_with(|| Index {
                name: Some("PRIMARY".into()),
                columns: Vec::new(),
                unique: true,
                method: None,
            });
            pk.columns.insert(at.min(pk.columns.len()), part);
            continue;
        } else if non_unique {
            &mut s.indexes
        } else {
            &mut s.unique_keys
        };
        match list.iter_mut().find(|ix| ix.name.as_deref() == Some(&name)) {
            Some(ix) => ix.columns.insert(at.min(ix.columns.len()), part),
            None => list.push(Index {
                name: Some(name),
                columns: vec![part],
                unique: !non_unique,
                method,
            }),
        }
    }
    let tables = tables
        .into_values()
        .map(|mut t| {
            normalize_keys(Arc::make_mut(&mut t.schema));
            t
        })
        .collect();
    Ok(Catalog { databases, tables })
}

fn labels_of(column_type: &str) -> Vec<String> {
    let inner = column_type
        .split_once('(')
        .and_then(|(_, r)| r.rsplit_once(')'))
        .map(|(i, _)| i)
        .unwrap_or("");
    let mut labels = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    label.push('\'');
                } else {
                    break;
                }
            } else {
                label.push(c);
            }
        }
        labels.push(label);
    }
    labels
}

fn is_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty()
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

/// The default as the catalog shows it, in the model's terms.
fn default_from_catalog(
    flavor: Flavor,
    raw: Option<&str>,
    extra: &str,
) -> Result<Option<ColumnDefault>> {
    let Some(raw) = raw else { return Ok(None) };
    if flavor == Flavor::MariaDb {
        if raw == "NULL" {
            return Ok(None);
        }
        if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
            return Ok(Some(ColumnDefault::Literal(inner.replace("''", "'"))));
        }
        if is_number(raw) || raw.starts_with("b'") {
            return Ok(Some(ColumnDefault::Literal(raw.to_string())));
        }
        return Ok(Some(ColumnDefault::Expression(
            current_timestamp_canonical(canonical_expression(raw)?),
        )));
    }
    if extra.to_ascii_uppercase().contains("DEFAULT_GENERATED") {
        let text = raw
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(raw);
        return Ok(Some(ColumnDefault::Expression(
            current_timestamp_canonical(canonical_expression(text)?),
        )));
    }
    Ok(Some(ColumnDefault::Literal(raw.to_string())))
}

fn column_from_row(flavor: Flavor, row: &Row<'_>) -> Result<Column> {
    let name = row.req(2)?;
    let data_type = row.req(6)?.to_ascii_lowercase();
    let column_type = row.req(7)?;
    let lower_type = column_type.to_ascii_lowercase();
    let unsigned = lower_type.contains(" unsigned");
    let char_len = row.num(8)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let precision = row.num(9)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let scale = row.num(10)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let fsp = row.num(11)?.map(|n| u8::try_from(n).unwrap_or(u8::MAX));
    let charset = row.opt(12)?.map(Charset::from_name);
    let collation = row.opt(13)?.map(str::to_ascii_lowercase);
    let extra = row.opt(14)?.unwrap_or("");
    let geometry = |kind| ColumnType::Geometry { kind, srid: None };
    let ty = match data_type.as_str() {
        "tinyint" => ColumnType::TinyInt { unsigned },
        "smallint" => ColumnType::SmallInt { unsigned },
        "mediumint" => ColumnType::MediumInt { unsigned },
        "int" => ColumnType::Int { unsigned },
        "bigint" => ColumnType::BigInt { unsigned },
        "float" => ColumnType::Float,
        "double" | "real" => ColumnType::Double,
        "decimal" => ColumnType::Decimal { precision, scale },
        "bit" => ColumnType::Bit {
            length: precision,
            varying: false,
        },
        "year" => ColumnType::Year,
        "date" => ColumnType::Date,
        "time" => ColumnType::Time {
            precision: Some(fsp.unwrap_or(0)),
        },
        "datetime" => ColumnType::DateTime {
            precision: Some(fsp.unwrap_or(0)),
        },
        "timestamp" => ColumnType::Timestamp {
            precision: Some(fsp.unwrap_or(0)),
        },
        "char" => ColumnType::Char {
            length: char_len,
            charset,
        },
        "varchar" => ColumnType::VarChar {
            length: char_len,
            charset,
        },
        "binary" => ColumnType::Binary {
            length: char_len.unwrap_or(0),
        },
        "varbinary" => ColumnType::VarBinary {
            length: char_len.unwrap_or(0),
        },
        "tinytext" | "text" | "mediumtext" | "longtext" => ColumnType::Text {
            max_bytes: Some(match data_type.as_str() {
                "tinytext" => TINY,
                "text" => SMALL,
                "mediumtext" => MEDIUM,
                _ => LONG,
            }),
            charset,
        },
        "tinyblob" | "blob" | "mediumblob" | "longblob" => ColumnType::Blob {
            max_bytes: Some(match data_type.as_str() {
                "tinyblob" => TINY,
                "blob" => SMALL,
                "mediumblob" => MEDIUM,
                _ => LONG,
            }),
        },
        "enum" => ColumnType::Enum {
            name: None,
            labels: labels_of(column_type),
        },
        "set" => ColumnType::Set {
            labels: labels_of(column_type),
        },
        "json" => ColumnType::Json,
        "geometry" => geometry(GeometryKind::Geometry),
        "point" => geometry(GeometryKind::Point),
        "linestring" => geometry(GeometryKind::LineString),
        "polygon" => geometry(GeometryKind::Polygon),
        "multipoint" => geometry(GeometryKind::MultiPoint),
        "multilinestring" => geometry(GeometryKind::MultiLineString),
        "multipolygon" => geometry(GeometryKind::MultiPolygon),
        "geometrycollection" | "geomcollection" => geometry(GeometryKind::GeometryCollection),
        "uuid" => ColumnType::Uuid,
        "inet4" | "inet6" => ColumnType::Inet,
        "vector" => ColumnType::Vector {
            dimensions: lower_type
                .strip_prefix("vector(")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        },
        other => ColumnType::Other {
            name: other.to_string(),
            oid: None,
        },
    };
    let mut c = Column::new(name, ty);
    c.native_type = Some(column_type.to_string());
    c.nullable = row.req(5)? == "YES";
    let generation = row.opt(16)?.filter(|g| !g.is_empty());
    c.generated = match generation {
        Some(g) => Some(
            canonical_expression(g).map_err(|e| row.bad(16, &format!("does not tokenize: {e}")))?,
        ),
        None => None,
    };
    c.default = if c.generated.is_some() {
        None
    } else {
        default_from_catalog(flavor, row.opt(4)?, extra)?
    };
    let extra_l = extra.to_ascii_lowercase();
    c.auto_increment = extra_l.contains("auto_increment");
    c.on_update_current_timestamp = extra_l.contains("on update");
    c.invisible = extra_l.contains("invisible");
    c.collation = collation;
    c.comment = row.opt(15)?.filter(|s| !s.is_empty()).map(str::to_string);
    Ok(c)
}

/// A table from its `SHOW CREATE TABLE` text (the second column of that statement's row), in
/// database `database` whose defaults are `db` (used only for what the text leaves out; the
/// text always names the table's default character set).
pub fn from_show_create(
    options: &crate::TrackerOptions,
    database: &str,
    db: &DatabaseDef,
    text: &str,
) -> Result<TableDef> {
    let mut t = crate::SchemaTracker::new(options.clone());
    t.seed_database(database, db.clone());
    let outcome = t.apply(database, text)?;
    let created = outcome
        .changes
        .iter()
        .find_map(|c| match c {
            crate::Change::Created(id) => Some(id.clone()),
            _ => None,
        })
        .ok_or_else(|| {
            Error::new(ErrorKind::Catalog(
                "SHOW CREATE TABLE text is not a CREATE TABLE statement".into(),
            ))
            .in_statement(text)
        })?;
    t.table(&created)
        .map(|d| (**d).clone())
        .ok_or_else(|| Error::new(ErrorKind::UnknownTable(created)).in_statement(text))
}
