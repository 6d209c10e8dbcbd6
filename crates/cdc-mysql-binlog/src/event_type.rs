//! Event type codes of MySQL 5.0–8.4 and MariaDB, and which of them may change rows.

#[allow(missing_docs)]
pub mod codes {
    pub const UNKNOWN: u8 = 0;
    pub const START_V3: u8 = 1;
    pub const QUERY: u8 = 2;
    pub const STOP: u8 = 3;
    pub const ROTATE: u8 = 4;
    pub const INTVAR: u8 = 5;
    pub const LOAD: u8 = 6;
    pub const SLAVE: u8 = 7;
    pub const CREATE_FILE: u8 = 8;
    pub const APPEND_BLOCK: u8 = 9;
    pub const EXEC_LOAD: u8 = 10;
    pub const DELETE_FILE: u8 = 11;
    pub const NEW_LOAD: u8 = 12;
    pub const RAND: u8 = 13;
    pub const USER_VAR: u8 = 14;
    pub const FORMAT_DESCRIPTION: u8 = 15;
    pub const XID: u8 = 16;
    pub const BEGIN_LOAD_QUERY: u8 = 17;
    pub const EXECUTE_LOAD_QUERY: u8 = 18;
    pub const TABLE_MAP: u8 = 19;
    pub const PRE_GA_WRITE_ROWS: u8 = 20;
    pub const PRE_GA_UPDATE_ROWS: u8 = 21;
    pub const PRE_GA_DELETE_ROWS: u8 = 22;
    pub const WRITE_ROWS_V1: u8 = 23;
    pub const UPDATE_ROWS_V1: u8 = 24;
    pub const DELETE_ROWS_V1: u8 = 25;
    pub const INCIDENT: u8 = 26;
    pub const HEARTBEAT: u8 = 27;
    pub const IGNORABLE: u8 = 28;
    pub const ROWS_QUERY: u8 = 29;
    pub const WRITE_ROWS_V2: u8 = 30;
    pub const UPDATE_ROWS_V2: u8 = 31;
    pub const DELETE_ROWS_V2: u8 = 32;
    pub const GTID: u8 = 33;
    pub const ANONYMOUS_GTID: u8 = 34;
    pub const PREVIOUS_GTIDS: u8 = 35;
    pub const TRANSACTION_CONTEXT: u8 = 36;
    pub const VIEW_CHANGE: u8 = 37;
    pub const XA_PREPARE: u8 = 38;
    pub const PARTIAL_UPDATE_ROWS: u8 = 39;
    pub const TRANSACTION_PAYLOAD: u8 = 40;
    pub const HEARTBEAT_V2: u8 = 41;
    pub const GTID_TAGGED: u8 = 42;
    // MariaDB
    pub const MARIA_ANNOTATE_ROWS: u8 = 160;
    pub const MARIA_BINLOG_CHECKPOINT: u8 = 161;
    pub const MARIA_GTID: u8 = 162;
    pub const MARIA_GTID_LIST: u8 = 163;
    pub const MARIA_START_ENCRYPTION: u8 = 164;
    pub const MARIA_QUERY_COMPRESSED: u8 = 165;
    pub const MARIA_WRITE_ROWS_COMPRESSED_V0: u8 = 166;
    pub const MARIA_UPDATE_ROWS_COMPRESSED_V0: u8 = 167;
    pub const MARIA_DELETE_ROWS_COMPRESSED_V0: u8 = 168;
    pub const MARIA_WRITE_ROWS_COMPRESSED_V1: u8 = 169;
    pub const MARIA_UPDATE_ROWS_COMPRESSED_V1: u8 = 170;
    pub const MARIA_DELETE_ROWS_COMPRESSED_V1: u8 = 171;
    pub const MARIA_PARTIAL_ROW_DATA: u8 = 172;
}

/// The name MySQL/MariaDB use for an event type code (`"WRITE_ROWS_EVENT_V1"`), or `"UNKNOWN"`.
pub fn event_type_name(code: u8) -> &'static str {
    use codes::*;
    match code {
        START_V3 => "START_EVENT_V3",
        QUERY => "QUERY_EVENT",
        STOP => "STOP_EVENT",
        ROTATE => "ROTATE_EVENT",
        INTVAR => "INTVAR_EVENT",
        LOAD => "LOAD_EVENT",
        SLAVE => "SLAVE_EVENT",
        CREATE_FILE => "CREATE_FILE_EVENT",
        APPEND_BLOCK => "APPEND_BLOCK_EVENT",
        EXEC_LOAD => "EXEC_LOAD_EVENT",
        DELETE_FILE => "DELETE_FILE_EVENT",
        NEW_LOAD => "NEW_LOAD_EVENT",
        RAND => "RAND_EVENT",
        USER_VAR => "USER_VAR_EVENT",
        FORMAT_DESCRIPTION => "FORMAT_DESCRIPTION_EVENT",
        XID => "XID_EVENT",
        BEGIN_LOAD_QUERY => "BEGIN_LOAD_QUERY_EVENT",
        EXECUTE_LOAD_QUERY => "EXECUTE_LOAD_QUERY_EVENT",
        TABLE_MAP => "TABLE_MAP_EVENT",
        PRE_GA_WRITE_ROWS => "PRE_GA_WRITE_ROWS_EVENT",
        PRE_GA_UPDATE_ROWS => "PRE_GA_UPDATE_ROWS_EVENT",
        PRE_GA_DELETE_ROWS => "PRE_GA_DELETE_ROWS_EVENT",
        WRITE_ROWS_V1 => "WRITE_ROWS_EVENT_V1",
        UPDATE_ROWS_V1 => "UPDATE_ROWS_EVENT_V1",
        DELETE_ROWS_V1 => "DELETE_ROWS_EVENT_V1",
        INCIDENT => "INCIDENT_EVENT",
        HEARTBEAT => "HEARTBEAT_LOG_EVENT",
        IGNORABLE => "IGNORABLE_LOG_EVENT",
        ROWS_QUERY => "ROWS_QUERY_LOG_EVENT",
        WRITE_ROWS_V2 => "WRITE_ROWS_EVENT",
        UPDATE_ROWS_V2 => "UPDATE_ROWS_EVENT",
        DELETE_ROWS_V2 => "DELETE_ROWS_EVENT",
        GTID => "GTID_LOG_EVENT",
        ANONYMOUS_GTID => "ANONYMOUS_GTID_LOG_EVENT",
        PREVIOUS_GTIDS => "PREVIOUS_GTIDS_LOG_EVENT",
        TRANSACTION_CONTEXT => "TRANSACTION_CONTEXT_EVENT",
        VIEW_CHANGE => "VIEW_CHANGE_EVENT",
        XA_PREPARE => "XA_PREPARE_LOG_EVENT",
        PARTIAL_UPDATE_ROWS => "PARTIAL_UPDATE_ROWS_EVENT",
        TRANSACTION_PAYLOAD => "TRANSACTION_PAYLOAD_EVENT",
        HEARTBEAT_V2 => "HEARTBEAT_LOG_EVENT_V2",
        GTID_TAGGED => "GTID_TAGGED_LOG_EVENT",
        MARIA_ANNOTATE_ROWS => "ANNOTATE_ROWS_EVENT",
        MARIA_BINLOG_CHECKPOINT => "BINLOG_CHECKPOINT_EVENT",
        MARIA_GTID => "GTID_EVENT",
        MARIA_GTID_LIST => "GTID_LIST_EVENT",
        MARIA_START_ENCRYPTION => "START_ENCRYPTION_EVENT",
        MARIA_QUERY_COMPRESSED => "QUERY_COMPRESSED_EVENT",
        MARIA_WRITE_ROWS_COMPRESSED_V0 => "WRITE_ROWS_COMPRESSED_EVENT_V1",
        MARIA_UPDATE_ROWS_COMPRESSED_V0 => "UPDATE_ROWS_COMPRESSED_EVENT_V1",
        MARIA_DELETE_ROWS_COMPRESSED_V0 => "DELETE_ROWS_COMPRESSED_EVENT_V1",
        MARIA_WRITE_ROWS_COMPRESSED_V1 => "WRITE_ROWS_COMPRESSED_EVENT",
        MARIA_UPDATE_ROWS_COMPRESSED_V1 => "UPDATE_ROWS_COMPRESSED_EVENT",
        MARIA_DELETE_ROWS_COMPRESSED_V1 => "DELETE_ROWS_COMPRESSED_EVENT",
        MARIA_PARTIAL_ROW_DATA => "PARTIAL_ROW_DATA_EVENT",
        _ => "UNKNOWN",
    }
}
