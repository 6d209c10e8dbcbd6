//! MySQL's packed binary `DECIMAL` (`NEWDECIMAL`) format.
//!
//! A `DECIMAL(precision, scale)` is stored big-endian in groups of nine decimal digits, each
//! group in four bytes. The integer part is split into whole groups counted from the decimal
//! point leftwards, with the leftover leading digits in a shorter group first; the fraction
//! part into whole groups counted from the point rightwards, with the leftover trailing digits
//! in a shorter group last. A leftover group of `n` digits takes `DIG2BYTES[n]` bytes.
//!
//! The sign lives in the top bit of the first byte, inverted so that the bytes sort like the
//! numbers: set for positive values. Negative values additionally have every byte inverted.

use cdc_model::Decimal;

use crate::cursor::Cursor;
use crate::error::{Error, Result};

/// Digits per whole group.
const DIG_PER_GROUP: usize = 9;

/// Bytes used by a leftover group of `n` digits (index `n`).
const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

fn dig2bytes(n: usize) -> usize {
    DIG2BYTES.get(n).copied().unwrap_or(4)
}

/// Number of bytes a `DECIMAL(precision, scale)` occupies.
pub(crate) fn binary_size(precision: u8, scale: u8) -> Result<usize> {
    if scale > precision {
        return Err(Error::malformed(format!(
            "DECIMAL scale {scale} exceeds precision {precision}"
        )));
    }
    let intg = usize::from(precision - scale);
    let frac = usize::from(scale);
    Ok((intg / DIG_PER_GROUP) * 4
        + dig2bytes(intg % DIG_PER_GROUP)
        + (frac / DIG_PER_GROUP) * 4
        + dig2bytes(frac % DIG_PER_GROUP))
}

/// Reads one packed `DECIMAL(precision, scale)` from `cur` and returns it with exactly `scale`
/// fraction digits.
pub(crate) fn read_decimal(cur: &mut Cursor<'_>, precision: u8, scale: u8) -> Result<Decimal> {
    let size = binary_size(precision, scale)?;
    let bytes = cur.take(size)?;
    decode(bytes, precision, scale)
}

/// Decodes the packed bytes of a `DECIMAL(precision, scale)` (exactly
/// [`binary_size`] bytes).
pub(crate) fn decode(bytes: &[u8], precision: u8, scale: u8) -> Result<Decimal> {
    let size = binary_size(precision, scale)?;
    if bytes.len() != size {
        return Err(Error::malformed(format!(
            "DECIMAL({precision},{scale}) needs {size} bytes, got {}",
            bytes.len()
        )));
    }
    let Some(&first) = bytes.first() else {
        // DECIMAL(0,0) cannot be declared; an empty value is zero.
        return Ok(Decimal::from_i128(0, u16::from(scale)));
    };
    let negative = first & 0x80 == 0;
    let mask: u8 = if negative { 0xff } else { 0x00 };

    let intg = usize::from(precision - scale);
    let frac = usize::from(scale);
    let mut digits = String::with_capacity(intg + frac);
    let mut cur = Cursor::new(bytes);
    let mut first_byte = true;
    let mut group = |cur: &mut Cursor<'_>, ndigits: usize, digits: &mut String| -> Result<()> {
        if ndigits == 0 {
            return Ok(());
        }
        let raw = cur.take(dig2bytes(ndigits))?;
        let mut v: u32 = 0;
        for &b in raw {
            let mut b = b ^ mask;
            if first_byte {
                b ^= 0x80;
                first_byte = false;
            }
            v = (v << 8) | u32::from(b);
        }
        // A group of n digits holds at most 10^n - 1.
        if u64::from(v) >= 10u64.pow(ndigits as u32) {
            return Err(Error::malformed("DECIMAL digit group out of range"));
        }
        push_padded(digits, v, ndigits);
        Ok(())
    };
    group(&mut cur, intg % DIG_PER_GROUP, &mut digits)?;
    for _ in 0..intg / DIG_PER_GROUP {
        group(&mut cur, DIG_PER_GROUP, &mut digits)?;
    }
    for _ in 0..frac / DIG_PER_GROUP {
        group(&mut cur, DIG_PER_GROUP, &mut digits)?;
    }
    group(&mut cur, frac % DIG_PER_GROUP, &mut digits)?;
    if digits.is_empty() {
        digits.push('0');
    }
    Decimal::from_parts(negative, &digits, u16::from(scale))
        .map_err(|e| Error::malformed(format!("DECIMAL: {e}")))
}

/// Appends `v` as exactly `width` decimal digits, zero-padded on the left.
fn push_padded(out: &mut String, v: u32, width: usize) {
    let s = v.to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Test-only encoder: packs a decimal given as sign, integer digits and fraction digits
    /// (already padded to `precision - scale` and `scale` digits).
    pub(crate) fn encode(negative: bool, int_digits: &str, frac_digits: &str) -> Vec<u8> {
        fn put(out: &mut Vec<u8>, digits: &str) {
            let v: u32 = if digits.is_empty() {
                0
            } else {
                digits.parse().unwrap()
            };
            let n = DIG2BYTES[digits.len()];
            out.extend_from_slice(&v.to_be_bytes()[4 - n..]);
        }
        let mut out = Vec::new();
        let lead = int_digits.len() % 9;
        put(&mut out, &int_digits[..lead]);
        for chunk in int_digits.as_bytes()[lead..].chunks(9) {
            put(&mut out, std::str::from_utf8(chunk).unwrap());
        }
        let whole = frac_digits.len() / 9 * 9;
        for chunk in frac_digits.as_bytes()[..whole].chunks(9) {
            put(&mut out, std::str::from_utf8(chunk).unwrap());
        }
        put(&mut out, &frac_digits[whole..]);
        if negative {
            for b in &mut out {
                *b = !*b;
            }
        }
        if let Some(b) = out.first_mut() {
            *b ^= 0x80;
        }
        out
    }

    fn dec(bytes: &[u8], p: u8, s: u8) -> String {
        decode(bytes, p, s).unwrap().to_string()
    }

    #[test]
    fn sizes_match_mysql() {
        // decimal_binary_size(): DECIMAL(10,2) = 4+1+1? intg 8 -> 4 bytes, frac 2 -> 1 byte
        assert_eq!(binary_size(10, 2).unwrap(), 5);
        assert_eq!(binary_size(6, 3).unwrap(), 4);
        assert_eq!(binary_size(11, 2).unwrap(), 5);
        assert_eq!(binary_size(65, 30).unwrap(), 30);
        assert_eq!(binary_size(18, 9).unwrap(), 8);
        assert!(binary_size(2, 3).is_err());
    }

    #[test]
    fn documented_example() {
        // strings/decimal.cc documents 1234567890.1234 as DECIMAL(14,4):
        // 81 0D FB 38 D2 04 D2 and its negative as 7E F2 04 C7 2D FB 2D.
        let pos = [0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2];
        assert_eq!(dec(&pos, 14, 4), "1234567890.1234");
        let neg = [0x7E, 0xF2, 0x04, 0xC7, 0x2D, 0xFB, 0x2D];
        assert_eq!(dec(&neg, 14, 4), "-1234567890.1234");
    }

    #[test]
    fn json_opaque_fixture_values() {
        // json-opaque.binlog: DECIMAL(6,3) 123.456 and DECIMAL(11,2) 9.00
        assert_eq!(dec(&[0x80, 0x7b, 0x01, 0xc8], 6, 3), "123.456");
        assert_eq!(dec(&[0x80, 0, 0, 0x09, 0x00], 11, 2), "9.00");
    }

    #[test]
    fn zero_and_small_values() {
        assert_eq!(dec(&encode(false, "00000", "00"), 7, 2), "0.00");
        assert_eq!(dec(&encode(true, "00000", "05"), 7, 2), "-0.05");
        // negative zero is zero
        assert_eq!(dec(&encode(true, "0", "00"), 3, 2), "0.00");
        assert_eq!(dec(&encode(false, "", "5"), 1, 1), "0.5");
        assert_eq!(dec(&encode(false, "7", ""), 1, 0), "7");
    }

    #[test]
    fn max_precision() {
        let int = "9".repeat(35);
        let frac = "9".repeat(30);
        let b = encode(true, &int, &frac);
        assert_eq!(b.len(), binary_size(65, 30).unwrap());
        assert_eq!(dec(&b, 65, 30), format!("-{int}.{frac}"));
    }

    #[test]
    fn rejects_bad_groups_and_lengths() {
        // a one-byte group of 2 digits holding 0xff ^ 0x80 = 127 > 99
        assert!(decode(&[0xff], 2, 0).is_err());
        assert!(decode(&[0x80, 0x00], 2, 0).is_err());
        assert!(decode(&[], 2, 0).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(
            p in 1u8..=65,
            s_frac in 0.0f64..=1.0,
            negative: bool,
            seed in proptest::collection::vec(0u8..10, 65),
        ) {
            let s = ((f64::from(p) * s_frac) as u8).min(p).min(30);
            let intg = usize::from(p - s);
            let digits: String = seed.iter().take(usize::from(p)).map(|d| char::from(b'0' + d)).collect();
            let (i, f) = digits.split_at(intg);
            let bytes = encode(negative, i, f);
            prop_assert_eq!(bytes.len(), binary_size(p, s).unwrap());
            let got = decode(&bytes, p, s).unwrap();
            let expected = Decimal::from_parts(negative, &digits, u16::from(s)).unwrap();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40), p: u8, s: u8) {
            let _ = decode(&bytes, p, s);
            let _ = read_decimal(&mut Cursor::new(&bytes), p, s);
        }
    }
}
