//! The TLS hook: the caller negotiates, the connection only needs the wrapped stream.

use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use postgres_protocol::message::frontend;

use crate::error::{Error, Result};

/// Sends an `SSLRequest` on a fresh stream and reads the server's one-byte answer: `true`
/// when the server is willing to do TLS (wrap the stream in a TLS client session now, then
/// call [`Connection::connect`](crate::Connection::connect) on it), `false` when it is not
/// (continue in plain text on the same stream, or give up if TLS is required).
///
/// Nothing else is read, so no plain-text byte can be mistaken for part of the TLS session.
///
/// ```ignore
/// // With any TLS crate over futures io, e.g. futures-rustls (not a dependency of this crate):
/// let mut tcp = async_net::TcpStream::connect((host, port)).await?;
/// if !cdc_postgres::request_tls(&mut tcp).await? {
///     return Err("server refuses TLS".into());
/// }
/// let tls = connector.connect(server_name, tcp).await?;
/// // For SCRAM-SHA-256-PLUS, hash the server certificate for tls-server-end-point:
/// let cert = tls.get_ref().1.peer_certificates().unwrap()[0].as_ref();
/// let binding = sha256(cert).to_vec(); // the certificate's signature hash (RFC 5929)
/// let conn = cdc_postgres::Connection::connect_with_channel_binding(tls, &config, binding).await?;
/// ```
pub async fn request_tls<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> Result<bool> {
    let mut buf = bytes::BytesMut::new();
    frontend::ssl_request(&mut buf);
    stream.write_all(&buf).await?;
    stream.flush().await?;
    let mut answer = [0u8; 1];
    stream.read_exact(&mut answer).await?;
    match answer {
        [b'S'] => Ok(true),
        [b'N'] => Ok(false),
        [b'E'] => Err(Error::protocol(
            "the server answered the SSLRequest with an error (a server older than 7.0?)",
        )),
        [other] => Err(Error::protocol(format!(
            "unexpected answer {other:#04x} to the SSLRequest"
        ))),
    }
}
