//! Case clocks on both backends: the timer sweep, suspension, merging, supervision and the
//! stage limits a 小类 sets.

use super::cases::*;
use super::{ctx, each};
use tongchou_domain::Role;
use tongchou_store::*;

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
        // By number, as staff read it off the other case: an unknown number names its field.
        let unknown = CaseAct {
            duplicate_number: "320722-20000101-999999".into(),
            ..act("merge", "")
        };
        let e = s.act_on_case(&town, dup.id, &unknown).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.field == "duplicate_number"),
            "{e:?}"
        );
        let m = CaseAct {
            duplicate_number: c.number.clone(),
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
