//! # cdc-mysql-binlog
//!
//! A sans-IO decoder of MySQL (5.1–8.4) and MariaDB binary logs: bytes in, typed events and
//! exact [`cdc_model::Value`]s out. It never touches a socket or a clock; feed it a whole
//! file ([`BinlogBytes`]), any `std::io::Read` ([`BinlogReader`]), or single events from a
//! replication stream ([`PacketAssembler`] joins the protocol packets, [`Decoder::decode`]
//! decodes; [`frame_len`] splits a raw byte stream).
//!
//! - Framing: magic, v4 header, FORMAT_DESCRIPTION, CRC32 verified (clear error with file and
//!   offset on mismatch).
//! - Events: QUERY with status variables, XID, GTID / anonymous / tagged GTID, PREVIOUS_GTIDS,
//!   TABLE_MAP with optional metadata, rows v1/v2 and PARTIAL_UPDATE_ROWS, TRANSACTION_PAYLOAD
//!   (zstd, streamed), ROTATE, INTVAR, RAND, USER_VAR, XA_PREPARE, INCIDENT, HEARTBEAT v1/v2,
//!   and MariaDB's GTID, GTID_LIST, BINLOG_CHECKPOINT, ANNOTATE_ROWS, compressed QUERY and
//!   rows events, START_ENCRYPTION (reported, not decrypted).
//! - Rows decode lazily ([`RowsEvent::rows`]); text and binary values are slices of the
//!   event's bytes.
//! - Unknown events that might change rows are errors, not silent drops
//!   ([`UnknownEvents`]).
//!
//! ```
//! use cdc_mysql_binlog::{BinlogBytes, EventData};
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/mysql-binlog/mysql-bin.checksum-crc32");
//! # if !std::path::Path::new(path).exists() { return Ok(()); }
//! let data = std::fs::read(path).expect("fixture");
//! let mut rows = 0;
//! for event in BinlogBytes::new(data.into(), "mysql-bin.000001")? {
//!     if let EventData::Rows(r) = &event?.data {
//!         for row in r.rows() {
//!             let row = row?;
//!             rows += 1;
//!             let _ = (row.before, row.after);
//!         }
//!     }
//! }
//! assert!(rows > 0);
//! # Ok::<(), cdc_mysql_binlog::Error>(())
//! ```

mod charset;
mod column;
mod compress;
mod cursor;
mod decimal;
mod decoder;
mod error;
mod event_type;
mod events;
mod header;
mod json;
mod reader;
mod rows;
mod serialization;
mod stream;
mod value;

pub use charset::charset_for_collation;
pub use column::{ColumnDesc, types};
pub use decoder::{
    Decoder, Event, EventData, PayloadEvents, TransactionPayload, UnknownEvents, describe_column,
};
pub use error::{Error, ErrorKind, Result};
pub use event_type::{codes, event_type_name};
pub use events::{
    ChecksumAlg, FormatDescription, GtidEvent, LogicalClock, MariaGtidEvent, Query, QueryStatus,
    Rotate, UserVar, UserVarValue, XaId, XaPrepare, maria_gtid_flags,
};
pub use header::{
    CHECKSUM_LEN, EventHeader, FLAG_ARTIFICIAL, FLAG_BINLOG_IN_USE, FLAG_IGNORABLE, HEADER_LEN,
    MAGIC, frame_len, verify_checksum,
};
pub use json::json_to_text;
pub use reader::{BinlogBytes, BinlogReader};
pub use rows::{ROWS_FLAG_STMT_END, Row, RowIter, RowsEvent, RowsKind, TableMap, column_charset};
pub use stream::{MAX_PACKET_PAYLOAD, PacketAssembler, StreamItem};

#[cfg(test)]
mod test_util {
    /// Bytes from hex digits, white space ignored (test vectors written as dumps).
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
