//! Reads the output of PostgreSQL's `COPY (...) TO STDOUT (FORMAT csv, FORCE_QUOTE *)`.
//!
//! With `FORCE_QUOTE *` every non-`NULL` value is quoted (`""` inside stands for one `"`,
//! and commas and newlines inside quotes are data), and `NULL` is the only unquoted value: an
//! empty field. Rows end with `\n`.

use crate::Rows;

/// Parses the whole output into rows.
pub(crate) fn parse_rows(csv: &[u8]) -> Result<Rows, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut i = 0;
    while i < csv.len() {
        // At the start of a field.
        let value = if csv[i] == b'"' {
            let mut text = Vec::new();
            i += 1;
            loop {
                match csv.get(i) {
                    None => return Err(format!("unterminated quoted value in row {}", rows.len())),
                    Some(b'"') if csv.get(i + 1) == Some(&b'"') => {
                        text.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&b) => {
                        text.push(b);
                        i += 1;
                    }
                }
            }
            let text = String::from_utf8(text)
                .map_err(|_| format!("a value in row {} is not UTF-8", rows.len()))?;
            Some(text)
        } else {
            let len = csv[i..]
                .iter()
                .take_while(|&&b| b != b',' && b != b'\n')
                .count();
            let raw = &csv[i..i + len];
            i += len;
            if raw.is_empty() {
                None
            } else {
                // Only reachable without FORCE_QUOTE: an unquoted non-empty value is text.
                Some(
                    String::from_utf8(raw.to_vec())
                        .map_err(|_| format!("a value in row {} is not UTF-8", rows.len()))?,
                )
            }
        };
        row.push(value);
        match csv.get(i) {
            Some(b',') => {
                i += 1;
                if i == csv.len() {
                    return Err(format!("row {} ends after a comma", rows.len()));
                }
            }
            Some(b'\n') => {
                i += 1;
                rows.push(std::mem::take(&mut row));
            }
            None => return Err(format!("row {} does not end with a newline", rows.len())),
            Some(&b) => {
                return Err(format!(
                    "unexpected byte {:?} after a quoted value in row {}",
                    b as char,
                    rows.len()
                ));
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn null_is_told_apart_from_the_string_null_and_the_empty_string() {
        // COPY (SELECT 1, NULL, 'NULL', '') TO STDOUT (FORMAT csv, FORCE_QUOTE *)
        let csv = b"\"1\",,\"NULL\",\"\"\n";
        assert_eq!(
            parse_rows(csv).unwrap(),
            vec![vec![s("1"), None, s("NULL"), s("")]]
        );
    }

    #[test]
    fn quotes_commas_newlines_backslashes_and_multibyte_text_are_exact() {
        let csv = "\"x,\"\"y\"\"\nz é🐘\",\"\\x00ff\",\"a\r\nb\\\\\"\n".as_bytes();
        assert_eq!(
            parse_rows(csv).unwrap(),
            vec![vec![s("x,\"y\"\nz é🐘"), s("\\x00ff"), s("a\r\nb\\\\")]]
        );
    }

    #[test]
    fn single_null_columns_leading_and_trailing_nulls_make_rows() {
        // A row that is one NULL prints as an empty line.
        let csv = b"\n,\"a\"\n\"b\",\n,\n";
        assert_eq!(
            parse_rows(csv).unwrap(),
            vec![
                vec![None],
                vec![None, s("a")],
                vec![s("b"), None],
                vec![None, None]
            ]
        );
    }

    #[test]
    fn no_output_means_no_rows() {
        assert_eq!(parse_rows(b"").unwrap(), Vec::<Vec<Option<String>>>::new());
    }

    #[test]
    fn unquoted_values_are_text() {
        assert_eq!(parse_rows(b"1,x\n").unwrap(), vec![vec![s("1"), s("x")]]);
    }

    #[test]
    fn truncated_output_is_an_error() {
        assert!(parse_rows(b"\"1\",\"2").is_err());
        assert!(parse_rows(b"\"1\",\"2\"").is_err());
        assert!(parse_rows(b"\"1\",").is_err());
        assert!(parse_rows(b"\"1\"x\n").is_err());
    }
}
