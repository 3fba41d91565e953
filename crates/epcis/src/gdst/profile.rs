//! The GDST 1.2 profile: which CTE an event is, and the KDEs each CTE requires, with the value
//! forms the GDST JSON schema gives them.

use crate::model::{Event, EventBody, Extension, ExtensionValue, parse_timestamp};
use crate::vocab::Vocabulary;

use super::fields::{Kde, items};
use super::{Cte, GdstIssue, GdstRule};

pub(super) const PRODUCT_OWNER: Kde = Kde::gdst("productOwner");
pub(super) const INFORMATION_PROVIDER: Kde = Kde::mda("informationProvider");
const HUMAN_WELFARE_POLICY: Kde = Kde::gdst("humanWelfarePolicy");
const BROODSTOCK_SOURCE: Kde = Kde::gdst("broodstockSource");
const LOT_NUMBER: Kde = Kde::mda("lotNumber");
const PROTEIN_SOURCE: Kde = Kde::gdst("proteinSource");
const CERTIFICATION_LIST: Kde = Kde::mda("certificationList");
const CERTIFICATION: Kde = Kde::plain("certification");
const VESSEL_CATCH_LIST: Kde = Kde::mda("vesselCatchInformationList");
const VESSEL_CATCH: Kde = Kde::mda("vesselCatchInformation");
const PRODUCTION_METHOD: Kde = Kde::mda("productionMethodForFishAndSeafoodCode");
const GPS_AVAILABILITY: Kde = Kde::gdst("gpsAvailability");

/// The KDEs GDST's JSON writes as arrays even when there is one item (XML repeats the element,
/// so one item reads as a single group).
pub(super) const REPEATED: [Kde; 2] = [CERTIFICATION, VESSEL_CATCH];
/// The KDEs GDST's JSON writes as booleans (XML writes them as text).
pub(super) const BOOLEANS: [Kde; 1] = [GPS_AVAILABILITY];

/// How GDST prefixes its own bizStep URNs.
const GDST_BIZ_STEP: &str = "urn:gdst:bizStep:";

const HUMAN_WELFARE_POLICIES: &[&str] = &["None", "Internal", "3P Audit"];
const BROODSTOCK_SOURCES: &[&str] = &["Domestic", "Wild Sources"];
const AQUACULTURE: &[&str] = &["AQUACULTURE"];
const MARINE_FISHERY: &[&str] = &["MARINE_FISHERY"];

/// The KDEs whose values GDST enumerates, with every value's spelling. GDST's own XML examples
/// write some in another case (`domestic`), so values are matched ignoring case and the
/// exporter writes them as spelled here, which is what the GDST JSON schema accepts.
pub(super) const ENUMERATED: [(Kde, &[&str]); 3] = [
    (HUMAN_WELFARE_POLICY, HUMAN_WELFARE_POLICIES),
    (BROODSTOCK_SOURCE, BROODSTOCK_SOURCES),
    (PRODUCTION_METHOD, &["AQUACULTURE", "MARINE_FISHERY"]),
];

/// GDST's spelling of `found` among `values`, whatever its case.
pub(super) fn spelling(values: &[&'static str], found: &str) -> Option<&'static str> {
    values
        .iter()
        .find(|value| value.eq_ignore_ascii_case(found.trim()))
        .copied()
}

/// Whether a KDE must be present.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Required,
    Optional,
}

/// The form a KDE's value must have.
#[derive(Clone, Copy)]
enum Form {
    Text,
    Uri,
    OneOf(&'static [&'static str]),
    CountryCode,
    Imo,
    UrnPrefix(&'static str),
    DateTime,
    Boolean,
}

/// The ILMD of the feed-mill and processing CTEs beside the lot number, all optional.
const PRODUCTION_KDES: [(Kde, Need, Form); 3] = [
    (
        Kde::mda("itemExpirationDate"),
        Need::Optional,
        Form::DateTime,
    ),
    (Kde::mda("productionDate"), Need::Optional, Form::DateTime),
    (
        Kde::mda("countryOfOrigin"),
        Need::Optional,
        Form::CountryCode,
    ),
];

/// The members of one `cbvmda:vesselCatchInformation`, every one required.
const VESSEL_KDES: [(Kde, Form); 14] = [
    (Kde::mda("economicZone"), Form::UrnPrefix("urn:gdst:eez:")),
    (
        Kde::mda("fishingGearTypeCode"),
        Form::UrnPrefix("urn:gdst:gear:"),
    ),
    (Kde::mda("vesselFlagState"), Form::CountryCode),
    (Kde::mda("vesselID"), Form::Text),
    (Kde::mda("vesselName"), Form::Text),
    (Kde::gdst("fisheryImprovementProject"), Form::Text),
    (GPS_AVAILABILITY, Form::Boolean),
    (Kde::gdst("imoNumber"), Form::Imo),
    (Kde::gdst("rfmoArea"), Form::UrnPrefix("urn:gdst:rfmo:")),
    (Kde::gdst("satelliteTrackingAuthority"), Form::Text),
    (Kde::gdst("subnationalPermitArea"), Form::Text),
    (Kde::gdst("vesselPublicRegistry"), Form::Text),
    (Kde::gdst("vesselTripDate"), Form::DateTime),
    (Kde::mda("catchArea"), Form::UrnPrefix("urn:gdst:fao:")),
];

/// The members of one certification; nothing else is allowed in it.
const CERTIFICATION_KDES: [(Kde, Need, Form); 5] = [
    (
        Kde::gdst("certificationType"),
        Need::Required,
        Form::UrnPrefix("urn:gdst:certType:"),
    ),
    (
        Kde::plain("certificationAgency"),
        Need::Required,
        Form::Text,
    ),
    (
        Kde::plain("certificationStandard"),
        Need::Required,
        Form::Text,
    ),
    (
        Kde::plain("certificationIdentification"),
        Need::Required,
        Form::Text,
    ),
    (Kde::plain("certificationValue"), Need::Optional, Form::Text),
];

impl Cte {
    /// The CTE an event stands for, by its type, its bizStep and, for a commissioning
    /// transformation, whether its ILMD names a protein source (see the module documentation).
    pub fn of(event: &Event) -> Self {
        let step = event.biz_step.as_deref();
        let gdst = step.and_then(|s| s.strip_prefix(GDST_BIZ_STEP));
        let cbv = step.and_then(|s| Vocabulary::BizStep.bare_word(s));
        let object = matches!(event.body, EventBody::Object { .. });
        let transformation = matches!(event.body, EventBody::Transformation { .. });
        match (gdst, cbv) {
            (Some("fishingEvent"), _) => Self::Fishing,
            (Some("transshipment"), _) => Self::Transshipment,
            (Some("landing"), _) => Self::Landing,
            (Some("hatching"), _) => Self::Hatching,
            (Some("farmHarvest"), _) if transformation => Self::FarmHarvest,
            (_, Some("commissioning"))
                if object || (transformation && PROTEIN_SOURCE.find(ilmd(event)).is_some()) =>
            {
                Self::FeedMill
            }
            (Some("commingling"), _) | (_, Some("commissioning")) => Self::Processing,
            _ if matches!(event.body, EventBody::Aggregation { .. }) => Self::Aggregation,
            (_, Some("shipping")) => Self::Shipping,
            (_, Some("receiving")) => Self::Receiving,
            _ => Self::Other,
        }
    }
}

/// The event's ILMD; empty for types that carry none.
fn ilmd(event: &Event) -> &[Extension] {
    match &event.body {
        EventBody::Object { ilmd, .. } | EventBody::Transformation { ilmd, .. } => {
            ilmd.as_deref().unwrap_or_default()
        }
        _ => &[],
    }
}

/// Appends the issues of the event at `index`.
pub(super) fn check_event(index: usize, event: &Event, issues: &mut Vec<GdstIssue>) {
    let cte = Cte::of(event);
    let mut check = Check {
        index,
        event,
        cte,
        issues,
    };
    let own = event.extensions.as_slice();
    let ilmd = ilmd(event);
    check.kde(own, "", PRODUCT_OWNER, Need::Required, Form::Uri);
    check.kde(own, "", INFORMATION_PROVIDER, Need::Required, Form::Uri);
    check.certifications(own, "");
    check.certifications(ilmd, "ilmd");
    if matches!(
        cte,
        Cte::Fishing
            | Cte::Transshipment
            | Cte::Landing
            | Cte::Hatching
            | Cte::FarmHarvest
            | Cte::FeedMill
    ) {
        let policies = Form::OneOf(HUMAN_WELFARE_POLICIES);
        check.kde(own, "", HUMAN_WELFARE_POLICY, Need::Required, policies);
    }
    let lot = |check: &mut Check| check.kde(ilmd, "ilmd", LOT_NUMBER, Need::Required, Form::Text);
    match cte {
        Cte::Fishing => {
            let method = Form::OneOf(MARINE_FISHERY);
            check.kde(ilmd, "ilmd", PRODUCTION_METHOD, Need::Required, method);
            lot(&mut check);
            check.vessels(ilmd);
        }
        Cte::Transshipment | Cte::Landing => {
            let port = Kde::mda("unloadingPort");
            check.kde(own, "", port, Need::Optional, Form::Text);
        }
        Cte::Hatching => {
            let sources = Form::OneOf(BROODSTOCK_SOURCES);
            check.kde(ilmd, "ilmd", BROODSTOCK_SOURCE, Need::Required, sources);
            lot(&mut check);
        }
        Cte::FarmHarvest => {
            let method = Kde::gdst("aquacultureMethod");
            check.kde(ilmd, "ilmd", method, Need::Required, Form::Text);
            let code = Form::OneOf(AQUACULTURE);
            check.kde(ilmd, "ilmd", PRODUCTION_METHOD, Need::Required, code);
            lot(&mut check);
        }
        Cte::FeedMill | Cte::Processing => {
            if cte == Cte::FeedMill {
                check.kde(ilmd, "ilmd", PROTEIN_SOURCE, Need::Required, Form::Text);
            }
            lot(&mut check);
            for (kde, need, form) in PRODUCTION_KDES {
                check.kde(ilmd, "ilmd", kde, need, form);
            }
        }
        Cte::Aggregation | Cte::Shipping | Cte::Receiving | Cte::Other => {}
    }
}

/// The checks of one event.
struct Check<'a> {
    index: usize,
    event: &'a Event,
    cte: Cte,
    issues: &'a mut Vec<GdstIssue>,
}

impl Check<'_> {
    fn push(&mut self, field: String, rule: GdstRule, found: Option<&str>) {
        self.issues.push(GdstIssue {
            event_index: self.index,
            biz_step: self.event.biz_step.clone(),
            cte: self.cte,
            field,
            rule,
            found: found.map(str::to_owned),
        });
    }

    /// Checks the KDE `kde` among `fields` (found at `at`): present if required, of its form if
    /// present.
    fn kde(&mut self, fields: &[Extension], at: &str, kde: Kde, need: Need, form: Form) {
        let field = join(at, &kde.curie());
        match kde.find(fields) {
            None if need == Need::Required => self.push(field, GdstRule::Required, None),
            None => {}
            Some(value) => {
                if let Some((rule, found)) = broken(form, value) {
                    self.push(field, rule, found);
                }
            }
        }
    }

    /// The value of a group KDE among `fields`, reporting it when it is missing or no group.
    fn group<'e>(
        &mut self,
        fields: &'e [Extension],
        field: &str,
        kde: Kde,
    ) -> Option<&'e [Extension]> {
        match kde.find(fields) {
            None => {
                self.push(field.to_owned(), GdstRule::Required, None);
                None
            }
            Some(ExtensionValue::Fields(inner)) => Some(inner),
            Some(_) => {
                self.push(field.to_owned(), GdstRule::Group, None);
                None
            }
        }
    }

    /// The vessel and catch KDEs of a fishing event's ILMD.
    fn vessels(&mut self, ilmd: &[Extension]) {
        let at = join("ilmd", &VESSEL_CATCH_LIST.curie());
        let Some(list) = self.group(ilmd, &at, VESSEL_CATCH_LIST) else {
            return;
        };
        let Some(catches) = VESSEL_CATCH.find(list) else {
            self.push(join(&at, &VESSEL_CATCH.curie()), GdstRule::Required, None);
            return;
        };
        for (i, catch) in items(catches).into_iter().enumerate() {
            let here = format!("{}[{i}]", join(&at, &VESSEL_CATCH.curie()));
            match catch {
                ExtensionValue::Fields(members) => {
                    for (kde, form) in VESSEL_KDES {
                        self.kde(members, &here, kde, Need::Required, form);
                    }
                }
                _ => self.push(here, GdstRule::Group, None),
            }
        }
    }

    /// A `cbvmda:certificationList` among `fields`, when there is one: a group holding only
    /// `certification`s, each with exactly the certification KDEs.
    fn certifications(&mut self, fields: &[Extension], at: &str) {
        if CERTIFICATION_LIST.find(fields).is_none() {
            return;
        }
        let at = join(at, &CERTIFICATION_LIST.curie());
        let Some(list) = self.group(fields, &at, CERTIFICATION_LIST) else {
            return;
        };
        self.only(list, &at, &[CERTIFICATION]);
        let Some(certifications) = CERTIFICATION.find(list) else {
            self.push(join(&at, &CERTIFICATION.curie()), GdstRule::Required, None);
            return;
        };
        let allowed = CERTIFICATION_KDES.map(|(kde, _, _)| kde);
        for (i, certification) in items(certifications).into_iter().enumerate() {
            let here = format!("{}[{i}]", join(&at, &CERTIFICATION.curie()));
            match certification {
                ExtensionValue::Fields(members) => {
                    self.only(members, &here, &allowed);
                    for (kde, need, form) in CERTIFICATION_KDES {
                        self.kde(members, &here, kde, need, form);
                    }
                }
                _ => self.push(here, GdstRule::Group, None),
            }
        }
    }

    /// Reports every member of `fields` that is none of `allowed`.
    fn only(&mut self, fields: &[Extension], at: &str, allowed: &[Kde]) {
        for field in fields {
            if !allowed.iter().any(|kde| kde.matches(&field.name)) {
                let name = match &field.name.prefix {
                    Some(prefix) => format!("{prefix}:{}", field.name.local),
                    None => field.name.iri(),
                };
                self.push(join(at, &name), GdstRule::NotAllowed, None);
            }
        }
    }
}

/// `at.name`, or `name` at the event itself.
fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

/// The rule `value` breaks for `form`, with the value to show, if any.
fn broken(form: Form, value: &ExtensionValue) -> Option<(GdstRule, Option<&str>)> {
    if let Form::Boolean = form {
        let ok = match value {
            ExtensionValue::Boolean(_) => true,
            other => text(other).is_some_and(|t| matches!(t.trim(), "true" | "false")),
        };
        return (!ok).then_some((GdstRule::Boolean, text(value)));
    }
    let Some(found) = text(value) else {
        return Some((GdstRule::Text, None));
    };
    let rule = match form {
        Form::Text | Form::Boolean => return None,
        Form::Uri => (!is_absolute_uri(found)).then_some(GdstRule::Uri),
        Form::OneOf(values) => spelling(values, found)
            .is_none()
            .then_some(GdstRule::OneOf(values)),
        Form::CountryCode => (!is_country_code(found)).then_some(GdstRule::CountryCode),
        Form::Imo => (!is_imo_number(found)).then_some(GdstRule::ImoNumber),
        Form::UrnPrefix(prefix) => {
            let ok = found.starts_with(prefix) && is_absolute_uri(found);
            (!ok).then_some(GdstRule::UrnPrefix(prefix))
        }
        Form::DateTime => (!is_date_time(found)).then_some(GdstRule::DateTime),
    };
    rule.map(|rule| (rule, Some(found)))
}

/// A value as text, when it is written as text (JSON strings, XML element text); numbers,
/// booleans and groups are not, as the GDST schema types these KDEs `string`.
fn text(value: &ExtensionValue) -> Option<&str> {
    match value {
        ExtensionValue::Text(text) | ExtensionValue::Attributed { text, .. } => Some(text),
        _ => None,
    }
}

/// An absolute URI as the schema's `uri` format wants it: a scheme, a colon, then something
/// without white space.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !rest.chars().any(char::is_whitespace)
}

/// A date-time with its offset (`Z` or `±hh:mm`), as the schema's `date-time` format wants it.
fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let offset = text.ends_with(['Z', 'z'])
        || (bytes.len() > 6
            && matches!(bytes[bytes.len() - 6], b'+' | b'-')
            && bytes[bytes.len() - 3] == b':');
    offset && parse_timestamp(text).is_some()
}

/// `IMO` and 7 digits whose last is the check digit (IMO Resolution A.1117(30): the first six
/// weighted 7…2, summed, modulo 10), or `IMO` and 8 digits, which the GDST schema also admits
/// and for which no check digit is defined.
fn is_imo_number(text: &str) -> bool {
    let Some(digits) = text.strip_prefix("IMO") else {
        return false;
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match digits.len() {
        7 => {
            let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
            let sum: u32 = d[..6].iter().zip((2..=7).rev()).map(|(d, w)| d * w).sum();
            sum % 10 == d[6]
        }
        8 => true,
        _ => false,
    }
}

/// Whether `text` is an officially assigned ISO 3166-1 alpha-2 code.
fn is_country_code(text: &str) -> bool {
    ISO_3166_ALPHA_2.binary_search(&text).is_ok()
}

/// The officially assigned ISO 3166-1 alpha-2 codes, sorted (Debian iso-codes 4.15.0,
/// `iso_3166-1.json`: 249 codes).
const ISO_3166_ALPHA_2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imo_numbers_need_their_check_digit() {
        // IMO 9074729: 9·7 + 0·6 + 7·5 + 4·4 + 7·3 + 2·2 = 139, check digit 9.
        assert!(is_imo_number("IMO9074729"));
        assert!(!is_imo_number("IMO9074728"));
        assert!(is_imo_number("IMO12345678"));
        for bad in ["IMO", "IMO123456", "IMO123456789", "9074729", "IMO90747a9"] {
            assert!(!is_imo_number(bad), "{bad}");
        }
    }

    #[test]
    fn country_codes_are_the_assigned_ones() {
        assert!(ISO_3166_ALPHA_2.windows(2).all(|w| w[0] < w[1]));
        for good in ["VN", "US", "BR", "ZW", "AD"] {
            assert!(is_country_code(good), "{good}");
        }
        for bad in ["USA", "vn", "XX", "UK", ""] {
            assert!(!is_country_code(bad), "{bad}");
        }
    }

    #[test]
    fn date_times_need_an_offset() {
        assert!(is_date_time("2022-02-03T03:00:00.0000000+00:00"));
        assert!(is_date_time("2021-09-26T13:37:42.255Z"));
        assert!(!is_date_time("2021-09-26T13:37:42"));
        assert!(!is_date_time("2021-09-26"));
    }

    #[test]
    fn uris_need_a_scheme() {
        assert!(is_absolute_uri("urn:gdst:example.org:party:1"));
        assert!(is_absolute_uri("https://id.gs1.org/417/8930000000019"));
        for bad in ["party 1", "1urn:x", ":x", "urn:", "urn:a b"] {
            assert!(!is_absolute_uri(bad), "{bad}");
        }
    }
}
