//! Corpus tables: one column of every type each source has, with edge parameters (widest
//! decimals, zero-length and unsigned types, every temporal precision, every text and blob
//! size, every spatial kind). The mapping document and the live round-trip tests are built
//! from them.

use cdc_model::{Charset, Column, ColumnType, GeometryKind, Index, TableId, TableSchema};

/// One corpus column: the model column (with its native spelling) and whether the servers
/// the live tests run (MariaDB 10.11, PostgreSQL 15) can create it.
#[derive(Clone, Debug)]
pub struct CorpusColumn {
    /// The column.
    pub column: Column,
    /// MariaDB 10.11 (for a MySQL corpus) or PostgreSQL 15 (for a PostgreSQL corpus) can
    /// create it as written.
    pub live: bool,
}

fn col(name: &str, native: &str, ty: ColumnType) -> CorpusColumn {
    let mut column = Column::new(name, ty);
    column.native_type = Some(native.to_owned());
    CorpusColumn { column, live: true }
}

fn text(name: &str, native: &str, ty: ColumnType, collation: &str) -> CorpusColumn {
    let mut c = col(name, native, ty);
    c.column.collation = Some(collation.to_owned());
    c
}

fn utf8mb4() -> Option<Charset> {
    Some(Charset::Utf8mb4)
}

/// The MySQL/MariaDB corpus: every MySQL type with its edges.
pub fn mysql_columns() -> Vec<CorpusColumn> {
    use ColumnType as T;
    let geo =
        |name: &str, kind: GeometryKind| col(name, kind.name(), T::Geometry { kind, srid: None });
    let labels = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut id = col("id", "bigint(20) unsigned", T::BigInt { unsigned: true });
    id.column.nullable = false;
    id.column.auto_increment = true;
    let mut vector = col("c_vector", "vector(3)", T::Vector { dimensions: 3 });
    vector.live = false;
    let mut gis_srid = col(
        "c_point_srid",
        "point",
        T::Geometry {
            kind: GeometryKind::Point,
            srid: Some(4326),
        },
    );
    gis_srid.live = false;
    vec![
        id,
        col("c_tinyint", "tinyint(4)", T::TinyInt { unsigned: false }),
        col("c_bool", "tinyint(1)", T::TinyInt { unsigned: false }),
        col(
            "c_utinyint",
            "tinyint(3) unsigned",
            T::TinyInt { unsigned: true },
        ),
        col("c_smallint", "smallint(6)", T::SmallInt { unsigned: false }),
        col(
            "c_usmallint",
            "smallint(5) unsigned",
            T::SmallInt { unsigned: true },
        ),
        col(
            "c_mediumint",
            "mediumint(9)",
            T::MediumInt { unsigned: false },
        ),
        col(
            "c_umediumint",
            "mediumint(8) unsigned",
            T::MediumInt { unsigned: true },
        ),
        col("c_int", "int(11)", T::Int { unsigned: false }),
        col("c_uint", "int(10) unsigned", T::Int { unsigned: true }),
        col("c_bigint", "bigint(20)", T::BigInt { unsigned: false }),
        col(
            "c_ubigint",
            "bigint(20) unsigned",
            T::BigInt { unsigned: true },
        ),
        col("c_float", "float", T::Float),
        col("c_double", "double", T::Double),
        col(
            "c_decimal",
            "decimal(10,2)",
            T::Decimal {
                precision: Some(10),
                scale: Some(2),
            },
        ),
        col(
            "c_decimal38",
            "decimal(38,18)",
            T::Decimal {
                precision: Some(38),
                scale: Some(18),
            },
        ),
        col(
            "c_decimal65",
            "decimal(65,30)",
            T::Decimal {
                precision: Some(65),
                scale: Some(30),
            },
        ),
        col("c_year", "year(4)", T::Year),
        col("c_date", "date", T::Date),
        col("c_time", "time", T::Time { precision: None }),
        col("c_time6", "time(6)", T::Time { precision: Some(6) }),
        col("c_datetime", "datetime", T::DateTime { precision: None }),
        col(
            "c_datetime3",
            "datetime(3)",
            T::DateTime { precision: Some(3) },
        ),
        col(
            "c_datetime6",
            "datetime(6)",
            T::DateTime { precision: Some(6) },
        ),
        col("c_timestamp", "timestamp", T::Timestamp { precision: None }),
        col(
            "c_timestamp6",
            "timestamp(6)",
            T::Timestamp { precision: Some(6) },
        ),
        text(
            "c_char",
            "char(10)",
            T::Char {
                length: Some(10),
                charset: utf8mb4(),
            },
            "utf8mb4_general_ci",
        ),
        text(
            "c_char0",
            "char(0)",
            T::Char {
                length: Some(0),
                charset: utf8mb4(),
            },
            "utf8mb4_general_ci",
        ),
        text(
            "c_varchar",
            "varchar(255)",
            T::VarChar {
                length: Some(255),
                charset: utf8mb4(),
            },
            "utf8mb4_bin",
        ),
        text(
            "c_varchar_utf8",
            "varchar(20)",
            T::VarChar {
                length: Some(20),
                charset: Some(Charset::Utf8mb3),
            },
            "utf8mb3_general_ci",
        ),
        text(
            "c_varchar_latin1",
            "varchar(20)",
            T::VarChar {
                length: Some(20),
                charset: Some(Charset::Latin1),
            },
            "latin1_swedish_ci",
        ),
        text(
            "c_tinytext",
            "tinytext",
            T::Text {
                max_bytes: Some(255),
                charset: utf8mb4(),
            },
            "utf8mb4_general_ci",
        ),
        text(
            "c_text",
            "text",
            T::Text {
                max_bytes: Some(65_535),
                charset: utf8mb4(),
            },
            "utf8mb4_general_ci",
        ),
        text(
            "c_mediumtext",
            "mediumtext",
            T::Text {
                max_bytes: Some(16_777_215),
                charset: utf8mb4(),
            },
            "utf8mb4_general_ci",
        ),
        text(
            "c_longtext",
            "longtext",
            T::Text {
                max_bytes: Some(4_294_967_295),
                charset: utf8mb4(),
            },
            "utf8mb4_general_ci",
        ),
        col("c_binary", "binary(16)", T::Binary { length: 16 }),
        col("c_varbinary", "varbinary(64)", T::VarBinary { length: 64 }),
        col(
            "c_tinyblob",
            "tinyblob",
            T::Blob {
                max_bytes: Some(255),
            },
        ),
        col(
            "c_blob",
            "blob",
            T::Blob {
                max_bytes: Some(65_535),
            },
        ),
        col(
            "c_mediumblob",
            "mediumblob",
            T::Blob {
                max_bytes: Some(16_777_215),
            },
        ),
        col(
            "c_longblob",
            "longblob",
            T::Blob {
                max_bytes: Some(4_294_967_295),
            },
        ),
        col(
            "c_bit1",
            "bit(1)",
            T::Bit {
                length: Some(1),
                varying: false,
            },
        ),
        col(
            "c_bit10",
            "bit(10)",
            T::Bit {
                length: Some(10),
                varying: false,
            },
        ),
        col(
            "c_bit64",
            "bit(64)",
            T::Bit {
                length: Some(64),
                varying: false,
            },
        ),
        text(
            "c_enum",
            "enum('small','medium','large','it''s')",
            T::Enum {
                name: None,
                labels: labels(&["small", "medium", "large", "it's"]),
            },
            "utf8mb4_general_ci",
        ),
        text(
            "c_set",
            "set('a','b','c')",
            T::Set {
                labels: labels(&["a", "b", "c"]),
            },
            "utf8mb4_general_ci",
        ),
        col("c_json", "json", T::Json),
        geo("c_geometry", GeometryKind::Geometry),
        geo("c_point", GeometryKind::Point),
        geo("c_linestring", GeometryKind::LineString),
        geo("c_polygon", GeometryKind::Polygon),
        geo("c_multipoint", GeometryKind::MultiPoint),
        geo("c_multilinestring", GeometryKind::MultiLineString),
        geo("c_multipolygon", GeometryKind::MultiPolygon),
        geo("c_geometrycollection", GeometryKind::GeometryCollection),
        gis_srid,
        col("c_uuid", "uuid", T::Uuid),
        col("c_inet6", "inet6", T::Inet),
        col("c_inet4", "inet4", T::Inet),
        vector,
    ]
}

/// The PostgreSQL corpus: built-in types, arrays, an enum, a domain, and types this model
/// keeps by name.
pub fn postgres_columns() -> Vec<CorpusColumn> {
    use ColumnType as T;
    let mut id = col("id", "bigint", T::BigInt { unsigned: false });
    id.column.nullable = false;
    id.column.auto_increment = true;
    let other = |name: &str| {
        col(
            &format!("c_{name}"),
            name,
            T::Other {
                name: name.to_owned(),
                oid: None,
            },
        )
    };
    vec![
        id,
        col("c_bool", "boolean", T::Bool),
        col("c_int2", "smallint", T::SmallInt { unsigned: false }),
        col("c_int4", "integer", T::Int { unsigned: false }),
        col("c_int8", "bigint", T::BigInt { unsigned: false }),
        col("c_oid", "oid", T::Int { unsigned: true }),
        col("c_real", "real", T::Float),
        col("c_double", "double precision", T::Double),
        col(
            "c_numeric",
            "numeric(12,3)",
            T::Decimal {
                precision: Some(12),
                scale: Some(3),
            },
        ),
        col(
            "c_numeric_any",
            "numeric",
            T::Decimal {
                precision: None,
                scale: None,
            },
        ),
        col("c_date", "date", T::Date),
        col(
            "c_time3",
            "time(3) without time zone",
            T::Time { precision: Some(3) },
        ),
        col(
            "c_timetz",
            "time with time zone",
            T::TimeTz { precision: None },
        ),
        col(
            "c_ts",
            "timestamp without time zone",
            T::DateTime { precision: None },
        ),
        col(
            "c_ts3",
            "timestamp(3) without time zone",
            T::DateTime { precision: Some(3) },
        ),
        col(
            "c_tstz",
            "timestamp with time zone",
            T::Timestamp { precision: None },
        ),
        col("c_interval", "interval", T::Interval),
        col(
            "c_char",
            "character(5)",
            T::Char {
                length: Some(5),
                charset: None,
            },
        ),
        col(
            "c_varchar",
            "character varying(40)",
            T::VarChar {
                length: Some(40),
                charset: None,
            },
        ),
        col(
            "c_varchar_any",
            "character varying",
            T::VarChar {
                length: None,
                charset: None,
            },
        ),
        col(
            "c_text",
            "text",
            T::Text {
                max_bytes: None,
                charset: None,
            },
        ),
        col("c_bytea", "bytea", T::Blob { max_bytes: None }),
        col(
            "c_bit",
            "bit(3)",
            T::Bit {
                length: Some(3),
                varying: false,
            },
        ),
        col(
            "c_varbit",
            "bit varying(8)",
            T::Bit {
                length: Some(8),
                varying: true,
            },
        ),
        col("c_json", "json", T::Json),
        col("c_jsonb", "jsonb", T::Jsonb),
        col("c_uuid", "uuid", T::Uuid),
        col("c_inet", "inet", T::Inet),
        col("c_cidr", "cidr", T::Cidr),
        col("c_macaddr", "macaddr", T::MacAddr),
        col("c_macaddr8", "macaddr8", T::MacAddr8),
        col("c_money", "money", T::Money),
        col(
            "c_int_array",
            "integer[]",
            T::Array {
                element: Box::new(T::Int { unsigned: false }),
            },
        ),
        col(
            "c_varchar_array",
            "character varying(10)[]",
            T::Array {
                element: Box::new(T::VarChar {
                    length: Some(10),
                    charset: None,
                }),
            },
        ),
        col(
            "c_enum",
            "mood",
            T::Enum {
                name: Some("mood".to_owned()),
                labels: vec!["sad".into(), "ok".into(), "happy".into()],
            },
        ),
        col(
            "c_domain",
            "posint",
            T::Domain {
                name: "posint".to_owned(),
                base: Box::new(T::Int { unsigned: false }),
            },
        ),
        other("tsvector"),
        other("point"),
        other("xml"),
        other("int4range"),
    ]
}

/// `columns` as one table with `id` as primary key.
pub fn table(id: TableId, columns: &[CorpusColumn]) -> TableSchema {
    let mut t = TableSchema::new(id, columns.iter().map(|c| c.column.clone()).collect());
    t.primary_key = Some(Index::new(Some("PRIMARY"), &["id"], true));
    t
}
