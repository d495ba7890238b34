//! Cases on both backends: catalog, routing, the whole loop with its refusals, escalation,
//! scope, idempotency, search, the timer sweep, suspension, merging and supervision.

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

fn handler(unit: i64, scope: &str) -> Ctx {
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
async fn assert_replays(s: &Store, id: i64) {
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

#[tokio::test]
async fn idempotency_search_and_filters() {
    each("idempotency", |_, s| async move {
        seed(&s).await;
        let n = NewCase::validate(
            &input(VILLAGE, "0101", "幸福路垃圾桶满溢"),
            Source::Api,
            Some("u:1:abc".into()),
        )
        .unwrap();
        let p = public();
        let (a, b) = tokio::join!(s.create_case(&p, &n), s.create_case(&p, &n));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.case.id, b.case.id);
        assert_ne!(a.created, b.created, "exactly one call created it");
        let again = s.create_case(&public(), &n).await.unwrap();
        assert_eq!((again.case.id, again.created), (a.case.id, false));
        file(&s, &public(), VILLAGE, "0601", "井盖缺失，夜间危险").await;
        file(&s, &public(), OTHER_VILLAGE, "0101", "黄川垃圾无人清理").await;
        let county = ctx(Role::Dispatcher, COUNTY);
        let pg = PageReq::new(None, None);
        let all = s
            .list_cases(&county, &CaseFilter::default(), pg)
            .await
            .unwrap();
        assert_eq!(all.items.len(), 3);
        let q = |q: &str| CaseFilter {
            q: q.into(),
            ..Default::default()
        };
        assert_eq!(
            s.list_cases(&county, &q("垃圾"), pg)
                .await
                .unwrap()
                .items
                .len(),
            2
        );
        assert_eq!(
            s.list_cases(&county, &q("垃圾桶"), pg)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            s.list_cases(&county, &q("井盖"), pg)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            s.list_cases(&county, &q("路灯"), pg)
                .await
                .unwrap()
                .items
                .len(),
            0
        );
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        assert_eq!(
            s.list_cases(&town, &q("垃圾"), pg)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        let f = CaseFilter {
            category: "06".into(),
            ..Default::default()
        };
        assert_eq!(s.list_cases(&county, &f, pg).await.unwrap().items.len(), 1);
        let f = CaseFilter {
            state: "reported,accepted".into(),
            category: "0101".into(),
            ..Default::default()
        };
        assert_eq!(s.list_cases(&county, &f, pg).await.unwrap().items.len(), 2);
        let f = CaseFilter {
            state: "open".into(),
            ..Default::default()
        };
        assert_eq!(
            code_of(s.list_cases(&county, &f, pg).await.unwrap_err()),
            "invalid_state"
        );
        let f = CaseFilter {
            overdue: true,
            ..Default::default()
        };
        assert!(
            s.list_cases(&county, &f, pg)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // Bad input names the field and writes nothing.
        let mut i = input(VILLAGE, "0101", "");
        i.reporter_phone = "12".into();
        assert_eq!(
            NewCase::validate(&i, Source::Web, None).unwrap_err().field,
            "description"
        );
        i.description = "x".into();
        assert_eq!(
            NewCase::validate(&i, Source::Web, None).unwrap_err().field,
            "reporter_phone"
        );
        let n = NewCase::validate(&input(VILLAGE, "0199", "x"), Source::Web, None).unwrap();
        assert_eq!(
            code_of(s.create_case(&public(), &n).await.unwrap_err()),
            "unknown_category"
        );
        let n = NewCase::validate(&input("320722101299", "0101", "x"), Source::Web, None).unwrap();
        assert_eq!(
            code_of(s.create_case(&public(), &n).await.unwrap_err()),
            "unknown_region"
        );
        assert_eq!(
            s.list_cases(&county, &CaseFilter::default(), pg)
                .await
                .unwrap()
                .items
                .len(),
            3
        );
    })
    .await;
}

#[tokio::test]
async fn sweep_escalates_overdue_once_even_when_run_twice_at_once() {
    each("sweep", |_, s| async move {
        let u = seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let h = handler(u.committee, VILLAGE);
        let mut ids = Vec::new();
        for i in 0..6 {
            let c = file(&s, &public(), VILLAGE, "0101", &format!("垃圾{i}")).await;
            s.act_on_case(&town, c.id, &act("accept", ""))
                .await
                .unwrap();
            s.act_on_case(&town, c.id, &act("dispatch", ""))
                .await
                .unwrap();
            if i % 2 == 0 {
                s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
            }
            ids.push(c.id);
        }
        // A 小类 that does not climb by itself stays put.
        let mut k = s
            .list_categories(None)
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.code == "0102")
            .unwrap();
        k.auto_escalate = false;
        s.put_category(&Ctx::system(), &k).await.unwrap();
        let quiet = file(&s, &public(), VILLAGE, "0102", "x").await;
        s.act_on_case(&town, quiet.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, quiet.id, &act("dispatch", ""))
            .await
            .unwrap();

        assert_eq!(
            s.sweep_cases(now_ms()).await.unwrap().escalated,
            0,
            "nothing is due yet"
        );
        let later = now_ms() + 40 * 86_400_000;
        let (a, b) = tokio::join!(s.sweep_cases(later), s.sweep_cases(later));
        assert_eq!(a.unwrap().escalated + b.unwrap().escalated, 6);
        assert_eq!(s.sweep_cases(later).await.unwrap().escalated, 0);
        for id in ids {
            let d = s.get_case(&Ctx::system(), id).await.unwrap();
            assert_eq!(
                (
                    d.case.state.as_str(),
                    d.case.level.as_str(),
                    d.case.escalations
                ),
                ("escalated", "township", 1)
            );
            assert_eq!(d.events.last().unwrap().actor, "system");
            assert_replays(&s, id).await;
        }
        let q = s.get_case(&Ctx::system(), quiet.id).await.unwrap().case;
        assert_eq!(q.state, "dispatched");
    })
    .await;
}

#[tokio::test]
async fn suspension_merge_and_supervision() {
    each("suspend", |_, s| async move {
        let u = seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let h = handler(u.committee, VILLAGE);
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        let c = s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
        let deadline = c.deadline_at.unwrap();
        let c = s
            .act_on_case(&h, c.id, &act("request_suspend", "等待清运车辆"))
            .await
            .unwrap();
        assert!(c.suspend_requested);
        assert_eq!(
            code_of(
                s.act_on_case(&h, c.id, &act("suspend", ""))
                    .await
                    .unwrap_err()
            ),
            "transition_forbidden_for_role"
        );
        let c = s
            .act_on_case(&town, c.id, &act("suspend", "同意"))
            .await
            .unwrap();
        assert_eq!(
            (c.state.as_str(), c.deadline_at, c.suspend_requested),
            ("suspended", None, false)
        );
        assert!(c.paused_remaining_ms.unwrap() > 0);
        let c = s
            .act_on_case(&town, c.id, &act("resume", ""))
            .await
            .unwrap();
        assert_eq!(c.state, "in_progress");
        assert!(
            c.deadline_at.unwrap() >= deadline,
            "the paused time is not counted"
        );

        // Supervision: from above the case's desk only.
        let sup = CaseAct {
            deadline: Some(now_ms() + 86_400_000),
            ..act("supervise", "限期办结")
        };
        let town_leader = ctx(Role::Leader, VILLAGE);
        assert_eq!(
            code_of(s.act_on_case(&town_leader, c.id, &sup).await.unwrap_err()),
            "not_higher_level"
        );
        let county_leader = Ctx {
            user_id: Some(77),
            ..ctx(Role::Leader, COUNTY)
        };
        let c = s.act_on_case(&county_leader, c.id, &sup).await.unwrap();
        assert_eq!(c.supervised_by, Some(77));
        let f = CaseFilter {
            supervised: true,
            ..Default::default()
        };
        assert_eq!(
            s.list_cases(&county_leader, &f, PageReq::new(None, None))
                .await
                .unwrap()
                .items
                .len(),
            1
        );

        // Merging: the duplicate ends and takes no updates.
        let dup = file(&s, &public(), VILLAGE, "0101", "垃圾 again").await;
        let m = CaseAct {
            duplicate_of: Some(dup.id),
            ..act("merge", "")
        };
        assert_eq!(
            code_of(s.act_on_case(&town, dup.id, &m).await.unwrap_err()),
            "invalid_merge"
        );
        let m = CaseAct {
            duplicate_of: Some(c.id),
            ..act("merge", "")
        };
        let d = s.act_on_case(&town, dup.id, &m).await.unwrap();
        assert_eq!((d.state.as_str(), d.duplicate_of), ("rejected", Some(c.id)));
        assert_eq!(
            code_of(
                s.act_on_case(&town, dup.id, &act("accept", ""))
                    .await
                    .unwrap_err()
            ),
            "merged_case"
        );
        assert_replays(&s, c.id).await;
        assert_replays(&s, dup.id).await;
    })
    .await;
}

#[tokio::test]
async fn bulk_load_for_benchmarks_is_searchable_and_continues_numbering() {
    each("bulk", |_, s| async move {
        seed(&s).await;
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾桶满了").await;
        let d = s.get_case(&Ctx::system(), c.id).await.unwrap();
        let mut copy = d.case.clone();
        copy.id = new_id();
        copy.number = "320722-20200101-000007".into();
        let row = BulkCase {
            case: copy.clone(),
            events: d.events.clone(),
            search: tongchou_domain::search::document(&["路灯坏了"]),
        };
        let counters = vec![("320722".to_string(), "20200101".to_string(), 7)];
        s.bulk_load_cases(&[row], &counters).await.unwrap();
        let county = ctx(Role::Dispatcher, COUNTY);
        let f = CaseFilter {
            q: "路灯".into(),
            ..Default::default()
        };
        let found = s
            .list_cases(&county, &f, PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(
            found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![copy.id]
        );
        let loaded = s.get_case(&county, copy.id).await.unwrap();
        assert_eq!(loaded.events.len(), d.events.len());
        assert_replays(&s, copy.id).await;
    })
    .await;
}

#[tokio::test]
async fn queue_pages_merge_states_in_id_order_at_every_scope_level() {
    each("queue", |_, s| async move {
        seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let mut ids = Vec::new();
        for i in 0..7 {
            let c = file(&s, &public(), VILLAGE, "0101", &format!("垃圾{i}")).await;
            if i % 2 == 0 {
                s.act_on_case(&town, c.id, &act("accept", ""))
                    .await
                    .unwrap();
            }
            ids.push(c.id);
        }
        file(&s, &public(), OTHER_VILLAGE, "0101", "别处").await;
        ids.reverse();
        for (who, scope) in [
            (Role::Dispatcher, VILLAGE),
            (Role::Dispatcher, TOWNSHIP),
            (Role::Leader, COUNTY),
        ] {
            let c = ctx(who, scope);
            let mut seen = Vec::new();
            for page in 1..=4 {
                let f = CaseFilter {
                    state: "reported,accepted".into(),
                    region: if scope == COUNTY {
                        TOWNSHIP.into()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                };
                let p = s
                    .list_cases(&c, &f, PageReq::new(Some(page), Some(2)))
                    .await
                    .unwrap();
                seen.extend(p.items.iter().map(|c| c.id));
                if !p.has_more {
                    break;
                }
            }
            assert_eq!(seen, ids, "scope {scope}");
        }
        let open = CaseFilter {
            status: "open".into(),
            ..Default::default()
        };
        let county = ctx(Role::Leader, COUNTY);
        assert_eq!(
            s.list_cases(&county, &open, PageReq::new(None, None))
                .await
                .unwrap()
                .items
                .len(),
            8
        );
        let closed = CaseFilter {
            status: "closed".into(),
            ..Default::default()
        };
        assert!(
            s.list_cases(&county, &closed, PageReq::new(None, None))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let both = CaseFilter {
            status: "closed".into(),
            state: "reported".into(),
            ..Default::default()
        };
        assert!(
            s.list_cases(&county, &both, PageReq::new(None, None))
                .await
                .unwrap()
                .items
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn similar_open_cases_are_suggested_before_filing() {
    each("similar", |_, s| async move {
        seed(&s).await;
        let a = file(&s, &public(), VILLAGE, "0101", "垃圾堆").await;
        file(&s, &public(), VILLAGE, "0601", "井盖").await;
        let far = file(&s, &public(), OTHER_VILLAGE, "0101", "垃圾").await;
        let q = SimilarQuery {
            category_code: "0101".into(),
            region_code: VILLAGE.into(),
            ..Default::default()
        };
        let found = s.similar_cases(&public(), &q).await.unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![a.id]);
        // A merged or closed case is not suggested; scope applies.
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let b = file(&s, &public(), VILLAGE, "0101", "又一个").await;
        let m = CaseAct {
            duplicate_of: Some(a.id),
            ..act("merge", "")
        };
        s.act_on_case(&town, b.id, &m).await.unwrap();
        assert_eq!(s.similar_cases(&public(), &q).await.unwrap().len(), 1);
        let other = ctx(Role::Dispatcher, OTHER_TOWNSHIP);
        assert!(s.similar_cases(&other, &q).await.unwrap().is_empty());
        let q = SimilarQuery {
            region_code: OTHER_VILLAGE.into(),
            ..q
        };
        assert_eq!(s.similar_cases(&other, &q).await.unwrap()[0].id, far.id);
    })
    .await;
}

#[tokio::test]
async fn inbox_messages_follow_the_loop_and_supervision() {
    each("inbox", |_, s| async move {
        let u = seed(&s).await;
        let user = |name: &str, role: Role, scope: &str, unit: Option<i64>| NewUser {
            username: name.into(),
            display_name: name.into(),
            password_hash: "x".into(),
            role,
            scope_code: scope.into(),
            grid_code: None,
            unit_id: unit,
        };
        let h = s
            .create_user(
                &Ctx::system(),
                &user("h", Role::Handler, VILLAGE, Some(u.committee)),
            )
            .await
            .unwrap();
        let gw = s
            .create_user(&Ctx::system(), &user("g", Role::GridWorker, VILLAGE, None))
            .await
            .unwrap();
        let lead = s
            .create_user(&Ctx::system(), &user("l", Role::Leader, COUNTY, None))
            .await
            .unwrap();
        let as_user = |who: &User, role: Role, scope: &str| Ctx {
            user_id: Some(who.id),
            unit_id: who.unit_id,
            ..ctx(role, scope)
        };
        let (hc, gc, lc) = (
            as_user(&h, Role::Handler, VILLAGE),
            as_user(&gw, Role::GridWorker, VILLAGE),
            as_user(&lead, Role::Leader, COUNTY),
        );
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        let pg = PageReq::new(None, None);
        let inbox = s.inbox(&hc, true, pg).await.unwrap();
        assert_eq!(inbox.items.len(), 1);
        assert_eq!(
            (inbox.items[0].kind.as_str(), inbox.items[0].case_id),
            ("dispatched", Some(c.id))
        );
        assert!(inbox.items[0].text.contains(&c.number));
        assert_eq!(s.unread_count(&hc).await.unwrap(), 1);
        assert_eq!(s.mark_read(&hc, None).await.unwrap(), 1);
        assert_eq!(s.unread_count(&hc).await.unwrap(), 0);
        assert_eq!(s.inbox(&hc, false, pg).await.unwrap().items.len(), 1);
        // Supervision: the leader hears at once, and once more when the deadline passes.
        let sup = CaseAct {
            deadline: Some(now_ms() + 1000),
            ..act("supervise", "快办")
        };
        s.act_on_case(&lc, c.id, &sup).await.unwrap();
        assert_eq!(s.unread_count(&lc).await.unwrap(), 1);
        assert_eq!(
            s.unread_count(&hc).await.unwrap(),
            1,
            "the unit hears of the supervision"
        );
        let later = now_ms() + 60_000;
        let (a, b) = tokio::join!(s.sweep_cases(later), s.sweep_cases(later));
        assert_eq!(
            a.unwrap().supervision_alerts + b.unwrap().supervision_alerts,
            1
        );
        assert_eq!(s.unread_count(&lc).await.unwrap(), 2);
        s.act_on_case(&hc, c.id, &act("sign", "")).await.unwrap();
        s.act_on_case(&hc, c.id, &act("handle", "已清运"))
            .await
            .unwrap();
        let g = s.inbox(&gc, true, pg).await.unwrap();
        assert_eq!(g.items[0].kind, "verify");
        s.act_on_case(&gc, c.id, &act("verify_pass", ""))
            .await
            .unwrap();
        let l = s.inbox(&lc, true, pg).await.unwrap();
        assert_eq!(l.items[0].kind, "closed", "the supervisor hears it closed");
        // Nobody reads another's inbox.
        assert_eq!(s.mark_read(&gc, Some(l.items[0].id)).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn attachments_are_typed_by_content_limited_and_scoped() {
    each("attachments", |_, s| async move {
        seed(&s).await;
        let gw = ctx(Role::GridWorker, VILLAGE);
        let c = file(&s, &gw, VILLAGE, "0101", "垃圾").await;
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(std::iter::repeat_n(7u8, 1000));
        let a = s.add_attachment(&gw, c.id, "现场.png", &png).await.unwrap();
        assert_eq!((a.mime.as_str(), a.size), ("image/png", 1008));
        let (meta, data) = s.attachment(&gw, a.id).await.unwrap();
        assert_eq!((meta.name.as_str(), data), ("现场.png", png.clone()));
        let d = s.get_case(&gw, c.id).await.unwrap();
        assert_eq!(d.attachments.len(), 1);
        let ev = d.events.last().unwrap();
        assert_eq!(ev.action, "attach");
        assert!(ev.attachments.contains(&a.id.to_string()));
        assert_replays(&s, c.id).await;
        let e = s
            .add_attachment(&gw, c.id, "x.txt", b"hello")
            .await
            .unwrap_err();
        assert_eq!(code_of(e), "unsupported_type");
        let big = vec![0xFFu8; ATTACHMENT_MAX + 1];
        assert_eq!(
            code_of(
                s.add_attachment(&gw, c.id, "big.jpg", &big)
                    .await
                    .unwrap_err()
            ),
            "too_large"
        );
        let other = ctx(Role::Dispatcher, OTHER_TOWNSHIP);
        assert_eq!(
            code_of(s.attachment(&other, a.id).await.unwrap_err()),
            "not_found"
        );
        assert_eq!(
            code_of(
                s.add_attachment(&other, c.id, "x.png", &png)
                    .await
                    .unwrap_err()
            ),
            "not_found"
        );
    })
    .await;
}

#[tokio::test]
async fn disputes_mediation_success_and_failure() {
    each("disputes", |_, s| async move {
        let u = seed(&s).await;
        let admin = Ctx::system();
        let m = s
            .add_mediator(
                &admin,
                &MediatorInput {
                    region_code: COUNTY.into(),
                    name: "李调解".into(),
                    tags: "土地，邻里".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(m.tags, "土地,邻里");
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        assert_eq!(
            s.list_mediators(&town, "土地").await.unwrap().len(),
            1,
            "the county's pool serves the township"
        );
        assert!(s.list_mediators(&town, "婚姻").await.unwrap().is_empty());
        let c = file(&s, &public(), VILLAGE, "0903", "宅基地边界纠纷").await;
        assert!(c.dispute);
        let gw = ctx(Role::GridWorker, VILLAGE);
        for (name, side) in [("张三", "applicant"), ("李四", "respondent")] {
            let p = PartyInput {
                name: name.into(),
                side: side.into(),
                ..Default::default()
            };
            s.add_party(&gw, c.id, &p).await.unwrap();
        }
        let bad = PartyInput {
            name: "王五".into(),
            side: "judge".into(),
            ..Default::default()
        };
        assert_eq!(
            code_of(s.add_party(&gw, c.id, &bad).await.unwrap_err()),
            "invalid_side"
        );
        let plain = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        let p = PartyInput {
            name: "x".into(),
            side: "other".into(),
            ..Default::default()
        };
        assert_eq!(
            code_of(s.add_party(&gw, plain.id, &p).await.unwrap_err()),
            "not_a_dispute"
        );

        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        let h = handler(u.committee, VILLAGE);
        s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
        let session = |outcome: &str, agreement: &str| SessionInput {
            mediator_id: Some(m.id),
            outcome: outcome.into(),
            agreement: agreement.into(),
            note: "双方分歧大".into(),
            ..Default::default()
        };
        let c1 = s
            .record_mediation(&h, c.id, &session("adjourned", ""))
            .await
            .unwrap();
        assert_eq!(c1.state, "in_progress");
        assert_eq!(
            code_of(
                s.record_mediation(&h, c.id, &session("success", ""))
                    .await
                    .unwrap_err()
            ),
            "required"
        );
        // Failure climbs to the township.
        let c2 = s
            .record_mediation(&h, c.id, &session("failure", ""))
            .await
            .unwrap();
        assert_eq!(
            (c2.state.as_str(), c2.level.as_str()),
            ("escalated", "township")
        );
        let d = CaseAct {
            unit_id: Some(u.township),
            ..act("dispatch", "")
        };
        s.act_on_case(&town, c.id, &d).await.unwrap();
        let th = handler(u.township, TOWNSHIP);
        s.act_on_case(&th, c.id, &act("sign", "")).await.unwrap();
        assert_eq!(
            code_of(
                s.record_mediation(&h, c.id, &session("success", "x"))
                    .await
                    .unwrap_err()
            ),
            "transition_forbidden_for_role"
        );
        let c3 = s
            .record_mediation(&th, c.id, &session("success", "以现有围墙为界"))
            .await
            .unwrap();
        assert_eq!(c3.state, "handled");
        let dsp = s.dispute(&town, c.id).await.unwrap();
        assert_eq!((dsp.parties.len(), dsp.sessions.len()), (2, 3));
        assert_eq!(dsp.sessions[2].mediator_name.as_deref(), Some("李调解"));
        assert_replays(&s, c.id).await;
    })
    .await;
}

#[tokio::test]
async fn a_subcategory_sets_its_stage_limits_and_the_reopen_window_is_a_setting() {
    each("stage_limits", |_, s| async move {
        let u = seed(&s).await;
        let admin = Ctx::system();
        let mut k = s
            .list_categories(None)
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.code == "0101")
            .unwrap();
        k.dispatch_hours = Some(2);
        k.sign_hours = Some(3);
        s.put_category(&admin, &k).await.unwrap();
        k.verify_hours = Some(0);
        assert_eq!(
            code_of(s.put_category(&admin, &k).await.unwrap_err()),
            "out_of_range"
        );
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾").await;
        assert_eq!(
            c.limit_ms,
            Some(2 * 3_600_000),
            "dispatch limit of the 小类"
        );
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        let c = s
            .act_on_case(&town, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        assert_eq!(c.limit_ms, Some(3 * 3_600_000), "sign limit of the 小类");
        // Reopening: 15 days by default; an administrator sets 0 and it is refused.
        assert!(
            s.settings()
                .await
                .unwrap()
                .contains(&("reopen_days".into(), "15".into()))
        );
        assert_eq!(
            code_of(
                s.put_setting(&admin, "reopen_days", "400")
                    .await
                    .unwrap_err()
            ),
            "out_of_range"
        );
        assert_eq!(
            code_of(s.put_setting(&admin, "colour", "red").await.unwrap_err()),
            "unknown_setting"
        );
        s.put_setting(&admin, "reopen_days", "0").await.unwrap();
        let h = handler(u.committee, VILLAGE);
        s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
        s.act_on_case(&h, c.id, &act("handle", "好了"))
            .await
            .unwrap();
        let c = s
            .act_on_case(&town, c.id, &act("verify_pass", ""))
            .await
            .unwrap();
        // A return visit (回访) by phone: the dispatcher records the reporter's answer.
        let gw = ctx(Role::GridWorker, VILLAGE);
        let visit = CaseAct {
            satisfaction: "basically_satisfied".into(),
            ..act("rate", "电话回访")
        };
        assert_eq!(
            code_of(s.act_on_case(&gw, c.id, &visit).await.unwrap_err()),
            "not_your_case"
        );
        let rated = s.act_on_case(&town, c.id, &visit).await.unwrap();
        assert_eq!(rated.satisfaction.as_deref(), Some("basically_satisfied"));
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let e = s
            .reporter_act(&c.number, &c.secret, &act("reopen", "没好"))
            .await
            .unwrap_err();
        assert_eq!(code_of(e), "reopen_window_passed");
    })
    .await;
}
