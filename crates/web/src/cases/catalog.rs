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
) -> ApiResult<Json<Items<CategoryRow>>> {
    let at = a.ok().map(|a| a.user.scope_code);
    Ok(items(s.store.list_categories(at.as_deref()).await?))
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

async fn list_rules(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Items<RuleRow>>> {
    a.require(Permission::ReadRegistry)?;
    Ok(items(s.store.list_rules(&a.ctx).await?))
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
) -> ApiResult<Json<Empty>> {
    a.require(Permission::ManageCatalog)?;
    s.store
        .delete_rule(&a.ctx, parse_id(&id, "routing rule")?)
        .await?;
    Ok(Json(Empty {}))
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
) -> ApiResult<Json<Items<CalendarEntry>>> {
    let year = parse_year(&year)?;
    Ok(items(
        s.store
            .calendar_year(year)
            .await?
            .into_iter()
            .map(|(date, kind)| CalendarEntry { date, kind })
            .collect(),
    ))
}

/// A day the calendar treats unlike the weekday rule.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct CalendarEntry {
    /// `YYYY-MM-DD`.
    date: String,
    #[schemars(extend("enum" = ["holiday", "workday"]))]
    kind: String,
}

/// The body is the CSV text (`date,kind`, kind holiday/休 or workday/班).
async fn import_calendar(
    State(s): State<AppState>,
    a: Auth,
    Path(year): Path<String>,
    body: String,
) -> ApiResult<Json<Imported>> {
    a.require(Permission::ManageCatalog)?;
    let year = parse_year(&year)?;
    let days = parse_calendar(year, &body).map_err(|errs| {
        let rows = errs
            .into_iter()
            .map(|(line, e)| RowError {
                row: line,
                column: e.field.clone(),
                reason: e.msg(),
            })
            .collect();
        AppError::from(StoreError::Rows(rows))
    })?;
    let n = s.store.import_calendar(&a.ctx, year, &days).await?;
    Ok(Json(Imported { imported: n }))
}

async fn get_settings(State(s): State<AppState>, a: Auth) -> ApiResult<Json<Settings>> {
    a.require(Permission::ReadRegistry)?;
    Ok(Json(Settings(
        s.store.settings().await?.into_iter().collect(),
    )))
}

/// The deployment's settings by key (today `reopen_days`), values as text.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Settings(std::collections::BTreeMap<String, String>);

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
) -> ApiResult<Json<Settings>> {
    a.require(Permission::ManageCatalog)?;
    s.store.put_setting(&a.ctx, &key, &b.value).await?;
    Ok(Json(Settings([(key, b.value.trim().to_string())].into())))
}

/// How many calendar days an import wrote.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Imported {
    imported: u64,
}
