//! `nguon verify` on both back ends: a clean database verifies with exit code 0 and signs
//! checkpoints; then rows are edited, deleted and reordered with raw SQL, as someone with write
//! access to the database could, and verify names exactly those rows with exit code 3; a chain
//! rewritten consistently is caught by its signed checkpoint. Events stored before the chain
//! existed are chained when the database is migrated.

use std::collections::BTreeSet;
use std::path::Path;

use nguon_store::Store as _;
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use serde_json::Value;
use sqlx::Connection as _;

use crate::backup::postgres_server;
use crate::support::{nguon, run};
use crate::trace::{prepare, prepare_in};

/// The farm's and the processor's tax codes in the trace fixture (2 and 4 events).
const FARM: &str = "0300000021";
const PROCESSOR: &str = "0300000022";

/// Runs `nguon verify ARGS --database DATABASE` in `dir`: exit code, stdout, stderr.
fn verify(dir: &Path, database: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = nguon(dir);
    command
        .arg("verify")
        .args(args)
        .args(["--database", database]);
    let (status, stdout, stderr) = run(command);
    (status.code(), stdout, stderr)
}

/// Verifies clean, signs a checkpoint at each chain's head, and verifies clean again with them.
fn verify_clean_and_checkpoint(dir: &Path, database: &str) {
    let (code, _, stderr) = verify(dir, database, &[]);
    assert_eq!(code, Some(1), "no key file yet: {stderr}");
    assert!(
        stderr.contains("nguon-signing.key does not exist") && stderr.contains("--public-key"),
        "{stderr}"
    );
    let (code, stdout, stderr) = verify(dir, database, &["--checkpoint"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("new signing key written to nguon-signing.key"),
        "{stderr}"
    );
    assert!(stderr.contains("2 checkpoints signed"), "{stderr}");
    let (code, stdout, stderr) = verify(dir, database, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some("6 events in 2 chains verified, 2 checkpoints")
    );
    let (code, stdout, _) = verify(dir, database, &["--org", FARM]);
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout.lines().last(),
        Some("2 events in 1 chains verified, 1 checkpoints")
    );
    let (code, _, stderr) = verify(dir, database, &["--public-key", "abc"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--public-key: public key must be 64 hexadecimal digits"),
        "{stderr}"
    );
}

/// `(tax code, position, problem)` of every finding of `nguon verify --format json`, which must
/// exit with code 3.
fn findings(
    dir: &Path,
    database: &str,
    owners: &[(String, &str)],
) -> BTreeSet<(String, i64, String)> {
    let (code, stdout, stderr) = verify(dir, database, &["--format", "json"]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    // Log lines (a PostgreSQL notice at start-up) may come before the document on stdout.
    let document = &stdout[stdout.find("\n{").map_or(0, |at| at + 1)..];
    let report: Value = serde_json::from_str(document).expect("one JSON document");
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            let owner = finding["organisation"].as_str().unwrap();
            let tax_code = owners
                .iter()
                .find(|(id, _)| id == owner)
                .map(|(_, tax_code)| (*tax_code).to_owned())
                .unwrap_or_else(|| panic!("unknown organisation in {finding}"));
            (
                tax_code,
                finding["position"].as_i64().unwrap(),
                finding["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// What differs between the two back ends' SQL for the same tampering.
#[derive(Clone, Copy)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Statements that lift the append-only triggers and foreign keys, as an attacker would.
    fn unprotect(self) -> &'static str {
        match self {
            Self::Sqlite => {
                "PRAGMA foreign_keys = OFF; DROP TRIGGER events_no_update; \
                 DROP TRIGGER events_no_delete; DROP TRIGGER event_chain_no_update; \
                 DROP TRIGGER event_chain_no_delete;"
            }
            // Disables every trigger, foreign-key checks included, for this session.
            Self::Postgres => "SET session_replication_role = replica;",
        }
    }

    /// A bytes literal.
    fn bytes(self, hex: &str) -> String {
        match self {
            Self::Sqlite => format!("X'{hex}'"),
            Self::Postgres => format!("'\\x{hex}'::bytea"),
        }
    }

    /// The `signed_at` value of a forged checkpoint.
    fn now(self) -> &'static str {
        match self {
            Self::Sqlite => "0",
            Self::Postgres => "now()",
        }
    }

    /// The id of the organisation with `tax_code`, as text.
    fn owner_text(self, tax_code: &str) -> String {
        match self {
            Self::Sqlite => format!(
                "SELECT lower(substr(hex(id), 1, 8) || '-' || substr(hex(id), 9, 4) || '-' || \
                 substr(hex(id), 13, 4) || '-' || substr(hex(id), 17, 4) || '-' || \
                 substr(hex(id), 21)) FROM organisations WHERE tax_code = '{tax_code}'"
            ),
            Self::Postgres => {
                format!("SELECT id::text FROM organisations WHERE tax_code = '{tax_code}'")
            }
        }
    }
}

/// An open connection to either back end, running literal SQL that this test writes (hence
/// `AssertSqlSafe`: no outside input reaches it).
pub(crate) enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Raw {
    /// A connection to `database`, a SQLite file in `dir` or a PostgreSQL URL.
    pub(crate) async fn connect(dialect: Dialect, dir: &Path, database: &str) -> Raw {
        match dialect {
            Dialect::Sqlite => Raw::Sqlite(
                sqlx::SqliteConnection::connect(&format!(
                    "sqlite://{}",
                    dir.join(database).display()
                ))
                .await
                .expect("raw SQLite connection"),
            ),
            Dialect::Postgres => Raw::Postgres(
                sqlx::PgConnection::connect(database)
                    .await
                    .expect("raw PostgreSQL connection"),
            ),
        }
    }

    /// Runs `sql`, which may hold several statements.
    pub(crate) async fn execute(&mut self, sql: &str) {
        let query = || sqlx::AssertSqlSafe(sql.to_owned());
        let done = match self {
            Self::Sqlite(conn) => sqlx::raw_sql(query()).execute(conn).await.map(|_| ()),
            Self::Postgres(conn) => sqlx::raw_sql(query()).execute(conn).await.map(|_| ()),
        };
        done.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The one value `sql` selects.
    pub(crate) async fn scalar<T>(&mut self, sql: &str) -> T
    where
        T: Send + Unpin,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        let query = || sqlx::AssertSqlSafe(sql.to_owned());
        let found = match self {
            Self::Sqlite(conn) => sqlx::query_scalar(query()).fetch_one(conn).await,
            Self::Postgres(conn) => sqlx::query_scalar(query()).fetch_one(conn).await,
        };
        found.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Closes the connection, so that the program under test has the database to itself.
    pub(crate) async fn close(self) {
        let closed = match self {
            Self::Sqlite(conn) => conn.close().await,
            Self::Postgres(conn) => conn.close().await,
        };
        closed.expect("close the raw connection");
    }
}

/// The tampering, then what verify must name: the farm's first document edited and second hash
/// edited and a checkpoint forged for it; the processor's first two events swapped and its third
/// deleted; then its last deleted too, which only its signed checkpoint reveals.
async fn tamper_and_verify(mut db: Raw, dialect: Dialect, dir: &Path, database: &str) {
    let farm = db.scalar::<String>(&dialect.owner_text(FARM)).await;
    let processor = db.scalar::<String>(&dialect.owner_text(PROCESSOR)).await;
    let owner =
        |tax_code: &str| format!("(SELECT id FROM organisations WHERE tax_code = '{tax_code}')");
    let sequence = |tax_code: &str, position: i64| {
        format!(
            "SELECT sequence FROM event_chain WHERE owner_id = {} AND position = {position}",
            owner(tax_code)
        )
    };
    db.execute(dialect.unprotect()).await;

    let farm_1 = db.scalar::<i64>(&sequence(FARM, 1)).await;
    let document: String = db
        .scalar(&format!(
            "SELECT document FROM events WHERE sequence = {farm_1}"
        ))
        .await;
    let mut edited: Value = serde_json::from_str(&document).unwrap();
    edited["outputQuantityList"][0]["quantity"] = Value::from(990.0);
    let edited = edited.to_string().replace('\'', "''");
    db.execute(&format!(
        "UPDATE events SET document = '{edited}' WHERE sequence = {farm_1}"
    ))
    .await;
    let farm_2 = db.scalar::<i64>(&sequence(FARM, 2)).await;
    let forged_hash = format!("ni:///sha-256;{}?ver=CBV2.0", "ab".repeat(32));
    db.execute(&format!(
        "UPDATE events SET event_hash = '{forged_hash}' WHERE sequence = {farm_2}"
    ))
    .await;
    db.execute(&format!(
        "INSERT INTO chain_checkpoints (owner_id, position, link, signed_at, signature) \
         VALUES ({}, 1, {}, {}, {})",
        owner(FARM),
        dialect.bytes(&"11".repeat(32)),
        dialect.now(),
        dialect.bytes(&"22".repeat(64)),
    ))
    .await;

    let (first, second) = (
        db.scalar::<i64>(&sequence(PROCESSOR, 1)).await,
        db.scalar::<i64>(&sequence(PROCESSOR, 2)).await,
    );
    let at = |position: i64| format!("owner_id = {} AND position = {position}", owner(PROCESSOR));
    db.execute(&format!(
        "UPDATE event_chain SET sequence = -1 WHERE {a}; \
         UPDATE event_chain SET sequence = {first} WHERE {b}; \
         UPDATE event_chain SET sequence = {second} WHERE {a};",
        a = at(1),
        b = at(2)
    ))
    .await;
    let third = db.scalar::<i64>(&sequence(PROCESSOR, 3)).await;
    db.execute(&format!(
        "DELETE FROM events WHERE sequence = {third}; DELETE FROM event_chain WHERE {};",
        at(3)
    ))
    .await;

    let owners = [(farm.clone(), FARM), (processor.clone(), PROCESSOR)];
    let expected = |rows: &[(&str, i64, &str)]| -> BTreeSet<(String, i64, String)> {
        rows.iter()
            .map(|(tax_code, position, problem)| {
                ((*tax_code).to_owned(), *position, (*problem).to_owned())
            })
            .collect()
    };
    assert_eq!(
        findings(dir, database, &owners),
        expected(&[
            (FARM, 1, "checkpoint_forged"),
            (FARM, 1, "document_edited"),
            (FARM, 2, "hash_edited"),
            (PROCESSOR, 1, "link_mismatch"),
            (PROCESSOR, 2, "link_mismatch"),
            (PROCESSOR, 3, "positions_missing"),
        ])
    );
    let (code, stdout, _) = verify(dir, database, &["--org", PROCESSOR]);
    assert_eq!(code, Some(3));
    assert!(
        stdout.contains(&format!(
            "organisation {processor} position 3: position 3 missing: a row was deleted"
        )) && stdout.contains("position 1 (sequence ")
            && stdout.contains("link mismatch: the row was reordered")
            && stdout.ends_with("3 events in 1 chains verified, 1 checkpoints: 3 problems found\n"),
        "{stdout}"
    );

    let fourth = db.scalar::<i64>(&sequence(PROCESSOR, 4)).await;
    db.execute(&format!(
        "DELETE FROM events WHERE sequence = {fourth}; DELETE FROM event_chain WHERE {};",
        at(4)
    ))
    .await;
    assert_eq!(
        findings(dir, database, &owners),
        expected(&[
            (FARM, 1, "checkpoint_forged"),
            (FARM, 1, "document_edited"),
            (FARM, 2, "hash_edited"),
            (PROCESSOR, 1, "link_mismatch"),
            (PROCESSOR, 2, "link_mismatch"),
            (PROCESSOR, 4, "checkpoint_past_end"),
        ])
    );
    let (code, _, stderr) = verify(dir, database, &["--checkpoint"]);
    assert_eq!(
        code,
        Some(3),
        "nothing is signed over a tampered chain: {stderr}"
    );
    assert!(!stderr.contains("checkpoints signed"), "{stderr}");

    // A careful attacker makes the farm's hashes match its documents again and recomputes its
    // links from the genesis: every row now agrees with the chain, but the chain no longer
    // agrees with the checkpoint the province signed at its head.
    let mut link = nguon_store::genesis_link(nguon_domain::OrganisationId::parse(&farm).unwrap());
    for sequence in [farm_1, farm_2] {
        let document: String = db
            .scalar(&format!(
                "SELECT document FROM events WHERE sequence = {sequence}"
            ))
            .await;
        let value: Value = serde_json::from_str(&document).unwrap();
        let hash = nguon_epcis::hash::hash_event_json(&value, value.get("@context"))
            .unwrap()
            .hash;
        link = nguon_store::next_link(&link, &hash);
        let hex: String = link.iter().map(|b| format!("{b:02x}")).collect();
        db.execute(&format!(
            "UPDATE events SET event_hash = '{hash}' WHERE sequence = {sequence}; \
             UPDATE event_chain SET link = {} WHERE sequence = {sequence};",
            dialect.bytes(&hex)
        ))
        .await;
    }
    db.close().await;
    let found = findings(dir, database, &owners);
    let farm_findings: Vec<_> = found.iter().filter(|(owner, ..)| owner == FARM).collect();
    assert_eq!(
        farm_findings,
        [
            &(FARM.to_owned(), 1, "checkpoint_forged".to_owned()),
            &(FARM.to_owned(), 2, "checkpoint_mismatch".to_owned()),
        ]
    );
}

/// A database from before the chain: its chain rows gone and the back-fill due up to the
/// second-last event. Migrating chains those events in capture order; the last one, past the
/// bound, is left out and reported as unchained.
async fn backfill_and_verify(mut db: Raw, dialect: Dialect, dir: &Path, database: &str) {
    db.execute(dialect.unprotect()).await;
    db.execute(
        "DELETE FROM event_chain; INSERT INTO event_chain_backfill (up_to_sequence) \
         SELECT max(sequence) - 1 FROM events;",
    )
    .await;
    let last = db.scalar::<i64>("SELECT max(sequence) FROM events").await;
    db.close().await;
    let mut command = nguon(dir);
    command.args(["migrate", "--database", database]);
    let (status, _, stderr) = run(command);
    assert!(status.success(), "{stderr}");
    let (code, stdout, stderr) = verify(dir, database, &["--checkpoint"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stdout.contains(&format!("(sequence {last}) event "))
            && stdout.contains("event in no chain: it was added outside the store")
            && stdout.ends_with("5 events in 2 chains verified, 0 checkpoints: 1 problem found\n"),
        "{stdout}"
    );
}

#[tokio::test]
async fn verify_names_tampered_rows_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    prepare(&dir.path().join("chain.db")).await;
    verify_clean_and_checkpoint(dir.path(), "chain.db");
    let db = Raw::connect(Dialect::Sqlite, dir.path(), "chain.db").await;
    tamper_and_verify(db, Dialect::Sqlite, dir.path(), "chain.db").await;
}

#[tokio::test]
async fn migrating_chains_earlier_events_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    prepare(&dir.path().join("chain.db")).await;
    let db = Raw::connect(Dialect::Sqlite, dir.path(), "chain.db").await;
    backfill_and_verify(db, Dialect::Sqlite, dir.path(), "chain.db").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_chains_earlier_events_on_postgresql() {
    let Some(server) = postgres_server("verify") else {
        return;
    };
    let database = ScratchDatabase::create(&server, "nguon_backfill")
        .await
        .expect("scratch database");
    let store = PostgresStore::open(database.url()).await.expect("open");
    prepare_in(&store).await;
    store.close().await;
    let dir = tempfile::tempdir().unwrap();
    let url = database.url().expose();
    let db = Raw::connect(Dialect::Postgres, dir.path(), url).await;
    backfill_and_verify(db, Dialect::Postgres, dir.path(), url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_tampered_rows_on_postgresql() {
    let Some(server) = postgres_server("verify") else {
        return;
    };
    let database = ScratchDatabase::create(&server, "nguon_verify")
        .await
        .expect("scratch database");
    let store = PostgresStore::open(database.url()).await.expect("open");
    prepare_in(&store).await;
    store.close().await;
    let dir = tempfile::tempdir().unwrap();
    let url = database.url().expose();
    verify_clean_and_checkpoint(dir.path(), url);
    let db = Raw::connect(Dialect::Postgres, dir.path(), url).await;
    tamper_and_verify(db, Dialect::Postgres, dir.path(), url).await;
}
