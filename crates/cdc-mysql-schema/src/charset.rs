//! What the tracker must know about character sets: each set's default collation and its
//! longest character in bytes, and which set a collation belongs to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Which server family the catalog and DDL come from: it decides defaults the statements do
/// not spell out (the default collation of `utf8mb4`, what `JSON` is, display widths in
/// `COLUMN_TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// MariaDB 10.x/11.x: `JSON` is `LONGTEXT` with `utf8mb4_bin`; `COLUMN_TYPE` shows integer
    /// display widths (`int(11)`) and `year(4)`.
    #[default]
    MariaDb,
    /// MySQL 8.0.19+ (and 8.4, 9.x): `JSON` is its own type; no integer display widths except
    /// `tinyint(1)` and `ZEROFILL` columns.
    MySql8,
    /// MySQL 5.7: `JSON` is its own type; display widths like MariaDB.
    MySql57,
}

impl Flavor {
    /// The flavor of a server from its `SELECT VERSION()` text (`10.11.6-MariaDB-log`,
    /// `8.0.36`, `5.7.44-log`).
    pub fn from_version(version: &str) -> Flavor {
        if version.to_ascii_lowercase().contains("mariadb") {
            return Flavor::MariaDb;
        }
        let major: u32 = version
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(8);
        let minor: u32 = version
            .split(|c: char| !c.is_ascii_digit())
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        if major < 8 || (major == 5 && minor <= 7) {
            Flavor::MySql57
        } else {
            Flavor::MySql8
        }
    }

    /// Whether `COLUMN_TYPE` shows integer display widths.
    pub(crate) fn display_widths(self) -> bool {
        matches!(self, Flavor::MariaDb | Flavor::MySql57)
    }
}

/// One character set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharsetInfo {
    /// Its default collation.
    pub default_collation: String,
    /// Longest character in bytes (`MAXLEN`).
    pub max_len: u32,
}

/// The character sets a server knows: default collations and maximum lengths.
///
/// Starts from a built-in table of the sets MariaDB 10.11 and MySQL 8 ship (checked against a
/// live MariaDB by a test); [`Charsets::load_rows`] overrides it from the server's own
/// `information_schema.CHARACTER_SETS` ([`crate::catalog::CHARACTER_SETS_SQL`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charsets {
    sets: BTreeMap<String, CharsetInfo>,
}

/// (name, MariaDB default collation, max length).
const BUILT_IN: &[(&str, &str, u32)] = &[
    ("armscii8", "armscii8_general_ci", 1),
    ("ascii", "ascii_general_ci", 1),
    ("big5", "big5_chinese_ci", 2),
    ("binary", "binary", 1),
    ("cp1250", "cp1250_general_ci", 1),
    ("cp1251", "cp1251_general_ci", 1),
    ("cp1256", "cp1256_general_ci", 1),
    ("cp1257", "cp1257_general_ci", 1),
    ("cp850", "cp850_general_ci", 1),
    ("cp852", "cp852_general_ci", 1),
    ("cp866", "cp866_general_ci", 1),
    ("cp932", "cp932_japanese_ci", 2),
    ("dec8", "dec8_swedish_ci", 1),
    ("eucjpms", "eucjpms_japanese_ci", 3),
    ("euckr", "euckr_korean_ci", 2),
    ("gb18030", "gb18030_chinese_ci", 4),
    ("gb2312", "gb2312_chinese_ci", 2),
    ("gbk", "gbk_chinese_ci", 2),
    ("geostd8", "geostd8_general_ci", 1),
    ("greek", "greek_general_ci", 1),
    ("hebrew", "hebrew_general_ci", 1),
    ("hp8", "hp8_english_ci", 1),
    ("keybcs2", "keybcs2_general_ci", 1),
    ("koi8r", "koi8r_general_ci", 1),
    ("koi8u", "koi8u_general_ci", 1),
    ("latin1", "latin1_swedish_ci", 1),
    ("latin2", "latin2_general_ci", 1),
    ("latin5", "latin5_turkish_ci", 1),
    ("latin7", "latin7_general_ci", 1),
    ("macce", "macce_general_ci", 1),
    ("macroman", "macroman_general_ci", 1),
    ("sjis", "sjis_japanese_ci", 2),
    ("swe7", "swe7_swedish_ci", 1),
    ("tis620", "tis620_thai_ci", 1),
    ("ucs2", "ucs2_general_ci", 2),
    ("ujis", "ujis_japanese_ci", 3),
    ("utf16", "utf16_general_ci", 4),
    ("utf16le", "utf16le_general_ci", 4),
    ("utf32", "utf32_general_ci", 4),
    ("utf8mb3", "utf8mb3_general_ci", 3),
    ("utf8mb4", "utf8mb4_general_ci", 4),
];

impl Charsets {
    /// The built-in table for `flavor` (MySQL 8 differs in `utf8mb4`'s default collation,
    /// `utf8mb4_0900_ai_ci`).
    pub fn built_in(flavor: Flavor) -> Charsets {
        let mut sets: BTreeMap<String, CharsetInfo> = BUILT_IN
            .iter()
            .map(|(n, c, l)| {
                (
                    (*n).to_string(),
                    CharsetInfo {
                        default_collation: (*c).to_string(),
                        max_len: *l,
                    },
                )
            })
            .collect();
        if flavor == Flavor::MySql8
            && let Some(u) = sets.get_mut("utf8mb4")
        {
            u.default_collation = "utf8mb4_0900_ai_ci".into();
        }
        Charsets { sets }
    }

    /// Overrides (and extends) the table from rows of [`crate::catalog::CHARACTER_SETS_SQL`]:
    /// `CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME, MAXLEN`.
    pub fn load_rows(&mut self, rows: &[Vec<Option<String>>]) -> Result<()> {
        for (i, row) in rows.iter().enumerate() {
            let get = |c: usize| {
                row.get(c).cloned().flatten().ok_or_else(|| {
                    Error::new(ErrorKind::Catalog(format!(
                        "CHARACTER_SETS row {i}: column {c} is missing or NULL"
                    )))
                })
            };
            let name = get(0)?.to_ascii_lowercase();
            let default_collation = get(1)?.to_ascii_lowercase();
            let max_len = get(2)?.parse().map_err(|_| {
                Error::new(ErrorKind::Catalog(format!(
                    "CHARACTER_SETS row {i}: MAXLEN is not a number"
                )))
            })?;
            self.sets.insert(
                name,
                CharsetInfo {
                    default_collation,
                    max_len,
                },
            );
        }
        Ok(())
    }

    /// The set named `name` (lower case; `utf8` means `utf8mb3`).
    pub fn get(&self, name: &str) -> Option<&CharsetInfo> {
        self.sets.get(name)
    }

    /// Every set, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &CharsetInfo)> {
        self.sets.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub(crate) fn default_collation(&self, charset: &str) -> Result<String> {
        self.get(charset)
            .map(|c| c.default_collation.clone())
            .ok_or_else(|| Error::new(ErrorKind::UnknownCharset(charset.to_string())))
    }

    pub(crate) fn max_len(&self, charset: &str) -> Result<u32> {
        self.get(charset)
            .map(|c| c.max_len)
            .ok_or_else(|| Error::new(ErrorKind::UnknownCharset(charset.to_string())))
    }

    /// The set a collation belongs to: `binary`, or the longest known set name that prefixes
    /// it followed by `_` (`utf8mb4_bin` is `utf8mb4`, `utf16le_general_ci` is `utf16le`).
    pub fn charset_of_collation(&self, collation: &str) -> Result<String> {
        if collation == "binary" {
            return Ok("binary".into());
        }
        self.sets
            .keys()
            .filter(|cs| {
                collation
                    .strip_prefix(cs.as_str())
                    .is_some_and(|rest| rest.starts_with('_'))
            })
            .max_by_key(|cs| cs.len())
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::UnknownCharset(collation.to_string())))
    }

    /// Resolves an optional character set and collation (as written) to both, MySQL's way:
    /// a collation alone names its set, a set alone takes its default collation.
    pub(crate) fn resolve(
        &self,
        charset: Option<&str>,
        collation: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        Ok(match (charset, collation) {
            (Some(cs), Some(c)) => Some((cs.to_string(), c.to_string())),
            (Some(cs), None) => Some((cs.to_string(), self.default_collation(cs)?)),
            (None, Some(c)) => Some((self.charset_of_collation(c)?, c.to_string())),
            (None, None) => None,
        })
    }
}
