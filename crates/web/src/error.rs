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
//! * An unavailable database is 503, and so is a server holding as much accepted work as it may
//!   (a capture flood); both say when to retry in `Retry-After`. Anything unexpected is 500.

use axum::Json;
use axum::http::{StatusCode, header};
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
    /// A path or query parameter outside the EPCIS bindings breaks its rule: always 400.
    #[error("{field}: {rule}")]
    BadRequest {
        /// The parameter, as the API names it.
        field: &'static str,
        /// The rule it broke.
        rule: String,
    },
    /// The server holds as much accepted work as it may: always 503 with `Retry-After`.
    #[error("{detail}")]
    Busy {
        /// What is full, and what to do.
        detail: String,
        /// When to send again.
        retry_after: std::time::Duration,
    },
    /// An EPCIS exception, with the status the REST bindings give it.
    #[error("{exception:?}: {detail}")]
    Epcis {
        /// Which exception.
        exception: EpcisException,
        /// The HTTP status.
        status: StatusCode,
        /// What was wrong, naming the field and the rule.
        detail: String,
        /// Each problem found, for documents with several.
        issues: Vec<Issue>,
    },
}

impl ApiError {
    /// An EPCIS exception with one detail and no issue list.
    pub fn epcis(exception: EpcisException, status: StatusCode, detail: impl Into<String>) -> Self {
        Self::Epcis {
            exception,
            status,
            detail: detail.into(),
            issues: Vec::new(),
        }
    }

    /// `401`: no valid API key.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::epcis(EpcisException::Security, StatusCode::UNAUTHORIZED, detail)
    }

    /// `403`: a valid key that may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::epcis(EpcisException::Security, StatusCode::FORBIDDEN, detail)
    }

    /// `400 QueryParameterException` naming the parameter.
    pub fn query_parameter(parameter: &str, rule: impl std::fmt::Display) -> Self {
        Self::epcis(
            EpcisException::QueryParameter,
            StatusCode::BAD_REQUEST,
            format!("{parameter}: {rule}"),
        )
    }
}

/// Axum's `Query` with its rejection as a problem+json `400` naming what is wrong, like every
/// other bad input (axum's own rejection is plain text).
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| ApiError::BadRequest {
                field: "query",
                rule: rejection.body_text(),
            })
    }
}

/// [`ApiQuery`] for the EPCIS bindings, whose bad query is a `QueryParameterException`.
pub struct EpcisQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for EpcisQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match ApiQuery::<T>::from_request_parts(parts, state).await {
            Ok(ApiQuery(value)) => Ok(Self(value)),
            Err(ApiError::BadRequest { field, rule }) => {
                Err(ApiError::query_parameter(field, rule))
            }
            Err(other) => Err(other),
        }
    }
}

/// Problem responses shared by many operations, for the OpenAPI document: one type per status
/// and meaning, named in `#[utoipa::path(responses(…))]` instead of repeating the same lines.
/// They only describe responses; handlers return [`ApiError`].
pub mod responses {
    #![expect(
        dead_code,
        reason = "documentation types: never built, the handlers return ApiError"
    )]

    use super::Problem;

    /// 401.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 401,
        description = "SecurityException: no valid API key",
        content_type = "application/problem+json"
    )]
    pub struct Unauthorized(Problem);

    /// 406.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 406,
        description = "NotAcceptableException: unsupported Accept or GS1-EPCIS-Version",
        content_type = "application/problem+json"
    )]
    pub struct NotAcceptable(Problem);

    /// 500.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 500,
        description = "ImplementationException",
        content_type = "application/problem+json"
    )]
    pub struct ImplementationFailed(Problem);

    /// 429.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 429,
        description = "The API key sent captures faster than its rate ([limits] captures_per_minute); Retry-After says how many seconds to wait",
        headers(("Retry-After" = u64, description = "Seconds to wait")),
        content_type = "application/problem+json"
    )]
    pub struct TooManyRequests(Problem);

    /// 503 when accepted captures wait for the database.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 503,
        description = "The server holds as many captured events waiting to be stored as it may ([epcis] capture_backlog), or the database is unavailable; nothing of the request was kept; Retry-After says how many seconds to wait",
        headers(("Retry-After" = u64, description = "Seconds to wait")),
        content_type = "application/problem+json"
    )]
    pub struct CaptureBusy(Problem);

    /// 400 for a malformed path parameter.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 400,
        description = "The id is not in its form (the detail names the rule)",
        content_type = "application/problem+json"
    )]
    pub struct MalformedId(Problem);

    /// 400 for a query parameter of the EPCIS bindings.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 400,
        description = "QueryParameterException: a query parameter breaks its rule (the detail names it)",
        content_type = "application/problem+json"
    )]
    pub struct BadQueryParameter(Problem);

    /// 503.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 503,
        description = "The database is unavailable; try again later",
        content_type = "application/problem+json"
    )]
    pub struct Unavailable(Problem);

    /// 404 for capture jobs, events and subscriptions.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 404,
        description = "NoSuchResourceException",
        content_type = "application/problem+json"
    )]
    pub struct NoSuchResource(Problem);

    /// 404 for named queries.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 404,
        description = "NoSuchNameException",
        content_type = "application/problem+json"
    )]
    pub struct NoSuchName(Problem);
}

/// The EPCIS 2.0 exception types that RFC 7807 problems carry as `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpcisException {
    /// The document or event breaks the schema or a CBV rule.
    Validation,
    /// A query is malformed as a whole.
    QueryValidation,
    /// A query parameter is unknown or its value is invalid.
    QueryParameter,
    /// A query would return more events than allowed.
    QueryTooLarge,
    /// The query cannot be answered efficiently.
    QueryTooComplex,
    /// The eventID, event hash or query name already exists.
    ResourceAlreadyExists,
    /// No such named query.
    NoSuchName,
    /// No such resource (capture job, event, subscription).
    NoSuchResource,
    /// Missing or insufficient credentials.
    Security,
    /// The document has more events or bytes than the server takes.
    CaptureLimitExceeded,
    /// The request body's media type is not served.
    UnsupportedMediaType,
    /// No acceptable response media type.
    NotAcceptable,
    /// The server failed.
    Implementation,
}

impl EpcisException {
    /// The problem `type`, e.g. `epcisException:ValidationException`.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Validation => "epcisException:ValidationException",
            Self::QueryValidation => "epcisException:QueryValidationException",
            Self::QueryParameter => "epcisException:QueryParameterException",
            Self::QueryTooLarge => "epcisException:QueryTooLargeException",
            Self::QueryTooComplex => "epcisException:QueryTooComplexException",
            Self::ResourceAlreadyExists => "epcisException:ResourceAlreadyExistsException",
            Self::NoSuchName => "epcisException:NoSuchNameException",
            Self::NoSuchResource => "epcisException:NoSuchResourceException",
            Self::Security => "epcisException:SecurityException",
            Self::CaptureLimitExceeded => "epcisException:CaptureLimitExceededException",
            Self::UnsupportedMediaType => "epcisException:UnsupportedMediaTypeException",
            Self::NotAcceptable => "epcisException:NotAcceptableException",
            Self::Implementation => "epcisException:ImplementationException",
        }
    }
}

/// One problem in a document: which event (from 0, as EPCIS tools count), which field, what rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// Position of the event in the document's event list; absent for the document itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_index: Option<usize>,
    /// The field, e.g. `epcisBody.eventList[3].bizStep`.
    pub field: String,
    /// The rule it broke.
    pub message: String,
}

/// An RFC 7807 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    /// Every problem found in a document, when there were several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Issue>,
}

impl Problem {
    /// An `about:blank` problem for `status` with an optional detail.
    pub fn new(status: StatusCode, detail: Option<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
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
            Self::Busy { detail, .. } => {
                tracing::warn!(%detail, "busy");
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, Some(detail.clone()))
            }
            Self::BadRequest { .. } => {
                Problem::new(StatusCode::BAD_REQUEST, Some(self.to_string()))
            }
            Self::NoSuchRoute(path) => Problem::new(
                StatusCode::NOT_FOUND,
                Some(format!("no resource at {path}")),
            ),
            Self::Epcis {
                exception,
                status,
                detail,
                issues,
            } => Problem {
                kind: exception.uri().to_owned(),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: Some(detail.clone()),
                errors: issues.clone(),
            },
            // `StoreError` is non-exhaustive: whatever it grows is a 500 until mapped here.
            Self::Store(error) => {
                tracing::error!(%error, "request failed");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, None)
            }
        }
    }
}

/// How long a client should wait before trying a database that was unavailable.
const UNAVAILABLE_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

impl ApiError {
    /// When a client may send again: for the 503s, which pass.
    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Busy { retry_after, .. } => Some(*retry_after),
            Self::Store(StoreError::Unavailable(_)) | Self::NotReady(_) => Some(UNAVAILABLE_RETRY),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after();
        let mut response = self.problem().into_response();
        if let Some(wait) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, crate::throttle::retry_after(wait));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nguon_domain::{ApprovalStatus, DomainError};

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
                errors: Vec::new(),
            }
        );
        assert_eq!(problem(StoreError::tax_code_taken()).status, 409);
        let refused = problem(StoreError::Domain(DomainError::StatusTransition {
            from: ApprovalStatus::Suspended,
            to: ApprovalStatus::Pending,
        }));
        assert_eq!(refused.status, 422);
        assert!(
            refused
                .detail
                .unwrap()
                .starts_with("status: cannot change from suspended to pending")
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
