//! Periods of assessment: a month (`2026-11`), a quarter (`2026-Q4`), a year (`2026`) or a date
//! range (`2026-11-01..2026-11-15`, both days included), in the deployment's one time zone, so
//! a case closed at 00:30 Beijing time on 1 December counts in December.

use crate::Invalid;
use crate::calendar::{date_of_day as date, day_of, start_of_day_ms};
use crate::date::civil_from_days;
use std::fmt;

/// The longest date range accepted, in days (about three years).
pub const MAX_RANGE_DAYS: i64 = 1100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month {
        year: i64,
        month: u32,
    },
    Quarter {
        year: i64,
        quarter: u32,
    },
    Year {
        year: i64,
    },
    /// Days since 1970-01-01, `first` and `last` both included.
    Range {
        first: i64,
        last: i64,
    },
}

fn invalid(text: &str) -> Invalid {
    Invalid::new(
        "period",
        "invalid_period",
        format!("“{text}”不是期间：应为 2026-11、2026-Q4、2026 或 2026-11-01..2026-11-15"),
        format!("“{text}” is not a period: write 2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-15"),
    )
}

fn year_of(s: &str) -> Option<i64> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (1970..=9999).contains(y))
}

impl Period {
    /// The month (in the deployment's time zone) holding the instant `ms`.
    pub fn month_of(ms: i64) -> Period {
        let ymd = crate::date::yyyymmdd(ms);
        Period::Month {
            year: ymd[..4].parse().unwrap_or(1970),
            month: ymd[4..6].parse().unwrap_or(1),
        }
    }

    /// This period and the `n - 1` before it, newest first.
    pub fn and_before(&self, n: usize) -> Vec<Period> {
        let mut out = vec![*self];
        while out.len() < n {
            let before = out[out.len() - 1].previous();
            out.push(before);
        }
        out
    }

    pub fn parse(text: &str) -> Result<Period, Invalid> {
        let t = text.trim();
        let bad = || invalid(t);
        if let Some((a, b)) = t.split_once("..") {
            let (first, last) = (
                day_of(a.trim()).ok_or_else(bad)?,
                day_of(b.trim()).ok_or_else(bad)?,
            );
            if first > last {
                return Err(Invalid::new(
                    "period",
                    "invalid_period",
                    "起始日期晚于结束日期",
                    "the first day is after the last",
                ));
            }
            if last - first >= MAX_RANGE_DAYS {
                return Err(Invalid::new(
                    "period",
                    "invalid_period",
                    format!("最长 {MAX_RANGE_DAYS} 天"),
                    format!("at most {MAX_RANGE_DAYS} days"),
                ));
            }
            return Ok(Period::Range { first, last });
        }
        match t.split_once('-') {
            None => Ok(Period::Year {
                year: year_of(t).ok_or_else(bad)?,
            }),
            Some((y, rest)) => {
                let year = year_of(y).ok_or_else(bad)?;
                if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                    let quarter = match q {
                        "1" | "2" | "3" | "4" => q.parse().map_err(|_| bad())?,
                        _ => return Err(bad()),
                    };
                    return Ok(Period::Quarter { year, quarter });
                }
                let month: u32 = (rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| rest.parse().ok())
                    .flatten()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(bad)?;
                Ok(Period::Month { year, month })
            }
        }
    }

    /// The first day and the day after the last (days since 1970-01-01).
    pub fn days(&self) -> (i64, i64) {
        let first_of = |y: i64, m: u32| day_of(&format!("{y:04}-{m:02}-01")).unwrap_or(0);
        let after = |y: i64, m: u32| {
            if m == 12 {
                first_of(y + 1, 1)
            } else {
                first_of(y, m + 1)
            }
        };
        match *self {
            Period::Month { year, month } => (first_of(year, month), after(year, month)),
            Period::Quarter { year, quarter } => {
                let m = (quarter - 1) * 3 + 1;
                (first_of(year, m), after(year, m + 2))
            }
            Period::Year { year } => (first_of(year, 1), first_of(year + 1, 1)),
            Period::Range { first, last } => (first, last + 1),
        }
    }

    /// `[start, end)` in Unix milliseconds, in the deployment's time zone.
    pub fn ms(&self) -> (i64, i64) {
        let (a, b) = self.days();
        (start_of_day_ms(a), start_of_day_ms(b))
    }

    /// The period before (month over month; a range: the same number of days just before).
    pub fn previous(&self) -> Period {
        match *self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
            Period::Year { year } => Period::Year { year: year - 1 },
            Period::Range { first, last } => {
                let n = last - first + 1;
                Period::Range {
                    first: first - n,
                    last: first - 1,
                }
            }
        }
    }

    /// The same period a year before (year over year).
    pub fn year_before(&self) -> Period {
        match *self {
            Period::Month { year, month } => Period::Month {
                year: year - 1,
                month,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year: year - 1,
                quarter,
            },
            Period::Year { year } => Period::Year { year: year - 1 },
            Period::Range { first, last } => {
                // Day for day a year earlier (29 February falls back to the 28th).
                let back = |day: i64| {
                    let (y, m, d) = civil_from_days(day);
                    let d = d.min(crate::idcard::days_in_month((y - 1) as u32, m));
                    day_of(&format!("{:04}-{m:02}-{d:02}", y - 1)).unwrap_or(day - 365)
                };
                Period::Range {
                    first: back(first),
                    last: back(last),
                }
            }
        }
    }
}

impl fmt::Display for Period {
    /// The text `parse` reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::Year { year } => write!(f, "{year:04}"),
            Period::Range { first, last } => write!(f, "{}..{}", date(first), date(last)),
        }
    }
}
