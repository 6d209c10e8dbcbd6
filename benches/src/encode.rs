//! Inputs for the encoder benchmarks, and the generic DTS Avro path they compare the direct
//! writer with.

use std::collections::HashMap;
use std::sync::Arc;

use apache_avro::Schema;
use apache_avro::types::Value as Avro;
use apache_avro::writer::datum::GenericDatumWriter;
use cdc_encode::dts_avro::{DTS_RECORD_SCHEMA, DtsRecord, DtsUnion, DtsValue};
use cdc_model::{
    Change, ChangeEvent, Charset, Column, ColumnType, Index, RowImage, SourcePosition, TableId,
    TableSchema, Timestamp, TxnId, TxnMeta,
};

use crate::{GENERATED_SCHEMA, GENERATED_TABLE, GeneratedRow};

/// The schema of [`GeneratedRow`]'s table.
pub fn generated_table() -> Arc<TableSchema> {
    let text = |max: Option<u64>| ColumnType::Text {
        max_bytes: max,
        charset: Some(Charset::Utf8mb4),
    };
    let mut t = TableSchema::new(
        TableId::new(GENERATED_SCHEMA, GENERATED_TABLE),
        vec![
            Column::new("id", ColumnType::BigInt { unsigned: false }).not_null(),
            Column::new("qty", ColumnType::Int { unsigned: false }),
            Column::new("status", ColumnType::TinyInt { unsigned: true }).not_null(),
            Column::new(
                "name",
                ColumnType::VarChar {
                    length: Some(64),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
            Column::new(
                "country",
                ColumnType::Char {
                    length: Some(2),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
            Column::new(
                "price",
                ColumnType::Decimal {
                    precision: Some(12),
                    scale: Some(2),
                },
            ),
            Column::new("created", ColumnType::DateTime { precision: Some(6) }),
            Column::new("updated", ColumnType::Timestamp { precision: Some(0) }).not_null(),
            Column::new("score", ColumnType::Double),
            Column::new("note", text(Some(65_535))),
            Column::new(
                "payload",
                ColumnType::Blob {
                    max_bytes: Some(65_535),
                },
            ),
            Column::new("birthday", ColumnType::Date),
        ],
    );
    t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    Arc::new(t)
}

/// `rows` row events on the generated table, in transactions of five: four inserts and one
/// update of a previously inserted row (full before and after images), each with its binlog
/// position, MariaDB GTID and commit time.
pub fn generated_events(rows: usize) -> Vec<ChangeEvent> {
    let table = generated_table();
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        let n = i as u64;
        let change = if i % 5 == 4 {
            let id = n - 2;
            Change::Update {
                table: table.clone(),
                before: Some(RowImage::new(GeneratedRow::inserted(id).values())),
                after: RowImage::new(GeneratedRow::updated(id).values()),
            }
        } else {
            Change::Insert {
                table: table.clone(),
                after: RowImage::new(GeneratedRow::inserted(n).values()),
            }
        };
        out.push(ChangeEvent {
            position: SourcePosition::Binlog(cdc_model::BinlogPosition::new(
                "mysql-bin.000042",
                4 + 400 * n,
            )),
            txn: Some(TxnMeta {
                id: TxnId::MariadbGtid(cdc_model::MariaGtid {
                    domain: 0,
                    server_id: 1,
                    sequence: n / 5 + 1,
                }),
                ordinal: n % 5 + 1,
            }),
            commit_time: Some(Timestamp::from_unix_parts(
                1_700_000_000 + (n / 5) as i64,
                0,
            )),
            change,
        });
    }
    out
}

/// The DTS Avro schema parsed by `apache-avro`: the `Record` schema and the named types it
/// refers to. (`tags` go through a `HashMap`, so records with more than one tag would come out
/// in another order; the encoder writes one.)
pub struct DtsGeneric {
    schemata: Vec<Schema>,
}

impl DtsGeneric {
    /// Parses [`DTS_RECORD_SCHEMA`] (a JSON list of named types) with `apache-avro`.
    pub fn new() -> Result<DtsGeneric, String> {
        let list: Vec<serde_json::Value> =
            serde_json::from_str(DTS_RECORD_SCHEMA).map_err(|e| e.to_string())?;
        let texts: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        let schemata = Schema::parse_list(&texts).map_err(|e| e.to_string())?;
        Ok(DtsGeneric { schemata })
    }

    /// An `apache-avro` datum writer for the `Record` schema, references resolved (build it
    /// once, write many records).
    pub fn writer(&self) -> Result<GenericDatumWriter<'_>, String> {
        let (record, named) = self.schemata.split_last().ok_or("empty schema list")?;
        GenericDatumWriter::builder(record)
            .schemata(named.iter().collect())
            .map_err(|e| e.to_string())?
            .build()
            .map_err(|e| e.to_string())
    }

    /// The record's Avro binary through `apache-avro`'s generic `Value` and `writer` (which
    /// validates the value against the schema, as `apache-avro` does by default).
    pub fn encode(writer: &GenericDatumWriter<'_>, rec: &DtsRecord<'_>) -> Result<Vec<u8>, String> {
        writer
            .write_value_to_vec(to_value(rec))
            .map_err(|e| e.to_string())
    }
}

fn union<T>(u: &DtsUnion<T>, item: impl Fn(&T) -> Avro) -> Avro {
    match u {
        DtsUnion::Null => Avro::Union(0, Box::new(Avro::Null)),
        DtsUnion::Text(s) => Avro::Union(1, Box::new(Avro::String(s.clone()))),
        DtsUnion::Array(v) => Avro::Union(2, Box::new(Avro::Array(v.iter().map(item).collect()))),
    }
}

fn rec(fields: Vec<(&str, Avro)>) -> Avro {
    Avro::Record(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn value(v: &DtsValue<'_>) -> Avro {
    let branch = u32::try_from(v.branch()).unwrap_or(0);
    let inner = match v {
        DtsValue::Null => Avro::Null,
        DtsValue::Integer { precision, value } => rec(vec![
            ("precision", Avro::Int(*precision)),
            ("value", Avro::String(value.clone())),
        ]),
        DtsValue::Character { charset, value } => rec(vec![
            ("charset", Avro::String(charset.to_string())),
            ("value", Avro::Bytes(value.to_vec())),
        ]),
        DtsValue::Decimal {
            value,
            precision,
            scale,
        } => rec(vec![
            ("value", Avro::String(value.clone())),
            ("precision", Avro::Int(*precision)),
            ("scale", Avro::Int(*scale)),
        ]),
        DtsValue::Float {
            value,
            precision,
            scale,
        } => rec(vec![
            ("value", Avro::Double(*value)),
            ("precision", Avro::Int(*precision)),
            ("scale", Avro::Int(*scale)),
        ]),
        DtsValue::Timestamp { timestamp, millis } => rec(vec![
            ("timestamp", Avro::Long(*timestamp)),
            ("millis", Avro::Int(*millis)),
        ]),
        DtsValue::DateTime(parts) => {
            let names = ["year", "month", "day", "hour", "minute", "second", "millis"];
            rec(names
                .iter()
                .zip(parts)
                .map(|(n, p)| {
                    let v = match p {
                        None => Avro::Union(0, Box::new(Avro::Null)),
                        Some(x) => Avro::Union(1, Box::new(Avro::Int(*x))),
                    };
                    (*n, v)
                })
                .collect())
        }
        DtsValue::BinaryGeometry { kind, value } => rec(vec![
            ("type", Avro::String((*kind).to_owned())),
            ("value", Avro::Bytes(value.to_vec())),
        ]),
        DtsValue::BinaryObject { kind, value } => rec(vec![
            ("type", Avro::String(kind.clone())),
            ("value", Avro::Bytes(value.to_vec())),
        ]),
        DtsValue::TextObject { kind, value } => rec(vec![
            ("type", Avro::String((*kind).to_owned())),
            ("value", Avro::String(value.to_string())),
        ]),
        DtsValue::Empty { none } => Avro::Enum(
            u32::from(*none),
            if *none { "NONE" } else { "NULL" }.to_owned(),
        ),
    };
    Avro::Union(branch, Box::new(inner))
}

/// The record as an `apache-avro` generic value.
pub fn to_value(r: &DtsRecord<'_>) -> Avro {
    rec(vec![
        ("version", Avro::Int(r.version)),
        ("id", Avro::Long(r.id)),
        ("sourceTimestamp", Avro::Long(r.source_timestamp)),
        ("sourcePosition", Avro::String(r.source_position.clone())),
        (
            "safeSourcePosition",
            Avro::String(r.safe_source_position.clone()),
        ),
        ("sourceTxid", Avro::String(r.source_txid.clone())),
        (
            "source",
            rec(vec![
                (
                    "sourceType",
                    Avro::Enum(r.source_type as u32, r.source_type.symbol().to_owned()),
                ),
                ("version", Avro::String(r.source_version.to_owned())),
            ]),
        ),
        (
            "operation",
            Avro::Enum(r.operation as u32, r.operation.symbol().to_owned()),
        ),
        (
            "objectName",
            match &r.object_name {
                None => Avro::Union(0, Box::new(Avro::Null)),
                Some(n) => Avro::Union(1, Box::new(Avro::String(n.clone()))),
            },
        ),
        ("processTimestamps", Avro::Union(0, Box::new(Avro::Null))),
        (
            "tags",
            Avro::Map(
                r.tags
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Avro::String(v.clone())))
                    .collect::<HashMap<_, _>>(),
            ),
        ),
        (
            "fields",
            union(&r.fields, |(name, code)| {
                rec(vec![
                    ("name", Avro::String((*name).to_owned())),
                    ("dataTypeNumber", Avro::Int(*code)),
                ])
            }),
        ),
        ("beforeImages", union(&r.before_images, value)),
        ("afterImages", union(&r.after_images, value)),
        ("bornTimestamp", Avro::Long(r.born_timestamp)),
    ])
}
