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

fn field(r: &Resp) -> (u16, String) {
    (
        r.status,
        r.json()["field"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn rankings_rules_and_warnings_answer_in_scope_and_refuse_by_name() {
    let s = Server::start(temp_dir("assess_rank"), true);
    let county = s.login("county_leader");
    let r = ok(&county.get("/api/v1/assess/ranking"));
    assert_eq!(
        (r["region"].as_str(), r["level"].as_str()),
        (Some(COUNTY), Some("township"))
    );
    let members: Vec<String> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rows"].as_array().unwrap().iter())
        .map(|row| row["code"].as_str().unwrap().to_string())
        .collect();
    assert!(
        members.contains(&RURAL_TOWNSHIP.to_string())
            && members.contains(&URBAN_TOWNSHIP.to_string())
    );
    assert!(
        members
            .iter()
            .all(|m| m.starts_with("320722") && m.ends_with("000"))
    );
    // By class: the 街道 apart from the 镇.
    let keys: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"township:urban") && keys.contains(&"township:rural"),
        "{keys:?}"
    );
    // A township leader ranks its own villages; not its sibling's.
    let town = s.login("town_leader");
    let own = ok(&town.get("/api/v1/assess/ranking"));
    assert_eq!(own["level"], "village");
    assert_eq!(
        town.get(&format!("/api/v1/assess/ranking?region={URBAN_TOWNSHIP}"))
            .status,
        404
    );
    assert_eq!(
        field(&town.get("/api/v1/assess/ranking?level=city")),
        (422, "level".into())
    );
    assert_eq!(
        field(&town.get("/api/v1/assess/ranking?level=x")),
        (422, "level".into())
    );
    assert_eq!(
        s.login("village_grid_worker")
            .get("/api/v1/assess/ranking")
            .status,
        403
    );

    // A village administrator's rules are the village's own: the county keeps the base.
    let village_admin = s.login("village_admin");
    let w = ok(&village_admin.put(
        "/api/v1/assess/rules",
        json!({"scale": 150, "min_volume": 3}),
    ));
    assert_eq!(w["owner_code"], VILLAGE);
    let base = ok(&county.get("/api/v1/assess/rules"));
    assert_eq!(
        (base["owner_code"].as_str(), base["rules"]["scale"].as_f64()),
        (Some(""), Some(100.0))
    );
    let theirs = ok(&county.get(&format!("/api/v1/assess/rules?region={VILLAGE}")));
    assert_eq!(theirs["rules"]["scale"].as_f64(), Some(150.0));
    // Bad rules are refused by name; unknown fields too; a leader may not write.
    let half = json!({"weights": [{"indicator": "response_rate", "percent": 50}]});
    assert_eq!(
        field(&village_admin.put("/api/v1/assess/rules", half)),
        (422, "weights".into())
    );
    assert_eq!(
        village_admin
            .put("/api/v1/assess/rules", json!({"bogus": 1}))
            .status,
        422
    );
    assert_eq!(
        s.login("village_leader")
            .put("/api/v1/assess/rules", json!({}))
            .status,
        403
    );
    let theirs = ok(&county.get(&format!("/api/v1/assess/rules?region={VILLAGE}")));
    assert_eq!(
        theirs["rules"]["min_volume"].as_u64(),
        Some(3),
        "nothing of a refused write kept"
    );

    // Warnings: a list in scope; a step on a warning that is not there is 404, a bad step 422.
    let list = ok(&county.get("/api/v1/assess/warnings?period=2026-10"));
    assert!(list["items"].is_array());
    assert_eq!(
        field(&county.get("/api/v1/assess/warnings?period=2026-13")),
        (422, "period".into())
    );
    let step = county.post(
        "/api/v1/assess/warnings/12345/steps",
        json!({"step": "talk", "note": "约谈"}),
    );
    assert_eq!(step.status, 404);
    let bad = county.post(
        "/api/v1/assess/warnings/12345/steps",
        json!({"step": "chat", "note": "x"}),
    );
    assert_eq!(bad.status, 422);
}
