//! MySQL/MariaDB columns to MySQL/MariaDB: identity within a version, and the differences
//! between MySQL 5.7, 8.0+ and MariaDB (charset aliases, collations, types one of them lacks).

use cdc_model::{Charset, Column, ColumnType};

use crate::dialect::{Dialect, Version};
use crate::issue::{IssueKind, Reporter};
use crate::mapping::{ColumnMapping, Mapper, is_tinyint1};

pub(crate) fn map(mapper: &Mapper, column: &Column, r: &mut Reporter<'_>) -> ColumnMapping {
    let target = mapper.target();
    let source = mapper.source();
    let mut out = ColumnMapping::new(mysql_type(source, target, column, r), Vec::new());
    let charset = match &column.ty {
        ColumnType::Char { charset, .. }
        | ColumnType::VarChar { charset, .. }
        | ColumnType::Text { charset, .. } => charset.clone(),
        _ => None,
    };
    let charset = charset.or_else(|| {
        // ENUM and SET carry their charset only in the collation name.
        let c = column.collation.as_deref()?;
        matches!(column.ty, ColumnType::Enum { .. } | ColumnType::Set { .. })
            .then(|| Charset::from_name(c.split('_').next().unwrap_or(c)))
    });
    if let Some(cs) = charset.filter(|c| *c != Charset::Binary) {
        out.charset = Some(charset_name(&cs, source, target, r));
    }
    if let Some(coll) = &column.collation {
        out.collation = Some(collation(coll, target, r));
    }
    out
}

/// MySQL 8.0 and MariaDB 10.6 spell the 3-byte UTF-8 set `utf8mb3`; older servers `utf8`.
fn says_utf8mb3(d: Dialect) -> bool {
    match d {
        Dialect::MySql(v) => v >= Version::new(8, 0),
        Dialect::MariaDb(v) => v >= Version::new(10, 6),
        _ => false,
    }
}

fn charset_name(cs: &Charset, source: Dialect, target: Dialect, r: &mut Reporter<'_>) -> String {
    if *cs == Charset::Utf8mb3 {
        if says_utf8mb3(target) {
            if !says_utf8mb3(source) {
                r.note(
                    IssueKind::Collation,
                    format!(
                        "charset utf8 is spelled utf8mb3 on {target} (the same 3-byte UTF-8; \
                         utf8mb4 would also hold characters outside the BMP)"
                    ),
                );
            }
            return "utf8mb3".to_owned();
        }
        return "utf8".to_owned();
    }
    cs.name().to_owned()
}

fn collation(name: &str, target: Dialect, r: &mut Reporter<'_>) -> String {
    let lower = name.to_ascii_lowercase();
    let mysql8 = matches!(target, Dialect::MySql(v) if v >= Version::new(8, 0));
    let maria_uca14 = matches!(target, Dialect::MariaDb(v) if v >= Version::new(10, 10));
    // utf8 / utf8mb3 alias spelling.
    if let Some(rest) = lower.strip_prefix("utf8_") {
        if says_utf8mb3(target) {
            return format!("utf8mb3_{rest}");
        }
        return lower;
    }
    if let Some(rest) = lower.strip_prefix("utf8mb3_") {
        if !says_utf8mb3(target) {
            return format!("utf8_{rest}");
        }
        return lower;
    }
    let mut changed = |to: &str, why: &str| {
        r.lossy(
            IssueKind::Collation,
            format!(
                "collation {name} does not exist on {target}; {to} is used instead ({why}), so \
                 values equal under one and distinct under the other can violate unique keys"
            ),
        );
        to.to_owned()
    };
    if lower.contains("_0900_") && !mysql8 {
        if maria_uca14 {
            // MySQL's 0900 collations are NO PAD; MariaDB's nopad UCA 14.0 ones match that.
            let to = match lower.as_str() {
                "utf8mb4_0900_ai_ci" => "utf8mb4_uca1400_nopad_ai_ci",
                "utf8mb4_0900_as_ci" => "utf8mb4_uca1400_nopad_as_ci",
                "utf8mb4_0900_as_cs" => "utf8mb4_uca1400_nopad_as_cs",
                "utf8mb4_0900_bin" => "utf8mb4_nopad_bin",
                _ => "utf8mb4_uca1400_nopad_ai_ci",
            };
            let why = if lower.starts_with("utf8mb4_0900_") {
                "UCA 14.0.0 weights instead of 9.0.0"
            } else {
                "the language tailoring is lost"
            };
            return changed(to, why);
        }
        let to = if lower == "utf8mb4_0900_bin" {
            "utf8mb4_bin"
        } else {
            "utf8mb4_unicode_520_ci"
        };
        return changed(to, "older UCA weights and PAD SPACE");
    }
    if lower.contains("_uca1400_") && !matches!(target, Dialect::MariaDb(_) if maria_uca14) {
        let to = if mysql8 {
            if lower.contains("as_cs") {
                "utf8mb4_0900_as_cs"
            } else {
                "utf8mb4_0900_ai_ci"
            }
        } else {
            "utf8mb4_unicode_520_ci"
        };
        return changed(to, "UCA 14.0.0 weights are MariaDB's");
    }
    lower
}

fn mysql_type(
    source: Dialect,
    target: Dialect,
    column: &Column,
    r: &mut Reporter<'_>,
) -> Option<String> {
    let native = column
        .native_type
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let attrs = |base: String, unsigned: bool| {
        let mut s = base;
        if unsigned || native.contains("unsigned") {
            s.push_str(" unsigned");
        }
        if native.contains("zerofill") {
            s.push_str(" zerofill");
        }
        s
    };
    // `float(10,2)`, `double(10,2)`, `decimal` keep the (M,D) the source declared.
    let float_md = |name: &str| -> String {
        native
            .strip_prefix(name)
            .filter(|rest| rest.starts_with('('))
            .and_then(|rest| rest.find(')').and_then(|end| rest.get(..=end)))
            .map_or_else(|| name.to_owned(), |md| format!("{name}{md}"))
    };
    let prec = |name: &str, p: &Option<u8>| match p {
        Some(p) if *p > 0 => format!("{name}({p})"),
        _ => name.to_owned(),
    };
    let t = match &column.ty {
        ColumnType::TinyInt { unsigned } => {
            let base = if is_tinyint1(column) {
                "tinyint(1)"
            } else {
                "tinyint"
            };
            attrs(base.to_owned(), *unsigned)
        }
        ColumnType::SmallInt { unsigned } => attrs("smallint".into(), *unsigned),
        ColumnType::MediumInt { unsigned } => attrs("mediumint".into(), *unsigned),
        ColumnType::Int { unsigned } => attrs("int".into(), *unsigned),
        ColumnType::BigInt { unsigned } => attrs("bigint".into(), *unsigned),
        ColumnType::Float => attrs(float_md("float"), false),
        ColumnType::Double => attrs(float_md("double"), false),
        ColumnType::Decimal { precision, scale } => attrs(
            match (precision, scale) {
                (Some(p), s) => format!("decimal({p},{})", s.unwrap_or(0)),
                (None, _) => "decimal".to_owned(),
            },
            false,
        ),
        ColumnType::Year => "year".to_owned(),
        ColumnType::Date => "date".to_owned(),
        ColumnType::Time { precision } => prec("time", precision),
        ColumnType::DateTime { precision } => prec("datetime", precision),
        ColumnType::Timestamp { precision } => prec("timestamp", precision),
        ColumnType::Char { length, .. } => format!("char({})", length.unwrap_or(1)),
        ColumnType::VarChar {
            length: Some(n), ..
        } => format!("varchar({n})"),
        ColumnType::Text { max_bytes, .. } => match max_bytes {
            Some(255) => "tinytext",
            Some(65_535) => "text",
            Some(16_777_215) => "mediumtext",
            _ => "longtext",
        }
        .to_owned(),
        ColumnType::Binary { length } => format!("binary({length})"),
        ColumnType::VarBinary { length } => format!("varbinary({length})"),
        ColumnType::Blob { max_bytes } => match max_bytes {
            Some(255) => "tinyblob",
            Some(65_535) => "blob",
            Some(16_777_215) => "mediumblob",
            _ => "longblob",
        }
        .to_owned(),
        ColumnType::Bit {
            length,
            varying: false,
        } => format!("bit({})", length.unwrap_or(1)),
        ColumnType::Enum { labels, .. } => format!("enum({})", quoted(target, labels)),
        ColumnType::Set { labels } => format!("set({})", quoted(target, labels)),
        ColumnType::Json => {
            if matches!(target, Dialect::MariaDb(_)) && matches!(source, Dialect::MySql(_)) {
                r.note(
                    IssueKind::JsonRepresentation,
                    "MariaDB JSON is LONGTEXT with a json_valid CHECK: documents are kept as \
                     text, not normalised as MySQL stores them (MySQL sorts keys and keeps the \
                     last of duplicate keys); replicated documents arrive in MySQL's key order, \
                     but documents written on MariaDB keep their own key order, white space \
                     and duplicate keys, and equality compares the text",
                );
            }
            "json".to_owned()
        }
        ColumnType::Geometry { kind, srid } => {
            let mut t = kind.name().to_owned();
            if let Some(s) = srid {
                match target {
                    Dialect::MySql(v) if v >= Version::new(8, 0) => {
                        t.push_str(&format!(" srid {s}"))
                    }
                    Dialect::MariaDb(_) => t.push_str(&format!(" ref_system_id={s}")),
                    _ => r.note(
                        IssueKind::ColumnAttribute,
                        format!("{target} has no column SRID; SRID {s} is not enforced"),
                    ),
                }
            }
            t
        }
        ColumnType::Vector { dimensions } => {
            let has = match target {
                Dialect::MySql(v) => v >= Version::new(9, 0),
                Dialect::MariaDb(v) => v >= Version::new(11, 7),
                _ => false,
            };
            if has {
                format!("vector({dimensions})")
            } else {
                r.note(
                    IssueKind::TypeNotInTarget,
                    format!(
                        "{target} has no VECTOR type: varbinary({}) holds the same float32 \
                         bytes",
                        u64::from(*dimensions) * 4
                    ),
                );
                format!("varbinary({})", u64::from(*dimensions) * 4)
            }
        }
        ColumnType::Uuid => match target {
            Dialect::MariaDb(v) if v >= Version::new(10, 7) => "uuid".to_owned(),
            _ => {
                r.note(
                    IssueKind::TypeNotInTarget,
                    format!("{target} has no UUID type: char(36) holds its text form"),
                );
                "char(36)".to_owned()
            }
        },
        ColumnType::Inet => match target {
            Dialect::MariaDb(v) if native == "inet4" && v >= Version::new(10, 10) => {
                "inet4".to_owned()
            }
            Dialect::MariaDb(v) if v >= Version::new(10, 5) => {
                if native == "inet4" {
                    r.note(
                        IssueKind::TypeNotInTarget,
                        "INET4 as INET6: IPv4 addresses print as ::ffff:a.b.c.d",
                    );
                }
                "inet6".to_owned()
            }
            _ => {
                r.note(
                    IssueKind::TypeNotInTarget,
                    format!("{target} has no INET type: varchar(45) holds its text form"),
                );
                "varchar(45)".to_owned()
            }
        },
        ColumnType::Other { name, .. } => {
            r.note(
                IssueKind::UnknownType,
                format!("type {name} is passed through as the source spells it"),
            );
            column.native_type.clone().unwrap_or_else(|| name.clone())
        }
        other @ (ColumnType::Bool
        | ColumnType::TimeTz { .. }
        | ColumnType::Interval
        | ColumnType::VarChar { length: None, .. }
        | ColumnType::Bit { varying: true, .. }
        | ColumnType::Jsonb
        | ColumnType::Cidr
        | ColumnType::MacAddr
        | ColumnType::MacAddr8
        | ColumnType::Money
        | ColumnType::Array { .. }
        | ColumnType::Domain { .. }) => {
            r.unsupported(
                IssueKind::TypeNotInTarget,
                format!("{other} is a PostgreSQL type with no MySQL counterpart here"),
            );
            return None;
        }
    };
    if column.invisible
        && !matches!(target, Dialect::MySql(v) if v >= Version::new(8, 0))
        && !matches!(target, Dialect::MariaDb(_))
    {
        r.note(
            IssueKind::ColumnAttribute,
            format!("{target} has no invisible columns; the column is visible"),
        );
    }
    Some(t)
}

/// Labels as MySQL literals: backslashes are escapes there (without
/// `NO_BACKSLASH_ESCAPES`), so they are doubled, as `COLUMN_TYPE` prints them.
fn quoted(target: Dialect, labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| crate::naming::quote_literal(target, l))
        .collect::<Vec<_>>()
        .join(",")
}
