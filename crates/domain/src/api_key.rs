//! API keys: how EPCIS clients authenticate. The store keeps only a SHA-256 of each token, which
//! the caller computes, so a leaked database does not leak usable keys.

use time::OffsetDateTime;

use crate::{ApiKeyId, DomainError, OrganisationId, PartnerId};

/// What an API key may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyScope {
    /// Capture and query as this organisation.
    Organisation(OrganisationId),
    /// Query every organisation's events (the provincial department).
    Province,
    /// A partner system: captures for, and reads, exactly the organisations whose live grants
    /// say so, and nothing else.
    Partner(PartnerId),
}

impl ApiKeyScope {
    /// The stored name of the scope kind.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Self::Organisation(_) => "organisation",
            Self::Province => "province",
            Self::Partner(_) => "partner",
        }
    }

    /// The organisation the key acts as, if any. `None` for the province and for a partner:
    /// callers that read `None` as "the province" must rule partner keys out first.
    pub fn owner(&self) -> Option<OrganisationId> {
        match self {
            Self::Organisation(owner) => Some(*owner),
            Self::Province | Self::Partner(_) => None,
        }
    }

    /// The partner system the key belongs to, if any.
    pub fn partner(&self) -> Option<PartnerId> {
        match self {
            Self::Partner(partner) => Some(*partner),
            Self::Organisation(_) | Self::Province => None,
        }
    }

    /// Rebuilds a scope from its stored name, owner column and partner column.
    pub fn from_parts(
        kind: &str,
        owner: Option<OrganisationId>,
        partner: Option<PartnerId>,
    ) -> Result<Self, DomainError> {
        match (kind, owner, partner) {
            ("organisation", Some(owner), None) => Ok(Self::Organisation(owner)),
            ("province", None, None) => Ok(Self::Province),
            ("partner", None, Some(partner)) => Ok(Self::Partner(partner)),
            _ => Err(DomainError::UnknownApiKeyScope {
                found: format!(
                    "{kind} {} owner and {} partner",
                    if owner.is_some() {
                        "with an"
                    } else {
                        "without an"
                    },
                    if partner.is_some() { "a" } else { "no" },
                ),
            }),
        }
    }
}

/// A key to create. The token itself never reaches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// What the key may do.
    pub scope: ApiKeyScope,
    /// A name for people ("ERP đồng bộ", "máy quét kho 2").
    pub label: String,
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
}

/// A stored API key (without its hash: nothing after creation needs it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its id.
    pub id: ApiKeyId,
    /// What it may do.
    pub scope: ApiKeyScope,
    /// Its name for people.
    pub label: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it was revoked; a revoked key authenticates nothing.
    pub revoked_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_stored_parts() {
        let owner = OrganisationId::generate();
        let partner = PartnerId::generate();
        for scope in [
            ApiKeyScope::Organisation(owner),
            ApiKeyScope::Province,
            ApiKeyScope::Partner(partner),
        ] {
            assert_eq!(
                ApiKeyScope::from_parts(scope.kind_str(), scope.owner(), scope.partner()),
                Ok(scope)
            );
        }
        assert!(ApiKeyScope::from_parts("province", Some(owner), None).is_err());
        assert!(ApiKeyScope::from_parts("organisation", None, None).is_err());
        assert!(ApiKeyScope::from_parts("organisation", Some(owner), Some(partner)).is_err());
        assert!(ApiKeyScope::from_parts("partner", None, None).is_err());
        assert!(ApiKeyScope::from_parts("admin", None, None).is_err());
    }
}
