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
