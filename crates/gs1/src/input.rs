//! Recognises any GS1 input — a Digital Link URI, a bracketed or raw element string, an EPC URN or
//! a bare key — and gives every representation of it.

use crate::digital_link::{CANONICAL_BASE, DigitalLink, DigitalLinkError};
use crate::element::{AiError, ElementString};
use crate::epc::{EpcError, PrefixLengths, digital_link_to_urn, urn_to_digital_link};
use crate::error::KeyError;
use crate::key::{Key, KeyKind};

/// The form the input was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputForm {
    /// `https://…/01/…`.
    DigitalLink,
    /// `(01)…(10)…`.
    BracketedElementString,
    /// `01…10…<GS>…` as a scanner sends it.
    RawElementString,
    /// `urn:epc:…`.
    EpcUrn,
    /// Digits (or characters) of one key.
    Key,
}

/// Why an input could not be read, in the terms of the form it was recognised as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The input is empty.
    #[error("input is empty")]
    Empty,
    /// Read as a Digital Link URI.
    #[error("Digital Link URI: {0}")]
    DigitalLink(#[from] DigitalLinkError),
    /// Read as an element string.
    #[error("{0}")]
    ElementString(#[from] AiError),
    /// Read as an EPC URN.
    #[error("EPC URN: {0}")]
    Epc(#[from] EpcError),
    /// Read as a bare key.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// A bare value whose length fits no key.
    #[error(
        "cannot tell which GS1 key {length} characters are; give the kind (e.g. gln) or use (AI) notation"
    )]
    UnknownKey {
        /// The input length.
        length: usize,
    },
}

/// An input recognised as a GS1 identifier, with its Digital Link form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    /// How the input was written.
    pub form: InputForm,
    /// The identifier as a Digital Link (on the input's own domain for Digital Link input).
    pub link: DigitalLink,
}

impl Identified {
    /// The EPC URN, if the identifier has one and its company prefix length is known.
    pub fn epc_urn(&self, lengths: &PrefixLengths) -> Result<String, EpcError> {
        digital_link_to_urn(&self.link, lengths)
    }
}

/// Recognises `input`. A bare 13-digit number is read as a GTIN-13 and an 18-digit one as an SSCC
/// unless `kind` says otherwise, since a GLN and a GTIN-13 (or an SSCC and a GSRN) look alike.
pub fn identify(input: &str, kind: Option<KeyKind>) -> Result<Identified, InputError> {
    let input = input.trim();
    let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    let (form, link) = if input.is_empty() {
        return Err(InputError::Empty);
    } else if lower.starts_with("https://") || lower.starts_with("http://") {
        (InputForm::DigitalLink, DigitalLink::parse(input)?)
    } else if lower.starts_with("urn:") {
        (InputForm::EpcUrn, urn_to_digital_link(input)?)
    } else if input.starts_with('(') {
        let elements = ElementString::parse_bracketed(input)?;
        (
            InputForm::BracketedElementString,
            DigitalLink::from_element_string(&elements, CANONICAL_BASE)?,
        )
    } else if let Some(kind) = kind {
        let key = Key::parse(kind, input)?;
        (InputForm::Key, DigitalLink::from_key(&key, &[])?)
    } else if input.bytes().all(|b| b.is_ascii_digit())
        && matches!(input.len(), 8 | 12 | 13 | 14 | 18)
    {
        let kind = if input.len() == 18 {
            KeyKind::Sscc
        } else {
            KeyKind::Gtin
        };
        let key = Key::parse(kind, input)?;
        (InputForm::Key, DigitalLink::from_key(&key, &[])?)
    } else if input.starts_with(']') || input.bytes().all(|b| b.is_ascii_graphic() || b == 0x1d) {
        let elements = ElementString::parse_raw(input).map_err(|error| match error {
            AiError::Syntax { .. } if !input.starts_with(']') && !input.contains('\u{1d}') => {
                InputError::UnknownKey {
                    length: input.chars().count(),
                }
            }
            other => other.into(),
        })?;
        (
            InputForm::RawElementString,
            DigitalLink::from_element_string(&elements, CANONICAL_BASE)?,
        )
    } else {
        return Err(InputError::UnknownKey {
            length: input.chars().count(),
        });
    };
    Ok(Identified { form, link })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_recognised() {
        let cases = [
            (
                "https://example.vn/01/08934673000017/10/L1",
                InputForm::DigitalLink,
            ),
            (
                "(01)08934673000017(10)L1",
                InputForm::BracketedElementString,
            ),
            ("]d2010893467300001710L1", InputForm::RawElementString),
            ("010893467300001710L1", InputForm::RawElementString),
            ("urn:epc:class:lgtin:893467300.0001.L1", InputForm::EpcUrn),
        ];
        for (input, form) in cases {
            let identified = identify(input, None).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(identified.form, form);
            assert_eq!(
                identified.link.canonical(),
                "https://id.gs1.org/01/08934673000017/10/L1"
            );
        }
        let gtin = identify("8934673000017", None).unwrap();
        assert_eq!(gtin.form, InputForm::Key);
        assert_eq!(gtin.link.kind(), "gtin");
        let gln = identify("8934673000017", Some(KeyKind::Gln)).unwrap();
        assert_eq!(gln.link.canonical(), "https://id.gs1.org/414/8934673000017");
        assert_eq!(
            gln.epc_urn(&PrefixLengths::builtin()).unwrap(),
            "urn:epc:id:sgln:893467300.001.0"
        );
    }

    #[test]
    fn errors_keep_the_form() {
        assert_eq!(identify("  ", None), Err(InputError::Empty));
        assert!(
            identify("8934673000015", None)
                .unwrap_err()
                .to_string()
                .starts_with("GTIN: check digit")
        );
        assert!(
            identify("https://x.vn/01/1", None)
                .unwrap_err()
                .to_string()
                .starts_with("Digital Link URI:")
        );
        assert!(
            identify("urn:epc:id:sgtin:1", None)
                .unwrap_err()
                .to_string()
                .starts_with("EPC URN:")
        );
        assert_eq!(
            identify("hello", None),
            Err(InputError::UnknownKey { length: 5 })
        );
        assert_eq!(
            identify("xin chào", None),
            Err(InputError::UnknownKey { length: 8 })
        );
    }
}
