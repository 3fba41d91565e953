//! The PDF writer: A4 landscape, the title and notes on the first page, the header (bold, ruled)
//! on every page, long cells wrapped within their column, and "page n/N" at the foot.
//!
//! Widths are estimated from character counts: DejaVu Sans averages about 0.6 em per character,
//! so a column is given the characters it can hold at that width. The estimate errs wide.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::map::PointMap;
use crate::{ColumnType, ReportError, Table};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

pub(crate) const PAGE_WIDTH: f32 = 842.0;
pub(crate) const PAGE_HEIGHT: f32 = 595.0;
pub(crate) const MARGIN: f32 = 36.0;
pub(crate) const TITLE_SIZE: f32 = 14.0;
pub(crate) const NOTE_SIZE: f32 = 8.5;
const CELL_SIZE: f32 = 7.5;
const LINE: f32 = 1.4;
const GAP: f32 = 8.0;
/// Estimated advance of one character, in em.
const EM_PER_CHAR: f32 = 0.6;
/// Most characters a column asks for before its cells wrap.
const MAX_COLUMN_CHARS: usize = 48;
/// The foot of the page: room for the page number.
const FOOTER: f32 = 14.0;

pub(crate) fn write(table: &Table) -> Result<Vec<u8>, ReportError> {
    write_with(table, None)
}

/// The table's pages, then, when `map` is given, a page with the map.
pub(crate) fn write_with(table: &Table, map: Option<&PointMap>) -> Result<Vec<u8>, ReportError> {
    let regular = Font::new(REGULAR.into(), 0).ok_or_else(|| failed("no regular font".into()))?;
    let bold = Font::new(BOLD.into(), 0).ok_or_else(|| failed("no bold font".into()))?;
    let layout = Layout::new(table);
    let pages = layout.paginate(table);
    let settings = Size::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .map(PageSettings::new)
        .ok_or_else(|| failed("bad page size".into()))?;
    let mut document = Document::new();
    let total = pages.len() + usize::from(map.is_some());
    for (index, rows) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut y = MARGIN;
        if index == 0 {
            y += TITLE_SIZE;
            text(&mut surface, &bold, TITLE_SIZE, MARGIN, y, &table.title);
            y += TITLE_SIZE * 0.6;
            for line in &layout.notes {
                y += NOTE_SIZE * LINE;
                text(&mut surface, &regular, NOTE_SIZE, MARGIN, y, line);
            }
            y += NOTE_SIZE * LINE;
        }
        y = layout.draw_row(&mut surface, &bold, y, &layout.header, None);
        rule(&mut surface, y - CELL_SIZE * 0.9);
        for &row in rows {
            y = layout.draw_row(&mut surface, &regular, y, &layout.cells[row], Some(table));
        }
        if rows.is_empty() && table.rows().is_empty() {
            text(
                &mut surface,
                &regular,
                CELL_SIZE,
                MARGIN,
                y + CELL_SIZE * LINE,
                "(không có dòng nào / no rows)",
            );
        }
        footer(&mut surface, &regular, index + 1, total);
        surface.finish();
        page.finish();
    }
    if let Some(map) = map {
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        crate::map::draw(&mut surface, &regular, &bold, map);
        footer(&mut surface, &regular, total, total);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| failed(format!("{error:?}")))
}

fn failed(reason: String) -> ReportError {
    ReportError::Write {
        format: "PDF",
        reason,
    }
}

/// "page n/N" at the foot.
fn footer(surface: &mut Surface, font: &Font, page: usize, pages: usize) {
    let foot = format!("Trang {page}/{pages} · Page {page}/{pages}");
    text(
        surface,
        font,
        NOTE_SIZE,
        MARGIN,
        PAGE_HEIGHT - MARGIN + NOTE_SIZE,
        &foot,
    );
}

pub(crate) fn text(surface: &mut Surface, font: &Font, size: f32, x: f32, y: f32, line: &str) {
    surface.draw_text(
        Point::from_xy(x, y),
        font.clone(),
        size,
        line,
        false,
        TextDirection::Auto,
    );
}

/// A hairline across the table at `y`.
fn rule(surface: &mut Surface, y: f32) {
    let mut builder = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(MARGIN, y, PAGE_WIDTH - 2.0 * MARGIN, 0.5) {
        builder.push_rect(rect);
    }
    if let Some(path) = builder.finish() {
        surface.set_fill(Some(Fill::default()));
        surface.draw_path(&path);
    }
}

/// Column positions and every cell already wrapped into lines.
struct Layout {
    x: Vec<f32>,
    width: Vec<f32>,
    header: Vec<Vec<String>>,
    cells: Vec<Vec<Vec<String>>>,
    notes: Vec<String>,
}

impl Layout {
    fn new(table: &Table) -> Self {
        let count = table.columns.len().max(1);
        let wants: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .map(|(column, spec)| {
                table
                    .rows()
                    .iter()
                    .map(|cells| cells[column].to_text().chars().count())
                    .chain([spec.header.chars().count().min(16)])
                    .max()
                    .unwrap_or(0)
                    .clamp(4, MAX_COLUMN_CHARS)
            })
            .collect();
        let total: usize = wants.iter().sum::<usize>().max(1);
        let room = PAGE_WIDTH - 2.0 * MARGIN - GAP * (count - 1) as f32;
        let width: Vec<f32> = wants
            .iter()
            .map(|&w| room * w as f32 / total as f32)
            .collect();
        let mut x = Vec::with_capacity(width.len());
        let mut left = MARGIN;
        for w in &width {
            x.push(left);
            left += w + GAP;
        }
        let fits = |w: f32| ((w / (CELL_SIZE * EM_PER_CHAR)) as usize).max(1);
        let header = table
            .columns
            .iter()
            .zip(&width)
            .map(|(c, &w)| wrap(&c.header, fits(w)))
            .collect();
        let cells = table
            .rows()
            .iter()
            .map(|cells| {
                cells
                    .iter()
                    .zip(&width)
                    .map(|(cell, &w)| wrap(&cell.to_text(), fits(w)))
                    .collect()
            })
            .collect();
        let note_fits = ((PAGE_WIDTH - 2.0 * MARGIN) / (NOTE_SIZE * EM_PER_CHAR)) as usize;
        let notes = table
            .notes
            .iter()
            .flat_map(|note| wrap(note, note_fits))
            .collect();
        Self {
            x,
            width,
            header,
            cells,
            notes,
        }
    }

    fn height(lines: &[Vec<String>]) -> f32 {
        lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * CELL_SIZE * LINE
    }

    /// The rows of each page; a table without rows still has one page.
    fn paginate(&self, table: &Table) -> Vec<Vec<usize>> {
        let first_top =
            MARGIN + TITLE_SIZE * 1.6 + (self.notes.len() + 1) as f32 * NOTE_SIZE * LINE;
        let bottom = PAGE_HEIGHT - MARGIN - FOOTER;
        let header = Self::height(&self.header);
        let mut pages = vec![Vec::new()];
        let mut y = first_top + header;
        for (row, lines) in self.cells.iter().enumerate().take(table.rows().len()) {
            let height = Self::height(lines);
            let current = pages.last().map_or(0, Vec::len);
            if y + height > bottom && current > 0 {
                pages.push(Vec::new());
                y = MARGIN + header;
            }
            if let Some(page) = pages.last_mut() {
                page.push(row);
            }
            y += height;
        }
        pages
    }

    /// Draws one row whose first baseline is below `top`; returns the top of the next row.
    /// Number cells (known from `table`) are right-aligned.
    fn draw_row(
        &self,
        surface: &mut Surface,
        font: &Font,
        top: f32,
        lines: &[Vec<String>],
        table: Option<&Table>,
    ) -> f32 {
        for (column, cell) in lines.iter().enumerate() {
            let numeric = table.is_some_and(|t| t.columns[column].kind == ColumnType::Number);
            for (n, line) in cell.iter().enumerate() {
                let baseline = top + (n + 1) as f32 * CELL_SIZE * LINE;
                let x = if numeric {
                    let estimate = line.chars().count() as f32 * CELL_SIZE * 0.64;
                    (self.x[column] + self.width[column] - estimate).max(self.x[column])
                } else {
                    self.x[column]
                };
                text(surface, font, CELL_SIZE, x, baseline, line);
            }
        }
        top + Self::height(lines)
    }
}

/// `text` in lines of at most `fits` characters, broken after a space, slash or hyphen where
/// one falls in the second half of a line, else wherever the line is full.
fn wrap(text: &str, fits: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + fits).min(chars.len());
        if end < chars.len()
            && let Some(at) = (start + fits / 2..end)
                .rev()
                .find(|&i| matches!(chars[i], ' ' | '/' | '-'))
        {
            end = at + 1;
        }
        lines.push(
            chars[start..end]
                .iter()
                .collect::<String>()
                .trim()
                .to_owned(),
        );
        start = end;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;
    use crate::tests::shrimp;

    /// Page objects in the file (`/Type/Page`, not `/Type/Pages`), checked against the page
    /// tree's `/Count`.
    fn pages(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf).replace("/Type /", "/Type/");
        let objects = text
            .match_indices("/Type/Page")
            .filter(|(at, m)| !text[at + m.len()..].starts_with('s'))
            .count();
        let count: usize = text
            .split("/Type/Pages/Count ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .expect("a page tree with a count");
        assert_eq!(objects, count);
        objects
    }

    #[test]
    fn a_long_table_spreads_over_pages_with_vietnamese_text() {
        let one = Format::Pdf.write(&shrimp(5)).unwrap();
        assert!(one.starts_with(b"%PDF-"));
        assert_eq!(pages(&one), 1);
        let many = Format::Pdf.write(&shrimp(120)).unwrap();
        assert!(many.starts_with(b"%PDF-"));
        // About 38 rows fit below the title, 41 on later pages.
        assert_eq!(pages(&many), 3);
        let empty = Format::Pdf.write(&shrimp(0)).unwrap();
        assert_eq!(pages(&empty), 1);
    }

    #[test]
    fn long_text_wraps_at_a_separator() {
        assert_eq!(
            wrap("https://id.gs1.org/01/08931234560034/21/C-1", 20),
            ["https://id.gs1.org/", "01/08931234560034/", "21/C-1"]
        );
        assert_eq!(wrap("Tôm thẻ chân trắng", 8), ["Tôm thẻ", "chân", "trắng"]);
        assert!(wrap("", 8).is_empty());
    }
}
