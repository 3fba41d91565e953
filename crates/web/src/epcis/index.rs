//! From a parsed EPCIS event to what the store keeps: identity (eventID, CBV 2.0 hash), the
//! columns and side-index rows every query parameter looks up, and the canonical JSON-LD.
//!
//! Field names are the query parameter names without their operator (`EQ_`, `GE_`, …), so the
//! parameter parser and this indexer agree by construction: `quantity_KGM`, `errorReason`,
//! `bizTransaction_https://ref.gs1.org/cbv/BTT-po`, `ILMD_https://ns.example.com/epcis/lot`. An
//! extension field is named by its scope prefix and its full IRI (`INNER_` for nested ones).

use nguon_domain::{
    Action, EventHash, EventId, EventType, IdentifierRole, IndexedField, NewEvent, OrganisationId,
};
use nguon_epcis::identifier::index_form;
use nguon_epcis::json_ld::{self, WriteOptions};
use nguon_epcis::model::{EpcFormat, parse_timestamp};
use nguon_epcis::model::{
    Event, EventBody, Extension, ExtensionValue, QuantityElement, SensorElement, TypedValue,
};
use nguon_gs1::PrefixLengths;

/// Deepest extension nesting indexed; deeper values are stored in the document but not indexed.
const MAX_INDEX_DEPTH: usize = 8;

/// Why an event cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexError {
    /// The field at fault.
    pub field: &'static str,
    /// The rule it broke.
    pub message: String,
}

/// Builds what the store appends for `event`, captured by `owner`, with `sent_hash` (the CBV 2.0
/// hash computed from the text as sent) or, without it, the hash of the event's canonical
/// JSON-LD. The event's own eventID is kept; one without gets its hash as eventID.
pub fn new_event(
    owner: OrganisationId,
    event: &Event,
    sent_hash: Option<&str>,
    lengths: &PrefixLengths,
) -> Result<NewEvent, IndexError> {
    let options = WriteOptions {
        epc_format: EpcFormat::NeverTranslates,
        prefix_lengths: lengths,
    };
    let mut canonical = event.clone();
    canonical.record_time = None;
    let mut document = json_ld::write_event(&canonical, &options);
    let computed = match sent_hash {
        Some(hash) => Ok(hash.to_owned()),
        None => nguon_epcis::hash::hash_event_json(&document, document.get("@context"))
            .map(|hash| hash.hash)
            .map_err(|error| IndexError {
                field: "event",
                message: error.to_string(),
            }),
    };
    let hash = computed.and_then(|hash| {
        EventHash::parse(&hash).map_err(|error| IndexError {
            field: "event",
            message: error.to_string(),
        })
    })?;
    let event_id = match &event.event_id {
        Some(id) => EventId::parse(id).map_err(|error| IndexError {
            field: "eventID",
            message: error.to_string(),
        })?,
        None => {
            document["eventID"] = serde_json::Value::String(hash.as_str().to_owned());
            EventId::from(hash.clone())
        }
    };
    let event_type = EventType::parse(event.body.type_name()).map_err(|error| IndexError {
        field: "type",
        message: error.to_string(),
    })?;
    Ok(NewEvent {
        owner,
        event_id,
        hash,
        event_type,
        event_time: event.event_time,
        event_time_zone_offset: event.event_time_zone_offset.clone(),
        action: event.body.action().map(domain_action),
        biz_step: event.biz_step.clone(),
        disposition: event.disposition.clone(),
        read_point: event.read_point.as_ref().map(|l| index_form(&l.id)),
        biz_location: event.biz_location.as_ref().map(|l| index_form(&l.id)),
        identifiers: identifiers(&event.body),
        fields: fields(event),
        document: document.to_string(),
    })
}

fn domain_action(action: nguon_epcis::model::Action) -> Action {
    match action {
        nguon_epcis::model::Action::Add => Action::Add,
        nguon_epcis::model::Action::Observe => Action::Observe,
        nguon_epcis::model::Action::Delete => Action::Delete,
    }
}

/// Every identifier the event names, with the role `MATCH_` parameters and traces look it up by.
fn identifiers(body: &EventBody) -> Vec<(IdentifierRole, String)> {
    let mut out = Vec::new();
    let mut add = |role: IdentifierRole, values: &[String]| {
        out.extend(values.iter().map(|v| (role, index_form(v))));
    };
    let classes = |list: &[QuantityElement]| -> Vec<String> {
        list.iter().map(|q| q.epc_class.clone()).collect()
    };
    match body {
        EventBody::Object {
            epc_list,
            quantity_list,
            ..
        }
        | EventBody::Transaction {
            epc_list,
            quantity_list,
            ..
        } => {
            add(IdentifierRole::Epc, epc_list);
            add(IdentifierRole::EpcClass, &classes(quantity_list));
        }
        EventBody::Aggregation {
            child_epcs,
            child_quantity_list,
            ..
        }
        | EventBody::Association {
            child_epcs,
            child_quantity_list,
            ..
        } => {
            add(IdentifierRole::Epc, child_epcs);
            add(IdentifierRole::EpcClass, &classes(child_quantity_list));
        }
        EventBody::Transformation {
            input_epc_list,
            input_quantity_list,
            output_epc_list,
            output_quantity_list,
            ..
        } => {
            add(IdentifierRole::Input, input_epc_list);
            add(IdentifierRole::InputClass, &classes(input_quantity_list));
            add(IdentifierRole::Output, output_epc_list);
            add(IdentifierRole::OutputClass, &classes(output_quantity_list));
        }
    }
    let parent = match body {
        EventBody::Aggregation { parent_id, .. } | EventBody::Transaction { parent_id, .. } => {
            parent_id.clone()
        }
        EventBody::Association { parent_id, .. } => Some(parent_id.clone()),
        EventBody::Object { .. } | EventBody::Transformation { .. } => None,
    };
    add(IdentifierRole::Parent, parent.as_slice());
    out
}

/// The side-index rows of an event: everything a query parameter other than the event columns
/// and `MATCH_` looks up.
fn fields(event: &Event) -> Vec<IndexedField> {
    let mut out = Vec::new();
    for (prefix, list) in [
        ("bizTransaction_", &event.biz_transaction_list),
        ("source_", &event.source_list),
        ("destination_", &event.destination_list),
    ] {
        typed_values(prefix, list, &mut out);
    }
    if let Some(disposition) = &event.persistent_disposition {
        for (name, values) in [
            ("persistentDisposition_set", &disposition.set),
            ("persistentDisposition_unset", &disposition.unset),
        ] {
            out.extend(values.iter().map(|v| IndexedField::text(name, v)));
        }
    }
    let (quantities, ilmd, transformation_id): (Vec<&QuantityElement>, _, _) = match &event.body {
        EventBody::Object {
            quantity_list,
            ilmd,
            ..
        } => (quantity_list.iter().collect(), ilmd.as_ref(), None),
        EventBody::Transaction { quantity_list, .. } => {
            (quantity_list.iter().collect(), None, None)
        }
        EventBody::Aggregation {
            child_quantity_list,
            ..
        }
        | EventBody::Association {
            child_quantity_list,
            ..
        } => (child_quantity_list.iter().collect(), None, None),
        EventBody::Transformation {
            transformation_id,
            input_quantity_list,
            output_quantity_list,
            ilmd,
            ..
        } => (
            input_quantity_list
                .iter()
                .chain(output_quantity_list)
                .collect(),
            ilmd.as_ref(),
            transformation_id.as_ref(),
        ),
    };
    for quantity in quantities {
        let name = match &quantity.uom {
            Some(uom) => format!("quantity_{uom}"),
            None => "quantity".to_owned(),
        };
        if let Some(number) = quantity.quantity.as_deref().and_then(number) {
            out.push(IndexedField::number(name, number));
        }
    }
    if let Some(id) = transformation_id {
        out.push(IndexedField::text("transformationID", id));
    }
    if let Some(ilmd) = ilmd {
        extensions("ILMD_", ilmd, &mut out);
    }
    if let Some(declaration) = &event.error_declaration {
        out.push(IndexedField::present("errorDeclaration"));
        out.push(IndexedField::time(
            "errorDeclaration_Time",
            declaration.declaration_time,
        ));
        if let Some(reason) = &declaration.reason {
            out.push(IndexedField::text("errorReason", reason));
        }
        out.extend(
            declaration
                .corrective_event_ids
                .iter()
                .map(|id| IndexedField::text("correctiveEventID", id)),
        );
        extensions("ERROR_DECLARATION_", &declaration.extensions, &mut out);
    }
    for (scope, location) in [
        ("readPoint_", &event.read_point),
        ("bizLocation_", &event.biz_location),
    ] {
        if let Some(location) = location {
            extensions(scope, &location.extensions, &mut out);
        }
    }
    if !event.sensor_element_list.is_empty() {
        out.push(IndexedField::present("sensorElementList"));
    }
    for element in &event.sensor_element_list {
        sensor_fields(element, &mut out);
    }
    extensions("", &event.extensions, &mut out);
    out
}

fn typed_values(prefix: &str, list: &[TypedValue], out: &mut Vec<IndexedField>) {
    for entry in list {
        if let Some(kind) = &entry.kind {
            out.push(IndexedField::text(format!("{prefix}{kind}"), &entry.value));
        }
    }
}

fn sensor_fields(element: &SensorElement, out: &mut Vec<IndexedField>) {
    let mut text = |name: &str, value: &Option<String>| {
        if let Some(value) = value {
            out.push(IndexedField::text(name, value));
        }
    };
    if let Some(metadata) = &element.metadata {
        text("deviceID", &metadata.device_id);
        text("dataProcessingMethod", &metadata.data_processing_method);
        text("bizRules", &metadata.biz_rules);
    }
    for report in &element.reports {
        text("type", &report.kind);
        text("deviceID", &report.device_id);
        text("dataProcessingMethod", &report.data_processing_method);
        text("bizRules", &report.biz_rules);
        text("microorganism", &report.microorganism);
        text("chemicalSubstance", &report.chemical_substance);
        text("stringValue", &report.string_value);
        text("hexBinaryValue", &report.hex_binary_value);
        text("uriValue", &report.uri_value);
        text("booleanValue", &report.boolean_value.map(|b| b.to_string()));
    }
    if let Some(metadata) = &element.metadata {
        for (name, time) in [
            ("time", metadata.time),
            ("startTime", metadata.start_time),
            ("endTime", metadata.end_time),
        ] {
            if let Some(time) = time {
                out.push(IndexedField::time(name, time));
            }
        }
        extensions("SENSORMETADATA_", &metadata.extensions, out);
    }
    for report in &element.reports {
        if let Some(time) = report.time {
            out.push(IndexedField::time("time", time));
        }
        if let Some(rank) = report.perc_rank.as_deref().and_then(number) {
            out.push(IndexedField::number("percRank", rank));
        }
        let uom = report.uom.as_deref().unwrap_or_default();
        for (name, value) in [
            ("value", &report.value),
            ("minValue", &report.min_value),
            ("maxValue", &report.max_value),
            ("meanValue", &report.mean_value),
            ("sDev", &report.s_dev),
            ("percValue", &report.perc_value),
        ] {
            if let Some(value) = value.as_deref().and_then(number) {
                out.push(IndexedField::number(format!("{name}_{uom}"), value));
            }
        }
        extensions("SENSORREPORT_", &report.extensions, out);
    }
    extensions("SENSORELEMENT_", &element.extensions, out);
}

/// Indexes extension fields under `scope` (top level) and `INNER_{scope}` (nested), each scalar
/// as text and, where it reads as one, as a number or a time.
fn extensions(scope: &str, fields: &[Extension], out: &mut Vec<IndexedField>) {
    let mut stack: Vec<(&Extension, usize)> = fields.iter().rev().map(|f| (f, 0)).collect();
    while let Some((field, depth)) = stack.pop() {
        let name = if depth == 0 {
            format!("{scope}{}", field.name.iri())
        } else {
            format!("INNER_{scope}{}", field.name.iri())
        };
        let mut values = vec![&field.value];
        while let Some(value) = values.pop() {
            match value {
                ExtensionValue::List(items) => values.extend(items.iter().rev()),
                ExtensionValue::Fields(children) => {
                    out.push(IndexedField::present(name.clone()));
                    if depth + 1 < MAX_INDEX_DEPTH {
                        stack.extend(children.iter().rev().map(|c| (c, depth + 1)));
                    }
                }
                scalar => {
                    let text = scalar.as_text().unwrap_or_default();
                    out.push(IndexedField {
                        name: name.clone(),
                        text: Some(text.to_owned()),
                        number: number(text),
                        time: parse_timestamp(text).filter(|_| text.contains('T')),
                    });
                }
            }
        }
    }
}

/// A finite decimal number, or `None`.
fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}
