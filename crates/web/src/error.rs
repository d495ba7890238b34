//! One error type at the HTTP edge: a stable `code`, a bilingual `message`, and the `field` when
//! the input is at fault. The UI translates by code where it knows it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongchou_domain::Invalid;
use tongchou_store::{RowError, StoreError};

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub rows: Vec<RowError>,
}

/// The body of every error answer.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error")]
pub(crate) struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[RowError]>::is_empty")]
    rows: &'a [RowError],
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            field: None,
            rows: Vec::new(),
        }
    }
    pub fn unauthorized() -> AppError {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录 / please log in",
        )
    }
    pub fn forbidden() -> AppError {
        AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您的角色无权执行此操作 / your role may not do this",
        )
    }
    pub fn not_found(what: &str) -> AppError {
        AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("未找到 / {what} not found"),
        )
    }
    pub fn too_large() -> AppError {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求体过大 / the request body is too large",
        )
    }
    pub fn bad_request(code: &'static str, field: &str, message: impl Into<String>) -> AppError {
        let mut e = AppError::new(StatusCode::BAD_REQUEST, code, message);
        e.field = Some(field.to_string());
        e
    }
}

impl From<Invalid> for AppError {
    fn from(i: Invalid) -> AppError {
        let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, i.code, i.message());
        e.field = Some(i.field);
        e
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Invalid(i) => i.into(),
            StoreError::Duplicate { field } => {
                let mut e = AppError::new(
                    StatusCode::CONFLICT,
                    "duplicate",
                    format!("字段 {field}：已存在 / {field}: already exists"),
                );
                e.field = Some(field.into());
                e
            }
            StoreError::Forbidden { code, zh, en } => {
                AppError::new(StatusCode::FORBIDDEN, code, format!("{zh} / {en}"))
            }
            StoreError::Refused { code, zh, en } => {
                AppError::new(StatusCode::CONFLICT, code, format!("{zh} / {en}"))
            }
            StoreError::Rows(rows) => {
                let mut e = AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "import_rejected",
                    format!(
                        "{} 行有错误，未写入任何数据 / {} bad rows, nothing was written",
                        rows.len(),
                        rows.len()
                    ),
                );
                e.rows = rows;
                e
            }
            StoreError::DiskFull => AppError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "disk_full",
                "数据库所在磁盘已满，未写入任何数据 / the database's disk is full; nothing was written",
            ),
            StoreError::Unavailable(cause) | StoreError::Batch(cause) => {
                tracing::warn!(cause = %cause, "database unavailable");
                AppError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "数据库暂时不可用，请稍后重试 / the database is unavailable; try again shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误 / internal error",
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Body {
            code: self.code,
            message: &self.message,
            field: self.field.as_deref(),
            rows: &self.rows,
        };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;
