//! `/sync`: how the province's records are getting to the national portal and partners. The
//! province's roles see, per target, how many deliveries are in each status and how old the
//! oldest is, and every delivery with why it did not get through; the province admin puts a
//! failed one back in the queue. An organisation's users see their own deliveries read-only, so
//! they learn what to fix.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, ProductDetails, RecordId, SyncDelivery, SyncStatus, SyncSubject, SyncTotal, TargetName,
};
use nguon_store::{Registry, StoreError};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::error::ApiError;
use crate::sync_api::{DeliveryFilter, delivery_id};
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::{UiError, forbidden, not_found};
use crate::ui::quality_page::Names;
use crate::ui::session::SignedIn;
use crate::ui::trace_page::{number, vietnam_time};
use crate::ui::{Chrome, query_escape};

/// The query parameter a retry returns with, naming the delivery put back in the queue; only
/// the page reads it, the list's filters do not.
const RETRIED: &str = "retried";

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "sync.html")]
struct SyncPage {
    chrome: Chrome,
    /// Whether the totals and the organisation filter are shown (province roles).
    province: bool,
    /// A notice on top: what needs attention, or what a retry did.
    summary: Option<Notice>,
    /// A filter that could not be read.
    bad_filter: Option<String>,
    targets: Vec<TargetRow>,
    /// `(value, label, picked)` for the target selector.
    target_choices: Vec<(String, String, bool)>,
    /// `(value, label, picked)` for the status selector.
    status_choices: Vec<(&'static str, String, bool)>,
    /// The organisation the list is narrowed to, with the link that widens it again.
    organisation_filter: Option<(String, String)>,
    /// The organisation's id, kept by the filter form.
    organisation_value: String,
    filtered: bool,
    rows: Vec<DeliveryRow>,
    /// The next page's link.
    next: Option<String>,
    /// This page's path and query, for a retry to return to.
    here: String,
    csrf: String,
}

/// A notice: its text and whether it is good news.
struct Notice {
    text: String,
    ok: bool,
}

/// One target's totals.
struct TargetRow {
    name: String,
    /// One cell per status, in [`SyncStatus::ALL`] order.
    cells: Vec<TotalCell>,
    backlog: String,
}

/// One status of one target.
struct TotalCell {
    label: String,
    count: String,
    /// How old the oldest is, when there is one.
    oldest: Option<String>,
    href: String,
    band: &'static str,
}

/// One delivery.
struct DeliveryRow {
    id: i64,
    target: String,
    organisation: String,
    organisation_href: String,
    subject: String,
    status: String,
    band: &'static str,
    attempts: String,
    reason: Option<String>,
    created: String,
    next_attempt: Option<String>,
    sent: Option<String>,
    confirmed: Option<String>,
    remote_reference: Option<String>,
    retry: bool,
}

/// `GET /sync?target=&status=&organisation=&before=`.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let access = who.user.access;
    let own = access.organisation();
    if own.is_none() && !access.can_monitor_sync() {
        return forbidden(who.lang, Some(&who));
    }
    match build(&state, &who, &pairs).await {
        Ok(page) => page.into_response(),
        Err(error) => error.into_page(who.lang),
    }
}

async fn build(
    state: &AppState,
    who: &SignedIn,
    pairs: &[(String, String)],
) -> Result<SyncPage, UiError> {
    let tr = Tr { lang: who.lang };
    let access = who.user.access;
    let province = access.can_monitor_sync();
    let retried = pairs
        .iter()
        .find(|(name, _)| name == RETRIED)
        .and_then(|(_, id)| id.parse::<i64>().ok());
    let filters: Vec<(String, String)> = pairs
        .iter()
        .filter(|(name, _)| name != RETRIED)
        .cloned()
        .collect();
    let (mut filter, bad_filter) = match DeliveryFilter::parse(&filters) {
        Ok(filter) => (filter, None),
        Err(ApiError::BadRequest { field, .. }) => (
            DeliveryFilter::default(),
            Some(tr.t1("audit-bad-field", "field", field)),
        ),
        Err(other) => return Err(UiError::Internal(other.to_string())),
    };
    // The page lists what it shows, whatever size was asked for.
    filter.limit = None;
    if let Some(own) = access.organisation() {
        filter.organisation = Some(own);
    }
    let totals = if province {
        state.store.sync_totals().await?
    } else {
        Vec::new()
    };
    let mut targets: Vec<TargetName> = totals.iter().map(|t| t.target.clone()).collect();
    targets.extend(state.ui.sync_targets.iter().cloned());
    if let Some(target) = &filter.target {
        targets.push(target.clone());
    }
    targets.sort();
    targets.dedup();
    let now = nguon_store::now_utc();
    let mut target_rows = Vec::new();
    for target in targets.iter().filter(|_| province) {
        let backlog = state.store.outbox_backlog(target).await?;
        target_rows.push(target_row(tr, &totals, target, backlog, now));
    }
    let page = state.store.list_deliveries(&filter.query()).await?;
    let next = filter
        .next_page(&page)
        .map(|query| format!("/sync?{query}"));
    let mut rows = Vec::new();
    let mut names = Names::default();
    let mut products = ProductNames::default();
    for delivery in &page {
        rows.push(DeliveryRow {
            id: delivery.id,
            target: delivery.target.to_string(),
            organisation: names.get(state, tr, Some(delivery.organisation)).await?,
            organisation_href: list_href(&filter, |f| f.organisation = Some(delivery.organisation)),
            subject: products.describe(state, tr, delivery).await?,
            status: status_label(tr, delivery.status),
            band: band(delivery.status),
            attempts: tr.count("sync-attempts", "count", i64::from(delivery.attempts)),
            reason: delivery.reason.as_ref().map(|reason| match tr.lang {
                Lang::Vi => reason.vi.clone(),
                Lang::En => reason.en.clone(),
            }),
            created: vietnam_time(delivery.created_at),
            next_attempt: (delivery.status == SyncStatus::Pending
                && delivery.attempts > 0
                && delivery.next_attempt_at > now)
                .then(|| vietnam_time(delivery.next_attempt_at)),
            sent: delivery.sent_at.map(vietnam_time),
            confirmed: delivery.confirmed_at.map(vietnam_time),
            remote_reference: delivery.remote_reference.clone(),
            retry: access.can_retry_sync() && delivery.status == SyncStatus::Failed,
        });
    }
    let organisation_filter = match filter.organisation.filter(|_| province) {
        Some(organisation) => Some((
            names.get(state, tr, Some(organisation)).await?,
            list_href(&filter, |f| f.organisation = None),
        )),
        None => None,
    };
    let summary = match retried {
        Some(id) => Some(Notice {
            text: tr.t1("sync-retried", "id", &id.to_string()),
            ok: true,
        }),
        None if province => Some(failed_summary(tr, &totals)),
        None => None,
    };
    Ok(SyncPage {
        chrome: Chrome::signed_in(who, "/sync"),
        province,
        summary,
        bad_filter,
        targets: target_rows,
        target_choices: targets
            .iter()
            .map(|t| {
                (
                    t.to_string(),
                    t.to_string(),
                    filter.target.as_ref() == Some(t),
                )
            })
            .collect(),
        status_choices: SyncStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(tr, *s), filter.status == Some(*s)))
            .collect(),
        organisation_filter,
        organisation_value: filter
            .organisation
            .filter(|_| province)
            .map(|o| o.to_string())
            .unwrap_or_default(),
        filtered: filter.target.is_some()
            || filter.status.is_some()
            || (province && filter.organisation.is_some())
            || filter.before.is_some(),
        rows,
        next,
        here: current(&filters),
        csrf: who.session.csrf_token.clone(),
    })
}

/// This page's path with the filters it was asked for, for a retry to return to.
fn current(filters: &[(String, String)]) -> String {
    let query: Vec<String> = filters
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{}={}", query_escape(name), query_escape(value)))
        .collect();
    if query.is_empty() {
        "/sync".to_owned()
    } else {
        format!("/sync?{}", query.join("&"))
    }
}

/// The list's link with `change` applied to its filter, from the first page.
fn list_href(filter: &DeliveryFilter, change: impl FnOnce(&mut DeliveryFilter)) -> String {
    let mut changed = filter.clone();
    changed.before = None;
    change(&mut changed);
    let mut pairs = Vec::new();
    if let Some(target) = &changed.target {
        pairs.push(format!("target={target}"));
    }
    if let Some(status) = changed.status {
        pairs.push(format!("status={status}"));
    }
    if let Some(organisation) = changed.organisation {
        pairs.push(format!("organisation={organisation}"));
    }
    if pairs.is_empty() {
        "/sync".to_owned()
    } else {
        format!("/sync?{}", pairs.join("&"))
    }
}

/// One target's row of totals.
fn target_row(
    tr: Tr,
    totals: &[SyncTotal],
    target: &TargetName,
    backlog: u64,
    now: OffsetDateTime,
) -> TargetRow {
    let cells = SyncStatus::ALL
        .iter()
        .map(|status| {
            let total = totals
                .iter()
                .find(|t| &t.target == target && t.status == *status);
            TotalCell {
                label: status_label(tr, *status),
                count: number(tr.lang, total.map_or(0, |t| t.count) as f64),
                oldest: total.map(|t| tr.t1("sync-oldest", "age", &age(tr, now - t.oldest))),
                href: format!("/sync?target={target}&status={status}"),
                band: total.map_or("none", |_| band(*status)),
            }
        })
        .collect();
    TargetRow {
        name: target.to_string(),
        cells,
        backlog: number(tr.lang, backlog as f64),
    }
}

/// The notice over the totals: how many deliveries failed and wait for a person, or that none
/// did.
fn failed_summary(tr: Tr, totals: &[SyncTotal]) -> Notice {
    let failed: u64 = totals
        .iter()
        .filter(|t| t.status == SyncStatus::Failed)
        .map(|t| t.count)
        .sum();
    Notice {
        text: tr.count("sync-failed-summary", "count", failed as i64),
        ok: failed == 0,
    }
}

/// A duration as people say it: minutes, hours or days, rounded down.
fn age(tr: Tr, elapsed: time::Duration) -> String {
    let minutes = elapsed.whole_minutes().max(0);
    if minutes < 60 {
        tr.count("sync-age-minutes", "n", minutes)
    } else if minutes < 48 * 60 {
        tr.count("sync-age-hours", "n", minutes / 60)
    } else {
        tr.count("sync-age-days", "n", minutes / (24 * 60))
    }
}

/// A status in words.
fn status_label(tr: Tr, status: SyncStatus) -> String {
    tr.t(&format!("sync-status-{}", status.as_str()))
}

/// The colour of a status: done, on its way, or waiting for a person.
fn band(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Confirmed | SyncStatus::Sent => "good",
        SyncStatus::Pending => "fair",
        SyncStatus::Failed => "poor",
    }
}

/// Product names read once per page.
#[derive(Default)]
struct ProductNames(HashMap<RecordId, String>);

impl ProductNames {
    /// What `delivery` carries, in words.
    async fn describe(
        &mut self,
        state: &AppState,
        tr: Tr,
        delivery: &SyncDelivery,
    ) -> Result<String, UiError> {
        Ok(match delivery.subject {
            SyncSubject::Organisation => tr.t("sync-subject-organisation"),
            SyncSubject::Product(id) => {
                let name = match self.0.get(&id) {
                    Some(name) => name.clone(),
                    None => {
                        let name = product_name(state, tr, id).await?;
                        self.0.insert(id, name.clone());
                        name
                    }
                };
                tr.t1("sync-subject-product", "product", &name)
            }
            SyncSubject::Events { first, last } if first == last => {
                tr.t1("sync-subject-event", "first", &first.to_string())
            }
            SyncSubject::Events { first, last } => tr.tn(
                "sync-subject-events",
                &[("first", &first.to_string()), ("last", &last.to_string())],
            ),
        })
    }
}

/// A product's name in the page's language with its GTIN.
async fn product_name(state: &AppState, tr: Tr, id: RecordId) -> Result<String, UiError> {
    match state.store.get::<ProductDetails>(id).await {
        Ok(product) => {
            let details = product.details;
            let name = match (tr.lang, &details.name_en) {
                (Lang::En, Some(english)) => english.as_str().to_owned(),
                _ => details.name_vi.as_str().to_owned(),
            };
            Ok(format!("{name} (GTIN {})", details.gtin))
        }
        // Products are never deleted; should one be missing, the row still says what it was.
        Err(StoreError::NotFound { .. }) => Ok(id.to_string()),
        Err(error) => Err(error.into()),
    }
}

/// What the retry form sends.
#[derive(Debug, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
    /// The page to return to.
    #[serde(default)]
    back: String,
}

/// `POST /sync/{id}/retry`: the province admin puts a failed delivery back in the queue; the
/// store audits it. Returns to the list it was sent from, which says so.
pub async fn retry(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<RetryForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) || !who.user.access.can_retry_sync() {
        return forbidden(who.lang, Some(&who));
    }
    let Ok(id) = delivery_id(&id) else {
        return not_found(who.lang, &who);
    };
    // Only a path of this page is followed, so the form cannot send anyone elsewhere.
    let back = Some(form.back)
        .filter(|back| back == "/sync" || back.starts_with("/sync?"))
        .unwrap_or_else(|| "/sync".to_owned());
    let separator = if back.contains('?') { '&' } else { '?' };
    match state
        .store
        .retry_delivery(id, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to(&format!("{back}{separator}{RETRIED}={id}")).into_response(),
        // Retried by someone else a moment ago, or no longer failed: the list shows its status.
        Err(StoreError::Conflict { .. }) => Redirect::to(&back).into_response(),
        Err(StoreError::NotFound { .. }) => not_found(who.lang, &who),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_minutes_hours_or_days() {
        let en = Tr { lang: Lang::En };
        let vi = Tr { lang: Lang::Vi };
        assert_eq!(age(en, time::Duration::seconds(59)), "0 minutes");
        assert_eq!(age(en, time::Duration::minutes(61)), "1 hour");
        assert_eq!(age(vi, time::Duration::hours(47)), "47 giờ");
        assert_eq!(age(vi, time::Duration::days(3)), "3 ngày");
    }
}
