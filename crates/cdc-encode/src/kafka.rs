//! Kafka records from encoded [`Message`]s: topic, partition, key and headers by policy. Pure:
//! [`KafkaRouter::route`] decides, the optional `producer` (feature `kafka`) sends.
//!
//! # Topics
//!
//! - row changes and tombstones: [`TopicPolicy::Single`]'s topic, or per table
//!   `{prefix}.{schema}.{table}` ([`TopicPolicy::PerTable`]);
//! - DDL: [`KafkaRouter::ddl_topic`] when set, else the default topic (the single topic, or
//!   the prefix itself for per-table topics, as Debezium names its schema-change topic);
//! - transaction boundaries and heartbeats: [`KafkaRouter::control_topic`] when set, else the
//!   default topic.
//!
//! # Keys
//!
//! The format's own key when it has one (Debezium's key document). Otherwise, for rows whose
//! table has identity columns, the JSON array `["schema","table","v1",…]` of the table and the
//! identity values in their text form ([`crate::common::value_text`], binary in hex); for DDL
//! the schema name; else no key.
//!
//! # Partitions
//!
//! - [`PartitionPolicy::Single`]: always the given partition;
//! - [`PartitionPolicy::ByTable`]: hash of `schema.table`, so one table's changes stay in order;
//! - [`PartitionPolicy::ByKey`]: hash of the record key, so one row's changes stay in order
//!   (records without a key fall back to the table hash, and to partition 0 without a table).
//!
//! The hash is Kafka's own default partitioner: `(murmur2(bytes) & 0x7fffffff) % partitions`
//! with the 32-bit murmur2 and seed `0x9747b28c` of the Java client, so Java and librdkafka
//! producers using their `murmur2` partitioner put the same key in the same partition. It is
//! stable across versions and platforms. Control and DDL records go to partition 0 under the
//! hash policies (one ordered stream).
//!
//! # Headers
//!
//! The message's own headers (Debezium's `__debezium.newkey`/`oldkey`), then `cdc.format`,
//! `cdc.kind` (`row`, `tombstone`, `ddl`, `transaction`, `heartbeat`), `cdc.position` (the
//! source position's text) and, for rows, `cdc.table` (`schema.table`).

use cdc_model::TableId;

use crate::common::{Message, MessageKind};

/// Which topic row changes go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicPolicy {
    /// Every record to this topic.
    Single(String),
    /// One topic per table, `{prefix}.{schema}.{table}`.
    PerTable {
        /// The prefix (also the default topic for DDL and control records).
        prefix: String,
    },
}

/// How the partition is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionPolicy {
    /// Always this partition.
    Single(i32),
    /// By a hash of `schema.table`.
    ByTable,
    /// By a hash of the record key.
    ByKey,
}

/// One record for a Kafka producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRecord {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value; `None` is a tombstone.
    pub value: Option<Vec<u8>>,
    /// Headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The record timestamp (the event's commit time), milliseconds since the epoch.
    pub timestamp_ms: Option<i64>,
}

/// Routes encoded messages to Kafka records (module docs give the rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRouter {
    /// Topics of row changes.
    pub topics: TopicPolicy,
    /// Topic of DDL records (default: see the module docs).
    pub ddl_topic: Option<String>,
    /// Topic of transaction and heartbeat records (default: see the module docs).
    pub control_topic: Option<String>,
    /// Partition choice.
    pub partitioning: PartitionPolicy,
    /// Number of partitions of every topic written (at least 1).
    pub partitions: i32,
    /// The `cdc.format` header value (`dts-avro`, `canal-json`, `debezium-json`).
    pub format: String,
}

impl KafkaRouter {
    /// The Kafka record for `message`.
    pub fn route(&self, message: Message) -> KafkaRecord {
        let default_topic = match &self.topics {
            TopicPolicy::Single(t) => t.clone(),
            TopicPolicy::PerTable { prefix } => prefix.clone(),
        };
        let table = match &message.kind {
            MessageKind::Row { table } | MessageKind::Tombstone { table } => Some(table),
            _ => None,
        };
        let topic = match (&message.kind, table) {
            (_, Some(t)) => match &self.topics {
                TopicPolicy::Single(s) => s.clone(),
                TopicPolicy::PerTable { prefix } => format!("{prefix}.{}.{}", t.schema, t.name),
            },
            (MessageKind::Ddl { .. }, None) => self.ddl_topic.clone().unwrap_or(default_topic),
            _ => self.control_topic.clone().unwrap_or(default_topic),
        };
        let key = message
            .key
            .clone()
            .or_else(|| match (&message.kind, table) {
                (_, Some(t)) if !message.identity.is_empty() => {
                    let mut parts = vec![t.schema.clone(), t.name.clone()];
                    parts.extend(message.identity.iter().cloned());
                    serde_json::to_vec(&parts).ok()
                }
                (MessageKind::Ddl { schema: Some(s) }, _) => Some(s.clone().into_bytes()),
                _ => None,
            });
        let n = self.partitions.max(1);
        let table_hash =
            |t: &TableId| kafka_partition(format!("{}.{}", t.schema, t.name).as_bytes(), n);
        let partition = match self.partitioning {
            PartitionPolicy::Single(p) => p,
            PartitionPolicy::ByTable => table.map_or(0, table_hash),
            PartitionPolicy::ByKey => match (&key, table) {
                (Some(k), Some(_)) => kafka_partition(k, n),
                (None, Some(t)) => table_hash(t),
                _ => 0,
            },
        };
        let kind = match &message.kind {
            MessageKind::Row { .. } => "row",
            MessageKind::Tombstone { .. } => "tombstone",
            MessageKind::Ddl { .. } => "ddl",
            MessageKind::Transaction => "transaction",
            MessageKind::Heartbeat => "heartbeat",
        };
        let mut headers = message.headers;
        headers.push(("cdc.format".into(), self.format.clone().into_bytes()));
        headers.push(("cdc.kind".into(), kind.as_bytes().to_vec()));
        headers.push(("cdc.position".into(), message.position.into_bytes()));
        if let Some(t) = table {
            headers.push(("cdc.table".into(), t.to_string().into_bytes()));
        }
        KafkaRecord {
            topic,
            partition,
            key,
            value: message.value,
            headers,
            timestamp_ms: message.timestamp_ms,
        }
    }
}

/// Kafka's default partition for `key`: `(murmur2(key) & 0x7fffffff) % partitions`.
pub fn kafka_partition(key: &[u8], partitions: i32) -> i32 {
    let n = partitions.max(1);
    ((murmur2(key) & 0x7fff_ffff) as i32) % n
}

/// The 32-bit murmur2 hash of Kafka's Java client (`Utils.murmur2`, seed `0x9747b28c`).
pub fn murmur2(data: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = 0x9747_b28c ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let Ok(word) = <[u8; 4]>::try_from(c) else {
            continue;
        };
        let mut k = u32::from_le_bytes(word);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if let Some(b) = tail.get(2) {
        h ^= u32::from(*b) << 16;
    }
    if let Some(b) = tail.get(1) {
        h ^= u32::from(*b) << 8;
    }
    if let Some(b) = tail.first() {
        h ^= u32::from(*b);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

#[cfg(feature = "kafka")]
pub mod producer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_kafka_java_client() {
        // Values from Kafka's own UtilsTest.testMurmur2.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58897971,
            ),
            (b"abc", 479470107),
        ];
        for (k, want) in cases {
            assert_eq!(murmur2(k) as i32, want, "{:?}", String::from_utf8_lossy(k));
        }
    }
}
