//! What operators see: a log line per request (text by default, JSON objects with
//! `--log-format json`, nothing else on the log), a request id on every answer, and Prometheus
//! metrics for the addresses allowed to read them.

use crate::common::*;
use serde_json::{Value, json};

#[test]
fn json_logs_request_ids_and_metrics() {
    let s = Server::start_with(
        temp_dir("observe"),
        true,
        &["--log-format", "json", "--trusted-proxy", "127.0.0.1"],
    );
    let c = s.login("village_grid_worker");
    let r = c.post(
        "/api/v1/cases",
        json!({"category_code": "0101", "description": "垃圾", "region_code": "320722101200", "reporter_phone": "13812345678"}),
    );
    assert_eq!(r.status, 201);
    let id = r.header("x-request-id").expect("a request id").to_string();
    // A caller's own id is kept.
    let mine = agent()
        .get(&format!("{}/healthz", s.base))
        .header("X-Request-Id", "trace-abc-123")
        .call()
        .unwrap();
    assert_eq!(
        mine.headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap(),
        "trace-abc-123"
    );
    // Made-up methods are counted together, not one series each.
    for i in 0..3 {
        use std::io::{Read, Write};
        let mut raw = std::net::TcpStream::connect(s.base.trim_start_matches("http://")).unwrap();
        write!(
            raw,
            "FAKEMETHOD{i} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let _ = raw.read_to_end(&mut Vec::new());
    }
    // Metrics, from this machine.
    let m = s.client().get("/metrics");
    assert_eq!(m.status, 200);
    let text = String::from_utf8(m.body).unwrap();
    for line in [
        "tongchou_http_requests_total{method=\"POST\",route=\"/api/v1/cases\",status=\"201\"} 1",
        "tongchou_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/cases\"} 1",
        "tongchou_intake_cases_total 1",
        "tongchou_intake_batch_size_bucket{le=\"1\"} 1",
        "tongchou_db_connections{pool=\"write\",state=\"idle\"}",
        "tongchou_sweeps_total",
        "method=\"OTHER\",route=\"/healthz\"",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(!text.contains("FAKEMETHOD"));
    // Not from outside (here: a client behind the trusted proxy).
    let outside = agent()
        .get(&format!("{}/metrics", s.base))
        .header("X-Forwarded-For", "203.0.113.5")
        .call()
        .unwrap();
    assert_eq!(outside.status().as_u16(), 404);
    // Every line of the log is a JSON object; the request is one line with its fields; the SMS
    // line masks the phone and the secret.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = std::fs::read_to_string(s.data_dir.with_extension("log")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let req = lines
        .iter()
        .find(|l| l["fields"]["request_id"] == id.as_str())
        .expect("the request's line");
    let f = &req["fields"];
    assert_eq!(
        (
            f["method"].as_str(),
            f["route"].as_str(),
            f["status"].as_u64()
        ),
        (Some("POST"), Some("/api/v1/cases"), Some(201))
    );
    assert!(f["latency_ms"].as_f64().is_some());
    assert!(lines.iter().any(|l| {
        l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("sms to 138****5678"))
    }));
}
