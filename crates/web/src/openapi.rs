//! The OpenAPI 3.1 document, built from one table of operations. A test checks that every
//! operation listed here is served by the router, and the document is snapshot-tested.

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

const fn op(
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

const PAGE: &[&str] = &["page", "page_size"];

pub const OPS: &[Op] = &[
    Op {
        public: true,
        ..op(
            "get",
            "/healthz",
            "system",
            "Liveness: the process answers",
            &[],
            None,
            "Health",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/readyz",
            "system",
            "Readiness: the database takes writes (503 unavailable, 507 disk full)",
            &[],
            None,
            "Health",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/auth/login",
            "auth",
            "Log in; sets the session cookie and returns the CSRF token",
            &[],
            Some("Login"),
            "Me",
        )
    },
    op(
        "post",
        "/api/v1/auth/logout",
        "auth",
        "Log out",
        &[],
        None,
        "Empty",
    ),
    op(
        "get",
        "/api/v1/me",
        "auth",
        "The current account",
        &[],
        None,
        "Me",
    ),
    op(
        "post",
        "/api/v1/regions",
        "territory",
        "Create a region under an existing parent",
        &[],
        Some("RegionIn"),
        "Region",
    ),
    op(
        "get",
        "/api/v1/regions/{code}",
        "territory",
        "A region with its child count and ancestors",
        &[],
        None,
        "Region",
    ),
    op(
        "patch",
        "/api/v1/regions/{code}",
        "territory",
        "Rename a region or override its urban/rural class",
        &[],
        Some("RegionPatch"),
        "Region",
    ),
    op(
        "get",
        "/api/v1/regions/{code}/children",
        "territory",
        "Child regions, paginated",
        PAGE,
        None,
        "RegionPage",
    ),
    op(
        "get",
        "/api/v1/regions/{code}/units",
        "territory",
        "Departments and committees of a region",
        &[],
        None,
        "Items",
    ),
    op(
        "get",
        "/api/v1/regions/{code}/service-centers",
        "territory",
        "Service centers of a region",
        &[],
        None,
        "Items",
    ),
    op(
        "get",
        "/api/v1/grids",
        "grids",
        "Grids under a region",
        &["region", "page", "page_size"],
        None,
        "GridPage",
    ),
    op(
        "post",
        "/api/v1/grids",
        "grids",
        "Create a grid",
        &[],
        Some("GridIn"),
        "Grid",
    ),
    op(
        "get",
        "/api/v1/grids/{code}",
        "grids",
        "A grid with counts and size-rule warnings",
        &[],
        None,
        "Grid",
    ),
    op(
        "patch",
        "/api/v1/grids/{code}",
        "grids",
        "Update a grid",
        &[],
        Some("GridIn"),
        "Grid",
    ),
    op(
        "get",
        "/api/v1/households",
        "registry",
        "Households in scope",
        &["grid", "region", "page", "page_size"],
        None,
        "HouseholdPage",
    ),
    op(
        "post",
        "/api/v1/households",
        "registry",
        "Create a household",
        &[],
        Some("HouseholdIn"),
        "Household",
    ),
    op(
        "get",
        "/api/v1/households/{id}",
        "registry",
        "A household",
        &[],
        None,
        "Household",
    ),
    op(
        "patch",
        "/api/v1/households/{id}",
        "registry",
        "Update a household",
        &[],
        Some("HouseholdIn"),
        "Household",
    ),
    op(
        "get",
        "/api/v1/persons",
        "registry",
        "Persons in scope; search by name fragment (q) or ID number",
        &[
            "q",
            "id_number",
            "household",
            "grid",
            "region",
            "page",
            "page_size",
        ],
        None,
        "PersonPage",
    ),
    op(
        "post",
        "/api/v1/persons",
        "registry",
        "Create a person",
        &[],
        Some("PersonIn"),
        "Person",
    ),
    op(
        "get",
        "/api/v1/persons/{id}",
        "registry",
        "A person (ID number and phone masked)",
        &[],
        None,
        "Person",
    ),
    op(
        "patch",
        "/api/v1/persons/{id}",
        "registry",
        "Update a person",
        &[],
        Some("PersonIn"),
        "Person",
    ),
    op(
        "post",
        "/api/v1/persons/{id}/reveal",
        "registry",
        "A person unmasked; the read is audited",
        &[],
        None,
        "Person",
    ),
    op(
        "post",
        "/api/v1/import/{kind}",
        "registry",
        "Import persons or households from CSV (UTF-8 or GB18030) or XLSX; all or nothing",
        &[],
        Some("File"),
        "ImportCounts",
    ),
    op(
        "get",
        "/api/v1/export/{file}",
        "registry",
        "Export persons.csv, persons.xlsx, households.csv or households.xlsx",
        &["region"],
        None,
        "File",
    ),
    op(
        "get",
        "/api/v1/users",
        "accounts",
        "Accounts in scope",
        PAGE,
        None,
        "UserPage",
    ),
    op(
        "post",
        "/api/v1/users",
        "accounts",
        "Create an account",
        &[],
        Some("UserIn"),
        "User",
    ),
    op(
        "post",
        "/api/v1/users/{id}/unlock",
        "accounts",
        "End an account's lockout (administrators of its scope)",
        &[],
        None,
        "User",
    ),
    op(
        "get",
        "/api/v1/audit",
        "accounts",
        "Audit log in scope, newest first",
        PAGE,
        None,
        "AuditPage",
    ),
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/case-categories",
            "cases",
            "Case categories 大类/小类 with limits (public: the report form needs them)",
            &[],
            None,
            "CategoryList",
        )
    },
    op(
        "put",
        "/api/v1/case-categories/{code}",
        "cases",
        "Create or edit a category (admin)",
        &[],
        Some("Category"),
        "Category",
    ),
    op(
        "get",
        "/api/v1/routing-rules",
        "cases",
        "Routing rules whose unit is in scope",
        &[],
        None,
        "RuleList",
    ),
    op(
        "post",
        "/api/v1/routing-rules",
        "cases",
        "Create or replace the rule for a 小类 and region prefix (admin)",
        &[],
        Some("RuleIn"),
        "Rule",
    ),
    op(
        "delete",
        "/api/v1/routing-rules/{id}",
        "cases",
        "Delete a routing rule (admin)",
        &[],
        None,
        "Empty",
    ),
    op(
        "get",
        "/api/v1/calendar/{year}",
        "cases",
        "A year's holidays and swapped working days (调休)",
        &[],
        None,
        "CalendarList",
    ),
    op(
        "post",
        "/api/v1/calendar/{year}",
        "cases",
        "Replace a year's calendar from CSV `date,kind` (admin)",
        &[],
        Some("File"),
        "Imported",
    ),
    op(
        "get",
        "/api/v1/cases",
        "cases",
        "Cases in scope: queue filters and full-text search, newest first",
        CASE_Q,
        None,
        "CasePage",
    ),
    op(
        "post",
        "/api/v1/cases",
        "cases",
        "File a case (grid worker, hotline/window staff, API); honours Idempotency-Key",
        &[],
        Some("CaseIn"),
        "Case",
    ),
    op(
        "post",
        "/api/v1/cases/bulk-dispatch",
        "cases",
        "Accept and dispatch several cases",
        &[],
        Some("BulkIn"),
        "BulkResult",
    ),
    op(
        "get",
        "/api/v1/cases/{id}",
        "cases",
        "A case with its events",
        &[],
        None,
        "CaseDetail",
    ),
    op(
        "post",
        "/api/v1/cases/{id}/attachments",
        "cases",
        "Attach a photo or document (the body is the file: JPEG, PNG, WebP or PDF, at most 5 MiB; ?name=)",
        &["name"],
        Some("File"),
        "Attachment",
    ),
    op(
        "get",
        "/api/v1/attachments/{id}",
        "cases",
        "An attachment's bytes",
        &[],
        None,
        "File",
    ),
    op(
        "get",
        "/api/v1/settings",
        "cases",
        "Run-time settings, e.g. reopen_days",
        &[],
        None,
        "Settings",
    ),
    op(
        "put",
        "/api/v1/settings/{key}",
        "cases",
        "Change a setting (admin): reopen_days 0–365",
        &[],
        Some("SettingIn"),
        "Settings",
    ),
    op(
        "get",
        "/api/v1/mediators",
        "disputes",
        "The mediator pool (专家调解库) in and above the caller's scope",
        &["tag"],
        None,
        "Items",
    ),
    op(
        "post",
        "/api/v1/mediators",
        "disputes",
        "Add a mediator with expertise tags (admin)",
        &[],
        Some("MediatorIn"),
        "Mediator",
    ),
    op(
        "get",
        "/api/v1/cases/{id}/dispute",
        "disputes",
        "A dispute's parties and mediation sessions",
        &[],
        None,
        "Dispute",
    ),
    op(
        "post",
        "/api/v1/cases/{id}/parties",
        "disputes",
        "Add a party to a dispute",
        &[],
        Some("PartyIn"),
        "Party",
    ),
    op(
        "post",
        "/api/v1/cases/{id}/reveal",
        "cases",
        "The reporter's and dispute parties' phones in full (audited; roles that call them back)",
        &[],
        None,
        "CaseContacts",
    ),
    op(
        "post",
        "/api/v1/cases/{id}/mediations",
        "disputes",
        "Record a mediation session; success sends the case to verification, failure escalates it",
        &[],
        Some("SessionIn"),
        "Case",
    ),
    op(
        "post",
        "/api/v1/cases/{id}/actions",
        "cases",
        "A lifecycle action (transition table) or a side action; 409 with a stable code when refused",
        &[],
        Some("CaseAct"),
        "Case",
    ),
    op(
        "get",
        "/api/v1/inbox",
        "cases",
        "The caller's in-app messages, newest first, with the unread count",
        &["unread", "page", "page_size"],
        None,
        "Inbox",
    ),
    op(
        "post",
        "/api/v1/inbox/read-all",
        "cases",
        "Mark all the caller's messages read",
        &[],
        None,
        "Empty",
    ),
    op(
        "post",
        "/api/v1/inbox/{id}/read",
        "cases",
        "Mark one message read",
        &[],
        None,
        "Empty",
    ),
    op(
        "get",
        "/api/v1/api-keys",
        "open311",
        "Open311 API keys in scope (admin)",
        &[],
        None,
        "Items",
    ),
    op(
        "post",
        "/api/v1/api-keys",
        "open311",
        "Create an Open311 API key; the key is shown once (admin)",
        &[],
        Some("KeyIn"),
        "KeyCreated",
    ),
    op(
        "delete",
        "/api/v1/api-keys/{id}",
        "open311",
        "Revoke an Open311 API key (admin)",
        &[],
        None,
        "Empty",
    ),
    op(
        "get",
        "/api/v1/cases/similar",
        "cases",
        "Open cases the one being filed may duplicate: same 小类, last 7 days, same grid or village or within ~500 m",
        SIMILAR_Q,
        None,
        "Items",
    ),
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/cases/similar",
            "public",
            "The public form's duplicate hint (number, category, state, time)",
            SIMILAR_Q,
            None,
            "Items",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/regions/{code}/children",
            "public",
            "Child regions (code, name, level) for the public form's place picker",
            &[],
            None,
            "Items",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/form-nonce",
            "public",
            "A signed nonce (a day) that an anonymous caller sends as X-Form-Nonce with an Idempotency-Key",
            &[],
            None,
            "Nonce",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases",
            "public",
            "Submit a case anonymously (phone optional); returns the tracking number and secret",
            &[],
            Some("CaseIn"),
            "Receipt",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/api/v1/public/cases/{number}",
            "public",
            "Track a case with its secret: progress and unit, no personal data",
            &["secret"],
            None,
            "PublicCase",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases/{number}/attachments",
            "public",
            "The reporter adds a photo to an open case with the secret (the body is the file; at most 5 per case)",
            &["secret", "name"],
            Some("File"),
            "Items",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/public/cases/{number}/actions",
            "public",
            "The reporter rates (rate) or reopens (reopen) with the secret",
            &[],
            Some("PublicAct"),
            "PublicCase",
        )
    },
];

const SIMILAR_Q: &[&str] = &["category_code", "region_code", "grid_code", "lat", "lng"];
const CASE_Q: &[&str] = &[
    "state",
    "category",
    "region",
    "grid_code",
    "overdue",
    "supervised",
    "mine",
    "q",
    "page",
    "page_size",
];

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(required: &[&str], props: &[(&str, Value)]) -> Value {
    let p: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({"type": "object", "required": required, "properties": p})
}

fn s() -> Value {
    json!({"type": "string"})
}
fn ns() -> Value {
    json!({"type": ["string", "null"]})
}
fn i() -> Value {
    json!({"type": "integer", "format": "int64"})
}
/// Ids are 62-bit and travel as strings of digits (beyond JavaScript's exact integers).
fn id() -> Value {
    json!({"type": "string", "pattern": "^[0-9]+$"})
}
fn nid() -> Value {
    json!({"type": ["string", "null"], "pattern": "^[0-9]+$"})
}
fn ni() -> Value {
    json!({"type": ["integer", "null"], "format": "int64"})
}
fn b() -> Value {
    json!({"type": "boolean"})
}

fn page_of(item: &str) -> Value {
    obj(
        &["items", "page", "page_size", "has_more"],
        &[
            ("items", json!({"type": "array", "items": schema_ref(item)})),
            ("page", i()),
            ("page_size", i()),
            ("has_more", b()),
        ],
    )
}

fn schemas() -> Value {
    json!({
        "Error": obj(&["code", "message"], &[("code", s()), ("message", s()), ("field", s()),
            ("rows", json!({"type": "array", "items": obj(&["row", "column", "reason"], &[("row", i()), ("column", s()), ("reason", s())])}))]),
        "Health": obj(&["status", "backend"], &[("status", s()), ("backend", s())]),
        "Empty": obj(&[], &[]),
        "Nonce": obj(&["nonce"], &[("nonce", s())]),
        "CaseContacts": obj(&["parties"], &[("reporter_phone", ns()), ("reporter_email", ns()),
            ("parties", json!({"type": "array", "items": {"type": "object"}}))]),
        "Items": obj(&["items"], &[("items", json!({"type": "array", "items": {"type": "object"}}))]),
        "File": {"type": "string", "format": "binary"},
        "Login": obj(&["username", "password"], &[("username", s()), ("password", s())]),
        "Me": obj(&["id", "username", "role", "scope_code", "csrf_token", "permissions"], &[("id", id()), ("username", s()),
            ("display_name", s()), ("role", s()), ("role_zh", s()), ("scope_code", s()), ("grid_code", ns()), ("csrf_token", s()),
            ("permissions", json!({"type": "array", "items": s()}))]),
        "RegionIn": obj(&["code", "name"], &[("code", s()), ("name", s())]),
        "RegionPatch": obj(&[], &[("name", s()), ("urban_rural", json!({"enum": ["urban", "rural", "auto"]}))]),
        "Region": obj(&["code", "name", "level", "parent_code", "urban_rural", "child_count"], &[("code", s()), ("name", s()),
            ("level", json!({"enum": ["province", "city", "county", "township", "village"]})), ("parent_code", ns()),
            ("urban_rural", json!({"enum": ["urban", "rural", null]})), ("ur_override", b()), ("child_count", i()),
            ("level_zh", s()), ("ancestors", json!({"type": "array", "items": obj(&["code", "name", "level"], &[("code", s()), ("name", s()), ("level", s())])}))]),
        "RegionPage": page_of("Region"),
        "GridIn": obj(&["code", "name"], &[("code", s()), ("name", s()), ("worker_name", s()), ("worker_phone", s()),
            ("leader_name", s()), ("geojson", json!({"type": ["object", "null"]})), ("centroid_lat", json!({"type": ["number", "null"]})),
            ("centroid_lng", json!({"type": ["number", "null"]}))]),
        "Grid": obj(&["code", "region_code", "name", "household_count", "person_count", "size_warnings"], &[("code", s()),
            ("region_code", s()), ("name", s()), ("worker_name", ns()), ("worker_phone", ns()), ("leader_name", ns()), ("geojson", ns()),
            ("household_count", i()), ("person_count", i()), ("urban_rural", ns()), ("size_warnings", json!({"type": "array", "items": s()}))]),
        "GridPage": page_of("Grid"),
        "HouseholdIn": obj(&["grid_code", "address"], &[("grid_code", s()), ("address", s()), ("phone", s())]),
        "Household": obj(&["id", "region_code", "grid_code", "address", "member_count"], &[("id", id()), ("county_code", s()),
            ("region_code", s()), ("grid_code", s()), ("address", s()), ("phone", ns()), ("member_count", i()), ("head_name", ns())]),
        "HouseholdPage": page_of("Household"),
        "PersonIn": obj(&["household_id", "name", "id_number"], &[("household_id", id()), ("name", s()), ("id_number", s()),
            ("phone", s()), ("relation", s()), ("residence_type", json!({"enum": ["registered", "resident", "floating"]})),
            ("tags", json!({"type": "array", "items": s()}))]),
        "Person": obj(&["id", "household_id", "name", "id_number", "birth_date", "sex", "masked"], &[("id", id()), ("household_id", id()),
            ("region_code", s()), ("grid_code", s()), ("name", s()), ("id_number", s()), ("birth_date", s()), ("age", i()),
            ("sex", json!({"enum": ["male", "female"]})), ("phone", ns()), ("relation", s()), ("residence_type", s()),
            ("tags", json!({"type": "array", "items": s()})), ("masked", b())]),
        "PersonPage": page_of("Person"),
        "ImportCounts": obj(&["households_created", "persons_created", "persons_updated"], &[("households_created", i()),
            ("persons_created", i()), ("persons_updated", i())]),
        "UserIn": obj(&["username", "password", "role", "scope"], &[("username", s()), ("display_name", s()), ("password", s()),
            ("role", s()), ("scope", s()), ("grid_code", s())]),
        "User": obj(&["id", "username", "role", "scope_code"], &[("id", id()), ("username", s()), ("display_name", s()), ("role", s()),
            ("scope_code", s()), ("grid_code", ns()), ("failed_logins", i()), ("locked_until", i()), ("disabled", b())]),
        "UserPage": page_of("User"),
        "AuditEntry": obj(&["id", "at", "username", "action", "target_type", "target_id"], &[("id", id()), ("at", i()),
            ("user_id", nid()), ("username", s()), ("action", s()), ("target_type", s()),
            ("target_id", s()), ("detail", s())]),
        "AuditPage": page_of("AuditEntry"),
        "Category": obj(&["code", "name", "priority", "limit_unit", "limit_value"], &[("code", s()), ("parent_code", ns()), ("name", s()),
            ("domain", json!({"enum": ["", "city", "social"]})), ("priority", json!({"enum": ["normal", "urgent", "emergency"]})),
            ("limit_unit", json!({"enum": ["working_hours", "working_days"]})), ("limit_value", i()), ("dispute", b()),
            ("auto_escalate", b()), ("active", b()), ("dispatch_hours", ni()), ("sign_hours", ni()), ("verify_hours", ni())]),
        "CategoryList": obj(&["items"], &[("items", json!({"type": "array", "items": schema_ref("Category")}))]),
        "RuleIn": obj(&["subcategory", "unit_id"], &[("subcategory", s()), ("region_prefix", s()), ("unit_id", s())]),
        "Rule": obj(&["id", "subcategory", "region_prefix", "unit_id"], &[("id", s()), ("subcategory", s()), ("region_prefix", s()),
            ("unit_id", s()), ("unit_name", ns())]),
        "RuleList": obj(&["items"], &[("items", json!({"type": "array", "items": schema_ref("Rule")}))]),
        "CalendarList": obj(&["items"], &[("items", json!({"type": "array", "items": obj(&["date", "kind"], &[("date", s()),
            ("kind", json!({"enum": ["holiday", "workday"]}))])}))]),
        "Imported": obj(&["imported"], &[("imported", i())]),
        "CaseIn": obj(&["category_code"], &[("category_code", s()), ("title", s()), ("description", s()), ("address", s()),
            ("lat", json!({"type": ["number", "null"]})), ("lng", json!({"type": ["number", "null"]})), ("region_code", s()),
            ("grid_code", s()), ("priority", s()), ("reporter_name", s()), ("reporter_phone", s()),
            ("source", json!({"enum": ["", "grid", "hotline", "window", "api"]}))]),
        "Case": obj(&["id", "number", "category_code", "title", "state", "level", "level_code", "region_code", "created_at", "version"],
            &[("id", s()), ("county_code", s()), ("number", s()), ("category_code", s()), ("category_name", ns()), ("title", s()),
            ("description", s()), ("address", s()), ("lat", json!({"type": ["number", "null"]})), ("lng", json!({"type": ["number", "null"]})),
            ("region_code", s()), ("region_name", ns()), ("grid_code", ns()), ("source", s()), ("priority", s()), ("dispute", b()),
            ("reporter_name", ns()), ("reporter_phone", ns()), ("state", s()), ("state_zh", s()),
            ("level", json!({"enum": ["village", "township", "county", "city"]})), ("level_code", s()), ("route_by", s()),
            ("route_unit_id", ns()), ("unit_id", ns()), ("unit_name", ns()), ("first_unit_id", ns()), ("returns", i()), ("reworks", i()),
            ("escalations", i()), ("closed_level", ns()), ("stage_started_at", ni()), ("warn_at", ni()), ("deadline_at", ni()),
            ("suspend_requested", b()), ("supervised_by", ns()), ("supervise_deadline", ni()), ("duplicate_of", ns()),
            ("satisfaction", ns()), ("created_at", i()), ("updated_at", i()), ("closed_at", ni()), ("version", i()),
            ("light", json!({"enum": ["green", "yellow", "red", null]})), ("secret", s())]),
        "CasePage": page_of("Case"),
        "CaseEvent": obj(&["seq", "at", "actor", "action", "to_state"], &[("seq", i()), ("at", i()), ("actor_id", ns()),
            ("actor_name", s()), ("actor", s()), ("action", s()), ("from_state", ns()), ("to_state", s()), ("unit_id", ns()),
            ("unit_name", ns()), ("level", ns()), ("note", s()), ("attachments", s())]),
        "CaseDetail": obj(&["case", "events", "attachments"], &[("case", schema_ref("Case")), ("events", json!({"type": "array", "items": schema_ref("CaseEvent")})),
            ("attachments", json!({"type": "array", "items": schema_ref("Attachment")}))]),
        "CaseAct": obj(&["action"], &[("action", json!({"enum": ["accept", "reject", "merge", "dispatch", "sign", "return", "handle",
            "escalate", "suspend", "resume", "verify_pass", "verify_fail", "reopen", "request_suspend", "supervise", "comment", "rate"]})),
            ("note", s()), ("unit_id", s()), ("duplicate_of", s()), ("deadline", i()), ("satisfaction", s()), ("version", i())]),
        "BulkIn": obj(&["ids"], &[("ids", json!({"type": "array", "items": s()})), ("unit_id", s())]),
        "BulkResult": obj(&["dispatched", "failed"], &[("dispatched", json!({"type": "array", "items": {"type": "object"}})),
            ("failed", json!({"type": "array", "items": schema_ref("Error")}))]),
        "PublicCase": obj(&["number", "state", "level", "created_at", "events"], &[("number", s()), ("category_name", ns()), ("state", s()),
            ("state_zh", s()), ("level", s()), ("unit_name", ns()), ("created_at", i()), ("deadline_at", ni()), ("closed_at", ni()),
            ("light", json!({"enum": ["green", "yellow", "red", null]})), ("satisfaction", ns()),
            ("events", json!({"type": "array", "items": obj(&["at", "action", "to_state"], &[("at", i()), ("action", s()), ("to_state", s()),
            ("state_zh", s()), ("unit_name", ns()), ("level", ns())])}))]),
        "Inbox": obj(&["items", "page", "page_size", "has_more", "unread"], &[("items", json!({"type": "array", "items":
            obj(&["id", "at", "kind", "text", "read"], &[("id", s()), ("at", i()), ("case_id", ns()), ("kind", s()), ("text", s()), ("read", b())])})),
            ("page", i()), ("page_size", i()), ("has_more", b()), ("unread", i())]),
        "Attachment": obj(&["id", "case_id", "name", "mime", "size"], &[("id", s()), ("case_id", s()), ("name", s()),
            ("mime", json!({"enum": ["image/jpeg", "image/png", "image/webp", "application/pdf"]})), ("size", i()),
            ("uploaded_by", s()), ("created_at", i())]),
        "MediatorIn": obj(&["region_code", "name"], &[("region_code", s()), ("name", s()), ("phone", s()), ("tags", s())]),
        "Mediator": obj(&["id", "region_code", "name", "tags"], &[("id", s()), ("region_code", s()), ("name", s()), ("phone", ns()),
            ("tags", s()), ("active", b())]),
        "PartyIn": obj(&["name", "side"], &[("name", s()), ("phone", s()), ("side", json!({"enum": ["applicant", "respondent", "other"]}))]),
        "Party": obj(&["id", "name", "side"], &[("id", s()), ("name", s()), ("phone", ns()), ("side", s())]),
        "SessionIn": obj(&["outcome"], &[("mediator_id", s()), ("held_at", i()), ("place", s()),
            ("outcome", json!({"enum": ["success", "failure", "adjourned"]})), ("agreement", s()), ("note", s())]),
        "Dispute": obj(&["parties", "sessions"], &[("parties", json!({"type": "array", "items": schema_ref("Party")})),
            ("sessions", json!({"type": "array", "items": obj(&["id", "held_at", "outcome"], &[("id", s()), ("mediator_id", ns()),
            ("mediator_name", ns()), ("held_at", i()), ("place", s()), ("outcome", s()), ("agreement", s()), ("note", s()), ("recorded_by", s())])}))]),
        "Settings": obj(&[], &[("reopen_days", s())]),
        "SettingIn": obj(&["value"], &[("value", s())]),
        "KeyIn": obj(&["name"], &[("name", s()), ("scope", s())]),
        "KeyCreated": obj(&["key", "api_key"], &[("key", s()), ("api_key", obj(&["id", "name", "scope_code"], &[("id", s()),
            ("name", s()), ("scope_code", s()), ("created_at", i()), ("revoked", b())]))]),
        "Receipt": obj(&["number", "secret", "case"], &[("number", s()), ("secret", s()), ("case", schema_ref("PublicCase"))]),
        "PublicAct": obj(&["secret", "action"], &[("secret", s()), ("action", json!({"enum": ["rate", "reopen"]})), ("note", s()),
            ("satisfaction", json!({"enum": ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]}))]),
    })
}

pub fn build() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for o in OPS {
        let mut params: Vec<Value> = Vec::new();
        let mut rest = o.path;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
            params.push(json!({"name": &rest[start + 1..end], "in": "path", "required": true, "schema": s()}));
            rest = &rest[end..];
        }
        for q in o.query {
            let schema = if matches!(*q, "page" | "page_size" | "household") {
                json!({"type": "integer"})
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

pub async fn document() -> Json<Value> {
    Json(build())
}
