//! The EPCIS event query, already parsed: the web layer turns URL parameters into an
//! [`EventQuery`], the store answers it one page at a time. Only types and their small rules live
//! here; no parameter names and no SQL.

use time::OffsetDateTime;

use crate::{Action, DomainError, EventType, IdentifierRole, OrganisationId};

/// Largest page of events one query returns.
pub const MAX_PAGE: u32 = 10_000;

/// Which events to return, in what order, and which page.
///
/// Every `Option<Vec<_>>` filter is "no filter" when `None` and "any of these" when `Some`;
/// `Some(vec![])` matches nothing. Entries of `identifiers` and `fields` must all match (AND).
#[derive(Debug, Clone, PartialEq)]
pub struct EventQuery {
    /// Whose events: one organisation's, several (a partner's shared view) or everyone's (the
    /// province).
    pub owners: Owners,
    /// `eventType`.
    pub event_types: Option<Vec<EventType>>,
    /// `GE_eventTime` / `LT_eventTime`.
    pub event_time: TimeRange,
    /// `GE_recordTime` / `LT_recordTime`.
    pub record_time: TimeRange,
    /// `EQ_action`.
    pub actions: Option<Vec<Action>>,
    /// `EQ_bizStep`.
    pub biz_steps: Option<Vec<String>>,
    /// `EQ_disposition`.
    pub dispositions: Option<Vec<String>>,
    /// `EQ_readPoint`: exact ids.
    pub read_points: Option<Vec<String>>,
    /// `EQ_bizLocation`: exact ids.
    pub biz_locations: Option<Vec<String>>,
    /// `WD_readPoint`: each id or any descendant of it in the location hierarchy of the master
    /// data of the organisations in `owners`.
    pub read_points_within: Option<Vec<String>>,
    /// `WD_bizLocation`, as [`Self::read_points_within`].
    pub biz_locations_within: Option<Vec<String>>,
    /// `EQ_eventID`.
    pub event_ids: Option<Vec<String>>,
    /// `MATCH_*` parameters, all of which must match.
    pub identifiers: Vec<IdentifierMatch>,
    /// `EQ_`/`GT_`/`GE_`/`LT_`/`LE_`/`EXISTS_` on indexed fields, all of which must match.
    pub fields: Vec<FieldFilter>,
    /// `orderBy`.
    pub order_by: OrderBy,
    /// `orderDirection`.
    pub direction: Direction,
    /// Page size (`perPage`), clamped to `1..=MAX_PAGE` by [`Self::effective_limit`].
    pub limit: u32,
    /// Where the previous page ended (`nextPageToken`).
    pub after: Option<EventCursor>,
}

impl EventQuery {
    /// Page size when the client gives none.
    pub const DEFAULT_LIMIT: u32 = 100;

    /// Every event of `owners` (`None`: everyone's, `Some`: one organisation's), oldest event
    /// time first, a default page.
    pub fn new(owners: impl Into<Owners>) -> Self {
        Self {
            owners: owners.into(),
            event_types: None,
            event_time: TimeRange::default(),
            record_time: TimeRange::default(),
            actions: None,
            biz_steps: None,
            dispositions: None,
            read_points: None,
            biz_locations: None,
            read_points_within: None,
            biz_locations_within: None,
            event_ids: None,
            identifiers: Vec::new(),
            fields: Vec::new(),
            order_by: OrderBy::EventTime,
            direction: Direction::Ascending,
            limit: Self::DEFAULT_LIMIT,
            after: None,
        }
    }

    /// The page size a back end must use.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_PAGE)
    }
}

/// Whose events a query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owners {
    /// Every organisation's (the province).
    All,
    /// Only these organisations'; an empty list matches nothing (a partner nobody shares with).
    Only(Vec<OrganisationId>),
}

impl From<Option<OrganisationId>> for Owners {
    /// `None` is everyone, `Some` one organisation: how a key's reading scope has always read.
    fn from(owner: Option<OrganisationId>) -> Self {
        match owner {
            None => Self::All,
            Some(owner) => Self::Only(vec![owner]),
        }
    }
}

/// A half-open time range `[ge, lt)`; a missing bound is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Inclusive lower bound (`GE_`).
    pub ge: Option<OffsetDateTime>,
    /// Exclusive upper bound (`LT_`).
    pub lt: Option<OffsetDateTime>,
}

/// One `MATCH_*` parameter: the event must name, in one of `roles`, an identifier equal to one of
/// `exact` or starting with one of `prefixes` (wildcard patterns compile to prefixes).
///
/// Empty `roles` means any role; empty `exact` and `prefixes` together match nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierMatch {
    /// The roles the identifier may play (any of).
    pub roles: Vec<IdentifierRole>,
    /// Identifiers matched exactly.
    pub exact: Vec<String>,
    /// Identifier prefixes.
    pub prefixes: Vec<String>,
}

/// A condition on one indexed field, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFilter {
    /// The field name, as the EPCIS layer indexed it.
    pub name: String,
    /// What its value must satisfy.
    pub condition: FieldCondition,
}

/// What an indexed field's value must satisfy; an event matches if any of its fields of that
/// name does.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldCondition {
    /// The field is present, whatever its value (`EXISTS_`).
    Exists,
    /// Its text value is one of these (`EQ_` on a text field).
    TextIn(Vec<String>),
    /// Its numeric value compares so with this number.
    Number(Comparison, f64),
    /// Its time value compares so with this time.
    Time(Comparison, OffsetDateTime),
}

/// How a stored value must compare with the query's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Equal (`EQ_`).
    Eq,
    /// Greater than (`GT_`).
    Gt,
    /// Greater than or equal (`GE_`).
    Ge,
    /// Less than (`LT_`).
    Lt,
    /// Less than or equal (`LE_`).
    Le,
}

/// What events are ordered by; ties are broken by capture order, so the order is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderBy {
    /// `eventTime`.
    EventTime,
    /// `recordTime`.
    RecordTime,
}

/// Which way the order runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Oldest first.
    Ascending,
    /// Newest first.
    Descending,
}

/// Where a page ended: the order value (event time or record time) and store sequence of its
/// last event. The next page continues strictly after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventCursor {
    /// The last event's `eventTime` or `recordTime`, whichever the query orders by.
    pub order_value: OffsetDateTime,
    /// The last event's store sequence.
    pub sequence: i64,
}

impl EventCursor {
    /// Length of an encoded token: two big-endian `i64`s in lower-case hex.
    const TOKEN_LEN: usize = 32;

    /// The opaque, URL-safe token handed to clients as `nextPageToken`. Times keep microsecond
    /// precision, which is all either back end stores.
    pub fn encode(&self) -> String {
        let micros = (self.order_value.unix_timestamp_nanos() / 1_000) as i64;
        format!("{:016x}{:016x}", micros as u64, self.sequence as u64)
    }

    /// Reads a token made by [`Self::encode`].
    pub fn decode(token: &str) -> Result<Self, DomainError> {
        if token.len() != Self::TOKEN_LEN
            || !token
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(DomainError::EventCursorFormat);
        }
        let half = |range: std::ops::Range<usize>| {
            u64::from_str_radix(&token[range], 16).map_err(|_| DomainError::EventCursorFormat)
        };
        let micros = half(0..16)? as i64;
        let sequence = half(16..32)? as i64;
        let order_value = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .map_err(|_| DomainError::EventCursorFormat)?;
        Ok(Self {
            order_value,
            sequence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_foreign_tokens() {
        for cursor in [
            EventCursor {
                order_value: time::macros::datetime!(2026-03-01 07:15:00.123456 UTC),
                sequence: 42,
            },
            EventCursor {
                order_value: time::macros::datetime!(1960-01-01 00:00:00 UTC),
                sequence: i64::MAX,
            },
        ] {
            let token = cursor.encode();
            assert_eq!(token.len(), 32);
            assert_eq!(EventCursor::decode(&token), Ok(cursor));
        }
        for bad in ["", "xyz", &"0".repeat(31), &"G".repeat(32), &"F".repeat(32)] {
            assert_eq!(
                EventCursor::decode(bad),
                Err(DomainError::EventCursorFormat),
                "{bad}"
            );
        }
        // Far outside the range of an OffsetDateTime.
        let too_late = format!("{:016x}{:016x}", i64::MAX, 1);
        assert_eq!(
            EventCursor::decode(&too_late),
            Err(DomainError::EventCursorFormat)
        );
    }

    #[test]
    fn limits_are_clamped() {
        let mut query = EventQuery::new(None);
        assert_eq!(query.effective_limit(), EventQuery::DEFAULT_LIMIT);
        query.limit = 0;
        assert_eq!(query.effective_limit(), 1);
        query.limit = 1_000_000;
        assert_eq!(query.effective_limit(), MAX_PAGE);
    }
}
