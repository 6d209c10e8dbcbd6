//! Benchmarks of the cdc-* crates live in `benches/`; this library holds input generators they
//! share. Run them with `cargo bench -p cdc-benches`; results are kept in `RESULTS.md`.

use cdc_model::{GtidSet, Uuid};

pub mod encode;

/// A GTID set as a busy multi-source MySQL topology prints it: `sources` server UUIDs, each
/// with `holes` gaps in its transaction numbers, some tagged.
pub fn gtid_set_text(sources: usize, holes: u64) -> String {
    let mut set = GtidSet::new();
    for s in 0..sources {
        let mut bytes = [0u8; 16];
        bytes[0] = s as u8;
        bytes[15] = 0x5a;
        let uuid = Uuid(bytes);
        for h in 0..holes {
            let start = h * 1000 + 1;
            set.add(uuid, None, start, start + 900).ok();
        }
    }
    set.to_string()
}

// ---------------------------------------------------------------------------------------------
// A synthetic MySQL 8.0 binary log
// ---------------------------------------------------------------------------------------------

/// Schema of the generated binlog's table.
pub const GENERATED_SCHEMA: &str = "bench";
/// Name of the generated binlog's table.
pub const GENERATED_TABLE: &str = "orders";
/// Table id the generated TABLE_MAP events use.
pub const GENERATED_TABLE_ID: u64 = 110;
/// Column names of `bench.orders`, in table order (see [`GeneratedRow`] for the types).
pub const GENERATED_COLUMNS: [&str; 12] = [
    "id", "qty", "status", "name", "country", "price", "created", "updated", "score", "note",
    "payload", "birthday",
];
/// Rows in each WRITE_ROWS event of the generated binlog.
pub const ROWS_PER_WRITE: u64 = 100;
/// Rows in each UPDATE_ROWS event of the generated binlog (each with a before and an after
/// image, so about as many bytes as a WRITE_ROWS event).
pub const ROWS_PER_UPDATE: u64 = 50;
/// Server UUID of the GTIDs in the generated binlog.
pub const GENERATED_SERVER_UUID: [u8; 16] = [
    0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62,
];

/// One row of the generated table, as the source wrote it:
///
/// ```sql
/// CREATE TABLE bench.orders (
///   id BIGINT NOT NULL PRIMARY KEY,
///   qty INT NULL,
///   status TINYINT UNSIGNED NOT NULL,
///   name VARCHAR(64) CHARACTER SET utf8mb4 NULL,
///   country CHAR(2) CHARACTER SET utf8mb4 NULL,
///   price DECIMAL(12,2) NULL,
///   created DATETIME(6) NULL,
///   updated TIMESTAMP NOT NULL,
///   score DOUBLE NULL,
///   note TEXT CHARACTER SET utf8mb4 NULL,
///   payload BLOB NULL,
///   birthday DATE NULL
/// ) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_0900_ai_ci;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedRow {
    /// `id BIGINT NOT NULL`, the primary key.
    pub id: i64,
    /// `qty INT NULL`.
    pub qty: Option<i32>,
    /// `status TINYINT UNSIGNED NOT NULL`.
    pub status: u8,
    /// `name VARCHAR(64)` (utf8mb4, up to 256 bytes, so a 2-byte length prefix).
    pub name: Option<String>,
    /// `country CHAR(2)` (utf8mb4).
    pub country: Option<String>,
    /// `price DECIMAL(12,2)`, in hundredths.
    pub price_cents: Option<i64>,
    /// `created DATETIME(6)`.
    pub created: Option<cdc_model::DateTime>,
    /// `updated TIMESTAMP` (no fraction), seconds since the Unix epoch.
    pub updated: u32,
    /// `score DOUBLE`.
    pub score: Option<f64>,
    /// `note TEXT` (utf8mb4).
    pub note: Option<String>,
    /// `payload BLOB`.
    pub payload: Option<Vec<u8>>,
    /// `birthday DATE`.
    pub birthday: Option<cdc_model::Date>,
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pick<'a>(list: &[&'a str], h: u64) -> &'a str {
    list.get((h % list.len() as u64) as usize)
        .copied()
        .unwrap_or("x")
}

const FIRST_NAMES: [&str; 10] = [
    "Ana",
    "José",
    "Zoë",
    "Łukasz",
    "Mei",
    "Olúmìdé",
    "Sven",
    "Priya",
    "李",
    "Jürgen",
];
const LAST_NAMES: [&str; 10] = [
    "Smith", "García", "Müller", "Nowak", "Tanaka", "Silva", "Kowalski", "Dubois", "王", "O'Brien",
];
const COUNTRIES: [&str; 8] = ["US", "FR", "DE", "JP", "BR", "IN", "PL", "CN"];
const WORDS: [&str; 12] = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet,",
    "café",
    "naïve",
    "日本語",
    "🚀",
    "order",
    "shipped",
    "refund",
];

fn words(h: u64, target_len: usize) -> String {
    let mut s = String::new();
    let mut x = h;
    while s.len() < target_len {
        x = splitmix64(x);
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(pick(&WORDS, x));
    }
    s
}

impl GeneratedRow {
    /// The row the generator inserts with primary key `id` (deterministic; roughly one column in
    /// ten is NULL, in a pattern that differs per column).
    pub fn inserted(id: u64) -> GeneratedRow {
        let h = |salt: u64| splitmix64(id.wrapping_mul(31).wrapping_add(salt));
        let created = {
            let x = h(6);
            cdc_model::DateTime {
                date: cdc_model::Date {
                    year: 2000 + (x % 31) as i32,
                    month: 1 + ((x >> 8) % 12) as u8,
                    day: 1 + ((x >> 16) % 28) as u8,
                },
                hour: ((x >> 24) % 24) as u8,
                minute: ((x >> 32) % 60) as u8,
                second: ((x >> 40) % 60) as u8,
                micros: ((x >> 44) % 1_000_000) as u32,
            }
        };
        let birthday = {
            let x = h(11);
            cdc_model::Date {
                year: 1950 + (x % 60) as i32,
                month: 1 + ((x >> 8) % 12) as u8,
                day: 1 + ((x >> 16) % 28) as u8,
            }
        };
        let price = {
            let x = h(5);
            let magnitude = match x % 16 {
                0 => (x >> 8) % 1_000_000_000_000, // up to 9,999,999,999.99
                1..=3 => (x >> 8) % 100,           // under a unit
                _ => (x >> 8) % 10_000_000,        // up to 99,999.99
            } as i64;
            if x % 11 == 0 { -magnitude } else { magnitude }
        };
        GeneratedRow {
            id: id as i64,
            qty: (!id.is_multiple_of(17)).then(|| (h(1) % 2000) as i32 - 1000),
            status: (h(2) & 0xff) as u8,
            name: (!id.is_multiple_of(23)).then(|| {
                format!(
                    "{} {} #{id}",
                    pick(&FIRST_NAMES, h(3)),
                    pick(&LAST_NAMES, h(33))
                )
            }),
            country: (!id.is_multiple_of(29)).then(|| pick(&COUNTRIES, h(4)).to_string()),
            price_cents: (!id.is_multiple_of(31)).then_some(price),
            created: (!id.is_multiple_of(37)).then_some(created),
            updated: 1_600_000_000 + (h(7) % 200_000_000) as u32,
            score: (!id.is_multiple_of(13))
                .then(|| (h(8) >> 11) as f64 / (1u64 << 53) as f64 * 1000.0 - 100.0),
            note: (!id.is_multiple_of(7)).then(|| words(h(9), (h(19) % 300) as usize)),
            payload: (!id.is_multiple_of(5)).then(|| {
                let n = (h(10) % 48) as usize;
                (0..n)
                    .map(|i| (splitmix64(h(10) ^ i as u64) & 0xff) as u8)
                    .collect()
            }),
            birthday: (!id.is_multiple_of(19)).then_some(birthday),
        }
    }

    /// The after image the generator's UPDATE gives the row `id` (its before image is
    /// [`GeneratedRow::inserted`]): quantity, status, timestamp and note change.
    pub fn updated(id: u64) -> GeneratedRow {
        let before = GeneratedRow::inserted(id);
        GeneratedRow {
            qty: Some(before.qty.unwrap_or(0) + 1),
            status: before.status.wrapping_add(1),
            updated: before.updated + 3600,
            note: Some(format!("updated row {id}")),
            ..before
        }
    }

    /// The values a correct decoder yields for this row, in column order.
    pub fn values(&self) -> Vec<cdc_model::Value> {
        use cdc_model::{Charset, Decimal, Text, Timestamp, Value};
        let text = |s: &Option<String>| {
            s.as_ref().map_or(Value::Null, |s| {
                Value::Text(Text::new(s.clone().into_bytes().into(), Charset::Utf8mb4))
            })
        };
        vec![
            Value::Int(self.id),
            self.qty.map_or(Value::Null, |v| Value::Int(v.into())),
            Value::UInt(self.status.into()),
            text(&self.name),
            text(&self.country),
            self.price_cents.map_or(Value::Null, |c| {
                Value::Decimal(Decimal::from_i128(c.into(), 2))
            }),
            self.created.map_or(Value::Null, Value::DateTime),
            Value::Timestamp(Timestamp::from_unix_parts(self.updated.into(), 0)),
            self.score.map_or(Value::Null, Value::Double),
            text(&self.note),
            self.payload
                .as_ref()
                .map_or(Value::Null, |b| Value::Bytes(b.clone().into())),
            self.birthday.map_or(Value::Null, Value::Date),
        ]
    }
}

/// A generated binlog and what it holds.
#[derive(Debug, Clone)]
pub struct GeneratedBinlog {
    /// The whole file, magic number included.
    pub bytes: Vec<u8>,
    /// Number of events.
    pub events: u64,
    /// Number of transactions (GTID … XID).
    pub transactions: u64,
    /// Rows inserted (ids `1..=inserted`).
    pub inserted: u64,
    /// Rows updated (each has a before and an after image).
    pub updated: u64,
}

const HEADER_LEN: usize = 19;
const CHECKSUM_LEN: usize = 4;
const SERVER_ID: u32 = 1;
const QUERY_EVENT: u8 = 2;
const FORMAT_DESCRIPTION_EVENT: u8 = 15;
const XID_EVENT: u8 = 16;
const TABLE_MAP_EVENT: u8 = 19;
const WRITE_ROWS_EVENT: u8 = 30;
const UPDATE_ROWS_EVENT: u8 = 31;
const GTID_LOG_EVENT: u8 = 33;
const PREVIOUS_GTIDS_LOG_EVENT: u8 = 35;
/// Post-header lengths of event types 1..=41 as MySQL 8.0.26+ writes them in its
/// FORMAT_DESCRIPTION event (copied from an 8.0.40 binlog).
const POST_HEADER_LENGTHS_80: [u8; 41] = [
    0x00, 0x0d, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x62, 0x00,
    0x04, 0x1a, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x0a, 0x0a,
    0x2a, 0x2a, 0x00, 0x12, 0x34, 0x00, 0x0a, 0x28, 0x00,
];
/// Column types of `bench.orders` (MYSQL_TYPE_*).
const COLUMN_TYPES: [u8; 12] = [8, 3, 1, 15, 254, 246, 18, 17, 5, 252, 252, 10];
/// Their table-map metadata: VARCHAR max bytes (LE), CHAR (real type, max bytes), DECIMAL
/// (precision, scale), DATETIME2/TIMESTAMP2 fsp, DOUBLE size, BLOB length bytes.
const COLUMN_METADATA: [u8; 11] = [0x00, 0x01, 0xfe, 0x08, 12, 2, 6, 0, 8, 2, 2];
/// Nullable columns: 1, 3, 4, 5, 6, 8, 9, 10, 11.
const NULLABLE_BITMAP: [u8; 2] = [0x7a, 0x0f];
const COLLATION_UTF8MB4_0900_AI_CI: u64 = 255;
const COLLATION_BINARY: u64 = 63;

fn put_packed(out: &mut Vec<u8>, v: u64) {
    if v < 251 {
        out.push(v as u8);
    } else if v <= 0xffff {
        out.push(0xfc);
        put_le(out, v, 2);
    } else if v <= 0xff_ffff {
        out.push(0xfd);
        put_le(out, v, 3);
    } else {
        out.push(0xfe);
        put_le(out, v, 8);
    }
}

fn packed_len(v: u64) -> usize {
    match v {
        0..=250 => 1,
        251..=0xffff => 3,
        0x1_0000..=0xff_ffff => 4,
        _ => 9,
    }
}

fn put_le(out: &mut Vec<u8>, v: u64, n: usize) {
    out.extend(v.to_le_bytes().iter().take(n));
}

fn put_be(out: &mut Vec<u8>, v: u64, n: usize) {
    out.extend(v.to_be_bytes().iter().skip(8 - n));
}

/// Bytes of a DECIMAL group of `digits` (< 9) decimal digits.
fn dig2bytes(digits: u32) -> usize {
    [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]
        .get(digits as usize)
        .copied()
        .unwrap_or(4)
}

/// MySQL's packed binary DECIMAL(precision, scale) of `unscaled / 10^scale`.
fn put_decimal(out: &mut Vec<u8>, unscaled: i128, precision: u32, scale: u32) {
    const GROUP: u128 = 1_000_000_000;
    let intg = precision - scale;
    let (intg0, intg0x) = (intg / 9, intg % 9);
    let (frac0, frac0x) = (scale / 9, scale % 9);
    let abs = unscaled.unsigned_abs();
    let int_part = abs / 10u128.pow(scale);
    let frac_part = abs % 10u128.pow(scale);
    let start = out.len();
    if intg0x > 0 {
        let lead = (int_part / 10u128.pow(9 * intg0)) % 10u128.pow(intg0x);
        put_be(out, lead as u64, dig2bytes(intg0x));
    }
    for g in (0..intg0).rev() {
        put_be(out, ((int_part / 10u128.pow(9 * g)) % GROUP) as u64, 4);
    }
    for g in 0..frac0 {
        let group = (frac_part / 10u128.pow(scale - 9 * (g + 1))) % GROUP;
        put_be(out, group as u64, 4);
    }
    if frac0x > 0 {
        put_be(
            out,
            (frac_part % 10u128.pow(frac0x)) as u64,
            dig2bytes(frac0x),
        );
    }
    if unscaled < 0 {
        for b in out.iter_mut().skip(start) {
            *b ^= 0xff;
        }
    }
    if let Some(b) = out.get_mut(start) {
        *b ^= 0x80;
    }
}

/// The fractional-second bytes of DATETIME2/TIMESTAMP2/TIME2 with `fsp` digits.
fn put_fraction(out: &mut Vec<u8>, micros: u32, fsp: u8) {
    let micros = u64::from(micros);
    match fsp {
        1 | 2 => put_be(out, micros / 10_000, 1),
        3 | 4 => put_be(out, micros / 100, 2),
        5 | 6 => put_be(out, micros, 3),
        _ => {}
    }
}

/// MySQL 5.6+ DATETIME2 with `fsp` fractional digits (non-negative datetimes).
fn put_datetime2(out: &mut Vec<u8>, dt: &cdc_model::DateTime, fsp: u8) {
    let year_month = dt.date.year.max(0) as u64 * 13 + u64::from(dt.date.month);
    let ymd = (year_month << 5) | u64::from(dt.date.day);
    let hms = (u64::from(dt.hour) << 12) | (u64::from(dt.minute) << 6) | u64::from(dt.second);
    put_be(out, ((ymd << 17) | hms) + 0x80_0000_0000, 5);
    put_fraction(out, dt.micros, fsp);
}

fn put_str_u8_len(out: &mut Vec<u8>, s: &[u8]) {
    out.push(s.len().min(255) as u8);
    out.extend(s.iter().take(255));
}

fn put_str_u16_len(out: &mut Vec<u8>, s: &[u8]) {
    put_le(out, s.len().min(0xffff) as u64, 2);
    out.extend(s.iter().take(0xffff));
}

fn set_bit_lsb(bitmap: &mut [u8], i: usize) {
    if let Some(b) = bitmap.get_mut(i / 8) {
        *b |= 1 << (i % 8);
    }
}

/// A row image: null bitmap over all 12 columns, then the non-NULL values.
fn put_row_image(out: &mut Vec<u8>, row: &GeneratedRow) {
    let nulls_at = out.len();
    out.extend_from_slice(&[0, 0]);
    let mut nulls = [0u8; 2];
    put_le(out, row.id as u64, 8);
    match row.qty {
        Some(v) => put_le(out, v as u32 as u64, 4),
        None => set_bit_lsb(&mut nulls, 1),
    }
    out.push(row.status);
    match &row.name {
        Some(s) => put_str_u16_len(out, s.as_bytes()), // max 256 bytes > 255
        None => set_bit_lsb(&mut nulls, 3),
    }
    match &row.country {
        Some(s) => put_str_u8_len(out, s.as_bytes()),
        None => set_bit_lsb(&mut nulls, 4),
    }
    match row.price_cents {
        Some(c) => put_decimal(out, c.into(), 12, 2),
        None => set_bit_lsb(&mut nulls, 5),
    }
    match &row.created {
        Some(dt) => put_datetime2(out, dt, 6),
        None => set_bit_lsb(&mut nulls, 6),
    }
    put_be(out, row.updated.into(), 4); // TIMESTAMP2(0)
    match row.score {
        Some(v) => put_le(out, v.to_bits(), 8),
        None => set_bit_lsb(&mut nulls, 8),
    }
    match &row.note {
        Some(s) => put_str_u16_len(out, s.as_bytes()),
        None => set_bit_lsb(&mut nulls, 9),
    }
    match &row.payload {
        Some(b) => put_str_u16_len(out, b),
        None => set_bit_lsb(&mut nulls, 10),
    }
    match &row.birthday {
        Some(d) => {
            let packed =
                u64::from(d.day) | (u64::from(d.month) << 5) | ((d.year.max(0) as u64) << 9);
            put_le(out, packed, 3);
        }
        None => set_bit_lsb(&mut nulls, 11),
    }
    for (slot, n) in out.iter_mut().skip(nulls_at).zip(nulls) {
        *slot = n;
    }
}

/// TABLE_MAP body of `bench.orders` with MySQL 8's `binlog_row_metadata=FULL` optional
/// metadata: signedness, default charset (with the BLOB's binary exception), column names,
/// simple primary key and column visibility.
fn table_map_body() -> Vec<u8> {
    let mut b = Vec::new();
    put_le(&mut b, GENERATED_TABLE_ID, 6);
    put_le(&mut b, 1, 2); // TM_BIT_LEN_EXACT_F
    for name in [GENERATED_SCHEMA, GENERATED_TABLE] {
        put_str_u8_len(&mut b, name.as_bytes());
        b.push(0);
    }
    put_packed(&mut b, COLUMN_TYPES.len() as u64);
    b.extend_from_slice(&COLUMN_TYPES);
    put_packed(&mut b, COLUMN_METADATA.len() as u64);
    b.extend_from_slice(&COLUMN_METADATA);
    b.extend_from_slice(&NULLABLE_BITMAP);
    let tlv = |b: &mut Vec<u8>, kind: u8, value: &[u8]| {
        b.push(kind);
        put_packed(b, value.len() as u64);
        b.extend_from_slice(value);
    };
    // SIGNEDNESS over the numeric columns id, qty, status, price, score: status is unsigned.
    tlv(&mut b, 1, &[0b0010_0000]);
    // DEFAULT_CHARSET over the character columns name, country, note, payload: payload is
    // binary.
    let mut charset = Vec::new();
    put_packed(&mut charset, COLLATION_UTF8MB4_0900_AI_CI);
    put_packed(&mut charset, 3);
    put_packed(&mut charset, COLLATION_BINARY);
    tlv(&mut b, 2, &charset);
    let mut names = Vec::new();
    for n in GENERATED_COLUMNS {
        put_packed(&mut names, n.len() as u64);
        names.extend_from_slice(n.as_bytes());
    }
    tlv(&mut b, 4, &names);
    tlv(&mut b, 8, &[0]); // SIMPLE_PRIMARY_KEY: column 0
    tlv(&mut b, 12, &[0xff, 0xf0]); // COLUMN_VISIBILITY: all visible
    b
}

/// Body of a QUERY event `BEGIN` as MySQL 8.0 writes it.
fn begin_body(thread_id: u32) -> Vec<u8> {
    let mut status = Vec::new();
    status.push(0); // Q_FLAGS2_CODE
    put_le(&mut status, 0, 4);
    status.push(1); // Q_SQL_MODE_CODE
    put_le(&mut status, 0x45a0_0020, 8);
    status.push(6); // Q_CATALOG_NZ_CODE
    put_str_u8_len(&mut status, b"std");
    status.push(4); // Q_CHARSET_CODE: client, connection, server collations
    for _ in 0..3 {
        put_le(&mut status, COLLATION_UTF8MB4_0900_AI_CI, 2);
    }
    status.push(0x12); // Q_DEFAULT_COLLATION_FOR_UTF8MB4
    put_le(&mut status, COLLATION_UTF8MB4_0900_AI_CI, 2);
    let mut b = Vec::new();
    put_le(&mut b, thread_id.into(), 4);
    put_le(&mut b, 0, 4); // exec time
    b.push(GENERATED_SCHEMA.len() as u8);
    put_le(&mut b, 0, 2); // error code
    put_le(&mut b, status.len() as u64, 2);
    b.extend_from_slice(&status);
    b.extend_from_slice(GENERATED_SCHEMA.as_bytes());
    b.push(0);
    b.extend_from_slice(b"BEGIN");
    b
}

fn rows_body(type_code: u8, rows: impl Iterator<Item = u64>) -> Vec<u8> {
    let mut b = Vec::new();
    put_le(&mut b, GENERATED_TABLE_ID, 6);
    put_le(&mut b, 1, 2); // STMT_END_F
    put_le(&mut b, 2, 2); // v2 extra data: just its own length
    put_packed(&mut b, COLUMN_TYPES.len() as u64);
    let all_columns = [0xff, 0x0f];
    b.extend_from_slice(&all_columns);
    if type_code == UPDATE_ROWS_EVENT {
        b.extend_from_slice(&all_columns);
    }
    for id in rows {
        if type_code == UPDATE_ROWS_EVENT {
            put_row_image(&mut b, &GeneratedRow::inserted(id));
            put_row_image(&mut b, &GeneratedRow::updated(id));
        } else {
            put_row_image(&mut b, &GeneratedRow::inserted(id));
        }
    }
    b
}

/// Appends one event: v4 header (with the position of the next event), body, CRC32.
fn put_event(out: &mut Vec<u8>, type_code: u8, timestamp: u32, flags: u16, body: &[u8]) {
    let start = out.len();
    let size = HEADER_LEN + body.len() + CHECKSUM_LEN;
    put_le(out, timestamp.into(), 4);
    out.push(type_code);
    put_le(out, SERVER_ID.into(), 4);
    put_le(out, size as u64, 4);
    put_le(out, (start + size) as u64, 4);
    put_le(out, flags.into(), 2);
    out.extend_from_slice(body);
    let crc = crc32fast::hash(out.get(start..).unwrap_or_default());
    put_le(out, crc.into(), 4);
}

fn event_len(body: &[u8]) -> usize {
    HEADER_LEN + body.len() + CHECKSUM_LEN
}

/// Synthesizes a MySQL 8.0.36 binary log (binlog v4, CRC32 checksums, `binlog_format=ROW`,
/// `binlog_row_metadata=FULL`, GTIDs on) of at least `target_len` bytes (it stops at the first
/// transaction boundary past it; positions are 32-bit, so keep it under 4 GB).
///
/// After the magic number, FORMAT_DESCRIPTION and an empty PREVIOUS_GTIDS come transactions of
/// GTID, QUERY `BEGIN`, TABLE_MAP of `bench.orders` ([`GeneratedRow`] shows its columns),
/// one rows event and XID. Four transactions in five insert [`ROWS_PER_WRITE`] new rows in a
/// WRITE_ROWS v2 event (ids count up from 1, values from [`GeneratedRow::inserted`]); every
/// fifth updates the first [`ROWS_PER_UPDATE`] rows of the previous insert in an UPDATE_ROWS v2
/// event (after images from [`GeneratedRow::updated`]).
pub fn generate_mysql8_binlog(target_len: usize) -> GeneratedBinlog {
    let mut out = Vec::with_capacity(target_len.saturating_add(64 * 1024));
    out.extend_from_slice(&[0xfe, b'b', b'i', b'n']);
    let start_time: u32 = 1_700_000_000;
    let mut fde = Vec::new();
    put_le(&mut fde, 4, 2);
    let mut version = [0u8; 50];
    for (slot, c) in version.iter_mut().zip(b"8.0.36") {
        *slot = *c;
    }
    fde.extend_from_slice(&version);
    put_le(&mut fde, start_time.into(), 4);
    fde.push(HEADER_LEN as u8);
    fde.extend_from_slice(&POST_HEADER_LENGTHS_80);
    fde.push(1); // checksum algorithm: CRC32
    put_event(&mut out, FORMAT_DESCRIPTION_EVENT, start_time, 0, &fde);
    put_event(
        &mut out,
        PREVIOUS_GTIDS_LOG_EVENT,
        start_time,
        0x80,
        &[0; 8],
    );
    let mut events = 2;

    let table_map = table_map_body();
    let (mut transactions, mut next_id, mut last_batch, mut updated) = (0u64, 1u64, None, 0u64);
    while out.len() < target_len && out.len() < u32::MAX as usize - (1 << 20) {
        let ts = start_time + (transactions / 8) as u32;
        let (rows_type, rows) = match last_batch {
            Some(first) if transactions % 5 == 4 => {
                updated += ROWS_PER_UPDATE;
                let ids = first..first + ROWS_PER_UPDATE;
                (UPDATE_ROWS_EVENT, rows_body(UPDATE_ROWS_EVENT, ids))
            }
            _ => {
                let ids = next_id..next_id + ROWS_PER_WRITE;
                last_batch = Some(next_id);
                next_id += ROWS_PER_WRITE;
                (WRITE_ROWS_EVENT, rows_body(WRITE_ROWS_EVENT, ids))
            }
        };
        let begin = begin_body(8 + (transactions % 16) as u32);
        let xid = (1000 + transactions).to_le_bytes();
        let rest = event_len(&begin) + event_len(&table_map) + event_len(&rows) + event_len(&xid);
        // GTID: flags, UUID, GNO, logical-clock type, last committed, sequence number,
        // immediate commit timestamp (7 bytes; = original), transaction length (packed, counts
        // the GTID event itself), immediate server version (4 bytes; = original).
        let fixed = HEADER_LEN + 42 + 7 + 4 + CHECKSUM_LEN;
        let trx_len = [1, 3, 4, 9]
            .iter()
            .map(|p| (fixed + p + rest) as u64)
            .find(|&len| packed_len(len) == (len as usize - fixed - rest))
            .unwrap_or((fixed + 9 + rest) as u64);
        let mut gtid = Vec::with_capacity(64);
        gtid.push(0);
        gtid.extend_from_slice(&GENERATED_SERVER_UUID);
        put_le(&mut gtid, transactions + 1, 8);
        gtid.push(2);
        put_le(&mut gtid, transactions, 8);
        put_le(&mut gtid, transactions + 1, 8);
        put_le(
            &mut gtid,
            u64::from(ts) * 1_000_000 + transactions % 1_000_000,
            7,
        );
        put_packed(&mut gtid, trx_len);
        put_le(&mut gtid, 80036, 4);
        put_event(&mut out, GTID_LOG_EVENT, ts, 0, &gtid);
        put_event(&mut out, QUERY_EVENT, ts, 0x08, &begin); // LOG_EVENT_SUPPRESS_USE_F
        put_event(&mut out, TABLE_MAP_EVENT, ts, 0, &table_map);
        put_event(&mut out, rows_type, ts, 0, &rows);
        put_event(&mut out, XID_EVENT, ts, 0, &xid);
        events += 5;
        transactions += 1;
    }
    GeneratedBinlog {
        bytes: out,
        events,
        transactions,
        inserted: next_id - 1,
        updated,
    }
}
