//! Validation of an EPCIS 2.0 JSON-LD document (`EPCISDocument`, `EPCISQueryDocument`, or a bare
//! event) against the official EPCIS 2.0 JSON Schema, plus a few CBV / EPCIS rules the schema
//! cannot express.
//!
//! The schema is GS1's bundled `EPCIS-JSON-Schema.json` (github.com/gs1/EPCIS, commit
//! 2b888befbc071e1c2d388e027b30149b3f51dcef), embedded with `include_str!`: it refers only to
//! itself, so nothing is ever fetched. It is compiled once per process and shared.
//!
//! Every issue names the event (its 0-based position in the event list) and the field, and says
//! which rule was broken in plain English. The wording is part of the API: callers show it to
//! people and tests compare it, so change it deliberately.

mod cbv;
mod message;
mod path;

use std::fmt;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::Value;

/// The most issues one call returns; a huge broken document would otherwise produce millions.
pub const MAX_ISSUES: usize = 100;

/// The official schema, embedded so validation needs no network and no files at run time.
const SCHEMA: &str = include_str!("schema/EPCIS-JSON-Schema.json");

/// One thing wrong with a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValidationIssue {
    /// 0-based position of the event in `epcisBody.eventList` (or in the query results' event
    /// list); `None` for a problem with the document itself.
    pub event_index: Option<usize>,
    /// Where the problem is, written readably from the document root, e.g.
    /// `epcisBody.eventList[3].bizStep`; empty for the whole document.
    pub path: String,
    /// The rule that was broken, e.g. `is required` or `must be a date-time`.
    pub message: String,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(index) = self.event_index {
            write!(f, "event {index}: ")?;
        }
        if self.path.is_empty() {
            write!(f, "document {}", self.message)
        } else {
            write!(f, "{} {}", self.path, self.message)
        }
    }
}

/// Validates EPCIS 2.0 JSON-LD text; `Err` holds at most [`MAX_ISSUES`] issues, document-level
/// ones first, then by event.
pub fn validate_json_ld(document: &str) -> Result<(), Vec<ValidationIssue>> {
    let text = document.strip_prefix('\u{feff}').unwrap_or(document);
    match serde_json::from_str::<Value>(text) {
        Ok(value) => validate_value(&value),
        Err(error) => Err(vec![ValidationIssue {
            event_index: None,
            path: String::new(),
            message: format!("is not valid JSON ({error})"),
        }]),
    }
}

/// Validates an already parsed EPCIS 2.0 JSON-LD document; see [`validate_json_ld`].
pub fn validate_value(document: &Value) -> Result<(), Vec<ValidationIssue>> {
    let mut issues = Vec::new();
    match validator() {
        Ok(validator) => {
            // Bounded: the iterator is lazy, and a few issues more than the cap are enough to
            // sort and deduplicate meaningfully.
            for error in validator.iter_errors(document).take(MAX_ISSUES * 4) {
                message::push_schema_error(document, &error, &mut issues);
            }
        }
        Err(reason) => issues.push(ValidationIssue {
            event_index: None,
            path: String::new(),
            message: format!("cannot be checked: the embedded schema failed to compile ({reason})"),
        }),
    }
    cbv::check(document, &mut issues);
    if issues.is_empty() {
        return Ok(());
    }
    // Stable sort: document-level issues first, then by event; within an event, schema order.
    issues.sort_by_key(|issue| issue.event_index.map_or(0, |i| i + 1));
    let mut seen = std::collections::HashSet::new();
    issues.retain(|issue| seen.insert(issue.clone()));
    // A vague "no allowed form" next to a precise issue at or below the same place is usually a
    // consequence of it (the schema's alternatives test the same field again).
    let explained: Vec<bool> = issues
        .iter()
        .map(|vague| {
            vague.message == message::NO_ALLOWED_FORM
                && issues.iter().any(|other| {
                    other.message != message::NO_ALLOWED_FORM
                        && other.event_index == vague.event_index
                        && other
                            .path
                            .strip_prefix(&vague.path)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
                })
        })
        .collect();
    let mut flags = explained.into_iter();
    issues.retain(|_| !flags.next().unwrap_or(false));
    issues.truncate(MAX_ISSUES);
    Err(issues)
}

/// The compiled schema, built on first use and shared by every thread afterwards.
fn validator() -> Result<&'static Validator, &'static str> {
    static VALIDATOR: OnceLock<Result<Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| e.to_string())?;
            jsonschema::options()
                .with_draft(Draft::Draft7)
                .should_validate_formats(true)
                .build(&schema)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schema_compiles() {
        assert!(validator().is_ok(), "{:?}", validator().err());
    }

    #[test]
    fn issues_display_event_field_and_rule() {
        let issue = ValidationIssue {
            event_index: Some(3),
            path: "epcisBody.eventList[3].bizStep".into(),
            message: "is required".into(),
        };
        assert_eq!(
            issue.to_string(),
            "event 3: epcisBody.eventList[3].bizStep is required"
        );
    }
}
