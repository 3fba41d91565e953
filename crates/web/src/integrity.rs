//! The province's public signing key, published so that anyone can check the checkpoints that
//! `nguon verify` checks: the key, its fingerprint and the exact text each signature covers.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::{ApiError, AppState};

/// Where the key is published.
pub const SIGNING_KEY_PATH: &str = "/.well-known/nguon-signing-key";

/// The province's public key, as `GET /.well-known/nguon-signing-key` serves it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SigningKey {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// The 32-byte public key in lower-case hexadecimal, as `nguon verify --public-key` takes it.
    pub public_key: String,
    /// SHA-256 of the 32 key bytes in lower-case hexadecimal, as the public page shows it.
    pub fingerprint: String,
    /// The text a checkpoint's signature covers, with its three values in braces.
    pub signed_message: &'static str,
}

#[utoipa::path(
    get,
    path = "/.well-known/nguon-signing-key",
    tag = "Operations",
    responses(
        (status = 200, description = "The province's ed25519 public key, which signs the checkpoints of every organisation's event chain", body = SigningKey),
        (status = 404, description = "This server publishes no signing key", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
/// The province's public signing key
///
/// With it, anyone holding a copy of the database can check that no event was edited, deleted or
/// reordered up to the last signed checkpoint (`nguon verify --public-key`).
pub(crate) async fn signing_key(
    State(state): State<AppState>,
) -> Result<Json<SigningKey>, ApiError> {
    let key = state
        .signing_key
        .ok_or_else(|| ApiError::NoSuchRoute(SIGNING_KEY_PATH.to_owned()))?;
    Ok(Json(SigningKey {
        algorithm: "Ed25519",
        public_key: key.to_hex(),
        fingerprint: key.fingerprint(),
        signed_message: "nguon-checkpoint-v1\norganisation {organisation id}\nposition {position}\nlink {link, hexadecimal}\n",
    }))
}
