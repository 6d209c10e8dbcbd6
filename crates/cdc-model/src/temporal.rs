//! Dates and times, exact to the microsecond, including the values only one source allows:
//! MySQL's zero dates (`0000-00-00`, `2024-00-15`) and negative `TIME` up to `±838:59:59`,
//! PostgreSQL's `infinity` / `-infinity` and BC dates.
//!
//! Years are astronomical (ISO 8601): year 0 is 1 BC, year -1 is 2 BC.

use std::fmt;
use std::str::FromStr;

use crate::error::{ParseError, serde_via_str};

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;
const MICROS_PER_DAY: i64 = SECS_PER_DAY * MICROS_PER_SEC;

/// A calendar date. Month and day may be 0, as MySQL allows (`0000-00-00`, `2024-00-00`).
///
/// ```
/// use cdc_model::Date;
/// let d: Date = "2024-02-29".parse().unwrap();
/// assert_eq!(d.days_since_epoch(), Some(19782));
/// assert_eq!(Date::from_days_since_epoch(19782), d);
/// assert!("0000-00-00".parse::<Date>().unwrap().is_zero());
/// assert_eq!(Date::INFINITY.to_string(), "infinity");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Date {
    /// Astronomical year.
    pub year: i32,
    /// Month 1..=12, or 0 in a MySQL zero/partial date.
    pub month: u8,
    /// Day 1..=31, or 0 in a MySQL zero/partial date.
    pub day: u8,
}

impl Date {
    /// PostgreSQL `infinity`.
    pub const INFINITY: Date = Date {
        year: i32::MAX,
        month: 12,
        day: 31,
    };
    /// PostgreSQL `-infinity`.
    pub const NEG_INFINITY: Date = Date {
        year: i32::MIN,
        month: 1,
        day: 1,
    };
    /// MySQL's zero date `0000-00-00`.
    pub const ZERO: Date = Date {
        year: 0,
        month: 0,
        day: 0,
    };

    /// A date from its parts, without validation (MySQL permits partial zero dates).
    pub const fn new(year: i32, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// True for MySQL's `0000-00-00`.
    pub fn is_zero(&self) -> bool {
        *self == Date::ZERO
    }

    /// True for PostgreSQL's `infinity` or `-infinity`.
    pub fn is_infinite(&self) -> bool {
        *self == Date::INFINITY || *self == Date::NEG_INFINITY
    }

    /// True when the date exists on the proleptic Gregorian calendar (no zero parts, no
    /// infinity, day within the month).
    pub fn is_valid(&self) -> bool {
        !self.is_infinite()
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
    }

    /// Days since 1970-01-01, or `None` for zero, partial, invalid or infinite dates.
    pub fn days_since_epoch(&self) -> Option<i64> {
        self.is_valid()
            .then(|| days_from_civil(i64::from(self.year), self.month, self.day))
    }

    /// The date `days` after 1970-01-01 (negative for earlier dates).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let (y, m, d) = civil_from_days(days);
        Date {
            year: i32::try_from(y).unwrap_or(if y < 0 { i32::MIN } else { i32::MAX }),
            month: m,
            day: d,
        }
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Civil-from-days and days-from-civil after Howard Hinnant's public-domain algorithms.
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let m = i64::from(m);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn write_year(f: &mut fmt::Formatter<'_>, year: i32) -> fmt::Result {
    if year < 0 {
        write!(f, "-{:04}", year.unsigned_abs())
    } else {
        write!(f, "{year:04}")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Date::INFINITY {
            return f.write_str("infinity");
        }
        if *self == Date::NEG_INFINITY {
            return f.write_str("-infinity");
        }
        write_year(f, self.year)?;
        write!(f, "-{:02}-{:02}", self.month, self.day)
    }
}

/// Parses `[-]YYYY-MM-DD`, `infinity`, `-infinity`. Zero and partial dates are accepted;
/// otherwise the day must exist in the month.
impl FromStr for Date {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        parse_date(s, "date")
    }
}

fn parse_date(s: &str, what: &'static str) -> Result<Date, ParseError> {
    let err = |r: &str| ParseError::new(what, s, r);
    match s {
        "infinity" | "+infinity" => return Ok(Date::INFINITY),
        "-infinity" => return Ok(Date::NEG_INFINITY),
        _ => {}
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut parts = body.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err("expected YYYY-MM-DD"));
    };
    let num = |p: &str, max_len: usize| -> Result<u32, ParseError> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected YYYY-MM-DD"));
        }
        p.parse().map_err(|_| err("number out of range"))
    };
    if y.len() < 4 || m.len() != 2 || d.len() != 2 {
        return Err(err("expected YYYY-MM-DD"));
    }
    let year = i32::try_from(num(y, 9)?).map_err(|_| err("year out of range"))?;
    let year = if neg { -year } else { year };
    let date = Date::new(year, num(m, 2)? as u8, num(d, 2)? as u8);
    let partial_zero = date.month == 0 || date.day == 0;
    if date.month > 12 || date.day > 31 || (!partial_zero && !date.is_valid()) {
        return Err(err("no such day"));
    }
    Ok(date)
}

serde_via_str!(Date);

/// A time of day or a duration: MySQL `TIME` runs from `-838:59:59.000000` to
/// `838:59:59.000000`; PostgreSQL `time` from `00:00:00` to `24:00:00`.
///
/// ```
/// use cdc_model::Time;
/// let t: Time = "-838:59:59.5".parse().unwrap();
/// assert!(t.negative);
/// assert_eq!((t.hours, t.minutes, t.seconds, t.micros), (838, 59, 59, 500_000));
/// assert_eq!(t.to_string(), "-838:59:59.500000");
/// assert_eq!(t.total_micros(), -(838 * 3600 + 59 * 60 + 59) * 1_000_000 - 500_000);
/// assert_eq!("12:00:01".parse::<Time>().unwrap().to_string(), "12:00:01");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Time {
    /// True for a negative duration (MySQL only).
    pub negative: bool,
    /// Hours, 0..=838.
    pub hours: u16,
    /// Minutes, 0..=59.
    pub minutes: u8,
    /// Seconds, 0..=59.
    pub seconds: u8,
    /// Microseconds, 0..=999_999.
    pub micros: u32,
}

impl Time {
    /// Builds a time from a signed number of microseconds; `None` when the hours do not fit in
    /// `u16`.
    pub fn from_micros(total: i64) -> Option<Time> {
        let negative = total < 0;
        let abs = total.unsigned_abs();
        let micros = (abs % 1_000_000) as u32;
        let secs = abs / 1_000_000;
        let hours = u16::try_from(secs / 3600).ok()?;
        Some(Time {
            negative,
            hours,
            minutes: ((secs / 60) % 60) as u8,
            seconds: (secs % 60) as u8,
            micros,
        })
    }

    /// The signed duration in microseconds.
    pub fn total_micros(&self) -> i64 {
        let abs =
            (i64::from(self.hours) * 3600 + i64::from(self.minutes) * 60 + i64::from(self.seconds))
                * MICROS_PER_SEC
                + i64::from(self.micros);
        if self.negative { -abs } else { abs }
    }
}

// Equal values compare equal regardless of the sign of zero.
impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Time {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.total_micros()
            .cmp(&other.total_micros())
            .then(self.negative.cmp(&other.negative))
    }
}

fn write_frac(f: &mut fmt::Formatter<'_>, micros: u32) -> fmt::Result {
    if micros != 0 {
        write!(f, ".{micros:06}")?;
    }
    Ok(())
}

impl fmt::Display for Time {
    /// `[-]HH:MM:SS[.ffffff]`; the fraction is printed only when non-zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        write!(
            f,
            "{:02}:{:02}:{:02}",
            self.hours, self.minutes, self.seconds
        )?;
        write_frac(f, self.micros)
    }
}

fn parse_frac(s: &str, err: &dyn Fn(&str) -> ParseError) -> Result<u32, ParseError> {
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("fraction must be 1 to 6 digits"));
    }
    let n: u32 = s.parse().map_err(|_| err("bad fraction"))?;
    Ok(n * 10u32.pow(6 - s.len() as u32))
}

/// Parses `[-]H+:MM:SS[.f{1,6}]`.
impl FromStr for Time {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("time", s, r);
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (hms, frac) = match body.split_once('.') {
            Some((a, b)) => (a, parse_frac(b, &err)?),
            None => (body, 0),
        };
        let mut it = hms.split(':');
        let (Some(h), Some(m), Some(sec), None) = (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(err("expected HH:MM:SS"));
        };
        let ok = |p: &str, n: usize| {
            p.len() >= 2 && p.len() <= n && p.bytes().all(|b| b.is_ascii_digit())
        };
        if !(ok(h, 5) && ok(m, 2) && ok(sec, 2)) {
            return Err(err("expected HH:MM:SS"));
        }
        let hours: u16 = h.parse().map_err(|_| err("hours out of range"))?;
        let minutes: u8 = m.parse().map_err(|_| err("bad minutes"))?;
        let seconds: u8 = sec.parse().map_err(|_| err("bad seconds"))?;
        if minutes > 59 || seconds > 59 {
            return Err(err("minutes and seconds must be below 60"));
        }
        Ok(Time {
            negative,
            hours,
            minutes,
            seconds,
            micros: frac,
        })
    }
}

serde_via_str!(Time);

/// A date and time without time zone: MySQL `DATETIME`, PostgreSQL `timestamp`.
///
/// ```
/// use cdc_model::DateTime;
/// let dt: DateTime = "2024-02-29 23:59:59.000123".parse().unwrap();
/// assert_eq!(dt.micros, 123);
/// assert_eq!(dt.to_string(), "2024-02-29 23:59:59.000123");
/// assert!("0000-00-00 00:00:00".parse::<DateTime>().unwrap().is_zero());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct DateTime {
    /// The date part.
    pub date: Date,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
    /// Microsecond, 0..=999_999.
    pub micros: u32,
}

impl DateTime {
    /// MySQL's zero datetime `0000-00-00 00:00:00`.
    pub const ZERO: DateTime = DateTime {
        date: Date::ZERO,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    };
    /// PostgreSQL `infinity`.
    pub const INFINITY: DateTime = DateTime {
        date: Date::INFINITY,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    };
    /// PostgreSQL `-infinity`.
    pub const NEG_INFINITY: DateTime = DateTime {
        date: Date::NEG_INFINITY,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
    };

    /// True for `0000-00-00 00:00:00`.
    pub fn is_zero(&self) -> bool {
        *self == DateTime::ZERO
    }

    /// Microseconds since 1970-01-01 00:00:00 when this datetime is read as UTC; `None` for
    /// zero, partial or infinite dates.
    pub fn to_unix_micros(&self) -> Option<i64> {
        let days = self.date.days_since_epoch()?;
        let secs =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        days.checked_mul(MICROS_PER_DAY)?
            .checked_add(secs * MICROS_PER_SEC + i64::from(self.micros))
    }

    /// The datetime `micros` microseconds after 1970-01-01 00:00:00.
    pub fn from_unix_micros(micros: i64) -> DateTime {
        let days = micros.div_euclid(MICROS_PER_DAY);
        let rem = micros.rem_euclid(MICROS_PER_DAY);
        let secs = rem / MICROS_PER_SEC;
        DateTime {
            date: Date::from_days_since_epoch(days),
            hour: (secs / 3600) as u8,
            minute: ((secs / 60) % 60) as u8,
            second: (secs % 60) as u8,
            micros: (rem % MICROS_PER_SEC) as u32,
        }
    }
}

impl fmt::Display for DateTime {
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`, or `infinity` / `-infinity`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.date.is_infinite() {
            return self.date.fmt(f);
        }
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )?;
        write_frac(f, self.micros)
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS[.f{1,6}]` (a `T` may stand for the space), `infinity`,
/// `-infinity`.
impl FromStr for DateTime {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("datetime", s, r);
        match s {
            "infinity" | "+infinity" => return Ok(DateTime::INFINITY),
            "-infinity" => return Ok(DateTime::NEG_INFINITY),
            _ => {}
        }
        let (d, t) = s
            .split_once([' ', 'T'])
            .ok_or_else(|| err("expected 'YYYY-MM-DD HH:MM:SS'"))?;
        let date = parse_date(d, "datetime")?;
        let time: Time = t.parse().map_err(|e: ParseError| err(e.reason()))?;
        if time.negative || time.hours > 23 {
            return Err(err("hour must be 0 to 23"));
        }
        Ok(DateTime {
            date,
            hour: time.hours as u8,
            minute: time.minutes,
            second: time.seconds,
            micros: time.micros,
        })
    }
}

serde_via_str!(DateTime);

/// An instant on the UTC time line, in microseconds since 1970-01-01 00:00:00 UTC: MySQL
/// `TIMESTAMP`, PostgreSQL `timestamptz`, commit times.
///
/// Three values are reserved and cannot be real instants of either database: MySQL's zero
/// timestamp ([`Timestamp::ZERO`], which MySQL stores as 0 but whose valid range starts one second
/// later) and PostgreSQL's `±infinity`.
///
/// ```
/// use cdc_model::Timestamp;
/// let t = Timestamp::from_unix_micros(1_700_000_000_123_456);
/// assert_eq!(t.to_string(), "2023-11-14 22:13:20.123456Z");
/// assert_eq!("2023-11-14 22:13:20.123456Z".parse::<Timestamp>().unwrap(), t);
/// assert_eq!("2023-11-14 23:13:20.123456+01".parse::<Timestamp>().unwrap(), t);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Timestamp {
    micros: i64,
}

impl Timestamp {
    /// MySQL's zero timestamp `0000-00-00 00:00:00`.
    pub const ZERO: Timestamp = Timestamp {
        micros: i64::MIN + 1,
    };
    /// PostgreSQL `infinity`.
    pub const INFINITY: Timestamp = Timestamp { micros: i64::MAX };
    /// PostgreSQL `-infinity`.
    pub const NEG_INFINITY: Timestamp = Timestamp { micros: i64::MIN };

    /// The instant `micros` microseconds after the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp { micros }
    }

    /// The instant `secs` seconds plus `micros` microseconds after the Unix epoch.
    pub fn from_unix_parts(secs: i64, micros: u32) -> Timestamp {
        Timestamp {
            micros: secs
                .saturating_mul(MICROS_PER_SEC)
                .saturating_add(i64::from(micros)),
        }
    }

    /// Microseconds since the Unix epoch (the reserved values are returned as stored).
    pub const fn unix_micros(&self) -> i64 {
        self.micros
    }

    /// True for [`Timestamp::ZERO`].
    pub fn is_zero(&self) -> bool {
        *self == Timestamp::ZERO
    }

    /// True for `±infinity`.
    pub fn is_infinite(&self) -> bool {
        *self == Timestamp::INFINITY || *self == Timestamp::NEG_INFINITY
    }

    /// The UTC calendar date and time of this instant.
    pub fn to_utc(&self) -> DateTime {
        match *self {
            Timestamp::ZERO => DateTime::ZERO,
            Timestamp::INFINITY => DateTime::INFINITY,
            Timestamp::NEG_INFINITY => DateTime::NEG_INFINITY,
            _ => DateTime::from_unix_micros(self.micros),
        }
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]Z` in UTC, `0000-00-00 00:00:00` for zero, `±infinity`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Timestamp::ZERO => f.write_str("0000-00-00 00:00:00"),
            Timestamp::INFINITY => f.write_str("infinity"),
            Timestamp::NEG_INFINITY => f.write_str("-infinity"),
            _ => write!(f, "{}Z", self.to_utc()),
        }
    }
}

/// Parses a datetime followed by `Z` or a UTC offset `±HH[:MM[:SS]]`, or the reserved forms.
impl FromStr for Timestamp {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("timestamp", s, r);
        match s {
            "0000-00-00 00:00:00" => return Ok(Timestamp::ZERO),
            "infinity" | "+infinity" => return Ok(Timestamp::INFINITY),
            "-infinity" => return Ok(Timestamp::NEG_INFINITY),
            _ => {}
        }
        let (local, offset) = if let Some(rest) = s.strip_suffix('Z') {
            (rest, 0)
        } else {
            // the offset starts at the last '+' or '-' after the time part
            let time_start = s.find([' ', 'T']).ok_or_else(|| err("missing time"))?;
            let at = s
                .get(time_start..)
                .and_then(|t| t.rfind(['+', '-']))
                .map(|i| i + time_start)
                .ok_or_else(|| err("missing 'Z' or UTC offset"))?;
            let (local, off) = s.split_at(at);
            (
                local,
                parse_offset(off).ok_or_else(|| err("bad UTC offset"))?,
            )
        };
        let dt: DateTime = local.parse().map_err(|e: ParseError| err(e.reason()))?;
        let micros = dt
            .to_unix_micros()
            .ok_or_else(|| err("not a real date"))?
            .checked_sub(i64::from(offset) * MICROS_PER_SEC)
            .ok_or_else(|| err("out of range"))?;
        Ok(Timestamp { micros })
    }
}

/// `±HH[:MM[:SS]]` or `±HHMM` to seconds east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, body) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let parts: Vec<&str> = if body.contains(':') {
        body.split(':').collect()
    } else if body.len() == 4 {
        vec![body.get(..2)?, body.get(2..)?]
    } else {
        vec![body]
    };
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut secs = 0i32;
    for (i, p) in parts.iter().enumerate() {
        if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i32 = p.parse().ok()?;
        if i > 0 && n > 59 {
            return None;
        }
        secs += n * [3600, 60, 1].get(i)?;
    }
    Some(sign * secs)
}

serde_via_str!(Timestamp);

/// A PostgreSQL `timetz`: time of day with a UTC offset.
///
/// ```
/// use cdc_model::{Time, TimeTz};
/// let t: TimeTz = "04:05:06.789-08".parse().unwrap();
/// assert_eq!(t.offset_seconds, -8 * 3600);
/// assert_eq!(t.to_string(), "04:05:06.789000-08");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TimeTz {
    /// The local time of day.
    pub time: Time,
    /// Offset from UTC in seconds, positive east of Greenwich (PostgreSQL prints `+05:30`).
    pub offset_seconds: i32,
}

impl fmt::Display for TimeTz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.time)?;
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let abs = self.offset_seconds.unsigned_abs();
        write!(f, "{sign}{:02}", abs / 3600)?;
        if !abs.is_multiple_of(3600) {
            write!(f, ":{:02}", (abs / 60) % 60)?;
            if !abs.is_multiple_of(60) {
                write!(f, ":{:02}", abs % 60)?;
            }
        }
        Ok(())
    }
}

impl FromStr for TimeTz {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("time with time zone", s, r);
        let at = s
            .rfind(['+', '-'])
            .filter(|i| *i > 0)
            .ok_or_else(|| err("missing UTC offset"))?;
        let (t, off) = s.split_at(at);
        let time: Time = t.parse().map_err(|e: ParseError| err(e.reason()))?;
        let offset_seconds = parse_offset(off).ok_or_else(|| err("bad UTC offset"))?;
        Ok(TimeTz {
            time,
            offset_seconds,
        })
    }
}

serde_via_str!(TimeTz);

/// A PostgreSQL `interval`: months, days and microseconds, kept apart as PostgreSQL keeps them
/// (a month is not a fixed number of days).
///
/// ```
/// use cdc_model::Interval;
/// let i = Interval { months: 14, days: -3, micros: 3_600_000_001 };
/// assert_eq!(i.to_string(), "P1Y2M-3DT1H0.000001S");
/// ```
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, Debug, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Interval {
    /// Months (years are 12 months).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

impl fmt::Display for Interval {
    /// ISO 8601 duration, the form PostgreSQL prints with `intervalstyle = iso_8601`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        let (y, m) = (self.months / 12, self.months % 12);
        if y != 0 {
            write!(f, "{y}Y")?;
        }
        if m != 0 {
            write!(f, "{m}M")?;
        }
        if self.days != 0 {
            write!(f, "{}D", self.days)?;
        }
        if self.micros != 0 {
            f.write_str("T")?;
            let neg = self.micros < 0;
            let abs = self.micros.unsigned_abs();
            let (h, rest) = (abs / 3_600_000_000, abs % 3_600_000_000);
            let (mi, rest) = (rest / 60_000_000, rest % 60_000_000);
            let (s, us) = (rest / 1_000_000, rest % 1_000_000);
            let sign = if neg { "-" } else { "" };
            if h != 0 {
                write!(f, "{sign}{h}H")?;
            }
            if mi != 0 {
                write!(f, "{sign}{mi}M")?;
            }
            if s != 0 || us != 0 {
                write!(f, "{sign}{s}")?;
                if us != 0 {
                    write!(f, ".{us:06}")?;
                }
                f.write_str("S")?;
            }
        } else if self.months == 0 && self.days == 0 {
            f.write_str("T0S")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_conversion_matches_known_days() {
        assert_eq!(Date::new(1970, 1, 1).days_since_epoch(), Some(0));
        assert_eq!(Date::new(2000, 3, 1).days_since_epoch(), Some(11017));
        assert_eq!(Date::new(1969, 12, 31).days_since_epoch(), Some(-1));
        assert_eq!(Date::new(0, 1, 1).days_since_epoch(), Some(-719_528));
        assert_eq!(Date::from_days_since_epoch(-719_528), Date::new(0, 1, 1));
    }

    #[test]
    fn date_rejects_impossible_days_but_keeps_mysql_partial_zero_dates() {
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2023-13-01".parse::<Date>().is_err());
        assert!("23-01-01".parse::<Date>().is_err());
        assert_eq!("2023-00-00".parse::<Date>().unwrap(), Date::new(2023, 0, 0));
        assert_eq!("2023-02-00".parse::<Date>().unwrap(), Date::new(2023, 2, 0));
        assert_eq!(
            "-0044-03-15".parse::<Date>().unwrap(),
            Date::new(-44, 3, 15)
        );
        assert_eq!(Date::new(-44, 3, 15).to_string(), "-0044-03-15");
    }

    #[test]
    fn time_rejects_bad_fields() {
        for bad in [
            "1:00:00",
            "10:60:00",
            "10:00:60",
            "10:00:00.1234567",
            "10:00",
            "x",
        ] {
            assert!(bad.parse::<Time>().is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamp_reserved_values_print_and_parse() {
        for t in [
            Timestamp::ZERO,
            Timestamp::INFINITY,
            Timestamp::NEG_INFINITY,
        ] {
            assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        }
        assert_eq!(
            "1970-01-01 05:30:00+05:30".parse::<Timestamp>().unwrap(),
            Timestamp::from_unix_micros(0)
        );
        assert!("1970-01-01 00:00:00".parse::<Timestamp>().is_err());
    }

    #[test]
    fn datetime_micros_round_trip_before_epoch() {
        let dt: DateTime = "1900-01-01 00:00:00.000001".parse().unwrap();
        let m = dt.to_unix_micros().unwrap();
        assert_eq!(DateTime::from_unix_micros(m), dt);
    }

    #[test]
    fn interval_prints_iso_8601() {
        assert_eq!(Interval::default().to_string(), "PT0S");
        let i = Interval {
            months: 0,
            days: 0,
            micros: -90_000_000,
        };
        assert_eq!(i.to_string(), "PT-1M-30S");
    }
}
