//! `/stamps/scans`: how the public scanned an organisation's codes and which codes look
//! counterfeit (the signals of [`nguon_domain::flag`]), for the organisation's roles; every
//! organisation's, and codes nobody registered, for the province's.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use nguon_domain::{ScanSignal, ScanTally};
use nguon_gs1::percent_encode;
use serde::Deserialize;

use crate::AppState;
use crate::scans::{DEFAULT_DAYS, report};
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::quality_page::Names;
use crate::ui::session::SignedIn;
use crate::ui::trace_page::{number, vietnam_time};

/// The windows the page offers, in days.
const WINDOWS: [u32; 4] = [7, 30, 90, 365];

/// Most rows each table shows: the most doubted codes and the most scanned lots first.
const ROWS_SHOWN: usize = 200;

/// What the window form sends; a window not offered falls back to the default.
#[derive(Debug, Deserialize)]
pub struct WindowQuery {
    days: Option<String>,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "scans.html")]
struct ScansPage {
    chrome: Chrome,
    /// `(days, picked)` for the window selector.
    windows: Vec<(u32, bool)>,
    summary: String,
    thresholds: String,
    flagged: Vec<FlaggedRow>,
    lots: Vec<LotRow>,
    show_organisation: bool,
}

/// A doubted code.
struct FlaggedRow {
    code: String,
    organisation: String,
    scans: String,
    seen: String,
    places: String,
    signals: Vec<String>,
}

/// A lot's scans.
struct LotRow {
    href: String,
    code: String,
    organisation: String,
    scans: String,
    serials: String,
    flagged: u64,
    last: String,
}

/// `GET /stamps/scans?days=N`.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Query(query): Query<WindowQuery>,
) -> Response {
    let scope = who.user.access.organisation();
    let province = who.user.access.sees_all_organisations();
    if scope.is_none() && !province {
        return forbidden(who.lang, Some(&who));
    }
    let days = query
        .days
        .and_then(|d| d.parse().ok())
        .filter(|d| WINDOWS.contains(d))
        .unwrap_or(DEFAULT_DAYS);
    match rows(&state, &who, scope, days).await {
        Ok(page) => page.into_response(),
        Err(error) => error.into_page(who.lang),
    }
}

async fn rows(
    state: &AppState,
    who: &SignedIn,
    scope: Option<nguon_domain::OrganisationId>,
    days: u32,
) -> Result<ScansPage, UiError> {
    let tr = Tr { lang: who.lang };
    let thresholds = state.resolver.scan_thresholds;
    let report = report(state, scope, days, thresholds).await?;
    let mut names = Names::default();
    let mut flagged = Vec::new();
    for code in report.flagged.iter().take(ROWS_SHOWN) {
        let tally = &code.tally;
        flagged.push(FlaggedRow {
            code: element_string(tally),
            organisation: owner(state, tr, &mut names, tally.organisation).await?,
            scans: number(tr.lang, tally.scans as f64),
            seen: format!(
                "{} – {}",
                vietnam_time(tally.first),
                vietnam_time(tally.last)
            ),
            places: number(tr.lang, tally.places as f64),
            signals: code.signals.iter().map(|s| signal_text(tr, s)).collect(),
        });
    }
    let mut lots = Vec::new();
    for lot in report.lots.iter().take(ROWS_SHOWN) {
        let code = match &lot.lot {
            Some(number) => format!("(01){}(10){number}", lot.gtin),
            None => format!("(01){}", lot.gtin),
        };
        lots.push(LotRow {
            href: format!("/trace/{}", percent_encode(&code)),
            code,
            organisation: owner(state, tr, &mut names, lot.organisation).await?,
            scans: number(tr.lang, lot.scans as f64),
            serials: number(tr.lang, lot.serials as f64),
            flagged: lot.flagged,
            last: vietnam_time(lot.last),
        });
    }
    Ok(ScansPage {
        chrome: Chrome::signed_in(who, "/stamps"),
        windows: WINDOWS.iter().map(|w| (*w, *w == days)).collect(),
        summary: tr.tn(
            "scans-summary",
            &[
                ("scans", &number(tr.lang, report.scans as f64)),
                ("days", &days.to_string()),
                ("flagged", &report.flagged.len().to_string()),
            ],
        ),
        thresholds: tr.tn(
            "scans-thresholds",
            &[
                ("scans", &thresholds.copied_after.to_string()),
                ("days", &thresholds.spread_days.to_string()),
                ("places", &thresholds.spread_places.to_string()),
            ],
        ),
        flagged,
        lots,
        show_organisation: scope.is_none(),
    })
}

/// Who registered the GTIN, or that nobody did.
async fn owner(
    state: &AppState,
    tr: Tr,
    names: &mut Names,
    organisation: Option<nguon_domain::OrganisationId>,
) -> Result<String, UiError> {
    match organisation {
        Some(_) => names.get(state, tr, organisation).await,
        None => Ok(tr.t("scans-unregistered")),
    }
}

/// A tally's code as an element string.
fn element_string(tally: &ScanTally) -> String {
    let mut code = format!("(01){}", tally.gtin);
    if let Some(lot) = &tally.lot {
        code.push_str(&format!("(10){lot}"));
    }
    if let Some(serial) = &tally.serial {
        code.push_str(&format!("(21){serial}"));
    }
    code
}

/// One signal in words.
fn signal_text(tr: Tr, signal: &ScanSignal) -> String {
    let id = format!("scan-signal-{}", signal.name());
    let n = |value: u64| value.to_string();
    match signal {
        ScanSignal::BeforeActivation { scans }
        | ScanSignal::AfterDeactivation { scans }
        | ScanSignal::AfterRecall { scans }
        | ScanSignal::UnknownSerial { scans } => tr.t1(&id, "scans", &n(*scans)),
        ScanSignal::OverThreshold { scans, threshold } => {
            tr.tn(&id, &[("scans", &n(*scans)), ("threshold", &n(*threshold))])
        }
        ScanSignal::SpreadInTime { days, threshold } => tr.tn(
            &id,
            &[
                ("days", &days.to_string()),
                ("threshold", &threshold.to_string()),
            ],
        ),
        ScanSignal::SpreadInPlace { places, threshold } => tr.tn(
            &id,
            &[("places", &n(*places)), ("threshold", &n(*threshold))],
        ),
        ScanSignal::TwoLots { lots } => tr.t1(&id, "lots", &lots.join(", ")),
    }
}
