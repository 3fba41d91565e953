//! EPCIS 2.0 JSON-LD into event trees: lists become runs of child elements named as in XML,
//! bare CBV words become web URIs, and prefixes from the document's `@context` name the user
//! extensions (`example:field` → `{https://ns.example.com/epcis/}field`).

use serde_json::{Map, Value};

use super::tree::{Document, Event, Node};
use super::{HashError, MAX_DEPTH};
use crate::vocab::{STANDARD_VALUE_PREFIXES, Vocabulary};

/// Namespace prefixes in scope: those the document's `@context` declares.
#[derive(Debug, Clone, Default)]
struct Prefixes(Vec<(String, String)>);

impl Prefixes {
    /// Adds the prefix definitions of a `@context` value (an object, or an array of objects and
    /// context URLs; URLs declare nothing here).
    fn add_context(&mut self, context: &Value) {
        match context {
            Value::Array(items) => items.iter().for_each(|item| self.add_context(item)),
            Value::Object(map) => {
                for (term, definition) in map {
                    if term.starts_with('@') || term.contains(':') {
                        continue;
                    }
                    let iri = match definition {
                        Value::String(iri) => iri,
                        Value::Object(definition) => match definition.get("@id") {
                            Some(Value::String(iri)) => iri,
                            _ => continue,
                        },
                        _ => continue,
                    };
                    self.0.retain(|(p, _)| p != term);
                    self.0.push((term.clone(), iri.clone()));
                }
            }
            _ => {}
        }
    }

    fn get(&self, prefix: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, iri)| iri.as_str())
    }

    /// A property name: `prefix:local` with a declared prefix as `{iri}local`, any other name as
    /// written.
    fn name(&self, key: &str) -> String {
        match split_curie(key).and_then(|(prefix, local)| Some((self.get(prefix)?, local))) {
            Some((iri, local)) => format!("{{{iri}}}{local}"),
            None => key.to_owned(),
        }
    }

    /// A CURIE value expanded with a declared prefix or one of the standard `gs1:`, `cbv:`,
    /// `epcis:` prefixes; `None` when the value is not such a CURIE.
    fn expand_value(&self, value: &str) -> Option<String> {
        let (prefix, local) = split_curie(value.trim())?;
        let iri = self.get(prefix).or_else(|| {
            STANDARD_VALUE_PREFIXES
                .iter()
                .find(|(p, _)| *p == prefix)
                .map(|(_, iri)| *iri)
        })?;
        Some(format!("{iri}{local}"))
    }
}

/// `prefix:local`, unless the part after the colon starts with `//` (then it is an absolute IRI
/// such as `https://…`, as JSON-LD reads it).
fn split_curie(text: &str) -> Option<(&str, &str)> {
    let (prefix, local) = text.split_once(':')?;
    (!prefix.is_empty() && !local.starts_with("//")).then_some((prefix, local))
}

/// Keys that are human commentary, not event data.
fn is_comment(key: &str) -> bool {
    matches!(
        key,
        "comment" | "rdfs:comment" | "http://www.w3.org/2000/01/rdf-schema#comment"
    )
}

/// Reads an `EPCISDocument` or `EPCISQueryDocument`.
pub(crate) fn read_document(text: &str) -> Result<Document, HashError> {
    let root: Value = serde_json::from_str(text).map_err(|e| HashError::Json(e.to_string()))?;
    let Value::Object(root) = &root else {
        return Err(HashError::NoEventList(
            "a JSON-LD EPCIS document is an object",
        ));
    };
    let mut prefixes = Prefixes::default();
    if let Some(context) = root.get("@context") {
        prefixes.add_context(context);
    }
    let body = root.get("epcisBody").and_then(Value::as_object);
    let query_results = body
        .and_then(|b| b.get("queryResults"))
        .and_then(Value::as_object);
    let holder = query_results
        .and_then(|q| q.get("resultsBody"))
        .and_then(Value::as_object)
        .or(body);
    let events: Vec<&Value> = match holder {
        Some(holder) => match (holder.get("eventList"), holder.get("event")) {
            (Some(Value::Array(list)), _) => list.iter().collect(),
            (_, Some(single @ Value::Object(_))) => vec![single],
            _ => {
                return Err(HashError::NoEventList(
                    "expected epcisBody.eventList or epcisBody.queryResults.resultsBody.eventList",
                ));
            }
        },
        None => {
            return Err(HashError::NoEventList(
                "expected epcisBody.eventList or epcisBody.queryResults.resultsBody.eventList",
            ));
        }
    };

    let mut ignored_fields = Vec::new();
    let places = [
        Some(root),
        root.get("epcisHeader").and_then(Value::as_object),
        body,
        query_results,
    ];
    for place in places.into_iter().flatten() {
        for (key, value) in place {
            if key == "ignoreFields" || key.ends_with(":ignoreFields") {
                for name in items(value) {
                    if let Value::String(name) = name {
                        ignored_fields.push(prefixes.name(name.trim()));
                    }
                }
            }
        }
    }

    let events = events
        .into_iter()
        .enumerate()
        .map(|(index, event)| read_with(event, &prefixes, index))
        .collect::<Result<_, _>>()?;
    Ok(Document {
        events,
        ignored_fields,
    })
}

/// Reads one event object; `context` is the `@context` of its document.
pub(crate) fn read_event(
    event: &Value,
    context: Option<&Value>,
    index: usize,
) -> Result<Event, HashError> {
    let mut prefixes = Prefixes::default();
    if let Some(context) = context {
        prefixes.add_context(context);
    }
    read_with(event, &prefixes, index)
}

fn read_with(event: &Value, prefixes: &Prefixes, index: usize) -> Result<Event, HashError> {
    let Value::Object(event) = event else {
        return Err(HashError::NotAnEvent {
            index,
            problem: "an event must be a JSON object",
        });
    };
    let kind = match event.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        _ => {
            return Err(HashError::MissingField {
                index,
                field: "type",
            });
        }
    };
    // An event may carry its own context; its prefixes add to the document's.
    let scoped;
    let prefixes = match event.get("@context") {
        Some(context) => {
            let mut own = prefixes.clone();
            own.add_context(context);
            scoped = own;
            &scoped
        }
        None => prefixes,
    };
    let reader = Reader { prefixes, index };
    let mut fields = Vec::new();
    for (key, value) in event {
        if key == "type" {
            continue;
        }
        reader.field(key, value, Place::Event, 0, &mut fields)?;
    }
    Ok(Event { kind, fields })
}

/// Where a field sits, which decides how its value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Event,
    PersistentDisposition,
    SensorElement,
    SensorReport,
    ErrorDeclaration,
    TypedItem(Vocabulary),
    Other,
}

struct Reader<'a> {
    prefixes: &'a Prefixes,
    index: usize,
}

/// The items of a JSON-LD value that may be one item or an array of them.
fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

impl Reader<'_> {
    /// Appends the node(s) for `key: value` found at `place`.
    fn field(
        &self,
        key: &str,
        value: &Value,
        place: Place,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Result<(), HashError> {
        if key == "@context" || is_comment(key) {
            return Ok(());
        }
        if depth > MAX_DEPTH {
            return Err(HashError::TooDeep {
                index: self.index,
                field: key.to_owned(),
            });
        }
        let name = self.prefixes.name(key);
        match (place, key) {
            (Place::Event, "epcList" | "inputEPCList" | "outputEPCList" | "childEPCs") => {
                let children = self.list(value, "epc", Place::Other, depth)?;
                out.push(list_node(name, children));
            }
            (
                Place::Event,
                "quantityList" | "childQuantityList" | "inputQuantityList" | "outputQuantityList",
            ) => {
                let children = self.list(value, "quantityElement", Place::Other, depth)?;
                out.push(list_node(name, children));
            }
            (Place::Event, "sensorElementList") => {
                let children = self.list(value, "sensorElement", Place::SensorElement, depth)?;
                out.push(list_node(name, children));
            }
            (Place::Event, "bizTransactionList" | "sourceList" | "destinationList") => {
                let (item, vocabulary) = match key {
                    "bizTransactionList" => ("bizTransaction", Vocabulary::BizTransactionType),
                    "sourceList" => ("source", Vocabulary::SourceDestinationType),
                    _ => ("destination", Vocabulary::SourceDestinationType),
                };
                let mut children = Vec::new();
                for entry in items(value) {
                    children.push(self.typed_item(entry, item, vocabulary, depth + 1)?);
                }
                out.push(list_node(name, children));
            }
            (Place::Event, "persistentDisposition") => {
                out.extend(self.nodes(name, value, Place::PersistentDisposition, depth)?);
            }
            (Place::Event, "errorDeclaration") => {
                out.extend(self.nodes(name, value, Place::ErrorDeclaration, depth)?);
            }
            (Place::SensorElement, "sensorReport") => {
                out.extend(self.nodes(name, value, Place::SensorReport, depth)?);
            }
            _ => {
                let vocabulary = match (place, key) {
                    (Place::Event, "bizStep") => Some(Vocabulary::BizStep),
                    (Place::Event, "disposition") | (Place::PersistentDisposition, _) => {
                        Some(Vocabulary::Disposition)
                    }
                    (Place::ErrorDeclaration, "reason") => Some(Vocabulary::ErrorReason),
                    (Place::SensorReport, "type") => Some(Vocabulary::MeasurementType),
                    (Place::SensorReport, "exception") => Some(Vocabulary::SensorAlert),
                    (Place::SensorReport, "component") => Some(Vocabulary::Component),
                    (Place::TypedItem(vocabulary), "type") => Some(vocabulary),
                    _ => None,
                };
                self.push(&name, value, vocabulary, Place::Other, depth, out)?;
            }
        }
        Ok(())
    }

    /// The items of a standard list, each a child named `item`.
    fn list(
        &self,
        value: &Value,
        item: &str,
        place: Place,
        depth: usize,
    ) -> Result<Vec<Node>, HashError> {
        let mut children = Vec::new();
        self.push(item, value, None, place, depth + 1, &mut children)?;
        Ok(children)
    }

    /// One node per item of `value` (an array gives a run of siblings).
    fn nodes(
        &self,
        name: String,
        value: &Value,
        place: Place,
        depth: usize,
    ) -> Result<Vec<Node>, HashError> {
        let mut nodes = Vec::new();
        self.push(&name, value, None, place, depth, &mut nodes)?;
        Ok(nodes)
    }

    /// Appends the node(s) for `value`: none for `null`, one per item for an array (nested
    /// arrays have no XML counterpart, so their items join the same run), one otherwise. Objects
    /// read their members at `place`; strings are expanded with `vocabulary` when they are one
    /// of its bare words, or as a CURIE otherwise.
    fn push(
        &self,
        name: &str,
        value: &Value,
        vocabulary: Option<Vocabulary>,
        place: Place,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Result<(), HashError> {
        if depth > MAX_DEPTH {
            return Err(HashError::TooDeep {
                index: self.index,
                field: name.to_owned(),
            });
        }
        let text = match value {
            Value::Null => return Ok(()),
            Value::String(text) => vocabulary
                .and_then(|v| v.expand(text))
                .or_else(|| self.prefixes.expand_value(text))
                .unwrap_or_else(|| text.clone()),
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) => number.to_string(),
            Value::Array(items) => {
                for item in items {
                    self.push(name, item, vocabulary, place, depth + 1, out)?;
                }
                return Ok(());
            }
            Value::Object(members) => {
                let mut node = Node::leaf(name, "");
                self.members(members, place, depth + 1, &mut node.children)?;
                out.push(node);
                return Ok(());
            }
        };
        out.push(Node::leaf(name, text));
        Ok(())
    }

    fn members(
        &self,
        members: &Map<String, Value>,
        place: Place,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Result<(), HashError> {
        for (key, value) in members {
            self.field(key, value, place, depth, out)?;
        }
        Ok(())
    }

    /// A business transaction, source or destination: `{"type": …, "source": …}` read as the XML
    /// `<source type="…">…</source>`.
    fn typed_item(
        &self,
        entry: &Value,
        item: &str,
        vocabulary: Vocabulary,
        depth: usize,
    ) -> Result<Node, HashError> {
        let mut node = Node::leaf(item, "");
        match entry {
            Value::Object(members) => {
                for (key, value) in members {
                    if let (true, Some(text)) = (key == item, value.as_str()) {
                        node.text = self
                            .prefixes
                            .expand_value(text)
                            .unwrap_or_else(|| text.to_owned())
                            .trim()
                            .to_owned();
                        continue;
                    }
                    self.field(
                        key,
                        value,
                        Place::TypedItem(vocabulary),
                        depth + 1,
                        &mut node.children,
                    )?;
                }
            }
            Value::String(text) => node.text = text.trim().to_owned(),
            _ => {}
        }
        Ok(node)
    }
}

fn list_node(name: String, children: Vec<Node>) -> Node {
    Node {
        name,
        text: String::new(),
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> Event {
        read_event(&serde_json::from_str(json).unwrap(), None, 0).unwrap()
    }

    #[test]
    fn lists_become_runs_of_xml_style_children() {
        let e = event(
            r#"{"type": "AggregationEvent", "childEPCs": ["a", "b"],
                "childQuantityList": [{"epcClass": "c", "quantity": 2.50}]}"#,
        );
        assert_eq!(e.kind, "AggregationEvent");
        let child_epcs = e.fields.iter().find(|f| f.name == "childEPCs").unwrap();
        assert_eq!(child_epcs.children.len(), 2);
        assert!(child_epcs.children.iter().all(|c| c.name == "epc"));
        let quantities = e
            .fields
            .iter()
            .find(|f| f.name == "childQuantityList")
            .unwrap();
        assert_eq!(quantities.children[0].name, "quantityElement");
        assert!(
            quantities.children[0]
                .children
                .contains(&Node::leaf("quantity", "2.5"))
        );
    }

    #[test]
    fn bare_words_expand_only_in_their_own_field() {
        let e = event(
            r#"{"type": "ObjectEvent", "bizStep": "shipping", "disposition": "shipping",
                "sensorElementList": [{"sensorReport": [{"type": "Temperature", "component": "x",
                    "exception": "ALARM_CONDITION", "booleanValue": true}]}],
                "sourceList": [{"source": "urn:x", "type": "location"}]}"#,
        );
        let text = |name: &str| {
            e.fields
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.text.clone())
        };
        assert_eq!(
            text("bizStep").as_deref(),
            Some("https://ref.gs1.org/cbv/BizStep-shipping")
        );
        assert_eq!(text("disposition").as_deref(), Some("shipping"));
        let report = &e
            .fields
            .iter()
            .find(|f| f.name == "sensorElementList")
            .unwrap()
            .children[0]
            .children[0];
        assert!(
            report
                .children
                .contains(&Node::leaf("type", "https://gs1.org/voc/Temperature"))
        );
        assert!(
            report
                .children
                .contains(&Node::leaf("component", "https://ref.gs1.org/cbv/Comp-x"))
        );
        assert!(report.children.contains(&Node::leaf(
            "exception",
            "https://gs1.org/voc/ALARM_CONDITION"
        )));
        assert!(
            report
                .children
                .contains(&Node::leaf("booleanValue", "true"))
        );
        let source = &e
            .fields
            .iter()
            .find(|f| f.name == "sourceList")
            .unwrap()
            .children[0];
        assert_eq!(source.text, "urn:x");
        assert_eq!(
            source.children,
            vec![Node::leaf("type", "https://ref.gs1.org/cbv/SDT-location")]
        );
    }

    #[test]
    fn context_prefixes_name_extensions_and_expand_values() {
        let context: Value = serde_json::from_str(
            r#"["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                {"ex": "https://ex.example/", "other": {"@id": "urn:other:"}}]"#,
        )
        .unwrap();
        let e = read_event(
            &serde_json::from_str(
                r#"{"type": "ObjectEvent", "ex:a": "ex:b", "other:c": {"undeclared:d": "gs1:Mass"},
                    "https:x": "https://ex.example/", "rdfs:comment": "not hashed"}"#,
            )
            .unwrap(),
            Some(&context),
            0,
        )
        .unwrap();
        assert_eq!(e.fields.len(), 3);
        assert!(e.fields.contains(&Node::leaf(
            "{https://ex.example/}a",
            "https://ex.example/b"
        )));
        assert!(e.fields.contains(&Node {
            name: "{urn:other:}c".into(),
            text: String::new(),
            children: vec![Node::leaf("undeclared:d", "https://gs1.org/voc/Mass")],
        }));
        assert!(
            e.fields
                .contains(&Node::leaf("https:x", "https://ex.example/"))
        );
    }

    #[test]
    fn query_documents_and_ignore_fields_are_read() {
        let document = read_document(
            r#"{"@context": [{"repo": "https://repo.example/"}], "type": "EPCISQueryDocument",
                "epcisBody": {"queryResults": {"repo:ignoreFields": ["repo:hash"],
                    "resultsBody": {"eventList": [{"type": "ObjectEvent"}]}}}}"#,
        )
        .unwrap();
        assert_eq!(document.events.len(), 1);
        assert_eq!(document.ignored_fields, vec!["{https://repo.example/}hash"]);
    }
}
