//! Assessment rules per owner (issue 9 §4–§6): the deployment's base ('') and a region's own
//! version for its subtree. Where a ranking or a warning is computed, the most specific owner at
//! or above the region wins, as with the 小类 of the catalog.

use super::model::RulesAt;
use crate::prelude::*;
use tongchou_domain::assess::rules::AssessRules;

/// The owners whose rules could apply at `region`, the most specific first ('' last).
fn owners_above(region: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = RegionCode::parse(region).ok();
    while let Some(code) = at {
        out.push(code.as_str().to_string());
        at = code.parent();
    }
    out.push(String::new());
    out
}

/// The rules that apply at `region` and who owns them ('' the base; the defaults when nobody
/// has written any).
pub(crate) async fn rules_at<DB: Backend>(
    tx: &mut Tx<DB>,
    region: &str,
) -> StoreResult<(AssessRules, String)> {
    let owners = owners_above(region);
    let marks = (1..=owners.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut q = query_as::<(String, String)>(AssertSqlSafe(format!(
        "SELECT owner_code, body FROM assess_rules WHERE owner_code IN ({marks})"
    )));
    for o in &owners {
        q = q.bind(o.as_str());
    }
    let found = parsed(q.fetch_all(&mut **tx).await?);
    let (rules, owner) = resolve(&found, region);
    Ok((rules.clone(), owner))
}

/// Stored rules by owner. Rules are validated when written; a body from an older release that
/// no longer parses falls back to the defaults rather than stopping every ranking.
pub(crate) fn parsed(rows: Vec<(String, String)>) -> HashMap<String, AssessRules> {
    rows.into_iter()
        .map(|(o, b)| (o, serde_json::from_str(&b).unwrap_or_default()))
        .collect()
}

static DEFAULT_RULES: std::sync::LazyLock<AssessRules> =
    std::sync::LazyLock::new(AssessRules::default);

/// The rules of the most specific owner at or above `region` among `stored`, and that owner
/// ('' and the defaults when nobody above it has written any).
pub(crate) fn resolve<'a>(
    stored: &'a HashMap<String, AssessRules>,
    region: &str,
) -> (&'a AssessRules, String) {
    owners_above(region)
        .into_iter()
        .find_map(|o| stored.get(&o).map(|r| (r, o)))
        .unwrap_or((&DEFAULT_RULES, String::new()))
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn rules_impl(&self, ctx: &Ctx, region: &str) -> StoreResult<RulesAt> {
        let code = crate::territory::normalise_region(region)?;
        let mut tx = self.read_tx().await?;
        crate::territory::fetch_region(&mut tx, &ctx.scope, &code).await?;
        let (rules, owner_code) = rules_at(&mut tx, &code).await?;
        tx.commit().await?;
        Ok(RulesAt {
            region: code,
            owner_code,
            rules,
        })
    }

    /// Writes the caller's own rules: the top administrator's are the base; any other
    /// administrator's apply in their own subtree only, and their groups may name only regions
    /// inside it.
    pub(crate) async fn put_rules_impl(
        &self,
        ctx: &Ctx,
        rules: &AssessRules,
    ) -> StoreResult<RulesAt> {
        rules.validate()?;
        let mut tx = self.write_tx().await?;
        let owner = if is_top_admin(&mut tx, ctx).await? {
            String::new()
        } else {
            owner_of(ctx)
        };
        for g in &rules.groups {
            for r in &g.regions {
                let code = RegionCode::parse_field("groups", r)?;
                if !ctx.scope.contains(code.as_str()) {
                    return Err(Invalid::new(
                        "groups",
                        "outside_scope",
                        format!("区划 {r} 不在您的辖区内"),
                        format!("region {r} is outside your territory"),
                    )
                    .into());
                }
            }
        }
        let body = serde_json::to_string(rules).map_err(|e| StoreError::Config(e.to_string()))?;
        let now = now_ms();
        query(
            "INSERT INTO assess_rules (owner_code, body, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (owner_code) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&owner)
        .bind(&body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        write_audit(
            &mut tx,
            ctx,
            "update",
            "assess_rules",
            &owner,
            &owner,
            &body,
        )
        .await?;
        tx.commit().await?;
        Ok(RulesAt {
            region: owner.clone(),
            owner_code: owner,
            rules: rules.clone(),
        })
    }
}
