//! The sync outbox and its deliveries: the [`SyncStore`] half of the store, and what both back
//! ends share to fill the outbox and read deliveries.
//!
//! Outbox rows are never written through this trait: each back end writes them in the
//! transaction of the change they report, from [`outbox_subject`] (for every audited change of
//! an organisation or a product) and [`event_runs`] (for captured events).

use std::time::Duration;

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, Bilingual, DeliveryOutcome, EVENTS_PER_OUTBOX_ROW, NewAuditEntry, NewEvent,
    OrganisationId, RecordId, RegistryKind, SubjectKind, SyncDelivery, SyncStatus, SyncSubject,
    SyncTotal, TargetName,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Largest page of [`SyncStore::list_deliveries`].
pub const MAX_DELIVERIES_PAGE: u32 = 500;

/// Which deliveries to list, newest change first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// Only this target's.
    pub target: Option<TargetName>,
    /// Only deliveries in this status.
    pub status: Option<SyncStatus>,
    /// Only this organisation's.
    pub organisation: Option<OrganisationId>,
    /// Only deliveries older than this id (the keyset cursor).
    pub before: Option<i64>,
    /// At most this many (clamped to `1..=MAX_DELIVERIES_PAGE`; 0 means the largest page).
    pub limit: u32,
}

impl DeliveryQuery {
    /// The page size a back end must use.
    pub fn fetch_limit(&self) -> i64 {
        match self.limit {
            0 => i64::from(MAX_DELIVERIES_PAGE),
            limit => i64::from(limit.min(MAX_DELIVERIES_PAGE)),
        }
    }
}

/// Deliveries to the national portal and partners. Every [`crate::Store`] is one.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Gives `target` a pending delivery, due now, for each outbox row after its cursor whose
    /// kind is in `kinds` and whose organisation is in `organisations` (any, when empty), at most
    /// `limit` rows per call, and moves its cursor past them, in one transaction; returns how
    /// many deliveries it added.
    async fn fan_out(
        &self,
        target: &TargetName,
        kinds: &[SubjectKind],
        organisations: &[OrganisationId],
        limit: u32,
    ) -> Result<u64, StoreError>;

    /// Claims for `lease` up to `limit` deliveries of `target` that are due at `now`, in the
    /// order of changes: pending ones not held back by an earlier pending change of their
    /// organisation's profile (a portal takes an organisation before its products and lots),
    /// and sent ones due for a confirmation check. Claiming counts an attempt; a claimed
    /// delivery is not claimed again until its lease ends or its outcome is recorded, so two
    /// workers never send the same change at once and a crashed worker's claims come back.
    async fn claim_deliveries(
        &self,
        target: &TargetName,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<SyncDelivery>, StoreError>;

    /// Records what an attempt came to and releases the claim.
    async fn record_delivery_outcome(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
    ) -> Result<SyncDelivery, StoreError>;

    /// Puts a failed delivery back in the queue, due now with its attempts reset, with an
    /// audit entry; a delivery that has not failed is a [`StoreError::Conflict`].
    async fn retry_delivery(&self, id: i64, actor: Actor) -> Result<SyncDelivery, StoreError>;

    /// One delivery, or [`StoreError::NotFound`].
    async fn sync_delivery(&self, id: i64) -> Result<SyncDelivery, StoreError>;

    /// The deliveries `query` selects, newest change first.
    async fn list_deliveries(&self, query: &DeliveryQuery)
    -> Result<Vec<SyncDelivery>, StoreError>;

    /// Per target and status: how many deliveries, and the oldest.
    async fn sync_totals(&self) -> Result<Vec<SyncTotal>, StoreError>;

    /// How many outbox rows `target` has not taken yet (all of them for a target never run).
    async fn outbox_backlog(&self, target: &TargetName) -> Result<u64, StoreError>;
}

/// The organisation and subject an audited change puts in the outbox: every change of an
/// organisation's profile, and every change of a product an organisation registered.
pub fn outbox_subject(entry: &NewAuditEntry) -> Option<(OrganisationId, SyncSubject)> {
    let organisation = entry.organisation?;
    match entry.action {
        AuditAction::OrganisationCreate
        | AuditAction::ApprovalStatus
        | AuditAction::CompanyPrefixAdd
        | AuditAction::OrganisationAddress
        | AuditAction::PersonalDataErase => Some((organisation, SyncSubject::Organisation)),
        AuditAction::RecordCreate(RegistryKind::Product)
        | AuditAction::RecordUpdate(RegistryKind::Product)
        | AuditAction::RecordStatus(RegistryKind::Product) => {
            let id = Uuid::parse_str(&entry.entity_id).ok()?;
            Some((
                organisation,
                SyncSubject::Product(RecordId::from_uuid(id).ok()?),
            ))
        }
        _ => None,
    }
}

/// The outbox rows of events numbered by capture sequence: per owner, runs of at most
/// [`EVENTS_PER_OUTBOX_ROW`] of its events, each as its first and last sequence.
pub fn event_runs(numbered: &[(i64, &NewEvent)]) -> Vec<(OrganisationId, SyncSubject)> {
    let mut owners: Vec<OrganisationId> = Vec::new();
    for (_, event) in numbered {
        if !owners.contains(&event.owner) {
            owners.push(event.owner);
        }
    }
    let mut runs = Vec::new();
    for owner in owners {
        let sequences: Vec<i64> = numbered
            .iter()
            .filter(|(_, event)| event.owner == owner)
            .map(|(sequence, _)| *sequence)
            .collect();
        for chunk in sequences.chunks(EVENTS_PER_OUTBOX_ROW) {
            runs.push((
                owner,
                SyncSubject::Events {
                    first: chunk[0],
                    last: chunk[chunk.len() - 1],
                },
            ));
        }
    }
    runs
}

/// The columns an outbox row stores for `subject`: the kind, the product's id, and the first
/// and last sequence of a run of events.
pub fn subject_columns(
    subject: &SyncSubject,
) -> (&'static str, Option<Uuid>, Option<i64>, Option<i64>) {
    match subject {
        SyncSubject::Organisation => ("organisation", None, None, None),
        SyncSubject::Product(id) => ("product", Some(id.as_uuid()), None, None),
        SyncSubject::Events { first, last } => ("events", None, Some(*first), Some(*last)),
    }
}

/// The columns of `sync_deliveries` joined with its outbox row, in the order of
/// [`DeliveryRow`], in SQL both back ends read; a query adds its `WHERE` and order.
pub const DELIVERY_SELECT: &str = "SELECT d.id, d.target, d.outbox_id, d.organisation_id, \
     o.subject_kind, o.record_id, o.first_sequence, o.last_sequence, d.status, \
     CAST(d.attempts AS BIGINT), \
     d.next_attempt_at, d.idempotency_key, d.remote_reference, d.reason_vi, d.reason_en, \
     d.created_at, d.sent_at, d.confirmed_at \
     FROM sync_deliveries d JOIN sync_outbox o ON o.id = d.outbox_id ";

/// One row of [`DELIVERY_SELECT`], as read, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    /// `d.id`.
    pub id: i64,
    /// `d.target`.
    pub target: String,
    /// `d.outbox_id`.
    pub outbox_id: i64,
    /// `d.organisation_id`.
    pub organisation: Uuid,
    /// `o.subject_kind`.
    pub subject_kind: String,
    /// `o.record_id`.
    pub record_id: Option<Uuid>,
    /// `o.first_sequence`.
    pub first_sequence: Option<i64>,
    /// `o.last_sequence`.
    pub last_sequence: Option<i64>,
    /// `d.status`.
    pub status: String,
    /// `d.attempts`.
    pub attempts: i64,
    /// `d.next_attempt_at`.
    pub next_attempt_at: OffsetDateTime,
    /// `d.idempotency_key`: `nguon-<target>-<outbox id>`, the same on every attempt and
    /// different for every target and change, so a target recognises a retry after a crash.
    pub idempotency_key: String,
    /// `d.remote_reference`.
    pub remote_reference: Option<String>,
    /// `d.reason_vi`.
    pub reason_vi: Option<String>,
    /// `d.reason_en`.
    pub reason_en: Option<String>,
    /// `d.created_at`.
    pub created_at: OffsetDateTime,
    /// `d.sent_at`.
    pub sent_at: Option<OffsetDateTime>,
    /// `d.confirmed_at`.
    pub confirmed_at: Option<OffsetDateTime>,
}

impl DeliveryRow {
    /// Checks every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_delivery(self) -> Result<SyncDelivery, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("sync delivery {id}: {error}"))
        };
        let subject = match (
            SubjectKind::parse(&self.subject_kind).map_err(|e| corrupt(&e))?,
            self.record_id,
            self.first_sequence,
            self.last_sequence,
        ) {
            (SubjectKind::Organisation, None, None, None) => SyncSubject::Organisation,
            (SubjectKind::Product, Some(record), None, None) => {
                SyncSubject::Product(RecordId::from_uuid(record).map_err(|e| corrupt(&e))?)
            }
            (SubjectKind::Events, None, Some(first), Some(last)) => {
                SyncSubject::Events { first, last }
            }
            (kind, ..) => {
                return Err(corrupt(&format!(
                    "{} with the wrong columns",
                    kind.as_str()
                )));
            }
        };
        let reason = match (self.reason_vi, self.reason_en) {
            (Some(vi), Some(en)) => Some(Bilingual { vi, en }),
            _ => None,
        };
        Ok(SyncDelivery {
            id,
            target: TargetName::parse(&self.target).map_err(|e| corrupt(&e))?,
            outbox_id: self.outbox_id,
            organisation: OrganisationId::from_uuid(self.organisation).map_err(|e| corrupt(&e))?,
            subject,
            status: SyncStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt(&e))?,
            next_attempt_at: self.next_attempt_at,
            idempotency_key: self.idempotency_key,
            remote_reference: self.remote_reference,
            reason,
            created_at: self.created_at,
            sent_at: self.sent_at,
            confirmed_at: self.confirmed_at,
        })
    }
}

/// The columns an outcome sets: status, next attempt, remote reference (kept when `None`),
/// reason, and whether it marks the delivery sent and confirmed now.
pub struct OutcomeColumns<'a> {
    /// The new status.
    pub status: SyncStatus,
    /// When the worker looks again (for a failed delivery, never on its own: far ahead).
    pub next_attempt_at: OffsetDateTime,
    /// The target's name for the record, when it gave one.
    pub remote_reference: Option<&'a str>,
    /// Why the attempt did not succeed; `None` clears an earlier reason.
    pub reason: Option<&'a Bilingual>,
    /// Whether the outcome accepted the record (sets `sent_at` if unset).
    pub sent: bool,
    /// Whether the outcome confirmed the record (sets `confirmed_at`).
    pub confirmed: bool,
}

impl<'a> OutcomeColumns<'a> {
    /// The columns `outcome` sets, recorded at `now`.
    pub fn of(outcome: &'a DeliveryOutcome, now: OffsetDateTime) -> Self {
        match outcome {
            DeliveryOutcome::Accepted {
                remote_reference,
                confirmed,
                check_at,
            } => Self {
                status: if *confirmed {
                    SyncStatus::Confirmed
                } else {
                    SyncStatus::Sent
                },
                next_attempt_at: if *confirmed { now } else { *check_at },
                remote_reference: remote_reference.as_deref(),
                reason: None,
                sent: true,
                confirmed: *confirmed,
            },
            DeliveryOutcome::Retry { reason, retry_at } => Self {
                status: SyncStatus::Pending,
                next_attempt_at: *retry_at,
                remote_reference: None,
                reason: Some(reason),
                sent: false,
                confirmed: false,
            },
            DeliveryOutcome::Failed { reason } => Self {
                status: SyncStatus::Failed,
                next_attempt_at: now,
                remote_reference: None,
                reason: Some(reason),
                sent: false,
                confirmed: false,
            },
        }
    }
}

/// The audit entry of a manual retry.
pub fn retry_audit(actor: Actor, before: &SyncDelivery, after: &SyncDelivery) -> NewAuditEntry {
    let snapshot = |delivery: &SyncDelivery| {
        json!({
            "target": delivery.target.as_str(),
            "subject": delivery.subject.kind().as_str(),
            "status": delivery.status.as_str(),
            "attempts": delivery.attempts,
            "reason": delivery.reason.as_ref().map(|reason| reason.en.clone()),
        })
    };
    NewAuditEntry {
        actor,
        action: AuditAction::SyncRetry,
        entity_id: before.id.to_string(),
        organisation: Some(before.organisation),
        before: Some(snapshot(before)),
        after: Some(snapshot(after)),
    }
}

/// The error for a retry of a delivery that has not failed.
pub fn not_failed(delivery: &SyncDelivery) -> StoreError {
    StoreError::Conflict {
        what: "sync delivery",
        detail: format!(
            "only a failed delivery can be retried; delivery {} is {}",
            delivery.id, delivery.status
        ),
    }
}

/// The error for a delivery that does not exist.
pub fn no_such_delivery(id: i64) -> StoreError {
    StoreError::NotFound {
        what: "sync delivery",
        id: id.to_string(),
    }
}
