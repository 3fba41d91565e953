//! Faults a system of record must come through without losing what it acknowledged: a flood of
//! captures (the backlog is bounded and the surplus is told to come back), a database that goes
//! away and comes back (PostgreSQL behind a TCP proxy the test cuts), and a full disk (SQLite on
//! a small tmpfs). Each time: clear errors, never a 500, every acknowledged document whole, no
//! document partly stored, and captures work again once the fault is gone.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use nguon_store::DatabaseUrl;
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;
use nguon_web::epcis::capture::CaptureQueue;
use serde_json::{Value, json};
use support::{Reply, TestApp};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Events per captured document.
const EVENTS: usize = 100;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// Document number `batch`: [`EVENTS`] observations of serials of an item reference of its own,
/// so `MATCH_epc` finds exactly its events.
fn document(batch: u32) -> String {
    let events: Vec<Value> = (0..EVENTS)
        .map(|serial| {
            json!({
                "type": "ObjectEvent",
                "eventTime": format!("2026-03-01T07:{:02}:00+07:00", serial % 60),
                "eventTimeZoneOffset": "+07:00",
                "action": "OBSERVE",
                "epcList": [format!("urn:epc:id:sgtin:893123456.{}.S{serial}", 1000 + batch)],
                "bizStep": "shipping",
                "readPoint": {"id": "urn:epc:id:sgln:893123456.001.0"},
            })
        })
        .collect();
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

/// How many events of document `batch` are stored.
async fn stored(app: &TestApp, key: &str, batch: u32) -> usize {
    let path = format!(
        "/epcis/events?MATCH_epc=urn%3Aepc%3Aidpat%3Asgtin%3A893123456.{}.*&perPage=1000",
        1000 + batch
    );
    app.get_all_pages(key, &path, &[])
        .await
        .unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body))
        .iter()
        .map(|page| {
            page.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum()
}

async fn post(app: &TestApp, key: &str, batch: u32) -> Reply {
    app.post(
        key,
        "/epcis/capture",
        "application/ld+json",
        document(batch),
        &[],
    )
    .await
}

/// Checks a `503` that tells the client to come back.
fn assert_try_later(reply: &Reply, retry_after: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.header("retry-after"), Some(retry_after));
}

#[tokio::test]
async fn a_capture_flood_beyond_the_backlog_is_told_to_come_back_and_nothing_accepted_is_lost() {
    // One job stores at a time and three documents fit in the backlog; the test holds the slot,
    // so the accepted documents wait as they would behind a slow database.
    let app = TestApp::new().await.with_state(|state| {
        state.capture_queue = Arc::new(CaptureQueue::with_slots(1, 3 * EVENTS));
    });
    let (_, key) = app.organisation("0310000021").await;
    let slot = app
        .state
        .capture_queue
        .slots
        .clone()
        .acquire_owned()
        .await
        .unwrap();
    let mut accepted = Vec::new();
    for batch in 0..3 {
        let reply = post(&app, &key, batch).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
        accepted.push(reply.header("location").unwrap().to_owned());
    }
    let refused = post(&app, &key, 3).await;
    assert_try_later(&refused, "10");
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("capture_backlog"), "{detail}");
    assert!(
        detail.contains("nothing of this document was kept"),
        "{detail}"
    );

    drop(slot);
    for location in &accepted {
        let job = app.wait_for_job(&key, location).await;
        assert_eq!(job["success"], true, "{job}");
    }
    for batch in 0..3 {
        assert_eq!(stored(&app, &key, batch).await, EVENTS);
    }
    assert_eq!(
        stored(&app, &key, 3).await,
        0,
        "a refused document leaves nothing"
    );

    // The stored jobs gave their room back: the document sent again goes in.
    let job = app
        .capture(&key, "application/ld+json", &document(3), &[])
        .await
        .unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body));
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(stored(&app, &key, 3).await, EVENTS);
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection closed, new ones
/// refused) and restore.
struct Proxy {
    address: std::net::SocketAddr,
    cut: Arc<Mutex<bool>>,
    connections: Arc<Mutex<JoinSet<()>>>,
    _accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let cut = Arc::new(Mutex::new(false));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let accepting = tokio::spawn({
            let (cut, connections) = (Arc::clone(&cut), Arc::clone(&connections));
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if *cut.lock().unwrap() {
                        continue; // dropped: the connection is closed at once
                    }
                    let upstream = upstream.clone();
                    connections.lock().unwrap().spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(&upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
            }
        });
        Self {
            address,
            cut,
            connections,
            _accepting: accepting,
        }
    }

    /// The database goes away: open connections drop, new ones are refused.
    fn cut(&self) {
        *self.cut.lock().unwrap() = true;
        self.connections.lock().unwrap().abort_all();
    }

    /// The database is back.
    fn restore(&self) {
        *self.cut.lock().unwrap() = false;
    }
}

/// The PostgreSQL server tests may create databases on, or `None` (with a line saying so) when
/// none is configured outside CI.
fn postgres_admin_url(test: &str) -> Option<nguon_store::PostgresUrl> {
    const POSTGRES_ENV: &str = "NGUON_TEST_DATABASE_URL";
    let Some(url) = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{POSTGRES_ENV} must be set in CI"
        );
        let _ = writeln!(
            std::io::stderr(),
            "{test}: PostgreSQL run SKIPPED (set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it)"
        );
        return None;
    };
    match DatabaseUrl::parse(&url) {
        Ok(DatabaseUrl::Postgres(url)) => Some(url),
        _ => panic!("{POSTGRES_ENV} must be a postgres:// URL"),
    }
}

/// `url` with its host and port replaced by `address`.
fn through(url: &str, address: std::net::SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let credentials = authority
        .rsplit_once('@')
        .map(|(credentials, _)| format!("{credentials}@"))
        .unwrap_or_default();
    format!("{scheme}://{credentials}{address}/{path}")
}

/// The host and port of `url`.
fn host_and_port(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host = authority.rsplit('@').next().unwrap();
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

#[tokio::test]
async fn postgres_going_away_and_coming_back_gives_clear_503s_and_loses_no_acknowledged_capture() {
    let Some(admin) = postgres_admin_url("faults") else {
        return;
    };
    let database = ScratchDatabase::create(&admin, "nguon_faults")
        .await
        .unwrap();
    let proxy = Proxy::start(host_and_port(database.url().expose())).await;
    let Ok(DatabaseUrl::Postgres(proxied)) =
        DatabaseUrl::parse(&through(database.url().expose(), proxy.address))
    else {
        panic!("the proxied URL is a postgres:// URL");
    };
    let store = PostgresStore::open(&proxied).await.unwrap();
    let app = TestApp::over(Arc::new(store)).with_state(|state| {
        state.capture_queue = Arc::new(CaptureQueue::with_slots(1, 10 * EVENTS));
    });
    let (_, key) = app.organisation("0310000021").await;

    let before = app
        .capture(&key, "application/ld+json", &document(0), &[])
        .await
        .unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body));
    assert_eq!(before["success"], true, "{before}");
    // Accepted while the database is up; its turn to store comes while it is away.
    let slot = app
        .state
        .capture_queue
        .slots
        .clone()
        .acquire_owned()
        .await
        .unwrap();
    let caught = post(&app, &key, 1).await;
    assert_eq!(caught.status, StatusCode::ACCEPTED, "{}", caught.body);
    let caught = caught.header("location").unwrap().to_owned();

    proxy.cut();
    drop(slot);
    let ready = app.get(&key, "/readyz", &[]).await;
    assert_try_later(&ready, "5");
    let refused = post(&app, &key, 2).await;
    assert_try_later(&refused, "5");
    assert_eq!(
        refused.json()["detail"],
        "the database is unavailable; try again later"
    );
    let query = app.get(&key, "/epcis/events", &[]).await;
    assert_try_later(&query, "5");

    proxy.restore();
    let mut back = false;
    for _ in 0..300 {
        if app.get(&key, "/readyz", &[]).await.status == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the server never saw the database come back");

    // The job caught by the outage says so, once the database can record it, and kept nothing.
    let job = app.wait_for_job(&key, &caught).await;
    assert_eq!(job["success"], false, "{job}");
    let error = job["errors"][0].as_str().unwrap_or_default();
    assert!(
        error.contains("the database is unavailable") && error.contains("send it again"),
        "{job}"
    );
    assert_eq!(stored(&app, &key, 1).await, 0);
    assert_eq!(stored(&app, &key, 0).await, EVENTS, "acknowledged before");

    // Sent again, both documents go in.
    for batch in [1, 2] {
        let job = app
            .capture(&key, "application/ld+json", &document(batch), &[])
            .await
            .unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body));
        assert_eq!(job["success"], true, "{job}");
        assert_eq!(stored(&app, &key, batch).await, EVENTS);
    }
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    mount_point: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts `megabytes` of tmpfs, or says why not and gives `None` outside CI (mounting needs
    /// root, which CI has).
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={megabytes}m"),
                "nguon-faults",
            ])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(output) if output.status.success() => Some(Self {
                mount_point: dir.path().to_owned(),
                _dir: dir,
            }),
            other => {
                let why = match other {
                    Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                    Err(error) => error.to_string(),
                };
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "the full-disk test must run in CI (as root), but mounting a tmpfs failed: {why}"
                );
                let _ = writeln!(
                    std::io::stderr(),
                    "faults: full-disk test SKIPPED (mounting a tmpfs needs root: {why})"
                );
                None
            }
        }
    }

    fn path(&self) -> &Path {
        &self.mount_point
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mount_point)
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_fails_the_capture_that_hits_it_clearly_and_capture_resumes_once_space_is_freed()
 {
    let Some(disk) = SmallDisk::mount(16) else {
        return;
    };
    let store = SqliteStore::open(&disk.path().join("nguon.db"))
        .await
        .unwrap();
    let app = TestApp::over(Arc::new(store));
    let (_, key) = app.organisation("0310000021").await;
    // Space the operator can free once the disk has filled.
    let ballast = disk.path().join("ballast");
    std::fs::write(&ballast, vec![0u8; 4 * 1024 * 1024]).unwrap();

    let mut acknowledged = Vec::new();
    let mut hit = None;
    for batch in 0..500 {
        match app
            .capture(&key, "application/ld+json", &document(batch), &[])
            .await
        {
            Ok(job) if job["success"] == true => acknowledged.push(batch),
            Ok(job) => {
                let error = job["errors"][0].as_str().unwrap_or_default().to_owned();
                assert!(
                    error.contains("the database is unavailable (the disk is full)")
                        && error.contains("send it again"),
                    "{job}"
                );
                hit = Some(batch);
                break;
            }
            // The job itself could not be recorded: refused before anything was accepted.
            Err(reply) => {
                assert_try_later(&reply, "5");
                hit = Some(batch);
                break;
            }
        }
    }
    let full = hit.expect("16 MB never filled up");
    assert!(acknowledged.len() > 3, "{acknowledged:?}");

    // Reads go on while the disk is full; what was acknowledged is whole, the rest absent.
    for &batch in &acknowledged {
        assert_eq!(stored(&app, &key, batch).await, EVENTS, "document {batch}");
    }
    assert_eq!(
        stored(&app, &key, full).await,
        0,
        "nothing of the document that hit it"
    );

    std::fs::remove_file(&ballast).unwrap();
    let job = app
        .capture(&key, "application/ld+json", &document(full), &[])
        .await
        .unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body));
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(stored(&app, &key, full).await, EVENTS);
}
