//! Applying an action to a case inside a transaction: the transition table's rows and the
//! side actions that leave the state as it is.

use crate::prelude::*;
use tongchou_domain::error::Msg;

/// How a lifecycle action is checked and carried out. `via_secret` is true when the reporter
/// acts with the tracking number and secret.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_transition<DB: Backend>(
    tx: &mut Tx<DB>,
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
    let before = so_far(&c);
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
            // By id, or by the number staff read off the other case.
            let by_number = a.duplicate_number.trim();
            let field = if a.duplicate_of.is_none() && !by_number.is_empty() {
                "duplicate_number"
            } else {
                "duplicate_of"
            };
            let bad = |zh: &str, en: &str| -> StoreError {
                Invalid::new(field, "invalid_merge", zh, en).into()
            };
            let target_id = match a.duplicate_of {
                Some(id) => id,
                None if !by_number.is_empty() => {
                    let found: Option<(i64,)> = query_as("SELECT id FROM cases WHERE number = $1")
                        .bind(by_number)
                        .fetch_optional(&mut **tx)
                        .await?;
                    found
                        .ok_or_else(|| bad("没有这个编号的案件", "no case has this number"))?
                        .0
                }
                None => {
                    return Err(Invalid::new(
                        "duplicate_of",
                        "required",
                        "请选择合并到的案件",
                        "must name the case to merge into",
                    )
                    .into());
                }
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
                note = Msg::new(
                    format!("合并到 {}", target.number),
                    format!("merged into {}", target.number),
                )
                .stored();
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
            let unit: Option<(String,)> = query_as("SELECT region_code FROM units WHERE id = $1")
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
            c.reopens += 1;
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
        ctx,
        before,
        &c,
        now,
        NewEvent {
            actor: actor.as_str(),
            action: action.as_str(),
            unit_id: event_unit,
            note: &note,
            attachments: "[]",
            due_at: None,
            outcome: a.outcome,
        },
    )
    .await?;
    notify_transition(tx, &c, action, now).await?;
    Ok(c)
}

/// The actions that leave the state as it is: a handler asks for suspension, a higher-level
/// leader supervises (督办), staff comment, the reporter rates.
pub(crate) async fn apply_side_action<DB: Backend>(
    tx: &mut Tx<DB>,
    ctx: &Ctx,
    via_secret: bool,
    mut c: Case,
    a: &CaseAct,
    now: i64,
) -> StoreResult<Case> {
    let before = so_far(&c);
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
    let due_at = (a.action == "supervise")
        .then_some(c.supervise_deadline)
        .flatten();
    let rating = (a.action == "rate")
        .then(|| c.satisfaction.clone())
        .flatten();
    insert_event(
        tx,
        ctx,
        before,
        &c,
        now,
        NewEvent {
            actor,
            action: &a.action,
            unit_id: c.unit_id,
            note: &note,
            attachments: "[]",
            due_at,
            outcome: rating.as_deref(),
        },
    )
    .await?;
    let (n, title) = (&c.number, &c.title);
    match a.action.as_str() {
        "supervise" => {
            let when = tongchou_domain::date::yyyymmdd(c.supervise_deadline.unwrap_or(now));
            let t = Msg::new(
                format!("督办 {n}：{title}，期限 {when}"),
                format!("case {n} supervised, due {when}: {title}"),
            )
            .stored();
            notify(tx, &c, To::User(c.supervised_by), "supervised", &t, now).await?;
            notify(tx, &c, To::Unit(c.unit_id), "supervised", &t, now).await?;
        }
        "request_suspend" => {
            let t = Msg::new(
                format!("申请挂账待审批 {n}：{title}"),
                format!("the unit asks to suspend case {n}: {title}"),
            )
            .stored();
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
