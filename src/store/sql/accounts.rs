//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, SqlStore};

/// A sign-in through the provider must come back within ten minutes.
const OIDC_LOGIN_LIFETIME_MS: i64 = 10 * 60 * 1000;

#[async_trait::async_trait]
impl crate::store::accounts::AccountStore for SqlStore {
    async fn create_user(
        &self,
        id: &str,
        name: &str,
        role: &str,
        password_hash: &str,
        now: jiff::Timestamp,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        let result = sqlx::query(
            "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(name)
        .bind(role)
        .bind(password_hash)
        .bind(now.as_millisecond())
        .execute(&mut *transaction)
        .await;
        match result {
            Ok(_) => {
                super::audit::append(&mut transaction, audit, now).await?;
                transaction.commit().await?;
                Ok(())
            }
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Err(crate::store::StoreError::Conflict)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn list_users(&self) -> crate::store::Result<Vec<crate::store::accounts::User>> {
        let rows = sqlx::query(
            "SELECT id, name, role, created_at, disabled_at, person, oidc_subject FROM users ORDER BY name",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(Self::user_from_row).collect()
    }

    async fn chat_person(
        &self,
        app: &str,
        chat_user: &str,
    ) -> crate::store::Result<Option<String>> {
        let person =
            sqlx::query_scalar("SELECT person FROM chat_users WHERE app = $1 AND chat_user = $2")
                .bind(app)
                .bind(chat_user)
                .fetch_optional(self.reader())
                .await?;
        Ok(person)
    }

    async fn remember_chat_users(
        &self,
        app: &str,
        matches: &[(String, String)],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        for (chat_user, person) in matches {
            sqlx::query(
                "INSERT INTO chat_users (app, chat_user, person, looked_up_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (app, chat_user) DO UPDATE SET person = excluded.person, looked_up_at = excluded.looked_up_at",
            )
            .bind(app)
            .bind(chat_user)
            .bind(person)
            .bind(now.as_millisecond())
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    async fn chat_user_of(&self, app: &str, person: &str) -> crate::store::Result<Option<String>> {
        let user = sqlx::query_scalar(
            "SELECT chat_user FROM chat_users WHERE app = $1 AND person = $2 \
             ORDER BY looked_up_at DESC LIMIT 1",
        )
        .bind(app)
        .bind(person)
        .fetch_optional(self.reader())
        .await?;
        Ok(user)
    }

    async fn first_chat_request(
        &self,
        app: &str,
        mark: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query("DELETE FROM chat_requests WHERE seen_at < $1")
            .bind(now.as_millisecond() - 60 * 60 * 1000)
            .execute(&mut *transaction)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO chat_requests (app, mark, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (app, mark) DO NOTHING",
        )
        .bind(app)
        .bind(mark)
        .bind(now.as_millisecond())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        transaction.commit().await?;
        Ok(inserted == 1)
    }

    async fn create_token(
        &self,
        token: &crate::store::accounts::NewToken<'_>,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, scopes, token_hash, created_at, user_name, created_by, created_by_user) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token.id)
        .bind(token.name)
        .bind(token.scopes.join(","))
        .bind(token.token_hash)
        .bind(token.now.as_millisecond())
        .bind(token.user)
        .bind(&token.creator.by)
        .bind(&token.creator.user)
        .execute(&mut *transaction)
        .await?;
        super::audit::append(&mut transaction, audit, token.now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn find_token(
        &self,
        token_hash: &str,
    ) -> crate::store::Result<crate::store::accounts::ApiToken> {
        // A token acting for a person works only while that person exists and is enabled.
        let row = sqlx::query(
            "SELECT t.id, t.name, t.scopes, t.created_at, t.revoked_at, t.user_name, \
                    t.created_by, t.created_by_user, u.role AS user_role \
             FROM api_tokens t LEFT JOIN users u ON u.name = t.user_name \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
               AND (t.user_name IS NULL OR (u.id IS NOT NULL AND u.disabled_at IS NULL))",
        )
        .bind(token_hash)
        .fetch_optional(self.reader())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Self::token_from_row(&row)
    }

    async fn list_tokens(&self) -> crate::store::Result<Vec<crate::store::accounts::ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, scopes, created_at, revoked_at, user_name, created_by, created_by_user, \
                    NULL AS user_role \
             FROM api_tokens ORDER BY created_at, id",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(Self::token_from_row).collect()
    }

    async fn revoke_token(
        &self,
        id: &str,
        now: jiff::Timestamp,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn get_user(&self, id: &str) -> crate::store::Result<crate::store::accounts::User> {
        let row = sqlx::query(
            "SELECT id, name, role, created_at, disabled_at, person, oidc_subject FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Self::user_from_row(&row)
    }

    async fn user_credentials(
        &self,
        name: &str,
    ) -> crate::store::Result<(crate::store::accounts::User, String)> {
        use sqlx::Row as _;
        let row = sqlx::query(
            "SELECT id, name, role, created_at, disabled_at, person, oidc_subject, password_hash FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.reader())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Ok((Self::user_from_row(&row)?, row.try_get("password_hash")?))
    }

    async fn set_user_role(
        &self,
        id: &str,
        role: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        let result = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        if result.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn set_user_disabled(
        &self,
        id: &str,
        disabled_at: Option<jiff::Timestamp>,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        let result = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled_at.map(|at| at.as_millisecond()))
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        if result.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        if disabled_at.is_some() {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *transaction)
                .await?;
        }
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<u64> {
        let mut transaction = self.writer().begin().await?;
        let result = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        if result.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        let ended = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)",
        )
        .bind(id)
        .bind(keep_session)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(ended)
    }

    async fn create_session(
        &self,
        session: &crate::store::accounts::NewSession<'_>,
        audit: &[crate::store::audit::NewAudit],
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, id_token) \
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(session.token_hash)
        .bind(session.user_id)
        .bind(session.csrf_token)
        .bind(session.now.as_millisecond())
        .bind(session.expires_at.as_millisecond())
        .bind(session.id_token)
        .execute(&mut *transaction)
        .await?;
        super::audit::append(&mut transaction, audit, session.now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::accounts::Session> {
        use sqlx::Row as _;
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at, u.person, u.oidc_subject, \
                    s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, s.expires_at, s.id_token \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now.as_millisecond())
        .fetch_optional(self.reader())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Ok(crate::store::accounts::Session {
            user: Self::user_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            created_at: crate::clock::from_millis(row.try_get("session_created_at")?),
            last_seen_at: crate::clock::from_millis(row.try_get("last_seen_at")?),
            expires_at: crate::clock::from_millis(row.try_get("expires_at")?),
            id_token: row.try_get("id_token")?,
        })
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(now.as_millisecond())
            .bind(expires_at.as_millisecond())
            .bind(token_hash)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn begin_oidc_login(
        &self,
        login: &crate::store::accounts::OidcLogin,
        max_pending: i64,
    ) -> crate::store::Result<bool> {
        let mut transaction = self.writer().begin().await?;
        let stale = login.created_at.as_millisecond() - OIDC_LOGIN_LIFETIME_MS;
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < $1")
            .bind(stale)
            .execute(&mut *transaction)
            .await?;
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM oidc_logins")
            .fetch_one(&mut *transaction)
            .await?;
        if pending >= max_pending {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, browser_hash, verifier, nonce, next, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&login.state_hash)
        .bind(&login.browser_hash)
        .bind(&login.verifier)
        .bind(&login.nonce)
        .bind(&login.next)
        .bind(login.created_at.as_millisecond())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    async fn take_oidc_login(
        &self,
        state_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::accounts::OidcLogin>> {
        use sqlx::Row as _;
        let row = sqlx::query(
            "DELETE FROM oidc_logins WHERE state_hash = $1 \
             RETURNING state_hash, browser_hash, verifier, nonce, next, created_at",
        )
        .bind(state_hash)
        .fetch_optional(self.writer())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        if created_at < now.as_millisecond() - OIDC_LOGIN_LIFETIME_MS {
            return Ok(None);
        }
        Ok(Some(crate::store::accounts::OidcLogin {
            state_hash: row.try_get("state_hash")?,
            browser_hash: row.try_get("browser_hash")?,
            verifier: row.try_get("verifier")?,
            nonce: row.try_get("nonce")?,
            next: row.try_get("next")?,
            created_at: crate::clock::from_millis(created_at),
        }))
    }

    async fn oidc_sign_in(
        &self,
        user: &crate::store::accounts::OidcUser<'_>,
        session: &crate::store::accounts::NewSession<'_>,
        audit: &crate::store::audit::AuditOf<'_, (crate::store::accounts::User, bool)>,
    ) -> crate::store::Result<crate::store::accounts::OidcSignIn> {
        use crate::store::accounts::OidcSignIn;
        let now = session.now;
        let mut transaction = self.writer().begin().await?;
        let updated = sqlx::query(
            "UPDATE users SET role = $1, email = $2, person = $3 WHERE oidc_subject = $4",
        )
        .bind(user.role)
        .bind(user.email)
        .bind(user.person)
        .bind(user.subject)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if updated == 0 {
            let id = crate::store::new_id(now);
            let mut made = false;
            for name in user.names {
                // A taken name is skipped, not an error: that would end the transaction on
                // PostgreSQL.
                let inserted = sqlx::query(
                    "INSERT INTO users (id, name, role, password_hash, created_at, oidc_subject, email, person) \
                     VALUES ($1, $2, $3, '!', $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING",
                )
                .bind(&id)
                .bind(name)
                .bind(user.role)
                .bind(now.as_millisecond())
                .bind(user.subject)
                .bind(user.email)
                .bind(user.person)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
                if inserted == 1 {
                    made = true;
                    break;
                }
            }
            if !made {
                return Err(crate::store::StoreError::Conflict);
            }
        }
        let row = sqlx::query(
            "SELECT id, name, role, created_at, disabled_at, person, oidc_subject FROM users WHERE oidc_subject = $1",
        )
        .bind(user.subject)
        .fetch_one(&mut *transaction)
        .await?;
        let found = Self::user_from_row(&row)?;
        if found.disabled_at.is_some() {
            return Ok(OidcSignIn::Disabled(found));
        }
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, id_token) \
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(session.token_hash)
        .bind(&found.id)
        .bind(session.csrf_token)
        .bind(now.as_millisecond())
        .bind(session.expires_at.as_millisecond())
        .bind(session.id_token)
        .execute(&mut *transaction)
        .await?;
        let signed_in = (found, updated == 0);
        super::audit::append(&mut transaction, &audit(&signed_in), now).await?;
        transaction.commit().await?;
        Ok(OidcSignIn::SignedIn(signed_in.0))
    }

    async fn delete_session(
        &self,
        token_hash: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *transaction)
            .await?;
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(())
    }
}

impl SqlStore {
    pub(super) fn token_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::accounts::ApiToken> {
        use sqlx::Row as _;
        let scopes: String = row.try_get("scopes")?;
        Ok(crate::store::accounts::ApiToken {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            scopes: scopes.split(',').map(str::to_owned).collect(),
            user: row.try_get("user_name")?,
            created_by: row.try_get("created_by")?,
            created_by_user: row.try_get("created_by_user")?,
            user_role: row.try_get("user_role")?,
            created_at: crate::clock::from_millis(row.try_get("created_at")?),
            revoked_at: row
                .try_get::<Option<i64>, _>("revoked_at")?
                .map(crate::clock::from_millis),
        })
    }

    pub(super) fn user_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::accounts::User> {
        use sqlx::Row as _;
        Ok(crate::store::accounts::User {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            created_at: crate::clock::from_millis(row.try_get("created_at")?),
            disabled_at: row
                .try_get::<Option<i64>, _>("disabled_at")?
                .map(crate::clock::from_millis),
            person: row.try_get("person")?,
            single_sign_on: row.try_get::<Option<String>, _>("oidc_subject")?.is_some(),
        })
    }
}
