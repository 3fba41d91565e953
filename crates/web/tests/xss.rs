//! Script payloads in every text an organisation or a user can set, shown by a real browser:
//! headless Chromium through chromedriver, against the real server over a temporary SQLite
//! store. Each field holds a payload that would run if the page wrote it as markup (a
//! `<script>` element, an attribute break-out with an `onerror` handler), set through the
//! store, the API, or the import form (a facility and its certificate from a spreadsheet); the
//! one URL an organisation sets, a resolver link's, is offered `javascript:` and `data:` URLs
//! through the API and the links form, which must refuse them. Every page that shows the fields is opened as the owner, as
//! the province admin and, for the public page, signed out; on each, no payload ran
//! (`window.__xss` is undefined, no alert is open), no payload became an element or a handler
//! (the page has no inline script and no `onerror`), and each field the page shows is there
//! as the text that was typed.
//!
//! Without chromedriver the test says `SKIPPED` and passes, except in CI (`CI=true`).

mod support;

use std::io::Write;
use std::time::Duration;

use axum::http::StatusCode;
use fantoccini::{Client, Locator};
use nguon_domain::OrganisationId;
use nguon_domain::{
    Access, Actor, Address, AdminUnits, ApiKeyScope, ApprovalStatus, DocumentFile, Email,
    FacilityDetails, FacilityKind, NewGuidance, NewPartner, NewTraining, NewUser, PersonName,
    ProductDetails, ProductGroupCode, ProvinceCode, RecordName, Role,
};
use nguon_gs1::{CompanyPrefix, Gln, Gtin};
use nguon_store::{RecordQuery, Registry};
use secrecy::SecretString;
use serde_json::json;
use support::TestApp;
use support::chain::commissioning_document;
use support::portal::{Browser, PASSWORD, Part};
use support::webdriver::{ChromeDriver, sign_in};

/// What every field holds: markup that runs a script if written into a page unescaped, in an
/// element's content or in an attribute, then the field's label. A certificate number holds at
/// most 60 characters, so it gets the `<script>` element alone.
fn payload(label: &str) -> String {
    if label == "certificate-number" {
        return format!("<script>window.__xss=1</script>{label}");
    }
    format!(
        "\"'><script>window.__xss=1</script><img src=x onerror=\"window.__xss=1,alert(1)\">{label}"
    )
}

/// The labels of the fields given a payload.
const FIELDS: &[&str] = &[
    "org-name",
    "org-street",
    "facility-name",
    "product-name-vi",
    "product-name-en",
    "product-brand",
    "place-name",
    "link-title",
    "partner-name",
    "imported-pond",
    "certificate-number",
    "certificate-issuer",
    "user-name",
    "recall-reason",
    "training-title",
    "training-place",
    "guidance-title",
];

const GTIN: &str = "08934673000017";
const LOT: &str = "X1";
/// The GLN of the facility imported from a spreadsheet.
const IMPORTED_GLN: &str = "8934673000116";
const ADMIN: &str = "quanly@xss.test";
const PROVINCE: &str = "tinh@xss.test";

/// What the test created, for the pages' paths.
struct Seeded {
    organisation: String,
    facility: String,
    imported: String,
    product: String,
}

/// Registers an organisation and everything of it with a payload in every text field.
async fn seed(app: &TestApp) -> Seeded {
    let store = app.state.store.as_ref();
    nguon_web::catalogue::seed(store).await.unwrap();
    let (organisation, key) = app
        .named_organisation(&payload("org-name"), "0300000901")
        .await;
    store
        .set_organisation_status(organisation, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    store
        .add_company_prefix(
            organisation,
            &CompanyPrefix::parse("8934673").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let units = AdminUnits::embedded();
    let commune = units
        .search(ProvinceCode::parse("96").unwrap(), "Tân Thành")
        .unwrap()[0]
        .code();
    let address = Address::new(units, &payload("org-street"), commune).unwrap();
    store
        .set_organisation_address(organisation, Some(&address), Actor::Cli)
        .await
        .unwrap();

    let facility = store
        .register(
            Some(organisation),
            &FacilityDetails::new(
                FacilityKind::Pond,
                RecordName::parse("name", &payload("facility-name")).unwrap(),
                Gln::parse("8934673000109").unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let mut product = ProductDetails::new(
        Gtin::parse(GTIN).unwrap(),
        RecordName::parse("name", &payload("product-name-vi")).unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    product.name_en = Some(RecordName::parse("name_en", &payload("product-name-en")).unwrap());
    product.brand = Some(payload("product-brand"));
    let product = store
        .register(
            Some(organisation),
            &product,
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();

    // The lot, captured with the place's name in the document's master data.
    let lot = format!("https://id.gs1.org/01/{GTIN}/10/{LOT}");
    let place = "https://id.gs1.org/414/8934673000109";
    let document = commissioning_document(&lot, place, &payload("place-name"));
    let job = app
        .capture(&key, "application/ld+json", &document, &[])
        .await
        .unwrap_or_else(|reply| panic!("{} {}", reply.status, reply.body));
    assert_eq!(job["success"], true, "{job}");

    // A link with a payload title; a `javascript:` URL is refused where a URL is accepted.
    let link = |href: &str| {
        json!({
            "identifier": format!("/01/{GTIN}"),
            "linkType": "gs1:pip",
            "href": href,
            "title": payload("link-title"),
            "type": "text/html",
            "hreflang": "vi",
            "default": true,
        })
    };
    for href in [
        "javascript:window.__xss=1",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
    ] {
        let refused = app
            .post_json(&key, "/api/v1/resolver/links", &link(href))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{href}: {}",
            refused.body
        );
    }
    let added = app
        .post_json(
            &key,
            "/api/v1/resolver/links",
            &link("https://xss.example.vn/tom"),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);

    let province_key = app.key(ApiKeyScope::Province).await;
    let recall = app
        .post_json(
            &province_key,
            "/api/v1/recalls",
            &json!({"identifier": format!("(01){GTIN}(10){LOT}"), "reason": payload("recall-reason")}),
        )
        .await;
    assert_eq!(recall.status, StatusCode::CREATED, "{}", recall.body);

    store
        .create_partner(
            &NewPartner::parse(&payload("partner-name"), "data_recipient", "ops@xss.test").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    for (email, role, of) in [
        (ADMIN, Role::OrgAdmin, Some(organisation)),
        (PROVINCE, Role::ProvinceAdmin, None),
    ] {
        let password = nguon_domain::Password::parse(SecretString::from(PASSWORD)).unwrap();
        store
            .create_user(
                &NewUser {
                    email: Email::parse(email).unwrap(),
                    name: Some(PersonName::parse(&payload("user-name")).unwrap()),
                    access: Access::new(role, of).unwrap(),
                    password_hash: nguon_web::password::hash(password).await.unwrap(),
                },
                Actor::Cli,
            )
            .await
            .unwrap();
    }
    store
        .create_training(
            &NewTraining::new(
                RecordName::parse("title", &payload("training-title")).unwrap(),
                time::macros::date!(2026 - 03 - 01),
                RecordName::parse("place", &payload("training-place")).unwrap(),
                None,
                Vec::new(),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    store
        .add_guidance(
            &NewGuidance {
                title: RecordName::parse("title", &payload("guidance-title")).unwrap(),
                product_group: None,
                file_name: RecordName::parse("file_name", "huong-dan.pdf").unwrap(),
                file: DocumentFile::parse(b"%PDF-1.4\n%%EOF\n".to_vec()).unwrap(),
            },
            Actor::Cli,
        )
        .await
        .unwrap();
    let imported = import_facility(app, organisation).await;
    Seeded {
        organisation: organisation.to_string(),
        facility: facility.id.to_string(),
        imported,
        product: product.id.to_string(),
    }
}

/// A CSV cell: quoted, with its quotes doubled.
fn csv_cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Imports a facility with a certificate through the import form, payloads in their cells, and
/// checks that a `javascript:` link is refused by the links form too; returns the facility's id.
async fn import_facility(app: &TestApp, organisation: OrganisationId) -> String {
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(ADMIN, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let certificate = format!(
        "viet_gap | {} | {} | 2025-03-01 | 2027-03-01",
        payload("certificate-number"),
        payload("certificate-issuer")
    );
    let file = format!(
        "Loại cơ sở (kind),name,Mã GLN,\"Số nhà, ấp (street)\",commune,Tọa độ (geometry),official_code,certificates\n\
         pond,{},{IMPORTED_GLN},,,,,{}\n",
        csv_cell(&payload("imported-pond")),
        csv_cell(&certificate)
    );
    let csrf = browser.csrf("/import").await;
    let reply = browser
        .post_multipart(
            "/import",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("kind", "facilities"),
                Part::File("file", "facilities.csv", file.as_bytes()),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let csrf = browser.csrf("/links").await;
    let refused = browser
        .post(
            "/links",
            &[
                ("csrf", &csrf),
                ("identifier", &format!("/01/{GTIN}")),
                ("link_type", "gs1:pip"),
                ("href", "javascript:window.__xss=1"),
                ("title", "javascript"),
                ("hreflang", "vi"),
            ],
        )
        .await;
    assert!(
        !refused.status.is_redirection(),
        "a javascript: link was saved"
    );
    let links = app
        .state
        .store
        .list_resolver_links(Some(organisation))
        .await
        .unwrap();
    assert_eq!(links.len(), 1, "{links:?}");

    let facilities = app
        .state
        .store
        .list::<FacilityDetails>(&RecordQuery {
            organisation: Some(organisation),
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    facilities
        .iter()
        .find(|facility| facility.details.gln.as_str() == IMPORTED_GLN)
        .expect("the imported facility")
        .id
        .to_string()
}

/// What one page showed: the labels of the fields on it.
async fn check_page(browser: &Client, url: &str) -> Vec<&'static str> {
    browser.goto(url).await.unwrap();
    // An alert would block every other command, so it is looked for first.
    if let Ok(text) = browser.get_alert_text().await {
        panic!("{url}: an alert opened: {text}");
    }
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("main"))
        .await
        .unwrap_or_else(|e| panic!("{url}: no main element: {e}"));
    let ran = browser
        .execute(
            "return [typeof window.__xss, \
             document.querySelectorAll('script:not([src]), [onerror], [onload]').length];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        ran,
        json!(["undefined", 0]),
        "{url}: a payload ran or became markup"
    );
    let text = browser
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .to_lowercase();
    let shown: Vec<&'static str> = FIELDS
        .iter()
        .copied()
        .filter(|label| text.contains(*label))
        .collect();
    for label in &shown {
        assert!(
            text.contains(&payload(label).to_lowercase()),
            "{url}: {label} is not shown as the text typed:\n{text}"
        );
    }
    shown
}

#[tokio::test]
async fn script_payloads_in_every_field_show_as_text_and_never_run() {
    let Some(driver) = ChromeDriver::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let seeded = seed(&app).await;
    let base = format!("http://{}", app.serve().await);
    let lot = nguon_gs1::percent_encode(&format!("https://id.gs1.org/01/{GTIN}/10/{LOT}"));
    let owner_pages = [
        "/".to_owned(),
        format!("/organisations/{}", seeded.organisation),
        "/facilities".to_owned(),
        format!("/facilities/{}", seeded.facility),
        format!("/facilities/{}", seeded.imported),
        "/products".to_owned(),
        format!("/products/{}", seeded.product),
        "/links".to_owned(),
        "/partners".to_owned(),
        "/admin/users".to_owned(),
        format!("/trace/{lot}"),
        "/stamps".to_owned(),
    ];
    let province_pages = [
        "/".to_owned(),
        "/organisations".to_owned(),
        format!("/organisations/{}", seeded.organisation),
        format!("/facilities/{}", seeded.facility),
        format!("/facilities/{}", seeded.imported),
        format!("/products/{}", seeded.product),
        "/admin/partners".to_owned(),
        "/admin/users".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/training".to_owned(),
        "/guidance".to_owned(),
        format!("/trace/{lot}"),
        "/quality".to_owned(),
        "/admin/dashboard".to_owned(),
    ];
    let public_pages = [format!("/p/01/{GTIN}/10/{LOT}")];

    let browser = driver.session().await;
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    for (who, paths) in [
        (Some(ADMIN), &owner_pages[..]),
        (Some(PROVINCE), &province_pages[..]),
        (None, &public_pages[..]),
    ] {
        browser.delete_all_cookies().await.unwrap();
        if let Some(email) = who {
            sign_in(&browser, &base, email).await;
        }
        for path in paths {
            seen.extend(check_page(&browser, &format!("{base}{path}")).await);
            pages += 1;
        }
    }
    browser.close().await.unwrap();
    let unseen: Vec<_> = FIELDS.iter().filter(|f| !seen.contains(*f)).collect();
    assert!(unseen.is_empty(), "fields no page showed: {unseen:?}");
    let _ = writeln!(
        std::io::stderr(),
        "XSS: {} fields with script payloads, {pages} pages opened, no payload ran; \
         javascript: and data: URLs refused by the links API and form",
        FIELDS.len()
    );
}
