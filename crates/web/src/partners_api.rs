//! Partner systems and grants as JSON: `GET /api/v1/partners`, `GET /api/v1/grants`,
//! `POST /api/v1/grants` and `POST /api/v1/grants/{id}/revoke`.
//!
//! An organisation's key lists, gives and revokes its organisation's grants; a province key
//! reads every grant and gives none (sharing an organisation's data is that organisation's
//! decision); a partner system's key lists the live grants given to it, which tells it which
//! organisations it may capture for and read.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nguon_domain::{Actor, Grant, GrantId, OrganisationId, Partner, PartnerId, Permission};
use nguon_epcis::model::format_timestamp;
use nguon_store::{GrantFilter, StoreError};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Caller, KeyHolder};
use crate::error::ApiError;

/// Largest request body: a grant is two short fields.
const MAX_BODY_BYTES: usize = 4 * 1024;

/// A partner system as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerView {
    /// Its id: what a grant names.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `solution_provider` (captures for organisations) or `data_recipient` (reads only).
    pub kind: &'static str,
    /// Who to call about it.
    pub contact: String,
    /// `active` or `suspended` (its keys work only while active).
    pub status: &'static str,
}

impl From<&Partner> for PartnerView {
    fn from(partner: &Partner) -> Self {
        Self {
            id: partner.id.to_string(),
            name: partner.name.to_string(),
            kind: partner.kind.as_str(),
            contact: partner.contact.clone(),
            status: partner.status.as_str(),
        }
    }
}

/// Who a grant names: an id and a name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Named {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
}

/// A grant as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    /// Its id, for revoking it.
    pub id: String,
    /// The organisation that gave it: whose events the partner may capture or read.
    pub organisation: Named,
    /// The partner it was given to.
    pub partner: Named,
    /// `capture` (capture events owned by the organisation) or `read` (query its events).
    pub permission: &'static str,
    /// When it was given.
    pub granted_at: String,
    /// When it was revoked; a revoked grant allows nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// What `POST /api/v1/grants` reads.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// The partner's id (`GET /api/v1/partners`).
    #[schema(schema_with = crate::schema::uuid7)]
    partner: String,
    /// `capture` or `read`.
    #[schema(pattern = "^(capture|read)$")]
    permission: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/partners",
    tag = "Partners",
    summary = "The partner systems the province registered",
    description = "Solution providers (vendor platforms that capture for organisations) and data recipients (export buyers, importers, partner provinces). A partner acts for an organisation only through the grants that organisation gives it.",
    responses(
        (status = 200, description = "The partners, by name", body = Vec<PartnerView>),
        crate::error::responses::Unauthorized
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/partners`.
pub async fn list_partners(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<PartnerView>>, ApiError> {
    let partners = state.store.list_partners().await?;
    Ok(Json(partners.iter().map(PartnerView::from).collect()))
}

#[utoipa::path(
    get,
    path = "/api/v1/grants",
    tag = "Partners",
    summary = "Grants: what partner systems may do for organisations",
    description = "With an organisation's key, the grants it gave, revoked ones included; with a partner system's key, the live grants given to it (the organisations it may capture for, with Nguon-Organisation on capture, and read); with a province key, every grant. Newest first.",
    responses(
        (status = 200, description = "The grants", body = Vec<GrantView>),
        crate::error::responses::Unauthorized
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/grants`.
pub async fn list_grants(
    State(state): State<AppState>,
    holder: KeyHolder,
) -> Result<Json<Vec<GrantView>>, ApiError> {
    let filter = match &holder {
        KeyHolder::Member(caller) => GrantFilter {
            organisation: caller.reading_scope(),
            ..GrantFilter::default()
        },
        KeyHolder::Partner { partner, .. } => GrantFilter {
            partner: Some(partner.id),
            live_only: true,
            ..GrantFilter::default()
        },
    };
    let grants = state.store.list_grants(&filter).await?;
    Ok(Json(views(&state, &grants).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/grants",
    tag = "Partners",
    summary = "Grant a partner system a permission over the organisation's data",
    description = "`capture`: the partner may capture EPCIS events owned by the organisation (a solution provider only); `read`: it may query the organisation's events. Nothing is implied by registration; each permission is granted and revoked on its own.",
    request_body(content = GrantBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The grant", body = GrantView),
        (status = 400, description = "A field breaks its rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "Only an organisation's key grants", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partner", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partner already holds this permission", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A data recipient may only be given read", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/grants`.
pub async fn create_grant(
    State(state): State<AppState>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let organisation = granter(&caller)?;
    let body = read_body(body).await?;
    let partner = PartnerId::parse(&body.partner).map_err(|error| ApiError::BadRequest {
        field: "partner",
        rule: error.to_string(),
    })?;
    let permission = Permission::parse(&body.permission).map_err(|error| ApiError::BadRequest {
        field: "permission",
        rule: error.to_string(),
    })?;
    let grant = state
        .store
        .create_grant(
            organisation,
            partner,
            permission,
            Actor::ApiKey(caller.key_id),
        )
        .await?;
    let view = views(&state, std::slice::from_ref(&grant)).await?.remove(0);
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/revoke",
    tag = "Partners",
    summary = "Revoke a grant",
    description = "Takes effect on the partner's next request; a capture job already accepted stores nothing if its grant is revoked before it runs. Revoking again changes nothing.",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The grant's id")),
    responses(
        (status = 200, description = "The grant, revoked", body = GrantView),
        crate::error::responses::Unauthorized,
        (status = 403, description = "Only an organisation's key revokes", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such grant of this organisation", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/grants/{id}/revoke`.
pub async fn revoke_grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<GrantView>, ApiError> {
    let organisation = granter(&caller)?;
    let id = GrantId::parse(&id).map_err(|_| StoreError::NotFound {
        what: "grant",
        id: id.clone(),
    })?;
    let grant = state
        .store
        .revoke_grant(organisation, id, Actor::ApiKey(caller.key_id))
        .await?;
    Ok(Json(views(&state, &[grant]).await?.remove(0)))
}

/// The organisation whose grants the caller gives and revokes: only its own key's.
fn granter(caller: &Caller) -> Result<OrganisationId, ApiError> {
    caller.reading_scope().ok_or_else(|| {
        ApiError::forbidden(
            "grants are given and revoked by the organisation whose data they share; use the organisation's key",
        )
    })
}

async fn read_body(body: Body) -> Result<GrantBody, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::BadRequest {
            field: "body",
            rule: format!("must be at most {MAX_BODY_BYTES} bytes"),
        })?;
    serde_json::from_slice(&bytes).map_err(|error| ApiError::BadRequest {
        field: "body",
        rule: format!(
            "must be a JSON object {{\"partner\": id, \"permission\": \"capture\" or \"read\"}}: {error}"
        ),
    })
}

/// The grants with the names of their organisations and partners.
async fn views(state: &AppState, grants: &[Grant]) -> Result<Vec<GrantView>, ApiError> {
    let partners: HashMap<PartnerId, Partner> = state
        .store
        .list_partners()
        .await?
        .into_iter()
        .map(|partner| (partner.id, partner))
        .collect();
    let mut organisations: HashMap<OrganisationId, String> = HashMap::new();
    let mut shown = Vec::with_capacity(grants.len());
    for grant in grants {
        let organisation = match organisations.entry(grant.organisation) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(unknown) => {
                let name = state.store.organisation(grant.organisation).await?.name;
                unknown.insert(name.as_str().to_owned()).clone()
            }
        };
        shown.push(GrantView {
            id: grant.id.to_string(),
            organisation: Named {
                id: grant.organisation.to_string(),
                name: organisation,
            },
            partner: Named {
                id: grant.partner.to_string(),
                name: partners
                    .get(&grant.partner)
                    .map(|partner| partner.name.to_string())
                    .unwrap_or_default(),
            },
            permission: grant.permission.as_str(),
            granted_at: format_timestamp(grant.granted_at),
            revoked_at: grant.revoked_at.map(format_timestamp),
        });
    }
    Ok(shown)
}
