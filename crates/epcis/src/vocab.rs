//! CBV 2.0 and GS1 Web Vocabulary terms that EPCIS 2.0 JSON-LD writes as bare words, and the
//! URIs they stand for. The word lists are those of the EPCIS 2.0.0 JSON-LD context
//! (`https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld`): only a word the context
//! defines is a standard value, anything else is left as written.

/// A vocabulary whose values JSON-LD may write as bare words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// `bizStep`.
    BizStep,
    /// `disposition`, `persistentDisposition.set` / `.unset`.
    Disposition,
    /// `bizTransactionList[].type`.
    BizTransactionType,
    /// `sourceList[].type`, `destinationList[].type`.
    SourceDestinationType,
    /// `errorDeclaration.reason`.
    ErrorReason,
    /// `sensorReport.type`.
    MeasurementType,
    /// `sensorReport.exception`.
    SensorAlert,
    /// `sensorReport.component`.
    Component,
}

const BIZ_STEPS: &[&str] = &[
    "accepting",
    "arriving",
    "assembling",
    "collecting",
    "commissioning",
    "consigning",
    "creating_class_instance",
    "cycle_counting",
    "decommissioning",
    "departing",
    "destroying",
    "disassembling",
    "dispensing",
    "encoding",
    "entering_exiting",
    "holding",
    "inspecting",
    "installing",
    "killing",
    "loading",
    "other",
    "packing",
    "picking",
    "receiving",
    "removing",
    "repackaging",
    "repairing",
    "replacing",
    "reserving",
    "retail_selling",
    "sampling",
    "sensor_reporting",
    "shipping",
    "staging_outbound",
    "stock_taking",
    "stocking",
    "storing",
    "transporting",
    "unloading",
    "unpacking",
    "void_shipping",
];

const DISPOSITIONS: &[&str] = &[
    "active",
    "available",
    "completeness_verified",
    "completeness_inferred",
    "conformant",
    "container_closed",
    "container_open",
    "damaged",
    "destroyed",
    "dispensed",
    "disposed",
    "encoded",
    "expired",
    "in_progress",
    "in_transit",
    "inactive",
    "mismatch_instance",
    "mismatch_class",
    "mismatch_quantity",
    "needs_replacement",
    "no_pedigree_match",
    "non_conformant",
    "non_sellable_other",
    "partially_dispensed",
    "recalled",
    "reserved",
    "retail_sold",
    "returned",
    "sellable_accessible",
    "sellable_not_accessible",
    "stolen",
    "unavailable",
    "unknown",
];

const BIZ_TRANSACTION_TYPES: &[&str] = &[
    "bol",
    "cert",
    "desadv",
    "inv",
    "pedigree",
    "po",
    "poc",
    "prodorder",
    "recadv",
    "rma",
    "testprd",
    "testres",
    "upevt",
];

const SOURCE_DESTINATION_TYPES: &[&str] = &["owning_party", "possessing_party", "location"];

const ERROR_REASONS: &[&str] = &["did_not_occur", "incorrect_data"];

const MEASUREMENT_TYPES: &[&str] = &[
    "AbsoluteHumidity",
    "AbsorbedDose",
    "AbsorbedDoseRate",
    "Acceleration",
    "Radioactivity",
    "Altitude",
    "AmountOfSubstance",
    "AmountOfSubstancePerUnitVolume",
    "Angle",
    "AngularAcceleration",
    "AngularMomentum",
    "AngularVelocity",
    "Area",
    "Capacitance",
    "Conductance",
    "Conductivity",
    "Count",
    "Density",
    "Dimensionless",
    "DoseEquivalent",
    "DoseEquivalentRate",
    "DynamicViscosity",
    "ElectricCharge",
    "ElectricCurrent",
    "ElectricCurrentDensity",
    "ElectricFieldStrength",
    "Energy",
    "Exposure",
    "Force",
    "Frequency",
    "Illuminance",
    "Inductance",
    "Irradiance",
    "KinematicViscosity",
    "Length",
    "LinearMomentum",
    "Luminance",
    "LuminousFlux",
    "LuminousIntensity",
    "MagneticFlux",
    "MagneticFluxDensity",
    "MagneticVectorPotential",
    "Mass",
    "MassConcentration",
    "MassFlowRate",
    "MassPerAreaTime",
    "MemoryCapacity",
    "MolalityOfSolute",
    "MolarEnergy",
    "MolarMass",
    "MolarVolume",
    "Power",
    "Pressure",
    "RadiantFlux",
    "RadiantIntensity",
    "RelativeHumidity",
    "Resistance",
    "Resistivity",
    "SolidAngle",
    "SpecificVolume",
    "Speed",
    "SurfaceDensity",
    "SurfaceTension",
    "Temperature",
    "Time",
    "Torque",
    "Voltage",
    "Volume",
    "VolumeFlowRate",
    "VolumeFraction",
    "VolumetricFlux",
    "Wavenumber",
];

const SENSOR_ALERTS: &[&str] = &["ALARM_CONDITION", "ERROR_CONDITION"];

const COMPONENTS: &[&str] = &[
    "x",
    "y",
    "z",
    "axial_distance",
    "azimuth",
    "height",
    "spherical_radius",
    "polar_angle",
    "elevation_angle",
    "easting",
    "northing",
    "latitude",
    "longitude",
    "altitude",
];

impl Vocabulary {
    fn words(self) -> &'static [&'static str] {
        match self {
            Vocabulary::BizStep => BIZ_STEPS,
            Vocabulary::Disposition => DISPOSITIONS,
            Vocabulary::BizTransactionType => BIZ_TRANSACTION_TYPES,
            Vocabulary::SourceDestinationType => SOURCE_DESTINATION_TYPES,
            Vocabulary::ErrorReason => ERROR_REASONS,
            Vocabulary::MeasurementType => MEASUREMENT_TYPES,
            Vocabulary::SensorAlert => SENSOR_ALERTS,
            Vocabulary::Component => COMPONENTS,
        }
    }

    /// What a word is appended to: the CBV web URIs, or the GS1 Web Vocabulary for the sensor
    /// terms the EPCIS context maps to `gs1:`.
    fn base(self) -> &'static str {
        match self {
            Vocabulary::BizStep => "https://ref.gs1.org/cbv/BizStep-",
            Vocabulary::Disposition => "https://ref.gs1.org/cbv/Disp-",
            Vocabulary::BizTransactionType => "https://ref.gs1.org/cbv/BTT-",
            Vocabulary::SourceDestinationType => "https://ref.gs1.org/cbv/SDT-",
            Vocabulary::ErrorReason => "https://ref.gs1.org/cbv/ER-",
            Vocabulary::MeasurementType | Vocabulary::SensorAlert => "https://gs1.org/voc/",
            Vocabulary::Component => "https://ref.gs1.org/cbv/Comp-",
        }
    }

    /// The URI of a bare word of this vocabulary; `None` for anything else.
    pub fn expand(self, word: &str) -> Option<String> {
        let word = word.trim();
        self.words()
            .contains(&word)
            .then(|| format!("{}{word}", self.base()))
    }
}

impl Vocabulary {
    /// The one form a value is kept in: the URI of a bare word of this vocabulary, the web URI of
    /// a CBV URN, a standard CURIE (`gs1:Temperature`) expanded, anything else as written.
    pub fn normalise(self, value: &str) -> String {
        let value = value.trim();
        if let Some(uri) = self.expand(value).or_else(|| cbv_urn_to_web_uri(value)) {
            return uri;
        }
        STANDARD_VALUE_PREFIXES
            .iter()
            .find_map(|(prefix, base)| {
                let local = value.strip_prefix(prefix)?.strip_prefix(':')?;
                (!local.starts_with("//")).then(|| format!("{base}{local}"))
            })
            .unwrap_or_else(|| value.to_owned())
    }

    /// The bare word JSON-LD writes for a normalised standard value; `None` for any other URI.
    pub fn bare_word(self, uri: &str) -> Option<&'static str> {
        let word = uri.strip_prefix(self.base())?;
        self.words().iter().copied().find(|w| *w == word)
    }

    /// The CBV URN XML writes for a normalised standard value of a vocabulary that has URNs
    /// (`urn:epcglobal:cbv:bizstep:shipping`); `None` otherwise.
    pub fn urn(self, uri: &str) -> Option<String> {
        let word = self.bare_word(uri)?;
        URN_TO_WEB
            .iter()
            .find(|(_, web)| *web == self.base())
            .map(|(urn, _)| format!("{urn}{word}"))
    }

    /// The CURIE XML writes for a normalised standard value of a vocabulary the EPCIS context
    /// maps to `gs1:` (`gs1:Temperature`); `None` otherwise.
    pub fn curie(self, uri: &str) -> Option<String> {
        let word = self.bare_word(uri)?;
        (self.base() == "https://gs1.org/voc/").then(|| format!("gs1:{word}"))
    }
}

/// CBV 1.x URN prefixes and the CBV 2.0 web URI prefixes that replace them.
const URN_TO_WEB: [(&str, &str); 5] = [
    (
        "urn:epcglobal:cbv:bizstep:",
        "https://ref.gs1.org/cbv/BizStep-",
    ),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
];

/// A CBV URN (`urn:epcglobal:cbv:bizstep:shipping`) as its web URI
/// (`https://ref.gs1.org/cbv/BizStep-shipping`); `None` for anything else.
pub fn cbv_urn_to_web_uri(value: &str) -> Option<String> {
    URN_TO_WEB
        .iter()
        .find_map(|(urn, web)| value.strip_prefix(urn).map(|word| format!("{web}{word}")))
}

/// CURIE prefixes that EPCIS values may use without declaring them, as the CBV hash rules name
/// them: their expansion is fixed by the standard's own JSON-LD context.
pub const STANDARD_VALUE_PREFIXES: [(&str, &str); 3] = [
    ("gs1", "https://gs1.org/voc/"),
    ("cbv", "https://ref.gs1.org/cbv/"),
    ("epcis", "https://ref.gs1.org/epcis/"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_words_of_the_vocabulary_expand_and_others_do_not() {
        assert_eq!(
            Vocabulary::BizStep.expand("shipping").as_deref(),
            Some("https://ref.gs1.org/cbv/BizStep-shipping")
        );
        assert_eq!(
            Vocabulary::MeasurementType.expand("Temperature").as_deref(),
            Some("https://gs1.org/voc/Temperature")
        );
        assert_eq!(
            Vocabulary::Component.expand("latitude").as_deref(),
            Some("https://ref.gs1.org/cbv/Comp-latitude")
        );
        assert_eq!(Vocabulary::BizStep.expand("in_transit"), None);
        assert_eq!(Vocabulary::Disposition.expand("urn:x:in_transit"), None);
    }

    #[test]
    fn every_form_normalises_to_one_uri_and_back() {
        for input in [
            "shipping",
            " urn:epcglobal:cbv:bizstep:shipping",
            "https://ref.gs1.org/cbv/BizStep-shipping",
            "cbv:BizStep-shipping",
        ] {
            let uri = Vocabulary::BizStep.normalise(input);
            assert_eq!(uri, "https://ref.gs1.org/cbv/BizStep-shipping", "{input}");
            assert_eq!(Vocabulary::BizStep.bare_word(&uri), Some("shipping"));
            assert_eq!(
                Vocabulary::BizStep.urn(&uri).as_deref(),
                Some("urn:epcglobal:cbv:bizstep:shipping")
            );
        }
        let temperature = Vocabulary::MeasurementType.normalise("gs1:Temperature");
        assert_eq!(temperature, "https://gs1.org/voc/Temperature");
        assert_eq!(
            Vocabulary::MeasurementType.curie(&temperature).as_deref(),
            Some("gs1:Temperature")
        );
        assert_eq!(Vocabulary::MeasurementType.urn(&temperature), None);
        assert_eq!(
            Vocabulary::BizStep.normalise("urn:gdst:bizStep:farmHarvest"),
            "urn:gdst:bizStep:farmHarvest"
        );
        assert_eq!(Vocabulary::BizStep.bare_word("urn:gdst:bizStep:x"), None);
    }

    #[test]
    fn cbv_urns_become_web_uris() {
        assert_eq!(
            cbv_urn_to_web_uri("urn:epcglobal:cbv:sdt:owning_party").as_deref(),
            Some("https://ref.gs1.org/cbv/SDT-owning_party")
        );
        assert_eq!(
            cbv_urn_to_web_uri("urn:epcglobal:cbv:bt:0614141000005:PO1"),
            None
        );
    }
}
