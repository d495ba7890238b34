//! Cases (SPEC §3) at the storage boundary: the catalog (categories, routing rules, working-day
//! calendar), cases, their append-only events, and the inputs that create and move them.

use crate::BoxFut;
use crate::model::{Ctx, Page, PageReq, id_str};
use serde::{Deserialize, Serialize};
use tongchou_domain::calendar::{Light, day_of};
use tongchou_domain::cases::{Satisfaction, Source};
use tongchou_domain::categories::{Limit, Priority};
use tongchou_domain::error::{optional_text, phone};
use tongchou_domain::workflow::Action;
use tongchou_domain::{Invalid, RegionCode, grid};

/// A 大类 (no parent) or 小类 as stored; administrators edit it.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, PartialEq)]
pub struct CategoryRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub domain: String,
    pub priority: String,
    pub limit_unit: String,
    pub limit_value: i32,
    pub dispute: bool,
    pub auto_escalate: bool,
    pub active: bool,
    /// The 小类's own limits for dispatching, signing and verifying, in working hours.
    #[serde(default)]
    pub dispatch_hours: Option<i32>,
    #[serde(default)]
    pub sign_hours: Option<i32>,
    #[serde(default)]
    pub verify_hours: Option<i32>,
    /// Who owns this version: empty for the deployment's base catalog, else the 12-digit code of
    /// the region whose own version it is (it applies in that region's subtree).
    #[serde(default)]
    pub owner_code: String,
}

impl CategoryRow {
    pub fn stage_limits(&self) -> tongchou_domain::cases::StageLimits {
        let h = |v: Option<i32>| v.filter(|v| *v > 0).map(|v| v as u32);
        tongchou_domain::cases::StageLimits {
            dispatch_hours: h(self.dispatch_hours),
            sign_hours: h(self.sign_hours),
            handle: self.handle_limit(),
            verify_hours: h(self.verify_hours),
        }
    }

    pub fn handle_limit(&self) -> Limit {
        let v = self.limit_value.max(1) as u32;
        if self.limit_unit == "working_hours" {
            Limit::WorkingHours(v)
        } else {
            Limit::WorkingDays(v)
        }
    }

    pub fn priority(&self) -> Priority {
        Priority::parse(&self.priority).unwrap_or(Priority::Normal)
    }

    /// Checks an edited or new row: two digits for a 大类, four starting with the parent's two
    /// for a 小类; limits of 1–720 working hours or 1–60 working days.
    pub fn validate(mut self) -> Result<CategoryRow, Invalid> {
        let digits = self.code.bytes().all(|b| b.is_ascii_digit());
        let parent_ok = match (self.code.len(), self.parent_code.as_deref()) {
            (2, None) => true,
            (4, Some(p)) => p.len() == 2 && self.code.starts_with(p),
            _ => false,
        };
        if !digits || !parent_ok {
            return Err(Invalid::new(
                "code",
                "invalid_category_code",
                "大类为两位数字，小类为四位数字且以所属大类开头",
                "a 大类 has two digits; a 小类 has four, starting with its parent's two",
            ));
        }
        self.name = tongchou_domain::error::required_text("name", &self.name, 30)?;
        if !matches!(self.domain.as_str(), "" | "city" | "social") {
            return Err(Invalid::new(
                "domain",
                "invalid_domain",
                "应为 city 或 social",
                "must be city or social",
            ));
        }
        if Priority::parse(&self.priority).is_none() {
            return Err(Invalid::new(
                "priority",
                "invalid_priority",
                "应为 normal/urgent/emergency 之一",
                "must be one of normal, urgent, emergency",
            ));
        }
        let max = match self.limit_unit.as_str() {
            "working_hours" => 720,
            "working_days" => 60,
            _ => {
                return Err(Invalid::new(
                    "limit_unit",
                    "invalid_limit_unit",
                    "应为 working_hours 或 working_days",
                    "must be working_hours or working_days",
                ));
            }
        };
        for (field, v) in [
            ("dispatch_hours", self.dispatch_hours),
            ("sign_hours", self.sign_hours),
            ("verify_hours", self.verify_hours),
        ] {
            if v.is_some_and(|v| !(1..=720).contains(&v)) {
                return Err(Invalid::new(
                    field,
                    "out_of_range",
                    "应在 1 到 720 之间",
                    "must be between 1 and 720",
                ));
            }
        }
        if !(1..=max).contains(&self.limit_value) {
            return Err(Invalid::new(
                "limit_value",
                "out_of_range",
                format!("应在 1 到 {max} 之间"),
                format!("must be between 1 and {max}"),
            ));
        }
        Ok(self)
    }
}

/// The stored copy of the default taxonomy (`tongchou_domain::categories::DEFAULT`).
pub fn default_categories() -> Vec<CategoryRow> {
    let mut out = Vec::new();
    for c in tongchou_domain::categories::DEFAULT {
        out.push(CategoryRow {
            owner_code: String::new(),
            code: c.code.into(),
            parent_code: None,
            name: c.name.into(),
            domain: c.domain.into(),
            priority: "normal".into(),
            limit_unit: "working_days".into(),
            limit_value: 7,
            dispute: false,
            auto_escalate: true,
            active: true,
            dispatch_hours: None,
            sign_hours: None,
            verify_hours: None,
        });
        for s in c.subcategories {
            let (unit, value) = match s.handle_limit {
                Limit::WorkingHours(h) => ("working_hours", h),
                Limit::WorkingDays(d) => ("working_days", d),
            };
            out.push(CategoryRow {
                owner_code: String::new(),
                code: s.code.into(),
                parent_code: Some(c.code.into()),
                name: s.name.into(),
                domain: c.domain.into(),
                priority: s.priority.as_str().into(),
                limit_unit: unit.into(),
                limit_value: value as i32,
                dispute: s.dispute,
                auto_escalate: s.auto_escalate,
                active: true,
                dispatch_hours: None,
                sign_hours: None,
                verify_hours: None,
            });
        }
    }
    out
}

#[derive(Debug, Clone, Deserialize)]
pub struct RuleInput {
    pub subcategory: String,
    #[serde(default)]
    pub region_prefix: String,
    #[serde(with = "id_str")]
    pub unit_id: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RuleRow {
    #[serde(with = "id_str")]
    pub id: i64,
    pub subcategory: String,
    pub region_prefix: String,
    #[serde(with = "id_str")]
    pub unit_id: i64,
    pub unit_name: Option<String>,
}

/// A calendar exception: (`YYYY-MM-DD`, `holiday` | `workday`).
pub type CalendarDay = (String, String);

/// Reads a year's calendar CSV (`date,kind`): every bad line is reported with its number, and
/// every date must fall in `year`. Returns `(YYYY-MM-DD, holiday|workday)` rows, sorted.
pub fn parse_calendar(year: i32, text: &str) -> Result<Vec<CalendarDay>, Vec<(usize, Invalid)>> {
    let mut errors = match tongchou_domain::calendar::Calendar::parse_csv(text) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    let prefix = format!("{year:04}-");
    for (i, line) in text.lines().enumerate() {
        let date = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches('\u{feff}');
        if day_of(date).is_some() && !date.starts_with(&prefix) {
            errors.push((
                i + 1,
                Invalid::new(
                    "date",
                    "wrong_year",
                    format!("日期不在 {year} 年内"),
                    format!("is not in {year}"),
                ),
            ));
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.0);
        return Err(errors);
    }
    let cal = tongchou_domain::calendar::Calendar::parse_csv(text)?;
    let mut rows = Vec::new();
    for (days, kind) in [(&cal.holidays, "holiday"), (&cal.workdays, "workday")] {
        for &d in days {
            let (y, m, dd) = tongchou_domain::date::civil_from_days(d);
            rows.push((format!("{y:04}-{m:02}-{dd:02}"), kind.to_string()));
        }
    }
    rows.sort();
    Ok(rows)
}

/// What a client sends to file a case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseInput {
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub region_code: String,
    pub grid_code: String,
    pub priority: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    /// Where it came in (`hotline`, `window`, …); the server decides what a caller may claim.
    pub source: String,
    /// The reporter's e-mail and a link to a photo (what Open311 clients send).
    pub reporter_email: String,
    pub media_url: String,
}

/// A validated case to create. `key` is the idempotency key, already namespaced by the caller
/// (user, API key or anonymous client).
#[derive(Debug, Clone)]
pub struct NewCase {
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub region_code: Option<String>,
    pub grid_code: Option<String>,
    pub priority: Option<Priority>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub source: Source,
    pub key: Option<String>,
    pub reporter_email: Option<String>,
    pub media_url: Option<String>,
}

/// An e-mail address as far as it can be checked without sending mail: one `@` with text on
/// both sides and a dot in the domain, at most 100 characters.
fn email(field: &str, v: &str) -> Result<Option<String>, Invalid> {
    let Some(v) = optional_text(field, v, 100)? else {
        return Ok(None);
    };
    let ok = v.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !domain.contains('@') && !v.contains(' ')
    });
    if !ok {
        return Err(Invalid::new(
            field,
            "invalid_email",
            "不是有效的电子邮件地址",
            "is not an e-mail address",
        ));
    }
    Ok(Some(v))
}

/// A link to a photo: an `http` or `https` URL of at most 500 characters.
fn media_url(field: &str, v: &str) -> Result<Option<String>, Invalid> {
    let Some(v) = optional_text(field, v, 500)? else {
        return Ok(None);
    };
    if !(v.starts_with("https://") || v.starts_with("http://")) || v.contains(char::is_whitespace) {
        return Err(Invalid::new(
            field,
            "invalid_url",
            "应为 http(s) 网址",
            "must be an http(s) URL",
        ));
    }
    Ok(Some(v))
}

impl NewCase {
    pub fn validate(
        i: &CaseInput,
        source: Source,
        key: Option<String>,
    ) -> Result<NewCase, Invalid> {
        let category_code = i.category_code.trim();
        if category_code.len() != 4 || !category_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "category_code",
                "invalid_category",
                "请选择小类（四位代码）",
                "must be a 小类 code of four digits",
            ));
        }
        let description = optional_text("description", &i.description, 4000)?.unwrap_or_default();
        let title = match optional_text("title", &i.title, 60)? {
            Some(t) => t,
            None if !description.is_empty() => description.chars().take(30).collect(),
            None => {
                return Err(Invalid::new(
                    "description",
                    "required",
                    "请描述问题",
                    "must not be empty (describe the problem)",
                ));
            }
        };
        let coord = |field: &str, v: Option<f64>, lim: f64| match v {
            Some(x) if !x.is_finite() || x.abs() > lim => Err(Invalid::new(
                field,
                "out_of_range",
                format!("应在 -{lim} 到 {lim} 之间"),
                format!("must be between -{lim} and {lim}"),
            )),
            _ => Ok(v),
        };
        let lat = coord("lat", i.lat, 90.0)?;
        let lng = coord("lng", i.lng, 180.0)?;
        if lat.is_some() != lng.is_some() {
            return Err(Invalid::new(
                if lat.is_none() { "lat" } else { "lng" },
                "required",
                "经纬度须同时提供",
                "latitude and longitude go together",
            ));
        }
        let region_code = match i.region_code.trim() {
            "" => None,
            r => Some(
                RegionCode::parse_field("region_code", r)?
                    .as_str()
                    .to_string(),
            ),
        };
        let grid_code = match i.grid_code.trim() {
            "" => None,
            g => Some(grid::parse_code("grid_code", g)?.0),
        };
        if region_code.is_none() && grid_code.is_none() {
            return Err(Invalid::new(
                "region_code",
                "required",
                "请选择发生地（村/社区或网格）",
                "must name where it happened (a region or a grid)",
            ));
        }
        let priority = match i.priority.trim() {
            "" => None,
            p => Some(Priority::parse(p).ok_or_else(|| {
                Invalid::new(
                    "priority",
                    "invalid_priority",
                    "应为 normal/urgent/emergency 之一",
                    "must be one of normal, urgent, emergency",
                )
            })?),
        };
        Ok(NewCase {
            category_code: category_code.to_string(),
            title,
            description,
            address: optional_text("address", &i.address, 200)?.unwrap_or_default(),
            lat,
            lng,
            region_code,
            grid_code,
            priority,
            reporter_name: optional_text("reporter_name", &i.reporter_name, 30)?,
            reporter_phone: phone("reporter_phone", &i.reporter_phone)?,
            source,
            key,
            reporter_email: email("reporter_email", &i.reporter_email)?,
            media_url: media_url("media_url", &i.media_url)?,
        })
    }
}

impl NewCase {
    /// A digest of what the request asks for (everything but its key): a retry carries the same,
    /// a reused key with another body does not.
    pub fn fingerprint(&self) -> String {
        use blake2::Digest;
        let mut h = blake2::Blake2b::<blake2::digest::consts::U16>::new();
        let fields = [
            self.category_code.as_str(),
            &self.title,
            &self.description,
            &self.address,
            &format!("{:?},{:?}", self.lat, self.lng),
            self.region_code.as_deref().unwrap_or(""),
            self.grid_code.as_deref().unwrap_or(""),
            self.priority.map(|p| p.as_str()).unwrap_or(""),
            self.reporter_name.as_deref().unwrap_or(""),
            self.reporter_phone.as_deref().unwrap_or(""),
            self.source.as_str(),
            self.reporter_email.as_deref().unwrap_or(""),
            self.media_url.as_deref().unwrap_or(""),
        ];
        for f in fields {
            h.update((f.len() as u64).to_le_bytes());
            h.update(f.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A case as stored, with the names a screen needs and its current light.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Case {
    #[serde(with = "id_str")]
    pub id: i64,
    pub county_code: String,
    pub number: String,
    #[serde(skip)]
    pub secret: String,
    pub category_code: String,
    pub category_name: Option<String>,
    pub title: String,
    pub description: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub region_code: String,
    pub region_name: Option<String>,
    pub grid_code: Option<String>,
    pub source: String,
    pub priority: String,
    pub dispute: bool,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    #[serde(with = "id_str::opt")]
    pub reporter_user_id: Option<i64>,
    pub state: String,
    pub level: String,
    pub level_code: String,
    pub route_by: String,
    #[serde(with = "id_str::opt")]
    pub route_unit_id: Option<i64>,
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    #[serde(with = "id_str::opt")]
    pub first_unit_id: Option<i64>,
    pub returns: i32,
    pub reworks: i32,
    pub escalations: i32,
    pub closed_level: Option<String>,
    pub stage_started_at: Option<i64>,
    pub warn_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub limit_ms: Option<i64>,
    pub paused_remaining_ms: Option<i64>,
    pub suspend_requested: bool,
    #[serde(with = "id_str::opt")]
    pub supervised_by: Option<i64>,
    pub supervise_deadline: Option<i64>,
    #[serde(with = "id_str::opt")]
    pub duplicate_of: Option<i64>,
    pub satisfaction: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub version: i32,
    /// The stage light at the time of reading (`None` when no clock runs).
    #[sqlx(skip)]
    pub light: Option<Light>,
    /// The reporter's e-mail (Open311): for staff, never shown publicly.
    #[serde(skip)]
    pub reporter_email: Option<String>,
    /// A link to a photo the reporting client hosts (Open311 `media_url`).
    pub media_url: Option<String>,
}

impl Case {
    pub fn with_light(mut self, now: i64) -> Case {
        self.light = match (self.warn_at, self.deadline_at) {
            (Some(w), Some(d)) => Some(tongchou_domain::cases::light_at(now, w, d)),
            _ => None,
        };
        self
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseEvent {
    pub seq: i32,
    pub at: i64,
    #[serde(with = "id_str::opt")]
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub level: Option<String>,
    pub note: String,
    pub attachments: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    pub attachments: Vec<Attachment>,
}

/// A file attached to a case (its bytes are fetched on their own).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attachment {
    #[serde(with = "id_str")]
    pub id: i64,
    #[serde(with = "id_str")]
    pub case_id: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub uploaded_by: String,
    pub created_at: i64,
}

/// Accepted attachment types, by their first bytes, and the largest size.
pub const ATTACHMENT_MAX: usize = 5 * 1024 * 1024;

/// The type of an upload as its content shows it (JPEG, PNG, WebP, PDF), or `None`.
pub fn sniff_mime(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// The result of a create: the case (its `secret` is the tracking secret to give the reporter)
/// and whether this call created it (false for a retry with the same idempotency key).
#[derive(Debug, Clone)]
pub struct Created {
    pub case: Case,
    pub created: bool,
}

/// Queue and search filters. Every list is also limited to the caller's scope.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseFilter {
    /// Comma-separated states.
    pub state: String,
    pub category: String,
    /// A region subtree inside the caller's scope.
    pub region: String,
    pub grid_code: String,
    /// Only cases past their stage deadline.
    pub overdue: bool,
    /// Only cases under 督办.
    pub supervised: bool,
    /// Only cases at the caller's unit (handler inbox).
    pub mine: bool,
    /// Full-text query over title, description and address.
    pub q: String,
    /// Comma-separated case numbers.
    pub numbers: String,
    /// Filed at or after / before (Unix ms).
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    /// `open` (still on a desk) or `closed` (closed or rejected), as Open311 counts them.
    pub status: String,
}

/// A lifecycle action (`action` is a row of the transition table) or one of the side actions
/// that do not change the state: `request_suspend`, `supervise`, `comment`, `rate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseAct {
    pub action: String,
    pub note: String,
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    #[serde(with = "id_str::opt")]
    pub duplicate_of: Option<i64>,
    /// 督办 deadline (Unix ms).
    pub deadline: Option<i64>,
    pub satisfaction: String,
    /// The version the client saw; a stale one is refused (`stale_case`).
    pub version: Option<i32>,
}

/// The side actions: recorded as events, the state stays.
pub const SIDE_ACTIONS: [&str; 4] = ["request_suspend", "supervise", "comment", "rate"];

impl CaseAct {
    pub fn lifecycle(&self) -> Option<Action> {
        Action::parse(&self.action)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        if self.lifecycle().is_none() && !SIDE_ACTIONS.contains(&self.action.as_str()) {
            return Err(Invalid::new(
                "action",
                "invalid_action",
                "未知的操作",
                "is not a known action",
            ));
        }
        if self.note.chars().count() > 2000 {
            return Err(Invalid::new(
                "note",
                "too_long",
                "长度不能超过 2000 个字符",
                "must be at most 2000 characters",
            ));
        }
        if self.action == "rate" {
            Satisfaction::parse_field("satisfaction", &self.satisfaction)?;
        }
        Ok(())
    }
}

/// A case with its events and search text, for the trusted bulk loader (benchmarks).
#[derive(Debug, Clone)]
pub struct BulkCase {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    pub search: String,
}

/// Where and what a case about to be filed is, to find open cases it may duplicate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SimilarQuery {
    pub category_code: String,
    pub region_code: String,
    pub grid_code: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

/// How recent and how near a case must be to count as a possible duplicate.
pub const SIMILAR_WINDOW_DAYS: i64 = 7;
/// About 500 m in degrees of latitude (and of longitude at China's latitudes, generously).
pub const SIMILAR_RADIUS_DEG: f64 = 0.005;

/// A message in a user's in-app inbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    #[serde(with = "id_str")]
    pub id: i64,
    pub at: i64,
    #[serde(with = "id_str::opt")]
    pub case_id: Option<i64>,
    pub kind: String,
    pub text: String,
    pub read: bool,
}

/// A mediator of the pool (专家调解库), with expertise tags.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Mediator {
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub phone: Option<String>,
    pub tags: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MediatorInput {
    pub region_code: String,
    pub name: String,
    pub phone: String,
    /// Comma-separated expertise, e.g. `婚姻家庭,土地`.
    pub tags: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Party {
    #[serde(with = "id_str")]
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub side: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PartyInput {
    pub name: String,
    pub phone: String,
    /// `applicant`, `respondent` or `other`.
    pub side: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MediationSession {
    #[serde(with = "id_str")]
    pub id: i64,
    #[serde(with = "id_str::opt")]
    pub mediator_id: Option<i64>,
    pub mediator_name: Option<String>,
    pub held_at: i64,
    pub place: String,
    pub outcome: String,
    pub agreement: String,
    pub note: String,
    pub recorded_by: String,
}

/// A mediation session to record. `success` sends the case to verification with the agreement
/// as the handling report; `failure` escalates it one level (调解不成，上报上级).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SessionInput {
    #[serde(with = "id_str::opt")]
    pub mediator_id: Option<i64>,
    pub held_at: Option<i64>,
    pub place: String,
    /// `success`, `failure` or `adjourned`.
    pub outcome: String,
    pub agreement: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dispute {
    pub parties: Vec<Party>,
    pub sessions: Vec<MediationSession>,
}

/// The phones of a case's reporter and dispute parties, in full (an audited read).
#[derive(Debug, Clone, Serialize)]
pub struct CaseContacts {
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub parties: Vec<Party>,
}

/// What the timer sweep did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub escalated: u64,
    /// Supervising leaders told that a 督办 deadline passed.
    pub supervision_alerts: u64,
}

/// Case storage. Scope applies as in the registry: a case outside the caller's scope does not
/// exist for the caller.
pub trait CaseStorage: Send + Sync {
    /// The catalog as it applies at `at` (a 12-digit region code): the base 大类 and 小类 with
    /// the versions of every owner above `at` (the most specific wins) and the owners' own
    /// 小类. `None`: the base catalog.
    fn list_categories<'a>(&'a self, at: Option<&'a str>) -> BoxFut<'a, Vec<CategoryRow>>;
    /// Writes a category. The deployment's top administrator writes the base catalog; any other
    /// administrator writes its own region's version of a 小类 (or a 小类 of its own), which
    /// applies in its subtree only. 大类 are the top administrator's.
    fn put_category<'a>(&'a self, ctx: &'a Ctx, c: &'a CategoryRow) -> BoxFut<'a, CategoryRow>;
    fn list_rules<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, Vec<RuleRow>>;
    fn put_rule<'a>(&'a self, ctx: &'a Ctx, r: &'a RuleInput) -> BoxFut<'a, RuleRow>;
    fn delete_rule<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, ()>;
    /// The calendar's exceptions in a year: `(YYYY-MM-DD, holiday|workday)`.
    fn calendar_year(&self, year: i32) -> BoxFut<'_, Vec<(String, String)>>;
    /// Replaces a year's exceptions with `days` in one transaction (the deployment's top
    /// administrator only: the calendar is the deployment's).
    fn import_calendar<'a>(
        &'a self,
        ctx: &'a Ctx,
        year: i32,
        days: &'a [(String, String)],
    ) -> BoxFut<'a, u64>;

    /// Files a case: checks place and category, routes it, numbers it, starts its clock, writes
    /// the first event and the search terms — one transaction. A retry with the same key returns
    /// the first case.
    fn create_case<'a>(&'a self, ctx: &'a Ctx, c: &'a NewCase) -> BoxFut<'a, Created>;
    fn get_case<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, CaseDetail>;
    fn list_cases<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a CaseFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Case>>;
    fn act_on_case<'a>(&'a self, ctx: &'a Ctx, id: i64, a: &'a CaseAct) -> BoxFut<'a, Case>;
    /// The case behind a tracking number and secret (for the public page and the reporter's own
    /// actions); `NotFound` when either is wrong.
    fn track_case<'a>(&'a self, number: &'a str, secret: &'a str) -> BoxFut<'a, CaseDetail>;
    /// The reporter rates or reopens (`action` = `rate` | `reopen`) with the tracking secret.
    /// Reopening is allowed for `reopen_days` (a setting, 15 by default) after closing.
    fn reporter_act<'a>(
        &'a self,
        number: &'a str,
        secret: &'a str,
        a: &'a CaseAct,
    ) -> BoxFut<'a, Case>;
    /// When each case is expected to be handled (Open311 `expected_datetime`): its 小类's limits
    /// where it happens, on the working-day calendar.
    fn expected_handled<'a>(&'a self, cases: &'a [Case], now: i64) -> BoxFut<'a, Vec<Option<i64>>>;
    /// Escalates overdue cases whose 小类 climbs automatically. Safe to run twice and from two
    /// processes at once: each case moves under its version.
    fn sweep_cases(&self, now: i64) -> BoxFut<'_, SweepReport>;
    /// Run-time settings (`reopen_days`).
    fn settings(&self) -> BoxFut<'_, Vec<(String, String)>>;
    /// Changes a known setting: `reopen_days` (0–365); the deployment's top administrator only.
    fn put_setting<'a>(&'a self, ctx: &'a Ctx, key: &'a str, value: &'a str) -> BoxFut<'a, ()>;
    fn add_mediator<'a>(&'a self, ctx: &'a Ctx, m: &'a MediatorInput) -> BoxFut<'a, Mediator>;
    /// Mediators whose region lies in the caller's scope or above it (a county's pool serves its
    /// townships), optionally with a tag.
    fn list_mediators<'a>(&'a self, ctx: &'a Ctx, tag: &'a str) -> BoxFut<'a, Vec<Mediator>>;
    fn dispute<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, Dispute>;
    /// The reporter's and the parties' phones in full, and the read written to the audit log, in
    /// one transaction.
    fn reveal_case_contacts<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, CaseContacts>;
    fn add_party<'a>(&'a self, ctx: &'a Ctx, case_id: i64, p: &'a PartyInput) -> BoxFut<'a, Party>;
    /// Records a mediation session of a dispute case being handled by the caller's unit (or by a
    /// grid worker of its village); success and failure move the case as `SessionInput` says.
    fn record_mediation<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        s: &'a SessionInput,
    ) -> BoxFut<'a, Case>;
    /// Attaches a file to a case in scope (checked by type and size) and records it as an event.
    fn add_attachment<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        name: &'a str,
        data: &'a [u8],
    ) -> BoxFut<'a, Attachment>;
    /// An attachment of a case in scope, with its bytes.
    fn attachment<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, (Attachment, Vec<u8>)>;
    /// Open cases of the same 小类 filed in the last `SIMILAR_WINDOW_DAYS` in the same grid or
    /// village, or within `SIMILAR_RADIUS_DEG` in the same township; merged ones are left out.
    fn similar_cases<'a>(&'a self, ctx: &'a Ctx, q: &'a SimilarQuery) -> BoxFut<'a, Vec<Case>>;
    /// The caller's inbox, newest first.
    fn inbox<'a>(
        &'a self,
        ctx: &'a Ctx,
        unread_only: bool,
        page: PageReq,
    ) -> BoxFut<'a, Page<Notification>>;
    fn unread_count<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, i64>;
    /// Marks one message (or, with `None`, all) of the caller's as read; answers how many.
    fn mark_read<'a>(&'a self, ctx: &'a Ctx, id: Option<i64>) -> BoxFut<'a, u64>;
    /// Trusted bulk load of cases with their events and search text (benchmarks), and the daily
    /// number counters to continue from; one transaction.
    fn bulk_load_cases<'a>(
        &'a self,
        rows: &'a [BulkCase],
        counters: &'a [(String, String, i64)],
    ) -> BoxFut<'a, ()>;
}
