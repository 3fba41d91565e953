//! Events on SQLite. Writes are batched into multi-row statements: through sqlx each statement
//! costs a cross-thread round trip (~60 µs here, `reference/limits.md`), so one INSERT carries
//! many rows. The write lock is taken up front (`BEGIN IMMEDIATE`), which makes the duplicate
//! check and the sequence numbers safe without retries.

use std::collections::BTreeSet;

use nguon_domain::{EventId, IdentifierRole, NewEvent, OrganisationId, StoredEvent};
use nguon_store::{
    EventRecord, ExistingEvent, MAX_EVENTS_PER_LOOKUP, StoreError, check_batch,
    event_already_captured, identifier_set, now_utc,
};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::error::store_error;

/// Events per INSERT: 14 columns each stays far below SQLite's 32,766 bound parameters.
const EVENTS_PER_STATEMENT: usize = 100;
/// Identifier rows per INSERT (3 columns each).
const IDENTIFIERS_PER_STATEMENT: usize = 500;
/// Events per duplicate-check query (4 parameters each).
const EVENTS_PER_CHECK: usize = 200;

/// The columns of `events` as inserted.
macro_rules! event_columns {
    () => {
        "sequence, owner_id, event_id, event_hash, event_type, action, event_time_us, \
         event_time_zone_offset, record_time_us, biz_step, disposition, read_point, biz_location, \
         document"
    };
}

/// An event row as [`event_from_row`] reads it: the columns of `events e` and, in the same
/// statement, its identifiers as a JSON array of `[role, identifier]` pairs — one statement per
/// read, since each costs a round trip to sqlx's SQLite thread.
macro_rules! select_events {
    () => {
        "SELECT e.sequence, e.owner_id, e.event_id, e.event_hash, e.event_type, e.action, \
         e.event_time_us, e.event_time_zone_offset, e.record_time_us, e.biz_step, e.disposition, \
         e.read_point, e.biz_location, e.document, \
         (SELECT json_group_array(json_array(i.role, i.identifier)) FROM event_identifiers i \
          WHERE i.sequence = e.sequence) AS identifiers \
         FROM events e "
    };
}

/// Microseconds since the epoch: the stored form of times, so they compare as integers.
fn micros(time: OffsetDateTime) -> i64 {
    // An OffsetDateTime spans ±9999 years, well inside i64 microseconds.
    (time.unix_timestamp_nanos() / 1_000) as i64
}

fn from_micros(micros: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .map_err(|e| StoreError::Internal(format!("stored time {micros} is invalid: {e}")))
}

impl SqliteStore {
    pub(crate) async fn append(&self, events: &[NewEvent]) -> Result<OffsetDateTime, StoreError> {
        check_batch(events)?;
        let record_time = now_utc();
        if events.is_empty() {
            return Ok(record_time);
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        check_owners_exist(&mut tx, events).await?;
        check_not_captured(&mut tx, events).await?;
        let last: i64 = sqlx::query_scalar("SELECT coalesce(max(sequence), 0) FROM events")
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        let numbered: Vec<(i64, &NewEvent)> = (last + 1..).zip(events).collect();
        for chunk in numbered.chunks(EVENTS_PER_STATEMENT) {
            let mut sql = QueryBuilder::<Sqlite>::new(concat!(
                "INSERT INTO events (",
                event_columns!(),
                ") "
            ));
            sql.push_values(chunk, |mut row, (sequence, event)| {
                row.push_bind(*sequence)
                    .push_bind(event.owner.as_uuid())
                    .push_bind(event.event_id.as_str().to_owned())
                    .push_bind(event.hash.as_str().to_owned())
                    .push_bind(event.event_type.as_str())
                    .push_bind(event.action.map(|a| a.as_str()))
                    .push_bind(micros(event.event_time))
                    .push_bind(event.event_time_zone_offset.clone())
                    .push_bind(micros(record_time))
                    .push_bind(event.biz_step.clone())
                    .push_bind(event.disposition.clone())
                    .push_bind(event.read_point.clone())
                    .push_bind(event.biz_location.clone())
                    .push_bind(event.document.clone());
            });
            sql.build().execute(&mut *tx).await.map_err(store_error)?;
        }
        let identifiers: Vec<(i64, IdentifierRole, String)> = numbered
            .iter()
            .flat_map(|(sequence, event)| {
                identifier_set(event)
                    .into_iter()
                    .map(move |(role, identifier)| (*sequence, role, identifier))
            })
            .collect();
        for chunk in identifiers.chunks(IDENTIFIERS_PER_STATEMENT) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO event_identifiers (sequence, role, identifier) ",
            );
            sql.push_values(chunk, |mut row, (sequence, role, identifier)| {
                row.push_bind(*sequence)
                    .push_bind(role.as_str())
                    .push_bind(identifier.clone());
            });
            sql.build().execute(&mut *tx).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(record_time)
    }

    pub(crate) async fn find_event(
        &self,
        owner: OrganisationId,
        event_id: &EventId,
    ) -> Result<StoredEvent, StoreError> {
        let row = sqlx::query(concat!(
            select_events!(),
            "WHERE e.owner_id = ? AND e.event_id = ?"
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
        let mut sql = QueryBuilder::<Sqlite>::new(concat!(
            select_events!(),
            "WHERE e.sequence IN (SELECT DISTINCT sequence FROM event_identifiers WHERE identifier = "
        ));
        sql.push_bind(identifier.to_owned());
        if !roles.is_empty() {
            sql.push(" AND role IN (");
            let mut list = sql.separated(", ");
            for role in roles {
                list.push_bind(role.as_str());
            }
            sql.push(")");
        }
        sql.push(" ORDER BY sequence LIMIT ")
            .push_bind(i64::from(limit.clamp(1, MAX_EVENTS_PER_LOOKUP)))
            .push(") ORDER BY e.sequence");
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(event_from_row).collect()
    }
}

async fn check_owners_exist(
    conn: &mut SqliteConnection,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let owners: BTreeSet<Uuid> = events.iter().map(|e| e.owner.as_uuid()).collect();
    let mut sql = QueryBuilder::<Sqlite>::new("SELECT id FROM organisations WHERE id IN (");
    let mut list = sql.separated(", ");
    for owner in &owners {
        list.push_bind(*owner);
    }
    sql.push(")");
    let found: BTreeSet<Uuid> = sql
        .build_query_scalar()
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
    conn: &mut SqliteConnection,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    for chunk in events.chunks(EVENTS_PER_CHECK) {
        let mut sql =
            QueryBuilder::<Sqlite>::new("SELECT owner_id, event_id, event_hash FROM events WHERE ");
        let mut terms = sql.separated(" OR ");
        for event in chunk {
            // Two equality terms per event, each served by one unique index.
            terms
                .push("(owner_id = ")
                .push_bind_unseparated(event.owner.as_uuid())
                .push_unseparated(" AND event_id = ")
                .push_bind_unseparated(event.event_id.as_str().to_owned())
                .push_unseparated(")");
            terms
                .push("(owner_id = ")
                .push_bind_unseparated(event.owner.as_uuid())
                .push_unseparated(" AND event_hash = ")
                .push_bind_unseparated(event.hash.as_str().to_owned())
                .push_unseparated(")");
        }
        let existing = sql
            .build()
            .fetch_optional(&mut *conn)
            .await
            .map_err(store_error)?;
        if let Some(row) = existing {
            let existing = ExistingEvent {
                owner_id: row.try_get("owner_id").map_err(store_error)?,
                event_id: row.try_get("event_id").map_err(store_error)?,
                event_hash: row.try_get("event_hash").map_err(store_error)?,
            };
            let position = existing.position_in(events).unwrap_or(1);
            return Err(event_already_captured(position, &existing));
        }
    }
    Ok(())
}

fn event_from_row(row: &SqliteRow) -> Result<StoredEvent, StoreError> {
    let identifiers: String = row.try_get("identifiers").map_err(store_error)?;
    let identifiers: Vec<(String, String)> = serde_json::from_str(&identifiers).map_err(|e| {
        StoreError::Internal(format!("stored identifiers are not a JSON list: {e}"))
    })?;
    EventRecord {
        sequence: row.try_get("sequence").map_err(store_error)?,
        owner_id: row.try_get("owner_id").map_err(store_error)?,
        event_id: row.try_get("event_id").map_err(store_error)?,
        event_hash: row.try_get("event_hash").map_err(store_error)?,
        event_type: row.try_get("event_type").map_err(store_error)?,
        action: row.try_get("action").map_err(store_error)?,
        event_time: from_micros(row.try_get("event_time_us").map_err(store_error)?)?,
        event_time_zone_offset: row.try_get("event_time_zone_offset").map_err(store_error)?,
        record_time: from_micros(row.try_get("record_time_us").map_err(store_error)?)?,
        biz_step: row.try_get("biz_step").map_err(store_error)?,
        disposition: row.try_get("disposition").map_err(store_error)?,
        read_point: row.try_get("read_point").map_err(store_error)?,
        biz_location: row.try_get("biz_location").map_err(store_error)?,
        document: row.try_get("document").map_err(store_error)?,
    }
    .into_stored_event(identifiers)
}
