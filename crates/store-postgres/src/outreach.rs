//! Training sessions and guidance documents on PostgreSQL: each change and its audit entry in
//! one transaction; an upload locks the table against other uploads first, so two uploads of one
//! title cannot both take the same next version.

use async_trait::async_trait;
use nguon_domain::{
    Actor, DocumentFile, Guidance, GuidanceId, NewGuidance, NewTraining, ProductGroupCode,
    Training, TrainingId,
};
use nguon_store::{
    GuidanceRow, MAX_GUIDANCE, MAX_TRAININGS, OutreachStore, StoreError, TrainingRow, count_of,
    guidance_audit, no_such_guidance, no_such_participant, no_such_training, now_utc,
    training_audit,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::PostgresStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// Every column [`training_row`] reads; a macro so it can be spliced into `&'static str`
/// queries with `concat!`.
macro_rules! select_trainings {
    () => {
        "SELECT id, title, held_on, place, product_group, created_at, updated_at \
         FROM training_sessions "
    };
}

/// Every column [`guidance_row`] reads, without the bytes.
macro_rules! guidance_columns {
    () => {
        "id, title, version::bigint AS version, product_group, file_name, media_type, length(bytes)::bigint AS size, \
         created_at, created_by"
    };
}

#[async_trait]
impl OutreachStore for PostgresStore {
    async fn create_training(
        &self,
        new: &NewTraining,
        actor: Actor,
    ) -> Result<Training, StoreError> {
        let mut tx = self.write().await?;
        let id = TrainingId::generate();
        let now = now_utc();
        sqlx::query(
            "INSERT INTO training_sessions \
             (id, title, held_on, place, product_group, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_uuid())
        .bind(new.title.as_str())
        .bind(new.held_on)
        .bind(new.place.as_str())
        .bind(new.product_group.as_ref().map(ProductGroupCode::as_str))
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        insert_participants(&mut tx, id, new).await?;
        let training = fetch_training(&mut tx, id).await?;
        insert_audit(&mut tx, &training_audit(&training, None, actor)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(training)
    }

    async fn update_training(
        &self,
        id: TrainingId,
        new: &NewTraining,
        actor: Actor,
    ) -> Result<Training, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch_training(&mut tx, id).await?;
        sqlx::query(
            "UPDATE training_sessions SET title = $1, held_on = $2, place = $3, product_group = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(new.title.as_str())
        .bind(new.held_on)
        .bind(new.place.as_str())
        .bind(new.product_group.as_ref().map(ProductGroupCode::as_str))
        .bind(now_utc())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("DELETE FROM training_participants WHERE session_id = $1")
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        insert_participants(&mut tx, id, new).await?;
        let after = fetch_training(&mut tx, id).await?;
        insert_audit(&mut tx, &training_audit(&after, Some(&before), actor)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn training(&self, id: TrainingId) -> Result<Training, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        fetch_training(&mut conn, id).await
    }

    async fn list_trainings(&self) -> Result<Vec<Training>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let rows = sqlx::query(concat!(
            select_trainings!(),
            "ORDER BY held_on DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(MAX_TRAININGS))
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
        let participants = sqlx::query(
            "SELECT session_id, organisation_id, people::bigint AS people \
             FROM training_participants ORDER BY session_id, organisation_id",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Uuid, _>("session_id").map_err(store_error)?,
                (
                    row.try_get("organisation_id").map_err(store_error)?,
                    row.try_get("people").map_err(store_error)?,
                ),
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        rows.iter()
            .map(|row| {
                let row = training_row(row)?;
                let own = participants
                    .iter()
                    .filter(|(session, _)| *session == row.id)
                    .map(|(_, participant)| *participant)
                    .collect();
                row.into_training(own)
            })
            .collect()
    }

    async fn organisations_reached(&self) -> Result<u64, StoreError> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(DISTINCT organisation_id) FROM training_participants")
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
        count_of(count)
    }

    async fn add_guidance(&self, new: &NewGuidance, actor: Actor) -> Result<Guidance, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("LOCK TABLE guidance_documents IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let id = GuidanceId::generate();
        sqlx::query(
            "INSERT INTO guidance_documents (id, title, version, product_group, file_name, \
             media_type, bytes, created_at, created_by) \
             SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8 \
             FROM guidance_documents WHERE title = $9",
        )
        .bind(id.as_uuid())
        .bind(new.title.as_str())
        .bind(new.product_group.as_ref().map(ProductGroupCode::as_str))
        .bind(new.file_name.as_str())
        .bind(new.file.kind().media_type())
        .bind(new.file.bytes())
        .bind(now_utc())
        .bind(actor.to_string())
        .bind(new.title.as_str())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let row = sqlx::query(concat!(
            "SELECT ",
            guidance_columns!(),
            " FROM guidance_documents WHERE id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let guidance = guidance_row(&row)?.into_guidance()?;
        insert_audit(&mut tx, &guidance_audit(&guidance)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(guidance)
    }

    async fn list_guidance(&self) -> Result<Vec<Guidance>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            guidance_columns!(),
            " FROM guidance_documents ORDER BY title COLLATE \"C\", version DESC LIMIT $1"
        ))
        .bind(i64::from(MAX_GUIDANCE))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| guidance_row(row)?.into_guidance())
        .collect()
    }

    async fn guidance_file(&self, id: GuidanceId) -> Result<(Guidance, DocumentFile), StoreError> {
        let row = sqlx::query(concat!(
            "SELECT bytes, ",
            guidance_columns!(),
            " FROM guidance_documents WHERE id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_guidance(id))?;
        let bytes: Vec<u8> = row.try_get("bytes").map_err(store_error)?;
        guidance_row(&row)?.with_file(bytes)
    }
}

/// Inserts the participants of session `id`; an unknown organisation is `NotFound`.
async fn insert_participants(
    conn: &mut PgConnection,
    id: TrainingId,
    new: &NewTraining,
) -> Result<(), StoreError> {
    for participant in &new.participants {
        sqlx::query(
            "INSERT INTO training_participants (session_id, organisation_id, people) \
             VALUES ($1, $2, $3)",
        )
        .bind(id.as_uuid())
        .bind(participant.organisation.as_uuid())
        .bind(i64::from(participant.people()))
        .execute(&mut *conn)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => no_such_participant(new),
            other => store_error(other),
        })?;
    }
    Ok(())
}

/// One session with its participants, or `NotFound`.
async fn fetch_training(conn: &mut PgConnection, id: TrainingId) -> Result<Training, StoreError> {
    let row = sqlx::query(concat!(select_trainings!(), "WHERE id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_training(id))?;
    let participants = sqlx::query(
        "SELECT organisation_id, people::bigint AS people FROM training_participants \
         WHERE session_id = $1 ORDER BY organisation_id",
    )
    .bind(id.as_uuid())
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?
    .iter()
    .map(|row| {
        Ok((
            row.try_get("organisation_id").map_err(store_error)?,
            row.try_get("people").map_err(store_error)?,
        ))
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    training_row(&row)?.into_training(participants)
}

fn training_row(row: &PgRow) -> Result<TrainingRow, StoreError> {
    Ok(TrainingRow {
        id: row.try_get("id").map_err(store_error)?,
        title: row.try_get("title").map_err(store_error)?,
        held_on: row.try_get("held_on").map_err(store_error)?,
        place: row.try_get("place").map_err(store_error)?,
        product_group: row.try_get("product_group").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
    })
}

fn guidance_row(row: &PgRow) -> Result<GuidanceRow, StoreError> {
    Ok(GuidanceRow {
        id: row.try_get("id").map_err(store_error)?,
        title: row.try_get("title").map_err(store_error)?,
        version: row.try_get("version").map_err(store_error)?,
        product_group: row.try_get("product_group").map_err(store_error)?,
        file_name: row.try_get("file_name").map_err(store_error)?,
        media_type: row.try_get("media_type").map_err(store_error)?,
        size: row.try_get("size").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        created_by: row.try_get("created_by").map_err(store_error)?,
    })
}
