//! Compressed Digital Link URIs against vectors written by GS1's digital-link.js 1.4.3
//! (`scripts/dl-differential/compression-vectors.cjs`): each compressed URI decompresses to the
//! plain URI the library compressed.

use nguon_gs1::DigitalLink;

const VECTORS: &str = include_str!("data/compression-vectors.jsonl");

#[test]
fn digital_link_js_vectors_decompress_to_their_plain_uri() {
    let mut count = 0;
    for line in VECTORS.lines() {
        let vector: serde_json::Value = serde_json::from_str(line).unwrap();
        let (plain, compressed) = (
            vector["uri"].as_str().unwrap(),
            vector["compressed"].as_str().unwrap(),
        );
        let (link, was_compressed) = DigitalLink::parse_any(compressed)
            .unwrap_or_else(|error| panic!("{compressed}: {error}"));
        assert!(was_compressed, "{compressed}");
        let expected = DigitalLink::parse(plain).unwrap();
        assert_eq!(link, expected, "{compressed} should be {plain}");
        assert_eq!(link.to_string(), plain, "{compressed}");
        count += 1;
    }
    assert!(count >= 15, "only {count} vectors");
}

#[test]
fn leading_zeros_of_numeric_values_survive() {
    // digital-link.js compresses lot 0042 as the 4-digit number 42 and reads back "42"; the
    // length is in the data, so the zeros are not lost.
    let (link, _) = DigitalLink::parse_any("https://id.gs1.org/CxFKk4XBoAgBU").unwrap();
    assert_eq!(link.get("10"), Some("0042"));
}

#[test]
fn partially_compressed_links_and_query_strings_are_kept() {
    // The primary key in the path, its qualifiers compressed (lot ABC123 in upper-case hex as in the vectors).
    let (link, compressed) =
        DigitalLink::parse_any("https://example.com/01/09506000134352/EEarwSMA?linkType=gs1:pip")
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(compressed);
    assert_eq!(
        link.to_string(),
        "https://example.com/01/09506000134352/10/ABC123?linkType=gs1:pip"
    );
    let (plain, compressed) =
        DigitalLink::parse_any("https://example.com/01/09506000134352").unwrap();
    assert!(!compressed);
    assert_eq!(plain.kind(), "gtin");
}
