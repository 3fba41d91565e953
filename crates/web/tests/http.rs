//! In-process HTTP tests: requests go through the real router with `oneshot`, against a real
//! SQLite store in a temporary directory.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use nguon_store_sqlite::SqliteStore;
use nguon_web::{AppState, router};
use serde_json::{Value, json};
use tower::ServiceExt;

struct TestApp {
    state: AppState,
    // Held so the database file lives as long as the test.
    _dir: tempfile::TempDir,
}

async fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("web.db")).await.unwrap();
    TestApp {
        state: AppState::new(Arc::new(store)),
        _dir: dir,
    }
}

async fn get(state: &AppState, path: &str) -> (StatusCode, String, Value) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
    (status, content_type, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn healthz_says_ok() {
    let app = app().await;
    let (status, content_type, body) = get(&app.state, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert_eq!(body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn readyz_follows_the_database() {
    let app = app().await;
    let (status, _, body) = get(&app.state, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "status": "ready" }));

    app.state.store.close().await;
    let (status, content_type, body) = get(&app.state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(
        body,
        json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the database is unavailable; try again later",
        })
    );

    // Liveness does not depend on the database.
    let (status, _, _) = get(&app.state, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_get_a_problem() {
    let app = app().await;
    let (status, content_type, body) = get(&app.state, "/no/such/thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["detail"], "no resource at /no/such/thing");
}

#[tokio::test]
async fn serve_finishes_when_shutdown_is_signalled() {
    let app = app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nguon_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));

    // A raw HTTP/1.1 request over real TCP proves the listener serves the router.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.ends_with(r#"{"status":"ok"}"#), "{reply}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
