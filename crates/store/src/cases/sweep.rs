//! The timer sweep: deadlines that passed are counted for the assessment, last month's warnings
//! are issued once it is over, overdue cases climb a level, overdue 督办 alerts its leader.

use crate::prelude::*;
use tongchou_domain::error::Msg;

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn sweep_impl(&self, now: i64) -> StoreResult<SweepReport> {
        // Candidates: a 小类 that climbs by itself in the base catalog or in some region's
        // version; the version that applies where each case happens decides. Pages go on past
        // cases that do not climb, so they can never crowd out those that do.
        let catalog = self.catalog().await?;
        let mut due: Vec<(i64,)> = Vec::new();
        let mut after: (i64, i64) = (i64::MIN, i64::MIN);
        for _ in 0..50 {
            let page: Vec<(i64, i64, String, String)> = query_as(
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
        let mut report = SweepReport {
            overdue_counted: self.count_passed_deadlines(now).await?,
            warnings_issued: self.issue_due_warnings(now).await?,
            ..SweepReport::default()
        };
        let sys = Ctx::system();
        let act = CaseAct {
            action: "escalate".into(),
            note: Msg::new(
                "超过处置时限，自动上报上级",
                "overdue: escalated automatically",
            )
            .stored(),
            ..CaseAct::default()
        };
        // 督办 deadlines that passed: the supervising leader hears once.
        let late: Vec<(i64,)> = query_as(
            "SELECT c.id FROM cases c WHERE c.supervise_deadline < $1 AND NOT c.supervise_alerted \
             AND c.state NOT IN ('closed', 'rejected') LIMIT 1000",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for (id,) in late {
            let mut tx = self.write_tx().await?;
            let claimed = query(
                "UPDATE cases SET supervise_alerted = TRUE WHERE id = $1 AND NOT supervise_alerted",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if claimed == 1 {
                let c = fetch_case(&mut tx, &Scope::all(), id).await?;
                let t = Msg::new(
                    format!("督办期限已过 {}：{}", c.number, c.title),
                    format!(
                        "the supervision deadline of case {} passed: {}",
                        c.number, c.title
                    ),
                )
                .stored();
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
                .act_tx(&sys, CaseRef::Due(id, now), Some(Actor::System), &act)
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

/// The timer sweep.
pub trait SweepStorage: Send + Sync {
    /// Escalates overdue cases whose 小类 climbs automatically. Safe to run twice and from two
    /// processes at once: each case moves under its version.
    fn sweep_cases(&self, now: i64) -> BoxFut<'_, SweepReport>;
}

impl<DB: Backend> SweepStorage for SqlStore<DB> {
    fn sweep_cases(&self, now: i64) -> BoxFut<'_, SweepReport> {
        Box::pin(self.sweep_impl(now))
    }
}
