//! Maps over HTTP: boundaries come in through a checked import that reports every fault by
//! feature and writes nothing on one; a point finds its grid for staff and for the public form;
//! a public report with only a position lands in the grid that holds it.

use crate::common::*;
use serde_json::{Value, json};

/// A point well inside the first grid of the demo's 白塔村, read from its own map.
fn inside_a_demo_grid(c: &Client) -> (String, f64, f64) {
    let map = c.get("/api/v1/map/320722101200").json();
    let grid = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["level"] == "grid")
        .unwrap_or_else(|| panic!("no grid on 白塔村's map: {map}"))
        .clone();
    assert_eq!(grid["properties"]["generated"], true);
    let ring = grid["geometry"]["coordinates"][0].as_array().unwrap();
    let mean = |k: usize| {
        ring[..ring.len() - 1]
            .iter()
            .map(|p| p[k].as_f64().unwrap())
            .sum::<f64>()
            / (ring.len() - 1) as f64
    };
    (
        grid["properties"]["code"].as_str().unwrap().into(),
        mean(1),
        mean(0),
    )
}

#[test]
fn a_point_finds_its_grid_for_staff_and_the_public() {
    let s = demo_server();
    let town = s.login("town_dispatcher"); // 白塔埠镇
    let (grid, lat, lng) = inside_a_demo_grid(&town);
    let at = town
        .get(&format!("/api/v1/locate?lat={lat}&lng={lng}"))
        .json();
    assert_eq!(at["grid"]["code"], grid.as_str(), "{at}");
    assert_eq!(
        at["regions"].as_array().unwrap().last().unwrap()["code"],
        "320722101200"
    );
    let public = s
        .client()
        .get(&format!("/api/v1/public/locate?lat={lat}&lng={lng}"))
        .json();
    assert_eq!(public["grid"]["code"], grid.as_str(), "{public}");
    assert_eq!(
        public["regions"][0]["name"], "江苏省",
        "the public sees the whole way down"
    );
    // 牛山街道's worker finds nothing of 白塔埠镇 at that point.
    let other = s.login("community_grid_worker");
    let none = other
        .get(&format!("/api/v1/locate?lat={lat}&lng={lng}"))
        .json();
    assert!(none["grid"].is_null(), "{none}");
    assert_eq!(other.get("/api/v1/map/320722101200").status, 404);
    // Bad points name their field.
    let c = s.client();
    assert_eq!(
        c.get("/api/v1/public/locate?lat=91&lng=118").json()["field"],
        "lat"
    );
    assert_eq!(c.get("/api/v1/public/locate?lat=34").json()["field"], "lng");
    assert_eq!(c.get("/api/v1/public/locate?lat=abc&lng=118").status, 400);
    // The households on a grid's map carry an address and a position, nothing personal.
    let pins = town.get(&format!("/api/v1/map/{grid}/households")).json();
    let pins = pins["items"].as_array().unwrap();
    assert!(pins.len() > 100, "{}", pins.len());
    let keys: Vec<&str> = pins[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "address", "lat", "lng"]);
}

#[test]
fn a_public_report_with_only_a_position_lands_in_the_grid_that_holds_it() {
    let s = demo_server();
    let town = s.login("town_dispatcher");
    let (grid, lat, lng) = inside_a_demo_grid(&town);
    let r = s.client().post(
        "/api/v1/public/cases",
        json!({"category_code": "0101", "description": "路灯不亮，在地图上标的位置", "lat": lat, "lng": lng}),
    );
    assert_eq!(r.status, 201, "{}", r.json());
    let number = r.json()["number"].as_str().unwrap().to_string();
    let found = town.get(&format!("/api/v1/cases?numbers={number}")).json();
    assert_eq!(found["items"][0]["grid_code"], grid.as_str(), "{found}");
    assert_eq!(found["items"][0]["region_code"], "320722101200");
}

fn square(x: f64, y: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]})
}

fn feature(code: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code}, "geometry": geometry})
}

#[test]
fn an_import_reports_every_bad_feature_and_writes_nothing() {
    let s = Server::start(temp_dir("shape-import"), true);
    let town = s.login("town_admin"); // 白塔埠镇
    let before = town.get("/api/v1/map/320722101200").json();
    let body = json!({"type": "FeatureCollection", "features": [
        feature(json!("320722101200"), square(118.5, 34.5, 0.01)),
        feature(json!("320722101200"), square(118.6, 34.5, 0.01)),
        feature(json!("3207"), square(118.5, 34.5, 0.01)),
        feature(json!("320722001001"), square(118.5, 34.5, 0.01)),
        feature(json!("320722101201"), json!({"type": "Polygon", "coordinates": [[[34.5, 118.5], [34.6, 118.5], [34.6, 118.6], [34.5, 118.5]]]})),
        feature(json!("320722101202"), json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})),
    ]});
    let r = town.post("/api/v1/shapes/import", body);
    assert_eq!(r.status, 422, "{}", r.json());
    let rows = r.json()["rows"].as_array().unwrap().clone();
    let at: Vec<(u64, &str)> = rows
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        at,
        [
            (2, "features[1].properties.code"),
            (3, "features[2].properties.code"),
            (5, "features[4].geometry.coordinates[0][0]"),
            (6, "features[5].geometry.type"),
        ],
        "{rows:?}"
    );
    assert_eq!(
        town.get("/api/v1/map/320722101200").json(),
        before,
        "nothing written"
    );
    // Good geometry, but a village of 牛山街道: refused by the store, again by feature.
    let r = town.post(
        "/api/v1/shapes/import",
        json!({"type": "FeatureCollection", "features": [
            feature(json!("320722101200"), square(118.5, 34.5, 0.01)),
            feature(json!("320722001001"), square(118.5, 34.5, 0.01)),
        ]}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["rows"][0]["column"], "features[1].properties.code");
    assert_eq!(
        town.get("/api/v1/map/320722101200").json(),
        before,
        "nothing written"
    );
    // English callers read English reasons.
    let r = town.send_with(
        "POST",
        "/api/v1/shapes/import",
        Some(("application/json", json!({"type": "FeatureCollection", "features": [feature(json!(1), square(0.0, 0.0, 1.0))]}).to_string().into_bytes())),
        &[("accept-language", "en")],
    );
    assert!(
        r.json()["rows"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("12-digit"),
        "{}",
        r.json()
    );
    // A wrong document type and a grid worker are refused.
    assert_eq!(
        town.post("/api/v1/shapes/import", json!({"type": "Feature"}))
            .json()["field"],
        "type"
    );
    let gw = s.login("village_grid_worker");
    assert_eq!(
        gw.post(
            "/api/v1/shapes/import",
            json!({"type": "FeatureCollection", "features": []})
        )
        .status,
        403
    );
    // The good one alone goes in and replaces the generated boundary.
    let r = town.post(
        "/api/v1/shapes/import",
        json!({"type": "FeatureCollection", "features": [feature(json!("320722101200"), square(118.5, 34.5, 0.01))]}),
    );
    assert_eq!(r.json(), json!({"regions": 1, "grids": 0}));
    let map = town.get("/api/v1/map/320722101200").json();
    assert_eq!(map["features"][0]["properties"]["generated"], false);
    let at = town.get("/api/v1/locate?lat=34.505&lng=118.505").json();
    assert_eq!(
        at["regions"].as_array().unwrap().last().unwrap()["code"],
        "320722101200",
        "{at}"
    );
}

#[test]
fn a_tile_server_is_named_to_the_maps_and_allowed_in_the_csp() {
    let s = Server::start_with(
        temp_dir("tiles"),
        false,
        &[
            "--tile-url",
            "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY",
            "--tile-subdomains",
            "01234567",
        ],
    );
    let r = s.client().get("/api/v1/public/map-config");
    assert_eq!(r.json()["subdomains"], "01234567");
    assert!(r.json()["tile_url"].as_str().unwrap().contains("{z}"));
    let csp = r.header("content-security-policy").unwrap().to_string();
    assert!(
        csp.contains("img-src 'self' data: blob: https://*.tianditu.gov.cn;"),
        "{csp}"
    );
    // Without one, the maps draw on a plain background and the CSP stays as strict as before.
    let plain = demo_server().client().get("/api/v1/public/map-config");
    assert!(plain.json()["tile_url"].is_null());
    assert!(
        plain
            .header("content-security-policy")
            .unwrap()
            .contains("img-src 'self' data: blob:;")
    );
}

/// A household gets its door's position from the edit form or from an import's 纬度/经度
/// columns (both or neither, numbers in range), and then shows on its grid's map.
#[test]
fn a_household_is_placed_on_its_grid_by_an_edit_or_an_import() {
    let s = Server::start(temp_dir("maps-households"), true);
    let town = s.login("town_admin");
    let (grid, lat, lng) = inside_a_demo_grid(&town);
    let made = ok(&town.post(
        "/api/v1/households",
        json!({"grid_code": grid, "address": "地图测试1号"}),
    ));
    let id = made["id"].as_str().unwrap();
    assert!(made["lat"].is_null());
    let path = format!("/api/v1/households/{id}");
    let r = town.patch(
        &path,
        json!({"grid_code": grid, "address": "地图测试1号", "lat": lat}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("lng")),
        "{}",
        r.text()
    );
    let r = town.patch(
        &path,
        json!({"grid_code": grid, "address": "地图测试1号", "lat": 95.0, "lng": lng}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("lat")),
        "{}",
        r.text()
    );
    let placed = ok(&town.patch(
        &path,
        json!({"grid_code": grid, "address": "地图测试1号", "lat": lat, "lng": lng}),
    ));
    // Stored as a float: the same point to well under a millimetre.
    let near = |v: &Value, want: f64| v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9);
    assert!(
        near(&placed["lat"], lat) && near(&placed["lng"], lng),
        "{placed}"
    );
    // A point far from the county (latitude and longitude swapped) is refused, naming why.
    let r = town.patch(
        &path,
        json!({"grid_code": grid, "address": "地图测试1号", "lat": lng - 90.0, "lng": lat}),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (422, Some("outside_county")),
        "{}",
        r.text()
    );
    // An edit without a position keeps it.
    let kept = ok(&town.patch(&path, json!({"grid_code": grid, "address": "地图测试1号"})));
    assert!(near(&kept["lat"], lat), "{kept}");
    let pins = ok(&town.get(&format!("/api/v1/map/{grid}/households")));
    assert!(
        pins["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["address"] == "地图测试1号"),
        "{pins}"
    );

    // An import: a bad number is named by its column, and the file writes nothing.
    let import = |csv: String| {
        town.send(
            "POST",
            "/api/v1/import/households",
            Some(("text/csv", csv.into_bytes())),
        )
    };
    let r = import(format!(
        "网格代码,地址,纬度,经度\n{grid},地图测试2号,{lat},{lng}\n{grid},地图测试3号,北纬34度,{lng}\n"
    ));
    assert_eq!(r.status, 422, "{}", r.text());
    let rows = r.json()["rows"].clone();
    assert_eq!(
        (rows[0]["row"].as_u64(), rows[0]["column"].as_str()),
        (Some(3), Some("纬度")),
        "{rows}"
    );
    // One at the other end of the country: refused by row, nothing written.
    let r = import(format!(
        "网格代码,地址,纬度,经度\n{grid},地图测试2号,{lat},{lng}\n{grid},地图测试4号,45.75,126.63\n"
    ));
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        (
            r.json()["rows"][0]["row"].as_u64(),
            r.json()["rows"][0]["column"].as_str()
        ),
        (Some(3), Some("纬度")),
        "{}",
        r.text()
    );
    let r = import(format!(
        "网格代码,地址,纬度,经度\n{grid},地图测试2号,{lat},{lng}\n"
    ));
    assert_eq!(r.status, 200, "{}", r.text());
    let pins = ok(&town.get(&format!("/api/v1/map/{grid}/households")));
    let addresses: Vec<&str> = pins["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["address"].as_str())
        .collect();
    assert!(
        addresses.contains(&"地图测试2号") && !addresses.contains(&"地图测试3号"),
        "{addresses:?}"
    );
}
