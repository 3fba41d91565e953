//! Data-quality scores through the real router over a real SQLite store, on the shrimp chain a
//! hatchery, a farm and a processor capture: a treatment recorded without its dose and a
//! shipment of more than the farm made lower the pond lot's score by exactly the documented
//! points; the lot page shows the score, its bar and breakdown in Vietnamese and English; and
//! `/quality` shows the province every organisation and an organisation only its own lots.

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use nguon_chains::{Capture, Catalogue};
use nguon_domain::{
    Actor, ApiKeyScope, ApprovalStatus, OrganisationId, ProductDetails, ProductGroupCode,
    RecordName, Role,
};
use nguon_epcis::json_ld::{WriteOptions, write_event};
use nguon_epcis::model::EpcFormat;
use nguon_gs1::{Gln, Gtin, PrefixLengths, percent_encode};
use nguon_store::Registry;
use nguon_trace::quality::{ERROR_FINDING, KDE_MISSING};
use serde_json::{Value, json};
use support::TestApp;
use support::chain::{
    FARM_NAME, FROZEN, HATCHERY_NAME, POND, POND_PLACE, PROCESSOR_NAME, SEED,
    commissioning_document, shrimp_chain,
};
use support::portal::{Browser, PASSWORD, user};

/// The pond lot's score from the API.
async fn score_of(app: &TestApp, key: &str, lot: &str) -> Value {
    let reply = app
        .get(
            key,
            &format!("/api/v1/trace/{}/quality", percent_encode(lot)),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// The lines of `section` in a score, as (code, deduction).
fn lines(score: &Value, section: &str) -> Vec<(String, u64)> {
    score["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["section"] == section)
        .map(|line| {
            (
                line["code"].as_str().unwrap().to_owned(),
                line["deduction"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A treatment of the seed stocked in the pond, as the farmed-shrimp diary form makes it,
/// written as JSON-LD a farm's own system would send; `without` drops one extension field.
fn treatment(hour: u8, without: Option<&str>) -> String {
    let catalogue = Catalogue::embedded().unwrap();
    let shrimp = catalogue.get("farmed-shrimp").unwrap();
    let form: BTreeMap<String, String> = [
        ("pond", "(414)8931234560027"),
        ("stock_lot", "(01)08931234560010(10)PL7"),
        ("substance", "Zeolite"),
        ("substance_kind", "chemical"),
        ("dose", "20 kg/1 000 m³"),
        ("withdrawal_days", "0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let capture = Capture {
        owner: Gln::parse("8931234560027").unwrap(),
        event_time: time::macros::datetime!(2026-01-02 00:00 +07:00)
            + time::Duration::hours(hour.into()),
    };
    let event = shrimp.event("treatment", &form, &capture).unwrap();
    let lengths = PrefixLengths::builtin();
    let mut json = write_event(
        &event,
        &WriteOptions {
            epc_format: EpcFormat::NeverTranslates,
            prefix_lengths: &lengths,
        },
    );
    if let Some(field) = without {
        let object = json.as_object_mut().unwrap();
        let key = object
            .keys()
            .find(|key| key.ends_with(&format!(":{field}")))
            .cloned()
            .unwrap_or_else(|| panic!("no field {field} in the event"));
        object.remove(&key);
    }
    json.to_string()
}

async fn post_event(app: &TestApp, key: &str, event: String) {
    let reply = app
        .post(key, "/epcis/events", "application/ld+json", event, &[])
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

/// The farm's product for the pond lot's GTIN, following the farmed-shrimp chain.
async fn register_pond_product(app: &TestApp, farm: OrganisationId) {
    let mut product = ProductDetails::new(
        Gtin::parse("08931234560027").unwrap(),
        RecordName::parse("name", "Tôm thẻ nguyên con").unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    product.chain = Some("farmed-shrimp".into());
    app.state
        .store
        .register(Some(farm), &product, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_missing_kde_and_a_mass_balance_error_cost_their_documented_points() {
    let app = TestApp::new().await;
    let [_, farm, _] = shrimp_chain(&app).await;
    let key = app.key(ApiKeyScope::Organisation(farm)).await;
    register_pond_product(&app, farm).await;

    // A complete treatment: the treatment stage is recorded with every required KDE.
    post_event(&app, &key, treatment(8, None)).await;
    let complete = score_of(&app, &key, POND).await;
    assert_eq!(complete["identifier"], POND);
    assert_eq!(complete["chain"], "farmed-shrimp");
    assert_eq!(complete["organisation"], farm.to_string());
    let stages = lines(&complete, "stages");
    assert!(stages.contains(&("treatment".to_owned(), 0)), "{stages:?}");
    assert!(
        !lines(&complete, "kdes")
            .iter()
            .any(|(code, lost)| code.starts_with("treatment/") && *lost > 0)
    );
    assert_eq!(lines(&complete, "tt02").len(), 10);

    // The same treatment again without its dose: one KDE missing, 2 points.
    post_event(&app, &key, treatment(9, Some("dose"))).await;
    let no_dose = score_of(&app, &key, POND).await;
    assert!(
        lines(&no_dose, "kdes").contains(&("treatment/dose".to_owned(), u64::from(KDE_MISSING))),
        "{no_dose:#}"
    );
    assert_eq!(
        no_dose["score"].as_u64().unwrap(),
        complete["score"].as_u64().unwrap() - u64::from(KDE_MISSING),
        "{no_dose:#}"
    );
    let dose = no_dose["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["code"] == "treatment/dose")
        .unwrap();
    assert_eq!(dose["reason"]["en"], "Missing from 1 of 2 events.");
    assert_eq!(dose["reason"]["vi"], "Thiếu ở 1 trên 2 sự kiện.");

    // The farm ships 2,500 kg more of the 1,800 kg lot: a mass-balance error, 10 points.
    let shipping = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "ObjectEvent",
        "eventTime": "2026-01-03T06:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "readPoint": {"id": "https://id.gs1.org/414/8931234560027"},
        "bizLocation": {"id": "https://id.gs1.org/414/8931234560027"},
        "quantityList": [{"epcClass": POND, "quantity": 2_500.0, "uom": "KGM"}],
    });
    post_event(&app, &key, shipping.to_string()).await;
    let overdrawn = score_of(&app, &key, POND).await;
    let errors = |score: &Value| {
        lines(score, "findings")
            .into_iter()
            .filter(|line| *line == ("mass_balance.lot".to_owned(), u64::from(ERROR_FINDING)))
            .count()
    };
    assert_eq!(errors(&overdrawn), errors(&no_dose) + 1, "{overdrawn:#}");
    let lost = |score: &Value| -> u64 {
        lines(score, "findings")
            .iter()
            .map(|(_, deduction)| deduction)
            .sum()
    };
    assert_eq!(lost(&overdrawn), lost(&no_dose) + u64::from(ERROR_FINDING));
    assert_eq!(
        overdrawn["score"].as_u64().unwrap(),
        no_dose["score"].as_u64().unwrap() - u64::from(ERROR_FINDING),
        "{overdrawn:#}"
    );

    // Unknown and malformed codes are refused with the field named.
    let unknown = app
        .get(
            &key,
            &format!(
                "/api/v1/trace/{}/quality",
                percent_encode("https://id.gs1.org/01/08931234560027/10/NONE")
            ),
            &[],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    let bad = app.get(&key, "/api/v1/trace/hello/quality", &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("id"), "{}", bad.body);
}

#[tokio::test]
async fn captures_queue_their_lots_and_the_stored_score_follows_without_a_page_view() {
    let app = TestApp::new().await;
    let [_, farm, _] = shrimp_chain(&app).await;
    app.state.rescorer.settled().await;
    assert_eq!(app.state.rescorer.backlog(), 0);
    let before = app.state.store.lot_quality(POND).await.unwrap().unwrap();
    assert_eq!(
        before.score.chain, None,
        "its product is not registered yet"
    );

    // Once its product names a chain, the next capture naming the lot rescores it against it.
    register_pond_product(&app, farm).await;
    let key = app.key(ApiKeyScope::Organisation(farm)).await;
    let job = app
        .capture(
            &key,
            "application/ld+json",
            &commissioning_document(POND, "https://id.gs1.org/414/8931234560027", POND_PLACE),
            &[],
        )
        .await
        .unwrap_or_else(|reply| panic!("{}: {}", reply.status, reply.body));
    assert_eq!(job["success"], true, "{job}");
    app.state.rescorer.settled().await;
    let after = app.state.store.lot_quality(POND).await.unwrap().unwrap();
    assert_eq!(after.score.chain.as_deref(), Some("farmed-shrimp"));
    assert!(after.computed_at > before.computed_at);
}

#[tokio::test]
async fn the_lot_page_shows_the_score_and_quality_is_scoped_to_the_organisation() {
    let app = TestApp::new().await;
    let [hatchery, farm, processor] = shrimp_chain(&app).await;
    let key = app.key(ApiKeyScope::Province).await;
    register_pond_product(&app, farm).await;

    // The lot page computes and stores the score, and shows it in Vietnamese.
    user(&app, "nhanvien@tanhung.vn", Role::OrgStaff, Some(farm)).await;
    let mut staff = Browser::new(&app);
    staff.sign_in("nhanvien@tanhung.vn", PASSWORD).await;
    let home = staff.get("/").await;
    assert!(
        home.body
            .contains(r#"<a href="/quality">Chất lượng dữ liệu các lô</a>"#),
        "{}",
        home.body
    );
    let page = staff.get(&format!("/trace/{}", percent_encode(POND))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let stored = app.state.store.lot_quality(POND).await.unwrap().unwrap();
    let score = stored.score.score;
    for needle in [
        "Điểm chất lượng dữ liệu".to_owned(),
        format!("<strong>{score}</strong>"),
        format!(r#"value="{score}""#),
        "Quy trình: Tôm nuôi".to_owned(),
        "10 thông tin theo Thông tư 02/2024/TT-BKHCN".to_owned(),
        "Hình ảnh sản phẩm".to_owned(),
        "Sản phẩm chưa có hình ảnh.".to_owned(),
        "−4".to_owned(),
    ] {
        assert!(
            page.body.contains(&needle),
            "{needle:?} not on\n{}",
            page.body
        );
    }
    staff.get("/lang/en").await;
    let english = staff.get(&format!("/trace/{}", percent_encode(POND))).await;
    for needle in [
        "Data-quality score",
        "Chain: Farmed shrimp",
        "The 10 items of Circular 02/2024/TT-BKHCN",
        "The product has no image.",
    ] {
        assert!(
            english.body.contains(needle),
            "{needle:?} not on\n{}",
            english.body
        );
    }

    // Score the other lots, then look at /quality from the farm and from the province.
    for lot in [SEED, FROZEN] {
        score_of(&app, &key, lot).await;
    }
    let ours = staff.get("/quality").await;
    assert_eq!(ours.status, StatusCode::OK, "{}", ours.body);
    assert!(ours.body.contains("Lot AO7"), "{}", ours.body);
    for other in ["Lot PL7", "Lot F7", HATCHERY_NAME, PROCESSOR_NAME] {
        assert!(
            !ours.body.contains(other),
            "{other} on the farm's page:\n{}",
            ours.body
        );
    }

    user(&app, "sokhcn@camau.gov.vn", Role::ProvinceAdmin, None).await;
    let mut officer = Browser::new(&app);
    officer.sign_in("sokhcn@camau.gov.vn", PASSWORD).await;
    let province = officer.get("/quality").await;
    assert_eq!(province.status, StatusCode::OK, "{}", province.body);
    for needle in [
        "Theo đơn vị",
        HATCHERY_NAME,
        FARM_NAME,
        PROCESSOR_NAME,
        "Lô AO7",
        "Lô PL7",
        "Lô F7",
        &format!("/trace/{}", percent_encode(POND)),
    ] {
        assert!(
            province.body.contains(needle),
            "{needle:?} not on\n{}",
            province.body
        );
    }
    let summary = app.state.store.quality_by_organisation().await.unwrap();
    let counted: Vec<_> = summary.iter().map(|o| (o.organisation, o.lots)).collect();
    for organisation in [hatchery, farm, processor] {
        assert!(counted.contains(&(Some(organisation), 1)), "{counted:?}");
    }

    // Signed out, /quality asks for a sign-in.
    let anonymous = Browser::new(&app).get("/quality").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}
