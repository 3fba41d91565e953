//! Reading events: `GET /epcis/events` with the query language, one event by ID, and the
//! top-level resources (`/eventTypes`, `/epcs`, `/bizSteps`, `/bizLocations`, `/readPoints`,
//! `/dispositions`) with their `events`.
//!
//! Pages are keyset cursors, so page 1,000 costs what page 1 costs; `nextPageToken` carries the
//! cursor and how many events earlier pages returned (for `eventCountLimit`), and `Link:
//! rel="next"` repeats the request with it.
//!
//! Every read is scoped to what the key holder may see ([`KeyHolder::readable`]): an
//! organisation's own events, everyone's for the province, and for a partner system exactly the
//! events of the organisations whose live grants let it read.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{EventQuery, EventType, Owners};
use nguon_epcis::identifier::index_form;
use nguon_epcis::vocab::Vocabulary;
use nguon_store::EventResource;
use serde::Deserialize;
use serde_json::{Value, json};

use super::params::{self, ParsedQuery, Prefixes};
use super::respond::{Binding, Spelling, epcis_response, query_document};
use crate::AppState;
use crate::auth::KeyHolder;
use crate::error::{ApiError, EpcisException, EpcisQuery};

/// The name ad-hoc `GET /events` results carry: the standard's one query.
pub const SIMPLE_EVENT_QUERY: &str = "SimpleEventQuery";

/// The JSON-LD context of collections.
const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

#[utoipa::path(
    get,
    path = "/events",
    tag = "Events",
    summary = "Query events with the EPCIS 2.0 query language",
    description = "Every standard parameter: eventType, GE_/LT_eventTime and recordTime, EQ_action/bizStep/disposition/persistentDisposition_set/unset, EQ_/WD_readPoint and bizLocation, EQ_transformationID, MATCH_epc/parentID/inputEPC/outputEPC/anyEPC/epcClass/inputEPCClass/outputEPCClass/anyEPCClass (EPC patterns with trailing *), EQ_/GT_/GE_/LT_/LE_quantity[_UOM], EQ_eventID, EXISTS_errorDeclaration, GE_/LT_errorDeclaration_Time, EQ_errorReason, EQ_correctiveEventID, sensor filters (EQ_type, EQ_deviceID, …, GE_/LT_time/startTime/endTime, GT_…_value_UOM), EQ_/GT_/…/EXISTS_ on extension, ILMD, INNER_, ERROR_DECLARATION_, SENSOR…_, readPoint_ and bizLocation_ fields (prefixes from GS1-Extensions), orderBy, orderDirection, eventCountLimit, maxEventCount, perPage and nextPageToken. Lists are pipe-separated.",
    params(
        ("perPage" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "Page size, 1 to 10,000 (default 100)"),
        ("nextPageToken" = Option<String>, Query, description = "From the Link header of the previous page"),
        ("GS1-EPC-Format" = Option<String>, Header, description = "No_Preference, Always_GS1_Digital_Link, Always_EPC_URN or Never_Translates"),
        ("GS1-CBV-XML-Format" = Option<String>, Header, description = "No_Preference, Always_Web_URI, Always_URN or Never_Translates"),
        ("GS1-Extensions" = Option<String>, Header, description = "prefix=namespace pairs for extension field names, comma-separated")
    ),
    responses(
        (status = 200, description = "An EPCISQueryDocument; Link rel=next when more pages follow", content((serde_json::Value = "application/ld+json"), (String = "application/xml"))),
        (status = 400, description = "ValidationException or QueryParameterException naming the field and the rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        crate::error::responses::NotAcceptable,
        (status = 413, description = "CaptureLimitExceededException or QueryTooLargeException", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/events`.
pub async fn events(
    State(state): State<AppState>,
    holder: KeyHolder,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let parsed = parse_request(&headers, &pairs, holder.readable(&*state.store).await?)?;
    answer(&state, &headers, SIMPLE_EVENT_QUERY, parsed, &uri, &pairs).await
}

/// The query in a request's parameters, with extension prefixes from its `GS1-Extensions`
/// header, scoped to the events of `owners`.
fn parse_request(
    headers: &HeaderMap,
    pairs: &[(String, String)],
    owners: Owners,
) -> Result<ParsedQuery, ApiError> {
    let prefixes =
        Prefixes::from_header(headers.get("GS1-Extensions").and_then(|v| v.to_str().ok()))
            .map_err(|e| ApiError::query_parameter(&e.parameter, e.message))?;
    params::parse(pairs, owners, &prefixes)
        .map_err(|e| ApiError::query_parameter(&e.parameter, e.message))
}

/// Answers one page of a parsed query in the binding the client accepts, with `Link: next`.
pub async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    query_name: &str,
    mut parsed: ParsedQuery,
    uri: &axum::http::Uri,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    let binding = Binding::accepted(headers)?;
    let spelling = Spelling::from_headers(headers)?;
    if let Some(max) = parsed.max_event_count
        && parsed.query.after.is_none()
    {
        let mut probe = parsed.query.clone();
        probe.limit = max.saturating_add(1);
        let found = state.store.query_events(&probe).await?.events.len();
        if found > max as usize {
            return Err(ApiError::epcis(
                EpcisException::QueryTooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("more than maxEventCount={max} events match; narrow the query"),
            ));
        }
    }
    let remaining = parsed
        .event_count_limit
        .map(|limit| limit.saturating_sub(parsed.already_returned));
    if let Some(remaining) = remaining {
        parsed.query.limit = parsed.query.effective_limit().min(remaining.max(1));
    }
    let page = if remaining == Some(0) {
        nguon_store::EventPage {
            events: Vec::new(),
            next: None,
        }
    } else {
        state.store.query_events(&parsed.query).await?
    };
    let returned = parsed.already_returned + page.events.len() as u32;
    let exhausted = parsed
        .event_count_limit
        .is_some_and(|limit| returned >= limit);
    let body = query_document(
        query_name,
        &page.events,
        binding,
        spelling,
        &state.epcis.prefix_lengths,
    )?;
    let mut response = epcis_response(StatusCode::OK, binding, body);
    if let Some(next) = page.next.filter(|_| !exhausted) {
        let token = format!("{}.{returned}", next.encode());
        let mut query = form_query(pairs.iter().filter(|(name, _)| name != "nextPageToken"));
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("nextPageToken=");
        query.push_str(&token);
        let link = format!("<{}?{query}>; rel=\"next\"", uri.path());
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// Query pairs re-encoded for a URL.
fn form_query<'a>(pairs: impl Iterator<Item = &'a (String, String)>) -> String {
    pairs
        .map(|(name, value)| {
            format!(
                "{}={}",
                nguon_gs1::percent_encode(name),
                nguon_gs1::percent_encode(value)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[utoipa::path(
    get,
    path = "/events/{event_id}",
    tag = "Events",
    summary = "One event by eventID",
    params(("event_id" = String, Path, description = "The eventID, percent-encoded")),
    responses(
        (status = 200, description = "An EPCISQueryDocument with the event", content((serde_json::Value = "application/ld+json"), (String = "application/xml"))),
        crate::error::responses::Unauthorized,
        crate::error::responses::NoSuchResource,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/events/{eventID}`.
pub async fn event(
    State(state): State<AppState>,
    holder: KeyHolder,
    headers: HeaderMap,
    Path(event_id): Path<String>,
) -> Result<Response, ApiError> {
    let binding = Binding::accepted(&headers)?;
    let spelling = Spelling::from_headers(&headers)?;
    let mut query = EventQuery::new(holder.readable(&*state.store).await?);
    query.event_ids = Some(vec![event_id.clone()]);
    query.limit = 1;
    let page = state.store.query_events(&query).await?;
    if page.events.is_empty() {
        return Err(ApiError::epcis(
            EpcisException::NoSuchResource,
            StatusCode::NOT_FOUND,
            format!("no event {event_id}"),
        ));
    }
    let body = query_document(
        SIMPLE_EVENT_QUERY,
        &page.events,
        binding,
        spelling,
        &state.epcis.prefix_lengths,
    )?;
    Ok(epcis_response(StatusCode::OK, binding, body))
}

/// The six browsable resources, by URL segment.
fn resource(segment: &str) -> Option<EventResource> {
    Some(match segment {
        "eventTypes" => EventResource::EventTypes,
        "epcs" => EventResource::Epcs,
        "bizSteps" => EventResource::BizSteps,
        "bizLocations" => EventResource::BizLocations,
        "readPoints" => EventResource::ReadPoints,
        "dispositions" => EventResource::Dispositions,
        _ => return None,
    })
}

/// Paging of resource collections.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePage {
    /// The last member of the previous page.
    next_page_token: Option<String>,
    /// Page size, 1 to 1,000.
    per_page: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/{resource}",
    tag = "Top-level resources",
    summary = "The values of a top-level resource found in the caller's events",
    params(
        ("resource" = String, Path, description = "eventTypes, epcs, bizSteps, bizLocations, readPoints or dispositions"),
        ("perPage" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Page size, 1 to 1,000 (default 100)"),
        ("nextPageToken" = Option<String>, Query, description = "The last member of the previous page")
    ),
    responses(
        (status = 200, description = "A Collection of members; Link rel=next when more follow", body = serde_json::Value),
        crate::error::responses::BadQueryParameter,
        crate::error::responses::Unauthorized,
        crate::error::responses::NoSuchResource,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/{resource}`: the values that occur in the caller's events, sorted, paged.
pub async fn collection(
    State(state): State<AppState>,
    holder: KeyHolder,
    Path(segment): Path<String>,
    EpcisQuery(page): EpcisQuery<ResourcePage>,
) -> Result<Response, ApiError> {
    let kind =
        resource(&segment).ok_or_else(|| ApiError::NoSuchRoute(format!("/epcis/{segment}")))?;
    let limit = page.per_page.unwrap_or(100).clamp(1, 1_000);
    let members = state
        .store
        .event_resource_values(
            &holder.readable(&*state.store).await?,
            kind,
            page.next_page_token,
            limit,
        )
        .await?;
    let next = (members.len() == limit as usize)
        .then(|| members.last().cloned())
        .flatten();
    let shown: Vec<String> = members
        .into_iter()
        .map(|member| match kind {
            EventResource::BizSteps => bare(Vocabulary::BizStep, member),
            EventResource::Dispositions => bare(Vocabulary::Disposition, member),
            _ => member,
        })
        .collect();
    let mut response =
        Json(json!({"@context": [CONTEXT], "type": "Collection", "member": shown})).into_response();
    if let Some(last) = next {
        let link = format!(
            "</epcis/{segment}?perPage={limit}&nextPageToken={}>; rel=\"next\"",
            nguon_gs1::percent_encode(&last)
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

fn bare(vocabulary: Vocabulary, uri: String) -> String {
    vocabulary.bare_word(&uri).map(str::to_owned).unwrap_or(uri)
}

#[utoipa::path(
    get,
    path = "/{resource}/{id}",
    tag = "Top-level resources",
    summary = "The sub-resources of one value (events)",
    params(("resource" = String, Path, description = "eventTypes, epcs, bizSteps, bizLocations, readPoints or dispositions"), ("id" = String, Path, description = "The value, percent-encoded")),
    responses(
        (status = 200, description = "A Collection naming the events sub-resource", body = serde_json::Value),
        crate::error::responses::Unauthorized,
        crate::error::responses::NoSuchResource,
        crate::error::responses::NotAcceptable,
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/{resource}/{id}`: the sub-resources of one value (only `events`).
pub async fn member(
    State(_state): State<AppState>,
    _holder: KeyHolder,
    Path((segment, _id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    resource(&segment).ok_or_else(|| ApiError::NoSuchRoute(format!("/epcis/{segment}")))?;
    Ok(Json(
        json!({"@context": [CONTEXT], "type": "Collection", "member": ["events"]}),
    ))
}

#[utoipa::path(
    get,
    path = "/{resource}/{id}/events",
    tag = "Top-level resources",
    summary = "The events with one value, plus any query parameters of GET /events",
    params(("resource" = String, Path, description = "eventTypes, epcs, bizSteps, bizLocations, readPoints or dispositions"), ("id" = String, Path, description = "The value, percent-encoded")),
    responses(
        (status = 200, description = "An EPCISQueryDocument", content((serde_json::Value = "application/ld+json"), (String = "application/xml"))),
        (status = 400, description = "ValidationException or QueryParameterException naming the field and the rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        crate::error::responses::NoSuchResource,
        crate::error::responses::NotAcceptable,
        (status = 413, description = "CaptureLimitExceededException or QueryTooLargeException", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::ImplementationFailed
    ),
    security(("api_key" = []))
)]
/// `GET /epcis/{resource}/{id}/events`: the events with that value, plus any query parameters.
pub async fn member_events(
    State(state): State<AppState>,
    holder: KeyHolder,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path((segment, id)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let kind =
        resource(&segment).ok_or_else(|| ApiError::NoSuchRoute(format!("/epcis/{segment}")))?;
    let mut parsed = parse_request(&headers, &pairs, holder.readable(&*state.store).await?)?;
    let query = &mut parsed.query;
    match kind {
        EventResource::EventTypes => {
            let event_type = EventType::parse(&id).map_err(|e| {
                ApiError::epcis(
                    EpcisException::NoSuchResource,
                    StatusCode::NOT_FOUND,
                    e.to_string(),
                )
            })?;
            query.event_types = Some(vec![event_type]);
        }
        EventResource::Epcs => query.identifiers.push(nguon_domain::IdentifierMatch {
            roles: vec![
                nguon_domain::IdentifierRole::Epc,
                nguon_domain::IdentifierRole::Parent,
                nguon_domain::IdentifierRole::Input,
                nguon_domain::IdentifierRole::Output,
            ],
            exact: vec![index_form(&id)],
            prefixes: Vec::new(),
        }),
        EventResource::BizSteps => query.biz_steps = Some(vec![Vocabulary::BizStep.normalise(&id)]),
        EventResource::Dispositions => {
            query.dispositions = Some(vec![Vocabulary::Disposition.normalise(&id)]);
        }
        EventResource::BizLocations => query.biz_locations = Some(vec![index_form(&id)]),
        EventResource::ReadPoints => query.read_points = Some(vec![index_form(&id)]),
    }
    answer(&state, &headers, SIMPLE_EVENT_QUERY, parsed, &uri, &pairs).await
}
