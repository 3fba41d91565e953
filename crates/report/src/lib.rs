//! Report writers: one [`Table`] — a title, notes, typed columns and rows — written as CSV, XLSX
//! or PDF. Recall reports use it now; the FSMA 204 spreadsheet, GDST, EU and SIMP exports are
//! meant to reuse it.
//!
//! The PDF embeds DejaVu Sans (regular and bold, subset to the glyphs used), which covers
//! Vietnamese, so names such as "Tôm thẻ chân trắng — Cà Mau" print as written.

#![warn(missing_docs)]

mod map;
mod pdf;
mod xlsx;

pub use map::{MapPoint, PointMap};

/// What a column holds; a cell of another type is refused when the row is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text, written as is.
    Text,
    /// A number: a number cell in XLSX, right-aligned in PDF.
    Number,
}

/// A column: its header and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header, as shown.
    pub header: String,
    /// What its cells hold.
    pub kind: ColumnType,
}

impl Column {
    /// A text column.
    pub fn text(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            kind: ColumnType::Text,
        }
    }

    /// A number column.
    pub fn number(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            kind: ColumnType::Number,
        }
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, for a text column.
    Text(String),
    /// A number, for a number column.
    Number(f64),
    /// Nothing, in any column.
    Empty,
}

impl Cell {
    /// The cell as text: numbers without trailing zeros, empty as nothing.
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(number) => number.to_string(),
            Self::Empty => String::new(),
        }
    }
}

/// A titled table with notes above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The title.
    pub title: String,
    /// Lines shown under the title (XLSX, PDF); CSV carries the table only, so it sorts.
    pub notes: Vec<String>,
    /// The columns.
    pub columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

/// Why a report cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A row does not fit the columns.
    #[error("row {row}: {reason}")]
    Row {
        /// The row, from 1.
        row: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The writer failed.
    #[error("cannot write the {format}: {reason}")]
    Write {
        /// Which format.
        format: &'static str,
        /// Why.
        reason: String,
    },
}

impl Table {
    /// An empty table.
    pub fn new(title: impl Into<String>, columns: Vec<Column>) -> Self {
        Self {
            title: title.into(),
            notes: Vec::new(),
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a line under the title.
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// Adds a row: one cell per column, each of its column's type or empty.
    pub fn push_row(&mut self, row: Vec<Cell>) -> Result<(), ReportError> {
        let number = self.rows.len() + 1;
        if row.len() != self.columns.len() {
            return Err(ReportError::Row {
                row: number,
                reason: format!("has {} cells for {} columns", row.len(), self.columns.len()),
            });
        }
        for (cell, column) in row.iter().zip(&self.columns) {
            let fits = matches!(
                (cell, column.kind),
                (Cell::Empty, _)
                    | (Cell::Text(_), ColumnType::Text)
                    | (Cell::Number(_), ColumnType::Number)
            );
            if !fits {
                return Err(ReportError::Row {
                    row: number,
                    reason: format!("column {:?} holds {:?} cells", column.header, column.kind),
                });
            }
        }
        self.rows.push(row);
        Ok(())
    }

    /// The rows, in order.
    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }
}

/// The formats a table is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8, one header row.
    Csv,
    /// An Excel workbook with one sheet, a filter on the header and the header row frozen.
    Xlsx,
    /// A PDF, A4 landscape, the header repeated on every page.
    Pdf,
}

impl Format {
    /// Every format.
    pub const ALL: [Self; 3] = [Self::Csv, Self::Xlsx, Self::Pdf];

    /// The file extension, which is also the name `parse` reads.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Pdf => "pdf",
        }
    }

    /// Reads `csv`, `xlsx` or `pdf`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == name)
    }

    /// The media type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pdf => "application/pdf",
        }
    }

    /// Writes `table` in this format.
    pub fn write(self, table: &Table) -> Result<Vec<u8>, ReportError> {
        match self {
            Self::Csv => csv(table),
            Self::Xlsx => xlsx::write(table),
            Self::Pdf => pdf::write(table),
        }
    }
}

/// `table` as a PDF (as [`Format::Pdf`] writes it) with `map` drawn on a last page.
pub fn pdf_with_map(table: &Table, map: &PointMap) -> Result<Vec<u8>, ReportError> {
    pdf::write_with(table, Some(map))
}

/// The table as CSV: the header row, then the rows; numbers as plain decimals.
fn csv(table: &Table) -> Result<Vec<u8>, ReportError> {
    let failed = |error: csv::Error| ReportError::Write {
        format: "CSV",
        reason: error.to_string(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(table.columns.iter().map(|c| c.header.as_str()))
        .map_err(failed)?;
    for row in &table.rows {
        writer
            .write_record(row.iter().map(Cell::to_text))
            .map_err(failed)?;
    }
    writer.into_inner().map_err(|error| ReportError::Write {
        format: "CSV",
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shrimp lot, its frozen lot and many cartons: enough rows for several PDF pages.
    pub(crate) fn shrimp(rows: usize) -> Table {
        let mut table = Table::new(
            "Thu hồi: Tôm thẻ chân trắng — Cà Mau",
            vec![
                Column::text("Mã truy xuất / Identifier"),
                Column::text("Tổ chức / Organisation"),
                Column::number("Số lượng / Quantity"),
                Column::text("Đơn vị / Unit"),
            ],
        );
        table.note("Lý do / Reason: dư lượng kháng sinh Enrofloxacin");
        for n in 0..rows {
            table
                .push_row(vec![
                    Cell::Text(format!("https://id.gs1.org/01/08931234560034/21/C-{n}")),
                    Cell::Text("HTX Tôm thẻ chân trắng Cà Mau".into()),
                    Cell::Number(1_108.5 + n as f64),
                    if n % 2 == 0 {
                        Cell::Text("KGM".into())
                    } else {
                        Cell::Empty
                    },
                ])
                .unwrap();
        }
        table
    }

    #[test]
    fn rows_must_fit_the_columns() {
        let mut table = shrimp(0);
        let short = table.push_row(vec![Cell::Empty]).unwrap_err().to_string();
        assert_eq!(short, "row 1: has 1 cells for 4 columns");
        let typed = table
            .push_row(vec![
                Cell::Empty,
                Cell::Empty,
                Cell::Text("nhiều".into()),
                Cell::Empty,
            ])
            .unwrap_err()
            .to_string();
        assert_eq!(
            typed,
            "row 1: column \"Số lượng / Quantity\" holds Number cells"
        );
        assert!(table.rows().is_empty());
    }

    #[test]
    fn csv_reads_back_with_vietnamese_and_numbers_intact() {
        let bytes = Format::Csv.write(&shrimp(3)).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(headers[1], "Tổ chức / Organisation");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[0][1], "HTX Tôm thẻ chân trắng Cà Mau");
        assert_eq!(rows[2][2].parse::<f64>().unwrap(), 1_110.5);
        assert_eq!(&rows[1][3], "");
    }

    #[test]
    fn formats_are_named_by_extension() {
        for format in Format::ALL {
            assert_eq!(Format::parse(format.extension()), Some(format));
        }
        assert_eq!(Format::parse("docx"), None);
        assert_eq!(Format::Pdf.content_type(), "application/pdf");
    }
}
