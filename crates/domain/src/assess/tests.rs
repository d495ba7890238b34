use super::*;
use std::collections::HashMap;

/// A month of one township, counted by hand.
fn fixture() -> HashMap<&'static str, f64> {
    HashMap::from([
        ("reported", 60.0),
        ("merged", 5.0),
        ("accepted", 50.0),
        ("accepted_in_time", 45.0),
        ("rejected", 2.0),
        ("dispatched", 40.0),
        ("signed_in_time", 30.0),
        ("returned", 4.0),
        ("handled", 25.0),
        ("handled_on_time", 20.0),
        ("reworked", 3.0),
        ("closed", 20.0),
        ("closed_on_time", 15.0),
        ("closed_reworked", 2.0),
        ("closed_village", 10.0),
        ("closed_township", 6.0),
        ("overdue", 6.0),
        ("overdue_open", 5.0),
        ("rated", 10.0),
        ("very_satisfied", 4.0),
        ("satisfied", 4.0),
        ("mediations", 8.0),
        ("mediation_success", 6.0),
        ("supervised", 4.0),
        ("supervised_on_time", 3.0),
        ("households", 60.0),
        ("visits", 90.0),
        ("tagged_households", 20.0),
        ("tagged_visited_in_time", 15.0),
        ("grids", 10.0),
        ("grids_in_rule", 9.0),
    ])
}

fn value(code: &str, counts: &HashMap<&str, f64>) -> Option<f64> {
    let b = BUILT_IN.iter().find(|b| b.code == code).expect(code);
    b.indicator()
        .value(|f| counts.get(f).copied().unwrap_or(0.0))
}

#[test]
fn every_built_in_formula_on_its_hand_computed_fixture() {
    let c = fixture();
    let expected = [
        ("response_rate", 30.0 / 40.0 * 100.0),
        ("accept_on_time_rate", 45.0 / 50.0 * 100.0),
        ("dispatch_accuracy", 36.0 / 40.0 * 100.0),
        ("resolution_rate", 18.0 / 20.0 * 100.0),
        // Due for closure = closed + overdue and still open = 25.
        ("closure_rate", 20.0 / 25.0 * 100.0),
        ("closure_on_time_rate", 15.0 / 25.0 * 100.0),
        ("handling_on_time_rate", 20.0 / 25.0 * 100.0),
        ("rework_rate", 3.0 / 40.0 * 100.0),
        ("overdue_rate", 6.0 / 40.0 * 100.0),
        ("satisfaction_rate", 8.0 / 10.0 * 100.0),
        // A merged duplicate is not a second case: 60 reported − 5 merged.
        ("reply_rate", 22.0 / 55.0 * 100.0),
        ("village_resolution_rate", 10.0 / 20.0 * 100.0),
        ("township_resolution_rate", 16.0 / 20.0 * 100.0),
        ("mediation_success_rate", 6.0 / 8.0 * 100.0),
        ("supervised_on_time_rate", 3.0 / 4.0 * 100.0),
        ("visits_per_household", 90.0 / 60.0),
        ("tagged_visit_rate", 15.0 / 20.0 * 100.0),
        ("grid_size_rate", 9.0 / 10.0 * 100.0),
    ];
    assert_eq!(
        expected.len(),
        BUILT_IN.len(),
        "every built-in has its fixture"
    );
    for (code, want) in expected {
        let got = value(code, &c).unwrap_or_else(|| panic!("{code}: no value"));
        assert!((got - want).abs() < 1e-9, "{code}: {got} ≠ {want}");
    }
}

#[test]
fn nothing_to_measure_gives_no_value_rather_than_a_division_by_zero() {
    let empty = HashMap::new();
    for b in BUILT_IN {
        assert_eq!(value(b.code, &empty), None, "{}", b.code);
    }
}

#[test]
fn built_ins_are_written_down_and_read_only_known_facts() {
    let mut codes = std::collections::HashSet::new();
    for b in BUILT_IN {
        assert!(codes.insert(b.code), "{} twice", b.code);
        assert!(!b.definition_zh.is_empty() && !b.definition_en.is_empty());
        let i = b.indicator();
        assert!(
            i.numerator
                .facts()
                .chain(i.denominator.facts())
                .all(is_fact)
        );
    }
    let mut names = std::collections::HashSet::new();
    assert!(
        FACTS.iter().all(|f| names.insert(f.name)),
        "fact names are unique"
    );
    assert!(
        FACTS
            .iter()
            .all(|f| f.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    );
}

#[test]
fn weights_constants_and_signs() {
    let e = expr::parse(
        "numerator",
        "1*very_satisfied + 0.8*satisfied + 0.6 * basically_satisfied",
        is_fact,
    )
    .unwrap();
    let c = HashMap::from([
        ("very_satisfied", 5.0),
        ("satisfied", 5.0),
        ("basically_satisfied", 10.0),
    ]);
    assert!((e.eval(|f| c.get(f).copied().unwrap_or(0.0)) - 15.0).abs() < 1e-9);
    // Order and spelling do not matter; the same fact twice is summed.
    let a = expr::parse("n", "dispatched - returned", is_fact).unwrap();
    let b = expr::parse("n", "-returned+dispatched", is_fact).unwrap();
    assert_eq!(a, b);
    let twice = expr::parse("n", "closed + closed - 2*closed + 3", is_fact).unwrap();
    assert!(twice.terms.is_empty());
    assert_eq!(twice.constant, 3.0);
    // The canonical text parses back to the same expression.
    for text in [
        "dispatched - returned",
        "-2*closed + 0.5*rated - 7",
        "4",
        "closed_village + closed_township",
    ] {
        let e = expr::parse("n", text, is_fact).unwrap();
        assert_eq!(
            expr::parse("n", &e.to_string(), is_fact).unwrap(),
            e,
            "{text} → {e}"
        );
    }
}

#[test]
fn a_bad_expression_names_its_field_and_where() {
    let err = |text: &str| expr::parse("numerator", text, is_fact).unwrap_err();
    let e = err("closed + clsoed");
    assert_eq!(
        (e.field.as_str(), e.code),
        ("numerator", "invalid_expression")
    );
    assert!(
        e.en.contains("character 10") && e.en.contains("clsoed"),
        "{}",
        e.en
    );
    assert!(err("closed / dispatched").en.contains("“/” is not allowed"));
    assert!(err("closed +").en.contains("a fact name or a number"));
    assert!(err("2 *").en.contains("a fact name must follow"));
    assert!(err("closed closed").en.contains("“+” or “-”"));
    assert!(err("+closed").en.contains("a fact name or a number"));
    assert!(err("1..2").en.contains("not a number"));
    assert!(err("SELECT * FROM cases").en.contains("is not allowed"));
    assert_eq!(err("  ").code, "required");
    assert_eq!(err(&"closed + ".repeat(100)).code, "too_long");
    assert_eq!(
        err("closed + ".repeat(31).trim_end_matches(" + ")).code,
        "too_long"
    );
    // The factor is checked too.
    let bad = Indicator::parse("closed", "dispatched", 0.0, Direction::Higher).unwrap_err();
    assert_eq!(bad.field, "factor");
    let bad = Indicator::parse("closed", "nothing", 100.0, Direction::Higher).unwrap_err();
    assert_eq!(bad.field, "denominator");
}

#[test]
fn docs_list_every_built_in_formula() {
    let doc = include_str!("../../../../docs/INDICATORS.md");
    for b in BUILT_IN {
        let row = format!(
            "| `{}` | {} ({}) | `{}` | `{}` |",
            b.code, b.zh, b.en, b.numerator, b.denominator
        );
        assert!(doc.contains(&row), "docs/INDICATORS.md lacks {row}");
    }
    for f in FACTS {
        let row = format!("| `{}` | {} — {} |", f.name, f.zh, f.en);
        assert!(doc.contains(&row), "docs/INDICATORS.md lacks {row}");
    }
}

fn entry(unit: &str, volume: f64, values: &[(&str, Option<f64>)]) -> rank::Entry {
    rank::Entry {
        unit: unit.into(),
        volume,
        values: values.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
    }
}

#[test]
fn composite_scores_rank_peers_with_ties_and_the_minimum_volume_rule() {
    let w = rank::default_weights();
    rank::check_weights(&w).unwrap();
    let all = |r, s, t| {
        [
            ("response_rate", Some(r)),
            ("resolution_rate", Some(s)),
            ("satisfaction_rate", Some(t)),
        ]
    };
    let entries = [
        // 0.2×90 + 0.4×80 + 0.4×70 = 78
        entry("320722101", 40.0, &all(90.0, 80.0, 70.0)),
        // 0.2×100 + 0.4×95 + 0.4×90 = 94
        entry("320722102", 30.0, &all(100.0, 95.0, 90.0)),
        // The same 78 as the first: a shared rank.
        entry("320722103", 25.0, &all(70.0, 90.0, 70.0)),
        // Perfect, but with 2 cases: too few to rank, listed last.
        entry("320722104", 2.0, &all(100.0, 100.0, 100.0)),
        // Nothing rated yet: the score comes from the other two, in proportion (0.2×50+0.4×50)/0.6.
        entry(
            "320722105",
            12.0,
            &[
                ("response_rate", Some(50.0)),
                ("resolution_rate", Some(50.0)),
                ("satisfaction_rate", None),
            ],
        ),
    ];
    let r = rank::rank(&entries, &w, 100.0, 10.0);
    let order: Vec<(&str, Option<usize>)> = r.iter().map(|x| (x.unit.as_str(), x.rank)).collect();
    assert_eq!(
        order,
        [
            ("320722102", Some(1)),
            ("320722101", Some(2)),
            ("320722103", Some(2)),
            ("320722105", Some(4)),
            ("320722104", None),
        ]
    );
    assert!((r[1].score.unwrap() - 78.0).abs() < 1e-9 && (r[3].score.unwrap() - 50.0).abs() < 1e-9);
    assert!(r[4].too_few && r[4].score == Some(100.0));
    // The indicator that cost the most points is named: for 320722101, 满意率 lost 0.4×30 = 12.
    assert_eq!(r[1].weakest.as_deref(), Some("satisfaction_rate"));
    // For 320722103, 响应率 lost 0.2×30 = 6, 解决率 0.4×10 = 4 and 满意率 0.4×30 = 12.
    assert_eq!(r[2].weakest.as_deref(), Some("satisfaction_rate"));
    // A points scheme: counties out of 150.
    let (s, _) = rank::score(&entries[1], &w, 150.0);
    assert!((s.unwrap() - 141.0).abs() < 1e-9);
    // A lower-is-better indicator scores 100 − value.
    let lower = [rank::Weight {
        code: "overdue_rate".into(),
        percent: 100.0,
        direction: Direction::Lower,
    }];
    let (s, weakest) = rank::score(
        &entry("x", 10.0, &[("overdue_rate", Some(15.0))]),
        &lower,
        100.0,
    );
    assert_eq!((s, weakest.as_deref()), (Some(85.0), Some("overdue_rate")));
}

#[test]
fn weights_must_sum_to_one_hundred_percent() {
    let w = |list: &[(&str, f64)]| -> Vec<rank::Weight> {
        list.iter()
            .map(|(c, p)| rank::Weight {
                code: c.to_string(),
                percent: *p,
                direction: Direction::Higher,
            })
            .collect()
    };
    assert!(rank::check_weights(&w(&[("a", 50.0), ("b", 50.0)])).is_ok());
    for bad in [
        &[("a", 50.0), ("b", 40.0)][..],
        &[("a", 100.0), ("b", 0.0)],
        &[("a", 50.0), ("a", 50.0)],
        &[],
    ] {
        let e = rank::check_weights(&w(bad)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("weights", "invalid_weights"),
            "{bad:?}"
        );
    }
    assert!(
        rank::check_weights(&w(&[("a", 60.0), ("b", 30.0)]))
            .unwrap_err()
            .en
            .contains("not 90")
    );
}

#[test]
fn warnings_after_one_two_and_three_bad_periods_and_a_good_one_starts_again() {
    use rank::Warning::*;
    let rule = rank::WarningRule::default();
    rule.check().unwrap();
    assert_eq!(rule.warning(&[]), None);
    assert_eq!(rule.warning(&[false]), None);
    assert_eq!(rule.warning(&[true]), Some(Blue));
    assert_eq!(rule.warning(&[false, true, true]), Some(Yellow));
    assert_eq!(rule.warning(&[true, true, true]), Some(Red));
    assert_eq!(rule.warning(&[true, true, true, true, true]), Some(Red));
    // A good month in between: the count starts again.
    assert_eq!(rule.warning(&[true, true, false, true]), Some(Blue));
    assert_eq!(rule.warning(&[true, true, true, false]), None);
    let strict = rank::WarningRule {
        blue: 2,
        yellow: 3,
        red: 6,
    };
    assert_eq!(strict.warning(&[true]), None);
    assert_eq!(strict.warning(&[true; 5]), Some(Yellow));
    assert!(
        rank::WarningRule {
            blue: 2,
            yellow: 2,
            red: 3
        }
        .check()
        .is_err()
    );
    assert!(
        rank::WarningRule {
            blue: 0,
            yellow: 2,
            red: 3
        }
        .check()
        .is_err()
    );
}

#[test]
fn periods_in_the_deployments_time_zone() {
    use period::Period;
    let p = |t: &str| Period::parse(t).unwrap_or_else(|e| panic!("{t}: {}", e.en));
    let day = |d: &str| crate::calendar::day_of(d).unwrap();
    assert_eq!(p("2026-11").days(), (day("2026-11-01"), day("2026-12-01")));
    assert_eq!(p("2026-Q4").days(), (day("2026-10-01"), day("2027-01-01")));
    assert_eq!(p("2024").days(), (day("2024-01-01"), day("2025-01-01")));
    assert_eq!(
        p(" 2026-11-01..2026-11-15 ").days(),
        (day("2026-11-01"), day("2026-11-16"))
    );
    // 00:30 Beijing time on 1 December (16:30 UTC on 30 November) counts in December.
    let half_past_midnight = crate::calendar::start_of_day_ms(day("2026-12-01")) + 30 * 60_000;
    let (nov_start, nov_end) = p("2026-11").ms();
    let (dec_start, _) = p("2026-12").ms();
    assert_eq!(nov_end, dec_start);
    assert!(half_past_midnight >= dec_start && !(nov_start..nov_end).contains(&half_past_midnight));
    assert_eq!(
        dec_start % 86_400_000,
        16 * 3_600_000,
        "00:00 CST is 16:00 UTC"
    );
    // Month over month and year over year, across year ends and leap days.
    assert_eq!(p("2026-01").previous(), p("2025-12"));
    assert_eq!(p("2026-Q1").previous(), p("2025-Q4"));
    assert_eq!(p("2026-11").year_before(), p("2025-11"));
    assert_eq!(
        p("2026-11-01..2026-11-15").previous(),
        p("2026-10-17..2026-10-31")
    );
    assert_eq!(
        p("2024-02-29..2024-03-01").year_before(),
        p("2023-02-28..2023-03-01")
    );
    // Its text reads back.
    for t in ["2026-11", "2026-Q4", "2026", "2026-11-01..2026-11-15"] {
        assert_eq!(p(t).to_string(), t);
    }
    for bad in [
        "",
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-1",
        "26",
        "2026-11-31..2026-12-01",
        "2026-12-01..2026-11-01",
        "2020-01-01..2026-01-01",
        "x",
        "2026-11..",
        "１２３４",
    ] {
        let e = Period::parse(bad).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("period", "invalid_period"),
            "{bad}"
        );
    }
}

#[test]
fn a_hotspot_is_told_once_until_it_ends() {
    let rule = hotspot::HotspotRule { cases: 3, days: 7 };
    rule.check().unwrap();
    let day = crate::calendar::DAY_MS;
    // Three in two days: a hotspot at the third; a fourth within the week is the same hotspot.
    let mut times = vec![0, day, 2 * day, 3 * day];
    assert_eq!(rule.starts(&times), [2 * day]);
    // The week slides on with three or more in it: still the same one.
    times.push(15 * day / 2);
    assert_eq!(rule.starts(&times), [2 * day]);
    // A quiet spell (fewer than three in the week), then three more: a second hotspot.
    times.extend([30 * day, 31 * day, 32 * day]);
    assert_eq!(rule.starts(&times), [2 * day, 32 * day]);
    // Spread thin: never three within a week.
    assert!(rule.starts(&[0, 5 * day, 10 * day, 15 * day]).is_empty());
    // Exactly a week apart is outside the window.
    assert!(rule.starts(&[0, 3 * day, 7 * day]).is_empty());
    assert!(hotspot::HotspotRule { cases: 1, days: 7 }.check().is_err());
    assert!(hotspot::HotspotRule { cases: 5, days: 0 }.check().is_err());
    assert!(hotspot::HotspotRule::default().check().is_ok());
}

/// A case's life through the counting rules, event by event, each result written by hand.
#[test]
fn counting_rules_on_a_case_that_goes_overdue_is_reopened_and_closed_again() {
    use count::{CaseSoFar, Happened, deadline_passed, event_counts};
    let day = crate::calendar::DAY_MS;
    let mut so = CaseSoFar::default();
    let step = |so: &mut CaseSoFar,
                action: &'static str,
                at: i64,
                to: &'static str,
                deadline: Option<i64>|
     -> Vec<(&'static str, i64)> {
        let mut out = deadline_passed(so, at);
        let e = Happened {
            action,
            at,
            to_state: to,
            unit_id: Some(7),
            level: "village",
            stage_deadline: deadline,
            due_at: None,
            outcome: None,
        };
        out.extend(event_counts(so, &e));
        out.into_iter().map(|c| (c.fact, c.delta)).collect()
    };
    assert_eq!(
        step(&mut so, "report", 0, "reported", Some(day)),
        [("reported", 1)]
    );
    assert_eq!(
        step(&mut so, "accept", day / 2, "accepted", Some(day)),
        [("accepted", 1), ("accepted_in_time", 1)]
    );
    assert_eq!(
        step(&mut so, "dispatch", day / 2, "dispatched", Some(2 * day)),
        [("dispatched", 1)]
    );
    // Signed a day late: the passed deadline counts once, on its own day, before the sign.
    let late = step(&mut so, "sign", 3 * day, "in_progress", Some(10 * day));
    assert_eq!(late, [("overdue", 1), ("overdue_open", 1)]);
    // A return and a second dispatch: no second `dispatched`, no `signed_in_time`.
    assert_eq!(
        step(&mut so, "return", 4 * day, "returned", Some(5 * day)),
        [("returned", 1)]
    );
    assert!(step(&mut so, "dispatch", 4 * day, "dispatched", Some(6 * day)).is_empty());
    assert!(step(&mut so, "sign", 4 * day, "in_progress", Some(9 * day)).is_empty());
    assert_eq!(
        step(&mut so, "handle", 5 * day, "handled", Some(7 * day)),
        [("handled", 1), ("handled_on_time", 1)]
    );
    assert_eq!(
        step(
            &mut so,
            "verify_fail",
            6 * day,
            "in_progress",
            Some(9 * day)
        ),
        [("reworked", 1)]
    );
    assert_eq!(
        step(&mut so, "handle", 7 * day, "handled", Some(8 * day)).len(),
        2
    );
    // Closed: not on time (it went overdue), after rework, at village level; it leaves
    // `overdue_open`.
    assert_eq!(
        step(&mut so, "verify_pass", 7 * day, "closed", None),
        [
            ("closed", 1),
            ("closed_reworked", 1),
            ("closed_village", 1),
            ("overdue_open", -1)
        ]
    );
    // Reopened, then closed again in time: due again, and on time this life.
    assert_eq!(
        step(&mut so, "reopen", 8 * day, "accepted", Some(9 * day)),
        [("reopened", 1)]
    );
    assert!(step(&mut so, "dispatch", 8 * day, "dispatched", Some(10 * day)).is_empty());
    assert!(step(&mut so, "sign", 8 * day, "in_progress", Some(11 * day)).is_empty());
    step(&mut so, "handle", 9 * day, "handled", Some(12 * day));
    assert_eq!(
        step(&mut so, "verify_pass", 9 * day, "closed", None),
        [
            ("closed", 1),
            ("closed_on_time", 1),
            ("closed_reworked", 1),
            ("closed_village", 1)
        ]
    );
    // A closed case has no deadline to pass.
    assert!(deadline_passed(&mut so, 100 * day).is_empty());
}
