//! Partner systems and grants on PostgreSQL: each change and its audit entry in one
//! transaction; a status change or revocation locks its row first (`FOR UPDATE`). At most one live grant per organisation, partner and permission is
//! the unique index `partner_grants_live`, so two admins granting at once cannot both succeed.

use async_trait::async_trait;
use nguon_domain::{
    Actor, ApiKey, AuditAction, CaptureJob, CaptureJobId, Grant, GrantId, NewPartner,
    OrganisationId, Partner, PartnerId, PartnerStatus, Permission,
};
use nguon_store::{
    GrantFilter, GrantRecord, PartnerRecord, PartnerStore, StoreError, grant_already_live,
    grant_audit, no_such_grant, no_such_partner, now_utc, partner_audit, partner_name_taken,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use crate::PostgresStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// Every column [`partner_of`] reads.
const SELECT_PARTNERS: &str =
    "SELECT id, name, kind, contact, status, created_at, updated_at FROM partners ";

/// Every column [`grant_of`] reads.
const SELECT_GRANTS: &str = "SELECT id, organisation_id, partner_id, permission, granted_at, \
     revoked_at FROM partner_grants ";

#[async_trait]
impl PartnerStore for PostgresStore {
    async fn create_partner(&self, new: &NewPartner, actor: Actor) -> Result<Partner, StoreError> {
        let now = now_utc();
        let partner = Partner {
            id: PartnerId::generate(),
            name: new.name.clone(),
            kind: new.kind,
            contact: new.contact.clone(),
            status: PartnerStatus::Active,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO partners (id, name, kind, contact, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(partner.id.as_uuid())
        .bind(partner.name.as_str())
        .bind(partner.kind.as_str())
        .bind(&partner.contact)
        .bind(partner.status.as_str())
        .bind(partner.created_at)
        .bind(partner.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                partner_name_taken(&partner.name)
            }
            other => store_error(other),
        })?;
        insert_audit(
            &mut tx,
            &partner_audit(actor, AuditAction::PartnerCreate, None, &partner),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(partner)
    }

    async fn partner(&self, id: PartnerId) -> Result<Partner, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch_partner(&mut connection, id, Lock::None).await
    }

    async fn list_partners(&self) -> Result<Vec<Partner>, StoreError> {
        let rows = QueryBuilder::<Postgres>::new(SELECT_PARTNERS)
            .push("ORDER BY name, id")
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(partner_of).collect()
    }

    async fn set_partner_status(
        &self,
        id: PartnerId,
        status: PartnerStatus,
        actor: Actor,
    ) -> Result<Partner, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch_partner(&mut tx, id, Lock::ForUpdate).await?;
        if before.status == status {
            return Ok(before);
        }
        let after = Partner {
            status,
            updated_at: now_utc(),
            ..before.clone()
        };
        sqlx::query("UPDATE partners SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(after.status.as_str())
            .bind(after.updated_at)
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        insert_audit(
            &mut tx,
            &partner_audit(actor, AuditAction::PartnerStatus, Some(&before), &after),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn list_partner_api_keys(&self, partner: PartnerId) -> Result<Vec<ApiKey>, StoreError> {
        self.api_keys_of_partner(partner).await
    }

    async fn create_grant(
        &self,
        organisation: OrganisationId,
        partner: PartnerId,
        permission: Permission,
        actor: Actor,
    ) -> Result<Grant, StoreError> {
        let mut tx = self.write().await?;
        let holder = fetch_partner(&mut tx, partner, Lock::None).await?;
        holder.check_grantable(permission)?;
        let grant = Grant {
            id: GrantId::generate(),
            organisation,
            partner,
            permission,
            granted_at: now_utc(),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO partner_grants (id, organisation_id, partner_id, permission, granted_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(grant.id.as_uuid())
        .bind(organisation.as_uuid())
        .bind(partner.as_uuid())
        .bind(permission.as_str())
        .bind(grant.granted_at)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                grant_already_live(&holder, permission)
            }
            // The partner was read above, so a missing row is the organisation.
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: organisation.to_string(),
            },
            other => store_error(other),
        })?;
        insert_audit(
            &mut tx,
            &grant_audit(actor, AuditAction::GrantCreate, None, &grant),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(grant)
    }

    async fn revoke_grant(
        &self,
        organisation: OrganisationId,
        id: GrantId,
        actor: Actor,
    ) -> Result<Grant, StoreError> {
        let mut tx = self.write().await?;
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_GRANTS);
        sql.push("WHERE id = ")
            .push_bind(id.as_uuid())
            .push(" AND organisation_id = ")
            .push_bind(organisation.as_uuid())
            .push(" FOR UPDATE");
        let row = sql
            .build()
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?
            .ok_or_else(|| no_such_grant(id))?;
        let before = grant_of(&row)?;
        // Revoking again keeps the first time and writes nothing, so nothing to audit.
        if !before.is_live() {
            return Ok(before);
        }
        let after = Grant {
            revoked_at: Some(now_utc()),
            ..before.clone()
        };
        sqlx::query("UPDATE partner_grants SET revoked_at = $1 WHERE id = $2")
            .bind(after.revoked_at)
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        insert_audit(
            &mut tx,
            &grant_audit(actor, AuditAction::GrantRevoke, Some(&before), &after),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn list_grants(&self, filter: &GrantFilter) -> Result<Vec<Grant>, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(SELECT_GRANTS);
        sql.push("WHERE 1 = 1");
        if let Some(organisation) = filter.organisation {
            sql.push(" AND organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        if let Some(partner) = filter.partner {
            sql.push(" AND partner_id = ").push_bind(partner.as_uuid());
        }
        if let Some(permission) = filter.permission {
            sql.push(" AND permission = ")
                .push_bind(permission.as_str());
        }
        if filter.live_only {
            sql.push(" AND revoked_at IS NULL");
        }
        sql.push(" ORDER BY id DESC");
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(grant_of).collect()
    }

    async fn list_partner_capture_jobs(
        &self,
        partner: PartnerId,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        self.partner_jobs(partner, after, limit).await
    }
}

/// Whether a read locks the row until the transaction ends.
enum Lock {
    /// A plain read.
    None,
    /// `FOR UPDATE`: for a read that decides a write, so two writers take turns.
    ForUpdate,
}

async fn fetch_partner(
    connection: &mut PgConnection,
    id: PartnerId,
    lock: Lock,
) -> Result<Partner, StoreError> {
    let lock = match lock {
        Lock::None => "",
        Lock::ForUpdate => " FOR UPDATE",
    };
    let mut sql = QueryBuilder::<Postgres>::new(SELECT_PARTNERS);
    sql.push("WHERE id = ").push_bind(id.as_uuid()).push(lock);
    let row = sql
        .build()
        .fetch_optional(&mut *connection)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_partner(id))?;
    partner_of(&row)
}

fn partner_of(row: &PgRow) -> Result<Partner, StoreError> {
    PartnerRecord {
        id: row.try_get("id").map_err(store_error)?,
        name: row.try_get("name").map_err(store_error)?,
        kind: row.try_get("kind").map_err(store_error)?,
        contact: row.try_get("contact").map_err(store_error)?,
        status: row.try_get("status").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
    }
    .into_partner()
}

fn grant_of(row: &PgRow) -> Result<Grant, StoreError> {
    GrantRecord {
        id: row.try_get("id").map_err(store_error)?,
        organisation: row.try_get("organisation_id").map_err(store_error)?,
        partner: row.try_get("partner_id").map_err(store_error)?,
        permission: row.try_get("permission").map_err(store_error)?,
        granted_at: row.try_get("granted_at").map_err(store_error)?,
        revoked_at: row.try_get("revoked_at").map_err(store_error)?,
    }
    .into_grant()
}
