//! The audit log: every write and every full read of personal data, with its actor and a
//! region that puts it in someone's view.

use crate::prelude::*;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct AuditEntry {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub at: i64,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// What the target is called, where the id does not say it: a region's or grid's name, a
    /// household's address, a person's surname (masked). Filled after the read.
    #[sqlx(skip)]
    pub target_name: Option<String>,
    pub detail: String,
}

/// Narrows the audit log: who (username), what (action), on what (target id), and when
/// (`from` inclusive, `to` exclusive, Unix ms). Empty means any.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub target: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub(crate) async fn write_audit<DB: Backend>(
    tx: &mut Tx<DB>,
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
    query(
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

/// Fills `target_name` for the rows whose target is known by a code or an id (one lookup per
/// distinct target; a page has at most a few hundred rows). A target since deleted, or moved out
/// of the reader's scope, keeps none: the log does not show what the reader may not read.
async fn name_targets<DB: Backend>(
    tx: &mut Tx<DB>,
    scope: &Scope,
    rows: &mut [AuditEntry],
) -> StoreResult<()> {
    let mut known: std::collections::HashMap<(String, String), Option<String>> =
        std::collections::HashMap::new();
    for r in rows.iter_mut() {
        let key = (r.target_type.clone(), r.target_id.clone());
        if let Some(name) = known.get(&key) {
            r.target_name = name.clone();
            continue;
        }
        let id = r.target_id.parse::<i64>().ok();
        let by_code = match r.target_type.as_str() {
            "region" => {
                Some("SELECT name FROM regions WHERE code = $1 AND code >= $2 AND code < $3")
            }
            "grid" => Some(
                "SELECT name FROM grids WHERE code = $1 AND region_code >= $2 AND region_code < $3",
            ),
            _ => None,
        };
        let by_id = match (r.target_type.as_str(), id) {
            ("household", Some(id)) => Some((
                "SELECT address FROM households WHERE id = $1 AND region_code >= $2 AND region_code < $3",
                id,
            )),
            ("person", Some(id)) => Some((
                "SELECT name FROM persons WHERE id = $1 AND region_code >= $2 AND region_code < $3",
                id,
            )),
            _ => None,
        };
        let found: Option<(String,)> = match (by_code, by_id) {
            (Some(sql), _) => {
                query_as(sql)
                    .bind(&r.target_id)
                    .bind(&scope.lo)
                    .bind(&scope.hi)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            (None, Some((sql, id))) => {
                query_as(sql)
                    .bind(id)
                    .bind(&scope.lo)
                    .bind(&scope.hi)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            (None, None) => None,
        };
        let name = found.map(|(n,)| match r.target_type.as_str() {
            "person" => tongchou_domain::mask::name(&n),
            _ => n,
        });
        r.target_name = name.clone();
        known.insert(key, name);
    }
    Ok(())
}

/// Reading and writing the audit log.
pub trait AuditStorage: Send + Sync {
    fn list_audit<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<AuditEntry>>;
    /// The audit log narrowed by actor, action, target and time (each optional).
    fn search_audit<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a AuditFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<AuditEntry>>;
    fn audit<'a>(
        &'a self,
        ctx: &'a Ctx,
        action: &'a str,
        target_type: &'a str,
        target_id: &'a str,
        region_code: &'a str,
        detail: &'a str,
    ) -> BoxFut<'a, ()>;
    /// How often `action` was done to `target_id` since `since` (Unix ms): a limit on things
    /// that reach outside, like an SMS sent again.
    fn audit_count<'a>(
        &'a self,
        action: &'a str,
        target_id: &'a str,
        since: i64,
    ) -> BoxFut<'a, i64>;
}

impl<DB: Backend> AuditStorage for SqlStore<DB> {
    fn list_audit<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<AuditEntry>> {
        Box::pin(async move { self.search_audit(ctx, &AuditFilter::default(), page).await })
    }

    fn search_audit<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a AuditFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<AuditEntry>> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            // Rows that belong to no region (the deployment's own) are the top administrator's.
            let top = is_top_admin(&mut tx, ctx).await?;
            let rows = query_as::<AuditEntry>(
                "SELECT id, at, user_id, username, action, target_type, target_id, detail FROM audit_log \
                 WHERE ((region_code >= $1 AND region_code < $2) OR (region_code = '' AND $3)) \
                 AND ($6 = '' OR username = $6) AND ($7 = '' OR action = $7) \
                 AND ($8 = '' OR target_id = $8) AND ($9 = 0 OR at >= $9) AND ($10 = 0 OR at < $10) \
                 ORDER BY at DESC, id DESC LIMIT $4 OFFSET $5",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(top)
            .bind(page.limit_plus_one())
            .bind(page.offset())
            .bind(f.actor.trim())
            .bind(f.action.trim())
            .bind(f.target.trim())
            .bind(f.from.unwrap_or(0))
            .bind(f.to.unwrap_or(0))
            .fetch_all(&mut *tx)
            .await?;
            let mut rows = rows;
            name_targets(&mut tx, &ctx.scope, &mut rows).await?;
            tx.commit().await?;
            Ok(Page::from_rows(rows, page))
        })
    }

    fn audit_count<'a>(
        &'a self,
        action: &'a str,
        target_id: &'a str,
        since: i64,
    ) -> BoxFut<'a, i64> {
        Box::pin(async move {
            let (n,): (i64,) = query_as(
                "SELECT COUNT(*) FROM audit_log WHERE at >= $1 AND action = $2 AND target_id = $3",
            )
            .bind(since)
            .bind(action)
            .bind(target_id)
            .fetch_one(&self.pool)
            .await?;
            Ok(n)
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
}
