//! Data quality in the portal: a lot's score with its breakdown (shown on its trace page), and
//! `/quality`, which sums the stored scores up: every organisation with its lots, mean and
//! lowest score for the province's roles, and an organisation's own lots for its roles.
//!
//! `/quality` reads stored scores only; each row says when its score was computed. Scores are
//! recomputed when events naming the lot are captured, when its page is opened, and by
//! `nguon quality refresh`, so events about related lots reach a score at the next of these.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use nguon_domain::{Bilingual, LotQuality, OrganisationId, QualitySection};
use nguon_gs1::percent_encode;
use nguon_trace::Identifier;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::UiError;
use crate::ui::session::SignedIn;
use crate::ui::trace_page::{number, vietnam_time, what};

/// Most lots listed on `/quality`: the worst first, so the ones to fix are on the page.
const LOTS_SHOWN: u32 = 200;

/// The province's worst lots listed under the organisations.
const WORST_SHOWN: u32 = 20;

/// A lot's score as the page shows it.
pub struct QualityView {
    /// 0 to 100.
    pub score: u8,
    /// `good`, `fair` or `poor`: the colour of the score.
    pub band: &'static str,
    /// The chain template it was judged against, in words.
    pub chain: Option<String>,
    /// The breakdown, section by section; sections without lines are left out.
    pub sections: Vec<SectionView>,
    /// When it was computed, Vietnam time.
    pub computed_at: String,
}

/// One section of a breakdown.
pub struct SectionView {
    /// Its title.
    pub title: String,
    /// The points its lines cost together.
    pub lost: u32,
    /// Its lines, missing first.
    pub lines: Vec<LineView>,
}

/// One line of a breakdown.
pub struct LineView {
    /// What was checked.
    pub label: String,
    /// Whether it was there.
    pub present: bool,
    /// Why it is missing, or what the finding says.
    pub reason: String,
    /// The points it cost.
    pub deduction: u8,
}

/// The wording of `text` in `lang`.
fn words(lang: Lang, text: &Bilingual) -> &str {
    match lang {
        Lang::Vi => &text.vi,
        Lang::En => &text.en,
    }
}

/// The colour band of a score: 80 and up good, 50 and up fair, poor below.
fn band(score: u8) -> &'static str {
    match score {
        80.. => "good",
        50.. => "fair",
        _ => "poor",
    }
}

impl QualityView {
    /// `quality` in the user's language.
    pub fn of(tr: Tr, quality: &LotQuality) -> Self {
        let score = &quality.score;
        let sections = QualitySection::ALL
            .into_iter()
            .filter_map(|section| {
                let mut lines: Vec<LineView> = score
                    .section(section)
                    .map(|line| LineView {
                        label: words(tr.lang, &line.label).to_owned(),
                        present: line.present,
                        reason: line
                            .reason
                            .as_ref()
                            .map(|r| words(tr.lang, r).to_owned())
                            .unwrap_or_default(),
                        deduction: line.deduction,
                    })
                    .collect();
                if lines.is_empty() {
                    return None;
                }
                // Gaps first, the costliest on top; what is there keeps its order.
                lines.sort_by_key(|line| (line.present, std::cmp::Reverse(line.deduction)));
                Some(SectionView {
                    title: tr.t(&format!("quality-section-{}", section.as_str())),
                    lost: lines.iter().map(|line| u32::from(line.deduction)).sum(),
                    lines,
                })
            })
            .collect();
        Self {
            score: score.score,
            band: band(score.score),
            chain: score.chain.as_deref().map(|id| {
                crate::quality::CHAINS
                    .get(id)
                    .map(|template| match tr.lang {
                        Lang::Vi => template.name().vi.clone(),
                        Lang::En => template.name().en.clone(),
                    })
                    .unwrap_or_else(|| id.to_owned())
            }),
            sections,
            computed_at: vietnam_time(quality.computed_at),
        }
    }
}

/// The `/quality` page.
#[derive(Template, WebTemplate)]
#[template(path = "quality.html")]
struct QualityPage {
    chrome: Chrome,
    /// Per organisation, for the province's roles; empty for an organisation's.
    organisations: Vec<OrganisationRow>,
    /// The province's worst lots, or all of an organisation's lots, worst first.
    lots: Vec<LotRow>,
    /// Whether the page is the province's.
    province: bool,
}

/// One organisation's scores summed up.
struct OrganisationRow {
    name: String,
    lots: String,
    mean: String,
    mean_band: &'static str,
    lowest: u8,
    lowest_band: &'static str,
    worst_href: String,
    worst: String,
    oldest: String,
}

/// One scored lot.
struct LotRow {
    href: String,
    what: String,
    organisation: String,
    score: u8,
    band: &'static str,
    /// The first gap or finding that cost the most.
    main_gap: String,
    computed_at: String,
}

/// `GET /quality`: the province's roles see every organisation and the worst lots; an
/// organisation's roles see their own lots only.
pub async fn page(State(state): State<AppState>, who: SignedIn) -> Response {
    let tr = Tr { lang: who.lang };
    match rows(&state, tr, &who).await {
        Ok((organisations, lots)) => QualityPage {
            chrome: Chrome::signed_in(&who, "/quality"),
            organisations,
            lots,
            province: who.user.access.sees_all_organisations(),
        }
        .into_response(),
        Err(error) => error.into_page(who.lang),
    }
}

async fn rows(
    state: &AppState,
    tr: Tr,
    who: &SignedIn,
) -> Result<(Vec<OrganisationRow>, Vec<LotRow>), UiError> {
    let store = &*state.store;
    let mut names = Names::default();
    if !who.user.access.sees_all_organisations() {
        // Every organisation role has its organisation; a role with neither sees nothing.
        let Some(own) = who.user.access.organisation() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let lots = store.lowest_lot_qualities(Some(own), LOTS_SHOWN).await?;
        let mut rows = Vec::with_capacity(lots.len());
        for lot in &lots {
            rows.push(lot_row(state, tr, &mut names, lot).await?);
        }
        return Ok((Vec::new(), rows));
    }
    let mut organisations = Vec::new();
    for summary in store.quality_by_organisation().await? {
        let mean = summary.mean.round().clamp(0.0, 100.0) as u8;
        organisations.push(OrganisationRow {
            name: names.get(state, tr, summary.organisation).await?,
            lots: number(tr.lang, summary.lots as f64),
            mean: number(tr.lang, (summary.mean * 10.0).round() / 10.0),
            mean_band: band(mean),
            lowest: summary.lowest,
            lowest_band: band(summary.lowest),
            worst_href: lot_href(&summary.worst),
            worst: lot_words(tr, &summary.worst),
            oldest: vietnam_time(summary.oldest),
        });
    }
    let mut lots = Vec::new();
    for lot in &store.lowest_lot_qualities(None, WORST_SHOWN).await? {
        lots.push(lot_row(state, tr, &mut names, lot).await?);
    }
    Ok((organisations, lots))
}

async fn lot_row(
    state: &AppState,
    tr: Tr,
    names: &mut Names,
    lot: &LotQuality,
) -> Result<LotRow, UiError> {
    let main_gap = lot
        .score
        .lines
        .iter()
        .filter(|line| line.deduction > 0)
        .max_by_key(|line| line.deduction)
        .map(|line| {
            let label = words(tr.lang, &line.label);
            match &line.reason {
                Some(reason) if line.section == QualitySection::Findings => {
                    words(tr.lang, reason).to_owned()
                }
                _ => label.to_owned(),
            }
        })
        .unwrap_or_default();
    Ok(LotRow {
        href: lot_href(&lot.identifier),
        what: lot_words(tr, &lot.identifier),
        organisation: names.get(state, tr, lot.organisation).await?,
        score: lot.score.score,
        band: band(lot.score.score),
        main_gap,
        computed_at: vietnam_time(lot.computed_at),
    })
}

/// The trace page of a stored identifier.
fn lot_href(identifier: &str) -> String {
    format!("/trace/{}", percent_encode(identifier))
}

/// A stored identifier in a few words.
fn lot_words(tr: Tr, identifier: &str) -> String {
    Identifier::parse(identifier)
        .map(|id| what(tr, &id))
        .unwrap_or_else(|_| identifier.to_owned())
}

/// Organisation names, each looked up once.
#[derive(Default)]
pub(super) struct Names(std::collections::HashMap<OrganisationId, String>);

impl Names {
    /// The name of `id`, or a placeholder for an unknown organisation.
    pub(super) async fn get(
        &mut self,
        state: &AppState,
        tr: Tr,
        id: Option<OrganisationId>,
    ) -> Result<String, UiError> {
        let Some(id) = id else {
            return Ok(tr.t("quality-unknown-organisation"));
        };
        if let Some(name) = self.0.get(&id) {
            return Ok(name.clone());
        }
        let name = state.store.organisation(id).await?.name.to_string();
        self.0.insert(id, name.clone());
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_fall_in_bands_at_80_and_50() {
        assert_eq!(
            [100, 80, 79, 50, 49, 0].map(band),
            ["good", "good", "fair", "fair", "poor", "poor"]
        );
    }
}
