//! Facilities, products and product groups on PostgreSQL: each change and its audit entry in one
//! transaction that locks the row first (`FOR UPDATE`), so two officers editing at once are
//! serialised and the status check sees the latest status.

use async_trait::async_trait;
use nguon_domain::{
    Actor, ApprovalStatus, AuditAction, Image, MediaId, OrganisationId, RecordId, RegistryKind,
};
use nguon_store::{
    RecordQuery, RecordRow, RecordWrite, RegistryStore, StoreError, image_audit,
    image_from_columns, no_such_image, no_such_record, now_utc, record_key_fixed, record_key_taken,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::PostgresStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// Every column [`row_of`] reads.
const SELECT_RECORDS: &str = "SELECT id, kind, organisation_id, key, status, body, created_at, \
     updated_at FROM registry_records ";

#[async_trait]
impl RegistryStore for PostgresStore {
    async fn insert_records(
        &self,
        organisation: Option<OrganisationId>,
        status: ApprovalStatus,
        writes: &[(RecordId, RecordWrite)],
        actor: Actor,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let mut tx = self.write().await?;
        let now = now_utc();
        let mut rows = Vec::with_capacity(writes.len());
        for (id, write) in writes {
            sqlx::query(
                "INSERT INTO registry_records \
                 (id, kind, organisation_id, key, name, status, body, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id.as_uuid())
            .bind(write.kind.as_str())
            .bind(organisation.map(|o| o.as_uuid()))
            .bind(&write.key)
            .bind(&write.name)
            .bind(status.as_str())
            .bind(&write.body)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|error| match error {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    record_key_taken(write.kind, &write.key)
                }
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::NotFound {
                        what: "organisation",
                        id: organisation.map(|o| o.to_string()).unwrap_or_default(),
                    }
                }
                other => store_error(other),
            })?;
            let row = fetch(&mut tx, write.kind, *id).await?;
            insert_audit(
                &mut tx,
                &row.audit(actor, AuditAction::RecordCreate(write.kind), None),
            )
            .await?;
            rows.push(row);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(rows)
    }

    async fn update_record(
        &self,
        id: RecordId,
        write: &RecordWrite,
        actor: Actor,
    ) -> Result<RecordRow, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch_for_update(&mut tx, write.kind, id).await?;
        if before.key != write.key {
            return Err(record_key_fixed(write.kind, &before.key, &write.key));
        }
        sqlx::query(
            "UPDATE registry_records SET name = $1, body = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(&write.name)
        .bind(&write.body)
        .bind(now_utc())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let after = fetch(&mut tx, write.kind, id).await?;
        insert_audit(
            &mut tx,
            &after.audit(actor, AuditAction::RecordUpdate(write.kind), Some(&before)),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn set_record_status(
        &self,
        kind: RegistryKind,
        id: RecordId,
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<RecordRow, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch_for_update(&mut tx, kind, id).await?;
        ApprovalStatus::parse(&before.status)?.change_to(status)?;
        sqlx::query("UPDATE registry_records SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now_utc())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let after = fetch(&mut tx, kind, id).await?;
        insert_audit(
            &mut tx,
            &after.audit(actor, AuditAction::RecordStatus(kind), Some(&before)),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn record(&self, kind: RegistryKind, id: RecordId) -> Result<RecordRow, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch(&mut connection, kind, id).await
    }

    async fn record_by_key(
        &self,
        kind: RegistryKind,
        key: &str,
    ) -> Result<Option<RecordRow>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_RECORDS);
        sql.push("WHERE kind = ")
            .push_bind(kind.as_str())
            .push(" AND key = ")
            .push_bind(key);
        let row = sql
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(row_of).transpose()
    }

    async fn list_records(
        &self,
        kind: RegistryKind,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_RECORDS);
        sql.push("WHERE kind = ").push_bind(kind.as_str());
        if let Some(organisation) = query.organisation {
            sql.push(" AND organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        if let Some(status) = query.status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(after) = query.after {
            sql.push(" AND id > ").push_bind(after.as_uuid());
        }
        sql.push(" ORDER BY id LIMIT ")
            .push_bind(query.fetch_limit());
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(row_of).collect()
    }

    async fn store_image(
        &self,
        organisation: OrganisationId,
        image: &Image,
        actor: Actor,
    ) -> Result<MediaId, StoreError> {
        let id = MediaId::generate();
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO media (id, organisation_id, media_type, bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_uuid())
        .bind(organisation.as_uuid())
        .bind(image.kind().media_type())
        .bind(image.bytes())
        .bind(now_utc())
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: organisation.to_string(),
            },
            other => store_error(other),
        })?;
        insert_audit(&mut tx, &image_audit(id, organisation, image, actor)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(id)
    }

    async fn image(&self, id: MediaId) -> Result<(OrganisationId, Image), StoreError> {
        let row = sqlx::query("SELECT organisation_id, media_type, bytes FROM media WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .ok_or_else(|| no_such_image(id))?;
        image_from_columns(
            id.as_uuid(),
            row.try_get::<Uuid, _>("organisation_id")
                .map_err(store_error)?,
            &row.try_get::<String, _>("media_type")
                .map_err(store_error)?,
            row.try_get("bytes").map_err(store_error)?,
        )
    }
}

/// One record of `kind`, or [`StoreError::NotFound`].
async fn fetch(
    connection: &mut PgConnection,
    kind: RegistryKind,
    id: RecordId,
) -> Result<RecordRow, StoreError> {
    fetch_where(connection, kind, id, "").await
}

/// One record of `kind`, locked until the transaction ends.
async fn fetch_for_update(
    connection: &mut PgConnection,
    kind: RegistryKind,
    id: RecordId,
) -> Result<RecordRow, StoreError> {
    fetch_where(connection, kind, id, " FOR UPDATE").await
}

async fn fetch_where(
    connection: &mut PgConnection,
    kind: RegistryKind,
    id: RecordId,
    lock: &str,
) -> Result<RecordRow, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new(SELECT_RECORDS);
    sql.push("WHERE kind = ")
        .push_bind(kind.as_str())
        .push(" AND id = ")
        .push_bind(id.as_uuid())
        .push(lock);
    let row = sql
        .build()
        .fetch_optional(&mut *connection)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_record(kind, id))?;
    row_of(&row)
}

fn row_of(row: &PgRow) -> Result<RecordRow, StoreError> {
    let id: Uuid = row.try_get("id").map_err(store_error)?;
    Ok(RecordRow {
        id,
        kind: row.try_get("kind").map_err(store_error)?,
        organisation: row.try_get("organisation_id").map_err(store_error)?,
        key: row.try_get("key").map_err(store_error)?,
        status: row.try_get("status").map_err(store_error)?,
        body: row.try_get("body").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
    })
}
