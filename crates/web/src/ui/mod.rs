//! The portal: server-rendered HTML pages in Vietnamese and English, usable without JavaScript,
//! signed in with a session cookie (see [`session`]). Pages are askama templates in
//! `templates/`, messages are Fluent files in `locales/`, and the one stylesheet is served from a
//! URL that carries a hash of its content, so browsers may cache it for a year.
//!
//! These routes are not part of the OpenAPI document: they answer HTML to people, not JSON to
//! programs. The API keeps its API keys.

mod admin;
mod chart;
mod dashboard;
pub(crate) mod diary;
mod facilities;
mod groups;
mod guidance;
pub mod i18n;
mod imports;
mod links;
mod nav;
mod organisations;
mod pages;
mod partners;
mod privacy;
mod products;
pub mod public_page;
mod quality_page;
mod registry;
mod scans_page;
pub mod session;
mod stamps_page;
mod sync_page;
mod trace_page;
mod training;

use std::sync::LazyLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use nguon_domain::{DocumentFile, Image, ProvinceCode, Role};
use nguon_gs1::CompanyPrefix;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::AppState;
use crate::ui::i18n::{LANG_COOKIE, Lang, Tr};
use crate::ui::session::SignedIn;

/// How the portal's sessions behave.
#[derive(Debug, Clone)]
pub struct UiSettings {
    /// Whether cookies carry `Secure` (set it when the portal is served over HTTPS).
    pub secure_cookies: bool,
    /// How long a session lasts at most.
    pub session_lifetime: Duration,
    /// How long a session may go unused before it ends.
    pub idle_timeout: Duration,
    /// The province the portal serves: addresses are picked from its communes.
    pub province: ProvinceCode,
    /// The province's GS1 company prefix, from which members without their own get GLNs.
    pub province_prefix: Option<CompanyPrefix>,
    /// How many days before expiry a certificate is flagged for renewal.
    pub certificate_alert_days: u16,
    /// The sync targets `nguon serve` sends to, so the sync page lists them before their first
    /// delivery and says so when there are none.
    pub sync_targets: Vec<nguon_domain::TargetName>,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_lifetime: Duration::hours(12),
            idle_timeout: Duration::minutes(30),
            province: ProvinceCode::parse(DEFAULT_PROVINCE).expect("a valid province code"),
            province_prefix: None,
            certificate_alert_days: DEFAULT_CERTIFICATE_ALERT_DAYS,
            sync_targets: Vec::new(),
        }
    }
}

/// Days before expiry from which a certificate is flagged, unless configured.
pub const DEFAULT_CERTIFICATE_ALERT_DAYS: u16 = 60;

/// The province served unless configured: Cà Mau.
pub const DEFAULT_PROVINCE: &str = "96";

/// The script of the facility form's "use my location" button; forms work without it.
const SCRIPT: &str = include_str!("../../static/geo.js");

/// The script's URL, named by its hash like the stylesheet's.
static SCRIPT_URL: LazyLock<String> = LazyLock::new(|| hashed_url("geo", "js", SCRIPT));

/// The stylesheet.
const CSS: &str = include_str!("../../static/app.css");

/// The stylesheet's URL: its name carries the first hex digits of its SHA-256, so a changed
/// stylesheet gets a new URL and the old one may be cached for good.
static CSS_URL: LazyLock<String> = LazyLock::new(|| hashed_url("app", "css", CSS));

/// `/static/{stem}.{first hex digits of the SHA-256 of content}.{extension}`.
fn hashed_url(stem: &str, extension: &str, content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("/static/{stem}.{hex}.{extension}")
}

/// The portal's pages as a router and the path of each: the router serves them, the paths let
/// tests hold every page to account (a page the access matrix does not name fails it).
pub struct Pages {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Pages {
    fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Serves `path` with `methods` and records the path.
    fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, methods);
        self.paths.push(path);
        self
    }

    fn merge(mut self, other: Self) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// Lets the bodies of these pages' requests be up to `bytes` long.
    fn body_limit(mut self, bytes: usize) -> Self {
        self.router = self.router.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// The path patterns served, in axum's syntax (`/facilities/{id}`).
    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    /// The router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// The portal's routes.
pub fn routes() -> Router<AppState> {
    all_pages().into_router()
}

/// The portal's pages with their paths.
pub fn all_pages() -> Pages {
    Pages::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", axum::routing::post(pages::logout))
        .route(
            "/account/password",
            get(pages::password_form).post(pages::change_password),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/audit", get(admin::audit))
        .route(
            "/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route("/organisations/new", get(organisations::new_form))
        .route("/organisations/{id}", get(organisations::detail))
        .route(
            "/organisations/{id}/address",
            get(organisations::address_form).post(organisations::set_address),
        )
        .route("/organisations/{id}/privacy", get(privacy::show))
        .route(
            "/organisations/{id}/privacy/consent",
            post(privacy::record_consent),
        )
        .route("/organisations/{id}/privacy/export", get(privacy::export))
        .route("/organisations/{id}/privacy/erase", post(privacy::erase))
        .route(
            "/organisations/{id}/status",
            post(organisations::set_status),
        )
        .route("/admin/dashboard", get(dashboard::page))
        .route("/admin/dashboard/{file}", get(dashboard::download))
        .route(
            "/admin/training",
            get(training::list).post(training::create),
        )
        .route(
            "/admin/training/{id}",
            get(training::edit_form).post(training::update),
        )
        .route("/stamps", get(stamps_page::list).post(stamps_page::print))
        .route("/stamps/scans", get(scans_page::page))
        .route("/stamps/{id}", get(stamps_page::printed))
        .route("/stamps/{id}/stamps.pdf", get(stamps_page::sheet))
        .route("/stamps/{id}/{action}", post(stamps_page::change))
        .merge(partner_routes())
        .route("/links", get(links::list).post(links::create))
        .route("/links/{id}/remove", post(links::remove))
        .route("/p/{*code}", get(public_page::page))
        .route("/trace", get(trace_page::search))
        .route("/trace/{id}", get(trace_page::page))
        .route("/quality", get(quality_page::page))
        .route("/sync", get(sync_page::page))
        .route("/sync/{id}/retry", post(sync_page::retry))
        .route(
            "/facilities",
            get(facilities::list).post(facilities::create),
        )
        .route("/facilities/new", get(facilities::new_form))
        .route("/facilities/new/gln", post(facilities::allocate_gln))
        .route("/facilities/{id}", get(facilities::detail))
        .route(
            "/facilities/{id}/edit",
            get(facilities::edit_form).post(facilities::update),
        )
        .route("/facilities/{id}/status", post(facilities::set_status))
        .route(
            "/facilities/{id}/certificates",
            post(facilities::add_certificate),
        )
        .merge(product_routes())
        .merge(guidance_routes())
        .route(
            "/admin/product-groups",
            get(groups::list).post(groups::create),
        )
        .route(
            "/admin/product-groups/{id}",
            get(groups::edit_form).post(groups::update),
        )
        .route("/media/{id}", get(registry::media))
        .route("/lang/{code}", get(switch_language))
        .route("/static/{name}", get(stylesheet))
        .merge(diary::routes())
        .route(
            "/import",
            get(imports::form)
                .post(imports::upload)
                .layer(DefaultBodyLimit::max(imports::UPLOAD_LIMIT)),
        )
        .route("/import/template/{file}", get(imports::template))
        .route("/export/{file}", get(imports::export))
}

/// The partner pages: an organisation's sharing page and the province's partner registry.
fn partner_routes() -> Pages {
    Pages::new()
        .route("/partners", get(partners::sharing).post(partners::grant))
        .route("/partners/{id}/revoke", post(partners::revoke))
        .route(
            "/admin/partners",
            get(partners::registry).post(partners::register),
        )
        .route("/admin/partners/{id}/keys", post(partners::issue_key))
        .route(
            "/admin/partners/{id}/keys/{key}/revoke",
            post(partners::revoke_key),
        )
        .route("/admin/partners/{id}/status", post(partners::set_status))
}

/// The product pages: their forms carry a photo of up to [`Image::MAX_BYTES`], so their body
/// limit leaves room for it and the other fields.
fn product_routes() -> Pages {
    Pages::new()
        .route("/products", get(products::list).post(products::create))
        .route("/products/new", get(products::new_form))
        .route("/products/{id}", get(products::detail))
        .route(
            "/products/{id}/edit",
            get(products::edit_form).post(products::update),
        )
        .route("/products/{id}/status", post(products::set_status))
        .body_limit(Image::MAX_BYTES + 64 * 1024)
}

/// The guidance library: an upload carries a file of up to [`DocumentFile::MAX_BYTES`], so its
/// body limit leaves room for it and the other fields.
fn guidance_routes() -> Pages {
    Pages::new()
        .route("/guidance", get(guidance::list).post(guidance::upload))
        .route("/guidance/{id}", get(guidance::download))
        .body_limit(DocumentFile::MAX_BYTES + 64 * 1024)
}

/// `GET /static/{name}`: the stylesheet and the script under their current names only.
async fn stylesheet(Path(name): Path<String>) -> Response {
    let path = format!("/static/{name}");
    let (content_type, body) = if path == *CSS_URL {
        ("text/css; charset=utf-8", CSS)
    } else if path == *SCRIPT_URL {
        ("text/javascript; charset=utf-8", SCRIPT)
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// Where the language switch returns to.
#[derive(Debug, Deserialize)]
struct Back {
    back: Option<String>,
}

/// `GET /lang/{vi|en}?back=/path`: remembers the language in a cookie for a year and returns to
/// the page. Only a path on this site is followed, so the switch cannot send anyone elsewhere.
async fn switch_language(
    Path(code): Path<String>,
    Query(back): Query<Back>,
    jar: CookieJar,
) -> Response {
    let Some(lang) = Lang::from_tag(&code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let back = back
        .back
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .max_age(Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}

/// What every page's frame shows: the language, the stylesheet, the signed-in user and the
/// sign-out form.
pub struct Chrome {
    /// The translator, for templates.
    pub tr: Tr,
    /// The stylesheet URL.
    pub css: &'static str,
    /// The signed-in user's name, if any.
    pub user_name: Option<String>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
    /// This page's path, URL-encoded, for the language switch to return to.
    pub here: String,
    /// The header's navigation: the pages the signed-in user may open.
    pub nav: Vec<nav::NavLink>,
}

impl Chrome {
    /// The frame of a page seen signed out.
    pub fn signed_out(lang: Lang, here: &str) -> Self {
        Self {
            tr: Tr { lang },
            css: CSS_URL.as_str(),
            user_name: None,
            csrf: String::new(),
            here: query_escape(here),
            nav: Vec::new(),
        }
    }

    /// The frame of a page seen by `who`.
    pub fn signed_in(who: &SignedIn, here: &str) -> Self {
        Self {
            user_name: Some(who.user.display_name().to_owned()),
            csrf: who.session.csrf_token.clone(),
            nav: nav::header_links(Tr { lang: who.lang }, who, here),
            ..Self::signed_out(who.lang, here)
        }
    }

    /// The language tag of the page.
    pub fn lang(&self) -> &'static str {
        self.tr.lang.code()
    }
}

/// A role's name in the user's language.
pub fn role_label(tr: Tr, role: Role) -> String {
    tr.t(&format!("role-{}", role.as_str()))
}

/// Percent-encodes a query-string value: everything but unreserved characters.
pub fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(query_escape("user:0190 a&b"), "user%3A0190%20a%26b");
        assert_eq!(query_escape("/admin/audit"), "/admin/audit");
    }

    #[test]
    fn the_stylesheet_url_carries_its_hash() {
        assert!(CSS_URL.starts_with("/static/app.") && CSS_URL.ends_with(".css"));
        assert_eq!(CSS_URL.len(), "/static/app.".len() + 12 + ".css".len());
    }
}
