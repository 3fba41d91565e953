//! Partner systems in the portal.
//!
//! `/partners` is an organisation's sharing page: the grants it gave partner systems (capture on
//! its behalf, read its events), live and revoked, with the forms to grant and revoke (its admin
//! only), and the capture jobs partners sent for it, refused ones with the reason. `/admin/partners`
//! is the province's registry of partner systems: register one, issue and revoke its API keys
//! (a new key is shown once), suspend and reinstate it; inspectors read it.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, ApiKeyId, ApiKeyScope, DomainError, Grant, GrantId, NewApiKey, NewPartner,
    OrganisationId, Partner, PartnerId, PartnerKind, PartnerStatus, Permission,
};
use nguon_store::{GrantFilter, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{Choice, FieldErrors, not_found};
use crate::ui::session::SignedIn;
use crate::ui::trace_page::vietnam_time;

/// How many of the partners' latest capture jobs the sharing page shows.
const RECENT_JOBS: usize = 10;

/// How many of the organisation's latest capture jobs the sharing page looks through for those
/// partners sent: an organisation capturing much with its own key pushes older ones out.
const JOBS_SCANNED: u32 = 200;

/// A partner's kind in the user's language.
fn kind_label(tr: Tr, kind: PartnerKind) -> String {
    tr.t(&format!("partners-kind-{}", kind.as_str()))
}

/// A permission in the user's language.
fn permission_label(tr: Tr, permission: Permission) -> String {
    tr.t(&format!("sharing-permission-{}", permission.as_str()))
}

/// One grant as the sharing page lists it.
struct GrantRow {
    id: String,
    partner: String,
    permission: String,
    granted_at: String,
    /// When it was revoked, in words; `None` while live.
    revoked_at: Option<String>,
}

/// One capture job a partner sent for the organisation.
struct JobRow {
    partner: String,
    created_at: String,
    /// "stored 12 of 12", "still running" or "refused".
    outcome: String,
    ok: bool,
    /// Why nothing (or not everything) was stored, as the job says.
    errors: Vec<String>,
}

/// The organisation's sharing page.
#[derive(Template, WebTemplate)]
#[template(path = "partners.html")]
struct SharingPage {
    chrome: Chrome,
    csrf: String,
    organisation: String,
    /// Its id, which a partner names in `Nguon-Organisation`.
    organisation_id: String,
    can_manage: bool,
    grants: Vec<GrantRow>,
    jobs: Vec<JobRow>,
    partners: Vec<Choice>,
    form: GrantForm,
    errors: FieldErrors,
    done: Option<String>,
}

/// What the grant form sends.
#[derive(Debug, Default, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    partner: String,
    #[serde(default)]
    capture: Option<String>,
    #[serde(default)]
    read: Option<String>,
    #[serde(default)]
    csrf: String,
}

/// The organisation of an organisation user; `None` for province users.
fn own_organisation(who: &SignedIn) -> Option<OrganisationId> {
    who.user.access.organisation()
}

/// `GET /partners`: the organisation's grants and partner jobs; province users go to the
/// partner registry.
pub async fn sharing(State(state): State<AppState>, who: SignedIn) -> Response {
    if who.user.access.sees_all_organisations() {
        return Redirect::to("/admin/partners").into_response();
    }
    let Some(organisation) = own_organisation(&who) else {
        return forbidden(who.lang, Some(&who));
    };
    let form = GrantForm {
        read: Some("on".into()),
        ..GrantForm::default()
    };
    sharing_page(
        &state,
        &who,
        organisation,
        form,
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn sharing_page(
    state: &AppState,
    who: &SignedIn,
    organisation: OrganisationId,
    form: GrantForm,
    errors: FieldErrors,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    match sharing_view(state, who, organisation, form, errors, done).await {
        Ok(page) => (status, page).into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

async fn sharing_view(
    state: &AppState,
    who: &SignedIn,
    organisation: OrganisationId,
    form: GrantForm,
    errors: FieldErrors,
    done: Option<String>,
) -> Result<SharingPage, StoreError> {
    let tr = Tr { lang: who.lang };
    let partners = state.store.list_partners().await?;
    let names: HashMap<PartnerId, String> = partners
        .iter()
        .map(|partner| (partner.id, partner.name.to_string()))
        .collect();
    let name_of = |id: PartnerId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let grants = state
        .store
        .list_grants(&GrantFilter {
            organisation: Some(organisation),
            ..GrantFilter::default()
        })
        .await?;
    let jobs = state
        .store
        .list_capture_jobs(Some(organisation), None, JOBS_SCANNED)
        .await?;
    let jobs = jobs
        .into_iter()
        .filter_map(|job| Some((job.partner?, job)))
        .take(RECENT_JOBS)
        .map(|(partner, job)| {
            let (outcome, ok) = if job.running {
                (tr.t("sharing-job-running"), true)
            } else {
                (
                    tr.tn(
                        "sharing-job-stored",
                        &[
                            ("stored", &job.captured_count.to_string()),
                            ("sent", &job.event_count.to_string()),
                        ],
                    ),
                    job.success == Some(true),
                )
            };
            JobRow {
                partner: name_of(partner),
                created_at: vietnam_time(job.created_at),
                outcome,
                ok,
                errors: job.errors,
            }
        })
        .collect();
    let picked = form.partner.trim().to_owned();
    Ok(SharingPage {
        chrome: Chrome::signed_in(who, "/partners"),
        csrf: who.session.csrf_token.clone(),
        organisation: who
            .organisation
            .as_ref()
            .map(|o| o.name.as_str().to_owned())
            .unwrap_or_default(),
        organisation_id: organisation.to_string(),
        can_manage: who.user.access.can_manage_grants(organisation),
        grants: grants
            .iter()
            .map(|grant| GrantRow {
                id: grant.id.to_string(),
                partner: name_of(grant.partner),
                permission: permission_label(tr, grant.permission),
                granted_at: vietnam_time(grant.granted_at),
                revoked_at: grant.revoked_at.map(vietnam_time),
            })
            .collect(),
        jobs,
        partners: partners
            .iter()
            .filter(|partner| partner.status == PartnerStatus::Active)
            .map(|partner| {
                let id = partner.id.to_string();
                let label = format!("{} ({})", partner.name, kind_label(tr, partner.kind));
                let selected = id == picked;
                (id, label, selected)
            })
            .collect(),
        form,
        errors,
        done,
    })
}

/// `POST /partners`: grants the partner each permission ticked.
pub async fn grant(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<GrantForm>,
) -> Response {
    let Some(organisation) = own_organisation(&who)
        .filter(|id| who.user.access.can_manage_grants(*id) && who.csrf_ok(&form.csrf))
    else {
        return forbidden(who.lang, Some(&who));
    };
    let tr = Tr { lang: who.lang };
    let mut errors = FieldErrors::default();
    let partner = errors.check("partner", PartnerId::parse(&form.partner), |_| {
        tr.t("sharing-error-partner")
    });
    let permissions: Vec<Permission> = [
        (form.capture.is_some(), Permission::Capture),
        (form.read.is_some(), Permission::Read),
    ]
    .into_iter()
    .filter_map(|(ticked, permission)| ticked.then_some(permission))
    .collect();
    if permissions.is_empty() {
        errors.add("permission", tr.t("sharing-error-permission"));
    }
    let refuse = |errors| async {
        sharing_page(
            &state,
            &who,
            organisation,
            form,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let Some(partner) = partner.filter(|_| errors.is_empty()) else {
        return refuse(errors).await;
    };
    let mut granted = Vec::new();
    for permission in permissions {
        match state
            .store
            .create_grant(organisation, partner, permission, Actor::User(who.user.id))
            .await
        {
            Ok(grant) => granted.push(grant),
            Err(StoreError::NotFound { .. }) => {
                errors.add("partner", tr.t("sharing-error-partner"));
            }
            Err(StoreError::Domain(DomainError::CaptureNeedsSolutionProvider { .. })) => {
                errors.add("permission", tr.t("sharing-error-recipient-capture"));
            }
            Err(StoreError::Conflict { .. }) => errors.add(
                "permission",
                tr.t1(
                    "sharing-error-already",
                    "permission",
                    &permission_label(tr, permission),
                ),
            ),
            Err(error) => return UiError::from(error).into_page(who.lang),
        }
    }
    if !errors.is_empty() {
        return refuse(errors).await;
    }
    let done = granted
        .iter()
        .map(|grant| permission_label(tr, grant.permission))
        .collect::<Vec<_>>()
        .join(", ");
    sharing_page(
        &state,
        &who,
        organisation,
        GrantForm::default(),
        FieldErrors::default(),
        Some(tr.t1("sharing-granted", "permissions", &done)),
        StatusCode::OK,
    )
    .await
}

/// What a button that only needs the CSRF token sends.
#[derive(Debug, Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /partners/{grant}/revoke`: revokes one of the organisation's grants.
pub async fn revoke(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let Some(organisation) = own_organisation(&who)
        .filter(|id| who.user.access.can_manage_grants(*id) && who.csrf_ok(&form.csrf))
    else {
        return forbidden(who.lang, Some(&who));
    };
    let Ok(id) = GrantId::parse(&id) else {
        return not_found(&who);
    };
    match state
        .store
        .revoke_grant(organisation, id, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/partners").into_response(),
        Err(StoreError::NotFound { .. }) => not_found(&who),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// One API key of a partner.
struct KeyRow {
    id: String,
    label: String,
    created_at: String,
    revoked_at: Option<String>,
}

/// One partner as the registry shows it.
struct PartnerRow {
    id: String,
    name: String,
    kind: String,
    contact: String,
    active: bool,
    /// How many organisations let it capture, and read, now, in words.
    grants: String,
    keys: Vec<KeyRow>,
}

/// The province's registry of partner systems.
#[derive(Template, WebTemplate)]
#[template(path = "partner_registry.html")]
struct RegistryPage {
    chrome: Chrome,
    csrf: String,
    can_manage: bool,
    partners: Vec<PartnerRow>,
    kinds: Vec<Choice>,
    form: PartnerForm,
    errors: FieldErrors,
    /// A key just issued: the partner's name and the token, shown this once.
    issued: Option<(String, String)>,
}

/// What the registration form sends.
#[derive(Debug, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    csrf: String,
}

/// `GET /admin/partners`: every partner with its keys and how many organisations granted it
/// what (province roles).
pub async fn registry(State(state): State<AppState>, who: SignedIn) -> Response {
    if !who.user.access.sees_all_organisations() {
        return forbidden(who.lang, Some(&who));
    }
    registry_page(
        &state,
        &who,
        PartnerForm::default(),
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn registry_page(
    state: &AppState,
    who: &SignedIn,
    form: PartnerForm,
    errors: FieldErrors,
    issued: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    match registry_view(state, who, form, errors, issued).await {
        Ok(page) => (status, page).into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

async fn registry_view(
    state: &AppState,
    who: &SignedIn,
    form: PartnerForm,
    errors: FieldErrors,
    issued: Option<(String, String)>,
) -> Result<RegistryPage, StoreError> {
    let tr = Tr { lang: who.lang };
    let live = state
        .store
        .list_grants(&GrantFilter {
            live_only: true,
            ..GrantFilter::default()
        })
        .await?;
    let count = |partner: PartnerId, permission: Permission| {
        live.iter()
            .filter(|g: &&Grant| g.partner == partner && g.permission == permission)
            .count()
    };
    let mut partners = Vec::new();
    for partner in state.store.list_partners().await? {
        let keys = state.store.list_partner_api_keys(partner.id).await?;
        partners.push(PartnerRow {
            id: partner.id.to_string(),
            name: partner.name.to_string(),
            kind: kind_label(tr, partner.kind),
            contact: partner.contact.clone(),
            active: partner.status == PartnerStatus::Active,
            grants: tr.tn(
                "partners-grant-counts",
                &[
                    (
                        "capture",
                        &count(partner.id, Permission::Capture).to_string(),
                    ),
                    ("read", &count(partner.id, Permission::Read).to_string()),
                ],
            ),
            keys: keys
                .iter()
                .map(|key| KeyRow {
                    id: key.id.to_string(),
                    label: key.label.clone(),
                    created_at: vietnam_time(key.created_at),
                    revoked_at: key.revoked_at.map(vietnam_time),
                })
                .collect(),
        });
    }
    let picked = if form.kind.is_empty() {
        PartnerKind::SolutionProvider.as_str()
    } else {
        form.kind.as_str()
    };
    Ok(RegistryPage {
        chrome: Chrome::signed_in(who, "/admin/partners"),
        csrf: who.session.csrf_token.clone(),
        can_manage: who.user.access.can_manage_partners(),
        partners,
        kinds: PartnerKind::ALL
            .iter()
            .map(|kind| {
                (
                    kind.as_str().to_owned(),
                    kind_label(tr, *kind),
                    kind.as_str() == picked,
                )
            })
            .collect(),
        form,
        errors,
        issued,
    })
}

/// `POST /admin/partners`: registers a partner system.
pub async fn register(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<PartnerForm>,
) -> Response {
    if !who.user.access.can_manage_partners() || !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let refuse = |field: &'static str, message: String, form, status| {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        let state = &state;
        let who = &who;
        async move { registry_page(state, who, form, errors, None, status).await }
    };
    let new = match NewPartner::parse(&form.name, &form.kind, &form.contact) {
        Ok(new) => new,
        Err(error) => {
            let (field, message) = match error {
                DomainError::NotInList { field: "kind", .. } => ("kind", "partners-error-kind"),
                DomainError::TextEmpty { field: "contact" }
                | DomainError::TextTooLong {
                    field: "contact", ..
                }
                | DomainError::TextControlCharacter {
                    field: "contact", ..
                } => ("contact", "partners-error-contact"),
                _ => ("name", "partners-error-name"),
            };
            return refuse(field, tr.t(message), form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match state
        .store
        .create_partner(&new, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/admin/partners").into_response(),
        Err(StoreError::Conflict { .. }) => {
            refuse(
                "name",
                tr.t("partners-error-name-taken"),
                form,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// What the key form sends.
#[derive(Debug, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    csrf: String,
}

/// The partner a registry action names, if the user may act on it.
async fn managed_partner(
    state: &AppState,
    who: &SignedIn,
    id: &str,
    csrf: &str,
) -> Result<Partner, Response> {
    if !who.user.access.can_manage_partners() || !who.csrf_ok(csrf) {
        return Err(forbidden(who.lang, Some(who)));
    }
    let Ok(id) = PartnerId::parse(id) else {
        return Err(not_found(who));
    };
    match state.store.partner(id).await {
        Ok(partner) => Ok(partner),
        Err(StoreError::NotFound { .. }) => Err(not_found(who)),
        Err(error) => Err(UiError::from(error).into_page(who.lang)),
    }
}

/// `POST /admin/partners/{id}/keys`: issues the partner an API key and shows it once; only its
/// SHA-256 is kept.
pub async fn issue_key(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<KeyForm>,
) -> Response {
    let partner = match managed_partner(&state, &who, &id, &form.csrf).await {
        Ok(partner) => partner,
        Err(response) => return response,
    };
    let tr = Tr { lang: who.lang };
    let label = match nguon_domain::one_line("label", &form.label, 100) {
        Ok(label) => label,
        Err(_) => tr.t("partners-key-default-label"),
    };
    let (token, token_hash) = match crate::auth::generate_token() {
        Ok(pair) => pair,
        Err(error) => return UiError::Internal(error.to_string()).into_page(who.lang),
    };
    let key = NewApiKey {
        scope: ApiKeyScope::Partner(partner.id),
        label,
        token_hash,
    };
    match state
        .store
        .create_api_key(&key, Actor::User(who.user.id))
        .await
    {
        Ok(_) => {
            registry_page(
                &state,
                &who,
                PartnerForm::default(),
                FieldErrors::default(),
                Some((partner.name.to_string(), token)),
                StatusCode::OK,
            )
            .await
        }
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// `POST /admin/partners/{id}/keys/{key}/revoke`: revokes one of the partner's keys.
pub async fn revoke_key(
    State(state): State<AppState>,
    who: SignedIn,
    Path((id, key)): Path<(String, String)>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let partner = match managed_partner(&state, &who, &id, &form.csrf).await {
        Ok(partner) => partner,
        Err(response) => return response,
    };
    let keys = match state.store.list_partner_api_keys(partner.id).await {
        Ok(keys) => keys,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    // Only a key of this partner: the id in the path cannot reach an organisation's key.
    let Some(key) = ApiKeyId::parse(&key)
        .ok()
        .filter(|key| keys.iter().any(|k| k.id == *key))
    else {
        return not_found(&who);
    };
    match state
        .store
        .revoke_api_key(key, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/admin/partners").into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// What the suspend and reinstate buttons send.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/partners/{id}/status`: suspends or reinstates a partner.
pub async fn set_status(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let partner = match managed_partner(&state, &who, &id, &form.csrf).await {
        Ok(partner) => partner,
        Err(response) => return response,
    };
    // The buttons send one of the two statuses; anything else is a forged form.
    let Ok(status) = PartnerStatus::parse(&form.status) else {
        return forbidden(who.lang, Some(&who));
    };
    match state
        .store
        .set_partner_status(partner.id, status, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to("/admin/partners").into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}
