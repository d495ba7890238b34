//! Finding places by name for the pickers: regions and grids of the caller's scope only, each
//! with its parent's name; a bad kind or an overlong fragment names its field.

use crate::common::*;
use crate::urlenc;

#[test]
fn places_are_found_by_name_within_scope_only() {
    let s = demo_server();
    let town = s.login("town_dispatcher"); // 白塔埠镇
    let r = town.get(&format!("/api/v1/places?q={}", urlenc("白塔")));
    assert_eq!(r.status, 200);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert!(
        items.iter().any(|p| p["kind"] == "region"
            && p["code"] == "320722101200"
            && p["parent_name"] == "白塔埠镇"),
        "{items:?}"
    );
    assert!(items.iter().any(|p| p["kind"] == "grid"), "{items:?}");
    assert!(
        items
            .iter()
            .all(|p| p["code"].as_str().unwrap().starts_with("320722101")),
        "only the township's own places: {items:?}"
    );
    // Another township's worker finds none of 白塔埠镇's places.
    let other = s.login("community_grid_worker"); // 牛山
    let none = other.get(&format!("/api/v1/places?q={}&kind=region", urlenc("白塔")));
    assert!(
        none.json()["items"].as_array().unwrap().is_empty(),
        "{}",
        none.json()
    );
    // Only grids when asked, and refusals that name the field.
    let grids = town
        .get(&format!("/api/v1/places?q={}&kind=grid", urlenc("网格")))
        .json();
    let grids = grids["items"].as_array().unwrap();
    assert!(
        !grids.is_empty() && grids.iter().all(|p| p["kind"] == "grid"),
        "{grids:?}"
    );
    assert_eq!(
        town.get("/api/v1/places?q=x&kind=house").json()["field"],
        "kind"
    );
    let long = "长".repeat(31);
    assert_eq!(
        town.get(&format!("/api/v1/places?q={}", urlenc(&long)))
            .json()["field"],
        "q"
    );
}
