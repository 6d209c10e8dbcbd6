//! From a written column definition (DDL) or a catalog row to a [`cdc_model::Column`], the same
//! way for both, so a tracked schema and a freshly read one compare equal.

use cdc_model::{Charset, Column, ColumnDefault, ColumnType, GeometryKind};

use crate::charset::{Charsets, Flavor};
use crate::ddl::{BaseType, ColumnDef, DataType, DefaultSpec, Literal};
use crate::error::{Error, ErrorKind, Result};

pub(crate) const TINY: u64 = 255;
pub(crate) const SMALL: u64 = 65_535;
pub(crate) const MEDIUM: u64 = 16_777_215;
pub(crate) const LONG: u64 = 4_294_967_295;

/// What a column definition is resolved against.
pub(crate) struct Ctx<'a> {
    pub(crate) flavor: Flavor,
    pub(crate) charsets: &'a Charsets,
    /// The table's default character set and collation.
    pub(crate) table_charset: &'a str,
    pub(crate) table_collation: &'a str,
}

fn int_width(base: BaseType, unsigned: bool) -> u64 {
    match (base, unsigned) {
        (BaseType::TinyInt, false) => 4,
        (BaseType::TinyInt, true) => 3,
        (BaseType::SmallInt, false) => 6,
        (BaseType::SmallInt, true) => 5,
        (BaseType::MediumInt, false) => 9,
        (BaseType::MediumInt, true) => 8,
        (BaseType::Int, false) => 11,
        (BaseType::Int, true) => 10,
        _ => 20,
    }
}

fn suffix(t: &DataType) -> String {
    let mut s = String::new();
    if t.unsigned {
        s.push_str(" unsigned");
    }
    if t.zerofill {
        s.push_str(" zerofill");
    }
    s
}

fn text_type(max_bytes: u64) -> (u64, &'static str) {
    if max_bytes <= TINY {
        (TINY, "tinytext")
    } else if max_bytes <= SMALL {
        (SMALL, "text")
    } else if max_bytes <= MEDIUM {
        (MEDIUM, "mediumtext")
    } else {
        (LONG, "longtext")
    }
}

fn blob_type(max_bytes: u64) -> (u64, &'static str) {
    if max_bytes <= TINY {
        (TINY, "tinyblob")
    } else if max_bytes <= SMALL {
        (SMALL, "blob")
    } else if max_bytes <= MEDIUM {
        (MEDIUM, "mediumblob")
    } else {
        (LONG, "longblob")
    }
}

/// `TEXT`-family name for a size.
pub(crate) fn text_name(max_bytes: u64) -> &'static str {
    text_type(max_bytes).1
}

fn u32_of(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn fsp(n: Option<u64>) -> u8 {
    u8::try_from(n.unwrap_or(0)).unwrap_or(u8::MAX)
}

fn with_fsp(name: &str, p: u8) -> String {
    if p > 0 {
        format!("{name}({p})")
    } else {
        name.to_string()
    }
}

pub(crate) fn quoted_labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",")
}

/// The resolved type of a written column: model type, `COLUMN_TYPE` spelling, collation.
pub(crate) struct Resolved {
    pub(crate) ty: ColumnType,
    pub(crate) native: String,
    pub(crate) collation: Option<String>,
}

/// Character set and collation of a character column.
fn column_charset(t: &DataType, ctx: &Ctx<'_>) -> Result<(String, String)> {
    let (cs, mut coll) = match ctx
        .charsets
        .resolve(t.charset.as_deref(), t.collation.as_deref())?
    {
        Some(r) => r,
        None => (
            ctx.table_charset.to_string(),
            ctx.table_collation.to_string(),
        ),
    };
    if t.binary {
        coll = if cs == "binary" {
            "binary".into()
        } else {
            format!("{cs}_bin")
        };
    }
    Ok((cs, coll))
}

/// Resolves a written data type.
pub(crate) fn resolve_type(t: &DataType, ctx: &Ctx<'_>) -> Result<Resolved> {
    use BaseType as B;
    let plain = |ty: ColumnType, native: String| Resolved {
        ty,
        native,
        collation: None,
    };
    let int = |base: BaseType, ty: ColumnType| {
        let native_name = match base {
            B::TinyInt => "tinyint",
            B::SmallInt => "smallint",
            B::MediumInt => "mediumint",
            B::Int => "int",
            _ => "bigint",
        };
        let shown = if ctx.flavor.display_widths() || t.zerofill {
            Some(t.length.unwrap_or_else(|| int_width(base, t.unsigned)))
        } else if base == B::TinyInt && t.length == Some(1) {
            Some(1)
        } else {
            None
        };
        let native = match shown {
            Some(w) => format!("{native_name}({w}){}", suffix(t)),
            None => format!("{native_name}{}", suffix(t)),
        };
        plain(ty, native)
    };
    let u = t.unsigned;
    Ok(match t.base {
        B::TinyInt => int(B::TinyInt, ColumnType::TinyInt { unsigned: u }),
        B::Bool => {
            let mut t1 = t.clone();
            t1.length = Some(1);
            let r = resolve_type(
                &DataType {
                    base: B::TinyInt,
                    ..t1
                },
                ctx,
            )?;
            return Ok(r);
        }
        B::SmallInt => int(B::SmallInt, ColumnType::SmallInt { unsigned: u }),
        B::MediumInt => int(B::MediumInt, ColumnType::MediumInt { unsigned: u }),
        B::Int => int(B::Int, ColumnType::Int { unsigned: u }),
        B::BigInt | B::Serial => int(B::BigInt, ColumnType::BigInt { unsigned: u }),
        B::Float => match (t.length, t.scale) {
            (Some(p), None) if p > 24 => plain(ColumnType::Double, format!("double{}", suffix(t))),
            (Some(m), Some(d)) => plain(ColumnType::Float, format!("float({m},{d}){}", suffix(t))),
            _ => plain(ColumnType::Float, format!("float{}", suffix(t))),
        },
        B::Double => match (t.length, t.scale) {
            (Some(m), Some(d)) => {
                plain(ColumnType::Double, format!("double({m},{d}){}", suffix(t)))
            }
            _ => plain(ColumnType::Double, format!("double{}", suffix(t))),
        },
        B::Decimal => {
            let p = t.length.unwrap_or(10);
            let s = t.scale.unwrap_or(0);
            plain(
                ColumnType::Decimal {
                    precision: Some(u32_of(p)),
                    scale: Some(u32_of(s)),
                },
                format!("decimal({p},{s}){}", suffix(t)),
            )
        }
        B::Bit => {
            let n = t.length.unwrap_or(1);
            plain(
                ColumnType::Bit {
                    length: Some(u32_of(n)),
                    varying: false,
                },
                format!("bit({n})"),
            )
        }
        B::Year => plain(
            ColumnType::Year,
            if ctx.flavor.display_widths() {
                "year(4)".into()
            } else {
                "year".into()
            },
        ),
        B::Date => plain(ColumnType::Date, "date".into()),
        B::Time => {
            let p = fsp(t.length);
            plain(ColumnType::Time { precision: Some(p) }, with_fsp("time", p))
        }
        B::DateTime => {
            let p = fsp(t.length);
            plain(
                ColumnType::DateTime { precision: Some(p) },
                with_fsp("datetime", p),
            )
        }
        B::Timestamp => {
            let p = fsp(t.length);
            plain(
                ColumnType::Timestamp { precision: Some(p) },
                with_fsp("timestamp", p),
            )
        }
        B::Char | B::VarChar => {
            let (cs, coll) = column_charset(t, ctx)?;
            let varying = t.base == B::VarChar;
            let n = match t.length {
                Some(n) => n,
                None if !varying => 1,
                None => {
                    return Err(Error::new(ErrorKind::Syntax(
                        "VARCHAR needs a length".into(),
                    )));
                }
            };
            if cs == "binary" {
                return resolve_type(
                    &DataType {
                        base: if varying { B::VarBinary } else { B::Binary },
                        length: Some(n),
                        charset: None,
                        collation: None,
                        binary: false,
                        ..t.clone()
                    },
                    ctx,
                );
            }
            let charset = Some(Charset::from_name(&cs));
            let length = Some(u32_of(n));
            Resolved {
                ty: if varying {
                    ColumnType::VarChar { length, charset }
                } else {
                    ColumnType::Char { length, charset }
                },
                native: format!("{}({n})", if varying { "varchar" } else { "char" }),
                collation: Some(coll),
            }
        }
        B::Binary => {
            let n = t.length.unwrap_or(1);
            plain(
                ColumnType::Binary { length: u32_of(n) },
                format!("binary({n})"),
            )
        }
        B::VarBinary => {
            let n = t
                .length
                .ok_or_else(|| Error::new(ErrorKind::Syntax("VARBINARY needs a length".into())))?;
            plain(
                ColumnType::VarBinary { length: u32_of(n) },
                format!("varbinary({n})"),
            )
        }
        B::TinyText | B::Text | B::MediumText | B::LongText => {
            let (cs, coll) = column_charset(t, ctx)?;
            let declared = match t.base {
                B::TinyText => TINY,
                B::Text => SMALL,
                B::MediumText => MEDIUM,
                _ => LONG,
            };
            let max_len = u64::from(ctx.charsets.max_len(&cs)?);
            let wanted = match (t.base, t.length) {
                (B::Text, Some(n)) => n.saturating_mul(max_len),
                _ => declared,
            };
            if cs == "binary" {
                let (max, name) = blob_type(wanted);
                return Ok(plain(
                    ColumnType::Blob {
                        max_bytes: Some(max),
                    },
                    name.into(),
                ));
            }
            let (max, name) = text_type(wanted);
            Resolved {
                ty: ColumnType::Text {
                    max_bytes: Some(max),
                    charset: Some(Charset::from_name(&cs)),
                },
                native: name.into(),
                collation: Some(coll),
            }
        }
        B::TinyBlob | B::Blob | B::MediumBlob | B::LongBlob => {
            let declared = match t.base {
                B::TinyBlob => TINY,
                B::Blob => t.length.unwrap_or(SMALL),
                B::MediumBlob => MEDIUM,
                _ => LONG,
            };
            let (max, name) = blob_type(declared);
            plain(
                ColumnType::Blob {
                    max_bytes: Some(max),
                },
                name.into(),
            )
        }
        B::Enum | B::Set => {
            let (_cs, coll) = column_charset(t, ctx)?;
            let labels = t.labels.clone();
            let native = format!(
                "{}({})",
                if t.base == B::Enum { "enum" } else { "set" },
                quoted_labels(&labels)
            );
            Resolved {
                ty: if t.base == B::Enum {
                    ColumnType::Enum { name: None, labels }
                } else {
                    ColumnType::Set { labels }
                },
                native,
                collation: Some(coll),
            }
        }
        B::Json => match ctx.flavor {
            Flavor::MariaDb => Resolved {
                ty: ColumnType::Text {
                    max_bytes: Some(LONG),
                    charset: Some(Charset::Utf8mb4),
                },
                native: "longtext".into(),
                collation: Some("utf8mb4_bin".into()),
            },
            _ => plain(ColumnType::Json, "json".into()),
        },
        B::Geometry => geometry(GeometryKind::Geometry),
        B::Point => geometry(GeometryKind::Point),
        B::LineString => geometry(GeometryKind::LineString),
        B::Polygon => geometry(GeometryKind::Polygon),
        B::MultiPoint => geometry(GeometryKind::MultiPoint),
        B::MultiLineString => geometry(GeometryKind::MultiLineString),
        B::MultiPolygon => geometry(GeometryKind::MultiPolygon),
        B::GeometryCollection => {
            let mut r = geometry(GeometryKind::GeometryCollection);
            if ctx.flavor == Flavor::MySql8 {
                r.native = "geomcollection".into();
            }
            r
        }
        B::Uuid => plain(ColumnType::Uuid, "uuid".into()),
        B::Inet4 => plain(ColumnType::Inet, "inet4".into()),
        B::Inet6 => plain(ColumnType::Inet, "inet6".into()),
        B::Vector => {
            let n = t.length.unwrap_or(2048);
            plain(
                ColumnType::Vector {
                    dimensions: u32_of(n),
                },
                format!("vector({n})"),
            )
        }
    })
}

fn geometry(kind: GeometryKind) -> Resolved {
    Resolved {
        ty: ColumnType::Geometry { kind, srid: None },
        native: kind.name().to_string(),
        collation: None,
    }
}

/// A written column, resolved (keys are the table's business).
pub(crate) fn resolve_column(def: &ColumnDef, ctx: &Ctx<'_>) -> Result<Column> {
    let r = resolve_type(&def.data_type, ctx)?;
    let mut c = Column::new(def.name.clone(), r.ty);
    c.native_type = Some(r.native);
    c.collation = r.collation;
    c.nullable = def.nullable.unwrap_or(true);
    c.default = match &def.default {
        None | Some(DefaultSpec::Null) => None,
        Some(DefaultSpec::Expression(e)) => Some(ColumnDefault::Expression(e.clone())),
        Some(DefaultSpec::Literal(l)) => Some(ColumnDefault::Literal(literal_text(l, &c.ty))),
    };
    c.on_update_current_timestamp = def
        .on_update
        .as_deref()
        .is_some_and(|e| e.starts_with("current_timestamp("));
    c.auto_increment = def.auto_increment;
    c.generated = def.generated.as_ref().map(|(e, _)| e.clone());
    if c.generated.is_some() {
        c.default = None;
    }
    c.invisible = def.invisible;
    c.comment = def.comment.clone().filter(|s| !s.is_empty());
    Ok(c)
}

/// The text a catalog shows for a literal default of a column of type `ty` (MySQL stores the
/// value converted to the column's type: `DEFAULT '5'` on an `INT` is `5`, `DEFAULT 1.5` on a
/// `DECIMAL(5,2)` is `1.50`, `TRUE` is `1`, bits print as `b'101'`).
pub(crate) fn literal_text(l: &Literal, ty: &ColumnType) -> String {
    let raw = match l {
        Literal::Str(s) => s.clone(),
        Literal::Number(n) => n.clone(),
        Literal::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Literal::Bits(b) => match u128::from_str_radix(b, 2) {
            Ok(v) => v.to_string(),
            Err(_) => return format!("b'{b}'"),
        },
        Literal::Hex(h) => match u128::from_str_radix(h, 16) {
            Ok(v) if !is_character_type(ty) => v.to_string(),
            _ => {
                // A hex string literal on a character column is those bytes as text.
                let bytes: Option<Vec<u8>> = (0..h.len())
                    .step_by(2)
                    .map(|i| h.get(i..i + 2).and_then(|x| u8::from_str_radix(x, 16).ok()))
                    .collect();
                return bytes
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| format!("x'{h}'"));
            }
        },
    };
    match ty {
        ColumnType::TinyInt { .. }
        | ColumnType::SmallInt { .. }
        | ColumnType::MediumInt { .. }
        | ColumnType::Int { .. }
        | ColumnType::BigInt { .. }
        | ColumnType::Year => round_decimal(&raw, 0).unwrap_or(raw),
        ColumnType::Decimal { scale, .. } => {
            round_decimal(&raw, scale.unwrap_or(0) as usize).unwrap_or(raw)
        }
        ColumnType::Float | ColumnType::Double => match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => format!("{v}"),
            _ => raw,
        },
        ColumnType::Bit { .. } => match raw.trim().parse::<u128>() {
            Ok(v) => format!("b'{v:b}'"),
            Err(_) => raw,
        },
        _ => raw,
    }
}

fn is_character_type(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Char { .. }
            | ColumnType::VarChar { .. }
            | ColumnType::Text { .. }
            | ColumnType::Enum { .. }
            | ColumnType::Set { .. }
    )
}

/// Rounds a decimal number text (`-1.255`, `1e3`, `+7`) half away from zero to `scale`
/// digits and prints it with exactly that many. `None` when it is not a plain number.
pub(crate) fn round_decimal(text: &str, scale: usize) -> Option<String> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    // Split off an exponent.
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (t.get(..i)?, t.get(i + 1..)?.parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part
        .bytes()
        .chain(frac_part.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if exp.unsigned_abs() > 100 {
        return None;
    }
    // Digits and the position of the point in them.
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_part.len() as i64 + i64::from(exp);
    // Value = digits * 10^(point - len). Build the integer of value * 10^scale, rounded.
    let shift = point + scale as i64 - digits.len() as i64;
    let mut n: Vec<u8> = digits.clone();
    let mut round_up = false;
    if shift >= 0 {
        n.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        let keep = (digits.len() as i64 + shift).max(0) as usize;
        round_up = digits.get(keep).is_some_and(|d| *d >= 5);
        n.truncate(keep);
    }
    if round_up {
        let mut i = n.len();
        loop {
            if i == 0 {
                n.insert(0, 1);
                break;
            }
            i -= 1;
            if let Some(d) = n.get_mut(i) {
                if *d == 9 {
                    *d = 0;
                } else {
                    *d += 1;
                    break;
                }
            }
        }
    }
    while n.len() < scale + 1 {
        n.insert(0, 0);
    }
    let split = n.len() - scale;
    let mut int_digits: String = n
        .get(..split)?
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let trimmed = int_digits.trim_start_matches('0');
    int_digits = if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    };
    let frac: String = n
        .get(split..)?
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let is_zero = int_digits == "0" && frac.bytes().all(|b| b == b'0');
    let sign = if neg && !is_zero { "-" } else { "" };
    Some(if scale > 0 {
        format!("{sign}{int_digits}.{frac}")
    } else {
        format!("{sign}{int_digits}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_defaults_round_half_away_from_zero_to_the_scale() {
        assert_eq!(round_decimal("1.5", 2).as_deref(), Some("1.50"));
        assert_eq!(round_decimal("1.255", 2).as_deref(), Some("1.26"));
        assert_eq!(round_decimal("-1.255", 2).as_deref(), Some("-1.26"));
        assert_eq!(round_decimal("1.5", 0).as_deref(), Some("2"));
        assert_eq!(round_decimal("-0.4", 0).as_deref(), Some("0"));
        assert_eq!(round_decimal("9.99", 1).as_deref(), Some("10.0"));
        assert_eq!(round_decimal("1e3", 0).as_deref(), Some("1000"));
        assert_eq!(round_decimal("+7", 0).as_deref(), Some("7"));
        assert_eq!(round_decimal(".5", 1).as_deref(), Some("0.5"));
        assert_eq!(round_decimal("abc", 0), None);
        assert_eq!(round_decimal("1e999", 0), None);
    }
}
