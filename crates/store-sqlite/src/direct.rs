//! Reads of many rows made on a pooled connection's SQLite handle, on the calling thread.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every row to the caller
//! through a channel, waking the caller once per row. For the hundreds of rows of a trace those
//! wake-ups cost more than SQLite's work (`nguon bench-trace`; `reference/limits.md` measures
//! sqlx at 6.6× rusqlite row by row). Locking the handle out of that thread and reading through
//! rusqlite, over the same SQLite library, costs one round trip for the lock and none per row.
//! The reads are bounded and short, like the CPU work the trace does with them on this thread.

use nguon_store::StoreError;
use sqlx::SqlitePool;

use crate::error::{direct_error, store_error};

/// Runs `read` on a pooled connection, outside any transaction, through rusqlite.
pub(crate) async fn read<T>(
    pool: &SqlitePool,
    read: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut pooled = pool.acquire().await.map_err(store_error)?;
    let mut locked = pooled.lock_handle().await.map_err(store_error)?;
    // SAFETY: the handle is a live connection, and while `locked` lives (longer than
    // `connection`) sqlx's thread makes no call on it. A borrowed handle is not closed on drop.
    let connection = unsafe { rusqlite::Connection::from_handle(locked.as_raw_handle().as_ptr()) }
        .map_err(direct_error)?;
    read(&connection)
}
