//! Cases over HTTP against the demo server: public submit/track/rate, the staff loop with 409
//! refusals, scope, idempotency, masking, validation, the OpenAPI shapes and the rate limit.

use super::common::*;
use serde_json::{Value, json};

const VILLAGE: &str = "320722101200"; // 白塔村委会, in 白塔埠镇

fn act(c: &Client, id: &str, body: Value) -> Resp {
    c.post(&format!("/api/v1/cases/{id}/actions"), body)
}

fn refused(r: &Resp) -> String {
    assert_eq!(r.status, 409, "{}", String::from_utf8_lossy(&r.body));
    r.json()["code"].as_str().unwrap().to_string()
}

#[test]
fn public_submit_then_the_whole_staff_loop_then_rating() {
    let s = demo_server();
    let anon = s.client();
    let cats = ok(&anon.get("/api/v1/case-categories"));
    assert!(cats["items"].as_array().unwrap().len() > 60);

    // A resident files anonymously (phone optional), with an idempotency key.
    let form = json!({"category_code": "0101", "description": "村口垃圾堆放三天无人清理",
        "address": "白塔村三组路口", "region_code": VILLAGE, "reporter_name": "王先生"});
    let nonce = |base: &str| -> String {
        let r = agent()
            .get(&format!("{base}/api/v1/public/form-nonce"))
            .call()
            .unwrap();
        r.into_body().read_json::<Value>().unwrap()["nonce"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mine = nonce(&s.base);
    let send = |key: &str, nonce: Option<&str>, body: &Value| {
        let url = format!("{}/api/v1/public/cases", s.base);
        let mut r = agent()
            .post(&url)
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json");
        if let Some(n) = nonce {
            r = r.header("X-Form-Nonce", n);
        }
        let r = r.send(body.to_string()).unwrap();
        (
            r.status().as_u16(),
            r.into_body().read_json::<Value>().unwrap(),
        )
    };
    let req = |key: &str| {
        let url = format!("{}/api/v1/public/cases", s.base);
        let r = agent()
            .post(&url)
            .header("Idempotency-Key", key)
            .header("X-Form-Nonce", &mine)
            .header("Content-Type", "application/json")
            .send(form.to_string())
            .unwrap();
        (
            r.status().as_u16(),
            r.into_body().read_json::<Value>().unwrap(),
        )
    };
    let key = format!("k-{}", std::process::id());
    let (st, receipt) = req(&key);
    assert_eq!(st, 201, "{receipt}");
    let (st2, again) = req(&key);
    assert_eq!(
        (st2, &again["number"]),
        (200, &receipt["number"]),
        "a retry creates nothing"
    );
    // Another anonymous caller reusing the same key, with a nonce of its own, gets its own case:
    // never the first caller's number and secret.
    let (st3, theirs) = send(&key, Some(&nonce(&s.base)), &form);
    assert_eq!(st3, 201, "{theirs}");
    assert_ne!(theirs["number"], receipt["number"]);
    assert_ne!(theirs["secret"], receipt["secret"]);
    // The same key and nonce with another body is refused; no nonce, or a forged one, too.
    let mut other = form.clone();
    other["description"] = json!("另一件事：路灯不亮");
    let (st4, e) = send(&key, Some(&mine), &other);
    assert_eq!(
        (st4, e["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    let (st5, e) = send("k-none", None, &form);
    assert_eq!((st5, e["field"].as_str()), (422, Some("X-Form-Nonce")));
    let flip = if mine.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{flip}", &mine[..mine.len() - 1]);
    let (st6, e) = send("k-forged", Some(&forged), &form);
    assert_eq!((st6, e["code"].as_str()), (422, Some("invalid_nonce")));
    let number = receipt["number"].as_str().unwrap().to_string();
    let secret = receipt["secret"].as_str().unwrap().to_string();
    assert!(number.starts_with("320722-"), "{number}");
    assert_eq!(secret.len(), 6);
    let public = receipt["case"].to_string();
    assert!(
        !public.contains("王先生") && !public.contains("三组"),
        "no personal data: {public}"
    );

    // The reporter adds a photo with the secret.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([3u8; 32]);
    let photo = |sec: &str| {
        anon.send(
            "POST",
            &format!("/api/v1/public/cases/{number}/attachments?secret={sec}&name=p.png"),
            Some(("image/png", png.clone())),
        )
    };
    assert_eq!(photo("AAAAAA").status, 404);
    assert_eq!(ok(&photo(&secret))["mime"], "image/png");
    // The next resident filing the same thing there is shown it first, without personal data.
    let sim = ok(&anon.get(&format!(
        "/api/v1/public/cases/similar?category_code=0101&region_code={VILLAGE}"
    )));
    let hint = sim["items"].to_string();
    assert!(hint.contains(&number) && !hint.contains("王先生"), "{hint}");
    let track = |sec: &str| anon.get(&format!("/api/v1/public/cases/{number}?secret={sec}"));
    assert_eq!(track("AAAAAA").status, 404);
    assert_eq!(ok(&track(&secret))["state"], "reported");

    // The township dispatcher sees it in the queue; 牛山街道's does not.
    let disp = s.login("town_dispatcher");
    let q = ok(&disp.get("/api/v1/cases?state=reported&q=%E5%9E%83%E5%9C%BE"));
    let item = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number.as_str())
        .expect("in the township queue")
        .clone();
    let id = item["id"].as_str().unwrap().to_string();
    assert_eq!(item["light"], "green");
    assert_eq!(item["route_by"], "village");
    let street = s.login("street_dispatcher");
    assert_eq!(street.get(&format!("/api/v1/cases/{id}")).status, 404);
    let theirs = ok(&street.get("/api/v1/cases?state=reported"));
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["number"] != number.as_str())
    );
    assert_eq!(act(&street, &id, json!({"action": "accept"})).status, 404);

    // Refusals are 409 with a stable code; bad input 422 naming the field.
    assert_eq!(
        refused(&act(&disp, &id, json!({"action": "sign"}))),
        "transition_not_allowed"
    );
    let handler = s.login("village_handler");
    assert_eq!(
        refused(&act(&handler, &id, json!({"action": "sign"}))),
        "not_your_unit"
    );
    let r = act(&disp, &id, json!({"action": "fly"}));
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("action"))
    );

    ok(&act(&disp, &id, json!({"action": "accept"})));
    let r = ok(&disp.post("/api/v1/cases/bulk-dispatch", json!({"ids": [id]})));
    assert_eq!(r["dispatched"][0]["unit_name"], "白塔村委会", "{r}");
    let msgs = ok(&handler.get("/api/v1/inbox?unread=true"));
    assert!(msgs["unread"].as_i64().unwrap() >= 1);
    assert!(msgs["items"].to_string().contains(&number), "{msgs}");
    let inbox = ok(&handler.get("/api/v1/cases?mine=true"));
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str())
    );
    ok(&act(&handler, &id, json!({"action": "sign"})));
    ok(&act(
        &handler,
        &id,
        json!({"action": "handle", "note": "已清运"}),
    ));
    let gw = s.login("village_grid_worker");
    let c = ok(&act(&gw, &id, json!({"action": "verify_pass"})));
    assert_eq!(
        (c["state"].as_str(), c["closed_level"].as_str()),
        (Some("closed"), Some("village"))
    );

    // The resident rates with the tracking code.
    assert_eq!(
        refused(&photo(&secret)),
        "transition_not_allowed",
        "closed: no more photos"
    );
    let rate = json!({"secret": secret, "action": "rate", "satisfaction": "very_satisfied"});
    let r = ok(&anon.post(
        &format!("/api/v1/public/cases/{number}/actions"),
        rate.clone(),
    ));
    assert_eq!(r["satisfaction"], "very_satisfied");
    let r = anon.post(&format!("/api/v1/public/cases/{number}/actions"), rate);
    assert_eq!(refused(&r), "already_rated");
    let wrong = json!({"secret": "XXXXXX", "action": "reopen", "note": "x"});
    assert_eq!(
        anon.post(&format!("/api/v1/public/cases/{number}/actions"), wrong)
            .status,
        404
    );

    let d = ok(&disp.get(&format!("/api/v1/cases/{id}")));
    let actions: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "report",
            "attach",
            "accept",
            "dispatch",
            "sign",
            "handle",
            "verify_pass",
            "rate"
        ]
    );
}

#[test]
fn staff_intake_idempotency_masking_and_validation() {
    let s = demo_server();
    let gw = s.login("village_grid_worker");
    let body = json!({"category_code": "0601", "title": "井盖缺失", "description": "夜间危险",
        "region_code": VILLAGE, "reporter_phone": "13812345678", "lat": 34.6, "lng": 118.7});
    let post = |key: &str| {
        let r = agent()
            .post(&format!("{}/api/v1/cases", s.base))
            .header("Cookie", gw.cookie.as_deref().unwrap())
            .header("X-CSRF-Token", gw.csrf.as_deref().unwrap())
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        (
            r.status().as_u16(),
            r.into_body().read_json::<Value>().unwrap(),
        )
    };
    let key = format!("gw-{}", std::process::id());
    let (st, a) = post(&key);
    assert_eq!(st, 201, "{a}");
    assert_eq!(
        (a["source"].as_str(), a["priority"].as_str()),
        (Some("grid"), Some("urgent"))
    );
    assert_eq!(a["secret"].as_str().map(str::len), Some(6));
    let (st, b) = post(&key);
    assert_eq!((st, &b["id"]), (200, &a["id"]));

    // The reporter is told by SMS (the default gateway writes it to the server log).
    let log = std::fs::read_to_string(s.data_dir.with_extension("log")).unwrap();
    let number = a["number"].as_str().unwrap();
    assert!(
        log.contains(&format!(
            "sms to 138****5678: 【统筹】您反映的问题已受理，编号 {number}，查询码 ******"
        )),
        "{log}"
    );
    // The tracking secret is for the reporter's phone only, never the server log.
    let secret = a["secret"].as_str().unwrap();
    assert!(!log.contains(secret), "the secret {secret} is in the log");
    let id = a["id"].as_str().unwrap();
    let leader = s.login("town_leader");
    let seen = ok(&leader.get(&format!("/api/v1/cases/{id}")));
    assert_eq!(seen["case"]["reporter_phone"], "138****5678");
    // Everyone sees the phone masked; the dispatcher who calls back reveals it (audited), the
    // leader may not.
    let disp = s.login("town_dispatcher");
    assert_eq!(
        ok(&disp.get(&format!("/api/v1/cases/{id}")))["case"]["reporter_phone"],
        "138****5678"
    );
    let full = ok(&disp.post(&format!("/api/v1/cases/{id}/reveal"), json!({})));
    assert_eq!(full["reporter_phone"], "13812345678");
    let r = leader.post(&format!("/api/v1/cases/{id}/reveal"), json!({}));
    assert_eq!(r.status, 403);

    // A photo from the grid worker's phone; a text file is refused by its content.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([1u8; 64]);
    let up = gw.send(
        "POST",
        &format!("/api/v1/cases/{id}/attachments?name=site.png"),
        Some(("image/png", png.clone())),
    );
    let att = ok(&up);
    assert_eq!(att["mime"], "image/png");
    let got = disp.get(&format!(
        "/api/v1/attachments/{}",
        att["id"].as_str().unwrap()
    ));
    assert_eq!(
        (got.status, got.header("content-type"), got.body.clone()),
        (200, Some("image/png"), png)
    );
    let bad = gw.send(
        "POST",
        &format!("/api/v1/cases/{id}/attachments?name=a.png"),
        Some(("image/png", b"not an image".to_vec())),
    );
    assert_eq!(
        (bad.status, bad.json()["code"].as_str()),
        (422, Some("unsupported_type"))
    );
    let street = s.login("street_dispatcher");
    assert_eq!(
        street
            .get(&format!(
                "/api/v1/attachments/{}",
                att["id"].as_str().unwrap()
            ))
            .status,
        404
    );

    // Field-named errors; nothing written.
    let r = gw.post(
        "/api/v1/cases",
        json!({"category_code": "0601", "region_code": VILLAGE}),
    );
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("description"))
    );
    let r = gw.post(
        "/api/v1/cases",
        json!({"category_code": "0601", "description": "x", "region_code": "320722001001"}),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (422, Some("out_of_scope"))
    );
    let r = gw.post("/api/v1/cases", json!({"category_code": "0601", "description": "x", "region_code": VILLAGE, "source": "hotline"}));
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("source"))
    );
    let leader_file = leader.post("/api/v1/cases", body.clone());
    assert_eq!(leader_file.status, 403);

    // Catalog: only the administrator edits; the calendar takes CSV.
    let admin = s.login("county_admin");
    let mut k = ok(&admin.get("/api/v1/case-categories"))["items"][1].clone();
    k["limit_value"] = json!(5);
    let code = k["code"].as_str().unwrap().to_string();
    assert_eq!(
        disp.send(
            "PUT",
            &format!("/api/v1/case-categories/{code}"),
            Some(("application/json", k.to_string().into_bytes()))
        )
        .status,
        403
    );
    let r = admin.send(
        "PUT",
        &format!("/api/v1/case-categories/{code}"),
        Some(("application/json", k.to_string().into_bytes())),
    );
    assert_eq!(ok(&r)["limit_value"], 5);
    let cal = ok(&admin.get("/api/v1/calendar/2026"));
    assert!(
        cal["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == "2026-10-10" && d["kind"] == "workday")
    );
    let r = admin.send(
        "POST",
        "/api/v1/calendar/2027",
        Some((
            "text/csv",
            b"date,kind\n2027-01-01,holiday\n2026-01-02,holiday\n".to_vec(),
        )),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["rows"][0]["row"], 3);
}

#[test]
fn public_endpoints_are_rate_limited() {
    let s = Server::start_with(temp_dir("ratelimit"), false, &["--public-rate", "3"]);
    let c = s.client();
    let codes: Vec<u16> = (0..5)
        .map(|_| {
            c.get("/api/v1/public/cases/320722-20261122-000001?secret=AAAAAA")
                .status
        })
        .collect();
    assert_eq!(codes, [404, 404, 404, 429, 429]);
    assert_eq!(
        c.get("/api/v1/public/cases/x?secret=y").json()["code"],
        "rate_limited"
    );
}

const REQUEST_FIELDS: [&str; 17] = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];

fn form(s: &Server, path: &str, body: &str) -> (u16, String) {
    let r = agent()
        .post(&format!("{}{path}", s.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.to_string())
        .unwrap();
    (r.status().as_u16(), r.into_body().read_to_string().unwrap())
}

#[test]
fn open311_services_and_requests_in_json_and_xml() {
    let s = demo_server();
    let anon = s.client();
    // Services: every field of the spec, in both formats.
    let services = ok(&anon.get("/open311/v2/services.json?jurisdiction_id=320722"));
    let first = &services[0];
    for f in [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ] {
        assert!(first.get(f).is_some(), "service field {f}: {first}");
    }
    assert_eq!(first["metadata"], false);
    let xml = String::from_utf8(anon.get("/open311/v2/services.xml").body).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<services><service><service_code>"),
        "{xml}"
    );
    assert_eq!(
        ok(&anon.get("/open311/v2/services/0101.json"))["service_code"],
        "0101"
    );
    let r = anon.get("/open311/v2/services/9999.xml");
    let body = String::from_utf8(r.body).unwrap();
    assert_eq!(r.status, 404);
    assert!(
        body.contains("<errors><error><code>404</code><description>"),
        "{body}"
    );
    let r = anon.get("/open311/v2/services.json?jurisdiction_id=32x");
    assert_eq!((r.status, r.json()[0]["code"].as_u64()), (400, Some(400)));

    // An API key, made by the administrator.
    let admin = s.login("county_admin");
    let k = ok(&admin.post("/api/v1/api-keys", json!({"name": "测试客户端"})));
    let key = k["key"].as_str().unwrap().to_string();
    assert!(
        ok(&admin.get("/api/v1/api-keys"))["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "测试客户端")
    );

    let (st, body) = form(
        s,
        "/open311/v2/requests.json",
        "service_code=0101&description=x&address_string=y",
    );
    assert_eq!(st, 403, "{body}");
    assert!(body.contains("\"code\":403"), "{body}");
    let (st, body) = form(
        s,
        "/open311/v2/requests.xml",
        &format!("api_key={key}&service_code=0101&description=x"),
    );
    assert_eq!(st, 400);
    assert!(body.contains("<errors><error><code>400</code>"), "{body}");

    let create = format!(
        "api_key={key}&jurisdiction_id=320722&service_code=0101&address_id={VILLAGE}&address_string=%E7%99%BD%E5%A1%94%E6%9D%91&description=%E5%9E%83%E5%9C%BE%E5%A0%86%E6%94%BE&device_id=dev-1&client_token=tok-{}&first_name=%E5%B0%8F%E6%98%8E&last_name=%E7%8E%8B",
        std::process::id()
    );
    let (st, body) = form(s, "/open311/v2/requests.json", &create);
    assert_eq!(st, 201, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    for f in ["service_request_id", "service_notice", "account_id"] {
        assert!(v[0].get(f).is_some(), "{f}: {v}");
    }
    let (st, again) = form(s, "/open311/v2/requests.json", &create);
    assert_eq!(st, 200, "a retry with the same device and token");
    assert!(again.contains(&id));
    let (st, xml) = form(
        s,
        "/open311/v2/requests.xml",
        &create.replace("tok-", "xml-"),
    );
    assert_eq!(st, 201);
    assert!(
        xml.contains("<service_requests><request><service_request_id>320722-"),
        "{xml}"
    );

    // One request, with and without the key; every field of the spec.
    let one = ok(&anon.get(&format!("/open311/v2/requests/{id}.json?api_key={key}")));
    for f in REQUEST_FIELDS {
        assert!(one[0].get(f).is_some(), "request field {f}: {one}");
    }
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["description"], "垃圾堆放");
    assert_eq!(one[0]["agency_responsible"], "");
    assert!(
        one[0]["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    let public = ok(&anon.get(&format!("/open311/v2/requests/{id}.json")));
    assert_eq!(
        public[0]["description"], "",
        "no resident text without a key"
    );
    let xml = String::from_utf8(anon.get(&format!("/open311/v2/requests/{id}.xml")).body).unwrap();
    for f in REQUEST_FIELDS {
        assert!(xml.contains(&format!("<{f}>")), "xml field {f}: {xml}");
    }
    // The list with its filters and the page/page_size extension.
    let page = ok(&anon.get("/open311/v2/requests.json?status=open&service_code=0101&page_size=2"));
    assert!(page.as_array().unwrap().len() <= 2);
    let closed = ok(&anon.get(&format!("/open311/v2/requests.json?status=closed&service_code=0101&start_date=2026-01-01T00:00:00Z&api_key={key}")));
    assert!(
        closed
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "closed")
    );
    let r = anon.get("/open311/v2/requests.json?start_date=yesterday");
    assert_eq!((r.status, r.json()[0]["code"].as_u64()), (400, Some(400)));
    // The staff see the same case.
    let disp = s.login("town_dispatcher");
    let q = ok(&disp.get("/api/v1/cases?q=%E5%9E%83%E5%9C%BE%E5%A0%86%E6%94%BE"));
    let mine = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == id.as_str())
        .expect("found")
        .clone();
    assert_eq!(
        (mine["source"].as_str(), mine["reporter_name"].as_str()),
        (Some("open311"), Some("王小明"))
    );
    // Revoked keys stop working.
    let kid = k["api_key"]["id"].as_str().unwrap();
    assert_eq!(
        admin
            .send("DELETE", &format!("/api/v1/api-keys/{kid}"), None)
            .status,
        200
    );
    let (st, _) = form(
        s,
        "/open311/v2/requests.json",
        &create.replace("tok-", "late-"),
    );
    assert_eq!(st, 403);
}

/// A verification queued offline and sent twice (its answer lost the first time) is taken once:
/// the resend with the same Idempotency-Key answers the case as it is, not `stale_case`.
#[test]
fn a_resent_case_action_with_its_key_is_taken_once() {
    let s = Server::start(temp_dir("action-keys"), true);
    let gw = s.login("village_grid_worker");
    let r = gw.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "重发测试", "region_code": "320722101200"}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let version = r.json()["version"].clone();
    let disp = s.login("town_dispatcher");
    let body = json!({"action": "accept", "version": version}).to_string();
    let send = || {
        disp.send_with(
            "POST",
            &format!("/api/v1/cases/{id}/actions"),
            Some(("application/json", body.clone().into_bytes())),
            &[("Idempotency-Key", "verify-0001")],
        )
    };
    let (a, b) = (send(), send());
    assert_eq!(
        (a.status, b.status),
        (200, 200),
        "{}",
        String::from_utf8_lossy(&b.body)
    );
    assert_eq!(a.json()["version"], b.json()["version"]);
    let events = disp.get(&format!("/api/v1/cases/{id}")).json()["events"].clone();
    let accepts = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "accept")
        .count();
    assert_eq!(accepts, 1, "{events}");
}
