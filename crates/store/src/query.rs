//! Shared rules for answering event queries and resource listings, so both back ends build the
//! same pages from their rows.

use nguon_domain::{EventCursor, EventId, EventQuery, OrderBy, OrganisationId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{EventPage, QueriedEvent, StoreError};

/// Deepest level of the location hierarchy `WD_` queries descend: deep enough for any real
/// site (province, site, building, room, shelf…), and a bound if master data holds a cycle.
pub const MAX_HIERARCHY_DEPTH: i64 = 32;

/// The least string greater than every string that starts with `prefix`, in code point order
/// (byte order of UTF-8, which is how both back ends compare identifiers); `None` when there is
/// none (an empty prefix, or one made only of U+10FFFF). `identifier >= prefix AND identifier <
/// bound` is then a prefix match that a B-tree index serves as one range.
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            // Surrogates are not chars: the next one after U+D7FF is U+E000.
            '\u{D7FF}' => Some('\u{E000}'),
            '\u{10FFFF}' => None,
            other => char::from_u32(u32::from(other) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Rows fetched for one page: one more than the page, to learn whether another follows.
pub fn event_fetch_limit(query: &EventQuery) -> i64 {
    i64::from(query.effective_limit()) + 1
}

/// Builds the page from up to [`event_fetch_limit`] events in the query's order.
pub fn event_page(query: &EventQuery, mut events: Vec<QueriedEvent>) -> EventPage {
    let limit = query.effective_limit() as usize;
    let next = if events.len() > limit {
        events.truncate(limit);
        events.last().map(|last| EventCursor {
            order_value: match query.order_by {
                OrderBy::EventTime => last.event_time,
                OrderBy::RecordTime => last.record_time,
            },
            sequence: last.sequence,
        })
    } else {
        None
    };
    EventPage { events, next }
}

/// One row of a query result, as read, before any check.
#[derive(Debug, Clone)]
pub struct QueriedEventRecord {
    /// `sequence`.
    pub sequence: i64,
    /// `owner_id`.
    pub owner_id: Uuid,
    /// `event_id`.
    pub event_id: String,
    /// `record_time`.
    pub record_time: OffsetDateTime,
    /// `event_time`.
    pub event_time: OffsetDateTime,
    /// `document`.
    pub document: String,
}

impl QueriedEventRecord {
    /// Parses the columns; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_queried_event(self) -> Result<QueriedEvent, StoreError> {
        let sequence = self.sequence;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored event {sequence} is invalid: {error}"))
        };
        Ok(QueriedEvent {
            sequence,
            owner: OrganisationId::from_uuid(self.owner_id).map_err(|e| corrupt(&e))?,
            event_id: EventId::parse(&self.event_id).map_err(|e| corrupt(&e))?,
            record_time: self.record_time,
            event_time: self.event_time,
            document: self.document,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bounds_end_every_string_with_the_prefix() {
        assert_eq!(
            prefix_upper_bound("urn:epc:id:sgtin:0614141.").as_deref(),
            Some("urn:epc:id:sgtin:0614141/")
        );
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(
            prefix_upper_bound("x\u{D7FF}").as_deref(),
            Some("x\u{E000}")
        );
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        let bound = prefix_upper_bound("abc").unwrap();
        for inside in ["abc", "abc\u{10FFFF}\u{10FFFF}", "abcz"] {
            assert!(inside < bound.as_str(), "{inside}");
        }
        assert!("abd" >= bound.as_str());
    }
}
