//! API keys, capture jobs and master data on SQLite: small tables, one statement per call where
//! the SQL allows it (`RETURNING`), multi-row statements for master data.

use nguon_domain::{
    Actor, ApiKey, ApiKeyId, AuditAction, CaptureJob, CaptureJobId, NewApiKey, NewCaptureJob,
    OrganisationId, PartnerId, VocabularyElement,
};
use nguon_store::{
    ApiKeyRecord, CaptureJobRecord, MAX_CAPTURE_JOBS_PAGE, StoreError, attributes_from_json,
    attributes_json, errors_json, last_of_each_element, no_such_partner, now_utc, snapshot,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::SqliteStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// Master data rows per INSERT or DELETE (at most 4 parameters each).
const ROWS_PER_STATEMENT: usize = 500;

/// The columns of `api_keys` that [`api_key_from_row`] reads.
macro_rules! api_key_columns {
    () => {
        "id, owner_id, partner_id, scope, label, created_at, revoked_at"
    };
}

/// The columns of `capture_jobs` that [`capture_job_from_row`] reads.
macro_rules! capture_job_columns {
    () => {
        "id, owner_id, partner_id, created_at, finished_at, running, success, error_behaviour, \
         event_count, captured_count, errors"
    };
}

impl SqliteStore {
    pub(crate) async fn insert_api_key(
        &self,
        new: &NewApiKey,
        actor: Actor,
    ) -> Result<ApiKey, StoreError> {
        let key = ApiKey {
            id: ApiKeyId::generate(),
            scope: new.scope,
            label: new.label.clone(),
            created_at: now_utc(),
            revoked_at: None,
        };
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO api_keys (id, owner_id, partner_id, scope, label, token_hash, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.id.as_uuid())
        .bind(key.scope.owner().map(|owner| owner.as_uuid()))
        .bind(key.scope.partner().map(|partner| partner.as_uuid()))
        .bind(key.scope.kind_str())
        .bind(&key.label)
        .bind(new.token_hash.to_vec())
        .bind(key.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                match key.scope.partner() {
                    Some(partner) => no_such_partner(partner),
                    None => StoreError::NotFound {
                        what: "organisation",
                        id: key.scope.owner().map(|o| o.to_string()).unwrap_or_default(),
                    },
                }
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                what: "API key",
                detail: "a key with this token already exists".to_owned(),
            },
            other => store_error(other),
        })?;
        let entry = snapshot::api_key_change(actor, AuditAction::ApiKeyCreate, None, &key);
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(key)
    }

    pub(crate) async fn find_api_key(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<ApiKey>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE token_hash = ?"
        ))
        .bind(token_hash.to_vec())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .map(|row| api_key_from_row(&row))
        .transpose()
    }

    pub(crate) async fn api_keys_of(
        &self,
        owner: OrganisationId,
    ) -> Result<Vec<ApiKey>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE owner_id = ? ORDER BY id"
        ))
        .bind(owner.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(api_key_from_row)
        .collect()
    }

    pub(crate) async fn api_keys_of_partner(
        &self,
        partner: PartnerId,
    ) -> Result<Vec<ApiKey>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE partner_id = ? ORDER BY id"
        ))
        .bind(partner.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(api_key_from_row)
        .collect()
    }

    pub(crate) async fn revoke_key(
        &self,
        id: ApiKeyId,
        actor: Actor,
    ) -> Result<ApiKey, StoreError> {
        let mut tx = self.write().await?;
        let before = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE id = ?"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?
        .map(|row| api_key_from_row(&row))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound {
            what: "API key",
            id: id.to_string(),
        })?;
        // Revoking again keeps the first time and writes nothing, so nothing to audit.
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let after = ApiKey {
            revoked_at: Some(now_utc()),
            ..before.clone()
        };
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ?")
            .bind(after.revoked_at)
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let entry =
            snapshot::api_key_change(actor, AuditAction::ApiKeyRevoke, Some(&before), &after);
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    pub(crate) async fn insert_capture_job(
        &self,
        new: &NewCaptureJob,
    ) -> Result<CaptureJob, StoreError> {
        let job = CaptureJob {
            id: CaptureJobId::generate(),
            owner: new.owner,
            partner: new.partner,
            created_at: now_utc(),
            finished_at: None,
            running: true,
            success: None,
            error_behaviour: new.error_behaviour,
            event_count: new.event_count,
            captured_count: 0,
            errors: Vec::new(),
        };
        sqlx::query(concat!(
            "INSERT INTO capture_jobs (",
            capture_job_columns!(),
            ") VALUES (?, ?, ?, ?, NULL, 1, NULL, ?, ?, 0, ?)"
        ))
        .bind(job.id.as_uuid())
        .bind(job.owner.as_uuid())
        .bind(job.partner.map(|partner| partner.as_uuid()))
        .bind(job.created_at)
        .bind(job.error_behaviour.as_str())
        .bind(i64::from(job.event_count))
        .bind(errors_json(&job.errors))
        .execute(&self.pool)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: new.owner.to_string(),
            },
            other => store_error(other),
        })?;
        Ok(job)
    }

    pub(crate) async fn finish_job(
        &self,
        id: CaptureJobId,
        success: bool,
        captured_count: u32,
        errors: &[String],
    ) -> Result<CaptureJob, StoreError> {
        let row = sqlx::query(concat!(
            "UPDATE capture_jobs SET running = 0, success = ?, captured_count = ?, errors = ?, \
             finished_at = ? WHERE id = ? AND running = 1 RETURNING ",
            capture_job_columns!()
        ))
        .bind(success)
        .bind(i64::from(captured_count))
        .bind(errors_json(errors))
        .bind(now_utc())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        match row {
            Some(row) => capture_job_from_row(&row),
            // Nothing updated: tell a finished job (a second finish is a bug worth naming)
            // from an unknown one.
            None => {
                self.job(None, id).await?;
                Err(StoreError::Conflict {
                    what: "capture job",
                    detail: format!("{id} has already finished"),
                })
            }
        }
    }

    pub(crate) async fn job(
        &self,
        owner: Option<OrganisationId>,
        id: CaptureJobId,
    ) -> Result<CaptureJob, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            capture_job_columns!(),
            " FROM capture_jobs WHERE id = "
        ));
        sql.push_bind(id.as_uuid());
        if let Some(owner) = owner {
            sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
        }
        let row = sql
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound {
                what: "capture job",
                id: id.to_string(),
            })?;
        capture_job_from_row(&row)
    }

    pub(crate) async fn jobs(
        &self,
        owner: Option<OrganisationId>,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        self.jobs_where("owner_id", owner.map(|owner| owner.as_uuid()), after, limit)
            .await
    }

    pub(crate) async fn partner_jobs(
        &self,
        partner: PartnerId,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        self.jobs_where("partner_id", Some(partner.as_uuid()), after, limit)
            .await
    }

    /// Jobs newest first whose `column` (a constant name) holds `holder` (any job when `None`).
    async fn jobs_where(
        &self,
        column: &'static str,
        holder: Option<uuid::Uuid>,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            capture_job_columns!(),
            " FROM capture_jobs WHERE 1 = 1"
        ));
        if let Some(holder) = holder {
            sql.push(" AND ").push(column).push(" = ").push_bind(holder);
        }
        if let Some(after) = after {
            sql.push(" AND id < ").push_bind(after.as_uuid());
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit.clamp(1, MAX_CAPTURE_JOBS_PAGE)));
        sql.build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(capture_job_from_row)
            .collect()
    }

    pub(crate) async fn fail_running_jobs(&self, reason: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE capture_jobs SET running = 0, success = 0, errors = ?, finished_at = ? \
             WHERE running = 1",
        )
        .bind(errors_json(&[reason.to_owned()]))
        .bind(now_utc())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn upsert_vocabulary(
        &self,
        owner: OrganisationId,
        vocabulary: &[VocabularyElement],
    ) -> Result<(), StoreError> {
        let elements = last_of_each_element(vocabulary);
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        sqlx::query("SELECT 1 FROM organisations WHERE id = ?")
            .bind(owner.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound {
                what: "organisation",
                id: owner.to_string(),
            })?;
        for chunk in elements.chunks(ROWS_PER_STATEMENT) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO master_data_elements (owner_id, vocabulary_type, element_id, \
                 attributes) ",
            );
            sql.push_values(chunk, |mut row, element| {
                row.push_bind(owner.as_uuid())
                    .push_bind(element.vocabulary_type.clone())
                    .push_bind(element.id.clone())
                    .push_bind(attributes_json(&element.attributes));
            });
            sql.push(
                " ON CONFLICT (owner_id, vocabulary_type, element_id) \
                 DO UPDATE SET attributes = excluded.attributes",
            );
            sql.build().execute(&mut *tx).await.map_err(store_error)?;
            let mut sql =
                QueryBuilder::<Sqlite>::new("DELETE FROM master_data_children WHERE owner_id = ");
            sql.push_bind(owner.as_uuid()).push(" AND parent_id IN (");
            let mut list = sql.separated(", ");
            for element in chunk {
                list.push_bind(element.id.clone());
            }
            sql.push(")");
            sql.build().execute(&mut *tx).await.map_err(store_error)?;
        }
        let links: Vec<(&str, &str)> = elements
            .iter()
            .flat_map(|e| {
                e.children
                    .iter()
                    .map(|child| (e.id.as_str(), child.as_str()))
            })
            .collect();
        for chunk in links.chunks(ROWS_PER_STATEMENT) {
            let mut sql = QueryBuilder::<Sqlite>::new(
                "INSERT INTO master_data_children (owner_id, parent_id, child_id) ",
            );
            sql.push_values(chunk, |mut row, (parent, child)| {
                row.push_bind(owner.as_uuid())
                    .push_bind(parent.to_string())
                    .push_bind(child.to_string());
            });
            // The same link twice (a repeated child, or one id in two vocabularies) is one link.
            sql.push(" ON CONFLICT DO NOTHING");
            sql.build().execute(&mut *tx).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    pub(crate) async fn vocabulary_element(
        &self,
        owner: Option<OrganisationId>,
        vocabulary_type: &str,
        id: &str,
    ) -> Result<Option<VocabularyElement>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT m.attributes, (SELECT json_group_array(c.child_id ORDER BY c.child_id) \
             FROM master_data_children c WHERE c.owner_id = m.owner_id \
             AND c.parent_id = m.element_id) AS children \
             FROM master_data_elements m WHERE m.vocabulary_type = ",
        );
        sql.push_bind(vocabulary_type.to_owned())
            .push(" AND m.element_id = ")
            .push_bind(id.to_owned());
        if let Some(owner) = owner {
            sql.push(" AND m.owner_id = ").push_bind(owner.as_uuid());
        }
        sql.push(" ORDER BY m.owner_id LIMIT 1");
        let Some(row) = sql
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let attributes: String = row.try_get("attributes").map_err(store_error)?;
        let children: String = row.try_get("children").map_err(store_error)?;
        Ok(Some(VocabularyElement {
            vocabulary_type: vocabulary_type.to_owned(),
            id: id.to_owned(),
            attributes: attributes_from_json(&attributes)?,
            children: serde_json::from_str(&children).map_err(|e| {
                StoreError::Internal(format!("stored master data children are not a list: {e}"))
            })?,
        }))
    }
}

fn api_key_from_row(row: &SqliteRow) -> Result<ApiKey, StoreError> {
    ApiKeyRecord {
        id: row.try_get("id").map_err(store_error)?,
        owner_id: row.try_get("owner_id").map_err(store_error)?,
        partner_id: row.try_get("partner_id").map_err(store_error)?,
        scope: row.try_get("scope").map_err(store_error)?,
        label: row.try_get("label").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        revoked_at: row.try_get("revoked_at").map_err(store_error)?,
    }
    .into_api_key()
}

fn capture_job_from_row(row: &SqliteRow) -> Result<CaptureJob, StoreError> {
    CaptureJobRecord {
        id: row.try_get("id").map_err(store_error)?,
        owner_id: row.try_get("owner_id").map_err(store_error)?,
        partner_id: row.try_get("partner_id").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        finished_at: row.try_get("finished_at").map_err(store_error)?,
        running: row.try_get("running").map_err(store_error)?,
        success: row.try_get("success").map_err(store_error)?,
        error_behaviour: row.try_get("error_behaviour").map_err(store_error)?,
        event_count: row.try_get("event_count").map_err(store_error)?,
        captured_count: row.try_get("captured_count").map_err(store_error)?,
        errors: row.try_get("errors").map_err(store_error)?,
    }
    .into_capture_job()
}
