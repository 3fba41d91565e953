//! The embedded font and the fitting of text into a box: lines are measured with the font's own
//! advances, so text is wrapped, shrunk or cut before it is drawn and never leaves its box.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use ttf_parser::Face;

/// DejaVu Sans covers Vietnamese (precomposed letters with stacked marks); the files are shared
/// with the report writer, licence in `crates/report/fonts/LICENSE.DejaVu`.
static REGULAR: &[u8] = include_bytes!("../../report/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../report/fonts/DejaVuSans-Bold.ttf");

/// The family name the SVG asks for; it matches the embedded files' name table.
pub(crate) const FAMILY: &str = "DejaVu Sans";

/// Height of a line box, in ems.
const LEADING: f32 = 1.2;
/// From the top of a line box to the baseline, in ems (DejaVu's ascender is 0.93 em).
const BASELINE: f32 = 0.95;
const ELLIPSIS: char = '…';

static FACES: LazyLock<[Face<'static>; 2]> = LazyLock::new(|| {
    [REGULAR, BOLD].map(|data| Face::parse(data, 0).expect("the vendored DejaVu Sans parses"))
});

/// A font database holding only the embedded fonts: nothing is read from the system.
pub(crate) static FONT_DB: LazyLock<Arc<resvg::usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = resvg::usvg::fontdb::Database::new();
    for data in [REGULAR, BOLD] {
        db.load_font_source(resvg::usvg::fontdb::Source::Binary(Arc::new(data)));
    }
    Arc::new(db)
});

/// The two faces drawn on labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    /// Lines and human-readable digits.
    Regular,
    /// The title.
    Bold,
}

impl Weight {
    fn face(self) -> &'static Face<'static> {
        let [regular, bold] = &*FACES;
        match self {
            Weight::Regular => regular,
            Weight::Bold => bold,
        }
    }
}

/// Whether both faces have a glyph for `c`.
pub(crate) fn has_glyph(c: char) -> bool {
    FACES.iter().all(|face| face.glyph_index(c).is_some())
}

/// The advance width of `text` at `size` (both in millimetres), kerning ignored: kerning only
/// narrows DejaVu text, so the estimate errs wide.
pub(crate) fn width(text: &str, weight: Weight, size: f32) -> f32 {
    let face = weight.face();
    let units: u32 = text
        .chars()
        .map(|c| {
            let glyph = face.glyph_index(c).unwrap_or_default();
            u32::from(face.glyph_hor_advance(glyph).unwrap_or_default())
        })
        .sum();
    units as f32 * size / f32::from(face.units_per_em())
}

/// A block of text to fit: a title or one of the lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paragraph<'a> {
    /// The text, one paragraph without line breaks.
    pub text: &'a str,
    /// The face.
    pub weight: Weight,
    /// Size relative to the block's size.
    pub scale: f32,
    /// Lines it may wrap onto; beyond, it is cut with an ellipsis.
    pub max_lines: usize,
}

/// One placed line, its baseline measured from the top of the box.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    /// The text to draw.
    pub text: String,
    /// The face.
    pub weight: Weight,
    /// Font size in millimetres.
    pub size: f32,
    /// Baseline, from the top of the box, in millimetres.
    pub baseline: f32,
}

impl Line {
    /// The bottom of the line box, from the top of the text box.
    pub fn bottom(&self) -> f32 {
        self.baseline + self.size * (LEADING - BASELINE)
    }
}

/// Lays the paragraphs out top-down in a `width` × `height` box at the largest size in
/// `sizes` (millimetres, largest first is tried first) at which everything fits whole. At the
/// smallest size, lines are cut with an ellipsis and those below the box are left out.
pub(crate) fn fit(
    paragraphs: &[Paragraph],
    width: f32,
    height: f32,
    sizes: Range<f32>,
) -> Vec<Line> {
    const STEP: f32 = 0.05;
    let mut size = sizes.end;
    loop {
        let (lines, whole) = lay_out(paragraphs, width, size);
        let bottom = lines.last().map_or(0.0, Line::bottom);
        if whole && bottom <= height {
            return lines;
        }
        if size - STEP < sizes.start {
            return lines
                .into_iter()
                .filter(|line| line.bottom() <= height)
                .collect();
        }
        size -= STEP;
    }
}

/// The paragraphs at one size, and whether every paragraph was kept whole.
fn lay_out(paragraphs: &[Paragraph], width: f32, size: f32) -> (Vec<Line>, bool) {
    let mut lines = Vec::new();
    let mut whole = true;
    let mut top = 0.0;
    for paragraph in paragraphs {
        let size = size * paragraph.scale;
        let (texts, complete) = wrap(
            paragraph.text,
            paragraph.weight,
            size,
            width,
            paragraph.max_lines,
        );
        whole &= complete;
        for text in texts {
            lines.push(Line {
                text,
                weight: paragraph.weight,
                size,
                baseline: top + size * BASELINE,
            });
            top += size * LEADING;
        }
    }
    (lines, whole)
}

/// Breaks `text` into at most `max_lines` lines no wider than `width`, at spaces where
/// possible and inside a word too long for a line otherwise. Returns the lines and whether
/// all of the text is in them (if not, the last line ends with an ellipsis).
pub(crate) fn wrap(
    text: &str,
    weight: Weight,
    size: f32,
    width: f32,
    max_lines: usize,
) -> (Vec<String>, bool) {
    let fits = |range: &Range<usize>| self::width(&text[range.clone()], weight, size) <= width;
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for word in words(text) {
        if let Some(line) = &current {
            let joined = line.start..word.end;
            if fits(&joined) {
                current = Some(joined);
                continue;
            }
            lines.push(line.clone());
        }
        let mut rest = word;
        while !fits(&rest) {
            let cut = longest_fitting(text, rest.clone(), weight, size, width);
            lines.push(rest.start..cut);
            rest = cut..rest.end;
        }
        current = Some(rest);
    }
    lines.extend(current);
    if lines.len() <= max_lines {
        return (
            lines
                .into_iter()
                .map(|range| text[range].to_owned())
                .collect(),
            true,
        );
    }
    let mut kept: Vec<String> = lines[..max_lines - 1]
        .iter()
        .map(|range| text[range.clone()].to_owned())
        .collect();
    kept.push(ellipsize(
        &text[lines[max_lines - 1].start..],
        weight,
        size,
        width,
    ));
    (kept, false)
}

/// The words of `text` as byte ranges.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    text.split_whitespace().map(move |word| {
        let start = word.as_ptr() as usize - text.as_ptr() as usize;
        start..start + word.len()
    })
}

/// The end of the longest prefix of `range` that fits, at least one character so that a
/// line always advances.
fn longest_fitting(
    text: &str,
    range: Range<usize>,
    weight: Weight,
    size: f32,
    width: f32,
) -> usize {
    let slice = &text[range.clone()];
    let first = slice.chars().next().map_or(0, char::len_utf8);
    slice
        .char_indices()
        .map(|(offset, c)| offset + c.len_utf8())
        .take_while(|&end| self::width(&slice[..end], weight, size) <= width)
        .last()
        .unwrap_or(first)
        .max(first)
        + range.start
}

/// `text` cut so that it and a trailing ellipsis fit in `width` (empty if not even that fits).
fn ellipsize(text: &str, weight: Weight, size: f32, width: f32) -> String {
    let mut end = text.len();
    loop {
        let candidate = format!("{}{ELLIPSIS}", text[..end].trim_end());
        if self::width(&candidate, weight, size) <= width {
            return candidate;
        }
        if end == 0 {
            return String::new();
        }
        end = text[..end]
            .char_indices()
            .last()
            .map_or(0, |(offset, _)| offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "Tôm sú đông lạnh – Hợp tác xã Tân Hưng";

    #[test]
    fn the_font_covers_vietnamese() {
        assert!(TITLE.chars().all(has_glyph));
        assert!(
            "ẮẰẲẴẶẤẦẨẪẬẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰỲỶỸỴđĐ"
                .chars()
                .all(has_glyph)
        );
        assert!(!has_glyph('字'));
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_keeps_every_line_inside() {
        let (lines, whole) = wrap(TITLE, Weight::Bold, 3.0, 30.0, 5);
        assert!(whole);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), TITLE);
        assert!(lines.iter().all(|l| width(l, Weight::Bold, 3.0) <= 30.0));
    }

    #[test]
    fn too_long_text_is_cut_with_an_ellipsis() {
        let (lines, whole) = wrap(TITLE, Weight::Regular, 3.0, 20.0, 1);
        assert!(!whole);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with('…'), "{lines:?}");
        assert!(width(&lines[0], Weight::Regular, 3.0) <= 20.0);
        let (lines, _) = wrap("000000000000000000000000", Weight::Regular, 3.0, 10.0, 3);
        assert!(lines.iter().all(|l| width(l, Weight::Regular, 3.0) <= 10.0));
    }

    #[test]
    fn fitting_shrinks_then_cuts_and_stays_in_the_box() {
        let paragraphs = [
            Paragraph {
                text: TITLE,
                weight: Weight::Bold,
                scale: 1.15,
                max_lines: 3,
            },
            Paragraph {
                text: "Lô: PL7",
                weight: Weight::Regular,
                scale: 1.0,
                max_lines: 1,
            },
        ];
        let roomy = fit(&paragraphs, 60.0, 30.0, 1.4..3.5);
        assert_eq!(roomy[0].size, 3.5 * 1.15);
        let tight = fit(&paragraphs, 15.0, 5.0, 1.4..3.5);
        for line in &tight {
            assert!(
                width(&line.text, line.weight, line.size) <= 15.0,
                "{line:?}"
            );
            assert!(line.bottom() <= 5.0, "{line:?}");
        }
    }
}
