//! The portal's accounts through the real router over a real SQLite store: sign-in and its
//! cookie, session rotation and sign-out, CSRF on every form, who may see and create which
//! users, the audit rows the pages write, and the language of the pages.

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{Actor, AuditAction, AuditQuery, Email, Role};
use support::TestApp;
use support::portal::{Browser, PASSWORD, csrf_of, location, user};

async fn user_count(app: &TestApp) -> usize {
    app.state.store.list_users(None).await.unwrap().len()
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer() {
    let app = TestApp::new().await;
    user(&app, "hoa@camau.gov.vn", Role::Inspector, None).await;
    let mut browser = Browser::new(&app);
    let wrong = browser
        .sign_in("hoa@camau.gov.vn", "không phải mật khẩu")
        .await;
    let unknown = Browser::new(&app)
        .sign_in("ai@camau.gov.vn", PASSWORD)
        .await;
    for reply in [&wrong, &unknown] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply.body.contains("Thư điện tử hoặc mật khẩu không đúng."),
            "{}",
            reply.body
        );
    }
    assert!(
        wrong.body.contains(r#"value="hoa@camau.gov.vn""#),
        "the address is kept"
    );
    assert_eq!(browser.cookie("nguon_session"), None);
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signing_in_sets_a_hardened_cookie_and_shows_who_is_signed_in() {
    let app = TestApp::new().await;
    let (org, _) = app.organisation("0300000001").await;
    user(&app, "quanly@tomsach.vn", Role::OrgAdmin, Some(org)).await;
    let mut browser = Browser::new(&app);
    let signed_in = browser.sign_in("QuanLy@TomSach.vn", PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert_eq!(location(&signed_in), "/");
    let set = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("nguon_session="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(flag), "{flag} missing from {set}");
    }
    assert!(
        !set.contains("Secure"),
        "Secure is off unless configured: {set}"
    );

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("quanly@tomsach.vn"));
    assert!(home.body.contains("Quản trị tổ chức"));
    assert!(home.body.contains("Công ty 0300000001"));
    assert!(home.body.contains(r#"href="/admin/users""#));
    assert!(
        !home.body.contains(r#"href="/admin/audit""#),
        "audit is for province roles"
    );
    // No inline scripts or styles: a strict CSP must be possible.
    assert!(!home.body.contains("<script") && !home.body.contains("style="));

    let mut secure = TestApp::new().await;
    Arc::get_mut(&mut secure.state.ui).unwrap().secure_cookies = true;
    user(&secure, "hoa@camau.gov.vn", Role::Inspector, None).await;
    let reply = Browser::new(&secure)
        .sign_in("hoa@camau.gov.vn", PASSWORD)
        .await;
    let cookies: Vec<_> = reply.headers.get_all("set-cookie").iter().collect();
    assert!(
        cookies
            .iter()
            .all(|c| c.to_str().unwrap().contains("Secure")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn every_sign_in_gets_a_new_token_and_ends_the_previous_session() {
    let app = TestApp::new().await;
    user(&app, "hoa@camau.gov.vn", Role::Inspector, None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("hoa@camau.gov.vn", PASSWORD).await;
    let first = browser.cookie("nguon_session").unwrap();
    browser.sign_in("hoa@camau.gov.vn", PASSWORD).await;
    let second = browser.cookie("nguon_session").unwrap();
    assert_ne!(first, second);
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    let mut replay = Browser::new(&app);
    replay.set_cookie("nguon_session", &first);
    let old = replay.get("/").await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&old), "/login");
}

#[tokio::test]
async fn signing_out_makes_the_old_cookie_useless() {
    let app = TestApp::new().await;
    user(&app, "hoa@camau.gov.vn", Role::Inspector, None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("hoa@camau.gov.vn", PASSWORD).await;
    let token = browser.cookie("nguon_session").unwrap();
    let csrf = browser.csrf("/").await;
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login");
    assert_eq!(
        browser.cookie("nguon_session"),
        None,
        "the browser drops it"
    );

    let mut thief = Browser::new(&app);
    thief.set_cookie("nguon_session", &token);
    assert_eq!(location(&thief.get("/").await), "/login");
    let revoked = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::SessionRevoke),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(revoked.entries.len(), 1);
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    user(&app, "admin@camau.gov.vn", Role::ProvinceAdmin, None).await;

    // Sign-in: no token, a token not matching the cookie, no cookie at all.
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    let no_token = browser
        .post(
            "/login",
            &[("email", "admin@camau.gov.vn"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.body.contains("Không được phép"));
    let wrong = browser
        .post(
            "/login",
            &[
                ("email", "admin@camau.gov.vn"),
                ("password", PASSWORD),
                ("csrf", &"0".repeat(64)),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.cookie("nguon_session"), None);

    // Signed in: creating a user and signing out need the session's token.
    browser.sign_in("admin@camau.gov.vn", PASSWORD).await;
    let before = user_count(&app).await;
    let fields = [
        ("email", "moi@camau.gov.vn"),
        ("role", "inspector"),
        ("password", PASSWORD),
    ];
    assert_eq!(
        browser.post("/admin/users", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let mut wrong_token = fields.to_vec();
    let other_token = "f".repeat(64);
    wrong_token.push(("csrf", &other_token));
    assert_eq!(
        browser.post("/admin/users", &wrong_token).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(user_count(&app).await, before);
    assert_eq!(
        browser.post("/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.get("/").await.status,
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn an_organisation_admin_manages_only_its_own_organisation() {
    let app = TestApp::new().await;
    let (own, _) = app.organisation("0300000001").await;
    let (other, _) = app.organisation("0300000002").await;
    user(&app, "quanly@a.vn", Role::OrgAdmin, Some(own)).await;
    user(&app, "nhanvien@b.vn", Role::OrgStaff, Some(other)).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("quanly@a.vn", PASSWORD).await;

    let list = browser.get("/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("quanly@a.vn") && !list.body.contains("nhanvien@b.vn"));
    let elsewhere = browser
        .get(&format!("/admin/users?organisation={other}"))
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert!(!elsewhere.body.contains("nhanvien@b.vn"));

    let csrf = browser.csrf("/admin/users").await;
    let before = user_count(&app).await;
    let other_text = other.to_string();
    let into_other = [
        ("email", "moi@b.vn"),
        ("role", "org_staff"),
        ("organisation", other_text.as_str()),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    assert_eq!(
        browser.post("/admin/users", &into_other).await.status,
        StatusCode::FORBIDDEN
    );
    let province = [
        ("email", "sep@a.vn"),
        ("role", "province_admin"),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    assert_eq!(
        browser.post("/admin/users", &province).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(user_count(&app).await, before);

    let staff = [
        ("email", "moi@a.vn"),
        ("name", "Phạm Thị Lụa"),
        ("role", "org_staff"),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    let created = browser.post("/admin/users", &staff).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains("Đã thêm người dùng moi@a.vn."));
    let new = app
        .state
        .store
        .user_by_email(&Email::parse("moi@a.vn").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.access.organisation(), Some(own));
}

#[tokio::test]
async fn organisation_staff_cannot_reach_the_admin_pages() {
    let app = TestApp::new().await;
    let (org, _) = app.organisation("0300000001").await;
    user(&app, "nhanvien@a.vn", Role::OrgStaff, Some(org)).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("nhanvien@a.vn", PASSWORD).await;
    let home = browser.get("/").await;
    assert!(
        !home.body.contains("/admin/"),
        "no links to pages it may not use"
    );
    for path in ["/admin/users", "/admin/audit"] {
        assert_eq!(
            browser.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let csrf = csrf_of(&home.body);
    let before = user_count(&app).await;
    let fields = [
        ("email", "x@a.vn"),
        ("role", "org_staff"),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    assert_eq!(
        browser.post("/admin/users", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(user_count(&app).await, before);
    // Signed out, every page sends to the sign-in page.
    let mut stranger = Browser::new(&app);
    for path in ["/", "/admin/users", "/admin/audit", "/account/password"] {
        assert_eq!(location(&stranger.get(path).await), "/login", "{path}");
    }
}

#[tokio::test]
async fn the_pages_write_audit_rows_with_before_and_after() {
    let app = TestApp::new().await;
    let admin = user(&app, "admin@camau.gov.vn", Role::ProvinceAdmin, None).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("admin@camau.gov.vn", PASSWORD).await;
    let csrf = browser.csrf("/admin/users").await;

    // A bad form shows every broken rule and keeps what was typed (not the password).
    let bad = browser
        .post(
            "/admin/users",
            &[
                ("email", "không-phải-thư"),
                ("name", "Võ Thị Sáu"),
                ("role", "org_staff"),
                ("password", "ngắn"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Thư điện tử không hợp lệ"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("vai trò của tổ chức cần có mã tổ chức"),
        "{}",
        bad.body
    );
    assert!(
        bad.body
            .contains("Mật khẩu phải dài từ 12 đến 128 ký tự (đang có 4)")
    );
    assert!(bad.body.contains(r#"value="Võ Thị Sáu""#));

    let created = browser
        .post(
            "/admin/users",
            &[
                ("email", "thanhtra@camau.gov.vn"),
                ("role", "inspector"),
                ("password", PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let entries = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            actor: Some(Actor::User(admin.id)),
            action: Some(AuditAction::UserCreate),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before, None);
    assert_eq!(
        entries[0].after.as_ref().unwrap()["email"],
        "thanhtra@camau.gov.vn"
    );
    assert_eq!(entries[0].after.as_ref().unwrap()["role"], "inspector");

    // A password change: audited, other sessions end, this one stays.
    let mut elsewhere = Browser::new(&app);
    elsewhere.sign_in("admin@camau.gov.vn", PASSWORD).await;
    let csrf = browser.csrf("/account/password").await;
    let wrong = browser
        .post(
            "/account/password",
            &[
                ("current", "sai"),
                ("new", "mật khẩu mới đủ dài"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(wrong.body.contains("Mật khẩu hiện tại không đúng."));
    let changed = browser
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "mật khẩu mới đủ dài"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.body.contains("Đã đổi mật khẩu."));
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert_eq!(location(&elsewhere.get("/").await), "/login");
    let change = app
        .state
        .store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::UserPassword),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    assert_eq!(change.len(), 1);
    assert_ne!(
        change[0].before.as_ref().unwrap()["updated_at"],
        change[0].after.as_ref().unwrap()["updated_at"]
    );
    let again = Browser::new(&app)
        .sign_in("admin@camau.gov.vn", "mật khẩu mới đủ dài")
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);

    // The audit page finds them by action and pages.
    let page = browser.get("/admin/audit?action=user.password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("user.password") && !page.body.contains("<strong>user.create"));
    let bad_date = browser.get("/admin/audit?from=hôm-qua").await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    assert!(bad_date.body.contains("Từ ngày: giá trị không hợp lệ."));
}

#[tokio::test]
async fn the_language_comes_from_the_cookie_then_accept_language() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app);
    let vietnamese = browser.get("/login").await;
    assert!(vietnamese.body.contains(r#"<html lang="vi">"#));
    assert!(vietnamese.body.contains("Nguồn — Truy xuất nguồn gốc"));
    assert!(vietnamese.body.contains("<h1>Đăng nhập</h1>"));

    browser.accept_language = Some("en-GB,en;q=0.9,vi;q=0.5");
    let english = browser.get("/login").await;
    assert!(english.body.contains(r#"<html lang="en">"#));
    assert!(english.body.contains("<h1>Sign in</h1>"));

    let switched = browser.get("/lang/vi?back=/login").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&switched), "/login");
    assert_eq!(browser.cookie("lang").as_deref(), Some("vi"));
    assert!(
        browser
            .get("/login")
            .await
            .body
            .contains("<h1>Đăng nhập</h1>"),
        "the cookie wins"
    );

    let away = browser.get("/lang/en?back=//evil.example/").await;
    assert_eq!(location(&away), "/", "only paths on this site");
}

#[tokio::test]
async fn the_stylesheet_is_cached_for_good_under_its_hashed_name() {
    let app = TestApp::new().await;
    let page = app
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let start = page.body.find("/static/app.").expect("a stylesheet link");
    let end = start + page.body[start..].find('"').unwrap();
    let url = &page.body[start..end];
    let css = app
        .send(Request::get(url).body(Body::empty()).unwrap())
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let stale = app
        .send(
            Request::get("/static/app.000000000000.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_ends_at_its_expiry_and_after_its_idle_time() {
    for (lifetime, idle) in [
        (time::Duration::milliseconds(300), time::Duration::hours(1)),
        (time::Duration::hours(1), time::Duration::milliseconds(300)),
    ] {
        let mut app = TestApp::new().await;
        let settings = Arc::get_mut(&mut app.state.ui).unwrap();
        settings.session_lifetime = lifetime;
        settings.idle_timeout = idle;
        user(&app, "hoa@camau.gov.vn", Role::Inspector, None).await;
        let mut browser = Browser::new(&app);
        browser.sign_in("hoa@camau.gov.vn", PASSWORD).await;
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let late = browser.get("/").await;
        assert_eq!(
            location(&late),
            "/login",
            "lifetime {lifetime}, idle {idle}"
        );
    }
}

#[tokio::test]
async fn the_audit_log_pages_newest_first_and_keeps_its_filters() {
    let app = TestApp::new().await;
    let admin = user(&app, "admin@camau.gov.vn", Role::ProvinceAdmin, None).await;
    // Sessions are cheap audit rows: 60 sign-ins of the admin, straight through the store.
    for n in 0..60u8 {
        app.state
            .store
            .create_session(&nguon_domain::NewSession {
                user: admin.id,
                token_hash: [n; 32],
                csrf_token: "t".repeat(64),
                expires_at: nguon_store::now_utc() + time::Duration::hours(1),
            })
            .await
            .unwrap();
    }
    let mut browser = Browser::new(&app);
    browser.sign_in("admin@camau.gov.vn", PASSWORD).await;
    let first = browser.get("/admin/audit?action=session.create").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first
            .body
            .matches("<strong>session.create</strong>")
            .count(),
        50
    );
    assert!(
        first.body.contains("admin@camau.gov.vn"),
        "actors by address"
    );
    let start = first
        .body
        .find("/admin/audit?action=session.create&#38;before=")
        .expect("a next link that keeps the filter");
    let end = start + first.body[start..].find('"').unwrap();
    let next = first.body[start..end].replace("&#38;", "&");
    let second = browser.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    // 60 from the store and one by the sign-in above.
    assert_eq!(
        second
            .body
            .matches("<strong>session.create</strong>")
            .count(),
        11
    );
    assert!(
        !second.body.contains("before="),
        "the last page has no next link"
    );
}
