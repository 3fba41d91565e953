//! The national-portal sync monitor: the `/sync` page for each role, its API, and the Prometheus
//! metrics, over deliveries made the way the sync worker makes them (fan out, claim, record an
//! outcome), on every store the tests reach.

mod support;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use metrics_exporter_prometheus::PrometheusHandle;
use nguon_domain::{Actor, SyncDelivery};
use nguon_domain::{
    ApiKeyScope, ApprovalStatus, AuditAction, AuditQuery, Bilingual, DeliveryOutcome,
    OrganisationId, ProductDetails, ProductGroupCode, RecordName, Role, SubjectKind, SyncStatus,
    TargetName,
};
use nguon_gs1::Gtin;
use nguon_store::{DeliveryQuery, Registry};
use serde_json::json;
use support::TestApp;
use support::portal::{Browser, PASSWORD, csrf_of, location, user};
use tower::ServiceExt;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The refusal the farm's profile gets.
fn refusal() -> Bilingual {
    Bilingual::new(
        "Mã số thuế không khớp với dữ liệu của Cổng quốc gia",
        "the tax code does not match the records of the national portal",
    )
}

/// What the fixture made.
struct Queue {
    /// The farm, whose profile the portal refused.
    farm: OrganisationId,
    farm_key: String,
    /// The processor, whose profile the portal confirmed.
    processor: OrganisationId,
    /// The farm's refused profile.
    failed: SyncDelivery,
    /// The processor's confirmed profile.
    confirmed: SyncDelivery,
}

/// A farm with a product and a processor with two captured events, fanned out to the portal
/// target `most`; the worker's first round refused the farm's profile and confirmed the
/// processor's. The farm's product and the processor's events are still pending.
async fn queue(app: &TestApp) -> Queue {
    let store = &app.state.store;
    let (farm, farm_key) = app
        .named_organisation("HTX Tôm sinh thái Tân Hưng", "0300000021")
        .await;
    let (processor, processor_key) = app
        .named_organisation("Công ty Chế biến Sông Đốc", "0300000022")
        .await;
    let mut product = ProductDetails::new(
        Gtin::parse("08931234560034").unwrap(),
        RecordName::parse("name", "Tôm sú đông lạnh").unwrap(),
        ProductGroupCode::parse("tom-nuoi").unwrap(),
    );
    product.name_en = Some(RecordName::parse("name", "Frozen black tiger shrimp").unwrap());
    store
        .register(Some(farm), &product, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap();
    let events: Vec<_> = (1..=2)
        .map(|n| {
            json!({
                "type": "ObjectEvent",
                "eventTime": format!("2026-03-01T07:0{n}:00+07:00"),
                "eventTimeZoneOffset": "+07:00",
                "action": "OBSERVE",
                "epcList": [format!("urn:epc:id:sgtin:893123456.0001.S{n}")],
                "bizStep": "shipping",
            })
        })
        .collect();
    let document = json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": events},
    });
    let job = app
        .capture(
            &processor_key,
            "application/ld+json",
            &document.to_string(),
            &[],
        )
        .await
        .unwrap_or_else(|reply| panic!("capture refused: {}", reply.body));
    assert_eq!(job["success"], true, "{job}");

    // What the worker does: take the outbox, claim, send, record.
    let most = TargetName::parse("most").unwrap();
    assert_eq!(
        store
            .fan_out(&most, &SubjectKind::ALL, &[], 100)
            .await
            .unwrap(),
        4
    );
    let claimed = store
        .claim_deliveries(&most, nguon_store::now_utc(), Duration::from_secs(60), 10)
        .await
        .unwrap();
    let head = |organisation| {
        claimed
            .iter()
            .find(|d| d.organisation == organisation)
            .unwrap()
            .id
    };
    let failed = store
        .record_delivery_outcome(head(farm), &DeliveryOutcome::Failed { reason: refusal() })
        .await
        .unwrap();
    let confirmed = store
        .record_delivery_outcome(
            head(processor),
            &DeliveryOutcome::Accepted {
                remote_reference: Some("TC-0300000022".to_owned()),
                confirmed: true,
                check_at: nguon_store::now_utc(),
            },
        )
        .await
        .unwrap();
    Queue {
        farm,
        farm_key,
        processor,
        failed,
        confirmed,
    }
}

/// A browser signed in as a new user with `role`.
async fn signed_in<'a>(
    app: &'a TestApp,
    email: &str,
    role: Role,
    organisation: Option<OrganisationId>,
) -> Browser<'a> {
    user(app, email, role, organisation).await;
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    browser
}

#[tokio::test]
async fn a_province_admin_sees_why_a_delivery_failed_and_retries_it() {
    for app in TestApp::on_every_store().await {
        let queue = queue(&app).await;
        let admin = user(&app, "lan@sokhcn.camau.gov.vn", Role::ProvinceAdmin, None).await;
        let mut browser = Browser::new(&app);
        browser.sign_in("lan@sokhcn.camau.gov.vn", PASSWORD).await;

        let home = browser.get("/").await;
        assert!(
            home.body.contains(r#"href="/sync""#),
            "the navigation links the page"
        );
        let page = browser.get("/sync").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(body.contains("Đồng bộ Cổng quốc gia"), "{body}");
        assert!(
            body.contains("1 bản ghi bị từ chối đang chờ xử lý"),
            "{body}"
        );
        // Totals of the portal target: 2 pending, 0 sent, 1 confirmed, 1 failed, none untaken.
        for (status, count) in [("pending", 2), ("sent", 0), ("confirmed", 1), ("failed", 1)] {
            let cell =
                format!(r#"<a href="/sync?target=most&#38;status={status}"><span class="pill"#);
            let at = body
                .find(&cell)
                .unwrap_or_else(|| panic!("no {status} total: {body}"));
            let after = &body[at + cell.len()..];
            let figure = &after[after.find('>').unwrap() + 1..after.find("</span>").unwrap()];
            assert_eq!(figure, count.to_string(), "{status}");
        }
        assert!(body.contains("cũ nhất 0 phút"), "{body}");
        // The list: the reason in Vietnamese, what each delivery carries, the portal's reference.
        assert!(body.contains(&refusal().vi), "{body}");
        assert!(!body.contains(&refusal().en));
        assert!(body.contains("Hồ sơ tổ chức"));
        assert!(body.contains("Sản phẩm Tôm sú đông lạnh (GTIN 08931234560034)"));
        assert!(body.contains("Các sự kiện số"), "{body}");
        assert!(body.contains("TC-0300000022"));
        assert!(body.contains("HTX Tôm sinh thái Tân Hưng"));
        let retry_form = format!(r#"action="/sync/{}/retry""#, queue.failed.id);
        assert!(
            body.contains(&retry_form),
            "a retry button for the failed one"
        );
        assert_eq!(body.matches("/retry\"").count(), 1, "and for no other");

        // In English: the reason in English.
        browser.get("/lang/en?back=/sync").await;
        let english = browser.get("/sync?status=failed").await;
        assert!(english.body.contains("National portal sync"));
        assert!(english.body.contains(&refusal().en), "{}", english.body);
        assert!(english.body.contains("Organisation profile"));
        assert!(
            !english.body.contains("TC-0300000022"),
            "filtered to failed"
        );

        // Retry: back to the same list, which says so; the delivery is pending and audited.
        let csrf = csrf_of(&english.body);
        let path = format!("/sync/{}/retry", queue.failed.id);
        let retried = browser
            .post(&path, &[("csrf", &csrf), ("back", "/sync?status=failed")])
            .await;
        assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.body);
        let back = location(&retried).to_owned();
        assert_eq!(
            back,
            format!("/sync?status=failed&retried={}", queue.failed.id)
        );
        let after = browser.get(&back).await;
        assert!(
            after.body.contains(&format!(
                "Delivery {} is back in the queue",
                queue.failed.id
            )),
            "{}",
            after.body
        );
        assert!(
            after.body.contains("No deliveries."),
            "no failed one is left"
        );
        let delivery = app
            .state
            .store
            .sync_delivery(queue.failed.id)
            .await
            .unwrap();
        assert_eq!(delivery.status, SyncStatus::Pending);
        assert_eq!(delivery.reason, None);
        let audit = app
            .state
            .store
            .search_audit_log(&AuditQuery {
                action: Some(AuditAction::SyncRetry),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.entries.len(), 1);
        assert_eq!(audit.entries[0].actor, Actor::User(admin.id));
        assert_eq!(audit.entries[0].entity_id, queue.failed.id.to_string());
        assert_eq!(audit.entries[0].organisation, Some(queue.farm));

        // Again: it is no longer failed, so nothing happens and the list shows its status.
        let again = browser
            .post(
                &path,
                &[("csrf", &csrf), ("back", "https://elsewhere.example")],
            )
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&again), "/sync", "only this page is returned to");
        let unknown = browser.post("/sync/999999/retry", &[("csrf", &csrf)]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let forged = browser.post(&path, &[("csrf", "forged")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_inspector_sees_the_reasons_but_may_not_retry() {
    for app in TestApp::on_every_store().await {
        let queue = queue(&app).await;
        let mut inspector = signed_in(&app, "tra@sokhcn.camau.gov.vn", Role::Inspector, None).await;
        let page = inspector.get("/sync").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&refusal().vi));
        assert!(page.body.contains("Tình trạng theo nơi nhận"), "the totals");
        assert!(!page.body.contains("/retry\""), "no retry button");
        let csrf = csrf_of(&page.body);
        let refused = inspector
            .post(
                &format!("/sync/{}/retry", queue.failed.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let delivery = app
            .state
            .store
            .sync_delivery(queue.failed.id)
            .await
            .unwrap();
        assert_eq!(delivery.status, SyncStatus::Failed);
    }
}

#[tokio::test]
async fn an_organisation_user_sees_only_its_own_deliveries() {
    for app in TestApp::on_every_store().await {
        let queue = queue(&app).await;
        let mut farmer = signed_in(&app, "ql@tansinh.vn", Role::OrgAdmin, Some(queue.farm)).await;
        assert!(farmer.get("/").await.body.contains(r#"href="/sync""#));
        let page = farmer.get("/sync").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        assert!(
            body.contains(&refusal().vi),
            "why its profile did not get through"
        );
        assert!(body.contains("Tôm sú đông lạnh"), "its pending product");
        assert!(!body.contains("TC-0300000022"), "not the processor's");
        assert!(!body.contains("Các sự kiện số"), "nor its events");
        assert!(
            !body.contains("Tình trạng theo nơi nhận"),
            "no province totals"
        );
        assert!(!body.contains("/retry\""), "read-only");
        // Asking for another organisation's list still shows its own.
        let other = farmer
            .get(&format!("/sync?organisation={}", queue.processor))
            .await;
        assert!(!other.body.contains("TC-0300000022"));
        assert!(other.body.contains(&refusal().vi));

        let mut staff =
            signed_in(&app, "nv@songdoc.vn", Role::OrgStaff, Some(queue.processor)).await;
        let page = staff.get("/sync").await;
        assert!(page.body.contains("TC-0300000022"));
        assert!(page.body.contains("Các sự kiện số"));
        assert!(!page.body.contains(&refusal().vi));
    }
}

#[tokio::test]
async fn the_api_lists_filters_and_retries_deliveries() {
    for app in TestApp::on_every_store().await {
        let queue = queue(&app).await;
        let province = app.key(ApiKeyScope::Province).await;
        let list = |key: &str, query: &str| {
            let path = format!("/api/v1/sync/deliveries{query}");
            let key = key.to_owned();
            let app = &app;
            async move { app.get(&key, &path, &[]).await }
        };

        let all = list(&province, "").await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.body);
        let deliveries = all.json()["deliveries"].as_array().unwrap().clone();
        assert_eq!(deliveries.len(), 4);
        let ids: Vec<i64> = deliveries
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

        let failed = list(&province, "?status=failed&target=most").await.json();
        assert_eq!(failed["deliveries"].as_array().unwrap().len(), 1);
        let delivery = &failed["deliveries"][0];
        assert_eq!(delivery["id"], queue.failed.id);
        assert_eq!(delivery["status"], "failed");
        assert_eq!(delivery["subject"], json!({"kind": "organisation"}));
        assert_eq!(delivery["organisation"], queue.farm.to_string());
        assert_eq!(delivery["reason"]["vi"], refusal().vi);
        assert_eq!(delivery["reason"]["en"], refusal().en);
        assert_eq!(delivery["attempts"], 1);

        let events = list(&province, &format!("?organisation={}", queue.processor)).await;
        let subjects: Vec<String> = events.json()["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["subject"]["kind"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(subjects, ["events", "organisation"]);

        // Keyset pages: a full page names the next; the pages hold every delivery once.
        let pages = app
            .get_all_pages(&province, "/api/v1/sync/deliveries?limit=3", &[])
            .await
            .unwrap();
        let paged: Vec<i64> = pages
            .iter()
            .flat_map(|page| page.json()["deliveries"].as_array().unwrap().clone())
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        assert_eq!(paged, ids);
        assert_eq!(pages.len(), 2);
        assert_eq!(
            pages[0].json()["next"],
            format!("/api/v1/sync/deliveries?limit=3&before={}", ids[2])
        );

        // A bad parameter is a problem naming it and its rule.
        for (query, field) in [
            (
                "?status=done",
                "status: must be pending, sent, confirmed or failed",
            ),
            ("?limit=0", "limit: must be a whole number from 1 to 500"),
            ("?page=2", "query: page is not a parameter"),
        ] {
            let bad = list(&province, query).await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(bad.header("content-type"), Some("application/problem+json"));
            let detail = bad.json()["detail"].as_str().unwrap().to_owned();
            assert!(detail.starts_with(field), "{query}: {detail}");
        }

        // An organisation key reads its own, and nobody else's.
        let own = list(&queue.farm_key, "").await.json();
        let own = own["deliveries"].as_array().unwrap();
        assert_eq!(own.len(), 2);
        assert!(
            own.iter()
                .all(|d| d["organisation"] == queue.farm.to_string())
        );
        let other = list(
            &queue.farm_key,
            &format!("?organisation={}", queue.processor),
        )
        .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
        assert!(
            other.json()["detail"]
                .as_str()
                .unwrap()
                .starts_with("organisation:")
        );
        assert_eq!(
            list("nguon_not-a-key", "").await.status,
            StatusCode::UNAUTHORIZED
        );

        // Retry: province only, a failed delivery only.
        let retry = |key: &str, id: i64| {
            let key = key.to_owned();
            let app = &app;
            async move {
                app.post(
                    &key,
                    &format!("/api/v1/sync/deliveries/{id}/retry"),
                    "application/json",
                    "",
                    &[],
                )
                .await
            }
        };
        assert_eq!(
            retry(&queue.farm_key, queue.failed.id).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            retry(&province, 999_999).await.status,
            StatusCode::NOT_FOUND
        );
        let conflict = retry(&province, queue.confirmed.id).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        assert!(
            conflict.json()["detail"]
                .as_str()
                .unwrap()
                .contains("confirmed")
        );
        let done = retry(&province, queue.failed.id).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(done.json()["status"], "pending");
        assert_eq!(done.json()["attempts"], 0);
        assert_eq!(
            retry(&province, queue.failed.id).await.status,
            StatusCode::CONFLICT
        );
        let audit = app
            .state
            .store
            .search_audit_log(&AuditQuery {
                action: Some(AuditAction::SyncRetry),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.entries.len(), 1);
        assert!(matches!(audit.entries[0].actor, Actor::ApiKey(_)));
    }
}

/// The process-wide recorder, installed once for this test binary as `nguon serve` does.
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| nguon_web::metrics::install().expect("install the recorder"))
}

#[tokio::test]
async fn metrics_show_the_queue_per_target_and_status() {
    let handle = recorder();
    // What the worker records appears through the same recorder.
    metrics::counter!(nguon_web::metrics::ATTEMPTS_TOTAL, "target" => "most", "outcome" => "failed")
        .increment(1);
    metrics::histogram!(nguon_web::metrics::REQUEST_SECONDS, "target" => "most").record(0.2);
    for app in TestApp::on_every_store().await {
        let queue = queue(&app).await;
        let store = &app.state.store;
        let text = nguon_web::metrics::render(&**store, handle).await.unwrap();
        for line in [
            r#"nguon_sync_deliveries{target="most",status="pending"} 2"#,
            r#"nguon_sync_deliveries{target="most",status="sent"} 0"#,
            r#"nguon_sync_deliveries{target="most",status="confirmed"} 1"#,
            r#"nguon_sync_deliveries{target="most",status="failed"} 1"#,
            r#"nguon_sync_backlog{target="most"} 0"#,
            r#"nguon_sync_oldest_seconds{target="most",status="sent"} 0"#,
            r#"nguon_sync_attempts_total{target="most",outcome="failed"} 1"#,
            r#"nguon_sync_request_seconds_bucket{target="most",le="0.25"} 1"#,
            "# TYPE nguon_sync_deliveries gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
        }

        // A retried delivery moves from failed to pending; a new change waits to be taken.
        store
            .retry_delivery(queue.failed.id, Actor::Cli)
            .await
            .unwrap();
        app.named_organisation("Hộ nuôi tôm Lê Văn Tư", "0300000023")
            .await;
        let router = nguon_web::metrics::router(Arc::clone(store), handle.clone());
        let reply = router
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert!(
            reply.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let body = to_bytes(reply.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        for line in [
            r#"nguon_sync_deliveries{target="most",status="pending"} 3"#,
            r#"nguon_sync_deliveries{target="most",status="failed"} 0"#,
            r#"nguon_sync_backlog{target="most"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
        }
        let listed = store
            .list_deliveries(&DeliveryQuery::default())
            .await
            .unwrap();
        assert_eq!(listed.len(), 4);
    }
}

#[tokio::test]
async fn the_page_lists_configured_targets_and_says_when_there_are_none() {
    let app = TestApp::new().await;
    user(&app, "lan@sokhcn.camau.gov.vn", Role::ProvinceAdmin, None).await;
    // Nothing configured: the officer learns that nothing is sent, and why.
    let mut browser = Browser::new(&app);
    browser.sign_in("lan@sokhcn.camau.gov.vn", PASSWORD).await;
    let page = browser.get("/sync").await;
    assert!(
        page.body.contains("Chưa cấu hình nơi nhận nào") && page.body.contains("[[sync.targets]]"),
        "{}",
        page.body
    );

    // A configured target that has not run yet is listed, with every change still untaken.
    app.state
        .store
        .create_organisation(
            &nguon_domain::NewOrganisation::new(
                nguon_domain::OrganisationKind::Enterprise,
                nguon_domain::OrganisationName::parse("Công ty TNHH Muối Bạc Liêu").unwrap(),
                nguon_domain::TaxCode::parse("1900123456").unwrap(),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let configured = app.with_ui(nguon_web::ui::UiSettings {
        sync_targets: vec![TargetName::parse("most").unwrap()],
        ..nguon_web::ui::UiSettings::default()
    });
    let mut browser = Browser::new(&configured);
    browser.sign_in("lan@sokhcn.camau.gov.vn", PASSWORD).await;
    let body = browser.get("/sync").await.body;
    assert!(!body.contains("Chưa cấu hình nơi nhận nào"), "{body}");
    assert!(body.contains("<strong>most</strong>"), "{body}");
    // Every change recorded so far is untaken: the organisation's creation among them.
    let backlog = app
        .state
        .store
        .outbox_backlog(&TargetName::parse("most").unwrap())
        .await
        .unwrap();
    assert!(backlog >= 1);
    let untaken = format!(r#"<td data-label="Chưa nhận vào hàng đợi">{backlog}</td>"#);
    assert!(body.contains(&untaken), "{body}");
}
