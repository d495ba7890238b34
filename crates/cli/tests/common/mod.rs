//! Test harness: runs the real `tongchou` binary on a temporary data dir and a free port, and a
//! small HTTP client that keeps the session cookie and sends the CSRF token.
#![allow(dead_code)]

use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_tongchou");
pub const PASSWORD: &str = "Demo@2026";

pub fn temp_dir(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("tongchou-it-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One demo server shared by the tests of a binary; it stops when the test process exits (its
/// stdin closes).
pub fn demo_server() -> &'static Server {
    static S: std::sync::OnceLock<Server> = std::sync::OnceLock::new();
    S.get_or_init(|| Server::start(temp_dir("demo"), true))
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts `tongchou serve` (with `--demo` when asked) and waits for /healthz.
    pub fn start(data_dir: PathBuf, demo: bool) -> Server {
        Server::start_with(data_dir, demo, &[])
    }

    /// Like `start`, with more `serve` flags.
    pub fn start_with(data_dir: PathBuf, demo: bool, extra: &[&str]) -> Server {
        let port = free_port();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--data-dir"])
            .arg(&data_dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra);
        if demo {
            cmd.arg("--demo");
        }
        let log = std::fs::File::create(data_dir.with_extension("log")).unwrap();
        let child = cmd
            .env("TONGCHOU_STOP_ON_STDIN_EOF", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn tongchou");
        let s = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = agent().get(&format!("{}/healthz", s.base)).call()
                && r.status() == 200
            {
                return s;
            }
            assert!(Instant::now() < deadline, "server did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            cookie: None,
            csrf: None,
        }
    }

    pub fn login(&self, user: &str) -> Client {
        let mut c = self.client();
        let r = c.login(user, PASSWORD);
        assert_eq!(r.0, 200, "login {user}: {}", r.1);
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub struct Client {
    pub base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    /// The body as text, for failure messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub fn login(&mut self, user: &str, password: &str) -> (u16, Value) {
        let r = self.send(
            "POST",
            "/api/v1/auth/login",
            Some((
                "application/json",
                serde_json::json!({"username": user, "password": password})
                    .to_string()
                    .into_bytes(),
            )),
        );
        if r.status == 200 {
            let set = r.header("set-cookie").expect("set-cookie").to_string();
            self.cookie = Some(set.split(';').next().unwrap().to_string());
            self.csrf = r.json()["csrf_token"].as_str().map(String::from);
        }
        (r.status, r.json())
    }

    pub fn send(&self, method: &str, path: &str, body: Option<(&str, Vec<u8>)>) -> Resp {
        self.send_with(method, path, body, &[])
    }

    /// `send` with extra request headers.
    pub fn send_with(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{}", self.base, path);
        let a = agent();
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        if let Some(t) = &self.csrf {
            req = req.header("X-CSRF-Token", t);
        }
        let resp = match body {
            Some((ct, bytes)) => a.run(req.header("Content-Type", ct).body(bytes).unwrap()),
            None => a.run(req.body(()).unwrap()),
        }
        .expect("request");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp
            .into_body()
            .with_config()
            .limit(200 << 20)
            .read_to_vec()
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None)
    }

    pub fn post(&self, path: &str, json: Value) -> Resp {
        self.send(
            "POST",
            path,
            Some(("application/json", json.to_string().into_bytes())),
        )
    }

    pub fn put(&self, path: &str, json: Value) -> Resp {
        self.send(
            "PUT",
            path,
            Some(("application/json", json.to_string().into_bytes())),
        )
    }

    pub fn patch(&self, path: &str, json: Value) -> Resp {
        self.send(
            "PATCH",
            path,
            Some(("application/json", json.to_string().into_bytes())),
        )
    }
}

/// A valid ID number (GB 11643) for tests.
pub fn id_number(area: &str, birth: &str, seq: u32) -> String {
    tongchou_domain::idcard::build(area, birth, seq)
}

/// The JSON of a 200 or 201 answer (else the test fails with the answer).
pub fn ok(r: &Resp) -> Value {
    assert!(
        r.status == 200 || r.status == 201,
        "{}: {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}
