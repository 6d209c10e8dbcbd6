//! MySQL / MariaDB: multi-row `INSERT` for full loads, `INSERT ... ON DUPLICATE KEY UPDATE`,
//! deletes by key and in-place updates for incremental changes, as SQL text with exact
//! literals.
//!
//! Literals never pass through a lossy form: integers and decimals as their digits, floats as
//! the shortest decimal that reads back as the same IEEE value (`FLOAT`s widened exactly to
//! double first), binary strings as `X'…'` hex, text that is not valid UTF-8 as hex with a
//! character-set introducer (`_latin1 X'E9'`), temporals with all six fractional digits they
//! hold, and MySQL's zero dates as `'0000-00-00'`. The literals assume the session that
//! [`MySqlEncoder::session_setup`] prepares: `utf8mb4` connection, backslash escapes on, zero
//! dates allowed, and time zone UTC for `TIMESTAMP` values.
//!
//! ```
//! use cdc_encode::sql::mysql::literal;
//! use cdc_model::{Bytes, Charset, Text, Value};
//! let lit = |v: Value| { let mut s = String::new(); literal(&v, &mut s).map(|()| s) };
//! assert_eq!(lit(Value::text("it's a \\ test\n"))?, r"'it\'s a \\ test\n'");
//! assert_eq!(lit(Value::Bytes(Bytes::from_static(b"\x00\xff")))?, "X'00FF'");
//! assert_eq!(lit(Value::Text(Text::new(Bytes::from_static(b"caf\xe9"), Charset::Latin1)))?,
//!            "_latin1 X'636166E9'");
//! assert_eq!(lit(Value::Double(0.1))?, "1e-1");
//! assert_eq!(lit(Value::Float(0.1))?, "1.0000000149011612e-1");
//! assert_eq!(lit(Value::DateTime("2024-02-29 23:59:59.000001".parse()?))?,
//!            "'2024-02-29 23:59:59.000001'");
//! assert_eq!(lit(Value::Date(cdc_model::Date::ZERO))?, "'0000-00-00'");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use cdc_model::{Decimal, RowImage, TableId, TableSchema, Text, Value};

use super::{Error, ErrorKind, Step, kind_name, quote_ident};

/// Limits on the statements built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MySqlOptions {
    /// Most rows in one `INSERT` or `DELETE`.
    pub max_rows: usize,
    /// A statement is closed once it reaches this many bytes (keep it under the server's
    /// `max_allowed_packet`). A single row longer than this still makes one statement.
    pub max_statement_bytes: usize,
}

impl Default for MySqlOptions {
    fn default() -> Self {
        MySqlOptions {
            max_rows: 1000,
            max_statement_bytes: 4 << 20,
        }
    }
}

/// A target table: database, name, column names (aligned with the source schema) and key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MySqlTable {
    source: TableId,
    database: String,
    name: String,
    columns: Vec<String>,
    key: Vec<usize>,
}

impl MySqlTable {
    /// The target for a source table: same names, key from
    /// [`TableSchema::identity_columns`] (empty when none).
    pub fn for_schema(schema: &TableSchema) -> MySqlTable {
        MySqlTable {
            source: schema.id.clone(),
            database: schema.id.schema.clone(),
            name: schema.id.name.clone(),
            columns: schema.columns.iter().map(|c| c.name.clone()).collect(),
            key: schema.identity_columns().unwrap_or_default(),
        }
    }

    /// The same table under another database and name in the target.
    pub fn renamed(mut self, database: impl Into<String>, name: impl Into<String>) -> MySqlTable {
        self.database = database.into();
        self.name = name.into();
        self
    }

    /// Renames column `column` (by source position); false when there is no such column.
    pub fn rename_column(&mut self, column: usize, name: impl Into<String>) -> bool {
        match self.columns.get_mut(column) {
            Some(c) => {
                *c = name.into();
                true
            }
            None => false,
        }
    }

    /// `` `db`.`name` ``.
    pub fn qualified_name(&self) -> Result<String, Error> {
        let q = |s: &str| quote_ident(s, '`').map_err(|k| Error::new(&self.source, None, k));
        Ok(format!("{}.{}", q(&self.database)?, q(&self.name)?))
    }

    fn quoted_column(&self, i: usize) -> Result<String, Error> {
        let name = self.columns.get(i).map_or("", String::as_str);
        quote_ident(name, '`').map_err(|k| Error::new(&self.source, Some(name), k))
    }

    fn column_list(&self, cols: impl Iterator<Item = usize>) -> Result<String, Error> {
        let mut s = String::new();
        for (n, i) in cols.enumerate() {
            if n > 0 {
                s.push(',');
            }
            s.push_str(&self.quoted_column(i)?);
        }
        Ok(s)
    }

    fn check_len(&self, row: &RowImage) -> Result<(), Error> {
        if row.len() != self.columns.len() {
            return Err(Error::new(
                &self.source,
                None,
                ErrorKind::RowLength {
                    got: row.len(),
                    expected: self.columns.len(),
                },
            ));
        }
        Ok(())
    }

    fn need_key(&self) -> Result<(), Error> {
        if self.key.is_empty() {
            return Err(Error::new(&self.source, None, ErrorKind::NoKey));
        }
        Ok(())
    }

    fn lit(&self, col: usize, v: &Value, out: &mut String) -> Result<(), Error> {
        literal(v, out).map_err(|k| {
            Error::new(
                &self.source,
                Some(self.columns.get(col).map_or("", String::as_str)),
                k,
            )
        })
    }
}

/// Turns [`Step`]s (and full-load rows) into MySQL statements.
///
/// Upserts use `ON DUPLICATE KEY UPDATE c = VALUES(c)`, which MySQL 5.7/8.x and MariaDB all
/// accept. With secondary unique keys, a duplicate on one of them updates that row instead
/// (MySQL's semantics); see [`super::Batcher`] for what batching assumes about keys.
#[derive(Debug, Default)]
pub struct MySqlEncoder {
    tables: HashMap<TableId, MySqlTable>,
    options: MySqlOptions,
}

impl MySqlEncoder {
    /// An encoder with default limits, every table mapped by [`MySqlTable::for_schema`].
    pub fn new() -> MySqlEncoder {
        MySqlEncoder::default()
    }

    /// An encoder with these limits.
    pub fn with_options(options: MySqlOptions) -> MySqlEncoder {
        MySqlEncoder {
            tables: HashMap::new(),
            options,
        }
    }

    /// Uses `table` for changes of its source table.
    pub fn register(&mut self, table: MySqlTable) {
        self.tables.insert(table.source.clone(), table);
    }

    /// What to run once per session before applying: `utf8mb4`, foreign-key checks off (rows
    /// arrive in batches, not in the source's order across tables), an SQL mode with
    /// backslash escapes, zero dates and explicit zeros in `AUTO_INCREMENT` columns allowed
    /// and strictness on (so out-of-range values fail instead of being clipped), and UTC as
    /// the time zone of `TIMESTAMP` literals.
    pub fn session_setup() -> &'static [&'static str] {
        &[
            "SET NAMES utf8mb4",
            "SET FOREIGN_KEY_CHECKS=0",
            "SET SESSION sql_mode='STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
            "SET time_zone='+00:00'",
        ]
    }

    fn table(&mut self, schema: &TableSchema) -> &MySqlTable {
        self.tables
            .entry(schema.id.clone())
            .or_insert_with(|| MySqlTable::for_schema(schema))
    }

    /// Plain multi-row `INSERT`s of full rows (a full load into empty tables).
    pub fn insert_statements(
        &mut self,
        schema: &TableSchema,
        rows: &[RowImage],
    ) -> Result<Vec<String>, Error> {
        let options = self.options;
        let table = self.table(schema);
        let head = format!(
            "INSERT INTO {} ({}) VALUES ",
            table.qualified_name()?,
            table.column_list(0..table.columns.len())?
        );
        let mut out = Vec::new();
        rows_into(table, rows, &head, "", options, &mut out)?;
        Ok(out)
    }

    /// The statements for `steps`, in order.
    pub fn statements(&mut self, steps: &[Step]) -> Result<Vec<String>, Error> {
        let options = self.options;
        let mut out = Vec::new();
        for step in steps {
            let table = self.table(step.table());
            table.need_key()?;
            match step {
                Step::Upsert { rows, .. } => {
                    let n = table.columns.len();
                    let head = format!(
                        "INSERT INTO {} ({}) VALUES ",
                        table.qualified_name()?,
                        table.column_list(0..n)?
                    );
                    let mut tail = String::from(" ON DUPLICATE KEY UPDATE ");
                    let rest: Vec<usize> = (0..n).filter(|i| !table.key.contains(i)).collect();
                    let set = if rest.is_empty() { &table.key } else { &rest };
                    for (k, &i) in set.iter().enumerate() {
                        if k > 0 {
                            tail.push(',');
                        }
                        let c = table.quoted_column(i)?;
                        let _ = write!(tail, "{c}=VALUES({c})");
                    }
                    rows_into(table, rows, &head, &tail, options, &mut out)?;
                }
                Step::Delete { keys, .. } => delete(table, keys, options, &mut out)?,
                Step::Update { key, row, .. } => {
                    if let Some(s) = update(table, key, row)? {
                        out.push(s);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// `head (row),(row)... tail`, split by the row and byte limits.
fn rows_into(
    table: &MySqlTable,
    rows: &[RowImage],
    head: &str,
    tail: &str,
    options: MySqlOptions,
    out: &mut Vec<String>,
) -> Result<(), Error> {
    let mut sql = String::new();
    let mut in_stmt = 0usize;
    let mut tuple = String::new();
    for row in rows {
        table.check_len(row)?;
        tuple.clear();
        tuple.push('(');
        for (i, v) in row.values.iter().enumerate() {
            if i > 0 {
                tuple.push(',');
            }
            table.lit(i, v, &mut tuple)?;
        }
        tuple.push(')');
        if in_stmt > 0
            && (in_stmt >= options.max_rows
                || sql.len() + tuple.len() + tail.len() + 1 > options.max_statement_bytes)
        {
            sql.push_str(tail);
            out.push(std::mem::take(&mut sql));
            in_stmt = 0;
        }
        if in_stmt == 0 {
            sql.push_str(head);
        } else {
            sql.push(',');
        }
        sql.push_str(&tuple);
        in_stmt += 1;
    }
    if in_stmt > 0 {
        sql.push_str(tail);
        out.push(sql);
    }
    Ok(())
}

fn delete(
    table: &MySqlTable,
    keys: &[Vec<Value>],
    options: MySqlOptions,
    out: &mut Vec<String>,
) -> Result<(), Error> {
    let single = table.key.len() == 1;
    let cols = table.column_list(table.key.iter().copied())?;
    let head = if single {
        format!("DELETE FROM {} WHERE {cols} IN (", table.qualified_name()?)
    } else {
        format!(
            "DELETE FROM {} WHERE ({cols}) IN (",
            table.qualified_name()?
        )
    };
    let mut sql = String::new();
    let mut in_stmt = 0usize;
    let mut tuple = String::new();
    for key in keys {
        tuple.clear();
        if !single {
            tuple.push('(');
        }
        for (n, &col) in table.key.iter().enumerate() {
            if n > 0 {
                tuple.push(',');
            }
            table.lit(col, key.get(n).unwrap_or(&Value::Unchanged), &mut tuple)?;
        }
        if !single {
            tuple.push(')');
        }
        if in_stmt > 0
            && (in_stmt >= options.max_rows
                || sql.len() + tuple.len() + 2 > options.max_statement_bytes)
        {
            sql.push(')');
            out.push(std::mem::take(&mut sql));
            in_stmt = 0;
        }
        if in_stmt == 0 {
            sql.push_str(&head);
        } else {
            sql.push(',');
        }
        sql.push_str(&tuple);
        in_stmt += 1;
    }
    if in_stmt > 0 {
        sql.push(')');
        out.push(sql);
    }
    Ok(())
}

fn update(table: &MySqlTable, key: &[Value], row: &RowImage) -> Result<Option<String>, Error> {
    table.check_len(row)?;
    let mut sql = format!("UPDATE {} SET ", table.qualified_name()?);
    let mut any = false;
    for (i, v) in row.values.iter().enumerate() {
        if v.is_unchanged() {
            continue;
        }
        if any {
            sql.push(',');
        }
        any = true;
        let _ = write!(sql, "{}=", table.quoted_column(i)?);
        table.lit(i, v, &mut sql)?;
    }
    if !any {
        return Ok(None);
    }
    sql.push_str(" WHERE ");
    for (n, &col) in table.key.iter().enumerate() {
        if n > 0 {
            sql.push_str(" AND ");
        }
        let _ = write!(sql, "{}=", table.quoted_column(col)?);
        table.lit(col, key.get(n).unwrap_or(&Value::Unchanged), &mut sql)?;
    }
    Ok(Some(sql))
}

/// Appends the exact MySQL literal of `v` (see the [module docs](self) for the session it
/// assumes).
///
/// PostgreSQL-only kinds without a MySQL counterpart (`timetz`, `interval`, `inet`,
/// `macaddr`, `uuid`, `money`) are written as their exact text, for the text or
/// `UUID`/`INET6` columns a type mapping gives them; arrays are refused.
pub fn literal(v: &Value, out: &mut String) -> Result<(), ErrorKind> {
    let invalid = |what: String| Err(ErrorKind::Invalid(what));
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Unchanged => return Err(ErrorKind::Incomplete("unchanged")),
        Value::JsonPatch(_) => return Err(ErrorKind::Incomplete("partial json")),
        Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Year(y) => {
            let _ = write!(out, "{y}");
        }
        Value::Float(f) => float(f64::from(*f), out)?,
        Value::Double(d) => float(*d, out)?,
        Value::Decimal(d) => {
            if d.is_nan() || d.is_infinite() {
                return invalid(format!("MySQL has no decimal {d}"));
            }
            let _ = write!(out, "{d}");
        }
        Value::Money(m) => {
            let _ = write!(out, "{}", Decimal::from_i128(i128::from(*m), 2));
        }
        Value::Date(d) => {
            if d.is_infinite() || !(0..=9999).contains(&d.year) {
                return invalid(format!("date {d} is outside MySQL's years 0 to 9999"));
            }
            let _ = write!(out, "'{d}'");
        }
        Value::Time(t) => {
            let _ = write!(out, "'{t}'");
        }
        Value::DateTime(dt) => {
            if dt.date.is_infinite() || !(0..=9999).contains(&dt.date.year) {
                return invalid(format!("datetime {dt} is outside MySQL's years 0 to 9999"));
            }
            let _ = write!(out, "'{dt}'");
        }
        Value::Timestamp(ts) => {
            if ts.is_zero() {
                out.push_str("'0000-00-00 00:00:00'");
            } else if ts.is_infinite() {
                return invalid(format!("MySQL has no timestamp {ts}"));
            } else {
                let utc = ts.to_utc();
                if !(0..=9999).contains(&utc.date.year) {
                    return invalid(format!("timestamp {ts} is outside MySQL's years"));
                }
                let _ = write!(out, "'{utc}'");
            }
        }
        Value::TimeTz(t) => quoted(&t.to_string(), out),
        Value::Interval(i) => quoted(&i.to_string(), out),
        Value::Inet(i) => quoted(&i.to_string(), out),
        Value::Uuid(u) => quoted(&u.to_string(), out),
        Value::MacAddr(m) => {
            let s: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
            quoted(&s.join(":"), out);
        }
        Value::Text(t) => text(t, out)?,
        Value::Bytes(b) => hex(b, out),
        Value::Bit(b) => {
            let _ = write!(out, "b'{b}'");
        }
        Value::Enum(e) => match (&e.label, e.index) {
            (Some(l), _) => quoted(l, out),
            (None, Some(i)) => {
                let _ = write!(out, "{i}");
            }
            (None, None) => quoted("", out),
        },
        Value::Set(s) => match &s.labels {
            Some(l) => quoted(&l.join(","), out),
            None => {
                let _ = write!(out, "{}", s.bits);
            }
        },
        Value::Json(j) => quoted(j, out),
        Value::Geometry(g) => {
            out.push_str("ST_GeomFromWKB(");
            hex(&g.wkb, out);
            let _ = write!(out, ",{})", g.srid);
        }
        Value::Vector(xs) => {
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            hex(&bytes, out);
        }
        Value::Array(_) => {
            return Err(ErrorKind::Unsupported {
                value: kind_name(v),
                target: "a MySQL literal".into(),
            });
        }
    }
    Ok(())
}

/// The shortest decimal that reads back as `d` (MySQL's parser rounds correctly).
fn float(d: f64, out: &mut String) -> Result<(), ErrorKind> {
    if !d.is_finite() {
        return Err(ErrorKind::Invalid(format!("MySQL has no float {d}")));
    }
    let _ = write!(out, "{d:e}");
    Ok(())
}

fn hex(bytes: &[u8], out: &mut String) {
    let nibble = |n: u8| char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 });
    out.reserve(bytes.len() * 2 + 3);
    out.push_str("X'");
    for b in bytes {
        out.push(nibble(b >> 4));
        out.push(nibble(b & 15));
    }
    out.push('\'');
}

fn text(t: &Text, out: &mut String) -> Result<(), ErrorKind> {
    if let Some(s) = t.as_str() {
        quoted(s, out);
        return Ok(());
    }
    let name = t.charset.name();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(ErrorKind::Invalid(format!(
            "text in character set {name:?} has no MySQL introducer"
        )));
    }
    if name != "binary" {
        let _ = write!(out, "_{name} ");
    }
    hex(&t.bytes, out);
    Ok(())
}

/// A single-quoted string with MySQL's backslash escapes.
fn quoted(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("\\0"),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x1a' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
}
