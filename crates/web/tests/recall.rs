//! Recalls through the real router over a real SQLite store: a farm and a processor capture a
//! shrimp chain; the province raises a recall from the pond lot, moves it forward, and reads its
//! report as CSV, XLSX and PDF; bad input and the wrong keys are refused with the rule.

mod support;

use axum::http::StatusCode;
use nguon_domain::ApiKeyScope;
use serde_json::{Value, json};
use support::TestApp;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
const SEED: &str = "https://id.gs1.org/01/08931234560010/10/PL5";
const POND: &str = "https://id.gs1.org/01/08931234560027/10/AO5";
const FROZEN: &str = "https://id.gs1.org/01/08931234560034/10/F5";
const CARTON: &str = "https://id.gs1.org/01/08931234560034/21/C5-1";
const PALLET: &str = "https://id.gs1.org/00/089312345600000058";

fn event(kind: &str, hour: u8, biz_step: &str, fields: Value) -> Value {
    let mut event = json!({
        "type": kind,
        "eventTime": format!("2026-03-01T{hour:02}:00:00+07:00"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": biz_step,
    });
    event
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().cloned().unwrap());
    event
}

fn kilograms(class: &str, amount: f64) -> Value {
    json!({"epcClass": class, "quantity": amount, "uom": "KGM"})
}

async fn capture(app: &TestApp, key: &str, events: Vec<Value>) {
    let document = json!({
        "@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-03-01T00:00:00+07:00", "epcisBody": {"eventList": events},
    });
    let job = app
        .capture(key, "application/ld+json", &document.to_string(), &[])
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
}

/// The farm harvests a pond lot from a seed lot and ships it; the processor receives, freezes,
/// cartons and palletises it. Returns the farm's and the processor's keys and ids.
async fn chain(app: &TestApp) -> [(nguon_domain::OrganisationId, String); 2] {
    let farm = app.organisation("0300000031").await;
    let processor = app.organisation("0300000032").await;
    capture(
        app,
        &farm.1,
        vec![
            event(
                "ObjectEvent",
                1,
                "commissioning",
                json!({"action": "ADD",
                "quantityList": [{"epcClass": SEED, "quantity": 100_000.0, "uom": "H87"}]}),
            ),
            event(
                "TransformationEvent",
                2,
                "commissioning",
                json!({"inputQuantityList": [{"epcClass": SEED, "quantity": 100_000.0, "uom": "H87"}],
                "outputQuantityList": [kilograms(POND, 1_500.0)]}),
            ),
            event(
                "ObjectEvent",
                3,
                "shipping",
                json!({"action": "OBSERVE", "quantityList": [kilograms(POND, 1_500.0)]}),
            ),
        ],
    )
    .await;
    capture(
        app,
        &processor.1,
        vec![
            event(
                "ObjectEvent",
                5,
                "receiving",
                json!({"action": "OBSERVE", "quantityList": [kilograms(POND, 1_490.0)]}),
            ),
            event(
                "TransformationEvent",
                6,
                "commissioning",
                json!({"inputQuantityList": [kilograms(POND, 1_490.0)],
                "outputQuantityList": [kilograms(FROZEN, 900.0)]}),
            ),
            event(
                "TransformationEvent",
                7,
                "packing",
                json!({"inputQuantityList": [kilograms(FROZEN, 10.0)], "outputEPCList": [CARTON]}),
            ),
            event(
                "AggregationEvent",
                8,
                "packing",
                json!({"action": "ADD", "parentID": PALLET, "childEPCs": [CARTON]}),
            ),
        ],
    )
    .await;
    [farm, processor]
}

fn detail(reply: &support::Reply) -> String {
    reply.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_recall_is_raised_from_a_lot_moved_forward_and_reported_in_three_formats() {
    let app = TestApp::new().await;
    let [(farm, farm_key), (processor, _)] = chain(&app).await;
    let province = app.key(ApiKeyScope::Province).await;

    let raised = app
        .post_json(
            &province,
            "/api/v1/recalls",
            &json!({"identifier": "(01)08931234560027(10)AO5", "reason": "Dư lượng kháng sinh vượt mức"}),
        )
        .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    let body = raised.json();
    let recall = &body["recall"];
    let id = recall["id"].as_str().unwrap().to_owned();
    assert_eq!(
        raised.header("location"),
        Some(format!("/api/v1/recalls/{id}").as_str())
    );
    assert_eq!(recall["status"], "open");
    assert_eq!(recall["start"], POND);
    assert_eq!(recall["lotCount"], 5);
    let affected: Vec<(&str, &Value)> = body["drill"]["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["identifier"].as_str().unwrap(), &a["organisation"]))
        .collect();
    assert_eq!(
        affected,
        [
            (POND, &json!(processor)),
            (FROZEN, &json!(processor)),
            (CARTON, &json!(processor)),
            (PALLET, &json!(processor)),
        ]
    );
    assert_eq!(
        body["drill"]["totals"],
        json!([{"organisation": processor, "uom": "H87", "amount": 1.0, "count": 1}])
    );
    assert_eq!(body["drill"]["suspects"][0]["identifier"], SEED);

    // Every key reads recalls; the public question is answered by the store.
    let listed = app.get(&farm_key, "/api/v1/recalls", &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()["recalls"][0]["id"], id);
    let closed = app
        .get(&farm_key, "/api/v1/recalls?status=closed", &[])
        .await;
    assert_eq!(closed.json()["recalls"], json!([]));
    let one = app
        .get(&farm_key, &format!("/api/v1/recalls/{id}"), &[])
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let lots = one.json()["lots"].clone();
    assert_eq!(
        lots[0],
        json!({"identifier": POND, "role": "affected", "kind": "lot",
        "organisation": processor, "quantity": 1_490.0, "uom": "KGM"})
    );
    assert_eq!(
        lots[4],
        json!({"identifier": SEED, "role": "suspect", "kind": "lot",
        "organisation": farm})
    );
    assert_eq!(
        app.state.store.active_recalls_naming(CARTON).await.unwrap()[0]
            .id
            .to_string(),
        id
    );

    // Forward only, one step at a time, by the province.
    let status = format!("/api/v1/recalls/{id}/status");
    let skip = app
        .post_json(&province, &status, &json!({"status": "closed"}))
        .await;
    assert_eq!(skip.status, StatusCode::CONFLICT, "{}", skip.body);
    assert_eq!(
        detail(&skip),
        "recall status: cannot change from open to closed; a recall moves open → notified → closed, one step at a time"
    );
    let by_farm = app
        .post_json(&farm_key, &status, &json!({"status": "notified"}))
        .await;
    assert_eq!(by_farm.status, StatusCode::FORBIDDEN, "{}", by_farm.body);
    let notified = app
        .post_json(&province, &status, &json!({"status": "notified"}))
        .await;
    assert_eq!(notified.status, StatusCode::OK, "{}", notified.body);
    assert_eq!(notified.json()["status"], "notified");
    assert!(notified.json()["notifiedAt"].is_string());
    let unknown_status = app
        .post_json(&province, &status, &json!({"status": "done"}))
        .await;
    assert_eq!(unknown_status.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&unknown_status),
        "status: must be one of open, notified, closed; found \"done\""
    );

    // The report, in each format, read back.
    let path = |ext: &str| format!("/api/v1/recalls/{id}/report.{ext}");
    let csv = app.get(&farm_key, &path("csv"), &[]).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"recall-{id}.csv\"").as_str())
    );
    let mut reader = csv::Reader::from_reader(csv.bytes.as_slice());
    assert_eq!(&reader.headers().unwrap()[3], "Tổ chức / Organisation");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][0], "bị ảnh hưởng / affected");
    assert_eq!(&rows[0][3], "Công ty 0300000032");
    assert_eq!(&rows[0][4], "1490");
    assert_eq!(&rows[4][0], "nguồn nghi vấn / suspect");

    let xlsx = app.get(&farm_key, &path("xlsx"), &[]).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    use calamine::Reader as _;
    let sheet = workbook.worksheet_range("Báo cáo").unwrap();
    let texts: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        texts.contains(&"Lý do / Reason: Dư lượng kháng sinh vượt mức".to_owned()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"Trạng thái / Status: đã thông báo / notified".to_owned()),
        "{texts:?}"
    );
    assert!(texts.contains(&CARTON.to_owned()));

    let pdf = app.get(&farm_key, &path("pdf"), &[]).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.bytes.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn bad_input_wrong_keys_and_unknown_things_are_refused_with_the_rule() {
    let app = TestApp::new().await;
    let [(_, farm_key), _] = chain(&app).await;
    let province = app.key(ApiKeyScope::Province).await;
    let raise = |key: &str, body: Value| {
        let key = key.to_owned();
        let app = &app;
        async move { app.post_json(&key, "/api/v1/recalls", &body).await }
    };

    let by_farm = raise(&farm_key, json!({"identifier": POND, "reason": "x"})).await;
    assert_eq!(by_farm.status, StatusCode::FORBIDDEN, "{}", by_farm.body);
    assert!(detail(&by_farm).contains("only a province key may raise a recall"));

    let unknown = "https://id.gs1.org/01/08931234560027/10/NOPE";
    let missing = raise(&province, json!({"identifier": unknown, "reason": "x"})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    assert_eq!(detail(&missing), format!("identifier {unknown} not found"));

    for (body, expected) in [
        (
            json!({"identifier": "urn:epc:id:sgtin:bad", "reason": "x"}),
            "identifier: must be a GS1 identifier",
        ),
        (
            json!({"identifier": POND, "reason": "   "}),
            "reason: must be 1 to 2000 characters, found 0",
        ),
        (json!({"identifier": POND}), "body: missing field `reason`"),
        (
            json!({"identifier": POND, "reason": "x", "owner": 1}),
            "body: unknown field `owner`",
        ),
    ] {
        let reply = raise(&province, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert!(
            detail(&reply).starts_with(expected),
            "{body}: {}",
            reply.body
        );
    }
    assert_eq!(
        app.state.store.list_recalls(None, None, 10).await.unwrap(),
        [],
        "nothing was stored"
    );

    let no_recall = "0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f";
    for path in [
        format!("/api/v1/recalls/{no_recall}"),
        format!("/api/v1/recalls/{no_recall}/report.pdf"),
    ] {
        let reply = app.get(&farm_key, &path, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
        assert_eq!(detail(&reply), format!("recall {no_recall} not found"));
    }
    let bad_id = app.get(&farm_key, "/api/v1/recalls/42", &[]).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert!(
        detail(&bad_id).starts_with("id: recall id"),
        "{}",
        bad_id.body
    );
    let limit = app.get(&farm_key, "/api/v1/recalls?limit=0", &[]).await;
    assert_eq!(
        detail(&limit),
        "limit: must be a whole number from 1 to 500"
    );
    let no_key = app.get("nguon_nope", "/api/v1/recalls", &[]).await;
    assert_eq!(no_key.status, StatusCode::UNAUTHORIZED);
}
