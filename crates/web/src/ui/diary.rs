//! Diary forms: one phone-width form per stage of a pilot chain, generated from its template
//! (DESIGN §6). A submitted form becomes an EPCIS event through [`ChainTemplate::event`] and is
//! stored by [`store_event`], the code `POST /epcis/events` uses, so an event recorded on a phone
//! is indexed, hashed and checked exactly as one sent by a program.
//!
//! Only organisation users of an approved organisation record; the event's owner is the user's
//! organisation, and a stage's place must be one of that organisation's own facilities. The forms
//! work without JavaScript; `static/diary.js` adds scanning lot barcodes with the camera, picking
//! recent lots into multi-lot fields and filling coordinates from the phone's GPS.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use nguon_chains::{
    Capture, ChainTemplate, FieldError, Kde, KdeType, OrganisationKind, Stage, Target,
};
use nguon_domain::{
    Actor, ApprovalStatus, FacilityDetails, Image, Organisation, ProductDetails, Role,
};
use nguon_domain::{Direction, EventQuery, OrderBy};
use nguon_epcis::model::{Event, EventBody};
use nguon_gs1::{Gln, mod10_check_digit, percent_encode};
use nguon_store::{RecordQuery, Registry};
use sha2::{Digest, Sha256};
use time::UtcOffset;

use crate::AppState;
use crate::epcis::capture::{StoreEventError, store_event};
use crate::quality::CHAINS as CATALOGUE;
use crate::ui::Chrome;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::UiError;
use crate::ui::session::SignedIn;

/// The diary's script.
const SCRIPT: &str = include_str!("../../static/diary.js");

/// The script's URL carries a hash of its content, like the stylesheet's, so it may be cached
/// for good.
static SCRIPT_URL: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("/static/diary.{hex}.js")
});

/// Vietnam time, UTC+7 all year: a diary entry is recorded in the recorder's local time.
pub(crate) const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+7 is a valid offset"),
};

/// Largest diary form body: a few phone photos of at most [`Image::MAX_BYTES`] each.
const BODY_LIMIT: usize = 4 * Image::MAX_BYTES + 64 * 1024;

/// Recent lots offered for picking.
const RECENT_LOTS: usize = 30;

/// The form field carrying a quantity's unit is the KDE key with this suffix.
const UNIT_SUFFIX: &str = ".unit";

/// The form field keeping a photo already uploaded is the KDE key with this suffix.
const URL_SUFFIX: &str = ".url";

/// The diary's routes.
pub fn routes() -> super::Pages {
    super::Pages::new()
        .route("/diary", get(index))
        .route(
            "/diary/{chain}/{stage}",
            get(form)
                .post(record)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route(SCRIPT_URL.as_str(), get(script))
}

/// `GET /static/diary.{hash}.js`.
async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// Who records: an organisation user of an approved organisation, with the GLN the events name
/// it by.
struct Recorder {
    organisation: Organisation,
    kind: OrganisationKind,
    owner: Gln,
}

impl Recorder {
    /// The recorder behind `who`, or the 403 page that says why they may not record.
    fn of(who: &SignedIn) -> Result<Self, Box<Response>> {
        let refuse = |message: &str| Box::new(message_page(who, StatusCode::FORBIDDEN, message));
        if !matches!(who.user.access.role(), Role::OrgAdmin | Role::OrgStaff) {
            return Err(refuse("diary-only-organisations"));
        }
        let Some(organisation) = who.organisation.clone() else {
            return Err(refuse("diary-only-organisations"));
        };
        if organisation.status != ApprovalStatus::Approved {
            return Err(refuse("diary-not-approved"));
        }
        let Some(owner) = own_gln(&organisation) else {
            return Err(refuse("diary-no-prefix"));
        };
        let kind = organisation.kind;
        Ok(Self {
            organisation,
            kind,
            owner,
        })
    }

    /// Whether this organisation's kind records `stage`.
    fn records(&self, stage: &Stage) -> bool {
        stage.organisations().contains(&self.kind)
    }
}

/// The organisation's own GLN, which its events name as owner: its first company prefix with
/// location reference zero; `None` without a prefix.
pub(crate) fn own_gln(organisation: &Organisation) -> Option<Gln> {
    let prefix = organisation.company_prefixes.first()?;
    let digits = format!("{:0<12}", prefix.as_str());
    let check = mod10_check_digit(&digits)?;
    Gln::parse(&format!("{digits}{check}")).ok()
}

/// A page that only says one thing: why the diary is closed, or that a chain is unknown.
#[derive(Template, WebTemplate)]
#[template(path = "diary_message.html")]
struct MessagePage {
    chrome: Chrome,
    message: String,
}

fn message_page(who: &SignedIn, status: StatusCode, message: &str) -> Response {
    let page = MessagePage {
        chrome: Chrome::signed_in(who, "/diary"),
        message: Tr { lang: who.lang }.t(message),
    };
    (status, page).into_response()
}

/// A chain and the stages the organisation records, as the index lists them.
struct ChainEntry {
    name: String,
    stages: Vec<(String, String)>,
}

/// The diary's first page.
#[derive(Template, WebTemplate)]
#[template(path = "diary_index.html")]
struct IndexPage {
    chrome: Chrome,
    organisation: String,
    chains: Vec<ChainEntry>,
}

/// `GET /diary`: the chains of the organisation's products (every chain when none of its
/// products names one) and, for each, the stages its kind of organisation records.
async fn index(State(state): State<AppState>, who: SignedIn) -> Response {
    let recorder = match Recorder::of(&who) {
        Ok(recorder) => recorder,
        Err(page) => return *page,
    };
    let products = match state
        .store
        .list::<ProductDetails>(&RecordQuery {
            organisation: Some(recorder.organisation.id),
            ..RecordQuery::default()
        })
        .await
    {
        Ok(products) => products,
        Err(error) => return UiError::from(error).into_page(who.lang),
    };
    let own: Vec<&str> = products
        .iter()
        .filter_map(|p| p.details.chain.as_deref())
        .collect();
    let chains = CATALOGUE
        .iter()
        .filter(|chain| own.is_empty() || own.contains(&chain.id()))
        .map(|chain| ChainEntry {
            name: name(who.lang, chain.name()),
            stages: chain
                .stages()
                .iter()
                .filter(|stage| recorder.records(stage))
                .map(|stage| {
                    (
                        format!("/diary/{}/{}", chain.id(), stage.id()),
                        name(who.lang, stage.name()),
                    )
                })
                .collect(),
        })
        .filter(|chain| !chain.stages.is_empty())
        .collect();
    IndexPage {
        chrome: Chrome::signed_in(&who, "/diary"),
        organisation: recorder.organisation.name.to_string(),
        chains,
    }
    .into_response()
}

fn name(lang: Lang, names: &nguon_chains::Names) -> String {
    match lang {
        Lang::Vi => names.vi.clone(),
        Lang::En => names.en.clone(),
    }
}

/// One form field as the page draws it.
struct Field {
    key: String,
    label: String,
    required: bool,
    /// `text`, `number`, `quantity`, `date`, `datetime`, `choice`, `lot`, `facility` (one of the
    /// organisation's own), `gln` (someone else's place or a party), `photo`, `geo`, `certificate`.
    kind: &'static str,
    /// Choices, units or facilities as (value, label).
    options: Vec<(String, String)>,
    /// One value a line (several lots, or one amount for each of them).
    multiline: bool,
    /// Whether a number must be whole.
    integer: bool,
    min_length: Option<usize>,
    max_length: Option<usize>,
    /// An example value, for fields whose form is not obvious.
    example: String,
    value: String,
    unit: String,
    /// A photo already uploaded, kept when the form comes back with errors.
    photo_url: String,
    error: Option<String>,
}

impl Field {
    /// The field of `kde`, empty.
    fn of(kde: &Kde, stage: &Stage, lang: Lang, facilities: &[(String, String)]) -> Self {
        let mut field = Self {
            key: kde.key().to_owned(),
            label: name(lang, kde.name()),
            required: kde.required(),
            kind: "text",
            options: Vec::new(),
            multiline: false,
            integer: false,
            min_length: None,
            max_length: None,
            example: String::new(),
            value: String::new(),
            unit: String::new(),
            photo_url: String::new(),
            error: None,
        };
        match kde.value() {
            KdeType::Text {
                min_length,
                max_length,
                pattern,
            } => {
                field.min_length = *min_length;
                field.max_length = *max_length;
                field.example = pattern
                    .as_ref()
                    .map(|p| p.example().to_owned())
                    .unwrap_or_default();
            }
            KdeType::Number { integer, .. } => {
                field.kind = "number";
                field.integer = *integer;
            }
            KdeType::Quantity { units, .. } => {
                field.kind = "quantity";
                field.multiline = lot_is_multiple(stage, kde);
                field.options = units
                    .iter()
                    .map(|u| {
                        let label = match lang {
                            Lang::Vi => u.vi,
                            Lang::En => u.en,
                        };
                        (u.code.to_owned(), label.to_owned())
                    })
                    .collect();
            }
            KdeType::Date => field.kind = "date",
            KdeType::DateTime => field.kind = "datetime",
            KdeType::Choice { options } => {
                field.kind = "choice";
                field.options = options
                    .iter()
                    .map(|o| (o.value.clone(), name(lang, &o.name)))
                    .collect();
            }
            KdeType::Lot { multiple, .. } => {
                field.kind = "lot";
                field.multiline = *multiple;
                field.example = "(01)08931234560027(10)AO7".into();
            }
            KdeType::Facility if is_own_place(kde) => {
                field.kind = "facility";
                field.options = facilities.to_vec();
            }
            KdeType::Facility | KdeType::Party => {
                field.kind = "gln";
                field.example = "8931234560010".into();
            }
            KdeType::Photo => field.kind = "photo",
            KdeType::Geo => {
                field.kind = "geo";
                field.example = "9.2851, 105.7244".into();
            }
            KdeType::Certificate => field.kind = "certificate",
        }
        field
    }
}

/// Whether a facility KDE names where the stage happens, which must be the recorder's own
/// place; a source or destination is someone else's.
pub(crate) fn is_own_place(kde: &Kde) -> bool {
    matches!(kde.target(), Target::BizLocation | Target::ReadPoint)
}

/// Whether a quantity KDE gives the amounts of a multiple lot KDE, one a line.
fn lot_is_multiple(stage: &Stage, kde: &Kde) -> bool {
    match kde.target() {
        Target::LotQuantity(lot) => stage
            .kde(lot)
            .is_some_and(|lot| matches!(lot.value(), KdeType::Lot { multiple: true, .. })),
        _ => false,
    }
}

/// A stage's form.
#[derive(Template, WebTemplate)]
#[template(path = "diary_form.html")]
struct FormPage {
    chrome: Chrome,
    action: String,
    chain: String,
    stage: String,
    fields: Vec<Field>,
    recent_lots: Vec<String>,
    /// Problems of the event as a whole, and a refusal by the store.
    errors: Vec<String>,
    /// Whether the form needs one of the organisation's facilities it has none of.
    no_facility: bool,
    csrf: String,
    script: &'static str,
}

/// The template and stage of a path, or the 404 page.
fn stage_of(
    who: &SignedIn,
    recorder: &Recorder,
    chain: &str,
    stage: &str,
) -> Result<(&'static ChainTemplate, &'static Stage), Box<Response>> {
    let missing = || {
        Box::new(message_page(
            who,
            StatusCode::NOT_FOUND,
            "diary-no-such-stage",
        ))
    };
    let template = CATALOGUE.get(chain).ok_or_else(missing)?;
    let stage = template.stage(stage).ok_or_else(missing)?;
    if !recorder.records(stage) {
        return Err(Box::new(message_page(
            who,
            StatusCode::FORBIDDEN,
            "diary-not-your-stage",
        )));
    }
    Ok((template, stage))
}

/// What a form needs from the store: the organisation's facilities where the stage happens, as
/// (GLN, label), and the lots of its recent events.
async fn context(
    state: &AppState,
    recorder: &Recorder,
    stage: &Stage,
) -> Result<(Vec<(String, String)>, Vec<String>), UiError> {
    let facilities = state
        .store
        .list::<FacilityDetails>(&RecordQuery {
            organisation: Some(recorder.organisation.id),
            ..RecordQuery::default()
        })
        .await?
        .into_iter()
        .filter(|f| f.status != ApprovalStatus::Suspended)
        .filter(|f| {
            stage
                .facilities()
                .iter()
                .any(|kind| kind.as_str() == f.details.kind.as_str())
        })
        .map(|f| {
            let gln = f.details.gln.as_str().to_owned();
            let label = format!("{} · {gln}", f.details.name.as_str());
            (gln, label)
        })
        .collect();
    let mut query = EventQuery::new(Some(recorder.organisation.id));
    query.order_by = OrderBy::RecordTime;
    query.direction = Direction::Descending;
    query.limit = 50;
    let events = state.store.query_events(&query).await?.events;
    let mut lots: Vec<String> = Vec::new();
    for event in &events {
        let Ok(document) = serde_json::from_str::<serde_json::Value>(&event.document) else {
            continue;
        };
        for id in identifiers(&document) {
            if lots.len() < RECENT_LOTS && !lots.contains(&id) {
                lots.push(id);
            }
        }
    }
    Ok((facilities, lots))
}

/// The lots, items and logistic units a stored event's JSON-LD names.
fn identifiers(document: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for list in [
        "quantityList",
        "childQuantityList",
        "inputQuantityList",
        "outputQuantityList",
    ] {
        if let Some(items) = document.get(list).and_then(|v| v.as_array()) {
            out.extend(
                items
                    .iter()
                    .filter_map(|q| q.get("epcClass")?.as_str().map(str::to_owned)),
            );
        }
    }
    for list in ["epcList", "childEPCs", "inputEPCList", "outputEPCList"] {
        if let Some(items) = document.get(list).and_then(|v| v.as_array()) {
            out.extend(items.iter().filter_map(|v| v.as_str().map(str::to_owned)));
        }
    }
    if let Some(parent) = document.get("parentID").and_then(|v| v.as_str()) {
        out.push(parent.to_owned());
    }
    out
}

/// `GET /diary/{chain}/{stage}`: the stage's empty form.
async fn form(
    State(state): State<AppState>,
    who: SignedIn,
    Path((chain, stage)): Path<(String, String)>,
) -> Response {
    let recorder = match Recorder::of(&who) {
        Ok(recorder) => recorder,
        Err(page) => return *page,
    };
    let (template, stage) = match stage_of(&who, &recorder, &chain, &stage) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    match context(&state, &recorder, stage).await {
        Ok((facilities, lots)) => {
            let fields = stage
                .kdes()
                .iter()
                .map(|kde| Field::of(kde, stage, who.lang, &facilities))
                .collect();
            form_page(&who, template, stage, fields, lots, Vec::new()).into_response()
        }
        Err(error) => error.into_page(who.lang),
    }
}

fn form_page(
    who: &SignedIn,
    template: &ChainTemplate,
    stage: &Stage,
    fields: Vec<Field>,
    recent_lots: Vec<String>,
    errors: Vec<String>,
) -> FormPage {
    let action = format!("/diary/{}/{}", template.id(), stage.id());
    let no_facility = fields
        .iter()
        .any(|f| f.kind == "facility" && f.required && f.options.is_empty());
    FormPage {
        chrome: Chrome::signed_in(who, &action),
        action,
        chain: name(who.lang, template.name()),
        stage: name(who.lang, stage.name()),
        fields,
        recent_lots,
        errors,
        no_facility,
        csrf: who.session.csrf_token.clone(),
        script: SCRIPT_URL.as_str(),
    }
}

/// A multipart form as posted: text fields by name, and the files of file fields.
pub(crate) struct Posted {
    /// Text fields.
    pub(crate) values: HashMap<String, String>,
    /// Files that are not empty.
    pub(crate) files: HashMap<String, Vec<u8>>,
}

/// Reads a multipart form; the error is the reason to log.
pub(crate) async fn read_multipart(mut multipart: Multipart) -> Result<Posted, String> {
    let mut posted = Posted {
        values: HashMap::new(),
        files: HashMap::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if field.file_name().is_some() {
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            if !bytes.is_empty() {
                posted.files.insert(name, bytes.to_vec());
            }
        } else {
            let text = field.text().await.map_err(|e| e.body_text())?;
            posted.values.insert(name, text);
        }
    }
    Ok(posted)
}

/// The confirmation after an event is stored.
#[derive(Template, WebTemplate)]
#[template(path = "diary_done.html")]
struct DonePage {
    chrome: Chrome,
    chain: String,
    stage: String,
    again: String,
    event_id: String,
    /// (trace page path, identifier).
    lots: Vec<(String, String)>,
}

/// `POST /diary/{chain}/{stage}`: checks the CSRF token, uploads photos, builds the event from
/// the template and stores it as the API would; field errors bring the form back with what was
/// typed.
async fn record(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
    Path((chain, stage)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let posted = match multipart {
        Ok(multipart) => read_multipart(multipart).await,
        Err(rejection) => Err(rejection.body_text()),
    };
    let posted = match posted {
        Ok(posted) => posted,
        Err(reason) => {
            tracing::info!(%reason, "unreadable diary form");
            return crate::ui::pages::forbidden(who.lang, Some(&who));
        }
    };
    if !who.csrf_ok(posted.values.get("csrf").map_or("", String::as_str)) {
        return crate::ui::pages::forbidden(who.lang, Some(&who));
    }
    let recorder = match Recorder::of(&who) {
        Ok(recorder) => recorder,
        Err(page) => return *page,
    };
    let (template, stage) = match stage_of(&who, &recorder, &chain, &stage) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let (facilities, lots) = match context(&state, &recorder, stage).await {
        Ok(context) => context,
        Err(error) => return error.into_page(who.lang),
    };
    let tr = Tr { lang: who.lang };
    let mut fields: Vec<Field> = stage
        .kdes()
        .iter()
        .map(|kde| Field::of(kde, stage, who.lang, &facilities))
        .collect();
    let mut form = BTreeMap::new();
    for (kde, field) in stage.kdes().iter().zip(fields.iter_mut()) {
        let get = |suffix: &str| {
            posted
                .values
                .get(&format!("{}{suffix}", kde.key()))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        field.value = get("");
        field.unit = get(UNIT_SUFFIX);
        if field.kind == "photo" {
            field.value.clear();
            field.photo_url = get(URL_SUFFIX);
            if let Some(bytes) = posted.files.get(kde.key()) {
                match photo_url(&state, &who, &recorder, &headers, bytes.clone()).await {
                    Ok(url) => field.photo_url = url,
                    Err(message) => field.error = Some(message),
                }
            }
            form.insert(kde.key().to_owned(), field.photo_url.clone());
            continue;
        }
        if field.kind == "facility"
            && !field.value.is_empty()
            && !field.options.iter().any(|(gln, _)| *gln == field.value)
        {
            field.error = Some(tr.t("diary-not-your-facility"));
        }
        form.insert(kde.key().to_owned(), with_unit(&field.value, &field.unit));
    }
    if fields.iter().any(|f| f.error.is_some()) {
        let page = form_page(&who, template, stage, fields, lots, Vec::new());
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    }
    let capture = Capture {
        owner: recorder.owner.clone(),
        event_time: nguon_store::now_utc()
            .to_offset(VIETNAM)
            .replace_nanosecond(0)
            .expect("zero nanoseconds are valid"),
    };
    let event = match template.event(stage.id(), &form, &capture) {
        Ok(event) => event,
        Err(errors) => {
            let general = place_errors(&mut fields, &errors, who.lang);
            let page = form_page(&who, template, stage, fields, lots, general);
            return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
    };
    match store_event(&state, recorder.organisation.id, &event, None).await {
        Ok(stored) => DonePage {
            chrome: Chrome::signed_in(&who, "/diary"),
            chain: name(who.lang, template.name()),
            stage: name(who.lang, stage.name()),
            again: format!("/diary/{}/{}", template.id(), stage.id()),
            event_id: stored.event_id.as_str().to_owned(),
            lots: lots_of(&event)
                .into_iter()
                .map(|id| (format!("/trace/{}", percent_encode(&id)), id))
                .collect(),
        }
        .into_response(),
        Err(StoreEventError::Duplicate(_)) => {
            let page = form_page(
                &who,
                template,
                stage,
                fields,
                lots,
                vec![tr.t("diary-duplicate")],
            );
            (StatusCode::CONFLICT, page).into_response()
        }
        Err(StoreEventError::Invalid(error)) => UiError::Internal(format!(
            "a diary event could not be indexed: {}",
            error.message
        ))
        .into_page(who.lang),
        Err(StoreEventError::Store(error)) => UiError::from(error).into_page(who.lang),
    }
}

/// Puts each field error on its field, in the user's language; returns those of the event as a
/// whole.
fn place_errors(fields: &mut [Field], errors: &[FieldError], lang: Lang) -> Vec<String> {
    let message = |error: &FieldError| match lang {
        Lang::Vi => error.vi(),
        Lang::En => error.en(),
    };
    let mut general = Vec::new();
    for error in errors {
        match fields.iter_mut().find(|f| f.key == error.key) {
            Some(field) => field.error = Some(message(error)),
            None => general.push(message(error)),
        }
    }
    general
}

/// An amount as the template reads it: each line that has no unit gets the one picked.
fn with_unit(value: &str, unit: &str) -> String {
    if unit.is_empty() {
        return value.to_owned();
    }
    value
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            if line.contains(|c: char| c.is_ascii_alphabetic()) {
                line.to_owned()
            } else {
                format!("{line} {unit}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Stores an uploaded photo for the organisation and returns the address events carry. The
/// address is on the host the form was sent to, over HTTPS when the portal is configured as
/// served over HTTPS.
async fn photo_url(
    state: &AppState,
    who: &SignedIn,
    recorder: &Recorder,
    headers: &HeaderMap,
    bytes: Vec<u8>,
) -> Result<String, String> {
    let tr = Tr { lang: who.lang };
    let image = Image::parse(bytes).map_err(|_| tr.t("diary-photo-invalid"))?;
    let id = state
        .store
        .store_image(recorder.organisation.id, &image, Actor::User(who.user.id))
        .await
        .map_err(|error| {
            tracing::error!(%error, "a diary photo could not be stored");
            tr.t("diary-photo-failed")
        })?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '@']))
        .unwrap_or("localhost");
    let scheme = if state.ui.secure_cookies {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}/media/{id}"))
}

/// Every lot, item and logistic unit the event names, in the order it names them.
fn lots_of(event: &Event) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    };
    let classes = |list: &[nguon_epcis::model::QuantityElement]| -> Vec<String> {
        list.iter().map(|q| q.epc_class.clone()).collect()
    };
    let (parent, lists): (Option<&String>, Vec<Vec<String>>) = match &event.body {
        EventBody::Object {
            epc_list,
            quantity_list,
            ..
        } => (None, vec![epc_list.clone(), classes(quantity_list)]),
        EventBody::Transaction {
            parent_id,
            epc_list,
            quantity_list,
            ..
        } => (
            parent_id.as_ref(),
            vec![epc_list.clone(), classes(quantity_list)],
        ),
        EventBody::Aggregation {
            parent_id,
            child_epcs,
            child_quantity_list,
            ..
        } => (
            parent_id.as_ref(),
            vec![child_epcs.clone(), classes(child_quantity_list)],
        ),
        EventBody::Association {
            parent_id,
            child_epcs,
            child_quantity_list,
            ..
        } => (
            Some(parent_id),
            vec![child_epcs.clone(), classes(child_quantity_list)],
        ),
        EventBody::Transformation {
            input_epc_list,
            input_quantity_list,
            output_epc_list,
            output_quantity_list,
            ..
        } => (
            None,
            vec![
                output_epc_list.clone(),
                classes(output_quantity_list),
                input_epc_list.clone(),
                classes(input_quantity_list),
            ],
        ),
    };
    if let Some(parent) = parent {
        add(parent);
    }
    for id in lists.iter().flatten() {
        add(id);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_get_the_picked_unit_unless_they_name_one() {
        assert_eq!(with_unit("1200", "KGM"), "1200 KGM");
        assert_eq!(with_unit("1,5 TNE", "KGM"), "1,5 TNE");
        assert_eq!(with_unit("10\n\n 20 \n", "KGM"), "10 KGM\n20 KGM");
        assert_eq!(with_unit("abc", ""), "abc");
    }

    #[test]
    fn the_script_url_carries_its_hash() {
        assert!(SCRIPT_URL.starts_with("/static/diary.") && SCRIPT_URL.ends_with(".js"));
        assert_eq!(SCRIPT_URL.len(), "/static/diary.".len() + 12 + ".js".len());
    }

    #[test]
    fn stored_documents_give_every_identifier() {
        let document = serde_json::json!({
            "inputQuantityList": [{"epcClass": "https://id.gs1.org/01/08931234560010/10/PL7"}],
            "outputQuantityList": [{"epcClass": "https://id.gs1.org/01/08931234560027/10/AO7"}],
            "epcList": ["https://id.gs1.org/01/08931234560034/21/C7-1"],
            "parentID": "https://id.gs1.org/00/089312345600000072",
        });
        assert_eq!(
            identifiers(&document),
            [
                "https://id.gs1.org/01/08931234560010/10/PL7",
                "https://id.gs1.org/01/08931234560027/10/AO7",
                "https://id.gs1.org/01/08931234560034/21/C7-1",
                "https://id.gs1.org/00/089312345600000072",
            ]
        );
    }
}
