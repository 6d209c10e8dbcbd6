//! What the decoder knows about one column of a table: from TABLE_MAP (type code, metadata,
//! nullability, optional metadata) or from a caller-supplied schema.

use std::sync::Arc;

use cdc_model::Charset;

/// MySQL column type codes as they appear in TABLE_MAP events (`enum_field_types`).
#[allow(missing_docs)]
pub mod types {
    pub const DECIMAL: u8 = 0;
    pub const TINY: u8 = 1;
    pub const SHORT: u8 = 2;
    pub const LONG: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const DOUBLE: u8 = 5;
    pub const NULL: u8 = 6;
    pub const TIMESTAMP: u8 = 7;
    pub const LONGLONG: u8 = 8;
    pub const INT24: u8 = 9;
    pub const DATE: u8 = 10;
    pub const TIME: u8 = 11;
    pub const DATETIME: u8 = 12;
    pub const YEAR: u8 = 13;
    pub const NEWDATE: u8 = 14;
    pub const VARCHAR: u8 = 15;
    pub const BIT: u8 = 16;
    pub const TIMESTAMP2: u8 = 17;
    pub const DATETIME2: u8 = 18;
    pub const TIME2: u8 = 19;
    pub const TYPED_ARRAY: u8 = 20;
    pub const VECTOR: u8 = 242;
    pub const INVALID: u8 = 243;
    pub const BOOL: u8 = 244;
    pub const JSON: u8 = 245;
    pub const NEWDECIMAL: u8 = 246;
    pub const ENUM: u8 = 247;
    pub const SET: u8 = 248;
    pub const TINY_BLOB: u8 = 249;
    pub const MEDIUM_BLOB: u8 = 250;
    pub const LONG_BLOB: u8 = 251;
    pub const BLOB: u8 = 252;
    pub const VAR_STRING: u8 = 253;
    pub const STRING: u8 = 254;
    pub const GEOMETRY: u8 = 255;
}

/// One column as the row decoder needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDesc {
    /// The real type code: for `STRING` columns the TABLE_MAP metadata may reveal `ENUM` or
    /// `SET`, and this holds that resolved code.
    pub type_code: u8,
    /// Type metadata as the row format needs it, after real-type resolution:
    /// FLOAT/DOUBLE: byte size; VARCHAR/VAR_STRING: max byte length; STRING: max byte length;
    /// ENUM/SET: packed size in bytes; BLOB/TEXT/GEOMETRY/JSON/VECTOR: length-prefix bytes;
    /// NEWDECIMAL: `precision << 8 | scale`; BIT: `bytes << 8 | bits` as TABLE_MAP stores it
    /// (bits = meta & 0xff, bytes = meta >> 8; total bits = bytes*8 + bits);
    /// TIME2/DATETIME2/TIMESTAMP2: fsp; others 0.
    pub meta: u16,
    /// Column may be NULL (TABLE_MAP null bitmap).
    pub nullable: bool,
    /// Numeric column is UNSIGNED (optional metadata SIGNEDNESS; false when unknown).
    pub unsigned: bool,
    /// Collation id from optional metadata, when logged.
    pub collation: Option<u32>,
    /// Character set resolved from the collation (`Charset::Binary` for binary columns); `None`
    /// when unknown, in which case character data is returned as bytes.
    pub charset: Option<Charset>,
    /// Column name, when logged (`binlog_row_metadata=FULL`) or supplied.
    pub name: Option<Arc<str>>,
    /// ENUM or SET member labels, when logged or supplied.
    pub labels: Option<Arc<[String]>>,
    /// Geometry subtype from optional metadata, when logged.
    pub geometry_type: Option<u32>,
    /// VECTOR dimensionality from optional metadata, when logged.
    pub vector_dimensions: Option<u32>,
    /// Column is visible (MySQL invisible columns are logged with visibility false).
    pub visible: bool,
    /// Set when a supplied schema says this old-format TIME/DATETIME/TIMESTAMP column has
    /// fractional seconds (the digits): MariaDB's pre-10.1 "hires" layout, which the binlog does
    /// not mark and this decoder does not read. Values of such a column are an error, never a
    /// guess.
    pub legacy_fraction: Option<u8>,
}

impl ColumnDesc {
    /// A column of `type_code` with `meta`, nullable, signed, no optional metadata.
    pub fn new(type_code: u8, meta: u16) -> ColumnDesc {
        ColumnDesc {
            type_code,
            meta,
            nullable: true,
            unsigned: false,
            collation: None,
            charset: None,
            name: None,
            labels: None,
            geometry_type: None,
            vector_dimensions: None,
            visible: true,
            legacy_fraction: None,
        }
    }
}
