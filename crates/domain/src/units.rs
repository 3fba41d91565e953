//! UN/ECE Recommendation 20 unit codes: the ones Nguồn accepts for quantities and net contents,
//! each a multiple of its dimension's base unit (kilogram, litre, piece), so mass balances and
//! labels can compare and convert them.

use std::fmt;

use serde::Serialize;

use crate::DomainError;

/// A UN/ECE Recommendation 20 unit code that Nguồn knows how to convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct UnitCode(&'static str);

impl<'de> serde::Deserialize<'de> for UnitCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::try_from(text).map_err(serde::de::Error::custom)
    }
}

impl UnitCode {
    /// Every accepted code with its symbol in English and Vietnamese, most common first.
    pub const ALL: [(&'static str, &'static str, &'static str); 10] = [
        ("KGM", "kg", "kg"),
        ("GRM", "g", "g"),
        ("TNE", "t", "tấn"),
        ("LTR", "L", "lít"),
        ("MLT", "mL", "mL"),
        ("H87", "pieces", "cái"),
        ("C62", "units", "đơn vị"),
        ("MGM", "mg", "mg"),
        ("LBR", "lb", "lb"),
        ("ONZ", "oz", "oz"),
    ];

    /// Parses a code (upper case, exact), naming `field` in the error.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        Self::ALL
            .iter()
            .find(|(code, _, _)| *code == input)
            .map(|(code, _, _)| Self(code))
            .ok_or_else(|| DomainError::NotInList {
                field,
                allowed: Self::ALL.map(|(code, _, _)| code).join(", "),
                found: input.to_owned(),
            })
    }

    /// The code.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The symbol to print, in Vietnamese (`vi = true`) or English.
    pub fn symbol(self, vi: bool) -> &'static str {
        let (_, en, vn) = Self::ALL
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .copied()
            .unwrap_or((self.0, self.0, self.0));
        if vi { vn } else { en }
    }

    /// Its dimension.
    pub fn dimension(self) -> Dimension {
        to_base(1.0, Some(self.0)).map_or(Dimension::Count, |(dimension, _)| dimension)
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for UnitCode {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse("unit", &value)
    }
}

impl From<UnitCode> for String {
    fn from(unit: UnitCode) -> Self {
        unit.0.to_owned()
    }
}

/// What a quantity measures; only amounts of one dimension add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Mass, in kilograms.
    Mass,
    /// Volume, in litres.
    Volume,
    /// A count of pieces.
    Count,
}

impl Dimension {
    /// The base unit's symbol, in English and in Vietnamese.
    pub fn symbol(self) -> (&'static str, &'static str) {
        match self {
            Self::Mass => ("kg", "kg"),
            Self::Volume => ("L", "lít"),
            Self::Count => ("pieces", "cái"),
        }
    }
}

/// An amount in `uom` as its dimension and base-unit amount. No code means a count of trade
/// items, as EPCIS reads a quantity element without `uom`. `None` for a code not known here:
/// an unknown unit is reported, never guessed.
pub fn to_base(amount: f64, uom: Option<&str>) -> Option<(Dimension, f64)> {
    let (dimension, factor) = match uom {
        None | Some("H87" | "C62") => (Dimension::Count, 1.0),
        Some("KGM") => (Dimension::Mass, 1.0),
        Some("GRM") => (Dimension::Mass, 1e-3),
        Some("MGM") => (Dimension::Mass, 1e-6),
        Some("TNE") => (Dimension::Mass, 1e3),
        // The international avoirdupois pound and ounce, exact by definition.
        Some("LBR") => (Dimension::Mass, 0.453_592_37),
        Some("ONZ") => (Dimension::Mass, 0.028_349_523_125),
        Some("LTR") => (Dimension::Volume, 1.0),
        Some("MLT") => (Dimension::Volume, 1e-3),
        Some(_) => return None,
    };
    Some((dimension, amount * factor))
}

/// An amount for a message: at most three decimals, without trailing zeros.
pub fn amount_text(amount: f64) -> String {
    let text = format!("{amount:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_convert_to_their_base_unit() {
        let close = |uom, amount: f64, dimension, base: f64| {
            let (d, b) = to_base(amount, uom).unwrap();
            assert_eq!(d, dimension, "{uom:?}");
            assert!((b - base).abs() < 1e-9, "{uom:?}: {b} != {base}");
        };
        close(Some("TNE"), 1.5, Dimension::Mass, 1_500.0);
        close(Some("GRM"), 250.0, Dimension::Mass, 0.25);
        close(Some("MGM"), 2_000.0, Dimension::Mass, 0.002);
        close(Some("LBR"), 100.0, Dimension::Mass, 45.359_237);
        close(Some("ONZ"), 16.0, Dimension::Mass, 0.453_592_37);
        close(Some("MLT"), 750.0, Dimension::Volume, 0.75);
        close(Some("C62"), 3.0, Dimension::Count, 3.0);
        close(None, 3.0, Dimension::Count, 3.0);
        assert_eq!(to_base(1.0, Some("CEL")), None);
        assert_eq!(to_base(1.0, Some("kgm")), None, "codes are upper case");
    }

    #[test]
    fn every_accepted_unit_code_converts() {
        for (code, _, _) in UnitCode::ALL {
            let unit = UnitCode::parse("unit", code).unwrap();
            assert!(to_base(1.0, Some(unit.as_str())).is_some(), "{code}");
        }
        assert_eq!(UnitCode::parse("unit", "KGM").unwrap().symbol(true), "kg");
        assert_eq!(
            UnitCode::parse("unit", "TNE").unwrap().dimension(),
            Dimension::Mass
        );
        let error = UnitCode::parse("net content unit", "kg").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("net content unit: must be one of KGM, GRM"),
            "{error}"
        );
    }

    #[test]
    fn amounts_are_written_without_noise() {
        assert_eq!(amount_text(1_800.0), "1800");
        assert_eq!(amount_text(1_116.56), "1116.56");
        assert_eq!(amount_text(0.0004), "0");
    }
}
