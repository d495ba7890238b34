//! A region's assessment rules (issue 9 §4–§6): the composite score's weights and scale, the
//! peer groups and the minimum volume of a ranking, the thresholds and the red/yellow/blue rule of
//! warnings, the hotspot rule, and the region groups compared side by side. An administrator sets
//! them for their own subtree; the most specific owner above a region wins (as with 小类).

use super::hotspot::HotspotRule;
use super::rank::{WarningRule, Weight, check_weights};
use super::{BUILT_IN, BuiltIn, Direction};
use crate::{Invalid, RegionCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a ranking splits its members into peer groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeerBy {
    /// Level × urban/rural class: 街道 apart from 镇/乡, 区 apart from 县 (the default).
    Class,
    /// The administrator's region groups; a member in none is ranked in a group of its own class.
    Groups,
    /// Everyone in one group.
    All,
}

/// A named set of regions (e.g. 沿江 vs 老区), compared side by side and usable as peer groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RegionGroup {
    pub name: String,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScoreWeight {
    /// A built-in percentage indicator's code.
    pub indicator: String,
    /// Its share of the score in percent; all shares sum to 100.
    pub percent: f64,
}

/// Serialized as the rules' body; every field has a default, so an administrator sends only what
/// they change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AssessRules {
    pub weights: Vec<ScoreWeight>,
    /// The score's full marks: 100, or a points scheme such as 150 for counties.
    pub scale: f64,
    /// A member with fewer cases reported in the period is "too few to rank".
    pub min_volume: u32,
    pub peer_by: PeerBy,
    /// A ranked member scoring below this (out of `scale`) has a bad period.
    pub warn_below: f64,
    /// Per-indicator thresholds: a value on the wrong side of one (below for higher-is-better,
    /// above for lower-is-better) is a bad period too, and is named as its cause.
    pub thresholds: BTreeMap<String, f64>,
    pub warning_blue: u32,
    pub warning_yellow: u32,
    pub warning_red: u32,
    pub hotspot_cases: u32,
    pub hotspot_days: u32,
    pub groups: Vec<RegionGroup>,
}

impl Default for AssessRules {
    fn default() -> Self {
        let w = WarningRule::default();
        let h = HotspotRule::default();
        AssessRules {
            weights: super::rank::default_weights()
                .into_iter()
                .map(|w| ScoreWeight {
                    indicator: w.code,
                    percent: w.percent,
                })
                .collect(),
            scale: 100.0,
            min_volume: 10,
            peer_by: PeerBy::Class,
            warn_below: 60.0,
            thresholds: BTreeMap::new(),
            warning_blue: w.blue,
            warning_yellow: w.yellow,
            warning_red: w.red,
            hotspot_cases: h.cases,
            hotspot_days: h.days,
            groups: Vec::new(),
        }
    }
}

fn percent_indicator(field: &str, code: &str) -> Result<&'static BuiltIn, Invalid> {
    BUILT_IN
        .iter()
        .find(|b| b.code == code && b.unit == "%")
        .ok_or_else(|| {
            Invalid::new(
                field,
                "unknown_indicator",
                format!("“{code}”不是百分比指标"),
                format!("“{code}” is not a percentage indicator"),
            )
        })
}

impl AssessRules {
    /// Every fault names its field; nothing of invalid rules is kept.
    pub fn validate(&self) -> Result<(), Invalid> {
        for w in &self.weights {
            percent_indicator("weights", &w.indicator)?;
        }
        check_weights(&self.score_weights())?;
        let bad =
            |field: &str, zh: &str, en: &str| Err(Invalid::new(field, "invalid_value", zh, en));
        if !(self.scale.is_finite() && (1.0..=1000.0).contains(&self.scale)) {
            return bad("scale", "满分应为 1–1000", "full marks must be 1 to 1000");
        }
        if self.min_volume > 100_000 {
            return bad(
                "min_volume",
                "最低件数过大",
                "the minimum volume is too large",
            );
        }
        if !(self.warn_below.is_finite() && (0.0..=self.scale).contains(&self.warn_below)) {
            return bad(
                "warn_below",
                "预警分数线应在 0 与满分之间",
                "the warning line must lie between 0 and full marks",
            );
        }
        for (code, v) in &self.thresholds {
            percent_indicator("thresholds", code)?;
            if !(v.is_finite() && (0.0..=100.0).contains(v)) {
                return bad(
                    "thresholds",
                    "阈值应为 0–100",
                    "a threshold must be 0 to 100",
                );
            }
        }
        self.warning_rule().check()?;
        self.hotspot_rule().check()?;
        let mut names = std::collections::HashSet::new();
        if self.groups.len() > 50 {
            return bad("groups", "分组不能超过 50 个", "at most 50 groups");
        }
        for g in &self.groups {
            let name = g.name.trim();
            if name.is_empty() || name.chars().count() > 30 || !names.insert(name) {
                return bad(
                    "groups",
                    "每个分组需要不重复的名称（至多 30 字）",
                    "each group needs a distinct name (at most 30 characters)",
                );
            }
            if g.regions.is_empty() || g.regions.len() > 5000 {
                return bad(
                    "groups",
                    "每个分组应有 1–5000 个区划",
                    "each group needs 1 to 5000 regions",
                );
            }
            for r in &g.regions {
                RegionCode::parse_field("groups", r)?;
            }
        }
        Ok(())
    }

    pub fn score_weights(&self) -> Vec<Weight> {
        self.weights
            .iter()
            .map(|w| Weight {
                code: w.indicator.clone(),
                percent: w.percent,
                direction: BUILT_IN
                    .iter()
                    .find(|b| b.code == w.indicator)
                    .map_or(Direction::Higher, |b| b.direction),
            })
            .collect()
    }

    pub fn warning_rule(&self) -> WarningRule {
        WarningRule {
            blue: self.warning_blue,
            yellow: self.warning_yellow,
            red: self.warning_red,
        }
    }

    pub fn hotspot_rule(&self) -> HotspotRule {
        HotspotRule {
            cases: self.hotspot_cases,
            days: self.hotspot_days,
        }
    }

    /// The indicators whose values break their thresholds, as the causes of a bad period.
    pub fn breaches(&self, values: &BTreeMap<String, Option<f64>>) -> Vec<String> {
        self.thresholds
            .iter()
            .filter(|(code, limit)| {
                let lower_better = BUILT_IN
                    .iter()
                    .any(|b| b.code == code.as_str() && b.direction == Direction::Lower);
                match values.get(*code) {
                    Some(Some(v)) if lower_better => v > limit,
                    Some(Some(v)) => v < limit,
                    _ => false,
                }
            })
            .map(|(code, _)| code.clone())
            .collect()
    }

    /// The name of the group a region belongs to (the first that lists it or an ancestor).
    pub fn group_of(&self, code: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| {
                g.regions
                    .iter()
                    .any(|r| RegionCode::parse(r).is_ok_and(|r| r.scope().contains(code)))
            })
            .map(|g| g.name.as_str())
    }
}

/// A warning's follow-up (闭环): issued → the talk held (谈话) → a rectification plan filed
/// (整改方案) → closed (销号). Each step in order; nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    Issued,
    TalkHeld,
    PlanFiled,
    Closed,
}

/// A step recorded on a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStep {
    /// 谈话: recorded by the level above.
    Talk,
    /// 整改方案: filed by the warned region (or the level above on its behalf).
    Plan,
    /// 销号: the level above closes the loop.
    Close,
}

/// (state, step, by the level above only) → next state.
pub const FOLLOW_UP: &[(FollowUp, FollowUpStep, bool, FollowUp)] = &[
    (
        FollowUp::Issued,
        FollowUpStep::Talk,
        true,
        FollowUp::TalkHeld,
    ),
    (
        FollowUp::TalkHeld,
        FollowUpStep::Plan,
        false,
        FollowUp::PlanFiled,
    ),
    (
        FollowUp::PlanFiled,
        FollowUpStep::Close,
        true,
        FollowUp::Closed,
    ),
];

impl FollowUp {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUp::Issued => "issued",
            FollowUp::TalkHeld => "talk_held",
            FollowUp::PlanFiled => "plan_filed",
            FollowUp::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<FollowUp> {
        [
            FollowUp::Issued,
            FollowUp::TalkHeld,
            FollowUp::PlanFiled,
            FollowUp::Closed,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }

    /// The state after `step`, or why it is refused: out of order, or (for a talk and the
    /// closing) not by the level above.
    pub fn next(self, step: FollowUpStep, above: bool) -> Result<FollowUp, Invalid> {
        match FOLLOW_UP
            .iter()
            .find(|(s, st, _, _)| *s == self && *st == step)
        {
            Some((_, _, true, _)) if !above => Err(Invalid::new(
                "step",
                "not_level_above",
                "谈话与销号由上级记录",
                "the talk and the closing are recorded by the level above",
            )),
            Some((_, _, _, next)) => Ok(*next),
            None => Err(Invalid::new(
                "step",
                "step_out_of_order",
                format!("预警处于“{}”，不能进行这一步", self.as_str()),
                format!(
                    "the warning is {}: this step does not come next",
                    self.as_str()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_rules_name_their_field() {
        AssessRules::default().validate().unwrap();
        let field = |r: AssessRules| r.validate().unwrap_err().field;
        let mut r = AssessRules::default();
        r.weights[0].percent = 30.0;
        assert_eq!(field(r), "weights");
        let mut r = AssessRules::default();
        r.weights[0].indicator = "visits_per_household".into();
        assert_eq!(field(r), "weights");
        let r = AssessRules {
            warn_below: 120.0,
            ..Default::default()
        };
        assert_eq!(field(r), "warn_below");
        let r = AssessRules {
            warning_yellow: 1,
            ..Default::default()
        };
        assert_eq!(field(r), "warning_rule");
        let r = AssessRules {
            hotspot_cases: 1,
            ..Default::default()
        };
        assert_eq!(field(r), "hotspot_rule");
        let mut r = AssessRules::default();
        r.thresholds.insert("nonsense".into(), 50.0);
        assert_eq!(field(r), "thresholds");
        let r = AssessRules {
            groups: vec![RegionGroup {
                name: "沿江".into(),
                regions: vec!["32070x".into()],
            }],
            ..Default::default()
        };
        assert_eq!(field(r), "groups");
        let body = r#"{"scale": 150, "bogus": 1}"#;
        assert!(serde_json::from_str::<AssessRules>(body).is_err());
        let r: AssessRules = serde_json::from_str(r#"{"scale": 150}"#).unwrap();
        assert_eq!((r.scale, r.min_volume), (150.0, 10));
    }

    #[test]
    fn month_of_and_the_months_before() {
        use crate::assess::period::Period;
        use crate::calendar::{day_of, start_of_day_ms};
        let half_past = start_of_day_ms(day_of("2026-12-01").unwrap()) + 30 * 60_000;
        assert_eq!(Period::month_of(half_past).to_string(), "2026-12");
        assert_eq!(
            Period::month_of(half_past - 3_600_000).to_string(),
            "2026-11"
        );
        let back: Vec<String> = Period::parse("2026-02")
            .unwrap()
            .and_before(3)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(back, ["2026-02", "2026-01", "2025-12"]);
    }

    #[test]
    fn breaches_respect_direction() {
        let mut r = AssessRules::default();
        r.thresholds.insert("satisfaction_rate".into(), 80.0);
        r.thresholds.insert("overdue_rate".into(), 10.0);
        let v = |s: f64, o: f64| {
            BTreeMap::from([
                ("satisfaction_rate".to_string(), Some(s)),
                ("overdue_rate".to_string(), Some(o)),
            ])
        };
        assert!(r.breaches(&v(80.0, 10.0)).is_empty());
        assert_eq!(r.breaches(&v(79.9, 10.0)), ["satisfaction_rate"]);
        assert_eq!(r.breaches(&v(90.0, 10.5)), ["overdue_rate"]);
        assert!(r.breaches(&BTreeMap::new()).is_empty());
    }

    #[test]
    fn groups_cover_their_subtrees() {
        let r = AssessRules {
            groups: vec![RegionGroup {
                name: "沿海".into(),
                regions: vec!["320703".into()],
            }],
            ..Default::default()
        };
        assert_eq!(r.group_of("320703100201"), Some("沿海"));
        assert_eq!(r.group_of("320722100201"), None);
    }

    #[test]
    fn follow_up_table_cell_by_cell() {
        use FollowUp::*;
        use FollowUpStep::*;
        let states = [Issued, TalkHeld, PlanFiled, Closed];
        for s in states {
            for step in [Talk, Plan, Close] {
                for above in [false, true] {
                    let want = match (s, step) {
                        (Issued, Talk) if above => Ok(TalkHeld),
                        (TalkHeld, Plan) => Ok(PlanFiled),
                        (PlanFiled, Close) if above => Ok(Closed),
                        (Issued, Talk) | (PlanFiled, Close) => Err("not_level_above"),
                        _ => Err("step_out_of_order"),
                    };
                    assert_eq!(
                        s.next(step, above).map_err(|e| e.code),
                        want,
                        "{s:?} {step:?}"
                    );
                }
            }
            assert_eq!(FollowUp::parse(s.as_str()), Some(s));
        }
    }
}
