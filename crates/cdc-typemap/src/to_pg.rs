//! MySQL/MariaDB and PostgreSQL columns to PostgreSQL and AnalyticDB for PostgreSQL.
//!
//! Target types are spelled as PostgreSQL's `format_type()` prints them, so the live tests
//! compare the created catalog with the mapping character for character.

use cdc_model::{Column, ColumnType, GeometryKind, TableId};

use crate::dialect::Dialect;
use crate::issue::{IssueKind, Reporter};
use crate::mapping::{
    Check, ColumnMapping, EnumAs, Mapper, SetAs, SpatialAs, TypeDef, is_tinyint1, unsigned_max,
};

pub(crate) fn map(
    mapper: &Mapper,
    table: &TableId,
    column: &Column,
    r: &mut Reporter<'_>,
) -> ColumnMapping {
    let mut out = ColumnMapping::new(None, Vec::new());
    let from_mysql = mapper.source().is_mysql_family();
    out.target_type = pg_type(mapper, table, column, &column.ty, &mut out, r);
    if from_mysql && is_textual(&column.ty) {
        r.lossy(
            IssueKind::NulCharacter,
            "PostgreSQL text cannot hold NUL (0x00) characters, which MySQL strings may \
             contain: such values are rejected",
        );
    }
    if let Some(collation) = &column.collation {
        if from_mysql {
            if collation.to_ascii_lowercase().ends_with("_ci") && is_textual(&column.ty) {
                r.note(
                    IssueKind::Collation,
                    format!(
                        "MySQL collation {collation} compares case-insensitively; the \
                         PostgreSQL column uses the database's case-sensitive default, so \
                         comparisons and unique keys differ"
                    ),
                );
            }
        } else {
            out.collation = Some(collation.clone());
        }
    }
    out
}

fn is_textual(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Char { .. }
            | ColumnType::VarChar { .. }
            | ColumnType::Text { .. }
            | ColumnType::Enum { .. }
            | ColumnType::Set { .. }
    )
}

fn with_precision(base: &str, p: Option<u8>, suffix: &str) -> String {
    match p {
        Some(p) => format!("{base}({p}){suffix}"),
        None => format!("{base}{suffix}"),
    }
}

/// PostGIS spelling of a geometry kind in a typmod.
fn postgis_kind(kind: GeometryKind) -> &'static str {
    match kind {
        GeometryKind::Geometry => "Geometry",
        GeometryKind::Point => "Point",
        GeometryKind::LineString => "LineString",
        GeometryKind::Polygon => "Polygon",
        GeometryKind::MultiPoint => "MultiPoint",
        GeometryKind::MultiLineString => "MultiLineString",
        GeometryKind::MultiPolygon => "MultiPolygon",
        GeometryKind::GeometryCollection => "GeometryCollection",
    }
}

fn pg_type(
    mapper: &Mapper,
    table: &TableId,
    column: &Column,
    ty: &ColumnType,
    out: &mut ColumnMapping,
    r: &mut Reporter<'_>,
) -> Option<String> {
    let from_mysql = mapper.source().is_mysql_family();
    let opts = mapper.options();
    let adb = mapper.target() == Dialect::AnalyticDb;
    // MySQL's default fractional precision is 0; PostgreSQL's is 6.
    let fsp = |p: &Option<u8>| if from_mysql { Some(p.unwrap_or(0)) } else { *p };
    let unsigned = |out: &mut ColumnMapping, r: &mut Reporter<'_>, to: &str| {
        if let Some(max) = unsigned_max(ty) {
            out.check = Some(Check::Range {
                min: "0".into(),
                max: max.into(),
            });
            r.note(
                IssueKind::UnsignedWidened,
                format!("PostgreSQL has no unsigned integers: {to} with CHECK 0..{max}"),
            );
        }
    };
    let t = match ty {
        ColumnType::Bool => "boolean".to_owned(),
        ColumnType::TinyInt { unsigned: u } => {
            if from_mysql && opts.tinyint1_as_boolean && is_tinyint1(column) {
                r.lossy(
                    IssueKind::TinyIntAsBoolean,
                    "TINYINT(1) as boolean: 0 becomes false and every other value (2, -1) true",
                );
                "boolean".to_owned()
            } else {
                if *u {
                    unsigned(out, r, "smallint");
                }
                "smallint".to_owned()
            }
        }
        ColumnType::SmallInt { unsigned: true } => {
            unsigned(out, r, "integer");
            "integer".to_owned()
        }
        ColumnType::SmallInt { unsigned: false } => "smallint".to_owned(),
        ColumnType::MediumInt { unsigned: u } => {
            if *u {
                unsigned(out, r, "integer");
            }
            "integer".to_owned()
        }
        ColumnType::Int { unsigned: true } if !from_mysql => "oid".to_owned(),
        ColumnType::Int { unsigned: true } => {
            unsigned(out, r, "bigint");
            "bigint".to_owned()
        }
        ColumnType::Int { unsigned: false } => "integer".to_owned(),
        ColumnType::BigInt { unsigned: true } if column.auto_increment => {
            out.check = Some(Check::Range {
                min: "0".into(),
                max: "9223372036854775807".into(),
            });
            r.lossy(
                IssueKind::AutoIncrement,
                "BIGINT UNSIGNED AUTO_INCREMENT as a bigint identity: values above \
                 9223372036854775807 are rejected",
            );
            "bigint".to_owned()
        }
        ColumnType::BigInt { unsigned: true } => {
            unsigned(out, r, "numeric(20,0)");
            "numeric(20,0)".to_owned()
        }
        ColumnType::BigInt { unsigned: false } => "bigint".to_owned(),
        ColumnType::Float => "real".to_owned(),
        ColumnType::Double => "double precision".to_owned(),
        ColumnType::Decimal { precision, scale } => match (precision, scale) {
            (Some(p), s) => format!("numeric({p},{})", s.unwrap_or(0)),
            (None, _) => "numeric".to_owned(),
        },
        ColumnType::Year => "smallint".to_owned(),
        ColumnType::Date => {
            zero_dates(from_mysql, r);
            "date".to_owned()
        }
        ColumnType::Time { precision } if from_mysql && opts.time_as_interval => {
            let _ = precision;
            "interval".to_owned()
        }
        ColumnType::Time { precision } => {
            if from_mysql {
                r.lossy(
                    IssueKind::TimeOutOfRange,
                    "MySQL TIME spans -838:59:59..838:59:59; PostgreSQL time holds \
                     00:00:00..24:00:00, so negative values and values past 24 hours are \
                     rejected (map TIME to interval to keep them)",
                );
            }
            with_precision("time", fsp(precision), " without time zone")
        }
        ColumnType::TimeTz { precision } => with_precision("time", *precision, " with time zone"),
        ColumnType::DateTime { precision } => {
            zero_dates(from_mysql, r);
            with_precision("timestamp", fsp(precision), " without time zone")
        }
        ColumnType::Timestamp { precision } => {
            zero_dates(from_mysql, r);
            with_precision("timestamp", fsp(precision), " with time zone")
        }
        ColumnType::Interval => "interval".to_owned(),
        ColumnType::Char { length, .. } => match length {
            Some(0) => zero_length(r, "CHAR(0)"),
            Some(n) => format!("character({n})"),
            None => "bpchar".to_owned(),
        },
        ColumnType::VarChar { length, .. } => match length {
            Some(0) => zero_length(r, "VARCHAR(0)"),
            Some(n) => format!("character varying({n})"),
            None => "character varying".to_owned(),
        },
        ColumnType::Text { .. } => "text".to_owned(),
        ColumnType::Binary { .. } | ColumnType::VarBinary { .. } | ColumnType::Blob { .. } => {
            "bytea".to_owned()
        }
        ColumnType::Bit { length, varying } => match (varying, length) {
            (false, Some(n)) => format!("bit({n})"),
            (false, None) => "bit(1)".to_owned(),
            (true, Some(n)) => format!("bit varying({n})"),
            (true, None) => "bit varying".to_owned(),
        },
        ColumnType::Enum { name, labels } => {
            if let (Some(name), false) = (name, from_mysql) {
                if !labels.is_empty() {
                    out.type_def = Some(TypeDef::Enum {
                        name: name.clone(),
                        labels: labels.clone(),
                    });
                }
                name.clone()
            } else {
                match opts.enum_as {
                    EnumAs::CheckedText => {
                        out.check = Some(Check::OneOf(labels.clone()));
                        r.note(
                            IssueKind::EnumSetAsText,
                            "ENUM as text with a CHECK on its labels: ORDER BY sorts by \
                             label, not by member index",
                        );
                        "text".to_owned()
                    }
                    EnumAs::PgEnum => {
                        let name = format!("{}_{}", table.name, column.name);
                        out.type_def = Some(TypeDef::Enum {
                            name: name.clone(),
                            labels: labels.clone(),
                        });
                        name
                    }
                }
            }
        }
        ColumnType::Set { labels } => match opts.set_as {
            SetAs::Text => {
                r.note(
                    IssueKind::EnumSetAsText,
                    "SET as text holding MySQL's comma-separated members; membership is not \
                     checked",
                );
                "text".to_owned()
            }
            SetAs::TextArray => {
                out.check = Some(Check::SubsetOf(labels.clone()));
                r.note(
                    IssueKind::EnumSetAsText,
                    "SET as text[] with a CHECK that members are labels",
                );
                "text[]".to_owned()
            }
        },
        ColumnType::Json if from_mysql => {
            if opts.jsonb {
                r.lossy(
                    IssueKind::JsonRepresentation,
                    "JSON as jsonb: key order, duplicate keys and white space are normalised, \
                     and strings holding \\u0000 are rejected",
                );
                "jsonb".to_owned()
            } else {
                "json".to_owned()
            }
        }
        ColumnType::Json => "json".to_owned(),
        ColumnType::Jsonb => "jsonb".to_owned(),
        ColumnType::Geometry { kind, srid } => match opts.spatial {
            SpatialAs::PostGis => {
                out.extension = Some("postgis".to_owned());
                r.note(
                    IssueKind::ExtensionRequired,
                    "PostGIS geometry: the target needs CREATE EXTENSION postgis",
                );
                match (kind, srid.filter(|s| *s != 0)) {
                    (GeometryKind::Geometry, None) => "geometry".to_owned(),
                    (k, None) => format!("geometry({})", postgis_kind(*k)),
                    (k, Some(s)) => format!("geometry({},{s})", postgis_kind(*k)),
                }
            }
            SpatialAs::Wkb => {
                if srid.is_some() {
                    r.note(
                        IssueKind::Spatial,
                        "spatial values as WKB bytes; the column's SRID is the declared one",
                    );
                } else {
                    r.lossy(
                        IssueKind::Spatial,
                        "spatial values as WKB bytes: each value's SRID is not kept",
                    );
                }
                "bytea".to_owned()
            }
        },
        ColumnType::Vector { dimensions } => {
            r.note(
                IssueKind::TypeNotInTarget,
                format!(
                    "VECTOR({dimensions}) as real[] (same float32 values; the dimension is not \
                     enforced; pgvector's vector type would need an extension)"
                ),
            );
            "real[]".to_owned()
        }
        ColumnType::Uuid => "uuid".to_owned(),
        ColumnType::Inet => {
            if from_mysql
                && column
                    .native_type
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case("inet4"))
            {
                r.note(
                    IssueKind::TypeNotInTarget,
                    "MariaDB INET4 as inet, which also accepts IPv6",
                );
            }
            "inet".to_owned()
        }
        ColumnType::Cidr => "cidr".to_owned(),
        ColumnType::MacAddr => "macaddr".to_owned(),
        ColumnType::MacAddr8 => "macaddr8".to_owned(),
        ColumnType::Money => "money".to_owned(),
        ColumnType::Array { element } => {
            let mut scratch = ColumnMapping::new(None, Vec::new());
            let elem = pg_type(mapper, table, column, element, &mut scratch, r)?;
            if scratch.type_def.is_some() {
                out.type_def = scratch.type_def;
            }
            if elem.ends_with("[]") {
                elem
            } else {
                format!("{elem}[]")
            }
        }
        ColumnType::Domain { name, base } => {
            let mut scratch = ColumnMapping::new(None, Vec::new());
            let base = pg_type(mapper, table, column, base, &mut scratch, r)?;
            out.type_def = Some(TypeDef::Domain {
                name: name.clone(),
                base,
            });
            name.clone()
        }
        ColumnType::Other { name, .. } => {
            if from_mysql {
                r.unsupported(
                    IssueKind::UnknownType,
                    format!("unknown MySQL type {name}: the column is not created"),
                );
                return None;
            }
            r.note(
                IssueKind::UnknownType,
                format!(
                    "type {name} is passed through by name; it must exist on the target \
                     (extension or user-defined type)"
                ),
            );
            column.native_type.clone().unwrap_or_else(|| name.clone())
        }
    };
    if adb && matches!(ty, ColumnType::Array { .. }) {
        r.note(
            IssueKind::TypeNotInTarget,
            "arrays on AnalyticDB cannot be distribution keys",
        );
    }
    Some(t)
}

fn zero_dates(from_mysql: bool, r: &mut Reporter<'_>) {
    if from_mysql {
        r.lossy(
            IssueKind::ZeroDateToNull,
            "MySQL zero dates (0000-00-00, and dates with a zero month or day) become NULL; \
             a NOT NULL column then rejects the row",
        );
    }
}

fn zero_length(r: &mut Reporter<'_>, what: &str) -> String {
    r.note(
        IssueKind::TypeNotInTarget,
        format!(
            "{what} holds only '' and NULL; PostgreSQL has no zero-length character type, \
             so it becomes character varying(1)"
        ),
    );
    "character varying(1)".to_owned()
}
