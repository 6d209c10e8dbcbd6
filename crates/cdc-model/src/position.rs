//! Source positions: where in a source's change stream an event sits, and where to resume.
//!
//! Every position parses from, and prints as, the string users already know from the
//! source's own tools:
//!
//! | source | type | text |
//! |---|---|---|
//! | MySQL/MariaDB file coordinates | [`BinlogPosition`] | `mysql-bin.000003:154` |
//! | MySQL GTID set (8.4 tags too) | [`GtidSet`] | `3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11,…` |
//! | MariaDB GTID position | [`MariaGtidPosition`] | `0-1-7,1-2-9` |
//! | PostgreSQL WAL location | [`Lsn`] | `16/B374D848` |
//!
//! All of them are totally ordered, and within one source the order is the stream order:
//! a later position compares greater. GTID sets and MariaDB GTID positions are only partially
//! ordered in general (by inclusion); their [`Ord`] first compares how many transactions they
//! cover, which agrees with inclusion, so for the sets one source produces over time (each a
//! superset of the one before) it is exactly the stream order.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ParseError, serde_via_str};
use crate::uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Binlog file coordinates

/// A MySQL/MariaDB binary log coordinate: file name and byte offset in it.
///
/// Ordered by file name stem, then the file's numeric sequence suffix, then offset, which is
/// the order the server writes in (`mysql-bin.000009` < `mysql-bin.000010`).
///
/// ```
/// use cdc_model::BinlogPosition;
/// let p: BinlogPosition = "mysql-bin.000003:154".parse().unwrap();
/// assert_eq!(p.file, "mysql-bin.000003");
/// assert_eq!(p.offset, 154);
/// assert!(p < "mysql-bin.000010:4".parse().unwrap());
/// assert_eq!(p.to_string(), "mysql-bin.000003:154");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct BinlogPosition {
    /// The binlog file name, without directory (`mysql-bin.000003`).
    pub file: String,
    /// Byte offset of the event in that file (4 is the first event after the magic).
    pub offset: u64,
}

impl BinlogPosition {
    /// A coordinate from a file name and an offset.
    pub fn new(file: impl Into<String>, offset: u64) -> Self {
        BinlogPosition {
            file: file.into(),
            offset,
        }
    }

    /// The file's stem and numeric sequence (`("mysql-bin", Some(3))` for `mysql-bin.000003`).
    pub fn file_sequence(&self) -> (&str, Option<u64>) {
        match self.file.rsplit_once('.') {
            Some((stem, seq)) if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()) => {
                (stem, seq.parse().ok())
            }
            _ => (&self.file, None),
        }
    }
}

impl Ord for BinlogPosition {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a_stem, a_seq) = self.file_sequence();
        let (b_stem, b_seq) = other.file_sequence();
        a_stem
            .cmp(b_stem)
            .then(a_seq.cmp(&b_seq))
            .then_with(|| self.file.cmp(&other.file))
            .then(self.offset.cmp(&other.offset))
    }
}

impl PartialOrd for BinlogPosition {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for BinlogPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.offset)
    }
}

impl FromStr for BinlogPosition {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("binlog position", s, r);
        let (file, offset) = s
            .trim()
            .rsplit_once(':')
            .ok_or_else(|| err("expected FILE:OFFSET"))?;
        if file.is_empty() {
            return Err(err("empty file name"));
        }
        if file.contains(['/', '\\']) || file.chars().any(char::is_whitespace) {
            return Err(err("file name must not contain a path or white space"));
        }
        if offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("offset must be a decimal number"));
        }
        let offset = offset.parse().map_err(|_| err("offset out of range"))?;
        Ok(BinlogPosition::new(file, offset))
    }
}

serde_via_str!(BinlogPosition);

// ---------------------------------------------------------------------------------------------
// PostgreSQL LSN

/// A PostgreSQL write-ahead-log location (log sequence number), printed as `16/B374D848`.
///
/// ```
/// use cdc_model::Lsn;
/// let lsn: Lsn = "16/B374D848".parse().unwrap();
/// assert_eq!(lsn.0, 0x16_B374_D848);
/// assert_eq!(lsn.to_string(), "16/B374D848");
/// assert!(lsn > "16/B374D847".parse().unwrap());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Lsn(pub u64);

impl Lsn {
    /// The invalid LSN `0/0`, which PostgreSQL uses for "none".
    pub const INVALID: Lsn = Lsn(0);
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl FromStr for Lsn {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("PostgreSQL LSN", s, r);
        let (hi, lo) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| err("expected HI/LO"))?;
        let part = |p: &str| {
            if p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
                Err(err("each half must be 1 to 8 hex digits"))
            } else {
                u64::from_str_radix(p, 16).map_err(|_| err("not hex"))
            }
        };
        Ok(Lsn((part(hi)? << 32) | part(lo)?))
    }
}

serde_via_str!(Lsn);

// ---------------------------------------------------------------------------------------------
// MySQL GTIDs

/// A MySQL 8.4 GTID tag: 1 to 32 characters of `[a-z0-9_]`, not starting with a digit.
/// MySQL folds tags to lower case; so does this type.
///
/// ```
/// use cdc_model::GtidTag;
/// assert_eq!(GtidTag::new("Blue_1").unwrap().as_str(), "blue_1");
/// assert!(GtidTag::new("1abc").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct GtidTag(String);

impl GtidTag {
    /// Validates and lower-cases a tag.
    pub fn new(tag: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("GTID tag", tag, r);
        let mut chars = tag.chars();
        match chars.next() {
            None => return Err(err("empty tag")),
            Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
                return Err(err("a tag starts with a letter or '_'"));
            }
            Some(_) => {}
        }
        if tag.len() > 32 {
            return Err(err("a tag has at most 32 characters"));
        }
        if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(err("a tag has only letters, digits and '_'"));
        }
        Ok(GtidTag(tag.to_ascii_lowercase()))
    }

    /// The tag text, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GtidTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One MySQL global transaction identifier: `source_uuid[:tag]:transaction_number`.
///
/// ```
/// use cdc_model::Gtid;
/// let g: Gtid = "3E11FA47-71CA-11E1-9E33-C80AA9429562:Blue:23".parse().unwrap();
/// assert_eq!(g.gno, 23);
/// assert_eq!(g.to_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:blue:23");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Gtid {
    /// The originating server's UUID.
    pub source: Uuid,
    /// The tag (MySQL 8.4+), if any.
    pub tag: Option<GtidTag>,
    /// The transaction number, 1 or more.
    pub gno: u64,
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.source)?;
        if let Some(tag) = &self.tag {
            write!(f, "{tag}:")?;
        }
        write!(f, "{}", self.gno)
    }
}

impl FromStr for Gtid {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("MySQL GTID", s, r);
        let mut parts = s.trim().split(':');
        let source =
            Uuid::parse(parts.next().unwrap_or_default().trim()).map_err(|e| err(e.reason()))?;
        let (tag, gno) = match (parts.next(), parts.next(), parts.next()) {
            (Some(gno), None, None) => (None, gno),
            (Some(tag), Some(gno), None) => (Some(GtidTag::new(tag.trim())?), gno),
            _ => return Err(err("expected UUID[:TAG]:NUMBER")),
        };
        let gno = parse_gno(gno.trim()).ok_or_else(|| err("bad transaction number"))?;
        Ok(Gtid { source, tag, gno })
    }
}

serde_via_str!(Gtid);

/// The largest transaction number MySQL allows (2^63 - 1).
pub const GNO_MAX: u64 = i64::MAX as u64;

fn parse_gno(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| (1..=GNO_MAX).contains(n))
}

/// A closed range of transaction numbers `start..=end` inside a GTID set.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct GnoInterval {
    /// First transaction number, at least 1.
    pub start: u64,
    /// Last transaction number, at least `start`.
    pub end: u64,
}

/// A MySQL GTID set, as in `@@gtid_executed` or `COM_BINLOG_DUMP_GTID`, tags included.
///
/// Kept normalized: per (server UUID, tag) the intervals are sorted and merged, so two sets with
/// the same transactions are equal and print the same way MySQL prints them (UUIDs in lower case,
/// untagged intervals first, then tags in alphabetical order, sets joined by `,`).
///
/// ```
/// use cdc_model::{Gtid, GtidSet};
/// let mut set: GtidSet = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7,\n\
///                         3E11FA47-71CA-11E1-9E33-C80AA9429562:6:blue:3".parse().unwrap();
/// assert_eq!(set.to_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7:blue:3");
/// let next: Gtid = "3e11fa47-71ca-11e1-9e33-c80aa9429562:8".parse().unwrap();
/// set.insert(&next);
/// assert!(set.contains(&next));
/// assert_eq!(set.transaction_count(), 9);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct GtidSet {
    // source -> tag ("" for untagged) -> sorted, disjoint, non-adjacent intervals; never holds
    // an empty map or list
    sets: BTreeMap<Uuid, BTreeMap<String, Vec<GnoInterval>>>,
}

impl GtidSet {
    /// The empty set.
    pub fn new() -> Self {
        GtidSet::default()
    }

    /// True when the set holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Adds one transaction.
    pub fn insert(&mut self, gtid: &Gtid) {
        let tag = gtid.tag.as_ref().map(|t| t.as_str()).unwrap_or("");
        self.add_interval(
            gtid.source,
            tag,
            GnoInterval {
                start: gtid.gno,
                end: gtid.gno,
            },
        );
    }

    /// True when the set holds `gtid`.
    pub fn contains(&self, gtid: &Gtid) -> bool {
        let tag = gtid.tag.as_ref().map(|t| t.as_str()).unwrap_or("");
        self.intervals(gtid.source, tag).is_some_and(|ivs| {
            let i = ivs.partition_point(|iv| iv.end < gtid.gno);
            ivs.get(i).is_some_and(|iv| iv.start <= gtid.gno)
        })
    }

    /// Adds every transaction of `other`.
    pub fn union_with(&mut self, other: &GtidSet) {
        for (uuid, tag, ivs) in other.iter() {
            for iv in ivs {
                self.add_interval(uuid, tag.unwrap_or(""), *iv);
            }
        }
    }

    /// True when every transaction of `self` is in `other`.
    pub fn is_subset(&self, other: &GtidSet) -> bool {
        self.iter().all(|(uuid, tag, ivs)| {
            let Some(theirs) = other.intervals(uuid, tag.unwrap_or("")) else {
                return false;
            };
            ivs.iter().all(|iv| {
                let i = theirs.partition_point(|t| t.end < iv.start);
                theirs
                    .get(i)
                    .is_some_and(|t| t.start <= iv.start && iv.end <= t.end)
            })
        })
    }

    /// How many transactions the set holds.
    pub fn transaction_count(&self) -> u128 {
        self.iter()
            .flat_map(|(_, _, ivs)| ivs)
            .map(|iv| u128::from(iv.end - iv.start) + 1)
            .sum()
    }

    /// The intervals per (server UUID, tag), in print order.
    pub fn iter(&self) -> impl Iterator<Item = (Uuid, Option<&str>, &[GnoInterval])> {
        self.sets.iter().flat_map(|(uuid, tags)| {
            tags.iter().map(move |(tag, ivs)| {
                let tag = (!tag.is_empty()).then_some(tag.as_str());
                (*uuid, tag, ivs.as_slice())
            })
        })
    }

    fn intervals(&self, source: Uuid, tag: &str) -> Option<&Vec<GnoInterval>> {
        self.sets.get(&source)?.get(tag)
    }

    /// Adds the closed interval `start..=end` for a source and tag. Returns an error when the
    /// interval is empty or outside `1..=2^63-1`.
    pub fn add(
        &mut self,
        source: Uuid,
        tag: Option<&GtidTag>,
        start: u64,
        end: u64,
    ) -> Result<(), ParseError> {
        if start == 0 || start > end || end > GNO_MAX {
            return Err(ParseError::new(
                "MySQL GTID set",
                &format!("{source}:{start}-{end}"),
                "an interval is START-END with 1 <= START <= END <= 2^63-1",
            ));
        }
        self.add_interval(
            source,
            tag.map(|t| t.as_str()).unwrap_or(""),
            GnoInterval { start, end },
        );
        Ok(())
    }

    fn add_interval(&mut self, source: Uuid, tag: &str, new: GnoInterval) {
        let tags = self.sets.entry(source).or_default();
        // look up without allocating: this runs once per transaction of a stream
        let ivs = match tags.get_mut(tag) {
            Some(ivs) => ivs,
            None => tags.entry(tag.to_owned()).or_default(),
        };
        // fast path: the next transaction of a stream extends the last interval
        if let Some(last) = ivs.last_mut()
            && last.start <= new.start
            && new.start <= last.end.saturating_add(1)
        {
            last.end = last.end.max(new.end);
            return;
        }
        // first interval that could touch `new` (ends at or after new.start - 1)
        let lo = ivs.partition_point(|iv| iv.end.saturating_add(1) < new.start);
        // first interval that starts after new.end + 1
        let hi = ivs.partition_point(|iv| iv.start <= new.end.saturating_add(1));
        let mut merged = new;
        if let Some(first) = ivs.get(lo).filter(|_| lo < hi) {
            merged.start = merged.start.min(first.start);
        }
        if let Some(last) = hi
            .checked_sub(1)
            .and_then(|i| ivs.get(i))
            .filter(|_| lo < hi)
        {
            merged.end = merged.end.max(last.end);
        }
        ivs.splice(lo..hi, std::iter::once(merged));
    }
}

impl Ord for GtidSet {
    fn cmp(&self, other: &Self) -> Ordering {
        self.transaction_count()
            .cmp(&other.transaction_count())
            .then_with(|| self.sets.cmp(&other.sets))
    }
}

impl PartialOrd for GtidSet {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for GtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last_uuid: Option<Uuid> = None;
        for (uuid, tag, ivs) in self.iter() {
            if last_uuid != Some(uuid) {
                if last_uuid.is_some() {
                    f.write_str(",")?;
                }
                write!(f, "{uuid}")?;
                last_uuid = Some(uuid);
            }
            if let Some(tag) = tag {
                write!(f, ":{tag}")?;
            }
            for iv in ivs {
                if iv.start == iv.end {
                    write!(f, ":{}", iv.start)?;
                } else {
                    write!(f, ":{}-{}", iv.start, iv.end)?;
                }
            }
        }
        Ok(())
    }
}

impl FromStr for GtidSet {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |r: &str| ParseError::new("MySQL GTID set", s, r);
        let mut set = GtidSet::new();
        if s.trim().is_empty() {
            return Ok(set);
        }
        for part in s.split(',') {
            let mut fields = part.trim().split(':');
            let uuid = fields.next().unwrap_or_default().trim();
            let uuid = Uuid::parse(uuid).map_err(|e| err(e.reason()))?;
            let mut tag: Option<GtidTag> = None;
            let mut any = false;
            for field in fields {
                let field = field.trim();
                if field.starts_with(|c: char| c.is_ascii_digit()) {
                    let (a, b) = field.split_once('-').unwrap_or((field, field));
                    let (Some(a), Some(b)) = (parse_gno(a), parse_gno(b)) else {
                        return Err(err("bad interval"));
                    };
                    if a > b {
                        return Err(err("interval start is after its end"));
                    }
                    set.add(uuid, tag.as_ref(), a, b)?;
                    any = true;
                } else {
                    tag = Some(GtidTag::new(field).map_err(|e| err(e.reason()))?);
                }
            }
            if !any {
                return Err(err("a source UUID needs at least one interval"));
            }
        }
        Ok(set)
    }
}

serde_via_str!(GtidSet);

// ---------------------------------------------------------------------------------------------
// MariaDB GTIDs

/// One MariaDB global transaction id: `domain-server-sequence`, e.g. `0-1-7`.
///
/// ```
/// use cdc_model::MariaGtid;
/// let g: MariaGtid = "0-1-7".parse().unwrap();
/// assert_eq!((g.domain, g.server_id, g.sequence), (0, 1, 7));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MariaGtid {
    /// Replication domain id.
    pub domain: u32,
    /// Id of the server that wrote the transaction.
    pub server_id: u32,
    /// Sequence number within the domain.
    pub sequence: u64,
}

impl fmt::Display for MariaGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain, self.server_id, self.sequence)
    }
}

impl FromStr for MariaGtid {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("MariaDB GTID", s, "expected DOMAIN-SERVER-SEQUENCE");
        let mut it = s.trim().split('-');
        let (Some(d), Some(srv), Some(seq), None) = (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(err());
        };
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !(digits(d) && digits(srv) && digits(seq)) {
            return Err(err());
        }
        Ok(MariaGtid {
            domain: d.parse().map_err(|_| err())?,
            server_id: srv.parse().map_err(|_| err())?,
            sequence: seq.parse().map_err(|_| err())?,
        })
    }
}

serde_via_str!(MariaGtid);

/// A MariaDB GTID position (`@@gtid_current_pos`, `@@slave_connect_state`): the last GTID of
/// each replication domain, sorted by domain.
///
/// ```
/// use cdc_model::{MariaGtid, MariaGtidPosition};
/// let mut pos: MariaGtidPosition = "1-2-9,0-1-7".parse().unwrap();
/// assert_eq!(pos.to_string(), "0-1-7,1-2-9");
/// pos.advance("0-1-8".parse().unwrap());
/// assert_eq!(pos.to_string(), "0-1-8,1-2-9");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct MariaGtidPosition {
    gtids: Vec<MariaGtid>,
}

impl MariaGtidPosition {
    /// The empty position (start of every domain).
    pub fn new() -> Self {
        Self::default()
    }

    /// The GTIDs, one per domain, sorted by domain.
    pub fn gtids(&self) -> &[MariaGtid] {
        &self.gtids
    }

    /// The last GTID of `domain`, if any.
    pub fn get(&self, domain: u32) -> Option<&MariaGtid> {
        self.gtids
            .binary_search_by_key(&domain, |g| g.domain)
            .ok()
            .and_then(|i| self.gtids.get(i))
    }

    /// Records `gtid` as the last transaction of its domain.
    pub fn advance(&mut self, gtid: MariaGtid) {
        match self.gtids.binary_search_by_key(&gtid.domain, |g| g.domain) {
            Ok(i) => {
                if let Some(slot) = self.gtids.get_mut(i) {
                    *slot = gtid;
                }
            }
            Err(i) => self.gtids.insert(i, gtid),
        }
    }

    fn sequence_sum(&self) -> u128 {
        self.gtids.iter().map(|g| u128::from(g.sequence)).sum()
    }
}

impl Ord for MariaGtidPosition {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sequence_sum()
            .cmp(&other.sequence_sum())
            .then_with(|| self.gtids.cmp(&other.gtids))
    }
}

impl PartialOrd for MariaGtidPosition {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for MariaGtidPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.gtids.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{g}")?;
        }
        Ok(())
    }
}

impl FromStr for MariaGtidPosition {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let mut pos = MariaGtidPosition::new();
        if s.trim().is_empty() {
            return Ok(pos);
        }
        for part in s.split(',') {
            let g: MariaGtid = part
                .parse()
                .map_err(|e: ParseError| ParseError::new("MariaDB GTID position", s, e.reason()))?;
            if pos.get(g.domain).is_some() {
                return Err(ParseError::new(
                    "MariaDB GTID position",
                    s,
                    format!("domain {} appears twice", g.domain),
                ));
            }
            pos.advance(g);
        }
        Ok(pos)
    }
}

serde_via_str!(MariaGtidPosition);

// ---------------------------------------------------------------------------------------------
// Any source

/// Where an event sits in its source's stream, in any of the forms the sources use.
///
/// [`SourcePosition::from_str`] recognises each form by its shape, so a user can pass any of
/// them on a command line:
///
/// ```
/// use cdc_model::SourcePosition;
/// for text in ["mysql-bin.000003:154",
///              "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
///              "0-1-7",
///              "16/B374D848"] {
///     let pos: SourcePosition = text.parse().unwrap();
///     assert_eq!(pos.to_string(), text);
/// }
/// ```
///
/// Positions of one kind are totally ordered in stream order (see the module docs). Comparing
/// positions of different kinds orders them by kind only, which means nothing.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourcePosition {
    /// MySQL/MariaDB binlog file coordinates.
    Binlog(BinlogPosition),
    /// A MySQL GTID set: every transaction applied up to here.
    MysqlGtid(GtidSet),
    /// A MariaDB GTID position: the last transaction per domain.
    MariadbGtid(MariaGtidPosition),
    /// A PostgreSQL WAL location.
    Lsn(Lsn),
}

impl fmt::Display for SourcePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourcePosition::Binlog(p) => p.fmt(f),
            SourcePosition::MysqlGtid(p) => p.fmt(f),
            SourcePosition::MariadbGtid(p) => p.fmt(f),
            SourcePosition::Lsn(p) => p.fmt(f),
        }
    }
}

impl FromStr for SourcePosition {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let starts_with_uuid = t.get(..37).is_some_and(|head| {
            head.ends_with(':') && head.get(..36).is_some_and(|u| Uuid::parse(u).is_ok())
        });
        if starts_with_uuid {
            return t.parse().map(SourcePosition::MysqlGtid);
        }
        if t.contains('/') {
            return t.parse().map(SourcePosition::Lsn);
        }
        if t.contains(':') {
            return t.parse().map(SourcePosition::Binlog);
        }
        if !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b == b'-' || b == b',')
        {
            return t.parse().map(SourcePosition::MariadbGtid);
        }
        Err(ParseError::new(
            "source position",
            s,
            "expected FILE:OFFSET, a MySQL GTID set, a MariaDB GTID position or a PostgreSQL LSN",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U1: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    #[test]
    fn gtid_set_merges_adjacent_and_overlapping_intervals() {
        let s: GtidSet = format!("{U1}:5-9:1-3:4:20-21:10").parse().unwrap();
        assert_eq!(s.to_string(), format!("{U1}:1-10:20-21"));
    }

    #[test]
    fn gtid_set_prints_untagged_first_then_tags_sorted() {
        let s: GtidSet = format!("{U1}:zeta:1,{U1}:alpha:2-3,{U1}:7")
            .parse()
            .unwrap();
        assert_eq!(s.to_string(), format!("{U1}:7:alpha:2-3:zeta:1"));
    }

    #[test]
    fn gtid_set_rejects_zero_reversed_and_huge_numbers() {
        for bad in [
            format!("{U1}:0"),
            format!("{U1}:5-3"),
            format!("{U1}:9223372036854775808"),
            U1.to_string(),
            format!("{U1}:1-"),
            "nonsense:1".to_owned(),
            format!("{U1}:9tag:1"),
        ] {
            assert!(bad.parse::<GtidSet>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn gtid_set_subset_and_order_agree() {
        let a: GtidSet = format!("{U1}:1-5").parse().unwrap();
        let b: GtidSet = format!("{U1}:1-6").parse().unwrap();
        assert!(a.is_subset(&b) && !b.is_subset(&a));
        assert!(a < b);
    }

    #[test]
    fn binlog_positions_order_by_file_number_then_offset() {
        let p = |s: &str| s.parse::<BinlogPosition>().unwrap();
        assert!(p("mysql-bin.000009:999") < p("mysql-bin.000010:4"));
        assert!(p("mysql-bin.999999:4") < p("mysql-bin.1000000:4"));
        assert!(p("mysql-bin.000010:4") < p("mysql-bin.000010:5"));
    }

    #[test]
    fn binlog_position_rejects_bad_input() {
        for bad in [
            "mysql-bin.000003",
            ":4",
            "f:-1",
            "f:x",
            "dir/f:4",
            "f:99999999999999999999",
        ] {
            assert!(bad.parse::<BinlogPosition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn lsn_rejects_bad_input() {
        for bad in ["16", "/1", "1/", "G/1", "123456789/0", "1/2/3"] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad}");
        }
    }

    #[test]
    fn maria_position_rejects_duplicate_domain() {
        assert!("0-1-7,0-2-9".parse::<MariaGtidPosition>().is_err());
        assert!("0-1".parse::<MariaGtidPosition>().is_err());
        assert!("0-1-x".parse::<MariaGtidPosition>().is_err());
    }

    #[test]
    fn source_position_detects_each_form() {
        assert!(matches!(
            "mysql-bin.000003:154".parse(),
            Ok(SourcePosition::Binlog(_))
        ));
        assert!(matches!(
            format!("{U1}:5").parse(),
            Ok(SourcePosition::MysqlGtid(_))
        ));
        assert!(matches!(
            "0-1-7".parse(),
            Ok(SourcePosition::MariadbGtid(_))
        ));
        assert!(matches!("0/16B3748".parse(), Ok(SourcePosition::Lsn(_))));
        assert!("".parse::<SourcePosition>().is_err());
        assert!("hello".parse::<SourcePosition>().is_err());
    }
}
