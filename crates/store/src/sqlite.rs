//! The SQLite backend: one file in the data directory, WAL journal, `synchronous=FULL` so an
//! acknowledged write survives a crash, write transactions started with `BEGIN IMMEDIATE`.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

type Db = sqlx::Sqlite;
type S = SqliteStore;

const BACKEND: &str = "sqlite";
/// Whether bulk statements use `$N` placeholders (else `?`).
const NUMBERED_PARAMS: bool = false;
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
const MIGRATION_LOCK: Option<&str> = None;
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_cases.sql")),
    (3, include_str!("../migrations/sqlite/0003_case_search.sql")),
    (4, include_str!("../migrations/0004_api_keys.sql")),
    (5, include_str!("../migrations/0005_notifications.sql")),
    (6, include_str!("../migrations/sqlite/0006_attachments.sql")),
    (7, include_str!("../migrations/0007_disputes.sql")),
    (8, include_str!("../migrations/0008_stage_limits.sql")),
    (9, include_str!("../migrations/0009_trust.sql")),
    (10, include_str!("../migrations/0010_config_owners.sql")),
    (11, include_str!("../migrations/0011_open311.sql")),
    (12, include_str!("../migrations/0012_login_guesses.sql")),
];
/// The full-text index's table and columns for bulk loads (see `multi_insert_sql`).
const CASE_SEARCH_BULK: (&str, [&str; 2]) = ("case_search", ["rowid", "body"]);
/// The ids of cases matching `$1` (see `case_search_expr`).
const CASE_SEARCH_IDS: &str = "SELECT rowid FROM case_search WHERE case_search MATCH $1";
/// An FTS5 query: every term, quoted (terms hold only letters and digits).
fn case_search_expr(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct SqliteStore {
    /// Readers (WAL: never blocked by the writer).
    pool: sqlx::SqlitePool,
    /// The one writer connection. SQLite takes one write transaction at a time; queueing for
    /// this connection is fair and wakes at once, where contending for the file lock would
    /// sleep in SQLite's busy handler (1, 2, 5, 10 … 100 ms steps).
    writer: sqlx::SqlitePool,
    /// The case catalog cache and the intake queue.
    cases: CaseState,
}

impl SqliteStore {
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
        Ok(SqliteStore {
            pool,
            writer,
            cases: CaseState::default(),
        })
    }

    /// `VACUUM INTO` writes a consistent, compacted copy from one read transaction while writers
    /// go on.
    async fn backup_impl(&self, path: &Path) -> StoreResult<()> {
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

include!("imp.rs");
include!("cases_imp.rs");
include!("catalog_imp.rs");
