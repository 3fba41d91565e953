//! Resolver links as JSON: `/api/v1/resolver/links` (list, create) and
//! `/api/v1/resolver/links/{id}` (read, replace, delete).
//!
//! An organisation key manages links only for keys it owns: a key under one of its company
//! prefixes, or a GTIN it registered as a product. It sees only its own links; another
//! organisation's link is a 404, as if it did not exist. A province key reads and removes any
//! link (moderation) but adds none.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Actor, NewResolverLink, OrganisationId, ProductDetails, ResolverLink, ResolverLinkId,
};
use nguon_store::Registry;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Largest request body: a link is a few hundred bytes.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// What `POST` and `PUT` read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LinkBody {
    /// The key the link is for: a Digital Link URI or path, e.g. `/01/08934673000017/10/L1`.
    identifier: String,
    /// A GS1 link type, e.g. `gs1:pip`, `gs1:certificationInfo`, `gs1:recallStatus`.
    link_type: String,
    /// The target URL (`https://` or `http://`).
    href: String,
    /// What a person sees for the link.
    title: String,
    /// The target's media type, e.g. `text/html`.
    #[serde(rename = "type", default)]
    media_type: Option<String>,
    /// The target's language, e.g. `vi` or `en`.
    #[serde(default)]
    hreflang: Option<String>,
    /// Whether a scan without a link type goes here (one per key level).
    #[serde(default)]
    default: bool,
}

impl LinkBody {
    fn parse(&self) -> Result<NewResolverLink, ApiError> {
        NewResolverLink::parse(
            &self.identifier,
            &self.link_type,
            &self.href,
            &self.title,
            self.media_type.as_deref(),
            self.hreflang.as_deref(),
            self.default,
        )
        .map_err(|error| ApiError::BadRequest {
            field: "body",
            rule: error.to_string(),
        })
    }
}

async fn read_body(body: Body) -> Result<LinkBody, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::BadRequest {
            field: "body",
            rule: format!("must be at most {MAX_BODY_BYTES} bytes"),
        })?;
    serde_json::from_slice(&bytes).map_err(|error| ApiError::BadRequest {
        field: "body",
        rule: error.to_string(),
    })
}

/// The organisation that writes links for the caller.
fn writer(caller: &Caller) -> Result<OrganisationId, ApiError> {
    caller.reading_scope().ok_or_else(|| {
        ApiError::forbidden(
            "a province key reads and removes resolver links but adds none; use the organisation's key",
        )
    })
}

/// Refuses a link for a key `owner` does not hold: neither under its company prefix nor a
/// product it registered.
pub async fn check_owner(
    state: &AppState,
    owner: OrganisationId,
    link: &NewResolverLink,
) -> Result<(), ApiError> {
    let key = link.digital_link().key();
    if let Some((holder, _)) = state
        .store
        .organisation_for_key(key.company_prefix_digits())
        .await?
        && holder.id == owner
    {
        return Ok(());
    }
    if let Some(product) = state.store.find::<ProductDetails>(key.as_str()).await?
        && product.organisation == Some(owner)
    {
        return Ok(());
    }
    Err(ApiError::BadRequest {
        field: "identifier",
        rule: format!(
            "{} is neither under a company prefix of this organisation nor one of its registered products",
            key.as_str()
        ),
    })
}

/// The link `id`, if the caller may see it.
async fn visible(state: &AppState, caller: &Caller, id: &str) -> Result<ResolverLink, ApiError> {
    let id = ResolverLinkId::parse(id).map_err(|error| ApiError::BadRequest {
        field: "id",
        rule: error.to_string(),
    })?;
    let link = state.store.resolver_link(id).await?;
    match caller.reading_scope() {
        Some(own) if link.organisation != own => {
            Err(ApiError::Store(nguon_store::no_such_resolver_link(id)))
        }
        _ => Ok(link),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/resolver/links",
    tag = "Resolver",
    summary = "List resolver links",
    description = "The links the key may see, by key then age: an organisation key its own, a province key all. Automatic links (gs1:epcis, gs1:traceability of registered products) are not stored and not listed.",
    responses(
        (status = 200, description = "The links: id, organisation, anchor, linkType, href, title, type, hreflang, default, createdAt, updatedAt", body = serde_json::Value),
        crate::error::responses::Unauthorized
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/resolver/links`.
pub async fn list_links(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ResolverLink>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_resolver_links(caller.reading_scope())
            .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/resolver/links",
    tag = "Resolver",
    summary = "Add a resolver link",
    description = "Adds a link for a key the organisation holds (under its company prefix, or a product it registered), at the level the identifier names (GTIN, lot, serial…).",
    request_body(content = LinkBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The stored link; Location names it", body = serde_json::Value),
        (status = 400, description = "A field breaks its rule, or the key is not the organisation's", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "A province key adds no links", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same link exists, or the level has a default already", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/resolver/links`.
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let owner = writer(&caller)?;
    let link = read_body(body).await?.parse()?;
    check_owner(&state, owner, &link).await?;
    let stored = state
        .store
        .create_resolver_link(owner, &link, Actor::ApiKey(caller.key_id))
        .await?;
    let location = format!("/api/v1/resolver/links/{}", stored.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(stored),
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/resolver/links/{id}",
    tag = "Resolver",
    summary = "Read a resolver link",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The link's id")),
    responses(
        (status = 200, description = "The link", body = serde_json::Value),
        crate::error::responses::MalformedId,
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such link the key may see", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/resolver/links/{id}`.
pub async fn link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ResolverLink>, ApiError> {
    Ok(Json(visible(&state, &caller, &id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/resolver/links/{id}",
    tag = "Resolver",
    summary = "Replace a resolver link",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The link's id")),
    request_body(content = LinkBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The link as stored now", body = serde_json::Value),
        (status = 400, description = "A field breaks its rule, or the key is not the organisation's", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "A province key changes no links", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such link the key may see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same link exists, or the level has a default already", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `PUT /api/v1/resolver/links/{id}`.
pub async fn replace_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<ResolverLink>, ApiError> {
    let owner = writer(&caller)?;
    let existing = visible(&state, &caller, &id).await?;
    let link = read_body(body).await?.parse()?;
    check_owner(&state, owner, &link).await?;
    Ok(Json(
        state
            .store
            .update_resolver_link(existing.id, &link, Actor::ApiKey(caller.key_id))
            .await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/resolver/links/{id}",
    tag = "Resolver",
    summary = "Remove a resolver link",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The link's id")),
    responses(
        (status = 204, description = "Removed"),
        crate::error::responses::MalformedId,
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such link the key may see", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `DELETE /api/v1/resolver/links/{id}`.
pub async fn delete_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let existing = visible(&state, &caller, &id).await?;
    state
        .store
        .delete_resolver_link(existing.id, Actor::ApiKey(caller.key_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
