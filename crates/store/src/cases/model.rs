//! Case types: what clients send, what is stored, what screens get.

use crate::prelude::*;

/// What a client sends to file a case.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct CaseInput {
    #[schemars(length(min = 1), pattern("^[0-9]{4}$"))]
    pub category_code: String,
    #[schemars(length(max = 60), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub title: String,
    #[schemars(length(max = 4000), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub description: String,
    #[schemars(length(max = 200), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub address: String,
    #[schemars(range(min = -90.0, max = 90.0))]
    pub lat: Option<f64>,
    #[schemars(range(min = -180.0, max = 180.0))]
    pub lng: Option<f64>,
    #[schemars(pattern(tongchou_domain::region::CODE_OR_BLANK_PATTERN))]
    pub region_code: String,
    #[schemars(pattern(tongchou_domain::grid::CODE_OR_BLANK_PATTERN))]
    pub grid_code: String,
    #[schemars(extend("enum" = ["", "normal", "urgent", "emergency"]))]
    pub priority: String,
    #[schemars(length(max = 30), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub reporter_name: String,
    #[schemars(pattern(tongchou_domain::error::PHONE_PATTERN))]
    pub reporter_phone: String,
    /// Where it came in (`hotline`, `window`, …); the server decides what a caller may claim.
    #[schemars(extend("enum" = ["", "web", "grid", "hotline", "window", "api", "open311"]))]
    pub source: String,
    /// The reporter's e-mail and a link to a photo (what Open311 clients send).
    #[schemars(length(max = 100), pattern("^(?:[^@ ]+@[^@ ]*\\.[^@ ]*)?$"))]
    pub reporter_email: String,
    #[schemars(length(max = 500), pattern("^(?:https?://\\S*)?$"))]
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

/// A case as stored, with the names a screen needs and its current light.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Case {
    #[schemars(with = "crate::IdOut")]
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
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub reporter_user_id: Option<i64>,
    pub state: String,
    pub level: String,
    pub level_code: String,
    pub route_by: String,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub route_unit_id: Option<i64>,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    #[schemars(with = "Option<crate::IdOut>")]
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
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub supervised_by: Option<i64>,
    pub supervise_deadline: Option<i64>,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub duplicate_of: Option<i64>,
    pub satisfaction: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub version: i32,
    /// The stage light at the time of reading (`None` when no clock runs).
    #[sqlx(skip)]
    #[schemars(schema_with = "light_schema")]
    pub light: Option<Light>,
    /// The reporter's e-mail (Open311): for staff, never shown publicly.
    #[serde(skip)]
    pub reporter_email: Option<String>,
    /// A link to a photo the reporting client hosts (Open311 `media_url`).
    pub media_url: Option<String>,
    /// How many times the reporter reopened the case.
    pub reopens: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct CaseEvent {
    pub seq: i32,
    pub at: i64,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub level: Option<String>,
    /// What the actor wrote, or the system's own note in the request's language.
    #[serde(serialize_with = "tongchou_domain::error::serialize_stored")]
    pub note: String,
    pub attachments: String,
    /// The stage deadline in force after the event (for the recount of the assessment facts).
    #[serde(skip)]
    #[schemars(skip)]
    pub stage_deadline: Option<i64>,
    /// The 督办 deadline a `supervise` set.
    #[serde(skip)]
    #[schemars(skip)]
    pub due_at: Option<i64>,
    /// The rating of a `rate`, or a mediation's outcome on the event it caused.
    #[serde(skip)]
    #[schemars(skip)]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    pub attachments: Vec<Attachment>,
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
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct CaseAct {
    #[schemars(length(min = 1))]
    #[schemars(extend("enum" = ["accept", "reject", "merge", "dispatch", "sign", "return", "handle", "escalate", "suspend", "resume", "verify_pass", "verify_fail", "reopen", "request_suspend", "supervise", "comment", "rate"]))]
    pub action: String,
    #[schemars(length(max = 2000), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub note: String,
    #[schemars(with = "Option<crate::IdIn>")]
    #[serde(with = "id_str::opt")]
    pub unit_id: Option<i64>,
    #[schemars(with = "Option<crate::IdIn>")]
    #[serde(with = "id_str::opt")]
    pub duplicate_of: Option<i64>,
    /// The case to merge into by its number, as staff read it (instead of `duplicate_of`).
    #[schemars(pattern(tongchou_domain::categories::CASE_NUMBER_OR_BLANK_PATTERN))]
    pub duplicate_number: String,
    /// 督办 deadline (Unix ms).
    pub deadline: Option<i64>,
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub satisfaction: String,
    /// The version the client saw; a stale one is refused (`stale_case`).
    pub version: Option<i32>,
    /// The caller's Idempotency-Key (from the header, never the body): a resend of an action
    /// already taken answers the case as it is.
    #[serde(skip)]
    #[schemars(skip)]
    pub key: Option<String>,
    /// Set by a mediation session on the event it causes (`mediation_success` or
    /// `mediation_failure`), for the assessment's counts.
    #[serde(skip)]
    #[schemars(skip)]
    pub outcome: Option<&'static str>,
}

/// The side actions: recorded as events, the state stays.
pub const SIDE_ACTIONS: [&str; 4] = ["request_suspend", "supervise", "comment", "rate"];

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
    /// For the public form: leave disputes out (their parties' affair).
    #[serde(skip)]
    pub public: bool,
}

/// How recent and how near a case must be to count as a possible duplicate.
pub const SIMILAR_WINDOW_DAYS: i64 = 7;

/// About 500 m in degrees of latitude (and of longitude at China's latitudes, generously).
pub const SIMILAR_RADIUS_DEG: f64 = 0.005;

/// What the timer sweep did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub escalated: u64,
    /// Supervising leaders told that a 督办 deadline passed.
    pub supervision_alerts: u64,
    /// Stage deadlines that passed and were counted as overdue.
    pub overdue_counted: u64,
    /// Red/yellow/blue warnings issued for the month that just ended (once per month).
    pub warnings_issued: u64,
}

/// The phones of a case's reporter and dispute parties, in full (an audited read).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CaseContacts {
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    pub parties: Vec<Party>,
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

impl Case {
    pub fn with_light(mut self, now: i64) -> Case {
        self.light = match (self.warn_at, self.deadline_at) {
            (Some(w), Some(d)) => Some(tongchou_domain::cases::light_at(now, w, d)),
            _ => None,
        };
        self
    }
}

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

/// The schema of a case's light: green, yellow, red, or null when no clock runs.
pub fn light_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"enum": ["green", "yellow", "red", null]})
}
