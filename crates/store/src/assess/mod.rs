//! Assessment (issue 9): facts counted live (`tally`), checked by a recount from the events
//! (`recount`), and read back as indicator values per region, unit and period.

pub mod model;
pub(crate) mod ranking;
pub mod recount;
pub(crate) mod rules;
pub(crate) mod tally;
pub(crate) mod warnings;

pub use model::*;

use crate::prelude::*;
use std::collections::BTreeMap;
use tongchou_domain::Level;
use tongchou_domain::assess::period::Period;
use tongchou_domain::assess::rules::{AssessRules, FollowUpStep};
use tongchou_domain::assess::{BUILT_IN, Direction, Indicator};

/// The state-count facts, written exactly as the partial index `fact_counts_stock` has them, so
/// both engines use it.
pub(crate) const STOCK_FILTER: &str =
    "fact IN ('overdue_open', 'households', 'persons', 'grids', 'tagged_households')";

/// Fact sums per scope key.
pub type FactSums = HashMap<String, BTreeMap<String, i64>>;

/// Sums each fact of each key over the days `first..after` (as `Period::days` gives them); a
/// state count is its value at the end of the last day (every step before `after`).
pub(crate) async fn sum_facts<DB: Backend>(
    tx: &mut Tx<DB>,
    scopes: &[String],
    (first, after): (i64, i64),
) -> StoreResult<FactSums> {
    let mut out: FactSums = HashMap::new();
    for part in scopes.chunks(400) {
        // Flows over the period's days; state counts up to its last day.
        let marks = |from: usize| {
            (from..from + part.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let flows = query_as::<(String, String, i64)>(AssertSqlSafe(format!(
            "SELECT scope, fact, CAST(SUM(n) AS BIGINT) FROM fact_counts WHERE scope IN ({}) \
             AND day >= $1 AND day < $2 AND NOT ({STOCK_FILTER}) GROUP BY scope, fact",
            marks(3)
        )))
        .bind(first)
        .bind(after);
        let stocks = query_as::<(String, String, i64)>(AssertSqlSafe(format!(
            "SELECT scope, fact, CAST(SUM(n) AS BIGINT) FROM fact_counts WHERE scope IN ({}) \
             AND day < $1 AND {STOCK_FILTER} GROUP BY scope, fact",
            marks(2)
        )))
        .bind(after);
        for mut q in [flows, stocks] {
            for s in part {
                q = q.bind(s.as_str());
            }
            for (scope, fact, n) in q.fetch_all(&mut **tx).await? {
                out.entry(scope).or_default().insert(fact, n);
            }
        }
    }
    Ok(out)
}

fn value_of(i: &Indicator, sums: Option<&BTreeMap<String, i64>>) -> Option<f64> {
    i.value(|f: &str| sums.and_then(|m| m.get(f)).copied().unwrap_or(0) as f64)
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn dashboard_impl(
        &self,
        ctx: &Ctx,
        code: &str,
        period: &Period,
    ) -> StoreResult<Dashboard> {
        let code = crate::territory::normalise_region(code)?;
        let mut tx = self.read_tx().await?;
        let region = crate::territory::fetch_region(&mut tx, &ctx.scope, &code).await?;
        let children: Vec<(String, String, String, Option<String>)> = query_as(
            "SELECT code, name, level, urban_rural FROM regions WHERE parent_code = $1 \
             AND code >= $2 AND code < $3 ORDER BY code",
        )
        .bind(&code)
        .bind(&ctx.scope.lo)
        .bind(&ctx.scope.hi)
        .fetch_all(&mut *tx)
        .await?;
        let (urban, rural) = (format!("{code}:urban"), format!("{code}:rural"));
        let mut scopes = vec![code.clone(), urban.clone(), rural.clone()];
        scopes.extend(children.iter().map(|c| c.0.clone()));
        let now = sum_facts(&mut tx, &scopes, period.days()).await?;
        let own = [code.clone()];
        let before = sum_facts(&mut tx, &own, period.previous().days()).await?;
        let year = sum_facts(&mut tx, &own, period.year_before().days()).await?;
        tx.commit().await?;
        // Each formula parsed once per request, not once per value.
        let built_in: Vec<Indicator> = BUILT_IN.iter().map(|b| b.indicator()).collect();
        let mine = now.get(&code);
        let count = |f: &str| mine.and_then(|m| m.get(f)).copied().unwrap_or(0) as f64;
        let indicators = BUILT_IN
            .iter()
            .zip(&built_in)
            .map(|(b, i)| {
                let (u, r) = (value_of(i, now.get(&urban)), value_of(i, now.get(&rural)));
                IndicatorValue {
                    code: b.code.into(),
                    zh: b.zh.into(),
                    en: b.en.into(),
                    unit: b.unit.into(),
                    better: match b.direction {
                        Direction::Higher => "higher",
                        Direction::Lower => "lower",
                    }
                    .into(),
                    numerator: b.numerator.into(),
                    denominator: b.denominator.into(),
                    factor: b.factor,
                    definition_zh: b.definition_zh.into(),
                    definition_en: b.definition_en.into(),
                    value: i.value(count),
                    numerator_value: i.numerator.eval(count),
                    denominator_value: i.denominator.eval(count),
                    previous: value_of(i, before.get(&code)),
                    year_before: value_of(i, year.get(&code)),
                    urban: u,
                    rural: r,
                    gap: u.zip(r).map(|(u, r)| u - r),
                }
            })
            .collect();
        let children = children
            .into_iter()
            .map(|(code, name, level, urban_rural)| {
                let sums = now.get(&code);
                ChildValues {
                    reported: sums.and_then(|m| m.get("reported")).copied().unwrap_or(0),
                    values: BUILT_IN
                        .iter()
                        .zip(&built_in)
                        .map(|(b, i)| (b.code.to_string(), value_of(i, sums)))
                        .collect(),
                    code,
                    name,
                    level,
                    urban_rural,
                }
            })
            .collect();
        let (first, after) = period.days();
        Ok(Dashboard {
            code: region.code,
            name: region.name,
            level: region.level,
            period: period.to_string(),
            first_day: tongchou_domain::calendar::date_of_day(first),
            last_day: tongchou_domain::calendar::date_of_day(after - 1),
            indicators,
            facts: mine.cloned().unwrap_or_default(),
            children,
        })
    }
}

/// Indicator values, read from the live counts.
pub trait AssessStorage: Send + Sync {
    /// A region's dashboard for a period: the built-in indicators with the period before, the
    /// year before and the urban–rural split, and its children's values. `NotFound` outside the
    /// caller's scope.
    fn dashboard<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        period: &'a Period,
    ) -> BoxFut<'a, Dashboard>;
    /// Recomputes the counts from the events and reports (and with `fix`, repairs) every
    /// difference. For the deployment's operator (the CLI), not a web caller.
    fn recount<'a>(&'a self, r: &'a RecountRequest) -> BoxFut<'a, Recount>;
    /// The rules that apply at a region in scope, and whose they are.
    fn rules<'a>(&'a self, ctx: &'a Ctx, region: &'a str) -> BoxFut<'a, RulesAt>;
    /// Writes the caller's own rules (the top administrator's are the base; anyone else's apply
    /// in their subtree).
    fn put_rules<'a>(&'a self, ctx: &'a Ctx, rules: &'a AssessRules) -> BoxFut<'a, RulesAt>;
    /// The regions of `level` (default: the children) under a region, ranked in peer groups.
    fn ranking<'a>(
        &'a self,
        ctx: &'a Ctx,
        region: &'a str,
        level: Option<Level>,
        period: &'a Period,
    ) -> BoxFut<'a, Ranking>;
    /// Issues a finished month's warnings (idempotent). For the sweep and the operator.
    fn issue_warnings<'a>(&'a self, month: &'a Period, now: i64) -> BoxFut<'a, IssuedWarnings>;
    /// The warnings inside a region in scope (of one month, or all).
    fn warnings<'a>(
        &'a self,
        ctx: &'a Ctx,
        region: &'a str,
        period: Option<&'a Period>,
    ) -> BoxFut<'a, Vec<WarningRow>>;
    /// Records a follow-up step on a warning.
    fn follow_up<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        step: FollowUpStep,
        note: &'a str,
    ) -> BoxFut<'a, WarningRow>;
}

impl<DB: Backend> AssessStorage for SqlStore<DB> {
    fn dashboard<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        period: &'a Period,
    ) -> BoxFut<'a, Dashboard> {
        Box::pin(self.dashboard_impl(ctx, code, period))
    }

    fn recount<'a>(&'a self, r: &'a RecountRequest) -> BoxFut<'a, Recount> {
        Box::pin(self.recount_impl(r))
    }

    fn rules<'a>(&'a self, ctx: &'a Ctx, region: &'a str) -> BoxFut<'a, RulesAt> {
        Box::pin(self.rules_impl(ctx, region))
    }

    fn put_rules<'a>(&'a self, ctx: &'a Ctx, rules: &'a AssessRules) -> BoxFut<'a, RulesAt> {
        Box::pin(self.put_rules_impl(ctx, rules))
    }

    fn ranking<'a>(
        &'a self,
        ctx: &'a Ctx,
        region: &'a str,
        level: Option<Level>,
        period: &'a Period,
    ) -> BoxFut<'a, Ranking> {
        Box::pin(self.ranking_impl(ctx, region, level, period))
    }

    fn issue_warnings<'a>(&'a self, month: &'a Period, now: i64) -> BoxFut<'a, IssuedWarnings> {
        Box::pin(self.issue_warnings_impl(month, now))
    }

    fn warnings<'a>(
        &'a self,
        ctx: &'a Ctx,
        region: &'a str,
        period: Option<&'a Period>,
    ) -> BoxFut<'a, Vec<WarningRow>> {
        Box::pin(self.warnings_impl(ctx, region, period))
    }

    fn follow_up<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        step: FollowUpStep,
        note: &'a str,
    ) -> BoxFut<'a, WarningRow> {
        Box::pin(self.follow_up_impl(ctx, id, step, note))
    }
}
