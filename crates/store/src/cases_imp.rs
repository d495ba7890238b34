// Case storage shared by both backends: `include!`d into `sqlite.rs` and `postgres.rs` after
// `imp.rs`, whose helpers it uses. Each backend defines `CASE_SEARCH_INSERT`, `CASE_SEARCH_IDS`
// and `case_search_expr` for its full-text index.

use crate::cases::*;
use tongchou_domain::calendar::{Calendar, day_of};
use tongchou_domain::cases::{
    Clock, Satisfaction, Stage, actor_of, next_level, stage_limit, tracking_secret,
};
use tongchou_domain::categories::case_number;
use tongchou_domain::routing::{self, Route, Territory};
use tongchou_domain::workflow::{self, Action, Actor, State};
use tongchou_domain::{Level, Role};

const CASE_COLS: &str = "c.id, c.county_code, c.number, c.secret, c.category_code, \
     (SELECT k.name FROM case_categories k WHERE k.code = c.category_code) AS category_name, \
     c.title, c.description, c.address, c.lat, c.lng, c.region_code, \
     (SELECT r.name FROM regions r WHERE r.code = c.region_code) AS region_name, \
     c.grid_code, c.source, c.priority, c.dispute, c.reporter_name, c.reporter_phone, \
     c.reporter_user_id, c.state, c.level, c.level_code, c.route_by, c.route_unit_id, c.unit_id, \
     (SELECT u.name FROM units u WHERE u.id = c.unit_id) AS unit_name, \
     c.first_unit_id, c.returns, c.reworks, c.escalations, c.closed_level, c.stage_started_at, \
     c.warn_at, c.deadline_at, c.limit_ms, c.paused_remaining_ms, c.suspend_requested, \
     c.supervised_by, c.supervise_deadline, c.duplicate_of, c.satisfaction, c.created_at, \
     c.updated_at, c.closed_at, c.version, c.reporter_email, c.media_url";

const EVENT_COLS: &str = "e.seq, e.at, e.actor_id, e.actor_name, e.actor, e.action, e.from_state, \
     e.to_state, e.unit_id, (SELECT u.name FROM units u WHERE u.id = e.unit_id) AS unit_name, \
     e.level, e.note, e.attachments";

const CASE_INSERT_COLS: [&str; 40] = [
    "county_code",
    "township_code",
    "id",
    "number",
    "secret",
    "category_code",
    "title",
    "description",
    "address",
    "lat",
    "lng",
    "region_code",
    "grid_code",
    "source",
    "priority",
    "dispute",
    "reporter_name",
    "reporter_phone",
    "reporter_user_id",
    "state",
    "level",
    "level_code",
    "route_by",
    "route_unit_id",
    "unit_id",
    "first_unit_id",
    "returns",
    "reworks",
    "escalations",
    "closed_level",
    "stage_started_at",
    "warn_at",
    "deadline_at",
    "limit_ms",
    "satisfaction",
    "created_at",
    "updated_at",
    "closed_at",
    "reporter_email",
    "media_url",
];

const EVENT_INSERT_COLS: [&str; 14] = [
    "county_code",
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "actor",
    "action",
    "from_state",
    "to_state",
    "unit_id",
    "level",
    "note",
    "attachments",
];

const CATEGORY_COLS: &str = "code, parent_code, name, domain, priority, limit_unit, limit_value, \
     dispute, auto_escalate, active, dispatch_hours, sign_hours, verify_hours, '' AS owner_code";

/// How long after closing a reporter may reopen, unless the `reopen_days` setting says otherwise.
const DEFAULT_REOPEN_DAYS: i64 = 15;

/// The case level of a region level: the ladder has no province rung.
fn case_level(level: Level) -> Option<&'static str> {
    match level {
        Level::Village => Some("village"),
        Level::Township => Some("township"),
        Level::County => Some("county"),
        Level::City => Some("city"),
        Level::Province => None,
    }
}

fn level_of(s: &str) -> Level {
    Level::parse(s).unwrap_or(Level::County)
}

/// The code of the ancestor (or self) of `code` at `level`.
fn code_at(code: &str, level: Level) -> String {
    let n = level.digits().min(code.len());
    format!("{:0<12}", &code[..n])
}

fn refused(r: workflow::Refusal) -> StoreError {
    match r {
        workflow::Refusal::NotAllowedInState => StoreError::refused(
            r.code(),
            "当前状态下不能执行此操作",
            "this action is not allowed in the case's current state",
        ),
        workflow::Refusal::NotYourAction => StoreError::refused(
            r.code(),
            "您的角色不能执行此操作",
            "your role may not take this action on the case",
        ),
    }
}

fn note_required(a: &CaseAct) -> StoreResult<String> {
    let n = a.note.trim();
    if n.is_empty() {
        return Err(Invalid::new(
            "note",
            "required",
            "请填写说明",
            "must not be empty for this action",
        )
        .into());
    }
    Ok(n.to_string())
}

/// The subtree a routing rule's prefix governs (`""`: everything); `None` for a malformed prefix.
fn rule_subtree(prefix: &str) -> Option<Scope> {
    if prefix.is_empty() {
        return Some(Scope::all());
    }
    RegionCode::parse(prefix).ok().map(|r| r.scope())
}

/// What intake and transitions read of the catalog: categories, routing rules, units and the
/// working-day calendar. Cached for `CATALOG_TTL`; an edit through this process drops the cache
/// at once, and other processes on the same PostgreSQL database see it within the TTL.
pub struct Catalog {
    loaded: std::time::Instant,
    categories: HashMap<String, CategoryRow>,
    /// Regions' own versions of 小类, the most specific owner first.
    overrides: Vec<CategoryRow>,
    rules: HashMap<String, Vec<routing::Rule>>,
    /// Units of each region, in id order: (id, kind).
    units: HashMap<String, Vec<(i64, String)>>,
    unit_region: HashMap<i64, String>,
    calendar: Calendar,
}

const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Case state kept by a store: the catalog cache and the intake queue.
#[derive(Default)]
pub struct CaseState {
    catalog: std::sync::Mutex<Option<std::sync::Arc<Catalog>>>,
    intake: std::sync::OnceLock<IntakeQueue>,
    intake_stats: std::sync::Arc<crate::stats::IntakeStats>,
}

async fn load_catalog(pool: &sqlx::Pool<Db>) -> StoreResult<Catalog> {
    let categories: Vec<CategoryRow> = sqlx::query_as::<Db, CategoryRow>(AssertSqlSafe(format!(
        "SELECT {CATEGORY_COLS} FROM case_categories"
    )))
    .fetch_all(pool)
    .await?;
    let mut overrides: Vec<CategoryRow> = sqlx::query_as::<Db, CategoryRow>(AssertSqlSafe(
        format!("SELECT {OVERRIDE_COLS} FROM category_overrides"),
    ))
    .fetch_all(pool)
    .await?;
    overrides.sort_by(|a, b| b.owner_code.cmp(&a.owner_code));
    let rules: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT subcategory, region_prefix, unit_id FROM routing_rules")
            .fetch_all(pool)
            .await?;
    let units: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, region_code, kind FROM units ORDER BY id")
            .fetch_all(pool)
            .await?;
    let days: Vec<(String, String)> = sqlx::query_as("SELECT day, kind FROM calendar_days")
        .fetch_all(pool)
        .await?;
    let mut cat = Catalog {
        loaded: std::time::Instant::now(),
        categories: categories
            .into_iter()
            .map(|k| (k.code.clone(), k))
            .collect(),
        overrides,
        rules: HashMap::new(),
        units: HashMap::new(),
        unit_region: HashMap::new(),
        calendar: Calendar::default(),
    };
    for (sub, prefix, unit) in rules {
        cat.rules
            .entry(sub.clone())
            .or_default()
            .push(routing::Rule {
                subcategory: sub,
                region_prefix: prefix,
                unit_id: unit,
            });
    }
    for (id, region, kind) in units {
        cat.unit_region.insert(id, region.clone());
        cat.units.entry(region).or_default().push((id, kind));
    }
    for (d, kind) in days {
        if let Some(n) = day_of(&d) {
            if kind == "workday" {
                cat.calendar.workdays.insert(n);
            } else {
                cat.calendar.holidays.insert(n);
            }
        }
    }
    Ok(cat)
}

async fn fetch_case(tx: &mut Tx, scope: &Scope, id: i64) -> StoreResult<Case> {
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases c WHERE c.id = $1 AND c.region_code >= $2 AND c.region_code < $3"
    );
    fetch_scoped(tx, sql, id, scope, "case").await
}

async fn fetch_events(tx: &mut Tx, county: &str, id: i64) -> StoreResult<Vec<CaseEvent>> {
    Ok(sqlx::query_as::<Db, CaseEvent>(AssertSqlSafe(format!(
        "SELECT {EVENT_COLS} FROM case_events e WHERE e.county_code = $1 AND e.case_id = $2 ORDER BY e.seq"
    )))
    .bind(county)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

async fn fetch_category(tx: &mut Tx, code: &str) -> StoreResult<Option<CategoryRow>> {
    Ok(sqlx::query_as::<Db, CategoryRow>(AssertSqlSafe(format!(
        "SELECT {CATEGORY_COLS} FROM case_categories WHERE code = $1"
    )))
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn reopen_window_ms(tx: &mut Tx) -> StoreResult<i64> {
    let v: Option<(String,)> =
        sqlx::query_as("SELECT value FROM settings WHERE key = 'reopen_days'")
            .fetch_optional(&mut **tx)
            .await?;
    let days = v
        .and_then(|(s,)| s.parse::<i64>().ok())
        .unwrap_or(DEFAULT_REOPEN_DAYS);
    Ok(days * tongchou_domain::calendar::DAY_MS)
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut Tx,
    case: (&str, i64),
    at: i64,
    ctx: &Ctx,
    actor: &str,
    action: &str,
    from: Option<&str>,
    to: &str,
    unit_id: Option<i64>,
    level: &str,
    note: &str,
    attachments: &str,
) -> StoreResult<()> {
    // New cases get their first event in the intake batch; later events follow the last.
    let (seq,): (i32,) = sqlx::query_as(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE county_code = $1 AND case_id = $2",
    )
    .bind(case.0)
    .bind(case.1)
    .fetch_one(&mut **tx)
    .await?;
    let e = CaseEvent {
        seq,
        at,
        actor_id: ctx.user_id,
        actor_name: ctx.username.clone(),
        actor: actor.into(),
        action: action.into(),
        from_state: from.map(Into::into),
        to_state: to.into(),
        unit_id,
        unit_name: None,
        level: Some(level.into()),
        note: note.into(),
        attachments: attachments.into(),
    };
    let sql = multi_insert_sql("case_events", &EVENT_INSERT_COLS, 1);
    bind_event(sqlx::query(AssertSqlSafe(sql)), case.0, case.1, &e)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes the changed fields of `c` under the version it was read with.
async fn save_case(tx: &mut Tx, c: &Case, now: i64) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE cases SET state = $1, level = $2, level_code = $3, unit_id = $4, first_unit_id = $5, \
         returns = $6, reworks = $7, escalations = $8, closed_level = $9, closed_at = $10, \
         stage_started_at = $11, warn_at = $12, deadline_at = $13, limit_ms = $14, \
         paused_remaining_ms = $15, suspend_requested = $16, duplicate_of = $17, satisfaction = $18, \
         supervised_by = $19, supervise_deadline = $20, updated_at = $21, version = version + 1 \
         WHERE county_code = $22 AND id = $23 AND version = $24",
    )
    .bind(&c.state)
    .bind(&c.level)
    .bind(&c.level_code)
    .bind(c.unit_id)
    .bind(c.first_unit_id)
    .bind(c.returns)
    .bind(c.reworks)
    .bind(c.escalations)
    .bind(&c.closed_level)
    .bind(c.closed_at)
    .bind(c.stage_started_at)
    .bind(c.warn_at)
    .bind(c.deadline_at)
    .bind(c.limit_ms)
    .bind(c.paused_remaining_ms)
    .bind(c.suspend_requested)
    .bind(c.duplicate_of)
    .bind(&c.satisfaction)
    .bind(c.supervised_by)
    .bind(c.supervise_deadline)
    .bind(now)
    .bind(&c.county_code)
    .bind(c.id)
    .bind(c.version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::refused(
            "stale_case",
            "案件已被他人更新，请刷新后重试",
            "the case changed meanwhile; reload and try again",
        ));
    }
    Ok(())
}

fn set_clock(c: &mut Case, clock: Option<(i64, Clock)>) {
    match clock {
        Some((start, k)) => {
            c.stage_started_at = Some(start);
            c.warn_at = Some(k.warn_at);
            c.deadline_at = Some(k.deadline_at);
            c.limit_ms = Some(k.limit_ms);
        }
        None => {
            c.stage_started_at = None;
            c.warn_at = None;
            c.deadline_at = None;
        }
    }
}

/// How a lifecycle action is checked and carried out. `via_secret` is true when the reporter
/// acts with the tracking number and secret.
#[allow(clippy::too_many_arguments)]
async fn apply_transition(
    tx: &mut Tx,
    catalog: &Catalog,
    ctx: &Ctx,
    actor: Actor,
    via_secret: bool,
    mut c: Case,
    action: Action,
    a: &CaseAct,
    now: i64,
) -> StoreResult<Case> {
    match actor {
        Actor::Dispatcher if !ctx.scope.contains(&c.level_code) => {
            return Err(StoreError::refused(
                "not_your_level",
                "案件不在本级调度范围内",
                "the case is at a level outside your desk",
            ));
        }
        Actor::Handler if ctx.unit_id.is_none() || ctx.unit_id != c.unit_id => {
            return Err(StoreError::refused(
                "not_your_unit",
                "案件未派给本单位",
                "the case is not assigned to your unit",
            ));
        }
        Actor::Reporter
            if !via_secret && (ctx.user_id.is_none() || ctx.user_id != c.reporter_user_id) =>
        {
            return Err(StoreError::refused(
                "not_your_case",
                "只有反映人可以执行此操作",
                "only the reporter may do this",
            ));
        }
        _ => {}
    }
    if c.duplicate_of.is_some() {
        return Err(StoreError::refused(
            "merged_case",
            "案件已合并到其他案件，不再受理更新",
            "the case was merged into another and takes no updates",
        ));
    }
    let from = State::parse(&c.state).ok_or(StoreError::NotFound("case state"))?;
    let to = workflow::next(from, action, actor).map_err(refused)?;
    let mut note = a.note.trim().to_string();
    let cal = &catalog.calendar;
    let category = catalog.category(&c.category_code, &c.region_code);
    let limits = category.map(|k| k.stage_limits()).unwrap_or(
        tongchou_domain::cases::StageLimits::handling(
            tongchou_domain::categories::Limit::WorkingDays(7),
        ),
    );
    let priority = tongchou_domain::categories::Priority::parse(&c.priority)
        .unwrap_or(tongchou_domain::categories::Priority::Normal);
    let mut event_unit = c.unit_id;
    match action {
        Action::Accept | Action::Sign | Action::Suspend | Action::Resume => {}
        Action::Reject | Action::Return | Action::Handle | Action::VerifyFail => {
            note = note_required(a)?;
        }
        Action::Merge => {
            let target_id = a.duplicate_of.ok_or_else(|| {
                Invalid::new(
                    "duplicate_of",
                    "required",
                    "请选择合并到的案件",
                    "must name the case to merge into",
                )
            })?;
            let bad = |zh: &str, en: &str| -> StoreError {
                Invalid::new("duplicate_of", "invalid_merge", zh, en).into()
            };
            if target_id == c.id {
                return Err(bad("不能合并到自身", "cannot be the case itself"));
            }
            let target = match fetch_case(tx, &ctx.scope, target_id).await {
                Ok(t) => t,
                Err(StoreError::NotFound(_)) => {
                    return Err(bad("案件不存在", "no such case in your scope"));
                }
                Err(e) => return Err(e),
            };
            if target.duplicate_of.is_some() || target.state == "rejected" {
                return Err(bad(
                    "目标案件已作废或已被合并",
                    "the target was rejected or merged itself",
                ));
            }
            c.duplicate_of = Some(target_id);
            if note.is_empty() {
                note = format!("合并到 {} / merged into {}", target.number, target.number);
            }
        }
        Action::Dispatch => {
            let unit_id = a
                .unit_id
                .or(c.route_unit_id.filter(|_| c.first_unit_id.is_none()));
            let unit_id = unit_id.ok_or_else(|| {
                Invalid::new(
                    "unit_id",
                    "required",
                    "请选择处置单位",
                    "must name the handling unit",
                )
            })?;
            let unit: Option<(String,)> =
                sqlx::query_as("SELECT region_code FROM units WHERE id = $1")
                    .bind(unit_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            // The unit must be in the dispatcher's scope and on the case's own way up (its
            // village, township, county or city): never a unit of another township.
            let on_path =
                |r: &str| RegionCode::parse(r).is_ok_and(|u| u.scope().contains(&c.region_code));
            let region = match unit {
                Some((r,)) if ctx.scope.contains(&r) && on_path(&r) => r,
                _ => {
                    return Err(Invalid::new(
                        "unit_id",
                        "unknown_unit",
                        "处置单位不存在或不在您的范围内",
                        "no such unit in your scope",
                    )
                    .into());
                }
            };
            let level = RegionCode::parse(&region)
                .map(|r| r.level())
                .unwrap_or(Level::County);
            let Some(name) = case_level(level) else {
                return Err(Invalid::new(
                    "unit_id",
                    "unit_above_city",
                    "处置单位须在市级或以下",
                    "the unit must be at city level or below",
                )
                .into());
            };
            c.level = name.into();
            c.level_code = region;
            c.unit_id = Some(unit_id);
            c.first_unit_id = c.first_unit_id.or(Some(unit_id));
            event_unit = Some(unit_id);
        }
        Action::Escalate => {
            let Some(up) = next_level(level_of(&c.level)) else {
                return Err(StoreError::refused(
                    "escalation_top",
                    "已在最高层级（市级），不能再上报",
                    "the case is already at the top (city) level",
                ));
            };
            c.level = case_level(up).unwrap_or("city").into();
            c.level_code = code_at(&c.region_code, up);
            c.unit_id = None;
            c.escalations += 1;
            event_unit = None;
        }
        Action::VerifyPass => {
            c.closed_level = Some(c.level.clone());
            c.closed_at = Some(now);
        }
        Action::Reopen => {
            let window = reopen_window_ms(tx).await?;
            if c.closed_at.is_none_or(|t| now > t + window) {
                return Err(StoreError::refused(
                    "reopen_window_passed",
                    "已超过可重新打开的期限",
                    "the window for reopening has passed",
                ));
            }
            note = note_required(a)?;
            c.closed_at = None;
            c.closed_level = None;
            c.satisfaction = None;
        }
    }
    match action {
        Action::Return => {
            c.returns += 1;
            c.unit_id = None;
        }
        Action::VerifyFail => c.reworks += 1,
        _ => {}
    }
    // The stage clock: a new stage (or a new desk after escalating) starts a new clock; a
    // suspension keeps the time left; resuming restarts it with that time.
    match action {
        Action::Suspend => {
            let left = match c.deadline_at {
                Some(d) => cal.working_ms_between(now, d),
                None => 0,
            };
            c.paused_remaining_ms = Some(left);
            c.suspend_requested = false;
            set_clock(&mut c, None);
        }
        Action::Resume => {
            let limit = c.limit_ms.unwrap_or(0);
            let k = Clock::resume(cal, now, c.paused_remaining_ms.unwrap_or(0), limit);
            c.paused_remaining_ms = None;
            set_clock(&mut c, Some((now, k)));
        }
        _ => {
            let (was, is) = (Stage::of(from), Stage::of(to));
            match is {
                None => set_clock(&mut c, None),
                Some(stage) if was != is || action == Action::Escalate => {
                    let k = Clock::start(cal, now, stage_limit(stage, priority, &limits));
                    set_clock(&mut c, Some((now, k)));
                }
                Some(_) => {}
            }
        }
    }
    c.state = to.as_str().into();
    save_case(tx, &c, now).await?;
    insert_event(
        tx,
        (&c.county_code, c.id),
        now,
        ctx,
        actor.as_str(),
        action.as_str(),
        Some(from.as_str()),
        to.as_str(),
        event_unit,
        &c.level.clone(),
        &note,
        "[]",
    )
    .await?;
    notify_transition(tx, &c, action, now).await?;
    Ok(c)
}

/// Who hears of a case: the users of a unit, the dispatchers at a desk, the grid workers of a
/// village, or one user.
enum To<'a> {
    Unit(Option<i64>),
    Desk(&'a str),
    GridWorkers(&'a str),
    User(Option<i64>),
}

/// Puts a message in the inbox of everyone `to` names, in the caller's transaction.
async fn notify(
    tx: &mut Tx,
    c: &Case,
    to: To<'_>,
    kind: &str,
    text: &str,
    now: i64,
) -> StoreResult<()> {
    let users: Vec<(i64,)> = match to {
        To::Unit(None) | To::User(None) => Vec::new(),
        To::Unit(Some(u)) => {
            sqlx::query_as("SELECT id FROM users WHERE unit_id = $1 AND NOT disabled")
                .bind(u)
                .fetch_all(&mut **tx)
                .await?
        }
        To::Desk(code) => sqlx::query_as(
            "SELECT id FROM users WHERE role = 'dispatcher' AND scope_code = $1 AND NOT disabled",
        )
        .bind(code)
        .fetch_all(&mut **tx)
        .await?,
        To::GridWorkers(village) => sqlx::query_as(
            "SELECT id FROM users WHERE role = 'grid_worker' AND scope_code = $1 AND NOT disabled",
        )
        .bind(village)
        .fetch_all(&mut **tx)
        .await?,
        To::User(Some(u)) => vec![(u,)],
    };
    for (user,) in users {
        sqlx::query(
            "INSERT INTO notifications (county_code, id, user_id, at, case_id, kind, text) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&c.county_code)
        .bind(new_id())
        .bind(user)
        .bind(now)
        .bind(c.id)
        .bind(kind)
        .bind(text)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The inbox messages a transition sends.
async fn notify_transition(tx: &mut Tx, c: &Case, action: Action, now: i64) -> StoreResult<()> {
    let n = &c.number;
    let title = &c.title;
    match action {
        Action::Dispatch => {
            let t = format!("新派遣案件 {n}：{title} / new case dispatched to your unit");
            notify(tx, c, To::Unit(c.unit_id), "dispatched", &t, now).await
        }
        Action::Return => {
            let t = format!("案件被回退 {n}：{title} / returned by the unit");
            notify(tx, c, To::Desk(&c.level_code), "returned", &t, now).await
        }
        Action::Escalate => {
            let t = format!("收到上报案件 {n}：{title} / escalated to your desk");
            notify(tx, c, To::Desk(&c.level_code), "escalated", &t, now).await
        }
        Action::Handle => {
            let t = format!("待核查 {n}：{title} / handled, to verify");
            notify(tx, c, To::GridWorkers(&c.region_code), "verify", &t, now).await?;
            notify(tx, c, To::Desk(&c.level_code), "verify", &t, now).await
        }
        Action::VerifyFail => {
            let t = format!("核查不通过，请返工 {n}：{title} / verification failed: rework");
            notify(tx, c, To::Unit(c.unit_id), "rework", &t, now).await
        }
        Action::Suspend | Action::Resume => {
            let t = format!("挂账审批 {n}：{title} / suspension decided");
            notify(tx, c, To::Unit(c.unit_id), "suspension", &t, now).await
        }
        Action::VerifyPass => {
            let t = format!("督办案件已办结 {n}：{title} / a supervised case closed");
            notify(tx, c, To::User(c.supervised_by), "closed", &t, now).await
        }
        Action::Reopen => {
            let t = format!("群众重新打开 {n}：{title} / reopened by the reporter");
            notify(tx, c, To::Desk(&c.level_code), "reopened", &t, now).await
        }
        Action::Accept | Action::Reject | Action::Merge | Action::Sign => Ok(()),
    }
}

/// The actions that leave the state as it is: a handler asks for suspension, a higher-level
/// leader supervises (督办), staff comment, the reporter rates.
async fn apply_side_action(
    tx: &mut Tx,
    ctx: &Ctx,
    via_secret: bool,
    mut c: Case,
    a: &CaseAct,
    now: i64,
) -> StoreResult<Case> {
    let mut note = a.note.trim().to_string();
    let role_refused = || refused(workflow::Refusal::NotYourAction);
    let state_refused = || refused(workflow::Refusal::NotAllowedInState);
    let actor = match a.action.as_str() {
        "request_suspend" => {
            if ctx.role != Role::Handler || ctx.unit_id.is_none() || ctx.unit_id != c.unit_id {
                return Err(role_refused());
            }
            if c.state != "in_progress" {
                return Err(state_refused());
            }
            note = note_required(a)?;
            c.suspend_requested = true;
            Actor::Handler.as_str()
        }
        "supervise" => {
            // A leader above the case's level: the leader's scope holds the case's desk but is
            // not that desk itself.
            let own = RegionCode::parse(&c.level_code)
                .map(|r| r.scope())
                .unwrap_or_else(|_| Scope::all());
            if !matches!(ctx.role, Role::Leader | Role::Admin)
                || !ctx.scope.contains(&c.level_code)
                || ctx.scope == own
            {
                return Err(StoreError::refused(
                    "not_higher_level",
                    "督办须由案件所在层级的上级领导发起",
                    "supervision is for a leader above the case's level",
                ));
            }
            if !State::parse(&c.state).is_some_and(State::is_open) {
                return Err(state_refused());
            }
            let deadline = a.deadline.filter(|d| *d > now).ok_or_else(|| {
                Invalid::new(
                    "deadline",
                    "invalid_deadline",
                    "督办期限须晚于现在",
                    "must be in the future",
                )
            })?;
            c.supervised_by = ctx.user_id;
            c.supervise_deadline = Some(deadline);
            ctx.role.as_str()
        }
        "comment" => {
            if ctx.role == Role::Resident && !via_secret {
                return Err(role_refused());
            }
            note = note_required(a)?;
            ctx.role.as_str()
        }
        "rate" => {
            // The reporter rates; or staff record the reporter's answer on a return visit (回访)
            // by phone: the dispatcher's desk or a service-center agent.
            let reporter =
                via_secret || (ctx.user_id.is_some() && ctx.user_id == c.reporter_user_id);
            let visit = matches!(ctx.role, Role::Dispatcher | Role::Agent | Role::Admin)
                && ctx.scope.contains(&c.level_code);
            if !reporter && !visit {
                return Err(StoreError::refused(
                    "not_your_case",
                    "只有反映人或回访人员可以评价",
                    "only the reporter, or staff on a return visit, may rate",
                ));
            }
            if c.state != "closed" || c.duplicate_of.is_some() {
                return Err(state_refused());
            }
            if c.satisfaction.is_some() {
                return Err(StoreError::refused(
                    "already_rated",
                    "已评价过",
                    "the case was already rated",
                ));
            }
            let s = Satisfaction::parse_field("satisfaction", &a.satisfaction)?;
            c.satisfaction = Some(s.as_str().into());
            if note.is_empty() {
                note = s.zh().into();
            }
            if reporter {
                Actor::Reporter.as_str()
            } else {
                note = format!("回访：{note}");
                ctx.role.as_str()
            }
        }
        _ => {
            return Err(Invalid::new(
                "action",
                "invalid_action",
                "未知的操作",
                "is not a known action",
            )
            .into());
        }
    };
    save_case(tx, &c, now).await?;
    insert_event(
        tx,
        (&c.county_code, c.id),
        now,
        ctx,
        actor,
        &a.action,
        Some(&c.state.clone()),
        &c.state.clone(),
        c.unit_id,
        &c.level.clone(),
        &note,
        "[]",
    )
    .await?;
    let (n, title) = (&c.number, &c.title);
    match a.action.as_str() {
        "supervise" => {
            let when = tongchou_domain::date::yyyymmdd(c.supervise_deadline.unwrap_or(now));
            let t = format!("督办 {n}：{title}，期限 {when} / supervised, due {when}");
            notify(tx, &c, To::User(c.supervised_by), "supervised", &t, now).await?;
            notify(tx, &c, To::Unit(c.unit_id), "supervised", &t, now).await?;
        }
        "request_suspend" => {
            let t = format!("申请挂账待审批 {n}：{title} / the unit asks to suspend");
            notify(
                tx,
                &c,
                To::Desk(&c.level_code),
                "suspend_requested",
                &t,
                now,
            )
            .await?;
        }
        _ => {}
    }
    Ok(c)
}

/// A case ready to write: everything read and checked; the write numbers it.
struct Prepared {
    case: Case,
    event: CaseEvent,
    key: Option<String>,
    /// What the request asked for, to tell a retry from a reused key.
    fingerprint: String,
    search: String,
}

type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

/// Binds a case row in the order of `CASE_INSERT_COLS`.
fn bind_case<'q>(q: Query<'q>, c: &'q Case) -> Query<'q> {
    q.bind(&c.county_code)
        .bind(c.region_code.get(..9).unwrap_or(""))
        .bind(c.id)
        .bind(&c.number)
        .bind(&c.secret)
        .bind(&c.category_code)
        .bind(&c.title)
        .bind(&c.description)
        .bind(&c.address)
        .bind(c.lat)
        .bind(c.lng)
        .bind(&c.region_code)
        .bind(&c.grid_code)
        .bind(&c.source)
        .bind(&c.priority)
        .bind(c.dispute)
        .bind(&c.reporter_name)
        .bind(&c.reporter_phone)
        .bind(c.reporter_user_id)
        .bind(&c.state)
        .bind(&c.level)
        .bind(&c.level_code)
        .bind(&c.route_by)
        .bind(c.route_unit_id)
        .bind(c.unit_id)
        .bind(c.first_unit_id)
        .bind(c.returns)
        .bind(c.reworks)
        .bind(c.escalations)
        .bind(&c.closed_level)
        .bind(c.stage_started_at)
        .bind(c.warn_at)
        .bind(c.deadline_at)
        .bind(c.limit_ms)
        .bind(&c.satisfaction)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.closed_at)
        .bind(&c.reporter_email)
        .bind(&c.media_url)
}

/// Binds an event row in the order of `EVENT_INSERT_COLS`.
fn bind_event<'q>(q: Query<'q>, county: &'q str, case_id: i64, e: &'q CaseEvent) -> Query<'q> {
    q.bind(county)
        .bind(case_id)
        .bind(e.seq)
        .bind(e.at)
        .bind(e.actor_id)
        .bind(&e.actor_name)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.from_state)
        .bind(&e.to_state)
        .bind(e.unit_id)
        .bind(&e.level)
        .bind(&e.note)
        .bind(&e.attachments)
}

/// Writes cases with their events and search terms as multi-row inserts.
async fn insert_cases(
    tx: &mut Tx,
    cases: &[&Case],
    events: &[(&Case, &CaseEvent)],
    search: &[(i64, &str)],
) -> StoreResult<()> {
    insert_chunks(tx, "cases", &CASE_INSERT_COLS, 500, cases, |q, c| {
        bind_case(q, c)
    })
    .await
    .map_err(|e| match e {
        StoreError::Db(d) => StoreError::from_db(d, "number"),
        e => e,
    })?;
    insert_chunks(
        tx,
        "case_events",
        &EVENT_INSERT_COLS,
        1000,
        events,
        |q, (c, e)| bind_event(q, &c.county_code, c.id, e),
    )
    .await?;
    let (table, cols) = CASE_SEARCH_BULK;
    insert_chunks(tx, table, &cols, 1000, search, |q, (id, body)| {
        q.bind(*id).bind(*body)
    })
    .await
}

/// Group commit for intake: new cases queue here, and one task writes whatever has queued
/// (up to `INTAKE_BATCH`) in one transaction, each case under its own savepoint so a failing one
/// leaves the others, and answers each only after the commit is durable.
struct IntakeQueue {
    tx: tokio::sync::mpsc::Sender<(Prepared, tokio::sync::oneshot::Sender<StoreResult<String>>)>,
}

const INTAKE_BATCH: usize = 128;

impl IntakeQueue {
    fn start(
        writer: sqlx::Pool<Db>,
        stats: std::sync::Arc<crate::stats::IntakeStats>,
    ) -> IntakeQueue {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(
            Prepared,
            tokio::sync::oneshot::Sender<StoreResult<String>>,
        )>(4 * INTAKE_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < INTAKE_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                stats.record(batch.len());
                match write_batch_retrying(&writer, &batch).await {
                    Ok(results) => {
                        for ((_, reply), r) in batch.into_iter().zip(results) {
                            let _ = reply.send(r);
                        }
                    }
                    // One case that cannot be written must not fail the others: each is written
                    // alone, and only the bad one is refused.
                    // A full disk or a missing database fails every case alike: no point in
                    // writing them one by one.
                    Err(e)
                        if batch.len() > 1
                            && !matches!(e, StoreError::DiskFull | StoreError::Unavailable(_)) =>
                    {
                        stats
                            .split_batches
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        for item in batch {
                            let r = write_batch_retrying(&writer, std::slice::from_ref(&item))
                                .await
                                .and_then(|mut r| {
                                    r.pop().unwrap_or(Err(StoreError::NotFound("case")))
                                });
                            let _ = item.1.send(r);
                        }
                    }
                    Err(e) => {
                        if let Some((_, reply)) = batch.into_iter().next() {
                            let _ = reply.send(Err(e));
                        }
                    }
                }
            }
        });
        IntakeQueue { tx }
    }

    /// Queues a case and waits until it is durable; returns its number.
    async fn write(&self, p: Prepared) -> StoreResult<String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .send((p, reply))
            .await
            .map_err(|_| StoreError::Batch("the intake writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Batch("the intake writer stopped".into()))?
    }
}

type Queued = (Prepared, tokio::sync::oneshot::Sender<StoreResult<String>>);

/// `write_batch`, run again after a deadlock or serialization failure (two servers writing at
/// once); the locks are taken in one order, so this is rare.
async fn write_batch_retrying(
    writer: &sqlx::Pool<Db>,
    batch: &[Queued],
) -> StoreResult<Vec<StoreResult<String>>> {
    let mut tries = 0;
    loop {
        match write_batch(writer, batch).await {
            Err(e) if e.is_retryable() && tries < 5 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5 << tries)).await;
            }
            r => return r,
        }
    }
}

/// Writes a batch of new cases in one transaction with a handful of statements: a retried
/// idempotency key is answered as a duplicate (the caller then returns the first case), the
/// numbers come from one counter update per county and day, and cases, first events and search
/// terms go in as multi-row inserts.
async fn write_batch(
    writer: &sqlx::Pool<Db>,
    batch: &[Queued],
) -> StoreResult<Vec<StoreResult<String>>> {
    let mut tx = writer.begin_with(BEGIN_WRITE).await?;
    let mut out: Vec<StoreResult<String>> = Vec::with_capacity(batch.len());
    let mut keys = std::collections::HashSet::new();
    let mut good: Vec<&Prepared> = Vec::with_capacity(batch.len());
    for (p, _) in batch {
        if let Some(key) = &p.key {
            let taken = !keys.insert(key.as_str())
                || sqlx::query_as::<Db, (i64,)>(
                    "SELECT case_id FROM idempotency_keys WHERE key = $1",
                )
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if taken {
                out.push(Err(StoreError::Duplicate {
                    field: "idempotency_key",
                }));
                continue;
            }
        }
        out.push(Ok(String::new()));
        good.push(p);
    }
    // Locks in one order (keys, then counters by county and day), so that two servers writing
    // batches at once wait for each other instead of deadlocking.
    let mut keyed: Vec<&&Prepared> = good.iter().filter(|p| p.key.is_some()).collect();
    keyed.sort_by(|a, b| a.key.cmp(&b.key));
    insert_chunks(
        &mut tx,
        "idempotency_keys",
        &["key", "county_code", "case_id", "created_at", "fingerprint"],
        500,
        &keyed,
        |q, p| {
            q.bind(&p.key)
                .bind(&p.case.county_code)
                .bind(p.case.id)
                .bind(p.case.created_at)
                .bind(&p.fingerprint)
        },
    )
    .await
    // Another server committed the same key first: the caller answers with that case.
    .map_err(|e| match e {
        StoreError::Db(d) => StoreError::from_db(d, "idempotency_key"),
        e => e,
    })?;
    // Numbers: one counter step per (county, day) for the whole batch.
    let mut groups: Vec<((String, String), Vec<usize>)> = Vec::new();
    for (i, p) in good.iter().enumerate() {
        let k = (
            p.case.county_code.clone(),
            tongchou_domain::date::yyyymmdd(p.case.created_at),
        );
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut numbers = vec![String::new(); good.len()];
    for ((county, day), members) in groups {
        let (last,): (i64,) = sqlx::query_as(
            "INSERT INTO case_counters (county_code, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (county_code, day) DO UPDATE SET last = case_counters.last + excluded.last \
             RETURNING last",
        )
        .bind(&county)
        .bind(&day)
        .bind(members.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let first = last - members.len() as i64 + 1;
        for (k, i) in members.into_iter().enumerate() {
            numbers[i] = case_number(&county, &day, (first + k as i64) as u32);
        }
    }
    let cases: Vec<Case> = good
        .iter()
        .zip(&numbers)
        .map(|(p, n)| Case {
            number: n.clone(),
            ..p.case.clone()
        })
        .collect();
    let case_refs: Vec<&Case> = cases.iter().collect();
    let events: Vec<(&Case, &CaseEvent)> = cases
        .iter()
        .zip(&good)
        .map(|(c, p)| (c, &p.event))
        .collect();
    let search: Vec<(i64, &str)> = good
        .iter()
        .map(|p| (p.case.id, p.search.as_str()))
        .collect();
    insert_cases(&mut tx, &case_refs, &events, &search).await?;
    let mut numbers = numbers.into_iter();
    for n in out.iter_mut().flatten() {
        *n = numbers.next().unwrap_or_default();
    }
    tx.commit().await?;
    Ok(out)
}

/// Which case an action is for: by id in the caller's scope, by tracking number and secret, or
/// an overdue case the sweep found (checked again inside the transaction).
enum Target<'a> {
    Id(i64),
    Secret(&'a str, &'a str),
    Due(i64, i64),
}

/// Dynamic SQL with numbered parameters: each call adds a value and answers its `$N`.
#[derive(Default)]
struct Args(Vec<Arg>);

enum Arg {
    Text(String),
    Int(i64),
}

impl Args {
    fn push(&mut self, a: Arg) -> String {
        self.0.push(a);
        format!("${}", self.0.len())
    }
    fn text(&mut self, v: impl Into<String>) -> String {
        self.push(Arg::Text(v.into()))
    }
    fn int(&mut self, v: i64) -> String {
        self.push(Arg::Int(v))
    }
    fn bind<'q, O>(
        &'q self,
        mut q: sqlx::query::QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments>,
    ) -> sqlx::query::QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments> {
        for a in &self.0 {
            q = match a {
                Arg::Text(t) => q.bind(t),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

impl S {
    fn intake_queue(&self) -> &IntakeQueue {
        self.cases.intake.get_or_init(|| {
            IntakeQueue::start(self.writer.clone(), self.cases.intake_stats.clone())
        })
    }

    async fn catalog(&self) -> StoreResult<std::sync::Arc<Catalog>> {
        let cached = self
            .cases
            .catalog
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(c) = cached.filter(|c| c.loaded.elapsed() < CATALOG_TTL) {
            return Ok(c);
        }
        let fresh = std::sync::Arc::new(load_catalog(&self.pool).await?);
        *self.cases.catalog.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Drops the cached catalog after an edit.
    fn catalog_changed(&self) {
        *self.cases.catalog.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    async fn seed_categories(tx: &mut Tx) -> StoreResult<()> {
        let now = now_ms();
        for k in default_categories() {
            upsert_category(tx, &k, now).await?;
        }
        Ok(())
    }

    async fn create_case_tx(&self, ctx: &Ctx, n: &NewCase) -> StoreResult<Created> {
        let now = now_ms();
        // Everything that is only read (place, category, rules, units, calendar) is read before
        // the write transaction, which then holds SQLite's single writer for five statements.
        let mut tx = self.read_tx().await?;
        if let Some(key) = &n.key {
            let found: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT case_id, fingerprint FROM idempotency_keys WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((id, fingerprint)) = found {
                if fingerprint.is_some_and(|f| f != n.fingerprint()) {
                    return Err(StoreError::refused(
                        "idempotency_key_reused",
                        "该 Idempotency-Key 已用于另一个不同的请求",
                        "this Idempotency-Key was used for a different request",
                    ));
                }
                let case = fetch_case(&mut tx, &Scope::all(), id).await?;
                tx.commit().await?;
                return Ok(Created {
                    case: case.with_light(now),
                    created: false,
                });
            }
        }
        // Where: a grid gives its village; a region must exist, be a county or below, and lie in
        // the caller's scope.
        let mut region_code = n.region_code.clone();
        if let Some(g) = &n.grid_code {
            let grid: Option<(String,)> =
                sqlx::query_as("SELECT region_code FROM grids WHERE code = $1")
                    .bind(g)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((gr,)) = grid else {
                return Err(Invalid::new(
                    "grid_code",
                    "unknown_grid",
                    "网格不存在",
                    "no such grid",
                )
                .into());
            };
            if region_code.as_ref().is_some_and(|r| *r != gr) {
                return Err(Invalid::new(
                    "region_code",
                    "grid_mismatch",
                    "与网格所属村/社区不一致",
                    "does not match the grid's village",
                )
                .into());
            }
            region_code = Some(gr);
        }
        let region_code = region_code.unwrap_or_default();
        let known: Option<(String, String)> =
            sqlx::query_as("SELECT level, name FROM regions WHERE code = $1")
                .bind(&region_code)
                .fetch_optional(&mut *tx)
                .await?;
        let region_name = known.as_ref().map(|k| k.1.clone()).unwrap_or_default();
        let region_level = match known.as_ref().and_then(|(l, _)| Level::parse(l)) {
            Some(l @ (Level::County | Level::Township | Level::Village)) => l,
            Some(_) => {
                return Err(Invalid::new(
                    "region_code",
                    "region_too_high",
                    "请选择县级或以下的区划",
                    "must be a county, township or village",
                )
                .into());
            }
            None => {
                return Err(Invalid::new(
                    "region_code",
                    "unknown_region",
                    "区划不存在",
                    "no such region",
                )
                .into());
            }
        };
        if !ctx.scope.contains(&region_code) {
            return Err(Invalid::out_of_scope("region_code").into());
        }
        tx.commit().await?;
        let cat = self.catalog().await?;
        let category = match cat.category(&n.category_code, &region_code) {
            Some(k) if k.parent_code.is_some() && k.active => k,
            _ => {
                return Err(Invalid::new(
                    "category_code",
                    "unknown_category",
                    "小类不存在或已停用",
                    "no such active 小类",
                )
                .into());
            }
        };
        // Routing: the rules for the 小类, then the territory's units.
        let no_rules = Vec::new();
        let rules = cat.rules.get(&category.code).unwrap_or(&no_rules);
        let first_unit = |region: Option<String>, committee: bool| {
            region.and_then(|r| {
                cat.units
                    .get(&r)
                    .and_then(|us| us.iter().find(|u| !committee || u.1 == "committee"))
                    .map(|u| u.0)
            })
        };
        let territory = Territory {
            village_committee: first_unit(
                (region_level == Level::Village).then(|| region_code.clone()),
                true,
            ),
            township_unit: first_unit(
                (region_level != Level::County).then(|| code_at(&region_code, Level::Township)),
                false,
            ),
            county_dispatch: None,
        };
        let route = routing::route(rules, &category.code, &region_code, territory);
        let route_unit = route.unit_id();
        let route_by = match route {
            Route::Rule { .. } => "rule",
            Route::Village { .. } => "village",
            Route::Township { .. } => "township",
            Route::County { .. } | Route::Unrouted => "county",
        };
        // The desk: the routed unit's level, or the county (兜底).
        let (level, level_code) = match route_unit
            .and_then(|u| cat.unit_region.get(&u))
            .and_then(|r| RegionCode::parse(r).ok())
            .and_then(|r| case_level(r.level()).map(|l| (l, r.as_str().to_string())))
        {
            Some(x) => x,
            None => ("county", code_at(&region_code, Level::County)),
        };
        let priority = n.priority.unwrap_or(category.priority());
        let clock = Clock::start(
            &cat.calendar,
            now,
            stage_limit(Stage::Dispatch, priority, &category.stage_limits()),
        );

        let id = new_id();
        let actor = actor_of(ctx.role).map_or(ctx.role.as_str(), Actor::as_str);
        let case = Case {
            id,
            county_code: region_code[..6].to_string(),
            number: String::new(),
            secret: tracking_secret(rand::random()),
            category_code: category.code.clone(),
            category_name: Some(category.name.clone()),
            title: n.title.clone(),
            description: n.description.clone(),
            address: n.address.clone(),
            lat: n.lat,
            lng: n.lng,
            region_code,
            region_name: Some(region_name),
            grid_code: n.grid_code.clone(),
            source: n.source.as_str().into(),
            priority: priority.as_str().into(),
            dispute: category.dispute,
            reporter_name: n.reporter_name.clone(),
            reporter_phone: n.reporter_phone.clone(),
            reporter_user_id: (ctx.role == Role::Resident)
                .then_some(ctx.user_id)
                .flatten(),
            state: "reported".into(),
            level: level.into(),
            level_code,
            route_by: route_by.into(),
            route_unit_id: route_unit,
            unit_id: None,
            unit_name: None,
            first_unit_id: None,
            returns: 0,
            reworks: 0,
            escalations: 0,
            closed_level: None,
            stage_started_at: Some(now),
            warn_at: Some(clock.warn_at),
            deadline_at: Some(clock.deadline_at),
            limit_ms: Some(clock.limit_ms),
            paused_remaining_ms: None,
            suspend_requested: false,
            supervised_by: None,
            supervise_deadline: None,
            duplicate_of: None,
            satisfaction: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
            version: 0,
            light: None,
            reporter_email: n.reporter_email.clone(),
            media_url: n.media_url.clone(),
        };
        let event = CaseEvent {
            seq: 1,
            at: now,
            actor_id: ctx.user_id,
            actor_name: ctx.username.clone(),
            actor: actor.into(),
            action: "report".into(),
            from_state: None,
            to_state: "reported".into(),
            unit_id: route_unit,
            unit_name: None,
            level: Some(level.into()),
            note: format!("来源 {} / source {}", n.source.as_str(), n.source.as_str()),
            attachments: "[]".into(),
        };
        let search = search::document(&[&n.title, &n.description, &n.address]);
        let number = self
            .intake_queue()
            .write(Prepared {
                case: case.clone(),
                event,
                key: n.key.clone(),
                fingerprint: n.fingerprint(),
                search,
            })
            .await?;
        let case = Case { number, ..case };
        Ok(Created {
            case: case.with_light(now),
            created: true,
        })
    }

    async fn act_tx(
        &self,
        ctx: &Ctx,
        target: Target<'_>,
        forced: Option<Actor>,
        a: &CaseAct,
    ) -> StoreResult<Case> {
        a.check()?;
        let now = now_ms();
        let via_secret = forced == Some(Actor::Reporter);
        let catalog = self.catalog().await?;
        let mut tx = self.write_tx().await?;
        let c = match target {
            Target::Id(id) => fetch_case(&mut tx, &ctx.scope, id).await?,
            Target::Secret(number, secret) => case_by_secret(&mut tx, number, secret).await?,
            Target::Due(id, at) => {
                let c = fetch_case(&mut tx, &Scope::all(), id).await?;
                // Read again inside the transaction: another sweep may have moved it.
                if c.deadline_at.is_none_or(|d| d >= at)
                    || !matches!(c.state.as_str(), "dispatched" | "in_progress")
                {
                    return Err(StoreError::refused("not_due", "", "no longer due"));
                }
                c
            }
        };
        if a.version.is_some_and(|v| v != c.version) {
            return Err(StoreError::refused(
                "stale_case",
                "案件已被他人更新，请刷新后重试",
                "the case changed meanwhile; reload and try again",
            ));
        }
        let c = match a.lifecycle() {
            Some(action) => {
                let actor = forced.or_else(|| actor_of(ctx.role));
                let actor = actor.ok_or_else(|| refused(workflow::Refusal::NotYourAction))?;
                apply_transition(&mut tx, &catalog, ctx, actor, via_secret, c, action, a, now)
                    .await?
            }
            None => apply_side_action(&mut tx, ctx, via_secret, c, a, now).await?,
        };
        let c = fetch_case(&mut tx, &Scope::all(), c.id).await?;
        tx.commit().await?;
        Ok(c.with_light(now))
    }

    async fn list_cases_impl(
        &self,
        ctx: &Ctx,
        f: &CaseFilter,
        page: PageReq,
    ) -> StoreResult<Page<Case>> {
        let now = now_ms();
        let mut scope = ctx.scope.clone();
        if !f.region.trim().is_empty() {
            scope = scope.narrow(&RegionCode::parse_field("region", f.region.trim())?.scope());
        }
        let mut args = Args::default();
        // The region: when the scope is one region's subtree, an equality on the column of its
        // level, so that (state, column, id) indexes give a page in id order; else a range.
        let mut extra = String::new();
        if Scope::of_prefix(&scope.lo) == scope && scope.lo.is_empty() {
            // Everything: no condition.
        } else if Scope::of_prefix(&scope.lo) == scope && matches!(scope.lo.len(), 6 | 9 | 12) {
            let column = match scope.lo.len() {
                6 => "county_code",
                9 => "township_code",
                _ => "region_code",
            };
            extra.push_str(&format!(" AND c.{column} = {}", args.text(&scope.lo)));
        } else {
            extra.push_str(&format!(
                " AND c.region_code >= {} AND c.region_code < {}",
                args.text(&scope.lo),
                args.text(&scope.hi)
            ));
        }
        let mut states: Vec<State> = Vec::new();
        for s in f.state.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            states.push(State::parse(s).ok_or_else(|| {
                Invalid::new(
                    "state",
                    "invalid_state",
                    "未知的状态",
                    "is not a known state",
                )
            })?);
        }
        // `status` is a comma list of `open` and `closed` (both: no filter).
        let mut open_closed = (false, false);
        for st in f.status.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match st {
                "open" => open_closed.0 = true,
                "closed" => open_closed.1 = true,
                _ => {
                    return Err(Invalid::new(
                        "status",
                        "invalid_status",
                        "应为 open 或 closed",
                        "must be open or closed",
                    )
                    .into());
                }
            }
        }
        let by_status: Option<Vec<State>> = match open_closed {
            (true, false) => Some(State::ALL.into_iter().filter(|s| s.is_open()).collect()),
            (false, true) => Some(vec![State::Closed, State::Rejected]),
            _ => None,
        };
        if let Some(allowed) = by_status {
            states = if states.is_empty() {
                allowed
            } else {
                states.into_iter().filter(|s| allowed.contains(s)).collect()
            };
            if states.is_empty() {
                return Ok(Page::from_rows(Vec::new(), page));
            }
        }
        // `category` is a comma list of 大类 (two digits: all their 小类) and 小类 codes.
        let cats: Vec<String> = f
            .category
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|cat| {
                if cat.len() == 2 {
                    format!(
                        "(c.category_code >= {} AND c.category_code < {})",
                        args.text(format!("{cat}00")),
                        args.text(format!("{cat}99~"))
                    )
                } else {
                    format!("c.category_code = {}", args.text(cat))
                }
            })
            .collect();
        if !cats.is_empty() {
            extra.push_str(&format!(" AND ({})", cats.join(" OR ")));
        }
        if !f.grid_code.trim().is_empty() {
            extra.push_str(&format!(
                " AND c.grid_code = {}",
                args.text(f.grid_code.trim())
            ));
        }
        if f.overdue {
            extra.push_str(&format!(" AND c.deadline_at < {}", args.int(now)));
        }
        if f.supervised {
            extra.push_str(" AND c.supervised_by IS NOT NULL");
        }
        let numbers: Vec<&str> = f
            .numbers
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(200)
            .collect();
        if !numbers.is_empty() {
            let ps: Vec<String> = numbers.iter().map(|n| args.text(*n)).collect();
            extra.push_str(&format!(" AND c.number IN ({})", ps.join(",")));
        }
        if let Some(t) = f.created_from {
            extra.push_str(&format!(" AND c.created_at >= {}", args.int(t)));
        }
        if let Some(t) = f.created_to {
            extra.push_str(&format!(" AND c.created_at < {}", args.int(t)));
        }
        if f.mine {
            extra.push_str(&format!(
                " AND c.unit_id = {}",
                args.int(ctx.unit_id.unwrap_or(-1))
            ));
        }
        if !f.q.trim().is_empty() {
            let terms = search::query_terms(&f.q).ok_or_else(|| {
                Invalid::new(
                    "q",
                    "invalid_query",
                    "请输入要搜索的文字",
                    "has nothing to search for",
                )
            })?;
            extra.push_str(&format!(
                " AND c.id IN ({})",
                CASE_SEARCH_IDS.replace("$1", &args.text(case_search_expr(&terms)))
            ));
        }
        let limit = args.int(page.limit_plus_one());
        let offset = args.int(page.offset());
        let sql = if states.len() <= 1 {
            let state = match states.first() {
                Some(s) => format!(" AND c.state = {}", args.text(s.as_str())),
                None => String::new(),
            };
            format!(
                "SELECT {CASE_COLS} FROM cases c WHERE 1 = 1{state}{extra} \
                 ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}"
            )
        } else {
            // One index-ordered arm per state, each cut at the page's end, merged.
            let upto = args.int(page.offset() + page.limit_plus_one());
            let arms: Vec<String> = states
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    format!(
                        "SELECT id FROM (SELECT c.id FROM cases c WHERE c.state = {}{extra} \
                         ORDER BY c.id DESC LIMIT {upto}) AS a{i}",
                        args.text(s.as_str())
                    )
                })
                .collect();
            format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.id IN ({}) \
                 ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}",
                arms.join(" UNION ALL ")
            )
        };
        let q = args.bind(sqlx::query_as::<Db, Case>(AssertSqlSafe(sql)));
        let rows = q.fetch_all(&self.pool).await?;
        Ok(Page::from_rows(rows, page).map(|c| c.with_light(now)))
    }

    async fn sweep_impl(&self, now: i64) -> StoreResult<SweepReport> {
        // Candidates: a 小类 that climbs by itself in the base catalog or in some region's
        // version; the version that applies where each case happens decides. Pages go on past
        // cases that do not climb, so they can never crowd out those that do.
        let catalog = self.catalog().await?;
        let mut due: Vec<(i64,)> = Vec::new();
        let mut after: (i64, i64) = (i64::MIN, i64::MIN);
        for _ in 0..50 {
            let page: Vec<(i64, i64, String, String)> = sqlx::query_as(
                "SELECT c.id, c.deadline_at, c.category_code, c.region_code FROM cases c \
                 WHERE c.deadline_at < $1 AND (c.deadline_at, c.id) > ($2, $3) \
                 AND c.state IN ('dispatched', 'in_progress') AND c.level <> 'city' \
                 AND (c.category_code IN (SELECT k.code FROM case_categories k WHERE k.auto_escalate) \
                   OR c.category_code IN (SELECT o.code FROM category_overrides o WHERE o.auto_escalate)) \
                 ORDER BY c.deadline_at, c.id LIMIT 1000",
            )
            .bind(now)
            .bind(after.0)
            .bind(after.1)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = page.last() else { break };
            after = (last.1, last.0);
            let full = page.len() == 1000;
            due.extend(
                page.into_iter()
                    .filter(|(_, _, code, region)| {
                        catalog
                            .category(code, region)
                            .is_some_and(|k| k.auto_escalate)
                    })
                    .map(|(id, ..)| (id,)),
            );
            if due.len() >= 1000 || !full {
                break;
            }
        }
        let mut report = SweepReport::default();
        let sys = Ctx::system();
        let act = CaseAct {
            action: "escalate".into(),
            note: "超过处置时限，自动上报上级 / overdue: escalated automatically".into(),
            ..CaseAct::default()
        };
        // 督办 deadlines that passed: the supervising leader hears once.
        let late: Vec<(i64,)> = sqlx::query_as(
            "SELECT c.id FROM cases c WHERE c.supervise_deadline < $1 AND NOT c.supervise_alerted \
             AND c.state NOT IN ('closed', 'rejected') LIMIT 1000",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for (id,) in late {
            let mut tx = self.write_tx().await?;
            let claimed = sqlx::query(
                "UPDATE cases SET supervise_alerted = TRUE WHERE id = $1 AND NOT supervise_alerted",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() == 1 {
                let c = fetch_case(&mut tx, &Scope::all(), id).await?;
                let t = format!(
                    "督办期限已过 {}：{} / the supervision deadline passed",
                    c.number, c.title
                );
                notify(
                    &mut tx,
                    &c,
                    To::User(c.supervised_by),
                    "supervision_overdue",
                    &t,
                    now,
                )
                .await?;
                report.supervision_alerts += 1;
            }
            tx.commit().await?;
        }
        for (id,) in due {
            match self
                .act_tx(&sys, Target::Due(id, now), Some(Actor::System), &act)
                .await
            {
                Ok(_) => report.escalated += 1,
                Err(StoreError::Refused { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }
}

/// Writes a category: into the base catalog when it has no owner, else as its owner's version.
async fn upsert_category(tx: &mut Tx, k: &CategoryRow, now: i64) -> StoreResult<()> {
    let (table, key) = if k.owner_code.is_empty() {
        ("case_categories", "code")
    } else {
        ("category_overrides", "owner_code, code")
    };
    let sql = format!(
        "INSERT INTO {table} (code, parent_code, name, domain, priority, limit_unit, limit_value, \
         dispute, auto_escalate, active, dispatch_hours, sign_hours, verify_hours, updated_at{owner}) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14{owner_arg}) \
         ON CONFLICT ({key}) DO UPDATE SET name = excluded.name, domain = excluded.domain, \
         priority = excluded.priority, limit_unit = excluded.limit_unit, \
         limit_value = excluded.limit_value, dispute = excluded.dispute, \
         auto_escalate = excluded.auto_escalate, active = excluded.active, \
         dispatch_hours = excluded.dispatch_hours, sign_hours = excluded.sign_hours, \
         verify_hours = excluded.verify_hours, updated_at = excluded.updated_at",
        owner = if k.owner_code.is_empty() {
            ""
        } else {
            ", owner_code"
        },
        owner_arg = if k.owner_code.is_empty() { "" } else { ",$15" },
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(&k.code)
        .bind(&k.parent_code)
        .bind(&k.name)
        .bind(&k.domain)
        .bind(&k.priority)
        .bind(&k.limit_unit)
        .bind(k.limit_value)
        .bind(k.dispute)
        .bind(k.auto_escalate)
        .bind(k.active)
        .bind(k.dispatch_hours)
        .bind(k.sign_hours)
        .bind(k.verify_hours)
        .bind(now);
    if !k.owner_code.is_empty() {
        q = q.bind(&k.owner_code);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

impl CaseStorage for S {
    fn list_categories<'a>(&'a self, at: Option<&'a str>) -> BoxFut<'a, Vec<CategoryRow>> {
        Box::pin(async move { self.categories_at(at).await })
    }

    fn put_category<'a>(&'a self, ctx: &'a Ctx, k: &'a CategoryRow) -> BoxFut<'a, CategoryRow> {
        Box::pin(async move { self.put_category_owned(ctx, k).await })
    }

    fn list_rules<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, Vec<RuleRow>> {
        Box::pin(async move {
            // A rule is shown when its unit lies in the caller's scope.
            Ok(sqlx::query_as::<Db, RuleRow>(
                "SELECT r.id, r.subcategory, r.region_prefix, r.unit_id, u.name AS unit_name \
                 FROM routing_rules r JOIN units u ON u.id = r.unit_id \
                 WHERE u.region_code >= $1 AND u.region_code < $2 \
                 ORDER BY r.subcategory, r.region_prefix",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn put_rule<'a>(&'a self, ctx: &'a Ctx, r: &'a RuleInput) -> BoxFut<'a, RuleRow> {
        Box::pin(async move {
            let prefix = r.region_prefix.trim();
            if !matches!(prefix.len(), 0 | 2 | 4 | 6 | 9 | 12)
                || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(Invalid::new(
                    "region_prefix",
                    "invalid_prefix",
                    "应为区划代码的前 2/4/6/9/12 位",
                    "must be the first 2, 4, 6, 9 or 12 digits of a region code",
                )
                .into());
            }
            // A rule governs the subtree of its prefix, which must lie in the caller's scope. A rule
            // needs a prefix: its unit must stand above every case it routes.
            if prefix.is_empty() {
                return Err(Invalid::new(
                    "region_prefix",
                    "required",
                    "规则须指定区划前缀",
                    "a rule needs a region prefix",
                )
                .into());
            }
            let padded = format!("{prefix:0<12}");
            let subtree = rule_subtree(prefix).ok_or_else(|| {
                StoreError::Invalid(Invalid::new(
                    "region_prefix",
                    "invalid_prefix",
                    "不是有效的区划前缀",
                    "is not a region prefix",
                ))
            })?;
            if !ctx.scope.covers(&subtree) {
                return Err(Invalid::out_of_scope("region_prefix").into());
            }
            let mut tx = self.write_tx().await?;
            if fetch_category(&mut tx, r.subcategory.trim())
                .await?
                .is_none_or(|k| k.parent_code.is_none())
            {
                return Err(Invalid::new(
                    "subcategory",
                    "unknown_category",
                    "小类不存在",
                    "no such 小类",
                )
                .into());
            }
            let unit: Option<(String,)> =
                sqlx::query_as("SELECT region_code FROM units WHERE id = $1")
                    .bind(r.unit_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            // The unit must be one a dispatch may reach for every case under the prefix: in the
            // caller's scope and on the way up from the prefix's region (not another township's).
            let reaches = |u: &str| {
                ctx.scope.contains(u)
                    && RegionCode::parse(u).is_ok_and(|r| r.scope().contains(&padded))
            };
            if !unit.is_some_and(|(u,)| reaches(&u)) {
                return Err(Invalid::new(
                    "unit_id",
                    "unknown_unit",
                    "处置单位不存在、不在您的范围内或管不到该前缀",
                    "no such unit in your scope above the prefix's region",
                )
                .into());
            }
            let id = new_id();
            sqlx::query(
                "INSERT INTO routing_rules (id, subcategory, region_prefix, unit_id, created_at) \
                 VALUES ($1,$2,$3,$4,$5) ON CONFLICT (subcategory, region_prefix) \
                 DO UPDATE SET unit_id = excluded.unit_id",
            )
            .bind(id)
            .bind(r.subcategory.trim())
            .bind(prefix)
            .bind(r.unit_id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query_as::<Db, RuleRow>(
                "SELECT r.id, r.subcategory, r.region_prefix, r.unit_id, u.name AS unit_name \
                 FROM routing_rules r LEFT JOIN units u ON u.id = r.unit_id \
                 WHERE r.subcategory = $1 AND r.region_prefix = $2",
            )
            .bind(r.subcategory.trim())
            .bind(prefix)
            .fetch_one(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "update",
                "routing_rule",
                &row.id.to_string(),
                "",
                &format!(
                    "{} {} → {}",
                    row.subcategory, row.region_prefix, row.unit_id
                ),
            )
            .await?;
            tx.commit().await?;
            self.catalog_changed();
            Ok(row)
        })
    }

    fn delete_rule<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            // A rule belongs to the subtree of its prefix: only an author over all of it deletes.
            let prefix: Option<(String,)> =
                sqlx::query_as("SELECT region_prefix FROM routing_rules WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((prefix,)) = prefix.filter(|(p,)| {
                ctx.scope
                    .covers(&rule_subtree(p).unwrap_or_else(Scope::all))
            }) else {
                return Err(StoreError::NotFound("routing rule"));
            };
            sqlx::query("DELETE FROM routing_rules WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            write_audit(
                &mut tx,
                ctx,
                "delete",
                "routing_rule",
                &id.to_string(),
                &format!("{prefix:0<12}"),
                &prefix,
            )
            .await?;
            tx.commit().await?;
            self.catalog_changed();
            Ok(())
        })
    }

    fn calendar_year(&self, year: i32) -> BoxFut<'_, Vec<(String, String)>> {
        Box::pin(async move {
            Ok(sqlx::query_as(
                "SELECT day, kind FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day",
            )
            .bind(format!("{year:04}-01-01"))
            .bind(format!("{year:04}-12-31"))
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn import_calendar<'a>(
        &'a self,
        ctx: &'a Ctx,
        year: i32,
        days: &'a [(String, String)],
    ) -> BoxFut<'a, u64> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            require_top_admin(&mut tx, ctx).await?;
            sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
                .bind(format!("{year:04}-01-01"))
                .bind(format!("{year:04}-12-31"))
                .execute(&mut *tx)
                .await?;
            for (d, k) in days {
                sqlx::query("INSERT INTO calendar_days (day, kind) VALUES ($1, $2)")
                    .bind(d)
                    .bind(k)
                    .execute(&mut *tx)
                    .await?;
            }
            write_audit(
                &mut tx,
                ctx,
                "import",
                "calendar",
                &year.to_string(),
                &owner_of(ctx),
                &format!("{} days", days.len()),
            )
            .await?;
            tx.commit().await?;
            self.catalog_changed();
            Ok(days.len() as u64)
        })
    }

    fn create_case<'a>(&'a self, ctx: &'a Ctx, n: &'a NewCase) -> BoxFut<'a, Created> {
        Box::pin(async move {
            match self.create_case_tx(ctx, n).await {
                // Another request with the same key committed first: return its case.
                Err(StoreError::Duplicate {
                    field: "idempotency_key",
                }) => self.create_case_tx(ctx, n).await,
                r => r,
            }
        })
    }

    fn get_case<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, CaseDetail> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            let case = fetch_case(&mut tx, &ctx.scope, id).await?;
            with_events(tx, case).await
        })
    }

    fn list_cases<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a CaseFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Case>> {
        Box::pin(self.list_cases_impl(ctx, f, page))
    }

    fn act_on_case<'a>(&'a self, ctx: &'a Ctx, id: i64, a: &'a CaseAct) -> BoxFut<'a, Case> {
        Box::pin(self.act_tx(ctx, Target::Id(id), None, a))
    }

    fn track_case<'a>(&'a self, number: &'a str, secret: &'a str) -> BoxFut<'a, CaseDetail> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            let case = case_by_secret(&mut tx, number, secret).await?;
            with_events(tx, case).await
        })
    }

    fn reporter_act<'a>(
        &'a self,
        number: &'a str,
        secret: &'a str,
        a: &'a CaseAct,
    ) -> BoxFut<'a, Case> {
        Box::pin(async move {
            if !matches!(a.action.as_str(), "rate" | "reopen") {
                return Err(Invalid::new(
                    "action",
                    "invalid_action",
                    "反映人只能评价或重新打开",
                    "the reporter may rate or reopen",
                )
                .into());
            }
            let ctx = Ctx {
                user_id: None,
                username: "reporter".into(),
                role: Role::Resident,
                scope: Scope::all(),
                unit_id: None,
            };
            self.act_tx(
                &ctx,
                Target::Secret(number, secret),
                Some(Actor::Reporter),
                a,
            )
            .await
        })
    }

    fn similar_cases<'a>(&'a self, ctx: &'a Ctx, q: &'a SimilarQuery) -> BoxFut<'a, Vec<Case>> {
        Box::pin(async move {
            let now = now_ms();
            let region = q.region_code.trim();
            let region = if region.is_empty() {
                String::new()
            } else {
                RegionCode::parse_field("region_code", region)?
                    .as_str()
                    .to_string()
            };
            let grid = q.grid_code.trim();
            let township = match (region.get(..9), grid.get(..9)) {
                (Some(t), _) | (None, Some(t)) => t.to_string(),
                _ => String::new(),
            };
            let (lat, lng) = (q.lat.unwrap_or(f64::NAN), q.lng.unwrap_or(f64::NAN));
            let r = SIMILAR_RADIUS_DEG;
            let rows = sqlx::query_as::<Db, Case>(AssertSqlSafe(format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.category_code = $1 AND c.created_at >= $2 \
                 AND c.state NOT IN ('closed', 'rejected') AND c.duplicate_of IS NULL \
                 AND c.region_code >= $3 AND c.region_code < $4 \
                 AND (c.region_code = $5 OR c.grid_code = $6 OR (c.township_code = $7 \
                      AND c.lat BETWEEN $8 AND $9 AND c.lng BETWEEN $10 AND $11)) \
                 ORDER BY c.id DESC LIMIT 10"
            )))
            .bind(q.category_code.trim())
            .bind(now - SIMILAR_WINDOW_DAYS * tongchou_domain::calendar::DAY_MS)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(&region)
            .bind(grid)
            .bind(&township)
            .bind(if lat.is_nan() { 1000.0 } else { lat - r })
            .bind(if lat.is_nan() { -1000.0 } else { lat + r })
            .bind(if lng.is_nan() { 1000.0 } else { lng - r })
            .bind(if lng.is_nan() { -1000.0 } else { lng + r })
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(|c| c.with_light(now)).collect())
        })
    }

    fn inbox<'a>(
        &'a self,
        ctx: &'a Ctx,
        unread_only: bool,
        page: PageReq,
    ) -> BoxFut<'a, Page<Notification>> {
        Box::pin(async move {
            let rows = sqlx::query_as::<Db, Notification>(
                "SELECT id, at, case_id, kind, text, read FROM notifications \
                 WHERE user_id = $1 AND (NOT read OR $2 = 0) ORDER BY id DESC LIMIT $3 OFFSET $4",
            )
            .bind(ctx.user_id.unwrap_or(-1))
            .bind(i32::from(unread_only))
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await?;
            Ok(Page::from_rows(rows, page))
        })
    }

    fn unread_count<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read",
            )
            .bind(ctx.user_id.unwrap_or(-1))
            .fetch_one(&self.pool)
            .await?;
            Ok(n)
        })
    }

    fn mark_read<'a>(&'a self, ctx: &'a Ctx, id: Option<i64>) -> BoxFut<'a, u64> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let done = sqlx::query(
                "UPDATE notifications SET read = TRUE WHERE user_id = $1 AND NOT read \
                 AND ($2 = 0 OR id = $2)",
            )
            .bind(ctx.user_id.unwrap_or(-1))
            .bind(id.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
    }

    fn add_attachment<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        name: &'a str,
        data: &'a [u8],
    ) -> BoxFut<'a, Attachment> {
        Box::pin(async move {
            if data.len() > ATTACHMENT_MAX {
                return Err(Invalid::new(
                    "file",
                    "too_large",
                    format!("文件不能超过 {} MiB", ATTACHMENT_MAX >> 20),
                    format!("must be at most {} MiB", ATTACHMENT_MAX >> 20),
                )
                .into());
            }
            let Some(mime) = sniff_mime(data) else {
                return Err(Invalid::new(
                    "file",
                    "unsupported_type",
                    "只接受 JPEG、PNG、WebP 图片或 PDF 文件",
                    "must be a JPEG, PNG or WebP image or a PDF",
                )
                .into());
            };
            let name = tongchou_domain::error::optional_text("name", name, 100)?
                .unwrap_or_else(|| "附件".into());
            let now = now_ms();
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            let id = new_id();
            sqlx::query(
                "INSERT INTO attachments (county_code, id, case_id, name, mime, size, data, uploaded_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            )
            .bind(&c.county_code)
            .bind(id)
            .bind(case_id)
            .bind(&name)
            .bind(mime)
            .bind(data.len() as i64)
            .bind(data)
            .bind(&ctx.username)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let listed =
                serde_json::json!([{"id": id.to_string(), "name": name, "mime": mime}]).to_string();
            insert_event(
                &mut tx,
                (&c.county_code, c.id),
                now,
                ctx,
                ctx.role.as_str(),
                "attach",
                Some(&c.state),
                &c.state,
                c.unit_id,
                &c.level,
                &name,
                &listed,
            )
            .await?;
            let row = sqlx::query_as::<Db, Attachment>(AssertSqlSafe(format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    fn attachment<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, (Attachment, Vec<u8>)> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            let meta = sqlx::query_as::<Db, Attachment>(AssertSqlSafe(format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("attachment"))?;
            // The case must be in the caller's scope.
            fetch_case(&mut tx, &ctx.scope, meta.case_id).await?;
            let (data,): (Vec<u8>,) = sqlx::query_as("SELECT data FROM attachments WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((meta, data))
        })
    }

    fn add_mediator<'a>(&'a self, ctx: &'a Ctx, m: &'a MediatorInput) -> BoxFut<'a, Mediator> {
        Box::pin(async move {
            let region = RegionCode::parse_field("region_code", &m.region_code)?;
            if !ctx.scope.contains(region.as_str()) {
                return Err(Invalid::out_of_scope("region_code").into());
            }
            let name = tongchou_domain::error::required_text("name", &m.name, 30)?;
            let phone = tongchou_domain::error::phone("phone", &m.phone)?;
            let tags: Vec<&str> = m
                .tags
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            let mut tx = self.write_tx().await?;
            let id = new_id();
            sqlx::query(
                "INSERT INTO mediators (id, region_code, name, phone, tags, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
            )
            .bind(id)
            .bind(region.as_str())
            .bind(&name)
            .bind(&phone)
            .bind(tags.join(","))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "create",
                "mediator",
                &id.to_string(),
                region.as_str(),
                &name,
            )
            .await?;
            let row = sqlx::query_as::<Db, Mediator>(
                "SELECT id, region_code, name, phone, tags, active FROM mediators WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    fn list_mediators<'a>(&'a self, ctx: &'a Ctx, tag: &'a str) -> BoxFut<'a, Vec<Mediator>> {
        Box::pin(async move {
            // In scope, or an ancestor of the scope (the pools above serve below).
            let ancestors: Vec<String> = RegionCode::parse(&format!("{:0<12}", ctx.scope.lo))
                .map(|c| {
                    let mut v = Vec::new();
                    let mut cur = c.parent();
                    while let Some(p) = cur {
                        v.push(p.as_str().to_string());
                        cur = p.parent();
                    }
                    v
                })
                .unwrap_or_default();
            let rows = sqlx::query_as::<Db, Mediator>(
                "SELECT id, region_code, name, phone, tags, active FROM mediators WHERE active \
                 AND (region_code >= $1 AND region_code < $2 OR region_code = $3 OR region_code = $4 \
                 OR region_code = $5 OR region_code = $6) ORDER BY region_code DESC, id",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(ancestors.first().map_or("-", String::as_str))
            .bind(ancestors.get(1).map_or("-", String::as_str))
            .bind(ancestors.get(2).map_or("-", String::as_str))
            .bind(ancestors.get(3).map_or("-", String::as_str))
            .fetch_all(&self.pool)
            .await?;
            let tag = tag.trim();
            Ok(rows
                .into_iter()
                .filter(|m| tag.is_empty() || m.tags.split(',').any(|t| t == tag))
                .collect())
        })
    }

    fn dispute<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, Dispute> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            fetch_case(&mut tx, &ctx.scope, case_id).await?;
            let parties = sqlx::query_as::<Db, Party>(
                "SELECT id, name, phone, side FROM dispute_parties WHERE case_id = $1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
            let sessions = sqlx::query_as::<Db, MediationSession>(
                "SELECT s.id, s.mediator_id, (SELECT m.name FROM mediators m WHERE m.id = s.mediator_id) \
                 AS mediator_name, s.held_at, s.place, s.outcome, s.agreement, s.note, s.recorded_by \
                 FROM mediation_sessions s WHERE s.case_id = $1 ORDER BY s.id",
            )
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Dispute { parties, sessions })
        })
    }

    fn reveal_case_contacts<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, CaseContacts> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            let parties = sqlx::query_as::<Db, Party>(
                "SELECT id, name, phone, side FROM dispute_parties WHERE case_id = $1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "reveal_pii",
                "case",
                &c.number,
                &c.region_code,
                "reporter and parties' phones",
            )
            .await?;
            tx.commit().await?;
            Ok(CaseContacts {
                reporter_phone: c.reporter_phone,
                reporter_email: c.reporter_email,
                parties,
            })
        })
    }

    fn add_party<'a>(&'a self, ctx: &'a Ctx, case_id: i64, p: &'a PartyInput) -> BoxFut<'a, Party> {
        Box::pin(async move {
            let name = tongchou_domain::error::required_text("name", &p.name, 30)?;
            let phone = tongchou_domain::error::phone("phone", &p.phone)?;
            if !matches!(p.side.as_str(), "applicant" | "respondent" | "other") {
                return Err(Invalid::new(
                    "side",
                    "invalid_side",
                    "应为 applicant/respondent/other 之一",
                    "must be applicant, respondent or other",
                )
                .into());
            }
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            if !c.dispute {
                return Err(StoreError::refused(
                    "not_a_dispute",
                    "该案件不是矛盾纠纷",
                    "the case is not a dispute",
                ));
            }
            let id = new_id();
            sqlx::query(
                "INSERT INTO dispute_parties (county_code, id, case_id, name, phone, side, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(&c.county_code)
            .bind(id)
            .bind(case_id)
            .bind(&name)
            .bind(&phone)
            .bind(&p.side)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "add_party",
                "case",
                &c.number,
                &c.region_code,
                &format!("{} ({})", name, p.side),
            )
            .await?;
            tx.commit().await?;
            Ok(Party {
                id,
                name,
                phone,
                side: p.side.clone(),
            })
        })
    }

    fn record_mediation<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        si: &'a SessionInput,
    ) -> BoxFut<'a, Case> {
        Box::pin(async move {
            if !matches!(si.outcome.as_str(), "success" | "failure" | "adjourned") {
                return Err(Invalid::new(
                    "outcome",
                    "invalid_outcome",
                    "应为 success/failure/adjourned 之一",
                    "must be success, failure or adjourned",
                )
                .into());
            }
            if si.outcome == "success" && si.agreement.trim().is_empty() {
                return Err(Invalid::new(
                    "agreement",
                    "required",
                    "调解成功须填写协议内容",
                    "must state the agreement when mediation succeeds",
                )
                .into());
            }
            let now = now_ms();
            let catalog = self.catalog().await?;
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            if !c.dispute {
                return Err(StoreError::refused(
                    "not_a_dispute",
                    "该案件不是矛盾纠纷",
                    "the case is not a dispute",
                ));
            }
            if c.state != "in_progress" {
                return Err(refused(workflow::Refusal::NotAllowedInState));
            }
            let mine = match ctx.role {
                Role::Handler => ctx.unit_id.is_some() && ctx.unit_id == c.unit_id,
                Role::GridWorker => true,
                _ => false,
            };
            if !mine {
                return Err(refused(workflow::Refusal::NotYourAction));
            }
            // The mediator comes from a pool that serves the case: its village, township, county
            // or city.
            if let Some(m) = si.mediator_id {
                let region: Option<(String,)> =
                    sqlx::query_as("SELECT region_code FROM mediators WHERE id = $1 AND active")
                        .bind(m)
                        .fetch_optional(&mut *tx)
                        .await?;
                let serves = region.is_some_and(|(r,)| {
                    RegionCode::parse(&r).is_ok_and(|p| p.scope().contains(&c.region_code))
                });
                if !serves {
                    return Err(Invalid::new(
                        "mediator_id",
                        "unknown_mediator",
                        "调解员不存在或不服务于该案件所在地",
                        "no such mediator serving the case's place",
                    )
                    .into());
                }
            }
            sqlx::query(
                "INSERT INTO mediation_sessions (county_code, id, case_id, mediator_id, held_at, place, \
                 outcome, agreement, note, recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            )
            .bind(&c.county_code)
            .bind(new_id())
            .bind(case_id)
            .bind(si.mediator_id)
            .bind(si.held_at.unwrap_or(now))
            .bind(si.place.trim())
            .bind(&si.outcome)
            .bind(si.agreement.trim())
            .bind(si.note.trim())
            .bind(&ctx.username)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "mediation",
                "case",
                &c.number,
                &c.region_code,
                &si.outcome,
            )
            .await?;
            // Success is the handling report; failure climbs the ladder. The unit's handler acts;
            // a grid worker's mediation is recorded and moves the case as the unit would.
            let moved = match si.outcome.as_str() {
                "success" => Some((Action::Handle, format!("调解成功：{}", si.agreement.trim()))),
                "failure" => Some((
                    Action::Escalate,
                    format!("调解不成，上报上级：{}", si.note.trim()),
                )),
                _ => None,
            };
            let c = match moved {
                Some((action, note)) => {
                    let a = CaseAct {
                        action: action.as_str().into(),
                        note,
                        ..CaseAct::default()
                    };
                    let acting = Ctx {
                        unit_id: c.unit_id,
                        ..ctx.clone()
                    };
                    apply_transition(
                        &mut tx,
                        &catalog,
                        &acting,
                        Actor::Handler,
                        false,
                        c,
                        action,
                        &a,
                        now,
                    )
                    .await?
                }
                None => c,
            };
            let c = fetch_case(&mut tx, &Scope::all(), c.id).await?;
            tx.commit().await?;
            Ok(c.with_light(now))
        })
    }

    fn settings(&self) -> BoxFut<'_, Vec<(String, String)>> {
        Box::pin(async move {
            Ok(
                sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
                    .fetch_all(&self.pool)
                    .await?,
            )
        })
    }

    fn put_setting<'a>(&'a self, ctx: &'a Ctx, key: &'a str, value: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            match key {
                "reopen_days" => {
                    if !value
                        .trim()
                        .parse::<i64>()
                        .is_ok_and(|d| (0..=365).contains(&d))
                    {
                        return Err(Invalid::new(
                            "value",
                            "out_of_range",
                            "应为 0 到 365 之间的天数",
                            "must be a number of days from 0 to 365",
                        )
                        .into());
                    }
                }
                _ => {
                    return Err(Invalid::new(
                        "key",
                        "unknown_setting",
                        "没有这个设置项",
                        "is not a known setting",
                    )
                    .into());
                }
            }
            let mut tx = self.write_tx().await?;
            require_top_admin(&mut tx, ctx).await?;
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value.trim())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "update",
                "setting",
                key,
                &owner_of(ctx),
                value.trim(),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn expected_handled<'a>(&'a self, cases: &'a [Case], now: i64) -> BoxFut<'a, Vec<Option<i64>>> {
        Box::pin(async move { self.expected_handled_impl(cases, now).await })
    }

    fn sweep_cases(&self, now: i64) -> BoxFut<'_, SweepReport> {
        Box::pin(self.sweep_impl(now))
    }

    fn bulk_load_cases<'a>(
        &'a self,
        rows: &'a [BulkCase],
        counters: &'a [(String, String, i64)],
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let cases: Vec<&Case> = rows.iter().map(|b| &b.case).collect();
            let events: Vec<(&Case, &CaseEvent)> = rows
                .iter()
                .flat_map(|b| b.events.iter().map(move |e| (&b.case, e)))
                .collect();
            let search: Vec<(i64, &str)> = rows
                .iter()
                .map(|b| (b.case.id, b.search.as_str()))
                .collect();
            insert_cases(&mut tx, &cases, &events, &search).await?;
            for (county, day, last) in counters {
                sqlx::query(
                    "INSERT INTO case_counters (county_code, day, last) VALUES ($1, $2, $3) \
                     ON CONFLICT (county_code, day) DO UPDATE SET last = excluded.last",
                )
                .bind(county)
                .bind(day)
                .bind(last)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

/// A case with its events and attachments, read in the transaction that found it.
async fn with_events(mut tx: Tx, case: Case) -> StoreResult<CaseDetail> {
    let events = fetch_events(&mut tx, &case.county_code, case.id).await?;
    let attachments = sqlx::query_as::<Db, Attachment>(AssertSqlSafe(format!(
        "SELECT {ATTACHMENT_COLS} FROM attachments WHERE case_id = $1 ORDER BY id"
    )))
    .bind(case.id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(CaseDetail {
        case: case.with_light(now_ms()),
        events,
        attachments,
    })
}

const ATTACHMENT_COLS: &str = "id, case_id, name, mime, size, uploaded_by, created_at";

async fn case_by_secret(tx: &mut Tx, number: &str, secret: &str) -> StoreResult<Case> {
    let c = sqlx::query_as::<Db, Case>(AssertSqlSafe(format!(
        "SELECT {CASE_COLS} FROM cases c WHERE c.number = $1"
    )))
    .bind(number.trim())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("case"))?;
    if !c.secret.eq_ignore_ascii_case(secret.trim()) {
        return Err(StoreError::NotFound("case"));
    }
    Ok(c)
}
