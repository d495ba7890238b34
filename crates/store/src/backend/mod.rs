//! The two databases behind one implementation. [`SqlStore`] holds the pools and is generic over
//! a [`Backend`] (SQLite or PostgreSQL): every area's storage code is written once against it, in
//! SQL that means the same on both engines. What differs (connect options, migration files,
//! full-text search syntax, backup) is the [`Backend`] implementation in `sqlite.rs` and
//! `postgres.rs`.
//!
//! Queries go through [`query`]/[`query_as`], which carry their parameters as plain values, so
//! generic code needs one bound (`DB: Backend`) instead of sqlx's per-type bounds; [`Run`] binds
//! them where both concrete backends are checked.

pub mod postgres;
mod query;
pub(crate) mod shared;
pub mod sqlite;

pub use query::{Arg, BackendConn, DbRow, Query, QueryAs, query, query_as, raw_execute};

use crate::BoxFut;
use crate::cases::CaseState;
use sqlx::{AssertSqlSafe, Database, Encode, Executor, Type};
use std::marker::PhantomData;
use std::path::Path;

/// A transaction on a backend.
pub type Tx<DB> = sqlx::Transaction<'static, DB>;

/// Where a query runs: one connection (usually a transaction's) or any connection of a pool.
pub enum Target<'e, DB: Database> {
    Conn(&'e mut DB::Connection),
    Pool(&'e sqlx::Pool<DB>),
}

type Res<T> = Result<T, sqlx::Error>;

/// A query's future.
pub type SqlFut<'e, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Res<T>> + Send + 'e>>;

/// A database engine as the shared store code sees it.
pub trait Backend: Database<Connection: BackendConn<Db = Self>> {
    /// `sqlite` or `postgres` (in metrics and `/readyz`).
    const BACKEND: &'static str;
    /// Whether bulk statements use `$N` placeholders (else `?`).
    const NUMBERED_PARAMS: bool;
    /// The statement that opens a write transaction.
    const BEGIN_WRITE: &'static str;
    /// A statement that makes migrations of two servers starting at once run one after the other.
    const MIGRATION_LOCK: Option<&'static str>;
    /// The schema migrations in order (see `migrations!`).
    const MIGRATIONS: &'static [(i64, &'static str)];
    /// What follows a `SELECT` to lock the rows it reads until the transaction ends (PostgreSQL);
    /// SQLite's write transaction holds the whole database already.
    const FOR_UPDATE: &'static str;
    /// The full-text index's table and columns for bulk loads (see `multi_insert_sql`).
    const CASE_SEARCH_BULK: (&'static str, [&'static str; 2]);
    /// The ids of cases matching `$1` (see `case_search_expr`).
    const CASE_SEARCH_IDS: &'static str;
    /// A full-text query matching every term (terms hold only letters and digits).
    fn case_search_expr(terms: &[String]) -> String;

    fn execute<'e>(t: Target<'e, Self>, q: Query<'e>) -> SqlFut<'e, u64>;
    fn fetch_all<'e, T: DbRow>(t: Target<'e, Self>, q: Query<'e>) -> SqlFut<'e, Vec<T>>;
    fn fetch_optional<'e, T: DbRow>(t: Target<'e, Self>, q: Query<'e>) -> SqlFut<'e, Option<T>>;
    fn raw_execute<'e>(t: Target<'e, Self>, sql: &'e str) -> SqlFut<'e, ()>;
    /// A consistent copy of the whole database written to `path` while the service runs.
    fn backup<'a>(store: &'a SqlStore<Self>, path: &'a Path) -> BoxFut<'a, ()>;
}

/// The store: a read pool, a write pool (one connection on SQLite, the same pool on
/// PostgreSQL) and the case catalog cache with the intake queue.
pub struct SqlStore<DB: Backend> {
    pub(crate) pool: sqlx::Pool<DB>,
    pub(crate) writer: sqlx::Pool<DB>,
    pub(crate) cases: CaseState,
}

/// Rows a statement changed, for both engines' result types.
pub trait Affected {
    fn affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// Binds a [`Query`]'s values to an sqlx query (or query_as).
macro_rules! bind_args {
    ($s:expr, $q:expr) => {{
        let mut s = $s;
        for a in &$q.args {
            s = match a {
                Arg::Int(v) => s.bind(*v),
                Arg::Int32(v) => s.bind(*v),
                Arg::Real(v) => s.bind(*v),
                Arg::Bool(v) => s.bind(*v),
                Arg::Text(v) => s.bind(v.as_ref()),
                Arg::Bytes(v) => s.bind(v.as_ref()),
                Arg::NullInt(v) => s.bind(*v),
                Arg::NullInt32(v) => s.bind(*v),
                Arg::NullReal(v) => s.bind(*v),
                Arg::NullText(v) => s.bind(v.as_deref()),
            };
        }
        s
    }};
}

/// Binds and runs queries for any sqlx database that takes our parameter types. The bounds are
/// written once, here; each `Backend` implementation calls these with its concrete type.
pub struct Run<DB>(PhantomData<DB>);

impl<DB> Run<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: Executor<'c, Database = DB>,
    for<'a> DB::Arguments: sqlx::IntoArguments<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> f64: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i32>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<f64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
{
    pub fn execute<'e>(t: Target<'e, DB>, q: Query<'e>) -> SqlFut<'e, u64> {
        Box::pin(async move {
            let s = bind_args!(sqlx::query::<DB>(q.sql.clone()), q);
            let r = match t {
                Target::Conn(c) => s.execute(c).await?,
                Target::Pool(p) => s.execute(p).await?,
            };
            Ok(r.affected())
        })
    }

    pub fn fetch_all<'e, T>(t: Target<'e, DB>, q: Query<'e>) -> SqlFut<'e, Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin + 'static,
    {
        Box::pin(async move {
            let s = bind_args!(sqlx::query_as::<DB, T>(q.sql.clone()), q);
            match t {
                Target::Conn(c) => s.fetch_all(c).await,
                Target::Pool(p) => s.fetch_all(p).await,
            }
        })
    }

    pub fn fetch_optional<'e, T>(t: Target<'e, DB>, q: Query<'e>) -> SqlFut<'e, Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin + 'static,
    {
        Box::pin(async move {
            let s = bind_args!(sqlx::query_as::<DB, T>(q.sql.clone()), q);
            match t {
                Target::Conn(c) => s.fetch_optional(c).await,
                Target::Pool(p) => s.fetch_optional(p).await,
            }
        })
    }

    pub fn raw_execute<'e>(t: Target<'e, DB>, sql: &'e str) -> SqlFut<'e, ()> {
        Box::pin(async move {
            let s = sqlx::raw_sql(AssertSqlSafe(sql));
            match t {
                Target::Conn(c) => s.execute(c).await?,
                Target::Pool(p) => s.execute(p).await?,
            };
            Ok(())
        })
    }
}

/// The migrations in order: shared files, and the backend's own (`migrations/<dir>/`) where the
/// SQL must differ. A new migration is added here, once, for both.
macro_rules! migrations {
    ($dir:literal) => {
        &[
            (1, include_str!("../../migrations/0001_init.sql")),
            (2, include_str!("../../migrations/0002_cases.sql")),
            (
                3,
                include_str!(concat!("../../migrations/", $dir, "/0003_case_search.sql")),
            ),
            (4, include_str!("../../migrations/0004_api_keys.sql")),
            (5, include_str!("../../migrations/0005_notifications.sql")),
            (
                6,
                include_str!(concat!("../../migrations/", $dir, "/0006_attachments.sql")),
            ),
            (7, include_str!("../../migrations/0007_disputes.sql")),
            (8, include_str!("../../migrations/0008_stage_limits.sql")),
            (9, include_str!("../../migrations/0009_trust.sql")),
            (10, include_str!("../../migrations/0010_config_owners.sql")),
            (11, include_str!("../../migrations/0011_open311.sql")),
            (12, include_str!("../../migrations/0012_login_guesses.sql")),
            (13, include_str!("../../migrations/0013_visits.sql")),
            (14, include_str!("../../migrations/0014_patrols.sql")),
            (
                15,
                include_str!("../../migrations/0015_attachment_keys.sql"),
            ),
            (
                16,
                include_str!("../../migrations/0016_password_change.sql"),
            ),
            (
                17,
                include_str!("../../migrations/0017_case_action_keys.sql"),
            ),
            (18, include_str!("../../migrations/0018_shapes.sql")),
            (19, include_str!("../../migrations/0019_case_followers.sql")),
            (20, include_str!("../../migrations/0020_fact_counts.sql")),
            (21, include_str!("../../migrations/0021_assess_rules.sql")),
        ]
    };
}
pub(crate) use migrations;

/// The query half of a `Backend` implementation: delegation to [`Run`] for a concrete type.
macro_rules! run_queries {
    ($db:ty) => {
        fn execute<'e>(
            t: $crate::backend::Target<'e, Self>,
            q: $crate::backend::Query<'e>,
        ) -> $crate::backend::SqlFut<'e, u64> {
            $crate::backend::Run::<$db>::execute(t, q)
        }
        fn fetch_all<'e, T: $crate::backend::DbRow>(
            t: $crate::backend::Target<'e, Self>,
            q: $crate::backend::Query<'e>,
        ) -> $crate::backend::SqlFut<'e, Vec<T>> {
            $crate::backend::Run::<$db>::fetch_all(t, q)
        }
        fn fetch_optional<'e, T: $crate::backend::DbRow>(
            t: $crate::backend::Target<'e, Self>,
            q: $crate::backend::Query<'e>,
        ) -> $crate::backend::SqlFut<'e, Option<T>> {
            $crate::backend::Run::<$db>::fetch_optional(t, q)
        }
        fn raw_execute<'e>(
            t: $crate::backend::Target<'e, Self>,
            sql: &'e str,
        ) -> $crate::backend::SqlFut<'e, ()> {
            $crate::backend::Run::<$db>::raw_execute(t, sql)
        }
    };
}
pub(crate) use run_queries;
