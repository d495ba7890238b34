//! HTTP for Tongchou: the JSON API under `/api/v1`, the OpenAPI document, health, and the
//! embedded web UI. Handlers are thin: they check the role, call the store and shape JSON.

pub mod api;
pub mod auth;
pub mod error;
pub mod io;
pub mod openapi;
pub mod ui;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use error::AppError;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;
use tongchou_store::Store;

#[derive(Debug, Clone)]
pub struct Config {
    pub session_ttl_ms: i64,
    pub secure_cookies: bool,
    /// Largest accepted upload (imports), bytes.
    pub max_upload: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_ttl_ms: 8 * 3_600_000,
            secure_cookies: false,
            max_upload: 10 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// A hash to verify against for unknown usernames (constant-time-ish login).
    pub dummy_hash: Arc<String>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            dummy_hash: Arc::new(auth::hash_password("dummy-password-1")),
        }
    }
}

/// `Json<T>` whose rejections are our error shape, naming what serde could not read.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体必须是 application/json / the body must be application/json",
            )),
            Err(e) => Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("JSON 无效 / invalid JSON: {}", e.body_text()),
            )),
        }
    }
}

pub fn router(state: AppState) -> Router {
    let max = state.config.max_upload;
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::whoami))
        .merge(api::routes())
        .merge(io::routes())
        .merge(ui::routes())
        .fallback(api::no_route)
        .layer(DefaultBodyLimit::max(max))
        .with_state(state)
}

/// Serves until Ctrl-C, SIGTERM or `stop`, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("tongchou listening on http://{}", listener.local_addr()?);
    let shutdown = async move {
        tokio::select! {
            _ = shutdown_signal() => {},
            _ = stop => eprintln!("tongchou stopping"),
        }
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("tongchou shutting down");
}
