//! Open311 GeoReport v2 at `/open311/v2/` (SPEC §8): services are the 小类, requests are cases
//! (`service_request_id` is the case number), `status` is `open`/`closed`, `agency_responsible` is
//! the unit, `expected_datetime` the stage deadline, `jurisdiction_id` a county code. XML and JSON;
//! POST is form-encoded with an `api_key`; `page`/`page_size` extend the request list.
//!
//! A request's location may be an `address_id` that is a region code (12 digits) or a grid code
//! (15 digits); otherwise the case is filed at the county of `jurisdiction_id` (or of the key's
//! scope) and the county dispatcher places it. A retry with the same `device_id` and client token
//! (`client_token` field or `Idempotency-Key` header) returns the first request.

use crate::AppState;
use crate::auth::token_hash;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;
use tongchou_domain::cases::Source;
use tongchou_domain::{Role, Scope};
use tongchou_store::*;

#[derive(Clone, Copy, PartialEq)]
enum Fmt {
    Json,
    Xml,
}

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
            get(|s: State<AppState>, q: Query<Params>| list(s, q, Fmt::Json))
                .post(|s: State<AppState>, h: HeaderMap, f: FormResult| create(s, h, f, Fmt::Json)),
        )
        .route(
            "/open311/v2/requests.xml",
            get(|s: State<AppState>, q: Query<Params>| list(s, q, Fmt::Xml))
                .post(|s: State<AppState>, h: HeaderMap, f: FormResult| create(s, h, f, Fmt::Xml)),
        )
        .route("/open311/v2/requests/{file}", get(one))
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
        let keyed = parts.uri.query().is_some_and(|q| {
            q.split('&')
                .any(|kv| kv.starts_with("api_key=") && kv.len() > 8)
        });
        // A POST carries its key in the form; it is checked by the handler.
        if keyed || parts.method == axum::http::Method::POST {
            return Ok(KeylessLimit);
        }
        let ip = crate::net::client_of(&parts.extensions);
        s.public_limit
            .check(crate::net::limit_key(ip))
            .map(|_| KeylessLimit)
            .map_err(|e| error_for_path(parts.uri.path(), e.status, &e.message))
    }
}

/// `name.json` / `name.xml` → (name, format).
fn split_file(file: &str) -> Option<(&str, Fmt)> {
    if let Some(n) = file.strip_suffix(".json") {
        Some((n, Fmt::Json))
    } else {
        file.strip_suffix(".xml").map(|n| (n, Fmt::Xml))
    }
}

// ---------- rendering ----------

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => xml_escape(s),
        other => xml_escape(&other.to_string()),
    }
}

/// A list of flat objects as JSON (an array) or XML (`<root><item>…</item></root>`).
fn render(fmt: Fmt, status: StatusCode, root: &str, item: &str, items: &[Value]) -> Response {
    match fmt {
        Fmt::Json => (status, axum::Json(Value::Array(items.to_vec()))).into_response(),
        Fmt::Xml => {
            let mut out = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root}>");
            for it in items {
                out.push_str(&format!("<{item}>"));
                if let Value::Object(m) = it {
                    for (k, v) in m {
                        match v {
                            Value::Array(list) => {
                                out.push_str(&format!("<{k}>"));
                                for x in list {
                                    out.push_str(&format!("<value>{}</value>", xml_value(x)));
                                }
                                out.push_str(&format!("</{k}>"));
                            }
                            v => out.push_str(&format!("<{k}>{}</{k}>", xml_value(v))),
                        }
                    }
                }
                out.push_str(&format!("</{item}>"));
            }
            out.push_str(&format!("</{root}>"));
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

/// GeoReport errors: `[{"code", "description"}]` or `<errors><error>…</error></errors>`.
/// A GeoReport error for a request that never reached a handler (timeout, body too large, wrong
/// method): XML when the path asks for it, else JSON.
pub(crate) fn error_for_path(path: &str, status: StatusCode, description: &str) -> Response {
    let fmt = if path.ends_with(".xml") {
        Fmt::Xml
    } else {
        Fmt::Json
    };
    error(fmt, status, description)
}

fn error(fmt: Fmt, status: StatusCode, description: &str) -> Response {
    render(
        fmt,
        status,
        "errors",
        "error",
        &[json!({"code": status.as_u16(), "description": description})],
    )
}

/// ISO 8601 in China Standard Time.
fn iso(ms: i64) -> String {
    let secs = (ms + 8 * 3_600_000).div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = tongchou_domain::date::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS]` with `Z`, `±HH:MM` or no zone (CST).
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    let day = tongchou_domain::calendar::day_of(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(tongchou_domain::calendar::start_of_day_ms(day));
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (time, zone_ms) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|i| *i >= 5) {
        let z = &rest[i + 1..];
        let (h, m) = z
            .split_once(':')
            .unwrap_or((z.get(..2)?, z.get(2..).unwrap_or("0")));
        let off = (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?) * 60_000;
        (&rest[..i], if &rest[i..=i] == "-" { -off } else { off })
    } else {
        (rest, 8 * 3_600_000)
    };
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next().unwrap_or("0").parse().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    Some(day * 86_400_000 + ((h * 60 + mi) * 60) * 1000 + (sec * 1000.0) as i64 - zone_ms)
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

async fn services(State(s): State<AppState>, Query(p): Query<Params>, fmt: Fmt) -> Response {
    // The services of a jurisdiction are its catalog: the county's own versions apply.
    let at = match check_jurisdiction(&p) {
        Ok(at) => at,
        Err(e) => return error(fmt, StatusCode::BAD_REQUEST, &e),
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
    let at = match check_jurisdiction(&p) {
        Ok(at) => at,
        Err(e) => return error(fmt, StatusCode::BAD_REQUEST, &e),
    };
    let known = s
        .store
        .list_categories(at.as_deref())
        .await
        .map(|c| c.iter().any(|k| k.code == code && k.parent_code.is_some()));
    match known {
        Ok(true) => match fmt {
            Fmt::Json => axum::Json(json!({"service_code": code, "attributes": []})).into_response(),
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

// ---------- requests ----------

async fn key_of(s: &AppState, p: &Params) -> Result<Option<ApiKey>, String> {
    match p.get("api_key").map(|k| k.trim()).filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(k) => match s.store.api_key(&token_hash(k)).await {
            Ok(Some(key)) => Ok(Some(key)),
            Ok(None) => Err("api_key is not valid".into()),
            Err(e) => Err(e.to_string()),
        },
    }
}

fn key_ctx(key: &ApiKey) -> Ctx {
    Ctx {
        user_id: None,
        username: format!("open311:{}", key.name),
        role: Role::Agent,
        scope: tongchou_domain::RegionCode::parse(&key.scope_code)
            .map(|c| c.scope())
            .unwrap_or_else(|_| Scope::of_prefix("-")),
        unit_id: None,
    }
}

/// A case as a GeoReport request. Without an API key the text, address and position are left
/// out: anyone may list requests, but only a client with a key sees what residents wrote.
fn request_item(c: &Case, full: bool) -> Value {
    let open = !matches!(c.state.as_str(), "closed" | "rejected");
    json!({
        "service_request_id": c.number,
        "status": if open { "open" } else { "closed" },
        "status_notes": crate::cases::state_zh(&c.state),
        "service_name": c.category_name.clone().unwrap_or_default(),
        "service_code": c.category_code,
        "description": if full { c.description.clone() } else { String::new() },
        "agency_responsible": c.unit_name.clone().unwrap_or_default(),
        "service_notice": "",
        "requested_datetime": iso(c.created_at),
        "updated_datetime": iso(c.updated_at),
        "expected_datetime": c.deadline_at.map(iso),
        "address": if full { c.address.clone() } else { String::new() },
        "address_id": c.region_code,
        "zipcode": "",
        "lat": if full { c.lat } else { None },
        "long": if full { c.lng } else { None },
        "media_url": "",
    })
}

async fn list(State(s): State<AppState>, Query(p): Query<Params>, fmt: Fmt) -> Response {
    let key = match key_of(&s, &p).await {
        Ok(k) => k,
        Err(e) => return error(fmt, StatusCode::FORBIDDEN, &e),
    };
    let jurisdiction = match check_jurisdiction(&p) {
        Ok(j) => j,
        Err(e) => return error(fmt, StatusCode::BAD_REQUEST, &e),
    };
    let mut ctx = match &key {
        Some(k) => key_ctx(k),
        None => Ctx {
            user_id: None,
            username: "open311".into(),
            role: Role::Leader,
            scope: Scope::all(),
            unit_id: None,
        },
    };
    if let Some(j) = &jurisdiction {
        ctx.scope = ctx.scope.narrow(&Scope::of_prefix(&j[..6]));
    }
    let get = |k: &str| p.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut f = CaseFilter::default();
    if let Some(ids) = get("service_request_id") {
        // With ids the other filters do not apply (GeoReport v2).
        f.numbers = ids.to_string();
    } else {
        f.category = get("service_code").unwrap_or("").to_string();
        for (name, slot) in [
            ("start_date", &mut f.created_from),
            ("end_date", &mut f.created_to),
        ] {
            if let Some(v) = get(name) {
                match parse_iso(v) {
                    Some(t) => *slot = Some(t),
                    None => {
                        return error(
                            fmt,
                            StatusCode::BAD_REQUEST,
                            &format!("{name} must be an ISO 8601 date-time"),
                        );
                    }
                }
            }
        }
        // Without dates: the last 90 days (GeoReport v2).
        if f.created_from.is_none() && f.created_to.is_none() {
            f.created_from = Some(now_ms() - 90 * 86_400_000);
        }
        f.status = get("status").unwrap_or("").to_string();
        if !matches!(f.status.as_str(), "" | "open" | "closed") {
            return error(
                fmt,
                StatusCode::BAD_REQUEST,
                "status must be open or closed",
            );
        }
    }
    let num = |k: &str| get(k).map(|v| v.parse::<u32>());
    let (page, size) = match (num("page"), num("page_size")) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => {
            return error(
                fmt,
                StatusCode::BAD_REQUEST,
                "page and page_size must be numbers",
            );
        }
        (p, s) => (p.and_then(Result::ok), s.and_then(Result::ok)),
    };
    match s.store.list_cases(&ctx, &f, PageReq::new(page, size)).await {
        Ok(pg) => {
            let items: Vec<Value> = pg
                .items
                .iter()
                .map(|c| request_item(c, key.is_some()))
                .collect();
            render(fmt, StatusCode::OK, "service_requests", "request", &items)
        }
        Err(e) => store_error(fmt, e),
    }
}

fn store_error(fmt: Fmt, e: StoreError) -> Response {
    match e {
        StoreError::NotFound(_) => error(fmt, StatusCode::NOT_FOUND, "not found"),
        StoreError::Invalid(i) => error(fmt, StatusCode::BAD_REQUEST, &i.message()),
        StoreError::Refused { en, .. } => error(fmt, StatusCode::CONFLICT, &en),
        other => {
            eprintln!("open311: {other}");
            error(fmt, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

async fn one(
    State(s): State<AppState>,
    Path(file): Path<String>,
    Query(p): Query<Params>,
) -> Response {
    let Some((id, fmt)) = split_file(&file) else {
        return error(Fmt::Json, StatusCode::NOT_FOUND, "use .json or .xml");
    };
    let mut q = p.clone();
    q.insert("service_request_id".into(), id.to_string());
    list(State(s), Query(q), fmt).await
}

async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    form: FormResult,
    fmt: Fmt,
) -> Response {
    let Ok(Form(p)) = form else {
        return error(
            fmt,
            StatusCode::BAD_REQUEST,
            "the body must be application/x-www-form-urlencoded",
        );
    };
    let key = match key_of(&s, &p).await {
        Ok(Some(k)) => k,
        Ok(None) => return error(fmt, StatusCode::FORBIDDEN, "api_key is required"),
        Err(e) => return error(fmt, StatusCode::FORBIDDEN, &e),
    };
    let jurisdiction = match check_jurisdiction(&p) {
        Ok(j) => j,
        Err(e) => return error(fmt, StatusCode::BAD_REQUEST, &e),
    };
    let get = |k: &str| {
        p.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let Some(service_code) = get("service_code") else {
        return error(fmt, StatusCode::BAD_REQUEST, "service_code is required");
    };
    let (lat, lng) = (get("lat"), get("long"));
    let address = get("address_string");
    let address_id = get("address_id");
    if (lat.is_none() || lng.is_none()) && address.is_none() && address_id.is_none() {
        return error(
            fmt,
            StatusCode::BAD_REQUEST,
            "a location is required: lat and long, address_string or address_id",
        );
    }
    let coord = |v: Option<String>, name: &str| -> Result<Option<f64>, String> {
        v.map(|x| {
            x.parse::<f64>()
                .map_err(|_| format!("{name} must be a number"))
        })
        .transpose()
    };
    let (lat, lng) = match (coord(lat, "lat"), coord(lng, "long")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return error(fmt, StatusCode::BAD_REQUEST, &e),
    };
    // Where: a region or grid code in address_id, else the county of the jurisdiction or key.
    let (mut region_code, mut grid_code) = (String::new(), String::new());
    match address_id.as_deref() {
        Some(a) if a.len() == 15 && a.bytes().all(|b| b.is_ascii_digit()) => grid_code = a.into(),
        Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => region_code = a.into(),
        _ => {
            region_code = jurisdiction
                .clone()
                .unwrap_or_else(|| format!("{:0<12}", &key.scope_code[..6]))
        }
    }
    let name = [get("last_name"), get("first_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("");
    let input = CaseInput {
        category_code: service_code,
        description: get("description").unwrap_or_default(),
        address: address.unwrap_or_default(),
        lat,
        lng,
        region_code,
        grid_code,
        reporter_name: name,
        reporter_phone: get("phone").unwrap_or_default(),
        ..CaseInput::default()
    };
    let token = get("client_token").or_else(|| {
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    });
    let idem = match (get("device_id"), token) {
        (Some(d), Some(t)) if d.len() <= 100 && t.len() <= 100 => {
            Some(format!("o311:{}:{d}:{t}", key.id))
        }
        (None, Some(t)) if t.len() <= 100 => Some(format!("o311:{}::{t}", key.id)),
        _ => None,
    };
    let n = match NewCase::validate(&input, Source::Open311, idem) {
        Ok(n) => n,
        Err(i) => return error(fmt, StatusCode::BAD_REQUEST, &i.message()),
    };
    match s.store.create_case(&key_ctx(&key), &n).await {
        Ok(created) => {
            let status = if created.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let item = json!({
                "service_request_id": created.case.number,
                "service_notice": format!("查询码 / secret: {}", created.case.secret),
                "account_id": Value::Null,
            });
            render(fmt, status, "service_requests", "request", &[item])
        }
        Err(e) => store_error(fmt, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let t = parse_iso("2026-11-22T10:15:30+08:00").unwrap();
        assert_eq!(iso(t), "2026-11-22T10:15:30+08:00");
        assert_eq!(parse_iso("2026-11-22T02:15:30Z"), Some(t));
        assert_eq!(parse_iso("2026-11-22T10:15:30"), Some(t));
        assert_eq!(parse_iso("2026-11-21T21:15:30-05:00"), Some(t));
        assert_eq!(
            parse_iso("2026-11-22"),
            parse_iso("2026-11-22T00:00:00+08:00")
        );
        assert_eq!(parse_iso("2026-13-01"), None);
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn xml_escapes() {
        assert_eq!(xml_escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
