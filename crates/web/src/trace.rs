//! Traceability: `GET /api/v1/trace/{id}` walks the genealogy of a lot, serial or logistic unit
//! back to every origin or forward to every recipient, and `GET /api/v1/trace/{id}/one-step`
//! gives its immediate suppliers and recipients, `GET /api/v1/trace/{id}/checks` judges the
//! genealogy both ways, and `GET /api/v1/trace/{id}/quality` scores its records. The walk, the
//! checks and the score are [`nguon_trace`].
//!
//! A province key traces any code. An organisation key traces the codes whose chain its
//! organisation took part in, as on the trace page: walked both ways from the code, the
//! genealogy must reach one of the organisation's events. A recall still follows the
//! organisation's goods wherever they went, across every organisation's events, but another
//! organisation's unrelated lot is a 404 exactly like a code nobody recorded.

use axum::Json;
use axum::extract::{Path, Query, State};
use nguon_domain::{LotQuality, OrganisationId};
use nguon_store::StoreError;
use nguon_trace::checks::{Checked, Tolerances};
use nguon_trace::{Direction, Identifier, Limits, OneStep, Trace};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

#[utoipa::path(
    get,
    path = "/api/v1/trace/{id}",
    tag = "Traceability",
    summary = "Trace a lot, serial or logistic unit back to its origins or forward to its recipients",
    description = "Walks every organisation's events breadth first from `id`: through transformations (outputs to inputs, or inputs to outputs), aggregation (containers to contents, or contents to containers) and disaggregation. Shipping and receiving by different organisations are events on the same node, whose `organisations` list the hand-over in time order. Each node carries its events with time, type, bizStep, owner, read point, business location, quantity and unit, sources, destinations and business transactions; each edge names the linking event. At most 10,000 nodes: `truncated` says the genealogy goes on.",
    params(
        ("id" = String, Path, description = "A GS1 identifier, percent-encoded: Digital Link URI, EPC URN or element string; or a private URN"),
        ("direction" = String, Query, pattern = "^(back|forward)$", description = "back or forward")
    ),
    responses(
        (status = 200, description = "The trace: start, direction, nodes, edges, truncated", body = serde_json::Value),
        (status = 400, description = "`id` is not an identifier, or `direction` is missing or not back/forward", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event names `id`, or, for an organisation key, its chain reaches none of the organisation's events", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/trace/{id}?direction=back|forward`.
pub async fn trace(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<Trace>, ApiError> {
    let identifier = identifier(&id)?;
    let direction = direction(&pairs)?;
    in_scope(&state, &caller, &identifier).await?;
    nguon_trace::trace(&*state.store, &identifier, direction, Limits::default())
        .await?
        .map(Json)
        .ok_or_else(|| unknown(&identifier))
}

#[utoipa::path(
    get,
    path = "/api/v1/trace/{id}/one-step",
    tag = "Traceability",
    summary = "One step back and one step forward from a lot, serial or logistic unit",
    description = "The immediate suppliers (inputs of the transformation that made `id`, contents of a container, the container it was unpacked from) and recipients (outputs made from it, the container it was packed into, contents unpacked from it), each with the linking event, its owner, the quantity it names, and the organisations that held it; plus the organisations `id` passed between, in time order.",
    params(
        ("id" = String, Path, description = "A GS1 identifier, percent-encoded: Digital Link URI, EPC URN or element string; or a private URN")
    ),
    responses(
        (status = 200, description = "identifier, kind, organisations, suppliers, recipients, truncated", body = serde_json::Value),
        (status = 400, description = "`id` is not an identifier", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event names `id`, or, for an organisation key, its chain reaches none of the organisation's events", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/trace/{id}/one-step`.
pub async fn one_step(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OneStep>, ApiError> {
    let identifier = identifier(&id)?;
    in_scope(&state, &caller, &identifier).await?;
    nguon_trace::one_step(&*state.store, &identifier)
        .await?
        .map(Json)
        .ok_or_else(|| unknown(&identifier))
}

#[utoipa::path(
    get,
    path = "/api/v1/trace/{id}/checks",
    tag = "Traceability",
    summary = "Check the genealogy of a lot, serial or logistic unit",
    description = "Walks back and forward from `id` and checks every event read: mass balance per transformation and per lot and organisation (UN/ECE Rec 20 units converted; 2% gain and 1% overdraw tolerated), timeline (events before the lot was made, shipping before production, use before receipt, receipts with no matching shipment or before it), harvests within the withdrawal period or pre-harvest interval of a treatment of the same pond or field, identifiers with no way in or no way on, and cycles. Each finding has a rule code, a severity (error, warning, info), a message in English and Vietnamese, and the event IDs and identifiers behind it; errors first.",
    params(
        ("id" = String, Path, description = "A GS1 identifier, percent-encoded: Digital Link URI, EPC URN or element string; or a private URN")
    ),
    responses(
        (status = 200, description = "start and findings: rule, severity, message {en, vi}, eventIds, identifiers", body = serde_json::Value),
        (status = 400, description = "`id` is not an identifier", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event names `id`, or, for an organisation key, its chain reaches none of the organisation's events", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/trace/{id}/checks`.
pub async fn checks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Checked>, ApiError> {
    let identifier = identifier(&id)?;
    in_scope(&state, &caller, &identifier).await?;
    nguon_trace::checks::run(
        &*state.store,
        &identifier,
        Limits::default(),
        &Tolerances::default(),
    )
    .await?
    .map(Json)
    .ok_or_else(|| unknown(&identifier))
}

#[utoipa::path(
    get,
    path = "/api/v1/trace/{id}/quality",
    tag = "Traceability",
    summary = "Score the records of a lot, serial or logistic unit out of 100",
    description = "Walks back and forward from `id` and scores its records: 100, less 10 when the first stage of its product's chain template has no event and 3 for each later stage up to the furthest recorded (20 when no template applies), 2 per stage and required KDE missing from that stage's events, 4 per missing item of the 10 TT 02/2024 asks for (product name, image, producer's name and address, stages with product and location codes and times, production time, GS1 trace code, brand, shelf life, applied standards), 10 per error and 4 per warning of the checks; never below 0. Every line says in Vietnamese and English what was checked, whether it was there, why not, and the points it cost. The score is stored for `/quality`, replacing the one before.",
    params(
        ("id" = String, Path, description = "A GS1 identifier, percent-encoded: Digital Link URI, EPC URN or element string; or a private URN")
    ),
    responses(
        (status = 200, description = "identifier, organisation, score, chain, lines: section (stages, kdes, tt02, findings), code, label {vi, en}, present, reason {vi, en}, deduction; computedAt", body = serde_json::Value),
        (status = 400, description = "`id` is not an identifier", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event names `id`, or, for an organisation key, its chain reaches none of the organisation's events", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/trace/{id}/quality`.
pub async fn quality(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LotQuality>, ApiError> {
    let identifier = identifier(&id)?;
    in_scope(&state, &caller, &identifier).await?;
    nguon_trace::quality::refresh(&*state.store, &crate::quality::CHAINS, &identifier)
        .await?
        .map(Json)
        .ok_or_else(|| unknown(&identifier))
}

/// The `id` path parameter, already percent-decoded by the router.
fn identifier(id: &str) -> Result<Identifier, ApiError> {
    Identifier::parse(id).map_err(|error| ApiError::BadRequest {
        field: "id",
        rule: error.to_string(),
    })
}

/// The one `direction` query parameter.
fn direction(pairs: &[(String, String)]) -> Result<Direction, ApiError> {
    let rule = |rule: &str| ApiError::BadRequest {
        field: "direction",
        rule: rule.to_owned(),
    };
    let given: Vec<&str> = pairs
        .iter()
        .filter(|(name, _)| name == "direction")
        .map(|(_, value)| value.as_str())
        .collect();
    match given[..] {
        [value] => Direction::parse(value).ok_or_else(|| rule("must be back or forward")),
        [] => Err(rule("is required: back or forward")),
        _ => Err(rule("must be given once")),
    }
}

/// Whether one of `owner`'s events is on `walks`: the organisation took part in the chain.
pub(crate) fn reaches(walks: &[&Trace], owner: OrganisationId) -> bool {
    walks
        .iter()
        .flat_map(|walk| &walk.nodes)
        .flat_map(|node| &node.events)
        .any(|event| event.owner == owner)
}

/// Refuses, as [`unknown`], a code whose chain the caller's organisation took no part in; a
/// province key traces every code.
async fn in_scope(
    state: &AppState,
    caller: &Caller,
    identifier: &Identifier,
) -> Result<(), ApiError> {
    let Some(own) = caller.reading_scope() else {
        return Ok(());
    };
    let mut walks = Vec::new();
    for direction in [Direction::Back, Direction::Forward] {
        walks.extend(
            nguon_trace::trace(&*state.store, identifier, direction, Limits::default()).await?,
        );
    }
    if reaches(&walks.iter().collect::<Vec<_>>(), own) {
        Ok(())
    } else {
        Err(unknown(identifier))
    }
}

/// `404` for an identifier no event names.
pub(crate) fn unknown(identifier: &Identifier) -> ApiError {
    ApiError::Store(StoreError::NotFound {
        what: "identifier",
        id: identifier.to_string(),
    })
}
