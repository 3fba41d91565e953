//! The [`Store`] on SQLite: one database file, the default for a provincial pilot on one machine.
//!
//! The file is opened in WAL mode with `synchronous=NORMAL`: readers never block the writer, and a
//! commit costs no fsync (a power cut may lose the last commits, never corrupt the file).
//! Writes that read before they write use `BEGIN IMMEDIATE`, so the write lock is taken up front
//! and two writers queue on `busy_timeout` instead of failing on a lock upgrade.

#![warn(missing_docs)]

mod accounts;
mod api;
mod backup;
mod chain;
mod direct;
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
mod stamps;
mod subscriptions;
mod sync;

use std::collections::HashMap;
use std::path::Path;
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
    OrganisationPage, OrganisationQuery, OrganisationRecord, Store, StoreError,
    company_prefix_candidates, now_utc,
};
use nguon_store::{AuditPage, no_such_query, no_such_subscription, no_such_user, snapshot};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite};
use uuid::Uuid;

use crate::accounts::{UserChange, insert_audit};
pub use crate::backup::restore_file;
use crate::error::{prepare_file, store_error};

/// The migrations in `migrations/`, embedded at compile time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a pooled connection may be handed out: not when it is stuck inside a transaction.
/// SQLite rolls a transaction back by itself when a write fails for a full disk (or I/O); the
/// driver's own `ROLLBACK` then fails, its count of open transactions stays at one, and every
/// later `BEGIN` on that connection would be refused. Such a connection is closed instead. A
/// rollback still queued from a dropped transaction is let through first (the ping waits behind
/// it).
async fn out_of_transaction(connection: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    if connection.is_in_transaction() {
        connection.ping().await?;
    }
    Ok(!connection.is_in_transaction())
}

/// How long a caller waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows `ANALYZE` samples per index, the value the SQLite manual recommends.
const ANALYSIS_LIMIT: u32 = 400;

/// SQLite has one writer at a time; a few connections are enough for concurrent readers, and more
/// would only queue on the write lock.
const MAX_CONNECTIONS: u32 = 4;

/// The columns of `organisations` in the order [`record_from_row`] reads them; a macro so it can
/// be spliced into `&'static str` queries with `concat!`.
macro_rules! organisation_columns {
    () => {
        "id, kind, name, tax_code, status, created_at, updated_at, address"
    };
}

/// A [`Store`] backed by one SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database file, creating it if missing, and brings its schema up to date.
    ///
    /// The directory must exist. Errors name the problem in one line (missing directory,
    /// unwritable location, a schema newer than this program).
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        prepare_file(path).await?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Query planning needs table statistics: without them SQLite prefers the index that
            // avoids a sort over the one that matches a selective filter (bizStep, readPoint…).
            // ANALYZE reads at most ANALYSIS_LIMIT rows per index, so it stays cheap at any size.
            .analysis_limit(ANALYSIS_LIMIT)
            .optimize_on_close(true, None)
            // A capture batch is one multi-row INSERT per table inside a transaction; each
            // statement keeps a statement journal, which by default is a temporary file.
            .pragma("temp_store", "memory")
            // Checkpoint the WAL every 32 MiB instead of every 4 MiB: a capture batch of a
            // thousand events dirties pages across a dozen indexes, and copying them back to
            // the database four times as often was a tenth of the capture time.
            .pragma("wal_autocheckpoint", "8192");
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .before_acquire(|connection, _| Box::pin(out_of_transaction(connection)))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        let store = Self { pool };
        store.migrate().await?;
        // What SQLite recommends when a long-lived connection opens: gather the statistics that
        // are missing or stale (new indexes from a migration, a table that has grown).
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&store.pool)
            .await
            .map_err(store_error)?;
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
            sqlx::query("UPDATE organisations SET search_name = ? WHERE id = ?")
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
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE")
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
        let mut sql = QueryBuilder::<Sqlite>::new(concat!(
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
        let current = fetch_organisation(&mut tx, id).await?;
        // Dropping `tx` on an error rolls back; nothing was written yet anyway.
        current.status.change_to(status)?;
        sqlx::query("UPDATE organisations SET status = ?, updated_at = ? WHERE id = ?")
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
        let current = fetch_organisation(&mut tx, id).await?;
        let columns = OrganisationColumns::of(current.name.as_str(), address)?;
        sqlx::query(
            "UPDATE organisations SET address = ?, commune = ?, updated_at = ? WHERE id = ?",
        )
        .bind(columns.address.as_ref().map(|address| address.to_string()))
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
        let mut sql = QueryBuilder::<Sqlite>::new(
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

/// Inserts a new organisation, pending, with its audit entry, inside the caller's transaction.
async fn insert_organisation(
    conn: &mut SqliteConnection,
    new: &NewOrganisation,
    actor: Actor,
) -> Result<Organisation, StoreError> {
    let id = OrganisationId::generate();
    let now = now_utc();
    let status = ApprovalStatus::Pending;
    let columns = OrganisationColumns::of(new.name().as_str(), new.address())?;
    sqlx::query(
        "INSERT INTO organisations (id, kind, name, tax_code, status, created_at, updated_at, \
         address, commune, search_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.as_uuid())
    .bind(new.kind().as_str())
    .bind(new.name().as_str())
    .bind(new.tax_code().as_str())
    .bind(status.as_str())
    .bind(now)
    .bind(now)
    .bind(columns.address.as_ref().map(|address| address.to_string()))
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
    conn: &mut SqliteConnection,
    organisation: &Organisation,
    prefix: &CompanyPrefix,
    actor: Actor,
) -> Result<Organisation, StoreError> {
    let now = now_utc();
    sqlx::query(
        "INSERT INTO organisation_company_prefixes (prefix, organisation_id, created_at) \
         VALUES (?, ?, ?)",
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
    sqlx::query("UPDATE organisations SET updated_at = ? WHERE id = ?")
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
    conn: &mut SqliteConnection,
    id: OrganisationId,
) -> Result<Organisation, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        organisation_columns!(),
        " FROM organisations WHERE id = ?"
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
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
    let mut prefixes: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(prefixes);
    }
    let mut sql = QueryBuilder::<Sqlite>::new(
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

fn record_from_row(row: &SqliteRow) -> Result<OrganisationRecord, StoreError> {
    Ok(OrganisationRecord {
        id: row.try_get("id").map_err(store_error)?,
        kind: row.try_get("kind").map_err(store_error)?,
        name: row.try_get("name").map_err(store_error)?,
        tax_code: row.try_get("tax_code").map_err(store_error)?,
        status: row.try_get("status").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
        address: row
            .try_get::<Option<String>, _>("address")
            .map_err(store_error)?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|error| {
                StoreError::Internal(format!("a stored address is not JSON: {error}"))
            })?,
    })
}
