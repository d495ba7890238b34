//! Notifications, written in the same transaction as the event they tell of.

use crate::prelude::*;
use tongchou_domain::error::Msg;

/// A message in a user's in-app inbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Notification {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub at: i64,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub case_id: Option<i64>,
    pub kind: String,
    #[serde(serialize_with = "tongchou_domain::error::serialize_stored")]
    pub text: String,
    pub read: bool,
}

/// Who hears of a case: the users of a unit, the dispatchers at a desk, the grid workers of a
/// village, or one user.
pub(crate) enum To<'a> {
    Unit(Option<i64>),
    Desk(&'a str),
    GridWorkers(&'a str),
    User(Option<i64>),
}

/// Puts a message in the inbox of everyone `to` names, in the caller's transaction.
pub(crate) async fn notify<DB: Backend>(
    tx: &mut Tx<DB>,
    c: &Case,
    to: To<'_>,
    kind: &str,
    text: &str,
    now: i64,
) -> StoreResult<()> {
    let users: Vec<(i64,)> = match to {
        To::Unit(None) | To::User(None) => Vec::new(),
        To::Unit(Some(u)) => {
            query_as("SELECT id FROM users WHERE unit_id = $1 AND NOT disabled")
                .bind(u)
                .fetch_all(&mut **tx)
                .await?
        }
        To::Desk(code) => query_as(
            "SELECT id FROM users WHERE role = 'dispatcher' AND scope_code = $1 AND NOT disabled",
        )
        .bind(code)
        .fetch_all(&mut **tx)
        .await?,
        To::GridWorkers(village) => query_as(
            "SELECT id FROM users WHERE role = 'grid_worker' AND scope_code = $1 AND NOT disabled",
        )
        .bind(village)
        .fetch_all(&mut **tx)
        .await?,
        To::User(Some(u)) => vec![(u,)],
    };
    for (user,) in users {
        query(
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
pub(crate) async fn notify_transition<DB: Backend>(
    tx: &mut Tx<DB>,
    c: &Case,
    action: Action,
    now: i64,
) -> StoreResult<()> {
    let n = &c.number;
    let title = &c.title;
    match action {
        Action::Dispatch => {
            let t = Msg::new(
                format!("新派遣案件 {n}：{title}"),
                format!("new case {n} dispatched to your unit: {title}"),
            )
            .stored();
            notify(tx, c, To::Unit(c.unit_id), "dispatched", &t, now).await
        }
        Action::Return => {
            let t = Msg::new(
                format!("案件被回退 {n}：{title}"),
                format!("case {n} returned by the unit: {title}"),
            )
            .stored();
            notify(tx, c, To::Desk(&c.level_code), "returned", &t, now).await
        }
        Action::Escalate => {
            let t = Msg::new(
                format!("收到上报案件 {n}：{title}"),
                format!("case {n} escalated to your desk: {title}"),
            )
            .stored();
            notify(tx, c, To::Desk(&c.level_code), "escalated", &t, now).await
        }
        Action::Handle => {
            let t = Msg::new(
                format!("待核查 {n}：{title}"),
                format!("case {n} handled, to verify: {title}"),
            )
            .stored();
            notify(tx, c, To::GridWorkers(&c.region_code), "verify", &t, now).await?;
            notify(tx, c, To::Desk(&c.level_code), "verify", &t, now).await
        }
        Action::VerifyFail => {
            let t = Msg::new(
                format!("核查不通过，请返工 {n}：{title}"),
                format!("case {n} failed verification, rework: {title}"),
            )
            .stored();
            notify(tx, c, To::Unit(c.unit_id), "rework", &t, now).await
        }
        Action::Suspend | Action::Resume => {
            let t = Msg::new(
                format!("挂账审批 {n}：{title}"),
                format!("suspension of case {n} decided: {title}"),
            )
            .stored();
            notify(tx, c, To::Unit(c.unit_id), "suspension", &t, now).await
        }
        Action::VerifyPass => {
            let t = Msg::new(
                format!("督办案件已办结 {n}：{title}"),
                format!("supervised case {n} closed: {title}"),
            )
            .stored();
            notify(tx, c, To::User(c.supervised_by), "closed", &t, now).await
        }
        Action::Reopen => {
            let t = Msg::new(
                format!("群众重新打开 {n}：{title}"),
                format!("case {n} reopened by the reporter: {title}"),
            )
            .stored();
            notify(tx, c, To::Desk(&c.level_code), "reopened", &t, now).await
        }
        Action::Accept | Action::Reject | Action::Merge | Action::Sign => Ok(()),
    }
}

/// A user's inbox.
pub trait NotificationStorage: Send + Sync {
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
}

impl<DB: Backend> NotificationStorage for SqlStore<DB> {
    fn inbox<'a>(
        &'a self,
        ctx: &'a Ctx,
        unread_only: bool,
        page: PageReq,
    ) -> BoxFut<'a, Page<Notification>> {
        Box::pin(async move {
            let rows = query_as::<Notification>(
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
            let (n,): (i64,) =
                query_as("SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read")
                    .bind(ctx.user_id.unwrap_or(-1))
                    .fetch_one(&self.pool)
                    .await?;
            Ok(n)
        })
    }

    fn mark_read<'a>(&'a self, ctx: &'a Ctx, id: Option<i64>) -> BoxFut<'a, u64> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let done = query(
                "UPDATE notifications SET read = TRUE WHERE user_id = $1 AND NOT read \
                 AND ($2 = 0 OR id = $2)",
            )
            .bind(ctx.user_id.unwrap_or(-1))
            .bind(id.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(done)
        })
    }
}
