//! Facility pages: an organisation registers and edits its ponds, fields, plants and shops with
//! their address, location and certificates; the province sees every facility and approves or
//! suspends them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::{
    Actor, Address, AdminUnits, ApprovalStatus, Certificate, CertificateKind, CommuneCode,
    Facility, FacilityDetails, FacilityKind, Geometry, OfficialCode, OrganisationId, RecordName,
};
use nguon_gs1::Gln;
use nguon_store::{RecordQuery, Registry, StoreError};
use serde::Deserialize;
use time::Date;

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden};
use crate::ui::registry::{
    FieldErrors, StatusForm, editable, may_see, prefix_of_another, review, review_actions,
    reviewer, status_label, visible, writer,
};
use crate::ui::session::SignedIn;

/// Days before expiry from which a certificate is flagged for renewal.
pub const RENEW_WITHIN_DAYS: i64 = 60;

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

/// A commune or kind a select offers: value, label, picked.
type Choice = (String, String, bool);

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
        let address = match (self.street.trim(), self.commune.trim()) {
            ("", "") => Some(None),
            (_, "") => {
                errors.add("commune", tr.t("facility-error-commune"));
                None
            }
            (street, commune) => {
                let units = AdminUnits::embedded();
                let commune = CommuneCode::parse(commune)
                    .ok()
                    .filter(|code| {
                        units
                            .commune(*code)
                            .is_ok_and(|(_, p)| p.code() == state.ui.province)
                    })
                    .map(|code| Address::new(units, street, code));
                match commune {
                    None => {
                        errors.add("commune", tr.t("facility-error-commune"));
                        None
                    }
                    Some(address) => errors
                        .check("street", address, |_| tr.t("facility-error-street"))
                        .map(Some),
                }
            }
        };
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

/// The name of an address's commune, or nothing.
fn commune_name(address: Option<&Address>) -> String {
    address
        .and_then(|a| AdminUnits::embedded().commune(a.commune()).ok())
        .map(|(commune, _)| commune.name().to_owned())
        .unwrap_or_default()
}

fn form_page(
    state: &AppState,
    who: &SignedIn,
    editing: Option<&Facility>,
    form: FacilityForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let (action, here) = match editing {
        Some(facility) => {
            let path = format!("/facilities/{}/edit", facility.id);
            (path.clone(), path)
        }
        None => ("/facilities".to_owned(), "/facilities/new".to_owned()),
    };
    let communes = AdminUnits::embedded()
        .communes_of(state.ui.province)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let code = c.code().as_str().to_owned();
            let picked = code == form.commune.trim();
            (code, c.name().to_owned(), picked)
        })
        .collect();
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

/// Checks a parsed facility's GLN against other organisations' company prefixes.
async fn check_gln(
    state: &AppState,
    tr: Tr,
    own: OrganisationId,
    details: &FacilityDetails,
) -> Result<FieldErrors, UiError> {
    let mut errors = FieldErrors::default();
    if let Some(owner) = prefix_of_another(state, own, details.gln.as_str()).await? {
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
    match check_gln(&state, tr, own, &details).await {
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
    /// `expired`, `expiring` or empty: the badge to show.
    badge: &'static str,
}

/// The badge of a certificate on `today`.
fn badge(certificate: &Certificate, today: Date) -> &'static str {
    if certificate.expired(today) {
        "expired"
    } else if certificate.expires_within(today, RENEW_WITHIN_DAYS) {
        "expiring"
    } else {
        ""
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
        address: details
            .address
            .as_ref()
            .map(|a| format!("{}, {}", a.street(), commune_name(Some(a))))
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
                badge: badge(c, today),
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

/// A certificate about to expire or expired, for the province's home page.
pub struct ExpiringCertificate {
    /// The facility's page.
    pub href: String,
    /// The facility's name.
    pub facility: String,
    /// The scheme and number.
    pub certificate: String,
    /// When it expires.
    pub expires_on: String,
    /// `expired` or `expiring`.
    pub badge: &'static str,
}

/// Every visible facility's certificate that expired or expires within
/// [`RENEW_WITHIN_DAYS`], soonest first, for province roles.
pub async fn expiring_certificates(
    state: &AppState,
    who: &SignedIn,
) -> Result<Vec<ExpiringCertificate>, UiError> {
    let tr = Tr { lang: who.lang };
    let today = nguon_store::now_utc().date();
    let mut found = Vec::new();
    let mut query = RecordQuery::default();
    loop {
        let page = state.store.list::<FacilityDetails>(&query).await?;
        let Some(last) = page.last() else { break };
        query.after = Some(last.id);
        for facility in page.iter().filter(|f| may_see(who, f.organisation)) {
            for certificate in &facility.details.certificates {
                let badge = badge(certificate, today);
                if let (false, Some(expires)) = (badge.is_empty(), certificate.expires_on()) {
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
