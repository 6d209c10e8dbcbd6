//! Partitioned tables ([`cdc_model::Partitioning`]) in the target's DDL.
//!
//! | source | target | what is created |
//! |---|---|---|
//! | PostgreSQL | PostgreSQL | `CREATE TABLE parent (...) PARTITION BY <strategy> (<key>)`, then per partition `CREATE TABLE child PARTITION OF parent <bound>` (with its own `PARTITION BY` when sub-partitioned), bounds as the source printed them |
//! | PostgreSQL | AnalyticDB | Greenplum 6's form: `... DISTRIBUTED BY (...) PARTITION BY RANGE/LIST (<column>) (PARTITION p START (..) END (..), PARTITION q VALUES (..), DEFAULT PARTITION d)`; HASH partitioning, keys that are not one plain column, multi-column or `MINVALUE`/`MAXVALUE` inside multi-value bounds, and sub-partitions are reported |
//! | MySQL/MariaDB | MySQL/MariaDB | `PARTITION BY [LINEAR] RANGE/LIST [COLUMNS]/HASH/KEY (<key>) (PARTITION p <bound>, ...)`; sub-partitions reported |
//! | MySQL/MariaDB | PostgreSQL, AnalyticDB | reported: the table is created unpartitioned |
//! | any | MaxCompute | reported: `_base`/`_log` are not partitioned like the source |
//!
//! Columns named in a key are renamed with the table's other columns; key expressions are
//! copied unchanged (reported when the name policy renames columns).

use cdc_model::{PartitionStrategy, Partitioning, TableId};

use super::{Gen, fit};
use crate::dialect::Dialect;
use crate::issue::{IssueKind, Reporter};
use crate::naming::quote_table;

impl Gen<'_> {
    /// PostgreSQL and AnalyticDB: appends the `PARTITION BY` clause to `create` and returns
    /// the statements that create the partitions (to run right after `create`).
    pub(super) fn pg_partitioning(&mut self, create: &mut String) -> Vec<String> {
        let table = self.table;
        let Some(p) = table.partitioning.as_ref() else {
            return Vec::new();
        };
        let mut r = self.reporter(None);
        let mut out = Vec::new();
        if self.mapper.source().is_mysql_family() {
            r.unsupported(
                IssueKind::Partitioning,
                format!(
                    "MySQL partitioning {p} ({} partitions) is not translated to {}: the table is created unpartitioned",
                    p.partitions.len(),
                    self.target
                ),
            );
        } else if self.target == Dialect::AnalyticDb {
            self.greenplum_partitioning(p, create, &mut r);
        } else if let Some(clause) = self.pg_partition_by(p, &mut r) {
            create.push_str(&clause);
            let parent = self.target_id.clone();
            self.pg_partitions(&table.id, &parent, p, &mut out, &mut r, 0);
        }
        self.issues(r);
        out
    }

    /// ` PARTITION BY RANGE ("a")`, or `None` (reported) for strategies PostgreSQL lacks.
    fn pg_partition_by(&self, p: &Partitioning, r: &mut Reporter<'_>) -> Option<String> {
        if p.strategy == PartitionStrategy::Key || p.linear || p.columns {
            r.unsupported(
                IssueKind::Partitioning,
                format!(
                    "partitioning {p} has no PostgreSQL form: the table is created unpartitioned"
                ),
            );
            return None;
        }
        Some(format!(
            " PARTITION BY {} ({})",
            p.strategy.keyword(),
            self.partition_key(&p.key, r)
        ))
    }

    /// `CREATE TABLE child PARTITION OF parent <bound>` for each partition of `p`, depth
    /// first, sub-partitioned ones with their own `PARTITION BY`.
    fn pg_partitions(
        &self,
        source_parent: &TableId,
        parent: &TableId,
        p: &Partitioning,
        out: &mut Vec<String>,
        r: &mut Reporter<'_>,
        depth: usize,
    ) {
        let ine = if self.options.if_not_exists {
            "IF NOT EXISTS "
        } else {
            ""
        };
        for part in &p.partitions {
            let source_child = TableId::new(
                part.schema
                    .clone()
                    .unwrap_or_else(|| source_parent.schema.clone()),
                part.name.clone(),
            );
            let mut child = self.options.names.table(&source_child);
            child.name = fit(self.target, &child.name, r, "partition table");
            child.schema = fit(self.target, &child.schema, r, "schema");
            let mut stmt = format!(
                "CREATE TABLE {ine}{} PARTITION OF {} {}",
                quote_table(self.target, &child),
                quote_table(self.target, parent),
                part.bound.trim()
            );
            let sub = part.subpartitioning.as_deref();
            let sub_clause = sub.and_then(|s| self.pg_partition_by(s, r));
            if let Some(clause) = &sub_clause {
                stmt.push_str(clause);
            }
            out.push(stmt);
            if let (Some(sub), Some(_)) = (sub, sub_clause) {
                // A real catalog has no cycles; the bound keeps a hand-built model finite.
                if depth < 32 {
                    self.pg_partitions(&source_child, &child, sub, out, r, depth + 1);
                }
            }
        }
    }

    /// AnalyticDB for PostgreSQL (Greenplum 6): classic partitioning syntax in the CREATE
    /// TABLE itself.
    fn greenplum_partitioning(&self, p: &Partitioning, create: &mut String, r: &mut Reporter<'_>) {
        let unpartitioned = |r: &mut Reporter<'_>, why: &str| {
            r.unsupported(
                IssueKind::Partitioning,
                format!("partitioning {p} is not created on AnalyticDB (Greenplum 6 syntax): {why}; the table is created unpartitioned"),
            );
        };
        if !matches!(
            p.strategy,
            PartitionStrategy::Range | PartitionStrategy::List
        ) || p.linear
            || p.columns
        {
            unpartitioned(r, "only RANGE and LIST partitioning exist there");
            return;
        }
        let keys = split_top_level(&p.key, ',');
        let [key] = keys.as_slice() else {
            unpartitioned(r, "the key must be one column");
            return;
        };
        let Some(column) = self.key_column(key) else {
            unpartitioned(r, "the key must be a plain column, not an expression");
            return;
        };
        let mut parts = Vec::new();
        for part in &p.partitions {
            let name = self.q(&self.options.names.object(&part.name));
            match greenplum_bound(&part.bound) {
                Some(GpBound::Default) => parts.push(format!("DEFAULT PARTITION {name}")),
                Some(GpBound::Range { start, end }) if p.strategy == PartitionStrategy::Range => {
                    let mut s = format!("PARTITION {name}");
                    if let Some(v) = start {
                        s.push_str(&format!(" START ({v})"));
                    }
                    if let Some(v) = end {
                        s.push_str(&format!(" END ({v})"));
                    }
                    parts.push(s);
                }
                Some(GpBound::List(values)) if p.strategy == PartitionStrategy::List => {
                    parts.push(format!("PARTITION {name} VALUES ({values})"));
                }
                _ => {
                    unpartitioned(
                        r,
                        &format!(
                            "bound {} of partition {} has no Greenplum 6 form",
                            part.bound, part.name
                        ),
                    );
                    return;
                }
            }
            if part.subpartitioning.is_some() {
                r.unsupported(
                    IssueKind::Partitioning,
                    format!("sub-partitions of partition {} are not created on AnalyticDB: its rows stay in partition {}", part.name, part.name),
                );
            }
        }
        create.push_str(&format!(
            " PARTITION BY {} ({})\n(\n  {}\n)",
            p.strategy.keyword(),
            self.q(&column),
            parts.join(",\n  ")
        ));
        r.note(
            IssueKind::Partitioning,
            format!(
                "partitions are created in Greenplum 6 syntax: their tables are named {}_1_prt_<partition> by AnalyticDB, not as on the source",
                self.target_id.name
            ),
        );
    }

    /// MySQL and MariaDB: appends `PARTITION BY ... (PARTITION ...)` to `create`.
    pub(super) fn mysql_partitioning(&mut self, create: &mut String) {
        let table = self.table;
        let Some(p) = table.partitioning.as_ref() else {
            return;
        };
        let mut r = self.reporter(None);
        let mut clause = format!(" PARTITION BY {}", if p.linear { "LINEAR " } else { "" });
        clause.push_str(p.strategy.keyword());
        if p.columns {
            clause.push_str(" COLUMNS");
        }
        clause.push_str(&format!(" ({})", self.partition_key(&p.key, &mut r)));
        let parts: Vec<String> = p
            .partitions
            .iter()
            .map(|part| {
                if part.subpartitioning.is_some() {
                    r.unsupported(
                        IssueKind::Partitioning,
                        format!("sub-partitions of partition {} are not created: its rows stay in partition {}", part.name, part.name),
                    );
                }
                let bound = part.bound.trim();
                let name = self.q(&part.name);
                if bound.is_empty() {
                    format!("PARTITION {name}")
                } else {
                    format!("PARTITION {name} {bound}")
                }
            })
            .collect();
        if !parts.is_empty() {
            clause.push_str(&format!("\n(\n  {}\n)", parts.join(",\n  ")));
        }
        create.push_str(&clause);
        self.issues(r);
    }

    /// MaxCompute: the source's partitioning is not reproduced.
    pub(super) fn maxcompute_partitioning(&mut self) {
        let table = self.table;
        if let Some(p) = &table.partitioning {
            let mut r = self.reporter(None);
            r.note(
                IssueKind::Partitioning,
                format!("source partitioning {p} is not reproduced: MaxCompute partitions are columns; the _base table is unpartitioned and the _log table is partitioned by the configured log partitions only"),
            );
            self.issues(r);
        }
    }

    /// The key with plain column names renamed to their target names and quoted for the
    /// target; expressions copied (reported when the policy renames columns).
    fn partition_key(&self, key: &str, r: &mut Reporter<'_>) -> String {
        let mut expression = false;
        let parts: Vec<String> = split_top_level(key, ',')
            .into_iter()
            .map(|part| match self.key_column(part) {
                Some(target) => self.q(&target),
                None => {
                    expression = true;
                    part.trim().to_owned()
                }
            })
            .collect();
        if expression && self.renames_columns() {
            r.note(
                IssueKind::Partitioning,
                format!("partition key ({key}) is copied unchanged: column renames are not applied inside its expressions"),
            );
        }
        parts.join(", ")
    }

    /// The target name of a key part that is a plain (possibly quoted) column of the table.
    fn key_column(&self, part: &str) -> Option<String> {
        let name = unquote_ident(part.trim())?;
        let found = self.columns.iter().find(|c| {
            if self.mapper.source().is_mysql_family() {
                c.source.name.eq_ignore_ascii_case(&name)
            } else {
                c.source.name == name
            }
        })?;
        Some(found.name.clone())
    }
}

/// A PostgreSQL bound in Greenplum 6's terms.
#[derive(Debug, PartialEq, Eq)]
enum GpBound {
    /// `DEFAULT`.
    Default,
    /// `FOR VALUES FROM (a) TO (b)`; `MINVALUE`/`MAXVALUE` as `None`.
    Range {
        start: Option<String>,
        end: Option<String>,
    },
    /// `FOR VALUES IN (...)`: the list text.
    List(String),
}

/// Parses `DEFAULT`, `FOR VALUES FROM (x) TO (y)` (one value each) and `FOR VALUES IN (...)`.
fn greenplum_bound(bound: &str) -> Option<GpBound> {
    let b = bound.trim();
    if b.eq_ignore_ascii_case("default") {
        return Some(GpBound::Default);
    }
    let rest = strip_words(b, &["for", "values"])?;
    if let Some(rest) = strip_words(rest, &["in"]) {
        let (list, tail) = paren_group(rest)?;
        return tail
            .trim()
            .is_empty()
            .then(|| GpBound::List(list.trim().to_owned()));
    }
    let rest = strip_words(rest, &["from"])?;
    let (from, rest) = paren_group(rest)?;
    let rest = strip_words(rest, &["to"])?;
    let (to, tail) = paren_group(rest)?;
    if !tail.trim().is_empty() {
        return None;
    }
    let single = |v: &str, open: &str| -> Option<Option<String>> {
        let values = split_top_level(v, ',');
        let [one] = values.as_slice() else {
            return None;
        };
        let one = one.trim();
        if one.eq_ignore_ascii_case(open) {
            Some(None)
        } else if one.eq_ignore_ascii_case("minvalue") || one.eq_ignore_ascii_case("maxvalue") {
            None
        } else {
            Some(Some(one.to_owned()))
        }
    };
    Some(GpBound::Range {
        start: single(from, "minvalue")?,
        end: single(to, "maxvalue")?,
    })
}

/// `text` after the given words (case-insensitive, separated by white space).
fn strip_words<'t>(text: &'t str, words: &[&str]) -> Option<&'t str> {
    let mut rest = text.trim_start();
    for w in words {
        let head = rest.get(..w.len())?;
        if !head.eq_ignore_ascii_case(w) {
            return None;
        }
        rest = rest.get(w.len()..)?;
        if rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            return None;
        }
        rest = rest.trim_start();
    }
    Some(rest)
}

/// `(inner) rest` -> (`inner`, `rest`), respecting quotes and nested parentheses.
fn paren_group(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some((text.get(1..i)?, text.get(i + 1..)?));
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at `sep` outside quotes and parentheses. (A doubled quote inside a quoted part
/// closes and reopens it, which keeps the split right.)
fn split_top_level(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, c) if c == sep && depth == 0 => {
                out.push(text.get(start..i).unwrap_or(""));
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(text.get(start..).unwrap_or(""));
    out
}

/// A bare identifier (`created`, `Region` in MySQL) or a quoted one (`"Odd ""x"""`,
/// `` `a b` ``): its name. `None` for anything else (expressions, collations, opclasses).
fn unquote_ident(part: &str) -> Option<String> {
    for q in ['"', '`'] {
        if let Some(inner) = part.strip_prefix(q).and_then(|p| p.strip_suffix(q)) {
            let doubled = format!("{q}{q}");
            let single = q.to_string();
            // Every quote inside must be doubled.
            if inner.replace(&doubled, "").contains(q) {
                return None;
            }
            return Some(inner.replace(&doubled, &single));
        }
    }
    let mut chars = part.chars();
    let first = chars.next()?;
    ((first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$'))
    .then(|| part.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_greenplum_terms() {
        assert_eq!(greenplum_bound("DEFAULT"), Some(GpBound::Default));
        assert_eq!(
            greenplum_bound("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
            Some(GpBound::Range {
                start: Some("'2024-01-01'".into()),
                end: Some("'2025-01-01'".into())
            })
        );
        assert_eq!(
            greenplum_bound("FOR VALUES FROM (MINVALUE) TO (10)"),
            Some(GpBound::Range {
                start: None,
                end: Some("10".into())
            })
        );
        assert_eq!(
            greenplum_bound("FOR VALUES FROM (10) TO (MAXVALUE)"),
            Some(GpBound::Range {
                start: Some("10".into()),
                end: None
            })
        );
        assert_eq!(
            greenplum_bound("FOR VALUES IN ('a,)', 'b')"),
            Some(GpBound::List("'a,)', 'b'".into()))
        );
        // Two-column ranges, MAXVALUE as a start, hash bounds: no Greenplum form.
        assert_eq!(greenplum_bound("FOR VALUES FROM (1, 2) TO (3, 4)"), None);
        assert_eq!(greenplum_bound("FOR VALUES FROM (MAXVALUE) TO (1)"), None);
        assert_eq!(
            greenplum_bound("FOR VALUES WITH (modulus 2, remainder 0)"),
            None
        );
        assert_eq!(greenplum_bound("FOR VALUES IN (1) extra"), None);
        assert_eq!(greenplum_bound("FOR VALUES FROM (1"), None);
        assert_eq!(greenplum_bound(""), None);
    }

    #[test]
    fn identifiers_and_top_level_lists() {
        assert_eq!(unquote_ident("created").as_deref(), Some("created"));
        assert_eq!(
            unquote_ident("\"Odd \"\"x\"\"\"").as_deref(),
            Some("Odd \"x\"")
        );
        assert_eq!(unquote_ident("`a b`").as_deref(), Some("a b"));
        assert_eq!(unquote_ident("lower(name)"), None);
        assert_eq!(unquote_ident("name COLLATE \"C\""), None);
        assert_eq!(unquote_ident("\"a\"b\""), None);
        assert_eq!(
            split_top_level("a, lower(b, c), 'x,y', \"q,r\"", ','),
            vec!["a", " lower(b, c)", " 'x,y'", " \"q,r\""]
        );
    }
}
