//! Registry handlers: households and persons (import and export are in `io.rs`).

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tongchou_domain::{Invalid, Permission, date, mask};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
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
}

#[derive(Serialize, schemars::JsonSchema)]
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

#[derive(Serialize, schemars::JsonSchema)]
pub struct PersonOut {
    #[schemars(with = "tongchou_store::IdOut")]
    #[serde(with = "tongchou_store::id_str")]
    pub id: i64,
    #[schemars(with = "tongchou_store::IdOut")]
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
    /// In a list of persons: the village, grid and address of the household, so that two
    /// people of the same name can be told apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

pub fn person_out(p: Person, full: bool) -> PersonOut {
    PersonOut {
        place: None,
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
    search_fragment("q", q.q.as_deref().unwrap_or(""))?;
    let f = PersonFilter {
        q: q.q,
        id_number: q.id_number,
        household: q.household,
        grid: q.grid,
        region: q.region,
    };
    let page = s
        .store
        .list_persons(&a.ctx, &f, PageReq::new(q.page, q.page_size))
        .await?;
    let households: Vec<i64> = page.items.iter().map(|p| p.household_id).collect();
    let places = s.store.household_places(&a.ctx, &households).await?;
    Ok(Json(page.map(|p| {
        let place = places.get(&p.household_id).cloned();
        PersonOut {
            place,
            ..person_out(p, false)
        }
    })))
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
