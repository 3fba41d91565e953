//! Request rates: an API key that captures faster than its rate and a client that scans faster
//! than the resolver's rate get `429` with `Retry-After`, while other keys and clients, and
//! the key's queries, go on as usual.

mod support;

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use nguon_web::throttle::RequestLimits;
use support::TestApp;

fn scan_from(client: [u8; 4]) -> Request<Body> {
    let mut request = Request::get("/01/08934673000017")
        .header("host", "resolver.test")
        .body(Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((client, 40_000))));
    request
}

#[tokio::test]
async fn keys_and_clients_over_their_rate_wait_and_others_do_not() {
    let app = TestApp::new()
        .await
        .with_limits(RequestLimits::new(NonZeroU32::new(2), NonZeroU32::new(3)));
    let (_, fast) = app.organisation("0300000071").await;
    let (_, calm) = app.organisation("0300000072").await;
    let capture = |key: &str| {
        let key = key.to_owned();
        let app = &app;
        async move {
            app.post(&key, "/epcis/events", "application/ld+json", "{}", &[])
                .await
        }
    };
    for _ in 0..2 {
        let reply = capture(&fast).await;
        assert_ne!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.body
        );
    }
    let held = capture(&fast).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS, "{}", held.body);
    assert_eq!(
        held.header("content-type"),
        Some("application/problem+json")
    );
    let wait: u64 = held.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert!(held.json()["detail"].as_str().unwrap().contains("rate"));
    assert_ne!(capture(&calm).await.status, StatusCode::TOO_MANY_REQUESTS);
    let query = app.get(&fast, "/epcis/events", &[]).await;
    assert_eq!(query.status, StatusCode::OK, "queries are not captures");

    for _ in 0..3 {
        let reply = app.send(scan_from([203, 0, 113, 9])).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    }
    let held = app.send(scan_from([203, 0, 113, 9])).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(held.header("retry-after").is_some());
    assert_eq!(held.header("access-control-allow-origin"), Some("*"));
    let other = app.send(scan_from([198, 51, 100, 4])).await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "another client scans on"
    );
}
