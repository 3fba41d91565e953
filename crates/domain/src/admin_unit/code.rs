//! The NSO codes of administrative units: fixed-width digit strings whose leading zeros matter.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// Reads exactly `N` ASCII digits, after removing surrounding whitespace.
fn parse_digits<const N: usize>(input: &str, field: &'static str) -> Result<[u8; N], DomainError> {
    let code = input.trim();
    <[u8; N]>::try_from(code.as_bytes())
        .ok()
        .filter(|digits| digits.iter().all(u8::is_ascii_digit))
        .ok_or_else(|| DomainError::AdminCodeFormat {
            field,
            digits: N,
            found: code.chars().take(16).collect(),
        })
}

/// Declares one code type. The three differ only in width and field name, and each must stay its
/// own type so a district code cannot be passed where a commune code is expected.
macro_rules! admin_code {
    ($(#[$doc:meta])* $name:ident, $digits:literal, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name([u8; $digits]);

        impl $name {
            /// Parses the code, removing surrounding whitespace first.
            pub fn parse(input: &str) -> Result<Self, DomainError> {
                parse_digits(input, $field).map(Self)
            }

            /// The code as text, leading zeros included.
            pub fn as_str(&self) -> &str {
                std::str::from_utf8(&self.0).expect("a code holds ASCII digits only")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = DomainError;

            fn from_str(input: &str) -> Result<Self, Self::Err> {
                Self::parse(input)
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> Self {
                code.as_str().to_owned()
            }
        }
    };
}

admin_code!(
    /// A province code (mã tỉnh): 2 digits, such as `96` for Cà Mau. Current provinces reuse the
    /// code of one of the old provinces they absorbed, so the same type names both.
    ProvinceCode,
    2,
    "province code"
);

admin_code!(
    /// A district code (mã huyện): 3 digits, such as `959` for the former thị xã Giá Rai. Districts
    /// were abolished on 01/07/2025; these codes appear only in older records.
    DistrictCode,
    3,
    "district code"
);

admin_code!(
    /// A commune code (mã xã): 5 digits, such as `31942`. Unique nationwide; each current commune
    /// reuses the code of one of the old communes it absorbed, so the same type names both.
    CommuneCode,
    5,
    "commune code"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_leading_zeros() {
        assert_eq!(ProvinceCode::parse("01").unwrap().as_str(), "01");
        assert_eq!(DistrictCode::parse(" 001 ").unwrap().to_string(), "001");
        let code: CommuneCode = "00004".parse().unwrap();
        assert_eq!(String::from(code), "00004");
        assert_eq!(format!("{code:?}"), "CommuneCode(\"00004\")");
    }

    #[test]
    fn rejects_other_widths_and_non_digits_naming_the_field() {
        for bad in ["", "9", "960", "9a", "٩٦", "+9"] {
            let message = ProvinceCode::parse(bad).unwrap_err().to_string();
            assert!(
                message.starts_with("province code: must be exactly 2 digits"),
                "{message}"
            );
        }
        let message = CommuneCode::parse("3194").unwrap_err().to_string();
        assert_eq!(
            message,
            "commune code: must be exactly 5 digits, leading zeros included; found \"3194\""
        );
        let message = DistrictCode::parse("95x").unwrap_err().to_string();
        assert!(message.starts_with("district code: must be exactly 3 digits"));
    }

    #[test]
    fn serde_round_trips_as_a_string_and_rejects_bad_codes() {
        let code = CommuneCode::parse("31942").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"31942\"");
        assert_eq!(serde_json::from_str::<CommuneCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<CommuneCode>("\"319420\"").is_err());
        assert!(serde_json::from_str::<CommuneCode>("31942").is_err());
    }

    proptest! {
        #[test]
        fn any_five_digits_parse_and_print_back(text in "[0-9]{5}") {
            let code = CommuneCode::parse(&text).unwrap();
            prop_assert_eq!(code.as_str(), text.as_str());
        }

        #[test]
        fn other_lengths_never_parse(text in "[0-9]{0,4}|[0-9]{6,9}") {
            prop_assert!(CommuneCode::parse(&text).is_err());
        }
    }
}
