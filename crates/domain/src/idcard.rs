//! Resident identity card numbers, GB 11643-1999: 6-digit area code, 8-digit birth date,
//! 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.

use crate::Invalid;
use serde::Serialize;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A validated ID number with what it encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    pub number: String,
    /// `YYYY-MM-DD`
    pub birth_date: String,
    pub sex: Sex,
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

pub fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

pub fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

fn bad(field: &str, zh: &str, en: &str) -> Invalid {
    Invalid::new(field, "invalid_id_number", zh, en)
}

/// The shape `parse` accepts, as a JSON-Schema pattern (the check character and the calendar
/// are checked by `parse` alone).
pub const PATTERN: &str = "^(?!00)[0-9]{6}(?:19[0-9]{2}|20[0-9]{2}|2100)(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$";

/// Validates an ID number. `today` (`YYYYMMDD`) bounds the birth date from above.
pub fn parse(field: &str, s: &str, today: &str) -> Result<IdNumber, Invalid> {
    let s = s.trim().to_ascii_uppercase();
    // Counted in characters: an 18-byte string may hold multibyte characters, and every index
    // below is a byte index, which only ASCII makes safe.
    if s.chars().count() != 18 {
        return Err(bad(field, "必须是 18 位", "must have 18 characters"));
    }
    if !s.is_ascii() {
        return Err(bad(field, "只能包含数字和 X", "may hold only digits and X"));
    }
    let (body, last) = s.split_at(17);
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            field,
            "前 17 位必须是数字",
            "the first 17 characters must be digits",
        ));
    }
    if !(last.bytes().all(|b| b.is_ascii_digit()) || last == "X") {
        return Err(bad(
            field,
            "第 18 位必须是数字或 X",
            "the last character must be a digit or X",
        ));
    }
    let y: u32 = body[6..10].parse().unwrap_or(0);
    let m: u32 = body[10..12].parse().unwrap_or(0);
    let d: u32 = body[12..14].parse().unwrap_or(0);
    if !(1900..=2100).contains(&y) || d == 0 || d > days_in_month(y, m) {
        return Err(bad(
            field,
            "出生日期无效",
            "the birth date is not a valid date",
        ));
    }
    if &body[6..14] > today {
        return Err(bad(
            field,
            "出生日期晚于今天",
            "the birth date is in the future",
        ));
    }
    if body[..2] == *"00" {
        return Err(bad(field, "地区码无效", "the area code is not valid"));
    }
    if check_char(body) != last.chars().next().unwrap_or(' ') {
        return Err(bad(field, "校验位错误", "the check character is wrong"));
    }
    let seq: u32 = body[16..17].parse().unwrap_or(0);
    Ok(IdNumber {
        birth_date: format!("{y:04}-{m:02}-{d:02}"),
        sex: if seq % 2 == 1 { Sex::Male } else { Sex::Female },
        number: s,
    })
}

/// Builds a valid number from its parts (used by the demo generator and tests).
pub fn build(area6: &str, birth_yyyymmdd: &str, seq3: u32) -> String {
    let first17 = format!("{area6}{birth_yyyymmdd}{seq3:03}");
    let c = check_char(&first17);
    format!("{first17}{c}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "20261122";

    #[test]
    fn known_valid_number() {
        // The GB 11643 worked example.
        let id = parse("id_number", "11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date, "1949-12-31");
        assert_eq!(id.sex, Sex::Female);
        let lower = parse("id_number", "11010519491231002x", TODAY).unwrap();
        assert_eq!(lower.number, "11010519491231002X");
    }

    #[test]
    fn built_numbers_validate_and_encode_sex() {
        let m = build("320722", "19800229", 123);
        let p = parse("id_number", &m, TODAY).unwrap();
        assert_eq!(p.sex, Sex::Male);
        assert_eq!(p.birth_date, "1980-02-29");
        let f = build("320706", "20010101", 124);
        assert_eq!(parse("id_number", &f, TODAY).unwrap().sex, Sex::Female);
    }

    #[test]
    fn every_wrong_check_char_is_refused() {
        let good = build("320722", "19750615", 31);
        for c in "0123456789X".chars() {
            let n = format!("{}{c}", &good[..17]);
            assert_eq!(parse("id_number", &n, TODAY).is_ok(), n == good, "{n}");
        }
    }

    #[test]
    fn bad_numbers_name_the_reason() {
        let cases = [
            ("1234", "必须是 18 位"),
            ("32072219800101A231", "前 17 位必须是数字"),
            ("32072219800101123Y", "第 18 位必须是数字或 X"),
            ("320722", "必须是 18 位"),
        ];
        for (n, zh) in cases {
            let e = parse("id_number", n, TODAY).unwrap_err();
            assert_eq!(e.zh, zh, "{n}");
            assert_eq!(e.field, "id_number");
        }
        let feb30 = build("320722", "19800230", 1);
        assert_eq!(parse("f", &feb30, TODAY).unwrap_err().zh, "出生日期无效");
        let feb29 = build("320722", "19000229", 1); // 1900 is not a leap year
        assert_eq!(parse("f", &feb29, TODAY).unwrap_err().zh, "出生日期无效");
        let future = build("320722", "20301231", 1);
        assert_eq!(
            parse("f", &future, TODAY).unwrap_err().zh,
            "出生日期晚于今天"
        );
        let old = build("320722", "18991231", 1);
        assert!(parse("f", &old, TODAY).is_err());
    }

    #[test]
    fn leap_years() {
        assert!(is_leap(2000));
        assert!(!is_leap(1900));
        assert!(is_leap(2024));
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2023, 13), 0);
    }
}
