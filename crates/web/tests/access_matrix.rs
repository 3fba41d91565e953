//! The access-control matrix: every caller against every route, over SQLite and (when
//! `NGUON_TEST_DATABASE_URL` is set) PostgreSQL.
//!
//! Two organisations, A and B, each have an org admin, an org staff member and an API key; the
//! province has an admin, an inspector and a key; a partner system has a key and a read grant
//! from A only; and there is the anonymous visitor. B owns one of everything that has an id, and
//! every route is called with its path filled with B's ids. The API's routes are read from the
//! served OpenAPI document and the portal's from its router ([`nguon_web::ui::all_pages`], with
//! each path's methods from the `Allow` header of a 405), so a route the table below does not
//! name fails the test.
//!
//! What each cell should answer comes from two small tables, not from the cells: which
//! capabilities each caller holds ([`Who::holds`]) and which capability and whose record each
//! route needs ([`ROUTES`]). A cell is denied when it answers 401, 403, 404 or a redirect to the
//! sign-in page; whatever it answers, a caller outside B and the province must never see B's
//! marker ([`B_MARKER`], in every text B owns). Every state-changing form is also sent without
//! its CSRF token by each caller it allows, and must be refused.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use nguon_domain::{
    Actor, ApiKeyScope, ApprovalStatus, DocumentFile, FacilityDetails, FacilityKind, Image,
    NetContent, NewGuidance, NewPartner, NewTraining, OrganisationId, Permission, ProductDetails,
    ProductGroupCode, RecordName, Role, TargetName,
};
use nguon_gs1::{CompanyPrefix, Gln, Gtin, percent_encode};
use nguon_store::Registry;
use serde_json::{Value, json};
use support::chain::commissioning_document;
use support::portal::{Browser, PASSWORD, location, user};
use support::{Reply, TestApp};

/// In the name of B and of everything B owns, and in nothing else: a page showing it to a
/// caller outside B and the province leaks B's data.
const B_MARKER: &str = "Bravo";

/// B's product and lot.
const B_GTIN: &str = "08934673000017";
const B_LOT: &str = "L42";
/// B's pond.
const B_GLN: &str = "8934673000109";

/// One of the two organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Org {
    A,
    B,
}

/// A caller of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    OrgAdmin(Org),
    OrgStaff(Org),
    OrgKey(Org),
    ProvinceAdmin,
    Inspector,
    ProvinceKey,
    PartnerKey,
}

/// Every caller.
const CALLERS: [Who; 11] = [
    Who::Anonymous,
    Who::OrgAdmin(Org::A),
    Who::OrgStaff(Org::A),
    Who::OrgKey(Org::A),
    Who::PartnerKey,
    Who::Inspector,
    Who::ProvinceKey,
    Who::ProvinceAdmin,
    Who::OrgStaff(Org::B),
    Who::OrgKey(Org::B),
    Who::OrgAdmin(Org::B),
];

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing: public.
    Nothing,
    /// What no caller of the matrix holds.
    Nobody,
    /// A portal session, of anyone.
    Session,
    /// A portal session of an organisation's user.
    OrgSession,
    /// A portal session of an organisation's admin.
    OrgAdminSession,
    /// A portal session of an organisation's admin or the province admin: edits an organisation.
    EditorSession,
    /// A portal session of an organisation's user or the province admin: changes a stamp run.
    RecordSession,
    /// A portal session of a province officer.
    ProvinceSession,
    /// A portal session of the province admin.
    ProvinceAdminSession,
    /// An organisation's or the province's key.
    MemberKey,
    /// An organisation's key.
    OrgKey,
    /// The province's key.
    ProvinceKey,
    /// An organisation's or a partner's key: capture.
    CaptureKey,
    /// Any key, a partner's included: EPCIS queries.
    AnyKey,
}

impl Who {
    /// The role → capability table.
    fn holds(self) -> &'static [Need] {
        use Need::*;
        match self {
            Self::Anonymous => &[Nothing],
            Self::OrgAdmin(_) => &[
                Nothing,
                Session,
                OrgSession,
                OrgAdminSession,
                EditorSession,
                RecordSession,
            ],
            Self::OrgStaff(_) => &[Nothing, Session, OrgSession, RecordSession],
            Self::ProvinceAdmin => &[
                Nothing,
                Session,
                EditorSession,
                RecordSession,
                ProvinceSession,
                ProvinceAdminSession,
            ],
            Self::Inspector => &[Nothing, Session, ProvinceSession],
            Self::OrgKey(_) => &[Nothing, MemberKey, OrgKey, CaptureKey, AnyKey],
            Self::ProvinceKey => &[Nothing, MemberKey, ProvinceKey, AnyKey],
            Self::PartnerKey => &[Nothing, CaptureKey, AnyKey],
        }
    }

    fn organisation(self) -> Option<Org> {
        match self {
            Self::OrgAdmin(org) | Self::OrgStaff(org) | Self::OrgKey(org) => Some(org),
            _ => None,
        }
    }

    /// Whether the caller sees every organisation's records.
    fn is_province(self) -> bool {
        matches!(
            self,
            Self::ProvinceAdmin | Self::Inspector | Self::ProvinceKey
        )
    }

    /// Whether the caller may see B's data at all.
    fn may_see_b(self) -> bool {
        self.is_province() || self.organisation() == Some(Org::B)
    }

    /// Whether the caller belongs to another organisation than B: its cells on B's records are
    /// the cross-organisation ones.
    fn is_other_party(self) -> bool {
        matches!(
            self,
            Self::OrgAdmin(Org::A)
                | Self::OrgStaff(Org::A)
                | Self::OrgKey(Org::A)
                | Self::PartnerKey
        )
    }

    fn has_session(self) -> bool {
        self.holds().contains(&Need::Session)
    }
}

/// Whose record a route's path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// None, or the caller's own: a collection scoped to the caller, a form, a public page.
    Own,
    /// One of B's records.
    B,
}

/// What a request carries.
#[derive(Debug, Clone, Copy)]
enum Payload {
    None,
    /// A JSON body, by name (see [`World::json`]).
    Json(&'static str),
    /// An EPCIS capture document.
    Capture,
    /// A portal form with its CSRF token and these fields.
    Form(&'static [(&'static str, &'static str)]),
    /// A portal multipart form with its CSRF token only.
    Multipart,
}

/// A route of the matrix.
#[derive(Debug, Clone, Copy)]
struct Route {
    method: &'static str,
    /// The path, with `{name}` filled from [`World::values`].
    path: &'static str,
    need: Need,
    target: Target,
    payload: Payload,
    /// Whether a successful call uses up its record (a delete, a revocation): such routes run
    /// last, and after one succeeded the record's later allowed callers may find it gone.
    consumes: bool,
}

const fn route(method: &'static str, path: &'static str, need: Need, target: Target) -> Route {
    Route {
        method,
        path,
        need,
        target,
        payload: Payload::None,
        consumes: false,
    }
}

impl Route {
    const fn with(self, payload: Payload) -> Self {
        Route { payload, ..self }
    }

    const fn consuming(self) -> Self {
        Route {
            consumes: true,
            ..self
        }
    }

    /// Whether the route takes a portal form, which must carry its CSRF token.
    fn is_form(&self) -> bool {
        matches!(self.payload, Payload::Form(_) | Payload::Multipart)
    }

    /// Whether `who` should get through.
    fn allows(&self, who: Who) -> bool {
        who.holds().contains(&self.need) && (self.target == Target::Own || who.may_see_b())
    }
}

/// A form with nothing but its CSRF token.
const CSRF_ONLY: Payload = Payload::Form(&[]);

use Need::*;
use Target::{B, Own};

/// Every route, API and portal, with what it needs.
const ROUTES: &[Route] = &[
    // Operations and the API's description.
    route("GET", "/healthz", Nothing, Own),
    route("GET", "/readyz", Nothing, Own),
    route("GET", "/api/openapi.json", Nothing, Own),
    route("GET", "/.well-known/gs1resolver", Nothing, Own),
    route("GET", "/.well-known/nguon-signing-key", Nothing, Own),
    // The registry.
    route("GET", "/api/v1/facilities", MemberKey, Own),
    route("POST", "/api/v1/facilities", OrgKey, Own).with(Payload::Json("facility")),
    route("GET", "/api/v1/facilities/{facility}", MemberKey, B),
    route("PUT", "/api/v1/facilities/{facility}", OrgKey, B).with(Payload::Json("facility")),
    route(
        "POST",
        "/api/v1/facilities/{facility}/status",
        ProvinceKey,
        B,
    )
    .with(Payload::Json("approve")),
    route("GET", "/api/v1/products", MemberKey, Own),
    route("POST", "/api/v1/products", OrgKey, Own).with(Payload::Json("product")),
    route("GET", "/api/v1/products/{product}", MemberKey, B),
    route("PUT", "/api/v1/products/{product}", OrgKey, B).with(Payload::Json("product")),
    route("POST", "/api/v1/products/{product}/status", ProvinceKey, B)
        .with(Payload::Json("approve")),
    route("GET", "/api/v1/product-groups", MemberKey, Own),
    route("POST", "/api/v1/product-groups", ProvinceKey, Own).with(Payload::Json("group")),
    route(
        "GET",
        "/api/v1/product-groups/{product_group}",
        MemberKey,
        Own,
    ),
    route(
        "PUT",
        "/api/v1/product-groups/{product_group}",
        ProvinceKey,
        Own,
    )
    .with(Payload::Json("group")),
    // Partners and grants.
    route("GET", "/api/v1/partners", MemberKey, Own),
    route("GET", "/api/v1/grants", AnyKey, Own),
    route("POST", "/api/v1/grants", OrgKey, Own).with(Payload::Json("grant")),
    route("POST", "/api/v1/grants/{grant}/revoke", OrgKey, B).consuming(),
    // Personal data (B is a legal body: consent and erasure answer 422 to those allowed).
    route(
        "GET",
        "/api/v1/organisations/{organisation}/consents",
        MemberKey,
        B,
    ),
    route(
        "POST",
        "/api/v1/organisations/{organisation}/consents",
        MemberKey,
        B,
    )
    .with(Payload::Json("consent")),
    route(
        "GET",
        "/api/v1/organisations/{organisation}/personal-data",
        MemberKey,
        B,
    ),
    route(
        "POST",
        "/api/v1/organisations/{organisation}/erasure",
        MemberKey,
        B,
    ),
    // Recalls.
    route("GET", "/api/v1/recalls", MemberKey, Own),
    route("POST", "/api/v1/recalls", ProvinceKey, Own).with(Payload::Json("recall")),
    route("GET", "/api/v1/recalls/{recall}", MemberKey, B),
    route("GET", "/api/v1/recalls/{recall}/report.csv", MemberKey, B),
    route("GET", "/api/v1/recalls/{recall}/report.xlsx", MemberKey, B),
    route("GET", "/api/v1/recalls/{recall}/report.pdf", MemberKey, B),
    route("POST", "/api/v1/recalls/{recall}/status", ProvinceKey, B)
        .with(Payload::Json("recall_status")),
    // Exports and traceability.
    route("GET", "/api/v1/exports/fsma", MemberKey, Own),
    route("GET", "/api/v1/exports/plan", MemberKey, Own),
    route("GET", "/api/v1/exports/eu", MemberKey, Own),
    route("GET", "/api/v1/exports/simp", MemberKey, Own),
    route("GET", "/api/v1/exports/gdst", MemberKey, Own),
    route("GET", "/api/v1/trace/{lot}?direction=back", MemberKey, B),
    route("GET", "/api/v1/trace/{lot}/one-step", MemberKey, B),
    route("GET", "/api/v1/trace/{lot}/checks", MemberKey, B),
    route("GET", "/api/v1/trace/{lot}/quality", MemberKey, B),
    route("GET", "/api/v1/scans", MemberKey, Own),
    // The resolver's links.
    route("GET", "/api/v1/resolver/links", MemberKey, Own),
    route("POST", "/api/v1/resolver/links", OrgKey, Own).with(Payload::Json("link")),
    route("GET", "/api/v1/resolver/links/{link}", MemberKey, B),
    route("PUT", "/api/v1/resolver/links/{link}", OrgKey, B).with(Payload::Json("link")),
    // The province removes any link (moderation) but adds none.
    route("DELETE", "/api/v1/resolver/links/{link}", MemberKey, B).consuming(),
    route("GET", "/{digital_link}", Nothing, Own),
    // National-portal sync.
    route("GET", "/api/v1/sync/deliveries", MemberKey, Own),
    route(
        "POST",
        "/api/v1/sync/deliveries/{delivery}/retry",
        ProvinceKey,
        Own,
    ),
    // EPCIS.
    route("GET", "/epcis", Nothing, Own),
    route("GET", "/epcis/capture", AnyKey, Own),
    route("POST", "/epcis/capture", CaptureKey, Own).with(Payload::Capture),
    route("GET", "/epcis/capture/{capture}", AnyKey, B),
    route("GET", "/epcis/events", AnyKey, Own),
    route("POST", "/epcis/events", CaptureKey, Own).with(Payload::Capture),
    route("GET", "/epcis/events/{event}", AnyKey, B),
    route("GET", "/epcis/queries", OrgKey, Own),
    route("POST", "/epcis/queries", OrgKey, Own).with(Payload::Json("query")),
    route("GET", "/epcis/queries/{query}", OrgKey, B),
    route("GET", "/epcis/queries/{query}/events", OrgKey, B),
    route("GET", "/epcis/queries/{query}/subscriptions", OrgKey, B),
    route("POST", "/epcis/queries/{query}/subscriptions", OrgKey, B)
        .with(Payload::Json("subscription")),
    route(
        "GET",
        "/epcis/queries/{query}/subscriptions/{subscription}",
        OrgKey,
        B,
    ),
    route(
        "DELETE",
        "/epcis/queries/{query}/subscriptions/{subscription}",
        OrgKey,
        B,
    )
    .consuming(),
    route("DELETE", "/epcis/queries/{query}", OrgKey, B).consuming(),
    route("GET", "/epcis/{resource}", AnyKey, Own),
    // The same answer for every value, and only the caller's readable events under it.
    route("GET", "/epcis/{resource}/{location}", AnyKey, Own),
    route("GET", "/epcis/{resource}/{location}/events", AnyKey, Own),
    // The portal: signing in, the home page, the language and the static files.
    route("GET", "/", Session, Own),
    route("GET", "/login", Nothing, Own),
    route("GET", "/lang/{lang}", Nothing, Own),
    route("GET", "/static/{stylesheet}", Nothing, Own),
    route("GET", "{diary_script}", Nothing, Own),
    route("GET", "/account/password", Session, Own),
    route("POST", "/account/password", Session, Own).with(CSRF_ONLY),
    // Users and the audit log.
    route("GET", "/admin/users", EditorSession, Own),
    route("POST", "/admin/users", EditorSession, Own).with(CSRF_ONLY),
    route("GET", "/admin/audit", ProvinceSession, Own),
    // Organisations.
    route("GET", "/organisations", Session, Own),
    route("POST", "/organisations", ProvinceAdminSession, Own).with(CSRF_ONLY),
    route("GET", "/organisations/new", ProvinceAdminSession, Own),
    route("GET", "/organisations/{organisation}", Session, B),
    route(
        "GET",
        "/organisations/{organisation}/address",
        EditorSession,
        B,
    ),
    route(
        "POST",
        "/organisations/{organisation}/address",
        EditorSession,
        B,
    )
    .with(CSRF_ONLY),
    route(
        "POST",
        "/organisations/{organisation}/status",
        ProvinceAdminSession,
        B,
    )
    .with(CSRF_ONLY),
    route("GET", "/organisations/{organisation}/privacy", Session, B),
    route(
        "POST",
        "/organisations/{organisation}/privacy/consent",
        EditorSession,
        B,
    )
    .with(Payload::Form(&[("name", "on"), ("basis", "Phiếu số 1")])),
    route(
        "GET",
        "/organisations/{organisation}/privacy/export",
        Session,
        B,
    ),
    route(
        "POST",
        "/organisations/{organisation}/privacy/erase",
        EditorSession,
        B,
    )
    .with(Payload::Form(&[("confirm", "on")])),
    // The province's pages.
    route("GET", "/admin/dashboard", ProvinceSession, Own),
    route(
        "GET",
        "/admin/dashboard/{dashboard_file}",
        ProvinceSession,
        Own,
    ),
    route("GET", "/admin/training", ProvinceSession, Own),
    route("POST", "/admin/training", ProvinceAdminSession, Own).with(CSRF_ONLY),
    route(
        "GET",
        "/admin/training/{training}",
        ProvinceAdminSession,
        Own,
    ),
    route(
        "POST",
        "/admin/training/{training}",
        ProvinceAdminSession,
        Own,
    )
    .with(CSRF_ONLY),
    route("GET", "/admin/product-groups", ProvinceSession, Own),
    route("POST", "/admin/product-groups", ProvinceAdminSession, Own).with(CSRF_ONLY),
    route(
        "GET",
        "/admin/product-groups/{product_group}",
        ProvinceAdminSession,
        Own,
    ),
    route(
        "POST",
        "/admin/product-groups/{product_group}",
        ProvinceAdminSession,
        Own,
    )
    .with(CSRF_ONLY),
    route("GET", "/guidance", Session, Own),
    route("POST", "/guidance", ProvinceAdminSession, Own).with(Payload::Multipart),
    route("GET", "/guidance/{guidance}", Session, Own),
    route("GET", "/sync", Session, Own),
    route("POST", "/sync/{delivery}/retry", ProvinceAdminSession, Own).with(CSRF_ONLY),
    // Stamps.
    route("GET", "/stamps", Session, Own),
    route("POST", "/stamps", OrgSession, Own).with(CSRF_ONLY),
    route("GET", "/stamps/scans", Session, Own),
    route("GET", "/stamps/{stamp_run}", Session, B),
    route("GET", "/stamps/{stamp_run}/stamps.pdf", Session, B),
    route(
        "POST",
        "/stamps/{stamp_run}/{stamp_action}",
        RecordSession,
        B,
    )
    .with(CSRF_ONLY),
    // Partners: an organisation's sharing page and the province's registry.
    route("GET", "/partners", Session, Own),
    route("POST", "/partners", OrgAdminSession, Own).with(CSRF_ONLY),
    route("POST", "/partners/{grant}/revoke", OrgAdminSession, B)
        .with(CSRF_ONLY)
        .consuming(),
    route("GET", "/admin/partners", ProvinceSession, Own),
    route("POST", "/admin/partners", ProvinceAdminSession, Own).with(CSRF_ONLY),
    route(
        "POST",
        "/admin/partners/{partner}/keys",
        ProvinceAdminSession,
        Own,
    )
    .with(CSRF_ONLY),
    route(
        "POST",
        "/admin/partners/{partner}/keys/{partner_key}/revoke",
        ProvinceAdminSession,
        Own,
    )
    .with(CSRF_ONLY)
    .consuming(),
    route(
        "POST",
        "/admin/partners/{partner}/status",
        ProvinceAdminSession,
        Own,
    )
    .with(Payload::Form(&[("status", "suspended")])),
    // Resolver links.
    route("GET", "/links", Session, Own),
    route("POST", "/links", OrgSession, Own).with(CSRF_ONLY),
    route("POST", "/links/{link}/remove", OrgSession, B)
        .with(CSRF_ONLY)
        .consuming(),
    // Tracing and quality.
    route("GET", "/p/{public_code}", Nothing, Own),
    route("GET", "/trace", Session, Own),
    route("GET", "/trace/{lot}", Session, B),
    route("GET", "/quality", Session, Own),
    // Facilities.
    route("GET", "/facilities", Session, Own),
    route("POST", "/facilities", OrgSession, Own).with(CSRF_ONLY),
    route("GET", "/facilities/new", OrgSession, Own),
    // Only for an organisation without a prefix of its own when the province has one: neither A
    // nor B is such an organisation.
    route("POST", "/facilities/new/gln", Nobody, Own).with(CSRF_ONLY),
    route("GET", "/facilities/{facility}", Session, B),
    route("GET", "/facilities/{facility}/edit", OrgSession, B),
    route("POST", "/facilities/{facility}/edit", OrgSession, B).with(CSRF_ONLY),
    route(
        "POST",
        "/facilities/{facility}/status",
        ProvinceAdminSession,
        B,
    )
    .with(CSRF_ONLY),
    route("POST", "/facilities/{facility}/certificates", OrgSession, B).with(CSRF_ONLY),
    // Products.
    route("GET", "/products", Session, Own),
    route("POST", "/products", OrgSession, Own).with(Payload::Multipart),
    route("GET", "/products/new", OrgSession, Own),
    route("GET", "/products/{product}", Session, B),
    route("GET", "/products/{product}/edit", OrgSession, B),
    route("POST", "/products/{product}/edit", OrgSession, B).with(Payload::Multipart),
    route(
        "POST",
        "/products/{product}/status",
        ProvinceAdminSession,
        B,
    )
    .with(CSRF_ONLY),
    route("GET", "/media/{media}", Nothing, Own),
    // The diary, imports and exports.
    route("GET", "/diary", OrgSession, Own),
    route("GET", "/diary/{chain}/{stage}", OrgSession, Own),
    route("POST", "/diary/{chain}/{stage}", OrgSession, Own).with(Payload::Multipart),
    route("GET", "/import", Session, Own),
    route("POST", "/import", Session, Own).with(Payload::Multipart),
    route("GET", "/import/template/{import_file}", Session, Own),
    route("GET", "/export/{import_file}", Session, Own),
];

/// Portal routes that are the session's own plumbing rather than pages: signing in and out
/// change who the caller is, so they are tested on their own (`accounts.rs`: a new token at
/// every sign-in, the old cookie useless after sign-out, both refused without their CSRF token).
const SESSION_PLUMBING: &[(&str, &str)] = &[("POST", "/login"), ("POST", "/logout")];

/// The matrix's world: the callers' credentials, B's ids and the bodies to send.
struct World<'a> {
    sessions: BTreeMap<Who, Browser<'a>>,
    /// Each session's CSRF token.
    csrf: BTreeMap<Who, String>,
    keys: BTreeMap<Who, String>,
    /// What fills each `{name}` of a route's path.
    values: BTreeMap<&'static str, String>,
    /// JSON bodies by name.
    json: BTreeMap<&'static str, Value>,
}

/// The sign-in address of a caller with a session.
fn email(who: Who) -> String {
    format!("{who:?}@matrix.test")
        .to_lowercase()
        .replace(['(', ')'], "-")
}

/// The first `attribute="…"` value after `marker` in `html`.
fn attribute_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[start..];
    let end = rest.find('"').expect("a closing quote");
    rest[..end].to_owned()
}

async fn organisation(app: &TestApp, name: &str, tax_code: &str, prefix: &str) -> OrganisationId {
    let (id, _) = app.named_organisation(name, tax_code).await;
    let store = &app.state.store;
    store
        .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    store
        .add_company_prefix(id, &CompanyPrefix::parse(prefix).unwrap(), Actor::Cli)
        .await
        .unwrap();
    id
}

/// Builds the world: the callers, signed in or with their keys, and one of everything of B's.
async fn world(app: &TestApp) -> World<'_> {
    let store = app.state.store.as_ref();
    nguon_web::catalogue::seed(store).await.unwrap();
    let a = organisation(app, "Công ty Thủy sản Alpha", "0300000701", "8931234").await;
    let b = organisation(
        app,
        &format!("Công ty Thủy sản {B_MARKER}"),
        "0300000702",
        "8934673",
    )
    .await;
    let org_id = |org| if org == Org::A { a } else { b };

    let mut keys = BTreeMap::new();
    for org in [Org::A, Org::B] {
        keys.insert(
            Who::OrgKey(org),
            app.key(ApiKeyScope::Organisation(org_id(org))).await,
        );
    }
    keys.insert(Who::ProvinceKey, app.key(ApiKeyScope::Province).await);
    let partner =
        |name: &str| NewPartner::parse(name, "solution_provider", "ops@partner.vn").unwrap();
    let reader = store
        .create_partner(&partner("Đối tác đọc"), Actor::Cli)
        .await
        .unwrap();
    keys.insert(
        Who::PartnerKey,
        app.key(ApiKeyScope::Partner(reader.id)).await,
    );
    store
        .create_grant(a, reader.id, Permission::Read, Actor::Cli)
        .await
        .unwrap();
    let shared = store
        .create_partner(&partner("Đối tác của B"), Actor::Cli)
        .await
        .unwrap();
    app.key(ApiKeyScope::Partner(shared.id)).await;
    let grant = store
        .create_grant(b, shared.id, Permission::Read, Actor::Cli)
        .await
        .unwrap();
    let shared_key = store.list_partner_api_keys(shared.id).await.unwrap()[0].id;

    let mut sessions = BTreeMap::new();
    let mut csrf_tokens = BTreeMap::new();
    for who in CALLERS.into_iter().filter(|who| who.has_session()) {
        let (role, organisation) = match who {
            Who::OrgAdmin(org) => (Role::OrgAdmin, Some(org_id(org))),
            Who::OrgStaff(org) => (Role::OrgStaff, Some(org_id(org))),
            Who::ProvinceAdmin => (Role::ProvinceAdmin, None),
            _ => (Role::Inspector, None),
        };
        user(app, &email(who), role, organisation).await;
        let mut browser = Browser::new(app);
        let signed = browser.sign_in(&email(who), PASSWORD).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        csrf_tokens.insert(who, browser.csrf("/").await);
        sessions.insert(who, browser);
    }
    let b_key = keys[&Who::OrgKey(Org::B)].clone();
    let province_key = keys[&Who::ProvinceKey].clone();

    // B's pond and product, approved, with a photo.
    let facility = store
        .register(
            Some(b),
            &FacilityDetails::new(
                FacilityKind::Pond,
                RecordName::parse("name", &format!("Ao nuôi {B_MARKER}")).unwrap(),
                Gln::parse(B_GLN).unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let media = store
        .store_image(
            b,
            &Image::parse(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()).unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let mut details = ProductDetails::new(
        Gtin::parse(B_GTIN).unwrap(),
        RecordName::parse("name", &format!("Tôm sú {B_MARKER}")).unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    details.net_content = Some(NetContent::parse("100", "KGM").unwrap());
    details.images = vec![media];
    let product = store
        .register(Some(b), &details, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();

    // B's lot, captured over the API.
    let lot = format!("https://id.gs1.org/01/{B_GTIN}/10/{B_LOT}");
    let place = format!("https://id.gs1.org/414/{B_GLN}");
    let document = commissioning_document(&lot, &place, &format!("Ao nuôi {B_MARKER}"));
    let job = app
        .capture(&b_key, "application/ld+json", &document, &[])
        .await
        .unwrap_or_else(|reply| panic!("{} {}", reply.status, reply.body));
    assert_eq!(job["success"], true, "{job}");
    let capture = job["captureID"].as_str().expect("a capture id").to_owned();
    let events = app.get(&b_key, "/epcis/events", &[]).await.json();
    let event = events["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["eventID"]
        .as_str()
        .expect("an event id")
        .to_owned();

    // B's recall, link, named query and subscription, over the API.
    let created = |reply: Reply, field: &str| {
        assert!(reply.status.is_success(), "{}", reply.body);
        let body = reply.json();
        let id = body[field]
            .as_str()
            .or_else(|| body["recall"][field].as_str())
            .unwrap_or_else(|| panic!("no {field} in {body}"));
        id.to_owned()
    };
    let recall_body = json!({
        "identifier": format!("(01){B_GTIN}(10){B_LOT}"),
        "reason": format!("Dư lượng kháng sinh ({B_MARKER})"),
    });
    let recall = created(
        app.post_json(&province_key, "/api/v1/recalls", &recall_body)
            .await,
        "id",
    );
    let link_body = json!({
        "identifier": format!("/01/{B_GTIN}"),
        "linkType": "gs1:pip",
        "href": "https://bravo.example.vn/tom",
        "title": format!("Thông tin {B_MARKER}"),
        "type": "text/html",
        "hreflang": "vi",
        "default": true,
    });
    let link = created(
        app.post_json(&b_key, "/api/v1/resolver/links", &link_body)
            .await,
        "id",
    );
    let query_body = json!({"name": "matrix-q", "query": {"EQ_bizStep": ["commissioning"]}});
    let query = created(
        app.post_json(&b_key, "/epcis/queries", &query_body).await,
        "name",
    );
    let subscription_body = json!({"dest": "http://bravo.example.vn/hook", "stream": true});
    let subscription_reply = app
        .post_json(
            &b_key,
            &format!("/epcis/queries/{query}/subscriptions"),
            &subscription_body,
        )
        .await;
    assert!(
        subscription_reply.status.is_success(),
        "{}",
        subscription_reply.body
    );
    let subscription = subscription_reply
        .header("location")
        .and_then(|l| l.rsplit('/').next())
        .expect("a subscription location")
        .to_owned();

    // B's stamp run, printed through the portal.
    let staff = sessions.get_mut(&Who::OrgStaff(Org::B)).unwrap();
    let csrf = staff.csrf("/stamps").await;
    let printed = staff
        .post(
            "/stamps",
            &[
                ("csrf", &csrf),
                ("gtin", B_GTIN),
                ("lot", B_LOT),
                ("count", "2"),
                ("symbology", "qr"),
                ("layout", "thermal-50x30"),
            ],
        )
        .await;
    let stamp_run = location(&printed)
        .strip_prefix("/stamps/")
        .unwrap_or_else(|| panic!("printing stamps: {} {}", printed.status, printed.body))
        .to_owned();
    let diary = staff.get("/diary/farmed-shrimp/harvest").await;
    let diary_script = attribute_after(&diary.body, "/static/diary.");
    let stylesheet = attribute_after(&diary.body, "/static/app.");

    // The province's records: a sync delivery of B's, a training, a guidance file.
    store
        .fan_out(
            &TargetName::parse("most").unwrap(),
            &nguon_domain::SubjectKind::ALL,
            &[],
            100,
        )
        .await
        .unwrap();
    let deliveries = app
        .get(
            &province_key,
            &format!("/api/v1/sync/deliveries?organisation={b}"),
            &[],
        )
        .await
        .json();
    let delivery = match &deliveries["deliveries"][0]["id"] {
        Value::String(id) => id.clone(),
        id => id.to_string(),
    };
    let training = store
        .create_training(
            &NewTraining::new(
                RecordName::parse("title", "Tập huấn truy xuất").unwrap(),
                time::macros::date!(2026 - 03 - 01),
                RecordName::parse("place", "Cà Mau").unwrap(),
                None,
                Vec::new(),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let guidance = store
        .add_guidance(
            &NewGuidance {
                title: RecordName::parse("title", "Hướng dẫn ghi nhật ký").unwrap(),
                product_group: None,
                file_name: RecordName::parse("file_name", "huong-dan.pdf").unwrap(),
                file: DocumentFile::parse(b"%PDF-1.4\n%%EOF\n".to_vec()).unwrap(),
            },
            Actor::Cli,
        )
        .await
        .unwrap();

    // The bodies: what B holds now, so an allowed write changes nothing that matters.
    let details_of = |reply: Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()["details"].clone()
    };
    let facility_json = details_of(
        app.get(&b_key, &format!("/api/v1/facilities/{}", facility.id), &[])
            .await,
    );
    let product_json = details_of(
        app.get(&b_key, &format!("/api/v1/products/{}", product.id), &[])
            .await,
    );
    let groups = app
        .get(&province_key, "/api/v1/product-groups", &[])
        .await
        .json();
    let product_group = groups[0]["id"]
        .as_str()
        .expect("a product group")
        .to_owned();
    let group_json = details_of(
        app.get(
            &province_key,
            &format!("/api/v1/product-groups/{product_group}"),
            &[],
        )
        .await,
    );
    let mut json_bodies = BTreeMap::new();
    json_bodies.insert("facility", facility_json);
    json_bodies.insert("product", product_json);
    json_bodies.insert("group", group_json);
    json_bodies.insert("approve", json!({"status": "approved"}));
    json_bodies.insert(
        "grant",
        json!({"partner": shared.id.to_string(), "permission": "read"}),
    );
    json_bodies.insert("recall", recall_body);
    json_bodies.insert("recall_status", json!({"status": "notified"}));
    json_bodies.insert(
        "consent",
        json!({"fields": ["name"], "basis": "Phiếu số 1"}),
    );
    json_bodies.insert("link", link_body);
    json_bodies.insert("query", json!({"name": "matrix-new", "query": {}}));
    json_bodies.insert("subscription", subscription_body);

    let values = BTreeMap::from([
        ("facility", facility.id.to_string()),
        ("product", product.id.to_string()),
        ("product_group", product_group),
        ("grant", grant.id.to_string()),
        ("recall", recall),
        ("lot", percent_encode(&lot)),
        ("link", link),
        ("digital_link", format!("01/{B_GTIN}/10/{B_LOT}")),
        ("delivery", delivery),
        ("capture", capture),
        ("event", percent_encode(&event)),
        ("query", query),
        ("subscription", subscription),
        ("resource", "bizLocations".to_owned()),
        ("location", percent_encode(&place)),
        ("lang", "vi".to_owned()),
        (
            "stylesheet",
            stylesheet.trim_start_matches("/static/").to_owned(),
        ),
        ("diary_script", diary_script),
        ("organisation", b.to_string()),
        ("dashboard_file", "groups.csv".to_owned()),
        ("training", training.id.to_string()),
        ("guidance", guidance.id.to_string()),
        ("stamp_run", stamp_run),
        ("stamp_action", "activate".to_owned()),
        ("partner", shared.id.to_string()),
        ("partner_key", shared_key.to_string()),
        ("public_code", format!("01/{B_GTIN}/10/{B_LOT}")),
        ("media", media.to_string()),
        ("chain", "farmed-shrimp".to_owned()),
        ("stage", "harvest".to_owned()),
        ("import_file", "facilities.csv".to_owned()),
    ]);
    World {
        sessions,
        csrf: csrf_tokens,
        keys,
        values,
        json: json_bodies,
    }
}

/// `path` without its query and with every `{name}` replaced by `{}`, to compare paths whatever
/// their names.
fn shape(path: &str) -> String {
    let mut shaped = String::new();
    let mut inside = false;
    for c in path.split('?').next().unwrap_or_default().chars() {
        match c {
            '{' => {
                inside = true;
                shaped.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => shaped.push(c),
            _ => {}
        }
    }
    shaped
}

/// The `{name}`s of a path.
fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

impl World<'_> {
    /// The route's path filled with B's ids.
    fn fill(&self, path: &str) -> String {
        let mut filled = path.to_owned();
        for (name, value) in &self.values {
            filled = filled.replace(&format!("{{{name}}}"), value);
        }
        assert!(!filled.contains('{'), "{path}: a name without a value");
        filled
    }

    /// Sends `route` as `who`, with the form's CSRF token unless `forged`.
    async fn call(&mut self, app: &TestApp, route: &Route, who: Who, forged: bool) -> Reply {
        let path = self.fill(route.path);
        let mut request = Request::builder()
            .method(Method::from_bytes(route.method.as_bytes()).unwrap())
            .uri(&path);
        if let Some(key) = self.keys.get(&who) {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let csrf = match self.csrf.get(&who) {
            Some(token) if !forged => token.clone(),
            _ => String::new(),
        };
        let body = match route.payload {
            Payload::None => Body::empty(),
            Payload::Json(name) => {
                request = request.header("content-type", "application/json");
                Body::from(self.json[name].to_string())
            }
            Payload::Capture => {
                request = request.header("content-type", "application/ld+json");
                Body::from(commissioning_document(
                    "https://id.gs1.org/01/08931234000011/10/MATRIX",
                    "https://id.gs1.org/414/8931234000103",
                    "Ao nuôi Alpha",
                ))
            }
            Payload::Form(fields) => {
                request = request.header("content-type", "application/x-www-form-urlencoded");
                let mut pairs = vec![format!("csrf={csrf}")];
                pairs.extend(fields.iter().map(|(name, value)| format!("{name}={value}")));
                Body::from(pairs.join("&"))
            }
            Payload::Multipart => {
                const BOUNDARY: &str = "matrix-boundary";
                request = request.header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                );
                Body::from(format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}--\r\n"
                ))
            }
        };
        match self.sessions.get_mut(&who) {
            Some(browser) => browser.send(request, body).await,
            None => app.send(request.body(body).unwrap()).await,
        }
    }
}

/// Whether a reply refuses the caller: 401, 403, 404, or the portal sending it to sign in.
fn is_denied(reply: &Reply) -> bool {
    matches!(
        reply.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ) || (reply.status.is_redirection() && location(reply) == "/login")
}

/// The methods served at a portal path, from the `Allow` header of a 405 to a method no page
/// takes.
async fn methods_at(app: &TestApp, path: &str) -> BTreeSet<String> {
    let mut filled = path.to_owned();
    while let (Some(start), Some(end)) = (filled.find('{'), filled.find('}')) {
        filled.replace_range(start..=end, "x");
    }
    let reply = app
        .send(Request::patch(filled.as_str()).body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "PATCH {path}");
    reply
        .header("allow")
        .unwrap_or_else(|| panic!("PATCH {path}: no Allow header"))
        .split(',')
        .map(|method| method.trim().to_owned())
        .filter(|method| method != "HEAD")
        .collect()
}

/// Every served route, as (method, path shape): the API's from the OpenAPI document, the
/// portal's from its router.
async fn served_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let document = app.get("", "/api/openapi.json", &[]).await.json();
    let mut served = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for method in operations.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                served.insert((method.to_uppercase(), shape(path)));
            }
        }
    }
    for path in nguon_web::ui::all_pages().paths() {
        for method in methods_at(app, path).await {
            served.insert((method, shape(path)));
        }
    }
    served
}

/// How the matrix went on one store.
#[derive(Debug, Default)]
struct Tally {
    cells: usize,
    allowed: usize,
    denied: usize,
    cross_cells: usize,
    cross_denied: usize,
    forged_forms: usize,
}

async fn run_matrix(app: &TestApp) -> Tally {
    let mut world = world(app).await;

    // Every served route is in the table, and every route of the table is served.
    let served = served_routes(app).await;
    let named: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|route| (route.method.to_owned(), shape(route.path)))
        .chain(
            SESSION_PLUMBING
                .iter()
                .map(|(m, p)| ((*m).to_owned(), shape(p))),
        )
        .collect();
    let fixed_paths: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|route| {
            (
                route.method.to_owned(),
                world.fill(route.path.split('?').next().unwrap_or_default()),
            )
        })
        .collect();
    let unnamed: Vec<_> = served
        .iter()
        .filter(|route| !named.contains(route) && !fixed_paths.contains(route))
        .collect();
    assert!(
        unnamed.is_empty(),
        "routes the access matrix does not name (add them to ROUTES): {unnamed:?}"
    );

    let mut order: Vec<&Route> = ROUTES.iter().collect();
    order.sort_by_key(|route| route.consumes);
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    // The records a consuming route used up, by the name of their place in paths.
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for route in order {
        let mut callers: Vec<Who> = CALLERS.to_vec();
        // The refused first, so an allowed write cannot change what they would see.
        callers.sort_by_key(|who| route.allows(*who));
        for who in callers {
            let expected = route.allows(who);
            if expected && route.is_form() && who.has_session() {
                let forged = world.call(app, route, who, true).await;
                tally.forged_forms += 1;
                if forged.status != StatusCode::FORBIDDEN {
                    failures.push(format!(
                        "{} {} as {who:?} without its CSRF token: {} (want 403)",
                        route.method, route.path, forged.status
                    ));
                }
            }
            let reply = world.call(app, route, who, false).await;
            let denied = is_denied(&reply);
            tally.cells += 1;
            if denied {
                tally.denied += 1;
            } else {
                tally.allowed += 1;
            }
            let cross = route.target == Target::B && who.is_other_party();
            if cross {
                tally.cross_cells += 1;
                tally.cross_denied += usize::from(denied);
            }
            let names = placeholders(route.path);
            let vanished = expected && denied && names.iter().any(|name| gone.contains(name));
            if expected != denied || vanished {
                // The record a path ends with is the one its route acts on.
                if route.consumes && !denied && !reply.status.is_client_error() {
                    gone.extend(names.last());
                }
            } else {
                failures.push(format!(
                    "{} {} as {who:?}: {} ({}), want {}: {}",
                    route.method,
                    route.path,
                    reply.status,
                    location(&reply),
                    if expected { "allowed" } else { "denied" },
                    reply.body.chars().take(200).collect::<String>()
                ));
            }
            if route.need != Need::Nothing
                && !who.may_see_b()
                && reply.body.to_lowercase().contains(&B_MARKER.to_lowercase())
            {
                failures.push(format!(
                    "{} {} as {who:?} shows B's data ({})",
                    route.method, route.path, reply.status
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ from the rules:\n{}",
        failures.len(),
        failures.join("\n")
    );
    tally
}

#[tokio::test]
async fn every_caller_reaches_only_what_its_role_allows_on_every_route() {
    let keys = tempfile::tempdir().unwrap();
    let (key, _) =
        nguon_integrity::ProvinceKey::load_or_create(&keys.path().join("signing.key")).unwrap();
    for app in TestApp::on_every_store().await {
        // The province publishes its checkpoint key, so its well-known route answers.
        let app = app.with_state(|state| state.signing_key = Some(key.public()));
        let tally = run_matrix(&app).await;
        assert!(
            tally.cross_cells > 0,
            "no cross-organisation cells: {tally:?}"
        );
        assert_eq!(tally.cross_denied, tally.cross_cells, "{tally:?}");
        let _ = writeln!(
            std::io::stderr(),
            "access matrix: {} cells ({} routes × {} callers), {} allowed, {} denied; \
             cross-organisation cells denied: {}/{} = 100 %; {} forms refused without their CSRF token",
            tally.cells,
            ROUTES.len(),
            CALLERS.len(),
            tally.allowed,
            tally.denied,
            tally.cross_denied,
            tally.cross_cells,
            tally.forged_forms,
        );
    }
}
