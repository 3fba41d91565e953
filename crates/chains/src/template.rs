//! A chain template as the rest of Nguồn sees it: every value checked and typed, so code that
//! holds a [`ChainTemplate`] never meets an unknown unit, an event field that its event type does
//! not have, or a rule pointing at a stage that does not exist.

use nguon_epcis::model::{Action, QName};
use nguon_epcis::vocab::Vocabulary;

use nguon_domain::units::Unit;
pub use nguon_domain::{FacilityKind, OrganisationKind};

/// The namespace of Nguồn's own EPCIS extension fields and business steps; trace reads treatments
/// from it.
pub const NGUON_NS: &str = "https://nguon.example.vn/epcis/";

/// The GDST namespace (`gdst:` in GDST's own examples).
pub const GDST_NS: &str = "https://traceability-dialogue.org/epcis";

/// The CBV master-data namespace (`cbvmda:`), which EPCIS allows in ILMD undeclared.
pub const CBVMDA_NS: &str = "urn:epcglobal:cbv:mda:";

/// The business step of a treatment of a pond or field (what trace reads as a treatment).
pub const TREATING: &str = "https://nguon.example.vn/epcis/treating";

/// The business step of a harvest outside seafood.
pub const HARVESTING: &str = "https://nguon.example.vn/epcis/harvesting";

/// GDST's farm-harvest business step, used for shrimp.
pub const FARM_HARVEST: &str = "urn:gdst:bizStep:farmHarvest";

/// A name in both languages every screen is shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Vietnamese, with its diacritics.
    pub vi: String,
    /// English.
    pub en: String,
}

/// One pilot chain: what it is, which standards it follows, and its stages in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainTemplate {
    /// Stable identifier (`farmed-shrimp`), the key products refer to.
    pub(crate) id: String,
    /// Revision of the template; events keep the version they were made under.
    pub(crate) version: u32,
    /// The chain's name.
    pub(crate) name: Names,
    /// Product group codes of the products that follow this chain.
    pub(crate) product_groups: Vec<String>,
    /// Standards and regulations the chain applies (TCVN, QCVN, VietGAP, GDST…).
    pub(crate) standards: Vec<String>,
    /// How far trace lets quantities drift in this chain.
    pub(crate) tolerances: Tolerances,
    /// Extension namespaces by prefix: the built-in `nguon`, `gdst`, `cbvmda` and the
    /// template's own.
    pub(crate) namespaces: Vec<(String, String)>,
    /// The stages, in the order the chain runs.
    pub(crate) stages: Vec<Stage>,
    /// Withdrawal periods and pre-harvest intervals.
    pub(crate) withdrawal_rules: Vec<WithdrawalRule>,
}

impl ChainTemplate {
    /// Stable identifier (`farmed-shrimp`), the key products refer to.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Revision of the template; events keep the version they were made under.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The chain's name.
    pub fn name(&self) -> &Names {
        &self.name
    }

    /// Product group codes of the products that follow this chain.
    pub fn product_groups(&self) -> &[String] {
        &self.product_groups
    }

    /// Standards and regulations the chain applies.
    pub fn standards(&self) -> &[String] {
        &self.standards
    }

    /// How far trace lets quantities drift in this chain.
    pub fn tolerances(&self) -> Tolerances {
        self.tolerances
    }

    /// Extension namespaces by prefix, built-in ones first.
    pub fn namespaces(&self) -> &[(String, String)] {
        &self.namespaces
    }

    /// The stages, in the order the chain runs.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// Withdrawal periods and pre-harvest intervals.
    pub fn withdrawal_rules(&self) -> &[WithdrawalRule] {
        &self.withdrawal_rules
    }

    /// The stage with this id.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

/// Mass-balance tolerances, as fractions (0.02 = 2 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// How much a transformation's outputs may exceed its inputs (brine, glaze, weighing).
    pub transformation_gain: f64,
    /// How much what is used or shipped of a lot may exceed what was made or received.
    pub lot_overdraw: f64,
}

impl Default for Tolerances {
    /// The defaults trace uses when no template says otherwise.
    fn default() -> Self {
        Self {
            transformation_gain: 0.02,
            lot_overdraw: 0.01,
        }
    }
}

macro_rules! snake_names {
    ($type:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            /// Every value, in declaration order.
            pub const ALL: &'static [$type] = &[$(<$type>::$variant),+];

            /// The name templates write.
            pub fn as_str(self) -> &'static str {
                match self { $(<$type>::$variant => $name),+ }
            }

            /// Reads the name templates write.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == name)
            }
        }
    };
}

/// One stage of a chain: who does it, where, the event it records and what the form asks.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Identifier, unique in its template.
    pub(crate) id: String,
    /// The stage's name.
    pub(crate) name: Names,
    /// Kinds of organisation that record it.
    pub(crate) organisations: Vec<OrganisationKind>,
    /// Kinds of facility it happens at.
    pub(crate) facilities: Vec<FacilityKind>,
    /// The EPCIS event it records.
    pub(crate) event: EventShape,
    /// The key data elements its form asks for, in form order.
    pub(crate) kdes: Vec<Kde>,
}

impl Stage {
    /// Identifier, unique in its template.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stage's name.
    pub fn name(&self) -> &Names {
        &self.name
    }

    /// Kinds of organisation that record it.
    pub fn organisations(&self) -> &[OrganisationKind] {
        &self.organisations
    }

    /// Kinds of facility it happens at.
    pub fn facilities(&self) -> &[FacilityKind] {
        &self.facilities
    }

    /// The EPCIS event it records.
    pub fn event(&self) -> &EventShape {
        &self.event
    }

    /// The key data elements its form asks for, in form order.
    pub fn kdes(&self) -> &[Kde] {
        &self.kdes
    }

    /// The KDE with this key.
    pub fn kde(&self, key: &str) -> Option<&Kde> {
        self.kdes.iter().find(|k| k.key == key)
    }

    /// Whether the stage consumes lots (a transformation's inputs).
    pub fn takes_input_lots(&self) -> bool {
        self.kdes
            .iter()
            .any(|k| matches!(k.target, Target::Lots(ListKind::Input)))
    }

    /// Whether the stage brings lots into being: a transformation's outputs or an ObjectEvent
    /// with action ADD.
    pub fn makes_output_lots(&self) -> bool {
        self.kdes.iter().any(|k| match k.target {
            Target::Lots(ListKind::Output) => true,
            Target::Lots(ListKind::Plain) => {
                self.event.kind == EventKind::Object && self.event.action == Some(Action::Add)
            }
            _ => false,
        })
    }
}

/// The five EPCIS event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `ObjectEvent`.
    Object,
    /// `AggregationEvent`.
    Aggregation,
    /// `TransactionEvent`.
    Transaction,
    /// `TransformationEvent`.
    Transformation,
    /// `AssociationEvent`.
    Association,
}

snake_names!(EventKind {
    Object => "ObjectEvent",
    Aggregation => "AggregationEvent",
    Transaction => "TransactionEvent",
    Transformation => "TransformationEvent",
    Association => "AssociationEvent",
});

/// Whether goods change hands at a stage: the "one step back, one step forward" links of
/// TT 02/2024 and TT 17/2021.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// Nothing arrives or leaves.
    Stays,
    /// Goods arrive: the form names who they came from; the owner is the destination.
    Receives,
    /// Goods leave: the form names where they go; the owner is the source.
    Ships,
}

snake_names!(Movement {
    Stays => "none",
    Receives => "receive",
    Ships => "ship",
});

/// The event a stage records.
#[derive(Debug, Clone, PartialEq)]
pub struct EventShape {
    /// The event type.
    pub(crate) kind: EventKind,
    /// The action; `None` exactly for transformations.
    pub(crate) action: Option<Action>,
    /// `bizStep` as a URI (CBV words expanded).
    pub(crate) biz_step: String,
    /// `disposition` as a URI, when the stage sets one.
    pub(crate) disposition: Option<String>,
    /// Whether goods arrive or leave.
    pub(crate) movement: Movement,
}

impl EventShape {
    /// The event type.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The action; `None` exactly for transformations.
    pub fn action(&self) -> Option<Action> {
        self.action
    }

    /// `bizStep` as a URI (CBV words expanded).
    pub fn biz_step(&self) -> &str {
        &self.biz_step
    }

    /// `disposition` as a URI, when the stage sets one.
    pub fn disposition(&self) -> Option<&str> {
        self.disposition.as_deref()
    }

    /// Whether goods arrive or leave.
    pub fn movement(&self) -> Movement {
        self.movement
    }
}

/// One key data element: a form field and where its value goes in the event.
#[derive(Debug, Clone, PartialEq)]
pub struct Kde {
    /// The form field name, unique in its stage.
    pub(crate) key: String,
    /// The label.
    pub(crate) name: Names,
    /// Whether the form may be sent without it.
    pub(crate) required: bool,
    /// What the value is and its bounds.
    pub(crate) value: KdeType,
    /// Where the value goes.
    pub(crate) target: Target,
}

impl Kde {
    /// The form field name, unique in its stage.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The label.
    pub fn name(&self) -> &Names {
        &self.name
    }

    /// Whether the form may be sent without it.
    pub fn required(&self) -> bool {
        self.required
    }

    /// What the value is and its bounds.
    pub fn value(&self) -> &KdeType {
        &self.value
    }

    /// Where the value goes.
    pub fn target(&self) -> &Target {
        &self.target
    }
}

/// What a KDE's value is.
#[derive(Debug, Clone, PartialEq)]
pub enum KdeType {
    /// Free text, counted in characters.
    Text {
        /// Fewest characters.
        min_length: Option<usize>,
        /// Most characters.
        max_length: Option<usize>,
        /// The form the whole text must have.
        pattern: Option<Pattern>,
    },
    /// A decimal number.
    Number {
        /// Smallest allowed.
        min: Option<f64>,
        /// Largest allowed.
        max: Option<f64>,
        /// Whether it must be whole.
        integer: bool,
    },
    /// An amount with a unit from a fixed list.
    Quantity {
        /// The units offered; the first is the default.
        units: Vec<Unit>,
        /// Smallest amount.
        min: Option<f64>,
        /// Largest amount.
        max: Option<f64>,
    },
    /// A calendar date.
    Date,
    /// A date and time.
    DateTime,
    /// One of a fixed list.
    Choice {
        /// The options, in form order.
        options: Vec<ChoiceOption>,
    },
    /// GS1 identifiers of lots, items or logistic units, scanned or picked.
    Lot {
        /// Which identifier kinds are accepted.
        kinds: Vec<LotKind>,
        /// Whether several may be given, one a line.
        multiple: bool,
    },
    /// A facility's GLN (with its AI 254 extension, if any).
    Facility,
    /// An organisation's GLN.
    Party,
    /// A photo's URL (the web layer stores the upload and posts its address).
    Photo,
    /// A point as `latitude, longitude` in WGS 84.
    Geo,
    /// A certificate: its URL, or its number as printed.
    Certificate,
}

impl KdeType {
    /// The name templates write.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Number { .. } => "number",
            Self::Quantity { .. } => "quantity",
            Self::Date => "date",
            Self::DateTime => "datetime",
            Self::Choice { .. } => "choice",
            Self::Lot { .. } => "lot",
            Self::Facility => "facility",
            Self::Party => "party",
            Self::Photo => "photo",
            Self::Geo => "geo",
            Self::Certificate => "certificate",
        }
    }
}

/// A regular expression a whole text value must match, with an example that matches it: people
/// are shown the example, never the expression.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub(crate) source: String,
    pub(crate) example: String,
    pub(crate) regex: regex::Regex,
}

impl Pattern {
    /// The expression as the template writes it (matched against the whole value).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// A value that matches, shown on the form and in errors.
    pub fn example(&self) -> &str {
        &self.example
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.example == other.example
    }
}

/// One option of a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOption {
    /// The value written into the event.
    pub value: String,
    /// The label.
    pub name: Names,
}

/// GS1 identifier kinds a lot KDE accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LotKind {
    /// GTIN + batch/lot (AI 01 + 10): a class of goods, counted in a quantity list.
    Lgtin,
    /// GTIN + serial (AI 01 + 21): one item.
    Sgtin,
    /// SSCC (AI 00): one logistic unit (a carton, a pallet, a container load).
    Sscc,
}

snake_names!(LotKind {
    Lgtin => "lgtin",
    Sgtin => "sgtin",
    Sscc => "sscc",
});

impl LotKind {
    /// Whether identifiers of this kind name a class (quantity lists) rather than an instance
    /// (EPC lists).
    pub fn is_class(self) -> bool {
        self == Self::Lgtin
    }
}

/// Which of an event's lists a lot goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `epcList` / `quantityList` (object and transaction events).
    Plain,
    /// `childEPCs` / `childQuantityList` (aggregation and association events).
    Child,
    /// `inputEPCList` / `inputQuantityList` (transformations).
    Input,
    /// `outputEPCList` / `outputQuantityList` (transformations).
    Output,
}

/// Where a KDE's value goes in the event: a closed vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Lots into the list of this kind: class identifiers into its quantity list, instances into
    /// its EPC list.
    Lots(ListKind),
    /// `parentID`.
    ParentId,
    /// The amount of the lots of another KDE (its key).
    LotQuantity(String),
    /// `bizLocation`.
    BizLocation,
    /// `readPoint`.
    ReadPoint,
    /// A `sourceList` entry of this type (URI).
    Source(String),
    /// A `destinationList` entry of this type (URI).
    Destination(String),
    /// A `bizTransactionList` entry of this type (URI), when it has one.
    BizTransaction(Option<String>),
    /// A field of `ilmd`.
    Ilmd(QName),
    /// An event-level extension field.
    Extension(QName),
    /// A sensor report of this measurement type (URI) and unit.
    Sensor {
        /// `type`.
        measurement: String,
        /// `uom`.
        uom: Option<Unit>,
    },
    /// `certificationInfo`.
    CertificationInfo,
    /// `eventTime` (instead of the time of recording).
    EventTime,
}

/// A withdrawal period or pre-harvest interval: after a treatment stage, the harvest stage of
/// the same pond or field is blocked for the given days.
#[derive(Debug, Clone, PartialEq)]
pub struct WithdrawalRule {
    /// The treatment stage's id.
    pub(crate) treatment: String,
    /// The harvest stage it blocks.
    pub(crate) harvest: String,
    /// The treatment KDE naming the substance.
    pub(crate) substance: String,
    /// The treatment KDE holding the days.
    pub(crate) days: String,
    /// Days to use when the form leaves them empty, by substance (compared without case).
    pub(crate) defaults: Vec<(String, u32)>,
}

impl WithdrawalRule {
    /// The treatment stage's id.
    pub fn treatment(&self) -> &str {
        &self.treatment
    }

    /// The harvest stage it blocks.
    pub fn harvest(&self) -> &str {
        &self.harvest
    }

    /// The treatment KDE naming the substance.
    pub fn substance(&self) -> &str {
        &self.substance
    }

    /// The treatment KDE holding the days.
    pub fn days(&self) -> &str {
        &self.days
    }

    /// Days to use when the form leaves them empty, by substance.
    pub fn defaults(&self) -> &[(String, u32)] {
        &self.defaults
    }

    /// The default days for a substance, compared without regard to case or surrounding space.
    pub fn default_days(&self, substance: &str) -> Option<u32> {
        let substance = substance.trim().to_lowercase();
        self.defaults
            .iter()
            .find(|(name, _)| name.to_lowercase() == substance)
            .map(|(_, days)| *days)
    }
}

/// A bizStep, disposition or other CBV value as a URI; `None` when it is neither a word of the
/// vocabulary nor a URI.
pub(crate) fn cbv_uri(vocabulary: Vocabulary, value: &str) -> Option<String> {
    let uri = vocabulary.normalise(value);
    let is_uri = uri
        .split_once(':')
        .is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty())
        && !uri.contains(char::is_whitespace);
    is_uri.then_some(uri)
}
