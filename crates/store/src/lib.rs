//! Storage for Tongchou: the [`Storage`] trait, implemented for SQLite ([`sqlite::SqliteStore`])
//! and PostgreSQL ([`postgres::PgStore`]). Both implementations are compiled from one source
//! (`imp.rs`) because the SQL is written to mean the same on both engines; what differs (connect
//! options, migrations folder, backup) lives in each backend's module.
//!
//! Data scope is applied here: every read and write of the registry takes a [`Ctx`] whose scope is
//! a code range, and rows outside it do not exist for that caller.

pub mod cases;
mod error;
pub mod model;
pub mod regions_csv;
pub mod stats;
mod util;

pub mod postgres;
pub mod sqlite;

pub use cases::*;
pub use error::{StoreError, StoreResult};
pub use model::*;
pub use stats::StoreStats;
pub use util::{new_id, now_ms};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>>;

/// The storage boundary. Handlers never see SQL.
pub trait Storage: CaseStorage + Send + Sync {
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

    // Territory
    fn upsert_regions<'a>(&'a self, rows: &'a [RegionRow]) -> BoxFut<'a, u64>;
    fn get_region<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Region>;
    /// The regions without a parent (provinces), for pickers that start at the top.
    fn top_regions(&self) -> BoxFut<'_, Vec<Region>>;
    fn region_children<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Region>>;
    fn create_region<'a>(&'a self, ctx: &'a Ctx, row: &'a RegionRow) -> BoxFut<'a, Region>;
    fn update_region<'a>(
        &'a self,
        ctx: &'a Ctx,
        code: &'a str,
        patch: &'a RegionPatch,
    ) -> BoxFut<'a, Region>;
    fn insert_units<'a>(&'a self, rows: &'a [Unit]) -> BoxFut<'a, ()>;
    fn list_units<'a>(&'a self, ctx: &'a Ctx, region_code: &'a str) -> BoxFut<'a, Vec<Unit>>;
    fn insert_centers<'a>(&'a self, rows: &'a [ServiceCenter]) -> BoxFut<'a, ()>;
    fn list_centers<'a>(
        &'a self,
        ctx: &'a Ctx,
        region_code: &'a str,
    ) -> BoxFut<'a, Vec<ServiceCenter>>;

    // Grids
    fn create_grid<'a>(&'a self, ctx: &'a Ctx, g: &'a NewGrid) -> BoxFut<'a, Grid>;
    fn get_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str) -> BoxFut<'a, Grid>;
    fn list_grids<'a>(
        &'a self,
        ctx: &'a Ctx,
        region_code: &'a str,
        page: PageReq,
    ) -> BoxFut<'a, Page<Grid>>;
    fn update_grid<'a>(&'a self, ctx: &'a Ctx, code: &'a str, g: &'a NewGrid) -> BoxFut<'a, Grid>;
    /// The grid in scope whose centre is nearest to a position, within `max_m` metres.
    fn grid_near<'a>(
        &'a self,
        ctx: &'a Ctx,
        lat: f64,
        lng: f64,
        max_m: f64,
    ) -> BoxFut<'a, Option<String>>;

    // Households and persons
    fn create_household<'a>(&'a self, ctx: &'a Ctx, h: &'a NewHousehold) -> BoxFut<'a, Household>;
    fn get_household<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Household>;
    fn list_households<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a HouseholdFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Household>>;
    fn update_household<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: i64,
        h: &'a NewHousehold,
    ) -> BoxFut<'a, Household>;
    fn create_person<'a>(&'a self, ctx: &'a Ctx, p: &'a NewPerson) -> BoxFut<'a, Person>;
    fn get_person<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Person>;
    fn list_persons<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a PersonFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Person>>;
    fn update_person<'a>(&'a self, ctx: &'a Ctx, id: i64, p: &'a NewPerson) -> BoxFut<'a, Person>;
    /// Reads a person in full and records the read in the audit log, in one transaction.
    fn reveal_person<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, Person>;
    /// All-or-nothing import: households found by (grid, address) or created, persons found by ID
    /// number and updated, or created. Any bad row fails the whole import with `Rows`.
    fn import_registry<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: &'a [ImportRow],
    ) -> BoxFut<'a, ImportCounts>;
    /// Trusted bulk load (demo and benchmarks): households and persons with their ids, counties
    /// and places already set; one transaction.
    fn bulk_load<'a>(&'a self, hs: &'a [Household], ps: &'a [Person]) -> BoxFut<'a, ()>;
    /// Every household and person in scope, for export (ordered by region, id).
    fn export_registry<'a>(&'a self, ctx: &'a Ctx) -> BoxFut<'a, (Vec<Household>, Vec<Person>)>;

    // Accounts
    /// Creates an account for `ctx` (whose scope must hold the account's scope, its grid and its
    /// unit); audited with `ctx` as the actor.
    fn create_user<'a>(&'a self, ctx: &'a Ctx, u: &'a NewUser) -> BoxFut<'a, User>;
    /// Sets a password, ends the account's sessions and lockout; audited with `ctx` as the actor.
    fn set_password<'a>(&'a self, ctx: &'a Ctx, username: &'a str, hash: &'a str)
    -> BoxFut<'a, ()>;
    fn user_by_name<'a>(&'a self, username: &'a str) -> BoxFut<'a, Option<User>>;
    fn list_users<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<User>>;
    /// Counts a failed login; the `lock_after`-th failure locks the account until `lock_until`.
    /// A lock that has expired by `now` starts the count again.
    fn login_failed<'a>(
        &'a self,
        user_id: i64,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, ()>;
    /// Counts a failed login under a name that is no account, exactly as `login_failed` counts
    /// an account's; answers until when the name is now locked (0: not locked).
    fn guess_failed<'a>(
        &'a self,
        name: &'a str,
        lock_after: i32,
        now: i64,
        lock_until: i64,
    ) -> BoxFut<'a, i64>;
    /// Until when a name that is no account is locked (0: not locked).
    fn guess_locked_until<'a>(&'a self, name: &'a str) -> BoxFut<'a, i64>;
    /// Ends an account's lockout (an administrator whose scope holds the account); audited.
    fn unlock_user<'a>(&'a self, ctx: &'a Ctx, user_id: i64) -> BoxFut<'a, User>;
    fn login_succeeded<'a>(&'a self, user_id: i64) -> BoxFut<'a, ()>;
    fn create_session<'a>(&'a self, s: &'a Session) -> BoxFut<'a, ()>;
    fn session<'a>(&'a self, token_hash: &'a str, now: i64) -> BoxFut<'a, Option<(Session, User)>>;
    fn delete_session<'a>(&'a self, token_hash: &'a str) -> BoxFut<'a, ()>;
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
    fn list_audit<'a>(&'a self, ctx: &'a Ctx, page: PageReq) -> BoxFut<'a, Page<AuditEntry>>;
    fn audit<'a>(
        &'a self,
        ctx: &'a Ctx,
        action: &'a str,
        target_type: &'a str,
        target_id: &'a str,
        region_code: &'a str,
        detail: &'a str,
    ) -> BoxFut<'a, ()>;

    /// A consistent copy of the whole database written to `path` while the service runs.
    fn backup<'a>(&'a self, path: &'a std::path::Path) -> BoxFut<'a, ()>;
}

pub type Store = Arc<dyn Storage>;

/// Opens (and creates) a database from a URL: `sqlite://PATH` or `postgres://…`. A PostgreSQL URL
/// may carry `schema=NAME` to work in (and create) a schema of its own.
pub async fn open(url: &str) -> StoreResult<Store> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(
            sqlite::SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL: {url}"
        )))
    }
}
