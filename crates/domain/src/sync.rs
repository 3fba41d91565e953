//! Sending the province's records to the national portal and to partner EPCIS endpoints: what a
//! change to send is (an outbox subject), where one is going (a target) and how far it got (a
//! delivery and its status). The outbox row is written in the transaction of the change it
//! reports, so no acknowledged change is ever missing from the queue.

use std::fmt;

use time::OffsetDateTime;

use crate::{Bilingual, DomainError, OrganisationId, RecordId};

/// Most events one outbox row carries, so one delivery stays a reasonable request.
pub const EVENTS_PER_OUTBOX_ROW: usize = 500;

/// What changed and must be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncSubject {
    /// The organisation's profile (created, approved, its address or prefixes changed).
    Organisation,
    /// A product record (created, edited, its status changed).
    Product(RecordId),
    /// A run of captured events of the organisation, by capture sequence, both ends included;
    /// the lots they make or move travel with them.
    Events {
        /// The first sequence of the run.
        first: i64,
        /// The last sequence of the run.
        last: i64,
    },
}

impl SyncSubject {
    /// The stored name of the subject's kind.
    pub fn kind(&self) -> SubjectKind {
        match self {
            Self::Organisation => SubjectKind::Organisation,
            Self::Product(_) => SubjectKind::Product,
            Self::Events { .. } => SubjectKind::Events,
        }
    }
}

/// The kinds of [`SyncSubject`], as stored and as a target chooses what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectKind {
    /// [`SyncSubject::Organisation`].
    Organisation,
    /// [`SyncSubject::Product`].
    Product,
    /// [`SyncSubject::Events`].
    Events,
}

impl SubjectKind {
    /// Every kind, in the order a portal needs them.
    pub const ALL: [Self; 3] = [Self::Organisation, Self::Product, Self::Events];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Product => "product",
            Self::Events => "events",
        }
    }

    /// Reads a stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| DomainError::NotInList {
                field: "subject",
                allowed: "organisation, product, events".to_owned(),
                found: input.to_owned(),
            })
    }
}

/// How far a delivery got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SyncStatus {
    /// Not sent yet, or sent and refused for a reason that may pass (it will be tried again).
    Pending,
    /// Accepted by the target, which has not yet said it is done with it.
    Sent,
    /// The target says the record is in.
    Confirmed,
    /// Refused for a reason a person must fix, or out of attempts; waits for a manual retry.
    Failed,
}

impl SyncStatus {
    /// Every status, in the order a record moves through them.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Sent, Self::Confirmed, Self::Failed];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored or requested name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == input.trim())
            .ok_or_else(|| DomainError::NotInList {
                field: "status",
                allowed: "pending, sent, confirmed, failed".to_owned(),
                found: input.to_owned(),
            })
    }
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A target's name as configured ("most", "buyer-acme"): lowercase letters, digits and `-`,
/// 1 to 40 characters, because it is stored with every delivery and appears in metrics labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetName(String);

impl TargetName {
    /// Checks a configured name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let valid = (1..=40).contains(&input.len())
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::CodeSyntax {
                field: "sync target name",
                rule: "must be 1 to 40 lowercase letters, digits or '-'",
                found: input.to_owned(),
            })
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TargetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One outbox row on its way to one target.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncDelivery {
    /// The delivery's id.
    pub id: i64,
    /// Where it goes.
    pub target: TargetName,
    /// The outbox row: the order of changes.
    pub outbox_id: i64,
    /// Whose record it is.
    pub organisation: OrganisationId,
    /// What it carries.
    pub subject: SyncSubject,
    /// How far it got.
    pub status: SyncStatus,
    /// Attempts so far (a push or a confirmation check).
    pub attempts: u32,
    /// When the worker looks at it next (pending: push; sent: check).
    pub next_attempt_at: OffsetDateTime,
    /// The key the target deduplicates on, the same on every attempt.
    pub idempotency_key: String,
    /// What the target called it (its id, or the capture job to check).
    pub remote_reference: Option<String>,
    /// Why the last attempt did not succeed, for people.
    pub reason: Option<Bilingual>,
    /// When the change was recorded.
    pub created_at: OffsetDateTime,
    /// When the target accepted it.
    pub sent_at: Option<OffsetDateTime>,
    /// When the target confirmed it.
    pub confirmed_at: Option<OffsetDateTime>,
}

/// What one attempt at a delivery came to, as the worker records it.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    /// Accepted; `confirmed` when the target already says it is in, otherwise checked again at
    /// `check_at`.
    Accepted {
        /// The target's name for the record.
        remote_reference: Option<String>,
        /// Whether the target already confirmed it.
        confirmed: bool,
        /// When to check a record not yet confirmed.
        check_at: OffsetDateTime,
    },
    /// Not done for a reason that may pass; tried again at `retry_at`.
    Retry {
        /// Why.
        reason: Bilingual,
        /// When.
        retry_at: OffsetDateTime,
    },
    /// Refused for a reason a person must fix (or out of attempts).
    Failed {
        /// Why.
        reason: Bilingual,
    },
}

/// How many deliveries of one target are in one status, and the oldest of them.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncTotal {
    /// The target.
    pub target: TargetName,
    /// The status.
    pub status: SyncStatus,
    /// How many.
    pub count: u64,
    /// When the oldest of them was recorded.
    pub oldest: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_ones_are_refused() {
        for kind in SubjectKind::ALL {
            assert_eq!(SubjectKind::parse(kind.as_str()).unwrap(), kind);
        }
        for status in SyncStatus::ALL {
            assert_eq!(SyncStatus::parse(status.as_str()).unwrap(), status);
        }
        assert!(SyncStatus::parse("done").is_err());
        assert_eq!(
            TargetName::parse("most-portal").unwrap().as_str(),
            "most-portal"
        );
        for bad in ["", "MOST", "a b", &"x".repeat(41)] {
            let error = TargetName::parse(bad).unwrap_err().to_string();
            assert!(error.contains("sync target name"), "{error}");
        }
    }
}
