//! HTTP errors. This module is the only place where an error becomes an HTTP status.
//!
//! # Policy
//!
//! * Handlers return `Result<_, ApiError>`. Lower layers never know about HTTP: the store returns
//!   [`StoreError`], the domain returns `DomainError` (wrapped in [`StoreError::Domain`]), and the
//!   `From` conversion below is the single mapping.
//! * Every error response is an RFC 7807 problem (`application/problem+json`) with `type`,
//!   `title`, `status` and, where it helps the caller, `detail`. `type` is `about:blank` (so
//!   `title` is the status phrase) until a more specific type applies, such as an EPCIS exception.
//! * Client errors (4xx) say what was wrong, naming the field and the rule, because the caller
//!   can fix them: not found → 404, conflict → 409, a broken domain rule → 422.
//! * Server errors (5xx) never carry internals: no SQL, driver text, file paths or host names.
//!   The full reason is logged instead (`error` for 500, `warn` for 503), so an operator can
//!   match a response to a log line by time and path.
//! * An unavailable database is 503 (retry later); anything unexpected is 500.

use axum::Json;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use nguon_store::StoreError;
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A store operation failed; the kind of failure decides the status.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A readiness check failed: always 503, whatever the cause.
    #[error("not ready: {0}")]
    NotReady(StoreError),
    /// No route matches the request path.
    #[error("no route for {0}")]
    NoSuchRoute(String),
}

/// An RFC 7807 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary; the status phrase when `type` is `about:blank`.
    pub title: String,
    /// The HTTP status code, repeated for clients that only see the body.
    pub status: u16,
    /// What went wrong in this case, safe to show to the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Problem {
    /// An `about:blank` problem for `status` with an optional detail.
    pub fn new(status: StatusCode, detail: Option<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], Json(self)).into_response()
    }
}

impl ApiError {
    /// The problem to send, after logging what must not be sent.
    pub fn problem(&self) -> Problem {
        let unavailable = || {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Some("the database is unavailable; try again later".to_owned()),
            )
        };
        match self {
            Self::Store(error @ StoreError::NotFound { .. }) => {
                Problem::new(StatusCode::NOT_FOUND, Some(error.to_string()))
            }
            Self::Store(error @ StoreError::Conflict { .. }) => {
                Problem::new(StatusCode::CONFLICT, Some(error.to_string()))
            }
            Self::Store(error @ StoreError::Domain(_)) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some(error.to_string()))
            }
            Self::Store(StoreError::Unavailable(reason)) => {
                tracing::warn!(%reason, "database unavailable");
                unavailable()
            }
            Self::NotReady(error) => {
                tracing::warn!(reason = %error, "readiness check failed");
                unavailable()
            }
            Self::NoSuchRoute(path) => Problem::new(
                StatusCode::NOT_FOUND,
                Some(format!("no resource at {path}")),
            ),
            // `StoreError` is non-exhaustive: whatever it grows is a 500 until mapped here.
            Self::Store(error) => {
                tracing::error!(%error, "request failed");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, None)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.problem().into_response()
    }
}

/// The fallback handler: unknown paths get a problem, not an empty 404.
pub(crate) async fn no_such_route(uri: Uri) -> ApiError {
    ApiError::NoSuchRoute(uri.path().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nguon_domain::{DomainError, OrganisationStatus};

    fn problem(error: StoreError) -> Problem {
        ApiError::from(error).problem()
    }

    #[test]
    fn client_errors_explain_themselves() {
        let not_found = problem(StoreError::NotFound {
            what: "organisation",
            id: "0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f".into(),
        });
        assert_eq!(
            not_found,
            Problem {
                kind: "about:blank".into(),
                title: "Not Found".into(),
                status: 404,
                detail: Some("organisation 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f not found".into()),
            }
        );
        assert_eq!(problem(StoreError::tax_code_taken()).status, 409);
        let refused = problem(StoreError::Domain(DomainError::StatusTransition {
            from: OrganisationStatus::Suspended,
            to: OrganisationStatus::Pending,
        }));
        assert_eq!(refused.status, 422);
        assert!(
            refused
                .detail
                .unwrap()
                .starts_with("organisation status: cannot change from suspended to pending")
        );
    }

    #[test]
    fn server_errors_leak_nothing() {
        let internal = problem(StoreError::Internal(
            "error returned from database: no such table: organisations".into(),
        ));
        assert_eq!(
            internal,
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, None)
        );
        let down = problem(StoreError::Unavailable(
            "db.internal:5432: connection refused".into(),
        ));
        assert_eq!(down.status, 503);
        assert!(!down.detail.unwrap().contains("db.internal"));
    }

    #[test]
    fn responses_use_the_problem_media_type() {
        let response = ApiError::NoSuchRoute("/nope".into()).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
