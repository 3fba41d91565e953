//! The signed-out and personal pages: sign-in, sign-out, home, password change, and the pages
//! every error ends on (403, 500, 503).

use askama::Template;
use askama_web::WebTemplate;
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::cookie::CookieJar;
use nguon_domain::{Actor, DomainError, Email, NewSession, Password, UserStatus};
use nguon_store::StoreError;
use secrecy::SecretString;
use serde::Deserialize;

use crate::AppState;
use crate::password;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::session::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, SignedIn, cookie, random_token, removal, same_token,
    token_hash,
};
use crate::ui::{Chrome, role_label};

/// Why a page could not be served; shown as a page, never with internals.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else that is not the user's fault.
    #[error("{0}")]
    Internal(String),
}

impl From<password::HashError> for UiError {
    fn from(error: password::HashError) -> Self {
        Self::Internal(error.to_string())
    }
}

impl UiError {
    /// The error page: 503 when the database is unavailable, 500 otherwise; the reason goes to
    /// the log only.
    pub fn into_page(self, lang: Lang) -> Response {
        let status = match &self {
            Self::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        tracing::error!(error = %self, "portal page failed");
        let tr = Tr { lang };
        let page = ErrorPage {
            chrome: Chrome::signed_out(lang, "/"),
            title: tr.t("error-title"),
            message: tr.t("error-server"),
        };
        (status, page).into_response()
    }
}

/// A page that only says what went wrong.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
}

/// The 403 page, for a missing or wrong CSRF token and for pages the role may not use.
pub fn forbidden(lang: Lang, signed_in: Option<&SignedIn>) -> Response {
    let tr = Tr { lang };
    let chrome = match signed_in {
        Some(who) => Chrome::signed_in(who, "/"),
        None => Chrome::signed_out(lang, "/"),
    };
    let page = ErrorPage {
        chrome,
        title: tr.t("forbidden-title"),
        message: tr.t("forbidden-message"),
    };
    (StatusCode::FORBIDDEN, page).into_response()
}

/// The 404 page, for a record that does not exist or that the user may not see: the same
/// page for both, so ids of other organisations' records cannot be probed.
pub fn not_found(lang: Lang, who: &SignedIn) -> Response {
    let tr = Tr { lang };
    let page = ErrorPage {
        chrome: Chrome::signed_in(who, "/"),
        title: tr.t("not-found-title"),
        message: tr.t("not-found-message"),
    };
    (StatusCode::NOT_FOUND, page).into_response()
}

/// The sign-in page.
#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    error: Option<String>,
}

/// What the sign-in form sends. Missing fields are empty, so a form without its CSRF token
/// reaches the check (and its 403) instead of a parsing error.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `GET /login`: the form, with a double-submit CSRF token in a cookie and in the form.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = Lang::of_request(&headers);
    let token = match jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()) {
        Some(token) if token.len() == 64 => token,
        _ => match random_token() {
            Ok(token) => token,
            Err(error) => return error.into_page(lang),
        },
    };
    let jar = jar.add(cookie(
        &state,
        LOGIN_CSRF_COOKIE,
        token.clone(),
        state.ui.session_lifetime,
    ));
    let page = LoginPage {
        chrome: Chrome::signed_out(lang, "/login"),
        csrf: token,
        email: String::new(),
        error: None,
    };
    (jar, page).into_response()
}

/// `POST /login`: checks the CSRF pair, then the address and password. Every failure gives the
/// same message, so the page does not tell whether an address has an account. Success opens a
/// new session with a new token and ends the one the browser held before, if any.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::of_request(&headers);
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if !expected.is_some_and(|expected| same_token(&form.csrf, &expected)) {
        return forbidden(lang, None);
    }
    let client = client.map(|Extension(ConnectInfo(address))| address.ip());
    let refused = |status: StatusCode, message: String, form: LoginForm| {
        let page = LoginPage {
            chrome: Chrome::signed_out(lang, "/login"),
            csrf: form.csrf,
            email: form.email,
            error: Some(message),
        };
        (status, page).into_response()
    };
    // Checked before the password, so a blocked guesser learns nothing from the answer.
    if let Some(wait) = state.login_throttle.blocked(&form.email, client) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let message = Tr { lang }.t1("login-throttled", "minutes", &minutes.to_string());
        let mut response = refused(StatusCode::TOO_MANY_REQUESTS, message, form);
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            crate::throttle::retry_after(wait),
        );
        return response;
    }
    match sign_in(&state, jar, &form).await {
        Ok(Some(jar)) => {
            state.login_throttle.succeeded(&form.email);
            (jar, Redirect::to("/")).into_response()
        }
        Ok(None) => {
            state.login_throttle.failed(&form.email, client);
            let message = Tr { lang }.t("login-failed");
            refused(StatusCode::UNAUTHORIZED, message, form)
        }
        Err(error) => error.into_page(lang),
    }
}

/// Opens a session when the credentials are right; `None` when they are not.
async fn sign_in(
    state: &AppState,
    jar: CookieJar,
    form: &LoginForm,
) -> Result<Option<CookieJar>, UiError> {
    let user = match Email::parse(&form.email) {
        Ok(email) => state.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let matches = password::verify(form.password.clone(), stored).await;
    let Some(user) = user.filter(|user| matches && user.status == UserStatus::Active) else {
        return Ok(None);
    };
    if let Some(old) = jar.get(SESSION_COOKIE)
        && let Some(session) = state
            .store
            .session_by_token_hash(&token_hash(old.value()))
            .await?
    {
        state
            .store
            .revoke_session(session.id, Actor::User(session.user))
            .await?;
    }
    let token = random_token()?;
    state
        .store
        .create_session(&NewSession {
            user: user.id,
            token_hash: token_hash(&token),
            csrf_token: random_token()?,
            expires_at: nguon_store::now_utc() + state.ui.session_lifetime,
        })
        .await?;
    let jar = jar
        .add(cookie(
            state,
            SESSION_COOKIE,
            token,
            state.ui.session_lifetime,
        ))
        .add(removal(state, LOGIN_CSRF_COOKIE));
    Ok(Some(jar))
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: revokes the session in the database, so the cookie is worthless even if it
/// was copied, and deletes it in the browser.
pub async fn logout(
    State(state): State<AppState>,
    who: SignedIn,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    if let Err(error) = state
        .store
        .revoke_session(who.session.id, Actor::User(who.user.id))
        .await
    {
        return UiError::from(error).into_page(who.lang);
    }
    (
        jar.add(removal(&state, SESSION_COOKIE)),
        Redirect::to("/login"),
    )
        .into_response()
}

/// The home page.
#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    email: String,
    role: String,
    organisation: Option<String>,
    links: Vec<(&'static str, String)>,
    expiring: Vec<crate::ui::facilities::ExpiringCertificate>,
    alert_days: u16,
}

/// `GET /`: who is signed in, as what, the pages the role may use, and the certificates that
/// expired or expire soon among the facilities the user may see.
pub async fn home(State(state): State<AppState>, who: SignedIn) -> Response {
    let tr = Tr { lang: who.lang };
    let expiring = match crate::ui::facilities::expiring_certificates(&state, &who).await {
        Ok(expiring) => expiring,
        Err(error) => return error.into_page(who.lang),
    };
    HomePage {
        chrome: Chrome::signed_in(&who, "/"),
        email: who.user.email.to_string(),
        role: role_label(tr, who.user.access.role()),
        organisation: who.organisation.as_ref().map(|o| o.name.to_string()),
        links: crate::ui::nav::home_links(tr, &who),
        expiring,
        alert_days: state.ui.certificate_alert_days,
    }
    .into_response()
}

/// The password change page.
#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    csrf: String,
    error: Option<String>,
    done: bool,
}

/// What the password change form sends.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    csrf: String,
}

/// `GET /account/password`.
pub async fn password_form(who: SignedIn) -> Response {
    password_page(&who, None, false, StatusCode::OK)
}

fn password_page(
    who: &SignedIn,
    error: Option<String>,
    done: bool,
    status: StatusCode,
) -> Response {
    let page = PasswordPage {
        chrome: Chrome::signed_in(who, "/account/password"),
        csrf: who.session.csrf_token.clone(),
        error,
        done,
    };
    (status, page).into_response()
}

/// `POST /account/password`: checks the current password, applies the length rule to the new
/// one, stores its hash and signs every other session of the user out.
pub async fn change_password(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Response {
    if !who.csrf_ok(&form.csrf) {
        return forbidden(who.lang, Some(&who));
    }
    let tr = Tr { lang: who.lang };
    let refuse = |message: String| {
        password_page(&who, Some(message), false, StatusCode::UNPROCESSABLE_ENTITY)
    };
    if !password::verify(form.current, Some(who.user.password_hash.clone())).await {
        return refuse(tr.t("password-current-wrong"));
    }
    let new = match Password::parse(SecretString::from(form.new)) {
        Ok(new) => new,
        Err(error) => return refuse(password_rule(tr, &error)),
    };
    let outcome = async {
        let hash = password::hash(new).await?;
        state
            .store
            .set_user_password(
                who.user.id,
                &hash,
                Some(who.session.id),
                Actor::User(who.user.id),
            )
            .await?;
        Ok::<_, UiError>(())
    }
    .await;
    match outcome {
        Ok(()) => password_page(&who, None, true, StatusCode::OK),
        Err(error) => error.into_page(who.lang),
    }
}

/// The password rule in the user's language.
pub fn password_rule(tr: Tr, error: &DomainError) -> String {
    match error {
        DomainError::PasswordLength { found, .. } => {
            tr.t1("password-rule", "found", &found.to_string())
        }
        other => other.to_string(),
    }
}
