//! What facilities, products and product groups share as registry records: an id, an owner, an
//! approval status, and typed details that are stored as one JSON document beside their key.

use std::fmt;

use nguon_gs1::{Key, KeyKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::{ApprovalStatus, DomainError, OrganisationId, RecordId};

/// The kinds of registry record kept as typed documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryKind {
    /// A farm, pond, field, plant, warehouse or shop.
    Facility,
    /// A trade item class with its GTIN.
    Product,
    /// A group of the province's product catalogue.
    ProductGroup,
}

impl RegistryKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Facility => "facility",
            Self::Product => "product",
            Self::ProductGroup => "product_group",
        }
    }
}

impl fmt::Display for RegistryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed details of one kind of registry record.
pub trait RegistryDetails: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Which kind of record these details describe.
    const KIND: RegistryKind;

    /// The key unique across records of this kind: a GLN, a GTIN, a group code.
    fn key(&self) -> String;

    /// The name lists and searches show.
    fn display_name(&self) -> &str;
}

/// A stored registry record: who owns it, where it stands with the province, and its details.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Registered<D> {
    /// Its id.
    pub id: RecordId,
    /// The organisation it belongs to; `None` for the province's own records (product groups).
    pub organisation: Option<OrganisationId>,
    /// Pending until the province approves it.
    pub status: ApprovalStatus,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What it is.
    pub details: D,
}

/// Defines a GS1 key of one kind as a field type: valid by construction, stored as its digits.
macro_rules! gs1_key_field {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Key);

        impl $name {
            /// Parses the digits (GTIN-8, -12 and -13 are padded to 14), checking the check digit.
            pub fn parse(input: &str) -> Result<Self, DomainError> {
                Key::parse($kind, input.trim()).map(Self).map_err(|error| DomainError::Gs1Key {
                    field: $field,
                    reason: error.to_string(),
                })
            }

            /// The digits.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The key, for GS1 encodings.
            pub fn key(&self) -> &Key {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(key: $name) -> Self {
                key.as_str().to_owned()
            }
        }
    };
}

gs1_key_field!(
    /// A Global Location Number (AI 414) with a valid check digit.
    Gln,
    KeyKind::Gln,
    "GLN"
);

gs1_key_field!(
    /// A Global Trade Item Number (AI 01), 14 digits with a valid check digit.
    Gtin,
    KeyKind::Gtin,
    "GTIN"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_check_their_check_digit_and_name_the_field() {
        assert_eq!(
            Gtin::parse("8934673000017").unwrap().as_str(),
            "08934673000017"
        );
        let error = Gtin::parse("8934673000018").unwrap_err().to_string();
        assert!(error.starts_with("GTIN: "), "{error}");
        assert!(error.contains("check digit"), "{error}");
        assert!(Gln::parse("8934673000017").is_ok());
        assert!(
            Gln::parse("893467300001")
                .unwrap_err()
                .to_string()
                .starts_with("GLN: ")
        );
    }
}
