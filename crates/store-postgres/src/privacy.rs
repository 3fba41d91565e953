//! Households' consent statements and erasures on PostgreSQL: each change and its audit entry in
//! one transaction. One erasure per organisation is the primary key of `personal_data_erasures`,
//! so of two officers erasing at once the second gets the conflict.

use std::collections::BTreeMap;

use async_trait::async_trait;
use nguon_domain::{Actor, Consent, Erasure, ErasureReason, NewConsent, OrganisationId, Pseudonym};
use nguon_store::{
    ConsentRecord, OrganisationColumns, PrivacyStore, StoreError, already_erased, consent_audit,
    consent_fields_column, consent_of, erasure_audit, erasure_withdrawal, now_utc,
};
use sqlx::{PgConnection, Row};

use crate::accounts::insert_audit;
use crate::error::store_error;
use crate::{PostgresStore, fetch_organisation};

#[async_trait]
impl PrivacyStore for PostgresStore {
    async fn record_consent(&self, new: &NewConsent, actor: Actor) -> Result<Consent, StoreError> {
        let mut tx = self.write().await?;
        fetch_organisation(&mut tx, new.organisation).await?;
        if fetch_erasure(&mut tx, new.organisation).await?.is_some() {
            return Err(already_erased(new.organisation));
        }
        let consent = consent_of(new, actor, now_utc());
        insert_consent(&mut tx, &consent).await?;
        insert_audit(&mut tx, &consent_audit(&consent)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(consent)
    }

    async fn consents(&self, organisation: OrganisationId) -> Result<Vec<Consent>, StoreError> {
        sqlx::query(
            "SELECT id, organisation_id, fields, basis, recorded_by, recorded_at FROM consents \
             WHERE organisation_id = $1 ORDER BY id DESC",
        )
        .bind(organisation.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|row| {
            ConsentRecord {
                id: row.try_get("id").map_err(store_error)?,
                organisation_id: row.try_get("organisation_id").map_err(store_error)?,
                fields: row.try_get("fields").map_err(store_error)?,
                basis: row.try_get("basis").map_err(store_error)?,
                recorded_by: row.try_get("recorded_by").map_err(store_error)?,
                recorded_at: row.try_get("recorded_at").map_err(store_error)?,
            }
            .into_consent()
        })
        .collect()
    }

    async fn erase_personal_data(
        &self,
        organisation: OrganisationId,
        reason: ErasureReason,
        actor: Actor,
    ) -> Result<Erasure, StoreError> {
        let mut tx = self.write().await?;
        let current = fetch_organisation(&mut tx, organisation).await?;
        let pseudonym = Pseudonym::of(&current)?;
        if fetch_erasure(&mut tx, organisation).await?.is_some() {
            return Err(already_erased(organisation));
        }
        let now = now_utc();
        let columns = OrganisationColumns::of(pseudonym.name.as_str(), pseudonym.address.as_ref())?;
        sqlx::query(
            "UPDATE organisations SET name = $1, tax_code = $2, address = $3, commune = $4, \
             search_name = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(pseudonym.name.as_str())
        .bind(pseudonym.tax_code.as_str())
        .bind(columns.address)
        .bind(columns.commune)
        .bind(columns.search_name)
        .bind(now)
        .bind(organisation.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let users: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM users WHERE organisation_id = $1")
                .bind(organisation.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error)?;
        for &user in &users {
            let id = nguon_domain::UserId::from_uuid(user)?;
            sqlx::query(
                "UPDATE users SET email = $1, name = NULL, status = 'disabled', updated_at = $2 \
                 WHERE id = $3",
            )
            .bind(Pseudonym::email_of(id).as_str())
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            sqlx::query(
                "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        insert_consent(&mut tx, &erasure_withdrawal(organisation, actor, now)).await?;
        let erasure = Erasure {
            organisation,
            reason,
            erased_by: actor,
            erased_at: now,
            users: u32::try_from(users.len()).unwrap_or(u32::MAX),
        };
        sqlx::query(
            "INSERT INTO personal_data_erasures (organisation_id, reason, users, erased_by, \
             erased_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(organisation.as_uuid())
        .bind(reason.as_str())
        .bind(i32::try_from(erasure.users).unwrap_or(i32::MAX))
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => already_erased(organisation),
            other => store_error(other),
        })?;
        let erased = fetch_organisation(&mut tx, organisation).await?;
        insert_audit(&mut tx, &erasure_audit(&erasure, &erased)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(erasure)
    }

    async fn erasure(&self, organisation: OrganisationId) -> Result<Option<Erasure>, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch_erasure(&mut connection, organisation).await
    }

    async fn last_capture_times(
        &self,
    ) -> Result<BTreeMap<OrganisationId, time::OffsetDateTime>, StoreError> {
        sqlx::query("SELECT owner_id, max(record_time) AS last FROM events GROUP BY owner_id")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|row| {
                let owner: uuid::Uuid = row.try_get("owner_id").map_err(store_error)?;
                let last: time::OffsetDateTime = row.try_get("last").map_err(store_error)?;
                Ok((OrganisationId::from_uuid(owner)?, last))
            })
            .collect()
    }
}

async fn insert_consent(conn: &mut PgConnection, consent: &Consent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consents (id, organisation_id, fields, basis, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(consent.id.as_uuid())
    .bind(consent.organisation.as_uuid())
    .bind(consent_fields_column(consent))
    .bind(consent.basis.as_str())
    .bind(consent.recorded_by.to_string())
    .bind(consent.recorded_at)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

async fn fetch_erasure(
    conn: &mut PgConnection,
    organisation: OrganisationId,
) -> Result<Option<Erasure>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT reason, users, erased_by, erased_at FROM personal_data_erasures \
         WHERE organisation_id = $1",
    )
    .bind(organisation.as_uuid())
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?
    else {
        return Ok(None);
    };
    let corrupt = |error: &dyn std::fmt::Display| {
        StoreError::Internal(format!(
            "stored erasure of {organisation} is invalid: {error}"
        ))
    };
    let reason: String = row.try_get("reason").map_err(store_error)?;
    let users: i32 = row.try_get("users").map_err(store_error)?;
    let erased_by: String = row.try_get("erased_by").map_err(store_error)?;
    Ok(Some(Erasure {
        organisation,
        reason: ErasureReason::parse(&reason).map_err(|e| corrupt(&e))?,
        erased_by: Actor::parse(&erased_by).map_err(|e| corrupt(&e))?,
        erased_at: row.try_get("erased_at").map_err(store_error)?,
        users: u32::try_from(users).map_err(|e| corrupt(&e))?,
    }))
}
