//! Households' personal data through the real router over a real SQLite store: the public page,
//! the FSMA spreadsheet and the GDST export mask a household until it consents and show it after;
//! the consent, data-subject export and erasure API answer only the household and the province;
//! the portal page records consent, downloads the export and erases, in Vietnamese; and after an
//! erasure the event chain still verifies.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{
    Actor, Address, AdminUnits, ApiKeyScope, ApprovalStatus, CommuneCode, FacilityDetails,
    FacilityKind, NewOrganisation, OrganisationId, OrganisationKind, OrganisationName,
    ProductDetails, ProductGroupCode, RecordName, Role, TaxCode,
};
use nguon_gs1::{Gln, Gtin, percent_encode};
use nguon_store::Registry;
use serde_json::json;
use support::portal::{Browser, PASSWORD, location, user};
use support::{Reply, TestApp};

/// The household's salt lot and its public page.
const LOT: &str = "https://id.gs1.org/01/08931234560058/10/M1";
const PAGE: &str = "/p/01/08931234560058/10/M1";
/// The household's salt field.
const FIELD_GLN: &str = "8931234560065";
/// Phường Bạc Liêu, Cà Mau.
const COMMUNE: &str = "31825";
/// What only consent may publish.
const FULL_NAME: &str = "Hộ bà Lê Thị Muối";
const STREET: &str = "Ấp 4, nhà bà Muối";
const INITIALS: &str = "Hộ bà L. T. M.";

/// A signed-out scan of `path`.
async fn scan(app: &TestApp, path: &str) -> Reply {
    let request = Request::builder()
        .uri(path)
        .header("host", "truyxuat.test")
        .header("accept", "text/html")
        .header("accept-language", "vi")
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

/// A household with an address, a registered salt field and product, and one shipping event of
/// its salt lot at the field, whose master data names the field's street and owner. Returns the
/// household and its key.
async fn salt_household(app: &TestApp) -> (OrganisationId, String) {
    let store = &app.state.store;
    let commune = CommuneCode::parse(COMMUNE).unwrap();
    let household = store
        .create_organisation(
            &NewOrganisation::new(
                OrganisationKind::Household,
                OrganisationName::parse(FULL_NAME).unwrap(),
                TaxCode::parse("096085001234").unwrap(),
            )
            .unwrap()
            .with_address(Address::new(AdminUnits::embedded(), STREET, commune).unwrap()),
            Actor::Cli,
        )
        .await
        .unwrap();
    let product = ProductDetails::new(
        Gtin::parse("08931234560058").unwrap(),
        RecordName::parse("name", "Muối hạt Bạc Liêu").unwrap(),
        ProductGroupCode::parse("muoi").unwrap(),
    );
    let field = FacilityDetails::new(
        FacilityKind::SaltField,
        RecordName::parse("name", "Ruộng muối số 1").unwrap(),
        Gln::parse(FIELD_GLN).unwrap(),
    );
    for approved in [
        store
            .register(
                Some(household.id),
                &product,
                ApprovalStatus::Approved,
                Actor::Cli,
            )
            .await
            .map(|_| ()),
        store
            .register(
                Some(household.id),
                &field,
                ApprovalStatus::Approved,
                Actor::Cli,
            )
            .await
            .map(|_| ()),
    ] {
        approved.unwrap();
    }
    let key = app.key(ApiKeyScope::Organisation(household.id)).await;
    let place = format!("https://id.gs1.org/414/{FIELD_GLN}");
    let mda = |name: &str| format!("urn:epcglobal:cbv:mda#{name}");
    let document = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-02-01T00:00:00+07:00",
        "epcisHeader": {"epcisMasterData": {"vocabularyList": [{
            "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
            "vocabularyElementList": [{"id": place, "attributes": [
                {"id": mda("name"), "attribute": "Ruộng muối số 1"},
                {"id": mda("streetAddressOne"), "attribute": STREET},
                {"id": mda("city"), "attribute": "Bạc Liêu"},
                {"id": mda("countryCode"), "attribute": "VN"},
                {"id": "urn:epcglobal:cbv:owning_party", "attribute": "urn:gdst:truyxuat.test:party:muoi.1"},
            ]}],
        }]}},
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent",
            "eventTime": "2026-02-01T07:00:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "readPoint": {"id": place},
            "bizLocation": {"id": place},
            "quantityList": [{"epcClass": LOT, "quantity": 500.0, "uom": "KGM"}],
        }]},
    });
    let job = app
        .capture(&key, "application/ld+json", &document.to_string(), &[])
        .await
        .unwrap_or_else(|reply| panic!("capture refused: {}", reply.body));
    assert_eq!(job["success"], true, "{job}");
    (household.id, key)
}

/// The lot's FSMA sheet as CSV text and its GDST document as JSON text.
async fn exports(app: &TestApp, key: &str) -> (String, String) {
    let lot = percent_encode(LOT);
    let fsma = app
        .get(
            key,
            &format!("/api/v1/exports/fsma?lot={lot}&format=csv"),
            &[],
        )
        .await;
    assert_eq!(fsma.status, StatusCode::OK, "{}", fsma.body);
    let gdst = app
        .get(key, &format!("/api/v1/exports/gdst?lot={lot}"), &[])
        .await;
    assert_eq!(gdst.status, StatusCode::OK, "{}", gdst.body);
    (fsma.body, gdst.body)
}

#[tokio::test]
async fn a_household_is_masked_until_it_consents_on_the_page_and_in_exports() {
    let app = TestApp::new().await;
    let (household, key) = salt_household(&app).await;
    let province = app.key(ApiKeyScope::Province).await;

    // No consent: initials and the commune, everywhere the public or a buyer reads.
    let page = scan(&app, PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(INITIALS), "{}", page.body);
    assert!(page.body.contains("Bạc Liêu, Cà Mau"));
    let (fsma, gdst) = exports(&app, &province).await;
    assert!(fsma.contains(INITIALS), "{fsma}");
    assert!(gdst.contains("Ruộng muối số 1"), "{gdst}");
    for text in [&page.body, &fsma, &gdst] {
        for personal in ["Lê Thị Muối", "nhà bà Muối", "096085001234"] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
    }

    // The household consents to its name and street address.
    let path = format!("/api/v1/organisations/{household}/consents");
    let body = json!({"fields": ["name", "address"], "basis": "Phiếu đồng ý số 12/2026"});
    let given = app.post_json(&key, &path, &body).await;
    assert_eq!(given.status, StatusCode::CREATED, "{}", given.body);
    assert_eq!(given.json()["fields"], json!(["name", "address"]));

    let page = scan(&app, PAGE).await;
    assert!(page.body.contains(FULL_NAME), "{}", page.body);
    assert!(page.body.contains(STREET), "{}", page.body);
    let (fsma, gdst) = exports(&app, &province).await;
    assert!(fsma.contains(FULL_NAME) && fsma.contains(STREET), "{fsma}");
    assert!(gdst.contains(STREET), "{gdst}");
    assert!(
        !page.body.contains("096085001234") && !fsma.contains("096085001234"),
        "no consent publishes the ID number"
    );

    // Withdrawing the address masks it again; the name stays.
    let body = json!({"fields": ["name"], "basis": "Rút đồng ý địa chỉ"});
    assert_eq!(
        app.post_json(&key, &path, &body).await.status,
        StatusCode::CREATED
    );
    let (fsma, gdst) = exports(&app, &province).await;
    assert!(fsma.contains(FULL_NAME) && !fsma.contains(STREET), "{fsma}");
    assert!(!gdst.contains(STREET), "{gdst}");
    let history = app.get(&province, &path, &[]).await;
    assert_eq!(history.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn consent_export_and_erasure_answer_the_household_and_the_province_only() {
    let app = TestApp::new().await;
    let (household, key) = salt_household(&app).await;
    let (enterprise, enterprise_key) = app.organisation("0300000099").await;
    let province = app.key(ApiKeyScope::Province).await;
    let consents = format!("/api/v1/organisations/{household}/consents");
    let export = format!("/api/v1/organisations/{household}/personal-data");
    let erasure = format!("/api/v1/organisations/{household}/erasure");

    // Another organisation's key finds nothing; a partner-less organisation cannot consent.
    for path in [&consents, &export] {
        let reply = app.get(&enterprise_key, path, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
    }
    let refused = app.post_json(&enterprise_key, &erasure, &json!({})).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let bad = app
        .post_json(&key, &consents, &json!({"fields": ["cccd"], "basis": "x"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("fields") && bad.body.contains("cccd"),
        "{}",
        bad.body
    );
    let bad = app
        .post_json(&key, &consents, &json!({"fields": [], "basis": " "}))
        .await;
    assert!(
        bad.status == StatusCode::BAD_REQUEST && bad.body.contains("basis"),
        "{}",
        bad.body
    );
    let legal_body = app
        .post_json(
            &enterprise_key,
            &format!("/api/v1/organisations/{enterprise}/consents"),
            &json!({"fields": ["name"], "basis": "x"}),
        )
        .await;
    assert_eq!(
        legal_body.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        legal_body.body
    );

    // The data-subject export: the record whole, to the household and the province.
    for caller in [&key, &province] {
        let reply = app.get(caller, &export, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let json = reply.json();
        assert_eq!(json["organisation"]["name"], FULL_NAME);
        assert_eq!(json["organisation"]["tax_code"], "096085001234");
        assert_eq!(json["facilities"][0]["events"]["count"], 1);
    }

    // The province erases on the household's request; the page shows the pseudonym, the event
    // chain still verifies, and neither a second erasure nor a consent is accepted.
    let erased = app.post_json(&province, &erasure, &json!({})).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    assert_eq!(erased.json()["reason"], "request");
    let page = scan(&app, PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Hộ sản xuất #"), "{}", page.body);
    for gone in ["Lê Thị", INITIALS, STREET] {
        assert!(!page.body.contains(gone), "{gone} is still on the page");
    }
    let again = app.post_json(&province, &erasure, &json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let consent = app
        .post_json(&key, &consents, &json!({"fields": ["name"], "basis": "x"}))
        .await;
    assert_eq!(consent.status, StatusCode::CONFLICT, "{}", consent.body);
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = nguon_integrity::ProvinceKey::load_or_create(&dir.path().join("key")).unwrap();
    let report = nguon_integrity::verify(&*app.state.store, &key.public(), Some(household))
        .await
        .unwrap();
    assert!(report.is_clean(), "{}", report.summary());
}

#[tokio::test]
async fn the_household_admin_manages_consent_and_erasure_in_the_portal() {
    let app = TestApp::new().await;
    let (household, _) = salt_household(&app).await;
    let (other, _) = app.organisation("0300000098").await;
    user(&app, "muoi@example.vn", Role::OrgAdmin, Some(household)).await;
    user(&app, "staff@example.vn", Role::OrgStaff, Some(household)).await;
    user(&app, "other@example.vn", Role::OrgAdmin, Some(other)).await;
    let page = format!("/organisations/{household}/privacy");

    // Another organisation's admin finds no such page; the household's staff reads, not writes.
    let mut stranger = Browser::new(&app);
    stranger.sign_in("other@example.vn", PASSWORD).await;
    assert_eq!(stranger.get(&page).await.status, StatusCode::NOT_FOUND);
    let mut staff = Browser::new(&app);
    staff.sign_in("staff@example.vn", PASSWORD).await;
    let csrf = staff.csrf(&page).await;
    let refused = staff
        .post(
            &format!("{page}/consent"),
            &[("name", "on"), ("basis", "x"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let mut admin = Browser::new(&app);
    admin.sign_in("muoi@example.vn", PASSWORD).await;
    let shown = admin.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("Dữ liệu cá nhân"), "{}", shown.body);
    assert!(shown.body.contains("Không công bố thông tin nào"));
    let csrf = admin.csrf(&page).await;
    let missing = admin
        .post(
            &format!("{page}/consent"),
            &[("name", "on"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Hãy ghi căn cứ"), "{}", missing.body);
    let recorded = admin
        .post(
            &format!("{page}/consent"),
            &[
                ("name", "on"),
                ("phone", "on"),
                ("basis", "Phiếu số 7"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    assert_eq!(location(&recorded), page);
    let shown = admin.get(&page).await;
    assert!(
        shown.body.contains("Họ tên, Số điện thoại"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Phiếu số 7"));

    let download = admin.get(&format!("{page}/export")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.header("content-type"), Some("application/json"));
    assert_eq!(
        download.json()["consents"][0]["fields"],
        json!(["name", "phone"])
    );

    let unconfirmed = admin
        .post(&format!("{page}/erase"), &[("csrf", &csrf)])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains("Hãy đánh dấu ô xác nhận"));
    let erased = admin
        .post(
            &format!("{page}/erase"),
            &[("confirm", "on"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.body);
    // The household's own accounts are disabled and signed out with it.
    let after = admin.get(&page).await;
    assert_ne!(after.status, StatusCode::OK);
    let stored = app.state.store.organisation(household).await.unwrap();
    assert!(
        stored.name.as_str().starts_with("Hộ sản xuất #"),
        "{stored:?}"
    );
}
