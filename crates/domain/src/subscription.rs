//! Named queries and their subscriptions (EPCIS 2.0 §12): a query definition kept under a name
//! per organisation, and the webhooks that receive its results, on every capture (`stream`) or
//! at cron-like times (`schedule`).

use std::fmt;

use time::{Date, OffsetDateTime, Time};

use crate::{DomainError, EventCursor, OrganisationId, SubscriptionId};

/// The name of a stored query: 1 to [`QueryName::MAX_LEN`] characters that are unreserved in a
/// URL (`A-Z a-z 0-9 - . _ ~`), because it is a path segment of `/queries/{name}` and of the
/// `Location` header, which must not need encoding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryName(String);

impl QueryName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 128;

    /// Checks a name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
        if input.is_empty() || input.len() > Self::MAX_LEN || !input.chars().all(unreserved) {
            return Err(DomainError::QueryNameFormat {
                max: Self::MAX_LEN,
                found: input.chars().take(Self::MAX_LEN + 1).collect(),
            });
        }
        Ok(Self(input.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QueryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A query to store under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNamedQuery {
    /// The organisation it belongs to; names are unique per organisation.
    pub owner: OrganisationId,
    /// Its name.
    pub name: QueryName,
    /// The query parameters as a JSON object, already checked by the layer that parses them.
    pub definition: String,
}

/// A stored named query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedQuery {
    /// The organisation it belongs to.
    pub owner: OrganisationId,
    /// Its name.
    pub name: QueryName,
    /// The query parameters as a JSON object.
    pub definition: String,
    /// When it was stored.
    pub created_at: OffsetDateTime,
}

/// When a subscription's results are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Whenever newly captured events match (`stream: true`).
    Stream,
    /// At the times of a schedule.
    Schedule(Schedule),
}

/// A webhook subscription to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    /// The organisation subscribing, which owns the query.
    pub owner: OrganisationId,
    /// The named query whose results are sent.
    pub query_name: QueryName,
    /// The URL results are POSTed to.
    pub dest: String,
    /// The client's secret that signs each delivery (`GS1-Signature`), if it gave one.
    pub signature_token: Option<String>,
    /// Send a document even when no new event matches (schedules only).
    pub report_if_empty: bool,
    /// Stream or schedule.
    pub trigger: Trigger,
    /// Events recorded from this time on are sent, until the first delivery moves the cursor.
    pub initial_record_time: OffsetDateTime,
}

/// A stored subscription, with where its deliveries have got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id.
    pub id: SubscriptionId,
    /// The organisation subscribing.
    pub owner: OrganisationId,
    /// The named query whose results are sent.
    pub query_name: QueryName,
    /// The URL results are POSTed to.
    pub dest: String,
    /// The secret that signs each delivery.
    pub signature_token: Option<String>,
    /// Send a document even when no new event matches.
    pub report_if_empty: bool,
    /// Stream or schedule.
    pub trigger: Trigger,
    /// Events recorded from this time on are sent, until the first delivery moves the cursor.
    pub initial_record_time: OffsetDateTime,
    /// The last event delivered (record time and store sequence); later events are sent next.
    pub delivered: Option<EventCursor>,
    /// When the destination last accepted a delivery.
    pub last_notified_at: Option<OffsetDateTime>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Deliveries given up on since the last success.
    pub failures: u32,
    /// Why the last delivery given up on failed.
    pub last_error: Option<String>,
}

/// A schedule as the client wrote it: each field `*`, or a comma-separated list of numbers and
/// `[a-b]` ranges; a missing field is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleText {
    /// Seconds, 0 to 59.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second: Option<String>,
    /// Minutes, 0 to 59.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minute: Option<String>,
    /// Hours, 0 to 23.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hour: Option<String>,
    /// Days of the month, 1 to 31.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<String>,
    /// Months, 1 to 12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// Days of the week, 1 (Monday) to 7 (Sunday).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<String>,
}

/// A checked query schedule (EPCIS `QuerySchedule`), in UTC. A time matches when every field
/// matches it.
///
/// Fields finer than the finest one given default to their smallest value and the others to
/// any value, so `{hour: "1", minute: "5"}` fires once a day at 01:05:00, as the standard's
/// example intends, not sixty times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    text: ScheduleText,
    second: u64,
    minute: u64,
    hour: u64,
    day_of_month: u64,
    month: u64,
    day_of_week: u64,
}

/// How far ahead [`Schedule::next_after`] looks: long enough for any schedule that fires at all
/// (29 February on a Monday recurs within 28 years).
const SEARCH_DAYS: u32 = 366 * 29;

impl Schedule {
    /// Checks a schedule; at least one field must be given.
    pub fn parse(text: ScheduleText) -> Result<Self, DomainError> {
        let given = [
            text.second.is_some(),
            text.minute.is_some(),
            text.hour.is_some(),
            text.day_of_month.is_some() || text.day_of_week.is_some(),
            text.month.is_some(),
        ];
        let finest = given
            .iter()
            .position(|g| *g)
            .ok_or(DomainError::ScheduleEmpty)?;
        // Level (second 0 … month 4) of each field: finer than the finest given means its
        // smallest value, otherwise any.
        let field = |value: &Option<String>, name, level: usize, min: u32, max: u32| {
            let default = if level < finest { Some(min) } else { None };
            field_mask(value.as_deref(), name, min, max, default)
        };
        Ok(Self {
            second: field(&text.second, "second", 0, 0, 59)?,
            minute: field(&text.minute, "minute", 1, 0, 59)?,
            hour: field(&text.hour, "hour", 2, 0, 23)?,
            day_of_month: field(&text.day_of_month, "dayOfMonth", 3, 1, 31)?,
            month: field(&text.month, "month", 4, 1, 12)?,
            // Any weekday unless given: a day of the month already pins the day.
            day_of_week: field_mask(text.day_of_week.as_deref(), "dayOfWeek", 1, 7, None)?,
            text,
        })
    }

    /// The schedule as the client wrote it.
    pub fn text(&self) -> &ScheduleText {
        &self.text
    }

    /// The first whole second strictly after `after` that the schedule matches, or `None` when
    /// it never matches (such as 31 February).
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let after = after.to_offset(time::UtcOffset::UTC);
        let mut date = after.date();
        let mut from = after.time().hour() as u32 * 3_600
            + after.time().minute() as u32 * 60
            + after.time().second() as u32
            + 1;
        for _ in 0..SEARCH_DAYS {
            if self.matches_day(date)
                && let Some(time) = self.first_time_from(from)
            {
                return Some(date.with_time(time).assume_utc());
            }
            date = date.next_day()?;
            from = 0;
        }
        None
    }

    fn matches_day(&self, date: Date) -> bool {
        has(self.month, u8::from(date.month()) as u32)
            && has(self.day_of_month, date.day() as u32)
            && has(self.day_of_week, date.weekday().number_from_monday() as u32)
    }

    /// The first matching time of day at or after `from` seconds past midnight.
    fn first_time_from(&self, from: u32) -> Option<Time> {
        let (from_hour, from_minute, from_second) = (from / 3_600, from / 60 % 60, from % 60);
        for hour in (from_hour..24).filter(|h| has(self.hour, *h)) {
            let minute_start = if hour == from_hour { from_minute } else { 0 };
            for minute in (minute_start..60).filter(|m| has(self.minute, *m)) {
                let second_start = if hour == from_hour && minute == from_minute {
                    from_second
                } else {
                    0
                };
                if let Some(second) = (second_start..60).find(|s| has(self.second, *s)) {
                    return Time::from_hms(hour as u8, minute as u8, second as u8).ok();
                }
            }
        }
        None
    }
}

fn has(mask: u64, value: u32) -> bool {
    value < 64 && mask & (1 << value) != 0
}

/// The set of values a schedule field allows, as bits: `*` is all of `min..=max`, a missing field
/// is `default` (one value) or all, otherwise a comma-separated list of numbers and `[a-b]`
/// ranges.
fn field_mask(
    value: Option<&str>,
    field: &'static str,
    min: u32,
    max: u32,
    default: Option<u32>,
) -> Result<u64, DomainError> {
    let all = (min..=max).fold(0u64, |mask, v| mask | 1 << v);
    let Some(value) = value.map(str::trim) else {
        return Ok(default.map_or(all, |v| 1 << v));
    };
    if value == "*" {
        return Ok(all);
    }
    let bad = || DomainError::ScheduleField {
        field,
        min,
        max,
        found: value.chars().take(64).collect(),
    };
    let number = |text: &str| {
        text.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(bad)
    };
    let mut mask = 0u64;
    for element in value.split(',') {
        let element = element.trim();
        let (low, high) = match element
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            Some(range) => {
                let (low, high) = range.split_once('-').ok_or_else(bad)?;
                (number(low)?, number(high)?)
            }
            None => (number(element)?, number(element)?),
        };
        if low > high {
            return Err(bad());
        }
        mask |= (low..=high).fold(0u64, |mask, v| mask | 1 << v);
    }
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn schedule(json: &str) -> Result<Schedule, DomainError> {
        Schedule::parse(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn names_are_unreserved_url_characters() {
        assert_eq!(
            QueryName::parse("shrimp-2026_v1.x~").unwrap().as_str(),
            "shrimp-2026_v1.x~"
        );
        for bad in ["", "a b", "a/b", "tôm", &"x".repeat(129)] {
            let error = QueryName::parse(bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("query name: must be 1 to 128"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_standard_example_fires_once_a_day() {
        let daily = schedule(r#"{"hour": "1", "minute": "5"}"#).unwrap();
        let first = daily
            .next_after(datetime!(2026-03-01 00:00:00 UTC))
            .unwrap();
        assert_eq!(first, datetime!(2026-03-01 01:05:00 UTC));
        assert_eq!(
            daily.next_after(first),
            Some(datetime!(2026-03-02 01:05:00 UTC))
        );
    }

    #[test]
    fn lists_ranges_and_stars() {
        let every = schedule(r#"{"second": "*"}"#).unwrap();
        assert_eq!(
            every.next_after(datetime!(2026-03-01 23:59:59.5 UTC)),
            Some(datetime!(2026-03-02 00:00:00 UTC))
        );
        let quarter = schedule(r#"{"second": "0", "minute": "0,[15-15],30, 45"}"#).unwrap();
        assert_eq!(
            quarter.next_after(datetime!(2026-03-01 10:15:00 UTC)),
            Some(datetime!(2026-03-01 10:30:00 UTC))
        );
        let mondays = schedule(r#"{"dayOfWeek": "1", "hour": "[8-9]"}"#).unwrap();
        // 2026-03-01 is a Sunday.
        assert_eq!(
            mondays.next_after(datetime!(2026-03-01 12:00:00 UTC)),
            Some(datetime!(2026-03-02 08:00:00 UTC))
        );
        let never = schedule(r#"{"dayOfMonth": "31", "month": "2"}"#).unwrap();
        assert_eq!(never.next_after(datetime!(2026-03-01 00:00:00 UTC)), None);
    }

    #[test]
    fn bad_fields_are_named() {
        for (json, field) in [
            (r#"{"second": "60"}"#, "second"),
            (r#"{"hour": "[5-2]"}"#, "hour"),
            (r#"{"dayOfWeek": "0"}"#, "dayOfWeek"),
            (r#"{"minute": "1,,2"}"#, "minute"),
        ] {
            let error = schedule(json).unwrap_err().to_string();
            assert!(error.starts_with(&format!("schedule {field}: ")), "{error}");
        }
        assert_eq!(schedule("{}"), Err(DomainError::ScheduleEmpty));
        let text = ScheduleText {
            minute: Some("5".into()),
            ..ScheduleText::default()
        };
        assert_eq!(Schedule::parse(text.clone()).unwrap().text(), &text);
    }
}
