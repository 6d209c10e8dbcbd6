//! Benchmarks of the cdc-* crates live in `benches/`; this library holds input generators they
//! share. Run them with `cargo bench -p cdc-benches`; results are kept in `RESULTS.md`.

use cdc_model::{GtidSet, Uuid};

/// A GTID set as a busy multi-source MySQL topology prints it: `sources` server UUIDs, each
/// with `holes` gaps in its transaction numbers, some tagged.
pub fn gtid_set_text(sources: usize, holes: u64) -> String {
    let mut set = GtidSet::new();
    for s in 0..sources {
        let mut bytes = [0u8; 16];
        bytes[0] = s as u8;
        bytes[15] = 0x5a;
        let uuid = Uuid(bytes);
        for h in 0..holes {
            let start = h * 1000 + 1;
            set.add(uuid, None, start, start + 900).ok();
        }
    }
    set.to_string()
}
