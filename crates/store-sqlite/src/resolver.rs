//! Resolver links on SQLite: each change and its audit entry in one `BEGIN IMMEDIATE`
//! transaction, so the one-default check and the write cannot interleave with another writer.

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, NewResolverLink, OrganisationId, ResolverLink, ResolverLinkId,
};
use nguon_store::{
    ResolverLinkRecord, ResolverStore, StoreError, default_link_taken, no_such_resolver_link,
    now_utc, resolver_link_audit, resolver_link_taken,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::SqliteStore;
use crate::accounts::insert_audit;
use crate::error::store_error;

/// Every column [`link_of`] reads.
const SELECT_LINKS: &str = "SELECT id, organisation_id, anchor, link_type, href, title, \
     media_type, hreflang, is_default, created_at, updated_at FROM resolver_links ";

#[async_trait]
impl ResolverStore for SqliteStore {
    async fn create_resolver_link(
        &self,
        organisation: OrganisationId,
        link: &NewResolverLink,
        actor: Actor,
    ) -> Result<ResolverLink, StoreError> {
        let id = ResolverLinkId::generate();
        let mut tx = self.write().await?;
        check_default(&mut tx, link, None).await?;
        let now = now_utc();
        sqlx::query(
            "INSERT INTO resolver_links (id, organisation_id, anchor, link_type, href, title, \
             media_type, hreflang, is_default, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.as_uuid())
        .bind(organisation.as_uuid())
        .bind(&link.anchor)
        .bind(link.link_type.as_str())
        .bind(&link.href)
        .bind(&link.title)
        .bind(&link.media_type)
        .bind(&link.hreflang)
        .bind(link.is_default)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => resolver_link_taken(link),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: organisation.to_string(),
            },
            other => store_error(other),
        })?;
        let stored = fetch(&mut tx, id).await?;
        insert_audit(
            &mut tx,
            &resolver_link_audit(actor, AuditAction::ResolverLinkCreate, None, Some(&stored)),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(stored)
    }

    async fn update_resolver_link(
        &self,
        id: ResolverLinkId,
        link: &NewResolverLink,
        actor: Actor,
    ) -> Result<ResolverLink, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch(&mut tx, id).await?;
        check_default(&mut tx, link, Some(id)).await?;
        sqlx::query(
            "UPDATE resolver_links SET anchor = ?, link_type = ?, href = ?, title = ?, \
             media_type = ?, hreflang = ?, is_default = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&link.anchor)
        .bind(link.link_type.as_str())
        .bind(&link.href)
        .bind(&link.title)
        .bind(&link.media_type)
        .bind(&link.hreflang)
        .bind(link.is_default)
        .bind(now_utc())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => resolver_link_taken(link),
            other => store_error(other),
        })?;
        let after = fetch(&mut tx, id).await?;
        insert_audit(
            &mut tx,
            &resolver_link_audit(
                actor,
                AuditAction::ResolverLinkUpdate,
                Some(&before),
                Some(&after),
            ),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    async fn delete_resolver_link(
        &self,
        id: ResolverLinkId,
        actor: Actor,
    ) -> Result<ResolverLink, StoreError> {
        let mut tx = self.write().await?;
        let before = fetch(&mut tx, id).await?;
        sqlx::query("DELETE FROM resolver_links WHERE id = ?")
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        insert_audit(
            &mut tx,
            &resolver_link_audit(actor, AuditAction::ResolverLinkDelete, Some(&before), None),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(before)
    }

    async fn resolver_link(&self, id: ResolverLinkId) -> Result<ResolverLink, StoreError> {
        let mut connection = self.pool.acquire().await.map_err(store_error)?;
        fetch(&mut connection, id).await
    }

    async fn resolver_links_at(&self, anchors: &[String]) -> Result<Vec<ResolverLink>, StoreError> {
        if anchors.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_LINKS);
        sql.push("WHERE anchor IN (");
        let mut list = sql.separated(", ");
        for anchor in anchors {
            list.push_bind(anchor);
        }
        sql.push(") ORDER BY id");
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(link_of).collect()
    }

    async fn list_resolver_links(
        &self,
        organisation: Option<OrganisationId>,
    ) -> Result<Vec<ResolverLink>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_LINKS);
        if let Some(organisation) = organisation {
            sql.push("WHERE organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        sql.push(" ORDER BY anchor, id");
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(link_of).collect()
    }
}

/// Refuses a default link for an anchor that has another one (`except` being the link changed).
async fn check_default(
    connection: &mut SqliteConnection,
    link: &NewResolverLink,
    except: Option<ResolverLinkId>,
) -> Result<(), StoreError> {
    if !link.is_default {
        return Ok(());
    }
    // The default already there is this very link: that is a duplicate, and says so.
    let other: Option<(uuid::Uuid, String, String)> = sqlx::query_as(
        "SELECT id, link_type, href FROM resolver_links WHERE anchor = ? AND is_default = 1",
    )
    .bind(&link.anchor)
    .fetch_optional(&mut *connection)
    .await
    .map_err(store_error)?;
    match other {
        Some((other, ..)) if Some(other) == except.map(|id| id.as_uuid()) => Ok(()),
        Some((_, link_type, href)) if link_type == link.link_type.as_str() && href == link.href => {
            Err(resolver_link_taken(link))
        }
        Some(_) => Err(default_link_taken(&link.anchor)),
        None => Ok(()),
    }
}

async fn fetch(
    connection: &mut SqliteConnection,
    id: ResolverLinkId,
) -> Result<ResolverLink, StoreError> {
    let mut sql = QueryBuilder::<Sqlite>::new(SELECT_LINKS);
    sql.push("WHERE id = ").push_bind(id.as_uuid());
    let row = sql
        .build()
        .fetch_optional(&mut *connection)
        .await
        .map_err(store_error)?
        .ok_or_else(|| no_such_resolver_link(id))?;
    link_of(&row)
}

fn link_of(row: &SqliteRow) -> Result<ResolverLink, StoreError> {
    ResolverLinkRecord {
        id: row.try_get("id").map_err(store_error)?,
        organisation: row.try_get("organisation_id").map_err(store_error)?,
        anchor: row.try_get("anchor").map_err(store_error)?,
        link_type: row.try_get("link_type").map_err(store_error)?,
        href: row.try_get("href").map_err(store_error)?,
        title: row.try_get("title").map_err(store_error)?,
        media_type: row.try_get("media_type").map_err(store_error)?,
        hreflang: row.try_get("hreflang").map_err(store_error)?,
        is_default: row.try_get("is_default").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
    }
    .into_link()
}
