//! Configuration owners: the top administrator's base catalog and regions' own versions of
//! 小类, each applying in its owner's subtree.

use crate::prelude::*;

pub(crate) const OVERRIDE_COLS: &str = "code, parent_code, name, domain, priority, limit_unit, limit_value, \
     dispute, auto_escalate, active, dispatch_hours, sign_hours, verify_hours, owner_code";

/// The subtree an owner's versions apply in.
pub(crate) fn owner_scope(owner: &str) -> Scope {
    RegionCode::parse(owner).map_or_else(|_| Scope::all(), |r| r.scope())
}

pub(crate) async fn require_top_admin<DB: Backend>(tx: &mut Tx<DB>, ctx: &Ctx) -> StoreResult<()> {
    if is_top_admin(tx, ctx).await? {
        return Ok(());
    }
    Err(StoreError::Forbidden {
        code: "not_config_owner",
        zh: "这项配置属于本系统的最高管理员",
        en: "this configuration belongs to the deployment's top administrator",
    })
}

impl Catalog {
    /// The version of a category that applies at `region`: the most specific owner above it,
    /// else the base catalog's.
    pub(crate) fn category(&self, code: &str, region: &str) -> Option<&CategoryRow> {
        self.overrides
            .iter()
            .find(|k| k.code == code && owner_scope(&k.owner_code).contains(region))
            .or_else(|| self.categories.get(code))
    }
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn categories_at(&self, at: Option<&str>) -> StoreResult<Vec<CategoryRow>> {
        let mut rows: std::collections::BTreeMap<String, CategoryRow> = query_as::<CategoryRow>(
            AssertSqlSafe(format!("SELECT {CATEGORY_COLS} FROM case_categories")),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|k| (k.code.clone(), k))
        .collect();
        if let Some(at) = at {
            let mut own: Vec<CategoryRow> = query_as::<CategoryRow>(AssertSqlSafe(format!(
                "SELECT {OVERRIDE_COLS} FROM category_overrides"
            )))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .filter(|k| owner_scope(&k.owner_code).contains(at))
            .collect();
            // The least specific first, so the most specific owner's version stays.
            own.sort_by(|a, b| a.owner_code.cmp(&b.owner_code));
            for k in own {
                rows.insert(k.code.clone(), k);
            }
        }
        Ok(rows.into_values().collect())
    }

    pub(crate) async fn put_category_owned(
        &self,
        ctx: &Ctx,
        k: &CategoryRow,
    ) -> StoreResult<CategoryRow> {
        let mut k = k.clone().validate()?;
        let mut tx = self.write_tx().await?;
        if let Some(p) = &k.parent_code {
            match fetch_category(&mut tx, p).await? {
                Some(parent) if parent.parent_code.is_none() => {}
                _ => {
                    return Err(Invalid::new(
                        "parent_code",
                        "unknown_category",
                        "所属大类不存在",
                        "no such 大类",
                    )
                    .into());
                }
            }
        }
        let now = now_ms();
        let owner = owner_of(ctx);
        // The top administrator writes the base catalog; anyone else its own region's version.
        k.owner_code = if is_top_admin(&mut tx, ctx).await? {
            String::new()
        } else if k.parent_code.is_none() {
            return Err(StoreError::Forbidden {
                code: "not_config_owner",
                zh: "大类属于本系统的最高管理员；您可以调整本辖区的小类",
                en: "大类 belong to the deployment's top administrator; you may adjust the 小类 of your territory",
            });
        } else {
            owner.clone()
        };
        upsert_category(&mut tx, &k, now).await?;
        write_audit(&mut tx, ctx, "update", "category", &k.code, &owner, &k.name).await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(k)
    }
}
