//! Field work handlers: a grid worker records a visit to a household (from the field app, perhaps
//! queued offline, so an `Idempotency-Key` makes a resend harmless), reads a household's visit
//! history, lists the households of a grid that are due a visit, and starts and ends patrols.

use crate::auth::Auth;
use crate::cases::idempotency_key;
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::{Permission, Role};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/households/{id}/visits",
            get(household_visits).post(record_visit),
        )
        .route("/api/v1/visits/due", get(visits_due))
        .route("/api/v1/patrols", get(list_patrols).post(start_patrol))
        .route("/api/v1/patrols/{id}/end", axum::routing::post(end_patrol))
}

async fn start_patrol(
    State(s): State<AppState>,
    a: Auth,
    headers: HeaderMap,
    JsonBody(b): JsonBody<PatrolStart>,
) -> ApiResult<(StatusCode, Json<Patrol>)> {
    a.require(Permission::WriteRegistry)?;
    let key = idempotency_key(&headers, &format!("u{}", a.user.id))?;
    let (p, created) = s
        .store
        .start_patrol(&a.ctx, &b, key.as_deref(), now_ms())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(p)))
}

async fn end_patrol(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PatrolEnd>,
) -> ApiResult<Json<Patrol>> {
    a.require(Permission::WriteRegistry)?;
    let id = parse_id(&id, "patrol")?;
    Ok(Json(s.store.end_patrol(&a.ctx, id, &b, now_ms()).await?))
}

#[derive(Deserialize)]
struct PatrolQ {
    #[serde(default)]
    grid: String,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_patrols(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<PatrolQ>,
) -> ApiResult<Json<Page<Patrol>>> {
    may_read_visits(&a)?;
    let grid = own_or_named_grid(&a, &q.grid)?;
    Ok(Json(
        s.store
            .list_patrols(&a.ctx, &grid, PageReq::new(q.page, q.page_size))
            .await?,
    ))
}

async fn record_visit(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<VisitInput>,
) -> ApiResult<(StatusCode, Json<Visit>)> {
    a.require(Permission::WriteRegistry)?;
    let id = parse_id(&id, "household")?;
    let key = idempotency_key(&headers, &format!("u{}", a.user.id))?;
    let v = NewVisit::validate(&b, now_ms(), key)?;
    let (visit, created) = s.store.record_visit(&a.ctx, id, &v).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(visit)))
}

async fn household_visits(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Items<Visit>>> {
    may_read_visits(&a)?;
    let id = parse_id(&id, "household")?;
    Ok(items(s.store.household_visits(&a.ctx, id).await?))
}

/// Visit notes are about old people's health and children left behind: the staff who visit
/// (grid workers, agents), leaders and administrators read them, not every role that reads the
/// registry.
fn may_read_visits(a: &Auth) -> ApiResult<()> {
    if a.role == Role::Leader {
        return Ok(());
    }
    a.require(Permission::WriteRegistry)
}

#[derive(Deserialize)]
struct DueQ {
    /// The grid; a grid worker's own grid when absent.
    #[serde(default)]
    grid: String,
    /// At most this many, the longest overdue first (a phone shows the first few; the count
    /// is the whole grid's).
    limit: Option<u32>,
}

/// The households due a visit, longest overdue first, and how many there are in all.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DueList {
    pub total: usize,
    pub items: Vec<DueHousehold>,
}

async fn visits_due(State(s): State<AppState>, a: Auth, Q(q): Q<DueQ>) -> ApiResult<Json<DueList>> {
    may_read_visits(&a)?;
    let grid = own_or_named_grid(&a, &q.grid)?;
    let mut due = s.store.visits_due(&a.ctx, &grid, now_ms()).await?;
    let total = due.len();
    due.truncate(q.limit.map_or(usize::MAX, |l| l as usize));
    Ok(Json(DueList { total, items: due }))
}

/// The grid a request names, else the caller's own.
fn own_or_named_grid(a: &Auth, named: &str) -> ApiResult<String> {
    match (named.trim(), &a.user.grid_code) {
        ("", Some(own)) => Ok(own.clone()),
        ("", None) => Err(tongchou_domain::Invalid::new(
            "grid",
            "required",
            "请指定网格（本账号没有所属网格）",
            "name a grid (this account has none of its own)",
        )
        .into()),
        (g, _) => Ok(tongchou_domain::grid::parse_code("grid", g)?.0),
    }
}
