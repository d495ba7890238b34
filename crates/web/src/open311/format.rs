//! GeoReport v2 formats: JSON and XML lists, the spec's error list, ISO 8601 date-times (CST).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Fmt {
    Json,
    Xml,
}

// ---------- rendering ----------

/// Text for XML: markup escaped, and a character XML 1.0 cannot carry (a control character
/// stored before the edge refused them) replaced, so one bad row never breaks a whole list.
pub(crate) fn xml_escape(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if tongchou_domain::text::forbidden_char(c.encode_utf8(&mut [0; 4])).is_some() {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn xml_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => xml_escape(s),
        other => xml_escape(&other.to_string()),
    }
}

/// JSON with the charset named, as GeoReport clients expect.
pub(crate) fn json_response(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        v.to_string(),
    )
        .into_response()
}

/// A list of flat objects as JSON (an array) or XML (`<root><item>…</item></root>`).
pub(crate) fn render(
    fmt: Fmt,
    status: StatusCode,
    root: &str,
    item: &str,
    items: &[Value],
) -> Response {
    match fmt {
        Fmt::Json => json_response(status, &Value::Array(items.to_vec())),
        Fmt::Xml => {
            let mut out = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root}>");
            for it in items {
                out.push_str(&format!("<{item}>"));
                if let Value::Object(m) = it {
                    for (k, v) in m {
                        match v {
                            Value::Array(list) => {
                                out.push_str(&format!("<{k}>"));
                                for x in list {
                                    out.push_str(&format!("<value>{}</value>", xml_value(x)));
                                }
                                out.push_str(&format!("</{k}>"));
                            }
                            v => out.push_str(&format!("<{k}>{}</{k}>", xml_value(v))),
                        }
                    }
                }
                out.push_str(&format!("</{item}>"));
            }
            out.push_str(&format!("</{root}>"));
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

/// GeoReport errors: `[{"code", "description"}]` or `<errors><error>…</error></errors>`.
/// A GeoReport error for a request that never reached a handler (timeout, body too large, wrong
/// method): XML when the path asks for it, else JSON.
pub(crate) fn error_for_path(path: &str, status: StatusCode, description: &str) -> Response {
    let fmt = if path.ends_with(".xml") {
        Fmt::Xml
    } else {
        Fmt::Json
    };
    error(fmt, status, description)
}

pub(crate) fn error(fmt: Fmt, status: StatusCode, description: &str) -> Response {
    render(
        fmt,
        status,
        "errors",
        "error",
        &[json!({"code": status.as_u16(), "description": description})],
    )
}

/// ISO 8601 in the deployment's time zone.
pub(crate) fn iso(ms: i64) -> String {
    let offset = tongchou_domain::date::utc_offset_ms();
    let secs = (ms + offset).div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = tongchou_domain::date::civil_from_days(days);
    let (sign, off) = if offset < 0 {
        ('-', -offset)
    } else {
        ('+', offset)
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        off / 3_600_000,
        off % 3_600_000 / 60_000
    )
}

/// Parses `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS]` with `Z`, `±HH:MM` or no zone (CST).
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    let day = tongchou_domain::calendar::day_of(s.get(..10)?)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(tongchou_domain::calendar::start_of_day_ms(day));
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (time, zone_ms) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|i| *i >= 5) {
        let z = &rest[i + 1..];
        let (h, m) = z
            .split_once(':')
            .unwrap_or((z.get(..2)?, z.get(2..).unwrap_or("0")));
        let off = (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?) * 60_000;
        (&rest[..i], if &rest[i..=i] == "-" { -off } else { off })
    } else {
        (rest, tongchou_domain::date::utc_offset_ms())
    };
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next().unwrap_or("0").parse().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    Some(day * 86_400_000 + ((h * 60 + mi) * 60) * 1000 + (sec * 1000.0) as i64 - zone_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let t = parse_iso("2026-11-22T10:15:30+08:00").unwrap();
        assert_eq!(iso(t), "2026-11-22T10:15:30+08:00");
        assert_eq!(parse_iso("2026-11-22T02:15:30Z"), Some(t));
        assert_eq!(parse_iso("2026-11-22T10:15:30"), Some(t));
        assert_eq!(parse_iso("2026-11-21T21:15:30-05:00"), Some(t));
        assert_eq!(
            parse_iso("2026-11-22"),
            parse_iso("2026-11-22T00:00:00+08:00")
        );
        assert_eq!(parse_iso("2026-13-01"), None);
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn xml_escapes() {
        assert_eq!(xml_escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(
            xml_escape("坏\u{0}字\u{1b}符\n"),
            "坏\u{fffd}字\u{fffd}符\n"
        );
    }
}
