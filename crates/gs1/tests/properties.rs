//! Property tests: every representation of a generated identifier translates to every other and
//! back without loss, and no parser panics on arbitrary input.

use nguon_gs1::{
    DigitalLink, ElementString, PrefixLengths, digital_link_to_urn, identify, mod10_check_digit,
    urn_to_digital_link,
};
use proptest::prelude::*;

const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

fn cset82(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(CSET82.chars().collect::<Vec<_>>()),
        1..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn digits(len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, len)
        .prop_map(|d| d.into_iter().map(|d| char::from(b'0' + d)).collect())
}

fn with_check(data: &str) -> String {
    format!("{data}{}", mod10_check_digit(data).unwrap())
}

/// A company prefix of 6–11 digits starting with Vietnam's 893, so the table row is exact.
fn company_prefix() -> impl Strategy<Value = String> {
    (6usize..=11).prop_flat_map(|len| digits(len - 3).prop_map(|rest| format!("893{rest}")))
}

/// A generated identifier as (canonical Digital Link, EPC URN if it has one) and its prefix.
fn identifier() -> impl Strategy<Value = (String, String)> {
    (company_prefix(), digits(12), cset82(20), 0usize..6).prop_map(
        |(prefix, filler, text, scheme)| {
            let reference = |total: usize| filler[..total - prefix.len()].to_owned();
            let path = match scheme {
                0 => format!(
                    "/01/{}/21/{}",
                    with_check(&format!("1{prefix}{}", reference(12))),
                    encode(&text)
                ),
                1 => format!(
                    "/01/{}/10/{}",
                    with_check(&format!("0{prefix}{}", reference(12))),
                    encode(&text)
                ),
                2 => format!(
                    "/00/{}",
                    with_check(&format!("3{prefix}{}{}", reference(12), &filler[..4]))
                ),
                // The Tag Data Standard writes "no extension" as 0, so extension 0 is left out.
                3 if text != "0" => format!(
                    "/414/{}/254/{}",
                    with_check(&format!("{prefix}{}", reference(12))),
                    encode(&text)
                ),
                3 => format!("/414/{}", with_check(&format!("{prefix}{}", reference(12)))),
                4 => format!(
                    "/8003/0{}{}",
                    with_check(&format!("{prefix}{}", reference(12))),
                    encode(&text[..text.len().min(16)])
                ),
                _ => format!(
                    "/253/{}{}",
                    with_check(&format!("{prefix}{}", reference(12))),
                    encode(&text[..text.len().min(17)])
                ),
            };
            (format!("https://id.gs1.org{path}"), prefix)
        },
    )
}

fn encode(value: &str) -> String {
    nguon_gs1::percent_encode(value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn digital_link_element_string_and_urn_round_trip((uri, prefix) in identifier()) {
        let link = DigitalLink::parse(&uri).unwrap();
        prop_assert_eq!(link.canonical(), uri.clone());

        let bracketed = link.element_string().to_string();
        let from_bracketed = ElementString::parse_bracketed(&bracketed).unwrap();
        let back = DigitalLink::from_element_string(&from_bracketed, nguon_gs1::CANONICAL_BASE).unwrap();
        prop_assert_eq!(back.canonical(), uri.clone());

        let raw = link.element_string().raw();
        let from_raw = ElementString::parse_raw(&raw).unwrap();
        prop_assert_eq!(from_raw.to_string(), bracketed);

        let table = PrefixLengths::new([(prefix.as_str(), prefix.len())]).unwrap();
        let urn = digital_link_to_urn(&link, &table).unwrap();
        let from_urn = urn_to_digital_link(&urn).unwrap();
        prop_assert_eq!(from_urn.canonical(), uri);
    }

    #[test]
    fn identify_never_panics(input in any::<String>()) {
        let _ = identify(&input, None);
        let _ = DigitalLink::parse(&input);
        let _ = ElementString::parse(&input);
        let _ = urn_to_digital_link(&input);
    }

    #[test]
    fn near_miss_inputs_never_panic(tail in "[0-9A-Za-z%/().*?=&-]{0,40}") {
        for head in ["https://id.gs1.org/01/", "https://x.vn/414/", "(01)", "(8003)", "urn:epc:id:sgtin:", "urn:epc:idpat:grai:", "]d201", "urn:epc:class:lgtin:"] {
            let _ = identify(&format!("{head}{tail}"), None);
        }
    }
}
