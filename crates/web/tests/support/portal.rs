//! A browser for the portal's pages in process: it keeps the cookies the app sets, signs in
//! through the real form, and sends forms with their CSRF tokens; and users to sign in as.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nguon_domain::{Access, Actor, Email, NewUser, OrganisationId, Password, Role, User};
use secrecy::SecretString;

use super::{Reply, TestApp};

/// The password of every test user.
pub const PASSWORD: &str = "mật khẩu thật dài";

/// A browser: keeps the cookies the app sets and sends them back.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
    /// The `Accept-Language` it sends, if any.
    pub accept_language: Option<&'static str>,
}

impl<'a> Browser<'a> {
    /// A browser without cookies.
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Vec::new(),
            accept_language: None,
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(n, _)| n != name);
        if !value.is_empty() {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    pub async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Reply {
        let mut request = request;
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            request = request.header("cookie", header.join("; "));
        }
        if let Some(language) = self.accept_language {
            request = request.header("accept-language", language);
        }
        let reply = self.app.send(request.body(body).unwrap()).await;
        for set in reply.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.set_cookie(name, value);
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::get(path), Body::empty()).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: Vec<String> = fields
            .iter()
            .map(|(name, value)| format!("{name}={}", form_escape(value)))
            .collect();
        let request =
            Request::post(path).header("content-type", "application/x-www-form-urlencoded");
        self.send(request, Body::from(body.join("&"))).await
    }

    /// Opens the sign-in page and sends the form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        let form = self.get("/login").await;
        let csrf = csrf_of(&form.body);
        self.post(
            "/login",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// The CSRF token of the forms of `path`.
    pub async fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        csrf_of(&page.body)
    }
}

/// Encodes a form field value.
pub fn form_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The first CSRF token in a page.
pub fn csrf_of(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + r#"name="csrf" value=""#.len();
    html[start..start + 64].to_owned()
}

/// The `Location` header of a reply, or nothing.
pub fn location(reply: &Reply) -> &str {
    reply.header("location").unwrap_or("")
}

/// Creates a user with [`PASSWORD`].
pub async fn user(
    app: &TestApp,
    email: &str,
    role: Role,
    organisation: Option<OrganisationId>,
) -> User {
    let password = Password::parse(SecretString::from(PASSWORD)).unwrap();
    app.state
        .store
        .create_user(
            &NewUser {
                email: Email::parse(email).unwrap(),
                name: None,
                access: Access::new(role, organisation).unwrap(),
                password_hash: nguon_web::password::hash(password).await.unwrap(),
            },
            Actor::Cli,
        )
        .await
        .unwrap()
}

/// One part of a multipart form: a text field, or a file with its name and bytes.
pub enum Part<'a> {
    /// A text field.
    Text(&'a str, &'a str),
    /// A file field.
    File(&'a str, &'a str, &'a [u8]),
}

impl Browser<'_> {
    /// Sends a `multipart/form-data` form, as a form with a file input does.
    pub async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Reply {
        const BOUNDARY: &str = "nguon-test-boundary-7d1f";
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match part {
                Part::Text(name, value) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                            .as_bytes(),
                    );
                }
                Part::File(name, file, bytes) => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let request = Request::post(path).header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        self.send(request, Body::from(body)).await
    }
}
