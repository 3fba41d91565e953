//! The EPCIS 2.0 event model: the five event types with every standard field, extensions kept
//! with their namespaces, master-data vocabularies and the two document kinds.
//!
//! Values are kept in one normal form whatever the binding they were read from, so the JSON-LD
//! and XML writers can write either form and queries compare like with like:
//! - CBV values (bizStep, disposition, types, reasons, sensor terms) as URIs: a bare word, a CBV
//!   URN and a CBV web URI all become the web URI ([`crate::vocab::Vocabulary::normalise`]);
//! - identifiers as written (EPC URN or GS1 Digital Link URI); writers translate on request;
//! - times with their own offset, to the nanosecond.

use time::OffsetDateTime;

/// An expanded XML/JSON-LD name: namespace IRI and local name, plus the prefix it was written
/// with (a hint for writers, so `gdst:` stays `gdst:`; it takes no part in comparison).
#[derive(Debug, Clone)]
pub struct QName {
    /// The namespace IRI, e.g. `https://traceability-dialogue.org/epcis`.
    pub namespace: String,
    /// The local name, e.g. `productOwner`.
    pub local: String,
    /// The prefix in the source document, when there was one.
    pub prefix: Option<String>,
}

impl QName {
    /// A name without a prefix hint.
    pub fn new(namespace: impl Into<String>, local: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            local: local.into(),
            prefix: None,
        }
    }

    /// The name as one IRI, `namespace` + `local` (`https://ns.example.com/epcis#lot` or
    /// `https://ns.example.com/epcis/lot`): how extension fields are named in queries.
    pub fn iri(&self) -> String {
        format!("{}{}", self.namespace, self.local)
    }
}

impl PartialEq for QName {
    fn eq(&self, other: &Self) -> bool {
        self.namespace == other.namespace && self.local == other.local
    }
}

/// A user extension: a namespaced field with a value, at event level, inside ILMD, in an error
/// declaration, a location, a sensor element or as a sensor attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    /// The field's name.
    pub name: QName,
    /// Its value.
    pub value: ExtensionValue,
}

/// The value of an extension field, as JSON-LD and XML can both carry it.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtensionValue {
    /// Text (an XML element's text, a JSON string).
    Text(String),
    /// A JSON number, kept as its literal so no digit is lost (XML reads it as text).
    Number(String),
    /// A JSON boolean.
    Boolean(bool),
    /// Nested fields (an XML element with child elements, a JSON object).
    Fields(Vec<Extension>),
    /// Repeated values (a JSON array, repeated XML elements of one name).
    List(Vec<ExtensionValue>),
    /// XML text whose element also carries attributes (`<ex:weight unit="KGM">12</ex:weight>`,
    /// `xsi:type="xsd:integer"`): JSON-LD has no attributes, but the event hash counts them.
    Attributed {
        /// The element's text.
        text: String,
        /// The element's attributes in document order, each with a text value.
        attributes: Vec<Extension>,
    },
}

impl ExtensionValue {
    /// The value as text, when it is a single scalar.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) | Self::Number(text) | Self::Attributed { text, .. } => Some(text),
            Self::Boolean(true) => Some("true"),
            Self::Boolean(false) => Some("false"),
            Self::Fields(_) | Self::List(_) => None,
        }
    }
}

/// The five EPCIS event types, each with the fields only it has.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// Objects observed, created or destroyed.
    Object {
        /// ADD, OBSERVE or DELETE.
        action: Action,
        /// `epcList`.
        epc_list: Vec<String>,
        /// `quantityList`.
        quantity_list: Vec<QuantityElement>,
        /// `ilmd`: instance/lot master data, allowed with action ADD.
        ilmd: Option<Vec<Extension>>,
    },
    /// Children packed into (ADD) or taken out of (DELETE) a parent, or observed in it.
    Aggregation {
        /// ADD, OBSERVE or DELETE.
        action: Action,
        /// `parentID`: the container.
        parent_id: Option<String>,
        /// `childEPCs`.
        child_epcs: Vec<String>,
        /// `childQuantityList`.
        child_quantity_list: Vec<QuantityElement>,
    },
    /// Objects tied to or released from business transactions.
    Transaction {
        /// ADD, OBSERVE or DELETE.
        action: Action,
        /// `parentID`.
        parent_id: Option<String>,
        /// `epcList`.
        epc_list: Vec<String>,
        /// `quantityList`.
        quantity_list: Vec<QuantityElement>,
    },
    /// Inputs consumed to make outputs.
    Transformation {
        /// `transformationID`: ties several events into one transformation.
        transformation_id: Option<String>,
        /// `inputEPCList`.
        input_epc_list: Vec<String>,
        /// `inputQuantityList`.
        input_quantity_list: Vec<QuantityElement>,
        /// `outputEPCList`.
        output_epc_list: Vec<String>,
        /// `outputQuantityList`.
        output_quantity_list: Vec<QuantityElement>,
        /// `ilmd` of the outputs.
        ilmd: Option<Vec<Extension>>,
    },
    /// Children associated with a parent that is not a container (a sensor, a device).
    Association {
        /// ADD, OBSERVE or DELETE.
        action: Action,
        /// `parentID`, required.
        parent_id: String,
        /// `childEPCs`.
        child_epcs: Vec<String>,
        /// `childQuantityList`.
        child_quantity_list: Vec<QuantityElement>,
    },
}

impl EventBody {
    /// The EPCIS type name (`ObjectEvent`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Object { .. } => "ObjectEvent",
            Self::Aggregation { .. } => "AggregationEvent",
            Self::Transaction { .. } => "TransactionEvent",
            Self::Transformation { .. } => "TransformationEvent",
            Self::Association { .. } => "AssociationEvent",
        }
    }

    /// Every quantity element: of `quantityList` or `childQuantityList`, or of
    /// `inputQuantityList` then `outputQuantityList`, in document order.
    pub fn quantity_elements(&self) -> impl Iterator<Item = &QuantityElement> {
        let lists: [&[QuantityElement]; 2] = match self {
            Self::Object { quantity_list, .. } | Self::Transaction { quantity_list, .. } => {
                [quantity_list, &[]]
            }
            Self::Aggregation {
                child_quantity_list,
                ..
            }
            | Self::Association {
                child_quantity_list,
                ..
            } => [child_quantity_list, &[]],
            Self::Transformation {
                input_quantity_list,
                output_quantity_list,
                ..
            } => [input_quantity_list, output_quantity_list],
        };
        lists.into_iter().flatten()
    }

    /// The action; transformation events have none.
    pub fn action(&self) -> Option<Action> {
        match self {
            Self::Object { action, .. }
            | Self::Aggregation { action, .. }
            | Self::Transaction { action, .. }
            | Self::Association { action, .. } => Some(*action),
            Self::Transformation { .. } => None,
        }
    }
}

/// The EPCIS `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Came into being or joined.
    Add,
    /// Seen, nothing changed.
    Observe,
    /// Ceased to exist or left.
    Delete,
}

impl Action {
    /// Every action.
    pub const ALL: [Self; 3] = [Self::Add, Self::Observe, Self::Delete];

    /// The EPCIS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "ADD",
            Self::Observe => "OBSERVE",
            Self::Delete => "DELETE",
        }
    }

    /// Reads the EPCIS spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text.trim())
    }
}

/// One EPCIS event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `eventID`, an absolute URI, when the capturer gave one.
    pub event_id: Option<String>,
    /// `eventTime`.
    pub event_time: OffsetDateTime,
    /// `eventTimeZoneOffset` as written (`+07:00`).
    pub event_time_zone_offset: String,
    /// `recordTime`: set by a repository, ignored on capture.
    pub record_time: Option<OffsetDateTime>,
    /// `certificationInfo` URIs.
    pub certification_info: Vec<String>,
    /// `errorDeclaration`: this event is retracted or corrected.
    pub error_declaration: Option<ErrorDeclaration>,
    /// The type and its own fields.
    pub body: EventBody,
    /// `bizStep` (normalised URI).
    pub biz_step: Option<String>,
    /// `disposition` (normalised URI).
    pub disposition: Option<String>,
    /// `persistentDisposition`.
    pub persistent_disposition: Option<PersistentDisposition>,
    /// `readPoint`.
    pub read_point: Option<Location>,
    /// `bizLocation`.
    pub biz_location: Option<Location>,
    /// `bizTransactionList`.
    pub biz_transaction_list: Vec<TypedValue>,
    /// `sourceList`.
    pub source_list: Vec<TypedValue>,
    /// `destinationList`.
    pub destination_list: Vec<TypedValue>,
    /// `sensorElementList`.
    pub sensor_element_list: Vec<SensorElement>,
    /// Event-level user extensions, in document order.
    pub extensions: Vec<Extension>,
}

/// A class-level quantity: so much of a product class or lot.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityElement {
    /// `epcClass`: a class or lot identifier (LGTIN URN, GTIN/lot Digital Link, …).
    pub epc_class: String,
    /// `quantity`, a decimal literal as written; absent means "some".
    pub quantity: Option<String>,
    /// `uom`, a UN/ECE Rec 20 code; absent means a count of items.
    pub uom: Option<String>,
}

/// `persistentDisposition`: dispositions that stay until unset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersistentDisposition {
    /// Dispositions set (normalised URIs).
    pub set: Vec<String>,
    /// Dispositions unset (normalised URIs).
    pub unset: Vec<String>,
}

/// A read point or business location: its identifier plus extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// `id`: an SGLN URN, a GLN Digital Link or another URI.
    pub id: String,
    /// User extensions inside the location.
    pub extensions: Vec<Extension>,
}

/// An entry of `bizTransactionList`, `sourceList` or `destinationList`: a value with an optional
/// type (a normalised URI).
#[derive(Debug, Clone, PartialEq)]
pub struct TypedValue {
    /// `type`: `https://ref.gs1.org/cbv/BTT-po`, `…/SDT-owning_party`, or a custom URI.
    pub kind: Option<String>,
    /// The transaction, party or location identifier.
    pub value: String,
}

/// `errorDeclaration`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDeclaration {
    /// `declarationTime`.
    pub declaration_time: OffsetDateTime,
    /// `reason` (normalised URI).
    pub reason: Option<String>,
    /// `correctiveEventIDs`.
    pub corrective_event_ids: Vec<String>,
    /// User extensions.
    pub extensions: Vec<Extension>,
}

/// One element of `sensorElementList`: metadata shared by its reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorElement {
    /// `sensorMetadata`.
    pub metadata: Option<SensorMetadata>,
    /// `sensorReport`, at least one.
    pub reports: Vec<SensorReport>,
    /// User extensions of the element.
    pub extensions: Vec<Extension>,
}

/// `sensorMetadata`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensorMetadata {
    /// `time`.
    pub time: Option<OffsetDateTime>,
    /// `startTime`.
    pub start_time: Option<OffsetDateTime>,
    /// `endTime`.
    pub end_time: Option<OffsetDateTime>,
    /// `deviceID`.
    pub device_id: Option<String>,
    /// `deviceMetadata`.
    pub device_metadata: Option<String>,
    /// `rawData`.
    pub raw_data: Option<String>,
    /// `dataProcessingMethod`.
    pub data_processing_method: Option<String>,
    /// `bizRules`.
    pub biz_rules: Option<String>,
    /// Extension attributes.
    pub extensions: Vec<Extension>,
}

/// `sensorReport`: one measurement or alert.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensorReport {
    /// `type`: a measurement type (normalised URI, e.g. `https://gs1.org/voc/Temperature`).
    pub kind: Option<String>,
    /// `exception`: alarm or error condition (normalised URI).
    pub exception: Option<String>,
    /// `deviceID`.
    pub device_id: Option<String>,
    /// `deviceMetadata`.
    pub device_metadata: Option<String>,
    /// `rawData`.
    pub raw_data: Option<String>,
    /// `dataProcessingMethod`.
    pub data_processing_method: Option<String>,
    /// `bizRules`.
    pub biz_rules: Option<String>,
    /// `time`.
    pub time: Option<OffsetDateTime>,
    /// `microorganism`.
    pub microorganism: Option<String>,
    /// `chemicalSubstance`.
    pub chemical_substance: Option<String>,
    /// `coordinateReferenceSystem`.
    pub coordinate_reference_system: Option<String>,
    /// `value`, a decimal literal.
    pub value: Option<String>,
    /// `component` (normalised URI).
    pub component: Option<String>,
    /// `stringValue`.
    pub string_value: Option<String>,
    /// `booleanValue`.
    pub boolean_value: Option<bool>,
    /// `hexBinaryValue`.
    pub hex_binary_value: Option<String>,
    /// `uriValue`.
    pub uri_value: Option<String>,
    /// `minValue`.
    pub min_value: Option<String>,
    /// `maxValue`.
    pub max_value: Option<String>,
    /// `meanValue`.
    pub mean_value: Option<String>,
    /// `sDev`.
    pub s_dev: Option<String>,
    /// `percRank`.
    pub perc_rank: Option<String>,
    /// `percValue`.
    pub perc_value: Option<String>,
    /// `uom`.
    pub uom: Option<String>,
    /// Extension attributes.
    pub extensions: Vec<Extension>,
}

/// A master-data vocabulary: elements of one type (locations, products, parties…).
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    /// `type`, e.g. `urn:epcglobal:epcis:vtype:BusinessLocation`.
    pub vocabulary_type: String,
    /// Its elements.
    pub elements: Vec<VocabularyElement>,
}

/// One master-data element.
#[derive(Debug, Clone, PartialEq)]
pub struct VocabularyElement {
    /// `id`: the identifier described (an SGLN, an LGTIN, …).
    pub id: String,
    /// Attributes in document order; a value may be structured.
    pub attributes: Vec<MasterDataAttribute>,
    /// `children`: for locations, the sub-locations (the hierarchy `WD_` queries follow).
    pub children: Vec<String>,
}

/// One master-data attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterDataAttribute {
    /// Attribute id (a URI, e.g. `urn:epcglobal:cbv:mda:site` or a CBV web URI).
    pub id: String,
    /// Its value.
    pub value: ExtensionValue,
}

/// The standard business document header fields EPCIS documents carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header {
    /// Sender identifier (SBDH `Sender/Identifier`, JSON `sender`).
    pub sender: Option<String>,
    /// Receiver identifier.
    pub receiver: Option<String>,
    /// Document instance identifier.
    pub instance_identifier: Option<String>,
    /// Master data carried in the header.
    pub master_data: Vec<Vocabulary>,
    /// User extensions of the document itself rather than of an event (a repository's
    /// `ignoreFields` list, which the event hash honours), in document order.
    pub extensions: Vec<Extension>,
}

/// What a document carries: a capture document, or the result of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentKind {
    /// `EPCISDocument`.
    Capture,
    /// `EPCISQueryDocument` with its query name and subscription.
    QueryResult {
        /// `queryName`.
        query_name: String,
        /// `subscriptionID`, for results delivered to a subscriber.
        subscription_id: Option<String>,
    },
}

/// An `EPCISDocument` or `EPCISQueryDocument`.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Capture or query result.
    pub kind: DocumentKind,
    /// `schemaVersion` as written (`2.0`, or `1.2` for XML read from EPCIS 1.2).
    pub schema_version: String,
    /// `creationDate`.
    pub creation_date: OffsetDateTime,
    /// Header fields and master data.
    pub header: Header,
    /// The events, in document order.
    pub events: Vec<Event>,
    /// Namespace prefixes the document declared (`gdst` → IRI), for writers to reuse.
    pub namespaces: Vec<(String, String)>,
}

/// How a writer spells identifiers (the `GS1-EPC-Format` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EpcFormat {
    /// The server chooses: identifiers as captured.
    #[default]
    NoPreference,
    /// GS1 Digital Link URIs wherever a translation exists.
    AlwaysDigitalLink,
    /// EPC URNs wherever a translation exists.
    AlwaysEpcUrn,
    /// Exactly as captured.
    NeverTranslates,
}

impl EpcFormat {
    /// Reads the header value (`No_Preference`, `Always_GS1_Digital_Link`, `Always_EPC_URN`,
    /// `Never_Translates`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "No_Preference" => Some(Self::NoPreference),
            "Always_GS1_Digital_Link" => Some(Self::AlwaysDigitalLink),
            "Always_EPC_URN" => Some(Self::AlwaysEpcUrn),
            "Never_Translates" => Some(Self::NeverTranslates),
            _ => None,
        }
    }
}

/// How the XML writer spells CBV values (the `GS1-CBV-XML-Format` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CbvXmlFormat {
    /// The server chooses: CBV URNs, which EPCIS 1.2 readers also understand.
    #[default]
    NoPreference,
    /// CBV web URIs.
    AlwaysWebUri,
    /// CBV URNs.
    AlwaysUrn,
    /// As normalised (web URIs).
    NeverTranslates,
}

impl CbvXmlFormat {
    /// Reads the header value (`No_Preference`, `Always_Web_URI`, `Always_URN`,
    /// `Never_Translates`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "No_Preference" => Some(Self::NoPreference),
            "Always_Web_URI" => Some(Self::AlwaysWebUri),
            "Always_URN" => Some(Self::AlwaysUrn),
            "Never_Translates" => Some(Self::NeverTranslates),
            _ => None,
        }
    }
}

/// Reads an `xsd:dateTime` / RFC 3339 timestamp. A time without an offset is read as UTC, as
/// the CBV event hash reads it; fractions beyond nanoseconds are cut.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    // Timestamps are ASCII; refusing anything else first keeps the slicing below on char
    // boundaries.
    if !text.is_ascii() {
        return None;
    }
    let has_offset = text.ends_with(['Z', 'z'])
        || text
            .get(text.len().saturating_sub(6)..)
            .is_some_and(|tail| tail.starts_with(['+', '-']) && tail.as_bytes()[3] == b':');
    let full = if has_offset {
        text.to_owned()
    } else {
        format!("{text}Z")
    };
    let (date_time, offset) =
        full.split_at(full.len() - if full.ends_with(['Z', 'z']) { 1 } else { 6 });
    let trimmed = match date_time.split_once('.') {
        Some((whole, fraction)) if fraction.len() > 9 => format!("{whole}.{}", &fraction[..9]),
        _ => date_time.to_owned(),
    };
    OffsetDateTime::parse(
        &format!("{trimmed}{offset}"),
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
}

/// Writes a timestamp in RFC 3339 with its own offset and as many fraction digits as it has
/// (none, 3, 6 or 9), e.g. `2026-05-04T07:30:00.250+07:00`.
pub fn format_timestamp(time: OffsetDateTime) -> String {
    let nanos = time.nanosecond();
    let fraction = if nanos == 0 {
        String::new()
    } else if nanos.is_multiple_of(1_000_000) {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    };
    let offset = time.offset();
    let zone = if offset.is_utc() {
        "Z".to_owned()
    } else {
        let (hours, minutes, _) = offset.as_hms();
        let sign = if offset.is_negative() { '-' } else { '+' };
        format!(
            "{sign}{:02}:{:02}",
            hours.unsigned_abs(),
            minutes.unsigned_abs()
        )
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}{zone}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_offset_and_precision() {
        for (input, output) in [
            (
                "2005-04-03T20:33:31.116000-06:00",
                "2005-04-03T20:33:31.116-06:00",
            ),
            ("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
            ("2020-01-01T00:00:00", "2020-01-01T00:00:00Z"),
            (
                "2020-01-01T00:00:00.123456789123+07:00",
                "2020-01-01T00:00:00.123456789+07:00",
            ),
            ("2020-01-01T00:00:00.5+00:00", "2020-01-01T00:00:00.500Z"),
        ] {
            let time = parse_timestamp(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(format_timestamp(time), output, "{input}");
        }
        for bad in [
            "",
            "2020-13-01T00:00:00Z",
            "yesterday",
            "2020-01-01",
            "2020-01-01T00:00:00.12345678é",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
