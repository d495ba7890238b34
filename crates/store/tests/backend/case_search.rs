//! Case search on both backends: idempotency, filters, full-text search, bulk loads, queue
//! pages and similar open cases.

use super::cases::*;
use super::{ctx, each};
use tongchou_domain::Role;
use tongchou_domain::cases::Source;
use tongchou_store::*;

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
