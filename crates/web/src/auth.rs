//! API keys: `Authorization: Bearer nguon_…`.
//!
//! A key is 32 random bytes shown once, written as `nguon_` plus 64 hex digits; the fixed prefix
//! lets secret scanners spot a leaked key. Only the SHA-256 of the whole token is stored: a token
//! has 256 bits of entropy, so a slow password hash would add nothing but latency on every call.
//! Revoking a key takes effect on the next request.
//!
//! Organisation and province keys are [`Caller`]s. A partner system's key is a [`KeyHolder`]
//! only: the EPCIS capture and query endpoints and the grants list take one, every other
//! endpoint refuses it, so a partner reaches nothing no grant speaks of. A partner captures for
//! the organisation named in the [`ORGANISATION_HEADER`] header and reads the events of the
//! organisations that granted it read access, both asked of the store on each request, so a
//! revoked grant takes effect on the next one.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use nguon_domain::{
    ApiKey, ApiKeyId, ApiKeyScope, OrganisationId, Owners, Partner, PartnerStatus, Permission,
};
use nguon_store::{Store, StoreError};
use sha2::{Digest, Sha256};

use crate::error::EpcisException;
use crate::{ApiError, AppState};

/// The request header in which a partner's key names the organisation it captures for, by id.
pub const ORGANISATION_HEADER: &str = "Nguon-Organisation";

/// What a partner key hears at an endpoint that is not for partners.
const PARTNER_KEY_REFUSED: &str = "a partner system's key is accepted only by EPCIS capture (POST /epcis/capture, POST /epcis/events), its capture jobs, EPCIS queries (GET /epcis/events and the top-level resources) and GET /api/v1/grants";

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "nguon_";

/// A fresh token and the hash to store for it.
pub fn generate_token() -> Result<(String, [u8; 32]), getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let mut token = String::with_capacity(TOKEN_PREFIX.len() + 64);
    token.push_str(TOKEN_PREFIX);
    for byte in secret {
        token.push_str(&format!("{byte:02x}"));
    }
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The holder of a valid, unrevoked API key of an organisation or the province. A partner's key
/// is refused (`403`): see [`KeyHolder`].
#[derive(Debug, Clone)]
pub struct Caller {
    /// The key used.
    pub key_id: ApiKeyId,
    /// Whose key it is.
    pub scope: ApiKeyScope,
}

impl Caller {
    /// The organisation events are captured for: only organisation keys capture, so every event
    /// has exactly one accountable owner.
    pub fn capturing_owner(&self) -> Result<OrganisationId, ApiError> {
        self.scope.owner().ok_or_else(|| {
            ApiError::forbidden(
                "a province key reads every organisation's events but captures for none; use the organisation's key",
            )
        })
    }

    /// Whose events the caller may read: its organisation's, or all for a province key.
    pub fn reading_scope(&self) -> Option<OrganisationId> {
        self.scope.owner()
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = authenticate(parts, state).await?;
        if key.scope.partner().is_some() {
            return Err(ApiError::forbidden(PARTNER_KEY_REFUSED));
        }
        Ok(Self {
            key_id: key.id,
            scope: key.scope,
        })
    }
}

/// The valid, unrevoked key a request carries, whoever holds it.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<ApiKey, ApiError> {
    let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("an API key is required: Authorization: Bearer <key>")
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX))
        .ok_or_else(|| {
            ApiError::unauthorized("Authorization must be `Bearer nguon_…` with an API key")
        })?;
    let key = state
        .store
        .api_key_by_token_hash(&token_hash(token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("this API key is not known"))?;
    if key.revoked_at.is_some() {
        return Err(ApiError::unauthorized("this API key has been revoked"));
    }
    Ok(key)
}

/// The holder of a valid key at an endpoint partner systems may call: an organisation or the
/// province, as a [`Caller`], or an active partner system.
#[derive(Debug, Clone)]
pub enum KeyHolder {
    /// An organisation's or the province's key.
    Member(Caller),
    /// A partner system's key.
    Partner {
        /// The key used.
        key_id: ApiKeyId,
        /// The partner, read on this request (so a suspension takes effect at once).
        partner: Partner,
    },
}

/// For whom events are captured, and through whom.
#[derive(Debug, Clone)]
pub struct CaptureTarget {
    /// The organisation that owns the events.
    pub owner: OrganisationId,
    /// The partner system sending them on the owner's behalf, if one is.
    pub partner: Option<Partner>,
}

impl KeyHolder {
    /// The key used.
    pub fn key_id(&self) -> ApiKeyId {
        match self {
            Self::Member(caller) => caller.key_id,
            Self::Partner { key_id, .. } => *key_id,
        }
    }

    /// Whose events the holder reads: its organisation's, everyone's for the province, and for a
    /// partner the organisations whose live grants let it read, asked now.
    pub async fn readable(&self, store: &dyn Store) -> Result<Owners, ApiError> {
        match self {
            Self::Member(caller) => Ok(caller.reading_scope().into()),
            Self::Partner { partner, .. } => Ok(Owners::Only(
                store
                    .granting_organisations(partner.id, Permission::Read)
                    .await?,
            )),
        }
    }

    /// The organisation the request captures for. An organisation's key captures for itself
    /// (naming another in [`ORGANISATION_HEADER`] is refused); a partner's must name one there
    /// that delegated capture to it (`400` when missing or malformed, `403` when not delegated);
    /// a province key captures for none.
    pub async fn capture_target(
        &self,
        store: &dyn Store,
        headers: &HeaderMap,
    ) -> Result<CaptureTarget, ApiError> {
        let named = named_organisation(headers)?;
        match self {
            Self::Member(caller) => {
                let owner = caller.capturing_owner()?;
                if named.is_some_and(|named| named != owner) {
                    return Err(ApiError::forbidden(format!(
                        "{ORGANISATION_HEADER}: an organisation's key captures only for its own organisation; leave the header out or name {owner}"
                    )));
                }
                Ok(CaptureTarget {
                    owner,
                    partner: None,
                })
            }
            Self::Partner { partner, .. } => {
                let owner = named.ok_or_else(|| {
                    ApiError::epcis(
                        EpcisException::Validation,
                        StatusCode::BAD_REQUEST,
                        format!(
                            "{ORGANISATION_HEADER}: missing; a partner system's key must name the organisation it captures for by its id (GET /api/v1/grants lists the organisations that delegated capture to this partner)"
                        ),
                    )
                })?;
                if let Some(refusal) = capture_refusal(store, owner, partner).await? {
                    return Err(ApiError::forbidden(refusal));
                }
                Ok(CaptureTarget {
                    owner,
                    partner: Some(partner.clone()),
                })
            }
        }
    }
}

/// The organisation a request names in [`ORGANISATION_HEADER`], if it names one.
fn named_organisation(headers: &HeaderMap) -> Result<Option<OrganisationId>, ApiError> {
    let Some(value) = headers.get(ORGANISATION_HEADER) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    OrganisationId::parse(text).map(Some).map_err(|_| {
        ApiError::epcis(
            EpcisException::Validation,
            StatusCode::BAD_REQUEST,
            format!(
                "{ORGANISATION_HEADER}: must be an organisation id, a UUID such as 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f; found {:?}",
                text.chars().take(80).collect::<String>()
            ),
        )
    })
}

/// Why `partner` may not capture for `owner` now, or `None` when it may: asked when a request
/// arrives and again when its capture job runs, so a delegation revoked in between stores
/// nothing and the job says why in the same words.
pub async fn capture_refusal(
    store: &dyn Store,
    owner: OrganisationId,
    partner: &Partner,
) -> Result<Option<String>, StoreError> {
    let current = store.partner(partner.id).await?;
    if current.status != PartnerStatus::Active {
        return Ok(Some(format!(
            "partner {} is suspended by the province, so it captures for no organisation",
            current.name
        )));
    }
    if store
        .is_granted(owner, partner.id, Permission::Capture)
        .await?
    {
        return Ok(None);
    }
    let organisation = match store.organisation(owner).await {
        Ok(organisation) => format!("{} ({owner})", organisation.name.as_str()),
        Err(StoreError::NotFound { .. }) => owner.to_string(),
        Err(error) => return Err(error),
    };
    Ok(Some(format!(
        "organisation {organisation} has not delegated capture to partner {}, or has revoked it; nothing was stored",
        current.name
    )))
}

impl FromRequestParts<AppState> for KeyHolder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = authenticate(parts, state).await?;
        let Some(partner) = key.scope.partner() else {
            return Ok(Self::Member(Caller {
                key_id: key.id,
                scope: key.scope,
            }));
        };
        let partner = state.store.partner(partner).await?;
        if partner.status != PartnerStatus::Active {
            return Err(ApiError::forbidden(format!(
                "partner {} is suspended by the province; its keys work again once it is reinstated",
                partner.name
            )));
        }
        Ok(Self::Partner {
            key_id: key.id,
            partner,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let (first, first_hash) = generate_token().expect("randomness");
        let (second, _) = generate_token().expect("randomness");
        assert!(first.starts_with(TOKEN_PREFIX));
        assert_eq!(first.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(first, second);
        assert_eq!(token_hash(&first), first_hash);
    }
}
