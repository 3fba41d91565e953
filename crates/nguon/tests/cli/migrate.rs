//! `nguon migrate`: creates and migrates the database, and is safe to repeat; a database from
//! before the genealogy link index gets every link its stored events make.

use std::path::Path;

use nguon_store::Store as _;
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::backup::postgres_server;
use crate::support::{is_wal, nguon, run};
use crate::trace::{CARTON, PALLET, append, event, prepare_in};
use crate::verify::{Dialect, Raw};

/// The migration that made the link index and back-fills it from the stored events.
const LINK_INDEX_MIGRATION: i64 = 20260122000000;

#[test]
fn migrates_a_new_database_and_repeats_safely() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let mut command = nguon(dir.path());
        command.args(["migrate", "--database", "sqlite://registry.db"]);
        let (status, stdout, stderr) = run(command);
        assert_eq!(status.code(), Some(0), "stderr: {stderr}");
        assert!(stdout.contains("database schema is up to date"), "{stdout}");
    }
    assert!(is_wal(&dir.path().join("registry.db")));
}

/// The link index as `product>source` pairs, sorted.
fn links_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "SELECT coalesce(group_concat(pair, ' '), '') FROM \
             (SELECT product || '>' || source AS pair FROM lot_edges ORDER BY pair)"
        }
        Dialect::Postgres => {
            "SELECT coalesce(string_agg(product || '>' || source, ' ' \
             ORDER BY product || '>' || source), '') FROM lot_edges"
        }
    }
}

/// The trace fixture's pallet taken apart again, so that with the fixture every rule makes a
/// link: transformation outputs to inputs, a packed pallet to its carton, an unpacked carton to
/// the pallet it left.
fn unpacking() -> Value {
    event(
        "AggregationEvent",
        7,
        "unpacking",
        json!({"action": "DELETE", "parentID": PALLET, "childEPCs": [CARTON]}),
    )
}

/// The links the capture wrote for the fixture and [`unpacking`] are the links the migration's
/// back-fill makes from the stored events, once the index is dropped and the migration is due
/// again, as in a database from before it.
async fn links_back_filled(dialect: Dialect, dir: &Path, database: &str) {
    let mut db = Raw::connect(dialect, dir, database).await;
    let captured: String = db.scalar(links_sql(dialect)).await;
    assert_eq!(captured.split(' ').count(), 5, "{captured}");
    db.execute(&format!(
        "DROP TABLE lot_edges; DELETE FROM _sqlx_migrations WHERE version = {LINK_INDEX_MIGRATION};"
    ))
    .await;
    db.close().await;
    let mut command = nguon(dir);
    command.args(["migrate", "--database", database]);
    let (status, _, stderr) = run(command);
    assert!(status.success(), "{stderr}");
    let mut db = Raw::connect(dialect, dir, database).await;
    assert_eq!(db.scalar::<String>(links_sql(dialect)).await, captured);
    db.close().await;
}

#[tokio::test]
async fn migrating_back_fills_the_link_index_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("links.db"))
        .await
        .expect("open store");
    let (_, processor) = prepare_in(&store).await;
    append(&store, [(processor, unpacking())]).await;
    store.close().await;
    links_back_filled(Dialect::Sqlite, dir.path(), "links.db").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_back_fills_the_link_index_on_postgresql() {
    let Some(server) = postgres_server("migrate") else {
        return;
    };
    let database = ScratchDatabase::create(&server, "nguon_links")
        .await
        .expect("scratch database");
    let store = PostgresStore::open(database.url()).await.expect("open");
    let (_, processor) = prepare_in(&store).await;
    append(&store, [(processor, unpacking())]).await;
    store.close().await;
    let dir = tempfile::tempdir().unwrap();
    links_back_filled(Dialect::Postgres, dir.path(), database.url().expose()).await;
}
