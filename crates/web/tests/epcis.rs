//! The EPCIS REST bindings through the real router over a real SQLite store: capture jobs and
//! their error behaviours, single-event capture, queries and paging, content negotiation, keys
//! and ownership, and every kind of bad input.

mod support;

use axum::http::StatusCode;
use nguon_domain::ApiKeyScope;
use nguon_web::EpcisSettings;
use serde_json::{Value, json};
use support::TestApp;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

fn object_event(serial: u32, biz_step: &str) -> Value {
    json!({
        "type": "ObjectEvent",
        "eventTime": format!("2026-03-01T07:{:02}:00+07:00", serial % 60),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [format!("urn:epc:id:sgtin:893123456.0001.S{serial}")],
        "bizStep": biz_step,
        "readPoint": {"id": "urn:epc:id:sgln:893123456.001.0"},
    })
}

fn document(events: Vec<Value>) -> String {
    json!({
        "@context": [CONTEXT, {"ex": "https://ns.example.com/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

fn event_list(reply: &support::Reply) -> Vec<Value> {
    reply.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no event list: {}", reply.body))
}

#[tokio::test]
async fn a_captured_document_is_queried_back_with_the_same_hashes() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000001").await;
    let mut events: Vec<Value> = (1..=5).map(|n| object_event(n, "shipping")).collect();
    events[0]["ex:temperatureLog"] = json!({"ex:max": 4.5, "ex:unit": "CEL"});
    let text = document(events);
    let job = app
        .capture(&key, "application/ld+json", &text, &[])
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(job["captureErrorBehaviour"], "rollback");
    assert_eq!(job["capturedCount"], 5);

    let reply = app.get(&key, "/epcis/events?perPage=10", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/ld+json"));
    assert_eq!(reply.header("GS1-EPCIS-Version"), Some("2.0.0"));
    nguon_epcis::validate::validate_json_ld(&reply.body).expect("the query document is valid");
    let sent = nguon_epcis::hash::event_hashes(&text, nguon_epcis::hash::Format::JsonLd).unwrap();
    let back =
        nguon_epcis::hash::event_hashes(&reply.body, nguon_epcis::hash::Format::JsonLd).unwrap();
    let sent: Vec<_> = sent.into_iter().map(|h| h.hash).collect();
    let back: Vec<_> = back.into_iter().map(|h| h.hash).collect();
    assert_eq!(sent.len(), 5);
    for hash in &sent {
        assert!(back.contains(hash), "{hash} missing from {back:?}");
    }
    for event in event_list(&reply) {
        assert!(event["recordTime"].is_string(), "{event}");
        assert!(
            event["eventID"]
                .as_str()
                .unwrap()
                .starts_with("ni:///sha-256;")
        );
    }

    let xml = app
        .get(&key, "/epcis/events", &[("accept", "application/xml")])
        .await;
    assert_eq!(xml.status, StatusCode::OK, "{}", xml.body);
    assert_eq!(xml.header("content-type"), Some("application/xml"));
    let from_xml: Vec<_> =
        nguon_epcis::hash::event_hashes(&xml.body, nguon_epcis::hash::Format::Xml)
            .unwrap()
            .into_iter()
            .map(|h| h.hash)
            .collect();
    assert_eq!(from_xml, back, "XML and JSON-LD answers hash alike");
}

#[tokio::test]
async fn single_events_are_created_once() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000002").await;
    let mut event = object_event(7, "receiving");
    event["@context"] = json!([CONTEXT]);
    event["eventID"] = json!("urn:uuid:0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f");
    let created = app
        .post(
            &key,
            "/epcis/events",
            "application/ld+json",
            event.to_string(),
            &[],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.header("location"),
        Some("/epcis/events/urn%3Auuid%3A0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f")
    );
    let again = app
        .post(
            &key,
            "/epcis/events",
            "application/ld+json",
            event.to_string(),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(
        again.json()["type"],
        "epcisException:ResourceAlreadyExistsException"
    );
    // The same event under another eventID is the same event hash: still a conflict.
    event["eventID"] = json!("urn:uuid:0190f5c2-8d3a-7b4e-9f10-000000000000");
    let same_hash = app
        .post(
            &key,
            "/epcis/events",
            "application/ld+json",
            event.to_string(),
            &[],
        )
        .await;
    assert_eq!(same_hash.status, StatusCode::CONFLICT, "{}", same_hash.body);

    let one = app
        .get(
            &key,
            "/epcis/events/urn%3Auuid%3A0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f",
            &[],
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(event_list(&one).len(), 1);
    let none = app.get(&key, "/epcis/events/urn%3Auuid%3Anope", &[]).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rollback_keeps_nothing_and_proceed_keeps_the_rest() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000003").await;
    let first = app
        .capture(
            &key,
            "application/ld+json",
            &document(vec![object_event(1, "shipping")]),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(first["success"], true);
    // Event 1 repeats the stored one; events 0 and 2 are new.
    let mixed = document(vec![
        object_event(2, "shipping"),
        object_event(1, "shipping"),
        object_event(3, "shipping"),
    ]);
    let rolled_back = app
        .capture(&key, "application/ld+json", &mixed, &[])
        .await
        .unwrap();
    assert_eq!(rolled_back["success"], false, "{rolled_back}");
    assert_eq!(rolled_back["capturedCount"], 0);
    assert!(
        rolled_back["errors"][0]
            .as_str()
            .unwrap()
            .contains("already captured"),
        "{rolled_back}"
    );
    let count = |reply: support::Reply| event_list(&reply).len();
    assert_eq!(count(app.get(&key, "/epcis/events", &[]).await), 1);

    let proceeded = app
        .capture(
            &key,
            "application/ld+json",
            &mixed,
            &[("GS1-Capture-Error-Behaviour", "proceed")],
        )
        .await
        .unwrap();
    assert_eq!(proceeded["success"], false, "{proceeded}");
    assert_eq!(proceeded["capturedCount"], 2);
    assert!(
        proceeded["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("event 1:"),
        "{proceeded}"
    );
    assert_eq!(count(app.get(&key, "/epcis/events", &[]).await), 3);

    let jobs = app.get(&key, "/epcis/capture", &[]).await;
    assert_eq!(jobs.status, StatusCode::OK);
    assert_eq!(jobs.json().as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_documents_are_refused_naming_the_event_and_field() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000004").await;
    let mut bad = object_event(1, "shipping");
    bad["eventTimeZoneOffset"] = json!("+25:00");
    let reply = app
        .post(
            &key,
            "/epcis/capture",
            "application/ld+json",
            document(vec![object_event(2, "shipping"), bad]),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let problem = reply.json();
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(problem["type"], "epcisException:ValidationException");
    assert_eq!(problem["errors"][0]["eventIndex"], 1, "{problem}");
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .ends_with("eventTimeZoneOffset"),
        "{problem}"
    );
    assert_eq!(
        event_list(&app.get(&key, "/epcis/events", &[]).await).len(),
        0
    );

    for (body, content_type, status) in [
        ("{not json", "application/ld+json", StatusCode::BAD_REQUEST),
        ("<EPCISDocument", "application/xml", StatusCode::BAD_REQUEST),
        ("x", "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            r#"{"type":"EPCISDocument"}"#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let reply = app
            .post(&key, "/epcis/capture", content_type, body, &[])
            .await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }
}

#[tokio::test]
async fn limits_are_advertised_and_enforced() {
    let app = TestApp::with_settings(EpcisSettings {
        capture_limit: 2,
        capture_file_size_limit: 4_000,
        ..EpcisSettings::default()
    })
    .await;
    let (_, key) = app.organisation("0300000005").await;
    let discovery = app.get(&key, "/epcis", &[]).await;
    assert_eq!(discovery.header("GS1-EPCIS-Capture-Limit"), Some("2"));
    assert_eq!(
        discovery.header("GS1-EPCIS-Capture-File-Size-Limit"),
        Some("4000")
    );
    let three = document((1..=3).map(|n| object_event(n, "shipping")).collect());
    let reply = app
        .post(&key, "/epcis/capture", "application/ld+json", three, &[])
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.json()["type"],
        "epcisException:CaptureLimitExceededException"
    );
    let big = document(vec![object_event(1, &"x".repeat(5_000))]);
    let reply = app
        .post(&key, "/epcis/capture", "application/ld+json", big, &[])
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn keys_decide_who_captures_and_who_reads() {
    let app = TestApp::new().await;
    let (_, farm) = app.organisation("0300000006").await;
    let (_, processor) = app.organisation("0300000007").await;
    let province = app.key(ApiKeyScope::Province).await;
    app.capture(
        &farm,
        "application/ld+json",
        &document(vec![object_event(1, "shipping")]),
        &[],
    )
    .await
    .unwrap();

    assert_eq!(
        event_list(&app.get(&farm, "/epcis/events", &[]).await).len(),
        1
    );
    assert_eq!(
        event_list(&app.get(&processor, "/epcis/events", &[]).await).len(),
        0
    );
    assert_eq!(
        event_list(&app.get(&province, "/epcis/events", &[]).await).len(),
        1
    );

    let refused = app
        .post(
            &province,
            "/epcis/capture",
            "application/ld+json",
            document(vec![]),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    for key in ["", "nguon_0000", "Basic abc"] {
        let reply = app.get(key, "/epcis/events", &[]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{key}");
        assert_eq!(reply.json()["type"], "epcisException:SecurityException");
    }
}

#[tokio::test]
async fn queries_filter_page_and_refuse_bad_parameters() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000008").await;
    let events: Vec<Value> = (1..=25)
        .map(|n| object_event(n, if n % 5 == 0 { "receiving" } else { "shipping" }))
        .collect();
    app.capture(&key, "application/ld+json", &document(events), &[])
        .await
        .unwrap();

    let receiving = app
        .get(
            &key,
            "/epcis/events?EQ_bizStep=urn%3Aepcglobal%3Acbv%3Abizstep%3Areceiving",
            &[],
        )
        .await;
    assert_eq!(event_list(&receiving).len(), 5, "{}", receiving.body);

    let one = app
        .get(
            &key,
            "/epcis/events?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F08931234560010%2F21%2FS7",
            &[],
        )
        .await;
    assert_eq!(event_list(&one).len(), 1, "{}", one.body);
    let pattern = app
        .get(
            &key,
            "/epcis/events?MATCH_epc=urn%3Aepc%3Aidpat%3Asgtin%3A893123456.0001.*&perPage=100",
            &[],
        )
        .await;
    assert_eq!(event_list(&pattern).len(), 25, "{}", pattern.body);

    let mut seen = Vec::new();
    let mut path = "/epcis/events?perPage=10&orderDirection=DESC".to_owned();
    loop {
        let page = app.get(&key, &path, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        seen.extend(
            event_list(&page)
                .into_iter()
                .map(|e| e["eventTime"].clone()),
        );
        match page.header("link") {
            Some(link) => {
                path = link
                    .strip_prefix('<')
                    .and_then(|l| l.split_once('>'))
                    .map(|(url, _)| url.to_owned())
                    .expect("Link: <url>; rel=next");
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.as_str().cmp(&a.as_str()));
    assert_eq!(seen, sorted, "newest first across pages");

    let limited = app.get(&key, "/epcis/events?eventCountLimit=3", &[]).await;
    assert_eq!(event_list(&limited).len(), 3);
    let too_many = app.get(&key, "/epcis/events?maxEventCount=3", &[]).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        too_many.json()["type"],
        "epcisException:QueryTooLargeException"
    );

    let bad = app
        .get(&key, "/epcis/events?GE_eventTime=yesterday", &[])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["type"], "epcisException:QueryParameterException");
    assert!(
        bad.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("GE_eventTime:")
    );

    let steps = app.get(&key, "/epcis/bizSteps", &[]).await;
    assert_eq!(
        steps.json()["member"],
        json!(["receiving", "shipping"]),
        "{}",
        steps.body
    );
    let shipping = app
        .get(&key, "/epcis/bizSteps/shipping/events?perPage=100", &[])
        .await;
    assert_eq!(event_list(&shipping).len(), 20);
    let not_acceptable = app
        .get(&key, "/epcis/events", &[("accept", "image/png")])
        .await;
    assert_eq!(not_acceptable.status, StatusCode::NOT_ACCEPTABLE);
    let old_version = app
        .get(&key, "/epcis/events", &[("GS1-EPCIS-Version", "1.2")])
        .await;
    assert_eq!(old_version.status, StatusCode::NOT_ACCEPTABLE);
    // A page size that is not a number is a QueryParameterException, on a top-level resource too.
    for path in [
        "/epcis/eventTypes?perPage=-1",
        "/epcis/capture?perPage=x",
        "/epcis/capture?perPage=101",
    ] {
        let reply = app.get(&key, path, &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{path}"
        );
        assert!(
            reply.body.contains("QueryParameterException") && reply.body.contains("perPage"),
            "{}",
            reply.body
        );
    }
    let xml_problem = app
        .get(
            &key,
            "/epcis/events?perPage=0",
            &[("accept", "application/xml")],
        )
        .await;
    assert_eq!(xml_problem.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        xml_problem.header("content-type"),
        Some("application/problem+xml")
    );
    let parsed = roxmltree::Document::parse(&xml_problem.body).expect("well-formed XML");
    let text = |name: &str| {
        parsed
            .descendants()
            .find(|n| n.has_tag_name(("urn:ietf:rfc:7807", name)))
            .and_then(|n| n.text())
            .map(str::to_owned)
    };
    assert_eq!(
        text("type").as_deref(),
        Some("epcisException:QueryParameterException")
    );
    assert_eq!(text("status").as_deref(), Some("400"));
}
