//! Stamp runs on PostgreSQL: the cap check, the numbering and the insert in one transaction
//! holding an advisory lock on the lot, so two print jobs of one lot cannot interleave.

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, NewScan, NewStampRun, OrganisationId, ScanTally, StampRun, StampRunId,
    StampState, StampTotal,
};
use nguon_gs1::Gtin;
use nguon_store::{
    SCAN_INSERT, SCAN_TALLY_GROUPS, SCAN_TALLY_SELECT, SCANS_PER_INSERT, STAMP_TOTALS,
    ScanTallyRow, StampRunRecord, StampStore, StoreError, no_such_stamp_run, now_utc, scan_tally,
    stamp_cap_exceeded, stamp_run_audit, stamp_runs_page, stamp_total,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use time::OffsetDateTime;

use crate::PostgresStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// Every column [`run_of`] reads.
const SELECT_RUNS: &str = "SELECT id, organisation_id, gtin, lot, first_sequence, count, secret, \
     symbology, layout, printed_by, printed_at, state, state_changed_at FROM stamp_runs ";

#[async_trait]
impl StampStore for PostgresStore {
    async fn print_stamps(
        &self,
        new: &NewStampRun,
        cap: u64,
        actor: Actor,
    ) -> Result<StampRun, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("stamps {} {}", new.gtin.as_str(), new.lot))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let (issued,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(SUM(count), 0)::BIGINT FROM stamp_runs WHERE gtin = $1 AND lot = $2",
        )
        .bind(new.gtin.as_str())
        .bind(&new.lot)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let issued = u64::try_from(issued).unwrap_or_default();
        if issued + u64::from(new.count) > cap {
            return Err(stamp_cap_exceeded(cap, issued, new.count));
        }
        let id = StampRunId::generate();
        let now = now_utc();
        sqlx::query(
            "INSERT INTO stamp_runs (id, organisation_id, gtin, lot, first_sequence, count, \
             secret, symbology, layout, printed_by, printed_at, state, state_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'printed', $12)",
        )
        .bind(id.as_uuid())
        .bind(new.organisation.as_uuid())
        .bind(new.gtin.as_str())
        .bind(&new.lot)
        .bind(i64::try_from(issued + 1).unwrap_or(i64::MAX))
        .bind(i64::from(new.count))
        .bind(new.secret.as_slice())
        .bind(&new.symbology)
        .bind(&new.layout)
        .bind(actor.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: new.organisation.to_string(),
            },
            other => store_error(other),
        })?;
        let run = fetch(&mut tx, id).await?;
        insert_audit(
            &mut tx,
            &stamp_run_audit(actor, AuditAction::StampsPrint, None, &run),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(run)
    }

    async fn stamp_run(&self, id: StampRunId) -> Result<StampRun, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch(&mut connection, id).await
    }

    async fn stamp_runs_of_lot(&self, gtin: &Gtin, lot: &str) -> Result<Vec<StampRun>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_RUNS);
        sql.push("WHERE gtin = ")
            .push_bind(gtin.as_str())
            .push(" AND lot = ")
            .push_bind(lot)
            .push(" ORDER BY first_sequence");
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(run_of).collect()
    }

    async fn list_stamp_runs(
        &self,
        organisation: Option<OrganisationId>,
        limit: u32,
    ) -> Result<Vec<StampRun>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_RUNS);
        if let Some(organisation) = organisation {
            sql.push("WHERE organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(stamp_runs_page(limit));
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(run_of).collect()
    }

    async fn record_scans(&self, scans: &[NewScan]) -> Result<(), StoreError> {
        if scans.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for chunk in scans.chunks(SCANS_PER_INSERT) {
            let mut sql = QueryBuilder::<Postgres>::new(SCAN_INSERT);
            sql.push_values(chunk, |mut row, scan| {
                row.push_bind(scan.scanned_at)
                    .push_bind(scan.gtin.as_str())
                    .push_bind(&scan.lot)
                    .push_bind(&scan.serial)
                    .push_bind(&scan.place)
                    .push_bind(scan.device.as_str())
                    .push_bind(&scan.client)
                    .push_bind(scan.verdict)
                    .push_bind(scan.organisation.map(|o| o.as_uuid()))
                    .push_bind(scan.recalled);
            });
            sql.build().execute(&mut *tx).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn serial_tallies(
        &self,
        gtin: &Gtin,
        serial: &str,
    ) -> Result<Vec<ScanTally>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SCAN_TALLY_SELECT);
        sql.push("WHERE gtin = ")
            .push_bind(gtin.as_str())
            .push(" AND serial = ")
            .push_bind(serial);
        tallies(sql, &self.pool).await
    }

    async fn scan_tallies(
        &self,
        organisation: Option<OrganisationId>,
        since: OffsetDateTime,
    ) -> Result<Vec<ScanTally>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SCAN_TALLY_SELECT);
        sql.push("WHERE scanned_at >= ").push_bind(since);
        if let Some(organisation) = organisation {
            sql.push(" AND organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        tallies(sql, &self.pool).await
    }

    async fn stamp_totals(&self) -> Result<Vec<StampTotal>, StoreError> {
        let rows: Vec<(uuid::Uuid, String, i64, i64)> = sqlx::query_as(STAMP_TOTALS)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter().map(stamp_total).collect()
    }

    async fn set_stamp_state(
        &self,
        id: StampRunId,
        state: StampState,
        actor: Actor,
    ) -> Result<StampRun, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch(&mut tx, id).await?;
        before.state.check_change(state)?;
        sqlx::query("UPDATE stamp_runs SET state = $1, state_changed_at = $2 WHERE id = $3")
            .bind(state.as_str())
            .bind(now_utc())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let after = fetch(&mut tx, id).await?;
        insert_audit(
            &mut tx,
            &stamp_run_audit(actor, AuditAction::StampsState, Some(&before), &after),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }
}

async fn fetch(connection: &mut PgConnection, id: StampRunId) -> Result<StampRun, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new(SELECT_RUNS);
    sql.push("WHERE id = ").push_bind(id.as_uuid());
    let row = sql
        .build()
        .fetch_optional(&mut *connection)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_stamp_run(id))?;
    run_of(&row)
}

fn run_of(row: &PgRow) -> Result<StampRun, StoreError> {
    StampRunRecord {
        id: row.try_get("id").map_err(store_error)?,
        organisation: row.try_get("organisation_id").map_err(store_error)?,
        gtin: row.try_get("gtin").map_err(store_error)?,
        lot: row.try_get("lot").map_err(store_error)?,
        first: row.try_get("first_sequence").map_err(store_error)?,
        count: row.try_get("count").map_err(store_error)?,
        secret: row.try_get("secret").map_err(store_error)?,
        symbology: row.try_get("symbology").map_err(store_error)?,
        layout: row.try_get("layout").map_err(store_error)?,
        printed_by: row.try_get("printed_by").map_err(store_error)?,
        printed_at: row.try_get("printed_at").map_err(store_error)?,
        state: row.try_get("state").map_err(store_error)?,
        state_changed_at: row.try_get("state_changed_at").map_err(store_error)?,
    }
    .into_run()
}

/// Runs a tally query built on [`SCAN_TALLY_SELECT`] with its `WHERE`.
async fn tallies(
    mut sql: QueryBuilder<Postgres>,
    pool: &sqlx::PgPool,
) -> Result<Vec<ScanTally>, StoreError> {
    sql.push(SCAN_TALLY_GROUPS);
    let rows: Vec<ScanTallyRow> = sql
        .build_query_as()
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    rows.into_iter().map(scan_tally).collect()
}
