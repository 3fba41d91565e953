//! The story's partner chapter: partner systems the province registers, their keys and capture
//! jobs, the grants organisations give and revoke, and queries over a set of owners.

use std::sync::Arc;

use nguon_domain::{
    Actor, ApiKeyScope, AuditAction, AuditQuery, CaptureErrorBehaviour, DomainError, EntityKind,
    EventQuery, GrantId, NewApiKey, NewCaptureJob, NewPartner, OrganisationId, Owners, PartnerId,
    PartnerKind, PartnerStatus, Permission,
};
use nguon_store::{EventResource, GrantFilter, Store, StoreError};

/// Partners and grants, then the owner sets a partner's reads use. Runs after the capture jobs
/// chapter, whose expectations about farm A's jobs are exact.
pub async fn partners_chapter(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    // The province registers a solution provider and an export buyer; names are unique.
    let provider = store
        .create_partner(
            &NewPartner::parse("TE-FOOD Việt Nam", "solution_provider", "ops@te-food.vn").unwrap(),
            Actor::Cli,
        )
        .await
        .expect("register the provider");
    assert_eq!(provider.kind, PartnerKind::SolutionProvider);
    assert_eq!(provider.status, PartnerStatus::Active);
    let buyer = store
        .create_partner(
            &NewPartner::parse("Ocean Buyer GmbH", "data_recipient", "+49 40 123").unwrap(),
            Actor::Cli,
        )
        .await
        .expect("register the buyer");
    let again = store
        .create_partner(
            &NewPartner::parse("TE-FOOD Việt Nam", "data_recipient", "x").unwrap(),
            Actor::Cli,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&again, StoreError::Conflict { what: "name", detail } if detail.contains("TE-FOOD Việt Nam")),
        "{again:?}"
    );
    assert_eq!(store.partner(provider.id).await.unwrap(), provider);
    assert_eq!(
        store.list_partners().await.unwrap(),
        [buyer.clone(), provider.clone()],
        "by name"
    );
    let nobody = PartnerId::generate();
    assert!(matches!(
        store.partner(nobody).await,
        Err(StoreError::NotFound {
            what: "partner",
            ..
        })
    ));

    // Partner keys: hashed like every key, found by hash, listed per partner.
    let key = |scope, byte: u8| NewApiKey {
        scope,
        label: "tích hợp".to_owned(),
        token_hash: [byte; 32],
    };
    let provider_key = store
        .create_api_key(&key(ApiKeyScope::Partner(provider.id), 0xF1), Actor::Cli)
        .await
        .expect("the provider's key");
    assert_eq!(
        store.api_key_by_token_hash(&[0xF1; 32]).await.unwrap(),
        Some(provider_key.clone())
    );
    assert_eq!(
        store.list_partner_api_keys(provider.id).await.unwrap(),
        std::slice::from_ref(&provider_key)
    );
    assert!(
        store
            .list_partner_api_keys(buyer.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store
            .create_api_key(&key(ApiKeyScope::Partner(nobody), 0xF2), Actor::Cli)
            .await,
        Err(StoreError::NotFound {
            what: "partner",
            ..
        })
    ));
    let revoked = store
        .revoke_api_key(provider_key.id, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(revoked.scope, ApiKeyScope::Partner(provider.id));
    assert!(revoked.revoked_at.is_some());

    // Grants: farm A lets the provider capture and read; hatchery B lets the buyer read.
    let grant = |organisation, partner, permission| {
        let store = Arc::clone(store);
        async move {
            store
                .create_grant(organisation, partner, permission, Actor::Cli)
                .await
        }
    };
    let a_capture = grant(a, provider.id, Permission::Capture).await.unwrap();
    assert_eq!(
        (
            a_capture.organisation,
            a_capture.partner,
            a_capture.permission
        ),
        (a, provider.id, Permission::Capture)
    );
    assert!(a_capture.is_live());
    let a_read = grant(a, provider.id, Permission::Read).await.unwrap();
    let b_read = grant(b, buyer.id, Permission::Read).await.unwrap();
    // Nothing twice, nothing a data recipient may not hold, nobody unknown.
    let twice = grant(a, provider.id, Permission::Read).await.unwrap_err();
    assert!(
        matches!(&twice, StoreError::Conflict { what: "permission", detail } if detail.contains("already holds read")),
        "{twice:?}"
    );
    let refused = grant(b, buyer.id, Permission::Capture).await.unwrap_err();
    assert!(
        matches!(
            &refused,
            StoreError::Domain(DomainError::CaptureNeedsSolutionProvider { partner })
                if partner == "Ocean Buyer GmbH"
        ),
        "{refused:?}"
    );
    assert!(matches!(
        grant(OrganisationId::generate(), provider.id, Permission::Read).await,
        Err(StoreError::NotFound {
            what: "organisation",
            ..
        })
    ));
    assert!(matches!(
        grant(a, nobody, Permission::Read).await,
        Err(StoreError::NotFound {
            what: "partner",
            ..
        })
    ));

    // What each partner may do, and for whom; nothing is implied.
    let granted = |organisation, partner, permission| {
        let store = Arc::clone(store);
        async move {
            store
                .is_granted(organisation, partner, permission)
                .await
                .unwrap()
        }
    };
    assert!(granted(a, provider.id, Permission::Capture).await);
    assert!(!granted(b, provider.id, Permission::Capture).await);
    assert!(!granted(a, buyer.id, Permission::Read).await);
    assert_eq!(
        store
            .granting_organisations(buyer.id, Permission::Read)
            .await
            .unwrap(),
        [b]
    );
    assert_eq!(
        store
            .list_grants(&GrantFilter {
                partner: Some(buyer.id),
                ..GrantFilter::default()
            })
            .await
            .unwrap(),
        [b_read]
    );

    // Revoking: only the organisation that gave a grant may revoke it; a second revocation
    // keeps the first time; granting again makes a new grant and keeps the old one.
    assert!(matches!(
        store.revoke_grant(b, a_capture.id, Actor::Cli).await,
        Err(StoreError::NotFound { what: "grant", .. })
    ));
    assert!(matches!(
        store.revoke_grant(a, GrantId::generate(), Actor::Cli).await,
        Err(StoreError::NotFound { what: "grant", .. })
    ));
    let revoked = store
        .revoke_grant(a, a_capture.id, Actor::Cli)
        .await
        .unwrap();
    assert!(!revoked.is_live());
    assert!(!granted(a, provider.id, Permission::Capture).await);
    assert!(
        granted(a, provider.id, Permission::Read).await,
        "read stays"
    );
    assert_eq!(
        store
            .revoke_grant(a, a_capture.id, Actor::Cli)
            .await
            .unwrap()
            .revoked_at,
        revoked.revoked_at
    );
    let regranted = grant(a, provider.id, Permission::Capture).await.unwrap();
    assert_ne!(regranted.id, a_capture.id);
    let history = store
        .list_grants(&GrantFilter {
            organisation: Some(a),
            ..GrantFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|g| g.id).collect::<Vec<_>>(),
        [regranted.id, a_read.id, a_capture.id],
        "newest first, the revoked one kept"
    );
    let live_for_provider = store
        .list_grants(&GrantFilter {
            partner: Some(provider.id),
            live_only: true,
            ..GrantFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        live_for_provider.iter().map(|g| g.id).collect::<Vec<_>>(),
        [regranted.id, a_read.id]
    );

    // Every grant and revocation is in the audit log, filed under the organisation.
    let audited = store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::Grant),
            organisation: Some(a),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        audited
            .entries
            .iter()
            .map(|entry| entry.action)
            .collect::<Vec<_>>(),
        [
            AuditAction::GrantCreate,
            AuditAction::GrantRevoke,
            AuditAction::GrantCreate,
            AuditAction::GrantCreate
        ]
    );
    assert_eq!(audited.entries[1].entity_id, a_capture.id.to_string());
    assert_eq!(
        audited.entries[1].after.as_ref().unwrap()["partner"],
        provider.id.to_string()
    );

    // The province suspends the buyer and reinstates it; asking twice writes once.
    let suspended = store
        .set_partner_status(buyer.id, PartnerStatus::Suspended, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(suspended.status, PartnerStatus::Suspended);
    store
        .set_partner_status(buyer.id, PartnerStatus::Suspended, Actor::Cli)
        .await
        .unwrap();
    store
        .set_partner_status(buyer.id, PartnerStatus::Active, Actor::Cli)
        .await
        .unwrap();
    let changes = store
        .search_audit_log(&AuditQuery {
            entity_kind: Some(EntityKind::Partner),
            entity_id: Some(buyer.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        changes
            .entries
            .iter()
            .map(|entry| entry.action)
            .collect::<Vec<_>>(),
        [
            AuditAction::PartnerStatus,
            AuditAction::PartnerStatus,
            AuditAction::PartnerCreate
        ]
    );

    // A capture job a partner sent for farm A is farm A's, and the partner lists its own.
    let job = store
        .create_capture_job(&NewCaptureJob {
            owner: a,
            partner: Some(provider.id),
            error_behaviour: CaptureErrorBehaviour::Rollback,
            event_count: 1,
        })
        .await
        .unwrap();
    assert_eq!(job.partner, Some(provider.id));
    assert_eq!(store.capture_job(Some(a), job.id).await.unwrap(), job);
    assert_eq!(
        store
            .list_partner_capture_jobs(provider.id, None, 10)
            .await
            .unwrap(),
        std::slice::from_ref(&job)
    );
    assert!(
        store
            .list_partner_capture_jobs(buyer.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .finish_capture_job(job.id, true, 0, &[])
        .await
        .unwrap();

    owner_sets(store, a, b).await;
}

/// Queries over a set of owners read exactly those owners' events and values: the union of each
/// alone, and nothing for an empty set.
async fn owner_sets(store: &Arc<dyn Store>, a: OrganisationId, b: OrganisationId) {
    let event_ids = |owners: Owners| {
        let store = Arc::clone(store);
        async move {
            let query = EventQuery {
                limit: 10_000,
                ..EventQuery::new(owners)
            };
            let page = store.query_events(&query).await.unwrap();
            assert_eq!(page.next, None, "one page holds the story's events");
            let mut found: Vec<String> = page
                .events
                .iter()
                .map(|event| event.event_id.to_string())
                .collect();
            found.sort();
            found
        }
    };
    let of_a = event_ids(Owners::Only(vec![a])).await;
    let of_b = event_ids(Owners::Only(vec![b])).await;
    assert!(!of_a.is_empty() && !of_b.is_empty());
    let mut union = [of_a.clone(), of_b.clone()].concat();
    union.sort();
    assert_eq!(event_ids(Owners::Only(vec![a, b])).await, union);
    assert_eq!(event_ids(Owners::Only(vec![b, a])).await, union);
    assert!(event_ids(Owners::Only(Vec::new())).await.is_empty());
    // One event by id: found in a set that holds its owner, not in one that does not.
    let by_id = |owners: Owners, event_id: String| {
        let store = Arc::clone(store);
        async move {
            let query = EventQuery {
                event_ids: Some(vec![event_id]),
                ..EventQuery::new(owners)
            };
            store.query_events(&query).await.unwrap().events.len()
        }
    };
    let only_a = of_a
        .iter()
        .find(|id| !of_b.contains(id))
        .expect("an event only farm A holds")
        .clone();
    assert_eq!(by_id(Owners::Only(vec![b, a]), only_a.clone()).await, 1);
    assert_eq!(by_id(Owners::Only(vec![b]), only_a).await, 0);

    let values = |owners: Owners, resource| {
        let store = Arc::clone(store);
        async move {
            store
                .event_resource_values(&owners, resource, None, 1_000)
                .await
                .unwrap()
        }
    };
    for resource in [
        EventResource::EventTypes,
        EventResource::Epcs,
        EventResource::BizSteps,
        EventResource::BizLocations,
    ] {
        let mut union = values(Owners::Only(vec![a]), resource).await;
        union.extend(values(Owners::Only(vec![b]), resource).await);
        union.sort();
        union.dedup();
        assert!(!union.is_empty(), "{resource:?}");
        assert_eq!(
            values(Owners::Only(vec![a, b]), resource).await,
            union,
            "{resource:?}"
        );
        assert!(values(Owners::Only(Vec::new()), resource).await.is_empty());
    }
}
