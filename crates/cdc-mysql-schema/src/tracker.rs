//! The DDL tracker: the current schema of every table, changed statement by statement.

use std::collections::BTreeMap;
use std::sync::Arc;

use cdc_model::{Column, ColumnDefault, ColumnType, Index, KeyColumn, TableId, TableSchema};
use serde::{Deserialize, Serialize};

use crate::charset::{Charsets, Flavor};
use crate::ddl::{
    self, AlterSpec, ColumnDef, ColumnPosition, DefaultSpec, IgnoredKind, InlineKey, KeyDef,
    KeyKind, Name, Statement, TableElement, TableOptions,
};
use crate::error::{Error, ErrorKind, Result};
use crate::osc::{ShadowRole, ShadowTables};
use crate::types::{Ctx, literal_text, resolve_column, text_name};

/// A table as the tracker keeps it: its schema and its default character set and collation
/// (which columns added later without a character set of their own take).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDef {
    /// The schema.
    pub schema: Arc<TableSchema>,
    /// Default character set (`None` when unknown).
    pub charset: Option<String>,
    /// Default collation (`None` when unknown).
    pub collation: Option<String>,
}

/// A database's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseDef {
    /// Default character set.
    pub charset: String,
    /// Default collation.
    pub collation: String,
}

/// How the tracker resolves what statements leave out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackerOptions {
    /// The server family.
    pub flavor: Flavor,
    /// Character sets (default collations, maximum lengths).
    pub charsets: Charsets,
    /// The server's default for databases created without a character set
    /// (`character_set_server`, `collation_server`), also used for tables of databases the
    /// tracker was not told about. `None`: such statements are an error.
    pub server_default: Option<DatabaseDef>,
    /// `lower_case_table_names` is 1 or 2: database and table names compare without case.
    pub case_insensitive_names: bool,
    /// Online-schema-change shadow tables.
    pub shadow_tables: ShadowTables,
}

impl TrackerOptions {
    /// Options for `flavor` with its built-in character sets, no server default, case-sensitive
    /// names and the gh-ost/pt-osc shadow-table patterns.
    pub fn new(flavor: Flavor) -> TrackerOptions {
        TrackerOptions {
            flavor,
            charsets: Charsets::built_in(flavor),
            server_default: None,
            case_insensitive_names: false,
            shadow_tables: ShadowTables::default(),
        }
    }
}

/// What a statement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A table was created (also by `CREATE TABLE ... LIKE`).
    Created(TableId),
    /// A table's columns, keys or defaults changed.
    Altered(TableId),
    /// A table was dropped (also by `DROP DATABASE`).
    Dropped(TableId),
    /// A table was renamed (`RENAME TABLE`, `ALTER TABLE ... RENAME`).
    Renamed {
        /// Old name.
        from: TableId,
        /// New name.
        to: TableId,
    },
    /// A table was truncated: no schema change, but its rows are gone.
    Truncated(TableId),
    /// An online schema change finished: `table` now has the schema the shadow table had
    /// (gh-ost `_t_gho`, pt-osc `_t_new`), and the old table lives on as `old` if it was kept.
    ShadowCutOver {
        /// The table whose schema was replaced.
        table: TableId,
        /// The shadow table that took its place.
        shadow: TableId,
        /// Where the old table went (gh-ost `_t_del`, pt-osc `_t_old`).
        old: Option<TableId>,
    },
    /// A database was created.
    DatabaseCreated(String),
    /// A database's defaults changed.
    DatabaseAltered(String),
    /// A database was dropped.
    DatabaseDropped(String),
}

/// The result of one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `None` for a statement that can change schemas, else why it cannot.
    pub ignored: Option<IgnoredKind>,
    /// What changed, in order.
    pub changes: Vec<Change>,
}

impl Outcome {
    /// Tables whose schema may differ after the statement (created, altered, dropped, renamed
    /// from or to), each once.
    pub fn affected_tables(&self) -> Vec<TableId> {
        let mut out: Vec<TableId> = Vec::new();
        let mut add = |t: &TableId| {
            if !out.contains(t) {
                out.push(t.clone());
            }
        };
        for c in &self.changes {
            match c {
                Change::Created(t) | Change::Altered(t) | Change::Dropped(t) => add(t),
                Change::Renamed { from, to } => {
                    add(from);
                    add(to);
                }
                Change::ShadowCutOver { table, shadow, old } => {
                    add(table);
                    add(shadow);
                    if let Some(o) = old {
                        add(o);
                    }
                }
                Change::Truncated(_)
                | Change::DatabaseCreated(_)
                | Change::DatabaseAltered(_)
                | Change::DatabaseDropped(_) => {}
            }
        }
        out
    }
}

/// The current schema of every table, kept up to date from DDL statements.
///
/// ```
/// use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaTracker, TrackerOptions};
/// use cdc_model::TableId;
/// let mut t = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
/// t.seed_database("shop", DatabaseDef { charset: "utf8mb4".into(), collation: "utf8mb4_general_ci".into() });
/// t.apply("shop", "CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(20))").unwrap();
/// t.apply("shop", "ALTER TABLE orders ADD COLUMN sku CHAR(8) AFTER id, DROP note").unwrap();
/// let s = &t.table(&TableId::new("shop", "orders")).unwrap().schema;
/// let names: Vec<_> = s.columns.iter().map(|c| c.name.as_str()).collect();
/// assert_eq!(names, ["id", "sku"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaTracker {
    options: TrackerOptions,
    databases: BTreeMap<String, DatabaseDef>,
    tables: BTreeMap<TableId, Arc<TableDef>>,
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn same(a: &str, b: &str) -> bool {
    a == b || lower(a) == lower(b)
}

/// Orders unique keys and indexes by name (catalogs and DDL list them in different orders).
pub(crate) fn normalize_keys(s: &mut TableSchema) {
    s.unique_keys.sort_by(|a, b| a.name.cmp(&b.name));
    s.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

impl SchemaTracker {
    /// An empty tracker.
    pub fn new(options: TrackerOptions) -> SchemaTracker {
        SchemaTracker {
            options,
            databases: BTreeMap::new(),
            tables: BTreeMap::new(),
        }
    }

    /// A tracker holding what the catalog holds.
    pub fn from_catalog(options: TrackerOptions, catalog: &crate::Catalog) -> SchemaTracker {
        let mut t = SchemaTracker::new(options);
        for (name, db) in &catalog.databases {
            t.seed_database(name, db.clone());
        }
        for def in &catalog.tables {
            t.seed_table(def.clone());
        }
        t
    }

    /// The options.
    pub fn options(&self) -> &TrackerOptions {
        &self.options
    }

    /// Sets a database's defaults (from `information_schema.SCHEMATA`).
    pub fn seed_database(&mut self, name: &str, def: DatabaseDef) {
        let key = self.db_key(name);
        self.databases.insert(key, def);
    }

    /// Sets a table (from the catalog or `SHOW CREATE TABLE`).
    pub fn seed_table(&mut self, mut def: TableDef) {
        normalize_keys(Arc::make_mut(&mut def.schema));
        let key = self.key(&def.schema.id);
        self.tables.insert(key, Arc::new(def));
    }

    /// Removes a table (for callers that learn of a drop elsewhere).
    pub fn remove_table(&mut self, id: &TableId) -> Option<Arc<TableDef>> {
        let key = self.key(id);
        self.tables.remove(&key)
    }

    /// A table's definition.
    pub fn table(&self, id: &TableId) -> Option<&Arc<TableDef>> {
        self.tables.get(&self.key(id))
    }

    /// A table's schema.
    pub fn schema(&self, id: &TableId) -> Option<Arc<TableSchema>> {
        self.table(id).map(|d| d.schema.clone())
    }

    /// Every table, by name.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables.values()
    }

    /// A database's defaults.
    pub fn database(&self, name: &str) -> Option<&DatabaseDef> {
        self.databases.get(&self.db_key(name))
    }

    /// Every database with its defaults.
    pub fn databases(&self) -> impl Iterator<Item = (&str, &DatabaseDef)> {
        self.databases.iter().map(|(k, v)| (k.as_str(), v))
    }

    fn db_key(&self, name: &str) -> String {
        if self.options.case_insensitive_names {
            lower(name)
        } else {
            name.to_string()
        }
    }

    /// The key a table is stored under (lower case when names are case-insensitive).
    pub fn key(&self, id: &TableId) -> TableId {
        if self.options.case_insensitive_names {
            TableId::new(lower(&id.schema), lower(&id.name))
        } else {
            id.clone()
        }
    }

    /// The table a row event for `table` belongs to under `policy`: itself, the original of a
    /// gh-ost/pt-osc shadow table, or none (skip its rows).
    pub fn route_rows(&self, table: &TableId, policy: crate::ShadowRows) -> Option<TableId> {
        match self.options.shadow_tables.classify(&table.name) {
            None => Some(table.clone()),
            Some((original, role)) => match (policy, role) {
                (crate::ShadowRows::Keep, _) => Some(table.clone()),
                (crate::ShadowRows::MapToOriginal, ShadowRole::Ghost) => {
                    Some(TableId::new(table.schema.clone(), original))
                }
                _ => None,
            },
        }
    }

    /// Applies one statement (the text of a QUERY event) run with default database
    /// `default_db` (may be empty). On error nothing changes.
    pub fn apply(&mut self, default_db: &str, sql: &str) -> Result<Outcome> {
        let statement = ddl::parse(sql)?;
        if let Statement::Ignored(kind) = statement {
            return Ok(Outcome {
                ignored: Some(kind),
                changes: Vec::new(),
            });
        }
        let mut work = self.clone();
        let changes = work
            .apply_statement(default_db, statement)
            .map_err(|e| e.in_statement(sql))?;
        *self = work;
        Ok(Outcome {
            ignored: None,
            changes,
        })
    }

    /// Applies an already parsed statement.
    pub fn apply_parsed(&mut self, default_db: &str, statement: Statement) -> Result<Outcome> {
        if let Statement::Ignored(kind) = statement {
            return Ok(Outcome {
                ignored: Some(kind),
                changes: Vec::new(),
            });
        }
        let mut work = self.clone();
        let changes = work.apply_statement(default_db, statement)?;
        *self = work;
        Ok(Outcome {
            ignored: None,
            changes,
        })
    }

    fn id(&self, default_db: &str, name: &Name) -> Result<TableId> {
        let db = match &name.database {
            Some(d) => d.clone(),
            None if !default_db.is_empty() => default_db.to_string(),
            None => return Err(Error::new(ErrorKind::NoDatabase(name.name.clone()))),
        };
        Ok(TableId::new(db, name.name.clone()))
    }

    fn db_defaults(&self, db: &str) -> Result<DatabaseDef> {
        self.database(db)
            .cloned()
            .or_else(|| self.options.server_default.clone())
            .ok_or_else(|| Error::new(ErrorKind::UnknownDatabaseCharset(db.to_string())))
    }

    fn get(&self, id: &TableId) -> Result<TableDef> {
        self.table(id)
            .map(|d| (**d).clone())
            .ok_or_else(|| Error::new(ErrorKind::UnknownTable(id.clone())))
    }

    fn put(&mut self, mut def: TableDef) {
        normalize_keys(Arc::make_mut(&mut def.schema));
        let key = self.key(&def.schema.id);
        self.tables.insert(key, Arc::new(def));
    }

    fn apply_statement(&mut self, default_db: &str, st: Statement) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        match st {
            Statement::Ignored(_) => {}
            Statement::CreateTable {
                name,
                or_replace,
                if_not_exists,
                elements,
                options,
            } => {
                let id = self.id(default_db, &name)?;
                if self.table(&id).is_some() && if_not_exists && !or_replace {
                    return Ok(changes);
                }
                let def = self.create_table(&id, &elements, &options)?;
                self.put(def);
                changes.push(Change::Created(id));
            }
            Statement::CreateTableLike {
                name,
                or_replace,
                if_not_exists,
                like,
            } => {
                let id = self.id(default_db, &name)?;
                if self.table(&id).is_some() && if_not_exists && !or_replace {
                    return Ok(changes);
                }
                let src = self.get(&self.id(default_db, &like)?)?;
                let mut schema = (*src.schema).clone();
                schema.id = id.clone();
                schema.foreign_keys.clear();
                self.put(TableDef {
                    schema: Arc::new(schema),
                    charset: src.charset.clone(),
                    collation: src.collation.clone(),
                });
                changes.push(Change::Created(id));
            }
            Statement::AlterTable {
                name,
                if_exists,
                specs,
            } => {
                let id = self.id(default_db, &name)?;
                if self.table(&id).is_none() && if_exists {
                    return Ok(changes);
                }
                self.alter_table(default_db, &id, &specs, &mut changes)?;
            }
            Statement::DropTables { names, .. } => {
                for n in &names {
                    let id = self.id(default_db, n)?;
                    if let Some(def) = self.remove_table(&id) {
                        changes.push(Change::Dropped(def.schema.id.clone()));
                    }
                }
            }
            Statement::RenameTables(pairs) => {
                let mut renamed = Vec::new();
                for (from, to) in &pairs {
                    let from = self.id(default_db, from)?;
                    let to = self.id(default_db, to)?;
                    self.rename(&from, &to)?;
                    changes.push(Change::Renamed {
                        from: from.clone(),
                        to: to.clone(),
                    });
                    renamed.push((from, to));
                }
                self.detect_cut_over(&renamed, &mut changes);
            }
            Statement::Truncate(name) => {
                changes.push(Change::Truncated(self.id(default_db, &name)?));
            }
            Statement::CreateIndex { table, key } => {
                let id = self.id(default_db, &table)?;
                self.alter_table(default_db, &id, &[AlterSpec::AddKey(key)], &mut changes)?;
            }
            Statement::DropIndex {
                table,
                name,
                if_exists,
            } => {
                let id = self.id(default_db, &table)?;
                let spec = if name.eq_ignore_ascii_case("primary") {
                    AlterSpec::DropPrimaryKey
                } else {
                    AlterSpec::DropIndex { name, if_exists }
                };
                self.alter_table(default_db, &id, &[spec], &mut changes)?;
            }
            Statement::CreateDatabase {
                name,
                or_replace,
                if_not_exists,
                charset,
                collation,
            } => {
                if self.database(&name).is_some() && if_not_exists && !or_replace {
                    return Ok(changes);
                }
                if or_replace {
                    self.drop_database(&name, &mut changes);
                }
                let def = match self
                    .options
                    .charsets
                    .resolve(charset.as_deref(), collation.as_deref())?
                {
                    Some((charset, collation)) => DatabaseDef { charset, collation },
                    None => self.options.server_default.clone().ok_or_else(|| {
                        Error::new(ErrorKind::UnknownDatabaseCharset(name.clone()))
                    })?,
                };
                self.seed_database(&name, def);
                changes.push(Change::DatabaseCreated(name));
            }
            Statement::DropDatabase { name, .. } => {
                self.drop_database(&name, &mut changes);
            }
            Statement::AlterDatabase {
                name,
                charset,
                collation,
            } => {
                let name = match name {
                    Some(n) => n,
                    None if !default_db.is_empty() => default_db.to_string(),
                    None => return Err(Error::new(ErrorKind::NoDatabase("(database)".into()))),
                };
                if let Some((charset, collation)) = self
                    .options
                    .charsets
                    .resolve(charset.as_deref(), collation.as_deref())?
                {
                    self.seed_database(&name, DatabaseDef { charset, collation });
                    changes.push(Change::DatabaseAltered(name));
                }
            }
        }
        Ok(changes)
    }

    fn drop_database(&mut self, name: &str, changes: &mut Vec<Change>) {
        let key = self.db_key(name);
        let existed = self.databases.remove(&key).is_some();
        let gone: Vec<TableId> = self
            .tables
            .keys()
            .filter(|k| k.schema == key)
            .cloned()
            .collect();
        for k in gone {
            if let Some(def) = self.tables.remove(&k) {
                changes.push(Change::Dropped(def.schema.id.clone()));
            }
        }
        if existed {
            changes.push(Change::DatabaseDropped(name.to_string()));
        }
    }

    fn rename(&mut self, from: &TableId, to: &TableId) -> Result<()> {
        let mut def = self.get(from)?;
        self.remove_table(from);
        Arc::make_mut(&mut def.schema).id = to.clone();
        self.put(def);
        Ok(())
    }

    fn detect_cut_over(&self, renamed: &[(TableId, TableId)], changes: &mut Vec<Change>) {
        let patterns = &self.options.shadow_tables;
        for (from, to) in renamed {
            let Some((original, ShadowRole::Ghost)) = patterns.classify(&from.name) else {
                continue;
            };
            if !same(&original, &to.name) || !same(&from.schema, &to.schema) {
                continue;
            }
            let old = renamed
                .iter()
                .find(|(f, t)| {
                    f == to
                        && matches!(patterns.classify(&t.name), Some((o, ShadowRole::Old)) if same(&o, &original))
                })
                .map(|(_, t)| t.clone());
            changes.push(Change::ShadowCutOver {
                table: to.clone(),
                shadow: from.clone(),
                old,
            });
        }
    }

    fn ctx<'a>(&'a self, charset: &'a str, collation: &'a str) -> Ctx<'a> {
        Ctx {
            flavor: self.options.flavor,
            charsets: &self.options.charsets,
            table_charset: charset,
            table_collation: collation,
        }
    }

    /// Table defaults from written options over the database's.
    fn table_charset(&self, db: &str, o: &TableOptions) -> Result<(String, String)> {
        match self
            .options
            .charsets
            .resolve(o.charset.as_deref(), o.collation.as_deref())?
        {
            Some(r) => Ok(r),
            None => {
                let d = self.db_defaults(db)?;
                Ok((d.charset, d.collation))
            }
        }
    }

    fn create_table(
        &self,
        id: &TableId,
        elements: &[TableElement],
        options: &TableOptions,
    ) -> Result<TableDef> {
        let (cs, coll) = self.table_charset(&id.schema, options)?;
        let mut schema = TableSchema::new(id.clone(), Vec::new());
        schema.comment = options.comment.clone().filter(|c| !c.is_empty());
        let mut keys = Vec::new();
        for e in elements {
            match e {
                TableElement::Column(def) => {
                    if schema.column_index_ci(&def.name).is_some() {
                        return Err(Error::new(ErrorKind::DuplicateColumn {
                            table: id.clone(),
                            column: def.name.clone(),
                        }));
                    }
                    let col = resolve_column(def, &self.ctx(&cs, &coll))
                        .map_err(|e| e.with_column_context(id, &def.name))?;
                    schema.columns.push(col);
                    keys.extend(inline_keys(def));
                }
                TableElement::Key(k) => keys.push(k.clone()),
                TableElement::Other => {}
            }
        }
        for k in &keys {
            add_key(&mut schema, k)?;
        }
        Ok(TableDef {
            schema: Arc::new(schema),
            charset: Some(cs),
            collation: Some(coll),
        })
    }

    fn alter_table(
        &mut self,
        default_db: &str,
        id: &TableId,
        specs: &[AlterSpec],
        changes: &mut Vec<Change>,
    ) -> Result<()> {
        let mut def = self.get(id)?;
        let mut rename_to: Option<TableId> = None;
        let mut altered = false;
        for spec in specs {
            let cs = def.charset.clone();
            let coll = def.collation.clone();
            let table_cs = || -> Result<(String, String)> {
                match (&cs, &coll) {
                    (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
                    _ => Err(Error::new(ErrorKind::UnknownCharset(format!(
                        "(default of table {id})"
                    )))),
                }
            };
            let s = Arc::make_mut(&mut def.schema);
            match spec {
                AlterSpec::AddColumn {
                    def: cdef,
                    position,
                    if_not_exists,
                } => {
                    if s.column_index_ci(&cdef.name).is_some() {
                        if *if_not_exists {
                            continue;
                        }
                        return Err(Error::new(ErrorKind::DuplicateColumn {
                            table: id.clone(),
                            column: cdef.name.clone(),
                        }));
                    }
                    let (a, b) = table_cs_for(cdef, table_cs)?;
                    let col = resolve_column(cdef, &self.ctx(&a, &b))
                        .map_err(|e| e.with_column_context(id, &cdef.name))?;
                    let at = insert_position(s, position, s.columns.len(), id)?;
                    s.columns.insert(at, col);
                    for k in inline_keys(cdef) {
                        add_key(s, &k)?;
                    }
                    altered = true;
                }
                AlterSpec::DropColumn { name, if_exists } => {
                    let Some(i) = s.column_index_ci(name) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(unknown_column(id, name));
                    };
                    let removed = s.columns.remove(i);
                    drop_column_from_keys(s, &removed.name);
                    altered = true;
                }
                AlterSpec::ModifyColumn {
                    def: cdef,
                    position,
                    if_exists,
                } => {
                    let Some(i) = s.column_index_ci(&cdef.name) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(unknown_column(id, &cdef.name));
                    };
                    let old_name = s.columns.get(i).map(|c| c.name.clone()).unwrap_or_default();
                    let (a, b) = table_cs_for(cdef, table_cs)?;
                    let col = resolve_column(cdef, &self.ctx(&a, &b))
                        .map_err(|e| e.with_column_context(id, &cdef.name))?;
                    replace_column(s, i, &old_name, col, position, id)?;
                    for k in inline_keys(cdef) {
                        add_key(s, &k)?;
                    }
                    altered = true;
                }
                AlterSpec::ChangeColumn {
                    old,
                    def: cdef,
                    position,
                    if_exists,
                } => {
                    let Some(i) = s.column_index_ci(old) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(unknown_column(id, old));
                    };
                    if !same(old, &cdef.name) && s.column_index_ci(&cdef.name).is_some() {
                        return Err(Error::new(ErrorKind::DuplicateColumn {
                            table: id.clone(),
                            column: cdef.name.clone(),
                        }));
                    }
                    let old_name = s.columns.get(i).map(|c| c.name.clone()).unwrap_or_default();
                    let (a, b) = table_cs_for(cdef, table_cs)?;
                    let col = resolve_column(cdef, &self.ctx(&a, &b))
                        .map_err(|e| e.with_column_context(id, &cdef.name))?;
                    replace_column(s, i, &old_name, col, position, id)?;
                    for k in inline_keys(cdef) {
                        add_key(s, &k)?;
                    }
                    altered = true;
                }
                AlterSpec::RenameColumn {
                    old,
                    new,
                    if_exists,
                } => {
                    let Some(i) = s.column_index_ci(old) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(unknown_column(id, old));
                    };
                    if !same(old, new) && s.column_index_ci(new).is_some() {
                        return Err(Error::new(ErrorKind::DuplicateColumn {
                            table: id.clone(),
                            column: new.clone(),
                        }));
                    }
                    let old_name = s.columns.get(i).map(|c| c.name.clone()).unwrap_or_default();
                    if let Some(c) = s.columns.get_mut(i) {
                        c.name = new.clone();
                    }
                    rename_in_keys(s, &old_name, new);
                    altered = true;
                }
                AlterSpec::AlterDefault { column, default } => {
                    let Some(c) = s.columns.iter_mut().find(|c| same(&c.name, column)) else {
                        return Err(unknown_column(id, column));
                    };
                    c.default = match default {
                        None | Some(DefaultSpec::Null) => None,
                        Some(DefaultSpec::Expression(e)) => {
                            Some(ColumnDefault::Expression(e.clone()))
                        }
                        Some(DefaultSpec::Literal(l)) => {
                            Some(ColumnDefault::Literal(literal_text(l, &c.ty)))
                        }
                    };
                    altered = true;
                }
                AlterSpec::AlterVisibility { column, invisible } => {
                    let Some(c) = s.columns.iter_mut().find(|c| same(&c.name, column)) else {
                        return Err(unknown_column(id, column));
                    };
                    c.invisible = *invisible;
                    altered = true;
                }
                AlterSpec::AddKey(k) => {
                    if k.if_not_exists
                        && let Some(n) = &k.name
                        && has_index(s, n)
                    {
                        continue;
                    }
                    add_key(s, k).map_err(|e| e.with_table(id))?;
                    altered = true;
                }
                AlterSpec::DropPrimaryKey => {
                    if s.primary_key.take().is_none() {
                        return Err(Error::new(ErrorKind::UnknownIndex {
                            table: id.clone(),
                            index: "PRIMARY".into(),
                        }));
                    }
                    altered = true;
                }
                AlterSpec::DropIndex { name, if_exists } => {
                    if name.eq_ignore_ascii_case("primary") {
                        s.primary_key = None;
                    } else if !remove_index(s, name) {
                        if *if_exists {
                            continue;
                        }
                        return Err(Error::new(ErrorKind::UnknownIndex {
                            table: id.clone(),
                            index: name.clone(),
                        }));
                    }
                    altered = true;
                }
                AlterSpec::DropConstraint { name } => {
                    if name.eq_ignore_ascii_case("primary") {
                        s.primary_key = None;
                        altered = true;
                    } else if remove_index(s, name) {
                        altered = true;
                    }
                }
                AlterSpec::RenameIndex { old, new } => {
                    let ix = s
                        .unique_keys
                        .iter_mut()
                        .chain(s.indexes.iter_mut())
                        .find(|ix| ix.name.as_deref().is_some_and(|n| same(n, old)));
                    match ix {
                        Some(ix) => ix.name = Some(new.clone()),
                        None => {
                            return Err(Error::new(ErrorKind::UnknownIndex {
                                table: id.clone(),
                                index: old.clone(),
                            }));
                        }
                    }
                    altered = true;
                }
                AlterSpec::RenameTable(n) => {
                    rename_to = Some(self.id(default_db, n)?);
                }
                AlterSpec::ConvertTo { charset, collation } => {
                    let coll = match collation {
                        Some(c) => c.clone(),
                        None => self.options.charsets.default_collation(charset)?,
                    };
                    self.convert_columns(s, charset, &coll)?;
                    def.charset = Some(charset.clone());
                    def.collation = Some(coll);
                    altered = true;
                }
                AlterSpec::Options(o) => {
                    if o.comment.is_some() {
                        s.comment = o.comment.clone().filter(|c| !c.is_empty());
                        altered = true;
                    }
                    if let Some((a, b)) = self
                        .options
                        .charsets
                        .resolve(o.charset.as_deref(), o.collation.as_deref())?
                    {
                        def.charset = Some(a);
                        def.collation = Some(b);
                        altered = true;
                    }
                }
                AlterSpec::NoSchemaEffect(_) => {}
            }
        }
        if let Some(to) = rename_to {
            let old_id = def.schema.id.clone();
            self.remove_table(&old_id);
            Arc::make_mut(&mut def.schema).id = to.clone();
            if altered {
                changes.push(Change::Altered(old_id.clone()));
            }
            changes.push(Change::Renamed {
                from: old_id.clone(),
                to: to.clone(),
            });
            self.put(def);
            self.detect_cut_over(&[(old_id, to)], changes);
        } else {
            self.put(def);
            if altered {
                changes.push(Change::Altered(id.clone()));
            }
        }
        Ok(())
    }

    /// `CONVERT TO CHARACTER SET`: every character column (not binary ones) takes the set; a
    /// `TEXT`-family column grows to the type that holds as many characters as before.
    fn convert_columns(&self, s: &mut TableSchema, charset: &str, collation: &str) -> Result<()> {
        let new_max = u64::from(self.options.charsets.max_len(charset)?);
        let model = cdc_model::Charset::from_name(charset);
        for c in &mut s.columns {
            match &mut c.ty {
                ColumnType::Char { charset: cs, .. } | ColumnType::VarChar { charset: cs, .. } => {
                    *cs = Some(model.clone());
                    c.collation = Some(collation.to_string());
                }
                ColumnType::Text {
                    max_bytes,
                    charset: cs,
                } => {
                    let old_max = match cs {
                        Some(old) => u64::from(self.options.charsets.max_len(old.name())?),
                        None => 1,
                    };
                    let bytes = max_bytes.unwrap_or(crate::types::LONG);
                    let wanted = (bytes / old_max.max(1)).saturating_mul(new_max);
                    let grown = text_bytes(wanted).max(bytes);
                    *max_bytes = Some(grown);
                    *cs = Some(model.clone());
                    c.collation = Some(collation.to_string());
                    c.native_type = Some(text_name(grown).to_string());
                }
                ColumnType::Enum { .. } | ColumnType::Set { .. } => {
                    c.collation = Some(collation.to_string());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn text_bytes(wanted: u64) -> u64 {
    use crate::types::{LONG, MEDIUM, SMALL, TINY};
    [TINY, SMALL, MEDIUM, LONG]
        .into_iter()
        .find(|m| *m >= wanted)
        .unwrap_or(LONG)
}

/// The table charset for a column, needed only when the column is a character column that
/// names no character set of its own.
fn table_cs_for(
    cdef: &ColumnDef,
    table_cs: impl Fn() -> Result<(String, String)>,
) -> Result<(String, String)> {
    match table_cs() {
        Ok(r) => Ok(r),
        Err(e) => {
            let t = &cdef.data_type;
            let needs = t.charset.is_none()
                && t.collation.is_none()
                && matches!(
                    t.base,
                    ddl::BaseType::Char
                        | ddl::BaseType::VarChar
                        | ddl::BaseType::TinyText
                        | ddl::BaseType::Text
                        | ddl::BaseType::MediumText
                        | ddl::BaseType::LongText
                        | ddl::BaseType::Enum
                        | ddl::BaseType::Set
                );
            if needs {
                Err(e)
            } else {
                Ok((String::new(), String::new()))
            }
        }
    }
}

fn unknown_column(id: &TableId, name: &str) -> Error {
    Error::new(ErrorKind::UnknownColumn {
        table: id.clone(),
        column: name.to_string(),
    })
}

fn inline_keys(def: &ColumnDef) -> Vec<KeyDef> {
    def.keys
        .iter()
        .map(|k| KeyDef {
            kind: match k {
                InlineKey::Primary => KeyKind::Primary,
                InlineKey::Unique => KeyKind::Unique,
            },
            name: match k {
                InlineKey::Primary => Some("PRIMARY".into()),
                InlineKey::Unique => None,
            },
            parts: vec![ddl::KeyPart {
                column: def.name.clone(),
                prefix: None,
                descending: false,
            }],
            if_not_exists: false,
        })
        .collect()
}

fn has_index(s: &TableSchema, name: &str) -> bool {
    (name.eq_ignore_ascii_case("primary") && s.primary_key.is_some())
        || s.unique_keys
            .iter()
            .chain(&s.indexes)
            .any(|ix| ix.name.as_deref().is_some_and(|n| same(n, name)))
}

fn remove_index(s: &mut TableSchema, name: &str) -> bool {
    let before = s.unique_keys.len() + s.indexes.len();
    s.unique_keys
        .retain(|ix| !ix.name.as_deref().is_some_and(|n| same(n, name)));
    s.indexes
        .retain(|ix| !ix.name.as_deref().is_some_and(|n| same(n, name)));
    s.unique_keys.len() + s.indexes.len() != before
}

/// Adds an index; a primary key makes its columns `NOT NULL`; an unnamed index is named after
/// its first column (`_2`, `_3` ... when taken), as MySQL names it.
fn add_key(s: &mut TableSchema, k: &KeyDef) -> Result<()> {
    let mut columns = Vec::with_capacity(k.parts.len());
    for p in &k.parts {
        let name = if p.column.starts_with('(') {
            p.column.clone()
        } else {
            match s.columns.iter().find(|c| same(&c.name, &p.column)) {
                Some(c) => c.name.clone(),
                None => {
                    return Err(Error::new(ErrorKind::UnknownColumn {
                        table: s.id.clone(),
                        column: p.column.clone(),
                    }));
                }
            }
        };
        columns.push(KeyColumn {
            column: name,
            prefix_len: p.prefix,
            descending: p.descending,
        });
    }
    if k.kind == KeyKind::Primary {
        for kc in &columns {
            if let Some(c) = s.columns.iter_mut().find(|c| c.name == kc.column) {
                c.nullable = false;
            }
        }
        s.primary_key = Some(Index {
            name: Some("PRIMARY".into()),
            columns,
            unique: true,
            method: None,
        });
        return Ok(());
    }
    let name = match &k.name {
        Some(n) => n.clone(),
        None => {
            let base = columns
                .first()
                .map(|c| c.column.clone())
                .unwrap_or_default();
            let mut name = base.clone();
            let mut n = 2;
            while has_index(s, &name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            name
        }
    };
    remove_index(s, &name);
    let ix = Index {
        name: Some(name),
        columns,
        unique: k.kind == KeyKind::Unique,
        method: match k.kind {
            KeyKind::Fulltext => Some("FULLTEXT".into()),
            KeyKind::Spatial => Some("SPATIAL".into()),
            _ => None,
        },
    };
    if ix.unique {
        s.unique_keys.push(ix);
    } else {
        s.indexes.push(ix);
    }
    Ok(())
}

fn drop_column_from_keys(s: &mut TableSchema, name: &str) {
    let strip = |ix: &mut Index| ix.columns.retain(|k| k.column != name);
    if let Some(pk) = &mut s.primary_key {
        strip(pk);
        if pk.columns.is_empty() {
            s.primary_key = None;
        }
    }
    for ix in s.unique_keys.iter_mut().chain(s.indexes.iter_mut()) {
        strip(ix);
    }
    s.unique_keys.retain(|ix| !ix.columns.is_empty());
    s.indexes.retain(|ix| !ix.columns.is_empty());
}

fn rename_in_keys(s: &mut TableSchema, old: &str, new: &str) {
    let all = s
        .primary_key
        .iter_mut()
        .chain(s.unique_keys.iter_mut())
        .chain(s.indexes.iter_mut());
    for ix in all {
        for k in &mut ix.columns {
            if k.column == old {
                k.column = new.to_string();
            }
        }
    }
}

fn in_primary_key(s: &TableSchema, name: &str) -> bool {
    s.primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|k| k.column == name))
}

fn insert_position(
    s: &TableSchema,
    position: &ColumnPosition,
    default: usize,
    id: &TableId,
) -> Result<usize> {
    Ok(match position {
        ColumnPosition::Default => default,
        ColumnPosition::First => 0,
        ColumnPosition::After(c) => s.column_index_ci(c).ok_or_else(|| unknown_column(id, c))? + 1,
    })
}

/// MODIFY/CHANGE: the column at `i` (named `old_name`) becomes `col`, moved when asked.
fn replace_column(
    s: &mut TableSchema,
    i: usize,
    old_name: &str,
    mut col: Column,
    position: &ColumnPosition,
    id: &TableId,
) -> Result<()> {
    if in_primary_key(s, old_name) {
        col.nullable = false;
    }
    let new_name = col.name.clone();
    s.columns.remove(i);
    let at = match position {
        ColumnPosition::Default => i,
        other => insert_position(s, other, i, id)?,
    };
    s.columns.insert(at.min(s.columns.len()), col);
    if old_name != new_name {
        rename_in_keys(s, old_name, &new_name);
    }
    Ok(())
}

/// Case-insensitive column lookup (MySQL column names compare without case).
pub(crate) trait ColumnLookup {
    fn column_index_ci(&self, name: &str) -> Option<usize>;
}

impl ColumnLookup for TableSchema {
    fn column_index_ci(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| same(&c.name, name))
    }
}

impl Error {
    pub(crate) fn with_column_context(self, table: &TableId, column: &str) -> Error {
        match self.kind() {
            ErrorKind::Syntax(m) => Error::new(ErrorKind::Syntax(format!(
                "column {column} of {table}: {m}"
            ))),
            ErrorKind::UnknownCharset(m) => Error::new(ErrorKind::UnknownCharset(format!(
                "{m} (column {column} of {table})"
            ))),
            _ => self,
        }
    }

    pub(crate) fn with_table(self, table: &TableId) -> Error {
        match self.kind() {
            ErrorKind::UnknownColumn { column, .. } => Error::new(ErrorKind::UnknownColumn {
                table: table.clone(),
                column: column.clone(),
            }),
            _ => self,
        }
    }
}
