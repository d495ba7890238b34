//! A WebDriver client for Debian's Chromium through chromedriver (headless, a fresh profile per
//! session), with the few commands the browser tests use, and DevTools commands for network
//! emulation (offline, throttled).

use crate::common::*;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    child: Child,
    base: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = agent()
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub fn start() -> Option<Driver> {
        let exe = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(exe) = exe else {
            if std::env::var("TONGCHOU_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("chromedriver is required (TONGCHOU_REQUIRE_BROWSER=1) but not installed");
            }
            eprintln!(
                "SKIPPED browser test: chromedriver not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while agent()
            .get(&format!("{base}/status"))
            .call()
            .map(|r| r.status() != 200)
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = temp_dir("chromium-profile");
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display()),
                     "--window-size=390,844", "--lang=zh-CN"]
        }}}});
        let mut d = Driver {
            child,
            base,
            session: String::new(),
        };
        let v = d.cmd("POST", "/session", caps);
        d.session = v["sessionId"].as_str().expect("session id").to_string();
        Some(d)
    }

    pub fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}/session", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let a = agent();
        let r = match method {
            "GET" => a.get(&url).call(),
            _ => a.post(&url).send_json(body),
        }
        .expect("webdriver request");
        let status = r.status();
        let v: Value = r.into_body().read_json().expect("webdriver json");
        assert!(status == 200, "webdriver {method} {path}: {status} {v}");
        v["value"].clone()
    }

    /// A DevTools command on the page's target.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            json!({"cmd": cmd, "params": params}),
        )
    }

    /// DevTools network emulation: no network at all, or the network back.
    pub fn offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({}));
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        );
    }

    /// Runs an async script (its last argument is the callback) and answers what it passed.
    pub fn run_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            json!({"script": script, "args": args}),
        )
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({"url": url}));
    }

    /// Waits until `css` matches an element whose text contains `text`, and returns it.
    pub fn wait_for(&self, css: &str, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = self.cmd(
                "POST",
                "/execute/sync",
                json!({"script": "return [...document.querySelectorAll(arguments[0])].find(e => e.textContent.includes(arguments[1])) || null;", "args": [css, text]}),
            );
            if let Some(id) = found.get(ELEMENT).and_then(Value::as_str) {
                return id.to_string();
            }
            if Instant::now() > deadline {
                self.screenshot("failure");
                panic!("no {css} containing {text:?}; page: {}", self.text("body"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the element; a page that re-renders between finding and clicking (a stale
    /// element) is looked at again.
    pub fn click(&self, css: &str, text: &str) {
        for _ in 0..20 {
            let id = self.wait_for(css, text);
            let r = agent()
                .post(&format!(
                    "{}/session/{}/element/{id}/click",
                    self.base, self.session
                ))
                .send_json(json!({}))
                .expect("webdriver request");
            if r.status() == 200 {
                return;
            }
            let v: Value = r.into_body().read_json().unwrap_or_default();
            assert_eq!(
                v["value"]["error"], "stale element reference",
                "click {css}: {v}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{css} kept going stale");
    }

    pub fn type_into(&self, css: &str, value: &str) {
        let id = self.wait_for(css, "");
        self.cmd("POST", &format!("/element/{id}/clear"), json!({}));
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            json!({"text": value}),
        );
    }

    pub fn text(&self, css: &str) -> String {
        let v = self.cmd("POST", "/execute/sync", json!({"script": "return document.querySelector(arguments[0])?.innerText || ''", "args": [css]}));
        v.as_str().unwrap_or("").to_string()
    }

    pub fn screenshot(&self, name: &str) {
        use std::io::Write;
        let b64 = self.cmd("GET", "/screenshot", json!({}));
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        let data = decode_b64(b64.as_str().unwrap_or(""));
        if let Ok(mut f) = std::fs::File::create(dir.join(format!("browser-{name}.png"))) {
            let _ = f.write_all(&data);
        }
    }
}

fn decode_b64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

impl Driver {
    /// Sets a select's value as a person would and fires its change event.
    pub fn select(&self, css: &str, value: &str) {
        self.wait_for(&format!("{css} option[value=\"{value}\"]"), "");
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));", "args": [css, value]}),
        );
    }

    pub fn login_as(&self, base: &str, user: &str) {
        self.goto(&format!("{base}/#/login"));
        self.type_into("#username", user);
        self.type_into("#password", PASSWORD);
        self.click("#login-btn", "");
        self.wait_for("#logout", "");
        // The landing page (a region, a grid or the case queue) has rendered.
        self.wait_for("h1", "");
    }

    pub fn logout(&self) {
        self.click("#logout", "");
        self.wait_for("#login-btn", "");
    }
}
