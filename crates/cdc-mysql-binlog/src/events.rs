//! Typed bodies of the non-row events.

use bytes::Bytes;
use cdc_model::{Gtid, GtidSet, GtidTag, MariaGtid, Uuid};

use crate::cursor::Cursor;
use crate::error::{Error, Result};

/// Which checksum the events of a binlog carry, from FORMAT_DESCRIPTION.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumAlg {
    /// No checksum (`binlog_checksum=NONE`).
    Off,
    /// CRC-32 (ISO-HDLC) over the event, 4 bytes little-endian at its end.
    Crc32,
    /// The server predates checksums (before MySQL 5.6.1 / MariaDB 5.3).
    Undefined,
}

/// FORMAT_DESCRIPTION_EVENT: describes the events that follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatDescription {
    /// Binlog format version (4 for MySQL 5.0 and later).
    pub binlog_version: u16,
    /// Server version string (`8.0.32`, `10.11.6-MariaDB-log`).
    pub server_version: String,
    /// When the file was created (seconds since the epoch; 0 when not the first file).
    pub create_timestamp: u32,
    /// Length of the common header (19).
    pub header_len: u8,
    /// Post-header length of each event type, indexed by type code - 1.
    pub post_header_lens: Vec<u8>,
    /// The checksum algorithm of the following events.
    pub checksum: ChecksumAlg,
}

impl FormatDescription {
    /// Post-header length of `type_code` as this server writes it, if described.
    pub fn post_header_len(&self, type_code: u8) -> Option<u8> {
        usize::from(type_code)
            .checked_sub(1)
            .and_then(|i| self.post_header_lens.get(i))
            .copied()
    }

    /// True when the server is MariaDB.
    pub fn is_mariadb(&self) -> bool {
        self.server_version.contains("MariaDB")
    }

    /// (major, minor, patch) of the server version.
    pub fn version(&self) -> (u32, u32, u32) {
        let mut it = self
            .server_version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap_or(0));
        (
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
        )
    }

    /// A description for binlog v4 events with CRC32 checksums and MySQL 8.0's post-header
    /// lengths, for decoding events before (or without) the server's own description.
    pub fn default_v4() -> FormatDescription {
        FormatDescription {
            binlog_version: 4,
            server_version: "8.0.0".into(),
            create_timestamp: 0,
            header_len: 19,
            post_header_lens: vec![
                56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 95, 0, 4, 26, 8, 0, 0, 0, 8, 8, 8, 2,
                0, 0, 0, 10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 0, 0, 0,
            ],
            checksum: ChecksumAlg::Crc32,
        }
    }

    /// Parses the body (after the common header, checksum trailer included when present).
    pub(crate) fn parse(body: &[u8]) -> Result<FormatDescription> {
        let mut c = Cursor::new(body);
        let binlog_version = c.u16()?;
        let raw_version = c.take(50)?;
        let end = raw_version.iter().position(|b| *b == 0).unwrap_or(50);
        let server_version =
            String::from_utf8_lossy(raw_version.get(..end).unwrap_or_default()).into_owned();
        let create_timestamp = c.u32()?;
        let header_len = c.u8()?;
        if header_len as usize != crate::header::HEADER_LEN {
            return Err(Error::malformed(format!(
                "unsupported common header length {header_len}"
            )));
        }
        let mut fde = FormatDescription {
            binlog_version,
            server_version,
            create_timestamp,
            header_len,
            post_header_lens: Vec::new(),
            checksum: ChecksumAlg::Undefined,
        };
        let rest = c.take_rest();
        // Servers that know checksums (MySQL >= 5.6.1, MariaDB >= 5.3) end the body with the
        // algorithm byte, followed by the 4-byte checksum trailer.
        let knows_checksums = if fde.is_mariadb() {
            fde.version() >= (5, 3, 0)
        } else {
            fde.version() >= (5, 6, 1)
        };
        let lens_end = if knows_checksums {
            let alg_at = rest
                .len()
                .checked_sub(1 + crate::header::CHECKSUM_LEN)
                .ok_or_else(|| {
                    Error::malformed("FORMAT_DESCRIPTION too short for its checksum algorithm")
                })?;
            fde.checksum = match rest.get(alg_at) {
                Some(0) => ChecksumAlg::Off,
                Some(1) => ChecksumAlg::Crc32,
                Some(other) => {
                    return Err(Error::malformed(format!(
                        "unknown checksum algorithm {other}"
                    )));
                }
                None => ChecksumAlg::Undefined,
            };
            alg_at
        } else {
            rest.len()
        };
        fde.post_header_lens = rest.get(..lens_end).unwrap_or_default().to_vec();
        Ok(fde)
    }
}

/// ROTATE_EVENT: the stream continues in another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotate {
    /// Offset in the next file.
    pub position: u64,
    /// Name of the next file.
    pub next_file: String,
}

impl Rotate {
    pub(crate) fn parse(body: &[u8]) -> Result<Rotate> {
        let mut c = Cursor::new(body);
        let position = c.u64()?;
        let next_file = String::from_utf8_lossy(c.take_rest()).into_owned();
        Ok(Rotate {
            position,
            next_file,
        })
    }
}

/// The status variables of a QUERY event that this decoder understands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryStatus {
    /// `Q_FLAGS2_CODE`: session option bits.
    pub flags2: Option<u32>,
    /// `Q_SQL_MODE_CODE`.
    pub sql_mode: Option<u64>,
    /// `Q_CATALOG_NZ_CODE` (or the old `Q_CATALOG_CODE`).
    pub catalog: Option<String>,
    /// `Q_AUTO_INCREMENT`: (increment, offset).
    pub auto_increment: Option<(u16, u16)>,
    /// `Q_CHARSET_CODE`: (character_set_client, collation_connection, collation_server) ids.
    pub charset: Option<(u16, u16, u16)>,
    /// `Q_TIME_ZONE_CODE`.
    pub time_zone: Option<String>,
    /// `Q_LC_TIME_NAMES_CODE`.
    pub lc_time_names: Option<u16>,
    /// `Q_CHARSET_DATABASE_CODE`: collation of the default database.
    pub charset_database: Option<u16>,
    /// `Q_TABLE_MAP_FOR_UPDATE_CODE`.
    pub table_map_for_update: Option<u64>,
    /// `Q_INVOKER`: (user, host).
    pub invoker: Option<(String, String)>,
    /// `Q_UPDATED_DB_NAMES`: databases the statement changed (`None` also when over 16).
    pub updated_db_names: Option<Vec<String>>,
    /// `Q_MICROSECONDS`: fraction of the start time.
    pub microseconds: Option<u32>,
    /// `Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP`.
    pub explicit_defaults_for_timestamp: Option<bool>,
    /// `Q_DDL_LOGGED_WITH_XID`: the XID of an atomic DDL.
    pub ddl_xid: Option<u64>,
    /// `Q_DEFAULT_COLLATION_FOR_UTF8MB4`.
    pub default_collation_for_utf8mb4: Option<u16>,
    /// `Q_SQL_REQUIRE_PRIMARY_KEY`.
    pub sql_require_primary_key: Option<u8>,
    /// `Q_DEFAULT_TABLE_ENCRYPTION`.
    pub default_table_encryption: Option<u8>,
    /// MariaDB `Q_HRNOW`: microseconds of the start time.
    pub hrnow: Option<u32>,
    /// MariaDB `Q_XID`.
    pub xid: Option<u64>,
    /// A status variable code this decoder does not know; the remaining variables were not
    /// read (their lengths are unknown), the statement itself is unaffected.
    pub unknown_code: Option<u8>,
}

/// QUERY_EVENT (and MariaDB QUERY_COMPRESSED_EVENT, decompressed): a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Thread id of the session.
    pub thread_id: u32,
    /// Seconds the statement took.
    pub exec_time: u32,
    /// Error code the statement ended with on the source (usually 0).
    pub error_code: u16,
    /// Default database (may be empty).
    pub schema: String,
    /// The statement text as the server logged it (bytes in the session's character set).
    pub query: Bytes,
    /// Status variables.
    pub status: QueryStatus,
}

impl Query {
    /// The statement as UTF-8, with U+FFFD for invalid bytes.
    pub fn query_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.query)
    }

    /// `BEGIN`, `COMMIT`, `ROLLBACK` or `XA ...` transaction control rather than DDL/DML.
    pub fn is_transaction_control(&self) -> bool {
        let q = self.query_text();
        let q = q.trim_start();
        let word: String = q
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_uppercase();
        matches!(
            word.as_str(),
            "BEGIN" | "COMMIT" | "ROLLBACK" | "XA" | "SAVEPOINT" | "RELEASE"
        )
    }

    /// Parses a QUERY body; `query` is the statement text (already decompressed for MariaDB's
    /// compressed variant by the caller when `compressed`).
    pub(crate) fn parse(body: &Bytes, post_header_len: usize, compressed: bool) -> Result<Query> {
        let mut c = Cursor::new(body);
        let thread_id = c.u32()?;
        let exec_time = c.u32()?;
        let db_len = usize::from(c.u8()?);
        let error_code = c.u16()?;
        let status_len = if post_header_len >= 13 {
            usize::from(c.u16()?)
        } else {
            0
        };
        if post_header_len > 13 {
            c.skip(post_header_len - 13)?;
        }
        if status_len > c.remaining() {
            return Err(Error::malformed(format!(
                "QUERY status variables claim {status_len} bytes, only {} are left",
                c.remaining()
            )));
        }
        let status = parse_status(c.take(status_len)?)?;
        let schema = String::from_utf8_lossy(c.take(db_len)?).into_owned();
        c.skip(1)?; // NUL after the database name
        let start = c.position();
        let query = if compressed {
            Bytes::from(crate::compress::maria_uncompress(c.take_rest())?)
        } else {
            body.slice(start..)
        };
        Ok(Query {
            thread_id,
            exec_time,
            error_code,
            schema,
            query,
            status,
        })
    }
}

fn short_string(c: &mut Cursor<'_>) -> Result<String> {
    let n = usize::from(c.u8()?);
    Ok(String::from_utf8_lossy(c.take(n)?).into_owned())
}

fn parse_status(buf: &[u8]) -> Result<QueryStatus> {
    let mut s = QueryStatus::default();
    let mut c = Cursor::new(buf);
    while !c.is_empty() {
        let code = c.u8()?;
        match code {
            0 => s.flags2 = Some(c.u32()?),
            1 => s.sql_mode = Some(c.u64()?),
            2 => {
                s.catalog = Some(short_string(&mut c)?);
                c.skip(1)?;
            }
            3 => s.auto_increment = Some((c.u16()?, c.u16()?)),
            4 => s.charset = Some((c.u16()?, c.u16()?, c.u16()?)),
            5 => s.time_zone = Some(short_string(&mut c)?),
            6 => s.catalog = Some(short_string(&mut c)?),
            7 => s.lc_time_names = Some(c.u16()?),
            8 => s.charset_database = Some(c.u16()?),
            9 => s.table_map_for_update = Some(c.u64()?),
            10 => {
                c.u32()?;
            }
            11 => s.invoker = Some((short_string(&mut c)?, short_string(&mut c)?)),
            12 => {
                let n = c.u8()?;
                if n == 254 {
                    s.updated_db_names = None;
                } else {
                    let mut names = Vec::with_capacity(usize::from(n));
                    for _ in 0..n {
                        let rest = c.rest();
                        let len = rest.iter().position(|b| *b == 0).ok_or_else(|| {
                            Error::malformed("unterminated database name in Q_UPDATED_DB_NAMES")
                        })?;
                        names.push(String::from_utf8_lossy(c.take(len)?).into_owned());
                        c.skip(1)?;
                    }
                    s.updated_db_names = Some(names);
                }
            }
            13 => s.microseconds = Some(c.u24()?),
            16 => s.explicit_defaults_for_timestamp = Some(c.u8()? != 0),
            17 => s.ddl_xid = Some(c.u64()?),
            18 => s.default_collation_for_utf8mb4 = Some(c.u16()?),
            19 => s.sql_require_primary_key = Some(c.u8()?),
            20 => s.default_table_encryption = Some(c.u8()?),
            128 => s.hrnow = Some(c.u24()?),
            129 => s.xid = Some(c.u64()?),
            other => {
                s.unknown_code = Some(other);
                break;
            }
        }
    }
    Ok(s)
}

/// Logical clock of a MySQL GTID event (for parallel replication).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LogicalClock {
    /// Sequence number of the last transaction this one depends on.
    pub last_committed: i64,
    /// This transaction's sequence number.
    pub sequence_number: i64,
}

/// MySQL GTID_LOG_EVENT, ANONYMOUS_GTID_LOG_EVENT or GTID_TAGGED_LOG_EVENT: the next
/// transaction's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GtidEvent {
    /// The GTID; `None` for an anonymous transaction.
    pub gtid: Option<Gtid>,
    /// Commit flag byte (bit 0: may have been committed without locking).
    pub flags: u8,
    /// Logical clock, when logged.
    pub logical_clock: Option<LogicalClock>,
    /// Commit time on the server that wrote this binlog (µs since the epoch), MySQL 8.0.1+.
    pub immediate_commit_timestamp: Option<u64>,
    /// Commit time on the original source (µs since the epoch), when it differs.
    pub original_commit_timestamp: Option<u64>,
    /// Total size of the transaction's events in bytes, MySQL 8.0.2+.
    pub transaction_length: Option<u64>,
    /// Version of the server that wrote this binlog (`80032` for 8.0.32).
    pub immediate_server_version: Option<u32>,
    /// Version of the original source.
    pub original_server_version: Option<u32>,
}

impl GtidEvent {
    /// Parses GTID_LOG_EVENT / ANONYMOUS_GTID_LOG_EVENT.
    pub(crate) fn parse(body: &[u8], anonymous: bool) -> Result<GtidEvent> {
        let mut c = Cursor::new(body);
        let flags = c.u8()?;
        let sid = Uuid(c.array()?);
        let gno = c.u64()?;
        let mut ev = GtidEvent {
            gtid: (!anonymous).then_some(Gtid {
                source: sid,
                tag: None,
                gno,
            }),
            flags,
            logical_clock: None,
            immediate_commit_timestamp: None,
            original_commit_timestamp: None,
            transaction_length: None,
            immediate_server_version: None,
            original_server_version: None,
        };
        if let Some(g) = &ev.gtid
            && !(1..=cdc_model::GNO_MAX).contains(&g.gno)
        {
            return Err(Error::malformed(format!(
                "GTID transaction number {} out of range",
                g.gno
            )));
        }
        // logical timestamps: type code 2, then two 8-byte numbers
        if c.remaining() >= 17 && c.rest().first() == Some(&2) {
            c.u8()?;
            ev.logical_clock = Some(LogicalClock {
                last_committed: c.u64()? as i64,
                sequence_number: c.u64()? as i64,
            });
        }
        if c.remaining() >= 7 {
            let immediate = c.uint_n(7)?;
            let has_original = immediate & (1 << 55) != 0;
            let immediate = immediate & !(1 << 55);
            ev.immediate_commit_timestamp = Some(immediate);
            ev.original_commit_timestamp = Some(if has_original {
                c.uint_n(7)?
            } else {
                immediate
            });
            if !c.is_empty() {
                ev.transaction_length = Some(c.packed_int()?);
            }
            if c.remaining() >= 4 {
                let v = c.u32()?;
                let has_original = v & (1 << 31) != 0;
                let v = v & !(1 << 31);
                ev.immediate_server_version = Some(v);
                ev.original_server_version = Some(if has_original { c.u32()? } else { v });
            }
        }
        Ok(ev)
    }

    /// Parses GTID_TAGGED_LOG_EVENT (MySQL 8.4), which uses MySQL's newer self-describing
    /// serialization: a message of numbered fields with variable-length integers.
    pub(crate) fn parse_tagged(body: &[u8]) -> Result<GtidEvent> {
        crate::serialization::parse_tagged_gtid(body)
    }
}

/// PREVIOUS_GTIDS_LOG_EVENT: the GTIDs of all earlier binlog files.
pub(crate) fn parse_previous_gtids(body: &[u8]) -> Result<GtidSet> {
    let mut c = Cursor::new(body);
    let head = c.u64()?;
    // MySQL 8.4 tagged form: format byte 1 first and last, the source count in the six bytes
    // between. The untagged form is a plain count, so its last byte is 0.
    let tagged = head >> 56 == 1;
    let n_sids = if tagged {
        (head >> 8) & 0xffff_ffff_ffff
    } else {
        head
    };
    if !tagged && head >> 56 != 0 {
        return Err(Error::malformed(format!(
            "unknown PREVIOUS_GTIDS format {}",
            head >> 56
        )));
    }
    let mut set = GtidSet::new();
    for _ in 0..n_sids {
        let uuid = Uuid(c.array()?);
        let tag = if tagged {
            let len = crate::serialization::read_varlen_u64(&mut c)?;
            let len = usize::try_from(len).map_err(|_| Error::malformed("tag length"))?;
            let text = c.take(len)?;
            if text.is_empty() {
                None
            } else {
                let text = std::str::from_utf8(text)
                    .map_err(|_| Error::malformed("GTID tag is not UTF-8"))?;
                Some(GtidTag::new(text).map_err(|e| Error::malformed(e.to_string()))?)
            }
        } else {
            None
        };
        let n_intervals = c.u64()?;
        for _ in 0..n_intervals {
            let start = c.u64()?;
            let end_exclusive = c.u64()?;
            let end = end_exclusive
                .checked_sub(1)
                .ok_or_else(|| Error::malformed("empty GTID interval"))?;
            set.add(uuid, tag.as_ref(), start, end)
                .map_err(|e| Error::malformed(e.to_string()))?;
        }
    }
    Ok(set)
}

/// MariaDB GTID_EVENT flag bits (`flags2`).
pub mod maria_gtid_flags {
    /// The transaction has no BEGIN/COMMIT (DDL, non-transactional).
    pub const STANDALONE: u8 = 1;
    /// A group-commit id follows.
    pub const GROUP_COMMIT_ID: u8 = 2;
    /// The transaction is transactional (can be rolled back).
    pub const TRANSACTIONAL: u8 = 4;
    /// The transaction may be applied in parallel.
    pub const ALLOW_PARALLEL: u8 = 8;
    /// The transaction waited for a lock on the source.
    pub const WAITED: u8 = 16;
    /// The transaction is DDL.
    pub const DDL: u8 = 32;
    /// XA PREPARE.
    pub const PREPARED_XA: u8 = 64;
    /// XA COMMIT/ROLLBACK.
    pub const COMPLETED_XA: u8 = 128;
}

/// An XA transaction id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XaId {
    /// formatID.
    pub format_id: u32,
    /// Global transaction id bytes.
    pub gtrid: Bytes,
    /// Branch qualifier bytes.
    pub bqual: Bytes,
}

/// MariaDB GTID_EVENT: the next transaction's GTID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MariaGtidEvent {
    /// The GTID (server id from the event header).
    pub gtid: MariaGtid,
    /// Flags (`maria_gtid_flags`).
    pub flags: u8,
    /// Group-commit id, when logged.
    pub commit_id: Option<u64>,
    /// XA id, for XA transactions.
    pub xid: Option<XaId>,
}

impl MariaGtidEvent {
    /// True when the transaction has no BEGIN/COMMIT around it.
    pub fn is_standalone(&self) -> bool {
        self.flags & maria_gtid_flags::STANDALONE != 0
    }

    pub(crate) fn parse(body: &Bytes, server_id: u32) -> Result<MariaGtidEvent> {
        let mut c = Cursor::new(body);
        let sequence = c.u64()?;
        let domain = c.u32()?;
        let flags = c.u8()?;
        let mut ev = MariaGtidEvent {
            gtid: MariaGtid {
                domain,
                server_id,
                sequence,
            },
            flags,
            commit_id: None,
            xid: None,
        };
        if flags & maria_gtid_flags::GROUP_COMMIT_ID != 0 {
            ev.commit_id = Some(c.u64()?);
        }
        if flags & (maria_gtid_flags::PREPARED_XA | maria_gtid_flags::COMPLETED_XA) != 0 {
            let format_id = c.u32()?;
            let gtrid_len = usize::from(c.u8()?);
            let bqual_len = usize::from(c.u8()?);
            let g = c.take_range(gtrid_len)?;
            let b = c.take_range(bqual_len)?;
            ev.xid = Some(XaId {
                format_id,
                gtrid: body.slice(g),
                bqual: body.slice(b),
            });
        }
        Ok(ev)
    }
}

/// MariaDB GTID_LIST_EVENT: the binlog state at the start of a file.
pub(crate) fn parse_maria_gtid_list(body: &[u8]) -> Result<Vec<MariaGtid>> {
    let mut c = Cursor::new(body);
    let count = c.u32()? & 0x0fff_ffff;
    let mut out = Vec::with_capacity((count as usize).min(c.remaining() / 16));
    for _ in 0..count {
        out.push(MariaGtid {
            domain: c.u32()?,
            server_id: c.u32()?,
            sequence: c.u64()?,
        });
    }
    Ok(out)
}

/// USER_VAR_EVENT: a user variable a statement-based event used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserVar {
    /// Variable name.
    pub name: String,
    /// `None` for NULL; otherwise (value type, charset id, raw value bytes, flags).
    pub value: Option<UserVarValue>,
}

/// A non-NULL user variable value as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserVarValue {
    /// Item result type: 0 string, 1 real, 2 int, 4 decimal.
    pub value_type: u8,
    /// Collation id.
    pub charset: u32,
    /// Raw value bytes.
    pub bytes: Bytes,
    /// Flags (bit 0: unsigned).
    pub flags: u8,
}

impl UserVar {
    pub(crate) fn parse(body: &Bytes) -> Result<UserVar> {
        let mut c = Cursor::new(body);
        let name_len = c.u32()? as usize;
        let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
        let is_null = c.u8()? != 0;
        if is_null {
            return Ok(UserVar { name, value: None });
        }
        let value_type = c.u8()?;
        let charset = c.u32()?;
        let len = c.u32()? as usize;
        let r = c.take_range(len)?;
        let flags = if c.is_empty() { 0 } else { c.u8()? };
        Ok(UserVar {
            name,
            value: Some(UserVarValue {
                value_type,
                charset,
                bytes: body.slice(r),
                flags,
            }),
        })
    }
}

/// XA_PREPARE_LOG_EVENT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XaPrepare {
    /// `XA COMMIT ... ONE PHASE`.
    pub one_phase: bool,
    /// The XA id.
    pub xid: XaId,
}

impl XaPrepare {
    pub(crate) fn parse(body: &Bytes) -> Result<XaPrepare> {
        let mut c = Cursor::new(body);
        let one_phase = c.u8()? != 0;
        let format_id = c.u32()?;
        let gtrid_len = c.u32()? as usize;
        let bqual_len = c.u32()? as usize;
        if gtrid_len > 64 || bqual_len > 64 {
            return Err(Error::malformed("XA id parts are at most 64 bytes"));
        }
        let g = c.take_range(gtrid_len)?;
        let b = c.take_range(bqual_len)?;
        Ok(XaPrepare {
            one_phase,
            xid: XaId {
                format_id,
                gtrid: body.slice(g),
                bqual: body.slice(b),
            },
        })
    }
}
