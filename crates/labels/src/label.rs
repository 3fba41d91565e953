//! The data of one label, checked once when it is built: a lot-bound Digital Link on the
//! resolver, and the Vietnamese text printed beside the symbol.

use nguon_gs1::{DigitalLink, Element, KeyKind};

use crate::{LabelError, Symbology, text};

/// The AIs a label prints: the GTIN, its lot and serial qualifiers, and the expiry date.
const PRINTED_AIS: [&str; 4] = ["01", "10", "21", "17"];
/// The most short lines under the title.
const MAX_LINES: usize = 6;
/// GS1-128 carries at most 48 data characters (GS1 General Specifications 5.4.1).
const GS1_128_MAX_DATA: usize = 48;

/// One label: the product's Digital Link on the resolver and the text printed beside the symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    link: DigitalLink,
    title: String,
    lines: Vec<String>,
}

impl Label {
    /// Builds a label from a GTIN Digital Link with a lot (AI 10), optionally a serial (21) and an
    /// expiry date (17), moved onto `resolver_base` (e.g. `https://truyxuat.camau.gov.vn`), with
    /// a title (the product name) and a few one-line texts such as `Lô: PL7`.
    pub fn new(
        link: &DigitalLink,
        resolver_base: &str,
        title: &str,
        lines: &[impl AsRef<str>],
    ) -> Result<Self, LabelError> {
        check_link(link)?;
        check_text("title", title)?;
        if lines.len() > MAX_LINES {
            return Err(LabelError::Text {
                field: "lines".into(),
                rule: format!(
                    "at most {MAX_LINES} lines fit on a label, found {}",
                    lines.len()
                ),
            });
        }
        for (index, line) in lines.iter().enumerate() {
            check_text(&format!("line {}", index + 1), line.as_ref())?;
        }
        Ok(Label {
            link: on_resolver(link, resolver_base)?,
            title: title.trim().to_owned(),
            lines: lines.iter().map(|l| l.as_ref().trim().to_owned()).collect(),
        })
    }

    /// The Digital Link on the resolver base, as the QR code carries it.
    pub fn digital_link(&self) -> &DigitalLink {
        &self.link
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The short lines under the title.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Exactly what the symbol encodes: for QR the Digital Link URI; for DataMatrix and GS1-128
    /// the element string with GS (U+001D) after each variable-length value but the last, FNC1
    /// not included; for EAN-13 the 13 digits.
    pub fn data(&self, symbology: Symbology) -> Result<String, LabelError> {
        match symbology {
            Symbology::DigitalLinkQr => Ok(self.link.to_string()),
            Symbology::DataMatrix => Ok(self.link.element_string().raw()),
            Symbology::Gs1128 => {
                let data = self.link.element_string().raw();
                let length = data.chars().count();
                if length > GS1_128_MAX_DATA {
                    return Err(LabelError::Symbology {
                        symbology: symbology.as_str(),
                        rule: format!(
                            "holds at most {GS1_128_MAX_DATA} data characters (AIs, values and \
                             separators), this element string has {length}: use datamatrix or qr"
                        ),
                    });
                }
                Ok(data)
            }
            Symbology::Ean13 => {
                let gtin = self.link.key();
                match gtin.as_str().strip_prefix('0') {
                    Some(gtin13) => Ok(gtin13.to_owned()),
                    None => Err(LabelError::Symbology {
                        symbology: symbology.as_str(),
                        rule: format!(
                            "carries a GTIN-13 only, so the GTIN-14's first (indicator) digit \
                             must be 0, GTIN {} starts with {}: use gs1-128, datamatrix or qr",
                            gtin.as_str(),
                            &gtin.as_str()[..1]
                        ),
                    }),
                }
            }
        }
    }

    /// The human-readable interpretation of a GS1 element string: `(01)… (17)… (10)… (21)…`
    /// in the order the symbol carries them.
    pub(crate) fn element_hri(&self) -> String {
        let mut elements: Vec<Element> = self.link.elements().cloned().collect();
        // The order of `ElementString::raw`: predefined-length AIs first.
        elements.sort_by_key(|element| !element.entry().fixed_length);
        elements
            .iter()
            .map(|element| format!("({}){}", element.ai(), element.value()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn check_link(link: &DigitalLink) -> Result<(), LabelError> {
    let kind = link.key().kind();
    if kind != KeyKind::Gtin {
        return Err(LabelError::NotAGtin {
            found: format!("{} ({})", kind.name(), kind.ai()),
        });
    }
    if let Some(element) = link
        .elements()
        .find(|element| !PRINTED_AIS.contains(&element.ai()))
    {
        return Err(LabelError::UnsupportedAi {
            ai: element.ai().to_owned(),
        });
    }
    if link.get("10").is_none() {
        return Err(LabelError::MissingLot);
    }
    Ok(())
}

/// Refuses text that cannot be drawn as given: empty, several lines, control characters, or
/// characters the embedded font lacks (they would print as empty boxes).
fn check_text(field: &str, text: &str) -> Result<(), LabelError> {
    let error = |rule: String| LabelError::Text {
        field: field.to_owned(),
        rule,
    };
    if text.trim().is_empty() {
        return Err(error("must not be empty".into()));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(error(format!(
            "must be one line of text, found control character U+{:04X}",
            u32::from(c)
        )));
    }
    if let Some(c) = text.chars().find(|&c| !text::has_glyph(c)) {
        return Err(error(format!(
            "character {c:?} (U+{:04X}) is not in the label font {}",
            u32::from(c),
            text::FAMILY
        )));
    }
    Ok(())
}

/// The same link with the resolver as its domain and path prefix.
fn on_resolver(link: &DigitalLink, base: &str) -> Result<DigitalLink, LabelError> {
    let trimmed = base.trim().trim_end_matches('/');
    let refuse = |rule: &str| LabelError::ResolverBase {
        base: base.to_owned(),
        rule: rule.to_owned(),
    };
    if trimmed.contains(['?', '#']) {
        return Err(refuse("must not have a query string or fragment"));
    }
    let moved = DigitalLink::from_element_string(&link.element_string(), trimmed)?;
    // The GS1 path is valid already, so a URI that does not parse has a bad scheme, host or
    // path prefix.
    DigitalLink::parse(&moved.to_string()).map_err(|error| refuse(&error.to_string()))?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://truyxuat.camau.gov.vn";

    fn link(uri: &str) -> DigitalLink {
        DigitalLink::parse(uri).unwrap()
    }

    fn label(uri: &str) -> Result<Label, LabelError> {
        Label::new(&link(uri), BASE, "Tôm sú", &["Lô: PL7"])
    }

    #[test]
    fn the_link_moves_onto_the_resolver_in_canonical_order() {
        let label =
            label("https://id.gs1.org/01/08934673000017/10/PL7/21/000123?17=261231").unwrap();
        assert_eq!(
            label.data(Symbology::DigitalLinkQr).unwrap(),
            "https://truyxuat.camau.gov.vn/01/08934673000017/10/PL7/21/000123?17=261231"
        );
        assert_eq!(
            label.data(Symbology::DataMatrix).unwrap(),
            "01089346730000171726123110PL7\u{1d}21000123"
        );
        assert_eq!(
            label.element_hri(),
            "(01)08934673000017 (17)261231 (10)PL7 (21)000123"
        );
        assert_eq!(label.data(Symbology::Ean13).unwrap(), "8934673000017");
        let prefixed = Label::new(
            &link("https://id.gs1.org/01/08934673000017/10/A%2FB"),
            "http://localhost:8080/dl/",
            "Tôm sú",
            &["Lô: A/B"],
        )
        .unwrap();
        assert_eq!(
            prefixed.data(Symbology::DigitalLinkQr).unwrap(),
            "http://localhost:8080/dl/01/08934673000017/10/A%2FB"
        );
    }

    #[test]
    fn links_a_label_cannot_carry_are_refused() {
        let error = label("https://id.gs1.org/00/089346730000000000").unwrap_err();
        assert_eq!(
            error,
            LabelError::NotAGtin {
                found: "SSCC (00)".into()
            }
        );
        assert!(error.to_string().contains("GTIN (01)"), "{error}");
        assert_eq!(
            label("https://id.gs1.org/01/08934673000017/21/1").unwrap_err(),
            LabelError::MissingLot
        );
        assert_eq!(
            label("https://id.gs1.org/01/08934673000017/10/PL7?3103=000500").unwrap_err(),
            LabelError::UnsupportedAi { ai: "3103".into() }
        );
        let indicator = label("https://id.gs1.org/01/18934673000014/10/PL7").unwrap();
        let error = indicator.data(Symbology::Ean13).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("ean13: carries a GTIN-13 only")
                && error
                    .to_string()
                    .contains("GTIN 18934673000014 starts with 1"),
            "{error}"
        );
    }

    #[test]
    fn bad_resolver_bases_are_refused() {
        let gtin = link("https://id.gs1.org/01/08934673000017/10/PL7");
        for base in [
            "truyxuat.camau.gov.vn",
            "ftp://truyxuat.camau.gov.vn",
            "https://",
            "https://truyxuat.camau.gov.vn/?a=b",
            "https://truyxuat.camau.gov.vn/tra cứu",
        ] {
            let error = Label::new(&gtin, base, "Tôm", &[] as &[&str]).unwrap_err();
            assert!(
                matches!(error, LabelError::ResolverBase { .. }),
                "{base}: {error:?}"
            );
        }
    }

    #[test]
    fn text_rules_name_the_field() {
        let gtin = link("https://id.gs1.org/01/08934673000017/10/PL7");
        let error = Label::new(&gtin, BASE, " ", &["Lô: PL7"]).unwrap_err();
        assert_eq!(error.to_string(), "title: must not be empty");
        let error = Label::new(&gtin, BASE, "Tôm", &["Lô: PL7", "HSD:\n31/12/2026"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 2: must be one line of text, found control character U+000A"
        );
        let error = Label::new(&gtin, BASE, "Tôm 虾", &["Lô: PL7"]).unwrap_err();
        assert!(
            error.to_string().starts_with("title: character '虾'"),
            "{error}"
        );
        let error = Label::new(&gtin, BASE, "Tôm", &["a"; 7]).unwrap_err();
        assert!(error.to_string().starts_with("lines: at most 6"), "{error}");
    }

    #[test]
    fn gs1_128_refuses_more_than_48_data_characters() {
        let long = label(
            "https://id.gs1.org/01/08934673000017/10/LOT45678901234567890/21/SER45678901234567890",
        )
        .unwrap();
        let error = long.data(Symbology::Gs1128).unwrap_err();
        assert!(error.to_string().contains("at most 48"), "{error}");
        assert!(long.data(Symbology::DataMatrix).is_ok());
    }
}
