//! PostgreSQL to PostgreSQL (and AnalyticDB): statements parsed with sqlparser's PostgreSQL
//! dialect, table and column names rewritten in the tree, rendered again.

use std::ops::ControlFlow;

use cdc_model::TableId;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, ColumnDef, ColumnOption, Expr, Ident,
    ObjectName, ObjectNamePart, ObjectType, RenameTableNameKind, Statement, TableConstraint,
    visit_expressions_mut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::{TranslateError, Translation, Translator, excerpt, issue};
use crate::issue::{IssueKind, Severity};
use crate::naming::NamePolicy;

pub(super) fn translate(
    tr: &Translator,
    current_schema: &str,
    query: &str,
) -> Result<Translation, TranslateError> {
    let statements =
        Parser::parse_sql(&PostgreSqlDialect {}, query).map_err(|e| TranslateError::Parse {
            dialect: tr.mapper.source(),
            statement: excerpt(query),
            reason: e.to_string(),
        })?;
    let mut out = Translation::default();
    let r = Renamer {
        names: &tr.names,
        current_schema,
    };
    for mut st in statements {
        let text = excerpt(&st.to_string());
        let here = TableId::new(current_schema, "");
        let unsupported = |out: &mut Translation, table: &TableId, what: &str| {
            out.issues.push(issue(
                table,
                None,
                Severity::Unsupported,
                IssueKind::Ddl,
                format!("{what} is not in the incremental DDL list for PostgreSQL: {text}"),
            ));
        };
        match &mut st {
            Statement::CreateTable(ct) => {
                let src = r.source(&ct.name);
                if ct.like.is_some() {
                    unsupported(&mut out, &src, "CREATE TABLE ... LIKE");
                    continue;
                }
                r.columns_in_expressions(&mut st, &src);
                let Statement::CreateTable(ct) = &mut st else {
                    continue;
                };
                ct.name = r.target(&src);
                for c in &mut ct.columns {
                    r.column_def(&src, c);
                }
                for k in &mut ct.constraints {
                    r.constraint(&src, k);
                }
                out.statements.push(st.to_string());
            }
            Statement::AlterTable(at) => {
                let src = r.source(&at.name);
                let ops = std::mem::take(&mut at.operations);
                let mut kept = Vec::new();
                for op in ops {
                    if let Some(why) = unsupported_op(&op) {
                        unsupported(&mut out, &src, &format!("ALTER TABLE {why}"));
                    } else {
                        kept.push(op);
                    }
                }
                if kept.is_empty() {
                    continue;
                }
                at.operations = kept;
                r.columns_in_expressions(&mut st, &src);
                let Statement::AlterTable(at) = &mut st else {
                    continue;
                };
                r.alter_table(&src, at, &mut out);
                out.statements.push(st.to_string());
            }
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                ..
            } => {
                for n in names.iter_mut() {
                    let src = r.source(n);
                    *n = r.target(&src);
                }
                out.statements.push(st.to_string());
            }
            Statement::Drop {
                object_type: ObjectType::Index,
                names,
                ..
            } => {
                // An index lives in its table's schema: map the schema, keep the name.
                for n in names.iter_mut() {
                    let src = r.source(n);
                    let schema = r.schema(&src.schema);
                    *n = object_name(&[&schema, &r.names.object(&src.name)]);
                }
                out.statements.push(st.to_string());
            }
            Statement::Truncate(t) => {
                for target in &mut t.table_names {
                    let src = r.source(&target.name);
                    target.name = r.target(&src);
                }
                out.statements.push(st.to_string());
            }
            Statement::CreateIndex(ci) => {
                let src = r.source(&ci.table_name);
                r.columns_in_expressions(&mut st, &src);
                let Statement::CreateIndex(ci) = &mut st else {
                    continue;
                };
                ci.table_name = r.target(&src);
                if let Some(name) = &mut ci.name {
                    let n = fold_last(name);
                    *name = object_name(&[&r.names.object(&n)]);
                }
                out.statements.push(st.to_string());
            }
            // Not schema changes: nothing to do.
            Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Set(_)
            | Statement::Query(_)
            | Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_) => {}
            other => {
                let what = other
                    .to_string()
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_uppercase();
                unsupported(&mut out, &here, &what);
            }
        }
    }
    Ok(out)
}

/// Why an `ALTER TABLE` operation is not translated, or `None` when it is.
fn unsupported_op(op: &AlterTableOperation) -> Option<String> {
    match op {
        AlterTableOperation::AddColumn { .. }
        | AlterTableOperation::DropColumn { .. }
        | AlterTableOperation::AddConstraint { .. }
        | AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::RenameColumn { .. }
        | AlterTableOperation::RenameTable { .. } => None,
        AlterTableOperation::AlterColumn { op, .. } => match op {
            AlterColumnOperation::SetNotNull
            | AlterColumnOperation::DropNotNull
            | AlterColumnOperation::SetDefault { .. }
            | AlterColumnOperation::DropDefault
            | AlterColumnOperation::SetDataType { .. } => None,
            other => Some(format!("ALTER COLUMN {other}")),
        },
        other => Some(other.to_string()),
    }
}

/// An identifier as PostgreSQL resolves it: unquoted names fold to lower case.
fn fold(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

fn fold_last(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(i)) => fold(i),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn quoted(name: &str) -> Ident {
    Ident::with_quote('"', name)
}

fn object_name(parts: &[&str]) -> ObjectName {
    ObjectName(
        parts
            .iter()
            .map(|p| ObjectNamePart::Identifier(quoted(p)))
            .collect(),
    )
}

struct Renamer<'a> {
    names: &'a NamePolicy,
    current_schema: &'a str,
}

impl Renamer<'_> {
    /// The source table a name means (a database qualifier is dropped).
    fn source(&self, name: &ObjectName) -> TableId {
        let parts: Vec<String> = name
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => fold(i),
                other => other.to_string(),
            })
            .collect();
        match parts.as_slice() {
            [.., schema, table] => TableId::new(schema.clone(), table.clone()),
            [table] => TableId::new(self.current_schema, table.clone()),
            [] => TableId::new(self.current_schema, ""),
        }
    }

    fn target(&self, source: &TableId) -> ObjectName {
        let t = self.names.table(source);
        object_name(&[&t.schema, &t.name])
    }

    fn schema(&self, schema: &str) -> String {
        self.names
            .schemas
            .get(schema)
            .cloned()
            .unwrap_or_else(|| self.names.case.apply(schema))
    }

    /// A column identifier of `table`, replaced when its target name differs.
    fn column(&self, table: &TableId, ident: &mut Ident) {
        let source = fold(ident);
        let target = self.names.column(table, &source);
        if target != source {
            *ident = quoted(&target);
        }
    }

    /// Column references in the statement's expressions (defaults, checks, index columns,
    /// `USING` casts).
    fn columns_in_expressions(&self, st: &mut Statement, table: &TableId) {
        let _ = visit_expressions_mut(st, |e| {
            match e {
                Expr::Identifier(i) => self.column(table, i),
                Expr::CompoundIdentifier(parts) => {
                    // `table.column` (`schema.table.column`): the column of this table, and
                    // the qualifier its target name.
                    let n = parts.len();
                    let names_table =
                        n >= 2 && parts.get(n - 2).is_some_and(|t| fold(t) == table.name);
                    if names_table {
                        if let Some(last) = parts.last_mut() {
                            self.column(table, last);
                        }
                        let target = self.names.table(table);
                        if let Some(t) = parts.get_mut(n - 2)
                            && fold(t) != target.name
                        {
                            *t = quoted(&target.name);
                        }
                        if n >= 3
                            && let Some(s) = parts.get_mut(n - 3)
                        {
                            *s = quoted(&target.schema);
                        }
                    }
                }
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
    }

    fn column_def(&self, table: &TableId, c: &mut ColumnDef) {
        self.column(table, &mut c.name);
        for o in &mut c.options {
            if let ColumnOption::ForeignKey(fk) = &mut o.option {
                let f = self.source(&fk.foreign_table);
                fk.foreign_table = self.target(&f);
                for rc in &mut fk.referred_columns {
                    self.column(&f, rc);
                }
            }
        }
    }

    fn constraint(&self, table: &TableId, k: &mut TableConstraint) {
        if let TableConstraint::ForeignKey(fk) = k {
            for c in &mut fk.columns {
                self.column(table, c);
            }
            let f = self.source(&fk.foreign_table);
            fk.foreign_table = self.target(&f);
            for rc in &mut fk.referred_columns {
                self.column(&f, rc);
            }
        }
    }

    fn alter_table(&self, src: &TableId, at: &mut AlterTable, out: &mut Translation) {
        at.name = self.target(src);
        let target = self.names.table(src);
        for op in &mut at.operations {
            match op {
                AlterTableOperation::AddColumn { column_def, .. } => {
                    self.column_def(src, column_def)
                }
                AlterTableOperation::DropColumn { column_names, .. } => {
                    for c in column_names {
                        self.column(src, c);
                    }
                }
                AlterTableOperation::AlterColumn { column_name, .. } => {
                    self.column(src, column_name)
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    self.column(src, old_column_name);
                    self.column(src, new_column_name);
                }
                AlterTableOperation::AddConstraint { constraint, .. } => {
                    self.constraint(src, constraint)
                }
                AlterTableOperation::RenameTable { table_name } => {
                    let (RenameTableNameKind::To(n) | RenameTableNameKind::As(n)) = table_name;
                    let new_src = TableId::new(src.schema.clone(), fold_last(n));
                    let new_target = self.names.table(&new_src);
                    if new_target.schema != target.schema {
                        out.issues.push(issue(
                            src,
                            None,
                            Severity::Unsupported,
                            IssueKind::Name,
                            format!(
                                "the name policy puts {new_src} in schema {} but {src} in {}; RENAME TO keeps the table in {}",
                                new_target.schema, target.schema, target.schema
                            ),
                        ));
                    }
                    *table_name = RenameTableNameKind::To(object_name(&[&new_target.name]));
                }
                _ => {}
            }
        }
    }
}
