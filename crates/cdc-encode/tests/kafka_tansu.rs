//! Kafka end to end: encode a stream in all three formats, route it (per-table topics by key
//! hash, one topic by table hash, a single partition), produce it with `rdkafka` to a tansu
//! broker this test starts, and consume it back with Python's `kafka-python` — a different
//! client — comparing topics, partitions, keys, values and headers record by record, and the
//! key-hash partitions with kafka-python's own murmur2.
//!
//! Needs `tansu` (scripts/install-tansu) and target/pyenv (scripts/install-python-deps).
//! The broker listens on 127.0.0.1:$CDC_TEST_KAFKA_PORT (default 39092).
#![cfg(feature = "kafka")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdc_encode::canal::CanalEncoder;
use cdc_encode::debezium::{DebeziumEncoder, DebeziumOptions};
use cdc_encode::dts_avro::{DtsAvroEncoder, DtsAvroOptions};
use cdc_encode::kafka::producer::KafkaProducer;
use cdc_encode::kafka::{KafkaRecord, KafkaRouter, PartitionPolicy, TopicPolicy};
use cdc_model::*;
use serde_json::Value as J;

struct Broker {
    child: Child,
    port: u16,
    bin: PathBuf,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tansu_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("CDC_TEST_TANSU") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let p = home.join("bin/tansu");
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-tansu (scripts/test does)",
        p.display()
    );
    p
}

impl Broker {
    fn start() -> Broker {
        let port: u16 = std::env::var("CDC_TEST_KAFKA_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(39092);
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} is already in use; set CDC_TEST_KAFKA_PORT"
        );
        let bin = tansu_bin();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(&bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        let broker = Broker { child, port, bin };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tansu did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        broker
    }

    fn create_topic(&self, name: &str, partitions: i32) {
        let out = Command::new(&self.bin)
            .args(["topic", "create", name, "--broker"])
            .arg(format!("tcp://127.0.0.1:{}", self.port))
            .args(["--partitions", &partitions.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tansu topic create {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

const CONSUMER: &str = r#"
import json, sys
from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2
broker, spec = sys.argv[1], json.loads(sys.argv[2])
c = KafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False, consumer_timeout_ms=4000,
                  auto_offset_reset="earliest", api_version_auto_timeout_ms=10000)
tps = [TopicPartition(t, p) for t, n in spec.items() for p in range(n)]
c.assign(tps)
c.seek_to_beginning(*tps)
out = []
for m in c:
    out.append({
        "topic": m.topic, "partition": m.partition, "offset": m.offset,
        "key": None if m.key is None else m.key.hex(),
        "value": None if m.value is None else m.value.hex(),
        "headers": [[k, v.hex()] for k, v in (m.headers or [])],
        "timestamp": m.timestamp,
        "murmur2": None if m.key is None else murmur2(m.key),
    })
print(json.dumps(out))
"#;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn table() -> Arc<TableSchema> {
    let mut t = TableSchema::new(
        TableId::new("shop", "orders"),
        vec![
            Column::new("id", ColumnType::BigInt { unsigned: false }).not_null(),
            Column::new(
                "note",
                ColumnType::VarChar {
                    length: Some(32),
                    charset: Some(Charset::Utf8mb4),
                },
            ),
            Column::new(
                "blob",
                ColumnType::Blob {
                    max_bytes: Some(65_535),
                },
            ),
        ],
    );
    t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    Arc::new(t)
}

fn events() -> Vec<ChangeEvent> {
    let t = table();
    let row = |id: i64| {
        RowImage::new(vec![
            Value::Int(id),
            Value::text(format!("note ✓ {id}")),
            Value::Bytes(Bytes::from(vec![0u8, 0xff, id as u8])),
        ])
    };
    let mut changes = vec![Change::Begin];
    for id in 1..=12 {
        changes.push(Change::Insert {
            table: t.clone(),
            after: row(id),
        });
    }
    changes.push(Change::Update {
        table: t.clone(),
        before: Some(row(3)),
        after: RowImage::new(vec![Value::Int(3), Value::Null, Value::Bytes(Bytes::new())]),
    });
    changes.push(Change::Update {
        table: t.clone(),
        before: Some(row(4)),
        after: row(40),
    });
    changes.push(Change::Delete {
        table: t.clone(),
        before: row(5),
    });
    changes.push(Change::Commit);
    changes.push(Change::Ddl(Ddl {
        schema: Some("shop".into()),
        statement: "ALTER TABLE orders ADD COLUMN extra INT".into(),
    }));
    changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| ChangeEvent {
            position: SourcePosition::Binlog(BinlogPosition::new(
                "mysql-bin.000001",
                4 + 100 * i as u64,
            )),
            txn: Some(TxnMeta {
                id: TxnId::MariadbGtid("0-1-77".parse().unwrap()),
                ordinal: i as u64,
            }),
            commit_time: Some(Timestamp::from_unix_parts(1_700_000_000, 0)),
            change,
        })
        .collect()
}

#[test]
fn records_produced_with_rdkafka_read_back_by_kafka_python() {
    let broker = Broker::start();
    let evs = events();

    let mut records: Vec<KafkaRecord> = Vec::new();
    // Debezium: per-table topics, partition by key hash over 3 partitions.
    let dbz = KafkaRouter {
        topics: TopicPolicy::PerTable {
            prefix: "dbz".into(),
        },
        ddl_topic: None,
        control_topic: Some("dbz.transaction".into()),
        partitioning: PartitionPolicy::ByKey,
        partitions: 3,
        format: "debezium-json".into(),
    };
    let mut enc = DebeziumEncoder::new(DebeziumOptions::default());
    for e in &evs {
        for m in enc.encode(e, 1_700_000_000_500).unwrap() {
            records.push(dbz.route(m));
        }
    }
    // Canal: one topic by table hash over 2 partitions, DDL to its own topic.
    let canal = KafkaRouter {
        topics: TopicPolicy::Single("canal".into()),
        ddl_topic: Some("canal.ddl".into()),
        control_topic: None,
        partitioning: PartitionPolicy::ByTable,
        partitions: 2,
        format: "canal-json".into(),
    };
    let mut enc = CanalEncoder::new(1);
    for e in &evs {
        for m in enc.encode(e, 1_700_000_000_500).unwrap() {
            records.push(canal.route(m));
        }
    }
    // DTS Avro: everything, BEGIN/COMMIT included, in one partition.
    let dts = KafkaRouter {
        topics: TopicPolicy::Single("dts".into()),
        ddl_topic: None,
        control_topic: None,
        partitioning: PartitionPolicy::Single(0),
        partitions: 1,
        format: "dts-avro".into(),
    };
    let mut enc = DtsAvroEncoder::new(DtsAvroOptions::default());
    for e in &evs {
        records.push(dts.route(enc.encode(e).unwrap()));
    }

    let topics: BTreeMap<&str, i32> = [
        ("dbz.shop.orders", 3),
        ("dbz", 1),
        ("dbz.transaction", 1),
        ("canal", 2),
        ("canal.ddl", 1),
        ("dts", 1),
    ]
    .into_iter()
    .collect();
    for (t, n) in &topics {
        broker.create_topic(t, *n);
    }
    for r in &records {
        assert!(
            topics.contains_key(r.topic.as_str()),
            "unexpected topic {}",
            r.topic
        );
    }
    // The routing itself: tombstones, key-change deletes and the DDL landed where they should.
    assert!(
        records
            .iter()
            .any(|r| r.topic == "dbz.shop.orders" && r.value.is_none())
    );
    assert!(
        records
            .iter()
            .any(|r| r.topic == "dbz"
                && r.key.as_deref() == Some(&br#"{"databaseName":"shop"}"#[..]))
    );
    assert_eq!(records.iter().filter(|r| r.topic == "canal.ddl").count(), 1);
    assert_eq!(
        records.iter().filter(|r| r.topic == "dts").count(),
        evs.len()
    );
    let canal_parts: Vec<i32> = records
        .iter()
        .filter(|r| r.topic == "canal")
        .map(|r| r.partition)
        .collect();
    assert!(
        canal_parts.windows(2).all(|w| w[0] == w[1]),
        "one table, one partition"
    );

    let brokers = format!("127.0.0.1:{}", broker.port);
    let producer = KafkaProducer::new(&brokers, &[("message.timeout.ms", "20000")]).unwrap();
    for r in &records {
        producer.send(r).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();

    let spec = serde_json::to_string(&topics).unwrap();
    let out = support::run_python(CONSUMER, &[&brokers, &spec], b"");
    let consumed: Vec<J> = serde_json::from_str(&out).unwrap();
    assert_eq!(consumed.len(), records.len(), "every record read back");

    // Per (topic, partition), the records in produce order against those in offset order.
    let mut want: BTreeMap<(String, i32), Vec<&KafkaRecord>> = BTreeMap::new();
    for r in &records {
        want.entry((r.topic.clone(), r.partition))
            .or_default()
            .push(r);
    }
    let mut got: BTreeMap<(String, i32), Vec<&J>> = BTreeMap::new();
    for c in &consumed {
        let key = (
            c["topic"].as_str().unwrap().to_owned(),
            i32::try_from(c["partition"].as_i64().unwrap()).unwrap(),
        );
        got.entry(key).or_default().push(c);
    }
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "topic partitions"
    );
    for (tp, ws) in &want {
        let mut gs = got[tp].clone();
        gs.sort_by_key(|c| c["offset"].as_i64().unwrap());
        assert_eq!(ws.len(), gs.len(), "{tp:?}");
        for (i, (w, g)) in ws.iter().zip(gs).enumerate() {
            let at = format!("{tp:?} #{i}");
            assert_eq!(
                g["key"].as_str(),
                w.key.as_deref().map(hex).as_deref(),
                "{at} key"
            );
            assert_eq!(
                g["value"].as_str(),
                w.value.as_deref().map(hex).as_deref(),
                "{at} value"
            );
            let headers: Vec<(String, String)> = g["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h[0].as_str().unwrap().to_owned(),
                        h[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let want_headers: Vec<(String, String)> =
                w.headers.iter().map(|(k, v)| (k.clone(), hex(v))).collect();
            assert_eq!(headers, want_headers, "{at} headers");
            assert_eq!(g["timestamp"], 1_700_000_000_000i64, "{at} timestamp");
            if tp.0 == "dbz.shop.orders" {
                // kafka-python's murmur2 agrees with our partition choice.
                let h = g["murmur2"].as_i64().unwrap();
                assert_eq!((h & 0x7fff_ffff) % 3, i64::from(tp.1), "{at} partition");
            }
        }
    }
}
