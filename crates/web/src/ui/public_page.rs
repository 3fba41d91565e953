//! The public page: what a shopper, a buyer or an inspector sees on scanning a product's code,
//! signed out. It shows the 10 items of TT 02/2024 (name, image, producer and address, every
//! stage with product code, location code and time, production time, the traceability code,
//! brand and serial, expiry, applied standards), the certificates of the places the product
//! passed through marked verified or self-declared, a recall notice, and a map of the origin
//! drawn here, without map tiles from anyone.
//!
//! It is served at `/p/{Digital Link path}`, where the resolver's `gs1:traceability` link leads.
//! Household producers are people, so unless they consented their names are cut to initials and
//! their addresses to the commune (Law 91/2025, [`PublicIdentity`]). No script; one stylesheet
//! shared with the portal.
//!
//! Never a dead end: a code that cannot be read answers 400 with the rule, one nobody
//! registered or recorded 404, a product or producer the province suspended 410, each with a
//! page that says so; a recalled lot answers 200 with the notice first.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, OnceLock};

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use nguon_domain::{
    AdminUnits, ApprovalStatus, Certificate, Consent, DeviceKind, FacilityDetails, Geometry,
    NewScan, Organisation, OrganisationId, PersonalField, ProductDetails, PublicIdentity, Recall,
    Registered, ScanSignal, ScanTally, StampState, address_line, flag, publishes,
};
use nguon_gs1::{CANONICAL_BASE, DigitalLink, KeyKind};
use nguon_store::{Registry, Store};
use nguon_trace::{Direction, Identifier, Limits, Node, NodeEvent, Quantity, Trace};
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime};

use crate::AppState;
use crate::scans::ClientOrigin;
use crate::ui::Chrome;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::UiError;
use crate::ui::trace_page::{gln_code, place_name, quantity, stage, vietnam_time};

/// The path the public pages live under.
pub const PREFIX: &str = "/p/";

/// How far back the page walks: a product's whole chain, and a bound on the work one scan costs.
const PUBLIC_LIMITS: Limits = Limits {
    max_nodes: 120,
    max_depth: u32::MAX,
};

/// Events read for a lot's own dates (production, expiry).
const OWN_EVENTS: u32 = 200;

/// ILMD fields holding an expiry date, most specific first (CBV master-data attributes).
const EXPIRY_FIELDS: [&str; 3] = ["itemExpirationDate", "bestBeforeDate", "sellByDate"];

/// The public page of a canonical Digital Link identifier: where `gs1:traceability` leads.
pub fn href(root: &str, canonical_id: &str) -> String {
    let path = canonical_id
        .strip_prefix(CANONICAL_BASE)
        .unwrap_or(canonical_id);
    format!("{root}{}{}", PREFIX.trim_end_matches('/'), path)
}

/// A product's page.
#[derive(Template, WebTemplate)]
#[template(path = "public.html")]
struct PublicPage<'a> {
    chrome: Chrome,
    view: &'a PublicView,
    /// What the stamp scanned says, if it names a serial of a stamped lot.
    stamp: Option<StampCheck>,
}

/// The page for a code that has no product page: unreadable, unknown or withdrawn.
#[derive(Template, WebTemplate)]
#[template(path = "public_status.html")]
struct StatusPage {
    chrome: Chrome,
    title: String,
    message: String,
    code: String,
    product: Option<ProductCard>,
}

/// What the page shows.
struct PublicView {
    product: ProductCard,
    /// Open recalls naming the lot, in words.
    recalls: Vec<String>,
    /// The traceability code: its parts labelled, and as an element string.
    code_parts: Vec<(String, String)>,
    element_string: String,
    producer: Option<Producer>,
    /// When the lot was made: its first event.
    produced: Option<String>,
    /// Its expiry, from the lot's data or the product's shelf life.
    expiry: Option<String>,
    /// Every stage back to the origins, oldest first.
    stages: Vec<StageRow>,
    certificates: Vec<CertificateRow>,
    map: Option<OriginMap>,
    /// The walk stopped at the page's limit.
    truncated: bool,
    /// Open Graph: the absolute page and image URLs, the summary line.
    og_url: String,
    og_image: Option<String>,
    og_description: String,
    /// The fingerprint of the province's checkpoint signing key, when it publishes one.
    signing_key: Option<String>,
}

/// A scanned stamp checked against the lot's print runs.
struct StampCheck {
    /// `genuine` or `suspicious`, for the page's colour.
    class: &'static str,
    /// What the runs say of the serial, as the scan log records it.
    verdict: &'static str,
    message: String,
}

/// The product as registered.
#[derive(Clone)]
struct ProductCard {
    name: String,
    image: Option<String>,
    brand: Option<String>,
    net_content: Option<String>,
    standards: Vec<String>,
    ocop_stars: Option<u8>,
    gtin: String,
}

/// Who made it, as the public may see it.
struct Producer {
    name: String,
    address: String,
}

/// One stage of the chain.
struct StageRow {
    time: String,
    stage: String,
    organisation: String,
    place: String,
    /// The place's GS1 location code (GLN).
    location_code: String,
    /// The product code the event names, in words.
    product: String,
    quantity: String,
}

/// A certificate of a place on the chain.
struct CertificateRow {
    kind: String,
    number: String,
    issuer: String,
    place: String,
    expires: String,
    verified: bool,
    expired: bool,
}

/// The origin map: an SVG drawn here, and the places on it.
struct OriginMap {
    svg: String,
    places: Vec<MapPlace>,
}

/// A numbered place on the map, with links that open it in the phone's own map.
struct MapPlace {
    number: usize,
    name: String,
    coordinates: String,
    geo: String,
    osm: String,
}

/// `GET /p/{Digital Link path}`: the public page of a product, lot or serial.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    uri: Uri,
) -> Response {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let visitor = Visitor {
        headers: &headers,
        origin: ClientOrigin::of(&headers, peer, &state.resolver.trusted_proxies),
    };
    let lang = Lang::of_request(&headers);
    let tr = Tr { lang };
    let raw = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let chrome = Chrome::signed_out(lang, uri.path());
    let link = match DigitalLink::parse(&format!("{CANONICAL_BASE}/{}", raw.trim_end_matches('/')))
    {
        Ok(link) if link.key().kind() == KeyKind::Gtin => link,
        Ok(_) => {
            let message = tr.t("public-not-product");
            return status_page(chrome, StatusCode::NOT_FOUND, tr, raw, message, None);
        }
        Err(error) => {
            let message = tr.t1("public-bad-code", "reason", &error.to_string());
            return status_page(chrome, StatusCode::BAD_REQUEST, tr, raw, message, None);
        }
    };
    let code = link.element_string().to_string();
    match view(&state, tr, &visitor, &link).await {
        Ok(Answer::Page(chain, stamp)) => match &chain.outcome {
            Outcome::Page(view) if stamp.is_none() => {
                with_language(lang, unstamped(&chain, chrome, view, uri.path(), &headers))
            }
            Outcome::Page(view) => with_language(
                lang,
                PublicPage {
                    chrome,
                    view,
                    stamp,
                },
            ),
            Outcome::Status(status, message, product) => {
                status_page(chrome, *status, tr, &code, message.clone(), product.clone())
            }
        },
        Ok(Answer::Status(status, message, product)) => {
            status_page(chrome, status, tr, &code, message, product)
        }
        Err(error) => error.into_page(lang),
    }
}

/// The page of `chain` without a stamp line, rendered once per chain and path: the views of a
/// lot's code while its chain is cached all get the same bytes, gzipped for the browsers that
/// take it (every phone's does), which keeps a long chain's page small on a slow network.
fn unstamped(
    chain: &Chain,
    chrome: Chrome,
    view: &PublicView,
    here: &str,
    headers: &HeaderMap,
) -> Response {
    let rendered = match chain.rendered.get() {
        Some(rendered) if rendered.path == here => rendered,
        _ => {
            let lang = chrome.tr.lang;
            let page = PublicPage {
                chrome,
                view,
                stamp: None,
            };
            match page
                .render()
                .map_err(|e| e.to_string())
                .and_then(|html| Rendered::new(here, html).map_err(|e| e.to_string()))
            {
                // Another view may have rendered it meanwhile: either copy is the same page.
                Ok(rendered) => chain.rendered.get_or_init(|| rendered),
                Err(error) => return UiError::Internal(error).into_page(lang),
            }
        }
    };
    if !takes_gzip(headers) {
        return Html(rendered.html.clone()).into_response();
    }
    (
        [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))],
        Html(rendered.gzip.clone()),
    )
        .into_response()
}

/// A page rendered once: for which path, as HTML and gzipped.
struct Rendered {
    path: String,
    html: Bytes,
    gzip: Bytes,
}

impl Rendered {
    fn new(path: &str, html: String) -> std::io::Result<Self> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, html.as_bytes())?;
        Ok(Self {
            path: path.to_owned(),
            gzip: Bytes::from(encoder.finish()?),
            html: Bytes::from(html),
        })
    }
}

/// Whether `Accept-Encoding` takes gzip: named (or `*`) without `q=0`.
fn takes_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// A page for `lang`, marked so caches keep each language apart.
fn with_language(lang: Lang, page: impl IntoResponse) -> Response {
    let mut response = page.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Accept-Encoding, Cookie"),
    );
    response
}

fn status_page(
    chrome: Chrome,
    status: StatusCode,
    tr: Tr,
    code: &str,
    message: String,
    product: Option<ProductCard>,
) -> Response {
    let title = tr.t(match status {
        StatusCode::BAD_REQUEST => "public-title-bad",
        StatusCode::GONE => "public-title-gone",
        _ => "public-title-unknown",
    });
    let page = StatusPage {
        chrome,
        title,
        message,
        code: code.to_owned(),
        product,
    };
    (status, with_language(tr.lang, page)).into_response()
}

/// What the page of a code is, whoever scans it.
enum Outcome {
    Page(Box<PublicView>),
    Status(StatusCode, String, Option<ProductCard>),
}

/// What a code's page shows whoever scans it, kept in the app's public-page cache: everything
/// but the stamp line and the scan log, which are each scan's own.
pub struct Chain {
    /// The page, or the status page, without a stamp line.
    outcome: Outcome,
    /// The product as registered, for a stamp's status page; `None` when nobody registered it.
    card: Option<ProductCard>,
    /// Whether a product is registered under the GTIN, and by whom.
    registrant: Option<Option<OrganisationId>>,
    /// The province suspended the product or its organisation.
    suspended: bool,
    /// An open recall names the lot or serial.
    recalled: bool,
    /// The page without a stamp line, once rendered.
    rendered: OnceLock<Rendered>,
}

/// What one scan answers: the cached chain, and this stamp's line.
enum Answer {
    Page(Arc<Chain>, Option<StampCheck>),
    Status(StatusCode, String, Option<ProductCard>),
}

async fn view(
    state: &AppState,
    tr: Tr,
    visitor: &Visitor<'_>,
    link: &DigitalLink,
) -> Result<Answer, UiError> {
    let key = format!(
        "{} {} {}",
        root_of(state, visitor.headers),
        link.element_string(),
        tr.lang.code()
    );
    let chain = state
        .public_pages
        .get_or_compute(key, || async {
            chain(state, tr, visitor.headers, link).await.map(Arc::new)
        })
        .await?;
    let recalled = chain.recalled;
    let Some(registrant) = chain.registrant else {
        // Codes nobody registered are logged too: a run of them is a sign of fake labels.
        log_scan(state, visitor, link, None, None, recalled).await?;
        return Ok(Answer::Page(chain, None));
    };
    if chain.suspended {
        log_scan(state, visitor, link, None, registrant, recalled).await?;
        return Ok(Answer::Page(chain, None));
    }
    let stamp = match stamp_check(state, tr, link).await? {
        Err(gone) => {
            log_scan(
                state,
                visitor,
                link,
                Some("deactivated"),
                registrant,
                recalled,
            )
            .await?;
            return Ok(Answer::Status(StatusCode::GONE, gone, chain.card.clone()));
        }
        Ok(stamp) => stamp,
    };
    let verdict = stamp.as_ref().map(|s| s.verdict);
    let tallies = log_scan(state, visitor, link, verdict, registrant, recalled).await?;
    let stamp = match (stamp, copied(state, link, &tallies)) {
        // A genuine serial seen more often, longer, wider or under more lots than one pack is:
        // copies of one real stamp.
        (Some(check), Some(message_id)) => Some(StampCheck {
            class: "suspicious",
            verdict: check.verdict,
            message: tr.t1(message_id, "scans", &scans_of(link, &tallies).to_string()),
        }),
        (other, _) => other,
    };
    Ok(Answer::Page(chain, stamp))
}

/// Reads what the page of `link` shows: the registered product, the chain walked back, the
/// open recalls.
async fn chain(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    link: &DigitalLink,
) -> Result<Chain, UiError> {
    let store = &*state.store;
    let gtin = link.key().as_str().to_owned();
    let product = store.find::<ProductDetails>(&gtin).await?;
    let card = product.as_ref().map(|p| product_card(tr, &p.details));
    // A serial on a lot's label follows the lot: the lot is what the chain recorded.
    let start = trace_start(link);
    let back = match &start {
        Some(start) => nguon_trace::trace(store, start, Direction::Back, PUBLIC_LIMITS).await?,
        None => None,
    };
    let recalls = match &start {
        Some(start) => open_recalls(store, start, link).await?,
        None => Vec::new(),
    };
    let recalled = !recalls.is_empty();
    let Some(product) = product else {
        // Events without a registered product still make a chain worth showing, by GTIN.
        let outcome = match back {
            Some(back) => page_view(state, tr, headers, link, None, back, &recalls).await?,
            None => Outcome::Status(StatusCode::NOT_FOUND, tr.t("public-unknown"), None),
        };
        return Ok(Chain {
            outcome,
            card,
            registrant: None,
            suspended: false,
            recalled,
            rendered: OnceLock::new(),
        });
    };
    let registrant = Some(product.organisation);
    let owner = match product.organisation {
        Some(id) => Some(shown(state, store.organisation(id).await?).await?),
        None => None,
    };
    let suspended = product.status == ApprovalStatus::Suspended
        || owner
            .as_ref()
            .is_some_and(|o| o.organisation.status == ApprovalStatus::Suspended);
    let outcome = match back {
        _ if suspended => Outcome::Status(StatusCode::GONE, tr.t("public-gone"), card.clone()),
        Some(back) => {
            let registered = Some((product, owner));
            page_view(state, tr, headers, link, registered, back, &recalls).await?
        }
        None if start.is_some() => Outcome::Status(
            StatusCode::NOT_FOUND,
            tr.t("public-lot-unknown"),
            card.clone(),
        ),
        // A GTIN alone: the product, without a chain.
        None => Outcome::Page(Box::new(PublicView {
            product: card.clone().expect("the product is registered"),
            recalls: Vec::new(),
            code_parts: code_parts(tr, link),
            element_string: link.element_string().to_string(),
            producer: owner.as_ref().map(|o| producer(o, None)),
            produced: None,
            expiry: None,
            stages: Vec::new(),
            certificates: Vec::new(),
            map: None,
            truncated: false,
            og_url: page_url(state, headers, link),
            og_image: None,
            og_description: String::new(),
            // No stage is shown, so there is nothing the key vouches for.
            signing_key: None,
        })),
    };
    Ok(Chain {
        outcome,
        card,
        registrant,
        suspended,
        recalled,
        rendered: OnceLock::new(),
    })
}

/// The open recalls naming the lot the walk starts from, or the serial the code names.
async fn open_recalls(
    store: &dyn Store,
    start: &Identifier,
    link: &DigitalLink,
) -> Result<Vec<Recall>, UiError> {
    let mut recalls = store.active_recalls_naming(start.as_str()).await?;
    if link.get("10").is_some() && link.get("21").is_some() {
        let serial = Identifier::parse(&link.canonical_id()).ok();
        if let Some(serial) = serial {
            recalls.extend(store.active_recalls_naming(serial.as_str()).await?);
        }
    }
    Ok(recalls)
}

/// The scans of the code itself among the tallies its scan returned.
fn scans_of(link: &DigitalLink, tallies: &[ScanTally]) -> u64 {
    tallies
        .iter()
        .find(|t| t.lot.as_deref() == link.get("10") && t.serial.as_deref() == link.get("21"))
        .map_or(0, |t| t.scans)
}

/// The message warning that the serial `link` names looks copied, if its tallies say so: seen
/// more often than the threshold, or over too long a time, in too many places or under
/// another lot.
fn copied(state: &AppState, link: &DigitalLink, tallies: &[ScanTally]) -> Option<&'static str> {
    link.get("21")?;
    let flagged = flag(tallies, &state.resolver.scan_thresholds);
    let own = flagged
        .iter()
        .find(|f| f.tally.lot.as_deref() == link.get("10"))?;
    let mut copies = own.signals.iter().filter(|s| s.means_copied()).peekable();
    copies.peek()?;
    Some(
        if copies.any(|s| matches!(s, ScanSignal::OverThreshold { .. })) {
            "public-stamp-copied"
        } else {
            "public-stamp-spread"
        },
    )
}

/// A serial on a lot that has print runs, checked against them: `Err` with the message for a
/// deactivated stamp, a warning for one never issued or not yet activated, a line saying which
/// stamp it is when it is active; `None` when the code names no serial or the lot has no runs.
async fn stamp_check(
    state: &AppState,
    tr: Tr,
    link: &DigitalLink,
) -> Result<Result<Option<StampCheck>, String>, UiError> {
    let (Some(lot), Some(serial)) = (link.get("10"), link.get("21")) else {
        return Ok(Ok(None));
    };
    let gtin = nguon_gs1::Gtin::parse(link.key().as_str())
        .map_err(|e| UiError::Internal(e.to_string()))?;
    let runs = state.store.stamp_runs_of_lot(&gtin, lot).await?;
    if runs.is_empty() {
        return Ok(Ok(None));
    }
    let issued = runs
        .iter()
        .find_map(|run| Some((run, run.sequence_of(serial)?)));
    let suspicious = |id: &str, verdict| StampCheck {
        class: "suspicious",
        verdict,
        message: tr.t(id),
    };
    Ok(match issued {
        None => Ok(Some(suspicious("public-stamp-unknown", "unknown"))),
        Some((run, _)) if run.state == StampState::Deactivated => {
            Err(tr.t("public-stamp-deactivated"))
        }
        Some((run, _)) if run.state == StampState::Printed => {
            Ok(Some(suspicious("public-stamp-inactive", "inactive")))
        }
        Some((_, sequence)) => Ok(Some(StampCheck {
            class: "genuine",
            verdict: "genuine",
            message: tr.t1("public-stamp-genuine", "number", &sequence.to_string()),
        })),
    })
}

/// The salt of the clients' address hashes: random, in memory only, so the log cannot be
/// joined back to addresses.
static CLIENT_SALT: LazyLock<[u8; 16]> = LazyLock::new(|| {
    let mut salt = [0; 16];
    getrandom::fill(&mut salt).expect("the system has a random source");
    salt
});

/// Logs the scan of `link`, whose GTIN `registrant` registered, and returns the tallies a
/// verdict on it needs ([`nguon_store::StampStore::record_scan`]): a serial's at once, while
/// a lot's or a product's view, which no verdict counts, goes to the batched
/// [`crate::scan_log::ScanLog`].
async fn log_scan(
    state: &AppState,
    visitor: &Visitor<'_>,
    link: &DigitalLink,
    verdict: Option<&'static str>,
    registrant: Option<OrganisationId>,
    recalled: bool,
) -> Result<Vec<ScanTally>, UiError> {
    let client = visitor.origin.address.map(|ip| {
        let digest = Sha256::new()
            .chain_update(CLIENT_SALT.as_slice())
            .chain_update(ip.to_string().as_bytes())
            .finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    });
    let scan = NewScan {
        scanned_at: OffsetDateTime::now_utc(),
        gtin: nguon_gs1::Gtin::parse(link.key().as_str())
            .map_err(|e| UiError::Internal(e.to_string()))?,
        lot: link.get("10").map(str::to_owned),
        serial: link.get("21").map(str::to_owned),
        place: visitor.origin.place.clone(),
        device: DeviceKind::of_user_agent(
            visitor
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        ),
        client,
        verdict,
        organisation: registrant,
        recalled,
    };
    if scan.serial.is_none() {
        state.scan_log.log(scan).await;
        return Ok(Vec::new());
    }
    Ok(state.store.record_scan(&scan).await?)
}

/// Who scanned: the request's headers and the connecting address, when served over TCP.
struct Visitor<'a> {
    headers: &'a HeaderMap,
    origin: ClientOrigin,
}

/// Where the walk starts: the lot when the code names one, else the serial; `None` for a
/// GTIN alone.
fn trace_start(link: &DigitalLink) -> Option<Identifier> {
    let gtin = link.key().as_str().to_owned();
    let spelled = match (link.get("10"), link.get("21")) {
        (Some(lot), _) => format!("(01){gtin}(10){lot}"),
        (None, Some(serial)) => format!("(01){gtin}(21){serial}"),
        (None, None) => return None,
    };
    Identifier::parse(&spelled).ok()
}

async fn page_view(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    link: &DigitalLink,
    registered: Option<(Registered<ProductDetails>, Option<Shown>)>,
    back: Trace,
    recalls: &[Recall],
) -> Result<Outcome, UiError> {
    let start = &back.nodes[0];
    let events = chain_events(&back);
    let organisations = organisations_of(state, &events).await?;
    let places = places_of(state, &events).await?;
    let stages: Vec<StageRow> = events
        .iter()
        .map(|(identifier, event)| StageRow {
            time: vietnam_time(event.event_time),
            stage: stage(tr, event.biz_step.as_deref()),
            organisation: organisations
                .get(&event.owner)
                .map(|o| o.public.name.clone())
                .unwrap_or_default(),
            place: location(event)
                .and_then(|l| places.get(l))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            location_code: location(event)
                .map(|l| gln_code(l).unwrap_or_else(|| l.clone()))
                .unwrap_or_default(),
            product: super::trace_page::what(tr, identifier),
            quantity: quantity(tr, event.quantity.as_ref()),
        })
        .collect();
    let (product, owner) = match registered {
        Some((product, owner)) => (Some(product), owner),
        None => (None, None),
    };
    // The producer: the product's owner, else whoever recorded the lot first.
    let producer_org = owner.as_ref().or_else(|| {
        start
            .events
            .first()
            .and_then(|e| organisations.get(&e.owner))
    });
    let producer_place = producer_org.and_then(|o| {
        events
            .iter()
            .filter(|(_, e)| e.owner == o.organisation.id)
            .find_map(|(_, e)| location(e).and_then(|l| places.get(l)))
    });
    let produced_at = start.events.first().map(|e| e.event_time);
    let expiry = expiry(
        state,
        start,
        product.as_ref().map(|p| &p.details),
        produced_at,
    )
    .await?;
    let card = match &product {
        Some(product) => product_card(tr, &product.details),
        None => ProductCard {
            name: super::trace_page::what(tr, &start.identifier),
            image: None,
            brand: None,
            net_content: None,
            standards: Vec::new(),
            ocop_stars: None,
            gtin: link.key().as_str().to_owned(),
        },
    };
    let producer = producer_org.map(|o| producer(o, producer_place));
    let og_description = og_summary(tr, &card, producer.as_ref(), link);
    let today = OffsetDateTime::now_utc().date();
    let view = PublicView {
        og_image: card
            .image
            .as_ref()
            .map(|path| format!("{}{path}", root_of(state, headers))),
        og_url: page_url(state, headers, link),
        og_description,
        recalls: recalls
            .iter()
            .map(|recall| recall_line(tr, recall))
            .collect(),
        code_parts: code_parts(tr, link),
        element_string: link.element_string().to_string(),
        producer,
        produced: produced_at.map(vietnam_time),
        expiry: expiry.map(date_text),
        stages,
        certificates: certificates(tr, &places, today),
        map: origin_map(&places, &events),
        truncated: back.truncated,
        product: card,
        signing_key: state.signing_key.map(|key| key.fingerprint()),
    };
    Ok(Outcome::Page(Box::new(view)))
}

/// The chain's events, oldest first, each with the identifier it was reached by. An upstream
/// identifier's events count up to the step that led to this product: what happened to the
/// rest of a pond's harvest later is another product's story.
fn chain_events(back: &Trace) -> Vec<(&Identifier, &NodeEvent)> {
    let mut cutoff: HashMap<&Identifier, OffsetDateTime> = HashMap::new();
    for edge in &back.edges {
        let time = cutoff.entry(&edge.to).or_insert(edge.event_time);
        *time = (*time).max(edge.event_time);
    }
    let mut seen = HashSet::new();
    let mut events: Vec<(&Identifier, &NodeEvent)> = back
        .nodes
        .iter()
        .flat_map(|node: &Node| {
            let until = cutoff.get(&node.identifier).copied();
            node.events
                .iter()
                .filter(move |e| until.is_none_or(|t| e.event_time <= t))
                .map(move |e| (&node.identifier, e))
        })
        .filter(|(_, e)| seen.insert(e.event_id.as_str()))
        .collect();
    events.sort_by_key(|(_, e)| e.event_time);
    events
}

async fn organisations_of(
    state: &AppState,
    events: &[(&Identifier, &NodeEvent)],
) -> Result<HashMap<OrganisationId, Shown>, UiError> {
    let mut organisations = HashMap::new();
    for (_, event) in events {
        if let std::collections::hash_map::Entry::Vacant(slot) = organisations.entry(event.owner) {
            let organisation = state.store.organisation(event.owner).await?;
            slot.insert(shown(state, organisation).await?);
        }
    }
    Ok(organisations)
}

/// An organisation on the page, with its current consent and what the public may see of it.
struct Shown {
    organisation: Organisation,
    consent: Option<Consent>,
    public: PublicIdentity,
}

/// `organisation` as the page shows it, under its current consent.
async fn shown(state: &AppState, organisation: Organisation) -> Result<Shown, UiError> {
    let consent = state.store.current_consent(organisation.id).await?;
    let public = PublicIdentity::of(&organisation, consent.as_ref());
    Ok(Shown {
        organisation,
        consent,
        public,
    })
}

/// A place on the chain: its name and, when registered, its facility record.
struct Place {
    name: String,
    facility: Option<FacilityDetails>,
}

/// The event's place: where it happened, else where the goods were.
fn location(event: &NodeEvent) -> Option<&String> {
    event.biz_location.as_ref().or(event.read_point.as_ref())
}

/// Every place of the chain by location, in the order the chain reached them.
async fn places_of(
    state: &AppState,
    events: &[(&Identifier, &NodeEvent)],
) -> Result<BTreeMap<String, Place>, UiError> {
    let mut places = BTreeMap::new();
    for (_, event) in events {
        let Some(at) = location(event) else { continue };
        if places.contains_key(at) {
            continue;
        }
        let facility = match DigitalLink::parse(at) {
            Ok(link) if link.key().kind() == KeyKind::Gln => state
                .store
                .find::<FacilityDetails>(link.key().as_str())
                .await?
                .filter(|f| f.status != ApprovalStatus::Suspended)
                .map(|f| f.details),
            _ => None,
        };
        let name = match &facility {
            Some(facility) => facility.name.to_string(),
            None => place_name(state, event.owner, at).await?,
        };
        places.insert(at.clone(), Place { name, facility });
    }
    Ok(places)
}

/// The producer's public name and address: street, commune and province, a household's street
/// only with its consent. Without a registered address, the place the producer worked at, under
/// the same rule.
fn producer(shown: &Shown, place: Option<&Place>) -> Producer {
    let units = AdminUnits::embedded();
    let address = shown
        .public
        .address_line(units)
        .or_else(|| {
            let address = place?.facility.as_ref()?.address.as_ref()?;
            let street = publishes(
                &shown.organisation,
                shown.consent.as_ref(),
                PersonalField::Address,
            )
            .then(|| address.street());
            Some(address_line(street, address, units))
        })
        .unwrap_or_default();
    Producer {
        name: shown.public.name.clone(),
        address,
    }
}

fn product_card(tr: Tr, product: &ProductDetails) -> ProductCard {
    let name = match (tr.lang, &product.name_en) {
        (Lang::En, Some(english)) => english.to_string(),
        _ => product.name_vi.to_string(),
    };
    ProductCard {
        name,
        image: product.images.first().map(|id| format!("/media/{id}")),
        brand: product.brand.clone(),
        net_content: product.net_content.map(|content| {
            quantity(
                tr,
                Some(&Quantity {
                    amount: content.amount(),
                    uom: Some(content.unit().as_str().to_owned()),
                }),
            )
        }),
        standards: product
            .standards
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        ocop_stars: product.ocop_stars,
        gtin: product.gtin.as_str().to_owned(),
    }
}

/// The code's parts, labelled: GTIN, lot, serial, expiry.
fn code_parts(tr: Tr, link: &DigitalLink) -> Vec<(String, String)> {
    let mut parts = vec![("GTIN".to_owned(), link.key().as_str().to_owned())];
    for (ai, label) in [
        ("10", "trace-lot"),
        ("21", "trace-serial"),
        ("17", "public-expiry"),
    ] {
        if let Some(value) = link.get(ai) {
            parts.push((tr.t(label), value.to_owned()));
        }
    }
    parts
}

/// The lot's expiry: an expiry date in its own data (ILMD), else its production date plus the
/// product's shelf life.
async fn expiry(
    state: &AppState,
    start: &Node,
    product: Option<&ProductDetails>,
    produced_at: Option<OffsetDateTime>,
) -> Result<Option<Date>, UiError> {
    let own = state
        .store
        .events_with_identifier(start.identifier.as_str(), &[], OWN_EVENTS)
        .await?;
    let recorded = own.iter().find_map(|stored| {
        let document: serde_json::Value = serde_json::from_str(&stored.event.document).ok()?;
        let ilmd = document.get("ilmd")?.as_object()?;
        EXPIRY_FIELDS.iter().find_map(|field| {
            ilmd.iter()
                .find(|(name, _)| name.rsplit([':', '#', '/']).next() == Some(field))
                .and_then(|(_, value)| value.as_str())
                .and_then(|text| text.get(..10))
                .and_then(|day| {
                    Date::parse(
                        day,
                        time::macros::format_description!("[year]-[month]-[day]"),
                    )
                    .ok()
                })
        })
    });
    Ok(recorded.or_else(|| {
        let days = product?.shelf_life_days?;
        Some(produced_at?.date() + Duration::days(i64::from(days)))
    }))
}

/// A date as people in Vietnam write it.
fn date_text(date: Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

fn recall_line(tr: Tr, recall: &Recall) -> String {
    tr.tn(
        "public-recall",
        &[
            ("reason", recall.reason.as_str()),
            ("date", &date_text(recall.created_at.date())),
        ],
    )
}

/// The certificates of every registered place on the chain, verified ones first.
fn certificates(tr: Tr, places: &BTreeMap<String, Place>, today: Date) -> Vec<CertificateRow> {
    let mut rows: Vec<CertificateRow> = places
        .values()
        .filter_map(|place| Some((place, place.facility.as_ref()?)))
        .flat_map(|(place, facility)| {
            facility
                .certificates
                .iter()
                .map(move |c: &Certificate| CertificateRow {
                    kind: tr.t(&format!("certificate-kind-{}", c.kind().as_str())),
                    number: c.number().to_owned(),
                    issuer: c.issuer().to_owned(),
                    place: place.name.clone(),
                    expires: c.expires_on().map(date_text).unwrap_or_default(),
                    verified: c.verified(),
                    expired: c.expires_on().is_some_and(|d| d < today),
                })
        })
        .collect();
    rows.sort_by_key(|row| (!row.verified, row.expired));
    rows
}

/// The map of the places the chain names coordinates for, numbered in the order it reached
/// them; `None` when no place has coordinates.
fn origin_map(
    places: &BTreeMap<String, Place>,
    events: &[(&Identifier, &NodeEvent)],
) -> Option<OriginMap> {
    let mut order: Vec<&String> = Vec::new();
    for (_, event) in events {
        if let Some(at) = location(event)
            && !order.contains(&at)
        {
            order.push(at);
        }
    }
    let shapes: Vec<(&Place, &Geometry)> = order
        .iter()
        .filter_map(|at| {
            let place = places.get(*at)?;
            Some((place, place.facility.as_ref()?.geometry.as_ref()?))
        })
        .collect();
    if shapes.is_empty() {
        return None;
    }
    let frame = MapFrame::around(shapes.iter().flat_map(|(_, g)| points(g)));
    let mut svg = format!(
        r##"<svg class="origin-map" viewBox="0 0 {W} {H}" role="img" xmlns="http://www.w3.org/2000/svg"><rect width="{W}" height="{H}" fill="#eef4ee"/>"##,
        W = MAP_WIDTH,
        H = MAP_HEIGHT
    );
    let mut list = Vec::new();
    for (index, (place, geometry)) in shapes.iter().enumerate() {
        let number = index + 1;
        if let Geometry::Polygon(corners) = geometry {
            let corners: Vec<String> = corners
                .iter()
                .map(|p| {
                    let (x, y) = frame.project(p.latitude(), p.longitude());
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let _ = write!(
                svg,
                r##"<polygon points="{}" fill="#9cc9a0" stroke="#2e6b34" stroke-width="1.5"/>"##,
                corners.join(" ")
            );
        }
        let centre = geometry.centre();
        let (x, y) = frame.project(centre.latitude(), centre.longitude());
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="9" fill="#b3261e" stroke="#fff" stroke-width="2"/><text x="{x:.1}" y="{ty:.1}" font-size="11" font-weight="bold" text-anchor="middle" fill="#fff">{number}</text>"##,
            ty = y + 4.0
        );
        let (lat, lon) = (centre.latitude(), centre.longitude());
        list.push(MapPlace {
            number,
            name: place.name.clone(),
            coordinates: format!("{lat:.5}, {lon:.5}"),
            geo: format!("geo:{lat:.6},{lon:.6}"),
            osm: format!(
                "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=15/{lat:.6}/{lon:.6}"
            ),
        });
    }
    svg.push_str(&frame.scale_bar());
    svg.push_str(
        r##"<text x="16" y="24" font-size="13" font-weight="bold" fill="#333">N ↑</text></svg>"##,
    );
    Some(OriginMap { svg, places: list })
}

fn points(geometry: &Geometry) -> Vec<(f64, f64)> {
    match geometry {
        Geometry::Point(p) => vec![(p.latitude(), p.longitude())],
        Geometry::Polygon(corners) => corners
            .iter()
            .map(|p| (p.latitude(), p.longitude()))
            .collect(),
    }
}

/// The map's size in SVG units.
const MAP_WIDTH: f64 = 360.0;
const MAP_HEIGHT: f64 = 220.0;
/// Room kept free round the edge, in SVG units.
const MAP_MARGIN: f64 = 28.0;
/// Metres in one degree of latitude, WGS 84 mean.
const METRES_PER_DEGREE: f64 = 111_320.0;
/// The least span shown, in degrees (about 550 m): one pond still sits in a readable frame.
const MIN_SPAN: f64 = 0.005;

/// An equirectangular frame round some points; longitudes shrink by the cosine of the middle
/// latitude so distances read true across a province.
struct MapFrame {
    west: f64,
    north: f64,
    /// SVG units per degree of latitude.
    scale: f64,
    shrink: f64,
}

impl MapFrame {
    fn around(points: impl Iterator<Item = (f64, f64)>) -> Self {
        let (mut south, mut north, mut west, mut east) =
            (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
        for (lat, lon) in points {
            south = south.min(lat);
            north = north.max(lat);
            west = west.min(lon);
            east = east.max(lon);
        }
        let shrink = ((south + north) / 2.0).to_radians().cos().max(0.01);
        let span_y = (north - south).max(MIN_SPAN);
        let span_x = ((east - west) * shrink).max(MIN_SPAN);
        let scale =
            ((MAP_WIDTH - 2.0 * MAP_MARGIN) / span_x).min((MAP_HEIGHT - 2.0 * MAP_MARGIN) / span_y);
        Self {
            west: (west + east) / 2.0 - MAP_WIDTH / 2.0 / scale / shrink,
            north: (south + north) / 2.0 + MAP_HEIGHT / 2.0 / scale,
            scale,
            shrink,
        }
    }

    fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            (lon - self.west) * self.shrink * self.scale,
            (self.north - lat) * self.scale,
        )
    }

    /// A scale bar of a round length near a quarter of the map's width.
    fn scale_bar(&self) -> String {
        let metres_per_unit = METRES_PER_DEGREE / self.scale;
        let wanted = metres_per_unit * MAP_WIDTH / 4.0;
        let step = 10f64.powf(wanted.log10().floor());
        let metres = [5.0, 2.0, 1.0]
            .into_iter()
            .map(|m| m * step)
            .find(|m| *m <= wanted)
            .unwrap_or(step);
        let length = metres / metres_per_unit;
        let label = if metres >= 1000.0 {
            format!("{} km", metres / 1000.0)
        } else {
            format!("{metres} m")
        };
        let (x, y) = (MAP_WIDTH - MAP_MARGIN / 2.0 - length, MAP_HEIGHT - 12.0);
        format!(
            r##"<path d="M{x:.1} {y:.1}h{length:.1}" stroke="#333" stroke-width="3"/><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="#333">{label}</text>"##,
            tx = x + length / 2.0,
            ty = y - 6.0
        )
    }
}

/// The line a shared link previews with: product, producer, lot.
fn og_summary(
    tr: Tr,
    card: &ProductCard,
    producer: Option<&Producer>,
    link: &DigitalLink,
) -> String {
    let mut parts = vec![card.name.clone()];
    if let Some(producer) = producer {
        parts.push(producer.name.clone());
    }
    if let Some(lot) = link.get("10") {
        parts.push(format!("{} {lot}", tr.t("trace-lot")));
    }
    parts.join(" · ")
}

/// The public root of this server: the resolver's configured base, else the request's host.
fn root_of(state: &AppState, headers: &HeaderMap) -> String {
    crate::resolver::public_root(state, headers)
}

fn page_url(state: &AppState, headers: &HeaderMap, link: &DigitalLink) -> String {
    href(&root_of(state, headers), &link.canonical_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_sent_only_where_it_is_taken() {
        let taking = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
            takes_gzip(&headers)
        };
        assert!(taking("gzip, deflate, br"));
        assert!(taking("br;q=1.0, GZIP;q=0.5"));
        assert!(taking("*"));
        assert!(!taking("gzip;q=0"));
        assert!(!taking("identity"));
        assert!(!takes_gzip(&HeaderMap::new()));
    }

    #[test]
    fn pages_live_under_the_root() {
        assert_eq!(
            href(
                "https://truyxuat.example",
                "https://id.gs1.org/01/08931234560010/10/PL7"
            ),
            "https://truyxuat.example/p/01/08931234560010/10/PL7"
        );
    }

    #[test]
    fn the_map_frames_its_points_with_a_round_scale() {
        let frame = MapFrame::around([(9.18, 105.15), (9.19, 105.16)].into_iter());
        let (x1, y1) = frame.project(9.18, 105.15);
        let (x2, y2) = frame.project(9.19, 105.16);
        for (x, y) in [(x1, y1), (x2, y2)] {
            assert!((0.0..=MAP_WIDTH).contains(&x) && (0.0..=MAP_HEIGHT).contains(&y));
        }
        assert!(y1 > y2, "north is up");
        assert!(frame.scale_bar().contains(" m<") || frame.scale_bar().contains(" km<"));
    }
}
