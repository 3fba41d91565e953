//! Regulatory evidence packs as files: `GET /api/v1/exports/fsma` (the FSMA 204 sortable
//! spreadsheet of a lot or a date range), `/exports/plan` (an organisation's FSMA 204
//! traceability plan with farm map, PDF), `/exports/eu` (the EU 931/2011 dispatch record),
//! `/exports/simp` (the US SIMP data sheet) and `/exports/gdst` (a lot's GDST 1.2 document).
//!
//! Any valid key may export: the packs are what an organisation hands a regulator or buyer, and
//! the province reads every organisation's events anyway.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nguon_domain::TaxCode;
use nguon_export::ExportError;
use nguon_report::{Format, Table};
use nguon_store::StoreError;
use nguon_trace::Identifier;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiQuery};

/// The query of the lot exports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotQuery {
    lot: Option<String>,
    from: Option<String>,
    to: Option<String>,
    org: Option<String>,
    format: Option<String>,
}

impl From<ExportError> for ApiError {
    fn from(error: ExportError) -> Self {
        let bad = |field: &'static str, error: &ExportError| ApiError::BadRequest {
            field,
            rule: error.to_string(),
        };
        match error {
            ExportError::UnknownLot(id) => {
                ApiError::Store(StoreError::NotFound { what: "lot", id })
            }
            ExportError::UnknownOrganisation(id) => ApiError::Store(StoreError::NotFound {
                what: "organisation with tax code",
                id,
            }),
            ExportError::Date { field, .. } => bad(field, &error),
            ExportError::Range => bad("to", &error),
            ExportError::Gdst(_) => bad("lot", &error),
            ExportError::Store(store) => ApiError::Store(store),
            ExportError::Report(report) => {
                ApiError::Store(StoreError::Internal(format!("export: {report}")))
            }
        }
    }
}

fn lot(query: &LotQuery) -> Result<Identifier, ApiError> {
    let text = query.lot.as_deref().ok_or_else(|| ApiError::BadRequest {
        field: "lot",
        rule: "is required".into(),
    })?;
    Identifier::parse(text).map_err(|error| ApiError::BadRequest {
        field: "lot",
        rule: error.to_string(),
    })
}

fn format(query: &LotQuery, allowed: &[Format]) -> Result<Format, ApiError> {
    let name = query.format.as_deref().unwrap_or("csv");
    Format::parse(name)
        .filter(|f| allowed.contains(f))
        .ok_or_else(|| ApiError::BadRequest {
            field: "format",
            rule: format!(
                "must be one of {}",
                allowed
                    .iter()
                    .map(|f| f.extension())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

fn file(name: &str, format: Format, table: &Table) -> Result<Response, ApiError> {
    let bytes = format.write(table).map_err(ExportError::from)?;
    Ok(attachment(
        name,
        format.extension(),
        format.content_type(),
        bytes,
    ))
}

fn attachment(name: &str, extension: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /api/v1/exports/fsma`.
#[utoipa::path(
    get,
    path = "/api/v1/exports/fsma",
    tag = "Exports",
    summary = "The FSMA 204 electronic sortable spreadsheet",
    description = "One row per critical tracking event (harvesting, cooling, initial packing, shipping, receiving, transformation) with the key data elements of 21 CFR 1.1325–1.1350: for one traceability lot (its CTEs one step back and one step forward), or for every CTE from `from` to `to`. Unknown values are blank.",
    params(
        ("lot" = Option<String>, Query, description = "The traceability lot code (Digital Link, EPC URN or element string)"),
        ("from" = Option<String>, Query, description = "Start of a range: YYYY-MM-DD (Vietnam time) or RFC 3339"),
        ("to" = Option<String>, Query, description = "End of a range: YYYY-MM-DD (included) or RFC 3339 (excluded)"),
        ("format" = Option<String>, Query, pattern = "^(csv|xlsx)$", description = "csv (default) or xlsx")
    ),
    responses(
        (status = 200, description = "The spreadsheet, as an attachment"),
        (status = 400, description = "Neither a lot nor a range, or a bad lot, date or format", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No event names the lot", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
pub async fn fsma(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(query): ApiQuery<LotQuery>,
) -> Result<Response, ApiError> {
    let format = format(&query, &[Format::Csv, Format::Xlsx])?;
    let table = match (&query.lot, &query.from, &query.to) {
        (Some(_), None, None) => nguon_export::fsma_for_lot(&*state.store, &lot(&query)?).await?,
        (None, Some(from), Some(to)) => {
            let (from, to) = nguon_export::parse_range(from, to)?;
            nguon_export::fsma_for_range(&*state.store, from, to).await?
        }
        _ => {
            return Err(ApiError::BadRequest {
                field: "lot",
                rule: "give lot, or from and to".into(),
            });
        }
    };
    file("fsma-204", format, &table)
}

/// `GET /api/v1/exports/plan`.
#[utoipa::path(
    get,
    path = "/api/v1/exports/plan",
    tag = "Exports",
    summary = "The FSMA 204 traceability plan of an organisation, as PDF",
    description = "Procedures, point of contact, how traceability lot codes are assigned, the foods recorded, and a farm map of the registered ponds and fields and the located places of the organisation's events.",
    params(("org" = String, Query, pattern = "^([0-9]{10}(-[0-9]{3})?|[0-9]{12})$", description = "The organisation's tax code")),
    responses(
        (status = 200, description = "The plan, as a PDF attachment"),
        (status = 400, description = "A bad tax code", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No organisation has the tax code", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
pub async fn plan(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(query): ApiQuery<LotQuery>,
) -> Result<Response, ApiError> {
    let text = query.org.as_deref().unwrap_or_default();
    let tax_code = TaxCode::parse(text).map_err(|error| ApiError::BadRequest {
        field: "org",
        rule: error.to_string(),
    })?;
    let organisation = nguon_export::organisation_by_tax_code(&*state.store, &tax_code).await?;
    let plan = nguon_export::gather_plan(&*state.store, &organisation).await?;
    let bytes = plan.pdf()?;
    Ok(attachment(
        "fsma-204-plan",
        "pdf",
        Format::Pdf.content_type(),
        bytes,
    ))
}

macro_rules! lot_route {
    ($name:ident, $export:path, $path:literal, $file:literal, $what:literal, $description:literal) => {
        #[doc = concat!("`GET ", $path, "`.")]
        #[utoipa::path(
            get,
            path = $path,
            tag = "Exports",
            summary = $what,
            description = $description,
            params(
                ("lot" = String, Query, description = "The lot (Digital Link, EPC URN or element string)"),
                ("format" = Option<String>, Query, pattern = "^(csv|xlsx|pdf)$", description = "csv (default), xlsx or pdf")
            ),
            responses(
                (status = 200, description = "The record, as an attachment"),
                (status = 400, description = "A bad lot or format", body = crate::error::Problem, content_type = "application/problem+json"),
                crate::error::responses::Unauthorized,
                (status = 404, description = "No event names the lot", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("api_key" = []))
        )]
        pub async fn $name(
            State(state): State<AppState>,
            _caller: Caller,
            ApiQuery(query): ApiQuery<LotQuery>,
        ) -> Result<Response, ApiError> {
            let format = format(&query, &Format::ALL)?;
            let table = $export(&*state.store, &lot(&query)?).await?;
            file($file, format, &table)
        }
    };
}

lot_route!(
    eu,
    nguon_export::eu_record,
    "/api/v1/exports/eu",
    "eu-931-2011",
    "The EU 931/2011 dispatch record of a lot",
    "For each dispatch of the lot (or of the carton or pallet carrying it): description, quantity, supplier and consignee with addresses, lot reference, date of dispatch and reference document."
);
lot_route!(
    simp,
    nguon_export::simp_sheet,
    "/api/v1/exports/simp",
    "us-simp",
    "The US SIMP data sheet of a lot",
    "Species (FAO 3-alpha code and scientific name), farm or vessel, harvest location and date, product form, quantity, and each custodian from harvest on with dates."
);

/// `GET /api/v1/exports/gdst`.
#[utoipa::path(
    get,
    path = "/api/v1/exports/gdst",
    tag = "Exports",
    summary = "A lot's genealogy as a GDST 1.2 EPCIS document",
    description = "Every event of the lot and of everything it came from or went into, with the master data they name, as GDST-conformant EPCIS 2.0 JSON-LD. A genealogy missing GDST key data elements is refused with what is missing.",
    params(("lot" = String, Query, description = "The lot (Digital Link, EPC URN or element string)")),
    responses(
        (status = 200, description = "The GDST EPCIS document", body = serde_json::Value),
        (status = 400, description = "A bad lot, or events missing GDST key data elements", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::error::responses::Unauthorized,
        (status = 404, description = "No event names the lot", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []))
)]
pub async fn gdst(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(query): ApiQuery<LotQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let document =
        nguon_export::gdst_for_lot(&*state.store, &lot(&query)?, nguon_store::now_utc()).await?;
    Ok(Json(document))
}
