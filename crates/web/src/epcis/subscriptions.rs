//! Webhook subscriptions to named queries (`/queries/{name}/subscriptions`) and the worker that
//! delivers them.
//!
//! A delivery is an `EPCISQueryDocument` POSTed to `dest`, signed with
//! `GS1-Signature: sha256=<hex HMAC-SHA256 of the body>` when the client gave a
//! `signatureToken`. Stream subscriptions are sent on every capture, scheduled ones at their
//! times. A failed POST is retried with exponential backoff; the subscription's cursor moves
//! only after a `2xx`, so a crash or a restart sends events again rather than losing them.
//!
//! Limitations: `dest` must be plain `http://` (no TLS client is built in); schedules run in UTC;
//! the worker looks at every subscription on each tick, which suits a provincial pilot, not
//! millions of subscriptions.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use nguon_domain::{
    NewSubscription, OrganisationId, QueryName, Schedule, ScheduleText, Subscription,
    SubscriptionId, Trigger,
};
use nguon_epcis::model::{format_timestamp, parse_timestamp};
use nguon_store::{StoreError, io_reason, now_utc};
use serde::Serialize;
use sha2::Sha256;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::queries::{
    Resume, created_at, json_document, last_cursor, new_events, no_such_name, query_owner,
    read_json, stored_event_query, stored_query,
};
use super::respond::{CBV_VERSION, EPCIS_VERSION, JSON_LD};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, EpcisException};

/// Capture notifications a slow listener may fall behind by before it only learns that it
/// lagged; either way it looks for new events, so nothing is lost.
const NOTICES: usize = 256;

/// The sender for [`AppState::captured`]: each capture sends the organisation whose events were
/// stored.
pub fn notifier() -> broadcast::Sender<OrganisationId> {
    broadcast::channel(NOTICES).0
}

/// The subscription routes, documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_subscriptions, create_subscription))
        .routes(routes!(get_subscription, delete_subscription))
}

/// The body of `POST /queries/{queryName}/subscriptions`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionRequest {
    /// The `http://` URL each delivery is POSTed to.
    pub dest: String,
    /// A secret of the client's: each delivery carries `GS1-Signature: sha256=<hex HMAC>`.
    pub signature_token: Option<String>,
    /// With a schedule: send a document even when no new event matches.
    pub report_if_empty: Option<bool>,
    /// Send events recorded from this time on (default: now).
    pub initial_record_time: Option<String>,
    /// `true`: send new events as they are captured. Excludes `schedule`.
    pub stream: Option<bool>,
    /// When to send: second, minute, hour, dayOfMonth, month, dayOfWeek, each `*` or a list of
    /// numbers and `[a-b]` ranges (UTC). Excludes `stream`.
    #[schema(value_type = Option<Object>)]
    pub schedule: Option<ScheduleText>,
}

/// A subscription as the REST bindings show it; the signature token is never shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    /// Its id, the last segment of its URL.
    #[serde(rename = "subscriptionID")]
    pub subscription_id: String,
    /// The named query it runs.
    pub query_name: String,
    /// Where deliveries go.
    pub dest: String,
    /// Whether deliveries are signed.
    pub signed: bool,
    /// Present and `true` for a stream subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// The schedule, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub schedule: Option<ScheduleText>,
    /// Whether an empty result is sent too.
    pub report_if_empty: bool,
    /// Events recorded from this time on are sent.
    pub initial_record_time: String,
    /// When it was created.
    pub created_at: String,
    /// When the destination last accepted a delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_notified_at: Option<String>,
    /// Deliveries given up on since the last success.
    pub failures: u32,
    /// Why the last delivery given up on failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl From<&Subscription> for SubscriptionView {
    fn from(subscription: &Subscription) -> Self {
        let (stream, schedule) = match &subscription.trigger {
            Trigger::Stream => (Some(true), None),
            Trigger::Schedule(schedule) => (None, Some(schedule.text().clone())),
        };
        Self {
            subscription_id: subscription.id.to_string(),
            query_name: subscription.query_name.to_string(),
            dest: subscription.dest.clone(),
            signed: subscription.signature_token.is_some(),
            stream,
            schedule,
            report_if_empty: subscription.report_if_empty,
            initial_record_time: format_timestamp(subscription.initial_record_time),
            created_at: format_timestamp(subscription.created_at),
            last_notified_at: subscription.last_notified_at.map(format_timestamp),
            failures: subscription.failures,
            last_error: subscription.last_error.clone(),
        }
    }
}

/// A `400 QueryValidationException` about one field of a subscription.
fn invalid(field: &str, rule: impl std::fmt::Display) -> ApiError {
    ApiError::epcis(
        EpcisException::QueryValidation,
        StatusCode::BAD_REQUEST,
        format!("{field}: {rule}"),
    )
}

/// Checks `dest`: an absolute `http://` URL with a host.
fn destination(dest: &str) -> Result<Uri, ApiError> {
    let uri: Uri = dest
        .parse()
        .map_err(|_| invalid("dest", format!("{dest:?} is not a URL")))?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some_and(|host| !host.is_empty()) => Ok(uri),
        Some("https") => Err(invalid(
            "dest",
            "https is not supported yet: deliveries are plain HTTP, give an http:// URL",
        )),
        _ => Err(invalid(
            "dest",
            "must be an absolute http:// URL with a host",
        )),
    }
}

/// The trigger of a request: `stream: true` or a schedule, exactly one.
fn trigger(stream: Option<bool>, schedule: Option<ScheduleText>) -> Result<Trigger, ApiError> {
    match (stream, schedule) {
        (Some(true), Some(_)) => Err(invalid(
            "stream",
            "stream and schedule are mutually exclusive; give one",
        )),
        (Some(true), None) => Ok(Trigger::Stream),
        (_, Some(text)) => {
            let schedule = Schedule::parse(text).map_err(|e| invalid("schedule", e.to_string()))?;
            if schedule.next_after(now_utc()).is_none() {
                return Err(invalid(
                    "schedule",
                    "matches no date, so it would never run",
                ));
            }
            Ok(Trigger::Schedule(schedule))
        }
        (_, None) => Err(invalid(
            "stream",
            "give stream: true or a schedule, so the server knows when to send",
        )),
    }
}

/// The `404 NoSuchResourceException` for an unknown subscription.
fn no_such_subscription(id: &str) -> ApiError {
    ApiError::epcis(
        EpcisException::NoSuchResource,
        StatusCode::NOT_FOUND,
        format!("subscriptionID: no subscription {id} on this query"),
    )
}

/// The caller's subscription `id` to its query `name`, or `404`.
async fn owned_subscription(
    state: &AppState,
    owner: OrganisationId,
    name: &QueryName,
    id: &str,
) -> Result<Subscription, ApiError> {
    let parsed = SubscriptionId::parse(id).map_err(|_| no_such_subscription(id))?;
    match state.store.subscription(Some(owner), parsed).await {
        Ok(subscription) if subscription.query_name == *name => Ok(subscription),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(no_such_subscription(id)),
        Err(error) => Err(error.into()),
    }
}

#[utoipa::path(
    post,
    path = "/queries/{queryName}/subscriptions",
    tag = "Subscriptions",
    summary = "Subscribe a webhook to a named query",
    params(("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name")),
    request_body(content = SubscriptionRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed; the subscription is at Location", body = SubscriptionView, headers(("Location" = String, description = "/epcis/queries/{queryName}/subscriptions/{subscriptionID}"))),
        (status = 400, description = "QueryValidationException naming the field: dest, stream and schedule together or neither, a bad schedule or initialRecordTime", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NoSuchName,
        crate::error::responses::NotAcceptable,
        (status = 413, description = "The body is larger than 64 KiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "UnsupportedMediaTypeException: the body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `POST /epcis/queries/{queryName}/subscriptions`.
pub async fn create_subscription(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let owner = query_owner(&caller)?;
    let query = stored_query(&*state.store, owner, &name).await?;
    let request: SubscriptionRequest = read_json(&headers, body).await?;
    destination(&request.dest)?;
    if request.signature_token.as_deref() == Some("") {
        return Err(invalid("signatureToken", "must not be empty; leave it out"));
    }
    let initial_record_time = match request.initial_record_time.as_deref() {
        Some(text) => parse_timestamp(text)
            .ok_or_else(|| invalid("initialRecordTime", "must be a date-time with an offset"))?,
        None => now_utc(),
    };
    let trigger = trigger(request.stream, request.schedule)?;
    let subscription = match state
        .store
        .create_subscription(&NewSubscription {
            owner,
            query_name: query.name.clone(),
            dest: request.dest,
            signature_token: request.signature_token,
            report_if_empty: request.report_if_empty.unwrap_or(false),
            trigger,
            initial_record_time,
        })
        .await
    {
        Ok(subscription) => subscription,
        // The query was deleted in between.
        Err(StoreError::NotFound { .. }) => return Err(no_such_name(&name)),
        Err(error) => return Err(error.into()),
    };
    // A stream starts at once if events are already waiting.
    let _ = state.captured.send(owner);
    created_at(
        &format!(
            "/epcis/queries/{}/subscriptions/{}",
            subscription.query_name, subscription.id
        ),
        Json(SubscriptionView::from(&subscription)),
    )
}

#[utoipa::path(
    get,
    path = "/queries/{queryName}/subscriptions",
    tag = "Subscriptions",
    summary = "The subscriptions to a named query",
    params(("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name")),
    responses(
        (status = 200, description = "Its subscriptions, oldest first", body = [SubscriptionView]),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NoSuchName,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/queries/{queryName}/subscriptions`.
pub async fn list_subscriptions(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    let owner = query_owner(&caller)?;
    let query = stored_query(&*state.store, owner, &name).await?;
    let subscriptions = state
        .store
        .list_subscriptions(Some(owner), Some(&query.name))
        .await?;
    Ok(Json(
        subscriptions.iter().map(SubscriptionView::from).collect(),
    ))
}

#[utoipa::path(
    get,
    path = "/queries/{queryName}/subscriptions/{subscriptionID}",
    tag = "Subscriptions",
    summary = "One subscription, with its delivery state",
    params(
        ("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name"),
        ("subscriptionID" = String, Path, description = "The subscription's id")
    ),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "NoSuchNameException or NoSuchResourceException", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/queries/{queryName}/subscriptions/{subscriptionID}`.
pub async fn get_subscription(
    State(state): State<AppState>,
    caller: Caller,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<SubscriptionView>, ApiError> {
    let owner = query_owner(&caller)?;
    let query = stored_query(&*state.store, owner, &name).await?;
    let subscription = owned_subscription(&state, owner, &query.name, &id).await?;
    Ok(Json(SubscriptionView::from(&subscription)))
}

#[utoipa::path(
    delete,
    path = "/queries/{queryName}/subscriptions/{subscriptionID}",
    tag = "Subscriptions",
    summary = "Unsubscribe",
    params(
        ("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name"),
        ("subscriptionID" = String, Path, description = "The subscription's id")
    ),
    responses(
        (status = 204, description = "Deleted; no more deliveries start"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "NoSuchNameException or NoSuchResourceException", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `DELETE /epcis/queries/{queryName}/subscriptions/{subscriptionID}`.
pub async fn delete_subscription(
    State(state): State<AppState>,
    caller: Caller,
    Path((name, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let owner = query_owner(&caller)?;
    let query = stored_query(&*state.store, owner, &name).await?;
    let subscription = owned_subscription(&state, owner, &query.name, &id).await?;
    match state
        .store
        .delete_subscription(owner, subscription.id)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound { .. }) => Err(no_such_subscription(&id)),
        Err(error) => Err(error.into()),
    }
}

/// How the delivery worker behaves.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// How often it looks for due schedules and for stream events it was not woken for (events
    /// still settling at a capture, captures by another process on the same database).
    pub tick: Duration,
    /// Events recorded less than this long ago wait: a capture takes its record time before it
    /// commits, and a later commit may carry an earlier time.
    pub settle: Duration,
    /// The longest one POST may take, connecting included.
    pub timeout: Duration,
    /// The wait before the first retry; each later one doubles, up to `max_retry`.
    pub first_retry: Duration,
    /// The longest wait between retries, and the rest after giving up.
    pub max_retry: Duration,
    /// POSTs of one document before giving up and recording the error on the subscription.
    pub attempts: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(500),
            settle: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(60),
            attempts: 6,
        }
    }
}

/// Starts the delivery worker; it runs until aborted. One delivery runs per subscription at a
/// time, each in its own task, so a slow destination holds up only its own subscription.
pub fn spawn_delivery(state: AppState, settings: DeliverySettings) -> JoinHandle<()> {
    tokio::spawn(deliver_forever(state, Arc::new(settings)))
}

async fn deliver_forever(state: AppState, settings: Arc<DeliverySettings>) {
    let mut captured = state.captured.subscribe();
    let mut ticker = tokio::time::interval(settings.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut running: HashMap<SubscriptionId, JoinHandle<()>> = HashMap::new();
    // When each scheduled subscription runs next; from the worker's start, so times missed while
    // the server was down are not replayed one by one (the cursor still covers their events).
    let mut next_run: HashMap<SubscriptionId, Option<OffsetDateTime>> = HashMap::new();
    loop {
        tokio::select! {
            notice = captured.recv() => if let Err(RecvError::Closed) = notice {
                return;
            },
            _ = ticker.tick() => {}
        }
        running.retain(|_, task| !task.is_finished());
        let subscriptions = match state.store.list_subscriptions(None, None).await {
            Ok(subscriptions) => subscriptions,
            Err(error) => {
                tracing::warn!(%error, "cannot list subscriptions");
                continue;
            }
        };
        next_run.retain(|id, _| subscriptions.iter().any(|s| s.id == *id));
        let now = now_utc();
        for subscription in subscriptions {
            let scheduled = match &subscription.trigger {
                Trigger::Stream => false,
                Trigger::Schedule(schedule) => {
                    let next = next_run
                        .entry(subscription.id)
                        .or_insert_with(|| schedule.next_after(now));
                    if next.is_none_or(|at| at > now) {
                        continue;
                    }
                    *next = schedule.next_after(now);
                    true
                }
            };
            if running.contains_key(&subscription.id) {
                continue;
            }
            let id = subscription.id;
            let task = tokio::spawn(deliver(
                state.clone(),
                settings.clone(),
                subscription,
                scheduled,
            ));
            running.insert(id, task);
        }
    }
}

/// Sends every new event of one subscription, a page per document, moving its cursor after each
/// accepted POST. A scheduled run with `reportIfEmpty` sends an empty document when nothing is
/// new. After giving up on a document it rests `max_retry` before the worker may try again.
async fn deliver(
    state: AppState,
    settings: Arc<DeliverySettings>,
    subscription: Subscription,
    scheduled: bool,
) {
    let id = subscription.id;
    let query = match stored_query(
        &*state.store,
        subscription.owner,
        subscription.query_name.as_str(),
    )
    .await
    .and_then(|query| stored_event_query(&query))
    {
        Ok(parsed) => parsed.query,
        Err(error) => {
            tracing::warn!(%error, subscription = %id, "subscription query cannot run");
            return;
        }
    };
    let mut resume = subscription.delivered.map_or(
        Resume::Since(subscription.initial_record_time),
        Resume::After,
    );
    let mut report_empty = scheduled && subscription.report_if_empty;
    loop {
        let page = match new_events(&*state.store, &query, resume, settings.settle).await {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(%error, subscription = %id, "subscription query failed");
                return;
            }
        };
        let last = last_cursor(&page);
        if last.is_none() && !report_empty {
            return;
        }
        report_empty = false;
        let sent = match json_document(
            subscription.query_name.as_str(),
            Some(id),
            &page.events,
            &state.epcis.prefix_lengths,
        ) {
            Ok(document) => post_with_retries(&subscription, document, &settings).await,
            Err(error) => Err(error.to_string()),
        };
        let recorded = match sent {
            Ok(()) => state.store.advance_subscription(id, last, now_utc()).await,
            Err(reason) => {
                tracing::warn!(subscription = %id, %reason, "delivery given up");
                let recorded = state.store.record_subscription_failure(id, &reason).await;
                tokio::time::sleep(settings.max_retry).await;
                return log_unless_gone(id, recorded);
            }
        };
        if recorded.is_err() {
            return log_unless_gone(id, recorded);
        }
        match last {
            Some(last) => resume = Resume::After(last),
            None => return,
        }
    }
}

/// Logs a failed store update of a subscription, unless it was deleted meanwhile.
fn log_unless_gone(id: SubscriptionId, outcome: Result<(), StoreError>) {
    match outcome {
        Ok(()) | Err(StoreError::NotFound { .. }) => {}
        Err(error) => tracing::error!(%error, subscription = %id, "cannot update subscription"),
    }
}

/// POSTs one document until the destination answers `2xx`, waiting `first_retry`, then twice
/// as long each time up to `max_retry`, at most `attempts` times; the last reason on failure.
async fn post_with_retries(
    subscription: &Subscription,
    document: String,
    settings: &DeliverySettings,
) -> Result<(), String> {
    let dest: Uri = subscription
        .dest
        .parse()
        .map_err(|_| format!("dest {:?} is not a URL", subscription.dest))?;
    let signature = subscription
        .signature_token
        .as_deref()
        .map(|token| sign(token, document.as_bytes()))
        .transpose()?;
    let body = Bytes::from(document);
    let mut wait = settings.first_retry;
    let mut attempt = 1;
    loop {
        let outcome = tokio::time::timeout(
            settings.timeout,
            post(&dest, body.clone(), signature.as_deref()),
        )
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {:?}", settings.timeout)));
        match outcome {
            Ok(()) => return Ok(()),
            Err(reason) if attempt >= settings.attempts.max(1) => {
                return Err(format!("{reason} (after {attempt} attempts)"));
            }
            Err(reason) => {
                tracing::debug!(subscription = %subscription.id, attempt, %reason, "delivery failed, retrying");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(settings.max_retry);
        attempt += 1;
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `token`: the `GS1-Signature` value.
pub fn sign(token: &str, body: &[u8]) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes())
        .map_err(|_| "signatureToken cannot key an HMAC".to_owned())?;
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + digest.len() * 2);
    out.push_str("sha256=");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    Ok(out)
}

/// One POST over a fresh HTTP/1.1 connection; `Ok` on a `2xx` answer.
async fn post(dest: &Uri, body: Bytes, signature: Option<&str>) -> Result<(), String> {
    let host = dest.host().unwrap_or_default();
    let port = dest.port_u16().unwrap_or(80);
    // An IPv6 literal comes bracketed in a URL, not in a socket address.
    let address = host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((address, port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {}", io_reason(&e)))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {host}:{port} failed: {e}"))?;
    let driver = tokio::spawn(connection);
    let mut request = hyper::Request::post(dest.path_and_query().map_or("/", |path| path.as_str()))
        .header(header::HOST, dest.authority().map_or(host, |a| a.as_str()))
        .header(header::CONTENT_TYPE, JSON_LD)
        .header("GS1-EPCIS-Version", EPCIS_VERSION)
        .header("GS1-CBV-Version", CBV_VERSION);
    if let Some(signature) = signature {
        request = request.header("GS1-Signature", signature);
    }
    let request = request
        .body(Full::new(body))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let answer = sender.send_request(request).await;
    driver.abort();
    let status = answer
        .map_err(|e| format!("POST to {host}:{port} failed: {e}"))?
        .status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the destination answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?").unwrap(),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn destinations_must_be_plain_http_urls() {
        assert!(destination("http://127.0.0.1:8080/hook?x=1").is_ok());
        for (dest, rule) in [
            (
                "https://client.example.com/cb",
                "dest: https is not supported",
            ),
            (
                "ftp://client.example.com/cb",
                "dest: must be an absolute http://",
            ),
            ("/relative", "dest: must be an absolute http://"),
            ("not a url", "dest: \"not a url\" is not a URL"),
        ] {
            let ApiError::Epcis { detail, .. } = destination(dest).unwrap_err() else {
                panic!("{dest}: not an EPCIS problem");
            };
            assert!(detail.starts_with(rule), "{dest}: {detail}");
        }
    }
}
