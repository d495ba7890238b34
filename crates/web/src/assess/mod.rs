//! Assessment handlers: a region's dashboard for a period (indicator values with their
//! definitions, the period before, the year before, the urban–rural split and the children's
//! values), peer rankings, red/yellow/blue warnings with their follow-up, and the rules behind
//! them, all read from the live counts in the caller's scope.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::assess::period::Period;
use tongchou_domain::assess::rules::{AssessRules, FollowUpStep};
use tongchou_domain::{Invalid, Level, Permission};
use tongchou_store::*;

mod report;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assess/dashboard", get(dashboard))
        .route("/api/v1/assess/ranking", get(ranking))
        .route("/api/v1/assess/report", get(report::report))
        .route("/api/v1/assess/rules", get(get_rules).put(put_rules))
        .route("/api/v1/assess/warnings", get(warnings))
        .route("/api/v1/assess/warnings/{id}/steps", post(follow_up))
}

#[derive(Deserialize)]
struct DashboardQ {
    /// The region; the caller's own when none is named.
    #[serde(default)]
    region: String,
    /// `2026-11`, `2026-Q4`, `2026` or `2026-11-01..2026-11-15`; this month when none is named.
    #[serde(default)]
    period: String,
}

fn period_or_this_month(p: &str) -> ApiResult<Period> {
    Ok(match p.trim() {
        "" => Period::month_of(now_ms()),
        p => Period::parse(p)?,
    })
}

fn region_or_own(a: &Auth, r: &str) -> String {
    match r.trim() {
        "" => a.user.scope_code.clone(),
        r => r.to_string(),
    }
}

async fn dashboard(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<DashboardQ>,
) -> ApiResult<Json<Dashboard>> {
    a.require(Permission::ReadAssessment)?;
    let period = period_or_this_month(&q.period)?;
    let region = region_or_own(&a, &q.region);
    Ok(Json(s.store.dashboard(&a.ctx, &region, &period).await?))
}

#[derive(Deserialize)]
struct RankingQ {
    #[serde(default)]
    region: String,
    /// `county`, `township` or `village`; the region's children when none is named.
    #[serde(default)]
    level: String,
    #[serde(default)]
    period: String,
}

async fn ranking(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<RankingQ>,
) -> ApiResult<Json<Ranking>> {
    a.require(Permission::ReadAssessment)?;
    let period = period_or_this_month(&q.period)?;
    let level = match q.level.trim() {
        "" => None,
        l => Some(Level::parse(l).ok_or_else(|| {
            Invalid::new(
                "level",
                "invalid_value",
                "应为 county、township 或 village",
                "must be county, township or village",
            )
        })?),
    };
    let region = region_or_own(&a, &q.region);
    Ok(Json(
        s.store.ranking(&a.ctx, &region, level, &period).await?,
    ))
}

#[derive(Deserialize)]
struct RegionQ {
    #[serde(default)]
    region: String,
    /// One month's warnings (`2026-10`); every month's when none is named.
    #[serde(default)]
    period: String,
}

async fn get_rules(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<RegionQ>,
) -> ApiResult<Json<RulesAt>> {
    a.require(Permission::ReadAssessment)?;
    let region = region_or_own(&a, &q.region);
    Ok(Json(s.store.rules(&a.ctx, &region).await?))
}

/// The caller's own rules: the top administrator's are the base, any other administrator's
/// apply in their territory.
async fn put_rules(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<AssessRules>,
) -> ApiResult<Json<RulesAt>> {
    a.require(Permission::ManageCatalog)?;
    Ok(Json(s.store.put_rules(&a.ctx, &b).await?))
}

async fn warnings(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<RegionQ>,
) -> ApiResult<Json<Items<WarningRow>>> {
    a.require(Permission::ReadAssessment)?;
    let period = match q.period.trim() {
        "" => None,
        p => Some(Period::parse(p)?),
    };
    let region = region_or_own(&a, &q.region);
    Ok(items(
        s.store.warnings(&a.ctx, &region, period.as_ref()).await?,
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct FollowUpInput {
    /// `talk` (by the level above), `plan` (by the region or the level above), `close` (by the
    /// level above), in that order.
    pub step: FollowUpStep,
    pub note: String,
}

async fn follow_up(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<FollowUpInput>,
) -> ApiResult<Json<WarningRow>> {
    a.require(Permission::ReadAssessment)?;
    let id = parse_id(&id, "warning")?;
    Ok(Json(s.store.follow_up(&a.ctx, id, b.step, &b.note).await?))
}
