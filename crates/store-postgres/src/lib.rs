//! The [`Store`] on PostgreSQL: the production back end, shared by stateless `nguon serve`
//! replicas.
//!
//! Connecting fails fast: an unreachable or refusing server is reported after at most
//! [`CONNECT_TIMEOUT`] with the real reason, instead of the pool's generic time-out.
//! Writes that read before they write lock the organisation row with `SELECT … FOR UPDATE`, so
//! the check and the write see the same state.

#![warn(missing_docs)]

mod accounts;
mod api;
mod backup;
mod chain;
mod error;
mod events;
mod outreach;
mod partners;
mod plan;
mod privacy;
mod quality;
mod recalls;
mod registry;
mod resolver;
mod scratch;
mod stamps;
mod subscriptions;
mod sync;

pub use backup::{dump, restore};
pub use scratch::ScratchDatabase;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use nguon_domain::{
    Access, Actor, Address, AuditAction, AuditQuery, Email, NewSession, NewUser, PasswordHash,
    Session, SessionId, User, UserId, UserStatus,
};
use nguon_domain::{
    ApiKey, ApiKeyId, ApprovalStatus, CaptureJob, CaptureJobId, EventId, EventQuery,
    IdentifierRole, NewApiKey, NewCaptureJob, NewEvent, NewOrganisation, Organisation,
    OrganisationId, Owners, StoredEvent, TraceDirection, VocabularyElement,
};
use nguon_domain::{
    EventCursor, NamedQuery, NewNamedQuery, NewSubscription, QueryName, Subscription,
    SubscriptionId,
};
use nguon_gs1::CompanyPrefix;
use nguon_store::{
    AppendOutcome, EventPage, EventResource, OrganisationColumns, OrganisationFilter,
    OrganisationPage, OrganisationQuery, OrganisationRecord, PostgresUrl, Store, StoreError,
    company_prefix_candidates, now_utc,
};
use nguon_store::{AuditPage, no_such_query, no_such_subscription, no_such_user, snapshot};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::accounts::{UserChange, insert_audit};
use crate::error::store_error;

/// The migrations in `migrations/`, embedded at compile time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// How long opening the first connection may take before the server counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a caller waits for a pooled connection, so `/readyz` answers while the server is down.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per `nguon serve` process; replicas multiply it, so keep well under the server's
/// `max_connections` (100 by default).
const MAX_CONNECTIONS: u32 = 10;

/// The columns of `organisations` in the order [`record_from_row`] reads them; a macro so it can
/// be spliced into `&'static str` queries with `concat!`.
macro_rules! organisation_columns {
    () => {
        "id, kind, name, tax_code, status, created_at, updated_at, address"
    };
}

/// A [`Store`] backed by a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects, checking the server answers within [`CONNECT_TIMEOUT`], and brings the schema up
    /// to date. Errors name the problem in one line ("connection refused", "password
    /// authentication failed for user …", "database … does not exist").
    pub async fn open(url: &PostgresUrl) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(store_error)?
            .application_name("nguon");
        // The pool retries a refused connection until its time-out and then reports only the
        // time-out; one direct attempt first surfaces the real reason.
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "no answer from the server within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ))
            })?
            .map_err(store_error)?;
        probe.close().await.map_err(store_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations that the database has not seen yet, then chains the
    /// events captured before the chain existed and folds the names of organisations registered
    /// before names were kept folded for search. Safe to repeat.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(error::migrate_error)?;
        self.backfill_chains().await?;
        let unfolded = sqlx::query("SELECT id, name FROM organisations WHERE search_name = ''")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        for row in unfolded {
            let id: Uuid = row.try_get("id").map_err(store_error)?;
            let name: String = row.try_get("name").map_err(store_error)?;
            sqlx::query("UPDATE organisations SET search_name = $1 WHERE id = $2")
                .bind(nguon_domain::fold_for_search(&name))
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        // VACUUM as well: it sets the visibility map, without which index-only scans read the
        // table too. Autovacuum does the same on a server that runs it; VACUUM refuses to run in
        // a transaction, which the simple query protocol of `raw_sql` does not open.
        sqlx::raw_sql("VACUUM (ANALYZE)")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn create_organisation(
        &self,
        new: &NewOrganisation,
        actor: Actor,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.write().await?;
        let organisation = insert_organisation(&mut tx, new, actor).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(organisation)
    }

    async fn create_organisations(
        &self,
        batch: &[(NewOrganisation, Vec<CompanyPrefix>)],
        actor: Actor,
    ) -> Result<Vec<Organisation>, StoreError> {
        let mut tx = self.write().await?;
        let mut created = Vec::with_capacity(batch.len());
        for (new, prefixes) in batch {
            let mut organisation = insert_organisation(&mut tx, new, actor).await?;
            for prefix in prefixes {
                if !organisation.company_prefixes.contains(prefix) {
                    organisation =
                        insert_company_prefix(&mut tx, &organisation, prefix, actor).await?;
                }
            }
            created.push(organisation);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(created)
    }

    async fn organisation(&self, id: OrganisationId) -> Result<Organisation, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        fetch_organisation(&mut conn, id).await
    }

    async fn search_organisations(
        &self,
        query: &OrganisationQuery,
        filter: &OrganisationFilter,
    ) -> Result<OrganisationPage, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let mut sql = QueryBuilder::<Postgres>::new(concat!(
            "SELECT ",
            organisation_columns!(),
            " FROM organisations WHERE 1 = 1"
        ));
        if let Some(status) = query.status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(kind) = filter.kind {
            sql.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(commune) = filter.commune {
            sql.push(" AND commune = ")
                .push_bind(commune.as_str().to_owned());
        }
        if let Some(pattern) = filter.text_pattern() {
            sql.push(" AND (search_name LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR tax_code LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        if let Some(after) = query.after {
            sql.push(" AND id > ").push_bind(after.as_uuid());
        }
        sql.push(" ORDER BY id LIMIT ")
            .push_bind(query.fetch_limit());
        let rows = sql
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        let records = rows
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<Uuid> = records.iter().map(|record| record.id).collect();
        let mut prefixes = prefixes_of(&mut conn, &ids).await?;
        let organisations = records
            .into_iter()
            .map(|record| {
                let own = prefixes.remove(&record.id).unwrap_or_default();
                record.into_organisation(own)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(query.page(organisations))
    }

    async fn set_organisation_status(
        &self,
        id: OrganisationId,
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.write().await?;
        lock_organisation(&mut tx, id).await?;
        let current = fetch_organisation(&mut tx, id).await?;
        // Dropping `tx` on an error rolls back; nothing was written yet anyway.
        current.status.change_to(status)?;
        sqlx::query("UPDATE organisations SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now_utc())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let updated = fetch_organisation(&mut tx, id).await?;
        let entry = snapshot::organisation_change(
            actor,
            AuditAction::ApprovalStatus,
            Some(&current),
            &updated,
        );
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(updated)
    }

    async fn set_organisation_address(
        &self,
        id: OrganisationId,
        address: Option<&Address>,
        actor: Actor,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.write().await?;
        lock_organisation(&mut tx, id).await?;
        let current = fetch_organisation(&mut tx, id).await?;
        let columns = OrganisationColumns::of(current.name.as_str(), address)?;
        sqlx::query(
            "UPDATE organisations SET address = $1, commune = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(columns.address)
        .bind(columns.commune)
        .bind(now_utc())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let updated = fetch_organisation(&mut tx, id).await?;
        let entry = snapshot::organisation_change(
            actor,
            AuditAction::OrganisationAddress,
            Some(&current),
            &updated,
        );
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(updated)
    }

    async fn add_company_prefix(
        &self,
        id: OrganisationId,
        prefix: &CompanyPrefix,
        actor: Actor,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.write().await?;
        lock_organisation(&mut tx, id).await?;
        let organisation = fetch_organisation(&mut tx, id).await?;
        if organisation.company_prefixes.contains(prefix) {
            return Ok(organisation);
        }
        let updated = insert_company_prefix(&mut tx, &organisation, prefix, actor).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(updated)
    }

    async fn organisation_for_key(
        &self,
        digits: &str,
    ) -> Result<Option<(Organisation, CompanyPrefix)>, StoreError> {
        let candidates = company_prefix_candidates(digits);
        if candidates.is_empty() {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT prefix, organisation_id FROM organisation_company_prefixes WHERE prefix IN (",
        );
        let mut list = sql.separated(", ");
        for candidate in candidates {
            list.push_bind(candidate.to_owned());
        }
        // The candidates all start `digits`, so the longest match is simply the longest prefix.
        sql.push(") ORDER BY length(prefix) DESC LIMIT 1");
        let Some(row) = sql
            .build()
            .fetch_optional(&mut *conn)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let prefix: String = row.try_get("prefix").map_err(store_error)?;
        let owner: Uuid = row.try_get("organisation_id").map_err(store_error)?;
        let owner = OrganisationId::from_uuid(owner).map_err(|e| {
            StoreError::Internal(format!(
                "company prefix {prefix} has an invalid owner id: {e}"
            ))
        })?;
        let organisation = fetch_organisation(&mut conn, owner).await?;
        let prefix = CompanyPrefix::parse(&prefix).map_err(|e| {
            StoreError::Internal(format!("stored company prefix {prefix:?} is invalid: {e}"))
        })?;
        Ok(Some((organisation, prefix)))
    }

    async fn append_events(&self, events: &[NewEvent]) -> Result<time::OffsetDateTime, StoreError> {
        self.append(events).await
    }

    async fn event(
        &self,
        owner: OrganisationId,
        event_id: &EventId,
    ) -> Result<StoredEvent, StoreError> {
        self.find_event(owner, event_id).await
    }

    async fn events_with_identifier(
        &self,
        identifier: &str,
        roles: &[IdentifierRole],
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.find_events_with_identifier(identifier, roles, limit)
            .await
    }

    async fn events_naming_any(
        &self,
        identifiers: &[String],
        limit_each: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.find_events_naming_any(identifiers, limit_each).await
    }

    async fn linked_identifiers(
        &self,
        start: &str,
        direction: TraceDirection,
        max_depth: u32,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        self.find_linked_identifiers(start, direction, max_depth, limit)
            .await
    }

    async fn events_after(
        &self,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.find_events_after(after_sequence, limit).await
    }

    async fn append_events_skipping_conflicts(
        &self,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        self.append_skipping(events).await
    }

    async fn query_events(&self, query: &EventQuery) -> Result<EventPage, StoreError> {
        self.query(query).await
    }

    async fn event_resource_values(
        &self,
        owners: &Owners,
        resource: EventResource,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        self.resource_values(owners, resource, after, limit).await
    }

    async fn create_api_key(&self, new: &NewApiKey, actor: Actor) -> Result<ApiKey, StoreError> {
        self.insert_api_key(new, actor).await
    }

    async fn api_key_by_token_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<ApiKey>, StoreError> {
        self.find_api_key(token_hash).await
    }

    async fn list_api_keys(&self, owner: OrganisationId) -> Result<Vec<ApiKey>, StoreError> {
        self.api_keys_of(owner).await
    }

    async fn revoke_api_key(&self, id: ApiKeyId, actor: Actor) -> Result<ApiKey, StoreError> {
        self.revoke_key(id, actor).await
    }

    async fn create_capture_job(&self, new: &NewCaptureJob) -> Result<CaptureJob, StoreError> {
        self.insert_capture_job(new).await
    }

    async fn finish_capture_job(
        &self,
        id: CaptureJobId,
        success: bool,
        captured_count: u32,
        errors: &[String],
    ) -> Result<CaptureJob, StoreError> {
        self.finish_job(id, success, captured_count, errors).await
    }

    async fn capture_job(
        &self,
        owner: Option<OrganisationId>,
        id: CaptureJobId,
    ) -> Result<CaptureJob, StoreError> {
        self.job(owner, id).await
    }

    async fn list_capture_jobs(
        &self,
        owner: Option<OrganisationId>,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        self.jobs(owner, after, limit).await
    }

    async fn fail_interrupted_capture_jobs(&self, reason: &str) -> Result<u64, StoreError> {
        self.fail_running_jobs(reason).await
    }

    async fn upsert_master_data(
        &self,
        owner: OrganisationId,
        vocabulary: &[VocabularyElement],
    ) -> Result<(), StoreError> {
        self.upsert_vocabulary(owner, vocabulary).await
    }

    async fn master_data_element(
        &self,
        owner: Option<OrganisationId>,
        vocabulary_type: &str,
        id: &str,
    ) -> Result<Option<VocabularyElement>, StoreError> {
        self.vocabulary_element(owner, vocabulary_type, id).await
    }

    async fn create_named_query(&self, new: &NewNamedQuery) -> Result<NamedQuery, StoreError> {
        self.insert_named_query(new).await
    }

    async fn named_query(
        &self,
        owner: OrganisationId,
        name: &QueryName,
    ) -> Result<NamedQuery, StoreError> {
        self.find_named_queries(owner, Some(name))
            .await?
            .pop()
            .ok_or_else(|| no_such_query(name))
    }

    async fn list_named_queries(
        &self,
        owner: OrganisationId,
    ) -> Result<Vec<NamedQuery>, StoreError> {
        self.find_named_queries(owner, None).await
    }

    async fn delete_named_query(
        &self,
        owner: OrganisationId,
        name: &QueryName,
    ) -> Result<(), StoreError> {
        self.remove_named_query(owner, name).await
    }

    async fn create_subscription(&self, new: &NewSubscription) -> Result<Subscription, StoreError> {
        self.insert_subscription(new).await
    }

    async fn subscription(
        &self,
        owner: Option<OrganisationId>,
        id: SubscriptionId,
    ) -> Result<Subscription, StoreError> {
        self.find_subscriptions(owner, None, Some(id))
            .await?
            .pop()
            .ok_or_else(|| no_such_subscription(id))
    }

    async fn list_subscriptions(
        &self,
        owner: Option<OrganisationId>,
        query_name: Option<&QueryName>,
    ) -> Result<Vec<Subscription>, StoreError> {
        self.find_subscriptions(owner, query_name, None).await
    }

    async fn delete_subscription(
        &self,
        owner: OrganisationId,
        id: SubscriptionId,
    ) -> Result<(), StoreError> {
        self.remove_subscription(owner, id).await
    }

    async fn advance_subscription(
        &self,
        id: SubscriptionId,
        delivered: Option<EventCursor>,
        notified_at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.move_subscription_cursor(id, delivered, notified_at)
            .await
    }

    async fn record_subscription_failure(
        &self,
        id: SubscriptionId,
        error: &str,
    ) -> Result<(), StoreError> {
        self.note_subscription_failure(id, error).await
    }

    async fn create_user(&self, new: &NewUser, actor: Actor) -> Result<User, StoreError> {
        self.insert_user(new, actor).await
    }

    async fn user(&self, id: UserId) -> Result<User, StoreError> {
        self.find_user(Some(id), None)
            .await?
            .ok_or_else(|| no_such_user(id))
    }

    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.find_user(None, Some(email)).await
    }

    async fn list_users(
        &self,
        organisation: Option<OrganisationId>,
    ) -> Result<Vec<User>, StoreError> {
        self.users_of(organisation).await
    }

    async fn set_user_access(
        &self,
        id: UserId,
        access: Access,
        actor: Actor,
    ) -> Result<User, StoreError> {
        self.change_user(
            id,
            actor,
            AuditAction::UserAccess,
            UserChange::Access(access),
        )
        .await
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        actor: Actor,
    ) -> Result<User, StoreError> {
        self.change_user(
            id,
            actor,
            AuditAction::UserStatus,
            UserChange::Status(status),
        )
        .await
    }

    async fn set_user_password(
        &self,
        id: UserId,
        password_hash: &PasswordHash,
        keep: Option<SessionId>,
        actor: Actor,
    ) -> Result<User, StoreError> {
        let change = UserChange::Password(password_hash, keep);
        self.change_user(id, actor, AuditAction::UserPassword, change)
            .await
    }

    async fn create_session(&self, new: &NewSession) -> Result<Session, StoreError> {
        self.insert_session(new).await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<Session>, StoreError> {
        self.find_session(token_hash).await
    }

    async fn touch_session(
        &self,
        id: SessionId,
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.mark_session_seen(id, at).await
    }

    async fn revoke_session(&self, id: SessionId, actor: Actor) -> Result<Session, StoreError> {
        self.end_session(id, actor).await
    }

    async fn revoke_user_sessions(&self, user: UserId, actor: Actor) -> Result<u64, StoreError> {
        self.end_user_sessions(user, actor).await
    }

    async fn search_audit_log(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        self.audit_page(query).await
    }
}

/// Locks the organisation's row until the transaction ends, so a concurrent status change or
/// prefix registration for it waits instead of deciding on a stale read. `NotFound` if absent.
async fn lock_organisation(conn: &mut PgConnection, id: OrganisationId) -> Result<(), StoreError> {
    sqlx::query("SELECT id FROM organisations WHERE id = $1 FOR UPDATE")
        .bind(id.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound {
            what: "organisation",
            id: id.to_string(),
        })
}

/// Inserts a new organisation, pending, with its audit entry, inside the caller's transaction.
async fn insert_organisation(
    conn: &mut PgConnection,
    new: &NewOrganisation,
    actor: Actor,
) -> Result<Organisation, StoreError> {
    let id = OrganisationId::generate();
    let now = now_utc();
    let status = ApprovalStatus::Pending;
    let columns = OrganisationColumns::of(new.name().as_str(), new.address())?;
    sqlx::query(
        "INSERT INTO organisations (id, kind, name, tax_code, status, created_at, updated_at, \
         address, commune, search_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.as_uuid())
    .bind(new.kind().as_str())
    .bind(new.name().as_str())
    .bind(new.tax_code().as_str())
    .bind(status.as_str())
    .bind(now)
    .bind(now)
    .bind(columns.address)
    .bind(columns.commune)
    .bind(columns.search_name)
    .execute(&mut *conn)
    .await
    .map_err(|error| match error {
        // The id is fresh, so the only unique column that can collide is the tax code.
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::tax_code_taken(),
        other => store_error(other),
    })?;
    let organisation = Organisation {
        id,
        kind: new.kind(),
        name: new.name().clone(),
        tax_code: new.tax_code().clone(),
        status,
        created_at: now,
        updated_at: now,
        company_prefixes: Vec::new(),
        address: new.address().cloned(),
    };
    let entry =
        snapshot::organisation_change(actor, AuditAction::OrganisationCreate, None, &organisation);
    insert_audit(conn, &entry).await?;
    Ok(organisation)
}

/// Registers `prefix` to `organisation`, with its audit entry, inside the caller's transaction;
/// returns the organisation with its prefixes. A prefix held by anyone is a conflict.
async fn insert_company_prefix(
    conn: &mut PgConnection,
    organisation: &Organisation,
    prefix: &CompanyPrefix,
    actor: Actor,
) -> Result<Organisation, StoreError> {
    let now = now_utc();
    sqlx::query(
        "INSERT INTO organisation_company_prefixes (prefix, organisation_id, created_at) \
         VALUES ($1, $2, $3)",
    )
    .bind(prefix.as_str())
    .bind(organisation.id.as_uuid())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|error| match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::company_prefix_taken(prefix)
        }
        other => store_error(other),
    })?;
    sqlx::query("UPDATE organisations SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(organisation.id.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    let updated = fetch_organisation(conn, organisation.id).await?;
    let entry = snapshot::organisation_change(
        actor,
        AuditAction::CompanyPrefixAdd,
        Some(organisation),
        &updated,
    );
    insert_audit(conn, &entry).await?;
    Ok(updated)
}

/// Reads one organisation with its prefixes, or `NotFound`.
async fn fetch_organisation(
    conn: &mut PgConnection,
    id: OrganisationId,
) -> Result<Organisation, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        organisation_columns!(),
        " FROM organisations WHERE id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?
    .ok_or_else(|| StoreError::NotFound {
        what: "organisation",
        id: id.to_string(),
    })?;
    let record = record_from_row(&row)?;
    let mut prefixes = prefixes_of(conn, &[record.id]).await?;
    let own = prefixes.remove(&record.id).unwrap_or_default();
    record.into_organisation(own)
}

/// Loads the company prefixes of the organisations `ids` in one query, each list in ascending
/// order.
async fn prefixes_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
    let mut prefixes: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(prefixes);
    }
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT organisation_id, prefix FROM organisation_company_prefixes \
         WHERE organisation_id IN (",
    );
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    sql.push(") ORDER BY prefix");
    let rows = sql
        .build()
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    for row in rows {
        let owner: Uuid = row.try_get("organisation_id").map_err(store_error)?;
        let prefix: String = row.try_get("prefix").map_err(store_error)?;
        prefixes.entry(owner).or_default().push(prefix);
    }
    Ok(prefixes)
}

fn record_from_row(row: &PgRow) -> Result<OrganisationRecord, StoreError> {
    Ok(OrganisationRecord {
        id: row.try_get("id").map_err(store_error)?,
        kind: row.try_get("kind").map_err(store_error)?,
        name: row.try_get("name").map_err(store_error)?,
        tax_code: row.try_get("tax_code").map_err(store_error)?,
        status: row.try_get("status").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
        address: row.try_get("address").map_err(store_error)?,
    })
}
