//! Import files (CSV and XLSX, as the portal's upload and `nguon import` read them) from any
//! bytes: reading never panics, rows come numbered from the header row down, and what a CSV file
//! held writes back under the same columns and reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_sheet::{Column, FileFormat, Sheet, read, write};

fuzz_target!(|input: &[u8]| {
    for format in [FileFormat::Csv, FileFormat::Xlsx, FileFormat::sniff(input)] {
        if let Ok(sheet) = read(format, input) {
            check(&sheet);
            if format == FileFormat::Csv {
                round_trip(&sheet);
            }
        }
    }
});

fn check(sheet: &Sheet) {
    let mut last = 1;
    for row in &sheet.rows {
        assert!(
            row.number > last,
            "rows numbered downwards from the header row"
        );
        last = row.number;
        assert!(
            row.cells.iter().any(|cell| !cell.is_empty()),
            "no blank row"
        );
        assert!(
            row.cells.iter().all(|cell| cell.trim() == cell),
            "cells trimmed"
        );
    }
}

/// Writes the rows under one column per header cell (a rectangular sheet, as exports write) and
/// reads them back.
fn round_trip(sheet: &Sheet) {
    let width = sheet
        .rows
        .iter()
        .map(|row| row.cells.len())
        .chain([sheet.headers.len()])
        .max()
        .unwrap_or(0);
    let pad = |cells: &[String]| -> Vec<String> {
        let mut cells = cells.to_vec();
        cells.resize(width, String::new());
        cells
    };
    let columns: Vec<Column> = pad(&sheet.headers)
        .into_iter()
        .enumerate()
        .map(|(index, vi)| Column {
            field: format!("c{index}"),
            vi,
            en: String::new(),
            required: false,
            rule_vi: String::new(),
            rule_en: String::new(),
            example: String::new(),
        })
        .collect();
    let rows: Vec<Vec<String>> = sheet.rows.iter().map(|row| pad(&row.cells)).collect();
    let written = write(FileFormat::Csv, &columns, &rows, false).expect("rows write as CSV");
    let again = read(FileFormat::Csv, &written).expect("written CSV reads back");
    let headers: Vec<String> = columns
        .iter()
        .map(|column| column.header().trim().to_owned())
        .collect();
    assert_eq!(again.headers, headers);
    let read_back: Vec<Vec<String>> = again.rows.into_iter().map(|row| row.cells).collect();
    assert_eq!(read_back, rows);
}
