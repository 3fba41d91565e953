//! `nguon serve`: a real start, probes over TCP, and a clean stop on SIGTERM.

use crate::support::{Server, is_wal, nguon};

#[test]
fn serves_probes_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // No --database: the default is nguon.db in the working directory, created on first start.
    let mut command = nguon(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(command);
    assert!(server.address.ip().is_loopback());
    assert_ne!(server.address.port(), 0, "the real port is reported");

    assert_eq!(
        server.get("/healthz"),
        (200, r#"{"status":"ok"}"#.to_owned())
    );
    assert_eq!(
        server.get("/readyz"),
        (200, r#"{"status":"ready"}"#.to_owned())
    );
    let (status, body) = server.get("/nothing/here");
    assert_eq!(status, 404);
    assert!(body.contains(r#""title":"Not Found""#), "{body}");

    let (status, log, stderr) = server.terminate();
    assert_eq!(status.code(), Some(0), "clean exit; stderr: {stderr}");
    assert_eq!(stderr, "", "nothing on stderr after a clean run");
    assert!(
        log.iter().any(|line| line.contains("SIGTERM received")),
        "{log:#?}"
    );
    assert!(
        log.last().is_some_and(|line| line.contains("stopped")),
        "{log:#?}"
    );

    let database = dir.path().join("nguon.db");
    assert!(
        database.is_file(),
        "nguon.db created in the working directory"
    );
    assert!(is_wal(&database), "the database is in WAL mode");
}

#[test]
fn json_logs_and_environment_configuration_work_together() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = nguon(dir.path());
    command
        .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
        .env("NGUON_DATABASE_URL", "sqlite://from-env.db");
    let server = Server::start(command);
    assert_eq!(server.get("/readyz").0, 200);
    let (status, log, _) = server.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(
        log.iter().all(|line| line.starts_with('{')),
        "JSON lines only: {log:#?}"
    );
    assert!(
        log.iter()
            .any(|line| line.contains(r#""message":"stopped""#)),
        "{log:#?}"
    );
    assert!(
        dir.path().join("from-env.db").is_file(),
        "NGUON_DATABASE_URL was used"
    );
}
