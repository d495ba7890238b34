//! Every write the OpenAPI document lists leaves a trace with its real actor: a row in the audit
//! log that the top administrator sees, or (for a case) a new event on the case's own
//! append-only timeline. A write with no recipe here fails the test, so a new endpoint cannot
//! slip in unaudited.

use crate::common::*;
use serde_json::{Value, json};

/// Where a write must leave its trace.
enum Trace {
    /// A new audit-log row by this username, with this action on this kind of target.
    Audit(&'static str, &'static str, &'static str),
    /// A new event on this case.
    Events(String),
    /// No trace, on purpose (the reason says why).
    Exempt(&'static str),
}

struct World {
    s: Server,
    top: Client,
    county: Client,
    town: Client,
    gw: Client,
}

impl World {
    fn newest_audit(&self) -> Vec<Value> {
        self.top.get("/api/v1/audit?page_size=50").json()["items"]
            .as_array()
            .unwrap()
            .clone()
    }
    fn events(&self, case: &str) -> usize {
        self.top.get(&format!("/api/v1/cases/{case}")).json()["events"]
            .as_array()
            .map_or(0, Vec::len)
    }
    fn new_case(&self) -> String {
        let r = self.gw.post(
            "/api/v1/cases",
            json!({"category_code": "0903", "description": "宅基地边界纠纷", "region_code": "320722101200", "reporter_phone": "13812345678"}),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["id"].as_str().unwrap().to_string()
    }
}

fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([1u8; 64]);
    png
}

fn expect_ok(r: &Resp, what: &str) -> Value {
    assert!(
        (200..300).contains(&r.status),
        "{what}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// Performs the write `method path` and says where its trace must be.
fn perform(w: &World, method: &str, path: &str) -> Trace {
    let (county, town, gw, top) = (&w.county, &w.town, &w.gw, &w.top);
    let send = |c: &Client, body: Value| {
        let r = c.send(
            &method.to_uppercase(),
            path,
            Some(("application/json", body.to_string().into_bytes())),
        );
        expect_ok(&r, path)
    };
    let at = |c: &Client, p: &str, body: Value| {
        let r = c.send(
            &method.to_uppercase(),
            p,
            Some(("application/json", body.to_string().into_bytes())),
        );
        expect_ok(&r, p)
    };
    let village = "320722101298";
    let grid = "320722101298001";
    match (method, path) {
        ("post", "/api/v1/auth/login") => {
            w.s.login("village_leader");
            Trace::Audit("village_leader", "login", "user")
        }
        ("post", "/api/v1/auth/logout") => {
            let c = w.s.login("village_agent");
            expect_ok(&c.send("POST", path, None), path);
            Trace::Audit("village_agent", "logout", "user")
        }
        ("post", "/api/v1/regions") => {
            send(county, json!({"code": village, "name": "审计村"}));
            Trace::Audit("county_admin", "create", "region")
        }
        ("patch", "/api/v1/regions/{code}") => {
            at(
                county,
                &format!("/api/v1/regions/{village}"),
                json!({"name": "审计新村"}),
            );
            Trace::Audit("county_admin", "update", "region")
        }
        ("post", "/api/v1/grids") => {
            send(county, json!({"code": grid, "name": "审计网格"}));
            Trace::Audit("county_admin", "create", "grid")
        }
        ("patch", "/api/v1/grids/{code}") => {
            at(
                county,
                &format!("/api/v1/grids/{grid}"),
                json!({"name": "审计网格二"}),
            );
            Trace::Audit("county_admin", "update", "grid")
        }
        ("post", "/api/v1/shapes/import") => {
            let ring = json!([
                [118.7, 34.5],
                [118.71, 34.5],
                [118.71, 34.51],
                [118.7, 34.51],
                [118.7, 34.5]
            ]);
            send(
                county,
                json!({"type": "FeatureCollection", "features": [{"type": "Feature",
                    "properties": {"code": grid}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}),
            );
            Trace::Audit("county_admin", "import", "shapes")
        }
        ("post", "/api/v1/households") => {
            send(county, json!({"grid_code": grid, "address": "审计1号"}));
            Trace::Audit("county_admin", "create", "household")
        }
        ("patch", "/api/v1/households/{id}") => {
            let h = expect_ok(
                &county.post(
                    "/api/v1/households",
                    json!({"grid_code": grid, "address": "审计2号"}),
                ),
                "household",
            );
            let id = h["id"].as_str().unwrap();
            at(
                county,
                &format!("/api/v1/households/{id}"),
                json!({"grid_code": grid, "address": "审计3号"}),
            );
            Trace::Audit("county_admin", "update", "household")
        }
        ("post", "/api/v1/households/{id}/visits") => {
            let hs = gw.get("/api/v1/households?page_size=1").json();
            let id = hs["items"][0]["id"].as_str().unwrap().to_string();
            at(
                gw,
                &format!("/api/v1/households/{id}/visits"),
                json!({"purpose": "routine", "notes": "审计走访"}),
            );
            Trace::Audit("village_grid_worker", "visit.record", "household")
        }
        ("post", "/api/v1/patrols") | ("post", "/api/v1/patrols/{id}/end") => {
            let hs = gw.get("/api/v1/households?page_size=1").json();
            let grid = hs["items"][0]["grid_code"].as_str().unwrap().to_string();
            let p = expect_ok(
                &gw.post("/api/v1/patrols", json!({"grid_code": grid})),
                "patrol",
            );
            if path == "/api/v1/patrols" {
                return Trace::Audit("village_grid_worker", "patrol.start", "grid");
            }
            let id = p["id"].as_str().unwrap();
            at(
                gw,
                &format!("/api/v1/patrols/{id}/end"),
                json!({"notes": "审计巡查"}),
            );
            Trace::Audit("village_grid_worker", "patrol.end", "grid")
        }
        ("post", "/api/v1/persons")
        | ("patch", "/api/v1/persons/{id}")
        | ("post", "/api/v1/persons/{id}/reveal") => {
            let h = expect_ok(
                &county.post(
                    "/api/v1/households",
                    json!({"grid_code": grid, "address": format!("审计{}", path.len())}),
                ),
                "household",
            );
            let body = |n: &str| json!({"household_id": h["id"], "name": n, "id_number": id_number("320722", "19800101", path.len() as u32)});
            if path == "/api/v1/persons" {
                send(county, body("审计人"));
                return Trace::Audit("county_admin", "create", "person");
            }
            let p = expect_ok(&county.post("/api/v1/persons", body("审计人")), "person");
            let id = p["id"].as_str().unwrap();
            match method {
                "patch" => at(county, &format!("/api/v1/persons/{id}"), body("审计改名")),
                _ => expect_ok(
                    &county.send("POST", &format!("/api/v1/persons/{id}/reveal"), None),
                    path,
                ),
            };
            Trace::Audit(
                "county_admin",
                if method == "patch" {
                    "update"
                } else {
                    "reveal_pii"
                },
                "person",
            )
        }
        ("post", "/api/v1/import/{kind}") => {
            let csv = format!("网格代码,地址\n{grid},审计导入1号\n");
            let r = county.send(
                "POST",
                "/api/v1/import/households",
                Some(("text/csv", csv.into_bytes())),
            );
            expect_ok(&r, path);
            Trace::Audit("county_admin", "import", "registry")
        }
        ("post", "/api/v1/users") => {
            send(
                county,
                json!({"username": "audit_new", "password": "Audit@2026x", "role": "leader", "scope": "320722"}),
            );
            Trace::Audit("county_admin", "create", "user")
        }
        ("post", "/api/v1/users/{id}/disable")
        | ("post", "/api/v1/users/{id}/enable")
        | ("post", "/api/v1/users/{id}/password") => {
            let users = county.get("/api/v1/users?page_size=200").json();
            let id = users["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["username"] == "town_party_officer")
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            let concrete = path.replace("{id}", &id);
            let r = if path.ends_with("/password") {
                county.post(&concrete, json!({"password": "Reset@2026x"}))
            } else {
                county.send("POST", &concrete, None)
            };
            expect_ok(&r, path);
            let action = match path.rsplit('/').next().unwrap() {
                "disable" => "user.disable",
                "enable" => "user.enable",
                _ => "reset_password",
            };
            Trace::Audit("county_admin", action, "user")
        }
        ("post", "/api/v1/auth/password") => {
            let c = w.s.login("village_party_officer");
            expect_ok(
                &c.post(
                    path,
                    json!({"current_password": PASSWORD, "new_password": "Changed@2026x"}),
                ),
                path,
            );
            Trace::Audit("village_party_officer", "change_password", "user")
        }
        ("post", "/api/v1/users/{id}/unlock") => {
            let users = county.get("/api/v1/users?page_size=200").json();
            let id = users["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["username"] == "town_leader")
                .unwrap()["id"]
                .clone();
            expect_ok(
                &county.send(
                    "POST",
                    &format!("/api/v1/users/{}/unlock", id.as_str().unwrap()),
                    None,
                ),
                path,
            );
            Trace::Audit("county_admin", "unlock_user", "user")
        }
        ("put", "/api/v1/assess/rules") => {
            send(county, json!({"min_volume": 4}));
            Trace::Audit("county_admin", "update", "assess_rules")
        }
        ("post", "/api/v1/assess/warnings/{id}/steps") => {
            // The demo's history has warnings: the county talks with a township or village.
            let list = county.get("/api/v1/assess/warnings").json();
            let id = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["state"] == "issued" && w["region_code"] != "320722000000")
                .expect("the demo has an issued warning in the county")["id"]
                .as_str()
                .unwrap()
                .to_string();
            at(
                county,
                &format!("/api/v1/assess/warnings/{id}/steps"),
                json!({"step": "talk", "note": "约谈主要负责人"}),
            );
            Trace::Audit("county_admin", "talk_held", "assess_warning")
        }
        ("put", "/api/v1/case-categories/{code}") => {
            let cats = county.get("/api/v1/case-categories").json();
            let mut k = cats["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["code"] == "0101")
                .unwrap()
                .clone();
            k["limit_value"] = json!(6);
            at(county, "/api/v1/case-categories/0101", k);
            Trace::Audit("county_admin", "update", "category")
        }
        ("post", "/api/v1/routing-rules") | ("delete", "/api/v1/routing-rules/{id}") => {
            let unit = town.get("/api/v1/regions/320722101/units").json()["items"][0]["id"].clone();
            let r = expect_ok(
                &town.post(
                    "/api/v1/routing-rules",
                    json!({"subcategory": "0601", "region_prefix": "320722101", "unit_id": unit}),
                ),
                "rule",
            );
            if method == "delete" {
                let id = r["id"].as_str().unwrap();
                expect_ok(
                    &town.send("DELETE", &format!("/api/v1/routing-rules/{id}"), None),
                    path,
                );
            }
            Trace::Audit(
                "town_admin",
                if method == "delete" {
                    "delete"
                } else {
                    "update"
                },
                "routing_rule",
            )
        }
        ("post", "/api/v1/calendar/{year}") => {
            let r = top.send(
                "POST",
                "/api/v1/calendar/2028",
                Some(("text/csv", b"date,kind\n2028-01-01,holiday\n".to_vec())),
            );
            expect_ok(&r, path);
            Trace::Audit("admin", "import", "calendar")
        }
        ("put", "/api/v1/settings/{key}") => {
            at(top, "/api/v1/settings/reopen_days", json!({"value": "15"}));
            Trace::Audit("admin", "update", "setting")
        }
        ("post", "/api/v1/mediators") => {
            send(
                town,
                json!({"region_code": "320722101000", "name": "审计调解员", "tags": "邻里"}),
            );
            Trace::Audit("town_admin", "create", "mediator")
        }
        ("post", "/api/v1/api-keys") | ("delete", "/api/v1/api-keys/{id}") => {
            let k = expect_ok(
                &county.post("/api/v1/api-keys", json!({"name": "审计客户端"})),
                "key",
            );
            if method == "delete" {
                let id = k["api_key"]["id"].as_str().unwrap();
                expect_ok(
                    &county.send("DELETE", &format!("/api/v1/api-keys/{id}"), None),
                    path,
                );
            }
            Trace::Audit(
                "county_admin",
                if method == "delete" {
                    "revoke"
                } else {
                    "create"
                },
                "api_key",
            )
        }
        ("post", "/api/v1/cases") => Trace::Events(w.new_case()),
        ("post", "/api/v1/cases/bulk-dispatch")
        | ("post", "/api/v1/cases/{id}/actions")
        | ("post", "/api/v1/cases/{id}/attachments") => {
            let id = w.new_case();
            let before = w.events(&id);
            let disp = w.s.login("town_dispatcher");
            match path {
                "/api/v1/cases/bulk-dispatch" => {
                    expect_ok(
                        &disp.post(
                            &format!("/api/v1/cases/{id}/actions"),
                            json!({"action": "accept"}),
                        ),
                        "accept",
                    );
                    expect_ok(&disp.post(path, json!({"ids": [id]})), path);
                }
                "/api/v1/cases/{id}/actions" => {
                    expect_ok(
                        &disp.post(
                            &format!("/api/v1/cases/{id}/actions"),
                            json!({"action": "accept"}),
                        ),
                        path,
                    );
                }
                _ => {
                    let r = gw.send(
                        "POST",
                        &format!("/api/v1/cases/{id}/attachments?name=a.png"),
                        Some(("image/png", png())),
                    );
                    expect_ok(&r, path);
                }
            }
            assert!(w.events(&id) > before, "{path}: a new event");
            Trace::Events(id)
        }
        ("post", "/api/v1/cases/{id}/parties") | ("post", "/api/v1/cases/{id}/reveal") => {
            let id = w.new_case();
            let p = format!("/api/v1/cases/{id}/{}", path.rsplit('/').next().unwrap());
            let body = json!({"name": "张三", "phone": "13912345678", "side": "applicant"});
            let r = gw.send(
                "POST",
                &p,
                Some(("application/json", body.to_string().into_bytes())),
            );
            let out = expect_ok(&r, path);
            if path.ends_with("parties") {
                // A party's phone follows the reporter's rule: masked, in full only by reveal.
                assert_eq!(out["phone"], "139****5678");
                let d = gw.get(&format!("/api/v1/cases/{id}/dispute")).json();
                assert_eq!(d["parties"][0]["phone"], "139****5678");
                let full = gw
                    .post(&format!("/api/v1/cases/{id}/reveal"), json!({}))
                    .json();
                assert_eq!(full["parties"][0]["phone"], "13912345678");
            }
            Trace::Audit(
                "village_grid_worker",
                if path.ends_with("reveal") {
                    "reveal_pii"
                } else {
                    "add_party"
                },
                "case",
            )
        }
        ("post", "/api/v1/cases/{id}/receipt-sms") => {
            // The grid worker filed it, so the grid worker may send its secret again.
            let id = w.new_case();
            expect_ok(
                &gw.post(&format!("/api/v1/cases/{id}/receipt-sms"), json!({})),
                path,
            );
            Trace::Audit("village_grid_worker", "resend_receipt", "case")
        }
        ("post", "/api/v1/public/cases/{number}/follow") => {
            let anon = w.s.client();
            let r = expect_ok(
                &anon.post("/api/v1/public/cases", json!({"category_code": "0101", "description": "路灯不亮", "region_code": "320722101200"})),
                "public",
            );
            let number = r["number"].as_str().unwrap();
            // The public follows from the duplicate hint, with the token it gives.
            let hint = anon
                .get("/api/v1/public/cases/similar?category_code=0101&region_code=320722101200")
                .json();
            let token = hint["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["number"] == number)
                .expect("in the hint")["follow_token"]
                .clone();
            expect_ok(
                &anon.post(
                    &format!("/api/v1/public/cases/{number}/follow"),
                    json!({ "token": token }),
                ),
                path,
            );
            Trace::Audit("public", "follow", "case")
        }
        ("post", "/api/v1/cases/{id}/mediations") => {
            let id = w.new_case();
            let disp = w.s.login("town_dispatcher");
            for a in ["accept", "dispatch"] {
                expect_ok(
                    &disp.post(&format!("/api/v1/cases/{id}/actions"), json!({"action": a})),
                    a,
                );
            }
            let h = w.s.login("village_handler");
            expect_ok(
                &h.post(
                    &format!("/api/v1/cases/{id}/actions"),
                    json!({"action": "sign"}),
                ),
                "sign",
            );
            let body = json!({"outcome": "adjourned", "note": "改日再谈"});
            expect_ok(
                &h.post(&format!("/api/v1/cases/{id}/mediations"), body),
                path,
            );
            Trace::Audit("village_handler", "mediation", "case")
        }
        ("post", "/api/v1/inbox/read-all") | ("post", "/api/v1/inbox/{id}/read") => Trace::Exempt(
            "marks the caller's own notifications read: bookkeeping of one's own inbox, no shared data changes",
        ),
        ("post", "/api/v1/public/cases")
        | ("post", "/api/v1/public/cases/{number}/attachments")
        | ("post", "/api/v1/public/cases/{number}/actions") => {
            let anon = w.s.client();
            let r = expect_ok(
                &anon.post("/api/v1/public/cases", json!({"category_code": "0101", "description": "公众反映", "region_code": "320722101200"})),
                "public",
            );
            let (number, secret) = (r["number"].as_str().unwrap(), r["secret"].as_str().unwrap());
            let id = w.top.get("/api/v1/cases?q=公众反映&page_size=1").json()["items"][0]["id"]
                .as_str()
                .unwrap()
                .to_string();
            let before = w.events(&id);
            match path {
                "/api/v1/public/cases/{number}/attachments" => {
                    let p = format!(
                        "/api/v1/public/cases/{number}/attachments?secret={secret}&name=p.png"
                    );
                    expect_ok(&anon.send("POST", &p, Some(("image/png", png()))), path);
                    assert!(w.events(&id) > before, "{path}: a new event");
                }
                "/api/v1/public/cases/{number}/actions" => {
                    // The reporter rates a closed case: close it first.
                    let disp = w.s.login("town_dispatcher");
                    let h = w.s.login("village_handler");
                    let step = |c: &Client, body: Value| {
                        expect_ok(
                            &c.post(&format!("/api/v1/cases/{id}/actions"), body),
                            "step",
                        );
                    };
                    step(&disp, json!({"action": "accept"}));
                    step(&disp, json!({"action": "dispatch"}));
                    step(&h, json!({"action": "sign"}));
                    step(&h, json!({"action": "handle", "note": "已清运"}));
                    step(gw, json!({"action": "verify_pass"}));
                    let before = w.events(&id);
                    let r = anon.post(
                        &format!("/api/v1/public/cases/{number}/actions"),
                        json!({"secret": secret, "action": "rate", "satisfaction": "satisfied"}),
                    );
                    expect_ok(&r, path);
                    assert!(w.events(&id) > before, "{path}: a new event");
                }
                _ => {}
            }
            Trace::Events(id)
        }
        _ => panic!(
            "{method} {path} writes, but this test has no recipe for it: add one that checks its audit trace"
        ),
    }
}

/// The administrator of an actor's own scope (demo accounts are named `<scope>_<role>`).
fn admin_of(actor: &str) -> Option<&'static str> {
    match actor.split('_').next()? {
        "village" => Some("village_admin"),
        "town" => Some("town_admin"),
        "county" => Some("county_admin"),
        _ => None,
    }
}

#[test]
fn every_write_in_the_openapi_document_leaves_a_trace_with_its_actor() {
    let s = Server::start_with(temp_dir("audit-walk"), true, &["--public-rate", "100000"]);
    let w = World {
        top: s.login("admin"),
        county: s.login("county_admin"),
        town: s.login("town_admin"),
        gw: s.login("village_grid_worker"),
        s,
    };
    let doc = w.s.client().get("/api/openapi.json").json();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if method == "get" {
                continue;
            }
            let before = w.newest_audit().first().map(|e| e["id"].clone());
            match perform(&w, method, path) {
                Trace::Audit(actor, action, target) => {
                    let after = w.newest_audit();
                    let fresh: Vec<&Value> = after
                        .iter()
                        .take_while(|e| Some(&e["id"]) != before.as_ref())
                        .collect();
                    let found = |e: &&Value| {
                        e["username"] == actor
                            && e["action"] == action
                            && e["target_type"] == target
                    };
                    assert!(
                        fresh.iter().any(found),
                        "{method} {path}: no {action} {target} by {actor} in {fresh:?}"
                    );
                    // The actor's own administrator sees it too, not only the top one.
                    if let Some(own) = admin_of(actor) {
                        let theirs = w.s.login(own).get("/api/v1/audit?page_size=100").json();
                        assert!(
                            theirs["items"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .any(|e| found(&e)),
                            "{method} {path}: {own} does not see it"
                        );
                    }
                }
                Trace::Events(case) => assert!(w.events(&case) > 0, "{method} {path}"),
                Trace::Exempt(why) => eprintln!("{method} {path}: exempt — {why}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "walked {checked} writes");
}
