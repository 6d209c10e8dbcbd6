//! Unique names for fresh databases and slots.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The longest label kept in a name; the rest of the name is at most 29 bytes, which keeps it
/// under MariaDB's 64 and PostgreSQL's 63 byte identifier limits, with room for a suffix such
/// as a slot name.
const MAX_LABEL: usize = 20;

/// `cdc_<label>_<pid>_<counter>_<time>`: unique across the threads of this process (counter),
/// across the processes nextest runs in parallel (pid) and across runs (time). Only lowercase
/// ASCII letters, digits and `_`, so it needs no quoting and is valid as a replication slot
/// name.
pub(crate) fn unique(label: &str) -> String {
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(MAX_LABEL)
        .collect();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "cdc_{label}_{}_{n}_{}",
        std::process::id(),
        base36(nanos % 36u128.pow(7))
    )
}

fn base36(mut n: u128) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_plain_identifiers_within_limits() {
        let a = unique("Binlog rows: ÄÖ-test with a very long label indeed");
        let b = unique("Binlog rows: ÄÖ-test with a very long label indeed");
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert!(name.len() <= 52, "{name} is too long");
            assert!(
                name.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'),
                "{name}"
            );
        }
        assert!(a.starts_with("cdc_binlog_rows_____test_"), "{a}");
    }

    #[test]
    fn base36_writes_zero_and_larger_numbers() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
