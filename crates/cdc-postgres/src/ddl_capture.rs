//! DDL capture: an event trigger that writes every DDL statement into the WAL as a
//! transactional logical decoding message, and a sans-IO parser of those messages.
//!
//! PostgreSQL's logical replication carries rows, not schema changes. [`DdlCapture`] installs
//! a PL/pgSQL function and two event triggers (`ddl_command_end` and `sql_drop`) that call
//! `pg_logical_emit_message(true, prefix, json)` with the command tag, the objects it
//! touched (type, schema, identity), the statement text (`current_query()`), the
//! `search_path` and current schema, and the user. Because the message is *transactional*,
//! pgoutput delivers it (with `messages = true`, protocol v1 and PostgreSQL 14+) inside the
//! DDL's transaction, in commit order and in WAL order relative to that transaction's row
//! changes; a rolled-back DDL leaves nothing.
//!
//! Requirements: creating event triggers needs a **superuser** (PostgreSQL 15 and earlier);
//! the function runs as the user issuing the DDL, which needs nothing extra
//! (`pg_logical_emit_message` is executable by everyone). The server must run with
//! `wal_level = logical`, or every DDL fails while the trigger is installed.
//!
//! `current_query()` is the whole query string the client sent: several statements sent in
//! one simple query arrive as one text, once per statement's event.
//!
//! ```
//! use cdc_postgres::ddl_capture::{DdlCapture, DdlEventKind};
//! let capture = DdlCapture::new("cdc_ddl");
//! let install = capture.install_sql();
//! assert!(install.contains("CREATE EVENT TRIGGER \"cdc_ddl_capture_end\" ON ddl_command_end"));
//!
//! // A message as the trigger writes it (its content, from a pgoutput Message).
//! let content = br#"{"version": 1, "event": "ddl_command_end", "tag": "CREATE TABLE",
//!     "query": "create table t (id int)", "search_path": "\"$user\", public",
//!     "current_schema": "public", "user": "postgres", "database": "app",
//!     "objects": [{"object_type": "table", "schema": "public", "identity": "public.t",
//!                  "command_tag": "CREATE TABLE", "in_extension": false}]}"#;
//! let event = capture.parse("cdc_ddl", content)?.unwrap();
//! assert_eq!(event.event, DdlEventKind::CommandEnd);
//! assert_eq!(event.objects[0].identity, "public.t");
//! assert!(capture.parse("other", content)?.is_none());
//! # Ok::<(), cdc_postgres::ddl_capture::DdlParseError>(())
//! ```

use cdc_model::{Change, Ddl};
use cdc_pgoutput::LogicalMessage;
use futures::io::{AsyncRead, AsyncWrite};
use serde::{Deserialize, Serialize};

use crate::connection::Connection;
use crate::error::Result;
use crate::precheck::{quote_ident, quote_literal};

/// The version of the message layout the installed function writes.
pub const MESSAGE_VERSION: u32 = 1;

/// Where and under which names the capture lives, and the message prefix it writes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DdlCapture {
    prefix: String,
    schema: String,
    name: String,
}

impl DdlCapture {
    /// A capture writing messages with `prefix`, its function `public.cdc_ddl_capture()` and
    /// its event triggers `cdc_ddl_capture_end` and `cdc_ddl_capture_drop`.
    pub fn new(prefix: impl Into<String>) -> DdlCapture {
        DdlCapture {
            prefix: prefix.into(),
            schema: "public".into(),
            name: "cdc_ddl_capture".into(),
        }
    }

    /// The schema of the trigger function.
    pub fn schema(mut self, schema: impl Into<String>) -> DdlCapture {
        self.schema = schema.into();
        self
    }

    /// The function's name, and the stem of the event triggers' names (`<name>_end`,
    /// `<name>_drop`; event trigger names are per database).
    pub fn name(mut self, name: impl Into<String>) -> DdlCapture {
        self.name = name.into();
        self
    }

    /// The message prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn function(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    fn trigger(&self, suffix: &str) -> String {
        quote_ident(&format!("{}_{suffix}", self.name))
    }

    /// The SQL that installs (or reinstalls) the function and both event triggers. Run it as
    /// one simple query: the statements then form one transaction. Idempotent.
    pub fn install_sql(&self) -> String {
        let body = format!(
            r#"
DECLARE
    objects pg_catalog.json;
BEGIN
    IF TG_EVENT = 'sql_drop' THEN
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                   'object_type', d.object_type, 'schema', d.schema_name,
                   'name', d.object_name, 'identity', d.object_identity,
                   'original', d.original, 'normal', d.normal, 'temporary', d.is_temporary))
          INTO objects FROM pg_catalog.pg_event_trigger_dropped_objects() AS d;
    ELSE
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                   'object_type', c.object_type, 'schema', c.schema_name,
                   'identity', c.object_identity, 'command_tag', c.command_tag,
                   'in_extension', c.in_extension))
          INTO objects FROM pg_catalog.pg_event_trigger_ddl_commands() AS c;
    END IF;
    PERFORM pg_catalog.pg_logical_emit_message(true, {prefix}, pg_catalog.json_build_object(
        'version', {MESSAGE_VERSION}, 'event', TG_EVENT, 'tag', TG_TAG,
        'query', pg_catalog.current_query(),
        'search_path', pg_catalog.current_setting('search_path'),
        'current_schema', pg_catalog.current_schema(),
        'user', CURRENT_USER, 'database', pg_catalog.current_database(),
        'objects', COALESCE(objects, '[]'::pg_catalog.json))::text);
END
"#,
            prefix = quote_literal(&self.prefix),
        );
        let tag = dollar_tag(&body);
        let function = self.function();
        let (end, drop) = (self.trigger("end"), self.trigger("drop"));
        format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS event_trigger \
             LANGUAGE plpgsql AS {tag}{body}{tag};\n\
             DROP EVENT TRIGGER IF EXISTS {end};\n\
             CREATE EVENT TRIGGER {end} ON ddl_command_end EXECUTE PROCEDURE {function}();\n\
             DROP EVENT TRIGGER IF EXISTS {drop};\n\
             CREATE EVENT TRIGGER {drop} ON sql_drop EXECUTE PROCEDURE {function}();\n"
        )
    }

    /// The SQL that removes the triggers and the function. Idempotent.
    pub fn uninstall_sql(&self) -> String {
        format!(
            "DROP EVENT TRIGGER IF EXISTS {};\nDROP EVENT TRIGGER IF EXISTS {};\n\
             DROP FUNCTION IF EXISTS {}();\n",
            self.trigger("end"),
            self.trigger("drop"),
            self.function()
        )
    }

    /// Runs [`install_sql`](DdlCapture::install_sql) (as a superuser).
    pub async fn install<S>(&self, conn: &mut Connection<S>) -> Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        conn.batch_execute(&self.install_sql())
            .await
            .map_err(|e| e.during("installing the DDL capture"))
    }

    /// Runs [`uninstall_sql`](DdlCapture::uninstall_sql).
    pub async fn uninstall<S>(&self, conn: &mut Connection<S>) -> Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        conn.batch_execute(&self.uninstall_sql())
            .await
            .map_err(|e| e.during("removing the DDL capture"))
    }

    /// Parses a logical message's content when its prefix is this capture's; `Ok(None)` for
    /// other prefixes.
    pub fn parse(
        &self,
        prefix: &str,
        content: &[u8],
    ) -> std::result::Result<Option<DdlEvent>, DdlParseError> {
        parse_ddl_message(&self.prefix, prefix, content)
    }

    /// [`parse`](DdlCapture::parse) for a pgoutput Message. Non-transactional messages with
    /// the prefix are not this capture's (it only writes transactional ones): `Ok(None)`.
    pub fn parse_message(
        &self,
        message: &LogicalMessage,
    ) -> std::result::Result<Option<DdlEvent>, DdlParseError> {
        if !message.transactional {
            return Ok(None);
        }
        self.parse(&message.prefix, &message.content)
    }
}

/// A dollar-quote tag that does not occur in `body`.
fn dollar_tag(body: &str) -> String {
    let mut n = 0u32;
    loop {
        let tag = if n == 0 {
            "$cdc_ddl$".to_owned()
        } else {
            format!("$cdc_ddl{n}$")
        };
        if !body.contains(&tag) {
            return tag;
        }
        n += 1;
    }
}

/// Which event trigger wrote a message.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum DdlEventKind {
    /// `ddl_command_end`: after any DDL command (including `DROP`).
    #[serde(rename = "ddl_command_end")]
    CommandEnd,
    /// `sql_drop`: objects a command dropped, just before its `ddl_command_end`.
    #[serde(rename = "sql_drop")]
    Drop,
}

/// A captured DDL command.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DdlEvent {
    /// Message layout version ([`MESSAGE_VERSION`]).
    pub version: u32,
    /// The trigger event.
    pub event: DdlEventKind,
    /// The command tag (`CREATE TABLE`, `ALTER TABLE`, `DROP TABLE`).
    pub tag: String,
    /// The query string the client sent (`current_query()`).
    pub query: String,
    /// `search_path` when the command ran.
    pub search_path: String,
    /// `current_schema()`: where unqualified names were created (`None` when no schema of
    /// the search path exists).
    pub current_schema: Option<String>,
    /// The user that ran it.
    pub user: String,
    /// The database.
    pub database: String,
    /// The objects created, altered or dropped, in the server's order.
    pub objects: Vec<DdlObject>,
}

/// An object a DDL command touched.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DdlObject {
    /// `table`, `index`, `sequence`, `table column`, `type`, `function`, ….
    pub object_type: String,
    /// The schema, for schema-qualified objects.
    pub schema: Option<String>,
    /// The object's identity as `pg_identify_object` prints it (`public.t`, `public.t.c`).
    pub identity: String,
    /// The object's name (`sql_drop` only).
    #[serde(default)]
    pub name: Option<String>,
    /// The sub-command's tag (`ddl_command_end` only).
    #[serde(default)]
    pub command_tag: Option<String>,
    /// Created by an extension script (`ddl_command_end` only).
    #[serde(default)]
    pub in_extension: Option<bool>,
    /// The object the user dropped, not a dependent one (`sql_drop` only).
    #[serde(default)]
    pub original: Option<bool>,
    /// Dropped through a normal dependency (`sql_drop` only).
    #[serde(default)]
    pub normal: Option<bool>,
    /// A temporary object (`sql_drop` only).
    #[serde(default)]
    pub temporary: Option<bool>,
}

impl DdlEvent {
    /// The model change for this event: a [`Change::Ddl`] with the statement and the current
    /// schema for `ddl_command_end`; `None` for `sql_drop` (its command's `ddl_command_end`
    /// follows with the same statement).
    pub fn to_change(&self) -> Option<Change> {
        (self.event == DdlEventKind::CommandEnd).then(|| {
            Change::Ddl(Ddl {
                schema: self.current_schema.clone(),
                statement: self.query.clone(),
            })
        })
    }
}

/// A message with the capture's prefix whose content is not a DDL event.
#[derive(Debug, thiserror::Error)]
pub enum DdlParseError {
    /// Not UTF-8 or not the expected JSON layout.
    #[error("DDL message with prefix {prefix:?}: {reason}")]
    Malformed {
        /// The message prefix.
        prefix: String,
        /// What is wrong (serde_json's description, with line and column).
        reason: String,
    },
    /// Written by a newer capture function than this parser knows.
    #[error(
        "DDL message with prefix {prefix:?}: layout version {version}, expected {MESSAGE_VERSION}"
    )]
    Version {
        /// The message prefix.
        prefix: String,
        /// The version it declares.
        version: u32,
    },
}

/// Parses a logical message's `content` when `prefix` equals `expected_prefix`; `Ok(None)`
/// otherwise. Sans-IO and total: any input gives a value or an error, never a panic.
pub fn parse_ddl_message(
    expected_prefix: &str,
    prefix: &str,
    content: &[u8],
) -> std::result::Result<Option<DdlEvent>, DdlParseError> {
    if prefix != expected_prefix {
        return Ok(None);
    }
    let malformed = |e: serde_json::Error| DdlParseError::Malformed {
        prefix: prefix.to_owned(),
        reason: e.to_string(),
    };
    // The version first, so a newer layout is reported as such, not as malformed.
    #[derive(Deserialize)]
    struct Versioned {
        version: u32,
    }
    let Versioned { version } = serde_json::from_slice(content).map_err(malformed)?;
    if version != MESSAGE_VERSION {
        return Err(DdlParseError::Version {
            prefix: prefix.to_owned(),
            version,
        });
    }
    let event: DdlEvent = serde_json::from_slice(content).map_err(malformed)?;
    Ok(Some(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_prefix_are_quoted() {
        let c = DdlCapture::new("it's \"odd\"")
            .schema("My Schema")
            .name("cap\"ture");
        let sql = c.install_sql();
        assert!(sql.contains("pg_logical_emit_message(true, 'it''s \"odd\"', "));
        assert!(sql.contains(
            "CREATE OR REPLACE FUNCTION \"My Schema\".\"cap\"\"ture\"() RETURNS event_trigger"
        ));
        assert!(sql.contains(
            "CREATE EVENT TRIGGER \"cap\"\"ture_drop\" ON sql_drop EXECUTE PROCEDURE \"My Schema\".\"cap\"\"ture\"();"
        ));
        assert_eq!(
            c.uninstall_sql(),
            "DROP EVENT TRIGGER IF EXISTS \"cap\"\"ture_end\";\n\
             DROP EVENT TRIGGER IF EXISTS \"cap\"\"ture_drop\";\n\
             DROP FUNCTION IF EXISTS \"My Schema\".\"cap\"\"ture\"();\n"
        );
    }

    #[test]
    fn a_prefix_containing_the_dollar_tag_gets_another_tag() {
        let c = DdlCapture::new("$cdc_ddl$");
        let sql = c.install_sql();
        assert!(sql.contains("AS $cdc_ddl1$"));
        assert!(sql.contains("'$cdc_ddl$'"));
        assert_eq!(sql.matches("$cdc_ddl1$").count(), 2);
    }

    #[test]
    fn drop_events_parse_and_map_to_no_change() {
        let content =
            br#"{"version":1,"event":"sql_drop","tag":"DROP TABLE","query":"drop table t",
            "search_path":"public","current_schema":null,"user":"u","database":"d",
            "objects":[{"object_type":"table","schema":"public","name":"t","identity":"public.t",
                        "original":true,"normal":false,"temporary":false}]}"#;
        let e = parse_ddl_message("p", "p", content).unwrap().unwrap();
        assert_eq!(e.event, DdlEventKind::Drop);
        assert_eq!(e.objects[0].name.as_deref(), Some("t"));
        assert_eq!(e.objects[0].original, Some(true));
        assert_eq!(e.objects[0].command_tag, None);
        assert_eq!(e.current_schema, None);
        assert_eq!(e.to_change(), None);
    }

    #[test]
    fn malformed_and_foreign_messages() {
        assert!(parse_ddl_message("p", "q", b"garbage").unwrap().is_none());
        for bad in [
            &b"garbage"[..],
            b"\xff\xfe",
            b"{}",
            b"{\"version\":1}",
            b"[1,2]",
            b"",
        ] {
            let e = parse_ddl_message("p", "p", bad).unwrap_err();
            assert!(
                matches!(&e, DdlParseError::Malformed { prefix, .. } if prefix == "p"),
                "{e}"
            );
        }
        let newer = br#"{"version":2,"event":"something new"}"#;
        assert!(matches!(
            parse_ddl_message("p", "p", newer),
            Err(DdlParseError::Version { version: 2, .. })
        ));
    }
}
