//! The test harness: an app over a real SQLite store in a temporary directory, organisations
//! with API keys, and requests sent through the real router in process.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod chain;
pub mod portal;
pub mod webdriver;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use nguon_domain::{
    Actor, ApiKeyScope, NewApiKey, NewOrganisation, OrganisationId, OrganisationKind,
    OrganisationName, TaxCode,
};
use nguon_store::DatabaseUrl;
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;
use nguon_web::{AppState, EpcisSettings, router};
use serde_json::Value;
use tower::ServiceExt;

/// A running app and what the tests need to call it.
pub struct TestApp {
    /// The router's state.
    pub state: AppState,
    // Held so the database file lives as long as the test (and its copies with other settings).
    _dir: Arc<tempfile::TempDir>,
    // Held so a PostgreSQL scratch database lives as long as the test; dropped, it is dropped.
    _database: Option<Arc<ScratchDatabase>>,
}

/// The variable naming a PostgreSQL server where tests may create databases.
const POSTGRES_ENV: &str = "NGUON_TEST_DATABASE_URL";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text (invalid UTF-8 replaced).
    pub body: String,
    /// Body bytes, for binary files.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// An app with default settings.
    pub async fn new() -> Self {
        Self::with_settings(EpcisSettings::default()).await
    }

    /// An app with the given EPCIS settings.
    pub async fn with_settings(settings: EpcisSettings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("web.db"))
            .await
            .expect("open store");
        let mut state = AppState::new(Arc::new(store));
        state.epcis = Arc::new(settings);
        Self {
            state,
            _dir: Arc::new(dir),
            _database: None,
        }
    }

    /// An app over `store`, with default settings.
    pub fn over(store: Arc<dyn nguon_store::Store>) -> Self {
        Self {
            state: AppState::new(store),
            _dir: Arc::new(tempfile::tempdir().expect("temp dir")),
            _database: None,
        }
    }

    /// The app on every store the tests can reach: SQLite always, and PostgreSQL in a scratch
    /// database when `NGUON_TEST_DATABASE_URL` names a server (CI sets it and must not skip).
    pub async fn on_every_store() -> Vec<Self> {
        let mut apps = vec![Self::new().await];
        let Some(admin_url) = std::env::var(POSTGRES_ENV)
            .ok()
            .filter(|url| !url.is_empty())
        else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{POSTGRES_ENV} must be set in CI"
            );
            let _ = writeln!(
                std::io::stderr(),
                "PostgreSQL run SKIPPED (set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it)"
            );
            return apps;
        };
        let Ok(DatabaseUrl::Postgres(admin_url)) = DatabaseUrl::parse(&admin_url) else {
            panic!("{POSTGRES_ENV} must be a postgres:// URL");
        };
        let database = ScratchDatabase::create(&admin_url, "nguon_web_test")
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}: cannot create a test database: {e}"));
        let store = PostgresStore::open(database.url())
            .await
            .expect("open PostgreSQL store");
        apps.push(Self {
            state: AppState::new(Arc::new(store)),
            _dir: Arc::new(tempfile::tempdir().expect("temp dir")),
            _database: Some(Arc::new(database)),
        });
        apps
    }

    /// The same app and store with its state changed by `change`.
    pub fn with_state(&self, change: impl FnOnce(&mut AppState)) -> Self {
        let mut state = self.state.clone();
        change(&mut state);
        Self {
            state,
            _dir: Arc::clone(&self._dir),
            _database: self._database.clone(),
        }
    }

    /// The same app and store with other portal settings.
    pub fn with_ui(&self, ui: nguon_web::ui::UiSettings) -> Self {
        self.with_state(|state| state.ui = Arc::new(ui))
    }

    /// The same app and store with other request-rate limits.
    pub fn with_limits(&self, limits: nguon_web::throttle::RequestLimits) -> Self {
        self.with_state(|state| state.limits = Arc::new(limits))
    }

    /// Registers an organisation and returns it with a fresh API key.
    pub async fn organisation(&self, tax_code: &str) -> (OrganisationId, String) {
        self.named_organisation(&format!("Công ty {tax_code}"), tax_code)
            .await
    }

    /// Registers an organisation called `name` and returns it with a fresh API key.
    pub async fn named_organisation(&self, name: &str, tax_code: &str) -> (OrganisationId, String) {
        let organisation = self
            .state
            .store
            .create_organisation(
                &NewOrganisation::new(
                    OrganisationKind::Enterprise,
                    OrganisationName::parse(name).unwrap(),
                    TaxCode::parse(tax_code).unwrap(),
                )
                .unwrap(),
                Actor::Cli,
            )
            .await
            .expect("create organisation");
        let key = self.key(ApiKeyScope::Organisation(organisation.id)).await;
        (organisation.id, key)
    }

    /// A fresh API key with `scope`.
    pub async fn key(&self, scope: ApiKeyScope) -> String {
        let (token, token_hash) = nguon_web::auth::generate_token().unwrap();
        self.state
            .store
            .create_api_key(
                &NewApiKey {
                    scope,
                    label: "test".into(),
                    token_hash,
                },
                Actor::Cli,
            )
            .await
            .expect("create key");
        token
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 256 * 1024 * 1024)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
        }
    }

    /// `GET path` with a key and extra headers.
    pub async fn get(&self, key: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::get(path).header("authorization", format!("Bearer {key}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// `POST path` with a key, a content type, a body and extra headers.
    pub async fn post(
        &self,
        key: &str,
        path: &str,
        content_type: &str,
        body: impl Into<Body>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::post(path)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into()).unwrap()).await
    }

    /// `POST path` with a key and a JSON body.
    pub async fn post_json(&self, key: &str, path: &str, body: &Value) -> Reply {
        self.post(key, path, "application/json", body.to_string(), &[])
            .await
    }

    /// `DELETE path` with a key.
    pub async fn delete(&self, key: &str, path: &str) -> Reply {
        let request = Request::delete(path).header("authorization", format!("Bearer {key}"));
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Serves the app on a local port for the rest of the test, for clients that need a real
    /// connection (WebSockets); returns its address.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let address = listener.local_addr().expect("local address");
        let state = self.state.clone();
        tokio::spawn(nguon_web::serve(listener, state, std::future::pending()));
        address
    }

    /// Captures a document and waits for its job; returns the finished job.
    pub async fn capture(
        &self,
        key: &str,
        content_type: &str,
        document: &str,
        headers: &[(&str, &str)],
    ) -> Result<Value, Reply> {
        let reply = self
            .post(
                key,
                "/epcis/capture",
                content_type,
                document.to_owned(),
                headers,
            )
            .await;
        if reply.status != StatusCode::ACCEPTED {
            return Err(reply);
        }
        let location = reply.header("location").expect("Location").to_owned();
        Ok(self.wait_for_job(key, &location).await)
    }

    /// Polls a capture job until it stops running.
    pub async fn wait_for_job(&self, key: &str, location: &str) -> Value {
        for _ in 0..2_000 {
            let job = self.get(key, location, &[]).await;
            assert_eq!(job.status, StatusCode::OK, "{}", job.body);
            let job = job.json();
            if job["running"] == false {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("capture job {location} never finished");
    }
}

impl TestApp {
    /// `GET path` and every page after it (`Link: <…>; rel="next"`); the first answer that is not
    /// `200 OK` is the error.
    #[allow(
        dead_code,
        reason = "each test binary compiles this module; not every one pages"
    )]
    pub async fn get_all_pages(
        &self,
        key: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Vec<Reply>, Reply> {
        let mut pages = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(path) = next.take() {
            assert!(pages.len() < 10_000, "GET {path}: the pages never end");
            let page = self.get(key, &path, headers).await;
            if page.status != StatusCode::OK {
                return Err(page);
            }
            next = page.header("link").map(|link| {
                link.strip_prefix('<')
                    .and_then(|l| l.split_once(">; rel=\"next\""))
                    .map(|(url, _)| url.to_owned())
                    .unwrap_or_else(|| panic!("GET {path}: Link {link:?} is not rel=next"))
            });
            pages.push(page);
        }
        Ok(pages)
    }
}
