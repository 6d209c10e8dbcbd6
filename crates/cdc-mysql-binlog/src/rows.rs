//! TABLE_MAP events and the row events that refer to them.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use cdc_model::{Charset, JsonPatchKind, JsonPatchOp, Value};

use crate::column::{ColumnDesc, types};
use crate::cursor::Cursor;
use crate::error::{Error, Result};

/// TABLE_MAP_EVENT: binds a table id to a table and its column types for the row events
/// that follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableMap {
    /// The id row events use for this table (valid until the next TABLE_MAP for it).
    pub table_id: u64,
    /// Flags.
    pub flags: u16,
    /// Database name.
    pub schema: String,
    /// Table name.
    pub table: String,
    /// Columns in table order.
    pub columns: Vec<ColumnDesc>,
    /// Primary key column indexes with prefix lengths (0 = whole column), when logged.
    pub primary_key: Vec<(usize, u32)>,
}

impl TableMap {
    /// `db.table`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    pub(crate) fn parse(body: &[u8], post_header_len: u8) -> Result<TableMap> {
        let mut c = Cursor::new(body);
        let table_id = if post_header_len == 6 {
            u64::from(c.u32()?)
        } else {
            c.u48()?
        };
        let flags = c.u16()?;
        let schema_len = usize::from(c.u8()?);
        let schema = String::from_utf8_lossy(c.take(schema_len)?).into_owned();
        c.skip(1)?;
        let table_len = usize::from(c.u8()?);
        let table = String::from_utf8_lossy(c.take(table_len)?).into_owned();
        c.skip(1)?;
        let count = c.packed_len()?;
        let type_codes = c.take(count)?;
        let mut columns = Vec::with_capacity(count);
        if c.is_empty() {
            // Pre-GA 5.1 servers logged neither type metadata nor nullability.
            columns.extend(type_codes.iter().map(|&code| ColumnDesc::new(code, 0)));
        } else {
            let meta_len = c.packed_len()?;
            let mut meta = Cursor::new(c.take(meta_len)?);
            for &code in type_codes {
                let (real, m) = crate::value::read_column_meta(code, &mut meta)?;
                columns.push(ColumnDesc::new(real, m));
            }
            let nulls = c.take(count.div_ceil(8))?;
            for (i, col) in columns.iter_mut().enumerate() {
                col.nullable = bit_lsb(nulls, i);
            }
        }
        let mut tm = TableMap {
            table_id,
            flags,
            schema,
            table,
            columns,
            primary_key: Vec::new(),
        };
        tm.parse_optional_metadata(&mut c)?;
        // Binary columns: MySQL logs collation 63; give BLOB-family and string columns with no
        // charset information no charset (decoded as bytes).
        for col in &mut tm.columns {
            if let Some(id) = col.collation {
                col.charset = crate::charset::charset_for_collation(id);
            }
        }
        Ok(tm)
    }

    fn parse_optional_metadata(&mut self, c: &mut Cursor<'_>) -> Result<()> {
        while !c.is_empty() {
            let kind = c.u8()?;
            let len = c.packed_len()?;
            let mut f = Cursor::new(c.take(len)?);
            match kind {
                1 => {
                    // SIGNEDNESS: one bit per numeric column, most significant bit first
                    let bits = f.take_rest();
                    let numeric: Vec<usize> = self.indexes(is_numeric);
                    for (n, i) in numeric.into_iter().enumerate() {
                        if let Some(col) = self.columns.get_mut(i) {
                            col.unsigned = bit_msb(bits, n);
                        }
                    }
                }
                2 | 10 => {
                    // DEFAULT_CHARSET / ENUM_AND_SET_DEFAULT_CHARSET: default collation, then
                    // (index among such columns, collation) pairs for the exceptions
                    let pick = if kind == 2 {
                        is_character
                    } else {
                        is_enum_or_set
                    };
                    let targets = self.indexes(pick);
                    let default = collation_id(f.packed_int()?)?;
                    let mut per_col = vec![default; targets.len()];
                    while !f.is_empty() {
                        let idx = usize::try_from(f.packed_int()?).unwrap_or(usize::MAX);
                        let coll = collation_id(f.packed_int()?)?;
                        let slot = per_col.get_mut(idx).ok_or_else(|| {
                            Error::malformed("charset exception for a column that is not there")
                        })?;
                        *slot = coll;
                    }
                    self.set_collations(&targets, &per_col);
                }
                3 | 11 => {
                    // COLUMN_CHARSET / ENUM_AND_SET_COLUMN_CHARSET: one collation per column
                    let pick = if kind == 3 {
                        is_character
                    } else {
                        is_enum_or_set
                    };
                    let targets = self.indexes(pick);
                    let mut per_col = Vec::with_capacity(targets.len());
                    for _ in 0..targets.len() {
                        per_col.push(collation_id(f.packed_int()?)?);
                    }
                    self.set_collations(&targets, &per_col);
                }
                4 => {
                    // COLUMN_NAME: one length-prefixed name per column
                    for col in &mut self.columns {
                        let n = f.packed_len()?;
                        col.name = Some(Arc::from(String::from_utf8_lossy(f.take(n)?).as_ref()));
                    }
                }
                5 | 6 => {
                    // SET_STR_VALUE / ENUM_STR_VALUE: per SET/ENUM column, its member labels
                    let want = if kind == 5 { types::SET } else { types::ENUM };
                    let targets = self.indexes(|c| c.type_code == want);
                    for i in targets {
                        let count = f.packed_len()?;
                        let mut labels = Vec::with_capacity(count);
                        for _ in 0..count {
                            let n = f.packed_len()?;
                            labels.push(String::from_utf8_lossy(f.take(n)?).into_owned());
                        }
                        if let Some(col) = self.columns.get_mut(i) {
                            col.labels = Some(labels.into());
                        }
                    }
                }
                7 => {
                    // GEOMETRY_TYPE: per geometry column
                    for i in self.indexes(|c| c.type_code == types::GEOMETRY) {
                        let g = u32::try_from(f.packed_int()?)
                            .map_err(|_| Error::malformed("geometry type out of range"))?;
                        if let Some(col) = self.columns.get_mut(i) {
                            col.geometry_type = Some(g);
                        }
                    }
                }
                8 => {
                    // SIMPLE_PRIMARY_KEY: column indexes
                    while !f.is_empty() {
                        let i = self.column_index(f.packed_int()?)?;
                        self.primary_key.push((i, 0));
                    }
                }
                9 => {
                    // PRIMARY_KEY_WITH_PREFIX: (column index, prefix length) pairs
                    while !f.is_empty() {
                        let i = self.column_index(f.packed_int()?)?;
                        let prefix = u32::try_from(f.packed_int()?)
                            .map_err(|_| Error::malformed("key prefix out of range"))?;
                        self.primary_key.push((i, prefix));
                    }
                }
                12 => {
                    // COLUMN_VISIBILITY: one bit per column, most significant bit first
                    let bits = f.take_rest();
                    for (i, col) in self.columns.iter_mut().enumerate() {
                        col.visible = bit_msb(bits, i);
                    }
                }
                13 => {
                    // VECTOR_DIMENSIONALITY: per vector column
                    for i in self.indexes(|c| c.type_code == types::VECTOR) {
                        let d = u32::try_from(f.packed_int()?)
                            .map_err(|_| Error::malformed("vector dimensions out of range"))?;
                        if let Some(col) = self.columns.get_mut(i) {
                            col.vector_dimensions = Some(d);
                        }
                    }
                }
                // Unknown field types are skipped: they only add information.
                _ => {}
            }
        }
        Ok(())
    }

    fn indexes(&self, pick: impl Fn(&ColumnDesc) -> bool) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| pick(c))
            .map(|(i, _)| i)
            .collect()
    }

    fn set_collations(&mut self, targets: &[usize], collations: &[u32]) {
        for (i, coll) in targets.iter().zip(collations) {
            if let Some(col) = self.columns.get_mut(*i) {
                col.collation = Some(*coll);
            }
        }
    }

    fn column_index(&self, raw: u64) -> Result<usize> {
        usize::try_from(raw)
            .ok()
            .filter(|i| *i < self.columns.len())
            .ok_or_else(|| {
                Error::malformed(format!("primary key names column {raw}, past the end"))
            })
    }
}

fn collation_id(raw: u64) -> Result<u32> {
    u32::try_from(raw).map_err(|_| Error::malformed("collation id out of range"))
}

fn is_numeric(c: &ColumnDesc) -> bool {
    matches!(
        c.type_code,
        types::TINY
            | types::SHORT
            | types::INT24
            | types::LONG
            | types::LONGLONG
            | types::FLOAT
            | types::DOUBLE
            | types::NEWDECIMAL
            | types::DECIMAL
    )
}

fn is_character(c: &ColumnDesc) -> bool {
    matches!(
        c.type_code,
        types::STRING
            | types::VAR_STRING
            | types::VARCHAR
            | types::BLOB
            | types::TINY_BLOB
            | types::MEDIUM_BLOB
            | types::LONG_BLOB
            | types::VECTOR
    )
}

fn is_enum_or_set(c: &ColumnDesc) -> bool {
    matches!(c.type_code, types::ENUM | types::SET)
}

/// Bit `i` of a bitmap stored least significant bit first (row and null bitmaps).
#[inline]
pub(crate) fn bit_lsb(bits: &[u8], i: usize) -> bool {
    bits.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

/// Bit `i` of a bitmap stored most significant bit first (optional metadata bitmaps).
fn bit_msb(bits: &[u8], i: usize) -> bool {
    bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
}

/// Which row event this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowsKind {
    /// WRITE_ROWS: after images.
    Write,
    /// UPDATE_ROWS: before and after images.
    Update,
    /// DELETE_ROWS: before images.
    Delete,
    /// PARTIAL_UPDATE_ROWS: before images and after images whose JSON columns may be diffs.
    PartialUpdate,
}

/// Rows flag: last event of a statement.
pub const ROWS_FLAG_STMT_END: u16 = 0x1;

/// A rows event: its table and the still-encoded rows, decoded lazily by [`RowsEvent::rows`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowsEvent {
    /// Write, update, delete or partial update.
    pub kind: RowsKind,
    /// Table id from the event.
    pub table_id: u64,
    /// Flags (`ROWS_FLAG_*`).
    pub flags: u16,
    /// v2 extra row info (NDB or partition info), raw.
    pub extra: Bytes,
    /// The table as its TABLE_MAP described it.
    pub table: Arc<TableMap>,
    /// Number of columns in the event (may be fewer than the table's with MINIMAL images).
    pub column_count: usize,
    /// Columns present in the before image (or the only image).
    present: Bytes,
    /// Columns present in the after image of an update.
    present_after: Option<Bytes>,
    /// The row data.
    data: Bytes,
    /// Number of columns present in the before (or only) image and in the after image.
    present_counts: (usize, usize),
    /// Pre-GA 5.1 row images copy the table record's null bytes, whose bit 0 is a reserved
    /// bit: column `n`'s null flag is bit `n + 1`.
    record_null_bits: bool,
}

/// One decoded row change. Values are aligned with the table's columns; columns the event did
/// not carry are [`Value::Unchanged`].
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Before image (update, delete).
    pub before: Option<Vec<Value>>,
    /// After image (write, update).
    pub after: Option<Vec<Value>>,
}

impl RowsEvent {
    pub(crate) fn parse(
        body: &Bytes,
        kind: RowsKind,
        v2: bool,
        post_header_len: u8,
        table_for: impl FnOnce(u64) -> Result<Arc<TableMap>>,
        decompress: bool,
        pre_ga: bool,
    ) -> Result<RowsEvent> {
        let mut c = Cursor::new(body);
        let table_id = if post_header_len == 6 {
            u64::from(c.u32()?)
        } else {
            c.u48()?
        };
        let flags = c.u16()?;
        let extra = if v2 {
            let len = usize::from(c.u16()?);
            let r = c.take_range(
                len.checked_sub(2)
                    .ok_or_else(|| Error::malformed("rows v2 extra data length below 2"))?,
            )?;
            body.slice(r)
        } else {
            Bytes::new()
        };
        let table = table_for(table_id)?;
        let column_count = c.packed_len()?;
        if column_count > table.columns.len() {
            return Err(Error::malformed(format!(
                "rows event has {column_count} columns, its TABLE_MAP {}",
                table.columns.len()
            )));
        }
        let nbytes = column_count.div_ceil(8);
        let present = body.slice(c.take_range(nbytes)?);
        let present_after = match kind {
            // pre-GA update events had one column bitmap for both images
            RowsKind::Update if pre_ga => Some(present.clone()),
            RowsKind::Update | RowsKind::PartialUpdate => Some(body.slice(c.take_range(nbytes)?)),
            _ => None,
        };
        // MariaDB's compressed rows events compress only the row data after the bitmaps.
        let data = if decompress {
            Bytes::from(crate::compress::maria_uncompress(c.take_rest())?)
        } else {
            body.slice(c.position()..)
        };
        let count = |bits: &[u8]| (0..column_count).filter(|i| bit_lsb(bits, *i)).count();
        let present_counts = (count(&present), present_after.as_deref().map_or(0, count));
        Ok(RowsEvent {
            present_counts,
            record_null_bits: pre_ga,
            kind,
            table_id,
            flags,
            extra,
            table,
            column_count,
            present,
            present_after,
            data,
        })
    }

    /// True when this is the last rows event of its statement.
    pub fn is_statement_end(&self) -> bool {
        self.flags & ROWS_FLAG_STMT_END != 0
    }

    /// The encoded row data (for callers that decode themselves).
    pub fn raw_rows(&self) -> &Bytes {
        &self.data
    }

    /// Decodes the rows one by one.
    pub fn rows(&self) -> RowIter<'_> {
        RowIter {
            ev: self,
            pos: 0,
            failed: false,
        }
    }

    fn decode_image(
        &self,
        cur: &mut Cursor<'_>,
        after_image: bool,
        present: &[u8],
        partial_json: Option<&[u8]>,
        json_ranges: Option<&mut Vec<Option<Range<usize>>>>,
    ) -> Result<Vec<Value>> {
        // For partial JSON updates: the before image records where each JSON column's binary
        // document lies in `self.data`; the after image applies its diffs to those bytes.
        let mut json_ranges = json_ranges;
        let table = &self.table;
        let ncols = table.columns.len();
        let present_count = if after_image {
            self.present_counts.1
        } else {
            self.present_counts.0
        };
        let null_shift = usize::from(self.record_null_bits);
        let nulls = cur.take((present_count + null_shift).div_ceil(8))?;
        let mut values = Vec::with_capacity(ncols);
        let mut n = 0usize; // index among present columns
        // Partial-update bits: bit k belongs to the table's k-th JSON column, present or not.
        let partial_cols: Vec<bool> = match partial_json {
            Some(bits) => {
                let mut k = 0usize;
                table
                    .columns
                    .iter()
                    .map(|c| {
                        let is_json = c.type_code == types::JSON;
                        let p = is_json && bit_lsb(bits, k);
                        k += usize::from(is_json);
                        p
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        for (i, col) in table.columns.iter().enumerate() {
            let partial = partial_cols.get(i).copied().unwrap_or(false);
            if i >= self.column_count || !bit_lsb(present, i) {
                values.push(Value::Unchanged);
                continue;
            }
            let is_null = bit_lsb(nulls, n + null_shift);
            n += 1;
            if is_null {
                values.push(Value::Null);
                continue;
            }
            let v = if partial {
                let len = cur.uint_n(usize::from(col.meta.clamp(1, 4)))?;
                let len = usize::try_from(len).map_err(|_| Error::malformed("diff length"))?;
                let diff = cur.take(len)?;
                let base = json_ranges
                    .as_deref()
                    .and_then(|r| r.get(i).cloned().flatten())
                    .and_then(|r| self.data.get(r));
                match base {
                    Some(before) => Value::Json(crate::json::apply_json_diffs(before, diff)?),
                    // No old value to apply the edits to (MINIMAL before image): pass them on.
                    None => Value::JsonPatch(parse_json_diffs(diff)?),
                }
            } else {
                let start = cur.position();
                let v = crate::value::decode_value(&self.data, cur, col)
                    .map_err(|e| e.in_column(i, col.name.as_deref()))?;
                if !after_image
                    && col.type_code == types::JSON
                    && let Some(ranges) = json_ranges.as_deref_mut()
                {
                    // the document follows its length prefix of `meta` bytes
                    ranges.resize(table.columns.len(), None);
                    if let Some(slot) = ranges.get_mut(i) {
                        *slot = Some(start + usize::from(col.meta)..cur.position());
                    }
                }
                v
            };
            values.push(v);
        }
        Ok(values)
    }

    fn decode_row(&self, cur: &mut Cursor<'_>) -> Result<Row> {
        match self.kind {
            RowsKind::Write => Ok(Row {
                before: None,
                after: Some(self.decode_image(cur, false, &self.present, None, None)?),
            }),
            RowsKind::Delete => Ok(Row {
                before: Some(self.decode_image(cur, false, &self.present, None, None)?),
                after: None,
            }),
            RowsKind::Update | RowsKind::PartialUpdate => {
                let mut json_ranges = Vec::new();
                let record = (self.kind == RowsKind::PartialUpdate).then_some(&mut json_ranges);
                let before = self.decode_image(cur, false, &self.present, None, record)?;
                let after_bits = self.present_after.as_deref().unwrap_or_default();
                let partial_bits = if self.kind == RowsKind::PartialUpdate {
                    let options = cur.packed_int()?;
                    if options & 1 != 0 {
                        let json_cols = self
                            .table
                            .columns
                            .iter()
                            .filter(|c| c.type_code == types::JSON)
                            .count();
                        Some(cur.take(json_cols.div_ceil(8))?)
                    } else {
                        None
                    }
                } else {
                    None
                };
                let after =
                    self.decode_image(cur, true, after_bits, partial_bits, Some(&mut json_ranges))?;
                Ok(Row {
                    before: Some(before),
                    after: Some(after),
                })
            }
        }
    }
}

/// Reads a partial-update diff list (operation byte, packed path length and path, and for
/// REPLACE/INSERT a packed value length and binary JSON value) into patch operations.
fn parse_json_diffs(diffs: &[u8]) -> Result<Vec<JsonPatchOp>> {
    let mut c = Cursor::new(diffs);
    let mut ops = Vec::new();
    while !c.is_empty() {
        let kind = match c.u8()? {
            0 => JsonPatchKind::Replace,
            1 => JsonPatchKind::Insert,
            2 => JsonPatchKind::Remove,
            other => {
                return Err(Error::malformed(format!(
                    "unknown JSON diff operation {other}"
                )));
            }
        };
        let n = c.packed_len()?;
        let path = String::from_utf8_lossy(c.take(n)?).into_owned();
        let value = if kind == JsonPatchKind::Remove {
            None
        } else {
            let n = c.packed_len()?;
            Some(crate::json::json_to_text(c.take(n)?)?)
        };
        ops.push(JsonPatchOp { kind, path, value });
    }
    Ok(ops)
}

/// Iterator over the rows of a [`RowsEvent`]; stops after the first error.
#[derive(Debug)]
pub struct RowIter<'a> {
    ev: &'a RowsEvent,
    pos: usize,
    failed: bool,
}

impl Iterator for RowIter<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.ev.data.len() {
            return None;
        }
        let mut cur = Cursor::new(&self.ev.data);
        if let Err(e) = cur.skip(self.pos) {
            self.failed = true;
            return Some(Err(e));
        }
        match self.ev.decode_row(&mut cur) {
            // A row of no bytes (no columns present) would repeat forever on leftover data.
            Ok(_) if cur.position() == self.pos => {
                self.failed = true;
                let table = &self.ev.table;
                Some(Err(Error::malformed(format!(
                    "rows event has {} bytes of rows whose images carry no columns",
                    self.ev.data.len() - self.pos
                ))
                .in_table(|| table.full_name())))
            }
            Ok(row) => {
                self.pos = cur.position();
                Some(Ok(row))
            }
            Err(e) => {
                self.failed = true;
                let table = &self.ev.table;
                Some(Err(e.in_table(|| table.full_name())))
            }
        }
    }
}

/// Character set of a column, for callers: the resolved charset, `Binary` for binary
/// collations, `None` when unknown.
pub fn column_charset(col: &ColumnDesc) -> Option<&Charset> {
    col.charset.as_ref()
}
