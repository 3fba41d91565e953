//! `nguon gs1 <INPUT>`: recognise any GS1 input and print all of its forms as one JSON object.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use nguon_gs1::{Identified, InputForm, KeyKind, PrefixLengths, identify};
use serde::Serialize;

/// Arguments of `nguon gs1`.
#[derive(Debug, clap::Args)]
pub struct Gs1Args {
    /// A Digital Link URI, a bracketed `(01)…` or raw element string, an EPC URN or a bare key.
    pub input: String,

    /// Read a bare key as this kind (gtin, gln, sscc, gsrn, gdti, grai, giai, …); a bare
    /// 13-digit number is otherwise a GTIN-13 and an 18-digit one an SSCC.
    #[arg(long = "as", value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<KeyKind>,
}

fn parse_kind(name: &str) -> Result<KeyKind, String> {
    KeyKind::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = KeyKind::ALL.iter().map(|k| k.short_name()).collect();
        format!("unknown key kind {name:?}; one of {}", known.join(", "))
    })
}

/// What `nguon gs1` prints.
#[derive(Debug, Serialize)]
struct Description {
    input: String,
    form: InputForm,
    kind: &'static str,
    key: KeyDescription,
    qualifiers: BTreeMap<String, String>,
    attributes: BTreeMap<String, String>,
    canonical_dl: String,
    element_string: String,
    element_string_raw: String,
    epc_urn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epc_urn_unavailable: Option<String>,
}

#[derive(Debug, Serialize)]
struct KeyDescription {
    #[serde(rename = "type")]
    kind: &'static str,
    ai: &'static str,
    value: String,
}

fn describe(input: &str, identified: &Identified, lengths: &PrefixLengths) -> Description {
    let link = &identified.link;
    let key = link.key();
    let pairs = |elements: &[nguon_gs1::Element]| {
        elements
            .iter()
            .map(|e| (e.ai().to_owned(), e.value().to_owned()))
            .collect()
    };
    let elements = link.element_string();
    let (epc_urn, epc_urn_unavailable) = match identified.epc_urn(lengths) {
        Ok(urn) => (Some(urn), None),
        Err(reason) => (None, Some(reason.to_string())),
    };
    Description {
        input: input.to_owned(),
        form: identified.form,
        kind: link.kind(),
        key: KeyDescription {
            kind: key.kind().name(),
            ai: key.kind().ai(),
            value: key.as_str().to_owned(),
        },
        qualifiers: pairs(link.qualifiers()),
        attributes: pairs(link.attributes()),
        canonical_dl: link.canonical(),
        element_string: elements.to_string(),
        element_string_raw: elements.raw(),
        epc_urn,
        epc_urn_unavailable,
    }
}

/// Runs the command: JSON on stdout and exit code 0, or the reason on stderr and exit code 2.
pub fn run(args: &Gs1Args, lengths: &PrefixLengths) -> ExitCode {
    match identify(&args.input, args.kind) {
        Ok(identified) => {
            let description = describe(&args.input, &identified, lengths);
            let json = serde_json::to_string_pretty(&description).expect("description serialises");
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = writeln!(stdout, "{json}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("error: {reason}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lot_link_is_described_in_every_form() {
        let input = "https://truyxuat.camau.gov.vn/01/8934673000017/10/TOM-01?17=261231";
        let identified = identify(input, None).unwrap();
        let description = describe(input, &identified, &PrefixLengths::builtin());
        let json = serde_json::to_value(&description).unwrap();
        assert_eq!(json["form"], "digital_link");
        assert_eq!(json["kind"], "lgtin");
        assert_eq!(json["key"]["value"], "08934673000017");
        assert_eq!(json["qualifiers"]["10"], "TOM-01");
        assert_eq!(json["attributes"]["17"], "261231");
        assert_eq!(
            json["canonical_dl"],
            "https://id.gs1.org/01/08934673000017/10/TOM-01?17=261231"
        );
        assert_eq!(
            json["element_string"],
            "(01)08934673000017(10)TOM-01(17)261231"
        );
        assert_eq!(json["epc_urn"], "urn:epc:class:lgtin:893467300.0001.TOM-01");
        assert!(json.get("epc_urn_unavailable").is_none());
    }

    #[test]
    fn a_missing_prefix_length_is_explained_not_fatal() {
        let identified = identify("(8013)1987654Ad4X4bL5ttr2310c2K", None).unwrap();
        let description = describe("x", &identified, &PrefixLengths::builtin());
        assert_eq!(description.kind, "gmn");
        assert_eq!(description.epc_urn, None);
        assert!(
            description
                .epc_urn_unavailable
                .unwrap()
                .contains("company prefix length unknown")
        );
    }

    #[test]
    fn kinds_are_named_like_the_short_names() {
        assert_eq!(parse_kind("gln"), Ok(KeyKind::Gln));
        assert_eq!(parse_kind("GSRN-P"), Ok(KeyKind::GsrnProvider));
        assert!(
            parse_kind("isbn")
                .unwrap_err()
                .contains("one of sscc, gtin")
        );
    }
}
