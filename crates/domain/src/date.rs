//! Civil dates from Unix time in the deployment's one time zone: China Standard Time (UTC+8)
//! unless the deployment says otherwise (`tongchou serve --utc-offset`). Case numbers, days of the
//! working calendar, timelines and reports all use it, so a case filed at 00:30 Beijing time
//! carries that day's date.

use std::sync::atomic::{AtomicI64, Ordering};

static OFFSET_MS: AtomicI64 = AtomicI64::new(8 * 3_600_000);

/// The deployment's offset from UTC, in milliseconds.
pub fn utc_offset_ms() -> i64 {
    OFFSET_MS.load(Ordering::Relaxed)
}

/// Sets the deployment's offset from UTC (minutes, −720 to +840), once at start.
pub fn set_utc_offset_minutes(minutes: i64) -> Result<(), crate::Invalid> {
    if !(-720..=840).contains(&minutes) {
        return Err(crate::Invalid::new(
            "utc_offset",
            "invalid_value",
            "须在 -12:00 到 +14:00 之间",
            "must be between -12:00 and +14:00",
        ));
    }
    OFFSET_MS.store(minutes * 60_000, Ordering::Relaxed);
    Ok(())
}

/// `+08:00` or `-03:30`: an offset from UTC, in minutes. Only this form: a bare `8` could mean
/// hours or minutes.
pub fn parse_utc_offset(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    Some(sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?))
}

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

/// `YYYYMMDD` in the deployment's time zone for a Unix time in milliseconds.
pub fn yyyymmdd(unix_ms: i64) -> String {
    let days = (unix_ms + utc_offset_ms()).div_euclid(86_400_000);
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
        // 00:30 Beijing time is still the previous day in UTC: the case carries Beijing's date.
        assert_eq!(yyyymmdd(1_795_276_800_000 + 30 * 60_000), "20261122");
        assert_eq!(parse_utc_offset("+08:00"), Some(480));
        assert_eq!(parse_utc_offset("-03:30"), Some(-210));
        for bad in ["480", "8", "+8", "+8:00", "08:00", "+08:0a", ""] {
            assert_eq!(parse_utc_offset(bad), None, "{bad}");
        }
        assert!(set_utc_offset_minutes(900).is_err());
        assert_eq!(age("1980-11-22", "20261122"), Some(46));
        assert_eq!(age("1980-11-23", "20261122"), Some(45));
        assert_eq!(age("bad", "20261122"), None);
    }
}
