//! Account handlers: users, unlocking, the audit log and Open311 API keys (login and
//! sessions are in `auth.rs`).

use crate::auth::{Auth, check_password_policy, hash_password};
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::{Invalid, Permission, RegionCode, Role, grid};
use tongchou_store::*;

mod passwords;

pub use passwords::{PasswordChange, PasswordReset};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(passwords::routes())
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}/unlock", post(unlock_user))
        .route("/api/v1/audit", get(list_audit))
        .route("/api/v1/api-keys", get(list_keys).post(create_key))
        .route("/api/v1/api-keys/{id}", axum::routing::delete(revoke_key))
}

async fn list_users(
    State(s): State<AppState>,
    a: Auth,
    Q(p): Q<PageQ>,
) -> ApiResult<Json<Page<User>>> {
    a.require(Permission::ManageAccounts)?;
    Ok(Json(s.store.list_users(&a.ctx, p.req()).await?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct UserIn {
    #[serde(default)]
    #[schemars(length(min = 1), pattern("^[A-Za-z0-9_.-]{3,40}$"))]
    pub username: String,
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub display_name: String,
    #[serde(default)]
    #[schemars(length(min = 8), pattern("^(?=[\\s\\S]*[0-9])"))]
    pub password: String,
    #[serde(default)]
    #[schemars(length(min = 1))]
    #[schemars(extend("enum" = ["resident", "grid_worker", "agent", "dispatcher", "handler", "leader", "party_officer", "admin"]))]
    pub role: String,
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::region::CODE_PATTERN))]
    pub scope: String,
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::grid::CODE_OR_BLANK_PATTERN))]
    pub grid_code: String,
    /// The unit a handler works for (required for a handler): a unit within the account's scope.
    #[schemars(with = "Option<tongchou_store::IdIn>")]
    #[serde(default, with = "tongchou_store::id_str::opt")]
    pub unit_id: Option<i64>,
}

/// Validates an account request (shared by the API and the command line).
pub fn validate_user(u: &UserIn) -> Result<NewUser, Invalid> {
    let username = u.username.trim();
    if username.len() < 3
        || username.len() > 40
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        return Err(Invalid::new(
            "username",
            "invalid_username",
            "3–40 位字母、数字、_ . -",
            "3 to 40 letters, digits, _ . or -",
        ));
    }
    check_password_policy(&u.password)?;
    let role = Role::parse(u.role.trim()).ok_or_else(|| {
        Invalid::new(
            "role",
            "invalid_value",
            "未知角色",
            "must be one of resident, grid_worker, agent, dispatcher, handler, leader, party_officer, admin",
        )
    })?;
    // A handler sees and acts on its unit's cases: without one the account could do nothing.
    if role == Role::Handler && u.unit_id.is_none() {
        return Err(Invalid::new(
            "unit_id",
            "required",
            "处置人员须选择所属单位",
            "a handler needs the unit it works for",
        ));
    }
    let scope = RegionCode::parse_field("scope", &u.scope)?;
    let grid_code = match u.grid_code.trim() {
        "" => None,
        g => Some(grid::parse_code("grid_code", g)?.0),
    };
    Ok(NewUser {
        username: username.to_string(),
        display_name: if u.display_name.trim().is_empty() {
            username.to_string()
        } else {
            u.display_name.trim().to_string()
        },
        password_hash: hash_password(&u.password),
        role,
        scope_code: scope.as_str().to_string(),
        grid_code,
        unit_id: u.unit_id,
        must_change_password: false,
    })
}

async fn create_user(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<UserIn>,
) -> ApiResult<(StatusCode, Json<User>)> {
    a.require(Permission::ManageAccounts)?;
    // The password an administrator chose is temporary: the person changes it at first login.
    let u = NewUser {
        must_change_password: true,
        ..validate_user(&b)?
    };
    Ok((
        StatusCode::CREATED,
        Json(s.store.create_user(&a.ctx, &u).await?),
    ))
}

/// Ends an account's lockout before it expires (an administrator whose scope holds it).
async fn unlock_user(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    a.require(Permission::ManageAccounts)?;
    let id = parse_id(&id, "user")?;
    Ok(Json(s.store.unlock_user(&a.ctx, id).await?))
}

/// The audit log's filters: who, what, on what, when (each optional).
#[derive(Deserialize)]
struct AuditQ {
    page: Option<u32>,
    page_size: Option<u32>,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    from: Option<i64>,
    to: Option<i64>,
}

async fn list_audit(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<AuditQ>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    a.require(Permission::ManageAccounts)?;
    let f = AuditFilter {
        actor: q.actor,
        action: q.action,
        target: q.target,
        from: q.from,
        to: q.to,
    };
    let page = PageReq::new(q.page, q.page_size);
    Ok(Json(s.store.search_audit(&a.ctx, &f, page).await?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct KeyIn {
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 60),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    name: String,
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::region::CODE_OR_BLANK_PATTERN))]
    scope: String,
}

async fn list_keys(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Items<ApiKey>>> {
    a.require(Permission::ManageAccounts)?;
    Ok(items(s.store.list_api_keys(&a.ctx).await?))
}

/// Creates a key and shows it once; only its hash is stored.
async fn create_key(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<KeyIn>,
) -> ApiResult<(StatusCode, Json<KeyCreated>)> {
    a.require(Permission::ManageAccounts)?;
    let scope = if b.scope.trim().is_empty() {
        a.user.scope_code.clone()
    } else {
        tongchou_domain::RegionCode::parse_field("scope", b.scope.trim())?
            .as_str()
            .to_string()
    };
    let key = crate::auth::random_token();
    let row = s
        .store
        .create_api_key(&a.ctx, &b.name, &scope, &crate::auth::token_hash(&key))
        .await?;
    Ok((StatusCode::CREATED, Json(KeyCreated { key, api_key: row })))
}

async fn revoke_key(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Empty>> {
    a.require(Permission::ManageAccounts)?;
    s.store
        .revoke_api_key(&a.ctx, parse_id(&id, "api key")?)
        .await?;
    Ok(Json(Empty {}))
}

/// A new API key: the key itself, shown this once, and its stored row.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct KeyCreated {
    key: String,
    api_key: ApiKey,
}
