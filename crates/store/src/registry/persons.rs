//! Writing persons: their row, their ID-number key and the name grams search uses.

use crate::prelude::*;

pub(crate) const PERSON_COLS: &str = "p.id, p.county_code, p.household_id, p.region_code, p.grid_code, p.name, \
     p.id_number, p.birth_date, p.sex, p.phone, p.relation, p.residence_type, p.tags, \
     p.created_at, p.updated_at";

pub(crate) const PERSON_INSERT_COLS: [&str; 15] = [
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

pub(crate) async fn insert_grams<DB: Backend>(
    tx: &mut Tx<DB>,
    region_code: &str,
    person_id: i64,
    name: &str,
) -> StoreResult<()> {
    for g in search::name_grams(name) {
        query(
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

pub(crate) async fn fetch_person<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    id: i64,
) -> StoreResult<Person> {
    let sql = format!(
        "SELECT {PERSON_COLS} FROM persons p WHERE p.id = $1 AND p.region_code >= $2 AND p.region_code < $3"
    );
    fetch_scoped(tx, sql, id, scope, "person").await
}

/// The `persons` row itself; `created_at` is kept from the old row on a rewrite.
pub(crate) async fn insert_person_row<DB: Backend>(
    tx: &mut Tx<DB>,
    id: i64,
    p: &NewPerson,
    (county, region, grid): (&str, &str, &str),
    household_id: i64,
    created_at: i64,
) -> StoreResult<()> {
    query(
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
pub(crate) async fn insert_person<DB: Backend>(
    tx: &mut Tx<DB>,
    p: &NewPerson,
    place: (&str, &str, &str),
    household_id: i64,
) -> StoreResult<i64> {
    let id = new_id();
    query("INSERT INTO id_numbers (id_number, county_code, person_id) VALUES ($1,$2,$3)")
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
pub(crate) async fn rewrite_person<DB: Backend>(
    tx: &mut Tx<DB>,
    old: &Person,
    p: &NewPerson,
    (county, region, grid): (&str, &str, &str),
    household_id: i64,
) -> StoreResult<()> {
    if old.id_number != p.id_number {
        query("DELETE FROM id_numbers WHERE id_number = $1")
            .bind(&old.id_number)
            .execute(&mut **tx)
            .await?;
        query("INSERT INTO id_numbers (id_number, county_code, person_id) VALUES ($1,$2,$3)")
            .bind(&p.id_number)
            .bind(county)
            .bind(old.id)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::from_db(e, "id_number"))?;
    } else if old.county_code != county {
        query("UPDATE id_numbers SET county_code = $1 WHERE id_number = $2")
            .bind(county)
            .bind(&p.id_number)
            .execute(&mut **tx)
            .await?;
    }
    // The county is part of the key: a rewrite (which may cross counties) is a delete and an
    // insert that keeps the creation time.
    let (created_at,): (i64,) =
        query_as("DELETE FROM persons WHERE county_code = $1 AND id = $2 RETURNING created_at")
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
    query("DELETE FROM person_grams WHERE person_id = $1")
        .bind(old.id)
        .execute(&mut **tx)
        .await?;
    insert_grams(tx, region, old.id, &p.name).await
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn write_person(
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

    pub(crate) async fn list_persons_impl(
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
        let q = query_as::<Person>(AssertSqlSafe(sql))
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
}
