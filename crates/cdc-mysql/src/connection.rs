//! The connection: packet framing over any `AsyncRead + AsyncWrite`, the handshake and
//! authentication, text queries, prepared statements.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use futures::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use mysql_common::auth::plugins::{self as plugins, AuthProc, ChallengeResponsePlugin};
use mysql_common::constants::CapabilityFlags;
use mysql_common::io::ParseBuf;
use mysql_common::packets::{
    AuthPlugin, AuthSwitchRequest, HandshakePacket, HandshakeResponse, SslRequest,
};
use mysql_common::proto::MySerialize;

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result, ServerError};
use crate::row::{Row, RowFormat};
use crate::wire::{
    Column, Columns, Cursor, OkPacket, is_eof_or_ok_terminator, put_lenenc_bytes, status,
};

const READ_CHUNK: usize = 64 * 1024;
/// Largest payload of one packet; a payload this long continues in the next packet.
pub(crate) const MAX_PAYLOAD: usize = 0xFF_FFFF;
/// `max_packet_size` announced in the handshake response (1 GiB, the server's maximum).
const MAX_PACKET_SIZE: u32 = 1 << 30;
/// `utf8mb4_general_ci`: the connection character set.
const UTF8MB4_GENERAL_CI: u8 = 45;

/// Command bytes.
pub(crate) mod com {
    pub(crate) const QUIT: u8 = 0x01;
    pub(crate) const QUERY: u8 = 0x03;
    pub(crate) const PING: u8 = 0x0E;
    pub(crate) const STMT_PREPARE: u8 = 0x16;
    pub(crate) const STMT_EXECUTE: u8 = 0x17;
    pub(crate) const STMT_CLOSE: u8 = 0x19;
}

/// What the server said about itself in its greeting.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServerInfo {
    /// The version string (`8.0.36`, `5.5.5-10.11.6-MariaDB-0+deb12u1`).
    pub version: String,
    /// The connection (thread) id, as in `CONNECTION_ID()` and `KILL`.
    pub connection_id: u32,
    /// Whether the server is MariaDB.
    pub mariadb: bool,
    /// The server's capability flags (`CLIENT_*`).
    pub capabilities: u32,
    /// The authentication plugin the server proposed first.
    pub auth_plugin: String,
}

impl ServerInfo {
    /// Whether the server offers TLS (`CLIENT_SSL`).
    pub fn supports_tls(&self) -> bool {
        self.capabilities & CapabilityFlags::CLIENT_SSL.bits() != 0
    }
}

/// Where the protocol stands between calls. A call abandoned half way (its future dropped)
/// leaves a result set unread: the next call reads it away first.
#[derive(Clone, Debug)]
pub(crate) enum State {
    /// Nothing outstanding.
    Ready,
    /// Rows of a result set are unread.
    Rows { columns: Columns, format: RowFormat },
    /// Another result set follows.
    NextResult { format: RowFormat },
    /// A response of another kind was abandoned half way, or the connection broke: no
    /// further command can be trusted to line up with its response.
    Broken,
}

/// The authentication context mysql_common's plugins ask for.
struct AuthCtx<'a> {
    pass: &'a [u8],
    tls: bool,
    scramble: &'a [u8],
    key: Option<&'a [u8]>,
}

impl plugins::Context for &AuthCtx<'_> {
    fn pass(&self) -> &[u8] {
        self.pass
    }
    fn is_ipc_transport(&self) -> bool {
        false
    }
    fn is_tls_transport(&self) -> bool {
        self.tls
    }
    fn scramble(&self) -> &[u8] {
        self.scramble
    }
    fn server_key_pem(&self) -> Option<&[u8]> {
        self.key
    }
}

/// A prepared statement from [`Connection::prepare`]; close it with [`Connection::close`].
#[derive(Clone, Debug)]
pub struct Statement {
    id: u32,
    params: Vec<Column>,
    columns: Columns,
}

impl Statement {
    /// The server's statement id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Parameter descriptions (the server describes most as `VAR_STRING`).
    pub fn params(&self) -> &[Column] {
        &self.params
    }

    /// Result columns (empty for statements that return no rows).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
}

/// A parameter of a prepared statement, sent in the binary protocol.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Param<'a> {
    /// SQL `NULL`.
    Null,
    /// A signed integer (`BIGINT`).
    Int(i64),
    /// An unsigned integer (`BIGINT UNSIGNED`).
    UInt(u64),
    /// A double.
    Double(f64),
    /// A string in the connection character set (utf8mb4); the server converts it to the
    /// parameter's type, so decimals and temporals can be passed as their text.
    Text(&'a str),
    /// Bytes (`VARBINARY`/`BLOB`).
    Bytes(&'a [u8]),
}

/// One result of a statement: rows with their columns, or an OK for statements without rows.
#[derive(Clone, Debug, Default)]
pub struct ResultSet {
    /// The columns (empty for statements that return no rows).
    pub columns: Option<Columns>,
    /// The rows.
    pub rows: Vec<Row>,
    /// The OK (or EOF) that ended the result: affected rows, last insert id, warnings.
    pub ok: OkPacket,
}

/// A result set being read row by row, from [`Connection::query_iter`] or
/// [`Connection::execute_iter`]. Dropping it before the end is fine: the connection reads
/// the rest away before its next command.
#[derive(Debug)]
pub struct RowReader<'a, S> {
    conn: &'a mut Connection<S>,
}

/// The session over a byte stream the caller opened (TCP, Unix socket, TLS).
///
/// Every method takes `&mut self`: one command at a time.
pub struct Connection<S> {
    stream: S,
    rbuf: BytesMut,
    wbuf: BytesMut,
    seq: u8,
    caps: CapabilityFlags,
    server: ServerInfo,
    tls: bool,
    pub(crate) state: State,
    status: u16,
    last_ok: OkPacket,
}

impl<S> std::fmt::Debug for Connection<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .field("tls", &self.tls)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn server_info(hs: &HandshakePacket<'_>) -> ServerInfo {
    let version = hs.server_version_str().into_owned();
    ServerInfo {
        mariadb: version.contains("MariaDB"),
        version,
        connection_id: hs.connection_id(),
        capabilities: hs.capabilities().bits(),
        auth_plugin: hs
            .auth_plugin_name_str()
            .map(|s| s.into_owned())
            .unwrap_or_else(|| "mysql_native_password".into()),
    }
}

/// The capabilities this client asks for, limited to what the server offers.
fn client_capabilities(server: CapabilityFlags, config: &Config, tls: bool) -> CapabilityFlags {
    let mut want = CapabilityFlags::CLIENT_LONG_PASSWORD
        | CapabilityFlags::CLIENT_LONG_FLAG
        | CapabilityFlags::CLIENT_PROTOCOL_41
        | CapabilityFlags::CLIENT_TRANSACTIONS
        | CapabilityFlags::CLIENT_SECURE_CONNECTION
        | CapabilityFlags::CLIENT_MULTI_STATEMENTS
        | CapabilityFlags::CLIENT_MULTI_RESULTS
        | CapabilityFlags::CLIENT_PS_MULTI_RESULTS
        | CapabilityFlags::CLIENT_PLUGIN_AUTH
        | CapabilityFlags::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
        | CapabilityFlags::CLIENT_DEPRECATE_EOF;
    if config.database.is_some() {
        want |= CapabilityFlags::CLIENT_CONNECT_WITH_DB;
    }
    if !config.attributes.is_empty() {
        want |= CapabilityFlags::CLIENT_CONNECT_ATTRS;
    }
    if tls {
        want |= CapabilityFlags::CLIENT_SSL;
    }
    want & server
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    fn new(stream: S) -> Connection<S> {
        Connection {
            stream,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            wbuf: BytesMut::with_capacity(1024),
            seq: 0,
            caps: CapabilityFlags::empty(),
            server: ServerInfo {
                version: String::new(),
                connection_id: 0,
                mariadb: false,
                capabilities: 0,
                auth_plugin: String::new(),
            },
            tls: false,
            state: State::Broken,
            status: 0,
            last_ok: OkPacket::default(),
        }
    }

    /// Reads the server's greeting, authenticates as `config` says, and returns the ready
    /// session. Plain connections only; see [`connect_tls`](Self::connect_tls) for TLS.
    ///
    /// Authentication plugins: `mysql_native_password`, `caching_sha2_password` (fast path,
    /// and full authentication with the server's RSA key — from the config or asked from
    /// the server), MariaDB's `client_ed25519`, `mysql_clear_password` (only over TLS), with
    /// auth switch requests between them.
    pub async fn connect(stream: S, config: &Config) -> Result<Connection<S>> {
        let mut conn = Connection::new(stream);
        let hs = conn.read_greeting().await?;
        conn.authenticate(&hs, config)
            .await
            .map_err(|e| e.during("authentication"))?;
        Ok(conn)
    }

    /// Like [`connect`](Self::connect), over TLS: reads the greeting on `stream`, sends the
    /// `SSLRequest`, hands the stream to `upgrade` (which runs the TLS client handshake with
    /// the caller's TLS library and returns the encrypted stream), then authenticates over
    /// it. Fails with a configuration error when the server does not offer TLS; a caller
    /// that merely prefers TLS connects again with [`connect`](Self::connect).
    ///
    /// ```ignore
    /// // With any TLS crate over futures io, e.g. futures-rustls (not a dependency here):
    /// let tcp = async_net::TcpStream::connect((host, 3306)).await?;
    /// let conn = cdc_mysql::Connection::connect_tls(tcp, &config, async |tcp| {
    ///     connector.connect(server_name, tcp).await
    /// })
    /// .await?;
    /// ```
    pub async fn connect_tls<T, U>(stream: T, config: &Config, upgrade: U) -> Result<Connection<S>>
    where
        T: AsyncRead + AsyncWrite + Unpin,
        U: AsyncFnOnce(T) -> std::io::Result<S>,
    {
        let mut plain = Connection::new(stream);
        let hs = plain.read_greeting().await?;
        if !plain.server.supports_tls() {
            return Err(Error::config("the server does not offer TLS").during("handshake"));
        }
        let caps = client_capabilities(hs.capabilities(), config, true);
        let mut req = Vec::new();
        SslRequest::new(caps, MAX_PACKET_SIZE, UTF8MB4_GENERAL_CI).serialize(&mut req);
        plain.write_packet(&req)?;
        plain.flush().await?;
        if !plain.rbuf.is_empty() {
            return Err(Error::protocol(
                "the server sent data before the TLS handshake",
            ));
        }
        let Connection {
            stream,
            seq,
            server,
            ..
        } = plain;
        let tls = upgrade(stream)
            .await
            .map_err(|e| Error::from(e).during("TLS handshake"))?;
        let mut conn = Connection::new(tls);
        conn.seq = seq;
        conn.server = server;
        conn.tls = true;
        conn.authenticate(&hs, config)
            .await
            .map_err(|e| e.during("authentication"))?;
        Ok(conn)
    }

    async fn read_greeting(&mut self) -> Result<HandshakePacket<'static>> {
        self.seq = 0;
        let payload = self
            .read_packet()
            .await
            .map_err(|e| e.during("handshake"))?;
        if payload.first() == Some(&0xFF) {
            return Err(server_error(&payload).during("handshake"));
        }
        if payload.first() != Some(&10) {
            return Err(Error::protocol(format!(
                "handshake protocol version {:?}, only 10 is supported",
                payload.first()
            )));
        }
        let hs: HandshakePacket<'_> = ParseBuf(&payload)
            .parse(())
            .map_err(|e| Error::protocol(format!("malformed handshake: {e}")))?;
        if !hs
            .capabilities()
            .contains(CapabilityFlags::CLIENT_PROTOCOL_41)
        {
            return Err(Error::protocol("the server does not speak protocol 4.1"));
        }
        self.server = server_info(&hs);
        Ok(hs.into_owned())
    }

    async fn authenticate(&mut self, hs: &HandshakePacket<'_>, config: &Config) -> Result<()> {
        if config.user.is_empty() {
            return Err(Error::config("no user name"));
        }
        self.caps = client_capabilities(hs.capabilities(), config, self.tls);
        let pass = config.password.as_deref().unwrap_or_default();
        let mut scramble = hs.nonce();
        // the 20-byte scramble ends with a NUL some servers count in the nonce
        if scramble.len() == 21 && scramble.last() == Some(&0) {
            scramble.pop();
        }
        let plugin_name = self.server.auth_plugin.clone();
        let plugin = AuthPlugin::from_bytes(plugin_name.as_bytes()).into_owned();
        let mut proc = init_plugin(&plugin, self.tls)?;
        let first = {
            let ctx = AuthCtx {
                pass,
                tls: self.tls,
                scramble: &scramble,
                key: config.server_public_key.as_deref(),
            };
            proc.run(&ctx, &scramble)
                .map_err(|e| Error::auth(format!("{plugin_name}: {e}")))?
        };
        let attrs = (!config.attributes.is_empty()).then(|| {
            config
                .attributes
                .iter()
                .cloned()
                .collect::<std::collections::HashMap<_, _>>()
        });
        let resp = HandshakeResponse::new(
            Some(first.data().unwrap_or_default()),
            hs.server_version_parsed().unwrap_or((5, 5, 5)),
            Some(config.user.as_bytes()),
            config.database.as_deref().map(str::as_bytes),
            Some(plugin),
            self.caps,
            attrs,
            MAX_PACKET_SIZE,
        );
        self.caps = resp.capabilities();
        let mut buf = Vec::new();
        resp.serialize(&mut buf);
        self.write_packet(&buf)?;
        self.flush().await?;
        let mut plugin_name = plugin_name;
        loop {
            let payload = self.read_packet().await?;
            match payload.first() {
                Some(0x00) => {
                    let ok = OkPacket::parse(&payload)?;
                    self.status = ok.status;
                    self.last_ok = ok;
                    self.state = State::Ready;
                    return Ok(());
                }
                Some(0xFF) => return Err(server_error(&payload)),
                Some(0xFE) => {
                    // auth switch request: a new plugin and its own scramble
                    let req: AuthSwitchRequest<'_> = ParseBuf(&payload)
                        .parse(())
                        .map_err(|e| Error::protocol(format!("malformed auth switch: {e}")))?;
                    let plugin = req.auth_plugin().into_owned();
                    plugin_name = String::from_utf8_lossy(plugin.as_bytes()).into_owned();
                    scramble = req.plugin_data().to_vec();
                    proc = init_plugin(&plugin, self.tls)?;
                    let ctx = AuthCtx {
                        pass,
                        tls: self.tls,
                        scramble: &scramble,
                        key: config.server_public_key.as_deref(),
                    };
                    let r = proc
                        .run(&ctx, &scramble)
                        .map_err(|e| Error::auth(format!("{plugin_name}: {e}")))?;
                    self.write_packet(r.data().unwrap_or_default())?;
                    self.flush().await?;
                }
                Some(0x01) => {
                    // more data for the current plugin
                    let ctx = AuthCtx {
                        pass,
                        tls: self.tls,
                        scramble: &scramble,
                        key: config.server_public_key.as_deref(),
                    };
                    let r = proc
                        .run(&ctx, payload.get(1..).unwrap_or_default())
                        .map_err(|e| Error::auth(format!("{plugin_name}: {e}")))?;
                    if let Some(data) = r.data() {
                        self.write_packet(data)?;
                        self.flush().await?;
                    }
                }
                other => {
                    return Err(Error::protocol(format!(
                        "unexpected packet {other:?} during authentication"
                    )));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Framing

    /// Reads one physical packet and checks its sequence number.
    pub(crate) fn poll_packet(&mut self, cx: &mut Context<'_>) -> Poll<Result<Bytes>> {
        loop {
            if let Some(&[l0, l1, l2, seq]) = self.rbuf.first_chunk::<4>() {
                let len = usize::from(l0) | usize::from(l1) << 8 | usize::from(l2) << 16;
                if self.rbuf.len() >= 4 + len {
                    if seq != self.seq {
                        self.state = State::Broken;
                        return Poll::Ready(Err(Error::protocol(format!(
                            "packet sequence {seq}, expected {}",
                            self.seq
                        ))));
                    }
                    self.seq = self.seq.wrapping_add(1);
                    self.rbuf.advance(4);
                    let payload = self.rbuf.split_to(len).freeze();
                    return Poll::Ready(Ok(payload));
                }
                self.rbuf.reserve(4 + len - self.rbuf.len());
            }
            if let Err(e) = ready!(self.poll_fill(cx)) {
                self.state = State::Broken;
                return Poll::Ready(Err(e));
            }
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

    /// Reads one logical packet: physical packets of the maximum length are joined with the
    /// ones that continue them.
    pub(crate) async fn read_packet(&mut self) -> Result<Bytes> {
        let first = poll_fn(|cx| self.poll_packet(cx)).await?;
        if first.len() < MAX_PAYLOAD {
            return Ok(first);
        }
        let mut whole = BytesMut::from(&first[..]);
        loop {
            let next = poll_fn(|cx| self.poll_packet(cx)).await?;
            whole.extend_from_slice(&next);
            if next.len() < MAX_PAYLOAD {
                return Ok(whole.freeze());
            }
        }
    }

    /// Queues `payload` as one logical packet (split into physical ones as needed).
    pub(crate) fn write_packet(&mut self, payload: &[u8]) -> Result<()> {
        let mut rest = payload;
        loop {
            let n = rest.len().min(MAX_PAYLOAD);
            let (chunk, tail) = rest.split_at(n);
            self.wbuf.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
            self.wbuf.extend_from_slice(&[self.seq]);
            self.wbuf.extend_from_slice(chunk);
            self.seq = self.seq.wrapping_add(1);
            rest = tail;
            if n < MAX_PAYLOAD {
                return Ok(());
            }
        }
    }

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

    pub(crate) async fn flush(&mut self) -> Result<()> {
        let r = poll_fn(|cx| self.poll_flush_buf(cx)).await;
        if r.is_err() {
            self.state = State::Broken;
        }
        r
    }

    /// Sends a command (a fresh sequence) after reading away what an abandoned call left.
    pub(crate) async fn send_command(&mut self, command: u8, body: &[u8]) -> Result<()> {
        self.sync_state().await?;
        self.seq = 0;
        let mut payload = Vec::with_capacity(1 + body.len());
        payload.push(command);
        payload.extend_from_slice(body);
        self.write_packet(&payload)?;
        // until the response is read whole
        self.state = State::Broken;
        self.flush().await
    }

    async fn sync_state(&mut self) -> Result<()> {
        loop {
            match &self.state {
                State::Ready => return Ok(()),
                State::Broken => {
                    return Err(Error::usage(
                        "the connection broke or a call was abandoned in the middle of a \
                         response; open a new connection",
                    ));
                }
                State::Rows { .. } => while self.next_row().await?.is_some() {},
                State::NextResult { format } => {
                    let format = *format;
                    // a failing statement in the abandoned batch ends it
                    if let Err(e) = self.read_result_header(format).await
                        && e.server_error().is_none()
                    {
                        return Err(e);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Results

    fn deprecate_eof(&self) -> bool {
        self.caps.contains(CapabilityFlags::CLIENT_DEPRECATE_EOF)
    }

    fn finish_result(&mut self, ok: OkPacket, format: RowFormat) {
        self.status = ok.status;
        self.state = if ok.more_results() {
            State::NextResult { format }
        } else {
            State::Ready
        };
        self.last_ok = ok;
    }

    /// Reads a result's first packet: an OK (no rows), an ERR, or the column definitions of
    /// a result set. Returns the columns, if any.
    async fn read_result_header(&mut self, format: RowFormat) -> Result<Option<Columns>> {
        self.state = State::Broken;
        let payload = self.read_packet().await?;
        match payload.first() {
            Some(0x00) => {
                let ok = OkPacket::parse(&payload)?;
                self.finish_result(ok, format);
                Ok(None)
            }
            Some(0xFF) => {
                self.state = State::Ready;
                Err(server_error(&payload))
            }
            Some(0xFB) => {
                // LOCAL INFILE request: refuse by sending an empty file
                self.write_packet(&[])?;
                self.flush().await?;
                let reply = self.read_packet().await?;
                if reply.first() == Some(&0xFF) {
                    self.state = State::Ready;
                    return Err(server_error(&reply));
                }
                let ok = OkPacket::parse(&reply)?;
                self.finish_result(ok, format);
                Err(Error::usage("LOAD DATA LOCAL INFILE is not supported"))
            }
            _ => {
                let n = Cursor::new(&payload).lenenc()?;
                let columns = self.read_columns(n).await?;
                self.state = State::Rows {
                    columns: columns.clone(),
                    format,
                };
                Ok(Some(columns))
            }
        }
    }

    async fn read_columns(&mut self, n: u64) -> Result<Columns> {
        let mut columns = Vec::with_capacity(usize::try_from(n.min(4096)).unwrap_or(0));
        for _ in 0..n {
            let p = self.read_packet().await?;
            columns.push(Column::parse(&p)?);
        }
        if !self.deprecate_eof() && n > 0 {
            let eof = self.read_packet().await?;
            if !is_eof_or_ok_terminator(&eof) {
                return Err(Error::protocol("column definitions not ended by EOF"));
            }
        }
        Ok(Arc::from(columns))
    }

    /// The next row of the result set being read; `None` at its end (then the OK is in
    /// [`last_ok`](Self::last_ok)).
    pub(crate) async fn next_row(&mut self) -> Result<Option<Row>> {
        let State::Rows { columns, format } = &self.state else {
            return Ok(None);
        };
        let (columns, format) = (columns.clone(), *format);
        let payload = match self.read_packet().await {
            Ok(p) => p,
            Err(e) => {
                self.state = State::Broken;
                return Err(e);
            }
        };
        if is_eof_or_ok_terminator(&payload) {
            let ok = if self.deprecate_eof() {
                OkPacket::parse(&payload)?
            } else {
                OkPacket::parse_eof(&payload)?
            };
            self.finish_result(ok, format);
            return Ok(None);
        }
        if payload.first() == Some(&0xFF) {
            // an error in the middle of the rows (e.g. the query was killed) ends the result
            self.state = State::Ready;
            return Err(server_error(&payload));
        }
        let row = match format {
            RowFormat::Text => Row::parse_text(columns, payload),
            RowFormat::Binary => Row::parse_binary(columns, payload),
        };
        if row.is_err() {
            self.state = State::Broken;
        }
        row.map(Some)
    }

    async fn collect_results(
        &mut self,
        first: Option<Columns>,
        format: RowFormat,
    ) -> Result<Vec<ResultSet>> {
        let mut out = Vec::new();
        let mut columns = first;
        loop {
            let mut rows = Vec::new();
            while let Some(r) = self.next_row().await? {
                rows.push(r);
            }
            out.push(ResultSet {
                columns,
                rows,
                ok: self.last_ok.clone(),
            });
            if !matches!(self.state, State::NextResult { .. }) {
                return Ok(out);
            }
            columns = self.read_result_header(format).await?;
        }
    }

    // ------------------------------------------------------------------------------------
    // Commands

    /// Runs `sql` (one statement, or several separated by `;`) with the text protocol and
    /// returns every result, rows and all. A failing statement ends the batch with its error.
    pub async fn query(&mut self, sql: &str) -> Result<Vec<ResultSet>> {
        self.send_command(com::QUERY, sql.as_bytes()).await?;
        let first = self.read_result_header(RowFormat::Text).await?;
        self.collect_results(first, RowFormat::Text).await
    }

    /// Runs `sql` and returns the rows of its first result set (text protocol).
    pub async fn query_rows(&mut self, sql: &str) -> Result<Vec<Row>> {
        Ok(self
            .query(sql)
            .await?
            .into_iter()
            .next()
            .map(|r| r.rows)
            .unwrap_or_default())
    }

    /// Runs `sql` and returns its first row, if any.
    pub async fn query_first(&mut self, sql: &str) -> Result<Option<Row>> {
        Ok(self.query_rows(sql).await?.into_iter().next())
    }

    /// Runs statements that return no rows (or whose rows are not wanted); returns the
    /// affected rows of the last one.
    pub async fn execute(&mut self, sql: &str) -> Result<u64> {
        let results = self.query(sql).await?;
        Ok(results
            .last()
            .map(|r| r.ok.affected_rows)
            .unwrap_or_default())
    }

    /// Runs `sql` with the text protocol and reads its first result set row by row.
    /// Further result sets (of a multi-statement `sql`) are read away before the next
    /// command.
    pub async fn query_iter(&mut self, sql: &str) -> Result<RowReader<'_, S>> {
        self.send_command(com::QUERY, sql.as_bytes()).await?;
        self.read_result_header(RowFormat::Text).await?;
        Ok(RowReader { conn: self })
    }

    /// `COM_STMT_PREPARE`: prepares `sql` (with `?` placeholders) on the server.
    pub async fn prepare(&mut self, sql: &str) -> Result<Statement> {
        self.send_command(com::STMT_PREPARE, sql.as_bytes()).await?;
        let payload = self.read_packet().await?;
        if payload.first() == Some(&0xFF) {
            self.state = State::Ready;
            return Err(server_error(&payload));
        }
        let mut c = Cursor::new(&payload);
        if c.u8()? != 0 {
            return Err(Error::protocol("malformed COM_STMT_PREPARE response"));
        }
        let id = c.u32()?;
        let ncols = c.u16()?;
        let nparams = c.u16()?;
        let params = self.read_columns(u64::from(nparams)).await?.to_vec();
        let columns = self.read_columns(u64::from(ncols)).await?;
        self.state = State::Ready;
        Ok(Statement {
            id,
            params,
            columns,
        })
    }

    /// `COM_STMT_CLOSE`: frees a prepared statement (the server sends no answer).
    pub async fn close(&mut self, stmt: Statement) -> Result<()> {
        self.send_command(com::STMT_CLOSE, &stmt.id.to_le_bytes())
            .await?;
        self.state = State::Ready;
        Ok(())
    }

    async fn send_execute(&mut self, stmt: &Statement, params: &[Param<'_>]) -> Result<()> {
        if params.len() != stmt.params.len() {
            return Err(Error::usage(format!(
                "the statement has {} parameters, {} given",
                stmt.params.len(),
                params.len()
            )));
        }
        let mut body = Vec::with_capacity(16 + params.len() * 10);
        body.extend_from_slice(&stmt.id.to_le_bytes());
        body.push(0); // CURSOR_TYPE_NO_CURSOR
        body.extend_from_slice(&1u32.to_le_bytes()); // iteration count
        if !params.is_empty() {
            let mut bitmap = vec![0u8; params.len().div_ceil(8)];
            for (i, p) in params.iter().enumerate() {
                if matches!(p, Param::Null)
                    && let Some(b) = bitmap.get_mut(i / 8)
                {
                    *b |= 1 << (i % 8);
                }
            }
            body.extend_from_slice(&bitmap);
            body.push(1); // new params bound: types follow
            use crate::wire::column_types as t;
            for p in params {
                let (ty, unsigned) = match p {
                    Param::Null => (t::NULL, false),
                    Param::Int(_) => (t::LONGLONG, false),
                    Param::UInt(_) => (t::LONGLONG, true),
                    Param::Double(_) => (t::DOUBLE, false),
                    Param::Text(_) => (t::VAR_STRING, false),
                    Param::Bytes(_) => (t::BLOB, false),
                };
                body.push(ty);
                body.push(if unsigned { 0x80 } else { 0 });
            }
            for p in params {
                match p {
                    Param::Null => {}
                    Param::Int(v) => body.extend_from_slice(&v.to_le_bytes()),
                    Param::UInt(v) => body.extend_from_slice(&v.to_le_bytes()),
                    Param::Double(v) => body.extend_from_slice(&v.to_le_bytes()),
                    Param::Text(s) => put_lenenc_bytes(&mut body, s.as_bytes()),
                    Param::Bytes(b) => put_lenenc_bytes(&mut body, b),
                }
            }
        }
        self.send_command(com::STMT_EXECUTE, &body).await
    }

    /// `COM_STMT_EXECUTE`: runs a prepared statement with `params` and returns its results
    /// (rows in the binary protocol).
    pub async fn execute_statement(
        &mut self,
        stmt: &Statement,
        params: &[Param<'_>],
    ) -> Result<Vec<ResultSet>> {
        self.send_execute(stmt, params).await?;
        let first = self.read_result_header(RowFormat::Binary).await?;
        self.collect_results(first, RowFormat::Binary).await
    }

    /// Like [`execute_statement`](Self::execute_statement), reading the first result set
    /// row by row.
    pub async fn execute_iter(
        &mut self,
        stmt: &Statement,
        params: &[Param<'_>],
    ) -> Result<RowReader<'_, S>> {
        self.send_execute(stmt, params).await?;
        self.read_result_header(RowFormat::Binary).await?;
        Ok(RowReader { conn: self })
    }

    /// `COM_PING`.
    pub async fn ping(&mut self) -> Result<()> {
        self.send_command(com::PING, &[]).await?;
        self.read_ok().await.map(drop)
    }

    /// `COM_QUIT`: ends the session and closes the stream.
    pub async fn quit(mut self) -> Result<()> {
        self.send_command(com::QUIT, &[]).await?;
        self.stream.close().await?;
        Ok(())
    }

    /// Reads an OK (or ERR) as the whole response of a command.
    pub(crate) async fn read_ok(&mut self) -> Result<OkPacket> {
        let payload = self.read_packet().await?;
        match payload.first() {
            Some(0x00) => {
                let ok = OkPacket::parse(&payload)?;
                self.status = ok.status;
                self.last_ok = ok.clone();
                self.state = State::Ready;
                Ok(ok)
            }
            Some(0xFF) => {
                self.state = State::Ready;
                Err(server_error(&payload))
            }
            _ => Err(Error::protocol("OK packet expected")),
        }
    }

    // ------------------------------------------------------------------------------------
    // Session facts

    /// What the server said about itself.
    pub fn server(&self) -> &ServerInfo {
        &self.server
    }

    /// Whether the session runs over TLS (it was opened with [`connect_tls`](Self::connect_tls)).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The negotiated capability flags (`CLIENT_*`).
    pub fn capabilities(&self) -> u32 {
        self.caps.bits()
    }

    /// The OK packet of the last statement (affected rows, last insert id, warnings).
    pub fn last_ok(&self) -> &OkPacket {
        &self.last_ok
    }

    /// Whether the session is inside a transaction (per the last status flags).
    pub fn in_transaction(&self) -> bool {
        self.status & status::IN_TRANS != 0
    }

    /// Whether the connection can take another command (it is not broken).
    pub fn is_usable(&self) -> bool {
        !matches!(self.state, State::Broken)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> RowReader<'_, S> {
    /// The columns of the result set (`None` when the statement returned no rows).
    pub fn columns(&self) -> Option<&Columns> {
        match &self.conn.state {
            State::Rows { columns, .. } => Some(columns),
            _ => None,
        }
    }

    /// The next row; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Row>> {
        self.conn.next_row().await
    }

    /// The OK that ended the result set (after [`next`](Self::next) returned `None`).
    pub fn ok(&self) -> &OkPacket {
        &self.conn.last_ok
    }
}

fn init_plugin(plugin: &AuthPlugin<'_>, tls: bool) -> Result<AuthProc> {
    if *plugin == AuthPlugin::MysqlClearPassword && !tls {
        return Err(Error::auth(
            "the server asks for mysql_clear_password, which is only sent over TLS",
        ));
    }
    if *plugin == AuthPlugin::MysqlOldPassword {
        return Err(Error::auth("mysql_old_password (pre-4.1) is not supported"));
    }
    AuthProc::init(plugin).map_err(|e| Error::auth(e.to_string()))
}

pub(crate) fn server_error(payload: &[u8]) -> Error {
    match ServerError::parse(payload) {
        Some(e) => e.into(),
        None => Error::protocol("malformed ERR packet"),
    }
}
