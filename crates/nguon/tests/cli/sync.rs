//! `nguon serve` with a `[sync]` target: records reach the portal simulator exactly once even
//! when the server is killed with SIGKILL in the middle and started again.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nguon_domain::{
    Action, Actor, ApprovalStatus, EventHash, EventId, EventType, IdentifierRole, Image,
    NetContent, NewEvent, NewOrganisation, OrganisationId, OrganisationKind, OrganisationName,
    ProductDetails, ProductGroupCode, RecordName, SyncStatus, TaxCode,
};
use nguon_gs1::Gtin;
use nguon_store::{DeliveryQuery, Registry, Store, SyncStore};
use nguon_store_sqlite::SqliteStore;
use nguon_sync::simulator::{CLIENT_ID, CLIENT_SECRET, Faults, Simulator};

use crate::support::{Server, nguon};

const GTIN: &str = "08934673000093";

#[test]
fn records_reach_the_portal_once_across_a_sigkill_of_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("nguon.db");
    let lot_events = runtime.block_on(fill(&database));
    let portal = runtime
        .block_on(Simulator::start(Duration::from_secs(60), true))
        .unwrap();
    portal.set_faults(Faults {
        fail_every: 4,
        slow_every: 7,
        slow_by: Duration::from_millis(900),
        down: false,
    });
    // The portal downloads product images from the server itself, so the server's port is
    // chosen before it starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("nguon.toml"),
        format!(
            r#"
[sync]
poll_seconds = 0.05
retry_base_seconds = 0.05
retry_cap_seconds = 0.3
confirm_seconds = 0.05
request_timeout_seconds = 0.4
lease_seconds = 1.0

[[sync.targets]]
name = "most"
kind = "most_portal"
base_url = "{base}"
token_url = "{base}/token"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
public_base_url = "http://127.0.0.1:{port}"
"#,
            base = portal.base_url()
        ),
    )
    .unwrap();
    let start = || {
        let mut command = nguon(dir.path());
        command.args([
            "serve",
            "--database",
            database.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ]);
        Server::start(command)
    };

    let server = start();
    wait_for("the first lots on the portal", || {
        portal.ledger(|ledger| !ledger.lots.is_empty())
    });
    // SIGKILL: no shutdown at all, whatever was in flight is lost on our side.
    drop(server);
    let server = start();
    let store = runtime.block_on(SqliteStore::open(&database)).unwrap();
    let deliveries = runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let deliveries = store
                .list_deliveries(&DeliveryQuery::default())
                .await
                .unwrap();
            let backlog = store
                .outbox_backlog(&nguon_domain::TargetName::parse("most").unwrap())
                .await
                .unwrap();
            if backlog == 0
                && !deliveries.is_empty()
                && deliveries.iter().all(|d| d.status == SyncStatus::Confirmed)
            {
                break deliveries;
            }
            assert!(
                Instant::now() < deadline,
                "not all confirmed in time: {:?}",
                deliveries
                    .iter()
                    .map(|d| (d.subject, d.status, d.reason.clone().map(|r| r.en)))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let (status, _, stderr) = server.terminate();
    assert_eq!(
        status.code(),
        Some(0),
        "clean exit after the restart; {stderr}"
    );

    portal.ledger(|ledger| {
        assert!(
            ledger.applied.values().all(|&n| n == 1),
            "{:?}",
            ledger.applied
        );
        assert_eq!(ledger.applied.len(), deliveries.len());
        assert_eq!(ledger.products.keys().collect::<Vec<_>>(), vec![GTIN]);
        let lot = &ledger.lots[&(GTIN.to_owned(), "LOT-K".to_owned())];
        assert_eq!(lot.len(), lot_events.len(), "every event once");
        assert_eq!(
            lot.iter().collect::<BTreeSet<_>>(),
            lot_events.iter().collect()
        );
        assert!(ledger.injected_failures > 0 && ledger.slow_answers > 0);
    });
}

/// An approved enterprise with a product (image, net weight) and 900 events of one of its lots
/// in three captures; returns the events' ids.
async fn fill(database: &Path) -> Vec<String> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(database).await.unwrap());
    let new = NewOrganisation::new(
        OrganisationKind::Enterprise,
        OrganisationName::parse("Công ty CP Thủy sản Kiên Cường").unwrap(),
        TaxCode::parse("2007778889").unwrap(),
    )
    .unwrap();
    let organisation = store.create_organisation(&new, Actor::Cli).await.unwrap();
    store
        .set_organisation_status(organisation.id, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 300]].concat();
    let media = store
        .store_image(organisation.id, &Image::parse(png).unwrap(), Actor::Cli)
        .await
        .unwrap();
    let mut details = ProductDetails::new(
        Gtin::parse(GTIN).unwrap(),
        RecordName::parse("name", "Tôm thẻ chân trắng đông lạnh").unwrap(),
        ProductGroupCode::parse("thuy-san").unwrap(),
    );
    details.net_content = Some(NetContent::parse("1", "KGM").unwrap());
    details.images.push(media);
    store
        .register(
            Some(organisation.id),
            &details,
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for capture in 0..3u32 {
        let events: Vec<NewEvent> = (0..300)
            .map(|i| event(organisation.id, capture * 300 + i + 1))
            .collect();
        ids.extend(events.iter().map(|e| e.event_id.as_str().to_owned()));
        store.append_events(&events).await.unwrap();
    }
    store.close().await;
    ids
}

fn event(owner: OrganisationId, n: u32) -> NewEvent {
    let event_id = format!("urn:uuid:0190f5c2-8d3a-7b4e-9f10-{n:012}");
    let lot = format!("https://id.gs1.org/01/{GTIN}/10/LOT-K");
    NewEvent {
        owner,
        event_id: EventId::parse(&event_id).unwrap(),
        hash: EventHash::parse(&format!("ni:///sha-256;{n:064x}?ver=CBV2.0")).unwrap(),
        event_type: EventType::ObjectEvent,
        event_time: time::OffsetDateTime::from_unix_timestamp(1_772_000_000 + i64::from(n))
            .unwrap(),
        event_time_zone_offset: "+07:00".to_owned(),
        action: Some(if n == 1 { Action::Add } else { Action::Observe }),
        biz_step: Some("https://ref.gs1.org/cbv/BizStep-inspecting".to_owned()),
        disposition: None,
        read_point: None,
        biz_location: None,
        identifiers: vec![(IdentifierRole::EpcClass, lot)],
        fields: Vec::new(),
        document: format!(r#"{{"type":"ObjectEvent","eventID":"{event_id}"}}"#),
    }
}

fn wait_for(what: &str, test: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !test() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
