//! Any EPCIS 2.0 capture endpoint (the MAE and MOIT systems, a partner province, an export
//! buyer): a run of events goes as one EPCISDocument in JSON-LD to `POST /capture`, and the
//! capture job it starts is checked until it finishes.
//!
//! Capture is asked to `proceed` past errors: after a crash between the endpoint's `202` and
//! our record of it, the same events are sent again, and an endpoint that already holds them
//! skips them by eventID instead of rolling the whole document back.

use async_trait::async_trait;
use nguon_domain::{Bilingual, SubjectKind, SyncDelivery, TargetName};
use reqwest::{Client, StatusCode, header};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::adapter::{Adapter, Attempt, exchange, json_body, refused};
use crate::config::EpcisConfig;
use crate::record::Record;

/// The EPCIS 2.0 JSON-LD context.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld";

/// The adapter.
pub struct EpcisEndpoint {
    target: TargetName,
    http: Client,
    config: EpcisConfig,
}

impl EpcisEndpoint {
    /// An adapter for `target` that sends with `http`.
    pub fn new(target: TargetName, http: Client, config: EpcisConfig) -> Self {
        Self {
            target,
            http,
            config,
        }
    }

    fn authorised(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.config.token {
            Some(token) => request.bearer_auth(token.expose_secret()),
            None => request,
        }
    }
}

/// The EPCISDocument holding `record`'s events, each as stored (canonical JSON-LD).
pub fn document(record: &Record) -> Result<Value, Attempt> {
    let Record::Events { events, .. } = record else {
        unreachable!("an EPCIS endpoint takes events only")
    };
    let mut list = Vec::with_capacity(events.len());
    for stored in events {
        let mut event: Value = serde_json::from_str(&stored.event.document).map_err(|error| {
            Attempt::Refused(Bilingual::new(
                format!("sự kiện {} lưu sai dạng JSON: {error}", stored.sequence),
                format!(
                    "event {} is stored as invalid JSON: {error}",
                    stored.sequence
                ),
            ))
        })?;
        if let Some(object) = event.as_object_mut() {
            // Each event's own context is the document's; repeating it per event is noise.
            object.remove("@context");
        }
        list.push(event);
    }
    Ok(json!({
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
        "epcisBody": { "eventList": list },
    }))
}

#[async_trait]
impl Adapter for EpcisEndpoint {
    fn subjects(&self) -> &'static [SubjectKind] {
        &[SubjectKind::Events]
    }

    async fn push(&self, record: &Record, idempotency_key: &str) -> Attempt {
        let body = match document(record) {
            Ok(body) => body,
            Err(attempt) => return attempt,
        };
        let what = "gửi EPCIS / EPCIS capture";
        let request = self
            .authorised(self.http.post(&self.config.capture_url))
            .header(header::CONTENT_TYPE, "application/ld+json")
            .header("GS1-EPCIS-Version", "2.0.0")
            .header("GS1-Capture-Error-Behaviour", "proceed")
            .header("Idempotency-Key", idempotency_key)
            .body(body.to_string());
        let response = match exchange(&self.target, what, request).await {
            Ok(response) => response,
            Err(attempt) => return attempt,
        };
        match response.status() {
            StatusCode::ACCEPTED => {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| response.url().join(value).ok())
                    .map(String::from);
                Attempt::Accepted {
                    confirmed: location.is_none(),
                    reference: location,
                }
            }
            status if status.is_success() => Attempt::Accepted {
                reference: None,
                confirmed: true,
            },
            _ => refused(what, response).await,
        }
    }

    async fn check(&self, delivery: &SyncDelivery) -> Attempt {
        let Some(job) = delivery.remote_reference.as_deref() else {
            return Attempt::Accepted {
                reference: None,
                confirmed: true,
            };
        };
        let what = "kiểm tra lệnh nhận EPCIS / EPCIS capture job check";
        let response = match exchange(&self.target, what, self.authorised(self.http.get(job))).await
        {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => return refused(what, response).await,
            Err(attempt) => return attempt,
        };
        let body = match json_body(what, response).await {
            Ok(body) => body,
            Err(attempt) => return attempt,
        };
        if body.get("running").and_then(Value::as_bool) == Some(true) {
            return Attempt::Accepted {
                reference: None,
                confirmed: false,
            };
        }
        let errors: Vec<&str> = body
            .get("errors")
            .and_then(Value::as_array)
            .map(|errors| errors.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // Events the endpoint already held are what a resend after a crash produces: they are in.
        let real: Vec<&str> = errors
            .iter()
            .copied()
            .filter(|error| !error.contains("already"))
            .collect();
        let failed_silently =
            errors.is_empty() && body.get("success").and_then(Value::as_bool) == Some(false);
        if real.is_empty() && !failed_silently {
            return Attempt::Accepted {
                reference: None,
                confirmed: true,
            };
        }
        let listed = if real.is_empty() {
            "—".to_owned()
        } else {
            real.join("; ")
        };
        Attempt::Refused(Bilingual::new(
            format!("hệ thống nhận EPCIS báo lệnh nhận thất bại: {listed}"),
            format!("the EPCIS endpoint reported the capture job failed: {listed}"),
        ))
    }
}
