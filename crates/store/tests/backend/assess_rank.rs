//! Rankings, warnings and their follow-up on both backends, on a hand-computed fixture spread
//! over the three months before this one (the clock is moved back for each), and in scope.

use super::cases::*;
use super::{ctx, each};
use tongchou_domain::Role;
use tongchou_domain::assess::period::Period;
use tongchou_domain::assess::rules::{AssessRules, FollowUpStep, PeerBy, ScoreWeight};
use tongchou_domain::calendar::start_of_day_ms;
use tongchou_store::*;

const URBAN_VILLAGE: &str = "320722103001";
const MINUTE: i64 = 60_000;

/// The month `back` months before this one.
fn month_before(back: u32) -> Period {
    Period::month_of(now_ms()).and_before(back as usize + 1)[back as usize]
}

/// Moves the clock to `minutes` after the start (Beijing time) of a day of `p` (1-based).
fn at(p: &Period, day: i64, minutes: i64) {
    set_clock_shift_for_tests(0);
    let then = start_of_day_ms(p.days().0 + day - 1) + minutes * MINUTE;
    set_clock_shift_for_tests(then - now_ms());
}

/// `n` cases in a village, of which `rejected` are answered (rejected) at once: 办复率 is
/// rejected ÷ n.
async fn month_of(s: &Store, village: &str, n: usize, rejected: usize) {
    for i in 0..n {
        let c = file(s, &public(), village, "0101", "垃圾").await;
        if i < rejected {
            s.act_on_case(&desk_of_case(&c), c.id, &act("reject", "不属实"))
                .await
                .unwrap();
        }
    }
}

fn desk_of_case(c: &Case) -> Ctx {
    ctx(Role::Dispatcher, &c.level_code)
}

fn top_admin() -> Ctx {
    ctx(Role::Admin, "320000000000")
}

#[tokio::test]
async fn rankings_and_warnings_over_three_months_with_follow_up_and_scope() {
    each("assess_rank", |_, s| async move {
        seed(&s).await;
        // Scored on 办复率 alone so the fixture is computed by hand; at least 2 cases to rank.
        let rules = AssessRules {
            weights: vec![ScoreWeight {
                indicator: "reply_rate".into(),
                percent: 100.0,
            }],
            min_volume: 2,
            peer_by: PeerBy::All,
            ..AssessRules::default()
        };
        s.put_rules(&top_admin(), &rules).await.unwrap();
        let (m3, m2, m1, now) = (
            month_before(3),
            month_before(2),
            month_before(1),
            month_before(0),
        );
        // Three finished months: township 101 answers everything (100), township 103 half (50,
        // below the line of 60), and its urban community files one case a month (too few alone).
        for m in [&m3, &m2, &m1] {
            at(m, 10, 600);
            month_of(&s, VILLAGE, 2, 2).await;
            month_of(&s, OTHER_VILLAGE, 2, 1).await;
            month_of(&s, URBAN_VILLAGE, 1, 1).await;
        }
        // Half an hour into the first day of m2 (Beijing time): counted in m2, never in m3.
        at(&m2, 1, 30);
        month_of(&s, VILLAGE, 1, 0).await;
        // This month: both townships answer everything: a tie.
        set_clock_shift_for_tests(0);
        month_of(&s, VILLAGE, 2, 2).await;
        month_of(&s, OTHER_VILLAGE, 2, 2).await;

        let leader = ctx(Role::Leader, COUNTY);
        let r = s.ranking(&leader, COUNTY, None, &m3).await.unwrap();
        assert_eq!((r.level.as_str(), r.groups.len()), ("township", 1));
        let rows = &r.groups[0].rows;
        let got: Vec<(&str, Option<usize>, Option<f64>, i64)> = rows
            .iter()
            .map(|r| (r.code.as_str(), r.rank, r.score, r.reported))
            .collect();
        // 103: 办复率 (1 + 1) ÷ 3 = 66.7 over both its villages.
        assert_eq!(got[0], (TOWNSHIP, Some(1), Some(100.0), 2));
        assert_eq!(got[1].0, OTHER_TOWNSHIP);
        assert!((got[1].2.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(rows[1].weakest.as_deref(), Some("reply_rate"));
        // m2 holds the case filed at 00:30 on its first day: 3 reported, 2 answered.
        let r2 = s.ranking(&leader, COUNTY, None, &m2).await.unwrap();
        let t = &r2.groups[0]
            .rows
            .iter()
            .find(|r| r.code == TOWNSHIP)
            .unwrap();
        assert_eq!(t.reported, 3);
        // History: the ranking of each month up to this one, oldest first.
        let last: Vec<Option<usize>> = t.history.iter().map(|h| h.rank).collect();
        assert_eq!(t.history.last().unwrap().period, m2.to_string());
        assert_eq!(last.len(), 6);
        // This month the two tie: both first.
        let r0 = s.ranking(&leader, COUNTY, None, &now).await.unwrap();
        let ranks: Vec<Option<usize>> = r0.groups[0].rows.iter().map(|r| r.rank).collect();
        assert_eq!(ranks, vec![Some(1), Some(1)]);
        // Villages: the urban community's one case a month is too few to rank; it is listed
        // last, unranked, though its 办复率 is 100.
        let v = s
            .ranking(&leader, COUNTY, Some(tongchou_domain::Level::Village), &m3)
            .await
            .unwrap();
        let rows: Vec<(&str, Option<usize>, bool)> = v.groups[0]
            .rows
            .iter()
            .map(|r| (r.code.as_str(), r.rank, r.too_few))
            .collect();
        assert_eq!(
            rows,
            vec![
                (VILLAGE, Some(1), false),
                (OTHER_VILLAGE, Some(2), false),
                (URBAN_VILLAGE, None, true)
            ]
        );
        // Peer groups by class: the urban community apart from the two rural villages.
        s.put_rules(
            &top_admin(),
            &AssessRules {
                peer_by: PeerBy::Class,
                ..rules.clone()
            },
        )
        .await
        .unwrap();
        let v = s
            .ranking(&leader, COUNTY, Some(tongchou_domain::Level::Village), &m3)
            .await
            .unwrap();
        let groups: Vec<(&str, usize)> =
            v.groups.iter().map(|g| (g.key.as_str(), g.size)).collect();
        assert_eq!(groups, vec![("village:rural", 2), ("village:urban", 1)]);

        // Warnings: township 103 scores 66.7 each month, above the line of 60; its village
        // 103200 scores 50 each month: blue after one bad month, yellow after two, red after
        // three. The urban community is too small to judge; 101 and its village stay above.
        let sweep_now = now_ms();
        assert!(
            s.issue_warnings(&now, sweep_now).await.is_err(),
            "this month is not over"
        );
        let mut colors = Vec::new();
        for m in [&m3, &m2, &m1] {
            let issued = s.issue_warnings(m, sweep_now).await.unwrap();
            let again = s.issue_warnings(m, sweep_now).await.unwrap();
            assert_eq!(again.issued, 0, "a month's warnings are issued once");
            let w = s.warnings(&leader, COUNTY, Some(m)).await.unwrap();
            assert_eq!(issued.issued as usize, w.len());
            let mine: Vec<(&str, &str, i64)> = w
                .iter()
                .map(|w| (w.region_code.as_str(), w.color.as_str(), w.run))
                .collect();
            assert_eq!(mine.len(), 1, "{mine:?}");
            assert_eq!(mine[0].0, OTHER_VILLAGE);
            assert_eq!(w[0].causes, "reply_rate");
            assert_eq!(w[0].score, Some(50.0));
            colors.push(mine[0].1.to_string());
        }
        assert_eq!(colors, ["blue", "yellow", "red"]);

        // The red warning's follow-up: the level above talks and closes, the village plans.
        let red = s
            .warnings(&leader, COUNTY, Some(&m1))
            .await
            .unwrap()
            .remove(0);
        let village = ctx(Role::Leader, OTHER_VILLAGE);
        let township = ctx(Role::Leader, OTHER_TOWNSHIP);
        let code = |r: Result<WarningRow, StoreError>| code_of(r.unwrap_err());
        assert_eq!(
            code(
                s.follow_up(&village, red.id, FollowUpStep::Talk, "约谈")
                    .await
            ),
            "not_level_above"
        );
        assert_eq!(
            code(
                s.follow_up(&township, red.id, FollowUpStep::Plan, "整改")
                    .await
            ),
            "step_out_of_order"
        );
        assert_eq!(
            code(
                s.follow_up(&township, red.id, FollowUpStep::Talk, " ")
                    .await
            ),
            "required"
        );
        let w = s
            .follow_up(
                &township,
                red.id,
                FollowUpStep::Talk,
                "镇党委书记约谈村书记",
            )
            .await
            .unwrap();
        assert_eq!(w.state, "talk_held");
        let w = s
            .follow_up(&village, red.id, FollowUpStep::Plan, "一周内清理积案")
            .await
            .unwrap();
        assert_eq!(w.state, "plan_filed");
        assert_eq!(
            code(
                s.follow_up(&village, red.id, FollowUpStep::Close, "销号")
                    .await
            ),
            "not_level_above"
        );
        let w = s
            .follow_up(&leader, red.id, FollowUpStep::Close, "已整改到位")
            .await
            .unwrap();
        assert_eq!(w.state, "closed");
        let steps: Vec<&str> = w.steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(steps, ["talk_held", "plan_filed", "closed"]);
        // The ranking shows the warning beside the village.
        let v = s
            .ranking(&leader, COUNTY, Some(tongchou_domain::Level::Village), &m1)
            .await
            .unwrap();
        let row = v.groups[0]
            .rows
            .iter()
            .find(|r| r.code == OTHER_VILLAGE)
            .unwrap();
        assert_eq!(
            row.warning
                .as_ref()
                .map(|w| (w.color.as_str(), w.state.as_str())),
            Some(("red", "closed"))
        );

        // Scope: the sibling township sees none of it, and cannot touch it.
        let sibling = ctx(Role::Leader, TOWNSHIP);
        assert!(matches!(
            s.ranking(&sibling, OTHER_TOWNSHIP, None, &m1).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.warnings(&sibling, OTHER_TOWNSHIP, None).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(
            s.warnings(&sibling, TOWNSHIP, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            s.follow_up(&sibling, red.id, FollowUpStep::Talk, "x").await,
            Err(StoreError::NotFound(_))
        ));
        // A township ranking its villages sees only its own.
        let own = s.ranking(&sibling, TOWNSHIP, None, &m1).await.unwrap();
        let codes: Vec<&str> = own
            .groups
            .iter()
            .flat_map(|g| g.rows.iter().map(|r| r.code.as_str()))
            .collect();
        assert_eq!(codes, vec![VILLAGE]);
    })
    .await;
}

#[tokio::test]
async fn rules_belong_to_their_owner_and_apply_in_its_subtree() {
    each("assess_rules", |_, s| async move {
        seed(&s).await;
        let county_admin = ctx(Role::Admin, COUNTY);
        let township_admin = ctx(Role::Admin, TOWNSHIP);
        let own = AssessRules {
            scale: 150.0,
            warn_below: 90.0,
            ..AssessRules::default()
        };
        // A township administrator's rules are the township's, never the county's or the base.
        let w = s.put_rules(&township_admin, &own).await.unwrap();
        assert_eq!(w.owner_code, TOWNSHIP);
        let (s, county_admin) = (&s, &county_admin);
        let at = |code: &'static str| async move { s.rules(county_admin, code).await.unwrap() };
        assert_eq!(at(TOWNSHIP).await.rules.scale, 150.0);
        assert_eq!(at(VILLAGE).await.owner_code, TOWNSHIP);
        assert_eq!(at(COUNTY).await.rules.scale, 100.0);
        assert_eq!(at(OTHER_TOWNSHIP).await.owner_code, "");
        // Groups may name only regions inside the writer's territory.
        let outside = AssessRules {
            groups: vec![tongchou_domain::assess::rules::RegionGroup {
                name: "沿河".into(),
                regions: vec![OTHER_TOWNSHIP.into()],
            }],
            ..AssessRules::default()
        };
        let e = s.put_rules(&township_admin, &outside).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.field == "groups"),
            "{e:?}"
        );
        // Bad rules name their field and change nothing.
        let bad = AssessRules {
            scale: 0.0,
            ..AssessRules::default()
        };
        let e = s.put_rules(&township_admin, &bad).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.field == "scale"),
            "{e:?}"
        );
        assert_eq!(at(TOWNSHIP).await.rules.scale, 150.0);
        // Another township's leader cannot read them.
        assert!(matches!(
            s.rules(&ctx(Role::Leader, OTHER_TOWNSHIP), TOWNSHIP).await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}
