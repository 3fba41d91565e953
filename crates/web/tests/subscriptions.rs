//! Named queries and subscriptions through real parts: the router over a real SQLite store, the
//! delivery worker POSTing to a real HTTP receiver on a local port, and a WebSocket client
//! against the real server.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use futures_util::StreamExt;
use nguon_domain::ApiKeyScope;
use nguon_web::epcis::subscriptions::{DeliverySettings, sign, spawn_delivery};
use serde_json::{Value, json};
use support::TestApp;
use tokio::net::TcpListener;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

fn object_event(serial: u32, biz_step: &str) -> Value {
    json!({
        "type": "ObjectEvent",
        "eventTime": format!("2026-03-01T07:{:02}:00+07:00", serial % 60),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [format!("urn:epc:id:sgtin:893123456.0001.S{serial}")],
        "bizStep": biz_step,
    })
}

fn document(events: Vec<Value>) -> String {
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

/// The epcList serials of a query document, in order.
fn serials(document: &Value) -> Vec<String> {
    document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap_or_else(|| panic!("no event list: {document}"))
        .iter()
        .map(|event| {
            let epc = event["epcList"][0].as_str().unwrap_or_default();
            epc.rsplit('.').next().unwrap_or_default().to_owned()
        })
        .collect()
}

async fn capture(app: &TestApp, key: &str, events: Vec<Value>) {
    let job = app
        .capture(key, "application/ld+json", &document(events), &[])
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
}

fn problem_type(reply: &support::Reply) -> String {
    reply.json()["type"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn named_queries_are_stored_listed_run_and_deleted() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000101").await;
    let (_, other) = app.organisation("0300000102").await;
    let definition = json!({"name": "shipping", "query": {"EQ_bizStep": ["shipping"], "eventType": "ObjectEvent"}});
    let created = app.post_json(&key, "/epcis/queries", &definition).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.header("location"), Some("/epcis/queries/shipping"));
    assert_eq!(created.json()["query"], definition["query"]);

    let again = app.post_json(&key, "/epcis/queries", &definition).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(
        problem_type(&again),
        "epcisException:ResourceAlreadyExistsException"
    );
    // Names are per organisation.
    let theirs = app.post_json(&other, "/epcis/queries", &definition).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);

    for (body, parameter) in [
        (
            json!({"name": "bad", "query": {"EQ_action": "JUMP"}}),
            "EQ_action",
        ),
        (
            json!({"name": "bad", "query": {"perPage": {"n": 1}}}),
            "perPage",
        ),
        (
            json!({"name": "bad", "query": {"nextPageToken": "x"}}),
            "nextPageToken",
        ),
    ] {
        let refused = app.post_json(&key, "/epcis/queries", &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(
            problem_type(&refused),
            "epcisException:QueryParameterException"
        );
        let detail = refused.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with(&format!("{parameter}: ")), "{detail}");
    }
    for body in [
        json!({"name": "has space", "query": {}}),
        json!({"query": {}}),
        json!({"name": "x", "query": {}, "extra": 1}),
    ] {
        let refused = app.post_json(&key, "/epcis/queries", &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(
            problem_type(&refused),
            "epcisException:QueryValidationException"
        );
    }
    let not_json = app
        .post(&key, "/epcis/queries", "text/plain", "{}", &[])
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let province = app.key(ApiKeyScope::Province).await;
    let forbidden = app.get(&province, "/epcis/queries", &[]).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );

    let list = app.get(&key, "/epcis/queries", &[]).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let names: Vec<Value> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].clone())
        .collect();
    assert_eq!(names, [json!("shipping")]);
    let one = app.get(&key, "/epcis/queries/shipping", &[]).await;
    assert_eq!(one.json()["query"], definition["query"]);

    // The stored query runs, pages with perPage and nextPageToken, and takes nothing else.
    capture(
        &app,
        &key,
        vec![
            object_event(1, "shipping"),
            object_event(2, "receiving"),
            object_event(3, "shipping"),
            object_event(4, "shipping"),
        ],
    )
    .await;
    let first = app
        .get(&key, "/epcis/queries/shipping/events?perPage=2", &[])
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let document: Value = first.json();
    assert_eq!(
        document["epcisBody"]["queryResults"]["queryName"],
        "shipping"
    );
    assert_eq!(serials(&document), ["S1", "S3"]);
    let link = first.header("link").expect("Link: next").to_owned();
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once('>'))
        .map(|(url, _)| url.to_owned())
        .unwrap();
    assert!(
        next.starts_with("/epcis/queries/shipping/events?"),
        "{next}"
    );
    let second = app.get(&key, &next, &[]).await;
    assert_eq!(serials(&second.json()), ["S4"]);
    let extra = app
        .get(&key, "/epcis/queries/shipping/events?EQ_action=ADD", &[])
        .await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST, "{}", extra.body);
    assert!(
        extra.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("EQ_action: ")
    );

    for path in [
        "/epcis/queries/nope",
        "/epcis/queries/nope/events",
        "/epcis/queries/bad%20name",
    ] {
        let missing = app.get(&key, path, &[]).await;
        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            missing.body
        );
        assert_eq!(problem_type(&missing), "epcisException:NoSuchNameException");
    }
    let deleted = app.delete(&key, "/epcis/queries/shipping").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = app.delete(&key, "/epcis/queries/shipping").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // The other organisation's query of the same name is untouched.
    let kept = app.get(&other, "/epcis/queries/shipping", &[]).await;
    assert_eq!(kept.status, StatusCode::OK);
}

#[tokio::test]
async fn subscriptions_are_checked_listed_and_deleted() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000103").await;
    let query = json!({"name": "all", "query": {}});
    assert_eq!(
        app.post_json(&key, "/epcis/queries", &query).await.status,
        StatusCode::CREATED
    );
    let path = "/epcis/queries/all/subscriptions";
    for (body, field) in [
        (
            json!({"dest": "http://127.0.0.1:9/", "stream": true, "schedule": {"minute": "0"}}),
            "stream",
        ),
        (json!({"dest": "http://127.0.0.1:9/"}), "stream"),
        (
            json!({"dest": "https://example.com/", "stream": true}),
            "dest",
        ),
        (json!({"dest": "not a url", "stream": true}), "dest"),
        (
            json!({"dest": "http://127.0.0.1:9/", "schedule": {"minute": "61"}}),
            "schedule",
        ),
        (
            json!({"dest": "http://127.0.0.1:9/", "schedule": {"month": "2", "dayOfMonth": "30"}}),
            "schedule",
        ),
        (
            json!({"dest": "http://127.0.0.1:9/", "stream": true, "initialRecordTime": "yesterday"}),
            "initialRecordTime",
        ),
    ] {
        let refused = app.post_json(&key, path, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.body
        );
        let detail = refused.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.starts_with(&format!("{field}: ")),
            "{body}: {detail}"
        );
    }
    let missing = app
        .post_json(
            &key,
            "/epcis/queries/nope/subscriptions",
            &json!({"dest": "http://127.0.0.1:9/", "stream": true}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let created = app
        .post_json(
            &key,
            path,
            &json!({"dest": "http://127.0.0.1:9/hook", "signatureToken": "t", "schedule": {"hour": "1", "minute": "5"}, "reportIfEmpty": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let view = created.json();
    let id = view["subscriptionID"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("{path}/{id}").as_str())
    );
    assert_eq!(view["schedule"], json!({"hour": "1", "minute": "5"}));
    assert_eq!(view["signed"], true);
    assert!(
        view.get("signatureToken").is_none(),
        "the secret is never shown"
    );

    let list = app.get(&key, path, &[]).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    let one = app.get(&key, &format!("{path}/{id}"), &[]).await;
    assert_eq!(one.json(), view);
    let (_, stranger) = app.organisation("0300000104").await;
    let hidden = app.get(&stranger, &format!("{path}/{id}"), &[]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete(&key, &format!("{path}/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = app.get(&key, &format!("{path}/{id}"), &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        problem_type(&gone),
        "epcisException:NoSuchResourceException"
    );
}

/// What the receiver saw: every request's signature header and body, and how many it refused.
#[derive(Default)]
struct Received {
    refuse: usize,
    accepted: Vec<(Option<String>, String)>,
    refused: usize,
}

async fn receive(
    State(seen): State<Arc<Mutex<Received>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut seen = seen.lock().unwrap();
    if seen.refused < seen.refuse {
        seen.refused += 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let signature = headers
        .get("GS1-Signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    seen.accepted
        .push((signature, String::from_utf8(body.to_vec()).unwrap()));
    StatusCode::NO_CONTENT
}

/// A webhook receiver on a local port that refuses the first `refuse` deliveries.
async fn receiver(refuse: usize) -> (String, Arc<Mutex<Received>>) {
    let seen = Arc::new(Mutex::new(Received {
        refuse,
        ..Received::default()
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hook"), seen)
}

fn fast_delivery() -> DeliverySettings {
    DeliverySettings {
        tick: Duration::from_millis(50),
        settle: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
        first_retry: Duration::from_millis(100),
        max_retry: Duration::from_millis(400),
        attempts: 4,
    }
}

/// Waits until `done` holds for what the receiver got.
async fn wait_for(seen: &Arc<Mutex<Received>>, done: impl Fn(&Received) -> bool) {
    for _ in 0..400 {
        if done(&seen.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let seen = seen.lock().unwrap();
    panic!(
        "receiver never got it: {} accepted, {} refused",
        seen.accepted.len(),
        seen.refused
    );
}

#[tokio::test]
async fn stream_subscriptions_deliver_signed_documents_exactly_once_despite_failures() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000105").await;
    let worker = spawn_delivery(app.state.clone(), fast_delivery());
    let query = json!({"name": "shipped", "query": {"EQ_bizStep": "shipping"}});
    assert_eq!(
        app.post_json(&key, "/epcis/queries", &query).await.status,
        StatusCode::CREATED
    );
    let (signed_dest, signed) = receiver(0).await;
    let (flaky_dest, flaky) = receiver(2).await;
    let path = "/epcis/queries/shipped/subscriptions";
    let token = "13df38d8275b13f05704629e5f1cf3d45d6132d5";
    let first = app
        .post_json(
            &key,
            path,
            &json!({"dest": signed_dest, "signatureToken": token, "stream": true}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let id = first.json()["subscriptionID"].as_str().unwrap().to_owned();
    let second = app
        .post_json(&key, path, &json!({"dest": flaky_dest, "stream": true}))
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);

    capture(
        &app,
        &key,
        vec![object_event(1, "shipping"), object_event(2, "receiving")],
    )
    .await;
    wait_for(&signed, |r| !r.accepted.is_empty()).await;
    capture(&app, &key, vec![object_event(3, "shipping")]).await;
    // One event alone, through the single-event endpoint.
    let mut event = object_event(4, "shipping");
    event["@context"] = json!([CONTEXT]);
    let single = app
        .post(
            &key,
            "/epcis/events",
            "application/ld+json",
            event.to_string(),
            &[],
        )
        .await;
    assert_eq!(single.status, StatusCode::CREATED, "{}", single.body);

    let delivered = |r: &Received| -> Vec<String> {
        r.accepted
            .iter()
            .flat_map(|(_, body)| serials(&serde_json::from_str(body).unwrap()))
            .collect()
    };
    wait_for(&signed, |r| delivered(r).len() >= 3).await;
    wait_for(&flaky, |r| delivered(r).len() >= 3).await;
    // Give a duplicate the time to show up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    {
        let signed = signed.lock().unwrap();
        assert_eq!(delivered(&signed), ["S1", "S3", "S4"]);
        for (signature, body) in &signed.accepted {
            assert_eq!(
                signature.as_deref(),
                Some(sign(token, body.as_bytes()).unwrap().as_str())
            );
            let document: Value = serde_json::from_str(body).unwrap();
            assert_eq!(document["type"], "EPCISQueryDocument");
            assert_eq!(
                document["epcisBody"]["queryResults"]["queryName"],
                "shipped"
            );
            assert_eq!(
                document["epcisBody"]["queryResults"]["subscriptionID"],
                id.as_str()
            );
        }
        let flaky = flaky.lock().unwrap();
        assert_eq!(flaky.refused, 2);
        assert_eq!(delivered(&flaky), ["S1", "S3", "S4"]);
        assert!(
            flaky
                .accepted
                .iter()
                .all(|(signature, _)| signature.is_none())
        );
    }
    let state = app.get(&key, &format!("{path}/{id}"), &[]).await.json();
    assert_eq!(state["failures"], 0, "{state}");
    assert!(state["lastNotifiedAt"].is_string(), "{state}");
    worker.abort();
}

#[tokio::test]
async fn a_destination_that_never_answers_is_recorded_and_caught_up_later() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000106").await;
    let worker = spawn_delivery(app.state.clone(), fast_delivery());
    assert_eq!(
        app.post_json(&key, "/epcis/queries", &json!({"name": "all", "query": {}}))
            .await
            .status,
        StatusCode::CREATED
    );
    let (dest, seen) = receiver(usize::MAX).await;
    let created = app
        .post_json(
            &key,
            "/epcis/queries/all/subscriptions",
            &json!({"dest": dest, "stream": true}),
        )
        .await;
    let location = created.header("location").unwrap().to_owned();
    capture(&app, &key, vec![object_event(7, "shipping")]).await;
    let mut state = Value::Null;
    for _ in 0..200 {
        state = app.get(&key, &location, &[]).await.json();
        if state["failures"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(state["failures"], 1, "{state}");
    let error = state["lastError"].as_str().unwrap();
    assert!(
        error.contains("503") && error.contains("after 4 attempts"),
        "{error}"
    );
    // The destination recovers: the same event arrives, once.
    seen.lock().unwrap().refuse = 0;
    wait_for(&seen, |r| !r.accepted.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got: Vec<String> = seen
        .lock()
        .unwrap()
        .accepted
        .iter()
        .flat_map(|(_, b)| serials(&serde_json::from_str(b).unwrap()))
        .collect();
    assert_eq!(got, ["S7"]);
    worker.abort();
}

#[tokio::test]
async fn a_schedule_with_report_if_empty_sends_empty_documents_on_time() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000108").await;
    let worker = spawn_delivery(app.state.clone(), fast_delivery());
    let query = json!({"name": "all", "query": {}});
    assert_eq!(
        app.post_json(&key, "/epcis/queries", &query).await.status,
        StatusCode::CREATED
    );
    let (dest, seen) = receiver(0).await;
    let body = json!({"dest": dest, "reportIfEmpty": true, "schedule": {"second": "*"}});
    let created = app
        .post_json(&key, "/epcis/queries/all/subscriptions", &body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // Every second, with nothing new: an empty document each time.
    wait_for(&seen, |r| r.accepted.len() >= 2).await;
    let seen = seen.lock().unwrap();
    for (_, body) in &seen.accepted {
        assert!(serials(&serde_json::from_str(body).unwrap()).is_empty());
    }
    worker.abort();
}

#[tokio::test]
async fn a_websocket_receives_newly_captured_events() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000107").await;
    assert_eq!(
        app.post_json(
            &key,
            "/epcis/queries",
            &json!({"name": "shipped", "query": {"EQ_bizStep": "shipping"}})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    capture(&app, &key, vec![object_event(1, "shipping")]).await;
    let address = app.serve().await;
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = axum::http::Request::get(format!("ws://{address}/epcis/queries/shipped/events"))
        .header("authorization", format!("Bearer {key}"))
        .header("host", address.to_string())
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header(
            "sec-websocket-key",
            tokio_tungstenite::tungstenite::handshake::client::generate_key(),
        )
        .body(())
        .unwrap();
    let (mut socket, response) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);

    // Events captured before the connection are not sent (no initialRecordTime).
    capture(
        &app,
        &key,
        vec![object_event(2, "shipping"), object_event(3, "receiving")],
    )
    .await;
    capture(&app, &key, vec![object_event(4, "shipping")]).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket stays open")
            .expect("a valid frame");
        let text = message.into_text().expect("a text message");
        let document: Value = serde_json::from_str(text.as_str()).unwrap();
        assert_eq!(
            document["epcisBody"]["queryResults"]["queryName"],
            "shipped"
        );
        got.extend(serials(&document));
    }
    assert_eq!(got, ["S2", "S4"]);
}
