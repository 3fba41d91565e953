//! `/links`: the resolver links an organisation keeps for its own keys, managed in the portal
//! as through `/api/v1/resolver/links`: what a scan of its GTIN, lot or serial may lead to
//! besides the automatic trace page and EPCIS query. Organisation users add and remove their
//! organisation's links; the province reads every link and its admin removes any (moderation).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{Actor, DomainError, NewResolverLink, ResolverLink, ResolverLinkId, Role};
use serde::Deserialize;

use crate::AppState;
use crate::resolver_api::check_owner;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{Choice, FieldErrors, not_found, writer};
use crate::ui::session::SignedIn;

/// The link types the form offers, with the message id of their label.
const LINK_TYPES: [(&str, &str); 6] = [
    ("gs1:pip", "links-type-pip"),
    ("gs1:certificationInfo", "links-type-certification"),
    ("gs1:recallStatus", "links-type-recall"),
    ("gs1:instructions", "links-type-instructions"),
    ("gs1:sustainabilityInfo", "links-type-sustainability"),
    ("gs1:promotion", "links-type-promotion"),
];

/// One stored link as the list shows it.
struct LinkRow {
    id: String,
    anchor: String,
    link_type: String,
    href: String,
    title: String,
    language: String,
    default: bool,
}

impl LinkRow {
    fn of(link: &ResolverLink) -> Self {
        Self {
            id: link.id.to_string(),
            anchor: link.link.anchor.clone(),
            link_type: link.link.link_type.as_str().to_owned(),
            href: link.link.href.clone(),
            title: link.link.title.clone(),
            language: link.link.hreflang.clone().unwrap_or_default(),
            default: link.link.is_default,
        }
    }
}

/// The `/links` page.
#[derive(Template, WebTemplate)]
#[template(path = "links.html")]
struct LinksPage {
    chrome: Chrome,
    csrf: String,
    rows: Vec<LinkRow>,
    can_add: bool,
    can_remove: bool,
    types: Vec<Choice>,
    form: LinkForm,
    errors: FieldErrors,
}

/// What the add form sends, kept as typed so a refused form shows it again.
#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    link_type: String,
    #[serde(default)]
    href: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    hreflang: String,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    csrf: String,
}

impl LinkForm {
    /// The link, or the first broken rule as a message beside its field.
    fn parse(&self, tr: Tr) -> Result<NewResolverLink, FieldErrors> {
        NewResolverLink::parse(
            &self.identifier,
            &self.link_type,
            &self.href,
            &self.title,
            Some("text/html"),
            Some(&self.hreflang),
            self.default.is_some(),
        )
        .map_err(|error| {
            let (field, message) = match error {
                DomainError::CodeSyntax {
                    field: "identifier",
                    ..
                } => ("identifier", "links-error-identifier"),
                DomainError::CodeSyntax {
                    field: "linkType", ..
                } => ("link_type", "links-error-type"),
                DomainError::CodeSyntax { field: "href", .. } => ("href", "links-error-href"),
                DomainError::CodeSyntax {
                    field: "hreflang", ..
                } => ("hreflang", "links-error-language"),
                _ => ("title", "links-error-title"),
            };
            let mut errors = FieldErrors::default();
            errors.add(field, tr.t(message));
            errors
        })
    }
}

/// Who may remove `link`: its organisation's users, and the province admin.
fn may_remove(who: &SignedIn, link: &ResolverLink) -> bool {
    who.user.access.role() == Role::ProvinceAdmin || writer(who) == Some(link.organisation)
}

async fn page(
    state: &AppState,
    who: &SignedIn,
    form: LinkForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let scope = who.user.access.organisation();
    if scope.is_none() && !who.user.access.sees_all_organisations() {
        return forbidden(who.lang, Some(who));
    }
    let links = match state.store.list_resolver_links(scope).await {
        Ok(links) => links,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    let picked = if form.link_type.is_empty() {
        "gs1:pip"
    } else {
        form.link_type.as_str()
    };
    let page = LinksPage {
        chrome: Chrome::signed_in(who, "/links"),
        csrf: who.session.csrf_token.clone(),
        can_remove: links.iter().any(|link| may_remove(who, link)),
        rows: links.iter().map(LinkRow::of).collect(),
        can_add: writer(who).is_some(),
        types: LINK_TYPES
            .iter()
            .map(|(value, label)| ((*value).to_owned(), tr.t(label), *value == picked))
            .collect(),
        form,
        errors,
    };
    (status, page).into_response()
}

/// `GET /links`: the organisation's links and the form to add one; for the province, every
/// organisation's links.
pub async fn list(State(state): State<AppState>, who: SignedIn) -> Response {
    let form = LinkForm {
        hreflang: who.lang.code().to_owned(),
        ..LinkForm::default()
    };
    page(&state, &who, form, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /links`: adds a link for a key the organisation holds.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<LinkForm>,
) -> Response {
    let Some(owner) = writer(&who).filter(|_| who.csrf_ok(&form.csrf)) else {
        return forbidden(who.lang, Some(&who));
    };
    let tr = Tr { lang: who.lang };
    let link = match form.parse(tr) {
        Ok(link) => link,
        Err(errors) => {
            return page(&state, &who, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let refused = |field: &'static str, message: String| {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    };
    if let Err(error) = check_owner(&state, owner, &link).await {
        return match error {
            crate::error::ApiError::BadRequest { .. } => {
                let errors = refused("identifier", tr.t("links-error-not-owned"));
                page(&state, &who, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            other => UiError::Internal(other.to_string()).into_page(who.lang),
        };
    }
    match state
        .store
        .create_resolver_link(owner, &link, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/links").into_response(),
        Err(nguon_store::StoreError::Conflict { what, .. }) => {
            let message = if what == "default" {
                "links-error-default-taken"
            } else {
                "links-error-duplicate"
            };
            let errors = refused("identifier", tr.t(message));
            page(&state, &who, form, errors, StatusCode::CONFLICT).await
        }
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// What a remove button sends.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /links/{id}/remove`: removes a link of the user's organisation (or, for the province
/// admin, any link).
pub async fn remove(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let Ok(id) = ResolverLinkId::parse(&id) else {
        return not_found(&who);
    };
    let link = match state.store.resolver_link(id).await {
        Ok(link) if who.user.access.can_see_organisation(link.organisation) => link,
        Ok(_) | Err(nguon_store::StoreError::NotFound { .. }) => return not_found(&who),
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    if !may_remove(&who, &link) {
        return forbidden(who.lang, Some(&who));
    }
    match state
        .store
        .delete_resolver_link(link.id, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/links").into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}
