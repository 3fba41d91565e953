//! Organisation names.

use std::fmt;

use crate::DomainError;

/// The registered name of an organisation: trimmed, not empty, at most
/// [`OrganisationName::MAX_CHARS`] characters, no control characters.
///
/// Characters are Unicode scalar values, not bytes, so a Vietnamese name with diacritics gets the
/// same allowance as an ASCII one. Control characters are refused because the name is printed on
/// labels and exported to spreadsheets and portals, where a line break would split a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrganisationName(String);

impl OrganisationName {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name, removing surrounding whitespace first.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::NameEmpty);
        }
        let found = trimmed.chars().count();
        if found > Self::MAX_CHARS {
            return Err(DomainError::NameTooLong {
                max: Self::MAX_CHARS,
                found,
            });
        }
        if let Some(index) = trimmed.chars().position(char::is_control) {
            return Err(DomainError::NameControlCharacter {
                position: index + 1,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganisationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrganisationName {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrganisationName> for String {
    fn from(name: OrganisationName) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_surrounding_whitespace() {
        let name = OrganisationName::parse("  HTX Tôm sạch Cà Mau \n").unwrap();
        assert_eq!(name.as_str(), "HTX Tôm sạch Cà Mau");
    }

    #[test]
    fn rejects_empty_and_blank_names() {
        assert_eq!(OrganisationName::parse(""), Err(DomainError::NameEmpty));
        assert_eq!(OrganisationName::parse(" \t "), Err(DomainError::NameEmpty));
    }

    #[test]
    fn counts_characters_not_bytes() {
        // "ạ" is 3 bytes in UTF-8; 200 of them are 600 bytes but still 200 characters.
        let at_limit = "ạ".repeat(200);
        assert!(OrganisationName::parse(&at_limit).is_ok());
        let over = "ạ".repeat(201);
        assert_eq!(
            OrganisationName::parse(&over),
            Err(DomainError::NameTooLong {
                max: 200,
                found: 201
            })
        );
    }

    #[test]
    fn rejects_inner_control_characters() {
        let err = OrganisationName::parse("Công ty\nTNHH").unwrap_err();
        assert_eq!(err, DomainError::NameControlCharacter { position: 8 });
        assert!(err.to_string().starts_with("organisation name:"));
    }

    proptest! {
        #[test]
        fn any_plain_text_up_to_the_limit_parses_to_its_trimmed_self(
            raw in "[ ]{0,3}[\\p{L}\\p{N}][\\p{L}\\p{N} .,&()-]{0,198}[ ]{0,3}"
        ) {
            let name = OrganisationName::parse(&raw).unwrap();
            prop_assert_eq!(name.as_str(), raw.trim());
            prop_assert!(name.as_str().chars().count() <= OrganisationName::MAX_CHARS);
        }

        #[test]
        fn parsing_never_panics_and_accepted_names_obey_every_rule(raw in "\\PC{0,250}|.{0,5}") {
            if let Ok(name) = OrganisationName::parse(&raw) {
                let text = name.as_str();
                prop_assert_eq!(text, text.trim());
                prop_assert!(!text.is_empty());
                prop_assert!(text.chars().count() <= OrganisationName::MAX_CHARS);
                prop_assert!(!text.chars().any(char::is_control));
            }
        }
    }
}
