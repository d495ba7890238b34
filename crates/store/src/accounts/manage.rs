//! Account administration within a scope: disabling and enabling an account, resetting its
//! password to a temporary one, and a person changing their own password.

use super::USER_COLS;
use crate::backend::Arg;
use crate::prelude::*;

/// Administering accounts, and one's own password.
pub trait AccountAdminStorage: Send + Sync {
    /// Disables (ending its sessions) or enables an account in `ctx`'s scope; never one's own.
    fn set_user_disabled<'a>(
        &'a self,
        ctx: &'a Ctx,
        user_id: i64,
        disabled: bool,
    ) -> BoxFut<'a, User>;
    /// Sets a temporary password on an account in `ctx`'s scope: its sessions end and it must
    /// change the password at the next login.
    fn reset_user_password<'a>(
        &'a self,
        ctx: &'a Ctx,
        user_id: i64,
        hash: &'a str,
    ) -> BoxFut<'a, User>;
    /// A person's own new password: the temporary mark goes, and every other session ends.
    fn change_own_password<'a>(
        &'a self,
        ctx: &'a Ctx,
        hash: &'a str,
        keep_session: &'a str,
    ) -> BoxFut<'a, User>;
}

/// An account of `ctx`'s scope, changed by `set` (SQL after `SET`, with `$1` its value).
async fn update_in_scope<DB: Backend>(
    tx: &mut Tx<DB>,
    ctx: &Ctx,
    user_id: i64,
    set: &str,
    value: Arg<'_>,
) -> StoreResult<User> {
    query_as::<User>(AssertSqlSafe(format!(
        "UPDATE users SET {set} WHERE id = $2 AND scope_code >= $3 AND scope_code < $4 RETURNING {}",
        USER_COLS.replace("u.", "")
    )))
    .bind(value)
    .bind(user_id)
    .bind(&ctx.scope.lo)
    .bind(&ctx.scope.hi)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("user"))
}

async fn end_sessions<DB: Backend>(tx: &mut Tx<DB>, user_id: i64, keep: &str) -> StoreResult<()> {
    query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl<DB: Backend> AccountAdminStorage for SqlStore<DB> {
    fn set_user_disabled<'a>(
        &'a self,
        ctx: &'a Ctx,
        user_id: i64,
        disabled: bool,
    ) -> BoxFut<'a, User> {
        Box::pin(async move {
            if ctx.user_id == Some(user_id) {
                return Err(StoreError::Refused {
                    code: "own_account",
                    zh: "不能停用自己的账号".into(),
                    en: "you cannot disable your own account".into(),
                });
            }
            let mut tx = self.write_tx().await?;
            let user = update_in_scope(&mut tx, ctx, user_id, "disabled = $1", Arg::from(disabled))
                .await?;
            if disabled {
                end_sessions(&mut tx, user_id, "").await?;
            }
            let action = if disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            let (name, scope) = (&user.username, &user.scope_code);
            write_audit(&mut tx, ctx, action, "user", name, scope, "").await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn reset_user_password<'a>(
        &'a self,
        ctx: &'a Ctx,
        user_id: i64,
        hash: &'a str,
    ) -> BoxFut<'a, User> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let set = "password_hash = $1, must_change_password = TRUE, failed_logins = 0, locked_until = 0";
            let user = update_in_scope(&mut tx, ctx, user_id, set, Arg::from(hash)).await?;
            end_sessions(&mut tx, user_id, "").await?;
            let (name, scope) = (&user.username, &user.scope_code);
            write_audit(&mut tx, ctx, "reset_password", "user", name, scope, "").await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn change_own_password<'a>(
        &'a self,
        ctx: &'a Ctx,
        hash: &'a str,
        keep_session: &'a str,
    ) -> BoxFut<'a, User> {
        Box::pin(async move {
            let id = ctx.user_id.ok_or(StoreError::NotFound("user"))?;
            let mut tx = self.write_tx().await?;
            let user = query_as::<User>(AssertSqlSafe(format!(
                "UPDATE users SET password_hash = $1, must_change_password = FALSE WHERE id = $2 RETURNING {}",
                USER_COLS.replace("u.", "")
            )))
            .bind(hash)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
            end_sessions(&mut tx, id, keep_session).await?;
            let (name, scope) = (&user.username, &user.scope_code);
            write_audit(&mut tx, ctx, "change_password", "user", name, scope, "").await?;
            tx.commit().await?;
            Ok(user)
        })
    }
}
