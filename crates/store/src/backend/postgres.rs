//! The PostgreSQL backend. A URL may carry `schema=NAME`: the store then creates that schema and
//! works in it (the test suite gives every test its own). Reads and writes share one pool:
//! PostgreSQL runs write transactions side by side.

use super::{Backend, SqlStore, Target, migrations, run_queries};
use crate::cases::CaseState;
use crate::{BoxFut, StoreError, StoreResult};
use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::path::Path;
use std::str::FromStr;

pub type PgStore = SqlStore<Postgres>;

impl super::BackendConn for sqlx::PgConnection {
    type Db = Postgres;
    fn target(&mut self) -> Target<'_, Postgres> {
        Target::Conn(self)
    }
}

impl Backend for Postgres {
    const BACKEND: &'static str = "postgres";
    const NUMBERED_PARAMS: bool = true;
    const BEGIN_WRITE: &'static str = "BEGIN";
    /// Two servers starting at once on one database migrate one after the other.
    const MIGRATION_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(727001)");
    const MIGRATIONS: &'static [(i64, &'static str)] = migrations!("postgres");
    const CASE_SEARCH_BULK: (&'static str, [&'static str; 2]) =
        ("case_search", ["case_id", "body=to_tsvector('simple', {})"]);
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const CASE_SEARCH_IDS: &'static str =
        "SELECT case_id FROM case_search WHERE body @@ to_tsquery('simple', $1)";
    /// A tsquery: every term, quoted.
    fn case_search_expr(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    run_queries!(Postgres);

    fn backup<'a>(_store: &'a SqlStore<Self>, _path: &'a Path) -> BoxFut<'a, ()> {
        Box::pin(async {
            Err(StoreError::Config(
                "backup of a PostgreSQL database is done with pg_dump; `tongchou backup` copies the embedded SQLite database".into(),
            ))
        })
    }
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

impl SqlStore<Postgres> {
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
        Ok(SqlStore {
            writer: pool.clone(),
            pool,
            cases: CaseState::default(),
        })
    }
}

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
