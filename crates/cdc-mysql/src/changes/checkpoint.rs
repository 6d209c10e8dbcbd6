//! Where a change stream resumes: a binlog position with its GTIDs, and the schema history
//! the events from there on decode with.

use cdc_model::{BinlogPosition, GtidSet, MariaGtidPosition, SourcePosition};
use cdc_mysql_schema::catalog::{self, CatalogRows};
use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaHistory, SchemaTracker, TrackerOptions};
use futures::io::{AsyncRead, AsyncWrite};
use serde::{Deserialize, Serialize};

use super::ChangeOptions;
use super::error::ChangeError;
use crate::connection::Connection;
use crate::error::{Error, codes};
use crate::replication;

/// A resume point that survives restarts: the end of the last transaction the consumer
/// received, its GTIDs, and the schema history as of it (serde: a readable JSON document).
///
/// The history holds every table's schema in force at [`binlog`](Self::binlog) and any later
/// versions the stream already knew of; [`Checkpoint::history`] rewinds it to just before
/// `binlog`, so a stream started here applies the DDL after it again and decodes every row
/// with the schema in force at the row's position, whatever DDL came later.
///
/// ```
/// use cdc_mysql::changes::Checkpoint;
/// use cdc_mysql_schema::{DatabaseDef, Flavor, SchemaHistory, SchemaTracker, TrackerOptions};
/// let mut t = SchemaTracker::new(TrackerOptions::new(Flavor::MariaDb));
/// t.seed_database("d", DatabaseDef { charset: "utf8mb4".into(), collation: "utf8mb4_general_ci".into() });
/// let mut h = SchemaHistory::new(t);
/// h.apply(&"bin.000001:400".parse().unwrap(), "d", "CREATE TABLE t (a INT)").unwrap();
/// h.apply(&"bin.000001:900".parse().unwrap(), "d", "ALTER TABLE t ADD b INT").unwrap();
/// let pos = cdc_mysql::Checkpoint {
///     binlog: "bin.000001:700".parse().unwrap(),
///     mariadb_gtid: Some("0-1-5".parse().unwrap()),
///     mysql_gtid: None,
/// };
/// let cp = Checkpoint::new(&pos, &h).unwrap();
/// let back = Checkpoint::from_json(&cp.to_json().unwrap()).unwrap();
/// assert_eq!(back, cp);
/// let t = cdc_model::TableId::new("d", "t");
/// // the ALTER at 900 is after the checkpoint: it is applied again when the stream reaches it
/// assert_eq!(back.history().unwrap().current().schema(&t).unwrap().columns.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// File and offset of the next event to read.
    pub binlog: BinlogPosition,
    /// MariaDB GTID position at `binlog`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mariadb_gtid: Option<MariaGtidPosition>,
    /// MySQL GTIDs executed at `binlog`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_gtid: Option<GtidSet>,
    /// Where the binlog was when the base schemas were read from the catalog, when that is
    /// after `binlog`: DDL of followed databases logged before it is an error
    /// ([`ChangeError::SchemaChangedBeforeCatalogRead`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_read_at: Option<BinlogPosition>,
    /// The schema history ([`SchemaHistory::to_json`]), pruned to what positions from just
    /// before `binlog` on need.
    pub history: serde_json::Value,
}

/// The position just before `p`: events never start one byte apart, so no event lies between
/// it and `p`, and a DDL event at `p` itself is after it.
pub(crate) fn just_before(p: &BinlogPosition) -> SourcePosition {
    SourcePosition::Binlog(BinlogPosition::new(
        p.file.clone(),
        p.offset.saturating_sub(1),
    ))
}

fn json_err(e: impl std::fmt::Display) -> ChangeError {
    ChangeError::Checkpoint(e.to_string())
}

impl Checkpoint {
    /// A checkpoint at `position` with `history`, which must hold the versions in force at
    /// `position` (a history pruned after it does not) and may hold later ones: they are
    /// dropped when the checkpoint is loaded.
    pub fn new(
        position: &replication::Checkpoint,
        history: &SchemaHistory,
    ) -> Result<Checkpoint, ChangeError> {
        let mut h = history.clone();
        h.prune_before(&just_before(&position.binlog));
        let text = h.to_json().map_err(|e| ChangeError::schema(None, e))?;
        Ok(Checkpoint {
            binlog: position.binlog.clone(),
            mariadb_gtid: position.mariadb_gtid.clone(),
            mysql_gtid: position.mysql_gtid.clone(),
            catalog_read_at: None,
            history: serde_json::from_str(&text).map_err(json_err)?,
        })
    }

    /// The replication position (to start a plain [`crate::BinlogStream`]).
    pub fn position(&self) -> replication::Checkpoint {
        replication::Checkpoint {
            binlog: self.binlog.clone(),
            mariadb_gtid: self.mariadb_gtid.clone(),
            mysql_gtid: self.mysql_gtid.clone(),
        }
    }

    /// The schema history as of this checkpoint: versions from `binlog` on are dropped, so
    /// the DDL there is applied again as the stream reads it.
    pub fn history(&self) -> Result<SchemaHistory, ChangeError> {
        let mut h = SchemaHistory::from_json(&self.history.to_string())
            .map_err(|e| ChangeError::schema(None, e))?;
        h.rewind_to(&just_before(&self.binlog));
        Ok(h)
    }

    /// The checkpoint as JSON.
    pub fn to_json(&self) -> Result<String, ChangeError> {
        serde_json::to_string(self).map_err(json_err)
    }

    /// Reads a checkpoint written by [`Checkpoint::to_json`].
    pub fn from_json(json: &str) -> Result<Checkpoint, ChangeError> {
        serde_json::from_str(json).map_err(json_err)
    }

    /// A first checkpoint at `start` (from [`crate::consistent_snapshot`], or the server's
    /// current position): reads the server's character sets, defaults and the catalog of the
    /// databases `options.filter` covers into a schema history.
    ///
    /// The catalog is read after `start`; the binlog position after the read is kept as
    /// [`catalog_read_at`](Self::catalog_read_at), and a DDL statement on a followed database
    /// between the two fails the stream instead of decoding rows with the wrong schema.
    pub async fn from_catalog<S: AsyncRead + AsyncWrite + Unpin>(
        conn: &mut Connection<S>,
        options: &ChangeOptions,
        start: &replication::Checkpoint,
    ) -> Result<Checkpoint, ChangeError> {
        let flavor = Flavor::from_version(&conn.server().version);
        let mut topts = TrackerOptions::new(flavor);
        topts.shadow_tables = options.shadow_tables.clone();
        let rows = conn
            .query_rows(catalog::CHARACTER_SETS_SQL)
            .await
            .map_err(|e| e.during("reading character sets"))?;
        let rows: Vec<_> = rows.iter().map(crate::Row::to_strings).collect();
        topts
            .charsets
            .load_rows(&rows)
            .map_err(|e| ChangeError::schema(None, e))?;
        let vars = conn
            .query_first(
                "SELECT @@character_set_server, @@collation_server, @@lower_case_table_names",
            )
            .await?
            .ok_or_else(|| Error::protocol("no row for the server's variables"))?;
        if let (Some(cs), Some(coll)) = (vars.get_str(0), vars.get_str(1)) {
            topts.server_default = Some(DatabaseDef {
                charset: cs.to_ascii_lowercase(),
                collation: coll.to_ascii_lowercase(),
            });
        }
        topts.case_insensitive_names = vars.get_str(2).is_some_and(|v| v.trim() != "0");
        let mut filter = options.filter.clone();
        filter.case_insensitive |= topts.case_insensitive_names;

        let databases = filter.named_databases();
        let mut raw = CatalogRows::default();
        if databases.as_ref().is_none_or(|d| !d.is_empty()) {
            for (sql, out) in [
                (catalog::SCHEMATA_SQL, &mut raw.schemata),
                (catalog::TABLES_SQL, &mut raw.tables),
                (catalog::COLUMNS_SQL, &mut raw.columns),
                (catalog::STATISTICS_SQL, &mut raw.statistics),
            ] {
                let sql = match &databases {
                    Some(dbs) => {
                        let names: Vec<&str> = dbs.iter().map(String::as_str).collect();
                        catalog::restrict(sql, &names)
                    }
                    None => sql.to_string(),
                };
                let rows = conn
                    .query_rows(&sql)
                    .await
                    .map_err(|e| e.during("reading the catalog"))?;
                *out = rows.iter().map(crate::Row::to_strings).collect();
            }
        }
        let mut cat = catalog::from_rows(flavor, &raw).map_err(|e| ChangeError::schema(None, e))?;
        cat.databases
            .retain(|(name, _)| filter.covers_database(name));
        cat.tables
            .retain(|t| filter.covers_database(&t.schema.id.schema));
        let history = SchemaHistory::new(SchemaTracker::from_catalog(topts, &cat));

        let read_at = binlog_position(conn).await?;
        let mut cp = Checkpoint::new(start, &history)?;
        if read_at > start.binlog {
            cp.catalog_read_at = Some(read_at);
        }
        Ok(cp)
    }
}

/// The server's current binlog file and offset.
async fn binlog_position<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
) -> Result<BinlogPosition, ChangeError> {
    let status = match conn.query_first("SHOW MASTER STATUS").await {
        Err(e) if e.code() == Some(codes::ER_PARSE_ERROR) => {
            conn.query_first("SHOW BINARY LOG STATUS").await?
        }
        other => other?,
    };
    let row = status.ok_or_else(|| Error::usage("binary logging is off on the server"))?;
    let file = row
        .get_str(0)
        .ok_or_else(|| Error::protocol("SHOW MASTER STATUS without a file"))?;
    let offset = row
        .get_str(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| Error::protocol("SHOW MASTER STATUS without a position"))?;
    Ok(BinlogPosition::new(file, offset))
}
