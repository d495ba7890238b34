//! A resident taps the public form's map and the grid that holds the point is chosen: the map
//! says where, and the case filed lands in that grid.

use super::common::*;
use super::driver::{Driver, ELEMENT};
use serde_json::{Value, json};

/// The centre of the second grid of 白塔村 (`(code, name, lat, lng)`), from its map.
fn a_grid(s: &Server) -> (String, String, f64, f64) {
    let map = s
        .login("town_dispatcher")
        .get("/api/v1/map/320722101200")
        .json();
    let g = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["level"] == "grid")
        .nth(1)
        .unwrap_or_else(|| panic!("白塔村 has two grids: {map}"))
        .clone();
    let ring = g["geometry"]["coordinates"][0].as_array().unwrap().clone();
    let n = (ring.len() - 1) as f64;
    let mean = |k: usize| {
        ring[1..]
            .iter()
            .map(|p| p[k].as_f64().unwrap())
            .sum::<f64>()
            / n
    };
    let p = &g["properties"];
    (
        p["code"].as_str().unwrap().into(),
        p["name"].as_str().unwrap().into(),
        mean(1),
        mean(0),
    )
}

#[test]
fn a_resident_places_a_pin_and_the_right_grid_is_chosen() {
    let Some(d) = Driver::start() else { return };
    let s = demo_server();
    let (grid, name, lat, lng) = a_grid(s);

    d.goto(&format!("{}/#/report", s.base));
    d.wait_for("#r-map path.leaflet-interactive", "");
    // Bring the point into view, then tap it with a real pointer.
    let offset = d.cmd(
        "POST",
        "/execute/sync",
        json!({"script": "const el = document.querySelector('#r-map'); el.scrollIntoView({block: 'center'});
            const m = el.tcMap; m.setView([arguments[0], arguments[1]], 13, {animate: false});
            const p = m.latLngToContainerPoint([arguments[0], arguments[1]]);
            return [Math.round(p.x - el.clientWidth / 2), Math.round(p.y - el.clientHeight / 2)];", "args": [lat, lng]}),
    );
    let id = d.wait_for("#r-map", "");
    let tap = json!({"actions": [{"type": "pointer", "id": "finger", "parameters": {"pointerType": "mouse"}, "actions": [
        {"type": "pointerMove", "origin": {ELEMENT: id}, "x": offset[0], "y": offset[1]},
        {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}]});
    d.cmd("POST", "/actions", tap);
    d.wait_for("#r-map-where", &name);
    d.screenshot("report-map");
    assert_eq!(
        d.cmd(
            "POST",
            "/execute/sync",
            json!({"script": "return document.querySelector('#r-grid').value", "args": []})
        ),
        Value::from(grid.clone())
    );

    // Filed with no place chosen in the lists: the grid from the map decides.
    d.select("#r-category", "0101");
    d.type_into("#r-description", "浏览器测试：地图上标的路灯不亮");
    d.click("#r-submit", "");
    d.wait_for("#receipt-number", "320722-");
    let number = d.text("#receipt-number");
    let found = s
        .login("town_dispatcher")
        .get(&format!("/api/v1/cases?numbers={number}"))
        .json();
    assert_eq!(found["items"][0]["grid_code"], grid.as_str(), "{found}");
}
