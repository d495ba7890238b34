//! Territory over HTTP: walking the region tree, the wall between townships, bad input.

use crate::common::*;
use crate::{STREET, TOWN, before_address, first};
use serde_json::json;
#[test]
fn regions_walk_and_paginate() {
    let s = demo_server();
    let c = s.login("city_leader");
    let city = c.get("/api/v1/regions/3207").json();
    assert_eq!(city["name"], "连云港市");
    assert_eq!(city["level"], "city");
    assert_eq!(city["child_count"], 7);
    assert_eq!(city["code"], "320700000000");
    assert_eq!(city["parent_code"], "320000000000");
    let kids = c.get("/api/v1/regions/3207/children?page_size=3").json();
    assert_eq!(kids["items"].as_array().unwrap().len(), 3);
    assert_eq!(kids["has_more"], true);
    let page3 = c
        .get("/api/v1/regions/3207/children?page=3&page_size=3")
        .json();
    assert_eq!(page3["items"].as_array().unwrap().len(), 1);
    assert_eq!(page3["has_more"], false);
    let county = c.get("/api/v1/regions/320722").json();
    assert_eq!(county["name"], "东海县");
    let village = c.get("/api/v1/regions/320722101200").json();
    assert_eq!(village["urban_rural"], "rural");
    assert_eq!(village["ancestors"].as_array().unwrap().len(), 3);
    let community = c.get("/api/v1/regions/320722001001").json();
    assert_eq!(community["urban_rural"], "urban");
    assert!(
        village["child_count"].as_i64().unwrap() >= 1,
        "villages count their grids"
    );
    let r = c.get("/api/v1/regions/32x7");
    assert_eq!(r.status, 404);
    let r = c.get("/api/v1/regions/3207/children?page=abc");
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("invalid_query"))
    );
}

#[test]
fn township_account_cannot_reach_another_township() {
    let s = demo_server();
    let county = s.login("county_leader");
    let town = s.login("town_admin");
    let street = s.login("street_admin");

    let p_street = first(
        &county,
        &format!("/api/v1/persons?region={STREET}&page_size=1"),
    );
    let p_town = first(
        &county,
        &format!("/api/v1/persons?region={TOWN}&page_size=1"),
    );
    let (ps, pt) = (
        p_street["id"].as_str().unwrap(),
        p_town["id"].as_str().unwrap(),
    );
    let (hs, ht) = (
        p_street["household_id"].as_str().unwrap(),
        p_town["household_id"].as_str().unwrap(),
    );
    let (gs, gt) = (
        p_street["grid_code"].as_str().unwrap(),
        p_town["grid_code"].as_str().unwrap(),
    );

    // The county sees both.
    for path in [
        format!("/api/v1/persons/{ps}"),
        format!("/api/v1/persons/{pt}"),
        format!("/api/v1/households/{hs}"),
        format!("/api/v1/households/{ht}"),
        format!("/api/v1/grids/{gs}"),
        format!("/api/v1/grids/{gt}"),
    ] {
        assert_eq!(county.get(&path).status, 200, "county {path}");
    }
    // Each township sees its own and not the other's, through every read.
    for (me, own, other) in [
        (&town, (pt, ht, gt), (ps, hs, gs)),
        (&street, (ps, hs, gs), (pt, ht, gt)),
    ] {
        assert_eq!(me.get(&format!("/api/v1/persons/{}", own.0)).status, 200);
        for path in [
            format!("/api/v1/persons/{}", other.0),
            format!("/api/v1/households/{}", other.1),
            format!("/api/v1/grids/{}", other.2),
            format!("/api/v1/regions/{}", &other.2[..9]),
            format!("/api/v1/regions/{}/children", &other.2[..9]),
        ] {
            let r = me.get(&path);
            assert_eq!(
                (r.status, r.json()["code"].as_str()),
                (404, Some("not_found")),
                "{path}"
            );
        }
        let r = me.send("POST", &format!("/api/v1/persons/{}/reveal", other.0), None);
        assert_eq!(r.status, 404);
        let list = me.get(&format!("/api/v1/persons?grid={}", other.2)).json();
        assert!(list["items"].as_array().unwrap().is_empty());
        let list = me
            .get(&format!("/api/v1/households?grid={}", other.2))
            .json();
        assert!(list["items"].as_array().unwrap().is_empty());
        let list = me
            .get(&format!("/api/v1/grids?region={}", &other.2[..9]))
            .json();
        assert!(list["items"].as_array().unwrap().is_empty());
    }
    // …and through every write.
    let before = county.get(&format!("/api/v1/persons/{ps}")).json();
    let r = town.patch(
        &format!("/api/v1/persons/{ps}"),
        json!({"name": "篡改", "id_number": id_number("320722", "19800101", 1)}),
    );
    assert_eq!(r.status, 404);
    let r = town.patch(
        &format!("/api/v1/households/{hs}"),
        json!({"grid_code": gs, "address": "篡改"}),
    );
    assert_eq!(
        r.status,
        422,
        "the grid is out of scope: {}",
        String::from_utf8_lossy(&r.body)
    );
    let r = town.patch(&format!("/api/v1/grids/{gs}"), json!({"name": "篡改"}));
    assert_eq!(r.status, 404);
    let r = town.post(
        "/api/v1/households",
        json!({"grid_code": gs, "address": "越界1号"}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("grid_code"))
    );
    let r = town.post("/api/v1/persons", json!({"household_id": hs, "name": "越界", "id_number": id_number("320722", "19900101", 3)}));
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("household_id"))
    );
    let after = county.get(&format!("/api/v1/persons/{ps}")).json();
    assert_eq!(before, after);
    assert_eq!(
        county.get(&format!("/api/v1/households/{hs}")).json()["address"],
        before_address(&county, hs)
    );
}

#[test]
fn territory_bad_input() {
    let s = demo_server();
    let admin = s.login("county_admin");
    let cases = [
        (json!({"code": "32072210", "name": "坏代码"}), 422, "code"),
        (
            json!({"code": "320722199201", "name": "无上级村"}),
            422,
            "parent_code",
        ),
        (json!({"code": "320722101200", "name": "重复"}), 409, "code"),
        (json!({"code": "320722101298", "name": ""}), 422, "name"),
        (json!({"code": "330100", "name": "零县"}), 422, "code"),
        (
            json!({"code": "330102", "name": "越界县"}),
            422,
            "parent_code",
        ),
    ];
    for (body, status, field) in cases {
        let r = admin.post("/api/v1/regions", body.clone());
        assert_eq!(
            (r.status, r.json()["field"].as_str()),
            (status, Some(field)),
            "{body}"
        );
    }
    assert_eq!(admin.get("/api/v1/regions/320722101298").status, 404);
    let ok = admin.post(
        "/api/v1/regions",
        json!({"code": "320722101297", "name": "新建村委会"}),
    );
    assert_eq!(ok.status, 201);
    assert_eq!(ok.json()["urban_rural"], "rural");
    let r = admin.post(
        "/api/v1/grids",
        json!({"code": "320722101297000", "name": "零号"}),
    );
    assert_eq!((r.status, r.json()["field"].as_str()), (422, Some("code")));
    let r = admin.post(
        "/api/v1/grids",
        json!({"code": "320722101297001", "name": "新网格", "geojson": {"type": "Point"}}),
    );
    // The field names the exact place of the fault inside the boundary.
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("geojson.type"))
    );
    let r = admin.post(
        "/api/v1/grids",
        json!({"code": "320722101297001", "name": "新网格", "geojson": {"type": "Polygon", "coordinates": [[[118, 34], [118.1, 34], [118.1, 34.1], [118, 34.1]]]}}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("geojson.coordinates[0]"))
    );
    let r = admin.post(
        "/api/v1/grids",
        json!({"code": "320722101297001", "name": "新网格", "centroid_lat": 120.0}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("centroid_lat"))
    );
    let r = admin.post("/api/v1/grids", json!({"code": "320722101297001", "name": "新网格", "centroid_lat": 34.5, "centroid_lng": 118.8}));
    assert_eq!(r.status, 201);
    let g = r.json();
    assert_eq!(
        g["size_warnings"].as_array().unwrap().len(),
        1,
        "an empty grid is below the size rule"
    );
    let patch = admin
        .patch(
            "/api/v1/regions/320722101297",
            json!({"urban_rural": "urban"}),
        )
        .json();
    assert_eq!(
        (
            patch["urban_rural"].as_str(),
            patch["ur_override"].as_bool()
        ),
        (Some("urban"), Some(true))
    );
}
