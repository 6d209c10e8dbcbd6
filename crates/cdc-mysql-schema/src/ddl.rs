//! The DDL grammar: statements that change table schemas, parsed into plain data; every other
//! statement classified.
//!
//! Lexing is sqlparser's MySQL tokenizer (MySQL quoting, backslash escapes, `#`/`--`/`/* */`
//! comments, back-quoted identifiers). The statement grammar is ours: sqlparser 0.63's
//! `MySqlDialect` rejects too much real MySQL/MariaDB DDL to be the parser of a replication
//! stream (see the crate docs for the list, pinned by a test), and a statement that does not
//! parse must never be skipped. Expressions (defaults, generated columns, checks) are kept as
//! canonical token text ([`canonical_expression`]), not interpreted.

use std::borrow::Cow;

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::error::{Error, ErrorKind, Result, TextPos};

/// A table name as written: optional database qualifier and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The database, when qualified.
    pub database: Option<String>,
    /// The table.
    pub name: String,
}

/// The base of a column's data type as written (synonyms resolved: `INTEGER` is `Int`,
/// `NUMERIC` is `Decimal`, `NVARCHAR` is `VarChar` with `national`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BaseType {
    TinyInt,
    /// `BOOL`/`BOOLEAN`: `TINYINT(1)`.
    Bool,
    SmallInt,
    MediumInt,
    Int,
    BigInt,
    /// `SERIAL`: `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`.
    Serial,
    Float,
    Double,
    Decimal,
    Bit,
    Year,
    Date,
    Time,
    DateTime,
    Timestamp,
    Char,
    VarChar,
    Binary,
    VarBinary,
    TinyText,
    Text,
    MediumText,
    LongText,
    TinyBlob,
    Blob,
    MediumBlob,
    LongBlob,
    Enum,
    Set,
    Json,
    Geometry,
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    GeometryCollection,
    Uuid,
    Inet4,
    Inet6,
    Vector,
}

/// A data type as written, with its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataType {
    /// The base type.
    pub base: BaseType,
    /// First parenthesised number: length, display width, precision or fsp.
    pub length: Option<u64>,
    /// Second parenthesised number: scale.
    pub scale: Option<u64>,
    /// ENUM/SET member labels.
    pub labels: Vec<String>,
    /// `UNSIGNED` (or implied by `ZEROFILL`).
    pub unsigned: bool,
    /// `ZEROFILL`.
    pub zerofill: bool,
    /// `CHARACTER SET`/`CHARSET` (lower-cased), or `latin1` for `ASCII`, `ucs2` for `UNICODE`,
    /// `utf8mb3` for `NATIONAL`/`NCHAR`.
    pub charset: Option<String>,
    /// `COLLATE` (lower-cased).
    pub collation: Option<String>,
    /// The `BINARY` attribute of a character type (the charset's `_bin` collation).
    pub binary: bool,
}

/// A literal column default, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    /// A string (introducer dropped).
    Str(String),
    /// A number, with its sign (`-1`, `1.50`, `1e3`).
    Number(String),
    /// `TRUE`/`FALSE`.
    Bool(bool),
    /// `b'0101'`: the digits.
    Bits(String),
    /// `x'ff'` or `0xff`: the hex digits.
    Hex(String),
}

/// A column default as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefaultSpec {
    /// `DEFAULT NULL`.
    Null,
    /// A literal.
    Literal(Literal),
    /// An expression, in canonical token text (`current_timestamp(3)`, `uuid()`).
    Expression(String),
}

/// Where `ADD`/`MODIFY`/`CHANGE` put the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnPosition {
    /// At the end (`ADD`) or where it was (`MODIFY`/`CHANGE`).
    Default,
    /// `FIRST`.
    First,
    /// `AFTER col`.
    After(String),
}

/// A key declared inline in a column definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InlineKey {
    /// `PRIMARY KEY` or `KEY`.
    Primary,
    /// `UNIQUE [KEY]`.
    Unique,
}

/// A column definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// Column name.
    pub name: String,
    /// Type.
    pub data_type: DataType,
    /// `NULL` (true) or `NOT NULL` (false), when written.
    pub nullable: Option<bool>,
    /// `DEFAULT`.
    pub default: Option<DefaultSpec>,
    /// `ON UPDATE expr` (canonical text).
    pub on_update: Option<String>,
    /// `AUTO_INCREMENT`.
    pub auto_increment: bool,
    /// Inline keys.
    pub keys: Vec<InlineKey>,
    /// `COMMENT`.
    pub comment: Option<String>,
    /// `[GENERATED ALWAYS] AS (expr)`: canonical expression text and whether stored.
    pub generated: Option<(String, bool)>,
    /// `INVISIBLE`.
    pub invisible: bool,
}

/// The kind of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// `PRIMARY KEY`.
    Primary,
    /// `UNIQUE`.
    Unique,
    /// `KEY`/`INDEX`.
    Index,
    /// `FULLTEXT`.
    Fulltext,
    /// `SPATIAL`.
    Spatial,
}

/// One part of an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPart {
    /// Column name (or the canonical text of a functional key part, in parentheses).
    pub column: String,
    /// Prefix length.
    pub prefix: Option<u32>,
    /// `DESC`.
    pub descending: bool,
}

/// An index definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDef {
    /// Kind.
    pub kind: KeyKind,
    /// Index name (for `CONSTRAINT c UNIQUE`, `c` unless the index is named too).
    pub name: Option<String>,
    /// Parts.
    pub parts: Vec<KeyPart>,
    /// MariaDB `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

/// Table options that matter for schemas.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// `[DEFAULT] CHARACTER SET`/`CHARSET` (lower-cased).
    pub charset: Option<String>,
    /// `[DEFAULT] COLLATE` (lower-cased).
    pub collation: Option<String>,
    /// `COMMENT`.
    pub comment: Option<String>,
}

/// One element of a `CREATE TABLE` body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // columns are the common case; boxing buys nothing
pub enum TableElement {
    /// A column.
    Column(ColumnDef),
    /// An index.
    Key(KeyDef),
    /// A foreign key, check constraint or period: not part of the tracked schema.
    Other,
}

/// One `ALTER TABLE` specification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AlterSpec {
    /// `ADD [COLUMN] [IF NOT EXISTS] def [FIRST|AFTER c]`.
    AddColumn {
        def: ColumnDef,
        position: ColumnPosition,
        if_not_exists: bool,
    },
    /// `DROP [COLUMN] [IF EXISTS] c`.
    DropColumn { name: String, if_exists: bool },
    /// `MODIFY [COLUMN] [IF EXISTS] def [FIRST|AFTER c]`.
    ModifyColumn {
        def: ColumnDef,
        position: ColumnPosition,
        if_exists: bool,
    },
    /// `CHANGE [COLUMN] [IF EXISTS] old def [FIRST|AFTER c]`.
    ChangeColumn {
        old: String,
        def: ColumnDef,
        position: ColumnPosition,
        if_exists: bool,
    },
    /// `RENAME COLUMN [IF EXISTS] a TO b`.
    RenameColumn {
        old: String,
        new: String,
        if_exists: bool,
    },
    /// `ALTER [COLUMN] c SET DEFAULT x` / `DROP DEFAULT`.
    AlterDefault {
        column: String,
        default: Option<DefaultSpec>,
    },
    /// `ALTER [COLUMN] c SET VISIBLE|INVISIBLE`.
    AlterVisibility { column: String, invisible: bool },
    /// `ADD ... KEY/INDEX/UNIQUE/PRIMARY KEY ...`.
    AddKey(KeyDef),
    /// `DROP PRIMARY KEY`.
    DropPrimaryKey,
    /// `DROP INDEX|KEY [IF EXISTS] name`.
    DropIndex { name: String, if_exists: bool },
    /// `DROP CONSTRAINT [IF EXISTS] name`: drops the unique key of that name if there is one
    /// (MySQL 8), else a foreign key or check (no schema effect).
    DropConstraint { name: String },
    /// `RENAME INDEX|KEY a TO b`.
    RenameIndex { old: String, new: String },
    /// `RENAME [TO|AS] name`.
    RenameTable(Name),
    /// `CONVERT TO CHARACTER SET cs [COLLATE c]`.
    ConvertTo {
        charset: String,
        collation: Option<String>,
    },
    /// Table options (`DEFAULT CHARSET=`, `COMMENT=`, `ENGINE=` ...).
    Options(TableOptions),
    /// A specification that changes no column or key (`ALGORITHM=INPLACE`, `LOCK=NONE`,
    /// `FORCE`, foreign keys, checks, partitions ...), with what it was.
    NoSchemaEffect(String),
}

/// Why a statement does not change any table schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoredKind {
    /// Empty, or only comments.
    Empty,
    /// `BEGIN`, `COMMIT`, `XA ...`, `SAVEPOINT` ...
    Transaction,
    /// `INSERT`, `UPDATE`, `DELETE`, `REPLACE`, `LOAD DATA`, `SELECT`, `CALL`, `DO` ...
    Dml,
    /// `GRANT`, `REVOKE`, `CREATE/ALTER/DROP/RENAME USER`, roles, `SET PASSWORD`.
    Account,
    /// Views, procedures, functions, triggers, events, servers, packages.
    Routine,
    /// `CREATE/DROP/ALTER SEQUENCE` (MariaDB): sequence tables are not tracked.
    Sequence,
    /// `CREATE/DROP TEMPORARY TABLE`: temporary tables never carry row events.
    Temporary,
    /// `FLUSH`, `ANALYZE`, `OPTIMIZE`, `REPAIR`, `CHECK`, `SET`, `LOCK`, `PURGE`, plugins,
    /// tablespaces ...
    Administrative,
}

/// A parsed statement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Statement {
    /// `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name (elements) options`.
    CreateTable {
        name: Name,
        or_replace: bool,
        if_not_exists: bool,
        elements: Vec<TableElement>,
        options: TableOptions,
    },
    /// `CREATE TABLE name LIKE other` (or `(LIKE other)`).
    CreateTableLike {
        name: Name,
        or_replace: bool,
        if_not_exists: bool,
        like: Name,
    },
    /// `ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] name specs`.
    AlterTable {
        name: Name,
        if_exists: bool,
        specs: Vec<AlterSpec>,
    },
    /// `DROP TABLE [IF EXISTS] a, b`.
    DropTables { names: Vec<Name>, if_exists: bool },
    /// `RENAME TABLE a TO b, c TO d`.
    RenameTables(Vec<(Name, Name)>),
    /// `TRUNCATE [TABLE] name`.
    Truncate(Name),
    /// `CREATE INDEX ... ON name (...)`.
    CreateIndex { table: Name, key: KeyDef },
    /// `DROP INDEX [IF EXISTS] name ON table`.
    DropIndex {
        table: Name,
        name: String,
        if_exists: bool,
    },
    /// `CREATE DATABASE|SCHEMA`.
    CreateDatabase {
        name: String,
        or_replace: bool,
        if_not_exists: bool,
        charset: Option<String>,
        collation: Option<String>,
    },
    /// `DROP DATABASE|SCHEMA`.
    DropDatabase { name: String, if_exists: bool },
    /// `ALTER DATABASE|SCHEMA [name] options`.
    AlterDatabase {
        name: Option<String>,
        charset: Option<String>,
        collation: Option<String>,
    },
    /// A statement that changes no table schema.
    Ignored(IgnoredKind),
}

/// Parses one statement (a trailing `;` is allowed). Statements that do not change table
/// schemas are classified as [`Statement::Ignored`] without being parsed further.
///
/// ```
/// use cdc_mysql_schema::ddl::{parse, Statement, AlterSpec};
/// let st = parse("ALTER TABLE t ADD COLUMN c INT AFTER a, ALGORITHM=INPLACE, LOCK=NONE").unwrap();
/// let Statement::AlterTable { specs, .. } = st else { panic!() };
/// assert!(matches!(specs[0], AlterSpec::AddColumn { .. }));
/// ```
pub fn parse(sql: &str) -> Result<Statement> {
    let text = unwrap_executable_comments(sql);
    let toks = tokenize(&text).map_err(|e| e.in_statement(sql))?;
    let mut p = P { toks: &toks, i: 0 };
    p.statement().map_err(|e| e.in_statement(sql))
}

/// Tokens without white space and comments.
fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>> {
    let dialect = MySqlDialect {};
    let toks = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| {
            Error::new(ErrorKind::Syntax(e.message.clone())).at_text(TextPos {
                line: e.location.line,
                column: e.location.column,
            })
        })?;
    Ok(toks
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect())
}

/// MySQL runs the text of `/*! ... */` and `/*!NNNNN ... */` (and MariaDB's `/*M!NNNNNN ...*/`)
/// comments as SQL; the server that wrote the binlog ran them, so they are unwrapped. Other
/// comments stay comments. Quoted strings and identifiers are left alone.
pub fn unwrap_executable_comments(sql: &str) -> Cow<'_, str> {
    if !sql.contains("/*!") && !sql.contains("/*M!") {
        return Cow::Borrowed(sql);
    }
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut start = 0; // start of text not yet copied
    let mut in_exec = false;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        match c {
            b'\'' | b'"' | b'`' => {
                // Skip a quoted run; backslash escapes only in strings.
                let q = c;
                i += 1;
                while i < b.len() {
                    let d = b.get(i).copied().unwrap_or(0);
                    if d == b'\\' && q != b'`' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if d == q {
                        if b.get(i) == Some(&q) {
                            i += 1;
                            continue;
                        }
                        break;
                    }
                }
            }
            b'*' if in_exec && b.get(i + 1) == Some(&b'/') => {
                out.push_str(sql.get(start..i).unwrap_or_default());
                out.push(' ');
                i += 2;
                start = i;
                in_exec = false;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let rest = sql.get(i + 2..).unwrap_or_default();
                let exec = if rest.starts_with('!') {
                    Some(1)
                } else if rest.starts_with("M!") {
                    Some(2)
                } else {
                    None
                };
                match exec {
                    Some(skip) if !in_exec => {
                        out.push_str(sql.get(start..i).unwrap_or_default());
                        out.push(' ');
                        i += 2 + skip;
                        while b.get(i).is_some_and(u8::is_ascii_digit) {
                            i += 1;
                        }
                        start = i;
                        in_exec = true;
                    }
                    _ => {
                        // An ordinary comment: skip to its end.
                        match rest.find("*/") {
                            Some(end) => i += 2 + end + 2,
                            None => i = b.len(),
                        }
                    }
                }
            }
            b'#' => {
                while i < b.len() && b.get(i) != Some(&b'\n') {
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-')
                && b.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                while i < b.len() && b.get(i) != Some(&b'\n') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(sql.get(start..).unwrap_or_default());
    Cow::Owned(out)
}

/// Canonical text of an expression: tokens without comments, unquoted identifiers and keywords
/// lower-cased, quoted identifiers unquoted (column names are case-insensitive in MySQL),
/// strings single-quoted with `''`, and a fixed spacing. Two spellings that differ only in
/// quoting, case and spacing get the same text (`` `a`+1 `` and `A + 1` are `a + 1`), which is
/// how a catalog's expression text and a DDL's compare.
///
/// ```
/// use cdc_mysql_schema::ddl::canonical_expression;
/// assert_eq!(canonical_expression("CONCAT(`a`,'X' )").unwrap(), "concat(a, 'X')");
/// assert_eq!(canonical_expression("a+1").unwrap(), "a + 1");
/// ```
pub fn canonical_expression(text: &str) -> Result<String> {
    let toks = tokenize(text)?;
    Ok(canonical_tokens(&toks))
}

fn canonical_tokens(toks: &[TokenWithSpan]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Token> = None;
    for t in toks {
        let tok = &t.token;
        let space = !matches!(
            (prev, tok),
            (None, _)
                | (_, Token::RParen | Token::Comma | Token::Period)
                | (Some(Token::LParen | Token::Period), _)
                | (Some(Token::Word(_)), Token::LParen)
        );
        if space {
            out.push(' ');
        }
        match tok {
            Token::Word(w) => out.push_str(&w.value.to_lowercase()),
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            Token::SingleQuotedByteStringLiteral(s) => {
                out.push_str("b'");
                out.push_str(s);
                out.push('\'');
            }
            Token::HexStringLiteral(s) => {
                out.push_str("x'");
                out.push_str(&s.to_lowercase());
                out.push('\'');
            }
            other => out.push_str(&other.to_string().to_lowercase()),
        }
        prev = Some(tok);
    }
    out
}

/// Recursive-descent cursor over the tokens.
struct P<'a> {
    toks: &'a [TokenWithSpan],
    i: usize,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

impl<'a> P<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.i).map(|t| &t.token)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Token> {
        self.toks.get(self.i + n).map(|t| &t.token)
    }

    fn here(&self) -> TextPos {
        match self.toks.get(self.i).or_else(|| self.toks.last()) {
            Some(t) => TextPos {
                line: t.span.start.line,
                column: t.span.start.column,
            },
            None => TextPos::default(),
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T> {
        let found = match self.peek() {
            Some(t) => format!("`{t}`"),
            None => "the end of the statement".to_string(),
        };
        Err(
            Error::new(ErrorKind::Syntax(format!("{}, found {found}", msg.into())))
                .at_text(self.here()),
        )
    }

    fn unsupported<T>(&self, msg: impl Into<String>) -> Result<T> {
        Err(Error::new(ErrorKind::Unsupported(msg.into())).at_text(self.here()))
    }

    fn at_end(&self) -> bool {
        matches!(self.peek(), None | Some(Token::EOF))
    }

    /// True when the next token is the unquoted word `w` (case-insensitive).
    fn is_word(&self, w: &str) -> bool {
        self.is_word_at(0, w)
    }

    fn is_word_at(&self, n: usize, w: &str) -> bool {
        matches!(self.peek_at(n), Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
    }

    fn word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn words(&mut self, ws: &[&str]) -> bool {
        if ws.iter().enumerate().all(|(n, w)| self.is_word_at(n, w)) {
            self.i += ws.len();
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<()> {
        if self.word(w) {
            Ok(())
        } else {
            self.err(format!("expected {}", w.to_uppercase()))
        }
    }

    fn tok(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect_tok(&mut self, t: &Token) -> Result<()> {
        if self.tok(t) {
            Ok(())
        } else {
            self.err(format!("expected `{t}`"))
        }
    }

    /// The next unquoted word, lower-cased, without consuming it.
    fn peek_keyword(&self) -> Option<String> {
        match self.peek() {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(lower(&w.value)),
            _ => None,
        }
    }

    /// An identifier: a word (quoted or not).
    fn ident(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                self.i += 1;
                Ok(w.value.clone())
            }
            _ => self.err("expected an identifier"),
        }
    }

    /// `name` or `db.name`.
    fn name(&mut self) -> Result<Name> {
        let first = self.ident()?;
        if self.tok(&Token::Period) {
            let second = self.ident()?;
            Ok(Name {
                database: Some(first),
                name: second,
            })
        } else {
            Ok(Name {
                database: None,
                name: first,
            })
        }
    }

    /// A string literal.
    fn string(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                self.i += 1;
                Ok(s.clone())
            }
            _ => self.err("expected a string"),
        }
    }

    /// A name or a string (charset and collation names may be either).
    fn name_or_string(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                self.i += 1;
                Ok(s.clone())
            }
            Some(Token::Word(w)) => {
                self.i += 1;
                Ok(w.value.clone())
            }
            _ => self.err("expected a name"),
        }
    }

    fn number(&mut self) -> Result<u64> {
        match self.peek() {
            Some(Token::Number(n, _)) => match n.parse() {
                Ok(v) => {
                    self.i += 1;
                    Ok(v)
                }
                Err(_) => self.err("expected an unsigned integer"),
            },
            _ => self.err("expected a number"),
        }
    }

    fn eq_opt(&mut self) {
        self.tok(&Token::Eq);
    }

    /// Skips a balanced parenthesised group starting at `(`; returns the tokens inside.
    fn balanced(&mut self) -> Result<&'a [TokenWithSpan]> {
        self.expect_tok(&Token::LParen)?;
        let start = self.i;
        let mut depth = 1usize;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        let inner = self.toks.get(start..self.i).unwrap_or_default();
                        self.i += 1;
                        return Ok(inner);
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        self.err("unbalanced parentheses: expected `)`")
    }

    /// Skips tokens up to (not including) the next top-level `,` or the closing `)` of the
    /// enclosing group, or the end.
    fn skip_to_element_end(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => return,
                Token::RParen => depth -= 1,
                Token::Comma | Token::SemiColon if depth == 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.tok(&Token::SemiColon);
        if self.at_end() {
            Ok(())
        } else {
            self.err("expected the end of the statement")
        }
    }

    // ---------------------------------------------------------------------------------------
    // Statements

    fn statement(&mut self) -> Result<Statement> {
        let Some(first) = self.peek_keyword() else {
            if self.at_end() || self.peek() == Some(&Token::SemiColon) {
                return Ok(Statement::Ignored(IgnoredKind::Empty));
            }
            if self.peek() == Some(&Token::LParen) {
                // `(SELECT ...)`
                return Ok(Statement::Ignored(IgnoredKind::Dml));
            }
            return self.err("expected a statement");
        };
        use IgnoredKind::*;
        let ignored = |k| Ok(Statement::Ignored(k));
        match first.as_str() {
            "begin" | "commit" | "rollback" | "xa" | "savepoint" | "release" | "start" => {
                ignored(Transaction)
            }
            "insert" | "update" | "delete" | "replace" | "select" | "with" | "load" | "call"
            | "do" | "values" | "table" | "handler" => ignored(Dml),
            "grant" | "revoke" => ignored(Account),
            "flush" | "analyze" | "optimize" | "repair" | "check" | "checksum" | "set" | "lock"
            | "unlock" | "purge" | "install" | "uninstall" | "reset" | "kill" | "binlog"
            | "cache" | "shutdown" | "change" | "stop" | "show" | "explain" | "describe"
            | "desc" | "use" | "help" | "prepare" | "execute" | "deallocate" | "signal"
            | "resignal" | "get" | "backup" => ignored(Administrative),
            "create" => self.create(),
            "alter" => self.alter(),
            "drop" => self.drop(),
            "rename" => self.rename(),
            "truncate" => {
                self.i += 1;
                self.word("table");
                let name = self.name()?;
                self.finish()?;
                Ok(Statement::Truncate(name))
            }
            other => self.unsupported(format!("statement {}", other.to_uppercase())),
        }
    }

    /// Skips `DEFINER = user`, `SQL SECURITY x`, `ALGORITHM = x`, `AGGREGATE` before the
    /// object kind of a `CREATE`/`ALTER`.
    fn skip_routine_prefixes(&mut self) {
        loop {
            if self.word("definer") {
                self.eq_opt();
                // user, 'user'@'host', `user`@`host`, CURRENT_USER[()]
                self.i += 1;
                if self.tok(&Token::LParen) {
                    self.tok(&Token::RParen);
                }
                // `@'host'` lexes as a word or an `@` followed by a string.
                while let Some(t) = self.peek() {
                    match t {
                        Token::AtSign => {
                            self.i += 2;
                        }
                        Token::Word(w) if w.value.starts_with('@') => self.i += 1,
                        _ => break,
                    }
                }
            } else if self.words(&["sql", "security"]) {
                self.i += 1;
            } else if self.word("algorithm") {
                self.eq_opt();
                self.i += 1;
            } else if self.word("aggregate") || self.word("nonatomic") {
            } else {
                return;
            }
        }
    }

    fn create(&mut self) -> Result<Statement> {
        use IgnoredKind::*;
        self.i += 1;
        let or_replace = self.words(&["or", "replace"]);
        self.skip_routine_prefixes();
        if self.word("temporary") {
            return Ok(Statement::Ignored(Temporary));
        }
        let Some(kind) = self.peek_keyword() else {
            return self.err("expected an object kind after CREATE");
        };
        match kind.as_str() {
            "table" => {
                self.i += 1;
                self.create_table(or_replace)
            }
            "database" | "schema" => {
                self.i += 1;
                let if_not_exists = self.words(&["if", "not", "exists"]);
                let name = self.ident()?;
                let (charset, collation) = self.database_options()?;
                self.finish()?;
                Ok(Statement::CreateDatabase {
                    name,
                    or_replace,
                    if_not_exists,
                    charset,
                    collation,
                })
            }
            "unique" | "fulltext" | "spatial" | "index" => self.create_index(),
            "user" | "role" => Ok(Statement::Ignored(Account)),
            "view" | "procedure" | "function" | "trigger" | "event" | "server" | "package" => {
                Ok(Statement::Ignored(Routine))
            }
            "sequence" => Ok(Statement::Ignored(Sequence)),
            "tablespace" | "logfile" | "spatial_reference_system" | "resource" => {
                Ok(Statement::Ignored(Administrative))
            }
            other => self.unsupported(format!("CREATE {}", other.to_uppercase())),
        }
    }

    fn database_options(&mut self) -> Result<(Option<String>, Option<String>)> {
        let (mut cs, mut coll) = (None, None);
        loop {
            self.word("default");
            if self.words(&["character", "set"]) || self.word("charset") {
                self.eq_opt();
                cs = Some(lower(&self.name_or_string()?));
            } else if self.word("collate") {
                self.eq_opt();
                coll = Some(lower(&self.name_or_string()?));
            } else if self.word("comment") || self.word("encryption") {
                self.eq_opt();
                self.string()?;
            } else if self.words(&["read", "only"]) {
                self.eq_opt();
                self.i += 1;
            } else {
                break;
            }
        }
        Ok((cs, coll))
    }

    fn create_table(&mut self, or_replace: bool) -> Result<Statement> {
        let if_not_exists = self.words(&["if", "not", "exists"]);
        let name = self.name()?;
        if self.word("like") {
            let like = self.name()?;
            self.finish()?;
            return Ok(Statement::CreateTableLike {
                name,
                or_replace,
                if_not_exists,
                like,
            });
        }
        if self.peek() == Some(&Token::LParen) && self.is_word_at(1, "like") {
            self.i += 2;
            let like = self.name()?;
            self.expect_tok(&Token::RParen)?;
            self.finish()?;
            return Ok(Statement::CreateTableLike {
                name,
                or_replace,
                if_not_exists,
                like,
            });
        }
        if !self.tok(&Token::LParen) {
            return self.unsupported(
                "CREATE TABLE without a column list (CREATE TABLE ... SELECT is logged with its \
                 columns in row-based binlogs)",
            );
        }
        let mut elements = Vec::new();
        loop {
            elements.push(self.table_element()?);
            if self.tok(&Token::Comma) {
                continue;
            }
            self.expect_tok(&Token::RParen)?;
            break;
        }
        let options = self.table_options()?;
        // Partitioning and a trailing `[IGNORE|REPLACE] [AS] SELECT` change no column.
        if ["partition", "as", "select", "ignore", "replace"]
            .iter()
            .any(|w| self.is_word(w))
        {
            while !self.at_end() && self.peek() != Some(&Token::SemiColon) {
                self.i += 1;
            }
        }
        self.finish()?;
        Ok(Statement::CreateTable {
            name,
            or_replace,
            if_not_exists,
            elements,
            options,
        })
    }

    /// Table options (comma-separated or not) until something that is not one.
    fn table_options(&mut self) -> Result<TableOptions> {
        let mut o = TableOptions::default();
        loop {
            self.tok(&Token::Comma);
            let save = self.i;
            self.word("default");
            if self.words(&["character", "set"]) || self.word("charset") {
                self.eq_opt();
                o.charset = Some(lower(&self.name_or_string()?));
                continue;
            }
            if self.word("collate") {
                self.eq_opt();
                o.collation = Some(lower(&self.name_or_string()?));
                continue;
            }
            self.i = save;
            if self.word("comment") {
                self.eq_opt();
                o.comment = Some(self.string()?);
                continue;
            }
            if self.words(&["with", "system", "versioning"]) {
                continue;
            }
            if self.word("union") {
                self.eq_opt();
                self.balanced()?;
                continue;
            }
            let Some(k) = self.peek_keyword() else { break };
            if is_table_option(&k) {
                self.i += 1;
                if k == "data" || k == "index" {
                    self.expect_word("directory")?;
                }
                self.eq_opt();
                // The value: one token (name, number, string, DEFAULT).
                if self.at_end() {
                    return self.err(format!("expected a value for {}", k.to_uppercase()));
                }
                self.i += 1;
                continue;
            }
            break;
        }
        Ok(o)
    }

    fn table_element(&mut self) -> Result<TableElement> {
        let Some(k) = self.peek_keyword() else {
            return Ok(TableElement::Column(self.column_def()?));
        };
        // A column may be named like a keyword only when quoted or not followed by the
        // keyword grammar; MySQL decides the same way by the next token.
        match k.as_str() {
            "primary" | "unique" | "key" | "index" | "fulltext" | "spatial" | "constraint"
            | "foreign" | "check" | "period"
                if !self.starts_column_def() =>
            {
                self.key_element()
            }
            _ => Ok(TableElement::Column(self.column_def()?)),
        }
    }

    /// True when the tokens ahead look like `name TYPE ...` (a column named like a keyword).
    fn starts_column_def(&self) -> bool {
        match self.peek_at(1) {
            Some(Token::Word(w)) if w.quote_style.is_none() => {
                base_type_word(&lower(&w.value)).is_some()
                    && !matches!(lower(&w.value).as_str(), "key" | "index")
            }
            _ => false,
        }
    }

    fn key_element(&mut self) -> Result<TableElement> {
        let mut constraint_name = None;
        if self.word("constraint")
            && !["primary", "unique", "foreign", "check"]
                .iter()
                .any(|w| self.is_word(w))
        {
            constraint_name = Some(self.ident()?);
        }
        if self.word("foreign") || self.word("check") || self.word("period") {
            self.skip_to_element_end();
            return Ok(TableElement::Other);
        }
        let key = self.key_def(constraint_name)?;
        Ok(TableElement::Key(key))
    }

    /// `PRIMARY KEY [USING x] (parts) ...`, `UNIQUE [KEY|INDEX] [name] ...`,
    /// `KEY|INDEX [name] ...`, `FULLTEXT|SPATIAL [KEY|INDEX] [name] ...`.
    fn key_def(&mut self, constraint_name: Option<String>) -> Result<KeyDef> {
        let kind = if self.word("primary") {
            self.expect_word("key")?;
            KeyKind::Primary
        } else if self.word("unique") {
            let _ = self.word("key") || self.word("index");
            KeyKind::Unique
        } else if self.word("fulltext") {
            let _ = self.word("key") || self.word("index");
            KeyKind::Fulltext
        } else if self.word("spatial") {
            let _ = self.word("key") || self.word("index");
            KeyKind::Spatial
        } else if self.word("key") || self.word("index") {
            KeyKind::Index
        } else {
            return self.err("expected PRIMARY KEY, UNIQUE, KEY, INDEX, FULLTEXT or SPATIAL");
        };
        let if_not_exists = self.words(&["if", "not", "exists"]);
        let mut name = None;
        if kind != KeyKind::Primary
            && self.peek() != Some(&Token::LParen)
            && !self.is_word("using")
            && !self.is_word("type")
        {
            name = Some(self.ident()?);
        }
        self.index_type();
        let parts = self.key_parts()?;
        self.index_options();
        let name = match kind {
            KeyKind::Primary => Some("PRIMARY".to_string()),
            _ => name.or(constraint_name),
        };
        Ok(KeyDef {
            kind,
            name,
            parts,
            if_not_exists,
        })
    }

    fn index_type(&mut self) {
        if self.word("using") || self.word("type") {
            self.i += 1;
        }
    }

    fn index_options(&mut self) {
        loop {
            if self.word("using") || self.word("type") {
                self.i += 1;
            } else if self.word("key_block_size") || self.word("comment") {
                self.eq_opt();
                self.i += 1;
            } else if self.words(&["with", "parser"]) {
                self.i += 1;
            } else if self.word("visible")
                || self.word("invisible")
                || self.word("ignored")
                || self.words(&["not", "ignored"])
                || self.word("clustering")
            {
                if self.tok(&Token::Eq) {
                    self.i += 1;
                }
            } else if self.word("engine_attribute") || self.word("secondary_engine_attribute") {
                self.eq_opt();
                self.i += 1;
            } else {
                return;
            }
        }
    }

    fn key_parts(&mut self) -> Result<Vec<KeyPart>> {
        self.expect_tok(&Token::LParen)?;
        let mut parts = Vec::new();
        loop {
            let column = if self.peek() == Some(&Token::LParen) {
                let inner = self.balanced()?;
                format!("({})", canonical_tokens(inner))
            } else {
                self.ident()?
            };
            let mut prefix = None;
            if self.tok(&Token::LParen) {
                let n = self.number()?;
                prefix = Some(u32::try_from(n).unwrap_or(u32::MAX));
                self.expect_tok(&Token::RParen)?;
            }
            let descending = if self.word("desc") {
                true
            } else {
                self.word("asc");
                false
            };
            parts.push(KeyPart {
                column,
                prefix,
                descending,
            });
            if self.tok(&Token::Comma) {
                continue;
            }
            self.expect_tok(&Token::RParen)?;
            return Ok(parts);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Column definitions

    fn column_def(&mut self) -> Result<ColumnDef> {
        let name = self.ident()?;
        let mut data_type = self.data_type()?;
        let mut c = ColumnDef {
            name,
            data_type: data_type.clone(),
            nullable: None,
            default: None,
            on_update: None,
            auto_increment: false,
            keys: Vec::new(),
            comment: None,
            generated: None,
            invisible: false,
        };
        if data_type.base == BaseType::Serial {
            c.nullable = Some(false);
            c.auto_increment = true;
            c.keys.push(InlineKey::Unique);
        }
        loop {
            if self.data_type_attribute(&mut data_type)? {
                continue;
            }
            if self.words(&["not", "null"]) {
                c.nullable = Some(false);
            } else if self.word("null") {
                c.nullable = Some(true);
            } else if self.word("default") {
                c.default = Some(self.default_value()?);
            } else if self.words(&["on", "update"]) {
                c.on_update = Some(self.function_like()?);
            } else if self.word("auto_increment") {
                c.auto_increment = true;
            } else if self.words(&["primary", "key"]) {
                c.keys.push(InlineKey::Primary);
            } else if self.word("unique") {
                self.word("key");
                c.keys.push(InlineKey::Unique);
            } else if self.word("key") {
                c.keys.push(InlineKey::Primary);
            } else if self.word("comment") {
                c.comment = Some(self.string()?);
            } else if self.words(&["generated", "always"]) || self.is_word("as") {
                self.expect_word("as")?;
                let inner = self.balanced()?;
                let expr = canonical_tokens(inner);
                let stored = if self.word("stored") || self.word("persistent") {
                    true
                } else {
                    self.word("virtual");
                    false
                };
                c.generated = Some((expr, stored));
            } else if self.word("invisible") {
                c.invisible = true;
            } else if self.word("visible") {
            } else if self.word("column_format") || self.word("storage") {
                self.i += 1;
            } else if self.word("compressed") {
                if self.tok(&Token::Eq) {
                    self.i += 1;
                }
            } else if self.word("srid") {
                self.number()?;
            } else if self.words(&["with", "system", "versioning"])
                || self.words(&["without", "system", "versioning"])
            {
            } else if self.word("engine_attribute") || self.word("secondary_engine_attribute") {
                self.eq_opt();
                self.string()?;
            } else if self.word("references") {
                self.name()?;
                if self.peek() == Some(&Token::LParen) {
                    self.balanced()?;
                }
                self.skip_references_tail();
            } else if self.word("constraint") {
                if !self.is_word("check") {
                    self.ident()?;
                }
            } else if self.word("check") {
                self.balanced()?;
                let _ = self.word("enforced") || self.words(&["not", "enforced"]);
            } else {
                break;
            }
        }
        c.data_type = data_type;
        if c.data_type.zerofill {
            c.data_type.unsigned = true;
        }
        Ok(c)
    }

    fn skip_references_tail(&mut self) {
        loop {
            if self.words(&["match", "full"])
                || self.words(&["match", "partial"])
                || self.words(&["match", "simple"])
            {
            } else if self.words(&["on", "delete"]) || self.words(&["on", "update"]) {
                let _ = self.word("restrict")
                    || self.word("cascade")
                    || self.words(&["set", "null"])
                    || self.words(&["set", "default"])
                    || self.words(&["no", "action"]);
            } else {
                return;
            }
        }
    }

    /// Attributes that belong to the type: `UNSIGNED`, `SIGNED`, `ZEROFILL`, `CHARACTER SET`,
    /// `CHARSET`, `COLLATE`, `BINARY`, `ASCII`, `UNICODE`, `BYTE`. They may follow other
    /// column attributes in MySQL too (`COLLATE` often does).
    fn data_type_attribute(&mut self, t: &mut DataType) -> Result<bool> {
        if self.word("unsigned") {
            t.unsigned = true;
        } else if self.word("signed") {
        } else if self.word("zerofill") {
            t.zerofill = true;
            t.unsigned = true;
        } else if self.words(&["character", "set"])
            || self.words(&["char", "set"])
            || self.word("charset")
        {
            t.charset = Some(charset_alias(&self.name_or_string()?));
        } else if self.word("collate") {
            t.collation = Some(collation_alias(&self.name_or_string()?));
        } else if self.is_word("binary") && is_character(t.base) {
            self.i += 1;
            t.binary = true;
        } else if self.is_word("ascii") && is_character(t.base) {
            self.i += 1;
            t.charset = Some("latin1".into());
        } else if self.is_word("unicode") && is_character(t.base) {
            self.i += 1;
            t.charset = Some("ucs2".into());
        } else if self.is_word("byte") && is_character(t.base) {
            self.i += 1;
            t.base = match t.base {
                BaseType::VarChar => BaseType::VarBinary,
                _ => BaseType::Binary,
            };
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn data_type(&mut self) -> Result<DataType> {
        let Some(w) = self.peek_keyword() else {
            return self.err("expected a data type");
        };
        let mut national = false;
        let base = match w.as_str() {
            "national" => {
                self.i += 1;
                national = true;
                if self.word("varchar")
                    || self.words(&["char", "varying"])
                    || self.words(&["character", "varying"])
                {
                    BaseType::VarChar
                } else if self.word("char") || self.word("character") {
                    if self.word("varying") {
                        BaseType::VarChar
                    } else {
                        BaseType::Char
                    }
                } else {
                    return self.err("expected CHAR or VARCHAR after NATIONAL");
                }
            }
            "nchar" => {
                self.i += 1;
                national = true;
                if self.word("varchar") || self.word("varying") {
                    BaseType::VarChar
                } else {
                    BaseType::Char
                }
            }
            "nvarchar" => {
                self.i += 1;
                national = true;
                BaseType::VarChar
            }
            "long" => {
                self.i += 1;
                if self.word("varbinary") {
                    BaseType::MediumBlob
                } else {
                    self.word("varchar");
                    BaseType::MediumText
                }
            }
            "char" | "character" => {
                self.i += 1;
                if self.word("varying") {
                    BaseType::VarChar
                } else {
                    BaseType::Char
                }
            }
            "double" => {
                self.i += 1;
                self.word("precision");
                BaseType::Double
            }
            other => match base_type_word(other) {
                Some(b) => {
                    self.i += 1;
                    b
                }
                None => return self.unsupported(format!("data type {}", other.to_uppercase())),
            },
        };
        let mut t = DataType {
            base,
            length: None,
            scale: None,
            labels: Vec::new(),
            unsigned: false,
            zerofill: false,
            charset: national.then(|| "utf8mb3".to_string()),
            collation: None,
            binary: false,
        };
        if matches!(base, BaseType::Enum | BaseType::Set) {
            self.expect_tok(&Token::LParen)?;
            loop {
                t.labels.push(self.string()?);
                if self.tok(&Token::Comma) {
                    continue;
                }
                self.expect_tok(&Token::RParen)?;
                break;
            }
        } else if self.tok(&Token::LParen) {
            t.length = Some(self.number()?);
            if self.tok(&Token::Comma) {
                t.scale = Some(self.number()?);
            }
            self.expect_tok(&Token::RParen)?;
        }
        if base == BaseType::Serial {
            t.unsigned = true;
        }
        Ok(t)
    }

    /// `DEFAULT` value.
    fn default_value(&mut self) -> Result<DefaultSpec> {
        if self.peek() == Some(&Token::LParen) {
            let inner = self.balanced()?;
            return Ok(DefaultSpec::Expression(current_timestamp_canonical(
                canonical_tokens(inner),
            )));
        }
        let sign = if self.tok(&Token::Minus) {
            "-"
        } else {
            self.tok(&Token::Plus);
            ""
        };
        match self.peek() {
            Some(Token::Number(n, _)) => {
                self.i += 1;
                let n = n.clone();
                if let Some(hex) = n.strip_prefix("0x").or_else(|| n.strip_prefix("0X")) {
                    return Ok(DefaultSpec::Literal(Literal::Hex(hex.to_lowercase())));
                }
                if let Some(bits) = n.strip_prefix("0b") {
                    return Ok(DefaultSpec::Literal(Literal::Bits(bits.to_string())));
                }
                Ok(DefaultSpec::Literal(Literal::Number(format!("{sign}{n}"))))
            }
            _ if !sign.is_empty() => self.err("expected a number after the sign"),
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                self.i += 1;
                let mut s = s.clone();
                // Adjacent strings concatenate.
                while let Some(Token::SingleQuotedString(more) | Token::DoubleQuotedString(more)) =
                    self.peek()
                {
                    s.push_str(more);
                    self.i += 1;
                }
                Ok(DefaultSpec::Literal(Literal::Str(s)))
            }
            Some(Token::NationalStringLiteral(s)) => {
                self.i += 1;
                Ok(DefaultSpec::Literal(Literal::Str(s.clone())))
            }
            Some(Token::HexStringLiteral(h)) => {
                self.i += 1;
                Ok(DefaultSpec::Literal(Literal::Hex(h.to_lowercase())))
            }
            Some(Token::SingleQuotedByteStringLiteral(b)) => {
                self.i += 1;
                Ok(DefaultSpec::Literal(Literal::Bits(b.clone())))
            }
            Some(Token::Word(w)) if w.quote_style.is_none() => {
                let lw = lower(&w.value);
                if lw.starts_with('_')
                    && matches!(
                        self.peek_at(1),
                        Some(Token::SingleQuotedString(_) | Token::HexStringLiteral(_))
                    )
                {
                    // _charset'string' introducer.
                    self.i += 1;
                    return self.default_value();
                }
                match lw.as_str() {
                    "null" => {
                        self.i += 1;
                        Ok(DefaultSpec::Null)
                    }
                    "true" | "false" => {
                        self.i += 1;
                        Ok(DefaultSpec::Literal(Literal::Bool(lw == "true")))
                    }
                    _ => Ok(DefaultSpec::Expression(self.function_like()?)),
                }
            }
            _ => self.err("expected a default value"),
        }
    }

    /// `word` or `word(args)`, as canonical text (current-timestamp synonyms made one spelling).
    fn function_like(&mut self) -> Result<String> {
        let start = self.i;
        match self.peek() {
            Some(Token::Word(_)) => self.i += 1,
            _ => return self.err("expected a function"),
        }
        if self.peek() == Some(&Token::LParen) {
            self.balanced()?;
        }
        let toks = self.toks.get(start..self.i).unwrap_or_default();
        Ok(current_timestamp_canonical(canonical_tokens(toks)))
    }

    // ---------------------------------------------------------------------------------------
    // ALTER

    fn alter(&mut self) -> Result<Statement> {
        use IgnoredKind::*;
        self.i += 1;
        self.word("online");
        self.word("ignore");
        self.skip_routine_prefixes();
        let Some(kind) = self.peek_keyword() else {
            return self.err("expected an object kind after ALTER");
        };
        match kind.as_str() {
            "table" => {
                self.i += 1;
                self.alter_table()
            }
            "database" | "schema" => {
                self.i += 1;
                let name = if [
                    "default",
                    "character",
                    "charset",
                    "collate",
                    "comment",
                    "read",
                    "encryption",
                ]
                .iter()
                .any(|w| self.is_word(w))
                {
                    None
                } else {
                    Some(self.ident()?)
                };
                if self.words(&["upgrade", "data", "directory", "name"]) {
                    return Ok(Statement::Ignored(Administrative));
                }
                let (charset, collation) = self.database_options()?;
                self.finish()?;
                Ok(Statement::AlterDatabase {
                    name,
                    charset,
                    collation,
                })
            }
            "user" | "role" => Ok(Statement::Ignored(Account)),
            "view" | "procedure" | "function" | "event" | "server" | "package" => {
                Ok(Statement::Ignored(Routine))
            }
            "sequence" => Ok(Statement::Ignored(Sequence)),
            "tablespace" | "logfile" | "instance" | "resource" | "undo" => {
                Ok(Statement::Ignored(Administrative))
            }
            other => self.unsupported(format!("ALTER {}", other.to_uppercase())),
        }
    }

    fn alter_table(&mut self) -> Result<Statement> {
        let if_exists = self.words(&["if", "exists"]);
        let name = self.name()?;
        // MariaDB: WAIT n / NOWAIT.
        if self.word("wait") {
            self.number()?;
        }
        self.word("nowait");
        let mut specs = Vec::new();
        loop {
            if self.at_end() || self.peek() == Some(&Token::SemiColon) {
                break;
            }
            if let Some(cols) = self.add_column_list()? {
                specs.extend(cols);
            } else {
                specs.push(self.alter_spec()?);
            }
            if self.tok(&Token::Comma) {
                continue;
            }
            // Table options and partition clauses may follow without a comma.
            if self.at_end() || self.peek() == Some(&Token::SemiColon) {
                break;
            }
        }
        self.finish()?;
        Ok(Statement::AlterTable {
            name,
            if_exists,
            specs,
        })
    }

    /// `ADD [COLUMN] [IF NOT EXISTS] (def, def ...)`: columns appended in order.
    fn add_column_list(&mut self) -> Result<Option<Vec<AlterSpec>>> {
        let start = self.i;
        if !self.word("add") {
            return Ok(None);
        }
        self.word("column");
        let if_not_exists = self.words(&["if", "not", "exists"]);
        if !self.tok(&Token::LParen) {
            self.i = start;
            return Ok(None);
        }
        let mut out = Vec::new();
        loop {
            out.push(AlterSpec::AddColumn {
                def: self.column_def()?,
                position: ColumnPosition::Default,
                if_not_exists,
            });
            if self.tok(&Token::Comma) {
                continue;
            }
            self.expect_tok(&Token::RParen)?;
            return Ok(Some(out));
        }
    }

    fn position(&mut self) -> Result<ColumnPosition> {
        if self.word("first") {
            Ok(ColumnPosition::First)
        } else if self.word("after") {
            Ok(ColumnPosition::After(self.ident()?))
        } else {
            Ok(ColumnPosition::Default)
        }
    }

    fn alter_spec(&mut self) -> Result<AlterSpec> {
        let Some(k) = self.peek_keyword() else {
            return self.err("expected an ALTER TABLE specification");
        };
        let start = self.i;
        match k.as_str() {
            "add" => {
                self.i += 1;
                if self.is_word("constraint")
                    || self.is_word("primary")
                    || self.is_word("unique")
                    || self.is_word("key")
                    || self.is_word("index")
                    || self.is_word("fulltext")
                    || self.is_word("spatial")
                    || self.is_word("foreign")
                    || self.is_word("check")
                    || self.is_word("period")
                {
                    // `ADD key ...` unless it is a column named like a keyword.
                    if !self.starts_column_def() {
                        return match self.key_element()? {
                            TableElement::Key(k) => Ok(AlterSpec::AddKey(k)),
                            _ => Ok(AlterSpec::NoSchemaEffect(self.text_from(start))),
                        };
                    }
                }
                if self.word("partition") {
                    self.skip_to_element_end_or_spec();
                    return Ok(AlterSpec::NoSchemaEffect(self.text_from(start)));
                }
                self.word("column");
                let if_not_exists = self.words(&["if", "not", "exists"]);
                let def = self.column_def()?;
                let position = self.position()?;
                Ok(AlterSpec::AddColumn {
                    def,
                    position,
                    if_not_exists,
                })
            }
            "drop" => {
                self.i += 1;
                if self.words(&["primary", "key"]) {
                    return Ok(AlterSpec::DropPrimaryKey);
                }
                if self.word("index") || self.word("key") {
                    let if_exists = self.words(&["if", "exists"]);
                    let name = self.ident()?;
                    return Ok(AlterSpec::DropIndex { name, if_exists });
                }
                if self.word("constraint") {
                    self.words(&["if", "exists"]);
                    let name = self.ident()?;
                    return Ok(AlterSpec::DropConstraint { name });
                }
                if self.words(&["foreign", "key"])
                    || self.word("check")
                    || self.word("partition")
                    || self.words(&["system", "versioning"])
                    || self.word("period")
                {
                    self.skip_to_element_end_or_spec();
                    return Ok(AlterSpec::NoSchemaEffect(self.text_from(start)));
                }
                self.word("column");
                let if_exists = self.words(&["if", "exists"]);
                let name = self.ident()?;
                let _ = self.word("restrict") || self.word("cascade");
                Ok(AlterSpec::DropColumn { name, if_exists })
            }
            "modify" => {
                self.i += 1;
                self.word("column");
                let if_exists = self.words(&["if", "exists"]);
                let def = self.column_def()?;
                let position = self.position()?;
                Ok(AlterSpec::ModifyColumn {
                    def,
                    position,
                    if_exists,
                })
            }
            "change" => {
                self.i += 1;
                self.word("column");
                let if_exists = self.words(&["if", "exists"]);
                let old = self.ident()?;
                let def = self.column_def()?;
                let position = self.position()?;
                Ok(AlterSpec::ChangeColumn {
                    old,
                    def,
                    position,
                    if_exists,
                })
            }
            "rename" => {
                self.i += 1;
                if self.word("column") {
                    let if_exists = self.words(&["if", "exists"]);
                    let old = self.ident()?;
                    self.expect_word("to")?;
                    let new = self.ident()?;
                    return Ok(AlterSpec::RenameColumn {
                        old,
                        new,
                        if_exists,
                    });
                }
                if self.word("index") || self.word("key") {
                    let old = self.ident()?;
                    self.expect_word("to")?;
                    let new = self.ident()?;
                    return Ok(AlterSpec::RenameIndex { old, new });
                }
                let _ = self.word("to") || self.word("as");
                Ok(AlterSpec::RenameTable(self.name()?))
            }
            "alter" => {
                self.i += 1;
                if self.word("index")
                    || self.word("key")
                    || self.word("constraint")
                    || self.word("check")
                {
                    self.skip_to_element_end_or_spec();
                    return Ok(AlterSpec::NoSchemaEffect(self.text_from(start)));
                }
                self.word("column");
                self.words(&["if", "exists"]);
                let column = self.ident()?;
                if self.words(&["set", "default"]) {
                    let d = self.default_value()?;
                    Ok(AlterSpec::AlterDefault {
                        column,
                        default: Some(d),
                    })
                } else if self.words(&["drop", "default"]) {
                    Ok(AlterSpec::AlterDefault {
                        column,
                        default: None,
                    })
                } else if self.words(&["set", "visible"]) {
                    Ok(AlterSpec::AlterVisibility {
                        column,
                        invisible: false,
                    })
                } else if self.words(&["set", "invisible"]) {
                    Ok(AlterSpec::AlterVisibility {
                        column,
                        invisible: true,
                    })
                } else {
                    self.err("expected SET DEFAULT, DROP DEFAULT, SET VISIBLE or SET INVISIBLE")
                }
            }
            "convert" => {
                self.i += 1;
                self.expect_word("to")?;
                if !(self.words(&["character", "set"]) || self.word("charset")) {
                    return self.err("expected CHARACTER SET");
                }
                self.eq_opt();
                let charset = charset_alias(&self.name_or_string()?);
                let collation = if self.word("collate") {
                    self.eq_opt();
                    Some(collation_alias(&self.name_or_string()?))
                } else {
                    None
                };
                Ok(AlterSpec::ConvertTo { charset, collation })
            }
            "algorithm" | "lock" => {
                self.i += 1;
                self.eq_opt();
                self.i += 1;
                Ok(AlterSpec::NoSchemaEffect(self.text_from(start)))
            }
            "force" | "enable" | "disable" | "discard" | "import" | "order" | "validation"
            | "with" | "without" | "coalesce" | "reorganize" | "exchange" | "analyze" | "check"
            | "optimize" | "rebuild" | "repair" | "remove" | "truncate" | "partition"
            | "upgrade" | "secondary_load" | "secondary_unload" => {
                if self.words(&["with", "system", "versioning"]) {
                    return Ok(AlterSpec::NoSchemaEffect(self.text_from(start)));
                }
                self.skip_to_element_end_or_spec();
                Ok(AlterSpec::NoSchemaEffect(self.text_from(start)))
            }
            _ => {
                let save = self.i;
                let o = self.table_options()?;
                if self.i == save {
                    return self
                        .unsupported(format!("ALTER TABLE specification {}", k.to_uppercase()));
                }
                Ok(AlterSpec::Options(o))
            }
        }
    }

    /// Skips to the next top-level comma (the next specification) or the end.
    fn skip_to_element_end_or_spec(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Comma | Token::SemiColon if depth == 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    fn text_from(&self, start: usize) -> String {
        canonical_tokens(self.toks.get(start..self.i).unwrap_or_default())
    }

    // ---------------------------------------------------------------------------------------
    // DROP, RENAME, indexes

    fn drop(&mut self) -> Result<Statement> {
        use IgnoredKind::*;
        self.i += 1;
        if self.word("temporary") {
            return Ok(Statement::Ignored(Temporary));
        }
        let Some(kind) = self.peek_keyword() else {
            return self.err("expected an object kind after DROP");
        };
        match kind.as_str() {
            "table" | "tables" => {
                self.i += 1;
                let if_exists = self.words(&["if", "exists"]);
                let mut names = vec![self.name()?];
                while self.tok(&Token::Comma) {
                    names.push(self.name()?);
                }
                if self.word("wait") {
                    self.number()?;
                }
                let _ = self.word("nowait") || self.word("restrict") || self.word("cascade");
                self.finish()?;
                Ok(Statement::DropTables { names, if_exists })
            }
            "database" | "schema" => {
                self.i += 1;
                let if_exists = self.words(&["if", "exists"]);
                let name = self.ident()?;
                self.finish()?;
                Ok(Statement::DropDatabase { name, if_exists })
            }
            "index" => {
                self.i += 1;
                let if_exists = self.words(&["if", "exists"]);
                let name = self.ident()?;
                self.expect_word("on")?;
                let table = self.name()?;
                self.skip_algorithm_lock();
                self.finish()?;
                Ok(Statement::DropIndex {
                    table,
                    name,
                    if_exists,
                })
            }
            "user" | "role" => Ok(Statement::Ignored(Account)),
            "view" | "procedure" | "function" | "trigger" | "event" | "server" | "package" => {
                Ok(Statement::Ignored(Routine))
            }
            "sequence" => Ok(Statement::Ignored(Sequence)),
            "tablespace" | "logfile" | "spatial_reference_system" | "resource" => {
                Ok(Statement::Ignored(Administrative))
            }
            other => self.unsupported(format!("DROP {}", other.to_uppercase())),
        }
    }

    fn skip_algorithm_lock(&mut self) {
        loop {
            if self.word("algorithm") || self.word("lock") {
                self.eq_opt();
                self.i += 1;
            } else if self.word("wait") {
                self.i += 1;
            } else if !self.word("nowait") {
                return;
            }
        }
    }

    fn rename(&mut self) -> Result<Statement> {
        self.i += 1;
        if self.word("user") {
            return Ok(Statement::Ignored(IgnoredKind::Account));
        }
        if !(self.word("table") || self.word("tables")) {
            return self.unsupported("RENAME of something other than a table or user");
        }
        self.words(&["if", "exists"]);
        let mut pairs = Vec::new();
        loop {
            let from = self.name()?;
            if self.word("wait") {
                self.number()?;
            }
            self.word("nowait");
            self.expect_word("to")?;
            let to = self.name()?;
            pairs.push((from, to));
            if !self.tok(&Token::Comma) {
                break;
            }
        }
        self.finish()?;
        Ok(Statement::RenameTables(pairs))
    }

    fn create_index(&mut self) -> Result<Statement> {
        let kind = if self.word("unique") {
            KeyKind::Unique
        } else if self.word("fulltext") {
            KeyKind::Fulltext
        } else if self.word("spatial") {
            KeyKind::Spatial
        } else {
            KeyKind::Index
        };
        self.expect_word("index")?;
        let if_not_exists = self.words(&["if", "not", "exists"]);
        let name = self.ident()?;
        self.index_type();
        self.expect_word("on")?;
        let table = self.name()?;
        let parts = self.key_parts()?;
        self.index_options();
        self.skip_algorithm_lock();
        self.finish()?;
        Ok(Statement::CreateIndex {
            table,
            key: KeyDef {
                kind,
                name: Some(name),
                parts,
                if_not_exists,
            },
        })
    }
}

fn is_character(b: BaseType) -> bool {
    use BaseType::*;
    matches!(
        b,
        Char | VarChar | TinyText | Text | MediumText | LongText | Enum | Set
    )
}

/// MySQL's `utf8` is `utf8mb3`.
pub(crate) fn charset_alias(name: &str) -> String {
    let n = lower(name);
    if n == "utf8" { "utf8mb3".into() } else { n }
}

/// `utf8_*` collations are `utf8mb3_*`.
pub(crate) fn collation_alias(name: &str) -> String {
    let n = lower(name);
    match n.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => n,
    }
}

/// `current_timestamp`, `now`, `localtime`, `localtimestamp` (with or without `(n)`) are one
/// function; MariaDB's catalog prints it `current_timestamp()` / `current_timestamp(n)`.
pub(crate) fn current_timestamp_canonical(text: String) -> String {
    let (head, args) = match text.split_once('(') {
        Some((h, rest)) => (h.trim(), rest.strip_suffix(')').map(str::trim)),
        None => (text.trim(), Some("")),
    };
    let Some(args) = args else { return text };
    if matches!(
        head,
        "current_timestamp" | "now" | "localtime" | "localtimestamp"
    ) && (args.is_empty() || args.bytes().all(|b| b.is_ascii_digit()))
    {
        if args.is_empty() || args == "0" {
            return "current_timestamp()".to_string();
        }
        return format!("current_timestamp({args})");
    }
    text
}

fn base_type_word(w: &str) -> Option<BaseType> {
    use BaseType::*;
    Some(match w {
        "tinyint" | "int1" => TinyInt,
        "bool" | "boolean" => Bool,
        "smallint" | "int2" => SmallInt,
        "mediumint" | "int3" | "middleint" => MediumInt,
        "int" | "integer" | "int4" => Int,
        "bigint" | "int8" => BigInt,
        "serial" => Serial,
        "float" | "float4" => Float,
        "double" | "float8" | "real" => Double,
        "decimal" | "dec" | "numeric" | "fixed" | "number" => Decimal,
        "bit" => Bit,
        "year" => Year,
        "date" => Date,
        "time" => Time,
        "datetime" => DateTime,
        "timestamp" => Timestamp,
        "char" | "character" => Char,
        "varchar" | "varchar2" | "varcharacter" => VarChar,
        "binary" => Binary,
        "varbinary" => VarBinary,
        "tinytext" => TinyText,
        "text" => Text,
        "mediumtext" => MediumText,
        "longtext" => LongText,
        "tinyblob" => TinyBlob,
        "blob" => Blob,
        "mediumblob" => MediumBlob,
        "longblob" => LongBlob,
        "enum" => Enum,
        "set" => Set,
        "json" => Json,
        "geometry" => Geometry,
        "point" => Point,
        "linestring" => LineString,
        "polygon" => Polygon,
        "multipoint" => MultiPoint,
        "multilinestring" => MultiLineString,
        "multipolygon" => MultiPolygon,
        "geometrycollection" | "geomcollection" => GeometryCollection,
        "uuid" => Uuid,
        "inet4" => Inet4,
        "inet6" => Inet6,
        "vector" => Vector,
        _ => return None,
    })
}

fn is_table_option(k: &str) -> bool {
    matches!(
        k,
        "engine"
            | "type"
            | "auto_increment"
            | "avg_row_length"
            | "checksum"
            | "table_checksum"
            | "compression"
            | "connection"
            | "data"
            | "index"
            | "delay_key_write"
            | "encryption"
            | "encrypted"
            | "encryption_key_id"
            | "insert_method"
            | "key_block_size"
            | "max_rows"
            | "min_rows"
            | "pack_keys"
            | "password"
            | "row_format"
            | "stats_auto_recalc"
            | "stats_persistent"
            | "stats_sample_pages"
            | "tablespace"
            | "storage"
            | "page_checksum"
            | "page_compressed"
            | "page_compression_level"
            | "transactional"
            | "ietf_quotes"
            | "sequence"
            | "autoextend_size"
            | "engine_attribute"
            | "secondary_engine"
            | "secondary_engine_attribute"
            | "start"
    )
}
