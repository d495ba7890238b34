//! National 12-digit statistical division codes (统计用区划代码) and scopes as code ranges.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Village,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Township,
        Level::Village,
    ];

    /// Number of significant leading digits of a code at this level.
    pub fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn child(self) -> Option<Level> {
        match self {
            Level::Province => Some(Level::City),
            Level::City => Some(Level::County),
            Level::County => Some(Level::Township),
            Level::Township => Some(Level::Village),
            Level::Village => None,
        }
    }

    pub fn parent(self) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.child() == Some(self))
    }

    pub fn zh(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县/区",
            Level::Township => "乡镇/街道",
            Level::Village => "村/社区",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrbanRural {
    Urban,
    Rural,
}

impl UrbanRural {
    pub fn as_str(self) -> &'static str {
        match self {
            UrbanRural::Urban => "urban",
            UrbanRural::Rural => "rural",
        }
    }

    pub fn parse(s: &str) -> Option<UrbanRural> {
        match s {
            "urban" => Some(UrbanRural::Urban),
            "rural" => Some(UrbanRural::Rural),
            _ => None,
        }
    }

    /// Classification of a unit from its code and name.
    ///
    /// Village level: code suffix 001–199 is a residents' committee (urban), 200–399 a villagers'
    /// committee (rural); other suffixes (farms, special zones) fall back to the name.
    /// Township level: 街道 is urban, 镇/乡 rural. County level: 区 is urban, 县/旗 rural.
    /// Provinces and cities are neither.
    pub fn classify(code: &RegionCode, name: &str) -> Option<UrbanRural> {
        let by_name = || {
            if name.contains("居委会") || name.contains("社区") || name.ends_with("街道") {
                Some(UrbanRural::Urban)
            } else if name.contains("村") || name.ends_with('镇') || name.ends_with('乡') {
                Some(UrbanRural::Rural)
            } else {
                None
            }
        };
        match code.level() {
            Level::Village => {
                let suffix: u32 = code.0[9..].parse().unwrap_or(0);
                match suffix {
                    1..=199 => Some(UrbanRural::Urban),
                    200..=399 => Some(UrbanRural::Rural),
                    _ => by_name(),
                }
            }
            Level::Township => by_name(),
            Level::County => {
                if name.ends_with('区') {
                    Some(UrbanRural::Urban)
                } else if name.ends_with('县') || name.ends_with('旗') {
                    Some(UrbanRural::Rural)
                } else {
                    None
                }
            }
            Level::Province | Level::City => None,
        }
    }
}

/// A region code normalised to 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl TryFrom<String> for RegionCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad_code(field: &str, en: &str, zh: &str) -> Invalid {
    Invalid::new(field, "invalid_region_code", zh, en)
}

/// What `RegionCode::parse` accepts, as a JSON-Schema pattern: 2, 4, 6, 9 or 12 digits, not
/// starting with 00, the last group of a short code not all zeros.
pub const CODE_PATTERN: &str = "^(?!00)(?:[0-9]{2}|[0-9]{2}(?!00)[0-9]{2}|[0-9]{4}(?!00)[0-9]{2}|[0-9]{6}(?!000)[0-9]{3}|[0-9]{12})$";

/// `CODE_PATTERN` or blank (for optional fields).
pub const CODE_OR_BLANK_PATTERN: &str = "^(?:|(?!00)(?:[0-9]{2}|[0-9]{2}(?!00)[0-9]{2}|[0-9]{4}(?!00)[0-9]{2}|[0-9]{6}(?!000)[0-9]{3}|[0-9]{12}))$";

impl RegionCode {
    /// Accepts 2, 4, 6, 9 or 12 digits and pads to 12.
    pub fn parse(s: &str) -> Result<RegionCode, Invalid> {
        Self::parse_field("code", s)
    }

    pub fn parse_field(field: &str, s: &str) -> Result<RegionCode, Invalid> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_code(field, "must contain digits only", "只能包含数字"));
        }
        if ![2, 4, 6, 9, 12].contains(&s.len()) {
            return Err(bad_code(
                field,
                "must have 2, 4, 6, 9 or 12 digits",
                "位数必须是 2、4、6、9 或 12",
            ));
        }
        if s.starts_with("00") {
            return Err(bad_code(
                field,
                "province part must not be 00",
                "省级部分不能为 00",
            ));
        }
        let mut code = s.to_string();
        while code.len() < 12 {
            code.push('0');
        }
        let c = RegionCode(code);
        // A code given with its full digits must not look like a higher level, e.g. "320700"
        // (county part 00) is a city, not a county: reject that as ambiguous.
        if c.level().digits() < s.len() && s.len() != 12 {
            return Err(bad_code(
                field,
                "the last part of the code must not be all zeros",
                "代码的末级部分不能全为 0",
            ));
        }
        Ok(c)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Level from the trailing zero groups.
    pub fn level(&self) -> Level {
        let b = self.0.as_bytes();
        let zero = |r: std::ops::Range<usize>| b[r].iter().all(|&d| d == b'0');
        if zero(2..12) {
            Level::Province
        } else if zero(4..12) {
            Level::City
        } else if zero(6..12) {
            Level::County
        } else if zero(9..12) {
            Level::Township
        } else {
            Level::Village
        }
    }

    /// The significant prefix (2, 4, 6, 9 or 12 digits).
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().digits()]
    }

    pub fn parent(&self) -> Option<RegionCode> {
        let parent_level = self.level().parent()?;
        let mut p = self.0[..parent_level.digits()].to_string();
        while p.len() < 12 {
            p.push('0');
        }
        Some(RegionCode(p))
    }

    /// The county (6-digit) part: the distribution key at scale.
    pub fn county(&self) -> &str {
        &self.0[..6]
    }

    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0.starts_with(ancestor.prefix())
    }

    pub fn scope(&self) -> Scope {
        Scope::of_prefix(self.prefix())
    }
}

/// A subtree of the territory as a half-open range of codes: `lo <= code < hi`. Works for
/// 12-digit region codes and 15-digit grid codes alike because codes are compared as strings of
/// digits that start with the subtree's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub lo: String,
    pub hi: String,
}

impl Scope {
    /// Everything.
    pub fn all() -> Scope {
        Scope {
            lo: String::new(),
            hi: "~".into(),
        }
    }

    pub fn of_prefix(prefix: &str) -> Scope {
        let mut hi: Vec<u8> = prefix.as_bytes().to_vec();
        // Increment the decimal prefix; an all-9 prefix has no upper neighbour: use '~' (> digits).
        let mut i = hi.len();
        loop {
            if i == 0 {
                return Scope {
                    lo: prefix.to_string(),
                    hi: format!("{prefix}~"),
                };
            }
            i -= 1;
            if hi[i] == b'9' {
                hi[i] = b'0';
            } else {
                hi[i] += 1;
                break;
            }
        }
        Scope {
            lo: prefix.to_string(),
            hi: String::from_utf8(hi).expect("ascii digits"),
        }
    }

    pub fn contains(&self, code: &str) -> bool {
        code >= self.lo.as_str() && code < self.hi.as_str()
    }

    /// Whether every code of `other` lies in this scope.
    pub fn covers(&self, other: &Scope) -> bool {
        other.lo >= self.lo && other.hi <= self.hi
    }

    /// The intersection of two scopes (an empty range when they are disjoint).
    pub fn narrow(&self, other: &Scope) -> Scope {
        Scope {
            lo: self.lo.clone().max(other.lo.clone()),
            hi: self.hi.clone().min(other.hi.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn covers_is_subtree_inclusion() {
        let county = c("320722").scope();
        assert!(county.covers(&c("320722101").scope()));
        assert!(county.covers(&county));
        assert!(!county.covers(&c("3207").scope()));
        assert!(!county.covers(&c("320723").scope()));
        assert!(Scope::all().covers(&county) && !county.covers(&Scope::all()));
    }

    #[test]
    fn levels_and_padding() {
        assert_eq!(c("32").as_str(), "320000000000");
        assert_eq!(c("32").level(), Level::Province);
        assert_eq!(c("3207").level(), Level::City);
        assert_eq!(c("320722").level(), Level::County);
        assert_eq!(c("320722101").level(), Level::Township);
        assert_eq!(c("320722101200").level(), Level::Village);
        assert_eq!(c("320722000000").level(), Level::County);
        assert_eq!(c("320722101200").prefix(), "320722101200");
        assert_eq!(c("320722101").prefix(), "320722101");
    }

    #[test]
    fn parents() {
        assert_eq!(c("320722101200").parent(), Some(c("320722101")));
        assert_eq!(c("320722101").parent(), Some(c("320722")));
        assert_eq!(c("320722").parent(), Some(c("3207")));
        assert_eq!(c("3207").parent(), Some(c("32")));
        assert_eq!(c("32").parent(), None);
        assert_eq!(c("320722101200").county(), "320722");
    }

    #[test]
    fn malformed_codes() {
        for bad in [
            "",
            "3",
            "32a7",
            "3207221",
            "00",
            "320700",
            "3207220000",
            "32072210120x",
        ] {
            let e = RegionCode::parse(bad).unwrap_err();
            assert_eq!(e.code, "invalid_region_code", "{bad}");
            assert_eq!(e.field, "code");
        }
        assert_eq!(
            RegionCode::parse_field("parent_code", "1")
                .unwrap_err()
                .field,
            "parent_code"
        );
    }

    #[test]
    fn scopes_are_ranges() {
        let s = c("320722101").scope();
        assert_eq!(s.lo, "320722101");
        assert_eq!(s.hi, "320722102");
        assert!(s.contains("320722101200"));
        assert!(s.contains("320722101200001"));
        assert!(!s.contains("320722102200"));
        assert!(!s.contains("320722100999"));
        assert_eq!(Scope::of_prefix("3299").hi, "3300");
        assert_eq!(Scope::of_prefix("99").hi, "99~");
        assert!(Scope::all().contains("320722101200"));
        let n = c("3207").scope().narrow(&c("320722").scope());
        assert_eq!(n, c("320722").scope());
        assert!(c("320722101200").is_within(&c("3207")));
        assert!(!c("320722101200").is_within(&c("3206")));
    }

    #[test]
    fn urban_rural_classification() {
        let v = |code: &str, name: &str| UrbanRural::classify(&c(code), name);
        assert_eq!(v("320706006001", "幸福社区居委会"), Some(UrbanRural::Urban));
        assert_eq!(v("320722101200", "白塔村委会"), Some(UrbanRural::Rural));
        assert_eq!(v("320722101400", "某农场社区"), Some(UrbanRural::Urban));
        assert_eq!(v("320722101401", "某某村"), Some(UrbanRural::Rural));
        assert_eq!(v("320722101402", "某农场"), None);
        assert_eq!(v("320706006", "新海街道"), Some(UrbanRural::Urban));
        assert_eq!(v("320722101", "白塔埠镇"), Some(UrbanRural::Rural));
        assert_eq!(v("320706", "海州区"), Some(UrbanRural::Urban));
        assert_eq!(v("320722", "东海县"), Some(UrbanRural::Rural));
        assert_eq!(v("3207", "连云港市"), None);
    }

    #[test]
    fn level_round_trip() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
            if let Some(ch) = l.child() {
                assert_eq!(ch.parent(), Some(l));
            }
        }
    }
}
