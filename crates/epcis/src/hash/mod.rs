//! The CBV 2.0 EPCIS event hash: a canonical pre-hash string per event, hashed with SHA-256 and
//! written as an RFC 6920 `ni` URI, `ni:///sha-256;<hex>?ver=CBV2.0`.
//!
//! Both syntaxes are first read into one small tree per event, shaped like the EPCIS XML binding
//! (JSON-LD lists become repeated child elements, XML attributes become children), so the pre-hash
//! is computed by one piece of code whatever the input was. That is what makes a JSON-LD event and
//! its XML twin hash the same.
//!
//! Where the CBV text leaves a choice open, this module does what the GS1 reference implementation
//! (github.com/RalphTro/epcis-event-hash-generator, the source of the standard's worked examples)
//! does, because a hash is only useful if other implementations compute the same one; its test
//! examples are reproduced exactly (`tests/event_hash.rs`):
//! * property order: `eventType`, `eventTime`, `eventTimeZoneOffset`, `certificationInfo`,
//!   `parentID`, the EPC and quantity lists, `action`, `transformationID`, `bizStep`,
//!   `disposition`, `persistentDisposition`, `readPoint`, `bizLocation`, `sensorElementList`;
//!   then, sorted together as strings, `bizTransactionList`, `destinationList`, `ilmd`,
//!   `sourceList`, user extensions and any other field;
//! * `eventID`, `recordTime` and `errorDeclaration` are left out, and so are the fields a document
//!   names in an `ignoreFields` list (any namespace) at its top or in its query results;
//! * extensions inside `readPoint`, `bizLocation`, quantity and sensor structures follow their
//!   parent's standard fields, sorted; a non-standard, un-namespaced child of such a structure is
//!   hashed again, with its ancestors' names, among the event's other fields;
//! * numbers are read as IEEE doubles (so digits beyond the 17th are rounded, as in the examples).
//!
//! Deliberate differences from the reference (each is listed, with how often it shows, in
//! `scripts/hash-differential/README.md`): a millisecond tie rounds up as the algorithm's text
//! says, JSON booleans are written `true`/`false` as in XML, the `gs1:`, `cbv:` and `epcis:` CURIE
//! prefixes are expanded in JSON-LD values even when the document does not declare them, bare CBV
//! words are expanded only in the fields whose vocabulary they belong to, an extension inside a
//! standard structure is recognised whatever its namespace looks like, the type of a business
//! transaction, source or destination always precedes its identifier whatever the JSON key order,
//! and GS1 keys are validated (a Digital Link with a wrong check digit is hashed as written).

mod canon;
mod ident;
mod json;
mod prehash;
mod tree;
mod xml;

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// How deep an event may nest; deeper input is refused instead of risking the stack.
const MAX_DEPTH: usize = 64;

/// The syntax of an EPCIS document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// EPCIS 2.0 JSON-LD (`EPCISDocument` or `EPCISQueryDocument`).
    JsonLd,
    /// EPCIS 2.0 or 1.2 XML (`EPCISDocument` or `EPCISQueryDocument`).
    Xml,
}

impl Format {
    /// XML when the first character that is not white space (or a byte-order mark) is `<`,
    /// JSON-LD otherwise.
    pub fn detect(document: &str) -> Format {
        let first = document
            .chars()
            .find(|c| !c.is_whitespace() && *c != '\u{feff}');
        if first == Some('<') {
            Format::Xml
        } else {
            Format::JsonLd
        }
    }
}

/// The hash of one event and the canonical string it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHash {
    /// The canonical pre-hash string (the concatenation of `key=value` parts).
    pub pre_hash: String,
    /// `ni:///sha-256;<64 hex digits>?ver=CBV2.0`.
    pub hash: String,
}

impl EventHash {
    fn from_pre_hash(pre_hash: String) -> Self {
        let hash = ni_uri(&pre_hash);
        EventHash { pre_hash, hash }
    }
}

/// A document or event could not be hashed; event indexes count from 0 in document order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The text is not JSON.
    #[error("not a JSON document: {0}")]
    Json(String),
    /// The text is not well-formed XML, or it declares entities (which are refused).
    #[error("not a well-formed XML document: {0}")]
    Xml(String),
    /// No event list where an EPCIS document or query document keeps it.
    #[error("no event list found: {0}")]
    NoEventList(&'static str),
    /// An entry of the event list is not an event.
    #[error("event {index}: {problem}")]
    NotAnEvent {
        /// Position in the event list.
        index: usize,
        /// What was found instead.
        problem: &'static str,
    },
    /// A field every event needs is absent or is not text.
    #[error("event {index}: field {field} is missing or is not a string")]
    MissingField {
        /// Position in the event list.
        index: usize,
        /// The field.
        field: &'static str,
    },
    /// A time stamp is not an xsd:dateTime between the years 1 and 9999.
    #[error(
        "event {index}: field {field}: {value:?} is not a date-time like 2024-05-01T08:30:00.000+07:00"
    )]
    BadTimestamp {
        /// Position in the event list.
        index: usize,
        /// The field, as a path such as `sensorElementList.sensorElement.sensorReport.time`.
        field: String,
        /// The value found.
        value: String,
    },
    /// The event nests deeper than this implementation follows.
    #[error("event {index}: field {field} nests deeper than {MAX_DEPTH} levels")]
    TooDeep {
        /// Position in the event list.
        index: usize,
        /// The outermost field of the deep branch.
        field: String,
    },
}

/// Hashes every event of an EPCIS document, in document order.
pub fn event_hashes(document: &str, format: Format) -> Result<Vec<EventHash>, HashError> {
    // A byte-order mark is not part of the document (files saved by some editors start with one).
    let document = document.strip_prefix('\u{feff}').unwrap_or(document);
    let parsed = match format {
        Format::JsonLd => json::read_document(document)?,
        Format::Xml => xml::read_document(document)?,
    };
    parsed
        .events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            prehash::pre_hash(event, index, &parsed.ignored_fields).map(EventHash::from_pre_hash)
        })
        .collect()
}

/// Hashes one JSON-LD event object; `context` is the `@context` of the document it came from
/// (a URL, an object or an array of them), whose prefixes name the user extensions.
pub fn hash_event_json(
    event: &serde_json::Value,
    context: Option<&serde_json::Value>,
) -> Result<EventHash, HashError> {
    let event = json::read_event(event, context, 0)?;
    prehash::pre_hash(&event, 0, &[]).map(EventHash::from_pre_hash)
}

/// The `ni` URI of a pre-hash string: SHA-256 over its UTF-8 bytes, lower-case hex.
pub fn ni_uri(pre_hash: &str) -> String {
    let digest = Sha256::digest(pre_hash.as_bytes());
    let mut uri = String::with_capacity(14 + 64 + 11);
    uri.push_str("ni:///sha-256;");
    for byte in digest.iter() {
        let _ = write!(uri, "{byte:02x}");
    }
    uri.push_str("?ver=CBV2.0");
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_detected_from_the_first_character() {
        assert_eq!(Format::detect("  \n<?xml version='1.0'?><a/>"), Format::Xml);
        assert_eq!(Format::detect("\u{feff}<a/>"), Format::Xml);
        assert_eq!(Format::detect("{\"a\": 1}"), Format::JsonLd);
        assert_eq!(Format::detect(""), Format::JsonLd);
    }

    #[test]
    fn the_ni_uri_is_sha256_in_lower_case_hex() {
        assert_eq!(
            ni_uri(""),
            "ni:///sha-256;e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855?ver=CBV2.0"
        );
    }

    #[test]
    fn a_single_json_event_hashes_like_the_same_event_in_a_document() {
        let document = r#"{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"ex": "https://ex.example/ns/"}],
          "type": "EPCISDocument", "epcisBody": {"eventList": [
            {"type": "ObjectEvent", "eventTime": "2024-05-01T08:30:00+07:00",
             "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "shipping",
             "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"], "ex:batch": "B1"}]}}"#;
        let from_document = event_hashes(document, Format::JsonLd).unwrap();
        let value: serde_json::Value = serde_json::from_str(document).unwrap();
        let single = hash_event_json(
            &value["epcisBody"]["eventList"][0],
            Some(&value["@context"]),
        )
        .unwrap();
        assert_eq!(from_document, vec![single.clone()]);
        assert_eq!(
            single.pre_hash,
            "eventType=ObjectEventeventTime=2024-05-01T01:30:00.000ZeventTimeZoneOffset=+07:00\
             epcListepc=https://id.gs1.org/01/10614141073464/21/2017action=OBSERVE\
             bizStep=https://ref.gs1.org/cbv/BizStep-shipping{https://ex.example/ns/}batch=B1"
        );
    }

    #[test]
    fn errors_name_the_event_and_the_field() {
        let document = r#"{"epcisBody": {"eventList": [
            {"type": "ObjectEvent", "eventTime": "2024-05-01T08:30:00Z", "action": "ADD"},
            {"type": "ObjectEvent", "eventTime": "yesterday", "action": "ADD"}]}}"#;
        let error = event_hashes(document, Format::JsonLd).unwrap_err();
        assert_eq!(
            error.to_string(),
            "event 1: field eventTime: \"yesterday\" is not a date-time like 2024-05-01T08:30:00.000+07:00"
        );
        let error = event_hashes(
            r#"{"epcisBody": {"eventList": [{"action": "ADD"}]}}"#,
            Format::JsonLd,
        )
        .unwrap_err();
        assert_eq!(
            error,
            HashError::MissingField {
                index: 0,
                field: "type"
            }
        );
        assert!(matches!(
            event_hashes("{\"epcisBody\": {}}", Format::JsonLd),
            Err(HashError::NoEventList(_))
        ));
        assert!(matches!(
            event_hashes("<a><b>", Format::Xml),
            Err(HashError::Xml(_))
        ));
        assert!(matches!(
            event_hashes("{", Format::JsonLd),
            Err(HashError::Json(_))
        ));
    }
}
