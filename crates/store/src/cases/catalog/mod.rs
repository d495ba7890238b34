//! The case catalog: categories, routing rules, the working-day calendar and settings, with
//! the cache intake and transitions read. Regions' own versions are in `owners.rs`.

mod model;
mod owners;

pub use model::*;
pub(crate) use owners::*;

use crate::prelude::*;

pub(crate) const CATEGORY_COLS: &str = "code, parent_code, name, domain, priority, limit_unit, limit_value, \
     dispute, auto_escalate, active, dispatch_hours, sign_hours, verify_hours, '' AS owner_code";

/// How long after closing a reporter may reopen, unless the `reopen_days` setting says otherwise.
pub(crate) const DEFAULT_REOPEN_DAYS: i64 = 15;

/// The subtree a routing rule's prefix governs (`""`: everything); `None` for a malformed prefix.
pub(crate) fn rule_subtree(prefix: &str) -> Option<Scope> {
    if prefix.is_empty() {
        return Some(Scope::all());
    }
    RegionCode::parse(prefix).ok().map(|r| r.scope())
}

/// What intake and transitions read of the catalog: categories, routing rules, units and the
/// working-day calendar. Cached for `CATALOG_TTL`; an edit through this process drops the cache
/// at once, and other processes on the same PostgreSQL database see it within the TTL.
pub struct Catalog {
    pub(crate) loaded: std::time::Instant,
    pub(crate) categories: HashMap<String, CategoryRow>,
    /// Regions' own versions of 小类, the most specific owner first.
    pub(crate) overrides: Vec<CategoryRow>,
    pub(crate) rules: HashMap<String, Vec<routing::Rule>>,
    /// Units of each region, in id order: (id, kind).
    pub(crate) units: HashMap<String, Vec<(i64, String)>>,
    pub(crate) unit_region: HashMap<i64, String>,
    pub(crate) calendar: Calendar,
}

pub(crate) const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(5);

pub(crate) async fn load_catalog<DB: Backend>(pool: &sqlx::Pool<DB>) -> StoreResult<Catalog> {
    let categories: Vec<CategoryRow> = query_as::<CategoryRow>(AssertSqlSafe(format!(
        "SELECT {CATEGORY_COLS} FROM case_categories"
    )))
    .fetch_all(pool)
    .await?;
    let mut overrides: Vec<CategoryRow> = query_as::<CategoryRow>(AssertSqlSafe(format!(
        "SELECT {OVERRIDE_COLS} FROM category_overrides"
    )))
    .fetch_all(pool)
    .await?;
    overrides.sort_by(|a, b| b.owner_code.cmp(&a.owner_code));
    let rules: Vec<(String, String, i64)> =
        query_as("SELECT subcategory, region_prefix, unit_id FROM routing_rules")
            .fetch_all(pool)
            .await?;
    let units: Vec<(i64, String, String)> =
        query_as("SELECT id, region_code, kind FROM units ORDER BY id")
            .fetch_all(pool)
            .await?;
    let days: Vec<(String, String)> = query_as("SELECT day, kind FROM calendar_days")
        .fetch_all(pool)
        .await?;
    let mut cat = Catalog {
        loaded: std::time::Instant::now(),
        categories: categories
            .into_iter()
            .map(|k| (k.code.clone(), k))
            .collect(),
        overrides,
        rules: HashMap::new(),
        units: HashMap::new(),
        unit_region: HashMap::new(),
        calendar: Calendar::default(),
    };
    for (sub, prefix, unit) in rules {
        cat.rules
            .entry(sub.clone())
            .or_default()
            .push(routing::Rule {
                subcategory: sub,
                region_prefix: prefix,
                unit_id: unit,
            });
    }
    for (id, region, kind) in units {
        cat.unit_region.insert(id, region.clone());
        cat.units.entry(region).or_default().push((id, kind));
    }
    for (d, kind) in days {
        if let Some(n) = day_of(&d) {
            if kind == "workday" {
                cat.calendar.workdays.insert(n);
            } else {
                cat.calendar.holidays.insert(n);
            }
        }
    }
    Ok(cat)
}

pub(crate) async fn fetch_category<DB: Backend>(
    tx: &mut Tx<DB>,
    code: &str,
) -> StoreResult<Option<CategoryRow>> {
    Ok(query_as::<CategoryRow>(AssertSqlSafe(format!(
        "SELECT {CATEGORY_COLS} FROM case_categories WHERE code = $1"
    )))
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?)
}

pub(crate) async fn reopen_window_ms<DB: Backend>(tx: &mut Tx<DB>) -> StoreResult<i64> {
    let v: Option<(String,)> = query_as("SELECT value FROM settings WHERE key = 'reopen_days'")
        .fetch_optional(&mut **tx)
        .await?;
    let days = v
        .and_then(|(s,)| s.parse::<i64>().ok())
        .unwrap_or(DEFAULT_REOPEN_DAYS);
    Ok(days * tongchou_domain::calendar::DAY_MS)
}

/// Writes a category: into the base catalog when it has no owner, else as its owner's version.
pub(crate) async fn upsert_category<DB: Backend>(
    tx: &mut Tx<DB>,
    k: &CategoryRow,
    now: i64,
) -> StoreResult<()> {
    let (table, key) = if k.owner_code.is_empty() {
        ("case_categories", "code")
    } else {
        ("category_overrides", "owner_code, code")
    };
    let sql = format!(
        "INSERT INTO {table} (code, parent_code, name, domain, priority, limit_unit, limit_value, \
         dispute, auto_escalate, active, dispatch_hours, sign_hours, verify_hours, updated_at{owner}) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14{owner_arg}) \
         ON CONFLICT ({key}) DO UPDATE SET name = excluded.name, domain = excluded.domain, \
         priority = excluded.priority, limit_unit = excluded.limit_unit, \
         limit_value = excluded.limit_value, dispute = excluded.dispute, \
         auto_escalate = excluded.auto_escalate, active = excluded.active, \
         dispatch_hours = excluded.dispatch_hours, sign_hours = excluded.sign_hours, \
         verify_hours = excluded.verify_hours, updated_at = excluded.updated_at",
        owner = if k.owner_code.is_empty() {
            ""
        } else {
            ", owner_code"
        },
        owner_arg = if k.owner_code.is_empty() { "" } else { ",$15" },
    );
    let mut q = query(AssertSqlSafe(sql))
        .bind(&k.code)
        .bind(&k.parent_code)
        .bind(&k.name)
        .bind(&k.domain)
        .bind(&k.priority)
        .bind(&k.limit_unit)
        .bind(k.limit_value)
        .bind(k.dispute)
        .bind(k.auto_escalate)
        .bind(k.active)
        .bind(k.dispatch_hours)
        .bind(k.sign_hours)
        .bind(k.verify_hours)
        .bind(now);
    if !k.owner_code.is_empty() {
        q = q.bind(&k.owner_code);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn catalog(&self) -> StoreResult<std::sync::Arc<Catalog>> {
        let cached = self
            .cases
            .catalog
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(c) = cached.filter(|c| c.loaded.elapsed() < CATALOG_TTL) {
            return Ok(c);
        }
        let fresh = std::sync::Arc::new(load_catalog(&self.pool).await?);
        *self.cases.catalog.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Drops the cached catalog after an edit.
    pub(crate) fn catalog_changed(&self) {
        *self.cases.catalog.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub(crate) async fn seed_categories(tx: &mut Tx<DB>) -> StoreResult<()> {
        let now = now_ms();
        for k in default_categories() {
            upsert_category(tx, &k, now).await?;
        }
        Ok(())
    }
}

/// A setting that is a number of days, from `min` to 365.
fn days_setting(value: &str, min: i64) -> StoreResult<()> {
    if value
        .trim()
        .parse::<i64>()
        .is_ok_and(|d| (min..=365).contains(&d))
    {
        return Ok(());
    }
    Err(Invalid::new(
        "value",
        "out_of_range",
        format!("应为 {min} 到 365 之间的天数"),
        format!("must be a number of days from {min} to 365"),
    )
    .into())
}

/// The catalog and the settings.
pub trait CatalogStorage: Send + Sync {
    /// The catalog as it applies at `at` (a 12-digit region code): the base 大类 and 小类 with
    /// the versions of every owner above `at` (the most specific wins) and the owners' own
    /// 小类. `None`: the base catalog.
    fn list_categories<'a>(&'a self, at: Option<&'a str>) -> BoxFut<'a, Vec<CategoryRow>>;
    /// Writes a category. The deployment's top administrator writes the base catalog; any other
    /// administrator writes its own region's version of a 小类 (or a 小类 of its own), which
    /// applies in its subtree only. 大类 are the top administrator's.
    fn put_category<'a>(&'a self, ctx: &'a Ctx, c: &'a CategoryRow) -> BoxFut<'a, CategoryRow>;
    fn list_rules<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, Vec<RuleRow>>;
    fn put_rule<'a>(&'a self, ctx: &'a Ctx, r: &'a RuleInput) -> BoxFut<'a, RuleRow>;
    fn delete_rule<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, ()>;
    /// The calendar's exceptions in a year: `(YYYY-MM-DD, holiday|workday)`.
    fn calendar_year(&self, year: i32) -> BoxFut<'_, Vec<(String, String)>>;
    /// Replaces a year's exceptions with `days` in one transaction (the deployment's top
    /// administrator only: the calendar is the deployment's).
    fn import_calendar<'a>(
        &'a self,
        ctx: &'a Ctx,
        year: i32,
        days: &'a [(String, String)],
    ) -> BoxFut<'a, u64>;
    /// Run-time settings (`reopen_days`).
    fn settings(&self) -> BoxFut<'_, Vec<(String, String)>>;
    /// Changes a known setting: `reopen_days` (0–365); the deployment's top administrator only.
    fn put_setting<'a>(&'a self, ctx: &'a Ctx, key: &'a str, value: &'a str) -> BoxFut<'a, ()>;
}

impl<DB: Backend> CatalogStorage for SqlStore<DB> {
    fn list_categories<'a>(&'a self, at: Option<&'a str>) -> BoxFut<'a, Vec<CategoryRow>> {
        Box::pin(async move { self.categories_at(at).await })
    }

    fn put_category<'a>(&'a self, ctx: &'a Ctx, k: &'a CategoryRow) -> BoxFut<'a, CategoryRow> {
        Box::pin(async move { self.put_category_owned(ctx, k).await })
    }

    fn list_rules<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, Vec<RuleRow>> {
        Box::pin(async move {
            // A rule is shown when its unit lies in the caller's scope.
            Ok(query_as::<RuleRow>(
                "SELECT r.id, r.subcategory, r.region_prefix, r.unit_id, u.name AS unit_name \
                 FROM routing_rules r JOIN units u ON u.id = r.unit_id \
                 WHERE u.region_code >= $1 AND u.region_code < $2 \
                 ORDER BY r.subcategory, r.region_prefix",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn put_rule<'a>(&'a self, ctx: &'a Ctx, r: &'a RuleInput) -> BoxFut<'a, RuleRow> {
        Box::pin(async move {
            let prefix = r.region_prefix.trim();
            if !matches!(prefix.len(), 0 | 2 | 4 | 6 | 9 | 12)
                || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(Invalid::new(
                    "region_prefix",
                    "invalid_prefix",
                    "应为区划代码的前 2/4/6/9/12 位",
                    "must be the first 2, 4, 6, 9 or 12 digits of a region code",
                )
                .into());
            }
            // A rule governs the subtree of its prefix, which must lie in the caller's scope. A rule
            // needs a prefix: its unit must stand above every case it routes.
            if prefix.is_empty() {
                return Err(Invalid::new(
                    "region_prefix",
                    "required",
                    "规则须指定区划前缀",
                    "a rule needs a region prefix",
                )
                .into());
            }
            let padded = format!("{prefix:0<12}");
            let subtree = rule_subtree(prefix).ok_or_else(|| {
                StoreError::Invalid(Invalid::new(
                    "region_prefix",
                    "invalid_prefix",
                    "不是有效的区划前缀",
                    "is not a region prefix",
                ))
            })?;
            if !ctx.scope.covers(&subtree) {
                return Err(Invalid::out_of_scope("region_prefix").into());
            }
            let mut tx = self.write_tx().await?;
            if fetch_category(&mut tx, r.subcategory.trim())
                .await?
                .is_none_or(|k| k.parent_code.is_none())
            {
                return Err(Invalid::new(
                    "subcategory",
                    "unknown_category",
                    "小类不存在",
                    "no such 小类",
                )
                .into());
            }
            let unit: Option<(String,)> = query_as("SELECT region_code FROM units WHERE id = $1")
                .bind(r.unit_id)
                .fetch_optional(&mut *tx)
                .await?;
            // The unit must be one a dispatch may reach for every case under the prefix: in the
            // caller's scope and on the way up from the prefix's region (not another township's).
            let reaches = |u: &str| {
                ctx.scope.contains(u)
                    && RegionCode::parse(u).is_ok_and(|r| r.scope().contains(&padded))
            };
            if !unit.is_some_and(|(u,)| reaches(&u)) {
                return Err(Invalid::new(
                    "unit_id",
                    "unknown_unit",
                    "处置单位不存在、不在您的范围内或管不到该前缀",
                    "no such unit in your scope above the prefix's region",
                )
                .into());
            }
            let id = new_id();
            query(
                "INSERT INTO routing_rules (id, subcategory, region_prefix, unit_id, created_at) \
                 VALUES ($1,$2,$3,$4,$5) ON CONFLICT (subcategory, region_prefix) \
                 DO UPDATE SET unit_id = excluded.unit_id",
            )
            .bind(id)
            .bind(r.subcategory.trim())
            .bind(prefix)
            .bind(r.unit_id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            let row = query_as::<RuleRow>(
                "SELECT r.id, r.subcategory, r.region_prefix, r.unit_id, u.name AS unit_name \
                 FROM routing_rules r LEFT JOIN units u ON u.id = r.unit_id \
                 WHERE r.subcategory = $1 AND r.region_prefix = $2",
            )
            .bind(r.subcategory.trim())
            .bind(prefix)
            .fetch_one(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "update",
                "routing_rule",
                &row.id.to_string(),
                "",
                &format!(
                    "{} {} → {}",
                    row.subcategory, row.region_prefix, row.unit_id
                ),
            )
            .await?;
            tx.commit().await?;
            self.catalog_changed();
            Ok(row)
        })
    }

    fn delete_rule<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            // A rule belongs to the subtree of its prefix: only an author over all of it deletes.
            let prefix: Option<(String,)> =
                query_as("SELECT region_prefix FROM routing_rules WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((prefix,)) = prefix.filter(|(p,)| {
                ctx.scope
                    .covers(&rule_subtree(p).unwrap_or_else(Scope::all))
            }) else {
                return Err(StoreError::NotFound("routing rule"));
            };
            query("DELETE FROM routing_rules WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            write_audit(
                &mut tx,
                ctx,
                "delete",
                "routing_rule",
                &id.to_string(),
                &format!("{prefix:0<12}"),
                &prefix,
            )
            .await?;
            tx.commit().await?;
            self.catalog_changed();
            Ok(())
        })
    }

    fn calendar_year(&self, year: i32) -> BoxFut<'_, Vec<(String, String)>> {
        Box::pin(async move {
            Ok(query_as(
                "SELECT day, kind FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day",
            )
            .bind(format!("{year:04}-01-01"))
            .bind(format!("{year:04}-12-31"))
            .fetch_all(&self.pool)
            .await?)
        })
    }

    fn import_calendar<'a>(
        &'a self,
        ctx: &'a Ctx,
        year: i32,
        days: &'a [(String, String)],
    ) -> BoxFut<'a, u64> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            require_top_admin(&mut tx, ctx).await?;
            query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
                .bind(format!("{year:04}-01-01"))
                .bind(format!("{year:04}-12-31"))
                .execute(&mut *tx)
                .await?;
            for (d, k) in days {
                query("INSERT INTO calendar_days (day, kind) VALUES ($1, $2)")
                    .bind(d)
                    .bind(k)
                    .execute(&mut *tx)
                    .await?;
            }
            write_audit(
                &mut tx,
                ctx,
                "import",
                "calendar",
                &year.to_string(),
                &owner_of(ctx),
                &format!("{} days", days.len()),
            )
            .await?;
            tx.commit().await?;
            self.catalog_changed();
            Ok(days.len() as u64)
        })
    }

    fn settings(&self) -> BoxFut<'_, Vec<(String, String)>> {
        Box::pin(async move {
            Ok(query_as("SELECT key, value FROM settings ORDER BY key")
                .fetch_all(&self.pool)
                .await?)
        })
    }

    fn put_setting<'a>(&'a self, ctx: &'a Ctx, key: &'a str, value: &'a str) -> BoxFut<'a, ()> {
        Box::pin(async move {
            match key {
                "reopen_days" => days_setting(value, 0)?,
                // How often households are due a visit: the default, or for a tag.
                k if k == "visit_days"
                    || k.strip_prefix("visit_days.")
                        .is_some_and(|t| TAGS.contains(&t)) =>
                {
                    days_setting(value, 1)?
                }
                _ => {
                    return Err(Invalid::new(
                        "key",
                        "unknown_setting",
                        "没有这个设置项",
                        "is not a known setting",
                    )
                    .into());
                }
            }
            let mut tx = self.write_tx().await?;
            require_top_admin(&mut tx, ctx).await?;
            query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value.trim())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "update",
                "setting",
                key,
                &owner_of(ctx),
                value.trim(),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
