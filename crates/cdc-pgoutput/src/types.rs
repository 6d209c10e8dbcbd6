//! PostgreSQL types: built-in OIDs, the registry of user-defined types (enums, domains, arrays
//! of them), and the mapping of OID + typmod to [`ColumnType`].

use std::collections::HashMap;

use cdc_model::{Charset, ColumnType};

/// OIDs of the built-in types this crate decodes (from `pg_type.dat`; stable across versions).
pub mod oid {
    #![allow(missing_docs)]
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const CIDR: u32 = 650;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const MACADDR8: u32 = 774;
    pub const MONEY: u32 = 790;
    pub const MACADDR: u32 = 829;
    pub const INET: u32 = 869;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const BIT: u32 = 1560;
    pub const VARBIT: u32 = 1562;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// The scalar types with a decoder, by how their values are read.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ScalarKind {
    /// `bool`.
    Bool,
    /// `int2`.
    Int2,
    /// `int4`.
    Int4,
    /// `int8`.
    Int8,
    /// `oid`.
    Oid,
    /// `float4`.
    Float4,
    /// `float8`.
    Float8,
    /// `numeric`.
    Numeric,
    /// `text`, `varchar`, `bpchar`, `name`.
    Text,
    /// `bytea`.
    Bytea,
    /// `date`.
    Date,
    /// `time`.
    Time,
    /// `timetz`.
    TimeTz,
    /// `timestamp`.
    Timestamp,
    /// `timestamptz`.
    TimestampTz,
    /// `interval`.
    Interval,
    /// `uuid`.
    Uuid,
    /// `json`.
    Json,
    /// `jsonb`.
    Jsonb,
    /// `bit`, `varbit`.
    Bit,
    /// `inet`.
    Inet,
    /// `cidr`.
    Cidr,
    /// `macaddr`, `macaddr8`.
    MacAddr,
    /// `money`.
    Money,
    /// An enum type: values are labels.
    Enum,
    /// No decoder: text stays text, binary stays bytes.
    Unknown,
}

/// How a column's values are decoded: a scalar, or an array of one.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ValueKind {
    /// A scalar.
    Scalar(ScalarKind),
    /// An array whose elements are of this kind.
    Array(ScalarKind),
}

fn builtin(oid: u32) -> Option<(ScalarKind, &'static str)> {
    use ScalarKind as K;
    Some(match oid {
        oid::BOOL => (K::Bool, "boolean"),
        oid::BYTEA => (K::Bytea, "bytea"),
        oid::NAME => (K::Text, "name"),
        oid::INT8 => (K::Int8, "bigint"),
        oid::INT2 => (K::Int2, "smallint"),
        oid::INT4 => (K::Int4, "integer"),
        oid::TEXT => (K::Text, "text"),
        oid::OID => (K::Oid, "oid"),
        oid::JSON => (K::Json, "json"),
        oid::CIDR => (K::Cidr, "cidr"),
        oid::FLOAT4 => (K::Float4, "real"),
        oid::FLOAT8 => (K::Float8, "double precision"),
        oid::MACADDR8 => (K::MacAddr, "macaddr8"),
        oid::MONEY => (K::Money, "money"),
        oid::MACADDR => (K::MacAddr, "macaddr"),
        oid::INET => (K::Inet, "inet"),
        oid::BPCHAR => (K::Text, "character"),
        oid::VARCHAR => (K::Text, "character varying"),
        oid::DATE => (K::Date, "date"),
        oid::TIME => (K::Time, "time without time zone"),
        oid::TIMESTAMP => (K::Timestamp, "timestamp without time zone"),
        oid::TIMESTAMPTZ => (K::TimestampTz, "timestamp with time zone"),
        oid::INTERVAL => (K::Interval, "interval"),
        oid::TIMETZ => (K::TimeTz, "time with time zone"),
        oid::BIT => (K::Bit, "bit"),
        oid::VARBIT => (K::Bit, "bit varying"),
        oid::NUMERIC => (K::Numeric, "numeric"),
        oid::UUID => (K::Uuid, "uuid"),
        oid::JSONB => (K::Jsonb, "jsonb"),
        _ => return None,
    })
}

/// Names of built-in types without a decoder, so their columns say what they are.
fn builtin_other_name(oid: u32) -> Option<&'static str> {
    Some(match oid {
        18 => "\"char\"",
        24 => "regproc",
        27 => "tid",
        28 => "xid",
        29 => "cid",
        142 => "xml",
        600 => "point",
        601 => "lseg",
        602 => "path",
        603 => "box",
        604 => "polygon",
        628 => "line",
        718 => "circle",
        1033 => "aclitem",
        2205 => "regclass",
        2206 => "regtype",
        2970 => "txid_snapshot",
        3220 => "pg_lsn",
        3614 => "tsvector",
        3615 => "tsquery",
        3904 => "int4range",
        3906 => "numrange",
        3908 => "tsrange",
        3910 => "tstzrange",
        3912 => "daterange",
        3926 => "int8range",
        4072 => "jsonpath",
        4451 => "int4multirange",
        5038 => "pg_snapshot",
        5069 => "xid8",
        _ => return None,
    })
}

/// The element type OID of a built-in array type.
fn builtin_array_element(array_oid: u32) -> Option<u32> {
    Some(match array_oid {
        1000 => oid::BOOL,
        1001 => oid::BYTEA,
        1003 => oid::NAME,
        1016 => oid::INT8,
        1005 => oid::INT2,
        1007 => oid::INT4,
        1009 => oid::TEXT,
        1028 => oid::OID,
        199 => oid::JSON,
        651 => oid::CIDR,
        1021 => oid::FLOAT4,
        1022 => oid::FLOAT8,
        775 => oid::MACADDR8,
        791 => oid::MONEY,
        1040 => oid::MACADDR,
        1041 => oid::INET,
        1014 => oid::BPCHAR,
        1015 => oid::VARCHAR,
        1182 => oid::DATE,
        1183 => oid::TIME,
        1115 => oid::TIMESTAMP,
        1185 => oid::TIMESTAMPTZ,
        1187 => oid::INTERVAL,
        1270 => oid::TIMETZ,
        1561 => oid::BIT,
        1563 => oid::VARBIT,
        1231 => oid::NUMERIC,
        2951 => oid::UUID,
        3807 => oid::JSONB,
        _ => return None,
    })
}

/// What the caller knows about a user-defined type (pgoutput sends only a Type message with
/// the name; it does not say whether a type is an enum, a domain or an array).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TypeInfo {
    /// An enum type (`pg_type.typtype = 'e'`).
    Enum {
        /// The type name, schema-qualified when not in `public`/`pg_catalog`.
        name: String,
        /// Labels in sort order (may be empty when not known).
        labels: Vec<String>,
    },
    /// A domain (`typtype = 'd'`) over `base_oid`; its values are sent like the base type's.
    Domain {
        /// The domain name.
        name: String,
        /// `pg_type.typbasetype`.
        base_oid: u32,
        /// `pg_type.typtypmod` (-1 for none).
        base_typmod: i32,
    },
    /// An array type (`typcategory = 'A'`) of `element_oid`, for arrays of user-defined types.
    Array {
        /// The array type's name (`_mood`).
        name: String,
        /// `pg_type.typelem`.
        element_oid: u32,
    },
}

/// Types beyond the built-ins, by OID: registered by the caller ([`TypeRegistry::register`]) or
/// named by pgoutput Type messages ([`TypeRegistry::note_name`]).
#[derive(Clone, Debug, Default)]
pub struct TypeRegistry {
    known: HashMap<u32, TypeInfo>,
    names: HashMap<u32, String>,
}

const MAX_DEPTH: usize = 8;

impl TypeRegistry {
    /// An empty registry (built-in types need no registration).
    pub fn new() -> TypeRegistry {
        TypeRegistry::default()
    }

    /// Registers what a type is. A later call for the same OID replaces it.
    pub fn register(&mut self, oid: u32, info: TypeInfo) {
        self.known.insert(oid, info);
    }

    /// What was registered for `oid`.
    pub fn get(&self, oid: u32) -> Option<&TypeInfo> {
        self.known.get(&oid)
    }

    /// Records the name a Type message gave `oid` (`schema.name`, or `name` for `public`).
    pub fn note_name(&mut self, oid: u32, name: String) {
        self.names.insert(oid, name);
    }

    /// The name of `oid`: built-in, registered, or from a Type message.
    pub fn name(&self, oid: u32) -> Option<String> {
        if let Some((_, n)) = builtin(oid) {
            return Some(n.to_owned());
        }
        if let Some(e) = builtin_array_element(oid) {
            return builtin(e).map(|(_, n)| format!("{n}[]"));
        }
        if let Some(n) = builtin_other_name(oid) {
            return Some(n.to_owned());
        }
        match self.known.get(&oid) {
            Some(TypeInfo::Enum { name, .. })
            | Some(TypeInfo::Domain { name, .. })
            | Some(TypeInfo::Array { name, .. }) => Some(name.clone()),
            None => self.names.get(&oid).cloned(),
        }
    }

    /// How values of `oid` are decoded.
    pub fn value_kind(&self, oid: u32) -> ValueKind {
        self.value_kind_at(oid, 0)
    }

    fn value_kind_at(&self, oid: u32, depth: usize) -> ValueKind {
        if depth > MAX_DEPTH {
            return ValueKind::Scalar(ScalarKind::Unknown);
        }
        if let Some((k, _)) = builtin(oid) {
            return ValueKind::Scalar(k);
        }
        if let Some(e) = builtin_array_element(oid) {
            return match self.value_kind_at(e, depth + 1) {
                ValueKind::Scalar(k) => ValueKind::Array(k),
                ValueKind::Array(_) => ValueKind::Scalar(ScalarKind::Unknown),
            };
        }
        match self.known.get(&oid) {
            Some(TypeInfo::Enum { .. }) => ValueKind::Scalar(ScalarKind::Enum),
            Some(TypeInfo::Domain { base_oid, .. }) => self.value_kind_at(*base_oid, depth + 1),
            Some(TypeInfo::Array { element_oid, .. }) => {
                match self.value_kind_at(*element_oid, depth + 1) {
                    ValueKind::Scalar(k) => ValueKind::Array(k),
                    // An array of a domain over an array is still an array of the element.
                    ValueKind::Array(k) => ValueKind::Array(k),
                }
            }
            None => ValueKind::Scalar(ScalarKind::Unknown),
        }
    }

    /// The model type of a column of type `oid` with modifier `typmod` (-1 for none).
    ///
    /// ```
    /// use cdc_model::ColumnType;
    /// use cdc_pgoutput::{TypeRegistry, oid};
    /// let r = TypeRegistry::new();
    /// assert_eq!(r.column_type(oid::NUMERIC, (10 << 16 | 2) + 4),
    ///            ColumnType::Decimal { precision: Some(10), scale: Some(2) });
    /// assert_eq!(r.column_type(99999, -1),
    ///            ColumnType::Other { name: "oid 99999".into(), oid: Some(99999) });
    /// ```
    pub fn column_type(&self, oid: u32, typmod: i32) -> ColumnType {
        self.column_type_at(oid, typmod, 0)
    }

    fn column_type_at(&self, type_oid: u32, typmod: i32, depth: usize) -> ColumnType {
        let other = || ColumnType::Other {
            name: self
                .name(type_oid)
                .unwrap_or_else(|| format!("oid {type_oid}")),
            oid: Some(type_oid),
        };
        if depth > MAX_DEPTH {
            return other();
        }
        // typmods: character types store length + 4 (VARHDRSZ); numeric ((p << 16) | s) + 4;
        // time types the precision; bit types the length.
        let len_minus_header = u32::try_from(typmod).ok().and_then(|m| m.checked_sub(4));
        let precision = u8::try_from(typmod).ok();
        let plain = u32::try_from(typmod).ok();
        let utf8 = Some(Charset::Utf8mb4);
        match type_oid {
            oid::BOOL => ColumnType::Bool,
            oid::INT2 => ColumnType::SmallInt { unsigned: false },
            oid::INT4 => ColumnType::Int { unsigned: false },
            oid::INT8 => ColumnType::BigInt { unsigned: false },
            oid::OID => ColumnType::Int { unsigned: true },
            oid::FLOAT4 => ColumnType::Float,
            oid::FLOAT8 => ColumnType::Double,
            oid::NUMERIC => match len_minus_header {
                Some(m) => ColumnType::Decimal {
                    precision: Some(m >> 16),
                    // PostgreSQL 15 allows scales from -1000 to 1000 stored in 11 bits;
                    // the model has no negative scale, so those keep only the precision.
                    scale: {
                        let s = m & 0x7ff;
                        (s <= 1000).then_some(s)
                    },
                },
                None => ColumnType::Decimal {
                    precision: None,
                    scale: None,
                },
            },
            oid::TEXT => ColumnType::Text {
                max_bytes: None,
                charset: utf8,
            },
            oid::NAME => ColumnType::VarChar {
                length: Some(63),
                charset: utf8,
            },
            oid::VARCHAR => ColumnType::VarChar {
                length: len_minus_header,
                charset: utf8,
            },
            oid::BPCHAR => ColumnType::Char {
                length: len_minus_header,
                charset: utf8,
            },
            oid::BYTEA => ColumnType::Blob { max_bytes: None },
            oid::DATE => ColumnType::Date,
            oid::TIME => ColumnType::Time { precision },
            oid::TIMETZ => ColumnType::TimeTz { precision },
            oid::TIMESTAMP => ColumnType::DateTime { precision },
            oid::TIMESTAMPTZ => ColumnType::Timestamp { precision },
            oid::INTERVAL => ColumnType::Interval,
            oid::UUID => ColumnType::Uuid,
            oid::JSON => ColumnType::Json,
            oid::JSONB => ColumnType::Jsonb,
            oid::BIT => ColumnType::Bit {
                length: plain,
                varying: false,
            },
            oid::VARBIT => ColumnType::Bit {
                length: plain,
                varying: true,
            },
            oid::INET => ColumnType::Inet,
            oid::CIDR => ColumnType::Cidr,
            oid::MACADDR => ColumnType::MacAddr,
            oid::MACADDR8 => ColumnType::MacAddr8,
            oid::MONEY => ColumnType::Money,
            o => {
                if let Some(e) = builtin_array_element(o) {
                    return ColumnType::Array {
                        element: Box::new(self.column_type_at(e, typmod, depth + 1)),
                    };
                }
                match self.known.get(&o) {
                    Some(TypeInfo::Enum { name, labels }) => ColumnType::Enum {
                        name: Some(name.clone()),
                        labels: labels.clone(),
                    },
                    Some(TypeInfo::Domain {
                        name,
                        base_oid,
                        base_typmod,
                    }) => ColumnType::Domain {
                        name: name.clone(),
                        base: Box::new(self.column_type_at(*base_oid, *base_typmod, depth + 1)),
                    },
                    Some(TypeInfo::Array { element_oid, .. }) => ColumnType::Array {
                        element: Box::new(self.column_type_at(*element_oid, typmod, depth + 1)),
                    },
                    None => other(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmods_map_to_lengths_and_precisions() {
        let r = TypeRegistry::new();
        assert_eq!(
            r.column_type(oid::VARCHAR, 24),
            ColumnType::VarChar {
                length: Some(20),
                charset: Some(Charset::Utf8mb4)
            }
        );
        assert_eq!(
            r.column_type(oid::BPCHAR, -1),
            ColumnType::Char {
                length: None,
                charset: Some(Charset::Utf8mb4)
            }
        );
        assert_eq!(
            r.column_type(oid::TIMESTAMPTZ, 3),
            ColumnType::Timestamp { precision: Some(3) }
        );
        assert_eq!(
            r.column_type(oid::TIME, -1),
            ColumnType::Time { precision: None }
        );
        assert_eq!(
            r.column_type(oid::VARBIT, 12),
            ColumnType::Bit {
                length: Some(12),
                varying: true
            }
        );
        assert_eq!(
            r.column_type(1015, 14),
            ColumnType::Array {
                element: Box::new(ColumnType::VarChar {
                    length: Some(10),
                    charset: Some(Charset::Utf8mb4)
                })
            }
        );
        assert_eq!(
            r.column_type(oid::NUMERIC, -1),
            ColumnType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(
            r.column_type(oid::OID, -1),
            ColumnType::Int { unsigned: true }
        );
    }

    #[test]
    fn registered_enums_domains_and_arrays_resolve() {
        let mut r = TypeRegistry::new();
        r.register(
            50000,
            TypeInfo::Enum {
                name: "mood".into(),
                labels: vec!["sad".into(), "ok".into()],
            },
        );
        r.register(
            50001,
            TypeInfo::Array {
                name: "_mood".into(),
                element_oid: 50000,
            },
        );
        r.register(
            50002,
            TypeInfo::Domain {
                name: "posint".into(),
                base_oid: oid::INT4,
                base_typmod: -1,
            },
        );
        // a domain over itself must not loop
        r.register(
            50003,
            TypeInfo::Domain {
                name: "loop".into(),
                base_oid: 50003,
                base_typmod: -1,
            },
        );
        assert_eq!(r.value_kind(50000), ValueKind::Scalar(ScalarKind::Enum));
        assert_eq!(r.value_kind(50001), ValueKind::Array(ScalarKind::Enum));
        assert_eq!(r.value_kind(50002), ValueKind::Scalar(ScalarKind::Int4));
        assert_eq!(r.value_kind(50003), ValueKind::Scalar(ScalarKind::Unknown));
        assert_eq!(
            r.column_type(50002, -1),
            ColumnType::Domain {
                name: "posint".into(),
                base: Box::new(ColumnType::Int { unsigned: false })
            }
        );
        assert!(matches!(
            r.column_type(50003, -1),
            ColumnType::Domain { .. }
        ));
        assert!(matches!(
            r.column_type(50001, -1),
            ColumnType::Array { element } if matches!(*element, ColumnType::Enum { .. })
        ));
        r.note_name(60000, "public.thing".into());
        assert_eq!(
            r.column_type(60000, -1),
            ColumnType::Other {
                name: "public.thing".into(),
                oid: Some(60000)
            }
        );
        assert_eq!(r.value_kind(60000), ValueKind::Scalar(ScalarKind::Unknown));
    }
}
