//! Starts that must fail: non-zero exit and exactly one clear line on stderr.

use std::time::{Duration, Instant};

use crate::support::{nguon, run};

/// Runs `nguon <args>` in a temp dir and returns its single stderr line, checking the exit code.
fn fails_with_one_line(args: &[&str]) -> String {
    fails_with_one_line_and_log(args).0
}

/// Like [`fails_with_one_line`], also returning what was logged on stdout.
fn fails_with_one_line_and_log(args: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = nguon(dir.path());
    command.args(args);
    let (status, stdout, stderr) = run(command);
    assert_eq!(
        status.code(),
        Some(1),
        "exit code for {args:?}; stderr: {stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line for {args:?}: {stderr:?}"
    );
    assert!(stderr.ends_with('\n'));
    (stderr.trim_end().to_owned(), stdout)
}

#[test]
fn an_unreachable_postgres_server_fails_fast_with_the_reason() {
    let started = Instant::now();
    let line = fails_with_one_line(&["serve", "--database", "postgres://nobody@127.0.0.1:1/x"]);
    assert_eq!(
        line,
        "error: cannot open database postgres://nobody@127.0.0.1:1/x: connection refused"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_password_never_reaches_the_error_line_or_the_log() {
    let (line, log) = fails_with_one_line_and_log(&[
        "--log-format",
        "json",
        "migrate",
        "--database",
        "postgres://nobody:hunter2@127.0.0.1:1/x",
    ]);
    assert_eq!(
        line,
        "error: cannot open database postgres://nobody:***@127.0.0.1:1/x: connection refused"
    );
    assert!(
        log.contains(r#""database_url":"postgres://nobody:***@127.0.0.1:1/x""#),
        "the effective configuration is logged, redacted: {log}"
    );
    assert!(!log.contains("hunter2"), "{log}");
}

#[test]
fn an_unwritable_sqlite_location_is_named() {
    let line = fails_with_one_line(&["serve", "--database", "/proc/nguon.db"]);
    assert_eq!(
        line,
        "error: cannot open database /proc/nguon.db: cannot create or write the file \
         (no such file or directory); check that its directory is writable"
    );
}

#[test]
fn a_missing_directory_is_named() {
    let line = fails_with_one_line(&["serve", "--database", "sqlite://no/such/dir/nguon.db"]);
    assert_eq!(
        line,
        "error: cannot open database no/such/dir/nguon.db: directory no/such/dir does not exist"
    );
}

#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let line = fails_with_one_line(&["serve", "--listen", &address]);
    assert!(
        line.starts_with(&format!("error: cannot listen on {address}: ")),
        "{line}"
    );
}

#[test]
fn a_missing_config_file_is_named() {
    let line = fails_with_one_line(&["--config", "site.toml", "serve"]);
    assert_eq!(line, "error: config file site.toml does not exist");
}

#[test]
fn a_bad_config_value_names_its_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nguon.toml"), "log_format = \"xml\"\n").unwrap();
    let mut command = nguon(dir.path());
    command.arg("migrate");
    let (status, _, stderr) = run(command);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(
        stderr.starts_with("error: invalid configuration: "),
        "{stderr}"
    );
    assert!(stderr.contains("nguon.toml"), "{stderr}");
}
