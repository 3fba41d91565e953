//! Resolver links: the [`ResolverStore`] half of the store, and what both back ends share to read
//! and audit them.

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, LinkType, NewAuditEntry, NewResolverLink, OrganisationId, ResolverLink,
    ResolverLinkId,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Stored resolver links. Every [`crate::Store`] is one.
#[async_trait]
pub trait ResolverStore: Send + Sync {
    /// Stores a link kept by `organisation`, with its audit entry, in one transaction. The same
    /// anchor, type and target twice, or a second default for an anchor, is a
    /// [`StoreError::Conflict`]; an unknown organisation is [`StoreError::NotFound`].
    async fn create_resolver_link(
        &self,
        organisation: OrganisationId,
        link: &NewResolverLink,
        actor: Actor,
    ) -> Result<ResolverLink, StoreError>;

    /// Replaces what a link says (its organisation stays), with its audit entry; the same
    /// conflicts as [`Self::create_resolver_link`].
    async fn update_resolver_link(
        &self,
        id: ResolverLinkId,
        link: &NewResolverLink,
        actor: Actor,
    ) -> Result<ResolverLink, StoreError>;

    /// Removes a link, with its audit entry, and returns what it was.
    async fn delete_resolver_link(
        &self,
        id: ResolverLinkId,
        actor: Actor,
    ) -> Result<ResolverLink, StoreError>;

    /// One link, or [`StoreError::NotFound`].
    async fn resolver_link(&self, id: ResolverLinkId) -> Result<ResolverLink, StoreError>;

    /// The links of any of `anchors`, oldest first: what a scan resolves against.
    async fn resolver_links_at(&self, anchors: &[String]) -> Result<Vec<ResolverLink>, StoreError>;

    /// The links `organisation` keeps (every link for `None`), by anchor then age.
    async fn list_resolver_links(
        &self,
        organisation: Option<OrganisationId>,
    ) -> Result<Vec<ResolverLink>, StoreError>;
}

/// The `NotFound` every back end reports for an unknown link.
pub fn no_such_resolver_link(id: ResolverLinkId) -> StoreError {
    StoreError::NotFound {
        what: "resolver link",
        id: id.to_string(),
    }
}

/// The conflict every back end reports for a link stored twice.
pub fn resolver_link_taken(link: &NewResolverLink) -> StoreError {
    StoreError::Conflict {
        what: "resolver link",
        detail: format!(
            "{} already has a {} link to {}",
            link.anchor,
            link.link_type.as_str(),
            link.href
        ),
    }
}

/// The conflict every back end reports for a second default link of an anchor.
pub fn default_link_taken(anchor: &str) -> StoreError {
    StoreError::Conflict {
        what: "default",
        detail: format!(
            "{anchor} already has a default link; clear its default flag before choosing another"
        ),
    }
}

/// The name of the unique index that allows one default link per anchor, in both schemas.
pub const ONE_DEFAULT_INDEX: &str = "resolver_links_one_default";

/// One row of `resolver_links`, as read, before any check.
#[derive(Debug, Clone)]
pub struct ResolverLinkRecord {
    /// `id`.
    pub id: Uuid,
    /// `organisation_id`.
    pub organisation: Uuid,
    /// `anchor`.
    pub anchor: String,
    /// `link_type`.
    pub link_type: String,
    /// `href`.
    pub href: String,
    /// `title`.
    pub title: String,
    /// `media_type`.
    pub media_type: Option<String>,
    /// `hreflang`.
    pub hreflang: Option<String>,
    /// `is_default`.
    pub is_default: bool,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `updated_at`.
    pub updated_at: OffsetDateTime,
}

impl ResolverLinkRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_link(self) -> Result<ResolverLink, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored resolver link {id} is invalid: {error}"))
        };
        Ok(ResolverLink {
            id: ResolverLinkId::from_uuid(id).map_err(|e| corrupt(&e))?,
            organisation: OrganisationId::from_uuid(self.organisation).map_err(|e| corrupt(&e))?,
            link: NewResolverLink {
                anchor: self.anchor,
                link_type: LinkType::parse(&self.link_type).map_err(|e| corrupt(&e))?,
                href: self.href,
                title: self.title,
                media_type: self.media_type,
                hreflang: self.hreflang,
                is_default: self.is_default,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn snapshot(link: &ResolverLink) -> Value {
    json!(link)
}

/// The audit entry of a change to a link: `before` and `after` are its states around it.
pub fn resolver_link_audit(
    actor: Actor,
    action: AuditAction,
    before: Option<&ResolverLink>,
    after: Option<&ResolverLink>,
) -> NewAuditEntry {
    let link = after.or(before).expect("a change has a before or an after");
    NewAuditEntry {
        actor,
        action,
        entity_id: link.id.to_string(),
        organisation: Some(link.organisation),
        before: before.map(snapshot),
        after: after.map(snapshot),
    }
}
