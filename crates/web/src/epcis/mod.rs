//! The EPCIS 2.0 REST bindings under `/epcis`: capture, queries, top-level resources.
//!
//! Every response carries `GS1-EPCIS-Version` and `GS1-CBV-Version`, and capture limits are
//! advertised in `GS1-EPCIS-Capture-Limit` and `GS1-EPCIS-Capture-File-Size-Limit`. A client
//! asking for another EPCIS version (`GS1-EPCIS-Version` on the request) gets `406`.

pub mod capture;
pub mod index;
pub mod params;
pub mod query;
pub mod respond;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, EpcisException};
use respond::{CBV_VERSION, EPCIS_VERSION};

/// The `/epcis` routes.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(discovery).options(discovery))
        .route("/capture", get(capture::list_jobs).post(capture::capture))
        .route("/capture/{capture_id}", get(capture::job))
        .route("/events", get(query::events).post(capture::capture_event))
        .route("/events/{event_id}", get(query::event))
        .route("/{resource}", get(query::collection))
        .route("/{resource}/{id}", get(query::member))
        .route("/{resource}/{id}/events", get(query::member_events))
        // Bodies are read with the capture size limit by the handlers, which answer 413 as an
        // EPCIS problem rather than axum's plain-text rejection.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state, version_headers))
}

/// Checks the requested EPCIS version and stamps the version and limit headers on the answer.
async fn version_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let asked = request
        .headers()
        .get("GS1-EPCIS-Version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut response = match asked {
        Some(version) if !version.trim().starts_with("2.0") => ApiError::epcis(
            EpcisException::NotAcceptable,
            StatusCode::NOT_ACCEPTABLE,
            format!("GS1-EPCIS-Version {version:?}: this server implements EPCIS {EPCIS_VERSION}"),
        )
        .into_response(),
        _ => next.run(request).await,
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("GS1-EPCIS-Version", EPCIS_VERSION.to_owned()),
        ("GS1-EPCIS-Min", EPCIS_VERSION.to_owned()),
        ("GS1-EPCIS-Max", EPCIS_VERSION.to_owned()),
        ("GS1-CBV-Version", CBV_VERSION.to_owned()),
        ("GS1-CBV-Min", CBV_VERSION.to_owned()),
        ("GS1-CBV-Max", CBV_VERSION.to_owned()),
        (
            "GS1-EPCIS-Capture-Limit",
            state.epcis.capture_limit.to_string(),
        ),
        (
            "GS1-EPCIS-Capture-File-Size-Limit",
            state.epcis.capture_file_size_limit.to_string(),
        ),
        (
            "GS1-Vendor-Version",
            format!("nguon/{}", env!("CARGO_PKG_VERSION")),
        ),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// `GET /epcis` and `OPTIONS /epcis`: the top-level resources this server offers.
async fn discovery(method: Method) -> Response {
    if method == Method::OPTIONS {
        return (
            StatusCode::NO_CONTENT,
            [(header::ALLOW, HeaderValue::from_static("GET, OPTIONS"))],
        )
            .into_response();
    }
    axum::Json(json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "Collection",
        "member": ["events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions", "capture"]
    }))
    .into_response()
}
