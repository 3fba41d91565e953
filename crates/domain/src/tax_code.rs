//! Vietnamese tax codes (mã số thuế, MST) and personal ID numbers used in their place.

use std::fmt;

use crate::DomainError;

/// Which of the accepted shapes a [`TaxCode`] has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxCodeForm {
    /// 10 digits: the tax code of an enterprise, cooperative, agency, household business or person.
    Main,
    /// 10 digits, "-", 3 digits: a branch or other dependent unit of the 10-digit taxpayer.
    DependentUnit,
    /// 12 digits: a personal ID number (số định danh cá nhân), which households and individuals use
    /// as their tax code. It is personal data (Law 91/2025/QH15).
    PersonalId,
}

/// A tax code in one of the shapes of [`TaxCodeForm`], stored exactly as parsed.
///
/// Only the format is checked. The MST check digit (the 10th digit, a weighted sum of the first
/// nine) is deliberately not enforced yet: older codes and codes typed from paper must still be
/// registrable, and the province can correct a record after review. Add the rule here, in one
/// place, once the registry data has been cleaned.
///
/// `Debug` masks a personal ID number except its last 3 digits, so logs and test failures do not
/// spread it.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

impl TaxCode {
    /// Parses a tax code, removing surrounding whitespace first.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim();
        let format_error = |problem: String| DomainError::TaxCodeFormat { problem };
        if let Some((index, character)) = code
            .chars()
            .enumerate()
            .find(|&(index, c)| !(c.is_ascii_digit() || (index == 10 && c == '-')))
        {
            return Err(format_error(format!(
                "found {character:?} at character {}",
                index + 1
            )));
        }
        // Only ASCII is left, so byte lengths are character counts.
        match (code.len(), code.as_bytes().get(10)) {
            (10, _) | (12, Some(b'0'..=b'9')) | (14, Some(b'-')) => Ok(Self(code.to_owned())),
            (12, _) => Err(format_error(
                "a \"-\" must be followed by exactly 3 digits".to_owned(),
            )),
            (found, _) => Err(format_error(format!("found {found} characters"))),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which shape the code has.
    pub fn form(&self) -> TaxCodeForm {
        match self.0.len() {
            10 => TaxCodeForm::Main,
            12 => TaxCodeForm::PersonalId,
            _ => TaxCodeForm::DependentUnit,
        }
    }

    /// The code as shown to someone who may not read personal data: a personal ID number keeps
    /// its first digit and last two (`0xx…xx34`), a tax code is shown whole.
    pub fn masked(&self) -> String {
        match self.form() {
            TaxCodeForm::PersonalId => format!("{}xx…xx{}", &self.0[..1], &self.0[10..]),
            TaxCodeForm::Main | TaxCodeForm::DependentUnit => self.0.clone(),
        }
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form() {
            TaxCodeForm::PersonalId => write!(f, "TaxCode(\"*********{}\")", &self.0[9..]),
            TaxCodeForm::Main | TaxCodeForm::DependentUnit => write!(f, "TaxCode({:?})", self.0),
        }
    }
}

impl TryFrom<String> for TaxCode {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TaxCode> for String {
    fn from(code: TaxCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_three_shapes() {
        let main = TaxCode::parse("2000123456").unwrap();
        assert_eq!(main.form(), TaxCodeForm::Main);
        let branch = TaxCode::parse(" 2000123456-001 ").unwrap();
        assert_eq!(branch.as_str(), "2000123456-001");
        assert_eq!(branch.form(), TaxCodeForm::DependentUnit);
        let personal = TaxCode::parse("096085001234").unwrap();
        assert_eq!(personal.form(), TaxCodeForm::PersonalId);
    }

    #[test]
    fn only_personal_id_numbers_are_masked() {
        assert_eq!(TaxCode::parse("096085001289").unwrap().masked(), "0xx…xx89");
        assert_eq!(TaxCode::parse("2000123456").unwrap().masked(), "2000123456");
        assert_eq!(
            TaxCode::parse("2000123456-001").unwrap().masked(),
            "2000123456-001"
        );
    }

    #[test]
    fn rejects_wrong_lengths_without_echoing_the_value() {
        for bad in [
            "",
            "123456789",
            "12345678901",
            "1234567890123",
            "123456789012345",
        ] {
            let err = TaxCode::parse(bad).unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with("tax code: must be 10 digits"),
                "{message}"
            );
            assert!(message.ends_with(&format!("found {} characters", bad.len())));
            if !bad.is_empty() {
                assert!(!message.contains(bad), "{message}");
            }
        }
    }

    #[test]
    fn rejects_letters_and_misplaced_dashes() {
        assert_eq!(
            TaxCode::parse("20001234S6").unwrap_err(),
            DomainError::TaxCodeFormat {
                problem: "found 'S' at character 9".into()
            }
        );
        assert_eq!(
            TaxCode::parse("200012345-001").unwrap_err(),
            DomainError::TaxCodeFormat {
                problem: "found '-' at character 10".into()
            }
        );
        assert_eq!(
            TaxCode::parse("2000123456-01").unwrap_err(),
            DomainError::TaxCodeFormat {
                problem: "found 13 characters".into()
            }
        );
        assert_eq!(
            TaxCode::parse("2000123456-0").unwrap_err(),
            DomainError::TaxCodeFormat {
                problem: "a \"-\" must be followed by exactly 3 digits".into()
            }
        );
    }

    #[test]
    fn debug_masks_a_personal_id_number() {
        let personal = TaxCode::parse("096085001234").unwrap();
        assert_eq!(format!("{personal:?}"), "TaxCode(\"*********234\")");
        let main = TaxCode::parse("2000123456").unwrap();
        assert_eq!(format!("{main:?}"), "TaxCode(\"2000123456\")");
    }

    proptest! {
        #[test]
        fn every_well_formed_code_round_trips(
            code in "[0-9]{10}|[0-9]{10}-[0-9]{3}|[0-9]{12}"
        ) {
            let parsed = TaxCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(TaxCode::parse(&parsed.to_string()).unwrap(), parsed);
        }

        #[test]
        fn accepted_codes_always_have_an_accepted_shape(raw in "[0-9 -]{0,16}|\\PC{0,16}") {
            if let Ok(code) = TaxCode::parse(&raw) {
                let text = code.as_str();
                let digits = text.chars().filter(char::is_ascii_digit).count();
                match code.form() {
                    TaxCodeForm::Main => prop_assert_eq!((text.len(), digits), (10, 10)),
                    TaxCodeForm::PersonalId => prop_assert_eq!((text.len(), digits), (12, 12)),
                    TaxCodeForm::DependentUnit => {
                        prop_assert_eq!((text.len(), digits), (14, 13));
                        prop_assert_eq!(&text[10..11], "-");
                    }
                }
            }
        }
    }
}
