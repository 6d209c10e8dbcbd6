//! # cdc-encode
//!
//! Pure encoders from [`cdc_model`] change events to the bytes targets expect. Nothing here
//! does I/O or reads a clock: times that are not in the event (a message's build time) are
//! arguments, and encoders that number their output keep that counter as plain state.
//!
//! Modules:
//!
//! - [`common`]: errors, the encoded [`common::Message`], MySQL type codes and names derived
//!   from [`cdc_model::ColumnType`], and the text form of values.
//! - [`dts_avro`]: DTS Avro records (schemaless Avro binary of `dts_record.avsc`), written by a
//!   direct Avro binary writer.
//! - [`canal`]: Canal JSON flat messages.
//! - [`debezium`]: Debezium JSON envelopes, with or without the Kafka Connect `schema` block,
//!   tombstones, transaction metadata and schema-change events.
//! - [`kafka`]: Kafka records from encoded messages: topic, key, partition (single, by table,
//!   by key hash with Kafka's murmur2), headers; with feature `kafka`, a producer adapter over
//!   `rdkafka`.
//!
//! Cargo features:
//!
//! - `kafka`: `kafka::producer`, a blocking producer adapter over the `rdkafka` crate
//!   (bundled librdkafka, no async runtime).

pub mod canal;
pub mod common;
pub mod debezium;
pub mod dts_avro;
pub mod kafka;
