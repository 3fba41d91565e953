//! What the facility and product pages share: who may see and change a record, the field
//! errors a form shows beside its fields, the approval buttons, and the images products carry.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Actor, Address, AdminUnits, ApprovalStatus, CommuneCode, MediaId, OrganisationId,
    ProductGroupCode, ProductGroupDetails, RecordId, Registered, RegistryDetails, Role,
};
use nguon_store::{RecordQuery, Registry, StoreError};

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::pages::{self, UiError, forbidden};
use crate::ui::session::SignedIn;

/// One message per field that broke its rule, in the user's language, keyed by the field's
/// form name, so a template prints each beside its input.
#[derive(Debug, Default)]
pub struct FieldErrors(HashMap<&'static str, String>);

impl FieldErrors {
    /// Records `message` for `field`; the first message of a field wins.
    pub fn add(&mut self, field: &'static str, message: String) {
        self.0.entry(field).or_insert(message);
    }

    /// The message of `field`, if it broke a rule.
    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    /// Whether every field passed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the value a parse gave, or records `message` for `field`.
    pub fn check<T, E>(
        &mut self,
        field: &'static str,
        parsed: Result<T, E>,
        message: impl FnOnce(E) -> String,
    ) -> Option<T> {
        parsed.map_err(|error| self.add(field, message(error))).ok()
    }
}

/// An option of a select: value, label, and whether it is picked.
pub type Choice = (String, String, bool);

/// The province's communes for an address select, `picked` (a commune code) selected.
pub fn commune_choices(state: &AppState, picked: &str) -> Vec<Choice> {
    AdminUnits::embedded()
        .communes_of(state.ui.province)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let code = c.code().as_str().to_owned();
            let selected = code == picked.trim();
            (code, c.name().to_owned(), selected)
        })
        .collect()
}

/// Reads the address fields of a form: none when both are empty, otherwise a street line in one
/// of the province's communes. A bad field gets its message in `errors` and the result is `None`.
pub fn parse_address(
    tr: Tr,
    state: &AppState,
    street: &str,
    commune: &str,
    errors: &mut FieldErrors,
) -> Option<Option<Address>> {
    match (street.trim(), commune.trim()) {
        ("", "") => Some(None),
        (_, "") => {
            errors.add("commune", tr.t("facility-error-commune"));
            None
        }
        (street, commune) => {
            let units = AdminUnits::embedded();
            let commune = CommuneCode::parse(commune)
                .ok()
                .filter(|code| units.is_commune_of(*code, state.ui.province))
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
    }
}

/// The name of an address's commune, or nothing.
pub fn commune_name(address: Option<&Address>) -> String {
    address
        .and_then(|a| AdminUnits::embedded().commune(a.commune()).ok())
        .map(|(commune, _)| commune.name().to_owned())
        .unwrap_or_default()
}

/// An address on one line: street, commune.
pub fn address_line(address: Option<&Address>) -> String {
    address
        .map(|a| format!("{}, {}", a.street(), commune_name(Some(a))))
        .unwrap_or_default()
}

/// The organisation whose records `who` may create and edit: an organisation role's own.
/// Province roles review records but do not register them for organisations.
pub fn writer(who: &SignedIn) -> Option<OrganisationId> {
    if who.user.access.role().is_province() {
        None
    } else {
        who.user.access.organisation()
    }
}

/// Whether `who` may approve and suspend records.
pub fn reviewer(who: &SignedIn) -> bool {
    who.user.access.role() == Role::ProvinceAdmin
}

/// Whether `who` may see a record owned by `owner`.
pub fn may_see(who: &SignedIn, owner: Option<OrganisationId>) -> bool {
    who.user.access.sees_all_organisations() || owner == who.user.access.organisation()
}

/// Why a record cannot be shown to a user.
pub enum Refusal {
    /// No such record, or one `who` may not see: the same answer, so ids of other
    /// organisations' records cannot be probed.
    NotFound,
    /// The store failed.
    Failed(UiError),
}

impl Refusal {
    /// The page for it.
    pub fn into_page(self, who: &SignedIn) -> Response {
        match self {
            Self::NotFound => not_found(who),
            Self::Failed(error) => error.into_page(who.lang),
        }
    }
}

/// The 404 page.
pub fn not_found(who: &SignedIn) -> Response {
    pages::not_found(who.lang, who)
}

/// The record `id` of kind `D`, if `who` may see it.
pub async fn visible<D: RegistryDetails>(
    state: &AppState,
    who: &SignedIn,
    id: &str,
) -> Result<Registered<D>, Refusal> {
    let id = RecordId::parse(id).map_err(|_| Refusal::NotFound)?;
    match state.store.get::<D>(id).await {
        Ok(record) if may_see(who, record.organisation) => Ok(record),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(Refusal::NotFound),
        Err(error) => Err(Refusal::Failed(error.into())),
    }
}

/// The record `id` of kind `D`, if `who` may edit it: one of the writer's own organisation.
pub async fn editable<D: RegistryDetails>(
    state: &AppState,
    who: &SignedIn,
    id: &str,
) -> Result<Registered<D>, Refusal> {
    let record = visible::<D>(state, who, id).await?;
    match writer(who) {
        Some(own) if record.organisation == Some(own) => Ok(record),
        _ => Err(Refusal::NotFound),
    }
}

/// A status in the user's language.
pub fn status_label(tr: Tr, status: ApprovalStatus) -> String {
    tr.t(&format!("status-{}", status.as_str()))
}

/// The statuses a reviewer may move a record in `status` to, with their button labels.
pub fn review_actions(tr: Tr, status: ApprovalStatus) -> Vec<(&'static str, String)> {
    [ApprovalStatus::Approved, ApprovalStatus::Suspended]
        .into_iter()
        .filter(|to| status.can_change_to(*to))
        .map(|to| (to.as_str(), tr.t(&format!("review-{}", to.as_str()))))
        .collect()
}

/// What an approve or suspend button sends.
#[derive(Debug, serde::Deserialize)]
pub struct StatusForm {
    /// The status to move to.
    #[serde(default)]
    pub status: String,
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// Moves the record `id` of kind `D` to the status a reviewer's form names; the answer is the
/// record's page again.
pub async fn review<D: RegistryDetails>(
    state: &AppState,
    who: &SignedIn,
    id: &str,
    status: &str,
    page: &str,
) -> Response {
    if !reviewer(who) {
        return forbidden(who.lang, Some(who));
    }
    let record = match visible::<D>(state, who, id).await {
        Ok(record) => record,
        Err(refusal) => return refusal.into_page(who),
    };
    let Ok(status) = ApprovalStatus::parse(status) else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    match state
        .store
        .review::<D>(record.id, status, Actor::User(who.user.id))
        .await
    {
        Ok(_) => axum::response::Redirect::to(&format!("{page}/{}", record.id)).into_response(),
        Err(StoreError::Domain(_)) => StatusCode::CONFLICT.into_response(),
        Err(error) => UiError::from(error).into_page(who.lang),
    }
}

/// Whether a GS1 key's company prefix belongs to an organisation other than `own`: then the key
/// is that organisation's to allocate, not `own`'s. `digits` start where the prefix starts.
pub async fn prefix_of_another(
    state: &AppState,
    own: OrganisationId,
    digits: &str,
) -> Result<Option<String>, UiError> {
    Ok(state
        .store
        .organisation_for_key(digits)
        .await?
        .filter(|(owner, _)| owner.id != own)
        .map(|(owner, _)| owner.name.to_string()))
}

/// `GET /media/{id}`: an uploaded image, with the type its content was recognised as. Product
/// photos are shown on public trace pages, so they are served without sign-in; an id never
/// names other bytes, so browsers may keep them for good.
pub async fn media(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = MediaId::parse(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.store.image(id).await {
        Ok((_, image)) => (
            [
                (header::CONTENT_TYPE, image.kind().media_type()),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            image.bytes().to_vec(),
        )
            .into_response(),
        Err(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot read an image");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The catalogue's product groups, in code order, for the forms' pickers.
pub async fn product_groups(state: &AppState) -> Result<Vec<ProductGroupDetails>, UiError> {
    let mut groups: Vec<ProductGroupDetails> = state
        .store
        .list::<ProductGroupDetails>(&RecordQuery::default())
        .await?
        .into_iter()
        .map(|group| group.details)
        .collect();
    groups.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(groups)
}

/// An optional `product_group` field: blank is no group, anything else must be a group code.
/// `None` when it is not one (the error is then in `errors`).
pub fn optional_product_group(
    errors: &mut FieldErrors,
    tr: Tr,
    typed: &str,
) -> Option<Option<ProductGroupCode>> {
    if typed.trim().is_empty() {
        return Some(None);
    }
    errors.check(
        "product_group",
        ProductGroupCode::parse(typed.trim()).map(Some),
        |_| tr.t("group-error-code"),
    )
}
