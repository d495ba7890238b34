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

/// The duplicate hint: a resident follows the case already reported instead of filing it again.
/// The follower's own secret reads its steps (no one's notes, name or phone), cannot rate or
/// reopen it, and a merged case is followed through to the case it was merged into.
#[test]
fn a_resident_follows_the_case_already_reported() {
    let s = Server::start(temp_dir("public-follow"), true);
    let anon = s.client();
    let disp = s.login("town_dispatcher");
    let handler = s.login("village_handler");
    let (n1, s1) = file(&anon, "村口路灯不亮，张三家门口");
    let id1 = id_of(&disp, &n1);
    act(&disp, &id1, json!({"action": "accept"}));
    ok(&disp.post("/api/v1/cases/bulk-dispatch", json!({"ids": [id1]})));
    act(&handler, &id1, json!({"action": "sign"}));

    // The hint lists it with a token, and following it gives a new secret for the same number.
    let t1 = follow_token(&anon, &n1);
    let follow = |number: &str, token: &str| {
        anon.post(
            &format!("/api/v1/public/cases/{number}/follow"),
            json!({ "token": token }),
        )
    };
    // Not by guessing numbers: without the hint's token, the answer names the field.
    let r = follow(&n1, "0123456789abcdef");
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("token")),
        "{}",
        r.text()
    );
    let r = follow(&n1, &t1);
    assert_eq!(r.status, 201, "{}", r.text());
    let f = r.json();
    assert_eq!(f["number"], n1.as_str());
    let fs = f["secret"].as_str().unwrap().to_string();
    assert_ne!(fs, s1);
    assert_eq!(f["case"]["follower"], true);

    // Handled with a note for its reporter: the reporter reads it, the follower only the step.
    act(
        &handler,
        &id1,
        json!({"action": "handle", "note": "已修好，联系了张三13812341234"}),
    );
    let mine = track(&anon, &n1, &s1);
    assert_eq!(mine["follower"], false);
    let theirs = track(&anon, &n1, &fs);
    assert_eq!(theirs["state"], "handled");
    assert!(
        theirs["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "handle")
    );
    let text = theirs.to_string();
    for private in [
        "张三",
        "王先生",
        "13900001111",
        "900001111",
        "1234",
        s1.as_str(),
    ] {
        assert!(
            !text.contains(private),
            "{private} shown to a follower: {text}"
        );
    }

    // The staff see how many follow it.
    let d = ok(&disp.get(&format!("/api/v1/cases/{id1}")));
    assert_eq!(d["followers"], 1);

    // Closed: the follower cannot rate or reopen; the reporter can.
    act(&disp, &id1, json!({"action": "verify_pass"}));
    let rate = |secret: &str| {
        anon.post(
            &format!("/api/v1/public/cases/{n1}/actions"),
            json!({"secret": secret, "action": "rate", "satisfaction": "dissatisfied"}),
        )
    };
    assert_eq!(rate(&fs).status, 404);
    assert_eq!(rate(&s1).status, 200);
    // A finished case is not followed any more.
    let r = follow(&n1, &t1);
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (409, Some("case_finished")),
        "{}",
        r.text()
    );
    // A wrong secret and an unknown number are both just "not found".
    assert_eq!(
        anon.get(&format!("/api/v1/public/cases/{n1}?secret=ZZZZZZ"))
            .status,
        404
    );
    // A token is for its own number only.
    let r = follow("320722-20000101-999999", &t1);
    assert_eq!(r.status, 422);

    // Following a merged case follows the case it was merged into.
    let (n2, _) = file(&anon, "三组垃圾堆放");
    let (n3, _) = file(&anon, "三组垃圾没人清理");
    let (id2, id3) = (id_of(&disp, &n2), id_of(&disp, &n3));
    let t3 = follow_token(&anon, &n3);
    // Someone who followed it before the merge is led on to the surviving case too.
    let early = ok(&follow(&n3, &t3));
    act(&disp, &id3, json!({"action": "merge", "duplicate_of": id2}));
    let t = track(&anon, &n3, early["secret"].as_str().unwrap());
    assert_eq!(t["merged_into"]["number"], n2.as_str(), "{t}");
    let f = ok(&follow(&n3, &t3));
    assert_eq!(f["number"], n2.as_str());
    let t = track(&anon, &n2, f["secret"].as_str().unwrap());
    assert_eq!(
        (t["number"].as_str(), t["follower"].as_bool()),
        (Some(n2.as_str()), Some(true))
    );

    // A dispute is its parties' affair: not in the public hint, and not followed.
    let gw = s.login("village_grid_worker");
    let dispute = ok(&gw.post(
        "/api/v1/cases",
        json!({"category_code": "0903", "description": "宅基地边界纠纷", "region_code": VILLAGE}),
    ));
    let dn = dispute["number"].as_str().unwrap();
    let hint = ok(&anon.get(&format!(
        "/api/v1/public/cases/similar?category_code=0903&region_code={VILLAGE}"
    )));
    assert_eq!(hint["items"], json!([]), "{hint}");
    let r = follow(dn, &t1);
    assert_eq!(r.status, 422, "{}", r.text());
}

/// The token the public duplicate hint gives with a case (category 0101 in the village).
fn follow_token(anon: &Client, number: &str) -> String {
    let hint = ok(&anon.get(&format!(
        "/api/v1/public/cases/similar?category_code=0101&region_code={VILLAGE}"
    )));
    hint["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .unwrap_or_else(|| panic!("{number} not in the hint: {hint}"))["follow_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A case taken on the phone for a caller: the staff member who filed it sees its tracking
/// secret on the case page and can send it again by SMS (audited); nobody else can.
#[test]
fn the_filer_sees_the_secret_and_sends_it_again() {
    let s = Server::start(temp_dir("public-receipt"), true);
    let disp = s.login("town_dispatcher");
    let filed = ok(&disp.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "来电：桥栏杆松动", "region_code": VILLAGE,
            "source": "hotline", "reporter_name": "赵先生", "reporter_phone": "13600003333"}),
    ));
    let id = filed["id"].as_str().unwrap();
    let secret = filed["secret"].as_str().unwrap();
    let number = filed["number"].as_str().unwrap();
    let d = ok(&disp.get(&format!("/api/v1/cases/{id}")));
    assert_eq!(d["case"]["secret"], secret);

    // Another dispatcher of the same township sees the case but not its secret, and cannot send it.
    let other = s.login("town_leader");
    let d = ok(&other.get(&format!("/api/v1/cases/{id}")));
    assert!(d["case"].get("secret").is_none(), "{d}");
    let r = other.post(&format!("/api/v1/cases/{id}/receipt-sms"), json!({}));
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (403, Some("not_filer"))
    );
    // Another township's dispatcher does not see the case at all.
    let far = s.login("street_dispatcher");
    assert_eq!(far.get(&format!("/api/v1/cases/{id}")).status, 404);
    assert_eq!(
        far.post(&format!("/api/v1/cases/{id}/receipt-sms"), json!({}))
            .status,
        404
    );

    let r = disp.post(&format!("/api/v1/cases/{id}/receipt-sms"), json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["phone"], "136****3333");
    let log = std::fs::read_to_string(s.data_dir.with_extension("log")).unwrap();
    let first =
        format!("sms to 136****3333: 【统筹】您反映的问题已受理，编号 {number}，查询码 ******");
    let again = format!(
        "sms to 136****3333: 【统筹】您反映问题的编号 {number}，查询码 ******，可凭此查询办理进度。"
    );
    assert_eq!(
        (log.matches(&first).count(), log.matches(&again).count()),
        (1, 1),
        "the receipt, then again: {log}"
    );
    assert!(!log.contains(secret), "the secret is in the log");
    let audit = ok(&s.login("admin").get("/api/v1/audit?action=resend_receipt"));
    assert_eq!(audit["items"][0]["target_id"], number, "{audit}");
    // A few a day, not a stream of messages to someone's phone.
    for _ in 0..2 {
        assert_eq!(
            disp.post(&format!("/api/v1/cases/{id}/receipt-sms"), json!({}))
                .status,
            200
        );
    }
    let r = disp.post(&format!("/api/v1/cases/{id}/receipt-sms"), json!({}));
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (429, Some("too_many_resends"))
    );

    // No phone: the reason names the field.
    let bare = ok(&disp.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "来访：路面塌陷", "region_code": VILLAGE, "source": "window"}),
    ));
    let r = disp.post(
        &format!("/api/v1/cases/{}/receipt-sms", bare["id"].as_str().unwrap()),
        json!({}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("reporter_phone")),
        "{}",
        r.text()
    );
}
