//! Turning SQLite and sqlx failures into [`StoreError`]s with one-line, driver-free messages.

use std::io::ErrorKind;
use std::path::Path;

use nguon_store::{StoreError, io_reason};
use sqlx::migrate::MigrateError;

/// Checks the directory and creates or opens the file before SQLite does, because SQLite reports
/// every such failure as "unable to open database file", while the OS says what is actually wrong.
pub(crate) async fn prepare_file(path: &Path) -> Result<(), StoreError> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match tokio::fs::metadata(directory).await {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => {
            return Err(StoreError::Unavailable(format!(
                "{} is not a directory",
                directory.display()
            )));
        }
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(StoreError::Unavailable(format!(
                "directory {} does not exist",
                directory.display()
            )));
        }
        Err(error) => {
            return Err(StoreError::Unavailable(format!(
                "cannot read directory {}: {}",
                directory.display(),
                io_reason(&error)
            )));
        }
    }
    tokio::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(|error| {
            StoreError::Unavailable(format!(
                "cannot create or write the file ({}); check that its directory is writable",
                io_reason(&error)
            ))
        })?;
    Ok(())
}

/// Maps a driver error. Conditions that retrying or fixing the environment can cure become
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
        sqlx::Error::Database(db) => {
            let code = db.code().and_then(|code| code.parse::<i32>().ok());
            match code.and_then(unavailable_reason) {
                Some(reason) => StoreError::Unavailable(reason.to_owned()),
                None => StoreError::Internal(db.to_string()),
            }
        }
        other => StoreError::Internal(other.to_string()),
    }
}

/// [`store_error`] for the reads made through rusqlite on a pooled connection's handle.
pub(crate) fn direct_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) => {
            match unavailable_reason(failure.extended_code) {
                Some(reason) => StoreError::Unavailable(reason.to_owned()),
                None => StoreError::Internal(error.to_string()),
            }
        }
        _ => StoreError::Internal(error.to_string()),
    }
}

/// What an SQLite result code that the environment can cure means, for the ones that are.
fn unavailable_reason(code: i32) -> Option<&'static str> {
    // Extended result codes carry the primary code in their low byte.
    match code & 0xff {
        5 | 6 => Some("the database is locked by another writer"),
        8 => Some("the database file is read-only"),
        10 => Some("disk I/O error"),
        13 => Some("the disk is full"),
        14 => Some("unable to open the database file"),
        _ => None,
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

#[cfg(test)]
mod tests {
    use rusqlite::ffi;

    use super::*;

    fn failure(extended_code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(extended_code), None)
    }

    #[test]
    fn direct_reads_report_what_the_environment_can_cure_as_unavailable() {
        // SQLITE_BUSY_SNAPSHOT: an extended code whose low byte is SQLITE_BUSY.
        assert!(matches!(
            direct_error(failure(ffi::SQLITE_BUSY_SNAPSHOT)),
            StoreError::Unavailable(reason) if reason == "the database is locked by another writer"
        ));
        assert!(matches!(
            direct_error(failure(ffi::SQLITE_FULL)),
            StoreError::Unavailable(reason) if reason == "the disk is full"
        ));
        assert!(matches!(
            direct_error(failure(ffi::SQLITE_CORRUPT)),
            StoreError::Internal(reason) if reason.contains("malformed")
        ));
        assert!(matches!(
            direct_error(rusqlite::Error::InvalidColumnIndex(20)),
            StoreError::Internal(reason) if reason.contains("20")
        ));
    }
}
