//! One story that walks every `Store` method in the order a province would use them. It runs on a
//! fresh SQLite file always, and on a fresh PostgreSQL database when `NGUON_TEST_DATABASE_URL`
//! points at a server where it may create databases (CI sets it and must not skip).

use std::io::Write;
use std::sync::Arc;

use nguon_domain::{
    Access, Action, Actor, ApiKeyId, ApiKeyScope, ApprovalStatus, AuditAction, AuditQuery,
    CaptureErrorBehaviour, CaptureJobId, Comparison, Direction, DomainError, Email, EntityKind,
    EventCursor, EventHash, EventId, EventQuery, EventType, FieldCondition, FieldFilter,
    IdentifierMatch, IdentifierRole, IndexedField, NewApiKey, NewCaptureJob, NewEvent,
    NewNamedQuery, NewOrganisation, NewRecall, NewSession, NewSubscription, NewUser, OrderBy,
    Organisation, OrganisationId, OrganisationKind, OrganisationName, PasswordHash, PersonName,
    QueryName, Recall, RecallId, RecallReason, RecallRole, RecallStatus, RecalledLot, Role,
    Schedule, ScheduleText, SessionId, StoredEvent, SubscriptionId, TaxCode, TimeRange, Trigger,
    UserId, UserStatus, VocabularyElement,
};
use nguon_domain::{
    Address, AdminUnits, Certificate, CertificateKind, DocumentFile, DocumentType, FacilityDetails,
    FacilityKind, Geometry, GuidanceId, Image, NewGuidance, NewResolverLink, NewStampRun,
    NewTraining, Participant, ProductDetails, ProductGroupCode, ProductGroupDetails, ProvinceCode,
    RecordName, RegistryKind, StampRun, StampState, TrainingId,
};
use nguon_domain::{Bilingual, LotQuality, QualityLine, QualityScore, QualitySection};
use nguon_gs1::{CompanyPrefix, Gln, Gtin};
use nguon_store::{
    AuditPage, DatabaseUrl, Dimension, DimensionTally, EventResource, OrganisationFilter,
    OrganisationQuery, RecordQuery, Registry, Store, StoreError,
};
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;
use time::OffsetDateTime;

#[path = "story/links.rs"]
mod links;
#[path = "story/partners.rs"]
mod partners;
#[path = "story/privacy.rs"]
mod privacy;

const POSTGRES_ENV: &str = "NGUON_TEST_DATABASE_URL";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("story.db");
    let store = SqliteStore::open(&path).await.expect("open SQLite store");
    // Opening migrated already; a second run must find nothing to do.
    store.migrate().await.expect("migrations are repeatable");
    run_story(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_on_postgres() {
    let Some(admin_url) = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "store story: {POSTGRES_ENV} must be set in CI (e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
        // Written to stderr directly: libtest captures `eprintln!` of passing tests, and a skip
        // must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "store story: PostgreSQL run SKIPPED (set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test to run it)"
        );
        return;
    };
    let admin_url = match DatabaseUrl::parse(&admin_url) {
        Ok(DatabaseUrl::Postgres(url)) => url,
        other => panic!("{POSTGRES_ENV} must be a postgres:// URL, got {other:?}"),
    };
    let database = ScratchDatabase::create(&admin_url, "nguon_test")
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}: cannot create a test database: {e}"));
    let store = PostgresStore::open(database.url())
        .await
        .expect("open PostgreSQL store");
    store.migrate().await.expect("migrations are repeatable");
    run_story(Arc::new(store)).await;
}

/// The story. Takes the store as `Arc<dyn Store>`, the way the server holds it.
async fn run_story(store: Arc<dyn Store>) {
    store.ping().await.expect("a fresh store answers");

    // The province registers a shrimp cooperative in Cà Mau, a seafood processor, and a shrimp
    // farming household that uses a personal ID number as its tax code.
    let cooperative = store
        .create_organisation(
            &new(
                OrganisationKind::Cooperative,
                "HTX Nuôi tôm sinh thái Tân Hưng (Cà Mau)",
                "2001234567",
            ),
            Actor::Cli,
        )
        .await
        .expect("register the cooperative");
    assert_eq!(cooperative.status, ApprovalStatus::Pending);
    assert_eq!(cooperative.created_at, cooperative.updated_at);
    assert!(cooperative.company_prefixes.is_empty());

    let processor = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty TNHH Chế biến Thủy sản Sông Đốc",
                "2009876543",
            ),
            Actor::Cli,
        )
        .await
        .expect("register the processor");
    let household = store
        .create_organisation(
            &new(
                OrganisationKind::Household,
                "Hộ ông Nguyễn Văn Tư",
                "096085001234",
            ),
            Actor::Cli,
        )
        .await
        .expect("register the household");
    let province = store
        .create_organisation(
            &new(
                OrganisationKind::Agency,
                "Sở Khoa học và Công nghệ tỉnh Cà Mau",
                "2000100001",
            ),
            Actor::Cli,
        )
        .await
        .expect("register the provincial department");

    // What was returned is what was stored, timestamps included.
    assert_eq!(
        store.organisation(cooperative.id).await.unwrap(),
        cooperative
    );
    assert_eq!(store.organisation(household.id).await.unwrap(), household);

    // A second registration with the processor's tax code is refused, and names the field.
    let duplicate = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty trùng mã số thuế",
                "2009876543",
            ),
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            duplicate,
            StoreError::Conflict {
                what: "tax code",
                ..
            }
        ),
        "{duplicate:?}"
    );

    let stranger = OrganisationId::generate();
    let missing = store.organisation(stranger).await.unwrap_err();
    assert!(
        matches!(&missing, StoreError::NotFound { what: "organisation", id } if *id == stranger.to_string()),
        "{missing:?}"
    );

    // The officer approves the cooperative, the processor and the department.
    let cooperative = approve(&store, cooperative.id).await;
    assert!(cooperative.updated_at >= cooperative.created_at);
    let processor = approve(&store, processor.id).await;
    let province = approve(&store, province.id).await;

    // An inspection suspends the processor; it cannot go back to pending, and a refused change
    // leaves the record as it was.
    let suspended = store
        .set_organisation_status(processor.id, ApprovalStatus::Suspended, Actor::Cli)
        .await
        .expect("suspend the processor");
    assert_eq!(suspended.status, ApprovalStatus::Suspended);
    let refused = store
        .set_organisation_status(processor.id, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Domain(DomainError::StatusTransition {
                from: ApprovalStatus::Suspended,
                to: ApprovalStatus::Pending
            })
        ),
        "{refused:?}"
    );
    assert_eq!(store.organisation(processor.id).await.unwrap(), suspended);
    let again = store
        .set_organisation_status(cooperative.id, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap_err();
    assert!(matches!(
        again,
        StoreError::Domain(DomainError::StatusTransition { .. })
    ));
    let no_one = store
        .set_organisation_status(stranger, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap_err();
    assert!(matches!(no_one, StoreError::NotFound { .. }), "{no_one:?}");

    // The matter is settled and the processor is approved again.
    let processor = approve(&store, processor.id).await;

    // Several officers open the same pending application and all press "approve": the check and
    // the write are atomic, so exactly one succeeds and the others learn it is already approved.
    // A race shows only sometimes, so four salt cooperatives each get eight approvals at once.
    let mut contested = Vec::new();
    for (number, code) in ["2001234991", "2001234992", "2001234993", "2001234994"]
        .into_iter()
        .enumerate()
    {
        let applicant = store
            .create_organisation(
                &new(
                    OrganisationKind::Cooperative,
                    &format!("HTX Muối Long Điền {}", number + 1),
                    code,
                ),
                Actor::Cli,
            )
            .await
            .expect("register a salt cooperative");
        assert_eq!(
            approve_concurrently(&store, applicant.id, 8).await,
            1,
            "exactly one approval wins"
        );
        contested.push(applicant.id);
    }

    // Company prefixes: the department holds a provincial prefix, the cooperative a longer one
    // inside it (allocated through the province), the processor its own GS1 Vietnam prefix.
    let province_prefix = prefix("893600");
    let cooperative_prefix = prefix("893600123");
    let processor_prefix = prefix("8934567");
    store
        .add_company_prefix(province.id, &province_prefix, Actor::Cli)
        .await
        .expect("province prefix");
    let cooperative = store
        .add_company_prefix(cooperative.id, &cooperative_prefix, Actor::Cli)
        .await
        .expect("cooperative prefix");
    assert_eq!(
        cooperative.company_prefixes,
        std::slice::from_ref(&cooperative_prefix)
    );
    let processor = store
        .add_company_prefix(processor.id, &processor_prefix, Actor::Cli)
        .await
        .expect("processor prefix");
    let processor = store
        .add_company_prefix(processor.id, &prefix("89345680"), Actor::Cli)
        .await
        .expect("processor's second prefix");
    assert_eq!(
        processor.company_prefixes,
        [prefix("8934567"), prefix("89345680")],
        "prefixes come back in ascending order"
    );

    // Registering the same prefix twice for the same organisation changes nothing.
    let repeated = store
        .add_company_prefix(cooperative.id, &cooperative_prefix, Actor::Cli)
        .await
        .expect("same prefix, same organisation");
    assert_eq!(repeated, cooperative);

    // Another organisation cannot take it.
    let taken = store
        .add_company_prefix(processor.id, &cooperative_prefix, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(&taken, StoreError::Conflict { what: "company prefix", detail } if detail.contains("893600123")),
        "{taken:?}"
    );
    let nobody = store
        .add_company_prefix(stranger, &prefix("8939999"), Actor::Cli)
        .await
        .unwrap_err();
    assert!(matches!(nobody, StoreError::NotFound { .. }), "{nobody:?}");

    // Who owns a GTIN? The longest registered prefix wins.
    let owner = |digits: &'static str| {
        let store = Arc::clone(&store);
        async move { store.organisation_for_key(digits).await.expect("lookup") }
    };
    let (found, matched) = owner("8936001230011").await.expect("cooperative's GTIN");
    assert_eq!(
        (found.id, matched),
        (cooperative.id, cooperative_prefix.clone())
    );
    assert_eq!(found, store.organisation(cooperative.id).await.unwrap());
    let (found, matched) = owner("8936009990016").await.expect("province's GTIN");
    assert_eq!((found.id, matched), (province.id, province_prefix));
    let (found, matched) = owner("8934567012348").await.expect("processor's GTIN");
    assert_eq!((found.id, matched), (processor.id, processor_prefix));
    assert_eq!(owner("8930000000002").await, None, "nobody holds 893000…");
    assert_eq!(owner("893").await, None, "too short for any prefix");
    assert_eq!(owner("89360012300x1").await, None, "not a key");

    // Paging through the registry, two at a time, in registration order.
    let mut extra = Vec::new();
    for (number, code) in ["2001111111", "2001111112", "2001111113"]
        .into_iter()
        .enumerate()
    {
        extra.push(
            store
                .create_organisation(
                    &new(
                        OrganisationKind::Cooperative,
                        &format!("HTX Tôm lúa số {}", number + 1),
                        code,
                    ),
                    Actor::Cli,
                )
                .await
                .expect("register another cooperative"),
        );
    }
    let everyone: Vec<OrganisationId> = [cooperative.id, processor.id, household.id, province.id]
        .into_iter()
        .chain(contested.iter().copied())
        .chain(extra.iter().map(|organisation| organisation.id))
        .collect();
    assert_eq!(page_through(&store, None, 2).await, everyone);
    assert_eq!(page_through(&store, None, 500).await, everyone);

    let approved = page_through(&store, Some(ApprovalStatus::Approved), 2).await;
    let expected: Vec<OrganisationId> = [cooperative.id, processor.id, province.id]
        .into_iter()
        .chain(contested.iter().copied())
        .collect();
    assert_eq!(approved, expected);
    let pending = page_through(&store, Some(ApprovalStatus::Pending), 1).await;
    assert_eq!(pending[0], household.id);
    assert_eq!(pending.len(), 4);
    assert!(
        page_through(&store, Some(ApprovalStatus::Suspended), 2)
            .await
            .is_empty()
    );

    // A page carries each organisation with its prefixes, and a limit of 0 still returns one row.
    let first = store
        .list_organisations(&OrganisationQuery {
            limit: 0,
            ..OrganisationQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        first.organisations,
        [store.organisation(cooperative.id).await.unwrap()]
    );
    assert_eq!(first.next_after, Some(cooperative.id));

    events_chapter(&store, cooperative.id, processor.id).await;

    // Two more organisations for the EPCIS API chapters, so their expectations are exact.
    let farm = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty CP Tôm Giống Năm Căn",
                "2002000001",
            ),
            Actor::Cli,
        )
        .await
        .expect("register farm A");
    let hatchery = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty TNHH Trại Giống Đất Mũi",
                "2002000002",
            ),
            Actor::Cli,
        )
        .await
        .expect("register hatchery B");
    master_data_chapter(&store, farm.id, hatchery.id).await;
    query_chapter(&store, farm.id, hatchery.id).await;
    resources_chapter(&store, farm.id, hatchery.id).await;
    skipping_chapter(&store, farm.id, hatchery.id).await;
    api_keys_chapter(&store, farm.id, hatchery.id).await;
    capture_jobs_chapter(&store, farm.id, hatchery.id).await;
    partners::partners_chapter(&store, farm.id, hatchery.id).await;
    named_queries_chapter(&store, farm.id, hatchery.id).await;
    accounts_chapter(&store, farm.id, hatchery.id).await;
    recalls_chapter(&store, farm.id, hatchery.id).await;
    registry_chapter(&store, farm.id, hatchery.id).await;
    quality_chapter(&store, farm.id, hatchery.id).await;
    organisation_address_chapter(&store).await;
    plan_chapter(&store).await;
    event_log_chapter(&store, farm.id).await;
    resolver_chapter(&store, farm.id, hatchery.id).await;
    batch_registry_chapter(&store, farm.id).await;
    batch_organisations_chapter(&store).await;
    stamps_chapter(&store, farm.id, hatchery.id).await;
    sync_chapter(&store, farm.id, hatchery.id).await;
    privacy::privacy_chapter(&store).await;
    links::links_chapter(&store, farm.id, hatchery.id).await;

    // Shutting down: once closed, the store says it is unavailable instead of hanging.
    store.close().await;
    let closed = store.ping().await.unwrap_err();
    assert!(matches!(closed, StoreError::Unavailable(_)), "{closed:?}");
}

/// Stamp runs: numbered on from the lot's earlier runs, refused past the lot's cap with the
/// remaining count and nothing written, kept per lot and per organisation, moved printed →
/// active → deactivated and never back, each step audited.
async fn stamps_chapter(store: &Arc<dyn Store>, farm: OrganisationId, other: OrganisationId) {
    let gtin = Gtin::parse("08931234560034").unwrap();
    let run = |organisation, lot: &str, count| NewStampRun {
        organisation,
        gtin: gtin.clone(),
        lot: lot.to_owned(),
        count,
        secret: [3; 16],
        symbology: "qr".to_owned(),
        layout: "a4-3x8".to_owned(),
    };
    let first = store
        .print_stamps(&run(farm, "ST1", 24), 60, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(
        (first.first, first.last(), first.state),
        (1, 24, StampState::Printed)
    );
    let second = store
        .print_stamps(&run(farm, "ST1", 30), 60, Actor::Cli)
        .await
        .unwrap();
    assert_eq!((second.first, second.last()), (25, 54));
    // Past the cap: refused with what remains, nothing stored.
    let refused = store
        .print_stamps(&run(farm, "ST1", 7), 60, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Domain(DomainError::StampCapExceeded {
                cap: 60,
                issued: 54,
                remaining: 6,
                asked: 7
            })
        ),
        "{refused:?}"
    );
    // Another lot counts on its own; another organisation's runs are its own.
    let other_lot = store
        .print_stamps(&run(other, "ST2", 5), 5, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(other_lot.first, 1);
    let of_lot = store.stamp_runs_of_lot(&gtin, "ST1").await.unwrap();
    assert_eq!(of_lot, vec![first.clone(), second.clone()]);
    assert_eq!(
        of_lot[1].serial(30),
        second.serial(30),
        "the secret is kept"
    );
    let farms: Vec<_> = store.list_stamp_runs(Some(farm), 10).await.unwrap();
    assert_eq!(farms, vec![second.clone(), first.clone()], "newest first");
    assert_eq!(
        store.list_stamp_runs(None, 1).await.unwrap(),
        vec![other_lot]
    );
    assert_eq!(store.stamp_run(first.id).await.unwrap(), first);

    let active = store
        .set_stamp_state(first.id, StampState::Active, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(active.state, StampState::Active);
    let off = store
        .set_stamp_state(first.id, StampState::Deactivated, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(off.state, StampState::Deactivated);
    // Totals per organisation and state: the farm's deactivated 24 and printed 30, the other's 5.
    let mut totals: Vec<_> = store
        .stamp_totals()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.organisation == farm, t.state, t.runs, t.stamps))
        .collect();
    totals.sort_by_key(|t| (t.0, t.1.as_str(), t.2));
    assert_eq!(
        totals,
        [
            (false, StampState::Printed, 1, 5),
            (true, StampState::Deactivated, 1, 24),
            (true, StampState::Printed, 1, 30),
        ]
    );
    let back = store
        .set_stamp_state(first.id, StampState::Active, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            back,
            StoreError::Domain(DomainError::StampStateTransition { .. })
        ),
        "{back:?}"
    );
    let audit = store
        .search_audit_log(&AuditQuery {
            entity_id: Some(first.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<AuditAction> = audit.entries.iter().map(|e| e.action).collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(actions.contains(&AuditAction::StampsPrint));
    let printed = audit
        .entries
        .iter()
        .find(|e| e.action == AuditAction::StampsPrint)
        .and_then(|e| e.after.clone())
        .unwrap();
    assert_eq!(printed["first"], 1);
    assert_eq!(printed["last"], 24);
    assert!(
        printed.get("secret").is_none(),
        "the secret stays out of the log"
    );
    let unknown = nguon_domain::StampRunId::generate();
    assert!(matches!(
        store.stamp_run(unknown).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
    scans_section(store, &gtin, &first, farm, other).await;
}

/// The scan log, read back as tallies: per code (a lot and a serial are codes of their own),
/// per owner, over a window, with what the pages said; one serial under two lots shows in the
/// tallies a scan of it returns.
async fn scans_section(
    store: &Arc<dyn Store>,
    gtin: &Gtin,
    run: &StampRun,
    farm: OrganisationId,
    other: OrganisationId,
) {
    let before = nguon_store::now_utc() - time::Duration::seconds(1);
    let scan = |lot: Option<&str>, serial: Option<&str>| nguon_domain::NewScan {
        scanned_at: time::OffsetDateTime::now_utc(),
        gtin: gtin.clone(),
        lot: lot.map(str::to_owned),
        serial: serial.map(str::to_owned),
        place: Some("VN".to_owned()),
        device: nguon_domain::DeviceKind::Phone,
        client: Some("ab12".to_owned()),
        verdict: Some("genuine"),
        organisation: Some(farm),
        recalled: false,
    };
    let serial = run.serial(1);
    let once = store
        .record_scan(&scan(Some("ST1"), Some(&serial)))
        .await
        .unwrap();
    assert_eq!(once.len(), 1);
    assert_eq!(
        (
            once[0].scans,
            once[0].lot.as_deref(),
            once[0].serial.as_deref()
        ),
        (1, Some("ST1"), Some(serial.as_str()))
    );
    assert_eq!(once[0].organisation, Some(farm));
    let mut abroad = scan(Some("ST1"), Some(&serial));
    abroad.place = Some("US".to_owned());
    abroad.client = Some("cd34".to_owned());
    abroad.verdict = Some("inactive");
    abroad.recalled = true;
    let twice = store.record_scan(&abroad).await.unwrap();
    let tally = &twice[0];
    assert_eq!(
        (
            tally.scans,
            tally.places,
            tally.clients,
            tally.inactive,
            tally.recalled
        ),
        (2, 2, 2, 1, 1)
    );
    assert!(tally.first <= tally.last && tally.first >= before);
    // A lot's or a GTIN's code is logged; no verdict needs its tally.
    let lot_code = store.record_scan(&scan(Some("ST1"), None)).await.unwrap();
    assert!(lot_code.is_empty());
    let gtin_code = store.record_scan(&scan(None, None)).await.unwrap();
    assert!(gtin_code.is_empty());
    // The same serial under another lot: a scan of it returns both lots' tallies.
    let mut elsewhere = scan(Some("ST9"), Some(&serial));
    elsewhere.verdict = Some("unknown");
    let both = store.record_scan(&elsewhere).await.unwrap();
    let mut lots: Vec<_> = both
        .iter()
        .map(|t| (t.lot.clone().unwrap(), t.scans, t.unknown))
        .collect();
    lots.sort();
    assert_eq!(lots, [("ST1".to_owned(), 2, 0), ("ST9".to_owned(), 1, 1)]);
    // A code nobody registered belongs to no organisation; the province sees it.
    let mut stray = scan(Some("X1"), None);
    stray.gtin = Gtin::parse("08931234560041").unwrap();
    stray.organisation = None;
    stray.verdict = None;
    store.record_scan(&stray).await.unwrap();

    let own = store.scan_tallies(Some(farm), before).await.unwrap();
    assert_eq!(own.len(), 4, "{own:?}");
    assert_eq!(own.iter().map(|t| t.scans).sum::<u64>(), 5);
    assert!(own.iter().all(|t| t.organisation == Some(farm)));
    assert!(
        store
            .scan_tallies(Some(other), before)
            .await
            .unwrap()
            .is_empty()
    );
    let all = store.scan_tallies(None, before).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        all.iter()
            .any(|t| t.organisation.is_none() && t.gtin == "08931234560041")
    );
    let later = nguon_store::now_utc() + time::Duration::seconds(1);
    assert!(store.scan_tallies(None, later).await.unwrap().is_empty());
    let flagged = nguon_domain::flag(&own, &nguon_domain::ScanThresholds::default());
    let names: Vec<Vec<&str>> = flagged
        .iter()
        .map(|f| f.signals.iter().map(|s| s.name()).collect())
        .collect();
    assert_eq!(
        names,
        [
            vec!["before_activation", "after_recall", "two_lots"],
            vec!["unknown_serial", "two_lots"]
        ]
    );
    // Views logged in one batch, longer than one insert carries, keep the times they happened.
    let start = nguon_store::now_utc() - time::Duration::hours(2);
    let batch: Vec<_> = (0..nguon_store::SCANS_PER_INSERT as i64 + 500)
        .map(|n| nguon_domain::NewScan {
            scanned_at: start + time::Duration::seconds(n),
            ..scan(Some("BATCH"), None)
        })
        .collect();
    store.record_scans(&batch).await.unwrap();
    let tallies = store.scan_tallies(Some(farm), start).await.unwrap();
    let logged = tallies
        .iter()
        .find(|t| t.lot.as_deref() == Some("BATCH"))
        .unwrap();
    assert_eq!(logged.scans, batch.len() as u64);
    assert_eq!(
        (logged.first, logged.last),
        (batch[0].scanned_at, batch[batch.len() - 1].scanned_at)
    );
}

/// The event log read whole, as backups and integrity checks read it: pages in capture order that
/// join without gap or repeat, and a digest that is stable while nothing changes and moves with
/// the next append.
async fn event_log_chapter(store: &Arc<dyn Store>, farm: OrganisationId) {
    let everything = store.events_after(0, 10_000).await.unwrap();
    assert!(everything.len() > 20, "earlier chapters appended events");
    assert!(
        everything.windows(2).all(|w| w[0].sequence < w[1].sequence),
        "capture order"
    );
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, 7).await.unwrap();
        assert!(page.len() <= 7);
        let Some(last) = page.last() else { break };
        after = last.sequence;
        paged.extend(page);
    }
    assert_eq!(paged, everything);
    let last = everything.last().unwrap().sequence;
    assert!(store.events_after(last, 10).await.unwrap().is_empty());

    let digest = nguon_store::event_digest(store.as_ref()).await.unwrap();
    assert_eq!(digest.events, everything.len() as u64);
    assert_eq!(digest.last_sequence, last);
    assert_eq!(
        digest,
        nguon_store::event_digest(store.as_ref()).await.unwrap()
    );
    store
        .append_events(&[event(
            farm,
            990_001,
            EventType::ObjectEvent,
            Some(Action::Observe),
            STORE,
            &[],
        )])
        .await
        .unwrap();
    let moved = nguon_store::event_digest(store.as_ref()).await.unwrap();
    assert_eq!(moved.events, digest.events + 1);
    assert_ne!(moved.sha256, digest.sha256);
}

/// Events: a harvested shrimp lot is shipped by the cooperative, received and processed by the
/// processor; appends are all or nothing, duplicates are refused by position, and lookups by
/// identifier follow the lot across organisations.
async fn events_chapter(store: &Arc<dyn Store>, farm: OrganisationId, processor: OrganisationId) {
    const LOT: &str = "https://id.gs1.org/01/08934673000017/10/TOM-2026-03";
    const PRODUCT_LOT: &str = "https://id.gs1.org/01/18934673000014/10/P-0312";
    const POND: &str = "https://id.gs1.org/414/8934673000017/254/AO-3";
    const PLANT: &str = "https://id.gs1.org/414/8934673000024";
    let harvest = event(
        farm,
        1,
        EventType::ObjectEvent,
        Some(Action::Add),
        POND,
        &[(IdentifierRole::EpcClass, LOT)],
    );
    let shipping = event(
        farm,
        2,
        EventType::ObjectEvent,
        Some(Action::Observe),
        POND,
        &[(IdentifierRole::EpcClass, LOT)],
    );
    let receiving = event(
        processor,
        3,
        EventType::ObjectEvent,
        Some(Action::Observe),
        PLANT,
        &[(IdentifierRole::EpcClass, LOT)],
    );
    let processing = event(
        processor,
        4,
        EventType::TransformationEvent,
        None,
        PLANT,
        // Given out of order and with a repeat: identifiers are stored as a sorted set.
        &[
            (IdentifierRole::OutputClass, PRODUCT_LOT),
            (IdentifierRole::InputClass, LOT),
            (IdentifierRole::OutputClass, PRODUCT_LOT),
        ],
    );

    let first_record_time = store
        .append_events(&[harvest.clone(), shipping.clone()])
        .await
        .expect("append the farm's events");
    let stored = store.event(farm, &harvest.event_id).await.unwrap();
    assert_eq!(stored.event, harvest);
    assert_eq!(stored.record_time, first_record_time);
    let stored_shipping = store.event(farm, &shipping.event_id).await.unwrap();
    assert!(stored_shipping.sequence > stored.sequence);

    // A batch that repeats a captured event is refused as a whole, naming the position.
    let refused = store
        .append_events(&[receiving.clone(), shipping.clone()])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Conflict { detail, .. } if detail.starts_with("event 2 was already captured")),
        "{refused:?}"
    );
    let not_found = store
        .event(processor, &receiving.event_id)
        .await
        .unwrap_err();
    assert!(
        matches!(not_found, StoreError::NotFound { what: "event", .. }),
        "{not_found:?}"
    );

    // The same event twice in one batch (a new eventID, the same hash) is refused too.
    let mut twin = receiving.clone();
    twin.event_id = EventId::parse("urn:uuid:0190f5c2-8d3a-7b4e-9f10-000000000099").unwrap();
    let refused = store
        .append_events(&[receiving.clone(), twin])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Conflict { detail, .. } if detail == "event 2 is the same event as event 1 in the same batch"),
        "{refused:?}"
    );

    // An owner that is not registered: nothing is written.
    let stranger = OrganisationId::generate();
    let mut orphan = receiving.clone();
    orphan.owner = stranger;
    let refused = store
        .append_events(&[receiving.clone(), orphan])
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(store.event(processor, &receiving.event_id).await.is_err());

    // The processor keeps its own copy of the farm's shipping event: hashes are unique per owner.
    let mut shipping_copy = shipping.clone();
    shipping_copy.owner = processor;
    store
        .append_events(&[receiving.clone(), processing.clone(), shipping_copy.clone()])
        .await
        .expect("append the processor's events");
    let stored = store.event(processor, &processing.event_id).await.unwrap();
    assert_eq!(
        stored.event.identifiers,
        [
            (IdentifierRole::InputClass, LOT.to_owned()),
            (IdentifierRole::OutputClass, PRODUCT_LOT.to_owned())
        ]
    );

    // Following the lot: every event that names it, across both organisations, in capture order.
    let owners_and_ids = |events: Vec<StoredEvent>| -> Vec<(OrganisationId, String)> {
        events
            .into_iter()
            .map(|e| (e.event.owner, e.event.event_id.to_string()))
            .collect()
    };
    let id = |event: &NewEvent| (event.owner, event.event_id.to_string());
    assert_eq!(
        owners_and_ids(store.events_with_identifier(LOT, &[], 100).await.unwrap()),
        [
            id(&harvest),
            id(&shipping),
            id(&receiving),
            id(&processing),
            id(&shipping_copy)
        ]
    );
    assert_eq!(
        owners_and_ids(
            store
                .events_with_identifier(LOT, &[IdentifierRole::InputClass], 100)
                .await
                .unwrap()
        ),
        [id(&processing)]
    );
    assert_eq!(
        owners_and_ids(
            store
                .events_with_identifier(LOT, &[IdentifierRole::Epc, IdentifierRole::EpcClass], 1)
                .await
                .unwrap()
        ),
        [id(&harvest)]
    );
    assert!(
        store
            .events_with_identifier("https://id.gs1.org/01/00000000000000", &[], 10)
            .await
            .unwrap()
            .is_empty()
    );

    // An event may name no identifier at all (say, a transaction event about a purchase order).
    let bare = event(
        farm,
        50,
        EventType::TransactionEvent,
        Some(Action::Add),
        POND,
        &[],
    );
    store
        .append_events(std::slice::from_ref(&bare))
        .await
        .unwrap();
    assert_eq!(store.event(farm, &bare.event_id).await.unwrap().event, bare);

    // A large capture crosses every statement-size boundary of the back ends and still lands whole.
    let crate_lot = "https://id.gs1.org/01/08934673000017/10/KHO-2026";
    let batch: Vec<NewEvent> = (100..1_600)
        .map(|n| {
            let serial = format!("https://id.gs1.org/01/08934673000017/21/S{n}");
            event(
                farm,
                n,
                EventType::ObjectEvent,
                Some(Action::Add),
                POND,
                // Already in stored (sorted) order, so the whole event compares equal below.
                &[
                    (IdentifierRole::Epc, &serial),
                    (IdentifierRole::EpcClass, crate_lot),
                ],
            )
        })
        .collect();
    store
        .append_events(&batch)
        .await
        .expect("append 1,500 events");
    store
        .refresh_statistics()
        .await
        .expect("statistics are gathered after a bulk load");
    let found = store
        .events_with_identifier(crate_lot, &[], 10_000)
        .await
        .unwrap();
    assert_eq!(found.len(), 1_500);
    assert!(
        found
            .windows(2)
            .all(|pair| pair[0].sequence < pair[1].sequence)
    );
    assert_eq!(found[1_499].event, batch[1_499]);

    // A whole trace level in one call: each event once, in capture order, and for each
    // identifier the same events as one lookup each, cut per identifier; nothing for an
    // identifier no event names.
    let serial = "https://id.gs1.org/01/08934673000017/21/S100".to_owned();
    let unknown = "https://id.gs1.org/01/00000000000000".to_owned();
    let level = [
        LOT.to_owned(),
        crate_lot.to_owned(),
        serial.clone(),
        unknown,
    ];
    let answered = store.events_naming_any(&level, 2).await.unwrap();
    let mut expected: Vec<StoredEvent> = Vec::new();
    for identifier in [LOT, crate_lot, serial.as_str()] {
        for found in store
            .events_with_identifier(identifier, &[], 2)
            .await
            .unwrap()
        {
            if !expected.contains(&found) {
                expected.push(found);
            }
        }
    }
    expected.sort_by_key(|e| e.sequence);
    assert_eq!(answered, expected);
    assert_eq!(
        answered.len(),
        4,
        "two each for the lots; the serial's one event is one of the crate lot's first two"
    );
    assert!(store.events_naming_any(&[], 2).await.unwrap().is_empty());
    assert_eq!(
        store
            .events_with_identifier(crate_lot, &[], 0)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// An event of `owner`, numbered `n` so its eventID and hash are unique.
fn event(
    owner: OrganisationId,
    n: u32,
    event_type: EventType,
    action: Option<Action>,
    location: &str,
    identifiers: &[(IdentifierRole, &str)],
) -> NewEvent {
    let event_id = format!("urn:uuid:0190f5c2-8d3a-7b4e-9f10-{n:012}");
    NewEvent {
        owner,
        event_id: EventId::parse(&event_id).unwrap(),
        hash: EventHash::parse(&format!("ni:///sha-256;{n:064x}?ver=CBV2.0")).unwrap(),
        event_type,
        event_time: time::OffsetDateTime::from_unix_timestamp(1_772_000_000 + i64::from(n))
            .unwrap(),
        event_time_zone_offset: "+07:00".to_owned(),
        action,
        biz_step: Some("https://ref.gs1.org/cbv/BizStep-shipping".to_owned()),
        disposition: None,
        read_point: Some(location.to_owned()),
        biz_location: Some(location.to_owned()),
        identifiers: identifiers
            .iter()
            .map(|(role, identifier)| (*role, (*identifier).to_owned()))
            .collect(),
        fields: Vec::new(),
        document: format!(r#"{{"type":"{event_type}","eventID":"{event_id}"}}"#),
    }
}

// Locations of the API chapters: farm A's site holds its pond area, which holds pond 7; the
// hatchery B files its own room under the same pond area in its own master data. LOOP_A and
// LOOP_B name each other as children: master data may hold a cycle, and WD_ must still end.
const SITE: &str = "urn:epc:id:sgln:0614141.00001.0";
const PONDS: &str = "urn:epc:id:sgln:0614141.00001.1";
const POND7: &str = "urn:epc:id:sgln:0614141.00001.7";
const POND8: &str = "urn:epc:id:sgln:0614141.00001.8";
const B_ROOM: &str = "urn:epc:id:sgln:0614141.00009.9";
const STORE: &str = "urn:epc:id:sgln:0614141.00002.0";
const LOOP_A: &str = "urn:epc:id:sgln:0614141.00003.1";
const LOOP_B: &str = "urn:epc:id:sgln:0614141.00003.2";
// Byte order puts "Z" before "Ạ" (a collation for people would not): both back ends must agree.
const KHO_Z: &str = "https://example.vn/kho-Z";
const KHO_A_DOT: &str = "https://example.vn/kho-Ạ";
const LOCATION: &str = "urn:epcglobal:epcis:vtype:BusinessLocation";
const NAME: &str = "urn:epcglobal:cbv:mda#name";

const SGTIN_1: &str = "urn:epc:id:sgtin:0614141.107346.1";
const SGTIN_2: &str = "urn:epc:id:sgtin:0614141.107346.2";
const SGTIN_3: &str = "urn:epc:id:sgtin:0614141.107346.3";
const SGTIN_9: &str = "urn:epc:id:sgtin:0614141.107346.9";
const OUTPUT: &str = "urn:epc:id:sgtin:0614141.999999.1";
const FOREIGN: &str = "urn:epc:id:sgtin:4012345.000001.1";
const SSCC: &str = "urn:epc:id:sscc:0614141.1234567890";
const LGTIN: &str = "urn:epc:class:lgtin:0614141.107346.L1";

const PO: &str = "bizTransaction:https://ref.gs1.org/cbv/BTT-po";

/// Event times of the API chapters start here (2030), after every event of earlier chapters, so
/// a province-wide query isolates them with `GE_eventTime`.
const BASE: i64 = 1_900_000_000;

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(BASE + seconds).unwrap()
}

fn step(name: &str) -> Option<String> {
    Some(format!("https://ref.gs1.org/cbv/BizStep-{name}"))
}

fn disposition(name: &str) -> Option<String> {
    Some(format!("https://ref.gs1.org/cbv/Disp-{name}"))
}

/// Master data: the hierarchies WD_ queries descend, replaced element by element.
async fn master_data_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let element = |id: &str, name: &str, children: &[&str]| VocabularyElement {
        vocabulary_type: LOCATION.to_owned(),
        id: id.to_owned(),
        attributes: vec![(NAME.to_owned(), format!("\"{name}\""))],
        children: children.iter().map(|c| (*c).to_owned()).collect(),
    };
    store
        .upsert_master_data(
            a,
            &[
                element(SITE, "Trại Năm Căn", &[PONDS]),
                element(PONDS, "Khu ao", &[POND7]),
                element(POND7, "Ao 7", &[]),
                element(LOOP_A, "Vòng A", &[LOOP_B]),
                element(LOOP_B, "Vòng B", &[LOOP_A]),
            ],
        )
        .await
        .expect("farm A's locations");
    store
        .upsert_master_data(b, &[element(PONDS, "Khu ao (B)", &[B_ROOM])])
        .await
        .expect("hatchery B's locations");
    assert_eq!(
        store
            .master_data_element(Some(a), LOCATION, SITE)
            .await
            .unwrap(),
        Some(element(SITE, "Trại Năm Căn", &[PONDS]))
    );

    // Replacing an element replaces its attributes and children; children read back sorted,
    // and when an element repeats in one batch the last one wins.
    let replaced = VocabularyElement {
        attributes: vec![
            (NAME.to_owned(), "\"Khu ao nuôi\"".to_owned()),
            (
                "https://ns.example.vn/mda#area".to_owned(),
                "1.5".to_owned(),
            ),
        ],
        ..element(PONDS, "", &[POND8, POND7])
    };
    store
        .upsert_master_data(a, &[element(PONDS, "bỏ", &[]), replaced.clone()])
        .await
        .expect("replace the pond area");
    let read = store
        .master_data_element(Some(a), LOCATION, PONDS)
        .await
        .unwrap()
        .expect("pond area");
    assert_eq!(read.attributes, replaced.attributes);
    assert_eq!(read.children, [POND7, POND8]);

    // Each organisation keeps its own; without an owner, the earliest registered one answers.
    assert_eq!(
        store
            .master_data_element(Some(b), LOCATION, PONDS)
            .await
            .unwrap()
            .unwrap()
            .children,
        [B_ROOM]
    );
    assert_eq!(
        store
            .master_data_element(None, LOCATION, PONDS)
            .await
            .unwrap(),
        Some(read)
    );
    assert_eq!(
        store
            .master_data_element(Some(b), LOCATION, SITE)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .master_data_element(None, "urn:epcglobal:epcis:vtype:ReadPoint", SITE)
            .await
            .unwrap(),
        None
    );
    let nobody = store
        .upsert_master_data(OrganisationId::generate(), &[element(SITE, "x", &[])])
        .await
        .unwrap_err();
    assert!(
        matches!(
            nobody,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{nobody:?}"
    );
}

/// The chapter's events: six of farm A (n 9001–9006) and two of hatchery B (9101, 9102).
/// Event times: 9001 +10 s, 9002 +20, 9101 +25, 9003 +30, then 9004, 9005 and 9102 all at +40
/// (ties broken by capture order), 9006 +50.
fn api_events(a: OrganisationId, b: OrganisationId) -> (Vec<NewEvent>, Vec<NewEvent>) {
    let mut e1 = event(
        a,
        9001,
        EventType::ObjectEvent,
        Some(Action::Add),
        POND7,
        &[
            (IdentifierRole::Epc, SGTIN_1),
            (IdentifierRole::Epc, SGTIN_2),
        ],
    );
    e1.event_time = at(10);
    e1.biz_step = step("commissioning");
    e1.disposition = disposition("active");
    e1.biz_location = Some(PONDS.to_owned());
    e1.fields = vec![
        IndexedField::number("quantity", 10.0),
        // Not a round decimal: what comes back must be exactly this f64.
        IndexedField::number("temperature", 0.1 + 0.2),
        IndexedField::text("ilmd:https://ns.example.vn/epcis#lot", "L1"),
        IndexedField::time("expiry", at(1_000)),
    ];

    let mut e2 = event(
        a,
        9002,
        EventType::ObjectEvent,
        Some(Action::Observe),
        PONDS,
        &[
            (IdentifierRole::Epc, SGTIN_1),
            (IdentifierRole::Parent, SSCC),
        ],
    );
    e2.event_time = at(20);
    e2.biz_step = step("shipping");
    e2.disposition = disposition("in_transit");
    e2.biz_location = Some(SITE.to_owned());
    e2.fields = vec![
        IndexedField::number("quantity", 25.5),
        IndexedField::text(PO, "PO-1"),
    ];

    let mut e3 = event(
        a,
        9003,
        EventType::AggregationEvent,
        Some(Action::Add),
        SITE,
        &[
            (IdentifierRole::Epc, SGTIN_2),
            (IdentifierRole::Epc, SGTIN_3),
            (IdentifierRole::Parent, SSCC),
        ],
    );
    e3.event_time = at(30);
    e3.biz_step = step("packing");
    e3.disposition = disposition("in_progress");
    e3.fields = vec![IndexedField::present("errorDeclaration")];

    let mut e4 = event(
        a,
        9004,
        EventType::TransformationEvent,
        None,
        B_ROOM,
        &[
            (IdentifierRole::Input, SGTIN_3),
            (IdentifierRole::Output, OUTPUT),
            (IdentifierRole::EpcClass, LGTIN),
        ],
    );
    e4.event_time = at(40);
    e4.biz_step = step("transforming");
    e4.disposition = disposition("active");
    e4.biz_location = Some(STORE.to_owned());
    e4.fields = vec![
        IndexedField::number("quantity", 5.0),
        IndexedField::time("expiry", at(2_000)),
    ];

    let mut e5 = event(
        a,
        9005,
        EventType::TransactionEvent,
        Some(Action::Delete),
        LOOP_B,
        &[(IdentifierRole::Epc, FOREIGN)],
    );
    e5.event_time = at(40);
    e5.biz_step = step("shipping");
    e5.disposition = None;
    e5.biz_location = Some(KHO_Z.to_owned());
    e5.fields = vec![
        IndexedField::text(PO, "PO-2"),
        IndexedField::number("quantity", 100.0),
    ];

    let mut e6 = event(
        a,
        9006,
        EventType::ObjectEvent,
        Some(Action::Observe),
        POND7,
        &[(IdentifierRole::Epc, SGTIN_1)],
    );
    e6.event_time = at(50);
    e6.biz_step = step("receiving");
    e6.disposition = None;
    e6.biz_location = Some(KHO_A_DOT.to_owned());

    let mut b1 = event(
        b,
        9101,
        EventType::ObjectEvent,
        Some(Action::Add),
        B_ROOM,
        &[(IdentifierRole::Epc, SGTIN_1)],
    );
    b1.event_time = at(25);
    b1.biz_step = step("commissioning");
    b1.disposition = disposition("active");
    b1.fields = vec![IndexedField::number("quantity", 10.0)];

    let mut b2 = event(
        b,
        9102,
        EventType::ObjectEvent,
        Some(Action::Observe),
        PONDS,
        &[(IdentifierRole::Epc, SGTIN_9)],
    );
    b2.event_time = at(40);
    b2.biz_step = step("shipping");

    (vec![e1, e2, e3], vec![e4, e5, b1, e6, b2])
}

/// The numbers (9001…) of the events of a page, in page order.
fn numbers(events: &[nguon_store::QueriedEvent]) -> Vec<u32> {
    events
        .iter()
        .map(|e| {
            let id = e.event_id.as_str();
            id[id.len() - 4..].parse().unwrap()
        })
        .collect()
}

/// Runs `query` page by page with page size `limit`, checking that no event repeats and only the
/// last page is short, and returns the numbers of all events.
async fn all_pages(store: &Arc<dyn Store>, query: &EventQuery, limit: u32) -> Vec<u32> {
    let mut query = EventQuery {
        limit,
        after: None,
        ..query.clone()
    };
    let mut seen = Vec::new();
    loop {
        let page = store.query_events(&query).await.expect("query events");
        assert!(page.events.len() <= limit as usize);
        seen.extend(numbers(&page.events));
        match page.next {
            Some(cursor) => {
                assert_eq!(
                    page.events.len(),
                    limit as usize,
                    "only the last page is short"
                );
                query.after = Some(cursor);
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no event on two pages: {seen:?}");
    seen
}

/// Every filter of the EPCIS event query, alone and together, ordering both ways on both times,
/// paging by cursor, and owner scoping.
async fn query_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let (first, second) = api_events(a, b);
    let first_time = store.append_events(&first).await.expect("first batch");
    let second_time = store.append_events(&second).await.expect("second batch");
    assert!(first_time < second_time);
    // Fields read back exactly as captured, in their order.
    assert_eq!(
        store.event(a, &first[0].event_id).await.unwrap().event,
        first[0]
    );

    // Farm A's view, and the province's view of the chapter's events.
    let farm = EventQuery::new(Some(a));
    let province = EventQuery {
        event_time: TimeRange {
            ge: Some(at(0)),
            lt: None,
        },
        ..EventQuery::new(None)
    };
    let run = |query: EventQuery| {
        let store = Arc::clone(store);
        async move { all_pages(&store, &query, 1_000).await }
    };

    // Ordering: both times, both directions, the same through every page size.
    let orders = [
        (
            OrderBy::EventTime,
            Direction::Ascending,
            vec![9001, 9002, 9101, 9003, 9004, 9005, 9102, 9006],
        ),
        (
            OrderBy::RecordTime,
            Direction::Ascending,
            vec![9001, 9002, 9003, 9004, 9005, 9101, 9006, 9102],
        ),
    ];
    for (order_by, _, ascending) in orders {
        for direction in [Direction::Ascending, Direction::Descending] {
            let mut expected = ascending.clone();
            if direction == Direction::Descending {
                expected.reverse();
            }
            let query = EventQuery {
                order_by,
                direction,
                ..province.clone()
            };
            for limit in [1, 2, 3, 8, 100] {
                assert_eq!(
                    all_pages(store, &query, limit).await,
                    expected,
                    "{order_by:?} {direction:?} by {limit}"
                );
            }
        }
    }
    assert_eq!(
        run(farm.clone()).await,
        [9001, 9002, 9003, 9004, 9005, 9006]
    );
    // A token survives its text form.
    let page = store
        .query_events(&EventQuery {
            limit: 4,
            ..farm.clone()
        })
        .await
        .unwrap();
    let token = page.next.expect("more pages").encode();
    let rest = store
        .query_events(&EventQuery {
            after: Some(nguon_domain::EventCursor::decode(&token).unwrap()),
            ..farm.clone()
        })
        .await
        .unwrap();
    assert_eq!(numbers(&rest.events), [9005, 9006]);
    assert_eq!(rest.next, None);
    assert_eq!(rest.events[0].owner, a);
    assert_eq!(rest.events[0].record_time, second_time);
    assert_eq!(rest.events[0].event_time, at(40));
    assert_eq!(rest.events[0].document, second[1].document);

    // Owner scoping: the hatchery sees only its own events.
    assert_eq!(run(EventQuery::new(Some(b))).await, [9101, 9102]);
    assert!(
        run(EventQuery {
            event_ids: Some(vec![first[0].event_id.to_string()]),
            ..EventQuery::new(Some(b))
        })
        .await
        .is_empty()
    );

    // Event types and actions; an empty list matches nothing.
    let cases: Vec<(EventQuery, Vec<u32>)> = vec![
        (
            EventQuery {
                event_types: Some(vec![
                    EventType::AggregationEvent,
                    EventType::TransformationEvent,
                ]),
                ..farm.clone()
            },
            vec![9003, 9004],
        ),
        (
            EventQuery {
                event_types: Some(vec![]),
                ..farm.clone()
            },
            vec![],
        ),
        (
            EventQuery {
                actions: Some(vec![Action::Delete, Action::Observe]),
                ..farm.clone()
            },
            vec![9002, 9005, 9006],
        ),
        // Time ranges: [ge, lt) on event time, and on record time.
        (
            EventQuery {
                event_time: TimeRange {
                    ge: Some(at(20)),
                    lt: Some(at(40)),
                },
                ..farm.clone()
            },
            vec![9002, 9003],
        ),
        (
            EventQuery {
                record_time: TimeRange {
                    ge: Some(second_time),
                    lt: None,
                },
                ..farm.clone()
            },
            vec![9004, 9005, 9006],
        ),
        (
            EventQuery {
                record_time: TimeRange {
                    ge: None,
                    lt: Some(second_time),
                },
                ..farm.clone()
            },
            vec![9001, 9002, 9003],
        ),
        // EQ_ on the CBV columns.
        (
            EventQuery {
                biz_steps: Some(vec![step("shipping").unwrap()]),
                ..farm.clone()
            },
            vec![9002, 9005],
        ),
        (
            EventQuery {
                dispositions: Some(vec![disposition("active").unwrap()]),
                ..farm.clone()
            },
            vec![9001, 9004],
        ),
        (
            EventQuery {
                read_points: Some(vec![POND7.to_owned()]),
                ..farm.clone()
            },
            vec![9001, 9006],
        ),
        (
            EventQuery {
                biz_locations: Some(vec![SITE.to_owned()]),
                ..farm.clone()
            },
            vec![9002, 9003],
        ),
        (
            EventQuery {
                biz_locations: Some(vec![]),
                ..farm.clone()
            },
            vec![],
        ),
        // WD_: the location and everything under it, three levels deep, in the owner's
        // hierarchy; B's room under the pond area counts only province-wide.
        (
            EventQuery {
                read_points_within: Some(vec![SITE.to_owned()]),
                ..farm.clone()
            },
            vec![9001, 9002, 9003, 9006],
        ),
        (
            EventQuery {
                read_points_within: Some(vec![PONDS.to_owned()]),
                ..farm.clone()
            },
            vec![9001, 9002, 9006],
        ),
        (
            EventQuery {
                read_points_within: Some(vec![PONDS.to_owned()]),
                ..province.clone()
            },
            vec![9001, 9002, 9101, 9004, 9102, 9006],
        ),
        (
            EventQuery {
                biz_locations_within: Some(vec![SITE.to_owned()]),
                ..farm.clone()
            },
            vec![9001, 9002, 9003],
        ),
        (
            EventQuery {
                read_points_within: Some(vec![LOOP_A.to_owned()]),
                ..farm.clone()
            },
            vec![9005],
        ),
        (
            EventQuery {
                read_points_within: Some(vec![]),
                ..farm.clone()
            },
            vec![],
        ),
        // EQ_eventID, for one owner and province-wide.
        (
            EventQuery {
                event_ids: Some(vec![
                    first[2].event_id.to_string(),
                    second[1].event_id.to_string(),
                    "urn:uuid:00000000-0000-7000-8000-000000000000".to_owned(),
                ]),
                ..farm.clone()
            },
            vec![9003, 9005],
        ),
        (
            EventQuery {
                event_ids: Some(vec![second[2].event_id.to_string()]),
                ..province.clone()
            },
            vec![9101],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(run(query.clone()).await, expected, "{query:?}");
    }

    // MATCH_: exact identifiers, prefixes, role sets, and several at once (AND).
    let matching = |roles: &[IdentifierRole], exact: &[&str], prefixes: &[&str]| IdentifierMatch {
        roles: roles.to_vec(),
        exact: exact.iter().map(|s| (*s).to_owned()).collect(),
        prefixes: prefixes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let cases: Vec<(EventQuery, Vec<u32>)> = vec![
        (
            EventQuery {
                identifiers: vec![matching(&[IdentifierRole::Epc], &[SGTIN_1], &[])],
                ..farm.clone()
            },
            vec![9001, 9002, 9006],
        ),
        (
            EventQuery {
                identifiers: vec![matching(&[IdentifierRole::Epc], &[SGTIN_1], &[])],
                ..province.clone()
            },
            vec![9001, 9002, 9101, 9006],
        ),
        (
            EventQuery {
                identifiers: vec![matching(&[IdentifierRole::Parent], &[SSCC], &[])],
                ..farm.clone()
            },
            vec![9002, 9003],
        ),
        (
            EventQuery {
                identifiers: vec![matching(&[], &[SGTIN_3], &[])],
                ..farm.clone()
            },
            vec![9003, 9004],
        ),
        (
            EventQuery {
                identifiers: vec![matching(
                    &[IdentifierRole::Input, IdentifierRole::Output],
                    &[],
                    &["urn:epc:id:sgtin:0614141.999999."],
                )],
                ..farm.clone()
            },
            vec![9004],
        ),
        (
            EventQuery {
                identifiers: vec![matching(
                    &[IdentifierRole::Epc],
                    &[],
                    &["urn:epc:id:sgtin:0614141.107346."],
                )],
                ..farm.clone()
            },
            vec![9001, 9002, 9003, 9006],
        ),
        (
            EventQuery {
                identifiers: vec![matching(&[], &[], &["urn:epc:id:sgtin:4012345."])],
                ..province.clone()
            },
            vec![9005],
        ),
        (
            EventQuery {
                identifiers: vec![matching(
                    &[],
                    &[FOREIGN],
                    &["urn:epc:id:sgtin:0614141.999999.", "urn:epc:id:sscc:"],
                )],
                ..farm.clone()
            },
            vec![9002, 9003, 9004, 9005],
        ),
        (
            EventQuery {
                identifiers: vec![matching(&[IdentifierRole::EpcClass], &[LGTIN], &[])],
                ..farm.clone()
            },
            vec![9004],
        ),
        (
            EventQuery {
                identifiers: vec![
                    matching(&[IdentifierRole::Epc], &[SGTIN_1], &[]),
                    matching(&[IdentifierRole::Parent], &[SSCC], &[]),
                ],
                ..farm.clone()
            },
            vec![9002],
        ),
        (
            EventQuery {
                identifiers: vec![matching(&[IdentifierRole::Epc], &[], &[])],
                ..farm.clone()
            },
            vec![],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(run(query.clone()).await, expected, "{query:?}");
    }

    // Indexed fields: presence, text, numbers and times with every comparison, and AND.
    let field = |name: &str, condition: FieldCondition| FieldFilter {
        name: name.to_owned(),
        condition,
    };
    let quantity = |comparison, value| field("quantity", FieldCondition::Number(comparison, value));
    let expiry = |comparison, value| field("expiry", FieldCondition::Time(comparison, value));
    let cases: Vec<(Vec<FieldFilter>, Vec<u32>)> = vec![
        (
            vec![field("errorDeclaration", FieldCondition::Exists)],
            vec![9003],
        ),
        (
            vec![field("quantity", FieldCondition::Exists)],
            vec![9001, 9002, 9004, 9005],
        ),
        (
            vec![field(
                PO,
                FieldCondition::TextIn(vec!["PO-1".to_owned(), "PO-9".to_owned()]),
            )],
            vec![9002],
        ),
        (vec![field(PO, FieldCondition::TextIn(vec![]))], vec![]),
        (vec![quantity(Comparison::Eq, 25.5)], vec![9002]),
        (vec![quantity(Comparison::Gt, 10.0)], vec![9002, 9005]),
        (vec![quantity(Comparison::Ge, 10.0)], vec![9001, 9002, 9005]),
        (vec![quantity(Comparison::Lt, 10.0)], vec![9004]),
        (vec![quantity(Comparison::Le, 10.0)], vec![9001, 9004]),
        (
            vec![field(
                "temperature",
                FieldCondition::Number(Comparison::Eq, 0.1 + 0.2),
            )],
            vec![9001],
        ),
        (vec![expiry(Comparison::Eq, at(1_000))], vec![9001]),
        (vec![expiry(Comparison::Gt, at(1_000))], vec![9004]),
        (vec![expiry(Comparison::Ge, at(1_000))], vec![9001, 9004]),
        (vec![expiry(Comparison::Lt, at(1_000))], vec![]),
        (vec![expiry(Comparison::Le, at(2_000))], vec![9001, 9004]),
        (
            vec![
                quantity(Comparison::Ge, 10.0),
                field(PO, FieldCondition::TextIn(vec!["PO-2".to_owned()])),
            ],
            vec![9005],
        ),
    ];
    for (fields, expected) in cases {
        let query = EventQuery {
            fields,
            ..farm.clone()
        };
        assert_eq!(run(query.clone()).await, expected, "{query:?}");
    }

    // Every kind of filter at once.
    let everything = EventQuery {
        event_types: Some(vec![EventType::ObjectEvent]),
        event_time: TimeRange {
            ge: Some(at(0)),
            lt: Some(at(100)),
        },
        record_time: TimeRange {
            ge: Some(first_time),
            lt: Some(second_time),
        },
        actions: Some(vec![Action::Observe]),
        biz_steps: Some(vec![step("shipping").unwrap()]),
        dispositions: Some(vec![disposition("in_transit").unwrap()]),
        read_points: Some(vec![PONDS.to_owned()]),
        biz_locations: Some(vec![SITE.to_owned()]),
        read_points_within: Some(vec![SITE.to_owned()]),
        biz_locations_within: Some(vec![SITE.to_owned()]),
        event_ids: Some(vec![first[1].event_id.to_string()]),
        identifiers: vec![matching(
            &[IdentifierRole::Epc],
            &[],
            &["urn:epc:id:sgtin:"],
        )],
        fields: vec![quantity(Comparison::Gt, 20.0)],
        ..farm.clone()
    };
    assert_eq!(run(everything.clone()).await, [9002]);
    assert!(
        run(EventQuery {
            owners: Some(b).into(),
            ..everything
        })
        .await
        .is_empty()
    );
}

/// Distinct values of the top-level resources, per owner and province-wide, paged by value.
async fn resources_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let list = |owner: Option<OrganisationId>, resource: EventResource, limit: u32| {
        let store = Arc::clone(store);
        async move {
            let mut all: Vec<String> = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = store
                    .event_resource_values(&owner.into(), resource, after.clone(), limit)
                    .await
                    .expect("resource values");
                assert!(page.len() <= limit as usize);
                all.extend(page.iter().cloned());
                if page.len() < limit as usize {
                    return all;
                }
                after = page.last().cloned();
            }
        }
    };
    let sorted = |values: &[&str]| {
        let mut values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        values.sort();
        values
    };
    let steps = |names: &[&str]| {
        let values: Vec<String> = names.iter().map(|n| step(n).unwrap()).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        sorted(&values)
    };
    let cases: Vec<(OrganisationId, EventResource, Vec<String>)> = vec![
        (
            a,
            EventResource::EventTypes,
            sorted(&[
                "AggregationEvent",
                "ObjectEvent",
                "TransactionEvent",
                "TransformationEvent",
            ]),
        ),
        (b, EventResource::EventTypes, sorted(&["ObjectEvent"])),
        (
            a,
            EventResource::BizSteps,
            steps(&[
                "commissioning",
                "shipping",
                "packing",
                "transforming",
                "receiving",
            ]),
        ),
        (
            b,
            EventResource::BizSteps,
            steps(&["commissioning", "shipping"]),
        ),
        (
            a,
            EventResource::Dispositions,
            sorted(&[
                "https://ref.gs1.org/cbv/Disp-active",
                "https://ref.gs1.org/cbv/Disp-in_transit",
                "https://ref.gs1.org/cbv/Disp-in_progress",
            ]),
        ),
        (
            a,
            EventResource::ReadPoints,
            sorted(&[POND7, PONDS, SITE, B_ROOM, LOOP_B]),
        ),
        (b, EventResource::ReadPoints, sorted(&[B_ROOM, PONDS])),
        (
            a,
            EventResource::BizLocations,
            sorted(&[PONDS, SITE, STORE, KHO_Z, KHO_A_DOT]),
        ),
        (
            a,
            EventResource::Epcs,
            sorted(&[SGTIN_1, SGTIN_2, SGTIN_3, OUTPUT, FOREIGN, SSCC]),
        ),
        (b, EventResource::Epcs, sorted(&[SGTIN_1, SGTIN_9])),
    ];
    for (owner, resource, expected) in cases {
        for limit in [1, 2, 100] {
            assert_eq!(
                list(Some(owner), resource, limit).await,
                expected,
                "{resource:?} by {limit}"
            );
        }
    }
    assert_eq!(
        &sorted(&[KHO_Z, KHO_A_DOT]),
        &[KHO_Z, KHO_A_DOT],
        "byte order, not a collation for people"
    );

    // Province-wide: every organisation's values, strictly ascending, the same in any page size.
    for resource in [
        EventResource::EventTypes,
        EventResource::Epcs,
        EventResource::BizSteps,
        EventResource::BizLocations,
        EventResource::ReadPoints,
        EventResource::Dispositions,
    ] {
        let all = list(None, resource, 1_000).await;
        assert!(all.windows(2).all(|w| w[0] < w[1]), "{resource:?}: {all:?}");
        assert_eq!(list(None, resource, 3).await, all, "{resource:?}");
        let own = list(Some(a), resource, 1_000).await;
        assert!(own.iter().all(|v| all.contains(v)), "{resource:?}");
    }
    let epcs = list(None, EventResource::Epcs, 1_000).await;
    assert!(epcs.contains(&"https://id.gs1.org/01/08934673000017/21/S100".to_owned()));
    assert!(epcs.contains(&SGTIN_9.to_owned()));
    assert!(!epcs.contains(&LGTIN.to_owned()), "classes are not EPCs");
    // A page starts strictly after `after`, which need not be a stored value.
    assert_eq!(
        store
            .event_resource_values(
                &Some(a).into(),
                EventResource::Epcs,
                Some("urn:epc:id:sgtin:0614141.5".to_owned()),
                2
            )
            .await
            .unwrap(),
        [OUTPUT, FOREIGN]
    );
}

/// Capture "proceed" mode: duplicates (stored or earlier in the batch) and events that break a
/// storage limit are skipped by position; the rest land together.
async fn skipping_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let fresh = |n: u32| {
        let mut e = event(
            a,
            n,
            EventType::ObjectEvent,
            Some(Action::Observe),
            POND7,
            &[],
        );
        e.event_time = at(60);
        e
    };
    let stored = store
        .event(
            a,
            &EventId::parse("urn:uuid:0190f5c2-8d3a-7b4e-9f10-000000009001").unwrap(),
        )
        .await
        .unwrap()
        .event;
    let new_one = fresh(9007);
    let mut same_hash = fresh(9008);
    same_hash.hash = new_one.hash.clone();
    let mut crowded = fresh(9009);
    crowded.identifiers = (0..10_001)
        .map(|n| {
            (
                IdentifierRole::Epc,
                format!("urn:epc:id:sgtin:0614141.1.{n}"),
            )
        })
        .collect();
    let mut not_a_number = fresh(9010);
    not_a_number.fields = vec![IndexedField::number("quantity", f64::NAN)];
    // The hatchery may hold its own copy of an event farm A has.
    let mut copy = stored.clone();
    copy.owner = b;
    let outcome = store
        .append_events_skipping_conflicts(&[
            new_one.clone(),
            stored.clone(),
            same_hash,
            crowded,
            not_a_number,
            copy.clone(),
        ])
        .await
        .expect("append what can be appended");
    let positions: Vec<usize> = outcome.skipped.iter().map(|(p, _)| *p).collect();
    assert_eq!(positions, [2, 3, 4, 5], "{:?}", outcome.skipped);
    assert!(
        outcome.skipped[0].1.contains("already captured"),
        "{:?}",
        outcome.skipped
    );
    assert!(outcome.skipped[1].1.contains("same event as event 1"));
    assert!(outcome.skipped[2].1.contains("10001 identifiers"));
    assert!(outcome.skipped[3].1.contains("not finite"));
    let landed = store.event(a, &new_one.event_id).await.unwrap();
    assert_eq!(landed.event, new_one);
    assert_eq!(landed.record_time, outcome.record_time);
    assert_eq!(
        store.event(b, &copy.event_id).await.unwrap().record_time,
        outcome.record_time
    );

    // The all-or-nothing append refuses the same non-finite number, by position.
    let mut bad = fresh(9011);
    bad.fields = vec![IndexedField::number("quantity", f64::INFINITY)];
    let refused = store.append_events(&[fresh(9012), bad]).await.unwrap_err();
    assert!(
        matches!(&refused, StoreError::Conflict { what: "fields", detail } if detail.starts_with("event 2 ")),
        "{refused:?}"
    );

    // Nothing to append is fine; an unknown owner writes nothing.
    assert!(
        store
            .append_events_skipping_conflicts(&[])
            .await
            .unwrap()
            .skipped
            .is_empty()
    );
    let mut orphan = fresh(9013);
    orphan.owner = OrganisationId::generate();
    let refused = store
        .append_events_skipping_conflicts(&[fresh(9014), orphan])
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(store.event(a, &fresh(9014).event_id).await.is_err());
}

/// API keys: only hashes are kept; lookup finds revoked keys too, so the caller can say why.
async fn api_keys_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let key = |scope, label: &str, byte: u8| NewApiKey {
        scope,
        label: label.to_owned(),
        token_hash: [byte; 32],
    };
    let erp = store
        .create_api_key(
            &key(ApiKeyScope::Organisation(a), "ERP đồng bộ", 1),
            Actor::Cli,
        )
        .await
        .expect("farm A's key");
    assert_eq!(erp.scope, ApiKeyScope::Organisation(a));
    assert_eq!(erp.revoked_at, None);
    let province = store
        .create_api_key(&key(ApiKeyScope::Province, "Sở KH&CN", 2), Actor::Cli)
        .await
        .expect("province key");
    let scanner = store
        .create_api_key(
            &key(ApiKeyScope::Organisation(a), "máy quét kho 2", 3),
            Actor::Cli,
        )
        .await
        .expect("farm A's second key");
    assert_eq!(
        store.api_key_by_token_hash(&[1; 32]).await.unwrap(),
        Some(erp.clone())
    );
    assert_eq!(
        store.api_key_by_token_hash(&[2; 32]).await.unwrap(),
        Some(province.clone())
    );
    assert_eq!(store.api_key_by_token_hash(&[9; 32]).await.unwrap(), None);
    assert_eq!(
        store.list_api_keys(a).await.unwrap(),
        [erp.clone(), scanner.clone()]
    );
    assert!(store.list_api_keys(b).await.unwrap().is_empty());

    let stranger = OrganisationId::generate();
    let refused = store
        .create_api_key(
            &key(ApiKeyScope::Organisation(stranger), "x", 4),
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::NotFound { what: "organisation", id } if *id == stranger.to_string()),
        "{refused:?}"
    );
    let refused = store
        .create_api_key(
            &key(ApiKeyScope::Organisation(b), "same token", 1),
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Conflict {
                what: "API key",
                ..
            }
        ),
        "{refused:?}"
    );

    // Revoking keeps the key (for the audit trail) and its first revocation time.
    let revoked = store
        .revoke_api_key(erp.id, Actor::Cli)
        .await
        .expect("revoke");
    let when = revoked.revoked_at.expect("revoked");
    assert_eq!(
        revoked,
        nguon_domain::ApiKey {
            revoked_at: Some(when),
            ..erp.clone()
        }
    );
    assert_eq!(
        store.api_key_by_token_hash(&[1; 32]).await.unwrap(),
        Some(revoked.clone())
    );
    assert_eq!(
        store.revoke_api_key(erp.id, Actor::Cli).await.unwrap(),
        revoked
    );
    let unknown = ApiKeyId::generate();
    let missing = store.revoke_api_key(unknown, Actor::Cli).await.unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                what: "API key",
                ..
            }
        ),
        "{missing:?}"
    );
}

/// Capture jobs: created running, finished once, listed newest first per owner, and failed in
/// bulk at start-up after a crash.
async fn capture_jobs_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let job = |owner, error_behaviour, event_count| NewCaptureJob {
        owner,
        partner: None,
        error_behaviour,
        event_count,
    };
    let first = store
        .create_capture_job(&job(a, CaptureErrorBehaviour::Rollback, 3))
        .await
        .expect("farm A's first job");
    assert!(first.running);
    assert_eq!(
        (first.success, first.finished_at, first.captured_count),
        (None, None, 0)
    );
    assert!(first.errors.is_empty());
    let hatchery = store
        .create_capture_job(&job(b, CaptureErrorBehaviour::Proceed, 5))
        .await
        .expect("hatchery's job");
    let second = store
        .create_capture_job(&job(a, CaptureErrorBehaviour::Proceed, 1))
        .await
        .expect("farm A's second job");
    assert_eq!(store.capture_job(Some(a), first.id).await.unwrap(), first);

    let done = store
        .finish_capture_job(first.id, true, 3, &[])
        .await
        .expect("finish");
    assert!(!done.running);
    assert_eq!((done.success, done.captured_count), (Some(true), 3));
    assert!(done.finished_at.is_some_and(|t| t >= done.created_at));
    assert_eq!(store.capture_job(None, first.id).await.unwrap(), done);
    let twice = store
        .finish_capture_job(first.id, false, 0, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            twice,
            StoreError::Conflict {
                what: "capture job",
                ..
            }
        ),
        "{twice:?}"
    );
    let unknown = store
        .finish_capture_job(CaptureJobId::generate(), true, 0, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            unknown,
            StoreError::NotFound {
                what: "capture job",
                ..
            }
        ),
        "{unknown:?}"
    );

    // Owner scoping: another organisation's job does not exist for you.
    let hidden = store.capture_job(Some(b), first.id).await.unwrap_err();
    assert!(
        matches!(
            hidden,
            StoreError::NotFound {
                what: "capture job",
                ..
            }
        ),
        "{hidden:?}"
    );
    let ids =
        |jobs: Vec<nguon_domain::CaptureJob>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_capture_jobs(Some(a), None, 10).await.unwrap()),
        [second.id, first.id]
    );
    assert_eq!(
        ids(store
            .list_capture_jobs(Some(a), Some(second.id), 10)
            .await
            .unwrap()),
        [first.id]
    );
    assert_eq!(
        ids(store.list_capture_jobs(Some(b), None, 10).await.unwrap()),
        [hatchery.id]
    );
    assert_eq!(
        ids(store.list_capture_jobs(None, None, 10).await.unwrap()),
        [second.id, hatchery.id, first.id]
    );
    assert_eq!(
        ids(store
            .list_capture_jobs(None, Some(hatchery.id), 1)
            .await
            .unwrap()),
        [first.id]
    );
    let nobody = store
        .create_capture_job(&job(
            OrganisationId::generate(),
            CaptureErrorBehaviour::Rollback,
            1,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            nobody,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{nobody:?}"
    );

    // Errors come back as written.
    let failing = store
        .create_capture_job(&job(a, CaptureErrorBehaviour::Rollback, 2))
        .await
        .unwrap();
    let errors = vec![
        "event 2: eventTime: \"2026-13-01\" is not a date".to_owned(),
        "sự kiện 2 bị từ chối".to_owned(),
    ];
    let failed = store
        .finish_capture_job(failing.id, false, 0, &errors)
        .await
        .unwrap();
    assert_eq!((failed.success, &failed.errors), (Some(false), &errors));

    // Start-up after a crash: the jobs still running are failed with the reason, once.
    assert_eq!(
        store
            .fail_interrupted_capture_jobs("the server restarted during the capture")
            .await
            .unwrap(),
        2
    );
    let interrupted = store.capture_job(None, hatchery.id).await.unwrap();
    assert!(!interrupted.running);
    assert_eq!(interrupted.success, Some(false));
    assert_eq!(
        interrupted.errors,
        ["the server restarted during the capture"]
    );
    assert!(interrupted.finished_at.is_some());
    assert_eq!(store.capture_job(None, first.id).await.unwrap(), done);
    assert_eq!(
        store.fail_interrupted_capture_jobs("again").await.unwrap(),
        0
    );
}

/// Named queries and subscriptions: names are unique per organisation, a subscription keeps its
/// delivery cursor and failures, and deleting a query takes its subscriptions with it.
async fn named_queries_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let name = QueryName::parse("shipped-shrimp").unwrap();
    let definition = r#"{"EQ_bizStep":["shipping"],"eventType":"ObjectEvent"}"#;
    let named = |owner, name: &QueryName| NewNamedQuery {
        owner,
        name: name.clone(),
        definition: definition.to_owned(),
    };
    let query = store
        .create_named_query(&named(a, &name))
        .await
        .expect("farm A names a query");
    assert_eq!(query.definition, definition);
    assert_eq!(store.named_query(a, &name).await.unwrap(), query);
    let taken = store
        .create_named_query(&named(a, &name))
        .await
        .unwrap_err();
    assert!(
        matches!(
            taken,
            StoreError::Conflict {
                what: "query name",
                ..
            }
        ),
        "{taken:?}"
    );
    // Names are per organisation: the hatchery may use the same one.
    store
        .create_named_query(&named(b, &name))
        .await
        .expect("hatchery B uses the same name");
    let other = QueryName::parse("all-events").unwrap();
    store.create_named_query(&named(a, &other)).await.unwrap();
    let names: Vec<String> = store
        .list_named_queries(a)
        .await
        .unwrap()
        .iter()
        .map(|q| q.name.to_string())
        .collect();
    assert_eq!(names, ["all-events", "shipped-shrimp"]);
    let missing = QueryName::parse("nope").unwrap();
    assert!(matches!(
        store.named_query(a, &missing).await,
        Err(StoreError::NotFound {
            what: "named query",
            ..
        })
    ));
    let nobody = store
        .create_named_query(&named(OrganisationId::generate(), &name))
        .await
        .unwrap_err();
    assert!(matches!(
        nobody,
        StoreError::NotFound {
            what: "organisation",
            ..
        }
    ));

    let since = at(0);
    let subscribe = |owner, name: &QueryName, trigger| NewSubscription {
        owner,
        query_name: name.clone(),
        dest: "http://127.0.0.1:9/hook".to_owned(),
        signature_token: Some("s3cret".to_owned()),
        report_if_empty: false,
        trigger,
        initial_record_time: since,
    };
    let stream = store
        .create_subscription(&subscribe(a, &name, Trigger::Stream))
        .await
        .expect("a stream subscription");
    assert_eq!(
        (
            stream.delivered,
            stream.failures,
            stream.last_error.as_deref()
        ),
        (None, 0, None)
    );
    let daily = Schedule::parse(ScheduleText {
        hour: Some("1".into()),
        minute: Some("5".into()),
        ..ScheduleText::default()
    })
    .unwrap();
    let scheduled = store
        .create_subscription(&subscribe(a, &other, Trigger::Schedule(daily)))
        .await
        .expect("a scheduled subscription");
    assert_eq!(
        store.subscription(Some(a), scheduled.id).await.unwrap(),
        scheduled,
        "the schedule reads back as written"
    );
    assert!(matches!(
        store
            .create_subscription(&subscribe(a, &missing, Trigger::Stream))
            .await,
        Err(StoreError::NotFound {
            what: "named query",
            ..
        })
    ));
    let hatchery = store
        .create_subscription(&subscribe(b, &name, Trigger::Stream))
        .await
        .unwrap();
    // Owners see their own; the delivery worker sees all.
    assert!(matches!(
        store.subscription(Some(b), stream.id).await,
        Err(StoreError::NotFound {
            what: "subscription",
            ..
        })
    ));
    let ids = |subscriptions: Vec<nguon_domain::Subscription>| -> Vec<SubscriptionId> {
        subscriptions.into_iter().map(|s| s.id).collect()
    };
    assert_eq!(
        ids(store
            .list_subscriptions(Some(a), Some(&name))
            .await
            .unwrap()),
        [stream.id]
    );
    assert_eq!(
        ids(store.list_subscriptions(Some(a), None).await.unwrap()),
        [stream.id, scheduled.id]
    );
    let everyone = ids(store.list_subscriptions(None, None).await.unwrap());
    assert!(everyone.ends_with(&[stream.id, scheduled.id, hatchery.id]));

    // A failed delivery is counted and keeps the cursor; a success moves it and clears them.
    let long_error = "connection refused ".repeat(100);
    store
        .record_subscription_failure(stream.id, &long_error)
        .await
        .unwrap();
    let failed = store.subscription(None, stream.id).await.unwrap();
    assert_eq!((failed.failures, failed.delivered), (1, None));
    assert_eq!(
        failed.last_error.unwrap().chars().count(),
        nguon_store::MAX_SUBSCRIPTION_ERROR
    );
    let cursor = EventCursor {
        order_value: at(90).replace_nanosecond(123_456_000).unwrap(),
        sequence: 42,
    };
    store
        .advance_subscription(stream.id, Some(cursor), at(100))
        .await
        .unwrap();
    // An empty report (reportIfEmpty) notifies without moving the cursor.
    store
        .advance_subscription(stream.id, None, at(200))
        .await
        .unwrap();
    let advanced = store.subscription(Some(a), stream.id).await.unwrap();
    assert_eq!(
        (
            advanced.delivered,
            advanced.last_notified_at,
            advanced.failures,
            advanced.last_error
        ),
        (Some(cursor), Some(at(200)), 0, None)
    );

    // Deleting: a subscription alone, then a query with the rest of its subscriptions.
    assert!(matches!(
        store.delete_subscription(b, stream.id).await,
        Err(StoreError::NotFound { .. })
    ));
    store.delete_subscription(a, scheduled.id).await.unwrap();
    store.delete_named_query(a, &name).await.unwrap();
    assert!(matches!(
        store.subscription(None, stream.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.advance_subscription(stream.id, None, at(300)).await,
        Err(StoreError::NotFound {
            what: "subscription",
            ..
        })
    ));
    assert!(matches!(
        store.record_subscription_failure(stream.id, "gone").await,
        Err(StoreError::NotFound {
            what: "subscription",
            ..
        })
    ));
    assert!(matches!(
        store.delete_named_query(a, &name).await,
        Err(StoreError::NotFound {
            what: "named query",
            ..
        })
    ));
    // The hatchery's query of the same name, and its subscription, are untouched.
    assert_eq!(
        store.subscription(Some(b), hatchery.id).await.unwrap(),
        hatchery
    );
}

/// Recalls: a processor's lot is recalled with the farm's lot as suspect; the public question
/// "is this lot under recall?" is answered until the recall closes; the status only moves
/// forward, one step at a time, stamped with who and when; a recall with a bad lot is not
/// half-written; thousands of lots keep their order.
async fn recalls_chapter(store: &Arc<dyn Store>, farm: OrganisationId, processor: OrganisationId) {
    const PRODUCT: &str = "https://id.gs1.org/01/18934673000014/10/R-0312";
    const CARTON: &str = "https://id.gs1.org/01/18934673000014/21/R-0312-1";
    const RAW: &str = "https://id.gs1.org/01/08934673000017/10/R-TOM";
    let lot = |identifier: &str, role, kind: &str, organisation, quantity, uom: Option<&str>| {
        RecalledLot {
            identifier: identifier.to_owned(),
            role,
            kind: kind.to_owned(),
            organisation,
            quantity,
            uom: uom.map(str::to_owned),
        }
    };
    let lots = vec![
        lot(
            PRODUCT,
            RecallRole::Affected,
            "lot",
            Some(processor),
            Some(512.5),
            Some("KGM"),
        ),
        lot(
            CARTON,
            RecallRole::Affected,
            "serial",
            Some(processor),
            Some(1.0),
            Some("H87"),
        ),
        lot(RAW, RecallRole::Suspect, "lot", Some(farm), None, None),
    ];
    let officer = ApiKeyId::generate();
    let new_recall = |lots: Vec<RecalledLot>| NewRecall {
        id: RecallId::generate(),
        reason: RecallReason::parse("Phát hiện dư lượng Enrofloxacin vượt mức cho phép").unwrap(),
        start: PRODUCT.to_owned(),
        created_by: officer,
        lots,
    };
    let first = new_recall(lots.clone());
    let recall = store.create_recall(&first).await.expect("raise a recall");
    assert_eq!(recall.id, first.id);
    assert_eq!(recall.status, RecallStatus::Open);
    assert_eq!(recall.reason, first.reason);
    assert_eq!(recall.start, PRODUCT);
    assert_eq!(recall.created_by, officer);
    assert_eq!(recall.lot_count, 3);
    assert_eq!((recall.notified_at, recall.closed_by), (None, None));
    assert_eq!(store.recall(first.id).await.unwrap(), recall);
    assert_eq!(store.recall_lots(first.id).await.unwrap(), lots);

    // The public page of an affected lot asks; a suspect source is not itself recalled.
    assert_eq!(
        store.active_recalls_naming(CARTON).await.unwrap(),
        std::slice::from_ref(&recall)
    );
    assert_eq!(store.active_recalls_naming(RAW).await.unwrap(), []);
    assert_eq!(
        store
            .active_recalls_naming("urn:example:lot:none")
            .await
            .unwrap(),
        []
    );

    // The same id again, or a lot held by nobody registered: refused, nothing half-written.
    let again = store.create_recall(&first).await.unwrap_err();
    assert!(
        matches!(
            again,
            StoreError::Conflict {
                what: "recall id",
                ..
            }
        ),
        "{again:?}"
    );
    let stranger = OrganisationId::generate();
    let broken = new_recall(vec![
        lot(
            PRODUCT,
            RecallRole::Affected,
            "lot",
            Some(processor),
            None,
            None,
        ),
        lot(RAW, RecallRole::Suspect, "lot", Some(stranger), None, None),
    ]);
    let refused = store.create_recall(&broken).await.unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{refused:?}"
    );
    let nothing = store.recall(broken.id).await.unwrap_err();
    assert!(
        matches!(nothing, StoreError::NotFound { what: "recall", .. }),
        "{nothing:?}"
    );
    let twice = new_recall(vec![lots[0].clone(), lots[0].clone()]);
    let refused = store.create_recall(&twice).await.unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Conflict {
                what: "recall lots",
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(store.recall(twice.id).await.is_err());

    // Only forward, one step at a time.
    let skip = store
        .set_recall_status(first.id, RecallStatus::Closed, officer)
        .await
        .unwrap_err();
    assert_eq!(
        skip.to_string(),
        "recall status: cannot change from open to closed; a recall moves open → notified → closed, one step at a time"
    );
    let notifier = ApiKeyId::generate();
    let notified = store
        .set_recall_status(first.id, RecallStatus::Notified, notifier)
        .await
        .expect("notify");
    assert_eq!(notified.status, RecallStatus::Notified);
    assert_eq!(notified.notified_by, Some(notifier));
    assert!(notified.notified_at.unwrap() >= recall.created_at);
    assert_eq!(notified.closed_at, None);
    let repeat = store
        .set_recall_status(first.id, RecallStatus::Notified, notifier)
        .await
        .unwrap_err();
    assert!(
        matches!(
            repeat,
            StoreError::Conflict {
                what: "recall status",
                ..
            }
        ),
        "{repeat:?}"
    );
    assert_eq!(
        store.active_recalls_naming(PRODUCT).await.unwrap(),
        std::slice::from_ref(&notified)
    );

    // A second, larger recall: more lots than one INSERT carries, in the drill's order.
    let many: Vec<RecalledLot> = (0..2_345)
        .map(|n| {
            lot(
                &format!("https://id.gs1.org/01/18934673000014/21/R-{n}"),
                RecallRole::Affected,
                "serial",
                Some(processor),
                Some(1.0),
                Some("H87"),
            )
        })
        .collect();
    let second = store
        .create_recall(&new_recall(many.clone()))
        .await
        .unwrap();
    assert_eq!(second.lot_count, 2_345);
    assert_eq!(store.recall_lots(second.id).await.unwrap(), many);

    let closer = ApiKeyId::generate();
    let closed = store
        .set_recall_status(first.id, RecallStatus::Closed, closer)
        .await
        .expect("close");
    assert_eq!(
        (closed.status, closed.closed_by),
        (RecallStatus::Closed, Some(closer))
    );
    assert_eq!(
        closed.notified_at, notified.notified_at,
        "earlier stamps stay"
    );
    let reopen = store
        .set_recall_status(first.id, RecallStatus::Open, closer)
        .await
        .unwrap_err();
    assert!(
        reopen
            .to_string()
            .contains("cannot change from closed to open"),
        "{reopen}"
    );
    assert_eq!(store.active_recalls_naming(PRODUCT).await.unwrap(), []);

    // Newest first, by status, and by the organisation whose lots they name.
    let ids = |recalls: Vec<Recall>| recalls.iter().map(|r| r.id).collect::<Vec<_>>();
    let all = store.list_recalls(None, None, 50).await.unwrap();
    assert_eq!(ids(all), [second.id, first.id]);
    assert_eq!(
        store
            .list_recalls(Some(RecallStatus::Open), None, 50)
            .await
            .unwrap(),
        std::slice::from_ref(&second)
    );
    // Only the first names a lot of the farm's (a suspect source); the limit counts only those.
    assert_eq!(
        ids(store.list_recalls(None, Some(farm), 1).await.unwrap()),
        [first.id]
    );
    assert_eq!(
        ids(store.list_recalls(None, Some(processor), 50).await.unwrap()),
        [second.id, first.id]
    );
    assert_eq!(
        store
            .list_recalls(Some(RecallStatus::Open), Some(farm), 50)
            .await
            .unwrap(),
        []
    );
    assert_eq!(store.list_recalls(None, None, 1).await.unwrap(), [second]);

    let unknown = RecallId::generate();
    for error in [
        store.recall(unknown).await.unwrap_err(),
        store.recall_lots(unknown).await.unwrap_err(),
        store
            .set_recall_status(unknown, RecallStatus::Notified, closer)
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(error, StoreError::NotFound { what: "recall", .. }),
            "{error:?}"
        );
    }
}

fn new(kind: OrganisationKind, name: &str, tax_code: &str) -> NewOrganisation {
    NewOrganisation::new(
        kind,
        OrganisationName::parse(name).unwrap(),
        TaxCode::parse(tax_code).unwrap(),
    )
    .unwrap()
}

/// Organisation addresses and the portal's list filters: an address is stored, read back and
/// audited; lists narrow by kind, commune and text (the name without diacritics, or part of the
/// tax code), with the text's `%` and `_` taken literally, and the filters page like the list.
async fn organisation_address_chapter(store: &Arc<dyn Store>) {
    let units = AdminUnits::embedded();
    let commune = |text: &str| {
        units
            .search(ProvinceCode::parse("96").unwrap(), text)
            .unwrap()[0]
            .code()
    };
    let (vinh_hau, ca_mau) = (commune("vinh hau"), commune("an xuyen"));
    let address = Address::new(units, "Ấp Thào Lạng", vinh_hau).unwrap();
    let salt = store
        .create_organisation(
            &new(
                OrganisationKind::Cooperative,
                "HTX Diêm nghiệp Đông Hải 100%",
                "2003000101",
            )
            .with_address(address.clone()),
            Actor::Cli,
        )
        .await
        .expect("register a cooperative with an address");
    assert_eq!(salt.address.as_ref(), Some(&address));
    assert_eq!(store.organisation(salt.id).await.unwrap(), salt);
    let household = store
        .create_organisation(
            &new(
                OrganisationKind::Household,
                "Hộ ông Nguyễn Văn Diêm",
                "096085003189",
            )
            .with_address(Address::new(units, "Khóm 3", ca_mau).unwrap()),
            Actor::Cli,
        )
        .await
        .unwrap();
    let plain = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty Diêm Điền",
                "2003000102",
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    assert_eq!(plain.address, None);

    let created = store
        .search_audit_log(&AuditQuery {
            entity_id: Some(salt.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let after = only(created).after.expect("an after snapshot");
    assert_eq!(after["address"]["street"], "Ấp Thào Lạng");
    assert_eq!(after["address"]["commune"], vinh_hau.as_str());

    let found = |filter: OrganisationFilter, limit: u32| {
        let store = Arc::clone(store);
        async move {
            let mut seen = Vec::new();
            let mut query = OrganisationQuery {
                limit,
                ..OrganisationQuery::default()
            };
            loop {
                let page = store.search_organisations(&query, &filter).await.unwrap();
                seen.extend(page.organisations.iter().map(|o| o.id));
                match page.next_after {
                    Some(after) => query.after = Some(after),
                    None => return seen,
                }
            }
        }
    };
    let text = |text: &str| OrganisationFilter {
        text: Some(text.to_owned()),
        ..OrganisationFilter::default()
    };
    assert_eq!(
        found(text("  DIEM "), 1).await,
        [salt.id, household.id, plain.id]
    );
    assert_eq!(found(text("diêm nghiệp"), 5).await, [salt.id]);
    assert_eq!(found(text("100%"), 5).await, [salt.id]);
    assert_eq!(found(text("0%"), 5).await, [salt.id], "% is a literal");
    assert!(found(text("hai_100"), 5).await.is_empty(), "_ is a literal");
    assert_eq!(found(text("03189"), 5).await, [household.id], "by tax code");
    assert_eq!(
        found(
            OrganisationFilter {
                commune: Some(vinh_hau),
                ..text("diem")
            },
            5
        )
        .await,
        [salt.id]
    );
    assert_eq!(
        found(
            OrganisationFilter {
                kind: Some(OrganisationKind::Household),
                ..text("diem")
            },
            5
        )
        .await,
        [household.id]
    );
    let approved_salt = store
        .search_organisations(
            &OrganisationQuery {
                status: Some(ApprovalStatus::Approved),
                ..OrganisationQuery::default()
            },
            &text("diem"),
        )
        .await
        .unwrap();
    assert!(approved_salt.organisations.is_empty(), "all are pending");
    let approved = approve(store, salt.id).await;
    assert_eq!(approved.address.as_ref(), Some(&address), "kept on change");

    // The enterprise gets an address later, moves, and the commune filter follows; each change
    // is audited with the address before and after; clearing it is allowed too.
    let at_vinh_hau = Address::new(units, "Ấp Vĩnh Mẫu", vinh_hau).unwrap();
    let moved = store
        .set_organisation_address(plain.id, Some(&at_vinh_hau), Actor::Cli)
        .await
        .unwrap();
    assert_eq!(moved.address.as_ref(), Some(&at_vinh_hau));
    assert_eq!(
        moved.status,
        ApprovalStatus::Pending,
        "nothing else changes"
    );
    let in_vinh_hau = || async {
        found(
            OrganisationFilter {
                commune: Some(vinh_hau),
                ..text("diem")
            },
            5,
        )
        .await
    };
    assert_eq!(in_vinh_hau().await, [salt.id, plain.id]);
    let at_ca_mau = Address::new(units, "Khóm 1", ca_mau).unwrap();
    store
        .set_organisation_address(plain.id, Some(&at_ca_mau), Actor::Cli)
        .await
        .unwrap();
    assert_eq!(in_vinh_hau().await, [salt.id]);
    let cleared = store
        .set_organisation_address(plain.id, None, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(cleared.address, None);
    assert_eq!(store.organisation(plain.id).await.unwrap(), cleared);
    let changes = store
        .search_audit_log(&AuditQuery {
            entity_id: Some(plain.id.to_string()),
            action: Some(AuditAction::OrganisationAddress),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(changes.entries.len(), 3);
    // Newest first: the clearing, whose before holds the Cà Mau address.
    let clearing = &changes.entries[0];
    assert_eq!(
        clearing.before.as_ref().unwrap()["address"]["street"],
        "Khóm 1"
    );
    assert!(clearing.after.as_ref().unwrap()["address"].is_null());
    let unknown = store
        .set_organisation_address(OrganisationId::generate(), None, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound { .. }),
        "{unknown:?}"
    );
}

fn prefix(digits: &str) -> CompanyPrefix {
    CompanyPrefix::parse(digits).unwrap()
}

async fn approve(store: &Arc<dyn Store>, id: OrganisationId) -> Organisation {
    let approved = store
        .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
        .await
        .expect("approve");
    assert_eq!(approved.status, ApprovalStatus::Approved);
    approved
}

/// Sends `attempts` approvals for `id` at once and returns how many succeeded; every other one
/// must be refused as approved → approved.
async fn approve_concurrently(
    store: &Arc<dyn Store>,
    id: OrganisationId,
    attempts: usize,
) -> usize {
    let tasks: Vec<_> = (0..attempts)
        .map(|_| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                store
                    .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
                    .await
            })
        })
        .collect();
    let mut approvals = 0;
    for task in tasks {
        match task.await.expect("approval task") {
            Ok(organisation) => {
                assert_eq!(organisation.status, ApprovalStatus::Approved);
                approvals += 1;
            }
            Err(StoreError::Domain(DomainError::StatusTransition { from, to })) => {
                assert_eq!(
                    (from, to),
                    (ApprovalStatus::Approved, ApprovalStatus::Approved)
                );
            }
            Err(other) => panic!("unexpected error from a concurrent approval: {other:?}"),
        }
    }
    approvals
}

/// Follows `next_after` until the last page and returns the ids seen, checking page sizes.
async fn page_through(
    store: &Arc<dyn Store>,
    status: Option<ApprovalStatus>,
    limit: u32,
) -> Vec<OrganisationId> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_organisations(&OrganisationQuery {
                status,
                after,
                limit,
            })
            .await
            .expect("list organisations");
        assert!(page.organisations.len() <= limit as usize);
        if let Some(status) = status {
            assert!(page.organisations.iter().all(|o| o.status == status));
        }
        seen.extend(
            page.organisations
                .iter()
                .map(|organisation| organisation.id),
        );
        match page.next_after {
            Some(cursor) => {
                assert_eq!(
                    page.organisations.len(),
                    limit as usize,
                    "only the last page is short"
                );
                after = Some(cursor);
            }
            None => return seen,
        }
    }
}

/// Accounts: users of the province and of two organisations, sessions opened, touched and
/// revoked one by one, by a password change and by disabling, and the audit log those changes
/// wrote in their own transactions, searched by every filter and paged.
async fn accounts_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let hash = |n: u32| {
        PasswordHash::parse(&format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$h{n}")).unwrap()
    };
    let user = |email: &str, role, organisation, n| NewUser {
        email: Email::parse(email).unwrap(),
        name: Some(PersonName::parse("Trần Thị Hoa").unwrap()),
        access: Access::new(role, organisation).unwrap(),
        password_hash: hash(n),
    };
    let started = nguon_store::now_utc();

    // The first administrator comes from the command line.
    let admin = store
        .create_user(
            &user("Admin@SoKHCN.camau.gov.vn", Role::ProvinceAdmin, None, 1),
            Actor::Cli,
        )
        .await
        .expect("create the province admin");
    assert_eq!(admin.email.as_str(), "admin@sokhcn.camau.gov.vn");
    assert_eq!(admin.status, UserStatus::Active);
    assert_eq!(store.user(admin.id).await.unwrap(), admin);
    assert_eq!(
        store.user_by_email(&admin.email).await.unwrap(),
        Some(admin.clone())
    );
    let by = Actor::User(admin.id);
    let org_admin = store
        .create_user(&user("quanly@farm-a.vn", Role::OrgAdmin, Some(a), 2), by)
        .await
        .unwrap();
    let staff = store
        .create_user(&user("nhanvien@farm-a.vn", Role::OrgStaff, Some(a), 3), by)
        .await
        .unwrap();
    let other = store
        .create_user(
            &user("nhanvien@hatchery-b.vn", Role::OrgStaff, Some(b), 4),
            by,
        )
        .await
        .unwrap();

    // The address is unique whatever its case; the organisation must exist.
    let taken = store
        .create_user(&user("QUANLY@farm-a.vn", Role::OrgStaff, Some(a), 5), by)
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict { what: "email", .. }),
        "{taken:?}"
    );
    let stranger = OrganisationId::generate();
    let missing = store
        .create_user(&user("x@nowhere.vn", Role::OrgStaff, Some(stranger), 6), by)
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{missing:?}"
    );
    assert!(matches!(
        store.user(UserId::generate()).await.unwrap_err(),
        StoreError::NotFound { what: "user", .. }
    ));
    assert_eq!(
        store
            .user_by_email(&Email::parse("nobody@camau.vn").unwrap())
            .await
            .unwrap(),
        None
    );

    // Lists are scoped to an organisation, or everyone's, by address.
    let emails = |users: Vec<nguon_domain::User>| -> Vec<String> {
        users.into_iter().map(|u| u.email.to_string()).collect()
    };
    assert_eq!(
        emails(store.list_users(Some(a)).await.unwrap()),
        ["nhanvien@farm-a.vn", "quanly@farm-a.vn"]
    );
    assert_eq!(
        emails(store.list_users(Some(b)).await.unwrap()),
        ["nhanvien@hatchery-b.vn"]
    );
    assert_eq!(store.list_users(None).await.unwrap().len(), 4);
    assert_eq!(store.user(org_admin.id).await.unwrap(), org_admin);

    // A promotion is audited with the user before and after.
    let promoted = store
        .set_user_access(staff.id, Access::new(Role::OrgAdmin, Some(a)).unwrap(), by)
        .await
        .unwrap();
    assert_eq!(promoted.access.role(), Role::OrgAdmin);
    let entry = only(
        store
            .search_audit_log(&AuditQuery {
                action: Some(AuditAction::UserAccess),
                ..AuditQuery::default()
            })
            .await
            .unwrap(),
    );
    assert_eq!(entry.actor, by);
    assert_eq!(entry.entity_kind, EntityKind::User);
    assert_eq!(entry.entity_id, staff.id.to_string());
    assert_eq!(entry.organisation, Some(a));
    assert_eq!(entry.before.as_ref().unwrap()["role"], "org_staff");
    assert_eq!(entry.after.as_ref().unwrap()["role"], "org_admin");
    assert!(!entry.after.as_ref().unwrap().to_string().contains("argon2"));

    // Sessions: found by token hash, touched, revoked once (again changes nothing).
    let open = |n: u8| NewSession {
        user: staff.id,
        token_hash: [n; 32],
        csrf_token: format!("csrf-{n}"),
        expires_at: started + time::Duration::hours(12),
    };
    let first = store.create_session(&open(1)).await.unwrap();
    let second = store.create_session(&open(2)).await.unwrap();
    let third = store.create_session(&open(3)).await.unwrap();
    assert_eq!(
        store.session_by_token_hash(&[2; 32]).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(store.session_by_token_hash(&[9; 32]).await.unwrap(), None);
    let later = second.last_seen_at + time::Duration::minutes(5);
    store.touch_session(second.id, later).await.unwrap();
    let touched = store
        .session_by_token_hash(&[2; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(touched.last_seen_at, later);
    let revoked = store
        .revoke_session(first.id, Actor::User(staff.id))
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        store.revoke_session(first.id, by).await.unwrap().revoked_at,
        revoked.revoked_at
    );
    assert!(matches!(
        store
            .revoke_session(SessionId::generate(), by)
            .await
            .unwrap_err(),
        StoreError::NotFound {
            what: "session",
            ..
        }
    ));
    let nobody = NewSession {
        user: UserId::generate(),
        ..open(4)
    };
    assert!(matches!(
        store.create_session(&nobody).await.unwrap_err(),
        StoreError::NotFound { what: "user", .. }
    ));

    // A password change keeps the session that asked for it and ends the others.
    let changed = store
        .set_user_password(staff.id, &hash(7), Some(second.id), Actor::User(staff.id))
        .await
        .unwrap();
    assert_eq!(changed.password_hash, hash(7));
    let live = |n: u8| {
        let store = Arc::clone(store);
        async move {
            store
                .session_by_token_hash(&[n; 32])
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        }
    };
    assert!(live(2).await && !live(3).await);
    assert_eq!(third.user, staff.id);

    // Disabling signs the user out everywhere.
    let disabled = store
        .set_user_status(staff.id, UserStatus::Disabled, by)
        .await
        .unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    assert!(!live(2).await);

    // Revoking all of a user's sessions counts only the live ones.
    for n in [5, 6] {
        store
            .create_session(&NewSession {
                user: other.id,
                ..open(n)
            })
            .await
            .unwrap();
    }
    assert_eq!(store.revoke_user_sessions(other.id, by).await.unwrap(), 2);
    assert_eq!(store.revoke_user_sessions(other.id, by).await.unwrap(), 0);

    // The audit log: every change above, newest first, found by each filter.
    let search = |query: AuditQuery| {
        let store = Arc::clone(store);
        async move { store.search_audit_log(&query).await.unwrap().entries }
    };
    let of_staff = search(AuditQuery {
        entity_kind: Some(EntityKind::User),
        entity_id: Some(staff.id.to_string()),
        ..AuditQuery::default()
    })
    .await;
    let actions: Vec<_> = of_staff.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::UserStatus,
            AuditAction::UserPassword,
            AuditAction::UserAccess,
            AuditAction::UserCreate
        ]
    );
    assert_eq!(of_staff[3].before, None);
    assert_eq!(of_staff[0].before.as_ref().unwrap()["status"], "active");
    assert_eq!(of_staff[0].after.as_ref().unwrap()["status"], "disabled");

    let by_cli = search(AuditQuery {
        actor: Some(Actor::Cli),
        action: Some(AuditAction::UserCreate),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(by_cli.len(), 1);
    assert_eq!(by_cli[0].entity_id, admin.id.to_string());

    // Sessions: three opened and one by the stranger refused; revoked: first, third (password),
    // second (disabled), and the other user's two.
    let session_actions = |action| {
        search(AuditQuery {
            action: Some(action),
            from: Some(started),
            ..AuditQuery::default()
        })
    };
    assert_eq!(session_actions(AuditAction::SessionCreate).await.len(), 5);
    let revocations = session_actions(AuditAction::SessionRevoke).await;
    assert_eq!(revocations.len(), 5);
    assert!(
        revocations
            .iter()
            .all(|e| e.before.as_ref().unwrap()["revoked_at"].is_null()
                && e.after.as_ref().unwrap()["revoked_at"].is_string())
    );
    assert!(
        !revocations
            .iter()
            .any(|e| e.after.as_ref().unwrap().to_string().contains("csrf-"))
    );

    // The organisation changes of earlier chapters are in the log too, as done by the CLI.
    let registered = search(AuditQuery {
        entity_kind: Some(EntityKind::Organisation),
        entity_id: Some(a.to_string()),
        action: Some(AuditAction::OrganisationCreate),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].actor, Actor::Cli);
    assert_eq!(registered[0].after.as_ref().unwrap()["status"], "pending");
    let key_revoked = search(AuditQuery {
        organisation: Some(a),
        action: Some(AuditAction::ApiKeyRevoke),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(key_revoked.len(), 1);
    assert!(key_revoked[0].before.as_ref().unwrap()["revoked_at"].is_null());

    // Nothing before the chapter started has its time; nothing is after now.
    let before_chapter = search(AuditQuery {
        to: Some(started),
        entity_kind: Some(EntityKind::User),
        ..AuditQuery::default()
    })
    .await;
    assert!(before_chapter.is_empty());

    // Paging through organisation A's history two at a time gives the one-page answer.
    let whole = search(AuditQuery {
        organisation: Some(a),
        limit: AuditQuery::MAX_LIMIT,
        ..AuditQuery::default()
    })
    .await;
    assert!(whole.len() > 6, "{}", whole.len());
    assert!(whole.windows(2).all(|w| w[0].id > w[1].id));
    let mut paged = Vec::new();
    let mut query = AuditQuery {
        organisation: Some(a),
        limit: 2,
        ..AuditQuery::default()
    };
    loop {
        let page = store.search_audit_log(&query).await.unwrap();
        assert!(page.entries.len() <= 2);
        paged.extend(page.entries);
        match page.next_before {
            Some(before) => query.before = Some(before),
            None => break,
        }
    }
    assert_eq!(paged, whole);
}

/// The one entry of a page.
fn only(page: AuditPage) -> nguon_domain::AuditEntry {
    assert_eq!(page.entries.len(), 1, "{:?}", page.entries);
    assert_eq!(page.next_before, None);
    page.entries.into_iter().next().unwrap()
}

/// Registry: the province keeps its product groups; a farm registers a pond and a product, which
/// wait for approval; keys are unique and fixed once registered; every change is audited; images
/// come back byte for byte.
async fn registry_chapter(store: &Arc<dyn Store>, farm: OrganisationId, other: OrganisationId) {
    let name = |text: &str| RecordName::parse("name", text).unwrap();
    let group = ProductGroupDetails {
        code: ProductGroupCode::parse("tom-nuoi").unwrap(),
        name_vi: name("Tôm nuôi"),
        name_en: name("Farmed shrimp"),
        key: true,
        mandatory: true,
    };
    let stored_group = store
        .register(None, &group, ApprovalStatus::Approved, Actor::Cli)
        .await
        .expect("the province adds a product group");
    assert_eq!(stored_group.organisation, None);
    assert_eq!(stored_group.details, group);
    let again = store
        .register(None, &group, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &again,
            StoreError::Conflict {
                what: "product group",
                ..
            }
        ),
        "{again:?}"
    );

    let mut pond = FacilityDetails::new(
        FacilityKind::Pond,
        name("Ao số 3"),
        Gln::parse("8934673000017").unwrap(),
    );
    let units = AdminUnits::embedded();
    let vinh_hau = units
        .search(ProvinceCode::parse("96").unwrap(), "vinh hau")
        .unwrap()[0]
        .code();
    pond.address = Some(Address::new(units, "Ấp Thào Lạng", vinh_hau).unwrap());
    pond.geometry =
        Some(Geometry::parse("9.2851,105.7244; 9.2853,105.7249; 9.2848,105.7250").unwrap());
    pond.certificates.push(
        Certificate::new(
            CertificateKind::VietGap,
            "VietGAP-TS-11-12-0042",
            "QUACERT",
            time::macros::date!(2025 - 03 - 01),
            Some(time::macros::date!(2027 - 03 - 01)),
            true,
        )
        .unwrap(),
    );
    let stored_pond = store
        .register(Some(farm), &pond, ApprovalStatus::Pending, Actor::Cli)
        .await
        .expect("the farm registers its pond");
    assert_eq!(stored_pond.status, ApprovalStatus::Pending);
    assert_eq!(stored_pond.details, pond, "details come back exactly");
    assert_eq!(
        store
            .find::<FacilityDetails>("8934673000017")
            .await
            .unwrap(),
        Some(stored_pond.clone())
    );
    assert_eq!(
        store
            .find::<FacilityDetails>("8934673000024")
            .await
            .unwrap(),
        None
    );
    let wrong_kind = store
        .get::<ProductDetails>(stored_pond.id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            wrong_kind,
            StoreError::NotFound {
                what: "product",
                ..
            }
        ),
        "{wrong_kind:?}"
    );
    let taken = store
        .register(Some(other), &pond, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap_err();
    assert_eq!(
        taken.to_string(),
        "GLN: 8934673000017 is already registered to a facility"
    );
    let ghost = store
        .register(
            Some(OrganisationId::generate()),
            &group,
            ApprovalStatus::Pending,
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            ghost,
            StoreError::Conflict { .. } | StoreError::NotFound { .. }
        ),
        "{ghost:?}"
    );

    // Editing keeps the key; changing the GLN of a registered pond is refused.
    let mut renamed = pond.clone();
    renamed.name = name("Ao nuôi số 3");
    let edited = store
        .edit(stored_pond.id, &renamed, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(edited.details.name.as_str(), "Ao nuôi số 3");
    assert!(edited.updated_at >= stored_pond.updated_at);
    let mut moved = renamed.clone();
    moved.gln = Gln::parse("8934673000024").unwrap();
    let fixed = store
        .edit(stored_pond.id, &moved, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        fixed
            .to_string()
            .starts_with("GLN: cannot change from 8934673000017 to 8934673000024"),
        "{fixed}"
    );
    assert_eq!(
        store
            .get::<FacilityDetails>(stored_pond.id)
            .await
            .unwrap()
            .details,
        renamed
    );

    // Review: two officers approve at once; exactly one succeeds.
    let (first, second) = tokio::join!(
        store.review::<FacilityDetails>(stored_pond.id, ApprovalStatus::Approved, Actor::Cli),
        store.review::<FacilityDetails>(stored_pond.id, ApprovalStatus::Approved, Actor::Cli),
    );
    let outcomes = [first.is_ok(), second.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "{first:?} / {second:?}"
    );
    let refused = first.err().or(second.err()).unwrap();
    assert!(
        matches!(
            refused,
            StoreError::Domain(DomainError::StatusTransition { .. })
        ),
        "{refused:?}"
    );
    let back = store
        .review::<FacilityDetails>(stored_pond.id, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap_err();
    assert!(matches!(back, StoreError::Domain(_)), "{back:?}");

    // Products, with an image.
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 300]].concat();
    let image = Image::parse(png.clone()).unwrap();
    let media = store.store_image(farm, &image, Actor::Cli).await.unwrap();
    let (owner, read) = store.image(media).await.unwrap();
    assert_eq!((owner, read.bytes()), (farm, png.as_slice()));
    let missing = store
        .image(nguon_domain::MediaId::generate())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, StoreError::NotFound { what: "image", .. }),
        "{missing:?}"
    );
    let mut shrimp = ProductDetails::new(
        Gtin::parse("8934673000031").unwrap(),
        name("Tôm sú nguyên con đông lạnh"),
        group.code.clone(),
    );
    shrimp.images.push(media);
    let product = store
        .register(Some(farm), &shrimp, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(
        store
            .find::<ProductDetails>("08934673000031")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(product.id)
    );

    // Lists: by organisation, by status, by page.
    let farm_facilities = store
        .list::<FacilityDetails>(&RecordQuery {
            organisation: Some(farm),
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        farm_facilities.iter().map(|f| f.id).collect::<Vec<_>>(),
        [stored_pond.id]
    );
    let others = store
        .list::<FacilityDetails>(&RecordQuery {
            organisation: Some(other),
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert!(others.is_empty());
    let pending = store
        .list::<ProductDetails>(&RecordQuery {
            status: Some(ApprovalStatus::Pending),
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        pending.iter().map(|p| p.id).collect::<Vec<_>>(),
        [product.id]
    );
    let mut second_group = group.clone();
    second_group.code = ProductGroupCode::parse("lua-gao").unwrap();
    second_group.name_vi = name("Lúa gạo");
    let rice = store
        .register(None, &second_group, ApprovalStatus::Approved, Actor::Cli)
        .await
        .unwrap();
    let first_page = store
        .list::<ProductGroupDetails>(&RecordQuery {
            limit: 1,
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        first_page.iter().map(|g| g.id).collect::<Vec<_>>(),
        [stored_group.id]
    );
    let next_page = store
        .list::<ProductGroupDetails>(&RecordQuery {
            limit: 1,
            after: Some(stored_group.id),
            ..RecordQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        next_page.iter().map(|g| g.id).collect::<Vec<_>>(),
        [rice.id]
    );

    // The audit log holds each change with the record before and after.
    let history = store
        .search_audit_log(&AuditQuery {
            entity_id: Some(stored_pond.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<_> = history.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::RecordStatus(RegistryKind::Facility),
            AuditAction::RecordUpdate(RegistryKind::Facility),
            AuditAction::RecordCreate(RegistryKind::Facility),
        ]
    );
    let update = &history.entries[1];
    assert_eq!(update.entity_kind, EntityKind::Facility);
    assert_eq!(update.organisation, Some(farm));
    assert_eq!(
        update.before.as_ref().unwrap()["details"]["name"],
        "Ao số 3"
    );
    assert_eq!(
        update.after.as_ref().unwrap()["details"]["name"],
        "Ao nuôi số 3"
    );
    let uploads = store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::MediaUpload),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(only(uploads).after.unwrap()["bytes"], 308);
}

/// Data-quality scores: a lot's score is stored and replaced, listed worst first for one
/// organisation or the province, and summed up per organisation; the lots events name are
/// listed in pages for a full refresh.
async fn quality_chapter(store: &Arc<dyn Store>, farm: OrganisationId, other: OrganisationId) {
    const GTIN_PATH: &str = "https://id.gs1.org/01/08934673000994/";
    let lot = |name: &str| format!("{GTIN_PATH}10/{name}");
    let serial = format!("{GTIN_PATH}21/S-1");
    store
        .append_events(&[event(
            farm,
            9_501,
            EventType::TransformationEvent,
            None,
            "https://id.gs1.org/414/8934673000019",
            &[
                (IdentifierRole::InputClass, &lot("Q-A")),
                (IdentifierRole::OutputClass, &lot("Q-B")),
                (IdentifierRole::Output, &serial),
            ],
        )])
        .await
        .unwrap();
    // Only lots (GTIN and lot) are listed, not serials; in order, page by page.
    let ours = |found: Vec<String>| -> Vec<String> {
        found
            .into_iter()
            .filter(|id| id.starts_with(GTIN_PATH))
            .collect()
    };
    let all = ours(store.lot_identifiers(Some(GTIN_PATH), 100).await.unwrap());
    assert_eq!(all, [lot("Q-A"), lot("Q-B")]);
    let first = store.lot_identifiers(Some(GTIN_PATH), 1).await.unwrap();
    assert_eq!(first, [lot("Q-A")]);
    let next = store.lot_identifiers(Some(&first[0]), 1).await.unwrap();
    assert_eq!(next, [lot("Q-B")]);
    let everything = store.lot_identifiers(None, 1_000).await.unwrap();
    assert!(everything.windows(2).all(|w| w[0] < w[1]), "{everything:?}");
    assert!(everything.iter().all(|id| id.contains("/10/")));

    let computed_at = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
    let scored = |name: &str, organisation: Option<OrganisationId>, score: u8| LotQuality {
        identifier: lot(name),
        organisation,
        score: QualityScore::of(
            Some("farmed-shrimp".into()),
            vec![QualityLine {
                section: QualitySection::Tt02,
                code: "tt02.2".into(),
                label: Bilingual::new("Hình ảnh sản phẩm", "Product image"),
                present: false,
                reason: Some(Bilingual::new("Chưa có ảnh.", "No image.")),
                deduction: 100 - score,
            }],
        ),
        computed_at,
    };
    assert_eq!(store.lot_quality(&lot("Q-A")).await.unwrap(), None);
    for lot in [
        scored("Q-A", Some(farm), 70),
        scored("Q-B", Some(farm), 90),
        scored("Q-C", Some(other), 40),
        scored("Q-D", None, 55),
    ] {
        store.save_lot_quality(&lot).await.unwrap();
    }
    assert_eq!(
        store.lot_quality(&lot("Q-B")).await.unwrap(),
        Some(scored("Q-B", Some(farm), 90))
    );
    let names = |lots: Vec<LotQuality>| -> Vec<(String, u8)> {
        lots.into_iter()
            .map(|l| {
                (
                    l.identifier.trim_start_matches(GTIN_PATH).to_owned(),
                    l.score.score,
                )
            })
            .collect()
    };
    let province = store.lowest_lot_qualities(None, 10).await.unwrap();
    assert_eq!(
        names(province),
        [
            ("10/Q-C".to_owned(), 40),
            ("10/Q-D".to_owned(), 55),
            ("10/Q-A".to_owned(), 70),
            ("10/Q-B".to_owned(), 90)
        ]
    );
    let worst = store.lowest_lot_qualities(Some(farm), 1).await.unwrap();
    assert_eq!(names(worst), [("10/Q-A".to_owned(), 70)]);

    // Scoring again replaces the score.
    let later = computed_at + time::Duration::hours(1);
    store
        .save_lot_quality(&LotQuality {
            computed_at: later,
            ..scored("Q-A", Some(farm), 95)
        })
        .await
        .unwrap();
    let again = store.lot_quality(&lot("Q-A")).await.unwrap().unwrap();
    assert_eq!((again.score.score, again.computed_at), (95, later));
    let farm_lots = store.lowest_lot_qualities(Some(farm), 10).await.unwrap();
    assert_eq!(
        names(farm_lots),
        [("10/Q-B".to_owned(), 90), ("10/Q-A".to_owned(), 95)]
    );

    // Per organisation, lowest mean first, with the worst lot and the oldest score.
    let summary: Vec<_> = store
        .quality_by_organisation()
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.organisation, o.lots, o.mean, o.lowest, o.worst, o.oldest))
        .collect();
    assert_eq!(
        summary,
        [
            (Some(other), 1, 40.0, 40, lot("Q-C"), computed_at),
            (None, 1, 55.0, 55, lot("Q-D"), computed_at),
            (Some(farm), 2, 92.5, 90, lot("Q-B"), computed_at),
        ]
    );

    // A score counted for an organisation that does not exist is refused.
    let stranger = store
        .save_lot_quality(&scored("Q-E", Some(OrganisationId::generate()), 50))
        .await
        .unwrap_err();
    assert!(
        matches!(stranger, StoreError::NotFound { .. }),
        "{stranger:?}"
    );
    assert_eq!(store.lot_quality(&lot("Q-E")).await.unwrap(), None);
}

/// Resolver links: a farm adds links at its GTIN and at one lot, a scan reads every level at
/// once, duplicates and a second default are refused, changes and removals are audited.
async fn resolver_chapter(store: &Arc<dyn Store>, farm: OrganisationId, other: OrganisationId) {
    let link = |identifier: &str, link_type: &str, href: &str, lang: &str, default: bool| {
        NewResolverLink::parse(
            identifier,
            link_type,
            href,
            "Thông tin sản phẩm",
            Some("text/html"),
            Some(lang),
            default,
        )
        .unwrap()
    };
    let gtin = "/01/08934673000031";
    let lot = "/01/08934673000031/10/L-7";
    let pip_vi = link(gtin, "gs1:pip", "https://farm.example/vi", "vi", true);
    let stored = store
        .create_resolver_link(farm, &pip_vi, Actor::Cli)
        .await
        .expect("the farm adds its product page");
    assert_eq!(stored.organisation, farm);
    assert_eq!(stored.link, pip_vi, "the link comes back exactly");
    assert_eq!(store.resolver_link(stored.id).await.unwrap(), stored);
    let pip_en = store
        .create_resolver_link(
            farm,
            &link(gtin, "gs1:pip", "https://farm.example/en", "en", false),
            Actor::Cli,
        )
        .await
        .unwrap();
    let cert = store
        .create_resolver_link(
            farm,
            &link(
                lot,
                "https://gs1.org/voc/certificationInfo",
                "https://farm.example/c",
                "vi",
                false,
            ),
            Actor::Cli,
        )
        .await
        .unwrap();

    let twice = store
        .create_resolver_link(farm, &pip_vi, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &twice,
            StoreError::Conflict {
                what: "resolver link",
                ..
            }
        ),
        "{twice:?}"
    );
    let second_default = store
        .create_resolver_link(
            farm,
            &link(
                gtin,
                "gs1:recallStatus",
                "https://farm.example/r",
                "vi",
                true,
            ),
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &second_default,
            StoreError::Conflict {
                what: "default",
                ..
            }
        ),
        "{second_default:?}"
    );
    // A default at another level is allowed: the lot's own default wins for scans of the lot.
    let lot_default = store
        .create_resolver_link(
            farm,
            &link(
                lot,
                "gs1:recallStatus",
                "https://farm.example/r",
                "vi",
                true,
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    let unknown_owner = store
        .create_resolver_link(
            OrganisationId::generate(),
            &link(gtin, "gs1:pip", "https://farm.example/x", "vi", false),
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &unknown_owner,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{unknown_owner:?}"
    );

    // A scan of the lot reads the lot's and the GTIN's links in one call, oldest first.
    let at = store
        .resolver_links_at(&[lot.to_owned(), gtin.to_owned()])
        .await
        .unwrap();
    let ids: Vec<_> = at.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![stored.id, pip_en.id, cert.id, lot_default.id]);
    assert!(store.resolver_links_at(&[]).await.unwrap().is_empty());
    assert!(
        store
            .resolver_links_at(&["/01/08934673000048".to_owned()])
            .await
            .unwrap()
            .is_empty()
    );

    // Editing keeps the id and owner; moving the default onto the English page is refused
    // while the Vietnamese one holds it, then allowed once it lets go.
    let mut english = pip_en.link.clone();
    english.is_default = true;
    let refused = store
        .update_resolver_link(pip_en.id, &english, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &refused,
            StoreError::Conflict {
                what: "default",
                ..
            }
        ),
        "{refused:?}"
    );
    let mut vietnamese = pip_vi.clone();
    vietnamese.is_default = false;
    vietnamese.title = "Trang sản phẩm".to_owned();
    let edited = store
        .update_resolver_link(stored.id, &vietnamese, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(edited.link, vietnamese);
    assert_eq!(edited.created_at, stored.created_at);
    let now_default = store
        .update_resolver_link(pip_en.id, &english, Actor::Cli)
        .await
        .unwrap();
    assert!(now_default.link.is_default);

    let other_links = store
        .create_resolver_link(
            other,
            &link(
                "/414/8934673000024",
                "gs1:locationInfo",
                "https://other.example",
                "vi",
                true,
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    let farms: Vec<_> = store
        .list_resolver_links(Some(farm))
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(farms, vec![stored.id, pip_en.id, cert.id, lot_default.id]);
    assert_eq!(store.list_resolver_links(None).await.unwrap().len(), 5);

    let removed = store
        .delete_resolver_link(other_links.id, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(removed.id, other_links.id);
    let gone = store.resolver_link(other_links.id).await.unwrap_err();
    assert!(
        matches!(
            &gone,
            StoreError::NotFound {
                what: "resolver link",
                ..
            }
        ),
        "{gone:?}"
    );
    let gone = store
        .delete_resolver_link(other_links.id, Actor::Cli)
        .await
        .unwrap_err();
    assert!(matches!(&gone, StoreError::NotFound { .. }), "{gone:?}");

    // Every change is in the audit log with its before and after.
    let entries = store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::ResolverLink),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .entries;
    let actions: Vec<_> = entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::ResolverLinkDelete,
            AuditAction::ResolverLinkCreate,
            AuditAction::ResolverLinkUpdate,
            AuditAction::ResolverLinkUpdate,
            AuditAction::ResolverLinkCreate,
            AuditAction::ResolverLinkCreate,
            AuditAction::ResolverLinkCreate,
            AuditAction::ResolverLinkCreate,
        ]
    );
    assert_eq!(entries[0].organisation, Some(other));
    assert!(entries[0].after.is_none());
    assert_eq!(
        entries[0].before.as_ref().unwrap()["href"],
        "https://other.example"
    );
    assert_eq!(
        entries[3].after.as_ref().unwrap()["title"],
        "Trang sản phẩm"
    );
}

/// Registering many records at once, as an import does: all or nothing, whether the clash is
/// with a record already stored or inside the batch, and every record gets its audit entry.
async fn batch_registry_chapter(store: &Arc<dyn Store>, farm: OrganisationId) {
    let facility = |gln: &str, name: &str| {
        FacilityDetails::new(
            FacilityKind::Field,
            RecordName::parse("name", name).unwrap(),
            Gln::parse(gln).unwrap(),
        )
    };
    let fields = [
        facility("8934673000505", "Ruộng A"),
        facility("8934673000512", "Ruộng B"),
    ];
    let count = |store: Arc<dyn Store>| async move {
        store
            .list::<FacilityDetails>(&RecordQuery {
                organisation: Some(farm),
                ..RecordQuery::default()
            })
            .await
            .unwrap()
            .len()
    };
    let before = count(store.clone()).await;

    // The second record repeats the GLN of the first: nothing of the batch is kept.
    let twice = [fields[0].clone(), fields[0].clone()];
    let clash = store
        .register_all(Some(farm), &twice, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(clash, StoreError::Conflict { what: "GLN", .. }),
        "{clash:?}"
    );
    assert_eq!(
        count(store.clone()).await,
        before,
        "nothing of a refused batch is kept"
    );

    let stored = store
        .register_all(Some(farm), &fields, ApprovalStatus::Pending, Actor::Cli)
        .await
        .expect("a clean batch is stored");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].details, fields[1]);
    assert_eq!(stored[0].organisation, Some(farm));
    assert_eq!(count(store.clone()).await, before + 2);
    for record in &stored {
        let audit = store
            .search_audit_log(&AuditQuery {
                entity_id: Some(record.id.to_string()),
                limit: 10,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.entries.len(), 1, "one audit entry per record");
    }

    // A batch that clashes with a stored record in its last place keeps nothing either.
    let late = [facility("8934673000529", "Ruộng C"), fields[1].clone()];
    let clash = store
        .register_all(Some(farm), &late, ApprovalStatus::Pending, Actor::Cli)
        .await
        .unwrap_err();
    assert_eq!(
        clash.to_string(),
        "GLN: 8934673000512 is already registered to a facility"
    );
    assert_eq!(
        store
            .find::<FacilityDetails>("8934673000529")
            .await
            .unwrap(),
        None
    );
    let empty: [FacilityDetails; 0] = [];
    assert!(
        store
            .register_all(Some(farm), &empty, ApprovalStatus::Pending, Actor::Cli)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Registering many organisations at once with their company prefixes, as an import does: a
/// tax code or prefix taken, by the database or earlier in the batch, keeps nothing.
async fn batch_organisations_chapter(store: &Arc<dyn Store>) {
    let tax_codes = |store: Arc<dyn Store>| async move {
        let page = store
            .list_organisations(&OrganisationQuery {
                limit: OrganisationQuery::MAX_LIMIT,
                ..OrganisationQuery::default()
            })
            .await
            .unwrap();
        page.organisations
            .into_iter()
            .map(|o| o.tax_code.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let before = tax_codes(store.clone()).await;
    let salt = new(
        OrganisationKind::Cooperative,
        "HTX Muối Đông Hải",
        "1900000201",
    );
    let dried = new(
        OrganisationKind::Enterprise,
        "Công ty Khô Gành Hào",
        "1900000202",
    );

    // The second organisation repeats the first one's prefix: neither is kept.
    let clash = store
        .create_organisations(
            &[
                (salt.clone(), vec![prefix("8937001")]),
                (dried.clone(), vec![prefix("8937001")]),
            ],
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(matches!(clash, StoreError::Conflict { .. }), "{clash:?}");
    assert_eq!(tax_codes(store.clone()).await, before);

    let created = store
        .create_organisations(
            &[
                (salt.clone(), vec![prefix("8937001"), prefix("8937002")]),
                (dried.clone(), Vec::new()),
            ],
            Actor::Cli,
        )
        .await
        .expect("a clean batch is stored");
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].status, ApprovalStatus::Pending);
    assert_eq!(
        created[0].company_prefixes,
        vec![prefix("8937001"), prefix("8937002")]
    );
    assert_eq!(
        store
            .organisation_for_key("8937002000004")
            .await
            .unwrap()
            .map(|(o, _)| o.id),
        Some(created[0].id)
    );
    assert_eq!(tax_codes(store.clone()).await.len(), before.len() + 2);

    // A tax code already registered, last in the batch: the new first one is not kept.
    let late = new(OrganisationKind::Household, "Hộ Lê Văn B", "1900000203");
    let clash = store
        .create_organisations(&[(late, Vec::new()), (dried, Vec::new())], Actor::Cli)
        .await
        .unwrap_err();
    assert!(matches!(clash, StoreError::Conflict { .. }), "{clash:?}");
    assert!(
        !tax_codes(store.clone())
            .await
            .contains(&"1900000203".to_owned())
    );
}

/// Plan 140: the dashboard's aggregates count what the registries and events hold (checked as
/// differences, since earlier chapters left organisations behind), and training sessions and
/// guidance versions are kept whole, each change with its audit entry.
async fn plan_chapter(store: &Arc<dyn Store>) {
    // Active means an event at or after this time (2031), later than every earlier chapter's.
    let since = OffsetDateTime::from_unix_timestamp(1_924_000_000).unwrap();
    let units = AdminUnits::embedded();
    let communes = units
        .communes_of(ProvinceCode::parse("96").unwrap())
        .unwrap();
    let (east, west) = (communes[0].code(), communes[1].code());
    let tallies_before = store.organisation_tallies(since).await.unwrap();
    let communes_before = store.organisations_by(Dimension::Commune).await.unwrap();
    let reached_before = store.organisations_reached().await.unwrap();

    // An approved processor with its own GS1 prefix and a recent event; an approved cooperative
    // with a product (so a GTIN) and only an old event; a pending household with nothing.
    let processor = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty Chế biến Gành Hào",
                "2003000001",
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    approve(store, processor.id).await;
    store
        .add_company_prefix(processor.id, &prefix("8937771"), Actor::Cli)
        .await
        .unwrap();
    let cooperative = store
        .create_organisation(
            &new(
                OrganisationKind::Cooperative,
                "HTX Lúa tôm Phước Long",
                "2003000002",
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    approve(store, cooperative.id).await;
    let household = store
        .create_organisation(
            &new(
                OrganisationKind::Household,
                "Hộ bà Lê Thị Hoa",
                "2003000003",
            )
            .with_address(Address::new(units, "Ấp 2", east).unwrap()),
            Actor::Cli,
        )
        .await
        .unwrap();

    let name = |text: &str| RecordName::parse("name", text).unwrap();
    let product = |gtin: &str, group: &str, chain: &str| {
        let mut details = ProductDetails::new(
            Gtin::parse(gtin).unwrap(),
            name("Sản phẩm"),
            ProductGroupCode::parse(group).unwrap(),
        );
        details.chain = Some(chain.to_owned());
        details
    };
    for (owner, details) in [
        (
            processor.id,
            product("8934673000093", "plan-tom", "farmed-shrimp"),
        ),
        (processor.id, product("8934673000109", "plan-lua", "rice")),
        (cooperative.id, product("8934673000116", "plan-lua", "rice")),
    ] {
        store
            .register(Some(owner), &details, ApprovalStatus::Pending, Actor::Cli)
            .await
            .unwrap();
    }
    let facility = |gln: &str, commune| {
        let mut details =
            FacilityDetails::new(FacilityKind::Plant, name("Cơ sở"), Gln::parse(gln).unwrap());
        details.address = Some(Address::new(units, "Ấp 1", commune).unwrap());
        details
    };
    for (owner, details) in [
        (processor.id, facility("8934673000123", east)),
        (cooperative.id, facility("8934673000130", east)),
        (cooperative.id, facility("8934673000147", west)),
        (household.id, facility("8934673000154", west)),
    ] {
        store
            .register(Some(owner), &details, ApprovalStatus::Pending, Actor::Cli)
            .await
            .unwrap();
    }

    // The processor ships two lots in 2031 (one named twice), the cooperative mills one lot in
    // 2030; the input lot of a transformation is not a lot the stage made.
    let lot = |n: u32| format!("https://id.gs1.org/01/08934673000093/10/PLAN-{n}");
    let (l1, l2, l3, l4) = (lot(1), lot(2), lot(3), lot(4));
    let mut shipped = Vec::new();
    for (n, lots) in [(1, vec![&l1, &l2]), (2, vec![&l1])] {
        let mut e = event(
            processor.id,
            900_000 + n,
            EventType::ObjectEvent,
            Some(Action::Observe),
            STORE,
            &lots
                .iter()
                .map(|l| (IdentifierRole::EpcClass, l.as_str()))
                .collect::<Vec<_>>(),
        );
        e.event_time = OffsetDateTime::from_unix_timestamp(1_930_000_000 + i64::from(n)).unwrap();
        shipped.push(e);
    }
    store.append_events(&shipped).await.unwrap();
    let mut milled = event(
        cooperative.id,
        900_010,
        EventType::TransformationEvent,
        None,
        STORE,
        &[
            (IdentifierRole::InputClass, l4.as_str()),
            (IdentifierRole::OutputClass, l3.as_str()),
        ],
    );
    milled.biz_step = Some("https://nguon.example.vn/epcis/milling".to_owned());
    milled.event_time = OffsetDateTime::from_unix_timestamp(1_900_500_000).unwrap();
    store.append_events(&[milled]).await.unwrap();

    // Organisations by kind, status, GS1 use and activity: exactly the three added.
    let tallies_after = store.organisation_tallies(since).await.unwrap();
    let count = |tallies: &[nguon_store::OrganisationTally],
                 kind: OrganisationKind,
                 status: ApprovalStatus,
                 uses_gs1: bool,
                 active: bool| {
        tallies
            .iter()
            .filter(|t| {
                t.kind == kind && t.status == status && t.uses_gs1 == uses_gs1 && t.active == active
            })
            .map(|t| t.count)
            .sum::<u64>()
    };
    let added = |kind, status, uses_gs1, active| {
        count(&tallies_after, kind, status, uses_gs1, active)
            - count(&tallies_before, kind, status, uses_gs1, active)
    };
    let approved = ApprovalStatus::Approved;
    assert_eq!(added(OrganisationKind::Enterprise, approved, true, true), 1);
    assert_eq!(
        added(OrganisationKind::Cooperative, approved, true, false),
        1
    );
    assert_eq!(
        added(
            OrganisationKind::Household,
            ApprovalStatus::Pending,
            false,
            false
        ),
        1
    );
    let total =
        |tallies: &[nguon_store::OrganisationTally]| tallies.iter().map(|t| t.count).sum::<u64>();
    assert_eq!(total(&tallies_after) - total(&tallies_before), 3);

    // By product group: each organisation once per group, whatever its number of products.
    let groups = store
        .organisations_by(Dimension::ProductGroup)
        .await
        .unwrap();
    let group = |code: &str| groups.iter().find(|g| g.key == code).cloned();
    assert_eq!(
        group("plan-lua"),
        Some(DimensionTally {
            key: "plan-lua".to_owned(),
            registered: 2,
            approved: 2
        })
    );
    assert_eq!(
        group("plan-tom").map(|g| (g.registered, g.approved)),
        Some((1, 1))
    );
    let keys: Vec<&str> = groups.iter().map(|g| g.key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "groups come by code");

    // By commune: an organisation's own address decides (the pending household lives in the
    // east, though its pond is in the west); one without an address counts under the communes
    // of its facilities (the cooperative, in both).
    let communes_after = store.organisations_by(Dimension::Commune).await.unwrap();
    let in_commune = |tallies: &[DimensionTally], code: nguon_domain::CommuneCode| {
        tallies
            .iter()
            .find(|t| t.key == code.to_string())
            .map_or((0, 0), |t| (t.registered, t.approved))
    };
    let grew = |code| {
        let (r0, a0) = in_commune(&communes_before, code);
        let (r1, a1) = in_commune(&communes_after, code);
        (r1 - r0, a1 - a0)
    };
    assert_eq!(grew(east), (3, 2));
    assert_eq!(grew(west), (1, 1));

    // Events per owner and shape, with the distinct lots they made or handled.
    let shapes = store.event_shapes().await.unwrap();
    let of = |owner: OrganisationId| {
        shapes
            .iter()
            .filter(|s| s.owner == owner)
            .cloned()
            .collect::<Vec<_>>()
    };
    let processor_shapes = of(processor.id);
    assert_eq!(processor_shapes.len(), 1, "{processor_shapes:?}");
    let shipping = &processor_shapes[0];
    assert_eq!(shipping.owner_kind, OrganisationKind::Enterprise);
    assert_eq!(shipping.event_type, EventType::ObjectEvent);
    assert_eq!(shipping.action, Some(Action::Observe));
    assert_eq!(shipping.biz_step, step("shipping"));
    assert_eq!((shipping.events, shipping.lots), (2, 2));
    assert_eq!(
        shipping.last_event_time,
        OffsetDateTime::from_unix_timestamp(1_930_000_002).unwrap()
    );
    let cooperative_shapes = of(cooperative.id);
    assert_eq!(cooperative_shapes.len(), 1);
    assert_eq!(cooperative_shapes[0].action, None);
    assert_eq!(
        (cooperative_shapes[0].events, cooperative_shapes[0].lots),
        (1, 1)
    );
    assert!(of(household.id).is_empty());

    let chains: Vec<(OrganisationId, String)> = store
        .product_chains()
        .await
        .unwrap()
        .into_iter()
        .filter(|(owner, _)| [processor.id, cooperative.id].contains(owner))
        .collect();
    let mut expected = vec![
        (processor.id, "farmed-shrimp".to_owned()),
        (processor.id, "rice".to_owned()),
        (cooperative.id, "rice".to_owned()),
    ];
    expected.sort();
    let mut found = chains.clone();
    found.sort();
    assert_eq!(found, expected, "each (organisation, chain) once");

    // Training: a session reaches two organisations; correcting it to one is audited with the
    // session before and after.
    let day = time::macros::date!(2026 - 03 - 12);
    let session = NewTraining::new(
        name("Tập huấn truy xuất nguồn gốc tôm"),
        day,
        name("Hội trường Sở KH&CN, Bạc Liêu"),
        Some(ProductGroupCode::parse("plan-tom").unwrap()),
        vec![
            Participant::new(processor.id, 3).unwrap(),
            Participant::new(cooperative.id, 2).unwrap(),
        ],
    )
    .unwrap();
    let stored = store.create_training(&session, Actor::Cli).await.unwrap();
    assert_eq!(stored.details.people(), 5);
    let mut sorted_session = session.clone();
    sorted_session
        .participants
        .sort_by_key(|p| p.organisation.as_uuid());
    let mut stored_sorted = stored.details.clone();
    stored_sorted
        .participants
        .sort_by_key(|p| p.organisation.as_uuid());
    assert_eq!(
        stored_sorted, sorted_session,
        "the session comes back whole"
    );
    assert_eq!(store.training(stored.id).await.unwrap(), stored);
    assert_eq!(
        store.organisations_reached().await.unwrap() - reached_before,
        2
    );
    let corrected = NewTraining::new(
        name("Tập huấn truy xuất nguồn gốc tôm"),
        day,
        name("Hội trường Sở KH&CN, Bạc Liêu"),
        None,
        vec![Participant::new(processor.id, 4).unwrap()],
    )
    .unwrap();
    let updated = store
        .update_training(stored.id, &corrected, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(updated.details, corrected);
    assert_eq!(updated.created_at, stored.created_at);
    assert_eq!(
        store.organisations_reached().await.unwrap() - reached_before,
        1
    );
    let listed = store.list_trainings().await.unwrap();
    assert!(listed.contains(&updated));
    let history = store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::Training),
            entity_id: Some(stored.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<AuditAction> = history.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::TrainingUpdate, AuditAction::TrainingCreate]
    );
    let change = &history.entries[0];
    assert_eq!(
        change.before.as_ref().unwrap()["participants"][0]["people"]
            .as_u64()
            .unwrap()
            + change.before.as_ref().unwrap()["participants"][1]["people"]
                .as_u64()
                .unwrap(),
        5
    );
    assert_eq!(
        change.after.as_ref().unwrap()["participants"][0]["people"],
        4
    );

    // A participant that is not registered changes nothing.
    let stranger = NewTraining::new(
        name("Buổi khác"),
        day,
        name("Cà Mau"),
        None,
        vec![Participant::new(OrganisationId::generate(), 1).unwrap()],
    )
    .unwrap();
    let refused = store
        .create_training(&stranger, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::NotFound {
                what: "organisation",
                ..
            }
        ),
        "{refused:?}"
    );
    let refused = store
        .update_training(stored.id, &stranger, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::NotFound { .. }),
        "{refused:?}"
    );
    assert_eq!(store.list_trainings().await.unwrap(), listed);
    assert_eq!(store.training(stored.id).await.unwrap(), updated);
    let unknown = store.training(TrainingId::generate()).await.unwrap_err();
    assert!(matches!(
        unknown,
        StoreError::NotFound {
            what: "training session",
            ..
        }
    ));

    // Guidance: a second upload of a title is its version 2; another title starts at 1.
    let pdf = DocumentFile::parse(b"%PDF-1.7\n% Huong dan\n".to_vec()).unwrap();
    let docx = DocumentFile::parse(b"PK\x03\x04 word/document.xml".to_vec()).unwrap();
    let upload = |title: &str, file: &DocumentFile, file_name: &str| NewGuidance {
        title: name(title),
        product_group: Some(ProductGroupCode::parse("plan-tom").unwrap()),
        file_name: name(file_name),
        file: file.clone(),
    };
    let first = store
        .add_guidance(&upload("Hướng dẫn tôm", &pdf, "huong-dan.pdf"), Actor::Cli)
        .await
        .unwrap();
    let second = store
        .add_guidance(
            &upload("Hướng dẫn tôm", &docx, "huong-dan-2.docx"),
            Actor::Cli,
        )
        .await
        .unwrap();
    let other = store
        .add_guidance(&upload("Hướng dẫn lúa", &pdf, "lua.pdf"), Actor::Cli)
        .await
        .unwrap();
    assert_eq!((first.version, second.version, other.version), (1, 2, 1));
    assert_eq!(second.kind, DocumentType::Docx);
    assert_eq!(second.size, docx.bytes().len() as u64);
    let library: Vec<(String, u32)> = store
        .list_guidance()
        .await
        .unwrap()
        .iter()
        .map(|g| (g.title.to_string(), g.version))
        .collect();
    assert_eq!(
        library,
        [
            ("Hướng dẫn lúa".to_owned(), 1),
            ("Hướng dẫn tôm".to_owned(), 2),
            ("Hướng dẫn tôm".to_owned(), 1)
        ]
    );
    let (found, file) = store.guidance_file(first.id).await.unwrap();
    assert_eq!(found, first);
    assert_eq!(file, pdf, "the bytes come back as uploaded");
    let unknown = store
        .guidance_file(GuidanceId::generate())
        .await
        .unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound { .. }));
    let uploaded = only(
        store
            .search_audit_log(&AuditQuery {
                entity_id: Some(second.id.to_string()),
                ..AuditQuery::default()
            })
            .await
            .unwrap(),
    );
    assert_eq!(uploaded.action, AuditAction::GuidanceUpload);
    assert_eq!(uploaded.after.as_ref().unwrap()["version"], 2);
}

/// The sync outbox: every change of an organisation's profile, of a product and every capture
/// is in the outbox; each target takes its kinds once, in order; claims hold an organisation's
/// records back behind its pending profile and never hand one delivery to two workers; outcomes, leases and manual
/// retries move a delivery the way the worker and an officer expect.
async fn sync_chapter(store: &Arc<dyn Store>, farm: OrganisationId, other: OrganisationId) {
    use nguon_domain::{DeliveryOutcome, SubjectKind, SyncStatus, SyncSubject, TargetName};
    use nguon_store::DeliveryQuery;
    use std::time::Duration;

    let portal = TargetName::parse("most").unwrap();
    let buyer = TargetName::parse("buyer").unwrap();
    let everything = store.outbox_backlog(&portal).await.unwrap();
    assert!(everything > 20, "earlier chapters filled the outbox");

    // The portal takes every kind, in pages; a second pass finds nothing new.
    let mut added = 0;
    loop {
        let page = store
            .fan_out(&portal, &SubjectKind::ALL, &[], 37)
            .await
            .unwrap();
        if store.outbox_backlog(&portal).await.unwrap() == 0 {
            added += page;
            break;
        }
        added += page;
    }
    assert_eq!(added, everything);
    assert_eq!(
        store
            .fan_out(&portal, &SubjectKind::ALL, &[], 100)
            .await
            .unwrap(),
        0
    );
    // The buyer takes events only, but passes over the rest.
    let events_only = store
        .fan_out(&buyer, &[SubjectKind::Events], &[], 100_000)
        .await
        .unwrap();
    assert!(events_only > 0 && events_only < everything);
    assert_eq!(store.outbox_backlog(&buyer).await.unwrap(), 0);

    let all_of = |target: &TargetName, organisation: Option<OrganisationId>| DeliveryQuery {
        target: Some(target.clone()),
        organisation,
        ..DeliveryQuery::default()
    };
    let mut farm_deliveries = Vec::new();
    let mut query = all_of(&portal, Some(farm));
    loop {
        let page = store.list_deliveries(&query).await.unwrap();
        let Some(last) = page.last() else { break };
        query.before = Some(last.id);
        farm_deliveries.extend(page);
    }
    assert!(farm_deliveries.iter().all(|d| d.organisation == farm
        && d.status == SyncStatus::Pending
        && d.attempts == 0
        && d.idempotency_key == format!("nguon-most-{}", d.outbox_id)));
    assert!(
        farm_deliveries
            .iter()
            .any(|d| d.subject == SyncSubject::Organisation),
        "the farm's approval is in the outbox"
    );
    let products = store
        .list_records(
            RegistryKind::Product,
            &RecordQuery {
                organisation: Some(farm),
                ..RecordQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(!products.is_empty());
    for product in &products {
        let id = nguon_domain::RecordId::from_uuid(product.id).unwrap();
        assert!(
            farm_deliveries
                .iter()
                .any(|d| d.subject == SyncSubject::Product(id)),
            "product {} is in the outbox",
            product.key
        );
    }
    // Every event of the farm is in exactly one run, and a run holds at most 500 of them.
    let farm_events: Vec<i64> = store
        .events_after(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|stored| stored.event.owner == farm)
        .map(|stored| stored.sequence)
        .collect();
    let runs: Vec<(i64, i64)> = farm_deliveries
        .iter()
        .filter_map(|d| match d.subject {
            SyncSubject::Events { first, last } => Some((first, last)),
            _ => None,
        })
        .collect();
    for sequence in &farm_events {
        let holding = runs
            .iter()
            .filter(|(first, last)| first <= sequence && sequence <= last)
            .count();
        assert_eq!(holding, 1, "event {sequence} is in one run");
    }
    for (first, last) in &runs {
        let inside = farm_events
            .iter()
            .filter(|s| (first..=last).contains(s))
            .count();
        assert!((1..=500).contains(&inside));
    }

    // Every organisation's first change is its profile, which holds back the rest: a claim hands
    // out one delivery per organisation, in outbox order.
    let now = nguon_store::now_utc();
    let lease = Duration::from_secs(30);
    let claimed = store
        .claim_deliveries(&portal, now, lease, 500)
        .await
        .unwrap();
    assert!(!claimed.is_empty());
    assert!(claimed.windows(2).all(|w| w[0].outbox_id < w[1].outbox_id));
    let mut organisations: Vec<OrganisationId> = claimed.iter().map(|d| d.organisation).collect();
    organisations.sort();
    organisations.dedup();
    assert_eq!(organisations.len(), claimed.len(), "one per organisation");
    let head = claimed
        .iter()
        .find(|d| d.organisation == farm)
        .unwrap()
        .clone();
    let first_of_farm = farm_deliveries.iter().map(|d| d.outbox_id).min().unwrap();
    assert_eq!(head.outbox_id, first_of_farm);
    assert_eq!(head.subject, SyncSubject::Organisation);
    assert_eq!(head.attempts, 1, "a claim counts an attempt");
    // Claimed deliveries are leased: nothing of them, nor what queues behind them, comes back.
    assert!(
        store
            .claim_deliveries(&portal, now, lease, 500)
            .await
            .unwrap()
            .is_empty()
    );

    // Accepted but not yet confirmed: the farm's next change (its approval, another profile
    // change) becomes claimable, and holds back the rest in turn.
    let check_at = now + Duration::from_secs(60);
    let sent = store
        .record_delivery_outcome(
            head.id,
            &DeliveryOutcome::Accepted {
                remote_reference: Some("ToChuc-77".to_owned()),
                confirmed: false,
                check_at,
            },
        )
        .await
        .unwrap();
    assert_eq!(sent.status, SyncStatus::Sent);
    assert_eq!(sent.remote_reference.as_deref(), Some("ToChuc-77"));
    assert!(sent.sent_at.is_some() && sent.confirmed_at.is_none());
    let next = store
        .claim_deliveries(&portal, now, lease, 500)
        .await
        .unwrap();
    assert!(!next.is_empty());
    assert!(next.iter().all(|d| d.organisation == farm));
    let profile_at = next
        .iter()
        .position(|d| d.subject == SyncSubject::Organisation);
    assert!(
        profile_at.is_none_or(|at| at == next.len() - 1),
        "a pending profile change holds back what comes after it"
    );
    let second = next[0].clone();
    assert_eq!(
        Some(second.outbox_id),
        farm_deliveries
            .iter()
            .map(|d| d.outbox_id)
            .filter(|id| *id > head.outbox_id)
            .min()
    );

    // A transient refusal waits for its time.
    let reason = Bilingual::new(
        "Cổng quốc gia trả lời 503",
        "the national portal answered 503",
    );
    let waiting = store
        .record_delivery_outcome(
            second.id,
            &DeliveryOutcome::Retry {
                reason: reason.clone(),
                retry_at: now + Duration::from_secs(120),
            },
        )
        .await
        .unwrap();
    assert_eq!(waiting.status, SyncStatus::Pending);
    assert_eq!(waiting.reason.as_ref(), Some(&reason));
    assert!(
        store
            .claim_deliveries(&portal, now, lease, 500)
            .await
            .unwrap()
            .is_empty()
    );
    // Once due, it comes back with a second attempt, and the sent head comes up for its check.
    let later = now + Duration::from_secs(121);
    let due = store
        .claim_deliveries(&portal, later, lease, 500)
        .await
        .unwrap();
    let due_farm: Vec<i64> = due
        .iter()
        .filter(|d| d.organisation == farm)
        .map(|d| d.id)
        .collect();
    assert_eq!(due_farm[..2], [head.id, second.id]);
    let again = due.iter().find(|d| d.id == second.id).unwrap();
    assert_eq!(again.attempts, 2);
    // Other organisations' claims from the first round were never recorded: their leases end.
    let others: Vec<i64> = claimed
        .iter()
        .filter(|d| d.organisation != farm)
        .map(|d| d.id)
        .collect();
    assert!(others.iter().all(|id| due.iter().any(|d| d.id == *id)));

    let confirmed = store
        .record_delivery_outcome(
            head.id,
            &DeliveryOutcome::Accepted {
                remote_reference: None,
                confirmed: true,
                check_at: later,
            },
        )
        .await
        .unwrap();
    assert_eq!(confirmed.status, SyncStatus::Confirmed);
    assert_eq!(
        confirmed.remote_reference.as_deref(),
        Some("ToChuc-77"),
        "a check keeps the reference"
    );
    assert!(confirmed.confirmed_at.is_some());

    // A refusal a person must fix: failed, with its reason, until someone retries it.
    let refused = Bilingual::new(
        "Sản phẩm chưa có ảnh truy cập công khai",
        "the product has no publicly reachable image",
    );
    let failed = store
        .record_delivery_outcome(
            second.id,
            &DeliveryOutcome::Failed {
                reason: refused.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(failed.status, SyncStatus::Failed);
    assert_eq!(failed.reason.as_ref(), Some(&refused));
    let officer = Actor::Cli;
    match store.retry_delivery(head.id, officer).await {
        Err(StoreError::Conflict { what, detail }) => {
            assert_eq!(what, "sync delivery");
            assert!(detail.contains("confirmed"), "{detail}");
        }
        other => panic!("retrying a confirmed delivery: {other:?}"),
    }
    assert!(matches!(
        store.retry_delivery(i64::MAX, officer).await,
        Err(StoreError::NotFound { .. })
    ));
    let retried = store.retry_delivery(second.id, officer).await.unwrap();
    assert_eq!(retried.status, SyncStatus::Pending);
    assert_eq!(retried.attempts, 0);
    assert!(retried.reason.is_none());
    let audit = store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::SyncRetry),
            entity_id: Some(second.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].organisation, Some(farm));
    assert_eq!(store.sync_delivery(second.id).await.unwrap(), retried);

    let totals = store.sync_totals().await.unwrap();
    let count = |target: &TargetName, status: SyncStatus| {
        totals
            .iter()
            .find(|t| &t.target == target && t.status == status)
            .map_or(0, |t| t.count)
    };
    assert_eq!(count(&portal, SyncStatus::Confirmed), 1);
    assert_eq!(count(&portal, SyncStatus::Failed), 0);
    assert_eq!(
        SyncStatus::ALL
            .iter()
            .map(|status| count(&portal, *status))
            .sum::<u64>(),
        everything
    );
    assert_eq!(count(&buyer, SyncStatus::Pending), events_only);

    // A new capture is in the outbox at once, as one run for its owner.
    store
        .append_events(&[
            event(
                farm,
                990_101,
                EventType::ObjectEvent,
                Some(Action::Observe),
                STORE,
                &[],
            ),
            event(
                farm,
                990_102,
                EventType::ObjectEvent,
                Some(Action::Observe),
                STORE,
                &[],
            ),
        ])
        .await
        .unwrap();
    assert_eq!(store.outbox_backlog(&buyer).await.unwrap(), 1);
    assert_eq!(
        store
            .fan_out(&buyer, &[SubjectKind::Events], &[farm], 10)
            .await
            .unwrap(),
        1
    );
    let newest = store
        .list_deliveries(&DeliveryQuery {
            limit: 1,
            ..all_of(&buyer, None)
        })
        .await
        .unwrap();
    match newest[0].subject {
        SyncSubject::Events { first, last } => assert_eq!(last - first, 1),
        subject => panic!("expected a run of events, got {subject:?}"),
    }
    // A target limited to other organisations passes over the farm's capture.
    store
        .append_events(&[event(
            farm,
            990_103,
            EventType::ObjectEvent,
            Some(Action::Observe),
            STORE,
            &[],
        )])
        .await
        .unwrap();
    assert_eq!(
        store
            .fan_out(&buyer, &[SubjectKind::Events], &[other], 10)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.outbox_backlog(&buyer).await.unwrap(), 0);
}
