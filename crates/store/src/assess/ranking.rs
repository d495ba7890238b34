//! Peer rankings (issue 9 §4): the regions of one level under a region, split into peer groups
//! (level × urban/rural class, the administrator's groups, or one group), scored by the rules at
//! the region with the minimum-volume rule, each with the indicator that cost it the most points
//! and its rank in the months before.

use super::model::*;
use super::rules::rules_at;
use super::{FactSums, sum_facts};
use crate::prelude::*;
use std::collections::BTreeMap;
use tongchou_domain::Level;
use tongchou_domain::assess::period::Period;
use tongchou_domain::assess::rank::{Entry, Ranked, rank};
use tongchou_domain::assess::rules::{AssessRules, PeerBy};
use tongchou_domain::assess::{BUILT_IN, Indicator};

/// Months of rank history shown beside a monthly ranking (the month itself included).
const HISTORY_MONTHS: usize = 6;
/// A ranking reads every member's counts: a province's villages at most.
const MAX_MEMBERS: usize = 50_000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Member {
    pub code: String,
    pub name: String,
    pub urban_rural: Option<String>,
}

/// The regions of `level` inside `region`, within the caller's scope.
pub(crate) async fn members<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    region: &RegionCode,
    level: Level,
) -> StoreResult<Vec<Member>> {
    let within = region.scope().narrow(scope);
    let rows: Vec<Member> = query_as(
        "SELECT code, name, urban_rural FROM regions WHERE code >= $1 AND code < $2 \
         AND level = $3 ORDER BY code",
    )
    .bind(&within.lo)
    .bind(&within.hi)
    .bind(level.as_str())
    .fetch_all(&mut **tx)
    .await?;
    if rows.len() > MAX_MEMBERS {
        return Err(Invalid::new(
            "level",
            "too_many_members",
            format!("{} 个成员过多，请选择更小的区域或更高的层级", rows.len()),
            format!(
                "{} members are too many: choose a smaller region or a higher level",
                rows.len()
            ),
        )
        .into());
    }
    Ok(rows)
}

/// Every built-in indicator's value from a key's sums.
pub(crate) fn values_of(
    built_in: &[Indicator],
    sums: Option<&BTreeMap<String, i64>>,
) -> BTreeMap<String, Option<f64>> {
    BUILT_IN
        .iter()
        .zip(built_in)
        .map(|(b, i)| (b.code.to_string(), super::value_of(i, sums)))
        .collect()
}

pub(crate) fn reported(sums: Option<&BTreeMap<String, i64>>) -> i64 {
    sums.and_then(|m| m.get("reported")).copied().unwrap_or(0)
}

/// The peer group a member is ranked in: (key, Chinese name, English name).
pub(crate) fn peer_group(
    rules: &AssessRules,
    level: Level,
    m: &Member,
) -> (String, String, String) {
    let class = |m: &Member| {
        let (zh, en) = match m.urban_rural.as_deref() {
            Some("urban") => ("城市", "urban"),
            Some("rural") => ("农村", "rural"),
            _ => ("其他", "other"),
        };
        (
            format!("{}:{en}", level.as_str()),
            format!("{}·{zh}", level.zh()),
            format!("{} · {en}", level.as_str()),
        )
    };
    match rules.peer_by {
        PeerBy::All => (
            level.as_str().to_string(),
            level.zh().to_string(),
            level.as_str().to_string(),
        ),
        PeerBy::Class => class(m),
        PeerBy::Groups => match rules.group_of(&m.code) {
            Some(g) => (format!("group:{g}"), g.to_string(), g.to_string()),
            None => class(m),
        },
    }
}

/// Ranks the members on one period's sums, group by group: (group key, names, ranked rows).
pub(crate) fn rank_groups(
    rules: &AssessRules,
    level: Level,
    members: &[Member],
    sums: &FactSums,
    built_in: &[Indicator],
) -> Vec<((String, String, String), Vec<Ranked>)> {
    let weights = rules.score_weights();
    let mut groups: BTreeMap<(String, String, String), Vec<Entry>> = BTreeMap::new();
    for m in members {
        let s = sums.get(&m.code);
        groups
            .entry(peer_group(rules, level, m))
            .or_default()
            .push(Entry {
                unit: m.code.clone(),
                values: values_of(built_in, s).into_iter().collect(),
                volume: reported(s) as f64,
            });
    }
    groups
        .into_iter()
        .map(|(g, entries)| {
            let ranked = rank(&entries, &weights, rules.scale, f64::from(rules.min_volume));
            (g, ranked)
        })
        .collect()
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn ranking_impl(
        &self,
        ctx: &Ctx,
        region: &str,
        level: Option<Level>,
        period: &Period,
    ) -> StoreResult<Ranking> {
        let code = crate::territory::normalise_region(region)?;
        let rc = RegionCode::parse(&code)?;
        let level = match level {
            Some(l) if l > rc.level() => l,
            Some(_) => {
                return Err(Invalid::new(
                    "level",
                    "invalid_value",
                    "应为该区域以下的层级",
                    "must be a level below the region",
                )
                .into());
            }
            None => rc.level().child().ok_or_else(|| {
                Invalid::new(
                    "region",
                    "invalid_value",
                    "村（社区）以下没有可排名的区域",
                    "a village has no regions below it to rank",
                )
            })?,
        };
        let mut tx = self.read_tx().await?;
        let region_row = crate::territory::fetch_region(&mut tx, &ctx.scope, &code).await?;
        let (rules, owner) = rules_at(&mut tx, &code).await?;
        let members = members(&mut tx, &ctx.scope, &rc, level).await?;
        let codes: Vec<String> = members.iter().map(|m| m.code.clone()).collect();
        // The period itself, then (for a month) the months before it, oldest last.
        let periods = match period {
            Period::Month { .. } => period.and_before(HISTORY_MONTHS),
            _ => vec![*period],
        };
        let mut sums = Vec::with_capacity(periods.len());
        for p in &periods {
            sums.push(sum_facts(&mut tx, &codes, p.days()).await?);
        }
        let warned = super::warnings::warnings_of(&mut tx, &codes, &period.to_string()).await?;
        tx.commit().await?;
        let built_in: Vec<Indicator> = BUILT_IN.iter().map(|b| b.indicator()).collect();
        let by_code: HashMap<&str, &Member> =
            members.iter().map(|m| (m.code.as_str(), m)).collect();
        // Each period ranked once: the first is the ranking, all of them the history.
        let mut ranked: Vec<_> = sums
            .iter()
            .map(|s| rank_groups(&rules, level, &members, s, &built_in))
            .collect();
        let mut history: HashMap<String, Vec<RankPoint>> = HashMap::new();
        for (p, groups) in periods.iter().zip(&ranked).rev() {
            for (_, rows) in groups {
                for r in rows {
                    history.entry(r.unit.clone()).or_default().push(RankPoint {
                        period: p.to_string(),
                        rank: r.rank,
                        score: r.score,
                    });
                }
            }
        }
        let groups = ranked
            .swap_remove(0)
            .into_iter()
            .map(|((key, zh, en), rows)| PeerGroup {
                size: rows.len(),
                key,
                zh,
                en,
                rows: rows
                    .into_iter()
                    .map(|r| {
                        let m = by_code[r.unit.as_str()];
                        let s = sums[0].get(&r.unit);
                        RankRow {
                            name: m.name.clone(),
                            urban_rural: m.urban_rural.clone(),
                            score: r.score,
                            rank: r.rank,
                            too_few: r.too_few,
                            weakest: r.weakest,
                            reported: reported(s),
                            values: values_of(&built_in, s),
                            history: history.remove(&r.unit).unwrap_or_default(),
                            warning: warned.get(&r.unit).cloned(),
                            code: r.unit,
                        }
                    })
                    .collect(),
            })
            .collect();
        Ok(Ranking {
            region: region_row.code,
            name: region_row.name,
            level: level.as_str().into(),
            period: period.to_string(),
            rules_owner: owner,
            scale: rules.scale,
            min_volume: rules.min_volume,
            weights: rules.weights.clone(),
            groups,
        })
    }
}
