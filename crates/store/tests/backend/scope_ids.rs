//! Every id a request names lies where the action allows: a dispatch goes to a unit on the
//! case's own way up (never another township's), a mediator comes from a pool serving the case,
//! an account's grid and unit lie in its scope, and a routing rule stays in its author's subtree.

use super::cases::{
    COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE, TOWNSHIP, VILLAGE, act, code_of, file, public, seed,
};
use super::{ctx, each, grid};
use tongchou_domain::Role;
use tongchou_store::*;

#[tokio::test]
async fn dispatch_goes_only_to_units_on_the_cases_way_up() {
    each("dispatch_path", |_, s| async move {
        let u = seed(&s).await;
        let other_committee = s.list_units(&Ctx::system(), OTHER_VILLAGE).await.unwrap()[0].id;
        let (town, county) = (
            ctx(Role::Dispatcher, TOWNSHIP),
            ctx(Role::Dispatcher, COUNTY),
        );
        let c = file(&s, &public(), VILLAGE, "0101", "垃圾堆放").await;
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, c.id, &act("escalate", ""))
            .await
            .unwrap();
        let to = |unit: i64| CaseAct {
            unit_id: Some(unit),
            ..act("dispatch", "")
        };
        // The county desk may not send a 白塔埠镇 case to 黄川镇's village committee.
        let e = s.act_on_case(&county, c.id, &to(other_committee)).await;
        assert_eq!(code_of(e.unwrap_err()), "unknown_unit");
        let e = s.act_on_case(&county, c.id, &to(987_654_321)).await;
        assert_eq!(code_of(e.unwrap_err()), "unknown_unit");
        let after = s.get_case(&Ctx::system(), c.id).await.unwrap().case;
        assert_eq!((after.unit_id, after.state.as_str()), (None, "escalated"));
        // Its own township's or the county's unit is fine.
        let c = s.act_on_case(&county, c.id, &to(u.township)).await.unwrap();
        assert_eq!(c.unit_id, Some(u.township));
    })
    .await;
}

#[tokio::test]
async fn mediators_come_from_a_pool_serving_the_case() {
    each("mediator_pool", |_, s| async move {
        let u = seed(&s).await;
        let m = |region: &str| MediatorInput {
            region_code: region.into(),
            name: format!("调解员{region}"),
            phone: String::new(),
            tags: "邻里".into(),
        };
        let sys = Ctx::system();
        let far = s.add_mediator(&sys, &m(OTHER_TOWNSHIP)).await.unwrap();
        let near = s.add_mediator(&sys, &m(COUNTY)).await.unwrap();
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let c = file(&s, &public(), VILLAGE, "0903", "宅基地边界纠纷").await;
        s.act_on_case(&town, c.id, &act("accept", ""))
            .await
            .unwrap();
        s.act_on_case(&town, c.id, &act("dispatch", ""))
            .await
            .unwrap();
        let h = Ctx {
            unit_id: Some(u.committee),
            ..ctx(Role::Handler, VILLAGE)
        };
        s.act_on_case(&h, c.id, &act("sign", "")).await.unwrap();
        let session = |mediator_id: Option<i64>| SessionInput {
            mediator_id,
            held_at: None,
            place: "村部".into(),
            outcome: "adjourned".into(),
            agreement: String::new(),
            note: "下次再谈".into(),
        };
        for bad in [Some(far.id), Some(123_456_789)] {
            let e = s.record_mediation(&h, c.id, &session(bad)).await;
            assert_eq!(code_of(e.unwrap_err()), "unknown_mediator");
        }
        s.record_mediation(&h, c.id, &session(Some(near.id)))
            .await
            .unwrap();
        s.record_mediation(&h, c.id, &session(None)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn accounts_and_rules_stay_in_their_authors_scope() {
    each("account_rule_scope", |_, s| async move {
        let u = seed(&s).await;
        let other_grid = grid(&s, OTHER_VILLAGE, 1).await;
        let own_grid = grid(&s, VILLAGE, 1).await;
        let admin = ctx(Role::Admin, TOWNSHIP);
        let user = |grid: Option<&str>, unit: Option<i64>| NewUser {
            username: format!("u{}", new_id()),
            display_name: "新人".into(),
            password_hash: "x".into(),
            role: Role::GridWorker,
            scope_code: VILLAGE.into(),
            grid_code: grid.map(String::from),
            unit_id: unit,
            must_change_password: false,
        };
        let e = s
            .create_user(&admin, &user(Some(&other_grid.code), None))
            .await;
        assert_eq!(code_of(e.unwrap_err()), "unknown_grid");
        let e = s
            .create_user(&admin, &user(Some("320722101200999"), None))
            .await;
        assert_eq!(code_of(e.unwrap_err()), "unknown_grid");
        let e = s.create_user(&admin, &user(None, Some(u.county))).await;
        assert_eq!(code_of(e.unwrap_err()), "unknown_unit");
        let made = s
            .create_user(&admin, &user(Some(&own_grid.code), Some(u.committee)))
            .await
            .unwrap();
        let audit = s
            .list_audit(&admin, PageReq::new(None, None))
            .await
            .unwrap();
        let entry = audit
            .items
            .iter()
            .find(|e| e.target_id == made.username)
            .expect("the new account is in the township admin's audit view");
        assert_eq!(entry.username, admin.username, "with its real actor");
        // A routing rule governs its prefix's subtree, which must be the author's.
        let rule = |prefix: &str| RuleInput {
            subcategory: "0101".into(),
            region_prefix: prefix.into(),
            unit_id: u.township,
        };
        let e = s.put_rule(&admin, &rule("")).await;
        assert_eq!(code_of(e.unwrap_err()), "required", "a rule needs a prefix");
        for prefix in ["32", "320722", "320722103"] {
            let e = s.put_rule(&admin, &rule(prefix)).await;
            assert_eq!(code_of(e.unwrap_err()), "out_of_scope", "prefix {prefix:?}");
        }
        s.put_rule(&admin, &rule("320722101")).await.unwrap();
        // The unit must reach every case under the prefix: a village's committee cannot serve
        // the whole township.
        let narrow = RuleInput {
            unit_id: u.committee,
            ..rule("320722101")
        };
        let e = s.put_rule(&admin, &narrow).await;
        assert_eq!(code_of(e.unwrap_err()), "unknown_unit");
        // A county-wide rule is not the township's to delete.
        let county_admin = ctx(Role::Admin, COUNTY);
        let county_wide = RuleInput {
            unit_id: u.county,
            ..rule("320722")
        };
        let wide = s.put_rule(&county_admin, &county_wide).await.unwrap();
        let e = s.delete_rule(&admin, wide.id).await;
        assert!(matches!(e, Err(StoreError::NotFound(_))), "{e:?}");
        s.delete_rule(&county_admin, wide.id).await.unwrap();
    })
    .await;
}
