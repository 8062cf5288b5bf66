//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, SqlStore};

#[async_trait::async_trait]
impl crate::store::accounts::AccountStore for SqlStore {
    async fn create_user(
        &self,
        id: &str,
        name: &str,
        role: &str,
        password_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let result = sqlx::query(
            "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(name)
        .bind(role)
        .bind(password_hash)
        .bind(now.as_millisecond())
        .execute(self.writer())
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Err(crate::store::StoreError::Conflict)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn list_users(&self) -> crate::store::Result<Vec<crate::store::accounts::User>> {
        let rows =
            sqlx::query("SELECT id, name, role, created_at, disabled_at FROM users ORDER BY name")
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
    ) -> crate::store::Result<()> {
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
        .execute(self.writer())
        .await?;
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

    async fn revoke_token(&self, id: &str, now: jiff::Timestamp) -> crate::store::Result<()> {
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now.as_millisecond())
        .bind(id)
        .execute(self.writer())
        .await?;
        if result.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        Ok(())
    }

    async fn get_user(&self, id: &str) -> crate::store::Result<crate::store::accounts::User> {
        let row =
            sqlx::query("SELECT id, name, role, created_at, disabled_at FROM users WHERE id = $1")
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
            "SELECT id, name, role, created_at, disabled_at, password_hash FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.reader())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Ok((Self::user_from_row(&row)?, row.try_get("password_hash")?))
    }

    async fn set_user_role(&self, id: &str, role: &str) -> crate::store::Result<()> {
        let result = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role)
            .bind(id)
            .execute(self.writer())
            .await?;
        if result.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        Ok(())
    }

    async fn set_user_disabled(
        &self,
        id: &str,
        disabled_at: Option<jiff::Timestamp>,
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
        transaction.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        session: &crate::store::accounts::NewSession<'_>,
    ) -> crate::store::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(session.token_hash)
        .bind(session.user_id)
        .bind(session.csrf_token)
        .bind(session.now.as_millisecond())
        .bind(session.expires_at.as_millisecond())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::accounts::Session> {
        use sqlx::Row as _;
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at, \
                    s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, s.expires_at \
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

    async fn delete_session(&self, token_hash: &str) -> crate::store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writer())
            .await?;
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
        })
    }
}
