//! Facility pages: an organisation registers and edits its ponds, fields, plants and shops with
//! their address, location and certificates; the province sees every facility and approves or
//! suspends them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::RegistryKind;
use nguon_domain::{
    Actor, ApprovalStatus, Certificate, CertificateKind, Facility, FacilityDetails, FacilityKind,
    Geometry, OfficialCode, OrganisationId, RecordName,
};
use nguon_gs1::{CompanyPrefix, Gln, mod10_check_digit};
use nguon_store::{RecordQuery, Registry, StoreError};
use serde::Deserialize;
use time::Date;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{
    Choice, FieldErrors, StatusForm, address_line, commune_choices, commune_name, editable,
    may_see, parse_address, prefix_of_another, review, review_actions, reviewer, status_label,
    visible, writer,
};
use crate::ui::session::SignedIn;

/// A facility as the list shows it.
struct FacilityRow {
    id: String,
    name: String,
    kind: String,
    gln: String,
    commune: String,
    status: String,
}

/// The facility list.
#[derive(Template, WebTemplate)]
#[template(path = "facilities.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<FacilityRow>,
    statuses: Vec<(&'static str, String, bool)>,
    can_add: bool,
}

/// Which facilities to list.
#[derive(Debug, Default, Deserialize)]
pub struct ListFilter {
    #[serde(default)]
    status: String,
}

/// The facility form, new or edit.
#[derive(Template, WebTemplate)]
#[template(path = "facility_form.html")]
struct FormPage {
    chrome: Chrome,
    csrf: String,
    action: String,
    editing: bool,
    kinds: Vec<Choice>,
    communes: Vec<Choice>,
    form: FacilityForm,
    errors: FieldErrors,
    script: &'static str,
    /// The province's prefix, when the organisation has none and may get a GLN from it.
    province_prefix: Option<String>,
    /// A GLN was just allocated into the form.
    allocated: bool,
}

/// What the facility form sends, kept as typed so a refused form shows it again.
#[derive(Debug, Default, Deserialize)]
pub struct FacilityForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    gln: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    geometry: String,
    #[serde(default)]
    official_code: String,
    #[serde(default)]
    csrf: String,
}

impl FacilityForm {
    /// The form filled with a stored facility.
    fn of(details: &FacilityDetails) -> Self {
        Self {
            kind: details.kind.as_str().to_owned(),
            name: details.name.as_str().to_owned(),
            gln: details.gln.as_str().to_owned(),
            street: details
                .address
                .as_ref()
                .map(|a| a.street().to_owned())
                .unwrap_or_default(),
            commune: details
                .address
                .as_ref()
                .map(|a| a.commune().as_str().to_owned())
                .unwrap_or_default(),
            geometry: details
                .geometry
                .as_ref()
                .map(Geometry::to_text)
                .unwrap_or_default(),
            official_code: details
                .official_code
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            csrf: String::new(),
        }
    }

    /// Reads every field, with one message in the user's language per bad field. The commune
    /// must be one of the province's.
    fn parse(&self, tr: Tr, state: &AppState) -> Result<FacilityDetails, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = errors.check("kind", FacilityKind::parse(&self.kind), |_| {
            tr.t("facility-error-kind")
        });
        let name = errors.check("name", RecordName::parse("name", &self.name), |_| {
            tr.t("registry-error-name")
        });
        let gln = errors.check("gln", Gln::parse(&self.gln), |_| tr.t("facility-error-gln"));
        let address = parse_address(tr, state, &self.street, &self.commune, &mut errors);
        let geometry = match self.geometry.trim() {
            "" => Some(None),
            text => errors
                .check("geometry", Geometry::parse(text), |_| {
                    tr.t("facility-error-geometry")
                })
                .map(Some),
        };
        let official_code = match self.official_code.trim() {
            "" => Some(None),
            text => errors
                .check(
                    "official_code",
                    OfficialCode::parse("official code", text),
                    |_| tr.t("facility-error-official-code"),
                )
                .map(Some),
        };
        match (kind, name, gln, address, geometry, official_code) {
            (Some(kind), Some(name), Some(gln), Some(address), Some(geometry), Some(code))
                if errors.is_empty() =>
            {
                Ok(FacilityDetails {
                    address,
                    geometry,
                    official_code: code,
                    ..FacilityDetails::new(kind, name, gln)
                })
            }
            _ => Err(errors),
        }
    }
}

/// `GET /facilities[?status=…]`: an organisation's own facilities, or every facility for
/// province roles.
pub async fn list(
    State(state): State<AppState>,
    who: SignedIn,
    Query(filter): Query<ListFilter>,
) -> Response {
    let tr = Tr { lang: who.lang };
    let status = ApprovalStatus::parse(&filter.status).ok();
    let query = RecordQuery {
        organisation: (!who.user.access.sees_all_organisations())
            .then(|| who.user.access.organisation())
            .flatten(),
        status,
        ..RecordQuery::default()
    };
    if query.organisation.is_none() && !who.user.access.sees_all_organisations() {
        return forbidden(who.lang, Some(&who));
    }
    let facilities = match state.store.list::<FacilityDetails>(&query).await {
        Ok(facilities) => facilities,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    ListPage {
        chrome: Chrome::signed_in(&who, "/facilities"),
        rows: facilities
            .iter()
            .map(|f| FacilityRow {
                id: f.id.to_string(),
                name: f.details.name.as_str().to_owned(),
                kind: tr.t(&format!("facility-kind-{}", f.details.kind.as_str())),
                gln: f.details.gln.as_str().to_owned(),
                commune: commune_name(f.details.address.as_ref()),
                status: status_label(tr, f.status),
            })
            .collect(),
        statuses: ApprovalStatus::ALL
            .into_iter()
            .map(|s| (s.as_str(), status_label(tr, s), Some(s) == status))
            .collect(),
        can_add: writer(&who).is_some(),
    }
    .into_response()
}

/// The province's company prefix, if `who` writes for an organisation without its own prefix
/// and the province configured one: then the organisation's GLNs are allocated from it.
fn allocating_prefix<'a>(state: &'a AppState, who: &SignedIn) -> Option<&'a CompanyPrefix> {
    let own = who.organisation.as_ref()?;
    writer(who)?;
    own.company_prefixes
        .is_empty()
        .then_some(state.ui.province_prefix.as_ref())
        .flatten()
}

/// The first GLN under the province's `prefix` that no facility holds and no member's longer
/// prefix claims, from location reference 1 (0 is the province's own GLN). `None` when every
/// reference is used.
async fn next_free_gln(state: &AppState, prefix: &CompanyPrefix) -> Result<Option<Gln>, UiError> {
    let width = 12 - prefix.len();
    let last = 10u64.pow(u32::try_from(width).unwrap_or(0)) - 1;
    for reference in 1..=last {
        let body = format!("{}{reference:0width$}", prefix.as_str());
        let Some(check) = mod10_check_digit(&body) else {
            continue;
        };
        let Ok(gln) = Gln::parse(&format!("{body}{check}")) else {
            continue;
        };
        let claimed = state
            .store
            .organisation_for_key(&body)
            .await?
            .is_some_and(|(_, held)| &held != prefix);
        if !claimed
            && state
                .store
                .record_by_key(RegistryKind::Facility, gln.as_str())
                .await?
                .is_none()
        {
            return Ok(Some(gln));
        }
    }
    Ok(None)
}

fn form_page(
    state: &AppState,
    who: &SignedIn,
    editing: Option<&Facility>,
    form: FacilityForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    form_page_with(state, who, editing, form, errors, status, false)
}

fn form_page_with(
    state: &AppState,
    who: &SignedIn,
    editing: Option<&Facility>,
    form: FacilityForm,
    errors: FieldErrors,
    status: StatusCode,
    allocated: bool,
) -> Response {
    let tr = Tr { lang: who.lang };
    let (action, here) = match editing {
        Some(facility) => {
            let path = format!("/facilities/{}/edit", facility.id);
            (path.clone(), path)
        }
        None => ("/facilities".to_owned(), "/facilities/new".to_owned()),
    };
    let communes = commune_choices(state, &form.commune);
    let page = FormPage {
        chrome: Chrome::signed_in(who, &here),
        csrf: who.session.csrf_token.clone(),
        action,
        editing: editing.is_some(),
        kinds: FacilityKind::ALL
            .into_iter()
            .map(|k| {
                let value = k.as_str().to_owned();
                let label = tr.t(&format!("facility-kind-{value}"));
                let picked = value == form.kind;
                (value, label, picked)
            })
            .collect(),
        communes,
        form,
        errors,
        script: crate::ui::SCRIPT_URL.as_str(),
        province_prefix: allocating_prefix(state, who)
            .filter(|_| editing.is_none())
            .map(|p| p.as_str().to_owned()),
        allocated,
    };
    (status, page).into_response()
}

/// `GET /facilities/new`: the empty form, for organisation users.
pub async fn new_form(State(state): State<AppState>, who: SignedIn) -> Response {
    if writer(&who).is_none() {
        return forbidden(who.lang, Some(&who));
    }
    form_page(
        &state,
        &who,
        None,
        FacilityForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /facilities/new/gln`: the form again, as typed, with the next free GLN from the
/// province's prefix in it, for an organisation without its own prefix. Nothing is reserved:
/// saving the form registers the GLN, and a GLN taken meanwhile is refused then.
pub async fn allocate_gln(
    State(state): State<AppState>,
    who: SignedIn,
    Form(mut form): Form<FacilityForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let Some(prefix) = allocating_prefix(&state, &who) else {
        return forbidden(who.lang, Some(&who));
    };
    let mut errors = FieldErrors::default();
    match next_free_gln(&state, prefix).await {
        Ok(Some(gln)) => form.gln = gln.as_str().to_owned(),
        Ok(None) => errors.add(
            "gln",
            Tr { lang: who.lang }.t("facility-error-gln-exhausted"),
        ),
        Err(error) => return error.into_page(who.lang),
    }
    let allocated = errors.is_empty();
    form_page_with(&state, &who, None, form, errors, StatusCode::OK, allocated)
}

/// Checks a parsed facility's GLN against other organisations' company prefixes. A GLN under
/// the province's prefix is the organisation's to use when it has no prefix of its own.
async fn check_gln(
    state: &AppState,
    who: &SignedIn,
    own: OrganisationId,
    details: &FacilityDetails,
) -> Result<FieldErrors, UiError> {
    let tr = Tr { lang: who.lang };
    let mut errors = FieldErrors::default();
    let digits = details.gln.as_str();
    if let Some(province) = allocating_prefix(state, who)
        && digits.starts_with(province.as_str())
    {
        let held = state.store.organisation_for_key(digits).await?;
        if let Some((owner, _)) = held.filter(|(o, p)| p != province && o.id != own) {
            errors.add(
                "gln",
                tr.t1("registry-error-prefix", "owner", owner.name.as_str()),
            );
        }
        return Ok(errors);
    }
    if let Some(owner) = prefix_of_another(state, own, digits).await? {
        errors.add("gln", tr.t1("registry-error-prefix", "owner", &owner));
    }
    Ok(errors)
}

/// `POST /facilities`: registers a facility of the user's organisation, pending review.
pub async fn create(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<FacilityForm>,
) -> Response {
    let Some(own) = writer(&who).filter(|_| who.csrf_ok(&form.csrf)) else {
        return forbidden(who.lang, Some(&who));
    };
    let tr = Tr { lang: who.lang };
    let details = match form.parse(tr, &state) {
        Ok(details) => details,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&state, &who, None, form, errors, status);
        }
    };
    match check_gln(&state, &who, own, &details).await {
        Ok(errors) if !errors.is_empty() => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&state, &who, None, form, errors, status);
        }
        Ok(_) => {}
        Err(error) => return error.into_page(who.lang),
    }
    let actor = Actor::User(who.user.id);
    match state
        .store
        .register(Some(own), &details, ApprovalStatus::Pending, actor)
        .await
    {
        Ok(facility) => Redirect::to(&format!("/facilities/{}", facility.id)).into_response(),
        Err(StoreError::Conflict { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add("gln", tr.t("facility-error-gln-taken"));
            form_page(&state, &who, None, form, errors, StatusCode::CONFLICT)
        }
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// A certificate as the facility page shows it.
struct CertificateRow {
    kind: String,
    number: String,
    issuer: String,
    issued_on: String,
    expires_on: String,
    verified: bool,
    /// The badge to show, if any.
    badge: Option<Badge>,
}

/// A warning beside a certificate that expired or expires soon.
pub struct Badge {
    /// `expired` or `expiring`: the badge's style.
    pub class: &'static str,
    /// What it says, with the days left or past, in the user's language.
    pub label: String,
}

/// The badge of a certificate on `today`, when it expired or expires within `within` days.
fn badge(tr: Tr, certificate: &Certificate, today: Date, within: u16) -> Option<Badge> {
    let expires = certificate.expires_on()?;
    let days = (expires - today).whole_days();
    if certificate.expired(today) {
        Some(Badge {
            class: "expired",
            label: tr.count("certificate-expired-days", "days", -days),
        })
    } else if certificate.expires_within(today, i64::from(within)) {
        Some(Badge {
            class: "expiring",
            label: tr.count("certificate-expiring-days", "days", days),
        })
    } else {
        None
    }
}

/// The facility page.
#[derive(Template, WebTemplate)]
#[template(path = "facility.html")]
struct DetailPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name: String,
    kind: String,
    gln: String,
    address: String,
    geometry: String,
    official_code: String,
    status: String,
    certificates: Vec<CertificateRow>,
    can_edit: bool,
    actions: Vec<(&'static str, String)>,
    certificate_kinds: Vec<(&'static str, String, bool)>,
    certificate: CertificateForm,
    errors: FieldErrors,
}

/// What the certificate form sends.
#[derive(Debug, Default, Deserialize)]
pub struct CertificateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    csrf: String,
}

impl CertificateForm {
    /// Reads the certificate; dates come as `YYYY-MM-DD`, as date inputs send them. A
    /// certificate an organisation declares is never verified: only the province checks
    /// originals.
    fn parse(&self, tr: Tr) -> Result<Certificate, FieldErrors> {
        let mut errors = FieldErrors::default();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let kind = errors.check("kind", CertificateKind::parse(&self.kind), |_| {
            tr.t("certificate-error-kind")
        });
        let issued = errors.check(
            "issued_on",
            Date::parse(self.issued_on.trim(), &format),
            |_| tr.t("certificate-error-date"),
        );
        let expires = match self.expires_on.trim() {
            "" => Some(None),
            text => errors
                .check("expires_on", Date::parse(text, &format), |_| {
                    tr.t("certificate-error-date")
                })
                .map(Some),
        };
        let (Some(kind), Some(issued), Some(expires)) = (kind, issued, expires) else {
            return Err(errors);
        };
        Certificate::new(kind, &self.number, &self.issuer, issued, expires, false).map_err(
            |error| {
                let field = match error {
                    nguon_domain::DomainError::CertificateDates { .. } => "expires_on",
                    _ if self.number.trim().is_empty() || self.number.contains('\n') => "number",
                    _ => "issuer",
                };
                errors.add(
                    field,
                    tr.t(&format!("certificate-error-{}", field.replace('_', "-"))),
                );
                errors
            },
        )
    }
}

fn detail_page(
    state: &AppState,
    who: &SignedIn,
    facility: &Facility,
    certificate: CertificateForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let details = &facility.details;
    let today = nguon_store::now_utc().date();
    let date = |d: Date| d.to_string();
    let page = DetailPage {
        chrome: Chrome::signed_in(who, &format!("/facilities/{}", facility.id)),
        csrf: who.session.csrf_token.clone(),
        id: facility.id.to_string(),
        name: details.name.as_str().to_owned(),
        kind: tr.t(&format!("facility-kind-{}", details.kind.as_str())),
        gln: details.gln.as_str().to_owned(),
        address: address_line(details.address.as_ref()),
        geometry: details
            .geometry
            .as_ref()
            .map(Geometry::to_text)
            .unwrap_or_default(),
        official_code: details
            .official_code
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        status: status_label(tr, facility.status),
        certificates: details
            .certificates
            .iter()
            .map(|c| CertificateRow {
                kind: tr.t(&format!("certificate-kind-{}", c.kind().as_str())),
                number: c.number().to_owned(),
                issuer: c.issuer().to_owned(),
                issued_on: date(c.issued_on()),
                expires_on: c.expires_on().map(date).unwrap_or_default(),
                verified: c.verified(),
                badge: badge(tr, c, today, state.ui.certificate_alert_days),
            })
            .collect(),
        can_edit: writer(who).is_some() && writer(who) == facility.organisation,
        actions: if reviewer(who) {
            review_actions(tr, facility.status)
        } else {
            Vec::new()
        },
        certificate_kinds: CertificateKind::ALL
            .into_iter()
            .map(|k| {
                let label = tr.t(&format!("certificate-kind-{}", k.as_str()));
                (k.as_str(), label, k.as_str() == certificate.kind)
            })
            .collect(),
        certificate,
        errors,
    };
    (status, page).into_response()
}

/// `GET /facilities/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match visible::<FacilityDetails>(&state, &who, &id).await {
        Ok(facility) => detail_page(
            &state,
            &who,
            &facility,
            CertificateForm::default(),
            FieldErrors::default(),
            StatusCode::OK,
        ),
        Err(refusal) => refusal.into_page(&who),
    }
}

/// `GET /facilities/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match editable::<FacilityDetails>(&state, &who, &id).await {
        Ok(facility) => {
            let form = FacilityForm::of(&facility.details);
            let errors = FieldErrors::default();
            form_page(&state, &who, Some(&facility), form, errors, StatusCode::OK)
        }
        Err(refusal) => refusal.into_page(&who),
    }
}

/// `POST /facilities/{id}/edit`: replaces the details, keeping the certificates. The GLN may
/// not change, since it may be printed.
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<FacilityForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let facility = match editable::<FacilityDetails>(&state, &who, &id).await {
        Ok(facility) => facility,
        Err(refusal) => return refusal.into_page(&who),
    };
    let tr = Tr { lang: who.lang };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let mut details = match form.parse(tr, &state) {
        Ok(details) => details,
        Err(errors) => {
            return form_page(&state, &who, Some(&facility), form, errors, unprocessable);
        }
    };
    if details.gln != facility.details.gln {
        let mut errors = FieldErrors::default();
        errors.add("gln", tr.t("registry-error-key-fixed"));
        return form_page(&state, &who, Some(&facility), form, errors, unprocessable);
    }
    details.certificates = facility.details.certificates.clone();
    save(&state, &who, &facility, &details).await
}

/// Stores edited details and returns to the facility's page.
async fn save(
    state: &AppState,
    who: &SignedIn,
    facility: &Facility,
    details: &FacilityDetails,
) -> Response {
    match state
        .store
        .edit(facility.id, details, Actor::User(who.user.id))
        .await
    {
        Ok(_) => Redirect::to(&format!("/facilities/{}", facility.id)).into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// `POST /facilities/{id}/certificates`: adds a self-declared certificate.
pub async fn add_certificate(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CertificateForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let facility = match editable::<FacilityDetails>(&state, &who, &id).await {
        Ok(facility) => facility,
        Err(refusal) => return refusal.into_page(&who),
    };
    match form.parse(Tr { lang: who.lang }) {
        Ok(certificate) => {
            let mut details = facility.details.clone();
            details.certificates.push(certificate);
            save(&state, &who, &facility, &details).await
        }
        Err(errors) => detail_page(
            &state,
            &who,
            &facility,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

/// `POST /facilities/{id}/status`: a province admin approves or suspends a facility.
pub async fn set_status(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    review::<FacilityDetails>(&state, &who, &id, &form.status, "/facilities").await
}

/// A certificate about to expire or expired, for the home page.
pub struct ExpiringCertificate {
    /// The facility's page.
    pub href: String,
    /// The facility's name.
    pub facility: String,
    /// The scheme and number.
    pub certificate: String,
    /// When it expires.
    pub expires_on: String,
    /// The warning, with the days left or past.
    pub badge: Badge,
}

/// The certificates of the facilities `who` may see (their organisation's, or every one for
/// province roles) that expired or expire within the configured days, soonest first.
pub async fn expiring_certificates(
    state: &AppState,
    who: &SignedIn,
) -> Result<Vec<ExpiringCertificate>, UiError> {
    let tr = Tr { lang: who.lang };
    let today = nguon_store::now_utc().date();
    let mut query = RecordQuery::default();
    if !who.user.access.sees_all_organisations() {
        match who.user.access.organisation() {
            Some(own) => query.organisation = Some(own),
            None => return Ok(Vec::new()),
        }
    }
    let mut found = Vec::new();
    loop {
        let page = state.store.list::<FacilityDetails>(&query).await?;
        let Some(last) = page.last() else { break };
        query.after = Some(last.id);
        for facility in page.iter().filter(|f| may_see(who, f.organisation)) {
            for certificate in &facility.details.certificates {
                let warning = badge(tr, certificate, today, state.ui.certificate_alert_days);
                if let (Some(badge), Some(expires)) = (warning, certificate.expires_on()) {
                    found.push((
                        expires,
                        ExpiringCertificate {
                            href: format!("/facilities/{}", facility.id),
                            facility: facility.details.name.as_str().to_owned(),
                            certificate: format!(
                                "{} {}",
                                tr.t(&format!("certificate-kind-{}", certificate.kind().as_str())),
                                certificate.number()
                            ),
                            expires_on: expires.to_string(),
                            badge,
                        },
                    ));
                }
            }
        }
    }
    found.sort_by_key(|(expires, _)| *expires);
    Ok(found.into_iter().map(|(_, row)| row).collect())
}
