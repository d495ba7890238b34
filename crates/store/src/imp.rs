// The storage implementation shared by both backends. This file is `include!`d into `sqlite.rs`
// and `postgres.rs`, each of which defines `Db`, `S` (the store type with a `pool` field) and the
// backend constants used below. Every query here means the same on SQLite and PostgreSQL.

use crate::model::*;
use crate::{BoxFut, Storage, StoreError, StoreResult, new_id, now_ms};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use tongchou_domain::{Invalid, RegionCode, Scope, search};

const REGION_COLS: &str = "r.code, r.name, r.level, r.parent_code, r.urban_rural, r.ur_override, \
     CASE WHEN r.level = 'village' THEN (SELECT count(*) FROM grids g WHERE g.region_code = r.code) \
     ELSE (SELECT count(*) FROM regions c WHERE c.parent_code = r.code) END AS child_count";

const GRID_COLS: &str = "g.code, g.region_code, g.name, g.worker_name, g.worker_phone, g.leader_name, \
     g.geojson, g.centroid_lat, g.centroid_lng, \
     (SELECT count(*) FROM households h WHERE h.grid_code = g.code) AS household_count, \
     (SELECT count(*) FROM persons p WHERE p.grid_code = g.code) AS person_count, \
     (SELECT r.urban_rural FROM regions r WHERE r.code = g.region_code) AS urban_rural";

const HOUSEHOLD_COLS: &str = "h.id, h.county_code, h.region_code, h.grid_code, h.address, h.phone, \
     (SELECT count(*) FROM persons p WHERE p.household_id = h.id) AS member_count, \
     (SELECT min(p.name) FROM persons p WHERE p.household_id = h.id AND p.relation = '户主') AS head_name";

const PERSON_COLS: &str = "p.id, p.county_code, p.household_id, p.region_code, p.grid_code, p.name, \
     p.id_number, p.birth_date, p.sex, p.phone, p.relation, p.residence_type, p.tags, \
     p.created_at, p.updated_at";

const USER_COLS: &str = "u.id, u.username, u.display_name, u.password_hash, u.role, u.scope_code, \
     u.grid_code, u.failed_logins, u.locked_until, u.disabled, u.unit_id";

/// Rows per multi-row INSERT when loading regions (6 parameters a row).
const REGION_CHUNK: usize = 1000;

type Tx = sqlx::Transaction<'static, Db>;

/// `INSERT INTO table (cols) VALUES ($1,…),(…)` for `rows` rows (`?` on SQLite, which looks a
/// `$N` name up with a linear scan per bind: quadratic in a statement of thousands of parameters).
/// A column given as `name=expr({})` inserts `expr(param)` into `name`.
fn multi_insert_sql(table: &str, cols: &[&str], rows: usize) -> String {
    let names: Vec<&str> = cols
        .iter()
        .map(|c| c.split_once('=').map_or(*c, |(n, _)| n))
        .collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let n = cols.len();
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for (c, col) in cols.iter().enumerate() {
            if c > 0 {
                sql.push(',');
            }
            let param = if NUMBERED_PARAMS {
                format!("${}", r * n + c + 1)
            } else {
                "?".to_string()
            };
            match col.split_once('=') {
                Some((_, expr)) => sql.push_str(&expr.replace("{}", &param)),
                None => sql.push_str(&param),
            }
        }
        sql.push(')');
    }
    sql
}

fn region_insert_sql(rows: usize) -> String {
    let mut sql = multi_insert_sql(
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

const HOUSEHOLD_INSERT_COLS: [&str; 8] = [
    "county_code",
    "id",
    "region_code",
    "grid_code",
    "address",
    "phone",
    "created_at",
    "updated_at",
];
const PERSON_INSERT_COLS: [&str; 15] = [
    "county_code",
    "id",
    "household_id",
    "region_code",
    "grid_code",
    "name",
    "id_number",
    "birth_date",
    "sex",
    "phone",
    "relation",
    "residence_type",
    "tags",
    "created_at",
    "updated_at",
];

/// Runs a multi-row INSERT for each chunk of `rows`, binding each row with `bind`.
async fn insert_chunks<T>(
    tx: &mut Tx,
    table: &str,
    cols: &[&str],
    chunk: usize,
    rows: &[T],
    bind: impl for<'q> Fn(
        sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>,
        &'q T,
    ) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>,
) -> StoreResult<()> {
    let full = multi_insert_sql(table, cols, chunk);
    for part in rows.chunks(chunk) {
        let sql = if part.len() == chunk {
            full.clone()
        } else {
            multi_insert_sql(table, cols, part.len())
        };
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in part {
            q = bind(q, r);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

async fn write_audit(
    tx: &mut Tx,
    ctx: &Ctx,
    action: &str,
    target_type: &str,
    target_id: &str,
    region_code: &str,
    detail: &str,
) -> StoreResult<()> {
    // A row with no region of its own is placed in the actor's region, so that the actor's
    // administrators see it (the system's own, with no region, are the top administrator's).
    let own;
    let region_code = if region_code.is_empty() {
        own = owner_of(ctx);
        own.as_str()
    } else {
        region_code
    };
    let county = region_code.get(..6).unwrap_or("");
    sqlx::query(
        "INSERT INTO audit_log (county_code, id, at, user_id, username, action, target_type, \
         target_id, region_code, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(county)
    .bind(new_id())
    .bind(now_ms())
    .bind(ctx.user_id)
    .bind(&ctx.username)
    .bind(action)
    .bind(target_type)
    .bind(target_id)
    .bind(region_code)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn grid_in_scope(tx: &mut Tx, scope: &Scope, code: &str) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT region_code FROM grids WHERE code = $1 AND region_code >= $2 AND region_code < $3",
    )
    .bind(code)
    .bind(&scope.lo)
    .bind(&scope.hi)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.0))
}

/// (county, region, grid) of a household in scope.
async fn household_in_scope(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> StoreResult<Option<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT county_code, region_code, grid_code FROM households \
         WHERE id = $1 AND region_code >= $2 AND region_code < $3",
    )
    .bind(id)
    .bind(&scope.lo)
    .bind(&scope.hi)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn insert_grams(
    tx: &mut Tx,
    region_code: &str,
    person_id: i64,
    name: &str,
) -> StoreResult<()> {
    for g in search::name_grams(name) {
        sqlx::query(
            "INSERT INTO person_grams (gram, region_code, person_id) VALUES ($1,$2,$3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(g)
        .bind(region_code)
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Fetches one row by key within the caller's scope (`$1` the key, `$2`/`$3` the scope range):
/// absent and out-of-scope are the same `NotFound`.
async fn fetch_scoped<T, K>(
    tx: &mut Tx,
    sql: String,
    key: K,
    scope: &Scope,
    what: &'static str,
) -> StoreResult<T>
where
    T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
    K: for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db> + Send,
{
    sqlx::query_as::<Db, T>(AssertSqlSafe(sql))
        .bind(key)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound(what))
}

async fn fetch_person(tx: &mut Tx, scope: &Scope, id: i64) -> StoreResult<Person> {
    let sql = format!(
        "SELECT {PERSON_COLS} FROM persons p WHERE p.id = $1 AND p.region_code >= $2 AND p.region_code < $3"
    );
    fetch_scoped(tx, sql, id, scope, "person").await
}

/// The `persons` row itself; `created_at` is kept from the old row on a rewrite.
async fn insert_person_row(
    tx: &mut Tx,
    id: i64,
    p: &NewPerson,
    (county, region, grid): (&str, &str, &str),
    household_id: i64,
    created_at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO persons (county_code, id, household_id, region_code, grid_code, name, id_number, \
         birth_date, sex, phone, relation, residence_type, tags, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
    )
    .bind(county)
    .bind(id)
    .bind(household_id)
    .bind(region)
    .bind(grid)
    .bind(&p.name)
    .bind(&p.id_number)
    .bind(&p.birth_date)
    .bind(p.sex)
    .bind(&p.phone)
    .bind(&p.relation)
    .bind(&p.residence_type)
    .bind(&p.tags)
    .bind(created_at)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts a person (and their ID-number key and name grams) into a known household.
async fn insert_person(
    tx: &mut Tx,
    p: &NewPerson,
    place: (&str, &str, &str),
    household_id: i64,
) -> StoreResult<i64> {
    let id = new_id();
    sqlx::query("INSERT INTO id_numbers (id_number, county_code, person_id) VALUES ($1,$2,$3)")
        .bind(&p.id_number)
        .bind(place.0)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::from_db(e, "id_number"))?;
    insert_person_row(tx, id, p, place, household_id, now_ms()).await?;
    insert_grams(tx, place.1, id, &p.name).await?;
    Ok(id)
}

/// Rewrites a person in place (possibly moving them to another household).
async fn rewrite_person(
    tx: &mut Tx,
    old: &Person,
    p: &NewPerson,
    (county, region, grid): (&str, &str, &str),
    household_id: i64,
) -> StoreResult<()> {
    if old.id_number != p.id_number {
        sqlx::query("DELETE FROM id_numbers WHERE id_number = $1")
            .bind(&old.id_number)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO id_numbers (id_number, county_code, person_id) VALUES ($1,$2,$3)")
            .bind(&p.id_number)
            .bind(county)
            .bind(old.id)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::from_db(e, "id_number"))?;
    } else if old.county_code != county {
        sqlx::query("UPDATE id_numbers SET county_code = $1 WHERE id_number = $2")
            .bind(county)
            .bind(&p.id_number)
            .execute(&mut **tx)
            .await?;
    }
    // The county is part of the key: a rewrite (which may cross counties) is a delete and an
    // insert that keeps the creation time.
    let (created_at,): (i64,) = sqlx::query_as(
        "DELETE FROM persons WHERE county_code = $1 AND id = $2 RETURNING created_at",
    )
    .bind(&old.county_code)
    .bind(old.id)
    .fetch_one(&mut **tx)
    .await?;
    insert_person_row(
        tx,
        old.id,
        p,
        (county, region, grid),
        household_id,
        created_at,
    )
    .await?;
    sqlx::query("DELETE FROM person_grams WHERE person_id = $1")
        .bind(old.id)
        .execute(&mut **tx)
        .await?;
    insert_grams(tx, region, old.id, &p.name).await
}

async fn fetch_household(tx: &mut Tx, scope: &Scope, id: i64) -> StoreResult<Household> {
    let sql = format!(
        "SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.id = $1 AND h.region_code >= $2 AND h.region_code < $3"
    );
    fetch_scoped(tx, sql, id, scope, "household").await
}

async fn fetch_grid(tx: &mut Tx, scope: &Scope, code: &str) -> StoreResult<Grid> {
    let sql = format!(
        "SELECT {GRID_COLS} FROM grids g WHERE g.code = $1 AND g.region_code >= $2 AND g.region_code < $3"
    );
    fetch_scoped(tx, sql, code.to_string(), scope, "grid").await
}

async fn fetch_region(tx: &mut Tx, scope: &Scope, code: &str) -> StoreResult<Region> {
    let sql = format!(
        "SELECT {REGION_COLS} FROM regions r WHERE r.code = $1 AND r.code >= $2 AND r.code < $3"
    );
    fetch_scoped(tx, sql, code.to_string(), scope, "region").await
}

fn normalise_region(code: &str) -> StoreResult<String> {
    Ok(RegionCode::parse(code)
        .map_err(|_| StoreError::NotFound("region"))?
        .as_str()
        .to_string())
}

impl S {
    async fn write_tx(&self) -> StoreResult<Tx> {
        Ok(self.writer.begin_with(BEGIN_WRITE).await?)
    }

    async fn read_tx(&self) -> StoreResult<Tx> {
        Ok(self.pool.begin().await?)
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        if let Some(lock) = MIGRATION_LOCK {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let done: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for (version, sql) in MIGRATIONS {
            if done.iter().any(|d| d.0 == *version) {
                continue;
            }
            sqlx::raw_sql(*sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
        }
        // The case catalog is seeded once, after the migrations that shape it.
        if !done.iter().any(|d| d.0 == 2) {
            Self::seed_categories(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn region_children_impl(
        &self,
        ctx: &Ctx,
        code: &str,
        page: PageReq,
    ) -> StoreResult<Page<Region>> {
        let code = normalise_region(code)?;
        let mut tx = self.read_tx().await?;
        fetch_region(&mut tx, &ctx.scope, &code).await?;
        let rows = sqlx::query_as::<Db, Region>(AssertSqlSafe(format!(
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

    async fn upsert_regions_impl(&self, rows: &[RegionRow]) -> StoreResult<u64> {
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let full_sql = region_insert_sql(REGION_CHUNK);
        for chunk in rows.chunks(REGION_CHUNK) {
            let sql = if chunk.len() == REGION_CHUNK {
                full_sql.clone()
            } else {
                region_insert_sql(chunk.len())
            };
            let mut q = sqlx::query(AssertSqlSafe(sql));
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
        let orphans: Vec<(String, String)> = sqlx::query_as(
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

    async fn create_region_impl(&self, ctx: &Ctx, row: &RegionRow) -> StoreResult<Region> {
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
        sqlx::query(
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

    async fn update_region_impl(
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
        sqlx::query("UPDATE regions SET name = $1, urban_rural = $2, ur_override = $3, updated_at = $4 WHERE code = $5")
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

    async fn write_grid(
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
        sqlx::query(q)
            .bind(&g.code)
            .bind(&g.name)
            .bind(&g.worker_name)
            .bind(&g.worker_phone)
            .bind(&g.leader_name)
            .bind(&g.geojson)
            .bind(g.centroid_lat)
            .bind(g.centroid_lng)
            .bind(now)
            .bind(&g.region_code)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_db(e, "code"))?;
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

    async fn write_household(
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
                sqlx::query(
                    "UPDATE households SET region_code = $1, grid_code = $2, address = $3, \
                     phone = CASE WHEN $8 THEN phone ELSE $4 END, updated_at = $5 WHERE county_code = $6 AND id = $7",
                )
                .bind(&region)
                .bind(&h.grid_code)
                .bind(&h.address)
                .bind(&h.phone)
                .bind(now_ms())
                .bind(county)
                .bind(id)
                .bind(h.keep_phone)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_db(e, "address"))?;
                // Members follow their household.
                sqlx::query("UPDATE persons SET region_code = $1, grid_code = $2 WHERE county_code = $3 AND household_id = $4")
                    .bind(&region)
                    .bind(&h.grid_code)
                    .bind(county)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
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
                sqlx::query(
                    "INSERT INTO households (county_code, id, region_code, grid_code, address, phone, created_at, updated_at) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$7)",
                )
                .bind(county)
                .bind(id)
                .bind(&region)
                .bind(&h.grid_code)
                .bind(&h.address)
                .bind(&h.phone)
                .bind(now)
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

    async fn write_person(
        &self,
        ctx: &Ctx,
        existing: Option<i64>,
        p: &NewPerson,
    ) -> StoreResult<Person> {
        let mut tx = self.write_tx().await?;
        let Some((county, region, grid)) =
            household_in_scope(&mut tx, &ctx.scope, p.household_id).await?
        else {
            return Err(StoreError::Invalid(Invalid::new(
                "household_id",
                "unknown_household",
                "住户不存在或不在您的管辖范围内",
                "the household does not exist or is outside your scope",
            )));
        };
        let place = (county.as_str(), region.as_str(), grid.as_str());
        let id = match existing {
            Some(id) => {
                let old = fetch_person(&mut tx, &ctx.scope, id).await?;
                rewrite_person(&mut tx, &old, p, place, p.household_id).await?;
                id
            }
            None => insert_person(&mut tx, p, place, p.household_id).await?,
        };
        let action = if existing.is_some() {
            "update"
        } else {
            "create"
        };
        write_audit(&mut tx, ctx, action, "person", &id.to_string(), &region, "").await?;
        let out = fetch_person(&mut tx, &ctx.scope, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn list_persons_impl(
        &self,
        ctx: &Ctx,
        f: &PersonFilter,
        page: PageReq,
    ) -> StoreResult<Page<Person>> {
        let mut scope = ctx.scope.clone();
        if let Some(r) = f.region.as_deref().filter(|r| !r.is_empty()) {
            scope = scope.narrow(&RegionCode::parse_field("region", r)?.scope());
        }
        let grid = f.grid.as_deref().unwrap_or("").trim().to_string();
        if !grid.is_empty() {
            // Persons carry their village's 12-digit code: narrow to the grid's village.
            scope = scope.narrow(&Scope::of_prefix(grid.get(..12).unwrap_or(&grid)));
        }
        let extra = " AND ($7 = 0 OR p.household_id = $7) AND ($8 = '' OR p.grid_code = $8)";
        let (sql, key, pattern) = if let Some(idn) =
            f.id_number.as_deref().filter(|s| !s.trim().is_empty())
        {
            (
                format!(
                    "SELECT {PERSON_COLS} FROM id_numbers i JOIN persons p ON p.county_code = i.county_code \
                     AND p.id = i.person_id WHERE i.id_number = $1 AND p.region_code >= $2 AND p.region_code < $3 \
                     AND $6 = $6{extra} ORDER BY p.id LIMIT $4 OFFSET $5"
                ),
                idn.trim().to_ascii_uppercase(),
                String::new(),
            )
        } else if let Some(q) = f.q.as_deref().and_then(search::query_gram) {
            let frag: String =
                f.q.as_deref()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
            let pattern = if frag.chars().count() == 1 {
                format!("{}%", like_escape(&frag))
            } else {
                format!("%{}%", like_escape(&frag))
            };
            (
                format!(
                    "SELECT {PERSON_COLS} FROM person_grams g JOIN persons p ON p.id = g.person_id \
                     WHERE g.gram = $1 AND g.region_code >= $2 AND g.region_code < $3 \
                     AND p.name LIKE $6 ESCAPE '\\'{extra} ORDER BY g.region_code, g.person_id LIMIT $4 OFFSET $5"
                ),
                q,
                pattern,
            )
        } else {
            (
                format!(
                    "SELECT {PERSON_COLS} FROM persons p WHERE $1 = $1 AND p.region_code >= $2 AND p.region_code < $3 \
                     AND $6 = $6{extra} ORDER BY p.region_code, p.id LIMIT $4 OFFSET $5"
                ),
                String::new(),
                String::new(),
            )
        };
        let q = sqlx::query_as::<Db, Person>(AssertSqlSafe(sql))
            .bind(key)
            .bind(&scope.lo)
            .bind(&scope.hi)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .bind(pattern)
            .bind(f.household.unwrap_or(0))
            .bind(grid);
        let rows = q.fetch_all(&self.pool).await?;
        Ok(Page::from_rows(rows, page))
    }

    async fn bulk_load_impl(&self, hs: &[Household], ps: &[Person]) -> StoreResult<()> {
        let now = now_ms();
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

    async fn import_impl(&self, ctx: &Ctx, rows: &[ImportRow]) -> StoreResult<ImportCounts> {
        let mut tx = self.write_tx().await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut counts = ImportCounts::default();
        let mut grids: HashMap<String, Option<String>> = HashMap::new();
        let mut households: HashMap<(String, String), (i64, String)> = HashMap::new();
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        let now = now_ms();
        for r in rows {
            let h = &r.household;
            if !grids.contains_key(&h.grid_code) {
                let found = grid_in_scope(&mut tx, &ctx.scope, &h.grid_code).await?;
                grids.insert(h.grid_code.clone(), found);
            }
            let Some(region) = grids[&h.grid_code].clone() else {
                errors.push(RowError {
                    row: r.row,
                    column: "grid_code".into(),
                    reason: format!("网格 {} 不存在或不在您的管辖范围内 / grid does not exist or is outside your scope", h.grid_code),
                });
                continue;
            };
            let county = region[..6].to_string();
            let key = (h.grid_code.clone(), h.address.clone());
            let household_id = match households.get(&key) {
                Some((id, _)) => *id,
                None => {
                    let found: Option<(i64,)> = sqlx::query_as(
                        "SELECT id FROM households WHERE county_code = $1 AND grid_code = $2 AND address = $3",
                    )
                    .bind(&county)
                    .bind(&h.grid_code)
                    .bind(&h.address)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let id = match found {
                        Some((id,)) => {
                            if h.phone.is_some() {
                                sqlx::query("UPDATE households SET phone = $1, updated_at = $2 WHERE county_code = $3 AND id = $4")
                                    .bind(&h.phone)
                                    .bind(now)
                                    .bind(&county)
                                    .bind(id)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            id
                        }
                        None => {
                            let id = new_id();
                            sqlx::query(
                                "INSERT INTO households (county_code, id, region_code, grid_code, address, phone, created_at, updated_at) \
                                 VALUES ($1,$2,$3,$4,$5,$6,$7,$7)",
                            )
                            .bind(&county)
                            .bind(id)
                            .bind(&region)
                            .bind(&h.grid_code)
                            .bind(&h.address)
                            .bind(&h.phone)
                            .bind(now)
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
                    reason: format!("与第 {first} 行重复 / duplicates row {first}"),
                });
                continue;
            }
            let existing: Option<(String, i64)> = sqlx::query_as(
                "SELECT county_code, person_id FROM id_numbers WHERE id_number = $1",
            )
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
                        reason: "该身份证号已登记在您的管辖范围之外 / this ID number is registered outside your scope".into(),
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

impl Storage for S {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn migrate(&self) -> BoxFut<'_, ()> {
        Box::pin(self.run_migrations())
    }

    fn system_secret<'a>(&'a self, name: &'a str) -> BoxFut<'a, String> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let mut fresh = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut fresh);
            let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
            sqlx::query(
                "INSERT INTO system_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&fresh)
            .execute(&mut *tx)
            .await?;
            let (value,): (String,) =
                sqlx::query_as("SELECT value FROM system_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.commit().await?;
            Ok(value)
        })
    }

    fn stats(&self) -> crate::StoreStats {
        let pool = |name, p: &sqlx::Pool<Db>| (name, p.size(), p.num_idle() as u32);
        crate::StoreStats {
            pools: vec![pool("read", &self.pool), pool("write", &self.writer)],
            ..Default::default()
        }
        .with_intake(&self.cases.intake_stats)
    }

    fn ready(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            sqlx::query(
                "INSERT INTO write_probe (id, at) VALUES (1, $1) \
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            )
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn is_empty(&self) -> BoxFut<'_, bool> {
        Box::pin(async move {
            let n: Option<(String,)> = sqlx::query_as("SELECT code FROM regions LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
            Ok(n.is_none())
        })
    }

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
            Ok(sqlx::query_as::<Db, Region>(AssertSqlSafe(format!(
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
                sqlx::query("INSERT INTO units (id, region_code, name, kind, created_at) VALUES ($1,$2,$3,$4,$5)")
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
            Ok(sqlx::query_as::<Db, Unit>(
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
                sqlx::query(
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
            Ok(sqlx::query_as::<Db, ServiceCenter>(
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
            let rows = sqlx::query_as::<Db, Grid>(AssertSqlSafe(format!(
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
            let rows: Vec<(String, f64, f64)> = sqlx::query_as(
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

    fn update_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str, g: &'a NewGrid) -> BoxFut<'a, Grid> {
        Box::pin(self.write_grid(ctx, Some(code), g))
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
            let rows = sqlx::query_as::<Db, Household>(AssertSqlSafe(sql))
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

    fn bulk_load<'a>(&'a self, hs: &'a [Household], ps: &'a [Person]) -> BoxFut<'a, ()> {
        Box::pin(self.bulk_load_impl(hs, ps))
    }

    fn import_registry<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: &'a [ImportRow],
    ) -> BoxFut<'a, ImportCounts> {
        Box::pin(self.import_impl(ctx, rows))
    }

    fn export_registry<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, (Vec<Household>, Vec<Person>)> {
        Box::pin(async move {
            // One transaction: both lists come from the same snapshot.
            let mut tx = self.read_tx().await?;
            let hs = sqlx::query_as::<Db, Household>(AssertSqlSafe(format!(
                "SELECT {HOUSEHOLD_COLS} FROM households h WHERE h.region_code >= $1 AND h.region_code < $2 \
                 ORDER BY h.region_code, h.id"
            )))
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&mut *tx)
            .await?;
            let ps = sqlx::query_as::<Db, Person>(AssertSqlSafe(format!(
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

    fn create_user<'a>(&'a self, ctx: &'a Ctx, u: &'a NewUser) -> BoxFut<'a, User> {
        Box::pin(async move {
            if !ctx.scope.contains(&u.scope_code) {
                return Err(Invalid::out_of_scope("scope").into());
            }
            let own = RegionCode::parse(&u.scope_code)
                .map_err(|i| StoreError::Invalid(i.at("scope")))?
                .scope();
            let mut tx = self.write_tx().await?;
            // The grid and the unit an account works for lie in its own scope.
            if let Some(g) = &u.grid_code
                && grid_in_scope(&mut tx, &own, g).await?.is_none()
            {
                return Err(Invalid::new(
                    "grid_code",
                    "unknown_grid",
                    "网格不存在或不在该账号的范围内",
                    "no such grid in the account's scope",
                )
                .into());
            }
            if let Some(unit) = u.unit_id {
                let region: Option<(String,)> =
                    sqlx::query_as("SELECT region_code FROM units WHERE id = $1")
                        .bind(unit)
                        .fetch_optional(&mut *tx)
                        .await?;
                if !region.is_some_and(|(r,)| own.contains(&r)) {
                    return Err(Invalid::new(
                        "unit_id",
                        "unknown_unit",
                        "单位不存在或不在该账号的范围内",
                        "no such unit in the account's scope",
                    )
                    .into());
                }
            }
            let id = new_id();
            sqlx::query(
                "INSERT INTO users (id, username, display_name, password_hash, role, scope_code, grid_code, unit_id, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            )
            .bind(id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.role.as_str())
            .bind(&u.scope_code)
            .bind(&u.grid_code)
            .bind(u.unit_id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_db(e, "username"))?;
            write_audit(
                &mut tx,
                ctx,
                "create",
                "user",
                &u.username,
                &u.scope_code,
                u.role.as_str(),
            )
            .await?;
            let user = sqlx::query_as::<Db, User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.id = $1"
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn set_password<'a>(
        &'a self,
        ctx: &'a Ctx,
        username: &'a str,
        hash: &'a str,
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let scope: Option<(String,)> = sqlx::query_as(
                "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = 0 \
                 WHERE username = $2 AND scope_code >= $3 AND scope_code < $4 RETURNING scope_code",
            )
            .bind(hash)
            .bind(username)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((scope,)) = scope else {
                return Err(StoreError::NotFound("user"));
            };
            // A new password ends every session of the account.
            sqlx::query(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)",
            )
            .bind(username)
            .execute(&mut *tx)
            .await?;
            write_audit(&mut tx, ctx, "reset_password", "user", username, &scope, "").await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn user_by_name<'a>(&'a self, username: &'a str) -> BoxFut<'a, Option<User>> {
        Box::pin(async move {
            Ok(sqlx::query_as::<Db, User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.username = $1"
            )))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
        })
    }

    fn list_users<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<User>> {
        Box::pin(async move {
            let rows = sqlx::query_as::<Db, User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.scope_code >= $1 AND u.scope_code < $2 \
                 ORDER BY u.scope_code, u.username LIMIT $3 OFFSET $4"
            )))
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await?;
            Ok(Page::from_rows(rows, page))
        })
    }

    fn login_failed<'a>(
        &'a self,
        user_id: i64,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            sqlx::query(
                "UPDATE users SET failed_logins = 0, locked_until = 0 \
                 WHERE id = $1 AND locked_until > 0 AND locked_until <= $2",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE users SET failed_logins = failed_logins + 1, \
                 locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3",
            )
            .bind(lock_after)
            .bind(lock_until)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn guess_failed<'a>(
        &'a self,
        name: &'a str,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            // Old guesses go (a day after the last one), so sprayed names do not pile up.
            if rand::random::<u8>() == 0 {
                sqlx::query("DELETE FROM login_guesses WHERE last_at < $1 AND locked_until < $2")
                    .bind(now - 86_400_000)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let (locked,): (i64,) = sqlx::query_as(
                "INSERT INTO login_guesses (name, failures, locked_until, last_at) \
                 VALUES ($1, 1, CASE WHEN 1 >= $2 THEN $3 ELSE 0 END, $4) \
                 ON CONFLICT (name) DO UPDATE SET \
                   failures = CASE WHEN login_guesses.locked_until > 0 \
                     AND login_guesses.locked_until <= $4 THEN 1 ELSE login_guesses.failures + 1 END, \
                   locked_until = CASE \
                     WHEN login_guesses.locked_until > 0 AND login_guesses.locked_until <= $4 \
                       THEN CASE WHEN 1 >= $2 THEN $3 ELSE 0 END \
                     WHEN login_guesses.failures + 1 >= $2 THEN $3 \
                     ELSE login_guesses.locked_until END, \
                   last_at = $4 \
                 RETURNING locked_until",
            )
            .bind(name)
            .bind(lock_after)
            .bind(lock_until)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(locked)
        })
    }

    fn guess_locked_until<'a>(&'a self, name: &'a str) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let v: Option<(i64,)> =
                sqlx::query_as("SELECT locked_until FROM login_guesses WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(v.map_or(0, |(t,)| t))
        })
    }

    fn unlock_user<'a>(&'a self, ctx: &'a Ctx, user_id: i64) -> BoxFut<'a, User> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let user = sqlx::query_as::<Db, User>(AssertSqlSafe(format!(
                "UPDATE users SET failed_logins = 0, locked_until = 0 \
                 WHERE id = $1 AND scope_code >= $2 AND scope_code < $3 RETURNING {}",
                USER_COLS.replace("u.", "")
            )))
            .bind(user_id)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
            write_audit(
                &mut tx,
                ctx,
                "unlock_user",
                "user",
                &user.username,
                &user.scope_code,
                "",
            )
            .await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn login_succeeded<'a>(&'a self, user_id: i64) -> BoxFut<'a, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = $1")
                .bind(user_id)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
    }

    fn create_session<'a>(&'a self, s: &'a Session) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)",
            )
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn session<'a>(&'a self, token_hash: &'a str, now: i64) -> BoxFut<'a, Option<(Session, User)>> {
        Box::pin(async move {
            let s = sqlx::query_as::<Db, Session>(
                "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions \
                 WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            let Some(s) = s else { return Ok(None) };
            let u = sqlx::query_as::<Db, User>(AssertSqlSafe(format!(
                "SELECT {USER_COLS} FROM users u WHERE u.id = $1 AND u.disabled = FALSE"
            )))
            .bind(s.user_id)
            .fetch_optional(&self.pool)
            .await?;
            Ok(u.map(|u| (s, u)))
        })
    }

    fn delete_session<'a>(&'a self, token_hash: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
    }

    fn create_api_key<'a>(
        &'a self,
        ctx: &'a Ctx,
        name: &'a str,
        scope_code: &'a str,
        key_hash: &'a str,
    ) -> BoxFut<'a, ApiKey> {
        Box::pin(async move {
            let scope = normalise_region(scope_code)?;
            if !ctx.scope.contains(&scope) {
                return Err(Invalid::out_of_scope("scope").into());
            }
            let name = tongchou_domain::error::required_text("name", name, 60)?;
            let mut tx = self.write_tx().await?;
            let id = new_id();
            sqlx::query(
                "INSERT INTO api_keys (id, name, key_hash, scope_code, created_at) VALUES ($1,$2,$3,$4,$5)",
            )
            .bind(id)
            .bind(&name)
            .bind(key_hash)
            .bind(&scope)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "create",
                "api_key",
                &id.to_string(),
                &scope,
                &name,
            )
            .await?;
            let key = sqlx::query_as::<Db, ApiKey>(
                "SELECT id, name, key_hash, scope_code, created_at, revoked FROM api_keys WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(key)
        })
    }

    fn api_key<'a>(&'a self, key_hash: &'a str) -> BoxFut<'a, Option<ApiKey>> {
        Box::pin(async move {
            Ok(sqlx::query_as::<Db, ApiKey>(
                "SELECT id, name, key_hash, scope_code, created_at, revoked FROM api_keys \
                 WHERE key_hash = $1 AND NOT revoked",
            )
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
        })
    }

    fn list_api_keys<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, Vec<ApiKey>> {
        Box::pin(async move {
            Ok(sqlx::query_as::<Db, ApiKey>(
                "SELECT id, name, key_hash, scope_code, created_at, revoked FROM api_keys \
                 WHERE scope_code >= $1 AND scope_code < $2 ORDER BY id",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn revoke_api_key<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let done = sqlx::query(
                "UPDATE api_keys SET revoked = TRUE WHERE id = $1 AND scope_code >= $2 AND scope_code < $3",
            )
            .bind(id)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("api key"));
            }
            write_audit(&mut tx, ctx, "revoke", "api_key", &id.to_string(), "", "").await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn list_audit<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<AuditEntry>> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            // Rows that belong to no region (the deployment's own) are the top administrator's.
            let top = is_top_admin(&mut tx, ctx).await?;
            let rows = sqlx::query_as::<Db, AuditEntry>(
                "SELECT id, at, user_id, username, action, target_type, target_id, detail FROM audit_log \
                 WHERE (region_code >= $1 AND region_code < $2) OR (region_code = '' AND $3) \
                 ORDER BY at DESC, id DESC LIMIT $4 OFFSET $5",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(top)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Page::from_rows(rows, page))
        })
    }

    fn audit<'a>(
        &'a self,
        ctx: &'a Ctx,
        action: &'a str,
        target_type: &'a str,
        target_id: &'a str,
        region_code: &'a str,
        detail: &'a str,
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            write_audit(
                &mut tx,
                ctx,
                action,
                target_type,
                target_id,
                region_code,
                detail,
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn backup<'a>(&'a self, path: &'a std::path::Path) -> BoxFut<'a, ()> {
        Box::pin(self.backup_impl(path))
    }
}
