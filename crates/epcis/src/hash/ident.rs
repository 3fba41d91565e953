//! GS1 identifiers in the form the event hash requires: a constrained canonical Digital Link on
//! `https://id.gs1.org`, without query string, at the finest level of identification, from an
//! EPC URN (pure identity, LGTIN class or `idpat` pattern) or a Digital Link on any domain.

use std::fmt::Write as _;

use nguon_gs1::{DigitalLink, percent_encode_keeping, urn_to_digital_link};

/// The primary keys and qualifier sets the hash keeps; any other identifier is hashed as written.
fn allowed(primary: &str, qualifiers: &[&str]) -> bool {
    matches!(
        (primary, qualifiers),
        ("01", [] | ["21"] | ["10"] | ["235"])
            | ("8006", [] | ["21"] | ["10"])
            | ("414", [] | ["254"])
            | ("8010", [] | ["8011"])
            | (
                "00" | "253" | "255" | "401" | "402" | "417" | "8003" | "8004" | "8017" | "8018",
                []
            )
    )
}

/// The constrained canonical Digital Link of an identifier, or `None` when the value is not an
/// EPC URN or Digital Link this system can read (it is then hashed as written).
pub(crate) fn canonical_identifier(value: &str) -> Option<String> {
    let link = if value.starts_with("urn:epc:") {
        urn_to_digital_link(value).ok()?
    } else if has_web_scheme(value) {
        DigitalLink::parse(&tolerant_path(value)).ok()?
    } else {
        return None;
    };
    constrained(&link)
}

fn has_web_scheme(value: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        value
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    })
}

/// Drops the query string and fragment (attributes never count) and percent-encodes the
/// characters that Digital Link wants encoded but that identifiers in the wild, and the
/// reference implementation, write literally (`'`, `(`, `:`…), so such a link still normalises.
fn tolerant_path(uri: &str) -> String {
    let end = uri.find(['?', '#']).unwrap_or(uri.len());
    let uri = &uri[..end];
    let scheme_end = uri.find("://").map_or(0, |i| i + 3);
    let path_start = uri[scheme_end..]
        .find('/')
        .map_or(uri.len(), |i| scheme_end + i);
    let mut out = String::with_capacity(uri.len() + 8);
    out.push_str(&uri[..path_start]);
    for c in uri[path_start..].chars() {
        if "!\"'()*+,:;<=>".contains(c) {
            let _ = write!(out, "%{:02X}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Keeps the finest level of identification (a serial wins over a lot, a consumer product
/// variant is dropped) and writes the link with the hash's percent-encoding.
fn constrained(link: &DigitalLink) -> Option<String> {
    let key = link.key();
    let primary = key.kind().ai();
    let mut qualifiers: Vec<(&str, &str)> = link
        .qualifiers()
        .iter()
        .map(|q| (q.ai(), q.value()))
        .filter(|(ai, _)| *ai != "22")
        .collect();
    if qualifiers.iter().any(|(ai, _)| *ai == "21") {
        qualifiers.retain(|(ai, _)| *ai != "10");
    }
    let ais: Vec<&str> = qualifiers.iter().map(|(ai, _)| *ai).collect();
    if !allowed(primary, &ais) {
        return None;
    }
    let mut uri = format!("https://id.gs1.org/{primary}/{}", hash_encode(key.as_str()));
    for (ai, value) in qualifiers {
        let _ = write!(uri, "/{ai}/{}", hash_encode(value));
    }
    Some(uri)
}

/// Percent-encoding as the event hash's reference examples write it: Digital Link's rule, except
/// that `'`, `;` and `=` stay literal.
fn hash_encode(value: &str) -> String {
    percent_encode_keeping(value, "';=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_become_constrained_canonical_links() {
        for (input, expected) in [
            (
                "urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()",
                "https://id.gs1.org/01/80614141123458/21/6789%2F%26%25%22%21%3F%28%29",
            ),
            (
                "urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7'SDB",
                "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7'SDB",
            ),
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
                "urn:epc:idpat:upui:4012345.012345.*",
                "https://id.gs1.org/01/04012345123456",
            ),
            (
                "urn:epc:id:sgln:4012345.00005.0",
                "https://id.gs1.org/414/4012345000054",
            ),
        ] {
            assert_eq!(
                canonical_identifier(input).as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn links_lose_domain_query_and_coarser_levels() {
        for (input, expected) in [
            (
                "https://example.com/gtin/09780345418913/21/765tz?abc=211121",
                "https://id.gs1.org/01/09780345418913/21/765tz",
            ),
            (
                "https://example.com/x/01/04012345111118/22/V1/10/L1/21/S1?17=201010",
                "https://id.gs1.org/01/04012345111118/21/S1",
            ),
            (
                "https://example.com/01/4012345111118/10/L(1)",
                "https://id.gs1.org/01/04012345111118/10/L%281%29",
            ),
            (
                "http://id.gs1.org/01/04012345111118/21/a'b",
                "https://id.gs1.org/01/04012345111118/21/a'b",
            ),
        ] {
            assert_eq!(
                canonical_identifier(input).as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn anything_else_is_left_alone() {
        for input in [
            "https://id.gs1.org/01/04012345111117",
            "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K",
            "https://example.com/po/12345",
            "urn:epc:id:gid:95100000.12345.400",
            "urn:epcglobal:cbv:bt:0614141000005:PO1",
            "geo:47.506694,11.104301",
        ] {
            assert_eq!(canonical_identifier(input), None, "{input}");
        }
    }
}
