//! The live differential proof of the decoder: a real MariaDB 10.11 (from `scripts/services
//! up`) writes binlogs for a table with one column of every MariaDB column type, and every value
//! of every before and after image we decode is compared with two independent oracles:
//!
//! 1. **The server's own `SELECT`**, run after each transaction on the rows it changed (and
//!    kept in a model of the table, which supplies the expected before images). Values are
//!    selected in an exact text form (`HEX()` for binary, `CAST(... AS DOUBLE)` for `FLOAT`,
//!    `CAST(... AS UNSIGNED)` for `BIT`, plain text for the rest; `TIMESTAMP` prints in the
//!    session time zone, which is UTC on the test server) and our [`Value`]s are rendered to the
//!    same form by [`select_text`].
//! 2. **`mariadb-binlog --base64-output=decode-rows -vv`**, whose `### INSERT/UPDATE/DELETE`
//!    blocks are parsed and compared value by value with our values rendered to its text forms
//!    by [`binlog_text`] (each normalisation is documented there).
//!
//! The workload (seeded; the seed is printed, `CDC_LIVE_BINLOG_SEED=<n>` replays one) inserts
//! ~200 rows of random values (NULLs, integer extremes, 65-digit decimals, zero and partial
//! dates under `sql_mode=''`, negative times down to `-838:59:59`, fractional seconds, CJK,
//! emoji, combining marks, latin1 bytes 0x80–0xFF, tens-of-KB nested JSON, empty strings,
//! trailing spaces and zero bytes in `CHAR`/`BINARY`), updates rows (single-row, multi-row and
//! primary-key changes) and deletes rows, in many transactions, and rotates the binlog once
//! midway so that ranges span files.
//!
//! It runs three times, in ONE test (the settings are server-global; nextest runs each test in
//! its own process, so one test keeps them from racing each other):
//!
//! - `binlog_row_metadata=FULL`: strict comparison.
//! - `binlog_row_metadata=MINIMAL`: decoded once without a schema, where a value may be
//!   *degraded but never wrong* (an `ENUM` index without its label, `SET` bits without labels,
//!   bytes instead of text when no charset is known, `BINARY` without its restored zero pad),
//!   and once with [`Decoder::supply_schema`](cdc_mysql_binlog::Decoder::supply_schema) fed from
//!   `information_schema.COLUMNS`, which must again be strictly right.
//! - `log_bin_compress=ON` (min length 10): `QUERY_COMPRESSED` (165) and the compressed rows
//!   events (166–168: MariaDB 10.11 writes v1 rows events, and these are their compressed
//!   forms) must appear and decode to the same values.
//!
//! The settings are changed for a few seconds only (the workload), restored on drop even when
//! the test panics, and each variant starts in a binlog file of its own (`FLUSH BINARY LOGS`,
//! also once after the compressed variant). Live tests running at the same moment may still
//! see MINIMAL metadata or compressed events in their ranges.
//!
//! What MINIMAL logs (MariaDB 10.11.19): TABLE_MAP still carries signedness, every column's
//! charset (the binary collation for BINARY/BLOB/UUID/INET columns) and geometry types, but no
//! column names, no ENUM/SET labels and no primary key. So without a schema only ENUM and SET
//! come out incomplete (index and bits, no labels).
//!
//! Expected model values of the MariaDB-only types: `UUID`, `INET6` and `INET4` are logged as
//! `BINARY(16)`/`BINARY(4)`-like fixed strings (type `STRING`, binary collation) and nothing in
//! the binlog says which type they are, so the decoder returns [`Value::Bytes`] holding the
//! stored bytes (for `UUID`, the 16 bytes in the order `HEX(col)` prints them; for `INET6`,
//! network order; `INET4`, the 4 address bytes). MariaDB's `JSON` is `LONGTEXT` with a
//! `JSON_VALID` check, logged as a `LONGBLOB` with a utf8mb4 collation: [`Value::Text`] with the
//! exact stored text (MariaDB does not normalise it, so the comparison is exact).
//!
//! Every failure is collected (grouped by variant, oracle and column, with a first example)
//! and reported together at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use cdc_model::{
    Charset, Column, ColumnType, EnumValue, GeometryKind, SetValue, TableId, TableSchema, Text,
    Value,
};
use cdc_mysql_binlog::{BinlogBytes, EventData, RowsKind, TableMap, codes};
use cdc_testkit::{MariaDb, MariaDbDatabase};

const TABLE: &str = "t";
const ENUM_LABELS: [&str; 3] = ["a", "b", "c"];
const SET_LABELS: [&str; 3] = ["x", "y", "z"];

// ------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Int {
        bits: u32,
        unsigned: bool,
    },
    Float,
    Double,
    Decimal {
        precision: u32,
        scale: u32,
    },
    Bit(u32),
    Year,
    Date,
    Time(usize),
    DateTime(usize),
    Timestamp(usize),
    /// `CHAR(n)` / `VARCHAR(n)`: at most `max_chars` characters (bytes, for latin1).
    Chars {
        max_chars: usize,
        latin1: bool,
    },
    /// `TINYTEXT`..`LONGTEXT` in utf8mb4: at most `max_bytes` bytes (what we generate).
    Text {
        max_bytes: usize,
    },
    /// `BINARY(n)`.
    Binary(usize),
    /// `VARBINARY(n)` and the `BLOB`s: at most `max_bytes` bytes.
    VarBinary {
        max_bytes: usize,
    },
    Enum,
    Set,
    Json,
    Geometry,
    Point,
    Uuid,
    Inet6,
    Inet4,
}

struct Col {
    name: &'static str,
    ddl: &'static str,
    kind: Kind,
}

impl Col {
    fn nullable(&self) -> bool {
        !self.ddl.contains("NOT NULL")
    }

    /// The select-list expression giving this column's exact text.
    fn select_expr(&self) -> String {
        let n = self.name;
        match self.kind {
            Kind::Float => format!("CAST(`{n}` AS DOUBLE)"),
            Kind::Bit(_) => format!("CAST(`{n}` AS UNSIGNED)"),
            Kind::Binary(_)
            | Kind::VarBinary { .. }
            | Kind::Geometry
            | Kind::Point
            | Kind::Uuid
            | Kind::Inet6
            | Kind::Inet4 => format!("HEX(`{n}`)"),
            _ => format!("`{n}`"),
        }
    }
}

fn columns() -> Vec<Col> {
    use Kind::*;
    let c = |name, ddl, kind| Col { name, ddl, kind };
    let int = |bits, unsigned| Int { bits, unsigned };
    vec![
        c("id", "INT NOT NULL", int(32, false)),
        c("rev", "INT NOT NULL", int(32, false)),
        c("c_tinyint", "TINYINT", int(8, false)),
        c("c_tinyint_u", "TINYINT UNSIGNED", int(8, true)),
        c("c_smallint", "SMALLINT", int(16, false)),
        c("c_smallint_u", "SMALLINT UNSIGNED", int(16, true)),
        c("c_mediumint", "MEDIUMINT", int(24, false)),
        c("c_mediumint_u", "MEDIUMINT UNSIGNED", int(24, true)),
        c("c_int", "INT", int(32, false)),
        c("c_int_u", "INT UNSIGNED", int(32, true)),
        c("c_bigint", "BIGINT", int(64, false)),
        c("c_bigint_u", "BIGINT UNSIGNED", int(64, true)),
        c("c_float", "FLOAT", Float),
        c("c_double", "DOUBLE", Double),
        c(
            "c_dec65",
            "DECIMAL(65,30)",
            Decimal {
                precision: 65,
                scale: 30,
            },
        ),
        c(
            "c_dec10",
            "DECIMAL(10,2)",
            Decimal {
                precision: 10,
                scale: 2,
            },
        ),
        c(
            "c_dec5",
            "DECIMAL(5,0)",
            Decimal {
                precision: 5,
                scale: 0,
            },
        ),
        c("c_bit1", "BIT(1)", Bit(1)),
        c("c_bit13", "BIT(13)", Bit(13)),
        c("c_bit64", "BIT(64)", Bit(64)),
        c("c_year", "YEAR", Year),
        c("c_date", "DATE", Date),
        c("c_time", "TIME", Time(0)),
        c("c_time3", "TIME(3)", Time(3)),
        c("c_time6", "TIME(6)", Time(6)),
        c("c_datetime", "DATETIME", DateTime(0)),
        c("c_datetime6", "DATETIME(6)", DateTime(6)),
        c(
            "c_timestamp6",
            "TIMESTAMP(6) NULL DEFAULT NULL",
            Timestamp(6),
        ),
        c(
            "c_char",
            "CHAR(10) CHARACTER SET utf8mb4",
            Chars {
                max_chars: 10,
                latin1: false,
            },
        ),
        c(
            "c_char255",
            "CHAR(255) CHARACTER SET utf8mb4",
            Chars {
                max_chars: 255,
                latin1: false,
            },
        ),
        c(
            "c_varchar",
            "VARCHAR(300) CHARACTER SET utf8mb4",
            Chars {
                max_chars: 300,
                latin1: false,
            },
        ),
        c(
            "c_latin1",
            "VARCHAR(100) CHARACTER SET latin1",
            Chars {
                max_chars: 100,
                latin1: true,
            },
        ),
        c("c_binary", "BINARY(8)", Binary(8)),
        c(
            "c_varbinary",
            "VARBINARY(300)",
            VarBinary { max_bytes: 300 },
        ),
        c("c_tinytext", "TINYTEXT", Text { max_bytes: 255 }),
        c("c_text", "TEXT", Text { max_bytes: 65_535 }),
        c("c_mediumtext", "MEDIUMTEXT", Text { max_bytes: 120_000 }),
        c("c_longtext", "LONGTEXT", Text { max_bytes: 120_000 }),
        c("c_tinyblob", "TINYBLOB", VarBinary { max_bytes: 255 }),
        c("c_blob", "BLOB", VarBinary { max_bytes: 65_535 }),
        c(
            "c_mediumblob",
            "MEDIUMBLOB",
            VarBinary { max_bytes: 120_000 },
        ),
        c("c_longblob", "LONGBLOB", VarBinary { max_bytes: 120_000 }),
        c("c_enum", "ENUM('a','b','c')", Enum),
        c("c_set", "SET('x','y','z')", Set),
        c("c_json", "JSON", Json),
        c("c_geometry", "GEOMETRY", Geometry),
        c("c_point", "POINT", Point),
        c("c_uuid", "UUID", Uuid),
        c("c_inet6", "INET6", Inet6),
        c("c_inet4", "INET4", Inet4),
    ]
}

fn create_table_sql(cols: &[Col]) -> String {
    let mut sql = format!("CREATE TABLE `{TABLE}` (");
    for c in cols {
        let _ = write!(sql, "`{}` {}, ", c.name, c.ddl);
    }
    sql.push_str("PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    sql
}

// ------------------------------------------------------------------------------------------
// Seeded random values
// ------------------------------------------------------------------------------------------

/// SplitMix64: tiny, seedable, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    fn below_usize(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn between(&mut self, lo: i128, hi: i128) -> i128 {
        let span = (hi - lo) as u128 + 1;
        let r = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        lo + (r % span) as i128
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below_usize(xs.len())]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// A size: mostly small, sometimes medium, rarely big (tens of KB), never above `max`.
    fn size(&mut self, max: usize) -> usize {
        let cap = match self.below(20) {
            0 => 80_000,
            1..=5 => 2_000,
            _ => 40,
        };
        self.below_usize(cap.min(max) + 1)
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

fn utf8_literal(s: &str) -> String {
    format!("_utf8mb4 X'{}'", hex(s.as_bytes()))
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "Z",
    "hello",
    "world",
    "0",
    "NULL",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "'",
    "\"",
    "\\",
    "%",
    "_",
    "é",
    "ß",
    "Ω",
    "Ж",
    "€",
    "漢字",
    "日本語",
    "한국어",
    "😀",
    "🎉",
    "👩\u{200d}👩\u{200d}👧",
    "e\u{301}",
    "a\u{308}\u{323}",
    "\u{200b}",
    "𝄞",
    "ﬁ",
];

/// Text of up to `max_chars` characters and `max_bytes` bytes, aiming for `target` characters.
fn text_value(rng: &mut Rng, max_chars: usize, max_bytes: usize, target: usize) -> String {
    let mut s = String::new();
    let mut chars = 0;
    let mut misses = 0;
    while chars < target && misses < 4 {
        let p = *rng.pick(PIECES);
        let n = p.chars().count();
        if chars + n > max_chars || s.len() + p.len() > max_bytes {
            misses += 1;
            continue;
        }
        s.push_str(p);
        chars += n;
    }
    s
}

fn json_string(rng: &mut Rng, out: &mut String) {
    let target = rng.below_usize(12);
    let s = text_value(rng, 40, 200, target);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            'é' if rng.chance(50) => out.push_str("\\u00e9"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_value(rng: &mut Rng, depth: u32, out: &mut String) {
    let choices = if depth == 0 { 5 } else { 7 };
    match rng.below(choices) {
        0 => {
            let word: &&str = rng.pick(&["null", "true", "false"]);
            out.push_str(word);
        }
        1 => {
            let v = rng.between(i128::from(i64::MIN), i128::from(i64::MAX));
            let _ = write!(out, "{v}");
        }
        2 => {
            let number: &&str =
                rng.pick(&["0", "-0", "1.5", "-12.5e-3", "1E+2", "3.14159265358979"]);
            out.push_str(number);
        }
        3 | 4 => json_string(rng, out),
        5 => {
            out.push('[');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                json_value(rng, depth - 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push_str(", ");
                }
                json_string(rng, out);
                out.push_str(": ");
                json_value(rng, depth - 1, out);
            }
            out.push('}');
        }
    }
}

fn json_document(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(15) {
        // A big nested document: tens of KB.
        let target = 10_000 + rng.below_usize(50_000);
        s.push_str("{\"kind\": \"big\", \"items\": [");
        let mut first = true;
        while s.len() < target {
            if !first {
                s.push(',');
            }
            first = false;
            s.push_str("{\"nested\": {\"deeper\": [");
            json_value(rng, 4, &mut s);
            s.push_str("]}}");
        }
        s.push_str("], \"end\": true}");
    } else {
        json_value(rng, 3, &mut s);
    }
    s
}

fn coordinate(rng: &mut Rng) -> String {
    let v = rng.between(-1_000_000, 1_000_000) as f64 / 1000.0;
    format!("{v}")
}

fn point_text(rng: &mut Rng) -> String {
    format!("{} {}", coordinate(rng), coordinate(rng))
}

fn points(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| point_text(rng))
        .collect::<Vec<_>>()
        .join(",")
}

fn wkt(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!("POINT({})", point_text(rng)),
        1 => {
            let n = 2 + rng.below_usize(5);
            format!("LINESTRING({})", points(rng, n))
        }
        2 => {
            let first = point_text(rng);
            let mid = points(rng, 2);
            format!("POLYGON(({first},{mid},{first}))")
        }
        3 => {
            let n = 1 + rng.below_usize(4);
            format!("MULTIPOINT({})", points(rng, n))
        }
        4 => format!("MULTILINESTRING(({}),({}))", points(rng, 2), points(rng, 3)),
        _ => format!(
            "GEOMETRYCOLLECTION(POINT({}),LINESTRING({}))",
            point_text(rng),
            points(rng, 2)
        ),
    }
}

fn srid(rng: &mut Rng) -> u32 {
    *rng.pick(&[0, 0, 4326, 3857, 1_000_000])
}

fn int_range(bits: u32, unsigned: bool) -> (i128, i128) {
    if unsigned {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

/// `digits` random decimal digits.
fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// `fsp` fraction digits (empty for 0), all nines or random.
fn fraction(rng: &mut Rng, fsp: usize, nines: bool) -> String {
    if fsp == 0 {
        return String::new();
    }
    let d = if nines {
        "9".repeat(fsp)
    } else {
        digits(rng, fsp)
    };
    format!(".{d}")
}

/// An SQL expression for a random value of `col` (under `sql_mode=''`).
fn random_literal(rng: &mut Rng, col: &Col) -> String {
    if col.nullable() && rng.chance(12) {
        return "NULL".into();
    }
    match col.kind {
        Kind::Int { bits, unsigned } => {
            let (lo, hi) = int_range(bits, unsigned);
            let v = match rng.below(6) {
                0 => lo,
                1 => hi,
                2 => 0,
                3 => 1,
                _ => rng.between(lo, hi),
            };
            v.to_string()
        }
        Kind::Float => match rng.below(8) {
            0 => "0".into(),
            1 => "3.4028235e38".into(),
            2 => "-3.4028235e38".into(),
            3 => "1.1754944e-38".into(),
            4 => "-0.1".into(),
            _ => loop {
                let f = f32::from_bits(rng.next_u64() as u32);
                if f.is_finite() {
                    break format!("{f:e}");
                }
            },
        },
        Kind::Double => match rng.below(8) {
            0 => "0".into(),
            1 => "1.7976931348623157e308".into(),
            2 => "-1.7976931348623157e308".into(),
            3 => "2.2250738585072014e-308".into(),
            4 => "5e-324".into(),
            5 => "0.1".into(),
            _ => loop {
                let f = f64::from_bits(rng.next_u64());
                if f.is_finite() {
                    break format!("{f:e}");
                }
            },
        },
        Kind::Decimal { precision, scale } => {
            let int_digits = (precision - scale) as usize;
            let scale = scale as usize;
            let sign = if rng.chance(50) { "-" } else { "" };
            let (int, frac) = match rng.below(5) {
                0 => ("9".repeat(int_digits), "9".repeat(scale)),
                1 => ("0".into(), "0".repeat(scale)),
                2 if scale > 0 => ("0".into(), format!("{}1", "0".repeat(scale - 1))),
                _ => {
                    let n = 1 + rng.below_usize(int_digits);
                    (digits(rng, n), digits(rng, scale))
                }
            };
            if scale == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            }
        }
        Kind::Bit(n) => {
            let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
            let v = match rng.below(4) {
                0 => 0,
                1 => mask,
                _ => rng.next_u64() & mask,
            };
            format!("b'{v:b}'")
        }
        Kind::Year => match rng.below(5) {
            0 => "0".into(),
            1 => "1901".into(),
            2 => "2155".into(),
            _ => rng.between(1901, 2155).to_string(),
        },
        Kind::Date => match rng.below(9) {
            0 => "'0000-00-00'".into(),
            1 => "'2024-00-00'".into(),
            2 => "'2024-05-00'".into(),
            3 => "'1000-01-01'".into(),
            4 => "'9999-12-31'".into(),
            5 => "'0001-01-01'".into(),
            _ => format!(
                "'{:04}-{:02}-{:02}'",
                rng.between(1, 9999),
                rng.between(1, 12),
                rng.between(1, 28)
            ),
        },
        Kind::Time(fsp) => match rng.below(7) {
            0 => format!("'-838:59:59{}'", fraction(rng, fsp, true)),
            1 => format!("'838:59:59{}'", fraction(rng, fsp, true)),
            2 => "'-00:00:00.5'".into(),
            3 => "'00:00:00'".into(),
            _ => {
                let sign = if rng.chance(40) { "-" } else { "" };
                let frac = fraction(rng, fsp, false);
                format!(
                    "'{sign}{:02}:{:02}:{:02}{frac}'",
                    rng.between(0, 838),
                    rng.between(0, 59),
                    rng.between(0, 59)
                )
            }
        },
        Kind::DateTime(fsp) => match rng.below(7) {
            0 => "'0000-00-00 00:00:00'".into(),
            1 => "'2024-00-00 12:34:56'".into(),
            2 => format!("'9999-12-31 23:59:59{}'", fraction(rng, fsp, true)),
            3 => "'1000-01-01 00:00:00'".into(),
            _ => {
                let frac = fraction(rng, fsp, false);
                format!(
                    "'{:04}-{:02}-{:02} {:02}:{:02}:{:02}{frac}'",
                    rng.between(1, 9999),
                    rng.between(1, 12),
                    rng.between(1, 28),
                    rng.between(0, 23),
                    rng.between(0, 59),
                    rng.between(0, 59)
                )
            }
        },
        Kind::Timestamp(fsp) => match rng.below(6) {
            0 => "'0000-00-00 00:00:00'".into(),
            1 => "FROM_UNIXTIME(1)".into(),
            2 => format!("FROM_UNIXTIME(2147483647{})", fraction(rng, fsp, true)),
            _ => format!(
                "FROM_UNIXTIME({}{})",
                rng.between(1, 2_147_483_647),
                fraction(rng, fsp, false)
            ),
        },
        Kind::Chars {
            max_chars,
            latin1: true,
        } => {
            let n = rng.below_usize(max_chars + 1);
            let bytes: Vec<u8> = (0..n)
                .map(|_| match rng.below(10) {
                    0..=3 => b'a' + rng.below(26) as u8,
                    4 => b' ',
                    5 => *rng.pick(b"\t'\\\"%"),
                    _ => 0x80 + rng.below(0x80) as u8,
                })
                .collect();
            format!("_latin1 X'{}'", hex(&bytes))
        }
        Kind::Chars {
            max_chars,
            latin1: false,
        } => {
            let target = rng.below_usize(max_chars + 1);
            let mut s = text_value(rng, max_chars, max_chars * 4, target);
            // Trailing spaces: the server strips them from CHAR, keeps them in VARCHAR.
            while rng.chance(30) && s.chars().count() < max_chars {
                s.push(' ');
            }
            utf8_literal(&s)
        }
        Kind::Text { max_bytes } => {
            let target = rng.size(max_bytes);
            utf8_literal(&text_value(rng, usize::MAX, max_bytes, target))
        }
        Kind::Binary(n) => {
            let len = rng.below_usize(n + 1);
            let mut b = rng.bytes(len);
            if rng.chance(25) {
                b.resize(n.min(len + 3), 0);
            } else if rng.chance(15) {
                b.resize(n.min(len + 2), b' ');
            }
            format!("X'{}'", hex(&b))
        }
        Kind::VarBinary { max_bytes } => {
            let n = rng.size(max_bytes);
            format!("X'{}'", hex(&rng.bytes(n)))
        }
        Kind::Enum => (*rng.pick(&["'a'", "'b'", "'c'", "''"])).into(),
        Kind::Set => {
            let members: Vec<&str> = (0..rng.below(4)).map(|_| *rng.pick(&SET_LABELS)).collect();
            format!("'{}'", members.join(","))
        }
        Kind::Json => utf8_literal(&json_document(rng)),
        Kind::Geometry => format!("ST_GeomFromText('{}', {})", wkt(rng), srid(rng)),
        Kind::Point => format!(
            "ST_GeomFromText('POINT({})', {})",
            point_text(rng),
            srid(rng)
        ),
        Kind::Uuid => {
            let mut b = rng.bytes(16);
            match rng.below(5) {
                0 => b = vec![0; 16],
                1 => b = vec![0xff; 16],
                2 => {
                    // time-based (version 1), RFC variant
                    b[6] = 0x10 | (b[6] & 0x0f);
                    b[8] = 0x80 | (b[8] & 0x3f);
                }
                3 => {
                    b[6] = 0x40 | (b[6] & 0x0f);
                    b[8] = 0x80 | (b[8] & 0x3f);
                }
                _ => {}
            }
            let h = hex(&b).to_ascii_lowercase();
            format!(
                "'{}-{}-{}-{}-{}'",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        }
        Kind::Inet6 => match rng.below(7) {
            0 => "'::'".into(),
            1 => "'::1'".into(),
            2 => format!(
                "'::ffff:{}.{}.{}.{}'",
                rng.below(256),
                rng.below(256),
                rng.below(256),
                rng.below(256)
            ),
            3 => "'fe80::1:2'".into(),
            4 => "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'".into(),
            _ => {
                let groups: Vec<String> = (0..8)
                    .map(|_| format!("{:x}", rng.below(0x1_0000)))
                    .collect();
                format!("'{}'", groups.join(":"))
            }
        },
        Kind::Inet4 => match rng.below(4) {
            0 => "'0.0.0.0'".into(),
            1 => "'255.255.255.255'".into(),
            _ => format!(
                "'{}.{}.{}.{}'",
                rng.below(256),
                rng.below(256),
                rng.below(256),
                rng.below(256)
            ),
        },
    }
}

// ------------------------------------------------------------------------------------------
// The workload, with the SELECT oracle's expectations
// ------------------------------------------------------------------------------------------

/// A row as `SELECT` printed it (in [`Col::select_expr`] form), `None` for NULL.
type TextRow = Vec<Option<String>>;

/// One row change the binlog must hold, as the server's SELECT saw it.
#[derive(Debug)]
struct Expect {
    kind: RowsKind,
    before: Option<TextRow>,
    after: Option<TextRow>,
}

/// One transaction: where its events are and what they must say.
struct Step {
    start: (String, u64),
    end: (String, u64),
    expects: Vec<Expect>,
}

struct Pending {
    kind: RowsKind,
    before_id: Option<i64>,
    after_id: Option<i64>,
}

#[derive(Default, Debug)]
struct Stats {
    transactions: usize,
    inserts: usize,
    updates: usize,
    pk_changes: usize,
    deletes: usize,
}

struct Workload<'a> {
    db: &'a MariaDbDatabase,
    cols: &'a [Col],
    rng: Rng,
    model: BTreeMap<i64, TextRow>,
    next_id: i64,
    next_moved_id: i64,
    stats: Stats,
}

impl Workload<'_> {
    fn select_rows(&self, ids: &[i64]) -> BTreeMap<i64, TextRow> {
        if ids.is_empty() {
            return BTreeMap::new();
        }
        let exprs: Vec<String> = self.cols.iter().map(Col::select_expr).collect();
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT {} FROM `{TABLE}` WHERE `id` IN ({}) ORDER BY `id`",
            exprs.join(", "),
            ids.join(",")
        );
        self.db
            .query(&sql)
            .into_iter()
            .map(|row| (row[0].as_deref().unwrap().parse().unwrap(), row))
            .collect()
    }

    fn pick_existing(&mut self, used: &mut BTreeSet<i64>) -> Option<i64> {
        let free: Vec<i64> = self
            .model
            .keys()
            .copied()
            .filter(|id| !used.contains(id))
            .collect();
        if free.is_empty() {
            return None;
        }
        let id = *self.rng.pick(&free);
        used.insert(id);
        Some(id)
    }

    fn random_assignments(&mut self) -> Vec<String> {
        let mut names = BTreeSet::new();
        let mut sets = vec!["`rev` = `rev` + 1".to_string()];
        for _ in 0..1 + self.rng.below(6) {
            let col = &self.cols[2 + self.rng.below_usize(self.cols.len() - 2)];
            if names.insert(col.name) {
                let lit = random_literal(&mut self.rng, col);
                sets.push(format!("`{}` = {lit}", col.name));
            }
        }
        sets
    }

    /// Runs one random transaction and returns what the binlog must say about it.
    fn step(&mut self, start: (String, u64)) -> Step {
        let mut sql = String::from("SET SESSION sql_mode = '';\nSTART TRANSACTION;\n");
        let mut pending = Vec::new();
        let mut used = BTreeSet::new();
        let op = if self.model.len() < 8 {
            0
        } else {
            self.rng.below(10)
        };
        let (inserts, updates, multi, deletes) = match op {
            0..=4 => (1 + self.rng.below(6), 0, 0, 0),
            5 | 6 => (0, 1 + self.rng.below(4), self.rng.below(2), 0),
            7 => (0, 0, 0, 1 + self.rng.below(4)),
            _ => (
                1 + self.rng.below(2),
                1 + self.rng.below(2),
                self.rng.below(2),
                1 + self.rng.below(2),
            ),
        };
        // Inserts, up to three rows per statement.
        let mut left = inserts;
        while left > 0 {
            let n = left.min(1 + self.rng.below(3));
            left -= n;
            let mut rows = Vec::new();
            for _ in 0..n {
                let id = self.next_id;
                self.next_id += 1;
                let mut vals = vec![id.to_string(), "0".to_string()];
                for col in &self.cols[2..] {
                    vals.push(random_literal(&mut self.rng, col));
                }
                rows.push(format!("({})", vals.join(", ")));
                pending.push(Pending {
                    kind: RowsKind::Write,
                    before_id: None,
                    after_id: Some(id),
                });
                used.insert(id);
            }
            let names: Vec<String> = self.cols.iter().map(|c| format!("`{}`", c.name)).collect();
            let _ = writeln!(
                sql,
                "INSERT INTO `{TABLE}` ({}) VALUES {};",
                names.join(", "),
                rows.join(",\n")
            );
        }
        // Single-row updates, some of them changing the primary key.
        for _ in 0..updates {
            let Some(id) = self.pick_existing(&mut used) else {
                break;
            };
            let mut sets = self.random_assignments();
            let mut after = id;
            if self.rng.chance(25) {
                after = self.next_moved_id;
                self.next_moved_id += 1;
                used.insert(after);
                sets.push(format!("`id` = {after}"));
                self.stats.pk_changes += 1;
            }
            let _ = writeln!(
                sql,
                "UPDATE `{TABLE}` SET {} WHERE `id` = {id};",
                sets.join(", ")
            );
            pending.push(Pending {
                kind: RowsKind::Update,
                before_id: Some(id),
                after_id: Some(after),
            });
        }
        // One statement updating several rows (one rows event with several rows).
        if multi > 0 {
            let ids: Vec<i64> = (0..2 + self.rng.below(4))
                .filter_map(|_| self.pick_existing(&mut used))
                .collect();
            if !ids.is_empty() {
                let sets = self.random_assignments();
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                let _ = writeln!(
                    sql,
                    "UPDATE `{TABLE}` SET {} WHERE `id` IN ({});",
                    sets.join(", "),
                    list.join(",")
                );
                for id in ids {
                    pending.push(Pending {
                        kind: RowsKind::Update,
                        before_id: Some(id),
                        after_id: Some(id),
                    });
                }
            }
        }
        // Deletes, one by one or in one statement.
        let ids: Vec<i64> = (0..deletes)
            .filter_map(|_| self.pick_existing(&mut used))
            .collect();
        if !ids.is_empty() {
            if self.rng.chance(50) {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                let _ = writeln!(
                    sql,
                    "DELETE FROM `{TABLE}` WHERE `id` IN ({});",
                    list.join(",")
                );
            } else {
                for id in &ids {
                    let _ = writeln!(sql, "DELETE FROM `{TABLE}` WHERE `id` = {id};");
                }
            }
            for id in ids {
                pending.push(Pending {
                    kind: RowsKind::Delete,
                    before_id: Some(id),
                    after_id: None,
                });
            }
        }
        sql.push_str("COMMIT;\n");
        self.db.exec(&sql);
        let end = self.db.server().current_binlog();

        let after_ids: Vec<i64> = pending.iter().filter_map(|p| p.after_id).collect();
        let mut selected = self.select_rows(&after_ids);
        assert_eq!(
            selected.len(),
            after_ids.len(),
            "workload bug: rows {after_ids:?} not all found after\n{sql}"
        );
        let mut expects = Vec::new();
        for p in &pending {
            let before = p.before_id.map(|id| self.model.remove(&id).unwrap());
            expects.push(Expect {
                kind: p.kind,
                before,
                after: None,
            });
        }
        for (p, e) in pending.iter().zip(&mut expects) {
            if let Some(id) = p.after_id {
                let row = selected.remove(&id).unwrap();
                self.model.insert(id, row.clone());
                e.after = Some(row);
            }
            match p.kind {
                RowsKind::Write => self.stats.inserts += 1,
                RowsKind::Update | RowsKind::PartialUpdate => self.stats.updates += 1,
                RowsKind::Delete => self.stats.deletes += 1,
            }
        }
        self.stats.transactions += 1;
        Step {
            start,
            end,
            expects,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Rendering our values like the oracles print them
// ------------------------------------------------------------------------------------------

fn fraction_text(micros: u32, fsp: usize) -> String {
    let all = format!("{micros:06}");
    let (keep, rest) = all.split_at(fsp);
    // Digits beyond the column's precision cannot be there: show them so the texts differ.
    let extra = if rest.bytes().all(|b| b == b'0') {
        String::new()
    } else {
        format!("!{rest}")
    };
    if fsp == 0 {
        extra
    } else {
        format!(".{keep}{extra}")
    }
}

fn time_text(t: &cdc_model::Time, fsp: usize) -> String {
    format!(
        "{}{:02}:{:02}:{:02}{}",
        if t.negative { "-" } else { "" },
        t.hours,
        t.minutes,
        t.seconds,
        fraction_text(t.micros, fsp)
    )
}

fn date_text(d: &cdc_model::Date, sep: char) -> String {
    format!("{:04}{sep}{:02}{sep}{:02}", d.year, d.month, d.day)
}

fn datetime_text(dt: &cdc_model::DateTime, fsp: usize) -> String {
    format!(
        "{} {:02}:{:02}:{:02}{}",
        date_text(&dt.date, '-'),
        dt.hour,
        dt.minute,
        dt.second,
        fraction_text(dt.micros, fsp)
    )
}

fn geometry_bytes(g: &cdc_model::Geometry) -> Vec<u8> {
    let mut b = g.srid.to_le_bytes().to_vec();
    b.extend_from_slice(&g.wkb);
    b
}

fn inet_bytes(i: &cdc_model::Inet) -> Vec<u8> {
    match i.addr {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// Our value in the text form [`Col::select_expr`] selects, `None` when it is of a variant
/// that column cannot hold (or lacks what the text needs, like an ENUM label).
fn select_text(kind: Kind, v: &Value) -> Option<String> {
    Some(match (kind, v) {
        (Kind::Int { .. }, Value::Int(i)) => i.to_string(),
        (Kind::Int { .. }, Value::UInt(u)) => u.to_string(),
        (Kind::Decimal { .. }, Value::Decimal(d)) => d.to_string(),
        (Kind::Bit(n), Value::Bit(b)) if b.len == n => b.to_u64()?.to_string(),
        (Kind::Year, Value::Year(y)) => format!("{y:04}"),
        (Kind::Date, Value::Date(d)) => date_text(d, '-'),
        (Kind::Time(fsp), Value::Time(t)) => time_text(t, fsp),
        (Kind::DateTime(fsp), Value::DateTime(dt)) => datetime_text(dt, fsp),
        (Kind::Timestamp(fsp), Value::Timestamp(ts)) => datetime_text(&ts.to_utc(), fsp),
        (Kind::Chars { .. } | Kind::Text { .. } | Kind::Json, Value::Text(t)) => {
            t.to_utf8()?.into_owned()
        }
        (Kind::Json, Value::Json(s)) => s.clone(),
        (
            Kind::Binary(_) | Kind::VarBinary { .. } | Kind::Uuid | Kind::Inet6 | Kind::Inet4,
            Value::Bytes(b),
        ) => hex(b),
        (Kind::Uuid, Value::Uuid(u)) => hex(u.as_bytes()),
        (Kind::Inet6 | Kind::Inet4, Value::Inet(i)) => hex(&inet_bytes(i)),
        (Kind::Enum, Value::Enum(e)) => e.label.clone()?,
        (Kind::Set, Value::Set(s)) => s.labels.as_ref()?.join(","),
        (Kind::Geometry | Kind::Point, Value::Geometry(g)) => hex(&geometry_bytes(g)),
        _ => return None,
    })
}

fn select_matches(kind: Kind, expected: Option<&str>, got: &Value) -> bool {
    match (expected, got) {
        (None, Value::Null) => true,
        (None, _) | (Some(_), Value::Null) => false,
        (Some(e), v) => match (kind, v) {
            // Floats compare as numbers: the server prints the shortest text that reads back
            // as the same double (FLOAT is selected widened to DOUBLE, which is exact).
            (Kind::Float, Value::Float(f)) => {
                e.parse::<f64>().ok().map(f64::to_bits) == Some(f64::from(*f).to_bits())
            }
            (Kind::Double, Value::Double(d)) => {
                e.parse::<f64>().ok().map(f64::to_bits) == Some(d.to_bits())
            }
            _ => select_text(kind, v).as_deref() == Some(e),
        },
    }
}

fn label_list(labels: &[&str], bits: u64) -> String {
    labels
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join(",")
}

/// Under MINIMAL metadata without a supplied schema, the acceptable ways for a value to be
/// less than complete (but never wrong): returns what was missing, or `None` when `got` is
/// not an acceptable degradation of `expected`.
fn degraded(kind: Kind, expected: Option<&str>, got: &Value) -> Option<&'static str> {
    let e = expected?;
    match (kind, got) {
        (
            Kind::Enum,
            Value::Enum(EnumValue {
                index: Some(i),
                label: None,
            }),
        ) => {
            let label = if *i == 0 {
                Some("")
            } else {
                ENUM_LABELS.get(usize::from(*i) - 1).copied()
            };
            (label == Some(e)).then_some("ENUM index without its label")
        }
        (Kind::Set, Value::Set(SetValue { bits, labels: None })) => {
            (label_list(&SET_LABELS, *bits) == e).then_some("SET bits without their labels")
        }
        (Kind::Chars { latin1, .. }, Value::Bytes(b)) => {
            let cs = if latin1 {
                Charset::Latin1
            } else {
                Charset::Utf8mb4
            };
            let t = Text::new(b.clone(), cs);
            (t.to_utf8().as_deref() == Some(e)).then_some("text as bytes (no charset known)")
        }
        (Kind::Text { .. } | Kind::Json, Value::Bytes(b)) => {
            (std::str::from_utf8(b).ok() == Some(e)).then_some("text as bytes (no charset known)")
        }
        (Kind::Binary(_) | Kind::Uuid | Kind::Inet6 | Kind::Inet4, Value::Bytes(b)) => {
            let n = e.len() / 2;
            let mut padded = b.to_vec();
            if padded.len() < n {
                padded.resize(n, 0);
            }
            (hex(&padded) == e).then_some("BINARY(n) without its trailing zero pad")
        }
        _ => None,
    }
}

/// C's `printf("%.{prec}g", x)`, which `mariadb-binlog` uses for FLOAT (`%-20g`, 6 digits)
/// and DOUBLE (`%-.20g`).
fn c_format_g(x: f64, prec: usize) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= p as i32 {
        format!(
            "{}e{}{:02}",
            strip(mantissa),
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        )
    } else {
        strip(&format!("{:.*}", (p as i32 - 1 - exp) as usize, x))
    }
}

/// `mariadb-binlog`'s quoting: the bytes as they are, but bytes below 0x20 as `\xNN`.
fn binlog_quoted(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &b in bytes {
        if b > 0x1f {
            out.push(b);
        } else {
            out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        }
    }
    out.push(b'\'');
    out
}

/// Our value in `mariadb-binlog -vv`'s text form. The normalisations, by type:
///
/// - integers: it prints the value read as signed, and when that is negative also the unsigned
///   reading in parentheses (`-1 (255)`) — it does not know the signedness;
/// - FLOAT: `%g` (6 significant digits, padded to 20 columns: the padding is trimmed when
///   parsing); DOUBLE: `%.20g`;
/// - DECIMAL: plain digits with exactly `scale` decimals, like our `Decimal` Display;
/// - BIT: `b'…'` with the column's bit count; SET: `b'…'` with 8 bits per stored byte;
///   ENUM: the 1-based index (0 for the empty error value);
/// - YEAR: `1900 + stored byte`, so the zero year prints as `1900`;
/// - DATE: `'YYYY:MM:DD'` (with colons); TIME, DATETIME: quoted, with the column's fraction
///   digits; TIMESTAMP: Unix seconds with the column's fraction digits (`0.000000` for zero);
/// - strings, blobs, JSON (LONGTEXT), GEOMETRY (4-byte little-endian SRID + WKB): the stored
///   bytes quoted by [`binlog_quoted`]. The server logs CHAR without its trailing spaces and
///   BINARY (also UUID, INET6, INET4) without its trailing zero bytes, and `mariadb-binlog`
///   prints what was logged; our decoder puts BINARY's zero pad back (as a replica does), so
///   trailing zeros are stripped from our bytes for those columns before comparing.
fn binlog_text(kind: Kind, v: &Value) -> Vec<u8> {
    let int = |raw: i128, bits: u32| -> String {
        let m = 1i128 << bits;
        let raw = raw.rem_euclid(m);
        let signed = if raw >= m / 2 { raw - m } else { raw };
        if signed < 0 {
            format!("{signed} ({raw})")
        } else {
            signed.to_string()
        }
    };
    let s = match (kind, v) {
        (_, Value::Null) => "NULL".into(),
        (Kind::Int { bits, .. }, Value::Int(i)) => int(i128::from(*i), bits),
        (Kind::Int { bits, .. }, Value::UInt(u)) => int(i128::from(*u), bits),
        (_, Value::Float(f)) => c_format_g(f64::from(*f), 6),
        (_, Value::Double(d)) => c_format_g(*d, 20),
        (_, Value::Decimal(d)) => d.to_string(),
        (_, Value::Bit(b)) => format!("b'{b}'"),
        (_, Value::Year(y)) => (if *y == 0 { 1900 } else { *y }).to_string(),
        (_, Value::Date(d)) => format!("'{}'", date_text(d, ':')),
        (Kind::Time(fsp), Value::Time(t)) => format!("'{}'", time_text(t, fsp)),
        (Kind::DateTime(fsp), Value::DateTime(dt)) => format!("'{}'", datetime_text(dt, fsp)),
        (Kind::Timestamp(fsp), Value::Timestamp(ts)) => {
            let micros = if ts.is_zero() { 0 } else { ts.unix_micros() };
            let secs = micros.div_euclid(1_000_000);
            let frac = micros.rem_euclid(1_000_000);
            if fsp == 0 {
                secs.to_string()
            } else {
                format!("{secs}.{}", &format!("{frac:06}")[..fsp])
            }
        }
        (_, Value::Text(t)) => return binlog_quoted(&t.bytes),
        (Kind::Binary(_) | Kind::Uuid | Kind::Inet6 | Kind::Inet4, Value::Bytes(b)) => {
            let end = b.iter().rposition(|x| *x != 0).map_or(0, |i| i + 1);
            return binlog_quoted(&b[..end]);
        }
        (_, Value::Bytes(b)) => return binlog_quoted(b),
        (_, Value::Json(s)) => return binlog_quoted(s.as_bytes()),
        (_, Value::Geometry(g)) => return binlog_quoted(&geometry_bytes(g)),
        (_, Value::Enum(e)) => e.index.map_or("<no index>".into(), |i| i.to_string()),
        (_, Value::Set(s)) => format!("b'{:08b}'", s.bits),
        (_, other) => format!("<unexpected {other:?}>"),
    };
    s.into_bytes()
}

// ------------------------------------------------------------------------------------------
// Decoding the binlog range: ours, and mariadb-binlog's
// ------------------------------------------------------------------------------------------

/// A position as (index of the file in `SHOW BINARY LOGS`, offset).
type Pos = (usize, u64);

struct OurChange {
    pos: Pos,
    type_code: u8,
    kind: RowsKind,
    before: Option<Vec<Value>>,
    after: Option<Vec<Value>>,
}

#[derive(Default)]
struct Decoded {
    changes: Vec<OurChange>,
    /// Type codes of the rows events of our table and the QUERY events of our database.
    type_codes: BTreeSet<u8>,
    /// (type code, statement) of the QUERY events of our database.
    queries: Vec<(u8, String)>,
    table_maps: Vec<Arc<TableMap>>,
}

struct Range<'a> {
    server: &'a MariaDb,
    files: Vec<String>,
    start: Pos,
    end: Pos,
    db: &'a str,
}

impl<'a> Range<'a> {
    fn new(server: &'a MariaDb, start: &(String, u64), end: &(String, u64), db: &'a str) -> Self {
        let files = server.binlog_files();
        let start = (position_of(&files, start), start.1);
        let end = (position_of(&files, end), end.1);
        Range {
            server,
            files,
            start,
            end,
            db,
        }
    }

    fn pos(&self, p: &(String, u64)) -> Pos {
        (position_of(&self.files, p), p.1)
    }

    fn decode(&self, schema: Option<&Arc<TableSchema>>, report: &mut Report, ctx: &str) -> Decoded {
        let mut out = Decoded::default();
        for fi in self.start.0..=self.end.0 {
            let name = &self.files[fi];
            let path = self.server.binlog_dir().join(name);
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut events = match BinlogBytes::new(data.into(), name) {
                Ok(b) => b,
                Err(e) => {
                    report.fail(format!("{ctx} decoder"), format!("opening {name}: {e}"));
                    continue;
                }
            };
            if let Some(s) = schema {
                events.decoder().supply_schema(s.clone());
            }
            loop {
                if fi == self.end.0 && events.position() >= self.end.1 {
                    break;
                }
                let Some(ev) = events.next() else { break };
                let ev = match ev {
                    Ok(ev) => ev,
                    Err(e) => {
                        report.fail(format!("{ctx} decoder"), format!("{name}: {e}"));
                        break;
                    }
                };
                if fi == self.start.0 && ev.offset < self.start.1 {
                    continue;
                }
                let pos = (fi, ev.offset);
                match &ev.data {
                    EventData::Query(q) if q.schema == self.db => {
                        out.type_codes.insert(ev.header.type_code);
                        out.queries
                            .push((ev.header.type_code, q.query_text().into_owned()));
                    }
                    EventData::TableMap(tm) if tm.schema == self.db && tm.table == TABLE => {
                        out.table_maps.push(tm.clone());
                    }
                    EventData::Rows(r) if r.table.schema == self.db && r.table.table == TABLE => {
                        out.type_codes.insert(ev.header.type_code);
                        for row in r.rows() {
                            match row {
                                Ok(row) => out.changes.push(OurChange {
                                    pos,
                                    type_code: ev.header.type_code,
                                    kind: r.kind,
                                    before: row.before,
                                    after: row.after,
                                }),
                                Err(e) => {
                                    report.fail(
                                        format!("{ctx} decoder rows"),
                                        format!("{name} at {}: {e}", ev.offset),
                                    );
                                    break;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// The row changes of our table as `mariadb-binlog -vv` prints them.
    fn mariadb_binlog(&self) -> Vec<BinlogChange> {
        let header = |verb: &str| format!("### {verb} `{}`.`{TABLE}`", self.db).into_bytes();
        let (insert, update, delete) = (
            header("INSERT INTO"),
            header("UPDATE"),
            header("DELETE FROM"),
        );
        let mut out = Vec::new();
        for fi in self.start.0..=self.end.0 {
            let path = self.server.binlog_dir().join(&self.files[fi]);
            let mut cmd = Command::new("mariadb-binlog");
            cmd.args(["--no-defaults", "--base64-output=decode-rows", "-vv"]);
            if fi == self.start.0 {
                cmd.arg(format!("--start-position={}", self.start.1));
            }
            if fi == self.end.0 {
                cmd.arg(format!("--stop-position={}", self.end.1));
            }
            let output = cmd
                .arg(&path)
                .output()
                .expect("running mariadb-binlog (installed by scripts/services up)");
            assert!(
                output.status.success(),
                "mariadb-binlog {} failed: {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            let mut at = 0u64;
            let mut current: Option<BinlogChange> = None;
            // 0: no image yet, 1: WHERE (before), 2: SET (after)
            let mut image = 0;
            for line in output.stdout.split(|b| *b == b'\n') {
                if let Some(rest) = line.strip_prefix(b"# at ") {
                    at = std::str::from_utf8(rest).unwrap().trim().parse().unwrap();
                    out.extend(current.take());
                    continue;
                }
                if line.starts_with(b"### ") && !line.starts_with(b"###   @") {
                    let kind = if line == insert.as_slice() {
                        Some(RowsKind::Write)
                    } else if line == update.as_slice() {
                        Some(RowsKind::Update)
                    } else if line == delete.as_slice() {
                        Some(RowsKind::Delete)
                    } else {
                        None
                    };
                    if line.starts_with(b"### INSERT INTO ")
                        || line.starts_with(b"### UPDATE ")
                        || line.starts_with(b"### DELETE FROM ")
                    {
                        out.extend(current.take());
                        image = 0;
                        current = kind.map(|kind| BinlogChange {
                            pos: (fi, at),
                            kind,
                            before: None,
                            after: None,
                        });
                    } else if line == b"### WHERE" {
                        image = 1;
                    } else if line == b"### SET" {
                        image = 2;
                    }
                    continue;
                }
                let Some(rest) = line.strip_prefix(b"###   @") else {
                    continue;
                };
                let Some(c) = current.as_mut() else { continue };
                let eq = rest.iter().position(|b| *b == b'=').unwrap();
                let n: usize = std::str::from_utf8(&rest[..eq]).unwrap().parse().unwrap();
                let value = &rest[eq + 1..];
                let comment = find_last(value, b" /* ").unwrap_or_else(|| {
                    panic!("no type comment in {}", String::from_utf8_lossy(line))
                });
                let mut text = &value[..comment];
                while let [head @ .., b' '] = text {
                    text = head;
                }
                let slot = if image == 1 {
                    &mut c.before
                } else {
                    &mut c.after
                };
                let values = slot.get_or_insert_with(Vec::new);
                if values.len() < n {
                    values.resize(n, None);
                }
                values[n - 1] = Some(text.to_vec());
            }
            out.extend(current.take());
        }
        out
    }
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=hay.len().checked_sub(needle.len())?)
        .rev()
        .find(|i| hay[*i..].starts_with(needle))
}

fn position_of(files: &[String], p: &(String, u64)) -> usize {
    files
        .iter()
        .position(|f| *f == p.0)
        .unwrap_or_else(|| panic!("binlog {} is not in SHOW BINARY LOGS {files:?}", p.0))
}

struct BinlogChange {
    pos: Pos,
    kind: RowsKind,
    before: Option<Vec<Option<Vec<u8>>>>,
    after: Option<Vec<Option<Vec<u8>>>>,
}

// ------------------------------------------------------------------------------------------
// Comparing
// ------------------------------------------------------------------------------------------

#[derive(Default)]
struct Report {
    /// (variant oracle column) -> (count, first example)
    failures: BTreeMap<String, (usize, String)>,
    /// acceptable degradations seen under MINIMAL without a schema: (column: what) -> count
    degraded: BTreeMap<String, usize>,
    values_checked: usize,
}

impl Report {
    fn fail(&mut self, key: String, detail: String) {
        let e = self.failures.entry(key).or_insert((0, detail));
        e.0 += 1;
    }

    fn finish(&self) {
        if !self.degraded.is_empty() {
            eprintln!("acceptable degradations under MINIMAL without a supplied schema:");
            for (k, n) in &self.degraded {
                eprintln!("  {k}: {n} values");
            }
        }
        eprintln!("{} values compared in all", self.values_checked);
        if self.failures.is_empty() {
            return;
        }
        let mut msg = format!(
            "{} kinds of mismatch between the decoder and the oracles:\n",
            self.failures.len()
        );
        for (k, (n, first)) in &self.failures {
            let _ = writeln!(msg, "- {k} ({n}×): {first}");
        }
        panic!("{msg}");
    }
}

fn short(s: &str) -> String {
    const MAX: usize = 400;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", &s[..cut], s.len()),
        None => s.to_string(),
    }
}

fn id_of(image: Option<&Vec<Value>>) -> Option<String> {
    image.and_then(|v| v.first()).and_then(|v| match v {
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    })
}

fn expected_id(image: Option<&TextRow>) -> Option<String> {
    image.and_then(|r| r.first().cloned().flatten())
}

#[derive(Clone, Copy, PartialEq)]
enum Strictness {
    Strict,
    /// MINIMAL metadata without a supplied schema: values may be degraded, never wrong.
    AllowDegraded,
}

fn check_image(
    cols: &[Col],
    expected: &TextRow,
    got: &[Value],
    strictness: Strictness,
    report: &mut Report,
    ctx: &str,
) {
    if got.len() != cols.len() {
        report.fail(
            format!("{ctx} column count"),
            format!("{} values for {} columns", got.len(), cols.len()),
        );
        return;
    }
    for ((col, e), v) in cols.iter().zip(expected).zip(got) {
        report.values_checked += 1;
        if select_matches(col.kind, e.as_deref(), v) {
            continue;
        }
        if strictness == Strictness::AllowDegraded
            && let Some(what) = degraded(col.kind, e.as_deref(), v)
        {
            *report
                .degraded
                .entry(format!("{}: {what}", col.name))
                .or_default() += 1;
            continue;
        }
        report.fail(
            format!("{ctx} {}", col.name),
            format!(
                "SELECT gave {}, decoder gave {} (rendered {:?})",
                short(&format!("{e:?}")),
                short(&format!("{v:?}")),
                select_text(col.kind, v).map(|s| short(&s))
            ),
        );
    }
}

/// Oracle 1: every decoded change of each step against the rows the server SELECTed.
fn compare_with_select(
    cols: &[Col],
    steps: &[Step],
    range: &Range<'_>,
    decoded: &Decoded,
    strictness: Strictness,
    report: &mut Report,
    ctx: &str,
) {
    let mut claimed = 0;
    for (n, step) in steps.iter().enumerate() {
        let (start, end) = (range.pos(&step.start), range.pos(&step.end));
        let ours: Vec<&OurChange> = decoded
            .changes
            .iter()
            .filter(|c| c.pos >= start && c.pos < end)
            .collect();
        claimed += ours.len();
        if ours.len() != step.expects.len() {
            report.fail(
                format!("{ctx} row count"),
                format!(
                    "transaction {n}: {} row changes decoded, {} made",
                    ours.len(),
                    step.expects.len()
                ),
            );
        }
        let mut open: Vec<&Expect> = step.expects.iter().collect();
        for ch in ours {
            let key = (id_of(ch.before.as_ref()), id_of(ch.after.as_ref()));
            let found = open.iter().position(|e| {
                e.kind == ch.kind
                    && (
                        expected_id(e.before.as_ref()),
                        expected_id(e.after.as_ref()),
                    ) == key
            });
            let Some(i) = found else {
                report.fail(
                    format!("{ctx} unexpected change"),
                    format!("transaction {n}: {:?} with ids {key:?}", ch.kind),
                );
                continue;
            };
            let e = open.swap_remove(i);
            for (exp, got, which) in [
                (&e.before, &ch.before, "before"),
                (&e.after, &ch.after, "after"),
            ] {
                match (exp, got) {
                    (Some(exp), Some(got)) => {
                        check_image(cols, exp, got, strictness, report, ctx);
                    }
                    (None, None) => {}
                    _ => report.fail(
                        format!("{ctx} {which} image"),
                        format!("transaction {n}: {which} image presence differs"),
                    ),
                }
            }
        }
    }
    if claimed != decoded.changes.len() {
        report.fail(
            format!("{ctx} stray changes"),
            format!(
                "{} row changes of the table outside every transaction",
                decoded.changes.len() - claimed
            ),
        );
    }
}

/// Oracle 2: every decoded change against `mariadb-binlog -vv`, in binlog order.
fn compare_with_mariadb_binlog(
    cols: &[Col],
    decoded: &Decoded,
    theirs: &[BinlogChange],
    report: &mut Report,
    ctx: &str,
) {
    if theirs.len() != decoded.changes.len() {
        report.fail(
            format!("{ctx} row count"),
            format!(
                "mariadb-binlog shows {} row changes, we decoded {}",
                theirs.len(),
                decoded.changes.len()
            ),
        );
    }
    for (ours, theirs) in decoded.changes.iter().zip(theirs) {
        // Positions are not compared: mariadb-binlog prints the rows of all the rows events
        // of a statement under the `# at` of the statement's last event.
        if ours.kind != theirs.kind {
            report.fail(
                format!("{ctx} change"),
                format!(
                    "ours {:?} at {:?}, mariadb-binlog {:?} near {:?}",
                    ours.kind, ours.pos, theirs.kind, theirs.pos
                ),
            );
            continue;
        }
        for (o, t, which) in [
            (&ours.before, &theirs.before, "before"),
            (&ours.after, &theirs.after, "after"),
        ] {
            let (Some(o), Some(t)) = (o, t) else {
                if o.is_some() != t.is_some() {
                    report.fail(
                        format!("{ctx} {which} image"),
                        format!("presence differs at {:?}", ours.pos),
                    );
                }
                continue;
            };
            for (i, col) in cols.iter().enumerate() {
                report.values_checked += 1;
                let mine = o.get(i).map(|v| binlog_text(col.kind, v));
                let their = t.get(i).cloned().flatten();
                if mine != their {
                    report.fail(
                        format!("{ctx} {}", col.name),
                        format!(
                            "mariadb-binlog printed {}, ours renders as {} (value {})",
                            short(&String::from_utf8_lossy(&their.unwrap_or_default())),
                            short(&String::from_utf8_lossy(&mine.unwrap_or_default())),
                            short(&format!("{:?}", o.get(i)))
                        ),
                    );
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// A schema from information_schema, for MINIMAL metadata
// ------------------------------------------------------------------------------------------

fn parse_labels(column_type: &str) -> Vec<String> {
    let inner = column_type
        .split_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or("");
    let mut labels = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    label.push('\'');
                } else {
                    break;
                }
            } else {
                label.push(c);
            }
        }
        labels.push(label);
    }
    labels
}

fn schema_from_catalog(db: &MariaDbDatabase) -> TableSchema {
    let rows = db.query(&format!(
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, IS_NULLABLE, \
         CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION \
         FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{TABLE}' ORDER BY ORDINAL_POSITION"
    ));
    let columns = rows
        .into_iter()
        .map(|r| {
            let s = |i: usize| r[i].clone().unwrap_or_default();
            let num = |i: usize| r[i].as_deref().and_then(|v| v.parse::<u64>().ok());
            let (name, data_type, column_type) = (s(0), s(1), s(2));
            let unsigned = column_type.contains("unsigned");
            let charset = r[3].as_deref().map(Charset::from_name);
            let length = num(5).map(|n| n as u32);
            let precision = num(8).map(|n| n as u8);
            let ty = match data_type.as_str() {
                "tinyint" => ColumnType::TinyInt { unsigned },
                "smallint" => ColumnType::SmallInt { unsigned },
                "mediumint" => ColumnType::MediumInt { unsigned },
                "int" => ColumnType::Int { unsigned },
                "bigint" => ColumnType::BigInt { unsigned },
                "float" => ColumnType::Float,
                "double" => ColumnType::Double,
                "decimal" => ColumnType::Decimal {
                    precision: num(6).map(|n| n as u32),
                    scale: num(7).map(|n| n as u32),
                },
                "bit" => ColumnType::Bit {
                    length: num(6).map(|n| n as u32),
                    varying: false,
                },
                "year" => ColumnType::Year,
                "date" => ColumnType::Date,
                "time" => ColumnType::Time { precision },
                "datetime" => ColumnType::DateTime { precision },
                "timestamp" => ColumnType::Timestamp { precision },
                "char" => ColumnType::Char { length, charset },
                "varchar" => ColumnType::VarChar { length, charset },
                "tinytext" | "text" | "mediumtext" | "longtext" => ColumnType::Text {
                    max_bytes: num(5),
                    charset,
                },
                "binary" => ColumnType::Binary {
                    length: length.unwrap_or(0),
                },
                "varbinary" => ColumnType::VarBinary {
                    length: length.unwrap_or(0),
                },
                "tinyblob" | "blob" | "mediumblob" | "longblob" => {
                    ColumnType::Blob { max_bytes: num(5) }
                }
                "enum" => ColumnType::Enum {
                    name: None,
                    labels: parse_labels(&column_type),
                },
                "set" => ColumnType::Set {
                    labels: parse_labels(&column_type),
                },
                "geometry" => ColumnType::Geometry {
                    kind: GeometryKind::Geometry,
                    srid: None,
                },
                "point" => ColumnType::Geometry {
                    kind: GeometryKind::Point,
                    srid: None,
                },
                "uuid" => ColumnType::Uuid,
                "inet6" | "inet4" => ColumnType::Inet,
                other => ColumnType::Other {
                    name: other.to_string(),
                    oid: None,
                },
            };
            let mut c = Column::new(name, ty);
            c.native_type = Some(column_type);
            c.nullable = s(4) == "YES";
            c
        })
        .collect();
    TableSchema::new(TableId::new(db.name(), TABLE), columns)
}

/// What a TABLE_MAP event told the decoder about our table.
fn metadata_summary(cols: &[Col], tm: &TableMap) -> String {
    let of = |pick: &dyn Fn(Kind) -> bool| -> Vec<usize> {
        cols.iter()
            .enumerate()
            .filter(|(_, c)| pick(c.kind))
            .map(|(i, _)| i)
            .collect()
    };
    let all = |idx: &[usize], f: &dyn Fn(&cdc_mysql_binlog::ColumnDesc) -> bool| {
        idx.iter().all(|i| f(&tm.columns[*i]))
    };
    let unsigned = of(&|k| matches!(k, Kind::Int { unsigned: true, .. }));
    let chars = of(&|k| {
        matches!(
            k,
            Kind::Chars { .. } | Kind::Text { .. } | Kind::Json | Kind::Binary(_)
        )
    });
    let enums = of(&|k| matches!(k, Kind::Enum | Kind::Set));
    let geoms = of(&|k| matches!(k, Kind::Geometry | Kind::Point));
    format!(
        "column names: {}; signedness: {}; charsets: {}; ENUM/SET labels: {}; geometry types: \
         {}; primary key: {}",
        tm.columns.iter().all(|c| c.name.is_some()),
        all(&unsigned, &|c| c.unsigned),
        all(&chars, &|c| c.charset.is_some()),
        all(&enums, &|c| c.labels.is_some()),
        all(&geoms, &|c| c.geometry_type.is_some()),
        !tm.primary_key.is_empty(),
    )
}

// ------------------------------------------------------------------------------------------
// The variants
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Variant {
    Full,
    Minimal,
    Compressed,
}

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::Full => "full",
            Variant::Minimal => "minimal",
            Variant::Compressed => "compressed",
        }
    }
}

/// Restores a server-global setting when dropped (also when the test panics).
struct RestoreGlobal {
    server: MariaDb,
    sql: String,
}

impl Drop for RestoreGlobal {
    fn drop(&mut self) {
        if let Err(e) = self.server.try_exec(None, &self.sql) {
            eprintln!(
                "could not restore the server settings with `{}`: {e}",
                self.sql
            );
        }
    }
}

fn set_globals(server: &MariaDb, variant: Variant) -> RestoreGlobal {
    let now = server.query(
        None,
        "SELECT @@GLOBAL.binlog_row_metadata, @@GLOBAL.log_bin_compress, \
         @@GLOBAL.log_bin_compress_min_len",
    );
    let now = &now[0];
    let restore = format!(
        "SET GLOBAL binlog_row_metadata = '{}'; SET GLOBAL log_bin_compress = {}; \
         SET GLOBAL log_bin_compress_min_len = {}",
        now[0].as_deref().unwrap(),
        now[1].as_deref().unwrap(),
        now[2].as_deref().unwrap()
    );
    let set = match variant {
        Variant::Full => "SET GLOBAL binlog_row_metadata = 'FULL'; SET GLOBAL log_bin_compress = 0",
        Variant::Minimal => {
            "SET GLOBAL binlog_row_metadata = 'MINIMAL'; SET GLOBAL log_bin_compress = 0"
        }
        Variant::Compressed => {
            "SET GLOBAL binlog_row_metadata = 'FULL'; SET GLOBAL log_bin_compress = 1; \
             SET GLOBAL log_bin_compress_min_len = 10"
        }
    };
    server.exec(None, set);
    RestoreGlobal {
        server: server.clone(),
        sql: restore,
    }
}

fn run_variant(server: &MariaDb, variant: Variant, seed: u64, rows: usize, report: &mut Report) {
    let started = Instant::now();
    let label = variant.label();
    let cols = columns();
    let db = server.fresh_database(&format!("live_binlog_{label}"));
    // other tests change the same globals: hold them for this whole variant (the lock is
    // declared first, so it is released after the settings are restored)
    let _lock = server.lock_binlog_settings();
    let settings = set_globals(server, variant);
    // Each variant starts a file of its own: a file is decoded from its start (for its format
    // description), so events of an earlier variant must not stand in front of this one's.
    server.flush_binary_logs();
    let first = server.current_binlog();
    let create = create_table_sql(&cols);
    db.exec(&create);
    let mut work = Workload {
        db: &db,
        cols: &cols,
        rng: Rng(seed),
        model: BTreeMap::new(),
        next_id: 1,
        next_moved_id: 1_000_000,
        stats: Stats::default(),
    };
    let mut steps = Vec::new();
    let mut start = server.current_binlog();
    let mut rotated = false;
    while work.stats.inserts < rows {
        let step = work.step(start);
        start = step.end.clone();
        steps.push(step);
        if !rotated && work.stats.inserts >= rows / 2 {
            // The next transactions land in a new file: ranges span a rotation.
            server.flush_binary_logs();
            rotated = true;
        }
    }
    let last = server.current_binlog();
    drop(settings);
    if variant == Variant::Compressed {
        // Whoever reads the binlog next starts in a file without compressed events.
        server.flush_binary_logs();
    }
    let workload_time = started.elapsed();

    let range = Range::new(server, &first, &last, db.name());
    let ctx = format!("[{label}]");
    let decoded = range.decode(None, report, &format!("{ctx} SELECT"));
    if let Some(tm) = decoded.table_maps.first() {
        eprintln!(
            "[{label}] TABLE_MAP metadata: {}",
            metadata_summary(&cols, tm)
        );
    }
    let strictness = if variant == Variant::Minimal {
        Strictness::AllowDegraded
    } else {
        Strictness::Strict
    };
    compare_with_select(
        &cols,
        &steps,
        &range,
        &decoded,
        strictness,
        report,
        &format!("{ctx} SELECT"),
    );
    let theirs = range.mariadb_binlog();
    compare_with_mariadb_binlog(
        &cols,
        &decoded,
        &theirs,
        report,
        &format!("{ctx} mariadb-binlog"),
    );

    // The CREATE TABLE comes back as sent.
    match decoded
        .queries
        .iter()
        .find(|(_, q)| q.starts_with("CREATE TABLE"))
    {
        Some((code, q)) => {
            if *q != create {
                report.fail(
                    format!("{ctx} CREATE TABLE text"),
                    format!("decoded {}", short(q)),
                );
            }
            if variant == Variant::Compressed && *code != codes::MARIA_QUERY_COMPRESSED {
                report.fail(
                    format!("{ctx} CREATE TABLE event type"),
                    format!("type {code}, expected QUERY_COMPRESSED"),
                );
            }
        }
        None => report.fail(
            format!("{ctx} CREATE TABLE"),
            "no QUERY event of the database holds it".into(),
        ),
    }

    if variant == Variant::Minimal {
        let schema = Arc::new(schema_from_catalog(&db));
        let with_schema = range.decode(Some(&schema), report, &format!("{ctx} +schema"));
        compare_with_select(
            &cols,
            &steps,
            &range,
            &with_schema,
            Strictness::Strict,
            report,
            &format!("{ctx} +schema SELECT"),
        );
        compare_with_mariadb_binlog(
            &cols,
            &with_schema,
            &theirs,
            report,
            &format!("{ctx} +schema mariadb-binlog"),
        );
    }

    if variant == Variant::Compressed {
        for code in [
            // MariaDB 10.11 writes v1 rows events (23-25), so their compressed forms are
            // 166-168 (`*_ROWS_COMPRESSED_EVENT_V1`); 169-171 are the compressed v2 forms,
            // which it no longer writes (`log_bin_use_v1_row_events` is gone).
            codes::MARIA_QUERY_COMPRESSED,
            codes::MARIA_WRITE_ROWS_COMPRESSED_V0,
            codes::MARIA_UPDATE_ROWS_COMPRESSED_V0,
            codes::MARIA_DELETE_ROWS_COMPRESSED_V0,
        ] {
            if !decoded.type_codes.contains(&code) {
                report.fail(
                    format!("{ctx} event types"),
                    format!(
                        "no event of type {code} ({}) among {:?}",
                        cdc_mysql_binlog::event_type_name(code),
                        decoded.type_codes
                    ),
                );
            }
        }
    }
    let compressed_rows = decoded
        .changes
        .iter()
        .filter(|c| {
            (codes::MARIA_WRITE_ROWS_COMPRESSED_V0..=codes::MARIA_DELETE_ROWS_COMPRESSED_V1)
                .contains(&c.type_code)
        })
        .count();
    eprintln!(
        "[{label}] seed {seed}: {:?}; {} row changes decoded ({compressed_rows} from compressed \
         events), mariadb-binlog showed {}; event types {:?}; workload {:.1?}, all {:.1?}",
        work.stats,
        decoded.changes.len(),
        theirs.len(),
        decoded.type_codes,
        workload_time,
        started.elapsed()
    );
}

#[test]
fn rows_of_every_column_type_decode_like_select_and_mariadb_binlog_full_minimal_compressed() {
    let seed = match std::env::var("CDC_LIVE_BINLOG_SEED") {
        Ok(s) => s.parse().expect("CDC_LIVE_BINLOG_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    };
    eprintln!("seed {seed} (replay with CDC_LIVE_BINLOG_SEED={seed})");
    let server = MariaDb::from_env();
    let started = Instant::now();
    let mut report = Report::default();
    run_variant(&server, Variant::Full, seed, 200, &mut report);
    run_variant(
        &server,
        Variant::Minimal,
        seed.wrapping_add(1),
        200,
        &mut report,
    );
    run_variant(
        &server,
        Variant::Compressed,
        seed.wrapping_add(2),
        80,
        &mut report,
    );
    eprintln!("all variants in {:.1?}", started.elapsed());
    report.finish();
}
