//! The backend suite: every test runs against a fresh SQLite file and a fresh PostgreSQL schema.
//!
//! PostgreSQL is found at `TONGCHOU_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`).
//! When it cannot be reached the PostgreSQL half is skipped with a message, unless
//! `TONGCHOU_REQUIRE_PG=1` (set by CI), which turns that into a failure.

use std::future::Future;
use std::path::PathBuf;
use tongchou_domain::{RegionCode, Role, idcard};
use tongchou_store::*;

#[path = "backend/accounts.rs"]
mod accounts;
#[path = "backend/assess.rs"]
mod assess;
#[path = "backend/assess_rank.rs"]
mod assess_rank;
#[path = "backend/case_desk.rs"]
mod case_desk;
#[path = "backend/case_search.rs"]
mod case_search;
#[path = "backend/case_timers.rs"]
mod case_timers;
#[path = "backend/cases.rs"]
mod cases;
#[path = "backend/config_owners.rs"]
mod config_owners;
#[path = "backend/intake.rs"]
mod intake;
#[path = "backend/scope_ids.rs"]
mod scope_ids;
#[path = "backend/shapes.rs"]
mod shapes;
#[path = "backend/visits.rs"]
mod visits;

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn unique(name: &str) -> String {
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{name}_{}_{}_{n}", std::process::id(), now_ms() % 1_000_000)
}

fn pg_url() -> String {
    std::env::var("TONGCHOU_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn backends(test: &str) -> Vec<(String, Store)> {
    let dir: PathBuf = std::env::temp_dir().join(format!("tongchou-test-{}", unique(test)));
    let sqlite = open(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .expect("open sqlite");
    sqlite.migrate().await.expect("migrate sqlite");
    let mut out = vec![("sqlite".to_string(), sqlite)];
    let url = format!("{}?schema=t_{}", pg_url(), unique(test));
    match open(&url).await {
        Ok(pg) => {
            pg.migrate().await.expect("migrate postgres");
            out.push(("postgres".into(), pg));
        }
        Err(e) => {
            if std::env::var("TONGCHOU_REQUIRE_PG").as_deref() == Ok("1") {
                panic!(
                    "PostgreSQL is required (TONGCHOU_REQUIRE_PG=1) but unreachable at {}: {e}",
                    pg_url()
                );
            }
            eprintln!(
                "SKIPPED the PostgreSQL half of {test}: cannot reach {}: {e}",
                pg_url()
            );
        }
    }
    out
}

async fn each<F, Fut>(test: &str, f: F)
where
    F: Fn(String, Store) -> Fut,
    Fut: Future<Output = ()>,
{
    for (name, store) in backends(test).await {
        eprintln!("{test} on {name}");
        f(name, store).await;
    }
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// 3207 → 320722 → townships 101 and 103 → one village each.
async fn seed_territory(s: &Store) {
    let rows: Vec<RegionRow> = [
        ("32", "江苏省"),
        ("3207", "连云港市"),
        ("320722", "东海县"),
        ("320722101", "白塔埠镇"),
        ("320722103", "黄川镇"),
        ("320722101200", "白塔村委会"),
        ("320722103200", "黄川村委会"),
        ("320722103001", "黄川社区居委会"),
    ]
    .iter()
    .map(|(c, n)| RegionRow::new(&code(c), n))
    .collect();
    s.upsert_regions(&rows).await.unwrap();
}

fn ctx(role: Role, scope: &str) -> Ctx {
    Ctx {
        user_id: Some(1),
        username: format!("{}@{scope}", role.as_str()),
        role,
        scope: code(scope).scope(),
        unit_id: None,
    }
}

async fn grid(s: &Store, village: &str, seq: u32) -> Grid {
    let input = GridInput {
        code: format!("{village}{seq:03}"),
        name: format!("第{seq}网格"),
        worker_name: "李网格".into(),
        ..Default::default()
    };
    s.create_grid(&Ctx::system(), &NewGrid::validate(&input).unwrap())
        .await
        .unwrap()
}

async fn household(s: &Store, c: &Ctx, grid: &str, address: &str) -> StoreResult<Household> {
    let h = NewHousehold::validate(&HouseholdInput {
        grid_code: grid.into(),
        address: address.into(),
        phone: None,
        lat: None,
        lng: None,
    })
    .unwrap();
    s.create_household(c, &h).await
}

fn person(household_id: i64, name: &str, seq: u32) -> NewPerson {
    let id = idcard::build("320722", "19800101", seq);
    NewPerson::validate(
        &PersonInput {
            household_id: Some(household_id),
            name: name.into(),
            id_number: id,
            relation: "户主".into(),
            ..Default::default()
        },
        "20261122",
    )
    .unwrap()
}

#[tokio::test]
async fn regions_import_is_an_upsert_and_counts_children() {
    each("regions", |_, s| async move {
        assert!(s.is_empty().await.unwrap());
        seed_territory(&s).await;
        seed_territory(&s).await; // a second run changes nothing
        assert!(!s.is_empty().await.unwrap());
        let sys = Ctx::system();
        let county = s.get_region(&sys, "320722").await.unwrap();
        assert_eq!(county.name, "东海县");
        assert_eq!(county.level, "county");
        assert_eq!(county.parent_code.as_deref(), Some("320700000000"));
        assert_eq!(county.child_count, 2);
        assert_eq!(county.urban_rural.as_deref(), Some("rural"));
        let kids = s
            .region_children(&sys, "320722103", PageReq::new(None, None))
            .await
            .unwrap();
        let codes: Vec<&str> = kids.items.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, vec!["320722103001", "320722103200"]);
        assert_eq!(kids.items[0].urban_rural.as_deref(), Some("urban"));
        let page = s
            .region_children(&sys, "320722103", PageReq::new(Some(1), Some(1)))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert!(page.has_more);
        grid(&s, "320722101200", 1).await;
        assert_eq!(
            s.get_region(&sys, "320722101200")
                .await
                .unwrap()
                .child_count,
            1
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_parent_writes_nothing() {
    each("orphans", |_, s| async move {
        seed_territory(&s).await;
        let orphan = vec![
            RegionRow::new(&code("320722101201"), "新村"),
            RegionRow::new(&code("320799001001"), "无主社区"),
        ];
        let e = s.upsert_regions(&orphan).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.code == "unknown_parent"),
            "{e:?}"
        );
        let sys = Ctx::system();
        assert!(matches!(
            s.get_region(&sys, "320722101201").await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn urban_rural_override_survives_reimport() {
    each("override", |_, s| async move {
        seed_territory(&s).await;
        let sys = Ctx::system();
        let patch = RegionPatch { name: None, urban_rural: Some("urban".into()) };
        let r = s.update_region(&sys, "320722101200", &patch).await.unwrap();
        assert_eq!(r.urban_rural.as_deref(), Some("urban"));
        assert!(r.ur_override);
        seed_territory(&s).await;
        assert_eq!(s.get_region(&sys, "320722101200").await.unwrap().urban_rural.as_deref(), Some("urban"));
        let auto = RegionPatch { name: None, urban_rural: Some("auto".into()) };
        assert_eq!(s.update_region(&sys, "320722101200", &auto).await.unwrap().urban_rural.as_deref(), Some("rural"));
        let bad = RegionPatch { name: None, urban_rural: Some("city".into()) };
        assert!(matches!(s.update_region(&sys, "320722101200", &bad).await, Err(StoreError::Invalid(i)) if i.field == "urban_rural"));
    })
    .await;
}

#[tokio::test]
async fn township_scope_cannot_reach_another_township() {
    each("scope", |_, s| async move {
        seed_territory(&s).await;
        let g_a = grid(&s, "320722101200", 1).await;
        let g_b = grid(&s, "320722103200", 1).await;
        let a = ctx(Role::GridWorker, "320722101");
        let county = ctx(Role::Leader, "320722");
        let h_a = household(&s, &a, &g_a.code, "白塔村1号").await.unwrap();
        let h_b = household(&s, &Ctx::system(), &g_b.code, "黄川村1号").await.unwrap();
        let p_b = s.create_person(&Ctx::system(), &person(h_b.id, "张伟", 11)).await.unwrap();

        // Reads of B from A: not found.
        assert!(matches!(s.get_grid(&a, &g_b.code).await, Err(StoreError::NotFound(_))));
        assert!(matches!(s.get_household(&a, h_b.id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(s.get_person(&a, p_b.id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(s.reveal_person(&a, p_b.id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(s.get_region(&a, "320722103").await, Err(StoreError::NotFound(_))));
        let by_name = PersonFilter { q: Some("张伟".into()), ..Default::default() };
        assert!(s.list_persons(&a, &by_name, PageReq::new(None, None)).await.unwrap().items.is_empty());
        let by_id = PersonFilter { id_number: Some(p_b.id_number.clone()), ..Default::default() };
        assert!(s.list_persons(&a, &by_id, PageReq::new(None, None)).await.unwrap().items.is_empty());
        let hs = s.list_households(&a, &HouseholdFilter::default(), PageReq::new(None, None)).await.unwrap();
        assert_eq!(hs.items.iter().map(|h| h.id).collect::<Vec<_>>(), vec![h_a.id]);
        let grids = s.list_grids(&a, "320722", PageReq::new(None, None)).await.unwrap();
        assert_eq!(grids.items.len(), 1);

        // Writes into B from A: refused, and nothing changes.
        let moved = NewHousehold { grid_code: g_b.code.clone(), address: "搬家".into(), phone: None, keep_phone: false, position: None };
        assert!(matches!(s.update_household(&a, h_a.id, &moved).await, Err(StoreError::Invalid(i)) if i.field == "grid_code"));
        let into_b = NewHousehold { grid_code: g_a.code.clone(), address: "改".into(), phone: None, keep_phone: false, position: None };
        assert!(matches!(s.update_household(&a, h_b.id, &into_b).await, Err(StoreError::NotFound(_))));
        assert!(s.create_person(&a, &person(h_b.id, "李四", 13)).await.is_err());
        assert!(matches!(s.update_person(&a, p_b.id, &person(h_a.id, "改名", 11)).await, Err(StoreError::NotFound(_))));
        let mut g = NewGrid::validate(&GridInput { code: g_b.code.clone(), name: "改".into(), ..Default::default() }).unwrap();
        assert!(matches!(s.update_grid(&a, &g_b.code, &g).await, Err(StoreError::NotFound(_))));
        g.name = "新网格".into();
        g.code = "320722103200009".into();
        assert!(s.create_grid(&a, &g).await.is_err());
        assert_eq!(s.get_person(&county, p_b.id).await.unwrap().name, "张伟");
        assert_eq!(s.get_household(&county, h_b.id).await.unwrap().address, "黄川村1号");

        // The county sees both.
        let all = s.list_households(&county, &HouseholdFilter::default(), PageReq::new(None, None)).await.unwrap();
        assert_eq!(all.items.len(), 2);
        assert_eq!(s.get_grid(&county, &g_b.code).await.unwrap().household_count, 1);
        assert_eq!(s.get_person(&county, p_b.id).await.unwrap().id, p_b.id);
    })
    .await;
}

#[tokio::test]
async fn persons_are_found_by_name_fragment_and_id_number() {
    each("search", |_, s| async move {
        seed_territory(&s).await;
        let g = grid(&s, "320722101200", 1).await;
        let sys = Ctx::system();
        let h = household(&s, &sys, &g.code, "白塔村2号").await.unwrap();
        let names = ["王小明", "王芳", "李小明", "张伟", "100%_名"];
        let mut ids = vec![];
        for (i, n) in names.iter().enumerate() {
            ids.push(
                s.create_person(&sys, &person(h.id, n, 21 + i as u32))
                    .await
                    .unwrap(),
            );
        }
        let find = |q: &str| {
            let s = s.clone();
            let f = PersonFilter {
                q: Some(q.into()),
                ..Default::default()
            };
            async move {
                let mut v: Vec<String> = s
                    .list_persons(&Ctx::system(), &f, PageReq::new(None, None))
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|p| p.name)
                    .collect();
                v.sort();
                v
            }
        };
        assert_eq!(find("小明").await, vec!["李小明", "王小明"]);
        assert_eq!(find("王").await, vec!["王小明", "王芳"]);
        assert_eq!(find("王小明").await, vec!["王小明"]);
        assert_eq!(find("明").await, Vec::<String>::new()); // one character: surname only
        assert_eq!(find("0%").await, vec!["100%_名"]);
        assert_eq!(find("赵").await, Vec::<String>::new());
        let by_id = PersonFilter {
            id_number: Some(ids[3].id_number.to_lowercase()),
            ..Default::default()
        };
        let got = s
            .list_persons(&sys, &by_id, PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(got.items[0].name, "张伟");
        assert_eq!(got.items[0].sex, "female"); // sequence 024 is even
        assert_eq!(got.items[0].birth_date, "1980-01-01");

        // Renaming updates the search keys.
        let mut p = person(h.id, "赵小明", 24);
        p.relation = "户主".into();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let updated = s.update_person(&sys, ids[3].id, &p).await.unwrap();
        assert_eq!(
            updated.created_at, ids[3].created_at,
            "an update keeps the creation time"
        );
        assert!(updated.updated_at > ids[3].updated_at);
        assert_eq!(find("小明").await, vec!["李小明", "王小明", "赵小明"]);
        assert_eq!(find("张伟").await, Vec::<String>::new());

        // Household view.
        let hh = s.get_household(&sys, h.id).await.unwrap();
        assert_eq!(hh.member_count, 5);
        let members = PersonFilter {
            household: Some(h.id),
            ..Default::default()
        };
        assert_eq!(
            s.list_persons(&sys, &members, PageReq::new(None, None))
                .await
                .unwrap()
                .items
                .len(),
            5
        );
        let in_grid = PersonFilter {
            grid: Some(g.code.clone()),
            ..Default::default()
        };
        assert_eq!(
            s.list_persons(&sys, &in_grid, PageReq::new(None, Some(2)))
                .await
                .unwrap()
                .items
                .len(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn duplicates_and_unknown_references_write_nothing() {
    each("dups", |_, s| async move {
        seed_territory(&s).await;
        let g = grid(&s, "320722101200", 1).await;
        let sys = Ctx::system();
        let h = household(&s, &sys, &g.code, "3号").await.unwrap();
        s.create_person(&sys, &person(h.id, "甲", 31))
            .await
            .unwrap();
        let e = s
            .create_person(&sys, &person(h.id, "乙", 31))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Duplicate { field: "id_number" }),
            "{e:?}"
        );
        let e = household(&s, &sys, &g.code, "3号").await.unwrap_err();
        assert!(
            matches!(e, StoreError::Duplicate { field: "address" }),
            "{e:?}"
        );
        let e = household(&s, &sys, "320722101200099", "4号")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.field == "grid_code"),
            "{e:?}"
        );
        let e = s
            .create_person(&sys, &person(424242, "丙", 33))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.field == "household_id"),
            "{e:?}"
        );
        let again = NewGrid::validate(&GridInput {
            code: g.code.clone(),
            name: "x".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(
            s.create_grid(&sys, &again).await.unwrap_err(),
            StoreError::Duplicate { field: "code" }
        ));
        let e = s
            .create_region(&sys, &RegionRow::new(&code("320722101200"), "重复"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Duplicate { field: "code" }),
            "{e:?}"
        );
        let e = s
            .create_region(&sys, &RegionRow::new(&code("320722109200"), "无上级"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(i) if i.field == "parent_code"),
            "{e:?}"
        );
        let all = s
            .list_persons(&sys, &PersonFilter::default(), PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(all.items.len(), 1);
    })
    .await;
}

fn import_row(row: usize, grid: &str, address: &str, name: &str, seq: u32) -> ImportRow {
    ImportRow {
        row,
        household: NewHousehold {
            grid_code: grid.into(),
            address: address.into(),
            phone: None,
            keep_phone: true,
            position: None,
        },
        person: Some(person(0, name, seq)),
    }
}

#[tokio::test]
async fn registry_import_is_all_or_nothing() {
    each("import", |_, s| async move {
        seed_territory(&s).await;
        let g_a = grid(&s, "320722101200", 1).await;
        let g_b = grid(&s, "320722103200", 1).await;
        let a = ctx(Role::Agent, "320722101");
        let good = vec![
            import_row(2, &g_a.code, "1号", "甲一", 41),
            import_row(3, &g_a.code, "1号", "甲二", 42),
            import_row(4, &g_a.code, "2号", "乙一", 43),
        ];
        let c = s.import_registry(&a, &good).await.unwrap();
        assert_eq!(
            (c.households_created, c.persons_created, c.persons_updated),
            (2, 3, 0)
        );
        // Same file again: updates, no duplicates.
        let c = s.import_registry(&a, &good).await.unwrap();
        assert_eq!(
            (c.households_created, c.persons_created, c.persons_updated),
            (0, 0, 3)
        );

        let bad = vec![
            import_row(2, &g_a.code, "5号", "丙", 51),
            import_row(3, &g_b.code, "6号", "丁", 52), // other township
            import_row(4, &g_a.code, "7号", "戊", 51), // duplicate ID in the file
            import_row(5, "320722101200077", "8号", "己", 53), // no such grid
        ];
        let StoreError::Rows(errs) = s.import_registry(&a, &bad).await.unwrap_err() else {
            panic!()
        };
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            got,
            vec![(3, "grid_code"), (4, "id_number"), (5, "grid_code")]
        );
        let all = s
            .list_persons(
                &Ctx::system(),
                &PersonFilter::default(),
                PageReq::new(None, None),
            )
            .await
            .unwrap();
        assert_eq!(
            all.items.len(),
            3,
            "nothing of the failed import is written"
        );
        let hs = s
            .list_households(
                &Ctx::system(),
                &HouseholdFilter::default(),
                PageReq::new(None, None),
            )
            .await
            .unwrap();
        assert_eq!(hs.items.len(), 2);
        let (hs, ps) = s.export_registry(&a).await.unwrap();
        assert_eq!((hs.len(), ps.len()), (2, 3));
    })
    .await;
}

#[tokio::test]
async fn accounts_sessions_lockout_and_audit() {
    each("accounts", |_, s| async move {
        seed_territory(&s).await;
        let u = s
            .create_user(
                &Ctx::system(),
                &NewUser {
                    username: "wang".into(),
                    display_name: "王".into(),
                    password_hash: "h1".into(),
                    role: Role::GridWorker,
                    scope_code: code("320722101200").as_str().into(),
                    grid_code: None,
                    unit_id: None,
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        let dup = NewUser {
            username: "wang".into(),
            display_name: "x".into(),
            password_hash: "h".into(),
            role: Role::Admin,
            scope_code: "320000000000".into(),
            grid_code: None,
            unit_id: None,
            must_change_password: false,
        };
        assert!(matches!(
            s.create_user(&Ctx::system(), &dup).await,
            Err(StoreError::Duplicate { field: "username" })
        ));
        for _ in 0..4 {
            s.login_failed(u.id, 5, 100, 999).await.unwrap();
        }
        assert_eq!(
            s.user_by_name("wang").await.unwrap().unwrap().locked_until,
            0
        );
        s.login_failed(u.id, 5, 100, 999).await.unwrap();
        let locked = s.user_by_name("wang").await.unwrap().unwrap();
        assert_eq!((locked.failed_logins, locked.locked_until), (5, 999));
        // After the lock expires the count starts again.
        s.login_failed(u.id, 5, 1000, 1999).await.unwrap();
        let again = s.user_by_name("wang").await.unwrap().unwrap();
        assert_eq!((again.failed_logins, again.locked_until), (1, 0));
        // A name that is no account is counted alike, by every server on the database.
        for _ in 0..4 {
            assert_eq!(s.guess_failed("nobody", 5, 100, 999).await.unwrap(), 0);
        }
        assert_eq!(s.guess_failed("nobody", 5, 100, 999).await.unwrap(), 999);
        assert_eq!(s.guess_locked_until("nobody").await.unwrap(), 999);
        assert_eq!(s.guess_locked_until("Nobody").await.unwrap(), 0);
        assert_eq!(
            s.guess_failed("nobody", 5, 1000, 1999).await.unwrap(),
            0,
            "an expired lock starts the count again"
        );
        s.login_succeeded(u.id).await.unwrap();
        assert_eq!(
            s.user_by_name("wang").await.unwrap().unwrap().failed_logins,
            0
        );

        let sess = Session {
            token_hash: "t".into(),
            user_id: u.id,
            csrf_token: "c".into(),
            created_at: 1,
            expires_at: 1000,
        };
        s.create_session(&sess).await.unwrap();
        assert_eq!(
            s.session("t", 999).await.unwrap().unwrap().1.username,
            "wang"
        );
        assert!(s.session("t", 1000).await.unwrap().is_none(), "expired");
        s.set_password(&Ctx::system(), "wang", "h2").await.unwrap();
        assert!(
            s.session("t", 5).await.unwrap().is_none(),
            "a new password ends sessions"
        );
        assert!(matches!(
            s.set_password(&Ctx::system(), "nobody", "h").await,
            Err(StoreError::NotFound(_))
        ));

        let users = s
            .list_users(&ctx(Role::Admin, "320722101"), PageReq::new(None, None))
            .await
            .unwrap();
        assert_eq!(users.items.len(), 1);
        assert!(
            s.list_users(&ctx(Role::Admin, "320722103"), PageReq::new(None, None))
                .await
                .unwrap()
                .items
                .is_empty()
        );

        // Full PII reads are audited.
        let g = grid(&s, "320722101200", 1).await;
        let h = household(&s, &Ctx::system(), &g.code, "9号").await.unwrap();
        let p = s
            .create_person(&Ctx::system(), &person(h.id, "审计", 61))
            .await
            .unwrap();
        let reader = ctx(Role::GridWorker, "320722101");
        s.reveal_person(&reader, p.id).await.unwrap();
        let log = s
            .list_audit(&ctx(Role::Admin, "320722"), PageReq::new(None, Some(50)))
            .await
            .unwrap();
        let reveal = log
            .items
            .iter()
            .find(|e| e.action == "reveal_pii")
            .expect("reveal audited");
        assert_eq!(reveal.target_id, p.id.to_string());
        assert_eq!(reveal.username, reader.username);
        assert!(
            log.items
                .iter()
                .any(|e| e.action == "create" && e.target_type == "person")
        );
    })
    .await;
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let dir = std::env::temp_dir().join(format!("tongchou-test-{}", unique("backup")));
    let s = open(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    s.migrate().await.unwrap();
    seed_territory(&s).await;
    let copy = dir.join("copy.db");
    s.backup(&copy).await.unwrap();
    assert!(s.backup(&copy).await.is_err(), "never overwrites");
    let restored = open(&format!("sqlite://{}", copy.display())).await.unwrap();
    assert_eq!(
        restored
            .get_region(&Ctx::system(), "320722")
            .await
            .unwrap()
            .child_count,
        2
    );
}
