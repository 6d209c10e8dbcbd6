//! Reads the output of `mariadb --xml`.
//!
//! The client prints one `<resultset>` per statement that returns rows:
//!
//! ```text
//! <?xml version="1.0"?>
//!
//! <resultset statement="SELECT ..." xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
//!   <row>
//!     <field name="a">text with &lt; &amp; &gt; &quot; escaped, tabs and newlines raw</field>
//!     <field name="b" xsi:nil="true" />
//!     <field name="c"></field>
//!   </row>
//! </resultset>
//! ```
//!
//! `xsi:nil="true"` is SQL `NULL`; everything else is text, with the client escaping `<`, `>`,
//! `&` and `"` as entities and passing every other byte through unchanged.

use crate::Rows;

/// Parses every `<row>` of every result set, in order.
pub(crate) fn parse_rows(xml: &[u8]) -> Result<Rows, String> {
    let mut rows = Vec::new();
    let mut row: Option<Vec<Option<String>>> = None;
    let mut pos = 0;
    while let Some(offset) = xml.get(pos..).and_then(|rest| find(rest, b'<')) {
        let start = pos + offset;
        let tag = read_tag(xml, start)?;
        pos = tag.end;
        match tag.name {
            b"row" if !tag.closing => {
                if row.is_some() {
                    return Err(format!("nested <row> at byte {start}"));
                }
                row = Some(Vec::new());
            }
            b"row" => {
                let done = row
                    .take()
                    .ok_or_else(|| format!("</row> without <row> at byte {start}"))?;
                rows.push(done);
            }
            b"field" if !tag.closing => {
                let fields = row
                    .as_mut()
                    .ok_or_else(|| format!("<field> outside <row> at byte {start}"))?;
                if tag.attr(b"xsi:nil").as_deref() == Some(b"true".as_slice()) {
                    if !tag.self_closing {
                        return Err(format!("NULL <field> with content at byte {start}"));
                    }
                    fields.push(None);
                } else if tag.self_closing {
                    fields.push(Some(String::new()));
                } else {
                    // Content has no raw '<' (the client escapes it), so it ends at the next one.
                    let content_end = xml
                        .get(pos..)
                        .and_then(|rest| find(rest, b'<'))
                        .map(|o| pos + o)
                        .ok_or_else(|| format!("unterminated <field> at byte {start}"))?;
                    let close = read_tag(xml, content_end)?;
                    if close.name != b"field" || !close.closing {
                        return Err(format!("expected </field> at byte {content_end}"));
                    }
                    let raw = &xml[pos..content_end];
                    let bytes = decode_entities(raw)
                        .map_err(|e| format!("{e} in the field at byte {pos}"))?;
                    let text = String::from_utf8(bytes).map_err(|_| {
                        format!(
                            "the field at byte {pos} is not UTF-8; select binary values as \
                             HEX(...) instead"
                        )
                    })?;
                    fields.push(Some(text));
                    pos = close.end;
                }
            }
            _ => {}
        }
    }
    if row.is_some() {
        return Err("unterminated <row>".to_string());
    }
    Ok(rows)
}

fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

struct Tag<'a> {
    name: &'a [u8],
    closing: bool,
    self_closing: bool,
    /// The raw text between the name and the closing `>` (or `/>`).
    attrs: &'a [u8],
    /// The index just past the `>`.
    end: usize,
}

impl Tag<'_> {
    /// The decoded value of attribute `name`, if present.
    fn attr(&self, name: &[u8]) -> Option<Vec<u8>> {
        let mut rest = self.attrs;
        loop {
            let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            rest = &rest[skip..];
            let eq = find(rest, b'=')?;
            let key = rest[..eq].trim_ascii();
            let after = &rest[eq + 1..];
            let quote = *after.first()?;
            let value_len = find(&after[1..], quote)?;
            let value = &after[1..1 + value_len];
            if key == name {
                return decode_entities(value).ok();
            }
            rest = &after[value_len + 2..];
        }
    }
}

/// Reads the tag starting at `xml[start] == b'<'`, skipping quoted attribute values.
fn read_tag(xml: &[u8], start: usize) -> Result<Tag<'_>, String> {
    let mut i = start + 1;
    let mut quote: Option<u8> = None;
    let end = loop {
        let &b = xml
            .get(i)
            .ok_or_else(|| format!("unterminated tag at byte {start}"))?;
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => break i,
            None => {}
        }
        i += 1;
    };
    let mut inner = &xml[start + 1..end];
    let closing = inner.first() == Some(&b'/');
    if closing {
        inner = &inner[1..];
    }
    let self_closing = inner.last() == Some(&b'/');
    if self_closing {
        inner = &inner[..inner.len() - 1];
    }
    let name_len = inner
        .iter()
        .take_while(|b| !b.is_ascii_whitespace())
        .count();
    Ok(Tag {
        name: &inner[..name_len],
        closing,
        self_closing,
        attrs: &inner[name_len..],
        end: end + 1,
    })
}

/// Decodes `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;` and numeric character references.
fn decode_entities(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b != b'&' {
            out.push(b);
            i += 1;
            continue;
        }
        let len = find(&raw[i..], b';').ok_or_else(|| "unterminated entity".to_string())?;
        let entity = &raw[i + 1..i + len];
        match entity {
            b"lt" => out.push(b'<'),
            b"gt" => out.push(b'>'),
            b"amp" => out.push(b'&'),
            b"quot" => out.push(b'"'),
            b"apos" => out.push(b'\''),
            [b'#', b'x' | b'X', hex @ ..] => push_char(&mut out, hex, 16, entity)?,
            [b'#', dec @ ..] => push_char(&mut out, dec, 10, entity)?,
            _ => {
                return Err(format!(
                    "unknown entity &{};",
                    String::from_utf8_lossy(entity)
                ));
            }
        }
        i += len + 1;
    }
    Ok(out)
}

fn push_char(out: &mut Vec<u8>, digits: &[u8], radix: u32, entity: &[u8]) -> Result<(), String> {
    let bad = || {
        format!(
            "bad character reference &{};",
            String::from_utf8_lossy(entity)
        )
    };
    let digits = std::str::from_utf8(digits).map_err(|_| bad())?;
    let code = u32::from_str_radix(digits, radix).map_err(|_| bad())?;
    let c = char::from_u32(code).ok_or_else(bad)?;
    let mut buf = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn null_is_told_apart_from_the_string_null_and_the_empty_string() {
        let xml = br#"<?xml version="1.0"?>

<resultset statement="select NULL, 'NULL', ''" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <row>
	<field name="NULL" xsi:nil="true" />
	<field name="NULL">NULL</field>
	<field name=""></field>
  </row>
</resultset>
"#;
        assert_eq!(parse_rows(xml).unwrap(), vec![vec![None, s("NULL"), s("")]]);
    }

    #[test]
    fn escaped_markup_tabs_newlines_backslashes_and_multibyte_text_are_exact() {
        // As printed by mariadb 10.11 for 'tab\tx\nnl \\ <&>"'' é🐘' (statement attribute
        // and field name include the escaped characters too).
        let xml = "<resultset statement=\"select 'a&lt;b&gt;' as `x&quot;&lt;/field&gt;`\" xmlns:xsi=\"x\">\n  <row>\n\t<field name=\"x&quot;&lt;/field&gt;\">tab\tx\nnl \\ &lt;&amp;&gt;&quot;' é🐘 \r\n</field>\n  </row>\n</resultset>\n";
        assert_eq!(
            parse_rows(xml.as_bytes()).unwrap(),
            vec![vec![s("tab\tx\nnl \\ <&>\"' é🐘 \r\n")]]
        );
    }

    #[test]
    fn rows_of_several_result_sets_are_concatenated_and_empty_sets_add_none() {
        let xml = br#"<?xml version="1.0"?>
<resultset statement="a" xmlns:xsi="x">
  <row>
	<field name="a">1</field>
	<field name="b">x</field>
  </row>

  <row>
	<field name="a">2</field>
	<field name="b" xsi:nil="true" />
  </row>
</resultset>
<?xml version="1.0"?>
<resultset statement="b" xmlns:xsi="x">
</resultset>
<?xml version="1.0"?>
<resultset statement="c" xmlns:xsi="x">
  <row>
	<field name="c">3</field>
  </row>
</resultset>
"#;
        assert_eq!(
            parse_rows(xml).unwrap(),
            vec![vec![s("1"), s("x")], vec![s("2"), None], vec![s("3")]]
        );
    }

    #[test]
    fn no_output_means_no_rows() {
        assert_eq!(parse_rows(b"").unwrap(), Vec::<Vec<Option<String>>>::new());
    }

    #[test]
    fn numeric_character_references_are_decoded() {
        let xml = b"<row><field name=\"a\">&#65;&#x1F418;&#xe9;</field></row>";
        assert_eq!(parse_rows(xml).unwrap(), vec![vec![s("A🐘é")]]);
    }

    #[test]
    fn binary_that_is_not_utf8_is_refused_with_a_hint() {
        let xml = b"<row><field name=\"e\">\x00\xff</field></row>";
        let err = parse_rows(xml).unwrap_err();
        assert!(err.contains("HEX("), "{err}");
    }

    #[test]
    fn truncated_output_is_an_error() {
        assert!(parse_rows(b"<row><field name=\"a\">1").is_err());
        assert!(parse_rows(b"<row><field name=\"a\">1</field>").is_err());
        assert!(parse_rows(b"<row><field name=\"a").is_err());
        assert!(parse_rows(b"<row><field name=\"a\">&amp</field></row>").is_err());
    }
}
