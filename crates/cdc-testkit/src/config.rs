//! Finding the servers: `CDC_TEST_*` environment variables, else `target/services/env`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The settings of one server, with where they came from (for error messages).
pub(crate) struct Settings {
    prefix: String,
    vars: HashMap<String, String>,
    source: String,
}

impl Settings {
    /// Loads the `CDC_TEST_{service}_*` settings. `service` is `MARIADB` or `PG`.
    pub(crate) fn load(service: &str) -> Settings {
        let prefix = format!("CDC_TEST_{service}_");
        let port_var = format!("{prefix}PORT");
        if std::env::var_os(&port_var).is_some() {
            let vars = std::env::vars()
                .filter(|(k, _)| k.starts_with(&prefix))
                .collect();
            return Settings {
                prefix,
                vars,
                source: "the environment".to_string(),
            };
        }
        let Some(file) = find_env_file() else {
            panic!(
                "cdc-testkit: the test servers are not configured: {port_var} is not set and no \
                 target/services/env was found above {}.\n\
                 Start the servers with `scripts/services up` (then run the tests again), or run \
                 every check with `scripts/test`.",
                search_starts()
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cdc-testkit: cannot read {}: {e}", file.display()));
        let vars: HashMap<String, String> = parse_env_file(&text)
            .into_iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .collect();
        if !vars.contains_key(&port_var) {
            panic!(
                "cdc-testkit: {} does not set {port_var}; restart the servers with \
                 `scripts/services down && scripts/services up`",
                file.display()
            );
        }
        Settings {
            prefix,
            vars,
            source: file.display().to_string(),
        }
    }

    /// The value of `CDC_TEST_{service}_{key}`, if set.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(&format!("{}{key}", self.prefix))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Like [`Settings::get`], but panics when the setting is missing.
    pub(crate) fn require(&self, key: &str) -> &str {
        self.get(key).unwrap_or_else(|| {
            panic!(
                "cdc-testkit: {} does not set the {key} of the test server; restart the servers \
                 with `scripts/services down && scripts/services up`",
                self.source
            )
        })
    }

    /// The port, parsed.
    pub(crate) fn port(&self) -> u16 {
        let port = self.require("PORT");
        port.parse().unwrap_or_else(|_| {
            panic!(
                "cdc-testkit: port '{port}' from {} is not a number",
                self.source
            )
        })
    }
}

/// Where to start looking for the workspace root: the running crate's manifest directory,
/// the current directory, and this crate's own manifest directory.
fn search_starts() -> Vec<PathBuf> {
    let mut starts = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        starts.push(PathBuf::from(dir));
    }
    if let Ok(dir) = std::env::current_dir() {
        starts.push(dir);
    }
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let mut seen = Vec::new();
    starts.retain(|dir| {
        let new = !seen.contains(dir);
        seen.push(dir.clone());
        new
    });
    starts
}

/// `target/services/env` of the first workspace root (a directory holding `scripts/services`)
/// above one of the [`search_starts`] that has one.
fn find_env_file() -> Option<PathBuf> {
    search_starts().iter().find_map(|start| {
        start
            .ancestors()
            .filter(|dir| dir.join("scripts").join("services").is_file())
            .map(|root| root.join("target").join("services").join("env"))
            .find(|file| file.is_file())
    })
}

/// Parses the `export KEY=VALUE` lines of an env file; values may be single- or double-quoted.
pub(crate) fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
            let (key, value) = line.split_once('=')?;
            Some((key.trim().to_string(), unquote(value.trim()).to_string()))
        })
        .collect()
}

fn unquote(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// A path setting, if present.
pub(crate) fn path(settings: &Settings, key: &str) -> Option<PathBuf> {
    settings.get(key).map(|v| Path::new(v).to_path_buf())
}

/// True when the fresh databases should be kept after the test.
pub(crate) fn keep_databases() -> bool {
    std::env::var_os("CDC_TEST_KEEP_DATABASES").is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines_are_parsed_with_and_without_export_and_quotes() {
        let text = "# comment\n\
                    export CDC_TEST_PG_PORT=54329\n\
                    CDC_TEST_PG_HOST='127.0.0.1'\n\
                    export CDC_TEST_PG_URL=\"postgres://postgres@127.0.0.1:54329/postgres\"\n\
                    \n\
                    not a setting\n";
        assert_eq!(
            parse_env_file(text),
            vec![
                ("CDC_TEST_PG_PORT".to_string(), "54329".to_string()),
                ("CDC_TEST_PG_HOST".to_string(), "127.0.0.1".to_string()),
                (
                    "CDC_TEST_PG_URL".to_string(),
                    "postgres://postgres@127.0.0.1:54329/postgres".to_string()
                ),
            ]
        );
    }
}
