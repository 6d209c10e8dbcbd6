//! Exact decimal numbers: MySQL `DECIMAL` (up to 65 digits) and PostgreSQL `numeric`
//! (up to 131072 digits before the point and 16383 after, plus `NaN` and `±Infinity`).

use std::fmt;
use std::str::FromStr;

use crate::error::{ParseError, serde_via_str};

/// An exact decimal number kept as its decimal digits and a scale, never as a float.
///
/// The value is `(-1)^negative × digits × 10^-scale`. Trailing zeros are kept (the scale is
/// part of the value, as `1.50` is in `DECIMAL(5,2)`); leading zeros are not. Zero is never
/// negative.
///
/// ```
/// use cdc_model::Decimal;
/// let d: Decimal = "-0012.3400".parse().unwrap();
/// assert_eq!(d.to_string(), "-12.3400");
/// assert_eq!(d.digits(), "123400");
/// assert_eq!(d.scale(), 4);
/// assert!(d.is_negative());
/// let big = "12345678901234567890123456789012345678901234567890123456789012345";
/// assert_eq!(big.parse::<Decimal>().unwrap().to_string(), big);
/// assert!("NaN".parse::<Decimal>().unwrap().is_nan());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Decimal {
    repr: Repr,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Repr {
    Finite {
        negative: bool,
        // ASCII digits, no leading zeros except the single digit "0"
        digits: Box<str>,
        scale: u16,
    },
    NaN,
    Infinity,
    NegInfinity,
}

impl Decimal {
    /// PostgreSQL `NaN`.
    pub const NAN: Decimal = Decimal { repr: Repr::NaN };
    /// PostgreSQL `Infinity`.
    pub const INFINITY: Decimal = Decimal {
        repr: Repr::Infinity,
    };
    /// PostgreSQL `-Infinity`.
    pub const NEG_INFINITY: Decimal = Decimal {
        repr: Repr::NegInfinity,
    };

    /// Builds a decimal from a sign, the digits of the unscaled integer and a scale.
    /// Leading zeros are dropped; an error is returned when `digits` is empty or holds a
    /// non-digit.
    pub fn from_parts(negative: bool, digits: &str, scale: u16) -> Result<Decimal, ParseError> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                "decimal",
                digits,
                "the digits must be 1 or more ASCII digits",
            ));
        }
        let trimmed = digits.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        Ok(Decimal {
            repr: Repr::Finite {
                negative: negative && trimmed != "0",
                digits: trimmed.into(),
                scale,
            },
        })
    }

    /// A decimal from a signed integer and a scale: `from_i128(-1250, 2)` is `-12.50`.
    pub fn from_i128(unscaled: i128, scale: u16) -> Decimal {
        Decimal {
            repr: Repr::Finite {
                negative: unscaled < 0,
                digits: unscaled.unsigned_abs().to_string().into(),
                scale,
            },
        }
    }

    /// True for a finite negative number.
    pub fn is_negative(&self) -> bool {
        matches!(self.repr, Repr::Finite { negative: true, .. })
    }

    /// True for `NaN`.
    pub fn is_nan(&self) -> bool {
        matches!(self.repr, Repr::NaN)
    }

    /// True for `Infinity` or `-Infinity`.
    pub fn is_infinite(&self) -> bool {
        matches!(self.repr, Repr::Infinity | Repr::NegInfinity)
    }

    /// The digits of the unscaled integer (`"123400"` for `-12.3400`); empty for the special
    /// values.
    pub fn digits(&self) -> &str {
        match &self.repr {
            Repr::Finite { digits, .. } => digits,
            _ => "",
        }
    }

    /// Digits after the decimal point; 0 for the special values.
    pub fn scale(&self) -> u16 {
        match &self.repr {
            Repr::Finite { scale, .. } => *scale,
            _ => 0,
        }
    }

    /// The number of significant digits before and after the point (the precision a column
    /// needs to hold this value): at least the scale, and at least 1.
    pub fn precision(&self) -> usize {
        self.digits().len().max(usize::from(self.scale())).max(1)
    }

    /// The unscaled integer, when it fits in `i128` (38 digits always do).
    pub fn unscaled_i128(&self) -> Option<i128> {
        match &self.repr {
            Repr::Finite {
                negative, digits, ..
            } => {
                let v: i128 = digits.parse().ok()?;
                Some(if *negative { -v } else { v })
            }
            _ => None,
        }
    }
}

impl fmt::Display for Decimal {
    /// Plain notation with exactly `scale` digits after the point: `-12.3400`, `0.05`, `NaN`,
    /// `Infinity`, `-Infinity`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, digits, scale) = match &self.repr {
            Repr::NaN => return f.write_str("NaN"),
            Repr::Infinity => return f.write_str("Infinity"),
            Repr::NegInfinity => return f.write_str("-Infinity"),
            Repr::Finite {
                negative,
                digits,
                scale,
            } => (*negative, &**digits, usize::from(*scale)),
        };
        if negative {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(digits);
        }
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in digits.len()..scale {
                f.write_str("0")?;
            }
            f.write_str(digits)
        }
    }
}

/// Parses `[+-]digits[.digits]`, `[+-].digits`, `NaN`, `[+-]Infinity` (case-insensitive for the
/// special values). No exponent: a decimal is written out exactly.
impl FromStr for Decimal {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("decimal", s, r);
        let t = s.trim();
        if t.eq_ignore_ascii_case("nan") {
            return Ok(Decimal::NAN);
        }
        if t.eq_ignore_ascii_case("infinity") || t.eq_ignore_ascii_case("+infinity") {
            return Ok(Decimal::INFINITY);
        }
        if t.eq_ignore_ascii_case("-infinity") {
            return Ok(Decimal::NEG_INFINITY);
        }
        let (negative, body) = match t.as_bytes().first() {
            Some(b'-') => (true, t.get(1..).unwrap_or("")),
            Some(b'+') => (false, t.get(1..).unwrap_or("")),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(err("no digits"));
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err("only digits, one '.', and a leading sign are allowed"));
        }
        let scale =
            u16::try_from(frac.len()).map_err(|_| err("too many digits after the point"))?;
        let mut digits = String::with_capacity(int.len() + frac.len());
        digits.push_str(int);
        digits.push_str(frac);
        Decimal::from_parts(negative, &digits, scale).map_err(|e| err(e.reason()))
    }
}

serde_via_str!(Decimal);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_get_leading_zero() {
        assert_eq!(Decimal::from_i128(5, 2).to_string(), "0.05");
        assert_eq!(Decimal::from_i128(-5, 3).to_string(), "-0.005");
        assert_eq!(Decimal::from_i128(0, 2).to_string(), "0.00");
        assert_eq!(".5".parse::<Decimal>().unwrap().to_string(), "0.5");
    }

    #[test]
    fn negative_zero_is_zero() {
        let z: Decimal = "-0.00".parse().unwrap();
        assert!(!z.is_negative());
        assert_eq!(z.to_string(), "0.00");
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "-", ".", "1.2.3", "1e5", "12a", "--1", " - 1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unscaled_fits_for_38_digits() {
        let d: Decimal = "-99999999999999999999999999999999999999".parse().unwrap();
        assert_eq!(
            d.unscaled_i128(),
            Some(-99_999_999_999_999_999_999_999_999_999_999_999_999)
        );
    }
}
