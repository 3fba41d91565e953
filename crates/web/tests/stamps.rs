//! Lot-bound stamps through the real router over a real SQLite store: the processor prints a run
//! of its frozen shrimp lot and downloads the sheet; the lot's cap refuses more with the
//! remaining count; another organisation may not print the lot; a stamp's QR code, decoded from
//! the rendered PNG with a real decoder, resolves to the public page, which tells a genuine
//! active stamp from one not yet activated, a forged serial and a deactivated run (410).

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use nguon_domain::{
    Actor, ApiKeyScope, ApprovalStatus, IdentifierRole, NetContent, ProductDetails,
    ProductGroupCode, RecordName, Role, ScanThresholds, StampRunId,
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
    scan_from(app, path, None, &[]).await
}

/// A scan of `path` over a connection from `peer`, with extra headers.
async fn scan_from(
    app: &TestApp,
    path: &str,
    peer: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder()
        .uri(path)
        .header("host", "localhost:8080")
        .header("accept", "text/html")
        .header("accept-language", "vi");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        let peer: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
    }
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

/// The proxy in front of the server in the signals test.
const PROXY: &str = "10.0.0.2:443";

#[tokio::test]
async fn scans_become_counterfeit_signals_for_the_maker_and_the_province() {
    let (base, [_, farm, processor]) = app().await;
    let app = base.with_state(|state| {
        let mut resolver = (*state.resolver).clone();
        resolver.trusted_proxies = vec!["10.0.0.2".parse().unwrap()];
        resolver.scan_thresholds = ScanThresholds {
            copied_after: 5,
            spread_days: 180,
            spread_places: 1,
        };
        state.resolver = std::sync::Arc::new(resolver);
    });
    let mut staff = signed_in(&app, "in.tem@caumau.vn", processor).await;
    let printed = print(&mut staff, "10").await;
    let id = StampRunId::parse(location(&printed).trim_start_matches("/stamps/")).unwrap();
    let run = app.state.store.stamp_run(id).await.unwrap();
    let public = |sequence| format!("/p/01/{GTIN}/10/{LOT}/21/{}", run.serial(sequence));

    // Before activation, then active: one scan each, from Vietnam through the proxy.
    let via_proxy = |country| {
        [
            ("x-forwarded-for", "203.0.113.7"),
            ("cf-ipcountry", country),
        ]
    };
    scan_from(&app, &public(1), Some(PROXY), &via_proxy("VN")).await;
    let csrf = staff.csrf("/stamps").await;
    let activated = staff
        .post(&format!("/stamps/{id}/activate"), &[("csrf", &csrf)])
        .await;
    assert_eq!(activated.status, StatusCode::SEE_OTHER);
    let home = scan_from(&app, &public(1), Some(PROXY), &via_proxy("VN")).await;
    assert!(home.body.contains("Tem chính hãng"), "{}", home.body);
    // A client that writes its own country header is not believed: still one place.
    let direct = scan_from(
        &app,
        &public(1),
        Some("203.0.113.9:5000"),
        &[("cf-ipcountry", "JP")],
    )
    .await;
    assert!(direct.body.contains("Tem chính hãng"), "{}", direct.body);
    // The same stamp scanned from a second country is more places than one pack goes.
    let abroad = scan_from(&app, &public(1), Some(PROXY), &via_proxy("US")).await;
    assert!(abroad.body.contains("ở nhiều nơi"), "{}", abroad.body);
    assert!(!abroad.body.contains("Tem chính hãng"), "{}", abroad.body);
    // Another stamp scanned six times is over the threshold of five.
    let mut last = String::new();
    for _ in 0..6 {
        last = scan(&app, &public(2)).await.body;
    }
    assert!(last.contains("đã được quét 6 lần"), "{last}");
    // A serial in no run of the lot, and one stamp's serial printed under another lot.
    scan(&app, &format!("/p/01/{GTIN}/10/{LOT}/21/000001-AAAA")).await;
    scan(&app, &format!("/p/01/{GTIN}/10/F9/21/{}", run.serial(3))).await;
    scan(&app, &format!("/p/01/{GTIN}/10/{LOT}/21/{}", run.serial(3))).await;

    // The maker's page lists each doubted code with its reasons.
    let page = staff.get("/stamps/scans?days=30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for expected in [
        "1 lượt quét khi đợt in tem chưa được kích hoạt",
        "quét từ 2 nơi, vượt ngưỡng 1",
        "quét 6 lần, vượt ngưỡng 5",
        "1 lượt quét số sê-ri không có trong đợt in nào của lô",
        "cùng số sê-ri xuất hiện với nhiều lô: F7, F9",
        &format!("(01){GTIN}(10){LOT}(21){}", run.serial(1)),
        "13 lượt quét trong 30 ngày qua; 5 mã có dấu hiệu đáng ngờ.",
    ] {
        assert!(
            page.body.contains(expected),
            "{expected:?} not in\n{}",
            page.body
        );
    }
    assert!(
        staff
            .get("/stamps")
            .await
            .body
            .contains(r#"href="/stamps/scans""#)
    );
    // Another organisation sees none of it.
    let mut farmer = signed_in(&app, "nong.dan@tanhung.vn", farm).await;
    let theirs = farmer.get("/stamps/scans").await;
    assert!(
        theirs.body.contains("0 lượt quét trong 90 ngày qua"),
        "{}",
        theirs.body
    );

    // By API: the province reads every organisation's signals; an organisation only its own.
    let province = app.key(ApiKeyScope::Province).await;
    let report = app.get(&province, "/api/v1/scans?days=30", &[]).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report: serde_json::Value = serde_json::from_str(&report.body).unwrap();
    assert_eq!(report["scans"], 13);
    assert_eq!(report["thresholds"]["copied_after"], 5);
    let first = report["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["serial"] == run.serial(1))
        .unwrap();
    let signals: Vec<&str> = first["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signal"].as_str().unwrap())
        .collect();
    assert_eq!(signals, ["before_activation", "spread_in_place"]);
    assert_eq!(
        (first["places"].as_u64(), first["clients"].as_u64()),
        (Some(2), Some(2))
    );
    let farm_key = app.key(ApiKeyScope::Organisation(farm)).await;
    let none = app.get(&farm_key, "/api/v1/scans", &[]).await;
    let none: serde_json::Value = serde_json::from_str(&none.body).unwrap();
    assert_eq!(
        (
            none["scans"].as_u64(),
            none["flagged"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let bad = app.get(&province, "/api/v1/scans?days=0", &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("days"), "{}", bad.body);
}
