//! MySQL binary JSON: any bytes give text or an error, never a panic, and the text MySQL's
//! format produces is always valid JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = cdc_mysql_binlog::json_to_text(data) {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
            panic!("{data:?} rendered as invalid JSON {text:?}: {e}");
        }
    }
});
