//! Diary forms in process: each stage form of a chain renders from its template, a submitted
//! harvest is stored exactly as the EPCIS API stores the same event, and bad input, another
//! organisation's pond, a missing CSRF token and the wrong users are refused.

mod support;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_chains::{Capture, Catalogue};
use nguon_domain::{
    Actor, ApprovalStatus, EventQuery, FacilityDetails, FacilityKind, MediaId, OrganisationId,
    RecordName, Role,
};
use nguon_epcis::json_ld::{WriteOptions, write_event};
use nguon_epcis::model::EpcFormat;
use nguon_gs1::{CompanyPrefix, Gln, PrefixLengths};
use nguon_store::Registry;
use support::portal::{Browser, PASSWORD, csrf_of, user};
use support::{Reply, TestApp};

/// The farm's pond and its GLN.
const POND_GLN: &str = "8931234000103";
/// Another organisation's pond.
const OTHER_POND_GLN: &str = "8939999000109";
/// The seed lot stocked and the lot harvested.
const SEED: &str = "(01)08931234560010(10)PL8";
const HARVEST: &str = "(01)08931234560027(10)AO8";
const HARVEST_LINK: &str = "https://id.gs1.org/01/08931234560027/10/AO8";
/// The smallest file the image check takes for a PNG: its signature.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// An approved organisation with a company prefix and a pond; returns it with an API key.
async fn farm(app: &TestApp, tax_code: &str, prefix: &str, pond: &str) -> (OrganisationId, String) {
    let (id, key) = app.organisation(tax_code).await;
    let store = &app.state.store;
    store
        .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    store
        .add_company_prefix(id, &CompanyPrefix::parse(prefix).unwrap(), Actor::Cli)
        .await
        .unwrap();
    store
        .register(
            Some(id),
            &FacilityDetails::new(
                FacilityKind::Pond,
                RecordName::parse("name", "Ao nuôi số 3").unwrap(),
                Gln::parse(pond).unwrap(),
            ),
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    (id, key)
}

/// The farm, a neighbour with its own pond, and a signed-in staff member of the farm.
async fn setup(app: &TestApp) -> (OrganisationId, OrganisationId, String) {
    let (farm_id, _) = farm(app, "0300000021", "8931234", POND_GLN).await;
    let (other_id, other_key) = farm(app, "0300000022", "8939999", OTHER_POND_GLN).await;
    user(app, "nhanvien@tanhung.vn", Role::OrgStaff, Some(farm_id)).await;
    (farm_id, other_id, other_key)
}

async fn signed_in(app: &TestApp) -> Browser<'_> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in("nhanvien@tanhung.vn", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

/// A part of a multipart form: a text field, or a file.
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

/// Posts a multipart form, as the browser sends the diary form.
async fn post_multipart(browser: &mut Browser<'_>, path: &str, parts: &[Part<'_>]) -> Reply {
    const BOUNDARY: &str = "----nguon-diary-test";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, file, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: image/png\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let request = Request::post(path).header(
        "content-type",
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    browser.send(request, Body::from(body)).await
}

/// The harvest form's fields as a farm worker fills them in (without CSRF token).
fn harvest<'a>(pond: &'a str, weight: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("pond", pond),
        ("seed_lot", SEED),
        ("harvest_lot", HARVEST),
        ("harvest_weight", weight),
        ("harvest_weight.unit", "KGM"),
        ("aquaculture_method", "Intensive"),
        ("production_method", "AQUACULTURE"),
        ("harvest_start", "2026-05-04"),
        ("pond_location", "9.2851, 105.7244"),
    ]
}

async fn post_harvest(
    browser: &mut Browser<'_>,
    csrf: Option<&str>,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> Reply {
    let mut parts: Vec<Part> = fields.iter().map(|(n, v)| Part::Text(n, v)).collect();
    if let Some(csrf) = csrf {
        parts.push(Part::Text("csrf", csrf));
    }
    if let Some(bytes) = photo {
        parts.push(Part::File("harvest_photo", "ao.png", bytes));
    }
    post_multipart(browser, "/diary/farmed-shrimp/harvest", &parts).await
}

async fn stored_events(app: &TestApp, owner: OrganisationId) -> Vec<nguon_store::QueriedEvent> {
    app.state
        .store
        .query_events(&EventQuery::new(Some(owner)))
        .await
        .unwrap()
        .events
}

#[tokio::test]
async fn every_stage_form_of_the_farmed_shrimp_chain_renders_from_its_template() {
    let app = TestApp::new().await;
    setup(&app).await;
    let mut browser = signed_in(&app).await;
    let index = browser.get("/diary").await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.body);
    assert!(index.body.contains("Tôm nuôi"), "{}", index.body);
    let catalogue = Catalogue::embedded().unwrap();
    let chain = catalogue.get("farmed-shrimp").unwrap();
    for stage in chain.stages() {
        let path = format!("/diary/farmed-shrimp/{}", stage.id());
        assert!(index.body.contains(&format!("href=\"{path}\"")), "{path}");
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.contains(&stage.name().vi), "{path}");
        for kde in stage.kdes() {
            assert!(
                page.body.contains(&format!("name=\"{}\"", kde.key())),
                "{path}: no field {}",
                kde.key()
            );
            assert!(page.body.contains(&kde.name().vi), "{path}: {}", kde.key());
        }
    }
    let form = browser.get("/diary/farmed-shrimp/harvest").await.body;
    // Right input types: the farm's own pond to pick, units from the KDE, a date, a camera.
    assert!(
        form.contains(&format!("<option value=\"{POND_GLN}\"")),
        "{form}"
    );
    assert!(
        !form.contains(OTHER_POND_GLN),
        "another farm's pond is offered"
    );
    assert!(form.contains(r#"<option value="TNE""#) && form.contains(">tấn<"));
    assert!(form.contains(r#"name="harvest_start" type="date""#));
    assert!(form.contains(r#"type="file" accept="image/jpeg,image/png,image/webp""#));
    assert!(form.contains(r#"class="secondary scan""#));
    assert!(form.contains(r#"class="secondary locate""#));
    assert!(form.contains("<script src=\"/static/diary."));
    let script_url = form
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let script = browser.get(script_url).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("BarcodeDetector"));
}

#[tokio::test]
async fn a_harvest_is_stored_as_the_api_stores_the_same_event() {
    let app = TestApp::new().await;
    let (farm_id, other_id, other_key) = setup(&app).await;
    let mut browser = signed_in(&app).await;
    let csrf = browser.csrf("/diary/farmed-shrimp/harvest").await;
    let fields = harvest(POND_GLN, "1788,5");
    let reply = post_harvest(&mut browser, Some(&csrf), &fields, Some(PNG)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains("Đã ghi công đoạn Thu hoạch."),
        "{}",
        reply.body
    );
    let trace_link = format!("/trace/{}", nguon_gs1::percent_encode(HARVEST_LINK));
    assert!(reply.body.contains(&trace_link), "{}", reply.body);

    let events = stored_events(&app, farm_id).await;
    assert_eq!(events.len(), 1);
    let stored = &events[0];
    assert!(reply.body.contains(stored.event_id.as_str()));
    let document: serde_json::Value = serde_json::from_str(&stored.document).unwrap();
    assert_eq!(document["type"], "TransformationEvent");
    assert_eq!(
        document["bizLocation"]["id"],
        format!("https://id.gs1.org/414/{POND_GLN}")
    );
    assert_eq!(document["outputQuantityList"][0]["epcClass"], HARVEST_LINK);
    assert_eq!(document["outputQuantityList"][0]["quantity"], 1788.5);
    assert_eq!(document["outputQuantityList"][0]["uom"], "KGM");
    // The photo was stored for the farm, and the event carries its address.
    let photo = document["nguon:photo"].as_str().expect("a photo address");
    let media = photo
        .strip_prefix("http://localhost/media/")
        .unwrap_or_else(|| panic!("{photo}"));
    let (owner, image) = app
        .state
        .store
        .image(MediaId::parse(media).unwrap())
        .await
        .unwrap();
    assert_eq!((owner, image.bytes()), (farm_id, PNG));

    // The same form through the template, posted to the API by another organisation: the same
    // event, the same hash, the same stored document.
    let mut form: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    form.insert("harvest_weight".into(), "1788,5 KGM".into());
    form.insert("harvest_photo".into(), photo.to_owned());
    let catalogue = Catalogue::embedded().unwrap();
    let capture = Capture {
        owner: nguon_gs1::Gln::parse("8931234000004").unwrap(),
        event_time: stored.event_time.to_offset(time::macros::offset!(+7)),
    };
    let event = catalogue
        .get("farmed-shrimp")
        .unwrap()
        .event("harvest", &form, &capture)
        .unwrap();
    let lengths = PrefixLengths::builtin();
    let json = write_event(
        &event,
        &WriteOptions {
            epc_format: EpcFormat::NeverTranslates,
            prefix_lengths: &lengths,
        },
    );
    let api = app
        .post(
            &other_key,
            "/epcis/events",
            "application/ld+json",
            json.to_string(),
            &[],
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let by_api = stored_events(&app, other_id).await;
    assert_eq!(by_api.len(), 1);
    assert_eq!(by_api[0].event_id, stored.event_id);
    assert_eq!(by_api[0].document, stored.document);

    // Sent again, the same event is refused as a duplicate by its hash.
    let again = app
        .post(
            &other_key,
            "/epcis/events",
            "application/ld+json",
            json.to_string(),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // The trace page of the harvested lot shows the harvest.
    let trace = browser.get(&trace_link).await;
    assert_eq!(trace.status, StatusCode::OK, "{}", trace.body);
    assert!(trace.body.contains("AO8"), "{}", trace.body);
}

#[tokio::test]
async fn field_errors_come_back_in_the_users_language_with_what_was_typed() {
    let app = TestApp::new().await;
    let (farm_id, _, _) = setup(&app).await;
    let mut browser = signed_in(&app).await;
    let csrf = browser.csrf("/diary/farmed-shrimp/harvest").await;
    let mut fields = harvest(POND_GLN, "1.2.3");
    fields.retain(|(name, _)| *name != "aquaculture_method");
    let reply = post_harvest(&mut browser, Some(&csrf), &fields, None).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("phải là một số"), "{}", reply.body);
    assert!(reply.body.contains("là bắt buộc"), "{}", reply.body);
    assert!(reply.body.contains(r#"value="1.2.3""#), "{}", reply.body);
    assert!(
        reply.body.contains(&format!(r#"value="{SEED}""#)),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(r#"value="2026-05-04""#),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains(&format!(r#"<option value="{POND_GLN}" selected>"#)),
        "{}",
        reply.body
    );

    browser.set_cookie("lang", "en");
    let reply = post_harvest(&mut browser, Some(&csrf), &fields, Some(b"not a photo")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("is not a JPEG, PNG or WebP image of at most 2 MB"),
        "{}",
        reply.body
    );
    let reply = post_harvest(&mut browser, Some(&csrf), &fields, None).await;
    assert!(reply.body.contains("must be a number"), "{}", reply.body);
    assert!(reply.body.contains("is required"), "{}", reply.body);
    assert!(stored_events(&app, farm_id).await.is_empty());
}

#[tokio::test]
async fn another_organisations_pond_cannot_be_used() {
    let app = TestApp::new().await;
    let (farm_id, _, _) = setup(&app).await;
    let mut browser = signed_in(&app).await;
    let csrf = browser.csrf("/diary/farmed-shrimp/harvest").await;
    let fields = harvest(OTHER_POND_GLN, "1788");
    let reply = post_harvest(&mut browser, Some(&csrf), &fields, None).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("không phải là cơ sở của tổ chức bạn"),
        "{}",
        reply.body
    );
    assert!(stored_events(&app, farm_id).await.is_empty());
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = TestApp::new().await;
    let (farm_id, _, _) = setup(&app).await;
    let mut browser = signed_in(&app).await;
    let fields = harvest(POND_GLN, "1788");
    let reply = post_harvest(&mut browser, None, &fields, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = post_harvest(&mut browser, Some(&"0".repeat(64)), &fields, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(stored_events(&app, farm_id).await.is_empty());
}

#[tokio::test]
async fn only_users_of_an_approved_organisation_record() {
    let app = TestApp::new().await;
    let (farm_id, _, _) = setup(&app).await;
    user(&app, "lan@sokhcn.camau.gov.vn", Role::ProvinceAdmin, None).await;
    let (pending, _) = app.organisation("0300000023").await;
    user(&app, "ho@pending.vn", Role::OrgAdmin, Some(pending)).await;

    let mut province = Browser::new(&app);
    province.sign_in("lan@sokhcn.camau.gov.vn", PASSWORD).await;
    for path in ["/diary", "/diary/farmed-shrimp/harvest"] {
        let page = province.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("Chỉ người dùng của một tổ chức"),
            "{}",
            page.body
        );
    }
    let mut waiting = Browser::new(&app);
    waiting.sign_in("ho@pending.vn", PASSWORD).await;
    let page = waiting.get("/diary").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("chưa được tỉnh phê duyệt"),
        "{}",
        page.body
    );
    let csrf = csrf_of(&waiting.get("/").await.body);
    let reply = post_harvest(&mut waiting, Some(&csrf), &harvest(POND_GLN, "1"), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let mut farm = signed_in(&app).await;
    assert_eq!(
        farm.get("/diary/farmed-shrimp/no-such-stage").await.status,
        StatusCode::NOT_FOUND
    );
    let home = farm.get("/").await;
    assert!(home.body.contains(r#"href="/diary""#), "{}", home.body);
    assert!(stored_events(&app, farm_id).await.is_empty());
}
