//! Probes for process supervisors and load balancers.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::{ApiError, AppState};

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Operations",
    responses((status = 200, description = "The process serves HTTP", body = serde_json::Value))
)]
/// Liveness: the process is up and serving HTTP. Touches nothing else, so a slow database never
/// gets a healthy process restarted.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Operations",
    responses(
        (status = 200, description = "The database answers", body = serde_json::Value),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
/// Readiness: the database answers, so requests can be served. A load balancer stops sending
/// traffic while this fails.
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.store.ping().await.map_err(ApiError::NotReady)?;
    Ok(Json(json!({ "status": "ready" })))
}
