//! The model as EPCIS 2.0 JSON-LD: CBV values as the standard's bare words where it has one,
//! identifiers spelled as asked, extension names with prefixes the `@context` declares.

use serde_json::{Map, Number, Value};

use super::fields::{SENSOR_METADATA, SENSOR_REPORT, Slot};
use super::names::Scope;
use super::{EPCIS_CONTEXT, WriteOptions, keep_first};
use crate::identifier::spell;
use crate::model::{
    Document, DocumentKind, ErrorDeclaration, Event, EventBody, Extension, ExtensionValue,
    Location, QName, QuantityElement, SensorElement, TypedValue, Vocabulary as MasterData,
    format_timestamp,
};
use crate::vocab::Vocabulary;

/// A self-contained event: its `@context` declares the prefixes its extensions use.
pub(super) fn event(event: &Event, options: &WriteOptions) -> Value {
    let scope = Scope::new(&[], event_names(event).into_iter(), true);
    let mut out = Map::new();
    out.insert("@context".into(), context(scope.own()));
    Writer { options }.event(event, &scope, &mut out);
    Value::Object(out)
}

/// A document whose `@context` declares its namespaces; an event declares only what they do not
/// cover (a prefix it redefines, a namespace nobody named).
pub(super) fn document(document: &Document, options: &WriteOptions) -> Value {
    let writer = Writer { options };
    let mut document_names = Vec::new();
    collect_names(&document.header.extensions, &mut document_names);
    for attribute in document
        .header
        .master_data
        .iter()
        .flat_map(|vocabulary| &vocabulary.elements)
        .flat_map(|element| &element.attributes)
    {
        collect_value_names(&attribute.value, &mut document_names);
    }
    let scope = Scope::new(&document.namespaces, document_names.into_iter(), false);
    let declared: Vec<(String, String)> = document
        .namespaces
        .iter()
        .chain(scope.own())
        .cloned()
        .collect();
    let mut out = Map::new();
    out.insert("@context".into(), context(&declared));
    let query = match &document.kind {
        DocumentKind::Capture => None,
        DocumentKind::QueryResult {
            query_name,
            subscription_id,
        } => Some((query_name, subscription_id)),
    };
    let type_name = if query.is_some() {
        "EPCISQueryDocument"
    } else {
        "EPCISDocument"
    };
    out.insert("type".into(), type_name.into());
    // JSON-LD is EPCIS 2.0 or later, whatever binding the document was read from (XML may be
    // 1.2); a version the schema would refuse is not written either.
    let version = document.schema_version.as_str();
    let parts_are_numbers = version
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok());
    let version = if parts_are_numbers && major.is_some_and(|m| m >= 2) {
        version
    } else {
        "2.0"
    };
    out.insert("schemaVersion".into(), version.into());
    out.insert(
        "creationDate".into(),
        format_timestamp(document.creation_date).into(),
    );
    let events: Vec<Value> = document
        .events
        .iter()
        .map(|event| {
            let event_scope = Scope::new(&declared, event_names(event).into_iter(), true);
            let mut object = Map::new();
            if !event_scope.own().is_empty() {
                object.insert("@context".into(), prefixes(event_scope.own()));
            }
            writer.event(event, &event_scope, &mut object);
            Value::Object(object)
        })
        .collect();
    let header = &document.header;
    let master_data =
        (!header.master_data.is_empty()).then(|| vocabularies(&header.master_data, &scope));
    match query {
        None => {
            for (key, value) in [
                ("sender", &header.sender),
                ("receiver", &header.receiver),
                ("instanceIdentifier", &header.instance_identifier),
            ] {
                put_text(&mut out, key, value.as_deref());
            }
            if let Some(list) = master_data {
                out.insert(
                    "epcisHeader".into(),
                    object([("epcisMasterData", object([("vocabularyList", list)]))]),
                );
            }
            out.insert(
                "epcisBody".into(),
                object([("eventList", Value::Array(events))]),
            );
        }
        Some((query_name, subscription_id)) => {
            let mut results_body = object([("eventList", Value::Array(events))]);
            if let (Some(list), Value::Object(body)) = (master_data, &mut results_body) {
                body.insert("vocabularyList".into(), list);
            }
            let mut results = Map::new();
            results.insert("queryName".into(), query_name.as_str().into());
            put_text(&mut results, "subscriptionID", subscription_id.as_deref());
            results.insert("resultsBody".into(), results_body);
            out.insert(
                "epcisBody".into(),
                object([("queryResults", Value::Object(results))]),
            );
        }
    }
    extensions(&mut out, &header.extensions, &scope);
    Value::Object(out)
}

/// A document's or a self-contained event's `@context`: the EPCIS context, then the prefix
/// bindings when there are any.
fn context(bindings: &[(String, String)]) -> Value {
    let mut items = vec![Value::String(EPCIS_CONTEXT.to_owned())];
    if !bindings.is_empty() {
        items.push(prefixes(bindings));
    }
    Value::Array(items)
}

fn prefixes(bindings: &[(String, String)]) -> Value {
    bindings
        .iter()
        .map(|(prefix, iri)| (prefix.clone(), Value::String(iri.clone())))
        .collect::<Map<String, Value>>()
        .into()
}

fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

fn put_text(out: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.insert(key.to_owned(), value.into());
    }
}

/// A number kept as its literal, written as a JSON number when it is one (text read from XML
/// may not be).
fn decimal(literal: &str) -> Value {
    literal
        .parse::<Number>()
        .map_or_else(|_| Value::String(literal.to_owned()), Value::Number)
}

/// A normalised vocabulary value as JSON-LD writes it: the standard's bare word, a GS1 Web
/// Vocabulary URI as a `gs1:` compact IRI (the schema refuses those URIs written out), any
/// other URI as it is.
fn term(vocabulary: Vocabulary, uri: &str) -> Value {
    match vocabulary.bare_word(uri) {
        Some(word) => word.into(),
        None => match uri.strip_prefix("https://gs1.org/voc/") {
            Some(local) => format!("gs1:{local}").into(),
            None => uri.into(),
        },
    }
}

fn vocabularies(vocabularies: &[MasterData], scope: &Scope) -> Value {
    vocabularies
        .iter()
        .map(|vocabulary| {
            let elements = vocabulary
                .elements
                .iter()
                .map(|element| {
                    let mut out = Map::new();
                    out.insert("id".into(), element.id.as_str().into());
                    if !element.attributes.is_empty() {
                        let attributes = element
                            .attributes
                            .iter()
                            .map(|attribute| {
                                let mut out = Map::new();
                                out.insert("id".into(), attribute.id.as_str().into());
                                // An empty value is a flag, written without `attribute`.
                                if attribute.value != ExtensionValue::Text(String::new()) {
                                    out.insert(
                                        "attribute".into(),
                                        extension_value(&attribute.value, scope),
                                    );
                                }
                                Value::Object(out)
                            })
                            .collect();
                        out.insert("attributes".into(), Value::Array(attributes));
                    }
                    if !element.children.is_empty() {
                        out.insert("children".into(), strings(&element.children));
                    }
                    Value::Object(out)
                })
                .collect();
            object([
                ("type", vocabulary.vocabulary_type.as_str().into()),
                ("vocabularyElementList", Value::Array(elements)),
            ])
        })
        .collect()
}

fn strings(values: &[String]) -> Value {
    values.iter().map(|v| Value::String(v.clone())).collect()
}

/// Every extension name of an event, wherever it sits.
fn event_names(event: &Event) -> Vec<&QName> {
    let mut names = Vec::new();
    collect_names(&event.extensions, &mut names);
    if let EventBody::Object {
        ilmd: Some(ilmd), ..
    }
    | EventBody::Transformation {
        ilmd: Some(ilmd), ..
    } = &event.body
    {
        collect_names(ilmd, &mut names);
    }
    for location in [&event.read_point, &event.biz_location]
        .into_iter()
        .flatten()
    {
        collect_names(&location.extensions, &mut names);
    }
    if let Some(declaration) = &event.error_declaration {
        collect_names(&declaration.extensions, &mut names);
    }
    for element in &event.sensor_element_list {
        collect_names(&element.extensions, &mut names);
        if let Some(metadata) = &element.metadata {
            collect_names(&metadata.extensions, &mut names);
        }
        for report in &element.reports {
            collect_names(&report.extensions, &mut names);
        }
    }
    names
}

fn collect_names<'a>(extensions: &'a [Extension], out: &mut Vec<&'a QName>) {
    for extension in extensions {
        out.push(&extension.name);
        collect_value_names(&extension.value, out);
    }
}

fn collect_value_names<'a>(value: &'a ExtensionValue, out: &mut Vec<&'a QName>) {
    match value {
        ExtensionValue::Fields(fields) => collect_names(fields, out),
        ExtensionValue::List(items) => items.iter().for_each(|item| collect_value_names(item, out)),
        ExtensionValue::Text(_)
        | ExtensionValue::Number(_)
        | ExtensionValue::Boolean(_)
        | ExtensionValue::Attributed { .. } => {}
    }
}

fn extensions(out: &mut Map<String, Value>, extensions: &[Extension], scope: &Scope) {
    for extension in extensions {
        out.insert(
            scope.key(&extension.name),
            extension_value(&extension.value, scope),
        );
    }
}

fn extension_value(value: &ExtensionValue, scope: &Scope) -> Value {
    match value {
        // JSON-LD has no attributes: an XML element's attributes cannot be written here.
        ExtensionValue::Text(text) | ExtensionValue::Attributed { text, .. } => {
            text.as_str().into()
        }
        ExtensionValue::Number(literal) => decimal(literal),
        ExtensionValue::Boolean(flag) => (*flag).into(),
        ExtensionValue::Fields(fields) => {
            let mut out = Map::new();
            extensions(&mut out, fields, scope);
            Value::Object(out)
        }
        ExtensionValue::List(items) => items
            .iter()
            .map(|item| extension_value(item, scope))
            .collect(),
    }
}

struct Writer<'o, 'a> {
    options: &'o WriteOptions<'a>,
}

impl Writer<'_, '_> {
    fn id(&self, value: &str) -> Value {
        spell(value, self.options.epc_format, self.options.prefix_lengths).into()
    }

    fn put_id(&self, out: &mut Map<String, Value>, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            out.insert(key.to_owned(), self.id(value));
        }
    }

    /// An EPC list; `always` writes it even empty, where the schema needs the field. Two
    /// identifiers that spell the same once translated are written once (the schema wants the
    /// items unique).
    fn put_ids(&self, out: &mut Map<String, Value>, key: &str, values: &[String], always: bool) {
        if values.is_empty() && !always {
            return;
        }
        let mut spelled: Vec<String> = values
            .iter()
            .map(|value| spell(value, self.options.epc_format, self.options.prefix_lengths))
            .collect();
        keep_first(&mut spelled);
        let items = spelled.into_iter().map(Value::String).collect();
        out.insert(key.to_owned(), Value::Array(items));
    }

    fn put_quantities(&self, out: &mut Map<String, Value>, key: &str, list: &[QuantityElement]) {
        if list.is_empty() {
            return;
        }
        let items = list
            .iter()
            .map(|element| {
                let mut item = Map::new();
                item.insert("epcClass".into(), self.id(&element.epc_class));
                if let Some(quantity) = &element.quantity {
                    item.insert("quantity".into(), decimal(quantity));
                }
                put_text(&mut item, "uom", element.uom.as_deref());
                Value::Object(item)
            })
            .collect();
        out.insert(key.to_owned(), Value::Array(items));
    }

    fn put_typed(
        &self,
        out: &mut Map<String, Value>,
        key: &str,
        item: &str,
        vocabulary: Vocabulary,
        list: &[TypedValue],
    ) {
        if list.is_empty() {
            return;
        }
        let items = list
            .iter()
            .map(|entry| {
                let mut object = Map::new();
                if let Some(kind) = &entry.kind {
                    object.insert("type".into(), term(vocabulary, kind));
                }
                object.insert(item.to_owned(), self.id(&entry.value));
                Value::Object(object)
            })
            .collect();
        out.insert(key.to_owned(), Value::Array(items));
    }

    fn location(&self, location: &Location, scope: &Scope) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), self.id(&location.id));
        extensions(&mut out, &location.extensions, scope);
        Value::Object(out)
    }

    fn error_declaration(declaration: &ErrorDeclaration, scope: &Scope) -> Value {
        let mut out = Map::new();
        out.insert(
            "declarationTime".into(),
            format_timestamp(declaration.declaration_time).into(),
        );
        if let Some(reason) = &declaration.reason {
            out.insert("reason".into(), term(Vocabulary::ErrorReason, reason));
        }
        if !declaration.corrective_event_ids.is_empty() {
            out.insert(
                "correctiveEventIDs".into(),
                strings(&declaration.corrective_event_ids),
            );
        }
        extensions(&mut out, &declaration.extensions, scope);
        Value::Object(out)
    }

    fn sensor_element(element: &SensorElement, scope: &Scope) -> Value {
        let mut out = Map::new();
        if let Some(metadata) = &element.metadata {
            let mut object = slots(metadata, SENSOR_METADATA);
            extensions(&mut object, &metadata.extensions, scope);
            out.insert("sensorMetadata".into(), Value::Object(object));
        }
        let reports = element
            .reports
            .iter()
            .map(|report| {
                let mut object = slots(report, SENSOR_REPORT);
                extensions(&mut object, &report.extensions, scope);
                Value::Object(object)
            })
            .collect();
        out.insert("sensorReport".into(), Value::Array(reports));
        extensions(&mut out, &element.extensions, scope);
        Value::Object(out)
    }

    /// The event's fields in the standard's order (kept by maps that preserve order).
    fn event(&self, event: &Event, scope: &Scope, out: &mut Map<String, Value>) {
        out.insert("type".into(), event.body.type_name().into());
        put_text(out, "eventID", event.event_id.as_deref());
        out.insert(
            "eventTime".into(),
            format_timestamp(event.event_time).into(),
        );
        if let Some(record_time) = event.record_time {
            out.insert("recordTime".into(), format_timestamp(record_time).into());
        }
        out.insert(
            "eventTimeZoneOffset".into(),
            event.event_time_zone_offset.as_str().into(),
        );
        match event.certification_info.as_slice() {
            [] => {}
            [one] => {
                out.insert("certificationInfo".into(), one.as_str().into());
            }
            many => {
                out.insert("certificationInfo".into(), strings(many));
            }
        }
        if let Some(declaration) = &event.error_declaration {
            out.insert(
                "errorDeclaration".into(),
                Self::error_declaration(declaration, scope),
            );
        }
        let ilmd = self.body(&event.body, out);
        if let Some(action) = event.body.action() {
            out.insert("action".into(), action.as_str().into());
        }
        if let EventBody::Transformation {
            transformation_id, ..
        } = &event.body
        {
            put_text(out, "transformationID", transformation_id.as_deref());
        }
        for (key, vocabulary, value) in [
            ("bizStep", Vocabulary::BizStep, &event.biz_step),
            ("disposition", Vocabulary::Disposition, &event.disposition),
        ] {
            if let Some(value) = value {
                out.insert(key.into(), term(vocabulary, value));
            }
        }
        if let Some(persistent) = &event.persistent_disposition {
            let mut object = Map::new();
            for (key, values) in [("set", &persistent.set), ("unset", &persistent.unset)] {
                if !values.is_empty() {
                    let words = values
                        .iter()
                        .map(|v| term(Vocabulary::Disposition, v))
                        .collect();
                    object.insert(key.into(), Value::Array(words));
                }
            }
            out.insert("persistentDisposition".into(), Value::Object(object));
        }
        for (key, location) in [
            ("readPoint", &event.read_point),
            ("bizLocation", &event.biz_location),
        ] {
            if let Some(location) = location {
                out.insert(key.into(), self.location(location, scope));
            }
        }
        for (key, item, vocabulary, list) in [
            (
                "bizTransactionList",
                "bizTransaction",
                Vocabulary::BizTransactionType,
                &event.biz_transaction_list,
            ),
            (
                "sourceList",
                "source",
                Vocabulary::SourceDestinationType,
                &event.source_list,
            ),
            (
                "destinationList",
                "destination",
                Vocabulary::SourceDestinationType,
                &event.destination_list,
            ),
        ] {
            self.put_typed(out, key, item, vocabulary, list);
        }
        if !event.sensor_element_list.is_empty() {
            let elements = event
                .sensor_element_list
                .iter()
                .map(|element| Self::sensor_element(element, scope))
                .collect();
            out.insert("sensorElementList".into(), Value::Array(elements));
        }
        if let Some(ilmd) = ilmd {
            let mut object = Map::new();
            extensions(&mut object, ilmd, scope);
            out.insert("ilmd".into(), Value::Object(object));
        }
        extensions(out, &event.extensions, scope);
    }

    /// The identifiers and quantities of the event type; returns its ILMD, written later.
    fn body<'e>(
        &self,
        body: &'e EventBody,
        out: &mut Map<String, Value>,
    ) -> Option<&'e [Extension]> {
        match body {
            EventBody::Object {
                epc_list,
                quantity_list,
                ilmd,
                ..
            } => {
                // The schema wants an `epcList`, even empty, unless quantities stand in for it.
                self.put_ids(out, "epcList", epc_list, quantity_list.is_empty());
                self.put_quantities(out, "quantityList", quantity_list);
                ilmd.as_deref()
            }
            EventBody::Transaction {
                parent_id,
                epc_list,
                quantity_list,
                ..
            } => {
                self.put_id(out, "parentID", parent_id.as_deref());
                self.put_ids(out, "epcList", epc_list, quantity_list.is_empty());
                self.put_quantities(out, "quantityList", quantity_list);
                None
            }
            EventBody::Aggregation {
                parent_id,
                child_epcs,
                child_quantity_list,
                ..
            } => {
                self.put_id(out, "parentID", parent_id.as_deref());
                self.put_ids(out, "childEPCs", child_epcs, false);
                self.put_quantities(out, "childQuantityList", child_quantity_list);
                None
            }
            EventBody::Association {
                parent_id,
                child_epcs,
                child_quantity_list,
                ..
            } => {
                self.put_id(out, "parentID", Some(parent_id));
                self.put_ids(out, "childEPCs", child_epcs, false);
                self.put_quantities(out, "childQuantityList", child_quantity_list);
                None
            }
            EventBody::Transformation {
                input_epc_list,
                input_quantity_list,
                output_epc_list,
                output_quantity_list,
                ilmd,
                ..
            } => {
                self.put_ids(out, "inputEPCList", input_epc_list, false);
                self.put_quantities(out, "inputQuantityList", input_quantity_list);
                self.put_ids(out, "outputEPCList", output_epc_list, false);
                self.put_quantities(out, "outputQuantityList", output_quantity_list);
                ilmd.as_deref()
            }
        }
    }
}

/// The scalar fields of a sensor structure, from its table.
fn slots<T>(value: &T, table: &[(&str, Slot<T>)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, slot) in table {
        let written = match slot {
            Slot::Text(get, _) => get(value).as_deref().map(Value::from),
            Slot::Decimal(get, _) => get(value).as_deref().map(decimal),
            Slot::Term(vocabulary, get, _) => get(value).as_deref().map(|v| term(*vocabulary, v)),
            Slot::Time(get, _) => get(value).map(|t| format_timestamp(t).into()),
            Slot::Flag(get, _) => get(value).map(Value::from),
        };
        if let Some(written) = written {
            out.insert((*key).to_owned(), written);
        }
    }
    out
}
