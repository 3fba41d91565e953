//! API keys: `Authorization: Bearer nguon_…`.
//!
//! A key is 32 random bytes shown once, written as `nguon_` plus 64 hex digits; the fixed prefix
//! lets secret scanners spot a leaked key. Only the SHA-256 of the whole token is stored: a token
//! has 256 bits of entropy, so a slow password hash would add nothing but latency on every call.
//! Revoking a key takes effect on the next request.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use nguon_domain::{ApiKeyId, ApiKeyScope, OrganisationId};
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

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

/// The holder of a valid, unrevoked API key.
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
        Ok(Self {
            key_id: key.id,
            scope: key.scope,
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
