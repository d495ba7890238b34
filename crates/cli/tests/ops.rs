//! The command line as an operator uses it: region import (and its re-run), accounts, backup
//! while serving, restore into an empty data dir, and no acknowledged write lost to `kill -9`.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn tongchou(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).output().expect("run tongchou");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn dir_arg(d: &Path) -> String {
    d.display().to_string()
}

fn vendored() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lianyungang")
        .display()
        .to_string()
}

#[test]
fn region_import_rerun_users_and_bad_files() {
    let d = temp_dir("import");
    let dd = dir_arg(&d);
    let (ok, out) = tongchou(&["import", "regions", &vendored(), "--data-dir", &dd]);
    assert!(ok, "{out}");
    assert!(out.contains("imported 1900 regions"), "{out}");
    let (ok, out) = tongchou(&["import", "regions", &vendored(), "--data-dir", &dd]);
    assert!(
        ok && out.contains("imported 1900 regions"),
        "a re-run is an upsert: {out}"
    );

    // A directory with bad rows: every one listed, nothing written.
    let bad = temp_dir("bad-regions");
    std::fs::write(
        bad.join("villages.csv"),
        "code,name,streetCode\n320722101901,\"新村\",320722101\n3207221019,\"短\",320722101\n320722101902,\"错上级\",320722102\n",
    )
    .unwrap();
    let (ok, out) = tongchou(&["import", "regions", &dir_arg(&bad), "--data-dir", &dd]);
    assert!(!ok);
    assert!(
        out.contains("2 bad rows") && out.contains("row 3") && out.contains("row 4"),
        "{out}"
    );
    // An orphan (parent unknown) is refused as a whole.
    let orphan = temp_dir("orphan");
    std::fs::write(
        orphan.join("villages.csv"),
        "code,name,streetCode\n320799001001,\"无主\",320799001\n",
    )
    .unwrap();
    let (ok, out) = tongchou(&["import", "regions", &dir_arg(&orphan), "--data-dir", &dd]);
    assert!(!ok && out.contains("320799001"), "{out}");

    let (ok, out) = tongchou(&[
        "user",
        "create",
        "--data-dir",
        &dd,
        "--username",
        "ops_admin",
        "--password",
        "Admin12345",
        "--role",
        "admin",
        "--scope",
        "320722",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = tongchou(&[
        "user",
        "create",
        "--data-dir",
        &dd,
        "--username",
        "ops_admin",
        "--password",
        "Admin12345",
        "--role",
        "admin",
        "--scope",
        "320722",
    ]);
    assert!(!ok && out.contains("username"), "{out}");
    let (ok, out) = tongchou(&[
        "user",
        "create",
        "--data-dir",
        &dd,
        "--username",
        "xx1",
        "--password",
        "short",
        "--role",
        "admin",
        "--scope",
        "3207",
    ]);
    assert!(!ok && out.contains("password"), "{out}");
    let (ok, out) = tongchou(&[
        "user",
        "create",
        "--data-dir",
        &dd,
        "--username",
        "xx2",
        "--password",
        "Admin12345",
        "--role",
        "king",
        "--scope",
        "3207",
    ]);
    assert!(!ok && out.contains("role"), "{out}");
    let (ok, out) = tongchou(&[
        "user",
        "create",
        "--data-dir",
        &dd,
        "--username",
        "xx3",
        "--password",
        "Admin12345",
        "--role",
        "admin",
        "--scope",
        "4407",
    ]);
    assert!(!ok && out.contains("scope"), "{out}");

    // The account works, and a reset replaces the password.
    let s = Server::start(d.clone(), false);
    let mut c = s.client();
    assert_eq!(c.login("ops_admin", "Admin12345").0, 200);
    let (ok, out) = tongchou(&[
        "user",
        "reset",
        "--data-dir",
        &dd,
        "--username",
        "ops_admin",
        "--password",
        "Newpass12345",
    ]);
    assert!(ok, "{out}");
    assert_eq!(c.get("/api/v1/me").status, 401, "a reset ends sessions");
    assert_eq!(c.login("ops_admin", "Admin12345").0, 401);
    assert_eq!(c.login("ops_admin", "Newpass12345").0, 200);
    let (ok, _) = tongchou(&[
        "user",
        "reset",
        "--data-dir",
        &dd,
        "--username",
        "ghost",
        "--password",
        "Newpass12345",
    ]);
    assert!(!ok);
    let (ok, out) = tongchou(&["migrate", "--data-dir", &dd]);
    assert!(ok && out.contains("up to date"), "{out}");
}

#[test]
fn acknowledged_writes_survive_kill_9_and_backup_restores() {
    let d = temp_dir("durable");
    let dd = dir_arg(&d);
    assert!(tongchou(&["import", "regions", &vendored(), "--data-dir", &dd]).0);
    assert!(
        tongchou(&[
            "user",
            "create",
            "--data-dir",
            &dd,
            "--username",
            "ops",
            "--password",
            "Admin12345",
            "--role",
            "admin",
            "--scope",
            "3207"
        ])
        .0
    );
    let mut s = Server::start(d.clone(), false);
    let mut c = s.client();
    assert_eq!(c.login("ops", "Admin12345").0, 200);
    let r = c.post(
        "/api/v1/grids",
        json!({"code": "320722101200001", "name": "持久网格"}),
    );
    assert_eq!(r.status, 201);
    let mut ids = Vec::new();
    for i in 0..50 {
        let r = c.post(
            "/api/v1/households",
            json!({"grid_code": "320722101200001", "address": format!("持久{i}号")}),
        );
        assert_eq!(r.status, 201);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }

    // A backup taken while the server runs is a consistent, usable database.
    let backup = d.with_extension("backup.db");
    let (ok, out) = tongchou(&["backup", &backup.display().to_string(), "--data-dir", &dd]);
    assert!(ok, "{out}");
    let (ok, out) = tongchou(&["backup", &backup.display().to_string(), "--data-dir", &dd]);
    assert!(!ok && out.contains("exists"), "never overwrites: {out}");

    s.kill9();
    let s = Server::start(d.clone(), false);
    let mut c = s.client();
    assert_eq!(c.login("ops", "Admin12345").0, 200);
    for id in &ids {
        assert_eq!(
            c.get(&format!("/api/v1/households/{id}")).status,
            200,
            "household {id} lost"
        );
    }
    drop(s);

    let target = temp_dir("restored");
    let (ok, out) = tongchou(&[
        "restore",
        &backup.display().to_string(),
        "--data-dir",
        &dir_arg(&target),
    ]);
    assert!(ok, "{out}");
    let (ok, out) = tongchou(&[
        "restore",
        &backup.display().to_string(),
        "--data-dir",
        &dir_arg(&target),
    ]);
    assert!(!ok && out.contains("empty data dir"), "{out}");
    let not_db = target.with_extension("txt");
    std::fs::write(&not_db, "hello, this is not a database").unwrap();
    let (ok, _) = tongchou(&[
        "restore",
        &not_db.display().to_string(),
        "--data-dir",
        &dir_arg(&temp_dir("r2")),
    ]);
    assert!(!ok);
    let s = Server::start(target, false);
    let mut c = s.client();
    assert_eq!(c.login("ops", "Admin12345").0, 200);
    let g = c.get("/api/v1/grids/320722101200001").json();
    assert_eq!(g["household_count"], 50);
}

#[test]
fn ctrl_c_shuts_down_cleanly() {
    let d = temp_dir("sigint");
    assert!(tongchou(&["import", "regions", &vendored(), "--data-dir", &dir_arg(&d)]).0);
    let mut s = Server::start(d, false);
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 10 s after SIGINT"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The same binary on PostgreSQL: `serve --demo --database-url postgres://…` loads the demo into
/// a schema of its own and serves it.
#[test]
fn serves_the_demo_on_postgres() {
    let base = std::env::var("TONGCHOU_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let probe = Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432"])
        .status();
    if !probe.map(|s| s.success()).unwrap_or(false) {
        assert_ne!(
            std::env::var("TONGCHOU_REQUIRE_PG").as_deref(),
            Ok("1"),
            "PostgreSQL is required but unreachable"
        );
        eprintln!("SKIPPED serves_the_demo_on_postgres: PostgreSQL unreachable");
        return;
    }
    let schema = format!("it_demo_{}_{}", std::process::id(), free_port());
    let url = format!("{base}?schema={schema}");
    let d = temp_dir("pg-demo");
    let port = free_port();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--database-url",
            &url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--data-dir")
        .arg(&d)
        .env("TONGCHOU_STOP_ON_STDIN_EOF", "1")
        .stdin(std::process::Stdio::piped())
        .stderr(std::fs::File::create(d.join("serve.log")).unwrap())
        .spawn()
        .unwrap();
    let base_url = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while agent()
        .get(&format!("{base_url}/healthz"))
        .call()
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no server: {}",
            std::fs::read_to_string(d.join("serve.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let mut c = Client {
        base: base_url,
        cookie: None,
        csrf: None,
    };
    assert_eq!(c.get("/healthz").json()["backend"], "postgres");
    assert_eq!(c.login("town_grid_worker", PASSWORD).0, 200);
    let town = c.get("/api/v1/regions/320722101").json();
    assert_eq!(town["name"], "白塔埠镇");
    assert_eq!(town["child_count"], 16);
    let found = c.get("/api/v1/persons?q=%E7%8E%8B&page_size=5").json(); // 王
    assert_eq!(found["items"].as_array().unwrap().len(), 5);
    assert_eq!(
        c.get("/api/v1/regions/320722001").status,
        404,
        "another township"
    );
    assert!(
        !std::path::Path::new(&d).join("tongchou.db").exists(),
        "no SQLite file was made"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn apikey_from_the_command_line_files_an_open311_request() {
    let d = temp_dir("apikey");
    let dd = dir_arg(&d);
    let (ok, out) = tongchou(&["apikey", "create", "--name", "x", "--data-dir", &dd]);
    assert!(!ok && out.contains("no regions"), "{out}");
    let (ok, out) = tongchou(&["import", "regions", &vendored(), "--data-dir", &dd]);
    assert!(ok, "{out}");
    let (ok, out) = tongchou(&[
        "apikey",
        "create",
        "--name",
        "x",
        "--scope",
        "99",
        "--data-dir",
        &dd,
    ]);
    assert!(!ok && out.contains("99"), "{out}");
    let out = Command::new(BIN)
        .args([
            "apikey",
            "create",
            "--name",
            "市民App",
            "--scope",
            "320722",
            "--data-dir",
            &dd,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(key.len(), 64, "{key}");
    let s = Server::start(d, false);
    let post = |body: &str| {
        agent()
            .post(&format!("{}/open311/v2/requests.json", s.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.to_string())
            .unwrap()
    };
    let mut r = post(&format!(
        "api_key={key}&jurisdiction_id=320722&service_code=0601&description=%E4%BA%95%E7%9B%96%E7%BC%BA%E5%A4%B1&lat=34.5&long=118.7"
    ));
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    assert!(
        v[0]["service_request_id"]
            .as_str()
            .unwrap()
            .starts_with("320722-"),
        "{v}"
    );
    // Outside the key's scope: refused in the spec's error shape.
    let mut r = post(&format!(
        "api_key={key}&jurisdiction_id=320703&service_code=0601&description=x&address_string=y"
    ));
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    assert_eq!(v[0]["code"], 400, "{v}");
}

/// One time zone for everything, configurable: a deployment at UTC files a case at 23:00 UTC on
/// that UTC day, tells the UI its offset, and writes Open311 times with it; a bad offset stops
/// the server at start with the reason.
#[test]
fn the_time_zone_is_one_setting() {
    let (ok, out) = tongchou(&["serve", "--utc-offset", "+25:00", "--listen", "127.0.0.1:1"]);
    assert!(!ok && out.contains("--utc-offset"), "{out}");
    let s = Server::start_with(temp_dir("utc"), true, &["--utc-offset", "+00:00"]);
    let c = s.login("village_grid_worker");
    assert_eq!(c.get("/api/v1/me").json()["utc_offset_minutes"], 0);
    let r = c.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "时区测试", "region_code": "320722101200"}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let case = r.json();
    let created = case["created_at"].as_i64().unwrap();
    let utc_day = {
        let days = created.div_euclid(86_400_000);
        let (y, m, d) = tongchou_domain::date::civil_from_days(days);
        format!("{y:04}{m:02}{d:02}")
    };
    let number = case["number"].as_str().unwrap();
    assert_eq!(&number[7..15], utc_day, "{number}");
    let o = s
        .client()
        .get(&format!("/open311/v2/requests/{number}.json"));
    assert_eq!(o.status, 200, "{}", String::from_utf8_lossy(&o.body));
    let body = String::from_utf8_lossy(&o.body).to_string();
    assert!(body.contains("+00:00"), "{body}");
}

/// `tongchou assess recount` on a served database: the live counts of cases filed over HTTP (and
/// of the demo's history) equal the recount (exit 0); `assess warn` keeps the warnings a month
/// already has; bad arguments are named.
#[test]
fn the_assessment_recount_agrees_with_what_the_server_counted() {
    let d = temp_dir("recount");
    let dd = dir_arg(&d);
    let s = Server::start(d.clone(), true);
    let gw = s.login("village_grid_worker");
    for i in 0..3 {
        let r = gw.post(
            "/api/v1/cases",
            json!({"category_code": "0601", "description": format!("路灯{i}"), "region_code": "320722101200"}),
        );
        assert_eq!(r.status, 201);
    }
    drop(s);
    let (ok, out) = tongchou(&["assess", "recount", "--data-dir", &dd]);
    // The demo's six months of history and the three filed here.
    assert!(
        ok && out.contains("recounted 3723 cases") && out.contains(": 0 differences"),
        "{out}"
    );
    let (ok, out) = tongchou(&[
        "assess",
        "recount",
        "--region",
        "320722101",
        "--data-dir",
        &dd,
    ]);
    assert!(ok && out.contains(": 0 differences"), "{out}");
    let ymd = tongchou_domain::date::yyyymmdd(tongchou_store::now_ms());
    let this = format!("{}-{}", &ymd[..4], &ymd[4..6]);
    let (ok, out) = tongchou(&["assess", "warn", "--month", &this, "--data-dir", &dd]);
    assert!(!ok && out.contains("month"), "{out}");
    let (ok, out) = tongchou(&[
        "assess",
        "recount",
        "--from",
        "2026-13-01",
        "--data-dir",
        &dd,
    ]);
    assert!(!ok && out.contains("--from"), "{out}");
    let (ok, out) = tongchou(&["assess", "recount", "--region", "12x", "--data-dir", &dd]);
    assert!(!ok && out.contains("region"), "{out}");
}
