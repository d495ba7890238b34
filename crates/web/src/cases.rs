//! Case endpoints: staff intake and queue, case detail and actions, the catalog (categories,
//! routing rules, calendar), and the public submit/track/rate/reopen pages' API.

use crate::api::{PageQ, Q, parse_id};
use crate::auth::Auth;
use crate::error::{ApiResult, AppError};
use crate::{AppState, JsonBody};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use tongchou_domain::calendar::Light;
use tongchou_domain::cases::Source;
use tongchou_domain::{Invalid, Permission, Role, mask};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/case-categories", get(list_categories))
        .route("/api/v1/case-categories/{code}", put(put_category))
        .route("/api/v1/routing-rules", get(list_rules).post(put_rule))
        .route(
            "/api/v1/routing-rules/{id}",
            axum::routing::delete(delete_rule),
        )
        .route(
            "/api/v1/calendar/{year}",
            get(get_calendar).post(import_calendar),
        )
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/bulk-dispatch", post(bulk_dispatch))
        .route("/api/v1/cases/similar", get(similar))
        .route("/api/v1/cases/{id}", get(get_case))
        .route("/api/v1/cases/{id}/actions", post(act))
        .route("/api/v1/cases/{id}/attachments", post(upload))
        .route("/api/v1/attachments/{id}", get(download))
        .route("/api/v1/mediators", get(list_mediators).post(add_mediator))
        .route("/api/v1/settings", get(get_settings))
        .route("/api/v1/settings/{key}", put(put_setting))
        .route("/api/v1/cases/{id}/dispute", get(dispute))
        .route("/api/v1/cases/{id}/parties", post(add_party))
        .route("/api/v1/cases/{id}/reveal", post(reveal_contacts))
        .route("/api/v1/cases/{id}/mediations", post(record_mediation))
        .route("/api/v1/inbox", get(inbox))
        .route("/api/v1/inbox/read-all", post(read_all))
        .route("/api/v1/inbox/{id}/read", post(read_one))
        .route("/api/v1/api-keys", get(list_keys).post(create_key))
        .route("/api/v1/api-keys/{id}", axum::routing::delete(revoke_key))
        .route(
            "/api/v1/public/regions/{code}/children",
            get(public_regions),
        )
        .route("/api/v1/public/cases", post(public_create))
        .route("/api/v1/public/cases/similar", get(public_similar))
        .route("/api/v1/public/cases/{number}", get(public_track))
        .route("/api/v1/public/form-nonce", get(form_nonce))
        .route("/api/v1/public/cases/{number}/actions", post(public_act))
        .route(
            "/api/v1/public/cases/{number}/attachments",
            post(public_upload),
        )
}

// ---------- rate limit for the public endpoints ----------

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
            return Err(AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "请求过于频繁，请稍后再试 / too many requests, try again in a minute",
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

// ---------- outbound SMS ----------

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
fn sms_reporter(s: &AppState, c: &Case, secret: Option<&str>) {
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

// ---------- inbox ----------

#[derive(Deserialize)]
struct InboxQ {
    #[serde(default)]
    unread: bool,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn inbox(State(s): State<AppState>, a: Auth, Q(q): Q<InboxQ>) -> ApiResult<Json<Value>> {
    let page = s
        .store
        .inbox(&a.ctx, q.unread, PageReq::new(q.page, q.page_size))
        .await?;
    let unread = s.store.unread_count(&a.ctx).await?;
    Ok(Json(
        json!({"items": page.items, "page": page.page, "page_size": page.page_size,
        "has_more": page.has_more, "unread": unread}),
    ))
}

async fn read_one(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let n = s
        .store
        .mark_read(&a.ctx, Some(parse_id(&id, "notification")?))
        .await?;
    Ok(Json(json!({ "read": n })))
}

async fn read_all(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "read": s.store.mark_read(&a.ctx, None).await? }),
    ))
}

// ---------- catalog ----------

/// The catalog as it applies to the caller: a logged-in account sees its region's versions (and
/// its ancestors'), anyone else the base catalog.
async fn list_categories(
    State(s): State<AppState>,
    a: Result<Auth, AppError>,
) -> ApiResult<Json<Value>> {
    let at = a.ok().map(|a| a.user.scope_code);
    Ok(Json(
        json!({"items": s.store.list_categories(at.as_deref()).await?}),
    ))
}

async fn put_category(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
    JsonBody(mut b): JsonBody<CategoryRow>,
) -> ApiResult<Json<CategoryRow>> {
    a.require(Permission::ManageCatalog)?;
    b.code = code;
    Ok(Json(s.store.put_category(&a.ctx, &b).await?))
}

async fn list_rules(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    Ok(Json(json!({"items": s.store.list_rules(&a.ctx).await?})))
}

async fn put_rule(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<RuleInput>,
) -> ApiResult<(StatusCode, Json<RuleRow>)> {
    a.require(Permission::ManageCatalog)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.put_rule(&a.ctx, &b).await?),
    ))
}

async fn delete_rule(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ManageCatalog)?;
    s.store
        .delete_rule(&a.ctx, parse_id(&id, "routing rule")?)
        .await?;
    Ok(Json(json!({})))
}

fn parse_year(y: &str) -> ApiResult<i32> {
    y.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            Invalid::new(
                "year",
                "invalid_year",
                "年份应在 2000–2100 之间",
                "must be a year from 2000 to 2100",
            )
            .into()
        })
}

async fn get_calendar(
    State(s): State<AppState>,
    _a: Auth,
    Path(year): Path<String>,
) -> ApiResult<Json<Value>> {
    let year = parse_year(&year)?;
    let items: Vec<Value> = s
        .store
        .calendar_year(year)
        .await?
        .into_iter()
        .map(|(day, kind)| json!({"date": day, "kind": kind}))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// The body is the CSV text (`date,kind`, kind holiday/休 or workday/班).
async fn import_calendar(
    State(s): State<AppState>,
    a: Auth,
    Path(year): Path<String>,
    body: String,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ManageCatalog)?;
    let year = parse_year(&year)?;
    let days = parse_calendar(year, &body).map_err(|errs| {
        let rows = errs
            .into_iter()
            .map(|(line, e)| RowError {
                row: line,
                column: e.field.clone(),
                reason: e.message(),
            })
            .collect();
        AppError::from(StoreError::Rows(rows))
    })?;
    let n = s.store.import_calendar(&a.ctx, year, &days).await?;
    Ok(Json(json!({ "imported": n })))
}

// ---------- Open311 API keys ----------

#[derive(Deserialize)]
struct KeyIn {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

async fn list_keys(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Value>> {
    a.require(Permission::ManageAccounts)?;
    Ok(Json(json!({"items": s.store.list_api_keys(&a.ctx).await?})))
}

/// Creates a key and shows it once; only its hash is stored.
async fn create_key(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<KeyIn>,
) -> ApiResult<(StatusCode, Json<Value>)> {
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
    Ok((
        StatusCode::CREATED,
        Json(json!({"key": key, "api_key": row})),
    ))
}

async fn revoke_key(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ManageAccounts)?;
    s.store
        .revoke_api_key(&a.ctx, parse_id(&id, "api key")?)
        .await?;
    Ok(Json(json!({})))
}

// ---------- staff ----------

/// A case as staff see it: the reporter's phone is masked for roles that do not contact
/// reporters (leaders, party officers).
#[derive(Serialize)]
pub struct CaseOut {
    #[serde(flatten)]
    case: Case,
    state_zh: &'static str,
    /// The tracking secret, shown to the staff who took the case in (to read to the caller).
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

pub fn state_zh(state: &str) -> &'static str {
    match state {
        "reported" => "待受理",
        "accepted" => "已立案",
        "rejected" => "不予立案",
        "dispatched" => "已派遣",
        "in_progress" => "处置中",
        "returned" => "已回退",
        "handled" => "待核查",
        "escalated" => "已上报",
        "suspended" => "挂账",
        "closed" => "已结案",
        _ => "",
    }
}

/// A case as staff see it: the reporter's phone masked for every role; those who call
/// reporters back see it in full through the audited `reveal`.
fn case_out(_role: Role, mut c: Case) -> CaseOut {
    c.reporter_phone = c.reporter_phone.as_deref().map(mask::phone);
    CaseOut {
        state_zh: state_zh(&c.state),
        case: c,
        secret: None,
    }
}

/// The source a caller may claim: grid workers file grid reports; service-center staff and
/// dispatchers take hotline and window intake; anything else is an API filing.
fn staff_source(role: Role, asked: &str) -> ApiResult<Source> {
    let asked = match asked.trim() {
        "" => None,
        s => Some(Source::parse(s).ok_or_else(|| {
            Invalid::new(
                "source",
                "invalid_source",
                "应为 grid/hotline/window/api 之一",
                "must be one of grid, hotline, window, api",
            )
        })?),
    };
    Ok(match (role, asked) {
        (Role::GridWorker, None | Some(Source::Grid)) => Source::Grid,
        (
            Role::Agent | Role::Dispatcher | Role::Admin,
            Some(s @ (Source::Hotline | Source::Window)),
        ) => s,
        (Role::Agent, None) => Source::Window,
        (_, None | Some(Source::Api)) => Source::Api,
        (_, Some(_)) => {
            return Err(Invalid::new(
                "source",
                "source_not_allowed",
                "您的角色不能使用该来源",
                "your role may not file from this source",
            )
            .into());
        }
    })
}

/// The `Idempotency-Key` header, namespaced by who sends it.
fn idempotency_key(h: &HeaderMap, namespace: &str) -> ApiResult<Option<String>> {
    let Some(v) = h.get("idempotency-key") else {
        return Ok(None);
    };
    let v = v.to_str().unwrap_or("").trim();
    if v.is_empty() || v.len() > 100 {
        return Err(Invalid::new(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "应为 1–100 个字符",
            "must be 1 to 100 characters",
        )
        .into());
    }
    Ok(Some(format!("{namespace}:{v}")))
}

async fn create_case(
    State(s): State<AppState>,
    a: Auth,
    headers: HeaderMap,
    JsonBody(b): JsonBody<CaseInput>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    if !a.may(Permission::FileCases) {
        return Err(AppError::forbidden());
    }
    let source = staff_source(a.role, &b.source)?;
    let key = idempotency_key(&headers, &format!("u{}", a.user.id))?;
    let n = NewCase::validate(&b, source, key)?;
    let created = s.store.create_case(&a.ctx, &n).await?;
    let status = if created.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let secret = created.case.secret.clone();
    if created.created {
        sms_reporter(&s, &created.case, Some(&secret));
    }
    let mut out = case_out(a.role, created.case);
    out.secret = Some(secret);
    Ok((status, Json(out)))
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

/// Open cases that the one being filed may duplicate (same 小类, recent, same grid or village or
/// nearby).
async fn similar(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<SimilarQuery>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    let items: Vec<CaseOut> = s
        .store
        .similar_cases(&a.ctx, &q)
        .await?
        .into_iter()
        .map(|c| case_out(a.role, c))
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Serialize)]
struct DetailOut {
    case: CaseOut,
    events: Vec<CaseEvent>,
    attachments: Vec<Attachment>,
}

async fn get_case(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DetailOut>> {
    a.require(Permission::ReadRegistry)?;
    let d = s.store.get_case(&a.ctx, parse_id(&id, "case")?).await?;
    Ok(Json(DetailOut {
        case: case_out(a.role, d.case),
        events: d.events,
        attachments: d.attachments,
    }))
}

async fn act(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CaseAct>,
) -> ApiResult<Json<CaseOut>> {
    let c = s
        .store
        .act_on_case(&a.ctx, parse_id(&id, "case")?, &b)
        .await?;
    if b.action == "verify_pass" {
        sms_reporter(&s, &c, None);
    }
    Ok(Json(case_out(a.role, c)))
}

#[derive(Deserialize)]
struct NameQ {
    #[serde(default)]
    name: String,
}

/// The body is the file itself (JPEG, PNG, WebP or PDF, at most 5 MiB; the type is read from the
/// content, not trusted from the client); `?name=` names it.
async fn upload(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    Q(q): Q<NameQ>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    a.require(Permission::FileCases)?;
    let row = s
        .store
        .add_attachment(&a.ctx, parse_id(&id, "case")?, &q.name, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(row)))
}

async fn download(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    a.require(Permission::ReadRegistry)?;
    let (meta, data) = s
        .store
        .attachment(&a.ctx, parse_id(&id, "attachment")?)
        .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, meta.mime),
            (
                axum::http::header::HeaderName::from_static("x-content-type-options"),
                "nosniff".to_string(),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=3600".to_string(),
            ),
        ],
        data,
    )
        .into_response())
}

// ---------- settings ----------

async fn get_settings(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    let map: serde_json::Map<String, Value> = s
        .store
        .settings()
        .await?
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok(Json(Value::Object(map)))
}

#[derive(Deserialize)]
struct SettingIn {
    #[serde(default)]
    value: String,
}

async fn put_setting(
    State(s): State<AppState>,
    a: Auth,
    Path(key): Path<String>,
    JsonBody(b): JsonBody<SettingIn>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ManageCatalog)?;
    s.store.put_setting(&a.ctx, &key, &b.value).await?;
    Ok(Json(json!({ key: b.value.trim() })))
}

// ---------- disputes ----------

#[derive(Deserialize)]
struct TagQ {
    #[serde(default)]
    tag: String,
}

async fn list_mediators(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<TagQ>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    Ok(Json(
        json!({"items": s.store.list_mediators(&a.ctx, &q.tag).await?}),
    ))
}

async fn add_mediator(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<MediatorInput>,
) -> ApiResult<(StatusCode, Json<Mediator>)> {
    a.require(Permission::ManageCatalog)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.add_mediator(&a.ctx, &b).await?),
    ))
}

async fn dispute(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Dispute>> {
    a.require(Permission::ReadRegistry)?;
    let mut d = s.store.dispute(&a.ctx, parse_id(&id, "case")?).await?;
    // The parties' phones follow the reporter's rule: masked, shown in full by `reveal`.
    for p in &mut d.parties {
        p.phone = p.phone.as_deref().map(mask::phone);
    }
    Ok(Json(d))
}

/// The reporter's and the dispute parties' phones in full, to call them back; each read is
/// written to the audit log.
async fn reveal_contacts(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseContacts>> {
    a.require(Permission::RevealCaseContacts)?;
    Ok(Json(
        s.store
            .reveal_case_contacts(&a.ctx, parse_id(&id, "case")?)
            .await?,
    ))
}

async fn add_party(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PartyInput>,
) -> ApiResult<(StatusCode, Json<Party>)> {
    a.require(Permission::FileCases)?;
    let p = s
        .store
        .add_party(&a.ctx, parse_id(&id, "case")?, &b)
        .await?;
    // The caller typed the number; the answer masks it like every other read.
    let p = Party {
        phone: p.phone.as_deref().map(mask::phone),
        ..p
    };
    Ok((StatusCode::CREATED, Json(p)))
}

async fn record_mediation(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SessionInput>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let c = s
        .store
        .record_mediation(&a.ctx, parse_id(&id, "case")?, &b)
        .await?;
    Ok((StatusCode::CREATED, Json(case_out(a.role, c))))
}

#[derive(Deserialize)]
struct BulkIn {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default, with = "id_str::opt")]
    unit_id: Option<i64>,
}

/// Accepts (where still needed) and dispatches each case: to `unit_id`, or to its routed unit.
/// Each case succeeds or fails on its own; the answer lists both.
async fn bulk_dispatch(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<BulkIn>,
) -> ApiResult<Json<Value>> {
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
            Ok(c) => done.push(
                json!({"id": c.id.to_string(), "number": c.number, "unit_name": c.unit_name}),
            ),
            Err(e) => failed.push(json!({"id": id, "code": e.code, "message": e.message})),
        }
    }
    Ok(Json(json!({"dispatched": done, "failed": failed})))
}

// ---------- public ----------

/// What anyone with the tracking number and secret sees: progress and the unit, never the
/// reporter, the address, the text or the staff's notes.
#[derive(Serialize)]
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
    light: Option<Light>,
    satisfaction: Option<String>,
    events: Vec<PublicEvent>,
}

#[derive(Serialize)]
struct PublicEvent {
    at: i64,
    action: String,
    to_state: String,
    state_zh: &'static str,
    unit_name: Option<String>,
    level: Option<String>,
}

fn public_case(d: CaseDetail) -> PublicCase {
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
                at: e.at,
                state_zh: state_zh(&e.to_state),
                action: e.action,
                to_state: e.to_state,
                unit_name: e.unit_name,
                level: e.level,
            })
            .collect(),
    }
}

fn public_ctx() -> Ctx {
    Ctx {
        user_id: None,
        username: "public".into(),
        role: Role::Resident,
        scope: tongchou_domain::Scope::all(),
        unit_id: None,
    }
}

#[derive(Serialize)]
struct Receipt {
    number: String,
    secret: String,
    case: PublicCase,
}

/// Region names and codes for the public form's place picker (public data).
async fn public_regions(
    State(s): State<AppState>,
    _p: Public,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
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
    let items: Vec<Value> = regions
        .into_iter()
        .map(|r| json!({"code": r.code, "name": r.name, "level": r.level}))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// A nonce for the public form's idempotency keys (see `nonce`).
async fn form_nonce(State(s): State<AppState>, _p: Public) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"nonce": crate::nonce::issue(&s, now_ms()).await?}),
    ))
}

/// The public form: anonymous, phone optional.
async fn public_create(
    State(s): State<AppState>,
    _p: Public,
    headers: HeaderMap,
    JsonBody(b): JsonBody<CaseInput>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
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
            case: public_case(d),
        }),
    ))
}

/// The public form's duplicate hint: number, category, state and time only.
async fn public_similar(
    State(s): State<AppState>,
    _p: Public,
    Q(q): Q<SimilarQuery>,
) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = s
        .store
        .similar_cases(&public_ctx(), &q)
        .await?
        .into_iter()
        .map(|c| {
            json!({"number": c.number, "category_name": c.category_name, "state": c.state,
                "state_zh": state_zh(&c.state), "created_at": c.created_at, "unit_name": c.unit_name})
        })
        .collect();
    Ok(Json(json!({ "items": items })))
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
    Ok(Json(public_case(
        s.store.track_case(&number, &q.secret).await?,
    )))
}

#[derive(Deserialize)]
struct PublicActIn {
    #[serde(default)]
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
) -> ApiResult<(StatusCode, Json<Value>)> {
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
    let a = s
        .store
        .add_attachment(&ctx, d.case.id, &q.name, &body)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"name": a.name, "mime": a.mime, "size": a.size})),
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
    Ok(Json(public_case(
        s.store.track_case(&number, &b.secret).await?,
    )))
}
