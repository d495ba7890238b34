//! Composite scores, peer rankings and red/yellow/blue warnings (issue 9 §4–§5): pure rules over
//! indicator values that the store has already computed for one period.

use super::Direction;
use crate::Invalid;
use std::collections::HashMap;

/// One indicator's part of a composite score: its weight in percent and which way is better.
/// Only percentage indicators (0–100) go into a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    pub code: String,
    pub percent: f64,
    pub direction: Direction,
}

/// Weights must be positive and sum to 100 % (within rounding); each indicator once.
pub fn check_weights(weights: &[Weight]) -> Result<(), Invalid> {
    let bad = |zh: String, en: String| Invalid::new("weights", "invalid_weights", zh, en);
    if weights.is_empty() {
        return Err(bad("至少一项指标".into(), "at least one indicator".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for w in weights {
        if !(w.percent.is_finite() && w.percent > 0.0) {
            return Err(bad(
                format!("“{}”的权重应为正数", w.code),
                format!("the weight of “{}” must be positive", w.code),
            ));
        }
        if !seen.insert(w.code.as_str()) {
            return Err(bad(
                format!("“{}”出现了两次", w.code),
                format!("“{}” is listed twice", w.code),
            ));
        }
    }
    let sum: f64 = weights.iter().map(|w| w.percent).sum();
    if (sum - 100.0).abs() > 1e-6 {
        return Err(bad(
            format!("权重合计应为 100%，现为 {sum}%"),
            format!("the weights must sum to 100 %, not {sum} %"),
        ));
    }
    Ok(())
}

/// The default composite (SPEC §7): 响应率 20 %, 解决率 40 %, 满意率 40 %.
pub fn default_weights() -> Vec<Weight> {
    [
        ("response_rate", 20.0),
        ("resolution_rate", 40.0),
        ("satisfaction_rate", 40.0),
    ]
    .into_iter()
    .map(|(code, percent)| Weight {
        code: code.into(),
        percent,
        direction: Direction::Higher,
    })
    .collect()
}

/// A unit (or region) of a peer group in one period: its indicator values (`None`: nothing to
/// measure) and its volume (the cases the minimum-volume rule counts).
#[derive(Debug, Clone)]
pub struct Entry {
    pub unit: String,
    pub values: HashMap<String, Option<f64>>,
    pub volume: f64,
}

/// A unit's place: its score (out of `scale`), its rank (`None` when it had too few cases to be
/// ranked, or nothing to score), and the indicator that cost it the most points.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub unit: String,
    pub score: Option<f64>,
    pub rank: Option<usize>,
    pub too_few: bool,
    pub weakest: Option<String>,
}

/// The score of one entry out of `scale` (100, or a points scheme such as 150). An indicator
/// with no value leaves the score to the others, in proportion to their weights; a lower-is-better
/// indicator scores 100 − value. Answers (score, the indicator that lost the most points).
pub fn score(e: &Entry, weights: &[Weight], scale: f64) -> (Option<f64>, Option<String>) {
    let mut got = 0.0;
    let mut weight = 0.0;
    let mut weakest: Option<(f64, &str)> = None;
    for w in weights {
        let Some(Some(v)) = e.values.get(&w.code) else {
            continue;
        };
        let v = match w.direction {
            Direction::Higher => *v,
            Direction::Lower => 100.0 - v,
        }
        .clamp(0.0, 100.0);
        got += w.percent * v / 100.0;
        weight += w.percent;
        let lost = w.percent * (100.0 - v) / 100.0;
        if lost > 0.0 && weakest.is_none_or(|(l, _)| lost > l) {
            weakest = Some((lost, &w.code));
        }
    }
    if weight == 0.0 {
        return (None, None);
    }
    (
        Some(got / weight * scale),
        weakest.map(|(_, c)| c.to_string()),
    )
}

/// Ranks a peer group: best score first; equal scores share a rank (1, 2, 2, 4) and are listed by
/// unit; a unit with fewer than `min_volume` cases is listed after the ranked ones as "too few to
/// rank" (it cannot top the list with one lucky case).
pub fn rank(entries: &[Entry], weights: &[Weight], scale: f64, min_volume: f64) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = entries
        .iter()
        .map(|e| {
            let (score, weakest) = score(e, weights, scale);
            Ranked {
                unit: e.unit.clone(),
                score,
                rank: None,
                too_few: e.volume < min_volume,
                weakest,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |r: &Ranked| (r.too_few || r.score.is_none(), -r.score.unwrap_or(0.0));
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(a.unit.cmp(&b.unit))
    });
    let mut last: Option<(f64, usize)> = None;
    for (i, r) in out.iter_mut().enumerate() {
        if r.too_few {
            continue;
        }
        let Some(s) = r.score else { continue };
        // Scores equal to the display's precision share a rank.
        let rank = match last {
            Some((ls, lr)) if (ls - s).abs() < 1e-9 => lr,
            _ => i + 1,
        };
        r.rank = Some(rank);
        last = Some((s, rank));
    }
    out
}

/// Red, yellow or blue (红黄蓝): what a unit's run of bad periods has earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Warning {
    /// 提醒谈话: a reminder talk.
    Blue,
    /// 警示谈话: a warning talk.
    Yellow,
    /// 问责: accountability.
    Red,
}

/// After how many consecutive bad periods each warning is given (1, 2, 3 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningRule {
    pub blue: u32,
    pub yellow: u32,
    pub red: u32,
}

impl Default for WarningRule {
    fn default() -> Self {
        WarningRule {
            blue: 1,
            yellow: 2,
            red: 3,
        }
    }
}

impl WarningRule {
    pub fn check(&self) -> Result<(), Invalid> {
        if !(1 <= self.blue && self.blue < self.yellow && self.yellow < self.red) {
            return Err(Invalid::new(
                "warning_rule",
                "invalid_value",
                "应满足 1 ≤ 蓝 < 黄 < 红（连续期数）",
                "must satisfy 1 ≤ blue < yellow < red (consecutive periods)",
            ));
        }
        Ok(())
    }

    /// The warning for a history of periods, oldest first, each `true` when the unit fell below
    /// its threshold: only the run of bad periods that ends with the latest one counts, so a good
    /// period starts the count again.
    pub fn warning(&self, below: &[bool]) -> Option<Warning> {
        let run = below.iter().rev().take_while(|b| **b).count() as u64;
        if run >= u64::from(self.red) {
            Some(Warning::Red)
        } else if run >= u64::from(self.yellow) {
            Some(Warning::Yellow)
        } else if run >= u64::from(self.blue) {
            Some(Warning::Blue)
        } else {
            None
        }
    }
}
