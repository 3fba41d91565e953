//! Opening the store a database URL names.

use std::sync::Arc;

use anyhow::Context;
use nguon_store::{DatabaseUrl, Store, StoreError};
use nguon_store_postgres::PostgresStore;
use nguon_store_sqlite::SqliteStore;

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
