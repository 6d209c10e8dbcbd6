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
/// // For SCRAM-SHA-256-PLUS, hash the server certificate for tls-server-end-point with the
/// // hash function RFC 5929 picks for it (see `tls_server_end_point_hash`):
/// let cert = tls.get_ref().1.peer_certificates().unwrap()[0].as_ref();
/// let binding = match cdc_postgres::tls_server_end_point_hash(cert)? {
///     EndPointHash::Sha256 => sha256(cert).to_vec(),
///     EndPointHash::Sha384 => sha384(cert).to_vec(),
///     // ...
/// };
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

/// The hash function of the `tls-server-end-point` channel binding for one server
/// certificate (RFC 5929 section 4.1): the binding data is this hash of the certificate's DER
/// bytes. See [`tls_server_end_point_hash`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndPointHash {
    /// SHA-224 (certificates signed with SHA-224).
    Sha224,
    /// SHA-256 (certificates signed with MD5, SHA-1 or SHA-256).
    Sha256,
    /// SHA-384 (certificates signed with SHA-384).
    Sha384,
    /// SHA-512 (certificates signed with SHA-512).
    Sha512,
}

impl EndPointHash {
    /// The length of the hash in bytes, which is the length of the binding data.
    pub fn output_len(self) -> usize {
        match self {
            EndPointHash::Sha224 => 28,
            EndPointHash::Sha256 => 32,
            EndPointHash::Sha384 => 48,
            EndPointHash::Sha512 => 64,
        }
    }
}

/// Which hash function makes the `tls-server-end-point` channel binding data (for
/// [`Connection::connect_with_channel_binding`](crate::Connection::connect_with_channel_binding))
/// from the server's certificate, given in DER (the first certificate the TLS session
/// reports for the peer).
///
/// RFC 5929 section 4.1: the certificate's signature algorithm names a hash; MD5 and SHA-1
/// are replaced by SHA-256, any other hash is used as is. Known here: RSA PKCS #1 v1.5,
/// ECDSA and DSA signatures with MD5, SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512 — the
/// same set the PostgreSQL server can bind to. Signatures without a single hash in their
/// algorithm identifier (Ed25519, Ed448, RSASSA-PSS) get an [`Auth`](crate::ErrorKind::Auth)
/// error: the RFC leaves them undefined and the server cannot compute a binding for them
/// either. Input that is not a DER certificate gets the same error kind; nothing panics.
///
/// The crate computes no digests itself (the caller's TLS stack has them), so hash the
/// certificate with the returned function:
///
/// ```
/// use cdc_postgres::{EndPointHash, tls_server_end_point_hash};
/// // The start of a certificate signed with ecdsa-with-SHA384 (1.2.840.10045.4.3.3); the
/// // function reads no further than the signature algorithm.
/// let cert = [
///     0x30, 0x11, // Certificate
///     0x30, 0x00, // tbsCertificate (empty here)
///     0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03, // algorithm
///     0x03, 0x01, 0x00, // signatureValue
/// ];
/// assert_eq!(tls_server_end_point_hash(&cert)?, EndPointHash::Sha384);
/// # Ok::<(), cdc_postgres::Error>(())
/// ```
pub fn tls_server_end_point_hash(certificate_der: &[u8]) -> Result<EndPointHash> {
    let bad = |what: &str| {
        Error::auth(format!(
            "tls-server-end-point: the server certificate is not DER ({what})"
        ))
    };
    let (cert, rest) =
        der_element(certificate_der, TAG_SEQUENCE).ok_or_else(|| bad("Certificate"))?;
    if !rest.is_empty() {
        return Err(bad("bytes after the Certificate"));
    }
    let (_tbs, after_tbs) = der_element(cert, TAG_SEQUENCE).ok_or_else(|| bad("tbsCertificate"))?;
    let (algorithm, _) =
        der_element(after_tbs, TAG_SEQUENCE).ok_or_else(|| bad("signatureAlgorithm"))?;
    let (oid, _) = der_element(algorithm, TAG_OID).ok_or_else(|| bad("algorithm OID"))?;
    match hash_of_signature(oid) {
        Some(hash) => Ok(hash),
        None => Err(Error::auth(format!(
            "tls-server-end-point: no channel binding for a certificate signed with {} \
             (RFC 5929 defines none without a single hash function in the algorithm)",
            oid_text(oid)
        ))),
    }
}

const TAG_SEQUENCE: u8 = 0x30;
const TAG_OID: u8 = 0x06;

/// One DER element with tag `tag` at the start of `input`: its contents and what follows.
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, input) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len0, input) = input.split_first()?;
    let (len, input) = match len0 {
        0..=0x7f => (usize::from(len0), input),
        0x81..=0x84 => {
            let n = usize::from(len0 & 0x7f);
            let (bytes, input) = input.split_at_checked(n)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, input)
        }
        // indefinite length (not DER) or longer than any certificate
        _ => return None,
    };
    input.split_at_checked(len)
}

/// RFC 5929's hash for a signature algorithm OID (contents bytes), when it names one hash.
fn hash_of_signature(oid: &[u8]) -> Option<EndPointHash> {
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01]; // 1.2.840.113549.1.1
    const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03]; // 1.2.840.10045.4.3
    const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]; // 1.2.840.10045.4.1
    const DSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03]; // 1.2.840.10040.4.3
    const DSA_SHA2: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03]; // 2.16.840.1.101.3.4.3
    const RSA_SHA1_OIW: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1d]; // 1.3.14.3.2.29
    use EndPointHash::*;
    if oid == ECDSA_SHA1 || oid == DSA_SHA1 || oid == RSA_SHA1_OIW {
        return Some(Sha256);
    }
    let (&last, prefix) = oid.split_last()?;
    match (prefix, last) {
        // md5WithRSAEncryption, sha1WithRSAEncryption
        (RSA, 4 | 5) => Some(Sha256),
        (RSA, 11) => Some(Sha256),
        (RSA, 12) => Some(Sha384),
        (RSA, 13) => Some(Sha512),
        (RSA, 14) => Some(Sha224),
        (ECDSA_SHA2, 1) => Some(Sha224),
        (ECDSA_SHA2, 2) => Some(Sha256),
        (ECDSA_SHA2, 3) => Some(Sha384),
        (ECDSA_SHA2, 4) => Some(Sha512),
        (DSA_SHA2, 1) => Some(Sha224),
        (DSA_SHA2, 2) => Some(Sha256),
        _ => None,
    }
}

/// An OID's contents as dotted text, for messages (`?` where the encoding is broken).
fn oid_text(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in oid {
        acc = match acc.checked_mul(128) {
            Some(v) => v | u64::from(b & 0x7f),
            None => return "an unreadable OID".to_owned(),
        };
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    let Some((&first, tail)) = arcs.split_first() else {
        return "an empty OID".to_owned();
    };
    if oid.last().is_some_and(|b| b & 0x80 != 0) {
        return "an unreadable OID".to_owned();
    }
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut text = format!("OID {a}.{b}");
    for arc in tail {
        text.push_str(&format!(".{arc}"));
    }
    text
}
