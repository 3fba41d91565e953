//! Capture: `POST /epcis/capture` (a whole document, as an asynchronous job), the jobs, and
//! `POST /epcis/events` (one event, synchronously).
//!
//! A document is read, validated and indexed before `202` is sent, so a malformed one is a `400`
//! at once and a job only ever fails on storage (a duplicate eventID, the database). In
//! `rollback` mode any error means nothing of the document is kept; in `proceed` mode every valid,
//! new event is kept and each skipped one is listed in the job's errors.
//!
//! A partner system's key captures for the organisation it names in `Nguon-Organisation`, if
//! that organisation delegated capture to it ([`crate::auth::KeyHolder::capture_target`]); the
//! job asks again before it stores, so a delegation revoked after the `202` stores nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    CaptureErrorBehaviour, CaptureJob, CaptureJobId, NewCaptureJob, NewEvent, OrganisationId,
    VocabularyElement,
};
use nguon_epcis::hash::{Format, event_hashes, hash_event_json};
use nguon_epcis::identifier::index_form;
use nguon_epcis::model::{Document, Event, ExtensionValue, format_timestamp};
use nguon_epcis::validate::ValidationIssue;
use nguon_epcis::{json_ld, xml};
use nguon_store::StoreError;
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::index::{IndexError, new_event};
use super::respond::{Binding, validation_failed};
use crate::auth::{CaptureTarget, KeyHolder, capture_refusal};
use crate::error::{ApiError, EpcisException, EpcisQuery};
use crate::{AppState, EpcisSettings};

/// Capture jobs accepted and not finished: how many store at once, and how many events may wait
/// in memory for their turn. The second bounds what a flood of captures can hold: a document
/// that would take the waiting events past it answers `503` with `Retry-After`, before any job
/// is made.
pub struct CaptureQueue {
    /// One permit per job storing; the others wait their turn.
    pub slots: Arc<Semaphore>,
    /// One permit per event accepted and not stored yet.
    waiting: Arc<Semaphore>,
}

impl CaptureQueue {
    /// How many capture jobs store at once. Each holds a database connection and its
    /// document's events while it stores, and more at once would only queue on the database's
    /// write lock.
    pub const JOBS_AT_ONCE: usize = 4;
    /// Events accepted and not stored yet, at most, unless configured (`[epcis]
    /// capture_backlog`): ten full documents.
    pub const DEFAULT_BACKLOG: usize = 100_000;
    /// When a client turned away should send again.
    const RETRY_AFTER: Duration = Duration::from_secs(10);

    /// A queue holding at most `backlog` events waiting.
    pub fn new(backlog: usize) -> Self {
        Self::with_slots(Self::JOBS_AT_ONCE, backlog)
    }

    /// A queue storing `slots` jobs at once and holding at most `backlog` events waiting.
    pub fn with_slots(slots: usize, backlog: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: Arc::new(Semaphore::new(backlog.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// Turns a capture away before its body is read when nothing more fits.
    fn check_room(&self) -> Result<(), ApiError> {
        if self.waiting.available_permits() == 0 {
            return Err(Self::full());
        }
        Ok(())
    }

    /// Holds room for `events` until the returned permit is dropped, or turns them away.
    fn admit(&self, events: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        u32::try_from(events)
            .ok()
            .and_then(|events| self.waiting.clone().try_acquire_many_owned(events).ok())
            .ok_or_else(Self::full)
    }

    fn full() -> ApiError {
        ApiError::Busy {
            detail: "the server holds as many captured events waiting to be stored as it may \
                     ([epcis] capture_backlog); nothing of this document was kept; send it again \
                     after Retry-After"
                .to_owned(),
            retry_after: Self::RETRY_AFTER,
        }
    }
}

impl Default for CaptureQueue {
    fn default() -> Self {
        Self::new(Self::DEFAULT_BACKLOG)
    }
}

/// The `errors` a job reports are capped so one bad million-event document cannot make a
/// multi-megabyte job record.
const MAX_JOB_ERRORS: usize = 1_000;

/// A capture job as the REST bindings show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaptureJobView {
    /// The job's id, the last segment of its URL.
    #[serde(rename = "captureID")]
    pub capture_id: String,
    /// When the document was accepted.
    pub created_at: String,
    /// When storing ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Still storing.
    pub running: bool,
    /// No error so far (`true` while running without error).
    pub success: bool,
    /// `rollback` or `proceed`.
    pub capture_error_behaviour: &'static str,
    /// Events in the document.
    pub event_count: u32,
    /// Events stored.
    pub captured_count: u32,
    /// What went wrong, naming the event and the rule.
    pub errors: Vec<String>,
}

impl From<CaptureJob> for CaptureJobView {
    fn from(job: CaptureJob) -> Self {
        Self {
            capture_id: job.id.to_string(),
            created_at: format_timestamp(job.created_at),
            finished_at: job.finished_at.map(format_timestamp),
            running: job.running,
            success: job.success.unwrap_or(true),
            capture_error_behaviour: job.error_behaviour.as_str(),
            event_count: job.event_count,
            captured_count: job.captured_count,
            errors: job.errors,
        }
    }
}

/// Reads a request body up to the configured size; more is `413`.
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    settings: &EpcisSettings,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::epcis(
            EpcisException::CaptureLimitExceeded,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the document is larger than {} bytes (GS1-EPCIS-Capture-File-Size-Limit)",
                settings.capture_file_size_limit
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > settings.capture_file_size_limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, settings.capture_file_size_limit)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|_| too_large())
}

fn text(bytes: Vec<u8>) -> Result<String, ApiError> {
    String::from_utf8(bytes).map_err(|error| {
        validation_failed(vec![ValidationIssue {
            event_index: None,
            path: String::new(),
            message: format!(
                "is not UTF-8 text (invalid byte at offset {})",
                error.utf8_error().valid_up_to()
            ),
        }])
    })
}

/// A document read, with the event hashes of its events as sent.
struct ReadDocument {
    document: Document,
    /// The CBV 2.0 hash of each event computed from the text as sent, in event order; `None`
    /// when the hash reader and the model reader disagree on the events (then each event is
    /// hashed from its model instead).
    hashes: Option<Vec<String>>,
}

/// Reads a document in its binding, off the async threads: parsing and schema validation of a
/// large document take milliseconds of CPU. Hashes come from the text as sent, not from a
/// rewrite, so an event keeps the identity its sender computed even where JSON-LD cannot carry
/// everything XML can (attributes on extension elements).
async fn read_document(text: String, binding: Binding) -> Result<ReadDocument, ApiError> {
    tokio::task::spawn_blocking(move || {
        let (document, format) = match binding {
            Binding::JsonLd => (json_ld::read_document(&text)?, Format::JsonLd),
            Binding::Xml => (xml::read_document(&text)?, Format::Xml),
        };
        let hashes = event_hashes(&text, format)
            .ok()
            .map(|hashes| hashes.into_iter().map(|h| h.hash).collect::<Vec<_>>())
            .filter(|hashes| hashes.len() == document.events.len());
        Ok(ReadDocument { document, hashes })
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "document reader panicked");
        ApiError::epcis(
            EpcisException::Implementation,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the document could not be read",
        )
    })?
    .map_err(validation_failed)
}

#[utoipa::path(
    post,
    path = "/capture",
    tag = "Capture",
    summary = "Capture an EPCIS document as an asynchronous job",
    request_body(description = "An EPCISDocument or EPCISQueryDocument", content((Object = "application/ld+json"), (String = "application/xml"))),
    params(
        ("GS1-Capture-Error-Behaviour" = Option<String>, Header, description = "rollback (default: all or nothing) or proceed"),
        ("Nguon-Organisation" = inline(Option<crate::schema::Uuid7>), Header, description = "The id of the organisation the events are captured for: required with a partner system's key (the organisation must have delegated capture to the partner), optional with an organisation's key (its own id)")
    ),
    responses(
        (status = 202, description = "Accepted; the job is at Location", headers(("Location" = String, description = "/epcis/capture/{captureID}"))),
        (status = 400, description = "ValidationException or QueryParameterException naming the field and the rule; a partner key without Nguon-Organisation", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: the key may not do this, e.g. the organisation named has not delegated capture to this partner", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NotAcceptable,
        (status = 413, description = "CaptureLimitExceededException or QueryTooLargeException", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "UnsupportedMediaTypeException", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::TooManyRequests,
        crate::error::responses::CaptureBusy,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `POST /epcis/capture`.
pub async fn capture(
    State(state): State<AppState>,
    holder: KeyHolder,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let CaptureTarget { owner, partner } = holder.capture_target(&*state.store, &headers).await?;
    state.capture_queue.check_room()?;
    let binding = Binding::of_body(&headers)?;
    let behaviour = match headers
        .get("GS1-Capture-Error-Behaviour")
        .map(|v| v.to_str().unwrap_or_default())
    {
        None | Some("rollback") => CaptureErrorBehaviour::Rollback,
        Some("proceed") => CaptureErrorBehaviour::Proceed,
        Some(other) => {
            return Err(ApiError::epcis(
                EpcisException::Validation,
                StatusCode::BAD_REQUEST,
                format!("GS1-Capture-Error-Behaviour: {other:?} must be rollback or proceed"),
            ));
        }
    };
    let settings = state.epcis.clone();
    let ReadDocument { document, hashes } =
        read_document(text(read_body(body, &headers, &settings).await?)?, binding).await?;
    if document.events.len() > settings.capture_limit {
        return Err(ApiError::epcis(
            EpcisException::CaptureLimitExceeded,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the document has {} events; at most {} are captured at once (GS1-EPCIS-Capture-Limit)",
                document.events.len(),
                settings.capture_limit
            ),
        ));
    }
    let (events, mut errors) = index_events(owner, document.events, hashes, &settings).await?;
    if behaviour == CaptureErrorBehaviour::Rollback && !errors.is_empty() {
        return Err(validation_failed(errors));
    }
    let room = state.capture_queue.admit(events.len())?;
    let job = state
        .store
        .create_capture_job(&NewCaptureJob {
            owner,
            partner: partner.as_ref().map(|partner| partner.id),
            error_behaviour: behaviour,
            event_count: u32::try_from(events.len() + errors.len()).unwrap_or(u32::MAX),
        })
        .await?;
    let master_data = master_data(&document.header.master_data);
    let job_id = job.id;
    let store = state.store.clone();
    let notify = state.captured.clone();
    let skipped: Vec<String> = errors.drain(..).map(|issue| issue.to_string()).collect();
    let slots = state.capture_queue.slots.clone();
    let rescorer = state.rescorer.clone();
    tokio::spawn(async move {
        // Waits its turn; the semaphore is never closed, so a permit always comes.
        let slot = slots.acquire_owned().await;
        let refusal = match &partner {
            Some(partner) => capture_refusal(&*store, owner, partner)
                .await
                .unwrap_or_else(|error| Some(job_error(&error))),
            None => None,
        };
        let outcome = match refusal {
            Some(refusal) => (false, 0, vec![refusal]),
            None => store_job(&*store, owner, &master_data, &events, behaviour, skipped).await,
        };
        let (success, captured, errors) = outcome;
        if captured > 0 {
            // Wakes streams and webhook deliveries; nobody listening is fine.
            let _ = notify.send(owner);
            // Queued before the job says it is done, so whoever saw it done finds its lots
            // in the backlog.
            rescorer.enqueue(&events);
        }
        // The next job may store, and the events' room is free, while this one is recorded.
        drop((slot, room, events));
        finish_job(&*store, job_id, success, captured, &errors).await;
    });
    let location = format!("/epcis/capture/{job_id}");
    Ok((
        StatusCode::ACCEPTED,
        [(
            header::LOCATION,
            HeaderValue::from_str(&location).expect("a UUID path is a valid header"),
        )],
    )
        .into_response())
}

/// Indexes every event off the async threads; failures become issues naming the event.
async fn index_events(
    owner: OrganisationId,
    events: Vec<Event>,
    hashes: Option<Vec<String>>,
    settings: &std::sync::Arc<EpcisSettings>,
) -> Result<(Vec<NewEvent>, Vec<ValidationIssue>), ApiError> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || {
        let mut indexed = Vec::with_capacity(events.len());
        let mut errors = Vec::new();
        for (index, event) in events.iter().enumerate() {
            let hash = hashes.as_ref().map(|hashes| hashes[index].as_str());
            match new_event(owner, event, hash, &settings.prefix_lengths) {
                Ok(new) => indexed.push(new),
                Err(error) => errors.push(ValidationIssue {
                    event_index: Some(index),
                    path: format!("epcisBody.eventList[{index}].{}", error.field),
                    message: error.message,
                }),
            }
        }
        (indexed, errors)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "indexing panicked");
        ApiError::epcis(
            EpcisException::Implementation,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the events could not be indexed",
        )
    })
}

/// Stores a job's master data and events; returns success, events stored and errors.
async fn store_job(
    store: &dyn nguon_store::Store,
    owner: OrganisationId,
    master_data: &[VocabularyElement],
    events: &[NewEvent],
    behaviour: CaptureErrorBehaviour,
    mut errors: Vec<String>,
) -> (bool, u32, Vec<String>) {
    if !master_data.is_empty()
        && let Err(error) = store.upsert_master_data(owner, master_data).await
    {
        errors.push(format!("master data: {error}"));
        if behaviour == CaptureErrorBehaviour::Rollback {
            return (false, 0, errors);
        }
    }
    let captured = match behaviour {
        CaptureErrorBehaviour::Rollback => match store.append_events(events).await {
            Ok(_) => events.len(),
            Err(error) => {
                errors.push(job_error(&error));
                0
            }
        },
        CaptureErrorBehaviour::Proceed => {
            match store.append_events_skipping_conflicts(events).await {
                Ok(outcome) => {
                    errors.extend(
                        outcome
                            .skipped
                            .iter()
                            .map(|(position, reason)| format!("event {}: {reason}", position - 1)),
                    );
                    events.len() - outcome.skipped.len()
                }
                Err(error) => {
                    errors.push(job_error(&error));
                    0
                }
            }
        }
    };
    let success = errors.is_empty();
    errors.truncate(MAX_JOB_ERRORS);
    (success, u32::try_from(captured).unwrap_or(u32::MAX), errors)
}

/// Records how a job ended, trying again while the database is unavailable: a job left
/// running would never tell its client to send again. A server stopped meanwhile marks the job
/// failed when it starts.
async fn finish_job(
    store: &dyn nguon_store::Store,
    job: CaptureJobId,
    success: bool,
    captured: u32,
    errors: &[String],
) {
    let mut pause = Duration::from_millis(100);
    loop {
        match store
            .finish_capture_job(job, success, captured, errors)
            .await
        {
            Ok(_) => return,
            Err(StoreError::Unavailable(reason)) => {
                tracing::warn!(%reason, %job, "capture job cannot be recorded as finished yet; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                tracing::error!(%error, %job, "capture job could not be finished");
                return;
            }
        }
    }
}

/// A store failure as a job error: what a client can act on, never internals (an unavailable
/// database's reason is one of the store's own plain phrases, such as "the disk is full").
fn job_error(error: &StoreError) -> String {
    match error {
        StoreError::Conflict { .. } | StoreError::NotFound { .. } | StoreError::Domain(_) => {
            error.to_string()
        }
        StoreError::Unavailable(reason) => {
            tracing::warn!(%reason, "capture job failed: the database is unavailable");
            format!(
                "the database is unavailable ({reason}); nothing of this document was kept, send it again"
            )
        }
        other => {
            tracing::error!(error = %other, "capture job failed");
            "the events could not be stored; nothing of this document was kept, send it again"
                .to_owned()
        }
    }
}

/// Master data as the store keeps it: ids in indexed form, so `WD_` finds events whichever
/// spelling they used; attribute values as JSON.
fn master_data(vocabularies: &[nguon_epcis::model::Vocabulary]) -> Vec<VocabularyElement> {
    vocabularies
        .iter()
        .flat_map(|vocabulary| {
            vocabulary.elements.iter().map(|element| VocabularyElement {
                vocabulary_type: vocabulary.vocabulary_type.clone(),
                id: index_form(&element.id),
                attributes: element
                    .attributes
                    .iter()
                    .map(|a| (a.id.clone(), json_value(&a.value).to_string()))
                    .collect(),
                children: element.children.iter().map(|c| index_form(c)).collect(),
            })
        })
        .collect()
}

fn json_value(value: &ExtensionValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        ExtensionValue::Text(text) | ExtensionValue::Attributed { text, .. } => {
            Value::String(text.clone())
        }
        ExtensionValue::Number(literal) => literal
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(literal.clone())),
        ExtensionValue::Boolean(b) => Value::Bool(*b),
        ExtensionValue::List(items) => Value::Array(items.iter().map(json_value).collect()),
        ExtensionValue::Fields(fields) => Value::Object(
            fields
                .iter()
                .map(|f| (f.name.iri(), json_value(&f.value)))
                .collect(),
        ),
    }
}

/// Paging of `GET /epcis/capture`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPage {
    /// Jobs older than this one (the last of the previous page).
    after: Option<String>,
    /// Page size, 1 to 100.
    per_page: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/capture",
    tag = "Capture",
    summary = "The caller's capture jobs, newest first (a partner system's: the jobs it sent)",
    params(
        ("after" = Option<String>, Query, description = "The last captureID of the previous page"),
        ("perPage" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 30)")
    ),
    responses(
        (status = 200, description = "Capture jobs", body = Vec<CaptureJobView>),
        (status = 400, description = "ValidationException or QueryParameterException naming the field and the rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/capture`: the caller's jobs, newest first.
pub async fn list_jobs(
    State(state): State<AppState>,
    holder: KeyHolder,
    EpcisQuery(page): EpcisQuery<JobPage>,
) -> Result<Json<Vec<CaptureJobView>>, ApiError> {
    let after = page
        .after
        .as_deref()
        .map(|id| CaptureJobId::parse(id).map_err(|e| ApiError::query_parameter("after", e)))
        .transpose()?;
    let limit = match page.per_page {
        None => 30,
        Some(size @ 1..=100) => size,
        Some(size) => {
            return Err(ApiError::query_parameter(
                "perPage",
                format!("must be a whole number from 1 to 100, found {size}"),
            ));
        }
    };
    let jobs = match &holder {
        KeyHolder::Member(caller) => {
            state
                .store
                .list_capture_jobs(caller.reading_scope(), after, limit)
                .await?
        }
        KeyHolder::Partner { partner, .. } => {
            state
                .store
                .list_partner_capture_jobs(partner.id, after, limit)
                .await?
        }
    };
    Ok(Json(jobs.into_iter().map(CaptureJobView::from).collect()))
}

#[utoipa::path(
    get,
    path = "/capture/{capture_id}",
    tag = "Capture",
    summary = "One capture job with its status and errors",
    params(("capture_id" = String, Path, description = "The captureID")),
    responses(
        (status = 200, description = "The job", body = CaptureJobView),
        crate::error::responses::Unauthorized,
        crate::error::responses::NoSuchResource,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/capture/{captureID}`.
pub async fn job(
    State(state): State<AppState>,
    holder: KeyHolder,
    Path(id): Path<String>,
) -> Result<Json<CaptureJobView>, ApiError> {
    let no_such = || {
        ApiError::epcis(
            EpcisException::NoSuchResource,
            StatusCode::NOT_FOUND,
            format!("no capture job {id}"),
        )
    };
    let id = CaptureJobId::parse(&id).map_err(|_| no_such())?;
    let (owner, partner) = match &holder {
        KeyHolder::Member(caller) => (caller.reading_scope(), None),
        KeyHolder::Partner { partner, .. } => (None, Some(partner.id)),
    };
    match state.store.capture_job(owner, id).await {
        // A partner sees the jobs it sent, and no other.
        Ok(job) if partner.is_some() && job.partner != partner => Err(no_such()),
        Ok(job) => Ok(Json(job.into())),
        Err(StoreError::NotFound { .. }) => Err(no_such()),
        Err(error) => Err(error.into()),
    }
}

#[utoipa::path(
    post,
    path = "/events",
    tag = "Capture",
    summary = "Capture one event synchronously",
    request_body(description = "One EPCIS event (JSON-LD, with its @context) or an XML EPCISDocument holding one event", content((Object = "application/ld+json"), (String = "application/xml"))),
    params(("Nguon-Organisation" = inline(Option<crate::schema::Uuid7>), Header, description = "The id of the organisation the event is captured for: required with a partner system's key (the organisation must have delegated capture to the partner), optional with an organisation's key (its own id)")),
    responses(
        (status = 201, description = "Stored; the event is at Location", headers(("Location" = String, description = "/epcis/events/{eventID}"))),
        (status = 400, description = "ValidationException or QueryParameterException naming the field and the rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: the key may not do this", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NotAcceptable,
        (status = 409, description = "ResourceAlreadyExistsException: the eventID or event hash exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "CaptureLimitExceededException or QueryTooLargeException", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "UnsupportedMediaTypeException", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::TooManyRequests,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `POST /epcis/events`: one event, stored before the answer.
pub async fn capture_event(
    State(state): State<AppState>,
    holder: KeyHolder,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let owner = holder.capture_target(&*state.store, &headers).await?.owner;
    let binding = Binding::of_body(&headers)?;
    let settings = state.epcis.clone();
    let text = text(read_body(body, &headers, &settings).await?)?;
    let (event, hash) = match binding {
        Binding::JsonLd => {
            let event = json_ld::read_event(&text).map_err(validation_failed)?;
            let hash = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|value| hash_event_json(&value, value.get("@context")).ok())
                .map(|hash| hash.hash);
            (event, hash)
        }
        Binding::Xml => {
            let ReadDocument {
                mut document,
                hashes,
            } = read_document(text, binding).await?;
            if document.events.len() != 1 {
                return Err(ApiError::epcis(
                    EpcisException::Validation,
                    StatusCode::BAD_REQUEST,
                    format!(
                        "an XML body of POST /epcis/events holds exactly one event; this one has {} (use POST /epcis/capture for documents)",
                        document.events.len()
                    ),
                ));
            }
            (document.events.remove(0), hashes.and_then(|mut h| h.pop()))
        }
    };
    let new = store_event(&state, owner, &event, hash.as_deref())
        .await
        .map_err(|error| match error {
            StoreEventError::Invalid(error) => validation_failed(vec![ValidationIssue {
                event_index: Some(0),
                path: error.field.to_owned(),
                message: error.message,
            }]),
            StoreEventError::Duplicate(detail) => ApiError::epcis(
                EpcisException::ResourceAlreadyExists,
                StatusCode::CONFLICT,
                detail,
            ),
            StoreEventError::Store(error) => error.into(),
        })?;
    let location = format!(
        "/epcis/events/{}",
        nguon_gs1::percent_encode(new.event_id.as_str())
    );
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            HeaderValue::from_str(&location).map_err(|_| {
                ApiError::epcis(
                    EpcisException::Implementation,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the event's URL is not a valid header",
                )
            })?,
        )],
    )
        .into_response())
}

/// Why [`store_event`] kept nothing.
#[derive(Debug)]
pub enum StoreEventError {
    /// The event cannot be indexed (its eventID or hash is malformed); names the field.
    Invalid(IndexError),
    /// The owner already has an event with this eventID or hash.
    Duplicate(String),
    /// The store failed.
    Store(StoreError),
}

/// Stores one event for `owner` and wakes its streams and webhooks: the single path for one
/// event, whether it came to `POST /epcis/events` or from a diary form. `sent_hash` is the CBV
/// 2.0 hash of the text as sent; without it the hash of the event's canonical JSON-LD is used,
/// which is what a client posting that JSON-LD gets.
pub async fn store_event(
    state: &AppState,
    owner: OrganisationId,
    event: &Event,
    sent_hash: Option<&str>,
) -> Result<NewEvent, StoreEventError> {
    let new = new_event(owner, event, sent_hash, &state.epcis.prefix_lengths)
        .map_err(StoreEventError::Invalid)?;
    append_and_notify(state, owner, std::slice::from_ref(&new)).await?;
    Ok(new)
}

/// Appends indexed events of `owner` in one transaction, all or nothing, and wakes its streams
/// and webhooks: the end of [`store_event`], and of a diary import's many events.
pub async fn append_and_notify(
    state: &AppState,
    owner: OrganisationId,
    events: &[NewEvent],
) -> Result<(), StoreEventError> {
    match state.store.append_events(events).await {
        Ok(_) => {
            // Wakes streams and webhook deliveries; nobody listening is fine.
            let _ = state.captured.send(owner);
            state.rescorer.enqueue(events);
            Ok(())
        }
        Err(StoreError::Conflict { detail, .. }) => Err(StoreEventError::Duplicate(detail)),
        Err(error) => Err(StoreEventError::Store(error)),
    }
}
