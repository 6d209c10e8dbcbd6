//! Connection settings and `postgres://` URLs.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Whether the session is a normal one or a walsender for logical replication.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ReplicationMode {
    /// A normal session.
    #[default]
    Off,
    /// `replication=database`: a walsender connected to one database, accepting replication
    /// commands (`IDENTIFY_SYSTEM`, `CREATE_REPLICATION_SLOT`, `START_REPLICATION ... LOGICAL`)
    /// as well as plain SQL through the simple query protocol.
    Database,
}

/// What the caller intends to do about TLS (`sslmode` in a URL). The connection itself never
/// negotiates TLS: see [`request_tls`](crate::request_tls).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it.
    #[default]
    Prefer,
    /// TLS or fail.
    Require,
}

/// Connection settings: what goes into the startup message and the password for
/// authentication. Host and port are kept for the caller, who opens the socket.
///
/// ```
/// use cdc_postgres::{Config, ReplicationMode};
/// let c: Config = "postgres://alice:s%40cret@db.example:5433/shop?replication=database&application_name=cdc"
///     .parse()
///     .unwrap();
/// assert_eq!(c.user, "alice");
/// assert_eq!(c.password.as_deref(), Some(b"s@cret".as_slice()));
/// assert_eq!(c.host.as_deref(), Some("db.example"));
/// assert_eq!(c.port, 5433);
/// assert_eq!(c.dbname.as_deref(), Some("shop"));
/// assert_eq!(c.replication, ReplicationMode::Database);
/// assert_eq!(c.application_name.as_deref(), Some("cdc"));
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// User name (required).
    pub user: String,
    /// Password, for cleartext, md5 and SCRAM authentication.
    pub password: Option<Vec<u8>>,
    /// Database; the server defaults it to the user name.
    pub dbname: Option<String>,
    /// `application_name`, shown in `pg_stat_activity`.
    pub application_name: Option<String>,
    /// Normal or replication session.
    pub replication: ReplicationMode,
    /// Command-line style server options (the `options` startup parameter, e.g.
    /// `-c statement_timeout=0`).
    pub options: Option<String>,
    /// Further startup parameters (run-time settings such as `DateStyle`), sent as given.
    pub params: Vec<(String, String)>,
    /// Host from a URL, for the caller's socket (not used by the connection).
    pub host: Option<String>,
    /// Port from a URL (5432 unless given), for the caller's socket.
    pub port: u16,
    /// `sslmode` from a URL, for the caller's TLS decision.
    pub ssl_mode: SslMode,
}

impl Config {
    /// Settings for `user` with everything else at its default.
    pub fn new(user: impl Into<String>) -> Config {
        Config {
            user: user.into(),
            port: 5432,
            ..Config::default()
        }
    }

    /// Sets the password.
    pub fn password(mut self, password: impl AsRef<[u8]>) -> Config {
        self.password = Some(password.as_ref().to_vec());
        self
    }

    /// Sets the database.
    pub fn dbname(mut self, dbname: impl Into<String>) -> Config {
        self.dbname = Some(dbname.into());
        self
    }

    /// Sets `application_name`.
    pub fn application_name(mut self, name: impl Into<String>) -> Config {
        self.application_name = Some(name.into());
        self
    }

    /// Sets the replication mode.
    pub fn replication(mut self, mode: ReplicationMode) -> Config {
        self.replication = mode;
        self
    }

    /// Adds a startup parameter (a run-time setting such as `DateStyle`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Config {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The startup message's parameters, in order.
    pub(crate) fn startup_params(&self) -> Vec<(&str, &str)> {
        let mut p = vec![("user", self.user.as_str())];
        if let Some(db) = &self.dbname {
            p.push(("database", db));
        }
        if let Some(app) = &self.application_name {
            p.push(("application_name", app));
        }
        if self.replication == ReplicationMode::Database {
            p.push(("replication", "database"));
        }
        if let Some(o) = &self.options {
            p.push(("options", o));
        }
        // UTF-8 on the wire, always: rows are handed out as text.
        p.push(("client_encoding", "UTF8"));
        for (k, v) in &self.params {
            p.push((k, v));
        }
        p
    }

    /// Parses `postgres://[user[:password]@][host][:port][/dbname][?key=value&...]`
    /// (`postgresql://` too). Known query keys: `user`, `password`, `dbname`, `host`, `port`,
    /// `application_name`, `replication` (`database`, `true`/`false`/`on`/`off`/`0`/`1`
    /// meaning database/off), `options`, `sslmode` (`disable`, `allow`/`prefer`, `require`,
    /// `verify-ca`/`verify-full` as require); any other key is a startup parameter.
    /// Percent-encoding is decoded everywhere.
    pub fn parse_url(url: &str) -> Result<Config> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| Error::config("a URL starts with postgres:// or postgresql://"))?;
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
            c.dbname = Some(decode_str(p)?);
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
                "dbname" => c.dbname = Some(v),
                "host" => c.host = Some(v),
                "port" => c.port = parse_port(&v)?,
                "application_name" => c.application_name = Some(v),
                "options" => c.options = Some(v),
                "replication" => {
                    c.replication = match v.as_str() {
                        "database" => ReplicationMode::Database,
                        "false" | "off" | "no" | "0" => ReplicationMode::Off,
                        _ => {
                            return Err(Error::config(format!(
                                "replication={v}: only `database` (logical) is supported"
                            )));
                        }
                    }
                }
                "sslmode" => {
                    c.ssl_mode = match v.as_str() {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" | "verify-ca" | "verify-full" => SslMode::Require,
                        _ => return Err(Error::config(format!("unknown sslmode `{v}`"))),
                    }
                }
                _ => c.params.push((k, v)),
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
    if hostport.contains(',') {
        return Err(Error::config("several hosts in one URL are not supported"));
    }
    // `[::1]:5432`: an IPv6 literal in brackets.
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
            .field("dbname", &self.dbname)
            .field("application_name", &self.application_name)
            .field("replication", &self.replication)
            .field("options", &self.options)
            .field("params", &self.params)
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
        let c = Config::parse_url(
            "postgresql://u%20x:p%3Aw@[::1]:6000/d%2Fb?sslmode=require&options=-c%20a%3Db&DateStyle=ISO",
        )
        .unwrap();
        assert_eq!(c.user, "u x");
        assert_eq!(c.password.as_deref(), Some(b"p:w".as_slice()));
        assert_eq!(c.host.as_deref(), Some("::1"));
        assert_eq!(c.port, 6000);
        assert_eq!(c.dbname.as_deref(), Some("d/b"));
        assert_eq!(c.ssl_mode, SslMode::Require);
        assert_eq!(c.options.as_deref(), Some("-c a=b"));
        assert_eq!(c.params, vec![("DateStyle".into(), "ISO".into())]);
    }

    #[test]
    fn minimal_url_defaults() {
        let c = Config::parse_url("postgres://postgres@127.0.0.1").unwrap();
        assert_eq!(c.port, 5432);
        assert_eq!(c.dbname, None);
        assert_eq!(c.replication, ReplicationMode::Off);
    }

    #[test]
    fn bad_urls_are_errors() {
        for url in [
            "mysql://root@x",
            "postgres://x:99999",
            "postgres://@x",
            "postgres://u@x/db?replication=physical",
            "postgres://u@x/d%zz",
            "postgres://u@a,b/db",
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
