//! GS1 Company Prefixes and the table of their lengths used to split keys into EPC URN parts.

use std::fmt;

use crate::error::KeyError;

/// A GS1 Company Prefix: 4 to 12 digits allocated by a GS1 Member Organisation (893… in Vietnam).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct CompanyPrefix(String);

impl CompanyPrefix {
    /// Shortest company prefix GS1 allocates (GS1 General Specifications §1.4.3, GS1-8 prefixes aside).
    pub const MIN_LEN: usize = 4;
    /// Longest company prefix GS1 allocates.
    pub const MAX_LEN: usize = 12;

    /// Parses a company prefix: 4–12 ASCII digits.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        let len = input.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(KeyError::Length {
                key: "GS1 Company Prefix",
                expected: "4 to 12 digits".into(),
                found: len,
            });
        }
        if let Some((position, character)) =
            input.chars().enumerate().find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(KeyError::Character {
                key: "GS1 Company Prefix",
                position: position + 1,
                character,
                allowed: "digits 0-9",
            });
        }
        Ok(Self(input.to_owned()))
    }

    /// The digits of the prefix.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of digits in the prefix.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a parsed prefix has at least four digits.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Display for CompanyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CompanyPrefix {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for CompanyPrefix {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}
