//! Probes for process supervisors and load balancers.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::{ApiError, AppState};

/// Liveness: the process is up and serving HTTP. Touches nothing else, so a slow database never
/// gets a healthy process restarted.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers, so requests can be served. A load balancer stops sending
/// traffic while this fails.
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.store.ping().await.map_err(ApiError::NotReady)?;
    Ok(Json(json!({ "status": "ready" })))
}
