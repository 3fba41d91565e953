//! What a backup must carry over intact, summed up in one digest: a backup writes it into a
//! manifest beside the copy, and a restore recomputes it from the restored database and refuses
//! to call the restore good unless both agree.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Store, StoreError, io_reason};

/// How many events [`event_digest`] reads per round trip.
const DIGEST_PAGE: u32 = 1_000;

/// The version of the manifest layout this program writes and reads.
pub const MANIFEST_FORMAT: u32 = 1;

/// The digest of an event log: its length, its last sequence number and a SHA-256 over every
/// event's sequence, owner, eventID, event hash, record time and stored document, in capture order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDigest {
    /// How many events the log holds.
    pub events: u64,
    /// The highest sequence number, 0 for an empty log.
    pub last_sequence: i64,
    /// Lower-case hex SHA-256 over the events, each field length-prefixed.
    pub sha256: String,
}

/// The file written next to a backup: which back end made it, when, and the digest of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    /// [`MANIFEST_FORMAT`] at the time of writing.
    pub format: u32,
    /// `sqlite` or `postgresql`.
    pub back_end: String,
    /// When the backup was taken (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub taken_at: OffsetDateTime,
    /// The digest of the events in the backup.
    pub events: EventDigest,
}

/// Reads the whole event log in capture order and sums it up. Length prefixes keep two different
/// logs from ever feeding the same bytes to the hash.
pub async fn event_digest(store: &dyn Store) -> Result<EventDigest, StoreError> {
    let mut hasher = Sha256::new();
    let mut events = 0u64;
    let mut last_sequence = 0i64;
    loop {
        let page = store.events_after(last_sequence, DIGEST_PAGE).await?;
        let Some(last) = page.last() else { break };
        last_sequence = last.sequence;
        for stored in &page {
            let event = &stored.event;
            let record_time = stored
                .record_time
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(|e| StoreError::Internal(format!("record time: {e}")))?;
            for field in [
                stored.sequence.to_string().as_str(),
                event.owner.to_string().as_str(),
                event.event_id.as_str(),
                event.hash.as_str(),
                record_time.as_str(),
                event.document.as_str(),
            ] {
                hasher.update((field.len() as u64).to_be_bytes());
                hasher.update(field.as_bytes());
            }
            events += 1;
        }
    }
    Ok(EventDigest {
        events,
        last_sequence,
        sha256: hex(&hasher.finalize()),
    })
}

/// A backup or restore never overwrites a file: the operator names a new one.
pub fn refuse_existing_file(target: &Path) -> Result<(), StoreError> {
    match std::fs::exists(target) {
        Ok(false) => Ok(()),
        Ok(true) => Err(StoreError::Conflict {
            what: "target file",
            detail: format!("{} already exists; name a new file", target.display()),
        }),
        Err(error) => Err(StoreError::Unavailable(format!(
            "cannot check {}: {}",
            target.display(),
            io_reason(&error)
        ))),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
