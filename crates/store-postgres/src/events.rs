//! Events on PostgreSQL. A batch is written with one `INSERT … SELECT FROM UNNEST(arrays)` per
//! table, whatever its size (`reference/limits.md`: about 35 k events/s with fsync on), and
//! sequence numbers come from one `nextval` call per event in a single statement.

use std::collections::BTreeSet;

use nguon_domain::{EventId, IdentifierRole, NewEvent, OrganisationId, StoredEvent};
use nguon_store::{
    EventRecord, ExistingEvent, MAX_EVENTS_PER_LOOKUP, StoreError, check_batch,
    event_already_captured, identifier_set, now_utc,
};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::store_error;

/// The columns of `events` as inserted.
macro_rules! event_columns {
    () => {
        "owner_id, sequence, event_id, event_hash, event_type, action, event_time, \
         event_time_zone_offset, record_time, biz_step, disposition, read_point, biz_location, \
         document"
    };
}

/// The columns [`event_from_row`] reads: those of `events e` and, in the same statement, its
/// identifiers as two parallel arrays — one round trip per read.
macro_rules! event_select_columns {
    () => {
        "e.owner_id, e.sequence, e.event_id, e.event_hash, e.event_type, e.action, e.event_time, \
         e.event_time_zone_offset, e.record_time, e.biz_step, e.disposition, e.read_point, \
         e.biz_location, e.document, ids.roles, ids.identifiers"
    };
}

/// Gathers an event's identifiers; follows `FROM events e` (or a join ending in it).
macro_rules! identifiers_lateral {
    () => {
        " CROSS JOIN LATERAL (SELECT array_agg(i.role) AS roles, array_agg(i.identifier) AS \
         identifiers FROM event_identifiers i WHERE i.owner_id = e.owner_id AND i.sequence = \
         e.sequence) ids "
    };
}

impl PostgresStore {
    pub(crate) async fn append(&self, events: &[NewEvent]) -> Result<OffsetDateTime, StoreError> {
        check_batch(events)?;
        let record_time = now_utc();
        if events.is_empty() {
            return Ok(record_time);
        }
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        check_owners_exist(&mut tx, events).await?;
        check_not_captured(&mut tx, events).await?;
        let mut sequences: Vec<i64> =
            sqlx::query_scalar("SELECT nextval('events_sequence') FROM generate_series(1, $1)")
                .bind(events.len() as i64)
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error)?;
        sequences.sort_unstable();
        let column = |f: &dyn Fn(&NewEvent) -> Option<String>| -> Vec<Option<String>> {
            events.iter().map(f).collect()
        };
        sqlx::query(concat!(
            "INSERT INTO events (",
            event_columns!(),
            ") SELECT owner_id, sequence, event_id, event_hash, event_type, action, event_time, \
             event_time_zone_offset, $9, biz_step, disposition, read_point, biz_location, document \
             FROM UNNEST($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::timestamptz[], $8::text[], $10::text[], $11::text[], $12::text[], $13::text[], \
             $14::text[]) AS t(owner_id, sequence, event_id, event_hash, event_type, action, \
             event_time, event_time_zone_offset, biz_step, disposition, read_point, biz_location, \
             document)"
        ))
        .bind(
            events
                .iter()
                .map(|e| e.owner.as_uuid())
                .collect::<Vec<Uuid>>(),
        )
        .bind(&sequences)
        .bind(
            events
                .iter()
                .map(|e| e.event_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(events.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>())
        .bind(
            events
                .iter()
                .map(|e| e.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(column(&|e| e.action.map(|a| a.as_str().to_owned())))
        .bind(events.iter().map(|e| e.event_time).collect::<Vec<_>>())
        .bind(
            events
                .iter()
                .map(|e| e.event_time_zone_offset.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(record_time)
        .bind(column(&|e| e.biz_step.clone()))
        .bind(column(&|e| e.disposition.clone()))
        .bind(column(&|e| e.read_point.clone()))
        .bind(column(&|e| e.biz_location.clone()))
        .bind(
            events
                .iter()
                .map(|e| e.document.as_str())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await
        .map_err(captured_concurrently)?;
        let mut owners = Vec::new();
        let mut numbers = Vec::new();
        let mut roles = Vec::new();
        let mut identifiers = Vec::new();
        for (sequence, event) in sequences.iter().zip(events) {
            for (role, identifier) in identifier_set(event) {
                owners.push(event.owner.as_uuid());
                numbers.push(*sequence);
                roles.push(role.as_str());
                identifiers.push(identifier);
            }
        }
        sqlx::query(
            "INSERT INTO event_identifiers (owner_id, sequence, role, identifier) \
             SELECT * FROM UNNEST($1::uuid[], $2::int8[], $3::text[], $4::text[])",
        )
        .bind(owners)
        .bind(numbers)
        .bind(roles)
        .bind(identifiers)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(record_time)
    }

    pub(crate) async fn find_event(
        &self,
        owner: OrganisationId,
        event_id: &EventId,
    ) -> Result<StoredEvent, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            event_select_columns!(),
            " FROM events e",
            identifiers_lateral!(),
            "WHERE e.owner_id = $1 AND e.event_id = $2"
        ))
        .bind(owner.as_uuid())
        .bind(event_id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| StoreError::NotFound {
            what: "event",
            id: event_id.to_string(),
        })?;
        event_from_row(&row)
    }

    pub(crate) async fn find_events_with_identifier(
        &self,
        identifier: &str,
        roles: &[IdentifierRole],
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let roles: Option<Vec<&str>> =
            (!roles.is_empty()).then(|| roles.iter().map(|r| r.as_str()).collect());
        let rows = sqlx::query(concat!(
            "WITH hits AS (SELECT DISTINCT owner_id, sequence FROM event_identifiers \
             WHERE identifier = $1 AND ($2::text[] IS NULL OR role = ANY($2)) \
             ORDER BY sequence LIMIT $3) SELECT ",
            event_select_columns!(),
            " FROM hits JOIN events e ON e.owner_id = hits.owner_id AND e.sequence = hits.sequence",
            identifiers_lateral!(),
            "ORDER BY e.sequence"
        ))
        .bind(identifier)
        .bind(roles)
        .bind(i64::from(limit.clamp(1, MAX_EVENTS_PER_LOOKUP)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(event_from_row).collect()
    }
}

/// A unique violation on insert means another transaction captured the same event after this
/// one's duplicate check: the same conflict, reported without a position.
fn captured_concurrently(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
            what: "eventID",
            detail: "an event in this batch was captured by another request at the same time"
                .to_owned(),
        },
        other => store_error(other),
    }
}

async fn check_owners_exist(
    conn: &mut PgConnection,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let owners: BTreeSet<Uuid> = events.iter().map(|e| e.owner.as_uuid()).collect();
    let wanted: Vec<Uuid> = owners.iter().copied().collect();
    let found: BTreeSet<Uuid> =
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM organisations WHERE id = ANY($1)")
            .bind(&wanted)
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .collect();
    match owners.difference(&found).next() {
        Some(missing) => Err(StoreError::NotFound {
            what: "organisation",
            id: missing.to_string(),
        }),
        None => Ok(()),
    }
}

async fn check_not_captured(
    conn: &mut PgConnection,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let row = sqlx::query(
        // Two joins, not one WHERE … OR …: PostgreSQL cannot serve an OR of two row-value IN
        // lists from the unique indexes and would scan the whole table for every batch.
        "SELECT e.owner_id, e.event_id, e.event_hash FROM events e \
         JOIN UNNEST($1::uuid[], $2::text[]) AS k(owner_id, event_id) \
           ON e.owner_id = k.owner_id AND e.event_id = k.event_id \
         UNION ALL \
         SELECT e.owner_id, e.event_id, e.event_hash FROM events e \
         JOIN UNNEST($1::uuid[], $3::text[]) AS k(owner_id, event_hash) \
           ON e.owner_id = k.owner_id AND e.event_hash = k.event_hash \
         LIMIT 1",
    )
    .bind(
        events
            .iter()
            .map(|e| e.owner.as_uuid())
            .collect::<Vec<Uuid>>(),
    )
    .bind(
        events
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(events.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>())
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?;
    if let Some(row) = row {
        let existing = ExistingEvent {
            owner_id: row.try_get("owner_id").map_err(store_error)?,
            event_id: row.try_get("event_id").map_err(store_error)?,
            event_hash: row.try_get("event_hash").map_err(store_error)?,
        };
        let position = existing.position_in(events).unwrap_or(1);
        return Err(event_already_captured(position, &existing));
    }
    Ok(())
}

fn event_from_row(row: &PgRow) -> Result<StoredEvent, StoreError> {
    // array_agg over no rows is NULL: an event without identifiers.
    let roles: Option<Vec<String>> = row.try_get("roles").map_err(store_error)?;
    let identifiers: Option<Vec<String>> = row.try_get("identifiers").map_err(store_error)?;
    let identifiers = roles
        .unwrap_or_default()
        .into_iter()
        .zip(identifiers.unwrap_or_default())
        .collect();
    EventRecord {
        sequence: row.try_get("sequence").map_err(store_error)?,
        owner_id: row.try_get("owner_id").map_err(store_error)?,
        event_id: row.try_get("event_id").map_err(store_error)?,
        event_hash: row.try_get("event_hash").map_err(store_error)?,
        event_type: row.try_get("event_type").map_err(store_error)?,
        action: row.try_get("action").map_err(store_error)?,
        event_time: row.try_get("event_time").map_err(store_error)?,
        event_time_zone_offset: row.try_get("event_time_zone_offset").map_err(store_error)?,
        record_time: row.try_get("record_time").map_err(store_error)?,
        biz_step: row.try_get("biz_step").map_err(store_error)?,
        disposition: row.try_get("disposition").map_err(store_error)?,
        read_point: row.try_get("read_point").map_err(store_error)?,
        biz_location: row.try_get("biz_location").map_err(store_error)?,
        document: row.try_get("document").map_err(store_error)?,
    }
    .into_stored_event(identifiers)
}
