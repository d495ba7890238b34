//! The SQLite backend: one file in the data directory, WAL journal, `synchronous=FULL` so an
//! acknowledged write survives a crash, write transactions started with `BEGIN IMMEDIATE`.
//! Readers use a pool (WAL: never blocked by the writer); writes go through one connection:
//! SQLite takes one write transaction at a time, and queueing for that connection is fair and
//! wakes at once, where contending for the file lock would sleep in SQLite's busy handler.

use super::{Backend, SqlStore, Target, migrations, run_queries};
use crate::cases::CaseState;
use crate::{BoxFut, StoreError, StoreResult};
use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

pub type SqliteStore = SqlStore<Sqlite>;

impl super::BackendConn for sqlx::SqliteConnection {
    type Db = Sqlite;
    fn target(&mut self) -> Target<'_, Sqlite> {
        Target::Conn(self)
    }
}

impl Backend for Sqlite {
    const BACKEND: &'static str = "sqlite";
    const NUMBERED_PARAMS: bool = false;
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const MIGRATION_LOCK: Option<&'static str> = None;
    const MIGRATIONS: &'static [(i64, &'static str)] = migrations!("sqlite");
    const CASE_SEARCH_BULK: (&'static str, [&'static str; 2]) = ("case_search", ["rowid", "body"]);
    const FOR_UPDATE: &'static str = "";
    const CASE_SEARCH_IDS: &'static str =
        "SELECT rowid FROM case_search WHERE case_search MATCH $1";
    /// An FTS5 query: every term, quoted.
    fn case_search_expr(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }

    run_queries!(Sqlite);

    fn backup<'a>(store: &'a SqlStore<Self>, path: &'a Path) -> BoxFut<'a, ()> {
        Box::pin(store.vacuum_into(path))
    }
}

impl SqlStore<Sqlite> {
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(false)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .after_release(crate::util::release_if_clean)
            .connect_with(opts.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .after_release(crate::util::release_if_clean)
            .connect_with(opts)
            .await?;
        Ok(SqlStore {
            pool,
            writer,
            cases: CaseState::default(),
        })
    }

    /// `VACUUM INTO` writes a consistent, compacted copy from one read transaction while writers
    /// go on.
    async fn vacuum_into(&self, path: &Path) -> StoreResult<()> {
        if path.exists() {
            return Err(StoreError::Config(format!(
                "{} already exists",
                path.display()
            )));
        }
        let p = path
            .to_str()
            .ok_or_else(|| StoreError::Config("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(p)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
