//! End-to-end proof of the harness against the real servers that `scripts/services up`
//! starts: row changes made through cdc-testkit land in MariaDB's binlog and in PostgreSQL's
//! logical decoding output exactly as made, checked byte by byte here and against each
//! server's own independent decoder (`mariadb-binlog`, `test_decoding`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use cdc_testkit::{MariaDb, Postgres};

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

// ---------------------------------------------------------------------------------------
// The harness itself
// ---------------------------------------------------------------------------------------

const TRICKY_TEXT: &str = "tab\there\nnewline \\ backslash 'quote' \"dq\" <&> , é日本🐘";

#[test]
fn mariadb_query_returns_null_and_tricky_text_exactly() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("query_exact");
    db.exec(
        "CREATE TABLE t (id INT PRIMARY KEY, v TEXT CHARACTER SET utf8mb4);\n\
         INSERT INTO t VALUES (1, NULL), (2, 'NULL'), (3, ''), (4, CONCAT('a', CHAR(13), CHAR(10), 'b'))",
    );
    // The tricky text goes in as hex so that no client quoting can touch it.
    db.exec(&format!(
        "INSERT INTO t VALUES (5, CONVERT(x'{}' USING utf8mb4))",
        hex(TRICKY_TEXT.as_bytes())
    ));
    assert_eq!(
        db.query("SELECT id, v FROM t ORDER BY id"),
        vec![
            vec![s("1"), None],
            vec![s("2"), s("NULL")],
            vec![s("3"), s("")],
            vec![s("4"), s("a\r\nb")],
            vec![s("5"), s(TRICKY_TEXT)],
        ]
    );
    assert_eq!(
        db.query("SELECT HEX(v) FROM t WHERE id = 5"),
        vec![vec![Some(hex(TRICKY_TEXT.as_bytes()).to_uppercase())]]
    );
    assert_eq!(
        db.query("SELECT id FROM t WHERE id > 99"),
        Vec::<Vec<_>>::new()
    );
}

#[test]
fn mariadb_failed_sql_reports_the_server_error() {
    let server = MariaDb::from_env();
    let err = server
        .try_exec(None, "SELECT * FROM no_such_db.no_such_table")
        .unwrap_err();
    assert!(err.contains("no_such_db"), "{err}");
    assert!(
        err.contains("ERROR 1049") || err.contains("ERROR 1146"),
        "{err}"
    );
}

#[test]
fn mariadb_fresh_database_is_unique_and_dropped_on_drop() {
    let server = MariaDb::from_env();
    let a = server.fresh_database("drop_me");
    let b = server.fresh_database("drop_me");
    assert_ne!(a.name(), b.name());
    let name = a.name().to_string();
    let exists = |name: &str| {
        server.query(
            None,
            &format!(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{name}'"
            ),
        ) == vec![vec![s("1")]]
    };
    assert!(exists(&name));
    drop(a);
    assert!(!exists(&name));
    assert!(exists(b.name()));
}

#[test]
fn postgres_query_returns_null_and_tricky_text_exactly() {
    let server = Postgres::from_env();
    let db = server.fresh_database("query_exact");
    db.exec(&format!(
        "CREATE TABLE t (id int PRIMARY KEY, v text, b bytea);\n\
         INSERT INTO t VALUES (1, NULL, NULL), (2, 'NULL', '\\x00ff'), (3, '', ''), \
         (4, E'a\\r\\nb', NULL), (5, convert_from(decode('{}', 'hex'), 'UTF8'), NULL);",
        hex(TRICKY_TEXT.as_bytes())
    ));
    assert_eq!(
        db.query("SELECT id, v, b FROM t ORDER BY id;"),
        vec![
            vec![s("1"), None, None],
            vec![s("2"), s("NULL"), s("\\x00ff")],
            vec![s("3"), s(""), s("\\x")],
            vec![s("4"), s("a\r\nb"), None],
            vec![s("5"), s(TRICKY_TEXT), None],
        ]
    );
    assert_eq!(db.query("SELECT NULL"), vec![vec![None]]);
    assert_eq!(db.query("SELECT 1 WHERE false"), Vec::<Vec<_>>::new());
    assert_eq!(
        db.query("INSERT INTO t VALUES (6, 'x', NULL) RETURNING id, v"),
        vec![vec![s("6"), s("x")]]
    );
}

#[test]
fn postgres_fresh_database_is_dropped_with_its_replication_slots() {
    let server = Postgres::from_env();
    let db = server.fresh_database("drop_me");
    let name = db.name().to_string();
    assert_eq!(
        db.url(),
        format!("postgres://postgres@127.0.0.1:{}/{name}", server.port())
    );
    db.exec(&format!(
        "SELECT pg_create_logical_replication_slot('{name}_a', 'pgoutput');\n\
         SELECT pg_create_logical_replication_slot('{name}_b', 'test_decoding');"
    ));
    let count = |sql: String| server.query("postgres", &sql);
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM pg_replication_slots WHERE database = '{name}'"
        )),
        vec![vec![s("2")]]
    );
    drop(db);
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM pg_replication_slots WHERE database = '{name}'"
        )),
        vec![vec![s("0")]]
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        )),
        vec![vec![s("0")]]
    );
}

// ---------------------------------------------------------------------------------------
// MariaDB binlog
// ---------------------------------------------------------------------------------------

const BINLOG_MAGIC: &[u8; 4] = b"\xfebin";
const HEADER_LEN: usize = 19;
const FORMAT_DESCRIPTION: u8 = 15;
const XID: u8 = 16;
const TABLE_MAP: u8 = 19;
const WRITE_ROWS_V1: u8 = 23;
const UPDATE_ROWS_V1: u8 = 24;
const DELETE_ROWS_V1: u8 = 25;
const MARIADB_GTID: u8 = 162;
const QUERY: u8 = 2;
/// GTID event flag: the transaction is the one event that follows (DDL, no BEGIN/COMMIT).
const GTID_FL_STANDALONE: u8 = 0x1;
const ROTATE: u8 = 4;
/// Set in the format description event while the file is being written.
const LOG_EVENT_BINLOG_IN_USE_F: u16 = 0x1;

/// One event of a binlog file, framed by its v4 header.
#[derive(Debug)]
struct Event {
    offset: u32,
    type_code: u8,
    server_id: u32,
    next_pos: u32,
    flags: u16,
    /// Between the header and the CRC32 trailer.
    body: Vec<u8>,
    crc: u32,
}

fn u16_le(b: &[u8]) -> u16 {
    u16::from_le_bytes(b[..2].try_into().unwrap())
}
fn u32_le(b: &[u8]) -> u32 {
    u32::from_le_bytes(b[..4].try_into().unwrap())
}
fn u48_le(b: &[u8]) -> u64 {
    let mut bytes = [0; 8];
    bytes[..6].copy_from_slice(&b[..6]);
    u64::from_le_bytes(bytes)
}
fn u64_le(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().unwrap())
}

/// CRC-32/ISO-HDLC (the zlib CRC that binlog checksums use), table driven.
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    !data.iter().fold(!0u32, |crc, &b| {
        TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

/// Walks a closed binlog file: checks the magic, that every event's `next_pos` is where the
/// next event starts, the format description (v4 headers, CRC32 checksums, no longer in use)
/// and every event's CRC32.
fn walk_binlog(file: &str, bytes: &[u8]) -> Vec<Event> {
    assert_eq!(&bytes[..4], BINLOG_MAGIC, "{file}: binlog magic");
    let mut events = Vec::new();
    let mut offset = 4usize;
    while offset < bytes.len() {
        assert!(
            offset + HEADER_LEN <= bytes.len(),
            "{file}: truncated header at {offset}"
        );
        let header = &bytes[offset..offset + HEADER_LEN];
        let size = u32_le(&header[9..]) as usize;
        let next_pos = u32_le(&header[13..]);
        assert!(
            size >= HEADER_LEN + 4,
            "{file}: event at {offset} has size {size}"
        );
        assert!(
            offset + size <= bytes.len(),
            "{file}: event at {offset} runs past the end"
        );
        assert_eq!(
            next_pos as usize,
            offset + size,
            "{file}: next_pos of the event at {offset} does not chain"
        );
        let event = &bytes[offset..offset + size];
        let (covered, trailer) = event.split_at(size - 4);
        let stored = u32_le(trailer);
        assert_eq!(
            crc32(covered),
            stored,
            "{file}: CRC32 of the event at {offset} (type {})",
            header[4]
        );
        events.push(Event {
            offset: offset as u32,
            type_code: header[4],
            server_id: u32_le(&header[5..]),
            next_pos,
            flags: u16_le(&header[17..]),
            body: covered[HEADER_LEN..].to_vec(),
            crc: stored,
        });
        offset += size;
    }
    let fde = &events[0];
    assert_eq!(fde.type_code, FORMAT_DESCRIPTION, "{file}: first event");
    assert_eq!(u16_le(&fde.body), 4, "{file}: binlog version");
    assert_eq!(
        fde.body[2 + 50 + 4] as usize,
        HEADER_LEN,
        "{file}: header length"
    );
    assert_eq!(
        *fde.body.last().unwrap(),
        1,
        "{file}: checksum algorithm is CRC32"
    );
    assert_eq!(
        fde.flags & LOG_EVENT_BINLOG_IN_USE_F,
        0,
        "{file}: a rotated file is no longer marked in use"
    );
    assert_eq!(
        events.last().unwrap().type_code,
        ROTATE,
        "{file}: ends with a rotate"
    );
    events
}

/// `(table_id, db, table)` from a TABLE_MAP body.
fn table_map(body: &[u8]) -> (u64, String, String) {
    let table_id = u48_le(body);
    let rest = &body[8..];
    let db_len = rest[0] as usize;
    let db = String::from_utf8(rest[1..1 + db_len].to_vec()).unwrap();
    assert_eq!(rest[1 + db_len], 0, "db name is NUL-terminated");
    let rest = &rest[2 + db_len..];
    let table_len = rest[0] as usize;
    let table = String::from_utf8(rest[1..1 + table_len].to_vec()).unwrap();
    assert_eq!(rest[1 + table_len], 0, "table name is NUL-terminated");
    (table_id, db, table)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn mariadb_row_changes_appear_in_the_binlog_as_gtid_table_map_and_v1_row_events() {
    let server = MariaDb::from_env();
    let db = server.fresh_database("binlog_rows");
    db.exec(
        "CREATE TABLE items (\n\
           id INT PRIMARY KEY,\n\
           name VARCHAR(64) CHARACTER SET utf8mb4,\n\
           amount DECIMAL(12,4),\n\
           at DATETIME(6),\n\
           payload BLOB,\n\
           note VARCHAR(20) NULL)",
    );
    let (first_file, _) = server.current_binlog();
    db.exec(
        "INSERT INTO items VALUES\n\
           (1, 'héllo wörld 日本語 🐘', 12345.6789, '2024-02-29 12:34:56.123456', x'00ff10', NULL),\n\
           (2, 'NULL', -0.0001, '1999-12-31 23:59:59.999999', NULL, 'note 2'),\n\
           (3, 'plain', 0, '2000-01-01 00:00:00', x'', 'three');\n\
         INSERT INTO items VALUES (4, 'quote '' and \\\\ backslash', 99999999.9999, '2038-01-19 03:14:08.000001', x'deadbeef', 'four');\n\
         UPDATE items SET name = 'updated ✓', amount = 1.5 WHERE id = 2;\n\
         DELETE FROM items WHERE id = 3;",
    );
    // The harness reads back what went in.
    assert_eq!(
        db.query("SELECT id, name, amount, at, HEX(payload), note FROM items ORDER BY id"),
        vec![
            vec![
                s("1"),
                s("héllo wörld 日本語 🐘"),
                s("12345.6789"),
                s("2024-02-29 12:34:56.123456"),
                s("00FF10"),
                None
            ],
            vec![
                s("2"),
                s("updated ✓"),
                s("1.5000"),
                s("1999-12-31 23:59:59.999999"),
                None,
                s("note 2")
            ],
            vec![
                s("4"),
                s("quote ' and \\ backslash"),
                s("99999999.9999"),
                s("2038-01-19 03:14:08.000001"),
                s("DEADBEEF"),
                s("four")
            ],
        ]
    );
    let (last_file, _) = server.current_binlog();
    // Closes every file holding our events (other tests may be writing too: all checks below
    // pick out our table by name and table id).
    server.flush_binary_logs();
    let all_files = server.binlog_files();
    let first = all_files.iter().position(|f| *f == first_file).unwrap();
    let last = all_files.iter().position(|f| *f == last_file).unwrap();
    let files = &all_files[first..=last];

    let mut our_table_ids = BTreeSet::new();
    let mut row_events: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut our_gtids: Vec<String> = Vec::new();
    let mut oracle = String::new();
    for file in files {
        let path = server.binlog_dir().join(file);
        let bytes = std::fs::read(&path).unwrap();
        let events = walk_binlog(file, &bytes);

        // The transaction being read: its GTID, and whether it touched our table.
        let mut open_gtid: Option<String> = None;
        let mut ours_in_transaction = false;
        // A GTID flagged standalone (DDL) opens a transaction of exactly one more event.
        let mut standalone = false;
        for event in &events {
            if standalone && event.type_code != MARIADB_GTID {
                standalone = false;
                open_gtid = None;
                continue;
            }
            match event.type_code {
                MARIADB_GTID => {
                    assert!(
                        open_gtid.is_none(),
                        "{file}@{}: GTID inside a transaction",
                        event.offset
                    );
                    let seq_no = u64_le(&event.body);
                    let domain = u32_le(&event.body[8..]);
                    open_gtid = Some(format!("{domain}-{}-{seq_no}", event.server_id));
                    standalone = event.body[12] & GTID_FL_STANDALONE != 0;
                    ours_in_transaction = false;
                }
                QUERY if event.body.ends_with(b"COMMIT") || event.body.ends_with(b"ROLLBACK") => {
                    open_gtid = None;
                    ours_in_transaction = false;
                }
                TABLE_MAP => {
                    let (table_id, map_db, table) = table_map(&event.body);
                    if map_db == db.name() && table == "items" {
                        assert!(
                            open_gtid.is_some(),
                            "{file}@{}: our TABLE_MAP is not preceded by a GTID event",
                            event.offset
                        );
                        our_table_ids.insert(table_id);
                        ours_in_transaction = true;
                    }
                }
                WRITE_ROWS_V1 | UPDATE_ROWS_V1 | DELETE_ROWS_V1
                    if our_table_ids.contains(&u48_le(&event.body)) =>
                {
                    assert!(
                        ours_in_transaction,
                        "{file}@{}: row event without our TABLE_MAP before it in its transaction",
                        event.offset
                    );
                    row_events.push((event.type_code, event.body.clone()));
                }
                XID => {
                    if ours_in_transaction {
                        our_gtids.push(open_gtid.clone().unwrap());
                    }
                    open_gtid = None;
                    ours_in_transaction = false;
                }
                _ => {}
            }
        }

        // The independent oracle: MariaDB's own decoder.
        let out = Command::new("mariadb-binlog")
            .args(["--no-defaults", "--base64-output=decode-rows", "-vv"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mariadb-binlog: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // It frames every event as we did: same end positions and checksums, in order.
        let framed: Vec<(u32, u32)> = text
            .lines()
            .filter_map(|line| {
                let rest = line.split_once(" end_log_pos ")?.1;
                let (pos, rest) = rest.split_once(' ')?;
                let crc = rest.strip_prefix("CRC32 0x")?.get(..8)?;
                Some((pos.parse().ok()?, u32::from_str_radix(crc, 16).ok()?))
            })
            .collect();
        let ours: Vec<(u32, u32)> = events.iter().map(|e| (e.next_pos, e.crc)).collect();
        assert_eq!(
            framed, ours,
            "{file}: event framing and checksums per mariadb-binlog"
        );
        oracle.push_str(&text);
    }

    assert_eq!(
        our_table_ids.len(),
        1,
        "one table id for our table: {our_table_ids:?}"
    );
    let kinds: Vec<u8> = row_events.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        kinds,
        [WRITE_ROWS_V1, WRITE_ROWS_V1, UPDATE_ROWS_V1, DELETE_ROWS_V1],
        "our row events in order"
    );
    assert_eq!(
        our_gtids.len(),
        4,
        "one GTID per transaction: {our_gtids:?}"
    );
    // The values travel as raw bytes in the row images.
    assert!(contains(
        &row_events[0].1,
        "héllo wörld 日本語 🐘".as_bytes()
    ));
    assert!(contains(&row_events[0].1, b"\x00\xff\x10"));
    assert!(contains(&row_events[1].1, b"\xde\xad\xbe\xef"));
    assert!(contains(&row_events[2].1, b"NULL"), "before image");
    assert!(
        contains(&row_events[2].1, "updated ✓".as_bytes()),
        "after image"
    );
    assert!(contains(&row_events[3].1, b"plain"));

    let table = format!("`{}`.`items`", db.name());
    assert_eq!(
        count(&oracle, &format!("### INSERT INTO {table}\n")),
        4,
        "{oracle}"
    );
    assert_eq!(
        count(&oracle, &format!("### UPDATE {table}\n")),
        1,
        "{oracle}"
    );
    assert_eq!(
        count(&oracle, &format!("### DELETE FROM {table}\n")),
        1,
        "{oracle}"
    );
    for gtid in &our_gtids {
        assert!(
            oracle.contains(&format!("GTID {gtid} trans")),
            "{gtid} in {oracle}"
        );
    }
    for line in [
        "###   @2='héllo wörld 日本語 🐘' /* VARSTRING(256)",
        "###   @3=12345.6789 /* DECIMAL(12,4)",
        "###   @4='2024-02-29 12:34:56.123456' /* DATETIME(6)",
        "###   @6=NULL /* VARSTRING(80) meta=80 nullable=1 is_null=1 */",
        "###   @2='NULL' /* VARSTRING(256)",
        "###   @3=-0.0001 /* DECIMAL(12,4)",
        // Printed raw, without escaping the quote or the backslash.
        "###   @2='quote ' and \\ backslash' /* VARSTRING(256)",
        "###   @3=99999999.9999 /* DECIMAL(12,4)",
        "###   @2='updated ✓' /* VARSTRING(256)",
        "###   @3=1.5000 /* DECIMAL(12,4)",
        "###   @2='plain' /* VARSTRING(256)",
    ] {
        assert!(
            oracle.contains(line),
            "mariadb-binlog output lacks {line:?}:\n{oracle}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL pgoutput
// ---------------------------------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Reads big-endian pgoutput fields.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        assert!(n <= self.bytes.len(), "pgoutput message truncated");
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take(2).try_into().unwrap())
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.take(4).try_into().unwrap())
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.take(4).try_into().unwrap())
    }
    fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.take(8).try_into().unwrap())
    }
    fn cstring(&mut self) -> String {
        let len = self
            .bytes
            .iter()
            .position(|&b| b == 0)
            .expect("NUL-terminated string");
        let text = String::from_utf8(self.take(len).to_vec()).unwrap();
        self.take(1);
        text
    }
    /// TupleData: `None` for a NULL column (`n`); `t` columns as text.
    fn tuple(&mut self) -> Vec<Option<String>> {
        let columns = self.i16();
        (0..columns)
            .map(|_| match self.u8() {
                b'n' => None,
                b't' => {
                    let len = self.i32() as usize;
                    Some(String::from_utf8(self.take(len).to_vec()).unwrap())
                }
                other => panic!("unexpected tuple column kind {:?}", other as char),
            })
            .collect()
    }
    fn done(&self) -> bool {
        self.bytes.is_empty()
    }
}

#[derive(Debug, PartialEq)]
enum Message {
    Begin {
        xid: u32,
    },
    Relation {
        relid: u32,
        namespace: String,
        name: String,
        columns: Vec<(u8, String, u32)>,
    },
    Insert {
        relid: u32,
        new: Vec<Option<String>>,
    },
    Update {
        relid: u32,
        new: Vec<Option<String>>,
    },
    Delete {
        relid: u32,
        key: Vec<Option<String>>,
    },
    Commit,
}

/// Parses one pgoutput (protocol v1) message.
fn parse_pgoutput(bytes: &[u8]) -> Message {
    let mut r = Reader { bytes };
    let message = match r.u8() {
        b'B' => {
            let _final_lsn = r.u64();
            let _commit_time = r.u64();
            Message::Begin { xid: r.u32() }
        }
        b'R' => {
            let relid = r.u32();
            let namespace = r.cstring();
            let name = r.cstring();
            let _replica_identity = r.u8();
            let n = r.i16();
            let columns = (0..n)
                .map(|_| {
                    let flags = r.u8();
                    let name = r.cstring();
                    let type_oid = r.u32();
                    let _typmod = r.i32();
                    (flags, name, type_oid)
                })
                .collect();
            Message::Relation {
                relid,
                namespace,
                name,
                columns,
            }
        }
        b'I' => {
            let relid = r.u32();
            assert_eq!(r.u8(), b'N');
            Message::Insert {
                relid,
                new: r.tuple(),
            }
        }
        b'U' => {
            let relid = r.u32();
            let mut kind = r.u8();
            if kind == b'K' || kind == b'O' {
                let _old = r.tuple();
                kind = r.u8();
            }
            assert_eq!(kind, b'N');
            Message::Update {
                relid,
                new: r.tuple(),
            }
        }
        b'D' => {
            let relid = r.u32();
            let kind = r.u8();
            assert!(
                kind == b'K' || kind == b'O',
                "delete tuple kind {:?}",
                kind as char
            );
            Message::Delete {
                relid,
                key: r.tuple(),
            }
        }
        b'C' => {
            let _flags = r.u8();
            let _commit_lsn = r.u64();
            let _end_lsn = r.u64();
            let _commit_time = r.u64();
            Message::Commit
        }
        other => panic!("unexpected pgoutput message {:?}", other as char),
    };
    assert!(r.done(), "trailing bytes after {message:?}");
    message
}

/// The text `test_decoding` prints for a value of type `oid` (its `print_literal`).
fn test_decoding_literal(oid: u32, value: &Option<String>) -> String {
    const INT2: u32 = 21;
    const INT4: u32 = 23;
    const INT8: u32 = 20;
    const OID: u32 = 26;
    const FLOAT4: u32 = 700;
    const FLOAT8: u32 = 701;
    const NUMERIC: u32 = 1700;
    const BOOL: u32 = 16;
    match value {
        None => "null".to_string(),
        Some(v) if [INT2, INT4, INT8, OID, FLOAT4, FLOAT8, NUMERIC, BOOL].contains(&oid) => {
            v.clone()
        }
        Some(v) => format!("'{}'", v.replace('\'', "''")),
    }
}

#[test]
fn postgres_row_changes_appear_in_pgoutput_as_begin_relation_insert_update_delete_commit() {
    let server = Postgres::from_env();
    let db = server.fresh_database("pgoutput");
    let pgoutput_slot = format!("{}_pgo", db.name());
    let test_decoding_slot = format!("{}_td", db.name());
    db.exec(&format!(
        "CREATE TABLE items (id int PRIMARY KEY, name text, amount numeric(12,4), \
                             at timestamptz, payload bytea, note text);\n\
         CREATE PUBLICATION p FOR TABLE items;\n\
         SELECT pg_create_logical_replication_slot('{pgoutput_slot}', 'pgoutput');\n\
         SELECT pg_create_logical_replication_slot('{test_decoding_slot}', 'test_decoding');"
    ));
    db.exec(
        "INSERT INTO items VALUES\n\
           (1, 'héllo ''q'', \"dq\" 日本語 🐘', 12345.6789, '2024-02-29 12:34:56.123456+00', '\\xdeadbeef', NULL),\n\
           (2, 'NULL', -0.0001, '1999-12-31 23:59:59.999999+00', NULL, 'note 2'),\n\
           (3, E'multi\\nline,\\ttab', 0, '2000-01-01 00:00:00+00', '\\x', 'three');\n\
         UPDATE items SET name = 'updated ✓', amount = 1.5 WHERE id = 2;\n\
         DELETE FROM items WHERE id = 3;",
    );

    let changes = db.query(&format!(
        "SELECT xid, encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes(\
           '{pgoutput_slot}', NULL, NULL, 'proto_version', '1', 'publication_names', 'p')"
    ));
    let messages: Vec<Message> = changes
        .iter()
        .map(|row| parse_pgoutput(&unhex(row[1].as_deref().unwrap())))
        .collect();

    let Some(Message::Relation {
        relid,
        namespace,
        name,
        columns,
    }) = messages.get(1)
    else {
        panic!("second message is not a Relation: {messages:?}");
    };
    let relid = *relid;
    assert_eq!((namespace.as_str(), name.as_str()), ("public", "items"));
    let column_names: Vec<&str> = columns.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(
        column_names,
        ["id", "name", "amount", "at", "payload", "note"]
    );
    let key_flags: Vec<u8> = columns.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(key_flags, [1, 0, 0, 0, 0, 0], "only id is part of the key");
    let type_oids: Vec<u32> = columns.iter().map(|(_, _, t)| *t).collect();
    assert_eq!(type_oids, [23, 25, 1700, 1184, 17, 25]);

    let xids: Vec<u32> = messages
        .iter()
        .filter_map(|m| match m {
            Message::Begin { xid } => Some(*xid),
            _ => None,
        })
        .collect();
    assert_eq!(xids.len(), 3, "{messages:?}");
    let row1 = vec![
        s("1"),
        s("héllo 'q', \"dq\" 日本語 🐘"),
        s("12345.6789"),
        s("2024-02-29 12:34:56.123456+00"),
        s("\\xdeadbeef"),
        None,
    ];
    let row2 = vec![
        s("2"),
        s("NULL"),
        s("-0.0001"),
        s("1999-12-31 23:59:59.999999+00"),
        None,
        s("note 2"),
    ];
    let row3 = vec![
        s("3"),
        s("multi\nline,\ttab"),
        s("0.0000"),
        s("2000-01-01 00:00:00+00"),
        s("\\x"),
        s("three"),
    ];
    let row2_updated = vec![
        s("2"),
        s("updated ✓"),
        s("1.5000"),
        s("1999-12-31 23:59:59.999999+00"),
        None,
        s("note 2"),
    ];
    let expected = vec![
        Message::Begin { xid: xids[0] },
        Message::Relation {
            relid,
            namespace: "public".into(),
            name: "items".into(),
            columns: columns.clone(),
        },
        Message::Insert { relid, new: row1 },
        Message::Insert { relid, new: row2 },
        Message::Insert { relid, new: row3 },
        Message::Commit,
        Message::Begin { xid: xids[1] },
        Message::Update {
            relid,
            new: row2_updated,
        },
        Message::Commit,
        Message::Begin { xid: xids[2] },
        Message::Delete {
            relid,
            key: vec![s("3"), None, None, None, None, None],
        },
        Message::Commit,
    ];
    assert_eq!(messages, expected);
    // Each message row is reported under its transaction's xid.
    let mut xid_of_row = changes.iter().map(|row| row[0].clone().unwrap());
    for (message, row_xid) in messages.iter().zip(&mut xid_of_row) {
        if let Message::Begin { xid } = message {
            assert_eq!(row_xid, xid.to_string());
        }
    }

    // The independent oracle: test_decoding's text for the same changes. Render the pgoutput
    // messages the way test_decoding prints them and compare line for line.
    let type_names: BTreeMap<u32, String> = db
        .query(&format!(
            "SELECT oid, format_type(oid, NULL) FROM pg_type WHERE oid IN ({})",
            type_oids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ))
        .into_iter()
        .map(|row| {
            (
                row[0].as_deref().unwrap().parse().unwrap(),
                row[1].clone().unwrap(),
            )
        })
        .collect();
    let render = |values: &[Option<String>], skip_nulls: bool| -> String {
        columns
            .iter()
            .zip(values)
            .filter(|(_, v)| !(skip_nulls && v.is_none()))
            .map(|((_, name, oid), v)| {
                format!(
                    "{name}[{}]:{}",
                    type_names[oid],
                    test_decoding_literal(*oid, v)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut xid_iter = xids.iter();
    let mut current_xid = 0;
    let rendered: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            Message::Begin { .. } => {
                current_xid = *xid_iter.next().unwrap();
                Some(format!("BEGIN {current_xid}"))
            }
            Message::Relation { .. } => None,
            Message::Insert { new, .. } => Some(format!(
                "table public.items: INSERT: {}",
                render(new, false)
            )),
            Message::Update { new, .. } => Some(format!(
                "table public.items: UPDATE: {}",
                render(new, false)
            )),
            Message::Delete { key, .. } => {
                Some(format!("table public.items: DELETE: {}", render(key, true)))
            }
            Message::Commit => Some(format!("COMMIT {current_xid}")),
        })
        .collect();
    let oracle: Vec<String> = db
        .query(&format!(
            "SELECT data FROM pg_logical_slot_peek_changes('{test_decoding_slot}', NULL, NULL)"
        ))
        .into_iter()
        .map(|row| row[0].clone().unwrap())
        .collect();
    assert_eq!(rendered, oracle);
    assert!(
        oracle.contains(&"table public.items: DELETE: id[integer]:3".to_string()),
        "{oracle:?}"
    );
    assert!(
        oracle
            .iter()
            .any(|l| l.starts_with("table public.items: INSERT: id[integer]:1 ")),
        "{oracle:?}"
    );
}
