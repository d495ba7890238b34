//! Maps: the GeoJSON import of boundaries, a region's or grid's map, the households on a grid's
//! map, and "which grid holds this point" for staff and the public form.

use crate::auth::Auth;
use crate::cases::public::{Public, public_ctx};
use crate::error::ApiResult;
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongchou_domain::error::Msg;
use tongchou_domain::{Invalid, Permission, shape};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/shapes/import", post(import_shapes))
        .route("/api/v1/map/{code}", get(map_of))
        .route("/api/v1/map/{code}/households", get(map_households))
        .route("/api/v1/locate", get(locate))
        .route("/api/v1/public/locate", get(public_locate))
        .route("/api/v1/public/map-config", get(map_config))
        .route("/api/v1/public/map", get(public_map))
}

/// The maps' base layer, from `tongchou serve --tile-url`.
#[derive(Debug, Clone, Default, serde::Serialize, schemars::JsonSchema)]
pub struct MapConfig {
    /// A tile URL template (`{z}`, `{x}`, `{y}`, optionally `{s}`), or none: boundaries are then
    /// drawn on a plain background.
    pub tile_url: Option<String>,
    pub attribution: String,
    /// The letters or digits `{s}` stands for.
    pub subdomains: String,
    /// What the Content-Security-Policy allows images from, derived from the template.
    #[serde(skip)]
    pub tile_origin: Option<String>,
}

impl MapConfig {
    /// Checks a tile URL template and finds its origin (`{s}` in the host becomes a wildcard).
    pub fn with_tiles(url: &str, attribution: &str, subdomains: &str) -> Result<MapConfig, String> {
        let rest = url
            .strip_prefix("https://")
            .map(|r| ("https://", r))
            .or_else(|| url.strip_prefix("http://").map(|r| ("http://", r)));
        let Some((scheme, rest)) = rest else {
            return Err("must start with https:// or http://".into());
        };
        if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
            return Err("must hold {z}, {x} and {y}".into());
        }
        let host = rest.split('/').next().unwrap_or("");
        let host = if let Some((first, tail)) = host.split_once('.')
            && first.contains("{s}")
        {
            format!("*.{tail}")
        } else {
            host.to_string()
        };
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*');
        if host.is_empty()
            || !host.chars().all(plain)
            || url.chars().any(|c| c.is_whitespace() || c == ';')
        {
            return Err(format!("the host {host:?} is not a plain host name"));
        }
        Ok(MapConfig {
            tile_url: Some(url.to_string()),
            attribution: attribution.to_string(),
            subdomains: if subdomains.is_empty() {
                "abc".into()
            } else {
                subdomains.to_string()
            },
            tile_origin: Some(format!("{scheme}{host}")),
        })
    }
}

/// The base layer the maps use (public: the report form has a map too).
async fn map_config(State(s): State<AppState>, _p: Public) -> Json<MapConfig> {
    Json(s.config.map.clone())
}

/// A GeoJSON FeatureCollection whose features carry `properties.code`: a region's 12-digit or
/// a grid's 15-digit code.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct ShapesIn {
    #[serde(rename = "type", default)]
    #[schemars(extend("enum" = ["FeatureCollection"]))]
    kind: String,
    #[serde(default)]
    #[schemars(extend("items" = {"type": "object"}))]
    features: Vec<Value>,
}

/// The most features one import takes: a county's villages and grids fit many times over.
const MAX_FEATURES: usize = 20_000;

/// Checks every feature, reports every fault in one answer (each by its feature number and
/// path), and writes nothing unless all are good.
async fn import_shapes(
    State(s): State<AppState>,
    a: Auth,
    JsonBody(b): JsonBody<ShapesIn>,
) -> ApiResult<Json<ShapeImport>> {
    a.require(Permission::WriteTerritory)?;
    if b.kind != "FeatureCollection" {
        return Err(Invalid::new(
            "type",
            "invalid_value",
            "必须是 FeatureCollection",
            "must be FeatureCollection",
        )
        .into());
    }
    if b.features.is_empty() || b.features.len() > MAX_FEATURES {
        return Err(Invalid::new(
            "features",
            "out_of_range",
            format!("须有 1 到 {MAX_FEATURES} 个要素"),
            format!("must hold 1 to {MAX_FEATURES} features"),
        )
        .into());
    }
    let mut items = Vec::with_capacity(b.features.len());
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, f) in b.features.iter().enumerate() {
        let fault = |e: Invalid| RowError {
            row: i + 1,
            column: e.field.clone(),
            reason: Msg::new(e.zh, e.en),
        };
        let code = match feature_code(i, f) {
            Ok(c) => c,
            Err(e) => {
                errors.push(fault(e));
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            errors.push(fault(Invalid::new(
                format!("features[{i}].properties.code"),
                "duplicate",
                format!("{code} 在文件中出现了不止一次"),
                format!("{code} appears more than once in the file"),
            )));
            continue;
        }
        let g = f.get("geometry").unwrap_or(&Value::Null);
        match shape::parse_geometry(&format!("features[{i}].geometry"), g) {
            Ok(shape) => items.push(ShapeIn { code, shape }),
            Err(e) => errors.push(fault(e)),
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Rows(errors).into());
    }
    Ok(Json(s.store.import_shapes(&a.ctx, &items, false).await?))
}

fn feature_code(i: usize, f: &Value) -> Result<String, Invalid> {
    let field = format!("features[{i}].properties.code");
    let code = match f.get("properties").and_then(|p| p.get("code")) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if !matches!(code.len(), 12 | 15) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            field,
            "invalid_code",
            "须是 12 位区划代码或 15 位网格代码",
            "must be a 12-digit region code or a 15-digit grid code",
        ));
    }
    Ok(code)
}

/// A region's or grid's boundary and its children's, as a GeoJSON FeatureCollection: each
/// feature's properties are `code`, `name`, `level` and `generated`.
async fn map_of(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    a.require(Permission::ReadRegistry)?;
    let shapes = s.store.map_of(&a.ctx, &code).await?;
    Ok(Json(feature_collection(shapes)))
}

fn feature_collection(shapes: Vec<MapShape>) -> Value {
    let features: Vec<Value> = shapes
        .into_iter()
        .map(|m| {
            let geometry: Value = serde_json::from_str(&m.geometry).unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "properties": {"code": m.code, "name": m.name, "level": m.level, "generated": m.generated},
                "geometry": geometry,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// County and township boundaries for the public report form's map (public data).
async fn public_map(State(s): State<AppState>, _p: Public) -> ApiResult<Json<Value>> {
    Ok(Json(feature_collection(s.store.outlines(4).await?)))
}

/// The households of a grid that have a position (at most 2,000): address and position only.
async fn map_households(
    State(s): State<AppState>,
    a: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Items<HouseholdPin>>> {
    a.require(Permission::ReadRegistry)?;
    Ok(items(s.store.household_pins(&a.ctx, &code, 2000).await?))
}

#[derive(Deserialize)]
struct PointQ {
    lat: Option<f64>,
    lng: Option<f64>,
}

fn point(q: &PointQ) -> Result<(f64, f64), Invalid> {
    let need = |field: &str, v: Option<f64>| {
        v.ok_or_else(|| Invalid::new(field, "required", "必填", "is required"))
    };
    let (lat, lng) = (need("lat", q.lat)?, need("lng", q.lng)?);
    shape::check_point(lat, lng)?;
    Ok((lat, lng))
}

/// The grid and regions of the caller's scope that hold a point.
async fn locate(State(s): State<AppState>, a: Auth, Q(q): Q<PointQ>) -> ApiResult<Json<Located>> {
    let (lat, lng) = point(&q)?;
    Ok(Json(s.store.locate(&a.ctx, lat, lng).await?))
}

/// The same for the public report form: names and codes of territory are public.
async fn public_locate(
    State(s): State<AppState>,
    _p: Public,
    Q(q): Q<PointQ>,
) -> ApiResult<Json<Located>> {
    let (lat, lng) = point(&q)?;
    Ok(Json(s.store.locate(&public_ctx(), lat, lng).await?))
}

/// A case given a position and no place: the grid (or, failing one, the deepest region) whose
/// boundary holds the position, within `ctx`'s scope. Left as it is when nothing holds it.
pub async fn place_case_by_point(s: &AppState, ctx: &Ctx, b: &mut CaseInput) -> ApiResult<()> {
    let (Some(lat), Some(lng)) = (b.lat, b.lng) else {
        return Ok(());
    };
    if !b.region_code.is_empty() || !b.grid_code.is_empty() || shape::check_point(lat, lng).is_err()
    {
        return Ok(());
    }
    let found = s.store.locate(ctx, lat, lng).await?;
    if let Some(g) = &found.grid {
        b.grid_code = g.code.clone();
    } else if let Some(r) = found.region() {
        b.region_code = r.code.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MapConfig;

    #[test]
    fn a_tile_template_is_checked_and_gives_the_origin_the_csp_allows() {
        let c = MapConfig::with_tiles(
            "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY",
            "天地图",
            "01234567",
        )
        .unwrap();
        assert_eq!(c.tile_origin.as_deref(), Some("https://*.tianditu.gov.cn"));
        assert_eq!(c.subdomains, "01234567");
        let own =
            MapConfig::with_tiles("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "", "").unwrap();
        assert_eq!(own.tile_origin.as_deref(), Some("http://10.1.2.3:8080"));
        assert_eq!(own.subdomains, "abc");
        for bad in [
            "ftp://tiles.example/{z}/{x}/{y}.png",
            "https://tiles.example/{z}/{x}.png",
            "https://tiles.example; script-src *;/{z}/{x}/{y}",
            "https://ti les.example/{z}/{x}/{y}",
        ] {
            assert!(MapConfig::with_tiles(bad, "", "").is_err(), "{bad}");
        }
    }
}
