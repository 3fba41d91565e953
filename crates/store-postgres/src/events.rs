//! Events on PostgreSQL. A batch is written with one `INSERT … SELECT FROM UNNEST(arrays)` per
//! table, whatever its size (`reference/limits.md`: about 35 k events/s with fsync on), and
//! sequence numbers come from one `nextval` call per event in a single statement.

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
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Postgres, QueryBuilder, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::chain::chain_events;
use crate::error::store_error;
use crate::sync::insert_outbox;

/// The columns of `events` as inserted.
macro_rules! event_columns {
    () => {
        "owner_id, sequence, event_id, event_hash, event_type, action, event_time, \
         event_time_zone_offset, record_time, biz_step, disposition, read_point, biz_location, \
         document"
    };
}

/// The columns [`event_from_row`] reads: those of `events e` and, in the same statement, its
/// identifiers and its fields as parallel arrays — one round trip per read.
macro_rules! event_select_columns {
    () => {
        concat!(
            lineage_select_columns!(),
            ", fs.field_names, fs.field_texts, fs.field_numbers, fs.field_times"
        )
    };
}

/// The columns [`lineage_event_from_row`] reads: an event without its field index; with
/// [`event_identifiers_lateral`].
macro_rules! lineage_select_columns {
    () => {
        "e.owner_id, e.sequence, e.event_id, e.event_hash, e.event_type, e.action, e.event_time, \
         e.event_time_zone_offset, e.record_time, e.biz_step, e.disposition, e.read_point, \
         e.biz_location, e.document, ids.roles, ids.identifiers"
    };
}

/// Gathers an event's identifiers; follows `FROM events e` (or a join ending in it).
macro_rules! event_identifiers_lateral {
    () => {
        " CROSS JOIN LATERAL (SELECT array_agg(i.role) AS roles, array_agg(i.identifier) AS \
         identifiers FROM event_identifiers i WHERE i.owner_id = e.owner_id AND i.sequence = \
         e.sequence) ids "
    };
}

/// Gathers an event's identifiers and fields; follows `FROM events e` (or a join ending in it).
macro_rules! identifiers_lateral {
    () => {
        concat!(
            event_identifiers_lateral!(),
            "CROSS JOIN LATERAL (SELECT array_agg(f.name ORDER BY f.position) AS field_names, \
             array_agg(f.text ORDER BY f.position) AS field_texts, \
             array_agg(f.number ORDER BY f.position) AS field_numbers, \
             array_agg(f.time ORDER BY f.position) AS field_times FROM event_fields f \
             WHERE f.owner_id = e.owner_id AND f.sequence = e.sequence) fs "
        )
    };
}

/// The walk of [`PostgresStore::find_linked_identifiers`] that reaches `$to` from `$from` over
/// each link: every identifier once, at its least depth, nearest first.
macro_rules! linked_identifiers_sql {
    ($to:literal, $from:literal) => {
        concat!(
            "WITH RECURSIVE reach(identifier, depth) AS (SELECT $1::text COLLATE \"C\", 0 \
             UNION SELECT l.",
            $to,
            ", r.depth + 1 FROM reach r JOIN lot_edges l ON l.",
            $from,
            " = r.identifier WHERE r.depth < $2), walked AS (SELECT * FROM reach LIMIT $3) \
             SELECT identifier FROM walked GROUP BY identifier ORDER BY min(depth), identifier"
        )
    };
}

/// The `events` column an order uses.
fn order_column(order_by: OrderBy) -> &'static str {
    match order_by {
        OrderBy::EventTime => "e.event_time",
        OrderBy::RecordTime => "e.record_time",
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

impl PostgresStore {
    pub(crate) async fn append(&self, events: &[NewEvent]) -> Result<OffsetDateTime, StoreError> {
        check_batch(events)?;
        let record_time = now_utc();
        if events.is_empty() {
            return Ok(record_time);
        }
        let mut tx = self.pool.begin().await.map_err(store_error)?;
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
        let mut tx = self.pool.begin().await.map_err(store_error)?;
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
        let mut sql = QueryBuilder::<Postgres>::new("");
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
                .push("(id, depth) AS (SELECT unnest(")
                .push_bind(roots.clone())
                // The roots take the collation of the hierarchy they are joined with.
                .push("::text[]) COLLATE \"C\", 0 UNION SELECT c.child_id, t.depth + 1 FROM ")
                .push(name)
                .push(" t JOIN master_data_children c ON c.parent_id = t.id");
            push_owners(&mut sql, "c.owner_id", &query.owners);
            sql.push(" WHERE t.depth < ")
                .push_bind(MAX_HIERARCHY_DEPTH)
                .push(") ");
            with = ", ";
        }
        // An identifier match names few events, the order index names them all. Without
        // this fence the planner, betting on the LIMIT, walks the event-time index and tests
        // each event against the identifier subquery: 100 ms at a million events instead of
        // well under one.
        let driver = query
            .identifiers
            .first()
            .filter(|m| !m.exact.is_empty() || !m.prefixes.is_empty());
        if let Some(matching) = driver {
            sql.push(with).push("driver AS MATERIALIZED (");
            push_identifier_match(&mut sql, matching);
            sql.push(") ");
        }
        let order = order_column(query.order_by);
        sql.push(
            "SELECT e.sequence, e.owner_id, e.event_id, e.record_time, e.event_time, e.document \
             FROM ",
        );
        sql.push(if driver.is_some() {
            "driver JOIN events e ON e.owner_id = driver.owner_id AND e.sequence = driver.sequence"
        } else {
            "events e"
        });
        sql.push(" WHERE TRUE");
        push_owners(&mut sql, "e.owner_id", &query.owners);
        push_any(
            &mut sql,
            "e.event_type",
            query
                .event_types
                .as_ref()
                .map(|types| types.iter().map(|t| t.as_str().to_owned()).collect()),
        );
        push_any(
            &mut sql,
            "e.action",
            query
                .actions
                .as_ref()
                .map(|actions| actions.iter().map(|a| a.as_str().to_owned()).collect()),
        );
        push_any(&mut sql, "e.biz_step", query.biz_steps.clone());
        push_any(&mut sql, "e.disposition", query.dispositions.clone());
        push_any(&mut sql, "e.read_point", query.read_points.clone());
        push_any(&mut sql, "e.biz_location", query.biz_locations.clone());
        push_any(&mut sql, "e.event_id", query.event_ids.clone());
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
                    sql.push(" AND FALSE");
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
            ("e.event_time", &query.event_time),
            ("e.record_time", &query.record_time),
        ] {
            if let Some(ge) = range.ge {
                sql.push(" AND ").push(column).push(" >= ").push_bind(ge);
            }
            if let Some(lt) = range.lt {
                sql.push(" AND ").push(column).push(" < ").push_bind(lt);
            }
        }
        for matching in query.identifiers.iter().skip(usize::from(driver.is_some())) {
            if matching.exact.is_empty() && matching.prefixes.is_empty() {
                sql.push(" AND FALSE");
                continue;
            }
            sql.push(" AND (e.owner_id, e.sequence) IN (");
            push_identifier_match(&mut sql, matching);
            sql.push(")");
        }
        for filter in &query.fields {
            if matches!(&filter.condition, FieldCondition::TextIn(values) if values.is_empty()) {
                sql.push(" AND FALSE");
                continue;
            }
            sql.push(
                " AND (e.owner_id, e.sequence) IN (SELECT f.owner_id, f.sequence \
                 FROM event_fields f WHERE f.name = ",
            )
            .push_bind(filter.name.clone());
            match &filter.condition {
                FieldCondition::Exists => {}
                FieldCondition::TextIn(values) => {
                    sql.push(" AND f.text = ANY(")
                        .push_bind(values.clone())
                        .push(")");
                }
                FieldCondition::Number(comparison, value) => {
                    sql.push(" AND f.number")
                        .push(operator(*comparison))
                        .push_bind(*value);
                }
                FieldCondition::Time(comparison, value) => {
                    sql.push(" AND f.time")
                        .push(operator(*comparison))
                        .push_bind(*value);
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
            sql.push(" AND ")
                .push(order)
                .push(from)
                .push_bind(after.order_value)
                .push(" AND (")
                .push(order)
                .push(past)
                .push_bind(after.order_value)
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
                    record_time: row.try_get("record_time").map_err(store_error)?,
                    event_time: row.try_get("event_time").map_err(store_error)?,
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
        let (seek, order, owned, owner_column) = match resource.events_column() {
            Some(column) => (
                format!("SELECT {column} FROM events WHERE {column}"),
                format!(" ORDER BY {column} LIMIT 1"),
                format!("SELECT 1 FROM events o WHERE o.{column} = v.value"),
                "o.owner_id",
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
                        "SELECT 1 FROM event_identifiers i WHERE i.identifier = v.value \
                         AND i.role IN ({roles})"
                    ),
                    // The identifier row carries its event's owner.
                    "i.owner_id",
                )
            }
        };
        let mut sql = QueryBuilder::<Postgres>::new("WITH RECURSIVE v(value) AS (SELECT (");
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
            push_owners(&mut sql, owner_column, owners);
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

    /// [`Store::events_after`].
    pub(crate) async fn find_events_after(
        &self,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_select_columns!(),
            " FROM events e",
            identifiers_lateral!(),
            "WHERE e.sequence > $1 ORDER BY e.sequence LIMIT $2"
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

    /// [`Store::events_naming_any`] in one statement: for each distinct identifier of the array,
    /// its first `limit_each` events by an index range scan (a lateral lookup), then each event
    /// read once. A lateral lookup planned without table statistics took seconds per trace; a
    /// bulk load is followed by `Store::refresh_statistics` (VACUUM and ANALYZE).
    pub(crate) async fn find_events_naming_any(
        &self,
        identifiers: &[String],
        limit_each: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if identifiers.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(concat!(
            "WITH hits AS (SELECT DISTINCT hit.owner_id, hit.sequence FROM \
             (SELECT DISTINCT identifier FROM unnest($1::text[]) AS u(identifier)) wanted \
             CROSS JOIN LATERAL (SELECT DISTINCT i.owner_id, i.sequence FROM event_identifiers i \
             WHERE i.identifier = wanted.identifier ORDER BY i.sequence LIMIT $2) hit) SELECT ",
            lineage_select_columns!(),
            " FROM hits JOIN events e ON e.owner_id = hits.owner_id AND e.sequence = hits.sequence",
            event_identifiers_lateral!(),
            "ORDER BY e.sequence"
        ))
        .bind(identifiers)
        .bind(i64::from(limit_each.clamp(1, MAX_EVENTS_PER_LOOKUP)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(lineage_event_from_row).collect()
    }

    /// [`Store::linked_identifiers`]: one recursive query over `lot_edges`, bounded by depth and
    /// by rows: PostgreSQL runs a recursive query only as far as the outer LIMIT asks.
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
        sqlx::query_scalar(sql)
            .bind(start)
            .bind(i64::from(max_depth))
            .bind(i64::from(limit.clamp(1, MAX_LINKED_ROWS)))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
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

/// The stored events that share an eventID or hash with an event of the batch, for its owner.
async fn find_captured(
    conn: &mut PgConnection,
    events: &[NewEvent],
) -> Result<Vec<ExistingEvent>, StoreError> {
    let rows = sqlx::query(
        // Two joins, not one WHERE … OR …: PostgreSQL cannot serve an OR of two row-value IN
        // lists from the unique indexes and would scan the whole table for every batch.
        "SELECT e.owner_id, e.event_id, e.event_hash FROM events e \
         JOIN UNNEST($1::uuid[], $2::text[]) AS k(owner_id, event_id) \
           ON e.owner_id = k.owner_id AND e.event_id = k.event_id \
         UNION ALL \
         SELECT e.owner_id, e.event_id, e.event_hash FROM events e \
         JOIN UNNEST($1::uuid[], $3::text[]) AS k(owner_id, event_hash) \
           ON e.owner_id = k.owner_id AND e.event_hash = k.event_hash",
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
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    rows.iter()
        .map(|row| {
            Ok(ExistingEvent {
                owner_id: row.try_get("owner_id").map_err(store_error)?,
                event_id: row.try_get("event_id").map_err(store_error)?,
                event_hash: row.try_get("event_hash").map_err(store_error)?,
            })
        })
        .collect()
}

/// Writes checked events with fresh sequence numbers: one `INSERT … SELECT FROM UNNEST` each for
/// events, identifiers, fields and chain rows.
async fn write_events(
    conn: &mut PgConnection,
    events: &[&NewEvent],
    record_time: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut sequences: Vec<i64> =
        sqlx::query_scalar("SELECT nextval('events_sequence') FROM generate_series(1, $1)")
            .bind(events.len() as i64)
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
    sequences.sort_unstable();
    let numbered: Vec<(i64, &NewEvent)> = sequences
        .iter()
        .copied()
        .zip(events.iter().copied())
        .collect();
    insert_outbox(&mut *conn, &event_runs(&numbered)).await?;
    let column = |f: &dyn Fn(&NewEvent) -> Option<String>| -> Vec<Option<String>> {
        events.iter().map(|e| f(e)).collect()
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
    .execute(&mut *conn)
    .await
    .map_err(captured_concurrently)?;
    let mut owners = Vec::new();
    let mut numbers = Vec::new();
    let mut roles = Vec::new();
    let mut identifiers = Vec::new();
    for (sequence, event) in sequences.iter().zip(events.iter().copied()) {
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
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    // Sorted, so that two captures adding the same links lock them in the same order.
    let mut links: Vec<(&str, &str)> = events
        .iter()
        .flat_map(|event| indexed_links(event).map(|link| (link.product, link.source)))
        .collect();
    links.sort_unstable();
    links.dedup();
    if !links.is_empty() {
        let (products, sources): (Vec<&str>, Vec<&str>) = links.into_iter().unzip();
        sqlx::query(
            "INSERT INTO lot_edges (product, source) \
             SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
        )
        .bind(products)
        .bind(sources)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    let mut owners = Vec::new();
    let mut numbers = Vec::new();
    let mut positions: Vec<i32> = Vec::new();
    let mut names = Vec::new();
    let mut texts = Vec::new();
    let mut values = Vec::new();
    let mut times = Vec::new();
    for (sequence, event) in sequences.iter().zip(events.iter().copied()) {
        for (position, field) in (0..).zip(&event.fields) {
            owners.push(event.owner.as_uuid());
            numbers.push(*sequence);
            positions.push(position);
            names.push(field.name.as_str());
            texts.push(field.text.as_deref());
            values.push(field.number);
            times.push(field.time);
        }
    }
    sqlx::query(
        "INSERT INTO event_fields (owner_id, sequence, position, name, text, number, time) \
         SELECT * FROM UNNEST($1::uuid[], $2::int8[], $3::int4[], $4::text[], $5::text[], \
         $6::float8[], $7::timestamptz[])",
    )
    .bind(owners)
    .bind(numbers)
    .bind(positions)
    .bind(names)
    .bind(texts)
    .bind(values)
    .bind(times)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    // insert_outbox above took the outbox lock, which chain_events relies on.
    let chained: Vec<(OrganisationId, i64, &str)> = sequences
        .iter()
        .zip(events.iter().copied())
        .map(|(sequence, event)| (event.owner, *sequence, event.hash.as_str()))
        .collect();
    chain_events(conn, &chained).await
}

/// `SELECT DISTINCT i.owner_id, i.sequence …` of the events naming an identifier of `matching`
/// in one of its roles. Each alternative is an equality or a range on the identifier index
/// (collation "C", so a prefix is one range); PostgreSQL ORs them as bitmap index scans.
fn push_identifier_match(sql: &mut QueryBuilder<Postgres>, matching: &IdentifierMatch) {
    sql.push("SELECT DISTINCT i.owner_id, i.sequence FROM event_identifiers i WHERE (");
    let mut alternatives = sql.separated(" OR ");
    if !matching.exact.is_empty() {
        alternatives
            .push("i.identifier = ANY(")
            .push_bind_unseparated(matching.exact.clone())
            .push_unseparated(")");
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
        let roles: Vec<&str> = matching.roles.iter().map(|r| r.as_str()).collect();
        sql.push(" AND i.role = ANY(").push_bind(roles).push(")");
    }
}

/// Adds ` AND column = ANY(…)` for an optional "any of" filter; an empty list matches nothing.
fn push_any(sql: &mut QueryBuilder<Postgres>, column: &str, values: Option<Vec<String>>) {
    match values {
        None => {}
        Some(values) if values.is_empty() => {
            sql.push(" AND FALSE");
        }
        Some(values) => {
            sql.push(" AND ")
                .push(column)
                .push(" = ANY(")
                .push_bind(values)
                .push(")");
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

fn event_from_row(row: &PgRow) -> Result<StoredEvent, StoreError> {
    let names: Option<Vec<String>> = row.try_get("field_names").map_err(store_error)?;
    let texts: Option<Vec<Option<String>>> = row.try_get("field_texts").map_err(store_error)?;
    let numbers: Option<Vec<Option<f64>>> = row.try_get("field_numbers").map_err(store_error)?;
    let times: Option<Vec<Option<OffsetDateTime>>> =
        row.try_get("field_times").map_err(store_error)?;
    let fields = names
        .unwrap_or_default()
        .into_iter()
        .zip(texts.unwrap_or_default())
        .zip(numbers.unwrap_or_default())
        .zip(times.unwrap_or_default())
        .map(|(((name, text), number), time)| IndexedField {
            name,
            text,
            number,
            time,
        })
        .collect();
    event_record(row)?.into_stored_event(identifiers_of(row)?, fields)
}

/// A row of [`lineage_select_columns`]: the event without its field index.
fn lineage_event_from_row(row: &PgRow) -> Result<StoredEvent, StoreError> {
    event_record(row)?.into_stored_event(identifiers_of(row)?, Vec::new())
}

/// The `roles` and `identifiers` columns of a row, paired.
fn identifiers_of(row: &PgRow) -> Result<Vec<(String, String)>, StoreError> {
    // array_agg over no rows is NULL: an event without identifiers.
    let roles: Option<Vec<String>> = row.try_get("roles").map_err(store_error)?;
    let identifiers: Option<Vec<String>> = row.try_get("identifiers").map_err(store_error)?;
    Ok(roles
        .unwrap_or_default()
        .into_iter()
        .zip(identifiers.unwrap_or_default())
        .collect())
}

/// The `events` columns of a row.
fn event_record(row: &PgRow) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
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
    })
}

/// Narrows a statement to the rows of `owners` by `column` (a constant name): nothing for
/// everyone, no row for nobody. One owner is an equality, as it always was, so the planner keeps
/// its plans for an organisation's own queries.
fn push_owners(sql: &mut QueryBuilder<Postgres>, column: &str, owners: &Owners) {
    match owners {
        Owners::All => {}
        Owners::Only(owners) => match owners.as_slice() {
            [] => {
                sql.push(" AND FALSE");
            }
            [owner] => {
                sql.push(" AND ")
                    .push(column)
                    .push(" = ")
                    .push_bind(owner.as_uuid());
            }
            owners => {
                let ids: Vec<Uuid> = owners.iter().map(OrganisationId::as_uuid).collect();
                sql.push(" AND ")
                    .push(column)
                    .push(" = ANY(")
                    .push_bind(ids)
                    .push(")");
            }
        },
    }
}
