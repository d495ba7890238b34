//! Following a case: a resident who finds their problem already reported (the public form's
//! duplicate hint) follows that case instead of filing it again, with a secret of their own.

use super::lifecycle::{case_by_number, fetch_case, with_events};
use crate::prelude::*;

/// A case followed: its number (the surviving case's, when the one asked for was merged) and the
/// follower's own secret.
#[derive(Debug, Clone)]
pub struct Followed {
    pub number: String,
    pub secret: String,
}

/// Most followers one case keeps: the secrets are for residents, not for a script.
pub const MAX_FOLLOWERS: i64 = 500;

pub trait FollowerStorage: Send + Sync {
    /// Follows an open case by its number; a merged case is followed through to the case it was
    /// merged into. `NotFound` for an unknown number; refused when the case is already finished.
    fn follow_case<'a>(&'a self, ctx: &'a Ctx, number: &'a str) -> BoxFut<'a, Followed>;
    /// The case a follower's secret reads; `NotFound` when either is wrong.
    fn track_followed<'a>(&'a self, number: &'a str, secret: &'a str) -> BoxFut<'a, CaseDetail>;
    /// How many residents follow a case (for the staff's case page).
    fn follower_count<'a>(&'a self, case_id: i64) -> BoxFut<'a, i64>;
}

async fn count_followers<DB: Backend>(tx: &mut Tx<DB>, case_id: i64) -> StoreResult<i64> {
    let (n,): (i64,) = query_as("SELECT COUNT(*) FROM case_followers WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n)
}

impl<DB: Backend> FollowerStorage for SqlStore<DB> {
    fn follow_case<'a>(&'a self, ctx: &'a Ctx, number: &'a str) -> BoxFut<'a, Followed> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let mut c = case_by_number(&mut tx, number).await?;
            // A merge points at a case that is not itself merged, but a chain costs nothing to follow.
            for _ in 0..5 {
                let Some(to) = c.duplicate_of else { break };
                c = fetch_case(&mut tx, &Scope::all(), to).await?;
            }
            // A dispute is its parties' affair: the public neither sees nor follows it.
            if c.dispute {
                return Err(StoreError::NotFound("case"));
            }
            if matches!(c.state.as_str(), "closed" | "rejected") {
                return Err(StoreError::refused(
                    "case_finished",
                    "此案已办结，不能再关注；如问题仍在，请重新反映",
                    "this case is finished and cannot be followed; report the problem again if it remains",
                ));
            }
            if count_followers(&mut tx, c.id).await? >= MAX_FOLLOWERS {
                return Err(StoreError::refused(
                    "too_many_followers",
                    "关注此案的人数已满",
                    "this case has as many followers as it can keep",
                ));
            }
            let secret = tracking_secret(rand::random());
            query("INSERT INTO case_followers (case_id, secret, created_at) VALUES ($1, $2, $3)")
                .bind(c.id)
                .bind(&secret)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            // The secret is the follower's alone: the log keeps that someone followed, not it.
            write_audit(
                &mut tx,
                ctx,
                "follow",
                "case",
                &c.number,
                &c.region_code,
                "",
            )
            .await?;
            tx.commit().await?;
            Ok(Followed {
                number: c.number,
                secret,
            })
        })
    }

    fn track_followed<'a>(&'a self, number: &'a str, secret: &'a str) -> BoxFut<'a, CaseDetail> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            let c = case_by_number(&mut tx, number).await?;
            let known: Option<(i64,)> =
                query_as("SELECT case_id FROM case_followers WHERE case_id = $1 AND secret = $2")
                    .bind(c.id)
                    .bind(secret.trim().to_ascii_uppercase())
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                return Err(StoreError::NotFound("case"));
            }
            with_events(tx, c).await
        })
    }

    fn follower_count<'a>(&'a self, case_id: i64) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            count_followers(&mut tx, case_id).await
        })
    }
}
