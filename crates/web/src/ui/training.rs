//! Training records: province roles see the sessions and the organisations they reached (which
//! feed the dashboard's "reached" indicator); the province admin records a session and its
//! participants, and corrects one later.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, NewTraining, Organisation, OrganisationId, Participant, ProductGroupCode,
    ProductGroupDetails, RecordName, Training, TrainingId,
};
use nguon_store::{OrganisationQuery, StoreError};
use time::Date;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{FieldErrors, not_found, optional_product_group, product_groups};
use crate::ui::session::SignedIn;

/// Every organisation, in registration order, read page by page.
pub async fn all_organisations(state: &AppState) -> Result<Vec<Organisation>, StoreError> {
    let mut organisations = Vec::new();
    let mut query = OrganisationQuery {
        limit: OrganisationQuery::MAX_LIMIT,
        ..OrganisationQuery::default()
    };
    loop {
        let page = state.store.list_organisations(&query).await?;
        organisations.extend(page.organisations);
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => return Ok(organisations),
        }
    }
}

/// What the session form sends: the fixed fields, and `people-<organisation id>` for each
/// organisation that came (blank for the others). Read as pairs, since the names are dynamic.
#[derive(Debug, Default)]
pub struct TrainingForm {
    title: String,
    held_on: String,
    place: String,
    product_group: String,
    people: HashMap<String, String>,
    csrf: String,
}

/// The prefix of the participant fields.
const PEOPLE: &str = "people-";

impl TrainingForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "title" => form.title = value,
                "held_on" => form.held_on = value,
                "place" => form.place = value,
                "product_group" => form.product_group = value,
                "csrf" => form.csrf = value,
                _ => {
                    if let Some(id) = name.strip_prefix(PEOPLE) {
                        form.people.insert(id.to_owned(), value);
                    }
                }
            }
        }
        form
    }

    /// The form filled with a stored session.
    fn of(training: &Training) -> Self {
        let details = &training.details;
        Self {
            title: details.title.to_string(),
            held_on: details.held_on.to_string(),
            place: details.place.to_string(),
            product_group: details
                .product_group
                .as_ref()
                .map(|g| g.as_str().to_owned())
                .unwrap_or_default(),
            people: details
                .participants
                .iter()
                .map(|p| (p.organisation.to_string(), p.people().to_string()))
                .collect(),
            csrf: String::new(),
        }
    }

    /// What was typed for `organisation`.
    fn people_of(&self, organisation: OrganisationId) -> &str {
        self.people
            .get(&organisation.to_string())
            .map_or("", String::as_str)
    }

    /// Reads every field against the registered organisations, one message per bad field.
    fn parse(&self, tr: Tr, organisations: &[Organisation]) -> Result<NewTraining, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", RecordName::parse("title", &self.title), |_| {
            tr.t("registry-error-name")
        });
        let place = errors.check("place", RecordName::parse("place", &self.place), |_| {
            tr.t("registry-error-name")
        });
        let held_on = errors.check("held_on", parse_date(&self.held_on), |_| {
            tr.t("training-error-date")
        });
        let group = optional_product_group(&mut errors, tr, &self.product_group);
        let mut participants = Vec::new();
        for organisation in organisations {
            let typed = self.people_of(organisation.id).trim();
            if typed.is_empty() {
                continue;
            }
            let parsed = typed
                .parse::<u32>()
                .map_err(|_| ())
                .and_then(|people| Participant::new(organisation.id, people).map_err(|_| ()));
            match parsed {
                Ok(participant) => participants.push(participant),
                Err(()) => errors.add(
                    "participants",
                    tr.t1(
                        "training-error-people",
                        "organisation",
                        organisation.name.as_str(),
                    ),
                ),
            }
        }
        if participants.is_empty() && errors.get("participants").is_none() {
            errors.add("participants", tr.t("training-error-none"));
        }
        match (title, held_on, place, group) {
            (Some(title), Some(held_on), Some(place), Some(group)) if errors.is_empty() => {
                NewTraining::new(title, held_on, place, group, participants).map_err(|_| {
                    let mut errors = FieldErrors::default();
                    errors.add("participants", tr.t("training-error-none"));
                    errors
                })
            }
            _ => Err(errors),
        }
    }
}

/// A date typed as `YYYY-MM-DD` (what a date input sends).
fn parse_date(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

/// One session as the list shows it.
struct SessionRow {
    id: TrainingId,
    title: String,
    held_on: String,
    place: String,
    group: String,
    organisations: usize,
    people: u32,
}

/// One organisation's line in the form.
struct ParticipantField {
    id: OrganisationId,
    name: String,
    people: String,
}

/// The training page: the sessions, and the form to record or correct one.
#[derive(Template, WebTemplate)]
#[template(path = "training.html")]
struct TrainingPage {
    chrome: Chrome,
    csrf: String,
    sessions: Vec<SessionRow>,
    reached: u64,
    can_edit: bool,
    action: String,
    editing: bool,
    form: TrainingForm,
    groups: Vec<(String, String)>,
    participants: Vec<ParticipantField>,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    editing: Option<TrainingId>,
    form: TrainingForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let tr = Tr { lang: who.lang };
    let sessions = state.store.list_trainings().await?;
    let reached = state.store.organisations_reached().await?;
    let groups = product_groups(state).await?;
    let organisations = all_organisations(state).await?;
    let group_name = |code: &ProductGroupCode| {
        groups
            .iter()
            .find(|g| g.code == *code)
            .map_or_else(|| code.to_string(), |g| group_label(tr, g))
    };
    let rows = sessions
        .iter()
        .map(|session| SessionRow {
            id: session.id,
            title: session.details.title.to_string(),
            held_on: session.details.held_on.to_string(),
            place: session.details.place.to_string(),
            group: session
                .details
                .product_group
                .as_ref()
                .map(group_name)
                .unwrap_or_default(),
            organisations: session.details.participants.len(),
            people: session.details.people(),
        })
        .collect();
    let action = match editing {
        Some(id) => format!("/admin/training/{id}"),
        None => "/admin/training".to_owned(),
    };
    let participants = organisations
        .iter()
        .map(|organisation| ParticipantField {
            id: organisation.id,
            name: organisation.name.to_string(),
            people: form.people_of(organisation.id).to_owned(),
        })
        .collect();
    let page = TrainingPage {
        chrome: Chrome::signed_in(who, &action),
        csrf: who.session.csrf_token.clone(),
        sessions: rows,
        reached,
        can_edit: who.user.access.can_manage_outreach(),
        action,
        editing: editing.is_some(),
        form,
        groups: groups
            .iter()
            .map(|g| (g.code.to_string(), group_label(tr, g)))
            .collect(),
        participants,
        errors,
    };
    Ok((status, page).into_response())
}

/// A product group as pickers show it: its name in the user's language and its code.
pub fn group_label(tr: Tr, group: &ProductGroupDetails) -> String {
    let name = match tr.lang {
        crate::ui::i18n::Lang::Vi => group.name_vi.as_str(),
        crate::ui::i18n::Lang::En => group.name_en.as_str(),
    };
    format!("{name} ({})", group.code)
}

fn answer(who: &SignedIn, result: Result<Response, UiError>) -> Response {
    result.unwrap_or_else(|error| error.into_page(who.lang))
}

/// `GET /admin/training`: the sessions, for province roles.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Response {
    if !who.user.access.can_read_plan_dashboard() {
        return forbidden(who.lang, Some(&who));
    }
    let form = TrainingForm::default();
    let result = page(
        &state,
        &who,
        None,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await;
    answer(&who, result)
}

/// `GET /admin/training/{id}`: the sessions with one session's form filled in.
pub async fn edit_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    if !who.user.access.can_manage_outreach() {
        return forbidden(who.lang, Some(&who));
    }
    let Ok(id) = TrainingId::parse(&id) else {
        return not_found(&who);
    };
    let training = match state.store.training(id).await {
        Ok(training) => training,
        Err(StoreError::NotFound { .. }) => return not_found(&who),
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    let form = TrainingForm::of(&training);
    let result = page(
        &state,
        &who,
        Some(id),
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await;
    answer(&who, result)
}

/// Checks the role and the token, then the fields; the page again with the errors when one is
/// bad, keeping what was typed.
async fn save(
    state: &AppState,
    who: &SignedIn,
    editing: Option<TrainingId>,
    pairs: Vec<(String, String)>,
) -> Result<Response, UiError> {
    let form = TrainingForm::from_pairs(pairs);
    if !who.user.access.can_manage_outreach() || !who.csrf_ok(&form.csrf) {
        return Ok(forbidden(who.lang, Some(who)));
    }
    let tr = Tr { lang: who.lang };
    let organisations = all_organisations(state).await?;
    let new = match form.parse(tr, &organisations) {
        Ok(new) => new,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(state, who, editing, form, errors, status).await;
        }
    };
    let actor = Actor::User(who.user.id);
    let saved = match editing {
        Some(id) => state.store.update_training(id, &new, actor).await,
        None => state.store.create_training(&new, actor).await,
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/admin/training").into_response()),
        Err(StoreError::NotFound {
            what: "training session",
            ..
        }) => Ok(not_found(who)),
        Err(error) => Err(error.into()),
    }
}

/// `POST /admin/training`: records a session.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = save(&state, &who, None, pairs).await;
    answer(&who, result)
}

/// `POST /admin/training/{id}`: corrects a session and its participants.
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = TrainingId::parse(&id) else {
        return not_found(&who);
    };
    let result = save(&state, &who, Some(id), pairs).await;
    answer(&who, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_date_inputs_send_them() {
        assert_eq!(
            parse_date("2026-03-12").unwrap(),
            time::macros::date!(2026 - 03 - 12)
        );
        assert!(parse_date("12/03/2026").is_err());
        assert!(parse_date("2026-02-30").is_err());
    }
}
