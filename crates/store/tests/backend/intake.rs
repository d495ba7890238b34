//! Intake when requests hurt each other: one case the database refuses fails alone, a reused
//! key with another body is refused, two stores (two servers) on one PostgreSQL database share
//! keys and counters without an error or a deadlock, and a database that goes away answers
//! "unavailable" within seconds.

use super::cases::{VILLAGE, input, public, seed};
use super::{each, pg_url, unique};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tongchou_domain::RegionCode;
use tongchou_domain::cases::Source;
use tongchou_store::*;

fn new_case(region: &str, text: &str, key: Option<String>) -> NewCase {
    NewCase::validate(&input(region, "0101", text), Source::Api, key).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_case_the_database_refuses_fails_alone() {
    each("fails_alone", |name, s| async move {
        seed(&s).await;
        // The edge refuses a NUL; this case skips that check to reach the database, where
        // PostgreSQL refuses it.
        let good = new_case(VILLAGE, "垃圾满溢", None);
        let mut bad = good.clone();
        bad.description = "垃圾\u{0}满溢".into();
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let (s, n) = (s.clone(), if i == 30 { bad.clone() } else { good.clone() });
                tokio::spawn(async move { s.create_case(&public(), &n).await })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            ok += usize::from(t.await.unwrap().is_ok());
        }
        let expected = if name == "postgres" { 59 } else { 60 };
        assert_eq!(ok, expected, "{name}: every honest case is written");
        let all = s
            .list_cases(
                &Ctx::system(),
                &CaseFilter::default(),
                PageReq::new(None, Some(100)),
            )
            .await
            .unwrap();
        assert_eq!(all.items.len(), expected);
    })
    .await;
}

#[tokio::test]
async fn a_reused_key_with_another_body_is_refused() {
    each("key_reused", |_, s| async move {
        seed(&s).await;
        let first = new_case(VILLAGE, "井盖缺失", Some("u1:k".into()));
        let a = s.create_case(&public(), &first).await.unwrap();
        let b = s.create_case(&public(), &first).await.unwrap();
        assert_eq!((b.case.id, b.created), (a.case.id, false));
        let other = new_case(VILLAGE, "路灯不亮", Some("u1:k".into()));
        match s.create_case(&public(), &other).await {
            Err(StoreError::Refused { code, .. }) => assert_eq!(code, "idempotency_key_reused"),
            r => panic!("expected idempotency_key_reused, got {r:?}"),
        }
        // The same words under another caller's key are another case.
        let c = s
            .create_case(
                &public(),
                &new_case(VILLAGE, "路灯不亮", Some("u2:k".into())),
            )
            .await
            .unwrap();
        assert!(c.created && c.case.id != a.case.id);
    })
    .await;
}

/// Two stores on one fresh PostgreSQL schema (as two servers would be), or `None` with a message
/// when PostgreSQL is not there and not required.
async fn pg_pair(test: &str) -> Option<(Store, Store)> {
    let url = format!("{}?schema=t_{}", pg_url(), unique(test));
    let a = match open(&url).await {
        Ok(a) => a,
        Err(e) if std::env::var("TONGCHOU_REQUIRE_PG").as_deref() != Ok("1") => {
            eprintln!("SKIPPED {test}: cannot reach PostgreSQL: {e}");
            return None;
        }
        Err(e) => panic!("PostgreSQL is required: {e}"),
    };
    a.migrate().await.unwrap();
    let b = open(&url).await.unwrap();
    b.migrate().await.unwrap();
    Some((a, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_share_keys_and_counters() {
    let Some((a, b)) = pg_pair("two_servers").await else {
        return;
    };
    seed(&a).await;
    // Villages in five counties, so that batches on both servers take several counters.
    let counties = ["320703", "320706", "320707", "320723", "320724"];
    let mut rows = Vec::new();
    for c in counties {
        for (code, name) in [
            (c.to_string(), "县"),
            (format!("{c}101"), "镇"),
            (format!("{c}101200"), "村委会"),
        ] {
            rows.push(RegionRow::new(
                &RegionCode::parse(&code).unwrap(),
                &format!("{code}{name}"),
            ));
        }
    }
    a.upsert_regions(&rows).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..600 {
        // Each key goes to both servers at once; the counties alternate.
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let village = format!("{}101200", counties[(i / 2) % counties.len()]);
        let n = new_case(
            &village,
            "两台服务器同时受理",
            Some(format!("u9:{}", i / 2)),
        );
        tasks.push(tokio::spawn(async move {
            store.create_case(&public(), &n).await
        }));
    }
    let mut by_key: std::collections::HashMap<usize, Vec<Created>> = Default::default();
    for (i, t) in tasks.into_iter().enumerate() {
        let r = t.await.unwrap();
        let c = r.unwrap_or_else(|e| panic!("request {i} failed: {e}"));
        by_key.entry(i / 2).or_default().push(c);
    }
    let mut numbers = std::collections::HashSet::new();
    for (k, pair) in by_key {
        assert_eq!(pair[0].case.id, pair[1].case.id, "key {k}: one case");
        assert_eq!(
            usize::from(pair[0].created) + usize::from(pair[1].created),
            1
        );
        assert!(
            numbers.insert(pair[0].case.number.clone()),
            "numbers are unique"
        );
    }
    assert_eq!(numbers.len(), 300);
}

/// A TCP proxy in front of PostgreSQL that the test can cut: connections through it are closed
/// and new ones refused.
async fn cuttable_proxy(target: String) -> (u16, Arc<AtomicBool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let cut = Arc::new(AtomicBool::new(false));
    let flag = cut.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            if flag.load(Ordering::SeqCst) {
                continue;
            }
            let (target, flag) = (target.clone(), flag.clone());
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                let watch = async {
                    while !flag.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                };
                tokio::select! { _ = copy => {}, _ = watch => {} }
            });
        }
    });
    (port, cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_answers_unavailable_quickly() {
    let url = pg_url();
    let Some((scheme_user, rest)) = url.split_once('@').or_else(|| url.split_once("://")) else {
        panic!("unexpected TONGCHOU_TEST_PG {url}");
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (port, cut) = cuttable_proxy(host.to_string()).await;
    let sep = if url.contains('@') { "@" } else { "://" };
    let proxied = format!(
        "{scheme_user}{sep}127.0.0.1:{port}/{path}?schema=t_{}",
        unique("outage")
    );
    let store = match open(&proxied).await {
        Ok(s) => s,
        Err(e) if std::env::var("TONGCHOU_REQUIRE_PG").as_deref() != Ok("1") => {
            eprintln!("SKIPPED outage test: cannot reach PostgreSQL: {e}");
            return;
        }
        Err(e) => panic!("PostgreSQL is required: {e}"),
    };
    store.migrate().await.unwrap();
    store.ready().await.unwrap();
    cut.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..2 {
        let t = Instant::now();
        let r = store.ready().await;
        assert!(
            matches!(r, Err(StoreError::Unavailable(_))),
            "expected unavailable, got {r:?}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(8),
            "answered in {:?}",
            t.elapsed()
        );
    }
    cut.store(false, Ordering::SeqCst);
    // When the database is back, the pool reconnects by itself.
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.ready().await.is_err() {
        assert!(Instant::now() < deadline, "the store did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
