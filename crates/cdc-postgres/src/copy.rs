//! COPY: `COPY ... TO STDOUT` as a stream of chunks, `COPY ... FROM STDIN` as a writer.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use fallible_iterator::FallibleIterator;
use futures::Stream;
use futures::io::{AsyncRead, AsyncWrite};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;

use crate::connection::{Backend, Connection, Format, State, rows_affected};
use crate::error::{DbError, Error, Result};

/// The 19-byte header of a binary COPY stream: signature, flags (0, no OIDs), header
/// extension length (0).
pub const BINARY_COPY_HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The trailer of a binary COPY stream: a tuple field count of -1.
pub const BINARY_COPY_TRAILER: &[u8; 2] = &[0xff, 0xff];

/// Once this much CopyData is buffered, a write waits for the socket.
const COPY_IN_BUFFER: usize = 64 * 1024;

/// The format of a COPY, as the server announced it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CopyFormat {
    /// Overall format.
    pub format: Format,
    /// Per-column formats (all equal to `format` for COPY).
    pub column_formats: Vec<Format>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Starts `sql`, a `COPY ... TO STDOUT` statement, and returns its data as a stream of
    /// chunks (one per server CopyData message: a row for text and CSV, arbitrary pieces for
    /// binary).
    ///
    /// Dropping the stream before its end is allowed: the next call on the connection reads
    /// the rest and discards it.
    pub async fn copy_out(&mut self, sql: &str) -> Result<CopyOut<'_, S>> {
        self.send_query(sql).await?;
        let format = self.await_copy_response(false).await?;
        Ok(CopyOut {
            conn: self,
            format,
            command_tag: None,
            error: None,
            done: false,
        })
    }

    /// Starts `sql`, a `COPY ... FROM STDIN` statement, and returns a writer for its data.
    /// Finish with [`CopyIn::finish`] (or `AsyncWriteExt::close`); abort with
    /// [`CopyIn::abort`]. Dropping it unfinished aborts the COPY at the next call on the
    /// connection.
    pub async fn copy_in(&mut self, sql: &str) -> Result<CopyIn<'_, S>> {
        self.send_query(sql).await?;
        let format = self.await_copy_response(true).await?;
        self.state = State::CopyIn;
        Ok(CopyIn {
            conn: self,
            format,
            done_sent: false,
            rows: None,
            error: None,
            result: None,
            failed: false,
        })
    }

    async fn await_copy_response(&mut self, copy_in: bool) -> Result<CopyFormat> {
        let mut error: Option<Error> = None;
        loop {
            let msg = self.read_message().await?;
            let format = match &msg {
                Backend::Msg(Message::CopyOutResponse(b)) if !copy_in => {
                    Some((b.format(), b.column_formats().collect::<Vec<_>>()?))
                }
                Backend::Msg(Message::CopyInResponse(b)) if copy_in => {
                    Some((b.format(), b.column_formats().collect::<Vec<_>>()?))
                }
                _ => None,
            };
            if let Some((format, cols)) = format {
                return Ok(CopyFormat {
                    format: Format::from_code(i16::from(format)),
                    column_formats: cols
                        .into_iter()
                        .map(|c| Format::from_code(c as i16))
                        .collect(),
                });
            }
            match msg {
                Backend::Msg(Message::ErrorResponse(body)) => {
                    error.get_or_insert(DbError::parse(body.fields())?.into());
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.ready(body.status());
                    return Err(error.unwrap_or_else(|| {
                        Error::usage(if copy_in {
                            "the statement is not COPY ... FROM STDIN"
                        } else {
                            "the statement is not COPY ... TO STDOUT"
                        })
                    }));
                }
                Backend::Msg(Message::CopyInResponse(_)) => {
                    frontend::copy_fail("expected COPY TO STDOUT", &mut self.wbuf)?;
                    self.flush().await?;
                }
                Backend::CopyBoth => {
                    frontend::copy_done(&mut self.wbuf);
                    self.flush().await?;
                }
                // rows, tags, CopyData of a wrong-direction COPY: drained until ReadyForQuery
                _ => {}
            }
        }
    }
}

/// The data of a `COPY ... TO STDOUT`: a [`Stream`] of `Bytes` chunks, ending after the
/// server's CommandComplete and ReadyForQuery. A server error mid-way is the last item.
#[derive(Debug)]
pub struct CopyOut<'a, S> {
    conn: &'a mut Connection<S>,
    format: CopyFormat,
    command_tag: Option<String>,
    error: Option<Error>,
    done: bool,
}

impl<S> CopyOut<'_, S> {
    /// The format the server announced.
    pub fn format(&self) -> &CopyFormat {
        &self.format
    }

    /// Rows copied, once the stream has ended.
    pub fn rows(&self) -> Option<u64> {
        self.command_tag.as_deref().and_then(rows_affected)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for CopyOut<'_, S> {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        let this = self.get_mut();
        while !this.done {
            let msg = match ready!(this.conn.poll_message(cx)) {
                Ok(m) => m,
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e.during("COPY OUT"))));
                }
            };
            match msg {
                Backend::Msg(Message::CopyData(body)) => {
                    return Poll::Ready(Some(Ok(body.into_bytes())));
                }
                Backend::Msg(Message::CopyDone) => {}
                Backend::Msg(Message::CommandComplete(body)) => match body.tag() {
                    Ok(t) => this.command_tag = Some(t.to_owned()),
                    Err(e) => {
                        this.error.get_or_insert(e.into());
                    }
                },
                Backend::Msg(Message::ErrorResponse(body)) => {
                    let e = DbError::parse(body.fields()).map_or_else(|e| e, Error::from);
                    this.error.get_or_insert(e.during("COPY OUT"));
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    this.conn.ready(body.status());
                    this.done = true;
                    if let Some(e) = this.error.take() {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                other => {
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::protocol(format!(
                        "unexpected message {} during COPY OUT",
                        other_name(&other)
                    )))));
                }
            }
        }
        Poll::Ready(None)
    }
}

fn other_name(b: &Backend) -> &'static str {
    match b {
        Backend::CopyBoth => "CopyBothResponse",
        Backend::Msg(m) => crate::connection::message_name(m),
    }
}

/// The writer of a `COPY ... FROM STDIN`. Each write becomes one CopyData message (rows may
/// span writes: the server reassembles). Also an [`AsyncWrite`]: `close` finishes the COPY.
#[derive(Debug)]
pub struct CopyIn<'a, S> {
    conn: &'a mut Connection<S>,
    format: CopyFormat,
    done_sent: bool,
    rows: Option<u64>,
    error: Option<Error>,
    result: Option<u64>,
    failed: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> CopyIn<'_, S> {
    /// The format the server announced.
    pub fn format(&self) -> &CopyFormat {
        &self.format
    }

    /// Sends `data` (buffered; waits for the socket once 64 KiB are pending).
    pub async fn send(&mut self, data: &[u8]) -> Result<()> {
        std::future::poll_fn(|cx| self.poll_send(cx, data)).await
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, data: &[u8]) -> Poll<Result<()>> {
        if self.done_sent {
            return Poll::Ready(Err(Error::usage("COPY already finished")));
        }
        if self.conn.wbuf.len() >= COPY_IN_BUFFER {
            ready!(self.conn.poll_flush_buf(cx))?;
        }
        if !data.is_empty() {
            frontend::CopyData::new(data)?.write(&mut self.conn.wbuf);
        }
        Poll::Ready(Ok(()))
    }

    /// Sends CopyDone and waits for the result: the number of rows copied, or the server's
    /// error (a bad row, a constraint violation).
    pub async fn finish(mut self) -> Result<u64> {
        std::future::poll_fn(|cx| self.poll_finish(cx)).await
    }

    /// Sends CopyFail with `reason`: the server rolls the COPY back.
    pub async fn abort(self, reason: &str) -> Result<()> {
        frontend::copy_fail(reason, &mut self.conn.wbuf)?;
        self.conn.state = State::Busy;
        self.conn.flush().await?;
        // The server answers with an error (57014) that only confirms the abort.
        self.conn.drain_to_ready().await
    }

    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<Result<u64>> {
        if let Some(rows) = self.result {
            return Poll::Ready(Ok(rows));
        }
        if self.failed {
            return Poll::Ready(Err(Error::usage("COPY already failed")));
        }
        if !self.done_sent {
            frontend::copy_done(&mut self.conn.wbuf);
            self.done_sent = true;
            self.conn.state = State::Busy;
        }
        ready!(self.conn.poll_flush_buf(cx))?;
        // `rows` and `error` live in `self`: this function is re-entered after `Pending`.
        loop {
            match ready!(self.conn.poll_message(cx))? {
                Backend::Msg(Message::CommandComplete(body)) => {
                    self.rows = rows_affected(body.tag()?);
                }
                Backend::Msg(Message::ErrorResponse(body)) => {
                    let e = Error::from(DbError::parse(body.fields())?);
                    self.error.get_or_insert(e);
                }
                Backend::Msg(Message::ReadyForQuery(body)) => {
                    self.conn.ready(body.status());
                    if let Some(e) = self.error.take() {
                        self.failed = true;
                        return Poll::Ready(Err(e.during("COPY IN")));
                    }
                    let rows = self.rows.unwrap_or(0);
                    self.result = Some(rows);
                    return Poll::Ready(Ok(rows));
                }
                _ => {}
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for CopyIn<'_, S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx, buf)).map_err(std::io::Error::other)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_mut()
            .conn
            .poll_flush_buf(cx)
            .map_err(std::io::Error::other)
    }

    /// Finishes the COPY (CopyDone, then the server's answer); a server error becomes an
    /// `io::Error` wrapping this crate's [`Error`].
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_mut()
            .poll_finish(cx)
            .map_ok(drop)
            .map_err(std::io::Error::other)
    }
}
