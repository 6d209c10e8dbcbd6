//! Schema history keyed by source position: which schema each table had from each position
//! on, so that events read again after a restart from an old position decode with the schema
//! they were written with.

use std::collections::BTreeMap;
use std::sync::Arc;

use cdc_model::{SourcePosition, TableId, TableSchema};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::tracker::{DatabaseDef, Outcome, SchemaTracker, TableDef, TrackerOptions};

/// One version: in force from `from` (`None`: from before every recorded position).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Version<T> {
    from: Option<SourcePosition>,
    /// `None`: the table (or database) does not exist from here on.
    value: Option<T>,
}

/// The schema history: a [`SchemaTracker`] at the head, and every version of every table and
/// database it went through, with the position each came into force.
///
/// A statement at position `p` (the position of its QUERY event) changes the schema for every
/// event at `p` or later; [`SchemaHistory::schema_at`] answers with the last version whose
/// position is at or before the one asked about.
///
/// ```
/// use cdc_model::{SourcePosition, TableId};
/// use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaHistory, SchemaTracker, TrackerOptions};
/// let mut tracker = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
/// tracker.seed_database("d", DatabaseDef { charset: "utf8mb4".into(), collation: "utf8mb4_general_ci".into() });
/// let mut h = SchemaHistory::new(tracker);
/// let p = |s: &str| s.parse::<SourcePosition>().unwrap();
/// h.apply(&p("bin.000001:100"), "d", "CREATE TABLE t (a INT)").unwrap();
/// h.apply(&p("bin.000001:500"), "d", "ALTER TABLE t ADD b INT").unwrap();
/// let t = TableId::new("d", "t");
/// assert_eq!(h.schema_at(&t, &p("bin.000001:300")).unwrap().columns.len(), 1);
/// assert_eq!(h.schema_at(&t, &p("bin.000001:500")).unwrap().columns.len(), 2);
/// assert!(h.schema_at(&t, &p("bin.000001:50")).is_none());
/// // Survives a restart.
/// let back = SchemaHistory::from_json(&h.to_json().unwrap()).unwrap();
/// assert_eq!(back.schema_at(&t, &p("bin.000001:300")), h.schema_at(&t, &p("bin.000001:300")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaHistory {
    head: SchemaTracker,
    tables: BTreeMap<TableId, Vec<Version<Arc<TableDef>>>>,
    databases: BTreeMap<String, Vec<Version<DatabaseDef>>>,
    last: Option<SourcePosition>,
}

/// The serialised form.
#[derive(Serialize, Deserialize)]
struct Stored {
    options: TrackerOptions,
    last: Option<SourcePosition>,
    databases: Vec<StoredDatabase>,
    tables: Vec<StoredTable>,
}

#[derive(Serialize, Deserialize)]
struct StoredDatabase {
    name: String,
    versions: Vec<Version<DatabaseDef>>,
}

#[derive(Serialize, Deserialize)]
struct StoredTable {
    table: TableId,
    versions: Vec<Version<Arc<TableDef>>>,
}

fn latest_at<'a, T>(versions: &'a [Version<T>], at: &SourcePosition) -> Option<&'a Version<T>> {
    versions.iter().rev().find(|v| match &v.from {
        None => true,
        Some(p) => p <= at,
    })
}

impl SchemaHistory {
    /// A history whose base (in force before every position) is what `tracker` holds, e.g. a
    /// tracker seeded from the catalog at the snapshot's position.
    pub fn new(tracker: SchemaTracker) -> SchemaHistory {
        let tables = tracker
            .tables()
            .map(|d| {
                (
                    tracker.key(&d.schema.id),
                    vec![Version {
                        from: None,
                        value: Some(d.clone()),
                    }],
                )
            })
            .collect();
        let databases = tracker
            .databases()
            .map(|(n, d)| {
                (
                    n.to_string(),
                    vec![Version {
                        from: None,
                        value: Some(d.clone()),
                    }],
                )
            })
            .collect();
        SchemaHistory {
            head: tracker,
            tables,
            databases,
            last: None,
        }
    }

    /// The tracker at the head (after the last applied statement).
    pub fn current(&self) -> &SchemaTracker {
        &self.head
    }

    /// The position of the last applied statement.
    pub fn last_position(&self) -> Option<&SourcePosition> {
        self.last.as_ref()
    }

    /// Applies a statement at `position` (which must not be before the last one) and records
    /// the new version of every table and database it changed.
    pub fn apply(
        &mut self,
        position: &SourcePosition,
        default_db: &str,
        sql: &str,
    ) -> Result<Outcome> {
        if let Some(last) = &self.last
            && position < last
        {
            return Err(Error::new(ErrorKind::OutOfOrder {
                position: position.clone(),
                last: last.clone(),
            })
            .in_statement(sql));
        }
        let outcome = self
            .head
            .apply(default_db, sql)
            .map_err(|e| e.at_position(position))?;
        if outcome.ignored.is_some() {
            return Ok(outcome);
        }
        for id in outcome.affected_tables() {
            let key = self.head.key(&id);
            let value = self.head.table(&id).cloned();
            let versions = self.tables.entry(key).or_default();
            push_version(versions, position, value);
        }
        for c in &outcome.changes {
            let name = match c {
                crate::Change::DatabaseCreated(n)
                | crate::Change::DatabaseAltered(n)
                | crate::Change::DatabaseDropped(n) => n,
                _ => continue,
            };
            let value = self.head.database(name).cloned();
            let key = self
                .head
                .databases()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(k, _)| k.to_string())
                .unwrap_or_else(|| name.clone());
            push_version(self.databases.entry(key).or_default(), position, value);
        }
        self.last = Some(position.clone());
        Ok(outcome)
    }

    /// The definition of `table` in force at `position`.
    pub fn table_at(&self, table: &TableId, position: &SourcePosition) -> Option<Arc<TableDef>> {
        let versions = self.tables.get(&self.head.key(table))?;
        latest_at(versions, position)?.value.clone()
    }

    /// The schema of `table` in force at `position`.
    pub fn schema_at(
        &self,
        table: &TableId,
        position: &SourcePosition,
    ) -> Option<Arc<TableSchema>> {
        self.table_at(table, position).map(|d| d.schema.clone())
    }

    /// The whole tracker state as it was at `position`: to continue tracking after a restart
    /// from there.
    pub fn tracker_at(&self, position: &SourcePosition) -> SchemaTracker {
        let mut t = SchemaTracker::new(self.head.options().clone());
        for (name, versions) in &self.databases {
            if let Some(Version { value: Some(d), .. }) = latest_at(versions, position) {
                t.seed_database(name, d.clone());
            }
        }
        for versions in self.tables.values() {
            if let Some(Version { value: Some(d), .. }) = latest_at(versions, position) {
                t.seed_table((**d).clone());
            }
        }
        t
    }

    /// Forgets every version after `position` and makes the state at `position` the head, so
    /// that statements from there on can be applied again (a restart from an old position).
    pub fn rewind_to(&mut self, position: &SourcePosition) {
        self.head = self.tracker_at(position);
        fn keep<T>(v: &Version<T>, position: &SourcePosition) -> bool {
            v.from.as_ref().is_none_or(|p| p <= position)
        }
        for versions in self.tables.values_mut() {
            versions.retain(|v| keep(v, position));
        }
        self.tables.retain(|_, v| !v.is_empty());
        for versions in self.databases.values_mut() {
            versions.retain(|v| keep(v, position));
        }
        self.databases.retain(|_, v| !v.is_empty());
        if self.last.as_ref().is_some_and(|l| l > position) {
            self.last = Some(position.clone());
        }
    }

    /// Drops versions no longer needed to answer for positions at or after `position`: for each
    /// table the version in force at `position` is kept (with its own position), older ones
    /// go, and tables dropped before `position` go entirely.
    pub fn prune_before(&mut self, position: &SourcePosition) {
        fn prune<T>(versions: &mut Vec<Version<T>>, position: &SourcePosition) {
            let in_force = versions.iter().rposition(|v| match &v.from {
                None => true,
                Some(p) => p <= position,
            });
            if let Some(i) = in_force {
                versions.drain(..i);
                if versions.len() == 1 && versions.first().is_some_and(|v| v.value.is_none()) {
                    versions.clear();
                }
            }
        }
        for versions in self.tables.values_mut() {
            prune(versions, position);
        }
        self.tables.retain(|_, v| !v.is_empty());
        for versions in self.databases.values_mut() {
            prune(versions, position);
        }
        self.databases.retain(|_, v| !v.is_empty());
    }

    /// How many versions are stored, over all tables.
    pub fn version_count(&self) -> usize {
        self.tables.values().map(Vec::len).sum()
    }

    /// The history as JSON (positions in their usual text form).
    pub fn to_json(&self) -> Result<String> {
        let stored = Stored {
            options: self.head.options().clone(),
            last: self.last.clone(),
            databases: self
                .databases
                .iter()
                .map(|(name, versions)| StoredDatabase {
                    name: name.clone(),
                    versions: versions.clone(),
                })
                .collect(),
            tables: self
                .tables
                .iter()
                .map(|(table, versions)| StoredTable {
                    table: table.clone(),
                    versions: versions.clone(),
                })
                .collect(),
        };
        serde_json::to_string(&stored).map_err(|e| Error::new(ErrorKind::Json(e.to_string())))
    }

    /// Reads a history written by [`SchemaHistory::to_json`]; the head is the state after the
    /// last recorded version.
    pub fn from_json(json: &str) -> Result<SchemaHistory> {
        let stored: Stored =
            serde_json::from_str(json).map_err(|e| Error::new(ErrorKind::Json(e.to_string())))?;
        let mut h = SchemaHistory {
            head: SchemaTracker::new(stored.options),
            tables: stored
                .tables
                .into_iter()
                .map(|t| (t.table, t.versions))
                .collect(),
            databases: stored
                .databases
                .into_iter()
                .map(|d| (d.name, d.versions))
                .collect(),
            last: stored.last,
        };
        let mut head = SchemaTracker::new(h.head.options().clone());
        for (name, versions) in &h.databases {
            if let Some(Version { value: Some(d), .. }) = versions.last() {
                head.seed_database(name, d.clone());
            }
        }
        for versions in h.tables.values() {
            if let Some(Version { value: Some(d), .. }) = versions.last() {
                head.seed_table((**d).clone());
            }
        }
        h.head = head;
        Ok(h)
    }
}

fn push_version<T: PartialEq>(
    versions: &mut Vec<Version<T>>,
    position: &SourcePosition,
    value: Option<T>,
) {
    // Several changes at one position (a multi-table statement): the last one wins.
    if let Some(last) = versions.last_mut()
        && last.from.as_ref() == Some(position)
    {
        last.value = value;
        return;
    }
    versions.push(Version {
        from: Some(position.clone()),
        value,
    });
}
