//! The XLSX writer: the title and notes above the table, the header bold with a filter and
//! frozen, numbers as number cells so the sheet sorts and sums.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::{Cell, ReportError, Table};

/// The one sheet's name.
pub(crate) const SHEET: &str = "Báo cáo";

/// Widest column, in characters: long identifiers wrap to this rather than stretch the sheet.
const MAX_WIDTH: usize = 60;

pub(crate) fn write(table: &Table) -> Result<Vec<u8>, ReportError> {
    fill(table).map_err(|error| ReportError::Write {
        format: "XLSX",
        reason: error.to_string(),
    })
}

fn fill(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(
        0,
        0,
        &table.title,
        &Format::new().set_bold().set_font_size(14),
    )?;
    let mut row: u32 = 1;
    for note in &table.notes {
        sheet.write_string(row, 0, note)?;
        row += 1;
    }
    // A blank line between the notes and the table.
    let header = row + 1;
    for (column, spec) in table.columns.iter().enumerate() {
        let column = column_index(column)?;
        sheet.write_string_with_format(header, column, &spec.header, &bold)?;
    }
    for (offset, cells) in table.rows().iter().enumerate() {
        let at = header + 1 + u32::try_from(offset).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (column, cell) in cells.iter().enumerate() {
            let column = column_index(column)?;
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(at, column, text)?;
                }
                Cell::Number(number) => {
                    sheet.write_number(at, column, *number)?;
                }
                Cell::Empty => {}
            }
        }
    }
    if let Some(last) = table.columns.len().checked_sub(1) {
        let last_row = header
            + u32::try_from(table.rows().len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.autofilter(header, 0, last_row, column_index(last)?)?;
        sheet.set_freeze_panes(header + 1, 0)?;
    }
    for (column, spec) in table.columns.iter().enumerate() {
        let widest = table
            .rows()
            .iter()
            .map(|cells| cells[column].to_text().chars().count())
            .chain([spec.header.chars().count()])
            .max()
            .unwrap_or(0);
        sheet.set_column_width(
            column_index(column)?,
            (widest.clamp(8, MAX_WIDTH) + 2) as f64,
        )?;
    }
    workbook.save_to_buffer()
}

fn column_index(column: usize) -> Result<u16, XlsxError> {
    u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::Format;
    use crate::tests::shrimp;

    #[test]
    fn xlsx_reads_back_with_title_notes_header_and_typed_cells() {
        let bytes = Format::Xlsx.write(&shrimp(3)).unwrap();
        let mut workbook: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range(SHEET).unwrap();
        let at = |row: u32, column: u32| range.get_value((row, column)).cloned();
        assert_eq!(
            at(0, 0),
            Some(Data::String("Thu hồi: Tôm thẻ chân trắng — Cà Mau".into()))
        );
        assert_eq!(
            at(1, 0),
            Some(Data::String(
                "Lý do / Reason: dư lượng kháng sinh Enrofloxacin".into()
            ))
        );
        assert_eq!(
            at(3, 1),
            Some(Data::String("Tổ chức / Organisation".into()))
        );
        assert_eq!(
            at(4, 1),
            Some(Data::String("HTX Tôm thẻ chân trắng Cà Mau".into()))
        );
        assert_eq!(at(4, 2), Some(Data::Float(1_108.5)));
        assert_eq!(at(6, 2), Some(Data::Float(1_110.5)));
        assert!(matches!(at(5, 3), None | Some(Data::Empty)));
        assert_eq!(range.end(), Some((6, 3)));
    }
}
