//! Recalls: `POST /api/v1/recalls` runs the drill from a lot or serial and stores the recall
//! with every identifier found; `GET /api/v1/recalls` and `GET /api/v1/recalls/{id}` read them;
//! `POST /api/v1/recalls/{id}/status` moves one forward (open → notified → closed); and
//! `GET /api/v1/recalls/{id}/report.csv|xlsx|pdf` writes the recall report.
//!
//! Raising a recall and changing its status take a province key: the province decides recalls
//! (TT 17/2021). A province key reads every recall; an organisation key reads the recalls that
//! concern it, those whose recalled lots include one of its organisation's, with every lot the
//! drill found (a recall follows the goods wherever they went). Another organisation's recall
//! is a 404, as if it did not exist.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    NewRecall, OrganisationId, PublicIdentity, Recall, RecallId, RecallReason, RecallRole,
    RecallStatus, RecalledLot,
};
use nguon_report::{Cell, Column, Format, ReportError, Table};
use nguon_store::{MAX_RECALLS_PAGE, Store, StoreError};
use nguon_trace::recall::Drill;
use nguon_trace::{Identifier, Limits};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::trace::unknown;

/// Largest request body: an identifier and a reason of at most 2,000 characters.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Recalls listed when no limit is asked for.
const DEFAULT_PAGE: u32 = 50;

/// What `POST /api/v1/recalls` reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RaiseRecall {
    identifier: String,
    reason: String,
}

/// What `POST /api/v1/recalls/{id}/status` reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: String,
}

/// A recall raised: the record and the drill behind it.
#[derive(Debug, Serialize)]
pub struct Raised {
    /// The stored recall.
    pub recall: Recall,
    /// The drill: affected lots, totals per organisation, suspects.
    pub drill: Drill,
}

/// A recall with the identifiers it names.
#[derive(Debug, Serialize)]
pub struct RecallView {
    /// The recall.
    pub recall: Recall,
    /// Its identifiers, affected first, in the drill's order.
    pub lots: Vec<RecalledLot>,
}

/// A page of recalls.
#[derive(Debug, Serialize)]
pub struct RecallList {
    /// Newest first.
    pub recalls: Vec<Recall>,
}

#[utoipa::path(
    post,
    path = "/api/v1/recalls",
    tag = "Recalls",
    summary = "Raise a recall from a lot or serial",
    description = "Body: `{\"identifier\": \"…\", \"reason\": \"…\"}` (the reason 1 to 2,000 characters). Runs the recall drill from the identifier — every downstream lot, serial and logistic unit with its holder and quantity, totals per organisation, and the upstream sources — and stores the recall as `open` with every identifier found, so their public pages show the notice. Needs a province key.",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses(
        (status = 201, description = "recall (the stored record) and drill (affected, totals, suspects, truncated); Location names the recall", body = serde_json::Value),
        (status = 400, description = "The body is not JSON with identifier and reason, or one breaks its rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "Not a province key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event names the identifier", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/recalls`.
pub async fn raise(
    State(state): State<AppState>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    province(&caller, "raise a recall")?;
    let request: RaiseRecall = read_body(body).await?;
    let start = Identifier::parse(&request.identifier).map_err(|error| ApiError::BadRequest {
        field: "identifier",
        rule: error.to_string(),
    })?;
    let reason = RecallReason::parse(&request.reason).map_err(|error| ApiError::BadRequest {
        field: "reason",
        rule: error.to_string().trim_start_matches("reason: ").to_owned(),
    })?;
    let drill = nguon_trace::recall::drill(&*state.store, &start, Limits::default())
        .await?
        .ok_or_else(|| unknown(&start))?;
    let recall = state
        .store
        .create_recall(&NewRecall {
            id: RecallId::generate(),
            reason,
            start: start.to_string(),
            created_by: caller.key_id,
            lots: recalled_lots(&drill),
        })
        .await?;
    let location = format!("/api/v1/recalls/{}", recall.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Raised { recall, drill }),
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/recalls",
    tag = "Recalls",
    summary = "Recalls, newest first",
    description = "A province key sees every recall; an organisation key sees those that name a lot it holds.",
    params(
        ("status" = Option<String>, Query, pattern = "^(open|notified|closed)$", description = "open, notified or closed; all when left out"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "At most this many (1 to 500, default 50)")
    ),
    responses(
        (status = 200, description = "recalls: each with id, reason, start, status, who and when, lotCount", body = serde_json::Value),
        (status = 400, description = "`status` or `limit` breaks its rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/recalls`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<RecallList>, ApiError> {
    let mut status = None;
    let mut limit = DEFAULT_PAGE;
    for (name, value) in &pairs {
        match name.as_str() {
            "status" => {
                status = Some(parse_status(value)?);
            }
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_RECALLS_PAGE).contains(n))
                    .ok_or_else(|| ApiError::BadRequest {
                        field: "limit",
                        rule: format!("must be a whole number from 1 to {MAX_RECALLS_PAGE}"),
                    })?;
            }
            _ => {
                return Err(ApiError::BadRequest {
                    field: "query",
                    rule: format!("{name} is not a parameter; use status or limit"),
                });
            }
        }
    }
    let recalls = state
        .store
        .list_recalls(status, caller.reading_scope(), limit)
        .await?;
    Ok(Json(RecallList { recalls }))
}

#[utoipa::path(
    get,
    path = "/api/v1/recalls/{id}",
    tag = "Recalls",
    summary = "One recall with the identifiers it names",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The recall id")),
    responses(
        (status = 200, description = "recall and lots (identifier, role affected or suspect, kind, organisation, quantity, uom)", body = serde_json::Value),
        (status = 400, description = "`id` is not a recall id", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No such recall, or, for an organisation key, none of its lots is the organisation's", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `GET /api/v1/recalls/{id}`.
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecallView>, ApiError> {
    let (recall, lots) = readable(&state, &caller, &id).await?;
    Ok(Json(RecallView { recall, lots }))
}

#[utoipa::path(
    post,
    path = "/api/v1/recalls/{id}/status",
    tag = "Recalls",
    summary = "Move a recall to its next status",
    description = "Body: `{\"status\": \"notified\"}` or `{\"status\": \"closed\"}`. A recall moves open → notified → closed, one step at a time; the change is stamped with the time and the key. Needs a province key.",
    params(("id" = inline(crate::schema::Uuid7), Path, description = "The recall id")),
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses(
        (status = 200, description = "The recall after the change", body = serde_json::Value),
        (status = 400, description = "`id` or `status` breaks its rule", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 403, description = "Not a province key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such recall, or, for an organisation key, none of its lots is the organisation's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not the next status; the detail names the rule", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
/// `POST /api/v1/recalls/{id}/status`.
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<Recall>, ApiError> {
    province(&caller, "change a recall's status")?;
    let id = recall_id(&id)?;
    let request: StatusChange = read_body(body).await?;
    let status = parse_status(&request.status)?;
    let recall = state
        .store
        .set_recall_status(id, status, caller.key_id)
        .await?;
    Ok(Json(recall))
}

macro_rules! report_route {
    ($name:ident, $format:expr, $path:literal, $what:literal) => {
        #[utoipa::path(
            get,
            path = $path,
            tag = "Recalls",
            summary = $what,
            description = "The recall report: the recall's reason, start, status and stamps, then one row per identifier (role, identifier, kind, organisation, quantity, unit), affected first. Vietnamese and English headers.",
            params(("id" = inline(crate::schema::Uuid7), Path, description = "The recall id")),
            responses(
                (status = 200, description = "The report file, as an attachment"),
                (status = 400, description = "`id` is not a recall id", body = crate::error::Problem, content_type = "application/problem+json"),
                crate::error::responses::Unauthorized,
                (status = 404, description = "No such recall, or, for an organisation key, none of its lots is the organisation's", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("api_key" = []))
        )]
        #[doc = concat!("`GET ", $path, "`.")]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            Path(id): Path<String>,
        ) -> Result<Response, ApiError> {
            report(&state, &caller, &id, $format).await
        }
    };
}

report_route!(
    report_csv,
    Format::Csv,
    "/api/v1/recalls/{id}/report.csv",
    "The recall report as CSV"
);
report_route!(
    report_xlsx,
    Format::Xlsx,
    "/api/v1/recalls/{id}/report.xlsx",
    "The recall report as an Excel workbook"
);
report_route!(
    report_pdf,
    Format::Pdf,
    "/api/v1/recalls/{id}/report.pdf",
    "The recall report as PDF"
);

async fn report(
    state: &AppState,
    caller: &Caller,
    id: &str,
    format: Format,
) -> Result<Response, ApiError> {
    let (recall, lots) = readable(state, caller, id).await?;
    let id = recall.id;
    let names = organisation_names(&*state.store, &lots).await?;
    let failed = |error: ReportError| {
        ApiError::Store(StoreError::Internal(format!("recall report {id}: {error}")))
    };
    let table = lots_table(
        "Thu hồi sản phẩm / Product recall",
        record_notes(&recall),
        &lots,
        &names,
    )
    .map_err(failed)?;
    let bytes = format.write(&table).map_err(failed)?;
    let disposition = format!(
        "attachment; filename=\"recall-{id}.{}\"",
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The identifiers a drill found, as a recall names them: affected ones with their holder and
/// quantity, then suspects with the organisation that made them.
pub fn recalled_lots(drill: &Drill) -> Vec<RecalledLot> {
    let affected = drill.affected.iter().map(|a| RecalledLot {
        identifier: a.identifier.to_string(),
        role: RecallRole::Affected,
        kind: a.kind.as_str().to_owned(),
        organisation: Some(a.organisation),
        quantity: a.quantity.as_ref().map(|q| q.amount),
        uom: a.quantity.as_ref().and_then(|q| q.uom.clone()),
    });
    let suspects = drill.suspects.iter().map(|s| RecalledLot {
        identifier: s.identifier.to_string(),
        role: RecallRole::Suspect,
        kind: s.kind.as_str().to_owned(),
        organisation: s.organisations.first().copied(),
        quantity: None,
        uom: None,
    });
    affected.chain(suspects).collect()
}

/// The names of the organisations holding `lots`; people read names, not ids. The report goes
/// to every organisation the recall concerns, so a household's name is its public one.
pub async fn organisation_names(
    store: &dyn Store,
    lots: &[RecalledLot],
) -> Result<BTreeMap<OrganisationId, String>, StoreError> {
    let mut names = BTreeMap::new();
    for id in lots.iter().filter_map(|lot| lot.organisation) {
        if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(id) {
            let organisation = store.organisation(id).await?;
            let consent = store.current_consent(id).await?;
            entry.insert(PublicIdentity::of(&organisation, consent.as_ref()).name);
        }
    }
    Ok(names)
}

/// What a stored recall says about itself, for the lines above its report.
pub fn record_notes(recall: &Recall) -> Vec<String> {
    let stamp = |at: time::OffsetDateTime| nguon_epcis::model::format_timestamp(at);
    let status = match recall.status {
        RecallStatus::Open => "đang mở",
        RecallStatus::Notified => "đã thông báo",
        RecallStatus::Closed => "đã đóng",
    };
    let mut notes = vec![
        format!("Mã thu hồi / Recall: {}", recall.id),
        format!("Lý do / Reason: {}", recall.reason.as_str()),
        format!("Bắt đầu từ / Started from: {}", recall.start),
        format!("Trạng thái / Status: {status} / {}", recall.status),
        format!("Lập lúc / Raised: {}", stamp(recall.created_at)),
    ];
    if let Some(at) = recall.notified_at {
        notes.push(format!("Thông báo lúc / Notified: {}", stamp(at)));
    }
    if let Some(at) = recall.closed_at {
        notes.push(format!("Đóng lúc / Closed: {}", stamp(at)));
    }
    notes
}

/// The drill's totals per organisation, for the lines above a drill's report.
pub fn totals_notes(drill: &Drill, names: &BTreeMap<OrganisationId, String>) -> Vec<String> {
    drill
        .totals
        .iter()
        .map(|total| {
            let name = names
                .get(&total.organisation)
                .cloned()
                .unwrap_or_else(|| total.organisation.to_string());
            format!(
                "Tổng / Total — {name}: {} {} ({} mã / identifiers)",
                nguon_trace::amount_text(total.amount),
                total.uom.as_deref().unwrap_or(""),
                total.count
            )
        })
        .collect()
}

/// The report table: one row per identifier, Vietnamese and English headers.
pub fn lots_table(
    title: &str,
    notes: Vec<String>,
    lots: &[RecalledLot],
    names: &BTreeMap<OrganisationId, String>,
) -> Result<Table, ReportError> {
    let mut table = Table::new(
        title,
        vec![
            Column::text("Vai trò / Role"),
            Column::text("Mã truy xuất / Identifier"),
            Column::text("Loại / Kind"),
            Column::text("Tổ chức / Organisation"),
            Column::number("Số lượng / Quantity"),
            Column::text("Đơn vị / Unit"),
        ],
    );
    table.notes = notes;
    let text = |value: Option<String>| value.map_or(Cell::Empty, Cell::Text);
    for lot in lots {
        let role = match lot.role {
            RecallRole::Affected => "bị ảnh hưởng / affected",
            RecallRole::Suspect => "nguồn nghi vấn / suspect",
        };
        let organisation = lot
            .organisation
            .map(|id| names.get(&id).cloned().unwrap_or_else(|| id.to_string()));
        table.push_row(vec![
            Cell::Text(role.to_owned()),
            Cell::Text(lot.identifier.clone()),
            Cell::Text(lot.kind.clone()),
            text(organisation),
            lot.quantity.map_or(Cell::Empty, Cell::Number),
            text(lot.uom.clone()),
        ])?;
    }
    Ok(table)
}

/// Refuses a key that is not the province's.
fn province(caller: &Caller, what: &str) -> Result<(), ApiError> {
    match caller.reading_scope() {
        None => Ok(()),
        Some(_) => Err(ApiError::forbidden(format!(
            "only a province key may {what}; an organisation key reads recalls"
        ))),
    }
}

/// Whether one of the recalled lots is `organisation`'s.
fn concerns(lots: &[RecalledLot], organisation: OrganisationId) -> bool {
    lots.iter()
        .any(|lot| lot.organisation == Some(organisation))
}

/// The recall `id` with its lots, if the caller may read it.
async fn readable(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(Recall, Vec<RecalledLot>), ApiError> {
    let id = recall_id(id)?;
    let recall = state.store.recall(id).await?;
    let lots = state.store.recall_lots(id).await?;
    match caller.reading_scope() {
        Some(own) if !concerns(&lots, own) => Err(ApiError::Store(nguon_store::no_such_recall(id))),
        _ => Ok((recall, lots)),
    }
}

fn recall_id(id: &str) -> Result<RecallId, ApiError> {
    RecallId::parse(id).map_err(|error| ApiError::BadRequest {
        field: "id",
        rule: error.to_string(),
    })
}

fn parse_status(value: &str) -> Result<RecallStatus, ApiError> {
    RecallStatus::parse(value).map_err(|error| ApiError::BadRequest {
        field: "status",
        rule: error
            .to_string()
            .trim_start_matches("recall status: ")
            .to_owned(),
    })
}

/// A small JSON body, read whole; what is wrong with it is named.
async fn read_body<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::BadRequest {
            field: "body",
            rule: format!("must be at most {MAX_BODY_BYTES} bytes"),
        })?;
    serde_json::from_slice(&bytes).map_err(|error| ApiError::BadRequest {
        field: "body",
        rule: error.to_string(),
    })
}
