//! Object names on the target: rename maps, capitalisation policy, quoting, reserved words
//! and length limits.

use std::collections::BTreeMap;

use cdc_model::TableId;
use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;

/// Capitalisation of target names that no rename map sets explicitly.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    /// As the source spells them (the default).
    #[default]
    Keep,
    /// Lower case.
    Lower,
    /// Upper case.
    Upper,
}

impl Case {
    /// `name` in this capitalisation.
    pub fn apply(&self, name: &str) -> String {
        match self {
            Case::Keep => name.to_owned(),
            Case::Lower => name.to_lowercase(),
            Case::Upper => name.to_uppercase(),
        }
    }
}

/// Target names for source objects: explicit renames first, then the capitalisation policy.
///
/// ```
/// use cdc_model::TableId;
/// use cdc_typemap::{Case, NamePolicy};
///
/// let mut p = NamePolicy { case: Case::Lower, ..NamePolicy::default() };
/// p.rename_table(TableId::new("Shop", "Orders"), TableId::new("sales", "Orders_2024"));
/// p.rename_column(TableId::new("Shop", "Orders"), "Total", "amount");
/// let t = TableId::new("Shop", "Orders");
/// assert_eq!(p.table(&t), TableId::new("sales", "Orders_2024"));
/// assert_eq!(p.column(&t, "Total"), "amount");
/// assert_eq!(p.column(&t, "PlacedAt"), "placedat");
/// assert_eq!(p.table(&TableId::new("Shop", "Items")), TableId::new("shop", "items"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamePolicy {
    /// Capitalisation of names not renamed explicitly.
    pub case: Case,
    /// Schema (database) renames.
    pub schemas: BTreeMap<String, String>,
    /// Table renames, by source table.
    pub tables: BTreeMap<TableId, TableId>,
    /// Column renames, by source table and source column.
    pub columns: BTreeMap<TableId, BTreeMap<String, String>>,
}

impl NamePolicy {
    /// Renames a table (the target id is used as given, without the case policy).
    pub fn rename_table(&mut self, from: TableId, to: TableId) {
        self.tables.insert(from, to);
    }

    /// Renames a column of a source table.
    pub fn rename_column(&mut self, table: TableId, from: &str, to: &str) {
        self.columns
            .entry(table)
            .or_default()
            .insert(from.to_owned(), to.to_owned());
    }

    /// The target id of a source table.
    pub fn table(&self, source: &TableId) -> TableId {
        if let Some(t) = self.tables.get(source) {
            return t.clone();
        }
        let schema = self
            .schemas
            .get(&source.schema)
            .cloned()
            .unwrap_or_else(|| self.case.apply(&source.schema));
        TableId::new(schema, self.case.apply(&source.name))
    }

    /// The target name of a column of a source table.
    pub fn column(&self, table: &TableId, column: &str) -> String {
        self.columns
            .get(table)
            .and_then(|m| m.get(column))
            .cloned()
            .unwrap_or_else(|| self.case.apply(column))
    }

    /// The target name of any other object (index, constraint, type) named by the source.
    pub fn object(&self, name: &str) -> String {
        self.case.apply(name)
    }
}

/// `name` quoted for `dialect`: `"name"` for PostgreSQL and AnalyticDB, `` `name` `` for
/// MySQL, MariaDB and MaxCompute, with the quote character doubled inside.
///
/// ```
/// use cdc_typemap::{Dialect, quote_ident};
/// assert_eq!(quote_ident(Dialect::POSTGRES_15, "Order \"x\""), "\"Order \"\"x\"\"\"");
/// assert_eq!(quote_ident(Dialect::MYSQL_80, "a`b"), "`a``b`");
/// ```
pub fn quote_ident(dialect: Dialect, name: &str) -> String {
    let q = if dialect.is_postgres_family() {
        '"'
    } else {
        '`'
    };
    let mut s = String::with_capacity(name.len() + 2);
    s.push(q);
    for c in name.chars() {
        if c == q {
            s.push(q);
        }
        s.push(c);
    }
    s.push(q);
    s
}

/// `table` as `schema.name`, both parts quoted. MaxCompute tables are named without a
/// schema (a project holds them).
pub fn quote_table(dialect: Dialect, table: &TableId) -> String {
    if dialect == Dialect::MaxCompute || table.schema.is_empty() {
        quote_ident(dialect, &table.name)
    } else {
        format!(
            "{}.{}",
            quote_ident(dialect, &table.schema),
            quote_ident(dialect, &table.name)
        )
    }
}

/// A string literal for `dialect`. MySQL treats backslashes as escapes by default, so they
/// are doubled there; PostgreSQL (with `standard_conforming_strings`) and MaxCompute only
/// need the quote doubled... except that MaxCompute also reads backslash escapes.
///
/// ```
/// use cdc_typemap::{Dialect, quote_literal};
/// assert_eq!(quote_literal(Dialect::POSTGRES_15, r"it's a\b"), r"'it''s a\b'");
/// assert_eq!(quote_literal(Dialect::MYSQL_80, r"it's a\b"), r"'it''s a\\b'");
/// ```
pub fn quote_literal(dialect: Dialect, value: &str) -> String {
    if dialect.is_postgres_family() {
        string_literal(value)
    } else {
        let mut s = String::with_capacity(value.len() + 2);
        s.push('\'');
        for c in value.chars() {
            match c {
                '\'' => s.push_str("''"),
                '\\' => s.push_str("\\\\"),
                '\0' => s.push_str("\\0"),
                c => s.push(c),
            }
        }
        s.push('\'');
        s
    }
}

/// A PostgreSQL standard string literal.
pub(crate) fn string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Whether `word` is a reserved word of `dialect` (case-insensitive), so that it must be
/// quoted to be used as a name.
///
/// ```
/// use cdc_typemap::{Dialect, is_reserved};
/// assert!(is_reserved(Dialect::POSTGRES_15, "user"));
/// assert!(!is_reserved(Dialect::MYSQL_80, "user"));
/// assert!(is_reserved(Dialect::MYSQL_80, "Rank"));
/// assert!(is_reserved(Dialect::ANALYTICDB, "distributed"));
/// assert!(is_reserved(Dialect::MAXCOMPUTE, "partition"));
/// ```
pub fn is_reserved(dialect: Dialect, word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    let w = w.as_str();
    let listed = |list: &[&str]| list.binary_search(&w).is_ok();
    match dialect {
        Dialect::PostgreSql(v) => listed(PG_RESERVED) || (v.major >= 16 && w == "system_user"),
        Dialect::AnalyticDb => listed(PG_RESERVED) || listed(GREENPLUM_RESERVED),
        Dialect::MySql(_) => listed(MYSQL_RESERVED),
        Dialect::MariaDb(_) => listed(MARIADB_RESERVED),
        Dialect::MaxCompute => listed(MAXCOMPUTE_RESERVED),
    }
}

/// Every reserved word of `dialect` (lower case, sorted): the words [`is_reserved`] is true
/// for.
///
/// ```
/// use cdc_typemap::{Dialect, is_reserved, reserved_words};
/// let words = reserved_words(Dialect::MARIADB_1011);
/// assert!(words.contains(&"returning") && !words.contains(&"window"));
/// assert!(words.iter().all(|w| is_reserved(Dialect::MARIADB_1011, w)));
/// ```
pub fn reserved_words(dialect: Dialect) -> Vec<&'static str> {
    let mut words: Vec<&'static str> = match dialect {
        Dialect::PostgreSql(v) if v.major >= 16 => {
            PG_RESERVED.iter().copied().chain(["system_user"]).collect()
        }
        Dialect::PostgreSql(_) => PG_RESERVED.to_vec(),
        Dialect::AnalyticDb => PG_RESERVED
            .iter()
            .chain(GREENPLUM_RESERVED)
            .copied()
            .collect(),
        Dialect::MySql(_) => MYSQL_RESERVED.to_vec(),
        Dialect::MariaDb(_) => MARIADB_RESERVED.to_vec(),
        Dialect::MaxCompute => MAXCOMPUTE_RESERVED.to_vec(),
    };
    words.sort_unstable();
    words
}

/// Whether `name` must be quoted on `dialect`: it is reserved, or not a plain identifier
/// (PostgreSQL: anything but lower-case letters, digits, `_` and `$`, not starting with a
/// digit, since unquoted names fold to lower case).
pub fn needs_quoting(dialect: Dialect, name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    let plain = match dialect {
        Dialect::PostgreSql(_) | Dialect::AnalyticDb => {
            (first.is_ascii_lowercase() || first == '_')
                && chars
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        }
        Dialect::MySql(_) | Dialect::MariaDb(_) => {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && !name.chars().all(|c| c.is_ascii_digit())
        }
        Dialect::MaxCompute => {
            (first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    };
    !plain || is_reserved(dialect, name)
}

/// The length of `name` as `dialect` counts it: bytes for PostgreSQL and MaxCompute,
/// characters for MySQL.
pub fn identifier_len(dialect: Dialect, name: &str) -> usize {
    if dialect.is_mysql_family() {
        name.chars().count()
    } else {
        name.len()
    }
}

/// `name`, shortened to `dialect`'s limit when longer: its longest prefix that fits with an
/// `_` and 8 hex digits of a hash of the whole name, so distinct long names stay distinct.
/// Returns whether it was shortened.
///
/// ```
/// use cdc_typemap::{Dialect, fit_identifier};
/// let long = "x".repeat(70);
/// let (short, cut) = fit_identifier(Dialect::POSTGRES_15, &long);
/// assert!(cut && short.len() == 63);
/// assert_eq!(fit_identifier(Dialect::POSTGRES_15, "id"), ("id".to_string(), false));
/// ```
pub fn fit_identifier(dialect: Dialect, name: &str) -> (String, bool) {
    let max = dialect.max_identifier_len();
    if identifier_len(dialect, name) <= max {
        return (name.to_owned(), false);
    }
    let suffix = format!("_{:08x}", fnv1a(name.as_bytes()));
    let mut out = String::new();
    for c in name.chars() {
        let mut next = out.clone();
        next.push(c);
        if identifier_len(dialect, &next) + suffix.len() > max {
            break;
        }
        out = next;
    }
    out.push_str(&suffix);
    (out, true)
}

/// 32-bit FNV-1a: a small, stable hash for shortened names.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

// Sorted lists (binary search); a unit test keeps them sorted.

/// PostgreSQL 15's key words classed "reserved" or "reserved (can be function or type)",
/// which cannot name a table or column unquoted: Appendix C, Table C.1 of the PostgreSQL 15
/// manual (<https://www.postgresql.org/docs/15/sql-keywords-appendix.html>), which is
/// `pg_get_keywords()` with `catcode` `R` or `T` (a live test compares the two). PostgreSQL 16
/// adds `system_user`, which [`is_reserved`] adds for version 16 and later.
pub(crate) const PG_RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// Words Greenplum 6 (AnalyticDB for PostgreSQL 6.0) reserves beyond PostgreSQL 15: the
/// `RESERVED_KEYWORD` and `TYPE_FUNC_NAME_KEYWORD` entries of Greenplum's
/// `src/include/parser/kwlist.h` (6X branch) that PostgreSQL 15 does not reserve. Greenplum 7
/// reserves a subset of them.
pub(crate) const GREENPLUM_RESERVED: &[&str] = &[
    "decode",
    "distributed",
    "exclude",
    "following",
    "log",
    "partition",
    "preceding",
    "scatter",
    "unbounded",
];

/// MySQL 8.0's reserved words: the words marked (R) in "Keywords and Reserved Words in MySQL
/// 8.0" (<https://dev.mysql.com/doc/refman/8.0/en/keywords.html>), plus `_filename`, which the
/// page names as reserved too. Also used for MySQL 5.7, which reserves a subset of them
/// (quoting a word that need not be quoted is harmless).
pub(crate) const MYSQL_RESERVED: &[&str] = &[
    "_filename",
    "accessible",
    "add",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "asensitive",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "both",
    "by",
    "call",
    "cascade",
    "case",
    "change",
    "char",
    "character",
    "check",
    "collate",
    "column",
    "condition",
    "constraint",
    "continue",
    "convert",
    "create",
    "cross",
    "cube",
    "cume_dist",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "databases",
    "day_hour",
    "day_microsecond",
    "day_minute",
    "day_second",
    "dec",
    "decimal",
    "declare",
    "default",
    "delayed",
    "delete",
    "dense_rank",
    "desc",
    "describe",
    "deterministic",
    "distinct",
    "distinctrow",
    "div",
    "double",
    "drop",
    "dual",
    "each",
    "else",
    "elseif",
    "empty",
    "enclosed",
    "escaped",
    "except",
    "exists",
    "exit",
    "explain",
    "false",
    "fetch",
    "first_value",
    "float",
    "float4",
    "float8",
    "for",
    "force",
    "foreign",
    "from",
    "fulltext",
    "function",
    "generated",
    "get",
    "grant",
    "group",
    "grouping",
    "groups",
    "having",
    "high_priority",
    "hour_microsecond",
    "hour_minute",
    "hour_second",
    "if",
    "ignore",
    "in",
    "index",
    "infile",
    "inner",
    "inout",
    "insensitive",
    "insert",
    "int",
    "int1",
    "int2",
    "int3",
    "int4",
    "int8",
    "integer",
    "intersect",
    "interval",
    "into",
    "io_after_gtids",
    "io_before_gtids",
    "is",
    "iterate",
    "join",
    "json_table",
    "key",
    "keys",
    "kill",
    "lag",
    "last_value",
    "lateral",
    "lead",
    "leading",
    "leave",
    "left",
    "like",
    "limit",
    "linear",
    "lines",
    "load",
    "localtime",
    "localtimestamp",
    "lock",
    "long",
    "longblob",
    "longtext",
    "loop",
    "low_priority",
    "master_bind",
    "master_ssl_verify_server_cert",
    "match",
    "maxvalue",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "middleint",
    "minute_microsecond",
    "minute_second",
    "mod",
    "modifies",
    "natural",
    "no_write_to_binlog",
    "not",
    "nth_value",
    "ntile",
    "null",
    "numeric",
    "of",
    "on",
    "optimize",
    "optimizer_costs",
    "option",
    "optionally",
    "or",
    "order",
    "out",
    "outer",
    "outfile",
    "over",
    "partition",
    "percent_rank",
    "precision",
    "primary",
    "procedure",
    "purge",
    "range",
    "rank",
    "read",
    "read_write",
    "reads",
    "real",
    "recursive",
    "references",
    "regexp",
    "release",
    "rename",
    "repeat",
    "replace",
    "require",
    "resignal",
    "restrict",
    "return",
    "revoke",
    "right",
    "rlike",
    "row",
    "row_number",
    "rows",
    "schema",
    "schemas",
    "second_microsecond",
    "select",
    "sensitive",
    "separator",
    "set",
    "show",
    "signal",
    "smallint",
    "spatial",
    "specific",
    "sql",
    "sql_big_result",
    "sql_calc_found_rows",
    "sql_small_result",
    "sqlexception",
    "sqlstate",
    "sqlwarning",
    "ssl",
    "starting",
    "stored",
    "straight_join",
    "system",
    "table",
    "terminated",
    "then",
    "tinyblob",
    "tinyint",
    "tinytext",
    "to",
    "trailing",
    "trigger",
    "true",
    "undo",
    "union",
    "unique",
    "unlock",
    "unsigned",
    "update",
    "usage",
    "use",
    "using",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "values",
    "varbinary",
    "varchar",
    "varcharacter",
    "varying",
    "virtual",
    "when",
    "where",
    "while",
    "window",
    "with",
    "write",
    "xor",
    "year_month",
    "zerofill",
];

/// MariaDB 10.11's reserved words: the "Reserved Words" page of the MariaDB documentation
/// (<https://mariadb.com/kb/en/reserved-words/>), checked against what a 10.11 server rejects
/// as an unquoted column name (a live test probes every word of its
/// `INFORMATION_SCHEMA.KEYWORDS`). MariaDB does not reserve several words MySQL 8.0 does
/// (`database`, `schema`, `option`, `window`, `rank`, ...) and reserves others MySQL does not
/// (`current_role`, `offset`, `returning`, `ref_system_id`, ...). `general`,
/// `ignore_server_ids`, `master_heartbeat_period` and `slow` are on the page but accepted
/// unquoted by 10.11; they stay listed, as older releases reserve them.
pub(crate) const MARIADB_RESERVED: &[&str] = &[
    "accessible",
    "add",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "asensitive",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "both",
    "by",
    "call",
    "cascade",
    "case",
    "change",
    "char",
    "character",
    "check",
    "collate",
    "column",
    "condition",
    "constraint",
    "continue",
    "convert",
    "create",
    "cross",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "databases",
    "day_hour",
    "day_microsecond",
    "day_minute",
    "day_second",
    "dec",
    "decimal",
    "declare",
    "default",
    "delayed",
    "delete",
    "delete_domain_id",
    "desc",
    "describe",
    "deterministic",
    "distinct",
    "distinctrow",
    "div",
    "do_domain_ids",
    "double",
    "drop",
    "dual",
    "each",
    "else",
    "elseif",
    "enclosed",
    "escaped",
    "except",
    "exists",
    "exit",
    "explain",
    "false",
    "fetch",
    "float",
    "float4",
    "float8",
    "for",
    "force",
    "foreign",
    "from",
    "fulltext",
    "general",
    "grant",
    "group",
    "having",
    "high_priority",
    "hour_microsecond",
    "hour_minute",
    "hour_second",
    "if",
    "ignore",
    "ignore_domain_ids",
    "ignore_server_ids",
    "in",
    "index",
    "infile",
    "inner",
    "inout",
    "insensitive",
    "insert",
    "int",
    "int1",
    "int2",
    "int3",
    "int4",
    "int8",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "iterate",
    "join",
    "key",
    "keys",
    "kill",
    "leading",
    "leave",
    "left",
    "like",
    "limit",
    "linear",
    "lines",
    "load",
    "localtime",
    "localtimestamp",
    "lock",
    "long",
    "longblob",
    "longtext",
    "loop",
    "low_priority",
    "master_demote_to_replica",
    "master_demote_to_slave",
    "master_heartbeat_period",
    "master_ssl_verify_server_cert",
    "match",
    "maxvalue",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "middleint",
    "minute_microsecond",
    "minute_second",
    "mod",
    "modifies",
    "natural",
    "no_write_to_binlog",
    "not",
    "null",
    "numeric",
    "offset",
    "on",
    "optimize",
    "optionally",
    "or",
    "order",
    "out",
    "outer",
    "outfile",
    "over",
    "page_checksum",
    "parse_vcol_expr",
    "partition",
    "portion",
    "precision",
    "primary",
    "procedure",
    "purge",
    "range",
    "read",
    "read_write",
    "reads",
    "real",
    "recursive",
    "ref_system_id",
    "references",
    "regexp",
    "release",
    "rename",
    "repeat",
    "replace",
    "require",
    "resignal",
    "restrict",
    "return",
    "returning",
    "revoke",
    "right",
    "rlike",
    "row_number",
    "rows",
    "schemas",
    "second_microsecond",
    "select",
    "sensitive",
    "separator",
    "set",
    "show",
    "signal",
    "slow",
    "smallint",
    "spatial",
    "specific",
    "sql",
    "sql_big_result",
    "sql_calc_found_rows",
    "sql_small_result",
    "sqlexception",
    "sqlstate",
    "sqlwarning",
    "ssl",
    "starting",
    "stats_auto_recalc",
    "stats_persistent",
    "stats_sample_pages",
    "straight_join",
    "table",
    "terminated",
    "then",
    "tinyblob",
    "tinyint",
    "tinytext",
    "to",
    "trailing",
    "trigger",
    "true",
    "undo",
    "union",
    "unique",
    "unlock",
    "unsigned",
    "update",
    "usage",
    "use",
    "using",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "values",
    "varbinary",
    "varchar",
    "varcharacter",
    "varying",
    "when",
    "where",
    "while",
    "with",
    "write",
    "xor",
    "year_month",
    "zerofill",
];

/// MaxCompute SQL's reserved words and keywords, as listed in "Reserved words and keywords"
/// (<https://www.alibabacloud.com/help/en/maxcompute/user-guide/reserved-words-and-keywords>),
/// without the operator symbols.
pub(crate) const MAXCOMPUTE_RESERVED: &[&str] = &[
    "add",
    "after",
    "all",
    "alter",
    "analyze",
    "and",
    "archive",
    "array",
    "as",
    "asc",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "boolean",
    "both",
    "bucket",
    "buckets",
    "by",
    "cascade",
    "case",
    "cast",
    "cfile",
    "change",
    "cluster",
    "clustered",
    "clusterstatus",
    "collection",
    "column",
    "columns",
    "comment",
    "compute",
    "concatenate",
    "continue",
    "create",
    "cross",
    "current",
    "cursor",
    "data",
    "database",
    "databases",
    "date",
    "datetime",
    "dbproperties",
    "decimal",
    "deferred",
    "delete",
    "delimited",
    "desc",
    "describe",
    "directory",
    "disable",
    "distinct",
    "distribute",
    "double",
    "drop",
    "else",
    "enable",
    "end",
    "escaped",
    "except",
    "exclusive",
    "exists",
    "explain",
    "export",
    "extended",
    "external",
    "false",
    "fetch",
    "fields",
    "fileformat",
    "first",
    "float",
    "following",
    "format",
    "formatted",
    "from",
    "full",
    "function",
    "functions",
    "grant",
    "group",
    "having",
    "hold_ddltime",
    "idxproperties",
    "if",
    "import",
    "in",
    "index",
    "indexes",
    "inpath",
    "inputdriver",
    "inputformat",
    "insert",
    "int",
    "intersect",
    "into",
    "is",
    "items",
    "join",
    "keys",
    "lateral",
    "left",
    "lifecycle",
    "like",
    "limit",
    "lines",
    "load",
    "local",
    "location",
    "lock",
    "locks",
    "long",
    "map",
    "mapjoin",
    "materialized",
    "minus",
    "msck",
    "no_drop",
    "not",
    "null",
    "of",
    "offline",
    "offset",
    "on",
    "option",
    "or",
    "order",
    "out",
    "outer",
    "outputdriver",
    "outputformat",
    "over",
    "overwrite",
    "partition",
    "partitioned",
    "partitionproperties",
    "partitions",
    "percent",
    "plus",
    "preceding",
    "preserve",
    "procedure",
    "purge",
    "range",
    "rcfile",
    "read",
    "readonly",
    "reads",
    "rebuild",
    "recordreader",
    "recordwriter",
    "reduce",
    "regexp",
    "rename",
    "repair",
    "replace",
    "restrict",
    "revoke",
    "right",
    "rlike",
    "row",
    "rows",
    "schema",
    "schemas",
    "select",
    "semi",
    "sequencefile",
    "serde",
    "serdeproperties",
    "set",
    "shared",
    "show",
    "show_database",
    "smallint",
    "sort",
    "sorted",
    "ssl",
    "statistics",
    "status",
    "stored",
    "streamtable",
    "string",
    "struct",
    "table",
    "tables",
    "tablesample",
    "tblproperties",
    "temporary",
    "terminated",
    "textfile",
    "then",
    "timestamp",
    "tinyint",
    "to",
    "touch",
    "transform",
    "trigger",
    "true",
    "unarchive",
    "unbounded",
    "undo",
    "union",
    "uniontype",
    "uniquejoin",
    "unlock",
    "unsigned",
    "update",
    "use",
    "using",
    "utc",
    "utc_timestamp",
    "view",
    "when",
    "where",
    "while",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Version;

    #[test]
    fn reserved_lists_are_sorted_and_lower_case() {
        for list in [
            PG_RESERVED,
            GREENPLUM_RESERVED,
            MYSQL_RESERVED,
            MARIADB_RESERVED,
            MAXCOMPUTE_RESERVED,
        ] {
            for w in list.windows(2) {
                assert!(w[0] < w[1], "{} before {}", w[0], w[1]);
            }
            for w in list {
                assert_eq!(*w, w.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn reserved_words_follow_each_engines_own_list() {
        // PostgreSQL 16 reserved system_user; 15 did not.
        assert!(!is_reserved(Dialect::POSTGRES_15, "system_user"));
        assert!(is_reserved(
            Dialect::PostgreSql(Version::new(16, 0)),
            "system_user"
        ));
        // Greenplum 6 reserves these beyond PostgreSQL, but not rows, range, over, filter.
        for w in ["scatter", "distributed", "log", "partition", "following"] {
            assert!(is_reserved(Dialect::ANALYTICDB, w), "{w}");
            assert!(!is_reserved(Dialect::POSTGRES_15, w), "{w}");
        }
        for w in ["rows", "range", "over", "filter", "percent"] {
            assert!(!is_reserved(Dialect::ANALYTICDB, w), "{w}");
        }
        // MariaDB is not MySQL.
        for w in [
            "database", "schema", "option", "window", "rank", "row", "of",
        ] {
            assert!(is_reserved(Dialect::MYSQL_80, w), "{w}");
            assert!(!is_reserved(Dialect::MARIADB_1011, w), "{w}");
        }
        for w in [
            "offset",
            "returning",
            "current_role",
            "ref_system_id",
            "portion",
        ] {
            assert!(!is_reserved(Dialect::MYSQL_80, w), "{w}");
            assert!(is_reserved(Dialect::MARIADB_1011, w), "{w}");
        }
        assert!(is_reserved(Dialect::MYSQL_80, "_filename"));
        // MaxCompute lists EXCEPT, not FOR.
        assert!(is_reserved(Dialect::MAXCOMPUTE, "except"));
        assert!(!is_reserved(Dialect::MAXCOMPUTE, "for"));
    }

    #[test]
    fn quoting_decisions() {
        assert!(needs_quoting(Dialect::POSTGRES_15, "OrderId"));
        assert!(needs_quoting(Dialect::POSTGRES_15, "order"));
        assert!(!needs_quoting(Dialect::POSTGRES_15, "order_id"));
        assert!(needs_quoting(Dialect::POSTGRES_15, "1st"));
        assert!(!needs_quoting(Dialect::MYSQL_80, "OrderId"));
        assert!(needs_quoting(Dialect::MYSQL_80, "123"));
        assert!(!needs_quoting(Dialect::MYSQL_80, "1st"));
        assert!(needs_quoting(Dialect::MYSQL_80, "a-b"));
        assert!(needs_quoting(Dialect::MAXCOMPUTE, "string"));
        assert!(needs_quoting(Dialect::POSTGRES_15, ""));
    }

    #[test]
    fn long_names_are_cut_distinctly_within_the_limit() {
        let a = format!("{}a", "n".repeat(80));
        let b = format!("{}b", "n".repeat(80));
        let (sa, ca) = fit_identifier(Dialect::POSTGRES_15, &a);
        let (sb, _) = fit_identifier(Dialect::POSTGRES_15, &b);
        assert!(ca);
        assert_ne!(sa, sb);
        assert_eq!(sa.len(), 63);
        // PostgreSQL counts bytes, MySQL characters.
        let wide = "é".repeat(40);
        assert!(fit_identifier(Dialect::POSTGRES_15, &wide).1);
        assert!(!fit_identifier(Dialect::MYSQL_80, &wide).1);
        let (s, _) = fit_identifier(Dialect::POSTGRES_15, &wide);
        assert!(s.len() <= 63);
    }
}
