//! Live tests against the PostgreSQL 15 server of `scripts/services up`: raw pgoutput read
//! over SQL (`pg_logical_slot_peek_binary_changes`) in protocol versions 1 to 3, text and
//! binary, every message decoded; values compared with what `SELECT` returns and the change
//! sequence with a `test_decoding` slot over the same workload.
//!
//! Set `CDC_PGOUTPUT_WRITE_SEEDS=DIR` to also write the captured transactions as fuzz seeds.

// A failing test is supposed to stop loudly, helpers included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bytes::Bytes;
use cdc_model::{Change, ColumnType, Date, DateTime, Time, Timestamp, Value};
use cdc_pgoutput::{Decoded, Decoder, PgOutputMessage, ProtocolOptions, TypeInfo, TypeRegistry};
use cdc_testkit::{PgDatabase, Postgres};

// ---------------------------------------------------------------------------------------------
// Rendering our values as PostgreSQL prints them (DateStyle ISO, IntervalStyle postgres,
// TimeZone UTC, lc_monetary C), to compare with SELECT and test_decoding text.

fn frac(micros: u32) -> String {
    if micros == 0 {
        return String::new();
    }
    let s = format!(".{micros:06}");
    s.trim_end_matches('0').to_owned()
}

fn pg_date_parts(d: Date) -> (String, bool) {
    if d.year <= 0 {
        (
            format!("{:04}-{:02}-{:02}", 1 - d.year, d.month, d.day),
            true,
        )
    } else {
        (format!("{:04}-{:02}-{:02}", d.year, d.month, d.day), false)
    }
}

fn pg_time(t: Time) -> String {
    format!(
        "{:02}:{:02}:{:02}{}",
        t.hours,
        t.minutes,
        t.seconds,
        frac(t.micros)
    )
}

fn pg_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let mut s = format!("{sign}{:02}", a / 3600);
    if !a.is_multiple_of(3600) {
        write!(s, ":{:02}", (a / 60) % 60).unwrap();
        if !a.is_multiple_of(60) {
            write!(s, ":{:02}", a % 60).unwrap();
        }
    }
    s
}

fn pg_datetime(dt: DateTime, offset: Option<&str>) -> String {
    if dt == DateTime::INFINITY {
        return "infinity".into();
    }
    if dt == DateTime::NEG_INFINITY {
        return "-infinity".into();
    }
    let (d, bc) = pg_date_parts(dt.date);
    format!(
        "{d} {:02}:{:02}:{:02}{}{}{}",
        dt.hour,
        dt.minute,
        dt.second,
        frac(dt.micros),
        offset.unwrap_or(""),
        if bc { " BC" } else { "" }
    )
}

fn pg_interval(months: i32, days: i32, micros: i64) -> String {
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |v: i64, unit: &str, out: &mut String| {
        if v == 0 {
            return;
        }
        write!(
            out,
            "{}{}{v} {unit}{}",
            if is_zero { "" } else { " " },
            if is_before && v > 0 { "+" } else { "" },
            if v != 1 { "s" } else { "" }
        )
        .unwrap();
        is_before = v < 0;
        is_zero = false;
    };
    part(i64::from(months / 12), "year", &mut out);
    part(i64::from(months % 12), "mon", &mut out);
    part(i64::from(days), "day", &mut out);
    if is_zero || micros != 0 {
        let minus = micros < 0;
        let a = micros.unsigned_abs();
        let secs = a / 1_000_000;
        write!(
            out,
            "{}{}{:02}:{:02}:{:02}{}",
            if is_zero { "" } else { " " },
            if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            },
            secs / 3600,
            (secs / 60) % 60,
            secs % 60,
            frac((a % 1_000_000) as u32)
        )
        .unwrap();
    }
    out
}

fn pg_money(cents: i64) -> String {
    let neg = cents < 0;
    let a = cents.unsigned_abs();
    let units = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}.{:02}", if neg { "-" } else { "" }, a % 100)
}

fn array_element(v: &Value) -> String {
    if v.is_null() {
        return "NULL".into();
    }
    let s = render(v);
    let needs_quotes = s.is_empty()
        || s.eq_ignore_ascii_case("NULL")
        || s.chars()
            .any(|c| "{}\",\\".contains(c) || c.is_ascii_whitespace());
    if needs_quotes {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s
    }
}

/// PostgreSQL's text output of a non-NULL value.
fn render(v: &Value) -> String {
    match v {
        Value::Bool(b) => if *b { "t" } else { "f" }.into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(i) => i.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Text(t) => t.as_str().expect("utf-8").to_owned(),
        Value::Bytes(b) => {
            let mut s = String::from("\\x");
            for x in b.iter() {
                write!(s, "{x:02x}").unwrap();
            }
            s
        }
        Value::Date(d) if *d == Date::INFINITY => "infinity".into(),
        Value::Date(d) if *d == Date::NEG_INFINITY => "-infinity".into(),
        Value::Date(d) => {
            let (s, bc) = pg_date_parts(*d);
            if bc { format!("{s} BC") } else { s }
        }
        Value::Time(t) => pg_time(*t),
        Value::TimeTz(t) => format!("{}{}", pg_time(t.time), pg_offset(t.offset_seconds)),
        Value::DateTime(dt) => pg_datetime(*dt, None),
        Value::Timestamp(t) if *t == Timestamp::INFINITY => "infinity".into(),
        Value::Timestamp(t) if *t == Timestamp::NEG_INFINITY => "-infinity".into(),
        Value::Timestamp(t) => pg_datetime(t.to_utc(), Some("+00")),
        Value::Interval(i) => pg_interval(i.months, i.days, i.micros),
        Value::Uuid(u) => u.to_string(),
        Value::Json(j) => j.clone(),
        Value::Bit(b) => b.to_string(),
        Value::Inet(i) => i.to_string(),
        Value::MacAddr(m) => m
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        Value::Money(m) => pg_money(*m),
        Value::Enum(e) => e.label.clone().expect("label"),
        Value::Array(a) => {
            if a.elements.is_empty() {
                return "{}".into();
            }
            let mut prefix = String::new();
            if a.dims.iter().any(|d| d.lower_bound != 1) {
                for d in &a.dims {
                    let hi = d.lower_bound + d.len as i32 - 1;
                    write!(prefix, "[{}:{hi}]", d.lower_bound).unwrap();
                }
                prefix.push('=');
            }
            fn nest(dims: &[u32], els: &mut std::slice::Iter<'_, Value>) -> String {
                let (first, rest) = dims.split_first().expect("dims");
                let parts: Vec<String> = (0..*first)
                    .map(|_| {
                        if rest.is_empty() {
                            array_element(els.next().expect("element"))
                        } else {
                            nest(rest, els)
                        }
                    })
                    .collect();
                format!("{{{}}}", parts.join(","))
            }
            let dims: Vec<u32> = a.dims.iter().map(|d| d.len).collect();
            format!("{prefix}{}", nest(&dims, &mut a.elements.iter()))
        }
        other => panic!("no PostgreSQL rendering for {other:?}"),
    }
}

fn base_type(t: &ColumnType) -> &ColumnType {
    match t {
        ColumnType::Domain { base, .. } => base_type(base),
        t => t,
    }
}

/// True when our value is the value PostgreSQL printed as `text` (`None`: NULL).
fn same_value(v: &Value, ty: &ColumnType, text: Option<&str>) -> bool {
    match (v, text) {
        (Value::Null, None) => true,
        (Value::Null, Some(_)) | (_, None) => false,
        // binary mode: a type without a decoder keeps its send bytes, which SELECT cannot show
        (Value::Bytes(_), Some(_)) if matches!(ty, ColumnType::Other { .. }) => true,
        (Value::Double(x), Some(t)) if matches!(base_type(ty), ColumnType::Double) => {
            let y: f64 = match t {
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                t => t.parse().unwrap(),
            };
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::Float(x), Some(t)) if matches!(base_type(ty), ColumnType::Float) => {
            let y: f32 = match t {
                "Infinity" => f32::INFINITY,
                "-Infinity" => f32::NEG_INFINITY,
                t => t.parse().unwrap(),
            };
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (v, Some(t)) => render(v) == t,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the slots.

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `(lsn, data)` of every pgoutput message in the slot, not consumed.
fn peek(db: &PgDatabase, slot: &str, options: &[(&str, &str)]) -> Vec<(String, Bytes)> {
    let opts: String = options
        .iter()
        .map(|(k, v)| format!(", '{k}', '{v}'"))
        .collect();
    db.query(&format!(
        "SELECT lsn::text, encode(data, 'hex') FROM \
         pg_logical_slot_peek_binary_changes('{slot}', NULL, NULL{opts})"
    ))
    .into_iter()
    .map(|r| {
        (
            r[0].clone().unwrap(),
            Bytes::from(hex(r[1].as_deref().unwrap())),
        )
    })
    .collect()
}

/// The registry a client would build from `pg_type` / `pg_enum` for the public schema.
fn registry(db: &PgDatabase) -> TypeRegistry {
    let mut r = TypeRegistry::new();
    let rows = db.query(
        "SELECT t.oid::int8, t.typname, t.typtype, t.typbasetype::int8, t.typtypmod, \
                t.typelem::int8, t.typcategory, \
                (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) \
                   FROM pg_enum e WHERE e.enumtypid = t.oid) \
         FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace",
    );
    for row in rows {
        let s = |i: usize| row[i].clone().unwrap_or_default();
        let oid: u32 = s(0).parse().unwrap();
        let name = s(1);
        match (s(2).as_str(), s(6).as_str()) {
            ("e", _) => r.register(
                oid,
                TypeInfo::Enum {
                    name,
                    labels: s(7).split(',').map(str::to_owned).collect(),
                },
            ),
            ("d", _) => r.register(
                oid,
                TypeInfo::Domain {
                    name,
                    base_oid: s(3).parse().unwrap(),
                    base_typmod: s(4).parse().unwrap(),
                },
            ),
            (_, "A") => r.register(
                oid,
                TypeInfo::Array {
                    name,
                    element_oid: s(5).parse().unwrap(),
                },
            ),
            _ => {}
        }
    }
    r
}

fn decode_all(
    options: ProtocolOptions,
    types: &TypeRegistry,
    messages: &[(String, Bytes)],
) -> Vec<Decoded> {
    let mut d = Decoder::new(options).unwrap();
    *d.types_mut() = types.clone();
    messages
        .iter()
        .map(|(lsn, data)| {
            d.decode_at(lsn.parse().unwrap(), data)
                .unwrap_or_else(|e| panic!("{e}\n{data:02x?}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Replaying changes into table states keyed by the first column.

type Tables =
    BTreeMap<String, BTreeMap<String, (std::sync::Arc<cdc_model::TableSchema>, Vec<Value>)>>;

fn key(v: &[Value]) -> String {
    format!("{:?}", v.first().unwrap())
}

fn apply(tables: &mut Tables, change: &Change) {
    match change {
        Change::Insert { table, after } => {
            let t = tables.entry(table.id.to_string()).or_default();
            t.insert(key(&after.values), (table.clone(), after.values.clone()));
        }
        Change::Update {
            table,
            before,
            after,
        } => {
            let t = tables.entry(table.id.to_string()).or_default();
            let old_key = before
                .as_ref()
                .map(|b| key(&b.values))
                .unwrap_or_else(|| key(&after.values));
            let (_, old) = t.remove(&old_key).expect("updated row exists");
            let merged = after
                .values
                .iter()
                .zip(old)
                .map(|(n, o)| if n.is_unchanged() { o } else { n.clone() })
                .collect::<Vec<_>>();
            t.insert(key(&merged), (table.clone(), merged));
        }
        Change::Delete { table, before } => {
            let t = tables.entry(table.id.to_string()).or_default();
            assert!(
                t.remove(&key(&before.values)).is_some(),
                "deleted row exists"
            );
        }
        Change::Truncate { tables: ts, .. } => {
            for id in ts {
                tables.remove(&id.to_string());
            }
        }
        Change::Begin | Change::Commit | Change::Heartbeat | Change::Ddl(_) => {}
    }
}

/// Compares the replayed state of `table` with `SELECT * ... ORDER BY 1` (every value cast to
/// text by psql's CSV output, NULL kept apart).
fn assert_matches_select(db: &PgDatabase, tables: &Tables, table: &str, what: &str) {
    let rows = db.query(&format!("SELECT * FROM {table} ORDER BY 1"));
    let ours: Vec<_> = tables
        .get(&format!("public.{table}"))
        .map(|t| t.values().collect())
        .unwrap_or_default();
    let mut ours = ours;
    // order by the first column as PostgreSQL does (integers here)
    ours.sort_by_key(|(_, v)| v[0].as_i128());
    assert_eq!(ours.len(), rows.len(), "{what}: row count of {table}");
    let mut compared = 0;
    for ((schema, values), row) in ours.iter().zip(&rows) {
        assert_eq!(values.len(), row.len(), "{what}: columns of {table}");
        for ((v, col), text) in values.iter().zip(&schema.columns).zip(row) {
            assert!(
                same_value(v, &col.ty, text.as_deref()),
                "{what}: {table}.{} decoded {v:?} (renders {:?}), SELECT says {text:?}",
                col.name,
                (!v.is_null()).then(|| render(v)),
            );
            compared += 1;
        }
    }
    eprintln!("{what}: {table}: {compared} values equal to SELECT");
}

// ---------------------------------------------------------------------------------------------
// The test_decoding oracle.

#[derive(Clone, Debug, PartialEq)]
enum Oracle {
    Row {
        op: String,
        table: String,
        old: Vec<(String, String)>,
        new: Vec<(String, String)>,
    },
    Truncate {
        tables: Vec<String>,
        cascade: bool,
        restart: bool,
    },
    Message {
        transactional: bool,
        prefix: String,
        content: String,
    },
}

/// Parses `name[type]:value name[type]:'quoted value' ...` into (name, value-as-text) pairs,
/// with test_decoding's literal forms turned back into PostgreSQL text.
fn parse_td_tuple(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while !s.is_empty() {
        s = s.trim_start();
        let open = s.find('[').unwrap();
        let name = s[..open].to_owned();
        let close = s[open..].find("]:").unwrap() + open;
        let ty = s[open + 1..close].to_owned();
        s = &s[close + 2..];
        let value = if let Some(rest) = s.strip_prefix('\'') {
            let mut v = String::new();
            let mut chars = rest.char_indices().peekable();
            let end;
            loop {
                let (i, c) = chars.next().unwrap();
                if c == '\'' {
                    if let Some((_, '\'')) = chars.peek() {
                        chars.next();
                        v.push('\'');
                        continue;
                    }
                    end = i + 1;
                    break;
                }
                v.push(c);
            }
            s = &rest[end..];
            v
        } else {
            let end = s.find(' ').unwrap_or(s.len());
            let v = s[..end].to_owned();
            s = &s[end..];
            match (ty.as_str(), v.as_str()) {
                ("boolean", "true") => "t".into(),
                ("boolean", "false") => "f".into(),
                _ => v,
            }
        };
        let value = match value.strip_prefix("B'") {
            Some(bits) if ty.starts_with("bit") => bits.trim_end_matches('\'').to_owned(),
            _ => value,
        };
        out.push((name, value));
    }
    out
}

fn parse_test_decoding(lines: &[String]) -> Vec<Oracle> {
    let mut out = Vec::new();
    for line in lines {
        if line.starts_with("BEGIN") || line.starts_with("COMMIT") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("message: transactional: ") {
            // message: transactional: 1 prefix: pfx, sz: 5 content:hello
            let (t, rest) = rest.split_once(" prefix: ").unwrap();
            let (prefix, rest) = rest.split_once(", sz: ").unwrap();
            let (_, content) = rest.split_once(" content:").unwrap();
            out.push(Oracle::Message {
                transactional: t == "1",
                prefix: prefix.into(),
                content: content.into(),
            });
            continue;
        }
        let rest = line.strip_prefix("table ").unwrap();
        let (tables, rest) = rest.split_once(": ").unwrap();
        let (op, body) = rest.split_once(':').unwrap();
        if op == "TRUNCATE" {
            out.push(Oracle::Truncate {
                tables: tables.split(", ").map(str::to_owned).collect(),
                cascade: body.contains("cascade"),
                restart: body.contains("restart_seqs"),
            });
            continue;
        }
        let body = body.trim();
        let (old, new) = match (op, body.strip_prefix("old-key: ")) {
            ("UPDATE", Some(b)) => {
                let (o, n) = b.split_once(" new-tuple: ").unwrap();
                (parse_td_tuple(o), parse_td_tuple(n))
            }
            ("DELETE", _) if body == "(no-tuple-data)" => (Vec::new(), Vec::new()),
            ("DELETE", _) => (parse_td_tuple(body), Vec::new()),
            _ => (Vec::new(), parse_td_tuple(body)),
        };
        out.push(Oracle::Row {
            op: op.into(),
            table: tables.into(),
            old,
            new,
        });
    }
    out
}

/// Our decoded stream in the oracle's shape: values rendered as PostgreSQL text, NULL and
/// unsent columns of old images left out (test_decoding skips NULLs there), floats compared
/// separately by value.
fn ours_as_oracle(decoded: &[Decoded]) -> Vec<(Oracle, Vec<ColumnType>)> {
    let mut out = Vec::new();
    let tuple = |table: &cdc_model::TableSchema, vals: &[Value], old: bool| {
        table
            .columns
            .iter()
            .zip(vals)
            .filter(|(_, v)| !(old && (v.is_null() || v.is_unchanged())))
            .map(|(c, v)| {
                let text = match v {
                    Value::Bytes(_) if matches!(c.ty, ColumnType::Other { .. }) => {
                        "<binary of a type without decoder>".to_owned()
                    }
                    Value::Null => "null".to_owned(),
                    Value::Unchanged => "unchanged-toast-datum".to_owned(),
                    v => render_or_float(v),
                };
                (c.name.clone(), text)
            })
            .collect::<Vec<_>>()
    };
    for d in decoded {
        let o = match (&d.change, &d.message) {
            (Some(Change::Insert { table, after }), _) => Oracle::Row {
                op: "INSERT".into(),
                table: table.id.to_string(),
                old: Vec::new(),
                new: tuple(table, &after.values, false),
            },
            (
                Some(Change::Update {
                    table,
                    before,
                    after,
                }),
                _,
            ) => Oracle::Row {
                op: "UPDATE".into(),
                table: table.id.to_string(),
                old: before
                    .as_ref()
                    .map(|b| tuple(table, &b.values, true))
                    .unwrap_or_default(),
                new: tuple(table, &after.values, false),
            },
            (Some(Change::Delete { table, before }), _) => Oracle::Row {
                op: "DELETE".into(),
                table: table.id.to_string(),
                old: tuple(table, &before.values, true),
                new: Vec::new(),
            },
            (
                Some(Change::Truncate {
                    tables,
                    cascade,
                    restart_identity,
                }),
                _,
            ) => Oracle::Truncate {
                tables: tables.iter().map(|t| t.to_string()).collect(),
                cascade: *cascade,
                restart: *restart_identity,
            },
            (None, PgOutputMessage::Message(m)) => Oracle::Message {
                transactional: m.transactional,
                prefix: m.prefix.clone(),
                content: String::from_utf8(m.content.to_vec()).unwrap(),
            },
            _ => continue,
        };
        let types = d
            .change
            .as_ref()
            .and_then(|c| c.table())
            .map(|t| t.columns.iter().map(|c| c.ty.clone()).collect())
            .unwrap_or_default();
        out.push((o, types));
    }
    out
}

/// Floats are compared by value: render them through f64 parsing of both sides later.
fn render_or_float(v: &Value) -> String {
    match v {
        Value::Float(f) => format!("float:{}", f.to_bits()),
        Value::Double(f) => format!("double:{}", f.to_bits()),
        v => render(v),
    }
}

fn normalize_td_floats(o: &mut Oracle, ours: &Oracle) {
    let (
        Oracle::Row { old, new, .. },
        Oracle::Row {
            old: o2, new: n2, ..
        },
    ) = (o, ours)
    else {
        return;
    };
    for (theirs, ours) in old
        .iter_mut()
        .chain(new.iter_mut())
        .zip(o2.iter().chain(n2))
    {
        if ours.1.starts_with("<binary") {
            theirs.1 = ours.1.clone();
        } else if let Some(bits) = ours.1.strip_prefix("double:") {
            let x: f64 = match theirs.1.as_str() {
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                t => t.parse().unwrap(),
            };
            let ok = x.to_bits().to_string() == bits
                || (x.is_nan() && f64::from_bits(bits.parse().unwrap()).is_nan());
            if ok {
                theirs.1 = ours.1.clone();
            }
        } else if let Some(bits) = ours.1.strip_prefix("float:") {
            let x: f32 = match theirs.1.as_str() {
                "Infinity" => f32::INFINITY,
                "-Infinity" => f32::NEG_INFINITY,
                t => t.parse().unwrap(),
            };
            let ok = x.to_bits().to_string() == bits
                || (x.is_nan() && f32::from_bits(bits.parse().unwrap()).is_nan());
            if ok {
                theirs.1 = ours.1.clone();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

const SCHEMA: &str = "
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s \"complicated\"');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN short_text AS varchar(8);
CREATE TABLE all_types (
    id int4 PRIMARY KEY,
    b bool, i2 int2, i8 int8, o oid, n numeric, n2 numeric(12,4), f4 float4, f8 float8,
    t text, vc varchar(20), bc char(5), nm name, byt bytea,
    d date, tm time, ttz timetz, ts timestamp, ts3 timestamp(3), tstz timestamptz, iv interval,
    u uuid, j json, jb jsonb, bt bit(5), vb varbit(12), ine inet, ci cidr,
    mac macaddr, mac8 macaddr8, mo money, e mood, dm posint, ds short_text,
    ai int4[], atx text[], an numeric[], ae mood[], atz timestamptz[], ab bool[], aby bytea[],
    adm posint[], pt point
);
CREATE TABLE full_t (a int, b text);
ALTER TABLE full_t REPLICA IDENTITY FULL;
CREATE TABLE toasty (id int PRIMARY KEY, big text, small int);
ALTER TABLE toasty ALTER big SET STORAGE EXTERNAL;
CREATE TABLE trunc_a (id serial PRIMARY KEY);
CREATE TABLE trunc_b (id int PRIMARY KEY REFERENCES trunc_a);
CREATE PUBLICATION p FOR ALL TABLES;
";

const WORKLOAD: &[&str] = &[
    "INSERT INTO all_types VALUES (1, true, -32768, 9223372036854775807, 4294967295,
        123456789012345678901234567890.123456789, 12345678.1234, 1.1, 0.1,
        'héllo wörld', 'varchar', 'ab', 'a name', '\\x00ff10'::bytea,
        '2024-02-29', '23:59:59.999999', '04:05:06.789-08', '2024-01-02 03:04:05.000006',
        '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.5+05:30',
        '1 year 2 mons -3 days 04:05:06.789',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"b\": [1, 2.50], \"a\": null}',
        '{\"b\": [1, 2.50], \"a\": null}', B'10101', B'110', '192.168.0.1/24', '10.0.0.0/8',
        '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', 1234.56, 'happy', 42, 'short',
        '{1,2,NULL}', '{\"a b\",\"c\\\"d\",NULL,\"NULL\",plain,\"\"}', '{1.50,NaN,-0.001}',
        '{sad,happy}', '{\"2024-01-01 00:00:00+00\",infinity}', '{t,f}', '{\"\\\\x01\"}',
        '{1,7}', '(1.5,2)')",
    "INSERT INTO all_types VALUES (2, false, 32767, -9223372036854775808, 0,
        'NaN', -0.0001, '-Infinity', 'NaN',
        '', 'it''s \"quoted\" \\ back', '', '', ''::bytea,
        '0044-03-15 BC', '24:00:00', '00:00:00+05:30:15', '0001-01-01 00:00:00 BC',
        'infinity', '-infinity',
        '-1 days -00:00:01',
        '00000000-0000-0000-0000-000000000000', '[]', '{}', B'00000', B'',
        '::1', '2001:db8::/64',
        'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00', -92233720368547758.08, 'it''s \"complicated\"',
        2147483647, '',
        '{}', '{{a,b},{c,d}}', '[0:1]={Infinity,-Infinity}', '{}', '{}', '{NULL}', '{}',
        '{}', '(0,0)')",
    "INSERT INTO all_types (id) VALUES (3)",
    "INSERT INTO all_types (id, f8, f4, n, iv, d, ts, tstz) VALUES
        (4, 1e100, 3.4028235e38, 'Infinity', '-178000000 years', 'infinity', 'infinity', 'infinity'),
        (5, -2.2250738585072014e-308, 1e-45, '0.000000000000000000000000000001', '1000:00:00',
         '5874897-12-31', '294276-12-31 23:59:59.999999', '294246-12-31 23:59:59.999999+00'),
        (6, -0.0, -0.0, '-0.000', '-00:00:00.000001', '4713-01-01 BC', '4713-01-01 00:00:00 BC',
         '4713-01-01 00:00:00+00 BC')",
    "UPDATE all_types SET t = 'updated', n = n + 1, ai = '{{1,2},{3,4}}' WHERE id = 1",
    "UPDATE all_types SET id = 30, b = true WHERE id = 3",
    "DELETE FROM all_types WHERE id = 2",
    "INSERT INTO full_t VALUES (1, 'x'), (2, NULL)",
    "UPDATE full_t SET b = 'y' WHERE a = 1",
    "DELETE FROM full_t WHERE a = 2",
    "ALTER TABLE full_t ADD COLUMN c numeric(5,2)",
    "INSERT INTO full_t VALUES (3, 'z', 1.5)",
    "INSERT INTO toasty SELECT 1, string_agg(md5(i::text), '') FROM generate_series(1, 500) i",
    "UPDATE toasty SET small = 1 WHERE id = 1",
    "INSERT INTO trunc_a DEFAULT VALUES",
    "INSERT INTO trunc_b VALUES (1)",
    "TRUNCATE trunc_a, trunc_b RESTART IDENTITY CASCADE",
    "TRUNCATE full_t",
    "INSERT INTO full_t VALUES (10, 'after truncate', 2.25)",
    "SELECT pg_logical_emit_message(true, 'pfx', 'transactional hello')",
    "SELECT pg_logical_emit_message(false, 'nt', 'immediate')",
    "BEGIN; INSERT INTO toasty VALUES (2, 'two', 2); \
     SELECT pg_logical_emit_message(true, 'in-txn', 'x'); UPDATE toasty SET big = big || '!' WHERE id = 2; COMMIT",
];

fn write_seeds(messages: &[(String, Bytes)], flags: u8, name: &str) {
    let Ok(dir) = std::env::var("CDC_PGOUTPUT_WRITE_SEEDS") else {
        return;
    };
    // fuzz input: one flags byte, then messages each prefixed by a big-endian u16 length
    let mut chunk = vec![flags];
    let mut n = 0;
    for (i, (_, m)) in messages.iter().enumerate() {
        if m.len() > 4000 {
            continue;
        }
        chunk.extend_from_slice(&(m.len() as u16).to_be_bytes());
        chunk.extend_from_slice(m);
        if chunk.len() > 2000 || i + 1 == messages.len() {
            std::fs::write(format!("{dir}/{name}-{n:02}"), &chunk).unwrap();
            n += 1;
            chunk = vec![flags];
        }
    }
}

#[test]
fn every_message_and_type_matches_select_and_test_decoding() {
    let pg = Postgres::from_env();
    let db = pg.fresh_database("pgoutput_types");
    db.exec(SCHEMA);
    let slot = format!("{}_po", db.name());
    let td = format!("{}_td", db.name());
    db.exec(&format!(
        "SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput', false, true); \
         SELECT pg_create_logical_replication_slot('{td}', 'test_decoding')"
    ));
    for stmt in WORKLOAD {
        db.exec(stmt);
    }
    let types = registry(&db);

    let td_lines: Vec<String> = db
        .query(&format!(
            "SELECT data FROM pg_logical_slot_peek_changes('{td}', NULL, NULL, \
             'include-xids', '0', 'skip-empty-xacts', '1')"
        ))
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let oracle = parse_test_decoding(&td_lines);
    assert!(oracle.len() > 20, "{td_lines:#?}");

    let mut text_decoded = None;
    let mut binary_decoded = None;
    for version in ["1", "2", "3"] {
        for binary in ["false", "true"] {
            let mut opts = vec![
                ("proto_version", version),
                ("publication_names", "p"),
                ("binary", binary),
                ("messages", "true"),
            ];
            if version != "1" {
                opts.push(("streaming", "true"));
            }
            if version == "3" {
                opts.push(("two_phase", "true"));
            }
            let what = format!("proto {version} binary {binary}");
            let raw = peek(&db, &slot, &opts);
            let v: u32 = version.parse().unwrap();
            write_seeds(
                &raw,
                (v - 1) as u8 | if binary == "true" { 4 } else { 0 },
                &format!("v{version}-{binary}"),
            );
            let decoded = decode_all(ProtocolOptions::version(v), &types, &raw);

            // every message type the workload produces is there
            let kinds: std::collections::BTreeSet<u8> =
                decoded.iter().map(|d| d.message.type_byte()).collect();
            for k in b"BCRYIUDTM" {
                assert!(kinds.contains(k), "{what}: no {:?} message", char::from(*k));
            }
            // binary mode really sent binary values
            let any_binary = raw
                .iter()
                .any(|(_, m)| matches!(m.first(), Some(b'I')) && m.windows(2).any(|w| w == b"b\0"));
            assert_eq!(any_binary, binary == "true", "{what}");

            // replay and compare the final state with SELECT
            let mut tables = Tables::new();
            for d in &decoded {
                if let Some(c) = &d.change {
                    apply(&mut tables, c);
                }
            }
            for t in ["all_types", "full_t", "toasty", "trunc_a", "trunc_b"] {
                assert_matches_select(&db, &tables, t, &what);
            }

            // the change sequence equals test_decoding's
            let ours = ours_as_oracle(&decoded);
            assert_eq!(ours.len(), oracle.len(), "{what}: number of changes");
            for ((mine, _), theirs) in ours.iter().zip(&oracle) {
                let mut theirs_n = theirs.clone();
                normalize_td_floats(&mut theirs_n, mine);
                assert_eq!(mine, &theirs_n, "{what}");
            }
            eprintln!("{what}: {} changes equal to test_decoding", ours.len());

            // the unchanged TOAST value arrived as Unchanged
            assert!(decoded.iter().any(|d| matches!(&d.change,
                Some(Change::Update { table, after, .. })
                    if table.id.name == "toasty" && after.values[1].is_unchanged())));

            if version == "1" && binary == "false" {
                text_decoded = Some(decoded);
            } else if version == "1" {
                binary_decoded = Some(decoded);
            }
        }
    }

    // text and binary forms decode to the same values (types without a decoder aside)
    let (t, b) = (text_decoded.unwrap(), binary_decoded.unwrap());
    assert_eq!(t.len(), b.len());
    let mut compared = 0;
    for (x, y) in t.iter().zip(&b) {
        let (Some(cx), Some(cy)) = (&x.change, &y.change) else {
            continue;
        };
        let rows = |c: &Change| -> Vec<Vec<Value>> {
            match c {
                Change::Insert { after, .. } => vec![after.values.clone()],
                Change::Update { before, after, .. } => {
                    let mut v = vec![after.values.clone()];
                    v.extend(before.iter().map(|b| b.values.clone()));
                    v
                }
                Change::Delete { before, .. } => vec![before.values.clone()],
                _ => vec![],
            }
        };
        let schema = cx.table().map(|t| t.columns.clone()).unwrap_or_default();
        for (rx, ry) in rows(cx).iter().zip(rows(cy)) {
            for ((vx, vy), col) in rx.iter().zip(ry).zip(&schema) {
                if matches!(col.ty, ColumnType::Other { .. }) {
                    continue;
                }
                assert_eq!(format!("{vx:?}"), format!("{vy:?}"), "column {}", col.name);
                compared += 1;
            }
        }
    }
    eprintln!("text vs binary: {compared} values identical");

    // schema details from the Relation messages
    let all = t
        .iter()
        .find_map(|d| match &d.change {
            Some(Change::Insert { table, .. }) if table.id.name == "all_types" => {
                Some(table.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(all.identity_columns(), Some(vec![0]));
    let col = |n: &str| all.column(n).unwrap().ty.clone();
    assert_eq!(
        col("n2"),
        ColumnType::Decimal {
            precision: Some(12),
            scale: Some(4)
        }
    );
    assert!(
        matches!(col("e"), ColumnType::Enum { name: Some(n), labels } if n == "mood" && labels.len() == 4)
    );
    assert!(matches!(col("dm"), ColumnType::Domain { name, .. } if name == "posint"));
    assert!(matches!(col("ds"), ColumnType::Domain { base, .. }
        if matches!(*base, ColumnType::VarChar { length: Some(8), .. })));
    assert!(matches!(
        col("ts3"),
        ColumnType::DateTime { precision: Some(3) }
    ));
    assert!(
        matches!(col("adm"), ColumnType::Array { element } if matches!(*element, ColumnType::Domain { .. }))
    );
    assert!(matches!(col("pt"), ColumnType::Other { name, oid: Some(600) } if name == "point"));
}

#[test]
fn without_registration_user_types_stay_text_with_their_names() {
    let pg = Postgres::from_env();
    let db = pg.fresh_database("pgoutput_unreg");
    db.exec(
        "CREATE TYPE color AS ENUM ('red', 'green'); \
         CREATE TABLE c (id int PRIMARY KEY, c color, cs color[]); \
         CREATE PUBLICATION p FOR ALL TABLES;",
    );
    let slot = format!("{}_po", db.name());
    db.exec(&format!(
        "SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')"
    ));
    db.exec("INSERT INTO c VALUES (1, 'green', '{red,green}')");
    let raw = peek(
        &db,
        &slot,
        &[("proto_version", "1"), ("publication_names", "p")],
    );
    let decoded = decode_all(ProtocolOptions::version(1), &TypeRegistry::new(), &raw);
    let (table, after) = decoded
        .iter()
        .find_map(|d| match &d.change {
            Some(Change::Insert { table, after }) => Some((table.clone(), after.clone())),
            _ => None,
        })
        .unwrap();
    assert!(
        matches!(&table.columns[1].ty, ColumnType::Other { name, .. } if name == "public.color")
    );
    assert!(
        matches!(&table.columns[2].ty, ColumnType::Other { name, .. } if name == "public._color")
    );
    assert_eq!(
        after.values,
        vec![
            Value::Int(1),
            Value::text("green"),
            Value::text("{red,green}")
        ]
    );
}

#[test]
fn large_transactions_stream_in_protocol_2() {
    let pg = Postgres::from_env();
    let db = pg.fresh_database("pgoutput_stream");
    // per database, so every session decoding here (and nothing else) streams early
    db.exec(&format!(
        "ALTER DATABASE {} SET logical_decoding_work_mem = '64kB'",
        db.name()
    ));
    db.exec(
        "CREATE TABLE big (id int PRIMARY KEY, pad text, n numeric); \
         CREATE PUBLICATION p FOR ALL TABLES;",
    );
    let slot = format!("{}_po", db.name());
    db.exec(&format!(
        "SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')"
    ));
    // committed, with an aborted subtransaction in the middle
    db.exec(
        "BEGIN; \
         INSERT INTO big SELECT i, repeat('x', 100), i * 1.5 FROM generate_series(1, 3000) i; \
         SAVEPOINT s; \
         INSERT INTO big SELECT i, repeat('y', 100), 0 FROM generate_series(3001, 5000) i; \
         ROLLBACK TO s; \
         UPDATE big SET n = -n WHERE id <= 10; \
         DELETE FROM big WHERE id > 2990; \
         COMMIT",
    );
    // aborted at top level
    db.exec(
        "BEGIN; \
         INSERT INTO big SELECT i, repeat('z', 100), 0 FROM generate_series(10001, 13000) i; \
         ROLLBACK",
    );
    db.exec("INSERT INTO big VALUES (0, 'small', 0)");

    for binary in ["false", "true"] {
        let what = format!("streaming binary {binary}");
        let raw = peek(
            &db,
            &slot,
            &[
                ("proto_version", "2"),
                ("publication_names", "p"),
                ("streaming", "true"),
                ("binary", binary),
            ],
        );
        if binary == "false" {
            let small: Vec<_> = raw
                .iter()
                .filter(|(_, m)| matches!(m.first(), Some(b'S' | b'E' | b'c' | b'A' | b'R')))
                .cloned()
                .collect();
            write_seeds(&small, 1 | 8, "stream-control");
        }
        let decoded = decode_all(ProtocolOptions::version(2), &TypeRegistry::new(), &raw);
        let count = |t: u8| {
            decoded
                .iter()
                .filter(|d| d.message.type_byte() == t)
                .count()
        };
        assert!(count(b'S') >= 2, "{what}: stream starts");
        assert_eq!(count(b'S'), count(b'E'), "{what}");
        assert_eq!(count(b'c'), 1, "{what}: one streamed commit");
        assert!(count(b'A') >= 1, "{what}: stream abort");
        eprintln!(
            "{what}: {} messages, {} stream segments, {} aborts",
            decoded.len(),
            count(b'S'),
            count(b'A')
        );

        // replay: buffer per streamed transaction, drop aborted (sub)transactions
        let mut pending: BTreeMap<u32, Vec<(u32, Change)>> = BTreeMap::new();
        let mut tables = Tables::new();
        let mut stream: Option<u32> = None;
        for d in &decoded {
            match &d.message {
                PgOutputMessage::StreamStart(s) => stream = Some(s.xid),
                PgOutputMessage::StreamStop => stream = None,
                PgOutputMessage::StreamAbort(a) => {
                    if a.xid == a.subxid {
                        pending.remove(&a.xid);
                    } else if let Some(p) = pending.get_mut(&a.xid) {
                        p.retain(|(x, _)| *x != a.subxid);
                    }
                }
                PgOutputMessage::StreamCommit(c) => {
                    for (_, ch) in pending.remove(&c.xid).unwrap_or_default() {
                        apply(&mut tables, &ch);
                    }
                }
                _ => {
                    if let Some(ch) = &d.change {
                        match stream {
                            Some(top) => {
                                assert!(d.xid.is_some(), "{what}: in-stream change has its xid");
                                pending
                                    .entry(top)
                                    .or_default()
                                    .push((d.xid.unwrap(), ch.clone()));
                            }
                            None => apply(&mut tables, ch),
                        }
                    }
                }
            }
        }
        assert_matches_select(&db, &tables, "big", &what);
    }
}

#[test]
fn two_phase_transactions_decode_as_prepare_then_commit_or_rollback_prepared() {
    // scripts/services starts PostgreSQL with max_prepared_transactions > 0 for this test.
    let pg = Postgres::from_env();
    let rows = pg.query(
        "postgres",
        "SELECT current_setting('max_prepared_transactions')",
    );
    let n: u32 = rows[0][0].as_deref().unwrap().parse().unwrap();
    assert!(
        n > 0,
        "max_prepared_transactions = 0: the test server must allow PREPARE TRANSACTION \
         (scripts/services sets it)"
    );
    let db = pg.fresh_database("pgoutput_2pc");
    db.exec("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR ALL TABLES;");
    let slot = format!("{}_po", db.name());
    db.exec(&format!(
        "SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput', false, true)"
    ));
    db.exec("BEGIN; INSERT INTO t VALUES (1); PREPARE TRANSACTION 'g1'; COMMIT PREPARED 'g1'");
    db.exec("BEGIN; INSERT INTO t VALUES (2); PREPARE TRANSACTION 'g2'; ROLLBACK PREPARED 'g2'");
    let raw = peek(
        &db,
        &slot,
        &[
            ("proto_version", "3"),
            ("publication_names", "p"),
            ("two_phase", "true"),
        ],
    );
    let decoded = decode_all(ProtocolOptions::version(3), &TypeRegistry::new(), &raw);
    let kinds: Vec<u8> = decoded.iter().map(|d| d.message.type_byte()).collect();
    for k in b"bPKr" {
        assert!(kinds.contains(k), "{:?} in {kinds:?}", char::from(*k));
    }
}
