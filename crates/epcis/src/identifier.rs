//! Identifiers in events: the two spellings of a GS1 key (EPC URN and GS1 Digital Link URI),
//! the one form the repository indexes, and the spelling a reader asked for.

use nguon_gs1::{DigitalLink, PrefixLengths, digital_link_to_urn, urn_to_digital_link};

use crate::model::EpcFormat;

/// The form an identifier is indexed and compared in: the canonical `https://id.gs1.org/…`
/// Digital Link for anything that is a GS1 key (from an EPC URN or from a Digital Link on any
/// domain), anything else (a URN of another scheme, a URL) as written.
pub fn index_form(value: &str) -> String {
    let value = value.trim();
    if value.starts_with("urn:epc:") {
        if let Ok(link) = urn_to_digital_link(value) {
            return link.canonical_id();
        }
    } else if value.starts_with("http")
        && let Ok(link) = DigitalLink::parse(value)
    {
        return link.canonical_id();
    }
    value.to_owned()
}

/// Spells an identifier as `format` asks; one with no translation is left as captured.
pub fn spell(value: &str, format: EpcFormat, lengths: &PrefixLengths) -> String {
    match format {
        EpcFormat::NoPreference | EpcFormat::NeverTranslates => value.to_owned(),
        EpcFormat::AlwaysDigitalLink => urn_to_digital_link(value)
            .map(|link| link.canonical_id())
            .unwrap_or_else(|_| value.to_owned()),
        EpcFormat::AlwaysEpcUrn => DigitalLink::parse(value)
            .ok()
            .and_then(|link| digital_link_to_urn(&link, lengths).ok())
            .unwrap_or_else(|| value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_index_as_one_canonical_link() {
        let urn = "urn:epc:id:sgtin:0614141.107346.2017";
        let link = "https://example.com/01/10614141073464/21/2017?x=1";
        assert_eq!(
            index_form(urn),
            "https://id.gs1.org/01/10614141073464/21/2017"
        );
        assert_eq!(index_form(link), index_form(urn));
        assert_eq!(index_form("urn:uuid:1234"), "urn:uuid:1234");
        assert_eq!(index_form("urn:epc:id:sgtin:bad"), "urn:epc:id:sgtin:bad");
    }

    #[test]
    fn readers_get_the_spelling_they_ask_for() {
        let lengths = PrefixLengths::builtin();
        let urn = "urn:epc:class:lgtin:4012345.012345.998877";
        let link = "https://id.gs1.org/01/04012345123456/10/998877";
        assert_eq!(spell(urn, EpcFormat::AlwaysDigitalLink, &lengths), link);
        assert_eq!(spell(link, EpcFormat::AlwaysEpcUrn, &lengths), urn);
        assert_eq!(spell(urn, EpcFormat::NeverTranslates, &lengths), urn);
        assert_eq!(
            spell("urn:x:y", EpcFormat::AlwaysDigitalLink, &lengths),
            "urn:x:y"
        );
    }
}
