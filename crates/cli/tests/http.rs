//! HTTP tests against the real `tongchou serve --demo` on a real SQLite file.

#[path = "http/accounts.rs"]
mod accounts;
#[path = "http/audit_walk.rs"]
mod audit_walk;
#[path = "http/cases.rs"]
mod cases;
mod common;
#[path = "http/conformance.rs"]
mod conformance;
#[path = "http/hygiene.rs"]
mod hygiene;
#[path = "http/import.rs"]
mod import;
#[path = "http/login.rs"]
mod login;
#[path = "http/observe.rs"]
mod observe;
#[path = "http/open311_spec.rs"]
mod open311_spec;
#[path = "http/places.rs"]
mod places;
#[path = "http/public_outcome.rs"]
mod public_outcome;
#[path = "http/robust.rs"]
mod robust;
#[path = "http/visits.rs"]
mod visits;

use common::*;
use serde_json::{Value, json};

const TOWN: &str = "320722101"; // 白塔埠镇 (rural)
const STREET: &str = "320722001"; // 牛山街道 (urban)

fn first(c: &Client, path: &str) -> Value {
    let r = c.get(path);
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["items"][0].clone()
}

#[test]
fn health_login_csrf_and_session_cookie() {
    let s = demo_server();
    let anon = s.client();
    assert_eq!(anon.get("/healthz").json()["status"], "ok");
    let r = anon.get("/api/v1/regions/3207");
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (401, Some("unauthorized"))
    );

    let mut c = s.client();
    let (status, body) = c.login("county_leader", "wrong-password-1");
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_credentials"))
    );
    let (status, body) = c.login("nobody", "whatever");
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_credentials"))
    );

    let mut c = s.client();
    let login = c.send(
        "POST",
        "/api/v1/auth/login",
        Some((
            "application/json",
            json!({"username": "county_leader", "password": PASSWORD})
                .to_string()
                .into_bytes(),
        )),
    );
    assert_eq!(login.status, 200);
    let cookie = login.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    c.login("county_leader", PASSWORD);
    let me = c.get("/api/v1/me").json();
    assert_eq!(me["role"], "leader");
    assert_eq!(me["scope_code"], "320722000000");

    // A state-changing request without the CSRF token is refused.
    let mut admin = s.login("county_admin");
    let token = admin.csrf.take();
    let r = admin.post(
        "/api/v1/regions",
        json!({"code": "320722101299", "name": "无令牌村"}),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (403, Some("csrf_failed"))
    );
    admin.csrf = Some("forged".into());
    assert_eq!(
        admin
            .post(
                "/api/v1/regions",
                json!({"code": "320722101299", "name": "x"})
            )
            .status,
        403
    );
    admin.csrf = token;
    assert_eq!(
        admin.get("/api/v1/regions/320722101299").status,
        404,
        "nothing was written"
    );

    // Logout ends the session.
    let out = c.send("POST", "/api/v1/auth/logout", None);
    assert_eq!(out.status, 204);
    assert_eq!(c.get("/api/v1/me").status, 401);
}

#[test]
fn lockout_after_five_failures() {
    let s = demo_server();
    let mut c = s.client();
    for i in 0..5 {
        let (status, _) = c.login("village_handler", &format!("wrong-{i}"));
        assert_eq!(status, 401);
    }
    let (status, body) = c.login("village_handler", PASSWORD);
    assert_eq!(
        (status, body["code"].as_str()),
        (423, Some("account_locked")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("分钟"));
    let log = s
        .login("village_admin")
        .get("/api/v1/audit?page_size=200")
        .json();
    let failures = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login_failed" && e["target_id"] == "village_handler")
        .count();
    assert_eq!(failures, 5, "each failed login is audited");
}

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

fn before_address(c: &Client, hid: &str) -> Value {
    c.get(&format!("/api/v1/households/{hid}")).json()["address"].clone()
}

#[test]
fn roles_limit_writes_and_reveals() {
    let s = demo_server();
    let leader = s.login("village_leader");
    let p = first(&leader, "/api/v1/persons?page_size=1");
    assert_eq!(p["masked"], true);
    assert!(p["id_number"].as_str().unwrap().contains("********"));
    let r = leader.send(
        "POST",
        &format!("/api/v1/persons/{}/reveal", p["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (403, Some("forbidden"))
    );
    let r = leader.post(
        "/api/v1/households",
        json!({"grid_code": p["grid_code"], "address": "领导不能写"}),
    );
    assert_eq!(r.status, 403);
    let resident = s.login("village_resident");
    assert_eq!(resident.get("/api/v1/persons").status, 403);

    // A grid worker may reveal; the read is audited.
    let gw = s.login("village_grid_worker");
    let full = gw
        .send(
            "POST",
            &format!("/api/v1/persons/{}/reveal", p["id"].as_str().unwrap()),
            None,
        )
        .json();
    assert_eq!(full["masked"], false);
    assert_eq!(full["id_number"].as_str().unwrap().len(), 18);
    let admin = s.login("county_admin");
    let log = admin.get("/api/v1/audit?page_size=200").json();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "reveal_pii"
                && e["username"] == "village_grid_worker"
                && e["target_id"] == p["id"]),
        "reveal audited"
    );
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "login" && e["username"] == "village_leader"),
        "logins audited"
    );
    assert_eq!(leader.get("/api/v1/audit").status, 403);
}

#[test]
fn create_and_search_persons_with_clear_errors() {
    let s = demo_server();
    let c = s.login("village_agent");
    let grid = first(&c, "/api/v1/grids?region=320722101200");
    let g = grid["code"].as_str().unwrap();

    let h = c.post(
        "/api/v1/households",
        json!({"grid_code": g, "address": "接口测试1号", "phone": "13812345678"}),
    );
    assert_eq!(h.status, 201, "{}", String::from_utf8_lossy(&h.body));
    let h = h.json();
    assert_eq!(h["phone"], "138****5678");
    let hid = h["id"].as_str().unwrap();
    let dup = c.post(
        "/api/v1/households",
        json!({"grid_code": g, "address": "接口测试1号"}),
    );
    assert_eq!(
        (dup.status, dup.json()["field"].as_str()),
        (409, Some("address"))
    );

    let idn = id_number("320722", "19900315", 777);
    let p = c.post("/api/v1/persons", json!({"household_id": hid, "name": "欧阳测试", "id_number": idn, "relation": "户主", "tags": ["veteran"]}));
    assert_eq!(p.status, 201, "{}", String::from_utf8_lossy(&p.body));
    let p = p.json();
    assert_eq!(
        (p["sex"].as_str(), p["birth_date"].as_str()),
        (Some("male"), Some("1990-03-15"))
    );
    assert_eq!(
        p["id_number"],
        format!("{}********{}", &idn[..6], &idn[14..])
    );

    // Bad inputs: 4xx, the field named, nothing written.
    let cases = [
        (
            json!({"household_id": hid, "name": "甲", "id_number": format!("{}0", &idn[..17])}),
            422,
            "id_number",
        ),
        (
            json!({"household_id": hid, "name": "", "id_number": id_number("320722", "19900101", 5)}),
            422,
            "name",
        ),
        (
            json!({"household_id": hid, "name": "乙", "id_number": idn}),
            409,
            "id_number",
        ),
        (
            json!({"household_id": hid, "name": "丙", "id_number": id_number("320722", "19900101", 7), "residence_type": "外星"}),
            422,
            "residence_type",
        ),
        (
            json!({"household_id": hid, "name": "丁", "id_number": id_number("320722", "19900101", 9), "phone": "12"}),
            422,
            "phone",
        ),
        (
            json!({"name": "戊", "id_number": id_number("320722", "19900101", 11)}),
            422,
            "household_id",
        ),
    ];
    for (body, status, field) in cases {
        let r = c.post("/api/v1/persons", body.clone());
        let j = r.json();
        assert_eq!(
            (r.status, j["field"].as_str()),
            (status, Some(field)),
            "{body} → {j}"
        );
        let (label, label_en) = tongchou_domain::error::field_label(field);
        assert!(
            j["message"].as_str().unwrap().contains(label),
            "message names the field by its label: {j}"
        );
        // Asked in English, the answer is in English only, the field by its English label.
        let en = c.send_with(
            "POST",
            "/api/v1/persons",
            Some(("application/json", body.to_string().into_bytes())),
            &[("Accept-Language", "en-US,en;q=0.9")],
        );
        let m = en.json()["message"].as_str().unwrap().to_string();
        assert!(
            m.contains(label_en) && !m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{m}"
        );
    }
    let r = c.send(
        "POST",
        "/api/v1/persons",
        Some(("application/json", b"{\"name\": ".to_vec())),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("invalid_json"))
    );
    let r = c.send(
        "POST",
        "/api/v1/persons",
        Some(("text/plain", b"{}".to_vec())),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let members = c.get(&format!("/api/v1/persons?household={hid}")).json();
    assert_eq!(
        members["items"].as_array().unwrap().len(),
        1,
        "only the good person was written"
    );

    let in_grid = c
        .get(&format!("/api/v1/persons?grid={g}&page_size=5"))
        .json();
    let items = in_grid["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|p| p["grid_code"] == g));

    // Search by a two-character fragment and by ID number.
    let found = c
        .get(&format!("/api/v1/persons?q={}", urlenc("欧阳")))
        .json();
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "欧阳测试")
    );
    let found = c.get(&format!("/api/v1/persons?id_number={idn}")).json();
    assert_eq!(found["items"][0]["name"], "欧阳测试");
    // A result says where the person lives, so two of the same name can be told apart.
    let place = &found["items"][0]["place"];
    assert!(
        place["village"].as_str().is_some_and(|v| !v.is_empty())
            && place["address"].as_str().is_some_and(|a| !a.is_empty()),
        "{place}"
    );
    // A single person's page does not carry it.
    assert!(
        c.get(&format!("/api/v1/persons/{}", p["id"].as_str().unwrap()))
            .json()["place"]
            .is_null()
    );

    // Update: rename, and the search follows.
    let pid = p["id"].as_str().unwrap();
    let r = c.patch(
        &format!("/api/v1/persons/{pid}"),
        json!({"name": "司马测试", "id_number": idn, "relation": "户主"}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let found = c
        .get(&format!("/api/v1/persons?q={}", urlenc("司马测")))
        .json();
    assert_eq!(found["items"][0]["id"], p["id"]);
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
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("geojson"))
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

#[test]
fn import_and_export_round_trip() {
    let s = demo_server();
    let c = s.login("village_grid_worker"); // 白塔村委会
    let grid = first(&c, "/api/v1/grids?region=320722101200")["code"]
        .as_str()
        .unwrap()
        .to_string();

    // CSV export has a BOM and imports again unchanged.
    let export = c.get("/api/v1/export/persons.csv");
    assert_eq!(export.status, 200);
    assert!(export.body.starts_with(b"\xEF\xBB\xBF"));
    assert!(
        export
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    let rows = String::from_utf8_lossy(&export.body).lines().count() - 1;
    assert!(rows > 100, "{rows}");
    let back = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", export.body.clone())),
    );
    assert_eq!(back.status, 200, "{}", String::from_utf8_lossy(&back.body));
    let counts = back.json();
    assert_eq!(
        (
            counts["persons_created"].as_u64(),
            counts["persons_updated"].as_u64()
        ),
        (Some(0), Some(rows as u64))
    );
    assert_eq!(counts["households_created"], 0);

    // A GB18030 file with a new household and person.
    let idn = id_number("320722", "19700707", 123);
    let text = format!(
        "网格代码,地址,姓名,身份证号,居住类型,标签\n{grid},导入新户9号,导入张三,{idn},户籍,60+;dibao\n"
    );
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", gb.into_owned())),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["persons_created"], 1);
    let p = first(&c, &format!("/api/v1/persons?id_number={idn}"));
    assert_eq!(p["name"], "导入张三");
    assert_eq!(p["tags"], json!(["60+", "dibao"]));

    // A bad file: every bad row reported, nothing written.
    let idn2 = id_number("320722", "19800808", 124);
    let bad = format!(
        "grid_code,address,name,id_number\n{grid},好户1号,好人,{idn2}\n{grid},坏户,坏人,320722198001011234\n999,坏户2,坏人2,{idn2}\n{grid},,无地址,{}\n",
        id_number("320722", "19800808", 126)
    );
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", bad.into_bytes())),
    );
    assert_eq!(r.status, 422);
    let j = r.json();
    assert_eq!(j["code"], "import_rejected");
    let got: Vec<(u64, String)> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "id_number".into()),
            (4, "grid_code".into()),
            (5, "address".into())
        ]
    );
    assert!(
        c.get(&format!("/api/v1/persons?id_number={idn2}")).json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // XLSX both ways.
    let x = c.get("/api/v1/export/households.xlsx");
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK\x03\x04"));
    let xp = c.get("/api/v1/export/persons.xlsx");
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some((
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xp.body,
        )),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["persons_created"], 0);

    // Wrong types and oversize uploads.
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("image/png", b"\x89PNG\r\n".to_vec())),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", b"PK\x03\x04rest".to_vec())),
    );
    assert_eq!(r.status, 415);
    // One byte over the 10 MiB limit: the server has read the whole body when it refuses, so the
    // refusal never races the upload.
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", vec![b'a'; 10 * 1024 * 1024 + 1])),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (413, Some("upload_too_large"))
    );
}

#[test]
fn openapi_matches_snapshot_and_routes() {
    let s = demo_server();
    let doc = s.client().get("/api/openapi.json").json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../web/tests/snapshots/openapi.json");
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, &pretty).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).expect("snapshot (run with UPDATE_SNAPSHOTS=1 to create)");
    assert_eq!(
        pretty, expected,
        "the OpenAPI document changed: review and run with UPDATE_SNAPSHOTS=1"
    );
    // Every documented operation is served.
    let c = s.login("county_admin");
    for (p, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let concrete = p
                .replace("{code}", "320722")
                .replace("{id}", "1")
                .replace("{kind}", "persons")
                .replace("{file}", "persons.csv")
                .replace("{year}", "2026")
                .replace("{number}", "320722-20261122-000001");
            let r = c.send(
                &method.to_uppercase(),
                &concrete,
                Some(("application/json", b"{}".to_vec())),
            );
            let code = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v["code"].as_str().map(String::from));
            assert_ne!(code.as_deref(), Some("no_route"), "{method} {p}");
            assert_ne!(r.status, 405, "{method} {p}");
        }
    }
}

#[test]
fn ui_is_served_from_the_binary() {
    let s = demo_server();
    let c = s.client();
    let page = c.get("/");
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("/assets/main.js?v="));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    assert_eq!(c.get("/assets/app.css").status, 200);
    // Every module is in the import map (versioned) and preloaded; every relative import of
    // every module names a module the map has, so none is fetched unversioned or missing.
    let map = html
        .split("<script type=\"importmap\">")
        .nth(1)
        .and_then(|r| r.split("</script>").next())
        .expect("an import map");
    let map: serde_json::Value = serde_json::from_str(map).unwrap();
    let map = map["imports"].as_object().unwrap();
    assert!(map.len() >= 15, "{map:?}");
    for (bare, versioned) in map {
        let versioned = versioned.as_str().unwrap();
        assert!(html.contains(&format!("rel=\"modulepreload\" href=\"{versioned}\"")));
        let js = c.get(versioned);
        assert_eq!(js.status, 200, "{versioned}");
        let body = String::from_utf8(js.body).unwrap();
        let dir = &bare[..bare.rfind('/').unwrap()];
        for spec in body
            .split("from \"")
            .skip(1)
            .chain(body.split("import \"").skip(1))
        {
            let spec = spec.split('"').next().unwrap();
            let mut parts: Vec<&str> = dir.split('/').collect();
            for seg in spec.split('/') {
                match seg {
                    "." => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            let target = parts.join("/");
            assert!(
                map.contains_key(&target),
                "{bare} imports {spec} ({target}), not served"
            );
        }
    }
    // The service worker is revalidated on every check, and the install manifest is served.
    let sw = c.get("/sw.js");
    assert_eq!(sw.header("cache-control"), Some("no-cache"));
    let sw = String::from_utf8(sw.body).unwrap();
    assert!(sw.contains("/assets/main.js?v=") && !sw.contains("__PRECACHE__"));
    let manifest = c.get("/assets/manifest.webmanifest");
    assert_eq!(
        manifest.header("content-type"),
        Some("application/manifest+json")
    );
    assert_eq!(manifest.json()["start_url"], "/#/");
    // The page names its icon, so browsers do not ask for a missing /favicon.ico.
    assert!(html.contains("rel=\"icon\" type=\"image/svg+xml\" href=\"/assets/favicon.svg?v="));
    let icon = c.get("/assets/favicon.svg");
    assert_eq!(
        (icon.status, icon.header("content-type")),
        (200, Some("image/svg+xml"))
    );
    assert_eq!(c.get("/nope").json()["code"], "no_route");
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
