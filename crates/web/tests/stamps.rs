//! Lot-bound stamps through the real router over a real SQLite store: the processor prints a run
//! of its frozen shrimp lot and downloads the sheet; the lot's cap refuses more with the
//! remaining count; another organisation may not print the lot; a stamp's QR code, decoded from
//! the rendered PNG with a real decoder, resolves to the public page, which tells a genuine
//! active stamp from one not yet activated, a forged serial and a deactivated run (410).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{
    Actor, ApprovalStatus, IdentifierRole, NetContent, ProductDetails, ProductGroupCode,
    RecordName, Role, StampRunId,
};
use nguon_gs1::Gtin;
use nguon_labels::{Layout, Symbology};
use nguon_store::Registry;
use support::chain::{PROCESSOR_NAME, shrimp_chain};
use support::portal::{Browser, PASSWORD, location, user};
use support::{Reply, TestApp};

/// The frozen shrimp lot F7: 1,108 kg, packed in 100 kg bags, so it carries 11 stamps.
const GTIN: &str = "08931234560034";
const LOT: &str = "F7";

async fn app() -> (TestApp, [nguon_domain::OrganisationId; 3]) {
    let app = TestApp::new().await;
    let organisations = shrimp_chain(&app).await;
    let mut product = ProductDetails::new(
        Gtin::parse(GTIN).unwrap(),
        RecordName::parse("name", "Tôm sú đông lạnh").unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    product.net_content = Some(NetContent::parse("100", "KGM").unwrap());
    app.state
        .store
        .register(
            Some(organisations[2]),
            &product,
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    (app, organisations)
}

async fn signed_in<'a>(
    app: &'a TestApp,
    email: &str,
    organisation: nguon_domain::OrganisationId,
) -> Browser<'a> {
    user(app, email, Role::OrgStaff, Some(organisation)).await;
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

async fn print(browser: &mut Browser<'_>, count: &str) -> Reply {
    let csrf = browser.csrf("/stamps").await;
    browser
        .post(
            "/stamps",
            &[
                ("csrf", &csrf),
                ("gtin", GTIN),
                ("lot", LOT),
                ("count", count),
                ("symbology", "qr"),
                ("layout", "thermal-50x30"),
            ],
        )
        .await
}

/// A signed-out scan of `path`, as a phone sends it.
async fn scan(app: &TestApp, path: &str) -> Reply {
    let request = Request::builder()
        .uri(path)
        .header("host", "localhost:8080")
        .header("accept", "text/html")
        .header("accept-language", "vi")
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_lot_gets_no_more_stamps_than_it_carries_and_each_scan_tells_its_stamp() {
    let (app, [_, farm, processor]) = app().await;
    let mut staff = signed_in(&app, "in.tem@caumau.vn", processor).await;

    let page = staff.get("/stamps").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Chưa có đợt in tem nào."),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"href="/stamps" aria-current="page""#));

    // Ten stamps of F7, then the sheet again from the list.
    let printed = print(&mut staff, "10").await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);
    let run_page = location(&printed).to_owned();
    let id = StampRunId::parse(run_page.trim_start_matches("/stamps/")).unwrap();
    let shown = staff.get(&run_page).await;
    assert!(
        shown
            .body
            .contains(&format!(r#"href="/stamps/{id}/stamps.pdf""#))
    );
    assert!(shown.body.contains("1–10 (10, qr)"), "{}", shown.body);
    assert!(shown.body.contains("Đã in, chưa kích hoạt"));
    let sheet = staff.get(&format!("/stamps/{id}/stamps.pdf")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(sheet.header("content-type"), Some("application/pdf"));
    assert!(sheet.body.starts_with("%PDF"));

    // 1,108 kg in 100 kg bags is 11 stamps: one more may be printed, not two.
    let refused = print(&mut staff, "2").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains(
            "lô này mang được tối đa 11 tem và đã in 10, nên chỉ còn in được 1 tem; bạn yêu cầu 2."
        ),
        "{}",
        refused.body
    );
    let run = app.state.store.stamp_run(id).await.unwrap();
    assert_eq!((run.first, run.count), (1, 10), "nothing more was stored");

    // The farm did not make F7, so it may not print its stamps.
    let mut farmer = signed_in(&app, "nong.dan@tanhung.vn", farm).await;
    let foreign = print(&mut farmer, "1").await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        foreign.body.contains("do tổ chức khác sản xuất"),
        "{}",
        foreign.body
    );
    assert!(
        !farmer
            .get("/stamps")
            .await
            .body
            .contains("(01)08931234560034(10)F7")
    );
    // The province reads every organisation's runs, each named by its organisation.
    user(&app, "thanh.tra@sokhcn.camau.gov.vn", Role::Inspector, None).await;
    let mut inspector = Browser::new(&app);
    let signed = inspector
        .sign_in("thanh.tra@sokhcn.camau.gov.vn", PASSWORD)
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let all = inspector.get("/stamps").await;
    assert!(
        all.body.contains(&format!(">{PROCESSOR_NAME}</td>")) && all.body.contains("1–10 (10, qr)"),
        "{}",
        all.body
    );
    assert!(
        !all.body.contains("/activate"),
        "an inspector reads, and changes nothing"
    );

    // The first stamp's QR code, read back from its picture, is the resolver's URL of the
    // stamp; the resolver sends a browser to the public page.
    let product = app
        .state
        .store
        .find::<ProductDetails>(GTIN)
        .await
        .unwrap()
        .map(|p| p.details);
    let labels = nguon_web::stamps::labels(&app.state, &run, product.as_ref()).unwrap();
    let image = nguon_labels::png(
        &labels[0],
        Symbology::DigitalLinkQr,
        Layout::Thermal50x30,
        300,
    )
    .unwrap();
    let decoded =
        rxing::helpers::detect_in_buffer(&image, Some(rxing::BarcodeFormat::QR_CODE)).unwrap();
    let serial = run.serial(1);
    assert_eq!(
        decoded.getText(),
        format!("http://localhost:8080/01/{GTIN}/10/{LOT}/21/{serial}")
    );
    let resolved = scan(
        &app,
        decoded
            .getText()
            .trim_start_matches("http://localhost:8080"),
    )
    .await;
    assert_eq!(
        resolved.status,
        StatusCode::TEMPORARY_REDIRECT,
        "{}",
        resolved.body
    );
    let public = resolved
        .header("location")
        .unwrap()
        .trim_start_matches("http://localhost:8080")
        .to_owned();
    assert_eq!(public, format!("/p/01/{GTIN}/10/{LOT}/21/{serial}"));

    // Printed but not active: the page warns.
    let early = scan(&app, &public).await;
    assert_eq!(early.status, StatusCode::OK);
    assert!(early.body.contains("chưa được kích hoạt"), "{}", early.body);

    // Activating captures the commissioning event of every serial.
    let csrf = staff.csrf("/stamps").await;
    let activated = staff
        .post(&format!("/stamps/{id}/activate"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        activated.status,
        StatusCode::SEE_OTHER,
        "{}",
        activated.body
    );
    let stamp = format!("https://id.gs1.org/01/{GTIN}/10/{LOT}/21/{serial}");
    let events = app
        .state
        .store
        .events_with_identifier(&stamp, &[IdentifierRole::Epc], 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].event.biz_step.as_deref(),
        Some("https://ref.gs1.org/cbv/BizStep-commissioning")
    );
    assert!(events[0].event.document.contains(&run.serial(10)));
    let genuine = scan(&app, &public).await;
    assert!(
        genuine.body.contains("Tem chính hãng: tem số 1 của lô này"),
        "{}",
        genuine.body
    );

    // Scanned far more often than one pack is, the genuine serial warns of copies.
    let mut last = String::new();
    for _ in 0..30 {
        last = scan(&app, &public).await.body;
    }
    assert!(last.contains("đã được quét 32 lần"), "{last}");
    assert!(!last.contains("Tem chính hãng"), "{last}");

    // A serial with a made-up code is not among the printed ones.
    let forged = format!("/p/01/{GTIN}/10/{LOT}/21/000001-AAAA");
    assert_ne!(run.serial(1), "000001-AAAA");
    let fake = scan(&app, &forged).await;
    assert_eq!(fake.status, StatusCode::OK);
    assert!(fake.body.contains("Tem có thể là tem giả"), "{}", fake.body);

    // Deactivated: the stamp's page says it is gone.
    let csrf = staff.csrf("/stamps").await;
    let off = staff
        .post(&format!("/stamps/{id}/deactivate"), &[("csrf", &csrf)])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    let gone = scan(&app, &public).await;
    assert_eq!(gone.status, StatusCode::GONE, "{}", gone.body);
    assert!(gone.body.contains("Tem này đã bị vô hiệu hóa"));
    // And it cannot be activated again.
    let csrf = staff.csrf("/stamps").await;
    let again = staff
        .post(&format!("/stamps/{id}/activate"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body.contains("không kích hoạt lại được"),
        "{}",
        again.body
    );
}
