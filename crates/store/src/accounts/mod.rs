//! Accounts: users with a role and a scope. Login and sessions are in `login.rs`, API keys
//! in `keys.rs`.

mod keys;
mod login;
mod manage;
mod model;

pub use keys::*;
pub use login::*;
pub use manage::*;
pub use model::*;

use crate::prelude::*;

pub(crate) const USER_COLS: &str = "u.id, u.username, u.display_name, u.password_hash, u.role, u.scope_code, \
     u.grid_code, u.failed_logins, u.locked_until, u.disabled, u.unit_id, u.must_change_password";

/// Users.
pub trait AccountStorage: Send + Sync {
    /// Creates an account for `ctx` (whose scope must hold the account's scope, its grid and its
    /// unit); audited with `ctx` as the actor.
    fn create_user<'a>(&'a self, ctx: &'a Ctx, u: &'a NewUser) -> BoxFut<'a, User>;
    /// Sets a password, ends the account's sessions and lockout; audited with `ctx` as the actor.
    fn set_password<'a>(&'a self, ctx: &'a Ctx, username: &'a str, hash: &'a str)
    -> BoxFut<'a, ()>;
    fn user_by_name<'a>(&'a self, username: &'a str) -> BoxFut<'a, Option<User>>;
    fn list_users<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<User>>;
}

impl<DB: Backend> AccountStorage for SqlStore<DB> {
    fn create_user<'a>(&'a self, ctx: &'a Ctx, u: &'a NewUser) -> BoxFut<'a, User> {
        Box::pin(async move {
            if !ctx.scope.contains(&u.scope_code) {
                return Err(Invalid::out_of_scope("scope").into());
            }
            let own = RegionCode::parse(&u.scope_code)
                .map_err(|i| StoreError::Invalid(i.at("scope")))?
                .scope();
            let mut tx = self.write_tx().await?;
            // The grid and the unit an account works for lie in its own scope.
            if let Some(g) = &u.grid_code
                && grid_in_scope(&mut tx, &own, g).await?.is_none()
            {
                return Err(Invalid::new(
                    "grid_code",
                    "unknown_grid",
                    "网格不存在或不在该账号的范围内",
                    "no such grid in the account's scope",
                )
                .into());
            }
            if let Some(unit) = u.unit_id {
                let region: Option<(String,)> =
                    query_as("SELECT region_code FROM units WHERE id = $1")
                        .bind(unit)
                        .fetch_optional(&mut *tx)
                        .await?;
                if !region.is_some_and(|(r,)| own.contains(&r)) {
                    return Err(Invalid::new(
                        "unit_id",
                        "unknown_unit",
                        "单位不存在或不在该账号的范围内",
                        "no such unit in the account's scope",
                    )
                    .into());
                }
            }
            let id = new_id();
            query(
                "INSERT INTO users (id, username, display_name, password_hash, role, scope_code, grid_code, unit_id, created_at, must_change_password) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            )
            .bind(id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.role.as_str())
            .bind(&u.scope_code)
            .bind(&u.grid_code)
            .bind(u.unit_id)
            .bind(now_ms())
            .bind(u.must_change_password)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_db(e, "username"))?;
            write_audit(
                &mut tx,
                ctx,
                "create",
                "user",
                &u.username,
                &u.scope_code,
                u.role.as_str(),
            )
            .await?;
            let user = query_as::<User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.id = $1"
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn set_password<'a>(
        &'a self,
        ctx: &'a Ctx,
        username: &'a str,
        hash: &'a str,
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let scope: Option<(String,)> = query_as(
                "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = 0 \
                 WHERE username = $2 AND scope_code >= $3 AND scope_code < $4 RETURNING scope_code",
            )
            .bind(hash)
            .bind(username)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((scope,)) = scope else {
                return Err(StoreError::NotFound("user"));
            };
            // A new password ends every session of the account.
            query(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
            )
            .bind(username)
            .execute(&mut *tx)
            .await?;
            write_audit(&mut tx, ctx, "reset_password", "user", username, &scope, "").await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn user_by_name<'a>(&'a self, username: &'a str) -> BoxFut<'a, Option<User>> {
        Box::pin(async move {
            Ok(query_as::<User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.username = $1"
            )))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
        })
    }

    fn list_users<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<User>> {
        Box::pin(async move {
            let rows = query_as::<User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.scope_code >= $1 AND u.scope_code < $2 \
                 ORDER BY u.scope_code, u.username LIMIT $3 OFFSET $4"
            )))
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await?;
            Ok(Page::from_rows(rows, page))
        })
    }
}

/// The region code an administrator's configuration is owned by (its scope's region, 12 digits;
/// empty for a caller whose scope is everything).
pub(crate) fn owner_of(ctx: &Ctx) -> String {
    if ctx.scope.lo.is_empty() {
        String::new()
    } else {
        format!("{:0<12}", ctx.scope.lo)
    }
}

/// Whether `ctx` is the deployment's top administrator: an administrator whose scope holds every
/// top region (or the system itself).
pub(crate) async fn is_top_admin<DB: Backend>(tx: &mut Tx<DB>, ctx: &Ctx) -> StoreResult<bool> {
    if ctx.role != Role::Admin {
        return Ok(false);
    }
    let (outside,): (i64,) = query_as(
        "SELECT count(*) FROM regions WHERE parent_code IS NULL AND NOT (code >= $1 AND code < $2)",
    )
    .bind(&ctx.scope.lo)
    .bind(&ctx.scope.hi)
    .fetch_one(&mut **tx)
    .await?;
    Ok(outside == 0)
}
