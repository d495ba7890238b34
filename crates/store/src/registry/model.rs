//! Registry types: households, persons, import rows.

use crate::prelude::*;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct HouseholdInput {
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::grid::CODE_PATTERN))]
    pub grid_code: String,
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 120),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    pub address: String,
    /// Absent on an update: keep the stored phone (which the editor only sees masked).
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::error::PHONE_PATTERN))]
    pub phone: Option<String>,
    /// Where the household's door is (WGS-84), for the grid's map: both or neither. Absent on an
    /// update: keep the stored position.
    #[serde(default)]
    #[schemars(range(min = -90.0, max = 90.0))]
    pub lat: Option<f64>,
    #[serde(default)]
    #[schemars(range(min = -180.0, max = 180.0))]
    pub lng: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub grid_code: String,
    pub address: String,
    pub phone: Option<String>,
    /// On an update, leave the stored phone as it is.
    pub keep_phone: bool,
    /// `(lat, lng)`; `None` leaves a stored position as it is.
    pub position: Option<(f64, f64)>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Household {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub county_code: String,
    pub region_code: String,
    pub grid_code: String,
    pub address: String,
    pub phone: Option<String>,
    /// Where the house stands (WGS-84), when known: the grid worker's map.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
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

/// Each tag's Chinese label, as a county's own spreadsheets write it (import accepts either;
/// export with Chinese headers writes the label).
pub const TAG_LABELS: [(&str, &str); 8] = [
    ("60+", "60岁以上"),
    ("disability", "残疾"),
    ("dibao", "低保"),
    ("wubao", "五保"),
    ("left_behind_child", "留守儿童"),
    ("empty_nest", "空巢老人"),
    ("needy_member", "困难党员"),
    ("veteran", "退役军人"),
];

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct PersonInput {
    #[schemars(with = "Option<crate::IdIn>")]
    #[serde(default, with = "id_str::opt")]
    pub household_id: Option<i64>,
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 30),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    pub name: String,
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::idcard::PATTERN))]
    pub id_number: String,
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::error::PHONE_PATTERN))]
    pub phone: String,
    #[serde(default)]
    #[schemars(length(max = 20), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub relation: String,
    #[serde(default)]
    #[schemars(extend("enum" = ["", "registered", "resident", "floating"]))]
    pub residence_type: String,
    #[serde(default)]
    #[schemars(schema_with = "tags_schema")]
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

/// Where a household is, as people name it: its village, its grid and its address.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Place {
    pub village: String,
    pub grid: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    /// Why the row was refused (the API says it in the request's language).
    #[schemars(with = "String")]
    pub reason: tongchou_domain::error::Msg,
}

impl RowError {
    /// A row whose grid code names no grid in the importer's scope.
    pub fn unknown_grid(row: usize, column: impl Into<String>, code: &str) -> RowError {
        RowError {
            row,
            column: column.into(),
            reason: tongchou_domain::error::Msg::new(
                format!("网格 {code} 不存在或不在您的管辖范围内"),
                format!("grid {code} does not exist or is outside your scope"),
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, schemars::JsonSchema)]
pub struct ImportCounts {
    pub households_created: u64,
    pub persons_created: u64,
    pub persons_updated: u64,
}

fn both(missing: &str) -> Invalid {
    Invalid::new(
        missing,
        "required",
        "经纬度须同时填写",
        "latitude and longitude go together",
    )
}

impl NewHousehold {
    pub fn validate(i: &HouseholdInput) -> Result<NewHousehold, Invalid> {
        let (grid_code, _) = grid::parse_code("grid_code", &i.grid_code)?;
        Ok(NewHousehold {
            grid_code,
            address: required_text("address", &i.address, 120)?,
            phone: phone("phone", i.phone.as_deref().unwrap_or(""))?,
            keep_phone: i.phone.is_none(),
            position: match (i.lat, i.lng) {
                (Some(lat), Some(lng)) => {
                    tongchou_domain::shape::check_point(lat, lng)?;
                    Some((lat, lng))
                }
                (None, None) => None,
                (None, Some(_)) => return Err(both("lat")),
                (Some(_), None) => return Err(both("lng")),
            },
        })
    }
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

/// The schema of a person's tags: a list of known tags (`TAGS`).
fn tags_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": {"enum": TAGS}})
}
