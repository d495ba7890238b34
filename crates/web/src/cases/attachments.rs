//! Attachments on a case: upload and download.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::Permission;
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/attachments", post(upload))
        .route("/api/v1/attachments/{id}", get(download))
}

#[derive(Deserialize)]
struct NameQ {
    #[serde(default)]
    name: String,
}

/// The body is the file itself (JPEG, PNG, WebP or PDF, at most 5 MiB; the type is read from the
/// content, not trusted from the client); `?name=` names it.
async fn upload(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    Q(q): Q<NameQ>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    a.require(Permission::FileCases)?;
    let row = s
        .store
        .add_attachment(&a.ctx, parse_id(&id, "case")?, &q.name, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(row)))
}

async fn download(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    a.require(Permission::ReadRegistry)?;
    let (meta, data) = s
        .store
        .attachment(&a.ctx, parse_id(&id, "attachment")?)
        .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, meta.mime),
            (
                axum::http::header::HeaderName::from_static("x-content-type-options"),
                "nosniff".to_string(),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=3600".to_string(),
            ),
        ],
        data,
    )
        .into_response())
}
