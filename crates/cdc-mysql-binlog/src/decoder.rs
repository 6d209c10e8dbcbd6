//! The decoder: turns whole events (bytes) into typed [`Event`]s, keeping the state binlog
//! decoding needs (the format description, the table maps, supplied schemas).

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use cdc_model::{Charset, ColumnType, GtidSet, MariaGtid, TableSchema};

use crate::codes;
use crate::column::{ColumnDesc, types};
use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind, Result};
use crate::events::{
    ChecksumAlg, FormatDescription, GtidEvent, MariaGtidEvent, Query, Rotate, UserVar, XaPrepare,
    parse_maria_gtid_list, parse_previous_gtids,
};
use crate::header::{CHECKSUM_LEN, EventHeader, FLAG_IGNORABLE, HEADER_LEN, verify_checksum};
use crate::rows::{RowsEvent, RowsKind, TableMap};

/// A decoded event: where it was, its header, and its typed body.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Byte offset of the event's first byte in its file (or in the payload that held it).
    pub offset: u64,
    /// The common header.
    pub header: EventHeader,
    /// The body.
    pub data: EventData,
}

/// The typed body of an event.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// FORMAT_DESCRIPTION_EVENT.
    FormatDescription(FormatDescription),
    /// ROTATE_EVENT.
    Rotate(Rotate),
    /// STOP_EVENT: the server stopped.
    Stop,
    /// QUERY_EVENT / QUERY_COMPRESSED_EVENT (boxed: it is twice the size of the other events,
    /// and every event would otherwise pay for it when moved).
    Query(Box<Query>),
    /// XID_EVENT: commit of an InnoDB transaction, with its XID.
    Xid(u64),
    /// INTVAR_EVENT: (type, value) of LAST_INSERT_ID (1) or INSERT_ID (2).
    Intvar {
        /// 1 = LAST_INSERT_ID, 2 = INSERT_ID.
        kind: u8,
        /// The value.
        value: u64,
    },
    /// RAND_EVENT: the seeds of RAND().
    Rand {
        /// First seed.
        seed1: u64,
        /// Second seed.
        seed2: u64,
    },
    /// USER_VAR_EVENT.
    UserVar(UserVar),
    /// TABLE_MAP_EVENT.
    TableMap(Arc<TableMap>),
    /// WRITE/UPDATE/DELETE/PARTIAL_UPDATE rows events (v1, v2, MariaDB compressed).
    Rows(RowsEvent),
    /// ROWS_QUERY_LOG_EVENT: the statement behind the following row events.
    RowsQuery(Bytes),
    /// MySQL GTID, anonymous GTID or tagged GTID event.
    Gtid(GtidEvent),
    /// PREVIOUS_GTIDS_LOG_EVENT.
    PreviousGtids(GtidSet),
    /// XA_PREPARE_LOG_EVENT.
    XaPrepare(XaPrepare),
    /// INCIDENT_EVENT: something happened on the source that replicas must know.
    Incident {
        /// Incident number.
        kind: u16,
        /// Message.
        message: String,
    },
    /// HEARTBEAT_LOG_EVENT (v1: the current file name) or v2 (file name and position).
    Heartbeat {
        /// Current binlog file.
        file: String,
        /// Position, when the v2 event carries it.
        position: Option<u64>,
    },
    /// TRANSACTION_PAYLOAD_EVENT: a compressed transaction; decode its events with
    /// [`Decoder::payload_events`].
    TransactionPayload(TransactionPayload),
    /// MariaDB GTID_EVENT.
    MariaGtid(MariaGtidEvent),
    /// MariaDB GTID_LIST_EVENT.
    MariaGtidList(Vec<MariaGtid>),
    /// MariaDB BINLOG_CHECKPOINT_EVENT: the oldest file still needed for crash recovery.
    BinlogCheckpoint(String),
    /// MariaDB ANNOTATE_ROWS_EVENT: the statement behind the following row events.
    AnnotateRows(Bytes),
    /// MariaDB START_ENCRYPTION_EVENT: the rest of the file is encrypted.
    StartEncryption {
        /// Encryption scheme.
        scheme: u8,
        /// Key version.
        key_version: u32,
    },
    /// An event of a known type that carries no row changes and is not decoded further
    /// (legacy LOAD DATA events, TRANSACTION_CONTEXT, VIEW_CHANGE, IGNORABLE ...), or an unknown
    /// type flagged as ignorable.
    Skipped {
        /// Its type code.
        type_code: u8,
        /// Its body.
        body: Bytes,
    },
}

/// A TRANSACTION_PAYLOAD_EVENT's header and still-compressed payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionPayload {
    /// Compression: 0 = zstd, 255 = none.
    pub compression: u64,
    /// Size of the payload once decompressed.
    pub uncompressed_size: u64,
    /// The (compressed) payload: events without checksums.
    pub payload: Bytes,
}

/// What to do with an event type the decoder does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UnknownEvents {
    /// Skip it only when the server flagged it ignorable; otherwise fail (a silent drop could
    /// lose row changes). The default.
    #[default]
    FailUnlessIgnorable,
    /// Skip every unknown event, returning it as [`EventData::Skipped`].
    Skip,
}

/// Decodes events one at a time; holds the format description and table maps between them.
///
/// ```
/// use cdc_mysql_binlog::Decoder;
/// let mut dec = Decoder::new();
/// assert!(dec.verify_checksums());
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    fde: FormatDescription,
    /// The FDE's server numbered row events the pre-GA 5.1/5.2 way (cached: needed per event).
    pre_ga_numbering: bool,
    tables: HashMap<u64, Arc<TableMap>>,
    /// The most recent TABLE_MAP, which the next rows event almost always uses.
    last_table: Option<Arc<TableMap>>,
    /// The body each cached table map was parsed from: servers repeat the same TABLE_MAP in
    /// every transaction, and an identical body maps to the same `TableMap`.
    table_bodies: HashMap<u64, Bytes>,
    schemas: HashMap<(String, String), Arc<TableSchema>>,
    verify: bool,
    unknown: UnknownEvents,
    encrypted: bool,
    file: Option<String>,
    follow_rotations: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder expecting a binlog v4 stream with CRC32 checksums until a
    /// FORMAT_DESCRIPTION event says otherwise.
    pub fn new() -> Decoder {
        Decoder {
            fde: FormatDescription::default_v4(),
            pre_ga_numbering: false,
            tables: HashMap::new(),
            last_table: None,
            table_bodies: HashMap::new(),
            schemas: HashMap::new(),
            verify: true,
            unknown: UnknownEvents::default(),
            encrypted: false,
            file: None,
            follow_rotations: true,
        }
    }

    /// Whether CRC32 checksums are verified (on by default).
    pub fn verify_checksums(&self) -> bool {
        self.verify
    }

    /// Turns checksum verification on or off.
    pub fn set_verify_checksums(&mut self, on: bool) {
        self.verify = on;
    }

    /// Sets what happens to unknown event types.
    pub fn set_unknown_events(&mut self, policy: UnknownEvents) {
        self.unknown = policy;
    }

    /// The format description in force.
    pub fn format(&self) -> &FormatDescription {
        &self.fde
    }

    /// The binlog file name used in error positions (set by ROTATE events, or by the caller).
    pub fn set_file(&mut self, name: impl Into<String>) {
        self.file = Some(name.into());
    }

    /// Whether ROTATE events change the file name used in errors (on by default, as in a
    /// replication stream). File readers turn it off: their offsets are offsets in the file
    /// they read, whatever file a relay log's ROTATE events name.
    pub fn set_follow_rotations(&mut self, on: bool) {
        self.follow_rotations = on;
    }

    /// The current file name, if known.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The table map for `table_id`, if one was seen.
    pub fn table(&self, table_id: u64) -> Option<&Arc<TableMap>> {
        self.tables.get(&table_id)
    }

    /// Supplies a table's schema (from the catalog or a schema history), used to fill what
    /// TABLE_MAP does not log: column names, signedness, character sets and ENUM/SET labels
    /// when `binlog_row_metadata=MINIMAL`. TABLE_MAP's own metadata wins where both exist.
    pub fn supply_schema(&mut self, schema: Arc<TableSchema>) {
        self.table_bodies.clear();
        self.schemas
            .insert((schema.id.schema.clone(), schema.id.name.clone()), schema);
    }

    /// Decodes one whole event (header, body and checksum) that started at `offset`.
    pub fn decode(&mut self, raw: Bytes, offset: u64) -> Result<Event> {
        let has_checksum = self.fde.checksum == ChecksumAlg::Crc32;
        self.decode_inner(raw, offset, has_checksum).map_err(|e| {
            let e = e.at_offset(offset);
            match &self.file {
                Some(f) => e.in_file(f),
                None => e,
            }
        })
    }

    fn decode_inner(&mut self, raw: Bytes, offset: u64, has_checksum: bool) -> Result<Event> {
        let mut header = EventHeader::parse(&raw)?;
        let size = header.event_size as usize;
        if raw.len() != size {
            return Err(Error::new(ErrorKind::Truncated {
                needed: size,
                available: raw.len(),
            })
            .in_event(header.type_code));
        }
        if self.encrypted {
            return Err(Error::new(ErrorKind::Encrypted));
        }
        if header.type_code == codes::FORMAT_DESCRIPTION {
            // It carries its own checksum algorithm (and, when it has the algorithm byte, a
            // 4-byte checksum field even with checksums off).
            let fde = FormatDescription::parse(raw.get(HEADER_LEN..).unwrap_or_default())
                .map_err(|e| e.in_event(header.type_code))?;
            if fde.checksum == ChecksumAlg::Crc32 && self.verify {
                verify_checksum(&raw).map_err(|e| e.in_event(header.type_code))?;
            }
            self.fde = fde.clone();
            self.pre_ga_numbering = pre_ga_numbering(&self.fde);
            // A new file (or a restarted server) starts its table ids afresh.
            self.tables.clear();
            self.table_bodies.clear();
            self.last_table = None;
            return Ok(Event {
                offset,
                header,
                data: EventData::FormatDescription(fde),
            });
        }
        if has_checksum && self.verify {
            verify_checksum(&raw).map_err(|e| e.in_event(header.type_code))?;
        }
        let body_end = if has_checksum {
            size.checked_sub(CHECKSUM_LEN)
                .filter(|n| *n >= HEADER_LEN)
                .ok_or_else(|| Error::malformed("event too short for its checksum"))?
        } else {
            size
        };
        let body = raw.slice(HEADER_LEN..body_end);
        let data = self
            .decode_body(&header, body)
            .map_err(|e| e.in_event(self.standard_type(header.type_code)))?;
        header.type_code = self.standard_type(header.type_code);
        Ok(Event {
            offset,
            header,
            data,
        })
    }

    fn post_header_len(&self, type_code: u8, default: u8) -> u8 {
        self.fde.post_header_len(type_code).unwrap_or(default)
    }

    /// The standard type code of a raw code. Pre-GA servers 5.1.0–5.1.15 and 5.2.0–5.2.2 used
    /// another numbering for the row-based events (as MySQL's own reader knows).
    fn standard_type(&self, raw: u8) -> u8 {
        if !self.pre_ga_numbering {
            return raw;
        }
        match raw {
            16 => codes::TABLE_MAP,
            17 => codes::PRE_GA_WRITE_ROWS,
            18 => codes::PRE_GA_UPDATE_ROWS,
            19 => codes::PRE_GA_DELETE_ROWS,
            20 => codes::XID,
            21 => codes::BEGIN_LOAD_QUERY,
            22 => codes::EXECUTE_LOAD_QUERY,
            other => other,
        }
    }

    fn decode_body(&mut self, header: &EventHeader, body: Bytes) -> Result<EventData> {
        use codes::*;
        let raw = header.type_code;
        let code = self.standard_type(raw);
        let mut c = Cursor::new(&body);
        Ok(match code {
            ROTATE => {
                let r = Rotate::parse(&body)?;
                if self.follow_rotations {
                    self.file = Some(r.next_file.clone());
                }
                EventData::Rotate(r)
            }
            STOP => EventData::Stop,
            QUERY | MARIA_QUERY_COMPRESSED => {
                let ph = usize::from(self.post_header_len(raw, 13));
                EventData::Query(Box::new(Query::parse(
                    &body,
                    ph,
                    code == MARIA_QUERY_COMPRESSED,
                )?))
            }
            XID => EventData::Xid(c.u64()?),
            INTVAR => EventData::Intvar {
                kind: c.u8()?,
                value: c.u64()?,
            },
            RAND => EventData::Rand {
                seed1: c.u64()?,
                seed2: c.u64()?,
            },
            USER_VAR => EventData::UserVar(UserVar::parse(&body)?),
            TABLE_MAP => {
                let ph = self.post_header_len(raw, 8);
                let id_len = if ph == 6 { 4 } else { 6 };
                let id = body.get(..id_len).map(|b| {
                    b.iter()
                        .rev()
                        .fold(0u64, |acc, x| (acc << 8) | u64::from(*x))
                });
                if let Some(id) = id
                    && self.table_bodies.get(&id) == Some(&body)
                    && let Some(tm) = self.tables.get(&id)
                {
                    self.last_table = Some(tm.clone());
                    return Ok(EventData::TableMap(tm.clone()));
                }
                let mut tm = TableMap::parse(&body, ph)?;
                if let Some(schema) = self.schemas.get(&(tm.schema.clone(), tm.table.clone())) {
                    enrich(&mut tm, schema);
                }
                let tm = Arc::new(tm);
                self.tables.insert(tm.table_id, tm.clone());
                self.last_table = Some(tm.clone());
                self.table_bodies.insert(tm.table_id, body.clone());
                EventData::TableMap(tm)
            }
            WRITE_ROWS_V1
            | UPDATE_ROWS_V1
            | DELETE_ROWS_V1
            | WRITE_ROWS_V2
            | UPDATE_ROWS_V2
            | DELETE_ROWS_V2
            | PARTIAL_UPDATE_ROWS
            | PRE_GA_WRITE_ROWS
            | PRE_GA_UPDATE_ROWS
            | PRE_GA_DELETE_ROWS
            | MARIA_WRITE_ROWS_COMPRESSED_V0
            | MARIA_UPDATE_ROWS_COMPRESSED_V0
            | MARIA_DELETE_ROWS_COMPRESSED_V0
            | MARIA_WRITE_ROWS_COMPRESSED_V1
            | MARIA_UPDATE_ROWS_COMPRESSED_V1
            | MARIA_DELETE_ROWS_COMPRESSED_V1 => {
                let (kind, v2, compressed) = match code {
                    WRITE_ROWS_V1 | PRE_GA_WRITE_ROWS => (RowsKind::Write, false, false),
                    UPDATE_ROWS_V1 | PRE_GA_UPDATE_ROWS => (RowsKind::Update, false, false),
                    DELETE_ROWS_V1 | PRE_GA_DELETE_ROWS => (RowsKind::Delete, false, false),
                    WRITE_ROWS_V2 => (RowsKind::Write, true, false),
                    UPDATE_ROWS_V2 => (RowsKind::Update, true, false),
                    DELETE_ROWS_V2 => (RowsKind::Delete, true, false),
                    PARTIAL_UPDATE_ROWS => (RowsKind::PartialUpdate, true, false),
                    MARIA_WRITE_ROWS_COMPRESSED_V0 => (RowsKind::Write, false, true),
                    MARIA_UPDATE_ROWS_COMPRESSED_V0 => (RowsKind::Update, false, true),
                    MARIA_DELETE_ROWS_COMPRESSED_V0 => (RowsKind::Delete, false, true),
                    // the "v1" compressed codes carry the v2 post-header (extra-data length)
                    MARIA_WRITE_ROWS_COMPRESSED_V1 => (RowsKind::Write, true, true),
                    MARIA_UPDATE_ROWS_COMPRESSED_V1 => (RowsKind::Update, true, true),
                    _ => (RowsKind::Delete, true, true),
                };
                let ph = self.post_header_len(raw, if v2 { 10 } else { 8 });
                let tables = &self.tables;
                let last = &self.last_table;
                let ev = RowsEvent::parse(
                    &body,
                    kind,
                    v2,
                    ph,
                    |id| match last {
                        // rows events nearly always follow their own TABLE_MAP
                        Some(t) if t.table_id == id => Ok(t.clone()),
                        _ => tables
                            .get(&id)
                            .cloned()
                            .ok_or_else(|| Error::new(ErrorKind::UnknownTable(id))),
                    },
                    compressed,
                    matches!(
                        code,
                        PRE_GA_WRITE_ROWS | PRE_GA_UPDATE_ROWS | PRE_GA_DELETE_ROWS
                    ),
                )?;
                EventData::Rows(ev)
            }
            ROWS_QUERY => {
                // one length byte (truncated to 255; ignored), then the whole statement
                c.skip(1)?;
                EventData::RowsQuery(body.slice(1..))
            }
            GTID | ANONYMOUS_GTID => {
                EventData::Gtid(GtidEvent::parse(&body, code == ANONYMOUS_GTID)?)
            }
            GTID_TAGGED => EventData::Gtid(GtidEvent::parse_tagged(&body)?),
            PREVIOUS_GTIDS => EventData::PreviousGtids(parse_previous_gtids(&body)?),
            XA_PREPARE => EventData::XaPrepare(XaPrepare::parse(&body)?),
            INCIDENT => {
                let kind = c.u16()?;
                let message = if c.is_empty() {
                    String::new()
                } else {
                    let n = usize::from(c.u8()?);
                    String::from_utf8_lossy(c.take(n)?).into_owned()
                };
                EventData::Incident { kind, message }
            }
            HEARTBEAT => EventData::Heartbeat {
                file: String::from_utf8_lossy(&body).into_owned(),
                position: None,
            },
            HEARTBEAT_V2 => parse_heartbeat_v2(&body)?,
            TRANSACTION_PAYLOAD => EventData::TransactionPayload(parse_payload_header(&body)?),
            MARIA_GTID => EventData::MariaGtid(MariaGtidEvent::parse(&body, header.server_id)?),
            MARIA_GTID_LIST => EventData::MariaGtidList(parse_maria_gtid_list(&body)?),
            MARIA_BINLOG_CHECKPOINT => {
                let n = c.u32()? as usize;
                EventData::BinlogCheckpoint(String::from_utf8_lossy(c.take(n)?).into_owned())
            }
            MARIA_ANNOTATE_ROWS => EventData::AnnotateRows(body),
            MARIA_START_ENCRYPTION => {
                let scheme = c.u8()?;
                let key_version = c.u32()?;
                self.encrypted = true;
                EventData::StartEncryption {
                    scheme,
                    key_version,
                }
            }
            START_V3
            | LOAD
            | SLAVE
            | CREATE_FILE
            | APPEND_BLOCK
            | EXEC_LOAD
            | DELETE_FILE
            | NEW_LOAD
            | BEGIN_LOAD_QUERY
            | EXECUTE_LOAD_QUERY
            | IGNORABLE
            | TRANSACTION_CONTEXT
            | VIEW_CHANGE
            | MARIA_PARTIAL_ROW_DATA => EventData::Skipped {
                type_code: code,
                body,
            },
            _ => {
                if header.flags & FLAG_IGNORABLE != 0 || self.unknown == UnknownEvents::Skip {
                    EventData::Skipped {
                        type_code: code,
                        body,
                    }
                } else {
                    return Err(Error::new(ErrorKind::UnknownEvent(code)));
                }
            }
        })
    }

    /// Decodes the events inside a TRANSACTION_PAYLOAD_EVENT. The payload is decompressed as a
    /// stream, one event at a time, so a large transaction is never inflated whole.
    pub fn payload_events<'a>(&'a mut self, payload: &'a TransactionPayload) -> PayloadEvents<'a> {
        let source: Box<dyn Read + 'a> = match payload.compression {
            0 => match ruzstd::decoding::StreamingDecoder::new(&payload.payload[..]) {
                Ok(d) => Box::new(d),
                Err(e) => {
                    return PayloadEvents {
                        decoder: self,
                        source: None,
                        offset: 0,
                        error: Some(Error::new(ErrorKind::Decompress(e.to_string()))),
                    };
                }
            },
            255 => Box::new(&payload.payload[..]),
            other => {
                return PayloadEvents {
                    decoder: self,
                    source: None,
                    offset: 0,
                    error: Some(Error::malformed(format!(
                        "unknown transaction payload compression {other}"
                    ))),
                };
            }
        };
        PayloadEvents {
            decoder: self,
            source: Some(source),
            offset: 0,
            error: None,
        }
    }
}

/// Iterator over the events of a transaction payload.
pub struct PayloadEvents<'a> {
    decoder: &'a mut Decoder,
    source: Option<Box<dyn Read + 'a>>,
    offset: u64,
    error: Option<Error>,
}

impl std::fmt::Debug for PayloadEvents<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadEvents")
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl Iterator for PayloadEvents<'_> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            self.source = None;
            return Some(Err(e));
        }
        let source = self.source.as_mut()?;
        match read_event(source) {
            Ok(None) => {
                self.source = None;
                None
            }
            Ok(Some(raw)) => {
                let offset = self.offset;
                self.offset += raw.len() as u64;
                let r = self.decoder.decode_inner(raw, offset, false);
                if r.is_err() {
                    self.source = None;
                }
                Some(r.map_err(|e| e.at_offset(offset)))
            }
            Err(e) => {
                self.source = None;
                Some(Err(e.at_offset(self.offset)))
            }
        }
    }
}

/// Reads one whole event from `r`: `Ok(None)` at a clean end of input, an error when the input
/// ends inside an event.
pub(crate) fn read_event(r: &mut dyn Read) -> Result<Option<Bytes>> {
    let mut head = [0u8; HEADER_LEN];
    let got = read_full(r, &mut head)?;
    if got == 0 {
        return Ok(None);
    }
    if got < HEADER_LEN {
        return Err(Error::new(ErrorKind::Truncated {
            needed: HEADER_LEN,
            available: got,
        }));
    }
    let header = EventHeader::parse(&head)?;
    let size = header.event_size as usize;
    // Grow with the data actually read, never by what a (possibly corrupt) header claims.
    let mut buf = Vec::with_capacity(size.min(1 << 20));
    buf.extend_from_slice(&head);
    r.take((size - HEADER_LEN) as u64)
        .read_to_end(&mut buf)
        .map_err(|e| Error::new(ErrorKind::Io(e.to_string())))?;
    if buf.len() < size {
        return Err(Error::new(ErrorKind::Truncated {
            needed: size,
            available: buf.len(),
        })
        .in_event(header.type_code));
    }
    Ok(Some(Bytes::from(buf)))
}

fn read_full(r: &mut dyn Read, mut buf: &mut [u8]) -> Result<usize> {
    let mut total = 0;
    while !buf.is_empty() {
        match r.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                buf = buf.get_mut(n..).unwrap_or_default();
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::new(ErrorKind::Io(e.to_string()))),
        }
    }
    Ok(total)
}

fn parse_payload_header(body: &Bytes) -> Result<TransactionPayload> {
    let mut c = Cursor::new(body);
    let mut p = TransactionPayload {
        compression: 255,
        uncompressed_size: 0,
        payload: Bytes::new(),
    };
    let mut size: Option<u64> = None;
    loop {
        let field = c.packed_int()?;
        if field == 0 {
            break; // end of header
        }
        let len = c.packed_len()?;
        let mut v = Cursor::new(c.take(len)?);
        match field {
            1 => size = Some(v.packed_int()?),
            2 => p.compression = v.packed_int()?,
            3 => p.uncompressed_size = v.packed_int()?,
            _ => {} // unknown header fields carry no payload bytes
        }
    }
    let start = c.position();
    let n = match size {
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| *n <= c.remaining())
            .ok_or_else(|| Error::malformed("payload size exceeds the event"))?,
        None => c.remaining(),
    };
    p.payload = body.slice(start..start + n);
    Ok(p)
}

fn parse_heartbeat_v2(body: &[u8]) -> Result<EventData> {
    // Fields: packed type, packed length, value. 0 = end, 1 = log file name, 2 = position.
    let mut c = Cursor::new(body);
    let mut file = String::new();
    let mut position = None;
    while !c.is_empty() {
        let field = c.packed_int()?;
        if field == 0 {
            break;
        }
        let len = c.packed_len()?;
        let mut v = Cursor::new(c.take(len)?);
        match field {
            1 => file = String::from_utf8_lossy(v.take_rest()).into_owned(),
            2 => position = Some(v.packed_int()?),
            _ => {}
        }
    }
    Ok(EventData::Heartbeat { file, position })
}

/// Fills what TABLE_MAP left unknown from a supplied schema, column by column.
fn enrich(tm: &mut TableMap, schema: &TableSchema) {
    for (desc, col) in tm.columns.iter_mut().zip(&schema.columns) {
        if desc.name.is_none() {
            desc.name = Some(Arc::from(col.name.as_str()));
        }
        let fraction = match &col.ty {
            ColumnType::Time { precision }
            | ColumnType::DateTime { precision }
            | ColumnType::Timestamp { precision } => precision.filter(|p| *p > 0),
            _ => None,
        };
        if matches!(
            desc.type_code,
            types::TIME | types::DATETIME | types::TIMESTAMP
        ) {
            desc.legacy_fraction = fraction;
        }
        let (unsigned, charset, labels) = match &col.ty {
            ColumnType::TinyInt { unsigned }
            | ColumnType::SmallInt { unsigned }
            | ColumnType::MediumInt { unsigned }
            | ColumnType::Int { unsigned }
            | ColumnType::BigInt { unsigned } => (*unsigned, None, None),
            ColumnType::Char { charset, .. }
            | ColumnType::VarChar { charset, .. }
            | ColumnType::Text { charset, .. } => (false, charset.clone(), None),
            ColumnType::Binary { .. } | ColumnType::VarBinary { .. } | ColumnType::Blob { .. } => {
                (false, Some(Charset::Binary), None)
            }
            ColumnType::Enum { labels, .. } | ColumnType::Set { labels } => {
                (false, None, Some(labels.clone()))
            }
            _ => (false, None, None),
        };
        desc.unsigned |= unsigned;
        if desc.charset.is_none() && desc.type_code != types::JSON {
            desc.charset = charset;
        }
        if desc.labels.is_none()
            && let Some(l) = labels.filter(|l| !l.is_empty())
        {
            desc.labels = Some(l.into());
        }
    }
}

/// A column as the decoder knows it, by table id and index (for tools).
pub fn describe_column(tm: &TableMap, i: usize) -> Option<&ColumnDesc> {
    tm.columns.get(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole event: header, body and (when `crc`) a correct CRC32 trailer.
    fn event(type_code: u8, flags: u16, body: &[u8], crc: bool) -> Bytes {
        let size = HEADER_LEN + body.len() + if crc { CHECKSUM_LEN } else { 0 };
        let mut e = Vec::with_capacity(size);
        e.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        e.push(type_code);
        e.extend_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(&(size as u32).to_le_bytes());
        e.extend_from_slice(&0u32.to_le_bytes());
        e.extend_from_slice(&flags.to_le_bytes());
        e.extend_from_slice(body);
        if crc {
            let c = crc32fast::hash(&e);
            e.extend_from_slice(&c.to_le_bytes());
        }
        Bytes::from(e)
    }

    #[test]
    fn an_unknown_event_that_may_change_rows_is_an_error() {
        let mut d = Decoder::new();
        let err = d.decode(event(99, 0, b"???", true), 1234).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownEvent(99));
        assert_eq!(err.offset(), Some(1234));
    }

    #[test]
    fn an_unknown_event_flagged_ignorable_is_skipped() {
        let mut d = Decoder::new();
        let ev = d
            .decode(event(99, FLAG_IGNORABLE, b"abc", true), 4)
            .unwrap();
        assert!(matches!(ev.data, EventData::Skipped { type_code: 99, .. }));
        d.set_unknown_events(UnknownEvents::Skip);
        assert!(d.decode(event(98, 0, b"", true), 4).is_ok());
    }

    #[test]
    fn a_bad_checksum_is_an_error_naming_the_event() {
        let mut raw = event(codes::XID, 0, &7u64.to_le_bytes(), true).to_vec();
        raw[20] ^= 1;
        let mut d = Decoder::new();
        d.set_file("mysql-bin.000007");
        let err = d.decode(raw.into(), 500).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Checksum { .. }));
        assert_eq!(
            err.to_string().split(" (").nth(1),
            Some("at mysql-bin.000007:500, event XID_EVENT)")
        );
        let mut lax = Decoder::new();
        lax.set_verify_checksums(false);
        let mut raw = event(codes::XID, 0, &7u64.to_le_bytes(), true).to_vec();
        raw[20] ^= 1;
        assert!(lax.decode(raw.into(), 500).is_ok());
    }

    #[test]
    fn after_start_encryption_events_are_refused_clearly() {
        let mut d = Decoder::new();
        let mut body = vec![1u8];
        body.extend_from_slice(&3u32.to_le_bytes());
        body.extend_from_slice(&[0; 12]);
        let ev = d
            .decode(event(codes::MARIA_START_ENCRYPTION, 0, &body, true), 4)
            .unwrap();
        assert!(matches!(
            ev.data,
            EventData::StartEncryption {
                scheme: 1,
                key_version: 3
            }
        ));
        let err = d
            .decode(event(codes::XID, 0, &[0; 8], true), 40)
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Encrypted);
    }

    #[test]
    fn rows_for_an_unmapped_table_are_an_error() {
        let mut d = Decoder::new();
        let mut body = vec![7, 0, 0, 0, 0, 0, 1, 0, 2, 0]; // table id 7, flags, extra len 2
        body.extend_from_slice(&[1, 0xff, 0]);
        let err = d
            .decode(event(codes::WRITE_ROWS_V2, 0, &body, true), 4)
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnknownTable(7));
    }

    #[test]
    fn a_short_event_is_truncated_not_a_panic() {
        let mut d = Decoder::new();
        let raw = event(codes::XID, 0, &7u64.to_le_bytes(), true);
        let err = d.decode(raw.slice(..raw.len() - 3), 4).unwrap_err();
        assert!(err.is_truncated());
    }
}

#[cfg(test)]
mod row_tests {
    use super::*;
    use cdc_model::Value;

    fn event(type_code: u8, body: &[u8]) -> Bytes {
        let size = HEADER_LEN + body.len() + CHECKSUM_LEN;
        let mut e = Vec::with_capacity(size);
        e.extend_from_slice(&0u32.to_le_bytes());
        e.push(type_code);
        e.extend_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(&(size as u32).to_le_bytes());
        e.extend_from_slice(&0u32.to_le_bytes());
        e.extend_from_slice(&0u16.to_le_bytes());
        e.extend_from_slice(body);
        let c = crc32fast::hash(&e);
        e.extend_from_slice(&c.to_le_bytes());
        Bytes::from(e)
    }

    #[test]
    fn a_partial_json_update_applies_its_diff_to_the_full_before_image() {
        use crate::test_util::hex;
        let mut d = Decoder::new();
        // TABLE_MAP: id 9, "d"."t", one JSON column (4-byte length prefix), nullable
        let tm = [
            9, 0, 0, 0, 0, 0, 0, 0, 1, b'd', 0, 1, b't', 0, 1, 245, 1, 4, 1,
        ];
        d.decode(event(codes::TABLE_MAP, &tm), 4).unwrap();
        // the document and diff of json.binlog.000001's partial update (REPLACE $.age 26)
        let doc = hex(
            "00 0300 3300 1900 0300 1c00 0400 2000 0400 05 1900 0c 2400 0c 2f00 \
             616765 64617461 6e616d65 0a 78787878787878787878 03 4a6f65",
        );
        let diff = hex("00 05 242e616765 03 05 1a00");
        let mut rows = vec![9, 0, 0, 0, 0, 0, 1, 0, 2, 0, 1, 0x01, 0x01];
        rows.push(0x00); // before image: no NULLs
        rows.extend((doc.len() as u32).to_le_bytes());
        rows.extend(&doc);
        rows.extend([0x01, 0x01, 0x00]); // value options, partial bits, after NULLs
        rows.extend((diff.len() as u32).to_le_bytes());
        rows.extend(&diff);
        let ev = d
            .decode(event(codes::PARTIAL_UPDATE_ROWS, &rows), 60)
            .unwrap();
        let EventData::Rows(r) = ev.data else {
            panic!("not rows")
        };
        let row = r.rows().next().unwrap().unwrap();
        assert_eq!(
            row.before.unwrap()[0],
            Value::Json(r#"{"age": 25, "data": "xxxxxxxxxx", "name": "Joe"}"#.into())
        );
        assert_eq!(
            row.after.unwrap()[0],
            Value::Json(r#"{"age": 26, "data": "xxxxxxxxxx", "name": "Joe"}"#.into())
        );
    }

    #[test]
    fn rows_whose_images_carry_no_columns_end_with_an_error_not_a_loop() {
        let mut d = Decoder::new();
        // TABLE_MAP: id 7, flags, "d"."t", 1 column LONG, no metadata, null bitmap
        let tm = [7, 0, 0, 0, 0, 0, 0, 0, 1, b'd', 0, 1, b't', 0, 1, 3, 0, 1];
        d.decode(event(codes::TABLE_MAP, &tm), 4).unwrap();
        // WRITE_ROWS v2: id 7, flags, extra len 2, 1 column, none present, 2 bytes of "rows"
        let rows = [7, 0, 0, 0, 0, 0, 1, 0, 2, 0, 1, 0x00, 0xaa, 0xbb];
        let ev = d.decode(event(codes::WRITE_ROWS_V2, &rows), 60).unwrap();
        let EventData::Rows(r) = ev.data else {
            panic!("not rows")
        };
        let results: Vec<_> = r.rows().take(3).collect();
        assert_eq!(results.len(), 1);
        assert!(
            results[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("carry no columns")
        );
    }
}

/// Whether a server numbered row events the pre-GA way (MySQL 5.1.0–5.1.15 and 5.2.0–5.2.2).
fn pre_ga_numbering(fde: &FormatDescription) -> bool {
    let v = fde.version();
    !fde.is_mariadb()
        && (((5, 1, 0)..=(5, 1, 15)).contains(&v) || ((5, 2, 0)..=(5, 2, 2)).contains(&v))
}

#[cfg(test)]
mod legacy_temporal_tests {
    use super::*;
    use cdc_model::{Column, TableId};

    #[test]
    fn a_supplied_schema_turns_legacy_fractional_datetime_into_an_error_not_a_guess() {
        let schema = TableSchema::new(
            TableId::new("d", "t"),
            vec![Column::new(
                "at",
                ColumnType::DateTime { precision: Some(3) },
            )],
        );
        let mut tm = TableMap {
            table_id: 1,
            flags: 0,
            schema: "d".into(),
            table: "t".into(),
            columns: vec![ColumnDesc::new(types::DATETIME, 0)],
            primary_key: Vec::new(),
        };
        enrich(&mut tm, &schema);
        assert_eq!(tm.columns[0].legacy_fraction, Some(3));
        let data = Bytes::from_static(&[0; 8]);
        let err =
            crate::value::decode_value(&data, &mut Cursor::new(&data), &tm.columns[0]).unwrap_err();
        assert!(err.to_string().contains("not supported"), "{err}");
        // the current format (DATETIME2) is unaffected
        let mut tm2 = tm.clone();
        tm2.columns = vec![ColumnDesc::new(types::DATETIME2, 3)];
        enrich(&mut tm2, &schema);
        assert_eq!(tm2.columns[0].legacy_fraction, None);
    }
}
