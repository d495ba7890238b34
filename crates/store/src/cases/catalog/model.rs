//! Catalog types: categories, routing rules, calendar days.

use crate::prelude::*;

/// A 大类 (no parent) or 小类 as stored; administrators edit it.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, PartialEq, schemars::JsonSchema)]
pub struct CategoryRow {
    pub code: String,
    pub parent_code: Option<String>,
    #[schemars(length(max = 30), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub name: String,
    #[schemars(extend("enum" = ["", "city", "social"]))]
    pub domain: String,
    #[schemars(extend("enum" = ["normal", "urgent", "emergency"]))]
    pub priority: String,
    #[schemars(extend("enum" = ["working_hours", "working_days"]))]
    pub limit_unit: String,
    #[schemars(range(min = 1, max = 720))]
    pub limit_value: i32,
    pub dispute: bool,
    pub auto_escalate: bool,
    pub active: bool,
    /// The 小类's own limits for dispatching, signing and verifying, in working hours.
    #[serde(default)]
    #[schemars(range(min = 1, max = 720))]
    pub dispatch_hours: Option<i32>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 720))]
    pub sign_hours: Option<i32>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 720))]
    pub verify_hours: Option<i32>,
    /// Who owns this version: empty for the deployment's base catalog, else the 12-digit code of
    /// the region whose own version it is (it applies in that region's subtree).
    #[serde(default)]
    pub owner_code: String,
}

/// The stored copy of the default taxonomy (`tongchou_domain::categories::DEFAULT`).
pub fn default_categories() -> Vec<CategoryRow> {
    let mut out = Vec::new();
    for c in tongchou_domain::categories::DEFAULT {
        out.push(CategoryRow {
            owner_code: String::new(),
            code: c.code.into(),
            parent_code: None,
            name: c.name.into(),
            domain: c.domain.into(),
            priority: "normal".into(),
            limit_unit: "working_days".into(),
            limit_value: 7,
            dispute: false,
            auto_escalate: true,
            active: true,
            dispatch_hours: None,
            sign_hours: None,
            verify_hours: None,
        });
        for s in c.subcategories {
            let (unit, value) = match s.handle_limit {
                Limit::WorkingHours(h) => ("working_hours", h),
                Limit::WorkingDays(d) => ("working_days", d),
            };
            out.push(CategoryRow {
                owner_code: String::new(),
                code: s.code.into(),
                parent_code: Some(c.code.into()),
                name: s.name.into(),
                domain: c.domain.into(),
                priority: s.priority.as_str().into(),
                limit_unit: unit.into(),
                limit_value: value as i32,
                dispute: s.dispute,
                auto_escalate: s.auto_escalate,
                active: true,
                dispatch_hours: None,
                sign_hours: None,
                verify_hours: None,
            });
        }
    }
    out
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct RuleInput {
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub subcategory: String,
    #[serde(default)]
    #[schemars(length(min = 1), pattern(tongchou_domain::region::CODE_PATTERN))]
    pub region_prefix: String,
    #[schemars(with = "crate::IdIn")]
    #[serde(with = "id_str")]
    pub unit_id: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct RuleRow {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub subcategory: String,
    pub region_prefix: String,
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub unit_id: i64,
    pub unit_name: Option<String>,
}

/// A calendar exception: (`YYYY-MM-DD`, `holiday` | `workday`).
pub type CalendarDay = (String, String);

/// Reads a year's calendar CSV (`date,kind`): every bad line is reported with its number, and
/// every date must fall in `year`. Returns `(YYYY-MM-DD, holiday|workday)` rows, sorted.
pub fn parse_calendar(year: i32, text: &str) -> Result<Vec<CalendarDay>, Vec<(usize, Invalid)>> {
    let mut errors = match tongchou_domain::calendar::Calendar::parse_csv(text) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    let prefix = format!("{year:04}-");
    for (i, line) in text.lines().enumerate() {
        let date = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches('\u{feff}');
        if day_of(date).is_some() && !date.starts_with(&prefix) {
            errors.push((
                i + 1,
                Invalid::new(
                    "date",
                    "wrong_year",
                    format!("日期不在 {year} 年内"),
                    format!("is not in {year}"),
                ),
            ));
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.0);
        return Err(errors);
    }
    let cal = tongchou_domain::calendar::Calendar::parse_csv(text)?;
    let mut rows = Vec::new();
    for (days, kind) in [(&cal.holidays, "holiday"), (&cal.workdays, "workday")] {
        for &d in days {
            let (y, m, dd) = tongchou_domain::date::civil_from_days(d);
            rows.push((format!("{y:04}-{m:02}-{dd:02}"), kind.to_string()));
        }
    }
    rows.sort();
    Ok(rows)
}

impl CategoryRow {
    pub fn stage_limits(&self) -> tongchou_domain::cases::StageLimits {
        let h = |v: Option<i32>| v.filter(|v| *v > 0).map(|v| v as u32);
        tongchou_domain::cases::StageLimits {
            dispatch_hours: h(self.dispatch_hours),
            sign_hours: h(self.sign_hours),
            handle: self.handle_limit(),
            verify_hours: h(self.verify_hours),
        }
    }

    pub fn handle_limit(&self) -> Limit {
        let v = self.limit_value.max(1) as u32;
        if self.limit_unit == "working_hours" {
            Limit::WorkingHours(v)
        } else {
            Limit::WorkingDays(v)
        }
    }

    pub fn priority(&self) -> Priority {
        Priority::parse(&self.priority).unwrap_or(Priority::Normal)
    }

    /// Checks an edited or new row: two digits for a 大类, four starting with the parent's two
    /// for a 小类; limits of 1–720 working hours or 1–60 working days.
    pub fn validate(mut self) -> Result<CategoryRow, Invalid> {
        let digits = self.code.bytes().all(|b| b.is_ascii_digit());
        let parent_ok = match (self.code.len(), self.parent_code.as_deref()) {
            (2, None) => true,
            (4, Some(p)) => p.len() == 2 && self.code.starts_with(p),
            _ => false,
        };
        if !digits || !parent_ok {
            return Err(Invalid::new(
                "code",
                "invalid_category_code",
                "大类为两位数字，小类为四位数字且以所属大类开头",
                "a 大类 has two digits; a 小类 has four, starting with its parent's two",
            ));
        }
        self.name = tongchou_domain::error::required_text("name", &self.name, 30)?;
        if !matches!(self.domain.as_str(), "" | "city" | "social") {
            return Err(Invalid::new(
                "domain",
                "invalid_domain",
                "应为 city 或 social",
                "must be city or social",
            ));
        }
        if Priority::parse(&self.priority).is_none() {
            return Err(Invalid::new(
                "priority",
                "invalid_priority",
                "应为 normal/urgent/emergency 之一",
                "must be one of normal, urgent, emergency",
            ));
        }
        let max = match self.limit_unit.as_str() {
            "working_hours" => 720,
            "working_days" => 60,
            _ => {
                return Err(Invalid::new(
                    "limit_unit",
                    "invalid_limit_unit",
                    "应为 working_hours 或 working_days",
                    "must be working_hours or working_days",
                ));
            }
        };
        for (field, v) in [
            ("dispatch_hours", self.dispatch_hours),
            ("sign_hours", self.sign_hours),
            ("verify_hours", self.verify_hours),
        ] {
            if v.is_some_and(|v| !(1..=720).contains(&v)) {
                return Err(Invalid::new(
                    field,
                    "out_of_range",
                    "应在 1 到 720 之间",
                    "must be between 1 and 720",
                ));
            }
        }
        if !(1..=max).contains(&self.limit_value) {
            return Err(Invalid::new(
                "limit_value",
                "out_of_range",
                format!("应在 1 到 {max} 之间"),
                format!("must be between 1 and {max}"),
            ));
        }
        Ok(self)
    }
}
