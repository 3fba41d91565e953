//! The figures behind the Plan 140 dashboard: the [`PlanStore`] half of the store. Every method
//! is one aggregate query, so the dashboard costs the same few statements whether the store holds
//! a hundred events or a million; turning the counts into indicators is the caller's job.

use async_trait::async_trait;
use nguon_domain::{Action, ApprovalStatus, EventType, OrganisationId, OrganisationKind};
use time::OffsetDateTime;

use crate::StoreError;

/// How many organisations of one kind and status use GS1 keys and record events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationTally {
    /// Their kind.
    pub kind: OrganisationKind,
    /// Their approval status.
    pub status: ApprovalStatus,
    /// Whether they hold a GS1 company prefix or registered a product (which carries a GTIN).
    pub uses_gs1: bool,
    /// Whether they own an event that happened at or after the `active_since` asked for.
    pub active: bool,
    /// How many organisations.
    pub count: u64,
}

/// What organisations are counted under besides their kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// The catalogue group of their products: an organisation counts once under each group it
    /// has a product in.
    ProductGroup,
    /// The commune of the organisation's own address; one without an address counts once under
    /// each commune it has a facility in.
    Commune,
}

impl Dimension {
    /// Both dimensions.
    pub const ALL: [Self; 2] = [Self::ProductGroup, Self::Commune];
}

/// How many organisations fall under one value of a [`Dimension`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionTally {
    /// The value: a product-group code or a commune code.
    pub key: String,
    /// Organisations registered under it, whatever their status.
    pub registered: u64,
    /// Those of them that are approved.
    pub approved: u64,
}

/// The events of one organisation that share one shape (type, action, business step): what a
/// chain template's stage is recognised by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeTally {
    /// The organisation that owns them.
    pub owner: OrganisationId,
    /// Its kind, which tells apart stages of the same shape (a farm's receiving from a plant's).
    pub owner_kind: OrganisationKind,
    /// The event type.
    pub event_type: EventType,
    /// The action (none for transformations).
    pub action: Option<Action>,
    /// The business step, as stored.
    pub biz_step: Option<String>,
    /// How many events.
    pub events: u64,
    /// How many distinct lots (class-level identifiers in the `epc_class` and `output_class`
    /// roles) they name.
    pub lots: u64,
    /// When the latest of them happened.
    pub last_event_time: OffsetDateTime,
}

/// The Plan 140 aggregates. Every [`crate::Store`] is one.
#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Organisations counted by kind, status, GS1 use and activity since `active_since`.
    async fn organisation_tallies(
        &self,
        active_since: OffsetDateTime,
    ) -> Result<Vec<OrganisationTally>, StoreError>;

    /// Organisations counted under each value of `dimension`, by value.
    async fn organisations_by(
        &self,
        dimension: Dimension,
    ) -> Result<Vec<DimensionTally>, StoreError>;

    /// Events counted per owner and shape, with the lots they name and their latest time.
    async fn event_shapes(&self) -> Result<Vec<ShapeTally>, StoreError>;

    /// The pilot chains each organisation's products follow, as (organisation, chain id) pairs,
    /// each pair once.
    async fn product_chains(&self) -> Result<Vec<(OrganisationId, String)>, StoreError>;
}

/// Reads a count column; a negative count means corrupt data.
pub fn count_of(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Internal(format!("negative count {value}")))
}

/// Parses the text columns of an [`OrganisationTally`]; a failure means corrupt data.
pub fn organisation_tally(
    kind: &str,
    status: &str,
    uses_gs1: bool,
    active: bool,
    count: i64,
) -> Result<OrganisationTally, StoreError> {
    let corrupt = |error: nguon_domain::DomainError| {
        StoreError::Internal(format!("stored organisation is invalid: {error}"))
    };
    Ok(OrganisationTally {
        kind: OrganisationKind::parse(kind).map_err(corrupt)?,
        status: ApprovalStatus::parse(status).map_err(corrupt)?,
        uses_gs1,
        active,
        count: count_of(count)?,
    })
}

/// The columns of a [`ShapeTally`] as read, before they are checked.
#[derive(Debug, Clone)]
pub struct ShapeRow {
    /// `owner_id`.
    pub owner: uuid::Uuid,
    /// `organisations.kind`.
    pub owner_kind: String,
    /// `event_type`.
    pub event_type: String,
    /// `action`.
    pub action: Option<String>,
    /// `biz_step`.
    pub biz_step: Option<String>,
    /// The event count.
    pub events: i64,
    /// The lot count.
    pub lots: i64,
    /// The latest event time.
    pub last_event_time: OffsetDateTime,
}

impl ShapeRow {
    /// Parses every column; a failure means corrupt data.
    pub fn into_tally(self) -> Result<ShapeTally, StoreError> {
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!(
                "stored event of {} is invalid: {error}",
                self.owner
            ))
        };
        Ok(ShapeTally {
            owner: OrganisationId::from_uuid(self.owner).map_err(|e| corrupt(&e))?,
            owner_kind: OrganisationKind::parse(&self.owner_kind).map_err(|e| corrupt(&e))?,
            event_type: EventType::parse(&self.event_type).map_err(|e| corrupt(&e))?,
            action: self
                .action
                .as_deref()
                .map(Action::parse)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            biz_step: self.biz_step.clone(),
            events: count_of(self.events)?,
            lots: count_of(self.lots)?,
            last_event_time: self.last_event_time,
        })
    }
}

/// Parses a (organisation, chain) pair; a failure means corrupt data.
pub fn product_chain(
    organisation: uuid::Uuid,
    chain: String,
) -> Result<(OrganisationId, String), StoreError> {
    let organisation = OrganisationId::from_uuid(organisation).map_err(|error| {
        StoreError::Internal(format!("stored product owner is invalid: {error}"))
    })?;
    Ok((organisation, chain))
}
