//! # cdc-encode
//!
//! Pure encoders from [`cdc_model`] change events to what each target consumes. Nothing here
//! does I/O, reads a clock or picks a runtime: every encoder takes rows and events and returns
//! bytes, statements or record batches, and the caller sends them.
//!
//! Modules:
//!
//! - [`sql`]: SQL apply batches. A dialect-neutral [`sql::Batcher`] coalesces a stream of row
//!   changes into net per-key steps; [`sql::pg`] turns steps into PostgreSQL/AnalyticDB upserts
//!   and deletes with binary parameters, and full-load rows into binary `COPY`; [`sql::mysql`]
//!   turns them into MySQL statements with exact literals.
//! - `lake` (feature `lake`): MaxCompute-layout `<t>_base` and `<t>_log` Arrow record batches
//!   and a rolling Parquet writer over any `std::io::Write`.
//!
//! Cargo features:
//!
//! - `lake`: the `lake` module; pulls `arrow` and `parquet` (no default features, Snappy only).

pub mod sql;

#[cfg(feature = "lake")]
pub mod lake;
