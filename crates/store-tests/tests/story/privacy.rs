//! The story's personal-data chapter: a household's consent statements and their withdrawal,
//! its erasure (pseudonymised record and users, events untouched, irreversible), the
//! data-subject export and the households past retention.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use nguon_domain::{
    Access, Action, Actor, Address, AdminUnits, ApprovalStatus, AuditAction, AuditQuery,
    ConsentBasis, DomainError, Email, ErasureReason, EventType, FacilityDetails, FacilityKind,
    IdentifierRole, NewConsent, NewUser, OrganisationKind, PasswordHash, PersonName, PersonalField,
    RecordName, RetentionPolicy, Role, UserStatus,
};
use nguon_gs1::Gln;
use nguon_store::{Registry, Store, StoreError, personal_data_export, retention_due};
use time::Duration;

use super::{event, new};

/// The household's pond: where its one event happens.
const POND_GLN: &str = "8934673090018";

/// Consent, export, erasure and retention, over households of their own.
pub async fn privacy_chapter(store: &Arc<dyn Store>) {
    let units = AdminUnits::embedded();
    let province = units.provinces()[0].code();
    let commune = units.communes_of(province).unwrap()[0].code();
    let household = store
        .create_organisation(
            &new(
                OrganisationKind::Household,
                "Hộ bà Lê Thị Muối",
                "096185004321",
            )
            .with_address(Address::new(units, "Ấp Tân Hưng, số 12", commune).unwrap()),
            Actor::Cli,
        )
        .await
        .expect("register the household");
    let enterprise = store
        .create_organisation(
            &new(
                OrganisationKind::Enterprise,
                "Công ty Muối Bạc Liêu",
                "2009000001",
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    let member = store
        .create_user(
            &NewUser {
                email: Email::parse("muoi@example.vn").unwrap(),
                name: Some(PersonName::parse("Lê Thị Muối").unwrap()),
                access: Access::new(Role::OrgAdmin, Some(household.id)).unwrap(),
                password_hash: PasswordHash::parse("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hp")
                    .unwrap(),
            },
            Actor::Cli,
        )
        .await
        .unwrap();

    // No statement yet: nothing is published.
    assert_eq!(store.current_consent(household.id).await.unwrap(), None);

    // The household consents to its name and address, then withdraws its address: two
    // statements, the newest current, each audited under the household.
    let basis = |text| ConsentBasis::parse(text).unwrap();
    let fields = |list: &[PersonalField]| list.iter().copied().collect::<BTreeSet<_>>();
    let given = store
        .record_consent(
            &NewConsent::new(
                &household,
                fields(&[PersonalField::Name, PersonalField::Address]),
                basis("Phiếu đồng ý số 12/2026, ký ngày 10/01/2026"),
            )
            .unwrap(),
            Actor::User(member.id),
        )
        .await
        .expect("record the consent");
    assert_eq!(given.recorded_by, Actor::User(member.id));
    let narrowed = store
        .record_consent(
            &NewConsent::new(
                &household,
                fields(&[PersonalField::Name]),
                basis("Rút đồng ý công bố địa chỉ"),
            )
            .unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap();
    assert_eq!(
        store.consents(household.id).await.unwrap(),
        [narrowed.clone(), given.clone()],
        "newest first, nothing overwritten"
    );
    assert_eq!(
        store.current_consent(household.id).await.unwrap(),
        Some(narrowed.clone())
    );
    let audited = store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::ConsentRecord),
            organisation: Some(household.id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audited.entries.len(), 2);
    assert_eq!(
        audited.entries[0].after.as_ref().unwrap()["fields"],
        serde_json::json!(["name"])
    );

    // A consent statement for an organisation that does not exist changes nothing.
    let mut stray = NewConsent::new(&household, BTreeSet::new(), basis("x")).unwrap();
    stray.organisation = nguon_domain::OrganisationId::generate();
    assert!(matches!(
        store.record_consent(&stray, Actor::Cli).await,
        Err(StoreError::NotFound { .. })
    ));

    // The household's pond and one event there, by the household.
    let pond = FacilityDetails::new(
        FacilityKind::Pond,
        RecordName::parse("name", "Ao nhà bà Muối").unwrap(),
        Gln::parse(POND_GLN).unwrap(),
    );
    store
        .register(
            Some(household.id),
            &pond,
            ApprovalStatus::Approved,
            Actor::Cli,
        )
        .await
        .unwrap();
    let location = format!("https://id.gs1.org/414/{POND_GLN}");
    let harvest = event(
        household.id,
        9_001,
        EventType::ObjectEvent,
        Some(Action::Observe),
        &location,
        &[(
            IdentifierRole::Epc,
            "https://id.gs1.org/01/08934673000012/10/MUOI1",
        )],
    );
    store
        .append_events(std::slice::from_ref(&harvest))
        .await
        .unwrap();
    let before = store.event(household.id, &harvest.event_id).await.unwrap();

    // The data-subject export holds the record, the user, both statements, the audit entries
    // and the pond's event.
    let export = personal_data_export(&**store, household.id).await.unwrap();
    assert_eq!(export["organisation"]["name"], "Hộ bà Lê Thị Muối");
    assert_eq!(export["organisation"]["tax_code"], "096185004321");
    assert_eq!(export["users"][0]["email"], "muoi@example.vn");
    assert!(
        !export["users"][0].to_string().contains("argon2"),
        "no password hash"
    );
    assert_eq!(export["consents"].as_array().unwrap().len(), 2);
    assert!(export["audit_entries"].as_array().unwrap().len() >= 4);
    assert_eq!(export["facilities"][0]["events"]["count"], 1);
    assert_eq!(
        export["facilities"][0]["events"]["ids"][0],
        harvest.event_id.to_string()
    );
    assert_eq!(export["events_captured"], 1);
    assert_eq!(export["erasure"], serde_json::Value::Null);
    let legal_body = personal_data_export(&**store, enterprise.id).await.unwrap();
    assert_eq!(legal_body["organisation"]["tax_code"], "2009000001");
    assert_eq!(legal_body["consents"], serde_json::json!([]));

    // Erasure: only of a household, once.
    let refused = store
        .erase_personal_data(enterprise.id, ErasureReason::Request, Actor::Cli)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Domain(DomainError::NotAHousehold { .. })
        ),
        "{refused:?}"
    );
    let erasure = store
        .erase_personal_data(household.id, ErasureReason::Request, Actor::User(member.id))
        .await
        .expect("erase the household");
    assert_eq!((erasure.users, erasure.reason), (1, ErasureReason::Request));
    assert_eq!(
        store.erasure(household.id).await.unwrap(),
        Some(erasure.clone())
    );
    let erased = store.organisation(household.id).await.unwrap();
    assert!(
        erased.name.as_str().starts_with("Hộ sản xuất #"),
        "{erased:?}"
    );
    assert!(erased.tax_code.as_str().starts_with("000"));
    let address = erased.address.clone().unwrap();
    assert_eq!(address.street(), Address::NO_STREET);
    assert_eq!(address.commune(), commune);
    assert_eq!((erased.id, erased.status), (household.id, household.status));
    let user = store.user(member.id).await.unwrap();
    assert!(user.email.as_str().ends_with("@nguon.invalid"), "{user:?}");
    assert_eq!((user.name, user.status), (None, UserStatus::Disabled));
    assert_eq!(
        store
            .user_by_email(&Email::parse("muoi@example.vn").unwrap())
            .await
            .unwrap(),
        None
    );
    // The event, its hash and its place in the log are untouched.
    assert_eq!(
        store.event(household.id, &harvest.event_id).await.unwrap(),
        before
    );
    // A withdrawal closes the history, which stays.
    let consents = store.consents(household.id).await.unwrap();
    assert_eq!(consents.len(), 3);
    assert!(consents[0].fields.is_empty());
    assert_eq!(consents[1..], [narrowed, given]);
    // The erasure's audit entry names the fields, not the values they replaced.
    let entry = store
        .search_audit_log(&AuditQuery {
            action: Some(AuditAction::PersonalDataErase),
            organisation: Some(household.id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let text = serde_json::to_string(&entry.entries[0].after).unwrap();
    assert!(text.contains("organisation.tax_code") && text.contains("Hộ sản xuất #"));
    assert!(
        !text.contains("Lê Thị Muối") && !text.contains("Tân Hưng"),
        "{text}"
    );
    // Irreversible: neither a second erasure nor a new consent.
    for refused in [
        store
            .erase_personal_data(household.id, ErasureReason::Request, Actor::Cli)
            .await
            .map(|_| ()),
        store
            .record_consent(
                &NewConsent::new(&erased, fields(&[PersonalField::Name]), basis("again")).unwrap(),
                Actor::Cli,
            )
            .await
            .map(|_| ()),
    ] {
        assert!(
            matches!(&refused, Err(StoreError::Conflict { what: "organisation", detail }) if detail.contains("irreversible")),
            "{refused:?}"
        );
    }
    let export = personal_data_export(&**store, household.id).await.unwrap();
    assert_eq!(export["erasure"]["reason"], "request");
    assert!(
        !export["organisation"].to_string().contains("Lê Thị Muối"),
        "{export}"
    );

    // Retention: a household registered today is due only once its period has passed with no
    // activity; an erased household never is; the household's last capture counts.
    let captures = store.last_capture_times().await.unwrap();
    assert_eq!(captures.get(&household.id), Some(&before.record_time));
    let idle = store
        .create_organisation(
            &new(
                OrganisationKind::Household,
                "Hộ ông Trần Văn Tám",
                "096185004322",
            ),
            Actor::Cli,
        )
        .await
        .unwrap();
    let policy = RetentionPolicy::new(730, BTreeMap::new()).unwrap();
    let now = nguon_store::now_utc();
    let due = retention_due(&**store, &policy, now).await.unwrap();
    assert!(!due.iter().any(|d| d.organisation.id == idle.id));
    let later = now + Duration::days(731);
    let due = retention_due(&**store, &policy, later).await.unwrap();
    let found = due
        .iter()
        .find(|d| d.organisation.id == idle.id)
        .expect("the idle household is due");
    assert_eq!((found.days, found.last_activity), (730, idle.updated_at));
    assert!(!due.iter().any(|d| d.organisation.id == household.id));
}
