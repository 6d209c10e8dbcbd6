//! Online schema change tools: gh-ost and pt-online-schema-change build a shadow copy of a
//! table with the new schema, fill it, and swap it in with one `RENAME TABLE`.
//!
//! | tool | shadow (new schema) | changelog | old table after cut-over |
//! |---|---|---|---|
//! | gh-ost | `_<t>_gho` | `_<t>_ghc` | `_<t>_del` |
//! | pt-osc | `_<t>_new` | — | `_<t>_old` |
//!
//! The tracker reports the swap as [`crate::Change::ShadowCutOver`], and
//! [`crate::SchemaTracker::route_rows`] maps row events of a shadow table to the original table
//! or drops them, as the caller's [`ShadowRows`] policy says.

use serde::{Deserialize, Serialize};

/// What a shadow table is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShadowRole {
    /// The copy with the new schema that replaces the table (`_gho`, `_new`).
    Ghost,
    /// gh-ost's changelog/heartbeat table (`_ghc`).
    Changelog,
    /// The original table kept after the swap (`_del`, `_old`).
    Old,
}

/// A shadow-table name pattern: `prefix` + original name + `suffix`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowPattern {
    /// Text before the original name (`_`).
    pub prefix: String,
    /// Text after it (`_gho`).
    pub suffix: String,
    /// What such a table is.
    pub role: ShadowRole,
}

/// The shadow-table patterns to recognise (gh-ost's and pt-osc's by default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowTables {
    /// Patterns, tried in order.
    pub patterns: Vec<ShadowPattern>,
}

impl Default for ShadowTables {
    fn default() -> Self {
        let p = |suffix: &str, role| ShadowPattern {
            prefix: "_".into(),
            suffix: suffix.into(),
            role,
        };
        ShadowTables {
            patterns: vec![
                p("_gho", ShadowRole::Ghost),
                p("_ghc", ShadowRole::Changelog),
                p("_del", ShadowRole::Old),
                p("_new", ShadowRole::Ghost),
                p("_old", ShadowRole::Old),
            ],
        }
    }
}

impl ShadowTables {
    /// No patterns: nothing is a shadow table.
    pub fn none() -> ShadowTables {
        ShadowTables {
            patterns: Vec::new(),
        }
    }

    /// The original table's name and the role, when `table` matches a pattern.
    ///
    /// ```
    /// use cdc_mysql_schema::{ShadowRole, ShadowTables};
    /// let s = ShadowTables::default();
    /// assert_eq!(s.classify("_orders_gho"), Some(("orders".to_string(), ShadowRole::Ghost)));
    /// assert_eq!(s.classify("_orders_del"), Some(("orders".to_string(), ShadowRole::Old)));
    /// assert_eq!(s.classify("orders"), None);
    /// ```
    pub fn classify(&self, table: &str) -> Option<(String, ShadowRole)> {
        self.patterns.iter().find_map(|p| {
            let inner = table
                .strip_prefix(p.prefix.as_str())?
                .strip_suffix(p.suffix.as_str())?;
            (!inner.is_empty()).then(|| (inner.to_string(), p.role))
        })
    }
}

/// What to do with row events of shadow tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ShadowRows {
    /// Drop them: the tool copies rows the original table's own events already carry. The
    /// default.
    #[default]
    Skip,
    /// Report rows of the new-schema copy (`_gho`, `_new`) as the original table's; changelog
    /// and old tables are still skipped.
    MapToOriginal,
    /// Treat shadow tables like any other table.
    Keep,
}
