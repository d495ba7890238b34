//! Assessment (SPEC §7, issue 9): indicators as numerator / denominator × factor over counted
//! facts. The facts are what the case loop, the registry and the visits count as they happen;
//! an indicator only names them (`expr`), so an administrator can define a new one without SQL,
//! and later areas (services, party building, pairing) add facts and indicators of their own.

pub mod count;
pub mod expr;
pub mod hotspot;
pub mod period;
pub mod rank;
pub mod rules;

pub use expr::Expr;

/// Whether a higher value is better (响应率) or a lower one (超期率).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Higher,
    Lower,
}

/// A counted fact: its name (as expressions write it) and what it counts.
pub struct Fact {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn fact(name: &'static str, zh: &'static str, en: &'static str) -> Fact {
    Fact { name, zh, en }
}

/// The facts the case loop and the grids count. Counted in the period of the event that causes
/// them; `overdue_open` is the one state count (open and past the deadline at the period's end).
pub const FACTS: &[Fact] = &[
    fact(
        "reported",
        "上报件数（含后来合并的重复件）",
        "cases reported (duplicates merged later included)",
    ),
    fact(
        "merged",
        "作为重复件合并的件数",
        "cases merged into another as duplicates",
    ),
    fact("accepted", "立案件数", "cases accepted"),
    fact(
        "accepted_in_time",
        "在受理时限内立案的件数",
        "cases accepted within the acceptance limit",
    ),
    fact("rejected", "不予立案件数", "cases rejected"),
    fact(
        "dispatched",
        "派遣件数（每件首次派遣计一次）",
        "cases dispatched (the first dispatch of each)",
    ),
    fact(
        "signed_in_time",
        "在响应时限内签收的件数",
        "cases signed for within the response limit",
    ),
    fact(
        "returned",
        "被处置单位回退的件数",
        "dispatches returned by the unit",
    ),
    fact("handled", "处置完毕上报的件数", "cases reported handled"),
    fact(
        "handled_on_time",
        "在处置时限内上报处置完毕的件数",
        "cases reported handled within the handling limit",
    ),
    fact(
        "reworked",
        "核查不通过返工的次数",
        "verifications failed (rework)",
    ),
    fact("closed", "结案件数", "cases closed"),
    fact(
        "closed_on_time",
        "按期结案的件数",
        "cases closed by their deadline",
    ),
    fact(
        "closed_reworked",
        "经过返工才结案的件数",
        "cases closed only after rework",
    ),
    fact(
        "closed_village",
        "在村（社区）级办结的件数",
        "cases closed at village level",
    ),
    fact(
        "closed_township",
        "在乡镇（街道）级办结的件数",
        "cases closed at township level",
    ),
    fact(
        "overdue",
        "本期超期的件数",
        "cases that went past their deadline",
    ),
    fact(
        "overdue_open",
        "期末仍未结案且已超期的件数",
        "cases open and past their deadline at the period's end",
    ),
    fact(
        "reopened",
        "重新打开的件数（再次计为应结案）",
        "cases reopened (due for closure again)",
    ),
    fact("rated", "已评价件数", "cases rated"),
    fact(
        "very_satisfied",
        "评价“非常满意”的件数",
        "rated very satisfied",
    ),
    fact("satisfied", "评价“满意”的件数", "rated satisfied"),
    fact(
        "basically_satisfied",
        "评价“基本满意”的件数",
        "rated basically satisfied",
    ),
    fact("dissatisfied", "评价“不满意”的件数", "rated dissatisfied"),
    fact(
        "very_dissatisfied",
        "评价“非常不满意”的件数",
        "rated very dissatisfied",
    ),
    fact(
        "mediations",
        "调解结束的纠纷件数",
        "disputes whose mediation ended",
    ),
    fact(
        "mediation_success",
        "调解成功的纠纷件数",
        "disputes mediated successfully",
    ),
    fact("supervised", "督办件数", "cases supervised (督办)"),
    fact(
        "supervised_on_time",
        "在督办期限内办结的督办件数",
        "supervised cases closed by the supervision deadline",
    ),
    fact(
        "households",
        "登记住户数（期末）",
        "households registered (at the period's end)",
    ),
    fact(
        "persons",
        "登记人数（期末）",
        "persons registered (at the period's end)",
    ),
    fact("grids", "网格数（期末）", "grids (at the period's end)"),
    fact(
        "grids_in_rule",
        "规模符合要求的网格数",
        "grids within the size rule",
    ),
    fact("visits", "走访次数", "household visits"),
    fact(
        "tagged_households",
        "重点户数（老人、留守儿童等，期末）",
        "tagged households (elderly, left-behind children…)",
    ),
    fact(
        "tagged_visited_in_time",
        "在走访周期内走访到的重点户数",
        "tagged households visited within their interval",
    ),
];

/// Whether `name` is a counted fact.
pub fn is_fact(name: &str) -> bool {
    FACTS.iter().any(|f| f.name == name)
}

/// A built-in indicator's definition, as written: parsed and checked by `Indicator::parse`.
pub struct BuiltIn {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub factor: f64,
    pub direction: Direction,
    pub unit: &'static str,
    pub definition_zh: &'static str,
    pub definition_en: &'static str,
}

/// The built-in indicators (issue 9 §2), with their formulas exactly as evaluated.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        code: "response_rate",
        zh: "响应率",
        en: "Response rate",
        numerator: "signed_in_time",
        denominator: "dispatched",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "在响应时限内签收的件数 ÷ 派遣件数",
        definition_en: "cases signed for within the response limit ÷ cases dispatched",
    },
    BuiltIn {
        code: "accept_on_time_rate",
        zh: "按时立案率",
        en: "On-time acceptance",
        numerator: "accepted_in_time",
        denominator: "accepted",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "在受理时限内立案的件数 ÷ 立案件数",
        definition_en: "cases accepted within the limit ÷ cases accepted",
    },
    BuiltIn {
        code: "dispatch_accuracy",
        zh: "准确派遣率",
        en: "Dispatch accuracy",
        numerator: "dispatched - returned",
        denominator: "dispatched",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "（派遣件数 − 被回退件数）÷ 派遣件数",
        definition_en: "(cases dispatched − dispatches returned) ÷ cases dispatched",
    },
    BuiltIn {
        code: "resolution_rate",
        zh: "解决率",
        en: "Resolution rate",
        numerator: "closed - closed_reworked",
        denominator: "closed",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "（结案件数 − 经返工才结案的件数）÷ 结案件数",
        definition_en: "(cases closed − closed only after rework) ÷ cases closed",
    },
    BuiltIn {
        code: "closure_rate",
        zh: "结案率",
        en: "Closure rate",
        numerator: "closed",
        denominator: "closed + overdue_open",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "结案件数 ÷ 应结案件数（应结案 = 结案 + 期末超期未结）",
        definition_en: "cases closed ÷ cases due for closure (closed + open and overdue at the period's end)",
    },
    BuiltIn {
        code: "closure_on_time_rate",
        zh: "按期结案率",
        en: "On-time closure",
        numerator: "closed_on_time",
        denominator: "closed + overdue_open",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "按期结案件数 ÷ 应结案件数",
        definition_en: "cases closed by their deadline ÷ cases due for closure",
    },
    BuiltIn {
        code: "handling_on_time_rate",
        zh: "按期处置率",
        en: "On-time handling",
        numerator: "handled_on_time",
        denominator: "handled",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "在处置时限内处置完毕的件数 ÷ 处置完毕的件数",
        definition_en: "cases handled within the limit ÷ cases handled",
    },
    BuiltIn {
        code: "rework_rate",
        zh: "返工率",
        en: "Rework rate",
        numerator: "reworked",
        denominator: "dispatched",
        factor: 100.0,
        direction: Direction::Lower,
        unit: "%",
        definition_zh: "核查不通过返工次数 ÷ 派遣件数",
        definition_en: "verifications failed ÷ cases dispatched",
    },
    BuiltIn {
        code: "overdue_rate",
        zh: "超期率",
        en: "Overdue rate",
        numerator: "overdue",
        denominator: "dispatched",
        factor: 100.0,
        direction: Direction::Lower,
        unit: "%",
        definition_zh: "本期超期件数 ÷ 派遣件数",
        definition_en: "cases that went overdue ÷ cases dispatched",
    },
    BuiltIn {
        code: "satisfaction_rate",
        zh: "满意率",
        en: "Satisfaction",
        numerator: "very_satisfied + satisfied",
        denominator: "rated",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "（非常满意 + 满意）÷ 已评价件数",
        definition_en: "(very satisfied + satisfied) ÷ cases rated",
    },
    BuiltIn {
        code: "reply_rate",
        zh: "办复率",
        en: "Reply rate",
        numerator: "closed + rejected",
        denominator: "reported - merged",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "（结案 + 不予立案）÷（上报 − 合并的重复件）",
        definition_en: "(closed + rejected) ÷ (reported − merged duplicates)",
    },
    BuiltIn {
        code: "village_resolution_rate",
        zh: "村级化解率",
        en: "Resolved in the village",
        numerator: "closed_village",
        denominator: "closed",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "在村（社区）级办结的件数 ÷ 结案件数",
        definition_en: "cases closed at village level ÷ cases closed",
    },
    BuiltIn {
        code: "township_resolution_rate",
        zh: "镇级化解率",
        en: "Resolved by the township",
        numerator: "closed_village + closed_township",
        denominator: "closed",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "在村级或乡镇级办结的件数 ÷ 结案件数",
        definition_en: "cases closed at village or township level ÷ cases closed",
    },
    BuiltIn {
        code: "mediation_success_rate",
        zh: "调解成功率",
        en: "Mediation success",
        numerator: "mediation_success",
        denominator: "mediations",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "调解成功件数 ÷ 调解结束件数",
        definition_en: "disputes mediated successfully ÷ disputes whose mediation ended",
    },
    BuiltIn {
        code: "supervised_on_time_rate",
        zh: "督办按期办结率",
        en: "Supervised, closed on time",
        numerator: "supervised_on_time",
        denominator: "supervised",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "督办期限内办结的督办件数 ÷ 督办件数",
        definition_en: "supervised cases closed by the deadline ÷ cases supervised",
    },
    BuiltIn {
        code: "visits_per_household",
        zh: "户均走访次数",
        en: "Visits per household",
        numerator: "visits",
        denominator: "households",
        factor: 1.0,
        direction: Direction::Higher,
        unit: "次",
        definition_zh: "走访次数 ÷ 登记住户数",
        definition_en: "household visits ÷ households registered",
    },
    BuiltIn {
        code: "tagged_visit_rate",
        zh: "重点户按期走访率",
        en: "Tagged households visited in time",
        numerator: "tagged_visited_in_time",
        denominator: "tagged_households",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "在走访周期内走访到的重点户 ÷ 重点户数",
        definition_en: "tagged households visited within their interval ÷ tagged households",
    },
    BuiltIn {
        code: "grid_size_rate",
        zh: "网格规模达标率",
        en: "Grids within the size rule",
        numerator: "grids_in_rule",
        denominator: "grids",
        factor: 100.0,
        direction: Direction::Higher,
        unit: "%",
        definition_zh: "规模符合要求的网格数 ÷ 网格数",
        definition_en: "grids within the size rule ÷ grids",
    },
];

/// An indicator with its expressions parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub numerator: Expr,
    pub denominator: Expr,
    pub factor: f64,
    pub direction: Direction,
}

impl Indicator {
    /// Checks both expressions against the facts (each fault names `numerator` or `denominator`)
    /// and the factor.
    pub fn parse(
        numerator: &str,
        denominator: &str,
        factor: f64,
        direction: Direction,
    ) -> Result<Indicator, crate::Invalid> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(crate::Invalid::new(
                "factor",
                "invalid_value",
                "应为正数",
                "must be a positive number",
            ));
        }
        Ok(Indicator {
            numerator: expr::parse("numerator", numerator, is_fact)?,
            denominator: expr::parse("denominator", denominator, is_fact)?,
            factor,
            direction,
        })
    }

    /// The value from the facts' counts: `None` when the denominator is not positive (nothing to
    /// measure yet), never a division by zero.
    pub fn value(&self, count: impl Fn(&str) -> f64) -> Option<f64> {
        let d = self.denominator.eval(&count);
        (d > 0.0).then(|| self.numerator.eval(&count) / d * self.factor)
    }
}

impl BuiltIn {
    pub fn indicator(&self) -> Indicator {
        Indicator::parse(
            self.numerator,
            self.denominator,
            self.factor,
            self.direction,
        )
        .unwrap_or_else(|e| panic!("built-in {}: {}", self.code, e.message()))
    }
}

#[cfg(test)]
mod tests;
