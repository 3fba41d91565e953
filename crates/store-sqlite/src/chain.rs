//! Event chains and checkpoints on SQLite. Chain rows are written by [`chain_events`] inside the
//! `BEGIN IMMEDIATE` transaction that appends the events, so the write lock already orders every
//! organisation's chain.

use std::collections::BTreeSet;

use async_trait::async_trait;
use nguon_domain::OrganisationId;
use nguon_store::{
    ChainEntry, ChainHead, ChainStore, ChainedEvent, Checkpoint, MAX_CHAIN_PAGE, StoreError,
    UnchainedEvent, chain_owner, extend_chains, link_from_bytes,
};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::store_error;
use crate::events::{from_micros, micros};

/// Chain rows per INSERT (4 columns each).
const CHAIN_ROWS_PER_STATEMENT: usize = 1_000;

/// Owners per head lookup.
const OWNERS_PER_LOOKUP: usize = 500;

/// Events the back-fill reads per round trip.
const BACKFILL_PAGE: i64 = 10_000;

/// The last chain row of each owner found by its own `max(position)` probe, which SQLite answers
/// from the primary key without scanning the chain; `o` must have a column `id`.
macro_rules! head_of_each {
    () => {
        " JOIN event_chain c ON c.owner_id = o.id AND c.position = \
         (SELECT max(m.position) FROM event_chain m WHERE m.owner_id = o.id)"
    };
}

/// Appends the chain rows of `events` — each `(owner, sequence, event hash)`, in capture order —
/// after their owners' current heads: one read of the heads, then the rows in multi-row INSERTs.
pub(crate) async fn chain_events(
    conn: &mut SqliteConnection,
    events: &[(OrganisationId, i64, &str)],
) -> Result<(), StoreError> {
    let owners: BTreeSet<OrganisationId> = events.iter().map(|(owner, ..)| *owner).collect();
    let mut heads = Vec::new();
    let owners: Vec<OrganisationId> = owners.into_iter().collect();
    for chunk in owners.chunks(OWNERS_PER_LOOKUP) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT c.owner_id, c.position, c.link FROM (SELECT column1 AS id FROM (VALUES ",
        );
        let mut list = sql.separated(", ");
        for owner in chunk {
            list.push("(")
                .push_bind_unseparated(owner.as_uuid())
                .push_unseparated(")");
        }
        sql.push(")) o").push(head_of_each!());
        for row in sql
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?
        {
            heads.push(head_of(&row)?);
        }
    }
    let rows = extend_chains(&heads, events.iter().copied());
    for chunk in rows.chunks(CHAIN_ROWS_PER_STATEMENT) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO event_chain (owner_id, position, sequence, link) ",
        );
        sql.push_values(chunk, |mut row, chained| {
            row.push_bind(chained.owner.as_uuid())
                .push_bind(chained.position)
                .push_bind(chained.sequence)
                .push_bind(chained.link.to_vec());
        });
        sql.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

impl SqliteStore {
    /// Chains the events captured before the chain existed, once: what the migration
    /// `20260120000000_event_chain` marked as due, in sequence order.
    pub(crate) async fn backfill_chains(&self) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
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
                 WHERE e.sequence > ? AND e.sequence <= ? AND NOT EXISTS \
                 (SELECT 1 FROM event_chain c WHERE c.owner_id = e.owner_id \
                  AND c.sequence = e.sequence) ORDER BY e.sequence LIMIT ?",
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
impl ChainStore for SqliteStore {
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
             WHERE c.owner_id = ? AND c.position > ? ORDER BY c.position LIMIT ?",
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
            "SELECT e.sequence, e.event_id FROM events e WHERE e.owner_id = ? AND e.sequence > ? \
             AND NOT EXISTS (SELECT 1 FROM event_chain c WHERE c.owner_id = e.owner_id \
             AND c.sequence = e.sequence) ORDER BY e.sequence LIMIT ?",
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
        let mut tx = self.write().await?;
        let mut added = 0;
        for chunk in checkpoints.chunks(CHAIN_ROWS_PER_STATEMENT) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO chain_checkpoints (owner_id, position, link, signed_at, signature) ",
            );
            sql.push_values(chunk, |mut row, checkpoint| {
                row.push_bind(checkpoint.owner.as_uuid())
                    .push_bind(checkpoint.position)
                    .push_bind(checkpoint.link.clone())
                    .push_bind(micros(checkpoint.signed_at))
                    .push_bind(checkpoint.signature.clone());
            });
            sql.push(" ON CONFLICT (owner_id, position) DO NOTHING");
            added += sql
                .build()
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected();
        }
        tx.commit().await.map_err(store_error)?;
        Ok(added)
    }

    async fn checkpoints(&self, owner: OrganisationId) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(
            "SELECT owner_id, position, link, signed_at, signature FROM chain_checkpoints \
             WHERE owner_id = ? ORDER BY position",
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
                signed_at: from_micros(row.try_get("signed_at").map_err(store_error)?)?,
                signature: row.try_get("signature").map_err(store_error)?,
            })
        })
        .collect()
    }
}

/// A row of `owner_id, position, link` from `event_chain`.
fn head_of(row: &SqliteRow) -> Result<ChainHead, StoreError> {
    Ok(ChainHead {
        owner: chain_owner(row.try_get("owner_id").map_err(store_error)?)?,
        position: row.try_get("position").map_err(store_error)?,
        link: link_from_bytes(&row.try_get::<Vec<u8>, _>("link").map_err(store_error)?)?,
    })
}

/// A row of [`ChainStore::chain_entries`]'s join; the event columns are NULL without an event.
fn entry_of(row: &SqliteRow) -> Result<ChainEntry, StoreError> {
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
