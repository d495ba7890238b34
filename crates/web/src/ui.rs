//! The web UI: a single page served from the binary (no CDN, no build step). The page names its
//! scripts and styles with a digest of their content (`/assets/app.js?v=…`), so a browser keeps
//! them for a year (`immutable`) and fetches them again only when a release changes them; the
//! page itself is revalidated with its `ETag` (a `304` costs a few bytes on a village phone).

use crate::AppState;
use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::LazyLock;

const INDEX: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const CASES_JS: &str = include_str!("../assets/cases.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const FAVICON: &str = include_str!("../assets/favicon.svg");

/// `(path, content type, body)` of each asset.
const ASSETS: [(&str, &str, &str); 4] = [
    ("/assets/app.js", "text/javascript; charset=utf-8", APP_JS),
    (
        "/assets/cases.js",
        "text/javascript; charset=utf-8",
        CASES_JS,
    ),
    ("/assets/app.css", "text/css; charset=utf-8", APP_CSS),
    // Without an icon of its own, every page load asked for /favicon.ico and got a 404.
    ("/assets/favicon.svg", "image/svg+xml", FAVICON),
];

/// A short digest of a body, for `ETag`s and asset versions.
fn digest(body: &str) -> String {
    use blake2::Digest;
    let d = blake2::Blake2b::<blake2::digest::consts::U8>::digest(body.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The page with every asset reference versioned by its digest.
static PAGE: LazyLock<(String, String)> = LazyLock::new(|| {
    let mut page = INDEX.to_string();
    for (path, _, body) in ASSETS {
        page = page.replace(
            &format!("\"{path}\""),
            &format!("\"{path}?v={}\"", digest(body)),
        );
    }
    let etag = format!("\"{}\"", digest(&page));
    (page, etag)
});

static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| format!("\"{}\"", digest(a.2)))
        .collect()
});

pub fn routes() -> Router<AppState> {
    let mut r = Router::new().route(
        "/",
        get(|h: HeaderMap| async move {
            let (page, etag) = &*PAGE;
            cached(
                &h,
                etag,
                "no-cache",
                "text/html; charset=utf-8",
                page.as_str(),
            )
        }),
    );
    for (i, (path, ct, body)) in ASSETS.into_iter().enumerate() {
        r = r.route(
            path,
            get(move |h: HeaderMap, RawQuery(q): RawQuery| async move {
                // Versioned references never change; a bare URL is revalidated.
                let policy = if q.is_some_and(|q| q.starts_with("v=")) {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                cached(&h, &ETAGS[i], policy, ct, body)
            }),
        );
    }
    r
}

/// The body with its `ETag`, or `304 Not Modified` when the browser already has it.
fn cached(
    h: &HeaderMap,
    etag: &str,
    policy: &'static str,
    ct: &'static str,
    body: &'static str,
) -> Response {
    let etag_value = HeaderValue::from_str(etag).expect("a digest is a valid header");
    let fresh = h
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let headers = [
        (header::ETAG, etag_value),
        (header::CACHE_CONTROL, HeaderValue::from_static(policy)),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (
        headers,
        [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
        body,
    )
        .into_response()
}
