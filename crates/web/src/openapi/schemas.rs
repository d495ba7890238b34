//! The component schemas of the document. Request and response bodies are generated from the
//! Rust types the handlers read and write (`schemars`), with the constraints the server checks
//! (lengths, patterns, enums, ranges) written on the types' fields; only the envelopes built
//! ad hoc (`Error`, pages, lists) are written here.

use crate::accounts::{KeyCreated, KeyIn, PasswordChange, PasswordReset, UserIn};
use crate::auth::{LoginBody, Me};
use crate::cases::{
    BulkIn, BulkResult, CalendarEntry, CaseOut, DetailOut, Imported, Inbox, Nonce, PublicActIn,
    PublicAttachment, PublicCase, PublicRegion, PublicSimilar, Read, Receipt, SettingIn, Settings,
};
use crate::error::Body as ErrorBody;
use crate::extract::{Empty, Items};
use crate::registry::{HouseholdOut, PersonOut};
use crate::system::Health;
use crate::territory::{GridOut, RegionIn, RegionOut};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};
use tongchou_store::{
    ApiKey, Attachment, AuditEntry, CaseAct, CaseContacts, CaseInput, CategoryRow, Dispute,
    GridInput, HouseholdInput, ImportCounts, Mediator, MediatorInput, Page, Party, PartyInput,
    Patrol, PatrolEnd, PatrolStart, PersonInput, PlaceHit, Region, RegionPatch, RuleInput, RuleRow,
    ServiceCenter, SessionInput, Unit, User, Visit, VisitInput,
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
    add::<PasswordChange>(&mut g);
    add::<PasswordReset>(&mut g);
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
    add::<VisitInput>(&mut g);
    add::<PatrolStart>(&mut g);
    add::<PatrolEnd>(&mut g);
    add::<crate::territory::maps::ShapesIn>(&mut g);
    add::<tongchou_domain::assess::rules::AssessRules>(&mut g);
    add::<crate::assess::FollowUpInput>(&mut g);
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
    add::<crate::cases::ReceiptSent>(&mut g);
    add::<crate::cases::FollowIn>(&mut g);
    add::<PublicCase>(&mut g);
    add::<Receipt>(&mut g);
    add::<ErrorBody>(&mut g);
    add::<Health>(&mut g);
    add::<Empty>(&mut g);
    add::<Nonce>(&mut g);
    add::<Imported>(&mut g);
    add::<Read>(&mut g);
    add::<Inbox>(&mut g);
    add::<Settings>(&mut g);
    add::<KeyCreated>(&mut g);
    add::<BulkResult>(&mut g);
    add::<PublicAttachment>(&mut g);
    add::<Page<Region>>(&mut g);
    add::<Page<GridOut>>(&mut g);
    add::<Page<HouseholdOut>>(&mut g);
    add::<Page<PersonOut>>(&mut g);
    add::<Page<User>>(&mut g);
    add::<Page<AuditEntry>>(&mut g);
    add::<Page<CaseOut>>(&mut g);
    add::<Items<CategoryRow>>(&mut g);
    add::<Items<RuleRow>>(&mut g);
    add::<Items<CalendarEntry>>(&mut g);
    add::<Items<Mediator>>(&mut g);
    add::<Items<Unit>>(&mut g);
    add::<Items<ServiceCenter>>(&mut g);
    add::<Items<ApiKey>>(&mut g);
    add::<Items<CaseOut>>(&mut g);
    add::<Items<PublicRegion>>(&mut g);
    add::<Items<PublicSimilar>>(&mut g);
    add::<Visit>(&mut g);
    add::<Items<Visit>>(&mut g);
    add::<crate::visits::DueList>(&mut g);
    add::<tongchou_store::Dashboard>(&mut g);
    add::<tongchou_store::Ranking>(&mut g);
    add::<tongchou_store::RulesAt>(&mut g);
    add::<tongchou_store::WarningRow>(&mut g);
    add::<Items<tongchou_store::WarningRow>>(&mut g);
    add::<Items<PlaceHit>>(&mut g);
    add::<tongchou_store::ShapeImport>(&mut g);
    add::<tongchou_store::Located>(&mut g);
    add::<crate::territory::maps::MapConfig>(&mut g);
    add::<Items<tongchou_store::HouseholdPin>>(&mut g);
    add::<Patrol>(&mut g);
    add::<Page<Patrol>>(&mut g);
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

pub(super) fn s() -> Value {
    json!({"type": "string"})
}
pub(super) fn b() -> Value {
    json!({"type": "boolean"})
}

pub(super) fn schemas() -> Value {
    let mut all = generated();
    // Uploads and downloads are files, not JSON.
    all.insert("File".into(), json!({"type": "string", "format": "binary"}));
    // Maps answer GeoJSON (RFC 7946), which has its own standard.
    all.insert(
        "FeatureCollection".into(),
        json!({"type": "object", "required": ["type", "features"], "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": {"type": "object", "required": ["type", "properties", "geometry"]}}
        }}),
    );
    Value::Object(all)
}
