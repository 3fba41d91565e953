//! The import page and the export files in process: templates, CSV and XLSX files imported all
//! or nothing with a row-level report in Vietnamese and English, duplicates inside a file and
//! against the database, scoping to the user's organisation, diary events stored as EPCIS
//! events, and exported files that import again into a fresh database as the same records.

mod support;

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use nguon_domain::{
    Actor, ApprovalStatus, FacilityDetails, FacilityKind, OrganisationId, ProductDetails,
    RecordName, Role,
};
use nguon_gs1::{CompanyPrefix, Gln};
use nguon_store::{RecordQuery, Registry};
use support::portal::{Browser, PASSWORD, Part, user};
use support::{Reply, TestApp};

/// The farm's company prefix, its pond, and another farm's prefix.
const PREFIX: &str = "8931234";
const POND_GLN: &str = "8931234000103";
const OTHER_PREFIX: &str = "8939999";

/// A facilities CSV: a header with full, machine-only and Vietnamese-only names, and `rows`.
fn facilities_csv(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(
        "Loại cơ sở (kind),name,Mã GLN,\"Số nhà, ấp (street)\",commune,Tọa độ (geometry),official_code,certificates\n",
    );
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

const FIELD_A: &str = "field,Ruộng A,8931234000202,,,\"9.2851, 105.7244\",VN-BLOC-0012,viet_gap | VG-1 | QUACERT | 2025-03-01 | 2027-03-01";
const FIELD_B: &str = "pond,\"Ao số 4, khu B\",8931234000219,,,,,";
const FIELD_C: &str = "warehouse,Kho lạnh,8931234000226,,,,,";

/// An approved farm with a company prefix and a pond, and a signed-in staff member.
async fn farm(app: &TestApp, tax_code: &str, prefix: &str, email: &str) -> OrganisationId {
    let (id, _) = app.named_organisation("HTX Tân Hưng", tax_code).await;
    let store = &app.state.store;
    store
        .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    store
        .add_company_prefix(id, &CompanyPrefix::parse(prefix).unwrap(), Actor::Cli)
        .await
        .unwrap();
    user(app, email, Role::OrgStaff, Some(id)).await;
    id
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

async fn upload(
    browser: &mut Browser<'_>,
    kind: &str,
    file: &[u8],
    extra: &[(&str, &str)],
) -> Reply {
    let csrf = browser.csrf("/import").await;
    let mut parts = vec![Part::Text("csrf", &csrf), Part::Text("kind", kind)];
    parts.extend(extra.iter().map(|(n, v)| Part::Text(n, v)));
    parts.push(Part::File("file", "data", file));
    browser.post_multipart("/import", &parts).await
}

async fn facilities(app: &TestApp, owner: OrganisationId) -> Vec<FacilityDetails> {
    app.state
        .store
        .list::<FacilityDetails>(&RecordQuery {
            organisation: Some(owner),
            ..RecordQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.details)
        .collect()
}

/// The cells of the first sheet of a workbook, as text.
fn sheet(bytes: &[u8], index: usize) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook.worksheet_range_at(index).unwrap().unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn templates_carry_the_headers_an_example_and_the_rules() {
    let app = TestApp::new().await;
    farm(&app, "0300000031", PREFIX, "staff@tanhung.vn").await;
    let mut browser = signed_in(&app, "staff@tanhung.vn").await;
    let page = browser.get("/import").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Nhập và xuất dữ liệu"));
    assert!(
        page.body
            .contains(r#"href="/import/template/facilities.xlsx""#)
    );
    assert!(page.body.contains(r#"href="/export/products.csv""#));
    // An enterprise does not register organisations; it records the processing stages.
    assert!(!page.body.contains(r#"<option value="organisations""#));
    assert!(
        page.body
            .contains(r#"<option value="events/farmed-shrimp/processing""#),
        "{}",
        page.body
    );

    let csv = browser.get("/import/template/facilities.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = csv.body.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Loại cơ sở (kind),Tên cơ sở (name),Mã GLN (gln),")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("pond,Ao số 3,8935000000076,")
    );

    let xlsx = browser.get("/import/template/facilities.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.header("content-disposition")
            .unwrap()
            .contains("facilities-template.xlsx")
    );
    let data = sheet(&xlsx.bytes, 0);
    assert_eq!(data[0][1], "Tên cơ sở (name)");
    assert_eq!(data[1][0], "pond");
    let help = sheet(&xlsx.bytes, 1);
    assert_eq!(help[0][0], "Cột (column)");
    let kind = help
        .iter()
        .find(|row| row[0] == "Loại cơ sở (kind)")
        .unwrap();
    assert!(kind[2].contains("salt_field") && kind[3].starts_with("one of hatchery"));
    let commune = help
        .iter()
        .find(|row| row[0] == "Mã xã/phường (commune)")
        .unwrap();
    assert!(
        commune[2].contains("Phường"),
        "communes of the province are listed: {commune:?}"
    );

    let events = browser
        .get("/import/template/events.xlsx?chain=farmed-shrimp&stage=harvest")
        .await;
    assert_eq!(events.status, StatusCode::OK);
    let data = sheet(&events.bytes, 0);
    assert_eq!(data[0][0], "Thời điểm (event_time)");
    assert!(data[0].iter().any(|h| h.ends_with("(harvest_weight)")));
    let unknown = browser
        .get("/import/template/events.csv?chain=rice&stage=nope")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_bad_row_in_the_middle_stores_nothing_and_is_named_in_both_languages() {
    let app = TestApp::new().await;
    let farm_id = farm(&app, "0300000032", PREFIX, "staff@tanhung.vn").await;
    let mut browser = signed_in(&app, "staff@tanhung.vn").await;
    // Row 3 of the sheet (the header is row 1) has a GLN with a wrong check digit.
    let bad = "pond,Ao hỏng,8931234000208,,,,,";
    let file = facilities_csv(&[FIELD_A, bad, FIELD_C]);
    let reply = upload(&mut browser, "facilities", &file, &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("Tệp có 1 lỗi nên chưa lưu gì."),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(r#"data-label="Dòng">3</td>"#),
        "{}",
        reply.body
    );
    assert!(reply.body.contains(r#"data-label="Cột">Mã GLN (gln)</td>"#));
    assert!(reply.body.contains("<code>8931234000208</code>"));
    assert!(reply.body.contains("mã GLN 13 chữ số với số kiểm tra đúng"));
    assert!(
        facilities(&app, farm_id).await.is_empty(),
        "nothing is stored"
    );

    browser.set_cookie("lang", "en");
    let reply = upload(&mut browser, "facilities", &file, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("The file has 1 problem(s), so nothing was stored.")
    );
    assert!(
        reply.body.contains(r#"data-label="Row">3</td>"#),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("a 13-digit GLN with a valid check digit")
    );
    // What was picked stays picked.
    assert!(
        reply
            .body
            .contains(r#"<option value="facilities" selected>"#)
    );

    // Fixed, the same file stores all three, pending review, with links to them.
    browser.set_cookie("lang", "vi");
    let file = facilities_csv(&[FIELD_A, FIELD_B, FIELD_C]);
    let reply = upload(&mut browser, "facilities", &file, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Đã nhập 3 bản ghi."), "{}", reply.body);
    assert!(reply.body.contains(r#"<a href="/facilities/"#));
    let stored = facilities(&app, farm_id).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[1].name.as_str(), "Ao số 4, khu B");
    assert_eq!(stored[0].certificates.len(), 1);
    assert_eq!(
        stored[0].official_code.as_ref().unwrap().as_str(),
        "VN-BLOC-0012"
    );

    // Imported again, every row clashes with the database: nothing more is stored.
    let reply = upload(&mut browser, "facilities", &file, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body.matches("đã được đăng ký trong hệ thống").count(),
        3
    );
    assert_eq!(facilities(&app, farm_id).await.len(), 3);
}

#[tokio::test]
async fn keys_repeated_inside_a_file_and_bad_headers_are_refused() {
    let app = TestApp::new().await;
    let farm_id = farm(&app, "0300000033", PREFIX, "staff@tanhung.vn").await;
    let mut browser = signed_in(&app, "staff@tanhung.vn").await;
    let twice = "pond,Ao khác,8931234000202,,,,,";
    let reply = upload(
        &mut browser,
        "facilities",
        &facilities_csv(&[FIELD_A, FIELD_B, twice]),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains(r#"data-label="Dòng">4</td>"#),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("trùng với dòng 2 của tệp"),
        "{}",
        reply.body
    );

    // Another organisation's company prefix, an unknown column and a missing required one.
    let other = "pond,Ao người khác,8939999000109,,,,,";
    farm(&app, "0300000034", OTHER_PREFIX, "other@farm.vn").await;
    let reply = upload(&mut browser, "facilities", &facilities_csv(&[other]), &[]).await;
    assert!(
        reply
            .body
            .contains("thuộc mã doanh nghiệp GS1 của HTX Tân Hưng"),
        "{}",
        reply.body
    );
    let headers = b"kind,name,colour\npond,Ao,xanh\n";
    let reply = upload(&mut browser, "facilities", headers, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains(r#"data-label="Cột">colour</td>"#),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("thiếu cột bắt buộc này"));
    assert!(facilities(&app, farm_id).await.is_empty());
}

#[tokio::test]
async fn an_organisation_user_imports_and_exports_only_for_its_own_organisation() {
    let app = TestApp::new().await;
    let farm_id = farm(&app, "0300000035", PREFIX, "staff@tanhung.vn").await;
    let other_id = farm(&app, "0300000036", OTHER_PREFIX, "other@farm.vn").await;
    app.state
        .store
        .register(
            Some(other_id),
            &FacilityDetails::new(
                FacilityKind::Pond,
                RecordName::parse("name", "Ao người khác").unwrap(),
                Gln::parse("8939999000109").unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let mut browser = signed_in(&app, "staff@tanhung.vn").await;
    let file = facilities_csv(&[FIELD_A]);
    let other = other_id.to_string();
    let reply = upload(&mut browser, "facilities", &file, &[("org", &other)]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        facilities(&app, other_id).await.len() == 1 && facilities(&app, farm_id).await.is_empty()
    );
    let reply = upload(&mut browser, "organisations", b"kind,name,tax_code\n", &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "organisations are the province's"
    );
    // Without the CSRF token nothing happens.
    let reply = browser
        .post_multipart(
            "/import",
            &[
                Part::Text("kind", "facilities"),
                Part::File("file", "f.csv", &file),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(facilities(&app, farm_id).await.is_empty());

    let reply = upload(&mut browser, "facilities", &file, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let export = browser.get("/export/facilities.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.body.contains("8931234000202"));
    assert!(
        !export.body.contains("8939999000109"),
        "another organisation's facility is exported"
    );
    let organisations = browser.get("/export/organisations.csv").await;
    assert!(
        organisations.body.contains("0300000035") && !organisations.body.contains("0300000036")
    );
}

/// Exports `kind` from one app as `format` and imports the file into a fresh app with the same
/// organisation; returns both apps' records.
#[tokio::test]
async fn exported_files_import_again_into_a_fresh_database_as_the_same_records() {
    for format in ["csv", "xlsx"] {
        let app = TestApp::new().await;
        nguon_web::catalogue::seed(app.state.store.as_ref())
            .await
            .unwrap();
        let farm_id = farm(&app, "0300000037", PREFIX, "staff@tanhung.vn").await;
        let mut browser = signed_in(&app, "staff@tanhung.vn").await;
        let reply = upload(
            &mut browser,
            "facilities",
            &facilities_csv(&[FIELD_A, FIELD_B, FIELD_C]),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let products = "gtin,name_vi,name_en,group,brand,net_content,net_content_unit,standards,shelf_life_days,ocop_stars,chain\n\
            8931234000011,Tôm thẻ đông lạnh,Frozen shrimp,tom-nuoi,Tân Hưng,\"0,5\",KGM,TCVN 12827:2019; VietGAP,540,4,farmed-shrimp\n\
            8931234000028,Mắm tôm,,mam,,,,,,,\n";
        let reply = upload(&mut browser, "products", products.as_bytes(), &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

        let fresh = TestApp::new().await;
        nguon_web::catalogue::seed(fresh.state.store.as_ref())
            .await
            .unwrap();
        let fresh_id = farm(&fresh, "0300000037", PREFIX, "staff@tanhung.vn").await;
        let mut fresh_browser = signed_in(&fresh, "staff@tanhung.vn").await;
        for kind in ["facilities", "products"] {
            let export = browser.get(&format!("/export/{kind}.{format}")).await;
            assert_eq!(export.status, StatusCode::OK, "{kind}.{format}");
            let reply = upload(&mut fresh_browser, kind, &export.bytes, &[]).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{kind}.{format}: {}",
                reply.body
            );
        }
        assert_eq!(
            facilities(&fresh, fresh_id).await,
            facilities(&app, farm_id).await,
            "{format}"
        );
        let products = |app: &TestApp, owner| {
            let store = app.state.store.clone();
            async move {
                store
                    .list::<ProductDetails>(&RecordQuery {
                        organisation: Some(owner),
                        ..RecordQuery::default()
                    })
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|p| p.details)
                    .collect::<Vec<_>>()
            }
        };
        let original = products(&app, farm_id).await;
        assert_eq!(original.len(), 2);
        assert_eq!(original[0].ocop_stars, Some(4));
        assert_eq!(products(&fresh, fresh_id).await, original, "{format}");
    }
}

#[tokio::test]
async fn the_province_imports_organisations_then_facilities_for_one_it_picks() {
    let app = TestApp::new().await;
    user(&app, "admin@soct.camau.gov.vn", Role::ProvinceAdmin, None).await;
    let mut browser = signed_in(&app, "admin@soct.camau.gov.vn").await;
    let organisations = "Loại hình (kind),Tên tổ chức (name),Mã số thuế (tax_code),Mã doanh nghiệp GS1 (company_prefixes)\n\
        cooperative,HTX Muối Bạc Liêu,2000123456,8931234\n\
        household,Hộ ông Nguyễn Văn A,096085001234,\n\
        enterprise,Công ty Khô Cà Mau,096085001235,\n";
    let reply = upload(&mut browser, "organisations", organisations.as_bytes(), &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains(r#"data-label="Dòng">4</td>"#),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("chỉ dùng được cho hộ sản xuất"));
    let organisations = organisations.replace("096085001235", "2000123457");
    let reply = upload(&mut browser, "organisations", organisations.as_bytes(), &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Đã nhập 3 bản ghi."));
    let page = app
        .state
        .store
        .list_organisations(&nguon_store::OrganisationQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let salt = page
        .organisations
        .iter()
        .find(|o| o.tax_code.as_str() == "2000123456")
        .unwrap();
    assert_eq!(salt.company_prefixes[0].as_str(), PREFIX);

    // Facilities need the organisation picked; the province's are approved at once.
    let file = facilities_csv(&[FIELD_A]);
    let reply = upload(&mut browser, "facilities", &file, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Hãy chọn tổ chức sở hữu các bản ghi."));
    let id = salt.id.to_string();
    let reply = upload(&mut browser, "facilities", &file, &[("org", &id)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let stored = app
        .state
        .store
        .list::<FacilityDetails>(&RecordQuery {
            organisation: Some(salt.id),
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, ApprovalStatus::Approved);
    // The province exports every organisation's records.
    let export = browser.get("/export/organisations.xlsx").await;
    let rows = sheet(&export.bytes, 0);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][2], "Mã số thuế (tax_code)");
}

/// The harvest as a diary import row: time, pond, seed lot, feed lots, harvest lot, weight,
/// methods, start date, place.
fn harvest_csv(rows: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut text = String::from(
        "event_time,pond,seed_lot,harvest_lot,harvest_weight,aquaculture_method,production_method,harvest_start,pond_location\n",
    );
    for (time, lot, weight) in rows {
        text.push_str(&format!(
            "{time},{POND_GLN},(01)08931234560010(10)PL8,\"(01)08931234560027(10){lot}\",\"{weight}\",Intensive,AQUACULTURE,04/05/2026,\"9.2851, 105.7244\"\n"
        ));
    }
    text.into_bytes()
}

async fn pond(app: &TestApp, owner: OrganisationId) {
    app.state
        .store
        .register(
            Some(owner),
            &FacilityDetails::new(
                FacilityKind::Pond,
                RecordName::parse("name", "Ao nuôi số 3").unwrap(),
                Gln::parse(POND_GLN).unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn imported_diary_events_are_epcis_events_and_export_back() {
    let app = TestApp::new().await;
    let farm_id = farm(&app, "0300000038", PREFIX, "staff@tanhung.vn").await;
    pond(&app, farm_id).await;
    let key = app
        .key(nguon_domain::ApiKeyScope::Organisation(farm_id))
        .await;
    let mut browser = signed_in(&app, "staff@tanhung.vn").await;
    let kind = "events/farmed-shrimp/harvest";

    // A bad weight unit on row 3 and a row repeating row 2: nothing is stored.
    let file = harvest_csv(&[
        ("2026-05-04T07:30", "AO8", "1788,5 KGM"),
        ("2026-05-04T08:00", "AO9", "12 LTR"),
        ("2026-05-04T07:30", "AO8", "1788,5 KGM"),
    ]);
    let reply = upload(&mut browser, kind, &file, &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(r#"data-label="Dòng">3</td>"#),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("không dùng được đơn vị &#39;LTR&#39;")
            || reply.body.contains("không dùng được đơn vị 'LTR'"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("sự kiện trùng với dòng 2 của tệp"),
        "{}",
        reply.body
    );
    let events = app.get(&key, "/epcis/events", &[]).await;
    assert_eq!(
        events.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let file = harvest_csv(&[
        ("2026-05-04T07:30", "AO8", "1788,5 KGM"),
        ("04/05/2026 08:00", "AO9", "1,2 TNE"),
    ]);
    let reply = upload(&mut browser, kind, &file, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Đã nhập 2 bản ghi."));
    let events = app.get(&key, "/epcis/events", &[]).await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.body);
    let list = events.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"].clone();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["type"], "TransformationEvent");
    assert_eq!(list[0]["eventTime"], "2026-05-04T07:30:00+07:00");
    assert_eq!(list[1]["outputQuantityList"][0]["uom"], "TNE");
    assert_eq!(
        list[0]["bizLocation"]["id"],
        format!("https://id.gs1.org/414/{POND_GLN}")
    );

    // A pond that is not the farm's is refused by row.
    let foreign = String::from_utf8(harvest_csv(&[("2026-05-05T07:30", "AO10", "5 KGM")]))
        .unwrap()
        .replace(POND_GLN, "8939999000109");
    let reply = upload(&mut browser, kind, foreign.as_bytes(), &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("mã GLN của một cơ sở của tổ chức"),
        "{}",
        reply.body
    );

    // Exported and imported into a fresh database, they are the same events.
    for format in ["csv", "xlsx"] {
        let export = browser
            .get(&format!(
                "/export/events.{format}?chain=farmed-shrimp&stage=harvest"
            ))
            .await;
        assert_eq!(export.status, StatusCode::OK);
        let fresh = TestApp::new().await;
        let fresh_id = farm(&fresh, "0300000038", PREFIX, "staff@tanhung.vn").await;
        pond(&fresh, fresh_id).await;
        let mut fresh_browser = signed_in(&fresh, "staff@tanhung.vn").await;
        let reply = upload(&mut fresh_browser, kind, &export.bytes, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{format}: {}", reply.body);
        let fresh_key = fresh
            .key(nguon_domain::ApiKeyScope::Organisation(fresh_id))
            .await;
        let again = fresh.get(&fresh_key, "/epcis/events", &[]).await.json();
        let again = again["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .unwrap()
            .clone();
        let ids = |list: &[serde_json::Value]| {
            list.iter()
                .map(|e| e["eventID"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&again),
            ids(list),
            "{format}: the same events, by their hash IDs"
        );
    }
}
