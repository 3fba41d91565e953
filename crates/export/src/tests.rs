//! The packs over a shrimp chain held in memory: exact rows and key cells, and files that open.

use nguon_report::{Cell, Format, Table};
use nguon_trace::Identifier;

use crate::testing::*;
use crate::*;

fn id(value: &str) -> Identifier {
    Identifier::parse(value).unwrap()
}

/// The text of a cell of `row` under `header`.
fn cell(table: &Table, row: usize, header: &str) -> String {
    let column = table
        .columns
        .iter()
        .position(|c| c.header == header)
        .unwrap_or_else(|| panic!("no column {header}"));
    table.rows()[row][column].to_text()
}

#[tokio::test]
async fn the_fsma_sheet_of_a_pond_lot_has_every_cte_one_step_each_way() {
    let chain = shrimp_chain();
    let table = fsma_for_lot(&chain.memory, &id(POND_LOT)).await.unwrap();
    let rows: Vec<(String, String, String)> = (0..table.rows().len())
        .map(|n| {
            (
                cell(&table, n, "Critical tracking event (CTE)"),
                cell(&table, n, "Event date"),
                cell(&table, n, "Traceability lot code (TLC)"),
            )
        })
        .collect();
    let row = |cte: &str, date: &str, lot: &str| (cte.to_owned(), date.to_owned(), lot.to_owned());
    // One step back is the seed lot (its shipping and the stocking that used it), one step
    // forward the frozen lot (made, packed); the pallet is two steps away.
    assert_eq!(
        rows,
        [
            row("Shipping", "2026-01-02", SEED),
            row("Transformation", "2026-01-03", POND_LOT),
            row("Harvesting", "2026-01-20", POND_LOT),
            row("Shipping", "2026-01-20", POND_LOT),
            row("Receiving", "2026-01-20", POND_LOT),
            row("Transformation", "2026-01-21", FROZEN),
            row("Initial packing", "2026-01-22", FROZEN),
        ]
    );
    assert_eq!(cell(&table, 2, "Location description"), "Ao số 3");
    assert_eq!(
        cell(&table, 2, "Location address"),
        "Ấp Tân Điền, Cà Mau, VN"
    );
    assert_eq!(cell(&table, 2, "Location coordinates"), "8.9617, 105.0113");
    assert_eq!(
        cell(&table, 2, "Harvest growing area (pond, field or container)"),
        "Ao số 3"
    );
    assert_eq!(table.rows()[2][5], Cell::Number(1_800.0));
    assert_eq!(cell(&table, 2, "Unit of measure"), "KGM");
    assert_eq!(
        cell(&table, 2, "Product description"),
        "Tôm thẻ chân trắng tươi / Fresh whiteleg shrimp"
    );
    assert_eq!(
        cell(&table, 2, "Firm recording the event"),
        "HTX Tôm thẻ Cà Mau"
    );
    // Shipping: the receiver is found from the matching receipt; the despatch advice is the
    // reference document.
    assert_eq!(
        cell(&table, 3, "Ship-to location"),
        "Nhà máy Năm Căn, Khóm 2, thị trấn Năm Căn, Cà Mau, VN"
    );
    assert_eq!(cell(&table, 3, "Reference document type"), "desadv");
    assert_eq!(
        cell(&table, 3, "Reference document number"),
        "urn:example:desadv:DA-17"
    );
    assert_eq!(
        cell(&table, 4, "Ship-from location"),
        "Ao số 3, Ấp Tân Điền, Cà Mau, VN"
    );
    assert_eq!(table.rows()[4][5], Cell::Number(1_788.0));
    // The TLC source of the pond lot is where it was stocked: the pond.
    assert_eq!(cell(&table, 3, "TLC source reference"), POND);
    // Transformation: the new lot with its input.
    assert_eq!(cell(&table, 5, "Input traceability lot codes"), POND_LOT);
    assert_eq!(cell(&table, 5, "TLC source reference"), PLANT);
    assert_eq!(
        cell(&table, 5, "Product description"),
        "Frozen whiteleg shrimp, peeled"
    );
    // Nothing recorded, nothing written: the seed shipping has no location.
    assert_eq!(cell(&table, 0, "Location description"), "");
    assert_eq!(cell(&table, 0, "Product description"), "");
}

#[tokio::test]
async fn the_fsma_sheet_of_a_range_holds_the_ctes_in_it() {
    let chain = shrimp_chain();
    let from = time::macros::datetime!(2026-01-20 00:00 +07:00);
    let to = time::macros::datetime!(2026-01-22 00:00 +07:00);
    let table = fsma_for_range(&chain.memory, from, to).await.unwrap();
    let ctes: Vec<String> = (0..table.rows().len())
        .map(|n| cell(&table, n, "Critical tracking event (CTE)"))
        .collect();
    assert_eq!(
        ctes,
        ["Harvesting", "Shipping", "Receiving", "Transformation"]
    );
    assert!(matches!(
        fsma_for_range(&chain.memory, to, from).await,
        Err(ExportError::Range)
    ));
}

#[tokio::test]
async fn the_sheet_is_written_as_csv_and_as_an_xlsx_sheet_with_the_fsma_headers() {
    use calamine::{Reader, Xlsx};
    let chain = shrimp_chain();
    let table = fsma_for_lot(&chain.memory, &id(POND_LOT)).await.unwrap();
    let csv = String::from_utf8(Format::Csv.write(&table).unwrap()).unwrap();
    assert!(csv.starts_with("Critical tracking event (CTE),Event date,Event time,"));
    assert!(csv.contains("Ao số 3"));
    let bytes = Format::Xlsx.write(&table).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == FSMA_COLUMNS[0]))
        .expect("a header row");
    assert_eq!(rows[header], FSMA_COLUMNS);
    assert_eq!(rows.len() - header - 1, 7);
    assert_eq!(rows[header + 3][10], "Ao số 3");
}

#[tokio::test]
async fn the_eu_record_names_supplier_consignee_and_dispatch_of_each_shipment() {
    let chain = shrimp_chain();
    let pond = eu_record(&chain.memory, &id(POND_LOT)).await.unwrap();
    assert_eq!(pond.rows().len(), 1);
    let expect = |table: &Table, header: &str, value: &str| {
        assert_eq!(cell(table, 0, header), value, "{header}");
    };
    expect(&pond, "Lot reference", POND_LOT);
    expect(&pond, "Date of dispatch", "2026-01-20");
    expect(&pond, "Supplier (dispatched by)", "HTX Tôm thẻ Cà Mau");
    expect(&pond, "Supplier address", "Ấp Tân Điền, Cà Mau, VN");
    expect(
        &pond,
        "Consignee (dispatched to)",
        "Công ty Chế biến Thủy sản Năm Căn",
    );
    expect(
        &pond,
        "Consignee address",
        "Khóm 2, thị trấn Năm Căn, Cà Mau, VN",
    );
    expect(&pond, "Quantity", "1800");
    expect(&pond, "Unit", "KGM");
    // The frozen lot left on its pallet, to the importer named in the shipping event.
    let frozen = eu_record(&chain.memory, &id(FROZEN)).await.unwrap();
    assert_eq!(frozen.rows().len(), 1);
    expect(
        &frozen,
        "Food description",
        "Frozen whiteleg shrimp, peeled",
    );
    expect(&frozen, "Dispatched unit", PALLET);
    expect(
        &frozen,
        "Consignee (dispatched to)",
        "Gulf Seafood Imports LLC",
    );
    expect(&frozen, "Consignee address", "100 Harbor Rd, Houston, US");
    expect(
        &frozen,
        "Reference document",
        "urn:example:inv:INV-2026-001",
    );
    expect(&frozen, "Date of dispatch", "2026-01-23");
    let pdf = Format::Pdf.write(&frozen).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn the_simp_sheet_finds_species_farm_harvest_and_custody() {
    let chain = shrimp_chain();
    let sheet = simp_sheet(&chain.memory, &id(FROZEN)).await.unwrap();
    let value = |name: &str| {
        sheet
            .rows()
            .iter()
            .find(|r| r[0].to_text() == name)
            .map(|r| r[1].to_text())
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    assert_eq!(value("Species FAO 3-alpha code"), "PNV");
    assert_eq!(value("Species scientific name"), "Litopenaeus vannamei");
    assert_eq!(value("Farm or vessel"), "Ao số 3");
    assert_eq!(value("Harvest date"), "2026-01-20");
    assert_eq!(value("Harvest coordinates"), "8.9617, 105.0113");
    assert_eq!(value("Product form"), "FRO");
    assert_eq!(value("Quantity and weight"), "1108 KGM");
    assert_eq!(value("Custodian 1"), "HTX Tôm thẻ Cà Mau: 2026-01-20");
    assert_eq!(
        value("Custodian 2"),
        "Công ty Chế biến Thủy sản Năm Căn: 2026-01-20 to 2026-01-23"
    );
    assert!(sheet.rows().iter().all(|r| r[0].to_text() != "Custodian 3"));
    let _ = (chain.hatchery, chain.farm, chain.processor);
}

#[tokio::test]
async fn an_unknown_lot_is_named_in_the_error() {
    let chain = shrimp_chain();
    let unknown = id("https://id.gs1.org/01/08931234560027/10/NOPE");
    for error in [
        fsma_for_lot(&chain.memory, &unknown).await.unwrap_err(),
        eu_record(&chain.memory, &unknown).await.unwrap_err(),
        simp_sheet(&chain.memory, &unknown).await.unwrap_err(),
    ] {
        assert_eq!(
            error.to_string(),
            "lot: no event names https://id.gs1.org/01/08931234560027/10/NOPE / không có sự kiện nào về lô https://id.gs1.org/01/08931234560027/10/NOPE"
        );
    }
}

#[test]
fn the_plan_pdf_carries_the_pond_names_and_a_map_page() {
    let plan = Plan {
        organisation: "HTX Tôm thẻ Cà Mau".into(),
        tax_code: "2000000012".into(),
        foods: vec!["Tôm thẻ chân trắng tươi / Fresh whiteleg shrimp".into()],
        areas: vec![
            GrowingArea {
                name: "Ao số 3".into(),
                latitude: 8.9617,
                longitude: 105.0113,
                source: "registry",
            },
            GrowingArea {
                name: "Ao số 4".into(),
                latitude: 8.9631,
                longitude: 105.0139,
                source: "master data",
            },
        ],
    };
    let pdf = plan.pdf().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf).replace("/Type /", "/Type/");
    let pages = text
        .match_indices("/Type/Page")
        .filter(|(at, m)| !text[at + m.len()..].starts_with('s'))
        .count();
    assert_eq!(pages, 2, "the plan, then the map");
    // Text is drawn as glyph ids; the font's ToUnicode map says which characters they are.
    // "ố" (U+1ED1) appears only in the pond names.
    let streams = inflated_streams(&pdf).to_lowercase();
    assert!(streams.contains("1ed1"), "the glyph of ố is mapped");
    let without = Plan {
        areas: Vec::new(),
        ..plan
    };
    let streams = inflated_streams(&without.pdf().unwrap()).to_lowercase();
    assert!(!streams.contains("1ed1"));
}

/// Every stream of a PDF, inflated where it is compressed, as text.
fn inflated_streams(pdf: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    let mut rest = pdf;
    while let Some(start) = find(rest, b"stream\n").or_else(|| find(rest, b"stream\r\n")) {
        let body = &rest[start + 7..];
        let body = body.strip_prefix(b"\n").unwrap_or(body);
        let end = find(body, b"endstream").unwrap_or(body.len());
        let mut text = Vec::new();
        if flate2::read::ZlibDecoder::new(&body[..end])
            .read_to_end(&mut text)
            .is_err()
        {
            text = body[..end].to_vec();
        }
        out.push_str(&String::from_utf8_lossy(&text));
        rest = &body[(end + b"endstream".len()).min(body.len())..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
