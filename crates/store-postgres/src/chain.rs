//! Event chains and checkpoints on PostgreSQL. Chain rows are written by [`chain_events`] inside
//! the transaction that appends the events, after that transaction took the outbox's advisory
//! lock: writers then extend every organisation's chain one at a time, in commit order.

use std::collections::BTreeSet;

use async_trait::async_trait;
use nguon_domain::OrganisationId;
use nguon_store::{
    ChainEntry, ChainHead, ChainStore, ChainedEvent, Checkpoint, MAX_CHAIN_PAGE, StoreError,
    UnchainedEvent, chain_owner, extend_chains, link_from_bytes,
};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::store_error;
use crate::sync::OUTBOX_LOCK;

/// Events the back-fill reads per round trip.
const BACKFILL_PAGE: i64 = 10_000;

/// The last chain row of each owner in `o` (a column `id`), each found by a backward scan of
/// the primary key that stops at its first row.
macro_rules! head_of_each {
    () => {
        " CROSS JOIN LATERAL (SELECT m.owner_id, m.position, m.link \
         FROM event_chain m WHERE m.owner_id = o.id ORDER BY m.position DESC LIMIT 1) c"
    };
}

/// Appends the chain rows of `events` — each `(owner, sequence, event hash)`, in capture order —
/// after their owners' current heads: one read of the heads, then one `INSERT … SELECT FROM
/// UNNEST`. The caller holds [`OUTBOX_LOCK`], so no other writer moves those heads meanwhile.
pub(crate) async fn chain_events(
    conn: &mut PgConnection,
    events: &[(OrganisationId, i64, &str)],
) -> Result<(), StoreError> {
    let owners: BTreeSet<Uuid> = events.iter().map(|(owner, ..)| owner.as_uuid()).collect();
    let heads = sqlx::query(concat!(
        "SELECT c.owner_id, c.position, c.link FROM unnest($1::uuid[]) AS o(id)",
        head_of_each!()
    ))
    .bind(owners.into_iter().collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?
    .iter()
    .map(head_of)
    .collect::<Result<Vec<_>, _>>()?;
    let rows = extend_chains(&heads, events.iter().copied());
    sqlx::query(
        "INSERT INTO event_chain (owner_id, position, sequence, link) \
         SELECT * FROM UNNEST($1::uuid[], $2::int8[], $3::int8[], $4::bytea[])",
    )
    .bind(
        rows.iter()
            .map(|row| row.owner.as_uuid())
            .collect::<Vec<_>>(),
    )
    .bind(rows.iter().map(|row| row.position).collect::<Vec<_>>())
    .bind(rows.iter().map(|row| row.sequence).collect::<Vec<_>>())
    .bind(rows.iter().map(|row| row.link.to_vec()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

impl PostgresStore {
    /// Chains the events captured before the chain existed, once: what the migration
    /// `20260120000000_event_chain` marked as due, in sequence order.
    pub(crate) async fn backfill_chains(&self) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(OUTBOX_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let due: Option<i64> =
            sqlx::query_scalar("SELECT up_to_sequence FROM event_chain_backfill")
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        let Some(up_to) = due else {
            return Ok(());
        };
        let mut after = 0;
        loop {
            let page = sqlx::query(
                "SELECT e.owner_id, e.sequence, e.event_hash FROM events e \
                 WHERE e.sequence > $1 AND e.sequence <= $2 AND NOT EXISTS \
                 (SELECT 1 FROM event_chain c WHERE c.owner_id = e.owner_id \
                  AND c.sequence = e.sequence) ORDER BY e.sequence LIMIT $3",
            )
            .bind(after)
            .bind(up_to)
            .bind(BACKFILL_PAGE)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
            let events = page
                .iter()
                .map(|row| {
                    Ok((
                        chain_owner(row.try_get("owner_id").map_err(store_error)?)?,
                        row.try_get::<i64, _>("sequence").map_err(store_error)?,
                        row.try_get::<String, _>("event_hash")
                            .map_err(store_error)?,
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let Some((_, last, _)) = events.last() else {
                break;
            };
            after = *last;
            let borrowed: Vec<(OrganisationId, i64, &str)> = events
                .iter()
                .map(|(owner, sequence, hash)| (*owner, *sequence, hash.as_str()))
                .collect();
            chain_events(&mut tx, &borrowed).await?;
        }
        sqlx::query("DELETE FROM event_chain_backfill")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }
}

#[async_trait]
impl ChainStore for PostgresStore {
    async fn chain_owners(&self) -> Result<Vec<OrganisationId>, StoreError> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM organisations o WHERE \
             EXISTS (SELECT 1 FROM events e WHERE e.owner_id = o.id) \
             OR EXISTS (SELECT 1 FROM event_chain c WHERE c.owner_id = o.id) \
             OR EXISTS (SELECT 1 FROM chain_checkpoints k WHERE k.owner_id = o.id) ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        ids.into_iter().map(chain_owner).collect()
    }

    async fn chain_heads(&self) -> Result<Vec<ChainHead>, StoreError> {
        sqlx::query(concat!(
            "SELECT c.owner_id, c.position, c.link FROM organisations o",
            head_of_each!(),
            " ORDER BY o.id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(head_of)
        .collect()
    }

    async fn chain_entries(
        &self,
        owner: OrganisationId,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<ChainEntry>, StoreError> {
        sqlx::query(
            "SELECT c.position, c.sequence, c.link, e.event_id, e.event_hash, e.document \
             FROM event_chain c LEFT JOIN events e \
             ON e.sequence = c.sequence AND e.owner_id = c.owner_id \
             WHERE c.owner_id = $1 AND c.position > $2 ORDER BY c.position LIMIT $3",
        )
        .bind(owner.as_uuid())
        .bind(after_position)
        .bind(i64::from(limit.clamp(1, MAX_CHAIN_PAGE)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(entry_of)
        .collect()
    }

    async fn unchained_events(
        &self,
        owner: OrganisationId,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<UnchainedEvent>, StoreError> {
        sqlx::query(
            "SELECT e.sequence, e.event_id FROM events e WHERE e.owner_id = $1 \
             AND e.sequence > $2 AND NOT EXISTS (SELECT 1 FROM event_chain c \
             WHERE c.owner_id = e.owner_id AND c.sequence = e.sequence) ORDER BY e.sequence \
             LIMIT $3",
        )
        .bind(owner.as_uuid())
        .bind(after_sequence)
        .bind(i64::from(limit.clamp(1, MAX_CHAIN_PAGE)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| {
            Ok(UnchainedEvent {
                sequence: row.try_get("sequence").map_err(store_error)?,
                event_id: row.try_get("event_id").map_err(store_error)?,
            })
        })
        .collect()
    }

    async fn add_checkpoints(&self, checkpoints: &[Checkpoint]) -> Result<u64, StoreError> {
        if checkpoints.is_empty() {
            return Ok(0);
        }
        let added = sqlx::query(
            "INSERT INTO chain_checkpoints (owner_id, position, link, signed_at, signature) \
             SELECT * FROM UNNEST($1::uuid[], $2::int8[], $3::bytea[], $4::timestamptz[], \
             $5::bytea[]) ON CONFLICT (owner_id, position) DO NOTHING",
        )
        .bind(
            checkpoints
                .iter()
                .map(|c| c.owner.as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(checkpoints.iter().map(|c| c.position).collect::<Vec<_>>())
        .bind(
            checkpoints
                .iter()
                .map(|c| c.link.clone())
                .collect::<Vec<_>>(),
        )
        .bind(checkpoints.iter().map(|c| c.signed_at).collect::<Vec<_>>())
        .bind(
            checkpoints
                .iter()
                .map(|c| c.signature.clone())
                .collect::<Vec<_>>(),
        )
        .execute(&self.pool)
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(added)
    }

    async fn checkpoints(&self, owner: OrganisationId) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(
            "SELECT owner_id, position, link, signed_at, signature FROM chain_checkpoints \
             WHERE owner_id = $1 ORDER BY position",
        )
        .bind(owner.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| {
            Ok(Checkpoint {
                owner: chain_owner(row.try_get("owner_id").map_err(store_error)?)?,
                position: row.try_get("position").map_err(store_error)?,
                link: row.try_get("link").map_err(store_error)?,
                signed_at: row.try_get("signed_at").map_err(store_error)?,
                signature: row.try_get("signature").map_err(store_error)?,
            })
        })
        .collect()
    }
}

/// A row of `owner_id, position, link` from `event_chain`.
fn head_of(row: &PgRow) -> Result<ChainHead, StoreError> {
    Ok(ChainHead {
        owner: chain_owner(row.try_get("owner_id").map_err(store_error)?)?,
        position: row.try_get("position").map_err(store_error)?,
        link: link_from_bytes(&row.try_get::<Vec<u8>, _>("link").map_err(store_error)?)?,
    })
}

/// A row of [`ChainStore::chain_entries`]'s join; the event columns are NULL without an event.
fn entry_of(row: &PgRow) -> Result<ChainEntry, StoreError> {
    let event_id: Option<String> = row.try_get("event_id").map_err(store_error)?;
    let event = match event_id {
        Some(event_id) => Some(ChainedEvent {
            event_id,
            event_hash: row.try_get("event_hash").map_err(store_error)?,
            document: row.try_get("document").map_err(store_error)?,
        }),
        None => None,
    };
    Ok(ChainEntry {
        position: row.try_get("position").map_err(store_error)?,
        sequence: row.try_get("sequence").map_err(store_error)?,
        link: row.try_get("link").map_err(store_error)?,
        event,
    })
}
