//! API keys: how EPCIS clients authenticate. The store keeps only a SHA-256 of each token, which
//! the caller computes, so a leaked database does not leak usable keys.

use time::OffsetDateTime;

use crate::{ApiKeyId, DomainError, OrganisationId};

/// What an API key may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyScope {
    /// Capture and query as this organisation.
    Organisation(OrganisationId),
    /// Query every organisation's events (the provincial department).
    Province,
}

impl ApiKeyScope {
    /// The stored name of the scope kind.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Self::Organisation(_) => "organisation",
            Self::Province => "province",
        }
    }

    /// The organisation the key acts as, if any.
    pub fn owner(&self) -> Option<OrganisationId> {
        match self {
            Self::Organisation(owner) => Some(*owner),
            Self::Province => None,
        }
    }

    /// Rebuilds a scope from its stored name and owner column.
    pub fn from_parts(kind: &str, owner: Option<OrganisationId>) -> Result<Self, DomainError> {
        match (kind, owner) {
            ("organisation", Some(owner)) => Ok(Self::Organisation(owner)),
            ("province", None) => Ok(Self::Province),
            _ => Err(DomainError::UnknownApiKeyScope {
                found: format!(
                    "{kind} {}",
                    if owner.is_some() {
                        "with an owner"
                    } else {
                        "without an owner"
                    }
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
        for scope in [ApiKeyScope::Organisation(owner), ApiKeyScope::Province] {
            assert_eq!(
                ApiKeyScope::from_parts(scope.kind_str(), scope.owner()),
                Ok(scope)
            );
        }
        assert!(ApiKeyScope::from_parts("province", Some(owner)).is_err());
        assert!(ApiKeyScope::from_parts("organisation", None).is_err());
        assert!(ApiKeyScope::from_parts("admin", None).is_err());
    }
}
