//! Territory: regions (province to village), their units and service centers. Grids are in
//! `grids.rs`.

mod grids;
mod model;
mod places;
mod shapes;

pub use grids::*;
pub use model::*;
pub use places::*;
pub use shapes::*;

use crate::prelude::*;

/// The schema of a grid's `geojson` as `NewGrid::validate` takes it: null, or an object whose
/// `type` is a polygon or a feature (the geometry itself is not checked).
pub fn geojson_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["object", "null"],
        "required": ["type"],
        "properties": {"type": {"enum": ["Polygon", "MultiPolygon", "Feature"]}}
    })
}

pub(crate) const REGION_COLS: &str = "r.code, r.name, r.level, r.parent_code, r.urban_rural, r.ur_override, \
     CASE WHEN r.level = 'village' THEN (SELECT count(*) FROM grids g WHERE g.region_code = r.code) \
     ELSE (SELECT count(*) FROM regions c WHERE c.parent_code = r.code) END AS child_count";

/// Rows per multi-row INSERT when loading regions (6 parameters a row).
pub(crate) const REGION_CHUNK: usize = 1000;

pub(crate) fn region_insert_sql<DB: Backend>(rows: usize) -> String {
    let mut sql = multi_insert_sql::<DB>(
        "regions",
        &[
            "code",
            "name",
            "level",
            "parent_code",
            "urban_rural",
            "updated_at",
        ],
        rows,
    );
    sql.push_str(
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
         parent_code = excluded.parent_code, \
         urban_rural = CASE WHEN regions.ur_override THEN regions.urban_rural ELSE excluded.urban_rural END, \
         updated_at = excluded.updated_at",
    );
    sql
}

pub(crate) async fn fetch_region<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    code: &str,
) -> StoreResult<Region> {
    let sql = format!(
        "SELECT {REGION_COLS} FROM regions r WHERE r.code = $1 AND r.code >= $2 AND r.code < $3"
    );
    fetch_scoped(tx, sql, code.to_string(), scope, "region").await
}

pub(crate) fn normalise_region(code: &str) -> StoreResult<String> {
    Ok(RegionCode::parse(code)
        .map_err(|_| StoreError::NotFound("region"))?
        .as_str()
        .to_string())
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn region_children_impl(
        &self,
        ctx: &Ctx,
        code: &str,
        page: PageReq,
    ) -> StoreResult<Page<Region>> {
        let code = normalise_region(code)?;
        let mut tx = self.read_tx().await?;
        fetch_region(&mut tx, &ctx.scope, &code).await?;
        let rows = query_as::<Region>(AssertSqlSafe(format!(
            "SELECT {REGION_COLS} FROM regions r WHERE r.parent_code = $1 AND r.code >= $2 AND r.code < $3 \
             ORDER BY r.code LIMIT $4 OFFSET $5"
        )))
        .bind(&code)
        .bind(&ctx.scope.lo)
        .bind(&ctx.scope.hi)
        .bind(page.limit_plus_one())
        .bind(page.offset())
        .fetch_all(&mut *tx)
        .await?;
        Ok(Page::from_rows(rows, page))
    }

    pub(crate) async fn upsert_regions_impl(&self, rows: &[RegionRow]) -> StoreResult<u64> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let full_sql = region_insert_sql::<DB>(REGION_CHUNK);
        for chunk in rows.chunks(REGION_CHUNK) {
            let sql = if chunk.len() == REGION_CHUNK {
                full_sql.clone()
            } else {
                region_insert_sql::<DB>(chunk.len())
            };
            let mut q = query(AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(&r.code)
                    .bind(&r.name)
                    .bind(r.level)
                    .bind(&r.parent_code)
                    .bind(r.urban_rural)
                    .bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        // Every parent must exist (in the files or already in the database).
        let orphans: Vec<(String, String)> = query_as(
            "SELECT r.code, r.parent_code FROM regions r LEFT JOIN regions p ON p.code = r.parent_code \
             WHERE r.parent_code IS NOT NULL AND r.level <> 'province' AND p.code IS NULL ORDER BY r.code LIMIT 10",
        )
        .fetch_all(&mut *tx)
        .await?;
        if let Some((code, parent)) = orphans.first() {
            return Err(StoreError::Invalid(Invalid::new(
                "parent_code",
                "unknown_parent",
                format!("{code} 的上级 {parent} 不存在"),
                format!("the parent {parent} of {code} does not exist"),
            )));
        }
        write_audit(
            &mut tx,
            &Ctx::system(),
            "import",
            "regions",
            "",
            "",
            &format!("{} rows", rows.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    pub(crate) async fn create_region_impl(
        &self,
        ctx: &Ctx,
        row: &RegionRow,
    ) -> StoreResult<Region> {
        let mut tx = self.write_tx().await?;
        let Some(parent) = &row.parent_code else {
            return Err(StoreError::Invalid(Invalid::new(
                "code",
                "forbidden_level",
                "不能通过接口创建省级区划",
                "provinces cannot be created through the API",
            )));
        };
        if fetch_region(&mut tx, &ctx.scope, parent).await.is_err() {
            return Err(StoreError::Invalid(Invalid::new(
                "parent_code",
                "unknown_parent",
                format!("上级区划 {parent} 不存在或不在您的管辖范围内"),
                format!("the parent region {parent} does not exist or is outside your scope"),
            )));
        }
        query(
            "INSERT INTO regions (code, name, level, parent_code, urban_rural, updated_at) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&row.code)
        .bind(&row.name)
        .bind(row.level)
        .bind(&row.parent_code)
        .bind(row.urban_rural)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_db(e, "code"))?;
        write_audit(
            &mut tx, ctx, "create", "region", &row.code, &row.code, &row.name,
        )
        .await?;
        let r = fetch_region(&mut tx, &ctx.scope, &row.code).await?;
        tx.commit().await?;
        Ok(r)
    }

    pub(crate) async fn update_region_impl(
        &self,
        ctx: &Ctx,
        code: &str,
        patch: &RegionPatch,
    ) -> StoreResult<Region> {
        let code = normalise_region(code)?;
        let mut tx = self.write_tx().await?;
        let old = fetch_region(&mut tx, &ctx.scope, &code).await?;
        let name = match &patch.name {
            Some(n) => tongchou_domain::error::required_text("name", n, 60)?,
            None => old.name.clone(),
        };
        let (ur, ovr): (Option<String>, bool) = match patch.urban_rural.as_deref() {
            None => (old.urban_rural.clone(), old.ur_override),
            Some("auto") => {
                let rc = RegionCode::parse(&code)?;
                (
                    tongchou_domain::UrbanRural::classify(&rc, &name)
                        .map(|u| u.as_str().to_string()),
                    false,
                )
            }
            Some(v @ ("urban" | "rural")) => (Some(v.to_string()), true),
            Some(_) => {
                return Err(StoreError::Invalid(Invalid::new(
                    "urban_rural",
                    "invalid_value",
                    "必须是 urban、rural 或 auto",
                    "must be urban, rural or auto",
                )));
            }
        };
        query("UPDATE regions SET name = $1, urban_rural = $2, ur_override = $3, updated_at = $4 WHERE code = $5")
            .bind(&name)
            .bind(&ur)
            .bind(ovr)
            .bind(now_ms())
            .bind(&code)
            .execute(&mut *tx)
            .await?;
        write_audit(&mut tx, ctx, "update", "region", &code, &code, &name).await?;
        let r = fetch_region(&mut tx, &ctx.scope, &code).await?;
        tx.commit().await?;
        Ok(r)
    }
}

/// Regions, units and service centers.
pub trait TerritoryStorage: Send + Sync {
    fn upsert_regions<'a>(&'a self, rows: &'a [RegionRow]) -> BoxFut<'a, u64>;
    fn get_region<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Region>;
    /// The regions without a parent (provinces), for pickers that start at the top.
    fn top_regions(&self) -> BoxFut<'_, Vec<Region>>;
    fn region_children<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Region>>;
    fn create_region<'a>(&'a self, ctx: &'a Ctx, row: &'a RegionRow) -> BoxFut<'a, Region>;
    fn update_region<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        patch: &'a RegionPatch,
    ) -> BoxFut<'a, Region>;
    fn insert_units<'a>(&'a self, rows: &'a [Unit]) -> BoxFut<'a, ()>;
    fn list_units<'a>(&'a self, ctx: &'a Ctx, region_code: &'a str) -> BoxFut<'a, Vec<Unit>>;
    fn insert_centers<'a>(&'a self, rows: &'a [ServiceCenter]) -> BoxFut<'a, ()>;
    fn list_centers<'a>(
        &'a self,
        ctx: &'a Ctx,
        region_code: &'a str,
    ) -> BoxFut<'a, Vec<ServiceCenter>>;
}

impl<DB: Backend> TerritoryStorage for SqlStore<DB> {
    fn upsert_regions<'a>(&'a self, rows: &'a [RegionRow]) -> BoxFut<'a, u64> {
        Box::pin(self.upsert_regions_impl(rows))
    }

    fn get_region<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Region> {
        Box::pin(async move {
            let code = normalise_region(code)?;
            let mut tx = self.read_tx().await?;
            fetch_region(&mut tx, &ctx.scope, &code).await
        })
    }

    fn top_regions(&self) -> BoxFut<'_, Vec<Region>> {
        Box::pin(async move {
            Ok(query_as::<Region>(AssertSqlSafe(format!(
                "SELECT {REGION_COLS} FROM regions r WHERE r.parent_code IS NULL ORDER BY r.code"
            )))
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn region_children<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Region>> {
        Box::pin(self.region_children_impl(ctx, code, page))
    }

    fn create_region<'a>(&'a self, ctx: &'a Ctx, row: &'a RegionRow) -> BoxFut<'a, Region> {
        Box::pin(self.create_region_impl(ctx, row))
    }

    fn update_region<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        patch: &'a RegionPatch,
    ) -> BoxFut<'a, Region> {
        Box::pin(self.update_region_impl(ctx, code, patch))
    }

    fn insert_units<'a>(&'a self, rows: &'a [Unit]) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            for u in rows {
                query("INSERT INTO units (id, region_code, name, kind, created_at) VALUES ($1,$2,$3,$4,$5)")
                    .bind(u.id)
                    .bind(&u.region_code)
                    .bind(&u.name)
                    .bind(&u.kind)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            self.catalog_changed();
            Ok(())
        })
    }

    fn list_units<'a>(&'a self, ctx: &'a Ctx, region_code: &'a str) -> BoxFut<'a, Vec<Unit>> {
        Box::pin(async move {
            let code = normalise_region(region_code)?;
            Ok(query_as::<Unit>(
                "SELECT id, region_code, name, kind FROM units WHERE region_code = $1 AND region_code >= $2 \
                 AND region_code < $3 ORDER BY id",
            )
            .bind(code)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn insert_centers<'a>(&'a self, rows: &'a [ServiceCenter]) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            for c in rows {
                query(
                    "INSERT INTO service_centers (id, region_code, name, level, has_org, has_staff, has_funds, \
                     has_venue, has_rules, has_work, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                )
                .bind(c.id)
                .bind(&c.region_code)
                .bind(&c.name)
                .bind(&c.level)
                .bind(c.has_org)
                .bind(c.has_staff)
                .bind(c.has_funds)
                .bind(c.has_venue)
                .bind(c.has_rules)
                .bind(c.has_work)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn list_centers<'a>(
        &'a self,
        ctx: &'a Ctx,
        region_code: &'a str,
    ) -> BoxFut<'a, Vec<ServiceCenter>> {
        Box::pin(async move {
            let code = normalise_region(region_code)?;
            Ok(query_as::<ServiceCenter>(
                "SELECT id, region_code, name, level, has_org, has_staff, has_funds, has_venue, has_rules, has_work \
                 FROM service_centers WHERE region_code = $1 AND region_code >= $2 AND region_code < $3 ORDER BY id",
            )
            .bind(code)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&self.pool)
            .await?)
        })
    }
}
