//! Recall records: the [`RecallStore`] half of the store, and the row types both back ends read
//! recalls into.

use async_trait::async_trait;
use nguon_domain::{
    ApiKeyId, DomainError, NewRecall, OrganisationId, Recall, RecallId, RecallReason, RecallRole,
    RecallStatus, RecalledLot,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Largest page of [`RecallStore::list_recalls`].
pub const MAX_RECALLS_PAGE: u32 = 500;

/// Recalls, their lots and their status. Every [`crate::Store`] is one.
#[async_trait]
pub trait RecallStore: Send + Sync {
    /// Stores a recall as `open` with its lots, all or nothing. An id already used is a
    /// [`StoreError::Conflict`]; a lot held by an organisation that does not exist is
    /// [`StoreError::NotFound`].
    async fn create_recall(&self, new: &NewRecall) -> Result<Recall, StoreError>;

    /// One recall, or [`StoreError::NotFound`].
    async fn recall(&self, id: RecallId) -> Result<Recall, StoreError>;

    /// The identifiers of a recall in the drill's order, affected first; an unknown recall is
    /// [`StoreError::NotFound`].
    async fn recall_lots(&self, id: RecallId) -> Result<Vec<RecalledLot>, StoreError>;

    /// Recalls with `status` (any when `None`) that name a lot held by `concerning` (any when
    /// `None`), newest first, at most `limit` (clamped to `1..=MAX_RECALLS_PAGE`).
    async fn list_recalls(
        &self,
        status: Option<RecallStatus>,
        concerning: Option<OrganisationId>,
        limit: u32,
    ) -> Result<Vec<Recall>, StoreError>;

    /// Moves a recall to `status`, recording `by` and the time, if `status` is the next step:
    /// checked and written in one statement. Any other change is a [`StoreError::Conflict`]
    /// naming the rule; an unknown recall is [`StoreError::NotFound`].
    async fn set_recall_status(
        &self,
        id: RecallId,
        status: RecallStatus,
        by: ApiKeyId,
    ) -> Result<Recall, StoreError>;

    /// The recalls not yet closed that name `identifier` (index form) as affected, newest
    /// first: what a public page asks to show a recall notice.
    async fn active_recalls_naming(&self, identifier: &str) -> Result<Vec<Recall>, StoreError>;
}

/// The conflict every back end reports for a status change that is not the next step.
pub fn recall_status_conflict(from: RecallStatus, to: RecallStatus) -> StoreError {
    let rule = DomainError::RecallStatusTransition { from, to };
    StoreError::Conflict {
        what: "recall status",
        detail: rule
            .to_string()
            .trim_start_matches("recall status: ")
            .to_owned(),
    }
}

/// The `NotFound` every back end reports for an unknown recall.
pub fn no_such_recall(id: RecallId) -> StoreError {
    StoreError::NotFound {
        what: "recall",
        id: id.to_string(),
    }
}

/// The columns of the row a status change stamps: when and by whom.
pub fn status_columns(status: RecallStatus) -> Option<(&'static str, &'static str)> {
    match status {
        RecallStatus::Open => None,
        RecallStatus::Notified => Some(("notified_at", "notified_by")),
        RecallStatus::Closed => Some(("closed_at", "closed_by")),
    }
}

/// One row of `recalls` with its lot count, as read, before any check.
#[derive(Debug, Clone)]
pub struct RecallRecord {
    /// `id`.
    pub id: Uuid,
    /// `reason`.
    pub reason: String,
    /// `start_identifier`.
    pub start: String,
    /// `status`.
    pub status: String,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `created_by`.
    pub created_by: Uuid,
    /// `notified_at`.
    pub notified_at: Option<OffsetDateTime>,
    /// `notified_by`.
    pub notified_by: Option<Uuid>,
    /// `closed_at`.
    pub closed_at: Option<OffsetDateTime>,
    /// `closed_by`.
    pub closed_by: Option<Uuid>,
    /// The number of `recall_lots` rows.
    pub lot_count: i64,
}

impl RecallRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_recall(self) -> Result<Recall, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored recall {id} is invalid: {error}"))
        };
        let key = |uuid: Option<Uuid>| {
            uuid.map(ApiKeyId::from_uuid)
                .transpose()
                .map_err(|e| corrupt(&e))
        };
        Ok(Recall {
            id: RecallId::from_uuid(id).map_err(|e| corrupt(&e))?,
            reason: RecallReason::parse(&self.reason).map_err(|e| corrupt(&e))?,
            start: self.start,
            status: RecallStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            created_by: ApiKeyId::from_uuid(self.created_by).map_err(|e| corrupt(&e))?,
            notified_at: self.notified_at,
            notified_by: key(self.notified_by)?,
            closed_at: self.closed_at,
            closed_by: key(self.closed_by)?,
            lot_count: u32::try_from(self.lot_count).map_err(|e| corrupt(&e))?,
        })
    }
}

/// One row of `recall_lots`, as read, before any check.
#[derive(Debug, Clone)]
pub struct RecalledLotRecord {
    /// `identifier`.
    pub identifier: String,
    /// `role`.
    pub role: String,
    /// `kind`.
    pub kind: String,
    /// `organisation_id`.
    pub organisation_id: Option<Uuid>,
    /// `quantity`.
    pub quantity: Option<f64>,
    /// `uom`.
    pub uom: Option<String>,
}

impl RecalledLotRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_lot(self) -> Result<RecalledLot, StoreError> {
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!(
                "stored recall lot {} is invalid: {error}",
                self.identifier
            ))
        };
        Ok(RecalledLot {
            role: RecallRole::parse(&self.role).map_err(|e| corrupt(&e))?,
            organisation: self
                .organisation_id
                .map(OrganisationId::from_uuid)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            identifier: self.identifier,
            kind: self.kind,
            quantity: self.quantity,
            uom: self.uom,
        })
    }
}

/// The page size a back end must use for [`RecallStore::list_recalls`].
pub fn recalls_page(limit: u32) -> i64 {
    i64::from(limit.clamp(1, MAX_RECALLS_PAGE))
}
