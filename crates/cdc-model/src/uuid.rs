//! A 128-bit UUID, used both as a value (PostgreSQL `uuid`) and as a MySQL server id in GTIDs.

use std::fmt;
use std::str::FromStr;

use crate::error::{ParseError, serde_via_str};

/// A 128-bit universally unique identifier, stored as its 16 bytes in network order.
///
/// ```
/// use cdc_model::Uuid;
/// let u: Uuid = "3E11FA47-71CA-11E1-9E33-C80AA9429562".parse().unwrap();
/// assert_eq!(u.to_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562");
/// assert_eq!(u.as_bytes()[0], 0x3e);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// Wraps 16 bytes in network (big-endian) order.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Uuid(bytes)
    }

    /// The 16 bytes in network order.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses the canonical 36-character hyphenated form, or the 32-digit form without hyphens.
    /// Hex digits may be upper or lower case.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let err = |reason: &'static str| ParseError::new("uuid", s, reason);
        let hex: Vec<u8> = match s.len() {
            36 => {
                let b = s.as_bytes();
                for at in [8usize, 13, 18, 23] {
                    if b.get(at) != Some(&b'-') {
                        return Err(err("expected hyphens at positions 8, 13, 18 and 23"));
                    }
                }
                b.iter().copied().filter(|c| *c != b'-').collect()
            }
            32 => s.as_bytes().to_vec(),
            _ => return Err(err("expected 36 characters (or 32 hex digits)")),
        };
        if hex.len() != 32 {
            return Err(err("expected 32 hex digits"));
        }
        let mut out = [0u8; 16];
        for (slot, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            let (hi, lo) = match pair {
                [hi, lo] => (hex_val(*hi), hex_val(*lo)),
                _ => (None, None),
            };
            match (hi, lo) {
                (Some(hi), Some(lo)) => *slot = (hi << 4) | lo,
                _ => return Err(err("not a hex digit")),
            }
        }
        Ok(Uuid(out))
    }
}

pub(crate) fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

impl FromStr for Uuid {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse(s)
    }
}

serde_via_str!(Uuid);
