//! Red/yellow/blue warnings (issue 9 §5): once a month is over, every county, township and
//! village whose run of bad months (score below the line, or an indicator past its threshold,
//! with enough cases to judge) reaches the rule's length gets one warning for that month, naming
//! its responsible leaders and the causes. The level above follows it up: talk, plan, close.

use super::model::*;
use super::ranking::{reported, values_of};
use super::rules::{parsed, resolve};
use super::sum_facts;
use crate::prelude::*;
use std::collections::BTreeMap;
use tongchou_domain::assess::period::Period;
use tongchou_domain::assess::rank::{Entry, score};
use tongchou_domain::assess::rules::{AssessRules, FollowUp, FollowUpStep};
use tongchou_domain::assess::{BUILT_IN, Indicator};
use tongchou_domain::calendar::day_of_ms;

const WARNING_COLS: &str = "w.id, w.region_code, r.name, w.period, w.color, w.run, w.score, \
     w.causes, w.responsible, w.state, w.issued_at, w.updated_at";

/// The warnings of `codes` for one period, by region.
pub(crate) async fn warnings_of<DB: Backend>(
    tx: &mut Tx<DB>,
    codes: &[String],
    period: &str,
) -> StoreResult<HashMap<String, WarningBrief>> {
    let mut out = HashMap::new();
    for part in codes.chunks(400) {
        let marks = (2..part.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut q = query_as::<(String, i64, String, String)>(AssertSqlSafe(format!(
            "SELECT region_code, id, color, state FROM assess_warnings \
             WHERE period = $1 AND region_code IN ({marks})"
        )))
        .bind(period);
        for c in part {
            q = q.bind(c.as_str());
        }
        for (code, id, color, state) in q.fetch_all(&mut **tx).await? {
            out.insert(code, WarningBrief { id, color, state });
        }
    }
    Ok(out)
}

/// A month as the warning rule sees it: the score (if anything could be scored) and the causes
/// that make it bad (the weakest indicator when the score fell below the line, and every
/// indicator past its threshold); `None` when the region had too few cases to judge.
type Judged = Option<(Option<f64>, Vec<String>)>;

fn judge(rules: &AssessRules, values: BTreeMap<String, Option<f64>>, volume: i64) -> Judged {
    if volume < i64::from(rules.min_volume) {
        return None;
    }
    let mut causes = rules.breaches(&values);
    let entry = Entry {
        unit: String::new(),
        values: values.into_iter().collect(),
        volume: volume as f64,
    };
    let (score, weakest) = score(&entry, &rules.score_weights(), rules.scale);
    if score.is_some_and(|s| s < rules.warn_below) {
        // Below the line with nothing lost is impossible; the line at full marks is not.
        let w = weakest.unwrap_or_else(|| "score".into());
        if !causes.contains(&w) {
            causes.insert(0, w);
        }
    }
    Some((score, causes))
}

impl<DB: Backend> SqlStore<DB> {
    /// Issues the warnings of a month that is over (idempotent: a region's warning for a month is
    /// issued once, under the rules of that moment).
    pub(crate) async fn issue_warnings_impl(
        &self,
        month: &Period,
        now: i64,
    ) -> StoreResult<IssuedWarnings> {
        let Period::Month { .. } = month else {
            return Err(Invalid::new(
                "month",
                "invalid_value",
                "应为月份，如 2026-10",
                "must be a month, e.g. 2026-10",
            )
            .into());
        };
        if month.days().1 > day_of_ms(now) {
            return Err(Invalid::new(
                "month",
                "month_not_over",
                "该月尚未结束",
                "the month is not over yet",
            )
            .into());
        }
        let mut tx = self.read_tx().await?;
        let stored = parsed(
            query_as::<(String, String)>("SELECT owner_code, body FROM assess_rules")
                .fetch_all(&mut *tx)
                .await?,
        );
        let rules_for = |code: &str| resolve(&stored, code).0;
        let members: Vec<(String,)> = query_as(
            "SELECT code FROM regions WHERE level IN ('county', 'township', 'village') ORDER BY code",
        )
        .fetch_all(&mut *tx)
        .await?;
        let codes: Vec<String> = members.into_iter().map(|(c,)| c).collect();
        let longest = stored
            .values()
            .chain([rules_for("")])
            .map(|r| r.warning_red)
            .max()
            .unwrap_or(3) as usize;
        // The month itself first, then the months before it.
        let months = month.and_before(longest);
        let mut sums = Vec::with_capacity(months.len());
        for m in &months {
            sums.push(sum_facts(&mut tx, &codes, m.days()).await?);
        }
        tx.commit().await?;
        let built_in: Vec<Indicator> = BUILT_IN.iter().map(|b| b.indicator()).collect();
        let period = month.to_string();
        let mut found = Vec::new();
        for code in &codes {
            let rules = rules_for(code);
            let judged: Vec<Judged> = sums
                .iter()
                .map(|s| {
                    let m = s.get(code);
                    judge(rules, values_of(&built_in, m), reported(m))
                })
                .collect();
            let bad = |j: &Judged| j.as_ref().is_some_and(|(_, causes)| !causes.is_empty());
            // Oldest first, as the rule reads them.
            let flags: Vec<bool> = judged.iter().rev().map(bad).collect();
            let Some(color) = rules.warning_rule().warning(&flags) else {
                continue;
            };
            let run = flags.iter().rev().take_while(|b| **b).count();
            let (score, causes) = judged[0].clone().unwrap_or_default();
            found.push((code.clone(), color, run, score, causes.join(",")));
        }
        let mut tx = self.write_tx().await?;
        let mut issued = 0;
        for (code, color, run, score, causes) in &found {
            let leaders: Vec<(String,)> = query_as(
                "SELECT display_name FROM users WHERE role = 'leader' AND scope_code = $1 \
                 AND NOT disabled ORDER BY id",
            )
            .bind(code)
            .fetch_all(&mut *tx)
            .await?;
            let responsible = leaders
                .into_iter()
                .map(|(n,)| n)
                .collect::<Vec<_>>()
                .join("、");
            issued += query(
                "INSERT INTO assess_warnings (id, region_code, period, color, run, score, causes, \
                 responsible, state, issued_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'issued',$9,$9) \
                 ON CONFLICT (region_code, period) DO NOTHING",
            )
            .bind(new_id())
            .bind(code)
            .bind(&period)
            .bind(format!("{color:?}").to_lowercase())
            .bind(*run as i64)
            .bind(*score)
            .bind(causes)
            .bind(responsible)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(IssuedWarnings {
            month: period,
            regions: codes.len() as u64,
            issued,
        })
    }

    /// The month before `now`'s, once it is over. Issuing is idempotent, so the mark is set
    /// only after it succeeded: a sweep that failed (a full disk, a lost database) leaves the
    /// month for the next sweep, and two servers sweeping at once issue each warning once.
    pub(crate) async fn issue_due_warnings(&self, now: i64) -> StoreResult<u64> {
        let last = Period::month_of(now).previous().to_string();
        let done: Option<(String,)> =
            query_as("SELECT value FROM settings WHERE key = 'warnings_issued'")
                .fetch_optional(&self.pool)
                .await?;
        if done.is_some_and(|(d,)| d >= last) {
            return Ok(0);
        }
        let issued = self
            .issue_warnings_impl(&Period::month_of(now).previous(), now)
            .await?
            .issued;
        let mut tx = self.write_tx().await?;
        query(
            "INSERT INTO settings (key, value) VALUES ('warnings_issued', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value < excluded.value",
        )
        .bind(&last)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    pub(crate) async fn warnings_impl(
        &self,
        ctx: &Ctx,
        region: &str,
        period: Option<&Period>,
    ) -> StoreResult<Vec<WarningRow>> {
        let code = crate::territory::normalise_region(region)?;
        let mut tx = self.read_tx().await?;
        crate::territory::fetch_region(&mut tx, &ctx.scope, &code).await?;
        let within = RegionCode::parse(&code)?.scope().narrow(&ctx.scope);
        let sql = format!(
            "SELECT {WARNING_COLS} FROM assess_warnings w JOIN regions r ON r.code = w.region_code \
             WHERE w.region_code >= $1 AND w.region_code < $2 AND ($3 = '' OR w.period = $3) \
             ORDER BY w.period DESC, w.region_code LIMIT 1000"
        );
        let rows: Vec<WarningRow> = query_as(AssertSqlSafe(sql))
            .bind(&within.lo)
            .bind(&within.hi)
            .bind(period.map(|p| p.to_string()).unwrap_or_default())
            .fetch_all(&mut *tx)
            .await?;
        let rows = with_steps(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Records a follow-up step. The talk and the closing belong to the level above the warned
    /// region; the plan may come from the region itself. Outside the caller's scope: not found.
    pub(crate) async fn follow_up_impl(
        &self,
        ctx: &Ctx,
        id: i64,
        step: FollowUpStep,
        note: &str,
    ) -> StoreResult<WarningRow> {
        let note = required_text("note", note, 1000)?;
        let mut tx = self.write_tx().await?;
        let w = fetch_warning(&mut tx, &ctx.scope, id).await?;
        let region = RegionCode::parse(&w.region_code)?;
        let above = ctx.scope.covers(&region.scope()) && ctx.scope != region.scope();
        let state = FollowUp::parse(&w.state).unwrap_or(FollowUp::Closed);
        let next = state.next(step, above)?;
        let now = now_ms();
        let moved = query(
            "UPDATE assess_warnings SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(next.as_str())
        .bind(now)
        .bind(id)
        .bind(state.as_str())
        .execute(&mut *tx)
        .await?;
        if moved == 0 {
            return Err(StoreError::Refused {
                code: "step_out_of_order",
                zh: "预警刚被他人更新，请刷新".into(),
                en: "the warning was just updated by someone else: reload it".into(),
            });
        }
        query(
            "INSERT INTO assess_warning_steps (warning_id, step, at, actor, note) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(id)
        .bind(next.as_str())
        .bind(now)
        .bind(&ctx.username)
        .bind(&note)
        .execute(&mut *tx)
        .await?;
        write_audit(
            &mut tx,
            ctx,
            next.as_str(),
            "assess_warning",
            &id.to_string(),
            &w.region_code,
            &note,
        )
        .await?;
        let w = fetch_warning(&mut tx, &ctx.scope, id).await?;
        tx.commit().await?;
        Ok(w)
    }
}

async fn fetch_warning<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    id: i64,
) -> StoreResult<WarningRow> {
    let sql = format!(
        "SELECT {WARNING_COLS} FROM assess_warnings w JOIN regions r ON r.code = w.region_code \
         WHERE w.id = $1"
    );
    let row: Option<WarningRow> = query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let row = row
        .filter(|w| scope.contains(&w.region_code))
        .ok_or(StoreError::NotFound("warning"))?;
    Ok(with_steps(tx, vec![row]).await?.remove(0))
}

async fn with_steps<DB: Backend>(
    tx: &mut Tx<DB>,
    mut rows: Vec<WarningRow>,
) -> StoreResult<Vec<WarningRow>> {
    for part in rows.chunks_mut(400) {
        let marks = (1..=part.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut q = query_as::<FollowUpRecord>(AssertSqlSafe(format!(
            "SELECT warning_id, step, at, actor, note FROM assess_warning_steps \
             WHERE warning_id IN ({marks}) ORDER BY at"
        )));
        for w in part.iter() {
            q = q.bind(w.id);
        }
        let steps = q.fetch_all(&mut **tx).await?;
        for w in part.iter_mut() {
            w.steps = steps
                .iter()
                .filter(|s| s.warning_id == w.id)
                .cloned()
                .collect();
        }
    }
    Ok(rows)
}
