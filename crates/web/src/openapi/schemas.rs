//! The component schemas of the document.

use serde_json::{Map, Value, json};

pub(super) fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

pub(super) fn obj(required: &[&str], props: &[(&str, Value)]) -> Value {
    let p: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({"type": "object", "required": required, "properties": p})
}

pub(super) fn s() -> Value {
    json!({"type": "string"})
}
pub(super) fn ns() -> Value {
    json!({"type": ["string", "null"]})
}
pub(super) fn i() -> Value {
    json!({"type": "integer", "format": "int64"})
}
/// Ids are 62-bit and travel as strings of digits (beyond JavaScript's exact integers).
pub(super) fn id() -> Value {
    json!({"type": "string", "pattern": "^[0-9]+$"})
}
pub(super) fn nid() -> Value {
    json!({"type": ["string", "null"], "pattern": "^[0-9]+$"})
}
pub(super) fn ni() -> Value {
    json!({"type": ["integer", "null"], "format": "int64"})
}
pub(super) fn b() -> Value {
    json!({"type": "boolean"})
}

pub(super) fn page_of(item: &str) -> Value {
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

pub(super) fn schemas() -> Value {
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
