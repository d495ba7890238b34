//! Storage for Tongchou: the [`Storage`] trait (all the areas' traits), implemented once by
//! [`backend::SqlStore`] for both SQLite ([`sqlite::SqliteStore`]) and PostgreSQL
//! ([`postgres::PgStore`]): the SQL is written to mean the same on both engines, and what differs
//! lives in each backend's module.
//!
//! One folder per area: `territory`, `registry`, `accounts`, `cases` (catalog, intake, lifecycle,
//! sweep, search, disputes, notifications, attachments) and `system` (migrations, audit). Data
//! scope is applied here: every read and write takes a [`Ctx`] whose scope is a code range, and
//! rows outside it do not exist for that caller.

pub mod accounts;
pub mod assess;
pub mod backend;
pub mod cases;
mod error;
pub mod model;
mod prelude;
pub mod regions_csv;
pub mod registry;
pub mod stats;
pub mod system;
pub mod territory;
mod util;
pub mod visits;

pub use accounts::*;
pub use assess::*;
pub use backend::{postgres, sqlite};
pub use cases::*;
pub use error::{StoreError, StoreResult};
pub use model::*;
pub use registry::*;
pub use stats::StoreStats;
pub use system::*;
pub use territory::*;
pub use util::{new_id, now_ms, set_clock_shift_for_tests};
pub use visits::*;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>>;

/// Declares `Storage` as all the listed traits together, and implements it for every type that
/// has them all: one list, so a new area's trait cannot be added to one and missed in the other.
macro_rules! storage {
    ($($area:ident),+ $(,)?) => {
        /// The storage boundary: every area's traits together. Handlers never see SQL.
        pub trait Storage: $($area +)+ Send + Sync {}

        impl<T> Storage for T where T: $($area +)+ Send + Sync {}
    };
}

storage!(
    SystemStorage,
    AuditStorage,
    TerritoryStorage,
    GridStorage,
    PlaceStorage,
    ShapeStorage,
    RegistryStorage,
    RegistryTransferStorage,
    AccountStorage,
    AccountAdminStorage,
    LoginStorage,
    ApiKeyStorage,
    CatalogStorage,
    IntakeStorage,
    LifecycleStorage,
    SweepStorage,
    CaseSearchStorage,
    DisputeStorage,
    FollowerStorage,
    NotificationStorage,
    AttachmentStorage,
    VisitStorage,
    PatrolStorage,
    AssessStorage,
);

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
