//! The Plan 140 aggregates on PostgreSQL: each one statement, read from indexes where one serves.

use async_trait::async_trait;
use nguon_domain::OrganisationId;
use nguon_store::{
    Dimension, DimensionTally, OrganisationTally, PlanStore, ShapeRow, ShapeTally, StoreError,
    count_of, organisation_tally, product_chain,
};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::store_error;

/// Organisations by kind and status, with whether each uses GS1 keys and recorded an event
/// lately: one `EXISTS` seek per organisation into small indexes.
const ORGANISATION_TALLIES: &str = "SELECT kind, status, \
     (EXISTS (SELECT 1 FROM organisation_company_prefixes p WHERE p.organisation_id = o.id) \
      OR EXISTS (SELECT 1 FROM registry_records r \
                 WHERE r.kind = 'product' AND r.organisation_id = o.id)) AS uses_gs1, \
     EXISTS (SELECT 1 FROM events e WHERE e.owner_id = o.id AND e.event_time >= $1) AS active, \
     count(*) AS n \
     FROM organisations o GROUP BY 1, 2, 3, 4";

/// Organisations per product group of their products.
const BY_PRODUCT_GROUP: &str = "SELECT value, registered, approved FROM (SELECT r.body ->> 'group' AS value, \
     count(DISTINCT o.id) AS registered, \
     count(DISTINCT CASE WHEN o.status = 'approved' THEN o.id END) AS approved \
     FROM registry_records r JOIN organisations o ON o.id = r.organisation_id \
     WHERE r.kind = 'product' AND r.body ->> 'group' IS NOT NULL GROUP BY 1) AS t \
     ORDER BY value COLLATE \"C\"";

/// Organisations per commune: their own address, else the communes of their facilities.
const BY_COMMUNE: &str = "SELECT value, count(DISTINCT id) AS registered, \
     count(DISTINCT CASE WHEN status = 'approved' THEN id END) AS approved FROM ( \
         SELECT commune AS value, id, status FROM organisations WHERE commune IS NOT NULL \
         UNION ALL \
         SELECT r.body #>> '{address,commune}', o.id, o.status \
         FROM registry_records r JOIN organisations o ON o.id = r.organisation_id \
         WHERE r.kind = 'facility' AND o.commune IS NULL \
             AND r.body #>> '{address,commune}' IS NOT NULL) AS t \
     GROUP BY value ORDER BY value COLLATE \"C\"";

/// Events per owner and shape, with the lots they name: the events are read from the
/// `events_shape` index, the lots by primary-key lookups into `event_identifiers`.
const EVENT_SHAPES: &str = "SELECT e.owner_id, o.kind, e.event_type, e.action, e.biz_step, \
     count(DISTINCT e.sequence) AS events, count(DISTINCT i.identifier) AS lots, \
     max(e.event_time) AS last_time \
     FROM events e JOIN organisations o ON o.id = e.owner_id \
     LEFT JOIN event_identifiers i ON i.owner_id = e.owner_id AND i.sequence = e.sequence \
         AND i.role IN ('epc_class', 'output_class') \
     GROUP BY e.owner_id, o.kind, e.event_type, e.action, e.biz_step";

/// The chains of each organisation's products.
const PRODUCT_CHAINS: &str = "SELECT DISTINCT organisation_id, \
     body ->> 'chain' AS chain FROM registry_records \
     WHERE kind = 'product' AND organisation_id IS NOT NULL AND body ->> 'chain' IS NOT NULL \
     ORDER BY organisation_id, chain";

#[async_trait]
impl PlanStore for PostgresStore {
    async fn organisation_tallies(
        &self,
        active_since: OffsetDateTime,
    ) -> Result<Vec<OrganisationTally>, StoreError> {
        let rows = sqlx::query(ORGANISATION_TALLIES)
            .bind(active_since)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                organisation_tally(
                    row.try_get("kind").map_err(store_error)?,
                    row.try_get("status").map_err(store_error)?,
                    row.try_get("uses_gs1").map_err(store_error)?,
                    row.try_get("active").map_err(store_error)?,
                    row.try_get("n").map_err(store_error)?,
                )
            })
            .collect()
    }

    async fn organisations_by(
        &self,
        dimension: Dimension,
    ) -> Result<Vec<DimensionTally>, StoreError> {
        let sql = match dimension {
            Dimension::ProductGroup => BY_PRODUCT_GROUP,
            Dimension::Commune => BY_COMMUNE,
        };
        let rows = sqlx::query(sql)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(DimensionTally {
                    key: row.try_get("value").map_err(store_error)?,
                    registered: count_of(row.try_get("registered").map_err(store_error)?)?,
                    approved: count_of(row.try_get("approved").map_err(store_error)?)?,
                })
            })
            .collect()
    }

    async fn event_shapes(&self) -> Result<Vec<ShapeTally>, StoreError> {
        let rows = sqlx::query(EVENT_SHAPES)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                ShapeRow {
                    owner: row.try_get("owner_id").map_err(store_error)?,
                    owner_kind: row.try_get("kind").map_err(store_error)?,
                    event_type: row.try_get("event_type").map_err(store_error)?,
                    action: row.try_get("action").map_err(store_error)?,
                    biz_step: row.try_get("biz_step").map_err(store_error)?,
                    events: row.try_get("events").map_err(store_error)?,
                    lots: row.try_get("lots").map_err(store_error)?,
                    last_event_time: row.try_get("last_time").map_err(store_error)?,
                }
                .into_tally()
            })
            .collect()
    }

    async fn product_chains(&self) -> Result<Vec<(OrganisationId, String)>, StoreError> {
        let rows = sqlx::query(PRODUCT_CHAINS)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let organisation: Uuid = row.try_get("organisation_id").map_err(store_error)?;
                product_chain(organisation, row.try_get("chain").map_err(store_error)?)
            })
            .collect()
    }
}
