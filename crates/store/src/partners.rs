//! Partner systems and grants: the [`PartnerStore`] half of the store, and what both back ends
//! share to read and audit them.

use async_trait::async_trait;
use nguon_domain::{
    Actor, ApiKey, AuditAction, CaptureJob, CaptureJobId, Grant, GrantId, NewAuditEntry,
    NewPartner, OrganisationId, Partner, PartnerId, PartnerKind, PartnerStatus, Permission,
    RecordName,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Partner systems the province registers, their keys and capture jobs, and the grants
/// organisations give them. Every [`crate::Store`] is one.
#[async_trait]
pub trait PartnerStore: Send + Sync {
    /// Registers a partner system as active, with its audit entry, in one transaction. A name
    /// another partner has is a [`StoreError::Conflict`].
    async fn create_partner(&self, new: &NewPartner, actor: Actor) -> Result<Partner, StoreError>;

    /// One partner, or [`StoreError::NotFound`].
    async fn partner(&self, id: PartnerId) -> Result<Partner, StoreError>;

    /// Every partner, by name.
    async fn list_partners(&self) -> Result<Vec<Partner>, StoreError>;

    /// Suspends or reinstates a partner, with its audit entry. Asking for the status it has
    /// changes nothing and writes no entry; an unknown partner is [`StoreError::NotFound`].
    async fn set_partner_status(
        &self,
        id: PartnerId,
        status: PartnerStatus,
        actor: Actor,
    ) -> Result<Partner, StoreError>;

    /// The partner's API keys, revoked ones included, oldest first.
    async fn list_partner_api_keys(&self, partner: PartnerId) -> Result<Vec<ApiKey>, StoreError>;

    /// Records that `organisation` gives `partner` `permission`, with its audit entry under the
    /// organisation, in one transaction. An unknown organisation or partner is
    /// [`StoreError::NotFound`]; a permission the partner's kind may not hold is
    /// [`StoreError::Domain`]; a live grant of the same permission is a [`StoreError::Conflict`].
    async fn create_grant(
        &self,
        organisation: OrganisationId,
        partner: PartnerId,
        permission: Permission,
        actor: Actor,
    ) -> Result<Grant, StoreError>;

    /// Revokes a grant of `organisation` and returns it, with its audit entry; revoking it again
    /// keeps the first time and writes nothing. A grant that does not exist, or that another
    /// organisation gave, is [`StoreError::NotFound`].
    async fn revoke_grant(
        &self,
        organisation: OrganisationId,
        id: GrantId,
        actor: Actor,
    ) -> Result<Grant, StoreError>;

    /// The grants `filter` lets through, newest first.
    async fn list_grants(&self, filter: &GrantFilter) -> Result<Vec<Grant>, StoreError>;

    /// The capture jobs `partner` started, newest first, older than `after`, at most `limit`
    /// (clamped to `1..=MAX_CAPTURE_JOBS_PAGE`).
    async fn list_partner_capture_jobs(
        &self,
        partner: PartnerId,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError>;

    /// The organisations whose live grants give `partner` `permission`: whose events a partner's
    /// query reads. Asked on every request, so a revocation takes effect on the next one.
    async fn granting_organisations(
        &self,
        partner: PartnerId,
        permission: Permission,
    ) -> Result<Vec<OrganisationId>, StoreError> {
        let grants = self
            .list_grants(&GrantFilter {
                partner: Some(partner),
                permission: Some(permission),
                live_only: true,
                ..GrantFilter::default()
            })
            .await?;
        Ok(grants.into_iter().map(|grant| grant.organisation).collect())
    }

    /// Whether `organisation` has a live grant giving `partner` `permission`.
    async fn is_granted(
        &self,
        organisation: OrganisationId,
        partner: PartnerId,
        permission: Permission,
    ) -> Result<bool, StoreError> {
        let grants = self
            .list_grants(&GrantFilter {
                organisation: Some(organisation),
                partner: Some(partner),
                permission: Some(permission),
                live_only: true,
            })
            .await?;
        Ok(!grants.is_empty())
    }
}

/// Which grants [`PartnerStore::list_grants`] returns; every filter is optional and they
/// combine with AND.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GrantFilter {
    /// Only grants this organisation gave.
    pub organisation: Option<OrganisationId>,
    /// Only grants given to this partner.
    pub partner: Option<PartnerId>,
    /// Only grants of this permission.
    pub permission: Option<Permission>,
    /// Only grants not revoked.
    pub live_only: bool,
}

/// The `NotFound` every back end reports for an unknown partner.
pub fn no_such_partner(id: PartnerId) -> StoreError {
    StoreError::NotFound {
        what: "partner",
        id: id.to_string(),
    }
}

/// The `NotFound` every back end reports for an unknown grant (or another organisation's).
pub fn no_such_grant(id: GrantId) -> StoreError {
    StoreError::NotFound {
        what: "grant",
        id: id.to_string(),
    }
}

/// The conflict every back end reports for a partner name already registered.
pub fn partner_name_taken(name: &RecordName) -> StoreError {
    StoreError::Conflict {
        what: "name",
        detail: format!("a partner named {name} is already registered"),
    }
}

/// The conflict every back end reports for a permission already granted and not revoked.
pub fn grant_already_live(partner: &Partner, permission: Permission) -> StoreError {
    StoreError::Conflict {
        what: "permission",
        detail: format!(
            "{} already holds {permission} from this organisation; revoke it before granting it again",
            partner.name
        ),
    }
}

/// One row of `partners`, as read, before any check.
#[derive(Debug, Clone)]
pub struct PartnerRecord {
    /// `id`.
    pub id: Uuid,
    /// `name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// `contact`.
    pub contact: String,
    /// `status`.
    pub status: String,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `updated_at`.
    pub updated_at: OffsetDateTime,
}

impl PartnerRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_partner(self) -> Result<Partner, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored partner {id} is invalid: {error}"))
        };
        Ok(Partner {
            id: PartnerId::from_uuid(id).map_err(|e| corrupt(&e))?,
            name: RecordName::parse("name", &self.name).map_err(|e| corrupt(&e))?,
            kind: PartnerKind::parse(&self.kind).map_err(|e| corrupt(&e))?,
            contact: self.contact,
            status: PartnerStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One row of `partner_grants`, as read, before any check.
#[derive(Debug, Clone)]
pub struct GrantRecord {
    /// `id`.
    pub id: Uuid,
    /// `organisation_id`.
    pub organisation: Uuid,
    /// `partner_id`.
    pub partner: Uuid,
    /// `permission`.
    pub permission: String,
    /// `granted_at`.
    pub granted_at: OffsetDateTime,
    /// `revoked_at`.
    pub revoked_at: Option<OffsetDateTime>,
}

impl GrantRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_grant(self) -> Result<Grant, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored grant {id} is invalid: {error}"))
        };
        Ok(Grant {
            id: GrantId::from_uuid(id).map_err(|e| corrupt(&e))?,
            organisation: OrganisationId::from_uuid(self.organisation).map_err(|e| corrupt(&e))?,
            partner: PartnerId::from_uuid(self.partner).map_err(|e| corrupt(&e))?,
            permission: Permission::parse(&self.permission).map_err(|e| corrupt(&e))?,
            granted_at: self.granted_at,
            revoked_at: self.revoked_at,
        })
    }
}

fn timestamp(time: OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| time.to_string())
}

fn partner_snapshot(partner: &Partner) -> Value {
    json!({
        "id": partner.id.to_string(),
        "name": partner.name.as_str(),
        "kind": partner.kind.as_str(),
        "contact": partner.contact,
        "status": partner.status.as_str(),
    })
}

fn grant_snapshot(grant: &Grant) -> Value {
    json!({
        "id": grant.id.to_string(),
        "organisation": grant.organisation.to_string(),
        "partner": grant.partner.to_string(),
        "permission": grant.permission.as_str(),
        "granted_at": timestamp(grant.granted_at),
        "revoked_at": grant.revoked_at.map(timestamp),
    })
}

/// The audit entry of a partner registered (`before` is `None`) or changed.
pub fn partner_audit(
    actor: Actor,
    action: AuditAction,
    before: Option<&Partner>,
    after: &Partner,
) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action,
        entity_id: after.id.to_string(),
        organisation: None,
        before: before.map(partner_snapshot),
        after: Some(partner_snapshot(after)),
    }
}

/// The audit entry of a grant given (`before` is `None`) or revoked, filed under the
/// organisation that gave it so its own history shows it.
pub fn grant_audit(
    actor: Actor,
    action: AuditAction,
    before: Option<&Grant>,
    after: &Grant,
) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action,
        entity_id: after.id.to_string(),
        organisation: Some(after.organisation),
        before: before.map(grant_snapshot),
        after: Some(grant_snapshot(after)),
    }
}
