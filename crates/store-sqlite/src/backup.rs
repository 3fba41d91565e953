//! Online backups and restores of the database file.

use std::io::ErrorKind;
use std::path::Path;

use nguon_store::{StoreError, io_reason, refuse_existing_file};

use crate::SqliteStore;
use crate::error::store_error;

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl SqliteStore {
    /// Writes a consistent copy of the whole database to `target` while the database stays in
    /// use: `VACUUM INTO` reads one snapshot of the WAL database, so writers carry on and the copy
    /// holds whole transactions only. `target` must not exist yet.
    pub async fn backup_into(&self, target: &Path) -> Result<(), StoreError> {
        refuse_existing_file(target)?;
        sqlx::query("VACUUM INTO ?")
            .bind(target.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

/// Puts the database file `backup` in place as `target`, which must not exist yet; open `target`
/// afterwards to bring its schema up to date. The copy goes to a temporary name first, so an
/// interrupted restore never leaves a partial file under `target`.
pub async fn restore_file(backup: &Path, target: &Path) -> Result<(), StoreError> {
    let header = read_header(backup).await?;
    if &header != SQLITE_HEADER {
        return Err(StoreError::Unavailable(format!(
            "{} is not an SQLite database backup",
            backup.display()
        )));
    }
    refuse_existing_file(target)?;
    let partial = target.with_extension("restoring");
    let copied = async {
        tokio::fs::copy(backup, &partial).await?;
        tokio::fs::File::open(&partial).await?.sync_all().await?;
        tokio::fs::rename(&partial, target).await
    }
    .await;
    if let Err(error) = copied {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(StoreError::Unavailable(format!(
            "cannot restore {} to {}: {}",
            backup.display(),
            target.display(),
            io_reason(&error)
        )));
    }
    Ok(())
}

async fn read_header(path: &Path) -> Result<[u8; 16], StoreError> {
    use tokio::io::AsyncReadExt;
    let mut header = [0u8; 16];
    let read = async {
        let mut file = tokio::fs::File::open(path).await?;
        file.read_exact(&mut header).await
    }
    .await;
    match read {
        Ok(_) => Ok(header),
        Err(error) if error.kind() == ErrorKind::UnexpectedEof => Err(StoreError::Unavailable(
            format!("{} is too short to be a database backup", path.display()),
        )),
        Err(error) => Err(StoreError::Unavailable(format!(
            "cannot read {}: {}",
            path.display(),
            io_reason(&error)
        ))),
    }
}
