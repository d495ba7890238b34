//! GeoReport v2 as a third-party client reads the specification: 404 for unknown requests,
//! services and jurisdictions; comma lists; an optional description up to 4,000 characters;
//! lists of up to 1,000 with `service_request_id` overriding the rest; the 90-day span; errors in
//! the GeoReport format on every path and method; discovery; `api_key` in the query string;
//! `media_url` and `email` kept (the e-mail never shown); attributes refused; a grid `address_id`
//! kept; `expected_datetime` the handling deadline; `charset=utf-8`; a key above county level
//! files by position.

use crate::common::*;
use serde_json::{Value, json};

fn post_form(base: &str, path: &str, body: &str) -> (u16, String, String) {
    let r = agent()
        .post(&format!("{base}{path}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        ct,
        r.into_body().read_to_string().unwrap_or_default(),
    )
}

fn get_raw(base: &str, path: &str) -> (u16, String, String) {
    let r = agent().get(&format!("{base}{path}")).call().unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        ct,
        r.into_body().read_to_string().unwrap_or_default(),
    )
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn georeport_v2_as_the_specification_reads() {
    let s = Server::start_with(temp_dir("open311"), true, &["--public-rate", "100000"]);
    let b = s.base.as_str();
    let county = s.login("county_admin");
    let key = county
        .post("/api/v1/api-keys", json!({"name": "第三方"}))
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let list = |q: &str| -> Vec<Value> {
        let (st, ct, body) = get_raw(b, &format!("/open311/v2/requests.json?api_key={key}&{q}"));
        assert_eq!(st, 200, "{q}: {body}");
        assert_eq!(ct, "application/json; charset=utf-8");
        serde_json::from_str(&body).unwrap()
    };
    let file = |extra: &str| {
        post_form(
            b,
            "/open311/v2/requests.json",
            &format!("api_key={key}&jurisdiction_id=320722&{extra}"),
        )
    };

    // Description optional (the service names the request) and up to 4,000 characters.
    let (st, _, body) = file("service_code=0101&address_id=320722101200");
    assert_eq!(st, 201, "{body}");
    let bare: Value = serde_json::from_str(&body).unwrap();
    let bare_id = bare[0]["service_request_id"].as_str().unwrap().to_string();
    let long = "垃".repeat(4000);
    let (st, _, body) = file(&format!(
        "service_code=0101&address_id=320722101200&description={}",
        enc(&long)
    ));
    assert_eq!(st, 201, "{body}");
    let (st, _, body) = file(&format!(
        "service_code=0101&address_id=320722101200&description={}",
        enc(&format!("{long}垃"))
    ));
    assert_eq!(st, 400, "{body}");
    // A control character is refused in the GeoReport error format.
    let (st, ct, body) = file("service_code=0101&address_id=320722101200&description=a%00b");
    assert_eq!(
        (st, ct.as_str()),
        (400, "application/json; charset=utf-8"),
        "{body}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()[0]["code"],
        400
    );

    // Unknown service, jurisdiction, request: 404.
    assert_eq!(file("service_code=9999&address_id=320722101200").0, 404);
    let (st, _, _) = post_form(
        b,
        "/open311/v2/requests.json",
        &format!("api_key={key}&jurisdiction_id=320799&service_code=0101&address_string=x"),
    );
    assert_eq!(st, 404);
    assert_eq!(
        get_raw(b, "/open311/v2/services.json?jurisdiction_id=320799").0,
        404
    );
    let (st, _, body) = get_raw(b, "/open311/v2/requests/320722-20200101-000001.json");
    assert_eq!(st, 404, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()[0]["code"],
        404
    );
    let (st, ct, body) = get_raw(b, "/open311/v2/requests/320722-20200101-000001.xml");
    assert!(
        st == 404 && ct.starts_with("text/xml") && body.contains("<code>404</code>"),
        "{body}"
    );
    assert_eq!(
        get_raw(
            b,
            &format!("/open311/v2/requests.json?api_key={key}&service_code=0101,9999")
        )
        .0,
        404
    );

    // Media and e-mail are kept; the e-mail never appears in any answer.
    let (st, _, body) = file(
        "service_code=0601&address_id=320722101200&description=%E4%BA%95%E7%9B%96&email=wang%40example.cn&media_url=https%3A%2F%2Fimg.example.cn%2F1.jpg",
    );
    assert_eq!(st, 201, "{body}");
    let mid = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let one = list(&format!("service_request_id={mid}"));
    assert_eq!(one[0]["media_url"], "https://img.example.cn/1.jpg");
    assert!(!one[0].to_string().contains("wang@example.cn"));
    let staff = county.get("/api/v1/cases?q=井盖&page_size=50").json();
    assert!(
        staff.to_string().contains(&mid),
        "the case is in the staff list"
    );
    assert!(!staff.to_string().contains("wang@example.cn"));
    // Staff who call reporters back see it through the audited reveal.
    let sid = staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == mid.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let disp = s.login("county_dispatcher");
    let full = disp
        .post(&format!("/api/v1/cases/{sid}/reveal"), json!({}))
        .json();
    assert_eq!(full["reporter_email"], "wang@example.cn");
    // Attributes this service does not define are refused, not dropped.
    assert_eq!(
        file("service_code=0101&address_id=320722101200&attribute%5Bcolor%5D=red").0,
        400
    );

    // Comma lists; the id list overrides every other filter.
    let both = list("service_code=0101,0601");
    assert!(
        both.len() >= 3
            && both
                .iter()
                .all(|r| r["service_code"] == "0101" || r["service_code"] == "0601")
    );
    assert!(both.iter().any(|r| r["service_code"] == "0601"));
    let open_or_closed = list("status=open,closed&service_code=0101,0601");
    assert_eq!(open_or_closed.len(), both.len());
    let by_id = list(&format!(
        "service_request_id={bare_id},{mid}&status=closed&service_code=0202"
    ));
    assert_eq!(by_id.len(), 2, "ids override the other filters");
    // The 90-day span; the default page holds more than 20.
    assert_eq!(
        get_raw(
            b,
            &format!(
                "/open311/v2/requests.json?api_key={key}&start_date=2026-01-01&end_date=2026-06-01"
            )
        )
        .0,
        400
    );
    for i in 0..22 {
        assert_eq!(
            file(&format!(
                "service_code=0701&address_id=320722101200&description=%E8%B7%AF{i}"
            ))
            .0,
            201
        );
    }
    assert!(
        list("service_code=0701").len() >= 22,
        "the default page is not 20"
    );

    // A grid address_id is kept; expected_datetime is when handling is due, after the stages
    // still to come (later than the current stage's deadline).
    let grid = county.get("/api/v1/grids?region=320722101200").json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, _, body) = file(&format!(
        "service_code=0101&address_id={grid}&description=%E7%BD%91%E6%A0%BC"
    ));
    assert_eq!(st, 201, "{body}");
    let gid = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = &list(&format!("service_request_id={gid}"))[0];
    assert_eq!(r["address_id"], grid.as_str());
    let staff = county.get("/api/v1/cases?q=网格&page_size=50").json();
    let c = staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == gid.as_str())
        .unwrap();
    let stage_deadline = c["deadline_at"].as_i64().unwrap();
    let expected = r["expected_datetime"].as_str().unwrap();
    let num = |a: usize, b: usize| expected[a..b].parse::<i64>().unwrap();
    let expected_ms = tongchou_domain::calendar::start_of_day_ms(
        tongchou_domain::calendar::day_of(&expected[..10]).unwrap(),
    ) + num(11, 13) * 3_600_000
        + num(14, 16) * 60_000
        + num(17, 19) * 1000;
    assert!(expected.ends_with("+08:00"), "{expected}");
    assert!(
        expected_ms > stage_deadline,
        "{expected} vs the stage's {stage_deadline}"
    );

    // api_key in the query string; errors in the GeoReport format on every path and method.
    let (st, _, body) = post_form(
        b,
        &format!("/open311/v2/requests.json?api_key={key}"),
        "jurisdiction_id=320722&service_code=0101&address_id=320722101200&description=q",
    );
    assert_eq!(st, 201, "{body}");
    let r = agent()
        .delete(&format!("{b}/open311/v2/requests.json"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.into_body().read_json::<Value>().unwrap()[0]["code"], 405);
    let (st, _, body) = get_raw(b, "/open311/v2/nothing.json");
    assert_eq!(
        (
            st,
            serde_json::from_str::<Value>(&body).unwrap()[0]["code"].as_i64()
        ),
        (404, Some(404))
    );
    let (st, _, body) = get_raw(b, "/open311/v2/nothing.xml");
    assert!(
        st == 404 && body.contains("<errors><error><code>404</code>"),
        "{body}"
    );

    // Discovery.
    let (st, ct, body) = get_raw(b, "/open311/discovery.json");
    assert_eq!((st, ct.as_str()), (200, "application/json; charset=utf-8"));
    let d: Value = serde_json::from_str(&body).unwrap();
    assert!(
        d["endpoints"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/open311/v2")
    );
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let (st, _, body) = get_raw(b, "/open311/discovery.xml");
    assert!(
        st == 200 && body.contains("<discovery>") && body.contains("<format>text/xml</format>")
    );

    // A key scoped above any county files by position: the nearest grid within 5 km.
    let top = s.login("admin");
    let wide = top
        .post("/api/v1/api-keys", json!({"name": "全省客户端"}))
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let g = county.post(
        "/api/v1/grids",
        json!({"code": "320722101200098", "name": "定位网格", "centroid_lat": 34.5501, "centroid_lng": 118.7702}),
    );
    assert_eq!(g.status, 201, "{}", String::from_utf8_lossy(&g.body));
    let (st, _, body) = post_form(
        b,
        "/open311/v2/requests.json",
        &format!("api_key={wide}&service_code=0101&lat=34.5502&long=118.7701&description=p"),
    );
    assert_eq!(st, 201, "{body}");
    let pid = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, one) = get_raw(
        b,
        &format!("/open311/v2/requests/{pid}.json?api_key={wide}"),
    );
    assert!(one.contains("320722101200098"), "{one}");
    let (st, _, body) = post_form(
        b,
        "/open311/v2/requests.json",
        &format!("api_key={wide}&service_code=0101&lat=1.0&long=1.0&description=p"),
    );
    assert_eq!(st, 400, "{body}");
}
