//! The model as EPCIS 2.0 XML.

use nguon_gs1::PrefixLengths;

use super::{
    Cbv, EPC_LISTS, EPCIS_2, EPCIS_QUERY_2, GS1_VOC, HEAD, Kind, QUANTITY_LISTS, SBDH,
    SensorAttributes, Slot, TYPED_LISTS, XML_NAMESPACE, epc_lists, quantity_lists,
};
use crate::identifier::spell;
use crate::model::{
    CbvXmlFormat, Document, DocumentKind, EpcFormat, ErrorDeclaration, Event, EventBody, Extension,
    ExtensionValue, Header, Location, QName, QuantityElement, SensorElement, TypedValue,
    Vocabulary, format_timestamp,
};

/// How [`write_document`] spells identifiers and CBV values.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions<'a> {
    /// EPC URNs or GS1 Digital Link URIs (the `GS1-EPC-Format` header).
    pub epc_format: EpcFormat,
    /// CBV URNs or web URIs (the `GS1-CBV-XML-Format` header).
    pub cbv_format: CbvXmlFormat,
    /// Company prefix lengths, to turn a Digital Link into an EPC URN.
    pub prefix_lengths: &'a PrefixLengths,
}

/// Writes a document as EPCIS 2.0 XML: an `epcis:EPCISDocument`, or an `epcisq:EPCISQueryDocument`
/// for query results, with every namespace its extensions use declared on the root.
pub fn write_document(document: &Document, options: &WriteOptions<'_>) -> String {
    let (root, prefix, namespace) = match document.kind {
        DocumentKind::Capture => ("EPCISDocument", "epcis", EPCIS_2),
        DocumentKind::QueryResult { .. } => ("EPCISQueryDocument", "epcisq", EPCIS_QUERY_2),
    };
    let mut writer = Writer {
        options,
        out: String::new(),
        depth: 1,
        prefixes: Prefixes::new(prefix, namespace, &document.namespaces),
    };
    writer.header(&document.header, document);
    writer.open("EPCISBody", &[]);
    match &document.kind {
        DocumentKind::Capture => writer.events(&document.events),
        DocumentKind::QueryResult {
            query_name,
            subscription_id,
        } => {
            let results = format!("{prefix}:QueryResults");
            writer.open(&results, &[]);
            writer.leaf("queryName", &[], query_name);
            if let Some(id) = subscription_id {
                writer.leaf("subscriptionID", &[], id);
            }
            writer.open("resultsBody", &[]);
            writer.events(&document.events);
            writer.close("resultsBody");
            writer.close(&results);
        }
    }
    writer.close("EPCISBody");
    // The XSD admits the document's own foreign elements only after the body.
    writer.extensions(&document.header.extensions);

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<{prefix}:{root}"));
    // The root's own prefix first, then the others by name: a document read and written again
    // declares the same prefixes in the same order, whatever order they were needed in.
    let (own, others) = writer.prefixes.bound.split_at_mut(1);
    others.sort();
    for (prefix, namespace) in own.iter().chain(others.iter()) {
        if namespace != XML_NAMESPACE {
            push_attribute(&mut out, &format!("xmlns:{prefix}"), namespace);
        }
    }
    push_attribute(&mut out, "schemaVersion", "2.0");
    push_attribute(
        &mut out,
        "creationDate",
        &format_timestamp(document.creation_date),
    );
    out.push_str(">\n");
    out.push_str(&writer.out);
    out.push_str(&format!("</{prefix}:{root}>\n"));
    out
}

/// Namespace prefixes bound on the root, in the order they were first needed.
struct Prefixes {
    bound: Vec<(String, String)>,
}

impl Prefixes {
    /// The root's own prefix, then the document's prefixes where they are usable, by name: where
    /// two name one namespace, the first by name is the one used, whatever the declaration order.
    fn new(prefix: &str, namespace: &str, declared: &[(String, String)]) -> Prefixes {
        let mut prefixes = Prefixes {
            bound: vec![
                (prefix.to_owned(), namespace.to_owned()),
                ("xml".to_owned(), XML_NAMESPACE.to_owned()),
            ],
        };
        let mut declared: Vec<_> = declared.iter().collect();
        declared.sort();
        for (prefix, namespace) in declared {
            if is_prefix(prefix) && !namespace.is_empty() && prefixes.namespace(prefix).is_none() {
                prefixes.bound.push((prefix.clone(), namespace.clone()));
            }
        }
        prefixes
    }

    fn namespace(&self, prefix: &str) -> Option<&str> {
        self.bound
            .iter()
            .find(|(bound, _)| bound == prefix)
            .map(|(_, namespace)| namespace.as_str())
    }

    /// The prefix of `namespace`, bound now if it has none: the hint when it is free, else the
    /// first free `ns1`, `ns2`….
    fn prefix(&mut self, namespace: &str, hint: Option<&str>) -> String {
        if let Some((prefix, _)) = self.bound.iter().find(|(_, bound)| bound == namespace) {
            return prefix.clone();
        }
        let prefix = hint
            .filter(|hint| is_prefix(hint) && self.namespace(hint).is_none())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                (1..)
                    .map(|n| format!("ns{n}"))
                    .find(|prefix| self.namespace(prefix).is_none())
                    .unwrap_or_default()
            });
        self.bound.push((prefix.clone(), namespace.to_owned()));
        prefix
    }

    /// The name as written: `prefix:local`, or `local` for a name in no namespace.
    fn qualify(&mut self, name: &QName) -> String {
        if name.namespace.is_empty() {
            return name.local.clone();
        }
        let prefix = self.prefix(&name.namespace, name.prefix.as_deref());
        format!("{prefix}:{}", name.local)
    }

    /// Whether `gs1:` means the GS1 Web Vocabulary, binding it if it is free; the writer then
    /// uses the CURIEs the XML binding shows for measurement types.
    fn gs1(&mut self) -> bool {
        match self.namespace("gs1") {
            Some(namespace) => namespace == GS1_VOC,
            None => {
                self.bound.push(("gs1".to_owned(), GS1_VOC.to_owned()));
                true
            }
        }
    }
}

/// An XML namespace prefix (an NCName not starting with `xml`), so that a hint from JSON-LD
/// never produces a broken document.
fn is_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !prefix.to_ascii_lowercase().starts_with("xml")
}

/// Appends ` name="value"` with the value escaped.
fn push_attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape(value, true, out);
    out.push('"');
}

/// Appends `text` escaped as XML character data, for other writers of XML (problem documents).
pub fn escape_text(text: &str, out: &mut String) {
    escape(text, false, out);
}

/// Escapes text or an attribute value; characters XML 1.0 cannot carry at all become U+FFFD,
/// and line ends and tabs in attributes are written as references so they survive
/// attribute-value normalisation.
fn escape(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. => {
                out.push(c);
            }
            _ => out.push('\u{FFFD}'),
        }
    }
}

fn parent_id(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::Aggregation { parent_id, .. } | EventBody::Transaction { parent_id, .. } => {
            parent_id.as_deref()
        }
        EventBody::Association { parent_id, .. } => Some(parent_id),
        EventBody::Object { .. } | EventBody::Transformation { .. } => None,
    }
}

fn ilmd(body: &EventBody) -> Option<&[Extension]> {
    match body {
        EventBody::Object { ilmd, .. } | EventBody::Transformation { ilmd, .. } => ilmd.as_deref(),
        _ => None,
    }
}

fn typed_list<'a>(event: &'a Event, list: &str) -> &'a [TypedValue] {
    match list {
        "bizTransactionList" => &event.biz_transaction_list,
        "sourceList" => &event.source_list,
        _ => &event.destination_list,
    }
}

struct Writer<'a> {
    options: &'a WriteOptions<'a>,
    out: String,
    depth: usize,
    prefixes: Prefixes,
}

impl Writer<'_> {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attributes: &[(String, String)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (attribute, value) in attributes {
            push_attribute(&mut self.out, attribute, value);
        }
    }

    fn open(&mut self, name: &str, attributes: &[(String, String)]) {
        self.start_tag(name, attributes);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// An element with text only (or nothing at all).
    fn leaf(&mut self, name: &str, attributes: &[(String, String)], text: &str) {
        self.start_tag(name, attributes);
        if text.is_empty() {
            self.out.push_str("/>\n");
        } else {
            self.out.push('>');
            escape(text, false, &mut self.out);
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
    }

    fn identifier(&self, value: &str) -> String {
        spell(value, self.options.epc_format, self.options.prefix_lengths)
    }

    /// A normalised CBV value as the options ask: the `gs1:` CURIE where the binding has one,
    /// else the URN or the web URI.
    fn cbv(&mut self, vocabulary: Cbv, uri: &str) -> String {
        if let Some(curie) = vocabulary.curie(uri)
            && self.prefixes.gs1()
        {
            return curie;
        }
        match self.options.cbv_format {
            CbvXmlFormat::NoPreference | CbvXmlFormat::AlwaysUrn => {
                vocabulary.urn(uri).unwrap_or_else(|| uri.to_owned())
            }
            CbvXmlFormat::AlwaysWebUri | CbvXmlFormat::NeverTranslates => uri.to_owned(),
        }
    }

    fn header(&mut self, header: &Header, document: &Document) {
        let sbdh = header.sender.is_some()
            || header.receiver.is_some()
            || header.instance_identifier.is_some();
        if !sbdh && header.master_data.is_empty() {
            return;
        }
        self.open("EPCISHeader", &[]);
        if sbdh {
            self.sbdh(header, document);
        }
        if !header.master_data.is_empty() {
            self.open("extension", &[]);
            self.open("EPCISMasterData", &[]);
            self.open("VocabularyList", &[]);
            for vocabulary in &header.master_data {
                self.vocabulary(vocabulary);
            }
            self.close("VocabularyList");
            self.close("EPCISMasterData");
            self.close("extension");
        }
        self.close("EPCISHeader");
    }

    /// The Standard Business Document Header, with the fields its schema requires around the
    /// three the model keeps.
    fn sbdh(&mut self, header: &Header, document: &Document) {
        let root = self.sbdh_name("StandardBusinessDocumentHeader");
        self.open(&root, &[]);
        let version = self.sbdh_name("HeaderVersion");
        self.leaf(&version, &[], "1.0");
        for (partner, identifier) in [("Sender", &header.sender), ("Receiver", &header.receiver)] {
            if let Some(identifier) = identifier {
                let partner = self.sbdh_name(partner);
                let id = self.sbdh_name("Identifier");
                self.open(&partner, &[]);
                self.leaf(&id, &[], identifier);
                self.close(&partner);
            }
        }
        let identification = self.sbdh_name("DocumentIdentification");
        self.open(&identification, &[]);
        let creation = format_timestamp(document.creation_date);
        let instance = header.instance_identifier.as_deref().unwrap_or_default();
        for (local, value) in [
            ("Standard", "EPCglobal"),
            ("TypeVersion", "2.0"),
            ("InstanceIdentifier", instance),
            ("Type", "Events"),
            ("CreationDateAndTime", &creation),
        ] {
            let element = self.sbdh_name(local);
            self.leaf(&element, &[], value);
        }
        self.close(&identification);
        self.close(&root);
    }

    fn sbdh_name(&mut self, local: &str) -> String {
        self.prefixes.qualify(&QName {
            namespace: SBDH.to_owned(),
            local: local.to_owned(),
            prefix: Some("sbdh".to_owned()),
        })
    }

    fn vocabulary(&mut self, vocabulary: &Vocabulary) {
        let kind = [("type".to_owned(), vocabulary.vocabulary_type.clone())];
        self.open("Vocabulary", &kind);
        self.open("VocabularyElementList", &[]);
        for element in &vocabulary.elements {
            self.open(
                "VocabularyElement",
                &[("id".to_owned(), element.id.clone())],
            );
            for attribute in &element.attributes {
                let id = vec![("id".to_owned(), attribute.id.clone())];
                self.value("attribute", id, &attribute.value);
            }
            if !element.children.is_empty() {
                self.open("children", &[]);
                for child in &element.children {
                    self.leaf("id", &[], child);
                }
                self.close("children");
            }
            self.close("VocabularyElement");
        }
        self.close("VocabularyElementList");
        self.close("Vocabulary");
    }

    fn events(&mut self, events: &[Event]) {
        if events.is_empty() {
            self.leaf("EventList", &[], "");
            return;
        }
        self.open("EventList", &[]);
        for event in events {
            let kind = Kind::of(&event.body);
            self.open(kind.name(), &[]);
            for field in HEAD.iter().chain(kind.fields()) {
                self.field(event, field);
            }
            self.extensions(&event.extensions);
            self.close(kind.name());
        }
        self.close("EventList");
    }

    fn optional_leaf(&mut self, name: &str, value: Option<String>) {
        if let Some(value) = value {
            self.leaf(name, &[], &value);
        }
    }

    fn field(&mut self, event: &Event, name: &str) {
        let body = &event.body;
        match name {
            "eventTime" => self.leaf(name, &[], &format_timestamp(event.event_time)),
            "recordTime" => self.optional_leaf(name, event.record_time.map(format_timestamp)),
            "eventTimeZoneOffset" => self.leaf(name, &[], &event.event_time_zone_offset),
            "eventID" => self.optional_leaf(name, event.event_id.clone()),
            "errorDeclaration" => {
                if let Some(declaration) = &event.error_declaration {
                    self.error_declaration(declaration);
                }
            }
            "certificationInfo" => {
                for info in &event.certification_info {
                    self.leaf(name, &[], info);
                }
            }
            "action" => self.optional_leaf(name, body.action().map(|a| a.as_str().to_owned())),
            "parentID" => self.optional_leaf(name, parent_id(body).map(|id| self.identifier(id))),
            "transformationID" => {
                if let EventBody::Transformation {
                    transformation_id: Some(id),
                    ..
                } = body
                {
                    self.leaf(name, &[], id);
                }
            }
            "bizStep" => {
                let value = event.biz_step.as_deref().map(|v| self.cbv(Cbv::BizStep, v));
                self.optional_leaf(name, value);
            }
            "disposition" => {
                let value = (event.disposition.as_deref()).map(|v| self.cbv(Cbv::Disposition, v));
                self.optional_leaf(name, value);
            }
            "persistentDisposition" => {
                if let Some(disposition) = &event.persistent_disposition {
                    self.open(name, &[]);
                    for (part, values) in [("unset", &disposition.unset), ("set", &disposition.set)]
                    {
                        for value in values {
                            let value = self.cbv(Cbv::Disposition, value);
                            self.leaf(part, &[], &value);
                        }
                    }
                    self.close(name);
                }
            }
            "readPoint" => self.location(name, event.read_point.as_ref()),
            "bizLocation" => self.location(name, event.biz_location.as_ref()),
            "sensorElementList" => self.sensor_elements(&event.sensor_element_list),
            "ilmd" => {
                if let Some(ilmd) = ilmd(body) {
                    self.open(name, &[]);
                    self.extensions(ilmd);
                    self.close(name);
                }
            }
            _ => {
                if let Some(i) = EPC_LISTS.iter().position(|list| *list == name) {
                    self.epc_list(name, epc_lists(body)[i]);
                } else if let Some(i) = QUANTITY_LISTS.iter().position(|list| *list == name) {
                    self.quantity_list(name, quantity_lists(body)[i]);
                } else if let Some((list, item, vocabulary)) =
                    TYPED_LISTS.iter().find(|(list, ..)| *list == name)
                {
                    self.typed_list(list, item, *vocabulary, typed_list(event, list));
                }
            }
        }
    }

    fn epc_list(&mut self, name: &str, epcs: &[String]) {
        if epcs.is_empty() {
            return;
        }
        self.open(name, &[]);
        for epc in epcs {
            let epc = self.identifier(epc);
            self.leaf("epc", &[], &epc);
        }
        self.close(name);
    }

    fn quantity_list(&mut self, name: &str, quantities: &[QuantityElement]) {
        if quantities.is_empty() {
            return;
        }
        self.open(name, &[]);
        for element in quantities {
            self.open("quantityElement", &[]);
            let class = self.identifier(&element.epc_class);
            self.leaf("epcClass", &[], &class);
            self.optional_leaf("quantity", element.quantity.clone());
            self.optional_leaf("uom", element.uom.clone());
            self.close("quantityElement");
        }
        self.close(name);
    }

    fn typed_list(&mut self, name: &str, item: &str, vocabulary: Cbv, values: &[TypedValue]) {
        if values.is_empty() {
            return;
        }
        self.open(name, &[]);
        for value in values {
            let kind = value.kind.as_deref().map(|kind| self.cbv(vocabulary, kind));
            let attributes: Vec<_> = kind
                .map(|kind| ("type".to_owned(), kind))
                .into_iter()
                .collect();
            let text = self.identifier(&value.value);
            self.leaf(item, &attributes, &text);
        }
        self.close(name);
    }

    fn location(&mut self, name: &str, location: Option<&Location>) {
        let Some(location) = location else {
            return;
        };
        self.open(name, &[]);
        let id = self.identifier(&location.id);
        self.leaf("id", &[], &id);
        self.extensions(&location.extensions);
        self.close(name);
    }

    fn error_declaration(&mut self, declaration: &ErrorDeclaration) {
        self.open("errorDeclaration", &[]);
        let time = format_timestamp(declaration.declaration_time);
        self.leaf("declarationTime", &[], &time);
        let reason = (declaration.reason.as_deref()).map(|r| self.cbv(Cbv::ErrorReason, r));
        self.optional_leaf("reason", reason);
        if !declaration.corrective_event_ids.is_empty() {
            self.open("correctiveEventIDs", &[]);
            for id in &declaration.corrective_event_ids {
                self.leaf("correctiveEventID", &[], id);
            }
            self.close("correctiveEventIDs");
        }
        self.extensions(&declaration.extensions);
        self.close("errorDeclaration");
    }

    fn sensor_elements(&mut self, sensors: &[SensorElement]) {
        if sensors.is_empty() {
            return;
        }
        self.open("sensorElementList", &[]);
        for sensor in sensors {
            self.open("sensorElement", &[]);
            if let Some(metadata) = &sensor.metadata {
                self.sensor_attributes(metadata);
            }
            for report in &sensor.reports {
                self.sensor_attributes(report);
            }
            self.extensions(&sensor.extensions);
            self.close("sensorElement");
        }
        self.close("sensorElementList");
    }

    fn sensor_attributes<T: SensorAttributes>(&mut self, element: &T) {
        // `slot` is the one place that maps attribute names to fields; a copy lends it out
        // mutably so the writer needs no second, read-only mapping.
        let mut copy = element.clone();
        let mut attributes = Vec::new();
        for name in T::NAMES {
            let value = match copy.slot(name) {
                Some(Slot::Text(value)) => value.clone(),
                Some(Slot::Time(time)) => time.map(format_timestamp),
                Some(Slot::Cbv(value, vocabulary)) => {
                    value.as_deref().map(|value| self.cbv(vocabulary, value))
                }
                Some(Slot::Bool(value)) => value.map(|value| value.to_string()),
                None => None,
            };
            attributes.extend(value.map(|value| ((*name).to_owned(), value)));
        }
        for extension in copy.extensions().iter() {
            if let Some(value) = extension.value.as_text() {
                attributes.push((self.prefixes.qualify(&extension.name), value.to_owned()));
            }
        }
        self.leaf(T::ELEMENT, &attributes, "");
    }

    fn extensions<'e>(&mut self, extensions: impl IntoIterator<Item = &'e Extension>) {
        for extension in extensions {
            let name = self.prefixes.qualify(&extension.name);
            self.value(&name, Vec::new(), &extension.value);
        }
    }

    /// An extension value as the element `name` (repeated for a list), with `attributes`.
    fn value(&mut self, name: &str, mut attributes: Vec<(String, String)>, value: &ExtensionValue) {
        match value {
            ExtensionValue::List(items) => {
                for item in items {
                    self.value(name, attributes.clone(), item);
                }
            }
            ExtensionValue::Fields(fields) if !fields.is_empty() => {
                // An attribute in the XML namespace (`xml:lang`) next to child elements is read
                // as a field, as it hashes, but no element may take that namespace: it goes back
                // as the attribute it was.
                let mut children = Vec::with_capacity(fields.len());
                for field in fields {
                    match &field.value {
                        ExtensionValue::Text(text) if field.name.namespace == XML_NAMESPACE => {
                            attributes.push((self.prefixes.qualify(&field.name), text.clone()));
                        }
                        _ => children.push(field),
                    }
                }
                self.open(name, &attributes);
                self.extensions(children);
                self.close(name);
            }
            ExtensionValue::Attributed {
                text,
                attributes: more,
            } => {
                for attribute in more {
                    if let Some(value) = attribute.value.as_text() {
                        let name = self.prefixes.qualify(&attribute.name);
                        attributes.push((name, value.to_owned()));
                    }
                }
                self.leaf(name, &attributes, text);
            }
            scalar => self.leaf(name, &attributes, scalar.as_text().unwrap_or_default()),
        }
    }
}
