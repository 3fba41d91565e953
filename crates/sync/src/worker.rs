//! The worker: per target, take new outbox rows, claim what is due, push or check each
//! delivery, and record what came of it, with exponential backoff and jitter between retries.
//!
//! Exactly once: a delivery carries the same idempotency key on every attempt, so a target that
//! received a push whose answer was lost (a timeout, a crash before the outcome was recorded)
//! recognises the resend. A claim is a lease, so a crashed worker's deliveries come back to the
//! next one.

use std::sync::Arc;
use std::time::Duration;

use nguon_domain::{
    Bilingual, DeliveryOutcome, OrganisationId, PartnerId, Permission, SubjectKind, SyncDelivery,
    SyncStatus, TargetName,
};
use nguon_store::{Store, StoreError};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::adapter::{Adapter, Attempt};
use crate::config::{TargetConfig, WorkerSettings};
use crate::record::Record;

/// Outbox rows a target takes per look.
const FAN_OUT_PAGE: u32 = 500;
/// Deliveries claimed per look.
const CLAIM_PAGE: u32 = 10;

/// One target's worker.
pub struct Worker {
    store: Arc<dyn Store>,
    target: TargetName,
    adapter: Box<dyn Adapter>,
    audience: Audience,
    settings: WorkerSettings,
}

/// Whose records a target receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every organisation's.
    Everyone,
    /// These organisations'.
    Organisations(Vec<OrganisationId>),
    /// Those of organisations that share their data with this partner (a live read grant),
    /// asked again before every push so a revocation stops what is still queued.
    Partner(PartnerId),
}

impl Audience {
    /// The audience a target's configuration gives.
    pub fn of(target: &TargetConfig) -> Self {
        match (target.partner, target.organisations.is_empty()) {
            (Some(partner), _) => Self::Partner(partner),
            (None, true) => Self::Everyone,
            (None, false) => Self::Organisations(target.organisations.clone()),
        }
    }
}

impl Worker {
    /// A worker sending the records of `audience` from `store`'s outbox to `target` through
    /// `adapter`.
    pub fn new(
        store: Arc<dyn Store>,
        target: TargetName,
        adapter: Box<dyn Adapter>,
        audience: Audience,
        settings: WorkerSettings,
    ) -> Self {
        Self {
            store,
            target,
            adapter,
            audience,
            settings,
        }
    }

    /// Runs until `shutdown` turns true, pausing when there is nothing to do and after a store
    /// error (logged: the database may come back).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(target = %self.target, "sync worker started");
        while !*shutdown.borrow() {
            let pause = match self.step().await {
                Ok(0) => self.settings.poll,
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    tracing::warn!(target = %self.target, %error, "sync worker: store error");
                    self.settings.poll
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(target = %self.target, "sync worker stopped");
    }

    /// One look: takes new outbox rows, then handles every delivery due now; returns how many
    /// it handled.
    pub async fn step(&self) -> Result<usize, StoreError> {
        let (kinds, organisations) = match &self.audience {
            Audience::Everyone => (self.adapter.subjects(), Vec::new()),
            Audience::Organisations(listed) => (self.adapter.subjects(), listed.clone()),
            Audience::Partner(partner) => {
                let sharing = self
                    .store
                    .granting_organisations(*partner, Permission::Read)
                    .await?;
                // Nobody shares: the cursor still moves on, taking nothing.
                let kinds: &[SubjectKind] = if sharing.is_empty() {
                    &[]
                } else {
                    self.adapter.subjects()
                };
                (kinds, sharing)
            }
        };
        self.store
            .fan_out(&self.target, kinds, &organisations, FAN_OUT_PAGE)
            .await?;
        let claimed = self
            .store
            .claim_deliveries(
                &self.target,
                OffsetDateTime::now_utc(),
                self.settings.lease,
                CLAIM_PAGE,
            )
            .await?;
        for delivery in &claimed {
            self.handle(delivery).await?;
        }
        Ok(claimed.len())
    }

    async fn handle(&self, delivery: &SyncDelivery) -> Result<(), StoreError> {
        let attempt = match delivery.status {
            SyncStatus::Sent => self.adapter.check(delivery).await,
            _ if !self.still_shared(delivery).await? => Attempt::Refused(Bilingual::new(
                "tổ chức đã thu hồi quyền đọc dữ liệu của đối tác này; không gửi gì",
                "the organisation revoked this partner's read grant; nothing was sent",
            )),
            _ => match Record::load(self.store.as_ref(), delivery).await {
                Ok(record) => self.adapter.push(&record, &delivery.idempotency_key).await,
                Err(StoreError::NotFound { what, id }) => Attempt::Refused(Bilingual::new(
                    format!("không tìm thấy {what} {id} trong cơ sở dữ liệu"),
                    format!("{what} {id} is not in the database"),
                )),
                Err(error) => return Err(error),
            },
        };
        let outcome = self.outcome(delivery, attempt);
        let label = match &outcome {
            DeliveryOutcome::Accepted {
                confirmed: true, ..
            } => "confirmed",
            DeliveryOutcome::Accepted { .. } => "accepted",
            DeliveryOutcome::Retry { .. } => "retry",
            DeliveryOutcome::Failed { .. } => "failed",
        };
        metrics::counter!("nguon_sync_attempts_total", "target" => self.target.to_string(), "outcome" => label)
            .increment(1);
        if delivery.status == SyncStatus::Pending
            && matches!(outcome, DeliveryOutcome::Accepted { .. })
        {
            let lag = OffsetDateTime::now_utc() - delivery.created_at;
            metrics::histogram!("nguon_sync_lag_seconds", "target" => self.target.to_string())
                .record(lag.as_seconds_f64().max(0.0));
        }
        if let DeliveryOutcome::Failed { reason } | DeliveryOutcome::Retry { reason, .. } = &outcome
        {
            tracing::info!(target = %self.target, delivery = delivery.id, attempts = delivery.attempts, reason = %reason.en, "sync delivery not done");
        }
        self.store
            .record_delivery_outcome(delivery.id, &outcome)
            .await?;
        Ok(())
    }

    /// Whether the organisation of `delivery` still shares with the target's partner (always,
    /// for a target that is not a partner's).
    async fn still_shared(&self, delivery: &SyncDelivery) -> Result<bool, StoreError> {
        match &self.audience {
            Audience::Partner(partner) => {
                self.store
                    .is_granted(delivery.organisation, *partner, Permission::Read)
                    .await
            }
            _ => Ok(true),
        }
    }

    /// What to record for `attempt`: a transient failure is retried after a backoff until the
    /// attempts run out.
    fn outcome(&self, delivery: &SyncDelivery, attempt: Attempt) -> DeliveryOutcome {
        let now = OffsetDateTime::now_utc();
        match attempt {
            Attempt::Accepted {
                reference,
                confirmed,
            } => DeliveryOutcome::Accepted {
                remote_reference: reference,
                confirmed,
                check_at: now + self.settings.confirm_every,
            },
            Attempt::Refused(reason) => DeliveryOutcome::Failed { reason },
            Attempt::Transient(reason) if delivery.attempts >= self.settings.max_attempts => {
                let attempts = delivery.attempts;
                DeliveryOutcome::Failed {
                    reason: Bilingual::new(
                        format!(
                            "{} (đã thử {attempts} lần; hãy gửi lại khi đã khắc phục)",
                            reason.vi
                        ),
                        format!(
                            "{} (tried {attempts} times; retry once it is fixed)",
                            reason.en
                        ),
                    ),
                }
            }
            Attempt::Transient(reason) => DeliveryOutcome::Retry {
                reason,
                retry_at: now + backoff(&self.settings, delivery.attempts, jitter()),
            },
        }
    }
}

/// The wait before retry number `attempts`: doubling from the base up to the cap, then scaled by
/// `jitter` in `[0.5, 1)` so deliveries that failed together do not come back together.
pub fn backoff(settings: &WorkerSettings, attempts: u32, jitter: f64) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    let full = settings
        .retry_base
        .saturating_mul(1 << doublings)
        .min(settings.retry_cap);
    full.mul_f64(jitter.clamp(0.5, 1.0))
}

/// A random factor in `[0.5, 1)`.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    // Without randomness the backoff is merely unjittered, not wrong.
    let _ = getrandom::fill(&mut bytes);
    0.5 + f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_in_range() {
        let settings = WorkerSettings {
            poll: Duration::from_secs(1),
            retry_base: Duration::from_secs(5),
            retry_cap: Duration::from_secs(60),
            max_attempts: 10,
            confirm_every: Duration::from_secs(30),
            request_timeout: Duration::from_secs(5),
            lease: Duration::from_secs(60),
        };
        let full: Vec<u64> = (1..=6)
            .map(|n| backoff(&settings, n, 1.0).as_secs())
            .collect();
        assert_eq!(full, vec![5, 10, 20, 40, 60, 60]);
        assert_eq!(backoff(&settings, 2, 0.5), Duration::from_secs(5));
        assert_eq!(backoff(&settings, 40, 0.75), Duration::from_secs(45));
        for _ in 0..100 {
            let factor = jitter();
            assert!((0.5..=1.0).contains(&factor), "{factor}");
        }
    }
}
