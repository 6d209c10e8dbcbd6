//! The connection: framing over any `AsyncRead + AsyncWrite`, startup and authentication,
//! the simple and extended query protocols.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use fallible_iterator::FallibleIterator;
use futures::io::{AsyncRead, AsyncWrite};
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{self, ChannelBinding, ScramSha256};
use postgres_protocol::message::backend::{DataRowBody, Message, RowDescriptionBody};
use postgres_protocol::message::frontend;
use postgres_protocol::{IsNull, Oid};

use crate::config::{Config, ReplicationMode};
use crate::error::{DbError, Error, ErrorKind, Result};

const READ_CHUNK: usize = 16 * 1024;
/// Notices kept before the oldest are dropped (see [`Connection::take_notices`]).
const MAX_QUEUED_NOTICES: usize = 1024;

/// A backend message, plus the one `postgres-protocol` does not parse.
pub(crate) enum Backend {
    Msg(Message),
    /// `CopyBothResponse` ('W'), which starts replication streaming.
    CopyBoth,
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::CopyBoth => "CopyBothResponse",
            Backend::Msg(m) => message_name(m),
        }
    }
}

pub(crate) fn message_name(m: &Message) -> &'static str {
    match m {
        Message::AuthenticationOk => "AuthenticationOk",
        Message::BackendKeyData(_) => "BackendKeyData",
        Message::BindComplete => "BindComplete",
        Message::CloseComplete => "CloseComplete",
        Message::CommandComplete(_) => "CommandComplete",
        Message::CopyData(_) => "CopyData",
        Message::CopyDone => "CopyDone",
        Message::CopyInResponse(_) => "CopyInResponse",
        Message::CopyOutResponse(_) => "CopyOutResponse",
        Message::DataRow(_) => "DataRow",
        Message::EmptyQueryResponse => "EmptyQueryResponse",
        Message::ErrorResponse(_) => "ErrorResponse",
        Message::NoData => "NoData",
        Message::ParameterDescription(_) => "ParameterDescription",
        Message::ParseComplete => "ParseComplete",
        Message::PortalSuspended => "PortalSuspended",
        Message::ReadyForQuery(_) => "ReadyForQuery",
        Message::RowDescription(_) => "RowDescription",
        _ => "(authentication or asynchronous message)",
    }
}

/// Where the protocol stands between calls. Every call starts by bringing a connection that
/// an earlier, abandoned call (a dropped future, a COPY stream dropped half way) left in
/// the middle of something back to `Ready`, so dropping a future never desynchronizes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    /// ReadyForQuery was the last message.
    Ready,
    /// A request is outstanding: read (and discard) up to ReadyForQuery.
    Busy,
    /// The server is in COPY FROM STDIN: send CopyFail, then as `Busy`.
    CopyIn,
    /// The server streams replication (CopyBoth): send CopyDone, then as `Busy`.
    CopyBoth,
}

/// The transaction status reported by the last `ReadyForQuery`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TransactionStatus {
    /// Not in a transaction block.
    Idle,
    /// In a transaction block.
    InTransaction,
    /// In a failed transaction block (statements are rejected until it ends).
    Failed,
}

/// Data format of a parameter or result column.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Format {
    /// Text (the type's output function).
    #[default]
    Text,
    /// Binary (the type's send function).
    Binary,
}

impl Format {
    pub(crate) fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }

    pub(crate) fn from_code(code: i16) -> Format {
        if code == 1 {
            Format::Binary
        } else {
            Format::Text
        }
    }
}

/// A result column, from a `RowDescription`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Column {
    /// Column name (or label).
    pub name: String,
    /// OID of the table the column comes from, or 0.
    pub table_oid: Oid,
    /// Attribute number in that table, or 0.
    pub column_id: i16,
    /// OID of the column's type.
    pub type_oid: Oid,
    /// `pg_type.typlen` (negative for variable width).
    pub type_size: i16,
    /// Type modifier (`atttypmod`), e.g. length or precision; -1 when none.
    pub type_modifier: i32,
    /// Format of the values (always text in a statement description).
    pub format: Format,
}

fn columns(body: &RowDescriptionBody) -> Result<Arc<[Column]>> {
    body.fields()
        .map(|f| {
            Ok(Column {
                name: f.name().to_owned(),
                table_oid: f.table_oid(),
                column_id: f.column_id(),
                type_oid: f.type_oid(),
                type_size: f.type_size(),
                type_modifier: f.type_modifier(),
                format: Format::from_code(f.format()),
            })
        })
        .collect::<Vec<_>>()
        .map(Arc::from)
        .map_err(|e| Error::protocol(format!("malformed RowDescription: {e}")))
}

/// One result row. Values borrow the message's buffer (no copy per value).
#[derive(Clone, Debug)]
pub struct Row {
    columns: Arc<[Column]>,
    buffer: Bytes,
    ranges: Vec<Option<std::ops::Range<usize>>>,
}

impl Row {
    fn new(columns: Arc<[Column]>, body: &DataRowBody) -> Result<Row> {
        let ranges: Vec<_> = body
            .ranges()
            .collect()
            .map_err(|e| Error::protocol(format!("malformed DataRow: {e}")))?;
        if ranges.len() != columns.len() && !columns.is_empty() {
            return Err(Error::protocol(format!(
                "DataRow has {} values for {} columns",
                ranges.len(),
                columns.len()
            )));
        }
        Ok(Row {
            columns,
            buffer: body.buffer_bytes().clone(),
            ranges,
        })
    }

    /// The columns (empty when the statement's description was not known).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// True for a row of no columns.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// True when value `i` is SQL `NULL` (or `i` is out of range).
    pub fn is_null(&self, i: usize) -> bool {
        !matches!(self.ranges.get(i), Some(Some(_)))
    }

    /// The raw bytes of value `i` (text or binary, as requested); `None` for `NULL` or an
    /// index out of range.
    pub fn get_bytes(&self, i: usize) -> Option<&[u8]> {
        let r = self.ranges.get(i)?.clone()?;
        self.buffer.get(r)
    }

    /// Value `i` as a `Bytes` sharing the row's buffer.
    pub fn get_raw(&self, i: usize) -> Option<Bytes> {
        let r = self.ranges.get(i)?.clone()?;
        (r.end <= self.buffer.len()).then(|| self.buffer.slice(r))
    }

    /// Value `i` as text; `None` for `NULL`, an index out of range, or bytes that are not
    /// UTF-8 (text values always are: the session's `client_encoding` is `UTF8`).
    pub fn get(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.get_bytes(i)?).ok()
    }

    /// Value `i` by column name (the first column of that name).
    pub fn get_by_name(&self, name: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| c.name == name)?;
        self.get(i)
    }

    /// Every value as owned text (`None` for `NULL`; invalid UTF-8 replaced).
    pub fn to_strings(&self) -> Vec<Option<String>> {
        (0..self.len())
            .map(|i| {
                self.get_bytes(i)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            })
            .collect()
    }
}

/// One message of a simple query's response.
#[derive(Clone, Debug)]
pub enum SimpleQueryMessage {
    /// The columns of the rows that follow.
    RowDescription(Arc<[Column]>),
    /// A row (text format).
    Row(Row),
    /// A statement completed, with its command tag (`INSERT 0 3`, `SELECT 2`, `CREATE TABLE`).
    CommandComplete(String),
    /// The query string was empty.
    EmptyQuery,
}

/// The number at the end of a command tag (`INSERT 0 3` → 3, `COPY 10` → 10).
pub fn rows_affected(tag: &str) -> Option<u64> {
    tag.rsplit(' ').next()?.parse().ok()
}

/// A prepared statement (named, server side) from [`Connection::prepare`].
#[derive(Clone, Debug)]
pub struct Statement {
    name: String,
    params: Vec<Oid>,
    columns: Arc<[Column]>,
}

impl Statement {
    /// Its server-side name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parameter type OIDs, as the server inferred or was told.
    pub fn params(&self) -> &[Oid] {
        &self.params
    }

    /// Result columns (empty for statements that return no rows).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
}

/// A parameter value for the extended query protocol.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Param<'a> {
    /// SQL `NULL`.
    Null,
    /// Text format (the type's input syntax).
    Text(&'a str),
    /// Binary format (the type's receive format).
    Binary(&'a [u8]),
}

/// What an extended-protocol execution returned.
#[derive(Clone, Debug)]
pub struct QueryResult {
    /// Result columns (format as requested).
    pub columns: Arc<[Column]>,
    /// The rows.
    pub rows: Vec<Row>,
    /// The command tag (`SELECT 2`, `INSERT 0 1`); empty for an empty query.
    pub command_tag: String,
}

impl QueryResult {
    /// The row count of the command tag.
    pub fn rows_affected(&self) -> Option<u64> {
        rows_affected(&self.command_tag)
    }
}

/// A `NOTIFY` delivered to this session.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Notification {
    /// PID of the notifying backend.
    pub process_id: i32,
    /// Channel name.
    pub channel: String,
    /// Payload.
    pub payload: String,
}

/// Process id and secret key for a cancel request (`BackendKeyData`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BackendKey {
    /// The backend's process id.
    pub process_id: i32,
    /// The secret key.
    pub secret_key: i32,
}

/// A PostgreSQL session over a byte stream the caller opened (TCP, Unix socket, TLS).
///
/// Every method takes `&mut self`: one request at a time, no pipelining. Dropping a method's
/// future half way is safe: the next call first finishes or aborts what was left (reads up to
/// `ReadyForQuery`, sends CopyFail for an abandoned COPY FROM, CopyDone for abandoned
/// replication).
///
/// Notices (`NoticeResponse`) and notifications are queued; take them with
/// [`take_notices`](Connection::take_notices) and
/// [`take_notifications`](Connection::take_notifications).
pub struct Connection<S> {
    stream: S,
    rbuf: BytesMut,
    pub(crate) wbuf: BytesMut,
    parameters: HashMap<String, String>,
    backend_key: Option<BackendKey>,
    notices: VecDeque<DbError>,
    notifications: VecDeque<Notification>,
    pub(crate) state: State,
    tx_status: TransactionStatus,
    next_statement: u64,
    replication: ReplicationMode,
}

impl<S> std::fmt::Debug for Connection<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("state", &self.state)
            .field("tx_status", &self.tx_status)
            .field("backend_key", &self.backend_key)
            .field("replication", &self.replication)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Runs startup and authentication on `stream` (plain or already wrapped in TLS) and
    /// waits for the server to be ready.
    ///
    /// Supported authentication: trust, cleartext password, md5, SCRAM-SHA-256. For
    /// SCRAM-SHA-256-PLUS use [`connect_with_channel_binding`](Self::connect_with_channel_binding).
    pub async fn connect(stream: S, config: &Config) -> Result<Connection<S>> {
        Self::startup(stream, config, None).await
    }

    /// Like [`connect`](Self::connect) over TLS, with the `tls-server-end-point` channel
    /// binding data: the hash of the server's certificate (SHA-256 for certificates signed
    /// with MD5 or SHA-1, otherwise the certificate's own signature hash; RFC 5929 —
    /// [`tls_server_end_point_hash`](crate::tls_server_end_point_hash) picks it). When the
    /// server offers SCRAM-SHA-256-PLUS it is used, binding the authentication to this TLS
    /// session.
    pub async fn connect_with_channel_binding(
        stream: S,
        config: &Config,
        tls_server_end_point: Vec<u8>,
    ) -> Result<Connection<S>> {
        Self::startup(stream, config, Some(tls_server_end_point)).await
    }

    async fn startup(stream: S, config: &Config, binding: Option<Vec<u8>>) -> Result<Self> {
        if config.user.is_empty() {
            return Err(Error::config("no user name"));
        }
        let mut conn = Connection {
            stream,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            wbuf: BytesMut::with_capacity(1024),
            parameters: HashMap::new(),
            backend_key: None,
            notices: VecDeque::new(),
            notifications: VecDeque::new(),
            state: State::Busy,
            tx_status: TransactionStatus::Idle,
            next_statement: 0,
            replication: config.replication,
        };
        let result = async {
            frontend::startup_message(config.startup_params(), &mut conn.wbuf)?;
            conn.flush().await?;
            conn.authenticate(config, binding).await?;
            conn.finish_startup().await
        }
        .await;
        result.map_err(|e| e.during("startup"))?;
        Ok(conn)
    }

    async fn authenticate(&mut self, config: &Config, binding: Option<Vec<u8>>) -> Result<()> {
        let password = || {
            config
                .password
                .as_deref()
                .ok_or_else(|| Error::auth("the server asks for a password and none is set"))
        };
        let mut scram: Option<ScramSha256> = None;
        let mut scram_done = false;
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::AuthenticationOk) => {
                    if scram.is_some() && !scram_done {
                        return Err(Error::auth(
                            "the server accepted before proving it knows the password (SCRAM)",
                        ));
                    }
                    return Ok(());
                }
                Backend::Msg(Message::AuthenticationCleartextPassword) => {
                    frontend::password_message(password()?, &mut self.wbuf)?;
                    self.flush().await?;
                }
                Backend::Msg(Message::AuthenticationMd5Password(body)) => {
                    let hash = md5_hash(config.user.as_bytes(), password()?, body.salt());
                    frontend::password_message(hash.as_bytes(), &mut self.wbuf)?;
                    self.flush().await?;
                }
                Backend::Msg(Message::AuthenticationSasl(body)) => {
                    let mut plain = false;
                    let mut plus = false;
                    let mut mechs = body.mechanisms();
                    while let Some(m) = mechs.next()? {
                        plain |= m == sasl::SCRAM_SHA_256;
                        plus |= m == sasl::SCRAM_SHA_256_PLUS;
                    }
                    let (mechanism, cb) = match (&binding, plus, plain) {
                        (Some(data), true, _) => (
                            sasl::SCRAM_SHA_256_PLUS,
                            ChannelBinding::tls_server_end_point(data.clone()),
                        ),
                        (Some(_), false, true) => {
                            (sasl::SCRAM_SHA_256, ChannelBinding::unrequested())
                        }
                        (None, _, true) => (sasl::SCRAM_SHA_256, ChannelBinding::unsupported()),
                        _ => {
                            return Err(Error::auth(
                                "the server offers no SASL mechanism this client supports",
                            ));
                        }
                    };
                    let s = ScramSha256::new(password()?, cb);
                    frontend::sasl_initial_response(mechanism, s.message(), &mut self.wbuf)?;
                    scram = Some(s);
                    self.flush().await?;
                }
                Backend::Msg(Message::AuthenticationSaslContinue(body)) => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| Error::unexpected("AuthenticationSASLContinue"))?;
                    s.update(body.data())
                        .map_err(|e| Error::auth(format!("SCRAM: {e}")))?;
                    frontend::sasl_response(s.message(), &mut self.wbuf)?;
                    self.flush().await?;
                }
                Backend::Msg(Message::AuthenticationSaslFinal(body)) => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| Error::unexpected("AuthenticationSASLFinal"))?;
                    s.finish(body.data())
                        .map_err(|e| Error::auth(format!("SCRAM server proof: {e}")))?;
                    scram_done = true;
                }
                Backend::Msg(Message::ErrorResponse(body)) => {
                    return Err(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(
                    Message::AuthenticationGss
                    | Message::AuthenticationSspi
                    | Message::AuthenticationGssContinue(_),
                ) => return Err(Error::auth("GSSAPI/SSPI authentication is not supported")),
                Backend::Msg(Message::AuthenticationKerberosV5) => {
                    return Err(Error::auth("Kerberos V5 authentication is not supported"));
                }
                Backend::Msg(Message::AuthenticationScmCredential) => {
                    return Err(Error::auth(
                        "SCM credential authentication is not supported",
                    ));
                }
                other => return Err(Error::unexpected(other.name())),
            }
        }
    }

    async fn finish_startup(&mut self) -> Result<()> {
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::BackendKeyData(body)) => {
                    self.backend_key = Some(BackendKey {
                        process_id: body.process_id(),
                        secret_key: body.secret_key(),
                    });
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return Ok(());
                }
                Backend::Msg(Message::ErrorResponse(body)) => {
                    return Err(DbError::parse(body.fields())?.into());
                }
                other => return Err(Error::unexpected(other.name())),
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // I/O core: everything else is built on these two poll functions.

    /// Reads one message, handling the asynchronous ones (notices, parameter changes,
    /// notifications) on the way.
    pub(crate) fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<Backend>> {
        loop {
            let msg = ready!(self.poll_frame(cx))?;
            match msg {
                Backend::Msg(Message::NoticeResponse(body)) => {
                    let notice = DbError::parse(body.fields())?;
                    if self.notices.len() >= MAX_QUEUED_NOTICES {
                        self.notices.pop_front();
                    }
                    self.notices.push_back(notice);
                }
                Backend::Msg(Message::ParameterStatus(body)) => {
                    let (name, value) = (body.name()?, body.value()?);
                    self.parameters.insert(name.to_owned(), value.to_owned());
                }
                Backend::Msg(Message::NotificationResponse(body)) => {
                    self.notifications.push_back(Notification {
                        process_id: body.process_id(),
                        channel: body.channel()?.to_owned(),
                        payload: body.message()?.to_owned(),
                    });
                }
                other => return Poll::Ready(Ok(other)),
            }
        }
    }

    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Result<Backend>> {
        loop {
            if self.rbuf.first() == Some(&b'W') {
                // CopyBothResponse: 'W', length, format i8, column count i16, formats i16*.
                let len = self
                    .rbuf
                    .get(1..5)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok());
                if let Some(len) = len {
                    let len = u32::from_be_bytes(len) as usize;
                    if len < 4 {
                        return Poll::Ready(Err(Error::protocol("bad CopyBothResponse length")));
                    }
                    if self.rbuf.len() > len {
                        self.rbuf.advance(len + 1);
                        return Poll::Ready(Ok(Backend::CopyBoth));
                    }
                }
            } else if let Some(msg) = Message::parse(&mut self.rbuf)
                .map_err(|e| Error::protocol(format!("malformed message: {e}")))?
            {
                return Poll::Ready(Ok(Backend::Msg(msg)));
            }
            ready!(self.poll_fill(cx))?;
        }
    }

    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let len = self.rbuf.len();
        self.rbuf.resize(len + READ_CHUNK, 0);
        let tail = self.rbuf.get_mut(len..).unwrap_or_default();
        let res = Pin::new(&mut self.stream).poll_read(cx, tail);
        match res {
            Poll::Ready(Ok(0)) => {
                self.rbuf.truncate(len);
                Poll::Ready(Err(Error::new(ErrorKind::Closed)))
            }
            Poll::Ready(Ok(n)) => {
                self.rbuf.truncate(len + n.min(READ_CHUNK));
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                self.rbuf.truncate(len);
                Poll::Ready(Err(e.into()))
            }
            Poll::Pending => {
                self.rbuf.truncate(len);
                Poll::Pending
            }
        }
    }

    /// Writes out the write buffer and flushes the stream.
    pub(crate) fn poll_flush_buf(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        while !self.wbuf.is_empty() {
            let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &self.wbuf))?;
            if n == 0 {
                return Poll::Ready(Err(
                    std::io::Error::from(std::io::ErrorKind::WriteZero).into()
                ));
            }
            self.wbuf.advance(n.min(self.wbuf.len()));
        }
        Poll::Ready(ready!(Pin::new(&mut self.stream).poll_flush(cx)).map_err(Error::from))
    }

    pub(crate) async fn read_message(&mut self) -> Result<Backend> {
        poll_fn(|cx| self.poll_message(cx)).await
    }

    pub(crate) async fn flush(&mut self) -> Result<()> {
        poll_fn(|cx| self.poll_flush_buf(cx)).await
    }

    pub(crate) fn ready(&mut self, status: u8) {
        self.state = State::Ready;
        self.tx_status = match status {
            b'T' => TransactionStatus::InTransaction,
            b'E' => TransactionStatus::Failed,
            _ => TransactionStatus::Idle,
        };
    }

    /// Brings the connection back to `Ready` after an abandoned call; see the type's docs.
    pub(crate) async fn sync_state(&mut self) -> Result<()> {
        match self.state {
            State::Ready => return self.flush().await,
            State::CopyIn => {
                frontend::copy_fail("COPY abandoned by the client", &mut self.wbuf)?;
                self.state = State::Busy;
            }
            State::CopyBoth => {
                frontend::copy_done(&mut self.wbuf);
                self.state = State::Busy;
            }
            State::Busy => {}
        }
        self.flush().await?;
        self.drain_to_ready().await
    }

    /// Reads and discards up to `ReadyForQuery`.
    pub(crate) async fn drain_to_ready(&mut self) -> Result<()> {
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return Ok(());
                }
                Backend::Msg(Message::CopyInResponse(_)) => {
                    frontend::copy_fail("COPY abandoned by the client", &mut self.wbuf)?;
                    self.flush().await?;
                }
                Backend::CopyBoth => {
                    frontend::copy_done(&mut self.wbuf);
                    self.flush().await?;
                }
                _ => {}
            }
        }
    }

    /// Sends a simple `Query` after bringing the connection to `Ready`.
    pub(crate) async fn send_query(&mut self, sql: &str) -> Result<()> {
        self.sync_state().await?;
        frontend::query(sql, &mut self.wbuf)?;
        self.state = State::Busy;
        self.flush().await
    }

    // ------------------------------------------------------------------------------------
    // Session facts

    /// The server's run-time parameters as last reported (`server_version`, `TimeZone`,
    /// `integer_datetimes`, …).
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str)
    }

    /// All reported run-time parameters.
    pub fn parameters(&self) -> &HashMap<String, String> {
        &self.parameters
    }

    /// The `BackendKeyData` for cancel requests (none on some poolers).
    pub fn backend_key(&self) -> Option<BackendKey> {
        self.backend_key
    }

    /// The transaction status of the last `ReadyForQuery`.
    pub fn transaction_status(&self) -> TransactionStatus {
        self.tx_status
    }

    /// Whether this is a replication (walsender) session.
    pub fn replication_mode(&self) -> ReplicationMode {
        self.replication
    }

    /// Takes the queued notices (warnings, `RAISE NOTICE`, …), oldest first. At most 1024 are
    /// kept; older ones are dropped when nobody takes them.
    pub fn take_notices(&mut self) -> Vec<DbError> {
        self.notices.drain(..).collect()
    }

    /// Takes the queued `NOTIFY` messages, oldest first.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        self.notifications.drain(..).collect()
    }

    /// The stream, for callers that need its state (e.g. TLS details).
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Sends `Terminate` and returns the stream (the caller closes it).
    pub async fn close(mut self) -> Result<S> {
        // Best effort: a session stuck mid-request is terminated all the same.
        self.wbuf.clear();
        frontend::terminate(&mut self.wbuf);
        self.flush().await?;
        Ok(self.stream)
    }

    // ------------------------------------------------------------------------------------
    // Simple query protocol

    /// Runs `sql` (one or more `;`-separated statements) with the simple query protocol and
    /// returns every row (text format) and command tag.
    ///
    /// The first failing statement ends the query with its [`DbError`]. A `COPY` in `sql` is
    /// refused (use [`copy_out`](Self::copy_out) / [`copy_in`](Self::copy_in)).
    pub async fn simple_query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>> {
        self.send_query(sql).await?;
        let mut out = Vec::new();
        let mut cols: Arc<[Column]> = Arc::from(Vec::new());
        let mut error: Option<Error> = None;
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::RowDescription(body)) => {
                    cols = columns(&body)?;
                    out.push(SimpleQueryMessage::RowDescription(cols.clone()));
                }
                Backend::Msg(Message::DataRow(body)) => {
                    out.push(SimpleQueryMessage::Row(Row::new(cols.clone(), &body)?));
                }
                Backend::Msg(Message::CommandComplete(body)) => {
                    out.push(SimpleQueryMessage::CommandComplete(body.tag()?.to_owned()));
                }
                Backend::Msg(Message::EmptyQueryResponse) => {
                    out.push(SimpleQueryMessage::EmptyQuery);
                }
                Backend::Msg(Message::ErrorResponse(body)) => {
                    error.get_or_insert(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(Message::CopyInResponse(_)) => {
                    frontend::copy_fail("COPY is not supported by simple_query", &mut self.wbuf)?;
                    self.flush().await?;
                    error.get_or_insert(Error::usage("COPY FROM STDIN: use copy_in"));
                }
                Backend::Msg(Message::CopyOutResponse(_)) => {
                    error.get_or_insert(Error::usage("COPY TO STDOUT: use copy_out"));
                }
                Backend::Msg(Message::CopyData(_) | Message::CopyDone) => {}
                Backend::CopyBoth => {
                    frontend::copy_done(&mut self.wbuf);
                    self.flush().await?;
                    error.get_or_insert(Error::usage(
                        "START_REPLICATION: use start_logical_replication",
                    ));
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return match error {
                        Some(e) => Err(e),
                        None => Ok(out),
                    };
                }
                other => {
                    self.state = State::Busy;
                    return Err(Error::unexpected(other.name()));
                }
            }
        }
    }

    /// Runs `sql` and returns only its rows, as owned text (`None` for `NULL`).
    pub async fn query_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        Ok(self
            .simple_query(sql)
            .await?
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r.to_strings()),
                _ => None,
            })
            .collect())
    }

    /// Runs `sql` (any number of statements), discarding rows.
    pub async fn batch_execute(&mut self, sql: &str) -> Result<()> {
        self.simple_query(sql).await.map(drop)
    }

    // ------------------------------------------------------------------------------------
    // Extended query protocol

    /// Prepares `sql` as a named statement; parameter types are inferred by the server.
    pub async fn prepare(&mut self, sql: &str) -> Result<Statement> {
        self.prepare_typed(sql, &[]).await
    }

    /// Prepares `sql` with the given parameter type OIDs (0 lets the server infer one).
    pub async fn prepare_typed(&mut self, sql: &str, param_types: &[Oid]) -> Result<Statement> {
        self.check_extended()?;
        self.sync_state().await?;
        let name = format!("cdc_s{}", self.next_statement);
        self.next_statement += 1;
        frontend::parse(&name, sql, param_types.iter().copied(), &mut self.wbuf)?;
        frontend::describe(b'S', &name, &mut self.wbuf)?;
        frontend::sync(&mut self.wbuf);
        self.state = State::Busy;
        self.flush().await?;
        let mut params = Vec::new();
        let mut cols: Arc<[Column]> = Arc::from(Vec::new());
        let mut error: Option<Error> = None;
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::ParseComplete | Message::NoData) => {}
                Backend::Msg(Message::ParameterDescription(body)) => {
                    params = body.parameters().collect()?;
                }
                Backend::Msg(Message::RowDescription(body)) => cols = columns(&body)?,
                Backend::Msg(Message::ErrorResponse(body)) => {
                    error.get_or_insert(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return match error {
                        Some(e) => Err(e),
                        None => Ok(Statement {
                            name,
                            params,
                            columns: cols,
                        }),
                    };
                }
                other => {
                    self.state = State::Busy;
                    return Err(Error::unexpected(other.name()));
                }
            }
        }
    }

    /// Executes a prepared statement with `params` and returns all rows in `results` format.
    pub async fn execute(
        &mut self,
        statement: &Statement,
        params: &[Param<'_>],
        results: Format,
    ) -> Result<QueryResult> {
        if params.len() != statement.params.len() {
            return Err(Error::usage(format!(
                "statement takes {} parameters, {} given",
                statement.params.len(),
                params.len()
            )));
        }
        self.check_extended()?;
        self.sync_state().await?;
        bind(&statement.name, params, results, &mut self.wbuf)?;
        frontend::execute("", 0, &mut self.wbuf)?;
        frontend::sync(&mut self.wbuf);
        self.state = State::Busy;
        self.flush().await?;
        let cols: Arc<[Column]> = statement
            .columns
            .iter()
            .map(|c| Column {
                format: results,
                ..c.clone()
            })
            .collect();
        self.read_results(Some(cols)).await
    }

    /// Parses, binds and executes `sql` as the unnamed statement in one round trip.
    pub async fn execute_sql(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        results: Format,
    ) -> Result<QueryResult> {
        self.check_extended()?;
        self.sync_state().await?;
        frontend::parse("", sql, std::iter::empty(), &mut self.wbuf)?;
        bind("", params, results, &mut self.wbuf)?;
        frontend::describe(b'P', "", &mut self.wbuf)?;
        frontend::execute("", 0, &mut self.wbuf)?;
        frontend::sync(&mut self.wbuf);
        self.state = State::Busy;
        self.flush().await?;
        self.read_results(None).await
    }

    /// Closes (deallocates) a prepared statement.
    pub async fn close_statement(&mut self, statement: Statement) -> Result<()> {
        self.check_extended()?;
        self.sync_state().await?;
        frontend::close(b'S', &statement.name, &mut self.wbuf)?;
        frontend::sync(&mut self.wbuf);
        self.state = State::Busy;
        self.flush().await?;
        let mut error: Option<Error> = None;
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::CloseComplete) => {}
                Backend::Msg(Message::ErrorResponse(body)) => {
                    error.get_or_insert(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return error.map_or(Ok(()), Err);
                }
                other => {
                    self.state = State::Busy;
                    return Err(Error::unexpected(other.name()));
                }
            }
        }
    }

    fn check_extended(&self) -> Result<()> {
        if self.replication == ReplicationMode::Database {
            // A walsender accepts only the simple query protocol.
            return Err(Error::usage(
                "the extended query protocol is not available on a replication connection",
            ));
        }
        Ok(())
    }

    async fn read_results(&mut self, known: Option<Arc<[Column]>>) -> Result<QueryResult> {
        let mut result = QueryResult {
            columns: known.unwrap_or_else(|| Arc::from(Vec::new())),
            rows: Vec::new(),
            command_tag: String::new(),
        };
        let mut error: Option<Error> = None;
        loop {
            match self.read_message().await? {
                Backend::Msg(Message::ParseComplete | Message::BindComplete | Message::NoData) => {}
                Backend::Msg(Message::RowDescription(body)) => result.columns = columns(&body)?,
                Backend::Msg(Message::DataRow(body)) => {
                    result.rows.push(Row::new(result.columns.clone(), &body)?);
                }
                Backend::Msg(Message::CommandComplete(body)) => {
                    result.command_tag = body.tag()?.to_owned();
                }
                Backend::Msg(Message::EmptyQueryResponse | Message::PortalSuspended) => {}
                Backend::Msg(Message::ErrorResponse(body)) => {
                    error.get_or_insert(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(Message::CopyInResponse(_) | Message::CopyOutResponse(_)) => {
                    // In the extended protocol the server aborts COPY at Sync by itself.
                    error.get_or_insert(Error::usage("COPY: use copy_out / copy_in"));
                }
                Backend::Msg(Message::CopyData(_) | Message::CopyDone) => {}
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return error.map_or(Ok(result), Err);
                }
                other => {
                    self.state = State::Busy;
                    return Err(Error::unexpected(other.name()));
                }
            }
        }
    }
}

fn bind(statement: &str, params: &[Param<'_>], results: Format, buf: &mut BytesMut) -> Result<()> {
    let formats = params.iter().map(|p| match p {
        Param::Binary(_) => 1,
        Param::Text(_) | Param::Null => 0,
    });
    frontend::bind(
        "",
        statement,
        formats,
        params.iter(),
        |p, buf| {
            Ok(match p {
                Param::Null => IsNull::Yes,
                Param::Text(s) => {
                    buf.extend_from_slice(s.as_bytes());
                    IsNull::No
                }
                Param::Binary(b) => {
                    buf.extend_from_slice(b);
                    IsNull::No
                }
            })
        },
        std::iter::once(results.code()),
        buf,
    )
    .map_err(|e| match e {
        frontend::BindError::Conversion(e) => Error::usage(format!("parameter: {e}")),
        frontend::BindError::Serialization(e) => Error::from(e),
    })
}
