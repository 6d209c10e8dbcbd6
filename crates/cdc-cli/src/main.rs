//! The `cdc` command line: the one crate of the workspace that picks how to do I/O.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod binlog;

use cdc_model::SourcePosition;
use clap::{Parser, Subcommand};

/// Change-data-capture and migration jobs built from the cdc-* crates.
#[derive(Parser, Debug)]
#[command(name = "cdc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse source positions (binlog FILE:OFFSET, MySQL GTID sets, MariaDB GTID positions,
    /// PostgreSQL LSNs), print each normalized with its kind, and sort each kind in stream
    /// order. Reads POSITIONS, or one per line from --file, or from stdin.
    Position {
        /// Positions to read.
        positions: Vec<String>,
        /// A file with one position per line (`#` starts a comment).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print JSON lines (the serde form used in checkpoints).
        #[arg(long)]
        json: bool,
    },
    /// Work with MySQL/MariaDB binary log files.
    Binlog {
        #[command(subcommand)]
        command: BinlogCommand,
    },
}

#[derive(Subcommand, Debug)]
enum BinlogCommand {
    /// Print every event of binlog files (plain or gzip) with its position, and the decoded
    /// rows of row events.
    Dump {
        /// Binlog files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON lines instead of text.
        #[arg(long)]
        json: bool,
        /// Print only events and a summary, not row values.
        #[arg(long)]
        no_rows: bool,
        /// Do not verify CRC32 checksums.
        #[arg(long)]
        no_verify: bool,
        /// Print only totals: events per type, rows per table, throughput.
        #[arg(long, conflicts_with = "json")]
        summary: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Position {
            positions,
            file,
            json,
        } => position(positions, file, json),
        Command::Binlog {
            command:
                BinlogCommand::Dump {
                    files,
                    json,
                    no_rows,
                    no_verify,
                    summary,
                },
        } => binlog_dump(&files, json, !no_rows, !no_verify, summary),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            let _ = writeln!(io::stderr(), "cdc: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn binlog_dump(
    files: &[PathBuf],
    json: bool,
    rows: bool,
    verify: bool,
    summary: bool,
) -> Result<(), String> {
    let opts = binlog::DumpOptions {
        json,
        summary,
        rows,
        verify_checksums: verify,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    for f in files {
        let started = std::time::Instant::now();
        let totals = binlog::dump(f, &opts, &mut out)?;
        let secs = started.elapsed().as_secs_f64();
        let io = |e: io::Error| e.to_string();
        if summary {
            writeln!(out, "{}", f.display()).map_err(io)?;
            for (name, n) in &totals.by_type {
                writeln!(out, "  {n:>9}  {name}").map_err(io)?;
            }
            for ((table, kind), n) in &totals.by_table {
                writeln!(out, "  {n:>9}  rows {kind} {table}").map_err(io)?;
            }
            writeln!(
                out,
                "  decoded {} events, {} rows, {:.1} MB in {:.3} s ({:.0} MB/s, with checksums {})",
                totals.events,
                totals.rows,
                totals.bytes as f64 / 1e6,
                secs,
                totals.bytes as f64 / 1e6 / secs.max(1e-9),
                if verify { "verified" } else { "not verified" }
            )
            .map_err(io)?;
        } else if !json {
            writeln!(
                out,
                "# {}: {} events, {} rows",
                f.display(),
                totals.events,
                totals.rows
            )
            .map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())
}

fn kind(p: &SourcePosition) -> &'static str {
    match p {
        SourcePosition::Binlog(_) => "binlog",
        SourcePosition::MysqlGtid(_) => "mysql-gtid",
        SourcePosition::MariadbGtid(_) => "mariadb-gtid",
        SourcePosition::Lsn(_) => "lsn",
    }
}

fn position(args: Vec<String>, file: Option<PathBuf>, json: bool) -> Result<(), String> {
    let mut lines: Vec<(String, String)> = args
        .into_iter()
        .enumerate()
        .map(|(i, a)| (format!("argument {}", i + 1), a))
        .collect();
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        lines.extend(read_lines(text.lines(), &path.display().to_string()));
    } else if lines.is_empty() {
        let stdin = io::stdin().lock();
        let input: Vec<String> = stdin.lines().map_while(Result::ok).collect();
        lines.extend(read_lines(input.iter().map(String::as_str), "stdin"));
    }
    let mut parsed = Vec::with_capacity(lines.len());
    for (origin, text) in &lines {
        let p: SourcePosition = text.parse().map_err(|e| format!("{origin}: {e}"))?;
        parsed.push(p);
    }
    // Stable sort: kinds group together, each in stream order.
    parsed.sort();
    let mut out = io::stdout().lock();
    for p in &parsed {
        let line = if json {
            serde_json::to_string(p).map_err(|e| e.to_string())?
        } else {
            format!("{:<13}{p}", kind(p))
        };
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Non-empty lines without `#` comments; a line ending in `,` continues on the next one, as
/// MySQL prints long GTID sets.
fn read_lines<'a>(lines: impl Iterator<Item = &'a str>, name: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut continuing = false;
    for (i, line) in lines.enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((_, text)) if continuing => text.push_str(line),
            _ => out.push((format!("{name}:{}", i + 1), line.to_owned())),
        }
        continuing = line.ends_with(',');
    }
    out
}
