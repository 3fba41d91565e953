//! The import page (`/import`): templates to download, the records already held to export in
//! the same columns, and a file upload that stores a whole file or, with the row-level report
//! shown as a table, nothing. Organisation users import facilities, products and diary events
//! of their own organisation; the province administrator imports organisations, and facilities
//! and products for an organisation it picks. `/export/{kind}.{csv|xlsx}` gives the caller's
//! records (every organisation's to province roles).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nguon_domain::{Actor, Organisation, OrganisationId, Role};
use nguon_store::{OrganisationQuery, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::import::{self, FileFormat, ImportError, ImportKind, Importer, Problem};
use crate::quality::CHAINS as CATALOGUE;
use crate::ui::Chrome;
use crate::ui::diary::read_multipart;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::{UiError, forbidden};
use crate::ui::session::SignedIn;

/// Largest file accepted: a 10,000-row workbook is well under it.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// Records listed after a successful import; the rest are counted.
const LISTED: usize = 50;

/// Problems shown in the report; the rest are counted.
const SHOWN_PROBLEMS: usize = 500;

/// A kind as the page offers it.
struct KindEntry {
    /// The upload form's value: `facilities`, `events/rice/sowing`.
    value: String,
    label: String,
    /// The query string of its template and export links (`?chain=…&stage=…` for events).
    query: String,
    /// The path stem of its links: `facilities`, `events`.
    stem: &'static str,
    /// Whether the user may import it (otherwise only export it).
    importable: bool,
}

/// One line of the row-level report.
struct ProblemRow {
    row: String,
    column: String,
    value: String,
    rule: String,
}

/// What a successful import shows.
struct Done {
    count: usize,
    records: Vec<(String, String)>,
    more: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    csrf: String,
    registries: Vec<KindEntry>,
    events: Vec<KindEntry>,
    can_import: bool,
    /// The organisations a province administrator may pick, as (id, label).
    organisations: Vec<(String, String)>,
    picked_kind: String,
    picked_org: String,
    message: Option<String>,
    problems: Vec<ProblemRow>,
    hidden_problems: usize,
    done: Option<Done>,
}

/// The kind of a form value or a link's path stem and query.
fn kind_of(value: &str, query: &KindQuery) -> Result<ImportKind, Problem> {
    match value.split('/').collect::<Vec<_>>().as_slice() {
        ["events", chain, stage] => ImportKind::parse("events", Some(chain), Some(stage)),
        [kind] => ImportKind::parse(kind, query.chain.as_deref(), query.stage.as_deref()),
        _ => ImportKind::parse(value, None, None),
    }
}

/// Whether `who` may import `kind` at all.
fn may_import(who: &SignedIn, kind: ImportKind) -> bool {
    match (who.user.access.role(), kind) {
        (Role::ProvinceAdmin, ImportKind::Events(..)) => false,
        (Role::ProvinceAdmin, _) => true,
        (Role::OrgAdmin | Role::OrgStaff, ImportKind::Organisations) => false,
        (Role::OrgAdmin | Role::OrgStaff, ImportKind::Events(_, stage)) => who
            .organisation
            .as_ref()
            .is_some_and(|o| stage.organisations().contains(&o.kind)),
        (Role::OrgAdmin | Role::OrgStaff, _) => true,
        _ => false,
    }
}

/// The kinds the page lists for `who`.
fn entries(who: &SignedIn) -> (Vec<KindEntry>, Vec<KindEntry>) {
    let tr = Tr { lang: who.lang };
    let province = who.user.access.sees_all_organisations();
    let registries = ImportKind::REGISTRIES
        .iter()
        .filter_map(|name| {
            let kind = ImportKind::parse(name, None, None).ok()?;
            let importable = may_import(who, kind);
            (importable || province || !matches!(kind, ImportKind::Organisations)).then(|| {
                KindEntry {
                    value: (*name).to_owned(),
                    label: tr.t(&format!("import-kind-{name}")),
                    query: String::new(),
                    stem: kind.name(),
                    importable,
                }
            })
        })
        .collect();
    let name = |names: &nguon_chains::Names| match who.lang {
        Lang::Vi => names.vi.clone(),
        Lang::En => names.en.clone(),
    };
    let events = CATALOGUE
        .iter()
        .flat_map(|chain| chain.stages().iter().map(move |stage| (chain, stage)))
        .filter_map(|(chain, stage)| {
            let kind = ImportKind::Events(chain, stage);
            let importable = may_import(who, kind);
            (importable || province).then(|| KindEntry {
                value: format!("events/{}/{}", chain.id(), stage.id()),
                label: format!("{} — {}", name(chain.name()), name(stage.name())),
                query: format!("?chain={}&stage={}", chain.id(), stage.id()),
                stem: "events",
                importable,
            })
        })
        .collect();
    (registries, events)
}

/// Every organisation, for the province administrator's pick, by name.
async fn organisation_choices(state: &AppState) -> Result<Vec<(String, String)>, StoreError> {
    let mut query = OrganisationQuery {
        limit: OrganisationQuery::MAX_LIMIT,
        ..OrganisationQuery::default()
    };
    let mut all = Vec::new();
    loop {
        let page = state.store.list_organisations(&query).await?;
        all.extend(
            page.organisations
                .into_iter()
                .map(|o| (o.id.to_string(), format!("{} · {}", o.name, o.tax_code))),
        );
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => break,
        }
    }
    all.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(all)
}

/// What a page shows besides the lists.
#[derive(Default)]
struct Outcome {
    picked_kind: String,
    picked_org: String,
    message: Option<String>,
    problems: Vec<Problem>,
    done: Option<import::Imported>,
}

async fn page(state: &AppState, who: &SignedIn, outcome: Outcome, status: StatusCode) -> Response {
    let tr = Tr { lang: who.lang };
    let (registries, events) = entries(who);
    let can_import = registries.iter().chain(&events).any(|k| k.importable);
    let organisations = if who.user.access.role() == Role::ProvinceAdmin {
        match organisation_choices(state).await {
            Ok(choices) => choices,
            Err(error) => return UiError::from(error).into_page(who.lang),
        }
    } else {
        Vec::new()
    };
    let hidden_problems = outcome.problems.len().saturating_sub(SHOWN_PROBLEMS);
    let problems = outcome
        .problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| ProblemRow {
            row: if p.row == 0 {
                tr.t("import-whole-file")
            } else {
                p.row.to_string()
            },
            column: p.column.clone(),
            value: p.value.clone(),
            rule: p.message(who.lang).to_owned(),
        })
        .collect();
    let done = outcome.done.map(|imported| Done {
        count: imported.count,
        more: imported.records.len().saturating_sub(LISTED),
        records: imported.records.into_iter().take(LISTED).collect(),
    });
    let page = ImportPage {
        chrome: Chrome::signed_in(who, "/import"),
        csrf: who.session.csrf_token.clone(),
        registries,
        events,
        can_import,
        organisations,
        picked_kind: outcome.picked_kind,
        picked_org: outcome.picked_org,
        message: outcome.message,
        problems,
        hidden_problems,
        done,
    };
    (status, page).into_response()
}

/// Whether `who` may use the page at all: every role but none.
fn allowed(who: &SignedIn) -> bool {
    who.user.access.sees_all_organisations() || who.organisation.is_some()
}

/// `GET /import`.
pub async fn form(State(state): State<AppState>, who: SignedIn) -> Response {
    if !allowed(&who) {
        return forbidden(who.lang, Some(&who));
    }
    page(&state, &who, Outcome::default(), StatusCode::OK).await
}

/// The organisation a file is imported into: the user's own, or the one a province
/// administrator picked. `Err` is the page to answer: 403 for another organisation.
async fn target(
    state: &AppState,
    who: &SignedIn,
    kind: ImportKind,
    picked: &str,
) -> Result<Option<Organisation>, Result<String, Response>> {
    if !kind.per_organisation() {
        return Ok(None);
    }
    if let Some(own) = &who.organisation {
        if !picked.is_empty() && picked != own.id.to_string() {
            return Err(Err(forbidden(who.lang, Some(who))));
        }
        return Ok(Some(own.clone()));
    }
    let tr = Tr { lang: who.lang };
    let Ok(id) = OrganisationId::parse(picked) else {
        return Err(Ok(tr.t("import-no-organisation")));
    };
    match state.store.organisation(id).await {
        Ok(organisation) => Ok(Some(organisation)),
        Err(StoreError::NotFound { .. }) => Err(Ok(tr.t("import-no-organisation"))),
        Err(error) => Err(Err(UiError::from(error).into_page(who.lang))),
    }
}

/// `POST /import`: checks the CSRF token and the user's right to the kind and organisation,
/// then imports the file, all or nothing.
pub async fn upload(
    State(state): State<AppState>,
    who: SignedIn,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let posted = match multipart {
        Ok(multipart) => read_multipart(multipart).await,
        Err(rejection) => Err(rejection.body_text()),
    };
    let posted = match posted {
        Ok(posted) => posted,
        Err(reason) => {
            tracing::info!(%reason, "unreadable import form");
            return forbidden(who.lang, Some(&who));
        }
    };
    let value = |name: &str| posted.values.get(name).map_or("", |v| v.trim());
    if !who.csrf_ok(value("csrf")) || !allowed(&who) {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let mut outcome = Outcome {
        picked_kind: value("kind").to_owned(),
        picked_org: value("org").to_owned(),
        ..Outcome::default()
    };
    let kind = match kind_of(value("kind"), &KindQuery::default()) {
        Ok(kind) => kind,
        Err(problem) => {
            outcome.problems.push(problem);
            return page(&state, &who, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if !may_import(&who, kind) {
        return forbidden(who.lang, Some(&who));
    }
    let organisation = match target(&state, &who, kind, value("org")).await {
        Ok(organisation) => organisation,
        Err(Ok(message)) => {
            outcome.message = Some(message);
            return page(&state, &who, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(Err(response)) => return response,
    };
    let Some(bytes) = posted.files.get("file") else {
        outcome.message = Some(tr.t("import-no-file"));
        return page(&state, &who, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let importer = Importer {
        state: &state,
        organisation: organisation.as_ref(),
        actor: Actor::User(who.user.id),
        by_province: who.user.access.role().is_province(),
    };
    let format = FileFormat::sniff(bytes);
    match import::import(importer, kind, format, bytes, &()).await {
        Ok(imported) => {
            outcome.done = Some(imported);
            page(&state, &who, outcome, StatusCode::OK).await
        }
        Err(ImportError::Refused(problems)) => {
            outcome.message = Some(tr.t1("import-refused", "count", &problems.len().to_string()));
            outcome.problems = problems;
            page(&state, &who, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ImportError::Store(error)) => UiError::from(error).into_page(who.lang),
        Err(ImportError::Write(reason)) => UiError::Internal(reason).into_page(who.lang),
    }
}

/// The chain and stage of an events link.
#[derive(Debug, Default, Deserialize)]
pub struct KindQuery {
    chain: Option<String>,
    stage: Option<String>,
}

/// `{kind}.{csv|xlsx}` of a link; `None` is answered with the 404 page.
fn file_of(file: &str, query: &KindQuery) -> Option<(ImportKind, FileFormat)> {
    let (stem, extension) = file.rsplit_once('.')?;
    let format = FileFormat::parse(extension)?;
    let kind = kind_of(stem, query).ok()?;
    Some((kind, format))
}

/// A file to download.
fn attachment(kind: ImportKind, format: FileFormat, suffix: &str, bytes: Vec<u8>) -> Response {
    let name = format!("{}{suffix}.{}", kind.file_stem(), format.extension());
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn file_error(who: &SignedIn, error: ImportError) -> Response {
    match error {
        ImportError::Store(error) => UiError::from(error).into_page(who.lang),
        other => UiError::Internal(other.to_string()).into_page(who.lang),
    }
}

/// `GET /import/template/{kind}.{csv|xlsx}`: the headers and an example row; as XLSX, with
/// the sheet explaining every column.
pub async fn template(
    State(state): State<AppState>,
    who: SignedIn,
    Path(file): Path<String>,
    Query(query): Query<KindQuery>,
) -> Response {
    let Some((kind, format)) = file_of(&file, &query) else {
        return crate::ui::pages::not_found(who.lang, &who);
    };
    match import::template(&state, kind, format).await {
        Ok(bytes) => attachment(kind, format, "-template", bytes),
        Err(error) => file_error(&who, error),
    }
}

/// `GET /export/{kind}.{csv|xlsx}`: the records `who` may see, in the columns an import reads.
pub async fn export(
    State(state): State<AppState>,
    who: SignedIn,
    Path(file): Path<String>,
    Query(query): Query<KindQuery>,
) -> Response {
    if !allowed(&who) {
        return forbidden(who.lang, Some(&who));
    }
    let Some((kind, format)) = file_of(&file, &query) else {
        return crate::ui::pages::not_found(who.lang, &who);
    };
    let scope = if who.user.access.sees_all_organisations() {
        None
    } else {
        who.user.access.organisation()
    };
    match import::export(&state, kind, scope, format).await {
        Ok(bytes) => attachment(kind, format, "", bytes),
        Err(error) => file_error(&who, error),
    }
}
