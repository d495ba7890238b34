//! The assessment's types: indicator values as a dashboard reads them, and the recount's report.

use crate::prelude::*;
use std::collections::BTreeMap;

/// One indicator's value for one region (or unit) and period, with its definition, so a value is
/// never shown without what it means.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IndicatorValue {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub unit: String,
    /// `higher` or `lower`: which way is better.
    pub better: String,
    pub numerator: String,
    pub denominator: String,
    pub factor: f64,
    pub definition_zh: String,
    pub definition_en: String,
    /// `None` when there is nothing to measure (a denominator of 0).
    pub value: Option<f64>,
    pub numerator_value: f64,
    pub denominator_value: f64,
    /// The period before (month over month, quarter over quarter…).
    pub previous: Option<f64>,
    /// The same period a year before.
    pub year_before: Option<f64>,
    /// The part from 居委会 (urban) and from 村委会 (rural), and urban − rural.
    pub urban: Option<f64>,
    pub rural: Option<f64>,
    pub gap: Option<f64>,
}

/// A child region's values: one row of the drill-down table and one area of the map.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ChildValues {
    pub code: String,
    pub name: String,
    pub level: String,
    pub urban_rural: Option<String>,
    /// Cases reported in the period (the volume behind the rates).
    pub reported: i64,
    pub values: BTreeMap<String, Option<f64>>,
}

/// A region's dashboard for a period: every built-in indicator with its comparisons, the facts
/// behind them, and the children's values.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Dashboard {
    pub code: String,
    pub name: String,
    pub level: String,
    pub period: String,
    pub first_day: String,
    pub last_day: String,
    pub indicators: Vec<IndicatorValue>,
    pub facts: BTreeMap<String, i64>,
    pub children: Vec<ChildValues>,
}

/// What to recount: everything, or one region's cases, and which days to compare.
#[derive(Debug, Clone, Default)]
pub struct RecountRequest {
    pub region: Option<String>,
    pub from_day: Option<i64>,
    pub to_day: Option<i64>,
    /// Write the recounted values where they differ.
    pub fix: bool,
}

/// A key whose live count differs from the recount.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FactDifference {
    pub scope: String,
    pub day: String,
    pub fact: String,
    pub counted: i64,
    pub recounted: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recount {
    pub cases: u64,
    pub events: u64,
    /// Keys (scope × day × fact) the recount produced.
    pub keys: u64,
    pub differences: Vec<FactDifference>,
    /// Cases whose overdue flags differed from their events.
    pub cases_flagged_wrong: u64,
    pub fixed: bool,
}

/// The assessment rules that apply at a region, and whose they are ('' the deployment's base).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RulesAt {
    pub region: String,
    pub owner_code: String,
    pub rules: tongchou_domain::assess::rules::AssessRules,
}

/// A member's place in one earlier period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RankPoint {
    pub period: String,
    pub rank: Option<usize>,
    pub score: Option<f64>,
}

/// A warning's colour and follow-up state, as a ranking row shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WarningBrief {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub color: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RankRow {
    pub code: String,
    pub name: String,
    pub urban_rural: Option<String>,
    /// Out of the ranking's `scale`; `None` when nothing could be scored.
    pub score: Option<f64>,
    /// Equal scores share a rank; `None` when too few cases or nothing scored.
    pub rank: Option<usize>,
    /// Fewer cases reported than the minimum volume: listed, not ranked.
    pub too_few: bool,
    /// The indicator that cost the most points.
    pub weakest: Option<String>,
    pub reported: i64,
    pub values: BTreeMap<String, Option<f64>>,
    /// The same ranking in the months before (for a month), oldest first, this one last.
    pub history: Vec<RankPoint>,
    pub warning: Option<WarningBrief>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PeerGroup {
    pub key: String,
    pub zh: String,
    pub en: String,
    pub size: usize,
    pub rows: Vec<RankRow>,
}

/// The regions of one level under a region, ranked in their peer groups.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Ranking {
    pub region: String,
    pub name: String,
    pub level: String,
    pub period: String,
    /// Whose rules scored it ('' the deployment's base).
    pub rules_owner: String,
    pub scale: f64,
    pub min_volume: u32,
    pub weights: Vec<tongchou_domain::assess::rules::ScoreWeight>,
    pub groups: Vec<PeerGroup>,
}

/// One recorded follow-up step of a warning.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct FollowUpRecord {
    #[serde(skip)]
    pub warning_id: i64,
    /// The state the step led to: `talk_held`, `plan_filed` or `closed`.
    pub step: String,
    pub at: i64,
    pub actor: String,
    pub note: String,
}

/// A red/yellow/blue warning with its follow-up so far.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct WarningRow {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    #[sqlx(rename = "name")]
    pub region_name: String,
    pub period: String,
    /// `blue` (提醒谈话), `yellow` (警示谈话) or `red` (问责).
    pub color: String,
    /// Consecutive bad months up to this one.
    pub run: i64,
    /// Out of the rules' full marks; `None` when nothing could be scored.
    pub score: Option<f64>,
    /// The indicators behind it, comma-separated: the weakest when the score fell below the line,
    /// and any past its threshold.
    pub causes: String,
    /// The region's leaders when it was issued.
    pub responsible: String,
    /// `issued`, `talk_held`, `plan_filed` or `closed`.
    pub state: String,
    pub issued_at: i64,
    pub updated_at: i64,
    #[sqlx(skip)]
    pub steps: Vec<FollowUpRecord>,
}

/// What issuing a month's warnings did.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedWarnings {
    pub month: String,
    /// Counties, townships and villages judged.
    pub regions: u64,
    /// New warnings (a region already warned for the month keeps its warning).
    pub issued: u64,
}
