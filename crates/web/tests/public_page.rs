//! The public page a scan opens, through the real router over a real SQLite store, signed out:
//! the TT 02/2024 items with every stage of a shrimp chain in time order, the origin map, the
//! certificates marked verified or self-declared, both languages, Open Graph tags, a household's
//! name masked, a recall notice, escaped organisation text, and the right status for codes that
//! cannot be read, are unknown or were suspended. The resolver's default link leads here.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{
    Actor, Address, AdminUnits, ApiKeyScope, ApprovalStatus, Certificate, CertificateKind,
    CommuneCode, FacilityDetails, FacilityKind, GeoPoint, Geometry, Image, NewOrganisation,
    OrganisationKind, OrganisationName, ProductDetails, ProductGroupCode, RecordName, TaxCode,
};
use nguon_gs1::{Gln, Gtin};
use nguon_store::Registry;
use serde_json::json;
use support::chain::{FARM_NAME, HATCHERY_NAME, POND_PLACE, PROCESSOR_NAME, shrimp_chain};
use support::{Reply, TestApp};
use tower::ServiceExt;

/// The frozen shrimp's GTIN and the page of its lot F7.
const FROZEN_GTIN: &str = "08931234560034";
const FROZEN_PAGE: &str = "/p/01/08931234560034/10/F7";
/// The pond's GLN, as the chain records it.
const POND_GLN: &str = "8931234560027";
/// A tiny PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
/// A commune of Cà Mau: Phường Bạc Liêu, named "Bạc Liêu" in the catalogue.
const COMMUNE: &str = "31825";

/// A signed-out request, as a phone's browser sends it.
async fn scan(app: &TestApp, path: &str, language: &str) -> Reply {
    let request = Request::builder()
        .uri(path)
        .header("host", "truyxuat.test")
        .header("accept", "text/html")
        .header("accept-language", language)
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

/// The position of `needle` in `body`; fails naming it when it is missing.
fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page:\n{body}"))
}

fn address(street: &str) -> Address {
    Address::new(
        AdminUnits::embedded(),
        street,
        CommuneCode::parse(COMMUNE).unwrap(),
    )
    .unwrap()
}

/// The shrimp chain, with the processor's product registered (image, brand, standards, shelf
/// life) and the pond registered as a facility with its outline and two certificates.
async fn app() -> TestApp {
    let app = TestApp::new().await;
    let [_, farm, processor] = shrimp_chain(&app).await;
    let store = &app.state.store;
    let image = store
        .store_image(processor, &Image::parse(PNG.to_vec()).unwrap(), Actor::Cli)
        .await
        .unwrap();
    let mut product = ProductDetails::new(
        Gtin::parse(FROZEN_GTIN).unwrap(),
        RecordName::parse("name", "Tôm sú đông lạnh").unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    product.name_en = Some(RecordName::parse("name", "Frozen black tiger shrimp").unwrap());
    product.brand = Some("Sông Đốc <b>Gold</b>".to_owned());
    product.standards = nguon_domain::StandardRef::parse_list("TCVN 5289:2006").unwrap();
    product.shelf_life_days = Some(540);
    product.images = vec![image];
    store
        .register(
            Some(processor),
            &product,
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let mut pond = FacilityDetails::new(
        FacilityKind::parse("pond").unwrap(),
        RecordName::parse("name", POND_PLACE).unwrap(),
        Gln::parse(POND_GLN).unwrap(),
    );
    let corner = |lat, lon| GeoPoint::new(lat, lon).unwrap();
    pond.geometry = Some(
        Geometry::polygon(vec![
            corner(9.1801, 105.1501),
            corner(9.1801, 105.1521),
            corner(9.1815, 105.1521),
            corner(9.1815, 105.1501),
        ])
        .unwrap(),
    );
    let date = |d: &str| {
        time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE).unwrap()
    };
    pond.certificates = vec![
        Certificate::new(
            CertificateKind::VietGap,
            "VG-2025-0117",
            "Chi cục Thủy sản Cà Mau",
            date("2025-06-01"),
            Some(date("2028-06-01")),
            true,
        )
        .unwrap(),
        Certificate::new(
            CertificateKind::Asc,
            "ASC-C-0099",
            "Control Union",
            date("2023-01-01"),
            Some(date("2024-01-01")),
            false,
        )
        .unwrap(),
    ];
    store
        .register(Some(farm), &pond, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    store
        .set_organisation_address(
            processor,
            Some(&address("Khóm 3, đường Trần Hưng Đạo")),
            Actor::Cli,
        )
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn a_scan_shows_the_product_its_producer_and_every_stage_in_order() {
    let app = app().await;
    let reply = scan(&app, FROZEN_PAGE, "vi-VN,vi;q=0.9,en;q=0.5").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("content-language"), Some("vi"));
    let body = &reply.body;
    assert!(body.contains(r#"<html lang="vi">"#));
    // Signed out, and light: no script, well under 100 KB.
    assert!(!body.contains("<script"), "no script on the public page");
    assert!(body.len() < 100 * 1024, "{} bytes", body.len());
    assert!(!body.contains("/logout"));

    // The TT 02/2024 items.
    for needle in [
        "<h1>Tôm sú đông lạnh</h1>",
        PROCESSOR_NAME,
        "Khóm 3, đường Trần Hưng Đạo, Bạc Liêu, Cà Mau",
        "TCVN 5289:2006",
        "<strong>F7</strong>",
        "<strong>08931234560034</strong>",
        "(01)08931234560034(10)F7",
        // Produced when the lot was made (3 January, 12:00); 540 days of shelf life.
        "03/01/2026 12:00",
        "27/06/2027",
    ] {
        position(body, needle);
    }
    // Organisation text is escaped.
    assert!(
        body.contains("Sông Đốc &#60;b&#62;Gold&#60;/b&#62;")
            || body.contains("Sông Đốc &lt;b&gt;Gold&lt;/b&gt;"),
        "{body}"
    );
    assert!(!body.contains("<b>Gold</b>"));

    // Every stage, oldest first, with organisation, place, product code and location code.
    let journey =
        &body[position(body, "Hành trình sản phẩm")..position(body, "Bản đồ vùng nguồn gốc")];
    let stages: Vec<&str> = journey.split("<li>").skip(1).collect();
    let expected: [&[&str]; 8] = [
        &[
            "01/01/2026 08:00",
            "Khởi tạo",
            HATCHERY_NAME,
            "Lô PL7",
            "8931234560010",
        ],
        &["01/01/2026 09:00", "Xuất hàng", HATCHERY_NAME],
        &[
            "01/01/2026 14:00",
            "Nhận hàng",
            FARM_NAME,
            POND_PLACE,
            "8931234560027",
        ],
        &["01/01/2026 15:00", FARM_NAME, "Lô AO7"],
        &["03/01/2026 06:00", "Xuất hàng", FARM_NAME, "1.800 kg"],
        &["03/01/2026 10:00", "Nhận hàng", PROCESSOR_NAME, "1.788 kg"],
        &["03/01/2026 12:00", PROCESSOR_NAME, "Lô F7"],
        &["03/01/2026 13:00", "Đóng gói", PROCESSOR_NAME],
    ];
    assert_eq!(stages.len(), expected.len(), "{journey}");
    for (stage, wanted) in stages.iter().zip(expected) {
        for needle in wanted {
            assert!(stage.contains(needle), "{needle:?} not in stage {stage}");
        }
    }

    // The pond on the map, drawn here, and its certificates marked.
    let map = &body[position(body, "Bản đồ vùng nguồn gốc")..];
    assert!(map.contains("<svg class=\"origin-map\""));
    assert!(map.contains("<polygon"));
    assert!(map.contains("geo:9.18"));
    assert!(!body.contains("tile"), "no map tiles");
    position(
        body,
        "Đã xác minh</span>\n    <strong>VietGAP</strong> VG-2025-0117",
    );
    position(
        body,
        "Tự công bố</span>\n    <strong>ASC</strong> ASC-C-0099",
    );
    position(body, "đã hết hạn ngày 01/01/2024");

    // Open Graph: the shared link previews with the product, its picture and this page.
    for needle in [
        r#"<meta property="og:title" content="Tôm sú đông lạnh">"#,
        r#"<meta property="og:url" content="http://truyxuat.test/p/01/08931234560034/10/F7">"#,
        r#"<meta property="og:image" content="http://truyxuat.test/media/"#,
        r#"<meta property="og:locale" content="vi_VN">"#,
    ] {
        position(body, needle);
    }
}

#[tokio::test]
async fn english_comes_from_the_browser_or_the_switch() {
    let app = app().await;
    let reply = scan(&app, FROZEN_PAGE, "en-GB,en;q=0.9").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-language"), Some("en"));
    assert!(reply.header("vary").unwrap().contains("Accept-Language"));
    for needle in [
        "<h1>Frozen black tiger shrimp</h1>",
        "Producer",
        "The product&#39;s journey",
        "Verified",
        "Self-declared",
        r#"href="/lang/vi?back=/p/01/08931234560034/10/F7""#,
    ] {
        assert!(
            reply.body.contains(needle) || reply.body.contains(&needle.replace("&#39;", "'")),
            "{needle:?} not in\n{}",
            reply.body
        );
    }
}

#[tokio::test]
async fn a_recalled_lot_says_so_first() {
    let app = app().await;
    let province = app.key(ApiKeyScope::Province).await;
    let raised = app
        .post_json(
            &province,
            "/api/v1/recalls",
            &json!({"identifier": "(01)08931234560027(10)AO7", "reason": "Dư lượng kháng sinh vượt mức"}),
        )
        .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    let reply = scan(&app, FROZEN_PAGE, "vi").await;
    assert_eq!(reply.status, StatusCode::OK);
    let notice = position(&reply.body, "Cảnh báo thu hồi");
    assert!(
        notice < position(&reply.body, "<h1>"),
        "the notice comes first"
    );
    position(&reply.body, "Dư lượng kháng sinh vượt mức");
}

#[tokio::test]
async fn a_household_producer_is_shown_by_initials_and_commune() {
    let app = TestApp::new().await;
    let store = &app.state.store;
    let household = store
        .create_organisation(
            &NewOrganisation::new(
                OrganisationKind::Household,
                OrganisationName::parse("Hộ bà Lê Thị Muối").unwrap(),
                TaxCode::parse("096085001234").unwrap(),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    store
        .set_organisation_address(
            household.id,
            Some(&address("Ấp 4, nhà bà Muối")),
            Actor::Cli,
        )
        .await
        .unwrap();
    let key = app.key(ApiKeyScope::Organisation(household.id)).await;
    let product = ProductDetails::new(
        Gtin::parse("08931234560058").unwrap(),
        RecordName::parse("name", "Muối hạt Bạc Liêu").unwrap(),
        ProductGroupCode::parse("muoi").unwrap(),
    );
    store
        .register(
            Some(household.id),
            &product,
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let event = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "ObjectEvent",
        "eventTime": "2026-02-01T07:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "quantityList": [{"epcClass": "https://id.gs1.org/01/08931234560058/10/M1", "quantity": 500.0, "uom": "KGM"}],
    });
    let created = app.post_json(&key, "/epcis/events", &event).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let reply = scan(&app, "/p/01/08931234560058/10/M1", "vi").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    position(&reply.body, "Hộ bà L. T. M.");
    position(&reply.body, "<dd>Bạc Liêu, Cà Mau</dd>");
    for personal in ["Lê Thị Muối", "nhà bà Muối", "096085001234"] {
        assert!(!reply.body.contains(personal), "{personal} is on the page");
    }
}

#[tokio::test]
async fn codes_without_a_page_answer_with_their_status_and_a_page() {
    let app = app().await;
    let cases = [
        (
            "/p/01/08931234560034/10/NOPE",
            StatusCode::NOT_FOUND,
            "chưa có dữ liệu truy xuất",
        ),
        (
            "/p/01/08931234560041",
            StatusCode::NOT_FOUND,
            "chưa được đăng ký",
        ),
        (
            "/p/01/123",
            StatusCode::BAD_REQUEST,
            "không phải mã GS1 hợp lệ",
        ),
        (
            "/p/01/08931234560035/10/F7",
            StatusCode::BAD_REQUEST,
            "không phải mã GS1 hợp lệ",
        ),
        (
            "/p/414/8931234560027",
            StatusCode::NOT_FOUND,
            "không phải mã sản phẩm",
        ),
        (
            "/p/01/08931234560034/10/%3Cscript%3E",
            StatusCode::NOT_FOUND,
            "&#60;script&#62;",
        ),
    ];
    for (path, status, message) in cases {
        let reply = scan(&app, path, "vi").await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        assert!(
            reply.body.contains(message)
                || reply
                    .body
                    .contains(&message.replace("&#60;", "&lt;").replace("&#62;", "&gt;")),
            "{path}: {message:?} not in\n{}",
            reply.body
        );
        assert!(!reply.body.contains("<script>"), "{path}");
        assert!(
            reply.body.contains("<html lang=\"vi\">"),
            "{path}: a whole page"
        );
    }
    // Every scan of a GTIN code is logged, registered or not: the unknown GTIN had one before.
    let again = nguon_domain::NewScan {
        scanned_at: time::OffsetDateTime::now_utc(),
        gtin: Gtin::parse("08931234560041").unwrap(),
        lot: None,
        serial: None,
        place: None,
        device: nguon_domain::DeviceKind::Unknown,
        client: None,
        verdict: None,
        organisation: None,
        recalled: false,
    };
    app.state.store.record_scan(&again).await.unwrap();
    // A GTIN's view is written after its answer: the report waits for it, a bare read may not.
    app.state.scan_log.flush().await;
    let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let tallies = app.state.store.scan_tallies(None, since).await.unwrap();
    let unknown = tallies.iter().find(|t| t.gtin == "08931234560041").unwrap();
    assert_eq!(unknown.scans, 2);
    // The registered product is named on its unknown lot's page.
    let unknown_lot = scan(&app, "/p/01/08931234560034/10/NOPE", "vi").await;
    position(&unknown_lot.body, "Tôm sú đông lạnh");

    // Suspended by the province: gone, and the page says not to trust the label.
    let product = app
        .state
        .store
        .find::<ProductDetails>(FROZEN_GTIN)
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .set_record_status(
            nguon_domain::RegistryKind::Product,
            product.id,
            ApprovalStatus::Suspended,
            Actor::Cli,
        )
        .await
        .unwrap();
    let gone = scan(&app, FROZEN_PAGE, "vi").await;
    assert_eq!(gone.status, StatusCode::GONE, "{}", gone.body);
    position(&gone.body, "Không nên tin thông tin in trên tem");
}

#[tokio::test]
async fn a_cached_chain_serves_scans_for_its_time_and_each_scan_is_still_logged() {
    let fresh = app().await;
    let cached = fresh.with_state(|state| {
        *state = state
            .clone()
            .with_cache_ttl(std::time::Duration::from_secs(600));
    });
    let first = scan(&cached, FROZEN_PAGE, "vi").await;
    assert_eq!(first.status, StatusCode::OK);
    let english = scan(&cached, FROZEN_PAGE, "en").await;
    position(&english.body, "Frozen black tiger shrimp");
    let resolved = scan(&cached, "/01/08931234560034/10/F7", "vi").await;
    assert_eq!(resolved.status, StatusCode::TEMPORARY_REDIRECT);
    // Suspended meanwhile: the cache answers with the page read before, a fresh read with 410.
    let product = fresh
        .state
        .store
        .find::<ProductDetails>(FROZEN_GTIN)
        .await
        .unwrap()
        .unwrap();
    fresh
        .state
        .store
        .set_record_status(
            nguon_domain::RegistryKind::Product,
            product.id,
            ApprovalStatus::Suspended,
            Actor::Cli,
        )
        .await
        .unwrap();
    let again = scan(&cached, FROZEN_PAGE, "vi").await;
    assert_eq!(
        (again.status, again.body.len()),
        (first.status, first.body.len())
    );
    assert_eq!(
        scan(&fresh, FROZEN_PAGE, "vi").await.status,
        StatusCode::GONE
    );
    // The resolver's links are kept as long: the suspended product still resolves there.
    let resolved = scan(&cached, "/01/08931234560034/10/F7", "vi").await;
    assert_eq!(resolved.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        scan(&fresh, "/01/08931234560034/10/F7", "vi").await.status,
        StatusCode::NOT_FOUND
    );
    // Views at once share the page's rendered bytes and the scan log's batches.
    let rush =
        futures_util::future::join_all((0..40).map(|_| scan(&cached, FROZEN_PAGE, "vi"))).await;
    assert!(rush.iter().all(|view| view.body == again.body));
    // A browser that takes gzip gets the same page gzipped, and each language its own.
    let request = Request::builder()
        .uri(FROZEN_PAGE)
        .header("host", "truyxuat.test")
        .header("accept", "text/html")
        .header("accept-encoding", "gzip, deflate, br")
        .header("accept-language", "vi")
        .body(Body::empty())
        .unwrap();
    let response = nguon_web::router(cached.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert!(
        response.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Accept-Encoding")
    );
    let gzipped = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let mut unzipped = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&gzipped[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, again.body);
    assert!(
        gzipped.len() * 3 < unzipped.len(),
        "{} bytes",
        gzipped.len()
    );
    // Every scan was logged, cached or not: 44 through the cache, one fresh.
    fresh.state.scan_log.flush().await;
    let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let tallies = fresh.state.store.scan_tallies(None, since).await.unwrap();
    let lot = tallies
        .iter()
        .find(|t| t.lot.as_deref() == Some("F7") && t.serial.is_none())
        .unwrap();
    assert_eq!(lot.scans, 45, "{tallies:?}");
}

#[tokio::test]
async fn the_resolver_sends_a_browser_to_the_public_page() {
    let app = app().await;
    let reply = scan(&app, "/01/08931234560034/10/F7", "vi").await;
    assert_eq!(
        reply.status,
        StatusCode::TEMPORARY_REDIRECT,
        "{}",
        reply.body
    );
    let location = reply.header("location").unwrap().to_owned();
    assert_eq!(location, "http://truyxuat.test/p/01/08931234560034/10/F7");
    let page = scan(
        &app,
        location.trim_start_matches("http://truyxuat.test"),
        "vi",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn the_province_signing_key_is_published_and_its_fingerprint_is_on_the_page() {
    let without = app().await;
    let reply = scan(&without, "/.well-known/nguon-signing-key", "vi").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = scan(&without, FROZEN_PAGE, "vi").await;
    assert!(!reply.body.contains("signing-key"), "{}", reply.body);

    let dir = tempfile::tempdir().unwrap();
    let (key, _) = nguon_integrity::ProvinceKey::load_or_create(&dir.path().join("k")).unwrap();
    let public = key.public();
    let app = without.with_state(|state| state.signing_key = Some(public));
    let reply = scan(&app, "/.well-known/nguon-signing-key", "vi").await;
    assert_eq!(reply.status, StatusCode::OK);
    let published = reply.json();
    assert_eq!(published["algorithm"], "Ed25519");
    assert_eq!(published["publicKey"], public.to_hex());
    assert_eq!(published["fingerprint"], public.fingerprint());
    assert!(
        published["signedMessage"]
            .as_str()
            .unwrap()
            .starts_with("nguon-checkpoint-v1\norganisation ")
    );
    for (language, words) in [
        ("vi", "chữ ký số của tỉnh"),
        ("en", "the province&#39;s digital signature"),
    ] {
        let reply = scan(&app, FROZEN_PAGE, language).await;
        let footer = &reply.body[position(&reply.body, r#"id="signing-key""#)..];
        for needle in [
            words,
            r#"href="/.well-known/nguon-signing-key""#,
            &public.fingerprint(),
        ] {
            assert!(footer.contains(needle), "{needle:?} not in\n{footer}");
        }
    }
}
