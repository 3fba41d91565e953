//! The product-group catalogue page: province roles see it, the province admin adds groups and
//! renames them. Codes never change, since products and reports refer to them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, ApprovalStatus, ProductGroup, ProductGroupCode, ProductGroupDetails, RecordName,
};
use nguon_store::{RecordQuery, Registry, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{FieldErrors, reviewer, visible};
use crate::ui::session::SignedIn;

/// The catalogue page, with the form that adds a group or edits one.
#[derive(Template, WebTemplate)]
#[template(path = "product_groups.html")]
struct GroupsPage {
    chrome: Chrome,
    csrf: String,
    groups: Vec<ProductGroup>,
    can_edit: bool,
    /// The form's target: the list to add, a group's path to edit it.
    action: String,
    editing: bool,
    form: GroupForm,
    errors: FieldErrors,
}

/// What the group form sends.
#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    mandatory: Option<String>,
    #[serde(default)]
    csrf: String,
}

impl GroupForm {
    /// The form filled with a stored group.
    fn of(group: &ProductGroupDetails) -> Self {
        let checked = |on: bool| on.then(|| "on".to_owned());
        Self {
            code: group.code.as_str().to_owned(),
            name_vi: group.name_vi.as_str().to_owned(),
            name_en: group.name_en.as_str().to_owned(),
            key: checked(group.key),
            mandatory: checked(group.mandatory),
            csrf: String::new(),
        }
    }

    /// Reads every field, one message per bad field.
    fn parse(&self, tr: Tr) -> Result<ProductGroupDetails, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = errors.check("code", ProductGroupCode::parse(&self.code), |_| {
            tr.t("group-error-code")
        });
        let name_vi = errors.check(
            "name_vi",
            RecordName::parse("Vietnamese name", &self.name_vi),
            |_| tr.t("registry-error-name"),
        );
        let name_en = errors.check(
            "name_en",
            RecordName::parse("English name", &self.name_en),
            |_| tr.t("registry-error-name"),
        );
        match (code, name_vi, name_en) {
            (Some(code), Some(name_vi), Some(name_en)) => Ok(ProductGroupDetails {
                code,
                name_vi,
                name_en,
                key: self.key.is_some(),
                mandatory: self.mandatory.is_some(),
            }),
            _ => Err(errors),
        }
    }
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    editing: Option<&ProductGroup>,
    form: GroupForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let mut groups = match state
        .store
        .list::<ProductGroupDetails>(&RecordQuery::default())
        .await
    {
        Ok(groups) => groups,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    groups.sort_by(|a, b| a.details.code.cmp(&b.details.code));
    let action = match editing {
        Some(group) => format!("/admin/product-groups/{}", group.id),
        None => "/admin/product-groups".to_owned(),
    };
    let page = GroupsPage {
        chrome: Chrome::signed_in(who, &action),
        csrf: who.session.csrf_token.clone(),
        groups,
        can_edit: reviewer(who),
        action,
        editing: editing.is_some(),
        form,
        errors,
    };
    (status, page).into_response()
}

/// `GET /admin/product-groups`: the catalogue, for province roles.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Response {
    if !who.user.access.sees_all_organisations() {
        return forbidden(who.lang, Some(&who));
    }
    let form = GroupForm::default();
    page(
        &state,
        &who,
        None,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/product-groups`: the province admin adds a group, approved at once.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<GroupForm>,
) -> Response {
    if !reviewer(&who) || !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let details = match form.parse(tr) {
        Ok(details) => details,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, &who, None, form, errors, status).await;
        }
    };
    let actor = Actor::User(who.user.id);
    match state
        .store
        .register(None, &details, ApprovalStatus::Approved, actor)
        .await
    {
        Ok(_) => Redirect::to("/admin/product-groups").into_response(),
        Err(StoreError::Conflict { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add("code", tr.t("group-error-code-taken"));
            page(&state, &who, None, form, errors, StatusCode::CONFLICT).await
        }
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// `GET /admin/product-groups/{id}`: the catalogue with the group's form filled in.
pub async fn edit_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    if !reviewer(&who) {
        return forbidden(who.lang, Some(&who));
    }
    match visible::<ProductGroupDetails>(&state, &who, &id).await {
        Ok(group) => {
            let form = GroupForm::of(&group.details);
            page(
                &state,
                &who,
                Some(&group),
                form,
                FieldErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(refusal) => refusal.into_page(&who),
    }
}

/// `POST /admin/product-groups/{id}`: renames a group or changes its flags; its code stays.
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<GroupForm>,
) -> Response {
    if !reviewer(&who) || !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let group = match visible::<ProductGroupDetails>(&state, &who, &id).await {
        Ok(group) => group,
        Err(refusal) => return refusal.into_page(&who),
    };
    let tr = Tr { lang: who.lang };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let details = match form.parse(tr) {
        Ok(details) if details.code == group.details.code => details,
        Ok(_) => {
            let mut errors = FieldErrors::default();
            errors.add("code", tr.t("registry-error-key-fixed"));
            return page(&state, &who, Some(&group), form, errors, unprocessable).await;
        }
        Err(errors) => return page(&state, &who, Some(&group), form, errors, unprocessable).await,
    };
    match state
        .store
        .edit(group.id, &details, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/admin/product-groups").into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}
