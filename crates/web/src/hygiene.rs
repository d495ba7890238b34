//! What every response carries: security headers (a strict Content-Security-Policy, no framing,
//! no sniffing, no referrer), `no-store` on anything that may hold personal data, and errors in
//! our shape even when no handler ran.

use crate::error::AppError;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Scripts, styles and images come from this origin only; the one inline script, the page's
/// import map, is allowed by its hash. Photos previewed before upload are `blob:` URLs; map
/// tiles come from the deployment's tile server when one is set.
pub fn csp(tile_origin: Option<&str>) -> HeaderValue {
    let csp = format!(
        "default-src 'self'; script-src 'self' {}; style-src 'self'; img-src 'self' data: blob:{}; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        crate::ui::import_map_csp_hash(),
        tile_origin.map(|o| format!(" {o}")).unwrap_or_default(),
    );
    HeaderValue::from_str(&csp).expect("a CSP is a valid header")
}

pub async fn headers(csp: HeaderValue, uri: Uri, mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The API and Open311 answer with personal data (or may): never kept by a browser or proxy.
    let path = uri.path();
    if path.starts_with("/api/") || path.starts_with("/open311/") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Errors that never reached a handler (a body too large, a wrong method, a timeout) in our
/// shape: `{code, message}` under `/api`, the GeoReport error list under `/open311`.
pub async fn error_shape(uri: Uri, resp: Response) -> Response {
    let status = resp.status();
    let shaped = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json") || ct.contains("xml") || ct.contains("html"));
    if !(status.is_client_error() || status.is_server_error()) || shaped {
        return resp;
    }
    let (code, zh, en) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "请求体过大",
            "the request body is too large",
        ),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "请求超时", "the request took too long"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "不支持该方法",
            "method not allowed here",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "不支持的内容类型",
            "unsupported content type",
        ),
        StatusCode::NOT_FOUND => ("no_route", "没有这个地址", "no such endpoint"),
        s if s.is_server_error() => ("internal", "服务器内部错误", "internal error"),
        _ => ("bad_request", "请求无效", "bad request"),
    };
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if uri.path().starts_with("/open311/") {
        crate::open311::error_for_path(uri.path(), status, en)
    } else {
        AppError::says(status, code, zh, en).into_response()
    };
    let (body_parts, body) = body.into_parts();
    parts.headers.extend(body_parts.headers);
    Response::from_parts(parts, body)
}
