//! Which databases and tables a change stream follows.

use cdc_model::TableId;
use serde::{Deserialize, Serialize};

/// Databases and tables to follow: includes, then excludes.
///
/// A table is selected when its database is not excluded, the table is not excluded, and
/// either nothing is included explicitly (then everything is) or its database or the table
/// itself is included. Names compare exactly, or without case when
/// [`case_insensitive`](Self::case_insensitive) is set (servers with
/// `lower_case_table_names` 1 or 2).
///
/// ```
/// use cdc_model::TableId;
/// use cdc_mysql::changes::TableFilter;
/// let f = TableFilter::default()
///     .include_database("shop")
///     .include_table(TableId::new("crm", "customers"))
///     .exclude_table(TableId::new("shop", "audit"));
/// assert!(f.selects(&TableId::new("shop", "orders")));
/// assert!(!f.selects(&TableId::new("shop", "audit")));
/// assert!(f.selects(&TableId::new("crm", "customers")));
/// assert!(!f.selects(&TableId::new("crm", "leads")));
/// assert!(f.covers_database("crm"));
/// assert!(!f.covers_database("hr"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableFilter {
    /// Databases whose every table is followed.
    pub include_databases: Vec<String>,
    /// Single tables followed.
    pub include_tables: Vec<TableId>,
    /// Databases never followed (wins over includes).
    pub exclude_databases: Vec<String>,
    /// Tables never followed (wins over includes).
    pub exclude_tables: Vec<TableId>,
    /// Compare names without case.
    pub case_insensitive: bool,
}

impl TableFilter {
    /// Everything: no includes, no excludes.
    pub fn all() -> TableFilter {
        TableFilter::default()
    }

    /// Adds a database to follow.
    pub fn include_database(mut self, db: impl Into<String>) -> TableFilter {
        self.include_databases.push(db.into());
        self
    }

    /// Adds a table to follow.
    pub fn include_table(mut self, table: TableId) -> TableFilter {
        self.include_tables.push(table);
        self
    }

    /// Adds a database never to follow.
    pub fn exclude_database(mut self, db: impl Into<String>) -> TableFilter {
        self.exclude_databases.push(db.into());
        self
    }

    /// Adds a table never to follow.
    pub fn exclude_table(mut self, table: TableId) -> TableFilter {
        self.exclude_tables.push(table);
        self
    }

    fn eq(&self, a: &str, b: &str) -> bool {
        if self.case_insensitive {
            a == b || a.to_lowercase() == b.to_lowercase()
        } else {
            a == b
        }
    }

    fn table_eq(&self, a: &TableId, b: &TableId) -> bool {
        self.eq(&a.schema, &b.schema) && self.eq(&a.name, &b.name)
    }

    fn includes_everything(&self) -> bool {
        self.include_databases.is_empty() && self.include_tables.is_empty()
    }

    /// True when `db` may hold selected tables: its schema is tracked and its DDL followed.
    pub fn covers_database(&self, db: &str) -> bool {
        if self.exclude_databases.iter().any(|d| self.eq(d, db)) {
            return false;
        }
        self.includes_everything()
            || self.include_databases.iter().any(|d| self.eq(d, db))
            || self.include_tables.iter().any(|t| self.eq(&t.schema, db))
    }

    /// True when the rows of `table` are followed.
    pub fn selects(&self, table: &TableId) -> bool {
        if !self.covers_database(&table.schema)
            || self.exclude_tables.iter().any(|t| self.table_eq(t, table))
        {
            return false;
        }
        self.includes_everything()
            || self
                .include_databases
                .iter()
                .any(|d| self.eq(d, &table.schema))
            || self.include_tables.iter().any(|t| self.table_eq(t, table))
    }

    /// The databases named by includes, for restricting catalog queries (`None`: every
    /// database).
    pub fn named_databases(&self) -> Option<Vec<String>> {
        if self.includes_everything() {
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        for d in self
            .include_databases
            .iter()
            .chain(self.include_tables.iter().map(|t| &t.schema))
        {
            if !out.iter().any(|o| self.eq(o, d)) && self.covers_database(d) {
                out.push(d.clone());
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_win_and_no_includes_means_everything() {
        let f = TableFilter::all().exclude_database("tmp");
        assert!(f.selects(&TableId::new("a", "b")));
        assert!(!f.selects(&TableId::new("tmp", "b")));
        assert!(!f.covers_database("tmp"));
        assert_eq!(f.named_databases(), None);
        let f = TableFilter::all()
            .include_database("a")
            .exclude_database("a");
        assert!(!f.selects(&TableId::new("a", "b")));
        assert_eq!(f.named_databases(), Some(vec![]));
    }

    #[test]
    fn case_insensitive_names() {
        let mut f = TableFilter::all().include_table(TableId::new("Shop", "Orders"));
        assert!(!f.selects(&TableId::new("shop", "orders")));
        f.case_insensitive = true;
        assert!(f.selects(&TableId::new("shop", "orders")));
        assert!(f.covers_database("SHOP"));
        assert_eq!(f.named_databases(), Some(vec!["Shop".to_string()]));
    }
}
