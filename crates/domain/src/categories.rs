//! The default case taxonomy (SPEC §3): 大类 of city management and social governance, each with
//! 小类 that carry a priority, a handling limit, whether they are disputes and whether they climb
//! the ladder automatically when overdue. Administrators edit the stored copy; this is the seed.
//!
//! Reference limits (Beijing 接诉即办): emergencies get feedback within 2 hours; water, power, gas
//! and heating within 24 hours; general matters 7 days; complex ones 15 days.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    Urgent,
    Emergency,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Normal, Priority::Urgent, Priority::Emergency];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Urgent => "urgent",
            Priority::Emergency => "emergency",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Limit {
    WorkingHours(u32),
    WorkingDays(u32),
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Subcategory {
    pub code: &'static str,
    pub name: &'static str,
    pub priority: Priority,
    pub handle_limit: Limit,
    pub dispute: bool,
    pub auto_escalate: bool,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Category {
    pub code: &'static str,
    pub name: &'static str,
    /// `city` (数字城管 city management) or `social` (社会治理 social governance).
    pub domain: &'static str,
    pub subcategories: &'static [Subcategory],
}

const fn sub(
    code: &'static str,
    name: &'static str,
    priority: Priority,
    handle_limit: Limit,
) -> Subcategory {
    Subcategory {
        code,
        name,
        priority,
        handle_limit,
        dispute: false,
        auto_escalate: true,
    }
}

const fn dispute(code: &'static str, name: &'static str, handle_limit: Limit) -> Subcategory {
    Subcategory {
        code,
        name,
        priority: Priority::Normal,
        handle_limit,
        dispute: true,
        auto_escalate: true,
    }
}

use Limit::{WorkingDays as D, WorkingHours as H};
use Priority::{Emergency as E, Normal as N, Urgent as U};

pub const DEFAULT: &[Category] = &[
    Category {
        code: "01",
        name: "市容环境",
        domain: "city",
        subcategories: &[
            sub("0101", "暴露垃圾", N, D(1)),
            sub("0102", "积存垃圾渣土", N, D(2)),
            sub("0103", "道路不洁", N, D(1)),
            sub("0104", "违章接坡", N, D(7)),
        ],
    },
    Category {
        code: "02",
        name: "宣传广告",
        domain: "city",
        subcategories: &[
            sub("0201", "非法小广告", N, D(2)),
            sub("0202", "违规户外广告", N, D(7)),
        ],
    },
    Category {
        code: "03",
        name: "施工管理",
        domain: "city",
        subcategories: &[
            sub("0301", "施工扰民", U, H(24)),
            sub("0302", "工地扬尘", N, D(2)),
            sub("0303", "道路遗撒", U, H(24)),
        ],
    },
    Category {
        code: "04",
        name: "街面秩序",
        domain: "city",
        subcategories: &[
            sub("0401", "占道经营", N, D(2)),
            sub("0402", "无照经营游商", N, D(2)),
            sub("0403", "乱堆物料", N, D(3)),
        ],
    },
    Category {
        code: "05",
        name: "突发事件",
        domain: "city",
        subcategories: &[
            sub("0501", "路面塌陷", E, H(2)),
            sub("0502", "自来水管破裂", E, H(2)),
            sub("0503", "燃气泄漏", E, H(2)),
        ],
    },
    Category {
        code: "06",
        name: "公用设施",
        domain: "city",
        subcategories: &[
            sub("0601", "井盖缺损", U, H(24)),
            sub("0602", "路灯不亮", N, D(3)),
            sub("0603", "停水停电停气", U, H(24)),
        ],
    },
    Category {
        code: "07",
        name: "道路交通",
        domain: "city",
        subcategories: &[
            sub("0701", "道路破损", N, D(7)),
            sub("0702", "交通设施损坏", U, H(24)),
            sub("0703", "乱停车", N, D(1)),
        ],
    },
    Category {
        code: "08",
        name: "园林绿化",
        domain: "city",
        subcategories: &[
            sub("0801", "树木倒伏", U, H(24)),
            sub("0802", "绿地脏乱", N, D(3)),
        ],
    },
    Category {
        code: "09",
        name: "矛盾纠纷",
        domain: "social",
        subcategories: &[
            dispute("0901", "邻里纠纷", D(7)),
            dispute("0902", "婚姻家庭纠纷", D(15)),
            dispute("0903", "土地山林纠纷", D(15)),
            dispute("0904", "劳资纠纷", D(15)),
            dispute("0905", "物业纠纷", D(7)),
        ],
    },
    Category {
        code: "10",
        name: "安全隐患",
        domain: "social",
        subcategories: &[
            sub("1001", "消防隐患", U, H(24)),
            sub("1002", "危房险情", E, H(2)),
            sub("1003", "食品安全", U, H(24)),
        ],
    },
    Category {
        code: "11",
        name: "社会治安",
        domain: "social",
        subcategories: &[
            sub("1101", "治安隐患", U, H(24)),
            sub("1102", "可疑人员", U, H(24)),
        ],
    },
    Category {
        code: "12",
        name: "民生服务",
        domain: "social",
        subcategories: &[
            sub("1201", "困难群众救助", N, D(7)),
            sub("1202", "养老服务", N, D(7)),
            sub("1203", "教育就医", N, D(15)),
        ],
    },
    Category {
        code: "13",
        name: "劳动保障",
        domain: "social",
        subcategories: &[
            sub("1301", "拖欠工资", U, D(7)),
            sub("1302", "社保医保", N, D(7)),
        ],
    },
    Category {
        code: "14",
        name: "政策咨询",
        domain: "social",
        subcategories: &[
            Subcategory {
                auto_escalate: false,
                ..sub("1401", "政策咨询", N, D(3))
            },
            Subcategory {
                auto_escalate: false,
                ..sub("1402", "办事指引", N, D(1))
            },
        ],
    },
    Category {
        code: "15",
        name: "环境保护",
        domain: "social",
        subcategories: &[
            sub("1501", "噪音扰民", N, D(2)),
            sub("1502", "污水排放", U, H(24)),
            sub("1503", "秸秆焚烧", E, H(2)),
        ],
    },
    Category {
        code: "16",
        name: "农业农村",
        domain: "social",
        subcategories: &[
            sub("1601", "农田水利", N, D(15)),
            sub("1602", "农村人居环境", N, D(7)),
            sub("1603", "农资农技", N, D(7)),
        ],
    },
];

/// A case number as the API reads it, or nothing.
pub const CASE_NUMBER_OR_BLANK_PATTERN: &str = "^$|^[0-9]{6}-[0-9]{8}-[0-9]{6}$";

/// A case number a person can read over the phone: county, date, daily sequence —
/// `320722-20261122-000123`.
pub fn case_number(county: &str, yyyymmdd: &str, seq: u32) -> String {
    format!("{county}-{yyyymmdd}-{seq:06}")
}

/// Parses a case number back into (county, date, sequence).
pub fn parse_case_number(s: &str) -> Option<(&str, &str, u32)> {
    let mut parts = s.trim().split('-');
    let (county, date, seq) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(county, 6) || !digits(date, 8) || !digits(seq, 6) {
        return None;
    }
    Some((county, date, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_seed_covers_both_domains_with_unique_codes() {
        let names: Vec<&str> = DEFAULT.iter().map(|c| c.name).collect();
        for n in [
            "市容环境",
            "宣传广告",
            "施工管理",
            "街面秩序",
            "突发事件",
            "公用设施",
            "道路交通",
            "园林绿化",
            "矛盾纠纷",
            "安全隐患",
            "社会治安",
            "民生服务",
            "劳动保障",
            "政策咨询",
            "环境保护",
            "农业农村",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        let mut codes = HashSet::new();
        for c in DEFAULT {
            assert!(codes.insert(c.code));
            assert!(!c.subcategories.is_empty());
            for s in c.subcategories {
                assert!(codes.insert(s.code), "{}", s.code);
                assert!(s.code.starts_with(c.code));
                if s.priority == Priority::Emergency {
                    assert_eq!(s.handle_limit, Limit::WorkingHours(2), "{}", s.name);
                }
            }
        }
        assert!(
            DEFAULT
                .iter()
                .flat_map(|c| c.subcategories)
                .any(|s| s.dispute)
        );
    }

    #[test]
    fn case_numbers() {
        let n = case_number("320722", "20261122", 123);
        assert_eq!(n, "320722-20261122-000123");
        assert_eq!(parse_case_number(&n), Some(("320722", "20261122", 123)));
        assert_eq!(
            parse_case_number(" 320722-20261122-000123 "),
            Some(("320722", "20261122", 123))
        );
        for bad in [
            "",
            "320722-20261122",
            "32072-20261122-000123",
            "320722-20261122-00012a",
            "320722-20261122-000123-1",
        ] {
            assert_eq!(parse_case_number(bad), None, "{bad}");
        }
    }
}
