//! The label as SVG in millimetres: a matrix symbol with the text to its right, or a row of bars
//! at the bottom with its human-readable line and the text above.

use std::fmt::{self, Write as _};

use crate::symbol::{self, Hri, Linear, Matrix, Symbol};
use crate::text::{self, Line, Paragraph, Weight};
use crate::{Label, LabelError, Layout, Symbology};

/// Font sizes of the text block, in millimetres (about 3.7 pt to 10 pt).
const TEXT_SIZES: std::ops::Range<f32> = 1.3..3.5;
/// Font sizes of the human-readable line under bars.
const HRI_SIZES: std::ops::Range<f32> = 1.0..2.8;
/// The title is set this much larger than the lines.
const TITLE_SCALE: f32 = 1.15;
/// At most this share of the label's inner width goes to a matrix symbol.
const MATRIX_SHARE: f32 = 0.55;
/// This share of the inner height goes to bars and their human-readable line.
const BARS_SHARE: f32 = 0.55;
/// Wider bar modules only make the symbol longer, not easier to scan.
const MAX_BAR_MODULE: f32 = 0.5;
/// Space between the text and the symbol's block, in millimetres.
const GAP: f32 = 0.5;

/// Lengths as drawn: exact for vector output, or whole device pixels when the SVG is
/// rasterised, so that every module is the same number of pixels and prints sharp.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    /// Millimetres per pixel, if rasterised.
    pixel: Option<f32>,
    dpi: u32,
}

impl Grid {
    /// Vector output (SVG, PDF).
    pub(crate) const VECTOR: Grid = Grid {
        pixel: None,
        dpi: 0,
    };

    /// A raster at `dpi` pixels an inch.
    pub(crate) fn raster(dpi: u32) -> Grid {
        Grid {
            pixel: Some(25.4 / dpi as f32),
            dpi,
        }
    }

    /// The module size to draw for an `ideal` one: whole pixels no larger than it.
    fn module(self, ideal: f32, symbology: Symbology) -> Result<f32, LabelError> {
        let Some(pixel) = self.pixel else {
            return Ok(ideal);
        };
        let pixels = (ideal / pixel).floor();
        if pixels < 1.0 {
            return Err(LabelError::Symbology {
                symbology: symbology.as_str(),
                rule: format!(
                    "a module would be {ideal:.3} mm, under one pixel at {} dpi: choose a \
                     larger layout or a higher resolution",
                    self.dpi
                ),
            });
        }
        Ok(pixels * pixel)
    }

    /// `length` on the pixel grid.
    fn snap(self, length: f32) -> f32 {
        self.pixel
            .map_or(length, |pixel| (length / pixel).round() * pixel)
    }
}

/// A rectangle in millimetres.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

/// The label's SVG drawn on `grid`.
pub(crate) fn render(
    label: &Label,
    symbology: Symbology,
    layout: Layout,
    grid: Grid,
) -> Result<String, LabelError> {
    let sheet = layout.sheet();
    let (width, height) = (sheet.label_width, sheet.label_height);
    let margin = (width.min(height) * 0.06).clamp(1.2, 3.0);
    let inner = Area {
        x: margin,
        y: margin,
        width: width - 2.0 * margin,
        height: height - 2.0 * margin,
    };
    let mut canvas = Canvas::new(width, height);
    match symbol::encode(label, symbology)? {
        Symbol::Matrix(matrix) => {
            draw_matrix_label(&mut canvas, label, &matrix, symbology, inner, grid)?
        }
        Symbol::Linear(linear) => {
            draw_linear_label(&mut canvas, label, &linear, symbology, inner, grid)?
        }
    }
    Ok(canvas.finish())
}

fn draw_matrix_label(
    canvas: &mut Canvas,
    label: &Label,
    matrix: &Matrix,
    symbology: Symbology,
    inner: Area,
    grid: Grid,
) -> Result<(), LabelError> {
    let room = inner.height.min(inner.width * MATRIX_SHARE);
    let modules = matrix.side + 2 * matrix.quiet;
    let module = grid.module(room / modules as f32, symbology)?;
    let drawn = module * modules as f32;
    let left = grid.snap(inner.x) + module * matrix.quiet as f32;
    let top = grid.snap(inner.y + (inner.height - drawn) / 2.0) + module * matrix.quiet as f32;
    canvas.rects(
        matrix
            .dark
            .chunks(matrix.side)
            .enumerate()
            .flat_map(|(row, cells)| {
                runs(cells).map(move |run| {
                    (
                        left + run.start as f32 * module,
                        top + row as f32 * module,
                        run.len() as f32 * module,
                        module,
                    )
                })
            }),
    );
    let text_x = inner.x + drawn;
    let area = Area {
        x: text_x,
        width: inner.x + inner.width - text_x,
        ..inner
    };
    let lines = text::fit(&paragraphs(label, 3), area.width, area.height, TEXT_SIZES);
    let offset = (area.height - block_height(&lines)) / 2.0;
    for line in &lines {
        canvas.text(area.x, area.y + offset + line.baseline, line, Anchor::Start);
    }
    Ok(())
}

fn draw_linear_label(
    canvas: &mut Canvas,
    label: &Label,
    linear: &Linear,
    symbology: Symbology,
    inner: Area,
    grid: Grid,
) -> Result<(), LabelError> {
    let modules = linear.quiet.0 + linear.dark.len() + linear.quiet.1;
    let ideal = (inner.width / modules as f32).min(MAX_BAR_MODULE);
    let module = grid.module(ideal, symbology)?;
    let left = grid.snap(inner.x + (inner.width - module * modules as f32) / 2.0)
        + module * linear.quiet.0 as f32;
    let block = inner.height * BARS_SHARE;
    let hri = hri_lines(&linear.hri, module, block * 0.35);
    let hri_height = hri
        .iter()
        .map(|(_, lines)| block_height(lines))
        .fold(0.0, f32::max);
    let bars_top = grid.snap(inner.y + inner.height - block);
    let bars_height = grid.snap(block - hri_height - GAP);
    let guard_height = bars_height + GAP + hri_height / 2.0;
    canvas.rects(runs(&linear.dark).map(|run| {
        let long = linear.guards.iter().any(|guard| guard.contains(&run.start));
        let height = if long { guard_height } else { bars_height };
        (
            left + run.start as f32 * module,
            bars_top,
            run.len() as f32 * module,
            height,
        )
    }));
    let hri_top = bars_top + bars_height + GAP;
    for (piece, lines) in &hri {
        for line in lines {
            let x = left + piece.center * module;
            canvas.text(x, hri_top + line.baseline, line, Anchor::Middle);
        }
    }
    let text_height = bars_top - GAP - inner.y;
    for line in text::fit(&paragraphs(label, 2), inner.width, text_height, TEXT_SIZES) {
        canvas.text(inner.x, inner.y + line.baseline, &line, Anchor::Start);
    }
    Ok(())
}

/// The title (wrapping onto up to `title_lines`) and the lines (one each).
fn paragraphs(label: &Label, title_lines: usize) -> Vec<Paragraph<'_>> {
    let title = Paragraph {
        text: label.title(),
        weight: Weight::Bold,
        scale: TITLE_SCALE,
        max_lines: title_lines,
    };
    std::iter::once(title)
        .chain(label.lines().iter().map(|line| Paragraph {
            text: line,
            weight: Weight::Regular,
            scale: 1.0,
            max_lines: 1,
        }))
        .collect()
}

/// Each human-readable piece laid out at one common size, the largest at which every piece
/// fits (EAN-13 digit groups must match).
fn hri_lines<'a>(pieces: &'a [Hri], module: f32, height: f32) -> Vec<(&'a Hri, Vec<Line>)> {
    let paragraph = |piece: &'a Hri| {
        [Paragraph {
            text: &piece.text,
            weight: Weight::Regular,
            scale: 1.0,
            max_lines: 2,
        }]
    };
    let size = pieces
        .iter()
        .map(|piece| {
            let lines = text::fit(&paragraph(piece), piece.width * module, height, HRI_SIZES);
            lines.first().map_or(HRI_SIZES.start, |line| line.size)
        })
        .fold(HRI_SIZES.end, f32::min);
    pieces
        .iter()
        .map(|piece| {
            let lines = text::fit(
                &paragraph(piece),
                piece.width * module,
                height,
                HRI_SIZES.start..size,
            );
            (piece, lines)
        })
        .collect()
}

/// From the top of the first line box to the bottom of the last.
fn block_height(lines: &[Line]) -> f32 {
    lines.last().map_or(0.0, text::Line::bottom)
}

/// The runs of dark modules in a row, as index ranges.
fn runs(row: &[bool]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = None;
    (0..=row.len()).filter_map(move |index| {
        match (start, row.get(index).copied().unwrap_or(false)) {
            (None, true) => {
                start = Some(index);
                None
            }
            (Some(from), false) => {
                start = None;
                Some(from..index)
            }
            _ => None,
        }
    })
}

/// Horizontal text alignment.
#[derive(Debug, Clone, Copy)]
enum Anchor {
    Start,
    Middle,
}

/// An SVG document being written, in millimetre user units.
struct Canvas {
    svg: String,
}

impl Canvas {
    fn new(width: f32, height: f32) -> Self {
        let (w, h) = (Mm(width), Mm(height));
        let mut svg = String::with_capacity(16 * 1024);
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="#fff"/>"##
        );
        Canvas { svg }
    }

    /// Dark rectangles `(x, y, width, height)` as one path, edges not anti-aliased so that
    /// modules stay sharp.
    fn rects(&mut self, rects: impl Iterator<Item = (f32, f32, f32, f32)>) {
        self.svg
            .push_str(r##"<path fill="#000" shape-rendering="crispEdges" d=""##);
        for (x, y, width, height) in rects {
            let _ = write!(
                self.svg,
                "M{} {}h{}v{}h-{}z",
                Mm(x),
                Mm(y),
                Mm(width),
                Mm(height),
                Mm(width)
            );
        }
        self.svg.push_str(r#""/>"#);
    }

    fn text(&mut self, x: f32, baseline: f32, line: &Line, anchor: Anchor) {
        let weight = match line.weight {
            Weight::Regular => "",
            Weight::Bold => r#" font-weight="bold""#,
        };
        let anchor = match anchor {
            Anchor::Start => "",
            Anchor::Middle => r#" text-anchor="middle""#,
        };
        let _ = write!(
            self.svg,
            r##"<text x="{}" y="{}" font-family="{}" font-size="{}"{weight}{anchor} fill="#000">{}</text>"##,
            Mm(x),
            Mm(baseline),
            text::FAMILY,
            Mm(line.size),
            Escaped(&line.text)
        );
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

/// A length written with at most three decimals (a micrometre) and no trailing zeros.
struct Mm(f32);

impl fmt::Display for Mm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.3}", self.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if text == "-0" { "0" } else { text })
    }
}

/// Text as XML character data.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_dark_modules() {
        let row = [true, true, false, true, false, false, true];
        assert_eq!(runs(&row).collect::<Vec<_>>(), vec![0..2, 3..4, 6..7]);
        assert_eq!(runs(&[false; 3]).count(), 0);
    }

    #[test]
    fn lengths_are_written_short() {
        assert_eq!(Mm(50.0).to_string(), "50");
        assert_eq!(Mm(1.25).to_string(), "1.25");
        assert_eq!(Mm(0.33333).to_string(), "0.333");
        assert_eq!(Mm(-0.0001).to_string(), "0");
    }

    #[test]
    fn grid_modules_are_whole_pixels() {
        let grid = Grid::raster(254);
        assert!((grid.module(0.37, Symbology::DataMatrix).unwrap() - 0.3).abs() < 1e-5);
        let error = grid.module(0.05, Symbology::Gs1128).unwrap_err();
        assert!(
            error.to_string().contains("under one pixel at 254 dpi"),
            "{error}"
        );
        assert_eq!(Grid::VECTOR.module(0.37, Symbology::DataMatrix), Ok(0.37));
    }
}
