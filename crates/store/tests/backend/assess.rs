//! Assessment counts on both backends: random case histories counted live equal the recount
//! from the events, and a dashboard on a hand-computed fixture, in scope.

use super::cases::*;
use super::{ctx, each};
use tongchou_domain::Role;
use tongchou_domain::assess::period::Period;
use tongchou_store::*;

const HOUR: i64 = 3_600_000;
const CITY: &str = "320700000000";
const URBAN_VILLAGE: &str = "320722103001";

/// A small deterministic generator (xorshift): each seed is one random history, named in the
/// failure message so it can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The desk of a case: its own township's below the county, else the county's or the city's.
fn desk_of(c: &Case) -> Ctx {
    match c.level.as_str() {
        "village" | "township" => ctx(Role::Dispatcher, &format!("{}000", &c.region_code[..9])),
        "county" => ctx(Role::Dispatcher, COUNTY),
        _ => ctx(Role::Dispatcher, CITY),
    }
}

/// A unit on the case's way up at its level (township 103 has none of its own: the county's).
fn unit_for(u: &Units, c: &Case) -> i64 {
    let ours = c.region_code.starts_with(&TOWNSHIP[..9]);
    match c.level.as_str() {
        "village" if c.region_code == VILLAGE => u.committee,
        "village" | "township" if ours => u.township,
        "city" => u.city,
        _ => u.county,
    }
}

/// The action that moves a case on from its state (the index of `random_step`'s choices).
fn natural(rng: &mut Rng, state: &str) -> u64 {
    match state {
        "reported" => 0,
        "accepted" | "returned" | "escalated" => 3,
        "dispatched" => 5,
        "in_progress" => 8,
        "handled" => 11,
        "closed" => 13 + rng.below(2),
        "suspended" => 12,
        _ => rng.below(16),
    }
}

/// Takes one random action on one case as the actor it needs; refusals are part of the game,
/// anything else fails the test.
async fn random_step(s: &Store, u: &Units, rng: &mut Rng, cases: &[Case]) {
    let pick = &cases[rng.below(cases.len() as u64) as usize];
    let c = s.get_case(&Ctx::system(), pick.id).await.unwrap().case;
    let handler_ctx = c.unit_id.map(|unit| handler(unit, COUNTY));
    let desk = desk_of(&c);
    let choice = if rng.below(10) < 6 {
        natural(rng, &c.state)
    } else {
        rng.below(16)
    };
    let result = match choice {
        0 => s.act_on_case(&desk, c.id, &act("accept", "")).await,
        1 => s.act_on_case(&desk, c.id, &act("reject", "不属实")).await,
        2 => {
            let other = &cases[rng.below(cases.len() as u64) as usize];
            let a = CaseAct {
                duplicate_of: Some(other.id),
                ..act("merge", "")
            };
            s.act_on_case(&desk, c.id, &a).await
        }
        3 | 4 => {
            let a = CaseAct {
                unit_id: Some(unit_for(u, &c)),
                ..act("dispatch", "")
            };
            s.act_on_case(&desk, c.id, &a).await
        }
        5 | 6 => match &handler_ctx {
            Some(h) => s.act_on_case(h, c.id, &act("sign", "")).await,
            None => return,
        },
        7 => match &handler_ctx {
            Some(h) => s.act_on_case(h, c.id, &act("return", "非本单位职责")).await,
            None => return,
        },
        8 | 9 => match (&handler_ctx, c.dispute, rng.below(3)) {
            (Some(h), true, outcome) => {
                let si = SessionInput {
                    outcome: ["success", "failure", "adjourned"][outcome as usize].into(),
                    agreement: "双方同意".into(),
                    ..Default::default()
                };
                s.record_mediation(h, c.id, &si).await
            }
            (Some(h), _, _) => s.act_on_case(h, c.id, &act("handle", "已处理")).await,
            (None, ..) => return,
        },
        10 => {
            s.act_on_case(&desk, c.id, &act("escalate", "需上级协调"))
                .await
        }
        11 => {
            let action = ["verify_pass", "verify_pass", "verify_fail"][rng.below(3) as usize];
            s.act_on_case(&desk, c.id, &act(action, "核查")).await
        }
        12 => {
            let action = ["suspend", "resume"][rng.below(2) as usize];
            if action == "suspend"
                && let Some(h) = &handler_ctx
            {
                let _ = s
                    .act_on_case(h, c.id, &act("request_suspend", "等待材料"))
                    .await;
            }
            s.act_on_case(&desk, c.id, &act(action, "")).await
        }
        13 => {
            let a = CaseAct {
                satisfaction: [
                    "very_satisfied",
                    "satisfied",
                    "basically_satisfied",
                    "dissatisfied",
                    "very_dissatisfied",
                ][rng.below(5) as usize]
                    .into(),
                ..act("rate", "")
            };
            s.reporter_act(&c.number, &c.secret, &a).await
        }
        14 => {
            s.reporter_act(&c.number, &c.secret, &act("reopen", "没有解决"))
                .await
        }
        _ => {
            let a = CaseAct {
                deadline: Some(now_ms() + (1 + rng.below(96) as i64) * HOUR),
                ..act("supervise", "请加快办理")
            };
            s.act_on_case(&ctx(Role::Leader, CITY), c.id, &a).await
        }
    };
    if let Err(e) = result {
        let _ = code_of(e);
    }
}

#[tokio::test]
async fn live_counts_equal_the_recount_after_random_histories() {
    each("assess_replay", |_, s| async move {
        set_clock_shift_for_tests(0);
        let u = seed(&s).await;
        let villages = [VILLAGE, OTHER_VILLAGE, URBAN_VILLAGE];
        let categories = ["0101", "0102", "0903"];
        // The clock only moves forward, across every history.
        let mut shift = 0;
        for seed_no in 1..=8u64 {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed_no);
            let mut cases = Vec::new();
            for _ in 0..220 {
                match rng.below(100) {
                    0..=11 => {
                        let v = villages[rng.below(3) as usize];
                        let k = categories[rng.below(3) as usize];
                        cases.push(file(&s, &public(), v, k, "路灯不亮").await);
                    }
                    // Time passes: hours to days, across deadlines and month ends.
                    12..=19 => {
                        shift += (1 + rng.below(72) as i64) * HOUR;
                        set_clock_shift_for_tests(shift);
                        if rng.below(2) == 0 {
                            s.sweep_cases(now_ms()).await.unwrap();
                        }
                    }
                    _ if !cases.is_empty() => random_step(&s, &u, &mut rng, &cases).await,
                    _ => {}
                }
            }
            let r = s.recount(&RecountRequest::default()).await.unwrap();
            assert!(
                r.differences.is_empty() && r.cases_flagged_wrong == 0,
                "seed {seed_no}: {} cases, {} events: live counts differ from the recount: {:#?}",
                r.cases,
                r.events,
                r.differences
            );
            assert!(r.keys > 0);
        }
        // The histories were rich: every kind of event the rules treat specially happened.
        let today = tongchou_domain::calendar::day_of_ms(now_ms());
        let all = Period::Range {
            first: today - 400,
            last: today,
        };
        let city = s.dashboard(&Ctx::system(), CITY, &all).await.unwrap();
        for fact in [
            "overdue",
            "reopened",
            "merged",
            "mediations",
            "mediation_success",
            "rated",
            "supervised",
            "returned",
            "reworked",
            "closed",
            "closed_on_time",
            "signed_in_time",
        ] {
            assert!(
                city.facts.get(fact).is_some_and(|n| *n > 0),
                "no {fact} in {:?}",
                city.facts
            );
        }
        set_clock_shift_for_tests(0);
    })
    .await;
}

#[tokio::test]
async fn the_recount_finds_and_repairs_a_wrong_count() {
    each("assess_repair", |_, s| async move {
        let u = seed(&s).await;
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        let a = CaseAct {
            unit_id: Some(u.committee),
            ..act("dispatch", "")
        };
        s.act_on_case(&town, c.id, &a).await.unwrap();
        assert!(
            s.recount(&RecountRequest::default())
                .await
                .unwrap()
                .differences
                .is_empty()
        );
        // A copy of the case written by the bulk loader, which counts nothing: the recount
        // names each key the copy's events make, then repairs them.
        let d = s.get_case(&Ctx::system(), c.id).await.unwrap();
        let copy = BulkCase {
            case: Case {
                id: new_id(),
                number: format!("{}9", d.case.number),
                ..d.case.clone()
            },
            events: d.events.clone(),
            search: String::new(),
        };
        s.bulk_load_cases(&[copy], &[]).await.unwrap();
        let r = s.recount(&RecountRequest::default()).await.unwrap();
        let village: Vec<(&str, i64, i64)> = r
            .differences
            .iter()
            .filter(|d| d.scope == VILLAGE)
            .map(|d| (d.fact.as_str(), d.counted, d.recounted))
            .collect();
        assert_eq!(
            village,
            vec![
                ("accepted", 1, 2),
                ("accepted_in_time", 1, 2),
                ("dispatched", 1, 2),
                ("reported", 1, 2)
            ]
        );
        assert!(
            r.differences
                .iter()
                .any(|d| d.scope == COUNTY && d.fact == "dispatched")
        );
        assert!(
            r.differences
                .iter()
                .any(|d| d.scope == format!("unit:{}", u.committee))
        );
        let fixed = s
            .recount(&RecountRequest {
                fix: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(fixed.fixed);
        assert!(
            s.recount(&RecountRequest::default())
                .await
                .unwrap()
                .differences
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn a_dashboard_on_a_hand_computed_fixture_and_in_scope() {
    each("assess_dashboard", |_, s| async move {
        let u = seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        // Township 101: two cases in its (rural) village. One goes the whole way and is rated
        // satisfied; the other is rejected.
        let a = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        let b = file(&s, &public(), VILLAGE, "0101", "路灯").await;
        let h = handler(u.committee, VILLAGE);
        s.act_on_case(&town, a.id, &act("accept", ""))
            .await
            .unwrap();
        let d = CaseAct {
            unit_id: Some(u.committee),
            ..act("dispatch", "")
        };
        s.act_on_case(&town, a.id, &d).await.unwrap();
        s.act_on_case(&h, a.id, &act("sign", "")).await.unwrap();
        s.act_on_case(&h, a.id, &act("handle", "已清运"))
            .await
            .unwrap();
        s.act_on_case(&town, a.id, &act("verify_pass", ""))
            .await
            .unwrap();
        let rate = CaseAct {
            satisfaction: "satisfied".into(),
            ..act("rate", "")
        };
        s.reporter_act(&a.number, &a.secret, &rate).await.unwrap();
        s.act_on_case(&town, b.id, &act("reject", "重复"))
            .await
            .unwrap();
        // Township 103: one case in its urban community, accepted and dispatched only.
        let c = file(&s, &public(), URBAN_VILLAGE, "0101", "噪音").await;
        s.act_on_case(&desk_of(&c), c.id, &act("accept", ""))
            .await
            .unwrap();
        let month = Period::month_of(now_ms());
        let county = s
            .dashboard(&ctx(Role::Leader, COUNTY), COUNTY, &month)
            .await
            .unwrap();
        let v = |code: &str| {
            county
                .indicators
                .iter()
                .find(|i| i.code == code)
                .unwrap()
                .clone()
        };
        assert_eq!(county.facts.get("reported"), Some(&3));
        assert_eq!(county.facts.get("accepted"), Some(&2));
        assert_eq!(county.facts.get("rejected"), Some(&1));
        assert_eq!(county.facts.get("dispatched"), Some(&1));
        assert_eq!(county.facts.get("closed"), Some(&1));
        // 办复率 = (closed 1 + rejected 1) ÷ (reported 3 − merged 0).
        let reply = v("reply_rate");
        assert!((reply.value.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!((reply.numerator_value, reply.denominator_value), (2.0, 3.0));
        assert_eq!(v("satisfaction_rate").value, Some(100.0));
        assert_eq!(v("response_rate").value, Some(100.0));
        assert_eq!(v("village_resolution_rate").value, Some(100.0));
        // Nothing was rated the month before, nor a year before: no value, not 0.
        assert_eq!(v("satisfaction_rate").previous, None);
        // Urban (the community in 103) vs rural (the village in 101): 办复率 0 % vs 100 %.
        assert_eq!(reply.urban, Some(0.0));
        assert_eq!(reply.rural, Some(100.0));
        assert_eq!(reply.gap, Some(-100.0));
        // The children: both townships, with their own values.
        let kids: Vec<(&str, i64)> = county
            .children
            .iter()
            .map(|c| (c.code.as_str(), c.reported))
            .collect();
        assert_eq!(kids, vec![(TOWNSHIP, 2), (OTHER_TOWNSHIP, 1)]);
        assert_eq!(county.children[0].values["reply_rate"], Some(100.0));
        // A township leader sees its own township, never its sibling's.
        let leader = ctx(Role::Leader, TOWNSHIP);
        assert!(s.dashboard(&leader, TOWNSHIP, &month).await.is_ok());
        assert!(matches!(
            s.dashboard(&leader, OTHER_TOWNSHIP, &month).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.dashboard(&leader, COUNTY, &month).await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}
