//! GS1 Digital Link URIs (URI syntax 1.6): `https://<domain>[/<prefix>]/<key AI>/<key>[/<qualifier
//! AI>/<value>…][?<attribute AI>=<value>&…]`, parsed, validated against the syntax dictionary and
//! written in canonical `https://id.gs1.org` form.

use std::fmt::Write as _;

use crate::element::{AiError, Element, ElementString, check_pairings, entry};
use crate::key::{Key, KeyKind};

/// The domain of canonical Digital Link URIs, required inside EPCIS event hashes.
pub const CANONICAL_BASE: &str = "https://id.gs1.org";

/// A Digital Link URI broke a rule of the URI syntax or of the AIs it carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitalLinkError {
    /// Not an `http` or `https` URI.
    #[error("a Digital Link URI must start with https:// or http://")]
    Scheme,
    /// No host after the scheme.
    #[error(
        "the domain is missing or not a host name (user information such as user@ is not allowed)"
    )]
    Domain,
    /// No primary-key AI with a valid tail of qualifiers was found in the path.
    #[error("no GS1 primary key (such as /01/ or /414/) found in the path")]
    NoPrimaryKey,
    /// A path segment after the primary key is not a qualifier of it.
    #[error("/{ai}/ is not a key qualifier of primary key ({primary}); allowed: {allowed}")]
    NotAQualifier {
        /// The primary key AI.
        primary: String,
        /// The offending AI.
        ai: String,
        /// The qualifiers allowed, e.g. `22, 10, 21 or 235`.
        allowed: String,
    },
    /// Qualifiers present but not in the mandated order.
    #[error("key qualifiers of ({primary}) must appear in the order {order}, found {found}")]
    QualifierOrder {
        /// The primary key AI.
        primary: String,
        /// The mandated order.
        order: String,
        /// The order found.
        found: String,
    },
    /// A character that must be percent-encoded appears literally, or a bad `%` escape.
    #[error("{part}: character {character:?} must be percent-encoded")]
    Encoding {
        /// Which value.
        part: String,
        /// The character.
        character: char,
    },
    /// The same AI twice (in the path, the query string or both).
    #[error("AI ({ai}) appears more than once")]
    RepeatedAi {
        /// The AI.
        ai: String,
    },
    /// A query parameter named as an AI that is not a Digital Link data attribute.
    #[error("AI ({ai}) is not allowed as a Digital Link data attribute")]
    NotAnAttribute {
        /// The AI.
        ai: String,
    },
    /// A value or the combination of AIs broke a syntax-dictionary rule.
    #[error(transparent)]
    Ai(#[from] AiError),
    /// The last path segment is not a valid compressed Digital Link.
    #[error("compressed Digital Link: {0}")]
    Compression(String),
}

/// A parsed GS1 Digital Link URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    base: String,
    primary: Element,
    qualifiers: Vec<Element>,
    attributes: Vec<Element>,
    other_parameters: Vec<(String, String)>,
}

/// Removed Digital Link 1.0 short names, accepted on input and never written.
const SHORT_NAMES: [(&str, &str); 22] = [
    ("gtin", "01"),
    ("itip", "8006"),
    ("gmn", "8013"),
    ("cpid", "8010"),
    ("gln", "414"),
    ("party", "417"),
    ("gsrnp", "8017"),
    ("gsrn", "8018"),
    ("gcn", "255"),
    ("sscc", "00"),
    ("gdti", "253"),
    ("ginc", "401"),
    ("gsin", "402"),
    ("grai", "8003"),
    ("giai", "8004"),
    ("cpv", "22"),
    ("lot", "10"),
    ("ser", "21"),
    ("cpsn", "8011"),
    ("glnx", "254"),
    ("refno", "8020"),
    ("srin", "8019"),
];

fn ai_code(segment: &str) -> Option<&str> {
    if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
        return Some(segment);
    }
    SHORT_NAMES
        .iter()
        .find(|(name, _)| *name == segment)
        .map(|(_, ai)| *ai)
}

impl DigitalLink {
    /// Parses and validates a Digital Link URI on any domain and path prefix.
    pub fn parse(uri: &str) -> Result<Self, DigitalLinkError> {
        let after_scheme = strip_scheme(uri).ok_or(DigitalLinkError::Scheme)?;
        let scheme_len = uri.len() - after_scheme.len();
        let rest = after_scheme.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if authority.is_empty()
            || !authority
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]_~".contains(c))
        {
            return Err(DigitalLinkError::Domain);
        }
        let (path, query) = match rest[authority_end..].split_once('?') {
            Some((path, query)) => (path, query),
            None => (&rest[authority_end..], ""),
        };
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let (start, primary, qualifiers) = find_gs1_path(&segments)?;
        for segment in &segments[..start] {
            check_uri_characters("path prefix", segment, ":@")?;
        }
        let base_end = authority_end + segments[..start].iter().map(|s| s.len() + 1).sum::<usize>();
        let mut link = DigitalLink {
            base: uri[..scheme_len + base_end].to_owned(),
            primary,
            qualifiers,
            attributes: Vec::new(),
            other_parameters: Vec::new(),
        };
        for parameter in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
                let ai_entry = entry(name)?;
                if !ai_entry.dl_data_attribute {
                    return Err(DigitalLinkError::NotAnAttribute {
                        ai: name.to_owned(),
                    });
                }
                let value = percent_decode(&format!("AI ({name})"), value, true)?;
                link.attributes.push(Element::new(name, &value)?);
            } else {
                check_uri_characters("query parameter", parameter, ":@/?=")?;
                link.other_parameters
                    .push((name.to_owned(), value.to_owned()));
            }
        }
        if let Some(ai) = first_repeated_ai(link.elements().map(Element::ai)) {
            return Err(DigitalLinkError::RepeatedAi { ai: ai.to_owned() });
        }
        link.check_pairings()?;
        Ok(link)
    }

    /// Builds a link from an element string: its first primary-key AI becomes the path, that
    /// key's qualifiers follow in the mandated order and every other AI becomes a data attribute.
    pub fn from_element_string(
        elements: &ElementString,
        base: &str,
    ) -> Result<Self, DigitalLinkError> {
        let primary = elements
            .elements()
            .iter()
            .find(|e| e.entry().is_primary_key())
            .ok_or(DigitalLinkError::NoPrimaryKey)?
            .clone();
        let alternatives = primary.entry().dl_qualifiers.clone().unwrap_or_default();
        let chosen = alternatives
            .iter()
            .find(|alt| alt.iter().any(|q| elements.get(q).is_some()))
            .cloned()
            .unwrap_or_default();
        let qualifiers: Vec<Element> = chosen
            .iter()
            .filter_map(|q| elements.elements().iter().find(|e| e.ai() == q))
            .cloned()
            .collect();
        let mut attributes = Vec::new();
        for element in elements.elements() {
            if *element == primary || qualifiers.contains(element) {
                continue;
            }
            if !element.entry().dl_data_attribute {
                return Err(DigitalLinkError::NotAnAttribute {
                    ai: element.ai().to_owned(),
                });
            }
            attributes.push(element.clone());
        }
        let link = DigitalLink {
            base: base.trim_end_matches('/').to_owned(),
            primary,
            qualifiers,
            attributes,
            other_parameters: Vec::new(),
        };
        link.check_pairings()?;
        Ok(link)
    }

    /// Builds a canonical link from a primary key and its qualifiers, given as (AI, value) pairs
    /// in any order.
    pub fn from_key(key: &Key, qualifiers: &[(&str, &str)]) -> Result<Self, DigitalLinkError> {
        let mut elements = vec![Element::new(key.kind().ai(), key.as_str())?];
        for (ai, value) in qualifiers {
            elements.push(Element::new(ai, value)?);
        }
        Self::from_element_string(&ElementString::new(elements)?, CANONICAL_BASE)
    }

    fn check_pairings(&self) -> Result<(), AiError> {
        check_pairings(self.elements().map(Element::ai))
    }

    /// The primary key, qualifiers and data attributes in that order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> + Clone {
        std::iter::once(&self.primary)
            .chain(&self.qualifiers)
            .chain(&self.attributes)
    }

    /// The primary key.
    pub fn key(&self) -> Key {
        let kind = KeyKind::from_ai(self.primary.ai()).expect("primary element is a key AI");
        Key::parse(kind, self.primary.value()).expect("primary element was validated")
    }

    /// The value of a qualifier or data attribute.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements().find(|e| e.ai() == ai).map(Element::value)
    }

    /// The key qualifiers in path order.
    pub fn qualifiers(&self) -> &[Element] {
        &self.qualifiers
    }

    /// The data attributes from the query string.
    pub fn attributes(&self) -> &[Element] {
        &self.attributes
    }

    /// Query parameters that are not AIs, such as `linkType`, in input order.
    pub fn other_parameters(&self) -> &[(String, String)] {
        &self.other_parameters
    }

    /// The scheme, domain and path prefix before the GS1 path.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The identifier: the canonical URI without query string, as EPCIS uses it for an EPC.
    pub fn canonical_id(&self) -> String {
        let mut uri = CANONICAL_BASE.to_owned();
        self.write_path(&mut uri);
        uri
    }

    /// The canonical URI with data attributes sorted by AI (other parameters are dropped).
    pub fn canonical(&self) -> String {
        let mut uri = self.canonical_id();
        let mut attributes: Vec<&Element> = self.attributes.iter().collect();
        attributes.sort_by(|a, b| a.ai().cmp(b.ai()));
        for (index, attribute) in attributes.iter().enumerate() {
            let separator = if index == 0 { '?' } else { '&' };
            let _ = write!(
                uri,
                "{separator}{}={}",
                attribute.ai(),
                percent_encode(attribute.value())
            );
        }
        uri
    }

    /// The element string with the same AIs.
    pub fn element_string(&self) -> ElementString {
        ElementString::new(self.elements().cloned().collect())
            .expect("a Digital Link's AIs already satisfy the pairing rules")
    }

    /// A short name for what the link identifies: `gtin`, `lgtin`, `sgtin`, `sscc`, `gln`,
    /// `sgln`… (EPC scheme names where one exists).
    pub fn kind(&self) -> &'static str {
        let has = |ai| self.qualifiers.iter().any(|q| q.ai() == ai);
        match self.key().kind() {
            KeyKind::Gtin if has("21") => "sgtin",
            KeyKind::Gtin if has("10") => "lgtin",
            KeyKind::Gtin if has("235") => "upui",
            KeyKind::Gln if has("254") => "sgln",
            KeyKind::Gln | KeyKind::PartyGln | KeyKind::Giai if has("7040") => "uic",
            KeyKind::Itip if has("21") => "sitip",
            KeyKind::Cpid if has("8011") => "scpid",
            other => other.short_name(),
        }
    }

    fn write_path(&self, uri: &mut String) {
        for element in std::iter::once(&self.primary).chain(&self.qualifiers) {
            let _ = write!(uri, "/{}/{}", element.ai(), percent_encode(element.value()));
        }
    }
}

impl std::fmt::Display for DigitalLink {
    /// The URI on its own domain and prefix, with attributes and other parameters kept.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut uri = self.base.clone();
        self.write_path(&mut uri);
        let parameters = self
            .attributes
            .iter()
            .map(|a| format!("{}={}", a.ai(), percent_encode(a.value())))
            .chain(
                self.other_parameters
                    .iter()
                    .map(|(k, v)| format!("{k}={v}")),
            );
        for (index, parameter) in parameters.enumerate() {
            uri.push(if index == 0 { '?' } else { '&' });
            uri.push_str(&parameter);
        }
        f.write_str(&uri)
    }
}

fn strip_scheme(uri: &str) -> Option<&str> {
    ["https://", "http://"].iter().find_map(|scheme| {
        uri.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &uri[scheme.len()..])
    })
}

/// Finds where the GS1 path starts: the leftmost primary-key AI followed only by its qualifiers
/// in order. Returns the segment index, the key and the qualifiers.
fn find_gs1_path(segments: &[&str]) -> Result<(usize, Element, Vec<Element>), DigitalLinkError> {
    let mut first_error = None;
    for start in 0..segments.len() {
        if !(segments.len() - start).is_multiple_of(2) {
            continue;
        }
        let Some(ai) = ai_code(segments[start]) else {
            continue;
        };
        if KeyKind::from_ai(ai).is_none() {
            continue;
        }
        match read_gs1_path(ai, &segments[start..]) {
            Ok((primary, qualifiers)) => return Ok((start, primary, qualifiers)),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.unwrap_or(DigitalLinkError::NoPrimaryKey))
}

fn read_gs1_path(ai: &str, segments: &[&str]) -> Result<(Element, Vec<Element>), DigitalLinkError> {
    let kind = KeyKind::from_ai(ai).ok_or(DigitalLinkError::NoPrimaryKey)?;
    let raw_key = percent_decode(&format!("AI ({ai})"), segments[1], false)?;
    let key_value = if kind == KeyKind::Gtin && matches!(raw_key.len(), 8 | 12 | 13) {
        format!("{raw_key:0>14}")
    } else {
        raw_key
    };
    let primary = Element::new(ai, &key_value)?;
    let alternatives = primary.entry().dl_qualifiers.clone().unwrap_or_default();
    let mut qualifiers = Vec::new();
    for pair in segments[2..].chunks(2) {
        let qualifier_ai = ai_code(pair[0]).unwrap_or(pair[0]);
        if !alternatives.iter().flatten().any(|q| q == qualifier_ai) {
            return Err(DigitalLinkError::NotAQualifier {
                primary: ai.to_owned(),
                ai: pair[0].to_owned(),
                allowed: describe_alternatives(&alternatives),
            });
        }
        let value = percent_decode(&format!("AI ({qualifier_ai})"), pair[1], false)?;
        qualifiers.push(Element::new(qualifier_ai, &value)?);
    }
    let order_ok = alternatives.iter().any(|alternative| {
        let mut positions = qualifiers
            .iter()
            .map(|q| alternative.iter().position(|a| a == q.ai()));
        let mut last = None;
        positions.all(|p| match p {
            Some(p) if last.is_none_or(|l| p > l) => {
                last = Some(p);
                true
            }
            _ => false,
        })
    });
    if !order_ok {
        return Err(DigitalLinkError::QualifierOrder {
            primary: ai.to_owned(),
            order: describe_alternatives(&alternatives),
            found: qualifiers
                .iter()
                .map(Element::ai)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok((primary, qualifiers))
}

fn first_repeated_ai<'a>(ais: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    ais.into_iter().find(|ai| !seen.insert(*ai))
}

/// Checks that a part of the URI outside the GS1 values uses only RFC 3986 characters:
/// unreserved, sub-delimiters, `%XX` escapes and the extra characters the part allows.
fn check_uri_characters(part: &str, text: &str, extra: &str) -> Result<(), DigitalLinkError> {
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let valid = c.is_ascii_alphanumeric()
            || "-._~!$&'()*+,;=".contains(c)
            || extra.contains(c)
            || (c == '%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if !valid {
            return Err(DigitalLinkError::Encoding {
                part: part.to_owned(),
                character: c,
            });
        }
    }
    Ok(())
}

fn describe_alternatives(alternatives: &[Vec<String>]) -> String {
    let described: Vec<String> = alternatives
        .iter()
        .filter(|alt| !alt.is_empty())
        .map(|alt| alt.join(", "))
        .collect();
    if described.is_empty() {
        "none".into()
    } else {
        described.join(" or ")
    }
}

/// Characters written literally in Digital Link values; everything else is percent-encoded
/// (Digital Link grammar: XCHAR symbols other than `-`, `.` and `_` are always encoded).
fn is_literal(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

/// Percent-encodes a value for a Digital Link path or query string.
pub fn percent_encode(value: &str) -> String {
    percent_encode_keeping(value, "")
}

/// Percent-encodes like [`percent_encode`] but also leaves the characters in `also_literal`
/// as they are (the CBV event hash keeps `'`, `;` and `=` literal in its canonical links).
pub fn percent_encode_keeping(value: &str, also_literal: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if is_literal(c) || also_literal.contains(c) {
            out.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// Decodes `%XX` escapes; in a path (`in_query == false`) only unreserved characters may appear
/// unescaped, in a query the sub-delimiters a browser leaves alone are tolerated too — but not
/// `+`, which form decoders read as a space, so it must be written `%2B`.
fn percent_decode(part: &str, value: &str, in_query: bool) -> Result<String, DigitalLinkError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| DigitalLinkError::Encoding {
                    part: part.to_owned(),
                    character: '%',
                })?;
            out.push(hex);
            i += 3;
            continue;
        }
        let c = char::from(b);
        let tolerated =
            in_query && matches!(c, '!' | '\'' | '(' | ')' | '*' | ',' | ':' | ';' | '/');
        if !(is_literal(c) || tolerated) {
            let character = value[i..].chars().next().unwrap_or(c);
            return Err(DigitalLinkError::Encoding {
                part: part.to_owned(),
                character,
            });
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| DigitalLinkError::Encoding {
        part: part.to_owned(),
        character: '%',
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_lot_link_on_any_domain_and_prefix() {
        let link = DigitalLink::parse(
            "https://truyxuat.camau.gov.vn/qr/01/8934673000017/10/T%C3%94M-1/?17=261231&linkType=gs1:pip",
        );
        let link = link.unwrap_err();
        // A lot with a non-CSET-82 character (Ô) is rejected with the AI-level reason.
        assert!(link.to_string().contains("character 'Ô'"), "{link}");

        let link = DigitalLink::parse(
            "https://truyxuat.camau.gov.vn/qr/01/8934673000017/10/TOM%2F1/?17=261231&linkType=gs1:pip",
        )
        .unwrap();
        assert_eq!(link.base(), "https://truyxuat.camau.gov.vn/qr");
        assert_eq!(link.kind(), "lgtin");
        assert_eq!(link.get("10"), Some("TOM/1"));
        assert_eq!(
            link.canonical(),
            "https://id.gs1.org/01/08934673000017/10/TOM%2F1?17=261231"
        );
        assert_eq!(
            link.canonical_id(),
            "https://id.gs1.org/01/08934673000017/10/TOM%2F1"
        );
        assert_eq!(
            link.element_string().to_string(),
            "(01)08934673000017(10)TOM/1(17)261231"
        );
        assert_eq!(
            link.to_string(),
            "https://truyxuat.camau.gov.vn/qr/01/08934673000017/10/TOM%2F1?17=261231&linkType=gs1:pip"
        );
    }

    #[test]
    fn qualifier_order_is_enforced() {
        let err =
            DigitalLink::parse("https://id.gs1.org/01/09506000134352/21/S1/10/L1").unwrap_err();
        assert!(
            matches!(err, DigitalLinkError::QualifierOrder { .. }),
            "{err}"
        );
        let err =
            DigitalLink::parse("https://id.gs1.org/01/09506000134352/22/V/235/T").unwrap_err();
        assert!(
            matches!(err, DigitalLinkError::QualifierOrder { .. }),
            "{err}"
        );
        let err = DigitalLink::parse("https://id.gs1.org/00/106141411234567897/10/L1").unwrap_err();
        assert!(
            matches!(err, DigitalLinkError::NotAQualifier { .. }),
            "{err}"
        );
        assert!(DigitalLink::parse("https://id.gs1.org/01/09506000134352/22/V/10/L/21/S").is_ok());
        assert!(DigitalLink::parse("https://id.gs1.org/01/09506000134352/235/T").is_ok());
        assert!(DigitalLink::parse("https://id.gs1.org/414/4012345000009/254/1").is_ok());
    }

    #[test]
    fn short_names_are_read_but_never_written() {
        let link =
            DigitalLink::parse("https://example.com/gtin/09506000134352/lot/ABC/ser/1").unwrap();
        assert_eq!(
            link.canonical(),
            "https://id.gs1.org/01/09506000134352/10/ABC/21/1"
        );
    }

    #[test]
    fn bad_links_say_why() {
        assert_eq!(
            DigitalLink::parse("ftp://id.gs1.org/01/09506000134352"),
            Err(DigitalLinkError::Scheme)
        );
        assert_eq!(
            DigitalLink::parse("https:///01/09506000134352"),
            Err(DigitalLinkError::Domain)
        );
        assert_eq!(
            DigitalLink::parse("https://example.com/x/y"),
            Err(DigitalLinkError::NoPrimaryKey)
        );
        assert!(matches!(
            DigitalLink::parse("https://example.com/01/09506000134353"),
            Err(DigitalLinkError::Ai(AiError::Rule { .. }))
        ));
        assert!(matches!(
            DigitalLink::parse("https://example.com/01/09506000134352/10/A(1"),
            Err(DigitalLinkError::Encoding { character: '(', .. })
        ));
        assert!(matches!(
            DigitalLink::parse("https://example.com/01/09506000134352?21=1"),
            Err(DigitalLinkError::NotAnAttribute { .. })
        ));
        assert!(matches!(
            DigitalLink::parse("https://example.com/01/09506000134352?3103=000100&3102=000100"),
            Err(DigitalLinkError::Ai(AiError::Excluded { .. }))
        ));
    }

    #[test]
    fn repeated_ais_userinfo_and_raw_plus_are_refused() {
        for (uri, expected) in [
            (
                "https://id.gs1.org/01/09506000134352?17=261231&17=261230",
                "AI (17) appears more than once",
            ),
            (
                "https://id.gs1.org/01/09506000134352?17=261231&17=261231",
                "AI (17) appears more than once",
            ),
            (
                "https://example.com/01/09506000134352/10/A?10=B",
                "AI (10) appears more than once",
            ),
            (
                "https://example.com/01/09506000134352?01=00000096385074",
                "AI (01) appears more than once",
            ),
            (
                "https://user@example.com/01/09506000134352",
                "the domain is missing or not a host name (user information such as user@ is not allowed)",
            ),
            (
                "https://id.gs1.org/01/09506000134352?98=qX+Z",
                "AI (98): character '+' must be percent-encoded",
            ),
            (
                "https://example.com/a b/01/09506000134352",
                "path prefix: character ' ' must be percent-encoded",
            ),
            (
                "https://example.com/01/09506000134352?linkType=<x>",
                "query parameter: character '<' must be percent-encoded",
            ),
        ] {
            assert_eq!(
                DigitalLink::parse(uri).unwrap_err().to_string(),
                expected,
                "{uri}"
            );
        }
        assert!(
            DigitalLink::parse("https://id.gs1.org/01/09506000134352?98=qX%2BZ&linkType=gs1:pip")
                .is_ok()
        );
    }

    #[test]
    fn gtin_8_12_13_are_padded() {
        let link = DigitalLink::parse("https://example.com/01/96385074").unwrap();
        assert_eq!(link.canonical(), "https://id.gs1.org/01/00000096385074");
    }

    #[test]
    fn element_strings_become_links() {
        let elements = ElementString::parse("(01)09506000134352(17)261231(21)S1(10)L1").unwrap();
        let link = DigitalLink::from_element_string(&elements, CANONICAL_BASE).unwrap();
        assert_eq!(
            link.to_string(),
            "https://id.gs1.org/01/09506000134352/10/L1/21/S1?17=261231"
        );
        let elements =
            ElementString::parse("(00)106141411234567897(02)09506000134352(37)12").unwrap();
        let link = DigitalLink::from_element_string(&elements, CANONICAL_BASE).unwrap();
        assert_eq!(
            link.canonical(),
            "https://id.gs1.org/00/106141411234567897?02=09506000134352&37=12"
        );
        let elements = ElementString::parse("(01)09506000134352(8200)https://example.com").unwrap();
        assert!(matches!(
            DigitalLink::from_element_string(&elements, CANONICAL_BASE),
            Err(DigitalLinkError::NotAnAttribute { .. })
        ));
    }
}
