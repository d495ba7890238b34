//! Case routing (SPEC §3): rules are data (小类 × region-code prefix → unit); the most specific
//! (longest) matching prefix wins; without a rule the case goes to its territory (属地): the
//! village committee, then the township, and finally the county dispatcher (兜底).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub subcategory: String,
    /// Significant digits of a region code (2, 4, 6, 9 or 12); "" matches everywhere.
    pub region_prefix: String,
    pub unit_id: i64,
}

/// The territorial units of the case's place, from the bottom up. Any may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Territory {
    pub village_committee: Option<i64>,
    pub township_unit: Option<i64>,
    pub county_dispatch: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Route {
    Rule {
        unit_id: i64,
        prefix_len: usize,
    },
    Village {
        unit_id: i64,
    },
    Township {
        unit_id: i64,
    },
    County {
        unit_id: i64,
    },
    /// Nobody to send it to: the dispatcher must choose.
    Unrouted,
}

impl Route {
    pub fn unit_id(self) -> Option<i64> {
        match self {
            Route::Rule { unit_id, .. }
            | Route::Village { unit_id }
            | Route::Township { unit_id }
            | Route::County { unit_id } => Some(unit_id),
            Route::Unrouted => None,
        }
    }
}

pub fn route(rules: &[Rule], subcategory: &str, region_code: &str, territory: Territory) -> Route {
    let best = rules
        .iter()
        .filter(|r| r.subcategory == subcategory && region_code.starts_with(&r.region_prefix))
        .max_by_key(|r| r.region_prefix.len());
    if let Some(r) = best {
        return Route::Rule {
            unit_id: r.unit_id,
            prefix_len: r.region_prefix.len(),
        };
    }
    match territory {
        Territory {
            village_committee: Some(unit_id),
            ..
        } => Route::Village { unit_id },
        Territory {
            township_unit: Some(unit_id),
            ..
        } => Route::Township { unit_id },
        Territory {
            county_dispatch: Some(unit_id),
            ..
        } => Route::County { unit_id },
        _ => Route::Unrouted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(sub: &str, prefix: &str, unit: i64) -> Rule {
        Rule {
            subcategory: sub.into(),
            region_prefix: prefix.into(),
            unit_id: unit,
        }
    }

    #[test]
    fn most_specific_prefix_wins() {
        let rules = vec![
            rule("道路破损", "3207", 1),      // city 住建局
            rule("道路破损", "320722", 2),    // county 住建局
            rule("道路破损", "320722101", 3), // town
            rule("噪音扰民", "320722", 4),
            rule("道路破损", "320723", 5),
        ];
        let t = Territory {
            village_committee: Some(10),
            township_unit: Some(20),
            county_dispatch: Some(30),
        };
        assert_eq!(
            route(&rules, "道路破损", "320722101200", t),
            Route::Rule {
                unit_id: 3,
                prefix_len: 9
            }
        );
        assert_eq!(
            route(&rules, "道路破损", "320722103200", t),
            Route::Rule {
                unit_id: 2,
                prefix_len: 6
            }
        );
        assert_eq!(
            route(&rules, "道路破损", "320706006001", t),
            Route::Rule {
                unit_id: 1,
                prefix_len: 4
            }
        );
        // The order of the rules does not matter.
        let mut reversed = rules.clone();
        reversed.reverse();
        assert_eq!(
            route(&reversed, "道路破损", "320722101200", t).unit_id(),
            Some(3)
        );
    }

    #[test]
    fn territorial_fallback_then_county() {
        let rules = vec![rule("噪音扰民", "320722", 4)];
        let full = Territory {
            village_committee: Some(10),
            township_unit: Some(20),
            county_dispatch: Some(30),
        };
        assert_eq!(
            route(&rules, "邻里纠纷", "320722101200", full),
            Route::Village { unit_id: 10 }
        );
        let no_village = Territory {
            village_committee: None,
            ..full
        };
        assert_eq!(
            route(&rules, "邻里纠纷", "320722101200", no_village),
            Route::Township { unit_id: 20 }
        );
        let county_only = Territory {
            county_dispatch: Some(30),
            ..Territory::default()
        };
        assert_eq!(
            route(&rules, "邻里纠纷", "320722101200", county_only),
            Route::County { unit_id: 30 }
        );
        assert_eq!(
            route(&rules, "邻里纠纷", "320722101200", Territory::default()),
            Route::Unrouted
        );
        assert_eq!(
            route(&rules, "噪音扰民", "320723001001", full),
            Route::Village { unit_id: 10 },
            "rule of another county"
        );
    }
}
