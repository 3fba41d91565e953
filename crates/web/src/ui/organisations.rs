//! Organisation pages: the province lists, registers and approves the enterprises, cooperatives
//! and households of the registry; an organisation's users see their own organisation's page
//! and no other. A household's personal ID number is personal data: lists show it masked, and
//! only the province and the household's own users reach the page that shows it whole.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, ApprovalStatus, AuditAction, AuditQuery, CommuneCode, DomainError, FacilityDetails,
    NewOrganisation, Organisation, OrganisationId, OrganisationKind, OrganisationName,
    ProductDetails, RegistryDetails, TaxCode, TaxCodeForm,
};
use nguon_gs1::CompanyPrefix;
use nguon_store::{OrganisationFilter, OrganisationQuery, RecordQuery, Registry, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{
    Choice, FieldErrors, StatusForm, address_line, commune_choices, commune_name, not_found,
    parse_address, status_label,
};
use crate::ui::session::SignedIn;
use crate::ui::{Chrome, query_escape};

/// Organisations a list page shows.
const PAGE_SIZE: u32 = 25;

/// An organisation as the list shows it.
struct OrganisationRow {
    id: String,
    name: String,
    kind: String,
    tax_code: String,
    commune: String,
    status: String,
}

/// The organisation list.
#[derive(Template, WebTemplate)]
#[template(path = "organisations.html")]
struct ListPage {
    chrome: Chrome,
    filter: ListFilter,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    communes: Vec<Choice>,
    rows: Vec<OrganisationRow>,
    next: Option<String>,
    can_add: bool,
}

/// What the list's search form sends; every field may be missing or empty.
#[derive(Debug, Default, Deserialize)]
pub struct ListFilter {
    /// Part of the name (without diacritics is fine) or of the tax code.
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    commune: String,
    /// The keyset cursor of the page: organisations after this id.
    #[serde(default)]
    after: String,
}

impl ListFilter {
    /// Whether any filter is set, so the search form opens.
    fn is_active(&self) -> bool {
        [&self.q, &self.kind, &self.status, &self.commune]
            .iter()
            .any(|field| !field.trim().is_empty())
    }

    /// The query string of the page after `after`, with these filters.
    fn next_page(&self, after: OrganisationId) -> String {
        let mut query: String = [
            ("q", &self.q),
            ("kind", &self.kind),
            ("status", &self.status),
            ("commune", &self.commune),
        ]
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}&", query_escape(value.trim())))
        .collect();
        query.push_str(&format!("after={after}"));
        query
    }
}

/// The options of a select of `values`, labelled by message ids `{prefix}{value}`.
fn choices<'a>(
    tr: Tr,
    values: impl IntoIterator<Item = &'a str>,
    prefix: &str,
    picked: &str,
) -> Vec<Choice> {
    values
        .into_iter()
        .map(|value| {
            let label = tr.t(&format!("{prefix}{value}"));
            (value.to_owned(), label, value == picked.trim())
        })
        .collect()
}

/// The kind of an organisation in the user's language.
fn kind_label(tr: Tr, kind: OrganisationKind) -> String {
    tr.t(&format!("organisation-kind-{}", kind.as_str()))
}

/// `GET /organisations[?q=…&kind=…&status=…&commune=…&after=…]`: the province's registry,
/// searched and paged. An organisation's users are sent to their own organisation's page.
pub async fn list(
    State(state): State<AppState>,
    who: SignedIn,
    Query(filter): Query<ListFilter>,
) -> Response {
    if !who.user.access.sees_all_organisations() {
        return match who.user.access.organisation() {
            Some(own) => Redirect::to(&format!("/organisations/{own}")).into_response(),
            None => forbidden(who.lang, Some(&who)),
        };
    }
    let tr = Tr { lang: who.lang };
    let query = OrganisationQuery {
        status: ApprovalStatus::parse(filter.status.trim()).ok(),
        after: OrganisationId::parse(filter.after.trim()).ok(),
        limit: PAGE_SIZE,
    };
    let search = OrganisationFilter {
        kind: OrganisationKind::parse(filter.kind.trim()).ok(),
        commune: CommuneCode::parse(filter.commune.trim()).ok(),
        text: Some(filter.q.clone()),
    };
    let page = match state.store.search_organisations(&query, &search).await {
        Ok(page) => page,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    ListPage {
        chrome: Chrome::signed_in(&who, "/organisations"),
        kinds: choices(
            tr,
            OrganisationKind::ALL.map(OrganisationKind::as_str),
            "organisation-kind-",
            &filter.kind,
        ),
        statuses: choices(
            tr,
            ApprovalStatus::ALL.map(ApprovalStatus::as_str),
            "status-",
            &filter.status,
        ),
        communes: commune_choices(&state, &filter.commune),
        rows: page
            .organisations
            .iter()
            .map(|o| OrganisationRow {
                id: o.id.to_string(),
                name: o.name.to_string(),
                kind: kind_label(tr, o.kind),
                tax_code: o.tax_code.masked(),
                commune: commune_name(o.address.as_ref()),
                status: status_label(tr, o.status),
            })
            .collect(),
        next: page.next_after.map(|after| filter.next_page(after)),
        can_add: who.user.access.can_approve_organisations(),
        filter,
    }
    .into_response()
}

/// The registration form.
#[derive(Template, WebTemplate)]
#[template(path = "organisation_form.html")]
struct FormPage {
    chrome: Chrome,
    csrf: String,
    kinds: Vec<Choice>,
    communes: Vec<Choice>,
    form: OrganisationForm,
    errors: FieldErrors,
}

/// What the registration form sends, kept as typed so a refused form shows it again.
#[derive(Debug, Default, Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tax_code: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    company_prefix: String,
    #[serde(default)]
    csrf: String,
}

/// A registration that passed the form's rules: the organisation and its own GS1 prefix, if any.
struct Registration {
    new: NewOrganisation,
    prefix: Option<CompanyPrefix>,
}

impl OrganisationForm {
    /// Reads every field, with one message in the user's language per bad field.
    fn parse(&self, tr: Tr, state: &AppState) -> Result<Registration, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = errors.check("kind", OrganisationKind::parse(self.kind.trim()), |_| {
            tr.t("organisation-error-kind")
        });
        let name = errors.check("name", OrganisationName::parse(&self.name), |_| {
            tr.t("organisation-error-name")
        });
        let tax_code = errors.check("tax_code", TaxCode::parse(&self.tax_code), |_| {
            tr.t("organisation-error-tax-code")
        });
        let address = parse_address(tr, state, &self.street, &self.commune, &mut errors);
        let prefix = match self.company_prefix.trim() {
            "" => Some(None),
            text => errors
                .check("company_prefix", CompanyPrefix::parse(text), |_| {
                    tr.t("organisation-error-prefix")
                })
                .map(Some),
        };
        if let (Some(kind), Some(code)) = (kind, &tax_code)
            && kind != OrganisationKind::Household
            && code.form() == TaxCodeForm::PersonalId
        {
            errors.add("tax_code", tr.t("organisation-error-personal-id"));
        }
        let (Some(kind), Some(name), Some(tax_code), Some(address), Some(prefix)) =
            (kind, name, tax_code, address, prefix)
        else {
            return Err(errors);
        };
        let new = match NewOrganisation::new(kind, name, tax_code) {
            Ok(new) => new,
            Err(DomainError::PersonalIdNotAllowed { .. }) => {
                errors.add("tax_code", tr.t("organisation-error-personal-id"));
                return Err(errors);
            }
            Err(_) => {
                errors.add("tax_code", tr.t("organisation-error-tax-code"));
                return Err(errors);
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Registration {
            new: match address {
                Some(address) => new.with_address(address),
                None => new,
            },
            prefix,
        })
    }
}

fn form_page(
    state: &AppState,
    who: &SignedIn,
    form: OrganisationForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let page = FormPage {
        chrome: Chrome::signed_in(who, "/organisations/new"),
        csrf: who.session.csrf_token.clone(),
        kinds: choices(
            tr,
            OrganisationKind::ALL.map(OrganisationKind::as_str),
            "organisation-kind-",
            &form.kind,
        ),
        communes: commune_choices(state, &form.commune),
        form,
        errors,
    };
    (status, page).into_response()
}

/// `GET /organisations/new`: the registration form, for province admins.
pub async fn new_form(State(state): State<AppState>, who: SignedIn) -> Response {
    if !who.user.access.can_approve_organisations() {
        return forbidden(who.lang, Some(&who));
    }
    let form = OrganisationForm {
        kind: OrganisationKind::Enterprise.as_str().to_owned(),
        ..OrganisationForm::default()
    };
    form_page(&state, &who, form, FieldErrors::default(), StatusCode::OK)
}

/// `POST /organisations`: registers an organisation as pending, with its own GS1 company prefix
/// when it has one. A prefix already held is refused before anything is written.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<OrganisationForm>,
) -> Response {
    if !who.user.access.can_approve_organisations() || !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let refuse = |form, field, message: String, status| {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        form_page(&state, &who, form, errors, status)
    };
    let registration = match form.parse(tr, &state) {
        Ok(registration) => registration,
        Err(errors) => {
            return form_page(&state, &who, form, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    if let Some(prefix) = &registration.prefix {
        match state.store.organisation_for_key(prefix.as_str()).await {
            Ok(Some((owner, held))) if &held == prefix => {
                let message = tr.t1(
                    "organisation-error-prefix-taken",
                    "owner",
                    owner.name.as_str(),
                );
                return refuse(form, "company_prefix", message, StatusCode::CONFLICT);
            }
            Ok(_) => {}
            Err(error) => return UiError::from(error).into_page(who.lang),
        }
    }
    let actor = Actor::User(who.user.id);
    let organisation = match state
        .store
        .create_organisation(&registration.new, actor)
        .await
    {
        Ok(organisation) => organisation,
        Err(StoreError::Conflict { .. }) => {
            let message = tr.t("organisation-error-tax-code-taken");
            return refuse(form, "tax_code", message, StatusCode::CONFLICT);
        }
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    if let Some(prefix) = &registration.prefix
        && let Err(error) = state
            .store
            .add_company_prefix(organisation.id, prefix, actor)
            .await
    {
        // Only a registration racing this one for the same prefix gets here; the organisation
        // stands, and its page shows it without the prefix.
        tracing::warn!(%error, organisation = %organisation.id, "company prefix not added");
    }
    Redirect::to(&format!("/organisations/{}", organisation.id)).into_response()
}

/// A registry record of the organisation, as its page lists it.
struct RecordLink {
    href: String,
    name: String,
    key: String,
    status: String,
}

/// A change of the organisation's status, from the audit log.
struct StatusChange {
    at: String,
    from: String,
    to: String,
    by: String,
}

/// The organisation page.
#[derive(Template, WebTemplate)]
#[template(path = "organisation.html")]
struct DetailPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name: String,
    kind: String,
    tax_code: String,
    personal_id: bool,
    address: String,
    prefixes: Vec<String>,
    province_prefix: Option<String>,
    status: String,
    created: String,
    actions: Vec<(&'static str, String)>,
    can_edit: bool,
    /// Whether the organisation is a household, whose personal-data page the viewer may open.
    household: bool,
    facilities: Vec<RecordLink>,
    products: Vec<RecordLink>,
    history: Vec<StatusChange>,
}

/// The organisation `id`, if `who` may see it: province roles see every one, organisation
/// users only their own.
pub(super) async fn visible(
    state: &AppState,
    who: &SignedIn,
    id: &str,
) -> Result<Organisation, Response> {
    let Ok(id) = OrganisationId::parse(id) else {
        return Err(not_found(who));
    };
    if !who.user.access.can_see_organisation(id) {
        return Err(not_found(who));
    }
    match state.store.organisation(id).await {
        Ok(organisation) => Ok(organisation),
        Err(StoreError::NotFound { .. }) => Err(not_found(who)),
        Err(error) => Err(UiError::from(error).into_page(who.lang)),
    }
}

/// The buttons a province admin has on an organisation in `status`: approve a pending one,
/// suspend an approved one, reinstate a suspended one.
fn status_actions(tr: Tr, status: ApprovalStatus) -> Vec<(&'static str, String)> {
    let actions: &[(ApprovalStatus, &str)] = match status {
        ApprovalStatus::Pending => &[
            (ApprovalStatus::Approved, "organisation-approve"),
            (ApprovalStatus::Suspended, "organisation-suspend"),
        ],
        ApprovalStatus::Approved => &[(ApprovalStatus::Suspended, "organisation-suspend")],
        ApprovalStatus::Suspended => &[(ApprovalStatus::Approved, "organisation-reinstate")],
    };
    actions
        .iter()
        .map(|(to, label)| (to.as_str(), tr.t(label)))
        .collect()
}

/// The organisation's records of kind `D`, linked from `base`.
async fn records<D: RegistryDetails>(
    state: &AppState,
    tr: Tr,
    owner: OrganisationId,
    base: &str,
    key: impl Fn(&D) -> String,
) -> Result<Vec<RecordLink>, UiError> {
    let query = RecordQuery {
        organisation: Some(owner),
        ..RecordQuery::default()
    };
    Ok(state
        .store
        .list::<D>(&query)
        .await?
        .iter()
        .map(|record| RecordLink {
            href: format!("{base}/{}", record.id),
            name: record.details.display_name().to_owned(),
            key: key(&record.details),
            status: status_label(tr, record.status),
        })
        .collect())
}

/// The organisation's status changes, oldest first, for readers of the audit log.
async fn history(
    state: &AppState,
    tr: Tr,
    id: OrganisationId,
) -> Result<Vec<StatusChange>, UiError> {
    let query = AuditQuery {
        entity_id: Some(id.to_string()),
        action: Some(AuditAction::ApprovalStatus),
        limit: AuditQuery::MAX_LIMIT,
        ..AuditQuery::default()
    };
    let (page, emails) = crate::ui::admin::search(state, &query).await?;
    let status = |snapshot: &Option<serde_json::Value>| {
        snapshot
            .as_ref()
            .and_then(|s| s["status"].as_str())
            .and_then(|s| ApprovalStatus::parse(s).ok())
            .map(|s| status_label(tr, s))
            .unwrap_or_default()
    };
    let format = time::macros::format_description!("[day]/[month]/[year] [hour]:[minute] UTC");
    Ok(page
        .entries
        .iter()
        .rev()
        .map(|entry| StatusChange {
            at: entry.at.format(&format).unwrap_or_default(),
            from: status(&entry.before),
            to: status(&entry.after),
            by: match entry.actor {
                Actor::User(user) => emails.get(&user).cloned(),
                Actor::ApiKey(_) | Actor::Cli => None,
            }
            .unwrap_or_else(|| entry.actor.to_string()),
        })
        .collect())
}

/// `GET /organisations/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let organisation = match visible(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    let tr = Tr { lang: who.lang };
    let parts = async {
        let facilities = records::<FacilityDetails>(
            &state,
            tr,
            organisation.id,
            "/facilities",
            |f: &FacilityDetails| f.gln.as_str().to_owned(),
        )
        .await?;
        let products = records::<ProductDetails>(
            &state,
            tr,
            organisation.id,
            "/products",
            |p: &ProductDetails| p.gtin.as_str().to_owned(),
        )
        .await?;
        let history = if who.user.access.can_read_audit_log() {
            history(&state, tr, organisation.id).await?
        } else {
            Vec::new()
        };
        Ok::<_, UiError>((facilities, products, history))
    };
    let (facilities, products, history) = match parts.await {
        Ok(parts) => parts,
        Err(error) => return error.into_page(who.lang),
    };
    let date = time::macros::format_description!("[day]/[month]/[year]");
    DetailPage {
        chrome: Chrome::signed_in(&who, &format!("/organisations/{}", organisation.id)),
        csrf: who.session.csrf_token.clone(),
        id: organisation.id.to_string(),
        name: organisation.name.to_string(),
        kind: kind_label(tr, organisation.kind),
        // Only the province and the organisation's own users reach this page.
        tax_code: organisation.tax_code.to_string(),
        personal_id: organisation.tax_code.form() == TaxCodeForm::PersonalId,
        address: address_line(organisation.address.as_ref()),
        prefixes: organisation
            .company_prefixes
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        province_prefix: state
            .ui
            .province_prefix
            .as_ref()
            .filter(|_| organisation.company_prefixes.is_empty())
            .map(|p| p.as_str().to_owned()),
        status: status_label(tr, organisation.status),
        created: organisation.created_at.format(&date).unwrap_or_default(),
        actions: if who.user.access.can_approve_organisations() {
            status_actions(tr, organisation.status)
        } else {
            Vec::new()
        },
        can_edit: who.user.access.can_edit_organisation(organisation.id),
        household: organisation.kind == OrganisationKind::Household,
        facilities,
        products,
        history,
    }
    .into_response()
}

/// `POST /organisations/{id}/status`: a province admin approves, suspends or reinstates an
/// organisation; the change and its audit entry are one transaction in the store.
pub async fn set_status(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) || !who.user.access.can_approve_organisations() {
        return forbidden(who.lang, Some(&who));
    }
    let organisation = match visible(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    let Ok(status) = ApprovalStatus::parse(form.status.trim()) else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    match state
        .store
        .set_organisation_status(organisation.id, status, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to(&format!("/organisations/{}", organisation.id)).into_response(),
        Err(StoreError::Domain(_)) => StatusCode::CONFLICT.into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// The address form of one organisation.
#[derive(Template, WebTemplate)]
#[template(path = "organisation_address.html")]
struct AddressPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name: String,
    communes: Vec<Choice>,
    form: AddressForm,
    errors: FieldErrors,
}

/// What the address form sends, kept as typed so a refused form shows it again.
#[derive(Debug, Default, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    street: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    csrf: String,
}

fn address_page(
    state: &AppState,
    who: &SignedIn,
    organisation: &Organisation,
    form: AddressForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let page = AddressPage {
        chrome: Chrome::signed_in(who, &format!("/organisations/{}", organisation.id)),
        csrf: who.session.csrf_token.clone(),
        id: organisation.id.to_string(),
        name: organisation.name.to_string(),
        communes: commune_choices(state, &form.commune),
        form,
        errors,
    };
    (status, page).into_response()
}

/// The organisation `id` if `who` may change its details, else the refusal: 404 for one it
/// may not see, 403 for one it may only look at.
async fn editable(state: &AppState, who: &SignedIn, id: &str) -> Result<Organisation, Response> {
    let organisation = visible(state, who, id).await?;
    if who.user.access.can_edit_organisation(organisation.id) {
        Ok(organisation)
    } else {
        Err(forbidden(who.lang, Some(who)))
    }
}

/// `GET /organisations/{id}/address`: the address form, filled with the address on record.
pub async fn address_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let organisation = match editable(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    let form = AddressForm {
        street: organisation
            .address
            .as_ref()
            .map(|a| a.street().to_owned())
            .unwrap_or_default(),
        commune: organisation
            .address
            .as_ref()
            .map(|a| a.commune().as_str().to_owned())
            .unwrap_or_default(),
        csrf: String::new(),
    };
    address_page(
        &state,
        &who,
        &organisation,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /organisations/{id}/address`: sets, changes or (both fields empty) clears the address;
/// the change and its audit entry are one transaction in the store.
pub async fn set_address(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<AddressForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let organisation = match editable(&state, &who, &id).await {
        Ok(organisation) => organisation,
        Err(refusal) => return refusal,
    };
    let tr = Tr { lang: who.lang };
    let mut errors = FieldErrors::default();
    let address = parse_address(tr, &state, &form.street, &form.commune, &mut errors);
    let Some(address) = address.filter(|_| errors.is_empty()) else {
        return address_page(
            &state,
            &who,
            &organisation,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match state
        .store
        .set_organisation_address(organisation.id, address.as_ref(), Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to(&format!("/organisations/{}", organisation.id)).into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}
