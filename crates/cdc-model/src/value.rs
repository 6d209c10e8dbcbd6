//! Exact values of every MySQL/MariaDB and PostgreSQL column class.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::decimal::Decimal;
use crate::temporal::{Date, DateTime, Interval, Time, TimeTz, Timestamp};
use crate::uuid::Uuid;

/// One column value, exactly as the source holds it.
///
/// No value goes through a float or a string on its way: integers keep their width and
/// signedness, decimals their digits and scale, temporals their microseconds and MySQL's zero
/// forms, text its bytes and character set. Text and binary payloads are [`Bytes`], so a
/// decoder can hand out slices of its input buffer without copying.
///
/// ```
/// use cdc_model::{Decimal, Value};
/// let row = vec![
///     Value::Int(-7),
///     Value::UInt(u64::MAX),
///     Value::Decimal("123.4500".parse().unwrap()),
///     Value::text("héllo"),
///     Value::Null,
///     Value::Unchanged,
/// ];
/// assert_eq!(row[2].to_string(), "123.4500");
/// assert_eq!(row[3].as_str(), Some("héllo"));
/// assert!(row[5].is_unchanged());
/// ```
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// The source did not send this column (PostgreSQL unchanged TOAST, MySQL `MINIMAL` or
    /// `NOBLOB` row images, PostgreSQL old-key images). Not the same as `NULL`.
    Unchanged,
    /// PostgreSQL `boolean`. (MySQL `BOOL` is `TINYINT(1)` and arrives as [`Value::Int`].)
    Bool(bool),
    /// A signed integer of 8 to 64 bits.
    Int(i64),
    /// An unsigned integer of 8 to 64 bits (MySQL `UNSIGNED`, PostgreSQL `oid`).
    UInt(u64),
    /// IEEE single precision.
    Float(#[serde(with = "float_serde::f32")] f32),
    /// IEEE double precision.
    Double(#[serde(with = "float_serde::f64")] f64),
    /// MySQL `DECIMAL`, PostgreSQL `numeric`.
    Decimal(Decimal),
    /// MySQL `YEAR` (0 is the zero year `0000`, otherwise 1901..=2155).
    Year(u16),
    /// A date.
    Date(Date),
    /// MySQL `TIME` (a duration, may be negative) or PostgreSQL `time`.
    Time(Time),
    /// A date and time without zone: MySQL `DATETIME`, PostgreSQL `timestamp`.
    DateTime(DateTime),
    /// An instant: MySQL `TIMESTAMP`, PostgreSQL `timestamptz`.
    Timestamp(Timestamp),
    /// PostgreSQL `timetz`.
    TimeTz(TimeTz),
    /// PostgreSQL `interval`.
    Interval(Interval),
    /// Character data with its character set.
    Text(Text),
    /// Binary data: MySQL `BINARY`/`VARBINARY`/`BLOB`, PostgreSQL `bytea`.
    Bytes(Bytes),
    /// A bit string: MySQL `BIT(n)`, PostgreSQL `bit(n)`/`varbit`.
    Bit(BitString),
    /// An `ENUM` member.
    Enum(EnumValue),
    /// A MySQL `SET` value.
    Set(SetValue),
    /// JSON as text (MySQL binary JSON is rendered the way MySQL prints it; PostgreSQL
    /// `json`/`jsonb` as the server's text).
    Json(String),
    /// A partial update of a JSON column (MySQL `binlog_row_value_options=PARTIAL_JSON`) whose
    /// old value the source did not send: the new value is known only as edits to the old one,
    /// applied in order.
    JsonPatch(Vec<JsonPatchOp>),
    /// A spatial value.
    Geometry(Geometry),
    /// A UUID (PostgreSQL `uuid`, MariaDB `UUID`).
    Uuid(Uuid),
    /// PostgreSQL `inet`/`cidr`, MariaDB `INET4`/`INET6`.
    Inet(Inet),
    /// A MAC address, 6 bytes (`macaddr`) or 8 bytes (`macaddr8`).
    MacAddr(Bytes),
    /// PostgreSQL `money`, in the smallest unit of the currency (cents).
    Money(i64),
    /// MySQL `VECTOR`: IEEE single-precision elements.
    Vector(Vec<f32>),
    /// A PostgreSQL array.
    Array(Array),
}

impl Value {
    /// UTF-8 text.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Text::utf8(s))
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for [`Value::Unchanged`].
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Value::Unchanged)
    }

    /// The text of a [`Value::Text`] in a UTF-8 character set, or of a [`Value::Json`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => t.as_str(),
            Value::Json(s) => Some(s),
            _ => None,
        }
    }

    /// The value as `i128` when it is an integer of either sign (or a year).
    pub fn as_i128(&self) -> Option<i128> {
        match self {
            Value::Int(v) => Some(i128::from(*v)),
            Value::UInt(v) => Some(i128::from(*v)),
            Value::Year(v) => Some(i128::from(*v)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// A plain text rendering for people and logs (not an SQL literal): `NULL`, numbers as
    /// written, text converted to UTF-8, binary as `0x…` hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Unchanged => f.write_str("<unchanged>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Double(v) => write!(f, "{v}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Year(y) => write!(f, "{y:04}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Time(t) => write!(f, "{t}"),
            Value::DateTime(t) => write!(f, "{t}"),
            Value::Timestamp(t) => write!(f, "{t}"),
            Value::TimeTz(t) => write!(f, "{t}"),
            Value::Interval(i) => write!(f, "{i}"),
            Value::Text(t) => f.write_str(&t.to_utf8_lossy()),
            Value::Bytes(b) | Value::MacAddr(b) => write_hex(f, b),
            Value::Bit(b) => write!(f, "{b}"),
            Value::Enum(e) => match (&e.label, e.index) {
                (Some(l), _) => f.write_str(l),
                (None, Some(i)) => write!(f, "#{i}"),
                (None, None) => f.write_str(""),
            },
            Value::Set(s) => match &s.labels {
                Some(labels) => f.write_str(&labels.join(",")),
                None => write!(f, "b'{:b}'", s.bits),
            },
            Value::Json(j) => f.write_str(j),
            Value::JsonPatch(ops) => {
                for (i, op) in ops.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{op}")?;
                }
                Ok(())
            }
            Value::Geometry(g) => {
                write!(f, "SRID={};", g.srid)?;
                write_hex(f, &g.wkb)
            }
            Value::Uuid(u) => write!(f, "{u}"),
            Value::Inet(i) => write!(f, "{i}"),
            Value::Money(m) => write!(f, "{m}"),
            Value::Vector(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Value::Array(a) => {
                f.write_str("{")?;
                for (i, x) in a.elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("0x")?;
    for b in bytes {
        write!(f, "{b:02X}")?;
    }
    Ok(())
}

/// A character set, as the source names it. Only the sets whose bytes this crate can turn into
/// UTF-8 are spelled out; the rest keep the source's name.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    /// UTF-8 up to 4 bytes (MySQL `utf8mb4`, PostgreSQL `UTF8`).
    Utf8mb4,
    /// MySQL `utf8mb3` (also called `utf8`): UTF-8 limited to the Basic Multilingual Plane.
    Utf8mb3,
    /// MySQL `latin1`, which is Windows code page 1252.
    Latin1,
    /// 7-bit ASCII.
    Ascii,
    /// MySQL `binary`: bytes with no character set.
    Binary,
    /// Any other set, by its MySQL or PostgreSQL name (`gbk`, `ucs2`, `EUC_JP`, ...).
    Other(String),
}

impl Charset {
    /// The charset named `name` (MySQL names like `utf8mb4`, `utf8`, `latin1` or PostgreSQL names
    /// like `UTF8`, `SQL_ASCII` are recognised; anything else becomes [`Charset::Other`]).
    pub fn from_name(name: &str) -> Charset {
        match name.to_ascii_lowercase().as_str() {
            "utf8mb4" | "utf8" | "utf-8" => {
                if name.eq_ignore_ascii_case("utf8") && !name.starts_with('U') {
                    // MySQL's `utf8` is utf8mb3; PostgreSQL spells its UTF-8 as `UTF8`.
                    Charset::Utf8mb3
                } else {
                    Charset::Utf8mb4
                }
            }
            "utf8mb3" => Charset::Utf8mb3,
            "latin1" | "cp1252" | "win1252" => Charset::Latin1,
            "ascii" | "us-ascii" => Charset::Ascii,
            "binary" => Charset::Binary,
            _ => Charset::Other(name.to_owned()),
        }
    }

    /// The name MySQL uses for this set.
    pub fn name(&self) -> &str {
        match self {
            Charset::Utf8mb4 => "utf8mb4",
            Charset::Utf8mb3 => "utf8mb3",
            Charset::Latin1 => "latin1",
            Charset::Ascii => "ascii",
            Charset::Binary => "binary",
            Charset::Other(n) => n,
        }
    }

    /// True when text in this set is UTF-8 bytes (utf8mb4, utf8mb3, ascii).
    pub fn is_utf8(&self) -> bool {
        matches!(self, Charset::Utf8mb4 | Charset::Utf8mb3 | Charset::Ascii)
    }
}

/// Character data: the source's bytes and their character set.
///
/// ```
/// use bytes::Bytes;
/// use cdc_model::{Charset, Text};
/// let t = Text::new(Bytes::from_static(b"caf\xe9 \x80"), Charset::Latin1);
/// assert_eq!(t.as_str(), None); // not UTF-8 bytes
/// assert_eq!(t.to_utf8().unwrap(), "café €");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Text {
    /// The bytes as the source stored them.
    pub bytes: Bytes,
    /// Their character set.
    pub charset: Charset,
}

impl Text {
    /// Text from bytes and a charset.
    pub fn new(bytes: Bytes, charset: Charset) -> Text {
        Text { bytes, charset }
    }

    /// UTF-8 text.
    pub fn utf8(s: impl Into<String>) -> Text {
        Text {
            bytes: Bytes::from(s.into()),
            charset: Charset::Utf8mb4,
        }
    }

    /// The text without copying, when the charset is UTF-8-compatible and the bytes are valid.
    pub fn as_str(&self) -> Option<&str> {
        if self.charset.is_utf8() {
            std::str::from_utf8(&self.bytes).ok()
        } else {
            None
        }
    }

    /// The text as UTF-8, converting from latin1 (cp1252) when needed. `None` when the bytes are
    /// not valid in their set, or the set is one this crate does not convert.
    pub fn to_utf8(&self) -> Option<Cow<'_, str>> {
        match &self.charset {
            c if c.is_utf8() => std::str::from_utf8(&self.bytes).ok().map(Cow::Borrowed),
            Charset::Latin1 => Some(Cow::Owned(self.bytes.iter().map(|b| cp1252(*b)).collect())),
            _ => None,
        }
    }

    /// Like [`Text::to_utf8`], with U+FFFD for what cannot be converted.
    pub fn to_utf8_lossy(&self) -> Cow<'_, str> {
        self.to_utf8()
            .unwrap_or_else(|| String::from_utf8_lossy(&self.bytes))
    }
}

/// MySQL's latin1 is Windows-1252, with the five bytes cp1252 leaves undefined mapped to the
/// C1 control characters of the same number.
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}',
        '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
        '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
        '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
    ];
    match b {
        0x80..=0x9F => HIGH
            .get(usize::from(b - 0x80))
            .copied()
            .unwrap_or('\u{FFFD}'),
        _ => char::from(b),
    }
}

/// A bit string of `len` bits, most significant bit first, padded with zero bits at the front
/// of the first byte (as MySQL stores `BIT(n)`).
///
/// ```
/// use cdc_model::BitString;
/// let b = BitString::from_u64(0b101, 3);
/// assert_eq!(b.to_string(), "101");
/// assert_eq!(b.to_u64(), Some(5));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct BitString {
    /// Number of bits.
    pub len: u32,
    /// `ceil(len / 8)` bytes, big-endian, the value right-aligned.
    pub bytes: Bytes,
}

impl BitString {
    /// The low `len` bits of `v` (`len` at most 64).
    pub fn from_u64(v: u64, len: u32) -> BitString {
        let len = len.min(64);
        let nbytes = len.div_ceil(8) as usize;
        let be = v.to_be_bytes();
        let bytes = be.get(8 - nbytes..).unwrap_or(&be);
        BitString {
            len,
            bytes: Bytes::copy_from_slice(bytes),
        }
    }

    /// The bits as an unsigned integer, when there are at most 64.
    pub fn to_u64(&self) -> Option<u64> {
        if self.len > 64 || self.bytes.len() > 8 {
            return None;
        }
        Some(
            self.bytes
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        )
    }

    /// Bit `i`, counting from the most significant (first) bit.
    pub fn bit(&self, i: u32) -> Option<bool> {
        if i >= self.len {
            return None;
        }
        let pad = (self.bytes.len() as u32) * 8 - self.len;
        let pos = i + pad;
        let byte = self.bytes.get((pos / 8) as usize)?;
        Some(byte & (0x80 >> (pos % 8)) != 0)
    }
}

impl fmt::Display for BitString {
    /// The bits as `0`/`1` characters, most significant first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..self.len {
            f.write_str(if self.bit(i) == Some(true) { "1" } else { "0" })?;
        }
        Ok(())
    }
}

/// An `ENUM` member. MySQL binlogs carry only the 1-based index (0 is the empty error value);
/// the label is known when the table metadata lists the members. PostgreSQL sends only the
/// label.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct EnumValue {
    /// 1-based member index, when known.
    pub index: Option<u16>,
    /// Member label, when known.
    pub label: Option<String>,
}

/// A MySQL `SET` value: a bitmap over up to 64 members, with their labels when known.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct SetValue {
    /// Bit `i` set means member `i + 1` is in the set.
    pub bits: u64,
    /// Labels of the members present, in member order, when the members are known.
    pub labels: Option<Vec<String>>,
}

/// What a [`JsonPatchOp`] does, with MySQL's semantics.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonPatchKind {
    /// `JSON_REPLACE`: replace the value at the path, if there is one.
    Replace,
    /// `JSON_INSERT` (or `JSON_ARRAY_INSERT` when the path ends in an array index): add the
    /// value at the path, if there is none.
    Insert,
    /// `JSON_REMOVE`: delete the value at the path.
    Remove,
}

/// One edit of a partial JSON update.
///
/// ```
/// use cdc_model::{JsonPatchKind, JsonPatchOp};
/// let op = JsonPatchOp { kind: JsonPatchKind::Replace, path: "$.age".into(), value: Some("26".into()) };
/// assert_eq!(op.to_string(), "JSON_REPLACE($.age, 26)");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct JsonPatchOp {
    /// The operation.
    pub kind: JsonPatchKind,
    /// MySQL JSON path (`$.a[2]`, `$."key with space"`).
    pub path: String,
    /// The value as JSON text (none for `Remove`).
    pub value: Option<String>,
}

impl fmt::Display for JsonPatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            JsonPatchKind::Replace => "JSON_REPLACE",
            JsonPatchKind::Insert if self.path.ends_with(']') => "JSON_ARRAY_INSERT",
            JsonPatchKind::Insert => "JSON_INSERT",
            JsonPatchKind::Remove => "JSON_REMOVE",
        };
        match &self.value {
            Some(v) => write!(f, "{name}({}, {v})", self.path),
            None => write!(f, "{name}({})", self.path),
        }
    }
}

/// A spatial value: SRID and the geometry as OGC well-known binary.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Geometry {
    /// Spatial reference system id (0 when none).
    pub srid: u32,
    /// Well-known binary.
    pub wkb: Bytes,
}

/// A network address with prefix length (PostgreSQL `inet`/`cidr`).
///
/// ```
/// use cdc_model::Inet;
/// let n = Inet { addr: "10.1.0.0".parse().unwrap(), prefix: 16, cidr: true };
/// assert_eq!(n.to_string(), "10.1.0.0/16");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Inet {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub prefix: u8,
    /// True for `cidr` (a network), false for `inet` (a host with its netmask).
    pub cidr: bool,
}

impl fmt::Display for Inet {
    /// Like PostgreSQL: `inet` omits a full-length prefix, `cidr` always prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = match self.addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        write!(f, "{}", self.addr)?;
        if self.cidr || self.prefix != full {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

/// A PostgreSQL array: dimensions and elements in row-major order.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Array {
    /// One entry per dimension (empty for an empty array).
    pub dims: Vec<ArrayDim>,
    /// The elements, row-major; `Value::Null` for NULL elements.
    pub elements: Vec<Value>,
}

/// One dimension of an [`Array`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct ArrayDim {
    /// Number of elements along this dimension.
    pub len: u32,
    /// Index of the first element (1 unless declared otherwise).
    pub lower_bound: i32,
}

/// Floats travel through serde as numbers when finite, and as the strings `"NaN"`,
/// `"Infinity"` and `"-Infinity"` otherwise, so every value survives a JSON round trip.
mod float_serde {
    macro_rules! float_mod {
        ($t:ident, $ser:ident) => {
            pub(crate) mod $t {
                use serde::{Deserialize, Deserializer, Serializer};

                pub(crate) fn serialize<S: Serializer>(v: &$t, s: S) -> Result<S::Ok, S::Error> {
                    if v.is_nan() {
                        s.serialize_str("NaN")
                    } else if v.is_infinite() {
                        s.serialize_str(if *v > 0.0 { "Infinity" } else { "-Infinity" })
                    } else {
                        s.$ser(*v)
                    }
                }

                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Repr {
                    Num($t),
                    Text(String),
                }

                pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                    match Repr::deserialize(d)? {
                        Repr::Num(v) => Ok(v),
                        Repr::Text(s) => match s.as_str() {
                            "NaN" => Ok($t::NAN),
                            "Infinity" => Ok($t::INFINITY),
                            "-Infinity" => Ok($t::NEG_INFINITY),
                            _ => Err(serde::de::Error::custom(format!("not a float: {s:?}"))),
                        },
                    }
                }
            }
        };
    }
    float_mod!(f32, serialize_f32);
    float_mod!(f64, serialize_f64);
}
