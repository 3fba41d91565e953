//! EPCIS 2.0 JSON-LD: reading documents and single events into the model, and writing the model
//! back.
//!
//! Reading first runs [`crate::validate::validate_value`] (the official JSON Schema and the CBV
//! rules), then maps the document, turning whatever the model cannot hold into issues that name
//! the event and the field. Values are kept in the model's normal form: CBV values as URIs
//! whatever form they were written in, identifiers as written, compact IRIs expanded with the
//! prefixes in scope exactly where the CBV event hash expands them, so an event hashes the same
//! before and after a round trip.
//!
//! Comments (`rdfs:comment`, `comment`) are not data and are dropped, as the event hash drops
//! them; so is a document's own `id`, which the model does not keep.
//!
//! Writing gives documents and events that pass the same validation; reading what was written
//! gives the same model again.

mod fields;
mod lineage;
mod names;
mod path;
mod read;
mod write;

use nguon_gs1::PrefixLengths;
use serde_json::Value;

pub use lineage::{Lineage, read_stored_lineage};

use crate::model::{Document, EpcFormat, Event};
use crate::validate::ValidationIssue;

/// The normative EPCIS 2.0 JSON-LD context every written document and event refers to.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// How the writers spell what has more than one spelling.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions<'a> {
    /// EPC URN or GS1 Digital Link for identifiers (the `GS1-EPC-Format` header).
    pub epc_format: EpcFormat,
    /// GS1 company prefix lengths, needed to write a Digital Link as an EPC URN.
    pub prefix_lengths: &'a PrefixLengths,
}

/// Drops repeated values after their first occurrence, where the schema wants list items unique.
/// Repeats are rare, so the common case only borrows.
fn keep_first(values: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::with_capacity(values.len());
    if values.iter().all(|v| seen.insert(v.as_str())) {
        return;
    }
    let mut seen = std::collections::HashSet::with_capacity(values.len());
    values.retain(|v| seen.insert(v.clone()));
}

/// Reads an `EPCISDocument` or `EPCISQueryDocument`; `Err` holds at most
/// [`crate::validate::MAX_ISSUES`] issues, the document's own first, then by event.
pub fn read_document(text: &str) -> Result<Document, Vec<ValidationIssue>> {
    read::document(text)
}

/// Reads one event object with its own `@context` (the body of `POST /events`); issue paths
/// start at the event and carry no event index.
pub fn read_event(text: &str) -> Result<Event, Vec<ValidationIssue>> {
    read::event(text)
}

/// Reads an event this module wrote (a repository's stored canonical JSON-LD). The JSON Schema
/// is not applied: the writer produced the text, and an event read from XML may carry what the
/// XSD allows and the JSON Schema does not (`persistentDisposition` on an aggregation event), so
/// refusing it here would make a stored event unreadable. The model's own rules still apply.
pub fn read_stored_event(text: &str) -> Result<Event, Vec<ValidationIssue>> {
    read::stored_event(text)
}

/// Writes a self-contained event: its `@context` is the EPCIS context plus the prefixes its
/// extensions use.
pub fn write_event(event: &Event, options: &WriteOptions) -> Value {
    write::event(event, options)
}

/// Writes an `EPCISDocument` or `EPCISQueryDocument` with the document's namespaces in its
/// `@context`.
pub fn write_document(document: &Document, options: &WriteOptions) -> Value {
    write::document(document, options)
}
