//! Counts the events and rows of binlog files: the smallest complete use of the decoder.
//!
//! `cargo run --release -p cdc-mysql-binlog --example count_rows -- [--framing] FILE...`
//! (`--framing` iterates events without decoding row values).

use cdc_mysql_binlog::{BinlogBytes, EventData};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut framing_only = false;
    for arg in std::env::args().skip(1) {
        if arg == "--framing" {
            framing_only = true;
            continue;
        }
        let data = std::fs::read(&arg)?;
        let mut events = BinlogBytes::new(data.into(), &arg)?;
        let (mut n_events, mut n_rows) = (0u64, 0u64);
        while let Some((event, decoder)) = events.next_with_decoder() {
            let event = event?;
            n_events += 1;
            match &event.data {
                EventData::Rows(rows) if !framing_only => {
                    for row in rows.rows() {
                        row?;
                        n_rows += 1;
                    }
                }
                EventData::TransactionPayload(payload) => {
                    for inner in decoder.payload_events(payload) {
                        if let EventData::Rows(rows) = &inner?.data
                            && !framing_only
                        {
                            for row in rows.rows() {
                                row?;
                                n_rows += 1;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        println!("{arg}: {n_events} events, {n_rows} rows");
    }
    Ok(())
}
