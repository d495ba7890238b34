//! Civil dates from Unix time (UTC+8, the time zone of every deployment this serves).

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil-from-days).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYYMMDD` in China Standard Time for a Unix time in milliseconds.
pub fn yyyymmdd(unix_ms: i64) -> String {
    let days = (unix_ms + 8 * 3_600_000).div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}")
}

/// Whole years between a `YYYY-MM-DD` birth date and `YYYYMMDD` today.
pub fn age(birth: &str, today: &str) -> Option<u32> {
    let b: String = birth.chars().filter(|c| c.is_ascii_digit()).collect();
    if b.len() != 8 || today.len() != 8 {
        return None;
    }
    let by: u32 = b[..4].parse().ok()?;
    let ty: u32 = today[..4].parse().ok()?;
    let years = ty.checked_sub(by)?;
    Some(if today[4..] < b[4..] {
        years.saturating_sub(1)
    } else {
        years
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(yyyymmdd(0), "19700101");
        // 2026-11-21 16:00 UTC is already 2026-11-22 in Beijing.
        assert_eq!(yyyymmdd(1_795_276_800_000), "20261122");
        assert_eq!(yyyymmdd(1_795_276_799_999), "20261121");
        assert_eq!(age("1980-11-22", "20261122"), Some(46));
        assert_eq!(age("1980-11-23", "20261122"), Some(45));
        assert_eq!(age("bad", "20261122"), None);
    }
}
