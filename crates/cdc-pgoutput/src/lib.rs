//! # cdc-pgoutput
//!
//! A sans-IO decoder of PostgreSQL logical replication with the `pgoutput` plugin: bytes in,
//! typed protocol messages and exact [`cdc_model::Change`]s out. It never touches a socket or
//! a clock; the client feeds it CopyData payloads.
//!
//! - Replication framing ([`ReplicationMessage`]): `XLogData` and primary keepalive in,
//!   [`StandbyStatusUpdate`] and [`HotStandbyFeedback`] out; times are [`cdc_model::Timestamp`]s
//!   converted exactly from the PostgreSQL epoch, positions are [`cdc_model::Lsn`]s.
//! - pgoutput protocol versions 1 to 4 ([`MessageParser`]): Begin, Commit, Origin, Relation,
//!   Type, Insert, Update, Delete, Truncate, Message, the v2 stream messages (with the xid
//!   prefix inside streams, and the v4 parallel-streaming abort fields) and the v3 two-phase
//!   messages. The negotiated version and the stream state are explicit parser state.
//! - Values ([`decode_text_value`], [`decode_binary_value`]) in both the text and the binary
//!   wire forms: bool, integers, oid, numeric (with NaN and ±Infinity), floats, character
//!   types, bytea, date/time types (with ±infinity and BC dates), interval, uuid, json, jsonb,
//!   bit strings, inet/cidr, macaddr/macaddr8, money, enums, domains and arrays. Types without
//!   a decoder keep their text (or, in binary mode, their bytes) under
//!   [`cdc_model::ColumnType::Other`]; nothing is dropped.
//! - [`Decoder`] keeps the relations and types the stream announces (plus what the caller
//!   registers in its [`TypeRegistry`]: enums, domains, arrays of user-defined types) and
//!   turns row messages into [`cdc_model::Change`]s holding an `Arc<TableSchema>`.
//!
//! Text values are assumed to be UTF-8 (a database with `UTF8` encoding); the text form of
//! dates and times is read in the `ISO` date style and the `postgres` interval style (the
//! defaults), with `timestamptz` offsets in whatever session time zone the server used.
//!
//! ```
//! use bytes::Bytes;
//! use cdc_model::{Change, Value};
//! use cdc_pgoutput::{Decoder, ProtocolOptions, ReplicationMessage};
//!
//! // A CopyData payload: XLogData carrying a pgoutput Relation message.
//! let mut copy_data = vec![b'w'];
//! copy_data.extend_from_slice(&0x0000_0001_0000_0060u64.to_be_bytes()); // wal start
//! copy_data.extend_from_slice(&0x0000_0001_0000_0100u64.to_be_bytes()); // wal end
//! copy_data.extend_from_slice(&0i64.to_be_bytes()); // server time: 2000-01-01
//! copy_data.extend_from_slice(b"R\x00\x00\x40\x00public\0users\0d\x00\x01\x01id\0");
//! copy_data.extend_from_slice(&20u32.to_be_bytes()); // int8
//! copy_data.extend_from_slice(&(-1i32).to_be_bytes());
//!
//! let mut decoder = Decoder::new(ProtocolOptions::version(2))?;
//! let ReplicationMessage::XLogData(x) = ReplicationMessage::parse(&Bytes::from(copy_data))? else {
//!     unreachable!()
//! };
//! assert_eq!(x.server_time.to_string(), "2000-01-01 00:00:00Z");
//! decoder.decode_xlogdata(&x)?;
//!
//! // A Delete with the old key (binary value) of that relation.
//! let mut delete = b"D\x00\x00\x40\x00K\x00\x01b\x00\x00\x00\x08".to_vec();
//! delete.extend_from_slice(&42i64.to_be_bytes());
//! let d = decoder.decode(&Bytes::from(delete))?;
//! let Some(Change::Delete { table, before }) = d.change else { unreachable!() };
//! assert_eq!(table.id.to_string(), "public.users");
//! assert_eq!(before.values, vec![Value::Int(42)]);
//! # Ok::<(), cdc_pgoutput::Error>(())
//! ```

mod cursor;
mod decoder;
mod error;
mod fast;
mod message;
mod replication;
mod types;
mod values;

pub use decoder::{Decoded, Decoder, Relation};
pub use error::{Error, ErrorKind, Result};
pub use message::{
    Begin, BeginPrepare, Commit, CommitPrepared, DeleteMessage, InsertMessage, LogicalMessage,
    MessageParser, OldTupleKind, Origin, PgOutputMessage, PrepareMessage, ProtocolOptions,
    RelationColumn, RelationMessage, ReplicaIdentity, RollbackPrepared, StreamAbort, StreamCommit,
    StreamStart, TruncateMessage, TupleData, TupleValue, TypeMessage, UpdateMessage,
    message_type_name,
};
pub use replication::{
    HotStandbyFeedback, PG_EPOCH_OFFSET_MICROS, PrimaryKeepalive, ReplicationMessage,
    StandbyStatusUpdate, XLogData, timestamp_from_pg, timestamp_to_pg,
};
pub use types::{ScalarKind, TypeInfo, TypeRegistry, ValueKind, oid};
pub use values::{decode_binary_value, decode_text_value};
