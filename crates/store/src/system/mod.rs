//! The deployment itself: migrations, secrets, readiness, statistics and backup.

mod audit;

pub use audit::*;

use crate::prelude::*;

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn run_migrations(&self) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        if let Some(lock) = DB::MIGRATION_LOCK {
            query(lock).execute(&mut *tx).await?;
        }
        raw_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            &mut *tx,
        )
        .await?;
        let done: Vec<(i64,)> = query_as("SELECT version FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for (version, sql) in DB::MIGRATIONS {
            if done.iter().any(|d| d.0 == *version) {
                continue;
            }
            raw_execute(sql, &mut *tx).await?;
            query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
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
}

/// The deployment's database as a whole.
pub trait SystemStorage: Send + Sync {
    fn backend(&self) -> &'static str;
    fn migrate(&self) -> BoxFut<'_, ()>;
    /// The deployment's secret called `name`, made (random) on first use; every server on the
    /// database gets the same.
    fn system_secret<'a>(&'a self, name: &'a str) -> BoxFut<'a, String>;
    /// Pools and intake counters, for monitoring.
    fn stats(&self) -> StoreStats;
    /// Whether the database takes a write now (a one-row write, committed): readiness.
    fn ready(&self) -> BoxFut<'_, ()>;
    /// True when the database has no regions yet (used by `serve --demo`).
    fn is_empty(&self) -> BoxFut<'_, bool>;
    /// A consistent copy of the whole database written to `path` while the service runs.
    fn backup<'a>(&'a self, path: &'a std::path::Path) -> BoxFut<'a, ()>;
}

impl<DB: Backend> SystemStorage for SqlStore<DB> {
    fn backend(&self) -> &'static str {
        DB::BACKEND
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
            query(
                "INSERT INTO system_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&fresh)
            .execute(&mut *tx)
            .await?;
            let (value,): (String,) = query_as("SELECT value FROM system_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(value)
        })
    }

    fn stats(&self) -> crate::StoreStats {
        let pool = |name, p: &sqlx::Pool<DB>| (name, p.size(), p.num_idle() as u32);
        crate::StoreStats {
            pools: vec![pool("read", &self.pool), pool("write", &self.writer)],
            ..Default::default()
        }
        .with_intake(&self.cases.intake_stats)
    }

    fn ready(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            query(
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
            let n: Option<(String,)> = query_as("SELECT code FROM regions LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
            Ok(n.is_none())
        })
    }

    fn backup<'a>(&'a self, path: &'a std::path::Path) -> BoxFut<'a, ()> {
        DB::backup(self, path)
    }
}
