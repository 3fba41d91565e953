//! Server-rendered SVG charts: horizontal percentage bars with target lines, small enough to
//! write by hand, readable without JavaScript, and described for screen readers by their
//! `<title>` and `<desc>`.

use std::fmt::Write;

/// A target drawn on a chart: a vertical line at `percent` labelled with `label` (a year).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What the line is labelled with.
    pub label: String,
    /// Where it is, 0 to 100.
    pub percent: f64,
}

/// One bar: a label and a share in percent, with the targets that apply to it alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What it measures.
    pub label: String,
    /// The share, 0 to 100.
    pub percent: f64,
    /// Targets drawn across this bar only.
    pub targets: Vec<Target>,
}

/// A chart of percentage bars.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// The title, also the SVG's accessible name.
    pub title: String,
    /// A sentence saying what the chart shows, for screen readers.
    pub description: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
    /// Targets drawn across every bar.
    pub targets: Vec<Target>,
}

/// Width of the drawing, in SVG units; the SVG scales to its container.
const WIDTH: f64 = 640.0;
/// Where the bars' track begins (labels are above the bars, so the track starts near the edge).
const LEFT: f64 = 8.0;
/// Room on the right for the value.
const RIGHT: f64 = 64.0;
/// Height of one bar's row: its label line and the bar.
const ROW: f64 = 64.0;
/// Height of a bar.
const BAR: f64 = 18.0;
/// Room at the top for the target labels.
const TOP: f64 = 22.0;

impl BarChart {
    /// The chart as an SVG element, escaped, ready to be placed in a page as is.
    pub fn to_svg(&self) -> String {
        let track = WIDTH - LEFT - RIGHT;
        let x = |percent: f64| LEFT + track * percent.clamp(0.0, 100.0) / 100.0;
        let height = TOP + ROW * self.bars.len() as f64 + 8.0;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>"#,
            id = self.id(),
            title = escape(&self.title),
            desc = escape(&self.description),
        );
        for (index, bar) in self.bars.iter().enumerate() {
            let top = TOP + ROW * index as f64;
            let bar_top = top + 22.0;
            let _ = write!(
                svg,
                r#"<text class="label" x="{LEFT}" y="{label_y}">{label}</text><rect class="track" x="{LEFT}" y="{bar_top}" width="{track}" height="{BAR}" rx="3"/><rect class="value" x="{LEFT}" y="{bar_top}" width="{width:.1}" height="{BAR}" rx="3"/><text class="figure" x="{figure_x}" y="{figure_y}">{percent}</text>"#,
                label_y = top + 16.0,
                label = escape(&bar.label),
                width = x(bar.percent) - LEFT,
                figure_x = WIDTH - RIGHT + 8.0,
                figure_y = bar_top + BAR - 4.0,
                percent = percent_text(bar.percent),
            );
            for target in &bar.targets {
                let _ = write!(
                    svg,
                    r#"<line class="target" x1="{at:.1}" x2="{at:.1}" y1="{y1}" y2="{y2}"/><text class="target-label" x="{at:.1}" y="{label_y}" text-anchor="middle">{label}</text>"#,
                    at = x(target.percent),
                    y1 = bar_top - 4.0,
                    y2 = bar_top + BAR + 4.0,
                    label_y = bar_top + BAR + 15.0,
                    label = escape(&format!(
                        "{} {}",
                        target.label,
                        percent_text(target.percent)
                    )),
                );
            }
        }
        for target in &self.targets {
            let _ = write!(
                svg,
                r#"<line class="target" x1="{at:.1}" x2="{at:.1}" y1="{TOP}" y2="{bottom}"/><text class="target-label" x="{at:.1}" y="14" text-anchor="middle">{label}</text>"#,
                at = x(target.percent),
                bottom = height - 4.0,
                label = escape(&format!(
                    "{} {}",
                    target.label,
                    percent_text(target.percent)
                )),
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// An id for the title and description, unique per chart title on a page.
    fn id(&self) -> String {
        let slug: String = self
            .title
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(24)
            .collect();
        format!("chart-{}-{}", slug, self.title.chars().count())
    }
}

/// A share as people read it: whole percent, or one decimal under 10 %.
pub fn percent_text(percent: f64) -> String {
    if percent > 0.0 && percent < 10.0 && percent.fract() != 0.0 {
        format!("{percent:.1} %")
    } else {
        format!("{percent:.0} %")
    }
}

/// Escapes text for SVG (XML) content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_accessible_svg_with_bars_and_target_lines() {
        let chart = BarChart {
            title: "Truy xuất <hoạt động>".to_owned(),
            description: "Tỷ lệ & mục tiêu".to_owned(),
            bars: vec![Bar {
                label: "Doanh nghiệp".to_owned(),
                percent: 25.0,
                targets: Vec::new(),
            }],
            targets: vec![
                Target {
                    label: "2025".to_owned(),
                    percent: 30.0,
                },
                Target {
                    label: "2030".to_owned(),
                    percent: 50.0,
                },
            ],
        };
        let svg = chart.to_svg();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title id=") && svg.contains(">Truy xuất &lt;hoạt động&gt;</title>"));
        assert!(svg.contains(">Tỷ lệ &amp; mục tiêu</desc>"));
        assert_eq!(svg.matches(r#"class="target""#).count(), 2);
        assert!(svg.contains(">2025 30 %<") && svg.contains(">2030 50 %<"));
        // A quarter of the 568-unit track.
        assert!(
            svg.contains(r#"class="value" x="8" y="44" width="142.0""#),
            "{svg}"
        );
        assert!(svg.contains(">25 %<"));
    }

    #[test]
    fn shares_read_as_people_write_them() {
        assert_eq!(percent_text(0.0), "0 %");
        assert_eq!(percent_text(2.5), "2.5 %");
        assert_eq!(percent_text(33.333), "33 %");
        assert_eq!(percent_text(100.0), "100 %");
    }
}
