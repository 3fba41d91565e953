//! Recall records on SQLite: a recall and its lots are written in one transaction; a status
//! change is one conditional `UPDATE`, so two officers acting at once cannot both move it.

use async_trait::async_trait;
use nguon_domain::{
    ApiKeyId, NewRecall, OrganisationId, Recall, RecallId, RecallStatus, RecalledLot,
};
use nguon_store::{
    RecallRecord, RecallStore, RecalledLotRecord, StoreError, no_such_recall, now_utc,
    recall_status_conflict, recalls_page, status_columns,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::SqliteStore;
use crate::error::store_error;

/// Lots per `INSERT`: eight parameters each, far below SQLite's limit of 32,766.
const LOTS_PER_INSERT: usize = 1_000;

/// Every column [`recall_from_row`] reads, with the lot count.
const SELECT_RECALLS: &str = "SELECT r.id, r.reason, r.start_identifier, r.status, \
     r.created_at, r.created_by, r.notified_at, r.notified_by, r.closed_at, r.closed_by, \
     (SELECT count(*) FROM recall_lots l WHERE l.recall_id = r.id) AS lot_count \
     FROM recalls r ";

#[async_trait]
impl RecallStore for SqliteStore {
    async fn create_recall(&self, new: &NewRecall) -> Result<Recall, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO recalls (id, reason, start_identifier, status, created_at, created_by) \
             VALUES (?, ?, ?, 'open', ?, ?)",
        )
        .bind(new.id.as_uuid())
        .bind(new.reason.as_str())
        .bind(&new.start)
        .bind(now_utc())
        .bind(new.created_by.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                what: "recall id",
                detail: format!("{} is already used", new.id),
            },
            other => store_error(other),
        })?;
        for (chunk, lots) in new.lots.chunks(LOTS_PER_INSERT).enumerate() {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO recall_lots \
                 (recall_id, position, identifier, role, kind, organisation_id, quantity, uom) ",
            );
            sql.push_values(lots.iter().enumerate(), |mut row, (index, lot)| {
                row.push_bind(new.id.as_uuid())
                    .push_bind((chunk * LOTS_PER_INSERT + index) as i64)
                    .push_bind(&lot.identifier)
                    .push_bind(lot.role.as_str())
                    .push_bind(&lot.kind)
                    .push_bind(lot.organisation.map(|o| o.as_uuid()))
                    .push_bind(lot.quantity)
                    .push_bind(&lot.uom);
            });
            sql.build().execute(&mut *tx).await.map_err(lot_error)?;
        }
        let recall = fetch(&mut tx, new.id).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(recall)
    }

    async fn recall(&self, id: RecallId) -> Result<Recall, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch(&mut connection, id).await
    }

    async fn recall_lots(&self, id: RecallId) -> Result<Vec<RecalledLot>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        fetch(&mut tx, id).await?;
        let rows = sqlx::query(
            "SELECT identifier, role, kind, organisation_id, quantity, uom \
             FROM recall_lots WHERE recall_id = ? ORDER BY position",
        )
        .bind(id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        rows.iter().map(lot_from_row).collect()
    }

    async fn list_recalls(
        &self,
        status: Option<RecallStatus>,
        concerning: Option<OrganisationId>,
        limit: u32,
    ) -> Result<Vec<Recall>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_RECALLS);
        sql.push("WHERE TRUE");
        if let Some(status) = status {
            sql.push(" AND r.status = ").push_bind(status.as_str());
        }
        if let Some(organisation) = concerning {
            sql.push(
                " AND EXISTS (SELECT 1 FROM recall_lots l \
                 WHERE l.recall_id = r.id AND l.organisation_id = ",
            )
            .push_bind(organisation.as_uuid())
            .push(")");
        }
        sql.push(" ORDER BY r.id DESC LIMIT ")
            .push_bind(recalls_page(limit));
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(recall_from_row).collect()
    }

    async fn set_recall_status(
        &self,
        id: RecallId,
        status: RecallStatus,
        by: ApiKeyId,
    ) -> Result<Recall, StoreError> {
        let (Some(previous), Some((at, by_column))) = (status.previous(), status_columns(status))
        else {
            let current = self.recall(id).await?;
            return Err(recall_status_conflict(current.status, status));
        };
        let mut sql = QueryBuilder::<Sqlite>::new("UPDATE recalls SET status = ");
        sql.push_bind(status.as_str())
            .push(format_args!(", {at} = "))
            .push_bind(now_utc())
            .push(format_args!(", {by_column} = "))
            .push_bind(by.as_uuid())
            .push(" WHERE id = ")
            .push_bind(id.as_uuid())
            .push(" AND status = ")
            .push_bind(previous.as_str());
        let done = sql.build().execute(&self.pool).await.map_err(store_error)?;
        let current = self.recall(id).await?;
        if done.rows_affected() == 0 {
            return Err(recall_status_conflict(current.status, status));
        }
        Ok(current)
    }

    async fn active_recalls_naming(&self, identifier: &str) -> Result<Vec<Recall>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_RECALLS);
        sql.push(
            "WHERE r.status <> 'closed' AND r.id IN \
             (SELECT recall_id FROM recall_lots WHERE role = 'affected' AND identifier = ",
        )
        .push_bind(identifier)
        .push(") ORDER BY r.id DESC");
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(recall_from_row).collect()
    }
}

/// One recall, or [`StoreError::NotFound`].
async fn fetch(connection: &mut SqliteConnection, id: RecallId) -> Result<Recall, StoreError> {
    let mut sql = QueryBuilder::<Sqlite>::new(SELECT_RECALLS);
    sql.push("WHERE r.id = ").push_bind(id.as_uuid());
    let row = sql
        .build()
        .fetch_optional(&mut *connection)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_recall(id))?;
    recall_from_row(&row)
}

fn lot_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
            what: "organisation",
            id: "holding a recalled lot".to_owned(),
        },
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
            what: "recall lots",
            detail: "an identifier is named twice in the same role".to_owned(),
        },
        other => store_error(other),
    }
}

fn recall_from_row(row: &SqliteRow) -> Result<Recall, StoreError> {
    RecallRecord {
        id: row.try_get("id").map_err(store_error)?,
        reason: row.try_get("reason").map_err(store_error)?,
        start: row.try_get("start_identifier").map_err(store_error)?,
        status: row.try_get("status").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        created_by: row.try_get("created_by").map_err(store_error)?,
        notified_at: row.try_get("notified_at").map_err(store_error)?,
        notified_by: row.try_get("notified_by").map_err(store_error)?,
        closed_at: row.try_get("closed_at").map_err(store_error)?,
        closed_by: row.try_get("closed_by").map_err(store_error)?,
        lot_count: row.try_get("lot_count").map_err(store_error)?,
    }
    .into_recall()
}

fn lot_from_row(row: &SqliteRow) -> Result<RecalledLot, StoreError> {
    RecalledLotRecord {
        identifier: row.try_get("identifier").map_err(store_error)?,
        role: row.try_get("role").map_err(store_error)?,
        kind: row.try_get("kind").map_err(store_error)?,
        organisation_id: row.try_get("organisation_id").map_err(store_error)?,
        quantity: row.try_get("quantity").map_err(store_error)?,
        uom: row.try_get("uom").map_err(store_error)?,
    }
    .into_lot()
}
