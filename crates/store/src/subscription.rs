//! Named queries and subscriptions as both back ends read them: raw columns, their checked
//! conversion into domain types, and the schedule's stored JSON.

use nguon_domain::{
    EventCursor, NamedQuery, OrganisationId, QueryName, Schedule, ScheduleText, Subscription,
    SubscriptionId, Trigger,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// One row of `named_queries`, as read, before any check.
#[derive(Debug, Clone)]
pub struct NamedQueryRecord {
    /// `owner_id`.
    pub owner_id: Uuid,
    /// `name`.
    pub name: String,
    /// `definition`.
    pub definition: String,
    /// `created_at`.
    pub created_at: OffsetDateTime,
}

impl NamedQueryRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_named_query(self) -> Result<NamedQuery, StoreError> {
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored query {:?} is invalid: {error}", self.name))
        };
        Ok(NamedQuery {
            owner: OrganisationId::from_uuid(self.owner_id).map_err(|e| corrupt(&e))?,
            name: QueryName::parse(&self.name).map_err(|e| corrupt(&e))?,
            definition: self.definition.clone(),
            created_at: self.created_at,
        })
    }
}

/// One row of `subscriptions`, as read, before any check.
#[derive(Debug, Clone)]
pub struct SubscriptionRecord {
    /// `id`.
    pub id: Uuid,
    /// `owner_id`.
    pub owner_id: Uuid,
    /// `query_name`.
    pub query_name: String,
    /// `dest`.
    pub dest: String,
    /// `signature_token`.
    pub signature_token: Option<String>,
    /// `report_if_empty`.
    pub report_if_empty: bool,
    /// `stream`.
    pub stream: bool,
    /// `schedule`: [`schedule_json`] of the schedule, `None` for a stream.
    pub schedule: Option<String>,
    /// `initial_record_time`.
    pub initial_record_time: OffsetDateTime,
    /// `last_record_time`.
    pub last_record_time: Option<OffsetDateTime>,
    /// `last_sequence`.
    pub last_sequence: Option<i64>,
    /// `last_notified_at`.
    pub last_notified_at: Option<OffsetDateTime>,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `failures`.
    pub failures: i64,
    /// `last_error`.
    pub last_error: Option<String>,
}

impl SubscriptionRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_subscription(self) -> Result<Subscription, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored subscription {id} is invalid: {error}"))
        };
        let trigger = match (self.stream, self.schedule) {
            (true, None) => Trigger::Stream,
            (false, Some(json)) => {
                let text: ScheduleText = serde_json::from_str(&json).map_err(|e| corrupt(&e))?;
                Trigger::Schedule(Schedule::parse(text).map_err(|e| corrupt(&e))?)
            }
            _ => return Err(corrupt(&"it must have either stream or a schedule")),
        };
        let delivered = match (self.last_record_time, self.last_sequence) {
            (Some(order_value), Some(sequence)) => Some(EventCursor {
                order_value,
                sequence,
            }),
            (None, None) => None,
            _ => return Err(corrupt(&"its cursor has a record time or a sequence alone")),
        };
        Ok(Subscription {
            id: SubscriptionId::from_uuid(id).map_err(|e| corrupt(&e))?,
            owner: OrganisationId::from_uuid(self.owner_id).map_err(|e| corrupt(&e))?,
            query_name: QueryName::parse(&self.query_name).map_err(|e| corrupt(&e))?,
            dest: self.dest,
            signature_token: self.signature_token,
            report_if_empty: self.report_if_empty,
            trigger,
            initial_record_time: self.initial_record_time,
            delivered,
            last_notified_at: self.last_notified_at,
            created_at: self.created_at,
            failures: u32::try_from(self.failures).map_err(|e| corrupt(&e))?,
            last_error: self.last_error,
        })
    }
}

/// The stored form of a trigger's schedule: the client's text as JSON, `None` for a stream.
pub fn schedule_json(trigger: &Trigger) -> Option<String> {
    match trigger {
        Trigger::Stream => None,
        // Serialising a struct of optional strings cannot fail.
        Trigger::Schedule(schedule) => serde_json::to_string(schedule.text()).ok(),
    }
}

/// The conflict both back ends report for a query name the owner already uses.
pub fn query_name_taken(name: &QueryName) -> StoreError {
    StoreError::Conflict {
        what: "query name",
        detail: format!("a query named {name} already exists"),
    }
}

/// The error both back ends report for a named query the owner does not have.
pub fn no_such_query(name: &QueryName) -> StoreError {
    StoreError::NotFound {
        what: "named query",
        id: name.to_string(),
    }
}

/// The error both back ends report for an unknown subscription.
pub fn no_such_subscription(id: SubscriptionId) -> StoreError {
    StoreError::NotFound {
        what: "subscription",
        id: id.to_string(),
    }
}

/// The longest `last_error` kept, so one verbose failure cannot bloat the row.
pub const MAX_SUBSCRIPTION_ERROR: usize = 1_000;

/// `error` cut to [`MAX_SUBSCRIPTION_ERROR`] characters.
pub fn subscription_error(error: &str) -> String {
    error.chars().take(MAX_SUBSCRIPTION_ERROR).collect()
}
