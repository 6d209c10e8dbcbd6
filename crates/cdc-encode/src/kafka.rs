//! Kafka records.
