//! Named queries and their subscriptions on SQLite. Deleting a query deletes its subscriptions
//! through the foreign key's `ON DELETE CASCADE`.

use nguon_domain::{
    EventCursor, NamedQuery, NewNamedQuery, NewSubscription, OrganisationId, QueryName,
    Subscription, SubscriptionId, Trigger,
};
use nguon_store::{
    NamedQueryRecord, StoreError, SubscriptionRecord, no_such_query, no_such_subscription, now_utc,
    query_name_taken, schedule_json, subscription_error,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::error::store_error;

/// The columns of `subscriptions` that [`subscription_from_row`] reads.
macro_rules! subscription_columns {
    () => {
        "id, owner_id, query_name, dest, signature_token, report_if_empty, stream, schedule, \
         initial_record_time, last_record_time, last_sequence, last_notified_at, created_at, \
         failures, last_error"
    };
}

impl SqliteStore {
    pub(crate) async fn insert_named_query(
        &self,
        new: &NewNamedQuery,
    ) -> Result<NamedQuery, StoreError> {
        let query = NamedQuery {
            owner: new.owner,
            name: new.name.clone(),
            definition: new.definition.clone(),
            created_at: now_utc(),
        };
        sqlx::query(
            "INSERT INTO named_queries (owner_id, name, definition, created_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(query.owner.as_uuid())
        .bind(query.name.as_str())
        .bind(&query.definition)
        .bind(query.created_at)
        .execute(&self.pool)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: new.owner.to_string(),
            },
            sqlx::Error::Database(db) if db.is_unique_violation() => query_name_taken(&new.name),
            other => store_error(other),
        })?;
        Ok(query)
    }

    pub(crate) async fn find_named_queries(
        &self,
        owner: OrganisationId,
        name: Option<&QueryName>,
    ) -> Result<Vec<NamedQuery>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT owner_id, name, definition, created_at FROM named_queries WHERE owner_id = ",
        );
        sql.push_bind(owner.as_uuid());
        if let Some(name) = name {
            sql.push(" AND name = ").push_bind(name.as_str().to_owned());
        }
        sql.push(" ORDER BY name");
        sql.build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(named_query_from_row)
            .collect()
    }

    pub(crate) async fn remove_named_query(
        &self,
        owner: OrganisationId,
        name: &QueryName,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM named_queries WHERE owner_id = ? AND name = ?")
            .bind(owner.as_uuid())
            .bind(name.as_str())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        match done.rows_affected() {
            0 => Err(no_such_query(name)),
            _ => Ok(()),
        }
    }

    pub(crate) async fn insert_subscription(
        &self,
        new: &NewSubscription,
    ) -> Result<Subscription, StoreError> {
        let subscription = Subscription {
            id: SubscriptionId::generate(),
            owner: new.owner,
            query_name: new.query_name.clone(),
            dest: new.dest.clone(),
            signature_token: new.signature_token.clone(),
            report_if_empty: new.report_if_empty,
            trigger: new.trigger.clone(),
            initial_record_time: new.initial_record_time,
            delivered: None,
            last_notified_at: None,
            created_at: now_utc(),
            failures: 0,
            last_error: None,
        };
        sqlx::query(concat!(
            "INSERT INTO subscriptions (",
            subscription_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, 0, NULL)"
        ))
        .bind(subscription.id.as_uuid())
        .bind(subscription.owner.as_uuid())
        .bind(subscription.query_name.as_str())
        .bind(&subscription.dest)
        .bind(&subscription.signature_token)
        .bind(subscription.report_if_empty)
        .bind(subscription.trigger == Trigger::Stream)
        .bind(schedule_json(&subscription.trigger))
        .bind(subscription.initial_record_time)
        .bind(subscription.created_at)
        .execute(&self.pool)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                no_such_query(&new.query_name)
            }
            other => store_error(other),
        })?;
        Ok(subscription)
    }

    pub(crate) async fn find_subscriptions(
        &self,
        owner: Option<OrganisationId>,
        query_name: Option<&QueryName>,
        id: Option<SubscriptionId>,
    ) -> Result<Vec<Subscription>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            subscription_columns!(),
            " FROM subscriptions WHERE 1 = 1"
        ));
        if let Some(owner) = owner {
            sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
        }
        if let Some(name) = query_name {
            sql.push(" AND query_name = ")
                .push_bind(name.as_str().to_owned());
        }
        if let Some(id) = id {
            sql.push(" AND id = ").push_bind(id.as_uuid());
        }
        sql.push(" ORDER BY id");
        sql.build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(subscription_from_row)
            .collect()
    }

    pub(crate) async fn remove_subscription(
        &self,
        owner: OrganisationId,
        id: SubscriptionId,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM subscriptions WHERE owner_id = ? AND id = ?")
            .bind(owner.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        match done.rows_affected() {
            0 => Err(no_such_subscription(id)),
            _ => Ok(()),
        }
    }

    pub(crate) async fn move_subscription_cursor(
        &self,
        id: SubscriptionId,
        delivered: Option<EventCursor>,
        notified_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE subscriptions SET last_record_time = coalesce(?, last_record_time), \
             last_sequence = coalesce(?, last_sequence), last_notified_at = ?, failures = 0, \
             last_error = NULL WHERE id = ?",
        )
        .bind(delivered.map(|cursor| cursor.order_value))
        .bind(delivered.map(|cursor| cursor.sequence))
        .bind(notified_at)
        .bind(id.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        match done.rows_affected() {
            0 => Err(no_such_subscription(id)),
            _ => Ok(()),
        }
    }

    pub(crate) async fn note_subscription_failure(
        &self,
        id: SubscriptionId,
        error: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE subscriptions SET failures = failures + 1, last_error = ? WHERE id = ?",
        )
        .bind(subscription_error(error))
        .bind(id.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        match done.rows_affected() {
            0 => Err(no_such_subscription(id)),
            _ => Ok(()),
        }
    }
}

fn named_query_from_row(row: &SqliteRow) -> Result<NamedQuery, StoreError> {
    NamedQueryRecord {
        owner_id: row.try_get("owner_id").map_err(store_error)?,
        name: row.try_get("name").map_err(store_error)?,
        definition: row.try_get("definition").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
    }
    .into_named_query()
}

fn subscription_from_row(row: &SqliteRow) -> Result<Subscription, StoreError> {
    SubscriptionRecord {
        id: row.try_get("id").map_err(store_error)?,
        owner_id: row.try_get("owner_id").map_err(store_error)?,
        query_name: row.try_get("query_name").map_err(store_error)?,
        dest: row.try_get("dest").map_err(store_error)?,
        signature_token: row.try_get("signature_token").map_err(store_error)?,
        report_if_empty: row.try_get("report_if_empty").map_err(store_error)?,
        stream: row.try_get("stream").map_err(store_error)?,
        schedule: row.try_get("schedule").map_err(store_error)?,
        initial_record_time: row.try_get("initial_record_time").map_err(store_error)?,
        last_record_time: row.try_get("last_record_time").map_err(store_error)?,
        last_sequence: row.try_get("last_sequence").map_err(store_error)?,
        last_notified_at: row.try_get("last_notified_at").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        failures: row.try_get("failures").map_err(store_error)?,
        last_error: row.try_get("last_error").map_err(store_error)?,
    }
    .into_subscription()
}
