//! Territory handlers: regions (with their units and service centers) and grids; their maps
//! are in `maps.rs`.

pub mod maps;

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::{Invalid, Permission, RegionCode, grid};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/regions", post(create_region))
        .route(
            "/api/v1/regions/{code}",
            get(get_region).patch(update_region),
        )
        .route("/api/v1/regions/{code}/children", get(region_children))
        .route("/api/v1/regions/{code}/units", get(region_units))
        .route(
            "/api/v1/regions/{code}/service-centers",
            get(region_centers),
        )
        .route("/api/v1/grids", get(list_grids).post(create_grid))
        .route("/api/v1/places", get(search_places))
        .route("/api/v1/grids/{code}", get(get_grid).patch(update_grid))
        .merge(maps::routes())
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct RegionOut {
    #[serde(flatten)]
    region: Region,
    level_zh: &'static str,
    /// Ancestors within the caller's scope, top first (for breadcrumbs).
    ancestors: Vec<Crumb>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Crumb {
    code: String,
    name: String,
    level: String,
}

fn level_zh(level: &str) -> &'static str {
    tongchou_domain::Level::parse(level).map_or("", |l| l.zh())
}

async fn region_out(s: &AppState, a: &Auth, region: Region) -> ApiResult<RegionOut> {
    let mut ancestors = Vec::new();
    let mut cur = RegionCode::parse(&region.code)
        .ok()
        .and_then(|c| c.parent());
    while let Some(c) = cur {
        match s.store.get_region(&a.ctx, c.as_str()).await {
            Ok(r) => ancestors.push(Crumb {
                code: r.code,
                name: r.name,
                level: r.level,
            }),
            Err(StoreError::NotFound(_)) => break,
            Err(e) => return Err(e.into()),
        }
        cur = c.parent();
    }
    ancestors.reverse();
    Ok(RegionOut {
        level_zh: level_zh(&region.level),
        region,
        ancestors,
    })
}

async fn get_region(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<RegionOut>> {
    a.require(Permission::ReadRegistry)?;
    let r = s.store.get_region(&a.ctx, &code).await?;
    Ok(Json(region_out(&s, &a, r).await?))
}

async fn region_children(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
    Q(p): Q<PageQ>,
) -> ApiResult<Json<Page<Region>>> {
    a.require(Permission::ReadRegistry)?;
    Ok(Json(s.store.region_children(&a.ctx, &code, p.req()).await?))
}

async fn region_units(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Items<Unit>>> {
    a.require(Permission::ReadRegistry)?;
    s.store.get_region(&a.ctx, &code).await?;
    Ok(items(s.store.list_units(&a.ctx, &code).await?))
}

async fn region_centers(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Items<ServiceCenter>>> {
    a.require(Permission::ReadRegistry)?;
    s.store.get_region(&a.ctx, &code).await?;
    Ok(items(s.store.list_centers(&a.ctx, &code).await?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct RegionIn {
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::region::CODE_PATTERN))]
    code: String,
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 60),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    name: String,
}

async fn create_region(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<RegionIn>,
) -> ApiResult<(StatusCode, Json<RegionOut>)> {
    a.require(Permission::WriteTerritory)?;
    let code = RegionCode::parse(&b.code)?;
    let name = tongchou_domain::error::required_text("name", &b.name, 60)?;
    let r = s
        .store
        .create_region(&a.ctx, &RegionRow::new(&code, &name))
        .await?;
    Ok((StatusCode::CREATED, Json(region_out(&s, &a, r).await?)))
}

async fn update_region(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<RegionPatch>,
) -> ApiResult<Json<RegionOut>> {
    a.require(Permission::WriteTerritory)?;
    let r = s.store.update_region(&a.ctx, &code, &b).await?;
    Ok(Json(region_out(&s, &a, r).await?))
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct GridOut {
    #[serde(flatten)]
    grid: Grid,
    size_warnings: Vec<String>,
}

fn grid_out(g: Grid) -> GridOut {
    let class = g
        .urban_rural
        .as_deref()
        .and_then(tongchou_domain::UrbanRural::parse);
    GridOut {
        size_warnings: grid::size_warnings(class, g.household_count, g.person_count)
            .iter()
            .map(|m| m.said())
            .collect(),
        grid: g,
    }
}

#[derive(Deserialize)]
struct PlacesQ {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    limit: Option<u32>,
}

/// Regions and grids of the caller's scope by a fragment of their name (the pickers).
async fn search_places(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<PlacesQ>,
) -> ApiResult<Json<Items<PlaceHit>>> {
    a.require(Permission::ReadRegistry)?;
    search_fragment("q", &q.q)?;
    if !matches!(q.kind.as_str(), "" | "region" | "grid") {
        return Err(Invalid::new(
            "kind",
            "invalid_value",
            "只能是 region 或 grid",
            "must be region or grid",
        )
        .into());
    }
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    Ok(items(
        s.store.search_places(&a.ctx, &q.q, &q.kind, limit).await?,
    ))
}

#[derive(Deserialize)]
struct GridQ {
    region: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_grids(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<GridQ>,
) -> ApiResult<Json<Page<GridOut>>> {
    a.require(Permission::ReadRegistry)?;
    let region = q.region.unwrap_or_else(|| a.user.scope_code.clone());
    Ok(Json(
        s.store
            .list_grids(&a.ctx, &region, PageReq::new(q.page, q.page_size))
            .await?
            .map(grid_out),
    ))
}

async fn get_grid(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<GridOut>> {
    a.require(Permission::ReadRegistry)?;
    Ok(Json(grid_out(s.store.get_grid(&a.ctx, &code).await?)))
}

async fn create_grid(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<GridInput>,
) -> ApiResult<(StatusCode, Json<GridOut>)> {
    a.require(Permission::WriteTerritory)?;
    let g = NewGrid::validate(&b)?;
    Ok((
        StatusCode::CREATED,
        Json(grid_out(s.store.create_grid(&a.ctx, &g).await?)),
    ))
}

async fn update_grid(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
    JsonBody(mut b): JsonBody<GridInput>,
) -> ApiResult<Json<GridOut>> {
    a.require(Permission::WriteTerritory)?;
    if b.code.is_empty() {
        b.code = code.clone();
    }
    let g = NewGrid::validate(&b)?;
    Ok(Json(grid_out(
        s.store.update_grid(&a.ctx, &code, &g).await?,
    )))
}
