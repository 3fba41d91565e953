//! Federation in: partner systems capture for the organisations that delegated capture to them
//! and read the events of those that share with them, nothing else; grants are given and
//! revoked through the API and take effect on the next request, and on capture jobs already
//! accepted.

mod support;

use std::sync::Arc;

use axum::http::StatusCode;
use nguon_domain::{
    Actor, ApiKeyScope, NewPartner, OrganisationId, Partner, PartnerStatus, Permission,
};
use nguon_web::epcis::capture::CaptureQueue;
use serde_json::{Value, json};
use support::TestApp;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The header a partner names the organisation in.
const ORGANISATION: &str = "Nguon-Organisation";

fn object_event(serial: u32, biz_step: &str) -> Value {
    json!({
        "type": "ObjectEvent",
        "eventTime": format!("2026-03-01T07:{:02}:00+07:00", serial % 60),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [format!("urn:epc:id:sgtin:893123456.0001.S{serial}")],
        "bizStep": biz_step,
        "readPoint": {"id": "urn:epc:id:sgln:893123456.001.0"},
    })
}

fn document(events: Vec<Value>) -> String {
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

fn event_ids(reply: &support::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap_or_else(|| panic!("no event list: {}", reply.body))
        .iter()
        .map(|event| event["eventID"].as_str().unwrap().to_owned())
        .collect()
}

/// Registers a partner of `kind` and issues it a key.
async fn partner(app: &TestApp, name: &str, kind: &str) -> (Partner, String) {
    let partner = app
        .state
        .store
        .create_partner(
            &NewPartner::parse(name, kind, "ops@example.vn").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let key = app.key(ApiKeyScope::Partner(partner.id)).await;
    (partner, key)
}

/// `organisation` grants `partner` `permission`.
async fn grant(
    app: &TestApp,
    organisation: OrganisationId,
    partner: &Partner,
    permission: Permission,
) -> nguon_domain::Grant {
    app.state
        .store
        .create_grant(organisation, partner.id, permission, Actor::Cli)
        .await
        .unwrap()
}

/// Captures `events` with the organisation's own key and returns their eventIDs.
async fn captured_by_owner(app: &TestApp, key: &str, events: Vec<Value>) -> Vec<String> {
    let job = app
        .capture(key, "application/ld+json", &document(events), &[])
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
    event_ids(&app.get(key, "/epcis/events?perPage=100", &[]).await)
}

#[tokio::test]
async fn a_delegated_provider_captures_for_the_organisation() {
    let app = TestApp::new().await;
    let (a, a_key) = app.organisation("0310000001").await;
    let (provider, provider_key) = partner(&app, "TE-FOOD", "solution_provider").await;
    grant(&app, a, &provider, Permission::Capture).await;

    let job = app
        .capture(
            &provider_key,
            "application/ld+json",
            &document(vec![
                object_event(1, "shipping"),
                object_event(2, "receiving"),
            ]),
            &[(ORGANISATION, &a.to_string())],
        )
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(job["capturedCount"], 2);

    // The events are the organisation's: it reads them with its own key.
    let owned = event_ids(&app.get(&a_key, "/epcis/events", &[]).await);
    assert_eq!(owned.len(), 2);
    // Its job list shows the job; the partner lists the jobs it sent.
    let jobs = app.get(&a_key, "/epcis/capture", &[]).await.json();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    let sent = app.get(&provider_key, "/epcis/capture", &[]).await.json();
    assert_eq!(sent[0]["captureID"], jobs[0]["captureID"]);
    // The job records which partner sent it.
    let stored = app
        .state
        .store
        .list_capture_jobs(Some(a), None, 10)
        .await
        .unwrap();
    assert_eq!(stored[0].partner, Some(provider.id));
    // Capture only: without a read grant the partner reads nothing back.
    assert!(event_ids(&app.get(&provider_key, "/epcis/events", &[]).await).is_empty());

    // One event synchronously, the same way.
    let single = json!({"@context": [CONTEXT], "type": "ObjectEvent", "eventTime": "2026-03-02T07:00:00+07:00",
        "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "epcList": ["urn:epc:id:sgtin:893123456.0001.S9"]});
    let reply = app
        .post(
            &provider_key,
            "/epcis/events",
            "application/ld+json",
            single.to_string(),
            &[(ORGANISATION, &a.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        event_ids(&app.get(&a_key, "/epcis/events", &[]).await).len(),
        3
    );
}

#[tokio::test]
async fn a_provider_without_a_grant_gets_403_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let (a, _) = app.organisation("0310000011").await;
    let (b, b_key) = app
        .named_organisation("HTX Tôm Sạch Đầm Dơi", "0310000012")
        .await;
    let (provider, provider_key) = partner(&app, "Giải pháp ERP Mekong", "solution_provider").await;
    grant(&app, a, &provider, Permission::Capture).await;
    // B lets the partner read, which is not capture: nothing is implied.
    grant(&app, b, &provider, Permission::Read).await;
    let text = document(vec![object_event(1, "shipping")]);

    let refused = app
        .post(
            &provider_key,
            "/epcis/capture",
            "application/ld+json",
            text.clone(),
            &[(ORGANISATION, &b.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("organisation HTX Tôm Sạch Đầm Dơi")
            && detail.contains("has not delegated capture to partner Giải pháp ERP Mekong"),
        "{detail}"
    );
    let single = app
        .post(
            &provider_key,
            "/epcis/events",
            "application/ld+json",
            json!({"@context": [CONTEXT], "type": "ObjectEvent", "eventTime": "2026-03-02T07:00:00+07:00",
                "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "epcList": ["urn:epc:id:sgtin:893123456.0001.S9"]})
                .to_string(),
            &[(ORGANISATION, &b.to_string())],
        )
        .await;
    assert_eq!(single.status, StatusCode::FORBIDDEN, "{}", single.body);
    // An organisation nobody registered is refused the same way.
    let unknown = OrganisationId::generate();
    let reply = app
        .post(
            &provider_key,
            "/epcis/capture",
            "application/ld+json",
            text.clone(),
            &[(ORGANISATION, &unknown.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // Without the header, or with something else in it: 400 naming the header and the rule.
    let missing = app
        .post(
            &provider_key,
            "/epcis/capture",
            "application/ld+json",
            text.clone(),
            &[],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert!(
        missing.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("Nguon-Organisation: missing"),
        "{}",
        missing.body
    );
    let malformed = app
        .post(
            &provider_key,
            "/epcis/capture",
            "application/ld+json",
            text,
            &[(ORGANISATION, "2000123456")],
        )
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.body
    );
    assert!(
        malformed.json()["detail"]
            .as_str()
            .unwrap()
            .contains("must be an organisation id"),
        "{}",
        malformed.body
    );

    // Nothing was stored for B, and no job was started.
    assert!(event_ids(&app.get(&b_key, "/epcis/events", &[]).await).is_empty());
    assert!(
        app.state
            .store
            .list_capture_jobs(Some(b), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_revoke_between_the_202_and_the_job_run_stores_nothing_and_the_job_says_why() {
    // One job at a time, and the test holds the slot: the job is accepted but cannot run yet.
    let app = TestApp::new()
        .await
        .with_state(|state| state.capture_queue = Arc::new(CaptureQueue::with_slots(1, 100)));
    let (a, a_key) = app
        .named_organisation("Công ty CP Chế biến Bạc Liêu", "0310000021")
        .await;
    let (provider, provider_key) = partner(&app, "TE-FOOD", "solution_provider").await;
    let delegation = grant(&app, a, &provider, Permission::Capture).await;
    let slot = app
        .state
        .capture_queue
        .slots
        .clone()
        .acquire_owned()
        .await
        .unwrap();

    let accepted = app
        .post(
            &provider_key,
            "/epcis/capture",
            "application/ld+json",
            document(vec![object_event(1, "shipping")]),
            &[(ORGANISATION, &a.to_string())],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    let location = accepted.header("location").unwrap().to_owned();
    app.state
        .store
        .revoke_grant(a, delegation.id, Actor::Cli)
        .await
        .unwrap();
    drop(slot);

    let job = app.wait_for_job(&provider_key, &location).await;
    assert_eq!(job["success"], false, "{job}");
    assert_eq!(job["capturedCount"], 0);
    let errors = job["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{job}");
    let why = errors[0].as_str().unwrap();
    assert!(
        why.contains("organisation Công ty CP Chế biến Bạc Liêu")
            && why.contains("has not delegated capture to partner TE-FOOD")
            && why.contains("nothing was stored"),
        "{why}"
    );
    // The organisation sees the refused job too, and nothing was stored.
    let own = app.get(&a_key, &location, &[]).await.json();
    assert_eq!(own["errors"], job["errors"]);
    assert!(event_ids(&app.get(&a_key, "/epcis/events", &[]).await).is_empty());
}

#[tokio::test]
async fn a_reader_sees_the_events_of_organisations_that_share_with_it_and_never_others() {
    let app = TestApp::new().await;
    let (a, a_key) = app.organisation("0310000031").await;
    let (_, b_key) = app.organisation("0310000032").await;
    let (buyer, buyer_key) = partner(&app, "Ocean Fresh Imports", "data_recipient").await;
    grant(&app, a, &buyer, Permission::Read).await;
    let of_a = captured_by_owner(
        &app,
        &a_key,
        vec![object_event(1, "shipping"), object_event(2, "shipping")],
    )
    .await;
    let of_b = captured_by_owner(
        &app,
        &b_key,
        vec![
            object_event(3, "receiving"),
            object_event(4, "commissioning"),
        ],
    )
    .await;

    // The list: exactly A's events.
    let mut seen = event_ids(&app.get(&buyer_key, "/epcis/events?perPage=100", &[]).await);
    seen.sort();
    let mut expected = of_a.clone();
    expected.sort();
    assert_eq!(seen, expected);
    // A filter that only B's events match finds nothing.
    assert!(
        event_ids(
            &app.get(&buyer_key, "/epcis/events?EQ_bizStep=receiving", &[])
                .await
        )
        .is_empty()
    );
    // By id: A's is there, B's does not exist for this partner.
    let path = |id: &str| format!("/epcis/events/{}", nguon_gs1::percent_encode(id));
    assert_eq!(
        app.get(&buyer_key, &path(&of_a[0]), &[]).await.status,
        StatusCode::OK
    );
    let hidden = app.get(&buyer_key, &path(&of_b[0]), &[]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    // Top-level resources and their events: A's values only.
    let steps = app.get(&buyer_key, "/epcis/bizSteps", &[]).await.json();
    assert_eq!(steps["member"], json!(["shipping"]), "{steps}");
    let epcs = app.get(&buyer_key, "/epcis/epcs", &[]).await.json();
    assert_eq!(epcs["member"].as_array().unwrap().len(), 2, "{epcs}");
    assert!(
        event_ids(
            &app.get(&buyer_key, "/epcis/bizSteps/receiving/events", &[])
                .await
        )
        .is_empty()
    );
    assert_eq!(
        event_ids(
            &app.get(&buyer_key, "/epcis/bizSteps/shipping/events", &[])
                .await
        )
        .len(),
        2
    );
    // Reading is not capturing: the buyer captures for nobody.
    let refused = app
        .post(
            &buyer_key,
            "/epcis/capture",
            "application/ld+json",
            document(vec![object_event(5, "shipping")]),
            &[(ORGANISATION, &a.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}

#[tokio::test]
async fn a_revoked_grant_takes_effect_on_the_next_request() {
    let app = TestApp::new().await;
    let (a, a_key) = app.organisation("0310000041").await;
    let (buyer, buyer_key) = partner(&app, "Ocean Fresh Imports", "data_recipient").await;
    let read = grant(&app, a, &buyer, Permission::Read).await;
    let of_a = captured_by_owner(&app, &a_key, vec![object_event(1, "shipping")]).await;
    assert_eq!(
        event_ids(&app.get(&buyer_key, "/epcis/events", &[]).await),
        of_a
    );

    // The organisation revokes with its own key; the very next request reads nothing.
    let revoked = app
        .post(
            &a_key,
            &format!("/api/v1/grants/{}/revoke", read.id),
            "application/json",
            "",
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert!(revoked.json()["revokedAt"].is_string(), "{}", revoked.body);
    assert!(event_ids(&app.get(&buyer_key, "/epcis/events", &[]).await).is_empty());
    let by_id = app
        .get(
            &buyer_key,
            &format!("/epcis/events/{}", nguon_gs1::percent_encode(&of_a[0])),
            &[],
        )
        .await;
    assert_eq!(by_id.status, StatusCode::NOT_FOUND);
    let steps = app.get(&buyer_key, "/epcis/bizSteps", &[]).await.json();
    assert_eq!(steps["member"], json!([]));
}

#[tokio::test]
async fn organisations_grant_and_revoke_through_the_api() {
    let app = TestApp::new().await;
    let (a, a_key) = app
        .named_organisation("HTX Muối Bạch Long", "0310000051")
        .await;
    let (provider, provider_key) = partner(&app, "iCheck", "solution_provider").await;
    let (buyer, _) = partner(&app, "Ocean Fresh Imports", "data_recipient").await;
    let province = app.key(ApiKeyScope::Province).await;

    let partners = app.get(&a_key, "/api/v1/partners", &[]).await;
    assert_eq!(partners.status, StatusCode::OK, "{}", partners.body);
    assert_eq!(partners.json()[0]["name"], "Ocean Fresh Imports");
    assert_eq!(partners.json()[1]["kind"], "solution_provider");

    let body = |partner: &Partner, permission: &str| json!({"partner": partner.id.to_string(), "permission": permission});
    let given = app
        .post_json(&a_key, "/api/v1/grants", &body(&provider, "capture"))
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{}", given.body);
    let given = given.json();
    assert_eq!(given["organisation"]["name"], "HTX Muối Bạch Long");
    assert_eq!(given["partner"]["name"], "iCheck");
    assert_eq!(given["permission"], "capture");
    // Twice is a conflict; a data recipient does not capture; bad fields are named.
    let twice = app
        .post_json(&a_key, "/api/v1/grants", &body(&provider, "capture"))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    let recipient = app
        .post_json(&a_key, "/api/v1/grants", &body(&buyer, "capture"))
        .await;
    assert_eq!(
        recipient.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        recipient.body
    );
    assert!(
        recipient.body.contains("only a solution provider captures"),
        "{}",
        recipient.body
    );
    let bad = app
        .post_json(&a_key, "/api/v1/grants", &body(&provider, "write"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        bad.body
            .contains("permission: must be one of capture, read"),
        "{}",
        bad.body
    );
    let unknown = app
        .post_json(
            &a_key,
            "/api/v1/grants",
            &json!({"partner": OrganisationId::generate().to_string(), "permission": "read"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    // Only the organisation shares its own data: not the province, not a partner.
    let by_province = app
        .post_json(&province, "/api/v1/grants", &body(&provider, "read"))
        .await;
    assert_eq!(
        by_province.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_province.body
    );
    let by_partner = app
        .post_json(&provider_key, "/api/v1/grants", &body(&provider, "read"))
        .await;
    assert_eq!(
        by_partner.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_partner.body
    );

    // The partner lists what it was given: the organisation to name when it captures.
    let mine = app.get(&provider_key, "/api/v1/grants", &[]).await.json();
    assert_eq!(mine[0]["organisation"]["id"], a.to_string());
    assert_eq!(mine.as_array().unwrap().len(), 1);

    // Revoked: the organisation still lists it, the partner no longer does.
    let id = given["id"].as_str().unwrap();
    let (_, other_key) = app.organisation("0310000052").await;
    let foreign = app
        .post(
            &other_key,
            &format!("/api/v1/grants/{id}/revoke"),
            "application/json",
            "",
            &[],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let revoked = app
        .post(
            &a_key,
            &format!("/api/v1/grants/{id}/revoke"),
            "application/json",
            "",
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let listed = app.get(&a_key, "/api/v1/grants", &[]).await.json();
    assert!(listed[0]["revokedAt"].is_string(), "{listed}");
    assert!(
        app.get(&provider_key, "/api/v1/grants", &[])
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The province sees every grant.
    let all = app.get(&province, "/api/v1/grants", &[]).await.json();
    assert_eq!(all.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn partner_keys_reach_nothing_beyond_capture_and_query() {
    let app = TestApp::new().await;
    let (a, _) = app.organisation("0310000061").await;
    let (provider, provider_key) = partner(&app, "TE-FOOD", "solution_provider").await;
    grant(&app, a, &provider, Permission::Read).await;
    for path in [
        "/api/v1/trace/urn:epc:id:sgtin:893123456.0001.S1",
        "/api/v1/resolver/links",
        "/api/v1/partners",
        "/epcis/queries",
    ] {
        let reply = app.get(&provider_key, path, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.body
        );
        assert!(
            reply.body.contains("partner system's key"),
            "{path}: {}",
            reply.body
        );
    }

    // A suspended partner's keys stop working at once; reinstated, they work again.
    app.state
        .store
        .set_partner_status(provider.id, PartnerStatus::Suspended, Actor::Cli)
        .await
        .unwrap();
    let suspended = app.get(&provider_key, "/epcis/events", &[]).await;
    assert_eq!(suspended.status, StatusCode::FORBIDDEN);
    assert!(suspended.body.contains("suspended"), "{}", suspended.body);
    app.state
        .store
        .set_partner_status(provider.id, PartnerStatus::Active, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(
        app.get(&provider_key, "/epcis/events", &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_organisation_key_captures_for_itself_only() {
    let app = TestApp::new().await;
    let (a, a_key) = app.organisation("0310000071").await;
    let (b, _) = app.organisation("0310000072").await;
    let text = document(vec![object_event(1, "shipping")]);
    let own = app
        .capture(
            &a_key,
            "application/ld+json",
            &text,
            &[(ORGANISATION, &a.to_string())],
        )
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
    assert_eq!(own["success"], true);
    let other = app
        .post(
            &a_key,
            "/epcis/capture",
            "application/ld+json",
            text,
            &[(ORGANISATION, &b.to_string())],
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.body);
}
