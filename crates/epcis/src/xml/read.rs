//! EPCIS 2.0 and 1.2 XML text into the model, every problem reported with its event and path.

use std::collections::HashMap;

use roxmltree::{Attribute, Document as XmlDocument, Node, ParsingOptions};
use time::OffsetDateTime;

use super::{
    Cbv, EPC_LISTS, EPCIS_NAMESPACES, HEAD, Kind, MAX_DEPTH, QUANTITY_LISTS, SBDH,
    SensorAttributes, Slot, TYPED_LISTS,
};
use crate::model::{
    Action, Document, DocumentKind, ErrorDeclaration, Event, EventBody, Extension, ExtensionValue,
    Header, Location, MasterDataAttribute, PersistentDisposition, QName, QuantityElement,
    SensorElement, TypedValue, Vocabulary, VocabularyElement, parse_timestamp,
};
use crate::validate::{MAX_ISSUES, ValidationIssue};

/// Reads an EPCIS 2.0 or 1.2 XML `EPCISDocument`, `EPCISQueryDocument` (query results) or
/// `EPCISMasterDataDocument`; `Err` holds at most [`MAX_ISSUES`] issues.
pub fn read_document(text: &str) -> Result<Document, Vec<ValidationIssue>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Entities can only be declared in a DTD's internal subset; refusing any declaration means
    // no entity is ever expanded ("billion laughs"), while GS1's own examples, which carry a bare
    // `<!DOCTYPE project>`, still read.
    if text.contains("<!ENTITY") {
        return Err(vec![document_issue(
            "declares entities, which are refused".to_owned(),
        )]);
    }
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let xml = XmlDocument::parse_with_options(text, options)
        .map_err(|error| vec![document_issue(format!("is not well-formed XML ({error})"))])?;
    let mut reader = Reader::default();
    match reader.document(xml.root_element()) {
        Some(document) if reader.issues.is_empty() => Ok(document),
        _ => {
            reader.issues.truncate(MAX_ISSUES);
            Err(reader.issues)
        }
    }
}

fn document_issue(message: String) -> ValidationIssue {
    ValidationIssue {
        event_index: None,
        path: String::new(),
        message,
    }
}

/// Where the reader is: the event, if any, and the path from the document root.
#[derive(Clone)]
struct At {
    event: Option<usize>,
    path: String,
}

impl At {
    fn root() -> At {
        At {
            event: None,
            path: String::new(),
        }
    }

    fn child(&self, name: &str) -> At {
        At {
            event: self.event,
            path: if self.path.is_empty() {
                name.to_owned()
            } else {
                format!("{}.{name}", self.path)
            },
        }
    }

    fn item(&self, name: &str, index: usize) -> At {
        let mut at = self.child(name);
        at.path = format!("{}[{index}]", at.path);
        at
    }
}

/// A standard field: in no namespace (as the XSD has it) or in an EPCIS namespace.
fn is_standard(node: Node) -> bool {
    // A prefix declared empty (`xmlns:p=""`, which only XML 1.1 allows) leaves a name in no
    // namespace, as an unprefixed one: written back, it would be unprefixed.
    node.tag_name()
        .namespace()
        .is_none_or(|namespace| namespace.is_empty() || EPCIS_NAMESPACES.contains(&namespace))
}

/// The 1.2 wrappers that carry no meaning of their own (2.0 still has `extension`).
fn is_wrapper(node: Node) -> bool {
    is_standard(node) && matches!(node.tag_name().name(), "extension" | "baseExtension")
}

fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(Node::is_element)
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    elements(node).find(|child| child.tag_name().name() == name)
}

/// An element's text, trimmed: the binding never gives leading or trailing space a meaning.
fn text(node: Node) -> String {
    let mut text = String::new();
    for part in node.children().filter(Node::is_text) {
        text.push_str(part.text().unwrap_or_default());
    }
    text.trim().to_owned()
}

fn qname(node: Node, namespace: Option<&str>, local: &str) -> QName {
    QName {
        namespace: namespace.unwrap_or_default().to_owned(),
        local: local.to_owned(),
        prefix: namespace
            .and_then(|namespace| node.lookup_prefix(namespace))
            .map(str::to_owned),
    }
}

fn attribute_qname(owner: Node, attribute: &Attribute) -> QName {
    qname(owner, attribute.namespace(), attribute.name())
}

/// Repeated siblings of one name become one [`ExtensionValue::List`] where the first stood, as
/// JSON-LD writes them.
fn group(fields: Vec<Extension>) -> Vec<Extension> {
    // Indexed by name: a flat list of many siblings must not cost quadratic time.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut grouped: Vec<Extension> = Vec::with_capacity(fields.len());
    for field in fields {
        let key = (field.name.namespace.clone(), field.name.local.clone());
        match seen.get(&key).and_then(|&index| grouped.get_mut(index)) {
            // XML never reads a single element as a list, so a list here is a group already.
            Some(first) => match &mut first.value {
                ExtensionValue::List(items) => items.push(field.value),
                value => {
                    let single = std::mem::replace(value, ExtensionValue::List(Vec::new()));
                    *value = ExtensionValue::List(vec![single, field.value]);
                }
            },
            None => {
                seen.insert(key, grouped.len());
                grouped.push(field);
            }
        }
    }
    grouped
}

/// `[+-]hh:mm` from `-14:00` to `+14:00`, as the XSD's DateTimeStamp allows.
fn is_offset(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    if bytes.len() != 6 || !matches!(bytes[0], b'+' | b'-') || bytes[3] != b':' {
        return false;
    }
    if !digits(1..3) || !digits(4..6) {
        return false;
    }
    let hours = (bytes[1] - b'0') * 10 + (bytes[2] - b'0');
    let minutes = (bytes[4] - b'0') * 10 + (bytes[5] - b'0');
    minutes < 60 && (hours < 14 || (hours == 14 && minutes == 0))
}

/// The fields of an event while it is read; checked and turned into an [`Event`] at the end.
#[derive(Default)]
struct Draft {
    event_id: Option<String>,
    event_time: Option<OffsetDateTime>,
    event_time_zone_offset: Option<String>,
    record_time: Option<OffsetDateTime>,
    certification_info: Vec<String>,
    error_declaration: Option<ErrorDeclaration>,
    action: Option<Action>,
    parent_id: Option<String>,
    transformation_id: Option<String>,
    epcs: [Vec<String>; 4],
    quantities: [Vec<QuantityElement>; 4],
    biz_step: Option<String>,
    disposition: Option<String>,
    persistent_disposition: Option<PersistentDisposition>,
    read_point: Option<Location>,
    biz_location: Option<Location>,
    typed: [Vec<TypedValue>; 3],
    sensor_element_list: Vec<SensorElement>,
    ilmd: Option<Vec<Extension>>,
}

#[derive(Default)]
struct Reader {
    issues: Vec<ValidationIssue>,
}

impl Reader {
    fn issue(&mut self, at: &At, message: impl Into<String>) {
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(ValidationIssue {
                event_index: at.event,
                path: at.path.clone(),
                message: message.into(),
            });
        }
    }

    /// `value`, or an "is required" issue unless the field already has one (it was there but
    /// malformed).
    fn require<T>(&mut self, value: Option<T>, at: &At) -> Option<T> {
        if value.is_none() && !self.issues.iter().any(|issue| issue.path == at.path) {
            self.issue(at, "is required");
        }
        value
    }

    /// The child elements of `node` with the 1.2 wrappers dissolved.
    fn fields<'a, 'input>(&mut self, node: Node<'a, 'input>, at: &At) -> Vec<Node<'a, 'input>> {
        fn collect<'a, 'input>(
            node: Node<'a, 'input>,
            depth: usize,
            out: &mut Vec<Node<'a, 'input>>,
        ) -> bool {
            for child in elements(node) {
                if !is_wrapper(child) {
                    out.push(child);
                } else if depth >= MAX_DEPTH || !collect(child, depth + 1, out) {
                    return false;
                }
            }
            true
        }
        let mut out = Vec::new();
        if !collect(node, 0, &mut out) {
            self.issue(at, format!("nests deeper than {MAX_DEPTH} levels"));
        }
        out
    }

    /// The standard fields of `node` that `known` accepts, and its foreign (extension) elements;
    /// any other standard element is an issue.
    fn split<'a, 'input>(
        &mut self,
        node: Node<'a, 'input>,
        at: &At,
        known: impl Fn(&str) -> bool,
    ) -> (Vec<Node<'a, 'input>>, Vec<Node<'a, 'input>>) {
        let (standard, foreign): (Vec<_>, Vec<_>) = self
            .fields(node, at)
            .into_iter()
            .partition(|c| is_standard(*c));
        let parent = node.tag_name().name();
        let known: Vec<_> = standard
            .into_iter()
            .filter(|field| {
                let name = field.tag_name().name();
                let ok = known(name);
                if !ok {
                    self.issue(&at.child(name), format!("is not a field of {parent}"));
                }
                ok
            })
            .collect();
        (known, foreign)
    }

    fn time(&mut self, text: &str, at: &At) -> Option<OffsetDateTime> {
        // `parse_timestamp` slices the fraction by bytes, so only ASCII text reaches it.
        let time = text.is_ascii().then(|| parse_timestamp(text)).flatten();
        if time.is_none() {
            self.issue(
                at,
                format!("{text:?} is not a date-time like 2024-05-01T08:30:00.000+07:00"),
            );
        }
        time
    }

    /// A CBV value normalised; a bare word outside the vocabulary, or a CBV URI or URN that
    /// names no standard value, is an issue.
    fn cbv(&mut self, value: &str, vocabulary: Cbv, at: &At) -> String {
        let value = value.trim();
        let normal = vocabulary.normalise(value);
        if vocabulary.bare_word(&normal).is_none() {
            if !value.contains(':') {
                self.issue(
                    at,
                    format!("{value:?} is neither a CBV value of this field nor a URI"),
                );
            } else if value.starts_with("urn:epcglobal:cbv:")
                || normal.starts_with("https://ref.gs1.org/cbv/")
            {
                self.issue(
                    at,
                    format!("{value:?} is not a standard CBV value of this field"),
                );
            }
        }
        normal
    }

    fn document(&mut self, root: Node) -> Option<Document> {
        let at = At::root();
        let name = root.tag_name();
        let local = name.name();
        let in_epcis = name
            .namespace()
            .is_some_and(|namespace| EPCIS_NAMESPACES.contains(&namespace));
        if !in_epcis
            || !matches!(
                local,
                "EPCISDocument" | "EPCISQueryDocument" | "EPCISMasterDataDocument"
            )
        {
            self.issue(
                &at,
                format!(
                    "is not an EPCIS document: the root element {local} is not an \
                     EPCISDocument, EPCISQueryDocument or EPCISMasterDataDocument in an EPCIS \
                     namespace"
                ),
            );
            return None;
        }
        let schema_version = root.attribute("schemaVersion").map(str::trim);
        let schema_version = self.require(schema_version, &at.child("schemaVersion"));
        let creation_date = match root.attribute("creationDate") {
            Some(date) => self.time(date, &at.child("creationDate")),
            None => self.require(None, &at.child("creationDate")),
        };
        let namespaces = root
            .namespaces()
            .filter_map(|ns| Some((ns.name()?.to_owned(), ns.uri().to_owned())))
            .filter(|(prefix, uri)| prefix != "xml" && !EPCIS_NAMESPACES.contains(&uri.as_str()))
            .collect();
        let mut document = Document {
            kind: DocumentKind::Capture,
            schema_version: schema_version.unwrap_or_default().to_owned(),
            creation_date: creation_date.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            header: Header::default(),
            events: Vec::new(),
            namespaces,
        };
        let mut body = None;
        let mut foreign = Vec::new();
        for part in elements(root) {
            let part_name = part.tag_name().name();
            if !is_standard(part) {
                foreign.push(part);
                continue;
            }
            match part_name {
                "EPCISHeader" => self.header(part, &at.child(part_name), &mut document.header),
                "EPCISBody" => body = Some(part),
                "extension" => {}
                _ => self.issue(
                    &at.child(part_name),
                    format!("is not an element of {local}"),
                ),
            }
        }
        match body {
            Some(body) => {
                self.body(
                    body,
                    local,
                    &at.child("EPCISBody"),
                    &mut document,
                    &mut foreign,
                );
            }
            None => self.issue(&at.child("EPCISBody"), "is required"),
        }
        document.header.extensions = self.extensions(&foreign, 1, &at);
        creation_date?;
        Some(document)
    }

    fn header(&mut self, header: Node, at: &At, out: &mut Header) {
        for part in self.fields(header, at) {
            match part.tag_name().name() {
                "StandardBusinessDocumentHeader" if part.tag_name().namespace() == Some(SBDH) => {
                    let identifier = |node: Option<Node>, name: &str| {
                        node.and_then(|node| child(node, name))
                            .map(text)
                            .filter(|id| !id.is_empty())
                    };
                    out.sender = identifier(child(part, "Sender"), "Identifier");
                    out.receiver = identifier(child(part, "Receiver"), "Identifier");
                    out.instance_identifier =
                        identifier(child(part, "DocumentIdentification"), "InstanceIdentifier");
                }
                // 1.2 and 2.0 put master data in `extension/EPCISMasterData` (the wrapper is
                // dissolved); some writers spell it as JSON-LD does.
                name if name.eq_ignore_ascii_case("EPCISMasterData") && is_standard(part) => {
                    let at = at.child(name);
                    if let Some(list) = child(part, "VocabularyList") {
                        let vocabularies = self.vocabularies(list, &at.child("VocabularyList"));
                        out.master_data.extend(vocabularies);
                    }
                }
                _ => {}
            }
        }
    }

    /// The body's events or vocabularies; foreign elements of query results, which belong to
    /// the document, go to `foreign`.
    fn body<'a, 'input>(
        &mut self,
        body: Node<'a, 'input>,
        root: &str,
        at: &At,
        document: &mut Document,
        foreign: &mut Vec<Node<'a, 'input>>,
    ) {
        for part in elements(body).filter(|part| is_standard(*part)) {
            let name = part.tag_name().name();
            match (root, name) {
                ("EPCISDocument", "EventList") => {
                    document.events = self.events(part, &at.child(name));
                }
                ("EPCISMasterDataDocument", "VocabularyList") => {
                    let vocabularies = self.vocabularies(part, &at.child(name));
                    document.header.master_data.extend(vocabularies);
                }
                ("EPCISQueryDocument", "QueryResults") => {
                    foreign.extend(elements(part).filter(|node| !is_standard(*node)));
                    self.query_results(part, &at.child(name), document);
                }
                (_, "extension") => {}
                _ => self.issue(&at.child(name), format!("is not read in an {root}")),
            }
        }
    }

    fn query_results(&mut self, results: Node, at: &At, document: &mut Document) {
        let query_name = child(results, "queryName").map(text);
        let query_name = self.require(query_name, &at.child("queryName"));
        document.kind = DocumentKind::QueryResult {
            query_name: query_name.unwrap_or_default(),
            subscription_id: child(results, "subscriptionID").map(text),
        };
        let Some(results_body) = child(results, "resultsBody") else {
            self.issue(&at.child("resultsBody"), "is required");
            return;
        };
        let at = at.child("resultsBody");
        if let Some(list) = child(results_body, "EventList") {
            document.events = self.events(list, &at.child("EventList"));
        }
        if let Some(list) = child(results_body, "VocabularyList") {
            let vocabularies = self.vocabularies(list, &at.child("VocabularyList"));
            document.header.master_data.extend(vocabularies);
        }
    }

    fn events(&mut self, list: Node, at: &At) -> Vec<Event> {
        let mut events = Vec::new();
        // 1.2 puts TransformationEvent inside an `extension` of the event list.
        for (index, element) in self.fields(list, at).into_iter().enumerate() {
            if self.issues.len() >= MAX_ISSUES {
                break;
            }
            let at = At {
                event: Some(index),
                path: format!("{}[{index}]", at.path),
            };
            events.extend(self.event(element, &at));
        }
        events
    }

    fn event(&mut self, element: Node, at: &At) -> Option<Event> {
        let name = element.tag_name().name();
        let kind = match Kind::parse(name) {
            Some(kind) if is_standard(element) => kind,
            _ if name == "QuantityEvent" => {
                self.issue(
                    at,
                    "QuantityEvent was removed in EPCIS 2.0: send an ObjectEvent with a \
                     quantityList instead",
                );
                return None;
            }
            _ => {
                self.issue(at, format!("{name} is not an EPCIS event type"));
                return None;
            }
        };
        let (fields, foreign) = self.split(element, at, |field| {
            HEAD.contains(&field) || kind.fields().contains(&field)
        });
        let mut draft = Draft::default();
        for field in fields {
            let name = field.tag_name().name();
            self.field(&mut draft, name, field, &at.child(name));
        }
        let extensions = self.extensions(&foreign, 0, at);
        self.finish(draft, kind, extensions, at)
    }

    fn field(&mut self, draft: &mut Draft, name: &str, node: Node, at: &At) {
        let value = text(node);
        match name {
            "eventTime" => draft.event_time = self.time(&value, at),
            "recordTime" => draft.record_time = self.time(&value, at),
            "eventTimeZoneOffset" => {
                if is_offset(&value) {
                    draft.event_time_zone_offset = Some(value);
                } else {
                    self.issue(
                        at,
                        format!("{value:?} is not a time zone offset from -14:00 to +14:00"),
                    );
                }
            }
            "eventID" => draft.event_id = Some(value),
            "certificationInfo" => draft.certification_info.push(value),
            "errorDeclaration" => draft.error_declaration = self.error_declaration(node, at),
            "action" => {
                draft.action = Action::parse(&value);
                if draft.action.is_none() {
                    self.issue(at, format!("{value:?} is not ADD, OBSERVE or DELETE"));
                }
            }
            "parentID" => draft.parent_id = Some(value),
            "transformationID" => draft.transformation_id = Some(value),
            "bizStep" => draft.biz_step = Some(self.cbv(&value, Cbv::BizStep, at)),
            "disposition" => draft.disposition = Some(self.cbv(&value, Cbv::Disposition, at)),
            "persistentDisposition" => {
                draft.persistent_disposition = Some(self.persistent_disposition(node, at));
            }
            "readPoint" => draft.read_point = self.location(node, at),
            "bizLocation" => draft.biz_location = self.location(node, at),
            "sensorElementList" => draft.sensor_element_list = self.sensor_elements(node, at),
            "ilmd" => {
                let (_, foreign) = self.split(node, at, |_| false);
                draft.ilmd = Some(self.extensions(&foreign, 1, at));
            }
            _ => {
                if let Some(i) = EPC_LISTS.iter().position(|list| *list == name) {
                    draft.epcs[i] = self.epc_list(node, at);
                } else if let Some(i) = QUANTITY_LISTS.iter().position(|list| *list == name) {
                    draft.quantities[i] = self.quantity_list(node, at);
                } else if let Some(i) = TYPED_LISTS.iter().position(|(list, ..)| *list == name) {
                    let (_, item, vocabulary) = TYPED_LISTS[i];
                    draft.typed[i] = self.typed_list(node, item, vocabulary, at);
                }
            }
        }
    }

    fn finish(
        &mut self,
        mut draft: Draft,
        kind: Kind,
        extensions: Vec<Extension>,
        at: &At,
    ) -> Option<Event> {
        let event_time = self.require(draft.event_time, &at.child("eventTime"));
        let offset = self.require(
            draft.event_time_zone_offset,
            &at.child("eventTimeZoneOffset"),
        );
        let action = match kind {
            Kind::Transformation => None,
            _ => self.require(draft.action, &at.child("action")),
        };
        let association_parent = match kind {
            Kind::Association => self.require(draft.parent_id.clone(), &at.child("parentID")),
            _ => None,
        };
        let [epcs, child_epcs, input_epcs, output_epcs] = std::mem::take(&mut draft.epcs);
        let [
            quantities,
            child_quantities,
            input_quantities,
            output_quantities,
        ] = std::mem::take(&mut draft.quantities);
        let [biz_transaction_list, source_list, destination_list] = draft.typed;
        if kind == Kind::Transaction && biz_transaction_list.is_empty() {
            self.require(None::<()>, &at.child("bizTransactionList"));
        }
        if kind == Kind::Aggregation
            && draft.parent_id.is_none()
            && matches!(action, Some(Action::Add | Action::Delete))
        {
            self.issue(
                &at.child("parentID"),
                "is required when action is ADD or DELETE",
            );
        }
        let body = match kind {
            Kind::Object => EventBody::Object {
                action: action?,
                epc_list: epcs,
                quantity_list: quantities,
                ilmd: draft.ilmd,
            },
            Kind::Aggregation => EventBody::Aggregation {
                action: action?,
                parent_id: draft.parent_id,
                child_epcs,
                child_quantity_list: child_quantities,
            },
            Kind::Transaction => EventBody::Transaction {
                action: action?,
                parent_id: draft.parent_id,
                epc_list: epcs,
                quantity_list: quantities,
            },
            Kind::Transformation => EventBody::Transformation {
                transformation_id: draft.transformation_id,
                input_epc_list: input_epcs,
                input_quantity_list: input_quantities,
                output_epc_list: output_epcs,
                output_quantity_list: output_quantities,
                ilmd: draft.ilmd,
            },
            Kind::Association => EventBody::Association {
                action: action?,
                parent_id: association_parent?,
                child_epcs,
                child_quantity_list: child_quantities,
            },
        };
        Some(Event {
            event_id: draft.event_id,
            event_time: event_time?,
            event_time_zone_offset: offset?,
            record_time: draft.record_time,
            certification_info: draft.certification_info,
            error_declaration: draft.error_declaration,
            body,
            biz_step: draft.biz_step,
            disposition: draft.disposition,
            persistent_disposition: draft.persistent_disposition,
            read_point: draft.read_point,
            biz_location: draft.biz_location,
            biz_transaction_list,
            source_list,
            destination_list,
            sensor_element_list: draft.sensor_element_list,
            extensions,
        })
    }

    /// User extensions, repeated names grouped.
    fn extensions(&mut self, nodes: &[Node], depth: usize, at: &At) -> Vec<Extension> {
        let fields = nodes
            .iter()
            .map(|node| self.extension(*node, depth, at))
            .collect();
        group(fields)
    }

    fn extension(&mut self, node: Node, depth: usize, at: &At) -> Extension {
        let name = node.tag_name();
        Extension {
            name: qname(node, name.namespace(), name.name()),
            value: self.content(node, depth, at, None),
        }
    }

    /// The value of an extension element (or a master-data attribute, whose `id` attribute is
    /// `skip`): its text, its attributes, or its child elements as fields.
    fn content(&mut self, node: Node, depth: usize, at: &At, skip: Option<&str>) -> ExtensionValue {
        if depth > MAX_DEPTH {
            self.issue(at, format!("nests deeper than {MAX_DEPTH} levels"));
            return ExtensionValue::Text(String::new());
        }
        let mut fields: Vec<Extension> = node
            .attributes()
            .filter(|attribute| attribute.namespace().is_some() || Some(attribute.name()) != skip)
            .map(|attribute| Extension {
                name: attribute_qname(node, &attribute),
                value: ExtensionValue::Text(attribute.value().trim().to_owned()),
            })
            .collect();
        let children: Vec<Node> = elements(node).collect();
        if children.is_empty() {
            let text = text(node);
            return if fields.is_empty() {
                ExtensionValue::Text(text)
            } else {
                ExtensionValue::Attributed {
                    text,
                    attributes: fields,
                }
            };
        }
        // Attributes next to child elements hash as children, so they are kept as fields.
        for child in children {
            fields.push(self.extension(child, depth + 1, at));
        }
        ExtensionValue::Fields(group(fields))
    }

    fn epc_list(&mut self, list: Node, at: &At) -> Vec<String> {
        let (epcs, _) = self.split(list, at, |name| name == "epc");
        epcs.into_iter()
            .map(text)
            .filter(|epc| !epc.is_empty())
            .collect()
    }

    fn quantity_list(&mut self, list: Node, at: &At) -> Vec<QuantityElement> {
        let (elements, _) = self.split(list, at, |name| name == "quantityElement");
        let mut quantities = Vec::new();
        for (index, element) in elements.into_iter().enumerate() {
            let at = at.item("quantityElement", index);
            let (fields, _) = self.split(element, &at, |name| {
                matches!(name, "epcClass" | "quantity" | "uom")
            });
            let value = |name: &str| {
                fields
                    .iter()
                    .find(|field| field.tag_name().name() == name)
                    .map(|field| text(*field))
                    .filter(|value| !value.is_empty())
            };
            let (epc_class, quantity, uom) = (value("epcClass"), value("quantity"), value("uom"));
            if let Some(quantity) = &quantity
                && !quantity.parse::<f64>().is_ok_and(f64::is_finite)
            {
                self.issue(
                    &at.child("quantity"),
                    format!("{quantity:?} is not a decimal number"),
                );
            }
            if let Some(epc_class) = self.require(epc_class, &at.child("epcClass")) {
                quantities.push(QuantityElement {
                    epc_class,
                    quantity,
                    uom,
                });
            }
        }
        quantities
    }

    fn typed_list(&mut self, list: Node, item: &str, vocabulary: Cbv, at: &At) -> Vec<TypedValue> {
        let (items, _) = self.split(list, at, |name| name == item);
        items
            .into_iter()
            .enumerate()
            .map(|(index, node)| TypedValue {
                kind: node
                    .attribute("type")
                    .map(|kind| self.cbv(kind, vocabulary, &at.item(item, index).child("type"))),
                value: text(node),
            })
            .collect()
    }

    fn persistent_disposition(&mut self, node: Node, at: &At) -> PersistentDisposition {
        let (fields, _) = self.split(node, at, |name| matches!(name, "set" | "unset"));
        let mut disposition = PersistentDisposition::default();
        for field in fields {
            let name = field.tag_name().name();
            let value = self.cbv(&text(field), Cbv::Disposition, &at.child(name));
            match name {
                "set" => disposition.set.push(value),
                _ => disposition.unset.push(value),
            }
        }
        disposition
    }

    fn location(&mut self, node: Node, at: &At) -> Option<Location> {
        let (fields, foreign) = self.split(node, at, |name| name == "id");
        let id = fields.into_iter().map(text).find(|id| !id.is_empty());
        let id = self.require(id, &at.child("id"))?;
        Some(Location {
            id,
            extensions: self.extensions(&foreign, 1, at),
        })
    }

    fn error_declaration(&mut self, node: Node, at: &At) -> Option<ErrorDeclaration> {
        let (fields, foreign) = self.split(node, at, |name| {
            matches!(name, "declarationTime" | "reason" | "correctiveEventIDs")
        });
        let mut declaration_time = None;
        let mut reason = None;
        let mut corrective_event_ids = Vec::new();
        for field in fields {
            let name = field.tag_name().name();
            let at = at.child(name);
            match name {
                "declarationTime" => declaration_time = self.time(&text(field), &at),
                "reason" => reason = Some(self.cbv(&text(field), Cbv::ErrorReason, &at)),
                _ => {
                    let (ids, _) = self.split(field, &at, |name| name == "correctiveEventID");
                    corrective_event_ids.extend(ids.into_iter().map(text));
                }
            }
        }
        Some(ErrorDeclaration {
            declaration_time: self.require(declaration_time, &at.child("declarationTime"))?,
            reason,
            corrective_event_ids,
            extensions: self.extensions(&foreign, 1, at),
        })
    }

    fn sensor_elements(&mut self, list: Node, at: &At) -> Vec<SensorElement> {
        let (elements, _) = self.split(list, at, |name| name == "sensorElement");
        let mut sensors = Vec::new();
        for (index, element) in elements.into_iter().enumerate() {
            let at = at.item("sensorElement", index);
            let (fields, foreign) = self.split(element, &at, |name| {
                matches!(name, "sensorMetadata" | "sensorReport")
            });
            let mut sensor = SensorElement {
                metadata: None,
                reports: Vec::new(),
                extensions: self.extensions(&foreign, 2, &at),
            };
            for field in fields {
                if field.tag_name().name() == "sensorMetadata" {
                    sensor.metadata =
                        Some(self.sensor_attributes(field, &at.child("sensorMetadata")));
                } else {
                    let at = at.item("sensorReport", sensor.reports.len());
                    sensor.reports.push(self.sensor_attributes(field, &at));
                }
            }
            if sensor.reports.is_empty() {
                self.require(None::<()>, &at.child("sensorReport"));
            }
            sensors.push(sensor);
        }
        sensors
    }

    /// `sensorMetadata` or `sensorReport`: standard attributes into their fields, attributes in
    /// a namespace of their own into extensions.
    fn sensor_attributes<T: SensorAttributes>(&mut self, node: Node, at: &At) -> T {
        let mut out = T::default();
        for attribute in node.attributes() {
            let value = attribute.value().trim();
            let at = at.child(attribute.name());
            if attribute.namespace().is_some() {
                let name = attribute_qname(node, &attribute);
                let value = ExtensionValue::Text(value.to_owned());
                out.extensions().push(Extension { name, value });
                continue;
            }
            match out.slot(attribute.name()) {
                Some(Slot::Text(field)) => *field = Some(value.to_owned()),
                Some(Slot::Time(field)) => *field = self.time(value, &at),
                Some(Slot::Cbv(field, vocabulary)) => {
                    *field = Some(self.cbv(value, vocabulary, &at))
                }
                Some(Slot::Bool(field)) => {
                    *field = match value {
                        "true" | "1" => Some(true),
                        "false" | "0" => Some(false),
                        _ => {
                            self.issue(&at, format!("{value:?} is not true or false"));
                            None
                        }
                    }
                }
                None => self.issue(&at, format!("is not an attribute of {}", T::ELEMENT)),
            }
        }
        out
    }

    fn vocabularies(&mut self, list: Node, at: &At) -> Vec<Vocabulary> {
        let mut vocabularies = Vec::new();
        let items = elements(list).filter(|node| node.tag_name().name() == "Vocabulary");
        for (index, node) in items.enumerate() {
            let at = at.item("Vocabulary", index);
            let vocabulary_type = node.attribute("type").map(str::trim).map(str::to_owned);
            let Some(vocabulary_type) = self.require(vocabulary_type, &at.child("type")) else {
                continue;
            };
            let mut vocabulary = Vocabulary {
                vocabulary_type,
                elements: Vec::new(),
            };
            let at = at.child("VocabularyElementList");
            let members = child(node, "VocabularyElementList")
                .into_iter()
                .flat_map(elements)
                .filter(|node| node.tag_name().name() == "VocabularyElement");
            for (index, member) in members.enumerate() {
                let at = at.item("VocabularyElement", index);
                vocabulary
                    .elements
                    .extend(self.vocabulary_element(member, &at));
            }
            vocabularies.push(vocabulary);
        }
        vocabularies
    }

    fn vocabulary_element(&mut self, node: Node, at: &At) -> Option<VocabularyElement> {
        let id = node.attribute("id").map(str::trim).map(str::to_owned);
        let id = self.require(id, &at.child("id"))?;
        let mut attributes = Vec::new();
        for (index, attribute) in elements(node)
            .filter(|node| node.tag_name().name() == "attribute")
            .enumerate()
        {
            let at = at.item("attribute", index);
            let attribute_id = attribute.attribute("id").map(str::trim).map(str::to_owned);
            if let Some(id) = self.require(attribute_id, &at.child("id")) {
                let value = self.content(attribute, 1, &at, Some("id"));
                attributes.push(MasterDataAttribute { id, value });
            }
        }
        let children = child(node, "children")
            .into_iter()
            .flat_map(elements)
            .map(text)
            .collect();
        Some(VocabularyElement {
            id,
            attributes,
            children,
        })
    }
}
