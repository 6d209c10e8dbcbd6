//! Authentication paths MariaDB cannot exercise (it has no caching_sha2_password), against a
//! scripted server on loopback that checks every answer with its own arithmetic: SHA-256
//! scrambles (fast path), the cleartext password over the TLS hook, RSA-OAEP encrypted
//! passwords (decrypted here with the private key, RFC 8017 by hand), an auth switch to
//! mysql_native_password, and a wrong password.
//!
//! The "TLS" of these tests is a toy cipher (every byte XORed with 0x5A) installed by the
//! `connect_tls` hook, so the test also proves that everything after the SSLRequest goes
//! through the upgraded stream. Real TLS is not tested (the test server has no certificates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::pin::Pin;
use std::task::{Context, Poll};

use async_io::Async;
use cdc_mysql::{Config, Connection, codes};
use common::run;
use futures::io::{AsyncRead, AsyncWrite};
use mysql_common::num_bigint::BigUint;
use sha1::Sha1;
use sha2::{Digest, Sha256};

const KEY: u8 = 0x5A;
const PASSWORD: &[u8] = b"s3cr\xc3\xa9t";
const NONCE: [u8; 20] = *b"abcdefghij0123456789";
const NONCE2: [u8; 20] = *b"ZYXWVUTSRQ9876543210";

/// RSA-2048 test key (generated for this test only).
const PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApBJlrHj/v2NUFDe4C919
iIvIBL506DSyLpASpE4P/V1DBCGaoKwq0e+10LMWlxryltD+bh6qopJAfUOoucNr
sI9ZhuKJrDQsCFzQUqcg972/yaG0aJnIwnndAc2qzAk6Uq6oleP5tdo8SPuJ+0NP
n48nfkdfpoxXeDtjIL9ByHegGQxbXwda/br/ufrd/U9voAvTexizAQQHLzrWuYOr
NAIuxKdpgph1gVBBCZxVyedWqMEEEQ3hwAXXCbPIdPG2n06AYRDA7zcNPzbdNQLz
VOmaQiXD0jNyAx26OEvzkengpROOXrkcK+1qd6nGdHm5CY9OZL+MiLZG+AxIUNST
vwIDAQAB
-----END PUBLIC KEY-----
";
const MODULUS: &str = "a41265ac78ffbf63541437b80bdd7d888bc804be74e834b22e9012a44e0ffd5d4304219aa0ac2ad1efb5d0b316971af296d0fe6e1eaaa292407d43a8b9c36bb08f5986e289ac342c085cd052a720f7bdbfc9a1b46899c8c279dd01cdaacc093a52aea895e3f9b5da3c48fb89fb434f9f8f277e475fa68c57783b6320bf41c877a0190c5b5f075afdbaffb9faddfd4f6fa00bd37b18b30104072f3ad6b983ab34022ec4a769829875815041099c55c9e756a8c104110de1c005d709b3c874f1b69f4e806110c0ef370d3f36dd3502f354e99a4225c3d23372031dba384bf391e9e0a5138e5eb91c2bed6a77a9c67479b9098f4e64bf8c88b646f80c4850d493bf";
const PRIVATE_EXPONENT: &str = "4407f66d80be8add4b3fb07479aa3723273908be89d4bed1bcc9b3bded3a00e16adb8bad1ed8ab1be1a2f54019c44141d5941feba2e5379d536d03c765a5c8a7e0624bb2234a3757d7863e41a0f17dc83ce46b1bbcdd3a87cf7ffacc3ff90da747bb0aac4f6814f2c2594d8d292f3314cfba36e247d3d410a409fbea0b63e1e174c8eafdbc4fa751ff662807c8a44056720bacba9cc5aa092b2c79bc5aa2e39bf198dd3294a26997151a08fc7acf9c746d748dc22941c73c8de04ca1b309788b08ffa19cbe5ac6fcfd7cf1052f1c0f9ee6416d13b6a51faeab697d8e2611741921f9c6a34f155a62c6fc2eb6d54a920d7ebe2d2d9027182914807e4d00cf5c1";

// capability flags
const LONG_PASSWORD: u32 = 0x1;
const CONNECT_WITH_DB: u32 = 0x8;
const PROTOCOL_41: u32 = 0x200;
const SSL: u32 = 0x800;
const TRANSACTIONS: u32 = 0x2000;
const SECURE_CONNECTION: u32 = 0x8000;
const MULTI_RESULTS: u32 = 0x2_0000;
const PLUGIN_AUTH: u32 = 0x8_0000;
const PLUGIN_AUTH_LENENC: u32 = 0x20_0000;
const DEPRECATE_EOF: u32 = 0x100_0000;

/// The server side of one connection.
struct Wire {
    s: TcpStream,
    seq: u8,
    xor: bool,
}

impl Wire {
    fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut b = vec![0; n];
        self.s.read_exact(&mut b).unwrap();
        if self.xor {
            b.iter_mut().for_each(|x| *x ^= KEY);
        }
        b
    }

    fn read(&mut self) -> Vec<u8> {
        let h = self.read_exact(4);
        let len = usize::from(h[0]) | usize::from(h[1]) << 8 | usize::from(h[2]) << 16;
        assert_eq!(h[3], self.seq, "client packet sequence");
        self.seq = self.seq.wrapping_add(1);
        self.read_exact(len)
    }

    fn write(&mut self, payload: &[u8]) {
        let mut p = (payload.len() as u32).to_le_bytes()[..3].to_vec();
        p.push(self.seq);
        p.extend_from_slice(payload);
        self.seq = self.seq.wrapping_add(1);
        if self.xor {
            p.iter_mut().for_each(|x| *x ^= KEY);
        }
        self.s.write_all(&p).unwrap();
    }

    fn ok(&mut self) {
        self.write(&[0, 0, 0, 2, 0, 0, 0]);
    }
}

fn greeting(caps: u32, plugin: &str) -> Vec<u8> {
    let mut g = vec![10];
    g.extend_from_slice(b"8.0.36-fake\0");
    g.extend_from_slice(&7u32.to_le_bytes());
    g.extend_from_slice(&NONCE[..8]);
    g.push(0);
    g.extend_from_slice(&(caps as u16).to_le_bytes());
    g.push(45);
    g.extend_from_slice(&2u16.to_le_bytes());
    g.extend_from_slice(&((caps >> 16) as u16).to_le_bytes());
    g.push(21);
    g.extend_from_slice(&[0; 10]);
    g.extend_from_slice(&NONCE[8..]);
    g.push(0);
    g.extend_from_slice(plugin.as_bytes());
    g.push(0);
    g
}

/// (user, auth data, plugin) from a HandshakeResponse41.
fn parse_response(p: &[u8]) -> (String, Vec<u8>, String) {
    let caps = u32::from_le_bytes(p[..4].try_into().unwrap());
    assert!(caps & PROTOCOL_41 != 0 && caps & PLUGIN_AUTH != 0);
    let mut i = 32;
    let nul = |i: usize| i + p[i..].iter().position(|&b| b == 0).unwrap();
    let end = nul(i);
    let user = String::from_utf8(p[i..end].to_vec()).unwrap();
    i = end + 1;
    assert!(caps & PLUGIN_AUTH_LENENC != 0);
    let n = usize::from(p[i]);
    let auth = p[i + 1..i + 1 + n].to_vec();
    i += 1 + n;
    if caps & CONNECT_WITH_DB != 0 {
        i = nul(i) + 1;
    }
    let end = nul(i);
    (user, auth, String::from_utf8(p[i..end].to_vec()).unwrap())
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    parts.iter().for_each(|p| h.update(p));
    h.finalize().to_vec()
}

fn sha1(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha1::new();
    parts.iter().for_each(|p| h.update(p));
    h.finalize().to_vec()
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// SHA256(pw) XOR SHA256(SHA256(SHA256(pw)), nonce)
fn caching_sha2_scramble(nonce: &[u8]) -> Vec<u8> {
    let h1 = sha256(&[PASSWORD]);
    let h2 = sha256(&[&h1]);
    xor(&h1, &sha256(&[&h2, nonce]))
}

/// SHA1(pw) XOR SHA1(nonce, SHA1(SHA1(pw)))
fn native_scramble(nonce: &[u8]) -> Vec<u8> {
    let h1 = sha1(&[PASSWORD]);
    xor(&h1, &sha1(&[nonce, &sha1(&[&h1])]))
}

fn mgf1(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(sha1(&[seed, &counter.to_be_bytes()]));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// RSAES-OAEP-DECRYPT with SHA-1 and MGF1-SHA1, empty label (RFC 8017 7.1.2).
fn rsa_oaep_decrypt(c: &[u8]) -> Vec<u8> {
    let n = BigUint::parse_bytes(MODULUS.as_bytes(), 16).unwrap();
    let d = BigUint::parse_bytes(PRIVATE_EXPONENT.as_bytes(), 16).unwrap();
    let k = 256;
    assert_eq!(c.len(), k, "ciphertext length");
    let m = BigUint::from_bytes_be(c).modpow(&d, &n).to_bytes_be();
    let mut em = vec![0; k - m.len()];
    em.extend(m);
    assert_eq!(em[0], 0);
    let (masked_seed, masked_db) = em[1..].split_at(20);
    let seed = xor(masked_seed, &mgf1(masked_db, 20));
    let db = xor(masked_db, &mgf1(&seed, k - 21));
    assert_eq!(&db[..20], sha1(&[]).as_slice(), "label hash");
    let one = 20 + db[20..].iter().position(|&b| b != 0).unwrap();
    assert_eq!(db[one], 1);
    db[one + 1..].to_vec()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Script {
    FastPath,
    WrongPassword,
    FullOverTls,
    FullAskingForTheKey,
    FullWithAKnownKey,
    SwitchToNative,
}

fn serve(listener: TcpListener, script: Script) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut w = Wire {
            s,
            seq: 0,
            xor: false,
        };
        let tls = script == Script::FullOverTls;
        let mut caps = LONG_PASSWORD
            | PROTOCOL_41
            | TRANSACTIONS
            | SECURE_CONNECTION
            | MULTI_RESULTS
            | PLUGIN_AUTH
            | PLUGIN_AUTH_LENENC
            | DEPRECATE_EOF;
        if tls {
            caps |= SSL;
        }
        w.write(&greeting(caps, "caching_sha2_password"));
        if tls {
            let req = w.read();
            assert_eq!(req.len(), 32, "SSLRequest");
            assert!(u32::from_le_bytes(req[..4].try_into().unwrap()) & SSL != 0);
            w.xor = true; // the "TLS" session starts
        }
        let (user, auth, plugin) = parse_response(&w.read());
        assert_eq!(user, "alice");
        assert_eq!(plugin, "caching_sha2_password");
        if script == Script::WrongPassword {
            assert_ne!(auth, caching_sha2_scramble(&NONCE));
            let mut e = vec![0xFF, 0x15, 0x04, b'#'];
            e.extend_from_slice(b"28000Access denied for user 'alice'");
            w.write(&e);
            return;
        }
        assert_eq!(auth, caching_sha2_scramble(&NONCE), "SHA-256 scramble");
        match script {
            Script::FastPath => w.write(&[1, 3]),
            Script::SwitchToNative => {
                let mut p = vec![0xFE];
                p.extend_from_slice(b"mysql_native_password\0");
                p.extend_from_slice(&NONCE2);
                p.push(0);
                w.write(&p);
                assert_eq!(w.read(), native_scramble(&NONCE2), "native scramble");
            }
            Script::FullOverTls => {
                w.write(&[1, 4]);
                let mut want = PASSWORD.to_vec();
                want.push(0);
                assert_eq!(w.read(), want, "cleartext password over TLS");
            }
            Script::FullAskingForTheKey | Script::FullWithAKnownKey => {
                w.write(&[1, 4]);
                let mut p = w.read();
                if script == Script::FullAskingForTheKey {
                    assert_eq!(p, [2], "public key request");
                    let mut k = vec![1];
                    k.extend_from_slice(PUBLIC_PEM.as_bytes());
                    w.write(&k);
                    p = w.read();
                }
                let mut want = PASSWORD.to_vec();
                want.push(0);
                let nonce: Vec<u8> = NONCE.iter().cycle().take(want.len()).copied().collect();
                assert_eq!(
                    rsa_oaep_decrypt(&p),
                    xor(&want, &nonce),
                    "RSA-encrypted password"
                );
            }
            Script::WrongPassword => unreachable!(),
        }
        w.ok();
        // a COM_PING after authentication
        w.seq = 0;
        assert_eq!(w.read(), [0x0E]);
        w.ok();
    })
}

/// The toy cipher of the test's "TLS".
struct XorStream(Async<TcpStream>);

impl AsyncRead for XorStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.0).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            buf[..n].iter_mut().for_each(|b| *b ^= KEY);
        }
        r
    }
}

impl AsyncWrite for XorStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let x: Vec<u8> = buf.iter().map(|b| b ^ KEY).collect();
        Pin::new(&mut self.0).poll_write(cx, &x)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

fn scenario(script: Script) -> cdc_mysql::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = serve(listener, script);
    let mut config = Config::new("alice").password(PASSWORD);
    if script == Script::FullWithAKnownKey {
        config = config.server_public_key(PUBLIC_PEM);
    }
    if script == Script::WrongPassword {
        config = config.password("wrong");
    }
    let result = run(30, async {
        let tcp = common::tcp("127.0.0.1", port).await;
        if script == Script::FullOverTls {
            let mut conn =
                Connection::connect_tls(tcp, &config, async |s| Ok(XorStream(s))).await?;
            assert!(conn.is_tls());
            conn.ping().await
        } else {
            let mut conn = Connection::connect(tcp, &config).await?;
            assert_eq!(conn.server().version, "8.0.36-fake");
            assert!(!conn.server().mariadb);
            conn.ping().await
        }
    });
    server.join().expect("the scripted server's checks");
    result
}

#[test]
fn caching_sha2_fast_path() {
    scenario(Script::FastPath).unwrap();
}

#[test]
fn caching_sha2_wrong_password_is_access_denied() {
    let e = scenario(Script::WrongPassword).unwrap_err();
    assert_eq!(e.code(), Some(codes::ER_ACCESS_DENIED_ERROR), "{e}");
}

#[test]
fn caching_sha2_full_authentication_over_tls_sends_the_password() {
    scenario(Script::FullOverTls).unwrap();
}

#[test]
fn caching_sha2_full_authentication_asks_for_the_rsa_key() {
    scenario(Script::FullAskingForTheKey).unwrap();
}

#[test]
fn caching_sha2_full_authentication_with_a_configured_rsa_key() {
    scenario(Script::FullWithAKnownKey).unwrap();
}

#[test]
fn an_auth_switch_to_mysql_native_password() {
    scenario(Script::SwitchToNative).unwrap();
}
