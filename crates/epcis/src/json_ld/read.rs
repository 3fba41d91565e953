//! JSON-LD into the model, after the schema and CBV checks have passed. Whatever the schema lets
//! through that the model cannot hold becomes an issue naming the event and the field.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::fields::{Body, BodyField, Kind, SENSOR_METADATA, SENSOR_REPORT, Slot};
use super::keep_first;
use super::names::{NameError, Prefixes, is_comment};
use super::path::At;
use crate::model::{
    Action, Document, DocumentKind, ErrorDeclaration, Event, Extension, ExtensionValue, Header,
    Location, MasterDataAttribute, PersistentDisposition, QuantityElement, SensorElement,
    TypedValue, Vocabulary as MasterData, VocabularyElement, parse_timestamp,
};
use crate::validate::{self, MAX_ISSUES, ValidationIssue};
use crate::vocab::Vocabulary;

/// How deep extension values may nest; deeper input is refused instead of risking the stack.
const MAX_DEPTH: usize = 64;

/// Whether the schema refuses `uri` written out as a value of `vocabulary` (a compact IRI can
/// reach it through a document's own prefix). The writer writes `https://gs1.org/voc/…` as
/// `gs1:…`, so that one form stays allowed.
fn unwritable(vocabulary: Vocabulary, uri: &str) -> bool {
    let refused: &[&str] = match vocabulary {
        Vocabulary::MeasurementType | Vocabulary::SensorAlert => &[
            "http://gs1.org/voc/",
            "http://www.gs1.org/voc/",
            "https://www.gs1.org/voc/",
        ],
        _ => &[
            "urn:epcglobal:cbv",
            "http://ns.gs1.org/cbv/",
            "https://ns.gs1.org/cbv/",
        ],
    };
    refused.iter().any(|start| uri.starts_with(start))
}

/// Reads an `EPCISDocument` or `EPCISQueryDocument`.
pub(super) fn document(text: &str) -> Result<Document, Vec<ValidationIssue>> {
    let mut root = parse(text)?;
    for list in [
        "/epcisBody/eventList",
        "/epcisBody/queryResults/resultsBody/eventList",
    ] {
        if let Some(Value::Array(events)) = root.pointer_mut(list) {
            events.iter_mut().for_each(cbv_urns_to_words);
        }
    }
    validate::validate_value(&root)?;
    let mut issues = Issues::default();
    let document = read_document(&root, &mut issues);
    issues.into_result(document)
}

/// Reads a single event object carrying its own `@context`.
pub(super) fn event(text: &str) -> Result<Event, Vec<ValidationIssue>> {
    let mut root = parse(text)?;
    cbv_urns_to_words(&mut root);
    validate::validate_value(&root)?;
    let mut issues = Issues::default();
    let prefixes = Prefixes::default();
    let mut reader = Reader::new(&prefixes, None, &mut issues);
    let event = reader.event(&root, &At::ROOT);
    issues.into_result(event)
}

/// Rewrites standard CBV 1.x URNs (`urn:epcglobal:cbv:bizstep:shipping`) in an event's
/// vocabulary fields as the bare words JSON-LD uses. The official schema refuses those URNs, but
/// older systems and XML-to-JSON converters still send them and they name exactly one standard
/// value, so they are accepted rather than bounced; a URN that names no standard value is left
/// for the schema to refuse.
fn cbv_urns_to_words(event: &mut Value) {
    fn rewrite(value: Option<&mut Value>, vocabulary: Vocabulary) {
        if let Some(Value::String(text)) = value
            && let Some(word) = crate::vocab::cbv_urn_to_web_uri(text.trim())
                .and_then(|uri| vocabulary.bare_word(&uri))
        {
            *text = word.to_owned();
        }
    }
    fn each(list: Option<&mut Value>, field: &str, vocabulary: Vocabulary) {
        if let Some(Value::Array(items)) = list {
            for item in items {
                let target = if field.is_empty() {
                    Some(item)
                } else {
                    item.get_mut(field)
                };
                rewrite(target, vocabulary);
            }
        }
    }
    rewrite(event.get_mut("bizStep"), Vocabulary::BizStep);
    rewrite(event.get_mut("disposition"), Vocabulary::Disposition);
    for side in ["set", "unset"] {
        each(
            event.pointer_mut(&format!("/persistentDisposition/{side}")),
            "",
            Vocabulary::Disposition,
        );
    }
    each(
        event.get_mut("bizTransactionList"),
        "type",
        Vocabulary::BizTransactionType,
    );
    for list in ["sourceList", "destinationList"] {
        each(
            event.get_mut(list),
            "type",
            Vocabulary::SourceDestinationType,
        );
    }
    rewrite(
        event.pointer_mut("/errorDeclaration/reason"),
        Vocabulary::ErrorReason,
    );
}

/// Reads a stored event without the schema check (see [`super::read_stored_event`]).
pub(super) fn stored_event(text: &str) -> Result<Event, Vec<ValidationIssue>> {
    let root = parse(text)?;
    let mut issues = Issues::default();
    let prefixes = Prefixes::default();
    let mut reader = Reader::new(&prefixes, None, &mut issues);
    let event = reader.event(&root, &At::ROOT);
    issues.into_result(event)
}

fn parse(text: &str) -> Result<Value, Vec<ValidationIssue>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|error| {
        vec![ValidationIssue {
            event_index: None,
            path: String::new(),
            message: format!("is not valid JSON ({error})"),
        }]
    })
}

/// The issues found so far, at most [`MAX_ISSUES`].
#[derive(Default)]
struct Issues(Vec<ValidationIssue>);

impl Issues {
    fn full(&self) -> bool {
        self.0.len() >= MAX_ISSUES
    }

    fn into_result<T>(mut self, value: Option<T>) -> Result<T, Vec<ValidationIssue>> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => {
                if self.0.is_empty() {
                    self.0.push(ValidationIssue {
                        event_index: None,
                        path: String::new(),
                        message: "cannot be read".to_owned(),
                    });
                }
                // As `validate` orders them: the document's own issues first, then by event.
                self.0
                    .sort_by_key(|issue| issue.event_index.map_or(0, |i| i + 1));
                Err(self.0)
            }
        }
    }
}

fn read_document(root: &Value, issues: &mut Issues) -> Option<Document> {
    let mut prefixes = Prefixes::default();
    if let Some(context) = root.get("@context") {
        prefixes.add_context(context);
    }
    let mut reader = Reader::new(&prefixes, None, issues);
    let fields = reader.object(root, &At::ROOT)?;
    let query = match fields.get("type").and_then(Value::as_str) {
        Some("EPCISDocument") => false,
        Some("EPCISQueryDocument") => true,
        _ => {
            reader.issue(
                &At::ROOT.key("type"),
                "must be EPCISDocument or EPCISQueryDocument",
            );
            return None;
        }
    };
    let mut header = Header::default();
    let mut extensions = DocumentExtensions::default();
    let (mut schema_version, mut creation_date, mut events) = (None, None, Vec::new());
    let (mut kind, mut has_list) = (DocumentKind::Capture, false);
    for (key, value) in fields {
        let at = At::ROOT.key(key);
        match key.as_str() {
            // `id` names the document itself, which the model does not keep.
            "@context" | "type" | "id" => {}
            "schemaVersion" => schema_version = reader.string(value, &at).map(str::to_owned),
            "creationDate" => creation_date = reader.time(value, &at),
            "sender" if !query => header.sender = reader.text(value, &at),
            "receiver" if !query => header.receiver = reader.text(value, &at),
            "instanceIdentifier" if !query => {
                header.instance_identifier = reader.text(value, &at);
            }
            "epcisHeader" if !query => {
                reader.header(value, &at, &mut header.master_data, &mut extensions);
            }
            "epcisBody" => {
                let Some(body) = reader.object(value, &at) else {
                    continue;
                };
                for (key, value) in body {
                    let at = at.key(key);
                    match key.as_str() {
                        "eventList" if !query => {
                            has_list = true;
                            events = reader.events(value, &at);
                        }
                        "queryResults" if query => {
                            has_list = true;
                            kind = reader.query_results(
                                value,
                                &at,
                                &mut events,
                                &mut header.master_data,
                                &mut extensions,
                            )?;
                        }
                        _ => extensions.add(&mut reader, key, value, &at),
                    }
                }
            }
            _ => extensions.add(&mut reader, key, value, &at),
        }
    }
    if !has_list {
        let list = if query { "queryResults" } else { "eventList" };
        reader.issue(&At::ROOT.key("epcisBody").key(list), "is required");
    }
    let creation_date = reader.required(creation_date, fields, "creationDate", &At::ROOT)?;
    header.extensions = extensions.list;
    Some(Document {
        kind,
        schema_version: schema_version.unwrap_or_else(|| "2.0".to_owned()),
        creation_date,
        header,
        events,
        namespaces: prefixes.into_sorted(),
    })
}

/// User extensions of the document itself (such as a repository's `ignoreFields`), wherever in
/// the header or body they were, kept as written: they take no part in any event.
#[derive(Default)]
struct DocumentExtensions {
    list: Vec<Extension>,
    keys: Vec<String>,
}

impl DocumentExtensions {
    fn add(&mut self, reader: &mut Reader, key: &str, value: &Value, at: &At) {
        // Writers put them all at the top, where one key can stand only once.
        if self.keys.iter().any(|k| k == key) {
            reader.issue(at, "is given twice among the document's own fields");
            return;
        }
        let before = self.list.len();
        let mut literal = Reader {
            literal: true,
            ..reader.reborrow()
        };
        literal.extension(key, value, at, 0, &mut self.list);
        if self.list.len() > before {
            self.keys.push(key.to_owned());
        }
    }
}

/// Reads values with the prefixes in scope, recording issues against one event (or none).
struct Reader<'p, 'i> {
    prefixes: &'p Prefixes,
    index: Option<usize>,
    issues: &'i mut Issues,
    /// Whether extension text is kept exactly as written instead of expanded.
    literal: bool,
}

impl<'p, 'i> Reader<'p, 'i> {
    fn new(prefixes: &'p Prefixes, index: Option<usize>, issues: &'i mut Issues) -> Self {
        Reader {
            prefixes,
            index,
            issues,
            literal: false,
        }
    }

    fn reborrow(&mut self) -> Reader<'p, '_> {
        Reader {
            prefixes: self.prefixes,
            index: self.index,
            issues: self.issues,
            literal: self.literal,
        }
    }

    fn issue(&mut self, at: &At, message: &str) {
        if !self.issues.full() {
            self.issues.0.push(ValidationIssue {
                event_index: self.index,
                path: at.render(),
                message: message.to_owned(),
            });
        }
    }

    /// `value`, or an issue saying why there is none: the field is absent (`is required`) or
    /// was already reported.
    fn required<T>(
        &mut self,
        value: Option<T>,
        fields: &Map<String, Value>,
        key: &str,
        at: &At,
    ) -> Option<T> {
        if value.is_none() && !fields.contains_key(key) {
            self.issue(&at.key(key), "is required");
        }
        value
    }

    fn object<'v>(&mut self, value: &'v Value, at: &At) -> Option<&'v Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            self.issue(at, "must be an object");
        }
        object
    }

    fn array<'v>(&mut self, value: &'v Value, at: &At) -> Option<&'v Vec<Value>> {
        let array = value.as_array();
        if array.is_none() {
            self.issue(at, "must be an array");
        }
        array
    }

    fn string<'v>(&mut self, value: &'v Value, at: &At) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.issue(at, "must be a string");
        }
        text.map(str::trim)
    }

    /// A string with a compact IRI expanded, as the event hash reads it.
    fn text(&mut self, value: &Value, at: &At) -> Option<String> {
        let text = self.string(value, at)?;
        Some(self.prefixes.expanded(text))
    }

    /// A vocabulary value in its one normal form (see [`Vocabulary::normalise`]), after any
    /// prefix the document declared.
    fn term(&mut self, vocabulary: Vocabulary, value: &Value, at: &At) -> Option<String> {
        let text = self.string(value, at)?;
        let uri = self.prefixes.term(vocabulary, text);
        if vocabulary.bare_word(&uri).is_none() && unwritable(vocabulary, &uri) {
            let message = format!(
                "stands for {uri}, which EPCIS 2.0 JSON-LD cannot carry (its schema refuses that \
                 URI written out)"
            );
            self.issue(at, &message);
            return None;
        }
        Some(uri)
    }

    fn time(&mut self, value: &Value, at: &At) -> Option<OffsetDateTime> {
        let text = self.string(value, at)?;
        // `parse_timestamp` slices by bytes; the schema only lets ASCII date-times through, and
        // this keeps that true whatever reaches here.
        let time = text.is_ascii().then(|| parse_timestamp(text)).flatten();
        if time.is_none() {
            self.issue(at, "must be a date-time (e.g. 2024-01-31T09:30:00+07:00)");
        }
        time
    }

    fn decimal(&mut self, value: &Value, at: &At) -> Option<String> {
        let number = value.as_number();
        if number.is_none() {
            self.issue(at, "must be a number");
        }
        number.map(ToString::to_string)
    }

    fn flag(&mut self, value: &Value, at: &At) -> Option<bool> {
        let flag = value.as_bool();
        if flag.is_none() {
            self.issue(at, "must be true or false");
        }
        flag
    }

    fn action(&mut self, value: &Value, at: &At) -> Option<Action> {
        let action = Action::parse(self.string(value, at)?);
        if action.is_none() {
            self.issue(at, "must be one of OBSERVE, ADD, DELETE");
        }
        action
    }

    fn offset(&mut self, value: &Value, at: &At) -> Option<String> {
        let text = self.string(value, at)?;
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            bytes
                .get(range)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        };
        let valid = bytes.len() == 6
            && matches!(bytes[0], b'+' | b'-')
            && digits(1..3)
            && bytes[3] == b':'
            && digits(4..6)
            && text[1..3] <= *"14"
            && text[4..6] < *"60";
        if !valid {
            self.issue(at, "must be a time zone offset like +07:00");
        }
        valid.then(|| text.to_owned())
    }

    /// The items of an array, each read by `item`; unreadable items are left out (their issues
    /// are recorded).
    fn list<T>(
        &mut self,
        value: &Value,
        at: &At,
        mut item: impl FnMut(&mut Self, &Value, &At) -> Option<T>,
    ) -> Vec<T> {
        let Some(items) = self.array(value, at) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, value)| item(self, value, &at.index(i)))
            .collect()
    }

    /// Strings of a list whose items the schema wants unique: two spellings that read as one
    /// value (a compact IRI and its expansion, two forms of one CBV term) are kept once, so the
    /// list stays valid when written.
    fn unique(
        &mut self,
        value: &Value,
        at: &At,
        read: fn(&mut Self, &Value, &At) -> Option<String>,
    ) -> Vec<String> {
        let mut values = self.list(value, at, read);
        keep_first(&mut values);
        values
    }

    /// A URI field that may hold one value or an array of them (`certificationInfo`).
    fn texts(&mut self, value: &Value, at: &At) -> Vec<String> {
        match value {
            Value::Array(_) => self.list(value, at, Self::text),
            _ => self.text(value, at).into_iter().collect(),
        }
    }

    fn events(&mut self, value: &Value, at: &At) -> Vec<Event> {
        let Some(items) = self.array(value, at) else {
            return Vec::new();
        };
        let mut events = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            // Past the cap nothing more is reported, so a million bad events cost no more.
            if self.issues.full() {
                break;
            }
            let mut reader = Reader {
                index: Some(index),
                ..self.reborrow()
            };
            events.extend(reader.event(item, &at.index(index)));
        }
        events
    }

    fn query_results(
        &mut self,
        value: &Value,
        at: &At,
        events: &mut Vec<Event>,
        master_data: &mut Vec<MasterData>,
        extensions: &mut DocumentExtensions,
    ) -> Option<DocumentKind> {
        let fields = self.object(value, at)?;
        let (mut query_name, mut subscription_id) = (None, None);
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "queryName" => query_name = self.string(value, &at).map(str::to_owned),
                "subscriptionID" => subscription_id = self.string(value, &at).map(str::to_owned),
                "resultsBody" => {
                    let Some(body) = self.object(value, &at) else {
                        continue;
                    };
                    for (key, value) in body {
                        let at = at.key(key);
                        match key.as_str() {
                            "eventList" => *events = self.events(value, &at),
                            "vocabularyList" => master_data.extend(self.vocabularies(value, &at)),
                            _ => extensions.add(self, key, value, &at),
                        }
                    }
                }
                _ => extensions.add(self, key, value, &at),
            }
        }
        let query_name = self.required(query_name, fields, "queryName", at)?;
        Some(DocumentKind::QueryResult {
            query_name,
            subscription_id,
        })
    }

    fn header(
        &mut self,
        value: &Value,
        at: &At,
        master_data: &mut Vec<MasterData>,
        extensions: &mut DocumentExtensions,
    ) {
        let Some(fields) = self.object(value, at) else {
            return;
        };
        for (key, value) in fields {
            let at = at.key(key);
            if key != "epcisMasterData" {
                extensions.add(self, key, value, &at);
                continue;
            }
            let Some(master) = self.object(value, &at) else {
                continue;
            };
            for (key, value) in master {
                let at = at.key(key);
                if key == "vocabularyList" {
                    master_data.extend(self.vocabularies(value, &at));
                } else {
                    extensions.add(self, key, value, &at);
                }
            }
        }
    }

    fn vocabularies(&mut self, value: &Value, at: &At) -> Vec<MasterData> {
        self.list(value, at, |r, value, at| {
            let fields = r.object(value, at)?;
            let (mut vocabulary_type, mut elements) = (None, Vec::new());
            for (key, value) in fields {
                let at = at.key(key);
                match key.as_str() {
                    "type" => vocabulary_type = r.text(value, &at),
                    "vocabularyElementList" => elements = r.list(value, &at, Self::element),
                    _ => r.not_kept(key, &at),
                }
            }
            Some(MasterData {
                vocabulary_type: r.required(vocabulary_type, fields, "type", at)?,
                elements,
            })
        })
    }

    fn element(&mut self, value: &Value, at: &At) -> Option<VocabularyElement> {
        let fields = self.object(value, at)?;
        let (mut id, mut attributes, mut children) = (None, Vec::new(), Vec::new());
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "id" => id = self.text(value, &at),
                "attributes" => attributes = self.list(value, &at, Self::attribute),
                "children" => children = self.list(value, &at, Self::text),
                _ => self.not_kept(key, &at),
            }
        }
        Some(VocabularyElement {
            id: self.required(id, fields, "id", at)?,
            attributes,
            children,
        })
    }

    fn attribute(&mut self, value: &Value, at: &At) -> Option<MasterDataAttribute> {
        let fields = self.object(value, at)?;
        let (mut id, mut attribute) = (None, None);
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "id" => id = self.text(value, &at),
                "attribute" => attribute = self.value(value, &at, 0),
                _ => self.not_kept(key, &at),
            }
        }
        Some(MasterDataAttribute {
            id: self.required(id, fields, "id", at)?,
            // An attribute without a value is a flag, as `<attribute id="…"/>` is in XML.
            value: attribute.unwrap_or_else(|| ExtensionValue::Text(String::new())),
        })
    }

    /// A field of a structure the model keeps no extensions for: comments are dropped, anything
    /// else would be lost, so it is refused.
    fn not_kept(&mut self, key: &str, at: &At) {
        if !is_comment(key) {
            self.issue(at, "is not allowed here");
        }
    }

    fn event(&mut self, value: &Value, at: &At) -> Option<Event> {
        let fields = self.object(value, at)?;
        let type_at = at.key("type");
        let kind = match fields.get("type") {
            None => {
                self.issue(&type_at, "is required");
                return None;
            }
            Some(name) => {
                let kind = Kind::parse(self.string(name, &type_at)?);
                if kind.is_none() {
                    self.issue(
                        &type_at,
                        "must be one of ObjectEvent, AggregationEvent, TransactionEvent, \
                         TransformationEvent, AssociationEvent",
                    );
                }
                kind?
            }
        };
        match fields.get("@context") {
            // The event's own prefixes add to (and may redefine) the document's.
            Some(context) => {
                let scoped = self.prefixes.with_context(context);
                Reader {
                    prefixes: &scoped,
                    ..self.reborrow()
                }
                .event_fields(kind, fields, at)
            }
            None => self.event_fields(kind, fields, at),
        }
    }

    fn event_fields(&mut self, kind: Kind, fields: &Map<String, Value>, at: &At) -> Option<Event> {
        let mut body = Body::default();
        let (mut event_id, mut event_time, mut record_time, mut offset) = (None, None, None, None);
        let (mut biz_step, mut disposition, mut persistent_disposition) = (None, None, None);
        let (mut read_point, mut biz_location, mut error_declaration) = (None, None, None);
        let (mut certification_info, mut biz_transaction_list) = (Vec::new(), Vec::new());
        let (mut source_list, mut destination_list) = (Vec::new(), Vec::new());
        let (mut sensor_element_list, mut extensions) = (Vec::new(), Vec::new());
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "@context" | "type" => {}
                "eventID" => event_id = self.text(value, &at),
                "eventTime" => event_time = self.time(value, &at),
                "recordTime" => record_time = self.time(value, &at),
                "eventTimeZoneOffset" => offset = self.offset(value, &at),
                "certificationInfo" => certification_info = self.texts(value, &at),
                "errorDeclaration" => error_declaration = self.error_declaration(value, &at),
                "bizStep" => biz_step = self.term(Vocabulary::BizStep, value, &at),
                "disposition" => disposition = self.term(Vocabulary::Disposition, value, &at),
                "persistentDisposition" => {
                    persistent_disposition = self.persistent_disposition(value, &at);
                }
                "readPoint" => read_point = self.location(value, &at),
                "bizLocation" => biz_location = self.location(value, &at),
                "bizTransactionList" => {
                    biz_transaction_list = self.typed_list(
                        value,
                        &at,
                        "bizTransaction",
                        Vocabulary::BizTransactionType,
                    );
                }
                "sourceList" => {
                    source_list =
                        self.typed_list(value, &at, "source", Vocabulary::SourceDestinationType);
                }
                "destinationList" => {
                    destination_list = self.typed_list(
                        value,
                        &at,
                        "destination",
                        Vocabulary::SourceDestinationType,
                    );
                }
                "sensorElementList" => {
                    sensor_element_list = self.list(value, &at, Self::sensor_element);
                }
                _ => match kind.field(key) {
                    Some(field) => self.body_field(&mut body, field, value, &at),
                    // A plain name is a standard field of another type (or a typo).
                    None if !key.contains(':') && !is_comment(key) => {
                        let message = format!("is not allowed in {}", kind.with_article());
                        self.issue(&at, &message);
                    }
                    None => self.extension(key, value, &at, 0, &mut extensions),
                },
            }
        }
        let event_time = self.required(event_time, fields, "eventTime", at);
        let offset = self.required(offset, fields, "eventTimeZoneOffset", at);
        let body = match body.build(kind) {
            Ok(body) => Some(body),
            Err(missing) => self.required(None, fields, missing, at),
        };
        Some(Event {
            event_id,
            event_time: event_time?,
            event_time_zone_offset: offset?,
            record_time,
            certification_info,
            error_declaration,
            body: body?,
            biz_step,
            disposition,
            persistent_disposition,
            read_point,
            biz_location,
            biz_transaction_list,
            source_list,
            destination_list,
            sensor_element_list,
            extensions,
        })
    }

    fn body_field(&mut self, body: &mut Body, field: BodyField, value: &Value, at: &At) {
        match field {
            BodyField::Action => body.action = self.action(value, at),
            BodyField::ParentId => body.parent_id = self.text(value, at),
            BodyField::Epcs => body.epcs = self.unique(value, at, Self::text),
            BodyField::OutputEpcs => body.output_epcs = self.unique(value, at, Self::text),
            BodyField::Quantities => body.quantities = self.list(value, at, Self::quantity),
            BodyField::OutputQuantities => {
                body.output_quantities = self.list(value, at, Self::quantity);
            }
            BodyField::TransformationId => body.transformation_id = self.text(value, at),
            BodyField::Ilmd => body.ilmd = self.extension_object(value, at),
        }
    }

    fn quantity(&mut self, value: &Value, at: &At) -> Option<QuantityElement> {
        let fields = self.object(value, at)?;
        let (mut epc_class, mut quantity, mut uom) = (None, None, None);
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "epcClass" => epc_class = self.text(value, &at),
                "quantity" => quantity = self.decimal(value, &at),
                "uom" => uom = self.text(value, &at),
                _ => self.not_kept(key, &at),
            }
        }
        Some(QuantityElement {
            epc_class: self.required(epc_class, fields, "epcClass", at)?,
            quantity,
            uom,
        })
    }

    fn persistent_disposition(&mut self, value: &Value, at: &At) -> Option<PersistentDisposition> {
        let fields = self.object(value, at)?;
        let mut disposition = PersistentDisposition::default();
        let disposition_term: fn(&mut Self, &Value, &At) -> Option<String> =
            |r, value, at| r.term(Vocabulary::Disposition, value, at);
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "set" => disposition.set = self.unique(value, &at, disposition_term),
                "unset" => disposition.unset = self.unique(value, &at, disposition_term),
                _ => self.not_kept(key, &at),
            }
        }
        Some(disposition)
    }

    fn location(&mut self, value: &Value, at: &At) -> Option<Location> {
        let fields = self.object(value, at)?;
        let (mut id, mut extensions) = (None, Vec::new());
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "id" => id = self.text(value, &at),
                _ => self.extension(key, value, &at, 0, &mut extensions),
            }
        }
        Some(Location {
            id: self.required(id, fields, "id", at)?,
            extensions,
        })
    }

    /// `bizTransactionList`, `sourceList` or `destinationList`: items `{"type": …, item: …}`.
    fn typed_list(
        &mut self,
        value: &Value,
        at: &At,
        item: &str,
        vocabulary: Vocabulary,
    ) -> Vec<TypedValue> {
        self.list(value, at, |r, value, at| {
            let fields = r.object(value, at)?;
            let (mut kind, mut identifier) = (None, None);
            for (key, value) in fields {
                let at = at.key(key);
                if key == "type" {
                    kind = r.term(vocabulary, value, &at);
                } else if key == item {
                    identifier = r.text(value, &at);
                } else {
                    r.not_kept(key, &at);
                }
            }
            Some(TypedValue {
                kind,
                value: r.required(identifier, fields, item, at)?,
            })
        })
    }

    fn error_declaration(&mut self, value: &Value, at: &At) -> Option<ErrorDeclaration> {
        let fields = self.object(value, at)?;
        let (mut declaration_time, mut reason) = (None, None);
        let (mut corrective_event_ids, mut extensions) = (Vec::new(), Vec::new());
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "declarationTime" => declaration_time = self.time(value, &at),
                "reason" => reason = self.term(Vocabulary::ErrorReason, value, &at),
                "correctiveEventIDs" => corrective_event_ids = self.list(value, &at, Self::text),
                _ => self.extension(key, value, &at, 0, &mut extensions),
            }
        }
        Some(ErrorDeclaration {
            declaration_time: self.required(declaration_time, fields, "declarationTime", at)?,
            reason,
            corrective_event_ids,
            extensions,
        })
    }

    fn sensor_element(&mut self, value: &Value, at: &At) -> Option<SensorElement> {
        let fields = self.object(value, at)?;
        let (mut metadata, mut reports, mut extensions) = (None, Vec::new(), Vec::new());
        for (key, value) in fields {
            let at = at.key(key);
            match key.as_str() {
                "sensorMetadata" => metadata = self.slots(value, &at, SENSOR_METADATA),
                "sensorReport" => {
                    reports =
                        self.list(value, &at, |r, value, at| r.slots(value, at, SENSOR_REPORT));
                }
                _ => self.extension(key, value, &at, 0, &mut extensions),
            }
        }
        Some(SensorElement {
            metadata,
            reports,
            extensions,
        })
    }

    /// A sensor structure: its scalar fields from `table`, anything else an extension.
    fn slots<T: Default + HasExtensions>(
        &mut self,
        value: &Value,
        at: &At,
        table: &[(&str, Slot<T>)],
    ) -> Option<T> {
        let fields = self.object(value, at)?;
        let mut out = T::default();
        for (key, value) in fields {
            let at = at.key(key);
            match table.iter().find(|(name, _)| name == key) {
                Some((_, Slot::Text(_, slot))) => *slot(&mut out) = self.text(value, &at),
                Some((_, Slot::Decimal(_, slot))) => *slot(&mut out) = self.decimal(value, &at),
                Some((_, Slot::Term(vocabulary, _, slot))) => {
                    *slot(&mut out) = self.term(*vocabulary, value, &at);
                }
                Some((_, Slot::Time(_, slot))) => *slot(&mut out) = self.time(value, &at),
                Some((_, Slot::Flag(_, slot))) => *slot(&mut out) = self.flag(value, &at),
                None => self.extension(key, value, &at, 0, out.extensions()),
            }
        }
        Some(out)
    }

    /// `ilmd`: an object of extension fields.
    fn extension_object(&mut self, value: &Value, at: &At) -> Option<Vec<Extension>> {
        let fields = self.object(value, at)?;
        let mut extensions = Vec::new();
        for (key, value) in fields {
            self.extension(key, value, &at.key(key), 0, &mut extensions);
        }
        Some(extensions)
    }

    /// Appends the extension field `key: value`: where standard fields end (`depth` 0) its key
    /// must be `prefix:local`, inside an extension value a plain name is allowed too.
    fn extension(
        &mut self,
        key: &str,
        value: &Value,
        at: &At,
        depth: usize,
        out: &mut Vec<Extension>,
    ) {
        if key == "@context" || is_comment(key) {
            return;
        }
        match self.prefixes.name(key, depth > 0) {
            Ok(name) => {
                if let Some(value) = self.value(value, at, depth) {
                    out.push(Extension { name, value });
                }
            }
            Err(NameError::Undeclared(prefix)) => {
                let message =
                    format!("uses the prefix {prefix}:, which no @context in scope declares");
                self.issue(at, &message);
            }
            Err(NameError::NotAnExtension) => self.issue(at, "is not allowed here"),
            Err(NameError::NoNamespace(prefix)) => {
                let message = format!(
                    "uses the prefix {prefix}:, which @context binds to an empty IRI; \
                     an extension field needs a namespace"
                );
                self.issue(at, &message);
            }
        }
    }

    /// An extension value; `None` for JSON `null`, which JSON-LD reads as no value at all.
    fn value(&mut self, value: &Value, at: &At, depth: usize) -> Option<ExtensionValue> {
        if depth > MAX_DEPTH {
            self.issue(at, &format!("nests deeper than {MAX_DEPTH} levels"));
            return None;
        }
        Some(match value {
            Value::Null => return None,
            Value::Bool(flag) => ExtensionValue::Boolean(*flag),
            Value::Number(number) => ExtensionValue::Number(number.to_string()),
            Value::String(text) if self.literal => ExtensionValue::Text(text.clone()),
            Value::String(text) => ExtensionValue::Text(self.prefixes.expanded(text.trim())),
            Value::Array(items) => ExtensionValue::List(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.value(item, &at.index(i), depth + 1))
                    .collect(),
            ),
            Value::Object(members) => {
                let mut fields = Vec::new();
                for (key, value) in members {
                    self.extension(key, value, &at.key(key), depth + 1, &mut fields);
                }
                ExtensionValue::Fields(fields)
            }
        })
    }
}

/// Sensor structures keep their extension fields in one list.
trait HasExtensions {
    fn extensions(&mut self) -> &mut Vec<Extension>;
}

impl HasExtensions for crate::model::SensorMetadata {
    fn extensions(&mut self) -> &mut Vec<Extension> {
        &mut self.extensions
    }
}

impl HasExtensions for crate::model::SensorReport {
    fn extensions(&mut self) -> &mut Vec<Extension> {
        &mut self.extensions
    }
}
