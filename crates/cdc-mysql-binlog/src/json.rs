//! MySQL's binary JSON format (the storage and binlog form of `JSON` columns), rendered as
//! the text MySQL itself prints for the value, and the JSON diffs of partial updates.
//!
//! Binary layout: one type byte, then the value.
//!
//! - `0x00`/`0x01` small/large object, `0x02`/`0x03` small/large array: element count and
//!   byte size (2 bytes each in the small form, 4 in the large), then for objects one key
//!   entry per member (key offset, 2 or 4 bytes, and key length, always 2 bytes), then one
//!   value entry per element (type byte and either the offset of the value or, for small
//!   scalars, the value itself), then the keys and values. Offsets count from the start of
//!   the container (just after its type byte). Literals and 16-bit integers are always
//!   inlined; 32-bit integers only in the large form.
//! - `0x04` literal (`0` null, `1` true, `2` false); `0x05`..`0x0a` int16, uint16, int32,
//!   uint32, int64, uint64 (little-endian); `0x0b` double (IEEE, little-endian).
//! - `0x0c` string: length in 7-bit groups, least significant first, high bit set on all but
//!   the last byte (at most 5 bytes), then UTF-8 bytes.
//! - `0x0f` opaque: a MySQL column type byte, a length as for strings, then data. `DECIMAL`
//!   (246) carries precision, scale and the packed decimal; `DATE`, `TIME`, `DATETIME` and
//!   `TIMESTAMP` (10, 11, 12, 7) carry MySQL's 8-byte packed temporal integer.
//!
//! Printing follows MySQL's `Json_wrapper::to_string`: `", "` between elements, `": "` after
//! keys, keys in stored order (which MySQL keeps sorted by length, then bytes), strings
//! escaped the way MySQL escapes them, doubles through MySQL's `my_gcvt` rules with `.0`
//! appended to integral values, decimals with their scale, temporals quoted with six
//! fraction digits, other opaque values as `"base64:typeNN:..."`.

use std::fmt::Write as _;

use crate::cursor::Cursor;
use crate::error::{Error, Result};

const SMALL_OBJECT: u8 = 0x00;
const LARGE_OBJECT: u8 = 0x01;
const SMALL_ARRAY: u8 = 0x02;
const LARGE_ARRAY: u8 = 0x03;
const LITERAL: u8 = 0x04;
const INT16: u8 = 0x05;
const UINT16: u8 = 0x06;
const INT32: u8 = 0x07;
const UINT32: u8 = 0x08;
const INT64: u8 = 0x09;
const UINT64: u8 = 0x0a;
const DOUBLE: u8 = 0x0b;
const STRING: u8 = 0x0c;
const OPAQUE: u8 = 0x0f;

const LITERAL_NULL: u8 = 0x00;
const LITERAL_TRUE: u8 = 0x01;
const LITERAL_FALSE: u8 = 0x02;

/// Deeper nesting than this is rejected (MySQL itself stops at 100 levels).
const MAX_DEPTH: usize = 150;

/// MySQL column type codes used in opaque values.
mod field {
    pub(super) const TIMESTAMP: u8 = 7;
    pub(super) const DATE: u8 = 10;
    pub(super) const TIME: u8 = 11;
    pub(super) const DATETIME: u8 = 12;
    pub(super) const VAR_STRING: u8 = 253;
    pub(super) const NEWDECIMAL: u8 = 246;
}

fn bad(msg: &'static str) -> Error {
    Error::malformed(msg)
}

/// Renders a MySQL binary JSON document as the text MySQL prints for it, e.g.
/// `{"a": 1, "b": [true, null, 1.5]}`. An empty document is JSON `null`, as MySQL reads it.
///
/// ```
/// // {"a": "x"} in the small object form
/// let doc = [0x00, 1, 0, 14, 0, 11, 0, 1, 0, 0x0c, 12, 0, b'a', 1, b'x'];
/// assert_eq!(cdc_mysql_binlog::json_to_text(&doc).unwrap(), r#"{"a": "x"}"#);
/// assert_eq!(cdc_mysql_binlog::json_to_text(&[]).unwrap(), "null");
/// ```
pub fn json_to_text(bytes: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2 + 8);
    let Some((&ty, body)) = bytes.split_first() else {
        out.push_str("null");
        return Ok(out);
    };
    let mut budget = bytes.len();
    write_value(&mut out, ty, body, 0, &mut budget)?;
    Ok(out)
}

/// A parsed container: where its entries are.
struct Container<'a> {
    /// The container's bytes, from just after its type byte, `size` bytes long.
    data: &'a [u8],
    count: usize,
    large: bool,
    object: bool,
}

impl<'a> Container<'a> {
    fn parse(ty: u8, data: &'a [u8]) -> Result<Container<'a>> {
        let large = matches!(ty, LARGE_OBJECT | LARGE_ARRAY);
        let object = matches!(ty, SMALL_OBJECT | LARGE_OBJECT);
        let mut c = Cursor::new(data);
        let (count, size) = if large {
            (c.u32()? as usize, c.u32()? as usize)
        } else {
            (usize::from(c.u16()?), usize::from(c.u16()?))
        };
        let data = data
            .get(..size)
            .ok_or_else(|| bad("JSON container size exceeds its data"))?;
        let container = Container {
            data,
            count,
            large,
            object,
        };
        let header = container
            .value_entry_offset(count)
            .ok_or_else(|| bad("JSON container header too large"))?;
        if header > size {
            return Err(bad("JSON container header exceeds its size"));
        }
        Ok(container)
    }

    fn offset_size(&self) -> usize {
        if self.large { 4 } else { 2 }
    }

    fn key_entry_size(&self) -> usize {
        self.offset_size() + 2
    }

    fn value_entry_size(&self) -> usize {
        self.offset_size() + 1
    }

    /// Offset of value entry `i` (or of the end of the header for `i == count`).
    fn value_entry_offset(&self, i: usize) -> Option<usize> {
        let keys = if self.object {
            self.count.checked_mul(self.key_entry_size())?
        } else {
            0
        };
        (2 * self.offset_size())
            .checked_add(keys)?
            .checked_add(i.checked_mul(self.value_entry_size())?)
    }

    fn read_offset(&self, at: usize) -> Result<usize> {
        let mut c = Cursor::new(self.data);
        c.skip(at)?;
        Ok(if self.large {
            c.u32()? as usize
        } else {
            usize::from(c.u16()?)
        })
    }

    /// The key of member `i`.
    fn key(&self, i: usize) -> Result<&'a [u8]> {
        let entry = 2 * self.offset_size() + i * self.key_entry_size();
        let off = self.read_offset(entry)?;
        let mut c = Cursor::new(self.data);
        c.skip(entry + self.offset_size())?;
        let len = usize::from(c.u16()?);
        off.checked_add(len)
            .and_then(|end| self.data.get(off..end))
            .ok_or_else(|| bad("JSON object key out of bounds"))
    }

    /// The type byte and bytes of element `i`: inlined scalars get the entry's value bytes,
    /// others everything from their offset to the end of the container.
    fn element(&self, i: usize) -> Result<(u8, &'a [u8])> {
        let entry = self
            .value_entry_offset(i)
            .ok_or_else(|| bad("JSON element index overflow"))?;
        let mut c = Cursor::new(self.data);
        c.skip(entry)?;
        let ty = c.u8()?;
        if inlined(ty, self.large) {
            let v = c.take(self.offset_size())?;
            return Ok((ty, v));
        }
        let off = self.read_offset(entry + 1)?;
        let v = self
            .data
            .get(off..)
            .ok_or_else(|| bad("JSON value offset out of bounds"))?;
        Ok((ty, v))
    }
}

fn inlined(ty: u8, large: bool) -> bool {
    match ty {
        LITERAL | INT16 | UINT16 => true,
        INT32 | UINT32 => large,
        _ => false,
    }
}

/// Counts one more value against the document's size: every value of a well-formed document
/// occupies bytes of its own, so more values than bytes means entries share offsets, which
/// would let a few bytes expand without bound.
fn spend(budget: &mut usize) -> Result<()> {
    *budget = budget
        .checked_sub(1)
        .ok_or_else(|| bad("JSON document reuses its values (more values than bytes)"))?;
    Ok(())
}

fn write_value(
    out: &mut String,
    ty: u8,
    data: &[u8],
    depth: usize,
    budget: &mut usize,
) -> Result<()> {
    spend(budget)?;
    match ty {
        SMALL_OBJECT | LARGE_OBJECT | SMALL_ARRAY | LARGE_ARRAY => {
            if depth >= MAX_DEPTH {
                return Err(bad("JSON document nested too deeply"));
            }
            let c = Container::parse(ty, data)?;
            if c.object {
                out.push('{');
                for i in 0..c.count {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_string(out, c.key(i)?)?;
                    out.push_str(": ");
                    let (t, v) = c.element(i)?;
                    write_value(out, t, v, depth + 1, budget)?;
                }
                out.push('}');
            } else {
                out.push('[');
                for i in 0..c.count {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let (t, v) = c.element(i)?;
                    write_value(out, t, v, depth + 1, budget)?;
                }
                out.push(']');
            }
            Ok(())
        }
        _ => write_scalar(out, ty, data),
    }
}

fn write_scalar(out: &mut String, ty: u8, data: &[u8]) -> Result<()> {
    let mut c = Cursor::new(data);
    match ty {
        LITERAL => match c.u8()? {
            LITERAL_NULL => out.push_str("null"),
            LITERAL_TRUE => out.push_str("true"),
            LITERAL_FALSE => out.push_str("false"),
            _ => return Err(bad("unknown JSON literal")),
        },
        INT16 => push_display(out, i16::from_le_bytes(c.array()?)),
        UINT16 => push_display(out, c.u16()?),
        INT32 => push_display(out, i32::from_le_bytes(c.array()?)),
        UINT32 => push_display(out, c.u32()?),
        INT64 => push_display(out, i64::from_le_bytes(c.array()?)),
        UINT64 => push_display(out, c.u64()?),
        DOUBLE => write_double(out, f64::from_le_bytes(c.array()?)),
        STRING => {
            let len = read_variable_length(&mut c)?;
            write_string(out, c.take(len)?)?;
        }
        OPAQUE => {
            let field_type = c.u8()?;
            let len = read_variable_length(&mut c)?;
            write_opaque(out, field_type, c.take(len)?)?;
        }
        _ => return Err(bad("unknown JSON value type")),
    }
    Ok(())
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{v}");
}

/// The variable-length unsigned integer of JSON strings and opaque values.
fn read_variable_length(c: &mut Cursor<'_>) -> Result<usize> {
    let mut len: u64 = 0;
    for i in 0..5 {
        let b = c.u8()?;
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            if len > u64::from(u32::MAX) {
                return Err(bad("JSON length exceeds 32 bits"));
            }
            return usize::try_from(len).map_err(|_| bad("JSON length exceeds usize"));
        }
    }
    Err(bad("JSON variable-length integer longer than 5 bytes"))
}

/// Writes `bytes` as a double-quoted JSON string, escaped as MySQL's `double_quote` does:
/// `"` and `\` get a backslash, `\b \f \n \r \t` their short forms, other bytes up to 0x1f
/// `\u00xx` with lower-case hex; everything else is copied.
fn write_string(out: &mut String, bytes: &[u8]) -> Result<()> {
    let s = std::str::from_utf8(bytes).map_err(|_| bad("JSON string is not valid UTF-8"))?;
    write_str_escaped(out, s);
    Ok(())
}

fn write_str_escaped(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b > 0x1f && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(s.get(start..i).unwrap_or_default());
        start = i + 1;
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                let hex = |n: u8| char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0'));
                out.push(hex(b >> 4));
                out.push(hex(b & 0xf));
            }
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Field width MySQL gives `my_gcvt` for JSON doubles (`MY_GCVT_MAX_FIELD_WIDTH`:
/// `DBL_DIG + 4 + max(5, DBL_DIG)`).
const GCVT_WIDTH: i32 = 34;
/// `MAX_DECPT_FOR_F_FORMAT` (`DBL_DIG`).
const MAX_DECPT_FOR_F: i32 = 15;

/// Writes a double the way MySQL prints a JSON double: the shortest digits that read back
/// as the same double, in plain notation when the decimal exponent is within -14..=15 (or
/// the digits reach past the point) and in `1.5e-7` notation otherwise; then `.0` when the
/// result has neither a point nor an exponent. Non-finite values (which binary JSON cannot
/// hold) print as MySQL's `my_gcvt` prints them, `0`, plus `.0`.
pub(crate) fn write_double(out: &mut String, x: f64) {
    let start = out.len();
    if x.is_finite() {
        write_gcvt(out, x);
    } else {
        out.push('0');
    }
    let written = out.get(start..).unwrap_or_default();
    if !written.contains(['.', 'e']) {
        out.push_str(".0");
    }
}

fn write_gcvt(out: &mut String, x: f64) {
    // Shortest round-trip digits and the decimal exponent, from Rust's `{:e}` (which, like
    // dtoa mode 0, yields the shortest digit string that reads back as `x`).
    let sci = format!("{x:e}");
    let (negative, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci.as_str()),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // Value is 0.DIGITS × 10^decpt.
    let decpt = exp + 1;
    let width = if x < 0.0 { GCVT_WIDTH - 1 } else { GCVT_WIDTH };
    let f_len = if decpt <= 0 {
        len - decpt + 2
    } else if decpt < len {
        len + 1
    } else {
        decpt
    };
    let have_space = f_len <= width;
    let use_f = have_space && decpt > -MAX_DECPT_FOR_F && (decpt <= MAX_DECPT_FOR_F || len > decpt);
    if negative {
        out.push('-');
    }
    if use_f {
        if decpt <= 0 {
            out.push_str("0.");
            for _ in decpt..0 {
                out.push('0');
            }
            out.push_str(&digits);
        } else if decpt < len {
            let (int, frac) = digits.split_at(decpt as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str(&digits);
            for _ in len..decpt {
                out.push('0');
            }
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        push_display(out, decpt - 1);
    }
}

fn write_opaque(out: &mut String, field_type: u8, data: &[u8]) -> Result<()> {
    match field_type {
        field::NEWDECIMAL => {
            let (&precision, rest) = data
                .split_first()
                .ok_or_else(|| bad("JSON decimal without precision"))?;
            let (&scale, packed) = rest
                .split_first()
                .ok_or_else(|| bad("JSON decimal without scale"))?;
            let d = crate::decimal::decode(packed, precision, scale)?;
            push_display(out, d);
        }
        field::DATE | field::TIME | field::DATETIME | field::TIMESTAMP => {
            let packed = i64::from_le_bytes(
                data.try_into()
                    .map_err(|_| bad("JSON temporal value is not 8 bytes"))?,
            );
            out.push('"');
            write_packed_temporal(out, field_type, packed);
            out.push('"');
        }
        field::VAR_STRING => write_string(out, data)?,
        _ => {
            let mut text = String::with_capacity(16 + data.len() * 4 / 3);
            text.push_str("base64:type");
            push_display(&mut text, field_type);
            text.push(':');
            base64_mysql(&mut text, data);
            write_str_escaped(out, &text);
        }
    }
    Ok(())
}

/// Prints MySQL's packed temporal integer (`TIME_to_longlong_packed`) as `my_TIME_to_str`
/// does with 6 fraction digits.
fn write_packed_temporal(out: &mut String, field_type: u8, packed: i64) {
    let negative = packed < 0;
    let v = packed.unsigned_abs();
    let frac = v & 0xff_ffff;
    let int = v >> 24;
    if field_type == field::TIME {
        let hms = int;
        let hour = (hms >> 12) & 0x3ff;
        let minute = (hms >> 6) & 0x3f;
        let second = hms & 0x3f;
        let sign = if negative { "-" } else { "" };
        let _ = write!(out, "{sign}{hour:02}:{minute:02}:{second:02}.{frac:06}");
        return;
    }
    let ymd = int >> 17;
    let hms = int & 0x1_ffff;
    let day = ymd & 0x1f;
    let ym = ymd >> 5;
    let month = ym % 13;
    let year = ym / 13;
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    if field_type != field::DATE {
        let hour = hms >> 12;
        let minute = (hms >> 6) & 0x3f;
        let second = hms & 0x3f;
        let _ = write!(out, " {hour:02}:{minute:02}:{second:02}.{frac:06}");
    }
}

/// Standard base64 with padding and, as MySQL's `base64_encode` writes it, a newline after
/// every 76 output characters (before the next group, never at the end).
fn base64_mysql(out: &mut String, data: &[u8]) {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |i: u32| char::from(TABLE.get((i & 0x3f) as usize).copied().unwrap_or(b'A'));
    let mut line = 0;
    for chunk in data.chunks(3) {
        if line == 76 {
            out.push('\n');
            line = 0;
        }
        let b0 = u32::from(chunk.first().copied().unwrap_or(0));
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let n = (b0 << 16) | (b1 << 8) | b2;
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
        line += 4;
    }
}

// ---------------------------------------------------------------------------------------
// A small DOM for applying partial-update diffs.

/// A JSON document as a tree, with scalars kept as the text MySQL prints for them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum JsonNode {
    /// Members in MySQL's order (sorted by key length, then key bytes).
    Object(Vec<(String, JsonNode)>),
    /// Elements in order.
    Array(Vec<JsonNode>),
    /// A scalar, already rendered (`1`, `"x"`, `null`, `"2015-01-15"` ...).
    Scalar(String),
}

impl JsonNode {
    /// Parses a binary JSON document (empty means `null`).
    pub(crate) fn from_binary(bytes: &[u8]) -> Result<JsonNode> {
        match bytes.split_first() {
            None => Ok(JsonNode::Scalar("null".to_owned())),
            Some((&ty, body)) => node_from_binary(ty, body, 0, &mut bytes.len()),
        }
    }

    /// The text MySQL prints for this document.
    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            JsonNode::Scalar(s) => out.push_str(s),
            JsonNode::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write(out);
                }
                out.push(']');
            }
            JsonNode::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_str_escaped(out, k);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn node_from_binary(ty: u8, data: &[u8], depth: usize, budget: &mut usize) -> Result<JsonNode> {
    spend(budget)?;
    match ty {
        SMALL_OBJECT | LARGE_OBJECT | SMALL_ARRAY | LARGE_ARRAY => {
            if depth >= MAX_DEPTH {
                return Err(bad("JSON document nested too deeply"));
            }
            let c = Container::parse(ty, data)?;
            if c.object {
                let mut members = Vec::with_capacity(c.count.min(data.len()));
                for i in 0..c.count {
                    let key = std::str::from_utf8(c.key(i)?)
                        .map_err(|_| bad("JSON key is not valid UTF-8"))?
                        .to_owned();
                    let (t, v) = c.element(i)?;
                    members.push((key, node_from_binary(t, v, depth + 1, budget)?));
                }
                Ok(JsonNode::Object(members))
            } else {
                let mut items = Vec::with_capacity(c.count.min(data.len()));
                for i in 0..c.count {
                    let (t, v) = c.element(i)?;
                    items.push(node_from_binary(t, v, depth + 1, budget)?);
                }
                Ok(JsonNode::Array(items))
            }
        }
        _ => {
            let mut s = String::new();
            write_scalar(&mut s, ty, data)?;
            Ok(JsonNode::Scalar(s))
        }
    }
}

/// The lexer of JSON diff paths (`$.a[2]`, `$."quoted key"`): white space, JSON strings with
/// their escapes, numbers.
struct TextParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl TextParser<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(bad("unexpected character in JSON text"))
        }
    }

    fn string(&mut self) -> Result<String> {
        if self.peek() != Some(b'"') {
            return Err(bad("expected a JSON string"));
        }
        self.pos += 1;
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let b = self.peek().ok_or_else(|| bad("unterminated JSON string"))?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.peek().ok_or_else(|| bad("unterminated JSON escape"))?;
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => buf.push(e),
                        b'b' => buf.push(0x08),
                        b'f' => buf.push(0x0c),
                        b'n' => buf.push(b'\n'),
                        b'r' => buf.push(b'\r'),
                        b't' => buf.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp) {
                                if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(bad("unpaired surrogate in JSON string"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(bad("bad surrogate pair in JSON string"));
                                }
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            }
                            let ch = char::from_u32(cp)
                                .ok_or_else(|| bad("invalid \\u escape in JSON string"))?;
                            let mut tmp = [0u8; 4];
                            buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                        }
                        _ => return Err(bad("invalid escape in JSON string")),
                    }
                }
                _ => buf.push(b),
            }
        }
        String::from_utf8(buf).map_err(|_| bad("JSON string is not valid UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| bad("invalid \\u escape in JSON string"))?;
        self.pos += 4;
        Ok(h)
    }
}

// ---------------------------------------------------------------------------------------
// JSON paths and diffs.

/// One leg of a diff path.
#[derive(Clone, Debug, PartialEq)]
enum Leg {
    Member(String),
    /// `[n]` (`from_end` false) or `[last - n]` (`from_end` true).
    Cell {
        index: usize,
        from_end: bool,
    },
}

/// Parses the simple paths MySQL writes in JSON diffs: `$`, `.name`, `."quoted name"`,
/// `[n]`, `[last]`, `[last-n]`.
fn parse_path(path: &[u8]) -> Result<Vec<Leg>> {
    let text = std::str::from_utf8(path).map_err(|_| bad("JSON path is not valid UTF-8"))?;
    let mut p = TextParser {
        s: text.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    if p.peek() != Some(b'$') {
        return Err(bad("JSON path must start with '$'"));
    }
    p.pos += 1;
    let mut legs = Vec::new();
    loop {
        p.skip_ws();
        match p.peek() {
            None => return Ok(legs),
            Some(b'.') => {
                p.pos += 1;
                p.skip_ws();
                if p.peek() == Some(b'"') {
                    legs.push(Leg::Member(p.string()?));
                } else {
                    let start = p.pos;
                    while let Some(b) = p.peek() {
                        if matches!(b, b'.' | b'[' | b' ' | b'\t' | b'\n' | b'\r' | b'*') {
                            break;
                        }
                        p.pos += 1;
                    }
                    let name = text.get(start..p.pos).unwrap_or_default();
                    if name.is_empty() {
                        return Err(bad("empty or wildcard member in JSON diff path"));
                    }
                    legs.push(Leg::Member(name.to_owned()));
                }
            }
            Some(b'[') => {
                p.pos += 1;
                p.skip_ws();
                let rest = text.get(p.pos..).unwrap_or_default();
                let leg = if rest.starts_with("last") {
                    p.pos += 4;
                    p.skip_ws();
                    let mut n = 0;
                    if p.peek() == Some(b'-') {
                        p.pos += 1;
                        p.skip_ws();
                        n = p.number()?;
                    }
                    Leg::Cell {
                        index: n,
                        from_end: true,
                    }
                } else {
                    Leg::Cell {
                        index: p.number()?,
                        from_end: false,
                    }
                };
                p.expect(b']')?;
                legs.push(leg);
            }
            Some(_) => return Err(bad("unsupported JSON diff path")),
        }
    }
}

impl TextParser<'_> {
    fn number(&mut self) -> Result<usize> {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.s
            .get(start..self.pos)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| bad("invalid array index in JSON path"))
    }
}

/// The position an array leg selects in an array of `len` elements, clamped as MySQL's
/// `Json_array_index` does, and whether it is within the array.
fn array_index(index: usize, from_end: bool, len: usize) -> (usize, bool) {
    let pos = if from_end {
        if index < len { len - index - 1 } else { 0 }
    } else {
        index.min(len)
    };
    (pos, index < len)
}

fn seek_mut<'n>(mut node: &'n mut JsonNode, legs: &[Leg]) -> Option<&'n mut JsonNode> {
    for leg in legs {
        node = match (node, leg) {
            (JsonNode::Array(items), Leg::Cell { index, from_end }) => {
                let (pos, inside) = array_index(*index, *from_end, items.len());
                if !inside {
                    return None;
                }
                items.get_mut(pos)?
            }
            (JsonNode::Object(members), Leg::Member(name)) => members
                .iter_mut()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v)?,
            _ => return None,
        };
    }
    Some(node)
}

/// MySQL's member order: shorter keys first, then bytewise.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

const OP_REPLACE: u8 = 0;
const OP_INSERT: u8 = 1;
const OP_REMOVE: u8 = 2;

fn rejected(op: &str) -> Error {
    Error::malformed(format!("JSON diff {op} does not apply to the before image"))
}

/// Applies one diff to `doc`, with MySQL's `apply_json_diff` semantics.
fn apply_one(doc: &mut JsonNode, op: u8, legs: &[Leg], value: Option<JsonNode>) -> Result<()> {
    let Some((last, parent_legs)) = legs.split_last() else {
        // A diff on the root itself: only a replacement makes sense.
        return match (op, value) {
            (OP_REPLACE, Some(v)) => {
                *doc = v;
                Ok(())
            }
            _ => Err(rejected("on the document root")),
        };
    };
    let parent = seek_mut(doc, parent_legs).ok_or_else(|| rejected("(path not found)"))?;
    match op {
        OP_REPLACE => {
            let v = value.ok_or_else(|| bad("JSON diff REPLACE without a value"))?;
            let slot = seek_mut(parent, std::slice::from_ref(last))
                .ok_or_else(|| rejected("REPLACE (path not found)"))?;
            *slot = v;
        }
        OP_INSERT => {
            let v = value.ok_or_else(|| bad("JSON diff INSERT without a value"))?;
            match (parent, last) {
                (JsonNode::Object(members), Leg::Member(name)) => {
                    match members.binary_search_by(|(k, _)| key_order(k, name)) {
                        Ok(_) => return Err(rejected("INSERT (member exists)")),
                        Err(at) => members.insert(at, (name.clone(), v)),
                    }
                }
                (JsonNode::Array(items), Leg::Cell { index, from_end }) => {
                    let (pos, _) = array_index(*index, *from_end, items.len());
                    items.insert(pos, v);
                }
                _ => return Err(rejected("INSERT")),
            }
        }
        OP_REMOVE => match (parent, last) {
            (JsonNode::Object(members), Leg::Member(name)) => {
                let at = members
                    .iter()
                    .position(|(k, _)| k == name)
                    .ok_or_else(|| rejected("REMOVE (member missing)"))?;
                members.remove(at);
            }
            (JsonNode::Array(items), Leg::Cell { index, from_end }) => {
                let (pos, inside) = array_index(*index, *from_end, items.len());
                if !inside {
                    return Err(rejected("REMOVE (index out of range)"));
                }
                items.remove(pos);
            }
            _ => return Err(rejected("REMOVE")),
        },
        _ => return Err(bad("unknown JSON diff operation")),
    }
    Ok(())
}

/// Applies a binlog JSON diff list to `doc`.
///
/// `diffs` is the column's partial-update payload without its 4-byte length: a sequence of
/// diffs, each an operation byte (`0` REPLACE, `1` INSERT, `2` REMOVE), a packed-integer
/// path length and the path (`$.a[1]`), and for REPLACE and INSERT a packed-integer value
/// length and the value in binary JSON.
pub(crate) fn apply_diffs(doc: &mut JsonNode, diffs: &[u8]) -> Result<()> {
    let mut c = Cursor::new(diffs);
    while !c.is_empty() {
        let op = c.u8()?;
        if op > OP_REMOVE {
            return Err(bad("unknown JSON diff operation"));
        }
        let path_len = c.packed_len()?;
        let legs = parse_path(c.take(path_len)?)?;
        let value = if op == OP_REMOVE {
            None
        } else {
            let len = c.packed_len()?;
            Some(JsonNode::from_binary(c.take(len)?)?)
        };
        apply_one(doc, op, &legs, value)?;
    }
    Ok(())
}

/// Applies a JSON diff list (see [`apply_diffs`]) to a binary JSON before image and prints
/// the result.
pub(crate) fn apply_json_diffs(before: &[u8], diffs: &[u8]) -> Result<String> {
    let mut doc = JsonNode::from_binary(before)?;
    apply_diffs(&mut doc, diffs)?;
    Ok(doc.to_text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::test_util::hex;

    fn text(h: &str) -> String {
        json_to_text(&hex(h)).unwrap()
    }

    // -- test-only binary JSON encoder (small and large containers) --------------------

    #[derive(Clone, Debug)]
    enum J {
        Null,
        Bool(bool),
        I64(i64),
        U64(u64),
        F64(f64),
        Str(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    fn varlen(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// Encodes a scalar: (type, bytes).
    fn enc_scalar(v: &J) -> (u8, Vec<u8>) {
        match v {
            J::Null => (LITERAL, vec![0]),
            J::Bool(true) => (LITERAL, vec![1]),
            J::Bool(false) => (LITERAL, vec![2]),
            J::I64(i) if i16::try_from(*i).is_ok() => (INT16, (*i as i16).to_le_bytes().to_vec()),
            J::I64(i) if i32::try_from(*i).is_ok() => (INT32, (*i as i32).to_le_bytes().to_vec()),
            J::I64(i) => (INT64, i.to_le_bytes().to_vec()),
            J::U64(u) if *u <= 0xffff => (UINT16, (*u as u16).to_le_bytes().to_vec()),
            J::U64(u) if *u <= 0xffff_ffff => (UINT32, (*u as u32).to_le_bytes().to_vec()),
            J::U64(u) => (UINT64, u.to_le_bytes().to_vec()),
            J::F64(f) => (DOUBLE, f.to_le_bytes().to_vec()),
            J::Str(s) => {
                let mut b = Vec::new();
                varlen(&mut b, s.len());
                b.extend_from_slice(s.as_bytes());
                (STRING, b)
            }
            J::Arr(_) | J::Obj(_) => unreachable!(),
        }
    }

    fn enc(v: &J, large: bool) -> (u8, Vec<u8>) {
        let (items, keys): (Vec<&J>, Option<Vec<&str>>) = match v {
            J::Arr(a) => (a.iter().collect(), None),
            J::Obj(o) => (
                o.iter().map(|(_, v)| v).collect(),
                Some(o.iter().map(|(k, _)| k.as_str()).collect()),
            ),
            _ => return enc_scalar(v),
        };
        let os = if large { 4 } else { 2 };
        let n = items.len();
        let header = 2 * os + keys.as_ref().map_or(0, |_| n * (os + 2)) + n * (os + 1);
        let mut body: Vec<u8> = Vec::new();
        let mut key_entries = Vec::new();
        if let Some(keys) = &keys {
            for k in keys {
                key_entries.push((header + body.len(), k.len()));
                body.extend_from_slice(k.as_bytes());
            }
        }
        let mut value_entries = Vec::new();
        for item in &items {
            let (t, bytes) = enc(item, large);
            if inlined(t, large) {
                let mut slot = bytes.clone();
                slot.resize(os, 0);
                value_entries.push((t, slot));
            } else {
                let off = header + body.len();
                body.extend_from_slice(&bytes);
                let slot = if large {
                    (off as u32).to_le_bytes().to_vec()
                } else {
                    (off as u16).to_le_bytes().to_vec()
                };
                value_entries.push((t, slot));
            }
        }
        let size = header + body.len();
        let mut out = Vec::new();
        let put = |out: &mut Vec<u8>, v: usize| {
            if large {
                out.extend_from_slice(&(v as u32).to_le_bytes());
            } else {
                out.extend_from_slice(&(v as u16).to_le_bytes());
            }
        };
        put(&mut out, n);
        put(&mut out, size);
        for (off, len) in key_entries {
            put(&mut out, off);
            out.extend_from_slice(&(len as u16).to_le_bytes());
        }
        for (t, slot) in value_entries {
            out.push(t);
            out.extend_from_slice(&slot);
        }
        out.extend_from_slice(&body);
        let ty = match (keys.is_some(), large) {
            (true, false) => SMALL_OBJECT,
            (true, true) => LARGE_OBJECT,
            (false, false) => SMALL_ARRAY,
            (false, true) => LARGE_ARRAY,
        };
        (ty, out)
    }

    fn doc(v: &J, large: bool) -> Vec<u8> {
        let (t, mut b) = enc(v, large);
        b.insert(0, t);
        b
    }

    /// The text serde_json would produce, reformatted with MySQL's separators (for
    /// structure checks on documents without doubles or control characters).
    fn expected(v: &J) -> String {
        match v {
            J::Null => "null".into(),
            J::Bool(b) => b.to_string(),
            J::I64(i) => i.to_string(),
            J::U64(u) => u.to_string(),
            J::F64(f) => {
                let mut s = String::new();
                write_double(&mut s, *f);
                s
            }
            J::Str(s) => serde_json::to_string(s).unwrap(),
            J::Arr(a) => format!(
                "[{}]",
                a.iter().map(expected).collect::<Vec<_>>().join(", ")
            ),
            J::Obj(o) => format!(
                "{{{}}}",
                o.iter()
                    .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap(), expected(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    // -- fixture vectors -----------------------------------------------------------------

    /// json-opaque.binlog (MySQL 9.0.1), one JSON column per row; expected values from
    /// mysql_common's test of that file, printed the way MySQL prints them.
    #[test]
    fn json_opaque_fixture_rows() {
        let cases = [
            // a: x'55' stored as opaque VARCHAR (type 15)
            (
                "00 0100 0f00 0b00 0100 0f 0c00 61 0f 01 55",
                r#"{"a": "base64:type15:VQ=="}"#,
            ),
            (
                "00 0100 1600 0b00 0100 0f 0c00 62 0a 08 0000000000e48b19",
                r#"{"b": "2012-03-18"}"#,
            ),
            (
                "00 0100 1600 0b00 0100 0f 0c00 63 0c 08 000000adb7e48b19",
                r#"{"c": "2012-03-18 11:30:45.000000"}"#,
            ),
            (
                "00 0100 1600 0b00 0100 0f 0c00 63 0b 08 f1fb09ee77050000",
                r#"{"c": "87:31:46.654321"}"#,
            ),
            (
                "00 0100 1400 0b00 0100 0f 0c00 64 f6 06 0603 807b01c8",
                r#"{"d": 123.456}"#,
            ),
            (
                "00 0100 1500 0b00 0100 0f 0c00 65 f6 07 0b02 8000000900",
                r#"{"e": 9.00}"#,
            ),
            (
                "00 0100 1c00 0b00 0100 02 0c00 65 0400 1000 050000 050100 040100 040200",
                r#"{"e": [0, 1, true, false]}"#,
            ),
            ("00 0100 0c00 0b00 0100 04 0000 65", r#"{"e": null}"#),
        ];
        for (h, want) in cases {
            assert_eq!(text(h), want, "{h}");
        }
    }

    /// json.binlog.000001 (MySQL 8.0.22): the first row's JSON column. The table's generated
    /// columns name = json_col->>'$.name' ('Joe') and age = json_col->'$.age' (24) in the
    /// same row confirm the content.
    #[test]
    fn json_binlog_fixture_row() {
        let h = "00 0300 3300 1900 0300 1c00 0400 2000 0400 05 1800 0c 2400 0c 2f00 \
                 616765 64617461 6e616d65 0a 78787878787878787878 03 4a6f65";
        assert_eq!(
            text(h),
            r#"{"age": 24, "data": "xxxxxxxxxx", "name": "Joe"}"#
        );
    }

    /// json.binlog.000001: PARTIAL_UPDATE_ROWS after image of id 1: the diff
    /// `REPLACE $.age 26`, applied to the document logged by the preceding full UPDATE
    /// (age 25). The same row's generated column age = 26 confirms the result.
    #[test]
    fn json_binlog_fixture_partial_update() {
        let before = "00 0300 3300 1900 0300 1c00 0400 2000 0400 05 1900 0c 2400 0c 2f00 \
                      616765 64617461 6e616d65 0a 78787878787878787878 03 4a6f65";
        let diffs = hex("00 05 242e616765 03 05 1a00");
        let want = r#"{"age": 26, "data": "xxxxxxxxxx", "name": "Joe"}"#;
        assert_eq!(apply_json_diffs(&hex(before), &diffs).unwrap(), want);
    }

    // -- scalars --------------------------------------------------------------------------

    #[test]
    fn scalars_at_top_level() {
        assert_eq!(json_to_text(&[]).unwrap(), "null");
        assert_eq!(text("04 00"), "null");
        assert_eq!(text("04 01"), "true");
        assert_eq!(text("04 02"), "false");
        assert_eq!(text("05 ffff"), "-1");
        assert_eq!(text("06 ffff"), "65535");
        assert_eq!(text("07 00000080"), "-2147483648");
        assert_eq!(text("08 ffffffff"), "4294967295");
        assert_eq!(text("09 0000000000000080"), "-9223372036854775808");
        assert_eq!(text("0a ffffffffffffffff"), "18446744073709551615");
        assert_eq!(text("0c 03 616263"), r#""abc""#);
        assert!(json_to_text(&hex("04 03")).is_err());
        assert!(json_to_text(&hex("0d 00")).is_err());
    }

    fn dbl(x: f64) -> String {
        let mut s = String::new();
        write_double(&mut s, x);
        s
    }

    #[test]
    fn doubles_print_like_my_gcvt() {
        assert_eq!(dbl(1.0), "1.0");
        assert_eq!(dbl(-2.0), "-2.0");
        assert_eq!(dbl(0.0), "0.0");
        assert_eq!(dbl(-0.0), "-0.0");
        assert_eq!(dbl(1.5), "1.5");
        assert_eq!(dbl(3.25), "3.25");
        assert_eq!(dbl(2.675), "2.675");
        assert_eq!(dbl(0.1), "0.1");
        assert_eq!(dbl(1e-7), "0.0000001");
        assert_eq!(dbl(1e-14), "0.00000000000001");
        assert_eq!(dbl(1e-15), "0.000000000000001");
        assert_eq!(dbl(1.25e-15), "0.00000000000000125");
        assert_eq!(dbl(1e-16), "1e-16");
        assert_eq!(dbl(1.25e-16), "1.25e-16");
        assert_eq!(dbl(123456789012345.0), "123456789012345.0");
        assert_eq!(dbl(1e15), "1e15");
        assert_eq!(dbl(1234567890123456.7), "1234567890123456.8");
        assert_eq!(dbl(1e100), "1e100");
        assert_eq!(dbl(-1.5e300), "-1.5e300");
        assert_eq!(dbl(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(dbl(f64::MAX), "1.7976931348623157e308");
        assert_eq!(dbl(f64::NAN), "0.0");
        assert_eq!(text("0b 000000000000f83f"), "1.5");
    }

    #[test]
    fn strings_escape_like_mysql() {
        let mut s = String::new();
        write_str_escaped(&mut s, "a\"b\\c/d\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é€😀");
        assert_eq!(
            s,
            "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}é€😀\""
        );
        assert!(json_to_text(&hex("0c 01 ff")).is_err());
    }

    #[test]
    fn variable_length_strings() {
        let long = "x".repeat(200);
        let mut b = vec![STRING];
        varlen(&mut b, long.len());
        assert_eq!(&b[1..], &[0xc8, 0x01]);
        b.extend_from_slice(long.as_bytes());
        assert_eq!(json_to_text(&b).unwrap(), format!("\"{long}\""));
        // more than 5 length bytes
        assert!(json_to_text(&hex("0c 80 80 80 80 80 01")).is_err());
        // length past the end
        assert!(json_to_text(&hex("0c 05 61")).is_err());
    }

    #[test]
    fn opaque_values() {
        // VAR_STRING opaque prints as a string
        assert_eq!(text("0f fd 02 6869"), r#""hi""#);
        // BLOB opaque: base64 with a newline (escaped) after 76 characters
        let data = vec![0u8; 60];
        let mut b = vec![OPAQUE, 252];
        varlen(&mut b, data.len());
        b.extend_from_slice(&data);
        let want = format!("\"base64:type252:{}\\n{}\"", "A".repeat(76), "A".repeat(4));
        assert_eq!(json_to_text(&b).unwrap(), want);
        // negative TIME -01:00:00.5 : -(((1 << 12) << 24) + 500000)
        let packed: i64 = -(((1i64 << 12) << 24) + 500_000);
        let mut b = vec![OPAQUE, 11, 8];
        b.extend_from_slice(&packed.to_le_bytes());
        assert_eq!(json_to_text(&b).unwrap(), r#""-01:00:00.500000""#);
        // TIMESTAMP prints like DATETIME
        assert_eq!(
            text("0f 07 08 000000adb7e48b19"),
            r#""2012-03-18 11:30:45.000000""#
        );
        // negative decimal
        assert_eq!(text("0f f6 04 0402 7ef9"), "-1.06");
        // wrong sizes
        assert!(json_to_text(&hex("0f 0a 07 00000000e48b19")).is_err());
        assert!(json_to_text(&hex("0f f6 03 0603 80")).is_err());
    }

    #[test]
    fn large_containers_and_inlining() {
        let v = J::Obj(vec![
            ("a".into(), J::I64(70000)),
            ("b".into(), J::U64(70000)),
            (
                "c".into(),
                J::Arr(vec![J::I64(-5), J::Null, J::Str("s".into())]),
            ),
        ]);
        let want = r#"{"a": 70000, "b": 70000, "c": [-5, null, "s"]}"#;
        let small = doc(&v, false);
        let large = doc(&v, true);
        assert_eq!(json_to_text(&small).unwrap(), want);
        assert_eq!(json_to_text(&large).unwrap(), want);
        // in the large form INT32 is inlined, in the small form it is not
        assert!(large.len() < small.len() + 40);
        assert_eq!(text("02 0000 0400"), "[]");
        assert_eq!(text("00 0000 0400"), "{}");
        assert_eq!(text("03 00000000 08000000"), "[]");
    }

    #[test]
    fn malformed_containers_fail_cleanly() {
        for h in [
            "00",
            "00 0100",
            "00 0100 ff00",
            "02 0500 0800",
            "00 0100 0b00 ff00 0100 04 0000",
            "02 0100 0700 0c ff00",
        ] {
            assert!(json_to_text(&hex(h)).is_err(), "{h}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_not_overflowed() {
        // 10_000 nested single-element arrays: [[[[...]]]]
        let mut v = J::Null;
        for _ in 0..200 {
            v = J::Arr(vec![v]);
        }
        let b = doc(&v, true);
        assert!(json_to_text(&b).is_err());
        let mut shallow = J::Null;
        for _ in 0..50 {
            shallow = J::Arr(vec![shallow]);
        }
        assert_eq!(
            json_to_text(&doc(&shallow, false)).unwrap(),
            format!("{}null{}", "[".repeat(50), "]".repeat(50))
        );
    }

    // -- diffs ----------------------------------------------------------------------------

    fn diff(op: u8, path: &str, value: Option<&J>) -> Vec<u8> {
        let mut out = vec![op, path.len() as u8];
        out.extend_from_slice(path.as_bytes());
        if let Some(v) = value {
            let d = doc(v, false);
            out.push(d.len() as u8);
            out.extend_from_slice(&d);
        }
        out
    }

    #[test]
    fn diff_operations() {
        let base = J::Obj(vec![
            ("a".into(), J::I64(1)),
            ("b".into(), J::Arr(vec![J::I64(1), J::I64(2), J::I64(3)])),
            ("key two".into(), J::Bool(true)),
        ]);
        let before = doc(&base, false);
        let run = |d: Vec<u8>| apply_json_diffs(&before, &d);

        assert_eq!(
            run(diff(OP_REPLACE, "$.b[1]", Some(&J::Str("x".into())))).unwrap(),
            r#"{"a": 1, "b": [1, "x", 3], "key two": true}"#
        );
        assert_eq!(
            run(diff(OP_REPLACE, "$.\"key two\"", Some(&J::Null))).unwrap(),
            r#"{"a": 1, "b": [1, 2, 3], "key two": null}"#
        );
        // inserted members take MySQL's key order (length, then bytes)
        assert_eq!(
            run(diff(OP_INSERT, "$.aa", Some(&J::I64(5)))).unwrap(),
            r#"{"a": 1, "b": [1, 2, 3], "aa": 5, "key two": true}"#
        );
        assert_eq!(
            run(diff(OP_INSERT, "$.b[1]", Some(&J::I64(9)))).unwrap(),
            r#"{"a": 1, "b": [1, 9, 2, 3], "key two": true}"#
        );
        // past the end appends
        assert_eq!(
            run(diff(OP_INSERT, "$.b[10]", Some(&J::I64(9)))).unwrap(),
            r#"{"a": 1, "b": [1, 2, 3, 9], "key two": true}"#
        );
        assert_eq!(
            run(diff(OP_REMOVE, "$.b[last]", None)).unwrap(),
            r#"{"a": 1, "b": [1, 2], "key two": true}"#
        );
        assert_eq!(
            run(diff(OP_REMOVE, "$.a", None)).unwrap(),
            r#"{"b": [1, 2, 3], "key two": true}"#
        );
        // several diffs in sequence
        let mut both = diff(OP_REMOVE, "$.b[0]", None);
        both.extend(diff(OP_REPLACE, "$.b[last-1]", Some(&J::I64(7))));
        assert_eq!(
            run(both).unwrap(),
            r#"{"a": 1, "b": [7, 3], "key two": true}"#
        );
        // root replacement
        assert_eq!(run(diff(OP_REPLACE, "$", Some(&J::I64(3)))).unwrap(), "3");

        // rejected diffs are errors
        assert!(run(diff(OP_REPLACE, "$.zz", Some(&J::Null))).is_err());
        assert!(run(diff(OP_INSERT, "$.a", Some(&J::Null))).is_err());
        assert!(run(diff(OP_REMOVE, "$.b[3]", None)).is_err());
        assert!(run(diff(OP_REMOVE, "$.a[0]", None)).is_err());
        assert!(run(diff(3, "$.a", None)).is_err());
        assert!(run(diff(OP_REMOVE, "$.*", None)).is_err());
        assert!(run(diff(OP_REMOVE, "a", None)).is_err());
        assert!(run(vec![OP_REPLACE, 3, b'$', b'.', b'a']).is_err());
    }

    #[test]
    fn the_dom_prints_like_json_to_text() {
        let v = J::Obj(vec![
            ("k".into(), J::Str("q\"\\\n\u{1}é".into())),
            ("n".into(), J::F64(-1.5e-20)),
            (
                "z".into(),
                J::Arr(vec![J::U64(u64::MAX), J::Bool(false), J::Obj(vec![])]),
            ),
        ]);
        let t = json_to_text(&doc(&v, false)).unwrap();
        assert_eq!(JsonNode::from_binary(&doc(&v, true)).unwrap().to_text(), t);
    }

    fn arb_json() -> impl Strategy<Value = J> {
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::I64),
            any::<u64>().prop_map(J::U64),
            "[a-z \"\\\\é\u{1}]{0,12}".prop_map(J::Str),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(J::Arr),
                proptest::collection::btree_map("[a-z]{1,6}", inner, 0..6).prop_map(|m| {
                    let mut v: Vec<(String, J)> = m.into_iter().collect();
                    v.sort_by(|a, b| key_order(&a.0, &b.0));
                    J::Obj(v)
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn encoded_documents_print_as_expected(v in arb_json(), large: bool) {
            let b = doc(&v, large);
            let t = json_to_text(&b).unwrap();
            prop_assert_eq!(&t, &expected(&v));
            // the printed text is valid JSON
            let _: serde_json::Value = serde_json::from_str(&t).unwrap();
        }

        #[test]
        fn doubles_read_back(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let s = dbl(x);
            let back: f64 = s.parse().unwrap();
            prop_assert_eq!(back.to_bits(), x.to_bits());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = json_to_text(&bytes);
            let _ = JsonNode::from_binary(&bytes);
            let mut d = JsonNode::Array(vec![JsonNode::Scalar("1".into())]);
            let _ = apply_diffs(&mut d, &bytes);
        }
    }
}

#[cfg(test)]
mod expansion_tests {
    use super::*;

    /// 24 nested small arrays whose two entries both point at the same child: 2^24 values
    /// from about 250 bytes.
    fn shared_offsets_doc(levels: usize) -> Vec<u8> {
        let mut child: Vec<u8> = vec![0, 0, 4, 0]; // empty small array: count 0, size 4
        for _ in 0..levels {
            let size = 4 + 2 * 3 + child.len();
            let mut level = Vec::with_capacity(size);
            level.extend_from_slice(&2u16.to_le_bytes());
            level.extend_from_slice(&(size as u16).to_le_bytes());
            for _ in 0..2 {
                level.push(SMALL_ARRAY);
                level.extend_from_slice(&10u16.to_le_bytes());
            }
            level.extend_from_slice(&child);
            child = level;
        }
        let mut doc = vec![SMALL_ARRAY];
        doc.extend(child);
        doc
    }

    #[test]
    fn a_document_whose_entries_share_offsets_cannot_expand_without_bound() {
        let doc = shared_offsets_doc(24);
        let err = json_to_text(&doc).unwrap_err();
        assert!(err.to_string().contains("reuses its values"), "{err}");
        assert!(JsonNode::from_binary(&doc).is_err());
        // a little sharing in a small document still renders (the bound is the byte count)
        assert_eq!(json_to_text(&shared_offsets_doc(1)).unwrap(), "[[], []]");
    }
}
