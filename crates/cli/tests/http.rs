//! HTTP tests against the real `tongchou serve --demo` on a real SQLite file.

#[path = "http/accounts.rs"]
mod accounts;
#[path = "http/assess.rs"]
mod assess;
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
#[path = "http/maps.rs"]
mod maps;
#[path = "http/observe.rs"]
mod observe;
#[path = "http/open311_spec.rs"]
mod open311_spec;
#[path = "http/places.rs"]
mod places;
#[path = "http/public_outcome.rs"]
mod public_outcome;
#[path = "http/registry.rs"]
mod registry;
#[path = "http/robust.rs"]
mod robust;
#[path = "http/territory.rs"]
mod territory;
#[path = "http/visits.rs"]
mod visits;

use common::*;
use serde_json::{Value, json};

const TOWN: &str = "320722101"; // 白塔埠镇 (rural)
const STREET: &str = "320722001"; // 牛山街道 (urban)

fn before_address(c: &Client, hid: &str) -> Value {
    c.get(&format!("/api/v1/households/{hid}")).json()["address"].clone()
}

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
    // Every module is in the import map (versioned); every relative import of
    // every module names a module the map has, so none is fetched unversioned or missing.
    let map = html
        .split("<script type=\"importmap\">")
        .nth(1)
        .and_then(|r| r.split("</script>").next())
        .expect("an import map");
    let map: serde_json::Value = serde_json::from_str(map).unwrap();
    let map = map["imports"].as_object().unwrap();
    assert!(map.len() >= 15, "{map:?}");
    // The map library and its styles are in the map (versioned, so the service worker keeps
    // them) but loaded by the first map, not with every page.
    assert!(map.contains_key("/assets/vendor/leaflet.js"), "{map:?}");
    assert!(map.contains_key("/assets/vendor/leaflet.css"), "{map:?}");
    assert!(
        !html.contains("href=\"/assets/vendor/leaflet.css"),
        "not linked from the page"
    );
    for (bare, versioned) in map {
        let versioned = versioned.as_str().unwrap();
        let preloaded = html.contains(&format!("rel=\"modulepreload\" href=\"{versioned}\""));
        // The first view's modules come with the page; the other areas right after it.
        let first_view = [
            "/assets/main.js",
            "/assets/core/router.js",
            "/assets/accounts.js",
            "/assets/public.js",
        ];
        if bare.starts_with("/assets/vendor/") || first_view.contains(&bare.as_str()) {
            assert_eq!(preloaded, first_view.contains(&bare.as_str()), "{bare}");
        }
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
