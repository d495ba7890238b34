//! What every response carries: security headers, `no-store` on personal data, compressed and
//! cached assets, and `Secure` cookies behind TLS.

use crate::common::*;
use std::process::Command;

fn get(url: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.call().unwrap();
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r.into_body().read_to_vec().unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

#[test]
fn security_headers_caching_and_compression() {
    let s = demo_server();
    let page = get(&format!("{}/", s.base), &[]);
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    // The one inline script, the import map, is allowed by its hash alone.
    assert!(csp.contains("script-src 'self' 'sha256-"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    // The page is revalidated by its ETag; a browser that has it gets 304.
    let etag = page.header("etag").unwrap().to_string();
    let again = get(&format!("{}/", s.base), &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.len()), (304, 0));
    // Assets are named by their digest and kept for a year; gzip when asked.
    let html = String::from_utf8(page.body).unwrap();
    let js = html
        .split('"')
        .find(|p| p.starts_with("/assets/cases/shared.js?v="))
        .expect("versioned script");
    let plain = get(&format!("{}{js}", s.base), &[]);
    let gz = get(&format!("{}{js}", s.base), &[("Accept-Encoding", "gzip")]);
    assert!(gz.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(
        gz.body.len() * 2 < plain.body.len(),
        "{} gzipped vs {}",
        gz.body.len(),
        plain.body.len()
    );
    // Anything from the API may hold personal data: never stored.
    let c = s.login("village_grid_worker");
    let me = c.get("/api/v1/me");
    assert_eq!(me.header("cache-control"), Some("no-store"));
    assert_eq!(me.header("x-frame-options"), Some("DENY"));
    let err = c.get("/api/v1/nothing-here");
    assert_eq!(err.header("cache-control"), Some("no-store"));
}

#[test]
fn secure_cookies_behind_tls() {
    let dir = temp_dir("secure");
    let regions = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/lianyungang");
    let out = Command::new(BIN)
        .args(["import", "regions", regions, "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(BIN)
        .args(["user", "create", "--data-dir"])
        .arg(&dir)
        .args([
            "--username",
            "admin",
            "--password",
            PASSWORD,
            "--role",
            "admin",
            "--scope",
            "3207",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = Server::start_with(dir, false, &["--secure-cookies"]);
    let r = s.client().send(
        "POST",
        "/api/v1/auth/login",
        Some((
            "application/json",
            serde_json::json!({"username": "admin", "password": PASSWORD})
                .to_string()
                .into_bytes(),
        )),
    );
    assert_eq!(r.status, 200);
    assert!(r.header("set-cookie").unwrap().contains("; Secure"));
}

#[test]
fn public_limits_count_ipv6_by_64_and_cover_keyless_open311() {
    let s = Server::start_with(
        temp_dir("limits"),
        true,
        &["--public-rate", "3", "--trusted-proxy", "127.0.0.1"],
    );
    let from = |addr: &str, path: &str| {
        get(&format!("{}{path}", s.base), &[("X-Forwarded-For", addr)]).status
    };
    // One subscriber's /64: the fourth request is over the limit whatever the low bits.
    let path = "/api/v1/public/regions/root/children";
    for host in ["1", "2", "3"] {
        assert_eq!(from(&format!("2001:db8:1:2::{host}"), path), 200);
    }
    assert_eq!(from("2001:db8:1:2::99", path), 429);
    assert_eq!(
        from("2001:db8:1:3::1", path),
        200,
        "another /64 is another client"
    );
    // Anonymous Open311 lists count against the same limit; a key is not limited.
    let o = "/open311/v2/services.json";
    for _ in 0..3 {
        assert_eq!(from("203.0.113.7", o), 200);
    }
    let r = get(
        &format!("{}{o}", s.base),
        &[("X-Forwarded-For", "203.0.113.7")],
    );
    assert_eq!(r.status, 429);
    // A made-up key does not lift the limit.
    assert_eq!(from("203.0.113.7", &format!("{o}?api_key=made-up")), 429);
    assert_eq!(r.json()[0]["code"], 429, "GeoReport error format");
    let admin = s.login("county_admin");
    let key = admin.post("/api/v1/api-keys", serde_json::json!({"name": "限流测试"}));
    let key = key.json()["key"].as_str().unwrap().to_string();
    for _ in 0..5 {
        assert_eq!(from("203.0.113.7", &format!("{o}?api_key={key}")), 200);
    }
    // A client cannot pick its address: the header counts only from the trusted proxy.
    let direct = Server::start_with(temp_dir("limits2"), false, &["--public-rate", "2"]);
    let r = |xff: &str| {
        get(
            &format!("{}{path}", direct.base),
            &[("X-Forwarded-For", xff)],
        )
        .status
    };
    assert_eq!((r("198.51.100.1"), r("198.51.100.2")), (200, 200));
    assert_eq!(r("198.51.100.3"), 429);
}
