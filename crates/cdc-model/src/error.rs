//! The error type of every parser in this crate.

use std::fmt;

/// A string could not be parsed as a model type (a position, a decimal, a date ...).
///
/// It names what was being parsed, the input (shortened to 200 characters) and why it failed.
///
/// ```
/// use cdc_model::Lsn;
/// let err = "16-B374D848".parse::<Lsn>().unwrap_err();
/// assert_eq!(err.what(), "PostgreSQL LSN");
/// assert!(err.to_string().contains("16-B374D848"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    what: &'static str,
    input: String,
    reason: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, input: &str, reason: impl Into<String>) -> Self {
        let input = match input.char_indices().nth(200) {
            Some((cut, _)) => format!("{}...", &input[..cut]),
            None => input.to_owned(),
        };
        ParseError {
            what,
            input,
            reason: reason.into(),
        }
    }

    /// The kind of thing that was being parsed, e.g. `"MySQL GTID set"`.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The offending input (shortened when long).
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why the input was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {:?}: {}", self.what, self.input, self.reason)
    }
}

/// Implements `Serialize`/`Deserialize` through `Display`/`FromStr`, so a type travels as the
/// string users know (`mysql-bin.000003:154`, `12.50`, ...).
macro_rules! serde_via_str {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_via_str;
