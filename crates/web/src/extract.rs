//! Request extractors and parsers every handler shares: query strings in our error shape,
//! pages, ids, today's date.

use crate::error::{ApiResult, AppError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tongchou_domain::date;
use tongchou_store::*;

/// `Query<T>` whose rejections are our error shape.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Q(v))
            .map_err(|e: QueryRejection| {
                AppError::says(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("查询参数无效：{}", e.body_text()),
                    format!("invalid query: {}", e.body_text()),
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

/// A whole list (no pages): `{"items": [...]}`.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}List")]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Answers a whole list.
pub fn items<T>(items: Vec<T>) -> axum::Json<Items<T>> {
    axum::Json(Items { items })
}

/// An answer with nothing more to say: `{}`.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Empty {}

/// A search fragment (a name, a place) of at most 30 characters, refused naming `field`.
pub fn search_fragment(field: &str, q: &str) -> ApiResult<()> {
    if q.chars().count() > 30 {
        return Err(tongchou_domain::Invalid::new(
            field,
            "too_long",
            "长度不能超过 30 个字符",
            "must be at most 30 characters",
        )
        .into());
    }
    Ok(())
}
