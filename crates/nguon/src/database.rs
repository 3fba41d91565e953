//! Opening the store a database URL names.

use std::sync::Arc;

use anyhow::Context;
use nguon_store::{DatabaseUrl, Store, StoreError};
use nguon_store_postgres::PostgresStore;
use nguon_store_sqlite::SqliteStore;

use crate::config::{Config, Flags};

/// Opens the database a command's `--database` flag names, or else the configured one.
pub async fn open_configured(
    config: Config,
    url: Option<DatabaseUrl>,
) -> anyhow::Result<Arc<dyn Store>> {
    let config = config.with_flags(Flags {
        database_url: url,
        ..Flags::default()
    });
    open(&config.database_url).await
}

/// Opens and migrates the back end `url` picks. The error reads
/// "cannot open database URL: reason", with any password redacted.
pub async fn open(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    let opened: Result<Arc<dyn Store>, StoreError> = match url {
        DatabaseUrl::Sqlite(path) => SqliteStore::open(path)
            .await
            .map(|store| Arc::new(store) as Arc<dyn Store>),
        DatabaseUrl::Postgres(postgres) => PostgresStore::open(postgres)
            .await
            .map(|store| Arc::new(store) as Arc<dyn Store>),
    };
    opened.with_context(|| format!("cannot open database {url}"))
}
