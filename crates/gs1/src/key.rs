//! GS1 identification keys used in traceability, parsed and validated through the syntax
//! dictionary entry of the AI that carries them.

use std::fmt;

use crate::element::validate_value;
use crate::error::KeyError;

/// The kinds of GS1 key that can be a Digital Link primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Serial Shipping Container Code, AI (00).
    Sscc,
    /// Global Trade Item Number, AI (01).
    Gtin,
    /// Global Document Type Identifier, AI (253).
    Gdti,
    /// Global Coupon Number, AI (255).
    Gcn,
    /// Global Identification Number for Consignment, AI (401).
    Ginc,
    /// Global Shipment Identification Number, AI (402).
    Gsin,
    /// Global Location Number of a physical location, AI (414).
    Gln,
    /// Global Location Number of the invoicing party, AI (415).
    PayToGln,
    /// Global Location Number of a party, AI (417).
    PartyGln,
    /// Global Returnable Asset Identifier, AI (8003).
    Grai,
    /// Global Individual Asset Identifier, AI (8004).
    Giai,
    /// Individual Trade Item Piece, AI (8006).
    Itip,
    /// Component/Part Identifier, AI (8010).
    Cpid,
    /// Global Model Number, AI (8013).
    Gmn,
    /// Global Service Relation Number of the provider, AI (8017).
    GsrnProvider,
    /// Global Service Relation Number of the recipient, AI (8018).
    Gsrn,
}

impl KeyKind {
    /// Every kind, in AI order.
    pub const ALL: [KeyKind; 16] = [
        KeyKind::Sscc,
        KeyKind::Gtin,
        KeyKind::Gdti,
        KeyKind::Gcn,
        KeyKind::Ginc,
        KeyKind::Gsin,
        KeyKind::Gln,
        KeyKind::PayToGln,
        KeyKind::PartyGln,
        KeyKind::Grai,
        KeyKind::Giai,
        KeyKind::Itip,
        KeyKind::Cpid,
        KeyKind::Gmn,
        KeyKind::GsrnProvider,
        KeyKind::Gsrn,
    ];

    /// The AI that carries this key.
    pub fn ai(self) -> &'static str {
        match self {
            KeyKind::Sscc => "00",
            KeyKind::Gtin => "01",
            KeyKind::Gdti => "253",
            KeyKind::Gcn => "255",
            KeyKind::Ginc => "401",
            KeyKind::Gsin => "402",
            KeyKind::Gln => "414",
            KeyKind::PayToGln => "415",
            KeyKind::PartyGln => "417",
            KeyKind::Grai => "8003",
            KeyKind::Giai => "8004",
            KeyKind::Itip => "8006",
            KeyKind::Cpid => "8010",
            KeyKind::Gmn => "8013",
            KeyKind::GsrnProvider => "8017",
            KeyKind::Gsrn => "8018",
        }
    }

    /// The key's name as GS1 writes it.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Sscc => "SSCC",
            KeyKind::Gtin => "GTIN",
            KeyKind::Gdti => "GDTI",
            KeyKind::Gcn => "GCN",
            KeyKind::Ginc => "GINC",
            KeyKind::Gsin => "GSIN",
            KeyKind::Gln => "GLN",
            KeyKind::PayToGln => "GLN (pay to)",
            KeyKind::PartyGln => "GLN (party)",
            KeyKind::Grai => "GRAI",
            KeyKind::Giai => "GIAI",
            KeyKind::Itip => "ITIP",
            KeyKind::Cpid => "CPID",
            KeyKind::Gmn => "GMN",
            KeyKind::GsrnProvider => "GSRN-P",
            KeyKind::Gsrn => "GSRN",
        }
    }

    /// The lower-case short name used in CLI output and removed Digital Link short paths.
    pub fn short_name(self) -> &'static str {
        match self {
            KeyKind::Sscc => "sscc",
            KeyKind::Gtin => "gtin",
            KeyKind::Gdti => "gdti",
            KeyKind::Gcn => "gcn",
            KeyKind::Ginc => "ginc",
            KeyKind::Gsin => "gsin",
            KeyKind::Gln => "gln",
            KeyKind::PayToGln => "payTo",
            KeyKind::PartyGln => "party",
            KeyKind::Grai => "grai",
            KeyKind::Giai => "giai",
            KeyKind::Itip => "itip",
            KeyKind::Cpid => "cpid",
            KeyKind::Gmn => "gmn",
            KeyKind::GsrnProvider => "gsrnp",
            KeyKind::Gsrn => "gsrn",
        }
    }

    /// The kind carried by `ai`, if it is a primary-key AI.
    pub fn from_ai(ai: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.ai() == ai)
    }

    /// The kind called `name` (short name, case-insensitive, `-` and `_` ignored).
    pub fn from_name(name: &str) -> Option<Self> {
        let wanted: String = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_'))
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.short_name().to_ascii_lowercase() == wanted)
    }

    /// Position (0-based) in the key's value where the GS1 Company Prefix starts: after the
    /// indicator or extension digit for GTIN, ITIP and SSCC, after the leading zero for GRAI.
    pub fn company_prefix_offset(self) -> usize {
        match self {
            KeyKind::Sscc | KeyKind::Gtin | KeyKind::Itip | KeyKind::Grai => 1,
            _ => 0,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated GS1 key of any kind. GTIN-8, -12 and -13 are normalised to 14 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    kind: KeyKind,
    value: String,
}

impl Key {
    /// Parses `value` as a key of `kind`, checking length, characters, check digit and every
    /// other rule of its AI.
    pub fn parse(kind: KeyKind, value: &str) -> Result<Self, KeyError> {
        let value = if kind == KeyKind::Gtin {
            normalise_gtin(value)?
        } else {
            value.to_owned()
        };
        validate_value(kind.ai(), &value).map_err(|e| KeyError::from_ai(kind.name(), e))?;
        Ok(Key { kind, value })
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The key's value as carried in its AI (14 digits for a GTIN).
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The digits from where the company prefix starts, used to look its length up.
    pub fn company_prefix_digits(&self) -> &str {
        &self.value[self.kind.company_prefix_offset()..]
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

fn normalise_gtin(value: &str) -> Result<String, KeyError> {
    match value.len() {
        8 | 12 | 13 | 14 => Ok(format!("{value:0>14}")),
        found => Err(KeyError::Length {
            key: "GTIN",
            expected: "8, 12, 13 or 14 digits".into(),
            found,
        }),
    }
}

/// Defines a newtype over [`Key`] fixed to one kind, for the keys the domain stores directly.
macro_rules! fixed_kind_key {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(Key);

        impl $name {
            /// Parses and validates the key.
            pub fn parse(value: &str) -> Result<Self, KeyError> {
                Key::parse($kind, value).map(Self)
            }

            /// The key's digits.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The key as a general [`Key`].
            pub fn as_key(&self) -> &Key {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = KeyError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

fixed_kind_key!(
    /// A GTIN, always held as 14 digits.
    Gtin,
    KeyKind::Gtin
);
fixed_kind_key!(
    /// A GLN of a physical location.
    Gln,
    KeyKind::Gln
);
fixed_kind_key!(
    /// An SSCC of a logistic unit.
    Sscc,
    KeyKind::Sscc
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_of_every_length_normalise_to_14_digits() {
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        assert_eq!(
            Gtin::parse("8934673000017").unwrap().as_str(),
            "08934673000017"
        );
        assert_eq!(
            Gtin::parse("18934673000014").unwrap().as_str(),
            "18934673000014"
        );
    }

    #[test]
    fn errors_name_length_character_and_check_digit() {
        assert_eq!(
            Gtin::parse("893467300001").unwrap_err().to_string(),
            "GTIN: check digit must be 0, found 1"
        );
        assert!(matches!(
            Gtin::parse("89346730000"),
            Err(KeyError::Length { found: 11, .. })
        ));
        assert!(matches!(
            Gln::parse("89346730A0014"),
            Err(KeyError::Character {
                position: 9,
                character: 'A',
                ..
            })
        ));
        assert!(matches!(
            Sscc::parse("106141411234567898"),
            Err(KeyError::CheckDigit { .. })
        ));
    }

    #[test]
    fn every_kind_accepts_a_valid_example() {
        let examples = [
            (KeyKind::Sscc, "106141411234567897"),
            (KeyKind::Gtin, "09506000134352"),
            (KeyKind::Gdti, "4012345000009ABC"),
            (KeyKind::Gcn, "401234500000912"),
            (KeyKind::Ginc, "4012345SHIP-01"),
            (KeyKind::Gsin, "40123450000000009"),
            (KeyKind::Gln, "4012345000009"),
            (KeyKind::PayToGln, "4012345000009"),
            (KeyKind::PartyGln, "4012345000009"),
            (KeyKind::Grai, "04012345000009XYZ"),
            (KeyKind::Giai, "4012345ASSET-7"),
            (KeyKind::Itip, "095060001343520102"),
            (KeyKind::Cpid, "4012345PART#1/A"),
            (KeyKind::Gmn, "1987654Ad4X4bL5ttr2310c2K"),
            (KeyKind::GsrnProvider, "401234500000000005"),
            (KeyKind::Gsrn, "401234500000000005"),
        ];
        for (kind, value) in examples {
            let key = Key::parse(kind, value).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(key.as_str(), value);
            assert_eq!(KeyKind::from_ai(kind.ai()), Some(kind));
            assert_eq!(KeyKind::from_name(kind.short_name()), Some(kind));
        }
    }
}
