//! Import and export files as rows of text: CSV (UTF-8, a byte-order mark allowed, as Excel
//! writes it) and XLSX (the first sheet). Every cell is read as text, so a GTIN keeps its
//! leading zero and a date typed into Excel comes back as `2026-05-04`.
//!
//! This crate knows files, rows and column headers; what a cell must hold is the importer's
//! business. It stands alone so the fuzz target can read hostile files without the server.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Why a file cannot be read as rows, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    /// In Vietnamese.
    pub vi: String,
    /// In English.
    pub en: String,
}

impl SheetError {
    fn new(vi: String, en: String) -> Self {
        Self { vi, en }
    }
}

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for SheetError {}

/// A column of an import file and of the matching export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The machine name, in parentheses in the header: `name`, `gln`, a KDE key.
    pub field: String,
    /// The Vietnamese name that starts the header.
    pub vi: String,
    /// The English name.
    pub en: String,
    /// Whether every row must fill it.
    pub required: bool,
    /// What a value must be, in Vietnamese.
    pub rule_vi: String,
    /// What a value must be, in English.
    pub rule_en: String,
    /// The value of the template's example row.
    pub example: String,
}

impl Column {
    /// The header as templates and exports write it: `Tên cơ sở (name)`.
    pub fn header(&self) -> String {
        format!("{} ({})", self.vi, self.field)
    }

    /// Whether a file's header names this column: the full header, the machine name or the
    /// Vietnamese name, without regard to case.
    pub fn named_by(&self, header: &str) -> bool {
        let header = header.trim().to_lowercase();
        [self.header(), self.field.clone(), self.vi.clone()]
            .iter()
            .any(|name| name.to_lowercase() == header)
            || header.ends_with(&format!("({})", self.field.to_lowercase()))
    }
}

/// A file format imports read and exports write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated values, UTF-8.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl FileFormat {
    /// Parses `csv` or `xlsx`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The format a file name's extension names.
    pub fn of_file_name(name: &str) -> Option<Self> {
        name.rsplit_once('.')
            .and_then(|(_, extension)| Self::parse(extension))
    }

    /// The format of a file by its first bytes: an XLSX workbook is a ZIP archive; anything
    /// else is read as CSV.
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") {
            Self::Xlsx
        } else {
            Self::Csv
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    /// The media type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A file as read: its first row (the headers) and the rows below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The cells of the first row.
    pub headers: Vec<String>,
    /// The rows below, blank rows left out.
    pub rows: Vec<SheetRow>,
}

/// One row below the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Its number as a spreadsheet shows it (the header row is 1).
    pub number: usize,
    /// Its cells, trimmed ([`trim_cell`]).
    pub cells: Vec<String>,
}

/// The name of the data sheet of a workbook this module writes.
const DATA_SHEET: &str = "Dữ liệu (data)";

/// The name of the sheet that explains the columns.
const HELP_SHEET: &str = "Hướng dẫn (help)";

/// Widest column written, in characters.
const MAX_WIDTH: usize = 60;

/// Reads a file: every row as text cells. A file that is not of its format, or holds no header
/// row, is a problem of the file as a whole (row 0).
pub fn read(format: FileFormat, bytes: &[u8]) -> Result<Sheet, SheetError> {
    let rows = match format {
        FileFormat::Csv => read_csv(bytes)?,
        FileFormat::Xlsx => read_xlsx(bytes)?,
    };
    let mut rows = rows
        .into_iter()
        .filter(|row| row.cells.iter().any(|cell| !cell.is_empty()));
    let Some(first) = rows.next() else {
        return Err(SheetError::new(
            "tệp không có dòng tiêu đề nào".into(),
            "the file has no header row".into(),
        ));
    };
    if first.number != 1 {
        return Err(SheetError::new(
            "dòng 1 phải là dòng tiêu đề của mẫu".into(),
            "row 1 must be the template's header row".into(),
        ));
    }
    Ok(Sheet {
        headers: first.cells,
        rows: rows.collect(),
    })
}

/// A cell without the white space and byte-order marks around it: a file pasted together from
/// others carries the marks they began with into its cells, and a mark left at the start of the
/// first header would be read as the file's own mark once the sheet is written again.
fn trim_cell(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

fn read_csv(bytes: &[u8]) -> Result<Vec<SheetRow>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|error| {
            let row = error
                .position()
                .map_or(index + 1, |p| p.record() as usize + 1);
            SheetError::new(
                format!("dòng {row}: không đọc được tệp CSV (cần UTF-8, phân cách bằng dấu phẩy)"),
                format!("row {row}: not a readable CSV file (UTF-8, comma-separated): {error}"),
            )
        })?;
        rows.push(SheetRow {
            number: index + 1,
            cells: record
                .iter()
                .map(|cell| trim_cell(cell).to_owned())
                .collect(),
        });
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<SheetRow>, SheetError> {
    let unreadable = |error: &dyn std::fmt::Display| {
        SheetError::new(
            "không đọc được tệp XLSX (bảng tính Excel)".into(),
            format!("not a readable XLSX workbook: {error}"),
        )
    };
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(range) => range.map_err(|e| unreadable(&e))?,
        None => return Err(unreadable(&"it has no sheet")),
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    Ok(range
        .rows()
        .enumerate()
        .map(|(offset, cells)| SheetRow {
            number: top as usize + offset + 1,
            cells: std::iter::repeat_n(String::new(), left as usize)
                .chain(cells.iter().map(cell_text))
                .collect(),
        })
        .collect())
}

/// A cell as text: numbers without a trailing `.0`, dates as ISO 8601.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Int(value) => value.to_string(),
        Data::Float(value) => value.to_string(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            trim_cell(text).to_owned()
        }
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) => {
            let (year, month, day, hour, minute, second, _) = value.to_ymd_hms_milli();
            match (hour, minute, second) {
                (0, 0, 0) => format!("{year:04}-{month:02}-{day:02}"),
                (_, _, 0) => format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}"),
                _ => format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"),
            }
        }
        Data::Error(error) => format!("#{error}"),
        Data::Empty => String::new(),
    }
}

/// Writes rows under the columns' headers; an XLSX workbook also gets a second sheet that
/// explains each column's rule when `explain` is set (the downloadable templates).
pub fn write(
    format: FileFormat,
    columns: &[Column],
    rows: &[Vec<String>],
    explain: bool,
) -> Result<Vec<u8>, String> {
    match format {
        FileFormat::Csv => write_csv(columns, rows),
        FileFormat::Xlsx => write_xlsx(columns, rows, explain).map_err(|e| e.to_string()),
    }
}

fn write_csv(columns: &[Column], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    // The byte-order mark makes Excel open the file as UTF-8, so Vietnamese shows as written.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        writer
            .write_record(columns.iter().map(Column::header))
            .and_then(|()| rows.iter().try_for_each(|row| writer.write_record(row)))
            .and_then(|()| writer.flush().map_err(csv::Error::from))
            .map_err(|error| error.to_string())?;
    }
    Ok(bytes)
}

fn write_xlsx(
    columns: &[Column],
    rows: &[Vec<String>],
    explain: bool,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let required = Format::new().set_bold().set_background_color("#FCE4D6");
    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    for (index, column) in columns.iter().enumerate() {
        let at = column_index(index)?;
        let format = if column.required { &required } else { &bold };
        sheet.write_string_with_format(0, at, column.header(), format)?;
        let widest = rows
            .iter()
            .filter_map(|row| row.get(index))
            .map(|cell| cell.chars().count())
            .chain([column.header().chars().count()])
            .max()
            .unwrap_or(0);
        sheet.set_column_width(at, (widest.clamp(8, MAX_WIDTH) + 2) as f64)?;
    }
    for (offset, row) in rows.iter().enumerate() {
        let at = u32::try_from(offset + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (index, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(at, column_index(index)?, cell)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if explain {
        let help = workbook.add_worksheet();
        help.set_name(HELP_SHEET)?;
        let headings = [
            "Cột (column)",
            "Bắt buộc (required)",
            "Quy tắc",
            "Rule",
            "Ví dụ (example)",
        ];
        for (index, heading) in headings.iter().enumerate() {
            help.write_string_with_format(0, column_index(index)?, *heading, &bold)?;
        }
        let wrap = Format::new().set_text_wrap();
        for (offset, column) in columns.iter().enumerate() {
            let at = u32::try_from(offset + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            let needed = if column.required {
                "có (yes)"
            } else {
                "không (no)"
            };
            let cells = [
                column.header(),
                needed.to_owned(),
                column.rule_vi.clone(),
                column.rule_en.clone(),
                column.example.clone(),
            ];
            for (index, cell) in cells.iter().enumerate() {
                help.write_string_with_format(at, column_index(index)?, cell, &wrap)?;
            }
        }
        for (index, width) in [32.0, 14.0, 60.0, 60.0, 30.0].into_iter().enumerate() {
            help.set_column_width(column_index(index)?, width)?;
        }
        help.set_freeze_panes(1, 0)?;
    }
    workbook.save_to_buffer()
}

fn column_index(column: usize) -> Result<u16, XlsxError> {
    u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`fuzz/corpus/import_sheet/bom-in-first-cell`).
    #[test]
    fn byte_order_marks_around_a_cell_are_trimmed() {
        let sheet = read(
            FileFormat::Csv,
            "\t\u{feff}Thời điểm, \u{feff}x\u{feff}y\n1,2\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(sheet.headers, ["Thời điểm", "x\u{feff}y"]);
        assert_eq!(sheet.rows[0].cells, ["1", "2"]);
    }
}
