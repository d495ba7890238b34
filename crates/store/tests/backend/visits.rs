//! Visits on both backends: recorded once however often the field app resends, listed newest
//! first, out of reach for another township, and the due list following the members' tags and
//! the configured intervals.

use super::{ctx, each, grid, household, person, seed_territory};
use tongchou_domain::Role;
use tongchou_store::*;

const DAY: i64 = 86_400_000;

fn visit(at: i64, purpose: &'static str, key: Option<&str>) -> NewVisit {
    NewVisit {
        visited_at: at,
        purpose,
        notes: "老人身体尚好".into(),
        findings: String::new(),
        key: key.map(String::from),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_visit_is_recorded_once_and_another_township_cannot_reach_it() {
    each("visits_once", |_, s| async move {
        seed_territory(&s).await;
        let g = grid(&s, "320722101200", 1).await;
        let worker = ctx(Role::GridWorker, "320722101200");
        let h = household(&s, &worker, &g.code, "白塔村一组1号")
            .await
            .unwrap();
        let now = now_ms();
        let (first, created) = s
            .record_visit(&worker, h.id, &visit(now - DAY, "routine", Some("u1:k1")))
            .await
            .unwrap();
        assert!(created);
        let (again, created) = s
            .record_visit(&worker, h.id, &visit(now - DAY, "routine", Some("u1:k1")))
            .await
            .unwrap();
        assert_eq!((first.id, created), (again.id, false));
        // The key reused for another visit, or another household, is refused.
        let other_h = household(&s, &worker, &g.code, "白塔村一组2号")
            .await
            .unwrap();
        for (hid, v) in [
            (h.id, visit(now - DAY, "elderly_care", Some("u1:k1"))),
            (other_h.id, visit(now - DAY, "routine", Some("u1:k1"))),
        ] {
            let err = s.record_visit(&worker, hid, &v).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::Refused {
                        code: "idempotency_key_reused",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        // Two resends at once (two servers, or a retry racing the first): one visit, two
        // answers naming it, no error.
        let v = visit(now - 2 * DAY, "routine", Some("u1:race"));
        let racers: Vec<_> = (0..6)
            .map(|_| {
                let (s, worker, v, hid) = (s.clone(), worker.clone(), v.clone(), h.id);
                tokio::spawn(async move { s.record_visit(&worker, hid, &v).await })
            })
            .collect();
        let mut answers = Vec::new();
        for r in racers {
            answers.push(r.await.unwrap().unwrap());
        }
        let a = answers[0].clone();
        assert!(answers.iter().all(|x| x.0.id == a.0.id));
        assert_eq!(
            answers.iter().filter(|x| x.1).count(),
            1,
            "exactly one recorded it"
        );
        let (later, _) = s
            .record_visit(&worker, h.id, &visit(now, "elderly_care", None))
            .await
            .unwrap();
        let list = s.household_visits(&worker, h.id).await.unwrap();
        assert_eq!(
            list.iter().map(|v| v.id).collect::<Vec<_>>(),
            [later.id, first.id, a.0.id],
            "newest first, the resends not counted"
        );
        assert_eq!(list[1].visitor_name, worker.username);

        let other = ctx(Role::GridWorker, "320722103");
        let err = s
            .record_visit(&other, h.id, &visit(now, "routine", None))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
        assert!(matches!(
            s.household_visits(&other, h.id).await.unwrap_err(),
            StoreError::NotFound(_)
        ));
        assert!(matches!(
            s.visits_due(&other, &g.code, now).await.unwrap_err(),
            StoreError::NotFound(_)
        ));
        // The write is audited in the household's region.
        let audit = s
            .list_audit(&Ctx::system(), PageReq::new(Some(1), Some(50)))
            .await
            .unwrap();
        assert_eq!(
            audit
                .items
                .iter()
                .filter(|e| e.action == "visit.record")
                .count(),
            3
        );
    })
    .await;
}

#[tokio::test]
async fn households_fall_due_by_their_members_tags_and_the_settings() {
    each("visits_due", |_, s| async move {
        seed_territory(&s).await;
        let g = grid(&s, "320722101200", 1).await;
        let worker = ctx(Role::GridWorker, "320722101200");
        let plain = household(&s, &worker, &g.code, "一组1号").await.unwrap();
        let elder = household(&s, &worker, &g.code, "一组2号").await.unwrap();
        let visited = household(&s, &worker, &g.code, "一组3号").await.unwrap();
        let mut p = person(elder.id, "张奶奶", 7);
        p.tags = "60+,empty_nest".into();
        s.create_person(&worker, &p).await.unwrap();
        let now = now_ms();
        s.record_visit(&worker, visited.id, &visit(now + 50 * DAY, "routine", None))
            .await
            .unwrap();
        let due = |days: i64| {
            let (s, worker, code) = (s.clone(), worker.clone(), g.code.clone());
            async move {
                s.visits_due(&worker, &code, now + days * DAY)
                    .await
                    .unwrap()
                    .iter()
                    .map(|d| d.household_id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(due(10).await, Vec::<i64>::new());
        // An empty-nest elder is due monthly; everyone else every 90 days.
        assert_eq!(due(31).await, [elder.id]);
        assert_eq!(due(91).await, [elder.id, plain.id], "longest overdue first");
        let list = s
            .visits_due(&worker, &g.code, now + 91 * DAY)
            .await
            .unwrap();
        assert_eq!(list[0].due_days, 30);
        assert_eq!(list[0].tags, ["60+", "empty_nest"]);
        assert!(list[0].last_visit_at.is_none());

        // The intervals are settings of the deployment.
        let top = Ctx::system();
        s.put_setting(&top, "visit_days", "200").await.unwrap();
        assert_eq!(due(91).await, [elder.id]);
        s.put_setting(&top, "visit_days.empty_nest", "100")
            .await
            .unwrap();
        assert_eq!(due(91).await, [elder.id], "60+ still asks for 60 days");
        s.put_setting(&top, "visit_days.60+", "120").await.unwrap();
        assert_eq!(due(91).await, Vec::<i64>::new());
        let bad = s
            .put_setting(&top, "visit_days.nobody", "30")
            .await
            .unwrap_err();
        assert!(matches!(bad, StoreError::Invalid(ref i) if i.code == "unknown_setting"));
        let bad = s.put_setting(&top, "visit_days", "0").await.unwrap_err();
        assert!(matches!(bad, StoreError::Invalid(ref i) if i.code == "out_of_range"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patrol_starts_once_ends_once_and_links_the_cases_found() {
    use super::cases::{OTHER_VILLAGE, VILLAGE, file, seed};
    each("patrols", |_, s| async move {
        seed(&s).await;
        let g = grid(&s, VILLAGE, 1).await;
        let worker = Ctx {
            user_id: Some(77),
            ..ctx(Role::GridWorker, VILLAGE)
        };
        let now = now_ms();
        let start = PatrolStart {
            grid_code: g.code.clone(),
            started_at: Some(now - 3_600_000),
        };
        let (p, created) = s
            .start_patrol(&worker, &start, Some("u77:p1"), now)
            .await
            .unwrap();
        assert!(created);
        let (again, created) = s
            .start_patrol(&worker, &start, Some("u77:p1"), now)
            .await
            .unwrap();
        assert_eq!(
            (again.id, created),
            (p.id, false),
            "a resend starts nothing"
        );
        // Resends at once (two servers, or a retry racing the first): one patrol.
        let racing = PatrolStart {
            grid_code: g.code.clone(),
            started_at: Some(now - 7_200_000),
        };
        let racers: Vec<_> = (0..6)
            .map(|_| {
                let (s, worker, racing) = (s.clone(), worker.clone(), racing.clone());
                tokio::spawn(async move {
                    s.start_patrol(&worker, &racing, Some("u77:race"), now)
                        .await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for r in racers {
            answers.push(r.await.unwrap().unwrap());
        }
        assert!(answers.iter().all(|x| x.0.id == answers[0].0.id));
        assert_eq!(answers.iter().filter(|x| x.1).count(), 1);
        let raced = answers[0].0.id;

        let found = file(&s, &worker, VILLAGE, "0101", "巡查发现垃圾堆放").await;
        let elsewhere = file(&s, &Ctx::system(), OTHER_VILLAGE, "0101", "别村的案件").await;
        let end = |case_ids: Vec<i64>| PatrolEnd {
            ended_at: Some(now),
            notes: "巡查一圈".into(),
            case_ids,
        };
        // Only the worker on the patrol ends it; another township does not even see it; a case
        // outside the worker's scope is not linked.
        let colleague = Ctx {
            user_id: Some(78),
            ..ctx(Role::GridWorker, VILLAGE)
        };
        let err = s
            .end_patrol(&colleague, p.id, &end(vec![]), now)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Refused {
                    code: "not_your_patrol",
                    ..
                }
            ),
            "{err:?}"
        );
        let far = ctx(Role::GridWorker, "320722103");
        let err = s
            .end_patrol(&far, p.id, &end(vec![]), now)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
        let err = s
            .end_patrol(&worker, p.id, &end(vec![elsewhere.id]), now)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(ref i) if i.code == "out_of_scope"),
            "{err:?}"
        );

        let ended = s
            .end_patrol(&worker, p.id, &end(vec![found.id, found.id]), now)
            .await
            .unwrap();
        assert_eq!(ended.case_numbers, std::slice::from_ref(&found.number));
        assert_eq!(ended.ended_at, Some(now));
        let err = s
            .end_patrol(&worker, p.id, &end(vec![]), now)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Refused {
                    code: "patrol_ended",
                    ..
                }
            ),
            "{err:?}"
        );

        let list = s
            .list_patrols(&worker, &g.code, PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(
            list.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            [p.id, raced],
            "newest first"
        );
        assert_eq!(
            list.items[0].case_numbers,
            std::slice::from_ref(&found.number)
        );
        assert!(matches!(
            s.list_patrols(&far, &g.code, PageReq::new(None, None))
                .await
                .unwrap_err(),
            StoreError::NotFound(_)
        ));
    })
    .await;
}
