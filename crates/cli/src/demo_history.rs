//! The demo's history: the six months before this one, with cases over every village of 连云港市,
//! closed or rejected (none left open, so today's queues stay the demo's own), some townships
//! better liked than others. The counts come from the recount and each finished month's
//! warnings are issued, so a leader's first look at the dashboard has rankings, trends and
//! warnings with their causes.

use crate::bench_cases::{Numbers, Quality, committees, seeded_case};
use anyhow::Result;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use tongchou_domain::assess::period::Period;
use tongchou_domain::assess::rules::AssessRules;
use tongchou_store::*;

const CITY: &str = "320700000000";
const MONTHS: usize = 6;
const CASES_PER_MONTH: usize = 600;
/// The demo's own township (白塔埠镇) is poorly liked, with enough cases to judge: its run of bad
/// months earns it a red warning the demo leaders can follow up.
const POORLY_LIKED: &str = "320722101";
const POORLY_LIKED_EXTRA: usize = 20;

/// The demo's rules: the default score, a township judged from 5 cases a month (the demo is
/// small), and a satisfaction below 70 % is a bad month.
fn demo_rules() -> AssessRules {
    let mut r = AssessRules {
        min_volume: 5,
        ..AssessRules::default()
    };
    r.thresholds.insert("satisfaction_rate".into(), 70.0);
    r
}

pub async fn load(store: &Store) -> Result<String> {
    let sys = Ctx::system();
    store.put_rules(&sys, &demo_rules()).await?;
    let villages = crate::bench::villages(store, CITY).await?;
    let committees = committees(store, &villages).await?;
    let mut rng = StdRng::seed_from_u64(2026);
    // Each township's satisfaction: most 80–98 %, one in twelve poorly liked (45–65 %).
    let mut liked: HashMap<String, u32> = HashMap::new();
    let now = now_ms();
    let mut months = Period::month_of(now).previous().and_before(MONTHS);
    months.reverse();
    let mut numbers = Numbers::default();
    let mut rows = Vec::with_capacity(MONTHS * (CASES_PER_MONTH + POORLY_LIKED_EXTRA));
    for m in &months {
        let (start, end) = m.ms();
        // The cases are made in time order so each (county, day) numbering runs up; the last
        // week is left so every case's steps (a week at most) end within its month.
        let span = end - start - 7 * 86_400_000;
        let own: Vec<&String> = villages
            .iter()
            .filter(|v| v.starts_with(POORLY_LIKED))
            .collect();
        let n = CASES_PER_MONTH + POORLY_LIKED_EXTRA;
        for i in 0..n {
            let created = start + (i as i64 * span) / n as i64;
            let v = if i % (n / POORLY_LIKED_EXTRA) == 0 && !own.is_empty() {
                own[rng.random_range(0..own.len())]
            } else {
                &villages[rng.random_range(0..villages.len())]
            };
            let satisfied = *liked.entry(v[..9].to_string()).or_insert_with(|| {
                if v.starts_with(POORLY_LIKED) {
                    50
                } else if rng.random_range(0..12) == 0 {
                    rng.random_range(45..=65)
                } else {
                    rng.random_range(80..=98)
                }
            });
            let number = numbers.next(v, created);
            let q = Quality {
                closed: 98,
                satisfied,
            };
            rows.push(seeded_case(&mut rng, v, committees[v], created, number, &q));
        }
    }
    store.bulk_load_cases(&rows, &numbers.touched()).await?;
    store
        .recount(&RecountRequest {
            fix: true,
            ..RecountRequest::default()
        })
        .await?;
    let mut warnings = 0;
    for m in &months {
        warnings += store.issue_warnings(m, now).await?.issued;
    }
    Ok(format!(
        "{} cases over {MONTHS} months, {warnings} warnings",
        rows.len()
    ))
}
