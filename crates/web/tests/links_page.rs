//! `/links`: an organisation's users add the links a scan of their codes leads to, with field
//! errors in the user's language for a bad address, a code of someone else or a second
//! default; the resolver then follows them; other organisations neither see nor remove them;
//! the province reads them all and its admin removes any.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{Actor, Role};
use nguon_gs1::CompanyPrefix;
use support::TestApp;
use support::portal::{Browser, PASSWORD, location, user};

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

#[tokio::test]
async fn an_organisation_manages_where_its_codes_lead_in_the_portal() {
    let app = TestApp::new().await;
    let (farm, _) = app
        .named_organisation("HTX Tôm Vĩnh Hậu", "0300000061")
        .await;
    let (other, _) = app
        .named_organisation("Công ty Cua Năm Căn", "0300000062")
        .await;
    for (organisation, prefix) in [(farm, "8934673"), (other, "8931234")] {
        app.state
            .store
            .add_company_prefix(
                organisation,
                &CompanyPrefix::parse(prefix).unwrap(),
                Actor::Cli,
            )
            .await
            .unwrap();
    }
    user(&app, "nhatky@tomvinhhau.vn", Role::OrgStaff, Some(farm)).await;
    user(&app, "quanly@cua.vn", Role::OrgAdmin, Some(other)).await;
    user(&app, "thanhtra@camau.gov.vn", Role::Inspector, None).await;
    user(&app, "quantri@camau.gov.vn", Role::ProvinceAdmin, None).await;
    let mut staff = signed_in(&app, "nhatky@tomvinhhau.vn").await;
    let page = staff.get("/links").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Chưa có liên kết nào."), "{}", page.body);
    let csrf = staff.csrf("/links").await;
    let add = |identifier: &'static str, href: &'static str, default: bool| {
        let csrf = csrf.clone();
        let mut fields = vec![
            ("identifier", identifier),
            ("link_type", "gs1:certificationInfo"),
            ("href", href),
            ("title", "Chứng nhận VietGAP"),
            ("hreflang", "vi"),
        ];
        if default {
            fields.push(("default", "on"));
        }
        (csrf, fields)
    };

    // A bad address, and a code under another organisation's prefix: refused beside the field.
    let (csrf_value, mut fields) = add("/01/08934673000017", "ftp://x", true);
    fields.push(("csrf", &csrf_value));
    let refused = staff.post("/links", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="href-error""#));
    assert!(refused.body.contains("phải bắt đầu bằng https://"));
    assert!(
        refused.body.contains(r#"value="/01/08934673000017""#),
        "kept"
    );
    let (csrf_value, mut fields) = add("/01/08931234000011", "https://cua.example", false);
    fields.push(("csrf", &csrf_value));
    let theirs = staff.post("/links", &fields).await;
    assert_eq!(theirs.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        theirs.body.contains("không thuộc tiền tố GS1"),
        "{}",
        theirs.body
    );

    // Its own GTIN: stored, listed, and a scan without a link type goes there.
    let (csrf_value, mut fields) = add("/01/08934673000017", "https://vietgap.example/42", true);
    fields.push(("csrf", &csrf_value));
    let added = staff.post("/links", &fields).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(location(&added), "/links");
    let page = staff.get("/links").await;
    assert!(page.body.contains("https://vietgap.example/42") && page.body.contains("(mặc định)"));
    let scan = app
        .send(
            Request::get("/01/08934673000017")
                .header("host", "resolver.test")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(scan.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(scan.header("location"), Some("https://vietgap.example/42"));

    // A second default for the same code is refused with the reason.
    let (csrf_value, mut fields) = add("/01/08934673000017", "https://vietgap.example/43", true);
    fields.push(("csrf", &csrf_value));
    let second = staff.post("/links", &fields).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(
        second.body.contains("đã có liên kết mặc định"),
        "{}",
        second.body
    );

    let stored = app
        .state
        .store
        .list_resolver_links(Some(farm))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    let id = stored[0].id;

    // The other organisation neither sees nor removes it; the inspector sees it, cannot remove.
    let mut crab = signed_in(&app, "quanly@cua.vn").await;
    assert!(!crab.get("/links").await.body.contains("vietgap.example"));
    let crab_csrf = crab.csrf("/links").await;
    let removal = crab
        .post(&format!("/links/{id}/remove"), &[("csrf", &crab_csrf)])
        .await;
    assert_eq!(removal.status, StatusCode::NOT_FOUND);
    let mut inspector = signed_in(&app, "thanhtra@camau.gov.vn").await;
    let all = inspector.get("/links").await;
    assert!(all.body.contains("vietgap.example/42") && !all.body.contains("links/"));
    let inspector_csrf = inspector.csrf("/links").await;
    let removal = inspector
        .post(&format!("/links/{id}/remove"), &[("csrf", &inspector_csrf)])
        .await;
    assert_eq!(removal.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.state
            .store
            .list_resolver_links(None)
            .await
            .unwrap()
            .len(),
        1
    );

    // The farm's own staff removes it; the scan falls back to nothing linked.
    let removed = staff
        .post(&format!("/links/{id}/remove"), &[("csrf", &csrf)])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(
        app.state
            .store
            .list_resolver_links(None)
            .await
            .unwrap()
            .is_empty()
    );
}
