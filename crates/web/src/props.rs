//! Properties of the web layer's parsers of outside input (CSV/XLSX rows, Open311 dates, JSON
//! bodies, case forms): any input gets an answer, never a panic. Long runs: docs/TESTING.md.

use crate::io::{Format, decode_text, parse_rows, read_table};
use proptest::prelude::*;
use tongchou_domain::cases::Source;
use tongchou_store::{CaseInput, NewCase, parse_calendar};

/// Cells near what an import holds: digits, codes, Chinese, separators, quotes, controls.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,20}",
        "[0-9X]{17,19}",
        "[a-z镇村é\",\\n\\r\\t ]{0,12}",
        any::<String>(),
        Just("网格代码".to_string()),
        Just("身份证号".to_string()),
        Just("姓名".to_string()),
    ]
}

proptest! {
    #[test]
    fn prop_csv_files(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode_text(&bytes);
        if let Ok(table) = read_table(Format::Csv, &bytes) {
            let _ = parse_rows(&table, true);
            let _ = parse_rows(&table, false);
        }
        let _ = read_table(Format::Xlsx, &bytes);
    }

    #[test]
    fn prop_import_rows(rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..11), 0..5)) {
        let header: Vec<String> = ["网格代码", "地址", "户联系电话", "姓名", "身份证号", "电话", "与户主关系", "居住类型", "标签"]
            .iter().map(|s| s.to_string()).collect();
        let mut table = vec![header];
        table.extend(rows);
        if let Err(errors) = parse_rows(&table, true) {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn prop_csv_export_imports_back(rows in (1usize..4).prop_flat_map(|w| proptest::collection::vec(proptest::collection::vec("[=+\\-@'a-z镇0-9 ,\"]{0,8}", w), 1..4))) {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
            .collect();
        let csv = crate::io::to_csv(&table);
        prop_assert_eq!(read_table(Format::Csv, &csv).unwrap(), table);
    }

    #[test]
    fn prop_open311_dates(s in "[0-9T:+\\-Z. ]{0,30}", junk in any::<String>()) {
        for s in [&s, &junk] {
            if let Some(ms) = crate::open311::parse_iso(s) {
                prop_assert!(ms > -100_000_000_000_000 && ms < 100_000_000_000_000);
            }
        }
    }

    #[test]
    fn prop_case_forms(fields in proptest::collection::vec(cell(), 12), lat in any::<Option<f64>>(), lng in any::<Option<f64>>()) {
        let f = |i: usize| fields[i].clone();
        let input = CaseInput {
            category_code: f(0), title: f(1), description: f(2), address: f(3), lat, lng,
            region_code: f(4), grid_code: f(5), priority: f(6), reporter_name: f(7),
            reporter_phone: f(8), source: f(9), reporter_email: f(10), media_url: f(1),
        };
        if let Ok(n) = NewCase::validate(&input, Source::Web, Some(f(11))) {
            for t in [&n.title, &n.description, &n.address] {
                prop_assert!(tongchou_domain::text::forbidden_char(t).is_none());
            }
        }
    }

    #[test]
    fn prop_calendar_files(lines in proptest::collection::vec("[0-9\\-,a-z休班]{0,16}|.{0,16}", 0..6)) {
        let _ = parse_calendar(2026, &lines.join("\n"));
    }

    #[test]
    fn prop_json_bodies(s in any::<String>(), key in any::<String>()) {
        let v = serde_json::json!({"a": [s.clone(), {"b": s.clone()}], key.clone(): 1});
        let mut path = String::new();
        let found = crate::bad_text(&v, &mut path).is_some();
        let has = tongchou_domain::text::forbidden_char(&s).is_some()
            || tongchou_domain::text::forbidden_char(&key).is_some();
        prop_assert_eq!(found, has);
    }
}
