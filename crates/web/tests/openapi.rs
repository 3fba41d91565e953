//! The served OpenAPI document: generated from the route annotations, so a route or response
//! that changes shows up as a snapshot diff to review (`cargo insta review`).

mod support;

use axum::http::StatusCode;
use support::TestApp;

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::new().await;
    let reply = app.get("", "/api/openapi.json", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let document = reply.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&str> = document["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    for expected in [
        "/healthz",
        "/readyz",
        "/epcis",
        "/epcis/capture",
        "/epcis/capture/{capture_id}",
        "/epcis/events",
        "/epcis/events/{event_id}",
        "/epcis/{resource}",
        "/epcis/{resource}/{id}",
        "/epcis/{resource}/{id}/events",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    assert_eq!(
        document["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    insta::assert_json_snapshot!("openapi", document);
}
