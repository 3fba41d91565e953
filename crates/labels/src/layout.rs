//! Label stock: A4 sheets of die-cut labels for office printers, and single labels on a roll
//! for thermal printers.

use std::fmt;
use std::str::FromStr;

use crate::LabelError;
use crate::named::Named;

/// A4 paper, in millimetres.
const A4: (f32, f32) = (210.0, 297.0);

/// The label stock a sheet of labels is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// A4, 3 columns × 8 rows of 70 × 37 mm (24 a sheet, as Avery 3474), no gaps.
    A4Grid3x8,
    /// A4, 4 columns × 10 rows of 48.5 × 25.4 mm (40 a sheet, as Avery 3657), no gaps.
    A4Grid4x10,
    /// A4, 5 columns × 13 rows of 38.1 × 21.2 mm (65 a sheet, Avery L7651), 2.5 mm between columns.
    A4Grid5x13,
    /// One 50 × 30 mm thermal label a page.
    Thermal50x30,
    /// One 40 × 30 mm thermal label a page.
    Thermal40x30,
    /// One 100 × 50 mm thermal label a page.
    Thermal100x50,
}

/// Where the labels of a layout sit on a page; all lengths in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sheet {
    /// Page width.
    pub page_width: f32,
    /// Page height.
    pub page_height: f32,
    /// Label width.
    pub label_width: f32,
    /// Label height.
    pub label_height: f32,
    /// Labels across.
    pub columns: usize,
    /// Labels down.
    pub rows: usize,
    /// From the left page edge to the first column.
    pub margin_left: f32,
    /// From the top page edge to the first row.
    pub margin_top: f32,
    /// Between two columns.
    pub gap_x: f32,
    /// Between two rows.
    pub gap_y: f32,
}

impl Sheet {
    /// A grid of labels on A4; the side margins are what the grid leaves, split evenly.
    const fn a4(label: (f32, f32), grid: (usize, usize), margin_top: f32, gap_x: f32) -> Self {
        let (columns, rows) = grid;
        let used = columns as f32 * label.0 + (columns - 1) as f32 * gap_x;
        Sheet {
            page_width: A4.0,
            page_height: A4.1,
            label_width: label.0,
            label_height: label.1,
            columns,
            rows,
            margin_left: (A4.0 - used) / 2.0,
            margin_top,
            gap_x,
            gap_y: 0.0,
        }
    }

    /// A page the size of one label.
    const fn single(width: f32, height: f32) -> Self {
        Sheet {
            page_width: width,
            page_height: height,
            label_width: width,
            label_height: height,
            columns: 1,
            rows: 1,
            margin_left: 0.0,
            margin_top: 0.0,
            gap_x: 0.0,
            gap_y: 0.0,
        }
    }

    /// How many labels fit on one page.
    pub fn labels_per_page(&self) -> usize {
        self.columns * self.rows
    }

    /// The top-left corner of the label at `index` (0-based, row by row) on its page.
    pub fn label_origin(&self, index: usize) -> (f32, f32) {
        let slot = index % self.labels_per_page();
        let (row, column) = (slot / self.columns, slot % self.columns);
        (
            self.margin_left + column as f32 * (self.label_width + self.gap_x),
            self.margin_top + row as f32 * (self.label_height + self.gap_y),
        )
    }
}

impl Layout {
    /// Every layout, in the order the allowed names are listed.
    pub const ALL: [Layout; 6] = [
        Layout::A4Grid3x8,
        Layout::A4Grid4x10,
        Layout::A4Grid5x13,
        Layout::Thermal50x30,
        Layout::Thermal40x30,
        Layout::Thermal100x50,
    ];

    /// Parses a name such as `a4-3x8` or `thermal-50x30` (any case).
    pub fn parse(name: &str) -> Result<Self, LabelError> {
        Self::find(name).ok_or_else(|| LabelError::UnknownLayout {
            name: name.to_owned(),
            allowed: Self::allowed(),
        })
    }

    /// The short name [`Layout::parse`] accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::A4Grid3x8 => "a4-3x8",
            Layout::A4Grid4x10 => "a4-4x10",
            Layout::A4Grid5x13 => "a4-5x13",
            Layout::Thermal50x30 => "thermal-50x30",
            Layout::Thermal40x30 => "thermal-40x30",
            Layout::Thermal100x50 => "thermal-100x50",
        }
    }

    /// The page and label geometry.
    pub fn sheet(self) -> Sheet {
        match self {
            // 8 × 37 mm leaves 1 mm of the page height: half above, half below.
            Layout::A4Grid3x8 => Sheet::a4((70.0, 37.0), (3, 8), 0.5, 0.0),
            Layout::A4Grid4x10 => Sheet::a4((48.5, 25.4), (4, 10), 21.5, 0.0),
            Layout::A4Grid5x13 => Sheet::a4((38.1, 21.2), (5, 13), 10.7, 2.5),
            Layout::Thermal50x30 => Sheet::single(50.0, 30.0),
            Layout::Thermal40x30 => Sheet::single(40.0, 30.0),
            Layout::Thermal100x50 => Sheet::single(100.0, 50.0),
        }
    }
}

impl Named for Layout {
    const ALL: &'static [Self] = &Layout::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl FromStr for Layout {
    type Err = LabelError;

    fn from_str(name: &str) -> Result<Self, LabelError> {
        Self::parse(name)
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grid_fits_on_its_page() {
        for layout in Layout::ALL {
            let sheet = layout.sheet();
            let (x, y) = sheet.label_origin(sheet.labels_per_page() - 1);
            let right = x + sheet.label_width;
            let bottom = y + sheet.label_height;
            assert!(
                sheet.margin_left >= 0.0 && sheet.margin_top >= 0.0,
                "{layout}"
            );
            assert!(
                right <= sheet.page_width + 1e-3,
                "{layout}: right edge {right}"
            );
            assert!(
                bottom <= sheet.page_height + 1e-3,
                "{layout}: bottom edge {bottom}"
            );
        }
        assert_eq!(Layout::A4Grid3x8.sheet().labels_per_page(), 24);
        assert_eq!(Layout::A4Grid4x10.sheet().labels_per_page(), 40);
        assert_eq!(Layout::A4Grid5x13.sheet().labels_per_page(), 65);
        let l7651 = Layout::A4Grid5x13.sheet();
        assert!(
            (l7651.margin_left - 4.7).abs() < 0.06,
            "{}",
            l7651.margin_left
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_allowed_ones() {
        for layout in Layout::ALL {
            assert_eq!(Layout::parse(layout.as_str()), Ok(layout));
        }
        assert_eq!(Layout::parse(" Thermal-50X30 "), Ok(Layout::Thermal50x30));
        let error = Layout::parse("a5").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown label layout \"a5\"; allowed: a4-3x8, a4-4x10, a4-5x13, thermal-50x30, \
             thermal-40x30, thermal-100x50"
        );
    }
}
