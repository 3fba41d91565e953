//! `nguon backup` and `nguon restore` on both back ends: the restored database holds every event
//! with the hash its document still yields and passes `nguon verify` (every chain and signed
//! checkpoint), a changed manifest or an occupied target is refused, and nothing is overwritten.

use std::io::Write;
use std::path::Path;

use nguon_store::{DatabaseUrl, PostgresUrl, Store};
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;
use serde_json::Value;

use crate::support::{nguon, run};

/// What a finished command left: exit code, stdout, stderr.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `nguon ARGS` in `dir`.
fn cli(dir: &Path, args: &[&str]) -> Ran {
    let mut command = nguon(dir);
    command.args(args);
    let (status, stdout, stderr) = run(command);
    Ran {
        code: status.code(),
        stdout,
        stderr,
    }
}
use crate::trace::{prepare, prepare_in};

/// The events the trace fixture appends.
const EVENTS: u64 = 6;

/// Every stored event's hash, recomputed from its stored JSON-LD document, equals the stored one,
/// and there are `EVENTS` of them.
async fn assert_every_hash_holds(store: &dyn Store) {
    let events = store.events_after(0, 1_000).await.expect("read events");
    assert_eq!(events.len() as u64, EVENTS);
    for stored in events {
        let document: Value = serde_json::from_str(&stored.event.document).expect("stored JSON-LD");
        let hash = nguon_epcis::hash::hash_event_json(&document, document.get("@context"))
            .expect("hashable event");
        assert_eq!(
            hash.hash,
            stored.event.hash.as_str(),
            "event {} changed",
            stored.sequence
        );
    }
}

fn backup_and_restore(dir: &Path, source: &str, target: &str) -> Value {
    let signed = cli(dir, &["verify", "--checkpoint", "--database", source]);
    assert_eq!(signed.code, Some(0), "verify failed: {}", signed.stderr);
    assert!(
        signed.stderr.contains("2 checkpoints signed"),
        "{}",
        signed.stderr
    );
    let backup = cli(dir, &["backup", "nguon.backup", "--database", source]);
    assert_eq!(backup.code, Some(0), "backup failed: {}", backup.stderr);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("nguon.backup.manifest.json")).expect("manifest file"),
    )
    .expect("manifest JSON");
    assert_eq!(manifest["events"]["events"], EVENTS);
    let sha256 = manifest["events"]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha256.len(), 64);
    assert!(
        backup.stdout.contains(&format!(
            "backup of {EVENTS} events written to nguon.backup"
        )) && backup.stdout.contains(&sha256),
        "{}",
        backup.stdout
    );

    let again = cli(dir, &["backup", "nguon.backup", "--database", source]);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    let restore = cli(dir, &["restore", "nguon.backup", "--database", target]);
    assert_eq!(restore.code, Some(0), "restore failed: {}", restore.stderr);
    assert!(
        restore
            .stdout
            .contains(&format!("restored {EVENTS} events"))
            && restore.stdout.contains(&sha256),
        "{}",
        restore.stdout
    );
    let verified = cli(dir, &["verify", "--database", target]);
    assert_eq!(
        verified.code,
        Some(0),
        "{}{}",
        verified.stdout,
        verified.stderr
    );
    assert_eq!(
        verified.stdout.lines().last(),
        Some(format!("{EVENTS} events in 2 chains verified, 2 checkpoints").as_str()),
        "{}",
        verified.stdout
    );
    let into_full = cli(dir, &["restore", "nguon.backup", "--database", target]);
    assert_eq!(into_full.code, Some(1), "a second restore must be refused");
    manifest
}

/// A manifest whose digest was changed makes the restore fail, naming both digests.
fn assert_tampered_manifest_refused(dir: &Path, target: &str) {
    let path = dir.join("nguon.backup.manifest.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    manifest["events"]["sha256"] = Value::from("0".repeat(64));
    std::fs::write(&path, manifest.to_string()).unwrap();
    let restore = cli(dir, &["restore", "nguon.backup", "--database", target]);
    assert_eq!(restore.code, Some(1));
    assert!(
        restore.stderr.contains("does not match the backup")
            && restore.stderr.contains(&"0".repeat(64)),
        "{}",
        restore.stderr
    );
}

#[tokio::test]
async fn sqlite_backup_restores_every_event() {
    let dir = tempfile::tempdir().unwrap();
    prepare(&dir.path().join("source.db")).await;
    backup_and_restore(dir.path(), "source.db", "restored.db");
    let restored = SqliteStore::open(&dir.path().join("restored.db"))
        .await
        .unwrap();
    assert_every_hash_holds(&restored).await;
    restored.close().await;

    assert_tampered_manifest_refused(dir.path(), "tampered.db");

    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(&not_a_backup, "not a database at all").unwrap();
    std::fs::write(
        dir.path().join("notes.txt.manifest.json"),
        std::fs::read(dir.path().join("nguon.backup.manifest.json")).unwrap(),
    )
    .unwrap();
    let refused = cli(
        dir.path(),
        &["restore", "notes.txt", "--database", "other.db"],
    );
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.contains("is not an SQLite database backup"),
        "{}",
        refused.stderr
    );
    assert!(
        !dir.path().join("other.db").exists(),
        "nothing half written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_backup_restores_every_event() {
    let Some(server) = postgres_server("backup") else {
        return;
    };
    let source = ScratchDatabase::create(&server, "nguon_backup_source")
        .await
        .expect("scratch source database");
    let store = PostgresStore::open(source.url())
        .await
        .expect("open source");
    prepare_in(&store).await;
    store.close().await;
    let target = ScratchDatabase::create(&server, "nguon_backup_target")
        .await
        .expect("scratch target database");

    let dir = tempfile::tempdir().unwrap();
    backup_and_restore(dir.path(), source.url().expose(), target.url().expose());
    let restored = PostgresStore::open(target.url()).await.unwrap();
    assert_every_hash_holds(&restored).await;
    restored.close().await;

    let refused = cli(
        dir.path(),
        &["restore", "nguon.backup", "--database", "sqlite.db"],
    );
    assert_eq!(refused.code, Some(1));
    assert!(
        refused
            .stderr
            .contains("backup is of a postgresql database"),
        "{}",
        refused.stderr
    );
    let empty = ScratchDatabase::create(&server, "nguon_backup_tampered")
        .await
        .expect("scratch database");
    assert_tampered_manifest_refused(dir.path(), empty.url().expose());
}

/// The server `NGUON_TEST_DATABASE_URL` names; `None` (with a line on stderr naming `test`) when
/// unset outside CI.
pub(crate) fn postgres_server(test: &str) -> Option<PostgresUrl> {
    const POSTGRES_ENV: &str = "NGUON_TEST_DATABASE_URL";
    let Some(url) = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: {POSTGRES_ENV} must be set in CI"
        );
        let _ = writeln!(
            std::io::stderr(),
            "{test}: PostgreSQL run SKIPPED (set {POSTGRES_ENV} to run it)"
        );
        return None;
    };
    match DatabaseUrl::parse(&url) {
        Ok(DatabaseUrl::Postgres(url)) => Some(url),
        other => panic!("{POSTGRES_ENV} must be a postgres:// URL, got {other:?}"),
    }
}
