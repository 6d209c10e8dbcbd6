//! pgoutput protocol messages (versions 1 to 4) and their parser.
//!
//! A [`MessageParser`] knows the negotiated protocol version and whether it is inside a
//! streamed transaction; both change what is on the wire (in-stream messages carry the
//! transaction id first; Stream Abort carries an LSN and a time only with parallel streaming).

use bytes::Bytes;
use cdc_model::{Lsn, Timestamp};

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind, Result};
use crate::replication::timestamp_from_pg;

/// The name of a pgoutput message type byte, for messages and logs (`"Insert"` for `b'I'`).
pub fn message_type_name(t: u8) -> &'static str {
    match t {
        b'B' => "Begin",
        b'C' => "Commit",
        b'O' => "Origin",
        b'R' => "Relation",
        b'Y' => "Type",
        b'I' => "Insert",
        b'U' => "Update",
        b'D' => "Delete",
        b'T' => "Truncate",
        b'M' => "Message",
        b'S' => "Stream Start",
        b'E' => "Stream Stop",
        b'c' => "Stream Commit",
        b'A' => "Stream Abort",
        b'b' => "Begin Prepare",
        b'P' => "Prepare",
        b'K' => "Commit Prepared",
        b'r' => "Rollback Prepared",
        b'p' => "Stream Prepare",
        b'w' => "XLogData",
        b'k' => "Primary keepalive",
        _ => "unknown",
    }
}

/// Begin (`'B'`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Begin {
    /// The final LSN of the transaction (of its commit record).
    pub final_lsn: Lsn,
    /// Commit time.
    pub commit_time: Timestamp,
    /// Transaction id.
    pub xid: u32,
}

/// Commit (`'C'`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Commit {
    /// Flags (currently unused, 0).
    pub flags: u8,
    /// LSN of the commit record.
    pub commit_lsn: Lsn,
    /// End LSN of the transaction.
    pub end_lsn: Lsn,
    /// Commit time.
    pub commit_time: Timestamp,
}

/// Origin (`'O'`): the transaction was replicated from another node.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Origin {
    /// The commit LSN on the origin server.
    pub commit_lsn: Lsn,
    /// The origin's name.
    pub name: String,
}

/// Replica identity of a relation (`pg_class.relreplident`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReplicaIdentity {
    /// `'d'`: the primary key (if any).
    Default,
    /// `'n'`: nothing.
    Nothing,
    /// `'f'`: all columns.
    Full,
    /// `'i'`: a unique index.
    Index,
}

impl ReplicaIdentity {
    /// From the wire byte.
    pub fn from_byte(b: u8) -> Option<ReplicaIdentity> {
        Some(match b {
            b'd' => ReplicaIdentity::Default,
            b'n' => ReplicaIdentity::Nothing,
            b'f' => ReplicaIdentity::Full,
            b'i' => ReplicaIdentity::Index,
            _ => return None,
        })
    }
}

/// One column of a [`RelationMessage`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RelationColumn {
    /// Flags; bit 1 ([`RelationColumn::KEY`]) marks a replica identity column.
    pub flags: u8,
    /// Column name.
    pub name: String,
    /// Type OID (a domain's own OID, not its base type's).
    pub type_oid: u32,
    /// Type modifier (`atttypmod`), -1 when none.
    pub type_modifier: i32,
}

impl RelationColumn {
    /// The flag bit of a replica identity column.
    pub const KEY: u8 = 1;

    /// True when the column is part of the replica identity.
    pub fn is_key(&self) -> bool {
        self.flags & Self::KEY != 0
    }
}

/// Relation (`'R'`): a table's definition, sent before its first change and after it changes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RelationMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Relation OID.
    pub id: u32,
    /// Schema (empty for `pg_catalog`).
    pub namespace: String,
    /// Table name.
    pub name: String,
    /// Replica identity.
    pub replica_identity: ReplicaIdentity,
    /// Columns in order (generated and dropped columns are not sent).
    pub columns: Vec<RelationColumn>,
}

/// Type (`'Y'`): a non-built-in type used by a following Relation message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TypeMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Type OID.
    pub oid: u32,
    /// Schema (empty for `pg_catalog`).
    pub namespace: String,
    /// Type name.
    pub name: String,
}

/// One column of a [`TupleData`], undecoded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TupleValue {
    /// `'n'`: SQL NULL.
    Null,
    /// `'u'`: an unchanged TOASTed value, not sent.
    Unchanged,
    /// `'t'`: the type's text output.
    Text(Bytes),
    /// `'b'`: the type's binary send output.
    Binary(Bytes),
}

/// TupleData: one value per column, slices of the message bytes.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TupleData {
    /// The columns in Relation order.
    pub values: Vec<TupleValue>,
}

/// Which old image an Update or Delete carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum OldTupleKind {
    /// `'K'`: only the replica identity columns hold values (the others are sent as NULL).
    Key,
    /// `'O'`: the whole old row (replica identity FULL).
    Full,
}

/// Insert (`'I'`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InsertMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Relation OID.
    pub relation_id: u32,
    /// The new row.
    pub new: TupleData,
}

/// Update (`'U'`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UpdateMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Relation OID.
    pub relation_id: u32,
    /// The old key or old row, when sent.
    pub old: Option<(OldTupleKind, TupleData)>,
    /// The new row.
    pub new: TupleData,
}

/// Delete (`'D'`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeleteMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Relation OID.
    pub relation_id: u32,
    /// The old key or old row.
    pub old_kind: OldTupleKind,
    /// Its values.
    pub old: TupleData,
}

/// Truncate (`'T'`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TruncateMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Option bits: [`TruncateMessage::CASCADE`], [`TruncateMessage::RESTART_IDENTITY`].
    pub options: u8,
    /// The truncated relations.
    pub relation_ids: Vec<u32>,
}

impl TruncateMessage {
    /// `TRUNCATE ... CASCADE`.
    pub const CASCADE: u8 = 1;
    /// `TRUNCATE ... RESTART IDENTITY`.
    pub const RESTART_IDENTITY: u8 = 2;

    /// True with `CASCADE`.
    pub fn cascade(&self) -> bool {
        self.options & Self::CASCADE != 0
    }

    /// True with `RESTART IDENTITY`.
    pub fn restart_identity(&self) -> bool {
        self.options & Self::RESTART_IDENTITY != 0
    }
}

/// Message (`'M'`): from `pg_logical_emit_message`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogicalMessage {
    /// Transaction id, inside a stream.
    pub xid: Option<u32>,
    /// Emitted inside a transaction (delivered at its commit) rather than immediately.
    pub transactional: bool,
    /// LSN of the message.
    pub lsn: Lsn,
    /// The prefix.
    pub prefix: String,
    /// The content, a slice of the input.
    pub content: Bytes,
}

/// Stream Start (`'S'`, v2+).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StreamStart {
    /// The streamed transaction.
    pub xid: u32,
    /// True for the first segment of this transaction.
    pub first_segment: bool,
}

/// Stream Commit (`'c'`, v2+).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StreamCommit {
    /// The streamed transaction.
    pub xid: u32,
    /// Flags (unused, 0).
    pub flags: u8,
    /// LSN of the commit record.
    pub commit_lsn: Lsn,
    /// End LSN of the transaction.
    pub end_lsn: Lsn,
    /// Commit time.
    pub commit_time: Timestamp,
}

/// Stream Abort (`'A'`, v2+).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StreamAbort {
    /// The top-level transaction.
    pub xid: u32,
    /// The aborted (sub)transaction (equal to `xid` when the whole transaction aborted).
    pub subxid: u32,
    /// LSN of the abort (v4 with parallel streaming only).
    pub abort_lsn: Option<Lsn>,
    /// Abort time (v4 with parallel streaming only).
    pub abort_time: Option<Timestamp>,
}

/// Begin Prepare (`'b'`, v3+).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BeginPrepare {
    /// LSN of the prepare.
    pub prepare_lsn: Lsn,
    /// End LSN of the prepared transaction.
    pub end_lsn: Lsn,
    /// Prepare time.
    pub prepare_time: Timestamp,
    /// Transaction id.
    pub xid: u32,
    /// Global transaction identifier.
    pub gid: String,
}

/// Prepare (`'P'`) and Stream Prepare (`'p'`), v3+.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PrepareMessage {
    /// Flags (unused, 0).
    pub flags: u8,
    /// LSN of the prepare.
    pub prepare_lsn: Lsn,
    /// End LSN of the prepared transaction.
    pub end_lsn: Lsn,
    /// Prepare time.
    pub prepare_time: Timestamp,
    /// Transaction id.
    pub xid: u32,
    /// Global transaction identifier.
    pub gid: String,
}

/// Commit Prepared (`'K'`, v3+).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommitPrepared {
    /// Flags (unused, 0).
    pub flags: u8,
    /// LSN of the commit.
    pub commit_lsn: Lsn,
    /// End LSN of the commit.
    pub end_lsn: Lsn,
    /// Commit time.
    pub commit_time: Timestamp,
    /// Transaction id.
    pub xid: u32,
    /// Global transaction identifier.
    pub gid: String,
}

/// Rollback Prepared (`'r'`, v3+).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RollbackPrepared {
    /// Flags (unused, 0).
    pub flags: u8,
    /// End LSN of the prepared transaction.
    pub prepare_end_lsn: Lsn,
    /// End LSN of the rollback.
    pub rollback_end_lsn: Lsn,
    /// Prepare time.
    pub prepare_time: Timestamp,
    /// Rollback time.
    pub rollback_time: Timestamp,
    /// Transaction id.
    pub xid: u32,
    /// Global transaction identifier.
    pub gid: String,
}

/// One pgoutput message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PgOutputMessage {
    /// `'B'`.
    Begin(Begin),
    /// `'C'`.
    Commit(Commit),
    /// `'O'`.
    Origin(Origin),
    /// `'R'`.
    Relation(RelationMessage),
    /// `'Y'`.
    Type(TypeMessage),
    /// `'I'`.
    Insert(InsertMessage),
    /// `'U'`.
    Update(UpdateMessage),
    /// `'D'`.
    Delete(DeleteMessage),
    /// `'T'`.
    Truncate(TruncateMessage),
    /// `'M'`.
    Message(LogicalMessage),
    /// `'S'`.
    StreamStart(StreamStart),
    /// `'E'`.
    StreamStop,
    /// `'c'`.
    StreamCommit(StreamCommit),
    /// `'A'`.
    StreamAbort(StreamAbort),
    /// `'b'`.
    BeginPrepare(BeginPrepare),
    /// `'P'`.
    Prepare(PrepareMessage),
    /// `'K'`.
    CommitPrepared(CommitPrepared),
    /// `'r'`.
    RollbackPrepared(RollbackPrepared),
    /// `'p'`.
    StreamPrepare(PrepareMessage),
}

impl PgOutputMessage {
    /// The type byte of this message.
    pub fn type_byte(&self) -> u8 {
        match self {
            PgOutputMessage::Begin(_) => b'B',
            PgOutputMessage::Commit(_) => b'C',
            PgOutputMessage::Origin(_) => b'O',
            PgOutputMessage::Relation(_) => b'R',
            PgOutputMessage::Type(_) => b'Y',
            PgOutputMessage::Insert(_) => b'I',
            PgOutputMessage::Update(_) => b'U',
            PgOutputMessage::Delete(_) => b'D',
            PgOutputMessage::Truncate(_) => b'T',
            PgOutputMessage::Message(_) => b'M',
            PgOutputMessage::StreamStart(_) => b'S',
            PgOutputMessage::StreamStop => b'E',
            PgOutputMessage::StreamCommit(_) => b'c',
            PgOutputMessage::StreamAbort(_) => b'A',
            PgOutputMessage::BeginPrepare(_) => b'b',
            PgOutputMessage::Prepare(_) => b'P',
            PgOutputMessage::CommitPrepared(_) => b'K',
            PgOutputMessage::RollbackPrepared(_) => b'r',
            PgOutputMessage::StreamPrepare(_) => b'p',
        }
    }
}

/// What was negotiated in `START_REPLICATION ... (proto_version 'N', streaming '...')`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ProtocolOptions {
    /// `proto_version`, 1 to 4.
    pub version: u32,
    /// `streaming 'parallel'` (v4): Stream Abort then carries the abort LSN and time.
    pub parallel_streaming: bool,
}

impl ProtocolOptions {
    /// Version `version` without parallel streaming.
    pub fn version(version: u32) -> ProtocolOptions {
        ProtocolOptions {
            version,
            parallel_streaming: false,
        }
    }
}

/// Parses pgoutput messages, tracking the stream state.
///
/// The parser enters a stream at Stream Start and leaves it at Stream Stop; inside, row,
/// relation, type, truncate and transactional messages carry the streamed transaction's id.
/// A caller resuming mid-stream can say so with [`MessageParser::set_in_stream`].
#[derive(Clone, Debug)]
pub struct MessageParser {
    options: ProtocolOptions,
    stream_xid: Option<u32>,
}

impl MessageParser {
    /// A parser for the negotiated options; fails for a version other than 1 to 4.
    pub fn new(options: ProtocolOptions) -> Result<MessageParser> {
        if !(1..=4).contains(&options.version) {
            return Err(Error::new(ErrorKind::UnsupportedVersion(options.version)));
        }
        Ok(MessageParser {
            options,
            stream_xid: None,
        })
    }

    /// The negotiated options.
    pub fn options(&self) -> ProtocolOptions {
        self.options
    }

    /// The streamed transaction being received (between Stream Start and Stream Stop).
    pub fn in_stream(&self) -> Option<u32> {
        self.stream_xid
    }

    /// Sets the stream state explicitly (`Some(xid)`: inside a stream of `xid`).
    pub fn set_in_stream(&mut self, xid: Option<u32>) {
        self.stream_xid = xid;
    }

    fn need(&self, version: u32) -> Result<()> {
        if self.options.version < version {
            return Err(Error::new(ErrorKind::ProtocolVersion {
                needed: version,
                negotiated: self.options.version,
            }));
        }
        Ok(())
    }

    /// Reads the xid prefix of an in-stream message (and checks it is the stream's).
    fn stream_xid(&self, c: &mut Cursor<'_>) -> Result<Option<u32>> {
        match self.stream_xid {
            None => Ok(None),
            Some(_) => Ok(Some(c.u32()?)),
        }
    }

    /// Parses one message (the `data` of an XLogData). Byte fields are slices of `data`.
    /// On error the stream state is unchanged.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use cdc_pgoutput::{MessageParser, PgOutputMessage, ProtocolOptions};
    /// let mut p = MessageParser::new(ProtocolOptions::version(2))?;
    /// let mut m = vec![b'S'];
    /// m.extend_from_slice(&1234u32.to_be_bytes());
    /// m.push(1);
    /// assert!(matches!(p.parse(&Bytes::from(m))?, PgOutputMessage::StreamStart(s) if s.xid == 1234));
    /// assert_eq!(p.in_stream(), Some(1234));
    /// p.parse(&Bytes::from_static(b"E"))?;
    /// assert_eq!(p.in_stream(), None);
    /// # Ok::<(), cdc_pgoutput::Error>(())
    /// ```
    pub fn parse(&mut self, data: &Bytes) -> Result<PgOutputMessage> {
        let tag = data.first().copied().unwrap_or(0);
        self.parse_inner(data).map_err(|e| e.in_message(tag))
    }

    fn parse_inner(&mut self, data: &Bytes) -> Result<PgOutputMessage> {
        let mut c = Cursor::new(data);
        let tag = c.u8()?;
        let msg = match tag {
            b'B' => PgOutputMessage::Begin(Begin {
                final_lsn: lsn(&mut c)?,
                commit_time: time(&mut c)?,
                xid: c.u32()?,
            }),
            b'C' => PgOutputMessage::Commit(Commit {
                flags: c.u8()?,
                commit_lsn: lsn(&mut c)?,
                end_lsn: lsn(&mut c)?,
                commit_time: time(&mut c)?,
            }),
            b'O' => PgOutputMessage::Origin(Origin {
                commit_lsn: lsn(&mut c)?,
                name: c.cstr()?,
            }),
            b'R' => {
                let xid = self.stream_xid(&mut c)?;
                let id = c.u32()?;
                let namespace = c.cstr()?;
                let name = c.cstr()?;
                let ri = c.u8()?;
                let replica_identity = ReplicaIdentity::from_byte(ri).ok_or_else(|| {
                    Error::malformed(format!("unknown replica identity {ri:#04x}"))
                })?;
                let n = c.i16()?;
                let n =
                    usize::try_from(n).map_err(|_| Error::malformed("negative column count"))?;
                let mut columns = Vec::with_capacity(n.min(c.remaining() / 10));
                for _ in 0..n {
                    columns.push(RelationColumn {
                        flags: c.u8()?,
                        name: c.cstr()?,
                        type_oid: c.u32()?,
                        type_modifier: c.i32()?,
                    });
                }
                PgOutputMessage::Relation(RelationMessage {
                    xid,
                    id,
                    namespace,
                    name,
                    replica_identity,
                    columns,
                })
            }
            b'Y' => PgOutputMessage::Type(TypeMessage {
                xid: self.stream_xid(&mut c)?,
                oid: c.u32()?,
                namespace: c.cstr()?,
                name: c.cstr()?,
            }),
            b'I' => {
                let xid = self.stream_xid(&mut c)?;
                let relation_id = c.u32()?;
                match c.u8()? {
                    b'N' => {}
                    t => return Err(unexpected_tuple_tag(t, "'N'")),
                }
                PgOutputMessage::Insert(InsertMessage {
                    xid,
                    relation_id,
                    new: tuple(&mut c)?,
                })
            }
            b'U' => {
                let xid = self.stream_xid(&mut c)?;
                let relation_id = c.u32()?;
                let (old, new) = match c.u8()? {
                    b'N' => (None, tuple(&mut c)?),
                    t @ (b'K' | b'O') => {
                        let kind = if t == b'K' {
                            OldTupleKind::Key
                        } else {
                            OldTupleKind::Full
                        };
                        let old = tuple(&mut c)?;
                        match c.u8()? {
                            b'N' => {}
                            t => return Err(unexpected_tuple_tag(t, "'N'")),
                        }
                        (Some((kind, old)), tuple(&mut c)?)
                    }
                    t => return Err(unexpected_tuple_tag(t, "'K', 'O' or 'N'")),
                };
                PgOutputMessage::Update(UpdateMessage {
                    xid,
                    relation_id,
                    old,
                    new,
                })
            }
            b'D' => {
                let xid = self.stream_xid(&mut c)?;
                let relation_id = c.u32()?;
                let old_kind = match c.u8()? {
                    b'K' => OldTupleKind::Key,
                    b'O' => OldTupleKind::Full,
                    t => return Err(unexpected_tuple_tag(t, "'K' or 'O'")),
                };
                PgOutputMessage::Delete(DeleteMessage {
                    xid,
                    relation_id,
                    old_kind,
                    old: tuple(&mut c)?,
                })
            }
            b'T' => {
                let xid = self.stream_xid(&mut c)?;
                let n = c.u32()?;
                let options = c.u8()?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                let mut relation_ids = Vec::with_capacity(n.min(c.remaining() / 4));
                for _ in 0..n {
                    relation_ids.push(c.u32()?);
                }
                PgOutputMessage::Truncate(TruncateMessage {
                    xid,
                    options,
                    relation_ids,
                })
            }
            b'M' => {
                let xid = self.stream_xid(&mut c)?;
                let flags = c.u8()?;
                let lsn = lsn(&mut c)?;
                let prefix = c.cstr()?;
                let len = c.u32()?;
                let content = c.bytes(usize::try_from(len).unwrap_or(usize::MAX))?;
                PgOutputMessage::Message(LogicalMessage {
                    xid,
                    transactional: flags & 1 != 0,
                    lsn,
                    prefix,
                    content,
                })
            }
            b'S' => {
                self.need(2)?;
                if self.stream_xid.is_some() {
                    return Err(Error::new(ErrorKind::StreamState(
                        "Stream Start inside a stream",
                    )));
                }
                let xid = c.u32()?;
                let first_segment = match c.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(Error::malformed("first-segment flag is not 0 or 1")),
                };
                c.finish()?;
                self.stream_xid = Some(xid);
                return Ok(PgOutputMessage::StreamStart(StreamStart {
                    xid,
                    first_segment,
                }));
            }
            b'E' => {
                self.need(2)?;
                if self.stream_xid.is_none() {
                    return Err(Error::new(ErrorKind::StreamState(
                        "Stream Stop outside a stream",
                    )));
                }
                c.finish()?;
                self.stream_xid = None;
                return Ok(PgOutputMessage::StreamStop);
            }
            b'c' => {
                self.need(2)?;
                self.outside_stream("Stream Commit")?;
                PgOutputMessage::StreamCommit(StreamCommit {
                    xid: c.u32()?,
                    flags: c.u8()?,
                    commit_lsn: lsn(&mut c)?,
                    end_lsn: lsn(&mut c)?,
                    commit_time: time(&mut c)?,
                })
            }
            b'A' => {
                self.need(2)?;
                self.outside_stream("Stream Abort")?;
                let xid = c.u32()?;
                let subxid = c.u32()?;
                let (abort_lsn, abort_time) =
                    if self.options.version >= 4 && self.options.parallel_streaming {
                        (Some(lsn(&mut c)?), Some(time(&mut c)?))
                    } else {
                        (None, None)
                    };
                PgOutputMessage::StreamAbort(StreamAbort {
                    xid,
                    subxid,
                    abort_lsn,
                    abort_time,
                })
            }
            b'b' => {
                self.need(3)?;
                PgOutputMessage::BeginPrepare(BeginPrepare {
                    prepare_lsn: lsn(&mut c)?,
                    end_lsn: lsn(&mut c)?,
                    prepare_time: time(&mut c)?,
                    xid: c.u32()?,
                    gid: c.cstr()?,
                })
            }
            b'P' | b'p' => {
                self.need(3)?;
                if tag == b'p' {
                    self.outside_stream("Stream Prepare")?;
                }
                let m = PrepareMessage {
                    flags: c.u8()?,
                    prepare_lsn: lsn(&mut c)?,
                    end_lsn: lsn(&mut c)?,
                    prepare_time: time(&mut c)?,
                    xid: c.u32()?,
                    gid: c.cstr()?,
                };
                if tag == b'P' {
                    PgOutputMessage::Prepare(m)
                } else {
                    PgOutputMessage::StreamPrepare(m)
                }
            }
            b'K' => {
                self.need(3)?;
                PgOutputMessage::CommitPrepared(CommitPrepared {
                    flags: c.u8()?,
                    commit_lsn: lsn(&mut c)?,
                    end_lsn: lsn(&mut c)?,
                    commit_time: time(&mut c)?,
                    xid: c.u32()?,
                    gid: c.cstr()?,
                })
            }
            b'r' => {
                self.need(3)?;
                PgOutputMessage::RollbackPrepared(RollbackPrepared {
                    flags: c.u8()?,
                    prepare_end_lsn: lsn(&mut c)?,
                    rollback_end_lsn: lsn(&mut c)?,
                    prepare_time: time(&mut c)?,
                    rollback_time: time(&mut c)?,
                    xid: c.u32()?,
                    gid: c.cstr()?,
                })
            }
            t => return Err(Error::new(ErrorKind::UnknownMessage(t))),
        };
        c.finish()?;
        Ok(msg)
    }

    fn outside_stream(&self, what: &'static str) -> Result<()> {
        if self.stream_xid.is_some() {
            return Err(Error::new(ErrorKind::StreamState(match what {
                "Stream Commit" => "Stream Commit inside a stream",
                "Stream Abort" => "Stream Abort inside a stream",
                _ => "Stream Prepare inside a stream",
            })));
        }
        Ok(())
    }
}

fn unexpected_tuple_tag(t: u8, expected: &str) -> Error {
    Error::malformed(format!(
        "expected {expected} before tuple data, found {:?}",
        char::from(t)
    ))
}

fn lsn(c: &mut Cursor<'_>) -> Result<Lsn> {
    Ok(Lsn(c.u64()?))
}

fn time(c: &mut Cursor<'_>) -> Result<Timestamp> {
    let raw = c.i64()?;
    timestamp_from_pg(raw).ok_or_else(|| Error::malformed("timestamp out of range"))
}

/// One well-formed value of a tuple, read straight from the bytes; `None` (nothing consumed)
/// for anything else, which [`tuple`] then reads field by field to say what is wrong.
#[inline]
fn tuple_value_fast(c: &mut Cursor<'_>) -> Option<TupleValue> {
    match c.peek_rest() {
        [b'n', ..] => c.skip_then_bytes(1, 0).map(|_| TupleValue::Null),
        [b'u', ..] => c.skip_then_bytes(1, 0).map(|_| TupleValue::Unchanged),
        [kind @ (b't' | b'b'), l0, l1, l2, l3, ..] => {
            let kind = *kind;
            let len = usize::try_from(i32::from_be_bytes([*l0, *l1, *l2, *l3])).ok()?;
            let b = c.skip_then_bytes(5, len)?;
            Some(if kind == b't' {
                TupleValue::Text(b)
            } else {
                TupleValue::Binary(b)
            })
        }
        _ => None,
    }
}

fn tuple(c: &mut Cursor<'_>) -> Result<TupleData> {
    let n = c.i16()?;
    let n = usize::try_from(n).map_err(|_| Error::malformed("negative column count in tuple"))?;
    let mut values = Vec::with_capacity(n.min(c.remaining()));
    while values.len() < n {
        match tuple_value_fast(c) {
            Some(v) => values.push(v),
            None => break,
        }
    }
    for i in values.len()..n {
        let v = (|| {
            Ok(match c.u8()? {
                b'n' => TupleValue::Null,
                b'u' => TupleValue::Unchanged,
                b't' => {
                    let len = c.i32()?;
                    let len = usize::try_from(len)
                        .map_err(|_| Error::malformed("negative value length"))?;
                    TupleValue::Text(c.bytes(len)?)
                }
                b'b' => {
                    let len = c.i32()?;
                    let len = usize::try_from(len)
                        .map_err(|_| Error::malformed("negative value length"))?;
                    TupleValue::Binary(c.bytes(len)?)
                }
                t => {
                    return Err(Error::malformed(format!(
                        "unknown tuple value kind {:?}",
                        char::from(t)
                    )));
                }
            })
        })()
        .map_err(|e: Error| e.in_column(i, None))?;
        values.push(v);
    }
    Ok(TupleData { values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::PG_EPOCH_OFFSET_MICROS;

    /// Builds message bytes field by field (network order).
    #[derive(Default)]
    struct B(Vec<u8>);
    impl B {
        fn tag(t: u8) -> B {
            B(vec![t])
        }
        fn u8(mut self, v: u8) -> B {
            self.0.push(v);
            self
        }
        fn i16(mut self, v: i16) -> B {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn u32(mut self, v: u32) -> B {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn i32(mut self, v: i32) -> B {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn u64(mut self, v: u64) -> B {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn i64(mut self, v: i64) -> B {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn s(mut self, v: &str) -> B {
            self.0.extend_from_slice(v.as_bytes());
            self.0.push(0);
            self
        }
        fn raw(mut self, v: &[u8]) -> B {
            self.0.extend_from_slice(v);
            self
        }
        fn bytes(self) -> Bytes {
            Bytes::from(self.0)
        }
    }

    fn ts(pg: i64) -> Timestamp {
        Timestamp::from_unix_micros(pg + PG_EPOCH_OFFSET_MICROS)
    }

    fn parser(v: u32) -> MessageParser {
        MessageParser::new(ProtocolOptions::version(v)).unwrap()
    }

    #[test]
    fn begin_commit_origin() {
        let mut p = parser(1);
        let m = p
            .parse(&B::tag(b'B').u64(0x10).i64(5).u32(77).bytes())
            .unwrap();
        assert_eq!(
            m,
            PgOutputMessage::Begin(Begin {
                final_lsn: Lsn(0x10),
                commit_time: ts(5),
                xid: 77
            })
        );
        let m = p
            .parse(&B::tag(b'C').u8(0).u64(0x10).u64(0x20).i64(6).bytes())
            .unwrap();
        assert_eq!(
            m,
            PgOutputMessage::Commit(Commit {
                flags: 0,
                commit_lsn: Lsn(0x10),
                end_lsn: Lsn(0x20),
                commit_time: ts(6)
            })
        );
        let m = p.parse(&B::tag(b'O').u64(9).s("node1").bytes()).unwrap();
        assert_eq!(
            m,
            PgOutputMessage::Origin(Origin {
                commit_lsn: Lsn(9),
                name: "node1".into()
            })
        );
        // trailing garbage and truncation are errors with the message type
        let e = p
            .parse(&B::tag(b'B').u64(0).i64(0).u32(1).u8(0).bytes())
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::TrailingBytes(1));
        assert_eq!(e.message_type(), Some(b'B'));
        assert!(
            p.parse(&B::tag(b'C').u8(0).bytes())
                .unwrap_err()
                .is_truncated()
        );
        assert_eq!(
            p.parse(&B::tag(b'Z').bytes()).unwrap_err().kind(),
            &ErrorKind::UnknownMessage(b'Z')
        );
        assert!(p.parse(&Bytes::new()).is_err());
    }

    fn relation_bytes(xid: Option<u32>) -> B {
        let mut b = B::tag(b'R');
        if let Some(x) = xid {
            b = b.u32(x);
        }
        b.u32(16384)
            .s("public")
            .s("t")
            .u8(b'f')
            .i16(2)
            .u8(1)
            .s("id")
            .u32(23)
            .i32(-1)
            .u8(0)
            .s("v")
            .u32(1043)
            .i32(14)
    }

    #[test]
    fn relation_and_type() {
        let mut p = parser(1);
        let PgOutputMessage::Relation(r) = p.parse(&relation_bytes(None).bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(r.id, 16384);
        assert_eq!(r.xid, None);
        assert_eq!((r.namespace.as_str(), r.name.as_str()), ("public", "t"));
        assert_eq!(r.replica_identity, ReplicaIdentity::Full);
        assert_eq!(r.columns.len(), 2);
        assert!(r.columns[0].is_key() && !r.columns[1].is_key());
        assert_eq!(
            (r.columns[1].type_oid, r.columns[1].type_modifier),
            (1043, 14)
        );
        let bad = B::tag(b'R').u32(1).s("").s("t").u8(b'x').i16(0).bytes();
        assert!(p.parse(&bad).is_err());
        let m = p
            .parse(&B::tag(b'Y').u32(50000).s("public").s("mood").bytes())
            .unwrap();
        assert_eq!(
            m,
            PgOutputMessage::Type(TypeMessage {
                xid: None,
                oid: 50000,
                namespace: "public".into(),
                name: "mood".into()
            })
        );
    }

    #[test]
    fn insert_update_delete_with_every_tuple_kind() {
        let mut p = parser(1);
        let tuple = |b: B| {
            b.i16(4)
                .u8(b'n')
                .u8(b'u')
                .u8(b't')
                .i32(2)
                .raw(b"hi")
                .u8(b'b')
                .i32(1)
                .raw(&[7])
        };
        let m = p
            .parse(&tuple(B::tag(b'I').u32(5).u8(b'N')).bytes())
            .unwrap();
        let PgOutputMessage::Insert(i) = m else {
            panic!()
        };
        assert_eq!(i.relation_id, 5);
        assert_eq!(
            i.new.values,
            vec![
                TupleValue::Null,
                TupleValue::Unchanged,
                TupleValue::Text(Bytes::from_static(b"hi")),
                TupleValue::Binary(Bytes::from_static(&[7]))
            ]
        );
        // Update with no old image, with 'K', with 'O'
        let PgOutputMessage::Update(u) = p
            .parse(&B::tag(b'U').u32(5).u8(b'N').i16(0).bytes())
            .unwrap()
        else {
            panic!()
        };
        assert!(u.old.is_none() && u.new.values.is_empty());
        for (t, kind) in [(b'K', OldTupleKind::Key), (b'O', OldTupleKind::Full)] {
            let b = B::tag(b'U')
                .u32(5)
                .u8(t)
                .i16(1)
                .u8(b'n')
                .u8(b'N')
                .i16(1)
                .u8(b'u');
            let PgOutputMessage::Update(u) = p.parse(&b.bytes()).unwrap() else {
                panic!()
            };
            assert_eq!(u.old.as_ref().map(|o| o.0), Some(kind));
            assert_eq!(u.new.values, vec![TupleValue::Unchanged]);
            let b = B::tag(b'D').u32(5).u8(t).i16(1).u8(b'n');
            let PgOutputMessage::Delete(d) = p.parse(&b.bytes()).unwrap() else {
                panic!()
            };
            assert_eq!(d.old_kind, kind);
        }
        assert!(p.parse(&B::tag(b'U').u32(5).u8(b'X').bytes()).is_err());
        assert!(
            p.parse(&B::tag(b'U').u32(5).u8(b'K').i16(0).u8(b'K').i16(0).bytes())
                .is_err()
        );
        assert!(
            p.parse(&B::tag(b'D').u32(5).u8(b'N').i16(0).bytes())
                .is_err()
        );
        assert!(
            p.parse(&B::tag(b'I').u32(5).u8(b'N').i16(1).u8(b'x').bytes())
                .is_err()
        );
        assert!(
            p.parse(&B::tag(b'I').u32(5).u8(b'N').i16(1).u8(b't').i32(-2).bytes())
                .is_err()
        );
        let e = p
            .parse(
                &B::tag(b'I')
                    .u32(5)
                    .u8(b'N')
                    .i16(2)
                    .u8(b'n')
                    .u8(b't')
                    .i32(9)
                    .raw(b"ab")
                    .bytes(),
            )
            .unwrap_err();
        assert!(e.is_truncated());
        assert_eq!(e.column(), Some((1, None)));
        // cut anywhere inside the tuple: truncated, in the column being read
        let full = tuple(B::tag(b'I').u32(5).u8(b'N')).bytes();
        let values_at = 1 + 4 + 1 + 2;
        let ends = [1, 2, 9, 15];
        for cut in values_at..full.len() {
            let e = p.parse(&full.slice(..cut)).unwrap_err();
            let col = ends.iter().position(|end| cut - values_at < *end).unwrap();
            assert!(e.is_truncated(), "{cut}: {e}");
            assert_eq!(e.column(), Some((col, None)), "{cut}");
        }
    }

    #[test]
    fn truncate_and_logical_message() {
        let mut p = parser(1);
        let PgOutputMessage::Truncate(t) = p
            .parse(&B::tag(b'T').u32(2).u8(3).u32(10).u32(11).bytes())
            .unwrap()
        else {
            panic!()
        };
        assert!(t.cascade() && t.restart_identity());
        assert_eq!(t.relation_ids, vec![10, 11]);
        assert!(p.parse(&B::tag(b'T').u32(u32::MAX).u8(0).bytes()).is_err());
        let m = p
            .parse(
                &B::tag(b'M')
                    .u8(1)
                    .u64(0x30)
                    .s("pfx")
                    .u32(3)
                    .raw(b"abc")
                    .bytes(),
            )
            .unwrap();
        assert_eq!(
            m,
            PgOutputMessage::Message(LogicalMessage {
                xid: None,
                transactional: true,
                lsn: Lsn(0x30),
                prefix: "pfx".into(),
                content: Bytes::from_static(b"abc")
            })
        );
    }

    #[test]
    fn streams_need_v2_and_prefix_in_stream_messages_with_the_xid() {
        let start = B::tag(b'S').u32(900).u8(1).bytes();
        let e = parser(1).parse(&start).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::ProtocolVersion {
                needed: 2,
                negotiated: 1
            }
        );
        let mut p = parser(2);
        assert!(
            p.parse(&B::tag(b'E').bytes()).is_err(),
            "stop outside a stream"
        );
        assert_eq!(
            p.parse(&start).unwrap(),
            PgOutputMessage::StreamStart(StreamStart {
                xid: 900,
                first_segment: true
            })
        );
        assert!(p.parse(&start).is_err(), "start inside a stream");
        assert_eq!(p.in_stream(), Some(900));
        let PgOutputMessage::Relation(r) = p.parse(&relation_bytes(Some(900)).bytes()).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.xid, Some(900));
        let PgOutputMessage::Insert(i) = p
            .parse(&B::tag(b'I').u32(900).u32(16384).u8(b'N').i16(0).bytes())
            .unwrap()
        else {
            panic!()
        };
        assert_eq!((i.xid, i.relation_id), (Some(900), 16384));
        let PgOutputMessage::Truncate(t) = p
            .parse(&B::tag(b'T').u32(900).u32(1).u8(0).u32(16384).bytes())
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(t.xid, Some(900));
        let PgOutputMessage::Message(m) = p
            .parse(&B::tag(b'M').u32(900).u8(1).u64(1).s("").u32(0).bytes())
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(m.xid, Some(900));
        let commit = B::tag(b'c').u32(900).u8(0).u64(1).u64(2).i64(3).bytes();
        assert!(p.parse(&commit).is_err(), "commit inside a stream");
        assert_eq!(
            p.parse(&B::tag(b'E').bytes()).unwrap(),
            PgOutputMessage::StreamStop
        );
        assert_eq!(p.in_stream(), None);
        assert_eq!(
            p.parse(&commit).unwrap(),
            PgOutputMessage::StreamCommit(StreamCommit {
                xid: 900,
                flags: 0,
                commit_lsn: Lsn(1),
                end_lsn: Lsn(2),
                commit_time: ts(3)
            })
        );
        let abort = B::tag(b'A').u32(900).u32(901).bytes();
        assert_eq!(
            p.parse(&abort).unwrap(),
            PgOutputMessage::StreamAbort(StreamAbort {
                xid: 900,
                subxid: 901,
                abort_lsn: None,
                abort_time: None
            })
        );
        // v4 without parallel streaming: same layout; with it, LSN and time follow
        assert!(parser(4).parse(&abort).is_ok());
        let mut par = MessageParser::new(ProtocolOptions {
            version: 4,
            parallel_streaming: true,
        })
        .unwrap();
        assert!(par.parse(&abort).unwrap_err().is_truncated());
        assert_eq!(
            par.parse(&B::tag(b'A').u32(900).u32(900).u64(0x99).i64(7).bytes())
                .unwrap(),
            PgOutputMessage::StreamAbort(StreamAbort {
                xid: 900,
                subxid: 900,
                abort_lsn: Some(Lsn(0x99)),
                abort_time: Some(ts(7))
            })
        );
    }

    #[test]
    fn two_phase_messages_need_v3() {
        let bp = B::tag(b'b').u64(1).u64(2).i64(3).u32(44).s("gid1").bytes();
        assert!(parser(2).parse(&bp).is_err());
        let mut p = parser(3);
        assert_eq!(
            p.parse(&bp).unwrap(),
            PgOutputMessage::BeginPrepare(BeginPrepare {
                prepare_lsn: Lsn(1),
                end_lsn: Lsn(2),
                prepare_time: ts(3),
                xid: 44,
                gid: "gid1".into()
            })
        );
        let prep = |t| {
            B::tag(t)
                .u8(0)
                .u64(1)
                .u64(2)
                .i64(3)
                .u32(44)
                .s("gid1")
                .bytes()
        };
        let expected = PrepareMessage {
            flags: 0,
            prepare_lsn: Lsn(1),
            end_lsn: Lsn(2),
            prepare_time: ts(3),
            xid: 44,
            gid: "gid1".into(),
        };
        assert_eq!(
            p.parse(&prep(b'P')).unwrap(),
            PgOutputMessage::Prepare(expected.clone())
        );
        assert_eq!(
            p.parse(&prep(b'p')).unwrap(),
            PgOutputMessage::StreamPrepare(expected)
        );
        assert_eq!(
            p.parse(
                &B::tag(b'K')
                    .u8(0)
                    .u64(5)
                    .u64(6)
                    .i64(7)
                    .u32(44)
                    .s("gid1")
                    .bytes()
            )
            .unwrap(),
            PgOutputMessage::CommitPrepared(CommitPrepared {
                flags: 0,
                commit_lsn: Lsn(5),
                end_lsn: Lsn(6),
                commit_time: ts(7),
                xid: 44,
                gid: "gid1".into()
            })
        );
        assert_eq!(
            p.parse(
                &B::tag(b'r')
                    .u8(0)
                    .u64(5)
                    .u64(6)
                    .i64(7)
                    .i64(8)
                    .u32(44)
                    .s("gid1")
                    .bytes()
            )
            .unwrap(),
            PgOutputMessage::RollbackPrepared(RollbackPrepared {
                flags: 0,
                prepare_end_lsn: Lsn(5),
                rollback_end_lsn: Lsn(6),
                prepare_time: ts(7),
                rollback_time: ts(8),
                xid: 44,
                gid: "gid1".into()
            })
        );
        assert!(
            p.parse(
                &B::tag(b'K')
                    .u8(0)
                    .u64(5)
                    .u64(6)
                    .i64(7)
                    .u32(44)
                    .raw(b"no-nul")
                    .bytes()
            )
            .is_err()
        );
    }

    #[test]
    fn versions_outside_1_to_4_are_refused() {
        assert!(MessageParser::new(ProtocolOptions::version(0)).is_err());
        assert!(MessageParser::new(ProtocolOptions::version(5)).is_err());
        assert_eq!(message_type_name(b'I'), "Insert");
    }
}
