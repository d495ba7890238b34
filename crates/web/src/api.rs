//! JSON API handlers for the territory and the registry.

use crate::auth::{Auth, check_password_policy, hash_password};
use crate::error::{ApiResult, AppError};
use crate::{AppState, JsonBody};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tongchou_domain::{Invalid, Permission, RegionCode, Role, date, grid, mask};
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
        .route("/api/v1/grids/{code}", get(get_grid).patch(update_grid))
        .route(
            "/api/v1/households",
            get(list_households).post(create_household),
        )
        .route(
            "/api/v1/households/{id}",
            get(get_household).patch(update_household),
        )
        .route("/api/v1/persons", get(list_persons).post(create_person))
        .route("/api/v1/persons/{id}", get(get_person).patch(update_person))
        .route("/api/v1/persons/{id}/reveal", post(reveal_person))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}/unlock", post(unlock_user))
        .route("/api/v1/audit", get(list_audit))
}

/// Liveness: the process answers. It does not touch the database (see `readyz`).
pub async fn healthz(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"status": "ok", "backend": s.store.backend()})))
}

/// Readiness: the database takes a write now. A full disk answers 507 `disk_full`, an
/// unreachable database 503 `database_unavailable`.
pub async fn readyz(State(s): State<AppState>) -> ApiResult<Json<Value>> {
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
    Ok(Json(
        json!({"status": "ready", "backend": s.store.backend()}),
    ))
}

pub async fn no_route() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "没有这个地址 / no such endpoint",
    )
}

/// `Query<T>` whose rejections are our error shape.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Q(v))
            .map_err(|e: QueryRejection| {
                AppError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("查询参数无效 / invalid query: {}", e.body_text()),
                )
            })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQ {
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

impl PageQ {
    pub fn req(&self) -> PageReq {
        PageReq::new(self.page, self.page_size)
    }
}

pub fn parse_id(s: &str, what: &'static str) -> ApiResult<i64> {
    s.parse().map_err(|_| AppError::not_found(what))
}

pub fn today() -> String {
    date::yyyymmdd(now_ms())
}

// ---------- regions ----------

#[derive(Serialize)]
struct RegionOut {
    #[serde(flatten)]
    region: Region,
    level_zh: &'static str,
    /// Ancestors within the caller's scope, top first (for breadcrumbs).
    ancestors: Vec<Crumb>,
}

#[derive(Serialize)]
struct Crumb {
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
) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    s.store.get_region(&a.ctx, &code).await?;
    Ok(Json(
        json!({"items": s.store.list_units(&a.ctx, &code).await?}),
    ))
}

async fn region_centers(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    s.store.get_region(&a.ctx, &code).await?;
    Ok(Json(
        json!({"items": s.store.list_centers(&a.ctx, &code).await?}),
    ))
}

#[derive(Deserialize)]
struct RegionIn {
    #[serde(default)]
    code: String,
    #[serde(default)]
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

// ---------- grids ----------

#[derive(Serialize)]
struct GridOut {
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
        size_warnings: grid::size_warnings(class, g.household_count, g.person_count),
        grid: g,
    }
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

// ---------- households ----------

#[derive(Serialize)]
pub struct HouseholdOut {
    #[serde(flatten)]
    h: Household,
}

pub fn household_out(mut h: Household, full: bool) -> HouseholdOut {
    if !full {
        h.phone = h.phone.as_deref().map(mask::phone);
    }
    HouseholdOut { h }
}

#[derive(Deserialize)]
struct HouseholdQ {
    grid: Option<String>,
    region: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_households(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<HouseholdQ>,
) -> ApiResult<Json<Page<HouseholdOut>>> {
    a.require(Permission::ReadRegistry)?;
    let f = HouseholdFilter {
        grid: q.grid,
        region: q.region,
    };
    Ok(Json(
        s.store
            .list_households(&a.ctx, &f, PageReq::new(q.page, q.page_size))
            .await?
            .map(|h| household_out(h, false)),
    ))
}

async fn get_household(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<HouseholdOut>> {
    a.require(Permission::ReadRegistry)?;
    let h = s
        .store
        .get_household(&a.ctx, parse_id(&id, "household")?)
        .await?;
    Ok(Json(household_out(h, false)))
}

async fn create_household(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<HouseholdInput>,
) -> ApiResult<(StatusCode, Json<HouseholdOut>)> {
    a.require(Permission::WriteRegistry)?;
    let h = NewHousehold::validate(&b)?;
    Ok((
        StatusCode::CREATED,
        Json(household_out(
            s.store.create_household(&a.ctx, &h).await?,
            false,
        )),
    ))
}

async fn update_household(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<HouseholdInput>,
) -> ApiResult<Json<HouseholdOut>> {
    a.require(Permission::WriteRegistry)?;
    let id = parse_id(&id, "household")?;
    let h = NewHousehold::validate(&b)?;
    Ok(Json(household_out(
        s.store.update_household(&a.ctx, id, &h).await?,
        false,
    )))
}

// ---------- persons ----------

#[derive(Serialize)]
pub struct PersonOut {
    #[serde(with = "tongchou_store::id_str")]
    pub id: i64,
    #[serde(with = "tongchou_store::id_str")]
    pub household_id: i64,
    pub region_code: String,
    pub grid_code: String,
    pub name: String,
    pub id_number: String,
    pub birth_date: String,
    pub age: Option<u32>,
    pub sex: String,
    pub phone: Option<String>,
    pub relation: String,
    pub residence_type: String,
    pub tags: Vec<String>,
    /// False only in the answer of `reveal`, which is audited.
    pub masked: bool,
}

pub fn person_out(p: Person, full: bool) -> PersonOut {
    PersonOut {
        id: p.id,
        household_id: p.household_id,
        region_code: p.region_code,
        grid_code: p.grid_code,
        age: date::age(&p.birth_date, &today()),
        id_number: if full {
            p.id_number
        } else {
            mask::id_number(&p.id_number)
        },
        phone: if full {
            p.phone
        } else {
            p.phone.as_deref().map(mask::phone)
        },
        name: p.name,
        birth_date: p.birth_date,
        sex: p.sex,
        relation: p.relation,
        residence_type: p.residence_type,
        tags: p
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
        masked: !full,
    }
}

#[derive(Deserialize)]
struct PersonQ {
    q: Option<String>,
    id_number: Option<String>,
    household: Option<i64>,
    grid: Option<String>,
    region: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_persons(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<PersonQ>,
) -> ApiResult<Json<Page<PersonOut>>> {
    a.require(Permission::ReadRegistry)?;
    if let Some(n) = q.q.as_deref()
        && n.chars().count() > 30
    {
        return Err(Invalid::new(
            "q",
            "too_long",
            "长度不能超过 30 个字符",
            "must be at most 30 characters",
        )
        .into());
    }
    let f = PersonFilter {
        q: q.q,
        id_number: q.id_number,
        household: q.household,
        grid: q.grid,
        region: q.region,
    };
    Ok(Json(
        s.store
            .list_persons(&a.ctx, &f, PageReq::new(q.page, q.page_size))
            .await?
            .map(|p| person_out(p, false)),
    ))
}

async fn get_person(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonOut>> {
    a.require(Permission::ReadRegistry)?;
    Ok(Json(person_out(
        s.store.get_person(&a.ctx, parse_id(&id, "person")?).await?,
        false,
    )))
}

async fn reveal_person(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonOut>> {
    a.require(Permission::RevealPii)?;
    Ok(Json(person_out(
        s.store
            .reveal_person(&a.ctx, parse_id(&id, "person")?)
            .await?,
        true,
    )))
}

async fn create_person(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<PersonInput>,
) -> ApiResult<(StatusCode, Json<PersonOut>)> {
    a.require(Permission::WriteRegistry)?;
    if b.household_id.is_none() {
        return Err(
            Invalid::new("household_id", "required", "不能为空", "must not be empty").into(),
        );
    }
    let p = NewPerson::validate(&b, &today())?;
    Ok((
        StatusCode::CREATED,
        Json(person_out(s.store.create_person(&a.ctx, &p).await?, false)),
    ))
}

async fn update_person(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PersonInput>,
) -> ApiResult<Json<PersonOut>> {
    a.require(Permission::WriteRegistry)?;
    let id = parse_id(&id, "person")?;
    let mut b = b;
    if b.household_id.is_none() {
        b.household_id = Some(s.store.get_person(&a.ctx, id).await?.household_id);
    }
    let p = NewPerson::validate(&b, &today())?;
    Ok(Json(person_out(
        s.store.update_person(&a.ctx, id, &p).await?,
        false,
    )))
}

// ---------- accounts and audit ----------

async fn list_users(
    State(s): State<AppState>,
    a: Auth,
    Q(p): Q<PageQ>,
) -> ApiResult<Json<Page<User>>> {
    a.require(Permission::ManageAccounts)?;
    Ok(Json(s.store.list_users(&a.ctx, p.req()).await?))
}

#[derive(Deserialize)]
pub struct UserIn {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub grid_code: String,
}

/// Validates an account request (shared by the API and the command line).
pub fn validate_user(u: &UserIn) -> Result<NewUser, Invalid> {
    let username = u.username.trim();
    if username.len() < 3
        || username.len() > 40
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        return Err(Invalid::new(
            "username",
            "invalid_username",
            "3–40 位字母、数字、_ . -",
            "3 to 40 letters, digits, _ . or -",
        ));
    }
    check_password_policy(&u.password)?;
    let role = Role::parse(u.role.trim()).ok_or_else(|| {
        Invalid::new(
            "role",
            "invalid_value",
            "未知角色",
            "must be one of resident, grid_worker, agent, dispatcher, handler, leader, party_officer, admin",
        )
    })?;
    let scope = RegionCode::parse_field("scope", &u.scope)?;
    let grid_code = match u.grid_code.trim() {
        "" => None,
        g => Some(grid::parse_code("grid_code", g)?.0),
    };
    Ok(NewUser {
        username: username.to_string(),
        display_name: if u.display_name.trim().is_empty() {
            username.to_string()
        } else {
            u.display_name.trim().to_string()
        },
        password_hash: hash_password(&u.password),
        role,
        scope_code: scope.as_str().to_string(),
        grid_code,
        unit_id: None,
    })
}

async fn create_user(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<UserIn>,
) -> ApiResult<(StatusCode, Json<User>)> {
    a.require(Permission::ManageAccounts)?;
    let u = validate_user(&b)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.create_user(&a.ctx, &u).await?),
    ))
}

/// Ends an account's lockout before it expires (an administrator whose scope holds it).
async fn unlock_user(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    a.require(Permission::ManageAccounts)?;
    let id = parse_id(&id, "user")?;
    Ok(Json(s.store.unlock_user(&a.ctx, id).await?))
}

async fn list_audit(
    State(s): State<AppState>,
    a: Auth,
    Q(p): Q<PageQ>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    a.require(Permission::ManageAccounts)?;
    Ok(Json(s.store.list_audit(&a.ctx, p.req()).await?))
}
