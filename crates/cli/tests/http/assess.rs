//! The assessment over HTTP: a case filed is on its township's, county's and city's dashboards
//! in the answer to the next request (counted in the filing's own transaction); a leader reads
//! their own scope only; a bad period is refused by name.

use crate::common::*;
use serde_json::json;

const CITY: &str = "320700000000";
const COUNTY: &str = "320722000000";
const RURAL_TOWNSHIP: &str = "320722101000";
const URBAN_TOWNSHIP: &str = "320722001000";
const VILLAGE: &str = "320722101200";

fn reported(dashboard: &serde_json::Value) -> i64 {
    dashboard["facts"]["reported"].as_i64().unwrap_or(0)
}

#[test]
fn a_filed_case_is_live_on_every_level_and_leaders_see_their_scope_only() {
    let s = Server::start(temp_dir("assess"), true);
    let town = s.login("town_leader");
    let county = s.login("county_leader");
    let city = s.login("city_leader");
    let own = ok(&town.get("/api/v1/assess/dashboard"));
    assert_eq!(
        own["code"], RURAL_TOWNSHIP,
        "the leader's own township by default"
    );
    let before = (
        reported(&own),
        reported(&ok(&county.get("/api/v1/assess/dashboard"))),
        reported(&ok(&city.get("/api/v1/assess/dashboard"))),
    );
    let rate = own["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "closure_rate")
        .unwrap()
        .clone();
    assert_eq!(rate["zh"], "结案率");
    assert_eq!(rate["denominator"], "closed + overdue_open");
    assert!(rate["definition_zh"].as_str().unwrap().contains("应结案"));

    let gw = s.login("village_grid_worker");
    let filed = gw.post(
        "/api/v1/cases",
        json!({"category_code": "0601", "description": "路灯不亮", "region_code": VILLAGE}),
    );
    assert_eq!(
        filed.status,
        201,
        "{}",
        String::from_utf8_lossy(&filed.body)
    );
    let after = (
        reported(&ok(&town.get("/api/v1/assess/dashboard"))),
        reported(&ok(
            &county.get(&format!("/api/v1/assess/dashboard?region={COUNTY}"))
        )),
        reported(&ok(
            &city.get(&format!("/api/v1/assess/dashboard?region={CITY}"))
        )),
    );
    assert_eq!(after, (before.0 + 1, before.1 + 1, before.2 + 1));
    let county_view = ok(&county.get("/api/v1/assess/dashboard"));
    let child = county_view["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == RURAL_TOWNSHIP)
        .unwrap()
        .clone();
    assert!(child["reported"].as_i64().unwrap() >= 1);

    // Scope: the sibling township and the county above are not there for a township leader.
    for region in [URBAN_TOWNSHIP, COUNTY] {
        let r = town.get(&format!("/api/v1/assess/dashboard?region={region}"));
        assert_eq!(r.status, 404, "{region}");
    }
    // Roles: a grid worker reads no dashboard.
    assert_eq!(gw.get("/api/v1/assess/dashboard").status, 403);
    // A bad period is named.
    let r = town.get("/api/v1/assess/dashboard?period=2026-13");
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("period"))
    );
    // Periods: a quarter and a date range read the same counts.
    assert_eq!(
        town.get("/api/v1/assess/dashboard?period=2026-Q4").status,
        200
    );
    assert_eq!(
        town.get("/api/v1/assess/dashboard?period=2026-11-01..2026-11-30")
            .status,
        200
    );
}
