//! GeoReport v2 requests: list, one, create.

use super::format::{Fmt, error, iso, parse_iso, render};
use super::{FormResult, Params, jurisdiction, split_file};
use crate::AppState;
use crate::auth::token_hash;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tongchou_domain::cases::Source;
use tongchou_domain::{Role, Scope};
use tongchou_store::*;

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
fn request_item(c: &Case, expected: Option<i64>, full: bool) -> Value {
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
        "expected_datetime": expected.map(iso),
        "address": if full { c.address.clone() } else { String::new() },
        "address_id": c.grid_code.clone().unwrap_or_else(|| c.region_code.clone()),
        "zipcode": "",
        "lat": if full { c.lat } else { None },
        "long": if full { c.lng } else { None },
        "media_url": c.media_url.clone().unwrap_or_default(),
    })
}

pub(super) async fn list(State(s): State<AppState>, Query(p): Query<Params>, fmt: Fmt) -> Response {
    let key = match key_of(&s, &p).await {
        Ok(k) => k,
        Err(e) => return error(fmt, StatusCode::FORBIDDEN, &e),
    };
    let jurisdiction = match jurisdiction(&s, &p, fmt).await {
        Ok(j) => j,
        Err(r) => return r,
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
        // service_code: a comma list of known services (404 for one that is not).
        if let Some(codes) = get("service_code") {
            let known = match s.store.list_categories(jurisdiction.as_deref()).await {
                Ok(k) => k,
                Err(e) => return store_error(fmt, e),
            };
            for code in codes.split(',').map(str::trim) {
                if !known
                    .iter()
                    .any(|k| k.code == code && k.parent_code.is_some())
                {
                    return error(
                        fmt,
                        StatusCode::NOT_FOUND,
                        &format!("service_code {code} was not found"),
                    );
                }
            }
            f.category = codes.to_string();
        }
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
        // GeoReport v2: a range spans at most 90 days; one end alone reaches 90 days from it;
        // without dates, the last 90 days.
        const SPAN: i64 = 90 * 86_400_000;
        match (f.created_from, f.created_to) {
            (Some(a), Some(b)) if b - a > SPAN => {
                return error(
                    fmt,
                    StatusCode::BAD_REQUEST,
                    "start_date and end_date may not be more than 90 days apart",
                );
            }
            (Some(a), None) => f.created_to = Some(a + SPAN),
            (None, Some(b)) => f.created_from = Some(b - SPAN),
            (None, None) => f.created_from = Some(now_ms() - SPAN),
            _ => {}
        }
        f.status = get("status").unwrap_or("").to_string();
        if !f
            .status
            .split(',')
            .all(|st| matches!(st.trim(), "open" | "closed"))
            && !f.status.is_empty()
        {
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
    // Lists default to (and allow) 1,000 requests a page.
    let pg = match s
        .store
        .list_cases(&ctx, &f, PageReq::up_to(page, size, 1000))
        .await
    {
        Ok(pg) => pg,
        Err(e) => return store_error(fmt, e),
    };
    let expected = match s.store.expected_handled(&pg.items, now_ms()).await {
        Ok(x) => x,
        Err(e) => return store_error(fmt, e),
    };
    let items: Vec<Value> = pg
        .items
        .iter()
        .zip(expected)
        .map(|(c, x)| request_item(c, x, key.is_some()))
        .collect();
    render(fmt, StatusCode::OK, "service_requests", "request", &items)
}

fn store_error(fmt: Fmt, e: StoreError) -> Response {
    match e {
        StoreError::NotFound(_) => error(fmt, StatusCode::NOT_FOUND, "not found"),
        StoreError::Invalid(i) => error(fmt, StatusCode::BAD_REQUEST, &i.message()),
        StoreError::Refused { en, .. } => error(fmt, StatusCode::CONFLICT, &en),
        other => {
            tracing::error!(error = %other, "open311");
            error(fmt, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

pub(super) async fn one(
    State(s): State<AppState>,
    Path(file): Path<String>,
    Query(p): Query<Params>,
) -> Response {
    let Some((id, fmt)) = split_file(&file) else {
        return error(Fmt::Json, StatusCode::NOT_FOUND, "use .json or .xml");
    };
    let mut q = p.clone();
    q.insert("service_request_id".into(), id.to_string());
    let r = list(State(s), Query(q), fmt).await;
    // An unknown request is 404, not an empty list.
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 24)
        .await
        .unwrap_or_default();
    let empty = match fmt {
        Fmt::Json => bytes.as_ref() == b"[]",
        Fmt::Xml => bytes.ends_with(b"<service_requests></service_requests>"),
    };
    if parts.status == StatusCode::OK && empty {
        return error(
            fmt,
            StatusCode::NOT_FOUND,
            "service_request_id was not found",
        );
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

pub(super) async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Params>,
    form: FormResult,
    fmt: Fmt,
) -> Response {
    let Ok(Form(mut p)) = form else {
        return error(
            fmt,
            StatusCode::BAD_REQUEST,
            "the body must be application/x-www-form-urlencoded",
        );
    };
    // The key may come in the query string as well as in the form.
    if let Some(k) = query.get("api_key") {
        p.entry("api_key".into()).or_insert_with(|| k.clone());
    }
    // This deployment's services define no attributes: any attribute is refused, not dropped.
    if let Some(a) = p.keys().find(|k| k.starts_with("attribute[")) {
        return error(
            fmt,
            StatusCode::BAD_REQUEST,
            &format!("{a} is not an attribute of this service (its definition has none)"),
        );
    }
    let key = match key_of(&s, &p).await {
        Ok(Some(k)) => k,
        Ok(None) => return error(fmt, StatusCode::FORBIDDEN, "api_key is required"),
        Err(e) => return error(fmt, StatusCode::FORBIDDEN, &e),
    };
    let jurisdiction = match jurisdiction(&s, &p, fmt).await {
        Ok(j) => j,
        Err(r) => return r,
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
    // Where: a region or grid code in address_id; else the county of the jurisdiction; else
    // the grid whose boundary holds the position, or the one nearest it; else the key's county (a key scoped above a county files
    // by position only).
    let (mut region_code, mut grid_code) = (String::new(), String::new());
    let county_of_key = tongchou_domain::RegionCode::parse(&key.scope_code)
        .ok()
        .filter(|r| r.level() >= tongchou_domain::Level::County)
        .map(|r| format!("{:0<12}", &r.as_str()[..6]));
    match address_id.as_deref() {
        Some(a) if a.len() == 15 && a.bytes().all(|b| b.is_ascii_digit()) => grid_code = a.into(),
        Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => region_code = a.into(),
        _ => {
            let near = match (lat, lng, &jurisdiction) {
                (Some(a), Some(b), None) => {
                    // The grid whose boundary holds the point; else the nearest grid centre.
                    let held = match s.store.locate(&key_ctx(&key), a, b).await {
                        Ok(l) => l.grid.map(|g| g.code),
                        Err(StoreError::Invalid(_)) => None,
                        Err(e) => return store_error(fmt, e),
                    };
                    match held {
                        Some(g) => Some(g),
                        None => match s.store.grid_near(&key_ctx(&key), a, b, 5_000.0).await {
                            Ok(g) => g,
                            Err(e) => return store_error(fmt, e),
                        },
                    }
                }
                _ => None,
            };
            match (jurisdiction.clone(), near, county_of_key) {
                (Some(j), _, _) => region_code = j,
                (None, Some(g), _) => grid_code = g,
                (None, None, Some(c)) => region_code = c,
                (None, None, None) => {
                    return error(
                        fmt,
                        StatusCode::BAD_REQUEST,
                        "the position is not within 5 km of a known grid: give address_id or jurisdiction_id",
                    );
                }
            }
        }
    }
    // The service as it applies where the request is filed (that region's own version).
    let place = if grid_code.is_empty() {
        region_code.clone()
    } else {
        grid_code.chars().take(12).collect()
    };
    let service = match s.store.list_categories(Some(&place)).await {
        Ok(k) => k
            .into_iter()
            .find(|k| k.code == service_code && k.parent_code.is_some() && k.active),
        Err(e) => return store_error(fmt, e),
    };
    let Some(service) = service else {
        return error(fmt, StatusCode::NOT_FOUND, "service_code was not found");
    };
    let name = [get("last_name"), get("first_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("");
    // A request may come without a description: the service names it.
    let description = get("description").unwrap_or_default();
    let title = if description.is_empty() {
        service.name.clone()
    } else {
        String::new()
    };
    let input = CaseInput {
        category_code: service_code,
        title,
        description,
        reporter_email: get("email").unwrap_or_default(),
        media_url: get("media_url").unwrap_or_default(),
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
