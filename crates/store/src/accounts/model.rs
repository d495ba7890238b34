//! Account types: users, sessions, API keys.

use crate::prelude::*;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope_code: String,
    pub grid_code: Option<String>,
    pub unit_id: Option<i64>,
    /// A temporary password (set by an administrator): changed at the first login.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct User {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub scope_code: String,
    pub grid_code: Option<String>,
    pub failed_logins: i32,
    pub locked_until: i64,
    pub disabled: bool,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    /// The password is temporary: nothing but changing it is allowed until then.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An Open311 client's key (the key itself is never stored).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct ApiKey {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub key_hash: String,
    pub scope_code: String,
    pub created_at: i64,
    pub revoked: bool,
}
