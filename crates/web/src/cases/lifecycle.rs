//! Queues and one case: listing, reading, acting, and dispatching many at once.

use crate::auth::Auth;
use crate::cases::*;
use crate::error::{ApiResult, AppError};
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::{Invalid, Permission};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(list_cases))
        .route("/api/v1/cases/bulk-dispatch", post(bulk_dispatch))
        .route("/api/v1/cases/{id}", get(get_case))
        .route("/api/v1/cases/{id}/actions", post(act))
        .route("/api/v1/cases/{id}/receipt-sms", post(resend_receipt))
}

async fn list_cases(
    State(s): State<AppState>,
    a: Auth,
    Q(f): Q<CaseFilter>,
    Q(p): Q<PageQ>,
) -> ApiResult<Json<Page<CaseOut>>> {
    a.require(Permission::ReadRegistry)?;
    if f.q.chars().count() > 50 {
        return Err(Invalid::new(
            "q",
            "too_long",
            "长度不能超过 50 个字符",
            "must be at most 50 characters",
        )
        .into());
    }
    let page = s.store.list_cases(&a.ctx, &f, p.req()).await?;
    Ok(Json(page.map(|c| case_out(a.role, c))))
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DetailOut {
    case: CaseOut,
    events: Vec<CaseEvent>,
    attachments: Vec<Attachment>,
    /// Residents who follow this case instead of reporting it again (the public duplicate hint).
    followers: i64,
}

async fn get_case(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DetailOut>> {
    a.require(Permission::ReadRegistry)?;
    let d = s.store.get_case(&a.ctx, parse_id(&id, "case")?).await?;
    let secret = filed_by(&d, &a).then(|| d.case.secret.clone());
    let followers = s.store.follower_count(d.case.id).await?;
    let mut case = case_out(a.role, d.case);
    case.secret = secret;
    Ok(Json(DetailOut {
        case,
        events: d.events,
        attachments: d.attachments,
        followers,
    }))
}

/// Whether the caller filed this case (for a caller on the phone or at the window): only they
/// see its tracking secret again, to read it out or send it by SMS.
fn filed_by(d: &CaseDetail, a: &Auth) -> bool {
    d.events
        .first()
        .is_some_and(|e| e.action == "report" && e.actor_id == Some(a.user.id))
}

/// How many times a day a case's number and secret may be sent again.
const RESENDS_PER_DAY: i64 = 3;

/// What `receipt-sms` did: the (masked) phone the number and secret went to.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ReceiptSent {
    phone: String,
}

/// Sends the tracking number and secret to the reporter's phone again. Only the staff member who
/// filed the case may, and it is audited (the text carries the secret).
async fn resend_receipt(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ReceiptSent>> {
    let d = s.store.get_case(&a.ctx, parse_id(&id, "case")?).await?;
    if !filed_by(&d, &a) {
        return Err(AppError::says(
            axum::http::StatusCode::FORBIDDEN,
            "not_filer",
            "只有受理此件的工作人员可以重发查询码",
            "only the staff member who filed this case may send its secret again",
        ));
    }
    let Some(phone) = d.case.reporter_phone.as_deref() else {
        return Err(Invalid::new(
            "reporter_phone",
            "missing",
            "反映人没有留电话",
            "the reporter left no phone number",
        )
        .into());
    };
    let c = &d.case;
    // Each one is a text message to someone's phone: a few a day, not a stream.
    let day_ago = now_ms() - 86_400_000;
    if s.store
        .audit_count("resend_receipt", &c.number, day_ago)
        .await?
        >= RESENDS_PER_DAY
    {
        return Err(AppError::says(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_resends",
            format!("此件今天已重发 {RESENDS_PER_DAY} 次，请明天再试"),
            format!("sent {RESENDS_PER_DAY} times today already; try again tomorrow"),
        ));
    }
    s.store
        .audit(
            &a.ctx,
            "resend_receipt",
            "case",
            &c.number,
            &c.region_code,
            "",
        )
        .await?;
    sms_receipt(&s, c, phone);
    Ok(Json(ReceiptSent {
        phone: tongchou_domain::mask::phone(phone),
    }))
}

async fn act(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(mut b): JsonBody<CaseAct>,
) -> ApiResult<Json<CaseOut>> {
    // The field app's offline queue may send an action twice: the second is answered, not refused.
    b.key = idempotency_key(&headers, &format!("u{}", a.user.id))?;
    let c = s
        .store
        .act_on_case(&a.ctx, parse_id(&id, "case")?, &b)
        .await?;
    if b.action == "verify_pass" {
        sms_reporter(&s, &c, None);
    }
    Ok(Json(case_out(a.role, c)))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct BulkIn {
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 200),
        inner(pattern(tongchou_domain::text::PLAIN_PATTERN))
    )]
    ids: Vec<String>,
    #[schemars(with = "Option<tongchou_store::IdIn>")]
    #[serde(default, with = "id_str::opt")]
    unit_id: Option<i64>,
}

/// Accepts (where still needed) and dispatches each case: to `unit_id`, or to its routed unit.
/// Each case succeeds or fails on its own; the answer lists both.
async fn bulk_dispatch(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<BulkIn>,
) -> ApiResult<Json<BulkResult>> {
    if b.ids.is_empty() || b.ids.len() > 200 {
        return Err(Invalid::new(
            "ids",
            "invalid_count",
            "一次可派遣 1–200 件",
            "must list 1 to 200 cases",
        )
        .into());
    }
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for id in &b.ids {
        let result = async {
            let id = parse_id(id, "case")?;
            let d = s.store.get_case(&a.ctx, id).await?;
            if d.case.state == "reported" {
                let accept = CaseAct {
                    action: "accept".into(),
                    ..CaseAct::default()
                };
                s.store.act_on_case(&a.ctx, id, &accept).await?;
            }
            let dispatch = CaseAct {
                action: "dispatch".into(),
                unit_id: b.unit_id,
                ..CaseAct::default()
            };
            Ok::<Case, AppError>(s.store.act_on_case(&a.ctx, id, &dispatch).await?)
        }
        .await;
        match result {
            Ok(c) => done.push(Dispatched {
                id: c.id,
                number: c.number,
                unit_name: c.unit_name,
            }),
            Err(e) => failed.push(NotDispatched {
                id: id.clone(),
                code: e.code,
                message: e.message.said(),
            }),
        }
    }
    Ok(Json(BulkResult {
        dispatched: done,
        failed,
    }))
}

/// What a bulk dispatch did: each case either dispatched or refused with its reason.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct BulkResult {
    dispatched: Vec<Dispatched>,
    failed: Vec<NotDispatched>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Dispatched {
    #[schemars(with = "tongchou_store::IdOut")]
    #[serde(with = "tongchou_store::id_str")]
    id: i64,
    number: String,
    unit_name: Option<String>,
}

/// A case a bulk dispatch could not move: the id as sent, and the error.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct NotDispatched {
    id: String,
    code: &'static str,
    message: String,
}
