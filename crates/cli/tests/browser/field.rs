//! The grid worker's phone with no network: a visit and a report with a photo made offline wait
//! in the outbox ("N waiting to send") and nothing reaches the server; when the network returns
//! each is stored exactly once. Photos are shrunk in the browser before they are sent.

use crate::common::*;
use crate::driver::Driver;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const VILLAGE: &str = "320722101200";
/// Cases whose text holds 离线上报 (the report made offline).
const FILED_QUERY: &str = "/api/v1/cases?q=%E7%A6%BB%E7%BA%BF%E4%B8%8A%E6%8A%A5";

fn wait_until(d: &Driver, what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; page: {}",
            d.text("body")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A PNG the server accepts (its type is read from the first bytes).
fn png_file() -> std::path::PathBuf {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(std::iter::repeat_n(7u8, 2000));
    let path = temp_dir("photo").join("site.png");
    std::fs::write(&path, png).unwrap();
    path
}

#[test]
fn offline_visit_and_report_with_photo_are_each_stored_once_when_the_network_returns() {
    let Some(d) = Driver::start() else { return };
    let s = Server::start(temp_dir("field-offline"), true);
    let admin = s.login("admin");
    let grids = admin.get(&format!("/api/v1/grids?region={VILLAGE}")).json();
    let grid = grids["items"][0]["code"].as_str().unwrap().to_string();
    let user = format!("gw_{grid}");
    let gw = s.login(&user);

    // The phone lands on the task list, and the service worker takes the page over.
    d.login_as(&s.base, &user);
    d.wait_for("h1", "今日任务");
    wait_until(&d, "the service worker", || {
        d.run_async(
            "const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => done(!!navigator.serviceWorker.controller));",
            json!([]),
        ) == Value::Bool(true)
            || {
                d.goto(&format!("{}/#/tasks", s.base));
                false
            }
    });
    d.wait_for("a.due-link", "");
    let visit_href = d.cmd(
        "POST",
        "/execute/sync",
        json!({"script": "return document.querySelector('a.due-link').getAttribute('href')", "args": []}),
    );
    let household_id = visit_href
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    d.click("a.due-link", "");
    d.wait_for("#visit-form", "");
    let household = d.text("h1");

    d.offline(true);
    d.type_into("#v-notes", "老人身体健康");
    d.type_into("#v-findings", "村口路灯不亮 离线上报");
    d.click("#v-submit", "");
    d.wait_for("#outbox-waiting", "1");
    d.wait_for("#visit-state", "没有网络");

    // The finding becomes a case in one tap, with a photo, still offline.
    d.click("#v-report", "");
    d.wait_for("#case-form", "");
    assert_eq!(
        d.cmd(
            "POST",
            "/execute/sync",
            json!({"script": "return document.querySelector('#c-description').value", "args": []})
        ),
        json!("村口路灯不亮 离线上报"),
        "the finding fills the report"
    );
    let category = gw.get("/api/v1/case-categories").json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["parent_code"].is_string() && c["active"] == true)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    d.select("#c-category", &category);
    d.type_into("#c-photo", png_file().to_str().unwrap());
    d.click("#c-submit", "");
    d.wait_for("#outbox-waiting", "2");

    // The household's own page, with its members, opens with no network too: the task list
    // kept it (its village, members and visits) in the background.
    wait_until(&d, "the household page with no network", || {
        d.goto(&format!("{}/#/household/{household_id}", s.base));
        std::thread::sleep(Duration::from_millis(300));
        d.cmd(
            "POST",
            "/execute/sync",
            json!({"script": "return !!document.querySelector('#member-list') && !!document.querySelector('#household-visits')", "args": []}),
        ) == Value::Bool(true)
    });

    // Nothing reached the server.
    let filed = |gw: &Client| {
        gw.get(FILED_QUERY).json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(filed(&gw), 0, "no case was filed while offline");

    // The network returns: the outbox sends both, each once (on the browser's "online" event,
    // or when the app is opened again — here the outbox page, freshly loaded).
    d.offline(false);
    d.goto(&format!("{}/#/outbox", s.base));
    d.wait_for("#outbox-send", "");
    wait_until(&d, "the outbox to empty", || {
        d.text("#outbox-state").trim().is_empty() && d.text("#outbox-list").contains("没有")
    });
    assert_eq!(filed(&gw), 1, "one case");
    let cases = gw.get(FILED_QUERY).json();
    let items = cases["items"].as_array().unwrap();
    let case = gw
        .get(&format!(
            "/api/v1/cases/{}",
            items[0]["id"].as_str().unwrap()
        ))
        .json();
    assert_eq!(
        case["attachments"].as_array().unwrap().len(),
        1,
        "one photo"
    );
    assert_eq!(case["case"]["source"], "grid");

    // The visit: once, on the household the worker stood at.
    let hs = gw
        .get(&format!("/api/v1/households?grid={grid}&page_size=200"))
        .json();
    let h = hs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| household.contains(h["address"].as_str().unwrap()))
        .expect("the visited household");
    let v = gw
        .get(&format!(
            "/api/v1/households/{}/visits",
            h["id"].as_str().unwrap()
        ))
        .json();
    let v = v["items"].as_array().unwrap();
    assert_eq!(v.len(), 1, "one visit: {v:?}");
    assert_eq!(v[0]["findings"], "村口路灯不亮 离线上报");

    // Sending again finds nothing waiting and stores nothing more.
    d.goto(&format!("{}/#/outbox", s.base));
    d.click("#outbox-send", "");
    assert_eq!(filed(&gw), 1);
}

#[test]
fn a_camera_photo_is_shrunk_to_a_jpeg_of_at_most_1600_px_before_it_is_sent() {
    let Some(d) = Driver::start() else { return };
    let s = demo_server();
    d.goto(&format!("{}/#/report", s.base));
    d.wait_for("#r-submit", "");
    // A 4000×3000 photo of noise (large as PNG), drawn in the page, through the app's own module.
    let r = d.run_async(
        r#"const done = arguments[arguments.length - 1];
        (async () => {
          const c = document.createElement("canvas"); c.width = 4000; c.height = 3000;
          const g = c.getContext("2d"); const img = g.createImageData(4000, 3000);
          for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 2654435761) >>> 24;
          g.putImageData(img, 0, 0);
          const blob = await new Promise((r) => c.toBlob(r, "image/png"));
          const file = new File([blob], "IMG_0001.png", { type: "image/png" });
          const { shrink } = await import("/assets/field/photo.js");
          const out = await shrink(file);
          const bmp = await createImageBitmap(out.blob);
          done({ before: file.size, after: out.blob.size, type: out.blob.type, name: out.name, w: bmp.width, h: bmp.height });
        })().catch((e) => done({ error: String(e) }));"#,
        json!([]),
    );
    assert!(r["error"].is_null(), "{r}");
    assert_eq!(r["type"], "image/jpeg", "{r}");
    assert_eq!(r["name"], "IMG_0001.jpg");
    assert_eq!((r["w"].as_i64(), r["h"].as_i64()), (Some(1600), Some(1200)));
    let (before, after) = (r["before"].as_i64().unwrap(), r["after"].as_i64().unwrap());
    assert!(
        after * 4 < before,
        "{after} is not much smaller than {before}"
    );
}
