//! Passwords (argon2id), server-side sessions, CSRF and lockout.
//!
//! The session cookie `tc_session` is HttpOnly and SameSite=Strict and holds a random token; the
//! database keeps only its BLAKE2b hash. Each session has a CSRF token returned at login and kept
//! by the page; every state-changing request must echo it in `X-CSRF-Token`.

use crate::AppState;
use crate::error::{ApiResult, AppError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tongchou_domain::{Permission, RegionCode, Role, Scope};
use tongchou_store::{Ctx, Session, User, now_ms};

pub const SESSION_COOKIE: &str = "tc_session";

fn argon() -> Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("params"),
    )
}

pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("salt");
    argon()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon().verify_password(password.as_bytes(), &h).is_ok())
}

/// Passwords of at least 8 characters with letters and digits.
pub fn check_password_policy(password: &str) -> Result<(), tongchou_domain::Invalid> {
    let ok = password.chars().count() >= 8
        && password.chars().any(|c| c.is_ascii_digit())
        && password.chars().any(|c| c.is_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(tongchou_domain::Invalid::new(
            "password",
            "weak_password",
            "至少 8 位，且包含字母和数字",
            "at least 8 characters with letters and digits",
        ))
    }
}

/// 32 random bytes as hex (session tokens, CSRF tokens, API keys).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    let d = Blake2b512::digest(token.as_bytes());
    d.iter().take(32).map(|x| format!("{x:02x}")).collect()
}

/// The caller: user, role and scope. Handlers take it as an extractor; no session → 401.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub role: Role,
    pub ctx: Ctx,
    pub csrf: String,
}

impl Auth {
    pub fn require(&self, p: Permission) -> ApiResult<()> {
        if self.role.may(p) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
    pub fn may(&self, p: Permission) -> bool {
        self.role.may(p)
    }
}

pub fn scope_of(user: &User) -> Scope {
    // Accounts hold a region code; a grid worker bound to a grid sees that grid's village.
    RegionCode::parse(&user.scope_code)
        .map(|c| c.scope())
        .unwrap_or(Scope {
            lo: "~".into(),
            hi: "~".into(),
        })
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';').find_map(|kv| {
                let (k, val) = kv.trim().split_once('=')?;
                (k == name).then(|| val.to_string())
            })
        })
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, AppError> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(AppError::unauthorized)?;
        let (session, user) = state
            .store
            .session(&token_hash(&token), now_ms())
            .await?
            .ok_or_else(AppError::unauthorized)?;
        let role = Role::parse(&user.role).ok_or_else(AppError::unauthorized)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if sent != session.csrf_token {
                return Err(AppError::says(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "缺少或错误的 CSRF 令牌",
                    "missing or wrong X-CSRF-Token",
                ));
            }
        }
        // A temporary password: nothing but reading who one is, changing it or leaving.
        if user.must_change_password
            && !matches!(
                parts.uri.path(),
                "/api/v1/me" | "/api/v1/auth/password" | "/api/v1/auth/logout"
            )
        {
            return Err(AppError::says(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "请先修改临时密码",
                "change the temporary password first",
            ));
        }
        let ctx = Ctx {
            user_id: Some(user.id),
            username: user.username.clone(),
            role,
            scope: scope_of(&user),
            unit_id: user.unit_id,
        };
        Ok(Auth {
            user,
            role,
            ctx,
            csrf: session.csrf_token,
        })
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct LoginBody {
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub username: String,
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub password: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Me {
    #[schemars(with = "tongchou_store::IdOut")]
    #[serde(with = "tongchou_store::id_str")]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_zh: &'static str,
    pub scope_code: String,
    pub grid_code: Option<String>,
    /// The unit a handler account works for (id as a string).
    pub unit_id: Option<String>,
    pub csrf_token: String,
    pub permissions: Vec<&'static str>,
    /// The password is temporary: the UI asks for a new one before anything else.
    pub must_change_password: bool,
    /// The deployment's offset from UTC (minutes): the UI shows every time in it.
    pub utc_offset_minutes: i64,
}

pub fn me(user: &User, role: Role, csrf: &str) -> Me {
    use Permission::*;
    let perms = [
        (ReadRegistry, "read_registry"),
        (WriteRegistry, "write_registry"),
        (WriteTerritory, "write_territory"),
        (RevealPii, "reveal_pii"),
        (RevealCaseContacts, "reveal_contacts"),
        (ManageAccounts, "manage_accounts"),
        (ManageCatalog, "manage_catalog"),
        (FileCases, "file_cases"),
        (ReadAssessment, "read_assessment"),
    ];
    Me {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role.clone(),
        role_zh: role.zh(),
        scope_code: user.scope_code.clone(),
        grid_code: user.grid_code.clone(),
        unit_id: user.unit_id.map(|u| u.to_string()),
        csrf_token: csrf.to_string(),
        must_change_password: user.must_change_password,
        utc_offset_minutes: tongchou_domain::date::utc_offset_ms() / 60_000,
        permissions: perms
            .iter()
            .filter(|(p, _)| role.may(*p))
            .map(|(_, n)| *n)
            .collect(),
    }
}

/// `423 account_locked` until `until`: the same answer for an account and for a name that does
/// not exist.
fn locked(until: i64, now: i64) -> AppError {
    let mins = (until - now) / 60_000 + 1;
    AppError::says(
        StatusCode::LOCKED,
        "account_locked",
        format!("登录失败次数过多，请 {mins} 分钟后再试，或请管理员解锁"),
        format!(
            "too many failed logins: try again in {mins} minutes, or ask an administrator to unlock the account"
        ),
    )
}

pub async fn login(
    State(state): State<AppState>,
    parts: axum::http::Extensions,
    body: crate::JsonBody<LoginBody>,
) -> ApiResult<Response> {
    let b = body.0;
    if b.username.trim().is_empty() {
        return Err(AppError::bad_request(
            "required",
            "username",
            "不能为空",
            "must not be empty",
        ));
    }
    let bad = || {
        AppError::says(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "用户名或密码错误",
            "wrong username or password",
        )
    };
    let now = now_ms();
    let (cfg, throttle) = (&state.config, &state.login_throttle);
    let client = crate::net::limit_key(crate::net::client_of(&parts));
    if let Some(until) = throttle.client_blocked(client, now) {
        let mins = (until - now) / 60_000 + 1;
        return Err(AppError::says(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("此地址登录失败次数过多，请 {mins} 分钟后再试"),
            format!("too many failed logins from this address: try again in {mins} minutes"),
        ));
    }
    let name = b.username.trim();
    // No account has a name this long (at most 40 characters): answer as for any wrong name,
    // without keeping it.
    if name.chars().count() > 64 {
        let _ = verify_password(&b.password, &state.dummy_hash);
        throttle.client_failed(client, now);
        return Err(bad());
    }
    let Some(user) = state.store.user_by_name(name).await? else {
        let until = state.store.guess_locked_until(name).await?;
        if until > now {
            return Err(locked(until, now));
        }
        // Spend the same time as a real check so names cannot be probed by timing, and count
        // the failure in the database as an account's is counted, so that no server's answer
        // tells that the name does not exist.
        let _ = verify_password(&b.password, &state.dummy_hash);
        throttle.client_failed(client, now);
        state
            .store
            .guess_failed(name, cfg.lock_after, now, now + cfg.lock_ms)
            .await?;
        return Err(bad());
    };
    if user.locked_until > now {
        return Err(locked(user.locked_until, now));
    }
    let role = Role::parse(&user.role).ok_or_else(AppError::unauthorized)?;
    let actor = Ctx {
        user_id: Some(user.id),
        username: user.username.clone(),
        role,
        scope: scope_of(&user),
        unit_id: user.unit_id,
    };
    let (name, scope) = (user.username.as_str(), user.scope_code.as_str());
    if user.disabled || !verify_password(&b.password, &user.password_hash) {
        throttle.client_failed(client, now);
        state
            .store
            .login_failed(user.id, cfg.lock_after, now, now + cfg.lock_ms)
            .await?;
        // An expired lock started the count again.
        let before = if user.locked_until > 0 {
            0
        } else {
            user.failed_logins
        };
        let detail = format!("{} of {}", before + 1, cfg.lock_after);
        let store = &state.store;
        store
            .audit(&actor, "login_failed", "user", name, scope, &detail)
            .await?;
        return Err(bad());
    }
    state.store.login_succeeded(user.id).await?;
    let store = &state.store;
    store
        .audit(&actor, "login", "user", name, scope, "")
        .await?;
    let token = random_token();
    let csrf = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: csrf.clone(),
        created_at: now,
        expires_at: now + state.config.session_ttl_ms,
    };
    state.store.create_session(&session).await?;
    let max_age = state.config.session_ttl_ms / 1000;
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let set = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    let mut resp = Json(me(&user, role, &csrf)).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&set).expect("cookie"),
    );
    Ok(resp)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
) -> ApiResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    let (name, scope) = (&auth.user.username, &auth.user.scope_code);
    state
        .store
        .audit(&auth.ctx, "logout", "user", name, scope, "")
        .await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).expect("cookie"),
    );
    Ok(resp)
}

pub async fn whoami(auth: Auth) -> Json<Me> {
    Json(me(&auth.user, auth.role, &auth.csrf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("Secret123");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Secret123", &h));
        assert!(!verify_password("secret123", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash_password("Secret123"), h, "salted");
        assert!(check_password_policy("abc12345").is_ok());
        assert!(check_password_policy("abcdefgh").is_err());
        assert!(check_password_policy("1234567").is_err());
    }

    #[test]
    fn cookies_and_hashes() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tc_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "tc_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(token_hash("x").len(), 64);
        assert_ne!(token_hash("x"), token_hash("y"));
    }
}
