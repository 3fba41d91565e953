//! Every answer carries the security headers: portal pages, the sign-in page, JSON APIs,
//! errors and resolver answers alike; HSTS only once the portal is configured for HTTPS.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_web::security::CONTENT_SECURITY_POLICY;
use nguon_web::ui::UiSettings;
use support::TestApp;

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn every_answer_forbids_inline_script_framing_and_sniffing() {
    let app = TestApp::new().await;
    for (path, status) in [
        ("/login", StatusCode::OK),
        ("/", StatusCode::SEE_OTHER),
        ("/healthz", StatusCode::OK),
        ("/api/openapi.json", StatusCode::OK),
        ("/epcis/events", StatusCode::UNAUTHORIZED),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/01/12345", StatusCode::BAD_REQUEST),
        ("/.well-known/gs1resolver", StatusCode::OK),
    ] {
        let reply = app.send(get(path)).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        let policy = reply.header("content-security-policy").unwrap_or_default();
        assert_eq!(policy, CONTENT_SECURITY_POLICY, "{path}");
        assert!(!policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"));
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            reply.header("referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert_eq!(reply.header("strict-transport-security"), None, "{path}");
    }

    // No page of the portal needs an inline script or style to work.
    let login = app.send(get("/login")).await;
    assert!(!login.body.contains("<script>") && !login.body.contains("style="));

    let https = app.with_ui(UiSettings {
        secure_cookies: true,
        ..UiSettings::default()
    });
    let reply = https.send(get("/login")).await;
    assert_eq!(
        reply.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}
