//! The national traceability portal of MOST (truyxuatnguongoc.gov.vn), built on what is publicly
//! known of it: an OAuth 2.0 client-credentials login at its SSO, an organisation profile that
//! must exist and be activated before anything else, then products, then lots with their stages.
//! Paths and field names come from configuration because the official guide is not public.
//!
//! Every push runs the portal's known preconditions first (pre-flight), so a record that would
//! be refused is held back with the reason instead of being sent.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use nguon_domain::{
    Address, AdminUnits, ApprovalStatus, Bilingual, Organisation, ProductDetails, Registered,
    SubjectKind, SyncDelivery, SyncSubject, TargetName,
};
use reqwest::{Client, Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::adapter::{Adapter, Attempt, exchange, json_body, refused};
use crate::config::MostPortalConfig;
use crate::record::{Record, lots_of};

/// The portal's word for an activated organisation profile.
pub const ACTIVATED: &str = "DA_KICH_HOAT";
/// The portal's word for a confirmed product or lot.
pub const CONFIRMED: &str = "CONFIRMED";

/// Renews a token this long before the portal says it expires (or a tenth of its lifetime, if
/// shorter), so a request never carries one that expires on the way.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// One kind of record the portal takes by `POST`.
struct Push<'a> {
    /// What it is, for reasons.
    what: &'static str,
    /// Where it goes.
    path: &'a str,
    /// The answer's field holding the portal's id for it.
    id_field: &'static str,
    /// The status word that says it is done.
    done_word: &'static str,
}

/// The adapter.
pub struct MostPortal {
    target: TargetName,
    http: Client,
    config: MostPortalConfig,
    token: Mutex<Option<Token>>,
}

#[derive(Debug, Clone)]
struct Token {
    value: String,
    renew_at: Instant,
}

impl MostPortal {
    /// An adapter for `target` that sends with `http`.
    pub fn new(target: TargetName, http: Client, config: MostPortalConfig) -> Self {
        Self {
            target,
            http,
            config,
            token: Mutex::new(None),
        }
    }

    /// The portal's name for one of our payload fields.
    fn field<'a>(&'a self, ours: &'a str) -> &'a str {
        self.config.fields.get(ours).map_or(ours, String::as_str)
    }

    /// A payload with our field names mapped to the portal's.
    fn payload(&self, fields: Vec<(&str, Value)>) -> Value {
        let map: Map<String, Value> = fields
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| (self.field(name).to_owned(), value))
            .collect();
        Value::Object(map)
    }

    /// A string field of a portal answer, by our name for it.
    fn read<'v>(&self, body: &'v Value, ours: &str) -> Option<&'v str> {
        match body.get(self.field(ours))? {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A reference from a portal answer (ids may come as numbers or strings).
    fn read_id(&self, body: &Value, ours: &str) -> Option<String> {
        match body.get(self.field(ours))? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// A valid access token, renewed when it is about to expire or `stale` says the portal no
    /// longer takes it.
    async fn token(&self, stale: bool) -> Result<String, Attempt> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| !stale && Instant::now() < t.renew_at)
        {
            return Ok(token.value.clone());
        }
        let request = self.http.post(&self.config.token_url).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose_secret()),
        ]);
        let what = "đăng nhập SSO / SSO login";
        let response = exchange(&self.target, what, request).await?;
        if !response.status().is_success() {
            // Credentials are fixed by an operator and a restart; until then every push waits.
            let Attempt::Refused(reason) = refused(what, response).await else {
                unreachable!("refused() always refuses")
            };
            return Err(Attempt::Transient(reason));
        }
        let body = json_body(what, response).await?;
        let value = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Attempt::Transient(Bilingual::new(
                    "đăng nhập SSO: câu trả lời thiếu access_token",
                    "SSO login: the answer has no access_token",
                ))
            })?
            .to_owned();
        let lifetime = Duration::from_secs(
            body.get("expires_in")
                .and_then(Value::as_u64)
                .unwrap_or(300),
        );
        *cached = Some(Token {
            value: value.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN.min(lifetime / 10)),
        });
        Ok(value)
    }

    /// Sends an authorised request; a `401` renews the token and tries once more.
    async fn send(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<reqwest::Response, Attempt> {
        let url = format!("{}{}", self.config.base_url.trim_end_matches('/'), path);
        let mut stale = false;
        loop {
            let token = self.token(stale).await?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token)
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            let response = exchange(&self.target, what, request).await?;
            if response.status() == StatusCode::UNAUTHORIZED && !stale {
                stale = true;
                continue;
            }
            return Ok(response);
        }
    }

    /// The organisation's profile on the portal: `None` when the portal does not know it.
    async fn find_organisation(
        &self,
        organisation: &Organisation,
    ) -> Result<Option<Value>, Attempt> {
        let what = "tra cứu tổ chức / organisation lookup";
        let response = self
            .send(
                what,
                Method::GET,
                &self.config.paths.organisation,
                &[(self.field("maSoThue"), organisation.tax_code.as_str())],
                None,
                None,
            )
            .await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => Ok(Some(json_body(what, response).await?)),
            _ => Err(refused(what, response).await),
        }
    }

    /// The portal's id of an organisation whose profile is there and activated, or why not.
    async fn activated(&self, organisation: &Organisation) -> Result<String, Attempt> {
        let tax = organisation.tax_code.as_str();
        let Some(profile) = self.find_organisation(organisation).await? else {
            return Err(Attempt::Transient(Bilingual::new(
                format!(
                    "tổ chức (MST {tax}) chưa có hồ sơ trên Cổng quốc gia; chờ hồ sơ tổ chức được gửi"
                ),
                format!(
                    "the organisation (tax code {tax}) has no profile on the national portal yet; waiting for its profile to be sent"
                ),
            )));
        };
        if self.read(&profile, "trangThai") != Some(ACTIVATED) {
            return Err(Attempt::Transient(Bilingual::new(
                format!(
                    "hồ sơ tổ chức (MST {tax}) chưa được kích hoạt trên Cổng quốc gia; chờ Trung tâm Mã số Mã vạch Quốc gia kích hoạt"
                ),
                format!(
                    "the organisation's profile (tax code {tax}) is not activated on the national portal yet; waiting for the National Barcode Center to activate it"
                ),
            )));
        }
        self.read_id(&profile, "idToChucHoSo").ok_or_else(|| {
            Attempt::Transient(Bilingual::new(
                "tra cứu tổ chức: câu trả lời thiếu idToChucHoSo",
                "organisation lookup: the answer has no idToChucHoSo",
            ))
        })
    }

    /// Posts a record and reads the portal's answer: its id for the record, and whether it is
    /// already done.
    async fn post(&self, push: &Push<'_>, body: &Value, key: &str) -> Attempt {
        let what = push.what;
        let response = match self
            .send(what, Method::POST, push.path, &[], Some(body), Some(key))
            .await
        {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => return refused(what, response).await,
            Err(attempt) => return attempt,
        };
        match json_body(what, response).await {
            Ok(answer) => Attempt::Accepted {
                reference: self.read_id(&answer, push.id_field),
                confirmed: self.read(&answer, "trangThai") == Some(push.done_word),
            },
            Err(attempt) => attempt,
        }
    }

    async fn push_organisation(&self, organisation: &Organisation, key: &str) -> Attempt {
        if let Err(waiting) = approved(organisation) {
            return waiting;
        }
        let body = self.payload(vec![
            ("maSoThue", json!(organisation.tax_code.as_str())),
            ("tenToChuc", json!(organisation.name.as_str())),
            ("loaiHinh", json!(organisation.kind.as_str())),
            (
                "diaChi",
                json!(organisation.address.as_ref().map(address_line)),
            ),
            (
                "maDonViHanhChinh",
                json!(
                    organisation
                        .address
                        .as_ref()
                        .map(|a| a.commune().as_str().to_owned())
                ),
            ),
            (
                "maTienToDoanhNghiep",
                json!(
                    organisation
                        .company_prefixes
                        .iter()
                        .map(|prefix| prefix.as_str())
                        .collect::<Vec<_>>()
                ),
            ),
        ]);
        let push = Push {
            what: "gửi hồ sơ tổ chức / organisation push",
            path: &self.config.paths.organisation,
            id_field: "idToChucHoSo",
            done_word: ACTIVATED,
        };
        self.post(&push, &body, key).await
    }

    async fn push_product(
        &self,
        organisation: &Organisation,
        product: &Registered<ProductDetails>,
        key: &str,
    ) -> Attempt {
        let portal_organisation = match self.activated(organisation).await {
            Ok(id) => id,
            Err(attempt) => return attempt,
        };
        if product.status != ApprovalStatus::Approved {
            return Attempt::Transient(Bilingual::new(
                "sản phẩm chưa được Sở phê duyệt; sẽ gửi khi được duyệt",
                "the product is not approved by the province yet; it is sent once approved",
            ));
        }
        let details = &product.details;
        let Some((weight, unit)) = details.net_content.and_then(|content| {
            portal_unit(content.unit().as_str()).map(|unit| (content.amount(), unit))
        }) else {
            return Attempt::Refused(Bilingual::new(
                format!(
                    "sản phẩm {}: cần khối lượng/thể tích tịnh lớn hơn 0 với đơn vị (kg, g, l, ml)",
                    details.gtin.as_str()
                ),
                format!(
                    "product {}: needs a net weight or volume above 0 with a unit (kg, g, l, ml)",
                    details.gtin.as_str()
                ),
            ));
        };
        let images = match self.reachable_images(details).await {
            Ok(images) => images,
            Err(attempt) => return attempt,
        };
        let body = self.payload(vec![
            ("idToChucHoSo", json!(portal_organisation)),
            ("maGTIN", json!(details.gtin.as_str())),
            ("tenSanPham", json!(details.name_vi.as_str())),
            (
                "tenTiengAnh",
                json!(details.name_en.as_ref().map(|name| name.as_str())),
            ),
            ("nhanHieu", json!(details.brand)),
            ("khoiLuongTinh", json!(weight)),
            ("donViTinh", json!(unit)),
            ("hinhAnh", json!(images)),
            (
                "tieuChuanApDung",
                json!(
                    details
                        .standards
                        .iter()
                        .map(|standard| standard.as_str())
                        .collect::<Vec<_>>()
                ),
            ),
            ("hanSuDungNgay", json!(details.shelf_life_days)),
            ("trangThaiSanPham", json!(product.status.as_str())),
        ]);
        let push = Push {
            what: "gửi sản phẩm / product push",
            path: &self.config.paths.product,
            id_field: "idSanPham",
            done_word: CONFIRMED,
        };
        self.post(&push, &body, key).await
    }

    /// The public URLs of the product's images that answer with a JPEG or PNG; the portal
    /// downloads them and refuses a product with none.
    async fn reachable_images(&self, details: &ProductDetails) -> Result<Vec<String>, Attempt> {
        let base = self.config.public_base_url.trim_end_matches('/');
        let mut reachable = Vec::new();
        let mut tried = Vec::new();
        for image in &details.images {
            let url = format!("{base}/media/{image}");
            let what = "kiểm tra ảnh / image check";
            let answer = exchange(&self.target, what, self.http.get(&url)).await;
            let kind = answer.as_ref().ok().and_then(|response| {
                response
                    .status()
                    .is_success()
                    .then(|| response.headers().get(reqwest::header::CONTENT_TYPE))
                    .flatten()
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned)
            });
            match kind.as_deref() {
                Some("image/jpeg" | "image/png") => reachable.push(url),
                _ => tried.push(url),
            }
        }
        if reachable.is_empty() {
            let gtin = details.gtin.as_str();
            let tried = if tried.is_empty() {
                "—".to_owned()
            } else {
                tried.join(", ")
            };
            return Err(Attempt::Refused(Bilingual::new(
                format!(
                    "sản phẩm {gtin}: cần ít nhất một ảnh JPG/PNG truy cập công khai được; đã thử: {tried}"
                ),
                format!(
                    "product {gtin}: needs at least one JPG/PNG image reachable at a public URL; tried: {tried}"
                ),
            )));
        }
        Ok(reachable)
    }

    /// The portal's id of a product by GTIN, or why it cannot take lots of it yet.
    async fn portal_product(&self, gtin: &str) -> Result<String, Attempt> {
        let what = "tra cứu sản phẩm / product lookup";
        let response = self
            .send(
                what,
                Method::GET,
                &self.config.paths.product,
                &[(self.field("maGTIN"), gtin)],
                None,
                None,
            )
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Err(Attempt::Transient(Bilingual::new(
                format!(
                    "sản phẩm GTIN {gtin} chưa có trên Cổng quốc gia; lô hàng chờ sản phẩm được gửi"
                ),
                format!(
                    "product GTIN {gtin} is not on the national portal yet; its lots wait for the product"
                ),
            )));
        }
        if !response.status().is_success() {
            return Err(refused(what, response).await);
        }
        let body = json_body(what, response).await?;
        self.read_id(&body, "idSanPham").ok_or_else(|| {
            Attempt::Transient(Bilingual::new(
                "tra cứu sản phẩm: câu trả lời thiếu idSanPham",
                "product lookup: the answer has no idSanPham",
            ))
        })
    }

    async fn push_events(&self, record: &Record, key: &str) -> Attempt {
        let Record::Events {
            organisation,
            events,
            own_gtins,
        } = record
        else {
            unreachable!("push_events takes events")
        };
        let lots: Vec<_> = lots_of(events)
            .into_iter()
            .filter(|lot| own_gtins.contains(&lot.gtin))
            .collect();
        if lots.is_empty() {
            // Nothing here is a lot of this organisation's own products: the portal keeps lots
            // by their producer, so there is nothing to send.
            return Attempt::Accepted {
                reference: None,
                confirmed: true,
            };
        }
        let portal_organisation = match self.activated(organisation).await {
            Ok(id) => id,
            Err(attempt) => return attempt,
        };
        let mut payload_lots = Vec::with_capacity(lots.len());
        for lot in &lots {
            let product = match self.portal_product(lot.gtin.as_str()).await {
                Ok(id) => id,
                Err(attempt) => return attempt,
            };
            let stages: Vec<Value> = lot
                .events
                .iter()
                .map(|stored| {
                    let event = &stored.event;
                    self.payload(vec![
                        ("maSuKien", json!(event.event_id.as_str())),
                        ("maBamSuKien", json!(event.hash.as_str())),
                        ("loaiSuKien", json!(event.event_type.as_str())),
                        ("congDoan", json!(event.biz_step)),
                        (
                            "thoiGian",
                            json!(
                                event
                                    .event_time
                                    .format(&time::format_description::well_known::Rfc3339)
                                    .unwrap_or_default()
                            ),
                        ),
                        (
                            "maDiaDiem",
                            json!(event.biz_location.as_ref().or(event.read_point.as_ref())),
                        ),
                    ])
                })
                .collect();
            payload_lots.push(self.payload(vec![
                ("idSanPham", json!(product)),
                ("maGTIN", json!(lot.gtin.as_str())),
                ("soLo", json!(lot.lot)),
                ("taoTaiDay", json!(lot.made_here)),
                ("suKien", Value::Array(stages)),
            ]));
        }
        let body = self.payload(vec![
            ("idToChucHoSo", json!(portal_organisation)),
            ("loHang", Value::Array(payload_lots)),
        ]);
        let push = Push {
            what: "gửi lô hàng và sự kiện / lots and events push",
            path: &self.config.paths.lots,
            id_field: "idGoiTin",
            done_word: CONFIRMED,
        };
        self.post(&push, &body, key).await
    }
}

#[async_trait]
impl Adapter for MostPortal {
    fn subjects(&self) -> &'static [SubjectKind] {
        &SubjectKind::ALL
    }

    async fn push(&self, record: &Record, idempotency_key: &str) -> Attempt {
        match record {
            Record::Organisation(organisation) => {
                self.push_organisation(organisation, idempotency_key).await
            }
            Record::Product {
                organisation,
                product,
            } => {
                self.push_product(organisation, product, idempotency_key)
                    .await
            }
            Record::Events { .. } => self.push_events(record, idempotency_key).await,
        }
    }

    async fn check(&self, delivery: &SyncDelivery) -> Attempt {
        let Some(reference) = delivery.remote_reference.as_deref() else {
            // Accepted without an id to ask about: the portal's acceptance is all there is.
            return Attempt::Accepted {
                reference: None,
                confirmed: true,
            };
        };
        let (what, path, word) = match delivery.subject {
            SyncSubject::Organisation => (
                "kiểm tra tổ chức / organisation check",
                &self.config.paths.organisation,
                ACTIVATED,
            ),
            SyncSubject::Product(_) => (
                "kiểm tra sản phẩm / product check",
                &self.config.paths.product,
                CONFIRMED,
            ),
            SyncSubject::Events { .. } => (
                "kiểm tra lô hàng / lots check",
                &self.config.paths.lots,
                CONFIRMED,
            ),
        };
        let path = format!("{path}/{reference}");
        match self.send(what, Method::GET, &path, &[], None, None).await {
            Ok(response) if response.status().is_success() => {
                match json_body(what, response).await {
                    Ok(answer) => Attempt::Accepted {
                        reference: None,
                        confirmed: self.read(&answer, "trangThai") == Some(word),
                    },
                    Err(attempt) => attempt,
                }
            }
            Ok(response) => refused(what, response).await,
            Err(attempt) => attempt,
        }
    }
}

/// Holds back a profile the province has not approved: the portal would list an organisation
/// the province does not vouch for.
fn approved(organisation: &Organisation) -> Result<(), Attempt> {
    match organisation.status {
        ApprovalStatus::Approved => Ok(()),
        status => Err(Attempt::Transient(Bilingual::new(
            format!("tổ chức chưa được Sở phê duyệt (trạng thái {status}); sẽ gửi khi được duyệt"),
            format!(
                "the organisation is not approved by the province (status {status}); it is sent once approved"
            ),
        ))),
    }
}

/// An address as one line: street, commune, province.
fn address_line(address: &Address) -> String {
    match AdminUnits::embedded().commune(address.commune()) {
        Ok((commune, province)) => {
            format!(
                "{}, {}, {}",
                address.street(),
                commune.name(),
                province.name()
            )
        }
        Err(_) => address.street().to_owned(),
    }
}

/// The portal's unit for a UN/ECE net-content unit: only masses and volumes make a net weight.
fn portal_unit(unece: &str) -> Option<&'static str> {
    match unece {
        "KGM" => Some("KG"),
        "GRM" => Some("G"),
        "TNE" => Some("TAN"),
        "LTR" => Some("L"),
        "MLT" => Some("ML"),
        _ => None,
    }
}
