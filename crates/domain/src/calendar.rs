//! Working-day calendar and time limits (SPEC §3).
//!
//! A day is a working day when it is listed as a 调休 working day, or when it is a weekday that is
//! not listed as a public holiday. Days are in the deployment's time zone (China Standard Time, UTC+8, unless configured). Limits in working days
//! end at 24:00 of the n-th working day after the day the clock starts; limits in working hours
//! count only the hours that fall on working days.

use crate::Invalid;
use std::collections::BTreeSet;

pub const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 (CST) of a `YYYY-MM-DD` date.
pub fn day_of(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = date[..4].parse().ok()?;
    let m: u32 = date[5..7].parse().ok()?;
    let d: u32 = date[8..].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > crate::idcard::days_in_month(y as u32, m) {
        return None;
    }
    // Days from civil (inverse of date::civil_from_days).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The CST day of a Unix time in milliseconds.
pub fn day_of_ms(ms: i64) -> i64 {
    (ms + crate::date::utc_offset_ms()).div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
pub fn date_of_day(day: i64) -> String {
    let (y, m, d) = crate::date::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Unix milliseconds of 00:00 CST of a day.
pub fn start_of_day_ms(day: i64) -> i64 {
    day * DAY_MS - crate::date::utc_offset_ms()
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub holidays: BTreeSet<i64>,
    pub workdays: BTreeSet<i64>,
}

impl Calendar {
    /// Reads `date,kind` lines (a header line is allowed); kind is `holiday`/`休` or
    /// `workday`/`班`. Every bad line is reported.
    pub fn parse_csv(text: &str) -> Result<Calendar, Vec<(usize, Invalid)>> {
        let mut cal = Calendar::default();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || (i == 0 && line.starts_with("date")) {
                continue;
            }
            let (date, kind) = line.split_once(',').unwrap_or((line, ""));
            let Some(day) = day_of(date.trim()) else {
                errors.push((
                    i + 1,
                    Invalid::new(
                        "date",
                        "invalid_date",
                        "日期无效（YYYY-MM-DD）",
                        "not a date (YYYY-MM-DD)",
                    ),
                ));
                continue;
            };
            match kind.trim() {
                "holiday" | "休" => cal.holidays.insert(day),
                "workday" | "班" => cal.workdays.insert(day),
                _ => {
                    errors.push((
                        i + 1,
                        Invalid::new(
                            "kind",
                            "invalid_value",
                            "必须是 holiday（休）或 workday（班）",
                            "must be holiday or workday",
                        ),
                    ));
                    continue;
                }
            };
        }
        if let Some(&day) = cal.holidays.intersection(&cal.workdays).next() {
            let (y, m, d) = crate::date::civil_from_days(day);
            let date = format!("{y:04}-{m:02}-{d:02}");
            let zh = format!("{date} 既是假日又是工作日");
            let en = format!("{date} is both a holiday and a working day");
            errors.push((0, Invalid::new("date", "conflict", zh, en)));
        }
        if errors.is_empty() {
            Ok(cal)
        } else {
            Err(errors)
        }
    }

    pub fn is_working_day(&self, day: i64) -> bool {
        self.workdays.contains(&day) || (weekday(day) < 5 && !self.holidays.contains(&day))
    }

    /// End (24:00 CST) of the `n`-th working day after the day of `start_ms`.
    pub fn add_working_days(&self, start_ms: i64, n: u32) -> i64 {
        let mut day = day_of_ms(start_ms);
        let mut left = n;
        while left > 0 {
            day += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        start_of_day_ms(day + 1)
    }

    /// Milliseconds between `from` and `to` that fall on working days.
    pub fn working_ms_between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let (d0, d1) = (day_of_ms(from), day_of_ms(to));
        let mut total = 0;
        for day in d0..=d1 {
            if !self.is_working_day(day) {
                continue;
            }
            let lo = start_of_day_ms(day).max(from);
            let hi = start_of_day_ms(day + 1).min(to);
            total += (hi - lo).max(0);
        }
        total
    }

    /// The moment `hours` working hours after `start_ms`.
    pub fn add_working_hours(&self, start_ms: i64, hours: u32) -> i64 {
        self.add_working_ms(start_ms, i64::from(hours) * 3_600_000)
    }

    /// The moment `ms` milliseconds of working time after `start_ms`.
    pub fn add_working_ms(&self, start_ms: i64, ms: i64) -> i64 {
        let mut left = ms.max(0);
        let mut t = start_ms;
        loop {
            let day = day_of_ms(t);
            let end = start_of_day_ms(day + 1);
            if self.is_working_day(day) {
                if t + left <= end {
                    return t + left;
                }
                left -= end - t;
            }
            t = end;
        }
    }
}

/// Stage lights: green below 80 % of the limit, yellow from 80 % up to the limit, red past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

pub fn light(elapsed_ms: i64, limit_ms: i64) -> Light {
    if elapsed_ms > limit_ms {
        Light::Red
    } else if elapsed_ms * 5 >= limit_ms * 4 {
        Light::Yellow
    } else {
        Light::Green
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str, hour: i64) -> i64 {
        start_of_day_ms(day_of(date).unwrap()) + hour * 3_600_000
    }

    /// The 2025 National Day and Mid-Autumn holiday: 1–8 October off; Sunday 28 September and
    /// Saturday 11 October are working days (调休).
    fn national_day_2025() -> Calendar {
        Calendar::parse_csv(
            "date,kind\n2025-09-28,workday\n2025-10-01,holiday\n2025-10-02,holiday\n2025-10-03,holiday\n\
             2025-10-06,holiday\n2025-10-07,holiday\n2025-10-08,休\n2025-10-11,班\n",
        )
        .unwrap()
    }

    #[test]
    fn days_and_weekdays() {
        assert_eq!(day_of("1970-01-01"), Some(0));
        assert_eq!(weekday(0), 3); // a Thursday
        assert_eq!(weekday(day_of("2026-11-22").unwrap()), 6); // a Sunday
        assert_eq!(
            crate::date::civil_from_days(day_of("2024-02-29").unwrap()),
            (2024, 2, 29)
        );
        assert_eq!(day_of("2025-02-29"), None);
        assert_eq!(day_of("2025-13-01"), None);
        assert_eq!(
            day_of_ms(at("2026-11-22", 23)),
            day_of("2026-11-22").unwrap()
        );
        assert_eq!(
            day_of_ms(at("2026-11-22", 24)),
            day_of("2026-11-23").unwrap()
        );
    }

    #[test]
    fn working_days_across_a_holiday_with_a_saturday_workday() {
        let cal = national_day_2025();
        assert!(
            cal.is_working_day(day_of("2025-09-28").unwrap()),
            "调休 Sunday"
        );
        assert!(
            cal.is_working_day(day_of("2025-10-11").unwrap()),
            "调休 Saturday"
        );
        assert!(!cal.is_working_day(day_of("2025-10-08").unwrap()));
        assert!(
            !cal.is_working_day(day_of("2025-10-04").unwrap()),
            "a weekend inside the holiday"
        );
        // Reported on Tuesday 30 September with 3 working days: 9, 10, and Saturday 11 October.
        assert_eq!(
            cal.add_working_days(at("2025-09-30", 10), 3),
            at("2025-10-12", 0)
        );
        // Without the calendar the same limit would end on Friday 3 October.
        assert_eq!(
            Calendar::default().add_working_days(at("2025-09-30", 10), 3),
            at("2025-10-04", 0)
        );
        // 24 working hours from Tuesday 30 September 20:00: 4 h that day, then 20 h on 9 October.
        assert_eq!(
            cal.add_working_hours(at("2025-09-30", 20), 24),
            at("2025-10-09", 20)
        );
        assert_eq!(
            cal.working_ms_between(at("2025-09-30", 20), at("2025-10-09", 20)),
            24 * 3_600_000
        );
        assert_eq!(
            cal.working_ms_between(at("2025-10-02", 0), at("2025-10-05", 0)),
            0
        );
    }

    #[test]
    fn calendar_csv_errors_name_the_line() {
        let errs = Calendar::parse_csv(
            "date,kind\n2025-10-01,holiday\n2025-02-30,holiday\n2025-10-02,party\n",
        )
        .unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|(l, e)| (*l, e.field.as_str())).collect();
        assert_eq!(got, vec![(3, "date"), (4, "kind")]);
        assert!(Calendar::parse_csv("2025-10-01,holiday\n2025-10-01,workday\n").is_err());
    }

    #[test]
    fn lights() {
        assert_eq!(light(0, 100), Light::Green);
        assert_eq!(light(79, 100), Light::Green);
        assert_eq!(light(80, 100), Light::Yellow);
        assert_eq!(light(100, 100), Light::Yellow);
        assert_eq!(light(101, 100), Light::Red);
    }
}
