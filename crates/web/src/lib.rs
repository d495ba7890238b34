//! HTTP for Tongchou: the JSON API under `/api/v1`, the OpenAPI document, health, and the
//! embedded web UI. Handlers are thin: they check the role, call the store and shape JSON.

#![recursion_limit = "256"]

pub mod accounts;
pub mod assess;
pub mod auth;
pub mod cases;
pub mod error;
pub mod extract;
pub mod hygiene;
pub mod io;
pub mod lang;
pub mod net;
pub mod nonce;
pub mod observe;
pub mod open311;
pub mod openapi;
#[cfg(test)]
mod props;
pub mod registry;
pub mod server;
pub mod system;
pub mod territory;
pub mod throttle;
pub mod ui;
pub mod visits;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use error::AppError;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
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
    /// Time to send a request's headers; also how long a kept-alive connection may idle.
    pub header_timeout: Duration,
    /// The longest gap between two pieces of a request body.
    pub body_timeout: Duration,
    /// The longest a client may leave an answer unread.
    pub write_timeout: Duration,
    /// The longest a whole request may take (body, work and answer).
    pub request_timeout: Duration,
    /// Open connections in all, and from one client address (an IPv6 client by its /64).
    pub max_connections: usize,
    pub per_client_connections: usize,
    /// Proxies whose `X-Forwarded-For` names the client (empty: the peer is the client).
    pub trusted_proxies: Vec<net::Net>,
    /// Failed logins that lock an account, and for how long (ms).
    pub lock_after: i32,
    pub lock_ms: i64,
    /// Failed logins from one client address before it is held back (1 min, doubling).
    pub login_failures_per_client: u32,
    /// Who may read `/metrics` (by client address).
    pub metrics_allow: Vec<net::Net>,
    /// The maps' base layer (none: boundaries on a plain background).
    pub map: territory::maps::MapConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_ttl_ms: 8 * 3_600_000,
            secure_cookies: false,
            max_upload: 10 * 1024 * 1024,
            public_per_minute: 60,
            sweep_every_ms: 60_000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            max_connections: server::default_max_connections(),
            per_client_connections: 256,
            trusted_proxies: Vec::new(),
            lock_after: 5,
            lock_ms: 15 * 60_000,
            login_failures_per_client: 30,
            metrics_allow: ["127.0.0.0/8", "::1"]
                .iter()
                .filter_map(|n| net::Net::parse(n))
                .collect(),
            map: Default::default(),
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
    pub login_throttle: Arc<throttle::LoginThrottle>,
    pub metrics: Arc<observe::Metrics>,
    /// When the last readiness probe succeeded (`/readyz` trusts it for a second).
    pub ready_at: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// The key that signs public form nonces, read from the database on first use.
    pub nonce_key: Arc<tokio::sync::OnceCell<String>>,
    /// The outbound SMS channel (by default a log line).
    pub sms: Arc<dyn cases::SmsGateway>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            public_limit: Arc::new(cases::RateLimiter::new(config.public_per_minute)),
            nonce_key: Arc::default(),
            metrics: Arc::default(),
            ready_at: Arc::default(),
            login_throttle: Arc::new(throttle::LoginThrottle::new(
                config.login_failures_per_client,
            )),
            sms: Arc::new(cases::LogSms),
            config: Arc::new(config),
            dummy_hash: Arc::new(auth::hash_password("dummy-password-1")),
        }
    }
}

/// `Json<T>` whose rejections are our error shape, naming the field at fault. Every string in the
/// body (keys too) is checked for control characters before it is read into `T`, so a NUL never
/// reaches a database or a batch of other people's requests.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let v = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            Err(JsonRejection::MissingJsonContentType(_)) => {
                return Err(AppError::says(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "请求体必须是 application/json",
                    "the body must be application/json",
                ));
            }
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::too_large());
            }
            Err(e) => {
                return Err(AppError::says(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("JSON 无效：{}", e.body_text()),
                    format!("invalid JSON: {}", e.body_text()),
                ));
            }
        };
        // Every body of this API is an object; serde would also fill a struct from an array.
        if !v.is_object() {
            return Err(AppError::says(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_type",
                "请求体必须是 JSON 对象",
                "the body must be a JSON object",
            ));
        }
        let mut path = String::new();
        if let Some(bad) = bad_text(&v, &mut path) {
            return Err(bad.into());
        }
        serde_path_to_error::deserialize(v)
            .map(JsonBody)
            .map_err(|e| {
                let field = e.path().to_string();
                let (zh, en) = tongchou_domain::error::field_label(&field);
                let mut err = AppError::says(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_type",
                    format!("{zh}：类型或取值不对"),
                    format!("{en}: {}", e.into_inner()),
                );
                err.field = Some(field);
                err
            })
    }
}

/// The first string (or key) in a JSON value that holds a forbidden character, as a refusal
/// naming its path (`description`, `items[2].name`).
pub(crate) fn bad_text(
    v: &serde_json::Value,
    path: &mut String,
) -> Option<tongchou_domain::Invalid> {
    use serde_json::Value;
    let here = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match v {
        Value::String(s) => tongchou_domain::text::check(&here(path), s).err(),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let bad = bad_text(item, path);
            path.truncate(len);
            bad
        }),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            let bad = tongchou_domain::text::check(&here(path), k)
                .err()
                .or_else(|| bad_text(item, path));
            path.truncate(len);
            bad
        }),
        _ => None,
    }
}

pub fn router(state: AppState) -> Router {
    let max = state.config.max_upload;
    let (body_timeout, request_timeout) = (state.config.body_timeout, state.config.request_timeout);
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(observe::metrics))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::whoami))
        .merge(territory::routes())
        .merge(registry::routes())
        .merge(visits::routes())
        .merge(assess::routes())
        .merge(accounts::routes())
        .merge(cases::routes())
        .merge(open311::routes(state.clone()))
        .merge(io::routes())
        .merge(ui::routes())
        .fallback(system::no_route)
        .layer(DefaultBodyLimit::max(max))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::map_response(hygiene::error_shape))
        .layer(axum::middleware::map_response({
            let csp = hygiene::csp(state.config.map.tile_origin.as_deref());
            move |uri, resp| hygiene::headers(csp.clone(), uri, resp)
        }))
        .layer(axum::middleware::from_fn({
            lang::install();
            lang::scope
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::track,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
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
        let metrics = state.metrics.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(every));
            loop {
                tick.tick().await;
                metrics.sweeps.fetch_add(1, Relaxed);
                match store.sweep_cases(tongchou_store::now_ms()).await {
                    Ok(r) => {
                        metrics.sweep_escalated.fetch_add(r.escalated, Relaxed);
                        metrics
                            .sweep_alerts
                            .fetch_add(r.supervision_alerts, Relaxed);
                        if r.escalated + r.supervision_alerts > 0 {
                            tracing::info!(
                                target: "sweep",
                                escalated = r.escalated,
                                alerts = r.supervision_alerts,
                                "overdue cases escalated"
                            );
                        }
                    }
                    Err(e) => {
                        metrics.sweep_failures.fetch_add(1, Relaxed);
                        tracing::warn!(target: "sweep", error = %e, "sweep failed");
                    }
                }
            }
        })
    });
    tracing::info!("tongchou listening on http://{}", listener.local_addr()?);
    let shutdown = async move {
        tokio::select! {
            _ = shutdown_signal() => {},
            _ = stop => tracing::info!("tongchou stopping"),
        }
    };
    let limits = server::ConnLimits {
        header_timeout: state.config.header_timeout,
        write_timeout: state.config.write_timeout,
        max_connections: state.config.max_connections,
        per_client: state.config.per_client_connections,
        trusted_proxies: state.config.trusted_proxies.clone(),
    };
    let grace = state.config.request_timeout;
    let served = server::run(listener, router(state), limits, shutdown, grace).await;
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
    tracing::info!("tongchou shutting down");
}
