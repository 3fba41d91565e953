//! The UN/ECE Recommendation 20 unit codes templates may name: a closed list, so a typo in a
//! template is caught at start-up rather than written into events.

/// One unit of measure a template may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// The UN/ECE Rec 20 common code, as EPCIS writes it in `uom`.
    pub code: &'static str,
    /// The Vietnamese symbol or name shown on forms.
    pub vi: &'static str,
    /// The English symbol or name.
    pub en: &'static str,
    /// Whether a lot may be counted in it: trace's mass balance adds only masses, volumes and
    /// counts, so a lot in hectares or degrees could never be balanced.
    pub lot_amount: bool,
}

const UNITS: &[Unit] = &[
    unit("KGM", "kg", "kg", true),
    unit("GRM", "g", "g", true),
    unit("MGM", "mg", "mg", true),
    unit("TNE", "tấn", "tonne", true),
    unit("LTR", "lít", "litre", true),
    unit("MLT", "ml", "ml", true),
    unit("H87", "cái/con", "piece", true),
    unit("C62", "đơn vị", "unit", true),
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

const fn unit(code: &'static str, vi: &'static str, en: &'static str, lot_amount: bool) -> Unit {
    Unit {
        code,
        vi,
        en,
        lot_amount,
    }
}

impl Unit {
    /// The unit with this code (upper case, as Rec 20 writes it); `None` for a code not listed.
    pub fn from_code(code: &str) -> Option<Self> {
        UNITS.iter().copied().find(|u| u.code == code)
    }

    /// Every unit a template may name.
    pub fn all() -> &'static [Unit] {
        UNITS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_upper_case_rec20_codes() {
        let mut seen = std::collections::HashSet::new();
        for unit in Unit::all() {
            assert!(seen.insert(unit.code), "{} twice", unit.code);
            assert!(
                (2..=3).contains(&unit.code.len())
                    && unit
                        .code
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
                "{} is not shaped like a Rec 20 code",
                unit.code
            );
        }
        assert_eq!(Unit::from_code("kgm"), None, "codes are upper case");
        assert!(Unit::from_code("KGM").is_some_and(|u| u.lot_amount));
        assert!(Unit::from_code("CEL").is_some_and(|u| !u.lot_amount));
    }
}
