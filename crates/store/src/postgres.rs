//! The PostgreSQL backend. A URL may carry `schema=NAME`: the store then creates that schema and
//! works in it (the test suite gives every test its own).

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::path::Path;
use std::str::FromStr;

type Db = sqlx::Postgres;
type S = PgStore;

const BACKEND: &str = "postgres";
/// Whether bulk statements use `$N` placeholders (else `?`).
const NUMBERED_PARAMS: bool = true;
const BEGIN_WRITE: &str = "BEGIN";
/// Two servers starting at once on one database migrate one after the other.
const MIGRATION_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(727001)");
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_cases.sql")),
    (
        3,
        include_str!("../migrations/postgres/0003_case_search.sql"),
    ),
    (4, include_str!("../migrations/0004_api_keys.sql")),
    (5, include_str!("../migrations/0005_notifications.sql")),
    (
        6,
        include_str!("../migrations/postgres/0006_attachments.sql"),
    ),
    (7, include_str!("../migrations/0007_disputes.sql")),
    (8, include_str!("../migrations/0008_stage_limits.sql")),
    (9, include_str!("../migrations/0009_trust.sql")),
    (10, include_str!("../migrations/0010_config_owners.sql")),
    (11, include_str!("../migrations/0011_open311.sql")),
    (12, include_str!("../migrations/0012_login_guesses.sql")),
];
/// The full-text index's table and columns for bulk loads (see `multi_insert_sql`).
const CASE_SEARCH_BULK: (&str, [&str; 2]) =
    ("case_search", ["case_id", "body=to_tsvector('simple', {})"]);
/// The ids of cases matching `$1` (see `case_search_expr`).
const CASE_SEARCH_IDS: &str =
    "SELECT case_id FROM case_search WHERE body @@ to_tsquery('simple', $1)";
/// A tsquery: every term, quoted (terms hold only letters and digits).
fn case_search_expr(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(" & ")
}

pub struct PgStore {
    pool: sqlx::PgPool,
    /// The same pool: PostgreSQL runs write transactions side by side.
    writer: sqlx::PgPool,
    /// The case catalog cache and the intake queue.
    cases: CaseState,
}

/// Splits `schema=NAME` off a URL's query string.
fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut schema = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("schema=") {
            Some(s) => {
                schema = Some(s.to_string());
                false
            }
            None => true,
        })
        .collect();
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, schema)
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let (url, schema) = split_schema(url);
        let mut opts = PgConnectOptions::from_str(&url)?;
        if let Some(schema) = &schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Config(format!("bad schema name {schema}")));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
            opts = opts.options([("search_path", schema.as_str())]);
        }
        // A database that cannot be reached answers within seconds (503), not after 30 s.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .after_release(crate::util::release_if_clean)
            .connect_with(opts)
            .await?;
        Ok(PgStore {
            writer: pool.clone(),
            pool,
            cases: CaseState::default(),
        })
    }

    async fn backup_impl(&self, _path: &Path) -> StoreResult<()> {
        Err(StoreError::Config(
            "backup of a PostgreSQL database is done with pg_dump; `tongchou backup` copies the embedded SQLite database".into(),
        ))
    }
}

include!("imp.rs");
include!("cases_imp.rs");
include!("catalog_imp.rs");

#[cfg(test)]
mod tests {
    #[test]
    fn schema_is_split_off() {
        assert_eq!(
            super::split_schema("postgres://u@h/db?schema=t1&sslmode=disable"),
            (
                "postgres://u@h/db?sslmode=disable".into(),
                Some("t1".into())
            )
        );
        assert_eq!(
            super::split_schema("postgres://u@h/db?schema=t1"),
            ("postgres://u@h/db".into(), Some("t1".into()))
        );
        assert_eq!(
            super::split_schema("postgres://u@h/db"),
            ("postgres://u@h/db".into(), None)
        );
    }
}
