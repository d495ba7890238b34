//! Around a case on both backends: the inbox, attachments, and disputes with mediation.

use super::cases::*;
use super::{ctx, each};
use tongchou_domain::Role;
use tongchou_store::*;

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
            must_change_password: false,
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
        let (a, _) = s
            .add_attachment(&gw, c.id, "现场.png", &png, None)
            .await
            .unwrap();
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
            .add_attachment(&gw, c.id, "x.txt", b"hello", None)
            .await
            .unwrap_err();
        assert_eq!(code_of(e), "unsupported_type");
        let big = vec![0xFFu8; ATTACHMENT_MAX + 1];
        assert_eq!(
            code_of(
                s.add_attachment(&gw, c.id, "big.jpg", &big, None)
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
                s.add_attachment(&other, c.id, "x.png", &png, None)
                    .await
                    .unwrap_err()
            ),
            "not_found"
        );
        // The offline queue's resend: the same key and file answer the first attachment; the
        // key reused for another file is refused, and the case still has two attachments.
        let (first, new) = s
            .add_attachment(&gw, c.id, "p.png", &png, Some("u1:k1"))
            .await
            .unwrap();
        assert!(new);
        let (again, new) = s
            .add_attachment(&gw, c.id, "p.png", &png, Some("u1:k1"))
            .await
            .unwrap();
        assert_eq!((again.id, new), (first.id, false));
        let mut other_png = png.clone();
        other_png.push(1);
        assert_eq!(
            code_of(
                s.add_attachment(&gw, c.id, "p.png", &other_png, Some("u1:k1"))
                    .await
                    .unwrap_err()
            ),
            "idempotency_key_reused"
        );
        assert_eq!(s.get_case(&gw, c.id).await.unwrap().attachments.len(), 2);
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
async fn a_resident_follows_an_open_case_with_a_secret_of_their_own() {
    each("followers", |_, s| async move {
        seed(&s).await;
        let town = ctx(Role::Dispatcher, TOWNSHIP);
        let c = file(&s, &public(), VILLAGE, "0101", "路灯").await;
        let f = s.follow_case(&public(), &c.number).await.unwrap();
        assert_eq!(f.number, c.number);
        assert_ne!(f.secret, c.secret);
        // The follower's secret reads the case (any letter case); it is not the reporter's.
        let d = s
            .track_followed(&c.number, &f.secret.to_lowercase())
            .await
            .unwrap();
        assert_eq!(d.case.id, c.id);
        assert!(matches!(
            s.track_case(&c.number, &f.secret).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.track_followed(&c.number, &c.secret).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(s.follower_count(c.id).await.unwrap(), 1);

        // A merged case is followed through to the case it was merged into.
        let dup = file(&s, &public(), VILLAGE, "0101", "路灯又坏").await;
        let merge = CaseAct {
            duplicate_of: Some(c.id),
            ..act("merge", "")
        };
        s.act_on_case(&town, dup.id, &merge).await.unwrap();
        let f2 = s.follow_case(&public(), &dup.number).await.unwrap();
        assert_eq!(f2.number, c.number);
        assert_eq!(s.follower_count(c.id).await.unwrap(), 2);

        // A finished case is not followed; an unknown number is not found.
        s.act_on_case(&town, c.id, &act("reject", "不属于受理范围"))
            .await
            .unwrap();
        assert!(matches!(
            s.follow_case(&public(), &c.number).await,
            Err(StoreError::Refused {
                code: "case_finished",
                ..
            })
        ));
        assert!(matches!(
            s.follow_case(&public(), "320722-20000101-999999").await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}
