//! A household's personal data in the portal (Law 91/2025/QH15): its current consent to publish
//! personal fields and the history of its statements, a form to record a new statement (or
//! withdraw), the data-subject export as a JSON download, and the irreversible erasure.
//!
//! The province's officers and the organisation's own users read the page; the province admin
//! and the organisation's admin record statements and erase. Other organisations' users get 404.
//! A legal body's page only offers the export: its name and address are published in full, and
//! only its users' accounts hold personal data.

use std::collections::BTreeSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, Consent, ConsentBasis, ErasureReason, NewConsent, Organisation, OrganisationKind,
    PersonalField,
};
use nguon_store::{StoreError, personal_data_export};
use serde::Deserialize;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::organisations::visible;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{FieldErrors, not_found};
use crate::ui::session::SignedIn;

/// One consent statement in the history.
struct StatementRow {
    at: String,
    fields: String,
    basis: String,
    by: String,
}

/// The personal-data page of one household.
#[derive(Template, WebTemplate)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name: String,
    current: String,
    history: Vec<StatementRow>,
    erased: Option<String>,
    household: bool,
    can_manage: bool,
    form: ConsentForm,
    errors: FieldErrors,
}

/// What the consent form sends: a checkbox per field and the evidence.
#[derive(Debug, Default, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    csrf: String,
}

impl ConsentForm {
    /// The fields ticked.
    fn fields(&self) -> BTreeSet<PersonalField> {
        [
            (PersonalField::Name, &self.name),
            (PersonalField::Address, &self.address),
            (PersonalField::Phone, &self.phone),
        ]
        .into_iter()
        .filter(|(_, ticked)| ticked.is_some())
        .map(|(field, _)| field)
        .collect()
    }
}

/// What the erasure form sends: the confirmation box, which must be ticked.
#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    csrf: String,
}

/// The organisation `id` if `who` may read its personal data.
async fn subject(state: &AppState, who: &SignedIn, id: &str) -> Result<Organisation, Response> {
    let organisation = visible(state, who, id).await?;
    if !who.user.access.can_read_personal_data(organisation.id) {
        return Err(not_found(who));
    }
    Ok(organisation)
}

/// The organisation `id` if `who` may record its consent and erase it, else the refusal.
async fn managed(state: &AppState, who: &SignedIn, id: &str) -> Result<Organisation, Response> {
    let organisation = subject(state, who, id).await?;
    if who.user.access.can_manage_personal_data(organisation.id) {
        Ok(organisation)
    } else {
        Err(forbidden(who.lang, Some(who)))
    }
}

/// The fields of a statement in words, or "none".
fn field_labels(tr: Tr, consent: Option<&Consent>) -> String {
    let labels: Vec<String> = consent
        .into_iter()
        .flat_map(|c| &c.fields)
        .map(|field| tr.t(&format!("privacy-field-{}", field.as_str())))
        .collect();
    if labels.is_empty() {
        tr.t("privacy-nothing-published")
    } else {
        labels.join(", ")
    }
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    organisation: &Organisation,
    form: ConsentForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let parts = async {
        let consents = state.store.consents(organisation.id).await?;
        let erasure = state.store.erasure(organisation.id).await?;
        Ok::<_, UiError>((consents, erasure))
    };
    let (consents, erasure) = match parts.await {
        Ok(parts) => parts,
        Err(error) => return error.into_page(who.lang),
    };
    let date = time::macros::format_description!("[day]/[month]/[year] [hour]:[minute]");
    let page = PrivacyPage {
        chrome: Chrome::signed_in(who, &format!("/organisations/{}", organisation.id)),
        csrf: who.session.csrf_token.clone(),
        id: organisation.id.to_string(),
        name: organisation.name.to_string(),
        current: field_labels(tr, consents.first()),
        history: consents
            .iter()
            .map(|consent| StatementRow {
                at: consent.recorded_at.format(&date).unwrap_or_default(),
                fields: field_labels(tr, Some(consent)),
                basis: consent.basis.as_str().to_owned(),
                by: consent.recorded_by.to_string(),
            })
            .collect(),
        erased: erasure.map(|e| e.erased_at.format(&date).unwrap_or_default()),
        household: organisation.kind == OrganisationKind::Household,
        can_manage: who.user.access.can_manage_personal_data(organisation.id),
        form,
        errors,
    };
    (status, page).into_response()
}

/// `GET /organisations/{id}/privacy`: the household's consent, its history and the actions.
pub async fn show(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match subject(&state, &who, &id).await {
        Ok(organisation) => {
            page(
                &state,
                &who,
                &organisation,
                ConsentForm::default(),
                FieldErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(refusal) => refusal,
    }
}

/// `POST /organisations/{id}/privacy/consent`: records the statement the form describes (no box
/// ticked withdraws every consent), audited, and returns to the page.
pub async fn record_consent(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let organisation = match managed(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    let tr = Tr { lang: who.lang };
    let mut errors = FieldErrors::default();
    let basis = errors.check("basis", ConsentBasis::parse(&form.basis), |_| {
        tr.t("privacy-error-basis")
    });
    let new = basis.and_then(|basis| {
        errors.check(
            "fields",
            NewConsent::new(&organisation, form.fields(), basis),
            |_| tr.t("privacy-not-household"),
        )
    });
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(&state, &who, &organisation, form, errors, status).await;
    };
    match state
        .store
        .record_consent(&new, Actor::User(who.user.id))
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/organisations/{}/privacy", organisation.id)).into_response()
        }
        Err(StoreError::Conflict { .. }) => StatusCode::CONFLICT.into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// `GET /organisations/{id}/privacy/export`: the data-subject export, as a JSON download.
pub async fn export(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let organisation = match subject(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    match personal_data_export(&*state.store, organisation.id).await {
        Ok(export) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"personal-data-{}.json\"",
                        organisation.id
                    ),
                ),
            ],
            serde_json::to_string_pretty(&export).unwrap_or_default(),
        )
            .into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// `POST /organisations/{id}/privacy/erase`: pseudonymises the household once the confirmation
/// box is ticked; irreversible.
pub async fn erase(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<EraseForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let organisation = match managed(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    let tr = Tr { lang: who.lang };
    let refusal = if organisation.kind != OrganisationKind::Household {
        Some(tr.t("privacy-not-household"))
    } else if form.confirm.is_none() {
        Some(tr.t("privacy-error-confirm"))
    } else {
        None
    };
    if let Some(message) = refusal {
        let mut errors = FieldErrors::default();
        errors.add("confirm", message);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(
            &state,
            &who,
            &organisation,
            ConsentForm::default(),
            errors,
            status,
        )
        .await;
    }
    match state
        .store
        .erase_personal_data(
            organisation.id,
            ErasureReason::Request,
            Actor::User(who.user.id),
        )
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/organisations/{}/privacy", organisation.id)).into_response()
        }
        Err(StoreError::Conflict { .. }) => StatusCode::CONFLICT.into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}
