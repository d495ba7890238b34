//! The web UI: ES modules served from the binary (no CDN, no build step). The page carries an
//! import map that names every module with a digest of its content (`/assets/core/api.js?v=…`),
//! so a browser keeps them for a year (`immutable`) and fetches them again only when a release
//! changes them, and `modulepreload` links for the first view's modules so a phone on a slow
//! link fetches them at once instead of one import level per round trip (`main.js` does the same
//! for the other areas once the first view is drawn). The page itself is revalidated with its `ETag`.
//! A service worker (`/sw.js`) keeps the page and every asset for use with no network.

use crate::AppState;
use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::LazyLock;

const JS: &str = "text/javascript; charset=utf-8";
const INDEX: &str = include_str!("../assets/index.html");
const SERVICE_WORKER: &str = include_str!("../assets/sw.js");

/// `(path, content type, body)` of each asset, from `assets/`.
macro_rules! assets {
    ($($file:literal => $ct:expr),* $(,)?) => {
        [$((concat!("/assets/", $file), $ct, include_str!(concat!("../assets/", $file)))),*]
    };
}

const ASSETS: [(&str, &str, &str); 27] = assets![
    "main.js" => JS,
    "core/html.js" => JS,
    "core/i18n.js" => JS,
    "core/api.js" => JS,
    "core/ui.js" => JS,
    "core/router.js" => JS,
    "core/picker.js" => JS,
    "core/map.js" => JS,
    "accounts.js" => JS,
    "accounts_admin.js" => JS,
    "territory.js" => JS,
    "registry.js" => JS,
    "cases/shared.js" => JS,
    "cases/queue.js" => JS,
    "cases/case.js" => JS,
    "cases/intake.js" => JS,
    "public.js" => JS,
    "inbox.js" => JS,
    "admin.js" => JS,
    "assess.js" => JS,
    "field/outbox.js" => JS,
    "field/photo.js" => JS,
    "field/tasks.js" => JS,
    "field/visits.js" => JS,
    "app.css" => "text/css; charset=utf-8",
    // Leaflet 1.9.4 (BSD-2, `vendor/LEAFLET-LICENSE`): loaded by the first map, not with the page.
    "vendor/leaflet.js" => JS,
    "vendor/leaflet.css" => "text/css; charset=utf-8",
];

/// The modules the first view needs (the login form and the public pages), preloaded with the
/// page. The other areas load right after it is drawn (`main.js`), so on a village link the
/// form is not waiting for screens nobody has asked for yet; the map library loads with the
/// first map.
const FIRST_VIEW: [&str; 11] = [
    "/assets/main.js",
    "/assets/core/html.js",
    "/assets/core/i18n.js",
    "/assets/core/api.js",
    "/assets/core/ui.js",
    "/assets/core/router.js",
    "/assets/core/map.js",
    "/assets/accounts.js",
    "/assets/public.js",
    "/assets/cases/shared.js",
    "/assets/field/photo.js",
];

fn preloaded(path: &str) -> bool {
    FIRST_VIEW.contains(&path)
}

/// In the import map: every module, and the map library's styles (which the first map links
/// by their versioned address, `import.meta.resolve`).
fn mapped(asset: &(&str, &str, &str)) -> bool {
    asset.1 == JS || asset.0.starts_with("/assets/vendor/")
}

/// Assets that are not modules: the icon (without one, every page load asked for /favicon.ico
/// and got a 404) and the install manifest.
const OTHER: [(&str, &str, &str); 2] = [
    (
        "/assets/favicon.svg",
        "image/svg+xml",
        include_str!("../assets/favicon.svg"),
    ),
    (
        "/assets/manifest.webmanifest",
        "application/manifest+json",
        include_str!("../assets/manifest.webmanifest"),
    ),
];

fn all_assets() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    ASSETS.into_iter().chain(OTHER)
}

/// A short digest of a body, for `ETag`s and asset versions.
fn digest(body: &str) -> String {
    use blake2::Digest;
    let d = blake2::Blake2b::<blake2::digest::consts::U8>::digest(body.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn versioned(path: &str, body: &str) -> String {
    format!("{path}?v={}", digest(body))
}

/// The import map's text: the page's only inline script, allowed by its hash in the CSP.
static IMPORT_MAP: LazyLock<String> = LazyLock::new(|| {
    let map: serde_json::Map<String, serde_json::Value> = ASSETS
        .iter()
        .filter(|a| mapped(a))
        .map(|(p, _, b)| (p.to_string(), versioned(p, b).into()))
        .collect();
    serde_json::json!({ "imports": map }).to_string()
});

/// `'sha256-…'` of the import map, for `script-src`.
pub fn import_map_csp_hash() -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = sha2::Sha256::digest(IMPORT_MAP.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// The page with the import map, module preloads and every asset reference versioned.
static PAGE: LazyLock<(String, String)> = LazyLock::new(|| {
    let preloads: String = ASSETS
        .iter()
        .filter(|a| a.1 == JS && preloaded(a.0))
        .map(|(p, _, b)| {
            format!(
                "<link rel=\"modulepreload\" href=\"{}\">\n",
                versioned(p, b)
            )
        })
        .collect();
    let mut page = INDEX.to_string();
    for (path, _, body) in all_assets() {
        page = page.replace(
            &format!("\"{path}\""),
            &format!("\"{}\"", versioned(path, body)),
        );
    }
    // After versioning the references: the import map's keys are the bare paths.
    let page = page.replace(
        "<!--modules-->",
        &format!(
            "<script type=\"importmap\">{}</script>\n{preloads}",
            *IMPORT_MAP
        ),
    );
    let etag = format!("\"{}\"", digest(&page));
    (page, etag)
});

/// The service worker with the list of what it keeps; a new release changes the list, so the
/// browser installs the new worker, which drops the old cache.
static WORKER: LazyLock<(String, String)> = LazyLock::new(|| {
    let (_, page_etag) = &*PAGE;
    let mut urls = vec!["/".to_string()];
    urls.extend(all_assets().map(|(p, _, b)| versioned(p, b)));
    let body = SERVICE_WORKER
        .replace("\"__PRECACHE__\"", &serde_json::to_string(&urls).unwrap())
        .replace("__VERSION__", page_etag.trim_matches('"'));
    let etag = format!("\"{}\"", digest(&body));
    (body, etag)
});

static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    all_assets()
        .map(|a| format!("\"{}\"", digest(a.2)))
        .collect()
});

pub fn routes() -> Router<AppState> {
    let mut r = Router::new()
        .route(
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
        )
        .route(
            "/sw.js",
            get(|h: HeaderMap| async move {
                let (body, etag) = &*WORKER;
                cached(&h, etag, "no-cache", JS, body.as_str())
            }),
        );
    for (i, (path, ct, body)) in all_assets().enumerate() {
        r = r.route(
            path,
            get(move |h: HeaderMap, RawQuery(q): RawQuery| async move {
                // Versioned references never change; a bare URL, or another release's version
                // (a page of an older release still loading), is revalidated.
                let current = &ETAGS[i][1..ETAGS[i].len() - 1];
                let policy = if q.is_some_and(|q| q.strip_prefix("v=") == Some(current)) {
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
