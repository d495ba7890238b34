//! Form nonces: the public form asks the server for one before it files, and sends it with its
//! `Idempotency-Key`. Anonymous callers have nothing else that tells them apart, so the nonce is
//! the namespace of their keys: a second caller who reuses someone's key with another nonce gets
//! a case of their own, never the first caller's number and secret. A nonce is signed with the
//! deployment's secret (so every server on the database accepts it) and lasts a day.

use crate::AppState;
use crate::error::ApiResult;
use blake2::{Blake2b512, Digest};
use tongchou_domain::Invalid;

const LIFETIME_MS: i64 = 86_400_000;

async fn key(s: &AppState) -> ApiResult<&str> {
    let store = s.store.clone();
    Ok(s.nonce_key
        .get_or_try_init(|| async move { store.system_secret("form_nonce").await })
        .await?
        .as_str())
}

fn mac(key: &str, body: &str) -> String {
    let d = Blake2b512::new()
        .chain_update(key.as_bytes())
        .chain_update(b"|")
        .chain_update(body.as_bytes())
        .finalize();
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A new nonce: `random.issued_ms.mac`.
pub async fn issue(s: &AppState, now: i64) -> ApiResult<String> {
    let body = format!("{}.{now}", &crate::auth::random_token()[..32]);
    Ok(format!("{body}.{}", mac(key(s).await?, &body)))
}

/// The namespace a valid nonce gives, or the refusal naming the header.
pub async fn check(s: &AppState, nonce: Option<&str>, now: i64) -> ApiResult<String> {
    let refuse = |zh: &str, en: &str| Invalid::new("X-Form-Nonce", "invalid_nonce", zh, en).into();
    let Some(nonce) = nonce.map(str::trim).filter(|n| !n.is_empty()) else {
        return Err(refuse(
            "匿名请求带 Idempotency-Key 时须同时带服务器签发的 X-Form-Nonce（GET /api/v1/public/form-nonce）",
            "an anonymous request with an Idempotency-Key must carry a server-issued X-Form-Nonce (GET /api/v1/public/form-nonce)",
        ));
    };
    let mut parts = nonce.rsplitn(2, '.');
    let (sig, body) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let issued: i64 = body
        .split_once('.')
        .and_then(|(_, t)| t.parse().ok())
        .unwrap_or(0);
    if body.is_empty() || mac(key(s).await?, body) != sig {
        return Err(refuse(
            "不是本服务器签发的",
            "was not issued by this server",
        ));
    }
    if now - issued > LIFETIME_MS || issued > now + 60_000 {
        return Err(refuse("已过期，请刷新页面", "has expired; reload the form"));
    }
    Ok(format!("anon:{body}"))
}

/// The token that lets the public follow a case the duplicate hint listed: signed like a nonce,
/// so a case is followed from the hint, not by guessing its (sequential) number.
pub async fn follow_token(s: &AppState, number: &str) -> ApiResult<String> {
    Ok(mac(key(s).await?, &format!("follow|{number}")))
}

/// Whether `token` is the follow token of `number`, or the refusal naming the field.
pub async fn check_follow_token(s: &AppState, number: &str, token: &str) -> ApiResult<()> {
    if token.trim() != follow_token(s, number.trim()).await? {
        return Err(Invalid::new(
            "token",
            "invalid_token",
            "请从“附近已有相同问题”的列表关注案件",
            "follow a case from the list of the same problems nearby",
        )
        .into());
    }
    Ok(())
}
