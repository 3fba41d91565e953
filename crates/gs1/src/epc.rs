//! EPC pure-identity URNs (GS1 Tag Data Standard) and their translation to and from Digital Link.
//!
//! URN → Digital Link needs no table. Digital Link → URN must split a key into company prefix and
//! reference, which needs the company prefix length: it comes from a [`PrefixLengths`] table.

use std::fmt::Write as _;

use crate::check::mod10_check_digit;
use crate::digital_link::{DigitalLink, DigitalLinkError};
use crate::key::{Key, KeyKind};

/// An EPC URN could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpcError {
    /// Does not start with `urn:epc:id:`, `urn:epc:class:` or `urn:epc:idpat:`.
    #[error("an EPC URN must start with urn:epc:id:, urn:epc:class: or urn:epc:idpat:")]
    Prefix,
    /// The scheme after the prefix is not one this system translates.
    #[error(
        "EPC scheme {scheme:?} is not supported (supported: sgtin, lgtin, sscc, sgln, grai, giai, gsrn, gsrnp, gdti, sgcn, cpi, itip, ginc, gsin, pgln, upui)"
    )]
    Scheme {
        /// The scheme found.
        scheme: String,
    },
    /// Wrong number of dot-separated parts.
    #[error("{scheme} URN must have {expected} dot-separated parts, found {found}")]
    Parts {
        /// The scheme.
        scheme: &'static str,
        /// Parts expected.
        expected: usize,
        /// Parts found.
        found: usize,
    },
    /// A numeric part has non-digits or the wrong combined length.
    #[error("{scheme} URN: {detail}")]
    Field {
        /// The scheme.
        scheme: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The company prefix length for this key is not in the prefix-length table.
    #[error(
        "company prefix length unknown for {key} {value}; add a row for its prefix to [gs1] prefix_lengths"
    )]
    UnknownPrefixLength {
        /// The key name.
        key: &'static str,
        /// The key.
        value: String,
    },
    /// Where the prefix-length table puts the company prefix, the key has more than digits, so it
    /// cannot be cut into a URN's company prefix and reference.
    #[error(
        "{key} {value} does not start with the {length}-digit company prefix that [gs1] prefix_lengths gives for it"
    )]
    PrefixNotDigits {
        /// The key name.
        key: &'static str,
        /// The key.
        value: String,
        /// The company prefix length the table gives.
        length: usize,
    },
    /// The identifier has no EPC URN form (for example an unserialised GRAI or a GMN).
    #[error("{0} has no EPC URN form")]
    NoUrnForm(String),
    /// The translated identifier is not a valid Digital Link.
    #[error(transparent)]
    DigitalLink(#[from] DigitalLinkError),
}

/// A table of GS1 Company Prefix lengths by leading digits; the longest matching row wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixLengths {
    rows: Vec<(String, usize)>,
}

impl PrefixLengths {
    /// The built-in table: Vietnam's 893 range defaults to 9 digits (GS1 Vietnam issues 8-, 9- and
    /// 10-digit prefixes under 893; register exact prefixes for the others), plus the example
    /// prefixes used throughout GS1's own documentation and test data.
    pub fn builtin() -> Self {
        Self::new([("893", 9), ("0614141", 7), ("4012345", 7), ("9506000", 7)])
            .expect("built-in prefix rows are valid")
    }

    /// Builds a table from (leading digits, company prefix length) rows.
    pub fn new<'a>(rows: impl IntoIterator<Item = (&'a str, usize)>) -> Result<Self, String> {
        let mut table = PrefixLengths { rows: Vec::new() };
        for (digits, length) in rows {
            table.add(digits, length)?;
        }
        Ok(table)
    }

    /// Adds or replaces a row; the digits must be 1–12 digits and the length 4–12.
    pub fn add(&mut self, digits: &str, length: usize) -> Result<(), String> {
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "prefix-length row {digits:?}: leading digits must be 1 to 12 digits"
            ));
        }
        if !(4..=12).contains(&length) {
            return Err(format!(
                "prefix-length row {digits:?}: length {length} must be 4 to 12"
            ));
        }
        self.rows.retain(|(d, _)| d != digits);
        self.rows.push((digits.to_owned(), length));
        Ok(())
    }

    /// The company prefix length for a key whose prefix starts at the beginning of `digits`.
    pub fn length_for(&self, digits: &str) -> Option<usize> {
        self.rows
            .iter()
            .filter(|(prefix, _)| digits.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, length)| *length)
    }
}

/// Characters the Tag Data Standard escapes in URN serials, lots and references.
fn urn_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '%' | '&' | '/' | '<' | '>' | '?' | '#') {
            let _ = write!(out, "%{:02X}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn urn_unescape(scheme: &'static str, value: &str) -> Result<String, EpcError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(index) = rest.find('%') {
        out.push_str(&rest[..index]);
        let byte = rest
            .get(index + 1..index + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .filter(u8::is_ascii)
            .ok_or_else(|| EpcError::Field {
                scheme,
                detail: format!("bad escape in {value:?}"),
            })?;
        out.push(char::from(byte));
        rest = &rest[index + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

fn digits(scheme: &'static str, what: &str, value: &str) -> Result<(), EpcError> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(EpcError::Field {
            scheme,
            detail: format!("{what} {value:?} must be digits"),
        })
    }
}

fn combined(
    scheme: &'static str,
    prefix: &str,
    reference: &str,
    total: usize,
) -> Result<(), EpcError> {
    digits(scheme, "company prefix", prefix)?;
    if reference.bytes().any(|b| !b.is_ascii_digit()) {
        return Err(EpcError::Field {
            scheme,
            detail: format!("reference {reference:?} must be digits"),
        });
    }
    if prefix.len() + reference.len() != total || !(4..=12).contains(&prefix.len()) {
        return Err(EpcError::Field {
            scheme,
            detail: format!(
                "company prefix and reference must have {total} digits together, with a 4–12 digit prefix"
            ),
        });
    }
    Ok(())
}

fn with_check_digit(data: String) -> String {
    let check = mod10_check_digit(&data).expect("data is digits");
    format!("{data}{check}")
}

/// Reads an EPC URN (pure identity, LGTIN class or `idpat` pattern) as a Digital Link.
pub fn urn_to_digital_link(urn: &str) -> Result<DigitalLink, EpcError> {
    let (pattern, body) = if let Some(body) = urn.strip_prefix("urn:epc:idpat:") {
        (true, body)
    } else if let Some(body) = urn.strip_prefix("urn:epc:id:") {
        (false, body)
    } else if let Some(body) = urn.strip_prefix("urn:epc:class:") {
        if !body.starts_with("lgtin:") {
            return Err(EpcError::Scheme {
                scheme: body.split(':').next().unwrap_or_default().to_owned(),
            });
        }
        (false, body)
    } else {
        return Err(EpcError::Prefix);
    };
    let (scheme_name, rest) = body.split_once(':').ok_or(EpcError::Prefix)?;
    let scheme =
        Scheme::from_name(scheme_name, urn.starts_with("urn:epc:class:")).ok_or_else(|| {
            EpcError::Scheme {
                scheme: scheme_name.to_owned(),
            }
        })?;
    // The last part (serial, lot, extension, asset reference) may itself contain dots.
    let parts: Vec<&str> = rest.splitn(scheme.parts(), '.').collect();
    if parts.len() != scheme.parts() {
        return Err(EpcError::Parts {
            scheme: scheme.name(),
            expected: scheme.parts(),
            found: parts.len(),
        });
    }
    let last = parts[parts.len() - 1];
    // Only an idpat treats `*` as "any"; in a pure identity `*` is an ordinary serial character.
    let wildcard = pattern;
    if pattern && (last != "*" || !scheme.has_pattern()) {
        return Err(EpcError::Field {
            scheme: scheme.name(),
            detail: "an idpat must end in .* and name a class Digital Link can express".into(),
        });
    }
    let name = scheme.name();
    let unescaped_last = || urn_unescape(name, last);
    let (key_kind, key_value, qualifiers): (KeyKind, String, Vec<(&str, String)>) = match scheme {
        Scheme::Sgtin | Scheme::Lgtin => {
            combined(name, parts[0], parts[1], 13)?;
            let gtin =
                with_check_digit(format!("{}{}{}", &parts[1][..1], parts[0], &parts[1][1..]));
            let qualifier = if scheme == Scheme::Sgtin { "21" } else { "10" };
            let qualifiers = if wildcard {
                vec![]
            } else {
                vec![(qualifier, unescaped_last()?)]
            };
            (KeyKind::Gtin, gtin, qualifiers)
        }
        Scheme::Itip => {
            combined(name, parts[0], parts[1], 13)?;
            digits(name, "piece", parts[2])?;
            digits(name, "total", parts[3])?;
            let gtin =
                with_check_digit(format!("{}{}{}", &parts[1][..1], parts[0], &parts[1][1..]));
            let itip = format!("{gtin}{}{}", parts[2], parts[3]);
            let qualifiers = if wildcard {
                vec![]
            } else {
                vec![("21", unescaped_last()?)]
            };
            (KeyKind::Itip, itip, qualifiers)
        }
        Scheme::Sscc => {
            combined(name, parts[0], parts[1], 17)?;
            let sscc =
                with_check_digit(format!("{}{}{}", &parts[1][..1], parts[0], &parts[1][1..]));
            (KeyKind::Sscc, sscc, vec![])
        }
        Scheme::Sgln => {
            combined(name, parts[0], parts[1], 12)?;
            let gln = with_check_digit(format!("{}{}", parts[0], parts[1]));
            let qualifiers = match last {
                // Tag Data Standard: extension 0 means "no extension".
                "0" => vec![],
                _ if wildcard => vec![],
                extension => vec![("254", urn_unescape(name, extension)?)],
            };
            (KeyKind::Gln, gln, qualifiers)
        }
        Scheme::Grai | Scheme::Gdti | Scheme::Sgcn => {
            combined(name, parts[0], parts[1], 12)?;
            let base = with_check_digit(format!("{}{}", parts[0], parts[1]));
            let serial = if wildcard {
                String::new()
            } else {
                unescaped_last()?
            };
            let (kind, value) = match scheme {
                Scheme::Grai => (KeyKind::Grai, format!("0{base}{serial}")),
                Scheme::Gdti => (KeyKind::Gdti, format!("{base}{serial}")),
                _ => (KeyKind::Gcn, format!("{base}{serial}")),
            };
            (kind, value, vec![])
        }
        Scheme::Giai => {
            digits(name, "company prefix", parts[0])?;
            (
                KeyKind::Giai,
                format!("{}{}", parts[0], urn_unescape(name, parts[1])?),
                vec![],
            )
        }
        Scheme::Gsrn | Scheme::Gsrnp => {
            combined(name, parts[0], parts[1], 17)?;
            let kind = if scheme == Scheme::Gsrn {
                KeyKind::Gsrn
            } else {
                KeyKind::GsrnProvider
            };
            (
                kind,
                with_check_digit(format!("{}{}", parts[0], parts[1])),
                vec![],
            )
        }
        Scheme::Cpi => {
            digits(name, "company prefix", parts[0])?;
            let cpid = format!("{}{}", parts[0], urn_unescape(name, parts[1])?);
            let qualifiers = if wildcard {
                vec![]
            } else {
                vec![("8011", unescaped_last()?)]
            };
            (KeyKind::Cpid, cpid, qualifiers)
        }
        Scheme::Ginc => {
            digits(name, "company prefix", parts[0])?;
            let ginc = format!("{}{}", parts[0], urn_unescape(name, parts[1])?);
            (KeyKind::Ginc, ginc, vec![])
        }
        Scheme::Gsin => {
            combined(name, parts[0], parts[1], 16)?;
            (
                KeyKind::Gsin,
                with_check_digit(format!("{}{}", parts[0], parts[1])),
                vec![],
            )
        }
        Scheme::Pgln => {
            combined(name, parts[0], parts[1], 12)?;
            (
                KeyKind::PartyGln,
                with_check_digit(format!("{}{}", parts[0], parts[1])),
                vec![],
            )
        }
        Scheme::Upui => {
            combined(name, parts[0], parts[1], 13)?;
            let gtin =
                with_check_digit(format!("{}{}{}", &parts[1][..1], parts[0], &parts[1][1..]));
            let qualifiers = if wildcard {
                vec![]
            } else {
                vec![("235", unescaped_last()?)]
            };
            (KeyKind::Gtin, gtin, qualifiers)
        }
    };
    let key = Key::parse(key_kind, &key_value).map_err(|e| EpcError::Field {
        scheme: name,
        detail: e.to_string(),
    })?;
    let qualifiers: Vec<(&str, &str)> =
        qualifiers.iter().map(|(ai, v)| (*ai, v.as_str())).collect();
    Ok(DigitalLink::from_key(&key, &qualifiers)?)
}

/// Writes a Digital Link as an EPC URN: a pure-identity URN for an instance, the LGTIN class
/// URN for a lot, an `idpat` pattern for a class-level key.
pub fn digital_link_to_urn(
    link: &DigitalLink,
    lengths: &PrefixLengths,
) -> Result<String, EpcError> {
    let key = link.key();
    let no_urn = || EpcError::NoUrnForm(link.canonical_id());
    let prefix_length = lengths
        .length_for(key.company_prefix_digits())
        .ok_or_else(|| EpcError::UnknownPrefixLength {
            key: key.kind().name(),
            value: key.as_str().to_owned(),
        })?;
    if !key
        .company_prefix_digits()
        .bytes()
        .take(prefix_length)
        .all(|b| b.is_ascii_digit())
    {
        return Err(EpcError::PrefixNotDigits {
            key: key.kind().name(),
            value: key.as_str().to_owned(),
            length: prefix_length,
        });
    }
    let value = key.as_str();
    // Splits "indicator + company prefix + reference + check" into (prefix, indicator + reference).
    let indicator_split = |body_end: usize| {
        let prefix = &value[1..1 + prefix_length];
        let reference = format!("{}{}", &value[..1], &value[1 + prefix_length..body_end]);
        (prefix.to_owned(), reference)
    };
    let plain_split = |body_end: usize| {
        (
            value[..prefix_length].to_owned(),
            value[prefix_length..body_end].to_owned(),
        )
    };
    let check_room = |body_len: usize| {
        if prefix_length > body_len {
            Err(EpcError::UnknownPrefixLength {
                key: key.kind().name(),
                value: value.to_owned(),
            })
        } else {
            Ok(())
        }
    };
    let serial = |ai: &str| link.get(ai).map(urn_escape);
    let urn = match key.kind() {
        KeyKind::Gtin => {
            check_room(13)?;
            let (prefix, reference) = indicator_split(13);
            match (serial("21"), serial("10")) {
                (Some(serial), _) => format!("urn:epc:id:sgtin:{prefix}.{reference}.{serial}"),
                (None, Some(lot)) => format!("urn:epc:class:lgtin:{prefix}.{reference}.{lot}"),
                (None, None) if link.qualifiers().is_empty() => {
                    format!("urn:epc:idpat:sgtin:{prefix}.{reference}.*")
                }
                _ => return Err(no_urn()),
            }
        }
        KeyKind::Itip => {
            check_room(13)?;
            let (prefix, reference) = indicator_split(13);
            let (piece, total) = (&value[14..16], &value[16..18]);
            match serial("21") {
                Some(serial) => {
                    format!("urn:epc:id:itip:{prefix}.{reference}.{piece}.{total}.{serial}")
                }
                None if link.qualifiers().is_empty() => {
                    format!("urn:epc:idpat:itip:{prefix}.{reference}.{piece}.{total}.*")
                }
                None => return Err(no_urn()),
            }
        }
        KeyKind::Sscc => {
            check_room(17)?;
            let (prefix, reference) = indicator_split(17);
            format!("urn:epc:id:sscc:{prefix}.{reference}")
        }
        KeyKind::Gln => {
            check_room(12)?;
            let (prefix, reference) = plain_split(12);
            match (serial("254"), link.qualifiers().is_empty()) {
                (Some(extension), _) => format!("urn:epc:id:sgln:{prefix}.{reference}.{extension}"),
                (None, true) => format!("urn:epc:id:sgln:{prefix}.{reference}.0"),
                (None, false) => return Err(no_urn()),
            }
        }
        KeyKind::Grai => {
            // GRAI: "0" + company prefix + asset type + check digit + optional serial.
            let body = &value[1..];
            check_room(12)?;
            let prefix = &body[..prefix_length];
            let asset_type = &body[prefix_length..12];
            match &body[13..] {
                "" => format!("urn:epc:idpat:grai:{prefix}.{asset_type}.*"),
                serial => format!(
                    "urn:epc:id:grai:{prefix}.{asset_type}.{}",
                    urn_escape(serial)
                ),
            }
        }
        KeyKind::Gdti | KeyKind::Gcn => {
            check_room(12)?;
            let (prefix, reference) = plain_split(12);
            let scheme = if key.kind() == KeyKind::Gdti {
                "gdti"
            } else {
                "sgcn"
            };
            match &value[13..] {
                "" => format!("urn:epc:idpat:{scheme}:{prefix}.{reference}.*"),
                serial => format!(
                    "urn:epc:id:{scheme}:{prefix}.{reference}.{}",
                    urn_escape(serial)
                ),
            }
        }
        KeyKind::Giai if link.qualifiers().is_empty() => {
            check_room(value.len() - 1)?;
            let (prefix, reference) = (&value[..prefix_length], &value[prefix_length..]);
            format!("urn:epc:id:giai:{prefix}.{}", urn_escape(reference))
        }
        KeyKind::Gsrn | KeyKind::GsrnProvider if link.qualifiers().is_empty() => {
            check_room(17)?;
            let (prefix, reference) = plain_split(17);
            let scheme = if key.kind() == KeyKind::Gsrn {
                "gsrn"
            } else {
                "gsrnp"
            };
            format!("urn:epc:id:{scheme}:{prefix}.{reference}")
        }
        KeyKind::Cpid => {
            check_room(value.len() - 1)?;
            let (prefix, reference) =
                (&value[..prefix_length], urn_escape(&value[prefix_length..]));
            match serial("8011") {
                Some(serial) => format!("urn:epc:id:cpi:{prefix}.{reference}.{serial}"),
                None => format!("urn:epc:idpat:cpi:{prefix}.{reference}.*"),
            }
        }
        _ => return Err(no_urn()),
    };
    Ok(urn)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Sgtin,
    Lgtin,
    Itip,
    Sscc,
    Sgln,
    Grai,
    Giai,
    Gsrn,
    Gsrnp,
    Gdti,
    Sgcn,
    Cpi,
    Ginc,
    Gsin,
    Pgln,
    Upui,
}

impl Scheme {
    fn from_name(name: &str, class: bool) -> Option<Self> {
        Some(match (name, class) {
            ("lgtin", true) => Scheme::Lgtin,
            (_, true) => return None,
            ("sgtin", _) => Scheme::Sgtin,
            ("itip", _) => Scheme::Itip,
            ("sscc", _) => Scheme::Sscc,
            ("sgln", _) => Scheme::Sgln,
            ("grai", _) => Scheme::Grai,
            ("giai", _) => Scheme::Giai,
            ("gsrn", _) => Scheme::Gsrn,
            ("gsrnp", _) => Scheme::Gsrnp,
            ("gdti", _) => Scheme::Gdti,
            ("sgcn", _) => Scheme::Sgcn,
            ("cpi", _) => Scheme::Cpi,
            ("ginc", _) => Scheme::Ginc,
            ("gsin", _) => Scheme::Gsin,
            ("pgln", _) => Scheme::Pgln,
            ("upui", _) => Scheme::Upui,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Scheme::Sgtin => "sgtin",
            Scheme::Lgtin => "lgtin",
            Scheme::Itip => "itip",
            Scheme::Sscc => "sscc",
            Scheme::Sgln => "sgln",
            Scheme::Grai => "grai",
            Scheme::Giai => "giai",
            Scheme::Gsrn => "gsrn",
            Scheme::Gsrnp => "gsrnp",
            Scheme::Gdti => "gdti",
            Scheme::Sgcn => "sgcn",
            Scheme::Cpi => "cpi",
            Scheme::Ginc => "ginc",
            Scheme::Gsin => "gsin",
            Scheme::Pgln => "pgln",
            Scheme::Upui => "upui",
        }
    }

    fn parts(self) -> usize {
        match self {
            Scheme::Sscc
            | Scheme::Giai
            | Scheme::Gsrn
            | Scheme::Gsrnp
            | Scheme::Ginc
            | Scheme::Gsin
            | Scheme::Pgln => 2,
            Scheme::Itip => 5,
            _ => 3,
        }
    }

    /// Whether an `idpat` with `*` as the last part names a class that Digital Link can express.
    fn has_pattern(self) -> bool {
        !matches!(
            self,
            Scheme::Lgtin
                | Scheme::Sscc
                | Scheme::Giai
                | Scheme::Gsrn
                | Scheme::Gsrnp
                | Scheme::Ginc
                | Scheme::Gsin
                | Scheme::Pgln
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both_ways(urn: &str, dl: &str) {
        let link = urn_to_digital_link(urn).unwrap_or_else(|e| panic!("{urn}: {e}"));
        assert_eq!(link.canonical(), dl, "{urn}");
        let back = digital_link_to_urn(&DigitalLink::parse(dl).unwrap(), &PrefixLengths::builtin())
            .unwrap_or_else(|e| panic!("{dl}: {e}"));
        assert_eq!(back, urn, "{dl}");
    }

    #[test]
    fn tag_data_standard_examples_translate_both_ways() {
        both_ways(
            "urn:epc:id:sgtin:0614141.107346.2017",
            "https://id.gs1.org/01/10614141073464/21/2017",
        );
        both_ways(
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/04012345123456/10/998877",
        );
        both_ways(
            "urn:epc:id:sscc:0614141.1234567890",
            "https://id.gs1.org/00/106141412345678908",
        );
        both_ways(
            "urn:epc:id:sgln:0614141.12345.400",
            "https://id.gs1.org/414/0614141123452/254/400",
        );
        both_ways(
            "urn:epc:id:sgln:0614141.12345.0",
            "https://id.gs1.org/414/0614141123452",
        );
        both_ways(
            "urn:epc:id:grai:0614141.12345.400",
            "https://id.gs1.org/8003/00614141123452400",
        );
        both_ways(
            "urn:epc:id:giai:0614141.12345400",
            "https://id.gs1.org/8004/061414112345400",
        );
        both_ways(
            "urn:epc:id:gsrn:0614141.1234567890",
            "https://id.gs1.org/8018/061414112345678902",
        );
        both_ways(
            "urn:epc:id:gsrnp:0614141.1234567890",
            "https://id.gs1.org/8017/061414112345678902",
        );
        both_ways(
            "urn:epc:id:gdti:0614141.12345.400",
            "https://id.gs1.org/253/0614141123452400",
        );
        both_ways(
            "urn:epc:id:sgcn:4012345.67890.04711",
            "https://id.gs1.org/255/401234567890104711",
        );
        both_ways(
            "urn:epc:id:cpi:0614141.123ABC.123456789",
            "https://id.gs1.org/8010/0614141123ABC/8011/123456789",
        );
        both_ways(
            "urn:epc:id:itip:4012345.012345.01.02.987",
            "https://id.gs1.org/8006/040123451234560102/21/987",
        );
        both_ways(
            "urn:epc:idpat:sgtin:4012345.012345.*",
            "https://id.gs1.org/01/04012345123456",
        );
        both_ways(
            "urn:epc:id:sgtin:4012345.012345.A%2FB%25",
            "https://id.gs1.org/01/04012345123456/21/A%2FB%25",
        );
    }

    #[test]
    fn consignment_shipment_party_and_upui_urns_are_read() {
        for (urn, dl) in [
            (
                "urn:epc:id:ginc:0614141.xyz47%2F11",
                "https://id.gs1.org/401/0614141xyz47%2F11",
            ),
            (
                "urn:epc:id:gsin:4012345.222333444",
                "https://id.gs1.org/402/40123452223334442",
            ),
            (
                "urn:epc:id:pgln:999999999999.",
                "https://id.gs1.org/417/9999999999994",
            ),
            (
                "urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7'SDB",
                "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7%27SDB",
            ),
            (
                "urn:epc:idpat:upui:4012345.012345.*",
                "https://id.gs1.org/01/04012345123456",
            ),
        ] {
            let link = urn_to_digital_link(urn).unwrap_or_else(|e| panic!("{urn}: {e}"));
            assert_eq!(link.canonical(), dl, "{urn}");
        }
        assert!(matches!(
            urn_to_digital_link("urn:epc:idpat:ginc:0614141.*"),
            Err(EpcError::Field { .. })
        ));
        assert!(matches!(
            urn_to_digital_link("urn:epc:id:gsin:4012345.22233344"),
            Err(EpcError::Field { .. })
        ));
    }

    #[test]
    fn vietnamese_keys_use_the_table() {
        let link = DigitalLink::parse("https://id.gs1.org/01/08934673000017/10/L1").unwrap();
        let mut table = PrefixLengths::builtin();
        assert_eq!(
            digital_link_to_urn(&link, &table).unwrap(),
            "urn:epc:class:lgtin:893467300.0001.L1"
        );
        table.add("8934673", 7).unwrap();
        assert_eq!(
            digital_link_to_urn(&link, &table).unwrap(),
            "urn:epc:class:lgtin:8934673.000001.L1"
        );
        // Found by fuzzing (`fuzz/corpus/epc_urn/cpid-prefix-past-digits`): a CPID whose
        // digits end before the table's 9-digit prefix for 893 has no URN form.
        let short = urn_to_digital_link("urn:epc:id:cpi:8933694.%232%234%23.0").unwrap();
        assert_eq!(
            digital_link_to_urn(&short, &table).map_err(|e| e.to_string()),
            Err(
                "CPID 8933694#2#4# does not start with the 9-digit company prefix that \
                 [gs1] prefix_lengths gives for it"
                    .to_owned()
            )
        );
        let unknown = DigitalLink::parse("https://id.gs1.org/01/05012345000015").unwrap();
        assert!(matches!(
            digital_link_to_urn(&unknown, &table),
            Err(EpcError::UnknownPrefixLength { .. })
        ));
    }

    #[test]
    fn bad_urns_say_why() {
        assert_eq!(
            urn_to_digital_link("urn:epc:id:sgtin:0614141.107346"),
            Err(EpcError::Parts {
                scheme: "sgtin",
                expected: 3,
                found: 2
            })
        );
        assert!(matches!(
            urn_to_digital_link("urn:epc:id:sgtin:0614141.10734.1"),
            Err(EpcError::Field { .. })
        ));
        assert!(matches!(
            urn_to_digital_link("urn:epc:id:foo:1.2.3"),
            Err(EpcError::Scheme { .. })
        ));
        assert_eq!(urn_to_digital_link("urn:isbn:1"), Err(EpcError::Prefix));
        assert!(matches!(
            urn_to_digital_link("urn:epc:idpat:sgtin:0614141.107346.1"),
            Err(EpcError::Field { .. })
        ));
        assert_eq!(
            urn_to_digital_link("urn:epc:id:sgtin:0614141.107346.*")
                .unwrap()
                .canonical(),
            "https://id.gs1.org/01/10614141073464/21/%2A"
        );
        assert!(matches!(
            urn_to_digital_link("urn:epc:idpat:sscc:0614141.*"),
            Err(EpcError::Field { .. })
        ));
        assert!(matches!(
            urn_to_digital_link("urn:epc:id:sgtin:0614141.107346.%zz"),
            Err(EpcError::Field { .. })
        ));
    }
}
