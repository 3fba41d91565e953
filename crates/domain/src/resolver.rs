//! Resolver links: where a scanned GS1 Digital Link leads. An organisation stores links for its
//! own keys (a GTIN, optionally with a lot or serial); each names the level it applies to (its
//! anchor, the key's path such as `/01/08934673000017/10/L1`), a GS1 link type, the target, a
//! title and optionally the target's media type and language, and may be the anchor's default.

use nguon_gs1::DigitalLink;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{DomainError, OrganisationId, ResolverLinkId, one_line};

/// The GS1 Web Vocabulary namespace of link types (`gs1:` in CURIEs).
pub const GS1_VOCABULARY: &str = "https://gs1.org/voc/";

/// Longest target URL kept.
pub const MAX_HREF_LEN: usize = 2000;

/// Longest link title kept.
pub const MAX_TITLE_LEN: usize = 200;

/// The anchor of a Digital Link: the path of its canonical identifier (`/01/…[/10/…]`), the same
/// on every resolver domain.
pub fn anchor_of(link: &DigitalLink) -> String {
    link.canonical_id()
        .trim_start_matches(nguon_gs1::CANONICAL_BASE)
        .to_owned()
}

/// A GS1 Web Vocabulary link type, kept as its CURIE (`gs1:pip`): letters only after the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LinkType(String);

impl LinkType {
    /// Reads `gs1:pip` or `https://gs1.org/voc/pip` (also `http://`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        let term = input
            .strip_prefix("gs1:")
            .or_else(|| input.strip_prefix(GS1_VOCABULARY))
            .or_else(|| input.strip_prefix("http://gs1.org/voc/"))
            .unwrap_or("");
        if term.is_empty() || term.len() > 60 || !term.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(DomainError::CodeSyntax {
                field: "linkType",
                rule: "must be a GS1 Web Vocabulary link type such as gs1:pip or https://gs1.org/voc/pip",
                found: input.chars().take(80).collect(),
            });
        }
        Ok(Self(format!("gs1:{term}")))
    }

    /// The CURIE, e.g. `gs1:pip`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The full URI, e.g. `https://gs1.org/voc/pip`, as linksets name relations.
    pub fn uri(&self) -> String {
        format!("{GS1_VOCABULARY}{}", &self.0[4..])
    }

    /// `gs1:defaultLink`, the relation a linkset lists the default link under.
    pub fn default_link() -> Self {
        Self("gs1:defaultLink".to_owned())
    }
}

impl TryFrom<String> for LinkType {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LinkType> for String {
    fn from(value: LinkType) -> Self {
        value.0
    }
}

/// A link as an organisation writes it, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewResolverLink {
    /// The level it applies to: a canonical key path such as `/01/08934673000017/10/L1`.
    pub anchor: String,
    /// Its link type.
    #[serde(rename = "linkType")]
    pub link_type: LinkType,
    /// The target: an `https://` or `http://` URL.
    pub href: String,
    /// What a person sees for it.
    pub title: String,
    /// The target's media type, e.g. `text/html`.
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    /// The target's language, e.g. `vi` or `en-GB`.
    pub hreflang: Option<String>,
    /// Whether a scan without a link type goes here.
    #[serde(rename = "default")]
    pub is_default: bool,
}

impl NewResolverLink {
    /// Checks every field; `identifier` is a Digital Link URI or its path (`/01/…`).
    pub fn parse(
        identifier: &str,
        link_type: &str,
        href: &str,
        title: &str,
        media_type: Option<&str>,
        hreflang: Option<&str>,
        is_default: bool,
    ) -> Result<Self, DomainError> {
        let uri = if identifier.trim().starts_with('/') {
            format!("{}{}", nguon_gs1::CANONICAL_BASE, identifier.trim())
        } else {
            identifier.trim().to_owned()
        };
        let link = DigitalLink::parse(&uri).map_err(|error| DomainError::CodeSyntax {
            field: "identifier",
            rule: "must be a GS1 Digital Link URI or path such as /01/08934673000017/10/L1",
            found: format!(
                "{} ({error})",
                identifier.chars().take(200).collect::<String>()
            ),
        })?;
        Ok(Self {
            anchor: anchor_of(&link),
            link_type: LinkType::parse(link_type)?,
            href: parse_href(href)?,
            title: one_line("title", title, MAX_TITLE_LEN)?,
            media_type: media_type
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(parse_media_type)
                .transpose()?,
            hreflang: hreflang
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(parse_language)
                .transpose()?,
            is_default,
        })
    }

    /// The Digital Link the anchor names.
    pub fn digital_link(&self) -> DigitalLink {
        DigitalLink::parse(&format!("{}{}", nguon_gs1::CANONICAL_BASE, self.anchor))
            .expect("anchors are canonical key paths")
    }
}

fn parse_href(input: &str) -> Result<String, DomainError> {
    let href = input.trim();
    let rest = href
        .strip_prefix("https://")
        .or_else(|| href.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains('@')
    });
    if !host_ok
        || href.len() > MAX_HREF_LEN
        || href
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"`".contains(c))
    {
        return Err(DomainError::CodeSyntax {
            field: "href",
            rule: "must be an https:// or http:// URL of at most 2000 characters, without spaces, quotes, angle brackets or user@",
            found: href.chars().take(200).collect(),
        });
    }
    Ok(href.to_owned())
}

fn parse_media_type(input: &str) -> Result<String, DomainError> {
    let valid = input.len() <= 100
        && input.split_once('/').is_some_and(|(kind, sub)| {
            let token = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
            };
            token(kind) && token(sub)
        });
    if !valid {
        return Err(DomainError::CodeSyntax {
            field: "type",
            rule: "must be a media type such as text/html or application/pdf",
            found: input.chars().take(100).collect(),
        });
    }
    Ok(input.to_ascii_lowercase())
}

fn parse_language(input: &str) -> Result<String, DomainError> {
    let mut parts = input.split('-');
    let primary = parts.next().unwrap_or("");
    let valid = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !valid {
        return Err(DomainError::CodeSyntax {
            field: "hreflang",
            rule: "must be a language tag such as vi, en or en-GB",
            found: input.chars().take(40).collect(),
        });
    }
    Ok(input.to_owned())
}

/// A stored link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolverLink {
    /// Its id.
    pub id: ResolverLinkId,
    /// The organisation that keeps it.
    pub organisation: OrganisationId,
    /// What it says.
    #[serde(flatten)]
    pub link: NewResolverLink,
    /// When it was stored.
    #[serde(rename = "createdAt", with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(rename = "updatedAt", with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(identifier: &str, link_type: &str, href: &str) -> Result<NewResolverLink, String> {
        NewResolverLink::parse(
            identifier,
            link_type,
            href,
            "Trang sản phẩm",
            Some("text/html"),
            Some("vi"),
            false,
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn links_are_anchored_at_the_canonical_key_path() {
        let link = parse(
            "https://truyxuat.example/01/8934673000017/10/L1?17=261231",
            "https://gs1.org/voc/pip",
            "https://example.com/p",
        )
        .unwrap();
        assert_eq!(link.anchor, "/01/08934673000017/10/L1");
        assert_eq!(link.link_type.as_str(), "gs1:pip");
        assert_eq!(link.link_type.uri(), "https://gs1.org/voc/pip");
        let path = parse("/01/08934673000017", "gs1:epcis", "https://x.test/epcis").unwrap();
        assert_eq!(path.anchor, "/01/08934673000017");
        assert_eq!(path.digital_link().kind(), "gtin");
    }

    #[test]
    fn bad_fields_are_named() {
        for (identifier, link_type, href, field) in [
            (
                "/01/08934673000018",
                "gs1:pip",
                "https://x.test",
                "identifier",
            ),
            ("/01/08934673000017", "pip", "https://x.test", "linkType"),
            (
                "/01/08934673000017",
                "gs1:p-p",
                "https://x.test",
                "linkType",
            ),
            (
                "/01/08934673000017",
                "gs1:pip",
                "javascript:alert(1)",
                "href",
            ),
            ("/01/08934673000017", "gs1:pip", "https://a@x.test", "href"),
            (
                "/01/08934673000017",
                "gs1:pip",
                "https://x.test/<b>",
                "href",
            ),
        ] {
            let error = parse(identifier, link_type, href).unwrap_err();
            assert!(error.starts_with(field), "{error}");
        }
        let error = NewResolverLink::parse(
            "/01/08934673000017",
            "gs1:pip",
            "https://x.test",
            "t",
            Some("html"),
            None,
            false,
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("type:"), "{error}");
        let error = NewResolverLink::parse(
            "/01/08934673000017",
            "gs1:pip",
            "https://x.test",
            "t",
            None,
            Some("vietnamese!"),
            false,
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("hreflang:"), "{error}");
    }
}
