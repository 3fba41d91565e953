//! What the system keeps about an EPCIS event: its identity (event ID and CBV 2.0 event hash), the
//! owner organisation, the fields that queries and traces filter on, and the canonical document.
//! The EPCIS layer builds a [`NewEvent`] from a parsed event; the store appends and finds them.

use std::fmt;

use time::OffsetDateTime;

use crate::{DomainError, OrganisationId};

/// The five EPCIS 2.0 event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EventType {
    /// Something observed, created or destroyed.
    ObjectEvent,
    /// Objects packed into or taken out of a parent (carton, pallet).
    AggregationEvent,
    /// Objects tied to or released from a business transaction.
    TransactionEvent,
    /// Inputs consumed to make outputs (harvest, processing, commingling).
    TransformationEvent,
    /// Objects associated with a parent that is not a container (sensor, device).
    AssociationEvent,
}

impl EventType {
    /// Every event type.
    pub const ALL: [Self; 5] = [
        Self::ObjectEvent,
        Self::AggregationEvent,
        Self::TransactionEvent,
        Self::TransformationEvent,
        Self::AssociationEvent,
    ];

    /// The EPCIS name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ObjectEvent => "ObjectEvent",
            Self::AggregationEvent => "AggregationEvent",
            Self::TransactionEvent => "TransactionEvent",
            Self::TransformationEvent => "TransformationEvent",
            Self::AssociationEvent => "AssociationEvent",
        }
    }

    /// Parses the EPCIS name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == input)
            .ok_or_else(|| DomainError::UnknownEventType {
                found: input.to_owned(),
            })
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The EPCIS `action` of object, aggregation, transaction and association events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    /// The objects came into being or joined.
    Add,
    /// The objects were seen, nothing changed.
    Observe,
    /// The objects ceased to exist or left.
    Delete,
}

impl Action {
    /// Every action.
    pub const ALL: [Self; 3] = [Self::Add, Self::Observe, Self::Delete];

    /// The EPCIS name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "ADD",
            Self::Observe => "OBSERVE",
            Self::Delete => "DELETE",
        }
    }

    /// Parses the EPCIS name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == input)
            .ok_or_else(|| DomainError::UnknownAction {
                found: input.to_owned(),
            })
    }
}

/// How an identifier takes part in an event; each role is what one EPCIS `MATCH_` query
/// parameter searches, and what genealogy follows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierRole {
    /// In `epcList` or `childEPCs` (instance level).
    Epc,
    /// `parentID` of an aggregation, transaction or association event.
    Parent,
    /// In `inputEPCList`.
    Input,
    /// In `outputEPCList`.
    Output,
    /// Class in `quantityList` or `childQuantityList`.
    EpcClass,
    /// Class in `inputQuantityList`.
    InputClass,
    /// Class in `outputQuantityList`.
    OutputClass,
}

impl IdentifierRole {
    /// Every role.
    pub const ALL: [Self; 7] = [
        Self::Epc,
        Self::Parent,
        Self::Input,
        Self::Output,
        Self::EpcClass,
        Self::InputClass,
        Self::OutputClass,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Epc => "epc",
            Self::Parent => "parent",
            Self::Input => "input",
            Self::Output => "output",
            Self::EpcClass => "epc_class",
            Self::InputClass => "input_class",
            Self::OutputClass => "output_class",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == input)
            .ok_or_else(|| DomainError::UnknownIdentifierRole {
                found: input.to_owned(),
            })
    }
}

/// A CBV 2.0 event hash, `ni:///sha-256;<64 lower-case hex digits>?ver=CBV2.0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EventHash(String);

impl EventHash {
    const PREFIX: &'static str = "ni:///sha-256;";
    const SUFFIX: &'static str = "?ver=CBV2.0";

    /// Parses a hash URI; hex digits must be lower case, as the CBV writes them.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digest = input
            .strip_prefix(Self::PREFIX)
            .and_then(|rest| rest.strip_suffix(Self::SUFFIX));
        match digest {
            Some(hex)
                if hex.len() == 64
                    && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
            {
                Ok(Self(input.to_owned()))
            }
            _ => Err(DomainError::EventHashFormat),
        }
    }

    /// The hash URI.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An EPCIS eventID: an absolute URI (`urn:uuid:…`, `ni:///…`, `https://…`), at most 2,048
/// characters, without whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// The longest eventID accepted: long enough for any URI a capture client writes, short
    /// enough to index.
    pub const MAX_LEN: usize = 2048;

    /// Parses an eventID.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let scheme = input.split_once(':').map(|(scheme, _)| scheme);
        let scheme_ok = scheme.is_some_and(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if !scheme_ok
            || input.len() > Self::MAX_LEN
            || input.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(DomainError::EventIdFormat { max: Self::MAX_LEN });
        }
        Ok(Self(input.to_owned()))
    }

    /// The eventID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<EventHash> for EventId {
    /// An event captured without an eventID is given its hash as its ID.
    fn from(hash: EventHash) -> Self {
        Self(hash.0)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One indexed value of an event: what EQ_/GT_/GE_/LT_/LE_/EXISTS_ query parameters look up.
///
/// The EPCIS layer chooses the names (e.g. `quantity`, `errorDeclaration`,
/// `ilmd:https://ns.example.com/epcis#lotNumber`); the store treats them as opaque. A field with
/// all three values `None` only says the name is present (for `EXISTS_`). A number must be
/// finite, since NaN has no place in an ordered index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedField {
    /// What the field is, as query parameters name it.
    pub name: String,
    /// A text value, matched exactly by `EQ_`.
    pub text: Option<String>,
    /// A numeric value, compared by `EQ_`/`GT_`/`GE_`/`LT_`/`LE_`.
    pub number: Option<f64>,
    /// A time value, compared by `EQ_`/`GT_`/`GE_`/`LT_`/`LE_`.
    pub time: Option<OffsetDateTime>,
}

impl IndexedField {
    /// A field that is only present, for `EXISTS_`.
    pub fn present(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: None,
            number: None,
            time: None,
        }
    }

    /// A field with a text value.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            text: Some(value.into()),
            ..Self::present(name)
        }
    }

    /// A field with a numeric value.
    pub fn number(name: impl Into<String>, value: f64) -> Self {
        Self {
            number: Some(value),
            ..Self::present(name)
        }
    }

    /// A field with a time value.
    pub fn time(name: impl Into<String>, value: OffsetDateTime) -> Self {
        Self {
            time: Some(value),
            ..Self::present(name)
        }
    }
}

/// An event ready to be appended: identity, owner, the fields queries filter on, and the event's
/// canonical JSON-LD text (what queries return).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The organisation that captured the event; every event key includes it.
    pub owner: OrganisationId,
    /// The eventID.
    pub event_id: EventId,
    /// The CBV 2.0 event hash.
    pub hash: EventHash,
    /// Which of the five types.
    pub event_type: EventType,
    /// When it happened.
    pub event_time: OffsetDateTime,
    /// The `eventTimeZoneOffset` as written, e.g. `+07:00`.
    pub event_time_zone_offset: String,
    /// The action, absent for transformation events.
    pub action: Option<Action>,
    /// `bizStep` as a CBV web URI or an extension URI.
    pub biz_step: Option<String>,
    /// `disposition`.
    pub disposition: Option<String>,
    /// `readPoint` identifier.
    pub read_point: Option<String>,
    /// `bizLocation` identifier.
    pub biz_location: Option<String>,
    /// Every identifier with its role, in canonical Digital Link or URI form.
    pub identifiers: Vec<(IdentifierRole, String)>,
    /// Everything else queries filter on (side index), in the order given.
    pub fields: Vec<IndexedField>,
    /// The canonical JSON-LD of the event.
    pub document: String,
}

/// An appended event, with what the store added.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The store's sequence number, increasing in capture order.
    pub sequence: i64,
    /// The EPCIS `recordTime`: when the event was appended.
    pub record_time: OffsetDateTime,
    /// Everything that was appended.
    pub event: NewEvent,
}

/// Which way a genealogy walk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceDirection {
    /// Toward the origins: from outputs to inputs, from containers to their contents.
    Back,
    /// Toward the recipients: from inputs to outputs, from contents to their containers.
    Forward,
}

impl TraceDirection {
    /// Reads `back` or `forward`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "back" => Some(Self::Back),
            "forward" => Some(Self::Forward),
            _ => None,
        }
    }
}

/// How an event links a product to what it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// A transformation: the product is an output, the source an input.
    Transformation,
    /// Aggregation ADD or OBSERVE: the product is the container, the source a child in it.
    Packing,
    /// Aggregation DELETE: the product is a child taken out, the source the container it left.
    Unpacking,
}

/// One genealogy link an event makes: `product` was made from, holds, or left `source`. A walk
/// back goes from product to source, a walk forward from source to product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotLink<'a> {
    /// How.
    pub kind: LinkKind,
    /// The identifier made, holding, or taken out.
    pub product: &'a str,
    /// The identifier it was made from, holds, or was taken out of.
    pub source: &'a str,
}

impl LotLink<'_> {
    /// The identifier a walk in `direction` takes this link from, and the one it reaches.
    pub fn step(&self, direction: TraceDirection) -> (&str, &str) {
        match direction {
            TraceDirection::Back => (self.product, self.source),
            TraceDirection::Forward => (self.source, self.product),
        }
    }
}

impl NewEvent {
    /// The genealogy links this event makes, each pair once and never an identifier to itself:
    /// products in the order of [`NewEvent::identifiers`], and for each its sources in that
    /// order. Object and transaction events keep an identifier what it is, and association
    /// events tie it to a sensor or device, not to other goods: they make none. The one rule
    /// for the trace walk and for the stores' link index.
    pub fn lot_links(&self) -> impl Iterator<Item = LotLink<'_>> {
        use IdentifierRole::{Epc, EpcClass, Input, InputClass, Output, OutputClass, Parent};
        let rule: Option<(LinkKind, &[IdentifierRole], &[IdentifierRole])> =
            match (self.event_type, self.action) {
                (EventType::TransformationEvent, _) => Some((
                    LinkKind::Transformation,
                    &[Output, OutputClass],
                    &[Input, InputClass],
                )),
                (EventType::AggregationEvent, Some(Action::Delete)) => {
                    Some((LinkKind::Unpacking, &[Epc, EpcClass], &[Parent]))
                }
                (EventType::AggregationEvent, _) => {
                    Some((LinkKind::Packing, &[Parent], &[Epc, EpcClass]))
                }
                _ => None,
            };
        rule.into_iter().flat_map(move |(kind, products, sources)| {
            let sources = self.named_in(sources);
            self.named_in(products)
                .into_iter()
                .flat_map(move |product| {
                    sources
                        .clone()
                        .into_iter()
                        .filter(move |&source| source != product)
                        .map(move |source| LotLink {
                            kind,
                            product,
                            source,
                        })
                })
        })
    }

    /// The identifiers named in one of `roles`, each once, in the order of
    /// [`NewEvent::identifiers`].
    fn named_in(&self, roles: &[IdentifierRole]) -> Vec<&str> {
        let mut named: Vec<&str> = Vec::new();
        for (role, value) in &self.identifiers {
            if roles.contains(role) && !named.contains(&value.as_str()) {
                named.push(value);
            }
        }
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str =
        "ni:///sha-256;ffa491b16867e34a7791a8d5389d826afc24e63a121026b6a4004ace38631b4b?ver=CBV2.0";

    #[test]
    fn hashes_must_be_cbv_ni_uris() {
        assert_eq!(EventHash::parse(HASH).unwrap().as_str(), HASH);
        assert!(EventHash::parse(&HASH.to_uppercase()).is_err());
        assert!(EventHash::parse(&HASH.replace("?ver=CBV2.0", "")).is_err());
        assert!(EventHash::parse(&HASH.replace("ffa4", "ffa")).is_err());
        assert_eq!(
            EventHash::parse("x").unwrap_err().to_string(),
            "event hash: must be ni:///sha-256;<64 lower-case hex digits>?ver=CBV2.0"
        );
    }

    #[test]
    fn event_ids_are_absolute_uris() {
        for ok in [
            "urn:uuid:0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f",
            HASH,
            "https://id.example.vn/e/1",
        ] {
            assert!(EventId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "no-scheme",
            "1x:y",
            "urn:a b",
            &format!("urn:{}", "x".repeat(2048)),
        ] {
            assert!(EventId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            EventId::from(EventHash::parse(HASH).unwrap()).as_str(),
            HASH
        );
    }

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Ok(t));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Ok(a));
        }
        for r in IdentifierRole::ALL {
            assert_eq!(IdentifierRole::parse(r.as_str()), Ok(r));
        }
        assert!(EventType::parse("objectEvent").is_err());
        assert!(Action::parse("add").is_err());
        assert!(IdentifierRole::parse("child").is_err());
    }
}
