//! The audit log: who changed what, when, and the record before and after.

use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;

use crate::{ApiKeyId, AuditEntryId, DomainError, OrganisationId, RegistryKind, UserId};

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A signed-in portal user.
    User(UserId),
    /// A client holding an API key.
    ApiKey(ApiKeyId),
    /// An operator at the server's command line (`nguon user add`, `nguon org add`, …).
    Cli,
}

impl Actor {
    /// Parses the stored form: `user:<id>`, `api_key:<id>` or `cli`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        let unknown = || DomainError::ActorFormat {
            found: input.to_owned(),
        };
        match input.split_once(':') {
            None if input == "cli" => Ok(Self::Cli),
            Some(("user", id)) => UserId::parse(id).map(Self::User).map_err(|_| unknown()),
            Some(("api_key", id)) => ApiKeyId::parse(id).map(Self::ApiKey).map_err(|_| unknown()),
            _ => Err(unknown()),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::ApiKey(id) => write!(f, "api_key:{id}"),
            Self::Cli => f.write_str("cli"),
        }
    }
}

/// What kind of record an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// An organisation of the registry.
    Organisation,
    /// An API key.
    ApiKey,
    /// A portal user.
    User,
    /// A sign-in session.
    Session,
    /// A facility.
    Facility,
    /// A product.
    Product,
    /// A group of the province's product catalogue.
    ProductGroup,
    /// An uploaded image.
    Media,
    /// A training session.
    Training,
    /// A version of a guidance document.
    Guidance,
    /// A resolver link.
    ResolverLink,
    /// A stamp run (a lot's print job).
    StampRun,
    /// A record's delivery to the national portal or a partner.
    SyncDelivery,
    /// A partner system the province registered.
    Partner,
    /// A grant an organisation gave a partner.
    Grant,
}

impl EntityKind {
    /// Every kind.
    pub const ALL: [Self; 15] = [
        Self::Organisation,
        Self::ApiKey,
        Self::User,
        Self::Session,
        Self::Facility,
        Self::Product,
        Self::ProductGroup,
        Self::Media,
        Self::Training,
        Self::Guidance,
        Self::ResolverLink,
        Self::StampRun,
        Self::SyncDelivery,
        Self::Partner,
        Self::Grant,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::ApiKey => "api_key",
            Self::User => "user",
            Self::Session => "session",
            Self::Facility => "facility",
            Self::Product => "product",
            Self::ProductGroup => "product_group",
            Self::Media => "media",
            Self::Training => "training",
            Self::Guidance => "guidance",
            Self::ResolverLink => "resolver_link",
            Self::StampRun => "stamp_run",
            Self::SyncDelivery => "sync_delivery",
            Self::Partner => "partner",
            Self::Grant => "grant",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input.trim())
            .ok_or_else(|| DomainError::UnknownEntityKind {
                found: input.to_owned(),
            })
    }
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// An organisation was registered.
    OrganisationCreate,
    /// An organisation's status changed.
    ApprovalStatus,
    /// A GS1 company prefix was registered to an organisation.
    CompanyPrefixAdd,
    /// An organisation's address was set, changed or cleared.
    OrganisationAddress,
    /// A household's consent to publish personal fields was recorded (or withdrawn).
    ConsentRecord,
    /// A household's personal fields were pseudonymised.
    PersonalDataErase,
    /// An API key was created.
    ApiKeyCreate,
    /// An API key was revoked.
    ApiKeyRevoke,
    /// A user was created.
    UserCreate,
    /// A user's role or organisation changed.
    UserAccess,
    /// A user was enabled or disabled.
    UserStatus,
    /// A user's password changed.
    UserPassword,
    /// Someone signed in.
    SessionCreate,
    /// A session ended by sign-out or revocation.
    SessionRevoke,
    /// A facility, product or product group was registered.
    RecordCreate(RegistryKind),
    /// A facility, product or product group was edited.
    RecordUpdate(RegistryKind),
    /// A facility's or product's approval status changed.
    RecordStatus(RegistryKind),
    /// An image was uploaded.
    MediaUpload,
    /// A training session was recorded.
    TrainingCreate,
    /// A training session or its participants changed.
    TrainingUpdate,
    /// A guidance document (or a new version of one) was uploaded.
    GuidanceUpload,
    /// A resolver link was added.
    ResolverLinkCreate,
    /// A resolver link was changed.
    ResolverLinkUpdate,
    /// A resolver link was removed.
    ResolverLinkDelete,
    /// A lot's stamps were printed.
    StampsPrint,
    /// A stamp run was activated or deactivated.
    StampsState,
    /// A failed delivery was put back in the queue by hand.
    SyncRetry,
    /// A partner system was registered.
    PartnerCreate,
    /// A partner system was suspended or reinstated.
    PartnerStatus,
    /// An organisation granted a partner a permission.
    GrantCreate,
    /// An organisation revoked a grant.
    GrantRevoke,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 37] = [
        Self::OrganisationCreate,
        Self::ApprovalStatus,
        Self::CompanyPrefixAdd,
        Self::OrganisationAddress,
        Self::ConsentRecord,
        Self::PersonalDataErase,
        Self::ApiKeyCreate,
        Self::ApiKeyRevoke,
        Self::UserCreate,
        Self::UserAccess,
        Self::UserStatus,
        Self::UserPassword,
        Self::SessionCreate,
        Self::SessionRevoke,
        Self::RecordCreate(RegistryKind::Facility),
        Self::RecordUpdate(RegistryKind::Facility),
        Self::RecordStatus(RegistryKind::Facility),
        Self::RecordCreate(RegistryKind::Product),
        Self::RecordUpdate(RegistryKind::Product),
        Self::RecordStatus(RegistryKind::Product),
        Self::RecordCreate(RegistryKind::ProductGroup),
        Self::RecordUpdate(RegistryKind::ProductGroup),
        Self::RecordStatus(RegistryKind::ProductGroup),
        Self::MediaUpload,
        Self::TrainingCreate,
        Self::TrainingUpdate,
        Self::GuidanceUpload,
        Self::ResolverLinkCreate,
        Self::ResolverLinkUpdate,
        Self::ResolverLinkDelete,
        Self::StampsPrint,
        Self::StampsState,
        Self::SyncRetry,
        Self::PartnerCreate,
        Self::PartnerStatus,
        Self::GrantCreate,
        Self::GrantRevoke,
    ];

    /// The stored name, `<entity>.<verb>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganisationCreate => "organisation.create",
            Self::ApprovalStatus => "organisation.status",
            Self::CompanyPrefixAdd => "organisation.company_prefix",
            Self::OrganisationAddress => "organisation.address",
            Self::ConsentRecord => "organisation.consent",
            Self::PersonalDataErase => "organisation.erase",
            Self::ApiKeyCreate => "api_key.create",
            Self::ApiKeyRevoke => "api_key.revoke",
            Self::UserCreate => "user.create",
            Self::UserAccess => "user.access",
            Self::UserStatus => "user.status",
            Self::UserPassword => "user.password",
            Self::SessionCreate => "session.create",
            Self::SessionRevoke => "session.revoke",
            Self::RecordCreate(RegistryKind::Facility) => "facility.create",
            Self::RecordUpdate(RegistryKind::Facility) => "facility.update",
            Self::RecordStatus(RegistryKind::Facility) => "facility.status",
            Self::RecordCreate(RegistryKind::Product) => "product.create",
            Self::RecordUpdate(RegistryKind::Product) => "product.update",
            Self::RecordStatus(RegistryKind::Product) => "product.status",
            Self::RecordCreate(RegistryKind::ProductGroup) => "product_group.create",
            Self::RecordUpdate(RegistryKind::ProductGroup) => "product_group.update",
            Self::RecordStatus(RegistryKind::ProductGroup) => "product_group.status",
            Self::MediaUpload => "media.upload",
            Self::TrainingCreate => "training.create",
            Self::TrainingUpdate => "training.update",
            Self::GuidanceUpload => "guidance.upload",
            Self::ResolverLinkCreate => "resolver_link.create",
            Self::ResolverLinkUpdate => "resolver_link.update",
            Self::ResolverLinkDelete => "resolver_link.delete",
            Self::StampsPrint => "stamp_run.print",
            Self::StampsState => "stamp_run.state",
            Self::SyncRetry => "sync_delivery.retry",
            Self::PartnerCreate => "partner.create",
            Self::PartnerStatus => "partner.status",
            Self::GrantCreate => "grant.create",
            Self::GrantRevoke => "grant.revoke",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == input.trim())
            .ok_or_else(|| DomainError::UnknownAuditAction {
                found: input.to_owned(),
            })
    }

    /// The kind of record the action changes.
    pub fn entity_kind(self) -> EntityKind {
        match self {
            Self::OrganisationCreate
            | Self::ApprovalStatus
            | Self::CompanyPrefixAdd
            | Self::OrganisationAddress
            | Self::ConsentRecord
            | Self::PersonalDataErase => EntityKind::Organisation,
            Self::ApiKeyCreate | Self::ApiKeyRevoke => EntityKind::ApiKey,
            Self::UserCreate | Self::UserAccess | Self::UserStatus | Self::UserPassword => {
                EntityKind::User
            }
            Self::SessionCreate | Self::SessionRevoke => EntityKind::Session,
            Self::RecordCreate(kind) | Self::RecordUpdate(kind) | Self::RecordStatus(kind) => {
                match kind {
                    RegistryKind::Facility => EntityKind::Facility,
                    RegistryKind::Product => EntityKind::Product,
                    RegistryKind::ProductGroup => EntityKind::ProductGroup,
                }
            }
            Self::MediaUpload => EntityKind::Media,
            Self::TrainingCreate | Self::TrainingUpdate => EntityKind::Training,
            Self::GuidanceUpload => EntityKind::Guidance,
            Self::ResolverLinkCreate | Self::ResolverLinkUpdate | Self::ResolverLinkDelete => {
                EntityKind::ResolverLink
            }
            Self::StampsPrint | Self::StampsState => EntityKind::StampRun,
            Self::SyncRetry => EntityKind::SyncDelivery,
            Self::PartnerCreate | Self::PartnerStatus => EntityKind::Partner,
            Self::GrantCreate | Self::GrantRevoke => EntityKind::Grant,
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An audit entry to write, in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: AuditAction,
    /// The id of the record changed (its kind follows from the action).
    pub entity_id: String,
    /// The organisation the record belongs to, so an organisation's history can be searched.
    pub organisation: Option<OrganisationId>,
    /// The record before the change (`None` when it was created).
    pub before: Option<Value>,
    /// The record after the change.
    pub after: Option<Value>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its id, which orders the log.
    pub id: AuditEntryId,
    /// When the change was committed.
    pub at: OffsetDateTime,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: AuditAction,
    /// The kind of record changed.
    pub entity_kind: EntityKind,
    /// The id of the record changed.
    pub entity_id: String,
    /// The organisation the record belongs to.
    pub organisation: Option<OrganisationId>,
    /// The record before the change.
    pub before: Option<Value>,
    /// The record after the change.
    pub after: Option<Value>,
}

/// A search of the audit log, newest first, one page at a time. Every filter is optional and
/// they combine with AND.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditQuery {
    /// Only changes by this actor.
    pub actor: Option<Actor>,
    /// Only changes to records of this kind.
    pub entity_kind: Option<EntityKind>,
    /// Only changes to the record with this id.
    pub entity_id: Option<String>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only records of this organisation.
    pub organisation: Option<OrganisationId>,
    /// Only changes at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Only changes before this time.
    pub to: Option<OffsetDateTime>,
    /// Keyset cursor: only entries older than this one (the previous page's last).
    pub before: Option<AuditEntryId>,
    /// Page size, clamped to `1..=AuditQuery::MAX_LIMIT`; 0 means the default.
    pub limit: u32,
}

impl AuditQuery {
    /// Page size when none is given.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// Largest page.
    pub const MAX_LIMIT: u32 = 500;

    /// The page size a back end must use.
    pub fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => Self::DEFAULT_LIMIT,
            limit => limit.min(Self::MAX_LIMIT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_round_trip_through_their_stored_form() {
        for actor in [
            Actor::User(UserId::generate()),
            Actor::ApiKey(ApiKeyId::generate()),
            Actor::Cli,
        ] {
            assert_eq!(Actor::parse(&actor.to_string()), Ok(actor));
        }
        assert!(Actor::parse("root").is_err());
        assert!(Actor::parse("user:42").is_err());
    }

    #[test]
    fn actions_name_their_entity_and_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Ok(action));
            assert!(action.as_str().starts_with(action.entity_kind().as_str()));
        }
        assert_eq!(
            AuditAction::parse("user.delete").unwrap_err().to_string(),
            "action: not an audited action; found \"user.delete\""
        );
        for kind in EntityKind::ALL {
            assert_eq!(EntityKind::parse(kind.as_str()), Ok(kind));
        }
    }

    #[test]
    fn page_sizes_default_and_clamp() {
        let query = |limit| AuditQuery {
            limit,
            ..AuditQuery::default()
        };
        assert_eq!(query(0).effective_limit(), 50);
        assert_eq!(query(7).effective_limit(), 7);
        assert_eq!(query(9_999).effective_limit(), 500);
    }
}
