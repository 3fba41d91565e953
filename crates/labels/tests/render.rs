//! The rendered outputs checked from outside: symbols decode back to exactly their data, PDF
//! pages have the stock's size and count and embed the font, SVG text is Vietnamese and escaped.

use nguon_gs1::DigitalLink;
use nguon_labels::{Label, LabelError, Layout, Symbology, pdf, png, svg};
use rxing::BarcodeFormat;

const BASE: &str = "https://truyxuat.camau.gov.vn";
const TITLE: &str = "Tôm sú đông lạnh – Hợp tác xã Tân Hưng";

fn label_for(uri: &str, title: &str) -> Label {
    let link = DigitalLink::parse(uri).unwrap();
    Label::new(
        &link,
        BASE,
        title,
        &["Lô: PL7", "Số sê-ri: 000123", "HSD: 31/12/2026"],
    )
    .unwrap()
}

fn shrimp() -> Label {
    label_for(
        "https://id.gs1.org/01/08934673000017/10/PL7/21/000123?17=261231",
        TITLE,
    )
}

#[test]
fn every_symbology_decodes_back_to_exactly_its_data() {
    // Without this hint rxing drops FNC1 in Code 128; with it, a leading FNC1 is reported as
    // the symbology identifier ]C1 and every later one as GS.
    let mut gs1 = rxing::DecodeHints::default().with(rxing::DecodeHintValue::AssumeGs1(true));
    let label = shrimp();
    let expected = [
        (
            Symbology::DigitalLinkQr,
            BarcodeFormat::QR_CODE,
            "https://truyxuat.camau.gov.vn/01/08934673000017/10/PL7/21/000123?17=261231",
        ),
        (
            Symbology::DataMatrix,
            BarcodeFormat::DATA_MATRIX,
            "01089346730000171726123110PL7\u{1d}21000123",
        ),
        (Symbology::Ean13, BarcodeFormat::EAN_13, "8934673000017"),
        (
            Symbology::Gs1128,
            BarcodeFormat::CODE_128,
            "01089346730000171726123110PL7\u{1d}21000123",
        ),
    ];
    for (symbology, format, data) in expected {
        assert_eq!(label.data(symbology).unwrap(), data, "{symbology}");
        for (layout, dpi) in [(Layout::Thermal50x30, 300), (Layout::A4Grid5x13, 300)] {
            let image = png(&label, symbology, layout, dpi).unwrap();
            let decoded = rxing::helpers::detect_in_buffer_with_hints(&image, None, &mut gs1)
                .unwrap_or_else(|error| panic!("{symbology} on {layout}: {error}"));
            let text = match symbology {
                Symbology::Gs1128 => decoded.getText().strip_prefix("]C1").unwrap_or_else(|| {
                    panic!(
                        "{symbology} on {layout}: no FNC1 first in {:?}",
                        decoded.getText()
                    )
                }),
                _ => decoded.getText(),
            };
            assert_eq!(text, data, "{symbology} on {layout}");
            assert_eq!(
                decoded.getBarcodeFormat(),
                &format,
                "{symbology} on {layout}"
            );
        }
    }
}

#[test]
fn png_has_the_label_size_at_the_resolution() {
    let image = png(&shrimp(), Symbology::DataMatrix, Layout::Thermal50x30, 203).unwrap();
    assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"));
    let width = u32::from_be_bytes(image[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(image[20..24].try_into().unwrap());
    // 50 × 30 mm at 203 dpi.
    assert_eq!((width, height), (400, 240));
    // pHYs: 203 dpi is 7992 pixels a metre.
    let phys = image.windows(4).position(|w| w == b"pHYs").unwrap();
    assert_eq!(
        u32::from_be_bytes(image[phys + 4..phys + 8].try_into().unwrap()),
        7992
    );
    assert_eq!(
        png(&shrimp(), Symbology::DataMatrix, Layout::Thermal50x30, 20),
        Err(LabelError::Dpi {
            dpi: 20,
            min: 72,
            max: 1200
        })
    );
}

/// The MediaBox of every page, in points (the writer gives each page its own).
fn pages(pdf: &[u8]) -> Vec<[f32; 4]> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox")
        .map(|(at, key)| {
            let rest = text[at + key.len()..]
                .trim_start()
                .strip_prefix('[')
                .unwrap();
            let numbers: Vec<f32> = rest[..rest.find(']').unwrap()]
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            numbers.try_into().unwrap()
        })
        .collect()
}

fn assert_size_mm(media_box: [f32; 4], width: f32, height: f32) {
    let points = |mm: f32| mm * 72.0 / 25.4;
    assert!(
        media_box[0].abs() < 0.01 && media_box[1].abs() < 0.01,
        "{media_box:?}"
    );
    assert!((media_box[2] - points(width)).abs() < 0.01, "{media_box:?}");
    assert!(
        (media_box[3] - points(height)).abs() < 0.01,
        "{media_box:?}"
    );
}

#[test]
fn a4_sheets_hold_24_labels_a_page() {
    for (count, expected_pages) in [(1, 1), (24, 1), (25, 2)] {
        let labels = vec![shrimp(); count];
        let document = pdf(&labels, Symbology::DigitalLinkQr, Layout::A4Grid3x8).unwrap();
        let boxes = pages(&document);
        assert_eq!(boxes.len(), expected_pages, "{count} labels");
        for media_box in boxes {
            assert_size_mm(media_box, 210.0, 297.0);
        }
    }
}

#[test]
fn thermal_labels_get_a_page_each_the_size_of_the_label() {
    let labels = vec![shrimp(); 3];
    let document = pdf(&labels, Symbology::DataMatrix, Layout::Thermal50x30).unwrap();
    let boxes = pages(&document);
    assert_eq!(boxes.len(), 3);
    for media_box in boxes {
        assert_size_mm(media_box, 50.0, 30.0);
    }
    assert_eq!(
        pdf(&[], Symbology::DataMatrix, Layout::Thermal50x30),
        Err(LabelError::NoLabels)
    );
}

#[test]
fn pdf_embeds_the_font() {
    let document = pdf(&[shrimp()], Symbology::Gs1128, Layout::Thermal100x50).unwrap();
    let has = |needle: &[u8]| document.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"/FontFile2"), "no embedded TrueType font");
    assert!(has(b"DejaVuSans-Bold"), "the title's font is not named");
    assert!(has(b"DejaVuSans"), "the lines' font is not named");
}

#[test]
fn svg_is_the_label_size_in_mm_with_vietnamese_text() {
    let label = shrimp();
    for (layout, size) in [
        (
            Layout::Thermal50x30,
            r#"width="50mm" height="30mm" viewBox="0 0 50 30""#,
        ),
        (
            Layout::A4Grid5x13,
            r#"width="38.1mm" height="21.2mm" viewBox="0 0 38.1 21.2""#,
        ),
        (
            Layout::A4Grid4x10,
            r#"width="48.5mm" height="25.4mm" viewBox="0 0 48.5 25.4""#,
        ),
    ] {
        let drawing = svg(&label, Symbology::DigitalLinkQr, layout).unwrap();
        assert!(drawing.contains(size), "{layout}: {drawing}");
    }
    let drawing = svg(&label, Symbology::DigitalLinkQr, Layout::Thermal100x50).unwrap();
    for text in ["Tôm sú đông lạnh", "Hưng", "Lô: PL7", "Số sê-ri: 000123"] {
        assert!(drawing.contains(text), "{text} missing: {drawing}");
    }
}

#[test]
fn svg_shows_the_human_readable_line_under_bars() {
    let label = shrimp();
    let drawing = svg(&label, Symbology::Gs1128, Layout::Thermal100x50).unwrap();
    assert!(
        drawing.contains(">(01)08934673000017 (17)261231 (10)PL7 (21)000123<"),
        "{drawing}"
    );
    let drawing = svg(&label, Symbology::Ean13, Layout::Thermal50x30).unwrap();
    for group in [">8<", ">934673<", ">000017<"] {
        assert!(drawing.contains(group), "{group} missing: {drawing}");
    }
}

#[test]
fn user_text_is_escaped() {
    let label = label_for(
        "https://id.gs1.org/01/08934673000017/10/PL7",
        "<script> alert('x') </script> & co",
    );
    let drawing = svg(&label, Symbology::DigitalLinkQr, Layout::Thermal100x50).unwrap();
    assert!(!drawing.contains("<script"), "{drawing}");
    for escaped in [
        "&lt;script&gt;",
        "alert(&apos;x&apos;)",
        "&lt;/script&gt;",
        "&amp; co",
    ] {
        assert!(drawing.contains(escaped), "{escaped} missing: {drawing}");
    }
}

#[test]
fn refusals_name_the_rule() {
    let indicator = label_for("https://id.gs1.org/01/18934673000014/10/PL7", TITLE);
    let error = svg(&indicator, Symbology::Ean13, Layout::Thermal50x30).unwrap_err();
    assert!(
        matches!(&error, LabelError::Symbology { symbology: "ean13", rule } if rule.contains("indicator")),
        "{error}"
    );
    assert!(png(&indicator, Symbology::Gs1128, Layout::Thermal50x30, 300).is_ok());

    let sscc = DigitalLink::parse("https://id.gs1.org/00/089346730000000000").unwrap();
    let error = Label::new(&sscc, BASE, TITLE, &["Lô: PL7"]).unwrap_err();
    assert!(matches!(error, LabelError::NotAGtin { .. }), "{error}");

    let error = Symbology::parse("pdf417").unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown symbology \"pdf417\"; allowed: qr, datamatrix, ean13, gs1-128"
    );
    for symbology in Symbology::ALL {
        assert_eq!(Symbology::parse(symbology.as_str()), Ok(symbology));
    }
    assert_eq!(Symbology::default(), Symbology::DigitalLinkQr);
    let error = Layout::parse("a4-2x7").unwrap_err();
    assert!(
        error.to_string().ends_with(
            "allowed: a4-3x8, a4-4x10, a4-5x13, thermal-50x30, thermal-40x30, thermal-100x50"
        ),
        "{error}"
    );
}
