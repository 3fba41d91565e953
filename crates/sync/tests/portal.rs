//! The sync worker against the portal simulator, a real HTTP server that fails on purpose: every
//! record reaches the national portal (or an EPCIS endpoint) exactly once across injected 503s,
//! answers that come after the client gave up, expired tokens and a crash of the worker, and
//! every record that cannot go says why, in Vietnamese and English.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use nguon_domain::{
    Action, Actor, ApprovalStatus, EventHash, EventId, EventType, IdentifierRole, Image, MediaId,
    NetContent, NewEvent, NewOrganisation, NewPartner, Organisation, OrganisationId,
    OrganisationKind, OrganisationName, Permission, ProductDetails, ProductGroupCode, RecordName,
    SyncDelivery, SyncStatus, SyncSubject, TargetName, TaxCode,
};
use nguon_gs1::Gtin;
use nguon_store::{DatabaseUrl, DeliveryQuery, Registry, Store};
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;
use nguon_sync::simulator::{CLIENT_ID, CLIENT_SECRET, Faults, Simulator};
use nguon_sync::{
    Audience, EpcisConfig, MostPaths, MostPortalConfig, SyncConfig, TargetConfig, TargetKind,
    Worker,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const P1: &str = "08934673000093";
const P2: &str = "08934673000109";
const P3: &str = "08934673000116";
const POSTGRES_ENV: &str = "NGUON_TEST_DATABASE_URL";
/// Longer than the worker's request timeout: the portal applies the write, the worker gives up.
const LATE: Duration = Duration::from_millis(900);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_record_reaches_the_portal_once_across_faults_and_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sync.db"))
        .await
        .unwrap();
    every_record_reaches_the_portal_once(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_record_reaches_the_portal_once_across_faults_and_a_restart_on_postgres() {
    let Some(admin_url) = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "sync: {POSTGRES_ENV} must be set in CI"
        );
        // Straight to stderr: libtest captures the output of passing tests, and a skip must show.
        let _ = writeln!(
            std::io::stderr(),
            "sync portal test: PostgreSQL run SKIPPED (set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it)"
        );
        return;
    };
    let Ok(DatabaseUrl::Postgres(admin_url)) = DatabaseUrl::parse(&admin_url) else {
        panic!("{POSTGRES_ENV} must be a postgres:// URL");
    };
    let database = ScratchDatabase::create(&admin_url, "nguon_sync")
        .await
        .expect("create a scratch database");
    let store = PostgresStore::open(database.url()).await.unwrap();
    every_record_reaches_the_portal_once(Arc::new(store)).await;
}

async fn every_record_reaches_the_portal_once(store: Arc<dyn Store>) {
    let fixture = Fixture::new(store).await;
    let portal = Simulator::start(Duration::from_secs(2), false)
        .await
        .expect("simulator");
    portal.set_faults(Faults {
        fail_every: 4,
        slow_every: 7,
        slow_by: LATE,
        down: false,
    });
    let target = fixture.most_target(&portal);

    let mut worker = fixture.start(&target);
    // The profile arrives but waits for the National Barcode Center; the product says so.
    let tax_a = fixture.a.tax_code.as_str().to_owned();
    wait_for("A's profile on the portal", || {
        portal.ledger(|ledger| ledger.organisations.contains_key(&tax_a))
    })
    .await;
    let waiting = fixture
        .wait_for_delivery("P1 waiting for activation", |d| {
            d.subject_gtin(&fixture) == Some(P1)
                && d.reason.as_ref().is_some_and(|r| {
                    r.vi.contains("chưa được kích hoạt") && r.en.contains("not activated")
                })
        })
        .await;
    assert_eq!(waiting.status, SyncStatus::Pending);
    assert!(portal.activate(&tax_a));
    // The portal forgets its tokens (a restart on its side): the next request is a 401, and the
    // worker logs in again without counting it against the delivery.
    portal.revoke_tokens();

    // A crash once the first lots are in: whatever was in flight is resent after the lease.
    wait_for("the first lots on the portal", || {
        portal.ledger(|ledger| !ledger.lots.is_empty())
    })
    .await;
    worker.crash().await;
    let mut worker = fixture.start(&target);
    fixture
        .wait_until_settled(&target.name, |d| {
            // P3 settles once it is past the organisation's checks (which a 503 or the wait for
            // activation can hold up) and waits for the province alone.
            d.organisation == fixture.b.id
                || (d.subject_gtin(&fixture) == Some(P3)
                    && d.reason
                        .as_ref()
                        .is_some_and(|r| r.en.contains("not approved by the province")))
        })
        .await;
    worker.stop().await;

    let deliveries = fixture.deliveries(&target.name).await;
    let applied = portal.ledger(|ledger| ledger.applied.clone());
    // Exactly once: every key the portal applied belongs to a confirmed delivery that carried
    // something for it, and no key was applied twice.
    assert!(applied.values().all(|&n| n == 1), "{applied:?}");
    let carried: BTreeSet<String> = deliveries
        .iter()
        .filter(|d| d.status == SyncStatus::Confirmed && d.remote_reference.is_some())
        .map(|d| d.idempotency_key.clone())
        .collect();
    let keys: BTreeSet<String> = applied.keys().cloned().collect();
    assert_eq!(keys, carried);

    for delivery in deliveries.iter().filter(|d| d.organisation == fixture.a.id) {
        match delivery.subject_gtin(&fixture) {
            Some(P2) => {
                assert_eq!(delivery.status, SyncStatus::Failed);
                let reason = delivery.reason.as_ref().unwrap();
                assert!(
                    reason.vi.contains("ảnh JPG/PNG truy cập công khai"),
                    "{}",
                    reason.vi
                );
                assert!(
                    reason.en.contains("image reachable at a public URL"),
                    "{}",
                    reason.en
                );
            }
            Some(P3) => {
                assert_eq!(delivery.status, SyncStatus::Pending);
                assert!(
                    delivery
                        .reason
                        .as_ref()
                        .unwrap()
                        .en
                        .contains("not approved by the province")
                );
            }
            _ => assert_eq!(delivery.status, SyncStatus::Confirmed, "{delivery:?}"),
        }
    }
    // The cooperative is not approved: its profile waits and holds its events back.
    let of_b: Vec<&SyncDelivery> = deliveries
        .iter()
        .filter(|d| d.organisation == fixture.b.id)
        .collect();
    assert!(of_b.iter().all(|d| d.status == SyncStatus::Pending));
    assert!(
        of_b.iter()
            .filter(|d| d.subject != SyncSubject::Organisation)
            .all(|d| d.attempts == 0),
        "held back, never tried"
    );
    assert_eq!(of_b[0].subject, SyncSubject::Organisation);
    assert!(
        of_b[0]
            .reason
            .as_ref()
            .unwrap()
            .vi
            .contains("chưa được Sở phê duyệt")
    );

    // What the portal holds: A's profile, P1 only, and every event of lot LOT-A exactly once.
    portal.ledger(|ledger| {
        assert_eq!(ledger.organisations.len(), 1);
        assert_eq!(ledger.products.keys().collect::<Vec<_>>(), vec![P1]);
        let lot = &ledger.lots[&(P1.to_owned(), "LOT-A".to_owned())];
        let unique: BTreeSet<&String> = lot.iter().collect();
        assert_eq!(unique.len(), lot.len(), "no event twice");
        assert_eq!(lot.len(), fixture.lot_events.len());
        assert_eq!(unique, fixture.lot_events.iter().collect());
        assert_eq!(
            ledger.lots.len(),
            1,
            "lots of other producers' GTINs stay home"
        );
        assert!(ledger.injected_failures > 0, "503s were injected");
        assert!(ledger.slow_answers > 0, "late answers were injected");
        assert!(ledger.duplicate_acks > 0, "resends were acknowledged again");
        assert!(
            ledger.expired_tokens > 0 && ledger.tokens_issued > 1,
            "tokens were renewed"
        );
        let refused_image = ledger.refusals.iter().any(|r| r.contains("hinhAnh"));
        assert!(
            !refused_image,
            "pre-flight kept the imageless product from the portal"
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_reach_an_epcis_endpoint_once_across_faults_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sync.db"))
        .await
        .unwrap();
    let fixture = Fixture::new(Arc::new(store)).await;
    let endpoint = Simulator::start(Duration::from_secs(60), true)
        .await
        .expect("simulator");
    // Three runs make few writes: fail every second one and answer every third late.
    endpoint.set_faults(Faults {
        fail_every: 2,
        slow_every: 3,
        slow_by: LATE,
        down: false,
    });
    let target = TargetConfig {
        name: TargetName::parse("buyer").unwrap(),
        organisations: vec![fixture.a.id],
        partner: None,
        kind: TargetKind::Epcis(EpcisConfig {
            capture_url: format!("{}/epcis/capture", endpoint.base_url()),
            token: None,
        }),
    };
    let mut worker = fixture.start(&target);
    wait_for("the first events at the endpoint", || {
        endpoint.ledger(|ledger| !ledger.epcis_events.is_empty())
    })
    .await;
    worker.crash().await;
    let mut worker = fixture.start(&target);
    fixture.wait_until_settled(&target.name, |_| false).await;
    worker.stop().await;

    let deliveries = fixture.deliveries(&target.name).await;
    assert_eq!(
        deliveries.len(),
        3,
        "A's three runs only; B is not shared with the buyer"
    );
    assert!(deliveries.iter().all(|d| d.status == SyncStatus::Confirmed));
    endpoint.ledger(|ledger| {
        assert!(ledger.epcis_events.values().all(|&n| n == 1));
        let received: BTreeSet<&String> = ledger.epcis_events.keys().collect();
        assert_eq!(received, fixture.a_events.iter().collect());
        assert!(ledger.injected_failures > 0 && ledger.slow_answers > 0);
        assert!(
            ledger.duplicate_acks > 0,
            "the late answer's resend was acknowledged again"
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_portal_that_is_down_or_refuses_keeps_every_record_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sync.db"))
        .await
        .unwrap();
    let fixture = Fixture::new(Arc::new(store)).await;
    let portal = Simulator::start(Duration::from_secs(60), true)
        .await
        .expect("simulator");
    portal.set_faults(Faults {
        down: true,
        ..Faults::default()
    });
    // The operator mapped the GTIN field to a name this portal does not know: it refuses the
    // product with a 422, which no retry can fix.
    let mut target = fixture.most_target(&portal);
    if let TargetKind::MostPortal(config) = &mut target.kind {
        config.fields.insert("maGTIN".to_owned(), "gtin".to_owned());
    }
    let mut worker = fixture.start(&target);
    let down = fixture
        .wait_for_delivery("A's profile retried while the portal is down", |d| {
            d.organisation == fixture.a.id && d.attempts >= 3
        })
        .await;
    assert_eq!(down.status, SyncStatus::Pending);
    let reason = down.reason.unwrap();
    assert!(
        reason.vi.contains("503") && reason.vi.contains("sẽ thử lại"),
        "{}",
        reason.vi
    );
    assert!(
        reason.en.contains("503") && reason.en.contains("will retry"),
        "{}",
        reason.en
    );
    portal.ledger(|ledger| assert!(ledger.applied.is_empty(), "nothing got in while down"));

    portal.set_faults(Faults::default());
    let refused = fixture
        .wait_for_delivery("P1 refused by the portal", |d| {
            d.subject_gtin(&fixture) == Some(P1) && d.status == SyncStatus::Failed
        })
        .await;
    let reason = refused.reason.unwrap();
    assert!(
        reason
            .en
            .contains("the target refused it (422 Unprocessable Entity)"),
        "{}",
        reason.en
    );
    assert!(
        reason.vi.contains("maGTIN") && reason.vi.contains("không hợp lệ"),
        "{}",
        reason.vi
    );
    worker.stop().await;
    portal.ledger(|ledger| {
        assert_eq!(
            ledger.organisations.len(),
            1,
            "the profile went once the portal was back"
        );
        assert!(ledger.products.is_empty());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partners_endpoint_gets_only_what_is_shared_with_it_until_it_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sync.db"))
        .await
        .unwrap();
    let fixture = Fixture::new(Arc::new(store)).await;
    let store = &fixture.store;
    let buyer = store
        .create_partner(
            &NewPartner::parse(
                "Ocean Fresh Imports GmbH",
                "data_recipient",
                "trace@oceanfresh.example",
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    let grant = store
        .create_grant(fixture.a.id, buyer.id, Permission::Read, Actor::Cli)
        .await
        .unwrap();
    let endpoint = Simulator::start(Duration::from_secs(60), true)
        .await
        .expect("simulator");
    let target = TargetConfig {
        name: TargetName::parse("ocean-fresh").unwrap(),
        organisations: Vec::new(),
        partner: Some(buyer.id),
        kind: TargetKind::Epcis(EpcisConfig {
            capture_url: format!("{}/epcis/capture", endpoint.base_url()),
            token: None,
        }),
    };
    // A shares with the buyer, B does not: A's three runs go, B's event stays home.
    let mut worker = fixture.start(&target);
    fixture.wait_until_settled(&target.name, |_| false).await;
    let deliveries = fixture.deliveries(&target.name).await;
    assert_eq!(deliveries.len(), 3);
    assert!(
        deliveries
            .iter()
            .all(|d| d.organisation == fixture.a.id && d.status == SyncStatus::Confirmed),
        "{deliveries:#?}"
    );
    assert_eq!(
        endpoint.ledger(|l| l.epcis_events.len()),
        fixture.a_events.len()
    );

    // A capture queued while the endpoint is down, then A revokes: it is never sent, and says why.
    endpoint.set_faults(Faults {
        down: true,
        ..Faults::default()
    });
    store
        .append_events(&[event(
            fixture.a.id,
            50_000,
            Action::Observe,
            &format!("https://id.gs1.org/01/{P1}/10/LOT-A"),
        )])
        .await
        .unwrap();
    let queued = fixture
        .wait_for_delivery("the new run retried while the endpoint is down", |d| {
            d.target == target.name && d.status == SyncStatus::Pending && d.attempts >= 2
        })
        .await;
    store
        .revoke_grant(fixture.a.id, grant.id, Actor::Cli)
        .await
        .unwrap();
    // The endpoint stays down until the refusal: an attempt already past the grant check when
    // the grant was revoked cannot then reach it and be confirmed instead.
    let refused = fixture
        .wait_for_delivery("the queued run refused after the revocation", |d| {
            d.id == queued.id && d.status == SyncStatus::Failed
        })
        .await;
    endpoint.set_faults(Faults::default());
    let reason = refused.reason.unwrap();
    assert!(
        reason.vi.contains("thu hồi quyền đọc")
            && reason.en.contains("revoked this partner's read grant")
    );
    // And what A captures afterwards is not even queued.
    store
        .append_events(&[event(
            fixture.a.id,
            50_001,
            Action::Observe,
            &format!("https://id.gs1.org/01/{P1}/10/LOT-A"),
        )])
        .await
        .unwrap();
    for _ in 0..40 {
        if store.outbox_backlog(&target.name).await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(store.outbox_backlog(&target.name).await.unwrap(), 0);
    worker.stop().await;
    assert_eq!(
        fixture.deliveries(&target.name).await.len(),
        4,
        "nothing queued after the revocation"
    );
    assert_eq!(
        endpoint.ledger(|l| l.epcis_events.len()),
        fixture.a_events.len(),
        "nothing more was sent"
    );
}

/// A worker task and the switch that stops it.
struct Running {
    task: Option<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Running {
    /// Kills the worker where it stands, as a crash would.
    async fn crash(&mut self) {
        let task = self.task.take().unwrap();
        task.abort();
        let _ = task.await;
    }

    /// Stops the worker between deliveries.
    async fn stop(&mut self) {
        let _ = self.stop.send(true);
        self.task.take().unwrap().await.unwrap();
    }
}

/// A SQLite store with two organisations, three products, events, and a server for the
/// product images.
struct Fixture {
    store: Arc<dyn Store>,
    images: String,
    a: Organisation,
    b: Organisation,
    products: Vec<(nguon_domain::RecordId, &'static str)>,
    a_events: Vec<String>,
    lot_events: Vec<String>,
}

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> Self {
        let organisation = |kind, name: &str, tax: &str| {
            NewOrganisation::new(
                kind,
                OrganisationName::parse(name).unwrap(),
                TaxCode::parse(tax).unwrap(),
            )
            .unwrap()
        };
        let a = store
            .create_organisation(
                &organisation(
                    OrganisationKind::Enterprise,
                    "Công ty TNHH Thủy sản Đầm Dơi",
                    "2001112223",
                ),
                Actor::Cli,
            )
            .await
            .unwrap();
        let a = store
            .set_organisation_status(a.id, ApprovalStatus::Approved, Actor::Cli)
            .await
            .unwrap();
        let b = store
            .create_organisation(
                &organisation(
                    OrganisationKind::Cooperative,
                    "HTX Tôm lúa Phước Long",
                    "2004445556",
                ),
                Actor::Cli,
            )
            .await
            .unwrap();
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 300]].concat();
        let media = store
            .store_image(a.id, &Image::parse(png).unwrap(), Actor::Cli)
            .await
            .unwrap();
        let product = |gtin: &str, net: Option<(&str, &str)>, image: bool| {
            let mut details = ProductDetails::new(
                Gtin::parse(gtin).unwrap(),
                RecordName::parse("name", "Tôm sú nguyên con đông lạnh").unwrap(),
                ProductGroupCode::parse("thuy-san").unwrap(),
            );
            details.net_content =
                net.map(|(amount, unit)| NetContent::parse(amount, unit).unwrap());
            if image {
                details.images.push(media);
            }
            details
        };
        let mut products = Vec::new();
        for (gtin, net, image, status) in [
            (P1, Some(("1", "KGM")), true, ApprovalStatus::Approved),
            (P2, Some(("500", "GRM")), false, ApprovalStatus::Approved),
            (P3, Some(("2", "KGM")), true, ApprovalStatus::Pending),
        ] {
            let registered = store
                .register(Some(a.id), &product(gtin, net, image), status, Actor::Cli)
                .await
                .unwrap();
            products.push((registered.id, gtin));
        }
        // A's events: LOT-A of P1 is made, then observed; some events move another producer's
        // lot, which is not A's to report. Three captures, so three runs in the outbox.
        let lot_a = format!("https://id.gs1.org/01/{P1}/10/LOT-A");
        let foreign = "https://id.gs1.org/01/08934673000208/10/X1";
        let mut a_events = Vec::new();
        let mut lot_events = Vec::new();
        let mut n = 0;
        for size in [400, 400, 300] {
            let batch: Vec<NewEvent> = (0..size)
                .map(|_| {
                    n += 1;
                    let (action, identifier) = match n {
                        1 => (Action::Add, lot_a.as_str()),
                        n if n % 10 == 0 => (Action::Observe, foreign),
                        _ => (Action::Observe, lot_a.as_str()),
                    };
                    let event = event(a.id, n, action, identifier);
                    a_events.push(event.event_id.as_str().to_owned());
                    if identifier == lot_a {
                        lot_events.push(event.event_id.as_str().to_owned());
                    }
                    event
                })
                .collect();
            store.append_events(&batch).await.unwrap();
        }
        store
            .append_events(&[event(b.id, 90_000, Action::Add, foreign)])
            .await
            .unwrap();

        let images = serve_images(store.clone()).await;
        Self {
            store,
            images,
            a,
            b,
            products,
            a_events,
            lot_events,
        }
    }

    fn most_target(&self, portal: &Simulator) -> TargetConfig {
        TargetConfig {
            name: TargetName::parse("most").unwrap(),
            organisations: Vec::new(),
            partner: None,
            kind: TargetKind::MostPortal(MostPortalConfig {
                base_url: portal.base_url(),
                token_url: format!("{}/token", portal.base_url()),
                client_id: CLIENT_ID.to_owned(),
                client_secret: CLIENT_SECRET.to_owned().into(),
                public_base_url: self.images.clone(),
                paths: MostPaths::default(),
                fields: Default::default(),
            }),
        }
    }

    fn start(&self, target: &TargetConfig) -> Running {
        let config = SyncConfig {
            poll_seconds: 0.05,
            retry_base_seconds: 0.05,
            retry_cap_seconds: 0.3,
            max_attempts: 10_000,
            confirm_seconds: 0.05,
            request_timeout_seconds: 0.4,
            lease_seconds: 2.0,
            targets: vec![target.clone()],
        };
        let settings = config.settings().unwrap();
        let http = nguon_sync::http_client(&settings).unwrap();
        let worker = Worker::new(
            self.store.clone(),
            target.name.clone(),
            nguon_sync::adapter(target, http),
            Audience::of(target),
            settings,
        );
        let (stop, shutdown) = watch::channel(false);
        Running {
            task: Some(tokio::spawn(worker.run(shutdown))),
            stop,
        }
    }

    async fn deliveries(&self, target: &TargetName) -> Vec<SyncDelivery> {
        let mut all = self
            .store
            .list_deliveries(&DeliveryQuery {
                target: Some(target.clone()),
                ..DeliveryQuery::default()
            })
            .await
            .unwrap();
        all.reverse();
        all
    }

    async fn wait_for_delivery(
        &self,
        what: &str,
        test: impl Fn(&SyncDelivery) -> bool,
    ) -> SyncDelivery {
        for _ in 0..600 {
            let found = self
                .store
                .list_deliveries(&DeliveryQuery::default())
                .await
                .unwrap()
                .into_iter()
                .find(|d| test(d));
            if let Some(delivery) = found {
                return delivery;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}");
    }

    /// Waits until every delivery of `target` is confirmed or failed, except those `waiting`
    /// says may stay pending.
    async fn wait_until_settled(
        &self,
        target: &TargetName,
        waiting: impl Fn(&SyncDelivery) -> bool,
    ) {
        for _ in 0..1200 {
            // The backlog first: read after it, the deliveries include every row it counted
            // as fanned out (the other way round, a fan-out in between looks settled).
            let backlog = self.store.outbox_backlog(target).await.unwrap();
            let deliveries = self.deliveries(target).await;
            let settled = backlog == 0
                && deliveries.iter().all(|d| {
                    matches!(d.status, SyncStatus::Confirmed | SyncStatus::Failed) || waiting(d)
                });
            if settled {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left: Vec<_> = self
            .deliveries(target)
            .await
            .into_iter()
            .filter(|d| !matches!(d.status, SyncStatus::Confirmed | SyncStatus::Failed))
            .map(|d| (d.id, d.subject, d.status, d.reason.map(|r| r.en)))
            .collect();
        panic!("timed out waiting for {target} to settle; still open: {left:?}");
    }
}

trait ProductOf {
    fn subject_gtin(&self, fixture: &Fixture) -> Option<&'static str>;
}

impl ProductOf for SyncDelivery {
    /// The GTIN of the product a delivery carries.
    fn subject_gtin(&self, fixture: &Fixture) -> Option<&'static str> {
        match self.subject {
            SyncSubject::Product(id) => fixture
                .products
                .iter()
                .find(|(known, _)| *known == id)
                .map(|(_, gtin)| *gtin),
            _ => None,
        }
    }
}

async fn wait_for(what: &str, test: impl Fn() -> bool) {
    for _ in 0..600 {
        if test() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Serves the store's images at `/media/{id}`, as `nguon serve` does; returns its origin.
async fn serve_images(store: Arc<dyn Store>) -> String {
    async fn media(
        State(store): State<Arc<dyn Store>>,
        Path(id): Path<String>,
    ) -> axum::response::Response {
        let Ok(id) = MediaId::parse(&id) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        match store.image(id).await {
            Ok((_, image)) => (
                [(header::CONTENT_TYPE, image.kind().media_type())],
                image.bytes().to_vec(),
            )
                .into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    let app = Router::new()
        .route("/media/{id}", get(media))
        .with_state(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// An object event of `owner` numbered `n`, naming `identifier` as a class.
fn event(owner: OrganisationId, n: u32, action: Action, identifier: &str) -> NewEvent {
    let event_id = format!("urn:uuid:0190f5c2-8d3a-7b4e-9f10-{n:012}");
    NewEvent {
        owner,
        event_id: EventId::parse(&event_id).unwrap(),
        hash: EventHash::parse(&format!("ni:///sha-256;{n:064x}?ver=CBV2.0")).unwrap(),
        event_type: EventType::ObjectEvent,
        event_time: time::OffsetDateTime::from_unix_timestamp(1_772_000_000 + i64::from(n))
            .unwrap(),
        event_time_zone_offset: "+07:00".to_owned(),
        action: Some(action),
        biz_step: Some("https://ref.gs1.org/cbv/BizStep-inspecting".to_owned()),
        disposition: None,
        read_point: Some("https://id.gs1.org/414/8934673000017".to_owned()),
        biz_location: None,
        identifiers: vec![(IdentifierRole::EpcClass, identifier.to_owned())],
        fields: Vec::new(),
        document: format!(
            r#"{{"type":"ObjectEvent","eventID":"{event_id}","action":"{}","quantityList":[{{"epcClass":"{identifier}","quantity":1,"uom":"KGM"}}]}}"#,
            action.as_str()
        ),
    }
}
