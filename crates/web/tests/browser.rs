//! The portal in a real browser: headless Chromium driven through a local chromedriver over
//! WebDriver, against the real server on a random port over a temporary SQLite store. A farm
//! worker signs in through the form, switches to Vietnamese, searches a lot on `/trace`,
//! follows its one-step-back link and reads the page as shown; another records a harvest
//! through the diary form, opens the harvested lot's chain and cannot open another
//! organisation's lot; the province admin then approves a pending organisation.
//!
//! Without chromedriver the test says `SKIPPED` and passes, except in CI (`CI=true`), where the
//! browser tests are mandatory and a missing driver fails it.

mod support;

use std::time::Duration;

use fantoccini::Locator;
use nguon_domain::{Actor, ApprovalStatus, FacilityDetails, FacilityKind, RecordName, Role};
use nguon_gs1::{CompanyPrefix, Gln};
use nguon_store::Registry;
use serde_json::json;
use support::TestApp;
use support::chain::{FARM_NAME, HATCHERY_NAME, POND_PLACE, shrimp_chain};
use support::portal::user;
use support::webdriver::{ChromeDriver, click, main_text, sign_in};

#[tokio::test]
async fn a_farm_worker_signs_in_searches_a_lot_and_steps_back_to_the_hatchery() {
    let Some(driver) = ChromeDriver::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let [_, farm, _] = shrimp_chain(&app).await;
    user(&app, "nhanvien@tanhung.vn", Role::OrgStaff, Some(farm)).await;
    let base = format!("http://{}", app.serve().await);
    let browser = driver.session().await;
    sign_in(&browser, &base, "nhanvien@tanhung.vn").await;

    let home = main_text(&browser, r#"a[href="/trace"]"#).await;
    assert!(home.contains("Xin chào"), "{home}");
    click(&browser, r#"main a[href="/trace"]"#).await;
    let search = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("trace-id"))
        .await
        .unwrap();
    search.send_keys("(01)08931234560027(10)AO7").await.unwrap();
    click(&browser, "form.trace-search > button").await;

    let pond = main_text(&browser, ".subject").await;
    assert!(pond.contains("LÔ HÀNG"), "{pond}");
    assert!(pond.contains("Số lô AO7"), "{pond}");
    assert!(pond.contains("Một bước trước: nguồn cung cấp"), "{pond}");
    assert!(
        pond.contains("Xuất hàng") && pond.contains(POND_PLACE),
        "{pond}"
    );
    assert!(pond.contains("1.788 kg"), "{pond}");

    // One step back: the seed lot the pond was stocked with.
    click(&browser, ".one-step section:first-child .steps a").await;
    let seed = main_text(&browser, ".subject").await;
    assert!(seed.contains("Số lô PL7"), "{seed}");
    assert!(
        seed.contains(&format!("{HATCHERY_NAME} → {FARM_NAME}")),
        "{seed}"
    );
    assert!(
        seed.contains("Không có nguồn nào được ghi: đây là điểm khởi đầu."),
        "{seed}"
    );
    assert!(
        seed.contains("Khởi tạo") && seed.contains("200.000 con/cái"),
        "{seed}"
    );
    let url = browser.current_url().await.unwrap();
    assert!(
        url.path()
            .starts_with("/trace/https%3A%2F%2Fid.gs1.org%2F01%2F08931234560010%2F10%2FPL7"),
        "{url}"
    );
    browser.close().await.unwrap();
}

/// A crab lot of an organisation that has nothing to do with the farm, captured over the API.
const CRAB_LOT: &str = "https://id.gs1.org/01/08934674000016/10/CUA1";

/// Registers "Công ty Cua Năm Căn" and captures its crab lot.
async fn unrelated_lot(app: &TestApp) {
    let (_, key) = app
        .named_organisation("Công ty Cua Năm Căn", "0300000032")
        .await;
    let document = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-05-01T00:00:00+07:00",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent",
            "eventTime": "2026-05-01T08:00:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "quantityList": [{"epcClass": CRAB_LOT, "quantity": 120.0, "uom": "KGM"}],
        }]},
    });
    let job = app
        .capture(&key, "application/ld+json", &document.to_string(), &[])
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
}

/// The issue's browser story: a farm worker records a harvest through the diary form and sees
/// it in the lot's chain, but not another organisation's lot nor its page; then the province
/// admin approves a pending organisation from the list, through the header's navigation.
#[tokio::test]
async fn a_farm_worker_records_a_harvest_in_the_diary_and_sees_it_in_the_lots_chain() {
    let Some(driver) = ChromeDriver::start().await else {
        return;
    };
    let app = TestApp::new().await;
    let (farm, _) = app.named_organisation(FARM_NAME, "0300000031").await;
    let store = &app.state.store;
    store
        .set_organisation_status(farm, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    store
        .add_company_prefix(farm, &CompanyPrefix::parse("8931234").unwrap(), Actor::Cli)
        .await
        .unwrap();
    store
        .register(
            Some(farm),
            &FacilityDetails::new(
                FacilityKind::Pond,
                RecordName::parse("name", POND_PLACE).unwrap(),
                Gln::parse("8931234000103").unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    user(&app, "nhanvien@tanhung.vn", Role::OrgStaff, Some(farm)).await;
    unrelated_lot(&app).await;
    let (pending, _) = app
        .named_organisation("HTX Muối Đông Hải", "0300000033")
        .await;
    user(&app, "duyet@camau.gov.vn", Role::ProvinceAdmin, None).await;
    let base = format!("http://{}", app.serve().await);
    let browser = driver.session().await;
    sign_in(&browser, &base, "nhanvien@tanhung.vn").await;

    main_text(&browser, r#"a[href="/diary"]"#).await;
    click(&browser, r#"main a[href="/diary"]"#).await;
    let diary = main_text(&browser, r#"a[href="/diary/farmed-shrimp/harvest"]"#).await;
    assert!(diary.contains("Tôm nuôi"), "{diary}");
    click(&browser, r#"a[href="/diary/farmed-shrimp/harvest"]"#).await;
    let form = main_text(&browser, "form.diary-form").await;
    assert!(form.contains("Sản lượng"), "{form}");
    // The script shows the location button where the browser has geolocation.
    let locate = browser
        .find(Locator::Css("button.locate"))
        .await
        .expect("a location button");
    assert!(
        locate.is_displayed().await.unwrap(),
        "the script did not run"
    );

    let pick = |selector: &'static str, value: &'static str| {
        let browser = browser.clone();
        async move {
            browser
                .find(Locator::Css(&format!(
                    "{selector} option[value=\"{value}\"]"
                )))
                .await
                .unwrap_or_else(|e| panic!("{selector} has no {value}: {e}"))
                .click()
                .await
                .unwrap();
        }
    };
    let fill = |id: &'static str, text: &'static str| {
        let browser = browser.clone();
        async move {
            browser
                .find(Locator::Id(id))
                .await
                .unwrap_or_else(|e| panic!("no #{id}: {e}"))
                .send_keys(text)
                .await
                .unwrap();
        }
    };
    pick("#f-pond", "8931234000103").await;
    fill("f-seed_lot", "(01)08931234560010(10)PL9").await;
    fill("f-harvest_lot", "(01)08931234560027(10)AO9").await;
    fill("f-harvest_weight", "1250,5").await;
    pick("#f-aquaculture_method", "Intensive").await;
    pick("#f-production_method", "AQUACULTURE").await;
    // A date input takes the digits in the browser's locale order; the script sets it directly.
    browser
        .execute(
            "document.getElementById('f-harvest_start').value = '2026-05-04';",
            vec![],
        )
        .await
        .unwrap();
    click(&browser, r#"form.diary-form button[type="submit"]"#).await;

    let done = main_text(&browser, ".diary-lots").await;
    assert!(done.contains("Đã ghi công đoạn Thu hoạch."), "{done}");
    click(&browser, ".diary-lots li:first-child a").await;
    let lot = main_text(&browser, ".subject").await;
    assert!(lot.contains("Số lô AO9"), "{lot}");
    assert!(
        lot.contains(POND_PLACE) || lot.contains("8931234000103"),
        "{lot}"
    );
    assert!(lot.contains("1.250,5 kg"), "{lot}");

    // Another organisation's lot and page show nothing: the same answer as a code nobody has.
    browser
        .goto(&format!(
            "{base}/trace/{}",
            nguon_gs1::percent_encode(CRAB_LOT)
        ))
        .await
        .unwrap();
    let hidden = main_text(&browser, "form").await;
    assert!(
        hidden.contains("Không có sự kiện nào ghi mã này."),
        "{hidden}"
    );
    assert!(
        !hidden.contains("Cua Năm Căn") && !hidden.contains("120"),
        "{hidden}"
    );
    browser
        .goto(&format!("{base}/organisations/{pending}"))
        .await
        .unwrap();
    let hidden = main_text(&browser, "h1").await;
    assert!(hidden.contains("Không tìm thấy"), "{hidden}");
    assert!(!hidden.contains("Muối Đông Hải"), "{hidden}");

    // The province admin signs in and approves the pending organisation.
    click(&browser, r#"form[action="/logout"] button"#).await;
    sign_in(&browser, &base, "duyet@camau.gov.vn").await;
    main_text(&browser, "nav.menu").await;
    click(&browser, r#"nav.menu a[href="/organisations"]"#).await;
    main_text(&browser, "form.filters").await;
    click(&browser, r#"select[name="status"] option[value="pending"]"#).await;
    click(&browser, "form.filters button").await;
    let queue = main_text(&browser, "table.cards").await;
    assert!(queue.contains("HTX Muối Đông Hải"), "{queue}");
    assert!(!queue.contains(FARM_NAME), "the farm is approved: {queue}");
    click(&browser, &format!(r#"a[href="/organisations/{pending}"]"#)).await;
    let page = main_text(&browser, r#"button[value="approved"]"#).await;
    assert!(page.contains("Chờ duyệt"), "{page}");
    click(&browser, r#"button[value="approved"]"#).await;
    let page = main_text(&browser, r#"button[value="suspended"]"#).await;
    assert!(page.contains("Đã duyệt"), "{page}");
    assert!(page.contains("Chờ duyệt → Đã duyệt"), "{page}");
    let stored = app.state.store.organisation(pending).await.unwrap();
    assert_eq!(stored.status, ApprovalStatus::Approved);
    browser.close().await.unwrap();
}
