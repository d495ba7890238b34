//! The catalog: categories, routing rules, the calendar and settings.

use crate::auth::Auth;
use crate::error::{ApiResult, AppError};
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongchou_domain::{Invalid, Permission};
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
        .route("/api/v1/settings", get(get_settings))
        .route("/api/v1/settings/{key}", put(put_setting))
}

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

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SettingIn {
    #[serde(default)]
    #[schemars(pattern(
        "^\\s*(?:\\+?0*(?:[0-9]{1,2}|[12][0-9]{2}|3[0-5][0-9]|36[0-5])|-0+)\\s*$"
    ))]
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
