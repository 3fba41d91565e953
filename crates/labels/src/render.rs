//! The public renderers: the SVG of one label, that SVG rasterised to PNG, and PDF pages of
//! labels laid out on their stock.

use krilla::Document;
use krilla::geom::{Size, Transform};
use krilla::page::PageSettings;
use krilla_svg::{SurfaceExt, SvgSettings};
use resvg::{tiny_skia, usvg};

use crate::compose::{self, Grid};
use crate::{Label, LabelError, Layout, Symbology, text};

/// Lowest PNG resolution: below it the smallest text is a blur.
const MIN_DPI: u32 = 72;
/// Highest PNG resolution: an A4-sized label at 1200 dpi is already 140 megapixels.
const MAX_DPI: u32 = 1200;
const MM_PER_INCH: f32 = 25.4;
const POINTS_PER_MM: f32 = 72.0 / MM_PER_INCH;

/// The label as an SVG document the size of one label of `layout` (width and height in mm).
pub fn svg(label: &Label, symbology: Symbology, layout: Layout) -> Result<String, LabelError> {
    compose::render(label, symbology, layout, Grid::VECTOR)
}

/// The label as a grayscale PNG at `dpi` (72 to 1200), modules aligned to whole pixels.
pub fn png(
    label: &Label,
    symbology: Symbology,
    layout: Layout,
    dpi: u32,
) -> Result<Vec<u8>, LabelError> {
    if !(MIN_DPI..=MAX_DPI).contains(&dpi) {
        return Err(LabelError::Dpi {
            dpi,
            min: MIN_DPI,
            max: MAX_DPI,
        });
    }
    let tree = parse(&compose::render(
        label,
        symbology,
        layout,
        Grid::raster(dpi),
    )?)?;
    let sheet = layout.sheet();
    let pixels = |mm: f32| (mm * dpi as f32 / MM_PER_INCH).round() as u32;
    let (width, height) = (pixels(sheet.label_width), pixels(sheet.label_height));
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or_else(|| LabelError::Render {
        format: "PNG",
        detail: format!("cannot allocate {width} × {height} pixels"),
    })?;
    // The tree is in CSS pixels; scale them to device pixels so the grid lands on whole ones.
    let scale = dpi as f32 / MM_PER_INCH * sheet.label_width / tree.size().width();
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    encode_png(&pixmap, dpi).map_err(|error| LabelError::Render {
        format: "PNG",
        detail: error.to_string(),
    })
}

/// The labels on pages of `layout`: A4 sheets filled row by row, or one page per thermal
/// label; DejaVu Sans is embedded (subset) and the text stays selectable.
pub fn pdf(labels: &[Label], symbology: Symbology, layout: Layout) -> Result<Vec<u8>, LabelError> {
    if labels.is_empty() {
        return Err(LabelError::NoLabels);
    }
    let trees = labels
        .iter()
        .map(|label| parse(&compose::render(label, symbology, layout, Grid::VECTOR)?))
        .collect::<Result<Vec<_>, _>>()?;
    let sheet = layout.sheet();
    let size = |width: f32, height: f32| {
        Size::from_wh(width * POINTS_PER_MM, height * POINTS_PER_MM).ok_or_else(|| {
            LabelError::Render {
                format: "PDF",
                detail: format!("bad size {width} × {height} mm"),
            }
        })
    };
    let page_size = size(sheet.page_width, sheet.page_height)?;
    let label_size = size(sheet.label_width, sheet.label_height)?;
    let mut document = Document::new();
    for page_trees in trees.chunks(sheet.labels_per_page()) {
        let mut page = document.start_page_with(PageSettings::new(page_size));
        let mut surface = page.surface();
        for (slot, tree) in page_trees.iter().enumerate() {
            let (x, y) = sheet.label_origin(slot);
            surface.push_transform(&Transform::from_translate(
                x * POINTS_PER_MM,
                y * POINTS_PER_MM,
            ));
            let drawn = surface.draw_svg(tree, label_size, SvgSettings::default());
            surface.pop();
            drawn.ok_or_else(|| LabelError::Render {
                format: "PDF",
                detail: "the label's SVG could not be drawn".into(),
            })?;
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|error| LabelError::Render {
        format: "PDF",
        detail: format!("{error:?}"),
    })
}

/// Parses a label SVG with only the embedded fonts available.
fn parse(svg: &str) -> Result<usvg::Tree, LabelError> {
    let options = usvg::Options {
        font_family: text::FAMILY.to_owned(),
        fontdb: text::FONT_DB.clone(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|error| LabelError::Render {
        format: "SVG",
        detail: error.to_string(),
    })
}

/// One 8-bit gray channel, since labels are black on white, with the resolution recorded so
/// that the image prints at the label's size.
fn encode_png(pixmap: &tiny_skia::Pixmap, dpi: u32) -> Result<Vec<u8>, ::png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(::png::BitDepth::Eight);
    let per_metre = (dpi as f32 * 1000.0 / MM_PER_INCH).round() as u32;
    encoder.set_pixel_dims(Some(::png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: ::png::Unit::Meter,
    }));
    let gray: Vec<u8> = pixmap.pixels().iter().map(|pixel| pixel.red()).collect();
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&gray)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use nguon_gs1::DigitalLink;

    use super::*;

    #[test]
    fn long_text_stays_inside_every_label() {
        let link = DigitalLink::parse(
            "https://id.gs1.org/01/08934673000017/10/PL7-2026-12/21/000123?17=261231",
        )
        .unwrap();
        let title = "Tôm sú đông lạnh xuất khẩu loại một – Hợp tác xã nuôi trồng thủy sản \
                     Tân Hưng, huyện Cái Nước, tỉnh Cà Mau";
        let lines = [
            "Lô sản xuất: PL7-2026-12 (ao nuôi số 3, ấp Tân Hưng Đông)",
            "Số sê-ri: 000123",
            "HSD: 31/12/2026",
            "Bảo quản ở nhiệt độ −18 °C hoặc thấp hơn",
            "Truy xuất nguồn gốc: quét mã bằng điện thoại",
            "Khối lượng tịnh: 1 kg",
        ];
        let label = Label::new(&link, "https://truyxuat.camau.gov.vn", title, &lines).unwrap();
        for symbology in Symbology::ALL {
            for layout in Layout::ALL {
                let tree = parse(&svg(&label, symbology, layout).unwrap()).unwrap();
                let bounds = tree.root().abs_bounding_box();
                let size = tree.size();
                assert!(
                    bounds.left() >= -0.01
                        && bounds.top() >= -0.01
                        && bounds.right() <= size.width() + 0.01
                        && bounds.bottom() <= size.height() + 0.01,
                    "{symbology} on {layout}: {bounds:?} outside {size:?}"
                );
            }
        }
    }
}
