//! Patrols (巡查): a grid worker walks a grid from a start to an end, and the patrol records the
//! cases found on the way (filed as usual, then linked when the patrol ends).

use crate::prelude::*;

/// Starting a patrol, as the field app sends it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PatrolStart {
    #[schemars(length(min = 1), pattern(tongchou_domain::grid::CODE_PATTERN))]
    pub grid_code: String,
    /// When the patrol began (Unix ms); absent: now.
    pub started_at: Option<i64>,
}

/// Ending a patrol: when, what was seen, and the cases filed on the way.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PatrolEnd {
    /// When the patrol ended (Unix ms); absent: now.
    pub ended_at: Option<i64>,
    #[schemars(length(max = 2000), pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub notes: String,
    #[schemars(schema_with = "id_list_schema")]
    #[serde(deserialize_with = "id_list")]
    pub case_ids: Vec<i64>,
}

/// Ids as the API reads them (`id_str`): each a JSON integer or a string holding one.
fn id_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(with = "id_str")] i64);
    Ok(Vec::<W>::deserialize(d)?.into_iter().map(|w| w.0).collect())
}

/// The schema of `case_ids`: up to 100 ids as the API reads them.
fn id_list_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let id = g.subschema_for::<crate::IdIn>();
    schemars::json_schema!({"type": "array", "maxItems": 100, "items": id})
}

/// A patrol as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Patrol {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    pub grid_code: String,
    pub worker_name: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub notes: String,
    /// The numbers of the cases found on the way.
    #[sqlx(skip)]
    pub case_numbers: Vec<String>,
}

const PATROL_COLS: &str = "id, region_code, grid_code, worker_name, started_at, ended_at, notes";

async fn with_cases<DB: Backend>(tx: &mut Tx<DB>, mut p: Patrol) -> StoreResult<Patrol> {
    let rows: Vec<(String,)> = query_as(
        "SELECT c.number FROM patrol_cases pc JOIN cases c ON c.id = pc.case_id \
         WHERE pc.patrol_id = $1 ORDER BY c.number",
    )
    .bind(p.id)
    .fetch_all(&mut **tx)
    .await?;
    p.case_numbers = rows.into_iter().map(|r| r.0).collect();
    Ok(p)
}

async fn patrol_by_key<DB: Backend>(tx: &mut Tx<DB>, key: &str) -> StoreResult<Option<Patrol>> {
    Ok(query_as(AssertSqlSafe(format!(
        "SELECT {PATROL_COLS} FROM patrols WHERE idem_key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The first patrol started with a key answers a resend only when it is the same start.
async fn same_patrol<DB: Backend>(
    tx: &mut Tx<DB>,
    first: Patrol,
    grid: &str,
    started_at: i64,
) -> StoreResult<Patrol> {
    if first.grid_code != grid || first.started_at != started_at {
        return Err(StoreError::key_reused());
    }
    with_cases(tx, first).await
}

async fn patrol_in_scope<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    id: i64,
) -> StoreResult<Patrol> {
    fetch_scoped(
        tx,
        format!(
            "SELECT {PATROL_COLS} FROM patrols WHERE id = $1 AND region_code >= $2 AND region_code < $3"
        ),
        id,
        scope,
        "patrol",
    )
    .await
}

/// Patrols of grids.
pub trait PatrolStorage: Send + Sync {
    /// Starts a patrol of a grid in scope, audited; a resend with the same idempotency key
    /// (`key`, namespaced by the caller) answers the first. Answers it and whether this call
    /// started it.
    fn start_patrol<'a>(
        &'a self,
        ctx: &'a Ctx,
        p: &'a PatrolStart,
        key: Option<&'a str>,
        now: i64,
    ) -> BoxFut<'a, (Patrol, bool)>;
    /// Ends the caller's own open patrol, linking the cases found (each in scope), audited.
    fn end_patrol<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        e: &'a PatrolEnd,
        now: i64,
    ) -> BoxFut<'a, Patrol>;
    /// A grid's patrols, newest first.
    fn list_patrols<'a>(
        &'a self,
        ctx: &'a Ctx,
        grid_code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Patrol>>;
}

impl<DB: Backend> PatrolStorage for SqlStore<DB> {
    fn start_patrol<'a>(
        &'a self,
        ctx: &'a Ctx,
        p: &'a PatrolStart,
        key: Option<&'a str>,
        now: i64,
    ) -> BoxFut<'a, (Patrol, bool)> {
        Box::pin(async move {
            let (grid, _) = tongchou_domain::grid::parse_code("grid_code", &p.grid_code)?;
            let started_at = super::model::field_time("started_at", p.started_at, now)?;
            let mut tx = self.write_tx().await?;
            let region = grid_in_scope(&mut tx, &ctx.scope, &grid)
                .await?
                .ok_or(StoreError::NotFound("grid"))?;
            if let Some(key) = key
                && let Some(first) = patrol_by_key(&mut tx, key).await?
            {
                return Ok((same_patrol(&mut tx, first, &grid, started_at).await?, false));
            }
            let id = new_id();
            let inserted = query(
                "INSERT INTO patrols (id, county_code, region_code, grid_code, worker_id, \
                 worker_name, started_at, idem_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(&region[..6])
            .bind(&region)
            .bind(&grid)
            .bind(ctx.user_id)
            .bind(&ctx.username)
            .bind(started_at)
            .bind(key)
            .bind(now_ms())
            .execute(&mut *tx)
            .await;
            if let Some(key) = lost_key_race(&inserted, key) {
                drop(tx);
                let mut tx = self.read_tx().await?;
                let first = patrol_by_key(&mut tx, key)
                    .await?
                    .ok_or(StoreError::NotFound("patrol"))?;
                return Ok((same_patrol(&mut tx, first, &grid, started_at).await?, false));
            }
            inserted?;
            write_audit(&mut tx, ctx, "patrol.start", "grid", &grid, &region, "").await?;
            let patrol = patrol_in_scope(&mut tx, &Scope::all(), id).await?;
            tx.commit().await?;
            Ok((patrol, true))
        })
    }

    fn end_patrol<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        e: &'a PatrolEnd,
        now: i64,
    ) -> BoxFut<'a, Patrol> {
        Box::pin(async move {
            let ended_at = super::model::field_time("ended_at", e.ended_at, now)?;
            let notes = optional_text("notes", &e.notes, 2000)?.unwrap_or_default();
            if e.case_ids.len() > 100 {
                return Err(Invalid::new(
                    "case_ids",
                    "too_many",
                    "一次巡查最多关联 100 件",
                    "at most 100 cases per patrol",
                )
                .into());
            }
            let mut tx = self.write_tx().await?;
            let p = patrol_in_scope(&mut tx, &ctx.scope, id).await?;
            let worker: Option<(Option<i64>,)> =
                query_as("SELECT worker_id FROM patrols WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if worker.and_then(|w| w.0) != ctx.user_id {
                return Err(StoreError::refused(
                    "not_your_patrol",
                    "只能结束自己的巡查",
                    "only the worker on the patrol ends it",
                ));
            }
            if p.ended_at.is_some() {
                return Err(StoreError::refused(
                    "patrol_ended",
                    "该巡查已结束",
                    "this patrol has already ended",
                ));
            }
            if ended_at < p.started_at {
                return Err(Invalid::new(
                    "ended_at",
                    "out_of_range",
                    "结束时间早于开始时间",
                    "is before the patrol started",
                )
                .into());
            }
            for case_id in &e.case_ids {
                fetch_case(&mut tx, &ctx.scope, *case_id)
                    .await
                    .map_err(|_| Invalid::out_of_scope("case_ids"))?;
                query(
                    "INSERT INTO patrol_cases (patrol_id, case_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(*case_id)
                .execute(&mut *tx)
                .await?;
            }
            query("UPDATE patrols SET ended_at = $1, notes = $2 WHERE id = $3")
                .bind(ended_at)
                .bind(&notes)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            write_audit(
                &mut tx,
                ctx,
                "patrol.end",
                "grid",
                &p.grid_code,
                &p.region_code,
                &format!("{} cases", e.case_ids.len()),
            )
            .await?;
            let p = patrol_in_scope(&mut tx, &Scope::all(), id).await?;
            let p = with_cases(&mut tx, p).await?;
            tx.commit().await?;
            Ok(p)
        })
    }

    fn list_patrols<'a>(
        &'a self,
        ctx: &'a Ctx,
        grid_code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Patrol>> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            grid_in_scope(&mut tx, &ctx.scope, grid_code)
                .await?
                .ok_or(StoreError::NotFound("grid"))?;
            let rows: Vec<Patrol> = query_as(AssertSqlSafe(format!(
                "SELECT {PATROL_COLS} FROM patrols WHERE grid_code = $1 \
                 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3"
            )))
            .bind(grid_code)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&mut *tx)
            .await?;
            // The cases found, for the whole page in one query.
            let found: Vec<(i64, String)> = query_as(
                "SELECT pc.patrol_id, c.number FROM patrol_cases pc \
                 JOIN cases c ON c.id = pc.case_id \
                 WHERE pc.patrol_id IN (SELECT id FROM patrols WHERE grid_code = $1 \
                 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3) ORDER BY c.number",
            )
            .bind(grid_code)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&mut *tx)
            .await?;
            let mut rows = rows;
            for p in &mut rows {
                p.case_numbers = found
                    .iter()
                    .filter(|(id, _)| *id == p.id)
                    .map(|(_, n)| n.clone())
                    .collect();
            }
            Ok(Page::from_rows(rows, page))
        })
    }
}
