//! Visit types: what a grid worker records, what is stored, and a household due a visit.

use crate::prelude::*;

/// A visit as the field app sends it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct VisitInput {
    /// When the visit took place (Unix ms); absent: now. A visit recorded offline carries the
    /// time it was made, not the time it was sent.
    pub visited_at: Option<i64>,
    #[schemars(length(min = 1))]
    #[schemars(extend("enum" = ["routine", "elderly_care", "left_behind_child", "dispute_followup", "policy_publicity", "other"]))]
    pub purpose: String,
    #[schemars(length(max = 2000), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub notes: String,
    /// What the visit found (a finding worth acting on is filed as a case).
    #[schemars(length(max = 2000), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub findings: String,
}

/// A checked visit. `key` is the idempotency key, already namespaced by the caller.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub visited_at: i64,
    pub purpose: &'static str,
    pub notes: String,
    pub findings: String,
    pub key: Option<String>,
}

/// How far ahead of the server's clock a field record's time may be (phones' clocks drift).
const CLOCK_SLACK_MS: i64 = 10 * 60 * 1000;
/// The earliest time a field record takes: 2000-01-01.
const EARLIEST_MS: i64 = 946_684_800_000;

/// When something in the field happened (Unix ms): as the phone says, for a record queued
/// offline, or now; never in the future beyond the clocks' drift.
pub(crate) fn field_time(field: &str, at: Option<i64>, now: i64) -> Result<i64, Invalid> {
    let at = at.unwrap_or(now);
    if (EARLIEST_MS..=now + CLOCK_SLACK_MS).contains(&at) {
        Ok(at)
    } else {
        Err(Invalid::new(
            field,
            "out_of_range",
            "时间不能晚于现在",
            "must not be in the future",
        ))
    }
}

impl NewVisit {
    pub fn validate(i: &VisitInput, now: i64, key: Option<String>) -> Result<NewVisit, Invalid> {
        Ok(NewVisit {
            visited_at: field_time("visited_at", i.visited_at, now)?,
            purpose: tongchou_domain::visits::purpose("purpose", &i.purpose)?,
            notes: optional_text("notes", &i.notes, 2000)?.unwrap_or_default(),
            findings: optional_text("findings", &i.findings, 2000)?.unwrap_or_default(),
            key,
        })
    }
}

/// A visit as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Visit {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub household_id: i64,
    pub region_code: String,
    pub grid_code: String,
    pub visitor_name: String,
    pub visited_at: i64,
    pub purpose: String,
    pub notes: String,
    pub findings: String,
    pub created_at: i64,
}

/// A household of a grid that is due a visit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DueHousehold {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub household_id: i64,
    pub address: String,
    pub head_name: Option<String>,
    /// The members' tags that set how often the household is visited.
    pub tags: Vec<String>,
    /// The last visit (Unix ms), if any.
    pub last_visit_at: Option<i64>,
    /// Days between visits for this household.
    pub due_days: i64,
    /// Days since the visit fell due (0: due today; a household never visited counts from its
    /// registration).
    pub overdue_days: i64,
}
