//! The organisation pages, the header's navigation, certificate alerts and GLN allocation,
//! through the real router over a real SQLite store: the province registers, finds and approves
//! an organisation; organisation users see only their own; a household's personal ID number is
//! masked in lists; refused fields come back with what was typed in Vietnamese and English.

mod support;

use axum::http::StatusCode;
use nguon_domain::{
    Actor, AdminUnits, ApprovalStatus, AuditAction, AuditQuery, Certificate, CertificateKind,
    Commune, FacilityDetails, FacilityKind, OrganisationId, ProvinceCode, RecordName, Role,
};
use nguon_gs1::{CompanyPrefix, Gln};
use nguon_store::Registry;
use nguon_web::ui::UiSettings;
use support::TestApp;
use support::portal::{Browser, PASSWORD, location, user};

/// A household's personal ID number, and how lists show it.
const PERSONAL_ID: &str = "096085001289";
const MASKED: &str = "0xx…xx89";

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

/// The Cà Mau commune found by `name`.
fn commune(name: &str) -> Commune {
    AdminUnits::embedded()
        .search(ProvinceCode::parse("96").unwrap(), name)
        .unwrap()[0]
        .clone()
}

/// The organisation id a registration redirected to.
fn created(reply: &support::Reply) -> OrganisationId {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let id = location(reply)
        .strip_prefix("/organisations/")
        .unwrap_or_else(|| panic!("redirected to {}", location(reply)));
    OrganisationId::parse(id).unwrap()
}

#[tokio::test]
async fn the_province_registers_finds_and_approves_a_household() {
    let app = TestApp::new().await;
    user(&app, "duyet@camau.gov.vn", Role::ProvinceAdmin, None).await;
    let mut province = signed_in(&app, "duyet@camau.gov.vn").await;
    let form = province.get("/organisations/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Vĩnh Hậu"), "the province's communes");
    let csrf = province.csrf("/organisations/new").await;
    let vinh_hau = commune("vinh hau");

    // An enterprise may not register with a personal ID number; a street needs its commune.
    let refused = province
        .post(
            "/organisations",
            &[
                ("csrf", &csrf),
                ("kind", "enterprise"),
                ("name", "Công ty Tôm Vĩnh Hậu"),
                ("tax_code", PERSONAL_ID),
                ("street", "Ấp Thào Lạng"),
                ("company_prefix", "89x"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &refused.body;
    assert!(
        body.contains("Chỉ hộ sản xuất, kinh doanh mới đăng ký bằng số định danh cá nhân"),
        "{body}"
    );
    assert!(body.contains("Hãy chọn một xã, phường của tỉnh."), "{body}");
    assert!(body.contains("Mã doanh nghiệp GS1 phải có từ 4 đến 12 chữ số."));
    assert!(
        body.contains(r#"value="Công ty Tôm Vĩnh Hậu""#),
        "the name is kept"
    );
    assert!(
        body.contains(r#"value="Ấp Thào Lạng""#),
        "the street is kept"
    );
    assert!(body.contains(&format!(r#"value="{PERSONAL_ID}""#)));
    assert!(
        body.contains(r#"id="tax_code-error""#),
        "named beside its field"
    );
    assert!(
        app.state
            .store
            .list_organisations(&Default::default())
            .await
            .unwrap()
            .organisations
            .is_empty(),
        "nothing is written"
    );
    province.accept_language = Some("en");
    let english = province
        .post(
            "/organisations",
            &[
                ("csrf", &csrf),
                ("kind", "cooperative"),
                ("name", "HTX"),
                ("tax_code", "12345"),
            ],
        )
        .await;
    assert_eq!(english.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        english
            .body
            .contains("A tax code has 10 digits, or 10 digits,"),
        "{}",
        english.body
    );
    province.accept_language = None;

    let id = created(
        &province
            .post(
                "/organisations",
                &[
                    ("csrf", &csrf),
                    ("kind", "household"),
                    ("name", "Hộ ông Trần Văn Tôm"),
                    ("tax_code", PERSONAL_ID),
                    ("street", "Ấp Thào Lạng"),
                    ("commune", vinh_hau.code().as_str()),
                ],
            )
            .await,
    );
    let enterprise = created(
        &province
            .post(
                "/organisations",
                &[
                    ("csrf", &csrf),
                    ("kind", "enterprise"),
                    ("name", "Công ty CP Chế biến Sông Đốc"),
                    ("tax_code", "2000123456"),
                    ("company_prefix", "8934673"),
                ],
            )
            .await,
    );
    let again = province
        .post(
            "/organisations",
            &[
                ("csrf", &csrf),
                ("kind", "enterprise"),
                ("name", "Công ty khác"),
                ("tax_code", "2000123457"),
                ("company_prefix", "8934673"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .body
            .contains("đã thuộc về Công ty CP Chế biến Sông Đốc")
    );
    let stored = app.state.store.organisation(enterprise).await.unwrap();
    assert_eq!(stored.company_prefixes[0].as_str(), "8934673");

    let page = province.get(&format!("/organisations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hộ ông Trần Văn Tôm") && page.body.contains("Chờ duyệt"));
    assert!(
        page.body.contains(PERSONAL_ID),
        "the province sees it whole"
    );
    assert!(
        page.body.contains("Ấp Thào Lạng, Vĩnh Hậu"),
        "{}",
        page.body
    );

    // The list masks the personal ID number, and searches without diacritics and by filters.
    let list = province.get("/organisations").await;
    assert!(list.body.contains(MASKED) && !list.body.contains(PERSONAL_ID));
    assert!(
        list.body.contains("2000123456"),
        "a tax code is shown whole"
    );
    let found = province.get("/organisations?q=tran+van+tom").await;
    assert!(found.body.contains("Hộ ông Trần Văn Tôm"));
    assert!(!found.body.contains("Chế biến Sông Đốc"));
    let by_code = province.get("/organisations?q=0001234").await;
    assert!(by_code.body.contains("Chế biến Sông Đốc") && !by_code.body.contains("Trần Văn Tôm"));
    let in_commune = province
        .get(&format!(
            "/organisations?commune={}",
            vinh_hau.code().as_str()
        ))
        .await;
    assert!(
        in_commune.body.contains("Trần Văn Tôm") && !in_commune.body.contains("Chế biến Sông Đốc")
    );
    let enterprises = province
        .get("/organisations?kind=enterprise&status=pending")
        .await;
    assert!(
        enterprises.body.contains("Chế biến Sông Đốc")
            && !enterprises.body.contains("Trần Văn Tôm")
    );

    let approved = province
        .post(
            &format!("/organisations/{id}/status"),
            &[("csrf", &csrf), ("status", "approved")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = province.get(&format!("/organisations/{id}")).await;
    assert!(page.body.contains("Đã duyệt"));
    assert!(
        page.body.contains("Tạm đình chỉ"),
        "an approved one can be suspended"
    );
    assert!(page.body.contains("Chờ duyệt → Đã duyệt"), "{}", page.body);
    assert!(page.body.contains("duyet@camau.gov.vn"), "who approved");
    let entries = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            entity_id: Some(id.to_string()),
            action: Some(AuditAction::ApprovalStatus),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    assert_eq!(entries.len(), 1);
    let province_user = app
        .state
        .store
        .user_by_email(&nguon_domain::Email::parse("duyet@camau.gov.vn").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entries[0].actor, Actor::User(province_user.id));
    assert_eq!(entries[0].after.as_ref().unwrap()["status"], "approved");
    assert_eq!(
        entries[0].after.as_ref().unwrap()["address"]["commune"],
        vinh_hau.code().as_str()
    );

    // Suspended, then reinstated.
    for (to, shown) in [
        ("suspended", "Khôi phục hoạt động"),
        ("approved", "Tạm đình chỉ"),
    ] {
        let reply = province
            .post(
                &format!("/organisations/{id}/status"),
                &[("csrf", &csrf), ("status", to)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(
            province
                .get(&format!("/organisations/{id}"))
                .await
                .body
                .contains(shown)
        );
    }
    let forged = province
        .post(
            &format!("/organisations/{id}/status"),
            &[("csrf", "0"), ("status", "suspended")],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "the CSRF token is checked"
    );
}

#[tokio::test]
async fn organisation_users_see_only_their_own_and_cannot_approve() {
    let app = TestApp::new().await;
    let (own, _) = app
        .named_organisation("HTX Tôm sạch Năm Căn", "0300000001")
        .await;
    let (other, _) = app
        .named_organisation("Công ty Cua Cà Mau", "0300000002")
        .await;
    user(&app, "quanly@tomsach.vn", Role::OrgAdmin, Some(own)).await;
    let mut admin = signed_in(&app, "quanly@tomsach.vn").await;

    let list = admin.get("/organisations").await;
    assert_eq!(list.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&list), format!("/organisations/{own}"));
    let page = admin.get(&format!("/organisations/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("HTX Tôm sạch Năm Căn"));
    assert!(
        !page.body.contains(r#"value="approved""#),
        "no approve button"
    );

    let theirs = admin.get(&format!("/organisations/{other}")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(!theirs.body.contains("Cua Cà Mau") && !theirs.body.contains("0300000002"));
    let unknown = admin.get("/organisations/not-an-id").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let csrf = admin.csrf(&format!("/organisations/{own}")).await;
    let approve = admin
        .post(
            &format!("/organisations/{own}/status"),
            &[("csrf", &csrf), ("status", "approved")],
        )
        .await;
    assert_eq!(approve.status, StatusCode::FORBIDDEN);
    let status = app.state.store.organisation(own).await.unwrap().status;
    assert_eq!(status, ApprovalStatus::Pending, "nothing changed");
    assert_eq!(
        admin.get("/organisations/new").await.status,
        StatusCode::FORBIDDEN
    );
    let register = admin
        .post(
            "/organisations",
            &[
                ("csrf", &csrf),
                ("kind", "enterprise"),
                ("name", "X"),
                ("tax_code", "0300000003"),
            ],
        )
        .await;
    assert_eq!(register.status, StatusCode::FORBIDDEN);

    // The header offers the pages of the role, and marks the one shown.
    let home = admin.get("/").await;
    let nav = &home.body[home.body.find(r#"<nav class="menu""#).unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    assert!(
        nav.contains(r#"<a href="/" aria-current="page">Trang chủ</a>"#),
        "{nav}"
    );
    for link in [
        "/organisations",
        "/facilities",
        "/diary",
        "/trace",
        "/admin/users",
    ] {
        assert!(
            nav.contains(&format!(r#"href="{link}""#)),
            "{link} in {nav}"
        );
    }
    assert!(!nav.contains("/admin/audit") && !nav.contains("/admin/product-groups"));

    // A household's own user sees its personal ID number whole.
    let household = app
        .state
        .store
        .create_organisation(
            &nguon_domain::NewOrganisation::new(
                nguon_domain::OrganisationKind::Household,
                nguon_domain::OrganisationName::parse("Hộ bà Lê Thị Muối").unwrap(),
                nguon_domain::TaxCode::parse(PERSONAL_ID).unwrap(),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    user(
        &app,
        "ba.muoi@gmail.com",
        Role::OrgStaff,
        Some(household.id),
    )
    .await;
    let mut member = signed_in(&app, "ba.muoi@gmail.com").await;
    let page = member
        .get(&format!("/organisations/{}", household.id))
        .await;
    assert!(page.body.contains(PERSONAL_ID), "{}", page.body);
    assert!(page.body.contains("Dữ liệu cá nhân"));
    let page = member.get(&format!("/organisations/{own}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    user(&app, "thanhtra@camau.gov.vn", Role::Inspector, None).await;
    let mut inspector = signed_in(&app, "thanhtra@camau.gov.vn").await;
    let page = inspector.get(&format!("/organisations/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(r#"value="approved""#),
        "inspectors do not decide"
    );
    let nav = inspector.get("/organisations").await.body;
    assert!(nav.contains(r#"<a href="/organisations" aria-current="page">Tổ chức</a>"#));
    assert!(nav.contains(r#"href="/admin/audit""#) && !nav.contains(r#"href="/diary""#));
}

/// A facility of `owner` with a certificate expiring `in_days` from today (negative: expired).
async fn certified_facility(app: &TestApp, owner: OrganisationId, gln: &str, in_days: i64) {
    let today = nguon_store::now_utc().date();
    let mut details = FacilityDetails::new(
        FacilityKind::Pond,
        RecordName::parse("name", &format!("Ao {gln}")).unwrap(),
        Gln::parse(gln).unwrap(),
    );
    details.certificates.push(
        Certificate::new(
            CertificateKind::VietGap,
            &format!("VG-{gln}"),
            "QUACERT",
            today - time::Duration::days(400),
            Some(today + time::Duration::days(in_days)),
            true,
        )
        .unwrap(),
    );
    app.state
        .store
        .register(Some(owner), &details, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
}

#[tokio::test]
async fn certificates_about_to_expire_are_listed_on_the_home_page_with_days_left() {
    let app = TestApp::new().await;
    let (own, _) = app.organisation("0300000001").await;
    let (other, _) = app.organisation("0300000002").await;
    certified_facility(&app, own, "8934673000017", 10).await;
    certified_facility(&app, own, "8934673000024", -3).await;
    certified_facility(&app, own, "8934673000031", 200).await;
    certified_facility(&app, other, "8934674000016", 5).await;
    user(&app, "quanly@a.vn", Role::OrgStaff, Some(own)).await;
    user(&app, "quanly@b.vn", Role::OrgStaff, Some(other)).await;
    user(&app, "duyet@camau.gov.vn", Role::ProvinceAdmin, None).await;

    let home = signed_in(&app, "quanly@a.vn").await.get("/").await.body;
    assert!(home.contains("hết hạn trong 60 ngày tới"), "{home}");
    assert!(home.contains("Còn 10 ngày") && home.contains("VG-8934673000017"));
    assert!(home.contains("Đã hết hạn 3 ngày") && home.contains("VG-8934673000024"));
    assert!(!home.contains("VG-8934673000031"), "not yet due");
    assert!(!home.contains("VG-8934674000016"), "another organisation's");
    let expired = home.find("VG-8934673000024").unwrap();
    assert!(
        expired < home.find("VG-8934673000017").unwrap(),
        "soonest first"
    );

    let mut province = signed_in(&app, "duyet@camau.gov.vn").await;
    province.accept_language = Some("en");
    let home = province.get("/").await.body;
    assert!(
        home.contains("5 days left") && home.contains("Expired 3 days ago"),
        "{home}"
    );

    // The window is configurable.
    let narrow = app.with_ui(UiSettings {
        certificate_alert_days: 5,
        ..UiSettings::default()
    });
    let home = signed_in(&narrow, "quanly@a.vn").await.get("/").await.body;
    assert!(!home.contains("VG-8934673000017") && home.contains("VG-8934673000024"));
}

#[tokio::test]
async fn a_member_without_a_prefix_gets_a_gln_from_the_provinces() {
    let app = TestApp::new().await;
    let (department, _) = app
        .named_organisation("Sở KH&CN Cà Mau", "0300000009")
        .await;
    let province_prefix = CompanyPrefix::parse("893580000").unwrap();
    app.state
        .store
        .add_company_prefix(department, &province_prefix, Actor::Cli)
        .await
        .unwrap();
    // Reference 1 is taken by the department's own facility.
    app.state
        .store
        .register(
            Some(department),
            &FacilityDetails::new(
                FacilityKind::Plant,
                RecordName::parse("name", "Trạm kiểm nghiệm").unwrap(),
                Gln::parse("8935800000016").unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let (household, _) = app
        .named_organisation("Hộ Nguyễn Văn Ba", "0300000010")
        .await;
    let app = app.with_ui(UiSettings {
        province_prefix: Some(province_prefix),
        ..UiSettings::default()
    });
    user(&app, "ba@gmail.com", Role::OrgAdmin, Some(household)).await;
    let mut member = signed_in(&app, "ba@gmail.com").await;
    let form = member.get("/facilities/new").await;
    assert!(form.body.contains("Cấp GLN"), "{}", form.body);
    let csrf = member.csrf("/facilities/new").await;
    let allocated = member
        .post(
            "/facilities/new/gln",
            &[("csrf", &csrf), ("kind", "pond"), ("name", "Ao nhà")],
        )
        .await;
    assert_eq!(allocated.status, StatusCode::OK);
    assert!(
        allocated.body.contains(r#"value="8935800000023""#),
        "{}",
        allocated.body
    );
    assert!(
        allocated.body.contains(r#"value="Ao nhà""#),
        "what was typed is kept"
    );
    let saved = member
        .post(
            "/facilities",
            &[
                ("csrf", &csrf),
                ("kind", "pond"),
                ("name", "Ao nhà"),
                ("gln", "8935800000023"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let next = member.post("/facilities/new/gln", &[("csrf", &csrf)]).await;
    assert!(
        next.body.contains(r#"value="8935800000030""#),
        "the next one is free"
    );

    // An organisation with its own prefix is not offered the province's.
    let (enterprise, _) = app.organisation("0300000011").await;
    app.state
        .store
        .add_company_prefix(
            enterprise,
            &CompanyPrefix::parse("8934673").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    user(&app, "cty@a.vn", Role::OrgAdmin, Some(enterprise)).await;
    let mut owner = signed_in(&app, "cty@a.vn").await;
    assert!(!owner.get("/facilities/new").await.body.contains("Cấp GLN"));
    let csrf = owner.csrf("/facilities/new").await;
    let refused = owner.post("/facilities/new/gln", &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_organisation_admin_changes_its_own_address_and_no_one_elses() {
    let app = TestApp::new().await;
    let (own, _) = app
        .named_organisation("HTX Muối Long Điền", "0300000011")
        .await;
    let (other, _) = app
        .named_organisation("Công ty Khô Gành Hào", "0300000012")
        .await;
    user(&app, "quanly@muoi.vn", Role::OrgAdmin, Some(own)).await;
    user(&app, "nhatky@muoi.vn", Role::OrgStaff, Some(own)).await;
    user(&app, "thanhtra@camau.gov.vn", Role::Inspector, None).await;
    let mut admin = signed_in(&app, "quanly@muoi.vn").await;
    let long_dien = commune("long dien");

    let page = admin.get(&format!("/organisations/{own}")).await;
    assert!(page.body.contains("Chưa khai báo"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!(r#"href="/organisations/{own}/address""#))
    );
    let form = admin.get(&format!("/organisations/{own}/address")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Long Điền"), "the province's communes");
    let csrf = admin.csrf(&format!("/organisations/{own}/address")).await;

    // A street without its commune is refused beside the field, with the street kept.
    let refused = admin
        .post(
            &format!("/organisations/{own}/address"),
            &[("csrf", &csrf), ("street", "Ấp Diêm Điền")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="commune-error""#));
    assert!(refused.body.contains(r#"value="Ấp Diêm Điền""#));
    assert_eq!(
        app.state.store.organisation(own).await.unwrap().address,
        None
    );

    let saved = admin
        .post(
            &format!("/organisations/{own}/address"),
            &[
                ("csrf", &csrf),
                ("street", "Ấp Diêm Điền"),
                ("commune", long_dien.code().as_str()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(location(&saved), format!("/organisations/{own}"));
    let stored = app.state.store.organisation(own).await.unwrap();
    assert_eq!(stored.address.as_ref().unwrap().commune(), long_dien.code());
    let page = admin.get(&format!("/organisations/{own}")).await;
    assert!(
        page.body.contains("Ấp Diêm Điền, Long Điền"),
        "{}",
        page.body
    );
    let refill = admin.get(&format!("/organisations/{own}/address")).await;
    assert!(refill.body.contains(r#"value="Ấp Diêm Điền""#));
    let audit = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::OrganisationAddress),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].organisation, Some(own));

    // Another organisation's form is not found; staff and inspectors may look but not change.
    let theirs = admin.get(&format!("/organisations/{other}/address")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let post_theirs = admin
        .post(
            &format!("/organisations/{other}/address"),
            &[("csrf", &csrf), ("street", ""), ("commune", "")],
        )
        .await;
    assert_eq!(post_theirs.status, StatusCode::NOT_FOUND);
    for email in ["nhatky@muoi.vn", "thanhtra@camau.gov.vn"] {
        let mut reader = signed_in(&app, email).await;
        let page = reader.get(&format!("/organisations/{own}")).await;
        assert_eq!(page.status, StatusCode::OK, "{email}");
        assert!(!page.body.contains("/address\""), "{email}: no edit link");
        let form = reader.get(&format!("/organisations/{own}/address")).await;
        assert_eq!(form.status, StatusCode::FORBIDDEN, "{email}");
        let csrf = reader.csrf(&format!("/organisations/{own}")).await;
        let post = reader
            .post(
                &format!("/organisations/{own}/address"),
                &[("csrf", &csrf), ("street", ""), ("commune", "")],
            )
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{email}");
    }

    // Both fields empty clears the address.
    let cleared = admin
        .post(
            &format!("/organisations/{own}/address"),
            &[("csrf", &csrf), ("street", ""), ("commune", "")],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.state.store.organisation(own).await.unwrap().address,
        None
    );
}
