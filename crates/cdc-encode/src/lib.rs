//! # cdc-encode
//!
//! Pure encoders from [`cdc_model`] change events to what each target consumes. Nothing here
//! does I/O, reads a clock or picks a runtime: every encoder takes rows and events and returns
//! bytes, statements or record batches, and the caller sends them. Times that are not in the
//! event (a message's build time) are arguments, and encoders that number their output keep
//! that counter as plain state.
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
//! - [`sql`]: SQL apply batches. A dialect-neutral [`sql::Batcher`] coalesces a stream of row
//!   changes into net per-key steps; [`sql::pg`] turns steps into PostgreSQL/AnalyticDB upserts
//!   and deletes with binary parameters, and full-load rows into binary `COPY`; [`sql::mysql`]
//!   turns them into MySQL statements with exact literals.
//! - `lake` (feature `lake`): MaxCompute-layout `<t>_base` and `<t>_log` Arrow record batches
//!   and a rolling Parquet writer over any `std::io::Write`.
//!
//! Cargo features:
//!
//! - `kafka`: `kafka::producer`, a blocking producer adapter over the `rdkafka` crate
//!   (bundled librdkafka, no async runtime).
//! - `lake`: the `lake` module; pulls `arrow` and `parquet` (no default features, Snappy only).

pub mod canal;
pub mod common;
pub mod debezium;
pub mod dts_avro;
pub mod kafka;
pub mod sql;

#[cfg(feature = "lake")]
pub mod lake;
