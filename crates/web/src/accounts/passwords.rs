//! Passwords: an administrator disables, enables or resets (to a temporary password) an account
//! in its scope; everyone changes their own password, which a temporary one requires first.

use crate::auth::{Auth, SESSION_COOKIE, check_password_policy, cookie, hash_password};
use crate::auth::{token_hash, verify_password};
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::{Invalid, Permission};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/{id}/disable", post(disable))
        .route("/api/v1/users/{id}/enable", post(enable))
        .route("/api/v1/users/{id}/password", post(reset))
        .route("/api/v1/auth/password", post(change_own))
}

async fn disable(s: State<AppState>, a: Auth, id: Path<String>) -> ApiResult<Json<User>> {
    set_disabled(s, a, id, true).await
}

async fn enable(s: State<AppState>, a: Auth, id: Path<String>) -> ApiResult<Json<User>> {
    set_disabled(s, a, id, false).await
}

async fn set_disabled(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    disabled: bool,
) -> ApiResult<Json<User>> {
    a.require(Permission::ManageAccounts)?;
    let id = parse_id(&id, "user")?;
    Ok(Json(s.store.set_user_disabled(&a.ctx, id, disabled).await?))
}

/// A temporary password set by an administrator.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct PasswordReset {
    #[serde(default)]
    #[schemars(length(min = 8, max = 128))]
    pub password: String,
}

async fn reset(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PasswordReset>,
) -> ApiResult<Json<User>> {
    a.require(Permission::ManageAccounts)?;
    let id = parse_id(&id, "user")?;
    check_password_policy(&b.password)?;
    let hash = hash_password(&b.password);
    Ok(Json(s.store.reset_user_password(&a.ctx, id, &hash).await?))
}

/// One's own new password, with the current one.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct PasswordChange {
    #[serde(default)]
    #[schemars(length(min = 1, max = 128))]
    pub current_password: String,
    #[serde(default)]
    #[schemars(length(min = 8, max = 128))]
    pub new_password: String,
}

async fn change_own(
    State(s): State<AppState>,
    a: Auth,
    headers: HeaderMap,
    JsonBody(b): JsonBody<PasswordChange>,
) -> ApiResult<Json<crate::auth::Me>> {
    if !verify_password(&b.current_password, &a.user.password_hash) {
        return Err(Invalid::new(
            "current_password",
            "wrong_password",
            "当前密码不对",
            "is not the current password",
        )
        .into());
    }
    check_password_policy(&b.new_password).map_err(|i| i.at("new_password"))?;
    if b.new_password == b.current_password {
        return Err(Invalid::new(
            "new_password",
            "same_password",
            "不能与当前密码相同",
            "must differ from the current password",
        )
        .into());
    }
    // This session stays; every other one (another phone, a lost one) ends.
    let keep = cookie(&headers, SESSION_COOKIE)
        .map(|t| token_hash(&t))
        .unwrap_or_default();
    let hash = hash_password(&b.new_password);
    let user = s.store.change_own_password(&a.ctx, &hash, &keep).await?;
    Ok(Json(crate::auth::me(&user, a.role, &a.csrf)))
}
