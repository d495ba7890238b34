//! API keys for third-party clients (Open311), stored by hash.

use crate::prelude::*;

/// API keys.
pub trait ApiKeyStorage: Send + Sync {
    /// Stores a new API key (by its hash) for `scope_code`.
    fn create_api_key<'a>(
        &'a self,
        ctx: &'a Ctx,
        name: &'a str,
        scope_code: &'a str,
        key_hash: &'a str,
    ) -> BoxFut<'a, ApiKey>;
    /// The unrevoked key with this hash.
    fn api_key<'a>(&'a self, key_hash: &'a str) -> BoxFut<'a, Option<ApiKey>>;
    /// Keys whose scope lies in the caller's.
    fn list_api_keys<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, Vec<ApiKey>>;
    fn revoke_api_key<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, ()>;
}

impl<DB: Backend> ApiKeyStorage for SqlStore<DB> {
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
            query(
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
            let key = query_as::<ApiKey>(
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
            Ok(query_as::<ApiKey>(
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
            Ok(query_as::<ApiKey>(
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
            let done = query(
                "UPDATE api_keys SET revoked = TRUE WHERE id = $1 AND scope_code >= $2 AND scope_code < $3",
            )
            .bind(id)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .execute(&mut *tx)
            .await?;
            if done == 0 {
                return Err(StoreError::NotFound("api key"));
            }
            write_audit(&mut tx, ctx, "revoke", "api_key", &id.to_string(), "", "").await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
