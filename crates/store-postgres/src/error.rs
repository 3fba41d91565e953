//! Turning PostgreSQL and sqlx failures into [`StoreError`]s with one-line, driver-free messages.

use nguon_store::{StoreError, io_reason};
use sqlx::migrate::MigrateError;

/// Maps a driver error. Conditions that retrying or fixing the environment can cure (network,
/// authentication, a missing database, a server shutting down) become
/// [`StoreError::Unavailable`]; the rest is [`StoreError::Internal`].
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Io(io) => StoreError::Unavailable(io_reason(&io)),
        sqlx::Error::PoolTimedOut => {
            StoreError::Unavailable("timed out waiting for a database connection".to_owned())
        }
        sqlx::Error::PoolClosed => {
            StoreError::Unavailable("the database connection pool is closed".to_owned())
        }
        sqlx::Error::Configuration(reason) => {
            StoreError::Unavailable(format!("invalid PostgreSQL URL: {reason}"))
        }
        sqlx::Error::Tls(reason) => StoreError::Unavailable(format!("TLS failed: {reason}")),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLSTATE classes: 08 connection exception, 28 invalid authorisation, 53
            // insufficient resources, 57 operator intervention; 3D000 is "database does not
            // exist". Their messages name no table or query, so they are safe to show.
            let environmental = ["08", "28", "53", "57"]
                .iter()
                .any(|class| code.starts_with(class))
                || code == "3D000";
            if environmental {
                StoreError::Unavailable(db.message().to_owned())
            } else {
                StoreError::Internal(db.to_string())
            }
        }
        other => StoreError::Internal(other.to_string()),
    }
}

/// Maps a migration failure; a schema this program does not know is reported as unavailable,
/// since no request can be served until the right version runs.
pub(crate) fn migrate_error(error: MigrateError) -> StoreError {
    match error {
        MigrateError::Execute(inner) => store_error(inner),
        other => StoreError::Unavailable(format!("cannot migrate the database schema: {other}")),
    }
}
