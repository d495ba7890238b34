//! Account administration on both backends: an administrator disables, enables and resets the
//! accounts of its scope only (never its own), each audited; a reset password is temporary; a
//! person's own change clears that mark and ends their other sessions.

use super::{ctx, each, seed_territory};
use tongchou_domain::Role;
use tongchou_store::*;

fn new_user(name: &str, scope: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "h0".into(),
        role: Role::GridWorker,
        scope_code: scope.into(),
        grid_code: None,
        unit_id: None,
        must_change_password: true,
    }
}

fn session(token: &str, user_id: i64) -> Session {
    Session {
        token_hash: token.into(),
        user_id,
        csrf_token: "c".into(),
        created_at: 0,
        expires_at: i64::MAX,
    }
}

#[tokio::test]
async fn an_admin_manages_the_accounts_of_its_scope_only() {
    each("accounts_admin", |_, s| async move {
        seed_territory(&s).await;
        let town = ctx(Role::Admin, "320722101000");
        let other = ctx(Role::Admin, "320722103000");
        let u = s
            .create_user(&town, &new_user("li", "320722101200"))
            .await
            .unwrap();
        assert!(u.must_change_password, "created with a temporary password");
        s.create_session(&session("t1", u.id)).await.unwrap();

        // Another township's administrator reaches none of it.
        for e in [
            s.set_user_disabled(&other, u.id, true).await.unwrap_err(),
            s.reset_user_password(&other, u.id, "h9").await.unwrap_err(),
        ] {
            assert!(matches!(e, StoreError::NotFound("user")), "{e:?}");
        }
        assert!(!s.user_by_name("li").await.unwrap().unwrap().disabled);

        // Disabling ends the sessions; enabling lets the account in again.
        let off = s.set_user_disabled(&town, u.id, true).await.unwrap();
        assert!(off.disabled);
        assert!(s.session("t1", 1).await.unwrap().is_none());
        assert!(
            !s.set_user_disabled(&town, u.id, false)
                .await
                .unwrap()
                .disabled
        );
        // Never one's own account.
        let me = ctx(Role::Admin, "320722101000");
        let mine = Ctx {
            user_id: Some(u.id),
            ..me
        };
        assert!(matches!(
            s.set_user_disabled(&mine, u.id, true).await,
            Err(StoreError::Refused {
                code: "own_account",
                ..
            })
        ));

        // The person sets their own password: the mark goes, other sessions end, this one stays.
        s.create_session(&session("phone", u.id)).await.unwrap();
        s.create_session(&session("laptop", u.id)).await.unwrap();
        let person = Ctx {
            user_id: Some(u.id),
            ..ctx(Role::GridWorker, "320722101200")
        };
        let changed = s.change_own_password(&person, "h1", "phone").await.unwrap();
        assert!(!changed.must_change_password);
        assert!(s.session("phone", 1).await.unwrap().is_some());
        assert!(s.session("laptop", 1).await.unwrap().is_none());

        // A reset makes it temporary again and ends every session.
        let reset = s.reset_user_password(&town, u.id, "h2").await.unwrap();
        assert!(reset.must_change_password);
        assert!(s.session("phone", 1).await.unwrap().is_none());
        let log = s
            .list_audit(&town, PageReq::new(None, Some(50)))
            .await
            .unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "user.disable",
            "user.enable",
            "change_password",
            "reset_password",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        // Narrowed by action and actor: the one disabling, by the township's administrator.
        let f = AuditFilter {
            action: "user.disable".into(),
            actor: town.username.clone(),
            ..Default::default()
        };
        let found = s
            .search_audit(&town, &f, PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1, "{:?}", found.items);
        assert_eq!(found.items[0].target_id, "li");
        let later = AuditFilter {
            from: Some(now_ms() + 60_000),
            ..Default::default()
        };
        let none = s
            .search_audit(&town, &later, PageReq::new(None, None))
            .await;
        assert!(none.unwrap().items.is_empty());
    })
    .await;
}
