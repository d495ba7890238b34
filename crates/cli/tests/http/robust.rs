//! One request must not harm another: bad bytes are refused at the edge with the field named,
//! a full disk is a clear 507 the server recovers from by itself, idle sockets do not starve
//! the server, and a second server on the same data directory is refused.

use crate::common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const VILLAGE: &str = "320722101200";

fn code_field(r: &Resp) -> (u16, String, String) {
    let j = r.json();
    (
        r.status,
        j["code"].as_str().unwrap_or_default().to_string(),
        j["field"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn control_characters_and_wrong_types_are_refused_with_the_field() {
    let s = demo_server();
    let c = s.login("village_grid_worker");
    let case = |extra: serde_json::Value| {
        let mut body = json!({"category_code": "0101", "description": "村口垃圾",
            "region_code": VILLAGE});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        c.post("/api/v1/cases", body)
    };
    assert_eq!(
        code_field(&case(json!({"description": "垃圾\u{0}堆放"}))),
        (422, "control_character".into(), "description".into())
    );
    assert_eq!(
        code_field(&case(json!({"address": "\u{1b}[31m红"}))),
        (422, "control_character".into(), "address".into())
    );
    assert_eq!(
        code_field(&case(json!({"lat": "north"}))),
        (422, "invalid_type".into(), "lat".into())
    );
    let r = c.post(
        "/api/v1/cases/bulk-dispatch",
        json!({"ids": ["1", "2\u{0}"], "unit_id": "1"}),
    );
    assert_eq!(
        code_field(&r),
        (422, "control_character".into(), "ids[1]".into())
    );
    // A body that is not an object (serde would fill a struct of defaults from `[]`) is refused
    // and writes nothing: found by schemathesis on ending a patrol.
    for path in ["/api/v1/cases", "/api/v1/patrols", "/api/v1/auth/password"] {
        for body in ["[]", "[1, 2]", "\"text\"", "3", "null"] {
            let r = c.send(
                "POST",
                path,
                Some(("application/json", body.as_bytes().to_vec())),
            );
            assert_eq!(
                (r.status, code_field(&r).1.as_str()),
                (422, "invalid_type"),
                "{path} {body}"
            );
        }
    }
    // The public form and staff intake still take honest text with newlines and tabs.
    let ok = case(json!({"description": "第一行\r\n第二行\t完"}));
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
    // One byte over the 10 MiB limit (the server has read it all when it refuses, so the refusal
    // never races the upload): our error shape too.
    let big = vec![b' '; 10 * 1024 * 1024 + 1];
    let r = c.send("POST", "/api/v1/cases", Some(("application/json", big)));
    assert_eq!(
        code_field(&r),
        (413, "payload_too_large".into(), String::new())
    );
    // A wrong method under /api is our error shape, not plain text.
    let r = c.send("DELETE", "/api/v1/cases", None);
    assert_eq!(
        (r.status, code_field(&r).1),
        (405, "method_not_allowed".into())
    );
}

#[test]
fn liveness_and_readiness() {
    let s = demo_server();
    let anon = s.client();
    assert_eq!(anon.get("/healthz").json()["status"], "ok");
    let r = anon.get("/readyz");
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("ready"))
    );
}

/// Runs `script` as root in a mount namespace of its own (so a tmpfs it mounts disappears with
/// it); `None` where this machine does not allow that.
fn in_own_mount_namespace(script: &str) -> Option<std::process::Child> {
    let ok = Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("TONGCHOU_REQUIRE_ROOT_TESTS").as_deref() != Ok("1"),
            "TONGCHOU_REQUIRE_ROOT_TESTS=1 but `unshare -m` is not allowed here"
        );
        eprintln!("SKIPPED: the disk-full test needs root for `unshare -m` and a tmpfs");
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", script])
            .env("TONGCHOU_STOP_ON_STDIN_EOF", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn unshare"),
    )
}

fn wait_up(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !agent()
        .get(&format!("{base}/healthz"))
        .call()
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_full_disk_is_507_and_the_server_recovers_when_space_returns() {
    let dir = temp_dir("diskfull");
    let port = free_port();
    let regions = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/lianyungang");
    let script = format!(
        "mount -t tmpfs -o size=6m tongchou-test {d} && {BIN} import regions {regions} --data-dir {d} >/dev/null \
         && exec {BIN} serve --data-dir {d} --listen 127.0.0.1:{port} --public-rate 100000 --sweep-seconds 0",
        d = dir.display()
    );
    let Some(mut child) = in_own_mount_namespace(&script) else {
        return;
    };
    let base = format!("http://127.0.0.1:{port}");
    wait_up(&base);
    // The tmpfs is only visible inside the server's namespace: reach it through /proc.
    let inside = std::path::PathBuf::from(format!("/proc/{}/root{}", child.id(), dir.display()));
    let filler = inside.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![7u8; 64 << 10];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let anon = Client {
        base: base.clone(),
        cookie: None,
        csrf: None,
    };
    let text = "垃圾".repeat(900);
    let file = || {
        anon.post(
            "/api/v1/public/cases",
            json!({"category_code": "0101", "description": text, "region_code": VILLAGE}),
        )
    };
    let mut full = None;
    for _ in 0..2000 {
        let r = file();
        if r.status != 201 {
            full = Some(r);
            break;
        }
    }
    let full = full.expect("the disk never filled");
    assert_eq!(
        (full.status, full.json()["code"].as_str()),
        (507, Some("disk_full")),
        "{}",
        String::from_utf8_lossy(&full.body)
    );
    let r = anon.get("/readyz");
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (507, Some("disk_full"))
    );
    assert_eq!(
        anon.get("/healthz").status,
        200,
        "the process itself is alive"
    );
    // Space returns: the next writes succeed without a restart.
    std::fs::remove_file(&filler).unwrap();
    let r = file();
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(anon.get("/readyz").status, 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn idle_sockets_do_not_starve_the_server() {
    let dir = temp_dir("idle");
    let port = free_port();
    // A small open-file limit, as many hosts have by default.
    let script = format!(
        "ulimit -n 512 && exec {BIN} serve --data-dir {d} --listen 127.0.0.1:{port} --header-timeout 2 --sweep-seconds 0",
        d = dir.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .env("TONGCHOU_STOP_ON_STDIN_EOF", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_up(&base);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let idle: Vec<TcpStream> = (0..1100)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok())
        .collect();
    assert!(idle.len() > 600, "opened {} idle sockets", idle.len());
    // Another client (127.0.0.2) is served at once.
    let t = Instant::now();
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&"127.0.0.2:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    sock.connect_timeout(&addr.into(), Duration::from_secs(5))
        .expect("connect from 127.0.0.2");
    let mut honest: TcpStream = sock.into();
    honest
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    honest
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = honest.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "got {answer:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
    // The idle sockets are closed by the server once the header timeout passes.
    std::thread::sleep(Duration::from_secs(4));
    let mut closed = 0;
    for mut s in idle.into_iter().take(50) {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut b = [0u8; 1];
        let gone = match s.read(&mut b) {
            Ok(n) => n == 0,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        };
        closed += usize::from(gone);
    }
    assert_eq!(closed, 50, "idle sockets are closed");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_second_server_on_the_same_data_dir_is_refused() {
    let first = Server::start(temp_dir("lock"), false);
    let out = Command::new(BIN)
        .args(["serve", "--data-dir"])
        .arg(&first.data_dir)
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .env("TONGCHOU_STOP_ON_STDIN_EOF", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another tongchou server") && err.contains(&first.child.id().to_string()),
        "{err}"
    );
    // The first one still serves.
    assert_eq!(first.client().get("/healthz").status, 200);
}

#[test]
fn a_client_that_stops_reading_is_cut_off() {
    let s = Server::start_with(temp_dir("stalled"), true, &["--write-timeout", "2"]);
    let c = s.login("county_admin");
    let addr: SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();
    // A client asks for a large export with a tiny receive window and stops reading.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    sock.connect(&addr.into()).unwrap();
    let mut t: TcpStream = sock.into();
    write!(
        t,
        "GET /api/v1/export/persons.csv HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        c.cookie.as_deref().unwrap()
    )
    .unwrap();
    // Long past the write timeout, it reads what is there: the server gave up on the answer and
    // closed the connection, so less than the announced length arrives, then the end.
    std::thread::sleep(Duration::from_secs(10));
    t.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let end = t.read_to_end(&mut got);
    assert!(
        !matches!(&end, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the connection was left open: {end:?}"
    );
    let text = String::from_utf8_lossy(&got);
    let head_end = text.find("\r\n\r\n").expect("the answer's head arrived") + 4;
    let length: usize = text[..head_end]
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .expect("a content length")
        .trim()
        .parse()
        .unwrap();
    assert!(
        got.len() - head_end < length,
        "the whole answer ({length} bytes) was still sent"
    );
}
