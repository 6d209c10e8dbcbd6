//! Catalog introspection: tables, columns, keys, indexes, foreign keys, replica identity,
//! partitions, sequences and user-defined types, read from `pg_catalog` into
//! [`cdc_model::TableSchema`]s plus what only PostgreSQL has ([`PgTable`]).
//!
//! Column types are mapped exactly as the replication decoder maps them:
//! [`cdc_pgoutput::TypeRegistry::column_type`] on the column's type OID and `atttypmod`, with
//! the enums, domains, arrays, composite and extension types the selected columns use
//! registered from `pg_type` first. The registry is returned ([`Catalog::types`]) so a
//! [`cdc_pgoutput::Decoder`] can start with it and decode the same columns the same way.
//!
//! Every user-provided name travels as a query parameter (extended protocol), never spliced
//! into SQL text.
//!
//! ```no_run
//! # async fn demo<S: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin>(
//! #     conn: &mut cdc_postgres::Connection<S>) -> cdc_postgres::Result<()> {
//! use cdc_postgres::catalog::{TableSelection, introspect};
//! let selection = TableSelection::new().table("public", "orders").schema("sales");
//! let catalog = introspect(conn, &selection).await?;
//! for t in &catalog.tables {
//!     println!("{}: {} columns, identity {:?}", t.schema.id, t.schema.columns.len(),
//!              t.replica_identity);
//! }
//! # Ok(()) }
//! ```
//!
//! Generated columns are listed (with [`cdc_model::Column::generated`] set), but pgoutput up
//! to PostgreSQL 17 does not send them: row images from a replication stream hold the
//! non-generated columns only ([`PgTable::replicated_columns`]).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cdc_model::{
    Column, ColumnDefault, ForeignKey, ForeignKeyAction, Index, KeyColumn, Partition,
    PartitionStrategy, Partitioning, TableId, TableSchema,
};
use cdc_pgoutput::{TypeInfo, TypeRegistry};
use futures::io::{AsyncRead, AsyncWrite};

use crate::connection::{Connection, Format, Param, Row};
use crate::error::{Error, Result};

/// `FirstNormalObjectId`: OIDs below it belong to objects created by `initdb`.
const FIRST_NORMAL_OID: u32 = 16384;

/// Which tables to read: named tables plus every table of named schemas (union).
///
/// Names are exact (case-sensitive, unquoted), as `pg_class.relname` and
/// `pg_namespace.nspname` store them.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TableSelection {
    /// Single tables.
    pub tables: Vec<TableId>,
    /// Schemas whose every ordinary and partitioned table is selected.
    pub schemas: Vec<String>,
}

impl TableSelection {
    /// An empty selection.
    pub fn new() -> TableSelection {
        TableSelection::default()
    }

    /// Adds one table.
    pub fn table(mut self, schema: impl Into<String>, name: impl Into<String>) -> TableSelection {
        self.tables.push(TableId::new(schema, name));
        self
    }

    /// Adds every table of a schema.
    pub fn schema(mut self, schema: impl Into<String>) -> TableSelection {
        self.schemas.push(schema.into());
        self
    }
}

/// What introspection found.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// The selected tables that exist, ordered by schema and name.
    pub tables: Vec<PgTable>,
    /// Tables named in the selection that do not exist (or are not tables).
    pub missing: Vec<TableId>,
    /// Sequences owned by a selected table's column, and every sequence of a selected schema.
    pub sequences: Vec<PgSequence>,
    /// The built-in types plus every user-defined type the selected columns use (enums with
    /// their labels, domains, arrays; composite and extension types by name).
    pub types: TypeRegistry,
}

impl Catalog {
    /// The table `id`, if selected and found.
    pub fn table(&self, id: &TableId) -> Option<&PgTable> {
        self.tables.iter().find(|t| &t.schema.id == id)
    }

    /// The model form ([`cdc_model::Partitioning`], for [`TableSchema::partitioning`]) of the
    /// partitioned table `id`: strategy and key from its [`PartitionInfo::key`], and each
    /// direct partition with its bound, recursively for sub-partitioned ones.
    ///
    /// `Ok(None)` when `id` is not a selected partitioned table. The bounds are read from the
    /// partitions' own entries, so every partition must be selected too (as a migration of a
    /// partitioned table needs anyway); the first one that is not is the error.
    pub fn partitioning(
        &self,
        id: &TableId,
    ) -> std::result::Result<Option<Partitioning>, PartitionNotSelected> {
        self.partitioning_at(id, 0)
    }

    fn partitioning_at(
        &self,
        id: &TableId,
        depth: usize,
    ) -> std::result::Result<Option<Partitioning>, PartitionNotSelected> {
        let Some(info) = self.table(id).and_then(|t| t.partition.as_ref()) else {
            return Ok(None);
        };
        let Some((strategy, key)) = info.key.as_deref().and_then(parse_partition_key) else {
            return Ok(None);
        };
        let mut out = Partitioning::new(strategy, key);
        for child in &info.partitions {
            let missing = || PartitionNotSelected {
                table: id.clone(),
                partition: child.clone(),
            };
            let bound = self
                .table(child)
                .and_then(|c| c.partition.as_ref())
                .and_then(|p| p.bound.clone())
                .ok_or_else(missing)?;
            let mut p = Partition::new(child.name.clone(), bound);
            if child.schema != id.schema {
                p.schema = Some(child.schema.clone());
            }
            // A real catalog has no cycles; the bound keeps a hand-built one finite.
            if depth < 32 {
                p.subpartitioning = self.partitioning_at(child, depth + 1)?.map(Box::new);
            }
            out.partitions.push(p);
        }
        Ok(Some(out))
    }
}

/// A partition of a partitioned table was not in the selection, so its bound is unknown
/// ([`Catalog::partitioning`]).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("partition {partition} of {table} is not selected: its bound is unknown")]
pub struct PartitionNotSelected {
    /// The partitioned table.
    pub table: TableId,
    /// Its partition that was not selected.
    pub partition: TableId,
}

/// `RANGE (created)` (as `pg_get_partkeydef` prints it) -> strategy and `created`.
fn parse_partition_key(def: &str) -> Option<(PartitionStrategy, String)> {
    let def = def.trim();
    let (word, rest) = def.split_once(char::is_whitespace)?;
    let strategy = match word.to_ascii_uppercase().as_str() {
        "RANGE" => PartitionStrategy::Range,
        "LIST" => PartitionStrategy::List,
        "HASH" => PartitionStrategy::Hash,
        _ => return None,
    };
    let key = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some((strategy, key.trim().to_owned()))
}

/// `pg_class.relkind` of a selected table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TableKind {
    /// An ordinary table (`r`), possibly a partition.
    Ordinary,
    /// A partitioned table (`p`): holds no rows itself.
    Partitioned,
}

/// A table's replica identity: what old-row columns UPDATE and DELETE write to the WAL.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ReplicaIdentity {
    /// `DEFAULT`: the primary key, or nothing when there is none.
    Default,
    /// `NOTHING`.
    Nothing,
    /// `FULL`: every column.
    Full,
    /// `USING INDEX`: the columns of this unique index (`None` when the index it named was
    /// dropped, which PostgreSQL treats like `NOTHING`).
    Index(Option<String>),
}

/// How a column's values are generated by the server.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
}

/// What the model's [`Column`] does not hold about a column.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PgColumn {
    /// `pg_attribute.attnum` (1-based; gaps where columns were dropped).
    pub attnum: i16,
    /// The type's OID.
    pub type_oid: u32,
    /// `atttypmod` (-1 for none).
    pub type_modifier: i32,
    /// Identity column kind.
    pub identity: Option<Identity>,
    /// A stored generated column (`GENERATED ALWAYS AS (…) STORED`); pgoutput does not send it.
    pub generated: bool,
}

/// An index with everything `pg_index` says (the model's [`Index`] only holds plain-column
/// keys).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PgIndex {
    /// Index name.
    pub name: String,
    /// `CREATE [UNIQUE] INDEX …` as `pg_get_indexdef` prints it.
    pub definition: String,
    /// The primary key's index.
    pub primary: bool,
    /// Unique.
    pub unique: bool,
    /// The replica identity index.
    pub replica_identity: bool,
    /// Access method (`btree`, `hash`, `gin`, …).
    pub method: String,
    /// Key parts: a column, or an expression's text.
    pub keys: Vec<IndexKey>,
    /// `INCLUDE` columns.
    pub include: Vec<String>,
    /// The `WHERE` predicate of a partial index.
    pub predicate: Option<String>,
    /// `indisvalid` (false during or after a failed `CREATE INDEX CONCURRENTLY`).
    pub valid: bool,
}

/// One key part of a [`PgIndex`].
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum IndexKey {
    /// A column.
    Column {
        /// Column name.
        name: String,
        /// `DESC`.
        descending: bool,
    },
    /// An expression, as `pg_get_indexdef` prints it.
    Expression(String),
}

/// Partitioning of a table: as a parent, as a child, or both (sub-partitioning).
///
/// pgoutput publishes a change of a partition under the partition's own name unless the
/// publication was created with `publish_via_partition_root = true`, in which case it is
/// published under the topmost partitioned ancestor in the publication. A consumer that
/// selects a partitioned table must therefore either use that option or follow
/// [`PartitionInfo::partitions`]; see [`PgTable::publish_via_root_matters`].
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct PartitionInfo {
    /// The parent, for a partition.
    pub parent: Option<TableId>,
    /// The partition bound (`FOR VALUES FROM (…) TO (…)`, `DEFAULT`), for a partition.
    pub bound: Option<String>,
    /// The partition key (`RANGE (created)`), for a partitioned table.
    pub key: Option<String>,
    /// Direct child partitions, for a partitioned table, ordered by schema and name.
    pub partitions: Vec<TableId>,
}

/// A selected table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PgTable {
    /// `pg_class.oid` (the relation id pgoutput Relation messages carry).
    pub oid: u32,
    /// The model schema: columns with model and native types, defaults, identity and
    /// generated columns, primary key, unique keys, plain secondary indexes, foreign keys,
    /// comment.
    pub schema: TableSchema,
    /// Per column (aligned with `schema.columns`), what only PostgreSQL has.
    pub columns: Vec<PgColumn>,
    /// Ordinary or partitioned.
    pub kind: TableKind,
    /// Replica identity.
    pub replica_identity: ReplicaIdentity,
    /// Every index, including expression and partial ones.
    pub indexes: Vec<PgIndex>,
    /// Partitioning, when the table is partitioned or a partition.
    pub partition: Option<PartitionInfo>,
    /// Names of the sequences owned by this table's columns (serial and identity).
    pub owned_sequences: Vec<TableId>,
}

impl PgTable {
    /// Indexes into `schema.columns` of the columns a pgoutput row image carries, in order
    /// (every column except stored generated ones).
    pub fn replicated_columns(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.generated)
            .map(|(i, _)| i)
            .collect()
    }

    /// True when the table is partitioned or a partition: then the publication's
    /// `publish_via_partition_root` decides under which name its changes arrive.
    pub fn publish_via_root_matters(&self) -> bool {
        self.partition.is_some()
    }

    /// The columns UPDATE and DELETE identify old rows by: the primary key (identity
    /// `DEFAULT`), the identity index's columns (`USING INDEX`), every column (`FULL`), or
    /// none (`NOTHING`, or `DEFAULT` without a primary key).
    pub fn replica_identity_columns(&self) -> Vec<String> {
        let plain = |ix: &PgIndex| {
            ix.keys
                .iter()
                .filter_map(|k| match k {
                    IndexKey::Column { name, .. } => Some(name.clone()),
                    IndexKey::Expression(_) => None,
                })
                .collect()
        };
        match &self.replica_identity {
            ReplicaIdentity::Default => self
                .indexes
                .iter()
                .find(|i| i.primary)
                .map(plain)
                .unwrap_or_default(),
            ReplicaIdentity::Index(Some(name)) => self
                .indexes
                .iter()
                .find(|i| &i.name == name)
                .map(plain)
                .unwrap_or_default(),
            ReplicaIdentity::Full => self.schema.columns.iter().map(|c| c.name.clone()).collect(),
            ReplicaIdentity::Nothing | ReplicaIdentity::Index(None) => Vec::new(),
        }
    }
}

/// A sequence.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PgSequence {
    /// Schema and name.
    pub id: TableId,
    /// `pg_class.oid`.
    pub oid: u32,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
    /// The last value `nextval` returned; `None` when it was never called (or the session
    /// may not read the sequence).
    pub last_value: Option<i64>,
    /// The owning column (`OWNED BY`, serial and identity columns).
    pub owned_by: Option<OwnedBy>,
}

/// The column a sequence belongs to.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct OwnedBy {
    /// The table.
    pub table: TableId,
    /// The column.
    pub column: String,
    /// True for an identity column's internal sequence, false for `serial` / `OWNED BY`.
    pub identity: bool,
}

/// Reads the selected tables, their sequences and the user-defined types they use.
///
/// Seven catalog queries in all, whatever the number of tables. Fails with the server's
/// error when a catalog query fails, or with a protocol error naming the table and column
/// when the catalog returns something unexpected.
pub async fn introspect<S>(conn: &mut Connection<S>, selection: &TableSelection) -> Result<Catalog>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let tables = query_tables(conn, selection).await?;
    let found: HashSet<TableId> = tables.iter().map(|t| t.id.clone()).collect();
    let missing: Vec<TableId> = selection
        .tables
        .iter()
        .filter(|t| !found.contains(*t))
        .cloned()
        .collect();
    let oids: Vec<u32> = tables.iter().map(|t| t.oid).collect();
    let oid_array = array_literal(oids.iter().map(u32::to_string));

    let types = query_types(conn, &oid_array).await?;
    let mut columns = query_columns(conn, &oid_array, &types).await?;
    let mut indexes = query_indexes(conn, &oid_array).await?;
    let mut fkeys = query_foreign_keys(conn, &oid_array).await?;
    let mut children = query_partitions(conn, &oid_array).await?;
    let sequences = query_sequences(conn, &oid_array, &selection.schemas).await?;

    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let (cols, pg_cols): (Vec<Column>, Vec<PgColumn>) = columns
            .remove(&t.oid)
            .unwrap_or_default()
            .into_iter()
            .unzip();
        let mut schema = TableSchema::new(t.id.clone(), cols);
        schema.comment = t.comment;
        let owned_sequences: Vec<TableId> = sequences
            .iter()
            .filter(|s| s.owned_by.as_ref().is_some_and(|o| o.table == t.id))
            .map(|s| s.id.clone())
            .collect();
        // serial columns: a default of nextval() on a sequence the column owns
        for s in sequences.iter().filter_map(|s| s.owned_by.as_ref()) {
            if s.table != t.id || s.identity {
                continue;
            }
            if let Some(c) = schema.columns.iter_mut().find(|c| c.name == s.column)
                && matches!(&c.default, Some(ColumnDefault::Expression(e)) if e.starts_with("nextval("))
            {
                c.auto_increment = true;
            }
        }
        let table_indexes = indexes.remove(&t.oid).unwrap_or_default();
        for ix in &table_indexes {
            let plain: Option<Vec<KeyColumn>> = ix
                .keys
                .iter()
                .map(|k| match k {
                    IndexKey::Column { name, descending } => Some(KeyColumn {
                        column: name.clone(),
                        prefix_len: None,
                        descending: *descending,
                    }),
                    IndexKey::Expression(_) => None,
                })
                .collect();
            // The model's keys are plain-column, total, valid indexes; the rest stay in
            // `PgTable::indexes` only.
            let Some(key_columns) = plain.filter(|_| ix.predicate.is_none() && ix.valid) else {
                continue;
            };
            let model = Index {
                name: Some(ix.name.clone()),
                columns: key_columns,
                unique: ix.unique,
                method: (ix.method != "btree").then(|| ix.method.clone()),
            };
            if ix.primary {
                schema.primary_key = Some(model);
            } else if ix.unique {
                schema.unique_keys.push(model);
            } else {
                schema.indexes.push(model);
            }
        }
        schema.foreign_keys = fkeys.remove(&t.oid).unwrap_or_default();
        let child_list = children.remove(&t.oid).unwrap_or_default();
        let partition =
            (t.kind == TableKind::Partitioned || t.parent.is_some()).then(|| PartitionInfo {
                parent: t.parent.clone(),
                bound: t.bound.clone(),
                key: t.partition_key.clone(),
                partitions: child_list,
            });
        out.push(PgTable {
            oid: t.oid,
            schema,
            columns: pg_cols,
            kind: t.kind,
            replica_identity: match t.replident.as_str() {
                "n" => ReplicaIdentity::Nothing,
                "f" => ReplicaIdentity::Full,
                "i" => ReplicaIdentity::Index(
                    table_indexes
                        .iter()
                        .find(|i| i.replica_identity)
                        .map(|i| i.name.clone()),
                ),
                _ => ReplicaIdentity::Default,
            },
            indexes: table_indexes,
            partition,
            owned_sequences,
        });
    }
    Ok(Catalog {
        tables: out,
        missing,
        sequences,
        types,
    })
}

// ---------------------------------------------------------------------------------------------
// Queries

struct TableRow {
    oid: u32,
    id: TableId,
    kind: TableKind,
    replident: String,
    partition_key: Option<String>,
    bound: Option<String>,
    parent: Option<TableId>,
    comment: Option<String>,
}

/// Resolves a selection to `(oid, schema, name, relkind)` rows of existing tables (ordinary
/// and partitioned), ordered by schema and name.
pub(crate) const SELECT_TABLES: &str = "\
SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relreplident::text,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
       pn.nspname, pc.relname,
       pg_catalog.obj_description(c.oid, 'pg_class')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND ((n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       OR n.nspname = ANY($3::text[]))
ORDER BY n.nspname, c.relname";

/// The three text-array parameters of [`SELECT_TABLES`].
pub(crate) fn selection_params(selection: &TableSelection) -> [String; 3] {
    [
        array_literal(selection.tables.iter().map(|t| t.schema.as_str())),
        array_literal(selection.tables.iter().map(|t| t.name.as_str())),
        array_literal(selection.schemas.iter().map(String::as_str)),
    ]
}

async fn query_tables<S>(
    conn: &mut Connection<S>,
    selection: &TableSelection,
) -> Result<Vec<TableRow>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let [schemas, names, whole] = selection_params(selection);
    let rows = fetch(
        conn,
        "tables",
        SELECT_TABLES,
        &[
            Param::Text(&schemas),
            Param::Text(&names),
            Param::Text(&whole),
        ],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let f = Fields::new(r, "tables");
            let id = TableId::new(f.text(1)?, f.text(2)?);
            let f = f.at(&id);
            Ok(TableRow {
                oid: f.num(0)?,
                kind: if f.text(3)? == "p" {
                    TableKind::Partitioned
                } else {
                    TableKind::Ordinary
                },
                replident: f.text(4)?.to_owned(),
                partition_key: f.opt(5),
                bound: f.opt(6),
                parent: match (f.opt(7), f.opt(8)) {
                    (Some(s), Some(n)) => Some(TableId::new(s, n)),
                    _ => None,
                },
                comment: f.opt(9),
                id,
            })
        })
        .collect()
}

async fn query_types<S>(conn: &mut Connection<S>, oid_array: &str) -> Result<TypeRegistry>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The types of the selected columns and, recursively, the base types of domains and the
    // element types of arrays; only user-defined ones need registering.
    const SQL: &str = "\
WITH RECURSIVE used(oid) AS (
    SELECT a.atttypid FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
  UNION
    SELECT x.oid FROM used u
    JOIN pg_catalog.pg_type t ON t.oid = u.oid
    CROSS JOIN LATERAL (VALUES (t.typbasetype), (t.typelem)) AS x(oid)
    WHERE x.oid <> 0
)
SELECT t.oid::int8, n.nspname, t.typname, t.typtype::text, t.typcategory::text,
       t.typbasetype::int8, t.typtypmod, t.typelem::int8
FROM used u
JOIN pg_catalog.pg_type t ON t.oid = u.oid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.oid >= $2::oid
ORDER BY t.oid";
    let first = FIRST_NORMAL_OID.to_string();
    let rows = fetch(
        conn,
        "types",
        SQL,
        &[Param::Text(oid_array), Param::Text(&first)],
    )
    .await?;
    let mut registry = TypeRegistry::new();
    let mut enums = Vec::new();
    let mut pending = Vec::new();
    for r in &rows {
        let f = Fields::new(r, "types");
        let oid: u32 = f.num(0)?;
        let schema = f.text(1)?;
        let name = type_name(schema, f.text(2)?);
        match (f.text(3)?, f.text(4)?) {
            ("e", _) => {
                enums.push(oid);
                pending.push((oid, name, 'e', 0, -1));
            }
            ("d", _) => pending.push((oid, name, 'd', f.num(5)?, f.num(6)?)),
            ("b", "A") => pending.push((oid, name, 'A', f.num(7)?, -1)),
            _ => registry.note_name(oid, name),
        }
    }
    let mut labels: HashMap<u32, Vec<String>> = HashMap::new();
    if !enums.is_empty() {
        let enum_array = array_literal(enums.iter().map(u32::to_string));
        let rows = fetch(
            conn,
            "enum labels",
            "SELECT enumtypid::int8, enumlabel FROM pg_catalog.pg_enum \
             WHERE enumtypid = ANY($1::oid[]) ORDER BY enumtypid, enumsortorder",
            &[Param::Text(&enum_array)],
        )
        .await?;
        for r in &rows {
            let f = Fields::new(r, "enum labels");
            labels
                .entry(f.num(0)?)
                .or_default()
                .push(f.text(1)?.to_owned());
        }
    }
    for (oid, name, kind, other, typmod) in pending {
        let info = match kind {
            'e' => TypeInfo::Enum {
                name,
                labels: labels.remove(&oid).unwrap_or_default(),
            },
            'd' => TypeInfo::Domain {
                name,
                base_oid: other,
                base_typmod: typmod,
            },
            _ => TypeInfo::Array {
                name,
                element_oid: other,
            },
        };
        registry.register(oid, info);
    }
    Ok(registry)
}

/// A type's name as the registry spells user types: qualified unless in `public` or
/// `pg_catalog`.
fn type_name(schema: &str, name: &str) -> String {
    if schema == "public" || schema == "pg_catalog" {
        name.to_owned()
    } else {
        format!("{schema}.{name}")
    }
}

async fn query_columns<S>(
    conn: &mut Connection<S>,
    oid_array: &str,
    types: &TypeRegistry,
) -> Result<HashMap<u32, Vec<(Column, PgColumn)>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const SQL: &str = "\
SELECT a.attrelid::int8, a.attnum, a.attname, a.atttypid::int8, a.atttypmod,
       pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.attidentity::text, a.attgenerated::text,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid),
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END,
       pg_catalog.col_description(a.attrelid, a.attnum),
       n.nspname, c.relname
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum";
    let rows = fetch(conn, "columns", SQL, &[Param::Text(oid_array)]).await?;
    let mut out: HashMap<u32, Vec<(Column, PgColumn)>> = HashMap::new();
    for r in &rows {
        let table = TableId::new(
            Fields::new(r, "columns").text(12)?,
            Fields::new(r, "columns").text(13)?,
        );
        let f = Fields::new(r, "columns").at(&table);
        let name = f.text(2)?.to_owned();
        let f = f.column(&name);
        let type_oid: u32 = f.num(3)?;
        let type_modifier: i32 = f.num(4)?;
        let identity = match f.text(7)? {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let generated = f.text(8)? == "s";
        let expr = f.opt(9);
        let mut col = Column::new(name, types.column_type(type_oid, type_modifier));
        col.native_type = Some(f.text(5)?.to_owned());
        col.nullable = !f.bool(6)?;
        col.auto_increment = identity.is_some();
        if generated {
            col.generated = expr;
        } else {
            col.default = expr.map(|e| classify_default(&e));
        }
        col.collation = f.opt(10);
        col.comment = f.opt(11);
        out.entry(f.num(0)?).or_default().push((
            col,
            PgColumn {
                attnum: f.num(1)?,
                type_oid,
                type_modifier,
                identity,
                generated,
            },
        ));
    }
    Ok(out)
}

async fn query_indexes<S>(
    conn: &mut Connection<S>,
    oid_array: &str,
) -> Result<HashMap<u32, Vec<PgIndex>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // One row per index column (key and INCLUDE), in index order.
    const SQL: &str = "\
SELECT i.indrelid::int8, ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid),
       i.indisprimary, i.indisunique, i.indisreplident, am.amname,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid), i.indisvalid,
       k.n, k.n <= i.indnkeyatts, a.attname,
       pg_catalog.pg_get_indexdef(i.indexrelid, k.n::int4, true),
       (i.indoption[k.n - 1] & 1) = 1
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL generate_series(1, i.indnatts::int4) AS k(n)
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1]
    AND i.indkey[k.n - 1] <> 0
WHERE i.indrelid = ANY($1::oid[])
ORDER BY i.indrelid, ic.relname, k.n";
    let rows = fetch(conn, "indexes", SQL, &[Param::Text(oid_array)]).await?;
    let mut out: HashMap<u32, Vec<PgIndex>> = HashMap::new();
    for r in &rows {
        let f = Fields::new(r, "indexes");
        let rel: u32 = f.num(0)?;
        let name = f.text(1)?.to_owned();
        let list = out.entry(rel).or_default();
        if list.last().is_none_or(|l| l.name != name) {
            list.push(PgIndex {
                name: name.clone(),
                definition: f.text(2)?.to_owned(),
                primary: f.bool(3)?,
                unique: f.bool(4)?,
                replica_identity: f.bool(5)?,
                method: f.text(6)?.to_owned(),
                keys: Vec::new(),
                include: Vec::new(),
                predicate: f.opt(7),
                valid: f.bool(8)?,
            });
        }
        let Some(ix) = list.last_mut() else { continue };
        let is_key = f.bool(10)?;
        let column = f.opt(11);
        if is_key {
            ix.keys.push(match column {
                Some(name) => IndexKey::Column {
                    name,
                    descending: f.bool(13)?,
                },
                None => IndexKey::Expression(f.text(12)?.to_owned()),
            });
        } else if let Some(c) = column {
            ix.include.push(c);
        }
    }
    Ok(out)
}

async fn query_foreign_keys<S>(
    conn: &mut Connection<S>,
    oid_array: &str,
) -> Result<HashMap<u32, Vec<ForeignKey>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The constraints PostgreSQL adds on its own for a partitioned referenced table (one per
    // referenced partition, same referencing table as their parent constraint) are skipped.
    const SQL: &str = "\
SELECT c.conrelid::int8, c.conname, rn.nspname, rc.relname,
       c.confupdtype::text, c.confdeltype::text, a.attname, fa.attname
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class rc ON rc.oid = c.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, fcol, n)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
JOIN pg_catalog.pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fcol
WHERE c.contype = 'f' AND c.conrelid = ANY($1::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p
                  WHERE p.oid = c.conparentid AND p.conrelid = c.conrelid)
ORDER BY c.conrelid, c.conname, k.n";
    let rows = fetch(conn, "foreign keys", SQL, &[Param::Text(oid_array)]).await?;
    let mut out: HashMap<u32, Vec<ForeignKey>> = HashMap::new();
    for r in &rows {
        let f = Fields::new(r, "foreign keys");
        let rel: u32 = f.num(0)?;
        let name = f.text(1)?.to_owned();
        let list = out.entry(rel).or_default();
        if list.last().is_none_or(|l| l.name.as_deref() != Some(&name)) {
            list.push(ForeignKey {
                name: Some(name),
                columns: Vec::new(),
                referenced_table: TableId::new(f.text(2)?, f.text(3)?),
                referenced_columns: Vec::new(),
                on_update: fk_action(f.text(4)?),
                on_delete: fk_action(f.text(5)?),
            });
        }
        if let Some(fk) = list.last_mut() {
            fk.columns.push(f.text(6)?.to_owned());
            fk.referenced_columns.push(f.text(7)?.to_owned());
        }
    }
    Ok(out)
}

fn fk_action(code: &str) -> ForeignKeyAction {
    match code {
        "r" => ForeignKeyAction::Restrict,
        "c" => ForeignKeyAction::Cascade,
        "n" => ForeignKeyAction::SetNull,
        "d" => ForeignKeyAction::SetDefault,
        _ => ForeignKeyAction::NoAction,
    }
}

async fn query_partitions<S>(
    conn: &mut Connection<S>,
    oid_array: &str,
) -> Result<HashMap<u32, Vec<TableId>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const SQL: &str = "\
SELECT i.inhparent::int8, n.nspname, c.relname
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = ANY($1::oid[]) AND c.relispartition
ORDER BY i.inhparent, n.nspname, c.relname";
    let rows = fetch(conn, "partitions", SQL, &[Param::Text(oid_array)]).await?;
    let mut out: HashMap<u32, Vec<TableId>> = HashMap::new();
    for r in &rows {
        let f = Fields::new(r, "partitions");
        out.entry(f.num(0)?)
            .or_default()
            .push(TableId::new(f.text(1)?, f.text(2)?));
    }
    Ok(out)
}

async fn query_sequences<S>(
    conn: &mut Connection<S>,
    oid_array: &str,
    schemas: &[String],
) -> Result<Vec<PgSequence>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const SQL: &str = "\
SELECT s.oid::int8, n.nspname, s.relname, pg_catalog.format_type(q.seqtypid, NULL),
       q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle,
       CASE WHEN pg_catalog.has_sequence_privilege(s.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(s.oid) END,
       tn.nspname, tc.relname, a.attname, d.deptype::text
FROM pg_catalog.pg_class s
JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace
JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass
    AND d.objid = s.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
    AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE s.relkind = 'S' AND (d.refobjid = ANY($1::oid[]) OR n.nspname = ANY($2::text[]))
ORDER BY n.nspname, s.relname";
    let schema_array = array_literal(schemas.iter().map(String::as_str));
    let rows = fetch(
        conn,
        "sequences",
        SQL,
        &[Param::Text(oid_array), Param::Text(&schema_array)],
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let f = Fields::new(r, "sequences");
        let id = TableId::new(f.text(1)?, f.text(2)?);
        let f = f.at(&id);
        let owned_by = match (f.opt(11), f.opt(12), f.opt(13)) {
            (Some(s), Some(t), Some(c)) => Some(OwnedBy {
                table: TableId::new(s, t),
                column: c,
                identity: f.text(14)? == "i",
            }),
            _ => None,
        };
        let last_value = match f.opt(10) {
            Some(v) => Some(parse_num(&v, || f.describe(10))?),
            None => None,
        };
        out.push(PgSequence {
            oid: f.num(0)?,
            data_type: f.text(3)?.to_owned(),
            start: f.num(4)?,
            increment: f.num(5)?,
            min: f.num(6)?,
            max: f.num(7)?,
            cache: f.num(8)?,
            cycle: f.bool(9)?,
            last_value,
            owned_by,
            id,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Runs a catalog query with text parameters and text results.
pub(crate) async fn fetch<S>(
    conn: &mut Connection<S>,
    what: &'static str,
    sql: &str,
    params: &[Param<'_>],
) -> Result<Vec<Row>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    conn.execute_sql(sql, params, Format::Text)
        .await
        .map(|r| r.rows)
        .map_err(|e| e.during(format!("catalog query: {what}")))
}

/// A PostgreSQL array literal of text elements (`{"a","b\"c"}`), every element quoted, so any
/// name travels safely as one parameter.
///
/// ```
/// use cdc_postgres::catalog::array_literal;
/// assert_eq!(array_literal(["a", "b\"c", "d\\e"]), r#"{"a","b\"c","d\\e"}"#);
/// assert_eq!(array_literal(Vec::<String>::new()), "{}");
/// ```
pub fn array_literal<I, T>(items: I) -> String
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in item.as_ref().chars() {
            if ch == '"' || ch == '\\' {
                out.push('\\');
            }
            out.push(ch);
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// Tells a constant default (`0`, `'abc'::text`, `true`, `'2024-01-01'::date`) from an
/// expression (`nextval('s'::regclass)`, `now()`, `(1 + 2)`): constants become
/// [`ColumnDefault::Literal`] holding the value's text without quotes and cast, everything
/// else [`ColumnDefault::Expression`] holding `pg_get_expr`'s text.
///
/// ```
/// use cdc_model::ColumnDefault;
/// use cdc_postgres::catalog::classify_default;
/// assert_eq!(classify_default("'it''s'::text"), ColumnDefault::Literal("it's".into()));
/// assert_eq!(classify_default("42"), ColumnDefault::Literal("42".into()));
/// assert_eq!(classify_default("now()"), ColumnDefault::Expression("now()".into()));
/// ```
pub fn classify_default(expr: &str) -> ColumnDefault {
    let literal = |s: String| ColumnDefault::Literal(s);
    let e = expr.trim();
    if e == "true" || e == "false" {
        return literal(e.to_owned());
    }
    // An unparenthesised number (pg_get_expr wraps negative ones: `'-1'::integer` or `(-1)`).
    if !e.is_empty()
        && e.chars().all(|c| c.is_ascii_digit() || c == '.')
        && e.chars().next().is_some_and(|c| c.is_ascii_digit())
        && e.matches('.').count() <= 1
    {
        return literal(e.to_owned());
    }
    if let Some(rest) = e.strip_prefix('\'') {
        // 'text'::type — the string ends at the first quote not doubled.
        let mut value = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\'' {
                value.push(c);
                continue;
            }
            if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                value.push('\'');
                continue;
            }
            let tail = rest.get(i + 1..).unwrap_or("");
            if tail.is_empty() || is_plain_cast(tail) {
                return literal(value);
            }
            break;
        }
    }
    ColumnDefault::Expression(expr.to_owned())
}

/// `::type name` with nothing else after it (`::character varying`, `::numeric(10,2)`,
/// `::"my type"`, `::public.mood`, `::integer[]`).
fn is_plain_cast(tail: &str) -> bool {
    let Some(t) = tail.strip_prefix("::") else {
        return false;
    };
    let mut in_quotes = false;
    for c in t.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            _ if in_quotes => {}
            ':' | '\'' | '+' | '-' | '*' | '/' | '|' | '<' | '>' | '=' | '!' | '~' | '@' | '#'
            | '%' | '^' | '&' | '?' => return false,
            _ => {}
        }
    }
    !t.is_empty() && !in_quotes
}

/// Typed access to a catalog row, with errors that say which query, table and column.
struct Fields<'a> {
    row: &'a Row,
    what: &'static str,
    table: Option<String>,
    column: Option<String>,
}

impl<'a> Fields<'a> {
    fn new(row: &'a Row, what: &'static str) -> Fields<'a> {
        Fields {
            row,
            what,
            table: None,
            column: None,
        }
    }

    fn at(mut self, table: &TableId) -> Fields<'a> {
        self.table = Some(table.to_string());
        self
    }

    fn column(mut self, column: &str) -> Fields<'a> {
        self.column = Some(column.to_owned());
        self
    }

    fn describe(&self, i: usize) -> String {
        let mut s = format!("catalog query {}, field {i}", self.what);
        if let Some(t) = &self.table {
            s.push_str(&format!(", table {t}"));
        }
        if let Some(c) = &self.column {
            s.push_str(&format!(", column {c}"));
        }
        s
    }

    fn opt(&self, i: usize) -> Option<String> {
        self.row.get(i).map(str::to_owned)
    }

    fn text(&self, i: usize) -> Result<&'a str> {
        self.row
            .get(i)
            .ok_or_else(|| Error::protocol(format!("{}: unexpected NULL", self.describe(i))))
    }

    fn num<T: FromStr>(&self, i: usize) -> Result<T> {
        parse_num(self.text(i)?, || self.describe(i))
    }

    fn bool(&self, i: usize) -> Result<bool> {
        match self.text(i)? {
            "t" => Ok(true),
            "f" => Ok(false),
            other => Err(Error::protocol(format!(
                "{}: expected a boolean, got {other:?}",
                self.describe(i)
            ))),
        }
    }
}

fn parse_num<T: FromStr>(s: &str, describe: impl Fn() -> String) -> Result<T> {
    s.parse()
        .map_err(|_| Error::protocol(format!("{}: not a number: {s:?}", describe())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg_table(id: TableId, kind: TableKind, partition: Option<PartitionInfo>) -> PgTable {
        PgTable {
            oid: 0,
            schema: TableSchema::new(id, Vec::new()),
            columns: Vec::new(),
            kind,
            replica_identity: ReplicaIdentity::Default,
            indexes: Vec::new(),
            partition,
            owned_sequences: Vec::new(),
        }
    }

    fn child(id: TableId, parent: &TableId, bound: &str, key: Option<&str>) -> PgTable {
        let kind = if key.is_some() {
            TableKind::Partitioned
        } else {
            TableKind::Ordinary
        };
        pg_table(
            id,
            kind,
            Some(PartitionInfo {
                parent: Some(parent.clone()),
                bound: Some(bound.to_owned()),
                key: key.map(str::to_owned),
                partitions: Vec::new(),
            }),
        )
    }

    #[test]
    fn partitioning_in_model_form_with_bounds_schemas_and_subpartitions() {
        let events = TableId::new("app", "events");
        let y2024 = TableId::new("app", "events_2024");
        let h0 = TableId::new("arch", "events_2024_h0");
        let def = TableId::new("app", "events_def");
        let mut y = child(
            y2024.clone(),
            &events,
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            Some("HASH (id)"),
        );
        if let Some(p) = y.partition.as_mut() {
            p.partitions = vec![h0.clone()];
        }
        let mut catalog = Catalog {
            tables: vec![
                pg_table(
                    events.clone(),
                    TableKind::Partitioned,
                    Some(PartitionInfo {
                        parent: None,
                        bound: None,
                        key: Some("RANGE (at, lower(name))".into()),
                        partitions: vec![y2024.clone(), def.clone()],
                    }),
                ),
                y,
                child(
                    h0.clone(),
                    &y2024,
                    "FOR VALUES WITH (modulus 2, remainder 0)",
                    None,
                ),
                child(def.clone(), &events, "DEFAULT", None),
            ],
            missing: Vec::new(),
            sequences: Vec::new(),
            types: TypeRegistry::new(),
        };
        let p = catalog.partitioning(&events).ok().flatten();
        let mut sub = Partitioning::new(PartitionStrategy::Hash, "id");
        let mut hp = Partition::new("events_2024_h0", "FOR VALUES WITH (modulus 2, remainder 0)");
        hp.schema = Some("arch".into());
        sub.partitions.push(hp);
        let mut yp = Partition::new(
            "events_2024",
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        );
        yp.subpartitioning = Some(Box::new(sub));
        let want = Partitioning::new(PartitionStrategy::Range, "at, lower(name)")
            .partition(yp)
            .partition(Partition::new("events_def", "DEFAULT"));
        assert_eq!(p, Some(want));
        // A partition, or a plain table, has no partitioning of its own.
        assert_eq!(catalog.partitioning(&def), Ok(None));
        assert_eq!(catalog.partitioning(&TableId::new("x", "y")), Ok(None));
        // A partition left out of the selection is named.
        catalog.tables.retain(|t| t.schema.id != def);
        assert_eq!(
            catalog.partitioning(&events),
            Err(PartitionNotSelected {
                table: events.clone(),
                partition: def
            })
        );
    }

    #[test]
    fn partition_keys_parse() {
        assert_eq!(
            parse_partition_key("LIST (region)"),
            Some((PartitionStrategy::List, "region".to_owned()))
        );
        assert_eq!(
            parse_partition_key("HASH (id, \"Odd Name\")"),
            Some((PartitionStrategy::Hash, "id, \"Odd Name\"".to_owned()))
        );
        assert_eq!(parse_partition_key("RANGE"), None);
        assert_eq!(parse_partition_key("KEY (a)"), None);
    }

    #[test]
    fn defaults_split_into_literals_and_expressions() {
        let lit = |s: &str| ColumnDefault::Literal(s.to_owned());
        let ex = |s: &str| ColumnDefault::Expression(s.to_owned());
        assert_eq!(classify_default("0"), lit("0"));
        assert_eq!(classify_default("1.50"), lit("1.50"));
        assert_eq!(classify_default("false"), lit("false"));
        assert_eq!(classify_default("'abc'::text"), lit("abc"));
        assert_eq!(classify_default("'a''b'::character varying"), lit("a'b"));
        assert_eq!(classify_default("'-1'::integer"), lit("-1"));
        assert_eq!(classify_default("'{1,2}'::integer[]"), lit("{1,2}"));
        assert_eq!(classify_default("'happy'::mood"), lit("happy"));
        assert_eq!(classify_default("'x'::\"Odd::Type\""), lit("x"));
        assert_eq!(classify_default("''::text"), lit(""));
        for e in [
            "nextval('t_id_seq'::regclass)",
            "now()",
            "CURRENT_TIMESTAMP",
            "(1 + 2)",
            "(-1)",
            "'a'::text || 'b'::text",
            "'1 day'::interval + now()",
            "('x'::text)",
            "1.2.3",
            "",
        ] {
            assert_eq!(classify_default(e), ex(e), "{e}");
        }
    }

    #[test]
    fn array_literals_quote_every_element() {
        assert_eq!(array_literal(["public"]), r#"{"public"}"#);
        assert_eq!(
            array_literal(["a,b", "{x}", "NULL"]),
            r#"{"a,b","{x}","NULL"}"#
        );
        assert_eq!(array_literal(["\"\\"]), r#"{"\"\\"}"#);
    }

    #[test]
    fn user_types_outside_public_are_qualified() {
        assert_eq!(type_name("public", "mood"), "mood");
        assert_eq!(type_name("app", "mood"), "app.mood");
    }
}
