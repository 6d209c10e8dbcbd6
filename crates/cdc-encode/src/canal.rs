//! Canal JSON "flat messages", the format Alibaba Canal (and DTS, Flink, Kafka Connect
//! converters) put on Kafka for MySQL changes.
//!
//! One message per row change:
//!
//! ```json
//! {"data":[{"id":"1","name":"a"}],"database":"shop","es":1700000000000,"id":1,"isDdl":false,
//!  "mysqlType":{"id":"int","name":"varchar(20)"},"old":[{"name":"b"}],"pkNames":["id"],
//!  "sql":"","sqlType":{"id":4,"name":12},"table":"t","ts":1700000000123,"type":"UPDATE"}
//! ```
//!
//! - `data`: the row (after image for INSERT/UPDATE, before image for DELETE), column order,
//!   every value a string or `null` for SQL NULL. A column the source did not send in an
//!   UPDATE's after image takes the before image's value when that was sent (unchanged means
//!   equal), and is left out otherwise.
//! - `old`: UPDATE only: the before values of the columns whose value changed (only columns
//!   sent in both images); `null` for INSERT/DELETE and for an UPDATE without a before image.
//! - `mysqlType`: each column's declared type ([`crate::common::declared_type`]); `sqlType`:
//!   its `java.sql.Types` code ([`crate::common::java_sql_type`]).
//! - `pkNames`: the primary key's columns, `null` when the table has none.
//! - `es`: the commit time in milliseconds (0 when unknown); `ts`: the build time the caller
//!   passes in (the encoder reads no clock); `id`: a per-encoder counter, like Canal's batch id.
//! - DDL: `isDdl` true, `sql` the statement, `data`/`old`/`mysqlType`/`sqlType`/`pkNames`
//!   `null`, `type` by the statement's first words: `CREATE` (table), `ALTER`, `ERASE` (drop
//!   table), `TRUNCATE`, `RENAME`, `CINDEX` (create index), `DINDEX` (drop index), else
//!   `QUERY`. `database` is the statement's schema qualifier, else the session schema;
//!   `table` the table it names (empty when none is recognised).
//! - A truncate becomes one `TRUNCATE` DDL message per table.
//! - BEGIN, COMMIT and heartbeats have no flat message: they encode to nothing.
//!
//! Values use [`crate::common::value_text`], with two Canal-specific rules: binary data (and
//! geometry, MySQL's SRID + WKB) as ISO-8859-1 text, one character per byte, as Canal does;
//! and `FLOAT`/`DOUBLE` as Java's `Float.toString`/`Double.toString` print them (shortest
//! round-trip digits, `1.0` for integral values, `1.0E7` and `1.0E-4` outside
//! `[0.001, 10^7)`), since Canal is a Java program.

use std::fmt::Write as _;

use cdc_model::{Change, ChangeEvent, ColumnType, TableSchema, Value};

use crate::common::{
    self, BinaryText, EncodeError, Message, MessageKind, declared_type, java_sql_type,
    unrepresentable,
};

const FORMAT: &str = "canal-json";

/// Turns change events into Canal flat messages. Holds only the message counter.
#[derive(Debug, Clone)]
pub struct CanalEncoder {
    next_id: i64,
}

impl Default for CanalEncoder {
    fn default() -> Self {
        CanalEncoder::new(1)
    }
}

impl CanalEncoder {
    /// An encoder whose first message has id `first_id`.
    pub fn new(first_id: i64) -> CanalEncoder {
        CanalEncoder { next_id: first_id }
    }

    /// The flat messages of `event` (none for BEGIN/COMMIT/heartbeat, one per table for a
    /// truncate, one otherwise). `ts_ms` is the build time written to `ts`.
    pub fn encode(&mut self, event: &ChangeEvent, ts_ms: i64) -> Result<Vec<Message>, EncodeError> {
        let es = event
            .commit_time
            .filter(|t| !t.is_zero() && !t.is_infinite())
            .map(|t| t.unix_micros().div_euclid(1000));
        let position = event.position.to_string();
        let mk = |kind, identity, value: Vec<u8>| Message {
            kind,
            key: None,
            identity,
            value: Some(value),
            headers: Vec::new(),
            position: position.clone(),
            timestamp_ms: es,
        };
        let mut out = Vec::new();
        match &event.change {
            Change::Begin | Change::Commit | Change::Heartbeat => {}
            Change::Insert { table, after } => {
                let id = self.take_id();
                let v = row_message(id, table, "INSERT", &after.values, None, es, ts_ms)?;
                let ident = common::identity_text(FORMAT, table, &after.values)?;
                out.push(mk(row_kind(table), ident, v));
            }
            Change::Delete { table, before } => {
                let id = self.take_id();
                let v = row_message(id, table, "DELETE", &before.values, None, es, ts_ms)?;
                let ident = common::identity_text(FORMAT, table, &before.values)?;
                out.push(mk(row_kind(table), ident, v));
            }
            Change::Update {
                table,
                before,
                after,
            } => {
                let id = self.take_id();
                // Unchanged columns of the after image take the before image's value.
                let merged: Vec<Value>;
                let data = match before {
                    Some(b) if after.values.iter().any(Value::is_unchanged) => {
                        merged = after
                            .values
                            .iter()
                            .zip(b.values.iter().chain(std::iter::repeat(&Value::Unchanged)))
                            .map(|(a, b)| {
                                if a.is_unchanged() {
                                    b.clone()
                                } else {
                                    a.clone()
                                }
                            })
                            .collect();
                        &merged[..]
                    }
                    _ => &after.values[..],
                };
                let old = before.as_ref().map(|b| &b.values[..]);
                let v = row_message(id, table, "UPDATE", data, Some(old), es, ts_ms)?;
                let ident_src = before
                    .as_ref()
                    .filter(|b| !b.values.iter().all(Value::is_unchanged))
                    .map_or(data, |b| &b.values[..]);
                let ident = common::identity_text(FORMAT, table, ident_src)?;
                out.push(mk(row_kind(table), ident, v));
            }
            Change::Truncate { tables, .. } => {
                for t in tables {
                    let id = self.take_id();
                    let sql = format!("TRUNCATE TABLE `{}`.`{}`", t.schema, t.name);
                    let v = ddl_message(id, &t.schema, &t.name, "TRUNCATE", &sql, es, ts_ms);
                    out.push(mk(
                        MessageKind::Ddl {
                            schema: Some(t.schema.clone()),
                        },
                        Vec::new(),
                        v,
                    ));
                }
            }
            Change::Ddl(ddl) => {
                let id = self.take_id();
                let parsed = classify_ddl(&ddl.statement);
                let db = parsed
                    .schema
                    .clone()
                    .or_else(|| ddl.schema.clone())
                    .unwrap_or_default();
                let v = ddl_message(
                    id,
                    &db,
                    parsed.table.as_deref().unwrap_or(""),
                    parsed.kind,
                    &ddl.statement,
                    es,
                    ts_ms,
                );
                out.push(mk(
                    MessageKind::Ddl {
                        schema: ddl.schema.clone(),
                    },
                    Vec::new(),
                    v,
                ));
            }
        }
        Ok(out)
    }

    fn take_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }
}

fn row_kind(table: &TableSchema) -> MessageKind {
    MessageKind::Row {
        table: table.id.clone(),
    }
}

pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut s = String::new();
    let _ = write!(s, "{v}");
    out.extend_from_slice(s.as_bytes());
}

/// Java's `Float.toString`/`Double.toString` spelling of a float with the shortest
/// round-trip digits.
pub fn java_float_text(v: f64, single: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let abs = v.abs();
    if v == 0.0 || (1e-3..1e7).contains(&abs) {
        let mut s = common::float_text(v, single);
        if !s.contains('.') {
            s.push_str(".0");
        }
        return s;
    }
    #[allow(clippy::cast_possible_truncation)]
    let e = if single {
        format!("{:e}", v as f32)
    } else {
        format!("{v:e}")
    };
    match e.split_once('e') {
        Some((m, x)) if m.contains('.') => format!("{m}E{x}"),
        Some((m, x)) => format!("{m}.0E{x}"),
        None => e,
    }
}

fn canal_text(v: &Value, ty: &ColumnType) -> Result<Option<String>, String> {
    match v {
        Value::Float(f) => Ok(Some(java_float_text(f64::from(*f), true))),
        Value::Double(d) => Ok(Some(java_float_text(*d, false))),
        _ => common::value_text(v, ty, BinaryText::Latin1),
    }
}

fn push_row(
    out: &mut Vec<u8>,
    table: &TableSchema,
    values: &[Value],
    keep: impl Fn(usize) -> bool,
) -> Result<(), EncodeError> {
    out.push(b'{');
    let mut first = true;
    for (i, (c, v)) in table.columns.iter().zip(values).enumerate() {
        if v.is_unchanged() || !keep(i) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        push_json_str(out, &c.name);
        out.push(b':');
        match canal_text(v, &c.ty).map_err(|what| unrepresentable(FORMAT, table, c, what))? {
            Some(s) => push_json_str(out, &s),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
    Ok(())
}

fn row_message(
    id: i64,
    table: &TableSchema,
    kind: &str,
    data: &[Value],
    old: Option<Option<&[Value]>>,
    es: Option<i64>,
    ts: i64,
) -> Result<Vec<u8>, EncodeError> {
    common::check_width(FORMAT, table, data)?;
    let mut out = Vec::with_capacity(256 + 48 * data.len());
    out.extend_from_slice(b"{\"data\":[");
    push_row(&mut out, table, data, |_| true)?;
    out.extend_from_slice(b"],\"database\":");
    push_json_str(&mut out, &table.id.schema);
    out.extend_from_slice(b",\"es\":");
    push_i64(&mut out, es.unwrap_or(0));
    out.extend_from_slice(b",\"id\":");
    push_i64(&mut out, id);
    out.extend_from_slice(b",\"isDdl\":false,\"mysqlType\":{");
    for (i, c) in table.columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(&mut out, &c.name);
        out.push(b':');
        push_json_str(&mut out, &declared_type(c));
    }
    out.extend_from_slice(b"},\"old\":");
    match old {
        Some(Some(before)) => {
            common::check_width(FORMAT, table, before)?;
            out.push(b'[');
            push_row(&mut out, table, before, |i| {
                match (before.get(i), data.get(i)) {
                    (Some(b), Some(a)) => !a.is_unchanged() && !b.is_unchanged() && a != b,
                    _ => false,
                }
            })?;
            out.push(b']');
        }
        _ => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"pkNames\":");
    match &table.primary_key {
        Some(pk) => {
            out.push(b'[');
            for (i, k) in pk.columns.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_json_str(&mut out, &k.column);
            }
            out.push(b']');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"sql\":\"\",\"sqlType\":{");
    for (i, c) in table.columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(&mut out, &c.name);
        out.push(b':');
        push_i64(&mut out, i64::from(java_sql_type(&c.ty)));
    }
    out.extend_from_slice(b"},\"table\":");
    push_json_str(&mut out, &table.id.name);
    out.extend_from_slice(b",\"ts\":");
    push_i64(&mut out, ts);
    out.extend_from_slice(b",\"type\":");
    push_json_str(&mut out, kind);
    out.push(b'}');
    Ok(out)
}

fn ddl_message(
    id: i64,
    db: &str,
    table: &str,
    kind: &str,
    sql: &str,
    es: Option<i64>,
    ts: i64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(160 + sql.len());
    out.extend_from_slice(b"{\"data\":null,\"database\":");
    push_json_str(&mut out, db);
    out.extend_from_slice(b",\"es\":");
    push_i64(&mut out, es.unwrap_or(0));
    out.extend_from_slice(b",\"id\":");
    push_i64(&mut out, id);
    out.extend_from_slice(
        b",\"isDdl\":true,\"mysqlType\":null,\"old\":null,\"pkNames\":null,\"sql\":",
    );
    push_json_str(&mut out, sql);
    out.extend_from_slice(b",\"sqlType\":null,\"table\":");
    push_json_str(&mut out, table);
    out.extend_from_slice(b",\"ts\":");
    push_i64(&mut out, ts);
    out.extend_from_slice(b",\"type\":");
    push_json_str(&mut out, kind);
    out.push(b'}');
    out
}

/// What [`classify_ddl`] found in a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlInfo {
    /// Canal's event type: `CREATE`, `ALTER`, `ERASE`, `TRUNCATE`, `RENAME`, `CINDEX`,
    /// `DINDEX` or `QUERY`.
    pub kind: &'static str,
    /// The schema qualifier of the table the statement names.
    pub schema: Option<String>,
    /// The table the statement names.
    pub table: Option<String>,
}

/// Reads the statement's leading words (comments and case ignored) to classify a DDL the way
/// Canal does, and to find the table it is about. Anything not recognised is `QUERY`.
pub fn classify_ddl(sql: &str) -> DdlInfo {
    let mut words = Tokens::new(sql);
    let w = |t: Option<String>| t.map(|s| s.to_ascii_uppercase()).unwrap_or_default();
    let first = w(words.next());
    let mut info = DdlInfo {
        kind: "QUERY",
        schema: None,
        table: None,
    };
    let name_after = |words: &mut Tokens<'_>, skip_if: &[&str]| {
        let mut t = words.next();
        while let Some(x) = &t {
            if skip_if.iter().any(|s| x.eq_ignore_ascii_case(s)) {
                t = words.next();
            } else {
                break;
            }
        }
        t.map(split_name)
    };
    match first.as_str() {
        "CREATE" => {
            let mut second = w(words.next());
            while matches!(second.as_str(), "TEMPORARY" | "OR" | "REPLACE") {
                second = w(words.next());
            }
            match second.as_str() {
                "TABLE" => {
                    info.kind = "CREATE";
                    (info.schema, info.table) =
                        name_after(&mut words, &["IF", "NOT", "EXISTS"]).unwrap_or_default();
                }
                "INDEX" | "UNIQUE" | "FULLTEXT" | "SPATIAL" => {
                    info.kind = "CINDEX";
                    let mut t = words.next();
                    while let Some(x) = &t {
                        if x.eq_ignore_ascii_case("ON") {
                            break;
                        }
                        t = words.next();
                    }
                    (info.schema, info.table) = name_after(&mut words, &[]).unwrap_or_default();
                }
                _ => {}
            }
        }
        "ALTER" if w(words.next()) == "TABLE" => {
            info.kind = "ALTER";
            (info.schema, info.table) =
                name_after(&mut words, &["ONLY", "IF", "EXISTS"]).unwrap_or_default();
        }
        "DROP" => match w(words.next()).as_str() {
            "TABLE" => {
                info.kind = "ERASE";
                (info.schema, info.table) =
                    name_after(&mut words, &["IF", "EXISTS"]).unwrap_or_default();
            }
            "INDEX" => {
                info.kind = "DINDEX";
                let mut t = words.next();
                while let Some(x) = &t {
                    if x.eq_ignore_ascii_case("ON") {
                        break;
                    }
                    t = words.next();
                }
                (info.schema, info.table) = name_after(&mut words, &[]).unwrap_or_default();
            }
            _ => {}
        },
        "TRUNCATE" => {
            info.kind = "TRUNCATE";
            (info.schema, info.table) = name_after(&mut words, &["TABLE"]).unwrap_or_default();
        }
        "RENAME" if w(words.next()) == "TABLE" => {
            info.kind = "RENAME";
            (info.schema, info.table) = name_after(&mut words, &[]).unwrap_or_default();
        }
        _ => {}
    }
    info
}

fn split_name(t: String) -> (Option<String>, Option<String>) {
    // Tokens keep `db`.`t` together; split on the dot outside backquotes.
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in t.chars() {
        match ch {
            '`' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    match parts.as_slice() {
        [s, n] => (Some(s.clone()), Some(n.clone())),
        [n] => (None, Some(n.clone())),
        _ => (None, None),
    }
}

/// Whitespace-separated words of SQL, skipping comments; a backquoted identifier (with dots
/// and spaces) stays one word; `(`, `,` and `;` end a word.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a str) -> Self {
        Tokens { rest: s }
    }
}

impl Iterator for Tokens<'_> {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        loop {
            self.rest = self.rest.trim_start();
            if let Some(r) = self.rest.strip_prefix("/*") {
                self.rest = r.split_once("*/").map_or("", |(_, b)| b);
            } else if self.rest.starts_with("--") || self.rest.starts_with('#') {
                self.rest = self.rest.split_once('\n').map_or("", |(_, b)| b);
            } else {
                break;
            }
        }
        if self.rest.is_empty() {
            return None;
        }
        let mut out = String::new();
        let mut quoted = false;
        let mut end = self.rest.len();
        for (i, ch) in self.rest.char_indices() {
            if ch == '`' {
                quoted = !quoted;
            } else if !quoted && (ch.is_whitespace() || matches!(ch, '(' | ',' | ';')) {
                end = if out.is_empty() { i + ch.len_utf8() } else { i };
                if out.is_empty() {
                    out.push(ch);
                }
                break;
            }
            out.push(ch);
        }
        self.rest = self.rest.get(end..).unwrap_or("");
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_kinds_and_tables() {
        let c = |s| {
            let d = classify_ddl(s);
            (d.kind, d.schema, d.table)
        };
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            c("CREATE TABLE IF NOT EXISTS `shop`.`my t`(id int)"),
            ("CREATE", some("shop"), some("my t"))
        );
        assert_eq!(
            c("/* x */ alter table t add column c int"),
            ("ALTER", None, some("t"))
        );
        assert_eq!(
            c("DROP TABLE IF EXISTS a.b"),
            ("ERASE", some("a"), some("b"))
        );
        assert_eq!(c("truncate t"), ("TRUNCATE", None, some("t")));
        assert_eq!(c("RENAME TABLE a TO b"), ("RENAME", None, some("a")));
        assert_eq!(
            c("CREATE UNIQUE INDEX ix ON s.t (a)"),
            ("CINDEX", some("s"), some("t"))
        );
        assert_eq!(c("DROP INDEX ix ON t"), ("DINDEX", None, some("t")));
        assert_eq!(c("CREATE DATABASE x"), ("QUERY", None, None));
        assert_eq!(c("GRANT ALL ON *.* TO u"), ("QUERY", None, None));
    }

    #[test]
    fn java_float_spelling() {
        assert_eq!(java_float_text(1.0, true), "1.0");
        assert_eq!(java_float_text(f64::from(5.3f32), true), "5.3");
        assert_eq!(java_float_text(1e7, false), "1.0E7");
        assert_eq!(java_float_text(1.5e-4, false), "1.5E-4");
        assert_eq!(java_float_text(-123456789.0, false), "-1.23456789E8");
        assert_eq!(java_float_text(0.0, false), "0.0");
    }
}
