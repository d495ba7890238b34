//! Visits over HTTP, as the field app uses them: a visit queued offline and sent twice with the
//! same `Idempotency-Key` is recorded once; the grid worker's due list needs no grid named; a
//! worker of another township reaches neither the household nor its grid.

use crate::common::*;
use serde_json::json;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn a_resent_visit_counts_once_and_the_due_list_is_the_workers_own() {
    let s = Server::start(temp_dir("visits"), true);
    let gw = s.login("village_grid_worker");
    let hs = gw.get("/api/v1/households?page_size=1").json();
    let id = hs["items"][0]["id"].as_str().unwrap().to_string();
    let grid = hs["items"][0]["grid_code"].as_str().unwrap().to_string();
    let path = format!("/api/v1/households/{id}/visits");
    let made_offline = now_ms() - 3_600_000;
    let body = json!({"purpose": "elderly_care", "visited_at": made_offline, "notes": "血压正常"});
    let send = || {
        gw.send_with(
            "POST",
            &path,
            Some(("application/json", body.to_string().into_bytes())),
            &[("Idempotency-Key", "visit-0001")],
        )
    };
    let (a, b) = (send(), send());
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(b.status, 200, "a resend creates nothing");
    assert_eq!(
        a.json()["id"],
        b.json()["id"],
        "the resend answers the first visit"
    );
    assert_eq!(
        a.json()["visited_at"],
        made_offline,
        "the time it was made, not sent"
    );
    let list = gw.get(&path).json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // A bad purpose and a visit in the future are refused, naming the field.
    let r = gw.post(&path, json!({"purpose": "chat"}));
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("purpose"))
    );
    let r = gw.post(
        &path,
        json!({"purpose": "routine", "visited_at": now_ms() + 86_400_000}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("visited_at"))
    );

    // The worker's own grid by default; an account with none must name one.
    let due = gw.get("/api/v1/visits/due");
    match gw.get("/api/v1/me").json()["grid_code"].as_str() {
        Some(_) => assert_eq!(due.status, 200, "{}", String::from_utf8_lossy(&due.body)),
        None => assert_eq!(
            (due.status, due.json()["field"].as_str()),
            (422, Some("grid"))
        ),
    }
    let named = gw.get(&format!("/api/v1/visits/due?grid={grid}"));
    assert_eq!(named.status, 200);
    // A phone asks for a screenful: the longest overdue first, and the grid's count.
    let all = named.json();
    let total = all["total"].as_u64().unwrap();
    assert_eq!(total as usize, all["items"].as_array().unwrap().len());
    assert!(total > 2, "the demo's households are all due: {total}");
    let few = gw
        .get(&format!("/api/v1/visits/due?grid={grid}&limit=2"))
        .json();
    assert_eq!(few["total"].as_u64(), Some(total));
    assert_eq!(
        few["items"].as_array().unwrap()[..],
        all["items"].as_array().unwrap()[..2]
    );

    // The key reused for another visit is refused.
    let reused = gw.send_with(
        "POST",
        &path,
        Some((
            "application/json",
            json!({"purpose": "routine"}).to_string().into_bytes(),
        )),
        &[("Idempotency-Key", "visit-0001")],
    );
    assert_eq!(
        (reused.status, reused.json()["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    // A dispatcher reads the registry but not visit notes.
    assert_eq!(s.login("town_dispatcher").get(&path).status, 403);

    let other = s.login("community_grid_worker");
    assert_eq!(other.get(&path).status, 404);
    assert_eq!(other.post(&path, json!({"purpose": "routine"})).status, 404);
    assert_eq!(
        other.get(&format!("/api/v1/visits/due?grid={grid}")).status,
        404
    );
}

#[test]
fn a_patrol_over_http_starts_once_and_ends_with_the_cases_found() {
    let s = Server::start(temp_dir("patrols"), true);
    let gw = s.login("village_grid_worker");
    let hs = gw.get("/api/v1/households?page_size=1").json();
    let grid = hs["items"][0]["grid_code"].as_str().unwrap().to_string();
    let start = json!({"grid_code": grid, "started_at": now_ms() - 1_800_000});
    let send = || {
        gw.send_with(
            "POST",
            "/api/v1/patrols",
            Some(("application/json", start.to_string().into_bytes())),
            &[("Idempotency-Key", "patrol-0001")],
        )
    };
    let (a, b) = (send(), send());
    assert_eq!(
        (a.status, b.status),
        (201, 200),
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.json()["id"], b.json()["id"]);
    let id = a.json()["id"].as_str().unwrap().to_string();

    let case = gw.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "巡查发现垃圾堆放", "grid_code": grid}),
    );
    assert_eq!(case.status, 201, "{}", String::from_utf8_lossy(&case.body));
    let case = case.json();
    let ended = gw.post(
        &format!("/api/v1/patrols/{id}/end"),
        json!({"notes": "巡查一圈", "case_ids": [case["id"]]}),
    );
    assert_eq!(
        ended.status,
        200,
        "{}",
        String::from_utf8_lossy(&ended.body)
    );
    assert_eq!(ended.json()["case_numbers"][0], case["number"]);
    let again = gw.post(&format!("/api/v1/patrols/{id}/end"), json!({}));
    assert_eq!(
        (again.status, again.json()["code"].as_str()),
        (409, Some("patrol_ended"))
    );

    let list = gw.get(&format!("/api/v1/patrols?grid={grid}")).json();
    assert_eq!(list["items"][0]["id"], id.as_str());
    let other = s.login("community_grid_worker");
    assert_eq!(
        other.get(&format!("/api/v1/patrols?grid={grid}")).status,
        404
    );
    assert_eq!(
        other
            .post(&format!("/api/v1/patrols/{id}/end"), json!({}))
            .status,
        404
    );
}
