//! Attachments on a case: upload and download.

use crate::AppState;
use crate::auth::Auth;
use crate::cases::idempotency_key;
use crate::error::ApiResult;
use crate::extract::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
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
/// content, not trusted from the client); `?name=` names it. With an `Idempotency-Key` (the
/// field app's offline queue), a resend answers the first upload with `200`.
async fn upload(
    State(s): State<AppState>,
    a: Auth,
    Path(id): Path<String>,
    Q(q): Q<NameQ>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    a.require(Permission::FileCases)?;
    let key = idempotency_key(&headers, &format!("u{}", a.user.id))?;
    let (row, created) = s
        .store
        .add_attachment(
            &a.ctx,
            parse_id(&id, "case")?,
            &q.name,
            &body,
            key.as_deref(),
        )
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row)))
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
