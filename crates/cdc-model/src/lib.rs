//! # cdc-model
//!
//! The hub of the `cdc-*` workspace: the types every source produces and every target
//! consumes. Binlog and pgoutput decoders turn bytes into [`ChangeEvent`]s; encoders and
//! appliers turn [`ChangeEvent`]s into Avro, JSON, Parquet or SQL. Nothing here does I/O.
//!
//! - [`Value`]: one exact column value (integers by width and sign, [`Decimal`] digits,
//!   MySQL zero dates and negative [`Time`], [`Timestamp`] instants, [`Text`] with its
//!   [`Charset`], bit strings, enums, sets, JSON, geometry, UUID, arrays, and
//!   [`Value::Unchanged`] for what the source did not send).
//! - [`ColumnType`], [`Column`], [`TableId`], [`TableSchema`]: table definitions.
//! - [`ChangeEvent`] = [`SourcePosition`] + transaction + commit time + [`Change`]
//!   (insert/update/delete with [`RowImage`]s, truncate, DDL, begin/commit, heartbeat).
//! - [`SourcePosition`]: [`BinlogPosition`], [`GtidSet`], [`MariaGtidPosition`], [`Lsn`], each
//!   parsed from and printed as the text users know.
//!
//! Everything is `serde`-serializable; positions, decimals and temporals travel as their
//! familiar strings, so a checkpoint file reads like the source's own tools.
//!
//! ```
//! use std::sync::Arc;
//! use cdc_model::*;
//!
//! let orders = Arc::new(TableSchema::new(
//!     TableId::new("shop", "orders"),
//!     vec![
//!         Column::new("id", ColumnType::BigInt { unsigned: true }).not_null(),
//!         Column::new("total", ColumnType::Decimal { precision: Some(10), scale: Some(2) }),
//!         Column::new("placed", ColumnType::DateTime { precision: Some(6) }),
//!     ],
//! ));
//! let event = ChangeEvent {
//!     position: "mysql-bin.000042:1337".parse()?,
//!     txn: None,
//!     commit_time: None,
//!     change: Change::Update {
//!         table: orders.clone(),
//!         before: Some(RowImage::new(vec![
//!             Value::UInt(7), Value::Decimal("19.90".parse()?), Value::DateTime(DateTime::ZERO),
//!         ])),
//!         after: RowImage::new(vec![
//!             Value::UInt(7), Value::Decimal("21.00".parse()?), Value::Unchanged,
//!         ]),
//!     },
//! };
//! assert_eq!(event.change.operation(), Operation::Update);
//! assert_eq!(event.position.to_string(), "mysql-bin.000042:1337");
//! # Ok::<(), cdc_model::ParseError>(())
//! ```

mod decimal;
mod error;
mod event;
mod position;
mod schema;
mod temporal;
mod uuid;
mod value;

pub use decimal::Decimal;
pub use error::ParseError;
pub use event::{Change, ChangeEvent, Ddl, Operation, RowImage, TxnId, TxnMeta};
pub use position::{
    BinlogPosition, GNO_MAX, GnoInterval, Gtid, GtidSet, GtidTag, Lsn, MariaGtid,
    MariaGtidPosition, SourcePosition,
};
pub use schema::{
    Column, ColumnDefault, ColumnType, DomainCheck, DomainDef, ForeignKey, ForeignKeyAction,
    GeneratedKind, GeometryKind, Index, KeyColumn, Partition, PartitionStrategy, Partitioning,
    TableId, TableSchema,
};
pub use temporal::{Date, DateTime, Interval, Time, TimeTz, Timestamp};
pub use uuid::Uuid;
pub use value::{
    Array, ArrayDim, BitString, Charset, EnumValue, Geometry, Inet, JsonPatchKind, JsonPatchOp,
    SetValue, Text, Value,
};

/// Re-exported so users can build [`Value::Bytes`] and [`Text`] without naming the crate.
pub use bytes::Bytes;
