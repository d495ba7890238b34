//! Finding a place by name: regions and grids of the caller's scope whose name holds a fragment,
//! each with its parent's name, for the pickers that replace typed 12- and 15-digit codes.

use crate::prelude::*;

/// A region or a grid found by name.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlaceHit {
    /// `region` or `grid`.
    pub kind: &'static str,
    pub code: String,
    pub name: String,
    /// The region's level (`village`, …), or `grid`.
    pub level: String,
    /// The name of the region it lies in, to tell two of the same name apart.
    pub parent_name: Option<String>,
}

pub trait PlaceStorage: Send + Sync {
    /// Up to `limit` regions and up to `limit` grids of `ctx`'s scope whose name holds `q`,
    /// shortest names first; `kind` limits to `region` or `grid`.
    fn search_places<'a>(
        &'a self,
        ctx: &'a Ctx,
        q: &'a str,
        kind: &'a str,
        limit: u32,
    ) -> BoxFut<'a, Vec<PlaceHit>>;
}

impl<DB: Backend> PlaceStorage for SqlStore<DB> {
    fn search_places<'a>(
        &'a self,
        ctx: &'a Ctx,
        q: &'a str,
        kind: &'a str,
        limit: u32,
    ) -> BoxFut<'a, Vec<PlaceHit>> {
        Box::pin(async move {
            let q = q.trim();
            if q.is_empty() {
                return Ok(Vec::new());
            }
            let pattern = format!("%{}%", like_escape(q));
            // Both kinds read as (code, name, level, parent's name), each cut at `limit`.
            let searches = [
                (
                    "region",
                    "SELECT r.code, r.name, r.level, p.name FROM regions r \
                     LEFT JOIN regions p ON p.code = r.parent_code \
                     WHERE r.code >= $1 AND r.code < $2 AND r.name LIKE $3 ESCAPE '\\' \
                     ORDER BY length(r.name), r.code LIMIT $4",
                ),
                (
                    "grid",
                    "SELECT g.code, g.name, 'grid', r.name FROM grids g \
                     LEFT JOIN regions r ON r.code = g.region_code \
                     WHERE g.region_code >= $1 AND g.region_code < $2 AND g.name LIKE $3 ESCAPE '\\' \
                     ORDER BY length(g.name), g.code LIMIT $4",
                ),
            ];
            let mut tx = self.read_tx().await?;
            let mut hits = Vec::new();
            for (k, sql) in searches {
                if !kind.is_empty() && kind != k {
                    continue;
                }
                let rows: Vec<(String, String, String, Option<String>)> = query_as(sql)
                    .bind(&ctx.scope.lo)
                    .bind(&ctx.scope.hi)
                    .bind(&pattern)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
                hits.extend(
                    rows.into_iter()
                        .map(|(code, name, level, parent_name)| PlaceHit {
                            kind: k,
                            code,
                            name,
                            level,
                            parent_name,
                        }),
                );
            }
            Ok(hits)
        })
    }
}
