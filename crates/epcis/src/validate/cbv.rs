//! EPCIS 2.0 / CBV 2.0 rules the JSON Schema does not express. Only rules that are certain and
//! cheap are here; anything the schema already says (required fields, the time zone offset
//! pattern, `action` per event type) is left to it, so no problem is reported twice.

use serde_json::Value;

use super::ValidationIssue;
use super::path::{self, Seg};

/// The quantity lists of the five event types.
const QUANTITY_LISTS: [&str; 4] = [
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
];

/// Appends the issues of every event in the document's event list(s), or of the document itself
/// when it is a bare event.
pub(super) fn check(document: &Value, issues: &mut Vec<ValidationIssue>) {
    let lists = path::event_lists(document);
    if lists.is_empty() {
        if document
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("Event"))
        {
            check_event(document, None, Vec::new(), issues);
        }
        return;
    }
    for (base, events) in lists {
        for (index, event) in events.iter().enumerate() {
            // Past the cap nothing more is returned, so a million bad events cost no more.
            if issues.len() >= super::MAX_ISSUES * 4 {
                return;
            }
            let mut at = base.clone();
            at.push(Seg::Index(index));
            check_event(event, Some(index), at, issues);
        }
    }
}

/// The rules for one event located at `at`.
fn check_event(
    event: &Value,
    index: Option<usize>,
    at: Vec<Seg>,
    issues: &mut Vec<ValidationIssue>,
) {
    let Some(fields) = event.as_object() else {
        return;
    };
    let mut push = |segs: &[&str], extra: Option<usize>, message: &str| {
        let mut p = at.clone();
        let mut names = segs.iter();
        if let Some(first) = names.next() {
            p.push(Seg::Key((*first).to_owned()));
        }
        if let Some(i) = extra {
            p.push(Seg::Index(i));
        }
        p.extend(names.map(|n| Seg::Key((*n).to_owned())));
        issues.push(ValidationIssue {
            event_index: index,
            path: path::render(&p),
            message: message.to_owned(),
        });
    };

    // EPCIS 2.0 §7.4.3: an AggregationEvent's parentID is optional only when the action is
    // OBSERVE; adding or removing children needs to say from what.
    let kind = fields.get("type").and_then(Value::as_str);
    let action = fields.get("action").and_then(Value::as_str);
    if kind == Some("AggregationEvent")
        && matches!(action, Some("ADD" | "DELETE"))
        && !fields.contains_key("parentID")
    {
        push(
            &["parentID"],
            None,
            "is required when action is ADD or DELETE",
        );
    }

    // EPCIS 2.0 §7.3.3.3: a quantity is a non-negative amount, and a unit of measure only makes
    // sense with an amount (without one the element means "some, amount unknown").
    for list in QUANTITY_LISTS {
        let Some(elements) = fields.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, element) in elements.iter().enumerate() {
            let Some(element) = element.as_object() else {
                continue;
            };
            let quantity = element.get("quantity");
            if quantity.and_then(Value::as_f64).is_some_and(|q| q < 0.0) {
                push(&[list, "quantity"], Some(i), "must not be negative");
            }
            if quantity.is_none() && element.contains_key("uom") {
                push(
                    &[list, "uom"],
                    Some(i),
                    "is only allowed together with quantity",
                );
            }
        }
    }
}
