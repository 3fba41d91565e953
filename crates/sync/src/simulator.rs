//! A portal simulator: a real HTTP server with the national portal's known behaviour and an
//! EPCIS capture endpoint, which fails on purpose. Tests start it on a free port and point a
//! worker at it.
//!
//! It enforces what the portal is known to enforce: a client-credentials token that expires;
//! an organisation profile that must exist and be activated before its products; a GTIN with a
//! valid check digit; at least one product image it can download as JPEG or PNG; a net weight
//! above 0 with a unit; lots only of products it holds. It deduplicates on `Idempotency-Key`,
//! answering a repeated key with the first answer (a duplicate acknowledgement), and counts what
//! it applied per key so a test can prove every record arrived exactly once.

#![allow(
    clippy::result_large_err,
    reason = "a handler answers with a Response either way; boxing it would only add noise"
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nguon_gs1::mod10_is_valid;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::most::{ACTIVATED, CONFIRMED};

/// The credentials the simulator accepts.
pub const CLIENT_ID: &str = "nguon-test";
/// The secret that goes with [`CLIENT_ID`].
pub const CLIENT_SECRET: &str = "nguon-test-secret";
/// The portal's word for a profile awaiting activation.
pub const AWAITING_ACTIVATION: &str = "CHO_KICH_HOAT";

/// Faults to inject into writes (every `POST` but the token's).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Every n-th write answers `503` without applying anything (0: never).
    pub fail_every: u32,
    /// Every n-th write is applied, then answered only after `slow_by` (0: never), so a client
    /// with a shorter timeout gives up on a write that did happen.
    pub slow_every: u32,
    /// How late a slow answer comes.
    pub slow_by: Duration,
    /// Every request answers `503`: the portal is down.
    pub down: bool,
}

/// What the simulator holds and counts.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Profiles by tax code: (id, status).
    pub organisations: BTreeMap<String, (String, String)>,
    /// Products by GTIN: (id, organisation id, the payload).
    pub products: BTreeMap<String, (String, String, Value)>,
    /// Lots by (GTIN, lot): the event ids received for each, in arrival order.
    pub lots: BTreeMap<(String, String), Vec<String>>,
    /// EPCIS events captured, by eventID, with how many times each was stored.
    pub epcis_events: BTreeMap<String, u32>,
    /// Writes applied per idempotency key.
    pub applied: HashMap<String, u32>,
    /// Repeated keys answered with their first answer.
    pub duplicate_acks: u32,
    /// Writes refused by an injected `503`.
    pub injected_failures: u32,
    /// Writes answered late on purpose.
    pub slow_answers: u32,
    /// Tokens issued.
    pub tokens_issued: u32,
    /// Requests refused for an expired or unknown token.
    pub expired_tokens: u32,
    /// Refusals of a precondition, with the reason.
    pub refusals: Vec<String>,
}

struct Shared {
    ledger: Ledger,
    faults: Faults,
    writes: u32,
    token_lifetime: Duration,
    tokens: HashMap<String, Instant>,
    auto_activate: bool,
    answers: HashMap<String, (StatusCode, Value, Option<String>)>,
    checks: HashMap<String, u32>,
    next_id: u64,
    jobs: HashMap<u64, Vec<String>>,
}

type Simulated = Arc<Mutex<Shared>>;

/// A running simulator.
pub struct Simulator {
    address: SocketAddr,
    shared: Simulated,
    server: JoinHandle<()>,
}

impl Simulator {
    /// Starts on a free local port. Tokens live `token_lifetime`; new organisation profiles
    /// are activated at once when `auto_activate`, otherwise they wait for [`Self::activate`].
    pub async fn start(token_lifetime: Duration, auto_activate: bool) -> std::io::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let shared = Arc::new(Mutex::new(Shared {
            ledger: Ledger::default(),
            faults: Faults::default(),
            writes: 0,
            token_lifetime,
            tokens: HashMap::new(),
            auto_activate,
            answers: HashMap::new(),
            checks: HashMap::new(),
            next_id: 1000,
            jobs: HashMap::new(),
        }));
        let app = Router::new()
            .route("/token", post(token))
            .route(
                "/tochuc/v5/ToChuc",
                get(find_organisation).post(push_organisation),
            )
            .route("/tochuc/v5/ToChuc/{id}", get(check_organisation))
            .route(
                "/tochuc/v5/ToChuc_SanPham",
                get(find_product).post(push_product),
            )
            .route("/tochuc/v5/ToChuc_SanPham/{id}", get(check))
            .route("/tochuc/v5/LoHang_SuKien", post(push_lots))
            .route("/tochuc/v5/LoHang_SuKien/{id}", get(check))
            .route("/epcis/capture", post(capture))
            .route("/epcis/capture/{id}", get(capture_job))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            address,
            shared,
            server,
        })
    }

    /// The simulator's origin, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Replaces the faults to inject.
    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    /// Activates the profile with `tax_code`, as the National Barcode Center would.
    pub fn activate(&self, tax_code: &str) -> bool {
        let mut shared = self.lock();
        match shared.ledger.organisations.get_mut(tax_code) {
            Some(profile) => {
                profile.1 = ACTIVATED.to_owned();
                true
            }
            None => false,
        }
    }

    /// Forgets every token it issued, as a portal restart would: the next request is a `401`.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// Reads the ledger.
    pub fn ledger<T>(&self, read: impl FnOnce(&Ledger) -> T) -> T {
        read(&self.lock().ledger)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock(shared: &Simulated) -> std::sync::MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// What a handler that may stop early returns: both sides are answers.
type Reply = Result<Response, Response>;

fn refuse(shared: &Simulated, status: StatusCode, message: String) -> Reply {
    lock(shared).ledger.refusals.push(message.clone());
    Err(answer(status, json!({ "message": message })))
}

/// Checks that the portal is up and the bearer token valid.
fn authorised(shared: &Simulated, headers: &HeaderMap) -> Result<(), Response> {
    let mut state = lock(shared);
    if state.faults.down {
        return Err(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"message": "bảo trì"}),
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let valid = token
        .and_then(|token| state.tokens.get(token))
        .is_some_and(|expires| Instant::now() < *expires);
    if valid {
        Ok(())
    } else {
        state.ledger.expired_tokens += 1;
        Err(answer(
            StatusCode::UNAUTHORIZED,
            json!({"message": "token hết hạn"}),
        ))
    }
}

/// A write let through: its idempotency key, and how late to answer it.
struct Admitted {
    key: Option<String>,
    slow: Option<Duration>,
}

/// What a write meets before it is applied: a repeated key gets its first answer, an injected
/// fault may refuse it.
fn gate(shared: &Simulated, headers: &HeaderMap) -> Result<Admitted, Response> {
    let mut state = lock(shared);
    let key = headers
        .get("Idempotency-Key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Some((status, body, location)) =
        key.as_ref().and_then(|key| state.answers.get(key)).cloned()
    {
        state.ledger.duplicate_acks += 1;
        return Err(located(answer(status, body), location));
    }
    state.writes += 1;
    let n = state.writes;
    let faults = state.faults;
    if faults.fail_every > 0 && n.is_multiple_of(faults.fail_every) {
        state.ledger.injected_failures += 1;
        return Err(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"message": "quá tải, thử lại sau"}),
        ));
    }
    let slow =
        (faults.slow_every > 0 && n.is_multiple_of(faults.slow_every)).then_some(faults.slow_by);
    if slow.is_some() {
        state.ledger.slow_answers += 1;
    }
    Ok(Admitted { key, slow })
}

/// Records an applied write's answer under its key, then answers (late, when asked to).
async fn applied(
    shared: &Simulated,
    Admitted { key, slow }: Admitted,
    status: StatusCode,
    body: Value,
    location: Option<String>,
) -> Response {
    if let Some(key) = key {
        let mut state = lock(shared);
        *state.ledger.applied.entry(key.clone()).or_default() += 1;
        state
            .answers
            .insert(key, (status, body.clone(), location.clone()));
    }
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    located(answer(status, body), location)
}

/// `response` with a `Location` header, when there is one.
fn located(mut response: Response, location: Option<String>) -> Response {
    if let Some(value) = location.and_then(|location| location.parse().ok()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn next_id(shared: &Simulated) -> String {
    let mut state = lock(shared);
    state.next_id += 1;
    state.next_id.to_string()
}

async fn token(
    State(shared): State<Simulated>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let good = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !good {
        return answer(StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}));
    }
    let value = format!("t{}", next_id(&shared));
    let mut state = lock(&shared);
    let lifetime = state.token_lifetime;
    state
        .tokens
        .insert(value.clone(), Instant::now() + lifetime);
    state.ledger.tokens_issued += 1;
    answer(
        StatusCode::OK,
        json!({"access_token": value, "token_type": "Bearer", "expires_in": lifetime.as_secs()}),
    )
}

async fn find_organisation(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    authorised(&shared, &headers)?;
    let state = lock(&shared);
    let tax = query.get("maSoThue");
    Ok(profile(
        tax.and_then(|tax| state.ledger.organisations.get(tax)),
    ))
}

async fn check_organisation(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    authorised(&shared, &headers)?;
    let state = lock(&shared);
    let found = state
        .ledger
        .organisations
        .values()
        .find(|(known, _)| *known == id);
    Ok(profile(found))
}

/// The answer about one organisation profile: its id and status, or 404.
fn profile(found: Option<&(String, String)>) -> Response {
    match found {
        Some((id, status)) => answer(
            StatusCode::OK,
            json!({"idToChucHoSo": id, "trangThai": status}),
        ),
        None => answer(
            StatusCode::NOT_FOUND,
            json!({"message": "không tìm thấy tổ chức"}),
        ),
    }
}

async fn push_organisation(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Reply {
    authorised(&shared, &headers)?;
    let admitted = gate(&shared, &headers)?;
    let Some(tax) = body
        .get("maSoThue")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return refuse(
            &shared,
            StatusCode::UNPROCESSABLE_ENTITY,
            "maSoThue: bắt buộc".to_owned(),
        );
    };
    let id = next_id(&shared);
    let (id, status) = {
        let mut state = lock(&shared);
        let initial = if state.auto_activate {
            ACTIVATED
        } else {
            AWAITING_ACTIVATION
        };
        state
            .ledger
            .organisations
            .entry(tax)
            .or_insert_with(|| (id, initial.to_owned()))
            .clone()
    };
    Ok(applied(
        &shared,
        admitted,
        StatusCode::OK,
        json!({"idToChucHoSo": id, "trangThai": status}),
        None,
    )
    .await)
}

async fn find_product(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    authorised(&shared, &headers)?;
    let state = lock(&shared);
    match query
        .get("maGTIN")
        .and_then(|gtin| state.ledger.products.get(gtin))
    {
        Some((id, ..)) => Ok(answer(StatusCode::OK, json!({"idSanPham": id}))),
        None => Ok(answer(
            StatusCode::NOT_FOUND,
            json!({"message": "không tìm thấy sản phẩm"}),
        )),
    }
}

/// A product or lot check: created on the first look, confirmed from the second.
async fn check(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    authorised(&shared, &headers)?;
    let mut state = lock(&shared);
    let looks = state.checks.entry(id.clone()).or_default();
    *looks += 1;
    let status = if *looks >= 2 { CONFIRMED } else { "CREATED" };
    Ok(answer(
        StatusCode::OK,
        json!({"id": id, "trangThai": status}),
    ))
}

async fn push_product(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Reply {
    authorised(&shared, &headers)?;
    let admitted = gate(&shared, &headers)?;
    let organisation = body
        .get("idToChucHoSo")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let activated = lock(&shared)
        .ledger
        .organisations
        .values()
        .any(|(id, status)| id == organisation && status == ACTIVATED);
    if !activated {
        return refuse(
            &shared,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("idToChucHoSo {organisation}: tổ chức chưa được kích hoạt"),
        );
    }
    let gtin = body
        .get("maGTIN")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let digits = gtin.len();
    if ![8, 12, 13, 14].contains(&digits)
        || !gtin.bytes().all(|b| b.is_ascii_digit())
        || !mod10_is_valid(&gtin)
    {
        return refuse(
            &shared,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("maGTIN {gtin}: không hợp lệ"),
        );
    }
    let weight = body
        .get("khoiLuongTinh")
        .and_then(Value::as_f64)
        .unwrap_or_default();
    let unit = body
        .get("donViTinh")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if weight <= 0.0 || unit.is_empty() {
        return refuse(
            &shared,
            StatusCode::UNPROCESSABLE_ENTITY,
            "khoiLuongTinh, donViTinh: bắt buộc".to_owned(),
        );
    }
    let images: Vec<String> = body
        .get("hinhAnh")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !any_image_downloads(&images).await {
        return refuse(
            &shared,
            StatusCode::UNPROCESSABLE_ENTITY,
            "hinhAnh: không tải được ảnh nào".to_owned(),
        );
    }
    let id = next_id(&shared);
    let id = {
        let mut state = lock(&shared);
        let entry = state
            .ledger
            .products
            .entry(gtin)
            .or_insert_with(|| (id, organisation.to_owned(), Value::Null));
        entry.2 = body.clone();
        entry.0.clone()
    };
    Ok(applied(
        &shared,
        admitted,
        StatusCode::OK,
        json!({"idSanPham": id, "trangThai": "CREATED"}),
        None,
    )
    .await)
}

/// Whether one of `urls` downloads as a JPEG or PNG, as the portal checks.
async fn any_image_downloads(urls: &[String]) -> bool {
    let client = reqwest::Client::new();
    for url in urls {
        let Ok(response) = client.get(url).timeout(Duration::from_secs(5)).send().await else {
            continue;
        };
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await.unwrap_or_default();
        let looks_like_image =
            bytes.starts_with(&[0xFF, 0xD8, 0xFF]) || bytes.starts_with(b"\x89PNG");
        if (kind == "image/jpeg" || kind == "image/png") && looks_like_image {
            return true;
        }
    }
    false
}

async fn push_lots(
    State(shared): State<Simulated>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Reply {
    authorised(&shared, &headers)?;
    let admitted = gate(&shared, &headers)?;
    let lots = body
        .get("loHang")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    {
        let state = lock(&shared);
        for lot in &lots {
            let product = lot
                .get("idSanPham")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !state.ledger.products.values().any(|(id, ..)| id == product) {
                drop(state);
                return refuse(
                    &shared,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("idSanPham {product}: sản phẩm không tồn tại"),
                );
            }
        }
    }
    {
        let mut state = lock(&shared);
        for lot in &lots {
            let gtin = lot
                .get("maGTIN")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let number = lot
                .get("soLo")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let received = state.ledger.lots.entry((gtin, number)).or_default();
            for event in lot
                .get("suKien")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = event.get("maSuKien").and_then(Value::as_str) {
                    received.push(id.to_owned());
                }
            }
        }
    }
    let id = next_id(&shared);
    Ok(applied(
        &shared,
        admitted,
        StatusCode::OK,
        json!({"idGoiTin": id, "trangThai": "CREATED"}),
        None,
    )
    .await)
}

async fn capture(State(shared): State<Simulated>, headers: HeaderMap, body: String) -> Reply {
    if lock(&shared).faults.down {
        return Err(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"message": "down"}),
        ));
    }
    let admitted = gate(&shared, &headers)?;
    let Ok(document) = serde_json::from_str::<Value>(&body) else {
        return refuse(&shared, StatusCode::BAD_REQUEST, "not JSON".to_owned());
    };
    let events = document
        .pointer("/epcisBody/eventList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let id = next_id(&shared).parse::<u64>().unwrap_or_default();
    {
        let mut state = lock(&shared);
        let mut errors = Vec::new();
        let mut seen = BTreeSet::new();
        for event in &events {
            let Some(event_id) = event.get("eventID").and_then(Value::as_str) else {
                errors.push("an event has no eventID".to_owned());
                continue;
            };
            if !seen.insert(event_id.to_owned()) {
                continue;
            }
            let count = state
                .ledger
                .epcis_events
                .entry(event_id.to_owned())
                .or_default();
            if *count > 0 {
                errors.push(format!("{event_id}: already captured"));
            } else {
                *count += 1;
            }
        }
        state.jobs.insert(id, errors);
    }
    let location = format!("/epcis/capture/{id}");
    Ok(applied(
        &shared,
        admitted,
        StatusCode::ACCEPTED,
        json!({}),
        Some(location),
    )
    .await)
}

async fn capture_job(State(shared): State<Simulated>, Path(id): Path<u64>) -> Response {
    let state = lock(&shared);
    match state.jobs.get(&id) {
        Some(errors) => answer(
            StatusCode::OK,
            json!({"captureID": id.to_string(), "running": false, "success": errors.is_empty(), "errors": errors}),
        ),
        None => answer(StatusCode::NOT_FOUND, json!({"message": "no such job"})),
    }
}
