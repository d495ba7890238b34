//! The registry: households and the persons in them, in the caller's scope. Persons' own
//! helpers are in `persons.rs`, import and export in `import.rs`.

mod import;
mod model;
mod persons;

pub use import::*;
pub use model::*;
pub(crate) use persons::*;

use crate::prelude::*;

pub(crate) const HOUSEHOLD_COLS: &str = "h.id, h.county_code, h.region_code, h.grid_code, h.address, h.phone, h.lat, h.lng, \
     (SELECT count(*) FROM persons p WHERE p.household_id = h.id) AS member_count, \
     (SELECT min(p.name) FROM persons p WHERE p.household_id = h.id AND p.relation = '户主') AS head_name";

pub(crate) const HOUSEHOLD_INSERT_COLS: [&str; 10] = [
    "county_code",
    "id",
    "region_code",
    "grid_code",
    "address",
    "phone",
    "lat",
    "lng",
    "created_at",
    "updated_at",
];

/// (county, region, grid) of a household in scope.
pub(crate) async fn household_in_scope<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    id: i64,
) -> StoreResult<Option<(String, String, String)>> {
    Ok(query_as(
        "SELECT county_code, region_code, grid_code FROM households \
         WHERE id = $1 AND region_code >= $2 AND region_code < $3",
    )
    .bind(id)
    .bind(&scope.lo)
    .bind(&scope.hi)
    .fetch_optional(&mut **tx)
    .await?)
}

pub(crate) async fn fetch_household<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    id: i64,
) -> StoreResult<Household> {
    let sql = format!(
        "SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.id = $1 AND h.region_code >= $2 AND h.region_code < $3"
    );
    fetch_scoped(tx, sql, id, scope, "household").await
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn write_household(
        &self,
        ctx: &Ctx,
        existing: Option<i64>,
        h: &NewHousehold,
    ) -> StoreResult<Household> {
        let mut tx = self.write_tx().await?;
        let Some(region) = grid_in_scope(&mut tx, &ctx.scope, &h.grid_code).await? else {
            return Err(StoreError::Invalid(Invalid::new(
                "grid_code",
                "unknown_grid",
                "网格不存在或不在您的管辖范围内",
                "the grid does not exist or is outside your scope",
            )));
        };
        let county = &region[..6];
        if let Some(p) = h.position {
            let b = crate::territory::county_box(&mut tx, county).await?;
            crate::territory::check_door(b, p)?;
        }
        let id = match existing {
            Some(id) => {
                let (old_county, _, _) = household_in_scope(&mut tx, &ctx.scope, id)
                    .await?
                    .ok_or(StoreError::NotFound("household"))?;
                if old_county != county {
                    return Err(StoreError::Invalid(Invalid::new(
                        "grid_code",
                        "cross_county_move",
                        "住户不能直接迁往其他县区，请办理迁出迁入",
                        "a household cannot move to another county by an edit",
                    )));
                }
                query(
                    "UPDATE households SET region_code = $1, grid_code = $2, address = $3, \
                     phone = CASE WHEN $8 THEN phone ELSE $4 END, updated_at = $5, \
                     lat = COALESCE($9, lat), lng = COALESCE($10, lng) WHERE county_code = $6 AND id = $7",
                )
                .bind(&region)
                .bind(&h.grid_code)
                .bind(&h.address)
                .bind(&h.phone)
                .bind(now_ms())
                .bind(county)
                .bind(id)
                .bind(h.keep_phone)
                .bind(h.position.map(|p| p.0))
                .bind(h.position.map(|p| p.1))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_db(e, "address"))?;
                // Members follow their household.
                query("UPDATE persons SET region_code = $1, grid_code = $2 WHERE county_code = $3 AND household_id = $4")
                    .bind(&region)
                    .bind(&h.grid_code)
                    .bind(county)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                query(
                    "UPDATE person_grams SET region_code = $1 WHERE person_id IN \
                     (SELECT id FROM persons WHERE county_code = $2 AND household_id = $3)",
                )
                .bind(&region)
                .bind(county)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let id = new_id();
                let now = now_ms();
                query(
                    "INSERT INTO households (county_code, id, region_code, grid_code, address, phone, created_at, updated_at, lat, lng) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$7,$8,$9)",
                )
                .bind(county)
                .bind(id)
                .bind(&region)
                .bind(&h.grid_code)
                .bind(&h.address)
                .bind(&h.phone)
                .bind(now)
                .bind(h.position.map(|p| p.0))
                .bind(h.position.map(|p| p.1))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_db(e, "address"))?;
                id
            }
        };
        let action = if existing.is_some() {
            "update"
        } else {
            "create"
        };
        write_audit(
            &mut tx,
            ctx,
            action,
            "household",
            &id.to_string(),
            &region,
            &h.address,
        )
        .await?;
        let out = fetch_household(&mut tx, &ctx.scope, id).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// Households and persons, one at a time.
pub trait RegistryStorage: Send + Sync {
    fn create_household<'a>(&'a self, ctx: &'a Ctx, h: &'a NewHousehold) -> BoxFut<'a, Household>;
    fn get_household<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Household>;
    fn list_households<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a HouseholdFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Household>>;
    fn update_household<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        h: &'a NewHousehold,
    ) -> BoxFut<'a, Household>;
    fn create_person<'a>(&'a self, ctx: &'a Ctx, p: &'a NewPerson) -> BoxFut<'a, Person>;
    fn get_person<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Person>;
    fn list_persons<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a PersonFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Person>>;
    fn update_person<'a>(&'a self, ctx: &'a Ctx, id: i64, p: &'a NewPerson) -> BoxFut<'a, Person>;
    /// Reads a person in full and records the read in the audit log, in one transaction.
    fn reveal_person<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Person>;
    /// Where the households of a page of persons are (village, grid, address), by household id;
    /// households outside `ctx`'s scope are left out.
    fn household_places<'a>(
        &'a self,
        ctx: &'a Ctx,
        households: &'a [i64],
    ) -> BoxFut<'a, HashMap<i64, Place>>;
}

impl<DB: Backend> RegistryStorage for SqlStore<DB> {
    fn household_places<'a>(
        &'a self,
        ctx: &'a Ctx,
        households: &'a [i64],
    ) -> BoxFut<'a, HashMap<i64, Place>> {
        Box::pin(async move {
            if households.is_empty() {
                return Ok(HashMap::new());
            }
            let list: Vec<String> = (0..households.len())
                .map(|i| format!("${}", i + 3))
                .collect();
            let sql = format!(
                "SELECT h.id, r.name, g.name, h.address FROM households h \
                 JOIN regions r ON r.code = h.region_code LEFT JOIN grids g ON g.code = h.grid_code \
                 WHERE h.region_code >= $1 AND h.region_code < $2 AND h.id IN ({})",
                list.join(",")
            );
            let mut q = query_as::<(i64, String, Option<String>, String)>(AssertSqlSafe(sql))
                .bind(&ctx.scope.lo)
                .bind(&ctx.scope.hi);
            for id in households {
                q = q.bind(*id);
            }
            let rows = q.fetch_all(&self.pool).await?;
            Ok(rows
                .into_iter()
                .map(|(id, village, grid, address)| {
                    (
                        id,
                        Place {
                            village,
                            grid,
                            address,
                        },
                    )
                })
                .collect())
        })
    }

    fn create_household<'a>(&'a self, ctx: &'a Ctx, h: &'a NewHousehold) -> BoxFut<'a, Household> {
        Box::pin(self.write_household(ctx, None, h))
    }

    fn get_household<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Household> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            fetch_household(&mut tx, &ctx.scope, id).await
        })
    }

    fn list_households<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a HouseholdFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Household>> {
        Box::pin(async move {
            let mut scope = ctx.scope.clone();
            if let Some(r) = f.region.as_deref().filter(|r| !r.is_empty()) {
                scope = scope.narrow(&RegionCode::parse_field("region", r)?.scope());
            }
            let (sql, grid) = match f.grid.as_deref().filter(|g| !g.is_empty()) {
                Some(g) => (
                    format!(
                        "SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.grid_code = $5 AND h.region_code >= $1 \
                         AND h.region_code < $2 ORDER BY h.id LIMIT $3 OFFSET $4"
                    ),
                    g,
                ),
                None => (
                    format!(
                        "SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.region_code >= $1 AND h.region_code < $2 \
                         AND $5 = $5 ORDER BY h.region_code, h.id LIMIT $3 OFFSET $4"
                    ),
                    "",
                ),
            };
            let rows = query_as::<Household>(AssertSqlSafe(sql))
                .bind(&scope.lo)
                .bind(&scope.hi)
                .bind(page.limit_plus_one())
                .bind(page.offset())
                .bind(grid)
                .fetch_all(&self.pool)
                .await?;
            Ok(Page::from_rows(rows, page))
        })
    }

    fn update_household<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        h: &'a NewHousehold,
    ) -> BoxFut<'a, Household> {
        Box::pin(self.write_household(ctx, Some(id), h))
    }

    fn create_person<'a>(&'a self, ctx: &'a Ctx, p: &'a NewPerson) -> BoxFut<'a, Person> {
        Box::pin(self.write_person(ctx, None, p))
    }

    fn get_person<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Person> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            fetch_person(&mut tx, &ctx.scope, id).await
        })
    }

    fn list_persons<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a PersonFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Person>> {
        Box::pin(self.list_persons_impl(ctx, f, page))
    }

    fn update_person<'a>(&'a self, ctx: &'a Ctx, id: i64, p: &'a NewPerson) -> BoxFut<'a, Person> {
        Box::pin(self.write_person(ctx, Some(id), p))
    }

    fn reveal_person<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Person> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let p = fetch_person(&mut tx, &ctx.scope, id).await?;
            write_audit(
                &mut tx,
                ctx,
                "reveal_pii",
                "person",
                &id.to_string(),
                &p.region_code,
                "id_number, phone",
            )
            .await?;
            tx.commit().await?;
            Ok(p)
        })
    }
}
