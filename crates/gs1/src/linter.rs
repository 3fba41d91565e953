//! Content checks ("linters") named in the GS1 syntax dictionary, e.g. `csum` or `yymmd0`.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::check::{check_character_pair, mod10_check_digit};

/// One named content check of the GS1 syntax dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linter {
    /// Mod-10 check digit in the last position.
    Csum,
    /// Alphanumeric check character pair in the last two positions (GMN, MUDI).
    CsumAlpha,
    /// A GS1 Company Prefix starts at the first position.
    GcpPos1,
    /// A GS1 Company Prefix starts at the second position.
    GcpPos2,
    /// Date YYMMDD where day `00` means the last day of the month.
    Yymmd0,
    /// Date YYMMDD.
    Yymmdd,
    /// Date YYYYMMDD.
    Yyyymmdd,
    /// Time HHMI.
    Hhmi,
    /// Hour HH.
    Hh,
    /// Minute MI.
    Mi,
    /// Second SS.
    Ss,
    /// ISO 3166-1 numeric country code.
    Iso3166,
    /// ISO 3166-1 numeric country code or `999`.
    Iso3166With999,
    /// ISO 3166-1 alpha-2 country code.
    Iso3166Alpha2,
    /// ISO 4217 numeric currency code.
    Iso4217,
    /// ISO/IEC 5218 sex code.
    Iso5218,
    /// Latitude, 10 digits, 0 to 180 degrees offset.
    Latitude,
    /// Longitude, 10 digits, 0 to 360 degrees offset.
    Longitude,
    /// AIDC media type code.
    MediaType,
    /// Not all zeros.
    NonZero,
    /// Exactly `0`.
    Zero,
    /// Winding direction `0`, `1` or `9`.
    Winding,
    /// Piece number and total count, piece ≤ total.
    PieceOfTotal,
    /// `0` or `1`.
    YesNo,
    /// Only hyphens.
    Hyphen,
    /// Valid percent-encoding.
    PercentEncoded,
    /// Importer index character.
    ImporterIndex,
    /// Package type code.
    PackageType,
    /// Position in sequence written `n/m`.
    PositionInSequence,
    /// No leading zero.
    NoZeroPrefix,
    /// At least one non-digit.
    HasNonDigit,
    /// IBAN with its mod-97 check.
    Iban,
    /// North American coupon code.
    CouponCode,
    /// North American positive offer file coupon code.
    CouponPositiveOffer,
}

impl Linter {
    /// The linter called `name` in the dictionary.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "csum" => Self::Csum,
            "csumalpha" => Self::CsumAlpha,
            "gcppos1" => Self::GcpPos1,
            "gcppos2" => Self::GcpPos2,
            "yymmd0" => Self::Yymmd0,
            "yymmdd" => Self::Yymmdd,
            "yyyymmdd" => Self::Yyyymmdd,
            "hhmi" => Self::Hhmi,
            "hh" => Self::Hh,
            "mi" => Self::Mi,
            "ss" => Self::Ss,
            "iso3166" => Self::Iso3166,
            "iso3166999" => Self::Iso3166With999,
            "iso3166alpha2" => Self::Iso3166Alpha2,
            "iso4217" => Self::Iso4217,
            "iso5218" => Self::Iso5218,
            "latitude" => Self::Latitude,
            "longitude" => Self::Longitude,
            "mediatype" => Self::MediaType,
            "nonzero" => Self::NonZero,
            "zero" => Self::Zero,
            "winding" => Self::Winding,
            "pieceoftotal" => Self::PieceOfTotal,
            "yesno" => Self::YesNo,
            "hyphen" => Self::Hyphen,
            "pcenc" => Self::PercentEncoded,
            "importeridx" => Self::ImporterIndex,
            "packagetype" => Self::PackageType,
            "posinseqslash" => Self::PositionInSequence,
            "nozeroprefix" => Self::NoZeroPrefix,
            "hasnondigit" => Self::HasNonDigit,
            "iban" => Self::Iban,
            "couponcode" => Self::CouponCode,
            "couponposoffer" => Self::CouponPositiveOffer,
            _ => return None,
        })
    }

    /// The rule in words, for error messages.
    pub fn rule(self) -> &'static str {
        match self {
            Self::Csum => "check digit",
            Self::CsumAlpha => "check character pair",
            Self::GcpPos1 | Self::GcpPos2 => "GS1 Company Prefix",
            Self::Yymmd0 => "date YYMMDD (day 00 allowed)",
            Self::Yymmdd => "date YYMMDD",
            Self::Yyyymmdd => "date YYYYMMDD",
            Self::Hhmi => "time HHMI",
            Self::Hh => "hour HH",
            Self::Mi => "minute MI",
            Self::Ss => "second SS",
            Self::Iso3166 => "ISO 3166 numeric country code",
            Self::Iso3166With999 => "ISO 3166 numeric country code or 999",
            Self::Iso3166Alpha2 => "ISO 3166 alpha-2 country code",
            Self::Iso4217 => "ISO 4217 numeric currency code",
            Self::Iso5218 => "ISO/IEC 5218 sex code",
            Self::Latitude => "latitude",
            Self::Longitude => "longitude",
            Self::MediaType => "AIDC media type",
            Self::NonZero => "not all zeros",
            Self::Zero => "must be zero",
            Self::Winding => "winding direction",
            Self::PieceOfTotal => "piece of total",
            Self::YesNo => "yes/no flag",
            Self::Hyphen => "hyphen",
            Self::PercentEncoded => "percent-encoding",
            Self::ImporterIndex => "importer index",
            Self::PackageType => "package type code",
            Self::PositionInSequence => "position in sequence n/m",
            Self::NoZeroPrefix => "no leading zero",
            Self::HasNonDigit => "at least one non-digit",
            Self::Iban => "IBAN",
            Self::CouponCode | Self::CouponPositiveOffer => "coupon code",
        }
    }

    /// Checks one component value; the error says what is wrong with it.
    pub fn check(self, value: &str) -> Result<(), String> {
        let digits = || value.bytes().all(|b| b.is_ascii_digit());
        let number = |s: &str| s.parse::<u64>().ok();
        match self {
            Self::Csum => {
                let (data, check) = value.split_at(value.len().saturating_sub(1));
                let expected = mod10_check_digit(data).ok_or("must be digits")?;
                let found = check.chars().next().ok_or("is empty")?;
                expect_char(expected, found)
            }
            Self::CsumAlpha => {
                if value.len() < 3 {
                    return Err("is too short to carry a check character pair".into());
                }
                let (data, check) = value.split_at(value.len() - 2);
                let expected =
                    check_character_pair(data).ok_or("uses characters outside set 82")?;
                if check == expected {
                    Ok(())
                } else {
                    Err(format!("must end with {expected}, found {check}"))
                }
            }
            Self::GcpPos1 => company_prefix_at(value, 0),
            Self::GcpPos2 => company_prefix_at(value, 1),
            Self::Yymmd0 => date(value, 2, true),
            Self::Yymmdd => date(value, 2, false),
            Self::Yyyymmdd => date(value, 4, false),
            Self::Hhmi => {
                let (h, m) = value.split_at(value.len().min(2));
                bounded(h, 23).and_then(|_| bounded(m, 59))
            }
            Self::Hh => bounded(value, 23),
            Self::Mi | Self::Ss => bounded(value, 59),
            Self::Iso3166 => listed(&codes().countries_numeric, value),
            Self::Iso3166With999 if value == "999" => Ok(()),
            Self::Iso3166With999 => listed(&codes().countries_numeric, value),
            Self::Iso3166Alpha2 => listed(&codes().countries_alpha2, value),
            Self::Iso4217 => listed(&codes().currencies_numeric, value),
            Self::Iso5218 => one_of(value, &["0", "1", "2", "9"]),
            Self::Latitude => at_most(value, 1_800_000_000),
            Self::Longitude => at_most(value, 3_600_000_000),
            Self::MediaType => match number(value) {
                Some(1..=10 | 80..=99) => Ok(()),
                _ => Err("must be 01 to 10 or 80 to 99".into()),
            },
            Self::NonZero if digits() && value.bytes().all(|b| b == b'0') => {
                Err("must not be all zeros".into())
            }
            Self::NonZero => Ok(()),
            Self::Zero => one_of(value, &["0"]),
            Self::Winding => one_of(value, &["0", "1", "9"]),
            Self::PieceOfTotal => {
                let half = value.len() / 2;
                match (number(&value[..half]), number(&value[half..])) {
                    (Some(piece), Some(total)) if piece >= 1 && piece <= total => Ok(()),
                    _ => Err("piece number must be from 1 to the total count".into()),
                }
            }
            Self::YesNo => one_of(value, &["0", "1"]),
            Self::Hyphen if value.chars().all(|c| c == '-') => Ok(()),
            Self::Hyphen => Err("must be a hyphen".into()),
            Self::PercentEncoded => percent_encoding_is_valid(value),
            Self::ImporterIndex
                if value.len() == 1
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(())
            }
            Self::ImporterIndex => Err("must be one of 0-9 A-Z a-z - _".into()),
            // UN/ECE Recommendation 21 codes are 1–3 characters of digits and capitals; the code
            // list itself is not shipped (see THIRD_PARTY.md), so only its shape is checked.
            Self::PackageType
                if (1..=3).contains(&value.len())
                    && value
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) =>
            {
                Ok(())
            }
            Self::PackageType => Err("must be 1 to 3 digits or capital letters".into()),
            Self::PositionInSequence => {
                let parsed = value
                    .split_once('/')
                    .and_then(|(p, t)| Some((number(p)?, number(t)?)));
                match parsed {
                    Some((position, total)) if position >= 1 && position <= total => Ok(()),
                    _ => Err("must be n/m with 1 ≤ n ≤ m".into()),
                }
            }
            Self::NoZeroPrefix if value.len() > 1 && value.starts_with('0') => {
                Err("must not start with 0".into())
            }
            Self::NoZeroPrefix => Ok(()),
            Self::HasNonDigit if digits() => Err("must contain a non-digit".into()),
            Self::HasNonDigit => Ok(()),
            Self::Iban => iban(value),
            // The North American coupon grammar is not needed for traceability; coupon codes are
            // numeric throughout, which is what is checked here.
            Self::CouponCode | Self::CouponPositiveOffer if digits() => Ok(()),
            Self::CouponCode | Self::CouponPositiveOffer => Err("must be digits".into()),
        }
    }
}

fn expect_char(expected: char, found: char) -> Result<(), String> {
    if expected == found {
        Ok(())
    } else {
        Err(format!("must be {expected}, found {found}"))
    }
}

fn company_prefix_at(value: &str, start: usize) -> Result<(), String> {
    let prefix = value.get(start..start + 4);
    if prefix.is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        Ok(())
    } else {
        Err(format!(
            "must start at position {} with at least 4 digits of a company prefix",
            start + 1
        ))
    }
}

fn bounded(value: &str, max: u32) -> Result<(), String> {
    match value.parse::<u32>() {
        Ok(n) if n <= max && value.len() == 2 => Ok(()),
        _ => Err(format!("{value:?} must be 00 to {max:02}")),
    }
}

fn at_most(value: &str, max: u64) -> Result<(), String> {
    match value.parse::<u64>() {
        Ok(n) if n <= max => Ok(()),
        _ => Err(format!("must be at most {max}")),
    }
}

fn one_of(value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("must be one of {}", allowed.join(", ")))
    }
}

fn listed(list: &HashSet<&'static str>, value: &str) -> Result<(), String> {
    if list.contains(value) {
        Ok(())
    } else {
        Err(format!("{value:?} is not an assigned code"))
    }
}

fn date(value: &str, year_digits: usize, day_zero_allowed: bool) -> Result<(), String> {
    let field =
        |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (
        field(0..year_digits),
        field(year_digits..year_digits + 2),
        field(year_digits + 2..year_digits + 4),
    ) else {
        return Err("must be digits".into());
    };
    // Two-digit years fall in 2000–2099 for leap-year purposes under GS1's sliding window for the
    // decades that matter here; 1900 and 2100 are the only years the simple rule gets wrong.
    let year = if year_digits == 2 { 2000 + year } else { year };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("month {month:02} does not exist")),
    };
    if day > days || (day == 0 && !day_zero_allowed) {
        return Err(format!("day {day:02} does not exist in month {month:02}"));
    }
    Ok(())
}

fn percent_encoding_is_valid(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(format!(
                "% at position {} is not followed by two hex digits",
                i + 1
            ));
        }
    }
    Ok(())
}

fn iban(value: &str) -> Result<(), String> {
    let valid_shape = value.len() >= 5
        && value[..2].bytes().all(|b| b.is_ascii_uppercase())
        && value[2..4].bytes().all(|b| b.is_ascii_digit())
        && value[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    if !valid_shape {
        return Err("must be a country code, two check digits and capitals or digits".into());
    }
    let rearranged = value[4..].bytes().chain(value[..4].bytes());
    let remainder = rearranged.fold(0u32, |acc, b| {
        let n = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        if n >= 10 {
            (acc * 100 + n) % 97
        } else {
            (acc * 10 + n) % 97
        }
    });
    if remainder == 1 {
        Ok(())
    } else {
        Err("mod-97 check failed".into())
    }
}

struct Codes {
    countries_numeric: HashSet<&'static str>,
    countries_alpha2: HashSet<&'static str>,
    currencies_numeric: HashSet<&'static str>,
}

fn codes() -> &'static Codes {
    static CODES: OnceLock<Codes> = OnceLock::new();
    CODES.get_or_init(|| {
        let columns = |text: &'static str, column: usize| -> HashSet<&'static str> {
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_whitespace().nth(column))
                .collect()
        };
        let countries = include_str!("../data/iso3166-1.txt");
        Codes {
            countries_numeric: columns(countries, 0),
            countries_alpha2: columns(countries, 1),
            currencies_numeric: columns(include_str!("../data/iso4217.txt"), 0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::Linter::*;

    #[test]
    fn dates_follow_the_calendar() {
        assert!(Yymmd0.check("250200").is_ok());
        assert!(Yymmdd.check("250200").is_err());
        assert!(Yymmdd.check("240229").is_ok());
        assert!(Yymmdd.check("250229").is_err());
        assert!(Yymmdd.check("251301").is_err());
        assert!(Yyyymmdd.check("20240229").is_ok());
        assert!(Yyyymmdd.check("21000229").is_err());
    }

    #[test]
    fn code_lists_know_vietnam() {
        assert!(Iso3166.check("704").is_ok());
        assert!(Iso3166Alpha2.check("VN").is_ok());
        assert!(Iso4217.check("704").is_ok());
        assert!(Iso3166.check("000").is_err());
        assert!(Iso3166With999.check("999").is_ok());
    }

    #[test]
    fn simple_linters() {
        assert!(Csum.check("09506000134352").is_ok());
        assert!(Csum.check("09506000134353").is_err());
        assert!(CsumAlpha.check("1987654Ad4X4bL5ttr2310c2K").is_ok());
        assert!(CsumAlpha.check("1987654Ad4X4bL5ttr2310c2L").is_err());
        assert!(PieceOfTotal.check("0102").is_ok());
        assert!(PieceOfTotal.check("0301").is_err());
        assert!(Hhmi.check("2359").is_ok());
        assert!(Hhmi.check("2460").is_err());
        assert!(Iban.check("GB82WEST12345698765432").is_ok());
        assert!(Iban.check("GB82WEST12345698765433").is_err());
        assert!(PercentEncoded.check("a%20b").is_ok());
        assert!(PercentEncoded.check("a%2").is_err());
        assert!(PositionInSequence.check("1/2").is_ok());
        assert!(PositionInSequence.check("3/2").is_err());
        assert!(NoZeroPrefix.check("012").is_err());
        assert!(HasNonDigit.check("12a").is_ok());
        assert!(Latitude.check("1800000001").is_err());
    }
}
