//! One error type at the HTTP edge: a stable `code`, a `message` in the request's language (kept
//! in both until the answer is written), and the `field` when the input is at fault.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongchou_domain::Invalid;
use tongchou_domain::error::Msg;
use tongchou_store::{RowError, StoreError};

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Msg,
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
    /// Each bad row, its reason in the request's language.
    #[serde(skip_serializing_if = "<[RowError]>::is_empty")]
    rows: &'a [RowError],
}

impl AppError {
    /// An error whose message is said in Chinese or English, as the request asks.
    pub fn says(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> AppError {
        AppError::with(status, code, Msg::new(zh, en))
    }
    pub fn with(status: StatusCode, code: &'static str, message: Msg) -> AppError {
        AppError {
            status,
            code,
            message,
            field: None,
            rows: Vec::new(),
        }
    }
    pub fn unauthorized() -> AppError {
        AppError::says(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录",
            "please log in",
        )
    }
    pub fn forbidden() -> AppError {
        AppError::says(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您的角色无权执行此操作",
            "your role may not do this",
        )
    }
    pub fn not_found(what: &str) -> AppError {
        AppError::says(
            StatusCode::NOT_FOUND,
            "not_found",
            "未找到，或不在您的管辖范围内",
            format!("{what} not found"),
        )
    }
    pub fn too_large() -> AppError {
        AppError::says(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求体过大",
            "the request body is too large",
        )
    }
    /// A `400` naming the field, e.g. a header or a query parameter.
    pub fn bad_request(code: &'static str, field: &str, zh: &str, en: &str) -> AppError {
        let (lz, le) = tongchou_domain::error::field_label(field);
        let mut e = AppError::says(
            StatusCode::BAD_REQUEST,
            code,
            format!("{lz}：{zh}"),
            format!("{le}: {en}"),
        );
        e.field = Some(field.to_string());
        e
    }
}

impl From<Invalid> for AppError {
    fn from(i: Invalid) -> AppError {
        let mut e = AppError::with(StatusCode::UNPROCESSABLE_ENTITY, i.code, i.msg());
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
                let (zh, en) = tongchou_domain::error::field_label(field);
                let mut e = AppError::says(
                    StatusCode::CONFLICT,
                    "duplicate",
                    format!("{zh}：已存在"),
                    format!("{en}: already exists"),
                );
                e.field = Some(field.into());
                e
            }
            StoreError::Forbidden { code, zh, en } => {
                AppError::says(StatusCode::FORBIDDEN, code, zh, en)
            }
            StoreError::Refused { code, zh, en } => {
                AppError::says(StatusCode::CONFLICT, code, zh, en)
            }
            StoreError::Rows(rows) => {
                let mut e = AppError::says(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "import_rejected",
                    format!("{} 行有错误，未写入任何数据", rows.len()),
                    format!("{} bad rows, nothing was written", rows.len()),
                );
                e.rows = rows;
                e
            }
            StoreError::DiskFull => AppError::says(
                StatusCode::INSUFFICIENT_STORAGE,
                "disk_full",
                "数据库所在磁盘已满，未写入任何数据",
                "the database's disk is full; nothing was written",
            ),
            StoreError::Unavailable(cause) | StoreError::Batch(cause) => {
                tracing::warn!(cause = %cause, "database unavailable");
                AppError::says(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "数据库暂时不可用，请稍后重试",
                    "the database is unavailable; try again shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::says(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误",
                    "internal error",
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let message = self.message.said();
        let body = Body {
            code: self.code,
            message: &message,
            field: self.field.as_deref(),
            rows: &self.rows,
        };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;
