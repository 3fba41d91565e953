//! GDST 1.2 (Global Dialogue on Seafood Traceability): profile validation of EPCIS events and
//! export of GDST-conformant EPCIS 2.0 JSON-LD.
//!
//! [`validate_gdst`] works on the parsed model, so JSON-LD and XML (2.0 or 1.2) input are
//! checked alike. Each event is first classified as one GDST critical tracking event (CTE) by
//! its type and bizStep ([`Cte::of`]); the key data elements (KDEs) that CTE requires are then
//! checked, as the GDST JSON schema (ift-gftc/opentraceability, `gdst_json_schema.json`) states
//! them, with three deliberate differences:
//! - the schema's feed-mill branch fires on every `commissioning` event that has an ILMD object,
//!   since its `if` only tests the *type* of `gdst:proteinSource`, so a processor's commissioning
//!   transformation is wrongly asked for a protein source; here a commissioning
//!   TransformationEvent is a feed mill only when its ILMD names a protein source, while a
//!   commissioning ObjectEvent (a feed lot coming into being) always is one;
//! - the farm-harvest KDEs apply to the CTE GDST defines, a TransformationEvent (feed and young
//!   stock in, harvested lot out); an ObjectEvent with that bizStep is checked as a plain GDST
//!   event;
//! - a value's form is checked beyond the schema's patterns: country codes against the
//!   ISO 3166-1 alpha-2 list, seven-digit IMO numbers against their check digit;
//! - enumerated values (`gdst:broodstockSource` …) are matched ignoring case, since GDST's own
//!   XML examples write `domestic` where the schema lists `Domestic`.
//!
//! Every event is held to the two KDEs GDST gives every CTE, `gdst:productOwner` and
//! `cbvmda:informationProvider`; a `cbvmda:certificationList`, wherever it is, must hold only
//! complete certifications.
//!
//! [`gdst_document`] writes events as such a document, filling `gdst:productOwner` and
//! `cbvmda:informationProvider` from master data where an event lacks them.

mod export;
mod fields;
mod profile;

use std::fmt;

pub use export::{GDST_NAMESPACE, gdst_document};

use crate::model::Document;

/// Checks every event of a document against the GDST 1.2 profile; an empty list means the
/// document is GDST-conformant. Issues come in event order.
pub fn validate_gdst(document: &Document) -> Vec<GdstIssue> {
    let mut issues = Vec::new();
    for (index, event) in document.events.iter().enumerate() {
        profile::check_event(index, event, &mut issues);
    }
    issues
}

/// A GDST critical tracking event: what an EPCIS event stands for in the GDST profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cte {
    /// Wild capture at sea (`urn:gdst:bizStep:fishingEvent`).
    Fishing,
    /// Catch moved from one vessel to another (`urn:gdst:bizStep:transshipment`).
    Transshipment,
    /// Catch unloaded at a port (`urn:gdst:bizStep:landing`).
    Landing,
    /// Young stock produced at a hatchery (`urn:gdst:bizStep:hatching`).
    Hatching,
    /// Farmed stock harvested: a TransformationEvent with `urn:gdst:bizStep:farmHarvest`.
    FarmHarvest,
    /// Feed produced: a commissioning ObjectEvent, or a commissioning TransformationEvent whose
    /// ILMD names a protein source.
    FeedMill,
    /// New lots made from others (`commissioning` or `urn:gdst:bizStep:commingling`).
    Processing,
    /// Packing into or unpacking from a container (an AggregationEvent).
    Aggregation,
    /// Goods sent (`shipping`).
    Shipping,
    /// Goods received (`receiving`).
    Receiving,
    /// Any other event: only the KDEs every GDST event has apply.
    Other,
}

impl Cte {
    /// The CTE's English name, as GDST calls it.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Fishing => "fishing",
            Self::Transshipment => "transshipment",
            Self::Landing => "landing",
            Self::Hatching => "hatching",
            Self::FarmHarvest => "farm harvest",
            Self::FeedMill => "feed mill",
            Self::Processing => "processing",
            Self::Aggregation => "aggregation",
            Self::Shipping => "shipping",
            Self::Receiving => "receiving",
            Self::Other => "other",
        }
    }

    /// The CTE's Vietnamese name.
    pub fn name_vi(self) -> &'static str {
        match self {
            Self::Fishing => "khai thác (đánh bắt)",
            Self::Transshipment => "chuyển tải",
            Self::Landing => "cập cảng, bốc dỡ",
            Self::Hatching => "sản xuất giống",
            Self::FarmHarvest => "thu hoạch nuôi trồng",
            Self::FeedMill => "sản xuất thức ăn",
            Self::Processing => "chế biến",
            Self::Aggregation => "đóng gói, tháo gói",
            Self::Shipping => "xuất hàng",
            Self::Receiving => "nhận hàng",
            Self::Other => "khác",
        }
    }
}

/// The GDST rule an issue breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GdstRule {
    /// A KDE this CTE requires is missing.
    Required,
    /// The value is not one of those GDST allows.
    OneOf(&'static [&'static str]),
    /// The value is not an absolute URI.
    Uri,
    /// The value is not an ISO 3166-1 alpha-2 country code.
    CountryCode,
    /// The value is not an IMO number: `IMO` and 7 digits ending in the check digit, or the
    /// 8 digits the GDST schema also admits.
    ImoNumber,
    /// The value is not a GDST URN of the given family (`urn:gdst:certType:` …).
    UrnPrefix(&'static str),
    /// The value is not a date-time with a UTC offset.
    DateTime,
    /// The value is not `true` or `false`.
    Boolean,
    /// The value is not a single piece of text.
    Text,
    /// The value is not a group of fields.
    Group,
    /// The field has no place here.
    NotAllowed,
}

/// One way an event falls short of the GDST 1.2 profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GdstIssue {
    /// 0-based position of the event in the document.
    pub event_index: usize,
    /// The event's bizStep (normalised URI), when it has one.
    pub biz_step: Option<String>,
    /// The CTE the event was checked as.
    pub cte: Cte,
    /// The KDE at fault, as GDST writes it from the event: `gdst:productOwner`,
    /// `ilmd.cbvmda:lotNumber`,
    /// `ilmd.cbvmda:vesselCatchInformationList.cbvmda:vesselCatchInformation[0].gdst:imoNumber`.
    pub field: String,
    /// The rule broken.
    pub rule: GdstRule,
    /// The offending value, when there is one to show.
    pub found: Option<String>,
}

impl GdstIssue {
    /// What is wrong, in English.
    pub fn message_en(&self) -> String {
        let rule = match self.rule {
            GdstRule::Required => format!("is required in a GDST {} event", self.cte.name_en()),
            GdstRule::OneOf(values) => format!("must be one of {}", values.join(", ")),
            GdstRule::Uri => "must be an absolute URI".to_owned(),
            GdstRule::CountryCode => {
                "must be an ISO 3166-1 alpha-2 country code (e.g. VN)".to_owned()
            }
            GdstRule::ImoNumber => {
                "must be IMO and 7 digits ending in the check digit (or 8 digits)".to_owned()
            }
            GdstRule::UrnPrefix(prefix) => format!("must start with {prefix}"),
            GdstRule::DateTime => {
                "must be a date-time with offset (e.g. 2024-01-31T09:30:00+07:00)".to_owned()
            }
            GdstRule::Boolean => "must be true or false".to_owned(),
            GdstRule::Text => "must be a single text value".to_owned(),
            GdstRule::Group => "must be a group of fields".to_owned(),
            GdstRule::NotAllowed => "is not allowed here".to_owned(),
        };
        self.compose(&format!("event {}", self.event_index), &rule, "found")
    }

    /// What is wrong, in Vietnamese.
    pub fn message_vi(&self) -> String {
        let rule = match self.rule {
            GdstRule::Required => format!("là bắt buộc trong sự kiện GDST {}", self.cte.name_vi()),
            GdstRule::OneOf(values) => {
                format!("phải là một trong các giá trị {}", values.join(", "))
            }
            GdstRule::Uri => "phải là một URI tuyệt đối".to_owned(),
            GdstRule::CountryCode => "phải là mã quốc gia ISO 3166-1 alpha-2 (ví dụ VN)".to_owned(),
            GdstRule::ImoNumber => {
                "phải là IMO và 7 chữ số, chữ số cuối là số kiểm tra (hoặc 8 chữ số)".to_owned()
            }
            GdstRule::UrnPrefix(prefix) => format!("phải bắt đầu bằng {prefix}"),
            GdstRule::DateTime => {
                "phải là ngày giờ có múi giờ (ví dụ 2024-01-31T09:30:00+07:00)".to_owned()
            }
            GdstRule::Boolean => "phải là true hoặc false".to_owned(),
            GdstRule::Text => "phải là một giá trị văn bản đơn".to_owned(),
            GdstRule::Group => "phải là một nhóm trường".to_owned(),
            GdstRule::NotAllowed => "không được phép ở đây".to_owned(),
        };
        self.compose(&format!("sự kiện {}", self.event_index), &rule, "giá trị")
    }

    fn compose(&self, event: &str, rule: &str, found_word: &str) -> String {
        let mut text = format!("{event}: {} {rule}", self.field);
        if let Some(found) = &self.found {
            text.push_str(&format!(" ({found_word}: \"{found}\")"));
        }
        text
    }
}

impl fmt::Display for GdstIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}
