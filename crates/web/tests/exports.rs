//! Evidence packs through the real router over a real SQLite store: a hatchery, a farm and a
//! processor capture a shrimp chain; the FSMA 204 sheet, the EU and SIMP records, the plan and
//! the GDST document are read back as files; unknown lots, bad formats and missing parameters
//! are refused with the rule.

mod support;

use axum::http::StatusCode;
use nguon_domain::ApiKeyScope;
use nguon_gs1::percent_encode;
use support::TestApp;
use support::chain::{FARM_NAME, POND, POND_PLACE, PROCESSOR_NAME, shrimp_chain};

fn lot_path(export: &str, lot: &str, format: &str) -> String {
    format!(
        "/api/v1/exports/{export}?lot={}&format={format}",
        percent_encode(lot)
    )
}

#[tokio::test]
async fn a_pond_lot_exports_as_fsma_eu_simp_and_a_plan() {
    let app = TestApp::new().await;
    shrimp_chain(&app).await;
    let key = app.key(ApiKeyScope::Province).await;

    let fsma = app.get(&key, &lot_path("fsma", POND, "csv"), &[]).await;
    assert_eq!(fsma.status, StatusCode::OK, "{}", fsma.body);
    assert_eq!(fsma.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(fsma.bytes.as_slice());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, nguon_export::FSMA_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ctes: Vec<(&str, &str)> = rows.iter().map(|r| (&r[0], &r[3])).collect();
    // The seed lot one step back, the pond lot, the frozen lot one step forward.
    assert!(ctes.contains(&("Transformation", POND)), "{ctes:?}");
    assert!(ctes.contains(&("Shipping", POND)), "{ctes:?}");
    assert!(ctes.contains(&("Receiving", POND)), "{ctes:?}");
    let shipped = rows
        .iter()
        .find(|r| &r[0] == "Shipping" && &r[3] == POND)
        .unwrap();
    assert_eq!(&shipped[7], POND_PLACE);
    assert_eq!(&shipped[18], FARM_NAME);

    let xlsx = app.get(&key, &lot_path("fsma", POND, "xlsx"), &[]).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX is a zip");

    let eu = app.get(&key, &lot_path("eu", POND, "csv"), &[]).await;
    assert_eq!(eu.status, StatusCode::OK, "{}", eu.body);
    let line = eu.body.lines().nth(1).expect("one dispatch");
    assert!(
        line.contains(FARM_NAME) && line.contains(PROCESSOR_NAME),
        "{line}"
    );

    let simp = app.get(&key, &lot_path("simp", POND, "pdf"), &[]).await;
    assert_eq!(simp.status, StatusCode::OK);
    assert_eq!(simp.header("content-type"), Some("application/pdf"));
    assert!(simp.bytes.starts_with(b"%PDF-"));

    let plan = app
        .get(&key, "/api/v1/exports/plan?org=0300000012", &[])
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    assert!(plan.bytes.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn bad_and_unknown_requests_are_refused_with_the_rule() {
    let app = TestApp::new().await;
    shrimp_chain(&app).await;
    let key = app.key(ApiKeyScope::Province).await;
    let unknown = "https://id.gs1.org/01/08931234560027/10/NOPE";
    let reply = app.get(&key, &lot_path("simp", unknown, "csv"), &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert!(reply.body.contains("NOPE"), "{}", reply.body);
    let reply = app.get(&key, &lot_path("fsma", POND, "pdf"), &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("must be one of csv, xlsx"),
        "{}",
        reply.body
    );
    let reply = app.get(&key, "/api/v1/exports/fsma?format=csv", &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // A parameter the export does not know is a problem+json like every other bad input.
    let reply = app.get(&key, "/api/v1/exports/eu?lott=x", &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        reply.body.contains("unknown field `lott`, expected one of"),
        "{}",
        reply.body
    );
    let reply = app
        .get(
            &key,
            "/api/v1/exports/fsma?from=2026-03-05&to=2026-03-01",
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("must end after it starts"),
        "{}",
        reply.body
    );
    let reply = app
        .get(&key, "/api/v1/exports/plan?org=0399999999", &[])
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    // The chain carries no GDST product owner or lot numbers: GDST export says what is missing.
    let reply = app
        .get(
            &key,
            &lot_path("gdst", POND, "csv").replace("&format=csv", ""),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("GDST"), "{}", reply.body);
}

#[tokio::test]
async fn a_date_range_sheet_holds_the_ctes_of_those_days() {
    let app = TestApp::new().await;
    shrimp_chain(&app).await;
    let key = app.key(ApiKeyScope::Province).await;
    let reply = app
        .get(
            &key,
            "/api/v1/exports/fsma?from=2026-01-03&to=2026-01-03",
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut reader = csv::Reader::from_reader(reply.bytes.as_slice());
    let dates: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert!(!dates.is_empty());
    assert!(dates.iter().all(|d| d == "2026-01-03"), "{dates:?}");
}
