//! Grids (网格): the smallest unit of territory, each under a village.

use crate::prelude::*;

pub(crate) const GRID_COLS: &str = "g.code, g.region_code, g.name, g.worker_name, g.worker_phone, g.leader_name, \
     (SELECT s.geometry FROM shapes s WHERE s.code = g.code) AS geojson, g.centroid_lat, g.centroid_lng, \
     (SELECT count(*) FROM households h WHERE h.grid_code = g.code) AS household_count, \
     (SELECT count(*) FROM persons p WHERE p.grid_code = g.code) AS person_count, \
     (SELECT r.urban_rural FROM regions r WHERE r.code = g.region_code) AS urban_rural";

pub(crate) async fn grid_in_scope<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    code: &str,
) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = query_as(
        "SELECT region_code FROM grids WHERE code = $1 AND region_code >= $2 AND region_code < $3",
    )
    .bind(code)
    .bind(&scope.lo)
    .bind(&scope.hi)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.0))
}

pub(crate) async fn fetch_grid<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    code: &str,
) -> StoreResult<Grid> {
    let sql = format!(
        "SELECT {GRID_COLS} FROM grids g WHERE g.code = $1 AND g.region_code >= $2 AND g.region_code < $3"
    );
    fetch_scoped(tx, sql, code.to_string(), scope, "grid").await
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn write_grid(
        &self,
        ctx: &Ctx,
        existing: Option<&str>,
        g: &NewGrid,
    ) -> StoreResult<Grid> {
        let mut tx = self.write_tx().await?;
        if let Some(code) = existing {
            fetch_grid(&mut tx, &ctx.scope, code).await?;
            if code != g.code {
                return Err(StoreError::Invalid(Invalid::new(
                    "code",
                    "immutable",
                    "网格代码不能修改",
                    "a grid's code cannot be changed",
                )));
            }
        }
        let village = fetch_region(&mut tx, &ctx.scope, &g.region_code)
            .await
            .map_err(|_| {
                Invalid::new(
                    "code",
                    "unknown_parent",
                    format!("村/社区 {} 不存在或不在您的管辖范围内", g.region_code),
                    format!(
                        "village {} does not exist or is outside your scope",
                        g.region_code
                    ),
                )
            })?;
        if village.level != "village" {
            return Err(StoreError::Invalid(Invalid::new(
                "code",
                "unknown_parent",
                "网格必须建在村/社区下",
                "a grid must sit under a village-level unit",
            )));
        }
        let now = now_ms();
        let q = if existing.is_some() {
            "UPDATE grids SET name = $2, worker_name = $3, worker_phone = $4, leader_name = $5, geojson = $6, \
             centroid_lat = $7, centroid_lng = $8, updated_at = $9 WHERE code = $1 AND region_code = $10"
        } else {
            "INSERT INTO grids (code, name, worker_name, worker_phone, leader_name, geojson, centroid_lat, \
             centroid_lng, created_at, updated_at, region_code) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9,$10)"
        };
        query(q)
            .bind(&g.code)
            .bind(&g.name)
            .bind(&g.worker_name)
            .bind(&g.worker_phone)
            .bind(&g.leader_name)
            .bind(None::<String>)
            .bind(g.centroid_lat)
            .bind(g.centroid_lng)
            .bind(now)
            .bind(&g.region_code)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_db(e, "code"))?;
        if let Some(shape) = &g.geojson {
            let item = ShapeIn {
                code: g.code.clone(),
                shape: shape.clone(),
            };
            write_shape(&mut tx, &item, &g.region_code, false, now).await?;
        }
        let action = if existing.is_some() {
            "update"
        } else {
            "create"
        };
        write_audit(
            &mut tx,
            ctx,
            action,
            "grid",
            &g.code,
            &g.region_code,
            &g.name,
        )
        .await?;
        let out = fetch_grid(&mut tx, &ctx.scope, &g.code).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// Grids in the caller's scope.
pub trait GridStorage: Send + Sync {
    fn create_grid<'a>(&'a self, ctx: &'a Ctx, g: &'a NewGrid) -> BoxFut<'a, Grid>;
    fn get_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Grid>;
    fn list_grids<'a>(
        &'a self,
        ctx: &'a Ctx,
        region_code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Grid>>;
    fn update_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str, g: &'a NewGrid) -> BoxFut<'a, Grid>;
    /// The grid in scope whose centre is nearest to a position, within `max_m` metres.
    fn grid_near<'a>(
        &'a self,
        ctx: &'a Ctx,
        lat: f64,
        lng: f64,
        max_m: f64,
    ) -> BoxFut<'a, Option<String>>;
}

impl<DB: Backend> GridStorage for SqlStore<DB> {
    fn create_grid<'a>(&'a self, ctx: &'a Ctx, g: &'a NewGrid) -> BoxFut<'a, Grid> {
        Box::pin(self.write_grid(ctx, None, g))
    }

    fn get_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Grid> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            fetch_grid(&mut tx, &ctx.scope, code).await
        })
    }

    fn list_grids<'a>(
        &'a self,
        ctx: &'a Ctx,
        region_code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Grid>> {
        Box::pin(async move {
            let scope = ctx
                .scope
                .narrow(&RegionCode::parse_field("region", region_code)?.scope());
            let rows = query_as::<Grid>(AssertSqlSafe(format!(
                "SELECT {GRID_COLS} FROM grids g WHERE g.region_code >= $1 AND g.region_code < $2 \
                 ORDER BY g.code LIMIT $3 OFFSET $4"
            )))
            .bind(&scope.lo)
            .bind(&scope.hi)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await?;
            Ok(Page::from_rows(rows, page))
        })
    }

    fn update_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str, g: &'a NewGrid) -> BoxFut<'a, Grid> {
        Box::pin(self.write_grid(ctx, Some(code), g))
    }

    fn grid_near<'a>(
        &'a self,
        ctx: &'a Ctx,
        lat: f64,
        lng: f64,
        max_m: f64,
    ) -> BoxFut<'a, Option<String>> {
        Box::pin(async move {
            // A box of ±max_m around the point, then the nearest centre by equirectangular
            // distance (exact enough within a county).
            let dlat = max_m / 111_000.0;
            let dlng = dlat / lat.to_radians().cos().max(0.01);
            let rows: Vec<(String, f64, f64)> = query_as(
                "SELECT code, centroid_lat, centroid_lng FROM grids \
                 WHERE centroid_lat BETWEEN $1 AND $2 AND centroid_lng BETWEEN $3 AND $4 \
                 AND region_code >= $5 AND region_code < $6",
            )
            .bind(lat - dlat)
            .bind(lat + dlat)
            .bind(lng - dlng)
            .bind(lng + dlng)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&self.pool)
            .await?;
            let metres = |a: f64, b: f64| {
                let x = (b - lng).to_radians() * lat.to_radians().cos();
                let y = (a - lat).to_radians();
                (x * x + y * y).sqrt() * 6_371_000.0
            };
            Ok(rows
                .into_iter()
                .map(|(code, a, b)| (metres(a, b), code))
                .filter(|(d, _)| *d <= max_m)
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .map(|(_, code)| code))
        })
    }
}
