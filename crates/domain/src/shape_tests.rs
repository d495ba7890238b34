use super::*;
use serde_json::json;

fn square(x: f64, y: f64, side: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]]})
}

#[test]
fn a_point_inside_a_square_is_inside_and_one_outside_is_not() {
    let s = parse_geometry("g", &square(119.0, 34.0, 0.1)).unwrap();
    assert!(s.contains(119.05, 34.05));
    assert!(!s.contains(119.2, 34.05));
    assert!(!s.contains(119.05, 33.99));
    assert_eq!(s.bbox, [119.0, 34.0, 119.1, 34.1]);
    let (lat, lng) = s.centre();
    assert!((lat - 34.05).abs() < 1e-9 && (lng - 119.05).abs() < 1e-9);
}

#[test]
fn a_hole_is_outside_and_a_concave_notch_is_outside() {
    let holed = json!({"type": "Polygon", "coordinates": [
        [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]],
        [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]]
    ]});
    let s = parse_geometry("g", &holed).unwrap();
    assert!(s.contains(1.0, 1.0));
    assert!(!s.contains(5.0, 5.0));
    // A U shape: the notch lies inside the bounding box but outside the polygon.
    let u = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [3.0, 0.0], [3.0, 3.0], [2.0, 3.0],
        [2.0, 1.0], [1.0, 1.0], [1.0, 3.0], [0.0, 3.0], [0.0, 0.0]]]});
    let s = parse_geometry("g", &u).unwrap();
    assert!(!s.contains(1.5, 2.0));
    assert!(s.contains(0.5, 2.0) && s.contains(2.5, 2.0));
}

#[test]
fn a_multipolygon_holds_both_parts_and_a_feature_is_unwrapped() {
    let a = square(0.0, 0.0, 1.0)["coordinates"].clone();
    let b = square(5.0, 5.0, 1.0)["coordinates"].clone();
    let m = json!({"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [a, b]}});
    let s = parse_geometry("g", &m).unwrap();
    assert!(s.contains(0.5, 0.5) && s.contains(5.5, 5.5) && !s.contains(3.0, 3.0));
    assert!(s.to_geojson().starts_with(r#"{"type":"MultiPolygon""#));
    let again = parse_geometry("g", &serde_json::from_str(&s.to_geojson()).unwrap()).unwrap();
    assert_eq!(again.bbox, s.bbox);
}

fn fault(v: Value) -> Invalid {
    parse_geometry("features[2].geometry", &v).unwrap_err()
}

#[test]
fn each_fault_names_its_place_and_reason() {
    let e = fault(json!({"type": "Point", "coordinates": [1, 2]}));
    assert_eq!(
        (e.field.as_str(), e.code),
        ("features[2].geometry.type", "invalid_geometry")
    );
    let e = fault(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}));
    assert_eq!(
        (e.field.as_str(), e.code),
        ("features[2].geometry.coordinates[0]", "ring_not_closed")
    );
    let e = fault(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}));
    assert_eq!(e.code, "too_short");
    let e = fault(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], ["a", 1], [0, 0]]]}));
    assert_eq!(
        (e.field.as_str(), e.code),
        ("features[2].geometry.coordinates[0][2]", "not_a_position")
    );
    // Latitude first is the commonest mistake: 119 is no latitude.
    let e = fault(
        json!({"type": "Polygon", "coordinates": [[[34, 119], [34.1, 119], [34.1, 119.1], [34, 119]]]}),
    );
    assert_eq!(
        (e.field.as_str(), e.code),
        ("features[2].geometry.coordinates[0][0]", "out_of_range")
    );
    assert!(e.en.contains("[lng, lat]"));
    let e = fault(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}));
    assert_eq!(e.code, "zero_area");
    // An edge dips below the base and crosses it.
    let e = fault(
        json!({"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [1, -1], [0, 2], [0, 0]]]}),
    );
    assert_eq!(
        (e.field.as_str(), e.code),
        ("features[2].geometry", "invalid_polygon")
    );
    let e = fault(json!({"type": "Polygon"}));
    assert_eq!(
        (e.field.as_str(), e.code),
        ("features[2].geometry.coordinates", "not_array")
    );
}

#[test]
fn overlapping_parts_are_refused_because_a_point_would_have_two_owners() {
    let a = square(0.0, 0.0, 2.0)["coordinates"].clone();
    let b = square(1.0, 1.0, 2.0)["coordinates"].clone();
    let e = fault(json!({"type": "MultiPolygon", "coordinates": [a, b]}));
    assert_eq!(e.code, "invalid_polygon");
}

#[test]
fn too_many_vertices_is_refused_before_any_work() {
    let n = MAX_VERTICES + 10;
    let mut ring: Vec<Value> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            json!([a.cos(), a.sin()])
        })
        .collect();
    ring.push(ring[0].clone());
    let e = fault(json!({"type": "Polygon", "coordinates": [ring]}));
    assert_eq!(e.code, "too_many_vertices");
}

#[test]
fn a_point_is_checked_by_field() {
    assert!(check_point(34.6, 119.2).is_ok());
    assert_eq!(check_point(91.0, 0.0).unwrap_err().field, "lat");
    assert_eq!(check_point(0.0, f64::NAN).unwrap_err().field, "lng");
}
