//! The registry pages through the real router over a real SQLite store: an organisation
//! registers a facility and a product with a photo, another organisation cannot see them, the
//! province approves them, refused fields come back in Vietnamese with what was typed, every
//! change is audited, and photos are served with their type.

mod support;

use axum::http::StatusCode;
use nguon_domain::{
    Actor, AuditAction, AuditQuery, EntityKind, OrganisationId, RegistryKind, Role,
};
use nguon_gs1::CompanyPrefix;
use support::TestApp;
use support::portal::{Browser, PASSWORD, Part, location, user};

/// A file the server must recognise as PNG by its signature.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// An organisation holding the company prefix 8934673, with a signed-in admin.
async fn farm(app: &TestApp) -> OrganisationId {
    let (org, _) = app
        .named_organisation("HTX Tôm sạch Năm Căn", "0300000001")
        .await;
    app.state
        .store
        .add_company_prefix(org, &CompanyPrefix::parse("8934673").unwrap(), Actor::Cli)
        .await
        .unwrap();
    user(app, "quanly@tomsach.vn", Role::OrgAdmin, Some(org)).await;
    org
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

/// The record id a create redirected to.
fn created(reply: &support::Reply, under: &str) -> String {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    location(reply)
        .strip_prefix(under)
        .unwrap_or_else(|| panic!("redirected to {}", location(reply)))
        .to_owned()
}

#[tokio::test]
async fn an_organisation_registers_a_facility_the_province_approves_and_others_cannot_see() {
    let app = TestApp::new().await;
    farm(&app).await;
    let mut owner = signed_in(&app, "quanly@tomsach.vn").await;
    let csrf = owner.csrf("/facilities/new").await;
    let form = owner.get("/facilities/new").await;
    assert!(form.body.contains("Xã, phường"), "{}", form.body);
    assert!(
        form.body.contains("data-geolocate"),
        "the location button is offered"
    );

    let refused = owner
        .post(
            "/facilities",
            &[
                ("csrf", &csrf),
                ("kind", "pond"),
                ("name", "Ao số 3"),
                ("gln", "8934673000018"),
                ("geometry", "91.5, 105.1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("GLN phải có 13 chữ số với số kiểm tra đúng."),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Tọa độ phải là"), "{}", refused.body);
    assert!(
        refused.body.contains(r#"value="Ao số 3""#),
        "the name is kept"
    );
    assert!(
        refused.body.contains("91.5, 105.1</textarea>"),
        "the coordinates are kept"
    );

    let province_code = nguon_domain::ProvinceCode::parse("96").unwrap();
    let commune = nguon_domain::AdminUnits::embedded()
        .communes_of(province_code)
        .unwrap()[0]
        .clone();
    let id = created(
        &owner
            .post(
                "/facilities",
                &[
                    ("csrf", &csrf),
                    ("kind", "pond"),
                    ("name", "Ao số 3"),
                    ("gln", "8934673000017"),
                    ("street", "Ấp Xóm Mới"),
                    ("commune", commune.code().as_str()),
                    ("geometry", "8.7345, 104.9876"),
                ],
            )
            .await,
        "/facilities/",
    );
    let page = owner.get(&format!("/facilities/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ao số 3") && page.body.contains("Chờ duyệt"));
    assert!(page.body.contains(commune.name()), "the commune is shown");
    assert!(
        !page.body.contains(r#"value="approved""#),
        "owners do not approve"
    );
    assert!(owner.get("/facilities").await.body.contains("Ao số 3"));

    let expiring = (nguon_store::now_utc().date() + time::Duration::days(30)).to_string();
    let added = owner
        .post(
            &format!("/facilities/{id}/certificates"),
            &[
                ("csrf", &csrf),
                ("kind", "viet_gap"),
                ("number", "VG-2025-0117"),
                ("issuer", "Trung tâm Chứng nhận VietGAP"),
                ("issued_on", "2024-01-10"),
                ("expires_on", &expiring),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = owner.get(&format!("/facilities/{id}")).await;
    assert!(page.body.contains("Còn 30 ngày"), "{}", page.body);

    let (other, _) = app.organisation("0300000002").await;
    user(&app, "ai@congtykhac.vn", Role::OrgStaff, Some(other)).await;
    let mut stranger = signed_in(&app, "ai@congtykhac.vn").await;
    assert_eq!(
        stranger.get(&format!("/facilities/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        stranger.get(&format!("/facilities/{id}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!stranger.get("/facilities").await.body.contains("Ao số 3"));

    user(&app, "duyet@camau.gov.vn", Role::ProvinceAdmin, None).await;
    let mut province = signed_in(&app, "duyet@camau.gov.vn").await;
    let home = province.get("/").await;
    assert!(home.body.contains("VG-2025-0117"), "{}", home.body);
    let province_csrf = province.csrf(&format!("/facilities/{id}")).await;
    let approved = province
        .post(
            &format!("/facilities/{id}/status"),
            &[("csrf", &province_csrf), ("status", "approved")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert!(
        owner
            .get(&format!("/facilities/{id}"))
            .await
            .body
            .contains("Đã duyệt")
    );
    let owner_approves = owner
        .post(
            &format!("/facilities/{id}/status"),
            &[("csrf", &csrf), ("status", "suspended")],
        )
        .await;
    assert_eq!(owner_approves.status, StatusCode::FORBIDDEN);

    let entries = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::Facility),
            entity_id: Some(id.clone()),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    let actions: Vec<_> = entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::RecordStatus(RegistryKind::Facility),
            AuditAction::RecordUpdate(RegistryKind::Facility),
            AuditAction::RecordCreate(RegistryKind::Facility),
        ]
    );
}

#[tokio::test]
async fn a_product_with_a_photo_is_registered_scoped_and_served() {
    let app = TestApp::new().await;
    nguon_web::catalogue::seed(app.state.store.as_ref())
        .await
        .unwrap();
    farm(&app).await;
    let mut owner = signed_in(&app, "quanly@tomsach.vn").await;
    let csrf = owner.csrf("/products/new").await;
    let form = owner.get("/products/new").await;
    assert!(
        form.body.contains("Tôm nuôi"),
        "the seeded groups are offered"
    );

    let refused = owner
        .post_multipart(
            "/products",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("gtin", "8934673000018"),
                Part::Text("name_vi", "Tôm sú đông lạnh"),
                Part::Text("group", "tom-nuoi"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("GTIN phải có 8, 12, 13 hoặc 14 chữ số với số kiểm tra đúng."),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"value="8934673000018""#),
        "the GTIN is kept"
    );
    assert!(
        refused.body.contains(r#"value="Tôm sú đông lạnh""#),
        "the name is kept"
    );

    let id = created(
        &owner
            .post_multipart(
                "/products",
                &[
                    Part::Text("csrf", &csrf),
                    Part::Text("gtin", "8934673000017"),
                    Part::Text("name_vi", "Tôm sú đông lạnh"),
                    Part::Text("name_en", "Frozen black tiger shrimp"),
                    Part::Text("net_content", "0,5"),
                    Part::Text("net_content_unit", "KGM"),
                    Part::Text("ocop_stars", "4"),
                    Part::Text("group", "tom-nuoi"),
                    Part::File("image", "tom.png", PNG),
                ],
            )
            .await,
        "/products/",
    );
    let page = owner.get(&format!("/products/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tôm sú đông lạnh") && page.body.contains("★★★★"));
    let start = page.body.find("/media/").expect("the photo is shown");
    let media = &page.body[start..start + "/media/".len() + 36];
    let served = app
        .send(
            axum::http::Request::get(media)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert!(served.header("cache-control").unwrap().contains("max-age"));
    assert_eq!(served.bytes, PNG);

    let (other, _) = app.organisation("0300000002").await;
    user(&app, "ai@congtykhac.vn", Role::OrgAdmin, Some(other)).await;
    let mut stranger = signed_in(&app, "ai@congtykhac.vn").await;
    assert_eq!(
        stranger.get(&format!("/products/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let stranger_csrf = stranger.csrf("/products/new").await;
    let taken_prefix = stranger
        .post_multipart(
            "/products",
            &[
                Part::Text("csrf", &stranger_csrf),
                Part::Text("gtin", "8934673000024"),
                Part::Text("name_vi", "Tôm giả"),
                Part::Text("group", "tom-nuoi"),
            ],
        )
        .await;
    assert_eq!(taken_prefix.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken_prefix.body.contains("thuộc về HTX Tôm sạch Năm Căn"),
        "{}",
        taken_prefix.body
    );

    let uploads = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::MediaUpload),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    assert_eq!(uploads.len(), 1);
}

#[tokio::test]
async fn the_api_scopes_records_to_the_key_and_leaves_review_to_the_province() {
    let app = TestApp::new().await;
    nguon_web::catalogue::seed(app.state.store.as_ref())
        .await
        .unwrap();
    let org = farm(&app).await;
    let own_key = app.key(nguon_domain::ApiKeyScope::Organisation(org)).await;
    let (_, other_key) = app.organisation("0300000002").await;
    let province = app.key(nguon_domain::ApiKeyScope::Province).await;
    let body = serde_json::json!({
        "gtin": "08934673000017",
        "name_vi": "Tôm sú đông lạnh",
        "name_en": null,
        "brand": "Năm Căn",
        "net_content": {"amount": 0.5, "unit": "KGM"},
        "standards": ["TCVN 12827:2019"],
        "shelf_life_days": 540,
        "ocop_stars": null,
        "group": "tom-nuoi",
        "chain": null,
        "images": []
    });
    let created = app.post_json(&own_key, "/api/v1/products", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["status"], "pending");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/products/{id}").as_str())
    );

    let path = format!("/api/v1/products/{id}");
    assert_eq!(app.get(&own_key, &path, &[]).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&other_key, &path, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&province, &path, &[]).await.json()["details"]["brand"],
        "Năm Căn"
    );
    let listed = app.get(&other_key, "/api/v1/products", &[]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 0);
    let groups = app
        .get(&other_key, "/api/v1/product-groups", &[])
        .await
        .json();
    assert_eq!(groups.as_array().unwrap().len(), 8);

    let mut bad = body.clone();
    bad["gtin"] = "08934673000018".into();
    let refused = app.post_json(&own_key, "/api/v1/products", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("check digit"), "{}", refused.body);
    let mut foreign = body.clone();
    foreign["gtin"] = "08934673000024".into();
    let refused = app
        .post_json(&other_key, "/api/v1/products", &foreign)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("8934673"), "{}", refused.body);

    let status = serde_json::json!({"status": "approved"});
    let status_path = format!("{path}/status");
    let by_owner = app.post_json(&own_key, &status_path, &status).await;
    assert_eq!(by_owner.status, StatusCode::FORBIDDEN);
    let approved = app.post_json(&province, &status_path, &status).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["status"], "approved");
}
