//! The partner pages: the province admin registers a partner and issues it a key shown once,
//! which then works and stops working when revoked; an organisation's admin grants and revokes
//! on `/partners`, with field errors in Vietnamese, while its staff only read; a capture job a
//! partner sent after a revocation shows on the page with the reason.

mod support;

use axum::http::StatusCode;
use nguon_domain::{Actor, NewPartner, Role};
use support::TestApp;
use support::portal::{Browser, PASSWORD, location, user};

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

/// The token a page shows in its `<code class="token">`.
fn token_of(html: &str) -> String {
    let start = html
        .find(r#"<code class="token">"#)
        .expect("a token is shown")
        + 20;
    let end = start + html[start..].find("</code>").unwrap();
    html[start..end].to_owned()
}

#[tokio::test]
async fn the_province_registers_a_partner_and_issues_and_revokes_its_keys() {
    let app = TestApp::new().await;
    user(&app, "quantri@camau.gov.vn", Role::ProvinceAdmin, None).await;
    user(&app, "thanhtra@camau.gov.vn", Role::Inspector, None).await;
    let mut admin = signed_in(&app, "quantri@camau.gov.vn").await;
    let page = admin.get("/admin/partners").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Chưa có đối tác nào."), "{}", page.body);
    assert!(
        page.body.contains(r#"href="/admin/partners""#),
        "linked in the menu"
    );

    // A missing contact is refused beside its field; the name typed stays.
    let csrf = admin.csrf("/admin/partners").await;
    let refused = admin
        .post(
            "/admin/partners",
            &[
                ("name", "TE-FOOD Việt Nam"),
                ("kind", "solution_provider"),
                ("contact", "  "),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(r#"id="contact-error""#),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Hãy nhập thông tin liên hệ"));
    assert!(refused.body.contains(r#"value="TE-FOOD Việt Nam""#));
    let registered = admin
        .post(
            "/admin/partners",
            &[
                ("name", "TE-FOOD Việt Nam"),
                ("kind", "solution_provider"),
                ("contact", "ops@te-food.example.vn"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.body
    );
    let twice = admin
        .post(
            "/admin/partners",
            &[
                ("name", "TE-FOOD Việt Nam"),
                ("kind", "data_recipient"),
                ("contact", "x"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("Đã có đối tác mang tên này."));
    let partner = app.state.store.list_partners().await.unwrap().remove(0);

    // A key, shown once, that works at the EPCIS query and is refused once revoked.
    let issued = admin
        .post(
            &format!("/admin/partners/{}/keys", partner.id),
            &[("label", "máy chủ chính"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    assert!(issued.body.contains("chỉ hiện một lần"), "{}", issued.body);
    let token = token_of(&issued.body);
    assert_eq!(
        app.get(&token, "/epcis/events", &[]).await.status,
        StatusCode::OK
    );
    let again = admin.get("/admin/partners").await;
    assert!(!again.body.contains(&token), "the token is shown once");
    assert!(again.body.contains("máy chủ chính"));
    let key = app
        .state
        .store
        .list_partner_api_keys(partner.id)
        .await
        .unwrap()
        .remove(0);
    let revoked = admin
        .post(
            &format!("/admin/partners/{}/keys/{}/revoke", partner.id, key.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&revoked), "/admin/partners");
    assert_eq!(
        app.get(&token, "/epcis/events", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        admin
            .get("/admin/partners")
            .await
            .body
            .contains("Đã thu hồi lúc")
    );

    // Suspended, then reinstated.
    let suspended = admin
        .post(
            &format!("/admin/partners/{}/status", partner.id),
            &[("status", "suspended"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&suspended), "/admin/partners");
    assert!(
        admin
            .get("/admin/partners")
            .await
            .body
            .contains("Tạm ngừng")
    );

    // The inspector reads the registry and changes nothing.
    let mut inspector = signed_in(&app, "thanhtra@camau.gov.vn").await;
    let read = inspector.get("/admin/partners").await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.contains("TE-FOOD Việt Nam"));
    assert!(!read.body.contains("Cấp khóa mới"));
    let csrf = inspector.csrf("/admin/partners").await;
    let forbidden = inspector
        .post(
            "/admin/partners",
            &[
                ("name", "X"),
                ("kind", "data_recipient"),
                ("contact", "x"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_organisation_admin_grants_and_revokes_and_sees_why_a_capture_was_refused() {
    let app = TestApp::new().await;
    let (farm, _) = app
        .named_organisation("HTX Tôm Vĩnh Hậu", "0320000001")
        .await;
    let store = &app.state.store;
    let provider = store
        .create_partner(
            &NewPartner::parse("Giải pháp ERP Mekong", "solution_provider", "x@erp.vn").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let buyer = store
        .create_partner(
            &NewPartner::parse("Ocean Fresh Imports", "data_recipient", "+49 40").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    user(&app, "quanly@tomvinhhau.vn", Role::OrgAdmin, Some(farm)).await;
    user(&app, "nhatky@tomvinhhau.vn", Role::OrgStaff, Some(farm)).await;
    let mut admin = signed_in(&app, "quanly@tomvinhhau.vn").await;
    let page = admin.get("/partners").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đơn vị chưa cấp quyền cho đối tác nào."));
    assert!(
        page.body.contains(&farm.to_string()),
        "the id partners name"
    );
    assert!(
        page.body.contains(r#"href="/partners""#),
        "linked in the menu"
    );

    // Nothing ticked, and capture for a data recipient: refused beside the field.
    let csrf = admin.csrf("/partners").await;
    let buyer_id = buyer.id.to_string();
    let nothing = admin
        .post("/partners", &[("partner", &buyer_id), ("csrf", &csrf)])
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.body.contains("Hãy chọn ít nhất một quyền."));
    let capture = admin
        .post(
            "/partners",
            &[("partner", &buyer_id), ("capture", "on"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(capture.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        capture.body.contains("chỉ được cấp quyền đọc"),
        "{}",
        capture.body
    );
    assert!(
        store
            .list_grants(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Both permissions to the provider at once.
    let provider_id = provider.id.to_string();
    let granted = admin
        .post(
            "/partners",
            &[
                ("partner", &provider_id),
                ("capture", "on"),
                ("read", "on"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(
        granted
            .body
            .contains("Đã cấp quyền: Gửi sự kiện thay đơn vị, Đọc dữ liệu của đơn vị.")
    );
    assert!(
        store
            .is_granted(farm, provider.id, nguon_domain::Permission::Capture)
            .await
            .unwrap()
    );

    // The staff see the grants but get no forms, and cannot post them.
    let mut staff = signed_in(&app, "nhatky@tomvinhhau.vn").await;
    let read = staff.get("/partners").await;
    assert!(read.body.contains("Giải pháp ERP Mekong"));
    assert!(read.body.contains("Chỉ quản trị viên của đơn vị"));
    let staff_csrf = staff.csrf("/partners").await;
    let forbidden = staff
        .post(
            "/partners",
            &[
                ("partner", &provider_id),
                ("read", "on"),
                ("csrf", &staff_csrf),
            ],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // The admin revokes capture; the partner's next capture is refused, and a job it had
    // started before shows on the page with the reason.
    let capture_grant = store
        .list_grants(&nguon_store::GrantFilter {
            permission: Some(nguon_domain::Permission::Capture),
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    let job = store
        .create_capture_job(&nguon_domain::NewCaptureJob {
            owner: farm,
            partner: Some(provider.id),
            error_behaviour: nguon_domain::CaptureErrorBehaviour::Rollback,
            event_count: 3,
        })
        .await
        .unwrap();
    let revoked = admin
        .post(
            &format!("/partners/{}/revoke", capture_grant.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&revoked), "/partners");
    let why = nguon_web::auth::capture_refusal(&**store, farm, &provider)
        .await
        .unwrap()
        .expect("capture is no longer delegated");
    store
        .finish_capture_job(job.id, false, 0, std::slice::from_ref(&why))
        .await
        .unwrap();
    let after = admin.get("/partners").await;
    assert!(after.body.contains("Đã thu hồi lúc"), "{}", after.body);
    assert!(after.body.contains("Đã lưu 0/3 sự kiện"), "{}", after.body);
    assert!(
        after
            .body
            .contains("has not delegated capture to partner Giải pháp ERP Mekong"),
        "{}",
        after.body
    );
    // Another organisation's grant cannot be revoked from here.
    let (other, _) = app.organisation("0320000002").await;
    let theirs = store
        .create_grant(
            other,
            provider.id,
            nguon_domain::Permission::Read,
            Actor::Cli,
        )
        .await
        .unwrap();
    let foreign = admin
        .post(
            &format!("/partners/{}/revoke", theirs.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);

    // English on request.
    admin.set_cookie("lang", "en");
    let english = admin.get("/partners").await;
    assert!(
        english.body.contains("Data sharing with partners"),
        "{}",
        english.body
    );
}
