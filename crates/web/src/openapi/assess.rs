//! Assessment: dashboards of indicator values read from the live counts, peer rankings,
//! red/yellow/blue warnings with their follow-up, and the rules behind them.

use super::{Op, op};

pub const OPS: &[Op] = &[
    op(
        "get",
        "/api/v1/assess/dashboard",
        "assess",
        "A region's dashboard for a period (the caller's own region and this month when none are named): every built-in indicator with its formula and definition, the period before, the year before and the urban–rural split, and the children's values",
        &["region", "period"],
        None,
        "Dashboard",
    ),
    op(
        "get",
        "/api/v1/assess/ranking",
        "assess",
        "The regions of one level under a region (its children when no level is named), ranked in peer groups by the composite score with the minimum-volume rule, each with the indicator that cost it the most points, its rank in the months before and its warning",
        &["region", "level", "period"],
        None,
        "Ranking",
    ),
    op(
        "get",
        "/api/v1/assess/rules",
        "assess",
        "The assessment rules that apply at a region (weights, full marks, peer groups, minimum volume, warning line and thresholds, the red/yellow/blue rule, the hotspot rule, region groups) and whose they are",
        &["region"],
        None,
        "RulesAt",
    ),
    op(
        "put",
        "/api/v1/assess/rules",
        "assess",
        "Write the caller's own assessment rules (admin): the top administrator's are the base, any other administrator's apply in their territory",
        &[],
        Some("AssessRules"),
        "RulesAt",
    ),
    op(
        "get",
        "/api/v1/assess/warnings",
        "assess",
        "Red/yellow/blue warnings inside a region (of one month, or all), each with its causes, responsible leaders and follow-up steps",
        &["region", "period"],
        None,
        "WarningRowList",
    ),
    op(
        "post",
        "/api/v1/assess/warnings/{id}/steps",
        "assess",
        "Record a warning's next follow-up step: the talk and the closing by the level above, the rectification plan by the region or the level above",
        &[],
        Some("FollowUpInput"),
        "WarningRow",
    ),
];
