//! Security headers on every answer of the server: a Content Security Policy that allows only
//! the server's own scripts, styles and images (no inline script or style anywhere, so no
//! `unsafe-inline`), no framing by other sites, no MIME sniffing, a referrer kept to the origin
//! across sites, and Strict-Transport-Security once the portal is configured as served over
//! HTTPS (`[portal] secure_cookies`). A handler that sets one of them itself keeps its own.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

use crate::AppState;

/// The policy: the page's own origin only; images may also be `data:` URIs; forms post back
/// to the origin; nothing may frame the portal.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Strict-Transport-Security when served over HTTPS: one year.
const HSTS: &str = "max-age=31536000";

/// Adds the headers to `response` where its handler did not set them.
pub async fn headers(State(state): State<AppState>, mut response: Response) -> Response {
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    ];
    let headers = response.headers_mut();
    for (name, value) in fixed {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if state.ui.secure_cookies {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(HSTS));
    }
    response
}
