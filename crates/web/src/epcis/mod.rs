//! The EPCIS 2.0 REST bindings under `/epcis`: capture, queries, top-level resources.
//!
//! Every response carries `GS1-EPCIS-Version` and `GS1-CBV-Version`, and capture limits are
//! advertised in `GS1-EPCIS-Capture-Limit` and `GS1-EPCIS-Capture-File-Size-Limit`. A client
//! asking for another EPCIS version (`GS1-EPCIS-Version` on the request) gets `406`.

pub mod capture;
pub mod index;
pub mod params;
pub mod queries;
pub mod query;
pub mod respond;
pub mod subscriptions;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, EpcisException, PROBLEM_JSON};
use respond::{CBV_VERSION, EPCIS_VERSION};

/// The `/epcis` routes, documented.
pub fn routes(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(discovery))
        .routes(routes!(capture::list_jobs, capture::capture))
        .routes(routes!(capture::job))
        .routes(routes!(query::events, capture::capture_event))
        .routes(routes!(query::event))
        .routes(routes!(query::collection))
        .routes(routes!(query::member))
        .routes(routes!(query::member_events))
        .merge(queries::routes())
        // Bodies are read with the capture size limit by the handlers, which answer 413 as an
        // EPCIS problem rather than axum's plain-text rejection.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), capture_rate))
        .layer(middleware::from_fn_with_state(state, version_headers))
}

/// Holds each API key to its capture rate: `POST /epcis/capture` and `POST /epcis/events`
/// beyond it answer `429` with `Retry-After`, before the body is read.
async fn capture_rate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let captures = request.method() == axum::http::Method::POST
        && (path.ends_with("/capture") || path.ends_with("/events"));
    let authorization = request.headers().get(axum::http::header::AUTHORIZATION);
    if let (true, Some(authorization)) = (captures, authorization)
        && let Err(wait) = state.limits.capture(authorization.as_bytes())
    {
        return crate::throttle::too_many_requests(
            wait,
            "this API key sent captures faster than its rate; wait and send again",
        );
    }
    next.run(request).await
}

/// Checks the requested EPCIS version and stamps the version and limit headers on the answer.
async fn version_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let asked = request
        .headers()
        .get("GS1-EPCIS-Version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let problems_as_xml = wants_xml_problems(request.headers());
    let mut response = match asked {
        Some(version) if !version.trim().starts_with("2.0") => ApiError::epcis(
            EpcisException::NotAcceptable,
            StatusCode::NOT_ACCEPTABLE,
            format!("GS1-EPCIS-Version {version:?}: this server implements EPCIS {EPCIS_VERSION}"),
        )
        .into_response(),
        _ => next.run(request).await,
    };
    if problems_as_xml {
        response = problem_as_xml(response).await;
    }
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

/// Whether the client prefers XML, so errors go out as `application/problem+xml`.
fn wants_xml_problems(headers: &axum::http::HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accept.contains("application/problem+xml")
        || matches!(
            respond::Binding::accepted(headers),
            Ok(respond::Binding::Xml)
        )
}

/// Rewrites an RFC 7807 JSON problem as the RFC 7807 XML form (`urn:ietf:rfc:7807`); any other
/// response passes unchanged.
async fn problem_as_xml(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return (parts.status, "").into_response();
    };
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><problem xmlns="urn:ietf:rfc:7807">"#,
    );
    for field in ["type", "title", "status", "detail"] {
        match &problem[field] {
            serde_json::Value::String(text) => element(&mut xml, field, text),
            serde_json::Value::Number(number) => element(&mut xml, field, &number.to_string()),
            _ => {}
        }
    }
    if let Some(errors) = problem["errors"].as_array() {
        xml.push_str("<errors>");
        for issue in errors {
            xml.push_str("<i>");
            for field in ["eventIndex", "field", "message"] {
                match &issue[field] {
                    serde_json::Value::String(text) => element(&mut xml, field, text),
                    serde_json::Value::Number(number) => {
                        element(&mut xml, field, &number.to_string());
                    }
                    _ => {}
                }
            }
            xml.push_str("</i>");
        }
        xml.push_str("</errors>");
    }
    xml.push_str("</problem>");
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+xml"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(xml))
}

/// Appends `<name>text</name>` with the text escaped.
fn element(xml: &mut String, name: &str, text: &str) {
    xml.push('<');
    xml.push_str(name);
    xml.push('>');
    nguon_epcis::xml::escape_text(text, xml);
    xml.push_str("</");
    xml.push_str(name);
    xml.push('>');
}

#[utoipa::path(
    method(get, options),
    path = "/",
    tag = "Discovery",
    summary = "The top-level resources this server offers",
    responses(
        (status = 200, description = "A Collection of resource names", body = serde_json::Value),
        (status = 204, description = "OPTIONS: allowed methods in Allow")
    )
)]
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
