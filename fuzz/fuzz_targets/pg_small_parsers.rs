//! The small sans-IO parsers of cdc-postgres that read server-supplied bytes outside the
//! replication stream: the TLS server certificate's signature algorithm (for SCRAM-SHA-256-PLUS
//! channel binding) and the DDL capture's logical-message content. Any input gives a value or
//! a typed error, never a panic.
//!
//! Input layout: the first byte picks the parser (even: certificate DER, odd: DDL message
//! content with the default prefix), the rest is its input.
#![no_main]

use cdc_postgres::ddl_capture::{DdlCapture, parse_ddl_message};
use cdc_postgres::tls_server_end_point_hash;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if pick % 2 == 0 {
        if let Ok(hash) = tls_server_end_point_hash(rest) {
            assert!(hash.output_len() >= 28);
        }
    } else {
        let capture = DdlCapture::new("cdc_ddl");
        let prefix = capture.prefix().to_owned();
        if let Ok(Some(event)) = parse_ddl_message(&prefix, &prefix, rest) {
            // a parsed event becomes a model change without failing
            let _ = event.to_change();
        }
    }
});
