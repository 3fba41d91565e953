//! Administration pages: users (province admins for everyone, organisation admins within their
//! organisation) and the audit log (province roles).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nguon_domain::{
    Access, Actor, AuditAction, AuditEntry, AuditEntryId, AuditQuery, DomainError, Email,
    EntityKind, NewUser, OrganisationId, Password, PersonName, Role, User, UserId,
};
use nguon_store::{OrganisationQuery, StoreError};
use secrecy::SecretString;
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time};

use crate::AppState;
use crate::password;
use crate::ui::i18n::Tr;
use crate::ui::pages::{UiError, forbidden, password_rule};
use crate::ui::session::SignedIn;
use crate::ui::{Chrome, role_label};

/// A user as the list shows it.
struct UserRow {
    email: String,
    name: String,
    role: String,
    organisation: String,
    active: bool,
}

/// A role the form offers.
struct RoleOption {
    value: &'static str,
    label: String,
    selected: bool,
}

/// The users page: the list and the form that adds one.
#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    csrf: String,
    users: Vec<UserRow>,
    roles: Vec<RoleOption>,
    /// The organisation an organisation admin's new users belong to (fixed); `None` for a
    /// province admin, who picks one of `organisations`.
    fixed_organisation: Option<String>,
    /// The organisations a province admin picks from: id, name, picked.
    organisations: Vec<(String, String, bool)>,
    form: UserForm,
    errors: Vec<String>,
    created: Option<String>,
}

/// Which users to list.
#[derive(Debug, Deserialize)]
pub struct UsersFilter {
    organisation: Option<String>,
}

/// What the new-user form sends.
#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The organisation whose users `who` asks for: the one named in the query, or else all the
/// holder may manage. `None` when the holder may not manage them.
fn scope(who: &SignedIn, asked: Option<&str>) -> Option<Option<OrganisationId>> {
    match asked.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => {
            let id = OrganisationId::parse(text).ok()?;
            who.user
                .access
                .can_manage_users(Some(id))
                .then_some(Some(id))
        }
        None => who.user.access.managed_users(),
    }
}

/// `GET /admin/users[?organisation=ID]`.
pub async fn users(
    State(state): State<AppState>,
    who: SignedIn,
    Query(filter): Query<UsersFilter>,
) -> Response {
    let Some(scope) = scope(&who, filter.organisation.as_deref()) else {
        return forbidden(who.lang, Some(&who));
    };
    let form = UserForm {
        role: Role::OrgStaff.as_str().to_owned(),
        ..UserForm::default()
    };
    users_page(&state, &who, scope, form, Vec::new(), None, StatusCode::OK).await
}

async fn users_page(
    state: &AppState,
    who: &SignedIn,
    scope: Option<OrganisationId>,
    form: UserForm,
    errors: Vec<String>,
    created: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = Tr { lang: who.lang };
    let listed = match state.store.list_users(scope).await {
        Ok(users) => users,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    let organisations = if who.user.access.sees_all_organisations() {
        let query = OrganisationQuery {
            limit: OrganisationQuery::MAX_LIMIT,
            ..OrganisationQuery::default()
        };
        match state.store.list_organisations(&query).await {
            Ok(page) => page
                .organisations
                .into_iter()
                .map(|o| {
                    let id = o.id.to_string();
                    let picked = form.organisation.trim() == id;
                    (id, o.name.to_string(), picked)
                })
                .collect(),
            Err(error) => return UiError::from(error).into_page(who.lang),
        }
    } else {
        Vec::new()
    };
    let names = match organisation_names(
        state,
        listed.iter().filter_map(|u| u.access.organisation()),
    )
    .await
    {
        Ok(names) => names,
        Err(error) => return error.into_page(who.lang),
    };
    let grantable = Role::ALL
        .into_iter()
        .filter(|role| who.user.access.sees_all_organisations() || !role.is_province());
    let page = UsersPage {
        chrome: Chrome::signed_in(who, "/admin/users"),
        csrf: who.session.csrf_token.clone(),
        users: listed
            .iter()
            .map(|user| user_row(tr, user, &names))
            .collect(),
        roles: grantable
            .map(|role| RoleOption {
                value: role.as_str(),
                label: role_label(tr, role),
                selected: form.role == role.as_str(),
            })
            .collect(),
        fixed_organisation: (!who.user.access.sees_all_organisations())
            .then(|| who.organisation.as_ref().map(|o| o.name.to_string()))
            .flatten(),
        organisations,
        form: UserForm {
            password: String::new(),
            ..form
        },
        errors,
        created,
    };
    (status, page).into_response()
}

/// The names of the organisations `ids`, each read once.
async fn organisation_names(
    state: &AppState,
    ids: impl Iterator<Item = OrganisationId>,
) -> Result<HashMap<OrganisationId, String>, UiError> {
    let mut names = HashMap::new();
    for id in ids {
        if let Entry::Vacant(slot) = names.entry(id) {
            slot.insert(state.store.organisation(id).await?.name.to_string());
        }
    }
    Ok(names)
}

fn user_row(tr: Tr, user: &User, names: &HashMap<OrganisationId, String>) -> UserRow {
    UserRow {
        email: user.email.to_string(),
        name: user
            .name
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        role: role_label(tr, user.access.role()),
        organisation: match user.access.organisation() {
            Some(id) => names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
            None => tr.t("home-province"),
        },
        active: user.status == nguon_domain::UserStatus::Active,
    }
}

/// `POST /admin/users`: creates a user within what the holder may manage. An organisation
/// admin's new user always joins the admin's organisation.
pub async fn create_user(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<UserForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let Some(scope) = who.user.access.managed_users() else {
        return forbidden(who.lang, Some(&who));
    };
    // An organisation admin's users join its own organisation with an organisation role; naming
    // another organisation or a province role is an attempt to reach outside it.
    let own = who.user.access.organisation();
    let named = form.organisation.trim();
    if !who.user.access.sees_all_organisations()
        && ((!named.is_empty() && OrganisationId::parse(named).ok() != own)
            || Role::parse(&form.role).is_ok_and(Role::is_province))
    {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let (parsed, errors) = parse_user(tr, &who, &form);
    let Some(new) = parsed else {
        return users_page(
            &state,
            &who,
            scope,
            form,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if !who.user.access.can_grant(&new.access) {
        return forbidden(who.lang, Some(&who));
    }
    let created = async {
        let new = NewUser {
            password_hash: password::hash(new.password).await?,
            email: new.email,
            name: new.name,
            access: new.access,
        };
        Ok::<_, UiError>(
            state
                .store
                .create_user(&new, Actor::User(who.user.id))
                .await,
        )
    }
    .await;
    match created {
        Ok(Ok(user)) => {
            let message = tr.t1("users-created", "email", user.email.as_str());
            users_page(
                &state,
                &who,
                scope,
                UserForm::default(),
                Vec::new(),
                Some(message),
                StatusCode::OK,
            )
            .await
        }
        Ok(Err(StoreError::Conflict { what: "email", .. })) => {
            let errors = vec![tr.t("error-email-taken")];
            users_page(
                &state,
                &who,
                scope,
                form,
                errors,
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        Ok(Err(StoreError::NotFound {
            what: "organisation",
            ..
        })) => {
            let errors = vec![tr.t("error-organisation")];
            users_page(
                &state,
                &who,
                scope,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(Err(error)) => UiError::from(error).into_page(who.lang),
        Err(error) => error.into_page(who.lang),
    }
}

/// A new user's fields, read, before the password is hashed.
struct ParsedUser {
    email: Email,
    name: Option<PersonName>,
    access: Access,
    password: Password,
}

/// Reads every field, collecting one message per bad field in the user's language.
fn parse_user(tr: Tr, who: &SignedIn, form: &UserForm) -> (Option<ParsedUser>, Vec<String>) {
    let mut errors = Vec::new();
    let email = Email::parse(&form.email)
        .map_err(|_| errors.push(tr.t("error-email")))
        .ok();
    let name = match form.name.trim() {
        "" => Some(None),
        text => PersonName::parse(text)
            .map(Some)
            .map_err(|_| errors.push(tr.t("error-name")))
            .ok(),
    };
    let organisation = if who.user.access.sees_all_organisations() {
        match form.organisation.trim() {
            "" => Some(None),
            text => OrganisationId::parse(text)
                .map(Some)
                .map_err(|_| errors.push(tr.t("error-organisation")))
                .ok(),
        }
    } else {
        Some(who.user.access.organisation())
    };
    let access = match (Role::parse(&form.role), organisation) {
        (Ok(role), Some(organisation)) => Access::new(role, organisation)
            .map_err(|error| errors.push(access_rule(tr, &error)))
            .ok(),
        (Err(_), _) => {
            errors.push(tr.t("error-role"));
            None
        }
        (_, None) => None,
    };
    let password = Password::parse(SecretString::from(form.password.clone()))
        .map_err(|error| errors.push(password_rule(tr, &error)))
        .ok();
    match (email, name, access, password) {
        (Some(email), Some(name), Some(access), Some(password)) => (
            Some(ParsedUser {
                email,
                name,
                access,
                password,
            }),
            errors,
        ),
        _ => (None, errors),
    }
}

fn access_rule(tr: Tr, error: &DomainError) -> String {
    match error {
        DomainError::RoleNeedsOrganisation { .. } => tr.t("error-role-needs-organisation"),
        DomainError::RoleForbidsOrganisation { .. } => tr.t("error-role-forbids-organisation"),
        other => other.to_string(),
    }
}

/// An audit entry as the log page shows it.
struct AuditRow {
    at: String,
    /// Who, as people read it: a user's address, else the stored form.
    actor: String,
    /// Who, in the stored form the search field takes.
    actor_id: String,
    action: String,
    entity: String,
    before: String,
    after: String,
}

/// The audit log page.
#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPageView {
    chrome: Chrome,
    filter: AuditFilter,
    actions: Vec<(&'static str, bool)>,
    kinds: Vec<(&'static str, bool)>,
    rows: Vec<AuditRow>,
    error: Option<String>,
    next: Option<String>,
}

/// The search form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity_kind: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

impl AuditFilter {
    /// Whether any search field is filled in, so the search form opens showing it.
    fn is_active(&self) -> bool {
        [
            &self.actor,
            &self.entity_kind,
            &self.entity_id,
            &self.action,
            &self.from,
            &self.to,
        ]
        .iter()
        .any(|value| !value.trim().is_empty())
    }

    /// The query, or the message naming the first field that cannot be read.
    fn query(&self, tr: Tr) -> Result<AuditQuery, String> {
        let text = |value: &str| {
            Some(value.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let field = |name: &str| tr.t1("audit-bad-field", "field", &tr.t(name));
        let date =
            |value: &str, name: &str, next_day: bool| -> Result<Option<OffsetDateTime>, String> {
                let Some(value) = text(value) else {
                    return Ok(None);
                };
                let format = time::macros::format_description!("[year]-[month]-[day]");
                let day = Date::parse(&value, &format).map_err(|_| field(name))?;
                let day = if next_day {
                    day.next_day().ok_or_else(|| field(name))?
                } else {
                    day
                };
                Ok(Some(day.with_time(Time::MIDNIGHT).assume_utc()))
            };
        Ok(AuditQuery {
            actor: text(&self.actor)
                .map(|a| Actor::parse(&a).map_err(|_| field("audit-actor")))
                .transpose()?,
            entity_kind: text(&self.entity_kind)
                .map(|k| EntityKind::parse(&k).map_err(|_| field("audit-entity-kind")))
                .transpose()?,
            entity_id: text(&self.entity_id),
            action: text(&self.action)
                .map(|a| AuditAction::parse(&a).map_err(|_| field("audit-action")))
                .transpose()?,
            organisation: None,
            from: date(&self.from, "audit-from", false)?,
            // The "to" day is included: the range ends at the start of the next day.
            to: date(&self.to, "audit-to", true)?,
            before: text(&self.before)
                .map(|b| AuditEntryId::parse(&b).map_err(|_| field("audit-before")))
                .transpose()?,
            limit: AuditQuery::DEFAULT_LIMIT,
        })
    }

    /// The query string of the next page: these filters, older than `before`.
    fn next_page(&self, before: AuditEntryId) -> String {
        let pairs = [
            ("actor", self.actor.as_str()),
            ("entity_kind", &self.entity_kind),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let mut query: String = pairs
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(name, value)| format!("{name}={}&", crate::ui::query_escape(value.trim())))
            .collect();
        query.push_str(&format!("before={before}"));
        query
    }
}

/// `GET /admin/audit`: the audit log, newest first, filtered by actor, record, action and days.
pub async fn audit(
    State(state): State<AppState>,
    who: SignedIn,
    Query(filter): Query<AuditFilter>,
) -> Response {
    if !who.user.access.can_read_audit_log() {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let (rows, next, error, status) = match filter.query(tr) {
        Ok(query) => match search(&state, &query).await {
            Ok((page, emails)) => (
                page.entries
                    .iter()
                    .map(|entry| audit_row(entry, &emails))
                    .collect(),
                page.next_before.map(|before| filter.next_page(before)),
                None,
                StatusCode::OK,
            ),
            Err(error) => return error.into_page(who.lang),
        },
        Err(message) => (Vec::new(), None, Some(message), StatusCode::BAD_REQUEST),
    };
    let page = AuditPageView {
        chrome: Chrome::signed_in(&who, "/admin/audit"),
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.as_str(), a.as_str() == filter.action))
            .collect(),
        kinds: EntityKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.as_str() == filter.entity_kind))
            .collect(),
        filter,
        rows,
        error,
        next,
    };
    (status, page).into_response()
}

/// One page of the log and the addresses of the users who acted on it, each read once.
pub async fn search(
    state: &AppState,
    query: &AuditQuery,
) -> Result<(nguon_store::AuditPage, HashMap<UserId, String>), UiError> {
    let page = state.store.search_audit_log(query).await?;
    let mut emails = HashMap::new();
    for entry in &page.entries {
        if let Actor::User(id) = entry.actor
            && let Entry::Vacant(slot) = emails.entry(id)
        {
            slot.insert(state.store.user(id).await?.email.to_string());
        }
    }
    Ok((page, emails))
}

fn audit_row(entry: &AuditEntry, emails: &HashMap<UserId, String>) -> AuditRow {
    let json = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
            .unwrap_or_default()
    };
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    AuditRow {
        at: entry.at.format(&format).unwrap_or_default(),
        actor: match entry.actor {
            Actor::User(id) => emails.get(&id).cloned(),
            Actor::ApiKey(_) | Actor::Cli => None,
        }
        .unwrap_or_else(|| entry.actor.to_string()),
        actor_id: entry.actor.to_string(),
        action: entry.action.to_string(),
        entity: format!("{} {}", entry.entity_kind.as_str(), entry.entity_id),
        before: json(&entry.before),
        after: json(&entry.after),
    }
}
