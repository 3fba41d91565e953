//! Lots' data-quality scores on PostgreSQL: one upsert per score, and the sums `/quality` shows.

use async_trait::async_trait;
use nguon_domain::{LotQuality, OrganisationId, OrganisationQuality};
use nguon_store::{
    LotQualityRecord, OrganisationQualityRecord, QualityStore, StoreError, breakdown_json,
    quality_page,
};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use crate::PostgresStore;
use crate::error::store_error;

/// Every column [`lot_from_row`] reads.
const SELECT_LOTS: &str =
    "SELECT identifier, organisation_id, breakdown, computed_at FROM lot_quality ";

#[async_trait]
impl QualityStore for PostgresStore {
    async fn save_lot_quality(&self, lot: &LotQuality) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO lot_quality (identifier, organisation_id, score, breakdown, computed_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (identifier) DO UPDATE SET organisation_id = excluded.organisation_id, \
             score = excluded.score, breakdown = excluded.breakdown, \
             computed_at = excluded.computed_at",
        )
        .bind(&lot.identifier)
        .bind(lot.organisation.map(|o| o.as_uuid()))
        .bind(i16::from(lot.score.score))
        .bind(breakdown_json(&lot.score)?)
        .bind(lot.computed_at)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: lot.organisation.map(|o| o.to_string()).unwrap_or_default(),
            },
            other => store_error(other),
        })?;
        tx.commit().await.map_err(store_error)
    }

    async fn lot_quality(&self, identifier: &str) -> Result<Option<LotQuality>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_LOTS);
        sql.push("WHERE identifier = ").push_bind(identifier);
        let row = sql
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(lot_from_row).transpose()
    }

    async fn lowest_lot_qualities(
        &self,
        organisation: Option<OrganisationId>,
        limit: u32,
    ) -> Result<Vec<LotQuality>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_LOTS);
        if let Some(organisation) = organisation {
            sql.push("WHERE organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        sql.push(" ORDER BY score, identifier LIMIT ")
            .push_bind(i64::from(quality_page(limit)));
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(lot_from_row).collect()
    }

    async fn quality_by_organisation(&self) -> Result<Vec<OrganisationQuality>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.organisation_id, count(*) AS lots, avg(q.score)::float8 AS mean, \
             min(q.score)::bigint AS lowest, min(q.computed_at) AS oldest, \
             (SELECT w.identifier FROM lot_quality w WHERE w.organisation_id IS NOT DISTINCT FROM q.organisation_id \
              ORDER BY w.score, w.identifier LIMIT 1) AS worst \
             FROM lot_quality q GROUP BY q.organisation_id ORDER BY mean, lowest",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                OrganisationQualityRecord {
                    organisation_id: row.try_get("organisation_id").map_err(store_error)?,
                    lots: row.try_get("lots").map_err(store_error)?,
                    mean: row.try_get("mean").map_err(store_error)?,
                    lowest: row.try_get("lowest").map_err(store_error)?,
                    worst: row.try_get("worst").map_err(store_error)?,
                    oldest: row.try_get("oldest").map_err(store_error)?,
                }
                .into_organisation_quality()
            })
            .collect()
    }

    async fn lot_identifiers(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query_scalar(
            "SELECT DISTINCT identifier FROM event_identifiers \
             WHERE identifier > $1 AND role IN ('epc_class', 'input_class', 'output_class') \
             AND identifier LIKE '%/10/%' ORDER BY identifier LIMIT $2",
        )
        .bind(after.unwrap_or(""))
        .bind(i64::from(quality_page(limit)))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows)
    }
}

fn lot_from_row(row: &PgRow) -> Result<LotQuality, StoreError> {
    LotQualityRecord {
        identifier: row.try_get("identifier").map_err(store_error)?,
        organisation_id: row.try_get("organisation_id").map_err(store_error)?,
        breakdown: row.try_get("breakdown").map_err(store_error)?,
        computed_at: row.try_get("computed_at").map_err(store_error)?,
    }
    .into_lot_quality()
}
