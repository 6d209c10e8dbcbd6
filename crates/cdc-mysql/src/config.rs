//! Connection settings and `mysql://` URLs.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// What the caller intends to do about TLS (`ssl-mode` in a URL). The connection never
/// negotiates TLS by itself: see [`Connection::connect_tls`](crate::Connection::connect_tls).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SslMode {
    /// No TLS.
    Disabled,
    /// TLS when the server offers it.
    #[default]
    Preferred,
    /// TLS or fail.
    Required,
}

/// Connection settings: what goes into the handshake response and the password for
/// authentication. Host and port are kept for the caller, who opens the socket.
///
/// ```
/// use cdc_mysql::Config;
/// let c: Config = "mysql://repl:s%40cret@db.example:3307/shop?ssl-mode=required".parse().unwrap();
/// assert_eq!(c.user, "repl");
/// assert_eq!(c.password.as_deref(), Some(b"s@cret".as_slice()));
/// assert_eq!(c.host.as_deref(), Some("db.example"));
/// assert_eq!(c.port, 3307);
/// assert_eq!(c.database.as_deref(), Some("shop"));
/// assert_eq!(c.ssl_mode, cdc_mysql::SslMode::Required);
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// User name (required).
    pub user: String,
    /// Password (none: an empty password is sent).
    pub password: Option<Vec<u8>>,
    /// Default database (`USE`), if any.
    pub database: Option<String>,
    /// The server's RSA public key (PEM) for `caching_sha2_password` full authentication
    /// over a plain connection; when `None` the client asks the server for it.
    pub server_public_key: Option<Vec<u8>>,
    /// Connection attributes sent in the handshake (shown in
    /// `performance_schema.session_connect_attrs`).
    pub attributes: Vec<(String, String)>,
    /// Host from a URL, for the caller's socket (not used by the connection).
    pub host: Option<String>,
    /// Port from a URL (3306 unless given), for the caller's socket.
    pub port: u16,
    /// `ssl-mode` from a URL, for the caller's TLS decision.
    pub ssl_mode: SslMode,
}

impl Config {
    /// Settings for `user` with everything else at its default.
    pub fn new(user: impl Into<String>) -> Config {
        Config {
            user: user.into(),
            port: 3306,
            ..Config::default()
        }
    }

    /// Sets the password.
    pub fn password(mut self, password: impl AsRef<[u8]>) -> Config {
        self.password = Some(password.as_ref().to_vec());
        self
    }

    /// Sets the default database.
    pub fn database(mut self, database: impl Into<String>) -> Config {
        self.database = Some(database.into());
        self
    }

    /// Sets the server's RSA public key (PEM) for `caching_sha2_password`.
    pub fn server_public_key(mut self, pem: impl AsRef<[u8]>) -> Config {
        self.server_public_key = Some(pem.as_ref().to_vec());
        self
    }

    /// Adds a connection attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Config {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Parses `mysql://[user[:password]@][host][:port][/database][?key=value&...]`
    /// (`mariadb://` too). Known query keys: `user`, `password`, `database`, `host`, `port`,
    /// `ssl-mode`/`sslmode` (`disabled`, `preferred`, `required`, `verify_ca` and
    /// `verify_identity` as required); other keys are an error. Percent-encoding is decoded.
    pub fn parse_url(url: &str) -> Result<Config> {
        let rest = url
            .strip_prefix("mysql://")
            .or_else(|| url.strip_prefix("mariadb://"))
            .ok_or_else(|| Error::config("a URL starts with mysql:// or mariadb://"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (rest, None),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let mut c = Config::new("");
        if let Some(ui) = userinfo {
            let (u, p) = match ui.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (ui, None),
            };
            c.user = decode_str(u)?;
            if let Some(p) = p {
                c.password = Some(percent_decode(p)?);
            }
        }
        set_hostport(&mut c, hostport)?;
        if let Some(p) = path.filter(|p| !p.is_empty()) {
            c.database = Some(decode_str(p)?);
        }
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| Error::config(format!("query parameter `{pair}` has no `=`")))?;
            let (k, v) = (decode_str(k)?, decode_str(v)?);
            match k.as_str() {
                "user" => c.user = v,
                "password" => c.password = Some(v.into_bytes()),
                "database" | "dbname" => c.database = Some(v),
                "host" => c.host = Some(v),
                "port" => c.port = parse_port(&v)?,
                "ssl-mode" | "sslmode" | "ssl_mode" => {
                    c.ssl_mode = match v.to_ascii_lowercase().as_str() {
                        "disabled" | "disable" => SslMode::Disabled,
                        "preferred" | "prefer" => SslMode::Preferred,
                        "required" | "require" | "verify_ca" | "verify_identity" => {
                            SslMode::Required
                        }
                        _ => return Err(Error::config(format!("unknown ssl-mode `{v}`"))),
                    }
                }
                _ => return Err(Error::config(format!("unknown URL parameter `{k}`"))),
            }
        }
        if c.user.is_empty() {
            return Err(Error::config("the URL names no user"));
        }
        Ok(c)
    }
}

fn set_hostport(c: &mut Config, hostport: &str) -> Result<()> {
    if hostport.is_empty() {
        return Ok(());
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| Error::config("unterminated `[` in the host"))?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if !host.is_empty() {
        c.host = Some(decode_str(host)?);
    }
    if let Some(p) = port {
        c.port = parse_port(p)?;
    }
    Ok(())
}

fn parse_port(p: &str) -> Result<u16> {
    p.parse()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| Error::config(format!("bad port `{p}`")))
}

fn percent_decode(s: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
            match (hex(bytes.next()), hex(bytes.next())) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return Err(Error::config(format!("bad percent-encoding in `{s}`"))),
            }
        } else {
            out.push(b);
        }
    }
    Ok(out)
}

fn decode_str(s: &str) -> Result<String> {
    String::from_utf8(percent_decode(s)?)
        .map_err(|_| Error::config(format!("`{s}` does not decode to UTF-8")))
}

impl FromStr for Config {
    type Err = Error;
    fn from_str(s: &str) -> Result<Config> {
        Config::parse_url(s)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("database", &self.database)
            .field("server_public_key", &self.server_public_key.is_some())
            .field("attributes", &self.attributes)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("ssl_mode", &self.ssl_mode)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn url_with_everything() {
        let c =
            Config::parse_url("mariadb://u%20x:p%3Aw@[::1]:3310/d%2Fb?sslmode=DISABLED").unwrap();
        assert_eq!(c.user, "u x");
        assert_eq!(c.password.as_deref(), Some(b"p:w".as_slice()));
        assert_eq!(c.host.as_deref(), Some("::1"));
        assert_eq!(c.port, 3310);
        assert_eq!(c.database.as_deref(), Some("d/b"));
        assert_eq!(c.ssl_mode, SslMode::Disabled);
    }

    #[test]
    fn minimal_url_defaults() {
        let c = Config::parse_url("mysql://root@127.0.0.1").unwrap();
        assert_eq!(c.port, 3306);
        assert_eq!(c.database, None);
        assert_eq!(c.password, None);
        assert_eq!(c.ssl_mode, SslMode::Preferred);
    }

    #[test]
    fn bad_urls_are_errors() {
        for url in [
            "postgres://root@x",
            "mysql://x:99999",
            "mysql://@x",
            "mysql://u@x/db?compress=1",
            "mysql://u@x/d%zz",
            "mysql://u@x?ssl-mode=maybe",
        ] {
            assert!(Config::parse_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let c = Config::new("u").password("hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
