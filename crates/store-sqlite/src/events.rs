//! Events on SQLite. Writes are batched into multi-row statements: through sqlx each statement
//! costs a cross-thread round trip (~60 µs here, `reference/limits.md`), so one INSERT carries
//! many rows. The write lock is taken up front (`BEGIN IMMEDIATE`), which makes the duplicate
//! check and the sequence numbers safe without retries.

use std::collections::BTreeSet;

use nguon_domain::{
    Comparison, Direction, EventId, EventQuery, FieldCondition, IdentifierMatch, IdentifierRole,
    IndexedField, NewEvent, OrderBy, OrganisationId, Owners, StoredEvent, TraceDirection,
};
use nguon_store::{
    AppendOutcome, EventPage, EventRecord, EventResource, ExistingEvent, MAX_EVENTS_PER_LOOKUP,
    MAX_HIERARCHY_DEPTH, MAX_LINKED_ROWS, MAX_RESOURCE_PAGE, QueriedEventRecord, StoreError,
    check_batch, event_fetch_limit, event_page, event_runs, first_already_captured, identifier_set,
    indexed_links, now_utc, plan_skipping, prefix_upper_bound,
};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::chain::chain_events;
use crate::direct;
use crate::error::{direct_error, store_error};
use crate::sync::insert_outbox;

/// Events per INSERT: 14 columns each stays far below SQLite's 32,766 bound parameters.
const EVENTS_PER_STATEMENT: usize = 100;
/// Identifier rows per INSERT (3 columns each).
const IDENTIFIERS_PER_STATEMENT: usize = 500;
/// Genealogy links per INSERT (2 columns each).
const LINKS_PER_STATEMENT: usize = 1_000;
/// Field rows per INSERT (6 columns each).
const FIELDS_PER_STATEMENT: usize = 500;
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

/// The columns of `events e` and, in the same statement, the event's identifiers as a JSON
/// array of `[role, identifier]` pairs — one statement per read, since each costs a round trip
/// to sqlx's SQLite thread. What [`lineage_event_from_row`] reads.
macro_rules! lineage_event_columns {
    () => {
        "e.sequence, e.owner_id, e.event_id, e.event_hash, e.event_type, e.action, \
         e.event_time_us, e.event_time_zone_offset, e.record_time_us, e.biz_step, e.disposition, \
         e.read_point, e.biz_location, e.document, \
         (SELECT json_group_array(json_array(i.role, i.identifier)) FROM event_identifiers i \
          WHERE i.sequence = e.sequence) AS identifiers"
    };
}

/// An event row as [`event_from_row`] reads it: [`lineage_event_columns`] and its fields as a
/// JSON array of `[name, text, number, time_us]`. Numbers travel as 17-digit text, which
/// round-trips every f64 exactly (JSON rendering of REAL may not).
macro_rules! stored_event_columns {
    () => {
        concat!(
            lineage_event_columns!(),
            ", (SELECT json_group_array(json_array(f.name, f.text, \
            CASE WHEN f.number IS NULL THEN NULL ELSE printf('%!.17g', f.number) END, f.time_us) \
            ORDER BY f.position) FROM event_fields f WHERE f.sequence = e.sequence) AS fields"
        )
    };
}

/// `SELECT` of [`stored_event_columns`] from `events e`, ready for a `WHERE`.
macro_rules! select_events {
    () => {
        concat!("SELECT ", stored_event_columns!(), " FROM events e ")
    };
}

/// The walk of [`SqliteStore::find_linked_identifiers`] that reaches `$to` from `$from` over each
/// link: every identifier once, at its least depth, nearest first.
macro_rules! linked_identifiers_sql {
    ($to:literal, $from:literal) => {
        concat!(
            "WITH RECURSIVE reach(identifier, depth) AS (SELECT ?1, 0 UNION SELECT l.",
            $to,
            ", r.depth + 1 FROM reach r JOIN lot_edges l ON l.",
            $from,
            " = r.identifier WHERE r.depth < ?2 LIMIT ?3) \
             SELECT identifier FROM reach GROUP BY identifier ORDER BY min(depth), identifier"
        )
    };
}

/// The `events` column an order uses.
fn order_column(order_by: OrderBy) -> &'static str {
    match order_by {
        OrderBy::EventTime => "e.event_time_us",
        OrderBy::RecordTime => "e.record_time_us",
    }
}

/// The SQL operator of a comparison.
fn operator(comparison: Comparison) -> &'static str {
    match comparison {
        Comparison::Eq => " = ",
        Comparison::Gt => " > ",
        Comparison::Ge => " >= ",
        Comparison::Lt => " < ",
        Comparison::Le => " <= ",
    }
}

/// Microseconds since the epoch: the stored form of times, so they compare as integers.
pub(crate) fn micros(time: OffsetDateTime) -> i64 {
    // An OffsetDateTime spans ±9999 years, well inside i64 microseconds.
    (time.unix_timestamp_nanos() / 1_000) as i64
}

/// A time from its stored microseconds.
pub(crate) fn from_micros(micros: i64) -> Result<OffsetDateTime, StoreError> {
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
        let existing = find_captured(&mut tx, events).await?;
        if let Some(conflict) = first_already_captured(events, &existing) {
            return Err(conflict);
        }
        let all: Vec<&NewEvent> = events.iter().collect();
        write_events(&mut tx, &all, record_time).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(record_time)
    }

    pub(crate) async fn append_skipping(
        &self,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        let record_time = now_utc();
        if events.is_empty() {
            return Ok(AppendOutcome {
                record_time,
                skipped: Vec::new(),
            });
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        check_owners_exist(&mut tx, events).await?;
        let existing = find_captured(&mut tx, events).await?;
        let plan = plan_skipping(events, &existing);
        let kept: Vec<&NewEvent> = plan.kept.iter().map(|&index| &events[index]).collect();
        if !kept.is_empty() {
            write_events(&mut tx, &kept, record_time).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(AppendOutcome {
            record_time,
            skipped: plan.skipped,
        })
    }

    pub(crate) async fn query(&self, query: &EventQuery) -> Result<EventPage, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new("");
        let trees = [
            ("read_point_tree", &query.read_points_within),
            ("biz_location_tree", &query.biz_locations_within),
        ];
        let mut with = "WITH RECURSIVE ";
        for (name, roots) in trees {
            let Some(roots) = roots.as_ref().filter(|roots| !roots.is_empty()) else {
                continue;
            };
            // The roots, then children of what was found, to a bounded depth: the bound also
            // ends a cycle that master data may contain.
            sql.push(with)
                .push(name)
                .push("(id, depth) AS (SELECT column1, 0 FROM (VALUES ");
            let mut list = sql.separated(", ");
            for root in roots {
                list.push("(")
                    .push_bind_unseparated(root.clone())
                    .push_unseparated(")");
            }
            sql.push(") UNION SELECT c.child_id, t.depth + 1 FROM ")
                .push(name)
                .push(" t JOIN master_data_children c ON c.parent_id = t.id");
            push_owners(&mut sql, "c.owner_id", &query.owners);
            sql.push(" WHERE t.depth < ")
                .push_bind(MAX_HIERARCHY_DEPTH)
                .push(") ");
            with = ", ";
        }
        let order = order_column(query.order_by);
        sql.push(
            "SELECT e.sequence, e.owner_id, e.event_id, e.record_time_us, e.event_time_us, \
             e.document FROM ",
        );
        // An identifier match names few events, the order index names them all: drive the
        // query from the identifier index. CROSS JOIN is SQLite's way to fix the join order,
        // which its planner would otherwise pick by the ORDER BY and scan the owner's events.
        let driver = query
            .identifiers
            .first()
            .filter(|m| !m.exact.is_empty() || !m.prefixes.is_empty());
        if let Some(matching) = driver {
            sql.push("(");
            push_identifier_match(&mut sql, matching);
            sql.push(") AS driver CROSS JOIN events e ON e.sequence = driver.sequence");
        } else {
            sql.push("events e");
        }
        sql.push(" WHERE 1 = 1");
        push_owners(&mut sql, "e.owner_id", &query.owners);
        push_in(
            &mut sql,
            "e.event_type",
            query
                .event_types
                .as_ref()
                .map(|types| types.iter().map(|t| t.as_str().to_owned()).collect()),
        );
        push_in(
            &mut sql,
            "e.action",
            query
                .actions
                .as_ref()
                .map(|actions| actions.iter().map(|a| a.as_str().to_owned()).collect()),
        );
        push_in(&mut sql, "e.biz_step", query.biz_steps.clone());
        push_in(&mut sql, "e.disposition", query.dispositions.clone());
        push_in(&mut sql, "e.read_point", query.read_points.clone());
        push_in(&mut sql, "e.biz_location", query.biz_locations.clone());
        push_in(&mut sql, "e.event_id", query.event_ids.clone());
        for (column, roots, tree) in [
            ("e.read_point", &query.read_points_within, "read_point_tree"),
            (
                "e.biz_location",
                &query.biz_locations_within,
                "biz_location_tree",
            ),
        ] {
            match roots {
                None => {}
                Some(roots) if roots.is_empty() => {
                    sql.push(" AND 0");
                }
                Some(_) => {
                    sql.push(" AND ")
                        .push(column)
                        .push(" IN (SELECT id FROM ")
                        .push(tree)
                        .push(")");
                }
            }
        }
        for (column, range) in [
            ("e.event_time_us", &query.event_time),
            ("e.record_time_us", &query.record_time),
        ] {
            if let Some(ge) = range.ge {
                sql.push(" AND ")
                    .push(column)
                    .push(" >= ")
                    .push_bind(micros(ge));
            }
            if let Some(lt) = range.lt {
                sql.push(" AND ")
                    .push(column)
                    .push(" < ")
                    .push_bind(micros(lt));
            }
        }
        for matching in query.identifiers.iter().skip(usize::from(driver.is_some())) {
            if matching.exact.is_empty() && matching.prefixes.is_empty() {
                sql.push(" AND 0");
                continue;
            }
            sql.push(" AND e.sequence IN (");
            push_identifier_match(&mut sql, matching);
            sql.push(")");
        }
        for filter in &query.fields {
            if matches!(&filter.condition, FieldCondition::TextIn(values) if values.is_empty()) {
                sql.push(" AND 0");
                continue;
            }
            sql.push(" AND e.sequence IN (SELECT f.sequence FROM event_fields f WHERE f.name = ")
                .push_bind(filter.name.clone());
            match &filter.condition {
                FieldCondition::Exists => {}
                FieldCondition::TextIn(values) => {
                    sql.push(" AND f.text IN (");
                    let mut list = sql.separated(", ");
                    for value in values {
                        list.push_bind(value.clone());
                    }
                    sql.push(")");
                }
                FieldCondition::Number(comparison, value) => {
                    sql.push(" AND f.number")
                        .push(operator(*comparison))
                        .push_bind(*value);
                }
                FieldCondition::Time(comparison, value) => {
                    sql.push(" AND f.time_us")
                        .push(operator(*comparison))
                        .push_bind(micros(*value));
                }
            }
            sql.push(")");
        }
        let (from, past, direction) = match query.direction {
            Direction::Ascending => (" >= ", " > ", " ASC"),
            Direction::Descending => (" <= ", " < ", " DESC"),
        };
        if let Some(after) = query.after {
            // A range on the order column (served by its index), then the ties on the last time
            // that were already returned are passed over by sequence.
            let value = micros(after.order_value);
            sql.push(" AND ")
                .push(order)
                .push(from)
                .push_bind(value)
                .push(" AND (")
                .push(order)
                .push(past)
                .push_bind(value)
                .push(" OR e.sequence")
                .push(past)
                .push_bind(after.sequence)
                .push(")");
        }
        sql.push(" ORDER BY ")
            .push(order)
            .push(direction)
            .push(", e.sequence")
            .push(direction)
            .push(" LIMIT ")
            .push_bind(event_fetch_limit(query));
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let events = rows
            .iter()
            .map(|row| {
                QueriedEventRecord {
                    sequence: row.try_get("sequence").map_err(store_error)?,
                    owner_id: row.try_get("owner_id").map_err(store_error)?,
                    event_id: row.try_get("event_id").map_err(store_error)?,
                    record_time: from_micros(row.try_get("record_time_us").map_err(store_error)?)?,
                    event_time: from_micros(row.try_get("event_time_us").map_err(store_error)?)?,
                    document: row.try_get("document").map_err(store_error)?,
                }
                .into_queried_event()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(event_page(query, events))
    }

    pub(crate) async fn resource_values(
        &self,
        owners: &Owners,
        resource: EventResource,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        // A loose index scan: each step seeks the next distinct value after the last one, so the
        // cost grows with the number of distinct values, not of events. An owner's values are
        // those for which one probe finds an event of theirs. Only column names and constant
        // role names are formatted into the SQL; values are bound.
        if matches!(owners, Owners::Only(nobody) if nobody.is_empty()) {
            return Ok(Vec::new());
        }
        let (seek, order, owned) = match resource.events_column() {
            Some(column) => (
                format!("SELECT {column} FROM events WHERE {column}"),
                format!(" ORDER BY {column} LIMIT 1"),
                format!("SELECT 1 FROM events o WHERE o.{column} = v.value"),
            ),
            None => {
                let roles = epc_roles();
                (
                    format!(
                        "SELECT identifier FROM event_identifiers WHERE role IN ({roles}) \
                         AND identifier"
                    ),
                    " ORDER BY identifier LIMIT 1".to_owned(),
                    format!(
                        "SELECT 1 FROM event_identifiers i JOIN events o ON o.sequence = i.sequence \
                         WHERE i.identifier = v.value AND i.role IN ({roles})"
                    ),
                )
            }
        };
        let mut sql = QueryBuilder::<Sqlite>::new("WITH RECURSIVE v(value) AS (SELECT (");
        sql.push(&seek);
        match after {
            Some(after) => sql.push(" > ").push_bind(after),
            // Every string is at least '', so this starts at the least value.
            None => sql.push(" >= ''"),
        };
        sql.push(&order)
            .push(") UNION ALL SELECT (")
            .push(&seek)
            .push(" > v.value")
            .push(&order)
            .push(
                ") FROM v WHERE v.value IS NOT NULL) SELECT value FROM v WHERE value IS NOT NULL",
            );
        if let Owners::Only(_) = owners {
            sql.push(" AND EXISTS (").push(owned);
            push_owners(&mut sql, "o.owner_id", owners);
            sql.push(")");
        }
        sql.push(" LIMIT ")
            .push_bind(i64::from(limit.clamp(1, MAX_RESOURCE_PAGE)));
        sql.build_query_scalar()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
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

    /// [`Store::events_after`].
    pub(crate) async fn find_events_after(
        &self,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(concat!(
            select_events!(),
            "WHERE e.sequence > ? ORDER BY e.sequence LIMIT ?"
        ))
        .bind(after_sequence)
        .bind(i64::from(limit.clamp(1, MAX_EVENTS_PER_LOOKUP)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(event_from_row).collect()
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

    /// [`Store::events_naming_any`]: the first `limit_each` events of each identifier, numbered
    /// by a window over the identifier index, then each event read once. The identifiers travel
    /// as one JSON array, so any number of them takes one statement.
    pub(crate) async fn find_events_naming_any(
        &self,
        identifiers: &[String],
        limit_each: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if identifiers.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = serde_json::to_string(identifiers)
            .map_err(|e| StoreError::Internal(format!("identifiers cannot be listed: {e}")))?;
        let limit_each = i64::from(limit_each.clamp(1, MAX_EVENTS_PER_LOOKUP));
        direct::read(&self.pool, |connection| {
            let mut statement = connection
                .prepare(concat!(
                    "WITH hits AS (SELECT DISTINCT sequence FROM (SELECT sequence, row_number() \
                     OVER (PARTITION BY identifier ORDER BY sequence) AS n FROM (SELECT DISTINCT \
                     identifier, sequence FROM event_identifiers WHERE identifier IN (SELECT \
                     value FROM json_each(?1)))) WHERE n <= ?2) ",
                    "SELECT ",
                    lineage_event_columns!(),
                    " FROM events e WHERE e.sequence IN hits ORDER BY e.sequence"
                ))
                .map_err(direct_error)?;
            let mut rows = statement
                .query((wanted, limit_each))
                .map_err(direct_error)?;
            let mut events = Vec::new();
            while let Some(row) = rows.next().map_err(direct_error)? {
                events.push(lineage_event_from_row(row)?);
            }
            Ok(events)
        })
        .await
    }

    /// [`Store::linked_identifiers`]: one recursive query over `lot_edges`, bounded by depth and
    /// by rows (the LIMIT of a recursive query stops the recursion itself).
    pub(crate) async fn find_linked_identifiers(
        &self,
        start: &str,
        direction: TraceDirection,
        max_depth: u32,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let sql = match direction {
            TraceDirection::Back => linked_identifiers_sql!("source", "product"),
            TraceDirection::Forward => linked_identifiers_sql!("product", "source"),
        };
        let limit = i64::from(limit.clamp(1, MAX_LINKED_ROWS));
        direct::read(&self.pool, |connection| {
            let mut statement = connection.prepare(sql).map_err(direct_error)?;
            let identifiers = statement
                .query_map((start, i64::from(max_depth), limit), |row| row.get(0))
                .map_err(direct_error)?;
            identifiers.collect::<Result<_, _>>().map_err(direct_error)
        })
        .await
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

/// The stored events that share an eventID or hash with an event of the batch, for its owner.
async fn find_captured(
    conn: &mut SqliteConnection,
    events: &[NewEvent],
) -> Result<Vec<ExistingEvent>, StoreError> {
    let mut found = Vec::new();
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
        for row in sql
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?
        {
            found.push(ExistingEvent {
                owner_id: row.try_get("owner_id").map_err(store_error)?,
                event_id: row.try_get("event_id").map_err(store_error)?,
                event_hash: row.try_get("event_hash").map_err(store_error)?,
            });
        }
    }
    Ok(found)
}

/// Writes checked events with fresh sequence numbers: events, identifiers, fields and chain rows,
/// each in multi-row INSERTs.
async fn write_events(
    conn: &mut SqliteConnection,
    events: &[&NewEvent],
    record_time: OffsetDateTime,
) -> Result<(), StoreError> {
    let last: i64 = sqlx::query_scalar("SELECT coalesce(max(sequence), 0) FROM events")
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)?;
    let numbered: Vec<(i64, &NewEvent)> = (last + 1..).zip(events.iter().copied()).collect();
    insert_outbox(&mut *conn, &event_runs(&numbered)).await?;
    for chunk in numbered.chunks(EVENTS_PER_STATEMENT) {
        let mut sql =
            QueryBuilder::<Sqlite>::new(concat!("INSERT INTO events (", event_columns!(), ") "));
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
        sql.build().execute(&mut *conn).await.map_err(store_error)?;
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
        sql.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    let fields: Vec<(i64, i64, &IndexedField)> = numbered
        .iter()
        .flat_map(|(sequence, event)| {
            (0..)
                .zip(&event.fields)
                .map(move |(position, field)| (*sequence, position, field))
        })
        .collect();
    for chunk in fields.chunks(FIELDS_PER_STATEMENT) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO event_fields (sequence, position, name, text, number, time_us) ",
        );
        sql.push_values(chunk, |mut row, (sequence, position, field)| {
            row.push_bind(*sequence)
                .push_bind(*position)
                .push_bind(field.name.clone())
                .push_bind(field.text.clone())
                .push_bind(field.number)
                .push_bind(field.time.map(micros));
        });
        sql.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    let mut links: Vec<(&str, &str)> = numbered
        .iter()
        .flat_map(|(_, event)| indexed_links(event).map(|link| (link.product, link.source)))
        .collect();
    links.sort_unstable();
    links.dedup();
    for chunk in links.chunks(LINKS_PER_STATEMENT) {
        let mut sql =
            QueryBuilder::<Sqlite>::new("INSERT OR IGNORE INTO lot_edges (product, source) ");
        sql.push_values(chunk, |mut row, (product, source)| {
            row.push_bind(product.to_string())
                .push_bind(source.to_string());
        });
        sql.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    let chained: Vec<(OrganisationId, i64, &str)> = numbered
        .iter()
        .map(|(sequence, event)| (event.owner, *sequence, event.hash.as_str()))
        .collect();
    chain_events(conn, &chained).await
}

/// Adds ` AND column IN (…)` for an optional "any of" filter; an empty list matches nothing.
/// `SELECT DISTINCT i.sequence …` of the events naming an identifier of `matching` in one of its
/// roles. Each alternative is an equality or a range on the identifier index; SQLite unions
/// them (the OR optimisation) instead of scanning.
fn push_identifier_match(sql: &mut QueryBuilder<Sqlite>, matching: &IdentifierMatch) {
    sql.push("SELECT DISTINCT i.sequence FROM event_identifiers i WHERE (");
    let mut alternatives = sql.separated(" OR ");
    if !matching.exact.is_empty() {
        alternatives.push("i.identifier IN (");
        for (n, exact) in matching.exact.iter().enumerate() {
            if n > 0 {
                alternatives.push_unseparated(", ");
            }
            alternatives.push_bind_unseparated(exact.clone());
        }
        alternatives.push_unseparated(")");
    }
    for prefix in &matching.prefixes {
        alternatives
            .push("(i.identifier >= ")
            .push_bind_unseparated(prefix.clone());
        if let Some(bound) = prefix_upper_bound(prefix) {
            alternatives
                .push_unseparated(" AND i.identifier < ")
                .push_bind_unseparated(bound);
        }
        alternatives.push_unseparated(")");
    }
    sql.push(")");
    if !matching.roles.is_empty() {
        sql.push(" AND i.role IN (");
        let mut list = sql.separated(", ");
        for role in &matching.roles {
            list.push_bind(role.as_str());
        }
        sql.push(")");
    }
}

fn push_in(sql: &mut QueryBuilder<Sqlite>, column: &str, values: Option<Vec<String>>) {
    match values {
        None => {}
        Some(values) if values.is_empty() => {
            sql.push(" AND 0");
        }
        Some(values) => {
            sql.push(" AND ").push(column).push(" IN (");
            let mut list = sql.separated(", ");
            for value in values {
                list.push_bind(value);
            }
            sql.push(")");
        }
    }
}

/// The roles `/epcs` lists, as an SQL list of literals (constants, never user input).
fn epc_roles() -> String {
    EventResource::EPC_ROLES
        .iter()
        .map(|role| format!("'{}'", role.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn event_from_row(row: &SqliteRow) -> Result<StoredEvent, StoreError> {
    let fields: String = row.try_get("fields").map_err(store_error)?;
    type FieldRow = (String, Option<String>, Option<String>, Option<i64>);
    let fields = serde_json::from_str::<Vec<FieldRow>>(&fields)
        .map_err(|e| StoreError::Internal(format!("stored fields are not a JSON list: {e}")))?
        .into_iter()
        .map(|(name, text, number, time)| {
            Ok(IndexedField {
                name,
                text,
                number: number
                    .map(|n| {
                        n.parse::<f64>().map_err(|e| {
                            StoreError::Internal(format!("stored number {n:?} is invalid: {e}"))
                        })
                    })
                    .transpose()?,
                time: time.map(from_micros).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    event_record(row)?.into_stored_event(identifiers_of(row)?, fields)
}

/// A row of [`lineage_event_columns`]: the event without its field index.
fn lineage_event_from_row(row: &impl EventColumns) -> Result<StoredEvent, StoreError> {
    event_record(row)?.into_stored_event(identifiers_of(row)?, Vec::new())
}

/// The `identifiers` column of a row: its JSON array of `[role, identifier]` pairs.
fn identifiers_of(row: &impl EventColumns) -> Result<Vec<(String, String)>, StoreError> {
    let identifiers: String = row.column(Column::Identifiers)?;
    serde_json::from_str(&identifiers)
        .map_err(|e| StoreError::Internal(format!("stored identifiers are not a JSON list: {e}")))
}

/// The `events` columns of a row.
fn event_record(row: &impl EventColumns) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        sequence: row.column(Column::Sequence)?,
        owner_id: row.column(Column::OwnerId)?,
        event_id: row.column(Column::EventId)?,
        event_hash: row.column(Column::EventHash)?,
        event_type: row.column(Column::EventType)?,
        action: row.column(Column::Action)?,
        event_time: from_micros(row.column(Column::EventTimeUs)?)?,
        event_time_zone_offset: row.column(Column::EventTimeZoneOffset)?,
        record_time: from_micros(row.column(Column::RecordTimeUs)?)?,
        biz_step: row.column(Column::BizStep)?,
        disposition: row.column(Column::Disposition)?,
        read_point: row.column(Column::ReadPoint)?,
        biz_location: row.column(Column::BizLocation)?,
        document: row.column(Column::Document)?,
    })
}

/// The columns of [`lineage_event_columns`], in its order: rows are read by position, since
/// looking a name up costs more than reading the value.
#[derive(Debug, Clone, Copy)]
enum Column {
    Sequence,
    OwnerId,
    EventId,
    EventHash,
    EventType,
    Action,
    EventTimeUs,
    EventTimeZoneOffset,
    RecordTimeUs,
    BizStep,
    Disposition,
    ReadPoint,
    BizLocation,
    Document,
    Identifiers,
}

/// An event row as read through sqlx or, for the trace reads ([`direct`]), through rusqlite.
trait EventColumns {
    /// The value of `column`.
    fn column<T>(&self, column: Column) -> Result<T, StoreError>
    where
        T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + rusqlite::types::FromSql;
}

impl EventColumns for SqliteRow {
    fn column<T>(&self, column: Column) -> Result<T, StoreError>
    where
        T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + rusqlite::types::FromSql,
    {
        self.try_get(column as usize).map_err(store_error)
    }
}

impl EventColumns for rusqlite::Row<'_> {
    fn column<T>(&self, column: Column) -> Result<T, StoreError>
    where
        T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + rusqlite::types::FromSql,
    {
        self.get(column as usize).map_err(direct_error)
    }
}

/// Narrows a statement to the rows of `owners` by `column` (a constant name): nothing for
/// everyone, no row for nobody. One owner is an equality, as it always was, so the planner keeps
/// its plans for an organisation's own queries.
fn push_owners(sql: &mut QueryBuilder<Sqlite>, column: &str, owners: &Owners) {
    match owners {
        Owners::All => {}
        Owners::Only(owners) => match owners.as_slice() {
            [] => {
                sql.push(" AND 0");
            }
            [owner] => {
                sql.push(" AND ")
                    .push(column)
                    .push(" = ")
                    .push_bind(owner.as_uuid());
            }
            owners => {
                sql.push(" AND ").push(column).push(" IN (");
                let mut list = sql.separated(", ");
                for owner in owners {
                    list.push_bind(owner.as_uuid());
                }
                sql.push(")");
            }
        },
    }
}
