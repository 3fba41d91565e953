//! Scratch databases: a fresh, migrated database of its own for one test run or benchmark, on a
//! server reached through an administrative URL, dropped afterwards even if the run fails.

use nguon_store::{DatabaseUrl, PostgresUrl, StoreError};
use sqlx::Connection;

use crate::error::store_error;

/// A database created for one run and dropped when this value is dropped.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: PostgresUrl,
    name: String,
    url: PostgresUrl,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<uuid>` on the server `admin_url` points at (a role that may create
    /// databases). The prefix must be lower-case letters and underscores.
    pub async fn create(admin_url: &PostgresUrl, prefix: &str) -> Result<Self, StoreError> {
        assert!(
            prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "scratch database prefix must be lower-case letters and underscores"
        );
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url.expose())
            .await
            .map_err(store_error)?;
        // The name is a checked prefix and hex digits, so formatting it into DDL is safe.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .map_err(store_error)?;
        admin.close().await.ok();
        let url = match DatabaseUrl::parse(&with_database(admin_url.expose(), &name)) {
            Ok(DatabaseUrl::Postgres(url)) => url,
            _ => unreachable!("replacing the database name keeps a postgres:// URL"),
        };
        Ok(Self {
            admin_url: admin_url.clone(),
            name,
            url,
        })
    }

    /// The URL of the scratch database.
    pub fn url(&self) -> &PostgresUrl {
        &self.url
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and the caller's runtime may be shutting down: use a thread with its
        // own small runtime. FORCE ends connections a failed run left open.
        let admin_url = self.admin_url.expose().to_owned();
        let name = self.name.clone();
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop scratch database {}: {error}", self.name),
            Err(_) => eprintln!("dropping scratch database {} panicked", self.name),
        }
    }
}

/// `url` with its database name replaced by `name`, keeping user, host and parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let host_start = base[authority_start..]
        .rfind('@')
        .map_or(authority_start, |index| authority_start + index + 1);
    let path_start = base[host_start..]
        .find('/')
        .map_or(base.len(), |index| host_start + index);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_only_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
