//! Importing the registry as a county's own spreadsheets are written: tags by their Chinese
//! labels (and exported the same way), every error of a file in one answer (unknown grids with
//! the rest), and a template to fill in.

use crate::common::*;

#[test]
fn chinese_tags_every_error_in_one_pass_and_templates() {
    let s = demo_server();
    let c = s.login("village_grid_worker"); // 白塔村委会
    let grids = c.get("/api/v1/grids?region=320722101200").json();
    let grid = grids["items"][0]["code"].as_str().unwrap().to_string();

    // Row 2: a bad ID number; row 3: a grid that does not exist; row 4: honest. One answer
    // names rows 2 and 3, and nothing is written.
    let good = id_number("320722", "19500305", 411);
    let text = format!(
        "网格代码,地址,姓名,身份证号,居住类型,标签\n\
         {grid},一遍检查1号,甲,320722195003050000,户籍,低保\n\
         320722101200999,一遍检查2号,乙,{},户籍,\n\
         {grid},一遍检查3号,丙,{good},户籍,低保、空巢老人\n",
        id_number("320722", "19500305", 412)
    );
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", text.clone().into_bytes())),
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let rows: Vec<u64> = r.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [2, 3], "{}", r.json());
    assert!(
        r.json()["rows"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("320722101200999")
    );
    let none = c.get(&format!("/api/v1/persons?id_number={good}")).json();
    assert!(
        none["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );

    // Only the honest row: its Chinese tags are stored as codes, and exported as labels.
    let honest = format!(
        "网格代码,地址,姓名,身份证号,居住类型,标签\n{grid},一遍检查3号,丙,{good},户籍,低保、空巢老人\n"
    );
    let r = c.send(
        "POST",
        "/api/v1/import/persons",
        Some(("text/csv", honest.into_bytes())),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let p = c.get(&format!("/api/v1/persons?id_number={good}")).json();
    assert_eq!(
        p["items"][0]["tags"],
        serde_json::json!(["dibao", "empty_nest"])
    );
    let export = String::from_utf8(c.get("/api/v1/export/persons.csv").body).unwrap();
    let line = export.lines().find(|l| l.contains("一遍检查3号")).unwrap();
    assert!(line.ends_with("低保;空巢老人"), "{line}");

    // Templates: the headers only.
    let t = c.get("/api/v1/export/template-persons.csv");
    assert_eq!(t.status, 200);
    let body = String::from_utf8(t.body).unwrap();
    assert_eq!(
        body.trim_start_matches('\u{feff}').lines().count(),
        1,
        "{body}"
    );
    assert!(body.contains("网格代码") && body.contains("身份证号") && body.contains("标签"));
    let x = c.get("/api/v1/export/template-households.xlsx");
    assert_eq!((x.status, &x.body[..2]), (200, &b"PK"[..]));
}
