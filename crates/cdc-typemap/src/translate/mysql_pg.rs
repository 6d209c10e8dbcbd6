//! MySQL/MariaDB to PostgreSQL, AnalyticDB and MaxCompute: the statement is parsed, applied
//! to a copy of the source schema one `ALTER TABLE` specification at a time, and the
//! difference between the schema before and after each step is written in the target's DDL.
//! Columns go through the same [`Mapper`] and the same column DDL as [`crate::ddl`], so a
//! column added later is declared exactly as schema migration would have declared it.

use std::collections::BTreeMap;

use cdc_model::{Column, Index, TableId, TableSchema};
use cdc_mysql_schema::ddl::{self, AlterSpec, ColumnPosition, IgnoredKind, Name, Statement};
use cdc_mysql_schema::{ErrorKind, SchemaTracker};

use super::{TranslateError, Translation, Translator, excerpt, issue};
use crate::ddl::{DdlOptions, create_table, pg_column};
use crate::dialect::Dialect;
use crate::issue::{IssueKind, Severity};
use crate::mapping::Mapper;
use crate::naming::{fit_identifier, quote_ident, quote_literal, quote_table};

pub(super) fn translate(
    tr: &Translator,
    tracker: &SchemaTracker,
    default_db: &str,
    sql: &str,
) -> Result<Translation, TranslateError> {
    let statement = ddl::parse(sql).map_err(|e| TranslateError::Parse {
        dialect: tr.mapper.source(),
        statement: excerpt(sql),
        reason: e.to_string(),
    })?;
    let mut c = Ctx {
        tr,
        work: tracker.clone(),
        default_db,
        sql,
        out: Translation::default(),
        options: DdlOptions {
            names: tr.names.clone(),
            ..DdlOptions::default()
        },
    };
    let maxcompute = tr.mapper.target() == Dialect::MaxCompute;
    match statement {
        Statement::Ignored(IgnoredKind::Routine) => {
            c.unsupported_statement(None, "views and routines")
        }
        Statement::Ignored(IgnoredKind::Sequence | IgnoredKind::Temporary) => {
            c.unsupported_statement(None, "sequences and temporary tables")
        }
        Statement::Ignored(_) => {}
        Statement::CreateDatabase { .. }
        | Statement::DropDatabase { .. }
        | Statement::AlterDatabase { .. } => c.unsupported_statement(None, "database DDL"),
        Statement::AlterTable {
            name,
            if_exists,
            specs,
        } => c.alter_table(&name, if_exists, specs)?,
        other if maxcompute => {
            let table = match &other {
                Statement::CreateTable { name, .. }
                | Statement::CreateTableLike { name, .. }
                | Statement::Truncate(name)
                | Statement::CreateIndex { table: name, .. }
                | Statement::DropIndex { table: name, .. } => Some(c.id(name)?),
                _ => None,
            };
            c.unsupported_statement(table.as_ref(), "only ALTER TABLE ... ADD COLUMN");
        }
        Statement::CreateTable {
            ref name,
            or_replace,
            if_not_exists,
            ..
        }
        | Statement::CreateTableLike {
            ref name,
            or_replace,
            if_not_exists,
            ..
        } => {
            let id = c.id(name)?;
            c.create_table(&id, or_replace, if_not_exists, statement.clone())?;
        }
        Statement::DropTables { names, if_exists } => {
            let mut list = Vec::new();
            for n in &names {
                let id = c.id(n)?;
                let id = c.work.schema(&id).map_or(id, |s| s.id.clone());
                list.push(c.qt(&id));
            }
            c.out.statements.push(format!(
                "DROP TABLE {}{}",
                if if_exists { "IF EXISTS " } else { "" },
                list.join(", ")
            ));
        }
        Statement::Truncate(name) => {
            let id = c.id(&name)?;
            let id = c.work.schema(&id).map_or(id, |s| s.id.clone());
            c.out
                .statements
                .push(format!("TRUNCATE TABLE {}", c.qt(&id)));
        }
        Statement::RenameTables(pairs) => {
            for (from, to) in pairs {
                let from_id = c.id(&from)?;
                let to_id = c.id(&to)?;
                let before = c.schema(&from_id)?;
                c.apply(Statement::RenameTables(vec![(from, to)]))?;
                c.rename_table(&before, &to_id);
            }
        }
        Statement::CreateIndex { table, key } => {
            c.alter_table(&table, false, vec![AlterSpec::AddKey(key)])?;
        }
        Statement::DropIndex {
            table,
            name,
            if_exists,
        } => {
            c.alter_table(
                &table,
                false,
                vec![AlterSpec::DropIndex { name, if_exists }],
            )?;
        }
    }
    Ok(c.out)
}

struct Ctx<'a> {
    tr: &'a Translator,
    /// The source schema, advanced statement by statement and specification by specification.
    work: SchemaTracker,
    default_db: &'a str,
    sql: &'a str,
    out: Translation,
    options: DdlOptions,
}

/// Which part of a column changed place, for the report.
fn position_issue(position: &ColumnPosition) -> Option<&'static str> {
    match position {
        ColumnPosition::Default => None,
        ColumnPosition::First => Some("FIRST"),
        ColumnPosition::After(_) => Some("AFTER"),
    }
}

impl Ctx<'_> {
    fn mapper(&self) -> &Mapper {
        &self.tr.mapper
    }

    fn target(&self) -> Dialect {
        self.tr.mapper.target()
    }

    fn id(&self, name: &Name) -> Result<TableId, TranslateError> {
        match &name.database {
            Some(d) => Ok(TableId::new(d.clone(), name.name.clone())),
            None if !self.default_db.is_empty() => {
                Ok(TableId::new(self.default_db, name.name.clone()))
            }
            None => Err(TranslateError::NoDatabase {
                statement: excerpt(self.sql),
                table: name.name.clone(),
            }),
        }
    }

    fn schema(&self, id: &TableId) -> Result<std::sync::Arc<TableSchema>, TranslateError> {
        self.work.schema(id).ok_or_else(|| TranslateError::Schema {
            statement: excerpt(self.sql),
            reason: format!("unknown table {id}"),
        })
    }

    fn apply(&mut self, st: Statement) -> Result<cdc_mysql_schema::Outcome, TranslateError> {
        self.work
            .apply_parsed(self.default_db, st)
            .map_err(|e| match e.kind() {
                ErrorKind::NoDatabase(t) => TranslateError::NoDatabase {
                    statement: excerpt(self.sql),
                    table: t.clone(),
                },
                _ => TranslateError::Schema {
                    statement: excerpt(self.sql),
                    reason: e.to_string(),
                },
            })
    }

    /// The quoted target table of a source table.
    fn qt(&self, source: &TableId) -> String {
        quote_table(self.target(), &self.target_id(source))
    }

    fn target_id(&self, source: &TableId) -> TableId {
        let mut t = self.tr.names.table(source);
        t.name = fit_identifier(self.target(), &t.name).0;
        t.schema = fit_identifier(self.target(), &t.schema).0;
        t
    }

    fn q(&self, name: &str) -> String {
        quote_ident(self.target(), name)
    }

    /// The quoted target name of a column of a source table.
    fn qc(&self, table: &TableId, column: &str) -> String {
        let n = self.tr.names.column(table, column);
        self.q(&fit_identifier(self.target(), &n).0)
    }

    /// An index or constraint's target name: `<table>_<name>`, as [`crate::ddl`] names them.
    fn object_name(&self, table: &TableId, name: &str) -> String {
        let t = self.target_id(table);
        fit_identifier(
            self.target(),
            &format!("{}_{}", t.name, self.tr.names.object(name)),
        )
        .0
    }

    fn unsupported_statement(&mut self, table: Option<&TableId>, what: &str) {
        let t = table
            .cloned()
            .unwrap_or_else(|| TableId::new(self.default_db, ""));
        let target = self.target();
        self.out.issues.push(issue(
            &t,
            None,
            Severity::Unsupported,
            IssueKind::Ddl,
            format!(
                "not translated to {target} ({what} are in its incremental DDL list): {}",
                excerpt(self.sql)
            ),
        ));
    }

    // ----- CREATE TABLE -------------------------------------------------------------------

    fn create_table(
        &mut self,
        id: &TableId,
        or_replace: bool,
        if_not_exists: bool,
        st: Statement,
    ) -> Result<(), TranslateError> {
        let outcome = self.apply(st)?;
        let created = outcome.changes.iter().any(|ch| {
            matches!(ch, cdc_mysql_schema::Change::Created(t) if self.work.key(t) == self.work.key(id))
        });
        if !created {
            // `IF NOT EXISTS` over an existing table: nothing changes on the source either.
            return Ok(());
        }
        let schema = self.schema(id)?;
        if or_replace {
            self.out
                .statements
                .push(format!("DROP TABLE IF EXISTS {}", self.qt(&schema.id)));
        }
        let mut options = self.options.clone();
        options.if_not_exists = if_not_exists;
        let d = create_table(self.mapper(), &schema, &options);
        self.out.statements.extend(d.before);
        self.out.statements.extend(d.create);
        self.out.statements.extend(d.after_create);
        self.out.statements.extend(d.after_load);
        self.out.issues.extend(d.issues);
        Ok(())
    }

    // ----- RENAME -------------------------------------------------------------------------

    /// The table `before` renamed to the source table `to`: `SET SCHEMA`, `RENAME TO`, and
    /// the indexes and constraints named after the table renamed with it, so later
    /// statements find them by the names schema migration gives them.
    fn rename_table(&mut self, before: &TableSchema, to: &TableId) {
        if self.target() == Dialect::MaxCompute {
            return;
        }
        let from_t = self.target_id(&before.id);
        let to_t = self.target_id(to);
        let mut current = from_t.clone();
        if from_t.schema != to_t.schema {
            self.out.statements.push(format!(
                "ALTER TABLE {} SET SCHEMA {}",
                quote_table(self.target(), &current),
                self.q(&to_t.schema)
            ));
            current.schema = to_t.schema.clone();
        }
        if from_t.name != to_t.name {
            self.out.statements.push(format!(
                "ALTER TABLE {} RENAME TO {}",
                quote_table(self.target(), &current),
                self.q(&to_t.name)
            ));
        }
        if from_t.name == to_t.name {
            return;
        }
        let qt = quote_table(self.target(), &to_t);
        let mut constraints = Vec::new();
        let mut indexes = Vec::new();
        if before.primary_key.is_some() {
            constraints.push((
                fit_identifier(self.target(), &format!("{}_pkey", from_t.name)).0,
                fit_identifier(self.target(), &format!("{}_pkey", to_t.name)).0,
            ));
        }
        for uk in &before.unique_keys {
            let name = uk.name.clone().unwrap_or_else(|| "key".into());
            let pair = (
                self.object_name(&before.id, &name),
                self.object_name(to, &name),
            );
            if plain(uk) {
                constraints.push(pair);
            } else {
                indexes.push(pair);
            }
        }
        for ix in &before.indexes {
            let name = ix.name.clone().unwrap_or_else(|| "idx".into());
            indexes.push((
                self.object_name(&before.id, &name),
                self.object_name(to, &name),
            ));
        }
        for col in &before.columns {
            if self.mapper().map_column(&before.id, col).check.is_some() {
                let cn =
                    fit_identifier(self.target(), &self.tr.names.column(&before.id, &col.name)).0;
                constraints.push((
                    fit_identifier(self.target(), &format!("{}_{cn}_check", from_t.name)).0,
                    fit_identifier(self.target(), &format!("{}_{cn}_check", to_t.name)).0,
                ));
            }
        }
        for (old, new) in constraints {
            if old != new {
                self.out.statements.push(format!(
                    "ALTER TABLE {qt} RENAME CONSTRAINT {} TO {}",
                    self.q(&old),
                    self.q(&new)
                ));
            }
        }
        for (old, new) in indexes {
            if old != new {
                self.out.statements.push(format!(
                    "ALTER INDEX {}.{} RENAME TO {}",
                    self.q(&to_t.schema),
                    self.q(&old),
                    self.q(&new)
                ));
            }
        }
    }

    // ----- ALTER TABLE --------------------------------------------------------------------

    fn alter_table(
        &mut self,
        name: &Name,
        if_exists: bool,
        specs: Vec<AlterSpec>,
    ) -> Result<(), TranslateError> {
        let mut id = self.id(name)?;
        if self.work.schema(&id).is_none() && if_exists {
            return Ok(());
        }
        for spec in specs {
            let before = self.schema(&id)?;
            id = before.id.clone();
            let single = Statement::AlterTable {
                name: Name {
                    database: Some(id.schema.clone()),
                    name: id.name.clone(),
                },
                if_exists: false,
                specs: vec![spec.clone()],
            };
            if let AlterSpec::RenameTable(to) = &spec {
                let to_id = self.id(to)?;
                self.apply(single)?;
                if self.target() == Dialect::MaxCompute {
                    self.unsupported_spec(&id, None, "RENAME");
                } else {
                    self.rename_table(&before, &to_id);
                }
                id = self.work.schema(&to_id).map_or(to_id, |s| s.id.clone());
                continue;
            }
            self.apply(single)?;
            let after = self.schema(&id)?;
            if self.target() == Dialect::MaxCompute {
                self.maxcompute_spec(&before, &after, &spec);
            } else {
                self.pg_spec(&before, &after, &spec);
            }
        }
        Ok(())
    }

    fn unsupported_spec(&mut self, table: &TableId, column: Option<&str>, what: &str) {
        let target = self.target();
        self.out.issues.push(issue(
            table,
            column,
            Severity::Unsupported,
            IssueKind::Ddl,
            format!(
                "ALTER TABLE {what} is not translated to {target}: {}",
                excerpt(self.sql)
            ),
        ));
    }

    fn note(&mut self, table: &TableId, column: Option<&str>, kind: IssueKind, reason: String) {
        self.out
            .issues
            .push(issue(table, column, Severity::Note, kind, reason));
    }

    /// One specification, as the difference between the schema before and after it.
    fn pg_spec(&mut self, before: &TableSchema, after: &TableSchema, spec: &AlterSpec) {
        let id = &before.id;
        let qt = self.qt(id);
        let target = self.target();
        // Columns renamed by this specification: old -> new (source names).
        let mut renames: BTreeMap<String, String> = BTreeMap::new();
        match spec {
            AlterSpec::ChangeColumn { old, def, .. } if old != &def.name => {
                renames.insert(old.clone(), def.name.clone());
            }
            AlterSpec::RenameColumn { old, new, .. } => {
                renames.insert(old.clone(), new.clone());
            }
            _ => {}
        }
        // What the spec says that a diff cannot see.
        match spec {
            AlterSpec::AddColumn { def, position, .. }
            | AlterSpec::ModifyColumn { def, position, .. }
            | AlterSpec::ChangeColumn { def, position, .. } => {
                if let Some(p) = position_issue(position) {
                    self.note(
                        id,
                        Some(&def.name),
                        IssueKind::ColumnPosition,
                        format!("{p} is not reproduced: {target} cannot place a column; it stays where it is or goes last"),
                    );
                }
            }
            AlterSpec::ConvertTo { charset, .. } => self.note(
                id,
                None,
                IssueKind::Collation,
                format!("CONVERT TO CHARACTER SET {charset} is not reproduced: {target} text uses the database encoding; values keep their characters"),
            ),
            AlterSpec::Options(o) if o.charset.is_some() || o.collation.is_some() => self.note(
                id,
                None,
                IssueKind::Collation,
                format!("the table's default character set or collation is not reproduced on {target}"),
            ),
            AlterSpec::AlterVisibility { column, .. } => self.note(
                id,
                Some(column),
                IssueKind::ColumnAttribute,
                format!("{target} has no invisible columns; the change is not reproduced"),
            ),
            AlterSpec::NoSchemaEffect(text) => {
                let lower = text.to_ascii_lowercase();
                let quiet = ["algorithm", "lock", "force", "engine"]
                    .iter()
                    .any(|w| lower.starts_with(w));
                if !quiet {
                    self.out.issues.push(issue(
                        id,
                        None,
                        Severity::Unsupported,
                        IssueKind::Ddl,
                        format!("ALTER TABLE specification `{text}` is not translated to {target}"),
                    ));
                }
            }
            _ => {}
        }
        let find = |s: &TableSchema, n: &str| {
            s.columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(n))
                .cloned()
        };
        let new_name = |old: &str| {
            renames
                .iter()
                .find(|(o, _)| o.eq_ignore_ascii_case(old))
                .map_or_else(|| old.to_owned(), |(_, n)| n.clone())
        };
        // Keys that mention a dropped or retyped column are re-created; PostgreSQL drops
        // indexes with their columns and rebuilds them on type changes itself, but MySQL
        // shrinks them, so the after-image is what the target must end up with.
        // 1. Renamed columns.
        for (old, new) in &renames {
            let (a, b) = (self.qc(id, old), self.qc(id, new));
            if a != b {
                self.out
                    .statements
                    .push(format!("ALTER TABLE {qt} RENAME COLUMN {a} TO {b}"));
            }
        }
        // Keys dropped first (a dropped key may stand on a column about to change).
        let key_stmts = self.key_diff(before, after, &renames);
        self.out.statements.extend(key_stmts.0);
        // 2. Dropped columns.
        for b in &before.columns {
            if find(after, &new_name(&b.name)).is_none() {
                let c = self.qc(id, &b.name);
                self.out
                    .statements
                    .push(format!("ALTER TABLE {qt} DROP COLUMN {c}"));
            }
        }
        // 3. Added and changed columns, in the new order.
        for a in &after.columns {
            let old = before
                .columns
                .iter()
                .find(|b| new_name(&b.name).eq_ignore_ascii_case(&a.name));
            match old {
                None => self.add_column(id, &qt, a),
                Some(b) => self.change_column(id, &qt, b, a),
            }
        }
        // 4. Keys created last.
        self.out.statements.extend(key_stmts.1);
        // Table comment.
        if before.comment != after.comment {
            let c = after
                .comment
                .as_deref()
                .map_or_else(|| "NULL".to_owned(), |c| quote_literal(target, c));
            self.out
                .statements
                .push(format!("COMMENT ON TABLE {qt} IS {c}"));
        }
    }

    fn add_column(&mut self, id: &TableId, qt: &str, a: &Column) {
        let p = pg_column(self.mapper(), id, a, &self.options);
        self.out.issues.extend(p.issues);
        let Some(def) = p.definition else {
            return;
        };
        self.out.statements.extend(p.before);
        self.out
            .statements
            .push(format!("ALTER TABLE {qt} ADD COLUMN {def}"));
        self.out.statements.extend(p.after);
    }

    fn change_column(&mut self, id: &TableId, qt: &str, b: &Column, a: &Column) {
        let target = self.target();
        let tname = self.target_id(id).name;
        let cname = fit_identifier(target, &self.tr.names.column(id, &a.name)).0;
        let check_name = self.q(&fit_identifier(target, &format!("{tname}_{cname}_check")).0);
        let mut st = Vec::new();
        if b.name != a.name {
            // PostgreSQL rewrites the CHECK for the new column name but keeps the constraint's
            // name: rename it to the name schema migration would have given it.
            let old = fit_identifier(target, &self.tr.names.column(id, &b.name)).0;
            let old = self.q(&fit_identifier(target, &format!("{tname}_{old}_check")).0);
            if old != check_name && self.mapper().map_column(id, b).check.is_some() {
                st.push(format!(
                    "ALTER TABLE {qt} RENAME CONSTRAINT {old} TO {check_name}"
                ));
            }
        }
        // The old column under its new name, so only real changes show.
        let mut b_renamed = b.clone();
        b_renamed.name = a.name.clone();
        let pb = pg_column(self.mapper(), id, &b_renamed, &self.options);
        let pa = pg_column(self.mapper(), id, a, &self.options);
        let qc = self.qc(id, &a.name);
        let retyped = pb.ty != pa.ty || pb.collation != pa.collation;
        let mut changed = retyped;
        if pb.check != pa.check && pb.check.is_some() {
            st.push(format!(
                "ALTER TABLE {qt} DROP CONSTRAINT IF EXISTS {check_name}"
            ));
        }
        if pa.identity != pb.identity && pb.identity {
            st.push(format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} DROP IDENTITY IF EXISTS"
            ));
            changed = true;
        }
        if pb.default != pa.default && pb.default.is_some() && (retyped || pa.default.is_none()) {
            st.push(format!("ALTER TABLE {qt} ALTER COLUMN {qc} DROP DEFAULT"));
        }
        if retyped {
            match &pa.ty {
                Some(ty) => {
                    st.extend(pa.before.iter().cloned());
                    let coll = pa
                        .collation
                        .as_ref()
                        .map(|c| format!(" COLLATE {}", self.q(c)))
                        .unwrap_or_default();
                    st.push(format!(
                        "ALTER TABLE {qt} ALTER COLUMN {qc} TYPE {ty}{coll} USING {qc}::{ty}"
                    ));
                }
                None => {
                    // The mapping reports why; the old column stays as it was.
                }
            }
        }
        if b.nullable != a.nullable {
            changed = true;
            st.push(format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} {} NOT NULL",
                if a.nullable { "DROP" } else { "SET" }
            ));
        }
        if pa.identity != pb.identity && pa.identity {
            st.push(format!(
                "ALTER TABLE {qt} ALTER COLUMN {qc} ADD GENERATED BY DEFAULT AS IDENTITY"
            ));
        }
        if pb.default != pa.default {
            changed = true;
            if let Some(d) = &pa.default {
                st.push(format!(
                    "ALTER TABLE {qt} ALTER COLUMN {qc} SET DEFAULT {d}"
                ));
            }
        }
        if pb.check != pa.check
            && let Some(check) = &pa.check
        {
            changed = true;
            st.push(format!(
                "ALTER TABLE {qt} ADD CONSTRAINT {check_name} CHECK ({check})"
            ));
        }
        if b.on_update_current_timestamp != a.on_update_current_timestamp {
            changed = true;
            if a.on_update_current_timestamp {
                st.extend(
                    pa.after
                        .iter()
                        .filter(|s| !s.starts_with("COMMENT ON"))
                        .cloned(),
                );
            } else {
                let trig = fit_identifier(target, &format!("{tname}_{cname}_on_update")).0;
                st.push(format!("DROP TRIGGER IF EXISTS {} ON {qt}", self.q(&trig)));
            }
        }
        if b.comment != a.comment {
            let c = a
                .comment
                .as_deref()
                .map_or_else(|| "NULL".to_owned(), |c| quote_literal(target, c));
            st.push(format!("COMMENT ON COLUMN {qt}.{qc} IS {c}"));
        }
        if b.generated != a.generated || b.invisible != a.invisible {
            changed = true;
        }
        if changed {
            // The column's mapping cases, as schema migration would report them.
            self.out.issues.extend(pa.issues);
        }
        self.out.statements.extend(st);
    }

    /// Statements dropping keys that are gone or changed, and creating keys that are new or
    /// changed (by name; primary key by its columns).
    fn key_diff(
        &mut self,
        before: &TableSchema,
        after: &TableSchema,
        renames: &BTreeMap<String, String>,
    ) -> (Vec<String>, Vec<String>) {
        let id = &before.id;
        let qt = self.qt(id);
        let target_schema = self.target_id(id).schema;
        let renamed = |ix: &Index| {
            let mut ix = ix.clone();
            for k in &mut ix.columns {
                if let Some((_, n)) = renames
                    .iter()
                    .find(|(o, _)| o.eq_ignore_ascii_case(&k.column))
                {
                    k.column = n.clone();
                }
            }
            ix
        };
        let (mut drops, mut creates) = (Vec::new(), Vec::new());
        let pk_before = before.primary_key.as_ref().map(renamed);
        if pk_before != after.primary_key {
            if before.primary_key.is_some() {
                let n =
                    fit_identifier(self.target(), &format!("{}_pkey", self.target_id(id).name)).0;
                drops.push(format!(
                    "ALTER TABLE {qt} DROP CONSTRAINT IF EXISTS {}",
                    self.q(&n)
                ));
            }
            if let Some(pk) = &after.primary_key {
                let cols = self.plain_parts(after, pk);
                creates.push(format!("ALTER TABLE {qt} ADD PRIMARY KEY ({cols})"));
            }
        }
        for (list_b, list_a, unique) in [
            (&before.unique_keys, &after.unique_keys, true),
            (&before.indexes, &after.indexes, false),
        ] {
            for b in list_b {
                let rb = renamed(b);
                let kept = list_a.iter().any(|a| a == &rb);
                if kept {
                    continue;
                }
                let name = self.object_name(id, b.name.as_deref().unwrap_or("key"));
                if unique && plain(b) {
                    drops.push(format!(
                        "ALTER TABLE {qt} DROP CONSTRAINT IF EXISTS {}",
                        self.q(&name)
                    ));
                } else {
                    drops.push(format!(
                        "DROP INDEX IF EXISTS {}.{}",
                        self.q(&target_schema),
                        self.q(&name)
                    ));
                }
            }
            for a in list_a {
                if list_b.iter().any(|b| &renamed(b) == a) {
                    continue;
                }
                let name = self.object_name(id, a.name.as_deref().unwrap_or("key"));
                if unique && plain(a) {
                    let cols = self.plain_parts(after, a);
                    creates.push(format!(
                        "ALTER TABLE {qt} ADD CONSTRAINT {} UNIQUE ({cols})",
                        self.q(&name)
                    ));
                } else if let Some(s) = self.pg_index(after, a, &name) {
                    creates.push(s);
                }
            }
        }
        (drops, creates)
    }

    fn plain_parts(&mut self, table: &TableSchema, ix: &Index) -> String {
        let mut parts = Vec::new();
        for k in &ix.columns {
            if let Some(n) = k.prefix_len {
                self.note(
                    &table.id,
                    Some(&k.column),
                    IssueKind::PrefixIndex,
                    format!(
                        "key part {}({n}) covers the whole column on the target",
                        k.column
                    ),
                );
            }
            parts.push(self.qc(&table.id, &k.column));
        }
        parts.join(", ")
    }

    /// `CREATE [UNIQUE] INDEX`, with prefixes as expressions and methods the target has.
    fn pg_index(&mut self, table: &TableSchema, ix: &Index, name: &str) -> Option<String> {
        let id = &table.id;
        let method = ix.method.as_deref().map(str::to_ascii_lowercase);
        let col = |n: &str| {
            table
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(n))
        };
        let using = match method.as_deref() {
            None | Some("btree") => "",
            Some("hash") => {
                self.note(
                    id,
                    None,
                    IssueKind::IndexMethod,
                    format!("index {name}: MySQL HASH (BTREE in InnoDB) as a btree index"),
                );
                ""
            }
            Some("fulltext") => {
                self.out.issues.push(issue(id, None, Severity::Unsupported, IssueKind::IndexMethod, format!("FULLTEXT index {} is not created: PostgreSQL full-text search needs a tsvector expression and a different query syntax", ix.name.as_deref().unwrap_or("?"))));
                return None;
            }
            Some("spatial") => {
                let postgis = ix.columns.iter().all(|k| {
                    col(&k.column).is_some_and(|c| {
                        self.mapper().map_column(id, c).extension.as_deref() == Some("postgis")
                    })
                });
                if !postgis {
                    self.out.issues.push(issue(id, None, Severity::Unsupported, IssueKind::IndexMethod, format!("SPATIAL index {} is not created: its columns are not PostGIS geometries", ix.name.as_deref().unwrap_or("?"))));
                    return None;
                }
                " USING gist"
            }
            Some(_) => "",
        };
        let mut parts = Vec::new();
        for k in &ix.columns {
            let qc = self.qc(id, &k.column);
            let ty = col(&k.column).and_then(|c| self.mapper().map_column(id, c).target_type);
            let mut part = match (k.prefix_len, ty.as_deref()) {
                (_, None) => {
                    self.out.issues.push(issue(
                        id,
                        Some(&k.column),
                        Severity::Unsupported,
                        IssueKind::Key,
                        format!(
                            "index {name} is not created: column {} is not created",
                            k.column
                        ),
                    ));
                    return None;
                }
                (Some(n), Some("bytea")) => {
                    self.note(id, Some(&k.column), IssueKind::PrefixIndex, format!("prefix index part {}({n}) as an expression index on substring(..., 1, {n})", k.column));
                    format!("(substring({qc} from 1 for {n}))")
                }
                (Some(n), Some(_)) => {
                    self.note(id, Some(&k.column), IssueKind::PrefixIndex, format!("prefix index part {}({n}) as an expression index on left(..., {n}); queries must use the same expression to use it", k.column));
                    format!("(left({qc}, {n}))")
                }
                (None, Some(_)) => qc,
            };
            if k.descending {
                part.push_str(" DESC");
            }
            parts.push(part);
        }
        Some(format!(
            "CREATE {}INDEX {} ON {}{using} ({})",
            if ix.unique { "UNIQUE " } else { "" },
            self.q(name),
            self.qt(id),
            parts.join(", ")
        ))
    }

    // ----- MaxCompute ---------------------------------------------------------------------

    /// MaxCompute takes `ADD COLUMN` only: the column goes to both the `_base` and the `_log`
    /// table, so a merge of the two keeps seeing the same columns.
    fn maxcompute_spec(&mut self, before: &TableSchema, after: &TableSchema, spec: &AlterSpec) {
        let id = &before.id;
        let AlterSpec::AddColumn { def, position, .. } = spec else {
            let what = match spec {
                AlterSpec::DropColumn { .. } => "DROP COLUMN",
                AlterSpec::ModifyColumn { .. } => "MODIFY COLUMN",
                AlterSpec::ChangeColumn { .. } => "CHANGE COLUMN",
                AlterSpec::RenameColumn { .. } => "RENAME COLUMN",
                AlterSpec::AlterDefault { .. } => "ALTER COLUMN ... DEFAULT",
                AlterSpec::NoSchemaEffect(_) => return,
                _ => "key, option or character set change",
            };
            self.unsupported_spec(id, None, what);
            return;
        };
        let Some(col) = after
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&def.name))
            .filter(|c| {
                !before
                    .columns
                    .iter()
                    .any(|b| b.name.eq_ignore_ascii_case(&c.name))
            })
        else {
            return; // IF NOT EXISTS over an existing column
        };
        let m = self.mapper().map_column(id, col);
        self.out.issues.extend(m.issues.iter().cloned());
        let Some(ty) = m.target_type else {
            return;
        };
        if let Some(p) = position_issue(position) {
            self.note(
                id,
                Some(&col.name),
                IssueKind::ColumnPosition,
                format!("{p} is not reproduced: MaxCompute adds columns last"),
            );
        }
        let mut attrs = Vec::new();
        if !col.nullable {
            attrs.push("NOT NULL");
        }
        if col.default.is_some() {
            attrs.push("DEFAULT");
        }
        if col.auto_increment {
            attrs.push("AUTO_INCREMENT");
        }
        if col.on_update_current_timestamp {
            attrs.push("ON UPDATE");
        }
        if !def.keys.is_empty() {
            attrs.push("inline key");
        }
        if !attrs.is_empty() {
            self.note(
                id,
                Some(&col.name),
                IssueKind::ColumnAttribute,
                format!(
                    "{} not declared on MaxCompute: rows carry the source's values",
                    attrs.join(", ")
                ),
            );
        }
        let mut line = format!("{} {ty}", self.qc(id, &col.name));
        if let Some(c) = &col.comment {
            line.push_str(&format!(
                " COMMENT {}",
                quote_literal(Dialect::MaxCompute, c)
            ));
        }
        let t = self.target_id(id);
        for suffix in ["_base", "_log"] {
            let (name, _) = fit_identifier(Dialect::MaxCompute, &format!("{}{suffix}", t.name));
            self.out.statements.push(format!(
                "ALTER TABLE {} ADD COLUMNS ({line})",
                self.q(&name)
            ));
        }
    }
}

/// A key over whole columns in ascending order (a constraint on PostgreSQL; otherwise an
/// index with expressions).
fn plain(ix: &Index) -> bool {
    ix.columns
        .iter()
        .all(|k| k.prefix_len.is_none() && !k.descending)
}
