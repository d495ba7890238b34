//! The recount: every case's events folded from the first through the same counting the live
//! path applies, compared with `fact_counts` key by key. It is the proof that the live counts
//! are exact, and the repair when they are not (after a restore, or counts from before an
//! upgrade).

use super::model::{FactDifference, Recount, RecountRequest};
use super::tally::{add_counts, classes_of, happened, scopes_of};
use crate::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use tongchou_domain::assess::count::{CaseSoFar, Count, deadline_passed, event_counts};
use tongchou_domain::calendar::day_of_ms;

/// One case's facts from its events, and its flags after them: what the live path counted if
/// it saw every event and the sweep ran at `now`.
pub fn replay_case(events: &[CaseEvent], now: i64) -> (Vec<Count>, CaseSoFar) {
    let mut so = CaseSoFar::default();
    let mut out = Vec::new();
    for e in events {
        let h = happened(e);
        out.extend(deadline_passed(&mut so, h.at));
        out.extend(event_counts(&mut so, &h));
    }
    out.extend(deadline_passed(&mut so, now));
    (out, so)
}

type Key = (String, i64, &'static str);

fn fact_name(name: &str) -> Option<&'static str> {
    tongchou_domain::assess::FACTS
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.name)
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn recount_impl(&self, r: &RecountRequest) -> StoreResult<Recount> {
        let now = now_ms();
        // What the sweep would count by now, so that both sides see the same deadlines.
        self.count_passed_deadlines(now).await?;
        let scope = match &r.region {
            Some(code) => RegionCode::parse_field("region", code)?.scope(),
            None => Scope::all(),
        };
        let (from, to) = (r.from_day.unwrap_or(i64::MIN), r.to_day.unwrap_or(i64::MAX));
        let mut tx = self.read_tx().await?;
        let mut counted: BTreeMap<Key, i64> = BTreeMap::new();
        let mut flags: Vec<(String, i64, bool, bool)> = Vec::new();
        let (mut cases, mut events) = (0u64, 0u64);
        let mut regions: BTreeSet<String> = BTreeSet::new();
        let mut steps: Vec<(String, Count)> = Vec::new();
        let mut after = (String::new(), i64::MIN);
        loop {
            type CaseRow = (String, i64, String, bool, bool);
            let page: Vec<CaseRow> = query_as(
                "SELECT county_code, id, region_code, deadline_seen, overdue_open FROM cases \
                 WHERE region_code >= $1 AND region_code < $2 AND (county_code, id) > ($3, $4) \
                 ORDER BY county_code, id LIMIT 2000",
            )
            .bind(&scope.lo)
            .bind(&scope.hi)
            .bind(&after.0)
            .bind(after.1)
            .fetch_all(&mut *tx)
            .await?;
            let (Some(first), Some(last)) = (page.first(), page.last()) else {
                break;
            };
            let rows: Vec<(String, i64, CaseEvent)> =
                fetch_event_range(&mut tx, (&first.0, first.1), (&last.0, last.1)).await?;
            let mut by_case: HashMap<(String, i64), Vec<CaseEvent>> = HashMap::new();
            for (county, id, e) in rows {
                by_case.entry((county, id)).or_default().push(e);
            }
            for (county, id, region, seen, open) in &page {
                let evs = by_case.remove(&(county.clone(), *id)).unwrap_or_default();
                events += evs.len() as u64;
                cases += 1;
                let (counts, so) = replay_case(&evs, now);
                if (so.deadline_seen, so.overdue_open) != (*seen, *open) {
                    flags.push((county.clone(), *id, so.deadline_seen, so.overdue_open));
                }
                regions.insert(region.clone());
                steps.extend(counts.into_iter().map(|c| (region.clone(), c)));
            }
            after = (last.0.clone(), last.1);
            // Fold into keys page by page so the steps never hold the whole history.
            let classes = classes_of(&mut tx, &regions).await?;
            for (region, c) in steps.drain(..) {
                let class = classes.get(&region).map(String::as_str);
                for s in scopes_of(&region, class, c.unit_id) {
                    *counted.entry((s, day_of_ms(c.at), c.fact)).or_default() += c.delta;
                }
            }
            regions.clear();
        }
        // Only keys a partial recount sees whole: the regions inside `region` (a region above
        // it or a unit also holds cases from elsewhere), and the days asked for.
        let whole = |k: &Key| {
            let in_scope = match &r.region {
                None => true,
                Some(_) => {
                    let code = k.0.split(':').next().unwrap_or("");
                    !k.0.starts_with("unit:") && scope.contains(code)
                }
            };
            in_scope && k.1 >= from && k.1 <= to
        };
        counted.retain(|k, n| whole(k) && *n != 0);
        // With a region, only its own keys (its code range holds its class keys too).
        let stored: Vec<(String, i64, String, i64)> = query_as(
            "SELECT scope, day, fact, n FROM fact_counts WHERE ($1 OR (scope >= $2 AND scope < $3)) \
             AND day >= $4 AND day <= $5 AND n <> 0",
        )
        .bind(r.region.is_none())
        .bind(&scope.lo)
        .bind(&scope.hi)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut differences = Vec::new();
        let mut seen_keys = BTreeSet::new();
        for (s, day, fact, n) in stored {
            let Some(fact) = fact_name(&fact) else {
                continue;
            };
            let key = (s, day, fact);
            if !whole(&key) {
                continue;
            }
            let want = counted.get(&key).copied().unwrap_or(0);
            if want != n {
                differences.push(difference(&key, n, want));
            }
            seen_keys.insert(key);
        }
        for (key, want) in &counted {
            if !seen_keys.contains(key) {
                differences.push(difference(key, 0, *want));
            }
        }
        differences.sort_by(|a, b| (&a.scope, &a.day, &a.fact).cmp(&(&b.scope, &b.day, &b.fact)));
        let mut out = Recount {
            cases,
            events,
            keys: counted.len() as u64,
            differences,
            cases_flagged_wrong: flags.len() as u64,
            fixed: false,
        };
        if r.fix && (!out.differences.is_empty() || !flags.is_empty()) {
            let mut tx = self.write_tx().await?;
            let mut rows: Vec<(Key, i64)> = Vec::new();
            for d in &out.differences {
                let Some(fact) = fact_name(&d.fact) else {
                    continue;
                };
                let day = tongchou_domain::calendar::day_of(&d.day).unwrap_or(0);
                rows.push(((d.scope.clone(), day, fact), d.recounted - d.counted));
            }
            rows.sort();
            add_counts(&mut tx, &rows).await?;
            for (county, id, seen, open) in &flags {
                query("UPDATE cases SET deadline_seen = $1, overdue_open = $2 WHERE county_code = $3 AND id = $4")
                    .bind(*seen)
                    .bind(*open)
                    .bind(county.as_str())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            out.fixed = true;
        }
        Ok(out)
    }
}

fn difference(k: &Key, counted: i64, recounted: i64) -> FactDifference {
    FactDifference {
        scope: k.0.clone(),
        day: tongchou_domain::calendar::date_of_day(k.1),
        fact: k.2.to_string(),
        counted,
        recounted,
    }
}

/// The events of the cases from `first` to `last` (by county and id), in order.
async fn fetch_event_range<DB: Backend>(
    tx: &mut Tx<DB>,
    first: (&str, i64),
    last: (&str, i64),
) -> StoreResult<Vec<(String, i64, CaseEvent)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        county_code: String,
        case_id: i64,
        #[sqlx(flatten)]
        event: CaseEvent,
    }
    let rows: Vec<Row> = query_as(AssertSqlSafe(
        "SELECT e.county_code, e.case_id, e.seq, e.at, e.actor_id, e.actor_name, e.actor, e.action, \
         e.from_state, e.to_state, e.unit_id, CAST(NULL AS TEXT) AS unit_name, e.level, \
         '' AS note, '' AS attachments, e.stage_deadline, e.due_at, e.outcome FROM case_events e \
         WHERE (e.county_code, e.case_id) >= ($1, $2) AND (e.county_code, e.case_id) <= ($3, $4) \
         ORDER BY e.county_code, e.case_id, e.seq",
    ))
    .bind(first.0)
    .bind(first.1)
    .bind(last.0)
    .bind(last.1)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.county_code, r.case_id, r.event))
        .collect())
}
