//! Logging in: failed-login counting and lockout (for accounts and for names that are no
//! account alike), and sessions.

use crate::prelude::*;

/// Login attempts and sessions.
pub trait LoginStorage: Send + Sync {
    /// Counts a failed login; the `lock_after`-th failure locks the account until `lock_until`.
    /// A lock that has expired by `now` starts the count again.
    fn login_failed<'a>(
        &'a self,
        user_id: i64,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, ()>;
    /// Counts a failed login under a name that is no account, exactly as `login_failed` counts
    /// an account's; answers until when the name is now locked (0: not locked).
    fn guess_failed<'a>(
        &'a self,
        name: &'a str,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, i64>;
    /// Until when a name that is no account is locked (0: not locked).
    fn guess_locked_until<'a>(&'a self, name: &'a str) -> BoxFut<'a, i64>;
    /// Ends an account's lockout (an administrator whose scope holds the account); audited.
    fn unlock_user<'a>(&'a self, ctx: &'a Ctx, user_id: i64) -> BoxFut<'a, User>;
    fn login_succeeded<'a>(&'a self, user_id: i64) -> BoxFut<'a, ()>;
    fn create_session<'a>(&'a self, s: &'a Session) -> BoxFut<'a, ()>;
    fn session<'a>(&'a self, token_hash: &'a str, now: i64) -> BoxFut<'a, Option<(Session, User)>>;
    fn delete_session<'a>(&'a self, token_hash: &'a str) -> BoxFut<'a, ()>;
}

impl<DB: Backend> LoginStorage for SqlStore<DB> {
    fn login_failed<'a>(
        &'a self,
        user_id: i64,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            query(
                "UPDATE users SET failed_logins = 0, locked_until = 0 \
                 WHERE id = $1 AND locked_until > 0 AND locked_until <= $2",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            query(
                "UPDATE users SET failed_logins = failed_logins + 1, \
                 locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3",
            )
            .bind(lock_after)
            .bind(lock_until)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn guess_failed<'a>(
        &'a self,
        name: &'a str,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            // Old guesses go (a day after the last one), so sprayed names do not pile up.
            if rand::random::<u8>() == 0 {
                query("DELETE FROM login_guesses WHERE last_at < $1 AND locked_until < $2")
                    .bind(now - 86_400_000)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let (locked,): (i64,) = query_as(
                "INSERT INTO login_guesses (name, failures, locked_until, last_at) \
                 VALUES ($1, 1, CASE WHEN 1 >= $2 THEN $3 ELSE 0 END, $4) \
                 ON CONFLICT (name) DO UPDATE SET \
                   failures = CASE WHEN login_guesses.locked_until > 0 \
                     AND login_guesses.locked_until <= $4 THEN 1 ELSE login_guesses.failures + 1 END, \
                   locked_until = CASE \
                     WHEN login_guesses.locked_until > 0 AND login_guesses.locked_until <= $4 \
                       THEN CASE WHEN 1 >= $2 THEN $3 ELSE 0 END \
                     WHEN login_guesses.failures + 1 >= $2 THEN $3 \
                     ELSE login_guesses.locked_until END, \
                   last_at = $4 \
                 RETURNING locked_until",
            )
            .bind(name)
            .bind(lock_after)
            .bind(lock_until)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(locked)
        })
    }

    fn guess_locked_until<'a>(&'a self, name: &'a str) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let v: Option<(i64,)> =
                query_as("SELECT locked_until FROM login_guesses WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(v.map_or(0, |(t,)| t))
        })
    }

    fn unlock_user<'a>(&'a self, ctx: &'a Ctx, user_id: i64) -> BoxFut<'a, User> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let user = query_as::<User>(AssertSqlSafe(format!(
                "UPDATE users SET failed_logins = 0, locked_until = 0 \
                 WHERE id = $1 AND scope_code >= $2 AND scope_code < $3 RETURNING {}",
                USER_COLS.replace("u.", "")
            )))
            .bind(user_id)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
            write_audit(
                &mut tx,
                ctx,
                "unlock_user",
                "user",
                &user.username,
                &user.scope_code,
                "",
            )
            .await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn login_succeeded<'a>(&'a self, user_id: i64) -> BoxFut<'a, ()> {
        Box::pin(async move {
            query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = $1")
                .bind(user_id)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
    }

    fn create_session<'a>(&'a self, s: &'a Session) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)",
            )
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn session<'a>(&'a self, token_hash: &'a str, now: i64) -> BoxFut<'a, Option<(Session, User)>> {
        Box::pin(async move {
            let s = query_as::<Session>(
                "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions \
                 WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            let Some(s) = s else { return Ok(None) };
            let u = query_as::<User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.id = $1 AND u.disabled = FALSE"
            )))
            .bind(s.user_id)
            .fetch_optional(&self.pool)
            .await?;
            Ok(u.map(|u| (s, u)))
        })
    }

    fn delete_session<'a>(&'a self, token_hash: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
    }
}
