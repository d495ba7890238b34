//! Field work: visits (走访) — a grid worker's calls on households, each household's history, and
//! the households of a grid that are due a call (how often is set by the members' tags) — and
//! patrols (巡查) in `patrols.rs`.

mod model;
mod patrols;

pub use model::*;
pub use patrols::*;

use crate::prelude::*;

const VISIT_COLS: &str = "id, household_id, region_code, grid_code, visitor_name, visited_at, \
     purpose, notes, findings, created_at";

use tongchou_domain::calendar::DAY_MS;

/// A household of a grid as the due list reads it: id, address, head's name, registered at,
/// last visited at.
type HouseholdRow = (i64, String, Option<String>, i64, Option<i64>);

async fn visit_by_key<DB: Backend>(tx: &mut Tx<DB>, key: &str) -> StoreResult<Option<Visit>> {
    Ok(query_as::<Visit>(AssertSqlSafe(format!(
        "SELECT {VISIT_COLS} FROM visits WHERE idem_key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A stored visit answers a resend with key `key` only when it is the same visit: the same
/// household and content. Anything else reusing the key is refused.
fn same_visit(first: Visit, household_id: i64, v: &NewVisit) -> StoreResult<Visit> {
    let same = first.household_id == household_id
        && first.visited_at == v.visited_at
        && first.purpose == v.purpose
        && first.notes == v.notes
        && first.findings == v.findings;
    if same {
        Ok(first)
    } else {
        Err(StoreError::key_reused())
    }
}

/// The configured intervals: `visit_days` (the default) and `visit_days.<tag>`.
async fn due_settings<DB: Backend>(tx: &mut Tx<DB>) -> StoreResult<HashMap<String, i64>> {
    let rows: Vec<(String, String)> =
        query_as("SELECT key, value FROM settings WHERE key LIKE 'visit_days%'")
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.trim().parse().ok()?)))
        .collect())
}

/// Visits to households.
pub trait VisitStorage: Send + Sync {
    /// Records a visit to a household in the caller's scope, audited; answers it and whether this
    /// call recorded it. A resend with the same idempotency key answers the first visit (the
    /// field app's queue may send twice); the key reused for another visit is refused
    /// (`idempotency_key_reused`).
    fn record_visit<'a>(
        &'a self,
        ctx: &'a Ctx,
        household_id: i64,
        v: &'a NewVisit,
    ) -> BoxFut<'a, (Visit, bool)>;
    /// A household's visits, newest first.
    fn household_visits<'a>(&'a self, ctx: &'a Ctx, household_id: i64) -> BoxFut<'a, Vec<Visit>>;
    /// The households of a grid in scope that are due a visit at `now`, longest overdue first.
    fn visits_due<'a>(
        &'a self,
        ctx: &'a Ctx,
        grid_code: &'a str,
        now: i64,
    ) -> BoxFut<'a, Vec<DueHousehold>>;
}

impl<DB: Backend> VisitStorage for SqlStore<DB> {
    fn record_visit<'a>(
        &'a self,
        ctx: &'a Ctx,
        household_id: i64,
        v: &'a NewVisit,
    ) -> BoxFut<'a, (Visit, bool)> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let (county, region, grid) = household_in_scope(&mut tx, &ctx.scope, household_id)
                .await?
                .ok_or(StoreError::NotFound("household"))?;
            if let Some(key) = &v.key
                && let Some(first) = visit_by_key(&mut tx, key).await?
            {
                return Ok((same_visit(first, household_id, v)?, false));
            }
            let id = new_id();
            let now = now_ms();
            let inserted = query(
                "INSERT INTO visits (id, county_code, household_id, region_code, grid_code, \
                 visitor_id, visitor_name, visited_at, purpose, notes, findings, idem_key, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id)
            .bind(&county)
            .bind(household_id)
            .bind(&region)
            .bind(&grid)
            .bind(ctx.user_id)
            .bind(&ctx.username)
            .bind(v.visited_at)
            .bind(v.purpose)
            .bind(&v.notes)
            .bind(&v.findings)
            .bind(v.key.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await;
            if let Some(key) = lost_key_race(&inserted, v.key.as_deref()) {
                drop(tx);
                let mut tx = self.read_tx().await?;
                let first = visit_by_key(&mut tx, key)
                    .await?
                    .ok_or(StoreError::NotFound("visit"))?;
                return Ok((same_visit(first, household_id, v)?, false));
            }
            inserted?;
            write_audit(
                &mut tx,
                ctx,
                "visit.record",
                "household",
                &household_id.to_string(),
                &region,
                v.purpose,
            )
            .await?;
            let visit = query_as::<Visit>(AssertSqlSafe(format!(
                "SELECT {VISIT_COLS} FROM visits WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((visit, true))
        })
    }

    fn household_visits<'a>(&'a self, ctx: &'a Ctx, household_id: i64) -> BoxFut<'a, Vec<Visit>> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            household_in_scope(&mut tx, &ctx.scope, household_id)
                .await?
                .ok_or(StoreError::NotFound("household"))?;
            Ok(query_as::<Visit>(AssertSqlSafe(format!(
                "SELECT {VISIT_COLS} FROM visits WHERE household_id = $1 \
                 ORDER BY visited_at DESC, id DESC LIMIT 500"
            )))
            .bind(household_id)
            .fetch_all(&mut *tx)
            .await?)
        })
    }

    fn visits_due<'a>(
        &'a self,
        ctx: &'a Ctx,
        grid_code: &'a str,
        now: i64,
    ) -> BoxFut<'a, Vec<DueHousehold>> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            grid_in_scope(&mut tx, &ctx.scope, grid_code)
                .await?
                .ok_or(StoreError::NotFound("grid"))?;
            let households: Vec<HouseholdRow> = query_as(
                "SELECT h.id, h.address, \
                 (SELECT min(p.name) FROM persons p WHERE p.household_id = h.id \
                  AND p.relation = '户主'), h.created_at, \
                 (SELECT max(v.visited_at) FROM visits v WHERE v.household_id = h.id) \
                 FROM households h WHERE h.grid_code = $1",
            )
            .bind(grid_code)
            .fetch_all(&mut *tx)
            .await?;
            let tagged: Vec<(i64, String)> = query_as(
                "SELECT household_id, tags FROM persons WHERE grid_code = $1 AND tags <> ''",
            )
            .bind(grid_code)
            .fetch_all(&mut *tx)
            .await?;
            let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
            for (h, t) in tagged {
                let list = tags.entry(h).or_default();
                for t in t.split(',').filter(|t| !t.is_empty()) {
                    if !list.iter().any(|x| x == t) {
                        list.push(t.to_string());
                    }
                }
            }
            let set = due_settings(&mut tx).await?;
            let default_days = set
                .get("visit_days")
                .copied()
                .unwrap_or(tongchou_domain::visits::DEFAULT_DUE_DAYS);
            let mut due: Vec<DueHousehold> = households
                .into_iter()
                .filter_map(|(id, address, head_name, created_at, last)| {
                    let tags = tags.remove(&id).unwrap_or_default();
                    let days = tongchou_domain::visits::due_days(
                        tags.iter().map(String::as_str),
                        |t| set.get(&format!("visit_days.{t}")).copied(),
                        default_days,
                    );
                    let due_at = last.unwrap_or(created_at) + days * DAY_MS;
                    (due_at <= now).then(|| DueHousehold {
                        household_id: id,
                        address,
                        head_name,
                        tags,
                        last_visit_at: last,
                        due_days: days,
                        overdue_days: (now - due_at) / DAY_MS,
                    })
                })
                .collect();
            due.sort_by(|a, b| {
                b.overdue_days
                    .cmp(&a.overdue_days)
                    .then(a.household_id.cmp(&b.household_id))
            });
            Ok(due)
        })
    }
}
