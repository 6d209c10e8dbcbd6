//! Column values: the text (`typoutput`) and binary (`typsend`) forms of every supported
//! type, decoded to exact [`Value`]s.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use cdc_model::{
    Array, ArrayDim, BitString, Charset, Date, DateTime, Decimal, EnumValue, Inet, Interval, Text,
    Time, TimeTz, Timestamp, Uuid, Value,
};

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::fast;
use crate::replication::timestamp_from_pg;
use crate::types::{ScalarKind, ValueKind};

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;
/// PostgreSQL's MAXDIM.
const MAX_DIMS: usize = 6;

fn kind_name(k: ScalarKind) -> &'static str {
    use ScalarKind as K;
    match k {
        K::Bool => "boolean",
        K::Int2 => "smallint",
        K::Int4 => "integer",
        K::Int8 => "bigint",
        K::Oid => "oid",
        K::Float4 => "real",
        K::Float8 => "double precision",
        K::Numeric => "numeric",
        K::Text => "text",
        K::Bytea => "bytea",
        K::Date => "date",
        K::Time => "time",
        K::TimeTz => "timetz",
        K::Timestamp => "timestamp",
        K::TimestampTz => "timestamptz",
        K::Interval => "interval",
        K::Uuid => "uuid",
        K::Json => "json",
        K::Jsonb => "jsonb",
        K::Bit => "bit",
        K::Inet => "inet",
        K::Cidr => "cidr",
        K::MacAddr => "macaddr",
        K::Money => "money",
        K::Enum => "enum",
        K::Unknown => "unknown type",
    }
}

fn bad(k: ScalarKind, reason: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::bad_value(kind_name(k), reason)
}

fn utf8_text(b: &Bytes) -> Value {
    Value::Text(Text::new(b.clone(), Charset::Utf8mb4))
}

/// Decodes the text form (what the type's output function prints, as pgoutput sends with
/// `binary` off) of a value of kind `kind`.
///
/// ```
/// use bytes::Bytes;
/// use cdc_model::Value;
/// use cdc_pgoutput::{ScalarKind, ValueKind, decode_text_value};
/// let v = decode_text_value(&ValueKind::Array(ScalarKind::Int4), &Bytes::from_static(b"{1,NULL,3}"))?;
/// let Value::Array(a) = v else { unreachable!() };
/// assert_eq!(a.elements, vec![Value::Int(1), Value::Null, Value::Int(3)]);
/// # Ok::<(), cdc_pgoutput::Error>(())
/// ```
pub fn decode_text_value(kind: &ValueKind, bytes: &Bytes) -> Result<Value> {
    match kind {
        ValueKind::Scalar(k) => text_scalar(*k, bytes),
        ValueKind::Array(ScalarKind::Unknown) => Ok(utf8_text(bytes)),
        ValueKind::Array(k) => text_array(*k, bytes).map(Value::Array),
    }
}

/// Decodes the binary form (the type's send function, as pgoutput sends with `binary` on) of
/// a value of kind `kind`. Types without a decoder come back as [`Value::Bytes`].
///
/// ```
/// use bytes::Bytes;
/// use cdc_model::Value;
/// use cdc_pgoutput::{ScalarKind, ValueKind, decode_binary_value};
/// let v = decode_binary_value(&ValueKind::Scalar(ScalarKind::Int8), &Bytes::from_static(&[0, 0, 0, 0, 0, 0, 1, 0]))?;
/// assert_eq!(v, Value::Int(256));
/// # Ok::<(), cdc_pgoutput::Error>(())
/// ```
pub fn decode_binary_value(kind: &ValueKind, bytes: &Bytes) -> Result<Value> {
    match kind {
        ValueKind::Scalar(k) => binary_scalar(*k, bytes),
        ValueKind::Array(ScalarKind::Unknown) => Ok(Value::Bytes(bytes.clone())),
        ValueKind::Array(k) => binary_array(*k, bytes).map(Value::Array),
    }
}

fn text_scalar(k: ScalarKind, b: &Bytes) -> Result<Value> {
    match k {
        // The bytes pass through untouched: a slice of the message, no UTF-8 check.
        ScalarKind::Text | ScalarKind::Unknown => Ok(utf8_text(b)),
        ScalarKind::Bytea => parse_bytea(b).map(Value::Bytes),
        _ => text_scalar_slice(k, b),
    }
}

/// The plain forms of the commonest types, read straight from the bytes (see `fast`); `None`
/// sends the value through the general parser.
#[inline]
fn text_scalar_fast(k: ScalarKind, b: &[u8]) -> Option<Value> {
    use ScalarKind as K;
    Some(match k {
        K::Bool => match b {
            b"t" => Value::Bool(true),
            b"f" => Value::Bool(false),
            _ => return None,
        },
        K::Int2 => Value::Int(i64::from(i16::try_from(fast::int(b)?).ok()?)),
        K::Int4 => Value::Int(i64::from(i32::try_from(fast::int(b)?).ok()?)),
        K::Int8 => Value::Int(fast::int(b)?),
        K::Numeric => Value::Decimal(fast::numeric(b)?),
        K::Date => Value::Date(fast::date(b)?),
        K::Timestamp => Value::DateTime(fast::datetime(b)?),
        K::TimestampTz => Value::Timestamp(fast::timestamptz(b)?),
        _ => return None,
    })
}

/// A text value of a kind other than text, unknown and bytea, from bytes that need not be a
/// `Bytes` (array elements are slices of the array's text).
fn text_scalar_slice(k: ScalarKind, b: &[u8]) -> Result<Value> {
    match text_scalar_fast(k, b) {
        Some(v) => Ok(v),
        None => text_scalar_general(k, b),
    }
}

/// The general text parser of every kind but text, unknown and bytea.
fn text_scalar_general(k: ScalarKind, b: &[u8]) -> Result<Value> {
    use ScalarKind as K;
    let s = std::str::from_utf8(b).map_err(|_| bad(k, "not UTF-8"))?;
    let num = |what: &'static str| bad(k, what);
    Ok(match k {
        K::Bool => match s {
            "t" => Value::Bool(true),
            "f" => Value::Bool(false),
            _ => return Err(num("expected 't' or 'f'")),
        },
        K::Int2 => Value::Int(i64::from(
            s.parse::<i16>().map_err(|_| num("not a smallint"))?,
        )),
        K::Int4 => Value::Int(i64::from(
            s.parse::<i32>().map_err(|_| num("not an integer"))?,
        )),
        K::Int8 => Value::Int(s.parse::<i64>().map_err(|_| num("not a bigint"))?),
        K::Oid => Value::UInt(u64::from(s.parse::<u32>().map_err(|_| num("not an oid"))?)),
        K::Float4 => Value::Float(match s {
            "NaN" => f32::NAN,
            "Infinity" => f32::INFINITY,
            "-Infinity" => f32::NEG_INFINITY,
            _ => s.parse::<f32>().map_err(|_| num("not a real"))?,
        }),
        K::Float8 => Value::Double(match s {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            _ => s.parse::<f64>().map_err(|_| num("not a double"))?,
        }),
        K::Numeric => Value::Decimal(s.parse::<Decimal>().map_err(|_| num("not a number"))?),
        K::Date => Value::Date(parse_date(s).ok_or_else(|| num("not a date"))?),
        K::Time => {
            let t: Time = s.parse().map_err(|_| num("not a time"))?;
            if t.total_micros() > MICROS_PER_DAY {
                return Err(num("time beyond 24:00:00"));
            }
            Value::Time(t)
        }
        K::TimeTz => {
            let t: TimeTz = s.parse().map_err(|_| num("not a time with time zone"))?;
            if t.time.total_micros() > MICROS_PER_DAY {
                return Err(num("time beyond 24:00:00"));
            }
            Value::TimeTz(t)
        }
        K::Timestamp => Value::DateTime(parse_datetime(s).ok_or_else(|| num("not a timestamp"))?),
        K::TimestampTz => {
            Value::Timestamp(parse_timestamptz(s).ok_or_else(|| num("not a timestamptz"))?)
        }
        K::Interval => Value::Interval(
            parse_interval(s).ok_or_else(|| num("not an interval in the postgres style"))?,
        ),
        K::Uuid => Value::Uuid(Uuid::parse(s).map_err(|_| num("not a uuid"))?),
        K::Json | K::Jsonb => Value::Json(s.to_owned()),
        K::Bit => {
            let bits: Vec<bool> = s
                .bytes()
                .map(|c| match c {
                    b'0' => Ok(false),
                    b'1' => Ok(true),
                    _ => Err(num("bits must be 0 or 1")),
                })
                .collect::<Result<_>>()?;
            let len = u32::try_from(bits.len()).map_err(|_| num("too many bits"))?;
            Value::Bit(bit_string(len, |i| bits.get(i).copied().unwrap_or(false)))
        }
        K::Inet | K::Cidr => {
            Value::Inet(parse_inet(s, k == K::Cidr).ok_or_else(|| num("not an address"))?)
        }
        K::MacAddr => {
            let mut out = Vec::with_capacity(8);
            for part in s.split(':') {
                if part.len() != 2 {
                    return Err(num("expected hex pairs separated by ':'"));
                }
                out.push(u8::from_str_radix(part, 16).map_err(|_| num("not hex"))?);
            }
            if out.len() != 6 && out.len() != 8 {
                return Err(num("expected 6 or 8 bytes"));
            }
            Value::MacAddr(Bytes::from(out))
        }
        K::Money => Value::Money(parse_money(s).ok_or_else(|| num("not an amount"))?),
        K::Enum => Value::Enum(EnumValue {
            index: None,
            label: Some(s.to_owned()),
        }),
        K::Text | K::Unknown => Value::Text(Text::new(Bytes::copy_from_slice(b), Charset::Utf8mb4)),
        K::Bytea => Value::Bytes(parse_bytea(b)?),
    })
}

fn fixed<const N: usize>(k: ScalarKind, b: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(b).map_err(|_| bad(k, format!("expected {N} bytes, got {}", b.len())))
}

fn binary_scalar(k: ScalarKind, b: &Bytes) -> Result<Value> {
    use ScalarKind as K;
    Ok(match k {
        K::Bool => match fixed::<1>(k, b)? {
            [0] => Value::Bool(false),
            [1] => Value::Bool(true),
            _ => return Err(bad(k, "expected 0 or 1")),
        },
        K::Int2 => Value::Int(i64::from(i16::from_be_bytes(fixed(k, b)?))),
        K::Int4 => Value::Int(i64::from(i32::from_be_bytes(fixed(k, b)?))),
        K::Int8 => Value::Int(i64::from_be_bytes(fixed(k, b)?)),
        K::Oid => Value::UInt(u64::from(u32::from_be_bytes(fixed(k, b)?))),
        K::Float4 => Value::Float(f32::from_be_bytes(fixed(k, b)?)),
        K::Float8 => Value::Double(f64::from_be_bytes(fixed(k, b)?)),
        K::Money => Value::Money(i64::from_be_bytes(fixed(k, b)?)),
        K::Numeric => Value::Decimal(binary_numeric(b)?),
        // Character data keeps its bytes as in text mode; `Text::as_str` tells whether
        // they are UTF-8.
        K::Text => utf8_text(b),
        K::Json => Value::Json(
            std::str::from_utf8(b)
                .map_err(|_| bad(k, "not UTF-8"))?
                .to_owned(),
        ),
        K::Jsonb => match b.split_first() {
            Some((1, rest)) => Value::Json(
                std::str::from_utf8(rest)
                    .map_err(|_| bad(k, "not UTF-8"))?
                    .to_owned(),
            ),
            Some((v, _)) => return Err(bad(k, format!("unknown jsonb version {v}"))),
            None => return Err(bad(k, "empty")),
        },
        K::Enum => Value::Enum(EnumValue {
            index: None,
            label: Some(
                std::str::from_utf8(b)
                    .map_err(|_| bad(k, "not UTF-8"))?
                    .to_owned(),
            ),
        }),
        K::Bytea | K::Unknown => Value::Bytes(b.clone()),
        K::Date => Value::Date(date_from_pg(i32::from_be_bytes(fixed(k, b)?))),
        K::Time => {
            let m = i64::from_be_bytes(fixed(k, b)?);
            if !(0..=MICROS_PER_DAY).contains(&m) {
                return Err(bad(k, "outside 00:00:00 to 24:00:00"));
            }
            Value::Time(Time::from_micros(m).ok_or_else(|| bad(k, "out of range"))?)
        }
        K::TimeTz => {
            let [a, b2, c, d, e, f, g, h, z0, z1, z2, z3] = fixed::<12>(k, b)?;
            let m = i64::from_be_bytes([a, b2, c, d, e, f, g, h]);
            // PostgreSQL stores the zone as seconds *west* of UTC.
            let zone = i32::from_be_bytes([z0, z1, z2, z3]);
            if !(0..=MICROS_PER_DAY).contains(&m) {
                return Err(bad(k, "outside 00:00:00 to 24:00:00"));
            }
            Value::TimeTz(TimeTz {
                time: Time::from_micros(m).ok_or_else(|| bad(k, "out of range"))?,
                offset_seconds: zone.checked_neg().ok_or_else(|| bad(k, "bad zone"))?,
            })
        }
        K::Timestamp => {
            let m = i64::from_be_bytes(fixed(k, b)?);
            Value::DateTime(match m {
                i64::MAX => DateTime::INFINITY,
                i64::MIN => DateTime::NEG_INFINITY,
                // not through Unix microseconds: PostgreSQL's range ends 30 years later
                m => {
                    let rem = m.rem_euclid(MICROS_PER_DAY);
                    let secs = rem / 1_000_000;
                    DateTime {
                        date: Date::from_days_since_epoch(
                            m.div_euclid(MICROS_PER_DAY) + PG_EPOCH_DAYS,
                        ),
                        hour: (secs / 3600) as u8,
                        minute: ((secs / 60) % 60) as u8,
                        second: (secs % 60) as u8,
                        micros: (rem % 1_000_000) as u32,
                    }
                }
            })
        }
        K::TimestampTz => Value::Timestamp(
            timestamp_from_pg(i64::from_be_bytes(fixed(k, b)?))
                .ok_or_else(|| bad(k, "out of range"))?,
        ),
        K::Interval => {
            let mut c = Cursor::new(b);
            let micros = c.i64()?;
            let days = c.i32()?;
            let months = c.i32()?;
            c.finish()?;
            Value::Interval(Interval {
                months,
                days,
                micros,
            })
        }
        K::Uuid => Value::Uuid(Uuid::from_bytes(fixed(k, b)?)),
        K::Bit => {
            let mut c = Cursor::new(b);
            let n = c.i32()?;
            let n = u32::try_from(n).map_err(|_| bad(k, "negative length"))?;
            let data = c.take(c.remaining())?;
            if data.len() as u64 != u64::from(n).div_ceil(8) {
                return Err(bad(k, "length does not match the bytes"));
            }
            // The wire form is left-aligned (padding at the end); the model right-aligns.
            Value::Bit(bit_string(n, |i| {
                data.get(i / 8)
                    .is_some_and(|byte| byte & (0x80 >> (i % 8)) != 0)
            }))
        }
        K::Inet | K::Cidr => {
            let mut c = Cursor::new(b);
            let family = c.u8()?;
            let bits = c.u8()?;
            let is_cidr = c.u8()?;
            let nb = c.u8()?;
            let addr = c.take(usize::from(nb))?;
            c.finish()?;
            let (addr, max) = match (family, addr.len()) {
                (2, 4) => (IpAddr::V4(Ipv4Addr::from(fixed::<4>(k, addr)?)), 32),
                (3, 16) => (IpAddr::V6(Ipv6Addr::from(fixed::<16>(k, addr)?)), 128),
                _ => return Err(bad(k, "unknown address family or length")),
            };
            if bits > max {
                return Err(bad(k, "prefix longer than the address"));
            }
            Value::Inet(Inet {
                addr,
                prefix: bits,
                cidr: is_cidr != 0 || k == K::Cidr,
            })
        }
        K::MacAddr => {
            if b.len() != 6 && b.len() != 8 {
                return Err(bad(k, "expected 6 or 8 bytes"));
            }
            Value::MacAddr(b.clone())
        }
    })
}

/// A bit string of `len` bits, bit `i` (most significant first) from `bit(i)`, in the model's
/// right-aligned layout.
fn bit_string(len: u32, bit: impl Fn(usize) -> bool) -> BitString {
    let nbytes = len.div_ceil(8) as usize;
    let pad = nbytes * 8 - len as usize;
    let mut bytes = vec![0u8; nbytes];
    for i in 0..len as usize {
        if bit(i) {
            let pos = i + pad;
            if let Some(byte) = bytes.get_mut(pos / 8) {
                *byte |= 0x80 >> (pos % 8);
            }
        }
    }
    BitString {
        len,
        bytes: Bytes::from(bytes),
    }
}

fn date_from_pg(days: i32) -> Date {
    match days {
        i32::MAX => Date::INFINITY,
        i32::MIN => Date::NEG_INFINITY,
        d => Date::from_days_since_epoch(i64::from(d) + PG_EPOCH_DAYS),
    }
}

fn binary_numeric(b: &Bytes) -> Result<Decimal> {
    let k = ScalarKind::Numeric;
    let mut c = Cursor::new(b);
    let ndigits = c.i16()?;
    let weight = c.i16()?;
    let sign = c.u16()?;
    let dscale = c.u16()?;
    let ndigits = usize::try_from(ndigits).map_err(|_| bad(k, "negative digit count"))?;
    let mut digits = Vec::with_capacity(ndigits.min(c.remaining() / 2));
    for _ in 0..ndigits {
        let d = c.i16()?;
        if !(0..10_000).contains(&d) {
            return Err(bad(k, "base-10000 digit out of range"));
        }
        digits.push(d as u16);
    }
    c.finish()?;
    let negative = match sign {
        0x0000 => false,
        0x4000 => true,
        0xC000 => return Ok(Decimal::NAN),
        0xD000 => return Ok(Decimal::INFINITY),
        0xF000 => return Ok(Decimal::NEG_INFINITY),
        _ => return Err(bad(k, "unknown sign")),
    };
    if dscale > 0x3FFF {
        return Err(bad(k, "display scale out of range"));
    }
    let weight = i64::from(weight);
    // digit i has weight `weight - i`: its value is d * 10000^(weight - i)
    let digit = |w: i64| -> u16 {
        usize::try_from(weight - w)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let frac_groups = i64::from(dscale.div_ceil(4));
    // a nonzero digit beyond the display scale would be lost: reject rather than round
    for (i, d) in digits.iter().enumerate() {
        let w = weight - i as i64;
        if *d != 0 && w < -frac_groups {
            return Err(bad(k, "digits beyond the display scale"));
        }
    }
    let mut s = String::with_capacity(((weight.max(0) + 1 + frac_groups) * 4) as usize);
    for w in (0..=weight.max(0)).rev() {
        s.push_str(&format!("{:04}", digit(w)));
    }
    let mut frac = String::with_capacity((frac_groups * 4) as usize);
    for w in 1..=frac_groups {
        frac.push_str(&format!("{:04}", digit(-w)));
    }
    frac.truncate(usize::from(dscale));
    s.push_str(&frac);
    Decimal::from_parts(negative, &s, dscale).map_err(|_| bad(k, "bad digits"))
}

fn parse_bytea(b: &[u8]) -> Result<Bytes> {
    let k = ScalarKind::Bytea;
    if let Some(hex) = b.strip_prefix(b"\\x") {
        return match fast::hex(hex) {
            Some(out) => Ok(Bytes::from(out)),
            None => hex_general(hex).map(Bytes::from),
        };
    }
    // the escape format (bytea_output = 'escape')
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            Some(_) => {
                let oct = b.get(i + 1..i + 4).ok_or_else(|| bad(k, "short escape"))?;
                let mut v: u32 = 0;
                for d in oct {
                    if !(b'0'..=b'7').contains(d) {
                        return Err(bad(k, "bad octal escape"));
                    }
                    v = v * 8 + u32::from(d - b'0');
                }
                out.push(u8::try_from(v).map_err(|_| bad(k, "octal escape above \\377"))?);
                i += 4;
            }
            None => return Err(bad(k, "trailing backslash")),
        }
    }
    Ok(Bytes::from(out))
}

/// The hex form of bytea (after `\\x`), digit by digit: the reference for `fast::hex`, and
/// the error when that fails.
fn hex_general(hex: &[u8]) -> Result<Vec<u8>> {
    let k = ScalarKind::Bytea;
    if !hex.len().is_multiple_of(2) {
        return Err(bad(k, "odd number of hex digits"));
    }
    let mut out = Vec::with_capacity(hex.len() / 2);
    for pair in hex.chunks_exact(2) {
        let (Some(hi), Some(lo)) = (
            pair.first().and_then(|c| hex_val(*c)),
            pair.get(1).and_then(|c| hex_val(*c)),
        ) else {
            return Err(bad(k, "not a hex digit"));
        };
        out.push((hi << 4) | lo);
    }
    Ok(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Splits a trailing ` BC` off (PostgreSQL prints BC years that way in the ISO date style).
fn strip_bc(s: &str) -> (&str, bool) {
    match s.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (s, false),
    }
}

fn digits_u32(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY-MM-DD` (ISO style) with an optional ` BC`, as an astronomical-year [`Date`].
fn parse_ymd(s: &str, bc: bool) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let y = i32::try_from(digits_u32(y, 4, 9)?).ok()?;
    let year = if bc { 1 - y } else { y };
    if bc && y == 0 {
        return None;
    }
    let date = Date::new(
        year,
        u8::try_from(digits_u32(m, 2, 2)?).ok()?,
        u8::try_from(digits_u32(d, 2, 2)?).ok()?,
    );
    date.is_valid().then_some(date)
}

fn parse_date(s: &str) -> Option<Date> {
    match s {
        "infinity" => return Some(Date::INFINITY),
        "-infinity" => return Some(Date::NEG_INFINITY),
        _ => {}
    }
    let (s, bc) = strip_bc(s);
    parse_ymd(s, bc)
}

fn parse_hms(s: &str) -> Option<(u8, u8, u8, u32)> {
    let t: Time = s.parse().ok()?;
    if t.negative || t.hours > 23 {
        return None;
    }
    Some((u8::try_from(t.hours).ok()?, t.minutes, t.seconds, t.micros))
}

fn parse_datetime(s: &str) -> Option<DateTime> {
    match s {
        "infinity" => return Some(DateTime::INFINITY),
        "-infinity" => return Some(DateTime::NEG_INFINITY),
        _ => {}
    }
    let (s, bc) = strip_bc(s);
    let (d, t) = s.split_once(' ')?;
    let (hour, minute, second, micros) = parse_hms(t)?;
    Some(DateTime {
        date: parse_ymd(d, bc)?,
        hour,
        minute,
        second,
        micros,
    })
}

/// `±HH[:MM[:SS]]` to seconds east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    let (sign, body) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let mut secs = 0i64;
    let mut n = 0;
    for (i, p) in body.split(':').enumerate() {
        let v = i64::from(digits_u32(p, 2, 2)?);
        if i > 0 && v > 59 {
            return None;
        }
        secs += v * [3600, 60, 1].get(i)?;
        n += 1;
    }
    (n > 0).then_some(sign * secs)
}

fn parse_timestamptz(s: &str) -> Option<Timestamp> {
    match s {
        "infinity" => return Some(Timestamp::INFINITY),
        "-infinity" => return Some(Timestamp::NEG_INFINITY),
        _ => {}
    }
    let (s, bc) = strip_bc(s);
    let (d, rest) = s.split_once(' ')?;
    let at = rest.find(['+', '-'])?;
    let (t, off) = rest.split_at(at);
    let (hour, minute, second, micros) = parse_hms(t)?;
    let dt = DateTime {
        date: parse_ymd(d, bc)?,
        hour,
        minute,
        second,
        micros,
    };
    let local = dt.to_unix_micros()?;
    let utc = local.checked_sub(parse_offset(off)?.checked_mul(1_000_000)?)?;
    if utc == i64::MAX || utc == i64::MIN || utc == Timestamp::ZERO.unix_micros() {
        return None;
    }
    Some(Timestamp::from_unix_micros(utc))
}

/// The `postgres` interval style (the default): `1 year 2 mons -3 days +04:05:06.789`.
fn parse_interval(s: &str) -> Option<Interval> {
    let mut months: i32 = 0;
    let mut days: i32 = 0;
    let mut micros: i64 = 0;
    let mut tokens = s.split_ascii_whitespace();
    let mut any = false;
    while let Some(tok) = tokens.next() {
        any = true;
        if tok.contains(':') {
            let (neg, body) = match tok.as_bytes().first()? {
                b'-' => (true, tok.get(1..)?),
                b'+' => (false, tok.get(1..)?),
                _ => (false, tok),
            };
            let (hms, frac) = match body.split_once('.') {
                Some((a, f)) => {
                    if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    let v: i64 = f.parse().ok()?;
                    (a, v * 10i64.pow(6 - f.len() as u32))
                }
                None => (body, 0),
            };
            let mut it = hms.split(':');
            let h = i64::from(digits_u32(it.next()?, 1, 9)?);
            let m = i64::from(digits_u32(it.next()?, 2, 2)?);
            let sec = match it.next() {
                Some(x) => i64::from(digits_u32(x, 2, 2)?),
                None => 0,
            };
            if it.next().is_some() || m > 59 || sec > 59 {
                return None;
            }
            let abs = ((h * 60 + m) * 60 + sec)
                .checked_mul(1_000_000)?
                .checked_add(frac)?;
            micros = micros.checked_add(if neg { -abs } else { abs })?;
            continue;
        }
        let n: i64 = tok.parse().ok()?;
        let unit = tokens.next()?;
        match unit {
            "year" | "years" => {
                months = months.checked_add(i32::try_from(n.checked_mul(12)?).ok()?)?;
            }
            "mon" | "mons" => months = months.checked_add(i32::try_from(n).ok()?)?,
            "day" | "days" => days = days.checked_add(i32::try_from(n).ok()?)?,
            _ => return None,
        }
    }
    any.then_some(Interval {
        months,
        days,
        micros,
    })
}

fn parse_inet(s: &str, cidr: bool) -> Option<Inet> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => u8::try_from(digits_u32(p, 1, 3)?).ok()?,
        None => max,
    };
    (prefix <= max).then_some(Inet { addr, prefix, cidr })
}

/// The locale's money format (`$1,234.56`, `-$1,234.56`, `($1.00)`): every digit counts,
/// since PostgreSQL always prints all fraction digits of the smallest unit.
fn parse_money(s: &str) -> Option<i64> {
    let negative = s.contains('-') || s.contains('(');
    let mut v: i128 = 0;
    let mut any = false;
    for c in s.bytes() {
        if c.is_ascii_digit() {
            v = v.checked_mul(10)?.checked_add(i128::from(c - b'0'))?;
            any = true;
        }
    }
    if !any {
        return None;
    }
    i64::try_from(if negative { -v } else { v }).ok()
}

/// Parses an array literal: `{1,2}`, `{{"a b",NULL},{"c\"d",e}}`, `[0:1]={1,2}`.
fn text_array(k: ScalarKind, b: &Bytes) -> Result<Array> {
    text_array_with(k, b, true)
}

/// `plain`: locate elements without escapes in place ([`ArrayText::element_plain`]); off, every
/// element is unescaped into a copy (the reference the tests compare with).
fn text_array_with(k: ScalarKind, b: &Bytes, plain: bool) -> Result<Array> {
    if plain && let Some(a) = text_array_flat(k, b) {
        return Ok(a);
    }
    // Every two elements have a comma between them, so this bounds the element count
    // (quoted commas make it larger; the cap keeps that from reserving much).
    let commas = b.iter().filter(|c| **c == b',').count();
    let mut p = ArrayText {
        s: b,
        pos: 0,
        dims: [None; MAX_DIMS],
        ndims: 0,
        leaf_depth: None,
        elements: Vec::with_capacity(commas.saturating_add(1).min(1024)),
        kind: k,
        plain,
    };
    let mut lower = Vec::new();
    if b.first() == Some(&b'[') {
        // explicit bounds: [lo:hi][lo:hi]=
        while p.peek() == Some(b'[') {
            p.pos += 1;
            let lo = p.int_until(b':')?;
            let hi = p.int_until(b']')?;
            let len = hi
                .checked_sub(lo)
                .and_then(|d| d.checked_add(1))
                .and_then(|l| u32::try_from(l).ok())
                .ok_or_else(|| p.err("bad array bounds"))?;
            lower.push((lo, len));
        }
        if p.peek() != Some(b'=') {
            return Err(p.err("expected '=' after array bounds"));
        }
        p.pos += 1;
    }
    p.skip_ws();
    p.level(0)?;
    p.skip_ws();
    if p.pos != b.len() {
        return Err(p.err("text after the array"));
    }
    let mut found = [0u32; MAX_DIMS];
    for (f, d) in found.iter_mut().zip(p.dims.iter().take(p.ndims)) {
        *f = d.ok_or_else(|| p.err("inconsistent nesting"))?;
    }
    let pdims = found.get(..p.ndims).unwrap_or_default();
    let total = pdims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d as usize));
    if !p.elements.is_empty() && total != Some(p.elements.len()) {
        return Err(p.err("sub-arrays of different lengths"));
    }
    let dims = if p.elements.is_empty() {
        Vec::new()
    } else if lower.is_empty() {
        pdims
            .iter()
            .map(|len| ArrayDim {
                len: *len,
                lower_bound: 1,
            })
            .collect()
    } else {
        if lower.len() != pdims.len() || lower.iter().zip(pdims).any(|((_, l), d)| l != d) {
            return Err(p.err("bounds do not match the elements"));
        }
        lower
            .iter()
            .map(|(lo, len)| ArrayDim {
                len: *len,
                lower_bound: *lo,
            })
            .collect()
    };
    Ok(Array {
        dims,
        elements: p.elements,
    })
}

/// The commonest array literal, read in one pass: one dimension with the default lower bound,
/// elements plain (`1`, `NULL`) or quoted without escapes (`"a b"`), no whitespace outside
/// quotes: what `array_out` prints for most arrays. `None` for anything else, or when an
/// element does not parse, and the general parser takes over (and says what is wrong).
fn text_array_flat(k: ScalarKind, b: &Bytes) -> Option<Array> {
    let inner = b.strip_prefix(b"{")?.strip_suffix(b"}")?;
    if inner.is_empty() {
        return Some(Array {
            dims: Vec::new(),
            elements: Vec::new(),
        });
    }
    let commas = inner.iter().filter(|c| **c == b',').count();
    let mut elements = Vec::with_capacity(commas.saturating_add(1).min(1024));
    // `b[pos..]` is the next element; `b[end]` the closing brace
    let end = b.len() - 1;
    let mut pos = 1;
    loop {
        let rest = b.get(pos..end)?;
        let (value, next) = if let Some(quoted) = rest.strip_prefix(b"\"") {
            let len = quoted.iter().position(|c| *c == b'"' || *c == b'\\')?;
            if quoted.get(len) != Some(&b'"') {
                return None;
            }
            let start = pos + 1;
            (flat_element(k, b, start, start + len)?, start + len + 1)
        } else {
            let len = rest
                .iter()
                .position(|c| {
                    matches!(c, b',' | b'{' | b'}' | b'"' | b'\\') || c.is_ascii_whitespace()
                })
                .unwrap_or(rest.len());
            if len == 0 || !matches!(rest.get(len), Some(b',') | None) {
                return None;
            }
            let value = if rest.get(..len)?.eq_ignore_ascii_case(b"NULL") {
                Value::Null
            } else {
                flat_element(k, b, pos, pos + len)?
            };
            (value, pos + len)
        };
        elements.push(value);
        if next == end {
            break;
        }
        if b.get(next) != Some(&b',') {
            return None;
        }
        pos = next + 1;
    }
    Some(Array {
        dims: vec![ArrayDim {
            len: u32::try_from(elements.len()).ok()?,
            lower_bound: 1,
        }],
        elements,
    })
}

/// Element `b[start..end]` of a flat array; `None` when it does not parse.
#[inline]
fn flat_element(k: ScalarKind, b: &Bytes, start: usize, end: usize) -> Option<Value> {
    let text = b.get(start..end)?;
    match k {
        ScalarKind::Text | ScalarKind::Unknown => Some(utf8_text(&b.slice(start..end))),
        ScalarKind::Bytea => parse_bytea(text).ok().map(Value::Bytes),
        k => text_scalar_slice(k, text).ok(),
    }
}

/// Where an array element's text is.
enum Raw {
    /// `start..end` of the array's bytes, as is.
    Slice(usize, usize),
    /// An unescaped copy.
    Owned(Vec<u8>),
}

struct ArrayText<'a> {
    s: &'a Bytes,
    pos: usize,
    /// Length of each dimension, once a sub-array at that depth has closed.
    dims: [Option<u32>; MAX_DIMS],
    /// Dimensions seen.
    ndims: usize,
    leaf_depth: Option<usize>,
    elements: Vec<Value>,
    kind: ScalarKind,
    /// Try [`Self::element_plain`] first.
    plain: bool,
}

impl ArrayText<'_> {
    fn err(&self, reason: &'static str) -> Error {
        Error::bad_value(
            format!("{}[]", kind_name(self.kind)),
            format!("{reason} at byte {}", self.pos),
        )
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn int_until(&mut self, end: u8) -> Result<i32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c != end) {
            self.pos += 1;
        }
        let t = self
            .s
            .get(start..self.pos)
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| t.trim().parse::<i32>().ok())
            .ok_or_else(|| self.err("bad array bound"))?;
        if self.peek() != Some(end) {
            return Err(self.err("unterminated array bound"));
        }
        self.pos += 1;
        Ok(t)
    }

    fn level(&mut self, depth: usize) -> Result<()> {
        if depth >= MAX_DIMS {
            return Err(self.err("more than 6 dimensions"));
        }
        if self.peek() != Some(b'{') {
            return Err(self.err("expected '{'"));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            if depth == 0 {
                return Ok(());
            }
            return Err(self.err("empty sub-array"));
        }
        let mut count: u32 = 0;
        let mut nested = None;
        loop {
            self.skip_ws();
            let is_sub = self.peek() == Some(b'{');
            if *nested.get_or_insert(is_sub) != is_sub {
                return Err(self.err("mixed sub-arrays and elements"));
            }
            if is_sub {
                if self.leaf_depth.is_some_and(|l| l <= depth) {
                    return Err(self.err("sub-array where elements were expected"));
                }
                self.level(depth + 1)?;
            } else {
                if *self.leaf_depth.get_or_insert(depth) != depth {
                    return Err(self.err("elements where sub-arrays were expected"));
                }
                let v = self.element()?;
                self.elements.push(v);
            }
            count = count.saturating_add(1);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
        self.ndims = self.ndims.max(depth + 1);
        match self.dims.get_mut(depth) {
            Some(Some(d)) if *d != count => Err(self.err("sub-arrays of different lengths")),
            Some(slot) => {
                *slot = Some(count);
                Ok(())
            }
            None => Err(self.err("inconsistent nesting")),
        }
    }

    /// The element's value from its text: for text a slice of the array's bytes (or the
    /// unescaped copy), for other kinds parsed from the bytes in place.
    fn element_value(&self, raw: Raw) -> Result<Value> {
        let bytes = match &raw {
            Raw::Slice(start, end) => self
                .s
                .get(*start..*end)
                .ok_or_else(|| self.err("element out of bounds"))?,
            Raw::Owned(v) => v.as_slice(),
        };
        match self.kind {
            ScalarKind::Text | ScalarKind::Unknown => {
                let b = match raw {
                    Raw::Slice(start, end) => self.s.slice(start..end),
                    Raw::Owned(v) => Bytes::from(v),
                };
                Ok(utf8_text(&b))
            }
            ScalarKind::Bytea => parse_bytea(bytes).map(Value::Bytes),
            k => text_scalar_slice(k, bytes),
        }
    }

    /// An element without backslash escapes, located without copying; `None` (and the
    /// position unchanged) when it has an escape or is not well formed, for [`Self::element_copy`].
    fn element_plain(&mut self) -> Option<Result<Value>> {
        let start = self.pos;
        let rest = self.s.get(start..)?;
        if let Some(body) = rest.strip_prefix(b"\"") {
            let len = body.iter().position(|c| *c == b'"' || *c == b'\\')?;
            if body.get(len) != Some(&b'"') {
                return None;
            }
            self.pos = start + 1 + len + 1;
            return Some(self.element_value(Raw::Slice(start + 1, start + 1 + len)));
        }
        let len = rest
            .iter()
            .position(|c| matches!(c, b',' | b'}' | b'{' | b'"' | b'\\'))
            .unwrap_or(rest.len());
        if rest.get(len) == Some(&b'\\') {
            return None;
        }
        let text = rest.get(..len)?;
        let trimmed = text
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        if trimmed == 0 {
            return None;
        }
        self.pos = start + len;
        if text
            .get(..trimmed)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"NULL"))
        {
            return Some(Ok(Value::Null));
        }
        Some(self.element_value(Raw::Slice(start, start + trimmed)))
    }

    fn element(&mut self) -> Result<Value> {
        if self.plain
            && let Some(v) = self.element_plain()
        {
            return v;
        }
        self.element_copy()
    }

    /// Any element, unescaped into a copy.
    fn element_copy(&mut self) -> Result<Value> {
        let mut out = Vec::new();
        if self.peek() == Some(b'"') {
            self.pos += 1;
            loop {
                match self.peek() {
                    None => return Err(self.err("unterminated quoted element")),
                    Some(b'"') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let c = self
                            .s
                            .get(self.pos + 1)
                            .copied()
                            .ok_or_else(|| self.err("trailing backslash"))?;
                        out.push(c);
                        self.pos += 2;
                    }
                    Some(c) => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
        } else {
            let mut escaped_any = false;
            while let Some(c) = self.peek() {
                match c {
                    b',' | b'}' | b'{' | b'"' => break,
                    b'\\' => {
                        let c = self
                            .s
                            .get(self.pos + 1)
                            .copied()
                            .ok_or_else(|| self.err("trailing backslash"))?;
                        out.push(c);
                        escaped_any = true;
                        self.pos += 2;
                    }
                    c => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
            while out.last().is_some_and(|c| c.is_ascii_whitespace()) {
                out.pop();
            }
            if out.is_empty() {
                return Err(self.err("empty unquoted element"));
            }
            if !escaped_any && out.eq_ignore_ascii_case(b"NULL") {
                return Ok(Value::Null);
            }
        }
        self.element_value(Raw::Owned(out))
    }
}

fn binary_array(k: ScalarKind, b: &Bytes) -> Result<Array> {
    let err = |r: &'static str| Error::bad_value(format!("{}[]", kind_name(k)), r);
    let mut c = Cursor::new(b);
    let ndim = c.i32()?;
    let ndim = usize::try_from(ndim)
        .ok()
        .filter(|n| *n <= MAX_DIMS)
        .ok_or_else(|| err("dimension count out of range"))?;
    let flags = c.i32()?;
    if flags != 0 && flags != 1 {
        return Err(err("bad flags"));
    }
    let _element_oid = c.u32()?;
    let mut dims = Vec::with_capacity(ndim);
    let mut total: usize = if ndim == 0 { 0 } else { 1 };
    for _ in 0..ndim {
        let len = c.i32()?;
        let lower_bound = c.i32()?;
        let len = u32::try_from(len).map_err(|_| err("negative dimension"))?;
        total = total
            .checked_mul(len as usize)
            .ok_or_else(|| err("too many elements"))?;
        dims.push(ArrayDim { len, lower_bound });
    }
    // every element takes at least its 4-byte length
    if total > c.remaining() / 4 {
        return Err(err("more elements than bytes"));
    }
    let mut elements = Vec::with_capacity(total);
    for _ in 0..total {
        let len = c.i32()?;
        if len == -1 {
            elements.push(Value::Null);
            continue;
        }
        let len = usize::try_from(len).map_err(|_| err("negative element length"))?;
        let v = c.bytes(len)?;
        elements.push(binary_scalar(k, &v)?);
    }
    c.finish()?;
    if total == 0 {
        dims.clear();
    }
    Ok(Array { dims, elements })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScalarKind as K;

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
            &from[self.below(from.len())]
        }
    }

    /// `s` with one to three random edits drawn from `alphabet`.
    fn mutate(rng: &mut Rng, s: &[u8], alphabet: &[u8]) -> Vec<u8> {
        let mut v = s.to_vec();
        for _ in 0..=rng.below(3) {
            let at = rng.below(v.len() + 1);
            match rng.below(4) {
                0 if at < v.len() => v[at] = *rng.pick(alphabet),
                1 if at < v.len() => {
                    v.remove(at);
                }
                2 => v.insert(at, *rng.pick(alphabet)),
                _ => v.truncate(at),
            }
        }
        v
    }

    /// Whenever the fast path takes a value, the general parser gives the same value.
    /// Returns whether the fast path took it.
    fn agrees(k: K, b: &[u8]) -> bool {
        match text_scalar_fast(k, b) {
            Some(fast) => {
                let general = text_scalar_general(k, b);
                assert_eq!(
                    general.as_ref(),
                    Ok(&fast),
                    "{k:?} {:?}",
                    String::from_utf8_lossy(b)
                );
                true
            }
            None => false,
        }
    }

    fn canonical_samples(rng: &mut Rng) -> Vec<(K, String)> {
        let mut out = Vec::new();
        for v in [
            0i64,
            1,
            -1,
            7,
            i64::from(i16::MAX),
            i64::from(i16::MIN),
            i64::from(i32::MAX),
            i64::from(i32::MIN),
            999_999_999_999_999_999,
            -999_999_999_999_999_999,
        ] {
            for k in [K::Int2, K::Int4, K::Int8] {
                out.push((k, v.to_string()));
            }
        }
        for _ in 0..200 {
            let int: String = (0..1 + rng.below(30))
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            let frac: String = (0..rng.below(30))
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            let sign = if rng.below(2) == 0 { "-" } else { "" };
            let dot = if frac.is_empty() { "" } else { "." };
            out.push((K::Numeric, format!("{sign}{int}{dot}{frac}")));
        }
        for year in [
            "0001", "1899", "1970", "1999", "2000", "2023", "2024", "2100", "9999",
        ] {
            for month in 1..=12 {
                for day in [1, 15, 28, 29, 30, 31] {
                    let date = format!("{year}-{month:02}-{day:02}");
                    let h = rng.below(24);
                    let m = rng.below(60);
                    let sec = rng.below(60);
                    let frac = match rng.below(3) {
                        0 => String::new(),
                        1 => format!(".{}", rng.below(1_000_000)),
                        _ => format!(".{:06}", rng.below(1_000_000)),
                    };
                    let frac = frac.trim_end_matches('0').trim_end_matches('.');
                    let off = *rng.pick(&["+00", "-08", "+05:30", "-00:53:28", "+14", "-12:15"]);
                    let time = format!("{h:02}:{m:02}:{sec:02}{frac}");
                    out.push((K::Date, date.clone()));
                    out.push((K::Timestamp, format!("{date} {time}")));
                    out.push((K::TimestampTz, format!("{date} {time}{off}")));
                }
            }
        }
        out.push((K::Bool, "t".into()));
        out.push((K::Bool, "f".into()));
        out
    }

    #[test]
    fn fast_paths_agree_with_the_general_parsers() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let samples = canonical_samples(&mut rng);
        let mut taken = 0;
        for (k, s) in &samples {
            // the canonical forms of valid values take the fast path, except dates the
            // calendar does not have (which both reject)
            if agrees(*k, s.as_bytes()) {
                taken += 1;
            } else {
                assert!(
                    text_scalar_general(*k, s.as_bytes()).is_err()
                        || matches!(k, K::Int2 | K::Int4),
                    "{k:?} {s:?} should take the fast path"
                );
            }
        }
        assert!(
            taken > samples.len() * 3 / 4,
            "{taken} of {}",
            samples.len()
        );
        // near misses: edits that keep most of the layout
        let alphabet = b"0123456789-+:. BCe\x00x9";
        let mut mutated_taken = 0;
        for _ in 0..200_000 {
            let (k, s) = rng.pick(&samples);
            let m = mutate(&mut rng, s.as_bytes(), alphabet);
            if agrees(*k, &m) {
                mutated_taken += 1;
            }
        }
        assert!(mutated_taken > 10_000, "{mutated_taken}");
        // out-of-range parts, field by field
        for y in ["0000", "1900", "2000", "2023", "2024"] {
            for mo in 0..=13 {
                for d in 0..=32 {
                    for (h, mi, sec) in [
                        (0, 0, 0),
                        (23, 59, 59),
                        (24, 0, 0),
                        (12, 60, 0),
                        (12, 0, 60),
                    ] {
                        let date = format!("{y}-{mo:02}-{d:02}");
                        agrees(K::Date, date.as_bytes());
                        let ts = format!("{date} {h:02}:{mi:02}:{sec:02}");
                        agrees(K::Timestamp, ts.as_bytes());
                        for off in [
                            "+99",
                            "-23:60",
                            "+01:00:60",
                            "+01:60:00",
                            "+01:00:59",
                            "+1",
                            "+01:",
                        ] {
                            agrees(K::TimestampTz, format!("{ts}{off}").as_bytes());
                        }
                    }
                }
            }
        }
        // integers at and past the limits of each width
        for v in [
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            10i128.pow(18),
            -(10i128.pow(18)),
        ] {
            for d in -2..=2 {
                for k in [K::Int2, K::Int4, K::Int8] {
                    agrees(k, (v + d).to_string().as_bytes());
                }
            }
        }
        for s in ["", "-", "+1", "-0", "007", " 1", "1 ", "--1", "1-"] {
            for k in [K::Int2, K::Int4, K::Int8, K::Numeric] {
                agrees(k, s.as_bytes());
            }
        }
        for s in [".5", "5.", "-.5", "1.2.3", "-0.00", "0", "00.10", "NaN"] {
            agrees(K::Numeric, s.as_bytes());
        }
        let long = "1".repeat(64);
        assert!(agrees(K::Numeric, long.as_bytes()));
        assert!(!agrees(K::Numeric, format!("{long}1").as_bytes()));
    }

    #[test]
    fn fast_hex_agrees_with_the_general_decoder() {
        let mut rng = Rng(42);
        let alphabet = b"0123456789abcdefABCDEFgG x\\";
        for _ in 0..50_000 {
            let len = rng.below(24);
            let h: Vec<u8> = (0..len).map(|_| *rng.pick(alphabet)).collect();
            match fast::hex(&h) {
                Some(v) => assert_eq!(hex_general(&h), Ok(v), "{h:?}"),
                None => assert!(hex_general(&h).is_err(), "{h:?}"),
            }
        }
        assert_eq!(fast::hex(b"00fF7a"), Some(vec![0, 0xff, 0x7a]));
    }

    #[test]
    fn arrays_read_in_place_agree_with_arrays_unescaped_into_copies() {
        let mut rng = Rng(7);
        let tokens: &[&str] = &[
            "{",
            "}",
            ",",
            "\"",
            "\\",
            "a",
            "1",
            "-2",
            " ",
            "NULL",
            "null",
            ".5",
            "x y",
            "\\\"",
            "2024-01-02",
            "t",
            "\\x0a",
            "{1,2}",
            "\"q,r\"",
        ];
        let kinds = [
            K::Text,
            K::Int4,
            K::Int8,
            K::Numeric,
            K::Bool,
            K::Bytea,
            K::Date,
            K::Unknown,
        ];
        let mut ok = 0;
        for i in 0..100_000 {
            let mut s = String::from(if i % 8 == 0 { "" } else { "{" });
            for _ in 0..rng.below(12) {
                let t = *rng.pick::<&str>(tokens);
                s.push_str(t);
            }
            if i % 2 == 0 {
                s.push('}');
            }
            let b = Bytes::from(s.clone());
            let k = *rng.pick(&kinds);
            let plain = text_array_with(k, &b, true);
            assert_eq!(plain, text_array_with(k, &b, false), "{k:?} {s:?}");
            ok += usize::from(plain.is_ok());
        }
        assert!(ok > 5_000, "{ok}");
    }

    fn t(k: K, s: &str) -> Value {
        decode_text_value(&ValueKind::Scalar(k), &Bytes::copy_from_slice(s.as_bytes()))
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }
    fn b(k: K, bytes: &[u8]) -> Value {
        decode_binary_value(&ValueKind::Scalar(k), &Bytes::copy_from_slice(bytes))
            .unwrap_or_else(|e| panic!("{bytes:?}: {e}"))
    }
    fn t_err(k: K, s: &str) {
        assert!(
            decode_text_value(&ValueKind::Scalar(k), &Bytes::copy_from_slice(s.as_bytes()))
                .is_err(),
            "{s:?} should fail"
        );
    }
    fn b_err(k: K, bytes: &[u8]) {
        assert!(
            decode_binary_value(&ValueKind::Scalar(k), &Bytes::copy_from_slice(bytes)).is_err(),
            "{bytes:?} should fail"
        );
    }
    fn num_bin(ndigits: &[i16], weight: i16, sign: u16, dscale: u16) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(ndigits.len() as i16).to_be_bytes());
        v.extend_from_slice(&weight.to_be_bytes());
        v.extend_from_slice(&sign.to_be_bytes());
        v.extend_from_slice(&dscale.to_be_bytes());
        for d in ndigits {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn bool_and_integers() {
        assert_eq!(t(K::Bool, "t"), Value::Bool(true));
        assert_eq!(t(K::Bool, "f"), Value::Bool(false));
        t_err(K::Bool, "true");
        assert_eq!(b(K::Bool, &[1]), Value::Bool(true));
        b_err(K::Bool, &[2]);
        assert_eq!(t(K::Int2, "-32768"), Value::Int(-32768));
        t_err(K::Int2, "32768");
        assert_eq!(b(K::Int2, &[0xff, 0xfe]), Value::Int(-2));
        assert_eq!(t(K::Int4, "2147483647"), Value::Int(2147483647));
        assert_eq!(
            b(K::Int4, &[0x80, 0, 0, 0]),
            Value::Int(i64::from(i32::MIN))
        );
        assert_eq!(t(K::Int8, "-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(b(K::Int8, &i64::MAX.to_be_bytes()), Value::Int(i64::MAX));
        b_err(K::Int8, &[0; 4]);
        assert_eq!(t(K::Oid, "4294967295"), Value::UInt(u64::from(u32::MAX)));
        assert_eq!(b(K::Oid, &[0xff; 4]), Value::UInt(u64::from(u32::MAX)));
    }

    #[test]
    fn floats_keep_specials_and_exact_bits() {
        assert_eq!(t(K::Float4, "1.1"), Value::Float(1.1));
        assert_eq!(
            t(K::Float8, "-1.7976931348623157e+308"),
            Value::Double(f64::MIN)
        );
        assert_eq!(t(K::Float8, "Infinity"), Value::Double(f64::INFINITY));
        assert_eq!(t(K::Float4, "-Infinity"), Value::Float(f32::NEG_INFINITY));
        assert!(matches!(t(K::Float8, "NaN"), Value::Double(x) if x.is_nan()));
        assert_eq!(b(K::Float8, &0.1f64.to_be_bytes()), Value::Double(0.1));
        assert_eq!(b(K::Float4, &1.5f32.to_be_bytes()), Value::Float(1.5));
    }

    #[test]
    fn numeric_text_and_binary_keep_digits_and_scale() {
        for s in [
            "0",
            "-12.3400",
            "0.0001",
            "NaN",
            "Infinity",
            "-Infinity",
            "100000000",
        ] {
            assert_eq!(t(K::Numeric, s).to_string(), s);
        }
        // 1234567.8900: weight 1, digits [123, 4567, 8900], dscale 4
        assert_eq!(
            b(K::Numeric, &num_bin(&[123, 4567, 8900], 1, 0, 4)).to_string(),
            "1234567.8900"
        );
        // -0.00012: weight -2, digits [1200], dscale 5
        assert_eq!(
            b(K::Numeric, &num_bin(&[1, 2000], -1, 0x4000, 5)).to_string(),
            "-0.00012"
        );
        // 10000000 (trailing zero groups not stored): weight 1, digits [1000]
        assert_eq!(
            b(K::Numeric, &num_bin(&[1000], 1, 0, 0)).to_string(),
            "10000000"
        );
        assert_eq!(b(K::Numeric, &num_bin(&[], 0, 0, 2)).to_string(), "0.00");
        assert_eq!(
            b(K::Numeric, &num_bin(&[], 0, 0xC000, 0)).to_string(),
            "NaN"
        );
        assert_eq!(
            b(K::Numeric, &num_bin(&[], 0, 0xD000, 0)).to_string(),
            "Infinity"
        );
        assert_eq!(
            b(K::Numeric, &num_bin(&[], 0, 0xF000, 0)).to_string(),
            "-Infinity"
        );
        b_err(K::Numeric, &num_bin(&[10000], 0, 0, 0));
        b_err(K::Numeric, &num_bin(&[1], 0, 0x1234, 0));
        b_err(K::Numeric, &num_bin(&[1, 5], 0, 0, 0)); // digit beyond the scale
        b_err(K::Numeric, &[0, 1, 0, 0, 0, 0, 0, 0]); // digit missing
    }

    #[test]
    fn text_like_and_bytea() {
        assert_eq!(t(K::Text, "héllo "), Value::text("héllo "));
        assert_eq!(b(K::Text, "x y".as_bytes()), Value::text("x y"));
        // bytes are kept either way; the model's `as_str` says they are not UTF-8
        assert_eq!(t(K::Text, "\u{e9}"), b(K::Text, "\u{e9}".as_bytes()));
        assert_eq!(b(K::Text, &[0xff]).as_str(), None);
        b_err(K::Json, &[0xff]);
        assert_eq!(
            t(K::Bytea, "\\x00ff10"),
            Value::Bytes(Bytes::from_static(&[0, 0xff, 0x10]))
        );
        assert_eq!(
            t(K::Bytea, "a\\\\b\\000\\377"),
            Value::Bytes(Bytes::from_static(b"a\\b\x00\xff"))
        );
        t_err(K::Bytea, "\\x0");
        t_err(K::Bytea, "\\9");
        assert_eq!(
            b(K::Bytea, &[1, 2]),
            Value::Bytes(Bytes::from_static(&[1, 2]))
        );
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            t(K::Date, "2024-02-29"),
            Value::Date(Date::new(2024, 2, 29))
        );
        assert_eq!(
            t(K::Date, "0044-03-15 BC"),
            Value::Date(Date::new(-43, 3, 15))
        );
        assert_eq!(t(K::Date, "infinity"), Value::Date(Date::INFINITY));
        assert_eq!(t(K::Date, "-infinity"), Value::Date(Date::NEG_INFINITY));
        t_err(K::Date, "2023-02-29");
        assert_eq!(
            b(K::Date, &0i32.to_be_bytes()),
            Value::Date(Date::new(2000, 1, 1))
        );
        assert_eq!(
            b(K::Date, &(-1i32).to_be_bytes()),
            Value::Date(Date::new(1999, 12, 31))
        );
        assert_eq!(
            b(K::Date, &i32::MAX.to_be_bytes()),
            Value::Date(Date::INFINITY)
        );
        assert_eq!(
            b(K::Date, &i32::MIN.to_be_bytes()),
            Value::Date(Date::NEG_INFINITY)
        );

        let time = |s: &str| Value::Time(s.parse().unwrap());
        assert_eq!(t(K::Time, "23:59:59.999999"), time("23:59:59.999999"));
        assert_eq!(t(K::Time, "24:00:00"), time("24:00:00"));
        t_err(K::Time, "24:00:01");
        assert_eq!(
            b(K::Time, &3_723_000_001i64.to_be_bytes()),
            time("01:02:03.000001")
        );
        b_err(K::Time, &(-1i64).to_be_bytes());

        let tz = |s: &str| Value::TimeTz(s.parse().unwrap());
        assert_eq!(t(K::TimeTz, "04:05:06.789-08"), tz("04:05:06.789-08"));
        assert_eq!(t(K::TimeTz, "04:05:06+05:30"), tz("04:05:06+05:30"));
        let mut bin = 1_000_000i64.to_be_bytes().to_vec();
        bin.extend_from_slice(&(-19_800i32).to_be_bytes()); // +05:30 is 19800 s west negated
        assert_eq!(b(K::TimeTz, &bin), tz("00:00:01+05:30"));

        let dt = |s: &str| Value::DateTime(s.parse().unwrap());
        assert_eq!(
            t(K::Timestamp, "2024-01-02 03:04:05.000006"),
            dt("2024-01-02 03:04:05.000006")
        );
        assert_eq!(
            t(K::Timestamp, "0001-01-01 00:00:00 BC"),
            Value::DateTime(DateTime {
                date: Date::new(0, 1, 1),
                hour: 0,
                minute: 0,
                second: 0,
                micros: 0
            })
        );
        assert_eq!(
            t(K::Timestamp, "infinity"),
            Value::DateTime(DateTime::INFINITY)
        );
        assert_eq!(
            b(K::Timestamp, &1i64.to_be_bytes()),
            dt("2000-01-01 00:00:00.000001")
        );
        assert_eq!(
            b(K::Timestamp, &(-1i64).to_be_bytes()),
            dt("1999-12-31 23:59:59.999999")
        );
        assert_eq!(
            b(K::Timestamp, &i64::MIN.to_be_bytes()),
            Value::DateTime(DateTime::NEG_INFINITY)
        );
        // PostgreSQL's last timestamp is beyond what Unix microseconds in an i64 can hold
        assert_eq!(
            b(K::Timestamp, &9_223_371_331_199_999_999i64.to_be_bytes()),
            dt("294276-12-31 23:59:59.999999")
        );

        let ts = |s: &str| Value::Timestamp(s.parse().unwrap());
        assert_eq!(
            t(K::TimestampTz, "2024-01-02 03:04:05.5+00"),
            ts("2024-01-02 03:04:05.5Z")
        );
        assert_eq!(
            t(K::TimestampTz, "2024-01-02 08:34:05+05:30"),
            ts("2024-01-02 03:04:05Z")
        );
        assert_eq!(
            t(K::TimestampTz, "1900-01-01 00:00:00-00:53:28"),
            ts("1900-01-01 00:53:28Z")
        );
        assert_eq!(
            t(K::TimestampTz, "-infinity"),
            Value::Timestamp(Timestamp::NEG_INFINITY)
        );
        t_err(K::TimestampTz, "2024-01-02 03:04:05");
        assert_eq!(
            b(K::TimestampTz, &0i64.to_be_bytes()),
            ts("2000-01-01 00:00:00Z")
        );
        assert_eq!(
            b(K::TimestampTz, &i64::MAX.to_be_bytes()),
            Value::Timestamp(Timestamp::INFINITY)
        );
    }

    #[test]
    fn intervals() {
        let iv = |months, days, micros| {
            Value::Interval(Interval {
                months,
                days,
                micros,
            })
        };
        assert_eq!(
            t(K::Interval, "1 year 2 mons -3 days +04:05:06.789"),
            iv(14, -3, 14_706_789_000)
        );
        assert_eq!(t(K::Interval, "00:00:00"), iv(0, 0, 0));
        assert_eq!(t(K::Interval, "-1 days -00:00:01"), iv(0, -1, -1_000_000));
        assert_eq!(t(K::Interval, "-178000000 years"), iv(-2_136_000_000, 0, 0));
        assert_eq!(t(K::Interval, "1000:00:00"), iv(0, 0, 3_600_000_000_000));
        t_err(K::Interval, "P1Y");
        t_err(K::Interval, "");
        let mut bin = 5i64.to_be_bytes().to_vec();
        bin.extend_from_slice(&(-2i32).to_be_bytes());
        bin.extend_from_slice(&13i32.to_be_bytes());
        assert_eq!(b(K::Interval, &bin), iv(13, -2, 5));
        b_err(K::Interval, &bin[..15]);
    }

    #[test]
    fn uuid_json_jsonb() {
        let u: Uuid = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".parse().unwrap();
        assert_eq!(
            t(K::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            Value::Uuid(u)
        );
        assert_eq!(b(K::Uuid, u.as_bytes()), Value::Uuid(u));
        assert_eq!(t(K::Json, "{\"a\": 1}"), Value::Json("{\"a\": 1}".into()));
        assert_eq!(b(K::Json, b"[1]"), Value::Json("[1]".into()));
        assert_eq!(
            b(K::Jsonb, b"\x01{\"a\": 1}"),
            Value::Json("{\"a\": 1}".into())
        );
        b_err(K::Jsonb, b"\x02{}");
        b_err(K::Jsonb, b"");
    }

    #[test]
    fn bit_strings_are_right_aligned_in_the_model() {
        let v = t(K::Bit, "101");
        assert_eq!(v, Value::Bit(BitString::from_u64(0b101, 3)));
        assert_eq!(v.to_string(), "101");
        t_err(K::Bit, "102");
        // binary: 3 bits, left-aligned 101xxxxx
        assert_eq!(b(K::Bit, &[0, 0, 0, 3, 0b1010_0000]), v);
        let v = b(K::Bit, &[0, 0, 0, 10, 0xff, 0b1100_0000]);
        assert_eq!(v.to_string(), "1111111111");
        assert_eq!(b(K::Bit, &[0, 0, 0, 0]).to_string(), "");
        b_err(K::Bit, &[0, 0, 0, 9, 0xff]);
    }

    #[test]
    fn network_and_mac_addresses() {
        assert_eq!(t(K::Inet, "192.168.0.1/24").to_string(), "192.168.0.1/24");
        assert_eq!(t(K::Inet, "::1").to_string(), "::1");
        assert_eq!(t(K::Cidr, "10.0.0.0/8").to_string(), "10.0.0.0/8");
        t_err(K::Inet, "1.2.3.4/33");
        assert_eq!(
            b(K::Inet, &[2, 24, 0, 4, 192, 168, 0, 1]).to_string(),
            "192.168.0.1/24"
        );
        let mut v6 = vec![3, 64, 1, 16];
        v6.extend_from_slice(&"2001:db8::".parse::<Ipv6Addr>().unwrap().octets());
        assert_eq!(b(K::Cidr, &v6).to_string(), "2001:db8::/64");
        b_err(K::Inet, &[2, 33, 0, 4, 1, 2, 3, 4]);
        b_err(K::Inet, &[9, 8, 0, 4, 1, 2, 3, 4]);
        assert_eq!(
            t(K::MacAddr, "08:00:2b:01:02:03"),
            Value::MacAddr(Bytes::from_static(&[8, 0, 0x2b, 1, 2, 3]))
        );
        assert_eq!(
            t(K::MacAddr, "08:00:2b:01:02:03:04:05"),
            b(K::MacAddr, &[8, 0, 0x2b, 1, 2, 3, 4, 5])
        );
        t_err(K::MacAddr, "08:00:2b");
        b_err(K::MacAddr, &[1, 2, 3]);
    }

    #[test]
    fn money_and_enum() {
        assert_eq!(t(K::Money, "$1,234.56"), Value::Money(123_456));
        assert_eq!(t(K::Money, "-$0.07"), Value::Money(-7));
        assert_eq!(
            t(K::Money, "-$92,233,720,368,547,758.08"),
            Value::Money(i64::MIN)
        );
        assert_eq!(b(K::Money, &(-7i64).to_be_bytes()), Value::Money(-7));
        let e = Value::Enum(EnumValue {
            index: None,
            label: Some("happy".into()),
        });
        assert_eq!(t(K::Enum, "happy"), e);
        assert_eq!(b(K::Enum, b"happy"), e);
        assert_eq!(t(K::Unknown, "(1,2)"), Value::text("(1,2)"));
        assert_eq!(b(K::Unknown, &[1]), Value::Bytes(Bytes::from_static(&[1])));
    }

    fn arr(k: K, s: &str) -> Array {
        match decode_text_value(&ValueKind::Array(k), &Bytes::copy_from_slice(s.as_bytes())) {
            Ok(Value::Array(a)) => a,
            other => panic!("{s:?}: {other:?}"),
        }
    }

    #[test]
    fn text_arrays_with_quoting_nulls_and_dimensions() {
        let a = arr(K::Text, r#"{"a b","c\"d",NULL,"NULL",plain,"",\,x}"#);
        assert_eq!(
            a.elements,
            vec![
                Value::text("a b"),
                Value::text("c\"d"),
                Value::Null,
                Value::text("NULL"),
                Value::text("plain"),
                Value::text(""),
                Value::text(",x"),
            ]
        );
        assert_eq!(
            a.dims,
            vec![ArrayDim {
                len: 7,
                lower_bound: 1
            }]
        );
        let a = arr(K::Int4, "{{1,2,3},{4,5,6}}");
        assert_eq!(
            a.dims,
            vec![
                ArrayDim {
                    len: 2,
                    lower_bound: 1
                },
                ArrayDim {
                    len: 3,
                    lower_bound: 1
                }
            ]
        );
        assert_eq!(a.elements.len(), 6);
        assert_eq!(a.elements[5], Value::Int(6));
        let a = arr(K::Int4, "[0:1]={7,8}");
        assert_eq!(
            a.dims,
            vec![ArrayDim {
                len: 2,
                lower_bound: 0
            }]
        );
        let a = arr(K::Int4, "{}");
        assert!(a.dims.is_empty() && a.elements.is_empty());
        let a = arr(K::Numeric, "{1.50,NaN}");
        assert_eq!(a.elements[0].to_string(), "1.50");
        for bad in [
            "{1,2",
            "{{1},{2,3}}",
            "{{1},2}",
            "{1}x",
            "1,2",
            "{{}}",
            "[1:3]={1}",
            "{{{{{{{1}}}}}}}",
        ] {
            assert!(
                decode_text_value(
                    &ValueKind::Array(K::Int4),
                    &Bytes::copy_from_slice(bad.as_bytes())
                )
                .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn binary_arrays() {
        // int4[] {1,NULL} with lower bound 1
        let mut v = Vec::new();
        for x in [1i32, 1, 23, 2, 1, 4, 1, -1] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        let Value::Array(a) =
            decode_binary_value(&ValueKind::Array(K::Int4), &Bytes::from(v)).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.elements, vec![Value::Int(1), Value::Null]);
        assert_eq!(
            a.dims,
            vec![ArrayDim {
                len: 2,
                lower_bound: 1
            }]
        );
        // empty
        let mut v = Vec::new();
        for x in [0i32, 0, 23] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        let Value::Array(a) =
            decode_binary_value(&ValueKind::Array(K::Int4), &Bytes::from(v)).unwrap()
        else {
            panic!()
        };
        assert!(a.elements.is_empty() && a.dims.is_empty());
        // a huge claimed dimension fails without allocating
        let mut v = Vec::new();
        for x in [1i32, 0, 23, i32::MAX, 1] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        assert!(decode_binary_value(&ValueKind::Array(K::Int4), &Bytes::from(v)).is_err());
    }
}
