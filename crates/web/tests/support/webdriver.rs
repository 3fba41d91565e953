//! A real browser for the portal: headless Chromium driven through a local chromedriver over
//! WebDriver. Without chromedriver a test says `SKIPPED` and passes, except in CI (`CI=true`),
//! where the browser tests are mandatory and a missing driver fails it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

use super::portal::PASSWORD;

/// A command on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A chromedriver of our own on a free local port, stopped when dropped with the browsers it
/// started: a failed check ends the test before its session is closed.
pub struct ChromeDriver {
    url: String,
    process: Child,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // chromedriver leads its own process group, which its Chromium processes join.
        if let Some(id) = self.process.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{id}")])
                .status();
        }
    }
}

impl ChromeDriver {
    /// Starts chromedriver; `None` (after saying so) when it is not installed outside CI.
    pub async fn start() -> Option<Self> {
        let Some(binary) = on_path("chromedriver") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "chromedriver not found: browser tests are mandatory in CI \
                 (apt-get install chromium chromium-driver)"
            );
            // Written to stderr directly: the test harness swallows `println!` of passing tests.
            let _ =
                std::io::stderr().write_all(b"SKIPPED: browser tests (chromedriver not found)\n");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free local port")
            .port();
        let process = Command::new(binary)
            .arg(format!("--port={port}"))
            .process_group(0)
            .kill_on_drop(true)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                return Some(Self {
                    url: format!("http://{address}"),
                    process,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not listen on {address}");
    }

    /// A headless Chromium session at phone width.
    pub async fn session(&self) -> Client {
        let mut options = json!({
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=390,844"],
        });
        if let Some(chromium) = on_path("chromium") {
            options["binary"] = json!(chromium);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

/// The visible text of the page's main part, once `selector` is on the page.
pub async fn main_text(browser: &Client, selector: &str) -> String {
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector} never appeared: {e}"));
    browser
        .find(Locator::Css("main"))
        .await
        .expect("a main element")
        .text()
        .await
        .expect("its text")
}

/// Clicks the element `selector` finds. A link or a button leads to another page here, so the
/// click waits until the page it was on is gone: otherwise the next wait could find its
/// selector on the old page.
pub async fn click(browser: &Client, selector: &str) {
    let element = browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"));
    let navigates = matches!(element.tag_name().await.as_deref(), Ok("a" | "button"));
    let page = browser.find(Locator::Css("html")).await.expect("a page");
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("{selector} cannot be clicked: {e}"));
    if navigates {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        // Any answer but the old page's text means the old page is gone.
        while page.tag_name().await.is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "{selector} did not lead to another page"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Opens the sign-in page, switches to Vietnamese (the page's language comes from a cookie the
/// switch sets, whatever the browser asks for) and signs in as `email`.
pub async fn sign_in(browser: &Client, base: &str, email: &str) {
    browser.goto(&format!("{base}/login")).await.unwrap();
    click(browser, r#"nav.lang a[lang="vi"]"#).await;
    let field = browser.find(Locator::Id("email")).await.unwrap();
    field.send_keys(email).await.unwrap();
    let password = browser.find(Locator::Id("password")).await.unwrap();
    password.send_keys(PASSWORD).await.unwrap();
    click(browser, r#"form[action="/login"] button"#).await;
}
