//! Residents see the outcome: the public progress of a case shows what the unit reported as done
//! and why a case was rejected (numbers in those notes masked), and a case merged as a duplicate
//! leads its reporter to the surviving case's progress — with no personal data of that case.

use crate::common::*;
use serde_json::{Value, json};

const VILLAGE: &str = "320722101200";

/// Files a case on the public form; answers (number, secret).
fn file(anon: &Client, text: &str) -> (String, String) {
    let r = ok(&anon.post(
        "/api/v1/public/cases",
        json!({"category_code": "0101", "description": text, "address": "白塔村三组",
            "region_code": VILLAGE, "reporter_name": "王先生", "reporter_phone": "13900001111"}),
    ));
    (
        r["number"].as_str().unwrap().into(),
        r["secret"].as_str().unwrap().into(),
    )
}

fn track(anon: &Client, number: &str, secret: &str) -> Value {
    ok(&anon.get(&format!("/api/v1/public/cases/{number}?secret={secret}")))
}

fn id_of(staff: &Client, number: &str) -> String {
    let q = ok(&staff.get(&format!("/api/v1/cases?q={}", number)));
    let found = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .cloned();
    match found {
        Some(c) => c["id"].as_str().unwrap().into(),
        None => {
            // The number is not in the search text: page through the township's queue.
            let q = ok(&staff.get("/api/v1/cases?page_size=200"));
            q["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["number"] == number)
                .expect("in the queue")["id"]
                .as_str()
                .unwrap()
                .into()
        }
    }
}

fn act(c: &Client, id: &str, body: Value) -> Value {
    ok(&c.post(&format!("/api/v1/cases/{id}/actions"), body))
}

#[test]
fn the_public_progress_shows_the_outcome_and_follows_a_merge() {
    let s = Server::start(temp_dir("public-outcome"), true);
    let anon = s.client();
    let disp = s.login("town_dispatcher");
    let handler = s.login("village_handler");

    // Handled: the unit's report is shown, the phone in it masked.
    let (n1, s1) = file(&anon, "村口路灯不亮");
    let id1 = id_of(&disp, &n1);
    act(&disp, &id1, json!({"action": "accept"}));
    ok(&disp.post("/api/v1/cases/bulk-dispatch", json!({"ids": [id1]})));
    act(&handler, &id1, json!({"action": "sign"}));
    act(
        &handler,
        &id1,
        json!({"action": "handle", "note": "已更换灯泡，电工电话13812341234"}),
    );
    let t = track(&anon, &n1, &s1);
    let handle = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "handle")
        .expect("handle event");
    assert_eq!(handle["note"], "已更换灯泡，电工电话138****1234");
    assert!(
        t["events"][0]["note"].is_null(),
        "the report's own text is not repeated"
    );

    // Rejected: the reason is shown.
    let (n2, s2) = file(&anon, "邻居家狗叫");
    let id2 = id_of(&disp, &n2);
    act(
        &disp,
        &id2,
        json!({"action": "reject", "note": "不属于受理范围，请与邻居协商"}),
    );
    let t = track(&anon, &n2, &s2);
    assert_eq!(t["state"], "rejected");
    assert_eq!(
        t["events"].as_array().unwrap().last().unwrap()["note"],
        "不属于受理范围，请与邻居协商"
    );

    // Merged: the reporter follows the surviving case with their own secret, and sees nothing
    // personal of it (its reporter's name, phone or secret).
    let staff_filed = ok(&disp.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "三组垃圾堆放", "region_code": VILLAGE,
            "reporter_name": "李女士", "reporter_phone": "13700002222"}),
    ));
    let survivor = staff_filed["number"].as_str().unwrap().to_string();
    let survivor_id = staff_filed["id"].as_str().unwrap().to_string();
    let survivor_secret = staff_filed["secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (n3, s3) = file(&anon, "三组垃圾没人清理");
    let id3 = id_of(&disp, &n3);
    act(
        &disp,
        &id3,
        json!({"action": "merge", "duplicate_of": survivor_id}),
    );
    let t = track(&anon, &n3, &s3);
    assert_eq!(t["merged_into"]["number"], survivor.as_str());
    assert!(!t["merged_into"]["events"].as_array().unwrap().is_empty());
    let text = t.to_string();
    for private in ["李女士", "13700002222", "700002222"] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    if !survivor_secret.is_empty() {
        assert!(
            !text.contains(&survivor_secret),
            "the other case's secret leaked"
        );
    }
    // A case that was not merged carries no link.
    assert!(track(&anon, &n1, &s1)["merged_into"].is_null());
}
