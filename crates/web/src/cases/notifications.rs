//! Telling people: the in-app inbox and outbound SMS to reporters.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::mask;
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/inbox", get(inbox))
        .route("/api/v1/inbox/read-all", post(read_all))
        .route("/api/v1/inbox/{id}/read", post(read_one))
}

/// One text message. `secrets` are the parts of `text` that only the phone may see (a tracking
/// secret): a gateway that logs must leave them out.
pub struct Sms<'a> {
    pub phone: &'a str,
    pub text: String,
    pub secrets: Vec<&'a str>,
}

impl Sms<'_> {
    /// The text with every secret replaced by asterisks, for logs.
    pub fn redacted(&self) -> String {
        self.secrets
            .iter()
            .filter(|s| !s.is_empty())
            .fold(self.text.clone(), |t, s| {
                t.replace(s, &"*".repeat(s.chars().count()))
            })
    }
}

/// The outbound SMS channel. A deployment plugs in its operator's gateway; the default writes
/// each message to the server log.
pub trait SmsGateway: Send + Sync {
    fn send(&self, sms: &Sms<'_>);
}

/// Writes `sms to 138****5678: …` to standard error (the server log), secrets masked.
pub struct LogSms;

impl SmsGateway for LogSms {
    fn send(&self, sms: &Sms<'_>) {
        tracing::info!(target: "sms", "sms to {}: {}", mask::phone(sms.phone), sms.redacted());
    }
}

/// Tells the reporter by SMS that the case was received or closed.
pub(crate) fn sms_reporter(s: &AppState, c: &Case, secret: Option<&str>) {
    let Some(phone) = c.reporter_phone.as_deref() else {
        return;
    };
    let (text, secrets) = match (c.state.as_str(), secret) {
        ("reported", Some(sec)) => (
            format!(
                "【统筹】您反映的问题已受理，编号 {}，查询码 {sec}。",
                c.number
            ),
            vec![sec],
        ),
        ("closed", _) => (
            format!(
                "【统筹】您反映的问题（编号 {}）已办结，欢迎评价。",
                c.number
            ),
            vec![],
        ),
        _ => return,
    };
    s.sms.send(&Sms {
        phone,
        text,
        secrets,
    });
}

/// The number and secret again, whatever the case's state (a caller who lost them).
pub(crate) fn sms_receipt(s: &AppState, c: &Case, phone: &str) {
    s.sms.send(&Sms {
        phone,
        text: format!(
            "【统筹】您反映问题的编号 {}，查询码 {}，可凭此查询办理进度。",
            c.number, c.secret
        ),
        secrets: vec![&c.secret],
    });
}

#[derive(Deserialize)]
struct InboxQ {
    #[serde(default)]
    unread: bool,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn inbox(State(s): State<AppState>, a: Auth, Q(q): Q<InboxQ>) -> ApiResult<Json<Inbox>> {
    let page = s
        .store
        .inbox(&a.ctx, q.unread, PageReq::new(q.page, q.page_size))
        .await?;
    let unread = s.store.unread_count(&a.ctx).await?;
    Ok(Json(Inbox { page, unread }))
}

async fn read_one(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Read>> {
    let n = s
        .store
        .mark_read(&a.ctx, Some(parse_id(&id, "notification")?))
        .await?;
    Ok(Json(Read { read: n }))
}

async fn read_all(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Read>> {
    Ok(Json(Read {
        read: s.store.mark_read(&a.ctx, None).await?,
    }))
}

/// A page of a user's inbox and how many messages are unread in all.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Inbox {
    #[serde(flatten)]
    page: Page<Notification>,
    unread: i64,
}

/// How many messages an action marked read.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Read {
    read: u64,
}
