//! The identifier a trace starts from, read from any spelling, and what kind of thing it names.

use nguon_gs1::{DigitalLink, identify};
use serde::Serialize;

/// An identifier in the form events are indexed by: the canonical `https://id.gs1.org/…`
/// Digital Link for a GS1 key, a private URI as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Identifier(String);

/// Why a trace cannot start from an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be a GS1 identifier (Digital Link URI, EPC URN, element string) or a private URN: {reason}"
)]
pub struct IdentifierError {
    /// What was wrong with it.
    pub reason: String,
}

impl Identifier {
    /// Reads a GS1 identifier in any spelling (Digital Link URI on any domain, EPC URN,
    /// bracketed or raw element string) or a private URN such as `urn:example:lot:7`.
    ///
    /// `http(s)://` and `urn:epc:` are GS1 spellings, so one that does not parse is refused with
    /// the GS1 reason rather than looked up as written and reported as unknown.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let input = input.trim();
        match identify(input, None) {
            Ok(identified) => Ok(Self(identified.link.canonical_id())),
            Err(_) if is_private_urn(input) => Ok(Self(input.to_owned())),
            Err(error) => Err(IdentifierError {
                reason: error.to_string(),
            }),
        }
    }

    /// An identifier already in index form, as the store returns them.
    pub(crate) fn indexed(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The index form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What it names, judged from its GS1 key and qualifiers.
    pub fn kind(&self) -> IdentifierKind {
        match DigitalLink::parse(&self.0).map(|link| link.kind()) {
            Ok("lgtin") => IdentifierKind::Lot,
            Ok("sgtin") => IdentifierKind::Serial,
            Ok("sscc") => IdentifierKind::LogisticUnit,
            _ => IdentifierKind::Other,
        }
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `urn:NID:rest` with a namespace other than `epc`, without whitespace.
fn is_private_urn(input: &str) -> bool {
    let Some(rest) = input.strip_prefix("urn:") else {
        return false;
    };
    let Some((namespace, name)) = rest.split_once(':') else {
        return false;
    };
    !namespace.is_empty()
        && !namespace.eq_ignore_ascii_case("epc")
        && namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.is_empty()
        && !input.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// What an identifier names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierKind {
    /// A batch: GTIN with a lot number (LGTIN).
    Lot,
    /// One item: GTIN with a serial number (SGTIN).
    Serial,
    /// A pallet, carton or container: SSCC.
    LogisticUnit,
    /// Anything else: a GTIN without lot, another GS1 key, a private URN.
    Other,
}

impl IdentifierKind {
    /// The name JSON and text output use: `lot`, `serial`, `logistic_unit`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lot => "lot",
            Self::Serial => "serial",
            Self::LogisticUnit => "logistic_unit",
            Self::Other => "other",
        }
    }
}

impl Serialize for IdentifierKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_key_is_one_identifier() {
        let lot = "https://id.gs1.org/01/08931234560010/10/PL1";
        for spelling in [
            "urn:epc:class:lgtin:893123456.0001.PL1",
            "https://truyxuat.example.vn/01/08931234560010/10/PL1?17=261231",
            "(01)08931234560010(10)PL1",
            lot,
        ] {
            let id = Identifier::parse(spelling).unwrap_or_else(|e| panic!("{spelling}: {e}"));
            assert_eq!(id.as_str(), lot, "{spelling}");
            assert_eq!(id.kind(), IdentifierKind::Lot);
        }
        let serial = Identifier::parse("urn:epc:id:sgtin:0614141.107346.2017").unwrap();
        assert_eq!(serial.kind(), IdentifierKind::Serial);
        let pallet = Identifier::parse("urn:epc:id:sscc:0614141.1234567890").unwrap();
        assert_eq!(pallet.as_str(), "https://id.gs1.org/00/106141412345678908");
        assert_eq!(pallet.kind(), IdentifierKind::LogisticUnit);
        let private = Identifier::parse("urn:example:lot:7").unwrap();
        assert_eq!(private.as_str(), "urn:example:lot:7");
        assert_eq!(private.kind(), IdentifierKind::Other);
    }

    #[test]
    fn broken_gs1_spellings_and_non_identifiers_are_refused_with_the_reason() {
        for bad in [
            "",
            "hello world",
            "urn:epc:id:sgtin:bad",
            "https://id.gs1.org/01/08931234560018/10/PL1",
            "urn:example",
        ] {
            let error = Identifier::parse(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("must be a GS1 identifier"),
                "{bad}: {error}"
            );
        }
        let error = Identifier::parse("https://id.gs1.org/01/08931234560018")
            .unwrap_err()
            .to_string();
        assert!(error.contains("check digit"), "{error}");
    }
}
