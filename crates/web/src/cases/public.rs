//! The public side: residents file and track cases without an account, within a rate limit
//! per client address.

use crate::cases::*;
use crate::error::{ApiResult, AppError};
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use tongchou_domain::calendar::Light;
use tongchou_domain::cases::Source;
use tongchou_domain::{Invalid, Role};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/public/regions/{code}/children",
            get(public_regions),
        )
        .route("/api/v1/public/cases", post(public_create))
        .route("/api/v1/public/cases/similar", get(public_similar))
        .route("/api/v1/public/cases/{number}", get(public_track))
        .route("/api/v1/public/cases/{number}/follow", post(public_follow))
        .route("/api/v1/public/form-nonce", get(form_nonce))
        .route("/api/v1/public/cases/{number}/actions", post(public_act))
        .route(
            "/api/v1/public/cases/{number}/attachments",
            post(public_upload),
        )
}

/// A fixed-window counter per client address: `per_minute` requests to the public endpoints.
pub struct RateLimiter {
    per_minute: u32,
    seen: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            seen: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn check(&self, ip: IpAddr) -> ApiResult<()> {
        let minute = now_ms() / 60_000;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, (m, _)| *m == minute);
        }
        let e = seen.entry(ip).or_insert((minute, 0));
        if e.0 != minute {
            *e = (minute, 0);
        }
        e.1 += 1;
        if e.1 > self.per_minute {
            return Err(AppError::says(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "请求过于频繁，请稍后再试",
                "too many requests, try again in a minute",
            ));
        }
        Ok(())
    }
}

/// A public (anonymous) request that passed the rate limit.
pub struct Public;

impl FromRequestParts<AppState> for Public {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Public, AppError> {
        let ip = crate::net::client_of(&parts.extensions);
        state.public_limit.check(crate::net::limit_key(ip))?;
        Ok(Public)
    }
}

/// What anyone with the tracking number and secret sees: progress and the unit, never the
/// reporter, the address, the text or the staff's notes.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct PublicCase {
    number: String,
    category_name: Option<String>,
    state: String,
    state_zh: &'static str,
    level: String,
    unit_name: Option<String>,
    created_at: i64,
    deadline_at: Option<i64>,
    closed_at: Option<i64>,
    #[schemars(schema_with = "tongchou_store::light_schema")]
    light: Option<Light>,
    satisfaction: Option<String>,
    events: Vec<PublicEvent>,
    /// For a case merged as a duplicate: the progress of the case it was merged into (the
    /// reporter follows it with this case's own secret; no personal data of the other case).
    merged_into: Option<Box<PublicCase>>,
    /// Read with a follower's secret (see `follow`): the steps only, and no rating or reopening.
    follower: bool,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct PublicEvent {
    at: i64,
    action: String,
    to_state: String,
    state_zh: &'static str,
    unit_name: Option<String>,
    level: Option<String>,
    /// What the unit reported as done (`handle`) or why the case was rejected (`reject`), with
    /// any phone or ID number in it masked. Other notes are internal.
    note: Option<String>,
}

/// A case's public view, following a merge to the surviving case.
async fn public_view(s: &AppState, d: CaseDetail) -> ApiResult<PublicCase> {
    let survivor = match d.case.duplicate_of {
        Some(id) => {
            // The other case's notes were written for its own reporter: only its steps show.
            Some(Box::new(for_others(public_case(
                s.store.get_case(&public_ctx(), id).await?,
            ))))
        }
        None => None,
    };
    Ok(PublicCase {
        merged_into: survivor,
        ..public_case(d)
    })
}

/// A case as someone other than its reporter sees it (a merged case's reporter, a follower): the
/// notes were written for its own reporter, so only its steps show.
fn for_others(mut c: PublicCase) -> PublicCase {
    c.events.iter_mut().for_each(|e| e.note = None);
    c.satisfaction = None;
    c
}

/// A case as its follower sees it: the steps, and a merge made after they followed it leads on
/// to the surviving case as it does for the reporter.
async fn follower_view(s: &AppState, d: CaseDetail) -> ApiResult<PublicCase> {
    Ok(PublicCase {
        follower: true,
        ..for_others(public_view(s, d).await?)
    })
}

fn public_case(d: CaseDetail) -> PublicCase {
    let dispute = d.case.dispute;
    PublicCase {
        number: d.case.number,
        category_name: d.case.category_name,
        state_zh: state_zh(&d.case.state),
        state: d.case.state,
        level: d.case.level,
        unit_name: d.case.unit_name,
        created_at: d.case.created_at,
        deadline_at: d.case.deadline_at,
        closed_at: d.case.closed_at,
        light: d.case.light,
        satisfaction: d.case.satisfaction,
        events: d
            .events
            .into_iter()
            .map(|e| PublicEvent {
                // A dispute's notes name its parties and their agreement: theirs, not public.
                note: match e.action.as_str() {
                    "reject" | "handle" if !dispute => Some(&e.note),
                    _ => None,
                }
                .filter(|n| !n.trim().is_empty())
                .map(|n| tongchou_domain::mask::numbers_in_text(n)),
                at: e.at,
                state_zh: state_zh(&e.to_state),
                action: e.action,
                to_state: e.to_state,
                unit_name: e.unit_name,
                level: e.level,
            })
            .collect(),
        merged_into: None,
        follower: false,
    }
}

pub(crate) fn public_ctx() -> Ctx {
    Ctx {
        user_id: None,
        username: "public".into(),
        role: Role::Resident,
        scope: tongchou_domain::Scope::all(),
        unit_id: None,
    }
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Receipt {
    number: String,
    secret: String,
    case: PublicCase,
}

/// Region names and codes for the public form's place picker (public data).
async fn public_regions(
    State(s): State<AppState>,
    _p: Public,
    Path(code): Path<String>,
) -> ApiResult<Json<Items<PublicRegion>>> {
    // `root` lists the top-level regions (provinces).
    let regions = if code == "root" {
        s.store.top_regions().await?
    } else {
        s.store
            .region_children(
                &public_ctx(),
                &code,
                PageReq::new(Some(1), Some(PageReq::MAX_SIZE)),
            )
            .await?
            .items
    };
    Ok(items(
        regions
            .into_iter()
            .map(|r| PublicRegion {
                code: r.code,
                name: r.name,
                level: r.level,
            })
            .collect(),
    ))
}

/// A nonce for the public form's idempotency keys (see `nonce`).
async fn form_nonce(State(s): State<AppState>, _p: Public) -> ApiResult<Json<Nonce>> {
    Ok(Json(Nonce {
        nonce: crate::nonce::issue(&s, now_ms()).await?,
    }))
}

/// The public form: anonymous, phone optional.
async fn public_create(
    State(s): State<AppState>,
    _p: Public,
    headers: HeaderMap,
    JsonBody(mut b): JsonBody<CaseInput>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    crate::territory::maps::place_case_by_point(&s, &public_ctx(), &mut b).await?;
    let key = match headers.contains_key("idempotency-key") {
        true => {
            let nonce = headers.get("x-form-nonce").and_then(|v| v.to_str().ok());
            let space = crate::nonce::check(&s, nonce, now_ms()).await?;
            idempotency_key(&headers, &space)?
        }
        false => None,
    };
    let n = NewCase::validate(&b, Source::Web, key)?;
    let created = s.store.create_case(&public_ctx(), &n).await?;
    let status = if created.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let c = created.case;
    if created.created {
        sms_reporter(&s, &c, Some(&c.secret));
    }
    let d = s.store.track_case(&c.number, &c.secret).await?;
    Ok((
        status,
        Json(Receipt {
            number: c.number,
            secret: c.secret,
            case: public_view(&s, d).await?,
        }),
    ))
}

/// The public form's duplicate hint: number, category, state and time only.
async fn public_similar(
    State(s): State<AppState>,
    _p: Public,
    Q(mut q): Q<SimilarQuery>,
) -> ApiResult<Json<Items<PublicSimilar>>> {
    // A dispute names people's affairs (婚姻家庭纠纷…): not for the public hint.
    q.public = true;
    let mut out = items(
        s.store
            .similar_cases(&public_ctx(), &q)
            .await?
            .into_iter()
            .map(|c| PublicSimilar {
                state_zh: state_zh(&c.state),
                follow_token: String::new(),
                number: c.number,
                category_name: c.category_name,
                state: c.state,
                created_at: c.created_at,
                unit_name: c.unit_name,
            })
            .collect(),
    );
    for c in &mut out.0.items {
        c.follow_token = crate::nonce::follow_token(&s, &c.number).await?;
    }
    Ok(out)
}

#[derive(Deserialize)]
struct SecretQ {
    #[serde(default)]
    secret: String,
}

async fn public_track(
    State(s): State<AppState>,
    _p: Public,
    Path(number): Path<String>,
    Q(q): Q<SecretQ>,
) -> ApiResult<Json<PublicCase>> {
    match s.store.track_case(&number, &q.secret).await {
        Ok(d) => Ok(Json(public_view(&s, d).await?)),
        // Not the reporter's secret: perhaps a follower's.
        Err(StoreError::NotFound(_)) => {
            let d = s.store.track_followed(&number, &q.secret).await?;
            Ok(Json(follower_view(&s, d).await?))
        }
        Err(e) => Err(e.into()),
    }
}

/// Follows an open case (from the public form's duplicate hint) instead of filing the same
/// problem again: a secret of the follower's own that reads the case's progress. A merged case is
/// followed through to the case it was merged into.
async fn public_follow(
    State(s): State<AppState>,
    _p: Public,
    Path(number): Path<String>,
    JsonBody(b): JsonBody<FollowIn>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    crate::nonce::check_follow_token(&s, &number, &b.token).await?;
    let f = s.store.follow_case(&public_ctx(), &number).await?;
    let d = s.store.track_followed(&f.number, &f.secret).await?;
    Ok((
        StatusCode::CREATED,
        Json(Receipt {
            case: follower_view(&s, d).await?,
            number: f.number,
            secret: f.secret,
        }),
    ))
}

/// Following a case: the token the duplicate hint gave with it.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct FollowIn {
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    token: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PublicActIn {
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    secret: String,
    #[serde(flatten)]
    act: CaseAct,
}

#[derive(Deserialize)]
struct PublicUploadQ {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    name: String,
}

/// Photos a reporter adds to an open case with the tracking secret (at most 5 per case).
async fn public_upload(
    State(s): State<AppState>,
    _p: Public,
    Path(number): Path<String>,
    Q(q): Q<PublicUploadQ>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<PublicAttachment>)> {
    let d = s.store.track_case(&number, &q.secret).await?;
    if matches!(d.case.state.as_str(), "closed" | "rejected") {
        return Err(StoreError::refused(
            "transition_not_allowed",
            "案件已办结，不能再添加照片",
            "the case is closed; no more photos",
        )
        .into());
    }
    if d.attachments.len() >= 5 {
        return Err(Invalid::new(
            "file",
            "too_many",
            "每件最多 5 个附件",
            "at most 5 attachments per case",
        )
        .into());
    }
    let ctx = Ctx {
        username: "reporter".into(),
        ..public_ctx()
    };
    let (a, _) = s
        .store
        .add_attachment(&ctx, d.case.id, &q.name, &body, None)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PublicAttachment {
            name: a.name,
            mime: a.mime,
            size: a.size,
        }),
    ))
}

/// The reporter rates (`rate`, with `satisfaction`) or reopens (`reopen`, with a `note`).
async fn public_act(
    State(s): State<AppState>,
    _p: Public,
    Path(number): Path<String>,
    JsonBody(b): JsonBody<PublicActIn>,
) -> ApiResult<Json<PublicCase>> {
    s.store.reporter_act(&number, &b.secret, &b.act).await?;
    let d = s.store.track_case(&number, &b.secret).await?;
    Ok(Json(public_view(&s, d).await?))
}

/// A region in the public form's picker.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct PublicRegion {
    code: String,
    name: String,
    level: String,
}

/// A server-signed nonce for the public form's idempotency keys.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Nonce {
    nonce: String,
}

/// An open case the public form's report may duplicate: no personal data.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct PublicSimilar {
    number: String,
    category_name: Option<String>,
    state: String,
    state_zh: &'static str,
    created_at: i64,
    unit_name: Option<String>,
    /// What `follow` asks for: the hint's leave to follow this case.
    follow_token: String,
}

/// A file the reporter attached, as stored.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct PublicAttachment {
    name: String,
    mime: String,
    size: i64,
}
