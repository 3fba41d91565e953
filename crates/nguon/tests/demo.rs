//! `nguon demo --no-serve` builds the demo province into a temporary SQLite file; the file is
//! then read back through the store: the registry's counts and places, every stored event read
//! back as valid EPCIS, each chain traced back to its origin, the checks' single deliberate
//! error, and the printed sign-ins.

use std::collections::BTreeSet;
use std::process::Command;

use async_trait::async_trait;
use nguon_domain::{
    AdminUnits, ApprovalStatus, EventQuery, FacilityDetails, OrganisationKind, ProductDetails,
    QualitySection, ScanSignal, ScanThresholds, StampState, flag,
};
use nguon_store::{OrganisationQuery, QualityStore, RecordQuery, Registry, StampStore, Store};
use nguon_store_sqlite::SqliteStore;
use nguon_trace::checks::{Rule, Severity, Tolerances};
use nguon_trace::quality;
use nguon_trace::{Direction, EventSource, Identifier, IdentifierKind, Limits};
use time::{Duration, OffsetDateTime};

/// What `nguon demo` printed: the sign-ins (role, email, password) and each chain with its end
/// and origin lots.
struct Printed {
    logins: Vec<(String, String, String)>,
    traces: Vec<(String, String, String)>,
}

fn parse(stdout: &str) -> Printed {
    let mut printed = Printed {
        logins: Vec::new(),
        traces: Vec::new(),
    };
    for line in stdout.lines().filter(|line| line.starts_with("  ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [chain, end, "<-", origin] => {
                printed
                    .traces
                    .push((chain.to_string(), end.to_string(), origin.to_string()))
            }
            [role, email, password] => {
                printed
                    .logins
                    .push((role.to_string(), email.to_string(), password.to_string()))
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    printed
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_province_is_complete_consistent_and_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let output = Command::new(env!("CARGO_BIN_EXE_nguon"))
        .current_dir(dir.path())
        .args(["demo", "--no-serve", "--database"])
        .arg(&file)
        .output()
        .expect("run nguon demo");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "nguon demo failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{stdout}");
    let printed = parse(&stdout);

    // A second run refuses to replace the file.
    let again = Command::new(env!("CARGO_BIN_EXE_nguon"))
        .args(["demo", "--no-serve", "--database"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));

    let store = SqliteStore::open(&file).await.unwrap();

    let organisations = store
        .list_organisations(&OrganisationQuery {
            limit: OrganisationQuery::MAX_LIMIT,
            ..OrganisationQuery::default()
        })
        .await
        .unwrap()
        .organisations;
    assert!(
        organisations.len() >= 55,
        "{} organisations",
        organisations.len()
    );
    let kinds: BTreeSet<&str> = organisations.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(
        kinds.len(),
        OrganisationKind::ALL.len(),
        "every kind: {kinds:?}"
    );
    let pending = organisations
        .iter()
        .filter(|o| o.status == ApprovalStatus::Pending)
        .count();
    assert!((3..=12).contains(&pending), "{pending} pending");
    assert!(
        organisations.iter().all(|o| o
            .address
            .as_ref()
            .is_some_and(|a| a.province().as_str() == "96")),
        "every organisation has an address in a current commune of Cà Mau"
    );
    assert!(
        organisations
            .iter()
            .filter(|o| o.kind != OrganisationKind::Household)
            .all(|o| o
                .company_prefixes
                .iter()
                .any(|p| p.as_str().starts_with("893"))),
        "every enterprise, cooperative and agency holds an 893 prefix"
    );

    let all = RecordQuery {
        limit: 0,
        ..RecordQuery::default()
    };
    let products = store.list::<ProductDetails>(&all).await.unwrap();
    let chains: BTreeSet<String> = products
        .iter()
        .filter_map(|p| p.details.chain.clone())
        .collect();
    assert_eq!(chains.len(), 8, "products of every chain: {chains:?}");

    let facilities = store.list::<FacilityDetails>(&all).await.unwrap();
    assert!(facilities.len() >= 55, "{} facilities", facilities.len());
    let units = AdminUnits::embedded();
    for facility in &facilities {
        let address = facility.details.address.as_ref().expect("an address");
        let (_, province) = units.commune(address.commune()).unwrap();
        assert_eq!(province.code().as_str(), "96", "{}", facility.details.name);
        let district = address.legacy_district().expect("the old district is kept");
        assert_eq!(
            units.legacy_district(district).unwrap().province().as_str(),
            "95"
        );
        let centre = facility
            .details
            .geometry
            .as_ref()
            .expect("located")
            .centre();
        assert!((9.05..=9.6).contains(&centre.latitude()), "{centre:?}");
        assert!((105.3..=105.85).contains(&centre.longitude()), "{centre:?}");
    }
    assert!(
        facilities
            .iter()
            .filter(|f| matches!(f.details.geometry, Some(nguon_domain::Geometry::Polygon(_))))
            .count()
            >= 40,
        "ponds and fields are outlined"
    );

    let events = store
        .query_events(&EventQuery {
            limit: 1_000,
            ..EventQuery::new(None)
        })
        .await
        .unwrap()
        .events;
    assert!(events.len() >= 50, "{} events", events.len());
    for event in &events {
        nguon_epcis::json_ld::read_event(&event.document)
            .unwrap_or_else(|issues| panic!("{}: {issues:?}", event.event_id));
    }

    assert_eq!(printed.traces.len(), 8);
    let mut errors = Vec::new();
    let mut end_lots = Vec::new();
    for (chain, end, origin) in &printed.traces {
        let end = Identifier::parse(end).unwrap();
        let origin = Identifier::parse(origin).unwrap();
        walks_read_ahead_as_level_by_level(&store, &end).await;
        walks_read_ahead_as_level_by_level(&store, &origin).await;
        let back = nguon_trace::trace(&store, &end, Direction::Back, Limits::default())
            .await
            .unwrap()
            .expect("the end lot has events");
        assert!(
            back.nodes.iter().any(|node| node.identifier == origin),
            "{chain}: the trace back from {end:?} does not reach {origin:?}"
        );
        // A chain ending in a pallet (SSCC) is scored on the lot packed into it.
        let end_lot = back
            .nodes
            .iter()
            .map(|node| &node.identifier)
            .find(|identifier| identifier.kind() == IdentifierKind::Lot)
            .unwrap_or_else(|| panic!("{chain}: no lot behind {end:?}"))
            .clone();
        end_lots.push((chain.clone(), end_lot));
        let checked =
            nguon_trace::checks::run(&store, &end, Limits::default(), &Tolerances::default())
                .await
                .unwrap()
                .unwrap();
        errors.extend(
            checked
                .findings
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| (chain.clone(), f)),
        );
    }
    assert_eq!(
        errors.len(),
        1,
        "exactly the deliberate finding: {errors:#?}"
    );
    assert_eq!(errors[0].0, "vegetables");
    assert_eq!(errors[0].1.rule, Rule::WithdrawalPeriod);

    // Stamps: activated runs on the chains' retail lots, and scans that raise each kind of
    // signal the demo plants: a copied stamp, one seen in three countries, a forged serial.
    let runs = store.list_stamp_runs(None, 100).await.unwrap();
    assert!(runs.len() >= 2, "{runs:?}");
    assert!(runs.iter().all(|r| r.state == StampState::Active));
    let tallies = store
        .scan_tallies(None, OffsetDateTime::now_utc() - Duration::days(1))
        .await
        .unwrap();
    let signals: BTreeSet<&str> = flag(&tallies, &ScanThresholds::default())
        .iter()
        .flat_map(|f| f.signals.iter().map(ScanSignal::name))
        .collect();
    assert_eq!(
        signals,
        BTreeSet::from(["over_threshold", "spread_in_place", "unknown_serial"])
    );

    // Every chain's last lot has a stored score; the deliberate withdrawal finding costs the
    // vegetables lot the points of an error, and no other lot loses points to an error.
    for (chain, end) in &end_lots {
        let quality = store
            .lot_quality(end.as_str())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{chain}: {end:?} has no stored score"));
        let errors: Vec<_> = quality
            .score
            .section(QualitySection::Findings)
            .filter(|line| line.deduction == quality::ERROR_FINDING)
            .map(|line| line.code.as_str())
            .collect();
        if chain == "vegetables" {
            assert_eq!(errors, ["safety.withdrawal_period"], "{quality:#?}");
            assert!(quality.score.score <= 100 - quality::ERROR_FINDING);
        } else {
            assert!(errors.is_empty(), "{chain}: {quality:#?}");
        }
    }

    let roles: BTreeSet<&str> = printed.logins.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(
        roles,
        BTreeSet::from(["inspector", "org_admin", "org_staff", "province_admin"])
    );
    for (_, email, password) in &printed.logins {
        let user = store
            .user_by_email(&nguon_domain::Email::parse(email).unwrap())
            .await
            .unwrap()
            .expect("the account exists");
        assert!(
            nguon_web::password::verify(password.clone(), Some(user.password_hash.clone())).await
        );
        assert!(
            !nguon_web::password::verify(format!("{password}x"), Some(user.password_hash)).await
        );
    }
    store.close().await;
}

/// The store without its link index: a walk through it reads level by level.
struct LevelByLevel<'a>(&'a SqliteStore);

#[async_trait]
impl EventSource for LevelByLevel<'_> {
    async fn events_naming(
        &self,
        identifier: &str,
    ) -> Result<Vec<nguon_domain::StoredEvent>, nguon_store::StoreError> {
        self.0.events_naming(identifier).await
    }

    async fn events_naming_any(
        &self,
        identifiers: &[Identifier],
    ) -> Result<Vec<nguon_domain::StoredEvent>, nguon_store::StoreError> {
        EventSource::events_naming_any(self.0, identifiers).await
    }
}

/// Both walks from `start`, whole and cut at a few nodes, are the same read ahead through the
/// link index as read level by level.
async fn walks_read_ahead_as_level_by_level(store: &SqliteStore, start: &Identifier) {
    let cut = Limits {
        max_nodes: 3,
        max_depth: u32::MAX,
    };
    let shallow = Limits {
        max_nodes: 10_000,
        max_depth: 1,
    };
    for direction in [Direction::Back, Direction::Forward] {
        for limits in [Limits::default(), cut, shallow] {
            let ahead = nguon_trace::trace(store, start, direction, limits)
                .await
                .unwrap();
            let level_by_level = nguon_trace::trace(&LevelByLevel(store), start, direction, limits)
                .await
                .unwrap();
            assert_eq!(
                ahead, level_by_level,
                "{direction:?} from {start:?}, {limits:?}"
            );
        }
    }
}
