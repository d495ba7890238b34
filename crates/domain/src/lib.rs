//! Pure rules of Tongchou: no I/O, no async. Everything here is unit-tested.

pub mod assess;
pub mod calendar;
pub mod cases;
pub mod categories;
pub mod date;
pub mod error;
pub mod grid;
pub mod idcard;
pub mod mask;
pub mod region;
pub mod role;
pub mod routing;
pub mod search;
pub mod shape;
pub mod text;
pub mod visits;
pub mod workflow;

pub use error::Invalid;
pub use region::{Level, RegionCode, Scope, UrbanRural};
pub use role::{Permission, Role};
