//! Live: TLS through [`request_tls`] and SCRAM-SHA-256-PLUS with `tls-server-end-point`
//! channel binding ([`Connection::connect_with_channel_binding`]) against throwaway
//! PostgreSQL 15 instances with `ssl=on`, and the RFC 5929 hash choice
//! ([`tls_server_end_point_hash`]) on certificates of every signature algorithm the server can
//! bind to.
//!
//! TLS is rustls (ring provider) over futures io, test-only. Certificates: rcgen makes a
//! throwaway ECDSA CA per test and a server certificate for `localhost` it signs (verified by
//! rustls against that CA); RSA certificates — which ring cannot generate keys for, and SHA-1
//! signatures, which rcgen cannot make — come from the `openssl` command (Debian's
//! postgresql depends on it through ssl-cert) and are pinned by their exact bytes instead,
//! since no modern verifier accepts SHA-1. `openssl` is also the independent oracle for the
//! certificate's signature algorithm and its digests (`-fingerprint`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use async_io::Async;
use cdc_postgres::{
    Config, Connection, EndPointHash, ErrorKind, ReplicationMode, SqlState, request_tls,
    tls_server_end_point_hash,
};
use common::instance::{Instance, Setup};
use common::{run, tcp};
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use futures_rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use futures_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use futures_rustls::rustls::crypto::{self, CryptoProvider};
use futures_rustls::rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};

type Tls = TlsStream<Async<TcpStream>>;

const PASSWORD: &str = "tls pw ✓";

// ---------------------------------------------------------------------------------------
// Certificates

/// How the client trusts the server certificate.
#[derive(Clone)]
enum Trust {
    /// The test CA that signed it, verified by rustls's WebPKI verifier for `localhost`.
    Ca(CertificateDer<'static>),
    /// Exactly these bytes (self-signed certificates, SHA-1 ones included).
    Pinned(CertificateDer<'static>),
}

struct ServerCert {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
    trust: Trust,
}

/// A fresh CA with `ca_alg` and a `localhost` server certificate it signs, so the server
/// certificate's signature algorithm is `ca_alg`'s.
fn ca_signed(ca_alg: &'static rcgen::SignatureAlgorithm) -> ServerCert {
    let ca_key = KeyPair::generate_for(ca_alg).unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "cdc-postgres test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).unwrap();
    ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().to_vec(),
        trust: Trust::Ca(ca_cert.der().clone()),
    }
}

/// A self-signed certificate made by `openssl req` with these key and digest options.
fn openssl_self_signed(dir: &Path, name: &str, newkey: &[&str], digest: &str) -> ServerCert {
    let key = dir.join(format!("{name}.key"));
    let crt = dir.join(format!("{name}.crt"));
    let mut c = Command::new("openssl");
    c.args([
        "req",
        "-x509",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
    ])
    .args(newkey)
    .arg("-keyout")
    .arg(&key)
    .arg("-out")
    .arg(&crt);
    if !digest.is_empty() {
        c.arg(format!("-{digest}"));
    }
    openssl(c);
    let cert_pem = std::fs::read_to_string(&crt).unwrap();
    let mut c = Command::new("openssl");
    c.args(["x509", "-outform", "DER", "-in"]).arg(&crt);
    let der = openssl(c);
    ServerCert {
        cert_pem,
        key_pem: std::fs::read_to_string(&key).unwrap(),
        der: der.clone(),
        trust: Trust::Pinned(CertificateDer::from(der)),
    }
}

fn openssl(mut c: Command) -> Vec<u8> {
    let out = c.stdin(Stdio::null()).output().expect("openssl");
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `openssl`'s reading of a certificate: its signature algorithm and a digest of its DER.
fn openssl_signature_algorithm(cert_pem: &str, dir: &Path) -> String {
    let path = dir.join("oracle.pem");
    std::fs::write(&path, cert_pem).unwrap();
    let mut c = Command::new("openssl");
    c.args(["x509", "-noout", "-text", "-in"]).arg(&path);
    let text = String::from_utf8(openssl(c)).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Signature Algorithm: "))
        .expect("a Signature Algorithm line");
    line.trim().to_owned()
}

fn openssl_fingerprint(cert_pem: &str, dir: &Path, digest: &str) -> Vec<u8> {
    let path = dir.join("oracle.pem");
    std::fs::write(&path, cert_pem).unwrap();
    let mut c = Command::new("openssl");
    c.args([
        "x509",
        "-noout",
        "-fingerprint",
        &format!("-{digest}"),
        "-in",
    ])
    .arg(&path);
    let text = String::from_utf8(openssl(c)).unwrap();
    let hex = text.trim().split_once('=').expect("Fingerprint=").1;
    hex.split(':')
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn digest(hash: EndPointHash, data: &[u8]) -> Vec<u8> {
    let alg = match hash {
        EndPointHash::Sha256 => &ring::digest::SHA256,
        EndPointHash::Sha384 => &ring::digest::SHA384,
        EndPointHash::Sha512 => &ring::digest::SHA512,
        other => panic!("no {other:?} in ring"),
    };
    ring::digest::digest(alg, data).as_ref().to_vec()
}

fn openssl_name(hash: EndPointHash) -> &'static str {
    match hash {
        EndPointHash::Sha224 => "sha224",
        EndPointHash::Sha256 => "sha256",
        EndPointHash::Sha384 => "sha384",
        EndPointHash::Sha512 => "sha512",
        other => panic!("unknown {other:?}"),
    }
}

fn scratch_dir(label: &str) -> ScratchDir {
    let dir = std::env::temp_dir().join(format!("cdc-pg-tls-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    ScratchDir(dir)
}

struct ScratchDir(std::path::PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------
// Servers and TLS clients

/// `tls_user` may log in over TLS only (`hostnossl ... reject`), with SCRAM; `repl_user`
/// likewise, for replication; `plain_user` over either. `postgres` is trusted for setup.
const HBA_SSL: &str = "local all all trust\n\
     host all postgres 127.0.0.1/32 trust\n\
     hostssl all tls_user 127.0.0.1/32 scram-sha-256\n\
     hostnossl all tls_user 127.0.0.1/32 reject\n\
     hostssl replication,postgres repl_user 127.0.0.1/32 scram-sha-256\n\
     hostnossl replication,postgres repl_user 127.0.0.1/32 reject\n\
     host all plain_user 127.0.0.1/32 scram-sha-256\n";

fn start_ssl(label: &str, cert: &ServerCert) -> Instance {
    let inst = Instance::start(&Setup {
        label,
        hba: HBA_SSL,
        settings: &[
            ("ssl", "on"),
            ("ssl_cert_file", "server.crt"),
            ("ssl_key_file", "server.key"),
            ("password_encryption", "scram-sha-256"),
        ],
        files: &[
            ("server.crt", cert.cert_pem.as_bytes()),
            ("server.key", cert.key_pem.as_bytes()),
        ],
    });
    create_users(&inst);
    inst
}

fn create_users(inst: &Instance) {
    inst.psql(&format!(
        "SET password_encryption = 'scram-sha-256'; \
         CREATE ROLE tls_user LOGIN PASSWORD '{PASSWORD}'; \
         CREATE ROLE repl_user LOGIN REPLICATION PASSWORD '{PASSWORD}'; \
         CREATE ROLE plain_user LOGIN PASSWORD '{PASSWORD}';"
    ));
}

/// Accepts exactly one certificate, and checks the handshake signature with its key.
#[derive(Debug)]
struct PinnedVerifier {
    cert: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, futures_rustls::rustls::Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(futures_rustls::rustls::Error::General(
                "not the pinned certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, futures_rustls::rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, futures_rustls::rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn connector(trust: &Trust) -> TlsConnector {
    let provider = Arc::new(crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let config = match trust {
        Trust::Ca(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.clone()).unwrap();
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::Pinned(cert) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier {
                cert: cert.clone(),
                provider,
            }))
            .with_no_client_auth(),
    };
    TlsConnector::from(Arc::new(config))
}

/// TCP, `SSLRequest` (which must be accepted), then the TLS handshake for `localhost`.
async fn open_tls(port: u16, trust: &Trust) -> Tls {
    let mut stream = tcp("127.0.0.1", port).await;
    assert!(
        request_tls(&mut stream).await.unwrap(),
        "the server refused TLS"
    );
    connector(trust)
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
        .unwrap()
}

/// The `tls-server-end-point` binding of the session's server certificate, by the crate's
/// hash choice, and that choice.
fn end_point(tls: &Tls) -> (Vec<u8>, EndPointHash) {
    let certs = tls.get_ref().1.peer_certificates().unwrap();
    let cert = certs[0].as_ref();
    let hash = tls_server_end_point_hash(cert).unwrap();
    (digest(hash, cert), hash)
}

fn config(user: &str) -> Config {
    Config::new(user).dbname("postgres").password(PASSWORD)
}

/// `(current_user, ssl, TLS version)` of the session, from the server.
async fn whoami<S>(conn: &mut Connection<S>) -> (String, String, String)
where
    S: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin,
{
    let rows = conn
        .query_rows(
            "SELECT current_user::text, s.ssl::text, coalesce(s.version, '') \
             FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
        )
        .await
        .unwrap();
    let r = &rows[0];
    (
        r[0].clone().unwrap(),
        r[1].clone().unwrap(),
        r[2].clone().unwrap(),
    )
}

// ---------------------------------------------------------------------------------------
// (1) SCRAM-SHA-256-PLUS over TLS, with the binding computed from the server certificate

/// Logs in with the right binding (and checks it against openssl's digest of the same
/// certificate), then with the binding any other hash function would give, which the server
/// must refuse.
fn scram_plus_binds(label: &str, cert: ServerCert, expected: EndPointHash) {
    let scratch = scratch_dir(label);
    // The hash choice, against openssl's own name for the signature algorithm.
    let alg = openssl_signature_algorithm(&cert.cert_pem, &scratch.0);
    assert_eq!(
        tls_server_end_point_hash(&cert.der).unwrap(),
        expected,
        "{alg}"
    );
    let inst = start_ssl(label, &cert);
    run(60, async {
        let tls = open_tls(inst.port, &cert.trust).await;
        let (binding, hash) = end_point(&tls);
        assert_eq!(hash, expected);
        assert_eq!(
            tls.get_ref().1.peer_certificates().unwrap()[0].as_ref(),
            &cert.der[..]
        );
        assert_eq!(
            binding,
            openssl_fingerprint(&cert.cert_pem, &scratch.0, openssl_name(expected)),
            "the binding is not openssl's {} fingerprint",
            openssl_name(expected)
        );
        let mut conn = Connection::connect_with_channel_binding(tls, &config("tls_user"), binding)
            .await
            .unwrap();
        let (user, ssl, version) = whoami(&mut conn).await;
        assert_eq!((user.as_str(), ssl.as_str()), ("tls_user", "true"));
        assert!(version.starts_with("TLSv1."), "{version}");
        conn.close().await.unwrap();

        // The same certificate hashed with any other function is not its binding.
        for other in [
            EndPointHash::Sha256,
            EndPointHash::Sha384,
            EndPointHash::Sha512,
        ] {
            if other == expected {
                continue;
            }
            let tls = open_tls(inst.port, &cert.trust).await;
            let wrong = digest(other, &cert.der);
            let e = Connection::connect_with_channel_binding(tls, &config("tls_user"), wrong)
                .await
                .unwrap_err();
            assert_eq!(
                e.code(),
                Some(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
                "{label}, {other:?}: {e}"
            );
        }
    });
}

#[test]
fn scram_plus_binds_to_an_ecdsa_sha256_certificate() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P256_SHA256);
    scram_plus_binds("p256", cert, EndPointHash::Sha256);
}

#[test]
fn scram_plus_binds_to_an_ecdsa_sha384_certificate_with_sha384() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P384_SHA384);
    scram_plus_binds("p384", cert, EndPointHash::Sha384);
}

#[test]
fn scram_plus_binds_to_an_rsa_sha1_certificate_with_sha256() {
    let scratch = scratch_dir("rsa-sha1-gen");
    let cert = openssl_self_signed(&scratch.0, "s", &["-newkey", "rsa:2048"], "sha1");
    scram_plus_binds("rsa-sha1", cert, EndPointHash::Sha256);
}

#[test]
fn scram_plus_binds_to_an_rsa_sha512_certificate_with_sha512() {
    let scratch = scratch_dir("rsa-sha512-gen");
    let cert = openssl_self_signed(&scratch.0, "s", &["-newkey", "rsa:2048"], "sha512");
    scram_plus_binds("rsa-sha512", cert, EndPointHash::Sha512);
}

/// Over TLS without binding data the client says it does not support channel binding
/// (`n`), which the server accepts: plain SCRAM-SHA-256 inside TLS.
#[test]
fn scram_without_binding_over_tls_still_logs_in() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P256_SHA256);
    let inst = start_ssl("nobind", &cert);
    run(30, async {
        let tls = open_tls(inst.port, &cert.trust).await;
        let mut conn = Connection::connect(tls, &config("tls_user")).await.unwrap();
        let (user, ssl, _) = whoami(&mut conn).await;
        assert_eq!((user.as_str(), ssl.as_str()), ("tls_user", "true"));
    });
}

// ---------------------------------------------------------------------------------------
// (2) a wrong binding: the server refuses the login, and says so as a typed error

#[test]
fn wrong_channel_binding_is_refused_by_the_server() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P256_SHA256);
    let other = ca_signed(&rcgen::PKCS_ECDSA_P256_SHA256);
    let inst = start_ssl("wrongcb", &cert);
    run(60, async {
        let (right, _) = end_point(&open_tls(inst.port, &cert.trust).await);
        let mut flipped = right.clone();
        flipped[31] ^= 0x01;
        let cases: [(&str, Vec<u8>); 4] = [
            ("one bit flipped", flipped),
            (
                "another certificate's",
                digest(EndPointHash::Sha256, &other.der),
            ),
            ("one byte short", right[..31].to_vec()),
            ("empty", Vec::new()),
        ];
        for (what, binding) in cases {
            let tls = open_tls(inst.port, &cert.trust).await;
            let e = Connection::connect_with_channel_binding(tls, &config("tls_user"), binding)
                .await
                .unwrap_err();
            let db = e.as_db_error().unwrap_or_else(|| panic!("{what}: {e}"));
            assert_eq!(
                db.code,
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                "{what}: {e}"
            );
            assert_eq!(db.message, "SCRAM channel binding check failed", "{what}");
            assert_eq!(e.context(), Some("startup"));
        }
        // and the right one still works on the same server
        let tls = open_tls(inst.port, &cert.trust).await;
        let mut conn = Connection::connect_with_channel_binding(tls, &config("tls_user"), right)
            .await
            .unwrap();
        assert_eq!(whoami(&mut conn).await.0, "tls_user");
    });
}

// ---------------------------------------------------------------------------------------
// (3) plain text for a user pg_hba.conf allows over TLS only

#[test]
fn plain_text_login_of_a_hostssl_only_user_is_refused() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P256_SHA256);
    let inst = start_ssl("nossl", &cert);
    run(30, async {
        for user in ["tls_user", "repl_user"] {
            let stream = tcp("127.0.0.1", inst.port).await;
            let e = Connection::connect(stream, &config(user))
                .await
                .unwrap_err();
            let db = e.as_db_error().unwrap_or_else(|| panic!("{user}: {e}"));
            assert_eq!(
                db.code,
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                "{e}"
            );
            // the explicit `hostnossl ... reject` line, not a missing entry
            assert!(
                db.message.starts_with("pg_hba.conf rejects connection")
                    && db.message.contains(&format!("user \"{user}\""))
                    && db.message.ends_with("no encryption"),
                "{}",
                db.message
            );
        }
        // a user allowed either way logs in in plain text on the same server
        let stream = tcp("127.0.0.1", inst.port).await;
        let mut conn = Connection::connect(stream, &config("plain_user"))
            .await
            .unwrap();
        let (user, ssl, _) = whoami(&mut conn).await;
        assert_eq!((user.as_str(), ssl.as_str()), ("plain_user", "false"));
        // and tls_user over TLS
        let tls = open_tls(inst.port, &cert.trust).await;
        let (binding, _) = end_point(&tls);
        let mut conn = Connection::connect_with_channel_binding(tls, &config("tls_user"), binding)
            .await
            .unwrap();
        assert_eq!(whoami(&mut conn).await.1, "true");
    });
}

// ---------------------------------------------------------------------------------------
// (4) request_tls against a server without TLS

#[test]
fn request_tls_on_a_server_without_ssl_returns_false_and_plain_login_continues() {
    let inst = Instance::start(&Setup {
        label: "ssloff",
        hba: "local all all trust\n\
              host all postgres 127.0.0.1/32 trust\n\
              host all plain_user 127.0.0.1/32 scram-sha-256\n",
        settings: &[("ssl", "off"), ("password_encryption", "scram-sha-256")],
        files: &[],
    });
    create_users(&inst);
    assert_eq!(inst.psql("SHOW ssl").trim(), "off");
    run(30, async {
        let mut stream = tcp("127.0.0.1", inst.port).await;
        assert!(!request_tls(&mut stream).await.unwrap());
        // the same stream carries the plain-text startup and SCRAM exchange
        let mut conn = Connection::connect(stream, &config("plain_user"))
            .await
            .unwrap();
        let (user, ssl, _) = whoami(&mut conn).await;
        assert_eq!((user.as_str(), ssl.as_str()), ("plain_user", "false"));
        // binding data offered to a server that offers no -PLUS: SCRAM-SHA-256 with the
        // `y` flag (client could bind, server did not offer), which the server accepts
        let mut stream = tcp("127.0.0.1", inst.port).await;
        assert!(!request_tls(&mut stream).await.unwrap());
        let mut conn =
            Connection::connect_with_channel_binding(stream, &config("plain_user"), vec![7; 32])
                .await
                .unwrap();
        assert_eq!(whoami(&mut conn).await.0, "plain_user");
    });
}

// ---------------------------------------------------------------------------------------
// (5) a replication session over TLS

#[test]
fn replication_session_over_tls_runs_identify_system() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P384_SHA384);
    let inst = start_ssl("repl", &cert);
    let systemid = inst.psql("SELECT system_identifier FROM pg_control_system()");
    run(30, async {
        let tls = open_tls(inst.port, &cert.trust).await;
        let (binding, _) = end_point(&tls);
        let config = config("repl_user").replication(ReplicationMode::Database);
        let mut conn = Connection::connect_with_channel_binding(tls, &config, binding)
            .await
            .unwrap();
        let id = conn.identify_system().await.unwrap();
        assert_eq!(id.systemid, systemid.trim());
        assert_eq!(id.timeline, 1);
        assert_eq!(id.dbname.as_deref(), Some("postgres"));
        let lsn = inst.psql("SELECT pg_current_wal_flush_lsn()");
        assert!(
            id.xlogpos <= lsn.trim().parse().unwrap(),
            "{} > {}",
            id.xlogpos,
            lsn.trim()
        );
        // the session is a walsender, and it is the TLS one
        let (user, ssl, _) = whoami(&mut conn).await;
        assert_eq!((user.as_str(), ssl.as_str()), ("repl_user", "true"));
        let rows = conn
            .query_rows("SELECT backend_type FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            .await
            .unwrap();
        assert_eq!(rows[0][0].as_deref(), Some("walsender"));
    });
}

// ---------------------------------------------------------------------------------------
// The RFC 5929 hash choice, offline, on certificates openssl makes

#[test]
fn end_point_hash_follows_rfc_5929_for_every_signature_algorithm() {
    let scratch = scratch_dir("algs");
    let rsa = ["-newkey", "rsa:2048"];
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    let dsa_params = scratch.0.join("dsa.params");
    let mut c = Command::new("openssl");
    c.args(["dsaparam", "-out"]).arg(&dsa_params).arg("2048");
    openssl(c);
    let dsa_opt = format!("dsa:{}", dsa_params.display());
    let dsa = ["-newkey", dsa_opt.as_str()];
    let cases: &[(&[&str], &str, &str, Option<EndPointHash>)] = &[
        (
            &rsa,
            "md5",
            "md5WithRSAEncryption",
            Some(EndPointHash::Sha256),
        ),
        (
            &rsa,
            "sha1",
            "sha1WithRSAEncryption",
            Some(EndPointHash::Sha256),
        ),
        (
            &rsa,
            "sha224",
            "sha224WithRSAEncryption",
            Some(EndPointHash::Sha224),
        ),
        (
            &rsa,
            "sha256",
            "sha256WithRSAEncryption",
            Some(EndPointHash::Sha256),
        ),
        (
            &rsa,
            "sha384",
            "sha384WithRSAEncryption",
            Some(EndPointHash::Sha384),
        ),
        (
            &rsa,
            "sha512",
            "sha512WithRSAEncryption",
            Some(EndPointHash::Sha512),
        ),
        (&ec, "sha1", "ecdsa-with-SHA1", Some(EndPointHash::Sha256)),
        (
            &ec,
            "sha224",
            "ecdsa-with-SHA224",
            Some(EndPointHash::Sha224),
        ),
        (
            &ec,
            "sha256",
            "ecdsa-with-SHA256",
            Some(EndPointHash::Sha256),
        ),
        (
            &ec,
            "sha384",
            "ecdsa-with-SHA384",
            Some(EndPointHash::Sha384),
        ),
        (
            &ec,
            "sha512",
            "ecdsa-with-SHA512",
            Some(EndPointHash::Sha512),
        ),
        (&dsa, "sha1", "dsaWithSHA1", Some(EndPointHash::Sha256)),
        (
            &dsa,
            "sha224",
            "dsa_with_SHA224",
            Some(EndPointHash::Sha224),
        ),
        (
            &dsa,
            "sha256",
            "dsa_with_SHA256",
            Some(EndPointHash::Sha256),
        ),
        (&["-newkey", "ed25519"], "", "ED25519", None),
        (&["-newkey", "ed448"], "", "ED448", None),
        (
            &["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"],
            "sha256",
            "rsassaPss",
            None,
        ),
    ];
    for (i, (newkey, md, openssl_alg, expected)) in cases.iter().enumerate() {
        let cert = openssl_self_signed(&scratch.0, &format!("c{i}"), newkey, md);
        assert_eq!(
            &openssl_signature_algorithm(&cert.cert_pem, &scratch.0),
            openssl_alg,
            "openssl made another certificate than this case is about"
        );
        let got = tls_server_end_point_hash(&cert.der);
        match expected {
            Some(hash) => assert_eq!(got.unwrap(), *hash, "{openssl_alg}"),
            None => {
                let e = got.unwrap_err();
                assert!(matches!(e.kind(), ErrorKind::Auth(_)), "{openssl_alg}: {e}");
            }
        }
    }
}

#[test]
fn end_point_hash_of_damaged_certificates_is_an_error_never_a_panic() {
    let cert = ca_signed(&rcgen::PKCS_ECDSA_P384_SHA384);
    assert_eq!(
        tls_server_end_point_hash(&cert.der).unwrap(),
        EndPointHash::Sha384
    );
    // every truncation
    for n in 0..cert.der.len() {
        let e = tls_server_end_point_hash(&cert.der[..n]).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Auth(_)), "{n}: {e}");
    }
    // trailing garbage
    let mut longer = cert.der.clone();
    longer.push(0);
    assert!(tls_server_end_point_hash(&longer).is_err());
    // every byte replaced by a few values: any answer is fine, as long as it is one
    for i in 0..cert.der.len() {
        for v in [0x00, 0x06, 0x30, 0x7f, 0x80, 0x81, 0x84, 0x85, 0xff] {
            let mut d = cert.der.clone();
            d[i] = v;
            let _ = tls_server_end_point_hash(&d);
        }
    }
    // not DER at all
    for junk in [
        &b""[..],
        b"\x30",
        b"\x30\x80\x00\x00",
        b"\x30\x85\xff\xff\xff\xff\xff",
    ] {
        assert!(tls_server_end_point_hash(junk).is_err());
    }
}
