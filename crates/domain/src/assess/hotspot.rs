//! Hotspot warnings (issue 9 §5): at least `cases` cases of one 小类 in one grid within `days`
//! days. A hotspot is told once: it starts when the count reaches the threshold and ends when the
//! window's count falls below it again; only a new start is told again.

use crate::Invalid;
use crate::calendar::DAY_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotspotRule {
    pub cases: u32,
    pub days: u32,
}

impl Default for HotspotRule {
    /// Five cases of one kind in one grid within a week.
    fn default() -> Self {
        HotspotRule { cases: 5, days: 7 }
    }
}

impl HotspotRule {
    pub fn check(&self) -> Result<(), Invalid> {
        if !(2..=1000).contains(&self.cases) || !(1..=90).contains(&self.days) {
            return Err(Invalid::new(
                "hotspot_rule",
                "invalid_value",
                "件数应为 2–1000，天数应为 1–90",
                "cases must be 2 to 1000 and days 1 to 90",
            ));
        }
        Ok(())
    }

    /// The times (Unix ms, from `times` in order) at which a hotspot starts: the case that brings
    /// the window to the threshold while no hotspot is open.
    pub fn starts(&self, times: &[i64]) -> Vec<i64> {
        let window = i64::from(self.days) * DAY_MS;
        let need = self.cases as usize;
        let mut out = Vec::new();
        let mut first = 0;
        let mut open = false;
        for (i, &t) in times.iter().enumerate() {
            // The cases still within the window that ends at this one.
            while t - times[first] >= window {
                first += 1;
            }
            let count = i + 1 - first;
            // Below the threshold before this case arrived: any earlier hotspot has ended.
            if count - 1 < need {
                open = false;
            }
            if count >= need && !open {
                out.push(t);
                open = true;
            }
        }
        out
    }
}
