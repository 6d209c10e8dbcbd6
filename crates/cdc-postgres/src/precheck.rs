//! Prechecks for a logical replication task, as data: every check says what it looked at,
//! what it saw, what it needed, and how to fix it.
//!
//! Two steps, so the decisions are testable without a server: [`gather`] reads the settings,
//! the role, the slot, the selected tables and the publication into [`Facts`] (plain data);
//! [`evaluate`] is a pure function from a [`PrecheckTask`] and those facts to [`Check`]s.
//! [`run`] does both.
//!
//! ```
//! use cdc_postgres::precheck::{CheckId, Facts, PrecheckTask, evaluate};
//! let task = PrecheckTask::new("cdc_pub", "cdc_slot");
//! let mut facts = Facts::example();
//! facts.wal_level = "replica".into();
//! let checks = evaluate(&task, &facts);
//! let wal = checks.iter().find(|c| c.id == CheckId::WalLevel).unwrap();
//! assert!(!wal.passed);
//! assert_eq!(wal.observed, "replica");
//! assert!(wal.hint.as_deref().unwrap().contains("wal_level = logical"));
//! ```

use std::collections::HashSet;
use std::fmt;

use cdc_model::TableId;
use futures::io::{AsyncRead, AsyncWrite};
use serde::{Deserialize, Serialize};

use crate::catalog::{ReplicaIdentity, SELECT_TABLES, TableSelection, fetch, selection_params};
use crate::connection::{Connection, Param, Row};
use crate::error::{Error, Result};

/// How much a failed check matters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The task cannot run (or would lose changes) until this is fixed.
    Error,
    /// The task can run, but something is off (a slot in use, a publication that skips an
    /// operation).
    Warning,
    /// For the record (the protocol versions the server offers).
    Info,
}

/// Which check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// `server_version_num` ≥ 100000 (logical replication with pgoutput).
    ServerVersion,
    /// The pgoutput protocol versions the server speaks.
    ProtocolVersions,
    /// `wal_level = logical`.
    WalLevel,
    /// A free replication slot (unless the task's slot exists).
    MaxReplicationSlots,
    /// A free WAL sender for the replication connection.
    MaxWalSenders,
    /// The slot name is valid, and the slot is free or a logical `pgoutput` slot of this
    /// database.
    Slot,
    /// The role may replicate (`REPLICATION` or superuser).
    ReplicationPrivilege,
    /// A selected table exists.
    TableExists,
    /// The role may `SELECT` a selected table (for the initial snapshot).
    SelectPrivilege,
    /// A table (or a partition of a selected partitioned table) identifies old rows.
    ReplicaIdentity,
    /// The publication exists, or the role can create it.
    Publication,
    /// The publication covers a selected table.
    PublicationCoversTable,
    /// The publication publishes inserts, updates, deletes and truncates.
    PublicationOperations,
    /// Under which name changes of a partitioned table arrive.
    PartitionRouting,
}

impl CheckId {
    /// The snake_case name (as serialized).
    pub fn name(&self) -> &'static str {
        match self {
            CheckId::ServerVersion => "server_version",
            CheckId::ProtocolVersions => "protocol_versions",
            CheckId::WalLevel => "wal_level",
            CheckId::MaxReplicationSlots => "max_replication_slots",
            CheckId::MaxWalSenders => "max_wal_senders",
            CheckId::Slot => "slot",
            CheckId::ReplicationPrivilege => "replication_privilege",
            CheckId::TableExists => "table_exists",
            CheckId::SelectPrivilege => "select_privilege",
            CheckId::ReplicaIdentity => "replica_identity",
            CheckId::Publication => "publication",
            CheckId::PublicationCoversTable => "publication_covers_table",
            CheckId::PublicationOperations => "publication_operations",
            CheckId::PartitionRouting => "partition_routing",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The result of one check.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// The object it is about (a table), for per-object checks.
    pub object: Option<String>,
    /// How much a failure matters.
    pub level: Level,
    /// Whether the requirement holds.
    pub passed: bool,
    /// What was found.
    pub observed: String,
    /// What is required.
    pub expected: String,
    /// How to fix a failure (SQL or a configuration change), with every name quoted.
    pub hint: Option<String>,
}

impl Check {
    /// A failed check of level [`Level::Error`]: the task cannot start.
    pub fn is_blocking(&self) -> bool {
        !self.passed && self.level == Level::Error
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed { "ok" } else { "FAILED" };
        write!(f, "[{verdict}] {}", self.id)?;
        if let Some(o) = &self.object {
            write!(f, " ({o})")?;
        }
        write!(f, ": found {}, need {}", self.observed, self.expected)?;
        if let (false, Some(h)) = (self.passed, &self.hint) {
            write!(f, "; fix: {h}")?;
        }
        Ok(())
    }
}

/// What to check for: the publication and slot a task will use and the tables it replicates.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PrecheckTask {
    /// Publication name.
    pub publication: String,
    /// Replication slot name.
    pub slot: String,
    /// The tables.
    pub tables: TableSelection,
}

impl PrecheckTask {
    /// A task with no tables yet.
    pub fn new(publication: impl Into<String>, slot: impl Into<String>) -> PrecheckTask {
        PrecheckTask {
            publication: publication.into(),
            slot: slot.into(),
            tables: TableSelection::new(),
        }
    }

    /// The same task with this selection.
    pub fn with_tables(mut self, tables: TableSelection) -> PrecheckTask {
        self.tables = tables;
        self
    }
}

/// Everything the checks decide on, read from the server by [`gather`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Facts {
    /// `server_version_num` (150004 for 15.4).
    pub server_version_num: u32,
    /// `wal_level`.
    pub wal_level: String,
    /// `max_replication_slots`.
    pub max_replication_slots: u32,
    /// Replication slots that exist (physical and logical).
    pub replication_slots_used: u32,
    /// `max_wal_senders`.
    pub max_wal_senders: u32,
    /// Running WAL sender processes.
    pub wal_senders_used: u32,
    /// The task's slot, if it exists.
    pub slot: Option<SlotFacts>,
    /// The current database.
    pub database: String,
    /// The session's role.
    pub role: RoleFacts,
    /// Selected tables that exist, and the partitions below selected partitioned tables.
    pub tables: Vec<TableFacts>,
    /// Selected tables that do not exist.
    pub missing_tables: Vec<TableId>,
    /// The task's publication, if it exists.
    pub publication: Option<PublicationFacts>,
}

/// An existing replication slot.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SlotFacts {
    /// `plugin` (`None` for a physical slot).
    pub plugin: Option<String>,
    /// `slot_type`: `logical` or `physical`.
    pub slot_type: String,
    /// The database of a logical slot.
    pub database: Option<String>,
    /// The PID of the process streaming from it, when active.
    pub active_pid: Option<i32>,
}

/// The session's role.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RoleFacts {
    /// Role name.
    pub name: String,
    /// `rolsuper`.
    pub superuser: bool,
    /// `rolreplication`.
    pub replication: bool,
    /// `CREATE` on the current database (needed to create a publication).
    pub create_on_database: bool,
}

/// A table the task replicates (or a partition of one).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TableFacts {
    /// The table.
    pub id: TableId,
    /// For a partition reached through a selected partitioned table: that table.
    pub selected_via: Option<TableId>,
    /// A partitioned table (holds no rows; its partitions are checked instead).
    pub partitioned: bool,
    /// Replica identity (the index name for `USING INDEX`, `None` when it was dropped).
    pub replica_identity: ReplicaIdentity,
    /// Has a primary key.
    pub has_primary_key: bool,
    /// The role may `SELECT` it.
    pub select: bool,
    /// The role owns it (or is a member of its owner), as `CREATE PUBLICATION … FOR TABLE`
    /// requires.
    pub owned: bool,
}

/// An existing publication.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PublicationFacts {
    /// `FOR ALL TABLES`.
    pub all_tables: bool,
    /// `publish_via_partition_root` (PostgreSQL 13+; false before).
    pub via_root: bool,
    /// Publishes inserts.
    pub insert: bool,
    /// Publishes updates.
    pub update: bool,
    /// Publishes deletes.
    pub delete: bool,
    /// Publishes truncates (PostgreSQL 11+).
    pub truncate: bool,
    /// Tables it covers: `pg_publication_tables` (leaf partitions, or the root with
    /// `publish_via_partition_root`) plus the tables added to it by name.
    pub tables: Vec<TableId>,
}

impl Facts {
    /// A healthy PostgreSQL 15 server with nothing selected: every check passes. A starting
    /// point for tests and examples.
    pub fn example() -> Facts {
        Facts {
            server_version_num: 150_004,
            wal_level: "logical".into(),
            max_replication_slots: 10,
            replication_slots_used: 0,
            max_wal_senders: 10,
            wal_senders_used: 0,
            slot: None,
            database: "app".into(),
            role: RoleFacts {
                name: "cdc".into(),
                superuser: false,
                replication: true,
                create_on_database: true,
            },
            tables: Vec::new(),
            missing_tables: Vec::new(),
            publication: None,
        }
    }
}

/// `"name"`: an identifier, always quoted (so any name is safe and exact).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`: a string literal (standard conforming: only quotes are doubled).
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn qualified(t: &TableId) -> String {
    format!("{}.{}", quote_ident(&t.schema), quote_ident(&t.name))
}

/// A valid replication slot name: 1 to 63 of `[a-z0-9_]`.
pub fn valid_slot_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The pgoutput protocol versions a server of `version_num` accepts, with what each adds.
pub fn protocol_versions(version_num: u32) -> Vec<(u32, &'static str)> {
    let mut v = Vec::new();
    if version_num >= 100_000 {
        v.push((1, "base"));
    }
    if version_num >= 140_000 {
        v.push((2, "streaming of large transactions"));
    }
    if version_num >= 150_000 {
        v.push((3, "two-phase commit"));
    }
    if version_num >= 160_000 {
        v.push((4, "parallel streaming"));
    }
    v
}

/// Decides every check from `facts`. Pure: no I/O.
pub fn evaluate(task: &PrecheckTask, facts: &Facts) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |id,
                    object: Option<String>,
                    level,
                    passed,
                    observed: String,
                    expected: &str,
                    hint: Option<String>| {
        out.push(Check {
            id,
            object,
            level,
            passed,
            observed,
            expected: expected.to_owned(),
            hint: if passed { None } else { hint },
        });
    };

    // Server.
    let v = facts.server_version_num;
    push(
        CheckId::ServerVersion,
        None,
        Level::Error,
        v >= 100_000,
        format!("{}.{}", v / 10_000, v % 10_000),
        "PostgreSQL 10 or later",
        Some("upgrade the server to PostgreSQL 10 or later".into()),
    );
    let protos = protocol_versions(v);
    push(
        CheckId::ProtocolVersions,
        None,
        Level::Info,
        !protos.is_empty(),
        protos
            .iter()
            .map(|(n, what)| format!("{n} ({what})"))
            .collect::<Vec<_>>()
            .join(", "),
        "pgoutput protocol version 1 or later",
        None,
    );
    push(
        CheckId::WalLevel,
        None,
        Level::Error,
        facts.wal_level == "logical",
        facts.wal_level.clone(),
        "logical",
        Some("ALTER SYSTEM SET wal_level = logical; then restart the server".into()),
    );

    // Capacity.
    let slot_exists = facts.slot.is_some();
    let slots_needed = facts.replication_slots_used + u32::from(!slot_exists);
    push(
        CheckId::MaxReplicationSlots,
        None,
        Level::Error,
        slots_needed <= facts.max_replication_slots,
        format!(
            "{} of {} slots in use",
            facts.replication_slots_used, facts.max_replication_slots
        ),
        if slot_exists {
            "the existing slot"
        } else {
            "one free slot"
        },
        Some(format!(
            "ALTER SYSTEM SET max_replication_slots = {}; then restart the server \
             (or drop unused slots: SELECT pg_drop_replication_slot(slot_name) \
             FROM pg_replication_slots WHERE NOT active)",
            slots_needed.max(facts.max_replication_slots.saturating_add(1))
        )),
    );
    push(
        CheckId::MaxWalSenders,
        None,
        Level::Error,
        facts.wal_senders_used < facts.max_wal_senders,
        format!(
            "{} of {} WAL senders in use",
            facts.wal_senders_used, facts.max_wal_senders
        ),
        "one free WAL sender",
        Some(format!(
            "ALTER SYSTEM SET max_wal_senders = {}; then restart the server",
            facts
                .wal_senders_used
                .saturating_add(1)
                .max(facts.max_wal_senders.saturating_add(1))
        )),
    );

    // The slot.
    let slot_lit = quote_literal(&task.slot);
    let (passed, level, observed, hint) = if !valid_slot_name(&task.slot) {
        (
            false,
            Level::Error,
            format!("invalid name {slot_lit}"),
            Some("choose a slot name of 1 to 63 lower-case letters, digits and underscores".into()),
        )
    } else {
        match &facts.slot {
            None => (
                true,
                Level::Error,
                "does not exist (will be created)".into(),
                None,
            ),
            Some(s) if s.slot_type != "logical" || s.plugin.as_deref() != Some("pgoutput") => (
                false,
                Level::Error,
                format!(
                    "a {} slot with plugin {}",
                    s.slot_type,
                    s.plugin.as_deref().unwrap_or("(none)")
                ),
                Some(format!(
                    "choose another slot name, or drop it: SELECT pg_drop_replication_slot({slot_lit});"
                )),
            ),
            Some(s) if s.database.as_deref() != Some(facts.database.as_str()) => (
                false,
                Level::Error,
                format!(
                    "a pgoutput slot of database {}",
                    s.database.as_deref().unwrap_or("(none)")
                ),
                Some("choose another slot name (slots are per database)".into()),
            ),
            Some(s) => match s.active_pid {
                Some(pid) => (
                    false,
                    Level::Warning,
                    format!("a pgoutput slot of this database, in use by PID {pid}"),
                    Some(format!(
                        "stop the other consumer, or terminate it: SELECT pg_terminate_backend({pid})"
                    )),
                ),
                None => (
                    true,
                    Level::Error,
                    "a pgoutput slot of this database (will be resumed)".into(),
                    None,
                ),
            },
        }
    };
    push(
        CheckId::Slot,
        Some(task.slot.clone()),
        level,
        passed,
        observed,
        "no slot of that name, or an idle logical pgoutput slot of this database",
        hint,
    );

    // The role.
    let role = &facts.role;
    let role_q = quote_ident(&role.name);
    push(
        CheckId::ReplicationPrivilege,
        Some(role.name.clone()),
        Level::Error,
        role.superuser || role.replication,
        match (role.superuser, role.replication) {
            (true, _) => "superuser".into(),
            (false, true) => "REPLICATION".into(),
            (false, false) => "neither REPLICATION nor superuser".into(),
        },
        "REPLICATION or superuser",
        Some(format!("ALTER ROLE {role_q} REPLICATION;")),
    );

    // Tables.
    for missing in &facts.missing_tables {
        push(
            CheckId::TableExists,
            Some(missing.to_string()),
            Level::Error,
            false,
            "no such table".into(),
            "an ordinary or partitioned table",
            Some("check the name (names are case-sensitive) or remove it from the task".into()),
        );
    }
    let selected: Vec<&TableFacts> = facts
        .tables
        .iter()
        .filter(|t| t.selected_via.is_none())
        .collect();
    for t in &selected {
        push(
            CheckId::SelectPrivilege,
            Some(t.id.to_string()),
            Level::Error,
            role.superuser || t.select,
            if role.superuser || t.select {
                "SELECT granted".into()
            } else {
                "no SELECT".into()
            },
            "SELECT (for the initial snapshot)",
            Some(format!("GRANT SELECT ON {} TO {role_q};", qualified(&t.id))),
        );
    }
    let publishes_old_rows = facts
        .publication
        .as_ref()
        .is_none_or(|p| p.update || p.delete);
    for t in facts.tables.iter().filter(|t| !t.partitioned) {
        let (ok, observed) = match &t.replica_identity {
            ReplicaIdentity::Full => (true, "FULL".to_owned()),
            ReplicaIdentity::Default if t.has_primary_key => {
                (true, "DEFAULT (primary key)".to_owned())
            }
            ReplicaIdentity::Default => (false, "DEFAULT without a primary key".to_owned()),
            ReplicaIdentity::Index(Some(ix)) => (true, format!("USING INDEX {}", quote_ident(ix))),
            ReplicaIdentity::Index(None) => (
                false,
                "USING INDEX of a dropped index (acts as NOTHING)".to_owned(),
            ),
            ReplicaIdentity::Nothing => (false, "NOTHING".to_owned()),
        };
        let object = match &t.selected_via {
            Some(root) => format!("{} (partition of {root})", t.id),
            None => t.id.to_string(),
        };
        push(
            CheckId::ReplicaIdentity,
            Some(object),
            if publishes_old_rows {
                Level::Error
            } else {
                Level::Info
            },
            ok || !publishes_old_rows,
            observed,
            "FULL, a primary key, or USING INDEX of a unique index",
            Some(format!(
                "ALTER TABLE {} REPLICA IDENTITY FULL; (or add a primary key)",
                qualified(&t.id)
            )),
        );
    }

    // The publication.
    let pub_q = quote_ident(&task.publication);
    match &facts.publication {
        None => {
            let unowned: Vec<String> = selected
                .iter()
                .filter(|t| !t.owned)
                .map(|t| t.id.to_string())
                .collect();
            let can_create = role.superuser || (role.create_on_database && unowned.is_empty());
            let table_list = selected
                .iter()
                .map(|t| qualified(&t.id))
                .collect::<Vec<_>>()
                .join(", ");
            let create = if table_list.is_empty() {
                format!("CREATE PUBLICATION {pub_q} FOR ALL TABLES;")
            } else {
                format!("CREATE PUBLICATION {pub_q} FOR TABLE {table_list};")
            };
            let observed = if can_create {
                "does not exist; the role can create it".to_owned()
            } else if !role.create_on_database {
                "does not exist; the role lacks CREATE on the database".to_owned()
            } else {
                format!(
                    "does not exist; the role does not own {}",
                    unowned.join(", ")
                )
            };
            let hint = if role.create_on_database {
                format!("as the tables' owner or a superuser: {create}")
            } else {
                format!(
                    "GRANT CREATE ON DATABASE {} TO {role_q}; or have a superuser run: {create}",
                    quote_ident(&facts.database)
                )
            };
            push(
                CheckId::Publication,
                Some(task.publication.clone()),
                Level::Error,
                can_create,
                observed,
                "an existing publication, or CREATE on the database and ownership of the tables",
                Some(hint),
            );
        }
        Some(p) => {
            push(
                CheckId::Publication,
                Some(task.publication.clone()),
                Level::Error,
                true,
                if p.all_tables {
                    "exists, FOR ALL TABLES".into()
                } else {
                    format!("exists, {} tables", p.tables.len())
                },
                "an existing publication, or CREATE on the database and ownership of the tables",
                None,
            );
            let covered: HashSet<&TableId> = p.tables.iter().collect();
            for t in &selected {
                // A partitioned table is covered when it or all its partitions are.
                let parts: Vec<&TableFacts> = facts
                    .tables
                    .iter()
                    .filter(|c| c.selected_via.as_ref() == Some(&t.id) && !c.partitioned)
                    .collect();
                let ok = p.all_tables
                    || covered.contains(&t.id)
                    || (t.partitioned
                        && !parts.is_empty()
                        && parts.iter().all(|c| covered.contains(&c.id)));
                push(
                    CheckId::PublicationCoversTable,
                    Some(t.id.to_string()),
                    Level::Error,
                    ok,
                    if ok {
                        "published".into()
                    } else {
                        "not in the publication".into()
                    },
                    "in the publication",
                    Some(format!(
                        "ALTER PUBLICATION {pub_q} ADD TABLE {};",
                        qualified(&t.id)
                    )),
                );
                if t.partitioned {
                    push(
                        CheckId::PartitionRouting,
                        Some(t.id.to_string()),
                        Level::Info,
                        true,
                        if p.via_root {
                            format!("changes arrive as {} (publish_via_partition_root)", t.id)
                        } else {
                            "changes arrive under each partition's name".into()
                        },
                        "known to the consumer",
                        None,
                    );
                }
            }
            let ops = [
                ("insert", p.insert),
                ("update", p.update),
                ("delete", p.delete),
                ("truncate", p.truncate),
            ];
            let missing_ops: Vec<&str> =
                ops.iter().filter(|(_, on)| !on).map(|(n, _)| *n).collect();
            push(
                CheckId::PublicationOperations,
                Some(task.publication.clone()),
                Level::Warning,
                missing_ops.is_empty(),
                ops.iter()
                    .filter(|(_, on)| *on)
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
                "insert, update, delete, truncate",
                Some(format!(
                    "ALTER PUBLICATION {pub_q} SET (publish = 'insert, update, delete, truncate');"
                )),
            );
        }
    }
    out
}

/// Reads the [`Facts`] for `task` over a normal (not replication) session.
pub async fn gather<S>(conn: &mut Connection<S>, task: &PrecheckTask) -> Result<Facts>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let rows = fetch(
        conn,
        "server settings",
        "SELECT current_setting('server_version_num'), current_setting('wal_level'), \
                current_setting('max_replication_slots'), \
                (SELECT count(*) FROM pg_catalog.pg_replication_slots), \
                current_setting('max_wal_senders'), \
                (SELECT count(*) FROM pg_catalog.pg_stat_activity \
                  WHERE backend_type = 'walsender'), \
                current_database(), r.rolname, r.rolsuper, r.rolreplication, \
                has_database_privilege(current_database(), 'CREATE') \
         FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
        &[],
    )
    .await?;
    let row = one(&rows, "server settings")?;
    let f = F(row, "server settings");
    let mut facts = Facts {
        server_version_num: f.num(0)?,
        wal_level: f.text(1)?.to_owned(),
        max_replication_slots: f.num(2)?,
        replication_slots_used: f.num(3)?,
        max_wal_senders: f.num(4)?,
        wal_senders_used: f.num(5)?,
        slot: None,
        database: f.text(6)?.to_owned(),
        role: RoleFacts {
            name: f.text(7)?.to_owned(),
            superuser: f.bool(8)?,
            replication: f.bool(9)?,
            create_on_database: f.bool(10)?,
        },
        tables: Vec::new(),
        missing_tables: Vec::new(),
        publication: None,
    };

    let rows = fetch(
        conn,
        "replication slot",
        "SELECT plugin, slot_type, database, active_pid FROM pg_catalog.pg_replication_slots \
         WHERE slot_name = $1",
        &[Param::Text(&task.slot)],
    )
    .await?;
    if let Some(r) = rows.first() {
        let f = F(r, "replication slot");
        facts.slot = Some(SlotFacts {
            plugin: f.opt(0),
            slot_type: f.text(1)?.to_owned(),
            database: f.opt(2),
            active_pid: f.opt(3).and_then(|p| p.parse().ok()),
        });
    }

    // The selected tables and, below partitioned ones, every partition.
    let sql = format!(
        "WITH RECURSIVE sel AS ({SELECT_TABLES}),
         tree(oid, root) AS (
             SELECT oid::oid, NULL::oid FROM sel
           UNION
             SELECT i.inhrelid, COALESCE(t.root, t.oid)
             FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.oid
             JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid AND c.relispartition
         )
         SELECT DISTINCT ON (n.nspname, c.relname)
                n.nspname, c.relname, rn.nspname, rc.relname, c.relkind = 'p',
                c.relreplident::text,
                (SELECT ic.relname FROM pg_catalog.pg_index x
                   JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
                  WHERE x.indrelid = c.oid AND x.indisreplident),
                EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                         WHERE x.indrelid = c.oid AND x.indisprimary),
                pg_catalog.has_table_privilege(c.oid, 'SELECT'),
                pg_catalog.pg_has_role(c.relowner, 'USAGE')
         FROM tree t
         JOIN pg_catalog.pg_class c ON c.oid = t.oid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_catalog.pg_class rc ON rc.oid = t.root
         LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
         ORDER BY n.nspname, c.relname, t.root NULLS FIRST"
    );
    let [schemas, names, whole] = selection_params(&task.tables);
    let rows = fetch(
        conn,
        "selected tables",
        &sql,
        &[
            Param::Text(&schemas),
            Param::Text(&names),
            Param::Text(&whole),
        ],
    )
    .await?;
    for r in &rows {
        let f = F(r, "selected tables");
        let index = f.opt(6);
        facts.tables.push(TableFacts {
            id: TableId::new(f.text(0)?, f.text(1)?),
            selected_via: match (f.opt(2), f.opt(3)) {
                (Some(s), Some(n)) => Some(TableId::new(s, n)),
                _ => None,
            },
            partitioned: f.bool(4)?,
            replica_identity: match f.text(5)? {
                "n" => ReplicaIdentity::Nothing,
                "f" => ReplicaIdentity::Full,
                "i" => ReplicaIdentity::Index(index),
                _ => ReplicaIdentity::Default,
            },
            has_primary_key: f.bool(7)?,
            select: f.bool(8)?,
            owned: f.bool(9)?,
        });
    }
    let found: HashSet<&TableId> = facts
        .tables
        .iter()
        .filter(|t| t.selected_via.is_none())
        .map(|t| &t.id)
        .collect();
    facts.missing_tables = task
        .tables
        .tables
        .iter()
        .filter(|t| !found.contains(t))
        .cloned()
        .collect();

    // pubviaroot exists from 13 on, pubtruncate from 11 on.
    let v = facts.server_version_num;
    let via_root = if v >= 130_000 {
        "p.pubviaroot"
    } else {
        "false"
    };
    let truncate = if v >= 110_000 {
        "p.pubtruncate"
    } else {
        "false"
    };
    let rows = fetch(
        conn,
        "publication",
        &format!(
            "SELECT p.puballtables, {via_root}, p.pubinsert, p.pubupdate, p.pubdelete, {truncate} \
             FROM pg_catalog.pg_publication p WHERE p.pubname = $1"
        ),
        &[Param::Text(&task.publication)],
    )
    .await?;
    if let Some(r) = rows.first() {
        let f = F(r, "publication");
        let mut publication = PublicationFacts {
            all_tables: f.bool(0)?,
            via_root: f.bool(1)?,
            insert: f.bool(2)?,
            update: f.bool(3)?,
            delete: f.bool(4)?,
            truncate: f.bool(5)?,
            tables: Vec::new(),
        };
        let rows = fetch(
            conn,
            "publication tables",
            "SELECT schemaname::text, tablename::text FROM pg_catalog.pg_publication_tables \
              WHERE pubname = $1 \
             UNION \
             SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_publication_rel r \
               JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid \
               JOIN pg_catalog.pg_class c ON c.oid = r.prrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
              WHERE p.pubname = $1 \
             ORDER BY 1, 2",
            &[Param::Text(&task.publication)],
        )
        .await?;
        for r in &rows {
            let f = F(r, "publication tables");
            publication
                .tables
                .push(TableId::new(f.text(0)?, f.text(1)?));
        }
        facts.publication = Some(publication);
    }
    Ok(facts)
}

/// [`gather`], then [`evaluate`].
pub async fn run<S>(conn: &mut Connection<S>, task: &PrecheckTask) -> Result<Vec<Check>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let facts = gather(conn, task).await?;
    Ok(evaluate(task, &facts))
}

fn one<'a>(rows: &'a [Row], what: &str) -> Result<&'a Row> {
    rows.first()
        .ok_or_else(|| Error::protocol(format!("precheck query {what}: no row")))
}

/// Typed access to a row of a precheck query.
struct F<'a>(&'a Row, &'static str);

impl F<'_> {
    fn opt(&self, i: usize) -> Option<String> {
        self.0.get(i).map(str::to_owned)
    }

    fn text(&self, i: usize) -> Result<&str> {
        self.0.get(i).ok_or_else(|| {
            Error::protocol(format!(
                "precheck query {}, field {i}: unexpected NULL",
                self.1
            ))
        })
    }

    fn num<T: std::str::FromStr>(&self, i: usize) -> Result<T> {
        let s = self.text(i)?;
        s.parse().map_err(|_| {
            Error::protocol(format!(
                "precheck query {}, field {i}: not a number: {s:?}",
                self.1
            ))
        })
    }

    fn bool(&self, i: usize) -> Result<bool> {
        match self.text(i)? {
            "t" => Ok(true),
            "f" => Ok(false),
            other => Err(Error::protocol(format!(
                "precheck query {}, field {i}: expected a boolean, got {other:?}",
                self.1
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(checks: &[Check], id: CheckId) -> Vec<&Check> {
        checks.iter().filter(|c| c.id == id).collect()
    }

    fn table(schema: &str, name: &str) -> TableFacts {
        TableFacts {
            id: TableId::new(schema, name),
            selected_via: None,
            partitioned: false,
            replica_identity: ReplicaIdentity::Default,
            has_primary_key: true,
            select: true,
            owned: true,
        }
    }

    fn task() -> PrecheckTask {
        PrecheckTask::new("p", "s")
    }

    #[test]
    fn a_healthy_server_passes_everything() {
        let checks = evaluate(&task(), &Facts::example());
        assert!(checks.iter().all(|c| c.passed), "{checks:#?}");
        assert!(checks.iter().all(|c| c.hint.is_none()));
        let ids: Vec<CheckId> = checks.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                CheckId::ServerVersion,
                CheckId::ProtocolVersions,
                CheckId::WalLevel,
                CheckId::MaxReplicationSlots,
                CheckId::MaxWalSenders,
                CheckId::Slot,
                CheckId::ReplicationPrivilege,
                CheckId::Publication,
            ]
        );
        assert_eq!(
            find(&checks, CheckId::ProtocolVersions)[0].observed,
            "1 (base), 2 (streaming of large transactions), 3 (two-phase commit)"
        );
    }

    #[test]
    fn wal_level_replica_fails_with_a_hint() {
        for level in ["replica", "minimal"] {
            let mut f = Facts::example();
            f.wal_level = level.into();
            let c = evaluate(&task(), &f);
            let w = find(&c, CheckId::WalLevel)[0];
            assert!(!w.passed && w.is_blocking());
            assert_eq!(w.observed, level);
            assert_eq!(w.expected, "logical");
            assert_eq!(
                w.hint.as_deref(),
                Some("ALTER SYSTEM SET wal_level = logical; then restart the server")
            );
        }
    }

    #[test]
    fn old_servers_fail_and_protocol_versions_follow_the_version() {
        let mut f = Facts::example();
        f.server_version_num = 90_624;
        let c = evaluate(&task(), &f);
        assert!(!find(&c, CheckId::ServerVersion)[0].passed);
        assert_eq!(find(&c, CheckId::ServerVersion)[0].observed, "9.624");
        assert!(!find(&c, CheckId::ProtocolVersions)[0].passed);
        assert_eq!(protocol_versions(100_000), [(1, "base")]);
        assert_eq!(protocol_versions(140_005).len(), 2);
        assert_eq!(protocol_versions(160_001).len(), 4);
    }

    #[test]
    fn capacity_counts_slots_in_use_and_an_existing_slot() {
        let mut f = Facts::example();
        f.replication_slots_used = 10;
        f.wal_senders_used = 10;
        let c = evaluate(&task(), &f);
        let s = find(&c, CheckId::MaxReplicationSlots)[0];
        assert!(!s.passed);
        assert_eq!(s.observed, "10 of 10 slots in use");
        assert!(
            s.hint
                .as_deref()
                .unwrap()
                .contains("max_replication_slots = 11")
        );
        assert!(!find(&c, CheckId::MaxWalSenders)[0].passed);
        // the task's own slot is one of the ten: no new slot needed
        f.slot = Some(SlotFacts {
            plugin: Some("pgoutput".into()),
            slot_type: "logical".into(),
            database: Some("app".into()),
            active_pid: None,
        });
        let c = evaluate(&task(), &f);
        assert!(find(&c, CheckId::MaxReplicationSlots)[0].passed);
        assert!(find(&c, CheckId::Slot)[0].passed);
    }

    #[test]
    fn slot_checks() {
        let mut f = Facts::example();
        let slot = |plugin: &str, ty: &str, db: &str, pid| SlotFacts {
            plugin: Some(plugin.into()),
            slot_type: ty.into(),
            database: Some(db.into()),
            active_pid: pid,
        };
        f.slot = Some(slot("test_decoding", "logical", "app", None));
        let c = evaluate(&task(), &f);
        let s = find(&c, CheckId::Slot)[0];
        assert!(s.is_blocking());
        assert_eq!(s.observed, "a logical slot with plugin test_decoding");
        assert!(
            s.hint
                .as_deref()
                .unwrap()
                .contains("pg_drop_replication_slot('s')")
        );
        f.slot = Some(slot("pgoutput", "logical", "other", None));
        assert!(find(&evaluate(&task(), &f), CheckId::Slot)[0].is_blocking());
        f.slot = Some(slot("pgoutput", "logical", "app", Some(42)));
        let c = evaluate(&task(), &f);
        let s = find(&c, CheckId::Slot)[0];
        assert!(!s.passed && s.level == Level::Warning && !s.is_blocking());
        let bad = PrecheckTask::new("p", "Bad-Name");
        assert!(find(&evaluate(&bad, &Facts::example()), CheckId::Slot)[0].is_blocking());
        assert!(valid_slot_name("cdc_1"));
        assert!(!valid_slot_name(&"a".repeat(64)));
        assert!(!valid_slot_name(""));
    }

    #[test]
    fn replica_identity_needs_full_a_key_or_an_index() {
        let mut f = Facts::example();
        let mut nopk = table("public", "no pk");
        nopk.has_primary_key = false;
        let mut nothing = table("public", "nothing");
        nothing.replica_identity = ReplicaIdentity::Nothing;
        let mut full = table("public", "full");
        full.replica_identity = ReplicaIdentity::Full;
        full.has_primary_key = false;
        let mut dropped = table("public", "dropped");
        dropped.replica_identity = ReplicaIdentity::Index(None);
        let mut parent = table("public", "parent");
        parent.partitioned = true;
        parent.has_primary_key = false;
        let mut part = table("public", "part_1");
        part.selected_via = Some(parent.id.clone());
        part.has_primary_key = false;
        f.tables = vec![
            nopk,
            nothing,
            full,
            dropped,
            table("public", "ok"),
            parent,
            part,
        ];
        let c = evaluate(&task(), &f);
        let ri: Vec<(String, bool)> = find(&c, CheckId::ReplicaIdentity)
            .iter()
            .map(|c| (c.object.clone().unwrap(), c.passed))
            .collect();
        assert_eq!(
            ri,
            [
                ("public.no pk".to_owned(), false),
                ("public.nothing".to_owned(), false),
                ("public.full".to_owned(), true),
                ("public.dropped".to_owned(), false),
                ("public.ok".to_owned(), true),
                (
                    "public.part_1 (partition of public.parent)".to_owned(),
                    false
                ),
            ]
        );
        let first = find(&c, CheckId::ReplicaIdentity)[0];
        assert_eq!(
            first.hint.as_deref(),
            Some("ALTER TABLE \"public\".\"no pk\" REPLICA IDENTITY FULL; (or add a primary key)")
        );
        // an insert-only publication needs no identity
        f.publication = Some(PublicationFacts {
            all_tables: true,
            via_root: false,
            insert: true,
            update: false,
            delete: false,
            truncate: false,
            tables: vec![],
        });
        let c = evaluate(&task(), &f);
        assert!(find(&c, CheckId::ReplicaIdentity).iter().all(|c| c.passed));
        let ops = find(&c, CheckId::PublicationOperations)[0];
        assert!(!ops.passed && ops.level == Level::Warning);
        assert_eq!(ops.observed, "insert");
    }

    #[test]
    fn missing_publication_needs_create_and_ownership() {
        let mut f = Facts::example();
        let mut t = table("s", "t\"x");
        t.owned = false;
        f.tables = vec![t];
        let c = evaluate(&task(), &f);
        let p = find(&c, CheckId::Publication)[0];
        assert!(p.is_blocking());
        assert_eq!(p.observed, "does not exist; the role does not own s.t\"x");
        assert_eq!(
            p.hint.as_deref(),
            Some(
                "as the tables' owner or a superuser: CREATE PUBLICATION \"p\" FOR TABLE \"s\".\"t\"\"x\";"
            )
        );
        f.role.create_on_database = false;
        let c = evaluate(&task(), &f);
        assert!(
            find(&c, CheckId::Publication)[0]
                .hint
                .as_deref()
                .unwrap()
                .starts_with("GRANT CREATE ON DATABASE \"app\" TO \"cdc\";")
        );
        f.role.superuser = true;
        assert!(find(&evaluate(&task(), &f), CheckId::Publication)[0].passed);
    }

    #[test]
    fn checks_serialize_as_plain_data() {
        let mut f = Facts::example();
        f.wal_level = "replica".into();
        let c = evaluate(&task(), &f);
        let w = find(&c, CheckId::WalLevel)[0];
        let json = serde_json::to_string(w).unwrap();
        assert_eq!(
            json,
            r#"{"id":"wal_level","object":null,"level":"error","passed":false,"observed":"replica","expected":"logical","hint":"ALTER SYSTEM SET wal_level = logical; then restart the server"}"#
        );
        let back: Check = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, w);
        assert_eq!(
            w.to_string(),
            "[FAILED] wal_level: found replica, need logical; fix: ALTER SYSTEM SET wal_level = logical; then restart the server"
        );
    }
}
