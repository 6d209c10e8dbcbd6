//! The decoder: pgoutput messages in, [`Change`]s with their table schemas out.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use cdc_model::{Change, Column, Index, Lsn, RowImage, TableId, TableSchema, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::message::{
    MessageParser, OldTupleKind, PgOutputMessage, ProtocolOptions, RelationColumn, RelationMessage,
    ReplicaIdentity, TupleData, TupleValue,
};
use crate::replication::XLogData;
use crate::types::{TypeRegistry, ValueKind};
use crate::values::{decode_binary_value, decode_text_value};

/// A relation as the last Relation message described it, with its model schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    /// Relation OID.
    pub id: u32,
    /// Replica identity.
    pub replica_identity: ReplicaIdentity,
    /// The columns as sent.
    pub columns: Vec<RelationColumn>,
    /// Indexes of the replica identity columns (all columns for `FULL`).
    pub key_columns: Vec<usize>,
    /// The table: columns with model types; the primary key (identity `DEFAULT`) or a unique
    /// key (identity `INDEX`) from the key flags. Row images are aligned with its columns.
    pub schema: Arc<TableSchema>,
    kinds: Vec<ValueKind>,
}

impl Relation {
    /// Builds the relation for `msg`, resolving its column types with `types`.
    pub fn new(msg: &RelationMessage, types: &TypeRegistry) -> Relation {
        let schema = if msg.namespace.is_empty() {
            "pg_catalog".to_owned()
        } else {
            msg.namespace.clone()
        };
        let key_columns: Vec<usize> = msg
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_key())
            .map(|(i, _)| i)
            .collect();
        let full = msg.replica_identity == ReplicaIdentity::Full;
        let columns = msg
            .columns
            .iter()
            .map(|c| {
                let mut col = Column::new(
                    c.name.clone(),
                    types.column_type(c.type_oid, c.type_modifier),
                );
                col.native_type = types.name(c.type_oid);
                // identity columns of a key or unique index are NOT NULL by definition
                if c.is_key() && !full {
                    col = col.not_null();
                }
                col
            })
            .collect();
        let mut table = TableSchema::new(TableId::new(schema, msg.name.clone()), columns);
        let key_names: Vec<&str> = key_columns
            .iter()
            .filter_map(|i| msg.columns.get(*i).map(|c| c.name.as_str()))
            .collect();
        if !key_names.is_empty() {
            match msg.replica_identity {
                ReplicaIdentity::Default => {
                    table.primary_key = Some(Index::new(None, &key_names, true));
                }
                ReplicaIdentity::Index => {
                    table.unique_keys.push(Index::new(None, &key_names, true));
                }
                ReplicaIdentity::Full | ReplicaIdentity::Nothing => {}
            }
        }
        Relation {
            id: msg.id,
            replica_identity: msg.replica_identity,
            kinds: msg
                .columns
                .iter()
                .map(|c| types.value_kind(c.type_oid))
                .collect(),
            columns: msg.columns.clone(),
            key_columns,
            schema: Arc::new(table),
        }
    }

    fn label(&self) -> String {
        self.schema.id.to_string()
    }

    /// Decodes a tuple of this relation into a row image. With `key_only` (an old `'K'`
    /// tuple), columns outside the replica identity are [`Value::Unchanged`], not the NULLs
    /// PostgreSQL puts there.
    pub fn row(&self, tuple: &TupleData, key_only: bool) -> Result<RowImage> {
        if tuple.values.len() != self.columns.len() {
            return Err(Error::new(ErrorKind::ColumnCount {
                expected: self.columns.len(),
                got: tuple.values.len(),
            })
            .in_relation(|| self.label()));
        }
        let mut values = Vec::with_capacity(tuple.values.len());
        for (i, ((v, col), kind)) in tuple
            .values
            .iter()
            .zip(&self.columns)
            .zip(&self.kinds)
            .enumerate()
        {
            if key_only && !col.is_key() {
                values.push(Value::Unchanged);
                continue;
            }
            let decoded = match v {
                TupleValue::Null => Ok(Value::Null),
                TupleValue::Unchanged => Ok(Value::Unchanged),
                TupleValue::Text(b) => decode_text_value(kind, b),
                TupleValue::Binary(b) => decode_binary_value(kind, b),
            };
            values.push(decoded.map_err(|e| {
                e.in_relation(|| self.label())
                    .in_column(i, Some(col.name.as_str()))
            })?);
        }
        Ok(RowImage::new(values))
    }
}

/// One decoded message: the protocol message, the transaction it belongs to, and for row
/// messages, truncates, Begin and (Stream) Commit the [`Change`].
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The message as parsed.
    pub message: PgOutputMessage,
    /// The transaction: the Begin's xid in a regular transaction; inside a stream the xid
    /// the message carries (the subtransaction's, for changes made in one); the xid of
    /// stream and two-phase control messages; `None` outside transactions
    /// (non-transactional logical messages, Relation/Type messages between transactions).
    pub xid: Option<u32>,
    /// The change, for Begin, Commit, Stream Commit, Insert, Update, Delete and Truncate.
    /// Changes inside a stream are not yet committed: they take effect at the Stream Commit
    /// of their xid and are void after a Stream Abort.
    pub change: Option<Change>,
}

/// Decodes a pgoutput stream: parses each message ([`MessageParser`]), keeps the relations
/// and types it announces, and turns row messages into [`Change`]s.
///
/// ```
/// use bytes::Bytes;
/// use cdc_model::{Change, Value};
/// use cdc_pgoutput::{Decoder, ProtocolOptions};
///
/// let mut d = Decoder::new(ProtocolOptions::version(1))?;
/// // Relation 16384 public.t (id int4 key, note text)
/// let mut rel = vec![b'R'];
/// rel.extend_from_slice(&16384u32.to_be_bytes());
/// rel.extend_from_slice(b"public\0t\0d");
/// rel.extend_from_slice(&2i16.to_be_bytes());
/// rel.extend_from_slice(b"\x01id\0");
/// rel.extend_from_slice(&23u32.to_be_bytes());
/// rel.extend_from_slice(&(-1i32).to_be_bytes());
/// rel.extend_from_slice(b"\x00note\0");
/// rel.extend_from_slice(&25u32.to_be_bytes());
/// rel.extend_from_slice(&(-1i32).to_be_bytes());
/// d.decode(&Bytes::from(rel))?;
/// // Insert (7, 'hi')
/// let mut ins = vec![b'I'];
/// ins.extend_from_slice(&16384u32.to_be_bytes());
/// ins.extend_from_slice(b"N\x00\x02t\x00\x00\x00\x017t\x00\x00\x00\x02hi");
/// let decoded = d.decode(&Bytes::from(ins))?;
/// let Some(Change::Insert { table, after }) = decoded.change else { unreachable!() };
/// assert_eq!(table.id.to_string(), "public.t");
/// assert_eq!(table.identity_columns(), Some(vec![0]));
/// assert_eq!(after.values, vec![Value::Int(7), Value::text("hi")]);
/// # Ok::<(), cdc_pgoutput::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    parser: MessageParser,
    types: TypeRegistry,
    relations: HashMap<u32, Arc<Relation>>,
    txn_xid: Option<u32>,
}

impl Decoder {
    /// A decoder for the negotiated protocol options (version 1 to 4).
    pub fn new(options: ProtocolOptions) -> Result<Decoder> {
        Ok(Decoder {
            parser: MessageParser::new(options)?,
            types: TypeRegistry::new(),
            relations: HashMap::new(),
            txn_xid: None,
        })
    }

    /// The message parser (protocol options and stream state).
    pub fn parser(&self) -> &MessageParser {
        &self.parser
    }

    /// The message parser, to set the stream state when resuming mid-stream.
    pub fn parser_mut(&mut self) -> &mut MessageParser {
        &mut self.parser
    }

    /// The type registry.
    pub fn types(&self) -> &TypeRegistry {
        &self.types
    }

    /// The type registry, to register enums, domains and arrays of them before their
    /// Relation messages arrive.
    pub fn types_mut(&mut self) -> &mut TypeRegistry {
        &mut self.types
    }

    /// The relation with OID `id`, as last announced.
    pub fn relation(&self, id: u32) -> Option<&Arc<Relation>> {
        self.relations.get(&id)
    }

    /// Adds (or replaces) a relation as if its Relation message had arrived.
    pub fn add_relation(&mut self, msg: &RelationMessage) -> Arc<Relation> {
        let rel = Arc::new(Relation::new(msg, &self.types));
        self.relations.insert(msg.id, rel.clone());
        rel
    }

    /// Decodes the data of an [`XLogData`]; errors carry its `wal_start`.
    pub fn decode_xlogdata(&mut self, x: &XLogData) -> Result<Decoded> {
        self.decode_at(x.wal_start, &x.data)
    }

    /// Decodes one message; errors carry `lsn`.
    pub fn decode_at(&mut self, lsn: Lsn, data: &Bytes) -> Result<Decoded> {
        self.decode(data).map_err(|e| e.at_lsn(lsn))
    }

    /// Decodes one pgoutput message.
    pub fn decode(&mut self, data: &Bytes) -> Result<Decoded> {
        let message = self.parser.parse(data)?;
        let tag = message.type_byte();
        self.apply(message).map_err(|e| e.in_message(tag))
    }

    fn rel(&self, id: u32) -> Result<Arc<Relation>> {
        self.relations
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::UnknownRelation(id)))
    }

    fn apply(&mut self, message: PgOutputMessage) -> Result<Decoded> {
        // Inside a stream each message carries its own xid, which is the subtransaction's
        // when the change was made in one (Stream Abort may void just that subtransaction).
        let own_xid = match &message {
            PgOutputMessage::Relation(m) => m.xid,
            PgOutputMessage::Type(m) => m.xid,
            PgOutputMessage::Insert(m) => m.xid,
            PgOutputMessage::Update(m) => m.xid,
            PgOutputMessage::Delete(m) => m.xid,
            PgOutputMessage::Truncate(m) => m.xid,
            PgOutputMessage::Message(m) => m.xid,
            _ => None,
        };
        let mut xid = own_xid.or(self.parser.in_stream()).or(self.txn_xid);
        let change = match &message {
            PgOutputMessage::Begin(b) => {
                self.txn_xid = Some(b.xid);
                xid = Some(b.xid);
                Some(Change::Begin)
            }
            PgOutputMessage::Commit(_) => {
                self.txn_xid = None;
                Some(Change::Commit)
            }
            PgOutputMessage::StreamCommit(c) => {
                xid = Some(c.xid);
                Some(Change::Commit)
            }
            PgOutputMessage::StreamStart(s) => {
                xid = Some(s.xid);
                None
            }
            PgOutputMessage::StreamAbort(a) => {
                xid = Some(a.xid);
                None
            }
            PgOutputMessage::BeginPrepare(b) => {
                self.txn_xid = Some(b.xid);
                xid = Some(b.xid);
                None
            }
            PgOutputMessage::Prepare(p) | PgOutputMessage::StreamPrepare(p) => {
                self.txn_xid = None;
                xid = Some(p.xid);
                None
            }
            PgOutputMessage::CommitPrepared(c) => {
                xid = Some(c.xid);
                None
            }
            PgOutputMessage::RollbackPrepared(r) => {
                xid = Some(r.xid);
                None
            }
            PgOutputMessage::Relation(r) => {
                self.add_relation(r);
                None
            }
            PgOutputMessage::Type(t) => {
                let name = if t.namespace.is_empty() {
                    t.name.clone()
                } else {
                    format!("{}.{}", t.namespace, t.name)
                };
                self.types.note_name(t.oid, name);
                None
            }
            PgOutputMessage::Message(m) => {
                if !m.transactional {
                    xid = m.xid;
                }
                None
            }
            PgOutputMessage::Origin(_) | PgOutputMessage::StreamStop => None,
            PgOutputMessage::Insert(i) => {
                let rel = self.rel(i.relation_id)?;
                let after = rel.row(&i.new, false)?;
                Some(Change::Insert {
                    table: rel.schema.clone(),
                    after,
                })
            }
            PgOutputMessage::Update(u) => {
                let rel = self.rel(u.relation_id)?;
                let before = match &u.old {
                    Some((kind, t)) => Some(rel.row(t, *kind == OldTupleKind::Key)?),
                    None => None,
                };
                let after = rel.row(&u.new, false)?;
                Some(Change::Update {
                    table: rel.schema.clone(),
                    before,
                    after,
                })
            }
            PgOutputMessage::Delete(d) => {
                let rel = self.rel(d.relation_id)?;
                let before = rel.row(&d.old, d.old_kind == OldTupleKind::Key)?;
                Some(Change::Delete {
                    table: rel.schema.clone(),
                    before,
                })
            }
            PgOutputMessage::Truncate(t) => {
                let tables = t
                    .relation_ids
                    .iter()
                    .map(|id| self.rel(*id).map(|r| r.schema.id.clone()))
                    .collect::<Result<Vec<_>>>()?;
                Some(Change::Truncate {
                    tables,
                    cascade: t.cascade(),
                    restart_identity: t.restart_identity(),
                })
            }
        };
        Ok(Decoded {
            message,
            xid,
            change,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{TypeInfo, oid};
    use cdc_model::{ColumnType, EnumValue};

    fn rel_msg(ri: ReplicaIdentity, cols: &[(u8, &str, u32, i32)]) -> RelationMessage {
        RelationMessage {
            xid: None,
            id: 1,
            namespace: "s".into(),
            name: "t".into(),
            replica_identity: ri,
            columns: cols
                .iter()
                .map(|(f, n, o, m)| RelationColumn {
                    flags: *f,
                    name: (*n).into(),
                    type_oid: *o,
                    type_modifier: *m,
                })
                .collect(),
        }
    }

    fn text(s: &str) -> TupleValue {
        TupleValue::Text(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn msg(bytes: Vec<u8>) -> Bytes {
        Bytes::from(bytes)
    }

    fn insert(vals: &[&[u8]]) -> Bytes {
        let mut b = vec![b'I', 0, 0, 0, 1, b'N'];
        b.extend_from_slice(&(vals.len() as i16).to_be_bytes());
        for v in vals {
            b.push(b't');
            b.extend_from_slice(&(v.len() as i32).to_be_bytes());
            b.extend_from_slice(v);
        }
        msg(b)
    }

    #[test]
    fn key_only_images_mark_other_columns_unchanged() {
        let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
        let rel = d.add_relation(&rel_msg(
            ReplicaIdentity::Default,
            &[(1, "id", oid::INT4, -1), (0, "v", oid::TEXT, -1)],
        ));
        assert_eq!(rel.key_columns, vec![0]);
        assert_eq!(rel.schema.identity_columns(), Some(vec![0]));
        assert!(!rel.schema.columns[0].nullable);
        let tuple = TupleData {
            values: vec![text("5"), TupleValue::Null],
        };
        assert_eq!(
            rel.row(&tuple, true).unwrap().values,
            vec![Value::Int(5), Value::Unchanged]
        );
        assert_eq!(
            rel.row(&tuple, false).unwrap().values,
            vec![Value::Int(5), Value::Null]
        );
        // Delete 'K'
        let dec = d
            .decode(&msg(b"D\0\0\0\x01K\0\x02t\0\0\0\x015n".to_vec()))
            .unwrap();
        assert_eq!(
            dec.change,
            Some(Change::Delete {
                table: rel.schema.clone(),
                before: RowImage::new(vec![Value::Int(5), Value::Unchanged])
            })
        );
        // Update with no old image and an unchanged TOAST value
        let dec = d
            .decode(&msg(b"U\0\0\0\x01N\0\x02t\0\0\0\x015u".to_vec()))
            .unwrap();
        assert_eq!(
            dec.change,
            Some(Change::Update {
                table: rel.schema.clone(),
                before: None,
                after: RowImage::new(vec![Value::Int(5), Value::Unchanged])
            })
        );
    }

    #[test]
    fn identity_index_and_full() {
        let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
        let rel = d.add_relation(&rel_msg(ReplicaIdentity::Index, &[(1, "k", oid::TEXT, -1)]));
        assert!(rel.schema.primary_key.is_none());
        assert_eq!(rel.schema.unique_keys.len(), 1);
        let rel = d.add_relation(&rel_msg(
            ReplicaIdentity::Full,
            &[(1, "a", oid::INT4, -1), (1, "b", oid::INT4, -1)],
        ));
        assert!(rel.schema.primary_key.is_none() && rel.schema.unique_keys.is_empty());
        assert!(rel.schema.columns.iter().all(|c| c.nullable));
        let dec = d
            .decode(&msg(
                b"U\0\0\0\x01O\0\x02t\0\0\0\x011t\0\0\0\x012N\0\x02t\0\0\0\x011n".to_vec(),
            ))
            .unwrap();
        let Some(Change::Update { before, after, .. }) = dec.change else {
            panic!()
        };
        assert_eq!(before.unwrap().values, vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(after.values, vec![Value::Int(1), Value::Null]);
    }

    #[test]
    fn errors_name_relation_column_and_lsn() {
        let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
        let e = d
            .decode_at(Lsn(0x1_0000_0010), &insert(&[b"1"]))
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::UnknownRelation(1));
        assert_eq!(e.lsn(), Some(Lsn(0x1_0000_0010)));
        assert_eq!(e.message_type(), Some(b'I'));
        d.add_relation(&rel_msg(
            ReplicaIdentity::Default,
            &[(1, "id", oid::INT4, -1), (0, "n", oid::NUMERIC, -1)],
        ));
        let e = d.decode(&insert(&[b"1", b"x"])).unwrap_err();
        assert_eq!(e.relation(), Some("s.t"));
        assert_eq!(e.column(), Some((1, Some("n"))));
        assert!(e.to_string().contains("column 1 \"n\""), "{e}");
        let e = d.decode(&insert(&[b"1"])).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::ColumnCount {
                expected: 2,
                got: 1
            }
        );
    }

    #[test]
    fn enums_domains_and_unknown_types() {
        let mut d = Decoder::new(ProtocolOptions::version(1)).unwrap();
        d.types_mut().register(
            70000,
            TypeInfo::Enum {
                name: "mood".into(),
                labels: vec!["sad".into(), "happy".into()],
            },
        );
        d.types_mut().register(
            70001,
            TypeInfo::Domain {
                name: "posint".into(),
                base_oid: oid::INT4,
                base_typmod: -1,
            },
        );
        d.decode(&msg(b"Y\0\x01\x11\x72public\0thing\0".to_vec()))
            .unwrap();
        let rel = d.add_relation(&rel_msg(
            ReplicaIdentity::Nothing,
            &[
                (0, "m", 70000, -1),
                (0, "p", 70001, -1),
                (0, "x", 70002, -1),
            ],
        ));
        assert!(matches!(rel.schema.columns[0].ty, ColumnType::Enum { .. }));
        assert!(matches!(
            rel.schema.columns[1].ty,
            ColumnType::Domain { .. }
        ));
        assert_eq!(
            rel.schema.columns[2].ty,
            ColumnType::Other {
                name: "public.thing".into(),
                oid: Some(70002)
            }
        );
        let dec = d.decode(&insert(&[b"happy", b"42", b"(1,2)"])).unwrap();
        let Some(Change::Insert { after, .. }) = dec.change else {
            panic!()
        };
        assert_eq!(
            after.values,
            vec![
                Value::Enum(EnumValue {
                    index: None,
                    label: Some("happy".into())
                }),
                Value::Int(42),
                Value::text("(1,2)")
            ]
        );
    }

    #[test]
    fn xids_follow_transactions_and_streams() {
        let mut d = Decoder::new(ProtocolOptions::version(2)).unwrap();
        d.add_relation(&rel_msg(
            ReplicaIdentity::Default,
            &[(1, "id", oid::INT4, -1)],
        ));
        let mut begin = vec![b'B'];
        begin.extend_from_slice(&[0; 16]);
        begin.extend_from_slice(&5u32.to_be_bytes());
        let dec = d.decode(&msg(begin)).unwrap();
        assert_eq!((dec.xid, dec.change), (Some(5), Some(Change::Begin)));
        assert_eq!(d.decode(&insert(&[b"1"])).unwrap().xid, Some(5));
        let mut commit = vec![b'C', 0];
        commit.extend_from_slice(&[0; 24]);
        assert_eq!(d.decode(&msg(commit)).unwrap().change, Some(Change::Commit));
        // a stream
        d.decode(&msg(b"S\0\0\0\x09\x01".to_vec())).unwrap();
        let dec = d
            .decode(&msg(b"I\0\0\0\x09\0\0\0\x01N\0\x01t\0\0\0\x017".to_vec()))
            .unwrap();
        assert_eq!(dec.xid, Some(9));
        assert!(matches!(dec.change, Some(Change::Insert { .. })));
        let dec = d
            .decode(&msg(b"T\0\0\0\x09\0\0\0\x01\x01\0\0\0\x01".to_vec()))
            .unwrap();
        assert_eq!(
            dec.change,
            Some(Change::Truncate {
                tables: vec![TableId::new("s", "t")],
                cascade: true,
                restart_identity: false
            })
        );
        d.decode(&msg(b"E".to_vec())).unwrap();
        assert_eq!(d.decode(&insert(&[b"1"])).unwrap().xid, None);
    }
}
