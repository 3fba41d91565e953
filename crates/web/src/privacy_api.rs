//! A household's personal data by API (Law 91/2025/QH15): its consent statements (`GET` and
//! `POST /api/v1/organisations/{id}/consents`), the data-subject export (`GET
//! /api/v1/organisations/{id}/personal-data`) and the erasure that pseudonymises it (`POST
//! /api/v1/organisations/{id}/erasure`).
//!
//! Only the household's own key and the province's key reach them; another organisation's key
//! gets 404, as for every record it may not see.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Actor, ConsentBasis, ErasureReason, NewConsent, Organisation, OrganisationId, PersonalField,
};
use nguon_store::{StoreError, personal_data_export};
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Largest request body: a consent statement is a few field names and one line of evidence.
const MAX_BODY_BYTES: usize = 8 * 1024;

/// What `POST /api/v1/organisations/{id}/consents` takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// The whole set of fields the household now agrees to publish (`name`, `address`,
    /// `phone`); empty withdraws every consent.
    pub fields: Vec<String>,
    /// The evidence: a signed form's number, where and when it was given (1 to 500 characters).
    pub basis: String,
}

/// The organisation `id` if the caller may handle its personal data: its own key or the
/// province's; anything else is told the organisation does not exist.
async fn subject(state: &AppState, caller: &Caller, id: &str) -> Result<Organisation, ApiError> {
    let hidden = || StoreError::NotFound {
        what: "organisation",
        id: id.to_owned(),
    };
    let id = OrganisationId::parse(id).map_err(|_| hidden())?;
    if caller.reading_scope().is_some_and(|own| own != id) {
        return Err(hidden().into());
    }
    Ok(state.store.organisation(id).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/consents",
    tag = "Personal data",
    summary = "A household's consent statements, newest first",
    description = "Each statement names the whole set of personal fields the household agreed to publish on public pages and in exports (`name`, `address`, `phone`), with its evidence, who recorded it and when; the first is the current one. A withdrawal is a statement with fewer fields or none. Needs the household's key or a province key.",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The statements: id, organisation, fields, basis, recorded_by, recorded_at", body = serde_json::Value),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such organisation, or another organisation's", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/organisations/{id}/consents`.
pub async fn list_consents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let organisation = subject(&state, &caller, &id).await?;
    let consents = state.store.consents(organisation.id).await?;
    Ok(Json(consents.iter().map(|c| c.to_json()).collect()))
}

#[utoipa::path(
    post,
    path = "/api/v1/organisations/{id}/consents",
    tag = "Personal data",
    summary = "Record a household's consent statement (or its withdrawal)",
    description = "Body: `{\"fields\": [\"name\", \"address\"], \"basis\": \"…\"}`, the whole set of fields the household now agrees to publish; `[]` withdraws every consent. Earlier statements stay. Audited. Needs the household's key or a province key.",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The organisation's id")),
    request_body(content = ConsentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The statement", body = serde_json::Value),
        (status = 400, description = "A field breaks its rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such organisation, or another organisation's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The household's personal data was erased", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a household: only a household holds personal data", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/organisations/{id}/consents`.
pub async fn record_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let organisation = subject(&state, &caller, &id).await?;
    let body = read_body(body).await?;
    let fields = body
        .fields
        .iter()
        .map(|field| PersonalField::parse(field))
        .collect::<Result<BTreeSet<_>, _>>()
        .map_err(|error| ApiError::BadRequest {
            field: "fields",
            rule: error.to_string(),
        })?;
    let basis = ConsentBasis::parse(&body.basis).map_err(|error| ApiError::BadRequest {
        field: "basis",
        rule: error.to_string(),
    })?;
    let new = NewConsent::new(&organisation, fields, basis).map_err(StoreError::from)?;
    let consent = state
        .store
        .record_consent(&new, Actor::ApiKey(caller.key_id))
        .await?;
    Ok((StatusCode::CREATED, Json(consent.to_json())).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/personal-data",
    tag = "Personal data",
    summary = "Everything held on an organisation as personal data",
    description = "The data-subject export (Law 91/2025/QH15), meant for households: the organisation record with its tax code or personal ID number whole, its users (no password hashes), its consent history, its erasure if any, every audit entry filed under it, its facilities with the count and ids of the events at them, and how many events it captured. Needs the organisation's key or a province key.",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The export", body = serde_json::Value),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such organisation, or another organisation's", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/organisations/{id}/personal-data`.
pub async fn personal_data(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let organisation = subject(&state, &caller, &id).await?;
    Ok(Json(
        personal_data_export(&*state.store, organisation.id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/organisations/{id}/erasure",
    tag = "Personal data",
    summary = "Erase a household's personal data (irreversible)",
    description = "Pseudonymises the household: its name becomes \"Hộ sản xuất #<hash>\", its tax code or personal ID number a pseudonymous one, its address the commune only; its users get a pseudonymous address, lose their names, are disabled and signed out; every consent is withdrawn. Its id, events, chain and hashes stay, so traceability and `nguon verify` hold. Recorded and audited; the national portal receives the pseudonymised record. Needs the household's key or a province key.",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The erasure: organisation, reason, fields, users, erased_by, erased_at", body = serde_json::Value),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such organisation, or another organisation's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Erased already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a household", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/organisations/{id}/erasure`.
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let organisation = subject(&state, &caller, &id).await?;
    let erasure = state
        .store
        .erase_personal_data(
            organisation.id,
            ErasureReason::Request,
            Actor::ApiKey(caller.key_id),
        )
        .await?;
    Ok(Json(erasure.to_json()))
}

async fn read_body(body: Body) -> Result<ConsentBody, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::BadRequest {
            field: "body",
            rule: format!("must be at most {MAX_BODY_BYTES} bytes"),
        })?;
    serde_json::from_slice(&bytes).map_err(|error| ApiError::BadRequest {
        field: "body",
        rule: format!(
            "must be a JSON object {{\"fields\": [\"name\", \"address\", \"phone\"], \"basis\": text}}: {error}"
        ),
    })
}
