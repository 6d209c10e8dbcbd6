//! MySQL/MariaDB to MySQL/MariaDB: the statement text with names rewritten.
//!
//! The statement is parsed by `cdc-mysql-schema` to know what it is, then walked token by
//! token (sqlparser's MySQL tokenizer, with byte positions) to find where table and column
//! names stand; only those tokens are replaced, so comments, spacing, options and expressions
//! reach the target byte for byte. Table names are always written qualified with their
//! target database, so the target session's default database does not matter.

use cdc_model::TableId;
use cdc_mysql_schema::ddl::{self, IgnoredKind, Statement};
use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{TranslateError, Translation, Translator, excerpt, issue};
use crate::dialect::Dialect;
use crate::issue::{IssueKind, Severity};
use crate::naming::{NamePolicy, quote_ident, quote_table};

/// A token with its byte range in the text.
struct Tok {
    token: Token,
    start: usize,
    end: usize,
}

pub(super) fn translate(
    tr: &Translator,
    default_db: &str,
    sql: &str,
) -> Result<Translation, TranslateError> {
    let parse_err = |reason: String| TranslateError::Parse {
        dialect: tr.mapper.source(),
        statement: excerpt(sql),
        reason,
    };
    let statement = ddl::parse(sql).map_err(|e| parse_err(e.to_string()))?;
    // The server ran the text of executable comments; so does the target.
    let text = ddl::unwrap_executable_comments(sql).into_owned();
    let toks = tokens(&text).map_err(parse_err)?;
    let mut w = Walker {
        toks: &toks,
        i: 0,
        edits: Vec::new(),
        names: &tr.names,
        target: tr.mapper.target(),
        default_db,
        out: Translation::default(),
        statement: sql,
        error: None,
        skip: false,
    };
    let here = TableId::new(default_db, "");
    match &statement {
        Statement::Ignored(IgnoredKind::Routine) => w.routine(),
        Statement::Ignored(IgnoredKind::Sequence | IgnoredKind::Temporary) => {
            w.out.issues.push(issue(
                &here,
                None,
                Severity::Unsupported,
                IssueKind::Ddl,
                format!(
                    "not migrated (sequences and temporary tables are not replicated): {}",
                    excerpt(sql)
                ),
            ));
            return Ok(w.out);
        }
        Statement::Ignored(_) => return Ok(w.out),
        Statement::CreateDatabase { .. }
        | Statement::DropDatabase { .. }
        | Statement::AlterDatabase { .. } => {
            w.out.issues.push(issue(
                &here,
                None,
                Severity::Unsupported,
                IssueKind::Ddl,
                format!(
                    "database DDL is not in the incremental DDL list for MySQL targets: {}",
                    excerpt(sql)
                ),
            ));
            return Ok(w.out);
        }
        Statement::CreateTable { .. } | Statement::CreateTableLike { .. } => w.create_table(),
        Statement::AlterTable { .. } => w.alter_table(),
        Statement::DropTables { .. } => w.drop_tables(),
        Statement::RenameTables(_) => w.rename_tables(),
        Statement::Truncate(_) => {
            w.advance(1);
            w.word("table");
            w.table_name();
        }
        Statement::CreateIndex { .. } => w.create_index(),
        Statement::DropIndex { .. } => {
            w.advance(2);
            w.words(&["if", "exists"]);
            w.advance(1);
            if w.word("on") {
                w.table_name();
            }
        }
    }
    if let Some(e) = w.error.take() {
        return Err(e);
    }
    if !w.skip {
        let rewritten = apply_edits(&text, std::mem::take(&mut w.edits));
        w.out.statements.push(rewritten);
    }
    Ok(w.out)
}

/// Tokens without white space and comments, with byte ranges.
fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let dialect = MySqlDialect {};
    let toks = Tokenizer::new(&dialect, text)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    // Line/column (1-based, in characters) to byte offsets.
    let mut line_starts = vec![0usize];
    for (i, c) in text.char_indices() {
        if c == '\n' {
            line_starts.push(i + 1);
        }
    }
    let offset = |line: u64, column: u64| -> usize {
        let Some(&start) = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| line_starts.get(l))
        else {
            return text.len();
        };
        let rest = text.get(start..).unwrap_or("");
        let n = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
        rest.char_indices()
            .nth(n)
            .map_or(text.len(), |(i, _)| start + i)
    };
    Ok(toks
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .map(|t| Tok {
            start: offset(t.span.start.line, t.span.start.column),
            end: offset(t.span.end.line, t.span.end.column),
            token: t.token,
        })
        .collect())
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

fn apply_edits(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| e.start);
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    for e in edits {
        if e.start < at {
            continue;
        }
        out.push_str(text.get(at..e.start).unwrap_or(""));
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out.trim_end().trim_end_matches(';').trim_end().to_owned()
}

/// Words that start a data type, to tell a column named like a key word (`key INT`) from a
/// key (`KEY idx (a)`).
fn is_type_word(w: &str) -> bool {
    matches!(
        w,
        "tinyint"
            | "bool"
            | "boolean"
            | "smallint"
            | "mediumint"
            | "int"
            | "integer"
            | "bigint"
            | "serial"
            | "float"
            | "double"
            | "real"
            | "decimal"
            | "dec"
            | "numeric"
            | "fixed"
            | "bit"
            | "year"
            | "date"
            | "time"
            | "datetime"
            | "timestamp"
            | "char"
            | "character"
            | "varchar"
            | "nchar"
            | "nvarchar"
            | "national"
            | "binary"
            | "varbinary"
            | "tinytext"
            | "text"
            | "mediumtext"
            | "longtext"
            | "long"
            | "tinyblob"
            | "blob"
            | "mediumblob"
            | "longblob"
            | "enum"
            | "set"
            | "json"
            | "geometry"
            | "point"
            | "linestring"
            | "polygon"
            | "multipoint"
            | "multilinestring"
            | "multipolygon"
            | "geometrycollection"
            | "uuid"
            | "inet4"
            | "inet6"
            | "vector"
            | "int1"
            | "int2"
            | "int3"
            | "int4"
            | "int8"
            | "float4"
            | "float8"
    )
}

struct Walker<'a> {
    toks: &'a [Tok],
    i: usize,
    edits: Vec<Edit>,
    names: &'a NamePolicy,
    target: Dialect,
    default_db: &'a str,
    out: Translation,
    statement: &'a str,
    error: Option<TranslateError>,
    /// The statement is not run on the target (reported).
    skip: bool,
}

impl<'a> Walker<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Token> {
        self.toks.get(self.i + n).map(|t| &t.token)
    }

    fn advance(&mut self, n: usize) {
        self.i += n;
    }

    fn done(&self) -> bool {
        matches!(self.peek(), None | Some(Token::SemiColon))
    }

    fn is_word_at(&self, n: usize, w: &str) -> bool {
        matches!(self.peek_at(n), Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
    }

    fn is_word(&self, w: &str) -> bool {
        self.is_word_at(0, w)
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

    fn keyword(&self) -> Option<String> {
        match self.peek() {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_lowercase()),
            _ => None,
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

    fn ident_at(&self, n: usize) -> Option<&'a str> {
        match self.peek_at(n) {
            Some(Token::Word(w)) => Some(w.value.as_str()),
            _ => None,
        }
    }

    fn edit(&mut self, from: usize, to: usize, text: String) {
        let (Some(a), Some(b)) = (self.toks.get(from), self.toks.get(to)) else {
            return;
        };
        self.edits.push(Edit {
            start: a.start,
            end: b.end,
            text,
        });
    }

    /// `name` or `db.name` at the cursor: replaced by the qualified target name. Returns the
    /// source table.
    fn table_name(&mut self) -> Option<TableId> {
        let first = self.ident_at(0)?;
        let (db, name, len) = if self.peek_at(1) == Some(&Token::Period) {
            (Some(first), self.ident_at(2)?, 3)
        } else {
            (None, first, 1)
        };
        let db = match db {
            Some(d) => d.to_owned(),
            None if !self.default_db.is_empty() => self.default_db.to_owned(),
            None => {
                self.error.get_or_insert(TranslateError::NoDatabase {
                    statement: excerpt(self.statement),
                    table: name.to_owned(),
                });
                self.i += len;
                return None;
            }
        };
        let source = TableId::new(db, name);
        let target = self.names.table(&source);
        let written_same = len == 3 && target == source;
        if !written_same {
            self.edit(self.i, self.i + len - 1, quote_table(self.target, &target));
        }
        self.i += len;
        Some(source)
    }

    /// A column name of `table` at the cursor, replaced when the policy renames it.
    fn column(&mut self, table: Option<&TableId>) {
        let Some(name) = self.ident_at(0) else {
            return;
        };
        if let Some(t) = table {
            let target = self.names.column(t, name);
            if target != name {
                self.edit(self.i, self.i, quote_ident(self.target, &target));
            }
        }
        self.i += 1;
    }

    /// Skips a balanced group at `(`; renames explicitly renamed columns of `table` inside it
    /// (expressions: generated columns, checks, functional key parts).
    fn expression_group(&mut self, table: Option<&TableId>) {
        if self.peek() != Some(&Token::LParen) {
            return;
        }
        let renames = table.and_then(|t| self.names.columns.get(t));
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.i += 1;
                        return;
                    }
                }
                Token::Word(w) => {
                    let call = self.peek_at(1) == Some(&Token::LParen);
                    let qualified = self.i > 0
                        && self
                            .toks
                            .get(self.i - 1)
                            .is_some_and(|p| p.token == Token::Period);
                    if !call
                        && !qualified
                        && let Some((_, to)) = renames.and_then(|m| {
                            m.iter()
                                .find(|(from, _)| from.eq_ignore_ascii_case(&w.value))
                        })
                    {
                        let to = quote_ident(self.target, to);
                        self.edit(self.i, self.i, to);
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    /// Skips a balanced group at `(` without looking inside.
    fn skip_group(&mut self) {
        self.expression_group(None);
    }

    /// `(part, part ...)`: key parts; a part is a column (with an optional prefix length and
    /// order) or a parenthesised expression.
    fn key_parts(&mut self, table: Option<&TableId>) {
        if !self.tok(&Token::LParen) {
            return;
        }
        let mut at_part_start = true;
        while let Some(t) = self.peek() {
            match t {
                Token::RParen => {
                    self.i += 1;
                    return;
                }
                Token::Comma => {
                    at_part_start = true;
                    self.i += 1;
                }
                Token::LParen if at_part_start => {
                    self.expression_group(table);
                    at_part_start = false;
                }
                Token::LParen => self.skip_group(),
                Token::Word(_) if at_part_start => {
                    self.column(table);
                    at_part_start = false;
                }
                _ => self.i += 1,
            }
        }
    }

    /// Up to the end of the current element or specification: a top-level `,`, the `)` that
    /// closes the enclosing list, or the end.
    fn at_element_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some(Token::Comma | Token::RParen | Token::SemiColon)
        )
    }

    /// `name type attributes...`: a column definition of `table`; `rename_name` says whether
    /// its name is a name of `table` (not for `CHANGE old new`, whose new name is handled the
    /// same way).
    fn column_def(&mut self, table: Option<&TableId>) {
        self.column(table);
        while !self.at_element_end() {
            if self.peek() == Some(&Token::LParen) {
                self.skip_group();
            } else if self.words(&["generated", "always"]) || self.is_word("as") {
                self.word("as");
                self.expression_group(table);
            } else if self.word("check") {
                self.expression_group(table);
            } else if self.word("references") {
                let referenced = self.table_name();
                self.key_parts(referenced.as_ref());
            } else if self.word("after") {
                self.column(table);
            } else {
                self.i += 1;
            }
        }
    }

    /// A key, foreign key or check element of `table`.
    fn key_element(&mut self, table: Option<&TableId>) {
        if self.word("constraint")
            && !["primary", "unique", "foreign", "check"]
                .iter()
                .any(|w| self.is_word(w))
        {
            self.i += 1;
        }
        if self.word("check") {
            self.expression_group(table);
        } else if self.words(&["foreign", "key"]) {
            while !self.at_element_end() && self.peek() != Some(&Token::LParen) {
                self.i += 1;
            }
            self.key_parts(table);
            if self.word("references") {
                let referenced = self.table_name();
                self.key_parts(referenced.as_ref());
            }
        } else {
            // PRIMARY KEY / UNIQUE / KEY / INDEX / FULLTEXT / SPATIAL [name] [USING x] (parts)
            while !self.at_element_end() && self.peek() != Some(&Token::LParen) {
                self.i += 1;
            }
            self.key_parts(table);
        }
        while !self.at_element_end() {
            if self.peek() == Some(&Token::LParen) {
                self.skip_group();
            } else {
                self.i += 1;
            }
        }
    }

    fn starts_key_element(&self) -> bool {
        let Some(k) = self.keyword() else {
            return false;
        };
        let key_word = matches!(
            k.as_str(),
            "primary"
                | "unique"
                | "key"
                | "index"
                | "fulltext"
                | "spatial"
                | "constraint"
                | "foreign"
                | "check"
                | "period"
        );
        let column_like = match self.peek_at(1) {
            Some(Token::Word(w)) if w.quote_style.is_none() => {
                let n = w.value.to_ascii_lowercase();
                is_type_word(&n) && n != "key" && n != "index"
            }
            _ => false,
        };
        key_word && !column_like
    }

    fn create_table(&mut self) {
        // CREATE [OR REPLACE] [TEMPORARY] TABLE [IF NOT EXISTS] name
        while !self.done() && !self.word("table") {
            self.i += 1;
        }
        self.words(&["if", "not", "exists"]);
        let table = self.table_name();
        if self.word("like") {
            self.table_name();
            return;
        }
        if !self.tok(&Token::LParen) {
            return;
        }
        if self.word("like") {
            self.table_name();
            return;
        }
        loop {
            if self.starts_key_element() {
                self.key_element(table.as_ref());
            } else {
                self.column_def(table.as_ref());
            }
            if self.tok(&Token::Comma) {
                continue;
            }
            break;
        }
    }

    fn alter_table(&mut self) {
        while !self.done() && !self.word("table") {
            self.i += 1;
        }
        self.words(&["if", "exists"]);
        let table = self.table_name();
        let t = table.as_ref();
        if self.word("wait") {
            self.i += 1;
        }
        self.word("nowait");
        while !self.done() {
            self.alter_spec(t);
            // To the end of the specification.
            while !self.at_element_end() {
                if self.peek() == Some(&Token::LParen) {
                    self.skip_group();
                } else {
                    self.i += 1;
                }
            }
            if !self.tok(&Token::Comma) && !self.done() {
                self.i += 1;
            }
        }
    }

    fn alter_spec(&mut self, t: Option<&TableId>) {
        let Some(k) = self.keyword() else {
            self.i += 1;
            return;
        };
        match k.as_str() {
            "add" => {
                self.i += 1;
                if self.starts_key_element() {
                    self.key_element(t);
                    return;
                }
                if self.word("partition") {
                    return;
                }
                self.word("column");
                self.words(&["if", "not", "exists"]);
                if self.tok(&Token::LParen) {
                    loop {
                        self.column_def(t);
                        if !self.tok(&Token::Comma) {
                            break;
                        }
                    }
                    self.tok(&Token::RParen);
                } else {
                    self.column_def(t);
                }
            }
            "drop" => {
                self.i += 1;
                if self.words(&["primary", "key"])
                    || self.word("index")
                    || self.word("key")
                    || self.word("constraint")
                    || self.word("foreign")
                    || self.word("check")
                    || self.word("partition")
                    || self.word("system")
                    || self.word("period")
                {
                    return;
                }
                self.word("column");
                self.words(&["if", "exists"]);
                self.column(t);
            }
            "modify" => {
                self.i += 1;
                self.word("column");
                self.words(&["if", "exists"]);
                self.column_def(t);
            }
            "change" => {
                self.i += 1;
                self.word("column");
                self.words(&["if", "exists"]);
                self.column(t);
                self.column_def(t);
            }
            "rename" => {
                self.i += 1;
                if self.word("column") {
                    self.words(&["if", "exists"]);
                    self.column(t);
                    self.word("to");
                    self.column(t);
                } else if self.word("index") || self.word("key") {
                } else {
                    let _ = self.word("to") || self.word("as");
                    self.table_name();
                }
            }
            "alter" => {
                self.i += 1;
                if self.word("index")
                    || self.word("key")
                    || self.word("constraint")
                    || self.word("check")
                {
                    return;
                }
                self.word("column");
                self.words(&["if", "exists"]);
                self.column(t);
            }
            _ => self.i += 1,
        }
    }

    fn drop_tables(&mut self) {
        while !(self.done() || self.word("table") || self.word("tables")) {
            self.i += 1;
        }
        self.words(&["if", "exists"]);
        loop {
            self.table_name();
            if !self.tok(&Token::Comma) {
                break;
            }
        }
    }

    fn rename_tables(&mut self) {
        while !(self.done() || self.word("table") || self.word("tables")) {
            self.i += 1;
        }
        self.words(&["if", "exists"]);
        loop {
            self.table_name();
            while !self.done() && !self.word("to") {
                self.i += 1;
            }
            self.table_name();
            if !self.tok(&Token::Comma) {
                break;
            }
        }
    }

    fn create_index(&mut self) {
        while !self.done() && !self.word("on") {
            self.i += 1;
        }
        let table = self.table_name();
        self.key_parts(table.as_ref());
    }

    // ----- views and routines -------------------------------------------------------------

    /// `CREATE|ALTER [OR REPLACE] [ALGORITHM=x] [DEFINER=u] [SQL SECURITY x] VIEW|PROCEDURE|
    /// FUNCTION ...` and `DROP VIEW|PROCEDURE|FUNCTION`.
    fn routine(&mut self) {
        let here = TableId::new(self.default_db, "");
        let verb = self.keyword().unwrap_or_default();
        self.i += 1;
        if verb == "drop" {
            let kind = self.keyword().unwrap_or_default();
            self.i += 1;
            self.words(&["if", "exists"]);
            match kind.as_str() {
                "view" => loop {
                    self.table_name();
                    if !self.tok(&Token::Comma) {
                        break;
                    }
                },
                "procedure" | "function" => self.routine_name(),
                _ => self.unsupported(&here, &kind),
            }
            return;
        }
        self.words(&["or", "replace"]);
        let mut security: Option<usize> = None;
        let mut definer = None;
        loop {
            if self.is_word("definer") {
                let start = self.i;
                self.i += 1;
                self.tok(&Token::Eq);
                self.i += 1;
                if self.tok(&Token::LParen) {
                    self.tok(&Token::RParen);
                }
                while let Some(t) = self.peek() {
                    match t {
                        Token::AtSign => self.i += 2,
                        Token::Word(w) if w.value.starts_with('@') => self.i += 1,
                        _ => break,
                    }
                }
                definer = Some((start, self.i.saturating_sub(1)));
            } else if self.words(&["sql", "security"]) {
                security = Some(self.i);
                self.i += 1;
            } else if self.word("algorithm") {
                self.tok(&Token::Eq);
                self.i += 1;
            } else if !(self.word("aggregate") || self.word("nonatomic")) {
                break;
            }
        }
        let kind = self.keyword().unwrap_or_default();
        if !matches!(kind.as_str(), "view" | "procedure" | "function")
            || (verb == "alter" && kind != "view")
        {
            self.unsupported(&here, &format!("{verb} {kind}"));
            return;
        }
        let kind_at = self.i;
        self.i += 1;
        if let Some((from, to)) = definer {
            // Remove `DEFINER = user` and the white space after it.
            if let (Some(a), Some(next)) = (self.toks.get(from), self.toks.get(to + 1)) {
                self.edits.push(Edit {
                    start: a.start,
                    end: next.start,
                    text: String::new(),
                });
            }
        }
        let body_start;
        if kind == "view" {
            let view = self.table_name();
            body_start = self.i;
            let view = view.unwrap_or_else(|| here.clone());
            match security {
                Some(at) => self.set_invoker(at),
                None => {
                    if let Some(t) = self.toks.get(kind_at) {
                        self.edits.push(Edit {
                            start: t.start,
                            end: t.start,
                            text: "SQL SECURITY INVOKER ".into(),
                        });
                    }
                }
            }
            self.definer_issue(&view, definer.is_some(), "view");
        } else {
            self.words(&["if", "not", "exists"]);
            self.routine_name();
            if self.peek() == Some(&Token::LParen) {
                self.skip_group();
            }
            let mut insert_after = self.i.saturating_sub(1);
            if kind == "function" && self.word("returns") {
                // type [(n[,m])] [UNSIGNED|SIGNED|ZEROFILL] [CHARSET x] [COLLATE x]
                self.i += 1;
                if self.peek() == Some(&Token::LParen) {
                    self.skip_group();
                }
                loop {
                    if self.word("unsigned") || self.word("signed") || self.word("zerofill") {
                    } else if self.words(&["character", "set"])
                        || self.word("charset")
                        || self.word("collate")
                    {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                insert_after = self.i.saturating_sub(1);
            }
            body_start = self.i;
            let security = security.or_else(|| {
                (0..self.toks.len().saturating_sub(self.i))
                    .find(|&n| self.is_word_at(n, "sql") && self.is_word_at(n + 1, "security"))
                    .map(|n| self.i + n + 2)
            });
            match security {
                Some(at) => self.set_invoker(at),
                None => {
                    if let Some(t) = self.toks.get(insert_after) {
                        self.edits.push(Edit {
                            start: t.end,
                            end: t.end,
                            text: " SQL SECURITY INVOKER".into(),
                        });
                    }
                }
            }
            self.definer_issue(&here, definer.is_some(), &kind);
        }
        self.body_names(body_start);
    }

    /// `SQL SECURITY x` with `x` at token `at`: made `INVOKER`.
    fn set_invoker(&mut self, at: usize) {
        let is_definer = matches!(self.toks.get(at).map(|t| &t.token), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("definer"));
        if is_definer {
            self.edit(at, at, "INVOKER".into());
        }
    }

    fn definer_issue(&mut self, table: &TableId, had_definer: bool, kind: &str) {
        let reason = if had_definer {
            format!(
                "{kind}: DEFINER dropped and SQL SECURITY INVOKER set (users are not migrated; grant the invoking users the rights the {kind} needs)"
            )
        } else {
            format!(
                "{kind}: SQL SECURITY INVOKER set (users are not migrated; grant the invoking users the rights the {kind} needs)"
            )
        };
        self.out.issues.push(issue(
            table,
            None,
            Severity::Note,
            IssueKind::Definer,
            reason,
        ));
    }

    /// `name` or `db.name` of a routine: the database mapped.
    fn routine_name(&mut self) {
        let Some(first) = self.ident_at(0) else {
            return;
        };
        if self.peek_at(1) == Some(&Token::Period) {
            let name = self.ident_at(2).unwrap_or_default().to_owned();
            let db = self.target_schema(first);
            let text = format!(
                "{}.{}",
                quote_ident(self.target, &db),
                quote_ident(self.target, &name)
            );
            self.edit(self.i, self.i + 2, text);
            self.i += 3;
        } else {
            if !self.default_db.is_empty() {
                let db = self.target_schema(self.default_db);
                let text = format!(
                    "{}.{}",
                    quote_ident(self.target, &db),
                    quote_ident(self.target, first)
                );
                self.edit(self.i, self.i, text);
            }
            self.i += 1;
        }
    }

    fn target_schema(&self, db: &str) -> String {
        self.names
            .schemas
            .get(db)
            .cloned()
            .unwrap_or_else(|| self.names.case.apply(db))
    }

    /// Table references in a view or routine body: `db.t` and unqualified names after
    /// `FROM`, `JOIN`, `INTO`, `UPDATE`, `TABLE` become their target names. Column references
    /// are not rewritten: a table in the body whose columns the policy renames is reported.
    fn body_names(&mut self, from: usize) {
        self.i = from;
        let mut reported: Vec<TableId> = Vec::new();
        while let Some(t) = self.peek() {
            let Token::Word(w) = t else {
                self.i += 1;
                continue;
            };
            let after_period = self.i > 0
                && self
                    .toks
                    .get(self.i - 1)
                    .is_some_and(|p| p.token == Token::Period);
            let qualified = self.peek_at(1) == Some(&Token::Period)
                && self.ident_at(2).is_some()
                && !after_period;
            let prev_kw = self.i > 0
                && matches!(self.toks.get(self.i - 1).map(|p| &p.token), Some(Token::Word(p)) if p.quote_style.is_none()
                    && matches!(p.value.to_ascii_lowercase().as_str(), "from" | "join" | "into" | "update" | "table"));
            let source = if qualified && self.peek_at(3) != Some(&Token::Period) {
                let db = w.value.clone();
                let known = db == self.default_db
                    || self.names.schemas.contains_key(&db)
                    || self.names.tables.keys().any(|k| k.schema == db);
                known.then(|| TableId::new(db, self.ident_at(2).unwrap_or_default()))
            } else if prev_kw
                && !qualified
                && !after_period
                && !self.default_db.is_empty()
                && !w.value.eq_ignore_ascii_case("dual")
            {
                Some(TableId::new(self.default_db, w.value.clone()))
            } else {
                None
            };
            match source {
                Some(src) => {
                    let len = if qualified { 3 } else { 1 };
                    let target = self.names.table(&src);
                    if target != src || !qualified {
                        self.edit(self.i, self.i + len - 1, quote_table(self.target, &target));
                    }
                    if self.names.columns.get(&src).is_some_and(|m| !m.is_empty())
                        && !reported.contains(&src)
                    {
                        self.out.issues.push(issue(
                            &src,
                            None,
                            Severity::Unsupported,
                            IssueKind::Ddl,
                            "a view or routine body refers to this table, whose columns are renamed on the target; column references in the body are not rewritten",
                        ));
                        reported.push(src);
                    }
                    self.i += len;
                }
                None => self.i += 1,
            }
        }
    }

    fn unsupported(&mut self, table: &TableId, what: &str) {
        self.skip = true;
        self.out.issues.push(issue(
            table,
            None,
            Severity::Unsupported,
            IssueKind::Ddl,
            format!(
                "{} is not in the incremental DDL list for MySQL targets: {}",
                what.to_uppercase(),
                excerpt(self.statement)
            ),
        ));
    }
}
