//! `nguon backup` and `nguon restore`: an online, consistent copy of the whole database (SQLite's
//! `VACUUM INTO`, PostgreSQL's `pg_dump`) with a manifest beside it, and a restore into an empty
//! database that is only called good when the restored event log has the manifest's digest.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nguon_store::{BackupManifest, DatabaseUrl, MANIFEST_FORMAT, Store, event_digest, now_utc};

use crate::cli::DatabaseArg;
use crate::config::{Config, Flags};
use crate::database;

/// Arguments of `nguon backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist); the manifest goes to FILE.manifest.json.
    pub file: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Arguments of `nguon restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file written by `nguon backup`, with its FILE.manifest.json beside it.
    pub file: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// `FILE.manifest.json`.
fn manifest_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

fn back_end(url: &DatabaseUrl) -> &'static str {
    match url {
        DatabaseUrl::Sqlite(_) => "sqlite",
        DatabaseUrl::Postgres(_) => "postgresql",
    }
}

/// Takes the backup and writes its manifest; prints a summary with the digest. The digest is read
/// from the backup itself (the SQLite copy opened, the PostgreSQL dump restored into a scratch
/// database), so it describes exactly what was saved while captures go on, and proves the backup
/// can be read.
pub async fn backup(config: Config, args: BackupArgs) -> anyhow::Result<()> {
    let url = configured_url(config, args.database);
    let manifest_file = manifest_path(&args.file);
    if manifest_file.exists() {
        bail!(
            "{} already exists; name a new backup file",
            manifest_file.display()
        );
    }
    let digest = match &url {
        DatabaseUrl::Sqlite(path) => {
            let store = nguon_store_sqlite::SqliteStore::open(path)
                .await
                .with_context(|| format!("cannot open database {url}"))?;
            let written = store.backup_into(&args.file).await;
            store.close().await;
            written.with_context(|| format!("cannot back up {url}"))?;
            let copy = nguon_store_sqlite::SqliteStore::open(&args.file)
                .await
                .context("cannot read the backup back")?;
            let digest = event_digest(&copy).await;
            copy.close().await;
            digest?
        }
        DatabaseUrl::Postgres(postgres) => {
            nguon_store_postgres::dump(postgres, &args.file)
                .await
                .with_context(|| format!("cannot back up {url}"))?;
            digest_of_dump(postgres, &args.file).await?
        }
    };
    let manifest = BackupManifest {
        format: MANIFEST_FORMAT,
        back_end: back_end(&url).to_owned(),
        taken_at: now_utc(),
        events: digest,
    };
    let text = serde_json::to_string_pretty(&manifest)?;
    tokio::fs::write(&manifest_file, format!("{text}\n"))
        .await
        .with_context(|| format!("cannot write {}", manifest_file.display()))?;
    println!(
        "backup of {} events written to {} (manifest {}, SHA-256 {})",
        manifest.events.events,
        args.file.display(),
        manifest_file.display(),
        manifest.events.sha256
    );
    Ok(())
}

/// Restores into an empty database, brings its schema up to date and compares the event log
/// with the manifest; a mismatch is an error that names both digests.
pub async fn restore(config: Config, args: RestoreArgs) -> anyhow::Result<()> {
    let url = configured_url(config, args.database);
    let manifest_file = manifest_path(&args.file);
    let manifest: BackupManifest = serde_json::from_str(
        &tokio::fs::read_to_string(&manifest_file)
            .await
            .with_context(|| format!("cannot read the manifest {}", manifest_file.display()))?,
    )
    .with_context(|| format!("{} is not a backup manifest", manifest_file.display()))?;
    if manifest.format != MANIFEST_FORMAT {
        bail!(
            "the manifest has format {}; this program reads format {MANIFEST_FORMAT}",
            manifest.format
        );
    }
    if manifest.back_end != back_end(&url) {
        bail!(
            "the backup is of a {} database and cannot be restored into {url}",
            manifest.back_end
        );
    }
    match &url {
        DatabaseUrl::Sqlite(path) => nguon_store_sqlite::restore_file(&args.file, path).await,
        DatabaseUrl::Postgres(postgres) => {
            nguon_store_postgres::restore(postgres, &args.file).await
        }
    }
    .with_context(|| format!("cannot restore into {url}"))?;
    let store = database::open(&url).await?;
    let digest = event_digest(store.as_ref()).await;
    store.close().await;
    let digest = digest.context("cannot read the restored events")?;
    if digest != manifest.events {
        bail!(
            "the restored event log does not match the backup: {} events, SHA-256 {} restored; \
             {} events, SHA-256 {} in the manifest",
            digest.events,
            digest.sha256,
            manifest.events.events,
            manifest.events.sha256
        );
    }
    println!(
        "restored {} events (up to sequence {}), SHA-256 {} as in the manifest",
        digest.events, digest.last_sequence, digest.sha256
    );
    Ok(())
}

/// Restores a dump into a scratch database and reads its digest.
async fn digest_of_dump(
    server: &nguon_store::PostgresUrl,
    dump: &Path,
) -> anyhow::Result<nguon_store::EventDigest> {
    // Dropped, with the scratch database, when this function returns.
    let scratch = nguon_store_postgres::ScratchDatabase::create(server, "nguon_backup_check")
        .await
        .context("cannot create a scratch database to check the dump (the role needs CREATEDB)")?;
    nguon_store_postgres::restore(scratch.url(), dump)
        .await
        .context("the dump does not restore")?;
    let store = nguon_store_postgres::PostgresStore::open(scratch.url()).await?;
    let digest = event_digest(&store).await;
    store.close().await;
    digest.context("cannot read the dump back")
}

fn configured_url(config: Config, database: DatabaseArg) -> DatabaseUrl {
    config
        .with_flags(Flags {
            database_url: database.url,
            ..Flags::default()
        })
        .database_url
}
