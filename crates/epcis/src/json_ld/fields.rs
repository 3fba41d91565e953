//! Which JSON-LD field goes where in the model: the fields each event type has beyond the common
//! ones, and the scalar fields of sensor metadata and reports, as tables both directions share.

use time::OffsetDateTime;

use crate::model::{Action, EventBody, Extension, QuantityElement, SensorMetadata, SensorReport};
use crate::vocab::Vocabulary;

/// The five event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Object,
    Aggregation,
    Transaction,
    Transformation,
    Association,
}

/// A field only some event types have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyField {
    Action,
    ParentId,
    /// `epcList`, `childEPCs` or `inputEPCList`.
    Epcs,
    /// `quantityList`, `childQuantityList` or `inputQuantityList`.
    Quantities,
    OutputEpcs,
    OutputQuantities,
    TransformationId,
    Ilmd,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Object,
        Kind::Aggregation,
        Kind::Transaction,
        Kind::Transformation,
        Kind::Association,
    ];

    /// The `type` of the event.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Object => "ObjectEvent",
            Kind::Aggregation => "AggregationEvent",
            Kind::Transaction => "TransactionEvent",
            Kind::Transformation => "TransformationEvent",
            Kind::Association => "AssociationEvent",
        }
    }

    /// `an ObjectEvent`, `a TransactionEvent`: how issues name the type.
    pub fn with_article(self) -> &'static str {
        match self {
            Kind::Object => "an ObjectEvent",
            Kind::Aggregation => "an AggregationEvent",
            Kind::Transaction => "a TransactionEvent",
            Kind::Transformation => "a TransformationEvent",
            Kind::Association => "an AssociationEvent",
        }
    }

    /// The type named `name`; `None` for extension event types, which the model does not hold.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The type's own fields, in the order the standard lists them.
    pub fn fields(self) -> &'static [(&'static str, BodyField)] {
        use BodyField::*;
        match self {
            Kind::Object => &[
                ("epcList", Epcs),
                ("quantityList", Quantities),
                ("action", Action),
                ("ilmd", Ilmd),
            ],
            Kind::Aggregation | Kind::Association => &[
                ("parentID", ParentId),
                ("childEPCs", Epcs),
                ("childQuantityList", Quantities),
                ("action", Action),
            ],
            Kind::Transaction => &[
                ("parentID", ParentId),
                ("epcList", Epcs),
                ("quantityList", Quantities),
                ("action", Action),
            ],
            Kind::Transformation => &[
                ("inputEPCList", Epcs),
                ("inputQuantityList", Quantities),
                ("outputEPCList", OutputEpcs),
                ("outputQuantityList", OutputQuantities),
                ("transformationID", TransformationId),
                ("ilmd", Ilmd),
            ],
        }
    }

    /// What `key` is for this type; `None` when the type has no such field.
    pub fn field(self, key: &str) -> Option<BodyField> {
        self.fields()
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, field)| *field)
    }
}

/// The type-specific fields of an event, gathered while reading before its variant is built.
#[derive(Debug, Default)]
pub(super) struct Body {
    pub action: Option<Action>,
    pub parent_id: Option<String>,
    pub epcs: Vec<String>,
    pub quantities: Vec<QuantityElement>,
    pub output_epcs: Vec<String>,
    pub output_quantities: Vec<QuantityElement>,
    pub transformation_id: Option<String>,
    pub ilmd: Option<Vec<Extension>>,
}

impl Body {
    /// The variant of `kind`; `Err` names a required field that is missing.
    pub fn build(self, kind: Kind) -> Result<EventBody, &'static str> {
        if kind == Kind::Transformation {
            return Ok(EventBody::Transformation {
                transformation_id: self.transformation_id,
                input_epc_list: self.epcs,
                input_quantity_list: self.quantities,
                output_epc_list: self.output_epcs,
                output_quantity_list: self.output_quantities,
                ilmd: self.ilmd,
            });
        }
        let action = self.action.ok_or("action")?;
        Ok(match kind {
            Kind::Object => EventBody::Object {
                action,
                epc_list: self.epcs,
                quantity_list: self.quantities,
                ilmd: self.ilmd,
            },
            Kind::Aggregation => EventBody::Aggregation {
                action,
                parent_id: self.parent_id,
                child_epcs: self.epcs,
                child_quantity_list: self.quantities,
            },
            Kind::Transaction => EventBody::Transaction {
                action,
                parent_id: self.parent_id,
                epc_list: self.epcs,
                quantity_list: self.quantities,
            },
            Kind::Association | Kind::Transformation => EventBody::Association {
                action,
                parent_id: self.parent_id.ok_or("parentID")?,
                child_epcs: self.epcs,
                child_quantity_list: self.quantities,
            },
        })
    }
}

/// A scalar field of a structure `T`, with how its JSON value is read and written.
pub(super) enum Slot<T> {
    /// A string (an identifier, a URI or free text).
    Text(fn(&T) -> &Option<String>, fn(&mut T) -> &mut Option<String>),
    /// A JSON number kept as its literal.
    Decimal(fn(&T) -> &Option<String>, fn(&mut T) -> &mut Option<String>),
    /// A CBV / GS1 vocabulary value.
    Term(
        Vocabulary,
        fn(&T) -> &Option<String>,
        fn(&mut T) -> &mut Option<String>,
    ),
    /// A time stamp.
    Time(
        fn(&T) -> &Option<OffsetDateTime>,
        fn(&mut T) -> &mut Option<OffsetDateTime>,
    ),
    /// A boolean.
    Flag(fn(&T) -> &Option<bool>, fn(&mut T) -> &mut Option<bool>),
}

macro_rules! slot {
    (Term($vocabulary:expr), $field:ident) => {
        Slot::Term($vocabulary, |s| &s.$field, |s| &mut s.$field)
    };
    ($shape:ident, $field:ident) => {
        Slot::$shape(|s| &s.$field, |s| &mut s.$field)
    };
}

/// `sensorMetadata`, in the standard's order.
pub(super) const SENSOR_METADATA: &[(&str, Slot<SensorMetadata>)] = &[
    ("time", slot!(Time, time)),
    ("startTime", slot!(Time, start_time)),
    ("endTime", slot!(Time, end_time)),
    ("deviceID", slot!(Text, device_id)),
    ("deviceMetadata", slot!(Text, device_metadata)),
    ("rawData", slot!(Text, raw_data)),
    ("dataProcessingMethod", slot!(Text, data_processing_method)),
    ("bizRules", slot!(Text, biz_rules)),
];

/// `sensorReport`, in the standard's order.
pub(super) const SENSOR_REPORT: &[(&str, Slot<SensorReport>)] = &[
    ("type", slot!(Term(Vocabulary::MeasurementType), kind)),
    ("exception", slot!(Term(Vocabulary::SensorAlert), exception)),
    ("deviceID", slot!(Text, device_id)),
    ("deviceMetadata", slot!(Text, device_metadata)),
    ("rawData", slot!(Text, raw_data)),
    ("dataProcessingMethod", slot!(Text, data_processing_method)),
    ("bizRules", slot!(Text, biz_rules)),
    ("time", slot!(Time, time)),
    ("microorganism", slot!(Text, microorganism)),
    ("chemicalSubstance", slot!(Text, chemical_substance)),
    ("value", slot!(Decimal, value)),
    ("component", slot!(Term(Vocabulary::Component), component)),
    ("stringValue", slot!(Text, string_value)),
    ("booleanValue", slot!(Flag, boolean_value)),
    ("hexBinaryValue", slot!(Text, hex_binary_value)),
    ("uriValue", slot!(Text, uri_value)),
    ("minValue", slot!(Decimal, min_value)),
    ("maxValue", slot!(Decimal, max_value)),
    ("meanValue", slot!(Decimal, mean_value)),
    ("sDev", slot!(Decimal, s_dev)),
    ("percRank", slot!(Decimal, perc_rank)),
    ("percValue", slot!(Decimal, perc_value)),
    ("uom", slot!(Text, uom)),
    (
        "coordinateReferenceSystem",
        slot!(Text, coordinate_reference_system),
    ),
];
