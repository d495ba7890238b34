//! Boundaries of regions and grids: a GeoJSON polygon read with an error that names the exact
//! place of the fault, and the point-in-polygon test that finds the grid for a coordinate.
//!
//! Coordinates are `[lng, lat]` in WGS-84 degrees, as GeoJSON has them.

use geo::{
    Area, BoundingRect, Centroid, Contains, Coord, LineString, MultiPolygon, Point, Polygon,
};
use serde_json::Value;

use crate::error::Invalid;

/// The most vertices one boundary may have: a township drawn at 10 m has a few thousand.
pub const MAX_VERTICES: usize = 50_000;

/// A checked boundary with its bounding box (`[min_lng, min_lat, max_lng, max_lat]`).
#[derive(Debug, Clone)]
pub struct Shape {
    pub area: MultiPolygon<f64>,
    pub bbox: [f64; 4],
}

impl Shape {
    /// Whether a point (`lng`, `lat`) lies inside (a point on the edge counts as outside).
    pub fn contains(&self, lng: f64, lat: f64) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        if !(x0..=x1).contains(&lng) || !(y0..=y1).contains(&lat) {
            return false;
        }
        self.area.contains(&Point::new(lng, lat))
    }

    /// The centre of mass, for a label or the "nearest grid" fallback: `(lat, lng)`.
    pub fn centre(&self) -> (f64, f64) {
        let c = self.area.centroid().unwrap_or(Point::new(
            (self.bbox[0] + self.bbox[2]) / 2.0,
            (self.bbox[1] + self.bbox[3]) / 2.0,
        ));
        (c.y(), c.x())
    }

    /// The geometry as compact GeoJSON (a Polygon when there is one part).
    pub fn to_geojson(&self) -> String {
        let ring = |r: &LineString<f64>| {
            Value::Array(
                r.0.iter()
                    .map(|c| serde_json::json!([round(c.x), round(c.y)]))
                    .collect(),
            )
        };
        let poly = |p: &Polygon<f64>| {
            let mut rings = vec![ring(p.exterior())];
            rings.extend(p.interiors().iter().map(ring));
            Value::Array(rings)
        };
        let v = match self.area.0.as_slice() {
            [one] => serde_json::json!({"type": "Polygon", "coordinates": poly(one)}),
            many => serde_json::json!({
                "type": "MultiPolygon",
                "coordinates": many.iter().map(poly).collect::<Vec<_>>(),
            }),
        };
        v.to_string()
    }
}

/// Seven decimals are about a centimetre: more is noise that only makes the document larger.
fn round(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

fn bad(path: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new(path, code, zh, en)
}

/// Reads and checks a GeoJSON Polygon or MultiPolygon (or a Feature holding one) from outside.
/// `path` names where the value sits in the caller's document, e.g. `features[3].geometry`, so an
/// error can say exactly which ring or position is wrong.
pub fn parse_geometry(path: &str, v: &Value) -> Result<Shape, Invalid> {
    let shape = read_geometry(path, v)?;
    // Self-crossing edges and overlapping parts make "which grid holds this point" ambiguous.
    use geo::algorithm::Validation;
    if let Err(e) = shape.area.check_validation() {
        let path = if v.get("type").and_then(Value::as_str) == Some("Feature") {
            format!("{path}.geometry")
        } else {
            path.to_string()
        };
        return Err(bad(
            &path,
            "invalid_polygon",
            "多边形无效：边相交、环重叠或面积为零",
            format!("invalid polygon: {e}"),
        ));
    }
    Ok(shape)
}

/// Reads the structure only (types, rings, positions, ranges): for boundaries that were checked
/// when they were stored, where the full check would cost every lookup its time.
pub fn read_geometry(path: &str, v: &Value) -> Result<Shape, Invalid> {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "Feature" {
        let g = v.get("geometry").unwrap_or(&Value::Null);
        return read_geometry(&format!("{path}.geometry"), g);
    }
    let coords = v.get("coordinates").unwrap_or(&Value::Null);
    let cpath = format!("{path}.coordinates");
    let mut budget = MAX_VERTICES;
    let polygons = match kind {
        "Polygon" => vec![polygon(&cpath, coords, &mut budget)?],
        "MultiPolygon" => {
            let parts = array(&cpath, coords, 1)?;
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(&format!("{cpath}[{i}]"), p, &mut budget))
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => {
            return Err(bad(
                &format!("{path}.type"),
                "invalid_geometry",
                "必须是 Polygon 或 MultiPolygon",
                "must be Polygon or MultiPolygon",
            ));
        }
    };
    let area = MultiPolygon(polygons);
    let rect = area
        .bounding_rect()
        .ok_or_else(|| bad(&cpath, "invalid_geometry", "没有坐标", "has no coordinates"))?;
    Ok(Shape {
        bbox: [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
        area,
    })
}

fn array<'v>(path: &str, v: &'v Value, min: usize) -> Result<&'v Vec<Value>, Invalid> {
    match v.as_array() {
        Some(a) if a.len() >= min => Ok(a),
        Some(_) => Err(bad(
            path,
            "too_short",
            format!("至少要有 {min} 项"),
            format!("needs at least {min} items"),
        )),
        None => Err(bad(path, "not_array", "必须是数组", "must be an array")),
    }
}

fn polygon(path: &str, v: &Value, budget: &mut usize) -> Result<Polygon<f64>, Invalid> {
    let rings = array(path, v, 1)?;
    let mut out = Vec::with_capacity(rings.len());
    for (i, r) in rings.iter().enumerate() {
        out.push(ring(&format!("{path}[{i}]"), r, budget)?);
    }
    let exterior = out.remove(0);
    let p = Polygon::new(exterior, out);
    if p.unsigned_area() <= 0.0 {
        return Err(bad(path, "zero_area", "面积为零", "has zero area"));
    }
    Ok(p)
}

fn ring(path: &str, v: &Value, budget: &mut usize) -> Result<LineString<f64>, Invalid> {
    let positions = array(path, v, 4)?;
    if positions.len() > *budget {
        return Err(bad(
            path,
            "too_many_vertices",
            format!("一个边界最多 {MAX_VERTICES} 个顶点，请先简化"),
            format!("a boundary may have at most {MAX_VERTICES} vertices: simplify it first"),
        ));
    }
    *budget -= positions.len();
    let mut coords = Vec::with_capacity(positions.len());
    for (i, p) in positions.iter().enumerate() {
        coords.push(position(&format!("{path}[{i}]"), p)?);
    }
    if coords.first() != coords.last() {
        return Err(bad(
            path,
            "ring_not_closed",
            "环的首尾坐标必须相同",
            "a ring's first and last positions must be the same",
        ));
    }
    Ok(LineString(coords))
}

fn position(path: &str, v: &Value) -> Result<Coord<f64>, Invalid> {
    let p = array(path, v, 2)?;
    let num = |i: usize| p.get(i).and_then(Value::as_f64).filter(|x| x.is_finite());
    let (Some(lng), Some(lat)) = (num(0), num(1)) else {
        return Err(bad(
            path,
            "not_a_position",
            "必须是 [经度, 纬度] 两个数",
            "must be two numbers, [longitude, latitude]",
        ));
    };
    if p.len() > 3 {
        return Err(bad(
            path,
            "not_a_position",
            "坐标最多三个数",
            "a position has at most three numbers",
        ));
    }
    if lng.abs() > 180.0 || lat.abs() > 90.0 {
        return Err(bad(
            path,
            "out_of_range",
            "经度须在 -180 到 180、纬度须在 -90 到 90 之间（顺序是 [经度, 纬度]）",
            "longitude must be within ±180 and latitude within ±90 (the order is [lng, lat])",
        ));
    }
    Ok(Coord { x: lng, y: lat })
}

/// Checks a coordinate given by a person or a phone.
pub fn check_point(lat: f64, lng: f64) -> Result<(), Invalid> {
    if !(lat.is_finite() && lat.abs() <= 90.0) {
        return Err(bad(
            "lat",
            "out_of_range",
            "必须在 -90 到 90 之间",
            "must be between -90 and 90",
        ));
    }
    if !(lng.is_finite() && lng.abs() <= 180.0) {
        return Err(bad(
            "lng",
            "out_of_range",
            "必须在 -180 到 180 之间",
            "must be between -180 and 180",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "shape_tests.rs"]
mod tests;
