//! Named queries (EPCIS 2.0 REST bindings, `/queries`): an organisation stores the parameters of
//! a query under a name, reads its results page by page at `/queries/{name}/events`, or keeps a
//! WebSocket open there to receive every newly captured matching event.
//!
//! A definition is checked by parsing it exactly as `GET /events` parses its parameters, so a
//! stored query always runs. New events are found with a record-time cursor (record time, then
//! store sequence), the order in which the store hands out both, so a stream neither skips nor
//! repeats an event.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::ws::{
    Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Direction, EventCursor, EventQuery, NamedQuery, NewNamedQuery, OrderBy, OrganisationId,
    QueryName, SubscriptionId,
};
use nguon_epcis::model::{CbvXmlFormat, EpcFormat, format_timestamp, parse_timestamp};
use nguon_gs1::PrefixLengths;
use nguon_store::{EventPage, QueriedEvent, Store, StoreError, now_utc};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params::{self, ParsedQuery, Prefixes};
use super::query::answer;
use super::respond::{Binding, Spelling, query_document};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, EpcisException};

/// Largest query definition accepted, in bytes: a definition is a handful of parameters.
const MAX_DEFINITION_BYTES: usize = 64 * 1024;

/// The parameters a client may add when it reads a named query's events.
const PAGING_PARAMETERS: [&str; 2] = ["perPage", "nextPageToken"];

/// The `/queries` routes, documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queries, create_query))
        .routes(routes!(get_query, delete_query))
        .routes(routes!(query_events))
        .merge(super::subscriptions::routes())
}

/// A named query as the REST bindings show it (`QueryDefinition` plus when it was made).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamedQueryView {
    /// The query's name, the last segment of its URL.
    pub name: String,
    /// Its parameters, as given.
    #[schema(value_type = Object)]
    pub query: Value,
    /// When it was stored.
    pub created_at: String,
}

/// What is stored as a query's definition: its parameters and the extension prefixes that were
/// in force when it was made, so extension field names mean the same on every later run.
#[derive(Debug, serde::Deserialize, Serialize)]
struct StoredDefinition {
    query: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    prefixes: Vec<(String, String)>,
}

impl StoredDefinition {
    fn read(query: &NamedQuery) -> Result<Self, ApiError> {
        serde_json::from_str(&query.definition).map_err(|error| {
            tracing::error!(%error, name = %query.name, "stored query definition does not read");
            ApiError::epcis(
                EpcisException::Implementation,
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "the stored definition of query {} cannot be read",
                    query.name
                ),
            )
        })
    }

    /// The definition's parameters as name/value pairs, lists joined with `|` as in a URL.
    fn pairs(&self) -> Result<Vec<(String, String)>, ApiError> {
        self.query
            .iter()
            .map(|(name, value)| Ok((name.clone(), parameter_text(name, value)?)))
            .collect()
    }

    fn prefixes(&self) -> Prefixes {
        // Without a header there is nothing to refuse: these are the standard prefixes.
        let mut prefixes = Prefixes::from_header(None).unwrap_or_default();
        prefixes.extend(self.prefixes.iter().cloned());
        prefixes
    }

    /// Parses the stored parameters, plus `extra` ones, for `owner`.
    fn parse(
        &self,
        owner: OrganisationId,
        extra: &[(String, String)],
    ) -> Result<ParsedQuery, ApiError> {
        let mut pairs = self.pairs()?;
        pairs.retain(|(name, _)| !extra.iter().any(|(added, _)| added == name));
        pairs.extend(extra.iter().cloned());
        params::parse(&pairs, Some(owner), &self.prefixes())
            .map_err(|e| ApiError::query_parameter(&e.parameter, e.message))
    }
}

/// One parameter value of a definition as URL text: a string, a number or a boolean as written,
/// or an array of them joined with `|`.
fn parameter_text(name: &str, value: &Value) -> Result<String, ApiError> {
    let scalar = |value: &Value| match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        _ => Err(ApiError::query_parameter(
            name,
            "must be a string, a number, a boolean or an array of them",
        )),
    };
    match value {
        Value::Array(items) if !items.is_empty() => Ok(items
            .iter()
            .map(scalar)
            .collect::<Result<Vec<_>, _>>()?
            .join("|")),
        Value::Array(_) => Err(ApiError::query_parameter(
            name,
            "must not be an empty array",
        )),
        other => scalar(other),
    }
}

/// The organisation whose queries the caller manages: named queries belong to one.
pub(crate) fn query_owner(caller: &Caller) -> Result<OrganisationId, ApiError> {
    caller.scope.owner().ok_or_else(|| {
        ApiError::forbidden(
            "named queries and subscriptions belong to an organisation; use the organisation's key",
        )
    })
}

/// The `404 NoSuchNameException` for a query name the owner does not have.
pub(crate) fn no_such_name(name: &str) -> ApiError {
    ApiError::epcis(
        EpcisException::NoSuchName,
        StatusCode::NOT_FOUND,
        format!("queryName: no query named {name:?}"),
    )
}

/// Reads `owner`'s query named `name`; an unknown or impossible name is `404 NoSuchName`.
pub(crate) async fn stored_query(
    store: &dyn Store,
    owner: OrganisationId,
    name: &str,
) -> Result<NamedQuery, ApiError> {
    let parsed = QueryName::parse(name).map_err(|_| no_such_name(name))?;
    match store.named_query(owner, &parsed).await {
        Ok(query) => Ok(query),
        Err(StoreError::NotFound { .. }) => Err(no_such_name(name)),
        Err(error) => Err(error.into()),
    }
}

/// Parses a stored query's definition for a run by its owner, without paging parameters.
pub(crate) fn stored_event_query(query: &NamedQuery) -> Result<ParsedQuery, ApiError> {
    StoredDefinition::read(query)?.parse(query.owner, &[])
}

fn view(query: &NamedQuery) -> Result<NamedQueryView, ApiError> {
    Ok(NamedQueryView {
        name: query.name.to_string(),
        query: Value::Object(StoredDefinition::read(query)?.query),
        created_at: format_timestamp(query.created_at),
    })
}

/// The body of `POST /queries`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryDefinition {
    /// The name, unique among the organisation's queries.
    #[schema(schema_with = crate::schema::query_name)]
    pub name: String,
    /// The parameters of `GET /events`; each value a string or an array of strings.
    #[schema(value_type = Object)]
    pub query: Map<String, Value>,
}

#[utoipa::path(
    post,
    path = "/queries",
    tag = "Queries",
    summary = "Store a named query",
    request_body(content = QueryDefinition, content_type = "application/json"),
    params(("GS1-Extensions" = Option<String>, Header, description = "prefix=namespace pairs for extension field names, kept with the query")),
    responses(
        (status = 201, description = "Stored; the query is at Location", body = NamedQueryView, headers(("Location" = String, description = "/epcis/queries/{name}"))),
        (status = 400, description = "QueryValidationException (a malformed body or name) or QueryParameterException naming the parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NotAcceptable,
        (status = 409, description = "ResourceAlreadyExistsException: the organisation has a query of this name", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "UnsupportedMediaTypeException: the body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `POST /epcis/queries`.
pub async fn create_query(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let owner = query_owner(&caller)?;
    let definition: QueryDefinition = read_json(&headers, body).await?;
    let name = QueryName::parse(&definition.name).map_err(|e| {
        ApiError::epcis(
            EpcisException::QueryValidation,
            StatusCode::BAD_REQUEST,
            e.to_string(),
        )
    })?;
    if definition.query.contains_key("nextPageToken") {
        return Err(ApiError::query_parameter(
            "nextPageToken",
            "belongs to one page of results, not to a stored query",
        ));
    }
    let header = headers.get("GS1-Extensions").and_then(|v| v.to_str().ok());
    Prefixes::from_header(header)
        .map_err(|e| ApiError::query_parameter(&e.parameter, e.message))?;
    let stored = StoredDefinition {
        query: definition.query,
        prefixes: extension_prefixes(header),
    };
    // Parsed now so that a stored query always runs later.
    stored.parse(owner, &[])?;
    let text = serde_json::to_string(&stored).map_err(|error| {
        ApiError::epcis(
            EpcisException::Implementation,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the definition could not be written: {error}"),
        )
    })?;
    let created = match state
        .store
        .create_named_query(&NewNamedQuery {
            owner,
            name,
            definition: text,
        })
        .await
    {
        Ok(created) => created,
        Err(StoreError::Conflict { detail, .. }) => {
            return Err(ApiError::epcis(
                EpcisException::ResourceAlreadyExists,
                StatusCode::CONFLICT,
                format!("name: {detail}"),
            ));
        }
        Err(error) => return Err(error.into()),
    };
    created_at(
        &format!("/epcis/queries/{}", created.name),
        Json(view(&created)?),
    )
}

/// The prefix declarations of a `GS1-Extensions` header (already checked), to keep with a query.
fn extension_prefixes(header: Option<&str>) -> Vec<(String, String)> {
    header
        .unwrap_or_default()
        .split(',')
        .filter_map(|entry| entry.split_once('='))
        .map(|(prefix, iri)| (prefix.trim().to_owned(), iri.trim().to_owned()))
        .collect()
}

/// A `201 Created` with `Location`; the location is built from checked names and ids only.
pub(crate) fn created_at(location: &str, body: impl IntoResponse) -> Result<Response, ApiError> {
    let location = HeaderValue::from_str(location).map_err(|_| {
        ApiError::epcis(
            EpcisException::Implementation,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the new resource's URL is not a valid header",
        )
    })?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], body).into_response())
}

/// Reads a JSON request body of at most [`MAX_DEFINITION_BYTES`]: not JSON is `415`, too large
/// `413`, malformed `400 QueryValidationException` with serde's reason (which names the field).
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    if Binding::of_body(headers)? != Binding::JsonLd {
        return Err(ApiError::epcis(
            EpcisException::UnsupportedMediaType,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: send application/json",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_DEFINITION_BYTES)
        .await
        .map_err(|_| {
            ApiError::epcis(
                EpcisException::QueryValidation,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {MAX_DEFINITION_BYTES} bytes"),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|error| {
        ApiError::epcis(
            EpcisException::QueryValidation,
            StatusCode::BAD_REQUEST,
            format!("body: {error}"),
        )
    })
}

#[utoipa::path(
    get,
    path = "/queries",
    tag = "Queries",
    summary = "The organisation's named queries, by name",
    responses(
        (status = 200, description = "Every named query of the organisation", body = [NamedQueryView]),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/queries`.
pub async fn list_queries(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<NamedQueryView>>, ApiError> {
    let owner = query_owner(&caller)?;
    let queries = state.store.list_named_queries(owner).await?;
    Ok(Json(queries.iter().map(view).collect::<Result<_, _>>()?))
}

#[utoipa::path(
    get,
    path = "/queries/{queryName}",
    tag = "Queries",
    summary = "One named query's definition",
    params(("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name")),
    responses(
        (status = 200, description = "The query", body = NamedQueryView),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NoSuchName,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/queries/{queryName}`.
pub async fn get_query(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<NamedQueryView>, ApiError> {
    let owner = query_owner(&caller)?;
    Ok(Json(view(
        &stored_query(&*state.store, owner, &name).await?,
    )?))
}

#[utoipa::path(
    delete,
    path = "/queries/{queryName}",
    tag = "Queries",
    summary = "Delete a named query and its subscriptions",
    params(("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name")),
    responses(
        (status = 204, description = "Deleted, with its subscriptions"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NoSuchName,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `DELETE /epcis/queries/{queryName}`.
pub async fn delete_query(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let owner = query_owner(&caller)?;
    let query = stored_query(&*state.store, owner, &name).await?;
    match state.store.delete_named_query(owner, &query.name).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        // Deleted by another request in between.
        Err(StoreError::NotFound { .. }) => Err(no_such_name(&name)),
        Err(error) => Err(error.into()),
    }
}

#[utoipa::path(
    get,
    path = "/queries/{queryName}/events",
    tag = "Queries",
    summary = "Run a named query, or stream its new events over a WebSocket",
    description = "Without Upgrade: one page of the query's results, as GET /events answers, with perPage and nextPageToken as the only parameters added. With Upgrade: websocket: 101, then an EPCISQueryDocument (JSON-LD) text message for the events recorded after initialRecordTime (none when absent) and for every newly captured event that matches.",
    params(
        ("queryName" = inline(crate::schema::QueryName), Path, description = "The query's name"),
        ("perPage" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "Page size, 1 to 10,000 (default 100)"),
        ("nextPageToken" = Option<String>, Query, description = "From the Link header of the previous page"),
        ("initialRecordTime" = Option<String>, Query, description = "WebSocket only: first send the events recorded from this time on"),
        ("GS1-EPC-Format" = Option<String>, Header, description = "No_Preference, Always_GS1_Digital_Link, Always_EPC_URN or Never_Translates"),
        ("GS1-CBV-XML-Format" = Option<String>, Header, description = "No_Preference, Always_Web_URI, Always_URN or Never_Translates")
    ),
    responses(
        (status = 101, description = "Switching to a WebSocket that carries EPCISQueryDocuments"),
        (status = 200, description = "An EPCISQueryDocument; Link rel=next when more pages follow", content((serde_json::Value = "application/ld+json"), (String = "application/xml"))),
        (status = 400, description = "QueryParameterException naming the parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "SecurityException: a province key has no queries of its own", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::NoSuchName,
        crate::error::responses::NotAcceptable,
        (status = 413, description = "QueryTooLargeException: more events than maxEventCount", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::ImplementationFailed,
        crate::error::responses::Unavailable
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/queries/{queryName}/events`, plain or upgraded to a WebSocket.
pub async fn query_events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(name): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let owner = query_owner(&caller)?;
    let query = stored_query(&*state.store, owner, &name).await?;
    let definition = StoredDefinition::read(&query)?;
    if let Ok(upgrade) = upgrade {
        let mut since = None;
        for (parameter, value) in &pairs {
            if parameter != "initialRecordTime" || since.is_some() {
                return Err(ApiError::query_parameter(
                    parameter,
                    "a WebSocket stream takes initialRecordTime only, once",
                ));
            }
            since = Some(parse_timestamp(&value.replace(' ', "+")).ok_or_else(|| {
                ApiError::query_parameter(
                    parameter,
                    format!("{value:?} is not a date-time with an offset"),
                )
            })?);
        }
        let parsed = definition.parse(owner, &[])?;
        let name = query.name.to_string();
        return Ok(
            upgrade.on_upgrade(move |socket| stream(socket, state, name, parsed.query, since))
        );
    }
    if let Some((parameter, _)) = pairs
        .iter()
        .find(|(name, _)| !PAGING_PARAMETERS.contains(&name.as_str()))
    {
        return Err(ApiError::query_parameter(
            parameter,
            "a named query takes only perPage and nextPageToken; define a new query for other parameters",
        ));
    }
    let parsed = definition.parse(owner, &pairs)?;
    answer(&state, &headers, query.name.as_str(), parsed, &uri, &pairs).await
}

/// Where a feed of new events resumes: after the last event sent, or from a record time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resume {
    /// Strictly after this event.
    After(EventCursor),
    /// From this record time on.
    Since(OffsetDateTime),
}

/// The next page of `query`'s events recorded after `resume`, in record-time order, leaving out
/// events recorded less than `settle` ago: a capture takes its record time before it commits,
/// so a later commit may carry an earlier time, and waiting `settle` lets it land first.
pub(crate) async fn new_events(
    store: &dyn Store,
    query: &EventQuery,
    resume: Resume,
    settle: Duration,
) -> Result<EventPage, StoreError> {
    let mut query = query.clone();
    query.order_by = OrderBy::RecordTime;
    query.direction = Direction::Ascending;
    match resume {
        Resume::After(cursor) => query.after = Some(cursor),
        Resume::Since(since) => {
            query.after = None;
            query.record_time.ge = Some(query.record_time.ge.map_or(since, |ge| ge.max(since)));
        }
    }
    let horizon = now_utc() - settle;
    query.record_time.lt = Some(query.record_time.lt.map_or(horizon, |lt| lt.min(horizon)));
    store.query_events(&query).await
}

/// The cursor after the last event of a page, if it has any.
pub(crate) fn last_cursor(page: &EventPage) -> Option<EventCursor> {
    page.events.last().map(|event| EventCursor {
        order_value: event.record_time,
        sequence: event.sequence,
    })
}

/// The JSON-LD `EPCISQueryDocument` pushed to a WebSocket or a webhook: identifiers as captured,
/// with `subscriptionID` for a webhook delivery.
pub(crate) fn json_document(
    query_name: &str,
    subscription: Option<SubscriptionId>,
    events: &[QueriedEvent],
    lengths: &PrefixLengths,
) -> Result<String, ApiError> {
    let spelling = Spelling {
        epc: EpcFormat::NoPreference,
        cbv: CbvXmlFormat::NoPreference,
    };
    let text = query_document(query_name, events, Binding::JsonLd, spelling, lengths)?;
    let Some(subscription) = subscription else {
        return Ok(text);
    };
    let broken = |detail: String| {
        ApiError::epcis(
            EpcisException::Implementation,
            StatusCode::INTERNAL_SERVER_ERROR,
            detail,
        )
    };
    let mut document: Value = serde_json::from_str(&text)
        .map_err(|e| broken(format!("the query document does not read back: {e}")))?;
    let results = document
        .pointer_mut("/epcisBody/queryResults")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| broken("the query document has no queryResults".to_owned()))?;
    results.insert(
        "subscriptionID".to_owned(),
        Value::String(subscription.to_string()),
    );
    Ok(document.to_string())
}

/// How long a WebSocket stream waits for a capture before it looks for new events anyway (events
/// that were still settling, or a capture by another server process on the same database).
const STREAM_POLL: Duration = Duration::from_secs(1);

/// Events a WebSocket stream treats as settled after this long (see [`new_events`]).
const STREAM_SETTLE: Duration = Duration::from_millis(200);

/// Serves one WebSocket: sends every page of new events, then waits for a capture, a poll tick or
/// the client closing. Ends quietly when the client goes away.
async fn stream(
    mut socket: WebSocket,
    state: AppState,
    name: String,
    query: EventQuery,
    since: Option<OffsetDateTime>,
) {
    // Subscribed before the first look, so a capture in between still wakes the loop.
    let mut captured = state.captured.subscribe();
    let mut resume = Resume::Since(since.unwrap_or_else(now_utc));
    loop {
        loop {
            let page = match new_events(&*state.store, &query, resume, STREAM_SETTLE).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(%error, query = %name, "stream query failed");
                    break;
                }
            };
            let Some(last) = last_cursor(&page) else {
                break;
            };
            let document =
                match json_document(&name, None, &page.events, &state.epcis.prefix_lengths) {
                    Ok(document) => document,
                    Err(error) => {
                        tracing::error!(%error, query = %name, "stream document failed");
                        return;
                    }
                };
            if socket.send(Message::text(document)).await.is_err() {
                return;
            }
            resume = Resume::After(last);
        }
        tokio::select! {
            // Any capture may match: the next look tells. A lagging receiver missed only
            // wake-ups, never events.
            notice = captured.recv() => if let Err(RecvError::Closed) = notice {
                return;
            },
            () = tokio::time::sleep(STREAM_POLL) => {}
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
