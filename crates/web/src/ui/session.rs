//! Sign-in sessions and CSRF protection for the portal's forms.
//!
//! * The `nguon_session` cookie holds a random token (HttpOnly, SameSite=Lax, `Secure` when
//!   configured); the database keeps only its SHA-256. Every sign-in makes a new token, so a
//!   token planted before sign-in is worth nothing after it.
//! * A session ends at its expiry, after an idle time-out, at sign-out, and when its user changes
//!   password elsewhere or is disabled: each is checked on every request.
//! * Every form carries a CSRF token. Signed in, it is the session's own token, kept in the
//!   database. Before sign-in (the login form) it is a double-submit token: a random value in a
//!   cookie that the form must repeat, which a cross-site page can neither read nor set.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use nguon_domain::{Organisation, Session, User, UserStatus};
use sha2::{Digest, Sha256};
use time::Duration;

use crate::AppState;
use crate::ui::i18n::Lang;
use crate::ui::pages::UiError;

/// The session cookie.
pub const SESSION_COOKIE: &str = "nguon_session";

/// The double-submit cookie of the login form.
pub const LOGIN_CSRF_COOKIE: &str = "nguon_login_csrf";

/// How often at most a session's last-seen time is written: often enough for an idle time-out
/// counted in minutes, rarely enough that reading pages does not mean writing the database.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A fresh random token: 32 bytes as 64 hex digits.
pub fn random_token() -> Result<String, UiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| UiError::Internal(e.to_string()))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares two tokens in time that depends only on their lengths, so a CSRF token cannot be
/// guessed byte by byte from response times.
pub fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && !expected.is_empty()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// A cookie with the portal's flags: HttpOnly, SameSite=Lax, path `/`, `Secure` as configured.
pub fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: Duration,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.ui.secure_cookies)
        .path("/")
        .max_age(max_age)
        .build()
}

/// A cookie that deletes `name` in the browser.
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    cookie(state, name, String::new(), Duration::ZERO)
}

/// The signed-in user of a request, with the session and the user's organisation. Extracting it
/// from a request without a live session redirects to `/login`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub user: User,
    /// The session of this request.
    pub session: Session,
    /// The user's organisation, for organisation roles.
    pub organisation: Option<Organisation>,
    /// The request's language.
    pub lang: Lang,
}

impl SignedIn {
    /// Whether a form sent back this session's CSRF token.
    pub fn csrf_ok(&self, given: &str) -> bool {
        same_token(given, &self.session.csrf_token)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::of_request(&parts.headers);
        let jar = CookieJar::from_headers(&parts.headers);
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(to_login());
        };
        let fail = |error: UiError| error.into_page(lang);
        let Some(session) = state
            .store
            .session_by_token_hash(&token_hash(&token))
            .await
            .map_err(|e| fail(e.into()))?
        else {
            return Err(to_login());
        };
        let now = nguon_store::now_utc();
        if !session.is_live(now, state.ui.idle_timeout) {
            return Err(to_login());
        }
        let user = state
            .store
            .user(session.user)
            .await
            .map_err(|e| fail(e.into()))?;
        if user.status != UserStatus::Active {
            return Err(to_login());
        }
        if now - session.last_seen_at > TOUCH_EVERY {
            state
                .store
                .touch_session(session.id, now)
                .await
                .map_err(|e| fail(e.into()))?;
        }
        let organisation = match user.access.organisation() {
            Some(id) => Some(
                state
                    .store
                    .organisation(id)
                    .await
                    .map_err(|e| fail(e.into()))?,
            ),
            None => None,
        };
        Ok(Self {
            user,
            session,
            organisation,
            lang,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_compare_exactly() {
        let first = random_token().unwrap();
        let second = random_token().unwrap();
        assert_eq!(first.len(), 64);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(first, second);
        assert!(same_token(&first, &first.clone()));
        assert!(!same_token(&first, &second));
        assert!(!same_token("", ""));
        assert!(!same_token(&first[..63], &first));
    }
}
