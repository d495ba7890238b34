//! The registry over HTTP: what each role may write and reveal, persons created, searched and
//! refused with clear errors, and a CSV/XLSX round trip.

use crate::common::*;
use crate::{first, urlenc};
use serde_json::json;

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
    // The log names its target (the surname only), not just its id.
    let name: String = full["name"].as_str().unwrap().chars().collect();
    let masked: String = name
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect();
    let entry = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "reveal_pii" && e["target_id"] == p["id"])
        .unwrap();
    assert_eq!(entry["target_name"], masked.as_str(), "{entry}");
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
