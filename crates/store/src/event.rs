//! Shared rules for appending and reading events, so both back ends behave the same.

use std::collections::{HashMap, HashSet};

use nguon_domain::{
    Action, EventHash, EventId, EventType, IdentifierRole, IndexedField, LotLink, NewEvent,
    OrganisationId, StoredEvent,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Most identifiers one event may name: enough for a pallet of serialised cartons, small enough
/// that one event cannot swamp a capture batch.
pub const MAX_IDENTIFIERS_PER_EVENT: usize = 10_000;

/// Checks a batch before any write: no event repeats the eventID or hash of an earlier one with
/// the same owner, and none breaks a storage limit ([`storage_problem`]). Positions in messages
/// count from 1, as a person reading a capture report counts.
pub fn check_batch(events: &[NewEvent]) -> Result<(), StoreError> {
    let mut ids: HashMap<(OrganisationId, &str), usize> = HashMap::new();
    let mut hashes: HashMap<(OrganisationId, &str), usize> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        let position = index + 1;
        if let Some(first) = ids.insert((event.owner, event.event_id.as_str()), position) {
            return Err(StoreError::Conflict {
                what: "eventID",
                detail: format!(
                    "event {position} repeats the eventID of event {first} in the same batch"
                ),
            });
        }
        if let Some(first) = hashes.insert((event.owner, event.hash.as_str()), position) {
            return Err(StoreError::Conflict {
                what: "event hash",
                detail: format!(
                    "event {position} is the same event as event {first} in the same batch"
                ),
            });
        }
        if let Some((what, problem)) = storage_problem(event) {
            return Err(StoreError::Conflict {
                what,
                detail: format!("event {position} {problem}"),
            });
        }
    }
    Ok(())
}

/// What keeps an event out of the store whatever else is in its batch, as the field concerned
/// and a phrase that follows "event N": too many identifiers, or an indexed number that is not
/// finite (NaN has no place in an ordered index).
pub fn storage_problem(event: &NewEvent) -> Option<(&'static str, String)> {
    if event.identifiers.len() > MAX_IDENTIFIERS_PER_EVENT {
        return Some((
            "identifiers",
            format!(
                "names {} identifiers; at most {MAX_IDENTIFIERS_PER_EVENT} are stored per event",
                event.identifiers.len()
            ),
        ));
    }
    event
        .fields
        .iter()
        .find(|field| field.number.is_some_and(|n| !n.is_finite()))
        .map(|field| {
            (
                "fields",
                format!(
                    "has field {:?} with a number that is not finite",
                    field.name
                ),
            )
        })
}

/// Which events of a batch [`crate::Store::append_events_skipping_conflicts`] appends, and which
/// it skips with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipPlan {
    /// Indexes (from 0) of the events to append, in batch order.
    pub kept: Vec<usize>,
    /// Positions (from 1) of the events skipped, with why.
    pub skipped: Vec<(usize, String)>,
}

/// Decides which events to skip: those that break a storage limit, repeat an earlier event of
/// the batch with the same owner, or match one of `existing` (events already stored).
pub fn plan_skipping(events: &[NewEvent], existing: &[ExistingEvent]) -> SkipPlan {
    let stored_ids: HashSet<(uuid::Uuid, &str)> = existing
        .iter()
        .map(|e| (e.owner_id, e.event_id.as_str()))
        .collect();
    let stored_hashes: HashSet<(uuid::Uuid, &str)> = existing
        .iter()
        .map(|e| (e.owner_id, e.event_hash.as_str()))
        .collect();
    let mut ids: HashMap<(OrganisationId, &str), usize> = HashMap::new();
    let mut hashes: HashMap<(OrganisationId, &str), usize> = HashMap::new();
    let mut plan = SkipPlan {
        kept: Vec::new(),
        skipped: Vec::new(),
    };
    for (index, event) in events.iter().enumerate() {
        let position = index + 1;
        let owner = event.owner.as_uuid();
        let reason = if let Some((_, problem)) = storage_problem(event) {
            Some(format!("event {position} {problem}"))
        } else if stored_ids.contains(&(owner, event.event_id.as_str())) {
            Some(format!(
                "event {position} was already captured (eventID {})",
                event.event_id
            ))
        } else if stored_hashes.contains(&(owner, event.hash.as_str())) {
            Some(format!(
                "event {position} was already captured (hash {})",
                event.hash
            ))
        } else if let Some(first) = ids.get(&(event.owner, event.event_id.as_str())) {
            Some(format!(
                "event {position} repeats the eventID of event {first} in the same batch"
            ))
        } else {
            hashes
                .get(&(event.owner, event.hash.as_str()))
                .map(|first| {
                    format!("event {position} is the same event as event {first} in the same batch")
                })
        };
        match reason {
            Some(reason) => plan.skipped.push((position, reason)),
            None => {
                // Only kept events count as "earlier in the batch": a skipped one is not stored.
                ids.insert((event.owner, event.event_id.as_str()), position);
                hashes.insert((event.owner, event.hash.as_str()), position);
                plan.kept.push(index);
            }
        }
    }
    plan
}

/// The conflict for the first event of `events` that one of `existing` already holds, if any.
pub fn first_already_captured(
    events: &[NewEvent],
    existing: &[ExistingEvent],
) -> Option<StoreError> {
    existing
        .iter()
        .filter_map(|e| e.position_in(events).map(|position| (position, e)))
        .min_by_key(|(position, _)| *position)
        .map(|(position, e)| event_already_captured(position, e))
}

/// The conflict for an event whose eventID or hash its owner already has.
pub fn event_already_captured(position: usize, existing: &ExistingEvent) -> StoreError {
    StoreError::Conflict {
        what: "eventID",
        detail: format!(
            "event {position} was already captured (eventID {}, hash {})",
            existing.event_id, existing.event_hash
        ),
    }
}

/// An event found in the database with the eventID or hash of one being appended.
#[derive(Debug, Clone)]
pub struct ExistingEvent {
    /// Its owner.
    pub owner_id: Uuid,
    /// Its eventID.
    pub event_id: String,
    /// Its hash.
    pub event_hash: String,
}

impl ExistingEvent {
    /// The position (from 1) of the first event in `events` this one collides with.
    pub fn position_in(&self, events: &[NewEvent]) -> Option<usize> {
        events
            .iter()
            .position(|e| {
                e.owner.as_uuid() == self.owner_id
                    && (e.event_id.as_str() == self.event_id || e.hash.as_str() == self.event_hash)
            })
            .map(|index| index + 1)
    }
}

/// Most genealogy links the link index keeps per event: a transformation of many inputs into
/// many outputs makes inputs × outputs links. A trace still follows the others, reading the event
/// itself; the index only lets it read ahead.
pub const MAX_LINKS_PER_EVENT: usize = 10_000;

/// The links of `event` the link index keeps: its first [`MAX_LINKS_PER_EVENT`].
pub fn indexed_links(event: &NewEvent) -> impl Iterator<Item = LotLink<'_>> {
    event.lot_links().take(MAX_LINKS_PER_EVENT)
}

/// The identifiers of an event as stored: a set, sorted by role then identifier, since the
/// order in the document carries no meaning for lookup.
pub fn identifier_set(event: &NewEvent) -> Vec<(IdentifierRole, String)> {
    let mut identifiers = event.identifiers.clone();
    identifiers.sort();
    identifiers.dedup();
    identifiers
}

/// One row of `events`, as read, before any check.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// `sequence`.
    pub sequence: i64,
    /// `owner_id`.
    pub owner_id: Uuid,
    /// `event_id`.
    pub event_id: String,
    /// `event_hash`.
    pub event_hash: String,
    /// `event_type`.
    pub event_type: String,
    /// `action`.
    pub action: Option<String>,
    /// `event_time`.
    pub event_time: OffsetDateTime,
    /// `event_time_zone_offset`.
    pub event_time_zone_offset: String,
    /// `record_time`.
    pub record_time: OffsetDateTime,
    /// `biz_step`.
    pub biz_step: Option<String>,
    /// `disposition`.
    pub disposition: Option<String>,
    /// `read_point`.
    pub read_point: Option<String>,
    /// `biz_location`.
    pub biz_location: Option<String>,
    /// `document`.
    pub document: String,
}

impl EventRecord {
    /// Parses every column with the domain's rules; a failure means the row was written by
    /// something other than this code, so it is [`StoreError::Internal`].
    pub fn into_stored_event(
        self,
        identifiers: Vec<(String, String)>,
        fields: Vec<IndexedField>,
    ) -> Result<StoredEvent, StoreError> {
        let sequence = self.sequence;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored event {sequence} is invalid: {error}"))
        };
        let mut identifiers = identifiers
            .into_iter()
            .map(|(role, identifier)| {
                IdentifierRole::parse(&role)
                    .map(|role| (role, identifier))
                    .map_err(|e| corrupt(&e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        identifiers.sort();
        Ok(StoredEvent {
            sequence,
            record_time: self.record_time,
            event: NewEvent {
                owner: OrganisationId::from_uuid(self.owner_id).map_err(|e| corrupt(&e))?,
                event_id: EventId::parse(&self.event_id).map_err(|e| corrupt(&e))?,
                hash: EventHash::parse(&self.event_hash).map_err(|e| corrupt(&e))?,
                event_type: EventType::parse(&self.event_type).map_err(|e| corrupt(&e))?,
                event_time: self.event_time,
                event_time_zone_offset: self.event_time_zone_offset,
                action: self
                    .action
                    .as_deref()
                    .map(Action::parse)
                    .transpose()
                    .map_err(|e| corrupt(&e))?,
                biz_step: self.biz_step,
                disposition: self.disposition,
                read_point: self.read_point,
                biz_location: self.biz_location,
                identifiers,
                fields,
                document: self.document,
            },
        })
    }
}
