//! The sync outbox on PostgreSQL. Claims take rows `FOR UPDATE SKIP LOCKED`, so two `nguon`
//! replicas never claim the same delivery; outbox writers take one transaction-level advisory
//! lock, so outbox ids commit in order and a target's cursor never passes a row that is still
//! to commit.

use std::time::Duration;

use async_trait::async_trait;
use nguon_domain::{
    Actor, DeliveryOutcome, OrganisationId, SubjectKind, SyncDelivery, SyncStatus, SyncSubject,
    SyncTotal, TargetName,
};
use nguon_store::{
    DELIVERY_SELECT, DeliveryQuery, DeliveryRow, OutcomeColumns, StoreError, SyncStore,
    no_such_delivery, not_failed, now_utc, retry_audit, subject_columns,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use time::OffsetDateTime;

use crate::PostgresStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// The advisory lock outbox writers hold until they commit (an arbitrary constant, "nguon" read in
/// base 36).
pub(crate) const OUTBOX_LOCK: i64 = 39_417_431;

#[async_trait]
impl SyncStore for PostgresStore {
    async fn fan_out(
        &self,
        target: &TargetName,
        kinds: &[SubjectKind],
        organisations: &[OrganisationId],
        limit: u32,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let cursor: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(last_outbox), 0) FROM sync_cursors WHERE target = $1",
        )
        .bind(target.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let upto: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM (SELECT id FROM sync_outbox WHERE id > $1 ORDER BY id LIMIT $2) AS next_rows",
        )
        .bind(cursor)
        .bind(i64::from(limit.max(1)))
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some(upto) = upto else {
            return Ok(0);
        };
        let now = now_utc();
        let added = if kinds.is_empty() {
            0
        } else {
            let mut sql = QueryBuilder::<Postgres>::new(
                "INSERT INTO sync_deliveries (target, outbox_id, organisation_id, subject_kind, \
                 status, attempts, next_attempt_at, idempotency_key, created_at, updated_at) \
                 SELECT ",
            );
            sql.push_bind(target.as_str())
                .push(", id, organisation_id, subject_kind, 'pending', 0, ")
                .push_bind(now)
                .push(", 'nguon-' || ")
                .push_bind(target.as_str())
                .push(" || '-' || id, ")
                .push_bind(now)
                .push(", ")
                .push_bind(now)
                .push(" FROM sync_outbox WHERE id > ")
                .push_bind(cursor)
                .push(" AND id <= ")
                .push_bind(upto)
                .push(" AND subject_kind IN (");
            let mut list = sql.separated(", ");
            for kind in kinds {
                list.push_bind(kind.as_str());
            }
            sql.push(")");
            if !organisations.is_empty() {
                sql.push(" AND organisation_id IN (");
                let mut list = sql.separated(", ");
                for organisation in organisations {
                    list.push_bind(organisation.as_uuid());
                }
                sql.push(")");
            }
            sql.push(" ORDER BY id");
            sql.build()
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected()
        };
        sqlx::query(
            "INSERT INTO sync_cursors (target, last_outbox) VALUES ($1, $2) \
             ON CONFLICT (target) DO UPDATE SET last_outbox = excluded.last_outbox",
        )
        .bind(target.as_str())
        .bind(upto)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(added)
    }

    async fn claim_deliveries(
        &self,
        target: &TargetName,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<SyncDelivery>, StoreError> {
        let mut tx = self.write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE sync_deliveries SET locked_until = $1, attempts = attempts + 1, updated_at = $2 \
             WHERE id IN (SELECT d.id FROM sync_deliveries d \
               WHERE d.target = $3 AND d.next_attempt_at <= $4 \
                 AND (d.locked_until IS NULL OR d.locked_until <= $5) \
                 AND (d.status = 'sent' OR (d.status = 'pending' AND NOT EXISTS ( \
                   SELECT 1 FROM sync_deliveries e WHERE e.target = d.target \
                     AND e.organisation_id = d.organisation_id AND e.status = 'pending' \
                     AND e.subject_kind = 'organisation' AND e.outbox_id < d.outbox_id))) \
               ORDER BY d.outbox_id LIMIT $6 FOR UPDATE OF d SKIP LOCKED) \
             RETURNING id",
        )
        .bind(now + lease)
        .bind(now)
        .bind(target.as_str())
        .bind(now)
        .bind(now)
        .bind(i64::from(limit.max(1)))
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            claimed.push(fetch(&mut tx, id).await?);
        }
        tx.commit().await.map_err(store_error)?;
        claimed.sort_by_key(|delivery| delivery.outbox_id);
        Ok(claimed)
    }

    async fn record_delivery_outcome(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
    ) -> Result<SyncDelivery, StoreError> {
        let mut tx = self.write().await?;
        let now = now_utc();
        let columns = OutcomeColumns::of(outcome, now);
        let updated = sqlx::query(
            "UPDATE sync_deliveries SET status = $1, next_attempt_at = $2, locked_until = NULL, \
             remote_reference = COALESCE($3, remote_reference), reason_vi = $4, reason_en = $5, \
             updated_at = $6, sent_at = CASE WHEN $7 THEN COALESCE(sent_at, $8) ELSE sent_at END, \
             confirmed_at = CASE WHEN $9 THEN $10 ELSE confirmed_at END WHERE id = $11",
        )
        .bind(columns.status.as_str())
        .bind(columns.next_attempt_at)
        .bind(columns.remote_reference)
        .bind(columns.reason.map(|reason| reason.vi.as_str()))
        .bind(columns.reason.map(|reason| reason.en.as_str()))
        .bind(now)
        .bind(columns.sent)
        .bind(now)
        .bind(columns.confirmed)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(no_such_delivery(id));
        }
        let delivery = fetch(&mut tx, id).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(delivery)
    }

    async fn retry_delivery(&self, id: i64, actor: Actor) -> Result<SyncDelivery, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch(&mut tx, id).await?;
        if before.status != SyncStatus::Failed {
            return Err(not_failed(&before));
        }
        let now = now_utc();
        sqlx::query(
            "UPDATE sync_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, \
             locked_until = NULL, reason_vi = NULL, reason_en = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let after = fetch(&mut tx, id).await?;
        insert_audit(&mut tx, &retry_audit(actor, &before, &after)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn sync_delivery(&self, id: i64) -> Result<SyncDelivery, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch(&mut connection, id).await
    }

    async fn list_deliveries(
        &self,
        query: &DeliveryQuery,
    ) -> Result<Vec<SyncDelivery>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(DELIVERY_SELECT);
        sql.push("WHERE 1 = 1");
        if let Some(target) = &query.target {
            sql.push(" AND d.target = ")
                .push_bind(target.as_str().to_owned());
        }
        if let Some(status) = query.status {
            sql.push(" AND d.status = ").push_bind(status.as_str());
        }
        if let Some(organisation) = query.organisation {
            sql.push(" AND d.organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        if let Some(before) = query.before {
            sql.push(" AND d.id < ").push_bind(before);
        }
        sql.push(" ORDER BY d.id DESC LIMIT ")
            .push_bind(query.fetch_limit());
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(delivery_of).collect()
    }

    async fn sync_totals(&self) -> Result<Vec<SyncTotal>, StoreError> {
        let rows: Vec<(String, String, i64, OffsetDateTime)> = sqlx::query_as(
            "SELECT target, status, COUNT(*), MIN(created_at) FROM sync_deliveries \
             GROUP BY target, status ORDER BY target, status",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|(target, status, count, oldest)| {
                let corrupt = |error: &dyn std::fmt::Display| {
                    StoreError::Internal(format!("sync totals: {error}"))
                };
                Ok(SyncTotal {
                    target: TargetName::parse(&target).map_err(|e| corrupt(&e))?,
                    status: SyncStatus::parse(&status).map_err(|e| corrupt(&e))?,
                    count: u64::try_from(count).unwrap_or_default(),
                    oldest,
                })
            })
            .collect()
    }

    async fn outbox_backlog(&self, target: &TargetName) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sync_outbox WHERE id > \
             COALESCE((SELECT last_outbox FROM sync_cursors WHERE target = $1), 0)",
        )
        .bind(target.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }
}

/// Adds an outbox row for `subject` of `organisation` inside the caller's transaction.
pub(crate) async fn insert_outbox(
    conn: &mut PgConnection,
    rows: &[(OrganisationId, SyncSubject)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(OUTBOX_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    let now = now_utc();
    let mut sql = QueryBuilder::<Postgres>::new(
        "INSERT INTO sync_outbox (organisation_id, subject_kind, record_id, first_sequence, \
         last_sequence, created_at) ",
    );
    sql.push_values(rows, |mut row, (organisation, subject)| {
        let (kind, record, first, last) = subject_columns(subject);
        row.push_bind(organisation.as_uuid())
            .push_bind(kind)
            .push_bind(record)
            .push_bind(first)
            .push_bind(last)
            .push_bind(now);
    });
    sql.build().execute(&mut *conn).await.map_err(store_error)?;
    Ok(())
}

/// One delivery, or `NotFound`.
async fn fetch(conn: &mut PgConnection, id: i64) -> Result<SyncDelivery, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new(DELIVERY_SELECT);
    sql.push("WHERE d.id = ").push_bind(id);
    let row = sql
        .build()
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_delivery(id))?;
    delivery_of(&row)
}

/// Reads one row of [`DELIVERY_SELECT`].
fn delivery_of(row: &PgRow) -> Result<SyncDelivery, StoreError> {
    let time = |index: usize| -> Result<Option<OffsetDateTime>, StoreError> {
        row.try_get::<Option<OffsetDateTime>, _>(index)
            .map_err(store_error)
    };
    let required = |index: usize| -> Result<OffsetDateTime, StoreError> {
        time(index)?
            .ok_or_else(|| StoreError::Internal(format!("sync delivery column {index} is NULL")))
    };
    DeliveryRow {
        id: row.try_get(0).map_err(store_error)?,
        target: row.try_get(1).map_err(store_error)?,
        outbox_id: row.try_get(2).map_err(store_error)?,
        organisation: row.try_get(3).map_err(store_error)?,
        subject_kind: row.try_get(4).map_err(store_error)?,
        record_id: row.try_get(5).map_err(store_error)?,
        first_sequence: row.try_get(6).map_err(store_error)?,
        last_sequence: row.try_get(7).map_err(store_error)?,
        status: row.try_get(8).map_err(store_error)?,
        attempts: row.try_get(9).map_err(store_error)?,
        next_attempt_at: required(10)?,
        idempotency_key: row.try_get(11).map_err(store_error)?,
        remote_reference: row.try_get(12).map_err(store_error)?,
        reason_vi: row.try_get(13).map_err(store_error)?,
        reason_en: row.try_get(14).map_err(store_error)?,
        created_at: required(15)?,
        sent_at: time(16)?,
        confirmed_at: time(17)?,
    }
    .into_delivery()
}
