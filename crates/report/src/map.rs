//! A map page: named points (ponds, fields) on an equirectangular lat/lon frame with a scale
//! bar. Plain enough for a plan a farm files with a regulator; no tiles, nothing fetched.
//!
//! Longitudes are scaled by the cosine of the middle latitude, so over the few kilometres of a
//! farm distances read true in both directions within a fraction of a percent.

use krilla::geom::{PathBuilder, Rect};
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::Font;

use crate::pdf::{MARGIN, NOTE_SIZE, PAGE_HEIGHT, PAGE_WIDTH, TITLE_SIZE, text};

/// Metres in one degree of latitude (and of longitude at the equator), WGS 84 mean.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The least span a frame shows, in degrees (about 550 m), so one point or a few close ones
/// still sit in a readable frame.
const MIN_SPAN: f64 = 0.005;

/// Side of a point's square mark, in points.
const MARK: f32 = 4.0;

/// One named place on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    /// The label printed beside it.
    pub label: String,
    /// Latitude, WGS 84 degrees.
    pub latitude: f64,
    /// Longitude, WGS 84 degrees.
    pub longitude: f64,
}

/// A titled set of points, drawn on its own PDF page.
#[derive(Debug, Clone, PartialEq)]
pub struct PointMap {
    /// The page title.
    pub title: String,
    /// The points, labelled in this order.
    pub points: Vec<MapPoint>,
}

/// The frame: the box of the points with a margin, stretched to the page's aspect ratio.
struct Frame {
    west: f64,
    north: f64,
    /// Page points per degree of latitude.
    scale: f64,
    /// Cosine of the middle latitude: how much shorter a degree of longitude is.
    shrink: f64,
    left: f32,
    top: f32,
}

impl Frame {
    fn new(points: &[MapPoint], left: f32, top: f32, width: f32, height: f32) -> Self {
        let (mut south, mut north, mut west, mut east) =
            (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
        for p in points {
            south = south.min(p.latitude);
            north = north.max(p.latitude);
            west = west.min(p.longitude);
            east = east.max(p.longitude);
        }
        if points.is_empty() {
            (south, north, west, east) = (0.0, 0.0, 0.0, 0.0);
        }
        let shrink = ((south + north) / 2.0).to_radians().cos().max(0.01);
        // Spans in "latitude degrees" so both axes share one scale.
        let span_y = (north - south).max(MIN_SPAN) * 1.2;
        let span_x = ((east - west) * shrink).max(MIN_SPAN) * 1.2;
        let scale = (f64::from(width) / span_x).min(f64::from(height) / span_y);
        let middle_lat = (south + north) / 2.0;
        let middle_lon = (west + east) / 2.0;
        Self {
            west: middle_lon - f64::from(width) / scale / shrink / 2.0,
            north: middle_lat + f64::from(height) / scale / 2.0,
            scale,
            shrink,
            left,
            top,
        }
    }

    /// Where a point falls on the page.
    fn place(&self, latitude: f64, longitude: f64) -> (f32, f32) {
        let x = (longitude - self.west) * self.shrink * self.scale;
        let y = (self.north - latitude) * self.scale;
        (self.left + x as f32, self.top + y as f32)
    }

    /// Page points per metre.
    fn points_per_metre(&self) -> f64 {
        self.scale / METRES_PER_DEGREE
    }
}

/// Draws the map's title, frame, corner coordinates, points with labels and scale bar.
pub(crate) fn draw(surface: &mut Surface, regular: &Font, bold: &Font, map: &PointMap) {
    let title_y = MARGIN + TITLE_SIZE;
    text(surface, bold, TITLE_SIZE, MARGIN, title_y, &map.title);
    let top = title_y + 2.0 * NOTE_SIZE;
    let bottom = PAGE_HEIGHT - MARGIN - 4.0 * NOTE_SIZE;
    let (left, width, height) = (MARGIN, PAGE_WIDTH - 2.0 * MARGIN, bottom - top);
    let frame = Frame::new(&map.points, left, top, width, height);
    let mut shapes = PathBuilder::new();
    for rect in [
        Rect::from_xywh(left, top, width, 0.5),
        Rect::from_xywh(left, bottom, width, 0.5),
        Rect::from_xywh(left, top, 0.5, height),
        Rect::from_xywh(left + width, top, 0.5, height),
    ]
    .into_iter()
    .flatten()
    {
        shapes.push_rect(rect);
    }
    let corner = |lat: f64, lon: f64| format!("{lat:.5}, {lon:.5}");
    let south = frame.north - f64::from(height) / frame.scale;
    let east = frame.west + f64::from(width) / frame.scale / frame.shrink;
    text(
        surface,
        regular,
        NOTE_SIZE,
        left + 2.0,
        top + NOTE_SIZE + 1.0,
        &corner(frame.north, frame.west),
    );
    text(
        surface,
        regular,
        NOTE_SIZE,
        left + 2.0,
        bottom - 3.0,
        &corner(south, frame.west),
    );
    let east_label = corner(south, east);
    let east_x = left + width - 2.0 - east_label.chars().count() as f32 * NOTE_SIZE * 0.6;
    text(
        surface,
        regular,
        NOTE_SIZE,
        east_x,
        bottom - 3.0,
        &east_label,
    );
    if map.points.is_empty() {
        text(
            surface,
            regular,
            NOTE_SIZE,
            left + width / 2.0 - 100.0,
            top + height / 2.0,
            "(không có toạ độ nào / no coordinates recorded)",
        );
    }
    for point in &map.points {
        let (x, y) = frame.place(point.latitude, point.longitude);
        if let Some(rect) = Rect::from_xywh(x - MARK / 2.0, y - MARK / 2.0, MARK, MARK) {
            shapes.push_rect(rect);
        }
        text(
            surface,
            regular,
            NOTE_SIZE,
            x + MARK,
            y + NOTE_SIZE / 3.0,
            &point.label,
        );
    }
    let (metres, bar) = scale_bar(frame.points_per_metre(), f64::from(width) / 4.0);
    let bar_y = bottom + 2.0 * NOTE_SIZE;
    if let Some(rect) = Rect::from_xywh(left, bar_y, bar as f32, 2.0) {
        shapes.push_rect(rect);
    }
    let label = if metres >= 1_000.0 {
        format!("{} km", metres / 1_000.0)
    } else {
        format!("{metres} m")
    };
    text(
        surface,
        regular,
        NOTE_SIZE,
        left + bar as f32 + 6.0,
        bar_y + 3.0,
        &label,
    );
    if let Some(path) = shapes.finish() {
        surface.set_fill(Some(Fill::default()));
        surface.draw_path(&path);
    }
}

/// The longest round distance (1, 2 or 5 × 10ⁿ metres) whose bar is at most `room` page
/// points, and that bar's length.
fn scale_bar(points_per_metre: f64, room: f64) -> (f64, f64) {
    let most = room / points_per_metre;
    let mut best = 1.0;
    let mut decade = 1.0;
    while decade <= most {
        for step in [1.0, 2.0, 5.0] {
            if step * decade <= most {
                best = step * decade;
            }
        }
        decade *= 10.0;
    }
    (best, best * points_per_metre)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pond(label: &str, latitude: f64, longitude: f64) -> MapPoint {
        MapPoint {
            label: label.into(),
            latitude,
            longitude,
        }
    }

    #[test]
    fn points_land_inside_the_frame_north_up_and_east_right() {
        let points = [
            pond("Ao 1", 9.1769, 105.1524),
            pond("Ao 2", 9.1801, 105.1602),
        ];
        let frame = Frame::new(&points, 36.0, 60.0, 770.0, 450.0);
        let (x1, y1) = frame.place(9.1769, 105.1524);
        let (x2, y2) = frame.place(9.1801, 105.1602);
        for (x, y) in [(x1, y1), (x2, y2)] {
            assert!(
                (36.0..=806.0).contains(&x) && (60.0..=510.0).contains(&y),
                "{x},{y}"
            );
        }
        assert!(x2 > x1, "east is right");
        assert!(y2 < y1, "north is up");
        // Equal distances read equal on both axes: 0.001° of latitude against the same ground
        // distance in longitude.
        let (_, north) = frame.place(9.1779, 105.1524);
        let (east, _) = frame.place(9.1769, 105.1524 + 0.001 / frame.shrink);
        assert!(((y1 - north) - (east - x1)).abs() < 0.01);
    }

    #[test]
    fn the_scale_bar_is_a_round_distance_within_its_room() {
        // 0.5 page points per metre, 200 points of room: at most 400 m, so 200 m.
        assert_eq!(scale_bar(0.5, 200.0), (200.0, 100.0));
        assert_eq!(scale_bar(0.001, 200.0), (200_000.0, 200.0));
    }
}
