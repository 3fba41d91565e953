//! UN/ECE Recommendation 20 unit codes: the closed list Nguồn accepts (a typo in a template or a
//! form is caught, never written into events). Lot amounts are each a multiple of their
//! dimension's base unit (kilogram, litre, piece), so mass balances and labels can compare and
//! convert them; measurement units (°C, mg/L, %) are for sensor readings.

use std::fmt;

use serde::Serialize;

use crate::DomainError;

/// One unit of measure Nguồn accepts, with what forms and labels print for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// The UN/ECE Rec 20 common code, as EPCIS writes it in `uom`.
    pub code: &'static str,
    /// The Vietnamese symbol or name shown on forms.
    pub vi: &'static str,
    /// The English symbol or name.
    pub en: &'static str,
    /// Whether a lot may be counted in it: mass balances add only masses, volumes and counts, so
    /// a lot in hectares or degrees could never be balanced.
    pub lot_amount: bool,
}

const fn unit(code: &'static str, vi: &'static str, en: &'static str, lot_amount: bool) -> Unit {
    Unit {
        code,
        vi,
        en,
        lot_amount,
    }
}

/// Every unit accepted anywhere: lot amounts first (most common first), then measurements.
const UNITS: &[Unit] = &[
    unit("KGM", "kg", "kg", true),
    unit("GRM", "g", "g", true),
    unit("TNE", "tấn", "tonne", true),
    unit("LTR", "lít", "litre", true),
    unit("MLT", "ml", "ml", true),
    unit("H87", "cái/con", "piece", true),
    unit("C62", "đơn vị", "unit", true),
    unit("MGM", "mg", "mg", true),
    unit("LBR", "lb", "lb", true),
    unit("ONZ", "oz", "oz", true),
    unit("CEL", "°C", "°C", false),
    unit("GL", "g/l", "g/L", false),
    unit("M1", "mg/l", "mg/L", false),
    unit("NA", "mg/kg", "mg/kg", false),
    unit("P1", "%", "%", false),
    unit("NX", "‰", "‰", false),
    unit("HAR", "ha", "ha", false),
    unit("MTK", "m²", "m²", false),
    unit("MTQ", "m³", "m³", false),
    unit("DAY", "ngày", "day", false),
];

impl Unit {
    /// The unit with this code (upper case, as Rec 20 writes it); `None` for a code not listed.
    pub fn from_code(code: &str) -> Option<Self> {
        UNITS.iter().copied().find(|u| u.code == code)
    }

    /// Every unit accepted anywhere.
    pub fn all() -> &'static [Unit] {
        UNITS
    }
}

/// The code of a unit a lot or a trade item can be counted in (see [`Unit::lot_amount`]).
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
    /// Every unit a lot or a trade item can be counted in, most common first.
    pub fn amounts() -> impl Iterator<Item = Unit> {
        UNITS.iter().copied().filter(|u| u.lot_amount)
    }

    /// Parses a code (upper case, exact), naming `field` in the error.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        Self::amounts()
            .find(|u| u.code == input)
            .map(|u| Self(u.code))
            .ok_or_else(|| DomainError::NotInList {
                field,
                allowed: Self::amounts()
                    .map(|u| u.code)
                    .collect::<Vec<_>>()
                    .join(", "),
                found: input.to_owned(),
            })
    }

    /// The code.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The symbol to print, in Vietnamese (`vi = true`) or English.
    pub fn symbol(self, vi: bool) -> &'static str {
        match Unit::from_code(self.0) {
            Some(unit) if vi => unit.vi,
            Some(unit) => unit.en,
            None => self.0,
        }
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
    fn every_lot_unit_converts_and_no_measurement_unit_does() {
        for unit in Unit::all() {
            assert_eq!(
                to_base(1.0, Some(unit.code)).is_some(),
                unit.lot_amount,
                "{}",
                unit.code
            );
            assert_eq!(
                UnitCode::parse("unit", unit.code).is_ok(),
                unit.lot_amount,
                "{}",
                unit.code
            );
        }
        let mut seen = std::collections::HashSet::new();
        assert!(
            Unit::all().iter().all(|u| seen.insert(u.code)),
            "codes are unique"
        );
        assert_eq!(Unit::from_code("kgm"), None, "codes are upper case");
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
