//! Properties of every parser that reads outside input: on any string it answers (never
//! panics), and what it accepts is well-formed. The default run is short; for a long run:
//! `PROPTEST_CASES=200000 cargo test --release -p tongchou-domain --test parsers`
//! (docs/TESTING.md). Inputs it ever found are kept below as plain regression tests.

use proptest::prelude::*;
use tongchou_domain::{RegionCode, calendar, categories, grid, idcard, mask, search, text};

/// Strings near the shapes the parsers expect: digits, X, separators, multibyte and control
/// characters, of the lengths that matter (an 18-byte string with a multibyte tail was a panic).
fn near(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('0', '9'),
            1 => Just('X'),
            1 => Just('-'),
            1 => Just(','),
            1 => Just('\n'),
            1 => Just('é'),
            1 => Just('镇'),
            1 => Just('\u{0}'),
            1 => Just('🚧'),
            1 => any::<char>(),
        ],
        0..max,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn id_numbers(s in near(22), junk in any::<String>()) {
        for s in [&s, &junk] {
            if let Ok(id) = idcard::parse("id_number", s, "20261122") {
                prop_assert_eq!(id.number.len(), 18);
                prop_assert!(id.number.is_ascii());
                prop_assert_eq!(id.birth_date.len(), 10);
            }
            let m = mask::id_number(s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
        }
    }

    #[test]
    fn valid_id_numbers_parse(day in 1u32..=28, month in 1u32..=12, year in 1900u32..2026, seq in 0u32..1000) {
        let n = idcard::build("320722", &format!("{year:04}{month:02}{day:02}"), seq);
        let id = idcard::parse("id_number", &n, "20261122").unwrap();
        prop_assert_eq!(id.number, n);
    }

    #[test]
    fn region_and_grid_codes(s in near(16), junk in any::<String>()) {
        for s in [&s, &junk] {
            if let Ok(c) = RegionCode::parse(s) {
                prop_assert_eq!(c.as_str().len(), 12);
                prop_assert!(c.as_str().bytes().all(|b| b.is_ascii_digit()));
            }
            if let Ok((g, v)) = grid::parse_code("grid_code", s) {
                prop_assert_eq!(g.len(), 15);
                prop_assert!(g.starts_with(v.as_str()));
            }
        }
    }

    /// Notes shown to the public: never a panic, never a run of 7 digits left whole, and text
    /// without long numbers unchanged.
    #[test]
    fn public_notes(
        s in near(30),
        junk in any::<String>(),
        numbery in proptest::collection::vec(
            proptest::sample::select(vec!['0', '1', '3', '8', ' ', '-', '０', '９', 'X', '号']),
            0..40,
        ).prop_map(|v| v.into_iter().collect::<String>()),
    ) {
        for s in [&s, &junk, &numbery] {
            let out = mask::numbers_in_text(s);
            let mut run = 0;
            for c in out.chars() {
                run = if c.is_ascii_digit() || ('０'..='９').contains(&c) { run + 1 } else { 0 };
                prop_assert!(run < 7, "{out}");
            }
            let digits = s.chars().filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c)).count();
            if digits < 7 {
                prop_assert_eq!(&out, s);
            }
        }
    }

    #[test]
    fn calendar_csv(lines in proptest::collection::vec(near(24), 0..6)) {
        let text = lines.join("\n");
        let _ = calendar::Calendar::parse_csv(&text);
        let _ = calendar::day_of(&text);
    }

    #[test]
    fn case_numbers_and_search_terms(s in near(24), junk in any::<String>()) {
        for s in [&s, &junk] {
            if let Some((county, day, _)) = categories::parse_case_number(s) {
                prop_assert_eq!((county.len(), day.len()), (6, 8));
            }
            let doc = search::document(&[s]);
            prop_assert!(doc.chars().all(|c| c.is_alphanumeric() || c == ' '));
            if let Some(terms) = search::query_terms(s) {
                for t in terms {
                    prop_assert!(t.chars().all(char::is_alphanumeric), "{t:?}");
                }
            }
            let _ = mask::phone(s);
        }
    }

    #[test]
    fn control_characters_are_always_found(prefix in "[a-z镇 ]{0,5}", c in 0u32..0x20, suffix in "[a-z ]{0,5}") {
        let c = char::from_u32(c).unwrap();
        let s = format!("{prefix}{c}{suffix}");
        prop_assert_eq!(text::check("f", &s).is_ok(), matches!(c, '\t' | '\n' | '\r'));
    }
}

/// What the properties (and outside testers) found, kept as plain tests.
#[test]
fn found_inputs() {
    // 17 ASCII digits and an 'é': 18 characters, 19 bytes; and 16 digits with 'é' (18 bytes).
    for s in [
        "12345678901234567é",
        "1234567890123456é",
        "32072219800101123镇",
    ] {
        let e = idcard::parse("id_number", s, "20261122").unwrap_err();
        assert_eq!(e.field, "id_number");
    }
}

/// JSON values shaped like GeoJSON polygons, with the faults people make: wrong nesting, open
/// rings, swapped or non-finite numbers, strings where numbers go.
fn geometry_like() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let num = prop_oneof![
        6 => (-200.0f64..200.0).prop_map(|x| json!(x)),
        1 => Just(json!("1")),
        1 => Just(Value::Null),
        1 => Just(json!(1e308)),
    ];
    let position = proptest::collection::vec(num, 0..4).prop_map(Value::Array);
    let ring = proptest::collection::vec(position, 0..8).prop_map(|mut r| {
        if let Some(first) = r.first().cloned() {
            r.push(first); // usually closed, as real files are
        }
        Value::Array(r)
    });
    let polygon = proptest::collection::vec(ring, 0..3).prop_map(Value::Array);
    let kind = prop_oneof![
        Just("Polygon"),
        Just("MultiPolygon"),
        Just("Feature"),
        Just("Point")
    ];
    (kind, proptest::collection::vec(polygon, 0..3)).prop_map(|(k, mut polys)| match k {
        "MultiPolygon" => json!({"type": k, "coordinates": polys}),
        "Feature" => {
            json!({"type": k, "geometry": {"type": "Polygon", "coordinates": polys.pop()}})
        }
        _ => json!({"type": k, "coordinates": polys.pop()}),
    })
}

proptest! {
    #[test]
    fn geojson_geometries(v in geometry_like(), lng in -180.0f64..180.0, lat in -90.0f64..90.0) {
        use tongchou_domain::shape;
        match shape::parse_geometry("geometry", &v) {
            Ok(s) => {
                // What is accepted has a sane box, survives its own output, and answers a lookup.
                prop_assert!(s.bbox[0] <= s.bbox[2] && s.bbox[1] <= s.bbox[3]);
                let again = shape::parse_geometry("g", &serde_json::from_str(&s.to_geojson()).unwrap());
                prop_assert!(again.is_ok(), "{:?}", again.err());
                let inside = s.contains(lng, lat);
                prop_assert!(!inside || (s.bbox[0] <= lng && lng <= s.bbox[2]));
            }
            Err(e) => {
                prop_assert!(e.field.starts_with("geometry"));
                prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
            }
        }
    }
}

/// Text near an indicator expression: fact names (real and misspelt), numbers, operators, junk.
fn expression_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec!["closed", "dispatched", "rated", "overdue_open", "clsoed", "x"]).prop_map(str::to_string),
        3 => prop::sample::select(vec![" + ", " - ", "*", " ", "+", "-"]).prop_map(str::to_string),
        2 => (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => Just("..".to_string()),
    ];
    proptest::collection::vec(piece, 0..25).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn indicator_expressions(text in expression_like(), junk in any::<String>(), c in 0.0f64..1000.0) {
        use tongchou_domain::assess::{expr, is_fact};
        for text in [&text, &junk] {
            match expr::parse("numerator", text, is_fact) {
                Ok(e) => {
                    // What is accepted reads only known facts, and its canonical text parses back
                    // to the same expression with the same value.
                    prop_assert!(e.facts().all(is_fact));
                    let again = expr::parse("numerator", &e.to_string(), is_fact);
                    prop_assert!(again.is_ok(), "{} → {}: {:?}", text, e, again.err());
                    let again = again.unwrap();
                    let (a, b) = (e.eval(|_| c), again.eval(|_| c));
                    prop_assert!((a - b).abs() <= 1e-9 * (1.0 + a.abs()), "{} vs {}", a, b);
                }
                Err(e) => {
                    prop_assert_eq!(e.field.as_str(), "numerator");
                    prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn assessment_periods(s in near(25), junk in any::<String>(), y in 1970i64..2100, m in 0u32..14, d in 0u32..33) {
        use tongchou_domain::assess::period::Period;
        let dated = format!("{y:04}-{m:02}-01..{y:04}-{m:02}-{d:02}");
        let quarter = format!("{y}-Q{m}");
        for text in [&s, &junk, &dated, &quarter] {
            match Period::parse(text) {
                Ok(p) => {
                    let (a, b) = p.days();
                    prop_assert!(a < b, "{} → {:?}", text, p);
                    prop_assert_eq!(Period::parse(&p.to_string()).ok(), Some(p));
                    // The period before ends where this one starts.
                    prop_assert_eq!(p.previous().days().1, a);
                }
                Err(e) => prop_assert_eq!(e.field.as_str(), "period"),
            }
        }
    }
}
