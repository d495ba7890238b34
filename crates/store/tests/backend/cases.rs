//! Cases on both backends: catalog, routing, the whole loop with its refusals, escalation and
//! scope. The helpers here serve the other case tests (`case_*.rs`).

use super::{ctx, each, seed_territory};

use tongchou_domain::Role;

use tongchou_domain::cases::Source;

use tongchou_domain::workflow::{self, Action, Actor};

use tongchou_store::*;

pub(super) const VILLAGE: &str = "320722101200";

pub(super) const OTHER_VILLAGE: &str = "320722103200";

pub(super) const TOWNSHIP: &str = "320722101000";

pub(super) const OTHER_TOWNSHIP: &str = "320722103000";

pub(super) const COUNTY: &str = "320722000000";

pub(super) struct Units {
    pub(super) committee: i64,
    pub(super) township: i64,
    pub(super) county: i64,
    pub(super) city: i64,
}

pub(super) async fn seed(s: &Store) -> Units {
    seed_territory(s).await;
    let u = |region: &str, name: &str, kind: &str| Unit {
        id: new_id(),
        region_code: region.into(),
        name: name.into(),
        kind: kind.into(),
    };
    let units = vec![
        u(VILLAGE, "白塔村委会", "committee"),
        u(TOWNSHIP, "白塔埠镇综治中心", "department"),
        u(COUNTY, "东海县城市管理局", "department"),
        u("320700000000", "连云港市城市管理局", "department"),
        u(OTHER_VILLAGE, "黄川村委会", "committee"),
    ];
    s.insert_units(&units).await.unwrap();
    Units {
        committee: units[0].id,
        township: units[1].id,
        county: units[2].id,
        city: units[3].id,
    }
}

pub(super) fn handler(unit: i64, scope: &str) -> Ctx {
    Ctx {
        unit_id: Some(unit),
        user_id: Some(unit),
        ..ctx(Role::Handler, scope)
    }
}

pub(super) fn input(region: &str, category: &str, text: &str) -> CaseInput {
    CaseInput {
        category_code: category.into(),
        description: text.into(),
        address: "白塔村三组".into(),
        region_code: region.into(),
        reporter_name: "王先生".into(),
        reporter_phone: "13812341234".into(),
        ..Default::default()
    }
}

pub(super) async fn file(s: &Store, c: &Ctx, region: &str, category: &str, text: &str) -> Case {
    let n = NewCase::validate(&input(region, category, text), Source::Web, None).unwrap();
    s.create_case(c, &n).await.unwrap().case
}

pub(super) fn act(action: &str, note: &str) -> CaseAct {
    CaseAct {
        action: action.into(),
        note: note.into(),
        ..Default::default()
    }
}

pub(super) fn public() -> Ctx {
    Ctx {
        user_id: None,
        ..ctx(Role::Resident, "320000000000")
    }
}

pub(super) fn code_of(e: StoreError) -> &'static str {
    match e {
        StoreError::Refused { code, .. } => code,
        StoreError::Invalid(i) => i.code,
        StoreError::NotFound(_) => "not_found",
        other => panic!("unexpected {other:?}"),
    }
}

/// The state equals the replay of the lifecycle events.
pub(super) async fn assert_replays(s: &Store, id: i64) {
    let d = s.get_case(&Ctx::system(), id).await.unwrap();
    let steps: Vec<(Action, Actor)> = d
        .events
        .iter()
        .filter_map(|e| {
            let a = Action::parse(&e.action)?;
            let who = match e.actor.as_str() {
                "reporter" => Actor::Reporter,
                "grid_worker" => Actor::GridWorker,
                "dispatcher" => Actor::Dispatcher,
                "handler" => Actor::Handler,
                _ => Actor::System,
            };
            Some((a, who))
        })
        .collect();
    let replayed = workflow::replay(&steps).unwrap();
    assert_eq!(replayed.as_str(), d.case.state, "events: {:?}", d.events);
    for (i, e) in d.events.iter().enumerate() {
        assert_eq!(e.seq as usize, i + 1);
    }
}

#[tokio::test]
async fn catalog_seeded_and_editable() {
    each("catalog", |_, s| async move {
        let cats = s.list_categories(None).await.unwrap();
        let subs = tongchou_domain::categories::DEFAULT
            .iter()
            .map(|c| c.subcategories.len())
            .sum::<usize>();
        assert_eq!(cats.len(), 16 + subs);
        let mut k = cats.iter().find(|k| k.code == "0101").unwrap().clone();
        k.limit_unit = "working_hours".into();
        k.limit_value = 12;
        let admin = Ctx::system();
        assert_eq!(s.put_category(&admin, &k).await.unwrap().limit_value, 12);
        k.limit_value = 0;
        let e = s.put_category(&admin, &k).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(ref i) if i.field == "limit_value"));
        let orphan = CategoryRow {
            owner_code: String::new(),
            code: "9901".into(),
            parent_code: Some("99".into()),
            limit_value: 3,
            ..k.clone()
        };
        let e = s.put_category(&admin, &orphan).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(ref i) if i.field == "parent_code"));

        // A year's calendar: 调休 and holidays replace that year's rows.
        let rows = parse_calendar(2025, "date,kind\n2025-10-01,holiday\n2025-10-11,班\n").unwrap();
        assert_eq!(s.import_calendar(&admin, 2025, &rows).await.unwrap(), 2);
        let rows = parse_calendar(2025, "2025-10-01,holiday\n").unwrap();
        s.import_calendar(&admin, 2025, &rows).await.unwrap();
        assert_eq!(
            s.calendar_year(2025).await.unwrap(),
            vec![("2025-10-01".to_string(), "holiday".to_string())]
        );
        let errs = parse_calendar(2025, "date,kind\n2025-10-01,holiday\n2026-01-01,holiday\n")
            .unwrap_err();
        assert_eq!(errs[0].0, 3);
    })
    .await;
}

#[tokio::test]
async fn routing_most_specific_rule_then_territory() {
    each("routing", |_, s| async move {
        let u = seed(&s).await;
        let admin = Ctx::system();
        // No rule: the village committee (属地).
        let c = file(&s, &public(), VILLAGE, "0101", "路边垃圾堆放").await;
        assert_eq!(
            (c.route_by.as_str(), c.route_unit_id),
            ("village", Some(u.committee))
        );
        assert_eq!(
            (c.level.as_str(), c.level_code.as_str()),
            ("village", VILLAGE)
        );
        // A county-wide rule, then a township rule: the longer prefix wins.
        let rule = |p: &str, unit| RuleInput {
            subcategory: "0101".into(),
            region_prefix: p.into(),
            unit_id: unit,
        };
        s.put_rule(&admin, &rule("320722", u.county)).await.unwrap();
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        assert_eq!(
            (c.route_by.as_str(), c.route_unit_id),
            ("rule", Some(u.county))
        );
        assert_eq!(c.level, "county");
        s.put_rule(&admin, &rule("320722101", u.township))
            .await
            .unwrap();
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        assert_eq!(c.route_unit_id, Some(u.township));
        assert_eq!(
            (c.level.as_str(), c.level_code.as_str()),
            ("township", TOWNSHIP)
        );
        // Other 小类 keep the territorial route; a place without a committee goes to the county.
        let c = file(&s, &public(), VILLAGE, "0102", "垃圾").await;
        assert_eq!(c.route_by, "village");
        let c = file(&s, &public(), "320722103001", "0102", "垃圾").await;
        assert_eq!((c.route_by.as_str(), c.route_unit_id), ("county", None));
        assert_eq!(c.level_code, COUNTY);
        assert_eq!(s.list_rules(&admin).await.unwrap().len(), 2);
        let bad = s
            .put_rule(&admin, &rule("3207221", u.county))
            .await
            .unwrap_err();
        assert_eq!(code_of(bad), "invalid_prefix");
        // Numbers are per county and day, readable over the phone.
        let p = tongchou_domain::categories::parse_case_number(&c.number).unwrap();
        assert_eq!((p.0, p.2), ("320722", 5));
    })
    .await;
}

#[tokio::test]
async fn the_whole_loop_with_refusals_rework_rating_and_reopen() {
    each("loop", |_, s| async move {
        let u = seed(&s).await;
        let n = NewCase::validate(
            &input(VILLAGE, "0101", "路边垃圾堆放三天无人清理"),
            Source::Web,
            None,
        )
        .unwrap();
        let created = s.create_case(&public(), &n).await.unwrap();
        assert!(created.created);
        let c = created.case;
        let (number, secret) = (c.number.clone(), c.secret.clone());
        assert_eq!(c.state, "reported");
        assert!(c.deadline_at.unwrap() > c.created_at);

        let disp = ctx(Role::Dispatcher, TOWNSHIP);
        let h = handler(u.committee, VILLAGE);
        let gw = ctx(Role::GridWorker, VILLAGE);
        // Refusals: wrong state, wrong role, wrong unit.
        assert_eq!(
            code_of(s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap_err()),
            "not_your_unit"
        );
        assert_eq!(
            code_of(
                s.act_on_case(&gw, c.id, &act("accept", ""))
                    .await
                    .unwrap_err()
            ),
            "transition_forbidden_for_role"
        );
        assert_eq!(
            code_of(
                s.act_on_case(&disp, c.id, &act("sign", ""))
                    .await
                    .unwrap_err()
            ),
            "transition_not_allowed"
        );
        assert_eq!(
            code_of(
                s.act_on_case(&disp, c.id, &act("dispatch", ""))
                    .await
                    .unwrap_err()
            ),
            "transition_not_allowed"
        );
        let leader = ctx(Role::Leader, TOWNSHIP);
        assert_eq!(
            code_of(
                s.act_on_case(&leader, c.id, &act("accept", ""))
                    .await
                    .unwrap_err()
            ),
            "transition_forbidden_for_role"
        );
        assert_eq!(
            code_of(
                s.act_on_case(&disp, c.id, &act("reject", ""))
                    .await
                    .unwrap_err()
            ),
            "required"
        );

        let c = s
            .act_on_case(&disp, c.id, &act("accept", ""))
            .await
            .unwrap();
        assert_eq!(c.state, "accepted");
        // A stale version is refused.
        let stale = CaseAct {
            version: Some(c.version - 1),
            ..act("dispatch", "")
        };
        assert_eq!(
            code_of(s.act_on_case(&disp, c.id, &stale).await.unwrap_err()),
            "stale_case"
        );
        // The offline queue's resend: the same key answers the case as it is (no second event,
        // no stale refusal); the key reused for another action is refused.
        let keyed = CaseAct {
            version: Some(c.version),
            key: Some("u9:k1".into()),
            ..act("comment", "到现场看过")
        };
        let events = |d: CaseDetail| d.events.len();
        let before = events(s.get_case(&disp, c.id).await.unwrap());
        let first = s.act_on_case(&disp, c.id, &keyed).await.unwrap();
        let again = s.act_on_case(&disp, c.id, &keyed).await.unwrap();
        assert_eq!(again.version, first.version);
        assert_eq!(events(s.get_case(&disp, c.id).await.unwrap()), before + 1);
        let other = CaseAct {
            key: Some("u9:k1".into()),
            ..act("supervise", "")
        };
        assert_eq!(
            code_of(s.act_on_case(&disp, c.id, &other).await.unwrap_err()),
            "idempotency_key_reused"
        );
        let c = first;
        // Dispatch defaults to the routed unit; 首接负责制 records it.
        let c = s
            .act_on_case(&disp, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        assert_eq!(
            (c.state.as_str(), c.unit_id, c.first_unit_id),
            ("dispatched", Some(u.committee), Some(u.committee))
        );
        assert_eq!(c.unit_name.as_deref(), Some("白塔村委会"));
        let c = s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
        assert_eq!(c.state, "in_progress");
        let c = s
            .act_on_case(&h, c.id, &act("handle", "已清运"))
            .await
            .unwrap();
        assert_eq!(c.state, "handled");
        // Verification fails: rework.
        let c = s
            .act_on_case(&gw, c.id, &act("verify_fail", "仍有残留"))
            .await
            .unwrap();
        assert_eq!((c.state.as_str(), c.reworks), ("in_progress", 1));
        s.act_on_case(&h, c.id, &act("handle", "已彻底清理"))
            .await
            .unwrap();
        let c = s
            .act_on_case(&gw, c.id, &act("verify_pass", ""))
            .await
            .unwrap();
        assert_eq!(
            (c.state.as_str(), c.closed_level.as_deref()),
            ("closed", Some("village"))
        );
        assert!(c.deadline_at.is_none() && c.closed_at.is_some());

        // The reporter, with the tracking number and secret: a wrong secret finds nothing.
        assert!(matches!(
            s.track_case(&number, "XXXXXX").await,
            Err(StoreError::NotFound(_))
        ));
        let t = s.track_case(&number, &secret.to_lowercase()).await.unwrap();
        assert_eq!(t.case.id, c.id);
        let rate = CaseAct {
            satisfaction: "satisfied".into(),
            ..act("rate", "")
        };
        let c = s.reporter_act(&number, &secret, &rate).await.unwrap();
        assert_eq!(c.satisfaction.as_deref(), Some("satisfied"));
        assert_eq!(
            code_of(s.reporter_act(&number, &secret, &rate).await.unwrap_err()),
            "already_rated"
        );
        let bad = CaseAct {
            satisfaction: "great".into(),
            ..act("rate", "")
        };
        assert_eq!(
            code_of(s.reporter_act(&number, &secret, &bad).await.unwrap_err()),
            "invalid_satisfaction"
        );
        let c = s
            .reporter_act(&number, &secret, &act("reopen", "又堆起来了"))
            .await
            .unwrap();
        assert_eq!(
            (c.state.as_str(), c.satisfaction.as_deref()),
            ("accepted", None)
        );
        assert_replays(&s, c.id).await;
        let events = s.get_case(&disp, c.id).await.unwrap().events;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "report",
                "accept",
                "comment",
                "dispatch",
                "sign",
                "handle",
                "verify_fail",
                "handle",
                "verify_pass",
                "rate",
                "reopen"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn escalation_up_the_ladder_and_scope() {
    each("escalation", |_, s| async move {
        let u = seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let county = ctx(Role::Dispatcher, COUNTY);
        let city = ctx(Role::Dispatcher, "320700000000");
        let c = file(&s, &public(), VILLAGE, "1301", "邻里纠纷").await;
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        let h = handler(u.committee, VILLAGE);
        s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
        // The village cannot solve it: up to the township, unassigned, a new clock.
        let c = s
            .act_on_case(&h, c.id, &act("escalate", "村里调解不成"))
            .await
            .unwrap();
        assert_eq!(
            (
                c.state.as_str(),
                c.level.as_str(),
                c.level_code.as_str(),
                c.unit_id
            ),
            ("escalated", "township", TOWNSHIP, None)
        );
        assert_eq!(c.escalations, 1);
        let c = s
            .act_on_case(&town, c.id, &act("escalate", ""))
            .await
            .unwrap();
        assert_eq!(
            (c.level.as_str(), c.level_code.as_str()),
            ("county", COUNTY)
        );
        // Now it is the county's desk: the township dispatcher may not act on it.
        assert_eq!(
            code_of(
                s.act_on_case(&town, c.id, &act("dispatch", ""))
                    .await
                    .unwrap_err()
            ),
            "not_your_level"
        );
        let d = CaseAct {
            unit_id: Some(u.county),
            ..act("dispatch", "")
        };
        let c = s.act_on_case(&county, c.id, &d).await.unwrap();
        assert_eq!(
            (c.unit_id, c.first_unit_id),
            (Some(u.county), Some(u.committee))
        );
        let ch = handler(u.county, COUNTY);
        s.act_on_case(&ch, c.id, &act("sign", "")).await.unwrap();
        let c = s
            .act_on_case(&ch, c.id, &act("escalate", "需市级协调"))
            .await
            .unwrap();
        assert_eq!(c.level, "city");
        let d = CaseAct {
            unit_id: Some(u.city),
            ..act("dispatch", "")
        };
        s.act_on_case(&city, c.id, &d).await.unwrap();
        let cityh = handler(u.city, "320700000000");
        s.act_on_case(&cityh, c.id, &act("sign", "")).await.unwrap();
        assert_eq!(
            code_of(
                s.act_on_case(&cityh, c.id, &act("escalate", ""))
                    .await
                    .unwrap_err()
            ),
            "escalation_top"
        );
        s.act_on_case(&cityh, c.id, &act("handle", "已协调"))
            .await
            .unwrap();
        let c = s
            .act_on_case(&city, c.id, &act("verify_pass", ""))
            .await
            .unwrap();
        assert_eq!(c.closed_level.as_deref(), Some("city"));
        assert_replays(&s, c.id).await;

        // Scope: another township's dispatcher neither lists nor reads it.
        let other = ctx(Role::Dispatcher, OTHER_TOWNSHIP);
        let mine = file(&s, &public(), OTHER_VILLAGE, "0101", "垃圾").await;
        let page = s
            .list_cases(&other, &CaseFilter::default(), PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![mine.id]
        );
        assert!(matches!(
            s.get_case(&other, c.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(
            code_of(
                s.act_on_case(&other, c.id, &act("comment", "x"))
                    .await
                    .unwrap_err()
            ),
            "not_found"
        );
        let f = CaseFilter {
            region: TOWNSHIP.into(),
            ..Default::default()
        };
        let e = s
            .list_cases(&other, &f, PageReq::new(None, None))
            .await
            .unwrap();
        assert!(
            e.items.is_empty(),
            "a region outside the scope narrows to nothing"
        );
        let all = s
            .list_cases(&county, &CaseFilter::default(), PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(all.items.len(), 2);
        // Filing outside one's scope is refused.
        let n = NewCase::validate(&input(VILLAGE, "0101", "x"), Source::Grid, None).unwrap();
        let gw = ctx(Role::GridWorker, OTHER_VILLAGE);
        assert_eq!(
            code_of(s.create_case(&gw, &n).await.unwrap_err()),
            "out_of_scope"
        );
    })
    .await;
}
