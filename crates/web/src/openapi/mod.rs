//! The OpenAPI 3.1 document, built from one table of operations. A test checks that every
//! operation listed here is served by the router, and the document is snapshot-tested.

mod accounts;
mod assess;
mod cases;
mod public;
mod registry;
mod schemas;
mod system;
mod territory;
mod visits;

use axum::Json;
use serde_json::{Map, Value, json};

pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    /// Query parameters (all optional strings unless named `page`/`page_size`).
    pub query: &'static [&'static str],
    /// Request body schema name, if any (`File` for uploads).
    pub body: Option<&'static str>,
    /// Response schema name for 200/201.
    pub response: &'static str,
    pub public: bool,
}

pub(crate) const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    query: &'static [&'static str],
    body: Option<&'static str>,
    response: &'static str,
) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        query,
        body,
        response,
        public: false,
    }
}

pub(crate) const PAGE: &[&str] = &["page", "page_size"];

/// Every operation, area by area, in the document's order.
pub const OPS: &[&[Op]] = &[
    system::OPS,
    territory::OPS,
    registry::OPS,
    visits::OPS,
    accounts::OPS,
    cases::OPS,
    assess::OPS,
    public::OPS,
];

use schemas::{b, s, schema_ref, schemas};

pub fn build() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for o in OPS.iter().flat_map(|ops| ops.iter()) {
        let mut params: Vec<Value> = Vec::new();
        let mut rest = o.path;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
            let name = &rest[start + 1..end];
            params.push(json!({"name": name, "in": "path", "required": true, "schema": path_schema(o.path, name)}));
            rest = &rest[end..];
        }
        for q in o.query {
            let schema = if matches!(
                *q,
                "page" | "page_size" | "household" | "limit" | "from" | "to"
            ) {
                json!({"type": "integer"})
            } else if matches!(*q, "lat" | "lng") {
                json!({"type": "number"})
            } else if matches!(*q, "overdue" | "supervised" | "mine" | "unread") {
                b()
            } else {
                s()
            };
            params.push(json!({"name": q, "in": "query", "required": false, "schema": schema}));
        }
        let ok = if o.method == "post"
            && o.body.is_some()
            && !o.path.contains("import")
            && !o.path.contains("login")
            && !o.path.contains("calendar")
            && !o.path.contains("bulk")
            && !o.path.ends_with("actions")
            && !o.path.ends_with("/end")
            && !o.path.ends_with("/password")
        {
            "201"
        } else {
            "200"
        };
        let content = if o.response == "File" {
            json!({"text/csv": {"schema": schema_ref("File")}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": schema_ref("File")}})
        } else {
            json!({"application/json": {"schema": schema_ref(o.response)}})
        };
        let err = json!({"description": "Error", "content": {"application/json": {"schema": schema_ref("Error")}}});
        let mut operation = json!({
            "tags": [o.tag],
            "summary": o.summary,
            "operationId": format!("{}_{}", o.method, o.path.trim_start_matches('/').replace(['/', '{', '}', '-', '.'], "_")),
            "parameters": params,
            "responses": {ok: {"description": "OK", "content": content}, "4XX": err},
        });
        if let Some(body) = o.body {
            let content = if body == "File" {
                json!({"text/csv": {"schema": schema_ref("File")}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": schema_ref("File")}})
            } else {
                json!({"application/json": {"schema": schema_ref(body)}})
            };
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        if !o.public {
            operation["security"] = json!([{"session": [], "csrf": []}]);
        }
        paths.entry(o.path.to_string()).or_insert_with(|| json!({}))[o.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Tongchou API", "version": env!("CARGO_PKG_VERSION"),
            "description": "统筹 — urban–rural integrated grassroots governance. Errors are {code, message, field?}; lists are paginated with page/page_size and has_more."},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tc_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}
            }
        }
    })
}

/// What a path parameter must look like, as the handlers parse it.
fn path_schema(path: &str, name: &str) -> Value {
    let pattern = |p: &str| json!({"type": "string", "pattern": p});
    match name {
        "year" => pattern("^(?:20[0-9]{2}|2100)$"),
        "id" => pattern("^[0-9]+$"),
        "code" if path.contains("/grids/") => pattern(tongchou_domain::grid::CODE_PATTERN),
        "code" if path.contains("/regions/") => pattern(tongchou_domain::region::CODE_PATTERN),
        "code" if path.contains("/case-categories/") => pattern("^[0-9]{2}(?:[0-9]{2})?$"),
        "key" => {
            let tags = tongchou_store::TAGS
                .iter()
                .map(|t| format!("visit_days.{t}"));
            let keys: Vec<String> = ["reopen_days", "visit_days"]
                .into_iter()
                .map(String::from)
                .chain(tags)
                .collect();
            json!({ "enum": keys })
        }
        "kind" => json!({"enum": ["persons", "households"]}),
        "file" => {
            json!({"enum": ["persons.csv", "persons.xlsx", "households.csv", "households.xlsx",
                "template-persons.csv", "template-persons.xlsx", "template-households.csv", "template-households.xlsx"]})
        }
        _ => s(),
    }
}

pub async fn document() -> Json<Value> {
    Json(build())
}
