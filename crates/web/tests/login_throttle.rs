//! Password guessing is slowed down: after five failed sign-ins an account answers `429` with
//! `Retry-After` and a message in the user's language, even to the right password, while other
//! accounts sign in as usual.

mod support;

use axum::http::StatusCode;
use nguon_domain::Role;
use nguon_web::throttle::ACCOUNT_FAILURES;
use support::TestApp;
use support::portal::{Browser, PASSWORD, user};

#[tokio::test]
async fn an_account_is_locked_for_a_while_after_five_wrong_passwords() {
    let app = TestApp::new().await;
    user(&app, "lan@camau.gov.vn", Role::ProvinceAdmin, None).await;
    user(&app, "binh@camau.gov.vn", Role::Inspector, None).await;
    let mut guesser = Browser::new(&app);
    for attempt in 0..ACCOUNT_FAILURES {
        let reply = guesser
            .sign_in("lan@camau.gov.vn", &format!("sai-mat-khau-{attempt}"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let blocked = guesser.sign_in("LAN@camau.gov.vn", PASSWORD).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        blocked.body
    );
    assert!(
        blocked
            .body
            .contains("Đã nhập sai quá nhiều lần. Hãy thử lại sau 15 phút."),
        "{}",
        blocked.body
    );
    let wait: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((840..=900).contains(&wait), "{wait}");
    assert!(
        blocked
            .header("set-cookie")
            .is_none_or(|c| !c.starts_with("nguon_session=")),
        "no session is opened"
    );

    let mut colleague = Browser::new(&app);
    let reply = colleague.sign_in("binh@camau.gov.vn", PASSWORD).await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "other accounts are not locked"
    );
}
