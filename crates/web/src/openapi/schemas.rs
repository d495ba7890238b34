//! The component schemas of the document. Request and response bodies are generated from the
//! Rust types the handlers read and write (`schemars`), with the constraints the server checks
//! (lengths, patterns, enums, ranges) written on the types' fields; only the envelopes built
//! ad hoc (`Error`, pages, lists) are written here.

use crate::accounts::{KeyIn, UserIn};
use crate::auth::{LoginBody, Me};
use crate::cases::{BulkIn, CaseOut, DetailOut, PublicActIn, PublicCase, Receipt, SettingIn};
use crate::registry::{HouseholdOut, PersonOut};
use crate::territory::{GridOut, RegionIn, RegionOut};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};
use tongchou_store::{
    Attachment, AuditEntry, CaseAct, CaseContacts, CaseInput, CategoryRow, Dispute, GridInput,
    HouseholdInput, ImportCounts, Mediator, MediatorInput, Party, PartyInput, PersonInput,
    RegionPatch, RuleInput, RuleRow, SessionInput, User,
};

fn generator(settings: SchemaSettings) -> SchemaGenerator {
    settings
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator()
}

fn add<T: JsonSchema>(g: &mut SchemaGenerator) {
    g.subschema_for::<T>();
}

/// The schemas of the request bodies (as the server reads them) and of the responses (as it
/// writes them), by type name.
fn generated() -> Map<String, Value> {
    let mut g = generator(SchemaSettings::draft2020_12().for_deserialize());
    add::<LoginBody>(&mut g);
    add::<RegionIn>(&mut g);
    add::<RegionPatch>(&mut g);
    add::<GridInput>(&mut g);
    add::<HouseholdInput>(&mut g);
    add::<PersonInput>(&mut g);
    add::<UserIn>(&mut g);
    add::<KeyIn>(&mut g);
    add::<CategoryRow>(&mut g);
    add::<RuleInput>(&mut g);
    add::<CaseInput>(&mut g);
    add::<CaseAct>(&mut g);
    add::<BulkIn>(&mut g);
    add::<MediatorInput>(&mut g);
    add::<PartyInput>(&mut g);
    add::<SessionInput>(&mut g);
    add::<SettingIn>(&mut g);
    add::<PublicActIn>(&mut g);
    let mut out = g.take_definitions(true);
    out.values_mut().for_each(require_non_empty);
    let mut g = generator(SchemaSettings::draft2020_12().for_serialize());
    add::<Me>(&mut g);
    add::<RegionOut>(&mut g);
    add::<GridOut>(&mut g);
    add::<HouseholdOut>(&mut g);
    add::<PersonOut>(&mut g);
    add::<ImportCounts>(&mut g);
    add::<User>(&mut g);
    add::<AuditEntry>(&mut g);
    add::<CategoryRow>(&mut g);
    add::<RuleRow>(&mut g);
    add::<CaseOut>(&mut g);
    add::<DetailOut>(&mut g);
    add::<Attachment>(&mut g);
    add::<Mediator>(&mut g);
    add::<Party>(&mut g);
    add::<Dispute>(&mut g);
    add::<CaseContacts>(&mut g);
    add::<PublicCase>(&mut g);
    add::<Receipt>(&mut g);
    // A type that is both read and written (a category) gets two schemas: as the server reads it
    // and, named `…Out`, as it writes it.
    let written = g.take_definitions(true);
    let both: Vec<String> = written
        .keys()
        .filter(|k| out.contains_key(*k))
        .cloned()
        .collect();
    for (name, mut schema) in written {
        for b in &both {
            rename_ref(&mut schema, b);
        }
        let name = if both.contains(&name) {
            format!("{name}Out")
        } else {
            name
        };
        out.insert(name, schema);
    }
    out
}

/// A text field the server reads as `""` when it is absent (`#[serde(default)]`) but refuses
/// empty (`minLength` ≥ 1) is in effect required: mark it so, without the empty default.
fn require_non_empty(schema: &mut Value) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let mut required = Vec::new();
    for (name, p) in props.iter_mut() {
        let non_empty = p
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|n| n >= 1);
        if non_empty && p.get("default") == Some(&json!("")) {
            if let Some(p) = p.as_object_mut() {
                p.remove("default");
            }
            required.push(json!(name));
        }
    }
    if required.is_empty() {
        return;
    }
    let list = schema
        .as_object_mut()
        .map(|o| o.entry("required").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = list {
        for r in required {
            if !list.contains(&r) {
                list.push(r);
            }
        }
    }
}

/// Points every `$ref` to `name` at `nameOut` instead.
fn rename_ref(v: &mut Value, name: &str) {
    match v {
        Value::Object(m) => {
            if m.get("$ref").and_then(Value::as_str)
                == Some(&format!("#/components/schemas/{name}"))
            {
                m.insert(
                    "$ref".into(),
                    json!(format!("#/components/schemas/{name}Out")),
                );
            }
            m.values_mut().for_each(|x| rename_ref(x, name));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename_ref(x, name)),
        _ => {}
    }
}

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
    let mut all = generated();
    let written = json!({
        "Error": obj(&["code", "message"], &[("code", s()), ("message", s()), ("field", s()),
            ("rows", json!({"type": "array", "items": obj(&["row", "column", "reason"], &[("row", i()), ("column", s()), ("reason", s())])}))]),
        "Health": obj(&["status", "backend"], &[("status", s()), ("backend", s())]),
        "Empty": obj(&[], &[]),
        "Nonce": obj(&["nonce"], &[("nonce", s())]),
        "Items": obj(&["items"], &[("items", json!({"type": "array", "items": {"type": "object"}}))]),
        "File": {"type": "string", "format": "binary"},
        "RegionPage": page_of("RegionOut"),
        "GridPage": page_of("GridOut"),
        "HouseholdPage": page_of("HouseholdOut"),
        "PersonPage": page_of("PersonOut"),
        "UserPage": page_of("User"),
        "AuditPage": page_of("AuditEntry"),
        "CategoryList": obj(&["items"], &[("items", json!({"type": "array", "items": schema_ref("CategoryRowOut")}))]),
        "RuleList": obj(&["items"], &[("items", json!({"type": "array", "items": schema_ref("RuleRow")}))]),
        "CalendarList": obj(&["items"], &[("items", json!({"type": "array", "items": obj(&["date", "kind"], &[("date", s()),
            ("kind", json!({"enum": ["holiday", "workday"]}))])}))]),
        "Imported": obj(&["imported"], &[("imported", i())]),
        "CasePage": page_of("CaseOut"),
        "BulkResult": obj(&["dispatched", "failed"], &[("dispatched", json!({"type": "array", "items": {"type": "object"}})),
            ("failed", json!({"type": "array", "items": schema_ref("Error")}))]),
        "Inbox": obj(&["items", "page", "page_size", "has_more", "unread"], &[("items", json!({"type": "array", "items":
            obj(&["id", "at", "kind", "text", "read"], &[("id", s()), ("at", i()), ("case_id", ns()), ("kind", s()), ("text", s()), ("read", b())])})),
            ("page", i()), ("page_size", i()), ("has_more", b()), ("unread", i())]),
        "Settings": obj(&[], &[("reopen_days", s())]),
        "KeyCreated": obj(&["key", "api_key"], &[("key", s()), ("api_key", obj(&["id", "name", "scope_code"], &[("id", s()),
            ("name", s()), ("scope_code", s()), ("created_at", i()), ("revoked", b())]))]),
    });
    if let Value::Object(w) = written {
        all.extend(w);
    }
    Value::Object(all)
}
