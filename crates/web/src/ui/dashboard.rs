//! The Plan 140 dashboard for province roles: organisations registered and approved by kind,
//! product group and commune; the shares using GS1 keys, with active traceability and reached by
//! training, against the plan's 2025 and 2030 targets; the status of each pilot chain; and the
//! stamps each organisation printed and activated, with their scans and suspicious codes. Every
//! table is built once as a [`Table`], drawn on the page and downloadable as CSV or XLSX.
//!
//! The store counts (a handful of aggregate queries, whatever the number of events); this module
//! only turns the counts into shares and attributes event shapes to chain stages.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_chains::ShapeKey;
use nguon_domain::{
    AdminUnits, ApprovalStatus, CommuneCode, OrganisationId, OrganisationKind, ProductGroupDetails,
    ScanTally, StampState, StampTotal, flag,
};
use nguon_report::{Cell, Column, Format, ReportError, Table};
use nguon_store::{
    Dimension, DimensionTally, OrganisationTally, RecordQuery, Registry, ShapeTally, StoreError,
    now_utc,
};
use time::Duration;

use crate::AppState;
use crate::quality::CHAINS as CATALOGUE;
use crate::ui::Chrome;
use crate::ui::chart::{Bar, BarChart, Target};
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::session::SignedIn;

/// How recent an organisation's latest event must be for it to count as actively tracing.
pub const ACTIVE_DAYS: i64 = 90;

/// The plan's targets for the share of barcode users with active traceability (Quyết định
/// 100/QĐ-TTg, repeated by Kế hoạch 140): 2025 and 2030, in percent.
pub const TRACEABILITY_TARGETS: [(&str, f64); 2] = [("2025", 30.0), ("2030", 50.0)];

/// The plan's targets for the share of organisations reached by training and guidance.
pub const REACH_TARGETS: [(&str, f64); 2] = [("2025", 50.0), ("2030", 100.0)];

/// The dashboard's tables, each downloadable on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The three indicators against their targets.
    Indicators,
    /// Organisations by kind.
    Kinds,
    /// Organisations by product group.
    Groups,
    /// Organisations by commune of their facilities.
    Communes,
    /// Organisations, events and lots per pilot chain and stage.
    Chains,
    /// Stamps printed and activated, scans and suspicious codes per organisation.
    Stamps,
}

impl Section {
    /// Every section, in page order.
    pub const ALL: [Self; 6] = [
        Self::Indicators,
        Self::Kinds,
        Self::Groups,
        Self::Communes,
        Self::Chains,
        Self::Stamps,
    ];

    /// The name in download URLs and file names.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Indicators => "indicators",
            Self::Kinds => "kinds",
            Self::Groups => "groups",
            Self::Communes => "communes",
            Self::Chains => "chains",
            Self::Stamps => "stamps",
        }
    }

    fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// Everything the store counted, read in one go.
struct Counts {
    tallies: Vec<OrganisationTally>,
    groups: Vec<DimensionTally>,
    communes: Vec<DimensionTally>,
    shapes: Vec<ShapeTally>,
    chains: Vec<(OrganisationId, String)>,
    reached: u64,
    group_names: Vec<ProductGroupDetails>,
    stamps: Vec<StampTotal>,
    scans: Vec<ScanTally>,
    /// Codes with a counterfeit signal per organisation (`None`: GTINs nobody registered).
    flagged: HashMap<Option<OrganisationId>, u64>,
    /// The names of the organisations in `stamps` and `scans`.
    names: HashMap<OrganisationId, String>,
}

impl Counts {
    async fn read(state: &AppState) -> Result<Self, StoreError> {
        let store = &*state.store;
        let since = now_utc() - Duration::days(ACTIVE_DAYS);
        let every_group = RecordQuery::default();
        let (tallies, groups, communes, shapes, chains, reached, group_names) = tokio::try_join!(
            store.organisation_tallies(since),
            store.organisations_by(Dimension::ProductGroup),
            store.organisations_by(Dimension::Commune),
            store.event_shapes(),
            store.product_chains(),
            store.organisations_reached(),
            store.list::<ProductGroupDetails>(&every_group),
        )?;
        state.scan_log.flush().await;
        let (stamps, scans) =
            tokio::try_join!(store.stamp_totals(), store.scan_tallies(None, since))?;
        let mut flagged = HashMap::new();
        for code in flag(&scans, &state.resolver.scan_thresholds) {
            *flagged.entry(code.tally.organisation).or_insert(0) += 1;
        }
        let mut names = HashMap::new();
        let named = stamps
            .iter()
            .map(|t| t.organisation)
            .chain(scans.iter().filter_map(|t| t.organisation));
        for organisation in named {
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(organisation) {
                slot.insert(store.organisation(organisation).await?.name.to_string());
            }
        }
        Ok(Self {
            stamps,
            scans,
            flagged,
            names,
            tallies,
            groups,
            communes,
            shapes,
            chains,
            reached,
            group_names: group_names.into_iter().map(|g| g.details).collect(),
        })
    }

    /// Organisations matching `keep`.
    fn organisations(&self, keep: impl Fn(&OrganisationTally) -> bool) -> u64 {
        self.tallies
            .iter()
            .filter(|t| keep(t))
            .map(|t| t.count)
            .sum()
    }
}

/// A count over a base, as a share in percent (0 when the base is empty).
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn approved(t: &OrganisationTally) -> bool {
    t.status == ApprovalStatus::Approved
}

fn number(value: u64) -> Cell {
    Cell::Number(value as f64)
}

/// Rounds a share to one decimal for the tables.
fn percent_cell(value: f64) -> Cell {
    Cell::Number((value * 10.0).round() / 10.0)
}

/// The dashboard as tables, captions and charts, in the user's language.
pub struct Dashboard {
    sections: Vec<(Section, Table, String)>,
    charts: Vec<BarChart>,
}

impl Dashboard {
    fn build(tr: Tr, counts: &Counts) -> Result<Self, ReportError> {
        let indicators = Indicators::of(counts);
        let sections = vec![
            (
                Section::Indicators,
                indicators.table(tr)?,
                tr.tn(
                    "dashboard-indicators-caption",
                    &[("days", &ACTIVE_DAYS.to_string())],
                ),
            ),
            (
                Section::Kinds,
                kinds_table(tr, counts)?,
                tr.t("dashboard-kinds-caption"),
            ),
            (
                Section::Groups,
                groups_table(tr, counts)?,
                tr.t("dashboard-groups-caption"),
            ),
            (
                Section::Communes,
                communes_table(tr, counts)?,
                tr.t("dashboard-communes-caption"),
            ),
            (
                Section::Chains,
                chains_table(tr, counts)?,
                tr.t("dashboard-chains-caption"),
            ),
            (
                Section::Stamps,
                stamps_table(tr, counts)?,
                tr.tn(
                    "dashboard-stamps-caption",
                    &[("days", &ACTIVE_DAYS.to_string())],
                ),
            ),
        ];
        Ok(Self {
            sections,
            charts: vec![indicators.chart(tr), kinds_chart(tr, counts)],
        })
    }

    fn table(self, section: Section) -> Option<Table> {
        self.sections
            .into_iter()
            .find(|(s, _, _)| *s == section)
            .map(|(_, table, _)| table)
    }
}

/// The three Plan 140 indicators.
struct Indicators {
    approved: u64,
    registered: u64,
    gs1: u64,
    tracing: u64,
    reached: u64,
}

/// One indicator: its message id, the part, the whole and its targets (year label, share).
type IndicatorRow = (&'static str, u64, u64, &'static [(&'static str, f64)]);

impl Indicators {
    fn of(counts: &Counts) -> Self {
        Self {
            registered: counts.organisations(|_| true),
            approved: counts.organisations(approved),
            gs1: counts.organisations(|t| approved(t) && t.uses_gs1),
            tracing: counts.organisations(|t| approved(t) && t.uses_gs1 && t.active),
            reached: counts.reached,
        }
    }

    /// (message id, part, whole, targets) per indicator.
    fn rows(&self) -> [IndicatorRow; 3] {
        [
            ("dashboard-gs1", self.gs1, self.approved, &[]),
            (
                "dashboard-tracing",
                self.tracing,
                self.gs1,
                &TRACEABILITY_TARGETS,
            ),
            (
                "dashboard-reached",
                self.reached,
                self.registered,
                &REACH_TARGETS,
            ),
        ]
    }

    fn table(&self, tr: Tr) -> Result<Table, ReportError> {
        let mut table = Table::new(
            tr.t("dashboard-indicators"),
            vec![
                Column::text(tr.t("dashboard-indicator")),
                Column::number(tr.t("dashboard-part")),
                Column::number(tr.t("dashboard-whole")),
                Column::number(tr.t("dashboard-share")),
                Column::number(tr.t1("dashboard-target", "year", "2025")),
                Column::number(tr.t1("dashboard-target", "year", "2030")),
            ],
        );
        for (id, part, whole, targets) in self.rows() {
            let target = |year: &str| {
                targets
                    .iter()
                    .find(|(y, _)| *y == year)
                    .map_or(Cell::Empty, |(_, value)| Cell::Number(*value))
            };
            table.push_row(vec![
                Cell::Text(tr.t(id)),
                number(part),
                number(whole),
                percent_cell(share(part, whole)),
                target("2025"),
                target("2030"),
            ])?;
        }
        Ok(table)
    }

    fn chart(&self, tr: Tr) -> BarChart {
        let bars = self
            .rows()
            .into_iter()
            .map(|(id, part, whole, targets)| Bar {
                label: format!("{} ({part}/{whole})", tr.t(id)),
                percent: share(part, whole),
                targets: targets.iter().map(|&(y, p)| target(y, p)).collect(),
            })
            .collect();
        BarChart {
            title: tr.t("dashboard-chart-indicators"),
            description: tr.t("dashboard-chart-indicators-desc"),
            bars,
            targets: Vec::new(),
        }
    }
}

fn target(label: &str, percent: f64) -> Target {
    Target {
        label: label.to_owned(),
        percent,
    }
}

/// The kinds in the order the tables list them.
const KINDS: [OrganisationKind; 4] = [
    OrganisationKind::Enterprise,
    OrganisationKind::Cooperative,
    OrganisationKind::Household,
    OrganisationKind::Agency,
];

fn kind_label(tr: Tr, kind: OrganisationKind) -> String {
    tr.t(&format!("org-kind-{}", kind.as_str()))
}

fn kinds_table(tr: Tr, counts: &Counts) -> Result<Table, ReportError> {
    let mut table = Table::new(
        tr.t("dashboard-kinds"),
        vec![
            Column::text(tr.t("dashboard-kind")),
            Column::number(tr.t("dashboard-registered")),
            Column::number(tr.t("dashboard-approved")),
            Column::number(tr.t("dashboard-gs1-short")),
            Column::number(tr.t("dashboard-tracing-short")),
        ],
    );
    let row = |label: String, of_kind: &dyn Fn(&OrganisationTally) -> bool| {
        vec![
            Cell::Text(label),
            number(counts.organisations(|t| of_kind(t))),
            number(counts.organisations(|t| of_kind(t) && approved(t))),
            number(counts.organisations(|t| of_kind(t) && approved(t) && t.uses_gs1)),
            number(counts.organisations(|t| of_kind(t) && approved(t) && t.uses_gs1 && t.active)),
        ]
    };
    for kind in KINDS {
        table.push_row(row(kind_label(tr, kind), &|t: &OrganisationTally| {
            t.kind == kind
        }))?;
    }
    table.push_row(row(tr.t("dashboard-total"), &|_: &OrganisationTally| true))?;
    Ok(table)
}

/// The share of approved GS1 users with active traceability, per kind, against the targets.
fn kinds_chart(tr: Tr, counts: &Counts) -> BarChart {
    let bars = KINDS
        .into_iter()
        .map(|kind| {
            let gs1 = counts.organisations(|t| t.kind == kind && approved(t) && t.uses_gs1);
            let tracing =
                counts.organisations(|t| t.kind == kind && approved(t) && t.uses_gs1 && t.active);
            Bar {
                label: format!("{} ({tracing}/{gs1})", kind_label(tr, kind)),
                percent: share(tracing, gs1),
                targets: Vec::new(),
            }
        })
        .collect();
    BarChart {
        title: tr.t("dashboard-chart-kinds"),
        description: tr.t("dashboard-chart-kinds-desc"),
        bars,
        targets: TRACEABILITY_TARGETS
            .iter()
            .map(|&(y, p)| target(y, p))
            .collect(),
    }
}

/// A table of organisations per value of a dimension, the value shown as `label` gives it.
fn dimension_table(
    tr: Tr,
    title: String,
    header: String,
    tallies: &[DimensionTally],
    label: impl Fn(&str) -> String,
) -> Result<Table, ReportError> {
    let mut table = Table::new(
        title,
        vec![
            Column::text(header),
            Column::text(tr.t("dashboard-code")),
            Column::number(tr.t("dashboard-registered")),
            Column::number(tr.t("dashboard-approved")),
        ],
    );
    for tally in tallies {
        table.push_row(vec![
            Cell::Text(label(&tally.key)),
            Cell::Text(tally.key.clone()),
            number(tally.registered),
            number(tally.approved),
        ])?;
    }
    Ok(table)
}

fn groups_table(tr: Tr, counts: &Counts) -> Result<Table, ReportError> {
    let names: HashMap<&str, String> = counts
        .group_names
        .iter()
        .map(|g| {
            let name = match tr.lang {
                crate::ui::i18n::Lang::Vi => g.name_vi.to_string(),
                crate::ui::i18n::Lang::En => g.name_en.to_string(),
            };
            (g.code.as_str(), name)
        })
        .collect();
    dimension_table(
        tr,
        tr.t("dashboard-groups"),
        tr.t("dashboard-group"),
        &counts.groups,
        |code| names.get(code).cloned().unwrap_or_else(|| code.to_owned()),
    )
}

fn communes_table(tr: Tr, counts: &Counts) -> Result<Table, ReportError> {
    let units = AdminUnits::embedded();
    dimension_table(
        tr,
        tr.t("dashboard-communes"),
        tr.t("dashboard-commune"),
        &counts.communes,
        |code| {
            CommuneCode::parse(code)
                .ok()
                .and_then(|code| units.commune(code).ok())
                .map_or_else(
                    || code.to_owned(),
                    |(commune, province)| format!("{}, {}", commune.name(), province.name()),
                )
        },
    )
}

/// What one stage of one chain gathered.
#[derive(Default)]
struct StageActivity {
    organisations: BTreeSet<OrganisationId>,
    events: u64,
    lots: u64,
    last: Option<time::OffsetDateTime>,
}

fn chains_table(tr: Tr, counts: &Counts) -> Result<Table, ReportError> {
    let mut chains_of: HashMap<OrganisationId, Vec<&str>> = HashMap::new();
    for (organisation, chain) in &counts.chains {
        chains_of.entry(*organisation).or_default().push(chain);
    }
    let mut activity: HashMap<(&str, &str), StageActivity> = HashMap::new();
    let mut unattributed = 0;
    for shape in &counts.shapes {
        let key = ShapeKey {
            event_type: shape.event_type.as_str(),
            action: shape.action.map(|a| a.as_str()),
            biz_step: shape.biz_step.as_deref(),
        };
        let mut attributed = false;
        for chain in chains_of.get(&shape.owner).into_iter().flatten() {
            let Some(template) = CATALOGUE.get(chain) else {
                continue;
            };
            if let Some(stage) = template.stages_of_shape(&key, shape.owner_kind).first() {
                let entry = activity.entry((template.id(), stage.id())).or_default();
                entry.organisations.insert(shape.owner);
                entry.events += shape.events;
                entry.lots += shape.lots;
                entry.last = entry.last.max(Some(shape.last_event_time));
                attributed = true;
            }
        }
        if !attributed {
            unattributed += shape.events;
        }
    }
    let name = |names: &nguon_chains::Names| match tr.lang {
        crate::ui::i18n::Lang::Vi => names.vi.clone(),
        crate::ui::i18n::Lang::En => names.en.clone(),
    };
    let mut table = Table::new(
        tr.t("dashboard-chains"),
        vec![
            Column::text(tr.t("dashboard-chain")),
            Column::text(tr.t("dashboard-stage")),
            Column::number(tr.t("dashboard-organisations")),
            Column::number(tr.t("dashboard-events")),
            Column::number(tr.t("dashboard-lots")),
            Column::text(tr.t("dashboard-last")),
        ],
    );
    table.note(tr.t1("dashboard-unattributed", "count", &unattributed.to_string()));
    for template in CATALOGUE.iter() {
        for stage in template.stages() {
            let seen = activity
                .remove(&(template.id(), stage.id()))
                .unwrap_or_default();
            table.push_row(vec![
                Cell::Text(name(template.name())),
                Cell::Text(name(stage.name())),
                number(seen.organisations.len() as u64),
                number(seen.events),
                number(seen.lots),
                seen.last
                    .map_or(Cell::Empty, |last| Cell::Text(last.date().to_string())),
            ])?;
        }
    }
    Ok(table)
}

/// One organisation's line of the stamps table.
#[derive(Default)]
struct StampLine {
    runs: u64,
    printed: u64,
    active: u64,
    scans: u64,
    flagged: u64,
}

fn stamps_table(tr: Tr, counts: &Counts) -> Result<Table, ReportError> {
    let mut lines: HashMap<Option<OrganisationId>, StampLine> = HashMap::new();
    for total in &counts.stamps {
        let line = lines.entry(Some(total.organisation)).or_default();
        line.runs += total.runs;
        line.printed += total.stamps;
        if total.state == StampState::Active {
            line.active += total.stamps;
        }
    }
    for tally in &counts.scans {
        lines.entry(tally.organisation).or_default().scans += tally.scans;
    }
    for (organisation, flagged) in &counts.flagged {
        lines.entry(*organisation).or_default().flagged += flagged;
    }
    let name = |organisation: &Option<OrganisationId>| match organisation {
        Some(id) => counts
            .names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string()),
        None => tr.t("scans-unregistered"),
    };
    let mut lines: Vec<(String, StampLine)> = lines
        .into_iter()
        .map(|(organisation, line)| (name(&organisation), line))
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut table = Table::new(
        tr.t("dashboard-stamps"),
        vec![
            Column::text(tr.t("dashboard-organisation")),
            Column::number(tr.t("dashboard-stamp-runs")),
            Column::number(tr.t("dashboard-stamps-printed")),
            Column::number(tr.t("dashboard-stamps-active")),
            Column::number(tr.tn("dashboard-scans", &[("days", &ACTIVE_DAYS.to_string())])),
            Column::number(tr.t("dashboard-flagged")),
        ],
    );
    let mut whole = StampLine::default();
    for (name, line) in &lines {
        whole.runs += line.runs;
        whole.printed += line.printed;
        whole.active += line.active;
        whole.scans += line.scans;
        whole.flagged += line.flagged;
        table.push_row(stamp_row(name.clone(), line))?;
    }
    table.push_row(stamp_row(tr.t("dashboard-province-total"), &whole))?;
    Ok(table)
}

fn stamp_row(name: String, line: &StampLine) -> Vec<Cell> {
    vec![
        Cell::Text(name),
        number(line.runs),
        number(line.printed),
        number(line.active),
        number(line.scans),
        number(line.flagged),
    ]
}

/// One table as the page draws it.
struct SectionView {
    slug: &'static str,
    title: String,
    caption: String,
    notes: Vec<String>,
    headers: Vec<String>,
    rows: Vec<Vec<CellView>>,
}

/// One cell as the page draws it.
struct CellView {
    label: String,
    text: String,
    numeric: bool,
}

impl SectionView {
    fn of(section: Section, table: Table, caption: String) -> Self {
        let headers: Vec<String> = table.columns.iter().map(|c| c.header.clone()).collect();
        let rows = table
            .rows()
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&headers)
                    .map(|(cell, header)| CellView {
                        label: header.clone(),
                        text: cell.to_text(),
                        numeric: matches!(cell, Cell::Number(_)),
                    })
                    .collect()
            })
            .collect();
        Self {
            slug: section.slug(),
            title: table.title.clone(),
            caption,
            notes: table.notes.clone(),
            headers,
            rows,
        }
    }
}

/// The dashboard page.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    charts: Vec<String>,
    sections: Vec<SectionView>,
}

async fn dashboard(state: &AppState, tr: Tr) -> Result<Dashboard, UiError> {
    let counts = Counts::read(state).await?;
    Dashboard::build(tr, &counts).map_err(|error| UiError::Internal(error.to_string()))
}

/// `GET /admin/dashboard`: the dashboard, for province roles.
pub async fn page(State(state): State<AppState>, who: SignedIn) -> Response {
    if !who.user.access.can_read_plan_dashboard() {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let started = std::time::Instant::now();
    let built = match dashboard(&state, tr).await {
        Ok(built) => built,
        Err(error) => return error.into_page(who.lang),
    };
    tracing::debug!(elapsed = ?started.elapsed(), "Plan 140 dashboard counted");
    DashboardPage {
        chrome: Chrome::signed_in(&who, "/admin/dashboard"),
        charts: built.charts.iter().map(BarChart::to_svg).collect(),
        sections: built
            .sections
            .into_iter()
            .map(|(section, table, caption)| SectionView::of(section, table, caption))
            .collect(),
    }
    .into_response()
}

/// `GET /admin/dashboard/{section}.{csv|xlsx}`: one table of the dashboard as a file.
pub async fn download(
    State(state): State<AppState>,
    who: SignedIn,
    Path(file): Path<String>,
) -> Response {
    if !who.user.access.can_read_plan_dashboard() {
        return forbidden(who.lang, Some(&who));
    }
    let parsed = file.split_once('.').and_then(|(slug, extension)| {
        Some((
            Section::parse(slug)?,
            Format::parse(extension).filter(|f| *f != Format::Pdf)?,
        ))
    });
    let Some((section, format)) = parsed else {
        return crate::ui::registry::not_found(&who);
    };
    let tr = Tr { lang: who.lang };
    let table = match dashboard(&state, tr).await {
        Ok(built) => built.table(section),
        Err(error) => return error.into_page(who.lang),
    };
    let Some(table) = table else {
        return crate::ui::registry::not_found(&who);
    };
    match format.write(&table) {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, format.content_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"plan140-{}.{}\"",
                        section.slug(),
                        format.extension()
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => UiError::Internal(error.to_string()).into_page(who.lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::chart::percent_text;

    #[test]
    fn shares_of_an_empty_base_are_zero() {
        assert_eq!(share(0, 0), 0.0);
        assert_eq!(share(1, 4), 25.0);
        assert_eq!(percent_text(share(2, 3)), "67 %");
    }

    #[test]
    fn sections_read_back_from_their_slugs() {
        for section in Section::ALL {
            assert_eq!(Section::parse(section.slug()), Some(section));
        }
        assert_eq!(Section::parse("users"), None);
    }
}
