//! Content negotiation for the EPCIS routes: which binding a request body uses, which one the
//! client accepts, how identifiers and CBV values are spelled, and the query document written
//! from stored events.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_epcis::model::{
    CbvXmlFormat, Document, DocumentKind, EpcFormat, Event, Header, format_timestamp,
};
use nguon_epcis::{json_ld, xml};
use nguon_gs1::PrefixLengths;
use nguon_store::QueriedEvent;

use crate::error::{ApiError, EpcisException, Issue};

/// The JSON-LD media type EPCIS 2.0 uses.
pub const JSON_LD: &str = "application/ld+json";
/// The XML media type.
pub const XML: &str = "application/xml";
/// The EPCIS version this server implements, sent in `GS1-EPCIS-Version`.
pub const EPCIS_VERSION: &str = "2.0.0";
/// The CBV version, sent in `GS1-CBV-Version`.
pub const CBV_VERSION: &str = "2.0.0";

/// One of the two EPCIS bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// JSON-LD.
    JsonLd,
    /// XML.
    Xml,
}

impl Binding {
    /// The binding of a request body, from `Content-Type`; anything else is `415`.
    pub fn of_body(headers: &HeaderMap) -> Result<Self, ApiError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/json" | "application/ld+json" => Ok(Self::JsonLd),
            "application/xml" | "text/xml" => Ok(Self::Xml),
            _ => Err(ApiError::epcis(
                EpcisException::UnsupportedMediaType,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content-Type {content_type:?}: send application/ld+json, application/json or application/xml"
                ),
            )),
        }
    }

    /// The binding the client accepts, from `Accept` (JSON-LD when it does not care); `406`
    /// when it accepts neither.
    pub fn accepted(headers: &HeaderMap) -> Result<Self, ApiError> {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("*/*");
        let mut best: Option<(Self, f32)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let binding = match media.as_str() {
                "application/ld+json" | "application/json" | "*/*" | "application/*" => {
                    Self::JsonLd
                }
                "application/xml" | "text/xml" | "text/*" => Self::Xml,
                _ => continue,
            };
            if quality > 0.0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((binding, quality));
            }
        }
        best.map(|(binding, _)| binding).ok_or_else(|| {
            ApiError::epcis(
                EpcisException::NotAcceptable,
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "Accept {accept:?}: this server answers application/ld+json or application/xml"
                ),
            )
        })
    }

    /// The response media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::JsonLd => JSON_LD,
            Self::Xml => XML,
        }
    }
}

/// How the client wants identifiers and CBV values spelled.
#[derive(Debug, Clone, Copy)]
pub struct Spelling {
    /// `GS1-EPC-Format`.
    pub epc: EpcFormat,
    /// `GS1-CBV-XML-Format`.
    pub cbv: CbvXmlFormat,
}

impl Spelling {
    /// Reads the two headers; an unknown value is a `400` naming the header.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, ApiError> {
        let read = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let bad = |name: &str, allowed: &str| {
            ApiError::epcis(
                EpcisException::Validation,
                StatusCode::BAD_REQUEST,
                format!("{name}: must be one of {allowed}"),
            )
        };
        let epc = match read("GS1-EPC-Format") {
            None => EpcFormat::NoPreference,
            Some(value) => EpcFormat::parse(value).ok_or_else(|| {
                bad(
                    "GS1-EPC-Format",
                    "No_Preference, Always_GS1_Digital_Link, Always_EPC_URN, Never_Translates",
                )
            })?,
        };
        let cbv = match read("GS1-CBV-XML-Format") {
            None => CbvXmlFormat::NoPreference,
            Some(value) => CbvXmlFormat::parse(value).ok_or_else(|| {
                bad(
                    "GS1-CBV-XML-Format",
                    "No_Preference, Always_Web_URI, Always_URN, Never_Translates",
                )
            })?,
        };
        Ok(Self { epc, cbv })
    }
}

/// Writes a model document in `binding`.
pub fn write_document(
    document: &Document,
    binding: Binding,
    spelling: Spelling,
    lengths: &PrefixLengths,
) -> String {
    match binding {
        Binding::JsonLd => json_ld::write_document(
            document,
            &json_ld::WriteOptions {
                epc_format: spelling.epc,
                prefix_lengths: lengths,
            },
        )
        .to_string(),
        Binding::Xml => xml::write_document(
            document,
            &xml::WriteOptions {
                epc_format: spelling.epc,
                cbv_format: spelling.cbv,
                prefix_lengths: lengths,
            },
        ),
    }
}

/// Reads stored events back into the model, with their record times.
pub fn stored_events(events: &[QueriedEvent]) -> Result<Vec<Event>, ApiError> {
    events
        .iter()
        .map(|stored| {
            let mut event = json_ld::read_stored_event(&stored.document).map_err(|issues| {
                ApiError::epcis(
                    EpcisException::Implementation,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "stored event {} no longer reads: {}",
                        stored.sequence,
                        issues.first().map(ToString::to_string).unwrap_or_default()
                    ),
                )
            })?;
            event.record_time = Some(stored.record_time);
            Ok(event)
        })
        .collect()
}

/// The `EPCISQueryDocument` for a page of stored events. JSON-LD with identifiers as captured is
/// spliced from the stored text, adding only `recordTime`: no event is parsed on that path, the
/// one every dashboard and trace takes.
pub fn query_document(
    query_name: &str,
    events: &[QueriedEvent],
    binding: Binding,
    spelling: Spelling,
    lengths: &PrefixLengths,
) -> Result<String, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    if binding == Binding::JsonLd
        && matches!(
            spelling.epc,
            EpcFormat::NoPreference | EpcFormat::NeverTranslates
        )
    {
        let mut out = String::with_capacity(
            256 + events.iter().map(|e| e.document.len() + 48).sum::<usize>(),
        );
        out.push_str(&format!(
            r#"{{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":"{}","epcisBody":{{"queryResults":{{"queryName":{},"resultsBody":{{"eventList":["#,
            format_timestamp(now),
            serde_json::Value::String(query_name.to_owned())
        ));
        for (index, event) in events.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let body = event
                .document
                .trim_start()
                .strip_prefix('{')
                .ok_or_else(|| {
                    ApiError::epcis(
                        EpcisException::Implementation,
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("stored event {} is not a JSON object", event.sequence),
                    )
                })?;
            out.push_str(&format!(
                r#"{{"recordTime":"{}","#,
                format_timestamp(event.record_time)
            ));
            out.push_str(body);
        }
        out.push_str("]}}}}");
        return Ok(out);
    }
    let document = Document {
        kind: DocumentKind::QueryResult {
            query_name: query_name.to_owned(),
            subscription_id: None,
        },
        schema_version: "2.0".to_owned(),
        creation_date: now,
        header: Header::default(),
        events: stored_events(events)?,
        namespaces: Vec::new(),
    };
    Ok(write_document(&document, binding, spelling, lengths))
}

/// A response body in `binding` with the EPCIS version headers.
pub fn epcis_response(status: StatusCode, binding: Binding, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(binding.media_type()),
        )],
        body,
    )
        .into_response()
}

/// A `ValidationException` listing every issue a reader found.
pub fn validation_failed(issues: Vec<nguon_epcis::validate::ValidationIssue>) -> ApiError {
    let detail = match issues.as_slice() {
        [only] => only.to_string(),
        [first, ..] => format!("{first} (and {} more problems)", issues.len() - 1),
        [] => "the document is not valid EPCIS 2.0".to_owned(),
    };
    ApiError::Epcis {
        exception: EpcisException::Validation,
        status: StatusCode::BAD_REQUEST,
        detail,
        issues: issues
            .into_iter()
            .map(|issue| Issue {
                event_index: issue.event_index,
                field: issue.path,
                message: issue.message,
            })
            .collect(),
    }
}
