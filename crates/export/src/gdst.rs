//! A lot's genealogy as a GDST 1.2 EPCIS document: every event of the lot and of everything it
//! came from or went into, with the master data those events name, through
//! [`nguon_epcis::gdst::gdst_document`].

use nguon_epcis::gdst::gdst_document;
use nguon_epcis::json_ld::WriteOptions;
use nguon_epcis::model::{
    EpcFormat, Event, ExtensionValue, MasterDataAttribute, Vocabulary, VocabularyElement,
};
use nguon_gs1::PrefixLengths;
use nguon_trace::{Direction, Identifier};
use serde_json::Value;

use crate::record::{Lookups, records_naming, walk};
use crate::{ExportError, ExportSource};

/// The GDST document of `lot`'s whole genealogy, created at `now`. A genealogy that does not
/// meet the GDST profile is [`ExportError::Gdst`] with what is missing.
pub async fn gdst_for_lot<S: ExportSource + ?Sized>(
    source: &S,
    lot: &Identifier,
    now: time::OffsetDateTime,
) -> Result<Value, ExportError> {
    let back = walk(source, lot, Direction::Back, u32::MAX).await?;
    let forward = walk(source, lot, Direction::Forward, u32::MAX).await?;
    let mut identifiers: Vec<Identifier> = Vec::new();
    for node in back.nodes.iter().chain(&forward.nodes) {
        if !identifiers.contains(&node.identifier) {
            identifiers.push(node.identifier.clone());
        }
    }
    let records = records_naming(source, &identifiers).await?;
    let lookups = Lookups::resolve(source, &records).await?;
    let events: Vec<Event> = records.into_iter().map(|r| r.event).collect();
    let mut vocabularies: Vec<Vocabulary> = Vec::new();
    for element in lookups.elements() {
        let model = VocabularyElement {
            id: element.id.clone(),
            attributes: element
                .attributes
                .iter()
                .filter_map(|(id, json)| {
                    Some(MasterDataAttribute {
                        id: id.clone(),
                        value: value(&serde_json::from_str(json).ok()?)?,
                    })
                })
                .collect(),
            children: element.children.clone(),
        };
        match vocabularies
            .iter_mut()
            .find(|v| v.vocabulary_type == element.vocabulary_type)
        {
            Some(vocabulary) => vocabulary.elements.push(model),
            None => vocabularies.push(Vocabulary {
                vocabulary_type: element.vocabulary_type.clone(),
                elements: vec![model],
            }),
        }
    }
    let lengths = PrefixLengths::builtin();
    let options = WriteOptions {
        epc_format: EpcFormat::NoPreference,
        prefix_lengths: &lengths,
    };
    gdst_document(&events, &vocabularies, now, &options).map_err(|issues| {
        ExportError::Gdst(
            issues
                .iter()
                .map(|issue| format!("{} / {}", issue.message_en(), issue.message_vi()))
                .collect(),
        )
    })
}

/// A master-data attribute's JSON value as the model holds it. Structured values (objects,
/// arrays) have no field names the model can carry without their namespaces, so they are left
/// out; GDST reads its KDEs from the events and from the flat attributes.
fn value(json: &Value) -> Option<ExtensionValue> {
    match json {
        Value::String(text) => Some(ExtensionValue::Text(text.clone())),
        Value::Number(number) => Some(ExtensionValue::Number(number.to_string())),
        Value::Bool(flag) => Some(ExtensionValue::Boolean(*flag)),
        _ => None,
    }
}
