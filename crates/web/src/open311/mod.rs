//! Open311 GeoReport v2 at `/open311/v2/` (SPEC §8): services are the 小类, requests are cases
//! (`service_request_id` is the case number), `status` is `open`/`closed`, `agency_responsible` is
//! the unit, `expected_datetime` the stage deadline, `jurisdiction_id` a county code. XML and JSON;
//! POST is form-encoded with an `api_key`; `page`/`page_size` extend the request list.
//!
//! A request's location may be an `address_id` that is a region code (12 digits) or a grid code
//! (15 digits); otherwise the case is filed at the county of `jurisdiction_id` (or of the key's
//! scope) and the county dispatcher places it. A retry with the same `device_id` and client token
//! (`client_token` field or `Idempotency-Key` header) returns the first request.

mod format;
mod requests;

pub(crate) use format::error_for_path;
#[cfg(test)]
pub(crate) use format::parse_iso;

use crate::AppState;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

use format::{Fmt, error, render, xml_escape};
use requests::{create, list, one};

type Params = HashMap<String, String>;
type FormResult = Result<Form<Params>, axum::extract::rejection::FormRejection>;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/open311/v2/services.json",
            get(|s: State<AppState>, q: Query<Params>| services(s, q, Fmt::Json)),
        )
        .route(
            "/open311/v2/services.xml",
            get(|s: State<AppState>, q: Query<Params>| services(s, q, Fmt::Xml)),
        )
        .route("/open311/v2/services/{file}", get(service_definition))
        .route(
            "/open311/v2/requests.json",
            get(|s: State<AppState>, q: Query<Params>| list(s, q, Fmt::Json)).post(
                |s: State<AppState>, h: HeaderMap, q: Query<Params>, f: FormResult| {
                    create(s, h, q, f, Fmt::Json)
                },
            ),
        )
        .route(
            "/open311/v2/requests.xml",
            get(|s: State<AppState>, q: Query<Params>| list(s, q, Fmt::Xml)).post(
                |s: State<AppState>, h: HeaderMap, q: Query<Params>, f: FormResult| {
                    create(s, h, q, f, Fmt::Xml)
                },
            ),
        )
        .route("/open311/v2/requests/{file}", get(one))
        .route(
            "/open311/discovery.json",
            get(|h: HeaderMap| discovery(h, Fmt::Json)),
        )
        .route(
            "/open311/discovery.xml",
            get(|h: HeaderMap| discovery(h, Fmt::Xml)),
        )
        .route(
            "/open311/{*rest}",
            axum::routing::any(|uri: axum::http::Uri| async move {
                error_for_path(
                    uri.path(),
                    StatusCode::NOT_FOUND,
                    "no such GeoReport resource",
                )
            }),
        )
        .route_layer(axum::middleware::from_extractor_with_state::<KeylessLimit, _>(state))
}

/// A request without an `api_key` is anonymous: it counts against the public rate limit of its
/// client address, like the public form.
struct KeylessLimit;

impl axum::extract::FromRequestParts<AppState> for KeylessLimit {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &AppState,
    ) -> Result<KeylessLimit, Response> {
        // A POST carries its key in the form; it is checked by the handler (and needs one).
        if parts.method == axum::http::Method::POST {
            return Ok(KeylessLimit);
        }
        // Only a key that exists exempts a read from the limit.
        let key = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("api_key=")))
            .filter(|k| !k.is_empty());
        if let Some(k) = key
            && let Ok(Some(_)) = s.store.api_key(&crate::auth::token_hash(k)).await
        {
            return Ok(KeylessLimit);
        }
        let ip = crate::net::client_of(&parts.extensions);
        s.public_limit
            .check(crate::net::limit_key(ip))
            .map(|_| KeylessLimit)
            .map_err(|e| error_for_path(parts.uri.path(), e.status, &e.message.en))
    }
}

/// `name.json` / `name.xml` → (name, format).
pub(super) fn split_file(file: &str) -> Option<(&str, Fmt)> {
    if let Some(n) = file.strip_suffix(".json") {
        Some((n, Fmt::Json))
    } else {
        file.strip_suffix(".xml").map(|n| (n, Fmt::Xml))
    }
}

// ---------- services ----------

/// `jurisdiction_id`, if given, is a county code: 6 digits, or 12 ending in six zeros. Answers
/// the county's 12-digit code.
fn check_jurisdiction(p: &Params) -> Result<Option<String>, String> {
    let Some(j) = p
        .get("jurisdiction_id")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let digits = j.bytes().all(|b| b.is_ascii_digit());
    match j.len() {
        6 if digits => Ok(Some(format!("{j}000000"))),
        12 if digits && j.ends_with("000000") => Ok(Some(j.to_string())),
        _ => Err("jurisdiction_id must be a county code (6 digits)".into()),
    }
}

/// The jurisdiction a request names, checked: a malformed one is 400, an unknown county 404.
pub(super) async fn jurisdiction(
    s: &AppState,
    p: &Params,
    fmt: Fmt,
) -> Result<Option<String>, Response> {
    let code = check_jurisdiction(p).map_err(|e| error(fmt, StatusCode::BAD_REQUEST, &e))?;
    if let Some(c) = &code {
        match s.store.get_region(&tongchou_store::Ctx::system(), c).await {
            Ok(_) => {}
            Err(tongchou_store::StoreError::NotFound(_)) => {
                return Err(error(
                    fmt,
                    StatusCode::NOT_FOUND,
                    "jurisdiction_id was not found",
                ));
            }
            Err(e) => return Err(error(fmt, StatusCode::SERVICE_UNAVAILABLE, &e.to_string())),
        }
    }
    Ok(code)
}

async fn services(State(s): State<AppState>, Query(p): Query<Params>, fmt: Fmt) -> Response {
    // The services of a jurisdiction are its catalog: the county's own versions apply.
    let at = match jurisdiction(&s, &p, fmt).await {
        Ok(at) => at,
        Err(r) => return r,
    };
    let cats = match s.store.list_categories(at.as_deref()).await {
        Ok(c) => c,
        Err(e) => return error(fmt, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let parent: HashMap<&str, &str> = cats
        .iter()
        .filter(|k| k.parent_code.is_none())
        .map(|k| (k.code.as_str(), k.name.as_str()))
        .collect();
    let items: Vec<Value> = cats
        .iter()
        .filter(|k| k.active && k.parent_code.is_some())
        .map(|k| {
            let group = k
                .parent_code
                .as_deref()
                .and_then(|p| parent.get(p))
                .copied()
                .unwrap_or("");
            json!({
                "service_code": k.code,
                "service_name": k.name,
                "description": format!("{group} / {}", k.name),
                "metadata": false,
                "type": "realtime",
                "keywords": if k.dispute { "矛盾纠纷,dispute" } else { "" },
                "group": group,
            })
        })
        .collect();
    render(fmt, StatusCode::OK, "services", "service", &items)
}

async fn service_definition(
    State(s): State<AppState>,
    Path(file): Path<String>,
    Query(p): Query<Params>,
) -> Response {
    let Some((code, fmt)) = split_file(&file) else {
        return error(Fmt::Json, StatusCode::NOT_FOUND, "use .json or .xml");
    };
    let at = match jurisdiction(&s, &p, fmt).await {
        Ok(at) => at,
        Err(r) => return r,
    };
    let known = s
        .store
        .list_categories(at.as_deref())
        .await
        .map(|c| c.iter().any(|k| k.code == code && k.parent_code.is_some()));
    match known {
        Ok(true) => match fmt {
            Fmt::Json => format::json_response(
                StatusCode::OK,
                &json!({"service_code": code, "attributes": []}),
            ),
            Fmt::Xml => (
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_definition><service_code>{}</service_code><attributes></attributes></service_definition>",
                    xml_escape(code)
                ),
            )
                .into_response(),
        },
        Ok(false) => error(fmt, StatusCode::NOT_FOUND, "service_code was not found"),
        Err(e) => error(fmt, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The GeoReport discovery document: where the v2 endpoint is and what it speaks.
async fn discovery(h: HeaderMap, fmt: Fmt) -> Response {
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let url = format!("http://{host}/open311/v2");
    let changeset = "2026-11-22T00:00:00+08:00";
    let key_service = "API keys are issued by your county administrator (统筹 /#/api-keys)";
    match fmt {
        Fmt::Json => format::json_response(
            StatusCode::OK,
            &json!({
                "changeset": changeset,
                "contact": "your county's 12345 / 统筹 administrator",
                "key_service": key_service,
                "endpoints": [{
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": url,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }],
            }),
        ),
        Fmt::Xml => (
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<discovery><changeset>{changeset}</changeset>\
                 <contact>your county's 12345 / 统筹 administrator</contact><key_service>{}</key_service>\
                 <endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>\
                 <url>{}</url><changeset>{changeset}</changeset><type>production</type>\
                 <formats><format>application/json</format><format>text/xml</format></formats>\
                 </endpoint></endpoints></discovery>",
                xml_escape(key_service),
                xml_escape(&url)
            ),
        )
            .into_response(),
    }
}
