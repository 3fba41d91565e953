//! One story that walks every `Store` method in the order a province would use them. It runs on a
//! fresh SQLite file always, and on a fresh PostgreSQL database when `NGUON_TEST_DATABASE_URL`
//! points at a server where it may create databases (CI sets it and must not skip).

use std::io::Write;
use std::sync::Arc;

use nguon_domain::{
    Action, DomainError, EventHash, EventId, EventType, IdentifierRole, NewEvent, NewOrganisation,
    Organisation, OrganisationId, OrganisationKind, OrganisationName, OrganisationStatus,
    StoredEvent, TaxCode,
};
use nguon_gs1::CompanyPrefix;
use nguon_store::{DatabaseUrl, OrganisationQuery, Store, StoreError};
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;

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
        .create_organisation(&new(
            OrganisationKind::Cooperative,
            "HTX Nuôi tôm sinh thái Tân Hưng (Cà Mau)",
            "2001234567",
        ))
        .await
        .expect("register the cooperative");
    assert_eq!(cooperative.status, OrganisationStatus::Pending);
    assert_eq!(cooperative.created_at, cooperative.updated_at);
    assert!(cooperative.company_prefixes.is_empty());

    let processor = store
        .create_organisation(&new(
            OrganisationKind::Enterprise,
            "Công ty TNHH Chế biến Thủy sản Sông Đốc",
            "2009876543",
        ))
        .await
        .expect("register the processor");
    let household = store
        .create_organisation(&new(
            OrganisationKind::Household,
            "Hộ ông Nguyễn Văn Tư",
            "096085001234",
        ))
        .await
        .expect("register the household");
    let province = store
        .create_organisation(&new(
            OrganisationKind::Agency,
            "Sở Khoa học và Công nghệ tỉnh Cà Mau",
            "2000100001",
        ))
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
        .create_organisation(&new(
            OrganisationKind::Enterprise,
            "Công ty trùng mã số thuế",
            "2009876543",
        ))
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
        .set_organisation_status(processor.id, OrganisationStatus::Suspended)
        .await
        .expect("suspend the processor");
    assert_eq!(suspended.status, OrganisationStatus::Suspended);
    let refused = store
        .set_organisation_status(processor.id, OrganisationStatus::Pending)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Domain(DomainError::StatusTransition {
                from: OrganisationStatus::Suspended,
                to: OrganisationStatus::Pending
            })
        ),
        "{refused:?}"
    );
    assert_eq!(store.organisation(processor.id).await.unwrap(), suspended);
    let again = store
        .set_organisation_status(cooperative.id, OrganisationStatus::Approved)
        .await
        .unwrap_err();
    assert!(matches!(
        again,
        StoreError::Domain(DomainError::StatusTransition { .. })
    ));
    let no_one = store
        .set_organisation_status(stranger, OrganisationStatus::Approved)
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
            .create_organisation(&new(
                OrganisationKind::Cooperative,
                &format!("HTX Muối Long Điền {}", number + 1),
                code,
            ))
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
        .add_company_prefix(province.id, &province_prefix)
        .await
        .expect("province prefix");
    let cooperative = store
        .add_company_prefix(cooperative.id, &cooperative_prefix)
        .await
        .expect("cooperative prefix");
    assert_eq!(
        cooperative.company_prefixes,
        std::slice::from_ref(&cooperative_prefix)
    );
    let processor = store
        .add_company_prefix(processor.id, &processor_prefix)
        .await
        .expect("processor prefix");
    let processor = store
        .add_company_prefix(processor.id, &prefix("89345680"))
        .await
        .expect("processor's second prefix");
    assert_eq!(
        processor.company_prefixes,
        [prefix("8934567"), prefix("89345680")],
        "prefixes come back in ascending order"
    );

    // Registering the same prefix twice for the same organisation changes nothing.
    let repeated = store
        .add_company_prefix(cooperative.id, &cooperative_prefix)
        .await
        .expect("same prefix, same organisation");
    assert_eq!(repeated, cooperative);

    // Another organisation cannot take it.
    let taken = store
        .add_company_prefix(processor.id, &cooperative_prefix)
        .await
        .unwrap_err();
    assert!(
        matches!(&taken, StoreError::Conflict { what: "company prefix", detail } if detail.contains("893600123")),
        "{taken:?}"
    );
    let nobody = store
        .add_company_prefix(stranger, &prefix("8939999"))
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
                .create_organisation(&new(
                    OrganisationKind::Cooperative,
                    &format!("HTX Tôm lúa số {}", number + 1),
                    code,
                ))
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

    let approved = page_through(&store, Some(OrganisationStatus::Approved), 2).await;
    let expected: Vec<OrganisationId> = [cooperative.id, processor.id, province.id]
        .into_iter()
        .chain(contested.iter().copied())
        .collect();
    assert_eq!(approved, expected);
    let pending = page_through(&store, Some(OrganisationStatus::Pending), 1).await;
    assert_eq!(pending[0], household.id);
    assert_eq!(pending.len(), 4);
    assert!(
        page_through(&store, Some(OrganisationStatus::Suspended), 2)
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

    // Shutting down: once closed, the store says it is unavailable instead of hanging.
    store.close().await;
    let closed = store.ping().await.unwrap_err();
    assert!(matches!(closed, StoreError::Unavailable(_)), "{closed:?}");
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
        document: format!(r#"{{"type":"{event_type}","eventID":"{event_id}"}}"#),
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

fn prefix(digits: &str) -> CompanyPrefix {
    CompanyPrefix::parse(digits).unwrap()
}

async fn approve(store: &Arc<dyn Store>, id: OrganisationId) -> Organisation {
    let approved = store
        .set_organisation_status(id, OrganisationStatus::Approved)
        .await
        .expect("approve");
    assert_eq!(approved.status, OrganisationStatus::Approved);
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
                    .set_organisation_status(id, OrganisationStatus::Approved)
                    .await
            })
        })
        .collect();
    let mut approvals = 0;
    for task in tasks {
        match task.await.expect("approval task") {
            Ok(organisation) => {
                assert_eq!(organisation.status, OrganisationStatus::Approved);
                approvals += 1;
            }
            Err(StoreError::Domain(DomainError::StatusTransition { from, to })) => {
                assert_eq!(
                    (from, to),
                    (OrganisationStatus::Approved, OrganisationStatus::Approved)
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
    status: Option<OrganisationStatus>,
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
