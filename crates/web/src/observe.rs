//! What the server tells its operators: one log line per request (method, route, status,
//! latency, request id; text or JSON through `tracing`), and Prometheus metrics at `/metrics` —
//! requests and latency by route, the intake writer's batches, the timer sweep, the database
//! pools.

use crate::AppState;
use crate::net::{Net, client_of};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Upper bounds of the latency histogram, seconds.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_s: f64,
    /// Cumulative counts per bucket, as Prometheus wants them.
    buckets: [u64; LATENCY_BUCKETS.len()],
}

/// Counters kept by the server (the store keeps its own; see `StoreStats`).
#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) → latency series.
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    pub sweeps: AtomicU64,
    pub sweep_escalated: AtomicU64,
    pub sweep_alerts: AtomicU64,
    pub sweep_failures: AtomicU64,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let s = m
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum_s += secs;
        for (b, bound) in s.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if secs <= bound {
                *b += 1;
            }
        }
    }
}

/// A request id from the caller (`X-Request-Id`, if short and printable) or a new one.
fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(
            || crate::auth::random_token()[..16].to_string(),
            str::to_string,
        )
}

/// Logs and counts every request; the answer carries its `X-Request-Id`.
pub async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = request_id(&req);
    // Any method is a valid token to hyper: only the standard ones become labels.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "OTHER",
    }
    .to_string();
    // The route pattern, not the path: ids and codes stay out of labels and logs.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let mut resp = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    s.metrics.observe(&method, &route, status, secs);
    tracing::info!(
        target: "http",
        request_id = %id,
        method = %method,
        route = %route,
        status,
        latency_ms = (secs * 1000.0 * 100.0).round() / 100.0,
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// `GET /metrics` in the Prometheus text format, for the addresses allowed to scrape it.
pub async fn metrics(State(s): State<AppState>, req: Request) -> Response {
    let client = client_of(req.extensions());
    let allowed: &[Net] = &s.config.metrics_allow;
    if !allowed.iter().any(|n| n.contains(client)) {
        return crate::error::AppError::not_found("endpoint").into_response();
    }
    let mut out = String::new();
    let m = &s.metrics;
    {
        let reqs = m.requests.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str(
            "# HELP tongchou_http_requests_total Requests answered, by route and status.\n",
        );
        out.push_str("# TYPE tongchou_http_requests_total counter\n");
        for ((method, route, status), v) in reqs.iter() {
            let _ = writeln!(
                out,
                "tongchou_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                v.count
            );
        }
        out.push_str("# HELP tongchou_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE tongchou_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), v) in reqs.iter() {
            let agg = by_route.entry((method, route)).or_default();
            agg.count += v.count;
            agg.sum_s += v.sum_s;
            for (a, b) in agg.buckets.iter_mut().zip(v.buckets) {
                *a += b;
            }
        }
        for ((method, route), v) in by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in LATENCY_BUCKETS.iter().zip(v.buckets) {
                let _ = writeln!(
                    out,
                    "tongchou_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "tongchou_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                v.count
            );
            let _ = writeln!(
                out,
                "tongchou_http_request_duration_seconds_sum{{{labels}}} {}",
                v.sum_s
            );
            let _ = writeln!(
                out,
                "tongchou_http_request_duration_seconds_count{{{labels}}} {}",
                v.count
            );
        }
    }
    let st = s.store.stats();
    let counter = |out: &mut String, name: &str, help: &str, v: u64| {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"
        );
    };
    counter(
        &mut out,
        "tongchou_intake_batches_total",
        "Intake transactions (group commits).",
        st.intake_batches,
    );
    counter(
        &mut out,
        "tongchou_intake_cases_total",
        "Cases taken by the intake writer.",
        st.intake_cases,
    );
    counter(
        &mut out,
        "tongchou_intake_split_batches_total",
        "Batches that failed as a whole and were written case by case.",
        st.intake_split_batches,
    );
    out.push_str("# HELP tongchou_intake_batch_size Cases per intake transaction.\n");
    out.push_str("# TYPE tongchou_intake_batch_size histogram\n");
    let mut cumulative = 0;
    for (bound, n) in tongchou_store::stats::BATCH_BUCKETS
        .iter()
        .zip(st.intake_batch_sizes)
    {
        cumulative += n;
        let _ = writeln!(
            out,
            "tongchou_intake_batch_size_bucket{{le=\"{bound}\"}} {cumulative}"
        );
    }
    let _ = writeln!(
        out,
        "tongchou_intake_batch_size_bucket{{le=\"+Inf\"}} {}",
        st.intake_batches
    );
    let _ = writeln!(out, "tongchou_intake_batch_size_sum {}", st.intake_cases);
    let _ = writeln!(
        out,
        "tongchou_intake_batch_size_count {}",
        st.intake_batches
    );
    counter(
        &mut out,
        "tongchou_sweeps_total",
        "Runs of the overdue timer.",
        m.sweeps.load(Relaxed),
    );
    counter(
        &mut out,
        "tongchou_sweep_escalated_total",
        "Cases the timer escalated.",
        m.sweep_escalated.load(Relaxed),
    );
    counter(
        &mut out,
        "tongchou_sweep_alerts_total",
        "督办 deadlines the timer reported.",
        m.sweep_alerts.load(Relaxed),
    );
    counter(
        &mut out,
        "tongchou_sweep_failures_total",
        "Timer runs that failed.",
        m.sweep_failures.load(Relaxed),
    );
    out.push_str("# HELP tongchou_db_connections Database connections by pool and state.\n");
    out.push_str("# TYPE tongchou_db_connections gauge\n");
    for (pool, open, idle) in st.pools {
        let _ = writeln!(
            out,
            "tongchou_db_connections{{pool=\"{pool}\",state=\"idle\"}} {idle}"
        );
        let _ = writeln!(
            out,
            "tongchou_db_connections{{pool=\"{pool}\",state=\"busy\"}} {}",
            open.saturating_sub(idle)
        );
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// Sets up the log: one line per event, as text or as JSON objects (`--log-format json`).
pub fn init_logging(json: bool) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
