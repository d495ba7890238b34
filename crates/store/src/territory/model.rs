//! Territory types: regions, units, service centers and grids.

use crate::prelude::*;

/// A region as stored and imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub parent_code: Option<String>,
    pub urban_rural: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
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

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct RegionPatch {
    #[schemars(
        length(min = 1, max = 60),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    pub name: Option<String>,
    /// `urban`, `rural`, or `auto` to drop a manual override.
    #[schemars(extend("enum" = ["urban", "rural", "auto"]))]
    pub urban_rural: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Unit {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct ServiceCenter {
    #[schemars(with = "crate::IdOut")]
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
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct GridInput {
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::grid::CODE_OR_BLANK_PATTERN))]
    pub code: String,
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 60),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    pub name: String,
    #[serde(default)]
    #[schemars(length(max = 30), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub worker_name: String,
    #[serde(default)]
    #[schemars(pattern(tongchou_domain::error::PHONE_PATTERN))]
    pub worker_phone: String,
    #[serde(default)]
    #[schemars(length(max = 30), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub leader_name: String,
    #[serde(default)]
    #[schemars(schema_with = "crate::territory::geojson_schema")]
    pub geojson: Option<serde_json::Value>,
    #[schemars(range(min = -90.0, max = 90.0))]
    pub centroid_lat: Option<f64>,
    #[schemars(range(min = -180.0, max = 180.0))]
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
    /// The boundary, checked; stored in `shapes` like an imported one.
    pub geojson: Option<tongchou_domain::shape::Shape>,
    pub centroid_lat: Option<f64>,
    pub centroid_lng: Option<f64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
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

impl NewGrid {
    pub fn validate(i: &GridInput) -> Result<NewGrid, Invalid> {
        let (code, village) = grid::parse_code("code", &i.code)?;
        let geojson = match &i.geojson {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(tongchou_domain::shape::parse_geometry("geojson", v)?),
        };
        let centre = geojson.as_ref().map(|s| s.centre());
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
            centroid_lat: coord("centroid_lat", i.centroid_lat, 90.0)?.or(centre.map(|c| c.0)),
            centroid_lng: coord("centroid_lng", i.centroid_lng, 180.0)?.or(centre.map(|c| c.1)),
        })
    }
}
