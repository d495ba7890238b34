//! Assessment handlers: a region's dashboard for a period (indicator values with their
//! definitions, the period before, the year before, the urban–rural split and the children's
//! values), read from the live counts in the caller's scope.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::Permission;
use tongchou_domain::assess::period::Period;
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/assess/dashboard", get(dashboard))
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

/// This month in the deployment's time zone.
fn this_month() -> Period {
    let ymd = tongchou_domain::date::yyyymmdd(now_ms());
    Period::Month {
        year: ymd[..4].parse().unwrap_or(1970),
        month: ymd[4..6].parse().unwrap_or(1),
    }
}

async fn dashboard(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<DashboardQ>,
) -> ApiResult<Json<Dashboard>> {
    a.require(Permission::ReadAssessment)?;
    let period = match q.period.trim() {
        "" => this_month(),
        p => Period::parse(p)?,
    };
    let region = match q.region.trim() {
        "" => a.user.scope_code.clone(),
        r => r.to_string(),
    };
    Ok(Json(s.store.dashboard(&a.ctx, &region, &period).await?))
}
