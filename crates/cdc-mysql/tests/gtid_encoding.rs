//! COM_BINLOG_DUMP_GTID's GTID set encoding, checked against two independent readers and
//! writers: mysql_common's `ComBinlogDumpGtid` (untagged sets) and cdc-mysql-binlog's
//! PREVIOUS_GTIDS decoder (the same encoding, tagged or not, as MySQL writes it in binlogs).
//! (MariaDB has no MySQL GTIDs, so this cannot be tested against a live server here.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use bytes::Bytes;
use cdc_model::GtidSet;
use cdc_mysql::encode_gtid_set;
use cdc_mysql_binlog::{Decoder, EventData, codes};
use mysql_common::packets::{ComBinlogDumpGtid, GnoInterval, Sid};
use mysql_common::proto::MySerialize;

/// Wraps `body` in a PREVIOUS_GTIDS event and decodes it.
fn decode_previous_gtids(body: &[u8]) -> GtidSet {
    let size = (19 + body.len() + 4) as u32;
    let mut ev = Vec::new();
    ev.extend_from_slice(&0u32.to_le_bytes()); // timestamp
    ev.push(codes::PREVIOUS_GTIDS);
    ev.extend_from_slice(&1u32.to_le_bytes()); // server id
    ev.extend_from_slice(&size.to_le_bytes());
    ev.extend_from_slice(&(4 + size).to_le_bytes());
    ev.extend_from_slice(&0u16.to_le_bytes());
    ev.extend_from_slice(body);
    ev.extend_from_slice(&[0; 4]); // checksum, not verified
    let mut dec = Decoder::new();
    dec.set_verify_checksums(false);
    match dec.decode(Bytes::from(ev), 4).unwrap().data {
        EventData::PreviousGtids(set) => set,
        other => panic!("{other:?}"),
    }
}

const SETS: &[&str] = &[
    "",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7:10-9223372036854775807",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,00000000-0000-0000-0000-000000000001:3-4",
];

const TAGGED: &[&str] = &[
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:blue:3",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2:blue:3-4:red_team:9,\
     00000000-0000-0000-0000-000000000001:x:1",
];

#[test]
fn encoded_sets_decode_back_to_themselves() {
    for text in SETS.iter().chain(TAGGED) {
        let set: GtidSet = text.parse().unwrap();
        assert_eq!(decode_previous_gtids(&encode_gtid_set(&set)), set, "{text}");
    }
}

#[test]
fn untagged_sets_match_mysql_common() {
    for text in SETS.iter().filter(|s| !s.is_empty()) {
        let set: GtidSet = text.parse().unwrap();
        let mut cmd = ComBinlogDumpGtid::new(42)
            .with_filename(&b""[..])
            .with_pos(4);
        for (uuid, _, intervals) in set.iter() {
            let sid = Sid::new(*uuid.as_bytes()).with_intervals(
                intervals
                    .iter()
                    .map(|iv| GnoInterval::new(iv.start, iv.end + 1))
                    .collect(),
            );
            cmd = cmd.with_sid(sid);
        }
        let mut theirs = Vec::new();
        cmd.serialize(&mut theirs);
        // command byte, flags, server id, name length, name, position, data length, data
        let data_at = 1 + 2 + 4 + 4 + 8 + 4;
        assert_eq!(&theirs[data_at..], encode_gtid_set(&set), "{text}");
    }
}
