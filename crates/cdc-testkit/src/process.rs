//! Running a client program with SQL on its standard input.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `cmd` with `input` on stdin. Returns stdout on success, and on failure a message with
/// the command, its exit status and its stderr.
pub(crate) fn run(mut cmd: Command, input: &str) -> Result<Vec<u8>, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run `{program}`: {e} (is it installed? `scripts/services up` installs \
                 the Debian packages)"
            )
        })?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let input = input.as_bytes().to_vec();
    // Write from another thread: a big result could otherwise fill stdout while we still write.
    let writer = std::thread::spawn(move || {
        // A client that exits early (bad connection) closes stdin: its stderr says why.
        let _ = stdin.write_all(&input);
    });
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for `{program}`: {e}"))?;
    let _ = writer.join();
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(format!(
            "`{program}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        ))
    }
}

/// Shortens SQL for an error message.
pub(crate) fn excerpt(sql: &str) -> String {
    const MAX: usize = 2000;
    match sql.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &sql[..cut], sql.len()),
        None => sql.to_string(),
    }
}
