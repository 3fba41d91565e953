//! `/stamps`: an organisation prints the stamps of a lot it made (never more than the lot can
//! carry), downloads the sheet again, and activates or deactivates each run; the province reads
//! every organisation's runs. Every run is logged with who printed it, how many and which range.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{Actor, DomainError, OrganisationId, Role, StampRun, StampRunId, StampState};
use nguon_gs1::Gtin;
use nguon_labels::{Layout, Symbology};
use nguon_store::{Registry, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::stamps::{self, PrintRequest, StampError};
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{not_found, writer};
use crate::ui::session::SignedIn;
use crate::ui::trace_page::vietnam_time;

/// Runs the page lists.
const PAGE_RUNS: u32 = 200;

/// One run as the list shows it.
struct RunRow {
    id: String,
    /// The organisation that printed it, shown to the province.
    organisation: String,
    lot: String,
    range: String,
    serials: String,
    count: u32,
    symbology: String,
    printed: String,
    state: String,
    can_activate: bool,
    can_deactivate: bool,
}

/// What the print form sends.
#[derive(Debug, Default, Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    gtin: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    symbology: String,
    #[serde(default)]
    layout: String,
}

/// The `/stamps` page.
#[derive(Template, WebTemplate)]
#[template(path = "stamps.html")]
struct StampsPage {
    chrome: Chrome,
    csrf: String,
    rows: Vec<RunRow>,
    /// The province sees every organisation's runs, so each row names its organisation.
    show_organisation: bool,
    can_print: bool,
    form: PrintForm,
    symbologies: Vec<(String, bool)>,
    layouts: Vec<(String, bool)>,
    error: Option<String>,
    printed: Option<String>,
}

fn may_change(who: &SignedIn, run: &StampRun) -> bool {
    who.user.access.role() == Role::ProvinceAdmin || writer(who) == Some(run.organisation)
}

fn row(tr: Tr, who: &SignedIn, run: &StampRun, organisation: String) -> RunRow {
    let changeable = may_change(who, run);
    RunRow {
        id: run.id.to_string(),
        organisation,
        lot: format!("(01){}(10){}", run.gtin.as_str(), run.lot),
        range: format!("{}–{}", run.first, run.last()),
        serials: format!("{} … {}", run.serial(run.first), run.serial(run.last())),
        count: run.count,
        symbology: run.symbology.clone(),
        printed: vietnam_time(run.printed_at),
        state: tr.t(&format!("stamps-state-{}", run.state.as_str())),
        can_activate: changeable && run.state == StampState::Printed,
        can_deactivate: changeable && run.state != StampState::Deactivated,
    }
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    form: PrintForm,
    error: Option<String>,
    printed: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let scope = who.user.access.organisation();
    if scope.is_none() && !who.user.access.sees_all_organisations() {
        return forbidden(who.lang, Some(who));
    }
    let runs = match state.store.list_stamp_runs(scope, PAGE_RUNS).await {
        Ok(runs) => runs,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    let mut names: HashMap<OrganisationId, String> = HashMap::new();
    for run in &runs {
        if let Entry::Vacant(slot) = names.entry(run.organisation) {
            match state.store.organisation(run.organisation).await {
                Ok(organisation) => slot.insert(organisation.name.to_string()),
                Err(error) => return UiError::from(error).into_page(who.lang),
            };
        }
    }
    let picked_symbology = Symbology::parse(&form.symbology).unwrap_or_default();
    let picked_layout = Layout::parse(&form.layout).unwrap_or(Layout::A4Grid3x8);
    let page = StampsPage {
        chrome: Chrome::signed_in(who, "/stamps"),
        csrf: who.session.csrf_token.clone(),
        rows: runs
            .iter()
            .map(|run| row(tr, who, run, names[&run.organisation].clone()))
            .collect(),
        show_organisation: scope.is_none(),
        can_print: writer(who).is_some(),
        symbologies: Symbology::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), *s == picked_symbology))
            .collect(),
        layouts: Layout::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), *l == picked_layout))
            .collect(),
        form,
        error,
        printed,
    };
    (status, page).into_response()
}

/// `GET /stamps`: the runs, and the form to print more.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Response {
    let form = PrintForm {
        count: "24".to_owned(),
        ..PrintForm::default()
    };
    page(&state, &who, form, None, None, StatusCode::OK).await
}

/// A refusal in the user's language: the cap with the remaining count, the rest as the rule
/// says it.
fn refusal(tr: Tr, error: &StampError) -> String {
    match error {
        StampError::Rule(DomainError::StampCapExceeded {
            cap,
            issued,
            remaining,
            asked,
        }) => tr.tn(
            "stamps-error-cap",
            &[
                ("cap", &cap.to_string()),
                ("issued", &issued.to_string()),
                ("remaining", &remaining.to_string()),
                ("asked", &asked.to_string()),
            ],
        ),
        StampError::Rule(DomainError::StampStateTransition { .. }) => tr.t("stamps-error-state"),
        StampError::UnknownLot(lot) => tr.t1("stamps-error-unknown-lot", "lot", lot),
        StampError::NotTheMaker(lot) => tr.t1("stamps-error-not-maker", "lot", lot),
        other => other.to_string(),
    }
}

/// `POST /stamps`: prints a run of a lot the organisation made, and shows it with its download.
pub async fn print(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<PrintForm>,
) -> Response {
    let Some(organisation) = writer(&who).filter(|_| who.csrf_ok(&form.csrf)) else {
        return forbidden(who.lang, Some(&who));
    };
    let tr = Tr { lang: who.lang };
    let request = (|| {
        let gtin = Gtin::parse(form.gtin.trim())
            .map_err(|e| tr.t1("trace-bad-gtin", "reason", &e.to_string()))?;
        let lot = form.lot.trim().to_owned();
        nguon_gs1::validate_value("10", &lot)
            .map_err(|e| tr.t1("trace-bad-lot", "reason", &e.to_string()))?;
        let count = form
            .count
            .trim()
            .parse::<u32>()
            .map_err(|_| tr.t("stamps-error-count"))?;
        Ok::<_, String>(PrintRequest {
            gtin,
            lot,
            count,
            symbology: Symbology::parse(&form.symbology).map_err(|e| e.to_string())?,
            layout: Layout::parse(&form.layout).map_err(|e| e.to_string())?,
        })
    })();
    let request = match request {
        Ok(request) => request,
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, &who, form, Some(message), None, status).await;
        }
    };
    match stamps::print(
        &state,
        &request,
        Some(organisation),
        Actor::User(who.user.id),
    )
    .await
    {
        Ok((run, _)) => Redirect::to(&format!("/stamps/{}", run.id)).into_response(),
        Err(StampError::Store(error)) => UiError::from(error).into_page(who.lang),
        Err(refused) => {
            let message = refusal(tr, &refused);
            let status = match refused {
                StampError::Rule(DomainError::StampCapExceeded { .. }) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(&state, &who, form, Some(message), None, status).await
        }
    }
}

/// A run the user may see, or the page that says why not.
async fn visible_run(state: &AppState, who: &SignedIn, id: &str) -> Result<StampRun, Response> {
    let Ok(id) = StampRunId::parse(id) else {
        return Err(not_found(who));
    };
    match state.store.stamp_run(id).await {
        Ok(run) if who.user.access.can_see_organisation(run.organisation) => Ok(run),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(not_found(who)),
        Err(error) => Err(UiError::from(error).into_page(who.lang)),
    }
}

/// `GET /stamps/{id}`: the list with this run's download offered first.
pub async fn printed(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match visible_run(&state, &who, &id).await {
        Ok(run) => {
            let form = PrintForm {
                count: "24".to_owned(),
                symbology: run.symbology.clone(),
                layout: run.layout.clone(),
                ..PrintForm::default()
            };
            let id = Some(run.id.to_string());
            page(&state, &who, form, None, id, StatusCode::OK).await
        }
        Err(response) => response,
    }
}

/// `GET /stamps/{id}/stamps.pdf`: the run's sheet, drawn again from its serials.
pub async fn sheet(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let run = match visible_run(&state, &who, &id).await {
        Ok(run) => run,
        Err(response) => return response,
    };
    let drawn = async {
        let product = state
            .store
            .find::<nguon_domain::ProductDetails>(run.gtin.as_str())
            .await?
            .map(|p| p.details);
        let labels = stamps::labels(&state, &run, product.as_ref())?;
        let symbology = Symbology::parse(&run.symbology)?;
        let layout = Layout::parse(&run.layout)?;
        Ok::<_, StampError>(nguon_labels::pdf(&labels, symbology, layout)?)
    }
    .await;
    match drawn {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"stamps-{}-{}.pdf\"",
                        run.lot, run.first
                    ),
                ),
            ],
            pdf,
        )
            .into_response(),
        Err(error) => UiError::Internal(error.to_string()).into_page(who.lang),
    }
}

/// What an activate or deactivate button sends.
#[derive(Debug, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /stamps/{id}/activate` and `/deactivate`: captures the run's (de)commissioning event
/// and records the state.
pub async fn change(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<StateForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let to = match action.as_str() {
        "activate" => StampState::Active,
        "deactivate" => StampState::Deactivated,
        _ => return not_found(&who),
    };
    let run = match visible_run(&state, &who, &id).await {
        Ok(run) => run,
        Err(response) => return response,
    };
    if !may_change(&who, &run) {
        return forbidden(who.lang, Some(&who));
    }
    match stamps::change_state(&state, &run, to, Actor::User(who.user.id)).await {
        Ok(_) => Redirect::to("/stamps").into_response(),
        Err(StampError::Store(error)) => UiError::from(error).into_page(who.lang),
        Err(refused) => {
            let message = refusal(Tr { lang: who.lang }, &refused);
            let form = PrintForm {
                count: "24".to_owned(),
                ..PrintForm::default()
            };
            page(
                &state,
                &who,
                form,
                Some(message),
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}
