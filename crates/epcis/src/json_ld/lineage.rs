//! The part of a stored event a genealogy walk shows: its business transactions, sources,
//! destinations and quantity elements, read without the rest of the event.
//!
//! A trace reads back hundreds of stored events and needs only these lists of each. Reading
//! them alone, straight into borrowed text, costs a fraction of [`super::read_stored_event`],
//! which builds and checks the whole event. Values come out in the same normal form, by the same
//! rules ([`Prefixes::expanded`], [`Prefixes::term`]).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Number, Value};

use super::names::Prefixes;
use crate::model::{Event, QuantityElement, TypedValue};
use crate::vocab::Vocabulary;

/// What a genealogy walk shows of a stored event, as [`super::read_stored_event`] reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lineage {
    /// `bizTransactionList`.
    pub biz_transaction_list: Vec<TypedValue>,
    /// `sourceList`.
    pub source_list: Vec<TypedValue>,
    /// `destinationList`.
    pub destination_list: Vec<TypedValue>,
    /// Every quantity element, as [`crate::model::EventBody::quantity_elements`] lists them.
    pub quantities: Vec<QuantityElement>,
}

impl Lineage {
    /// The lineage a whole event holds: what [`read_stored_lineage`] gives for it once stored.
    pub fn of(event: &Event) -> Self {
        Self {
            biz_transaction_list: event.biz_transaction_list.clone(),
            source_list: event.source_list.clone(),
            destination_list: event.destination_list.clone(),
            quantities: event.body.quantity_elements().cloned().collect(),
        }
    }
}

/// Reads the [`Lineage`] of an event this module wrote (a repository's stored canonical
/// JSON-LD). The text is trusted as [`super::read_stored_event`] trusts it; `Err` says why it
/// is not JSON of the expected shape.
pub fn read_stored_lineage(text: &str) -> Result<Lineage, String> {
    let stored: Stored = serde_json::from_str(text).map_err(|error| error.to_string())?;
    let prefixes = match &stored.context {
        Some(context) => Prefixes::default().with_context(context),
        None => Prefixes::default(),
    };
    let typed = |items: Vec<Typed>, vocabulary: Vocabulary| {
        items
            .into_iter()
            .map(|item| TypedValue {
                kind: item.kind.map(|kind| prefixes.term(vocabulary, &kind)),
                value: prefixes.expanded(&item.value),
            })
            .collect()
    };
    let quantities = [
        stored.quantity_list,
        stored.child_quantity_list,
        stored.input_quantity_list,
        stored.output_quantity_list,
    ]
    .into_iter()
    .flatten()
    .map(|element| QuantityElement {
        epc_class: prefixes.expanded(&element.epc_class),
        quantity: element.quantity.as_ref().map(Number::to_string),
        uom: element.uom.map(|uom| prefixes.expanded(&uom)),
    })
    .collect();
    Ok(Lineage {
        biz_transaction_list: typed(stored.biz_transactions, Vocabulary::BizTransactionType),
        source_list: typed(stored.sources, Vocabulary::SourceDestinationType),
        destination_list: typed(stored.destinations, Vocabulary::SourceDestinationType),
        quantities,
    })
}

/// The fields of a stored event that make its [`Lineage`]; the others are skipped unread.
#[derive(Deserialize)]
struct Stored<'a> {
    #[serde(rename = "@context")]
    context: Option<Value>,
    #[serde(rename = "bizTransactionList", default, borrow)]
    biz_transactions: Vec<Typed<'a>>,
    #[serde(rename = "sourceList", default, borrow)]
    sources: Vec<Typed<'a>>,
    #[serde(rename = "destinationList", default, borrow)]
    destinations: Vec<Typed<'a>>,
    #[serde(rename = "quantityList", default, borrow)]
    quantity_list: Vec<Quantity<'a>>,
    #[serde(rename = "childQuantityList", default, borrow)]
    child_quantity_list: Vec<Quantity<'a>>,
    #[serde(rename = "inputQuantityList", default, borrow)]
    input_quantity_list: Vec<Quantity<'a>>,
    #[serde(rename = "outputQuantityList", default, borrow)]
    output_quantity_list: Vec<Quantity<'a>>,
}

/// An item of `bizTransactionList`, `sourceList` or `destinationList`.
#[derive(Deserialize)]
struct Typed<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(
        rename = "bizTransaction",
        alias = "source",
        alias = "destination",
        borrow
    )]
    value: Cow<'a, str>,
}

/// A quantity element.
#[derive(Deserialize)]
struct Quantity<'a> {
    #[serde(rename = "epcClass", borrow)]
    epc_class: Cow<'a, str>,
    quantity: Option<Number>,
    #[serde(borrow)]
    uom: Option<Cow<'a, str>>,
}
