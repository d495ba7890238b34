//! Counting facts live: each event's facts (`domain::assess::count`) are added to `fact_counts`
//! in the event's own transaction, for the case's village and every region above it, for the
//! urban or rural part of each of those, and for the unit concerned. A dashboard then reads a
//! few rows per fact, at any level, with no recount and no nightly batch.

use crate::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use tongchou_domain::assess::count::{CaseSoFar, Count, Happened, deadline_passed, event_counts};
use tongchou_domain::calendar::day_of_ms;

/// The scope keys one step of a fact adds to: the region and each one above it, the urban or
/// rural part of those above the region itself, and the unit.
pub(crate) fn scopes_of(region: &str, class: Option<&str>, unit: Option<i64>) -> Vec<String> {
    let mut out = Vec::with_capacity(10);
    let mut at = RegionCode::parse(region).ok();
    let mut first = true;
    while let Some(code) = at {
        out.push(code.as_str().to_string());
        if let (Some(class), false) = (class, first) {
            out.push(format!("{}:{class}", code.as_str()));
        }
        first = false;
        at = code.parent();
    }
    if let Some(u) = unit {
        out.push(format!("unit:{u}"));
    }
    out
}

/// What the counting knows of a case from its row (the two flags are read separately, under
/// the row's lock).
pub(crate) fn so_far(c: &Case) -> CaseSoFar {
    CaseSoFar {
        state: c.state.clone(),
        level: c.level.clone(),
        unit_id: c.unit_id,
        deadline_at: c.deadline_at,
        deadline_seen: false,
        overdue_open: false,
        dispatched: c.first_unit_id.is_some(),
        returns: c.returns.into(),
        reworks: c.reworks.into(),
        escalations: c.escalations.into(),
        reopens: c.reopens.into(),
        supervise_deadline: c.supervise_deadline,
        rated: c.satisfaction.is_some(),
    }
}

/// The urban/rural class of each region, read once per batch of counts.
pub(crate) async fn classes_of<DB: Backend>(
    tx: &mut Tx<DB>,
    regions: &BTreeSet<String>,
) -> StoreResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    let codes: Vec<&String> = regions.iter().collect();
    for part in codes.chunks(500) {
        let marks = (1..=part.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut q = query_as::<(String, Option<String>)>(AssertSqlSafe(format!(
            "SELECT code, urban_rural FROM regions WHERE code IN ({marks})"
        )));
        for c in part {
            q = q.bind(c.as_str());
        }
        for (code, class) in q.fetch_all(&mut **tx).await? {
            if let Some(class) = class {
                out.insert(code, class);
            }
        }
    }
    Ok(out)
}

/// Steps of facts gathered in one transaction, written at its end with one upsert per key.
#[derive(Default)]
pub(crate) struct Tally {
    steps: Vec<(String, Count)>,
}

impl Tally {
    pub(crate) fn add(&mut self, region: &str, counts: Vec<Count>) {
        self.steps
            .extend(counts.into_iter().map(|c| (region.to_string(), c)));
    }

    pub(crate) async fn flush<DB: Backend>(self, tx: &mut Tx<DB>) -> StoreResult<()> {
        if self.steps.is_empty() {
            return Ok(());
        }
        let regions: BTreeSet<String> = self.steps.iter().map(|(r, _)| r.clone()).collect();
        let classes = classes_of(tx, &regions).await?;
        // Sorted keys: two transactions adding to the same rows take their locks in one order.
        let mut rows: BTreeMap<(String, i64, &'static str), i64> = BTreeMap::new();
        for (region, c) in &self.steps {
            let class = classes.get(region).map(String::as_str);
            for scope in scopes_of(region, class, c.unit_id) {
                *rows.entry((scope, day_of_ms(c.at), c.fact)).or_default() += c.delta;
            }
        }
        rows.retain(|_, n| *n != 0);
        add_counts(tx, &rows.into_iter().collect::<Vec<_>>()).await
    }
}

/// Adds each row's `n` to its key (an upsert; the keys must be distinct and are best sorted).
pub(crate) async fn add_counts<DB: Backend>(
    tx: &mut Tx<DB>,
    rows: &[((String, i64, &'static str), i64)],
) -> StoreResult<()> {
    for part in rows.chunks(250) {
        let mut sql =
            multi_insert_sql::<DB>("fact_counts", &["scope", "day", "fact", "n"], part.len());
        sql.push_str(
            " ON CONFLICT (scope, day, fact) DO UPDATE SET n = fact_counts.n + excluded.n",
        );
        let mut q = query(AssertSqlSafe(sql));
        for ((scope, day, fact), n) in part {
            q = q.bind(scope.as_str()).bind(*day).bind(*fact).bind(*n);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Counts one event of a case in the event's transaction: `before` is the case as it was,
/// `c` as the event left it (already saved).
pub(crate) async fn count_event<DB: Backend>(
    tx: &mut Tx<DB>,
    before: CaseSoFar,
    c: &Case,
    e: &Happened<'_>,
) -> StoreResult<()> {
    // Under the row's lock: the sweep may have counted the passed deadline meanwhile.
    let (seen, open): (bool, bool) = query_as(AssertSqlSafe(format!(
        "SELECT deadline_seen, overdue_open FROM cases WHERE county_code = $1 AND id = $2{}",
        DB::FOR_UPDATE
    )))
    .bind(&c.county_code)
    .bind(c.id)
    .fetch_one(&mut **tx)
    .await?;
    let mut so = CaseSoFar {
        deadline_seen: seen,
        overdue_open: open,
        ..before
    };
    let mut counts = deadline_passed(&mut so, e.at);
    counts.extend(event_counts(&mut so, e));
    if (so.deadline_seen, so.overdue_open) != (seen, open) {
        query("UPDATE cases SET deadline_seen = $1, overdue_open = $2 WHERE county_code = $3 AND id = $4")
            .bind(so.deadline_seen)
            .bind(so.overdue_open)
            .bind(&c.county_code)
            .bind(c.id)
            .execute(&mut **tx)
            .await?;
    }
    let mut t = Tally::default();
    t.add(&c.region_code, counts);
    t.flush(tx).await
}

/// The facts of new cases' first events (the intake batch), in the batch's transaction.
pub(crate) async fn count_reports<DB: Backend>(
    tx: &mut Tx<DB>,
    reports: &[(&Case, &CaseEvent)],
) -> StoreResult<()> {
    let mut t = Tally::default();
    for (c, e) in reports {
        let mut so = CaseSoFar::default();
        t.add(&c.region_code, event_counts(&mut so, &happened(e)));
    }
    t.flush(tx).await
}

/// An event row as the counting sees it.
pub(crate) fn happened(e: &CaseEvent) -> Happened<'_> {
    Happened {
        action: &e.action,
        at: e.at,
        to_state: &e.to_state,
        unit_id: e.unit_id,
        level: e.level.as_deref().unwrap_or(""),
        stage_deadline: e.stage_deadline,
        due_at: e.due_at,
        outcome: e.outcome.as_deref(),
    }
}

impl<DB: Backend> SqlStore<DB> {
    /// Deadlines that passed with nobody acting on the case: counted as `overdue` on their own
    /// day, once (the claim is conditional, so two sweeps or a sweep and an event cannot both
    /// count one). Returns how many it counted.
    pub(crate) async fn count_passed_deadlines(&self, now: i64) -> StoreResult<u64> {
        type Row = (String, i64, String, String, String, Option<i64>, i64, bool);
        let mut counted = 0;
        loop {
            let rows: Vec<Row> = query_as(
                "SELECT county_code, id, region_code, state, level, unit_id, deadline_at, overdue_open \
                 FROM cases WHERE deadline_seen = FALSE AND deadline_at < $1 \
                 ORDER BY deadline_at, id LIMIT 500",
            )
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
            let full = rows.len() == 500;
            let mut tx = self.write_tx().await?;
            let mut t = Tally::default();
            for (county, id, region, state, level, unit_id, deadline, open) in rows {
                let mut so = CaseSoFar {
                    state: state.clone(),
                    level,
                    unit_id,
                    deadline_at: Some(deadline),
                    overdue_open: open,
                    ..CaseSoFar::default()
                };
                let counts = deadline_passed(&mut so, now);
                let claimed = query(
                    "UPDATE cases SET deadline_seen = TRUE, overdue_open = $1 WHERE county_code = $2 \
                     AND id = $3 AND deadline_seen = FALSE AND deadline_at = $4 AND state = $5 \
                     AND overdue_open = $6",
                )
                .bind(so.overdue_open)
                .bind(&county)
                .bind(id)
                .bind(deadline)
                .bind(&state)
                .bind(open)
                .execute(&mut *tx)
                .await?;
                if claimed == 1 {
                    counted += 1;
                    t.add(&region, counts);
                }
            }
            t.flush(&mut tx).await?;
            tx.commit().await?;
            if !full {
                return Ok(counted);
            }
        }
    }
}
