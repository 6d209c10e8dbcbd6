//! A blocking Kafka producer over the `rdkafka` crate (bundled librdkafka): sends
//! [`KafkaRecord`]s to the partition the router chose and reports delivery failures. No async
//! runtime: it polls librdkafka's event queue itself.

use std::sync::Mutex;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer as _, ProducerContext};

use super::KafkaRecord;

/// A producer failure.
#[derive(Debug, thiserror::Error)]
pub enum ProducerError {
    /// librdkafka refused a setting or the producer could not be created.
    #[error("kafka producer: {0}")]
    Client(#[from] KafkaError),
    /// Records were not delivered (topic, partition, error), reported at flush.
    #[error("kafka producer: {} record(s) not delivered, first: {}", .0.len(), .0.first().map(String::as_str).unwrap_or(""))]
    Delivery(Vec<String>),
}

/// Collects delivery failures from librdkafka's callbacks.
#[derive(Default)]
struct Context {
    failures: Mutex<Vec<String>>,
}

impl ClientContext for Context {}

impl ProducerContext for Context {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {
        if let Err((e, msg)) = result {
            use rdkafka::Message as _;
            let what = format!("{}[{}]: {e}", msg.topic(), msg.partition());
            if let Ok(mut f) = self.failures.lock() {
                f.push(what);
            }
        }
    }
}

/// A producer connected to `bootstrap.servers`.
pub struct KafkaProducer {
    inner: BaseProducer<Context>,
}

impl KafkaProducer {
    /// A producer for these brokers (`host:port,…`), with extra librdkafka settings.
    pub fn new(brokers: &str, settings: &[(&str, &str)]) -> Result<KafkaProducer, ProducerError> {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", brokers);
        for (k, v) in settings {
            cfg.set(*k, *v);
        }
        let inner = cfg.create_with_context(Context::default())?;
        Ok(KafkaProducer { inner })
    }

    /// Queues one record, waiting (polling) while librdkafka's queue is full.
    pub fn send(&self, rec: &KafkaRecord) -> Result<(), ProducerError> {
        let mut headers = OwnedHeaders::new_with_capacity(rec.headers.len());
        for (k, v) in &rec.headers {
            headers = headers.insert(Header {
                key: k,
                value: Some(v),
            });
        }
        loop {
            let mut r: BaseRecord<'_, [u8], [u8], ()> = BaseRecord::to(&rec.topic)
                .partition(rec.partition)
                .headers(headers.clone());
            if let Some(k) = &rec.key {
                r = r.key(k);
            }
            if let Some(v) = &rec.value {
                r = r.payload(v);
            }
            if let Some(ts) = rec.timestamp_ms {
                r = r.timestamp(ts);
            }
            match self.inner.send(r) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    self.inner.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
    }

    /// Waits until every queued record is delivered (or `timeout` passes); fails when any
    /// record since the last flush was not delivered.
    pub fn flush(&self, timeout: Duration) -> Result<(), ProducerError> {
        self.inner.flush(timeout)?;
        let failures = match self.inner.context().failures.lock() {
            Ok(mut f) => std::mem::take(&mut *f),
            Err(_) => Vec::new(),
        };
        if failures.is_empty() {
            Ok(())
        } else {
            Err(ProducerError::Delivery(failures))
        }
    }
}
