//! Disputes: the mediator pool, parties, contacts and mediation sessions.

use crate::auth::Auth;
use crate::cases::*;
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::{Permission, mask};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/mediators", get(list_mediators).post(add_mediator))
        .route("/api/v1/cases/{id}/dispute", get(dispute))
        .route("/api/v1/cases/{id}/parties", post(add_party))
        .route("/api/v1/cases/{id}/reveal", post(reveal_contacts))
        .route("/api/v1/cases/{id}/mediations", post(record_mediation))
}

#[derive(Deserialize)]
struct TagQ {
    #[serde(default)]
    tag: String,
}

async fn list_mediators(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<TagQ>,
) -> ApiResult<Json<Items<Mediator>>> {
    a.require(Permission::ReadRegistry)?;
    Ok(items(s.store.list_mediators(&a.ctx, &q.tag).await?))
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
