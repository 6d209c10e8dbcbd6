//! Any bytes as a binary COPY stream (`COPY ... TO STDOUT (FORMAT binary)`): parsed whole and
//! fed in small pieces, which must give the same tuples and the same outcome, and every tuple
//! decoded as a row of values of every kind: values or typed errors, never a panic.
//!
//! Input layout: one byte for the piece size (0: 1 byte at a time), one byte for the expected
//! field count (0: not checked), then the stream.
#![no_main]

use std::mem::discriminant;
use std::sync::Arc;

use cdc_model::{Bytes, Column, ColumnType, TableId, TableSchema};
use cdc_pgoutput::{ScalarKind, ValueKind};
use cdc_postgres::snapshot::decode_row;
use cdc_postgres::{CopyBinaryError, CopyBinaryParser};
use libfuzzer_sys::fuzz_target;

const KINDS: [ScalarKind; 26] = [
    ScalarKind::Int8,
    ScalarKind::Bool,
    ScalarKind::Int2,
    ScalarKind::Int4,
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

type Outcome = (Vec<Vec<Option<Bytes>>>, Result<(), CopyBinaryError>);

/// Pushes `stream` in pieces of `piece` bytes, taking tuples after each piece.
fn parse(stream: &[u8], piece: usize, fields: usize) -> Outcome {
    let mut p = CopyBinaryParser::new();
    if fields > 0 {
        p = p.expect_fields(fields);
    }
    let mut tuples = Vec::new();
    for chunk in stream.chunks(piece.max(1)) {
        p.push(Bytes::copy_from_slice(chunk));
        loop {
            match p.next_tuple() {
                Ok(Some(t)) => tuples.push(t),
                Ok(None) => break,
                Err(e) => return (tuples, Err(e)),
            }
        }
    }
    let end = p.finish();
    (tuples, end)
}

fuzz_target!(|data: &[u8]| {
    let [piece, fields, stream @ ..] = data else {
        return;
    };
    let fields = usize::from(*fields);
    let (whole, whole_end) = parse(stream, stream.len(), fields);
    let (pieces, pieces_end) = parse(stream, usize::from(*piece), fields);
    assert_eq!(whole, pieces);
    match (&whole_end, &pieces_end) {
        (Ok(()), Ok(())) => {}
        (Err(a), Err(b)) => assert_eq!(discriminant(a.kind()), discriminant(b.kind()), "{a} / {b}"),
        _ => panic!("whole: {whole_end:?}, in pieces: {pieces_end:?}"),
    }
    for tuple in &whole {
        let kinds: Vec<ValueKind> = (0..tuple.len())
            .map(|i| {
                let k = KINDS[i % KINDS.len()];
                if (i / KINDS.len()) % 2 == 1 {
                    ValueKind::Array(k)
                } else {
                    ValueKind::Scalar(k)
                }
            })
            .collect();
        let schema = Arc::new(TableSchema::new(
            TableId::new("fuzz", "t"),
            (0..tuple.len())
                .map(|i| {
                    Column::new(
                        format!("c{i}"),
                        ColumnType::Other {
                            name: "x".into(),
                            oid: None,
                        },
                    )
                })
                .collect(),
        ));
        let _ = decode_row(&schema, &kinds, tuple);
    }
});
