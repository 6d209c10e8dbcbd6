//! `cdc binlog dump`: prints the events of binlog files with their positions and decoded rows.

use std::io::{self, Write};
use std::path::Path;

use cdc_model::Value;
use cdc_mysql_binlog::{BinlogBytes, Decoder, Event, EventData, event_type_name};
use serde_json::json;

/// Options of `binlog dump`.
pub(crate) struct DumpOptions {
    pub(crate) json: bool,
    /// Print only totals per event type and per table.
    pub(crate) summary: bool,
    pub(crate) rows: bool,
    pub(crate) verify_checksums: bool,
}

/// Per-file totals, printed at the end.
#[derive(Default)]
pub(crate) struct Totals {
    pub(crate) events: u64,
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
    pub(crate) by_type: std::collections::BTreeMap<&'static str, u64>,
    pub(crate) by_table: std::collections::BTreeMap<(String, String), u64>,
}

pub(crate) fn dump(
    path: &Path,
    opts: &DumpOptions,
    out: &mut impl Write,
) -> Result<Totals, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".gz").to_owned())
        .unwrap_or_default();
    let mut events = BinlogBytes::new(data.into(), &name).map_err(|e| e.to_string())?;
    let mut totals = Totals::default();
    events.decoder().set_verify_checksums(opts.verify_checksums);
    while let Some((event, decoder)) = events.next_with_decoder() {
        let event = event.map_err(|e| e.to_string())?;
        totals.bytes += u64::from(event.header.event_size);
        print_event(&name, &event, 0, decoder, opts, out, &mut totals)?;
    }
    Ok(totals)
}

fn print_event(
    file: &str,
    ev: &Event,
    depth: usize,
    decoder: &mut Decoder,
    opts: &DumpOptions,
    out: &mut impl Write,
    totals: &mut Totals,
) -> Result<(), String> {
    totals.events += 1;
    let io = |e: io::Error| e.to_string();
    let name = event_type_name(ev.header.type_code);
    *totals.by_type.entry(name).or_default() += 1;
    let quiet = opts.summary;
    let indent = "    ".repeat(depth);
    let pos = format!("{file}:{}", ev.offset);
    let detail = detail(&ev.data);
    if quiet {
    } else if opts.json {
        let line = json!({
            "position": if depth == 0 { pos.clone() } else { format!("{pos} (in payload)") },
            "event": name,
            "timestamp": ev.header.timestamp,
            "server_id": ev.header.server_id,
            "detail": detail,
        });
        writeln!(out, "{line}").map_err(io)?;
    } else {
        writeln!(
            out,
            "{indent}{pos} {name} server_id={} ts={}{}",
            ev.header.server_id,
            ev.header.timestamp,
            if detail.is_empty() {
                String::new()
            } else {
                format!(" {detail}")
            }
        )
        .map_err(io)?;
    }
    match &ev.data {
        EventData::Rows(r) => {
            let mut count = 0u64;
            for row in r.rows() {
                let row = row.map_err(|e| e.at_offset(ev.offset).in_file(file).to_string())?;
                count += 1;
                if !opts.rows || quiet {
                    continue;
                }
                let names: Vec<String> = r
                    .table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        c.name
                            .as_deref()
                            .map_or_else(|| format!("@{}", i + 1), str::to_owned)
                    })
                    .collect();
                if opts.json {
                    let image = |vals: &Option<Vec<Value>>| {
                        vals.as_ref().map(|v| {
                            names
                                .iter()
                                .zip(v)
                                .map(|(n, v)| {
                                    (n.clone(), serde_json::to_value(v).unwrap_or_default())
                                })
                                .collect::<serde_json::Map<_, _>>()
                        })
                    };
                    let line = json!({
                        "table": r.table.full_name(),
                        "kind": format!("{:?}", r.kind),
                        "before": image(&row.before),
                        "after": image(&row.after),
                    });
                    writeln!(out, "{line}").map_err(io)?;
                } else {
                    for (label, vals) in [("before", &row.before), ("after", &row.after)] {
                        if let Some(vals) = vals {
                            let cols: Vec<String> = names
                                .iter()
                                .zip(vals)
                                .map(|(n, v)| format!("{n}={}", show(v)))
                                .collect();
                            writeln!(out, "{indent}    {label}: {}", cols.join(", "))
                                .map_err(io)?;
                        }
                    }
                }
            }
            totals.rows += count;
            *totals
                .by_table
                .entry((r.table.full_name(), format!("{:?}", r.kind)))
                .or_default() += count;
        }
        EventData::TransactionPayload(p) => {
            let p = p.clone();
            let inner: Vec<_> = decoder.payload_events(&p).collect();
            for e in inner {
                let e = e.map_err(|e| e.in_file(file).to_string())?;
                print_event(file, &e, depth + 1, decoder, opts, out, totals)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn show(v: &Value) -> String {
    match v {
        Value::Text(_)
        | Value::Json(_)
        | Value::Date(_)
        | Value::Time(_)
        | Value::DateTime(_)
        | Value::Timestamp(_)
        | Value::Enum(_)
        | Value::Set(_) => format!("'{v}'"),
        _ => v.to_string(),
    }
}

fn detail(data: &EventData) -> String {
    match data {
        EventData::FormatDescription(f) => format!(
            "server_version={} binlog_version={} checksum={:?}",
            f.server_version, f.binlog_version, f.checksum
        ),
        EventData::Rotate(r) => format!("next={}:{}", r.next_file, r.position),
        EventData::Query(q) => format!("db={} query={:?}", q.schema, q.query_text()),
        EventData::Xid(x) => format!("xid={x}"),
        EventData::Intvar { kind, value } => format!("kind={kind} value={value}"),
        EventData::Rand { seed1, seed2 } => format!("seed1={seed1} seed2={seed2}"),
        EventData::UserVar(u) => format!("@{}", u.name),
        EventData::TableMap(t) => format!(
            "table_id={} table={} columns={}",
            t.table_id,
            t.full_name(),
            t.columns.len()
        ),
        EventData::Rows(r) => format!(
            "table_id={} table={} kind={:?} flags={}",
            r.table_id,
            r.table.full_name(),
            r.kind,
            r.flags
        ),
        EventData::RowsQuery(q) | EventData::AnnotateRows(q) => {
            format!("query={:?}", String::from_utf8_lossy(q))
        }
        EventData::Gtid(g) => match &g.gtid {
            Some(gtid) => format!("gtid={gtid}"),
            None => "anonymous".to_owned(),
        },
        EventData::PreviousGtids(s) => format!("gtids={s}"),
        EventData::XaPrepare(x) => format!("one_phase={}", x.one_phase),
        EventData::Incident { kind, message } => format!("kind={kind} message={message:?}"),
        EventData::Heartbeat { file, position } => format!("file={file} position={position:?}"),
        EventData::TransactionPayload(p) => format!(
            "compression={} compressed={} uncompressed={}",
            p.compression,
            p.payload.len(),
            p.uncompressed_size
        ),
        EventData::MariaGtid(g) => format!("gtid={} flags={}", g.gtid, g.flags),
        EventData::MariaGtidList(l) => format!(
            "gtids={}",
            l.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
        EventData::BinlogCheckpoint(f) => format!("file={f}"),
        EventData::StartEncryption {
            scheme,
            key_version,
        } => {
            format!("scheme={scheme} key_version={key_version}")
        }
        EventData::Skipped { type_code, body } => format!("type={type_code} bytes={}", body.len()),
        _ => String::new(),
    }
}
