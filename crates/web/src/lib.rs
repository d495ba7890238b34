//! HTTP for Tongchou: the JSON API under `/api/v1`, the OpenAPI document, health, and the
//! embedded web UI. Handlers are thin: they check the role, call the store and shape JSON.

#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod cases;
pub mod error;
pub mod io;
pub mod open311;
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
    /// Requests per minute and client address to the public (anonymous) endpoints.
    pub public_per_minute: u32,
    /// How often the timer sweep escalates overdue cases, ms (0: never).
    pub sweep_every_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_ttl_ms: 8 * 3_600_000,
            secure_cookies: false,
            max_upload: 10 * 1024 * 1024,
            public_per_minute: 60,
            sweep_every_ms: 60_000,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// A hash to verify against for unknown usernames (constant-time-ish login).
    pub dummy_hash: Arc<String>,
    pub public_limit: Arc<cases::RateLimiter>,
    /// The outbound SMS channel (by default a log line).
    pub sms: Arc<dyn cases::SmsGateway>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            public_limit: Arc::new(cases::RateLimiter::new(config.public_per_minute)),
            sms: Arc::new(cases::LogSms),
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
        .merge(cases::routes())
        .merge(open311::routes())
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
    let sweeper = (state.config.sweep_every_ms > 0).then(|| {
        let (store, every) = (state.store.clone(), state.config.sweep_every_ms);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(every));
            loop {
                tick.tick().await;
                match store.sweep_cases(tongchou_store::now_ms()).await {
                    Ok(r) if r.escalated > 0 => {
                        eprintln!("sweep: {} overdue cases escalated", r.escalated)
                    }
                    Ok(_) => {}
                    Err(e) => eprintln!("sweep failed: {e}"),
                }
            }
        })
    });
    eprintln!("tongchou listening on http://{}", listener.local_addr()?);
    let shutdown = async move {
        tokio::select! {
            _ = shutdown_signal() => {},
            _ = stop => eprintln!("tongchou stopping"),
        }
    };
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    if let Some(s) = sweeper {
        s.abort();
    }
    served
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
