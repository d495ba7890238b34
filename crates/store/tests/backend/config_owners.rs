//! Configuration has owners: the base catalog, the calendar and the settings are the deployment's
//! top administrator's; a village or county administrator's change to a 小类 is its own version,
//! seen and applied in its subtree only.

use super::cases::{OTHER_VILLAGE, TOWNSHIP, VILLAGE, act, code_of, file, input, public, seed};
use super::{ctx, each};
use tongchou_domain::Role;
use tongchou_domain::cases::Source;
use tongchou_store::*;

fn forbidden(e: StoreError) -> &'static str {
    match e {
        StoreError::Forbidden { code, .. } => code,
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn a_village_admin_changes_its_own_village_only() {
    each("config_owners", |_, s| async move {
        seed(&s).await;
        let village_admin = ctx(Role::Admin, VILLAGE);
        let top = ctx(Role::Admin, "32");
        let base = s.list_categories(None).await.unwrap();
        let mut k = base.iter().find(|k| k.code == "0101").unwrap().clone();
        k.name = "本村垃圾".into();
        k.active = false;
        let own = s.put_category(&village_admin, &k).await.unwrap();
        assert_eq!(own.owner_code, VILLAGE);
        // The base catalog and other places are untouched.
        let again = s.list_categories(None).await.unwrap();
        let b = again.iter().find(|k| k.code == "0101").unwrap();
        assert!(b.active && b.name != "本村垃圾" && b.owner_code.is_empty());
        let there = s.list_categories(Some(OTHER_VILLAGE)).await.unwrap();
        assert!(there.iter().find(|k| k.code == "0101").unwrap().active);
        let here = s.list_categories(Some(VILLAGE)).await.unwrap();
        let h = here.iter().find(|k| k.code == "0101").unwrap();
        assert_eq!((h.name.as_str(), h.active), ("本村垃圾", false));
        // Intake follows the version where the case happens.
        let n = NewCase::validate(&input(VILLAGE, "0101", "垃圾"), Source::Web, None).unwrap();
        let e = s.create_case(&public(), &n).await.unwrap_err();
        assert_eq!(code_of(e), "unknown_category");
        file(&s, &public(), OTHER_VILLAGE, "0101", "黄川垃圾").await;
        // 大类, the calendar and the settings are not the village's.
        let mut group = base.iter().find(|k| k.code == "01").unwrap().clone();
        group.name = "改名".into();
        let e = s.put_category(&village_admin, &group).await.unwrap_err();
        assert_eq!(forbidden(e), "not_config_owner");
        let e = s
            .put_setting(&village_admin, "reopen_days", "3")
            .await
            .unwrap_err();
        assert_eq!(forbidden(e), "not_config_owner");
        let days = vec![("2027-01-01".to_string(), "holiday".to_string())];
        let e = s
            .import_calendar(&village_admin, 2027, &days)
            .await
            .unwrap_err();
        assert_eq!(forbidden(e), "not_config_owner");
        assert!(s.calendar_year(2027).await.unwrap().is_empty());
        // The top administrator owns them.
        s.put_setting(&top, "reopen_days", "3").await.unwrap();
        s.import_calendar(&top, 2027, &days).await.unwrap();
        // Each change is in its owner's audit view, with its actor.
        let seen = s
            .list_audit(&village_admin, PageReq::new(None, None))
            .await
            .unwrap();
        assert!(
            seen.items
                .iter()
                .any(|e| e.target_type == "category" && e.username == village_admin.username),
            "{:?}",
            seen.items
        );
        let top_seen = s.list_audit(&top, PageReq::new(None, None)).await.unwrap();
        for t in ["setting", "calendar"] {
            assert!(top_seen.items.iter().any(|e| e.target_type == t), "{t}");
        }
    })
    .await;
}

#[tokio::test]
async fn cases_that_do_not_climb_never_crowd_out_those_that_do() {
    each("sweep_pages", |_, s| async move {
        let u = seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        // 0102 does not climb in the base catalog, but a county's own version says it does, so
        // its overdue cases elsewhere are candidates that the sweep must pass over.
        let sys = Ctx::system();
        let mut quiet = s
            .list_categories(None)
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.code == "0102")
            .unwrap();
        quiet.auto_escalate = false;
        s.put_category(&sys, &quiet).await.unwrap();
        let mut loud = quiet.clone();
        loud.auto_escalate = true;
        s.put_category(&ctx(Role::Admin, "320723"), &loud)
            .await
            .unwrap();
        let dispatched = |c: Case| {
            let (s, town) = (s.clone(), town.clone());
            async move {
                s.act_on_case(&town, c.id, &act("accept", ""))
                    .await
                    .unwrap();
                s.act_on_case(&town, c.id, &act("dispatch", ""))
                    .await
                    .unwrap();
                s.get_case(&Ctx::system(), c.id).await.unwrap()
            }
        };
        let model = dispatched(file(&s, &public(), VILLAGE, "0102", "不会自动上报").await).await;
        // 1,100 such cases, all overdue and due before the one that climbs.
        let rows: Vec<BulkCase> = (0..1100)
            .map(|i| {
                let id = new_id();
                BulkCase {
                    case: Case {
                        id,
                        number: format!("320722-20200101-{:06}", i + 1),
                        deadline_at: Some(1_000 + i),
                        ..model.case.clone()
                    },
                    events: model.events.clone(),
                    search: String::new(),
                }
            })
            .collect();
        s.bulk_load_cases(&rows, &[]).await.unwrap();
        let climbs = dispatched(file(&s, &public(), VILLAGE, "0101", "会自动上报").await).await;
        let r = s.sweep_cases(now_ms() + 400 * 86_400_000).await.unwrap();
        assert_eq!(r.escalated, 1, "the one case that climbs is escalated");
        let after = s.get_case(&sys, climbs.case.id).await.unwrap().case;
        assert_eq!(after.level, "township");
        let _ = u;
    })
    .await;
}
