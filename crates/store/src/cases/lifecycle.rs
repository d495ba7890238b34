//! A case's life: reading it, acting on it (a row of the transition table or a side action),
//! its events and its clock.

use crate::prelude::*;

/// Which case an action is for: by id in the caller's scope, by tracking number and secret, or
/// an overdue case the sweep found (checked again inside the transaction).
pub(crate) enum CaseRef<'a> {
    Id(i64),
    Secret(&'a str, &'a str),
    Due(i64, i64),
}

pub(crate) fn refused(r: workflow::Refusal) -> StoreError {
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

pub(crate) fn note_required(a: &CaseAct) -> StoreResult<String> {
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

pub(crate) async fn fetch_case<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    id: i64,
) -> StoreResult<Case> {
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases c WHERE c.id = $1 AND c.region_code >= $2 AND c.region_code < $3"
    );
    fetch_scoped(tx, sql, id, scope, "case").await
}

pub(crate) async fn fetch_events<DB: Backend>(
    tx: &mut Tx<DB>,
    county: &str,
    id: i64,
) -> StoreResult<Vec<CaseEvent>> {
    Ok(query_as::<CaseEvent>(AssertSqlSafe(format!(
        "SELECT {EVENT_COLS} FROM case_events e WHERE e.county_code = $1 AND e.case_id = $2 ORDER BY e.seq"
    )))
    .bind(county)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// An event about to be written: who did what, and what the counting needs beyond the case.
pub(crate) struct NewEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub unit_id: Option<i64>,
    pub note: &'a str,
    pub attachments: &'a str,
    /// The 督办 deadline a `supervise` sets.
    pub due_at: Option<i64>,
    /// A rating, or a mediation's outcome.
    pub outcome: Option<&'a str>,
}

/// Appends an event to a case already saved as the event left it (`c`), and counts its facts
/// for the assessment in the same transaction; `before` is the case as it was.
pub(crate) async fn insert_event<DB: Backend>(
    tx: &mut Tx<DB>,
    ctx: &Ctx,
    before: tongchou_domain::assess::count::CaseSoFar,
    c: &Case,
    at: i64,
    n: NewEvent<'_>,
) -> StoreResult<()> {
    // New cases get their first event in the intake batch; later events follow the last.
    let (seq,): (i32,) = query_as(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE county_code = $1 AND case_id = $2",
    )
    .bind(&c.county_code)
    .bind(c.id)
    .fetch_one(&mut **tx)
    .await?;
    let e = CaseEvent {
        seq,
        at,
        actor_id: ctx.user_id,
        actor_name: ctx.username.clone(),
        actor: n.actor.into(),
        action: n.action.into(),
        from_state: Some(before.state.clone()),
        to_state: c.state.clone(),
        unit_id: n.unit_id,
        unit_name: None,
        level: Some(c.level.clone()),
        note: n.note.into(),
        attachments: n.attachments.into(),
        stage_deadline: c.deadline_at,
        due_at: n.due_at,
        outcome: n.outcome.map(Into::into),
    };
    let sql = multi_insert_sql::<DB>("case_events", &EVENT_INSERT_COLS, 1);
    bind_event(query(AssertSqlSafe(sql)), &c.county_code, c.id, &e)
        .execute(&mut **tx)
        .await?;
    count_event(tx, before, c, &crate::assess::tally::happened(&e)).await
}

/// Writes the changed fields of `c` under the version it was read with.
pub(crate) async fn save_case<DB: Backend>(tx: &mut Tx<DB>, c: &Case, now: i64) -> StoreResult<()> {
    let done = query(
        "UPDATE cases SET state = $1, level = $2, level_code = $3, unit_id = $4, first_unit_id = $5, \
         returns = $6, reworks = $7, escalations = $8, closed_level = $9, closed_at = $10, \
         stage_started_at = $11, warn_at = $12, deadline_at = $13, limit_ms = $14, \
         paused_remaining_ms = $15, suspend_requested = $16, duplicate_of = $17, satisfaction = $18, \
         supervised_by = $19, supervise_deadline = $20, updated_at = $21, reopens = $22, \
         version = version + 1 WHERE county_code = $23 AND id = $24 AND version = $25",
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
    .bind(c.reopens)
    .bind(&c.county_code)
    .bind(c.id)
    .bind(c.version)
    .execute(&mut **tx)
    .await?;
    if done == 0 {
        return Err(StoreError::refused(
            "stale_case",
            "案件已被他人更新，请刷新后重试",
            "the case changed meanwhile; reload and try again",
        ));
    }
    Ok(())
}

pub(crate) fn set_clock(c: &mut Case, clock: Option<(i64, Clock)>) {
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

/// A case with its events and attachments, read in the transaction that found it.
pub(crate) async fn with_events<DB: Backend>(
    mut tx: Tx<DB>,
    case: Case,
) -> StoreResult<CaseDetail> {
    let events = fetch_events(&mut tx, &case.county_code, case.id).await?;
    let attachments = query_as::<Attachment>(AssertSqlSafe(format!(
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

/// A case by its tracking number, in no one's scope: the caller checks a secret first.
pub(crate) async fn case_by_number<DB: Backend>(
    tx: &mut Tx<DB>,
    number: &str,
) -> StoreResult<Case> {
    query_as::<Case>(AssertSqlSafe(format!(
        "SELECT {CASE_COLS} FROM cases c WHERE c.number = $1"
    )))
    .bind(number.trim())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("case"))
}

pub(crate) async fn case_by_secret<DB: Backend>(
    tx: &mut Tx<DB>,
    number: &str,
    secret: &str,
) -> StoreResult<Case> {
    let c = case_by_number(tx, number).await?;
    if !c.secret.eq_ignore_ascii_case(secret.trim()) {
        return Err(StoreError::NotFound("case"));
    }
    Ok(c)
}

/// The case and action a key was first used for.
async fn action_by_key<DB: Backend>(
    tx: &mut Tx<DB>,
    key: &str,
) -> StoreResult<Option<(i64, String)>> {
    Ok(
        query_as("SELECT case_id, action FROM case_action_keys WHERE idem_key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn act_tx(
        &self,
        ctx: &Ctx,
        target: CaseRef<'_>,
        forced: Option<Actor>,
        a: &CaseAct,
    ) -> StoreResult<Case> {
        a.check()?;
        let now = now_ms();
        let via_secret = forced == Some(Actor::Reporter);
        let catalog = self.catalog().await?;
        let mut tx = self.write_tx().await?;
        let c = match target {
            CaseRef::Id(id) => fetch_case(&mut tx, &ctx.scope, id).await?,
            CaseRef::Secret(number, secret) => case_by_secret(&mut tx, number, secret).await?,
            CaseRef::Due(id, at) => {
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
        // The offline queue's resend of an action already taken: the case as it is now.
        if let Some(key) = &a.key
            && let Some((case_id, action)) = action_by_key(&mut tx, key).await?
        {
            return if case_id == c.id && action == a.action {
                Ok(c.with_light(now))
            } else {
                Err(StoreError::key_reused())
            };
        }
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
        if let Some(key) = &a.key {
            let kept = query(
                "INSERT INTO case_action_keys (idem_key, case_id, action, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(key.as_str())
            .bind(c.id)
            .bind(a.action.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await;
            // Two resends at once: the other one took the action; answer the case as it is.
            if lost_key_race(&kept, Some(key)).is_some() {
                drop(tx);
                let mut tx = self.read_tx().await?;
                return Ok(fetch_case(&mut tx, &Scope::all(), c.id)
                    .await?
                    .with_light(now));
            }
            kept?;
        }
        let c = fetch_case(&mut tx, &Scope::all(), c.id).await?;
        tx.commit().await?;
        Ok(c.with_light(now))
    }

    pub(crate) async fn expected_handled_impl(
        &self,
        cases: &[Case],
        now: i64,
    ) -> StoreResult<Vec<Option<i64>>> {
        let catalog = self.catalog().await?;
        Ok(cases
            .iter()
            .map(|c| {
                let k = catalog.category(&c.category_code, &c.region_code)?;
                let state = State::parse(&c.state)?;
                let priority = tongchou_domain::categories::Priority::parse(&c.priority)
                    .unwrap_or(tongchou_domain::categories::Priority::Normal);
                tongchou_domain::cases::expected_handled(
                    &catalog.calendar,
                    state,
                    now,
                    c.deadline_at,
                    priority,
                    &k.stage_limits(),
                )
            })
            .collect())
    }
}

/// Reading cases and moving them along the transition table.
pub trait LifecycleStorage: Send + Sync {
    fn get_case<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, CaseDetail>;
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
    /// The reporter's and the parties' phones in full, and the read written to the audit log, in
    /// one transaction.
    fn reveal_case_contacts<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, CaseContacts>;
}

impl<DB: Backend> LifecycleStorage for SqlStore<DB> {
    fn get_case<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, CaseDetail> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            let case = fetch_case(&mut tx, &ctx.scope, id).await?;
            with_events(tx, case).await
        })
    }

    fn act_on_case<'a>(&'a self, ctx: &'a Ctx, id: i64, a: &'a CaseAct) -> BoxFut<'a, Case> {
        Box::pin(self.act_tx(ctx, CaseRef::Id(id), None, a))
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
                CaseRef::Secret(number, secret),
                Some(Actor::Reporter),
                a,
            )
            .await
        })
    }

    fn expected_handled<'a>(&'a self, cases: &'a [Case], now: i64) -> BoxFut<'a, Vec<Option<i64>>> {
        Box::pin(async move { self.expected_handled_impl(cases, now).await })
    }

    fn reveal_case_contacts<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, CaseContacts> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            let parties = query_as::<Party>(
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
}
