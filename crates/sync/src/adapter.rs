//! What every target adapter does, and the HTTP exchange they share: which answers are worth a
//! retry and which a person must fix.

use std::time::Instant;

use async_trait::async_trait;
use nguon_domain::{Bilingual, SubjectKind, SyncDelivery, TargetName};
use reqwest::{RequestBuilder, Response, StatusCode};

use crate::record::Record;

/// What one push or check came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// The target took it; `confirmed` when it already says the record is in.
    Accepted {
        /// The target's name for the record (its id, or the job to check).
        reference: Option<String>,
        /// Whether the target confirmed it.
        confirmed: bool,
    },
    /// Not now, for a reason that may pass (a network fault, a 5xx, a precondition another
    /// delivery or an official will meet).
    Transient(Bilingual),
    /// Refused for a reason a person must fix.
    Refused(Bilingual),
}

/// A system records are sent to.
#[async_trait]
pub trait Adapter: Send + Sync {
    /// The subjects it takes.
    fn subjects(&self) -> &'static [SubjectKind];

    /// Sends `record`; `idempotency_key` is the same on every attempt of one delivery.
    async fn push(&self, record: &Record, idempotency_key: &str) -> Attempt;

    /// Asks whether a sent delivery is confirmed yet.
    async fn check(&self, delivery: &SyncDelivery) -> Attempt;
}

/// Sends one request, timing it for the metrics, and sorts out what no adapter wants to handle
/// itself: a network fault or timeout, `408`, `429` and `5xx` are transient; any other answer
/// is returned, with its status, for the adapter to read.
pub(crate) async fn exchange(
    target: &TargetName,
    what: &str,
    request: RequestBuilder,
) -> Result<Response, Attempt> {
    let started = Instant::now();
    let result = request.send().await;
    metrics::histogram!("nguon_sync_request_seconds", "target" => target.to_string())
        .record(started.elapsed().as_secs_f64());
    let response = result.map_err(|error| {
        let cause = if error.is_timeout() {
            "no answer in time".to_owned()
        } else if error.is_connect() {
            "cannot connect".to_owned()
        } else {
            error.to_string()
        };
        Attempt::Transient(Bilingual::new(
            format!("{what}: lỗi mạng ({cause}); sẽ thử lại"),
            format!("{what}: network error ({cause}); will retry"),
        ))
    })?;
    let status = response.status();
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        let body = short_body(response).await;
        return Err(Attempt::Transient(Bilingual::new(
            format!("{what}: hệ thống nhận trả lời {status} {body}; sẽ thử lại"),
            format!("{what}: the target answered {status} {body}; will retry"),
        )));
    }
    Ok(response)
}

/// The refusal for a `4xx` the adapter did not expect, with what the target said.
pub(crate) async fn refused(what: &str, response: Response) -> Attempt {
    let status = response.status();
    let body = short_body(response).await;
    Attempt::Refused(Bilingual::new(
        format!("{what}: hệ thống nhận từ chối ({status}): {body}"),
        format!("{what}: the target refused it ({status}): {body}"),
    ))
}

/// The first 300 characters of a body, on one line, for a reason people read.
async fn short_body(response: Response) -> String {
    let text = response.text().await.unwrap_or_default();
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(300).collect()
}

/// The JSON body of a success, or a transient attempt when the target sent something else.
pub(crate) async fn json_body(
    what: &str,
    response: Response,
) -> Result<serde_json::Value, Attempt> {
    response.json().await.map_err(|error| {
        Attempt::Transient(Bilingual::new(
            format!("{what}: câu trả lời không phải JSON hợp lệ ({error}); sẽ thử lại"),
            format!("{what}: the answer is not valid JSON ({error}); will retry"),
        ))
    })
}
