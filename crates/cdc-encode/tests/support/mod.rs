//! Shared test support: the Python interpreter with the independent readers installed.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The workspace root.
pub(crate) fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$CDC_TEST_PYTHON`, else the virtual environment `scripts/install-python-deps` creates.
pub(crate) fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CDC_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = workspace().join("target/pyenv/bin/python3");
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-python-deps (scripts/test does)",
        p.display()
    );
    p
}

/// Runs a Python script with `args`, feeding `stdin`; returns stdout, panicking with stderr on
/// failure.
pub(crate) fn run_python(script: &str, args: &[&str], stdin: &[u8]) -> String {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
