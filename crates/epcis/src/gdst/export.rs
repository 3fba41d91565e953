//! GDST-conformant EPCIS 2.0 JSON-LD: the events with GDST's names and prefixes, their product
//! owner and information provider filled from master data where they lack them, checked against
//! the profile before anything is written.

use serde_json::Value;
use time::OffsetDateTime;

use super::fields::{self, GDST, Kde};
use super::profile::{
    BOOLEANS, ENUMERATED, INFORMATION_PROVIDER, PRODUCT_OWNER, REPEATED, spelling,
};
use super::{GdstIssue, validate_gdst};
use crate::json_ld::{WriteOptions, write_document};
use crate::model::{
    Document, DocumentKind, Event, EventBody, Extension, ExtensionValue, Header, Vocabulary,
};

/// The GDST EPCIS namespace, bound to `gdst:` in every exported document.
pub const GDST_NAMESPACE: &str = GDST;

/// Writes `events` as a GDST 1.2 `EPCISDocument` created at `creation_date`, carrying
/// `master_data` in its header.
///
/// GDST fields are respelled as GDST writes them (`gdst:` bound to [`GDST_NAMESPACE`],
/// `cbvmda:` left to the EPCIS context), and their values as GDST's JSON writes them: enumerated
/// values in GDST's spelling (`Domestic` for `domestic`), repeatable groups as arrays, booleans
/// as booleans, however the XML they were read from had them. An event without `gdst:productOwner` takes the
/// `owning_party` of its product class or, failing that, of its business location in
/// `master_data`; one without `cbvmda:informationProvider` takes their `informationProvider`,
/// or else the product owner, since a party exporting its own events provides their data.
///
/// `Err` holds what still keeps the events from the profile (a missing lot number, say): the
/// exporter never writes a document that [`validate_gdst`] would refuse.
pub fn gdst_document(
    events: &[Event],
    master_data: &[Vocabulary],
    creation_date: OffsetDateTime,
    options: &WriteOptions,
) -> Result<Value, Vec<GdstIssue>> {
    let events = events
        .iter()
        .map(|event| gdst_event(event, master_data))
        .collect();
    let document = Document {
        kind: DocumentKind::Capture,
        schema_version: "2.0".to_owned(),
        creation_date,
        header: Header {
            master_data: master_data.to_vec(),
            ..Header::default()
        },
        events,
        namespaces: vec![("gdst".to_owned(), GDST.to_owned())],
    };
    let issues = validate_gdst(&document);
    if issues.is_empty() {
        Ok(write_document(&document, options))
    } else {
        Err(issues)
    }
}

/// One event respelled, with its parties filled in.
fn gdst_event(event: &Event, master_data: &[Vocabulary]) -> Event {
    let mut event = event.clone();
    respell_all(&mut event.extensions);
    if let EventBody::Object {
        ilmd: Some(ilmd), ..
    }
    | EventBody::Transformation {
        ilmd: Some(ilmd), ..
    } = &mut event.body
    {
        respell_all(ilmd);
    }
    // The event's own product owner, else master data's; the provider falls back on it.
    let owner = match PRODUCT_OWNER.find(&event.extensions) {
        Some(value) => value.as_text().map(str::to_owned),
        None => {
            let found = described(&event, master_data, Party::Owner);
            if let Some(owner) = &found {
                push_text(&mut event.extensions, PRODUCT_OWNER, owner);
            }
            found
        }
    };
    if INFORMATION_PROVIDER.find(&event.extensions).is_none()
        && let Some(provider) = described(&event, master_data, Party::Provider).or(owner)
    {
        push_text(&mut event.extensions, INFORMATION_PROVIDER, &provider);
    }
    event
}

fn push_text(fields: &mut Vec<Extension>, kde: Kde, text: &str) {
    fields.push(Extension {
        name: kde.qname(),
        value: ExtensionValue::Text(text.to_owned()),
    });
}

/// Respells GDST names and values at every depth of `fields`.
fn respell_all(fields: &mut [Extension]) {
    for field in fields {
        field.name = fields::respell(&field.name);
        respell_value(&mut field.value);
        let name = &field.name;
        let value = &mut field.value;
        if REPEATED.iter().any(|kde| kde.matches(name)) && !matches!(value, ExtensionValue::List(_))
        {
            *value = ExtensionValue::List(vec![value.clone()]);
        }
        if BOOLEANS.iter().any(|kde| kde.matches(name))
            && let ExtensionValue::Text(text) = value
            && let Ok(flag) = text.trim().parse::<bool>()
        {
            *value = ExtensionValue::Boolean(flag);
        }
        let values = ENUMERATED
            .iter()
            .find(|(kde, _)| kde.matches(name))
            .map(|(_, values)| *values);
        if let (Some(values), ExtensionValue::Text(text)) = (values, value)
            && let Some(spelled) = spelling(values, text)
        {
            *text = spelled.to_owned();
        }
    }
}

fn respell_value(value: &mut ExtensionValue) {
    match value {
        ExtensionValue::Fields(inner) => respell_all(inner),
        ExtensionValue::List(items) => items.iter_mut().for_each(respell_value),
        ExtensionValue::Attributed { attributes, .. } => respell_all(attributes),
        ExtensionValue::Text(_) | ExtensionValue::Number(_) | ExtensionValue::Boolean(_) => {}
    }
}

/// A party master data names for an event.
#[derive(Clone, Copy)]
enum Party {
    /// The `owning_party` attribute.
    Owner,
    /// The `informationProvider` attribute.
    Provider,
}

/// The party master data gives for the event's product classes first, then for its business
/// location and read point.
fn described(event: &Event, master_data: &[Vocabulary], party: Party) -> Option<String> {
    let classes = classes(event);
    let places = [&event.biz_location, &event.read_point]
        .into_iter()
        .flatten()
        .map(|location| location.id.clone());
    classes.into_iter().chain(places).find_map(|id| {
        master_data
            .iter()
            .flat_map(|vocabulary| &vocabulary.elements)
            .filter(|element| element.id == id)
            .flat_map(|element| &element.attributes)
            .find(|attribute| attribute_is(&attribute.id, party))
            .and_then(|attribute| attribute.value.as_text())
            .map(str::to_owned)
    })
}

/// Whether a master-data attribute id names `party`, in the spellings GDST data uses
/// (`urn:epcglobal:cbv:owning_party`, `urn:epcglobal:cbv:mda#informationProvider`, …).
fn attribute_is(id: &str, party: Party) -> bool {
    let Some(rest) = id.strip_prefix("urn:epcglobal:cbv:") else {
        return false;
    };
    let local = rest
        .strip_prefix("mda")
        .map_or(rest, |r| r.trim_start_matches(['#', ':']));
    match party {
        Party::Owner => local == "owning_party",
        Party::Provider => local == "informationProvider",
    }
}

/// The product classes master data may describe the event's objects under: each quantity's
/// class as written and as its product class, and the product class of each serialised item.
fn classes(event: &Event) -> Vec<String> {
    let (epcs, quantities): (Vec<&String>, Vec<&String>) = match &event.body {
        EventBody::Object {
            epc_list,
            quantity_list,
            ..
        }
        | EventBody::Transaction {
            epc_list,
            quantity_list,
            ..
        } => (
            epc_list.iter().collect(),
            quantity_list.iter().map(|q| &q.epc_class).collect(),
        ),
        EventBody::Aggregation {
            child_epcs,
            child_quantity_list,
            ..
        }
        | EventBody::Association {
            child_epcs,
            child_quantity_list,
            ..
        } => (
            child_epcs.iter().collect(),
            child_quantity_list.iter().map(|q| &q.epc_class).collect(),
        ),
        EventBody::Transformation {
            output_epc_list,
            output_quantity_list,
            ..
        } => (
            output_epc_list.iter().collect(),
            output_quantity_list.iter().map(|q| &q.epc_class).collect(),
        ),
    };
    let mut out = Vec::new();
    for id in quantities.into_iter().chain(epcs) {
        out.push(id.clone());
        out.extend(product_class(id));
    }
    out
}

/// The product class of a lot or an item, in the identifier's own family: a GDST lot class
/// `urn:gdst:<domain>:product:lot:class:<company>.<product>.<lot>` belongs to
/// `urn:gdst:<domain>:product:class:<company>.<product>`, an LGTIN or SGTIN to the SGTIN pattern
/// of its GTIN, a Digital Link with a lot or serial to its GTIN alone.
fn product_class(id: &str) -> Option<String> {
    if let Some((domain, lot)) = id.split_once(":product:lot:class:") {
        let (product, _) = lot.rsplit_once('.')?;
        return Some(format!("{domain}:product:class:{product}"));
    }
    for family in ["urn:epc:class:lgtin:", "urn:epc:id:sgtin:"] {
        if let Some(rest) = id.strip_prefix(family) {
            let (gtin, _) = rest.rsplit_once('.')?;
            return Some(format!("urn:epc:idpat:sgtin:{gtin}.*"));
        }
    }
    ["/10/", "/21/"]
        .into_iter()
        .find_map(|qualifier| id.split_once(qualifier))
        .filter(|(gtin, _)| gtin.contains("/01/"))
        .map(|(gtin, _)| gtin.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lots_and_items_belong_to_their_product_class() {
        for (id, class) in [
            (
                "urn:gdst:example.org:product:lot:class:fisherman01.tunau.v1-0122-2022",
                Some("urn:gdst:example.org:product:class:fisherman01.tunau"),
            ),
            (
                "urn:epc:class:lgtin:8934567.012345.L01",
                Some("urn:epc:idpat:sgtin:8934567.012345.*"),
            ),
            (
                "urn:epc:id:sgtin:8934567.012345.7",
                Some("urn:epc:idpat:sgtin:8934567.012345.*"),
            ),
            (
                "https://id.gs1.org/01/08934567123458/10/L01",
                Some("https://id.gs1.org/01/08934567123458"),
            ),
            ("urn:epc:id:sscc:8934567.0000000001", None),
            ("https://example.org/10/x", None),
        ] {
            assert_eq!(product_class(id).as_deref(), class, "{id}");
        }
    }

    #[test]
    fn party_attributes_are_known_in_every_spelling() {
        assert!(attribute_is("urn:epcglobal:cbv:owning_party", Party::Owner));
        assert!(attribute_is(
            "urn:epcglobal:cbv:mda#owning_party",
            Party::Owner
        ));
        assert!(attribute_is(
            "urn:epcglobal:cbv:mda#informationProvider",
            Party::Provider
        ));
        assert!(attribute_is(
            "urn:epcglobal:cbv:mda:informationProvider",
            Party::Provider
        ));
        assert!(!attribute_is("urn:epcglobal:cbv:mda#name", Party::Owner));
        assert!(!attribute_is("urn:x:owning_party", Party::Owner));
    }
}
