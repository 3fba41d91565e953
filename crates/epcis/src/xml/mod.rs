//! EPCIS XML (2.0, and 1.2 on input): reading documents into the model and writing the model back.
//!
//! The reader takes `EPCISDocument`, `EPCISQueryDocument` and `EPCISMasterDataDocument` in the
//! EPCIS 2.0 or 1.2 namespaces; 1.2's `extension` and `baseExtension` wrappers are dissolved, so
//! a 1.2 event reads into the same model as its 2.0 twin. The writer always writes EPCIS 2.0, in
//! the element order of the 2.0 XSD, so that any 2.0 reader (and the event hash) sees the same
//! events.

mod read;
mod write;

pub use read::read_document;
pub use write::{WriteOptions, escape_text, write_document};

use time::OffsetDateTime;

use crate::model::{EventBody, Extension, QuantityElement, SensorMetadata, SensorReport};
use crate::vocab::Vocabulary as Cbv;

/// The EPCIS 2.0 core namespace, the one the writer uses.
const EPCIS_2: &str = "urn:epcglobal:epcis:xsd:2";
/// The EPCIS 2.0 query namespace, for `EPCISQueryDocument`.
const EPCIS_QUERY_2: &str = "urn:epcglobal:epcis-query:xsd:2";
/// The Standard Business Document Header namespace.
const SBDH: &str = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader";
/// The GS1 Web Vocabulary, which the XML binding writes as the `gs1:` prefix.
const GS1_VOC: &str = "https://gs1.org/voc/";
/// The namespace of `xml:lang` and friends, bound without a declaration.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Namespaces of the EPCIS schemas themselves: an element in one of them (or, as usual, in none)
/// is a standard field, anything else is a user extension.
const EPCIS_NAMESPACES: [&str; 6] = [
    "urn:epcglobal:epcis:xsd:1",
    EPCIS_2,
    "urn:epcglobal:epcis-query:xsd:1",
    EPCIS_QUERY_2,
    "urn:epcglobal:epcis-masterdata:xsd:1",
    "urn:epcglobal:epcis-masterdata:xsd:2",
];

/// How deep reading follows nested elements; deeper input is refused instead of risking the
/// stack.
const MAX_DEPTH: usize = 64;

/// The EPC lists of the five event types, by element name; the reader and writer index
/// [`epc_lists`] with these positions.
const EPC_LISTS: [&str; 4] = ["epcList", "childEPCs", "inputEPCList", "outputEPCList"];

/// The quantity lists, in the same positions as [`EPC_LISTS`].
const QUANTITY_LISTS: [&str; 4] = [
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
];

/// The fields every event type starts with, in XSD order.
const HEAD: [&str; 6] = [
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
    "certificationInfo",
];

/// The EPCIS event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Aggregation,
    Transaction,
    Transformation,
    Association,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Object,
        Kind::Aggregation,
        Kind::Transaction,
        Kind::Transformation,
        Kind::Association,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Object => "ObjectEvent",
            Kind::Aggregation => "AggregationEvent",
            Kind::Transaction => "TransactionEvent",
            Kind::Transformation => "TransformationEvent",
            Kind::Association => "AssociationEvent",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    fn of(body: &EventBody) -> Kind {
        match body {
            EventBody::Object { .. } => Kind::Object,
            EventBody::Aggregation { .. } => Kind::Aggregation,
            EventBody::Transaction { .. } => Kind::Transaction,
            EventBody::Transformation { .. } => Kind::Transformation,
            EventBody::Association { .. } => Kind::Association,
        }
    }

    /// The fields after [`HEAD`], in the order of the EPCIS 2.0 XSD: the writer's order and the
    /// reader's list of what the type may carry.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Object => &[
                "epcList",
                "action",
                "bizStep",
                "disposition",
                "readPoint",
                "bizLocation",
                "bizTransactionList",
                "quantityList",
                "sourceList",
                "destinationList",
                "sensorElementList",
                "persistentDisposition",
                "ilmd",
            ],
            Kind::Aggregation => &[
                "parentID",
                "childEPCs",
                "action",
                "bizStep",
                "disposition",
                "readPoint",
                "bizLocation",
                "bizTransactionList",
                "childQuantityList",
                "sourceList",
                "destinationList",
                "sensorElementList",
                "persistentDisposition",
            ],
            Kind::Transaction => &[
                "bizTransactionList",
                "parentID",
                "epcList",
                "action",
                "bizStep",
                "disposition",
                "readPoint",
                "bizLocation",
                "quantityList",
                "sourceList",
                "destinationList",
                "sensorElementList",
                "persistentDisposition",
            ],
            Kind::Transformation => &[
                "inputEPCList",
                "inputQuantityList",
                "outputEPCList",
                "outputQuantityList",
                "transformationID",
                "bizStep",
                "disposition",
                "readPoint",
                "bizLocation",
                "bizTransactionList",
                "sourceList",
                "destinationList",
                "sensorElementList",
                "persistentDisposition",
                "ilmd",
            ],
            Kind::Association => &[
                "parentID",
                "childEPCs",
                "childQuantityList",
                "action",
                "bizStep",
                "disposition",
                "readPoint",
                "bizLocation",
                "bizTransactionList",
                "sourceList",
                "destinationList",
                "sensorElementList",
                "persistentDisposition",
            ],
        }
    }
}

/// The event's EPC lists in [`EPC_LISTS`] positions, empty where its type has none.
fn epc_lists(body: &EventBody) -> [&[String]; 4] {
    match body {
        EventBody::Object { epc_list, .. } | EventBody::Transaction { epc_list, .. } => {
            [epc_list, &[], &[], &[]]
        }
        EventBody::Aggregation { child_epcs, .. } | EventBody::Association { child_epcs, .. } => {
            [&[], child_epcs, &[], &[]]
        }
        EventBody::Transformation {
            input_epc_list,
            output_epc_list,
            ..
        } => [&[], &[], input_epc_list, output_epc_list],
    }
}

/// The event's quantity lists in [`QUANTITY_LISTS`] positions, empty where its type has none.
fn quantity_lists(body: &EventBody) -> [&[QuantityElement]; 4] {
    match body {
        EventBody::Object { quantity_list, .. } | EventBody::Transaction { quantity_list, .. } => {
            [quantity_list, &[], &[], &[]]
        }
        EventBody::Aggregation {
            child_quantity_list,
            ..
        }
        | EventBody::Association {
            child_quantity_list,
            ..
        } => [&[], child_quantity_list, &[], &[]],
        EventBody::Transformation {
            input_quantity_list,
            output_quantity_list,
            ..
        } => [&[], &[], input_quantity_list, output_quantity_list],
    }
}

/// `bizTransactionList`, `sourceList` and `destinationList`: the item element and the
/// vocabulary of its `type` attribute.
const TYPED_LISTS: [(&str, &str, Cbv); 3] = [
    (
        "bizTransactionList",
        "bizTransaction",
        Cbv::BizTransactionType,
    ),
    ("sourceList", "source", Cbv::SourceDestinationType),
    ("destinationList", "destination", Cbv::SourceDestinationType),
];

/// Where an attribute of `sensorMetadata` or `sensorReport` goes in the model, and how its text
/// is read and written.
enum Slot<'a> {
    /// Text as written (identifiers, URIs, decimal literals).
    Text(&'a mut Option<String>),
    /// A date-time.
    Time(&'a mut Option<OffsetDateTime>),
    /// A CBV or GS1 Web Vocabulary value, kept normalised.
    Cbv(&'a mut Option<String>, Cbv),
    /// `true` or `false`.
    Bool(&'a mut Option<bool>),
}

/// `sensorMetadata` and `sensorReport`, whose standard fields are all XML attributes.
trait SensorAttributes: Clone + Default {
    /// The element name.
    const ELEMENT: &'static str;
    /// The standard attributes in the XSD's order.
    const NAMES: &'static [&'static str];
    /// The model field behind a standard attribute; `None` for any other name.
    fn slot(&mut self, name: &str) -> Option<Slot<'_>>;
    /// The extension attributes.
    fn extensions(&mut self) -> &mut Vec<Extension>;
}

impl SensorAttributes for SensorMetadata {
    const ELEMENT: &'static str = "sensorMetadata";
    const NAMES: &'static [&'static str] = &[
        "time",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "startTime",
        "endTime",
        "bizRules",
        "dataProcessingMethod",
    ];

    fn slot(&mut self, name: &str) -> Option<Slot<'_>> {
        Some(match name {
            "time" => Slot::Time(&mut self.time),
            "startTime" => Slot::Time(&mut self.start_time),
            "endTime" => Slot::Time(&mut self.end_time),
            "deviceID" => Slot::Text(&mut self.device_id),
            "deviceMetadata" => Slot::Text(&mut self.device_metadata),
            "rawData" => Slot::Text(&mut self.raw_data),
            "bizRules" => Slot::Text(&mut self.biz_rules),
            "dataProcessingMethod" => Slot::Text(&mut self.data_processing_method),
            _ => return None,
        })
    }

    fn extensions(&mut self) -> &mut Vec<Extension> {
        &mut self.extensions
    }
}

impl SensorAttributes for SensorReport {
    const ELEMENT: &'static str = "sensorReport";
    // `bizRules` is not in the XSD's list but is in the model (from JSON-LD); it goes last, where
    // `anyAttribute` admits it.
    const NAMES: &'static [&'static str] = &[
        "type",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "uom",
        "minValue",
        "maxValue",
        "sDev",
        "chemicalSubstance",
        "microorganism",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "time",
        "meanValue",
        "percRank",
        "percValue",
        "dataProcessingMethod",
        "coordinateReferenceSystem",
        "exception",
        "bizRules",
    ];

    fn slot(&mut self, name: &str) -> Option<Slot<'_>> {
        Some(match name {
            "type" => Slot::Cbv(&mut self.kind, Cbv::MeasurementType),
            "exception" => Slot::Cbv(&mut self.exception, Cbv::SensorAlert),
            "component" => Slot::Cbv(&mut self.component, Cbv::Component),
            "time" => Slot::Time(&mut self.time),
            "booleanValue" => Slot::Bool(&mut self.boolean_value),
            "value" => Slot::Text(&mut self.value),
            "stringValue" => Slot::Text(&mut self.string_value),
            "hexBinaryValue" => Slot::Text(&mut self.hex_binary_value),
            "uriValue" => Slot::Text(&mut self.uri_value),
            "uom" => Slot::Text(&mut self.uom),
            "minValue" => Slot::Text(&mut self.min_value),
            "maxValue" => Slot::Text(&mut self.max_value),
            "sDev" => Slot::Text(&mut self.s_dev),
            "chemicalSubstance" => Slot::Text(&mut self.chemical_substance),
            "microorganism" => Slot::Text(&mut self.microorganism),
            "deviceID" => Slot::Text(&mut self.device_id),
            "deviceMetadata" => Slot::Text(&mut self.device_metadata),
            "rawData" => Slot::Text(&mut self.raw_data),
            "meanValue" => Slot::Text(&mut self.mean_value),
            "percRank" => Slot::Text(&mut self.perc_rank),
            "percValue" => Slot::Text(&mut self.perc_value),
            "dataProcessingMethod" => Slot::Text(&mut self.data_processing_method),
            "coordinateReferenceSystem" => Slot::Text(&mut self.coordinate_reference_system),
            "bizRules" => Slot::Text(&mut self.biz_rules),
            _ => return None,
        })
    }

    fn extensions(&mut self) -> &mut Vec<Extension> {
        &mut self.extensions
    }
}
