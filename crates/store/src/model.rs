//! Rows and inputs of the storage layer, and the validation that turns raw input into them.

use serde::{Deserialize, Serialize};
use tongchou_domain::error::{optional_text, phone, required_text};
use tongchou_domain::{Invalid, RegionCode, Role, Scope, UrbanRural, grid, idcard};

/// Ids are 62-bit integers, beyond JavaScript's exact range: JSON carries them as strings and
/// accepts either form on input.
pub mod id_str {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        N(i64),
        S(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Either::deserialize(d)? {
            Either::N(n) => Ok(n),
            Either::S(s) => s
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("not an id: {s:?}"))),
        }
    }

    pub mod opt {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.collect_str(v),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
            #[derive(Deserialize)]
            struct W(#[serde(with = "super")] i64);
            Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// Who is asking, and which part of the territory they may see.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    /// The unit a handler account works for.
    pub unit_id: Option<i64>,
}

impl Ctx {
    /// The command line and the demo loader act as the system, over everything.
    pub fn system() -> Ctx {
        Ctx {
            user_id: None,
            username: "system".into(),
            role: Role::Admin,
            scope: Scope::all(),
            unit_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageReq {
    pub page: u32,
    pub page_size: u32,
}

impl PageReq {
    pub const MAX_SIZE: u32 = 200;
    pub fn new(page: Option<u32>, page_size: Option<u32>) -> PageReq {
        PageReq {
            page: page.unwrap_or(1).max(1),
            page_size: page_size.unwrap_or(20).clamp(1, Self::MAX_SIZE),
        }
    }
    /// A page of up to `max` rows (Open311 lists default to and allow 1,000).
    pub fn up_to(page: Option<u32>, page_size: Option<u32>, max: u32) -> PageReq {
        PageReq {
            page: page.unwrap_or(1).max(1),
            page_size: page_size.unwrap_or(max).clamp(1, max),
        }
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }
    /// One more than the page size: the extra row tells whether there is a next page.
    pub fn limit_plus_one(&self) -> i64 {
        i64::from(self.page_size) + 1
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

impl<T> Page<T> {
    pub fn from_rows(mut rows: Vec<T>, req: PageReq) -> Page<T> {
        let has_more = rows.len() > req.page_size as usize;
        rows.truncate(req.page_size as usize);
        Page {
            items: rows,
            page: req.page,
            page_size: req.page_size,
            has_more,
        }
    }
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            page_size: self.page_size,
            has_more: self.has_more,
        }
    }
}

/// A region as stored and imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub parent_code: Option<String>,
    pub urban_rural: Option<&'static str>,
}

impl RegionRow {
    pub fn new(code: &RegionCode, name: &str) -> RegionRow {
        RegionRow {
            code: code.as_str().to_string(),
            name: name.to_string(),
            level: code.level().as_str(),
            parent_code: code.parent().map(|p| p.as_str().to_string()),
            urban_rural: UrbanRural::classify(code, name).map(UrbanRural::as_str),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub urban_rural: Option<String>,
    pub ur_override: bool,
    /// Child regions, or grids for a village.
    pub child_count: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegionPatch {
    pub name: Option<String>,
    /// `urban`, `rural`, or `auto` to drop a manual override.
    pub urban_rural: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Unit {
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ServiceCenter {
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub level: String,
    pub has_org: bool,
    pub has_staff: bool,
    pub has_funds: bool,
    pub has_venue: bool,
    pub has_rules: bool,
    pub has_work: bool,
}

/// Raw grid input from the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GridInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub worker_name: String,
    #[serde(default)]
    pub worker_phone: String,
    #[serde(default)]
    pub leader_name: String,
    pub geojson: Option<serde_json::Value>,
    pub centroid_lat: Option<f64>,
    pub centroid_lng: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct NewGrid {
    pub code: String,
    pub region_code: String,
    pub name: String,
    pub worker_name: Option<String>,
    pub worker_phone: Option<String>,
    pub leader_name: Option<String>,
    pub geojson: Option<String>,
    pub centroid_lat: Option<f64>,
    pub centroid_lng: Option<f64>,
}

impl NewGrid {
    pub fn validate(i: &GridInput) -> Result<NewGrid, Invalid> {
        let (code, village) = grid::parse_code("code", &i.code)?;
        let geojson = match &i.geojson {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => {
                let t = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
                if !matches!(t, "Polygon" | "MultiPolygon" | "Feature") {
                    return Err(Invalid::new(
                        "geojson",
                        "invalid_geojson",
                        "必须是 GeoJSON Polygon、MultiPolygon 或 Feature",
                        "must be a GeoJSON Polygon, MultiPolygon or Feature",
                    ));
                }
                Some(v.to_string())
            }
        };
        let coord = |field: &str, v: Option<f64>, max: f64| match v {
            Some(x) if !(x.is_finite() && x.abs() <= max) => Err(Invalid::new(
                field,
                "out_of_range",
                format!("必须在 -{max} 到 {max} 之间"),
                format!("must be between -{max} and {max}"),
            )),
            _ => Ok(v),
        };
        Ok(NewGrid {
            code,
            region_code: village.as_str().to_string(),
            name: required_text("name", &i.name, 60)?,
            worker_name: optional_text("worker_name", &i.worker_name, 30)?,
            worker_phone: phone("worker_phone", &i.worker_phone)?,
            leader_name: optional_text("leader_name", &i.leader_name, 30)?,
            geojson,
            centroid_lat: coord("centroid_lat", i.centroid_lat, 90.0)?,
            centroid_lng: coord("centroid_lng", i.centroid_lng, 180.0)?,
        })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Grid {
    pub code: String,
    pub region_code: String,
    pub name: String,
    pub worker_name: Option<String>,
    pub worker_phone: Option<String>,
    pub leader_name: Option<String>,
    pub geojson: Option<String>,
    pub centroid_lat: Option<f64>,
    pub centroid_lng: Option<f64>,
    pub household_count: i64,
    pub person_count: i64,
    pub urban_rural: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdInput {
    #[serde(default)]
    pub grid_code: String,
    #[serde(default)]
    pub address: String,
    /// Absent on an update: keep the stored phone (which the editor only sees masked).
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub grid_code: String,
    pub address: String,
    pub phone: Option<String>,
    /// On an update, leave the stored phone as it is.
    pub keep_phone: bool,
}

impl NewHousehold {
    pub fn validate(i: &HouseholdInput) -> Result<NewHousehold, Invalid> {
        let (grid_code, _) = grid::parse_code("grid_code", &i.grid_code)?;
        Ok(NewHousehold {
            grid_code,
            address: required_text("address", &i.address, 120)?,
            phone: phone("phone", i.phone.as_deref().unwrap_or(""))?,
            keep_phone: i.phone.is_none(),
        })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Household {
    #[serde(with = "id_str")]
    pub id: i64,
    pub county_code: String,
    pub region_code: String,
    pub grid_code: String,
    pub address: String,
    pub phone: Option<String>,
    pub member_count: i64,
    pub head_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdFilter {
    pub grid: Option<String>,
    pub region: Option<String>,
}

pub const RESIDENCE_TYPES: [&str; 3] = ["registered", "resident", "floating"];
pub const TAGS: [&str; 8] = [
    "60+",
    "disability",
    "dibao",
    "wubao",
    "left_behind_child",
    "empty_nest",
    "needy_member",
    "veteran",
];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonInput {
    #[serde(default, with = "id_str::opt")]
    pub household_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub residence_type: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Zero when the household is given some other way (an import row's grid and address).
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub phone: Option<String>,
    pub relation: String,
    pub residence_type: String,
    pub tags: String,
}

impl NewPerson {
    /// `today` is `YYYYMMDD`.
    pub fn validate(i: &PersonInput, today: &str) -> Result<NewPerson, Invalid> {
        let name = required_text("name", &i.name, 30)?;
        let id = idcard::parse("id_number", &i.id_number, today)?;
        let rt = if i.residence_type.trim().is_empty() {
            "registered"
        } else {
            i.residence_type.trim()
        };
        if !RESIDENCE_TYPES.contains(&rt) {
            return Err(Invalid::new(
                "residence_type",
                "invalid_value",
                "必须是 registered（户籍）、resident（常住）或 floating（流动）",
                "must be registered, resident or floating",
            ));
        }
        for t in &i.tags {
            if !TAGS.contains(&t.as_str()) {
                return Err(Invalid::new(
                    "tags",
                    "invalid_value",
                    format!("未知标签 {t}"),
                    format!("unknown tag {t}; allowed: {}", TAGS.join(", ")),
                ));
            }
        }
        Ok(NewPerson {
            household_id: i.household_id.unwrap_or(0),
            name,
            id_number: id.number,
            birth_date: id.birth_date,
            sex: id.sex.as_str(),
            phone: phone("phone", &i.phone)?,
            relation: optional_text("relation", &i.relation, 20)?.unwrap_or_default(),
            residence_type: rt.to_string(),
            tags: i.tags.join(","),
        })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Person {
    #[serde(with = "id_str")]
    pub id: i64,
    pub county_code: String,
    #[serde(with = "id_str")]
    pub household_id: i64,
    pub region_code: String,
    pub grid_code: String,
    pub name: String,
    pub id_number: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: Option<String>,
    pub relation: String,
    pub residence_type: String,
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonFilter {
    /// A name fragment.
    pub q: Option<String>,
    pub id_number: Option<String>,
    pub household: Option<i64>,
    pub grid: Option<String>,
    pub region: Option<String>,
}

/// One row of a registry import: a person with the household they live in.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub row: usize,
    pub household: NewHousehold,
    pub person: Option<NewPerson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope_code: String,
    pub grid_code: Option<String>,
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    #[serde(with = "id_str")]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub scope_code: String,
    pub grid_code: Option<String>,
    pub failed_logins: i32,
    pub locked_until: i64,
    pub disabled: bool,
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An Open311 client's key (the key itself is never stored).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiKey {
    #[serde(with = "id_str")]
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub key_hash: String,
    pub scope_code: String,
    pub created_at: i64,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    #[serde(with = "id_str")]
    pub id: i64,
    pub at: i64,
    #[serde(with = "id_str::opt")]
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ImportCounts {
    pub households_created: u64,
    pub persons_created: u64,
    pub persons_updated: u64,
}
