//! Coalescing row changes into net per-key steps.

use std::collections::HashMap;
use std::sync::Arc;

use cdc_model::{Change, RowImage, TableId, TableSchema, Value};

use super::{Error, ErrorKind};

/// One thing to do to a target table, produced by [`Batcher::flush`].
#[derive(Clone, PartialEq, Debug)]
pub enum Step {
    /// Delete the rows with these keys (values of the key columns, in key order). Keys that
    /// are not there are not an error: deleting them changes nothing.
    Delete {
        /// The table, with the schema in force.
        table: Arc<TableSchema>,
        /// One key per row.
        keys: Vec<Vec<Value>>,
    },
    /// Make each of these full rows exist with exactly these values: insert it, or overwrite
    /// the row with its key. No two rows share a key.
    Upsert {
        /// The table, with the schema in force.
        table: Arc<TableSchema>,
        /// Complete rows (no [`Value::Unchanged`]).
        rows: Vec<RowImage>,
    },
    /// Update the row with key `key` in place: set every column of `row` that is not
    /// [`Value::Unchanged`] (key columns included, when the key changes). Used when the source
    /// sent only some columns and the batch does not know the rest.
    Update {
        /// The table, with the schema in force.
        table: Arc<TableSchema>,
        /// The row's key before the update.
        key: Vec<Value>,
        /// The new values; [`Value::Unchanged`] columns keep what the target holds.
        row: RowImage,
    },
}

impl Step {
    /// The table the step applies to.
    pub fn table(&self) -> &Arc<TableSchema> {
        match self {
            Step::Delete { table, .. }
            | Step::Upsert { table, .. }
            | Step::Update { table, .. } => table,
        }
    }
}

/// The net state of one key after the changes seen so far.
#[derive(Clone, Debug)]
enum KeyState {
    /// The row exists with exactly this image.
    Row(RowImage),
    /// The row does not exist.
    Absent,
    /// The row existed before the batch (as far as the batch knows) and these columns changed;
    /// the others are [`Value::Unchanged`].
    Patch(RowImage),
}

#[derive(Debug)]
struct Entry {
    key: Vec<Value>,
    state: KeyState,
    /// When the key was last touched: steps list keys in this order.
    seq: u64,
}

#[derive(Debug)]
struct TableState {
    schema: Arc<TableSchema>,
    key_cols: Vec<usize>,
    index: HashMap<Vec<u8>, usize>,
    entries: Vec<Entry>,
}

/// Coalesces row changes, in source order, into the net effect per row key.
///
/// # What it guarantees
///
/// Applying the [`Step`]s of [`Batcher::flush`] in order leaves every table in the state that
/// applying the pushed changes one by one would, as long as rows are told apart by their key
/// (the primary key, else the first unique key of `NOT NULL` columns) compared value by value.
///
/// Per key it keeps one net state, folding each change into it:
///
/// | state so far | change | new state |
/// |---|---|---|
/// | any | insert / update with a full after image | the row, exactly that image |
/// | any | delete | absent |
/// | the row | update with some columns not sent | the row with those columns replaced |
/// | unknown / partial | update with some columns not sent | partial (an in-place `UPDATE`) |
/// | absent | update with some columns not sent | absent (an `UPDATE` of no row changes nothing) |
///
/// An insert followed by a delete becomes a delete, never nothing: the batch cannot know that
/// the target did not hold that key before (a resumed task, a full load overlapping the
/// stream), and deleting a missing key is harmless. An update that changes the key makes the
/// old key absent and the new key the after image; when the after image is partial and the
/// batch does not hold the old row, the batcher cannot build the new row, so it emits the
/// steps so far and an in-place [`Step::Update`] (a *split*) and starts afresh.
///
/// [`Batcher::flush`] lists, for all tables, the deletes first, then the upserts, then the
/// in-place updates, each in the order the keys were last touched. Deletes go first so that
/// a key freed by one row and taken by another, or a unique value moved between rows, is free
/// again before the upsert that needs it.
///
/// # What it does not do
///
/// - Secondary unique keys are not tracked: values that move between rows in ways no order of
///   whole-row writes can reproduce (two rows swapping a unique value) need the statements
///   one by one; apply such tables with batches of one change.
/// - Foreign keys are not ordered: run with `FOREIGN_KEY_CHECKS=0` (MySQL) or
///   `session_replication_role = replica` (PostgreSQL), as the encoders' session setup does.
/// - Keys that the target compares as equal but whose values differ (a case-insensitive
///   collation) are different keys here. Sources send the stored value in every image of a
///   row, so one row has one spelling.
/// - Truncate and DDL are refused ([`ErrorKind::NotARowChange`]): flush, apply them, go on.
///   `Begin`, `Commit` and heartbeats are ignored: the caller chooses the batch boundaries.
/// - Partial JSON updates ([`Value::JsonPatch`]) are refused: their new value depends on the
///   target's old one.
#[derive(Debug, Default)]
pub struct Batcher {
    tables: Vec<TableState>,
    by_id: HashMap<TableId, usize>,
    ready: Vec<Step>,
    seq: u64,
    pending: usize,
}

impl Batcher {
    /// An empty batcher.
    pub fn new() -> Batcher {
        Batcher::default()
    }

    /// How many keys and split steps are waiting; a caller flushes when this is large enough.
    pub fn pending(&self) -> usize {
        self.pending + self.ready.len()
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.pending() == 0
    }

    /// Folds one change into the batch.
    ///
    /// On error nothing of `change` is recorded (what was pushed before stays pending).
    pub fn push(&mut self, change: &Change) -> Result<(), Error> {
        match change {
            Change::Begin | Change::Commit | Change::Heartbeat => Ok(()),
            Change::Truncate { tables, .. } => Err(Error::new(
                tables
                    .first()
                    .unwrap_or(&TableId::new(String::new(), String::new())),
                None,
                ErrorKind::NotARowChange(change.operation()),
            )),
            Change::Ddl(ddl) => Err(Error::new(
                &TableId::new(ddl.schema.clone().unwrap_or_default(), String::new()),
                None,
                ErrorKind::NotARowChange(change.operation()),
            )),
            Change::Insert { table, after } => {
                let t = self.table(table)?;
                let key = self.key_of(t, after, None)?;
                check_complete(table, after)?;
                self.set(t, key, KeyState::Row(after.clone()));
                Ok(())
            }
            Change::Delete { table, before } => {
                let t = self.table(table)?;
                let key = self.key_of(t, before, None)?;
                self.set(t, key, KeyState::Absent);
                Ok(())
            }
            Change::Update {
                table,
                before,
                after,
            } => self.update(table, before.as_ref(), after),
        }
    }

    fn update(
        &mut self,
        table: &Arc<TableSchema>,
        before: Option<&RowImage>,
        after: &RowImage,
    ) -> Result<(), Error> {
        let t = self.table(table)?;
        check_len(table, after)?;
        let old = match before {
            Some(b) => self.key_of(t, b, Some(after))?,
            None => self.key_of(t, after, None)?,
        };
        let new = self.key_of(t, after, Some(&old.1))?;
        for (i, v) in after.values.iter().enumerate() {
            if matches!(v, Value::JsonPatch(_)) {
                let name = table.columns.get(i).map(|c| c.name.as_str());
                return Err(Error::new(
                    &table.id,
                    name,
                    ErrorKind::Unsupported {
                        value: "partial json",
                        target: "a batched row (its new value depends on the old one)".into(),
                    },
                ));
            }
        }
        let complete = after.is_complete();
        let state = self.state(t, &old.0);
        if old.0 == new.0 {
            let next = if complete {
                KeyState::Row(after.clone())
            } else {
                match state {
                    Some(KeyState::Row(r)) => KeyState::Row(merge(r, after)),
                    Some(KeyState::Patch(p)) => KeyState::Patch(merge(p, after)),
                    Some(KeyState::Absent) => return Ok(()),
                    None => KeyState::Patch(after.clone()),
                }
            };
            self.set(t, new, next);
            return Ok(());
        }
        let full = if complete {
            after.clone()
        } else {
            match state {
                Some(KeyState::Row(r)) => merge(r, after),
                Some(KeyState::Absent) => return Ok(()),
                Some(KeyState::Patch(_)) | None => {
                    // The new row needs columns only the target holds: update it in place.
                    self.flush_pending();
                    self.ready.push(Step::Update {
                        table: table.clone(),
                        key: old.1,
                        row: after.clone(),
                    });
                    return Ok(());
                }
            }
        };
        self.set(t, old, KeyState::Absent);
        self.set(t, new, KeyState::Row(full));
        Ok(())
    }

    /// Takes every step for the changes pushed so far, in the order to apply them.
    pub fn flush(&mut self) -> Vec<Step> {
        self.flush_pending();
        std::mem::take(&mut self.ready)
    }

    /// Moves the pending per-key states into `ready` as steps.
    fn flush_pending(&mut self) {
        if self.pending == 0 {
            return;
        }
        let mut upserts = Vec::new();
        let mut updates = Vec::new();
        for t in &mut self.tables {
            if t.entries.is_empty() {
                continue;
            }
            t.index.clear();
            let mut entries = std::mem::take(&mut t.entries);
            entries.sort_by_key(|e| e.seq);
            let mut keys = Vec::new();
            let mut rows = Vec::new();
            for e in entries {
                match e.state {
                    KeyState::Absent => keys.push(e.key),
                    KeyState::Row(r) => rows.push(r),
                    KeyState::Patch(row) => updates.push(Step::Update {
                        table: t.schema.clone(),
                        key: e.key,
                        row,
                    }),
                }
            }
            if !keys.is_empty() {
                self.ready.push(Step::Delete {
                    table: t.schema.clone(),
                    keys,
                });
            }
            if !rows.is_empty() {
                upserts.push(Step::Upsert {
                    table: t.schema.clone(),
                    rows,
                });
            }
        }
        self.ready.extend(upserts);
        self.ready.extend(updates);
        self.pending = 0;
    }

    /// The index of the table's state, created on first sight. A table whose schema changed
    /// splits the batch: what is pending was meant for the old schema.
    fn table(&mut self, schema: &Arc<TableSchema>) -> Result<usize, Error> {
        let key_cols = || {
            schema
                .identity_columns()
                .filter(|k| !k.is_empty())
                .ok_or_else(|| Error::new(&schema.id, None, ErrorKind::NoKey))
        };
        if let Some(&i) = self.by_id.get(&schema.id) {
            let same = self
                .tables
                .get(i)
                .is_some_and(|t| Arc::ptr_eq(&t.schema, schema) || *t.schema == **schema);
            if !same {
                let cols = key_cols()?;
                self.flush_pending();
                if let Some(t) = self.tables.get_mut(i) {
                    t.schema = schema.clone();
                    t.key_cols = cols;
                }
            }
            return Ok(i);
        }
        let cols = key_cols()?;
        self.tables.push(TableState {
            schema: schema.clone(),
            key_cols: cols,
            index: HashMap::new(),
            entries: Vec::new(),
        });
        let i = self.tables.len() - 1;
        self.by_id.insert(schema.id.clone(), i);
        Ok(i)
    }

    /// The key of `row` as (canonical bytes, values). A key column that is
    /// [`Value::Unchanged`] in `row` is taken from `fallback` (the after image for a before
    /// image, the old key for an after image) when given.
    fn key_of(
        &self,
        t: usize,
        row: &RowImage,
        fallback: Option<&dyn KeySource>,
    ) -> Result<(Vec<u8>, Vec<Value>), Error> {
        let Some(t) = self.tables.get(t) else {
            return Err(Error::new(
                &TableId::new("", ""),
                None,
                ErrorKind::Invalid("internal: unknown table".into()),
            ));
        };
        check_len(&t.schema, row)?;
        let mut bytes = Vec::new();
        let mut values = Vec::with_capacity(t.key_cols.len());
        for (n, &c) in t.key_cols.iter().enumerate() {
            let name = t.schema.columns.get(c).map(|c| c.name.as_str());
            let mut v = row.get(c);
            if matches!(v, Some(Value::Unchanged)) {
                v = fallback.and_then(|f| f.key_value(n, c));
            }
            let v = match v {
                None | Some(Value::Unchanged) => {
                    return Err(Error::new(
                        &t.schema.id,
                        name,
                        ErrorKind::BadKey("not sent"),
                    ));
                }
                Some(Value::Null) => {
                    return Err(Error::new(&t.schema.id, name, ErrorKind::BadKey("NULL")));
                }
                Some(v) => v,
            };
            key_bytes(v, &mut bytes);
            values.push(v.clone());
        }
        Ok((bytes, values))
    }

    fn state(&self, t: usize, key: &[u8]) -> Option<&KeyState> {
        let t = self.tables.get(t)?;
        let i = t.index.get(key)?;
        t.entries.get(*i).map(|e| &e.state)
    }

    fn set(&mut self, t: usize, key: (Vec<u8>, Vec<Value>), state: KeyState) {
        self.seq += 1;
        let seq = self.seq;
        let Some(t) = self.tables.get_mut(t) else {
            return;
        };
        match t.index.get(&key.0).and_then(|&i| t.entries.get_mut(i)) {
            Some(e) => {
                e.state = state;
                e.seq = seq;
            }
            None => {
                t.index.insert(key.0, t.entries.len());
                t.entries.push(Entry {
                    key: key.1,
                    state,
                    seq,
                });
                self.pending += 1;
            }
        }
    }
}

/// Where a missing key value comes from: the key columns of a row image, or the values of a
/// key already taken.
trait KeySource {
    /// The value of key part `n`, which is column `col`.
    fn key_value(&self, n: usize, col: usize) -> Option<&Value>;
}

impl KeySource for RowImage {
    fn key_value(&self, _n: usize, col: usize) -> Option<&Value> {
        self.get(col)
    }
}

impl KeySource for Vec<Value> {
    fn key_value(&self, n: usize, _col: usize) -> Option<&Value> {
        self.get(n)
    }
}

fn check_len(table: &TableSchema, row: &RowImage) -> Result<(), Error> {
    if row.len() != table.columns.len() {
        return Err(Error::new(
            &table.id,
            None,
            ErrorKind::RowLength {
                got: row.len(),
                expected: table.columns.len(),
            },
        ));
    }
    Ok(())
}

fn check_complete(table: &TableSchema, row: &RowImage) -> Result<(), Error> {
    check_len(table, row)?;
    for (v, c) in row.values.iter().zip(&table.columns) {
        match v {
            Value::Unchanged => {
                return Err(Error::new(
                    &table.id,
                    Some(&c.name),
                    ErrorKind::Incomplete("unchanged"),
                ));
            }
            Value::JsonPatch(_) => {
                return Err(Error::new(
                    &table.id,
                    Some(&c.name),
                    ErrorKind::Incomplete("partial json"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `base` with every value of `changes` that was sent.
fn merge(base: &RowImage, changes: &RowImage) -> RowImage {
    RowImage::new(
        base.values
            .iter()
            .zip(&changes.values)
            .map(|(b, c)| {
                if c.is_unchanged() {
                    b.clone()
                } else {
                    c.clone()
                }
            })
            .collect(),
    )
}

/// Appends an injective encoding of a key value: equal bytes exactly when the values are
/// equal (floats by bit pattern).
fn key_bytes(v: &Value, out: &mut Vec<u8>) {
    let tagged = |out: &mut Vec<u8>, tag: u8, body: &[u8]| {
        out.push(tag);
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
    };
    match v {
        Value::Int(i) => tagged(out, 1, &i.to_le_bytes()),
        Value::UInt(u) => tagged(out, 2, &u.to_le_bytes()),
        Value::Text(t) => {
            tagged(out, 3, t.charset.name().as_bytes());
            tagged(out, 4, &t.bytes);
        }
        Value::Bytes(b) => tagged(out, 5, b),
        Value::Uuid(u) => tagged(out, 6, u.as_bytes()),
        other => tagged(out, 0xFF, format!("{other:?}").as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdc_model::{Column, ColumnType, Index};

    fn table() -> Arc<TableSchema> {
        let mut t = TableSchema::new(
            TableId::new("s", "t"),
            vec![
                Column::new("id", ColumnType::Int { unsigned: false }).not_null(),
                Column::new("a", ColumnType::Int { unsigned: false }),
                Column::new("b", ColumnType::Int { unsigned: false }),
            ],
        );
        t.primary_key = Some(Index::new(None, &["id"], true));
        Arc::new(t)
    }

    fn row(v: [Option<i64>; 3]) -> RowImage {
        RowImage::new(
            v.iter()
                .map(|x| x.map_or(Value::Unchanged, Value::Int))
                .collect(),
        )
    }

    #[test]
    fn insert_update_delete_of_one_key_collapse_to_its_last_state() {
        let t = table();
        let mut b = Batcher::new();
        b.push(&Change::Insert {
            table: t.clone(),
            after: row([Some(1), Some(1), Some(1)]),
        })
        .unwrap();
        b.push(&Change::Update {
            table: t.clone(),
            before: None,
            after: row([Some(1), None, Some(5)]),
        })
        .unwrap();
        assert_eq!(b.pending(), 1);
        let steps = b.flush();
        assert_eq!(
            steps,
            vec![Step::Upsert {
                table: t.clone(),
                rows: vec![row([Some(1), Some(1), Some(5)])]
            }]
        );
        b.push(&Change::Insert {
            table: t.clone(),
            after: row([Some(2), Some(1), Some(1)]),
        })
        .unwrap();
        b.push(&Change::Delete {
            table: t.clone(),
            before: row([Some(2), Some(1), Some(1)]),
        })
        .unwrap();
        assert_eq!(
            b.flush(),
            vec![Step::Delete {
                table: t,
                keys: vec![vec![Value::Int(2)]]
            }]
        );
        assert!(b.is_empty());
    }

    #[test]
    fn partial_key_change_of_an_unknown_row_splits_the_batch() {
        let t = table();
        let mut b = Batcher::new();
        b.push(&Change::Insert {
            table: t.clone(),
            after: row([Some(9), Some(0), Some(0)]),
        })
        .unwrap();
        b.push(&Change::Update {
            table: t.clone(),
            before: Some(row([Some(1), None, None])),
            after: row([Some(2), Some(7), None]),
        })
        .unwrap();
        let steps = b.flush();
        assert_eq!(steps.len(), 2);
        assert!(matches!(&steps[0], Step::Upsert { .. }));
        assert_eq!(
            steps[1],
            Step::Update {
                table: t,
                key: vec![Value::Int(1)],
                row: row([Some(2), Some(7), None])
            }
        );
    }

    #[test]
    fn null_keys_keyless_tables_and_ddl_are_errors() {
        let t = table();
        let mut b = Batcher::new();
        let e = b
            .push(&Change::Insert {
                table: t.clone(),
                after: RowImage::new(vec![Value::Null, Value::Int(1), Value::Int(1)]),
            })
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadKey("NULL"));
        let mut nokey = (*t).clone();
        nokey.primary_key = None;
        let e = b
            .push(&Change::Delete {
                table: Arc::new(nokey),
                before: row([Some(1), Some(1), Some(1)]),
            })
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoKey);
        assert!(
            b.push(&Change::Ddl(cdc_model::Ddl {
                schema: None,
                statement: "x".into()
            }))
            .is_err()
        );
        assert!(b.is_empty());
    }
}
