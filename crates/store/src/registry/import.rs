//! The registry in bulk: all-or-nothing import, trusted bulk load, export.

use crate::prelude::*;
use tongchou_domain::error::Msg;

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn bulk_load_impl(
        &self,
        hs: &[Household],
        ps: &[Person],
        registered_at: i64,
    ) -> StoreResult<()> {
        let now = registered_at;
        let mut tx = self.write_tx().await?;
        insert_chunks(
            &mut tx,
            "households",
            &HOUSEHOLD_INSERT_COLS,
            1000,
            hs,
            |q, h| {
                q.bind(&h.county_code)
                    .bind(h.id)
                    .bind(&h.region_code)
                    .bind(&h.grid_code)
                    .bind(&h.address)
                    .bind(&h.phone)
                    .bind(h.lat)
                    .bind(h.lng)
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        insert_chunks(&mut tx, "persons", &PERSON_INSERT_COLS, 500, ps, |q, p| {
            q.bind(&p.county_code)
                .bind(p.id)
                .bind(p.household_id)
                .bind(&p.region_code)
                .bind(&p.grid_code)
                .bind(&p.name)
                .bind(&p.id_number)
                .bind(&p.birth_date)
                .bind(&p.sex)
                .bind(&p.phone)
                .bind(&p.relation)
                .bind(&p.residence_type)
                .bind(&p.tags)
                .bind(now)
                .bind(now)
        })
        .await
        .map_err(|e| match e {
            StoreError::Db(d) => StoreError::from_db(d, "id"),
            e => e,
        })?;
        insert_chunks(
            &mut tx,
            "id_numbers",
            &["id_number", "county_code", "person_id"],
            2000,
            ps,
            |q, p| q.bind(&p.id_number).bind(&p.county_code).bind(p.id),
        )
        .await
        .map_err(|e| match e {
            StoreError::Db(d) => StoreError::from_db(d, "id_number"),
            e => e,
        })?;
        let grams: Vec<(String, &str, i64)> = ps
            .iter()
            .flat_map(|p| {
                search::name_grams(&p.name)
                    .into_iter()
                    .map(move |g| (g, p.region_code.as_str(), p.id))
            })
            .collect();
        insert_chunks(
            &mut tx,
            "person_grams",
            &["gram", "region_code", "person_id"],
            2000,
            &grams,
            |q, g| q.bind(&g.0).bind(g.1).bind(g.2),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn import_impl(
        &self,
        ctx: &Ctx,
        rows: &[ImportRow],
    ) -> StoreResult<ImportCounts> {
        let mut tx = self.write_tx().await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut counts = ImportCounts::default();
        let mut grids: HashMap<String, Option<String>> = HashMap::new();
        let mut households: HashMap<(String, String), (i64, String)> = HashMap::new();
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        let mut boxes: HashMap<String, crate::territory::CountyBox> = HashMap::new();
        let now = now_ms();
        for r in rows {
            let h = &r.household;
            if !grids.contains_key(&h.grid_code) {
                let found = grid_in_scope(&mut tx, &ctx.scope, &h.grid_code).await?;
                grids.insert(h.grid_code.clone(), found);
            }
            let Some(region) = grids[&h.grid_code].clone() else {
                errors.push(RowError::unknown_grid(r.row, "grid_code", &h.grid_code));
                continue;
            };
            let county = region[..6].to_string();
            if let Some(p) = h.position {
                if !boxes.contains_key(&county) {
                    let b = crate::territory::county_box(&mut tx, &county).await?;
                    boxes.insert(county.clone(), b);
                }
                if let Err(i) = crate::territory::check_door(boxes[&county], p) {
                    errors.push(RowError {
                        row: r.row,
                        column: i.field.clone(),
                        reason: tongchou_domain::error::Msg::new(i.zh, i.en),
                    });
                    continue;
                }
            }
            let key = (h.grid_code.clone(), h.address.clone());
            let household_id = match households.get(&key) {
                Some((id, _)) => *id,
                None => {
                    let found: Option<(i64,)> = query_as(
                        "SELECT id FROM households WHERE county_code = $1 AND grid_code = $2 AND address = $3",
                    )
                    .bind(&county)
                    .bind(&h.grid_code)
                    .bind(&h.address)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let id = match found {
                        Some((id,)) => {
                            if h.phone.is_some() || h.position.is_some() {
                                query(
                                    "UPDATE households SET phone = COALESCE($1, phone), updated_at = $2, \
                                     lat = COALESCE($5, lat), lng = COALESCE($6, lng) WHERE county_code = $3 AND id = $4",
                                )
                                .bind(&h.phone)
                                .bind(now)
                                .bind(&county)
                                .bind(id)
                                .bind(h.position.map(|p| p.0))
                                .bind(h.position.map(|p| p.1))
                                .execute(&mut *tx)
                                .await?;
                            }
                            id
                        }
                        None => {
                            let id = new_id();
                            query(
                                "INSERT INTO households (county_code, id, region_code, grid_code, address, phone, created_at, updated_at, lat, lng) \
                                 VALUES ($1,$2,$3,$4,$5,$6,$7,$7,$8,$9)",
                            )
                            .bind(&county)
                            .bind(id)
                            .bind(&region)
                            .bind(&h.grid_code)
                            .bind(&h.address)
                            .bind(&h.phone)
                            .bind(now)
                            .bind(h.position.map(|p| p.0))
                            .bind(h.position.map(|p| p.1))
                            .execute(&mut *tx)
                            .await?;
                            counts.households_created += 1;
                            id
                        }
                    };
                    households.insert(key, (id, region.clone()));
                    id
                }
            };
            let Some(p) = &r.person else { continue };
            if let Some(first) = seen_ids.insert(p.id_number.clone(), r.row) {
                errors.push(RowError {
                    row: r.row,
                    column: "id_number".into(),
                    reason: Msg::new(
                        format!("与第 {first} 行重复"),
                        format!("duplicates row {first}"),
                    ),
                });
                continue;
            }
            let existing: Option<(String, i64)> =
                query_as("SELECT county_code, person_id FROM id_numbers WHERE id_number = $1")
                    .bind(&p.id_number)
                    .fetch_optional(&mut *tx)
                    .await?;
            let place = (county.as_str(), region.as_str(), h.grid_code.as_str());
            match existing {
                None => {
                    insert_person(&mut tx, p, place, household_id).await?;
                    counts.persons_created += 1;
                }
                Some((_, pid)) => match fetch_person(&mut tx, &ctx.scope, pid).await {
                    Ok(old) => {
                        rewrite_person(&mut tx, &old, p, place, household_id).await?;
                        counts.persons_updated += 1;
                    }
                    Err(StoreError::NotFound(_)) => errors.push(RowError {
                        row: r.row,
                        column: "id_number".into(),
                        reason: Msg::new(
                            "该身份证号已登记在您的管辖范围之外",
                            "this ID number is registered outside your scope",
                        ),
                    }),
                    Err(e) => return Err(e),
                },
            }
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Rows(errors));
        }
        let detail = format!(
            "households +{}, persons +{} ~{}",
            counts.households_created, counts.persons_created, counts.persons_updated
        );
        write_audit(&mut tx, ctx, "import", "registry", "", "", &detail).await?;
        tx.commit().await?;
        Ok(counts)
    }
}

/// The registry in bulk.
pub trait RegistryTransferStorage: Send + Sync {
    /// All-or-nothing import: households found by (grid, address) or created, persons found by ID
    /// number and updated, or created. Any bad row fails the whole import with `Rows`.
    fn import_registry<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: &'a [ImportRow],
    ) -> BoxFut<'a, ImportCounts>;
    /// Trusted bulk load (demo and benchmarks): households and persons with their ids, counties
    /// and places already set, registered at `registered_at` (Unix ms); one transaction.
    fn bulk_load<'a>(
        &'a self,
        hs: &'a [Household],
        ps: &'a [Person],
        registered_at: i64,
    ) -> BoxFut<'a, ()>;
    /// Which of `codes` are grids in `ctx`'s scope (to report every unknown grid of a file in the
    /// same answer as its other errors).
    fn grids_in_scope<'a>(
        &'a self,
        ctx: &'a Ctx,
        codes: &'a [String],
    ) -> BoxFut<'a, std::collections::HashSet<String>>;
    /// Every household and person in scope, for export (ordered by region, id).
    fn export_registry<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, (Vec<Household>, Vec<Person>)>;
}

impl<DB: Backend> RegistryTransferStorage for SqlStore<DB> {
    fn import_registry<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: &'a [ImportRow],
    ) -> BoxFut<'a, ImportCounts> {
        Box::pin(self.import_impl(ctx, rows))
    }

    fn bulk_load<'a>(
        &'a self,
        hs: &'a [Household],
        ps: &'a [Person],
        registered_at: i64,
    ) -> BoxFut<'a, ()> {
        Box::pin(self.bulk_load_impl(hs, ps, registered_at))
    }

    fn grids_in_scope<'a>(
        &'a self,
        ctx: &'a Ctx,
        codes: &'a [String],
    ) -> BoxFut<'a, std::collections::HashSet<String>> {
        Box::pin(async move {
            let mut found = std::collections::HashSet::new();
            for chunk in codes.chunks(500) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
                let sql = format!(
                    "SELECT code FROM grids WHERE region_code >= $1 AND region_code < $2 AND code IN ({})",
                    list.join(",")
                );
                let mut q = query_as::<(String,)>(AssertSqlSafe(sql))
                    .bind(&ctx.scope.lo)
                    .bind(&ctx.scope.hi);
                for c in chunk {
                    q = q.bind(c.as_str());
                }
                found.extend(q.fetch_all(&self.pool).await?.into_iter().map(|(c,)| c));
            }
            Ok(found)
        })
    }

    fn export_registry<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, (Vec<Household>, Vec<Person>)> {
        Box::pin(async move {
            // One transaction: both lists come from the same snapshot.
            let mut tx = self.read_tx().await?;
            let hs = query_as::<Household>(AssertSqlSafe(format!(
                "SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.region_code >= $1 AND h.region_code < $2 \
                 ORDER BY h.region_code, h.id"
            )))
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&mut *tx)
            .await?;
            let ps = query_as::<Person>(AssertSqlSafe(format!(
                "SELECT {PERSON_COLS} FROM persons p WHERE p.region_code >= $1 AND p.region_code < $2 \
                 ORDER BY p.region_code, p.household_id, p.id"
            )))
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&mut *tx)
            .await?;
            // The reads above share one snapshot; the audit row is its own write transaction
            // (upgrading a read transaction to write fails in WAL mode when a writer went first).
            tx.commit().await?;
            let mut tx = self.write_tx().await?;
            let detail = format!("{} persons", ps.len());
            write_audit(
                &mut tx,
                ctx,
                "export",
                "registry",
                "",
                ctx.scope.lo.as_str(),
                &detail,
            )
            .await?;
            tx.commit().await?;
            Ok((hs, ps))
        })
    }
}
