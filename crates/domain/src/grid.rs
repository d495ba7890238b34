//! Grids (网格): 15-digit codes under a village and the size rule.

use crate::Invalid;
use crate::region::{Level, RegionCode, UrbanRural};

/// What `parse_code` accepts, as a JSON-Schema pattern: a village's 12 digits and a sequence
/// other than 000.
pub const CODE_PATTERN: &str = "^(?!00)[0-9]{9}(?!000)[0-9]{3}(?!000)[0-9]{3}$";

/// `CODE_PATTERN` or blank (for optional fields).
pub const CODE_OR_BLANK_PATTERN: &str = "^(?:|(?!00)[0-9]{9}(?!000)[0-9]{3}(?!000)[0-9]{3})$";

/// Parses a 15-digit grid code and returns it with its village code.
pub fn parse_code(field: &str, s: &str) -> Result<(String, RegionCode), Invalid> {
    let s = s.trim();
    if s.len() != 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            field,
            "invalid_grid_code",
            "网格代码必须是 15 位数字（12 位村/社区代码 + 3 位序号）",
            "a grid code has 15 digits: the 12-digit village code and a 3-digit sequence",
        ));
    }
    let village = RegionCode::parse_field(field, &s[..12])?;
    if village.level() != Level::Village || &s[12..] == "000" {
        return Err(Invalid::new(
            field,
            "invalid_grid_code",
            "网格必须属于村/社区，序号不能为 000",
            "a grid belongs to a village-level unit and its sequence is not 000",
        ));
    }
    Ok((s.to_string(), village))
}

pub fn code(village: &RegionCode, seq: u32) -> String {
    format!("{}{seq:03}", village.as_str())
}

/// Size rule warnings (never errors): urban 300–500 households and at most 2,500 people; rural
/// around 300 households (200–400 accepted) and at most 2,500 people.
pub fn size_warnings(
    class: Option<UrbanRural>,
    households: i64,
    persons: i64,
) -> Vec<crate::error::Msg> {
    use crate::error::Msg;
    let mut w = Vec::new();
    let (lo, hi) = match class {
        Some(UrbanRural::Rural) => (200, 400),
        _ => (300, 500),
    };
    if households < lo {
        w.push(Msg::new(
            format!("户数 {households} 少于 {lo}"),
            format!("{households} households, fewer than {lo}"),
        ));
    }
    if households > hi {
        w.push(Msg::new(
            format!("户数 {households} 多于 {hi}"),
            format!("{households} households, more than {hi}"),
        ));
    }
    if persons > 2500 {
        w.push(Msg::new(
            format!("人数 {persons} 多于 2500"),
            format!("{persons} people, more than 2,500"),
        ));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_codes() {
        let (c, v) = parse_code("code", "320722101200001").unwrap();
        assert_eq!(c, "320722101200001");
        assert_eq!(v.as_str(), "320722101200");
        assert!(parse_code("code", "320722101200000").is_err());
        assert!(parse_code("code", "320722101000001").is_err()); // a township, not a village
        assert!(parse_code("code", "32072210120001").is_err());
        assert_eq!(parse_code("grid_code", "x").unwrap_err().field, "grid_code");
        assert_eq!(code(&v, 7), "320722101200007");
    }

    #[test]
    fn size_rule() {
        assert!(size_warnings(Some(UrbanRural::Urban), 400, 1200).is_empty());
        assert_eq!(size_warnings(Some(UrbanRural::Urban), 250, 700).len(), 1);
        assert_eq!(size_warnings(Some(UrbanRural::Urban), 600, 2600).len(), 2);
        assert!(size_warnings(Some(UrbanRural::Rural), 250, 800).is_empty());
        assert_eq!(size_warnings(Some(UrbanRural::Rural), 450, 800).len(), 1);
    }
}
