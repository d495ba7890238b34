//! The deployment's own endpoints: liveness, readiness, and the answer for unknown routes.

use crate::AppState;
use crate::error::{ApiResult, AppError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Liveness: the process answers. It does not touch the database (see `readyz`).
pub async fn healthz(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    Ok(Json(Health {
        status: "ok",
        backend: s.store.backend(),
    }))
}

/// Readiness: the database takes a write now. A full disk answers 507 `disk_full`, an
/// unreachable database 503 `database_unavailable`.
pub async fn readyz(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    // The probe is a committed write: anyone may ask, but a success is trusted for a second, so
    // asking in a loop costs the writer at most one probe a second while all is well.
    let recent = s
        .ready_at
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some_and(|at| at.elapsed() < std::time::Duration::from_secs(1));
    if !recent {
        s.store.ready().await?;
        *s.ready_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
    }
    Ok(Json(Health {
        status: "ready",
        backend: s.store.backend(),
    }))
}

pub async fn no_route() -> AppError {
    AppError::says(
        StatusCode::NOT_FOUND,
        "no_route",
        "没有这个地址",
        "no such endpoint",
    )
}

/// What `/healthz` and `/readyz` answer.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Health {
    status: &'static str,
    backend: &'static str,
}
