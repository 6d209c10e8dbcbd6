//! Result rows in the text and binary protocols, and their conversion to exact
//! [`cdc_model::Value`]s by column type.

use std::ops::Range;
use std::str::FromStr;

use bytes::Bytes;
use cdc_model::{
    BitString, Charset, Date, DateTime, Decimal, EnumValue, Geometry, Text, Time, Timestamp, Value,
};

use crate::error::{Error, Result};
use crate::wire::{Column, Columns, Cursor, column_flags, column_types as t};

/// How a row's values are encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RowFormat {
    /// Text protocol (`COM_QUERY`): every value as its text, `NULL` apart.
    Text,
    /// Binary protocol (`COM_STMT_EXECUTE`): numbers and temporals in binary.
    Binary,
}

/// One result row. Values are slices of the row's packet (no copy per value).
///
/// `NULL` and the four-letter string `'NULL'` are different: [`Row::is_null`] /
/// [`Row::get`] returning `None` is SQL `NULL`.
#[derive(Clone, Debug)]
pub struct Row {
    columns: Columns,
    data: Bytes,
    fields: Vec<Option<Range<usize>>>,
    format: RowFormat,
}

impl Row {
    pub(crate) fn parse_text(columns: Columns, data: Bytes) -> Result<Row> {
        let mut c = Cursor::new(&data);
        let mut fields = Vec::with_capacity(columns.len());
        for _ in 0..columns.len() {
            match c.lenenc_or_null()? {
                None => fields.push(None),
                Some(n) => {
                    let n = usize::try_from(n).map_err(|_| Error::protocol("huge value"))?;
                    let start = c.pos();
                    c.take(n)?;
                    fields.push(Some(start..start + n));
                }
            }
        }
        if !c.is_empty() {
            return Err(Error::protocol(format!(
                "text row has {} bytes after its {} values",
                c.remaining(),
                columns.len()
            )));
        }
        Ok(Row {
            columns,
            data,
            fields,
            format: RowFormat::Text,
        })
    }

    pub(crate) fn parse_binary(columns: Columns, data: Bytes) -> Result<Row> {
        let mut c = Cursor::new(&data);
        if c.u8()? != 0x00 {
            return Err(Error::protocol("binary row without its 0x00 header"));
        }
        let bitmap = c.take((columns.len() + 7 + 2) / 8)?;
        let mut fields = Vec::with_capacity(columns.len());
        for (i, col) in columns.iter().enumerate() {
            let bit = i + 2;
            let null = bitmap
                .get(bit / 8)
                .is_some_and(|b| b & (1 << (bit % 8)) != 0);
            if null {
                fields.push(None);
                continue;
            }
            let len = match col.column_type {
                t::NULL => 0,
                t::TINY => 1,
                t::SHORT | t::YEAR => 2,
                t::LONG | t::INT24 | t::FLOAT => 4,
                t::LONGLONG | t::DOUBLE => 8,
                t::DATE
                | t::NEWDATE
                | t::DATETIME
                | t::DATETIME2
                | t::TIMESTAMP
                | t::TIMESTAMP2
                | t::TIME
                | t::TIME2 => usize::from(c.u8()?),
                _ => usize::try_from(c.lenenc()?).map_err(|_| Error::protocol("huge value"))?,
            };
            let start = c.pos();
            c.take(len)?;
            fields.push(Some(start..start + len));
        }
        if !c.is_empty() {
            return Err(Error::protocol("binary row longer than its values"));
        }
        Ok(Row {
            columns,
            data,
            fields,
            format: RowFormat::Binary,
        })
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// How the values are encoded.
    pub fn format(&self) -> RowFormat {
        self.format
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True for a row of no columns.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// True when value `i` is SQL `NULL` (or `i` is out of range).
    pub fn is_null(&self, i: usize) -> bool {
        !matches!(self.fields.get(i), Some(Some(_)))
    }

    /// The raw bytes of value `i` as sent (text, or the binary encoding of its type);
    /// `None` for `NULL` or an index out of range.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let r = self.fields.get(i)?.clone()?;
        self.data.get(r)
    }

    /// Value `i` as a `Bytes` sharing the row's packet.
    pub fn get_bytes(&self, i: usize) -> Option<Bytes> {
        let r = self.fields.get(i)?.clone()?;
        (r.end <= self.data.len()).then(|| self.data.slice(r))
    }

    /// Value `i` as UTF-8 text (text protocol rows; `None` for `NULL`, out of range or not
    /// UTF-8).
    pub fn get_str(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.get(i)?).ok()
    }

    /// Every value as owned text (text protocol; `None` for `NULL`, invalid UTF-8 replaced).
    pub fn to_strings(&self) -> Vec<Option<String>> {
        (0..self.len())
            .map(|i| self.get(i).map(|b| String::from_utf8_lossy(b).into_owned()))
            .collect()
    }

    /// Value `i` as an exact [`Value`], by its column's type. See [`to_value`] for the rules.
    pub fn value(&self, i: usize) -> Result<Value> {
        let col = self
            .columns
            .get(i)
            .ok_or_else(|| Error::usage(format!("no column {i}")))?;
        match self.get_bytes(i) {
            None => Ok(Value::Null),
            Some(b) => to_value(col, b, self.format)
                .map_err(|e| Error::value(format!("column `{}`: {e}", col.name))),
        }
    }

    /// Every value, converted with [`Row::value`].
    pub fn values(&self) -> Result<Vec<Value>> {
        (0..self.len()).map(|i| self.value(i)).collect()
    }
}

/// Converts one non-`NULL` value by its column's type:
///
/// - integers to `Int`/`UInt` (by the `UNSIGNED` flag), `YEAR` to `Year`, `FLOAT`/`DOUBLE`,
///   `DECIMAL` to exact `Decimal`;
/// - `DATE`, `DATETIME`, `TIME` exactly, with MySQL's zero forms; `TIMESTAMP` as an instant,
///   reading the text as UTC (set the session's `time_zone` to `'+00:00'`, as the snapshot
///   reader does);
/// - strings to `Text` in the character set of the column's collation, binary strings and
///   blobs to `Bytes`; `BIT` to `Bit`; `JSON` (MySQL) to `Json`; `GEOMETRY` to SRID + WKB;
///   `ENUM` to its label. `SET` is `Text` (`a,c`): result metadata does not list the members
///   needed for the bitmap.
pub fn to_value(col: &Column, raw: Bytes, format: RowFormat) -> Result<Value> {
    let unsigned = col.is_unsigned();
    let binary = format == RowFormat::Binary;
    match col.column_type {
        t::NULL => Ok(Value::Null),
        t::TINY | t::SHORT | t::INT24 | t::LONG | t::LONGLONG if binary => {
            let v = le_int(&raw, unsigned)?;
            Ok(v)
        }
        t::TINY | t::SHORT | t::INT24 | t::LONG | t::LONGLONG => {
            let s = ascii(&raw)?;
            if unsigned {
                s.parse().map(Value::UInt).map_err(|_| bad("integer", s))
            } else {
                s.parse().map(Value::Int).map_err(|_| bad("integer", s))
            }
        }
        t::YEAR if binary => Ok(Value::Year(u16::from_le_bytes(fixed(&raw)?))),
        t::YEAR => {
            let s = ascii(&raw)?;
            s.parse().map(Value::Year).map_err(|_| bad("YEAR", s))
        }
        t::FLOAT if binary => Ok(Value::Float(f32::from_le_bytes(fixed(&raw)?))),
        t::DOUBLE if binary => Ok(Value::Double(f64::from_le_bytes(fixed(&raw)?))),
        t::FLOAT => {
            let s = ascii(&raw)?;
            s.parse().map(Value::Float).map_err(|_| bad("FLOAT", s))
        }
        t::DOUBLE => {
            let s = ascii(&raw)?;
            s.parse().map(Value::Double).map_err(|_| bad("DOUBLE", s))
        }
        t::DECIMAL | t::NEWDECIMAL => {
            let s = ascii(&raw)?;
            Decimal::from_str(s)
                .map(Value::Decimal)
                .map_err(|_| bad("DECIMAL", s))
        }
        t::DATE | t::NEWDATE if binary => binary_datetime(&raw).map(|dt| Value::Date(dt.date)),
        t::DATETIME | t::DATETIME2 if binary => binary_datetime(&raw).map(Value::DateTime),
        t::TIMESTAMP | t::TIMESTAMP2 if binary => binary_datetime(&raw).map(timestamp),
        t::TIME | t::TIME2 if binary => binary_time(&raw).map(Value::Time),
        t::DATE | t::NEWDATE => text_date(ascii(&raw)?).map(Value::Date),
        t::DATETIME | t::DATETIME2 => text_datetime(ascii(&raw)?).map(Value::DateTime),
        t::TIMESTAMP | t::TIMESTAMP2 => text_datetime(ascii(&raw)?).map(timestamp),
        t::TIME | t::TIME2 => text_time(ascii(&raw)?).map(Value::Time),
        t::BIT => {
            let len = if col.length > 0 {
                col.length
            } else {
                raw.len() as u32 * 8
            };
            Ok(Value::Bit(BitString { len, bytes: raw }))
        }
        t::JSON => Ok(Value::Json(
            String::from_utf8(raw.to_vec()).map_err(|_| Error::value("JSON value is not UTF-8"))?,
        )),
        t::GEOMETRY => {
            let srid = raw
                .get(..4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .ok_or_else(|| Error::value("GEOMETRY value shorter than its SRID"))?;
            Ok(Value::Geometry(Geometry {
                srid,
                wkb: raw.slice(4..),
            }))
        }
        _ if col.flags & column_flags::ENUM != 0 || col.column_type == t::ENUM => {
            Ok(Value::Enum(EnumValue {
                index: None,
                label: Some(String::from_utf8_lossy(&raw).into_owned()),
            }))
        }
        _ if col.is_binary() => Ok(Value::Bytes(raw)),
        _ => {
            let charset = cdc_mysql_binlog::charset_for_collation(u32::from(col.collation))
                .unwrap_or(Charset::Other(format!("collation {}", col.collation)));
            Ok(Value::Text(Text::new(raw, charset)))
        }
    }
}

fn bad(what: &str, s: &str) -> Error {
    Error::value(format!("`{s}` is not a {what}"))
}

fn ascii(raw: &[u8]) -> Result<&str> {
    std::str::from_utf8(raw).map_err(|_| Error::value("numeric or temporal text is not ASCII"))
}

fn fixed<const N: usize>(raw: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(raw).map_err(|_| {
        Error::value(format!(
            "binary value of {} bytes where {N} are expected",
            raw.len()
        ))
    })
}

fn le_int(raw: &[u8], unsigned: bool) -> Result<Value> {
    let mut buf = [0u8; 8];
    let n = raw.len();
    if !matches!(n, 1 | 2 | 4 | 8) {
        return Err(Error::value(format!("integer of {n} bytes")));
    }
    buf.get_mut(..n)
        .ok_or_else(|| Error::value("integer"))?
        .copy_from_slice(raw);
    let u = u64::from_le_bytes(buf);
    if unsigned {
        return Ok(Value::UInt(u));
    }
    // sign-extend from n bytes
    let shift = 64 - 8 * n as u32;
    Ok(Value::Int(((u << shift) as i64) >> shift))
}

fn timestamp(dt: DateTime) -> Value {
    if dt.is_zero() {
        return Value::Timestamp(Timestamp::ZERO);
    }
    match dt.to_unix_micros() {
        Some(m) => Value::Timestamp(Timestamp::from_unix_micros(m)),
        None => Value::DateTime(dt),
    }
}

fn binary_datetime(raw: &[u8]) -> Result<DateTime> {
    let mut c = Cursor::new(raw);
    let mut dt = DateTime::ZERO;
    match raw.len() {
        0 => return Ok(dt),
        4 | 7 | 11 => {}
        n => return Err(Error::value(format!("binary DATETIME of {n} bytes"))),
    }
    dt.date = Date::new(i32::from(c.u16()?), c.u8()?, c.u8()?);
    if raw.len() >= 7 {
        dt.hour = c.u8()?;
        dt.minute = c.u8()?;
        dt.second = c.u8()?;
    }
    if raw.len() == 11 {
        dt.micros = c.u32()?;
    }
    Ok(dt)
}

fn binary_time(raw: &[u8]) -> Result<Time> {
    let mut c = Cursor::new(raw);
    let mut t = Time {
        negative: false,
        hours: 0,
        minutes: 0,
        seconds: 0,
        micros: 0,
    };
    match raw.len() {
        0 => return Ok(t),
        8 | 12 => {}
        n => return Err(Error::value(format!("binary TIME of {n} bytes"))),
    }
    t.negative = c.u8()? != 0;
    let days = c.u32()?;
    let hours = u64::from(days) * 24 + u64::from(c.u8()?);
    t.hours = u16::try_from(hours).map_err(|_| Error::value("TIME hours out of range"))?;
    t.minutes = c.u8()?;
    t.seconds = c.u8()?;
    if raw.len() == 12 {
        t.micros = c.u32()?;
    }
    Ok(t)
}

fn num<T: FromStr>(s: &str, what: &str, whole: &str) -> Result<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(what, whole));
    }
    s.parse().map_err(|_| bad(what, whole))
}

fn text_date(s: &str) -> Result<Date> {
    let mut it = s.split('-');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(y), Some(m), Some(d), None) => Ok(Date::new(
            num(y, "DATE", s)?,
            num(m, "DATE", s)?,
            num(d, "DATE", s)?,
        )),
        _ => Err(bad("DATE", s)),
    }
}

/// `.ffffff` (1 to 6 digits) as microseconds.
fn fraction(f: &str, whole: &str) -> Result<u32> {
    if f.is_empty() || f.len() > 6 {
        return Err(bad("fraction of a second", whole));
    }
    let v: u32 = num(f, "fraction of a second", whole)?;
    Ok(v * 10u32.pow(6 - f.len() as u32))
}

fn hms(s: &str, whole: &str) -> Result<(u64, u8, u8, u32)> {
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, fraction(f, whole)?),
        None => (s, 0),
    };
    let mut it = main.split(':');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(h), Some(m), Some(sec), None) => Ok((
            num(h, "time", whole)?,
            num(m, "time", whole)?,
            num(sec, "time", whole)?,
            frac,
        )),
        _ => Err(bad("time", whole)),
    }
}

fn text_datetime(s: &str) -> Result<DateTime> {
    let (d, time) = s.split_once(' ').ok_or_else(|| bad("DATETIME", s))?;
    let (h, m, sec, micros) = hms(time, s)?;
    Ok(DateTime {
        date: text_date(d)?,
        hour: u8::try_from(h).map_err(|_| bad("DATETIME", s))?,
        minute: m,
        second: sec,
        micros,
    })
}

fn text_time(s: &str) -> Result<Time> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (h, m, sec, micros) = hms(rest, s)?;
    Ok(Time {
        negative,
        hours: u16::try_from(h).map_err(|_| bad("TIME", s))?,
        minutes: m,
        seconds: sec,
        micros,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::BINARY_COLLATION;

    fn col(column_type: u8, flags: u16, collation: u16) -> Column {
        Column {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            name: "c".into(),
            org_name: "c".into(),
            collation,
            length: 0,
            column_type,
            flags,
            decimals: 0,
        }
    }

    fn text(c: &Column, s: &str) -> Value {
        to_value(c, Bytes::copy_from_slice(s.as_bytes()), RowFormat::Text).unwrap()
    }

    fn bin(c: &Column, b: &[u8]) -> Value {
        to_value(c, Bytes::copy_from_slice(b), RowFormat::Binary).unwrap()
    }

    #[test]
    fn integers_by_sign_and_width() {
        let signed = col(t::TINY, 0, BINARY_COLLATION);
        let unsigned = col(t::LONGLONG, column_flags::UNSIGNED, BINARY_COLLATION);
        assert_eq!(text(&signed, "-128"), Value::Int(-128));
        assert_eq!(bin(&signed, &[0x80]), Value::Int(-128));
        assert_eq!(
            text(&unsigned, "18446744073709551615"),
            Value::UInt(u64::MAX)
        );
        assert_eq!(bin(&unsigned, &[0xFF; 8]), Value::UInt(u64::MAX));
        assert_eq!(bin(&col(t::SHORT, 0, 63), &[0xFE, 0xFF]), Value::Int(-2));
        assert!(to_value(&signed, Bytes::from_static(b"1x"), RowFormat::Text).is_err());
    }

    #[test]
    fn temporals_keep_zero_forms_fractions_and_negative_times() {
        let d = col(t::DATETIME, 0, 63);
        assert_eq!(
            text(&d, "0000-00-00 00:00:00"),
            Value::DateTime(DateTime::ZERO)
        );
        assert_eq!(bin(&d, &[]), Value::DateTime(DateTime::ZERO));
        let v = text(&d, "2024-02-29 23:59:58.5");
        let Value::DateTime(dt) = v else { panic!() };
        assert_eq!(
            (dt.date, dt.second, dt.micros),
            (Date::new(2024, 2, 29), 58, 500_000)
        );
        assert_eq!(
            bin(&d, &[0xE8, 0x07, 2, 29, 23, 59, 58, 0x20, 0xA1, 0x07, 0]),
            Value::DateTime(dt)
        );
        let tm = col(t::TIME, 0, 63);
        let Value::Time(x) = text(&tm, "-838:59:59.000001") else {
            panic!()
        };
        assert!(x.negative);
        assert_eq!((x.hours, x.minutes, x.seconds, x.micros), (838, 59, 59, 1));
        assert_eq!(
            bin(&tm, &[1, 34, 0, 0, 0, 22, 59, 59, 1, 0, 0, 0]),
            Value::Time(x)
        );
        let ts = col(t::TIMESTAMP, 0, 63);
        assert_eq!(
            text(&ts, "1970-01-01 00:00:01"),
            Value::Timestamp(Timestamp::from_unix_micros(1_000_000))
        );
        assert_eq!(
            text(&ts, "0000-00-00 00:00:00"),
            Value::Timestamp(Timestamp::ZERO)
        );
        assert!(to_value(&d, Bytes::from_static(b"2024-1-1"), RowFormat::Text).is_err());
    }

    #[test]
    fn strings_by_collation() {
        assert_eq!(
            text(&col(t::VAR_STRING, 0, 45), "é"),
            Value::Text(Text::new(Bytes::from("é"), Charset::Utf8mb4))
        );
        assert_eq!(
            text(
                &col(t::BLOB, column_flags::BINARY, BINARY_COLLATION),
                "\u{1}"
            ),
            Value::Bytes(Bytes::from_static(b"\x01"))
        );
        assert_eq!(
            text(&col(t::STRING, column_flags::ENUM, 45), "b"),
            Value::Enum(EnumValue {
                index: None,
                label: Some("b".into())
            })
        );
        assert_eq!(
            text(&col(t::NEWDECIMAL, 0, 63), "-12.340"),
            Value::Decimal("-12.340".parse().unwrap())
        );
    }

    #[test]
    fn rows_parse_null_apart_from_the_string_null() {
        let cols: Columns = vec![col(t::VAR_STRING, 0, 45), col(t::VAR_STRING, 0, 45)].into();
        let r = Row::parse_text(cols.clone(), Bytes::from_static(b"\xfb\x04NULL")).unwrap();
        assert!(r.is_null(0));
        assert_eq!(r.get_str(1), Some("NULL"));
        assert!(Row::parse_text(cols.clone(), Bytes::from_static(b"\xfb")).is_err());
        assert!(Row::parse_text(cols, Bytes::from_static(b"\xfb\x00\x00")).is_err());
        let cols: Columns = vec![col(t::LONG, 0, 63), col(t::VAR_STRING, 0, 45)].into();
        // header, bitmap with column 0 (bit 2) NULL, then "x"
        let r = Row::parse_binary(cols, Bytes::from_static(b"\x00\x04\x01x")).unwrap();
        assert_eq!(r.value(0).unwrap(), Value::Null);
        assert_eq!(r.get(1), Some(&b"x"[..]));
    }
}
