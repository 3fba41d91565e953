//! Users, sessions and the audit log on PostgreSQL. Every change locks the rows it reads first
//! (`FOR UPDATE`) and writes its audit entries in the same transaction.

use nguon_domain::{
    Access, Actor, AuditAction, AuditEntryId, AuditQuery, Email, NewAuditEntry, NewSession,
    NewUser, OrganisationId, PasswordHash, Session, SessionId, User, UserId, UserStatus,
};
use nguon_store::{
    AuditPage, AuditRecord, SessionRecord, StoreError, UserRecord, audit_json_text, email_taken,
    no_such_session, no_such_user, now_utc, outbox_subject, snapshot,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use time::OffsetDateTime;

use crate::PostgresStore;
use crate::error::store_error;
use crate::sync::insert_outbox;

/// The columns of `users` that [`user_from_row`] reads.
macro_rules! user_columns {
    () => {
        "id, email, name, role, organisation_id, status, password_hash, created_at, updated_at"
    };
}

/// The columns of `sessions` that [`session_from_row`] reads.
macro_rules! session_columns {
    () => {
        "id, user_id, csrf_token, created_at, last_seen_at, expires_at, revoked_at"
    };
}

impl PostgresStore {
    /// A transaction for a change and its audit entries.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(store_error)
    }

    pub(crate) async fn insert_user(
        &self,
        new: &NewUser,
        actor: Actor,
    ) -> Result<User, StoreError> {
        let now = now_utc();
        let user = User {
            id: UserId::generate(),
            email: new.email.clone(),
            name: new.name.clone(),
            access: new.access,
            status: UserStatus::Active,
            password_hash: new.password_hash.clone(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.write().await?;
        sqlx::query(concat!(
            "INSERT INTO users (",
            user_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(user.id.as_uuid())
        .bind(user.email.as_str())
        .bind(user.name.as_ref().map(|name| name.as_str()))
        .bind(user.access.role().as_str())
        .bind(user.access.organisation().map(|o| o.as_uuid()))
        .bind(user.status.as_str())
        .bind(user.password_hash.as_str())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => email_taken(),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound {
                what: "organisation",
                id: user
                    .access
                    .organisation()
                    .map(|o| o.to_string())
                    .unwrap_or_default(),
            },
            other => store_error(other),
        })?;
        let entry = snapshot::user_change(actor, AuditAction::UserCreate, None, &user);
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(user)
    }

    pub(crate) async fn find_user(
        &self,
        id: Option<UserId>,
        email: Option<&Email>,
    ) -> Result<Option<User>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        fetch_user(&mut conn, id, email).await
    }

    pub(crate) async fn users_of(
        &self,
        organisation: Option<OrganisationId>,
    ) -> Result<Vec<User>, StoreError> {
        let mut sql =
            QueryBuilder::<Postgres>::new(concat!("SELECT ", user_columns!(), " FROM users"));
        if let Some(organisation) = organisation {
            sql.push(" WHERE organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        // Byte order, as on SQLite, whatever collation the database was created with.
        sql.push(" ORDER BY email COLLATE \"C\"");
        sql.build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(user_from_row)
            .collect()
    }

    /// Applies `change` to a user in one transaction: reads it, lets `change` write, reads it
    /// again and audits the difference as `action`.
    pub(crate) async fn change_user(
        &self,
        id: UserId,
        actor: Actor,
        action: AuditAction,
        change: UserChange<'_>,
    ) -> Result<User, StoreError> {
        let mut tx = self.write().await?;
        // Lock the row first, so a concurrent change waits and `before` is what this one changes.
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?
            .ok_or_else(|| no_such_user(id))?;
        let before = fetch_user(&mut tx, Some(id), None)
            .await?
            .ok_or_else(|| no_such_user(id))?;
        let now = now_utc();
        let new_organisation = match change {
            UserChange::Access(access) => access.organisation(),
            UserChange::Status(_) | UserChange::Password(..) => None,
        };
        let mut update = QueryBuilder::<Postgres>::new("UPDATE users SET updated_at = ");
        update.push_bind(now);
        match change {
            UserChange::Access(access) => {
                update
                    .push(", role = ")
                    .push_bind(access.role().as_str())
                    .push(", organisation_id = ")
                    .push_bind(access.organisation().map(|o| o.as_uuid()));
            }
            UserChange::Status(status) => {
                update.push(", status = ").push_bind(status.as_str());
            }
            UserChange::Password(hash, _) => {
                update.push(", password_hash = ").push_bind(hash.as_str());
            }
        }
        update.push(" WHERE id = ").push_bind(id.as_uuid());
        update
            .build()
            .execute(&mut *tx)
            .await
            .map_err(|error| match error {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::NotFound {
                        what: "organisation",
                        id: new_organisation.map(|o| o.to_string()).unwrap_or_default(),
                    }
                }
                other => store_error(other),
            })?;
        let after = fetch_user(&mut tx, Some(id), None)
            .await?
            .ok_or_else(|| no_such_user(id))?;
        insert_audit(
            &mut tx,
            &snapshot::user_change(actor, action, Some(&before), &after),
        )
        .await?;
        match change {
            UserChange::Status(UserStatus::Disabled) => {
                revoke_sessions(&mut tx, &after, None, actor, now).await?;
            }
            UserChange::Password(_, keep) => {
                revoke_sessions(&mut tx, &after, keep, actor, now).await?;
            }
            UserChange::Status(UserStatus::Active) | UserChange::Access(_) => {}
        }
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    pub(crate) async fn insert_session(&self, new: &NewSession) -> Result<Session, StoreError> {
        let now = now_utc();
        let session = Session {
            id: SessionId::generate(),
            user: new.user,
            csrf_token: new.csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: new.expires_at,
            revoked_at: None,
        };
        let mut tx = self.write().await?;
        let user = fetch_user(&mut tx, Some(new.user), None)
            .await?
            .ok_or_else(|| no_such_user(new.user))?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, token_hash, csrf_token, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.id.as_uuid())
        .bind(session.user.as_uuid())
        .bind(new.token_hash.to_vec())
        .bind(&session.csrf_token)
        .bind(now)
        .bind(now)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                what: "session",
                detail: "a session with this token already exists".to_owned(),
            },
            other => store_error(other),
        })?;
        let entry = snapshot::session_change(
            Actor::User(user.id),
            AuditAction::SessionCreate,
            user.access.organisation(),
            None,
            &session,
        );
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(session)
    }

    pub(crate) async fn find_session(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<Session>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE token_hash = $1"
        ))
        .bind(token_hash.to_vec())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .map(|row| session_from_row(&row))
        .transpose()
    }

    pub(crate) async fn mark_session_seen(
        &self,
        id: SessionId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    pub(crate) async fn end_session(
        &self,
        id: SessionId,
        actor: Actor,
    ) -> Result<Session, StoreError> {
        let mut tx = self.write().await?;
        let before = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE id = $1 FOR UPDATE"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?
        .map(|row| session_from_row(&row))
        .transpose()?
        .ok_or_else(|| no_such_session(id))?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let user = fetch_user(&mut tx, Some(before.user), None)
            .await?
            .ok_or_else(|| no_such_user(before.user))?;
        let after = revoke_one(&mut tx, &before, &user, actor, now_utc()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(after)
    }

    pub(crate) async fn end_user_sessions(
        &self,
        user: UserId,
        actor: Actor,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let user = fetch_user(&mut tx, Some(user), None)
            .await?
            .ok_or_else(|| no_such_user(user))?;
        let count = revoke_sessions(&mut tx, &user, None, actor, now_utc()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(count)
    }

    pub(crate) async fn audit_page(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT id, at, actor, action, entity_kind, entity_id, organisation_id, \
             before::text AS before, after::text AS after FROM audit_log WHERE 1 = 1",
        );
        if let Some(actor) = query.actor {
            sql.push(" AND actor = ").push_bind(actor.to_string());
        }
        if let Some(kind) = query.entity_kind {
            sql.push(" AND entity_kind = ").push_bind(kind.as_str());
        }
        if let Some(entity_id) = &query.entity_id {
            sql.push(" AND entity_id = ").push_bind(entity_id.clone());
        }
        if let Some(action) = query.action {
            sql.push(" AND action = ").push_bind(action.as_str());
        }
        if let Some(organisation) = query.organisation {
            sql.push(" AND organisation_id = ")
                .push_bind(organisation.as_uuid());
        }
        if let Some(from) = query.from {
            sql.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = query.to {
            sql.push(" AND at < ").push_bind(to);
        }
        if let Some(before) = query.before {
            sql.push(" AND id < ").push_bind(before.as_uuid());
        }
        let limit = query.effective_limit();
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let entries = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(|row| {
                AuditRecord {
                    id: row.try_get("id").map_err(store_error)?,
                    at: row.try_get("at").map_err(store_error)?,
                    actor: row.try_get("actor").map_err(store_error)?,
                    action: row.try_get("action").map_err(store_error)?,
                    entity_kind: row.try_get("entity_kind").map_err(store_error)?,
                    entity_id: row.try_get("entity_id").map_err(store_error)?,
                    organisation_id: row.try_get("organisation_id").map_err(store_error)?,
                    before: row.try_get("before").map_err(store_error)?,
                    after: row.try_get("after").map_err(store_error)?,
                }
                .into_entry()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AuditPage::from_fetched(entries, limit))
    }
}

/// One change [`PostgresStore::change_user`] makes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserChange<'a> {
    /// A new role and organisation.
    Access(Access),
    /// Enabled or disabled.
    Status(UserStatus),
    /// A new password hash, and the session to keep signed in.
    Password(&'a PasswordHash, Option<SessionId>),
}

/// Writes one audit entry on the caller's transaction.
pub(crate) async fn insert_audit(
    conn: &mut PgConnection,
    entry: &NewAuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, entity_kind, entity_id, \
         organisation_id, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)",
    )
    .bind(AuditEntryId::generate().as_uuid())
    .bind(now_utc())
    .bind(entry.actor.to_string())
    .bind(entry.action.as_str())
    .bind(entry.action.entity_kind().as_str())
    .bind(&entry.entity_id)
    .bind(entry.organisation.map(|o| o.as_uuid()))
    .bind(audit_json_text(&entry.before))
    .bind(audit_json_text(&entry.after))
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    if let Some(change) = outbox_subject(entry) {
        insert_outbox(conn, &[change]).await?;
    }
    Ok(())
}

/// A user by id or by address.
async fn fetch_user(
    conn: &mut PgConnection,
    id: Option<UserId>,
    email: Option<&Email>,
) -> Result<Option<User>, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE 1 = 1"
    ));
    if let Some(id) = id {
        sql.push(" AND id = ").push_bind(id.as_uuid());
    }
    if let Some(email) = email {
        sql.push(" AND email = ")
            .push_bind(email.as_str().to_owned());
    }
    sql.build()
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .map(|row| user_from_row(&row))
        .transpose()
}

/// Revokes every live session of `user` except `keep`, auditing each; returns how many.
async fn revoke_sessions(
    conn: &mut PgConnection,
    user: &User,
    keep: Option<SessionId>,
    actor: Actor,
    at: OffsetDateTime,
) -> Result<u64, StoreError> {
    let live = sqlx::query(concat!(
        "SELECT ",
        session_columns!(),
        " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id FOR UPDATE"
    ))
    .bind(user.id.as_uuid())
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?
    .iter()
    .map(session_from_row)
    .collect::<Result<Vec<_>, _>>()?;
    let mut count = 0;
    for session in live.iter().filter(|s| Some(s.id) != keep) {
        revoke_one(conn, session, user, actor, at).await?;
        count += 1;
    }
    Ok(count)
}

/// Revokes one live session and audits it.
async fn revoke_one(
    conn: &mut PgConnection,
    session: &Session,
    user: &User,
    actor: Actor,
    at: OffsetDateTime,
) -> Result<Session, StoreError> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2")
        .bind(at)
        .bind(session.id.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    let after = Session {
        revoked_at: Some(at),
        ..session.clone()
    };
    let entry = snapshot::session_change(
        actor,
        AuditAction::SessionRevoke,
        user.access.organisation(),
        Some(session),
        &after,
    );
    insert_audit(conn, &entry).await?;
    Ok(after)
}

fn user_from_row(row: &PgRow) -> Result<User, StoreError> {
    UserRecord {
        id: row.try_get("id").map_err(store_error)?,
        email: row.try_get("email").map_err(store_error)?,
        name: row.try_get("name").map_err(store_error)?,
        role: row.try_get("role").map_err(store_error)?,
        organisation_id: row.try_get("organisation_id").map_err(store_error)?,
        status: row.try_get("status").map_err(store_error)?,
        password_hash: row.try_get("password_hash").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        updated_at: row.try_get("updated_at").map_err(store_error)?,
    }
    .into_user()
}

fn session_from_row(row: &PgRow) -> Result<Session, StoreError> {
    SessionRecord {
        id: row.try_get("id").map_err(store_error)?,
        user_id: row.try_get("user_id").map_err(store_error)?,
        csrf_token: row.try_get("csrf_token").map_err(store_error)?,
        created_at: row.try_get("created_at").map_err(store_error)?,
        last_seen_at: row.try_get("last_seen_at").map_err(store_error)?,
        expires_at: row.try_get("expires_at").map_err(store_error)?,
        revoked_at: row.try_get("revoked_at").map_err(store_error)?,
    }
    .into_session()
}
