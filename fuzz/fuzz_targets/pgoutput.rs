//! Any bytes as replication framing (XLogData / keepalive) and as a sequence of pgoutput
//! messages through the full decoder (relation cache seeded with a table of every decoded type,
//! plus whatever Relation messages the input brings), and as single values of every kind in
//! text and binary form: values or errors, never a panic.
//!
//! Input layout: one flags byte (bits 0-1: protocol version - 1; bit 3: start inside a stream;
//! bit 4: parallel streaming; bit 5: value mode), then messages each prefixed by a big-endian
//! u16 length. In value mode the byte after the flags picks the value kind and the rest is the
//! value.
#![no_main]

use cdc_model::Bytes;
use cdc_pgoutput::{
    Decoder, ProtocolOptions, RelationColumn, RelationMessage, ReplicaIdentity, ReplicationMessage,
    ScalarKind, TypeInfo, ValueKind, decode_binary_value, decode_text_value, oid,
};
use libfuzzer_sys::fuzz_target;

const KINDS: [ScalarKind; 26] = [
    ScalarKind::Bool,
    ScalarKind::Int2,
    ScalarKind::Int4,
    ScalarKind::Int8,
    ScalarKind::Oid,
    ScalarKind::Float4,
    ScalarKind::Float8,
    ScalarKind::Numeric,
    ScalarKind::Text,
    ScalarKind::Bytea,
    ScalarKind::Date,
    ScalarKind::Time,
    ScalarKind::TimeTz,
    ScalarKind::Timestamp,
    ScalarKind::TimestampTz,
    ScalarKind::Interval,
    ScalarKind::Uuid,
    ScalarKind::Json,
    ScalarKind::Jsonb,
    ScalarKind::Bit,
    ScalarKind::Inet,
    ScalarKind::Cidr,
    ScalarKind::MacAddr,
    ScalarKind::Money,
    ScalarKind::Enum,
    ScalarKind::Unknown,
];

const TYPES: [u32; 33] = [
    oid::INT4,
    oid::BOOL,
    oid::INT2,
    oid::INT8,
    oid::OID,
    oid::FLOAT4,
    oid::FLOAT8,
    oid::NUMERIC,
    oid::TEXT,
    oid::VARCHAR,
    oid::BPCHAR,
    oid::NAME,
    oid::BYTEA,
    oid::DATE,
    oid::TIME,
    oid::TIMETZ,
    oid::TIMESTAMP,
    oid::TIMESTAMPTZ,
    oid::INTERVAL,
    oid::UUID,
    oid::JSON,
    oid::JSONB,
    oid::BIT,
    oid::VARBIT,
    oid::INET,
    oid::CIDR,
    oid::MACADDR,
    oid::MACADDR8,
    oid::MONEY,
    1007,
    70000,
    70001,
    70002,
];

fn seeded(options: ProtocolOptions) -> Option<Decoder> {
    let mut d = Decoder::new(options).ok()?;
    let t = d.types_mut();
    t.register(
        70000,
        TypeInfo::Enum {
            name: "mood".into(),
            labels: vec!["sad".into()],
        },
    );
    t.register(
        70001,
        TypeInfo::Domain {
            name: "posint".into(),
            base_oid: oid::INT4,
            base_typmod: -1,
        },
    );
    t.register(
        70002,
        TypeInfo::Array {
            name: "_mood".into(),
            element_oid: 70000,
        },
    );
    for (id, ri) in [
        (1, ReplicaIdentity::Default),
        (16384, ReplicaIdentity::Full),
    ] {
        d.add_relation(&RelationMessage {
            xid: None,
            id,
            namespace: "public".into(),
            name: "all_types".into(),
            replica_identity: ri,
            columns: TYPES
                .iter()
                .enumerate()
                .map(|(i, t)| RelationColumn {
                    flags: u8::from(i == 0),
                    name: format!("c{i}"),
                    type_oid: *t,
                    type_modifier: -1,
                })
                .collect(),
        });
    }
    Some(d)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    if flags & 0x20 != 0 {
        let Some((&pick, value)) = rest.split_first() else {
            return;
        };
        let k = KINDS[usize::from(pick) % KINDS.len()];
        let kind = if pick >= 128 {
            ValueKind::Array(k)
        } else {
            ValueKind::Scalar(k)
        };
        let value = Bytes::copy_from_slice(value);
        let _ = decode_text_value(&kind, &value);
        let _ = decode_binary_value(&kind, &value);
        return;
    }
    let options = ProtocolOptions {
        version: u32::from(flags & 3) + 1,
        parallel_streaming: flags & 0x10 != 0,
    };
    let Some(mut decoder) = seeded(options) else {
        return;
    };
    if flags & 8 != 0 {
        decoder.parser_mut().set_in_stream(Some(1234));
    }
    // the whole rest as one CopyData payload
    let whole = Bytes::copy_from_slice(rest);
    if let Ok(ReplicationMessage::XLogData(x)) = ReplicationMessage::parse(&whole) {
        let _ = decoder.clone().decode_xlogdata(&x);
    }
    // and as length-prefixed pgoutput messages
    let mut rest = rest;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (msg, tail) = tail.split_at(len);
        let _ = decoder.decode(&Bytes::copy_from_slice(msg));
        rest = tail;
    }
});
