//! Stored data-quality scores: the [`QualityStore`] half of the store, so `/quality` sums up
//! every lot's score without walking a genealogy per lot, and the row type both back ends read
//! scores into.

use async_trait::async_trait;
use nguon_domain::{LotQuality, OrganisationId, OrganisationQuality, QualityScore};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Largest page of [`QualityStore::lowest_lot_qualities`] and [`QualityStore::lot_identifiers`].
pub const MAX_QUALITY_PAGE: u32 = 1_000;

/// Lots' scores, one row per lot, replaced when the lot is scored again. Every
/// [`crate::Store`] is one.
#[async_trait]
pub trait QualityStore: Send + Sync {
    /// Stores a lot's score, replacing the one before. An organisation that does not exist is
    /// [`StoreError::NotFound`].
    async fn save_lot_quality(&self, lot: &LotQuality) -> Result<(), StoreError>;

    /// A lot's stored score (identifier in index form), if it was ever scored.
    async fn lot_quality(&self, identifier: &str) -> Result<Option<LotQuality>, StoreError>;

    /// Stored scores, lowest first (then by identifier), of `organisation`'s lots or of every
    /// lot for `None`, at most `limit` (clamped to `1..=MAX_QUALITY_PAGE`).
    async fn lowest_lot_qualities(
        &self,
        organisation: Option<OrganisationId>,
        limit: u32,
    ) -> Result<Vec<LotQuality>, StoreError>;

    /// Per organisation with scored lots: how many, their mean and lowest score, the lowest
    /// lot and the oldest computation. Lowest mean first.
    async fn quality_by_organisation(&self) -> Result<Vec<OrganisationQuality>, StoreError>;

    /// The lot identifiers (class level: GTIN and lot, index form) stored events name, in
    /// ascending order after `after`, at most `limit` (clamped to `1..=MAX_QUALITY_PAGE`): what
    /// a full refresh walks through.
    async fn lot_identifiers(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;
}

/// `limit` clamped to a quality page.
pub fn quality_page(limit: u32) -> u32 {
    limit.clamp(1, MAX_QUALITY_PAGE)
}

/// The JSON kept in the `breakdown` column: the whole [`QualityScore`].
pub fn breakdown_json(score: &QualityScore) -> Result<String, StoreError> {
    serde_json::to_string(score)
        .map_err(|error| StoreError::Internal(format!("a score could not be written: {error}")))
}

/// A `lot_quality` row as both back ends read it.
#[derive(Debug)]
pub struct LotQualityRecord {
    /// `identifier`.
    pub identifier: String,
    /// `organisation_id`.
    pub organisation_id: Option<Uuid>,
    /// `breakdown`.
    pub breakdown: String,
    /// `computed_at`.
    pub computed_at: OffsetDateTime,
}

impl LotQualityRecord {
    /// The typed score; a row that does not read back is an internal error.
    pub fn into_lot_quality(self) -> Result<LotQuality, StoreError> {
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!(
                "stored score of {} is invalid: {error}",
                self.identifier
            ))
        };
        let score: QualityScore = serde_json::from_str(&self.breakdown).map_err(|e| corrupt(&e))?;
        let organisation = self
            .organisation_id
            .map(OrganisationId::from_uuid)
            .transpose()
            .map_err(|e| corrupt(&e))?;
        Ok(LotQuality {
            identifier: self.identifier,
            organisation,
            score,
            computed_at: self.computed_at,
        })
    }
}

/// A row of [`QualityStore::quality_by_organisation`] as both back ends read it.
#[derive(Debug)]
pub struct OrganisationQualityRecord {
    /// `organisation_id`.
    pub organisation_id: Option<Uuid>,
    /// `count(*)`.
    pub lots: i64,
    /// `avg(score)`.
    pub mean: f64,
    /// `min(score)`.
    pub lowest: i64,
    /// The identifier of the lowest lot.
    pub worst: String,
    /// `min(computed_at)`.
    pub oldest: OffsetDateTime,
}

impl OrganisationQualityRecord {
    /// The typed row; values out of range are an internal error.
    pub fn into_organisation_quality(self) -> Result<OrganisationQuality, StoreError> {
        let corrupt =
            |error: &dyn std::fmt::Display| StoreError::Internal(format!("stored scores: {error}"));
        Ok(OrganisationQuality {
            organisation: self
                .organisation_id
                .map(OrganisationId::from_uuid)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            lots: u64::try_from(self.lots).map_err(|e| corrupt(&e))?,
            mean: self.mean,
            lowest: u8::try_from(self.lowest).map_err(|e| corrupt(&e))?,
            worst: self.worst,
            oldest: self.oldest,
        })
    }
}
