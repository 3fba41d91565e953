//! Deliveries to the national portal and partners, by API: `GET /api/v1/sync/deliveries` lists
//! them newest first with filters and keyset paging, and `POST
//! /api/v1/sync/deliveries/{id}/retry` puts a failed one back in the queue.
//!
//! A province key reads every organisation's deliveries and retries; an organisation key reads
//! only its own organisation's, so its integrator sees why a record did not reach the portal,
//! and retries none: the province answers for what it sends to the national portal.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Actor, Bilingual, OrganisationId, RecordId, SyncDelivery, SyncStatus, SyncSubject, TargetName,
};
use nguon_store::{DeliveryQuery, MAX_DELIVERIES_PAGE};
use serde::Serialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Deliveries listed when no limit is asked for.
pub const DEFAULT_PAGE: u32 = 50;

/// The parameters a delivery list takes, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only this target's.
    pub target: Option<TargetName>,
    /// Only deliveries in this status.
    pub status: Option<SyncStatus>,
    /// Only this organisation's.
    pub organisation: Option<OrganisationId>,
    /// Only deliveries older than this id (the previous page's last).
    pub before: Option<i64>,
    /// Page size, 1 to [`MAX_DELIVERIES_PAGE`].
    pub limit: Option<u32>,
}

impl DeliveryFilter {
    /// Reads query parameters, naming the parameter and the rule of a bad one. An empty value
    /// counts as not given, because a form's "any" choice sends one.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut filter = Self::default();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            let value = value.trim();
            if seen.contains(&name.as_str()) {
                return Err(bad(field_name(name), "must be given once".to_owned()));
            }
            seen.push(name);
            if value.is_empty() {
                continue;
            }
            match name.as_str() {
                "target" => {
                    filter.target = Some(
                        TargetName::parse(value)
                            .map_err(|_| bad("target", TARGET_RULE.to_owned()))?,
                    );
                }
                "status" => {
                    filter.status = Some(SyncStatus::parse(value).map_err(|_| {
                        bad(
                            "status",
                            "must be pending, sent, confirmed or failed".to_owned(),
                        )
                    })?);
                }
                "organisation" => {
                    filter.organisation = Some(OrganisationId::parse(value).map_err(|_| {
                        bad(
                            "organisation",
                            "must be an organisation id (a UUID)".to_owned(),
                        )
                    })?);
                }
                "before" => {
                    filter.before = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|id: &i64| *id > 0)
                            .ok_or_else(|| {
                                bad(
                                    "before",
                                    "must be a delivery id, a whole number above 0".to_owned(),
                                )
                            })?,
                    );
                }
                "limit" => {
                    filter.limit = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|n| (1..=MAX_DELIVERIES_PAGE).contains(n))
                            .ok_or_else(|| {
                                bad(
                                    "limit",
                                    format!(
                                        "must be a whole number from 1 to {MAX_DELIVERIES_PAGE}"
                                    ),
                                )
                            })?,
                    );
                }
                _ => {
                    return Err(bad(
                        "query",
                        format!(
                            "{name} is not a parameter; use target, status, organisation, before or limit"
                        ),
                    ));
                }
            }
        }
        Ok(filter)
    }

    /// The store query for this filter.
    pub fn query(&self) -> DeliveryQuery {
        DeliveryQuery {
            target: self.target.clone(),
            status: self.status,
            organisation: self.organisation,
            before: self.before,
            limit: self.page_size(),
        }
    }

    /// How many deliveries a page holds.
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_PAGE)
    }

    /// The query string of the page after `page` (its deliveries as listed), or `None` when
    /// `page` was not full and so was the last.
    pub fn next_page(&self, page: &[SyncDelivery]) -> Option<String> {
        let last = page.last()?;
        if page.len() < self.page_size() as usize {
            return None;
        }
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(target) = &self.target {
            pairs.push(("target", target.to_string()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.to_string()));
        }
        if let Some(organisation) = self.organisation {
            pairs.push(("organisation", organisation.to_string()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs.push(("before", last.id.to_string()));
        // Every value is a checked name, a status, a UUID or a number: nothing to escape.
        Some(
            pairs
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("&"),
        )
    }
}

/// The rule of a target name, as a caller should read it.
const TARGET_RULE: &str = "must be a sync target name: 1 to 40 lowercase letters, digits or '-'";

/// The parameter names the API answers with, fixed so errors can borrow them.
fn field_name(name: &str) -> &'static str {
    match name {
        "target" => "target",
        "status" => "status",
        "organisation" => "organisation",
        "before" => "before",
        "limit" => "limit",
        _ => "query",
    }
}

fn bad(field: &'static str, rule: String) -> ApiError {
    ApiError::BadRequest { field, rule }
}

/// A delivery as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The delivery's id.
    pub id: i64,
    /// Where it goes.
    pub target: String,
    /// Whose record it is.
    pub organisation: OrganisationId,
    /// What it carries.
    pub subject: SubjectView,
    /// pending, sent, confirmed or failed.
    pub status: &'static str,
    /// Attempts so far.
    pub attempts: u32,
    /// When the worker looks at it next.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// What the target called it.
    pub remote_reference: Option<String>,
    /// Why the last attempt did not succeed, in Vietnamese and English.
    pub reason: Option<Bilingual>,
    /// When the change was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the target accepted it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    /// When the target confirmed it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<OffsetDateTime>,
}

/// What a delivery carries, tagged by `kind`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SubjectView {
    /// The organisation's profile.
    Organisation,
    /// A product record.
    Product {
        /// The product's record id.
        product: RecordId,
    },
    /// A run of the organisation's events, by capture sequence, both ends included.
    Events {
        /// The first sequence.
        first: i64,
        /// The last sequence.
        last: i64,
    },
}

impl From<SyncDelivery> for DeliveryView {
    fn from(delivery: SyncDelivery) -> Self {
        Self {
            id: delivery.id,
            target: delivery.target.to_string(),
            organisation: delivery.organisation,
            subject: match delivery.subject {
                SyncSubject::Organisation => SubjectView::Organisation,
                SyncSubject::Product(product) => SubjectView::Product { product },
                SyncSubject::Events { first, last } => SubjectView::Events { first, last },
            },
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            next_attempt_at: delivery.next_attempt_at,
            remote_reference: delivery.remote_reference,
            reason: delivery.reason,
            created_at: delivery.created_at,
            sent_at: delivery.sent_at,
            confirmed_at: delivery.confirmed_at,
        }
    }
}

/// A page of deliveries.
#[derive(Debug, Serialize)]
pub struct DeliveryList {
    /// Newest change first.
    pub deliveries: Vec<DeliveryView>,
    /// The next page's path, also sent as `Link: <…>; rel="next"`; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sync/deliveries",
    operation_id = "list_sync_deliveries",
    tag = "Sync",
    summary = "Deliveries to the national portal and partners, newest first",
    description = "Each outbox change (an organisation's profile, a product, a run of captured events) on its way to one target, with its status (pending, sent, confirmed, failed), attempts, the target's reference and, when an attempt did not succeed, the reason in Vietnamese and English. A province key reads every organisation's deliveries; an organisation key reads only its own (asking for another organisation's is 403). A full page has a `next` path with `before` set to its last id, also sent as `Link: <…>; rel=\"next\"`.",
    params(
        ("target" = Option<String>, Query, pattern = "^([a-z0-9-]{1,40})?$", description = "Only this target's (e.g. most); empty, as a form's \"any\" sends it, counts as not given"),
        ("status" = Option<String>, Query, pattern = "^(pending|sent|confirmed|failed)?$", description = "pending, sent, confirmed or failed; empty counts as not given"),
        ("organisation" = inline(Option<crate::schema::Uuid7OrEmpty>), Query, description = "Only this organisation's (its id); empty counts as not given"),
        ("before" = Option<String>, Query, pattern = "^([1-9][0-9]{0,18})?$", description = "Only deliveries older than this id (a whole number above 0): the previous page's last; empty counts as not given"),
        ("limit" = Option<String>, Query, pattern = "^([1-9][0-9]?|[1-4][0-9]{2}|500)?$", description = "At most this many (1 to 500, default 50); empty counts as not given")
    ),
    responses(
        (status = 200, description = "deliveries: [{id, target, organisation, subject {kind organisation | product {product} | events {first, last}}, status, attempts, nextAttemptAt, remoteReference, reason {vi, en}, createdAt, sentAt, confirmedAt}], next", body = serde_json::Value),
        (status = 400, description = "A parameter breaks its rule, is given twice, or is unknown; the detail names it", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "An organisation key asked for another organisation's deliveries", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/sync/deliveries`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let mut filter = DeliveryFilter::parse(&pairs)?;
    if let Some(own) = caller.reading_scope() {
        if filter.organisation.is_some_and(|asked| asked != own) {
            return Err(ApiError::forbidden(
                "organisation: an organisation key reads only its own organisation's deliveries",
            ));
        }
        filter.organisation = Some(own);
    }
    let page = state.store.list_deliveries(&filter.query()).await?;
    let next = filter
        .next_page(&page)
        .map(|query| format!("/api/v1/sync/deliveries?{query}"));
    let link = next.as_ref().map(|next| format!("<{next}>; rel=\"next\""));
    let body = Json(DeliveryList {
        deliveries: page.into_iter().map(DeliveryView::from).collect(),
        next,
    });
    Ok(match link {
        Some(link) => ([(header::LINK, link)], body).into_response(),
        None => body.into_response(),
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/sync/deliveries/{id}/retry",
    operation_id = "retry_sync_delivery",
    tag = "Sync",
    summary = "Put a failed delivery back in the queue",
    description = "A delivery fails when its target refused it for a reason a person must fix (the reason says which) or it ran out of attempts. Once fixed, a retry makes it pending, due now, with its attempts reset and its reason cleared; the retry is in the audit log. Needs a province key.",
    params(("id" = i64, Path, description = "The delivery's id")),
    responses(
        (status = 200, description = "The delivery, now pending (the same fields as in the list)", body = serde_json::Value),
        (status = 400, description = "`id` is not a delivery id", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "Not a province key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The delivery has not failed (pending, sent or confirmed), so there is nothing to retry", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/sync/deliveries/{id}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeliveryView>, ApiError> {
    if caller.reading_scope().is_some() {
        return Err(ApiError::forbidden(
            "only a province key may retry a delivery; an organisation key reads its own",
        ));
    }
    let id = delivery_id(&id)?;
    let retried = state
        .store
        .retry_delivery(id, Actor::ApiKey(caller.key_id))
        .await?;
    Ok(Json(retried.into()))
}

/// Reads a delivery id from a path.
pub fn delivery_id(text: &str) -> Result<i64, ApiError> {
    text.parse().ok().filter(|id: &i64| *id > 0).ok_or_else(|| {
        bad(
            "id",
            "must be a delivery id, a whole number above 0".to_owned(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn filters_name_the_parameter_and_the_rule() {
        let filter = DeliveryFilter::parse(&pairs(&[
            ("target", "most"),
            ("status", "failed"),
            ("organisation", ""),
            ("limit", "2"),
        ]))
        .unwrap();
        assert_eq!(filter.status, Some(SyncStatus::Failed));
        assert_eq!(filter.organisation, None, "an empty value is no filter");
        for (query, field) in [
            (vec![("status", "done")], "status"),
            (vec![("target", "MOST")], "target"),
            (vec![("organisation", "acme")], "organisation"),
            (vec![("before", "0")], "before"),
            (vec![("limit", "501")], "limit"),
            (vec![("status", "failed"), ("status", "sent")], "status"),
            (vec![("page", "2")], "query"),
        ] {
            match DeliveryFilter::parse(&pairs(&query)) {
                Err(ApiError::BadRequest { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{query:?}: {other:?}"),
            }
        }
        assert!(delivery_id("12").is_ok() && delivery_id("-1").is_err());
    }
}
